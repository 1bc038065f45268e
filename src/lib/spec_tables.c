/* argon — name tables of config.json: namespaces, hooks, capabilities, rlimits.
 *
 * Shared by the parser, the CLI and `features`, so the words argon accepts
 * are written down exactly once.
 */
#include <linux/capability.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>

#include "spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	int clone_flag;
} ns_table[NS__COUNT] = {
	[NS_PID] = { "pid", CLONE_NEWPID },
	[NS_NET] = { "network", CLONE_NEWNET },
	[NS_IPC] = { "ipc", CLONE_NEWIPC },
	[NS_UTS] = { "uts", CLONE_NEWUTS },
	[NS_MOUNT] = { "mount", CLONE_NEWNS },
	[NS_USER] = { "user", CLONE_NEWUSER },
	[NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *spec_ns_name(enum spec_ns_type t)
{
	if ((unsigned)t >= NS__COUNT)
		return NULL;
	return ns_table[t].name;
}

int spec_ns_clone_flag(enum spec_ns_type t)
{
	if ((unsigned)t >= NS__COUNT)
		return 0;
	return ns_table[t].clone_flag;
}

static const char *const hook_names[HOOK__COUNT] = {
	[HOOK_PRESTART] = "prestart",
	[HOOK_CREATE_RUNTIME] = "createRuntime",
	[HOOK_CREATE_CONTAINER] = "createContainer",
	[HOOK_START_CONTAINER] = "startContainer",
	[HOOK_POSTSTART] = "poststart",
	[HOOK_POSTSTOP] = "poststop",
};

const char *spec_hook_name(enum spec_hook_kind k)
{
	if ((unsigned)k >= HOOK__COUNT)
		return NULL;
	return hook_names[k];
}

#define CAP(n) [CAP_##n] = "CAP_" #n
static const char *const cap_names[] = {
	CAP(CHOWN), CAP(DAC_OVERRIDE), CAP(DAC_READ_SEARCH), CAP(FOWNER),
	CAP(FSETID), CAP(KILL), CAP(SETGID), CAP(SETUID), CAP(SETPCAP),
	CAP(LINUX_IMMUTABLE), CAP(NET_BIND_SERVICE), CAP(NET_BROADCAST),
	CAP(NET_ADMIN), CAP(NET_RAW), CAP(IPC_LOCK), CAP(IPC_OWNER),
	CAP(SYS_MODULE), CAP(SYS_RAWIO), CAP(SYS_CHROOT), CAP(SYS_PTRACE),
	CAP(SYS_PACCT), CAP(SYS_ADMIN), CAP(SYS_BOOT), CAP(SYS_NICE),
	CAP(SYS_RESOURCE), CAP(SYS_TIME), CAP(SYS_TTY_CONFIG), CAP(MKNOD),
	CAP(LEASE), CAP(AUDIT_WRITE), CAP(AUDIT_CONTROL), CAP(SETFCAP),
	CAP(MAC_OVERRIDE), CAP(MAC_ADMIN), CAP(SYSLOG), CAP(WAKE_ALARM),
	CAP(BLOCK_SUSPEND), CAP(AUDIT_READ), CAP(PERFMON), CAP(BPF),
	CAP(CHECKPOINT_RESTORE),
};
#undef CAP

/* Like runc, the "CAP_" prefix is required and the match is exact. */
int cap_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (cap_names[i] && strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

int cap_last_known(void)
{
	return (int)ARRAY_SIZE(cap_names) - 1;
}

#define RL(n) { "RLIMIT_" #n, RLIMIT_##n }
static const struct {
	const char *name;
	int resource;
} rlimit_table[] = {
	RL(AS), RL(CORE), RL(CPU), RL(DATA), RL(FSIZE), RL(LOCKS), RL(MEMLOCK),
	RL(MSGQUEUE), RL(NICE), RL(NOFILE), RL(NPROC), RL(RSS), RL(RTPRIO),
	RL(RTTIME), RL(SIGPENDING), RL(STACK),
};
#undef RL

int rlimit_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
		if (strcmp(rlimit_table[i].name, name) == 0)
			return rlimit_table[i].resource;
	return -1;
}
