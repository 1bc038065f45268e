/* argon — the job object on the unified hierarchy (cgroup v2): one
 * directory, controllers delegated from the root down, limits in the v2
 * files with runc's conversions from the v1-shaped config, device rules as
 * an eBPF program (devfilter.c). */
#define _GNU_SOURCE
#include "cgroup_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devfilter.h"
#include "util.h"

/* The container's cgroup2 dir, opened for one operation. */
struct v2_dir {
	int fd;
	const char *dir;
};

static void v2_dir_close(struct v2_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
}

#define V2_DIR_AUTO __attribute__((cleanup(v2_dir_close))) struct v2_dir

static int v2_open(struct cgroup *cg, struct v2_dir *d, struct ar_err *err)
{
	d->dir = cg_impl(cg)->v2_dir;
	d->fd = cg_open_dir(d->dir, err);
	return d->fd < 0 ? -1 : 0;
}

/* ---- create, join ---- */

static void enable_offered(int fd)
{
	static const char *const wanted[] = { "cpu", "memory", "io", "pids", "cpuset",
					      "hugetlb" };
	_cleanup_free_ char *offered = NULL, *procs = NULL;
	struct ar_err ignored = { 0 };

	/* A non-root cgroup with processes of its own is left alone: the
	 * kernel would accept the threaded controllers (pids, cpuset) and
	 * thereby turn it into a thread root, and its domain children could
	 * no longer take processes (EOPNOTSUPP). The root (no cgroup.type)
	 * is exempt from that rule. */
	if (cg_has_file(fd, "cgroup.type") &&
	    (read_file_at(fd, "cgroup.procs", &procs, NULL, &ignored) < 0 || procs[0] != '\0')) {
		ar_err_clear(&ignored);
		return;
	}
	if (read_file_at(fd, "cgroup.controllers", &offered, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return;
	}
	for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
		size_t n = strlen(wanted[i]);
		for (const char *p = strstr(offered, wanted[i]); p; p = strstr(p + n, wanted[i])) {
			if ((p != offered && p[-1] != ' ') || (p[n] && p[n] != ' ' && p[n] != '\n'))
				continue;
			/* One at a time, errors ignored (as runc): a controller
			 * the parent cannot delegate only matters if a limit
			 * needs it, and apply says so then. */
			char plus[16];
			snprintf(plus, sizeof plus, "+%s", wanted[i]);
			if (cg_write(fd, "", "cgroup.subtree_control", plus, &ignored) < 0)
				ar_err_clear(&ignored);
			break;
		}
	}
}

void cg_v2_enable_controllers(const char *mount, const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	_cleanup_close_ int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *save = NULL, *next;

	/* The container's own level is left alone: its processes live there
	 * and v2 forbids processes in a cgroup that delegates controllers. */
	for (char *c = strtok_r(copy, "/", &save); fd >= 0 && c; c = next) {
		int sub;
		next = strtok_r(NULL, "/", &save);
		enable_offered(fd);
		if (next == NULL)
			break;
		sub = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = sub;
	}
}

/* Polls dir/file every 10 ms until `done` says so, for at most timeout_ms. */
static bool wait_file(int dirfd, const char *file, bool (*done)(const char *text, const void *arg),
		      const void *arg, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		_cleanup_free_ char *text = NULL;
		struct ar_err ignored = { 0 };
		if (read_file_at(dirfd, file, &text, NULL, &ignored) == 0 && done(text, arg))
			return true;
		ar_err_clear(&ignored);
		if (now_ns() >= deadline)
			return false;
		nanosleep(&tick, NULL);
	}
}

static int v2_create(struct cgroup *cg, struct ar_err *err)
{
	if (cg_mkdir_p(cg->v2_root, cg->path, NULL, err) < 0)
		return -1;
	cg_v2_enable_controllers(cg->v2_root, cg->path);
	return 0;
}

static int v2_add_pid(struct cgroup *cg, pid_t pid, struct ar_err *err)
{
	V2_DIR_AUTO d = { -1, NULL };

	if (v2_open(cg, &d, err) < 0)
		return -1;
	return cg_writef(d.fd, d.dir, "cgroup.procs", err, "%d", (int)pid);
}

static int v2_join_self(struct cgroup *cg, bool born_in_v2, struct ar_err *err)
{
	return born_in_v2 ? 0 : v2_add_pid(cg, getpid(), err);
}

/* ---- limits ---- */

static int write_limit(const struct v2_dir *d, const char *file, int64_t v, struct ar_err *err)
{
	char val[24];

	res_v2_limit(v, val);
	return cg_write(d->fd, d->dir, file, val, err);
}

/* v1 knobs with no v2 counterpart are refused, not dropped. */
static int v2_refuse_v1_only(const struct resources *r, struct ar_err *err)
{
	const char *what = NULL;

	if (r->memory.swappiness.set)
		what = "memory.swappiness";
	else if (r->memory.disable_oom_killer)
		what = "memory.disableOOMKiller";
	else if (r->cpu.realtime_runtime.set || r->cpu.realtime_period.set)
		what = "cpu.realtimeRuntime/realtimePeriod";
	else if (r->blkio.leaf_weight.set)
		what = "blockIO.leafWeight";
	for (size_t i = 0; what == NULL && i < r->blkio.n_weight_device; i++)
		if (r->blkio.weight_device[i].leaf_weight.set)
			what = "blockIO.weightDevice[].leafWeight";
	if (what)
		return ar_error(err, EINVAL, "set linux.resources.%s: not supported on cgroup v2", what);
	return 0;
}

static int v2_memory(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	int64_t swap_max = 0, mem = r->memory.limit.set ? r->memory.limit.v : 0;
	uint64_t usage = 0;
	int keep_swap = res_v2_swap(r, &swap_max, err);

	if (keep_swap < 0)
		return -1;
	if (keep_swap == 0 && !cg_has_file(d->fd, "memory.swap.max") && swap_max != -1)
		return ar_error(err, 0, "set memory.swap in `%s`: swap accounting is disabled "
				"(no memory.swap.max)", d->dir);
	if (keep_swap == 0 && cg_has_file(d->fd, "memory.swap.max") &&
	    write_limit(d, "memory.swap.max", swap_max, err) < 0)
		return -1;
	if (mem > 0 && r->memory.check_before_update &&
	    cg_read_u64(d->fd, "memory.current", &usage) && usage >= (uint64_t)mem)
		return ar_error(err, EBUSY, "set memory.limit `%" PRId64 "` in `%s`: below the "
				"current usage %" PRIu64, mem, d->dir, usage);
	if (mem != 0 && write_limit(d, "memory.max", mem, err) < 0)
		return -1;
	if (r->memory.reservation.set && write_limit(d, "memory.low", r->memory.reservation.v, err))
		return -1;
	return 0;
}

/* cpu.max is "QUOTA PERIOD"; a config giving only the period keeps the
 * quota already there (runc >= 1.1). */
static int v2_cpu_max(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	_cleanup_free_ char *cur = NULL;
	char quota[24] = "max";

	if (!r->cpu.quota.set && !(r->cpu.period.set && r->cpu.period.v != 0))
		return 0;
	if (r->cpu.quota.set && r->cpu.quota.v > 0) {
		snprintf(quota, sizeof quota, "%" PRId64, r->cpu.quota.v);
	} else if (!r->cpu.quota.set) {
		if (cg_read(d->fd, d->dir, "cpu.max", &cur, err) < 0)
			return -1;
		snprintf(quota, sizeof quota, "%.*s", (int)strcspn(cur, " \n"), cur);
	}
	if (r->cpu.period.set && r->cpu.period.v != 0)
		return cg_writef(d->fd, d->dir, "cpu.max", err, "%s %" PRIu64, quota,
				 r->cpu.period.v);
	return cg_write(d->fd, d->dir, "cpu.max", quota, err);
}

static int v2_cpu(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	if (r->cpu.shares.set && r->cpu.shares.v != 0 &&
	    cg_writef(d->fd, d->dir, "cpu.weight", err, "%" PRIu64,
		      res_shares_to_weight(r->cpu.shares.v)) < 0)
		return -1;
	if (v2_cpu_max(d, r, err) < 0)
		return -1;
	if (r->cpu.burst.set &&
	    cg_writef(d->fd, d->dir, "cpu.max.burst", err, "%" PRIu64, r->cpu.burst.v) < 0)
		return -1;
	if (r->cpu.idle.set && (r->cpu.idle.v != 0 || cg_has_file(d->fd, "cpu.idle")) &&
	    cg_writef(d->fd, d->dir, "cpu.idle", err, "%" PRId64, r->cpu.idle.v) < 0)
		return -1;
	if (r->cpu.cpus && cg_write(d->fd, d->dir, "cpuset.cpus", r->cpu.cpus, err) < 0)
		return -1;
	if (r->cpu.mems && cg_write(d->fd, d->dir, "cpuset.mems", r->cpu.mems, err) < 0)
		return -1;
	if (r->pids.limit.set)
		return write_limit(d, "pids.max", r->pids.limit.v > 0 ? r->pids.limit.v : -1, err);
	return 0;
}

/* BFQ takes the v1 weight as it is; io.weight wants it converted (runc). */
static int v2_io_weights(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	bool bfq = cg_has_file(d->fd, "io.bfq.weight");
	const char *file = bfq ? "io.bfq.weight" : "io.weight";

	if (r->blkio.weight.set && r->blkio.weight.v != 0 &&
	    cg_writef(d->fd, d->dir, file, err, "%s%" PRIu64, bfq ? "" : "default ",
		      bfq ? r->blkio.weight.v : res_blkio_weight_to_io_weight(r->blkio.weight.v)))
		return -1;
	for (size_t i = 0; i < r->blkio.n_weight_device; i++) {
		const struct res_blkio_dev *w = &r->blkio.weight_device[i];
		uint64_t v = bfq ? w->weight.v : res_blkio_weight_to_io_weight(w->weight.v);
		if (w->weight.set && cg_writef(d->fd, d->dir, file, err, "%" PRId64 ":%" PRId64
					       " %" PRIu64, w->major, w->minor, v) < 0)
			return -1;
	}
	return 0;
}

static int v2_io(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	static const char *const keys[4] = { "rbps", "wbps", "riops", "wiops" };

	if (v2_io_weights(d, r, err) < 0)
		return -1;
	for (size_t t = 0; t < 4; t++) {
		for (size_t i = 0; i < r->blkio.n_throttle[t]; i++) {
			const struct res_blkio_dev *x = &r->blkio.throttle[t][i];
			if (cg_writef(d->fd, d->dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%"
				      PRIu64, x->major, x->minor, keys[t], x->rate) < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < r->n_hugepages; i++) {
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.max", r->hugepages[i].pagesize);
		if (cg_writef(d->fd, d->dir, file, err, "%" PRIu64, r->hugepages[i].limit) < 0)
			return -1;
	}
	return 0;
}

/* linux.resources.unified: each key is a file of the container's own
 * cgroup, written verbatim; nothing that could name another file. */
static int v2_unified(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		if (k[0] == '\0' || strchr(k, '/') || strstr(k, "..") || strcmp(k, ".") == 0)
			return ar_error(err, EINVAL, "set linux.resources.unified `%s`: not a file "
					"name of the container's cgroup", k);
		if (cg_write(d->fd, d->dir, k, r->unified[i].value, err) < 0)
			return ar_err_prefix(err, "set linux.resources.unified `%s`", k);
	}
	return 0;
}

/* devfilter_attach replaces argon's earlier program only after the new one
 * is attached: detaching first would leave the cgroup with no device
 * program, i.e. every device allowed, for a moment. */
static int v2_devices(const struct v2_dir *d, const struct resources *r, struct ar_err *err)
{
	int prog;

	if (r->n_devices == 0)
		return 0;
	prog = devfilter_attach(d->fd, r->devices, r->n_devices, err);
	if (prog < 0)
		return ar_err_prefix(err, "set device rules of `%s`", d->dir);
	close(prog);	/* the attachment holds its own reference */
	return 0;
}

static int v2_apply(struct cgroup *cg, const struct resources *r, struct ar_err *err)
{
	V2_DIR_AUTO d = { -1, NULL };

	if (v2_refuse_v1_only(r, err) < 0 || v2_open(cg, &d, err) < 0)
		return -1;
	if (v2_memory(&d, r, err) < 0 || v2_cpu(&d, r, err) < 0 || v2_io(&d, r, err) < 0 ||
	    v2_unified(&d, r, err) < 0 || v2_devices(&d, r, err) < 0)
		return -1;
	return 0;
}

/* ---- freezer ---- */

static bool events_frozen(const char *text, const void *want)
{
	uint64_t v;

	return cg_keyed_u64(text, "frozen", &v) && v == *(const uint64_t *)want;
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct ar_err *err)
{
	V2_DIR_AUTO d = { -1, NULL };
	const uint64_t want = frozen;
	struct ar_err ignored = { 0 };

	if (v2_open(cg, &d, err) < 0 ||
	    cg_write(d.fd, d.dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	if (wait_file(d.fd, "cgroup.events", events_frozen, &want, 2000))
		return 0;
	if (frozen && cg_write(d.fd, d.dir, "cgroup.freeze", "0", &ignored) < 0)
		ar_err_clear(&ignored);
	return ar_error(err, ETIMEDOUT, "%s cgroup `%s`: cgroup.events did not report frozen %d",
			frozen ? "freeze" : "thaw", d.dir, frozen);
}

static bool v2_is_frozen(struct cgroup *cg)
{
	V2_DIR_AUTO d = { -1, NULL };
	struct ar_err ignored = { 0 };
	uint64_t frozen = 0;

	if (v2_open(cg, &d, &ignored) < 0) {
		ar_err_clear(&ignored);
		return false;
	}
	cg_file_keyed(d.fd, "cgroup.events", "frozen", &frozen);
	return frozen == 1;
}

static int v2_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct ar_err *err)
{
	struct cg_pidset set = { 0 };

	if (cg_collect_pids(cg_impl(cg)->v2_dir, &set, err) < 0) {
		free(set.v);
		return -1;
	}
	cg_pidset_finish(&set, pids, n);
	return 0;
}

/* ---- stats ---- */

static void v2_stats_cpu(int fd, struct cg_stats *st)
{
	uint64_t usage = 0, user = 0, sys = 0, throttled = 0;

	cg_file_keyed(fd, "cpu.stat", "usage_usec", &usage);
	cg_file_keyed(fd, "cpu.stat", "user_usec", &user);
	cg_file_keyed(fd, "cpu.stat", "system_usec", &sys);
	cg_file_keyed(fd, "cpu.stat", "nr_periods", &st->cpu_periods);
	cg_file_keyed(fd, "cpu.stat", "nr_throttled", &st->cpu_throttled_periods);
	cg_file_keyed(fd, "cpu.stat", "throttled_usec", &throttled);
	st->cpu_total_ns = usage * 1000;
	st->cpu_user_ns = user * 1000;
	st->cpu_system_ns = sys * 1000;
	st->cpu_throttled_ns = throttled * 1000;
}

/* runc reports v2 swap as v1 did, memory+swap combined. */
static void v2_stats_memory(int fd, struct cg_stats *st)
{
	uint64_t swap = 0, swap_max = UINT64_MAX;

	cg_read_u64(fd, "memory.current", &st->mem_usage);
	cg_read_u64(fd, "memory.peak", &st->mem_max_usage);
	cg_read_u64(fd, "memory.max", &st->mem_limit);
	cg_file_keyed(fd, "memory.events", "max", &st->mem_failcnt);
	cg_file_keyed(fd, "memory.events", "oom_kill", &st->oom_kills);
	cg_file_keyed(fd, "memory.stat", "file", &st->mem_cache);
	cg_file_keyed(fd, "memory.stat", "anon", &st->mem_rss);
	if (cg_read_u64(fd, "memory.swap.current", &swap))
		st->swap_usage = swap + st->mem_usage;
	if (cg_read_u64(fd, "memory.swap.max", &swap_max))
		st->swap_limit = swap_max == UINT64_MAX || st->mem_limit == UINT64_MAX
				 ? UINT64_MAX : swap_max + st->mem_limit;
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device. */
static void v2_stats_io(int fd, struct cg_stats *st)
{
	static const char *const keys[4] = { "rbytes=", "wbytes=", "rios=", "wios=" };
	uint64_t *sums[4] = { &st->io_read_bytes, &st->io_write_bytes, &st->io_read_ops,
			      &st->io_write_ops };
	_cleanup_free_ char *text = NULL;
	struct ar_err ignored = { 0 };
	char *save = NULL;

	if (read_file_at(fd, "io.stat", &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return;
	}
	for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		for (size_t k = 0; k < 4; k++) {
			uint64_t v;
			size_t n = strlen(keys[k]);
			if (strncmp(w, keys[k], n) == 0 && parse_u64(w + n, &v) == 0)
				*sums[k] += v;
		}
	}
}

static int v2_stats(struct cgroup *cg, struct cg_stats *st, struct ar_err *err)
{
	V2_DIR_AUTO d = { -1, NULL };

	memset(st, 0, sizeof *st);
	if (v2_open(cg, &d, err) < 0)
		return -1;
	v2_stats_cpu(d.fd, st);
	v2_stats_memory(d.fd, st);
	cg_read_u64(d.fd, "pids.current", &st->pids_current);
	cg_read_u64(d.fd, "pids.max", &st->pids_limit);
	if (st->pids_limit == UINT64_MAX)
		st->pids_limit = 0;
	v2_stats_io(d.fd, st);
	return 0;
}

/* ---- OOM notification, removal ---- */

/* memory.events raises POLLPRI when it changes (oom, oom_kill, but also
 * max and high); POLLIN is always set on it. A kernfs file reports
 * POLLPRI until its first read, so it is read once here; the caller reads
 * it again (pread at 0) after each wake-up to re-arm. */
static int v2_oom_fd(struct cgroup *cg, struct ar_err *err)
{
	V2_DIR_AUTO d = { -1, NULL };
	_cleanup_close_ int fd = -1;
	char buf[512];

	if (v2_open(cg, &d, err) < 0)
		return -1;
	fd = openat(d.fd, "memory.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || pread(fd, buf, sizeof buf, 0) < 0)
		return ar_error(err, errno, "open `memory.events` in `%s`", d.dir);
	return steal_fd(&fd);
}

static int v2_destroy(struct cgroup *cg, struct ar_err *err)
{
	if (cg_rmdir_tree(cg_impl(cg)->v2_dir, err) < 0)
		return -1;
	cg_rmdir_default_parent(cg->v2_root, cg->path);
	return 0;
}

const struct cg_ops cg_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.apply = v2_apply,
	.add_pid = v2_add_pid,
	.join_self = v2_join_self,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.pids = v2_pids,
	.stats = v2_stats,
	.oom_fd = v2_oom_fd,
	.destroy = v2_destroy,
};
