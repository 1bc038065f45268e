/* argon — `argon volume create|ls|inspect|rm|prune`, docker's shapes. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

/* docker prints null for no labels. */
static json_object *labels_json(const struct volume_info *v)
{
	json_object *o = v->n_labels ? json_object_new_object() : NULL;

	for (size_t i = 0; i < v->n_labels; i++)
		json_object_object_add(o, v->label_keys[i],
				       json_object_new_string(v->label_values[i]));
	return o;
}

static int volume_create(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' }, { "driver", required_argument, NULL, 'd' },
		{ 0 },
	};
	char **labels = NULL;
	struct volume_info v = { 0 };
	struct store *s;
	int c, r = CLI_USAGE;

	while ((c = getopt_long(argc, argv, "+d:", opts, NULL)) != -1) {
		if (c == 'l') {
			strv_push(&labels, xstrdup(optarg));
		} else if (c == 'd' && strcmp(optarg, "local") != 0) {
			cli_usage(err, "volume driver `%s` is not supported (local)", optarg);
			goto out;
		} else if (c != 'd') {
			cli_usage(err, "usage: argon volume create [--label K=V] [NAME]");
			goto out;
		}
	}
	if (argc - optind > 1) {
		cli_usage(err, "usage: argon volume create [--label K=V] [NAME]");
		goto out;
	}
	r = -1;
	if ((s = cli_store(cli, err)) == NULL ||
	    store_volume_create(s, optind < argc ? argv[optind] : NULL, false, labels, &v, err) < 0)
		goto out;
	printf("%s\n", v.name);
	r = 0;
out:
	volume_info_free(&v);
	strv_free(labels);
	return r;
}

struct ls_out {
	bool json, quiet;
	struct table *t;
};

static int volume_row(const struct volume_info *v, void *data)
{
	struct ls_out *out = data;

	if (out->quiet) {
		printf("%s\n", v->name);
	} else if (out->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "Driver", json_object_new_string("local"));
		json_object_object_add(o, "Labels", labels_json(v));
		json_object_object_add(o, "Mountpoint", json_object_new_string(v->mountpoint));
		json_object_object_add(o, "Name", json_object_new_string(v->name));
		json_object_object_add(o, "Scope", json_object_new_string("local"));
		json_object_object_add(o, "Links", json_object_new_int(v->containers));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		table_row(out->t, "local", v->name);
	}
	return 0;
}

static int volume_ls(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct ls_out out = { 0 };
	struct store *s;
	int r;

	if (cli_list_flags(argc, argv, "argon volume ls [-q] [--format table|json]", &out.quiet,
			   &out.json, err) < 0)
		return CLI_USAGE;
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	if (!out.quiet && !out.json)
		out.t = table_new(2, "DRIVER", "VOLUME NAME");
	r = store_volume_list(s, volume_row, &out, err);
	if (out.t)
		table_print(out.t, stdout);
	return r;
}

static json_object *inspect_volume(struct cli *cli, const char *name, struct ar_err *err)
{
	struct volume_info v;
	json_object *o;

	if (store_volume_find(cli->store, name, &v, err) < 0)
		return NULL;
	o = json_object_new_object();
	_cleanup_free_ char *at = rfc3339(v.created);
	json_object_object_add(o, "CreatedAt", json_object_new_string(at));
	json_object_object_add(o, "Driver", json_object_new_string("local"));
	json_object_object_add(o, "Labels", labels_json(&v));
	json_object_object_add(o, "Mountpoint", json_object_new_string(v.mountpoint));
	json_object_object_add(o, "Name", json_object_new_string(v.name));
	json_object_object_add(o, "Options", NULL);
	json_object_object_add(o, "Scope", json_object_new_string("local"));
	volume_info_free(&v);
	return o;
}

static int volume_inspect(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage(err, "usage: argon volume inspect VOLUME...");
	if (cli_store(cli, err) == NULL)
		return -1;
	return cli_inspect_each(cli, argc, argv, inspect_volume);
}

static int volume_rm_one(struct cli *cli, const char *name, void *force, struct ar_err *err)
{
	return cli_removed(store_volume_remove(cli->store, name, err), name, *(bool *)force, err);
}

static int volume_rm(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage(err, "usage: argon volume rm [-f] VOLUME...");
		force = true;
	}
	if (optind >= argc)
		return cli_usage(err, "usage: argon volume rm [-f] VOLUME...");
	if (cli_store(cli, err) == NULL)
		return -1;
	return cli_each(cli, argv + optind, argc - optind, volume_rm_one, &force);
}

static int print_pruned(const struct volume_info *v, void *data)
{
	printf("%s\n", v->name);
	return 0;
}

static int volume_prune(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, { "all", no_argument, NULL, 'a' }, { 0 },
	};
	bool force = false, all = false;
	uint64_t reclaimed = 0;
	struct store *s;
	char answer[16] = "";
	int c;

	while ((c = getopt_long(argc, argv, "+fa", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'a')
			all = true;
		else
			return cli_usage(err, "usage: argon volume prune [-f] [-a]");
	}
	if (optind != argc)
		return cli_usage(err, "`argon volume prune` accepts no arguments");
	if (!force) {
		fprintf(stderr, "WARNING! This will remove %s volumes not used by at least one "
			"container.\nAre you sure you want to continue? [y/N] ",
			all ? "all local" : "anonymous local");
		if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	printf("Deleted Volumes:\n");
	if (store_volume_prune(s, all, print_pruned, NULL, &reclaimed, err) < 0)
		return -1;
	_cleanup_free_ char *size = human_size(reclaimed);
	printf("\nTotal reclaimed space: %s\n", size);
	return 0;
}

int cmd_volume(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct cli_subcmd sub[] = {
		{ "create", volume_create }, { "ls", volume_ls }, { "list", volume_ls },
		{ "inspect", volume_inspect }, { "rm", volume_rm }, { "remove", volume_rm },
		{ "prune", volume_prune },
	};

	return cli_dispatch(cli, argc, argv, sub, sizeof sub / sizeof sub[0],
			    "argon volume create|ls|inspect|rm|prune ...", err);
}
