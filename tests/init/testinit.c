/* argon-testinit — the hermetic payload of the integration tests.
 *
 * A static multi-call program: installed in a test rootfs as
 * /bin/argon-testinit (plus symlinks), it reports what the runtime made of
 * the process (ids, capabilities, fds, mounts, signals, limits, terminal) in
 * a fixed, easily grepped format, so the tests need no distro image.
 * The applet is argv[0]'s basename when it names one, else argv[1].
 * Output goes through stdio and is flushed before anything that may block
 * or die; errors print "APPLET ARG: ENAME" (errno's name) and exit 1.
 */
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int fail_errno(const char *applet, const char *arg, int errnum)
{
	const char *name = strerrorname_np(errnum);

	printf("%s %s: %s\n", applet, arg, name ? name : "EUNKNOWN");
	fflush(stdout);
	return 1;
}

static int usage(const char *applet, const char *how)
{
	fprintf(stderr, "usage: argon-testinit %s %s\n", applet, how);
	return 2;
}

/* Copies every line of `path` that starts with one of `prefixes`. */
static int print_status_lines(const char *path, const char *const *prefixes)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return fail_errno("read", path, errno);
	while (fgets(line, sizeof line, f))
		for (const char *const *p = prefixes; *p; p++)
			if (strncmp(line, *p, strlen(*p)) == 0)
				fputs(line, stdout);
	fclose(f);
	return 0;
}

static int copy_fd(int in, int out)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			off += w;
		}
	}
	return 0;
}

static int do_pid(int argc, char **argv)
{
	printf("%d\n", (int)getpid());
	return 0;
}

static int do_ids(int argc, char **argv)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);

	printf("uid=%u gid=%u euid=%u egid=%u groups=", (unsigned)getuid(),
	       (unsigned)getgid(), (unsigned)geteuid(), (unsigned)getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	printf("\n");
	return 0;
}

static int do_caps(int argc, char **argv)
{
	static const char *const keys[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:",
					    "CapAmb:", "NoNewPrivs:", NULL };
	return print_status_lines("/proc/self/status", keys);
}

static int do_signals(int argc, char **argv)
{
	static const char *const keys[] = { "SigBlk:", "SigIgn:", NULL };
	return print_status_lines("/proc/self/status", keys);
}

static int do_cwd(int argc, char **argv)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof buf))
		return fail_errno("cwd", ".", errno);
	printf("%s\n", buf);
	return 0;
}

static int do_env(int argc, char **argv)
{
	for (char **e = environ; *e; e++)
		printf("%s\n", *e);
	return 0;
}

static int do_read(int argc, char **argv)
{
	int fd, r;

	if (argc < 2)
		return usage("read", "PATH");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("read", argv[1], errno);
	fflush(stdout);
	r = copy_fd(fd, STDOUT_FILENO);
	close(fd);
	return r < 0 ? fail_errno("read", argv[1], -r) : 0;
}

static int do_mounts(int argc, char **argv)
{
	char *args[] = { "read", "/proc/self/mountinfo", NULL };
	return do_read(2, args);
}

static int do_cat(int argc, char **argv)
{
	int r = copy_fd(STDIN_FILENO, STDOUT_FILENO);
	return r < 0 ? fail_errno("cat", "-", -r) : 0;
}

/* Lists open fds; the directory stream's own fd is left out. */
static int do_fds(int argc, char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return fail_errno("fds", "/proc/self/fd", errno);
	while ((de = readdir(d))) {
		char path[64], target[PATH_MAX];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d))
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof target - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("%d -> %s\n", fd, target);
	}
	closedir(d);
	return 0;
}

static int do_hostname(int argc, char **argv)
{
	struct utsname u;

	if (uname(&u) < 0)
		return fail_errno("hostname", "uname", errno);
	printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
	return 0;
}

static int do_exit(int argc, char **argv)
{
	return argc < 2 ? usage("exit", "N") : atoi(argv[1]);
}

static int do_true(int argc, char **argv)
{
	return 0;
}

static int do_false(int argc, char **argv)
{
	return 1;
}

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcmp(abbrev, s) == 0)
			return sig;
	}
	return -1;
}

static void note_signal(int sig)
{
	/* Only installed so that the signal is "caught" (init of a pid
	 * namespace drops signals it has no handler for); the work is done
	 * by sigwaitinfo/sigtimedwait with the signal blocked. */
}

static void catch_and_block(const sigset_t *set)
{
	struct sigaction sa = { .sa_handler = note_signal };

	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) == 1)
			sigaction(sig, &sa, NULL);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static void print_got(int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		printf("got SIG%s\n", abbrev);
	else
		printf("got signal %d\n", sig);
	fflush(stdout);
}

/* sleep SECS|inf: exits 0 after SECS, or at once on SIGTERM. */
static int do_sleep(int argc, char **argv)
{
	struct timespec ts = { .tv_sec = 0 }, *tsp = &ts;
	sigset_t set;
	double secs;

	if (argc < 2)
		return usage("sleep", "SECS|inf");
	if (strcmp(argv[1], "inf") == 0) {
		tsp = NULL;
	} else {
		secs = strtod(argv[1], NULL);
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	catch_and_block(&set);
	for (;;) {
		int sig = tsp ? sigtimedwait(&set, NULL, tsp) : sigwaitinfo(&set, NULL);
		if (sig == SIGTERM) {
			print_got(sig);
			return 0;
		}
		if (sig < 0 && errno == EAGAIN)
			return 0;
	}
}

/* trap SIG...: prints "ready", then "got SIGNAME" for each signal; exits
 * 128+15 on SIGTERM (which is always trapped). */
static int do_trap(int argc, char **argv)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	for (int i = 1; i < argc; i++) {
		int sig = parse_signal(argv[i]);
		if (sig < 0 || sig == SIGKILL || sig == SIGSTOP)
			return usage("trap", "SIG... (catchable signals)");
		sigaddset(&set, sig);
	}
	catch_and_block(&set);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int sig = sigwaitinfo(&set, NULL);
		if (sig < 0)
			continue;
		print_got(sig);
		if (sig == SIGTERM)
			return 128 + SIGTERM;
	}
}

/* fork N: N children pause forever; the parent prints their pids and
 * pauses too. Nobody handles signals, so defaults apply. */
static int do_fork(int argc, char **argv)
{
	int n;

	if (argc < 2)
		return usage("fork", "N");
	n = atoi(argv[1]);
	for (int i = 0; i < n; i++) {
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return fail_errno("fork", argv[1], errno);
		if (pid == 0) {
			for (;;)
				pause();
		}
		printf("%d\n", (int)pid);
	}
	printf("forked\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int do_exec(int argc, char **argv)
{
	if (argc < 2)
		return usage("exec", "PATH ARGS...");
	fflush(stdout);
	execv(argv[1], argv + 2);
	return fail_errno("exec", argv[1], errno);
}

static int do_write(int argc, char **argv)
{
	size_t len;
	int fd;

	if (argc < 3)
		return usage("write", "PATH TEXT");
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail_errno("write", argv[1], errno);
	len = strlen(argv[2]);
	if (write(fd, argv[2], len) != (ssize_t)len) {
		int e = errno;
		close(fd);
		return fail_errno("write", argv[1], e);
	}
	if (close(fd) < 0)
		return fail_errno("write", argv[1], errno);
	printf("wrote %s\n", argv[1]);
	return 0;
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

/* stat PATH: "type=char mode=0666 rdev=1:3 uid=0 gid=0 size=0" (lstat), and
 * "symlink -> TARGET" for a symlink. */
static int do_stat(int argc, char **argv)
{
	struct stat st;

	if (argc < 2)
		return usage("stat", "PATH");
	if (lstat(argv[1], &st) < 0)
		return fail_errno("stat", argv[1], errno);
	printf("type=%s mode=%04o rdev=%u:%u uid=%u gid=%u size=%lld\n",
	       type_name(st.st_mode), (unsigned)(st.st_mode & 07777),
	       major(st.st_rdev), minor(st.st_rdev), (unsigned)st.st_uid,
	       (unsigned)st.st_gid, (long long)st.st_size);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(argv[1], target, sizeof target - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("symlink -> %s\n", target);
	}
	return 0;
}

static const struct { const char *name; int res; } rlimits[] = {
	{ "AS", RLIMIT_AS }, { "CORE", RLIMIT_CORE }, { "CPU", RLIMIT_CPU },
	{ "DATA", RLIMIT_DATA }, { "FSIZE", RLIMIT_FSIZE },
	{ "LOCKS", RLIMIT_LOCKS }, { "MEMLOCK", RLIMIT_MEMLOCK },
	{ "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },
	{ "NOFILE", RLIMIT_NOFILE }, { "NPROC", RLIMIT_NPROC },
	{ "RSS", RLIMIT_RSS }, { "RTPRIO", RLIMIT_RTPRIO },
	{ "RTTIME", RLIMIT_RTTIME }, { "SIGPENDING", RLIMIT_SIGPENDING },
	{ "STACK", RLIMIT_STACK },
};

static void print_limit(rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf("unlimited");
	else
		printf("%llu", (unsigned long long)v);
}

/* rlimit NAME (NOFILE or RLIMIT_NOFILE): prints "SOFT HARD". */
static int do_rlimit(int argc, char **argv)
{
	const char *name;
	struct rlimit rl;

	if (argc < 2)
		return usage("rlimit", "NAME");
	name = strncmp(argv[1], "RLIMIT_", 7) == 0 ? argv[1] + 7 : argv[1];
	for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
		if (strcmp(rlimits[i].name, name) != 0)
			continue;
		if (getrlimit(rlimits[i].res, &rl) < 0)
			return fail_errno("rlimit", argv[1], errno);
		print_limit(rl.rlim_cur);
		printf(" ");
		print_limit(rl.rlim_max);
		printf("\n");
		return 0;
	}
	return fail_errno("rlimit", argv[1], EINVAL);
}

static int do_umask(int argc, char **argv)
{
	mode_t m = umask(0);

	umask(m);
	printf("%04o\n", (unsigned)m);
	return 0;
}

/* tty: "N: tty PATH" or "N: notty" for fds 0..2; the size of fd 0's tty. */
static int do_tty(int argc, char **argv)
{
	struct winsize ws;

	for (int fd = 0; fd <= 2; fd++) {
		char name[PATH_MAX];

		if (isatty(fd) && ttyname_r(fd, name, sizeof name) == 0)
			printf("%d: tty %s\n", fd, name);
		else if (isatty(fd))
			printf("%d: tty ?\n", fd);
		else
			printf("%d: notty\n", fd);
	}
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		printf("size=%ux%u\n", ws.ws_row, ws.ws_col);
	return 0;
}

static int do_oom(int argc, char **argv)
{
	char *args[] = { "read", "/proc/self/oom_score_adj", NULL };
	return do_read(2, args);
}

static int do_nnp(int argc, char **argv)
{
	int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	if (r < 0)
		return fail_errno("nnp", "prctl", errno);
	printf("nnp=%d\n", r);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ls DIR: sorted names without "." and "..". */
static int do_ls(int argc, char **argv)
{
	const char *dir = argc < 2 ? "." : argv[1];
	struct dirent **list;
	int n = scandir(dir, &list, NULL, NULL);
	char **names;
	int k = 0;

	if (n < 0)
		return fail_errno("ls", dir, errno);
	names = calloc((size_t)n + 1, sizeof *names);
	for (int i = 0; i < n; i++) {
		const char *s = list[i]->d_name;
		if (names && strcmp(s, ".") != 0 && strcmp(s, "..") != 0)
			names[k++] = strdup(s);
		free(list[i]);
	}
	free(list);
	if (!names)
		return fail_errno("ls", dir, ENOMEM);
	qsort(names, (size_t)k, sizeof *names, name_cmp);
	for (int i = 0; i < k; i++) {
		printf("%s\n", names[i] ? names[i] : "?");
		free(names[i]);
	}
	free(names);
	return 0;
}

/* alloc MIB: allocate and touch MIB MiB (to meet a memory limit), then
 * print "allocated" and exit 0. */
static int do_alloc(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 0;

	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (p == NULL)
			return fail_errno("alloc", argv[1], ENOMEM);
		memset(p, 0x5a, 1 << 20);	/* touch: make it resident */
	}
	printf("allocated %ld MiB\n", mib);
	return 0;
}

/* spin SECS: a busy loop for SECS seconds of wall time. */
static int do_spin(int argc, char **argv)
{
	struct timespec a, b;
	double secs = argc > 1 ? atof(argv[1]) : 1;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
	printf("spun\n");
	return 0;
}

/* affinity: the CPUs sched_getaffinity allows, "0,1". */
static int do_affinity(int argc, char **argv)
{
	cpu_set_t set;
	const char *sep = "";

	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return fail_errno("affinity", "self", errno);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			printf("%s%d", sep, c);
			sep = ",";
		}
	printf("\n");
	return 0;
}

/* forks N: fork up to N sleeping children; print how many worked and the
 * errno name of the first failure ("forked 15 EAGAIN"). */
static int do_forks(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1, ok = 0;
	int e = 0;

	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			e = errno;
			break;
		}
		ok++;
	}
	printf("forked %ld %s\n", ok, e ? strerrorname_np(e) : "ok");
	fflush(stdout);
	pause();
	return 0;
}

/* open PATH r|w: open and close, print "opened" or the errno name. */
static int do_open(int argc, char **argv)
{
	int fd;

	if (argc < 3)
		return usage("open", "PATH r|w");
	fd = open(argv[1], (argv[2][0] == 'w' ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail_errno("open", argv[1], errno);
	close(fd);
	printf("opened %s\n", argv[1]);
	return 0;
}

/* status KEY...: the lines of /proc/self/status starting with each KEY
 * ("Groups:", "Cap"), in the file's order. */
static int do_status(int argc, char **argv)
{
	if (argc < 2)
		return usage("status", "KEY...");
	argv[argc] = NULL;
	return print_status_lines("/proc/self/status", (const char *const *)argv + 1);
}

/* The system calls the seccomp tests ask for by name. */
static const struct {
	const char *name;
	long nr;
} syscall_names[] = {
	{ "getpid", SYS_getpid }, { "getppid", SYS_getppid }, { "gettid", SYS_gettid },
	{ "getuid", SYS_getuid }, { "getgid", SYS_getgid }, { "uname", SYS_uname },
	{ "umask", SYS_umask }, { "personality", SYS_personality },
	{ "getpriority", SYS_getpriority }, { "setpriority", SYS_setpriority },
	{ "sched_yield", SYS_sched_yield }, { "sethostname", SYS_sethostname },
	{ "setdomainname", SYS_setdomainname }, { "mkdir", SYS_mkdir }, { "chdir", SYS_chdir },
	{ "getcwd", SYS_getcwd }, { "unshare", SYS_unshare }, { "keyctl", SYS_keyctl },
	{ "kill", SYS_kill }, { "capget", SYS_capget }, { "capset", SYS_capset },
	{ "prctl", SYS_prctl }, { "getpgid", SYS_getpgid }, { "getsid", SYS_getsid },
	{ "socket", SYS_socket }, { "swapoff", SYS_swapoff }, { "acct", SYS_acct },
};

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, "SIGSYS syscall=%d code=%d\n", si->si_syscall,
			 si->si_code);

	if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
		_exit(2);
	_exit(0);
}

/* syscall [-t] NAME|NR [ARG...]: one raw system call; args are numbers, or
 * strings passed by address. Prints "ok RET" or the errno name. With -t,
 * SIGSYS is caught: "SIGSYS syscall=NR code=N" (SYS_SECCOMP is 1). */
static int do_syscall(int argc, char **argv)
{
	long nr = -1, a[6] = { 0 }, r;
	char *end;
	int i = 1;

	if (argc > 1 && strcmp(argv[1], "-t") == 0) {
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
		sigaction(SIGSYS, &sa, NULL);
		i++;
	}
	if (i >= argc || argc - i > 7)
		return usage("syscall", "[-t] NAME|NR [ARG...] (up to 6)");
	for (size_t k = 0; k < sizeof syscall_names / sizeof syscall_names[0]; k++)
		if (strcmp(syscall_names[k].name, argv[i]) == 0)
			nr = syscall_names[k].nr;
	if (nr < 0 && ((nr = strtol(argv[i], &end, 0)) < 0 || *end || end == argv[i]))
		return usage("syscall", "NAME|NR: unknown system call name");
	for (int k = 0; i + 1 + k < argc; k++) {
		a[k] = strtol(argv[i + 1 + k], &end, 0);
		if (*end || end == argv[i + 1 + k])
			a[k] = (long)argv[i + 1 + k];
	}
	fflush(stdout);
	errno = 0;
	r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r == -1 && errno)
		return fail_errno("syscall", argv[i], errno);
	printf("ok %ld\n", r);
	return 0;
}

/* ---------------------------------------------------------------- network
 *
 * Tiny IPv4 clients and servers for the network tests, usable both inside
 * a container and on the test's own namespaces (no python servers needed).
 * A server answers every connection or datagram with "from A.B.C.D:PORT\n",
 * the peer's address as the server sees it (what NAT did shows there). */

/* A name to an address: dotted quad, else the first /etc/hosts line naming
 * it (a static glibc cannot load NSS modules; files is all the tests use). */
static int resolve_ipv4(const char *name, struct in_addr *addr)
{
	char line[512];
	FILE *f;

	if (inet_pton(AF_INET, name, addr) == 1)
		return 0;
	f = fopen("/etc/hosts", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f)) {
		char *save = NULL, *ip = strtok_r(line, " \t\n", &save), *alias;
		if (!ip || *ip == '#' || inet_pton(AF_INET, ip, addr) != 1)
			continue;
		while ((alias = strtok_r(NULL, " \t\n", &save)) && *alias != '#')
			if (strcmp(alias, name) == 0) {
				fclose(f);
				return 0;
			}
	}
	fclose(f);
	return -ENOENT;
}

/* IP PORT (IP optional: any) to a sockaddr; -EINVAL on a bad port. */
static int make_sockaddr(const char *ip, const char *port, struct sockaddr_in *sa)
{
	char *end;
	long p = strtol(port, &end, 10);
	int r;

	if (*end || end == port || p < 0 || p > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)p);
	sa->sin_addr.s_addr = htonl(INADDR_ANY);
	if (ip && (r = resolve_ipv4(ip, &sa->sin_addr)) < 0)
		return r;
	return 0;
}

static void format_peer(const struct sockaddr_in *sa, char *buf, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
	snprintf(buf, size, "from %s:%u\n", ip, ntohs(sa->sin_port));
}

/* A signalfd for SIGTERM and SIGINT (blocked, and caught so that a pid 1
 * gets them at all): a server polls it next to its socket. */
static int termination_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	catch_and_block(&set);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* A bound socket of TYPE on [IP] PORT, SO_REUSEADDR; -errno. */
static int bound_socket(int type, const char *port, const char *ip, const char *applet)
{
	struct sockaddr_in sa;
	int fd, one = 1, r;

	if ((r = make_sockaddr(ip, port, &sa)) < 0)
		return fail_errno(applet, ip ? ip : port, -r), -1;
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(applet, "socket", errno), -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		fail_errno(applet, port, errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits for FD to be readable; 1 when it is, 0 on SIGTERM/SIGINT. */
static int wait_readable_or_term(int fd, int term_fd)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = term_fd, .events = POLLIN } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[1].revents)
			return 0;
		if (p[0].revents)
			return 1;
	}
}

/* tcp-serve PORT [IP]: prints "listening", then answers every connection
 * with "from A.B.C.D:PORT\n" (and logs the same line); SIGTERM: exit 0. */
static int do_tcp_serve(int argc, char **argv)
{
	int fd, term_fd;

	if (argc < 2)
		return usage("tcp-serve", "PORT [IP]");
	if ((term_fd = termination_fd()) < 0)
		return fail_errno("tcp-serve", "signalfd", errno);
	if ((fd = bound_socket(SOCK_STREAM, argv[1], argc > 2 ? argv[2] : NULL, "tcp-serve")) < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	while (wait_readable_or_term(fd, term_fd)) {
		struct sockaddr_in peer;
		socklen_t len = sizeof peer;
		char msg[64];
		int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		format_peer(&peer, msg, sizeof msg);
		if (write(c, msg, strlen(msg)) < 0)
			perror("tcp-serve: write");
		close(c);
		fputs(msg, stdout);
		fflush(stdout);
	}
	return 0;
}

/* udp-serve PORT [IP]: prints "listening", then answers every datagram
 * with "from A.B.C.D:PORT\n" (and logs the same line); SIGTERM: exit 0. */
static int do_udp_serve(int argc, char **argv)
{
	int fd, term_fd;

	if (argc < 2)
		return usage("udp-serve", "PORT [IP]");
	if ((term_fd = termination_fd()) < 0)
		return fail_errno("udp-serve", "signalfd", errno);
	if ((fd = bound_socket(SOCK_DGRAM, argv[1], argc > 2 ? argv[2] : NULL, "udp-serve")) < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	while (wait_readable_or_term(fd, term_fd)) {
		struct sockaddr_in peer;
		socklen_t len = sizeof peer;
		char buf[512], msg[64];

		if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len) < 0)
			continue;
		format_peer(&peer, msg, sizeof msg);
		sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&peer, len);
		fputs(msg, stdout);
		fflush(stdout);
	}
	return 0;
}

/* Waits up to MS for EVENTS on FD; 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* The optional SECS argument of a client (fractions allowed), in ms. */
static int timeout_ms(int argc, char **argv, int i, int default_ms)
{
	double secs = i < argc ? strtod(argv[i], NULL) : 0;

	return secs > 0 ? (int)(secs * 1000) : default_ms;
}

/* A connected socket of TYPE to HOST PORT (MS for TCP's handshake). */
static int connect_to(int type, const char *host, const char *port, int ms, const char *applet)
{
	struct sockaddr_in sa;
	int fd, r, err = 0;
	socklen_t len = sizeof err;

	if ((r = make_sockaddr(host, port, &sa)) < 0)
		return fail_errno(applet, host, -r), -1;
	fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail_errno(applet, "socket", errno), -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (errno != EINPROGRESS)
			err = errno;
		else if ((r = wait_fd(fd, POLLOUT, ms)) < 0)
			err = -r;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
	}
	if (err) {
		char what[300];
		snprintf(what, sizeof what, "%s:%s", host, port);
		fail_errno(applet, what, err);
		close(fd);
		return -1;
	}
	return fd;
}

/* tcp-get HOST PORT [SECS]: connects (SECS, default 3), prints what the
 * server sends until it closes (SECS between reads); failure:
 * "tcp-get HOST:PORT: ENAME", status 1. HOST: an address or a name of
 * /etc/hosts. */
static int do_tcp_get(int argc, char **argv)
{
	char buf[4096], what[300];
	int fd, r, ms = timeout_ms(argc, argv, 3, 3000);
	ssize_t n;

	if (argc < 3)
		return usage("tcp-get", "HOST PORT [SECS]");
	if ((fd = connect_to(SOCK_STREAM, argv[1], argv[2], ms, "tcp-get")) < 0)
		return 1;
	snprintf(what, sizeof what, "%s:%s", argv[1], argv[2]);
	for (;;) {
		if ((r = wait_fd(fd, POLLIN, ms)) < 0)
			return close(fd), fail_errno("tcp-get", what, -r);
		n = read(fd, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return close(fd), fail_errno("tcp-get", what, errno);
		}
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return 0;
}

/* udp-get HOST PORT [SECS]: sends "x", prints the reply (SECS, default 2);
 * failure: "udp-get HOST:PORT: ETIMEDOUT" (or ECONNREFUSED on an ICMP port
 * unreachable), status 1. */
static int do_udp_get(int argc, char **argv)
{
	char buf[4096], what[300];
	int fd, r, ms = timeout_ms(argc, argv, 3, 2000);
	ssize_t n;

	if (argc < 3)
		return usage("udp-get", "HOST PORT [SECS]");
	if ((fd = connect_to(SOCK_DGRAM, argv[1], argv[2], ms, "udp-get")) < 0)
		return 1;
	snprintf(what, sizeof what, "%s:%s", argv[1], argv[2]);
	if (send(fd, "x", 1, 0) < 0)
		return close(fd), fail_errno("udp-get", what, errno);
	while ((r = wait_fd(fd, POLLIN, ms)) == 0) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n >= 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			close(fd);
			return 0;
		}
		if (errno != EINTR && errno != EAGAIN) {
			r = -errno;
			break;
		}
	}
	close(fd);
	return fail_errno("udp-get", what, -r);
}

struct iface {
	char name[IF_NAMESIZE];
	bool up;
	char addrs[256];
};

static int compare_ifaces(const void *a, const void *b)
{
	return strcmp(((const struct iface *)a)->name, ((const struct iface *)b)->name);
}

static struct iface *iface_entry(struct iface *list, size_t *n, size_t max, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i].name, name) == 0)
			return &list[i];
	if (*n == max)
		return NULL;
	memset(&list[*n], 0, sizeof list[*n]);
	snprintf(list[*n].name, sizeof list[*n].name, "%s", name);
	return &list[(*n)++];
}

/* ifaces: "NAME UP|DOWN [A.B.C.D/N...]" per interface (IPv4), by name. */
static int do_ifaces(int argc, char **argv)
{
	struct iface list[64];
	struct ifaddrs *all;
	size_t n = 0;

	if (getifaddrs(&all) < 0)
		return fail_errno("ifaces", "getifaddrs", errno);
	for (struct ifaddrs *ifa = all; ifa; ifa = ifa->ifa_next) {
		struct iface *e = iface_entry(list, &n, sizeof list / sizeof list[0], ifa->ifa_name);
		if (!e)
			continue;
		e->up = ifa->ifa_flags & IFF_UP;
		if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET && ifa->ifa_netmask) {
			char ip[INET_ADDRSTRLEN];
			size_t used = strlen(e->addrs);
			uint32_t mask = ntohl(((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr);

			inet_ntop(AF_INET, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, ip,
				  sizeof ip);
			snprintf(e->addrs + used, sizeof e->addrs - used, " %s/%d", ip,
				 __builtin_popcount(mask));
		}
	}
	freeifaddrs(all);
	qsort(list, n, sizeof list[0], compare_ifaces);
	for (size_t i = 0; i < n; i++)
		printf("%s %s%s\n", list[i].name, list[i].up ? "UP" : "DOWN", list[i].addrs);
	return 0;
}

/* routes: /proc/net/route decoded, one a line in its order:
 * "default via GW dev IF", "A.B.C.D/N [via GW] dev IF". */
static int do_routes(int argc, char **argv)
{
	char line[512], ifname[IF_NAMESIZE + 1];
	unsigned int dest, gw, flags, mask;
	FILE *f = fopen("/proc/net/route", "re");

	if (!f)
		return fail_errno("routes", "/proc/net/route", errno);
	if (!fgets(line, sizeof line, f)) /* the header */
		line[0] = 0;
	while (fgets(line, sizeof line, f)) {
		char d[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
		struct in_addr da, ga;

		if (sscanf(line, "%16s %x %x %x %*s %*s %*s %x", ifname, &dest, &gw, &flags,
			   &mask) != 5)
			continue;
		da.s_addr = dest; /* the kernel prints the raw __be32 */
		ga.s_addr = gw;
		inet_ntop(AF_INET, &da, d, sizeof d);
		inet_ntop(AF_INET, &ga, g, sizeof g);
		if (dest == 0 && mask == 0)
			printf("default");
		else
			printf("%s/%d", d, __builtin_popcount(mask));
		if (gw)
			printf(" via %s", g);
		printf(" dev %s\n", ifname);
	}
	fclose(f);
	return 0;
}

struct applet {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct applet applets[] = {
	{ "pid", do_pid, "print getpid()" },
	{ "ids", do_ids, "uid= gid= euid= egid= groups=" },
	{ "caps", do_caps, "Cap* and NoNewPrivs lines of /proc/self/status" },
	{ "cwd", do_cwd, "print the working directory" },
	{ "env", do_env, "print the environment, one per line" },
	{ "mounts", do_mounts, "print /proc/self/mountinfo" },
	{ "fds", do_fds, "list open fds: N -> target" },
	{ "hostname", do_hostname, "hostname= and domainname=" },
	{ "sleep", do_sleep, "SECS|inf: sleep; SIGTERM ends it with status 0" },
	{ "exit", do_exit, "N: exit with status N" },
	{ "fork", do_fork, "N: fork N sleeping children, print their pids" },
	{ "exec", do_exec, "PATH ARGS...: execv" },
	{ "write", do_write, "PATH TEXT: write a file (errno name on failure)" },
	{ "read", do_read, "PATH: print a file" },
	{ "stat", do_stat, "PATH: type mode rdev (lstat)" },
	{ "signals", do_signals, "SigBlk and SigIgn" },
	{ "rlimit", do_rlimit, "NAME: SOFT HARD" },
	{ "umask", do_umask, "print the umask" },
	{ "tty", do_tty, "isatty/ttyname of fds 0-2, window size" },
	{ "oom", do_oom, "print oom_score_adj" },
	{ "nnp", do_nnp, "print nnp=0|1" },
	{ "trap", do_trap, "SIG...: print ready, then got SIGNAME per signal" },
	{ "cat", do_cat, "copy stdin to stdout" },
	{ "true", do_true, "exit 0" },
	{ "false", do_false, "exit 1" },
	{ "ls", do_ls, "DIR: sorted entries" },
	{ "alloc", do_alloc, "MIB: allocate and touch MIB MiB" },
	{ "spin", do_spin, "SECS: busy loop" },
	{ "affinity", do_affinity, "print the allowed CPUs" },
	{ "open", do_open, "PATH r|w: open, print opened or the errno name" },
	{ "status", do_status, "KEY...: the lines of /proc/self/status starting with a KEY" },
	{ "syscall", do_syscall, "[-t] NAME|NR [ARG...]: one system call, ok RET or errno name" },
	{ "forks", do_forks, "N: fork until N or failure, print the count and errno, sleep" },
	{ "tcp-serve", do_tcp_serve, "PORT [IP]: listening, then answer \"from IP:PORT\" per connection" },
	{ "udp-serve", do_udp_serve, "PORT [IP]: listening, then answer \"from IP:PORT\" per datagram" },
	{ "tcp-get", do_tcp_get, "HOST PORT [SECS]: print what the server sends (3 s) or the errno name" },
	{ "udp-get", do_udp_get, "HOST PORT [SECS]: send x, print the reply (2 s) or the errno name" },
	{ "ifaces", do_ifaces, "NAME UP|DOWN A.B.C.D/N... per interface, by name" },
	{ "routes", do_routes, "the IPv4 routes of /proc/net/route, decoded" },
};

static const struct applet *find_applet(const char *name)
{
	for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

static int list_applets(void)
{
	fprintf(stderr, "usage: argon-testinit APPLET [ARGS...]\n");
	for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++)
		fprintf(stderr, "  %-9s %s\n", applets[i].name, applets[i].help);
	return 2;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const struct applet *a;
	int r;

	base = base ? base + 1 : (argc > 0 ? argv[0] : "");
	a = find_applet(base);
	if (!a) {
		if (argc < 2 || !(a = find_applet(argv[1])))
			return list_applets();
		argc--;
		argv++;
	}
	r = a->fn(argc, argv);
	fflush(stdout);
	return r;
}
