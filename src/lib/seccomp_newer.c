/* argon — syscalls newer than libseccomp: ENOSYS, not the default action.
 *
 * A profile is an allowlist written against the syscalls libseccomp knows.
 * A kernel newer than libseccomp has more (fchmodat2, mseal, statmount,
 * ...), and under a denying default action they would fail with EPERM, or
 * kill. A newer libc probes such calls and falls back to an older one only
 * on ENOSYS ("this kernel has no such call"), so the filter answers ENOSYS
 * for any native syscall number above the highest libseccomp names, as
 * runc does. Numbers from MAX_PROBED_NR up (ARM's private calls at
 * 0xf0000, x32's with bit 30 set) and other architectures go on to the
 * profile's own program.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "seccomp_priv.h"
#include "util.h"

#define MAX_PROBED_NR 2048u

/* The highest native syscall number libseccomp can name, 0 if none. */
static unsigned int highest_known_nr(void)
{
	unsigned int max = 0;

	for (unsigned int nr = 0; nr < MAX_PROBED_NR; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
		if (name) {
			max = nr;
			free(name);
		}
	}
	return max;
}

static bool default_denies(uint32_t def_action)
{
	return def_action != SCMP_ACT_ALLOW && def_action != SCMP_ACT_LOG;
}

void sc_prepend_enosys_stub(struct seccomp_prog *prog, uint32_t def_action)
{
	unsigned int max = highest_known_nr();
	const struct sock_filter stub[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, MAX_PROBED_NR, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* the profile's program follows: it loads the arch itself */
	};
	size_t n = sizeof stub / sizeof stub[0];
	struct sock_filter *insns;

	if (!default_denies(def_action) || max == 0 || prog->len + n > BPF_MAXINSNS)
		return;
	insns = xmalloc((prog->len + n) * sizeof *insns);
	memcpy(insns, stub, sizeof stub);
	memcpy(insns + n, prog->insns, prog->len * sizeof *insns);
	free(prog->insns);
	prog->insns = insns;
	prog->len += n;
}
