/* argon-runtime state, list, ps, spec, features. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "spec.h"
#include "util.h"

#define JSON_OUT (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE | \
		  JSON_C_TO_STRING_PRETTY_TAB)

static int no_flags(int argc, char **argv, const char *cmd, struct ar_err *err)
{
	if (getopt_long(argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
		return ar_error(err, EINVAL, "%s: unknown flag `%s`", cmd, argv[optind - 1]);
	return 0;
}

int cmd_state(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	const char *id;
	_cleanup_free_ char *json = NULL;

	if (no_flags(argc, argv, "state", err) < 0 || cli_one_id(argc, argv, optind, "state", &id, err) < 0)
		return -1;
	if (ar_container_state(&cli->rt, id, &json, err) < 0)
		return -1;
	puts(json);
	return 0;
}

static int parse_format(const char *s, bool *json, struct ar_err *err)
{
	if (strcmp(s, "json") == 0)
		*json = true;
	else if (strcmp(s, "table") == 0)
		*json = false;
	else
		return ar_error(err, EINVAL, "--format `%s`: use table or json", s);
	return 0;
}

struct list_row {
	char *id, *bundle, *created, *owner;
	const char *status;
	int pid;
	json_object *obj;
};

/* runc's OWNER: the user who owns the state, i.e. the state root (which
 * must be its owner's alone: dir_check_private). A uid without a name is
 * shown as the number. */
static char *root_owner_name(int rootfd)
{
	struct stat st;
	struct passwd *pw;

	if (fstat(rootfd, &st) < 0)
		return xstrdup("");
	pw = getpwuid(st.st_uid);
	return pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)st.st_uid);
}

static json_object *list_load(struct cli *cli, const char *id, const char *owner,
			      struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	json_object *o, *v;

	if (ar_container_state(&cli->rt, id, &text, err) < 0)
		return NULL;
	o = json_tokener_parse(text);
	if (o && (!json_object_object_get_ex(o, "owner", &v) || !*json_object_get_string(v)))
		json_object_object_add(o, "owner", json_object_new_string(owner));
	return o;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static void list_table(json_object *arr)
{
	size_t n = json_object_array_length(arr);
	int w = 2;

	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(jstr(json_object_array_get_idx(arr, i), "id"));
		w = l > w ? l : w;
	}
	printf("%-*s   %-8s %-10s %-40s %-30s %s\n", w, "ID", "PID", "STATUS", "BUNDLE",
	       "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		printf("%-*s   %-8s %-10s %-40s %-30s %s\n", w, jstr(o, "id"), jstr(o, "pid"),
		       jstr(o, "status"), jstr(o, "bundle"), jstr(o, "created"),
		       jstr(o, "owner"));
	}
}

int cmd_list(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' }, { 0 },
	};
	bool quiet = false, json = false;
	_cleanup_strv_ char **ids = NULL;
	_cleanup_free_ char *owner = NULL;
	size_t n = 0;
	json_object *arr;
	int c;

	while ((c = getopt_long(argc, argv, "+qf:", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c != 'f' || parse_format(optarg, &json, err) < 0)
			return c == 'f' ? -1 : ar_error(err, EINVAL, "list: unknown flag `%s`", argv[optind - 1]);
	}
	if (ar_runtime_open_root(&cli->rt, err) < 0 || state_list_ids(cli->rt.rootfd, &ids, &n, err) < 0)
		return -1;
	owner = root_owner_name(cli->rt.rootfd);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct ar_err skip = { 0 };
		json_object *o = list_load(cli, ids[i], owner, &skip);
		ar_err_clear(&skip);	/* half-created or just deleted: not listed */
		if (o)
			json_object_array_add(arr, o);
	}
	if (quiet)
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			puts(jstr(json_object_array_get_idx(arr, i), "id"));
	else if (json)	/* runc prints null for no containers */
		puts(json_object_array_length(arr) ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_NOSLASHESCAPE) : "null");
	else
		list_table(arr);
	json_object_put(arr);
	return 0;
}

static bool pid_in(pid_t p, const pid_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/* `ps` output filtered to the container's PIDs, like runc ps. */
static int ps_table(char **ps_args, const pid_t *pids, size_t n, struct ar_err *err)
{
	_cleanup_free_ char *cmd = NULL;
	char line[4096];
	FILE *f;
	int pid_col = -1;

	cmd = xstrdup("ps");
	for (char **a = ps_args; a && *a; a++) {
		char *q = xasprintf("%s '%s'", cmd, *a);
		if (strchr(*a, '\'')) {
			free(q);
			return ar_error(err, EINVAL, "ps: bad argument `%s`", *a);
		}
		free(cmd);
		cmd = q;
	}
	if (ps_args == NULL || *ps_args == NULL) {
		free(cmd);
		cmd = xstrdup("ps -ef");
	}
	f = popen(cmd, "re");
	if (f == NULL)
		return ar_error(err, errno, "run `%s`", cmd);
	while (fgets(line, sizeof line, f)) {
		char copy[4096], *tok, *save;
		int col = 0, pid = -1;
		snprintf(copy, sizeof copy, "%s", line);
		for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), col++) {
			if (pid_col < 0 && strcmp(tok, "PID") == 0) {
				pid_col = col;
				fputs(line, stdout);
				break;
			}
			if (col == pid_col)
				pid = atoi(tok);
		}
		if (pid > 0 && pid_in(pid, pids, n))
			fputs(line, stdout);
	}
	if (pclose(f) != 0 || pid_col < 0)
		return ar_error(err, EINVAL, "ps: could not find a PID column in `%s`", cmd);
	return 0;
}

int cmd_ps(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	bool json = false;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1)
		if (c != 'f' || parse_format(optarg, &json, err) < 0)
			return c == 'f' ? -1 : ar_error(err, EINVAL, "ps: unknown flag `%s`", argv[optind - 1]);
	if (optind >= argc)
		return ar_error(err, EINVAL, "ps: a container ID is required");
	if (ar_container_pids(&cli->rt, argv[optind], &pids, &n, err) < 0)
		return -1;
	if (!json)
		return ps_table(argv + optind + 1, pids, n, err) < 0 ? -1 : 0;
	printf("[");
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", pids[i]);
	printf("]\n");
	return 0;
}

int cmd_spec(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' }, { "rootless", no_argument, NULL, 'r' }, { 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int dir = -1;
	int c;

	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return ar_error(err, EINVAL, "spec: unknown flag `%s`", argv[optind - 1]);
	}
	dir = open(bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dir < 0)
		return ar_error(err, errno, "spec: open bundle `%s`", bundle);
	if (faccessat(dir, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return ar_error(err, EEXIST, "spec: `%s/config.json` exists; remove it first", bundle);
	json = spec_default_json(rootless);
	if (write_file_at(dir, "config.json", json, strlen(json), O_CREAT | O_EXCL, 0644, err) < 0 ||
	    write_file_at(dir, "config.json", "\n", 1, O_APPEND, 0, err) < 0)
		return -1;
	return 0;
}

static json_object *strv_json(const char *const *v)
{
	json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *features_linux(void)
{
	json_object *l = json_object_new_object(), *ns = json_object_new_array();
	json_object *caps = json_object_new_array(), *off = json_object_new_object();

	for (int t = 0; t < NS__COUNT; t++)
		json_object_array_add(ns, json_object_new_string(spec_ns_name(t)));
	for (int c = 0; c <= cap_last_known(); c++)
		if (cap_name(c))
			json_object_array_add(caps, json_object_new_string(cap_name(c)));
	json_object_object_add(l, "namespaces", ns);
	json_object_object_add(l, "capabilities", caps);
	json_object_object_add(off, "enabled", json_object_new_boolean(0));
	json_object_object_add(l, "seccomp", json_object_get(off));
	json_object_object_add(l, "apparmor", json_object_get(off));
	json_object_object_add(l, "selinux", json_object_get(off));
	json_object_object_add(l, "intelRdt", off);
	return l;
}

int cmd_features(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	json_object *f = json_object_new_object(), *hooks = json_object_new_array();
	json_object *ann = json_object_new_object();

	if (no_flags(argc, argv, "features", err) < 0) {
		json_object_put(f);
		json_object_put(hooks);
		json_object_put(ann);
		return -1;
	}
	json_object_object_add(f, "ociVersionMin", json_object_new_string(SPEC_OCI_VERSION_MIN));
	json_object_object_add(f, "ociVersionMax", json_object_new_string(SPEC_OCI_VERSION));
	for (int k = 0; k < HOOK__COUNT; k++)
		json_object_array_add(hooks, json_object_new_string(spec_hook_name(k)));
	json_object_object_add(f, "hooks", hooks);
	json_object_object_add(f, "mountOptions", strv_json(spec_mount_option_names()));
	json_object_object_add(f, "linux", features_linux());
	json_object_object_add(ann, "io.argon.runtime.version", json_object_new_string(ARGON_VERSION));
	json_object_object_add(f, "annotations", ann);
	puts(json_object_to_json_string_ext(f, JSON_OUT));
	json_object_put(f);
	return 0;
}

int cmd_unsupported(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	return ar_error(err, ENOTSUP, "%s: not supported by argon-runtime yet", argv[0]);
}
