/* argon — docker's restart, pause, unpause, rename, top and port. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "engine_ops.h"
#include "util.h"

/* Commands that take no flags: a leading "-" is a usage error. */
static int no_flags(int argc, char **argv, const char *usage, struct ar_err *err)
{
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0')
		return cli_usage(err, "unknown flag `%s` (usage: %s)", argv[1], usage);
	return 0;
}

/* ------------------------------------------------------------ pause, unpause, restart */

static int pause_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	return cli_said(engine_pause(&cli->engine, ref, err), ref);
}

static int unpause_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	return cli_said(engine_unpause(&cli->engine, ref, err), ref);
}

int cmd_pause(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon pause CONTAINER...";

	if (no_flags(argc, argv, usage, err) < 0)
		return CLI_USAGE;
	return cli_each_container(cli, argc, argv, 1, pause_one, NULL, err);
}

int cmd_unpause(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon unpause CONTAINER...";

	if (no_flags(argc, argv, usage, err) < 0)
		return CLI_USAGE;
	return cli_each_container(cli, argc, argv, 1, unpause_one, NULL, err);
}

static int restart_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	return cli_said(engine_restart(&cli->engine, ref, *(int *)data, err), ref);
}

int cmd_restart(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon restart [-t SECONDS] CONTAINER...";
	static const struct option opts[] = { { "time", required_argument, NULL, 't' }, { 0 } };
	int c, timeout = -1;
	int64_t v;

	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (c != 't' || parse_i64(optarg, &v) < 0 || v < 0 || v > 86400)
			return cli_usage(err, "usage: %s", usage);
		timeout = (int)v;
	}
	return cli_each_container(cli, argc, argv, optind, restart_one, &timeout, err);
}

/* ------------------------------------------------------------ rename */

int cmd_rename(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon rename CONTAINER NEW_NAME";

	if (no_flags(argc, argv, usage, err) < 0)
		return CLI_USAGE;
	if (argc != 3)
		return cli_usage(err, "`argon rename` needs exactly 2 arguments (usage: %s)", usage);
	if (argv[1][0] == '\0' || argv[2][0] == '\0')
		return ar_fail(err, EINVAL, "neither the old nor the new name may be empty");
	if (cli_engine(cli, err) == NULL)
		return -1;
	return engine_rename(&cli->engine, argv[1], argv[2], err);
}

/* ------------------------------------------------------------ top */

/* docker's top table: Go's tabwriter with minwidth 20, padding 3. */
static void print_top(const struct engine_top *t)
{
	size_t nt = strv_len(t->titles);
	_cleanup_free_ size_t *w = xcalloc(nt ? nt : 1, sizeof *w);

	for (size_t k = 0; k < nt; k++) {
		w[k] = strlen(t->titles[k]);
		for (size_t r = 0; r < t->n_rows; r++)
			if (strlen(t->rows[r][k]) > w[k])
				w[k] = strlen(t->rows[r][k]);
		w[k] = w[k] + 3 < 20 ? 20 : w[k] + 3;
	}
	for (size_t r = 0; r <= t->n_rows; r++) {
		char *const *row = r == 0 ? t->titles : t->rows[r - 1];
		for (size_t k = 0; k < nt; k++) {
			if (k + 1 < nt)
				printf("%-*s", (int)w[k], row[k]);
			else
				printf("%s\n", row[k]);
		}
	}
}

int cmd_top(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct engine_top t;

	if (argc < 2 || argv[1][0] == '-')
		return cli_usage(err, "usage: argon top CONTAINER [ps OPTIONS]");
	if (cli_engine(cli, err) == NULL || engine_top(&cli->engine, argv[1], argv + 2, &t, err) < 0)
		return -1;
	print_top(&t);
	engine_top_free(&t);
	return 0;
}

/* ------------------------------------------------------------ port */

/* "80" -> "80/tcp"; NULL when not PORT[/PROTO] (docker's nat.NewPort). */
static char *private_port(const char *s)
{
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *num = slash ? strndup(s, (size_t)(slash - s)) : xstrdup(s);
	const char *proto = slash && slash[1] ? slash + 1 : "tcp";
	int64_t v;

	if (parse_i64(num, &v) < 0 || v < 1 || v > 65535 ||
	    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
		return NULL;
	return xasprintf("%lld/%s", (long long)v, proto);
}

static int print_ports(const struct engine_info *i, const char *want, const char *ref,
		       struct ar_err *err)
{
	struct engine_port *p;
	size_t n;
	int found = 0;

	if (engine_ports(i, &p, &n, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (want == NULL)
			printf("%s -> %s\n", p[k].private_port, p[k].host);
		else if (strcmp(want, p[k].private_port) == 0 && ++found)
			printf("%s\n", p[k].host);
	}
	engine_ports_free(p, n);
	if (want && !found)
		return ar_fail(err, ENOENT, "no public port '%s' published for %s", want, ref);
	return 0;
}

int cmd_port(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "usage: argon port CONTAINER [PRIVATE_PORT[/PROTO]]";
	_cleanup_free_ char *want = NULL;
	struct engine_info i;
	int r;

	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return cli_usage(err, "%s", usage);
	if (argc == 3 && (want = private_port(argv[2])) == NULL)
		return ar_fail(err, EINVAL, "invalid port `%s`: use PORT[/PROTO]", argv[2]);
	if (cli_engine(cli, err) == NULL || engine_find(&cli->engine, argv[1], &i, err) < 0)
		return -1;
	r = print_ports(&i, want, argv[1], err);
	engine_info_free(&i);
	return r;
}
