/* Unit tests for src/lib/hostcfg.c: docker's HostConfig flags (--cpus,
 * --cpuset-cpus, --ulimit, --device, --cap-add/--cap-drop, --memory-swap,
 * --security-opt, --env-file) parsed with docker's rules, against this
 * host's real CPUs, device nodes and cgroup files. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostcfg.h"
#include "unit.h"
#include "util.h"

static char last_err[1024];

/* r < 0 with a message containing `want`; the message is kept. */
static bool failed_with(int r, struct ar_err *err, const char *want)
{
	bool ok = r < 0 && err->msg && strstr(err->msg, want);

	snprintf(last_err, sizeof last_err, "%s", err->msg ? err->msg : "(none)");
	if (!ok)
		fprintf(stderr, "  r=%d, message `%s`, want `%s`\n", r, last_err, want);
	ar_err_clear(err);
	return ok;
}

static void cpus_decimal_to_nano(void)
{
	struct ar_err err = { 0 };
	int64_t v = -5;
	int n = hostcfg_cpu_count();

	CHECK(n >= 1);
	CHECK(hostcfg_parse_cpus("1", &v, &err) == 0 && v == 1000000000);
	CHECK(hostcfg_parse_cpus("0.5", &v, &err) == 0 && v == 500000000);
	CHECK(hostcfg_parse_cpus(".25", &v, &err) == 0 && v == 250000000);
	CHECK(hostcfg_parse_cpus("0.01", &v, &err) == 0 && v == 10000000);
	CHECK(hostcfg_parse_cpus("0.500000000000", &v, &err) == 0 && v == 500000000);
	CHECK(hostcfg_parse_cpus("0", &v, &err) == 0 && v == 0);	/* unset */
	CHECK(failed_with(hostcfg_parse_cpus("0.0000000001", &v, &err), &err, "too precise"));
	CHECK(failed_with(hostcfg_parse_cpus("0.001", &v, &err), &err,
			  "range of CPUs is from 0.01 to"));
	CHECK(failed_with(hostcfg_parse_cpus("100000", &v, &err), &err, "range of CPUs"));
	CHECK(failed_with(hostcfg_parse_cpus("99999999999", &v, &err), &err, "range of CPUs"));
	CHECK(failed_with(hostcfg_parse_cpus("-1", &v, &err), &err, "not a decimal"));
	CHECK(failed_with(hostcfg_parse_cpus("1.5x", &v, &err), &err, "`1.5x` is not a decimal"));
	CHECK(failed_with(hostcfg_parse_cpus("", &v, &err), &err, "not a decimal"));
	CHECK(failed_with(hostcfg_parse_cpus(".", &v, &err), &err, "not a decimal"));
	/* as many as we may use is the top */
	char top[16], over[24];
	snprintf(top, sizeof top, "%d", n);
	snprintf(over, sizeof over, "%d.001", n);
	CHECK(hostcfg_parse_cpus(top, &v, &err) == 0 && v == (int64_t)n * 1000000000);
	CHECK(failed_with(hostcfg_parse_cpus(over, &v, &err), &err, "range of CPUs"));
}

static void cpuset_syntax_and_online(void)
{
	struct ar_err err = { 0 };
	static const char *const bad[] = { "a", "0,", ",0", "0-", "-1", "1-0", "0 1", "0--1",
					   "0,,1", "99999", NULL };

	CHECK(hostcfg_check_cpuset("0", &err) == 0);
	CHECK(hostcfg_check_cpuset("0-0", &err) == 0);
	CHECK(hostcfg_check_cpuset("", &err) == 0);	/* docker: unset */
	if (hostcfg_cpu_count() >= 2) {
		CHECK(hostcfg_check_cpuset("0-1", &err) == 0);
		CHECK(hostcfg_check_cpuset("0,1", &err) == 0);
	}
	for (size_t i = 0; bad[i]; i++)
		CHECK(failed_with(hostcfg_check_cpuset(bad[i], &err), &err, "invalid value"));
	if (access("/sys/devices/system/cpu/online", R_OK) < 0)
		SKIP("no /sys/devices/system/cpu/online to check availability against");
	CHECK(failed_with(hostcfg_check_cpuset("0,4000", &err), &err,
			  "requested CPUs are not available - requested `0,4000`, available:"));
}

static void ulimits_docker_rules(void)
{
	struct ar_err err = { 0 };
	struct hostcfg_ulimit u;

	CHECK(hostcfg_parse_ulimit("nofile=100:200", &u, &err) == 0);
	CHECK_STR(u.name, "nofile");
	CHECK(u.resource == RLIMIT_NOFILE && u.soft == 100 && u.hard == 200);
	CHECK(hostcfg_parse_ulimit("core=0", &u, &err) == 0);
	CHECK(u.resource == RLIMIT_CORE && u.soft == 0 && u.hard == 0);
	CHECK(hostcfg_parse_ulimit("nproc=-1", &u, &err) == 0);
	CHECK(u.resource == RLIMIT_NPROC && u.soft == -1 && u.hard == -1);
	CHECK(hostcfg_parse_ulimit("memlock=64:-1", &u, &err) == 0);
	CHECK(u.soft == 64 && u.hard == -1);
	CHECK(hostcfg_parse_ulimit("rttime=5", &u, &err) == 0 && u.resource == RLIMIT_RTTIME);
	CHECK(failed_with(hostcfg_parse_ulimit("nofile", &u, &err), &err,
			  "invalid ulimit argument: `nofile`"));
	CHECK(failed_with(hostcfg_parse_ulimit("bogus=1", &u, &err), &err,
			  "invalid ulimit type: `bogus`"));
	CHECK(failed_with(hostcfg_parse_ulimit("as=1", &u, &err), &err, "invalid ulimit type"));
	CHECK(failed_with(hostcfg_parse_ulimit("NOFILE=1", &u, &err), &err, "invalid ulimit type"));
	CHECK(failed_with(hostcfg_parse_ulimit("nofile=1:2:3", &u, &err), &err,
			  "too many limit value arguments"));
	CHECK(failed_with(hostcfg_parse_ulimit("nofile=200:100", &u, &err), &err,
			  "soft limit must be less than or equal to hard"));
	CHECK(failed_with(hostcfg_parse_ulimit("nofile=-1:100", &u, &err), &err,
			  "soft limit must be less than or equal to hard"));
	CHECK(failed_with(hostcfg_parse_ulimit("nofile=x", &u, &err), &err,
			  "invalid ulimit value `x`"));
	CHECK(failed_with(hostcfg_parse_ulimit("nofile=", &u, &err), &err, "invalid ulimit value"));
	CHECK(failed_with(hostcfg_parse_ulimit("nofile=-2", &u, &err), &err, "invalid ulimit value"));
}

static void device_specs(void)
{
	struct ar_err err = { 0 };
	struct hostcfg_device d = { 0 };

	CHECK(hostcfg_parse_device("/dev/null", &d, &err) == 0);
	CHECK_STR(d.host, "/dev/null");
	CHECK_STR(d.container, "/dev/null");
	CHECK_STR(d.access, "rwm");
	CHECK(d.type == 'c' && d.major == 1 && d.minor == 3 && d.mode == 0666);
	hostcfg_device_free(&d);
	CHECK(hostcfg_parse_device("/dev/null:/dev/mynull", &d, &err) == 0);
	CHECK_STR(d.container, "/dev/mynull");
	CHECK_STR(d.access, "rwm");
	hostcfg_device_free(&d);
	CHECK(hostcfg_parse_device("/dev/zero:r", &d, &err) == 0);	/* a mode, not a path */
	CHECK_STR(d.container, "/dev/zero");
	CHECK_STR(d.access, "r");
	CHECK(d.minor == 5);
	hostcfg_device_free(&d);
	CHECK(hostcfg_parse_device("/dev/null://dev/./x/:mw", &d, &err) == 0);
	CHECK_STR(d.container, "/dev/x");
	CHECK_STR(d.access, "mw");
	hostcfg_device_free(&d);
	CHECK(failed_with(hostcfg_parse_device("/dev/null:/dev/x:rx", &d, &err), &err,
			  "bad mode specified: `rx`"));
	CHECK(failed_with(hostcfg_parse_device("/dev/null:/dev/x:rr", &d, &err), &err,
			  "bad mode specified: `rr`"));
	CHECK(failed_with(hostcfg_parse_device("/dev/null:rr", &d, &err), &err,
			  "device target `rr` is not an absolute path"));
	CHECK(failed_with(hostcfg_parse_device("/dev/null:/a:r:w", &d, &err), &err,
			  "invalid device specification"));
	CHECK(failed_with(hostcfg_parse_device("/dev/null:/a/../b", &d, &err), &err, "`..`"));
	CHECK(failed_with(hostcfg_parse_device("null", &d, &err), &err,
			  "device `null` is not an absolute path"));
	CHECK(failed_with(hostcfg_parse_device("/etc/passwd", &d, &err), &err,
			  "`/etc/passwd` is not a device node"));
	CHECK(failed_with(hostcfg_parse_device("/dev", &d, &err), &err, "is not a device node"));
	CHECK(failed_with(hostcfg_parse_device("/nonexistent-dev", &d, &err), &err,
			  "stat device `/nonexistent-dev`: No such file"));
	CHECK(d.host == NULL && d.container == NULL);	/* untouched on failure */
}

static void host_devices_for_privileged(void)
{
	struct ar_err err = { 0 };
	struct hostcfg_device *v = NULL;
	size_t n = 0;
	bool null = false, bad = false;

	CHECK(hostcfg_host_devices(&v, &n, &err) == 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].host, "/dev/null") == 0)
			null = v[i].type == 'c' && v[i].major == 1 && v[i].minor == 3;
		bad |= strncmp(v[i].host, "/dev/pts/", 9) == 0 || strcmp(v[i].host, "/dev/ptmx") == 0 ||
		       strcmp(v[i].host, "/dev/console") == 0 || strcmp(v[i].host, v[i].container) != 0;
		bad |= v[i].type != 'c' && v[i].type != 'b';
		if (bad)
			fprintf(stderr, "  unexpected %s\n", v[i].host);
		hostcfg_device_free(&v[i]);
	}
	free(v);
	CHECK(null);
	CHECK(!bad);
}

static void cap_names(void)
{
	struct ar_err err = { 0 };
	char *n = NULL;

	CHECK(hostcfg_cap_normalize("sys_admin", &n, &err) == 0);
	CHECK_STR(n, "CAP_SYS_ADMIN");
	free(n);
	CHECK(hostcfg_cap_normalize("CAP_chown", &n, &err) == 0);
	CHECK_STR(n, "CAP_CHOWN");
	free(n);
	CHECK(hostcfg_cap_normalize("all", &n, &err) == 0);
	CHECK_STR(n, "ALL");
	free(n);
	n = NULL;
	CHECK(failed_with(hostcfg_cap_normalize("bogus", &n, &err), &err,
			  "unknown capability: `bogus`"));
	CHECK(failed_with(hostcfg_cap_normalize("CAP_ALL", &n, &err), &err, "unknown capability"));
	CHECK(n == NULL);
}

#define BIT(c) (UINT64_C(1) << (c))
#define V(...) ((char *[]){ __VA_ARGS__, NULL })

static void caps_as_docker_tweaks_them(void)
{
	struct ar_err err = { 0 };
	uint64_t def = hostcfg_default_caps(), m = 0, all;

	CHECK(__builtin_popcountll(def) == 14);
	CHECK((def & BIT(CAP_CHOWN)) && (def & BIT(CAP_NET_RAW)) && (def & BIT(CAP_AUDIT_WRITE)));
	CHECK(!(def & BIT(CAP_SYS_ADMIN)) && !(def & BIT(CAP_NET_ADMIN)));
	CHECK(hostcfg_caps(NULL, NULL, false, &m, &err) == 0 && m == def);
	CHECK(hostcfg_caps(V("sys_admin"), V("CHOWN", "cap_kill"), false, &m, &err) == 0);
	CHECK(m == ((def & ~BIT(CAP_CHOWN) & ~BIT(CAP_KILL)) | BIT(CAP_SYS_ADMIN)));
	CHECK(hostcfg_caps(V("chown"), V("all"), false, &m, &err) == 0 && m == BIT(CAP_CHOWN));
	CHECK(hostcfg_caps(NULL, V("ALL"), false, &m, &err) == 0 && m == 0);
	CHECK(hostcfg_caps(NULL, NULL, true, &all, &err) == 0);
	CHECK((all & def) == def && (all & BIT(CAP_SYS_ADMIN)) && (all & BIT(CAP_SYS_MODULE)));
	CHECK(hostcfg_caps(V("ALL"), V("chown"), false, &m, &err) == 0 &&
	      m == (all & ~BIT(CAP_CHOWN)));
	/* privileged wins over drops, as docker */
	CHECK(hostcfg_caps(NULL, V("chown"), true, &m, &err) == 0 && m == all);
	CHECK(failed_with(hostcfg_caps(V("nope"), NULL, false, &m, &err), &err,
			  "unknown capability: `nope`"));
	CHECK(failed_with(hostcfg_caps(NULL, V("SYS_ADMIN", "x"), false, &m, &err), &err,
			  "unknown capability: `x`"));
}

static void swap_values(void)
{
	struct ar_err err = { 0 };
	int64_t v = 7;

	CHECK(hostcfg_parse_swap("-1", &v, &err) == 0 && v == -1);
	CHECK(hostcfg_parse_swap("0", &v, &err) == 0 && v == 0);
	CHECK(hostcfg_parse_swap("64m", &v, &err) == 0 && v == 64 << 20);
	CHECK(hostcfg_parse_swap("1g", &v, &err) == 0 && v == 1 << 30);
	CHECK(failed_with(hostcfg_parse_swap("-2", &v, &err), &err, "invalid size `-2`"));
	CHECK(failed_with(hostcfg_parse_swap("lots", &v, &err), &err, "invalid size `lots`"));
	CHECK(failed_with(hostcfg_parse_swap("16e", &v, &err), &err, "invalid size"));
}

/* One option into a fresh set; 0 or -1 with the message kept in err. */
static int secopt(const char *s, struct hostcfg_security *sec, struct ar_err *err)
{
	hostcfg_security_free(sec);
	memset(sec, 0, sizeof *sec);
	return hostcfg_parse_security_opt(s, sec, err);
}

static void security_opts(void)
{
	struct hostcfg_security sec = { 0 };
	struct ar_err err = { 0 };

	CHECK(secopt("no-new-privileges", &sec, &err) == 0 && sec.no_new_privileges);
	CHECK(sec.opts && sec.opts[1] == NULL);
	CHECK_STR(sec.opts[0], "no-new-privileges");
	CHECK(secopt("no-new-privileges:false", &sec, &err) == 0 && !sec.no_new_privileges);
	CHECK(secopt("no-new-privileges=true", &sec, &err) == 0 && sec.no_new_privileges);
	CHECK(secopt("no-new-privileges=0", &sec, &err) == 0 && !sec.no_new_privileges);
	CHECK(secopt("no-new-privileges:True", &sec, &err) == 0 && sec.no_new_privileges);
	CHECK(failed_with(secopt("no-new-privileges:maybe", &sec, &err), &err,
			  "invalid value in `no-new-privileges:maybe`"));
	CHECK(secopt("seccomp=unconfined", &sec, &err) == 0 && sec.seccomp_unconfined);
	CHECK_STR(sec.opts[0], "seccomp=unconfined");
	CHECK(secopt("seccomp:unconfined", &sec, &err) == 0 && sec.seccomp_unconfined);
	CHECK(secopt("seccomp=builtin", &sec, &err) == 0 && !sec.seccomp_unconfined &&
	      sec.seccomp_profile == NULL);
	CHECK(failed_with(secopt("seccomp=", &sec, &err), &err, "no profile"));
	CHECK(failed_with(secopt("seccomp=/no/such/profile.json", &sec, &err), &err,
			  "seccomp profile: open `/no/such/profile.json`: No such file"));
	/* no LSM: only the values that ask for none */
	CHECK(secopt("apparmor=unconfined", &sec, &err) == 0 && sec.opts);
	CHECK(secopt("label=disable", &sec, &err) == 0 && sec.opts);
	CHECK(secopt("label:disable", &sec, &err) == 0);
	CHECK(secopt("disable", &sec, &err) == 0);
	CHECK(failed_with(secopt("apparmor=docker-default", &sec, &err), &err,
			  "`apparmor=docker-default`: argon has no AppArmor support"));
	CHECK(failed_with(secopt("label=type:svirt_t", &sec, &err), &err,
			  "`label=type:svirt_t`: argon has no SELinux support"));
	CHECK(secopt("systempaths=unconfined", &sec, &err) == 0 && sec.unmask_paths);
	CHECK(failed_with(secopt("systempaths=yes", &sec, &err), &err, "want unconfined"));
	CHECK(secopt("writable-cgroups=true", &sec, &err) == 0 && sec.writable_cgroups);
	CHECK(failed_with(secopt("writable-cgroups=sure", &sec, &err), &err, "true or false"));
	CHECK(failed_with(secopt("no-new-privilegesX", &sec, &err), &err,
			  "invalid security option `no-new-privilegesX`"));
	CHECK(failed_with(secopt("bogus=1", &sec, &err), &err, "unknown security option `bogus=1`"));
	CHECK(failed_with(secopt("", &sec, &err), &err, "invalid security option"));
	/* a later one overrides: seccomp=unconfined, then builtin */
	CHECK(secopt("seccomp=unconfined", &sec, &err) == 0);
	CHECK(hostcfg_parse_security_opt("seccomp=builtin", &sec, &err) == 0 &&
	      !sec.seccomp_unconfined && strv_len(sec.opts) == 2);
	hostcfg_security_free(&sec);
}

static void sysctls_docker_list(void)
{
	struct ar_err err = { 0 };

	CHECK(hostcfg_parse_sysctl("net.ipv4.ip_forward=1", &err) == 0);
	CHECK(hostcfg_parse_sysctl("kernel.shmmax=1000000", &err) == 0);
	CHECK(hostcfg_parse_sysctl("fs.mqueue.msg_max=20", &err) == 0);
	CHECK(hostcfg_parse_sysctl("kernel.sem=250 32000 100 128", &err) == 0);
	CHECK(hostcfg_parse_sysctl("net.core.somaxconn=", &err) == 0);	/* docker: an empty value */
	CHECK(failed_with(hostcfg_parse_sysctl("kernel.hostname=x", &err), &err,
			  "sysctl `kernel.hostname` is not allowed in a container"));
	CHECK(failed_with(hostcfg_parse_sysctl("vm.swappiness=1", &err), &err, "not allowed"));
	CHECK(failed_with(hostcfg_parse_sysctl("net.ipv4.ip_forward", &err), &err,
			  "is not KEY=VALUE"));
	CHECK(failed_with(hostcfg_parse_sysctl("=1", &err), &err, "is not KEY=VALUE"));
	CHECK(failed_with(hostcfg_parse_sysctl("net.a b=1", &err), &err, "is not a sysctl name"));
}

static void group_add_numeric(void)
{
	struct ar_err err = { 0 };
	uint32_t g = 7;

	CHECK(hostcfg_parse_group("5", &g, &err) == 0 && g == 5);
	CHECK(hostcfg_parse_group("0", &g, &err) == 0 && g == 0);
	CHECK(hostcfg_parse_group("4294967294", &g, &err) == 0 && g == 4294967294u);
	CHECK(failed_with(hostcfg_parse_group("4294967295", &g, &err), &err,
			  "out of range"));
	CHECK(failed_with(hostcfg_parse_group("audio", &g, &err), &err,
			  "group `audio`: group names are not supported yet"));
	CHECK(failed_with(hostcfg_parse_group("-1", &g, &err), &err, "not supported yet"));
	CHECK(failed_with(hostcfg_parse_group("", &g, &err), &err, "`` is not a group"));
}

struct tmp_file {
	char path[64];
};

static void tmp_file_remove(struct tmp_file *f)
{
	if (f->path[0])
		unlink(f->path);
}
#define _cleanup_tmp_ __attribute__((cleanup(tmp_file_remove)))

static bool write_tmp(struct tmp_file *f, const char *text)
{
	struct ar_err err = { 0 };
	int fd;

	snprintf(f->path, sizeof f->path, "/tmp/argon-test-envfile-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return false;
	close(fd);
	if (write_file_at(AT_FDCWD, f->path, text, strlen(text), O_TRUNC, 0600, &err) < 0) {
		ar_err_clear(&err);
		return false;
	}
	return true;
}

static bool strv_is(char **got, char *const *want)
{
	size_t i = 0;

	for (; want[i] && got && got[i]; i++)
		if (strcmp(got[i], want[i]) != 0)
			break;
	if (want[i] == NULL && (got == NULL || got[i] == NULL))
		return true;
	for (i = 0; got && got[i]; i++)
		fprintf(stderr, "  got[%zu] `%s`\n", i, got[i]);
	return false;
}

static void env_file_docker_format(void)
{
	_cleanup_tmp_ struct tmp_file f = { "" };
	_cleanup_strv_ char **env = NULL;
	struct ar_err err = { 0 };

	CHECK(setenv("ARGON_T_FROM_HOST", "host value", 1) == 0);
	unsetenv("ARGON_T_UNSET");
	CHECK(write_tmp(&f, "\xef\xbb\xbf" "A=1\n"
			    "# a comment\n"
			    "\n"
			    "   \t\n"
			    "  B=two words  \n"
			    "C=x=y\n"
			    "EMPTY=\n"
			    "ARGON_T_FROM_HOST\n"
			    "ARGON_T_UNSET\n"
			    "   #indented comment\n"
			    "D=crlf\r\n"
			    "E=\"quoted\"\n"
			    "LAST=no newline"));
	strv_push(&env, xstrdup("BEFORE=kept"));
	CHECK(hostcfg_env_file(f.path, &env, &err) == 0);
	CHECK(strv_is(env, V("BEFORE=kept", "A=1", "B=two words  ", "C=x=y", "EMPTY=",
			     "ARGON_T_FROM_HOST=host value", "D=crlf", "E=\"quoted\"",
			     "LAST=no newline")));
	unsetenv("ARGON_T_FROM_HOST");
}

static void env_file_errors(void)
{
	_cleanup_tmp_ struct tmp_file ws = { "" }, noname = { "" }, utf = { "" }, nul = { "" };
	_cleanup_strv_ char **env = NULL;
	struct ar_err err = { 0 };

	CHECK(write_tmp(&ws, "OK=1\nBAD KEY=1\n"));
	CHECK(write_tmp(&noname, "=value\n"));
	CHECK(write_tmp(&utf, "A=\xff\xfe\n"));
	CHECK(write_tmp(&nul, "A=1\nB"));
	CHECK(truncate(nul.path, 6) == 0);	/* "A=1\nB\0" */
	CHECK(failed_with(hostcfg_env_file(ws.path, &env, &err), &err,
			  "line 2: variable `BAD KEY` contains whitespaces"));
	CHECK_CONTAINS(last_err, ws.path);
	CHECK(failed_with(hostcfg_env_file(noname.path, &env, &err), &err,
			  "line 1: no variable name on line `=value`"));
	CHECK(failed_with(hostcfg_env_file(utf.path, &env, &err), &err, "invalid utf8"));
	CHECK(failed_with(hostcfg_env_file(nul.path, &env, &err), &err, "NUL"));
	CHECK(failed_with(hostcfg_env_file("/nonexistent/env", &env, &err), &err,
			  "env file: open `/nonexistent/env`: No such file or directory"));
	CHECK(env == NULL);	/* nothing appended by a failure, even OK=1 */
}

static void cgroup_files(void)
{
	static const char *const none[] = { "no.such.file", NULL };
	static const char *const mem[] = { "memory.limit_in_bytes", "memory.max", NULL };

	CHECK(!hostcfg_cgroup_has("memory", none));
	CHECK(!hostcfg_cgroup_has("no-such-controller", mem));
	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) != 0)
		SKIP("no cgroup v1 memory controller at /sys/fs/cgroup/memory to compare with");
	CHECK(hostcfg_cgroup_has("memory", mem));
	CHECK(hostcfg_cgroup_has("memory", (const char *const[]){ "memory.memsw.limit_in_bytes",
								  NULL }) ==
	      (access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0));
}

UNIT_MAIN(UNIT(cpus_decimal_to_nano), UNIT(cpuset_syntax_and_online), UNIT(ulimits_docker_rules),
	  UNIT(device_specs), UNIT(host_devices_for_privileged), UNIT(cap_names),
	  UNIT(caps_as_docker_tweaks_them), UNIT(swap_values), UNIT(security_opts), UNIT(sysctls_docker_list), UNIT(group_add_numeric),
	  UNIT(env_file_docker_format), UNIT(env_file_errors), UNIT(cgroup_files))
