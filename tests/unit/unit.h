/* argon unit tests: a minimal harness. Each test file lists its test
 * functions with UNIT(name) in UNIT_MAIN(...). Prints "ok NAME", "FAIL NAME"
 * or "skip NAME: why" per test and a final "N passed, N failed, N skipped"
 * line. A test that cannot run here calls SKIP("why") and is counted as a
 * skip, never as a pass. */
#ifndef ARGON_UNIT_H
#define ARGON_UNIT_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed_now;
static const char *unit_skip_why;

/* A temporary dir /tmp/argon-test-WHAT-XXXXXX, removed with everything in it
 * when the variable leaves scope:
 *   _cleanup_unit_dir_ struct unit_dir d = { "" };
 *   CHECK(unit_dir_make(&d, "events") == 0);                              */
struct unit_dir {
	char path[96];
};

static inline void unit_dir_remove(struct unit_dir *d)
{
	struct ar_err err = { 0 };

	if (d->path[0])
		rm_rf_at(AT_FDCWD, d->path, &err);
	ar_err_clear(&err);
}
#define _cleanup_unit_dir_ __attribute__((cleanup(unit_dir_remove)))

static inline int unit_dir_make(struct unit_dir *d, const char *what)
{
	snprintf(d->path, sizeof d->path, "/tmp/argon-test-%s-XXXXXX", what);
	if (mkdtemp(d->path) == NULL) {
		d->path[0] = '\0';
		return -1;
	}
	return 0;
}

#define SKIP(why) do { unit_skip_why = (why); return; } while (0)

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	unit_failed_now = 1; return; } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
	fprintf(stderr, "  %s:%d: `%s` != `%s`\n", __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	unit_failed_now = 1; return; } } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
	if (!h_ || !strstr(h_, n_)) { \
	fprintf(stderr, "  %s:%d: `%s` does not contain `%s`\n", __FILE__, __LINE__, h_ ? h_ : "(null)", n_); \
	unit_failed_now = 1; return; } } while (0)

struct unit_test { const char *name; void (*fn)(void); };
#define UNIT(name) { #name, name }

static inline int unit_main(const struct unit_test *t, size_t n)
{
	int passed = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < n; i++) {
		unit_failed_now = 0;
		unit_skip_why = NULL;
		t[i].fn();
		if (unit_failed_now) { failed++; printf("FAIL %s\n", t[i].name); }
		else if (unit_skip_why) { skipped++; printf("skip %s: %s\n", t[i].name, unit_skip_why); }
		else { passed++; printf("ok %s\n", t[i].name); }
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
#define UNIT_MAIN(...) int main(void) { static const struct unit_test t_[] = { __VA_ARGS__ }; \
	return unit_main(t_, sizeof t_ / sizeof t_[0]); }

/* Lines of our mount table, or -1. */
static inline int unit_mountinfo_lines(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int c, n = 0;

	if (f == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* As UNIT_MAIN, and fails the binary when the tests left mounts in our
 * mount table (every mount must be undone). */
static inline int unit_main_no_mount_leak(const struct unit_test *t, size_t n)
{
	int before = unit_mountinfo_lines();
	int r = unit_main(t, n);
	int after = unit_mountinfo_lines();

	/* More lines is a leak. Fewer can happen without us: the kernel
	 * dissolves a copied mount in every namespace when another process
	 * removes the directory it sits on (a concurrent test run). */
	if (before < 0 || after > before) {
		printf("FAIL mount table changed: %d lines before, %d after\n", before, after);
		return 1;
	}
	return r;
}
#define UNIT_MAIN_NO_MOUNT_LEAK(...) int main(void) { \
	static const struct unit_test t_[] = { __VA_ARGS__ }; \
	return unit_main_no_mount_leak(t_, sizeof t_ / sizeof t_[0]); }

#endif
