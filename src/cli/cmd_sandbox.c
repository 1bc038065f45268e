/* argon — containers' storage from the command line: `argon sandbox
 * create|rm|ls|mount|umount|path` (what `argon create` will build on: a
 * mounted root and an OCI bundle that argon-runtime runs), and docker's
 * diff, commit and export. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "create_flags.h"
#include "storage.h"
#include "util.h"

static int sandbox_create_cmd(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct create_args a = { 0 };
	struct container_info c = { 0 };
	struct store *s;
	int r = cli_parse_create(argc, argv, CREATE_SANDBOX, &a, err);

	if (r == 0 && ((s = cli_store(cli, err)) == NULL ||
		       storage_container_create(s, &a.e.storage, &c, err) < 0))
		r = -1;
	if (r == 0)
		printf("%s\n", c.id);
	container_info_free(&c);
	create_args_free(&a);
	return r;
}

/* `fn` on each container named from argv[first]. */
static int each_container(struct cli *cli, int argc, char **argv, int first, cli_each_fn fn,
			  void *data, struct ar_err *err)
{
	if (cli_store(cli, err) == NULL)
		return -1;
	return cli_each(cli, argv + first, argc - first, fn, data);
}

/* A container the engine runs (created or running, with a monitor) is
 * not taken from under it: the engine's stop and rm -f end it cleanly. */
static int refuse_engine_running(struct cli *cli, const char *ref, struct ar_err *err)
{
	struct engine *e;
	struct engine_info i;
	bool running;

	/* No state dir: the engine runs nothing (and none is made for this). */
	if (access(cli->state_dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	if ((e = cli_engine(cli, err)) == NULL)
		return -1;
	if (engine_find(e, ref, &i, NULL) < 0)
		return 0;	/* not found: storage_container_remove says so */
	running = i.state != ENGINE_EXITED && i.monitor_pid > 0;
	engine_info_free(&i);
	if (running)
		return ar_fail(err, EBUSY, "container `%s` is running: stop it first (argon stop "
			       "/ argon rm -f)", ref);
	return 0;
}

static int rm_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	if (refuse_engine_running(cli, ref, err) < 0 ||
	    storage_container_remove(cli->store, ref, *(bool *)data, err) < 0)
		return -1;
	printf("%s\n", ref);
	return 0;
}

static int mount_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	struct container_info c;
	int r;

	if (store_container_find(cli->store, ref, &c, err) < 0)
		return -1;
	r = *(bool *)data ? storage_container_mount(cli->store, &c, err) : sandbox_unmount(c.dir, err);
	if (r == 0 && *(bool *)data)
		printf("%s/rootfs\n", c.dir);
	container_info_free(&c);
	return r;
}

static int path_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	struct container_info c;

	if (store_container_find(cli->store, ref, &c, err) < 0)
		return -1;
	printf("%s\n", c.dir);
	container_info_free(&c);
	return 0;
}

static int sandbox_rm(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "volumes", no_argument, NULL, 'v' }, { 0 } };
	bool volumes = false;
	int c;

	while ((c = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
		if (c != 'v')
			return cli_usage(err, "usage: argon sandbox rm [-v] CONTAINER...");
		volumes = true;
	}
	if (optind >= argc)
		return cli_usage(err, "usage: argon sandbox rm [-v] CONTAINER...");
	return each_container(cli, argc, argv, optind, rm_one, &volumes, err);
}

static int ls_row(const struct container_info *c, void *data)
{
	_cleanup_free_ char *id = short_id(c->id), *img = short_id(c->image_id);
	_cleanup_free_ char *cap = c->storage_size ? human_size(c->storage_size) : xstrdup("-");

	table_row(data, id, c->name, img, cap, sandbox_is_mounted(c->dir) ? "yes" : "no", c->dir);
	return 0;
}

static int sandbox_ls(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct store *s;
	struct table *t;
	int r;

	if (argc != 1)
		return cli_usage(err, "`argon sandbox ls` accepts no arguments");
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	t = table_new(6, "CONTAINER ID", "NAME", "IMAGE", "STORAGE", "MOUNTED", "BUNDLE");
	r = store_container_list(s, ls_row, t, err);
	table_print(t, stdout);
	return r;
}

int cmd_sandbox(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	bool on = true, off = false;

	if (argc < 2)
		return cli_usage(err, "usage: argon sandbox create|rm|ls|mount|umount|path ...");
	optind = 0;
	if (strcmp(argv[1], "create") == 0)
		return sandbox_create_cmd(cli, argc - 1, argv + 1, err);
	if (strcmp(argv[1], "rm") == 0)
		return sandbox_rm(cli, argc - 1, argv + 1, err);
	if (strcmp(argv[1], "ls") == 0)
		return sandbox_ls(cli, argc - 1, argv + 1, err);
	if (argc < 3)
		return cli_usage(err, "usage: argon sandbox %s CONTAINER...", argv[1]);
	if (strcmp(argv[1], "mount") == 0)
		return each_container(cli, argc, argv, 2, mount_one, &on, err);
	if (strcmp(argv[1], "umount") == 0)
		return each_container(cli, argc, argv, 2, mount_one, &off, err);
	if (strcmp(argv[1], "path") == 0)
		return each_container(cli, argc, argv, 2, path_one, NULL, err);
	return cli_usage(err, "unknown sandbox command `%s`", argv[1]);
}

/* ------------------------------------------------------------ diff, commit, export */

static int print_change(char kind, const char *path, void *data)
{
	printf("%c %s\n", kind, path);
	return 0;
}

int cmd_diff(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct store *s;

	if (argc != 2)
		return cli_usage(err, "usage: argon diff CONTAINER");
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	return storage_diff(s, argv[1], print_change, NULL, err) < 0 ? -1 : 0;
}

int cmd_commit(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	_cleanup_free_ char *id = NULL, *norm = NULL;
	struct store *s;

	if (argc != 2 && argc != 3)
		return cli_usage(err, "usage: argon commit CONTAINER [IMAGE[:TAG]]");
	if (argc == 3 && image_ref_normalize(argv[2], &norm, err) < 0)
		return CLI_USAGE;
	if ((s = cli_store(cli, err)) == NULL ||
	    storage_commit(s, argv[1], argc == 3 ? argv[2] : NULL, &id, err) < 0)
		return -1;
	printf("%s\n", id);
	return 0;
}

int cmd_export(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, { 0 } };
	const char *out = NULL;
	_cleanup_close_ int fd = -1;
	struct store *s;
	int c;

	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if (c != 'o')
			return cli_usage(err, "usage: argon export [-o FILE] CONTAINER");
		out = optarg;
	}
	if (argc - optind != 1)
		return cli_usage(err, "usage: argon export [-o FILE] CONTAINER");
	if (out == NULL && isatty(STDOUT_FILENO))
		return cli_usage(err, "cowardly refusing to write a tar to a terminal: use -o "
				 "FILE or redirect the output");
	if (out && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return ar_error(err, errno, "open `%s`", out);
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	if (storage_export(s, argv[optind], out ? fd : STDOUT_FILENO, err) < 0) {
		if (out)
			unlink(out);	/* no half tar left behind */
		return -1;
	}
	return 0;
}
