/* Unit tests for hooks.c: /bin/sh hooks in a temp dir record their stdin,
 * argv and environ (from /proc/$$) so the test can compare them byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks.h"
#include "unit.h"
#include "util.h"

static char tmpdir[64];

static bool make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/argon-test-hooks.XXXXXX");
	return mkdtemp(tmpdir) != NULL;
}

static void remove_tmpdir(void)
{
	rm_rf_at(AT_FDCWD, tmpdir, NULL);
}

/* Writes an executable /bin/sh script; returns its malloc'd path. */
static char *write_script(const char *name, const char *body)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	_cleanup_free_ char *text = xasprintf("#!/bin/sh\n%s\n", body);

	if (write_file_at(AT_FDCWD, path, text, strlen(text), O_CREAT | O_TRUNC, 0755, NULL) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

static char *read_tmp(const char *name, size_t *len)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", tmpdir, name);
	char *text = NULL;

	if (read_file_at(AT_FDCWD, path, &text, len, NULL) < 0)
		return NULL;
	return text;
}

static void state_args_env_passed_exactly(void)
{
	const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
			    "\"pid\":42,\"bundle\":\"/b ü\"}\n";
	_cleanup_free_ char *denv = NULL, *script = NULL;
	_cleanup_free_ char *got_stdin = NULL, *got_cmdline = NULL, *got_env = NULL;
	size_t cmd_len = 0, env_len = 0;
	struct ar_err err = { 0 };
	int rc = -1;

	CHECK(make_tmpdir());
	denv = xasprintf("D=%s", tmpdir);
	/* /bin/sh itself is the hook, so argv[0] is ours to choose. */
	script = xstrdup("cat > \"$D/stdin\"; cp /proc/$$/cmdline \"$D/cmdline\"; "
			 "cp /proc/$$/environ \"$D/environ\"");
	{
		char *args[] = { "custom-argv0", "-c", script, "x", "a b", "", NULL };
		char *env[] = { denv, "X=y z", "EMPTY=", NULL };
		struct spec_hook h = { .path = "/bin/sh", .args = args, .env = env };
		struct spec_hook_list list = { .v = &h, .n = 1 };

		rc = hooks_run(&list, HOOK_CREATE_RUNTIME, state, &err);
	}
	got_stdin = read_tmp("stdin", NULL);
	got_cmdline = read_tmp("cmdline", &cmd_len);
	got_env = read_tmp("environ", &env_len);
	remove_tmpdir();
	CHECK(rc == 0);
	CHECK_STR(got_stdin, state);
	{
		_cleanup_free_ char *want = xasprintf("custom-argv0%c-c%c%s%cx%ca b%c%c",
						      0, 0, script, 0, 0, 0, 0);
		size_t want_len = strlen("custom-argv0") + 1 + 3 + strlen(script) + 1 + 2 + 4 + 1;
		CHECK(got_cmdline && cmd_len == want_len && memcmp(got_cmdline, want, want_len) == 0);
	}
	{
		_cleanup_free_ char *want = xasprintf("%s%cX=y z%cEMPTY=%c", denv, 0, 0, 0);
		size_t want_len = strlen(denv) + 1 + 6 + 7;
		CHECK(got_env && env_len == want_len && memcmp(got_env, want, want_len) == 0);
	}
}

/* No args: argv is just the path; no env: the environment is empty. Here
 * /bin/sh with no arguments runs the state text as its script. */
static void no_args_no_env(void)
{
	_cleanup_free_ char *state = NULL, *got = NULL;
	struct spec_hook h = { .path = "/bin/sh" };
	struct spec_hook_list list = { .v = &h, .n = 1 };
	struct ar_err err = { 0 };
	int rc;

	CHECK(make_tmpdir());
	state = xasprintf("tr '\\0' '\\n' < /proc/$$/cmdline > %s/argv; "
			  "wc -c < /proc/$$/environ >> %s/argv\n", tmpdir, tmpdir);
	rc = hooks_run(&list, HOOK_PRESTART, state, &err);
	got = read_tmp("argv", NULL);
	remove_tmpdir();
	CHECK(rc == 0);
	CHECK_STR(got, "/bin/sh\n0\n");
}

/* A state far bigger than a pipe buffer, read fully by one hook and not at
 * all by another (which must neither hang us nor kill us with SIGPIPE). */
static void large_state_read_or_ignored(void)
{
	size_t big_len = 1 << 20;
	_cleanup_free_ char *big = xmalloc(big_len + 1), *reader = NULL, *ignorer = NULL;
	_cleanup_free_ char *got = NULL;
	struct ar_err err = { 0 };
	sigset_t pending;
	size_t got_len = 0;
	int r_read, r_ignore;

	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	CHECK(make_tmpdir());
	reader = write_script("reader", "cat > \"$0.stdin\"");
	ignorer = write_script("ignorer", "exec 0<&-; sleep 0.2");
	{
		struct spec_hook h[] = { { .path = reader }, { .path = ignorer } };
		struct spec_hook_list one = { .v = &h[0], .n = 1 }, two = { .v = &h[1], .n = 1 };

		r_read = hooks_run(&one, HOOK_POSTSTOP, big, &err);
		r_ignore = hooks_run(&two, HOOK_POSTSTOP, big, &err);
	}
	got = read_tmp("reader.stdin", &got_len);
	remove_tmpdir();
	CHECK(r_read == 0 && r_ignore == 0);
	CHECK(got && got_len == big_len && memcmp(got, big, big_len) == 0);
	CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE));
}

static void exit_status_and_signal_reported(void)
{
	_cleanup_free_ char *fails = NULL, *killed = NULL, *missing = NULL;
	_cleanup_free_ char *want_fail = NULL, *want_kill = NULL, *want_missing = NULL;
	struct ar_err e_fail = { 0 }, e_kill = { 0 }, e_missing = { 0 };
	int r_fail, r_kill, r_missing;

	CHECK(make_tmpdir());
	fails = write_script("fails", "exit 3");
	killed = write_script("killed", "kill -TERM $$");
	missing = xasprintf("%s/missing", tmpdir);
	{
		struct spec_hook h[] = { { .path = fails }, { .path = killed }, { .path = missing } };
		struct spec_hook_list l[] = { { &h[0], 1 }, { &h[1], 1 }, { &h[2], 1 } };

		r_fail = hooks_run(&l[0], HOOK_CREATE_CONTAINER, "{}", &e_fail);
		r_kill = hooks_run(&l[1], HOOK_START_CONTAINER, "{}", &e_kill);
		r_missing = hooks_run(&l[2], HOOK_PRESTART, "{}", &e_missing);
	}
	remove_tmpdir();
	want_fail = xasprintf("createContainer hook `%s`: exit status 3", fails);
	want_kill = xasprintf("startContainer hook `%s`: killed by SIGTERM", killed);
	want_missing = xasprintf("prestart hook `%s`: exec: No such file or directory", missing);
	CHECK(r_fail < 0 && r_kill < 0 && r_missing < 0);
	CHECK_STR(e_fail.msg, want_fail);
	CHECK_STR(e_kill.msg, want_kill);
	CHECK_STR(e_missing.msg, want_missing);
	CHECK(e_missing.errnum == ENOENT);
	ar_err_clear(&e_fail);
	ar_err_clear(&e_kill);
	ar_err_clear(&e_missing);
}

/* The sleeper never reads its (large) stdin: the timeout must still hold. */
static void timeout_kills_and_reaps(void)
{
	size_t big_len = 1 << 20;
	_cleanup_free_ char *big = xmalloc(big_len + 1);
	_cleanup_free_ char *sleeper = NULL, *want = NULL, *pid_text = NULL;
	struct ar_err err = { 0 };
	uint64_t start, elapsed_ms;
	int64_t pid = 0;
	int rc, alive;

	memset(big, ' ', big_len);
	big[big_len] = '\0';
	CHECK(make_tmpdir());
	/* exec: the hook process itself sleeps, so no grandchild is left. */
	sleeper = write_script("sleeper", "echo $$ > \"$0.pid\"; exec sleep 30");
	{
		struct spec_hook h = { .path = sleeper, .has_timeout = true, .timeout = 1 };
		struct spec_hook_list list = { .v = &h, .n = 1 };

		start = now_ns();
		rc = hooks_run(&list, HOOK_CREATE_RUNTIME, big, &err);
		elapsed_ms = (now_ns() - start) / 1000000;
	}
	pid_text = read_tmp("sleeper.pid", NULL);
	remove_tmpdir();
	if (pid_text) {
		pid_text[strcspn(pid_text, "\n")] = '\0';
		parse_i64(pid_text, &pid);
	}
	alive = pid > 0 ? kill((pid_t)pid, 0) : 0;
	want = xasprintf("createRuntime hook `%s`: timed out after 1 s", sleeper);
	CHECK(rc < 0);
	CHECK_STR(err.msg, want);
	CHECK(err.errnum == ETIMEDOUT);
	CHECK(elapsed_ms >= 1000 && elapsed_ms < 3000);
	CHECK(pid > 0 && alive < 0 && errno == ESRCH);
	ar_err_clear(&err);
}

static void hooks_run_in_order_and_stop_at_failure(void)
{
	_cleanup_free_ char *one = NULL, *two = NULL, *fail = NULL, *log1 = NULL, *log2 = NULL;
	struct ar_err err = { 0 };
	int r_ok, r_fail, r_empty, r_null;

	CHECK(make_tmpdir());
	one = write_script("one", "sleep 0.1; echo one >> \"${0%/*}/log$1\"");
	two = write_script("two", "echo two >> \"${0%/*}/log$1\"");
	fail = write_script("fail", "exit 1");
	{
		char *a1[] = { one, "1", NULL }, *a2[] = { two, "1", NULL };
		char *b1[] = { one, "2", NULL }, *b2[] = { two, "2", NULL };
		struct spec_hook ok[] = { { .path = one, .args = a1 }, { .path = two, .args = a2 } };
		struct spec_hook bad[] = { { .path = one, .args = b1 }, { .path = fail },
					   { .path = two, .args = b2 } };
		struct spec_hook_list l_ok = { ok, 2 }, l_bad = { bad, 3 }, empty = { NULL, 0 };

		r_ok = hooks_run(&l_ok, HOOK_POSTSTART, "{}", &err);
		r_fail = hooks_run(&l_bad, HOOK_POSTSTART, "{}", &err);
		r_empty = hooks_run(&empty, HOOK_POSTSTART, "{}", NULL);
		r_null = hooks_run(NULL, HOOK_POSTSTART, "{}", NULL);
	}
	log1 = read_tmp("log1", NULL);
	log2 = read_tmp("log2", NULL);
	remove_tmpdir();
	CHECK(r_ok == 0 && r_empty == 0 && r_null == 0);
	CHECK_STR(log1, "one\ntwo\n");
	CHECK(r_fail < 0);
	CHECK_STR(log2, "one\n");
	CHECK_CONTAINS(err.msg, "poststart hook `");
	CHECK_CONTAINS(err.msg, "/fail`: exit status 1");
	ar_err_clear(&err);
}

UNIT_MAIN(UNIT(state_args_env_passed_exactly), UNIT(no_args_no_env),
	  UNIT(large_state_read_or_ignored), UNIT(exit_status_and_signal_reported),
	  UNIT(timeout_kills_and_reaps), UNIT(hooks_run_in_order_and_stop_at_failure))
