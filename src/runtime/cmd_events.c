/* argon-runtime events: runc's JSON event stream (stats and oom), the
 * termination notification and job accounting of the seeds. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *obj_in(json_object *parent, const char *k)
{
	json_object *o = json_object_new_object();
	json_object_object_add(parent, k, o);
	return o;
}

static void stats_cpu(json_object *data, const struct cg_stats *s)
{
	json_object *cpu = obj_in(data, "cpu"), *usage = obj_in(cpu, "usage");
	json_object *per = json_object_new_array(), *thr = obj_in(cpu, "throttling");

	add_u64(usage, "total", s->cpu_total_ns);
	for (size_t i = 0; i < s->n_cpus; i++)
		json_object_array_add(per, json_object_new_uint64(s->cpu_percpu_ns[i]));
	json_object_object_add(usage, "percpu", per);
	add_u64(usage, "kernel", s->cpu_system_ns);
	add_u64(usage, "user", s->cpu_user_ns);
	add_u64(thr, "periods", s->cpu_periods);
	add_u64(thr, "throttledPeriods", s->cpu_throttled_periods);
	add_u64(thr, "throttledTime", s->cpu_throttled_ns);
}

static void stats_memory(json_object *data, const struct cg_stats *s)
{
	json_object *mem = obj_in(data, "memory"), *usage = obj_in(mem, "usage");
	json_object *swap = obj_in(mem, "swap"), *raw = obj_in(mem, "raw");

	add_u64(usage, "limit", s->mem_limit);
	add_u64(usage, "usage", s->mem_usage);
	add_u64(usage, "max", s->mem_max_usage);
	add_u64(usage, "failcnt", s->mem_failcnt);
	add_u64(swap, "limit", s->swap_limit);
	add_u64(swap, "usage", s->swap_usage);
	add_u64(mem, "cache", s->mem_cache);
	add_u64(raw, "rss", s->mem_rss);
	add_u64(raw, "oom_kill", s->oom_kills);
}

/* blkio totals over all devices (major/minor 0 stand for "all"). */
static void stats_blkio(json_object *data, const struct cg_stats *s)
{
	json_object *blk = obj_in(data, "blkio");
	const struct { const char *key, *op; uint64_t v; } rows[] = {
		{ "ioServiceBytesRecursive", "Read", s->io_read_bytes },
		{ "ioServiceBytesRecursive", "Write", s->io_write_bytes },
		{ "ioServicedRecursive", "Read", s->io_read_ops },
		{ "ioServicedRecursive", "Write", s->io_write_ops },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_object *arr, *e = json_object_new_object();
		if (!json_object_object_get_ex(blk, rows[i].key, &arr)) {
			arr = json_object_new_array();
			json_object_object_add(blk, rows[i].key, arr);
		}
		add_u64(e, "major", 0);
		add_u64(e, "minor", 0);
		json_object_object_add(e, "op", json_object_new_string(rows[i].op));
		add_u64(e, "value", rows[i].v);
		json_object_array_add(arr, e);
	}
}

static void print_event(const char *type, const char *id, json_object *data)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "id", json_object_new_string(id));
	if (data)
		json_object_object_add(ev, "data", data);
	puts(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(ev);
}

static int print_stats(struct cgroup *cg, const char *id, struct ar_err *err)
{
	struct cg_stats s = { 0 };
	json_object *data, *pids;

	if (cg->ops->stats(cg, &s, err) < 0)
		return -1;
	data = json_object_new_object();
	stats_cpu(data, &s);
	stats_memory(data, &s);
	pids = obj_in(data, "pids");
	add_u64(pids, "current", s.pids_current);
	add_u64(pids, "limit", s.pids_limit);
	stats_blkio(data, &s);
	free(s.cpu_percpu_ns);
	print_event("stats", id, data);
	return 0;
}

/* "5s", "500ms", "1m", "2" (seconds) -> milliseconds. */
static int parse_interval(const char *s, int *ms, struct ar_err *err)
{
	char *end;
	long v = strtol(s, &end, 10);
	long mult = strcmp(end, "ms") == 0 ? 1 : strcmp(end, "m") == 0 ? 60000
		  : (*end == '\0' || strcmp(end, "s") == 0) ? 1000 : -1;

	if (end == s || v <= 0 || mult <= 0 || v > 86400000 / mult)
		return ar_error(err, EINVAL, "events: --interval `%s`: use e.g. 5s or 500ms", s);
	*ms = (int)(v * mult);
	return 0;
}

/* An OOM since the last look: the kill counter grew (v2 memory.events and
 * v1 oom_control both count; the fd only wakes us). */
static bool is_v2(const struct cgroup *cg)
{
	return strcmp(cg->ops->name, "v2") == 0;
}

/* fd < 0: only take the current count (priming; never read an fd that
 * poll has not reported, a v1 eventfd read would block). */
static bool oom_happened(struct cgroup *cg, int fd, uint64_t *seen)
{
	struct cg_stats s = { 0 };
	struct ar_err ignored = { 0 };
	char buf[4096];
	bool grew;

	/* Re-arm the fd: v2 memory.events is re-read from offset 0, the v1
	 * eventfd is drained (8 bytes). */
	if (fd >= 0 && (is_v2(cg) ? pread(fd, buf, sizeof buf, 0) < 0 : read(fd, buf, 8) < 0))
		errno = 0;
	if (cg->ops->stats(cg, &s, &ignored) < 0) {
		ar_err_clear(&ignored);
		return false;
	}
	free(s.cpu_percpu_ns);
	grew = s.oom_kills > *seen;
	*seen = s.oom_kills;
	return grew;
}

static int events_loop(struct cli *cli, const char *id, struct cgroup *cg, int interval_ms,
		       struct ar_err *err)
{
	_cleanup_close_ int ofd = cg->ops->oom_fd(cg, err);
	uint64_t seen = 0;
	uint64_t next = now_ns() + (uint64_t)interval_ms * 1000000u;

	if (ofd < 0)
		return -1;
	oom_happened(cg, -1, &seen);
	for (;;) {
		struct cgroup *again = NULL;
		enum ar_status status;
		/* v2's memory.events always polls readable: only POLLPRI means news. */
		struct pollfd p = { .fd = ofd, .events = is_v2(cg) ? POLLPRI : POLLIN };
		uint64_t now = now_ns();
		int wait = now >= next ? 0 : (int)((next - now) / 1000000u);

		/* v1's eventfd fires as the OOM begins, before oom_kill counts it:
		 * the wake-up is the event. v2's memory.events changes once the
		 * kill is counted. */
		if (poll(&p, 1, wait) > 0 && (oom_happened(cg, ofd, &seen) || !is_v2(cg)))
			print_event("oom", id, NULL);
		if (now_ns() >= next) {
			if (print_stats(cg, id, err) < 0)
				return -1;
			next += (uint64_t)interval_ms * 1000000u;
		}
		if (ar_container_job(&cli->rt, id, &again, &status, err) < 0)
			return -1;
		cgroup_free(again);
		if (status == ST_STOPPED)
			return 0;	/* the termination notification: the stream ends */
	}
}

int cmd_events(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' }, { "interval", required_argument, NULL, 'i' }, { 0 },
	};
	bool once = false;
	int c, interval_ms = 5000, r = -1;
	struct cgroup *cg = NULL;
	enum ar_status status;
	const char *id;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			once = true;
		else if (c != 'i' || parse_interval(optarg, &interval_ms, err) < 0)
			return c == 'i' ? -1 : ar_error(err, EINVAL, "events: unknown flag `%s`", argv[optind - 1]);
	}
	if (cli_one_id(argc, argv, optind, "events", &id, err) < 0 ||
	    ar_container_job(&cli->rt, id, &cg, &status, err) < 0)
		goto out;
	if (status == ST_STOPPED)
		ar_error(err, EINVAL, "events: container `%s` is stopped", id);
	else
		r = once ? print_stats(cg, id, err) : events_loop(cli, id, cg, interval_ms, err);
out:
	cgroup_free(cg);
	return r;
}
