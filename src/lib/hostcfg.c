/* argon — docker's HostConfig flags parsed and checked (hostcfg.h).
 *
 * The rules and the words follow docker's CLI and daemon (opts/, oci/caps,
 * go-units' ParseUlimit, the json env-file reader), so a command line that
 * docker refuses is refused here too, before anything is created.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "hostcfg.h"
#include "sandbox.h"
#include "spec.h"
#include "util.h"

#define NANO 1000000000LL

/* ------------------------------------------------------------ CPUs */

int hostcfg_cpu_count(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* A decimal "1", "1.5", ".25" in units of 1e-9; docker takes any rational
 * that is a whole number of nano-CPUs. */
static int parse_nano(const char *s, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int digits = 0;
	bool any = false;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++, any = true)
		if ((whole = whole * 10 + (*p - '0')) > 1000000)
			return -ERANGE;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, any = true) {
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			} else if (*p != '0') {
				return -EDOM;	/* finer than a nano-CPU */
			}
		}
	if (!any || *p != '\0')
		return -EINVAL;
	for (; digits < 9; digits++)
		frac *= 10;
	*out = whole * NANO + frac;
	return 0;
}

int hostcfg_parse_cpus(const char *s, int64_t *nano, struct ar_err *err)
{
	int n = hostcfg_cpu_count(), r = parse_nano(s, nano);

	if (r == -EDOM)
		return ar_fail(err, EINVAL, "`%s`: value is too precise", s);
	if (r == -EINVAL)
		return ar_fail(err, EINVAL, "`%s` is not a decimal number", s);
	/* The kernel's least quota is 1 ms per 100 ms period: 0.01 CPUs. */
	if (r == -ERANGE || (*nano != 0 && (*nano < NANO / 100 || *nano > (int64_t)n * NANO)))
		return ar_fail(err, EINVAL, "`%s`: range of CPUs is from 0.01 to %d.00, as there "
			       "are only %d CPUs available", s, n, n);
	return 0;
}

#define CPU_BITS 8192

/* "0-3,5" into a bitmap of CPU_BITS; docker's ParseUintList syntax. */
static int cpu_list_parse(const char *s, uint64_t *bits)
{
	const char *p = s;

	while (*p) {
		unsigned long lo, hi;
		char *end;
		if (!isdigit((unsigned char)*p))
			return -1;
		lo = hi = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)*++p))
				return -1;
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (lo > hi || hi >= CPU_BITS || (*p != ',' && *p != '\0'))
			return -1;
		for (unsigned long c = lo; c <= hi; c++)
			bits[c / 64] |= UINT64_C(1) << (c % 64);
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return 0;
}

int hostcfg_check_cpuset(const char *s, struct ar_err *err)
{
	uint64_t want[CPU_BITS / 64] = { 0 }, online[CPU_BITS / 64] = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (cpu_list_parse(s, want) < 0)
		return ar_fail(err, EINVAL, "invalid value `%s` for cpuset cpus", s);
	if (read_file_at(AT_FDCWD, "/sys/devices/system/cpu/online", &text, &len, NULL) < 0)
		return 0;	/* nothing to check against: the kernel will say */
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		text[--len] = '\0';
	if (cpu_list_parse(text, online) < 0)
		return 0;
	for (size_t i = 0; i < CPU_BITS / 64; i++)
		if (want[i] & ~online[i])
			return ar_fail(err, EINVAL, "requested CPUs are not available - requested "
				       "`%s`, available: `%s`", s, text);
	return 0;
}

/* ------------------------------------------------------------ ulimits */

#define UL(n, r) { n, RLIMIT_##r }
static const struct {
	const char *name;
	int resource;
} ulimit_names[] = {	/* go-units' names ("as" is left out there too) */
	UL("core", CORE), UL("cpu", CPU), UL("data", DATA), UL("fsize", FSIZE),
	UL("locks", LOCKS), UL("memlock", MEMLOCK), UL("msgqueue", MSGQUEUE),
	UL("nice", NICE), UL("nofile", NOFILE), UL("nproc", NPROC), UL("rss", RSS),
	UL("rtprio", RTPRIO), UL("rttime", RTTIME), UL("sigpending", SIGPENDING),
	UL("stack", STACK),
};
#undef UL

static int ulimit_resource(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof ulimit_names / sizeof ulimit_names[0]; i++)
		if (strlen(ulimit_names[i].name) == len && strncmp(ulimit_names[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* A limit: an integer, -1 being unlimited. */
static int ulimit_value(const char *s, int64_t *out)
{
	return parse_i64(s, out) < 0 || *out < -1 ? -1 : 0;
}

int hostcfg_parse_ulimit(const char *s, struct hostcfg_ulimit *out, struct ar_err *err)
{
	const char *eq = strchr(s, '=');
	_cleanup_free_ char *vals = NULL;
	char *colon;
	int i;

	if (eq == NULL)
		return ar_fail(err, EINVAL, "invalid ulimit argument: `%s`", s);
	i = ulimit_resource(s, (size_t)(eq - s));
	if (i < 0)
		return ar_fail(err, EINVAL, "invalid ulimit type: `%.*s`", (int)(eq - s), s);
	vals = xstrdup(eq + 1);
	colon = strchr(vals, ':');
	if (colon) {
		*colon++ = '\0';
		if (strchr(colon, ':'))
			return ar_fail(err, EINVAL, "too many limit value arguments - `%s`, can only "
				       "have up to two, `soft[:hard]`", eq + 1);
	}
	if (ulimit_value(vals, &out->soft) < 0 ||
	    ulimit_value(colon ? colon : vals, &out->hard) < 0)
		return ar_fail(err, EINVAL, "invalid ulimit value `%s` (want soft[:hard], integers, "
			       "-1 for unlimited)", eq + 1);
	if (out->hard != -1 && (out->soft == -1 || out->soft > out->hard))
		return ar_fail(err, EINVAL, "ulimit soft limit must be less than or equal to hard "
			       "limit: `%s`", eq + 1);
	snprintf(out->name, sizeof out->name, "%s", ulimit_names[i].name);
	out->resource = ulimit_names[i].resource;
	return 0;
}

/* ------------------------------------------------------------ devices */

void hostcfg_device_free(struct hostcfg_device *d)
{
	free(d->host);
	free(d->container);
	d->host = d->container = NULL;
}

/* docker's validDeviceMode: a non-empty set of r, w, m, each once. */
static bool device_mode_valid(const char *m)
{
	bool seen[3] = { false };

	if (*m == '\0')
		return false;
	for (; *m; m++) {
		const char *at = strchr("rwm", *m);
		if (at == NULL || seen[at - "rwm"])
			return false;
		seen[at - "rwm"] = true;
	}
	return true;
}

static int device_stat(const char *path, struct hostcfg_device *d, struct ar_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return ar_error(err, errno, "stat device `%s`", path);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return ar_fail(err, EINVAL, "`%s` is not a device node", path);
	d->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
	d->major = major(st.st_rdev);
	d->minor = minor(st.st_rdev);
	d->mode = st.st_mode & 07777;
	d->uid = st.st_uid;
	d->gid = st.st_gid;
	return 0;
}

int hostcfg_parse_device(const char *s, struct hostcfg_device *out, struct ar_err *err)
{
	_cleanup_free_ char *copy = xstrdup(s), *dst = NULL;
	char *parts[3] = { copy, NULL, NULL }, *c;
	struct hostcfg_device d = { .access = "rwm" };
	int n = 1;

	for (c = strchr(copy, ':'); c; c = strchr(c, ':')) {
		if (n == 3)
			return ar_fail(err, EINVAL, "invalid device specification: `%s`", s);
		*c++ = '\0';
		parts[n++] = c;
	}
	if (n == 3 && !device_mode_valid(parts[2]))
		return ar_fail(err, EINVAL, "bad mode specified: `%s`", parts[2]);
	if (n == 3 || (n == 2 && device_mode_valid(parts[1])))
		snprintf(d.access, sizeof d.access, "%s", parts[n - 1]);
	if (n == 3 || (n == 2 && !device_mode_valid(parts[1])))
		dst = xstrdup(parts[1]);
	if (parts[0][0] != '/')
		return ar_fail(err, EINVAL, "device `%s` is not an absolute path", parts[0]);
	if (dst == NULL)
		dst = xstrdup(parts[0]);
	if (dst[0] != '/')
		return ar_fail(err, EINVAL, "device target `%s` is not an absolute path", dst);
	d.container = path_clean(dst);
	if (d.container == NULL)
		return ar_fail(err, EINVAL, "device target `%s` has a `..` component", dst);
	if (device_stat(parts[0], &d, err) < 0) {
		free(d.container);
		return -1;
	}
	d.host = xstrdup(parts[0]);
	*out = d;
	return 0;
}

/* Device nodes of the host that docker's privileged containers get, as
 * runc's GetDevices walks /dev. */
static bool skipped_dev_dir(const char *name)
{
	static const char *const dirs[] = { "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts",
					    ".udev", NULL };
	for (const char *const *d = dirs; *d; d++)
		if (strcmp(name, *d) == 0)
			return true;
	return false;
}

static void push_device(struct hostcfg_device **v, size_t *n, const char *path,
			const struct stat *st)
{
	struct hostcfg_device d = {
		.host = xstrdup(path), .container = xstrdup(path), .access = "rwm",
		.type = S_ISCHR(st->st_mode) ? 'c' : 'b', .major = major(st->st_rdev),
		.minor = minor(st->st_rdev), .mode = st->st_mode & 07777, .uid = st->st_uid,
		.gid = st->st_gid,
	};

	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = d;
}

static int walk_devices(int dirfd, const char *dir, int depth, struct hostcfg_device **v,
			size_t *n, struct ar_err *err)
{
	char **names = dir_sorted_names(dirfd);

	if (names == NULL)
		return ar_error(err, errno, "list `%s`", dir);
	for (char **p = names; *p; p++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, *p);
		struct stat st;
		if (fstatat(dirfd, *p, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* gone meanwhile */
		if (S_ISDIR(st.st_mode) && !skipped_dev_dir(*p) && depth < 8) {
			_cleanup_close_ int sub = openat(dirfd, *p, O_RDONLY | O_DIRECTORY |
							 O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0 && walk_devices(sub, path, depth + 1, v, n, err) < 0) {
				strv_free(names);
				return -1;
			}
		} else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev != 0 &&
			   !(depth == 0 && (strcmp(*p, "console") == 0 || strcmp(*p, "ptmx") == 0))) {
			push_device(v, n, path, &st);
		}
	}
	strv_free(names);
	return 0;
}

int hostcfg_host_devices(struct hostcfg_device **out, size_t *n, struct ar_err *err)
{
	_cleanup_close_ int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct hostcfg_device *v = NULL;
	size_t k = 0;

	if (fd < 0)
		return ar_error(err, errno, "open `/dev`");
	if (walk_devices(fd, "/dev", 0, &v, &k, err) < 0) {
		for (size_t i = 0; i < k; i++)
			hostcfg_device_free(&v[i]);
		free(v);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

/* ------------------------------------------------------------ capabilities */

/* docker's DefaultCapabilities (oci/caps/defaults.go). */
uint64_t hostcfg_default_caps(void)
{
	static const int caps[] = {
		CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
		CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
		CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
	};
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		m |= UINT64_C(1) << caps[i];
	return m;
}

/* Every capability we can name that our bounding set still has (docker's
 * GetAllCapabilities: when argon itself runs with fewer, so does the
 * container). */
static uint64_t all_caps(void)
{
	uint64_t m = 0;

	for (int c = 0; c <= cap_last_known() && c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			m |= UINT64_C(1) << c;
	return m;
}

int hostcfg_cap_normalize(const char *name, char **out, struct ar_err *err)
{
	_cleanup_free_ char *up = xstrdup(name);

	for (char *p = up; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (strcmp(up, "ALL") != 0 && strncmp(up, "CAP_", 4) != 0) {
		char *with = xasprintf("CAP_%s", up);
		free(up);
		up = with;
	}
	if (strcmp(up, "ALL") != 0 && cap_from_name(up) < 0)
		return ar_fail(err, EINVAL, "unknown capability: `%s`", name);
	*out = steal_ptr(&up);
	return 0;
}

/* The mask of a list; *all when it names ALL. */
static int caps_mask(char *const *names, uint64_t *mask, bool *all, struct ar_err *err)
{
	*mask = 0;
	*all = false;
	for (; names && *names; names++) {
		_cleanup_free_ char *n = NULL;
		if (hostcfg_cap_normalize(*names, &n, err) < 0)
			return -1;
		if (strcmp(n, "ALL") == 0)
			*all = true;
		else
			*mask |= UINT64_C(1) << cap_from_name(n);
	}
	return 0;
}

/* docker's TweakCapabilities: add ALL keeps all but the drops; drop ALL
 * keeps the adds only; else default - drops + adds. */
int hostcfg_caps(char *const *add, char *const *drop, bool privileged, uint64_t *mask,
		 struct ar_err *err)
{
	uint64_t adds, drops;
	bool add_all, drop_all;

	if (caps_mask(add, &adds, &add_all, err) < 0 || caps_mask(drop, &drops, &drop_all, err) < 0)
		return -1;
	if (privileged)
		*mask = all_caps();
	else if (add_all)
		*mask = all_caps() & ~drops;
	else if (drop_all)
		*mask = adds;
	else
		*mask = (hostcfg_default_caps() & ~drops) | adds;
	return 0;
}

/* ------------------------------------------------------------ memory */

int hostcfg_parse_swap(const char *s, int64_t *out, struct ar_err *err)
{
	uint64_t v;

	if (strcmp(s, "-1") == 0 || strcmp(s, "0") == 0) {
		*out = strcmp(s, "0") == 0 ? 0 : -1;	/* 0: unset, as docker */
		return 0;
	}
	if (parse_size(s, &v, err) < 0)
		return -1;
	if (v > INT64_MAX)
		return ar_fail(err, ERANGE, "size `%s` is too large", s);
	*out = (int64_t)v;
	return 0;
}

/* ------------------------------------------------------------ env files */

static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			     (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || i + len > n || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

/* One line of an env file into *out (NULL when it yields nothing). */
static int env_line(char *line, size_t len, char **out, struct ar_err *err)
{
	char *eq, *key = line;

	*out = NULL;
	if (!utf8_valid((unsigned char *)line, len))
		return ar_fail(err, EILSEQ, "contains invalid utf8 bytes");
	while (isspace((unsigned char)*key))
		key++;
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (eq)
		*eq = '\0';
	if (strpbrk(key, " \t"))
		return ar_fail(err, EINVAL, "variable `%s` contains whitespaces", key);
	if (*key == '\0')
		return ar_fail(err, EINVAL, "no variable name on line `=%s`",
				eq ? eq + 1 : "");
	if (eq)
		*out = xasprintf("%s=%s", key, eq + 1);
	else if (getenv(key))
		*out = xasprintf("%s=%s", key, getenv(key));
	return 0;
}

int hostcfg_env_file(const char *path, char ***env, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_ char **got = NULL;
	size_t len = 0, lineno = 0;
	char *line, *next;

	if (read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return ar_err_prefix(err, "env file");
	if (memchr(text, '\0', len))
		return ar_fail(err, EILSEQ, "env file `%s` contains NUL bytes", path);
	line = text;
	if (strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;	/* a UTF-8 byte order mark */
	for (; line; line = next) {
		char *kv;
		size_t n;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (env_line(line, n, &kv, err) < 0)
			return ar_err_prefix(err, "env file `%s` line %zu", path, lineno);
		if (kv)
			strv_push(&got, kv);
	}
	for (size_t i = 0; got && got[i]; i++)
		strv_push(env, steal_ptr(&got[i]));
	return 0;
}

/* ------------------------------------------------------------ cgroups */

static bool dir_has(const char *dir, const char *const *files)
{
	for (const char *const *f = files; *f; f++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, *f);
		if (access(p, F_OK) == 0)
			return true;
	}
	return false;
}

/* v2: the files are in child cgroups only; any child with the controller
 * enabled shows them. */
static bool v2_has(const char *root, const char *const *files)
{
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = fd >= 0 ? dir_sorted_names(fd) : NULL;
	bool found = false;

	for (char **n = names; n && *n && !found; n++) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", root, *n);
		struct stat st;
		found = stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && dir_has(sub, files);
	}
	strv_free(names);
	return found;
}

static bool names_have(const char *list, const char *name)
{
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (strcmp(w, name) == 0)
			return true;
	return false;
}

bool hostcfg_cgroup_has(const char *controller, const char *const *files)
{
	struct cgroup *cg = NULL;
	bool found = false, v1 = false;

	if (cgroup_open(NULL, "hostcfg-probe", &cg, NULL) < 0)
		return false;
	for (size_t i = 0; i < cg->n_v1 && !v1; i++) {
		if (!names_have(cg->v1_names[i], controller))
			continue;
		size_t dl = strlen(cg->v1_dirs[i]), pl = strlen(cg->path) + 1;
		_cleanup_free_ char *root = dl > pl ? strndup(cg->v1_dirs[i], dl - pl) : NULL;
		v1 = true;
		found = root && dir_has(root, files);
	}
	if (!v1 && cg->v2_root)
		found = v2_has(cg->v2_root, files);
	cgroup_free(cg);
	return found;
}
