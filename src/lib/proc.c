/* argon — facts about processes read from /proc, and signal names. */
#define _GNU_SOURCE
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

/* Fields of /proc/PID/stat counted from 1: 2 is "(comm)", 3 the state. */
#define STAT_FIELD_STATE 3
#define STAT_FIELD_STARTTIME 22

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Reads the state letter and the start time of `pid`. Returns -1 with errno
 * set (ENOENT/ESRCH when the process is gone, EINVAL when unparsable). */
static int proc_read_stat(pid_t pid, char *state, uint64_t *start_time)
{
	char path[64], buf[4096];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p, *save = NULL;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	n = read_all(fd, buf, sizeof buf - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	/* comm may contain spaces and ')', but nothing after it can: the last
	 * ')' ends field 2. */
	p = strrchr(buf, ')');
	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	*state = 0;
	int field = STAT_FIELD_STATE;
	for (char *tok = strtok_r(p + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), field++) {
		if (field == STAT_FIELD_STATE)
			*state = tok[0];
		if (field == STAT_FIELD_STARTTIME) {
			if (parse_u64(tok, start_time) < 0)
				break;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int proc_start_time(pid_t pid, uint64_t *out)
{
	char state;

	return proc_read_stat(pid, &state, out);
}

bool proc_is_same(pid_t pid, uint64_t start_time)
{
	char state = 0;
	uint64_t now = 0;

	if (proc_read_stat(pid, &state, &now) < 0)
		return false;
	/* A zombie (or a dying task) has the right start time but is no
	 * longer the container: treat it as gone. */
	return now == start_time && state != 'Z' && state != 'X' && state != 'x';
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static bool name_is_pid(const char *s, pid_t *pid)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v == 0 || v > INT32_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* True when /proc/<name>/ns/pid is the namespace `want`. Processes that
 * vanish mid-scan (ENOENT, ESRCH) or whose links we may not read (EACCES:
 * another user's task, which cannot be in a namespace we created) are not
 * members. */
static int pidns_matches(int procfd, const char *name, const struct stat *want, bool *match)
{
	_cleanup_free_ char *link = xasprintf("%s/ns/pid", name);
	struct stat st;

	*match = false;
	if (fstatat(procfd, link, &st, 0) < 0) {
		if (errno == ENOENT || errno == ESRCH || errno == EACCES || errno == EPERM)
			return 0;
		return -1;
	}
	*match = st.st_ino == want->st_ino && st.st_dev == want->st_dev;
	return 0;
}

static int scan_pidns(DIR *d, const struct stat *want, pid_t **pids, size_t *n,
		      struct ar_err *err)
{
	size_t cap = 16;
	struct dirent *de;

	*pids = xmalloc(cap * sizeof **pids);
	*n = 0;
	/* errno is reset before every readdir: a vanished /proc/N swallowed in
	 * the body must not look like a failed read at the end. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		pid_t pid;
		bool match;

		if (!name_is_pid(de->d_name, &pid))
			continue;
		if (pidns_matches(dirfd(d), de->d_name, want, &match) < 0) {
			int e = errno;
			free(steal_ptr(pids));
			return ar_error(err, e, "stat `/proc/%s/ns/pid`", de->d_name);
		}
		if (!match)
			continue;
		if (*n == cap)
			*pids = xrealloc(*pids, (cap *= 2) * sizeof **pids);
		(*pids)[(*n)++] = pid;
	}
	if (errno != 0) {
		int e = errno;
		free(steal_ptr(pids));
		return ar_error(err, e, "read directory `/proc`");
	}
	qsort(*pids, *n, sizeof **pids, pid_cmp);
	return 0;
}

int proc_pids_in_pidns_of(pid_t init, pid_t **pids, size_t *n, struct ar_err *err)
{
	char path[64];
	struct stat want;
	DIR *d;
	int procfd, ret;

	if (init <= 0)
		return ar_error(err, EINVAL, "find processes of pid %d", (int)init);
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)init);
	if (stat(path, &want) < 0)
		return ar_error(err, errno, "stat `%s`", path);
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return ar_error(err, errno, "open `/proc`");
	d = fdopendir(procfd);
	if (d == NULL) {
		int e = errno;
		close(procfd);
		return ar_error(err, e, "open `/proc`");
	}
	ret = scan_pidns(d, &want, pids, n, err);
	closedir(d);
	return ret;
}

/* ---- signals ---- */

struct signal_entry {
	const char *name;	/* "SIGHUP"; parsing also accepts it without "SIG" */
	int sig;
};

/* Canonical names first: signal_name() returns the first match. */
static const struct signal_entry signal_table[] = {
	{ "SIGHUP", SIGHUP },	  { "SIGINT", SIGINT },	    { "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL },	  { "SIGTRAP", SIGTRAP },   { "SIGABRT", SIGABRT },
	{ "SIGBUS", SIGBUS },	  { "SIGFPE", SIGFPE },	    { "SIGKILL", SIGKILL },
	{ "SIGUSR1", SIGUSR1 },	  { "SIGSEGV", SIGSEGV },   { "SIGUSR2", SIGUSR2 },
	{ "SIGPIPE", SIGPIPE },	  { "SIGALRM", SIGALRM },   { "SIGTERM", SIGTERM },
	{ "SIGSTKFLT", SIGSTKFLT }, { "SIGCHLD", SIGCHLD },  { "SIGCONT", SIGCONT },
	{ "SIGSTOP", SIGSTOP },	  { "SIGTSTP", SIGTSTP },   { "SIGTTIN", SIGTTIN },
	{ "SIGTTOU", SIGTTOU },	  { "SIGURG", SIGURG },	    { "SIGXCPU", SIGXCPU },
	{ "SIGXFSZ", SIGXFSZ },	  { "SIGVTALRM", SIGVTALRM }, { "SIGPROF", SIGPROF },
	{ "SIGWINCH", SIGWINCH }, { "SIGIO", SIGIO },	    { "SIGPWR", SIGPWR },
	{ "SIGSYS", SIGSYS },
	/* aliases, found by name only */
	{ "SIGIOT", SIGABRT },	  { "SIGPOLL", SIGPOLL },   { "SIGCLD", SIGCHLD },
};

/* Real-time names as `kill -l` prints them: the lower half counted up from
 * RTMIN, the upper half down from RTMAX. */
static const char *const rtmin_names[] = {
	"SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3", "SIGRTMIN+4",
	"SIGRTMIN+5", "SIGRTMIN+6", "SIGRTMIN+7", "SIGRTMIN+8", "SIGRTMIN+9",
	"SIGRTMIN+10", "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14",
	"SIGRTMIN+15",
};
static const char *const rtmax_names[] = {
	"SIGRTMAX", "SIGRTMAX-1", "SIGRTMAX-2", "SIGRTMAX-3", "SIGRTMAX-4",
	"SIGRTMAX-5", "SIGRTMAX-6", "SIGRTMAX-7", "SIGRTMAX-8", "SIGRTMAX-9",
	"SIGRTMAX-10", "SIGRTMAX-11", "SIGRTMAX-12", "SIGRTMAX-13", "SIGRTMAX-14",
	"SIGRTMAX-15",
};

/* "N" -> N within [0, max]; digits only. */
static int parse_small(const char *s, int max)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v > (uint64_t)max)
		return -1;
	return (int)v;
}

static int parse_rt_name(const char *s)
{
	int span = SIGRTMAX - SIGRTMIN, off;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		if (s[5] == '\0')
			return SIGRTMIN;
		if (s[5] != '+' || (off = parse_small(s + 6, span)) < 0)
			return -1;
		return SIGRTMIN + off;
	}
	if (strncasecmp(s, "RTMAX", 5) == 0) {
		if (s[5] == '\0')
			return SIGRTMAX;
		if (s[5] != '-' || (off = parse_small(s + 6, span)) < 0)
			return -1;
		return SIGRTMAX - off;
	}
	return -1;
}

int signal_parse(const char *s)
{
	int sig;

	if (s == NULL || *s == '\0')
		return -1;
	if (isdigit((unsigned char)*s)) {
		sig = parse_small(s, SIGRTMAX);
		return sig >= 1 ? sig : -1;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_LEN(signal_table); i++)
		if (strcasecmp(s, signal_table[i].name + 3) == 0)
			return signal_table[i].sig;
	return parse_rt_name(s);
}

const char *signal_name(int sig)
{
	int rtmin = SIGRTMIN, rtmax = SIGRTMAX;

	for (size_t i = 0; i < ARRAY_LEN(signal_table); i++)
		if (signal_table[i].sig == sig)
			return signal_table[i].name;
	if (sig < rtmin || sig > rtmax)
		return NULL;
	if (sig - rtmin < (int)ARRAY_LEN(rtmin_names) && sig - rtmin <= (rtmax - rtmin) / 2)
		return rtmin_names[sig - rtmin];
	if (rtmax - sig < (int)ARRAY_LEN(rtmax_names))
		return rtmax_names[rtmax - sig];
	return NULL;
}
