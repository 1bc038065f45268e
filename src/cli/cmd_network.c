/* argon — `argon network create|ls|inspect|rm|prune|connect|disconnect`,
 * docker's flags, outputs and exit statuses over engine_net.h. argon
 * networks are IPv4 only: --ipv6 and --ip6 are refused. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <regex.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "engine_net.h"
#include "util.h"

#define DRIVERS "nat, internal, transparent, l2bridge"

/* Every optstring here starts with ":": getopt prints nothing (its own
 * complaint would name the subcommand, not argon) and returns ':' for a
 * missing value; the bad flag is named here instead. An unknown long flag
 * leaves optopt 0; one given a value it does not take leaves its own.
 * No '+': flags may follow the names, as docker's do (`network create n1
 * --subnet ...`); these commands run nothing whose own flags could be
 * taken for theirs. */
static int bad_flag(int c, char **argv, const char *usage, struct ar_err *err)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return cli_usage(err, "flag `%s` needs a value (usage: %s)", arg, usage);
	if (optopt != 0 && strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
		return cli_usage(err, "flag `%.*s` takes no value (usage: %s)",
				 (int)(strchr(arg, '=') - arg), arg, usage);
	if (optopt == 0 || strncmp(arg, "--", 2) == 0)
		return cli_usage(err, "unknown flag `%s` (usage: %s)", arg, usage);
	return cli_usage(err, "unknown flag `-%c` (usage: %s)", optopt, usage);
}

/* ------------------------------------------------------------ create */

static const char create_usage[] =
	"argon network create [-d DRIVER] [--subnet CIDR] [--gateway IP] [--ip-range CIDR] "
	"[-o K=V]... [--internal] [--label K=V]... NAME";

enum { O_SUBNET = 256, O_GATEWAY, O_IP_RANGE, O_INTERNAL, O_LABEL, O_IPV6 };

struct create_flags {
	struct net_create_opts o;
	const char *driver;	/* -d as written; NULL: nat */
	bool internal;
	char **options, **labels;	/* strv, owned */
};

/* One subnet per network: a repeated --subnet (docker's second IPAM
 * config) is refused rather than silently dropped. */
static int set_once(const char **slot, const char *flag, const char *value, struct ar_err *err)
{
	if (*slot)
		return cli_usage(err, "`%s` given twice (`%s`, `%s`): an argon network has one",
				 flag, *slot, value);
	*slot = value;
	return 0;
}

/* -o K=V: `parent` is the host interface of transparent/l2bridge; the
 * rest are kept as the network's options. */
static int add_option(struct create_flags *f, const char *kv, struct ar_err *err)
{
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv)
		return cli_usage(err, "invalid -o `%s`: K=V expected", kv);
	if (strncmp(kv, "parent=", 7) == 0) {
		if (eq[1] == '\0')
			return cli_usage(err, "invalid -o `%s`: the parent interface is empty", kv);
		f->o.parent = eq + 1;
	} else {
		strv_push(&f->options, xstrdup(kv));
	}
	return 0;
}

/* --label K=V, or K alone for an empty value (docker's). */
static int add_label(struct create_flags *f, const char *kv, struct ar_err *err)
{
	if (kv[0] == '\0' || kv[0] == '=')
		return cli_usage(err, "invalid --label `%s`: K=V expected", kv);
	strv_push(&f->labels, strchr(kv, '=') ? xstrdup(kv) : xasprintf("%s=", kv));
	return 0;
}

static int create_flag(int c, char **argv, struct create_flags *f, struct ar_err *err)
{
	switch (c) {
	case 'd': f->driver = optarg; return 0;
	case 'o': return add_option(f, optarg, err);
	case O_SUBNET: return set_once(&f->o.subnet, "--subnet", optarg, err);
	case O_GATEWAY: return set_once(&f->o.gateway, "--gateway", optarg, err);
	case O_IP_RANGE: return set_once(&f->o.ip_range, "--ip-range", optarg, err);
	case O_INTERNAL: f->internal = true; return 0;
	case O_LABEL: return add_label(f, optarg, err);
	case O_IPV6:
		if (optarg && strcmp(optarg, "false") == 0)
			return 0;
		return cli_usage(err, "`--ipv6` is not supported: argon networks are IPv4 only");
	default: return bad_flag(c, argv, create_usage, err);
	}
}

/* The driver, --internal folded in: on nat it makes the internal driver
 * (a bridge without the way out); the others have no way out to remove. */
static int create_driver(struct create_flags *f, struct ar_err *err)
{
	int d = f->driver ? net_driver_parse(f->driver) : NET_NAT;

	if (d < 0)
		return cli_usage(err, "network driver `%s` is not supported (%s)", f->driver,
				 DRIVERS);
	if (f->internal && d == NET_NAT)
		d = NET_INTERNAL;
	else if (f->internal && d != NET_INTERNAL)
		return cli_usage(err, "`--internal` does not apply to the %s driver (nat only)",
				 net_driver_name(d));
	f->o.driver = d;
	return 0;
}

static int network_create(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'd' }, { "opt", required_argument, NULL, 'o' },
		{ "subnet", required_argument, NULL, O_SUBNET },
		{ "gateway", required_argument, NULL, O_GATEWAY },
		{ "ip-range", required_argument, NULL, O_IP_RANGE },
		{ "internal", no_argument, NULL, O_INTERNAL },
		{ "label", required_argument, NULL, O_LABEL },
		{ "ipv6", optional_argument, NULL, O_IPV6 },
		{ 0 },
	};
	struct create_flags f = { 0 };
	struct net_info info = { 0 };
	struct engine *e;
	int c, r = CLI_USAGE;

	while ((c = getopt_long(argc, argv, ":d:o:", opts, NULL)) != -1)
		if (create_flag(c, argv, &f, err) < 0)
			goto out;
	if (argc - optind != 1) {
		cli_usage(err, "`argon network create` needs exactly one NAME (usage: %s)",
			  create_usage);
		goto out;
	}
	if (create_driver(&f, err) < 0)
		goto out;
	f.o.name = argv[optind];
	f.o.options = f.options;
	f.o.labels = f.labels;
	r = -1;
	if ((e = cli_engine(cli, err)) == NULL || engine_network_create(e, &f.o, &info, err) < 0)
		goto out;
	printf("%s\n", info.id);
	r = 0;
out:
	net_info_free(&info);
	strv_free(f.options);
	strv_free(f.labels);
	return r;
}

/* ------------------------------------------------------------ ls */

static const char ls_usage[] =
	"argon network ls [-q] [--no-trunc] [--format table|json] [-f KEY=VALUE]...";

/* docker's `network ls --filter` keys. Filters of one key match when any
 * of them does; all keys must match. name and id are regular
 * expressions searched in the name / the full id, as docker's are. */
enum filter_key { F_NAME, F_ID, F_DRIVER, F_LABEL, F_SCOPE, F_TYPE };
static const char *const filter_keys[] = { "name", "id", "driver", "label", "scope", "type" };

struct net_filter {
	enum filter_key key;
	const char *value;	/* in argv */
	regex_t re;		/* name, id */
};

struct ls_state {
	bool quiet, json, no_trunc;
	struct net_filter *filters;
	size_t n_filters;
	struct table *t;
};

static int add_filter(struct ls_state *st, const char *kv, struct ar_err *err)
{
	const char *eq = strchr(kv, '=');
	struct net_filter f = { .value = eq ? eq + 1 : NULL };
	size_t k, n_keys = sizeof filter_keys / sizeof filter_keys[0];

	for (k = 0; eq && k < n_keys; k++)
		if (strlen(filter_keys[k]) == (size_t)(eq - kv) &&
		    strncmp(kv, filter_keys[k], eq - kv) == 0)
			break;
	if (eq == NULL || k == n_keys)
		return cli_usage(err, "unsupported --filter `%s` (name=, id=, driver=, label=, "
				 "scope=, type=)", kv);
	f.key = k;
	if ((f.key == F_NAME || f.key == F_ID) &&
	    regcomp(&f.re, f.value, REG_EXTENDED | REG_NOSUB) != 0)
		return cli_usage(err, "invalid --filter `%s`: not a regular expression", kv);
	if (f.key == F_TYPE && strcmp(f.value, "custom") != 0 && strcmp(f.value, "builtin") != 0)
		return cli_usage(err, "invalid --filter `%s`: type is custom or builtin", kv);
	st->filters = xrealloc(st->filters, (st->n_filters + 1) * sizeof *st->filters);
	st->filters[st->n_filters++] = f;
	return 0;
}

static void free_filters(struct ls_state *st)
{
	for (size_t i = 0; i < st->n_filters; i++)
		if (st->filters[i].key == F_NAME || st->filters[i].key == F_ID)
			regfree(&st->filters[i].re);
	free(st->filters);
}

/* label=K: the network has label K; label=K=V: with value V. */
static bool has_label(const struct net_info *n, const char *want)
{
	json_object *labels = json_tokener_parse(n->labels ? n->labels : "{}"), *v;
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *key = eq ? strndup(want, eq - want) : xstrdup(want);
	bool found = labels && json_object_object_get_ex(labels, key, &v) &&
		     (eq == NULL || strcmp(json_object_get_string(v), eq + 1) == 0);

	json_object_put(labels);
	return found;
}

static bool filter_matches(const struct net_filter *f, const struct net_info *n)
{
	switch (f->key) {
	case F_NAME: return regexec(&f->re, n->name, 0, NULL, 0) == 0;
	case F_ID: return regexec(&f->re, n->id, 0, NULL, 0) == 0;
	/* docker's names for the drivers (bridge, macvlan...) match too */
	case F_DRIVER: return net_driver_parse(f->value) == (int)n->driver;
	case F_LABEL: return has_label(n, f->value);
	case F_SCOPE: return strcmp(f->value, "local") == 0;
	case F_TYPE: return (strcmp(n->name, NETDB_DEFAULT_NAME) == 0) ==
			    (strcmp(f->value, "builtin") == 0);
	}
	return false;
}

static bool filters_match(const struct ls_state *st, const struct net_info *n)
{
	for (size_t k = 0; k < sizeof filter_keys / sizeof filter_keys[0]; k++) {
		bool given = false, any = false;
		for (size_t i = 0; i < st->n_filters; i++) {
			if (st->filters[i].key != k)
				continue;
			given = true;
			any = any || filter_matches(&st->filters[i], n);
		}
		if (given && !any)
			return false;
	}
	return true;
}

/* docker's Labels column: "k=v,k2=v2". */
static char *labels_text(const struct net_info *n)
{
	json_object *labels = json_tokener_parse(n->labels ? n->labels : "{}");
	char *text = xstrdup("");

	if (labels && json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v) {
			char *more = xasprintf("%s%s%s=%s", text, text[0] ? "," : "", k,
					       json_object_get_string(v));
			free(text);
			text = more;
		}
	}
	json_object_put(labels);
	return text;
}

/* Go's time.Time.String(), which docker's CreatedAt column prints. */
static char *created_text(int64_t when)
{
	char buf[64];
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	return xstrdup(buf);
}

static void print_json_row(const struct net_info *n, const char *id)
{
	json_object *o = json_object_new_object();
	_cleanup_free_ char *created = created_text(n->created), *labels = labels_text(n);

	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "Driver", json_object_new_string(net_driver_name(n->driver)));
	json_object_object_add(o, "ID", json_object_new_string(id));
	json_object_object_add(o, "IPv6", json_object_new_string("false"));
	json_object_object_add(o, "Internal",
			       json_object_new_string(n->driver == NET_INTERNAL ? "true" : "false"));
	json_object_object_add(o, "Labels", json_object_new_string(labels));
	json_object_object_add(o, "Name", json_object_new_string(n->name));
	json_object_object_add(o, "Scope", json_object_new_string("local"));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int network_row(const struct net_info *n, void *data)
{
	struct ls_state *st = data;
	_cleanup_free_ char *id = st->no_trunc ? xstrdup(n->id) : short_id(n->id);

	if (!filters_match(st, n))
		return 0;
	if (st->quiet)
		printf("%s\n", id);
	else if (st->json)
		print_json_row(n, id);
	else
		table_row(st->t, id, n->name, net_driver_name(n->driver), "local");
	return 0;
}

static int ls_flags(int argc, char **argv, struct ls_state *st, struct ar_err *err)
{
	enum { O_FORMAT = 256, O_NO_TRUNC };
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' }, { "filter", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "no-trunc", no_argument, NULL, O_NO_TRUNC },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":qf:", opts, NULL)) != -1) {
		if (c == 'q')
			st->quiet = true;
		else if (c == O_NO_TRUNC)
			st->no_trunc = true;
		else if (c == O_FORMAT && cli_format(optarg, &st->json, err) < 0)
			return CLI_USAGE;
		else if (c == 'f' && add_filter(st, optarg, err) < 0)
			return CLI_USAGE;
		else if (c != O_FORMAT && c != 'f')
			return bad_flag(c, argv, ls_usage, err);
	}
	if (optind != argc)
		return cli_usage(err, "`argon network ls` takes no arguments (usage: %s)",
				 ls_usage);
	return 0;
}

static int network_ls(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct ls_state st = { 0 };
	struct engine *e;
	int r = CLI_USAGE;

	if (ls_flags(argc, argv, &st, err) < 0)
		goto out;
	r = -1;
	if ((e = cli_engine(cli, err)) == NULL)
		goto out;
	if (!st.quiet && !st.json)
		st.t = table_new(4, "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	r = engine_network_list(e, network_row, &st, err);
	if (st.t)	/* what was listed before a failure, as the other ls do */
		table_print(st.t, stdout);
out:
	free_filters(&st);
	return r;
}

/* ------------------------------------------------------------ inspect, rm, prune */

static json_object *inspect_network(struct cli *cli, const char *name, struct ar_err *err)
{
	json_object *o = NULL;

	if (engine_network_inspect(&cli->engine, name, &o, err) < 0)
		return NULL;
	return o;
}

static int network_inspect(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon network inspect NETWORK...";

	if (argc < 2)
		return cli_usage(err, "usage: %s", usage);
	for (int i = 1; i < argc; i++)	/* no name starts with '-' */
		if (argv[i][0] == '-')
			return cli_usage(err, "unknown flag `%s` (usage: %s)", argv[i], usage);
	if (cli_engine(cli, err) == NULL)
		return -1;
	return cli_inspect_each(cli, argc, argv, inspect_network);
}

static int network_rm_one(struct cli *cli, const char *name, void *force, struct ar_err *err)
{
	return cli_removed(engine_network_remove(&cli->engine, name, err), name, *(bool *)force, err);
}

static int network_rm(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon network rm [-f] NETWORK...";
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, ":f", opts, NULL)) != -1) {
		if (c != 'f')
			return bad_flag(c, argv, usage, err);
		force = true;
	}
	if (optind >= argc)
		return cli_usage(err, "`argon network rm` needs at least one NETWORK (usage: %s)",
				 usage);
	if (cli_engine(cli, err) == NULL)
		return -1;
	return cli_each(cli, argv + optind, argc - optind, network_rm_one, &force);
}

static int network_prune(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon network prune [-f]";
	enum { O_FILTER = 256 };
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, { "filter", required_argument, NULL, O_FILTER },
		{ 0 },
	};
	bool force = false;
	char answer[16] = "", **removed = NULL;
	struct engine *e;
	int c;

	while ((c = getopt_long(argc, argv, ":f", opts, NULL)) != -1) {
		if (c == O_FILTER)
			return cli_usage(err, "`argon network prune --filter` is not supported");
		if (c != 'f')
			return bad_flag(c, argv, usage, err);
		force = true;
	}
	if (optind != argc)
		return cli_usage(err, "`argon network prune` takes no arguments (usage: %s)",
				 usage);
	if (!force) {
		fprintf(stderr, "WARNING! This will remove all custom networks not used by at "
			"least one container.\nAre you sure you want to continue? [y/N] ");
		if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	if ((e = cli_engine(cli, err)) == NULL || engine_network_prune(e, &removed, err) < 0)
		return -1;
	if (removed && removed[0]) {
		printf("Deleted Networks:\n");
		for (char **name = removed; *name; name++)
			printf("%s\n", *name);
	}
	strv_free(removed);
	return 0;
}

/* ------------------------------------------------------------ connect, disconnect */

static int network_connect(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] =
		"argon network connect [--ip IP] [--alias NAME]... NETWORK CONTAINER";
	enum { O_IP = 256, O_ALIAS, O_IP6 };
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, O_IP }, { "alias", required_argument, NULL, O_ALIAS },
		{ "ip6", required_argument, NULL, O_IP6 },
		{ 0 },
	};
	_cleanup_strv_ char **aliases = NULL;
	const char *ip = NULL;
	struct in_addr addr;
	struct engine *e;
	int c;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == O_IP && inet_pton(AF_INET, optarg, &addr) != 1)
			return cli_usage(err, "invalid --ip `%s`: not an IPv4 address", optarg);
		else if (c == O_IP)
			ip = optarg;
		else if (c == O_ALIAS && optarg[0] == '\0')
			return cli_usage(err, "invalid --alias ``: empty");
		else if (c == O_ALIAS)
			strv_push(&aliases, xstrdup(optarg));
		else if (c == O_IP6)
			return cli_usage(err, "`--ip6` is not supported: argon networks are IPv4 only");
		else
			return bad_flag(c, argv, usage, err);
	}
	if (argc - optind != 2)
		return cli_usage(err, "`argon network connect` needs a NETWORK and a CONTAINER "
				 "(usage: %s)", usage);
	if ((e = cli_engine(cli, err)) == NULL)
		return -1;
	return engine_network_connect(e, argv[optind], argv[optind + 1], ip, aliases, err);
}

static int network_disconnect(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] = "argon network disconnect [-f] NETWORK CONTAINER";
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	struct engine *e;
	int c;

	while ((c = getopt_long(argc, argv, ":f", opts, NULL)) != -1) {
		if (c != 'f')
			return bad_flag(c, argv, usage, err);
		force = true;
	}
	if (argc - optind != 2)
		return cli_usage(err, "`argon network disconnect` needs a NETWORK and a "
				 "CONTAINER (usage: %s)", usage);
	if ((e = cli_engine(cli, err)) == NULL)
		return -1;
	return engine_network_disconnect(e, argv[optind], argv[optind + 1], force, err);
}

int cmd_network(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct cli_subcmd sub[] = {
		{ "create", network_create }, { "ls", network_ls }, { "list", network_ls },
		{ "inspect", network_inspect }, { "rm", network_rm }, { "remove", network_rm },
		{ "prune", network_prune }, { "connect", network_connect },
		{ "disconnect", network_disconnect },
	};

	return cli_dispatch(cli, argc, argv, sub, sizeof sub / sizeof sub[0],
			    "argon network create|ls|inspect|rm|prune|connect|disconnect ...", err);
}
