/* argon — the default config.json (`argon-runtime spec`), the wsc.def of argon.
 *
 * The same container description `runc spec` writes, so bundles move between
 * the two runtimes: a shell as root with three capabilities, the usual /proc,
 * /dev, /sys mounts, kernel paths masked or read-only, and every device
 * denied. The rootless variant follows runc's ToRootless().
 */
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "spec.h"
#include "util.h"

struct default_mount {
	const char *destination, *type, *source;
	const char *const *options;
};

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct default_mount default_mounts[] = {
	{ "/proc", "proc", "proc", NULL },
	{ "/dev", "tmpfs", "tmpfs", WORDS("nosuid", "strictatime", "mode=755", "size=65536k") },
	{ "/dev/pts", "devpts", "devpts",
	  WORDS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5") },
	{ "/dev/shm", "tmpfs", "shm", WORDS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k") },
	{ "/dev/mqueue", "mqueue", "mqueue", WORDS("nosuid", "noexec", "nodev") },
	{ "/sys", "sysfs", "sysfs", WORDS("nosuid", "noexec", "nodev", "ro") },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", WORDS("nosuid", "noexec", "nodev", "relatime", "ro") },
};

/* Without a network namespace of its own a rootless container cannot mount
 * sysfs, so it gets the host's /sys read-only instead (as runc does). */
static const struct default_mount rootless_sys = {
	"/sys", "none", "/sys", WORDS("rbind", "nosuid", "noexec", "nodev", "ro"),
};

static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
	"/proc/scsi", "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const char *const default_caps[] = {
	"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL,
};

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

/* `rootless` drops uid=/gid= options: only the caller's ids are mapped. */
static json_object *words_json(const char *const *v, bool rootless)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++) {
		if (rootless && (strncmp(*v, "uid=", 4) == 0 || strncmp(*v, "gid=", 4) == 0))
			continue;
		json_object_array_add(a, json_object_new_string(*v));
	}
	return a;
}

static json_object *process_json(void)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", NULL,
	};
	json_object *p = json_object_new_object(), *user = json_object_new_object();
	json_object *caps = json_object_new_object(), *rl = json_object_new_object();
	json_object *rlimits = json_object_new_array();

	add(user, "uid", json_object_new_int(0));
	add(user, "gid", json_object_new_int(0));
	add(caps, "bounding", words_json(default_caps, false));
	add(caps, "effective", words_json(default_caps, false));
	add(caps, "permitted", words_json(default_caps, false));
	add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	add(rl, "hard", json_object_new_int(1024));
	add(rl, "soft", json_object_new_int(1024));
	json_object_array_add(rlimits, rl);

	add(p, "terminal", json_object_new_boolean(1));
	add(p, "user", user);
	add(p, "args", words_json(args, false));
	add(p, "env", words_json(env, false));
	add(p, "cwd", json_object_new_string("/"));
	add(p, "capabilities", caps);
	add(p, "rlimits", rlimits);
	add(p, "noNewPrivileges", json_object_new_boolean(1));
	return p;
}

static json_object *mount_json(const struct default_mount *m, bool rootless)
{
	json_object *o = json_object_new_object();

	add(o, "destination", json_object_new_string(m->destination));
	add(o, "type", json_object_new_string(m->type));
	add(o, "source", json_object_new_string(m->source));
	if (m->options)
		add(o, "options", words_json(m->options, rootless));
	return o;
}

static json_object *mounts_json(bool rootless)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++) {
		const struct default_mount *m = &default_mounts[i];
		if (rootless && strcmp(m->destination, "/sys") == 0)
			m = &rootless_sys;
		json_object_array_add(a, mount_json(m, rootless));
	}
	return a;
}

static json_object *idmap_json(unsigned host_id)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();

	add(m, "containerID", json_object_new_int(0));
	add(m, "hostID", json_object_new_int64(host_id));
	add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

static json_object *namespaces_json(bool rootless)
{
	static const enum spec_ns_type root_ns[] = {
		NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MOUNT, NS_CGROUP,
	};
	static const enum spec_ns_type rootless_ns[] = {
		NS_PID, NS_IPC, NS_UTS, NS_MOUNT, NS_USER,
	};
	const enum spec_ns_type *v = rootless ? rootless_ns : root_ns;
	size_t n = rootless ? sizeof rootless_ns / sizeof rootless_ns[0]
			    : sizeof root_ns / sizeof root_ns[0];
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *ns = json_object_new_object();
		add(ns, "type", json_object_new_string(spec_ns_name(v[i])));
		json_object_array_add(a, ns);
	}
	return a;
}

static json_object *linux_json(bool rootless)
{
	json_object *l = json_object_new_object();

	if (rootless) {
		/* geteuid, as runc: the mapping is of who runs the runtime. */
		add(l, "uidMappings", idmap_json(geteuid()));
		add(l, "gidMappings", idmap_json(getegid()));
	} else {
		json_object *res = json_object_new_object(), *devs = json_object_new_array();
		json_object *rule = json_object_new_object();
		add(rule, "allow", json_object_new_boolean(0));
		add(rule, "access", json_object_new_string("rwm"));
		json_object_array_add(devs, rule);
		add(res, "devices", devs);
		add(l, "resources", res);
	}
	add(l, "namespaces", namespaces_json(rootless));
	add(l, "maskedPaths", words_json(masked_paths, false));
	add(l, "readonlyPaths", words_json(readonly_paths, false));
	return l;
}

char *spec_default_json(bool rootless)
{
	json_object *top = json_object_new_object(), *root = json_object_new_object();
	char *text;

	add(root, "path", json_object_new_string("rootfs"));
	add(root, "readonly", json_object_new_boolean(1));
	add(top, "ociVersion", json_object_new_string(SPEC_OCI_VERSION));
	add(top, "process", process_json());
	add(top, "root", root);
	add(top, "hostname", json_object_new_string("argon"));
	add(top, "mounts", mounts_json(rootless));
	add(top, "linux", linux_json(rootless));
	text = xstrdup(json_object_to_json_string_ext(
		top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
			     JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	return text;
}
