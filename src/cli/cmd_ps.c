/* argon — `argon ps` and `argon inspect` in docker's shapes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "engine_net.h"
#include "engine_ops.h"
#include "util.h"

static json_object *json_file(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);

	return json_object_from_file(path);
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Where the user's command starts in process.args: after `argon-init --`
 * with --init (docker shows the command, not its reaper). */
static size_t first_user_arg(json_object *args)
{
	json_object *a0 = args ? json_object_array_get_idx(args, 0) : NULL;
	json_object *a1 = args ? json_object_array_get_idx(args, 1) : NULL;

	if (a0 && a1 && strcmp(json_object_get_string(a0), BUNDLE_INIT_PATH) == 0 &&
	    strcmp(json_object_get_string(a1), "--") == 0)
		return 2;
	return 0;
}

/* The user's part of process.args, as a new array. */
static json_object *user_args(json_object *args)
{
	json_object *out = json_object_new_array();

	for (size_t k = first_user_arg(args); args && k < json_object_array_length(args); k++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(args, k)));
	return out;
}

/* The process args of the bundle's config.json, as one line. */
static char *command_line(const struct engine_info *i)
{
	json_object *cfg = json_file(i->c.dir, "config.json");
	json_object *args = get(get(cfg, "process"), "args");
	_cleanup_free_ char *line = xstrdup("");

	for (size_t k = first_user_arg(args); args && k < json_object_array_length(args); k++) {
		char *next = xasprintf("%s%s%s", line, *line ? " " : "",
				       json_object_get_string(json_object_array_get_idx(args, k)));
		free(line);
		line = next;
	}
	json_object_put(cfg);
	return steal_ptr(&line);
}

static char *human_duration(int64_t secs)
{
	if (secs < 1)
		return xstrdup("Less than a second");
	if (secs < 60)
		return xasprintf("%lld seconds", (long long)secs);
	if (secs < 120)
		return xstrdup("About a minute");
	if (secs < 3600)
		return xasprintf("%lld minutes", (long long)(secs / 60));
	if (secs < 7200)
		return xstrdup("About an hour");
	return xasprintf("%lld hours", (long long)(secs / 3600));
}

/* docker's STATUS: "Created", "Up 3 seconds", "Exited (3) 2 seconds ago". */
static char *status_text(const struct engine_info *i)
{
	int64_t now = (int64_t)time(NULL);

	if (i->state == ENGINE_RUNNING) {
		_cleanup_free_ char *d = human_duration(now - i->started_at / 1000000000LL);
		return xasprintf("Up %s%s", d, i->paused ? " (Paused)" : "");
	}
	if (i->state == ENGINE_EXITED) {
		_cleanup_free_ char *d = human_ago(i->finished_at / 1000000000LL);
		return xasprintf("Exited (%d) %s", i->exit_code, d);
	}
	return xstrdup("Created");
}

static const char *image_ref(const struct engine_info *i, json_object *opts)
{
	json_object *img = get(opts, "Image");

	return img ? json_object_get_string(img) : i->c.image_id;
}

struct ps_out {
	bool all, quiet, json, no_trunc;
	struct table *t;
};

/* docker's PORTS column: "0.0.0.0:8080->80/tcp, 127.0.0.1:9000->90/udp". */
static char *ports_text(const struct engine_info *i)
{
	struct engine_port *p = NULL;
	size_t n = 0;
	char *text = xstrdup("");

	if (engine_ports(i, &p, &n, NULL) < 0)
		return text;
	for (size_t k = 0; k < n; k++) {
		char *t = xasprintf("%s%s%s->%s", text, k ? ", " : "", p[k].host, p[k].private_port);
		free(text);
		text = t;
	}
	engine_ports_free(p, n);
	return text;
}

static void ps_json(const struct engine_info *i, const char *id, const char *image,
		    const char *cmd, const char *status)
{
	_cleanup_free_ char *ports = ports_text(i);
	json_object *o = json_object_new_object();
	_cleanup_free_ char *created = rfc3339(i->c.created);

	json_object_object_add(o, "Command", json_object_new_string(cmd));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "ID", json_object_new_string(id));
	json_object_object_add(o, "Image", json_object_new_string(image));
	json_object_object_add(o, "Names", json_object_new_string(i->c.name));
	json_object_object_add(o, "Ports", json_object_new_string(ports));
	json_object_object_add(o, "State", json_object_new_string(engine_status_name(i)));
	json_object_object_add(o, "Status", json_object_new_string(status));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int ps_row(const struct engine_info *i, void *data)
{
	struct ps_out *out = data;

	if (!out->all && i->state != ENGINE_RUNNING)
		return 0;
	_cleanup_free_ char *id = out->no_trunc ? xstrdup(i->c.id) : short_id(i->c.id);
	if (out->quiet) {
		printf("%s\n", id);
		return 0;
	}
	json_object *opts = i->config ? json_tokener_parse(i->config) : NULL;
	_cleanup_free_ char *cmd = command_line(i), *status = status_text(i);
	_cleanup_free_ char *ago = human_ago(i->c.created);
	_cleanup_free_ char *shown = out->no_trunc || strlen(cmd) <= 20
		? xasprintf("\"%s\"", cmd) : xasprintf("\"%.19s…\"", cmd);
	if (out->json)
		ps_json(i, id, image_ref(i, opts), cmd, status);
	else {
		_cleanup_free_ char *ports = ports_text(i);
		table_row(out->t, id, image_ref(i, opts), shown, ago, status, ports, i->c.name);
	}
	json_object_put(opts);
	return 0;
}

int cmd_ps(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, { "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' }, { "no-trunc", no_argument, NULL, 'N' },
		{ 0 },
	};
	struct ps_out out = { 0 };
	struct engine *e;
	int c, r;

	while ((c = getopt_long(argc, argv, "+aq", opts, NULL)) != -1) {
		if (c == 'a')
			out.all = true;
		else if (c == 'q')
			out.quiet = true;
		else if (c == 'N')
			out.no_trunc = true;
		else if (c != 'f' || cli_format(optarg, &out.json, err) < 0)
			return cli_usage(err, "usage: argon ps [-a] [-q] [--no-trunc] [--format json]");
	}
	if (optind != argc)
		return cli_usage(err, "`argon ps` accepts no arguments");
	if ((e = cli_engine(cli, err)) == NULL)
		return -1;
	if (!out.quiet && !out.json)
		out.t = table_new(7, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
				  "NAMES");
	r = engine_list(e, ps_row, &out, err);
	if (out.t)
		table_print(out.t, stdout);
	return r;
}

/* ------------------------------------------------------------ inspect */

static json_object *time_json(int64_t ns)
{
	char buf[64], frac[16];
	time_t t = (time_t)(ns / 1000000000LL);
	struct tm tm;

	if (ns == 0)
		return json_object_new_string("0001-01-01T00:00:00Z");
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof frac, ".%09lldZ", (long long)(ns % 1000000000LL));
	strcat(buf, frac);
	return json_object_new_string(buf);
}

static json_object *state_json(const struct engine_info *i)
{
	json_object *s = json_object_new_object();
	bool running = i->state == ENGINE_RUNNING;

	json_object_object_add(s, "Status", json_object_new_string(engine_status_name(i)));
	json_object_object_add(s, "Running", json_object_new_boolean(running));
	json_object_object_add(s, "Paused", json_object_new_boolean(i->paused));
	json_object_object_add(s, "Pid", json_object_new_int(running ? i->init_pid : 0));
	json_object_object_add(s, "MonitorPid", json_object_new_int(i->monitor_pid));
	json_object_object_add(s, "ExitCode", json_object_new_int(i->exit_code));
	json_object_object_add(s, "OOMKilled", json_object_new_boolean(i->oom_killed));
	json_object_object_add(s, "Error", json_object_new_string(
		i->exit_code == -1 ? "the monitor died: the exit status is unknown" : ""));
	json_object_object_add(s, "StartedAt", time_json(i->started_at));
	json_object_object_add(s, "FinishedAt", time_json(i->finished_at));
	return s;
}

static json_object *copy_of(json_object *v)
{
	return v ? json_object_get(v) : NULL;
}

/* docker's Mounts: what the user asked for (-v, --mount, --tmpfs), not
 * the runtime's default /proc, /dev, ... */
static json_object *mounts_json(json_object *oci, const char *volumes_dir,
			       const char *containers_dir)
{
	static const char *const defaults[] = { "/proc", "/dev", "/dev/pts", "/dev/shm",
						"/dev/mqueue", "/sys", "/sys/fs/cgroup" };
	json_object *out = json_object_new_array();
	size_t vlen = strlen(volumes_dir);

	for (size_t k = 0; oci && k < json_object_array_length(oci); k++) {
		json_object *m = json_object_array_get_idx(oci, k), *opts = get(m, "options");
		const char *dst = json_object_get_string(get(m, "destination"));
		const char *src = json_object_get_string(get(m, "source"));
		const char *type = json_object_get_string(get(m, "type"));
		bool dflt = false, ro = false;
		for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++)
			dflt |= dst && strcmp(dst, defaults[d]) == 0;
		dflt |= dst && strcmp(dst, BUNDLE_INIT_PATH) == 0;	/* --init's own */
		dflt |= dst && src && engine_net_file_mount(containers_dir, dst, src);
		if (dflt || dst == NULL || src == NULL || type == NULL)
			continue;
		for (size_t o = 0; opts && o < json_object_array_length(opts); o++)
			ro |= strcmp(json_object_get_string(json_object_array_get_idx(opts, o)), "ro") == 0;
		bool volume = strncmp(src, volumes_dir, vlen) == 0 && src[vlen] == '/';
		json_object *j = json_object_new_object();
		json_object_object_add(j, "Type", json_object_new_string(
			strcmp(type, "tmpfs") == 0 ? "tmpfs" : volume ? "volume" : "bind"));
		if (volume) {
			_cleanup_free_ char *name = strndup(src + vlen + 1, strcspn(src + vlen + 1, "/"));
			json_object_object_add(j, "Name", json_object_new_string(name));
		}
		json_object_object_add(j, "Source", json_object_new_string(
			strcmp(type, "tmpfs") == 0 ? "" : src));
		json_object_object_add(j, "Destination", json_object_new_string(dst));
		json_object_object_add(j, "RW", json_object_new_boolean(!ro));
		json_object_array_add(out, j);
	}
	return out;
}

/* docker's HostConfig names the engine options JSON keeps as they are. */
static const char *const host_keys[] = {
	"NanoCpus", "CpuShares", "CpusetCpus", "BlkioWeight", "MemorySwap", "Ulimits", "Devices",
	"CapAdd", "CapDrop", "Privileged", "SecurityOpt", "Sysctls", "GroupAdd", "NetworkMode", "Init",
	"LogConfig", NULL,
};


/* Where the container's root lives (docker's GraphDriver, overlay), and
 * with --storage-size its cap. */
static json_object *graph_driver_json(const struct engine_info *i)
{
	json_object *g = json_object_new_object(), *data = json_object_new_object();
	/* A capped sandbox keeps its layer in the ext4 image (sandbox.h). */
	const char *layer = i->c.storage_size ? "/sandbox" : "";
	_cleanup_free_ char *merged = xasprintf("%s/rootfs", i->c.dir);
	_cleanup_free_ char *upper = xasprintf("%s%s/upper", i->c.dir, layer);
	_cleanup_free_ char *work = xasprintf("%s%s/work", i->c.dir, layer);

	json_object_object_add(data, "MergedDir", json_object_new_string(merged));
	json_object_object_add(data, "UpperDir", json_object_new_string(upper));
	json_object_object_add(data, "WorkDir", json_object_new_string(work));
	if (i->c.storage_size)
		json_object_object_add(data, "Size", json_object_new_int64((int64_t)i->c.storage_size));
	json_object_object_add(g, "Name", json_object_new_string("overlay"));
	json_object_object_add(g, "Data", data);
	return g;
}

static json_object *container_json(struct engine *e, const struct engine_info *i,
				   const char *root)
{
	json_object *o = json_object_new_object(), *cfg = json_file(i->c.dir, "config.json");
	json_object *opts = i->config ? json_tokener_parse(i->config) : NULL;
	json_object *proc = get(cfg, "process"), *args = user_args(get(proc, "args"));
	json_object *conf = json_object_new_object(), *host = json_object_new_object();
	_cleanup_free_ char *name = xasprintf("/%s", i->c.name), *created = rfc3339(i->c.created);

	json_object_object_add(o, "Id", json_object_new_string(i->c.id));
	json_object_object_add(o, "Created", json_object_new_string(created));
	json_object_object_add(o, "Path", copy_of(args ? json_object_array_get_idx(args, 0) : NULL));
	json_object *rest = json_object_new_array();
	for (size_t k = 1; args && k < json_object_array_length(args); k++)
		json_object_array_add(rest, copy_of(json_object_array_get_idx(args, k)));
	json_object_object_add(o, "Args", rest);
	json_object_object_add(o, "State", state_json(i));
	json_object_object_add(o, "Image", json_object_new_string(i->c.image_id));
	json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(conf, "Image", copy_of(get(opts, "Image")));
	json_object_object_add(conf, "Hostname", copy_of(get(cfg, "hostname")));
	json_object_object_add(conf, "Cmd", copy_of(args));
	json_object_object_add(conf, "Env", copy_of(get(proc, "env")));
	json_object_object_add(conf, "WorkingDir", copy_of(get(proc, "cwd")));
	json_object_object_add(conf, "Labels", copy_of(get(opts, "Labels")));
	json_object_object_add(conf, "StopSignal", copy_of(get(opts, "StopSignal")));
	json_object_object_add(conf, "StopTimeout", copy_of(get(opts, "StopTimeout")));
	json_object_object_add(o, "Config", conf);
	json_object_object_add(host, "AutoRemove", copy_of(get(opts, "AutoRemove")));
	json_object_object_add(host, "Memory", copy_of(get(opts, "Memory")));
	json_object_object_add(host, "PidsLimit", copy_of(get(opts, "PidsLimit")));
	for (const char *const *k = host_keys; *k; k++)	/* as recorded by engine_create */
		if (json_object_object_get_ex(opts, *k, NULL))
			json_object_object_add(host, *k, copy_of(get(opts, *k)));
	json_object_object_add(o, "HostConfig", host);
	_cleanup_free_ char *volumes = xasprintf("%s/volumes", root);
	_cleanup_free_ char *containers = xasprintf("%s/containers", root);
	json_object_object_add(o, "Mounts", mounts_json(get(cfg, "mounts"), volumes, containers));
	json_object_object_add(o, "BundlePath", json_object_new_string(i->c.dir));
	json_object_object_add(o, "GraphDriver", graph_driver_json(i));
	json_object_object_add(o, "NetworkSettings", engine_net_settings(e, i));
	json_object_put(cfg);
	json_object_put(opts);
	json_object_put(args);
	return o;
}

static json_object *inspect_container(struct cli *cli, const char *name, struct ar_err *err)
{
	struct engine_info i;
	json_object *o;

	if (engine_find(&cli->engine, name, &i, err) < 0)
		return NULL;
	engine_load_paused(&cli->engine, &i);
	o = container_json(&cli->engine, &i, cli->store->root);
	engine_info_free(&i);
	return o;
}

int cmd_inspect(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage(err, "usage: argon inspect CONTAINER...");
	if (cli_engine(cli, err) == NULL)
		return -1;
	return cli_inspect_each(cli, argc, argv, inspect_container);
}
