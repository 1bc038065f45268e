/* argon — the job object on cgroup v1: one directory per hierarchy, limits
 * written to each controller's files as runc's fs driver does. Hybrid hosts
 * use this backend too; their cgroup2 tree is joined alongside (cgroup.kill,
 * and hugetlb when that controller lives on v2). */
#define _GNU_SOURCE
#include "cgroup_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The container's dir in the hierarchy of one controller. */
struct v1_ctl {
	int fd;			/* -1 when the controller is not mounted */
	const char *dir;
};

static bool names_have(const char *names, const char *ctrl)
{
	size_t n = strlen(ctrl);

	for (const char *p = names; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, ctrl, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static int v1_ctl_open(struct cgroup *cg, const char *ctrl, struct v1_ctl *c, struct ar_err *err)
{
	*c = (struct v1_ctl){ -1, NULL };
	for (size_t i = 0; i < cg->n_v1; i++) {
		if (!names_have(cg->v1_names[i], ctrl))
			continue;
		c->dir = cg->v1_dirs[i];
		c->fd = cg_open_dir(c->dir, err);
		return c->fd < 0 ? -1 : 0;
	}
	return 0;
}

/* Like v1_ctl_open, for a limit that cannot be applied without it. */
static int v1_ctl_need(struct cgroup *cg, const char *ctrl, const char *what, struct v1_ctl *c,
		       struct ar_err *err)
{
	if (v1_ctl_open(cg, ctrl, c, err) < 0)
		return -1;
	if (c->fd < 0)
		return ar_error(err, ENOENT, "set %s: the `%s` cgroup controller is not mounted",
				what, ctrl);
	return 0;
}

static void v1_ctl_close(struct v1_ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

#define V1_CTL_AUTO __attribute__((cleanup(v1_ctl_close))) struct v1_ctl

/* ---- create, join ---- */

static bool blank(const char *s)
{
	return s[strspn(s, " \n")] == '\0';
}

/* A new cpuset starts with no CPUs and no memory nodes, and nothing can
 * join it then: give every level its parent's. */
static int cpuset_inherit(int parentfd, int fd, const char *dir, struct ar_err *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *mine = NULL, *parents = NULL;
		if (cg_read(fd, dir, files[i], &mine, err) < 0)
			return -1;
		if (!blank(mine))
			continue;
		if (cg_read(parentfd, dir, files[i], &parents, err) < 0)
			return -1;
		parents[strcspn(parents, "\n")] = '\0';
		if (cg_write(fd, dir, files[i], parents, err) < 0)
			return -1;
	}
	return 0;
}

static int v1_create(struct cgroup *cg, struct ar_err *err)
{
	struct cg_impl *c = cg_impl(cg);

	for (size_t i = 0; i < cg->n_v1; i++) {
		bool cpuset = names_have(cg->v1_names[i], "cpuset");
		if (cg_mkdir_p(c->v1_mounts[i], cg->path, cpuset ? cpuset_inherit : NULL, err) < 0)
			return -1;
	}
	/* Hybrid: the cgroup2 tree is joined for cgroup.kill; controllers
	 * are delegated there only when a limit needs one (v1_hugetlb). */
	return c->v2_dir ? cg_mkdir_p(cg->v2_root, cg->path, NULL, err) : 0;
}

static int join(const char *dir, pid_t pid, struct ar_err *err)
{
	_cleanup_close_ int fd = cg_open_dir(dir, err);

	if (fd < 0)
		return -1;
	return cg_writef(fd, dir, "cgroup.procs", err, "%d", (int)pid);
}

static int v1_add_pid(struct cgroup *cg, pid_t pid, struct ar_err *err)
{
	struct cg_impl *c = cg_impl(cg);

	for (size_t i = 0; i < cg->n_v1; i++)
		if (join(cg->v1_dirs[i], pid, err) < 0)
			return -1;
	return c->v2_dir ? join(c->v2_dir, pid, err) : 0;
}

static int v1_join_self(struct cgroup *cg, bool born_in_v2, struct ar_err *err)
{
	struct cg_impl *c = cg_impl(cg);

	for (size_t i = 0; i < cg->n_v1; i++)
		if (cg_v1_join_self(cg->v1_dirs[i], err) < 0)
			return -1;
	return c->v2_dir && !born_in_v2 ? join(c->v2_dir, getpid(), err) : 0;
}

/* ---- memory ---- */

static int write_i64(const struct v1_ctl *c, const char *file, int64_t v, struct ar_err *err)
{
	return cg_writef(c->fd, c->dir, file, err, "%" PRId64, v);
}

/* runc's order: when the new swap limit is above the current memory limit
 * (raising), memsw goes first, else memory first; the kernel insists on
 * memory <= memory+swap at every step. */
static int v1_memory_limits(const struct v1_ctl *c, const struct resources *r,
			    struct ar_err *err)
{
	int64_t mem = r->memory.limit.set ? r->memory.limit.v : 0;
	int64_t swap = r->memory.swap.set ? r->memory.swap.v : 0;
	bool has_memsw = cg_has_file(c->fd, "memory.memsw.limit_in_bytes");
	uint64_t cur = 0;
	bool swap_first;

	if (mem == -1 && swap == 0 && has_memsw)
		swap = -1;	/* unlimited memory means unlimited swap too */
	if (swap != 0 && !has_memsw)
		return ar_error(err, 0, "set memory.swap `%" PRId64 "` in `%s`: swap accounting is "
				"disabled (no memory.memsw.limit_in_bytes)", swap, c->dir);
	swap_first = mem != 0 && swap != 0 &&
		     (swap == -1 || (cg_read_u64(c->fd, "memory.limit_in_bytes", &cur) &&
				     cur < (uint64_t)swap));
	if (swap_first && write_i64(c, "memory.memsw.limit_in_bytes", swap, err) < 0)
		return -1;
	if (mem != 0 && write_i64(c, "memory.limit_in_bytes", mem, err) < 0)
		return -1;
	if (!swap_first && swap != 0 && write_i64(c, "memory.memsw.limit_in_bytes", swap, err) < 0)
		return -1;
	return 0;
}

static int v1_memory(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	const __typeof__(r->memory) *m = &r->memory;
	V1_CTL_AUTO c = { -1, NULL };
	uint64_t cur;

	if (!m->limit.set && !m->reservation.set && !m->swap.set && !m->swappiness.set &&
	    !m->has_disable_oom_killer && !m->has_use_hierarchy)
		return 0;
	if (v1_ctl_need(cg, "memory", "memory limits", &c, err) < 0 ||
	    v1_memory_limits(&c, r, err) < 0)
		return -1;
	if (m->reservation.set && write_i64(&c, "memory.soft_limit_in_bytes", m->reservation.v, err))
		return -1;
	if (m->swappiness.set &&
	    cg_writef(c.fd, c.dir, "memory.swappiness", err, "%" PRIu64, m->swappiness.v) < 0)
		return -1;
	if (m->has_disable_oom_killer &&
	    cg_write(c.fd, c.dir, "memory.oom_control", m->disable_oom_killer ? "1" : "0", err) < 0)
		return -1;
	/* Newer kernels only accept the value they already have. */
	if (m->has_use_hierarchy && !(cg_read_u64(c.fd, "memory.use_hierarchy", &cur) &&
				      cur == (uint64_t)m->use_hierarchy))
		return cg_write(c.fd, c.dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0",
				err);
	return 0;
}

/* ---- cpu, cpuset, pids ---- */

/* runc: a smaller period can be refused (EINVAL) while the old quota is in
 * place; then it is written again after the quota. */
static int v1_cpu_bandwidth(const struct v1_ctl *c, const struct resources *r,
			    struct ar_err *err)
{
	bool period_again = false;

	if (r->cpu.period.set && r->cpu.period.v != 0 &&
	    cg_writef(c->fd, c->dir, "cpu.cfs_period_us", err, "%" PRIu64, r->cpu.period.v) < 0) {
		if (err->errnum != EINVAL || !r->cpu.quota.set)
			return -1;
		ar_err_clear(err);
		period_again = true;
	}
	if (r->cpu.quota.set && write_i64(c, "cpu.cfs_quota_us", r->cpu.quota.v, err) < 0)
		return -1;
	if (period_again &&
	    cg_writef(c->fd, c->dir, "cpu.cfs_period_us", err, "%" PRIu64, r->cpu.period.v) < 0)
		return -1;
	if (r->cpu.burst.set &&
	    cg_writef(c->fd, c->dir, "cpu.cfs_burst_us", err, "%" PRIu64, r->cpu.burst.v) < 0)
		return -1;
	return 0;
}

static int v1_cpu_shares(const struct v1_ctl *c, uint64_t shares, struct ar_err *err)
{
	uint64_t got = 0;

	if (cg_writef(c->fd, c->dir, "cpu.shares", err, "%" PRIu64, shares) < 0)
		return -1;
	/* The kernel clamps silently; say so, as runc does. */
	if (cg_read_u64(c->fd, "cpu.shares", &got) && got != shares)
		return ar_error(err, 0, "set cpu.shares `%" PRIu64 "` in `%s`: the kernel made it %"
				PRIu64, shares, c->dir, got);
	return 0;
}

static int v1_cpu(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	V1_CTL_AUTO c = { -1, NULL };

	if (!r->cpu.shares.set && !r->cpu.quota.set && !r->cpu.period.set &&
	    !r->cpu.realtime_runtime.set && !r->cpu.realtime_period.set && !r->cpu.burst.set &&
	    !r->cpu.idle.set)
		return 0;
	if (v1_ctl_need(cg, "cpu", "cpu limits", &c, err) < 0)
		return -1;
	if (r->cpu.shares.set && r->cpu.shares.v != 0 && v1_cpu_shares(&c, r->cpu.shares.v, err))
		return -1;
	if (v1_cpu_bandwidth(&c, r, err) < 0)
		return -1;
	if (r->cpu.realtime_period.set && cg_writef(c.fd, c.dir, "cpu.rt_period_us", err,
						    "%" PRIu64, r->cpu.realtime_period.v) < 0)
		return -1;
	if (r->cpu.realtime_runtime.set &&
	    write_i64(&c, "cpu.rt_runtime_us", r->cpu.realtime_runtime.v, err) < 0)
		return -1;
	if (r->cpu.idle.set && (r->cpu.idle.v != 0 || cg_has_file(c.fd, "cpu.idle")))
		return write_i64(&c, "cpu.idle", r->cpu.idle.v, err);
	return 0;
}

static int v1_cpuset_pids(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	V1_CTL_AUTO cs = { -1, NULL };
	V1_CTL_AUTO p = { -1, NULL };

	if (r->cpu.cpus || r->cpu.mems) {
		if (v1_ctl_need(cg, "cpuset", "cpuset", &cs, err) < 0)
			return -1;
		if (r->cpu.cpus && cg_write(cs.fd, cs.dir, "cpuset.cpus", r->cpu.cpus, err) < 0)
			return -1;
		if (r->cpu.mems && cg_write(cs.fd, cs.dir, "cpuset.mems", r->cpu.mems, err) < 0)
			return -1;
	}
	if (!r->pids.limit.set)
		return 0;
	if (v1_ctl_need(cg, "pids", "pids.limit", &p, err) < 0)
		return -1;
	if (r->pids.limit.v <= 0)
		return cg_write(p.fd, p.dir, "pids.max", "max", err);
	return write_i64(&p, "pids.max", r->pids.limit.v, err);
}

/* ---- blkio, hugetlb, devices ---- */

/* The CFQ file when the kernel has it, else BFQ's (runc's fallback). */
static const char *pick(const struct v1_ctl *c, const char *cfq, const char *bfq)
{
	return cg_has_file(c->fd, cfq) || !cg_has_file(c->fd, bfq) ? cfq : bfq;
}

static int v1_blkio_devices(const struct v1_ctl *c, const struct resources *r,
			    struct ar_err *err)
{
	static const char *const throttle_files[4] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
	const char *weight_file = pick(c, "blkio.weight_device", "blkio.bfq.weight_device");

	for (size_t i = 0; i < r->blkio.n_weight_device; i++) {
		const struct res_blkio_dev *d = &r->blkio.weight_device[i];
		if (d->weight.set && cg_writef(c->fd, c->dir, weight_file, err, "%" PRId64 ":%"
					       PRId64 " %" PRIu64, d->major, d->minor,
					       d->weight.v) < 0)
			return -1;
		if (d->leaf_weight.set &&
		    cg_writef(c->fd, c->dir, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64
			      " %" PRIu64, d->major, d->minor, d->leaf_weight.v) < 0)
			return -1;
	}
	for (size_t t = 0; t < 4; t++) {
		for (size_t i = 0; i < r->blkio.n_throttle[t]; i++) {
			const struct res_blkio_dev *d = &r->blkio.throttle[t][i];
			if (cg_writef(c->fd, c->dir, throttle_files[t], err,
				      "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				      d->rate) < 0)
				return -1;
		}
	}
	return 0;
}

static int v1_blkio(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	V1_CTL_AUTO c = { -1, NULL };
	size_t n_throttle = 0;

	for (size_t t = 0; t < 4; t++)
		n_throttle += r->blkio.n_throttle[t];
	if (!r->blkio.weight.set && !r->blkio.leaf_weight.set && r->blkio.n_weight_device == 0 &&
	    n_throttle == 0)
		return 0;
	if (v1_ctl_need(cg, "blkio", "blkio limits", &c, err) < 0)
		return -1;
	if (r->blkio.weight.set && cg_writef(c.fd, c.dir, pick(&c, "blkio.weight", "blkio.bfq.weight"),
					     err, "%" PRIu64, r->blkio.weight.v) < 0)
		return -1;
	if (r->blkio.leaf_weight.set && cg_writef(c.fd, c.dir, "blkio.leaf_weight", err,
						  "%" PRIu64, r->blkio.leaf_weight.v) < 0)
		return -1;
	return v1_blkio_devices(&c, r, err);
}

/* hugetlb.<size>.limit_in_bytes; on hybrid hosts whose hugetlb controller
 * sits on the cgroup2 tree, that tree's hugetlb.<size>.max. */
static int v1_hugetlb(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	V1_CTL_AUTO c = { -1, NULL };
	const char *suffix = "limit_in_bytes";

	if (r->n_hugepages == 0)
		return 0;
	if (v1_ctl_open(cg, "hugetlb", &c, err) < 0)
		return -1;
	if (c.fd < 0 && cg_impl(cg)->v2_dir == NULL)
		return v1_ctl_need(cg, "hugetlb", "hugepage limits", &c, err);
	if (c.fd < 0) {
		cg_v2_enable_controllers(cg->v2_root, cg->path);
		c.dir = cg_impl(cg)->v2_dir;
		c.fd = cg_open_dir(c.dir, err);
		if (c.fd < 0)
			return -1;
		suffix = "max";
	}
	for (size_t i = 0; i < r->n_hugepages; i++) {
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.%s", r->hugepages[i].pagesize,
						      suffix);
		if (cg_writef(c.fd, c.dir, file, err, "%" PRIu64, r->hugepages[i].limit) < 0)
			return -1;
	}
	return 0;
}

static void device_rule(const struct res_device_rule *d, char *buf, size_t size)
{
	char maj[24], min[24];

	if (d->type == 'a') {
		snprintf(buf, size, "a");
		return;
	}
	cg_devnum(d->major, maj);
	cg_devnum(d->minor, min);
	snprintf(buf, size, "%c %s:%s %s", d->type, maj, min, d->access);
}

/* Deny everything, then the rules in order (the last matching rule wins,
 * as the OCI spec says). Skipping the reset when nothing is allowed yet
 * keeps it working on a cgroup that has sub-cgroups (update). */
static int v1_devices(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	V1_CTL_AUTO c = { -1, NULL };
	_cleanup_free_ char *list = NULL;

	if (r->n_devices == 0)
		return 0;
	if (v1_ctl_need(cg, "devices", "device rules", &c, err) < 0 ||
	    cg_read(c.fd, c.dir, "devices.list", &list, err) < 0)
		return -1;
	if (!blank(list) && cg_write(c.fd, c.dir, "devices.deny", "a", err) < 0)
		return -1;
	for (size_t i = 0; i < r->n_devices; i++) {
		char rule[80];
		device_rule(&r->devices[i], rule, sizeof rule);
		if (cg_write(c.fd, c.dir, r->devices[i].allow ? "devices.allow" : "devices.deny",
			     rule, err) < 0)
			return -1;
	}
	return 0;
}

static int v1_apply(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	if (r->n_unified > 0)
		return ar_error(err, EINVAL, "set linux.resources.unified `%s`: needs cgroup v2",
				r->unified[0].key);
	if (v1_memory(cg, r, err) < 0 || v1_cpu(cg, r, err) < 0 || v1_cpuset_pids(cg, r, err) < 0 ||
	    v1_blkio(cg, r, err) < 0 || v1_hugetlb(cg, r, err) < 0 || v1_devices(cg, r, err) < 0)
		return -1;
	return 0;
}

/* ---- freezer ---- */

static bool state_is(const char *text, const char *want)
{
	size_t n = strlen(want);

	return strncmp(text, want, n) == 0 && (text[n] == '\n' || text[n] == '\0');
}

/* Writes the state again on every round: a task that was forking when
 * the freeze began is only caught by a retry. */
static int v1_freeze(struct cgroup *cg, bool frozen, struct ar_err *err)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	const char *want = frozen ? "FROZEN" : "THAWED";
	V1_CTL_AUTO c = { -1, NULL };
	struct ar_err ignored = { 0 };

	if (v1_ctl_need(cg, "freezer", frozen ? "freeze" : "thaw", &c, err) < 0)
		return -1;
	for (int round = 0; round < 200; round++) {	/* ~2 s */
		_cleanup_free_ char *state = NULL;
		if (cg_write(c.fd, c.dir, "freezer.state", want, err) < 0 ||
		    cg_read(c.fd, c.dir, "freezer.state", &state, err) < 0)
			return -1;
		if (state_is(state, want))
			return 0;
		nanosleep(&tick, NULL);
	}
	if (frozen && cg_write(c.fd, c.dir, "freezer.state", "THAWED", &ignored) < 0)
		ar_err_clear(&ignored);
	return ar_error(err, ETIMEDOUT, "%s cgroup `%s`: freezer.state did not become %s",
			frozen ? "freeze" : "thaw", c.dir, want);
}

static bool v1_is_frozen(struct cgroup *cg)
{
	V1_CTL_AUTO c = { -1, NULL };
	_cleanup_free_ char *state = NULL;
	struct ar_err ignored = { 0 };
	bool frozen;

	frozen = v1_ctl_open(cg, "freezer", &c, &ignored) == 0 && c.fd >= 0 &&
		 cg_read(c.fd, c.dir, "freezer.state", &state, &ignored) == 0 &&
		 state_is(state, "FROZEN");
	ar_err_clear(&ignored);
	return frozen;
}

/* Every hierarchy is read: a process moved to a sub-cgroup of one of them
 * is still the container's. */
static int v1_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct ar_err *err)
{
	struct cg_pidset set = { 0 };
	struct cg_impl *c = cg_impl(cg);

	for (size_t i = 0; i < cg->n_v1; i++) {
		if (cg_collect_pids(cg->v1_dirs[i], &set, err) < 0) {
			free(set.v);
			return -1;
		}
	}
	if (c->v2_dir && cg_collect_pids(c->v2_dir, &set, err) < 0) {
		free(set.v);
		return -1;
	}
	cg_pidset_finish(&set, pids, n);
	return 0;
}

/* ---- stats ---- */

static void v1_percpu(int fd, struct cg_stats *st)
{
	_cleanup_free_ char *text = NULL;
	struct ar_err ignored = { 0 };
	size_t cap = 0;
	char *p, *end;

	if (read_file_at(fd, "cpuacct.usage_percpu", &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return;
	}
	for (p = text;; p = end) {
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		if (st->n_cpus == cap) {
			cap = cap ? cap * 2 : 8;
			st->cpu_percpu_ns = xrealloc(st->cpu_percpu_ns, cap * sizeof(uint64_t));
		}
		st->cpu_percpu_ns[st->n_cpus++] = v;
	}
}

static void v1_stats_cpu(struct cgroup *cg, struct cg_stats *st, struct ar_err *ignored)
{
	V1_CTL_AUTO acct = { -1, NULL };
	V1_CTL_AUTO cpu = { -1, NULL };
	uint64_t user = 0, sys = 0, ns_per_tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);

	if (v1_ctl_open(cg, "cpuacct", &acct, ignored) == 0 && acct.fd >= 0) {
		cg_read_u64(acct.fd, "cpuacct.usage", &st->cpu_total_ns);
		v1_percpu(acct.fd, st);
		cg_file_keyed(acct.fd, "cpuacct.stat", "user", &user);
		cg_file_keyed(acct.fd, "cpuacct.stat", "system", &sys);
		st->cpu_user_ns = user * ns_per_tick;	/* USER_HZ ticks */
		st->cpu_system_ns = sys * ns_per_tick;
	}
	if (v1_ctl_open(cg, "cpu", &cpu, ignored) == 0 && cpu.fd >= 0) {
		cg_file_keyed(cpu.fd, "cpu.stat", "nr_periods", &st->cpu_periods);
		cg_file_keyed(cpu.fd, "cpu.stat", "nr_throttled", &st->cpu_throttled_periods);
		cg_file_keyed(cpu.fd, "cpu.stat", "throttled_time", &st->cpu_throttled_ns);
	}
}

static void v1_stats_memory(struct cgroup *cg, struct cg_stats *st, struct ar_err *ignored)
{
	V1_CTL_AUTO c = { -1, NULL };

	if (v1_ctl_open(cg, "memory", &c, ignored) < 0 || c.fd < 0)
		return;
	cg_read_u64(c.fd, "memory.usage_in_bytes", &st->mem_usage);
	cg_read_u64(c.fd, "memory.max_usage_in_bytes", &st->mem_max_usage);
	cg_read_u64(c.fd, "memory.limit_in_bytes", &st->mem_limit);
	cg_read_u64(c.fd, "memory.failcnt", &st->mem_failcnt);
	cg_file_keyed(c.fd, "memory.stat", "cache", &st->mem_cache);
	cg_file_keyed(c.fd, "memory.stat", "rss", &st->mem_rss);
	cg_read_u64(c.fd, "memory.memsw.usage_in_bytes", &st->swap_usage);
	cg_read_u64(c.fd, "memory.memsw.limit_in_bytes", &st->swap_limit);
	cg_file_keyed(c.fd, "memory.oom_control", "oom_kill", &st->oom_kills);
}

/* "MAJ:MIN Read N" lines; the _recursive files count sub-cgroups too. */
static void v1_blkio_sum(int fd, const char *file, uint64_t *rd, uint64_t *wr)
{
	_cleanup_free_ char *rec = xasprintf("%s_recursive", file), *text = NULL;
	struct ar_err ignored = { 0 };
	char *save = NULL;

	if (read_file_at(fd, rec, &text, NULL, &ignored) < 0 &&
	    read_file_at(fd, file, &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return;
	}
	ar_err_clear(&ignored);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char op[16];
		unsigned long long v;
		if (sscanf(l, "%*s %15s %llu", op, &v) != 2)
			continue;
		if (strcmp(op, "Read") == 0)
			*rd += v;
		else if (strcmp(op, "Write") == 0)
			*wr += v;
	}
}

static int v1_stats(struct cgroup *cg, struct cg_stats *st, struct ar_err *err)
{
	V1_CTL_AUTO pids = { -1, NULL };
	V1_CTL_AUTO blkio = { -1, NULL };
	struct ar_err ignored = { 0 };

	memset(st, 0, sizeof *st);
	for (size_t i = 0; i < cg->n_v1; i++)
		if (access(cg->v1_dirs[i], F_OK) < 0)
			return ar_error(err, errno, "read stats of cgroup `%s`", cg->v1_dirs[i]);
	v1_stats_cpu(cg, st, &ignored);
	v1_stats_memory(cg, st, &ignored);
	if (v1_ctl_open(cg, "pids", &pids, &ignored) == 0 && pids.fd >= 0) {
		cg_read_u64(pids.fd, "pids.current", &st->pids_current);
		cg_read_u64(pids.fd, "pids.max", &st->pids_limit);
		if (st->pids_limit == UINT64_MAX)
			st->pids_limit = 0;
	}
	if (v1_ctl_open(cg, "blkio", &blkio, &ignored) == 0 && blkio.fd >= 0) {
		v1_blkio_sum(blkio.fd, "blkio.throttle.io_service_bytes", &st->io_read_bytes,
			     &st->io_write_bytes);
		v1_blkio_sum(blkio.fd, "blkio.throttle.io_serviced", &st->io_read_ops,
			     &st->io_write_ops);
	}
	ar_err_clear(&ignored);
	return 0;
}

/* ---- OOM notification, removal ---- */

/* The v1 memory controller signals an eventfd registered through
 * cgroup.event_control with "<eventfd> <fd of memory.oom_control>". */
static int v1_oom_fd(struct cgroup *cg, struct ar_err *err)
{
	V1_CTL_AUTO c = { -1, NULL };
	_cleanup_close_ int efd = -1, ofd = -1;

	if (v1_ctl_need(cg, "memory", "an OOM notification", &c, err) < 0)
		return -1;
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return ar_error(err, errno, "create eventfd");
	ofd = openat(c.fd, "memory.oom_control", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0)
		return ar_error(err, errno, "open `memory.oom_control` in `%s`", c.dir);
	if (cg_writef(c.fd, c.dir, "cgroup.event_control", err, "%d %d", efd, ofd) < 0)
		return -1;
	return steal_fd(&efd);
}

static int v1_destroy(struct cgroup *cg, struct ar_err *err)
{
	struct cg_impl *c = cg_impl(cg);
	struct ar_err later = { 0 };
	int ret = 0;

	/* Every hierarchy is tried; the first failure is the one reported. */
	for (size_t i = 0; i <= cg->n_v1; i++) {
		const char *dir = i < cg->n_v1 ? cg->v1_dirs[i] : c->v2_dir;
		if (dir == NULL)
			break;
		if (cg_rmdir_tree(dir, ret < 0 ? &later : err) < 0)
			ret = -1;
		ar_err_clear(&later);
		cg_rmdir_default_parent(i < cg->n_v1 ? c->v1_mounts[i] : cg->v2_root, cg->path);
	}
	return ret;
}

const struct cg_ops cg_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.apply = v1_apply,
	.add_pid = v1_add_pid,
	.join_self = v1_join_self,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.pids = v1_pids,
	.stats = v1_stats,
	.oom_fd = v1_oom_fd,
	.destroy = v1_destroy,
};
