/* Bench: what the seccomp cache saves at container start. Compiles two
 * profiles of docker's size through libseccomp (no cache), then the same
 * through a cache dir: the first start (compile + store) and later starts
 * (a hit: read, checksum, no libseccomp compile).
 * Build and run: make bench && build/bench/seccomp_compile [rounds] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>	/* before ours: see seccomp_load in seccomp.h */

#include "seccomp.h"
#include "seccomp_default.h"
#include "util.h"

/* Every syscall libseccomp knows on this architecture, allowed. */
static char *allow_all_known(void)
{
	json_object *o = json_object_new_object(), *rule = json_object_new_object();
	json_object *names = json_object_new_array(), *rules = json_object_new_array();
	char *text;

	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name)
			json_object_array_add(names, json_object_new_string(name));
		free(name);
	}
	json_object_object_add(o, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(rule, "names", names);
	json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(rules, rule);
	json_object_object_add(o, "syscalls", rules);
	text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

static size_t count_names(const char *text)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, "\"names\"")) != NULL; p++)
		for (const char *q = strchr(p, '['); q && *q != ']'; q++)
			n += *q == ',' || (q[-1] == '[' && *q == '"');
	return n;
}

/* Mean microseconds per seccomp_compile over rounds; -1 on failure. */
static double time_compile(const char *text, const char *cache, int rounds, size_t *insns,
			   bool *hit)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < rounds; i++) {
		struct seccomp_prog *p = NULL;
		struct ar_err err = { 0 };

		if (seccomp_compile(text, cache, &p, &err) < 0) {
			fprintf(stderr, "compile: %s\n", err.msg);
			ar_err_clear(&err);
			return -1;
		}
		*insns = p->len;
		*hit = p->from_cache;
		seccomp_prog_free(p);
	}
	return (double)(now_ns() - t0) / 1e3 / rounds;
}

static int bench(const char *name, const char *text, int rounds)
{
	char dir[] = "/tmp/argon-bench-seccomp-XXXXXX";
	_cleanup_free_ char *cache = NULL;
	double compile, first, hit;
	size_t insns = 0;
	bool from_cache = false;
	struct ar_err err = { 0 };

	if (mkdtemp(dir) == NULL)
		return -1;
	cache = xasprintf("%s/cache", dir);
	compile = time_compile(text, NULL, rounds, &insns, &from_cache);
	first = time_compile(text, cache, 1, &insns, &from_cache);
	hit = time_compile(text, cache, rounds * 20, &insns, &from_cache);
	rm_rf_at(AT_FDCWD, dir, &err);
	ar_err_clear(&err);
	if (compile < 0 || first < 0 || hit < 0 || !from_cache)
		return -1;
	printf("%-22s %4zu names %6zu B JSON %5zu insns | compile %8.1f us | "
	       "first start %8.1f us | cache hit %6.1f us (x%.0f)\n", name, count_names(text),
	       strlen(text), insns, compile, first, hit, compile / hit);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 50;
	json_object *def = seccomp_default_profile(~0ULL);
	_cleanup_free_ char *def_text = xstrdup(json_object_to_json_string_ext(
		def, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	_cleanup_free_ char *all = allow_all_known();
	int r = 0;

	json_object_put(def);
	if (rounds < 1)
		rounds = 1;
	r |= bench("default (all caps)", def_text, rounds);
	r |= bench("allow every syscall", all, rounds);
	return r ? 1 : 0;
}
