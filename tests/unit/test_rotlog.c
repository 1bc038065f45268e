/* Unit tests for src/lib/rotlog.c: rotated files read oldest first, the
 * unended line of a finished file, a partial line held back, following
 * across a rotation and a truncation, a file seen twice read once, lines
 * longer than a read, skipping to the end, and the waits. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rotlog.h"
#include "unit.h"
#include "util.h"

/* Appends text to <dir>/<name>; 0 or -1. */
static int put(const struct unit_dir *d, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", d->path, name);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	return fd >= 0 && write_all(fd, text, strlen(text)) == 0 ? 0 : -1;
}

static int mv(const struct unit_dir *d, const char *from, const char *to)
{
	_cleanup_free_ char *a = xasprintf("%s/%s", d->path, from);
	_cleanup_free_ char *b = xasprintf("%s/%s", d->path, to);

	return rename(a, b);
}

/* Every line there now, joined with "|". */
static char *drain(struct rotlog *r)
{
	_cleanup_free_ char *out = xstrdup("");
	const char *line;
	size_t len;

	while (rotlog_next(r, &line, &len) == 1) {
		char *more = xasprintf("%s%s%.*s", out, *out ? "|" : "", (int)len, line);
		free(out);
		out = more;
	}
	return steal_ptr(&out);
}

static void test_history_order(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r = NULL;
	struct ar_err err = { 0 };

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	CHECK(put(&d, "log.3", "a\nb\n") == 0 && put(&d, "log.2", "c\n") == 0 &&
	      put(&d, "log.1", "d") == 0 && put(&d, "log", "e\nf") == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	CHECK(rotlog_open(path, true, &r, &err) == 0);
	_cleanup_free_ char *first = drain(r);	/* "f" is not ended yet */
	put(&d, "log", "g\n");
	_cleanup_free_ char *second = drain(r);
	rotlog_free(r);
	CHECK_STR(first, "a|b|c|d|e");
	CHECK_STR(second, "fg");
	/* without history: the current file only */
	CHECK(rotlog_open(path, false, &r, &err) == 0);
	_cleanup_free_ char *cur = drain(r);
	rotlog_free(r);
	CHECK_STR(cur, "e|fg");
	ar_err_clear(&err);
}

/* A rotation between the opens of <path> and <path>.1 makes the same file
 * both: read once (a hard link stands for it here). */
static void test_same_file_once(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r = NULL;
	struct ar_err err = { 0 };

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	CHECK(put(&d, "log.2", "old\n") == 0 && put(&d, "log", "x\ny\n") == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	_cleanup_free_ char *one = xasprintf("%s/log.1", d.path);
	CHECK(link(path, one) == 0);
	CHECK(rotlog_open(path, true, &r, &err) == 0);
	_cleanup_free_ char *all = drain(r);
	rotlog_free(r);
	CHECK_STR(all, "old|x|y");
	ar_err_clear(&err);
}

/* Following an open fd (the attached run's): the renamed file is finished,
 * then the new one read from its start; a missing <path> in between is
 * no end. */
static void test_follow_rotation(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r;

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	CHECK(put(&d, "log", "1\n") == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	r = rotlog_from_fd(fd, path);
	_cleanup_free_ char *a = drain(r);
	put(&d, "log", "2\n3");	/* "3" ends without "\n" when rotated */
	mv(&d, "log.1", "log.2");
	mv(&d, "log", "log.1");
	_cleanup_free_ char *b = drain(r);
	put(&d, "log", "4\n");
	put(&d, "log", "5\n");
	_cleanup_free_ char *c = drain(r);
	mv(&d, "log.1", "log.2");	/* again */
	mv(&d, "log", "log.1");
	put(&d, "log", "6\n");
	_cleanup_free_ char *e = drain(r);
	rotlog_free(r);
	CHECK_STR(a, "1");
	CHECK_STR(b, "2");
	CHECK_STR(c, "3|4|5");
	CHECK_STR(e, "6");
}

/* Two rotations while the reader waits at the end (a fast writer, a slow
 * reader): the file that was <path> in between is read too, before the
 * new <path>, even when it is <path>.1 by then. */
static void test_follow_two_rotations(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r;

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	CHECK(put(&d, "log", "1\n") == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	r = rotlog_from_fd(fd, path);
	_cleanup_free_ char *a = drain(r);
	put(&d, "log", "2\n");
	mv(&d, "log", "log.1");
	put(&d, "log", "3\n");
	mv(&d, "log.1", "log.2");
	mv(&d, "log", "log.1");
	put(&d, "log", "4\n");
	_cleanup_free_ char *b = drain(r);
	/* max-file 2 from here: the file being read is dropped; what is left
	 * is newer */
	_cleanup_free_ char *two = xasprintf("%s/log.2", d.path);
	CHECK(unlink(two) == 0);	/* "2", read */
	put(&d, "log", "5\n");
	mv(&d, "log", "log.1");	/* drops "3" */
	put(&d, "log", "6\n");
	mv(&d, "log", "log.1");	/* drops "4 5" */
	put(&d, "log", "7\n");
	_cleanup_free_ char *c = drain(r);
	rotlog_free(r);
	CHECK_STR(a, "1");
	CHECK_STR(b, "2|3|4");
	CHECK_STR(c, "5|6|7");
}

/* A writer that truncates in place: read again from the start. */
static void test_truncated(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r = NULL;
	struct ar_err err = { 0 };

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	CHECK(put(&d, "log", "aaaa\nbbbb\n") == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	CHECK(rotlog_open(path, true, &r, &err) == 0);
	_cleanup_free_ char *a = drain(r);
	CHECK(truncate(path, 0) == 0);
	put(&d, "log", "c\n");
	_cleanup_free_ char *none = drain(r);	/* notices the cut */
	_cleanup_free_ char *b = drain(r);
	rotlog_free(r);
	CHECK_STR(a, "aaaa|bbbb");
	CHECK(strcmp(none, "") == 0 || strcmp(none, "c") == 0);
	CHECK_STR(*none ? none : b, "c");
	ar_err_clear(&err);
}

static void test_long_line_and_skip(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r = NULL;
	struct ar_err err = { 0 };
	const size_t big = 300000;
	_cleanup_free_ char *text = xmalloc(big + 2);
	const char *line;
	size_t len;

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	memset(text, 'x', big);
	text[big] = '\n';
	text[big + 1] = '\0';
	CHECK(put(&d, "log.1", "old\n") == 0 && put(&d, "log", text) == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	CHECK(rotlog_open(path, true, &r, &err) == 0);
	int r1 = rotlog_next(r, &line, &len);
	bool old = r1 == 1 && len == 3 && strcmp(line, "old") == 0;
	int r2 = rotlog_next(r, &line, &len);
	bool whole = r2 == 1 && len == big && line[0] == 'x' && line[big - 1] == 'x' &&
		     line[big] == '\0';
	rotlog_free(r);
	CHECK(old && whole);
	/* skip_to_end: neither history nor what is there */
	CHECK(rotlog_open(path, true, &r, &err) == 0);
	rotlog_skip_to_end(r);
	_cleanup_free_ char *none = drain(r);
	put(&d, "log", "new\n");
	_cleanup_free_ char *fresh = drain(r);
	rotlog_free(r);
	CHECK_STR(none, "");
	CHECK_STR(fresh, "new");
	ar_err_clear(&err);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rotlog_wait: wakes for a write in the dir (inotify), for the caller's
 * fd, for its wake fd (a pidfd), else after the timeout. */
static void test_wait(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct rotlog *r = NULL;
	struct ar_err err = { 0 };
	int p[2];

	CHECK(unit_dir_make(&d, "rotlog") == 0);
	_cleanup_free_ char *path = xasprintf("%s/log", d.path);
	CHECK(rotlog_open(path, true, &r, &err) == 0);
	int64_t t0 = mono_ms();
	int timed = rotlog_wait(r, -1, -1, 200);
	int64_t t1 = mono_ms();
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		put(&d, "log", "hi\n");
		_exit(0);
	}
	int woke = rotlog_wait(r, -1, -1, 10000);
	int64_t t2 = mono_ms();
	waitpid(pid, NULL, 0);
	_cleanup_free_ char *got = drain(r);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	int readable = rotlog_wait(r, p[0], -1, 10000);
	close(p[0]);
	close(p[1]);
	/* The wake fd: a pidfd turns readable when its process exits. */
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		_exit(0);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int64_t t3 = mono_ms();
	int waked = rotlog_wait(r, -1, pidfd, 10000);
	int64_t t4 = mono_ms();
	waitpid(pid, NULL, 0);
	close(pidfd);
	rotlog_free(r);
	ar_err_clear(&err);
	CHECK(timed == 0 && t1 - t0 >= 190);
	CHECK(woke == 0 && t2 - t1 < 5000);
	CHECK_STR(got, "hi");
	CHECK(readable == 1);
	CHECK(pidfd >= 0 && waked == 0 && t4 - t3 >= 90 && t4 - t3 < 5000);
}

UNIT_MAIN(UNIT(test_history_order), UNIT(test_same_file_once), UNIT(test_follow_rotation),
	  UNIT(test_follow_two_rotations),
	  UNIT(test_truncated), UNIT(test_long_line_and_skip), UNIT(test_wait))
