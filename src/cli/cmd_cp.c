/* argon — `argon cp`: docker's copy between the host and a container.
 *
 *   argon cp [-a] [-L] [-q] CONTAINER:SRC_PATH DEST_PATH|-
 *   argon cp [-a] [-L] [-q] SRC_PATH|- CONTAINER:DEST_PATH
 *
 * "-" is a tar stream on stdout / stdin. The rules and the safety are the
 * library's (cp.h); this file only splits the arguments as docker does.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cp.h"
#include "util.h"

#define CP_USAGE "usage: argon cp [-a] [-L] [-q] CONTAINER:SRC_PATH DEST_PATH|-\n" \
		 "       argon cp [-a] [-L] [-q] SRC_PATH|- CONTAINER:DEST_PATH"

/* docker's splitCpArg: an absolute path, a path without ':', or one
 * starting with '.' ("./a:b") is local; else CONTAINER:PATH. */
static void split_arg(const char *arg, char **container, const char **path)
{
	const char *colon = strchr(arg, ':');

	*container = NULL;
	*path = arg;
	if (arg[0] == '/' || arg[0] == '.' || colon == NULL)
		return;
	*container = xasprintf("%.*s", (int)(colon - arg), arg);
	*path = colon + 1;
}

static int cp_flags(int argc, char **argv, struct cp_opts *o, bool *quiet, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "archive", no_argument, NULL, 'a' },
		{ "follow-link", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+aLq", opts, NULL)) != -1) {
		if (c == 'a')
			o->archive = true;
		else if (c == 'L')
			o->follow = true;
		else if (c == 'q')
			*quiet = true;
		else
			return cli_usage(err, CP_USAGE);
	}
	if (argc - optind != 2)
		return cli_usage(err, "`argon cp` requires exactly 2 arguments\n" CP_USAGE);
	return 0;
}

/* docker prints this when stderr is a terminal. */
static void report(const struct cp_stats *st, const char *dest, bool quiet)
{
	_cleanup_free_ char *size = NULL;

	if (quiet || !isatty(STDERR_FILENO))
		return;
	size = human_size(st->bytes);
	fprintf(stderr, "Successfully copied %s to %s\n", size, dest);
}

static int run_copy(struct cli *cli, const char *cname, const char *src, const char *dst,
		    bool to_container, const struct cp_opts *o, bool quiet, struct ar_err *err)
{
	struct engine *e = cli_engine(cli, err);
	struct cp_container c;
	struct cp_stats st = { 0 };
	struct cp_end host = { .rootfd = -1 }, box = { .container = cname };
	int r;

	if (e == NULL || cp_container_open(e, cname, &c, err) < 0)
		return -1;
	box.rootfd = c.rootfd;
	if (to_container) {
		box.path = dst;
		host.path = src;
		r = strcmp(src, "-") == 0 ? cp_from_tar(STDIN_FILENO, &box, o, &st, err)
					  : cp_copy(&host, &box, o, &st, err);
	} else {
		box.path = src;
		host.path = dst;
		r = strcmp(dst, "-") == 0 ? cp_to_tar(&box, STDOUT_FILENO, o, &st, err)
					  : cp_copy(&box, &host, o, &st, err);
	}
	cp_container_close(&c);
	if (r == 0 && !(!to_container && strcmp(dst, "-") == 0)) {
		_cleanup_free_ char *shown = to_container ? xasprintf("%s:%s", cname, dst)
							  : xstrdup(dst);
		report(&st, shown, quiet);
	}
	return r < 0 ? -1 : 0;
}

int cmd_cp(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	_cleanup_free_ char *sc = NULL, *dc = NULL;
	const char *sp, *dp;
	struct cp_opts o = { 0 };
	bool quiet = false;
	int r = cp_flags(argc, argv, &o, &quiet, err);

	if (r != 0)
		return r;
	split_arg(argv[optind], &sc, &sp);
	split_arg(argv[optind + 1], &dc, &dp);
	if (sc && dc)
		return cli_usage(err, "copying between containers is not supported");
	if (sc == NULL && dc == NULL)
		return cli_usage(err, "must specify at least one container source\n" CP_USAGE);
	if (*sp == '\0')
		return cli_usage(err, "source can not be empty");
	if (*dp == '\0')
		return cli_usage(err, "destination can not be empty");
	if (sc && *sc == '\0')
		return cli_usage(err, "container name can not be empty");
	if (dc && *dc == '\0')
		return cli_usage(err, "container name can not be empty");
	if (sc)
		return run_copy(cli, sc, sp, dp, false, &o, quiet, err);
	return run_copy(cli, dc, sp, dp, true, &o, quiet, err);
}
