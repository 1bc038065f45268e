/* argon — docker's HostConfig in config.json: capabilities, rlimits, the
 * job object's CPU / IO / swap limits, devices, the network namespace and
 * --privileged, laid over the default spec the way docker's daemon does
 * (daemon/oci_linux.go: WithCapabilities, WithDevices, WithResources ...).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bundle_priv.h"
#include "seccomp_default.h"
#include "spec.h"
#include "util.h"

#define CPU_PERIOD_US 100000	/* docker's period for --cpus */

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

/* ------------------------------------------------------------ process */

static json_object *caps_json(uint64_t mask)
{
	json_object *a = json_object_new_array();

	for (int c = 0; c < 64; c++)
		if ((mask & (UINT64_C(1) << c)) && cap_name(c))
			json_object_array_add(a, json_object_new_string(cap_name(c)));
	return a;
}

/* docker sets bounding, effective and permitted alike; a non-root user
 * loses effective and permitted at exec, as under docker. */
static int caps_fill(const struct bundle_opts *o, json_object *process, uint64_t *mask,
		     struct ar_err *err)
{
	json_object *caps;

	if (hostcfg_caps(o->cap_add, o->cap_drop, o->privileged, mask, err) < 0)
		return -1;
	caps = json_object_new_object();
	add(caps, "bounding", caps_json(*mask));
	add(caps, "effective", caps_json(*mask));
	add(caps, "permitted", caps_json(*mask));
	add(process, "capabilities", caps);
	add(process, "noNewPrivileges",
	    json_object_new_boolean(o->security && o->security->no_new_privileges));
	return 0;
}

/* --group-add: supplementary groups beside the user's own. */
static void groups_fill(const struct bundle_opts *o, json_object *process)
{
	json_object *gids;

	if (o->n_group_add == 0)
		return;
	gids = json_object_new_array();
	for (size_t i = 0; i < o->n_group_add; i++)
		json_object_array_add(gids, json_object_new_int64(o->group_add[i]));
	add(bundle_object_at(process, "user"), "additionalGids", gids);
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* A --ulimit replaces the default of its type (RLIMIT_NOFILE 1024). */
static void rlimits_fill(const struct bundle_opts *o, json_object *process)
{
	json_object *a = NULL;

	if (o->n_ulimits == 0)
		return;
	if (!json_object_object_get_ex(process, "rlimits", &a)) {
		a = json_object_new_array();
		add(process, "rlimits", a);
	}
	for (size_t i = 0; i < o->n_ulimits; i++) {
		const struct hostcfg_ulimit *u = &o->ulimits[i];
		_cleanup_free_ char *type = xasprintf("RLIMIT_%s", u->name);
		json_object *rl = json_object_new_object();
		size_t k = 0, n = json_object_array_length(a);
		for (char *p = type; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		add(rl, "type", json_object_new_string(type));
		add(rl, "hard", json_object_new_uint64((uint64_t)u->hard));	/* -1: infinity */
		add(rl, "soft", json_object_new_uint64((uint64_t)u->soft));
		for (; k < n; k++) {
			const char *t = str_of(json_object_array_get_idx(a, k), "type");
			if (t && strcmp(t, type) == 0)
				break;
		}
		if (k < n)
			json_object_array_put_idx(a, k, rl);
		else
			json_object_array_add(a, rl);
	}
}

/* ------------------------------------------------------------ linux */

static void resources_fill(const struct bundle_opts *o, json_object *lx)
{
	json_object *res;

	if (o->memory_swap == 0 && o->nano_cpus <= 0 && o->cpu_shares == 0 &&
	    (o->cpuset_cpus == NULL || o->cpuset_cpus[0] == '\0') && o->blkio_weight == 0)
		return;
	res = bundle_object_at(lx, "resources");
	if (o->memory_swap != 0)
		add(bundle_object_at(res, "memory"), "swap", json_object_new_int64(o->memory_swap));
	if (o->nano_cpus > 0) {
		json_object *cpu = bundle_object_at(res, "cpu");
		add(cpu, "quota", json_object_new_int64(o->nano_cpus * CPU_PERIOD_US / 1000000000));
		add(cpu, "period", json_object_new_uint64(CPU_PERIOD_US));
	}
	if (o->cpu_shares)
		add(bundle_object_at(res, "cpu"), "shares", json_object_new_uint64(o->cpu_shares));
	if (o->cpuset_cpus && o->cpuset_cpus[0])
		add(bundle_object_at(res, "cpu"), "cpus", json_object_new_string(o->cpuset_cpus));
	if (o->blkio_weight)
		add(bundle_object_at(res, "blockIO"), "weight",
		    json_object_new_uint64(o->blkio_weight));
}

static json_object *device_json(const struct hostcfg_device *d)
{
	json_object *j = json_object_new_object();
	char type[2] = { d->type, '\0' };

	add(j, "path", json_object_new_string(d->container));
	add(j, "type", json_object_new_string(type));
	add(j, "major", json_object_new_int64(d->major));
	add(j, "minor", json_object_new_int64(d->minor));
	add(j, "fileMode", json_object_new_int64(d->mode));
	add(j, "uid", json_object_new_int64(d->uid));
	add(j, "gid", json_object_new_int64(d->gid));
	return j;
}

static json_object *device_rule_json(bool allow, char type, int64_t major, int64_t minor,
				     const char *access)
{
	json_object *j = json_object_new_object();
	char t[2] = { type, '\0' };

	add(j, "allow", json_object_new_boolean(allow));
	if (type != 'a') {
		add(j, "type", json_object_new_string(t));
		add(j, "major", json_object_new_int64(major));
		add(j, "minor", json_object_new_int64(minor));
	}
	add(j, "access", json_object_new_string(access));
	return j;
}

static bool user_device_at(const struct bundle_opts *o, const char *path)
{
	for (size_t i = 0; i < o->n_devices; i++)
		if (strcmp(o->devices[i].container, path) == 0)
			return true;
	return false;
}

/* --privileged: every host device node, all of them allowed. */
static int host_devices_fill(const struct bundle_opts *o, json_object *devs, json_object *res,
			     struct ar_err *err)
{
	json_object *rules = json_object_new_array();
	struct hostcfg_device *host = NULL;
	size_t n = 0;

	json_object_array_add(rules, device_rule_json(true, 'a', -1, -1, "rwm"));
	add(res, "devices", rules);
	if (hostcfg_host_devices(&host, &n, err) < 0)
		return ar_err_prefix(err, "--privileged");
	for (size_t i = 0; i < n; i++) {
		if (!user_device_at(o, host[i].container))
			json_object_array_add(devs, device_json(&host[i]));
		hostcfg_device_free(&host[i]);
	}
	free(host);
	return 0;
}

/* docker's --device: the node (linux.devices) and an allow rule with the
 * asked permissions after the default deny. */
static int devices_fill(const struct bundle_opts *o, json_object *lx, struct ar_err *err)
{
	json_object *devs = json_object_new_array(), *rules = NULL, *res;

	if (o->n_devices == 0 && !o->privileged) {
		json_object_put(devs);
		return 0;
	}
	add(lx, "devices", devs);
	res = bundle_object_at(lx, "resources");
	if (o->privileged && host_devices_fill(o, devs, res, err) < 0)
		return -1;
	if (!json_object_object_get_ex(res, "devices", &rules)) {
		rules = json_object_new_array();
		add(res, "devices", rules);
	}
	for (size_t i = 0; i < o->n_devices; i++) {
		const struct hostcfg_device *d = &o->devices[i];
		json_object_array_add(devs, device_json(d));
		if (!o->privileged)
			json_object_array_add(rules, device_rule_json(true, d->type, d->major,
								      d->minor, d->access));
	}
	return 0;
}

/* --network host: no network namespace; container:X: X's. */
static void network_ns_fill(const struct bundle_opts *o, json_object *lx)
{
	json_object *ns = NULL;

	if (!json_object_object_get_ex(lx, "namespaces", &ns))
		return;
	for (size_t i = json_object_array_length(ns); i-- > 0;) {
		json_object *n = json_object_array_get_idx(ns, i);
		const char *t = str_of(n, "type");
		if (t == NULL || strcmp(t, "network") != 0)
			continue;
		if (o->host_network)
			json_object_array_del_idx(ns, i, 1);
		else if (o->netns_path)
			json_object_object_add(n, "path", json_object_new_string(o->netns_path));
	}
}

/* docker's --privileged: nothing masked or read-only in /proc, /sys and
 * the cgroup file system writable; systempaths=unconfined and
 * writable-cgroups=true have a part each. */
static void privileged_fill(const struct bundle_opts *o, json_object *top, json_object *lx)
{
	const struct hostcfg_security *sec = o->security;
	bool sys_rw = o->privileged, cgroup_rw = o->privileged || (sec && sec->writable_cgroups);
	json_object *mounts = NULL;

	if (o->privileged || (sec && sec->unmask_paths)) {
		json_object_object_del(lx, "maskedPaths");
		json_object_object_del(lx, "readonlyPaths");
	}
	if (!json_object_object_get_ex(top, "mounts", &mounts))
		return;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i), *opts = NULL;
		const char *dst = str_of(m, "destination"), *type = str_of(m, "type");
		if (!(sys_rw && dst && strcmp(dst, "/sys") == 0) &&
		    !(cgroup_rw && type && strcmp(type, "cgroup") == 0))
			continue;
		if (!json_object_object_get_ex(m, "options", &opts))
			continue;
		for (size_t k = json_object_array_length(opts); k-- > 0;)
			if (strcmp(json_object_get_string(json_object_array_get_idx(opts, k)),
				   "ro") == 0)
				json_object_array_del_idx(opts, k, 1);
	}
}

/* docker's seccomp: none with --privileged or seccomp=unconfined, else the
 * user's profile or the default, resolved for the container's capabilities
 * (a rule "includes" CAP_SYS_ADMIN is there only when the container has it). */
static int seccomp_fill(const struct bundle_opts *o, uint64_t caps, json_object *lx,
			struct ar_err *err)
{
	const struct hostcfg_security *sec = o->security;
	json_object *profile, *resolved = NULL;
	int r;

	json_object_object_del(lx, "seccomp");
	if (o->privileged || (sec && sec->seccomp_unconfined))
		return 0;
	if (sec == NULL || sec->seccomp_profile == NULL) {
		add(lx, "seccomp", seccomp_default_profile(caps));
		return 0;
	}
	profile = json_tokener_parse(sec->seccomp_profile);
	if (profile == NULL)
		return ar_fail(err, EINVAL, "--security-opt seccomp: the profile is not JSON");
	r = seccomp_profile_resolve(profile, caps, "--security-opt seccomp", &resolved, err);
	json_object_put(profile);
	if (r == 0)
		add(lx, "seccomp", resolved);
	return r;
}

/* --sysctl "K=V" into a map; the later of one key wins, as in docker's. */
static void sysctls_into(const struct bundle_opts *o, json_object *m)
{
	for (char *const *kv = o->sysctls; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		_cleanup_free_ char *k = eq ? xasprintf("%.*s", (int)(eq - *kv), *kv) : NULL;
		if (k)
			add(m, k, json_object_new_string(eq + 1));
	}
}

int bundle_host_fill(const struct bundle_opts *o, json_object *top, struct ar_err *err)
{
	json_object *process = bundle_object_at(top, "process");
	json_object *lx = bundle_object_at(top, "linux");
	uint64_t caps = 0;

	if (caps_fill(o, process, &caps, err) < 0)
		return -1;
	groups_fill(o, process);
	rlimits_fill(o, process);
	resources_fill(o, lx);
	if (devices_fill(o, lx, err) < 0)
		return -1;
	network_ns_fill(o, lx);
	privileged_fill(o, top, lx);
	if (o->sysctls && o->sysctls[0])
		sysctls_into(o, bundle_object_at(lx, "sysctl"));
	return seccomp_fill(o, caps, lx, err);
}

/* ------------------------------------------------------------ inspect */

static json_object *caps_list_json(char *const *names)
{
	json_object *a;

	if (names == NULL || names[0] == NULL)
		return NULL;	/* docker: null */
	a = json_object_new_array();
	for (; *names; names++) {
		_cleanup_free_ char *n = NULL;
		if (hostcfg_cap_normalize(*names, &n, NULL) < 0)
			n = xstrdup(*names);
		json_object_array_add(a, json_object_new_string(n));
	}
	return a;
}

static json_object *ulimits_json(const struct bundle_opts *o)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < o->n_ulimits; i++) {
		json_object *u = json_object_new_object();
		add(u, "Name", json_object_new_string(o->ulimits[i].name));
		add(u, "Hard", json_object_new_int64(o->ulimits[i].hard));
		add(u, "Soft", json_object_new_int64(o->ulimits[i].soft));
		json_object_array_add(a, u);
	}
	return a;
}

static json_object *devices_json(const struct bundle_opts *o)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < o->n_devices; i++) {
		json_object *d = json_object_new_object();
		add(d, "PathOnHost", json_object_new_string(o->devices[i].host));
		add(d, "PathInContainer", json_object_new_string(o->devices[i].container));
		add(d, "CgroupPermissions", json_object_new_string(o->devices[i].access));
		json_object_array_add(a, d);
	}
	return a;
}

/* docker's map; NULL when empty. */
static json_object *sysctls_json(const struct bundle_opts *o)
{
	json_object *m;

	if (o->sysctls == NULL || o->sysctls[0] == NULL)
		return NULL;
	m = json_object_new_object();
	sysctls_into(o, m);
	return m;
}

/* docker keeps the strings given; ours are numeric. */
static json_object *groups_json(const struct bundle_opts *o)
{
	json_object *a;

	if (o->n_group_add == 0)
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; i < o->n_group_add; i++) {
		char n[16];
		snprintf(n, sizeof n, "%u", o->group_add[i]);
		json_object_array_add(a, json_object_new_string(n));
	}
	return a;
}

void bundle_hostconfig_json(const struct bundle_opts *o, json_object *j)
{
	json_object *secopt = NULL;

	add(j, "NanoCpus", json_object_new_int64(o->nano_cpus));
	add(j, "CpuShares", json_object_new_int64((int64_t)o->cpu_shares));
	add(j, "CpusetCpus", json_object_new_string(o->cpuset_cpus ? o->cpuset_cpus : ""));
	add(j, "BlkioWeight", json_object_new_int64((int64_t)o->blkio_weight));
	add(j, "MemorySwap", json_object_new_int64(o->memory_swap));
	add(j, "Ulimits", ulimits_json(o));
	add(j, "Devices", devices_json(o));
	add(j, "CapAdd", caps_list_json(o->cap_add));
	add(j, "CapDrop", caps_list_json(o->cap_drop));
	add(j, "Privileged", json_object_new_boolean(o->privileged));
	if (o->security && o->security->opts) {
		secopt = json_object_new_array();
		for (char *const *s = o->security->opts; *s; s++)
			json_object_array_add(secopt, json_object_new_string(*s));
	}
	add(j, "SecurityOpt", secopt);
	if ((secopt = sysctls_json(o)) != NULL)	/* docker: omitted when empty */
		add(j, "Sysctls", secopt);
	add(j, "GroupAdd", groups_json(o));
	add(j, "NetworkMode", json_object_new_string(o->network_mode ? o->network_mode :
						     o->host_network ? "host" : "none"));
	add(j, "Init", json_object_new_boolean(o->init_path != NULL));
}
