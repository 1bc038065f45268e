/* argon — the job object of a container (cgroup + limits). */
#define _GNU_SOURCE
#include "job.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* The device nodes rootfs_setup_dev creates, plus the pty ones; runc's
 * AllowedDevices. */
static const struct res_device_rule default_devices[] = {
	{ true, 'c', 1, 3, "rwm" },	/* null */
	{ true, 'c', 1, 5, "rwm" },	/* zero */
	{ true, 'c', 1, 7, "rwm" },	/* full */
	{ true, 'c', 1, 8, "rwm" },	/* random */
	{ true, 'c', 1, 9, "rwm" },	/* urandom */
	{ true, 'c', 5, 0, "rwm" },	/* tty */
	{ true, 'c', 5, 1, "rwm" },	/* console */
	{ true, 'c', 5, 2, "rwm" },	/* ptmx */
	{ true, 'c', 136, -1, "rwm" },	/* pts/N */
};

static void add_rule(struct resources *res, const struct res_device_rule *r)
{
	res->devices = xrealloc(res->devices, (res->n_devices + 1) * sizeof *res->devices);
	res->devices[res->n_devices++] = *r;
}

/* Whether the config's own rules name this very device (docker's
 * `--device X:Y:r` does): then they say what access it has. */
static bool rule_names_device(const struct resources *res, size_t n_config, char type,
			      int64_t major, int64_t minor)
{
	for (size_t i = 0; i < n_config; i++) {
		const struct res_device_rule *r = &res->devices[i];
		if (r->type == type && r->major == major && r->minor == minor)
			return true;
	}
	return false;
}

static void add_default_devices(const struct spec *s, struct resources *res)
{
	size_t n = sizeof default_devices / sizeof default_devices[0];
	size_t n_config = res->n_devices;

	/* No rule at all: start from deny-all like runc, so only what the
	 * container was given is reachable. */
	if (res->n_devices == 0)
		add_rule(res, &(struct res_device_rule){ false, 'a', -1, -1, "rwm" });
	for (size_t i = 0; i < n; i++)
		add_rule(res, &default_devices[i]);
	/* A node in linux.devices is usable unless the config's rules say
	 * otherwise for that node: a read-only device stays read-only. The
	 * init makes the node inside the job (runc sets the rules after), so
	 * mknod of it is allowed either way; mknod grants no access. */
	for (size_t i = 0; i < s->linux.n_devices; i++) {
		const struct spec_device *d = &s->linux.devices[i];
		struct res_device_rule r = { true, d->type == 'b' ? 'b' : 'c', d->major,
					     d->minor, "rwm" };
		if (d->type == 'p')	/* fifos need no device access */
			continue;
		if (rule_names_device(res, n_config, r.type, r.major, r.minor))
			memcpy(r.access, "m", 2);
		add_rule(res, &r);
	}
}

int job_from_spec(struct spec *s, const char *id, struct cgroup **cg, struct resources *res,
		  struct ar_err *err)
{
	/* Take over what spec_parse already parsed. */
	*res = s->linux.resources;
	memset(&s->linux.resources, 0, sizeof s->linux.resources);
	s->linux.has_resources = false;
	add_default_devices(s, res);
	if (cgroup_open(s->linux.cgroups_path, id, cg, err) < 0) {
		resources_free(res);
		return -1;
	}
	return 0;
}

int job_create(struct cgroup *cg, const struct resources *res, struct ar_err *err)
{
	struct ar_err ignored = { 0 };

	if (cg->ops->create(cg, err) < 0) {
		/* The hierarchies made before the one that failed go too. */
		cg->ops->destroy(cg, &ignored);
		ar_err_clear(&ignored);
		return ar_err_prefix(err, "create cgroup `%s`", cg->path);
	}
	if (cg->ops->apply(cg, res, err) < 0) {
		cg->ops->destroy(cg, &ignored);
		ar_err_clear(&ignored);
		return ar_err_prefix(err, "cgroup `%s`", cg->path);
	}
	return 0;
}

int job_from_state(const struct ar_state *st, struct cgroup **cg, struct ar_err *err)
{
	_cleanup_free_ char *abs = NULL;

	*cg = NULL;
	if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
		return 0;
	abs = xasprintf("/%s", st->cgroup_path);
	return cgroup_open(abs, st->id, cg, err);
}

int job_destroy(struct cgroup *cg, struct ar_err *err)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int round = 0; round < 300; round++) {	/* ~3 s */
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (cg->ops->pids(cg, &pids, &n, err) < 0)
			return -1;
		if (n == 0)
			return cg->ops->destroy(cg, err);
		/* A frozen cgroup would hold SIGKILL: thaw it first. */
		if (cg->ops->is_frozen(cg))
			cg->ops->freeze(cg, false, err);
		ar_err_clear(err);
		if (cgroup_kill_all(cg, SIGKILL, err) < 0)
			return -1;
		nanosleep(&tick, NULL);
	}
	return ar_error(err, EBUSY, "cgroup `%s` still has processes after SIGKILL", cg->path);
}
