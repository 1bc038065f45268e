/* argon — the default seccomp profile (seccomp_default.h), as a table.
 *
 * Our own table, in docker's shape and spirit: an allowlist, EPERM for the
 * rest. What is left out, and why:
 *   - keyctl, add_key, request_key: the kernel keyrings are not namespaced;
 *     a container could read or fill the host's.
 *   - kexec_load, kexec_file_load, swapon, swapoff, reboot (without
 *     CAP_SYS_BOOT), the module calls (without CAP_SYS_MODULE), acct
 *     (without CAP_SYS_PACCT): host-wide state.
 *   - bpf, perf_event_open, userfaultfd, io_uring_*: large kernel attack
 *     surface, the usual tools of kernel exploits (io_uring: docker blocks
 *     it since 2023, Google and Android disable it; programs fall back to
 *     plain reads and writes when io_uring_setup fails).
 *   - mount, umount, pivot_root, unshare, setns, clone with CLONE_NEW*:
 *     without CAP_SYS_ADMIN a new user namespace would hand its creator a
 *     full set of capabilities over kernel code that is rarely exercised;
 *     clone3 cannot be filtered by flags (they are in memory), so without
 *     CAP_SYS_ADMIN it fails with ENOSYS, which makes glibc fall back to
 *     clone.
 *   - ptrace, process_vm_*, kcmp, pidfd_getfd (without CAP_SYS_PTRACE);
 *     open_by_handle_at (without CAP_DAC_READ_SEARCH: the "shocker" escape);
 *     iopl, ioperm (CAP_SYS_RAWIO); settimeofday, clock_settime (CAP_SYS_TIME);
 *     lookup_dcookie, quotactl (CAP_SYS_ADMIN); vm86; personality other
 *     than the harmless values.
 * Names this libseccomp or architecture does not know (the newest calls)
 * are skipped by the runtime, as runc does; listing them costs nothing.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "seccomp_default.h"
#include "util.h"

/* CLONE_NEWTIME (0x80) is left out: in clone's flags that bit is part of
 * the exit signal; only clone3 and unshare take it. */
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		  CLONE_NEWPID | CLONE_NEWNET)

struct rule {
	const char *names;	/* space-separated */
	int errno_ret;		/* 0: SCMP_ACT_ALLOW, else SCMP_ACT_ERRNO with it */
	const char *caps;	/* includes.caps (all of them), space-separated */
	const char *not_caps;	/* excludes.caps (any of them) */
	const char *arches;	/* includes.arches, docker's names */
	const char *min_kernel;
	int arg;		/* the argument compared, -1: none */
	const char *op;
	uint64_t value, value_two;
	const char *comment;
};

#define NOARG .arg = -1

static const struct rule rules[] = {
	{ NOARG, .comment = "files and descriptors",
	  .names = "access faccessat faccessat2 chdir fchdir getcwd chmod fchmod fchmodat fchmodat2 "
		   "chown chown32 fchown fchown32 fchownat lchown lchown32 close close_range creat "
		   "dup dup2 dup3 fcntl fcntl64 flock fsync fdatasync sync syncfs sync_file_range "
		   "fallocate ftruncate ftruncate64 truncate truncate64 getdents getdents64 link "
		   "linkat symlink symlinkat unlink unlinkat rename renameat renameat2 mkdir mkdirat "
		   "mknod mknodat rmdir open openat openat2 read readv pread64 preadv preadv2 write "
		   "writev pwrite64 pwritev pwritev2 lseek _llseek readlink readlinkat stat stat64 "
		   "lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs "
		   "fstatfs64 umask utime utimes utimensat utimensat_time64 futimesat "
		   "name_to_handle_at fadvise64 fadvise64_64 readahead copy_file_range sendfile "
		   "sendfile64 splice tee vmsplice cachestat ioctl" },
	{ NOARG, .comment = "extended attributes, file change notification",
	  .names = "getxattr lgetxattr fgetxattr getxattrat setxattr lsetxattr fsetxattr setxattrat "
		   "listxattr llistxattr flistxattr listxattrat removexattr lremovexattr "
		   "fremovexattr removexattrat inotify_init inotify_init1 inotify_add_watch "
		   "inotify_rm_watch fanotify_mark" },
	{ NOARG, .comment = "memory",
	  .names = "brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2 "
		   "mlockall munlock munlockall remap_file_pages membarrier memfd_create "
		   "memfd_secret pkey_alloc pkey_free pkey_mprotect map_shadow_stack mseal "
		   "process_mrelease" },
	{ NOARG, .comment = "processes, threads, scheduling",
	  .names = "exit exit_group execve execveat fork vfork wait4 waitid waitpid getpid getppid "
		   "gettid getpgid getpgrp setpgid getsid setsid kill tkill tgkill pidfd_open "
		   "pidfd_send_signal set_tid_address set_robust_list get_robust_list futex "
		   "futex_time64 futex_waitv futex_wake futex_wait futex_requeue rseq "
		   "restart_syscall prctl capget capset get_thread_area set_thread_area "
		   "sched_getaffinity sched_setaffinity sched_getattr sched_setattr sched_getparam "
		   "sched_setparam sched_getscheduler sched_setscheduler sched_get_priority_max "
		   "sched_get_priority_min sched_rr_get_interval sched_rr_get_interval_time64 "
		   "sched_yield getcpu getpriority setpriority ioprio_get ioprio_set getrlimit "
		   "setrlimit ugetrlimit prlimit64 getrusage times sysinfo uname getrandom seccomp "
		   "landlock_add_rule landlock_create_ruleset landlock_restrict_self" },
	{ NOARG, .comment = "user and group ids",
	  .names = "getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32 getresuid "
		   "getresuid32 getresgid getresgid32 getgroups getgroups32 setuid setuid32 setgid "
		   "setgid32 setreuid setreuid32 setregid setregid32 setresuid setresuid32 setresgid "
		   "setresgid32 setfsuid setfsuid32 setfsgid setfsgid32 setgroups setgroups32" },
	{ NOARG, .comment = "signals, clocks and timers (adjtimex only changes the clock with "
			    "CAP_SYS_TIME, which the kernel checks)",
	  .names = "rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_tgsigqueueinfo "
		   "rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 sigaltstack "
		   "signalfd signalfd4 sigprocmask sigreturn pause alarm clock_getres "
		   "clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep "
		   "clock_nanosleep_time64 nanosleep gettimeofday time getitimer setitimer "
		   "timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 "
		   "timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 "
		   "timerfd_settime timerfd_settime64 adjtimex clock_adjtime clock_adjtime64" },
	{ NOARG, .comment = "waiting for events, pipes, asynchronous I/O (not io_uring)",
	  .names = "poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create "
		   "epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait "
		   "epoll_pwait2 eventfd eventfd2 pipe pipe2 io_setup io_destroy io_submit io_cancel "
		   "io_getevents io_pgetevents io_pgetevents_time64" },
	{ NOARG, .comment = "System V and POSIX IPC (the container has its own IPC namespace)",
	  .names = "ipc msgctl msgget msgrcv msgsnd semctl semget semop semtimedop "
		   "semtimedop_time64 shmat shmctl shmdt shmget mq_open mq_unlink mq_timedsend "
		   "mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 mq_notify "
		   "mq_getsetattr" },
	{ NOARG, .comment = "sockets",
	  .names = "accept accept4 bind connect getpeername getsockname getsockopt setsockopt "
		   "listen recv recvfrom recvmsg recvmmsg recvmmsg_time64 send sendto sendmsg "
		   "sendmmsg shutdown socketpair socketcall" },
	{ .names = "socket", .arg = 0, .op = "SCMP_CMP_NE", .value = AF_VSOCK,
	  .comment = "sockets of every family but AF_VSOCK, which reaches the hypervisor" },
	{ .names = "personality", .arg = 0, .op = "SCMP_CMP_EQ", .value = 0x0,
	  .comment = "personality: PER_LINUX" },
	{ .names = "personality", .arg = 0, .op = "SCMP_CMP_EQ", .value = 0x8,
	  .comment = "personality: PER_LINUX32" },
	{ .names = "personality", .arg = 0, .op = "SCMP_CMP_EQ", .value = 0x20000,
	  .comment = "personality: UNAME26" },
	{ .names = "personality", .arg = 0, .op = "SCMP_CMP_EQ", .value = 0x20008,
	  .comment = "personality: UNAME26 | PER_LINUX32" },
	{ .names = "personality", .arg = 0, .op = "SCMP_CMP_EQ", .value = 0xffffffff,
	  .comment = "personality: the query" },
	{ NOARG, .names = "arch_prctl", .arches = "amd64 x32" },
	{ NOARG, .names = "modify_ldt", .arches = "amd64 x32 x86" },
	{ NOARG, .names = "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint "
			  "cacheflush set_tls", .arches = "arm arm64" },
	{ .names = "clone", .arg = 0, .op = "SCMP_CMP_MASKED_EQ", .value = NS_FLAGS, .value_two = 0,
	  .not_caps = "CAP_SYS_ADMIN",
	  .comment = "clone without CLONE_NEW* flags: threads and processes, no namespaces" },
	{ NOARG, .names = "clone3", .errno_ret = ENOSYS, .not_caps = "CAP_SYS_ADMIN",
	  .comment = "clone3's flags are in memory, out of seccomp's reach: ENOSYS makes glibc "
		     "use clone" },
	{ NOARG, .caps = "CAP_SYS_ADMIN", .comment = "mounts, namespaces, system administration",
	  .names = "clone clone3 mount umount umount2 pivot_root unshare setns fsopen fsconfig "
		   "fsmount fspick move_mount open_tree mount_setattr fanotify_init lookup_dcookie "
		   "quotactl quotactl_fd sethostname setdomainname syslog bpf perf_event_open" },
	{ NOARG, .names = "chroot", .caps = "CAP_SYS_CHROOT" },
	{ NOARG, .names = "open_by_handle_at", .caps = "CAP_DAC_READ_SEARCH" },
	{ NOARG, .names = "reboot", .caps = "CAP_SYS_BOOT" },
	{ NOARG, .names = "init_module finit_module delete_module", .caps = "CAP_SYS_MODULE" },
	{ NOARG, .names = "acct", .caps = "CAP_SYS_PACCT" },
	{ NOARG, .names = "ptrace process_vm_readv process_vm_writev kcmp pidfd_getfd "
			  "process_madvise", .caps = "CAP_SYS_PTRACE" },
	{ NOARG, .names = "iopl ioperm", .caps = "CAP_SYS_RAWIO" },
	{ NOARG, .names = "settimeofday stime clock_settime clock_settime64", .caps = "CAP_SYS_TIME" },
	{ NOARG, .names = "vhangup", .caps = "CAP_SYS_TTY_CONFIG" },
	{ NOARG, .names = "get_mempolicy mbind set_mempolicy set_mempolicy_home_node",
	  .caps = "CAP_SYS_NICE" },
	{ NOARG, .names = "syslog", .caps = "CAP_SYSLOG" },
	{ NOARG, .names = "bpf", .caps = "CAP_BPF" },
	{ NOARG, .names = "perf_event_open", .caps = "CAP_PERFMON" },
};

/* ------------------------------------------------------------ architectures */

#if defined(__x86_64__) && defined(__ILP32__)
#define NATIVE "x32"
#define NATIVE_SCMP "SCMP_ARCH_X32"
#elif defined(__x86_64__)
#define NATIVE "amd64"
#define NATIVE_SCMP "SCMP_ARCH_X86_64"
#elif defined(__i386__)
#define NATIVE "x86"
#define NATIVE_SCMP "SCMP_ARCH_X86"
#elif defined(__aarch64__)
#define NATIVE "arm64"
#define NATIVE_SCMP "SCMP_ARCH_AARCH64"
#elif defined(__arm__)
#define NATIVE "arm"
#define NATIVE_SCMP "SCMP_ARCH_ARM"
#else
#define NATIVE NULL
#define NATIVE_SCMP NULL
#endif

const char *seccomp_native_arch(void)
{
	return NATIVE;
}

const char *seccomp_native_scmp_arch(void)
{
	return NATIVE_SCMP;
}

/* A 64-bit kernel runs its 32-bit programs too: they get the same rules. */
static json_object *arch_map_json(void)
{
	static const char *const map[][3] = {
		{ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" },
		{ "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL },
	};
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		json_object *e = json_object_new_object(), *sub = json_object_new_array();
		json_object_object_add(e, "architecture", json_object_new_string(map[i][0]));
		for (size_t k = 1; k < 3 && map[i][k]; k++)
			json_object_array_add(sub, json_object_new_string(map[i][k]));
		json_object_object_add(e, "subArchitectures", sub);
		json_object_array_add(a, e);
	}
	return a;
}

/* ------------------------------------------------------------ the profile */

static json_object *words_json(const char *list)
{
	_cleanup_free_ char *copy = xstrdup(list);
	json_object *a = json_object_new_array();
	char *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_object_array_add(a, json_object_new_string(w));
	return a;
}

static json_object *filter_json(const char *caps, const char *arches, const char *min_kernel)
{
	json_object *f = json_object_new_object();

	if (caps)
		json_object_object_add(f, "caps", words_json(caps));
	if (arches)
		json_object_object_add(f, "arches", words_json(arches));
	if (min_kernel)
		json_object_object_add(f, "minKernel", json_object_new_string(min_kernel));
	return f;
}

static json_object *rule_json(const struct rule *r)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "names", words_json(r->names));
	json_object_object_add(j, "action", json_object_new_string(r->errno_ret ? "SCMP_ACT_ERRNO"
										: "SCMP_ACT_ALLOW"));
	if (r->errno_ret)
		json_object_object_add(j, "errnoRet", json_object_new_int(r->errno_ret));
	if (r->arg >= 0) {
		json_object *args = json_object_new_array(), *a = json_object_new_object();
		json_object_object_add(a, "index", json_object_new_int(r->arg));
		json_object_object_add(a, "value", json_object_new_uint64(r->value));
		json_object_object_add(a, "valueTwo", json_object_new_uint64(r->value_two));
		json_object_object_add(a, "op", json_object_new_string(r->op));
		json_object_array_add(args, a);
		json_object_object_add(j, "args", args);
	}
	if (r->comment)
		json_object_object_add(j, "comment", json_object_new_string(r->comment));
	if (r->caps || r->arches || r->min_kernel)
		json_object_object_add(j, "includes", filter_json(r->caps, r->arches, r->min_kernel));
	if (r->not_caps)
		json_object_object_add(j, "excludes", filter_json(r->not_caps, NULL, NULL));
	return j;
}

json_object *seccomp_default_docker(void)
{
	json_object *p = json_object_new_object(), *calls = json_object_new_array();

	json_object_object_add(p, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(p, "defaultErrnoRet", json_object_new_int(SECCOMP_DEFAULT_ERRNO));
	json_object_object_add(p, "archMap", arch_map_json());
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		json_object_array_add(calls, rule_json(&rules[i]));
	json_object_object_add(p, "syscalls", calls);
	return p;
}

json_object *seccomp_default_profile(uint64_t caps)
{
	json_object *docker = seccomp_default_docker(), *out = NULL;
	struct ar_err err = { 0 };

	if (seccomp_profile_resolve(docker, caps, "the default seccomp profile", &out, &err) < 0)
		abort();	/* our own table: a unit test resolves it */
	json_object_put(docker);
	return out;
}
