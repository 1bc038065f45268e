/* Unit tests of the config.json parser, the default spec and the name tables. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "spec.h"
#include "util.h"

static char last_err[2048];

static struct spec *parse_text(const char *json)
{
	struct ar_err err = { 0 };
	struct spec *s = NULL;

	last_err[0] = '\0';
	if (spec_parse(json, strlen(json), "config.json", &s, &err) < 0) {
		snprintf(last_err, sizeof last_err, "%s", err.msg ? err.msg : "(no message)");
		ar_err_clear(&err);
		return NULL;
	}
	return s;
}

/* A minimal valid config; later duplicate keys win in json-c, so `proc`
 * can override args/cwd and `top` can add or replace top-level members. */
static char *cfg(const char *proc, const char *top)
{
	return xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			 "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s%s}%s%s}",
			 *proc ? "," : "", proc, *top ? "," : "", top);
}

static struct spec *good(const char *proc, const char *top)
{
	_cleanup_free_ char *json = cfg(proc, top);
	struct spec *s = parse_text(json);

	if (s == NULL)
		fprintf(stderr, "  unexpected error: %s\n", last_err);
	return s;
}

/* True when the config is refused with a message containing `needle`. */
static int bad(const char *proc, const char *top, const char *needle)
{
	_cleanup_free_ char *json = cfg(proc, top);
	struct spec *s = parse_text(json);

	if (s) {
		spec_free(s);
		fprintf(stderr, "  parsed, but expected an error with `%s`\n", needle);
		return 0;
	}
	if (!strstr(last_err, needle)) {
		fprintf(stderr, "  error `%s` lacks `%s`\n", last_err, needle);
		return 0;
	}
	return 1;
}

static int bad_text(const char *json, const char *needle)
{
	struct spec *s = parse_text(json);

	if (s) {
		spec_free(s);
		fprintf(stderr, "  parsed, but expected an error with `%s`\n", needle);
		return 0;
	}
	if (!strstr(last_err, needle)) {
		fprintf(stderr, "  error `%s` lacks `%s`\n", last_err, needle);
		return 0;
	}
	return 1;
}

#define USERNS ",\"namespaces\":[{\"type\":\"user\"}]"
#define MAPS ",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]" \
	     ",\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"

static void default_spec_parses_back(void)
{
	_cleanup_free_ char *json = spec_default_json(false);
	struct spec *s = parse_text(json);
	const struct spec_mount *pts;

	CHECK(s != NULL);
	CHECK_STR(s->oci_version, SPEC_OCI_VERSION);
	CHECK(s->has_process && s->process.terminal && s->process.no_new_privileges);
	CHECK_STR(s->process.args[0], "sh");
	CHECK(strv_len(s->process.env) == 2);
	CHECK_STR(s->process.env[1], "TERM=xterm");
	CHECK(s->process.caps.present);
	CHECK(s->process.caps.bounding == ((1ULL << 29) | (1ULL << 5) | (1ULL << 10)));
	CHECK(s->process.caps.effective == s->process.caps.bounding);
	CHECK(s->process.caps.permitted == s->process.caps.bounding);
	CHECK(s->process.caps.ambient == 0 && s->process.caps.inheritable == 0);
	CHECK(s->process.n_rlimits == 1 && s->process.rlimits[0].resource == RLIMIT_NOFILE);
	CHECK(s->process.rlimits[0].soft == 1024 && s->process.rlimits[0].hard == 1024);
	CHECK_STR(s->root_path, "rootfs");
	CHECK(s->root_readonly);
	CHECK_STR(s->hostname, "argon");
	CHECK(s->n_mounts == 7);
	pts = &s->mounts[2];
	CHECK_STR(pts->destination, "/dev/pts");
	CHECK(pts->flags == (MS_NOSUID | MS_NOEXEC));
	CHECK_STR(pts->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	CHECK(s->mounts[5].flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
	CHECK(s->linux.ns[NS_PID].enabled && s->linux.ns[NS_NET].enabled);
	CHECK(s->linux.ns[NS_CGROUP].enabled && !s->linux.ns[NS_USER].enabled);
	CHECK(!s->linux.ns[NS_TIME].enabled);
	CHECK(strv_len(s->linux.masked_paths) == 11);
	CHECK(strv_len(s->linux.readonly_paths) == 5);
	CHECK(s->linux.has_resources);
	spec_free(s);
}

static void default_rootless_spec_parses_back(void)
{
	_cleanup_free_ char *json = spec_default_json(true);
	struct spec *s = parse_text(json);

	if (s == NULL)
		fprintf(stderr, "  %s\n", last_err);
	CHECK(s != NULL);
	CHECK(s->linux.ns[NS_USER].enabled && s->linux.ns[NS_USER].path == NULL);
	CHECK(!s->linux.ns[NS_NET].enabled && !s->linux.ns[NS_CGROUP].enabled);
	CHECK(s->linux.n_uid_mappings == 1 && s->linux.uid_mappings[0].host_id == geteuid());
	CHECK(s->linux.n_gid_mappings == 1 && s->linux.gid_mappings[0].host_id == getegid());
	CHECK(s->linux.uid_mappings[0].container_id == 0 && s->linux.uid_mappings[0].size == 1);
	CHECK_STR(s->mounts[5].destination, "/sys");
	CHECK(s->mounts[5].bind && s->mounts[5].recursive);
	CHECK((s->mounts[5].flags & MS_RDONLY) != 0);
	CHECK_STR(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
	CHECK(!s->linux.has_resources);
	spec_free(s);
}

static void default_json_is_tab_indented(void)
{
	_cleanup_free_ char *json = spec_default_json(false);

	CHECK_CONTAINS(json, "\n\t\"ociVersion\": \"" SPEC_OCI_VERSION "\"");
	CHECK_CONTAINS(json, "\"/sys/fs/cgroup\"");
	CHECK(strstr(json, "\\/") == NULL);
}

static void uid_round_trips_exactly(void)
{
	struct spec *s = good("\"user\":{\"uid\":2147483648,\"gid\":4294967295}", "");

	CHECK(s != NULL);
	CHECK(s->process.user.uid == 2147483648u);
	CHECK(s->process.user.gid == 4294967295u);
	spec_free(s);
	s = good("\"user\":{\"uid\":4294967295,\"gid\":2147483648}", "");
	CHECK(s != NULL);
	CHECK(s->process.user.uid == UINT32_MAX && s->process.user.gid == 1u << 31);
	spec_free(s);
}

static void uid_out_of_range_is_refused(void)
{
	static const char *const values[] = {
		"-1", "4294967296", "1.5", "\"0\"", "true", "1e3", "18446744073709551615",
	};
	char proc[128];

	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		snprintf(proc, sizeof proc, "\"user\":{\"uid\":%s,\"gid\":0}", values[i]);
		CHECK(bad(proc, "",
			  "config.json: process.user.uid: must be an integer in 0..4294967295"));
	}
}

static void integer_beyond_64_bits_is_refused(void)
{
	CHECK(bad("\"user\":{\"uid\":99999999999999999999999}", "", "does not fit in 64 bits"));
	CHECK(bad("\"user\":{\"uid\":-99999999999999999999999}", "", "config.json"));
}

static void malformed_json_names_input_and_offset(void)
{
	CHECK(bad_text("{\"ociVersion\":\"1.2.0\",\"root\":{", "config.json: invalid JSON at byte"));
	CHECK(bad_text("{\"ociVersion\":\"1.2.0\"} garbage", "config.json: invalid JSON at byte 23"));
	CHECK(bad_text("[1,2]", "config.json: the top level must be a JSON object"));
	CHECK(bad_text("", "unexpected end of data"));
	CHECK(bad_text("{'ociVersion':\"1.2.0\"}", "config.json: invalid JSON at byte 1"));
	CHECK(bad_text("{\"a\":NaN}", "invalid JSON"));
	CHECK(bad_text("{\"a\":\"x\ty\"}", "control character"));
}

static void null_members_count_as_absent(void)
{
	struct spec *s = good("\"env\":null,\"user\":null", "\"hostname\":null,\"hooks\":null");

	CHECK(s != NULL);
	CHECK(s->hostname == NULL && s->process.env && s->process.env[0] == NULL);
	spec_free(s);
}

static void version_is_checked(void)
{
	CHECK(bad_text("{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: is required"));
	CHECK(bad_text("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}", "not supported"));
	CHECK(bad_text("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"}}",
		       "`1.0` is not a semantic version"));
	CHECK(bad_text("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}", "ociVersion: must be a string"));
	struct spec *s = parse_text("{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"r\"}}");
	CHECK(s != NULL);
	CHECK(!s->has_process);
	spec_free(s);
}

static void root_is_checked(void)
{
	CHECK(bad_text("{\"ociVersion\":\"1.2.0\"}", "config.json: root: is required"));
	CHECK(bad_text("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"\"}}", "root.path: is required"));
	CHECK(bad_text("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\",\"readonly\":1}}",
		       "root.readonly: must be a boolean"));
}

static void unknown_keys_ignored_known_types_checked(void)
{
	struct spec *s = good("\"futureThing\":[1]", "\"somethingNew\":{\"x\":1}");

	CHECK(s != NULL);
	spec_free(s);
	CHECK(bad("", "\"hostname\":5,\"linux\":{\"namespaces\":[{\"type\":\"uts\"}]}",
		  "config.json: hostname: must be a string"));
	CHECK(bad("\"terminal\":\"yes\"", "", "process.terminal: must be a boolean"));
	CHECK(bad("", "\"mounts\":{}", "mounts: must be an array"));
}

static void capabilities_parse_to_masks(void)
{
	struct spec *s = good("\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"],"
			      "\"ambient\":[\"CAP_CHECKPOINT_RESTORE\"]}", "");

	CHECK(s != NULL);
	CHECK(s->process.caps.present);
	CHECK(s->process.caps.bounding == ((1ULL << 0) | (1ULL << 21)));
	CHECK(s->process.caps.ambient == 1ULL << 40);
	CHECK(s->process.caps.effective == 0);
	spec_free(s);
}

static void unknown_capability_is_named(void)
{
	CHECK(bad("\"capabilities\":{\"effective\":[\"CAP_KILL\",\"CAP_FLY\"]}", "",
		  "process.capabilities.effective[1]: unknown capability `CAP_FLY`"));
	CHECK(bad("\"capabilities\":{\"bounding\":[\"CHOWN\"]}", "", "unknown capability `CHOWN`"));
}

static void namespaces_are_checked(void)
{
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"pidd\"}]}",
		  "linux.namespaces[0].type: unknown namespace type `pidd`"));
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
		  "linux.namespaces[1].type: duplicate namespace `pid`"));
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}]}",
		  "linux.namespaces[0].path: `proc/1/ns/net` must be an absolute path"));
	struct spec *s = good("", "\"linux\":{\"namespaces\":[{\"type\":\"network\","
			      "\"path\":\"/proc/1/ns/net\"},{\"type\":\"time\",\"path\":\"\"}]}");
	CHECK(s != NULL);
	CHECK_STR(s->linux.ns[NS_NET].path, "/proc/1/ns/net");
	CHECK(s->linux.ns[NS_TIME].enabled && s->linux.ns[NS_TIME].path == NULL);
	spec_free(s);
}

static void rlimits_are_checked(void)
{
	CHECK(bad("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2048,\"hard\":1024}]", "",
		  "process.rlimits[0]: soft limit 2048 exceeds hard limit 1024"));
	CHECK(bad("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1},"
		  "{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1}]", "",
		  "process.rlimits[1]: duplicate `RLIMIT_CORE`"));
	CHECK(bad("\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]", "",
		  "process.rlimits[0].type: unknown rlimit `RLIMIT_FOO`"));
	CHECK(bad("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]", "",
		  "process.rlimits[0].hard: is required"));
	struct spec *s = good("\"rlimits\":[{\"type\":\"RLIMIT_MEMLOCK\",\"soft\":65536,"
			      "\"hard\":18446744073709551615}]", "");
	CHECK(s != NULL);
	CHECK(s->process.rlimits[0].resource == RLIMIT_MEMLOCK);
	CHECK(s->process.rlimits[0].hard == UINT64_MAX && s->process.rlimits[0].soft == 65536);
	spec_free(s);
}

static void process_command_is_checked(void)
{
	CHECK(bad("\"cwd\":\"tmp\"", "", "process.cwd: `tmp` must be an absolute path"));
	CHECK(bad("\"cwd\":\"\"", "", "process.cwd: is required"));
	CHECK(bad("\"args\":[]", "", "process.args: must be a non-empty array of strings"));
	CHECK(bad("\"args\":[\"sh\",3]", "", "process.args[1]: must be a string"));
	CHECK(bad("\"env\":[\"A=1\",\"NOEQUALS\"]", "", "process.env[1]: `NOEQUALS` is not KEY=VALUE"));
	CHECK(bad("\"env\":[\"=x\"]", "", "process.env[0]"));
	CHECK(bad("\"args\":[\"s\\u0000h\"]", "", "process.args[0]: must not contain a NUL byte"));
}

static void process_numbers_are_checked(void)
{
	CHECK(bad("\"user\":{\"umask\":4096}", "", "process.user.umask"));
	CHECK(bad("\"oomScoreAdj\":1001", "", "process.oomScoreAdj: must be an integer in -1000..1000"));
	CHECK(bad("\"user\":{\"additionalGids\":[1,-1]}", "", "process.user.additionalGids[1]"));
	CHECK(bad("\"consoleSize\":{\"height\":10}", "", "process.consoleSize.width: is required"));
	struct spec *s = good("\"user\":{\"uid\":1,\"gid\":2,\"umask\":18,"
			      "\"additionalGids\":[4294967295,0]},\"oomScoreAdj\":-1000,"
			      "\"consoleSize\":{\"height\":24,\"width\":80}", "");
	CHECK(s != NULL);
	CHECK(s->process.user.has_umask && s->process.user.umask == 022);
	CHECK(s->process.user.n_additional_gids == 2);
	CHECK(s->process.user.additional_gids[0] == UINT32_MAX);
	CHECK(s->process.has_oom_score_adj && s->process.oom_score_adj == -1000);
	CHECK(s->process.has_console_size && s->process.console_width == 80);
	spec_free(s);
}

static void mount_options_map_to_flags(void)
{
	struct spec *s = good("", "\"mounts\":[{\"destination\":\"/data\",\"type\":\"none\","
			      "\"source\":\"/srv\",\"options\":[\"ro\",\"nosuid\",\"nodev\","
			      "\"noexec\",\"rbind\",\"rprivate\",\"size=64k\",\"mode=755\"]}]");
	const struct spec_mount *m;

	CHECK(s != NULL);
	m = &s->mounts[0];
	CHECK(m->flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_BIND | MS_REC));
	CHECK(m->clear_flags == 0);
	CHECK(m->propagation == (MS_PRIVATE | MS_REC));
	CHECK(m->bind && m->recursive);
	CHECK_STR(m->data, "size=64k,mode=755");
	CHECK(strv_len(m->options) == 8);
	CHECK_STR(m->options[6], "size=64k");
	spec_free(s);
}

static void mount_later_words_win(void)
{
	struct spec *s = good("", "\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\","
			      "\"source\":\"tmpfs\",\"options\":[\"ro\",\"rw\",\"nosuid\",\"suid\","
			      "\"tmpcopyup\",\"bind\"]},{\"destination\":\"/b\",\"type\":\"bind\","
			      "\"source\":\"/x\"}]");

	CHECK(s != NULL);
	CHECK((s->mounts[0].flags & (MS_RDONLY | MS_NOSUID)) == 0);
	CHECK(s->mounts[0].clear_flags == (MS_RDONLY | MS_NOSUID));
	CHECK(s->mounts[0].tmpcopyup && s->mounts[0].bind && !s->mounts[0].recursive);
	CHECK(s->mounts[0].data == NULL);
	CHECK(s->mounts[1].bind && !s->mounts[1].recursive && (s->mounts[1].flags & MS_BIND));
	spec_free(s);
}

static void mount_destinations_are_cleaned(void)
{
	struct spec *s = good("", "\"mounts\":[{\"destination\":\"proc\",\"type\":\"proc\"},"
			      "{\"destination\":\"/a//b/./c/\",\"type\":\"tmpfs\"}]");

	CHECK(s != NULL);
	CHECK_STR(s->mounts[0].destination, "/proc");
	CHECK_STR(s->mounts[1].destination, "/a/b/c");
	spec_free(s);
	CHECK(bad("", "\"mounts\":[{\"destination\":\"/a/../../etc\",\"type\":\"tmpfs\"}]",
		  "mounts[0].destination: `/a/../../etc` must not contain `..`"));
	CHECK(bad("", "\"mounts\":[{\"type\":\"tmpfs\"}]", "mounts[0].destination: is required"));
	CHECK(bad("", "\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\"}]",
		  "mounts[0].source: is required for a bind mount"));
	CHECK(bad("", "\"mounts\":[{\"destination\":\"/x\",\"source\":\"x\"}]", "mounts[0].type"));
}

static bool listed(const char *const *names, const char *word)
{
	for (; *names; names++)
		if (strcmp(*names, word) == 0)
			return true;
	return false;
}

static void mount_option_names_listed(void)
{
	static const char *const expected[] = {
		"ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async",
		"dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime",
		"nodiratime", "relatime", "norelatime", "strictatime", "nostrictatime",
		"lazytime", "nolazytime", "bind", "rbind", "private", "rprivate", "shared",
		"rshared", "slave", "rslave", "unbindable", "runbindable", "silent", "loud",
		"iversion", "noiversion", "tmpcopyup",
	};
	const char *const *names = spec_mount_option_names();

	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		if (!listed(names, expected[i]))
			fprintf(stderr, "  `%s` missing\n", expected[i]);
		CHECK(listed(names, expected[i]));
	}
	CHECK(!listed(names, "size=64k") && !listed(names, "mode=755"));
}

static void sysctls_must_be_namespaced(void)
{
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
		  "\"sysctl\":{\"vm.swappiness\":\"10\"}}",
		  "config.json: linux.sysctl: `vm.swappiness` is not namespaced"));
	CHECK(bad("", "\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}",
		  "linux.sysctl: `net.ipv4.ip_forward` requires a network namespace"));
	CHECK(bad("", "\"linux\":{\"sysctl\":{\"kernel.shmmax\":\"1\"}}", "requires an IPC namespace"));
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"ipc\"}],"
		  "\"sysctl\":{\"kernel.shmmax\":5}}", "linux.sysctl.kernel.shmmax: must be a string"));
	struct spec *s = good("", "\"linux\":{\"namespaces\":[{\"type\":\"network\"},{\"type\":\"ipc\"}],"
			      "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"9\","
			      "\"fs.mqueue.msg_max\":\"20\"}}");
	CHECK(s != NULL);
	CHECK(s->linux.n_sysctl == 3);
	CHECK_STR(s->linux.sysctl[0].key, "net.ipv4.ip_forward");
	CHECK_STR(s->linux.sysctl[0].value, "1");
	spec_free(s);
}

static void resources_limits_are_kept(void)
{
	struct spec *s = good("", "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,"
			      "\"access\":\"rwm\"}],\"memory\":{\"limit\":1048576}}}");

	CHECK(s != NULL);
	CHECK(s->linux.resources.memory.limit.set && s->linux.resources.memory.limit.v == 1048576);
	spec_free(s);
	s = good("", "\"linux\":{\"resources\":{\"unified\":{\"memory.max\":\"max\"}}}");
	CHECK(s != NULL);
	CHECK(s->linux.resources.n_unified == 1);
	CHECK_STR(s->linux.resources.unified[0].key, "memory.max");
	spec_free(s);
}

/* A bad limit fails the whole config at parse time, naming the field. */
static void resources_bad_limits_are_refused(void)
{
	CHECK(bad("", "\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}",
		  "linux.resources.memory.swappiness"));
	CHECK(bad("", "\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"3-1\"}}}",
		  "linux.resources.cpu.cpus"));
	CHECK(bad("", "\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}}",
		  "linux.resources.devices"));
	CHECK(bad("", "\"linux\":{\"resources\":[]}", "linux.resources"));
}

static void id_mappings_need_user_namespace(void)
{
	CHECK(bad("", "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}",
		  "config.json: linux.uidMappings: requires a user namespace"));
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}",
		  "a new user namespace requires linux.uidMappings"));
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}",
		  "linux.uidMappings[0]: size must be greater than 0"));
	CHECK(bad("", "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		  "\"uidMappings\":[{\"containerID\":4294967295,\"hostID\":1,\"size\":2}]}",
		  "linux.uidMappings[0]: the range runs past"));
	struct spec *s = good("", "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]" MAPS "}");
	CHECK(s != NULL);
	CHECK(s->linux.n_uid_mappings == 1 && s->linux.uid_mappings[0].host_id == 1000);
	spec_free(s);
	s = good("", "\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/9/ns/user\"}]}");
	CHECK(s != NULL);
	spec_free(s);
}

static void hooks_are_checked(void)
{
	CHECK(bad("", "\"hooks\":{\"prestart\":[{\"args\":[\"x\"]}]}",
		  "config.json: hooks.prestart[0].path: is required"));
	CHECK(bad("", "\"hooks\":{\"poststop\":[{\"path\":\"bin/hook\"}]}",
		  "hooks.poststop[0].path: `bin/hook` must be an absolute path"));
	CHECK(bad("", "\"hooks\":{\"createRuntime\":[{\"path\":\"/h\",\"timeout\":0}]}",
		  "hooks.createRuntime[0].timeout: must be an integer in 1.."));
	CHECK(bad("", "\"hooks\":{\"startContainer\":[{\"path\":\"/h\",\"env\":[\"X\"]}]}",
		  "hooks.startContainer[0].env[0]"));
	struct spec *s = good("", "\"hooks\":{\"createContainer\":[{\"path\":\"/h\",\"args\":[\"h\","
			      "\"a\"],\"env\":[\"K=V\"],\"timeout\":5},{\"path\":\"/g\"}],\"unknownHook\":[]}");
	CHECK(s != NULL);
	CHECK(s->hooks[HOOK_CREATE_CONTAINER].n == 2);
	CHECK_STR(s->hooks[HOOK_CREATE_CONTAINER].v[0].args[1], "a");
	CHECK(s->hooks[HOOK_CREATE_CONTAINER].v[0].has_timeout);
	CHECK(s->hooks[HOOK_CREATE_CONTAINER].v[0].timeout == 5);
	CHECK(!s->hooks[HOOK_CREATE_CONTAINER].v[1].has_timeout);
	CHECK(s->hooks[HOOK_PRESTART].n == 0);
	spec_free(s);
}

static void hostname_is_checked(void)
{
	CHECK(bad("", "\"hostname\":\"box\"", "config.json: hostname: requires a UTS namespace"));
	CHECK(bad("", "\"hostname\":\"a/b\",\"linux\":{\"namespaces\":[{\"type\":\"uts\"}]}",
		  "hostname: `a/b` must not contain `/`"));
	CHECK(bad("", "\"domainname\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
		  "domainname: `aaaa"));
}

static void devices_are_checked(void)
{
	CHECK(bad("", "\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\"}]}",
		  "linux.devices[0].type: must be one of"));
	CHECK(bad("", "\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"minor\":1}]}",
		  "linux.devices[0].major: is required"));
	CHECK(bad("", "\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"p\"}]}",
		  "linux.devices[0].path: `dev/x` must be an absolute path"));
	struct spec *s = good("", "\"linux\":{\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\","
			      "\"major\":10,\"minor\":229,\"fileMode\":438,\"uid\":0},"
			      "{\"path\":\"/dev/fifo\",\"type\":\"p\"}]}");
	CHECK(s != NULL);
	CHECK(s->linux.n_devices == 2);
	CHECK(s->linux.devices[0].type == 'c' && s->linux.devices[0].major == 10);
	CHECK(s->linux.devices[0].minor == 229 && s->linux.devices[0].mode == 0666);
	CHECK(s->linux.devices[0].has_mode && s->linux.devices[0].has_uid);
	CHECK(!s->linux.devices[0].has_gid && !s->linux.devices[1].has_mode);
	spec_free(s);
}

static void linux_misc_fields(void)
{
	struct spec *s = good("", "\"linux\":{\"namespaces\":[{\"type\":\"time\"}],"
			      "\"rootfsPropagation\":\"rslave\",\"cgroupsPath\":\"/argon/x\","
			      "\"timeOffsets\":{\"monotonic\":{\"secs\":-5,\"nanosecs\":7}},"
			      "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"},"
			      "\"maskedPaths\":[\"/proc/kcore\"]}");

	CHECK(s != NULL);
	CHECK(s->linux.rootfs_propagation == (MS_SLAVE | MS_REC));
	CHECK_STR(s->linux.cgroups_path, "/argon/x");
	CHECK(s->linux.time_monotonic.set && s->linux.time_monotonic.secs == -5);
	CHECK(s->linux.time_monotonic.nanosecs == 7 && !s->linux.time_boottime.set);
	CHECK_STR(s->linux.seccomp_json, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
	spec_free(s);
	CHECK(bad("", "\"linux\":{\"rootfsPropagation\":\"sideways\"}",
		  "linux.rootfsPropagation: unknown propagation `sideways`"));
	CHECK(bad("", "\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":1}}}",
		  "linux.timeOffsets: requires a new time namespace"));
	CHECK(bad("", "\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}", "linux.maskedPaths[0]"));
}

static void annotations_are_strings(void)
{
	struct spec *s = good("", "\"annotations\":{\"org.example/a\":\"1\",\"b\":\"\"}");

	CHECK(s != NULL);
	CHECK(s->n_annotations == 2);
	CHECK_STR(s->annotations[0].key, "org.example/a");
	CHECK_STR(s->annotations[1].value, "");
	spec_free(s);
	CHECK(bad("", "\"annotations\":{\"a\":1}", "annotations.a: must be a string"));
}

static void failure_leaves_out_untouched(void)
{
	struct spec *sentinel = (struct spec *)&last_err, *s = sentinel;
	struct ar_err err = { 0 };
	const char *json = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{}]}";

	CHECK(spec_parse(json, strlen(json), "config.json", &s, &err) < 0);
	CHECK(s == sentinel);
	CHECK(err.msg != NULL && err.errnum == 0);
	ar_err_clear(&err);
}

static void standalone_process_parses(void)
{
	const char *ok = "{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/tmp\",\"user\":{\"uid\":4294967295}}";
	const char *bad_uid = "{\"args\":[\"ls\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}";
	struct spec_process p = { 0 };
	struct ar_err err = { 0 };

	CHECK(spec_parse_process(ok, strlen(ok), "process.json", &p, &err) == 0);
	CHECK_STR(p.args[1], "-l");
	CHECK(p.user.uid == UINT32_MAX);
	spec_process_free(&p);
	CHECK(p.args == NULL);
	CHECK(spec_parse_process(bad_uid, strlen(bad_uid), "process.json", &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "process.json: user.uid: must be an integer in 0..4294967295");
	CHECK(p.args == NULL);
	ar_err_clear(&err);
	CHECK(spec_parse_process("{\"args\":[\"ls\"]}", 15, "p.json", &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "p.json: cwd: is required");
	ar_err_clear(&err);
}

static void load_bundle_reads_config(void)
{
	char dir[] = "/tmp/argon-test-spec-XXXXXX";
	_cleanup_free_ char *json = spec_default_json(false);
	struct ar_err err = { 0 };
	struct spec *s = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int fd, r;

	CHECK(mkdtemp(dir) != NULL);
	r = spec_load_bundle(dir, &s, NULL, NULL, &err);
	CHECK(r < 0 && err.errnum == ENOENT);
	_cleanup_free_ char *want = xasprintf("open `%s/config.json`: ", dir);
	CHECK_CONTAINS(err.msg, want);
	ar_err_clear(&err);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	r = write_file_at(fd, "config.json", json, strlen(json), O_CREAT | O_TRUNC, 0644, &err);
	if (r == 0)
		r = spec_load_bundle(dir, &s, &text, &len, &err);
	unlinkat(fd, "config.json", 0);
	close(fd);
	rmdir(dir);
	CHECK(r == 0 && s != NULL);
	CHECK_STR(s->hostname, "argon");
	spec_free(s);
	CHECK(text != NULL && len == strlen(json) && memcmp(text, json, len) == 0);
}

static void name_tables(void)
{
	CHECK(cap_from_name("CAP_CHOWN") == 0);
	CHECK(cap_from_name("CAP_SYS_ADMIN") == 21);
	CHECK(cap_from_name("CAP_CHECKPOINT_RESTORE") == 40);
	CHECK(cap_from_name("CHOWN") == -1 && cap_from_name("cap_chown") == -1);
	CHECK(cap_from_name(NULL) == -1);
	CHECK_STR(cap_name(40), "CAP_CHECKPOINT_RESTORE");
	CHECK(cap_name(41) == NULL && cap_name(-1) == NULL);
	CHECK(cap_last_known() == 40);
	for (int i = 0; i <= cap_last_known(); i++)
		CHECK(cap_name(i) != NULL && cap_from_name(cap_name(i)) == i);
	CHECK(rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE);
	CHECK(rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
	CHECK(rlimit_from_name("NOFILE") == -1);
	CHECK_STR(spec_ns_name(NS_NET), "network");
	CHECK_STR(spec_ns_name(NS_MOUNT), "mount");
	CHECK(spec_ns_clone_flag(NS_MOUNT) == CLONE_NEWNS);
	CHECK(spec_ns_clone_flag(NS_USER) == CLONE_NEWUSER);
	CHECK(spec_ns_clone_flag(NS_TIME) == 0x80);
	CHECK_STR(spec_hook_name(HOOK_CREATE_RUNTIME), "createRuntime");
	CHECK_STR(spec_hook_name(HOOK_POSTSTOP), "poststop");
	CHECK(spec_hook_name(HOOK__COUNT) == NULL);
}

UNIT_MAIN(UNIT(default_spec_parses_back), UNIT(default_rootless_spec_parses_back),
	  UNIT(default_json_is_tab_indented), UNIT(uid_round_trips_exactly),
	  UNIT(uid_out_of_range_is_refused), UNIT(integer_beyond_64_bits_is_refused),
	  UNIT(malformed_json_names_input_and_offset), UNIT(null_members_count_as_absent),
	  UNIT(version_is_checked), UNIT(root_is_checked),
	  UNIT(unknown_keys_ignored_known_types_checked), UNIT(capabilities_parse_to_masks),
	  UNIT(unknown_capability_is_named), UNIT(namespaces_are_checked),
	  UNIT(rlimits_are_checked), UNIT(process_command_is_checked),
	  UNIT(process_numbers_are_checked), UNIT(mount_options_map_to_flags),
	  UNIT(mount_later_words_win), UNIT(mount_destinations_are_cleaned),
	  UNIT(mount_option_names_listed), UNIT(sysctls_must_be_namespaced),
	  UNIT(resources_limits_are_kept), UNIT(resources_bad_limits_are_refused),
	  UNIT(id_mappings_need_user_namespace), UNIT(hooks_are_checked),
	  UNIT(hostname_is_checked), UNIT(devices_are_checked), UNIT(linux_misc_fields),
	  UNIT(annotations_are_strings), UNIT(failure_leaves_out_untouched),
	  UNIT(standalone_process_parses), UNIT(load_bundle_reads_config), UNIT(name_tables))
