/* argon — the device rules of a container on cgroup v2: an eBPF program of
 * type BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup
 * (cgroup v1 has devices.allow/deny files; v2 has only this). The program is
 * generated from the rules (last matching rule wins, as in runc/crun; the
 * default is deny), loaded with bpf(BPF_PROG_LOAD) and attached with
 * BPF_F_ALLOW_MULTI so a parent's program still applies.
 */
#ifndef ARGON_DEVFILTER_H
#define ARGON_DEVFILTER_H

#include <stddef.h>

#include "error.h"
#include "resources.h"

/* Builds the program for these rules. *insns is malloc'd (struct bpf_insn). */
int devfilter_build(const struct res_device_rule *rules, size_t n, void **insns,
		    size_t *n_insns, struct ar_err *err);
/* Loads the program and attaches it to the cgroup2 directory fd. Returns the
 * program fd (keep it only as long as needed: the attachment holds a ref). */
int devfilter_attach(int cgroup_dirfd, const struct res_device_rule *rules, size_t n,
		     struct ar_err *err);
/* Detaches every device program argon attached to this cgroup (update). */
int devfilter_detach_all(int cgroup_dirfd, struct ar_err *err);

#endif
