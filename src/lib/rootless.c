/* argon — what changes when the runtime runs without root: the state root,
 * the required user namespace, and the job object (a cgroup only where one
 * was delegated; limits that cannot be applied are refused, never dropped).
 */
#define _GNU_SOURCE
#include "rootless.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idmap.h"
#include "util.h"

#define ROOT_STATE_DIR "/run/argon-runtime"

bool rootless_euid(void)
{
	return geteuid() != 0;
}

int runtime_default_root(char **out, struct ar_err *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	unsigned uid = (unsigned)geteuid();
	struct stat st;

	*out = NULL;
	if (uid == 0) {
		*out = xstrdup(ROOT_STATE_DIR);
		return 0;
	}
	if (xdg == NULL || xdg[0] != '/')
		return ar_fail(err, EINVAL, "rootless (uid %u): XDG_RUNTIME_DIR is not set to an "
			       "absolute path: give the state directory with --root (for example "
			       "--root /run/user/%u/argon-runtime)", uid, uid);
	if (stat(xdg, &st) < 0)
		return ar_error(err, errno, "rootless (uid %u): XDG_RUNTIME_DIR `%s`: give the "
				"state directory with --root", uid, xdg);
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return ar_fail(err, EPERM, "rootless (uid %u): XDG_RUNTIME_DIR `%s` is not a "
			       "directory of ours (owner uid %u): give the state directory with "
			       "--root", uid, xdg, (unsigned)st.st_uid);
	*out = xasprintf("%s/argon-runtime", xdg);
	return 0;
}

int rootless_adjust_spec(struct spec *s, struct ar_err *err)
{
	if (!rootless_euid())
		return 0;
	if (!s->linux.ns[NS_USER].enabled)
		return ar_fail(err, EPERM, "config.json: linux.namespaces: running as uid %u "
			       "(not root), the container needs a user namespace (`argon-runtime "
			       "spec --rootless` writes such a config)", (unsigned)geteuid());
	if (!s->linux.ns[NS_USER].path && idmap_check(&s->linux, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct spec_mount *m = &s->mounts[i];
		if (m->type && (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)) {
			m->flags |= MS_RDONLY;
			m->clear_flags &= ~(unsigned long)MS_RDONLY;
		}
	}
	return 0;
}

#define R "linux.resources."

const char *resources_first_limit(const struct resources *r)
{
	const struct { bool set; const char *name; } v[] = {
		{ r->memory.limit.set, R "memory.limit" },
		{ r->memory.reservation.set, R "memory.reservation" },
		{ r->memory.swap.set, R "memory.swap" },
		{ r->memory.swappiness.set, R "memory.swappiness" },
		{ r->memory.disable_oom_killer, R "memory.disableOOMKiller" },
		{ r->memory.use_hierarchy, R "memory.useHierarchy" },
		{ r->cpu.shares.set, R "cpu.shares" },
		{ r->cpu.quota.set, R "cpu.quota" },
		{ r->cpu.period.set, R "cpu.period" },
		{ r->cpu.realtime_runtime.set, R "cpu.realtimeRuntime" },
		{ r->cpu.realtime_period.set, R "cpu.realtimePeriod" },
		{ r->cpu.burst.set, R "cpu.burst" },
		{ r->cpu.idle.set, R "cpu.idle" },
		{ r->cpu.cpus != NULL, R "cpu.cpus" },
		{ r->cpu.mems != NULL, R "cpu.mems" },
		{ r->pids.limit.set, R "pids.limit" },
		{ r->blkio.weight.set, R "blockIO.weight" },
		{ r->blkio.leaf_weight.set, R "blockIO.leafWeight" },
		{ r->blkio.n_weight_device > 0, R "blockIO.weightDevice" },
		{ r->blkio.n_throttle[RES_THROTTLE_READ_BPS] > 0, R "blockIO.throttleReadBpsDevice" },
		{ r->blkio.n_throttle[RES_THROTTLE_WRITE_BPS] > 0, R "blockIO.throttleWriteBpsDevice" },
		{ r->blkio.n_throttle[RES_THROTTLE_READ_IOPS] > 0, R "blockIO.throttleReadIOPSDevice" },
		{ r->blkio.n_throttle[RES_THROTTLE_WRITE_IOPS] > 0,
		  R "blockIO.throttleWriteIOPSDevice" },
		{ r->n_hugepages > 0, R "hugepageLimits" },
		{ r->n_unified > 0, R "unified" },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i].set)
			return v[i].name;
	return NULL;
}

int rootless_job(struct cgroup **cg, struct resources *res, struct ar_err *err)
{
	_cleanup_free_ char *why = NULL;
	const char *limit;

	if (!rootless_euid())
		return 0;
	free(res->devices);
	res->devices = NULL;
	res->n_devices = 0;
	if (cgroup_writable(*cg, &why))
		return 0;
	limit = resources_first_limit(res);
	if (limit)
		return ar_fail(err, EPERM, "rootless: cannot apply %s: no writable cgroup "
			       "delegated to uid %u (for `%s`: %s)", limit, (unsigned)geteuid(),
			       (*cg)->path, why);
	/* Nothing asked that needs one: run without, as runc does. */
	cgroup_free(*cg);
	*cg = NULL;
	return 0;
}
