/* argon — `argon events`: docker's flags (--since, --until, --filter,
 * --format) and output over the engine's events.log (events.h). Without
 * --until it follows until SIGINT or SIGTERM (exit 0); with --until it
 * ends once that time has come. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "events.h"
#include "timeparse.h"
#include "util.h"

#define USAGE "usage: argon events [--since TIME] [--until TIME] [-f|--filter KEY=VALUE]... " \
	      "[--format json|TEMPLATE]"

/* docker's filter keys; values of one key OR, keys AND. Keys of objects
 * argon has no events of (networks, volumes, ...) are valid and match no
 * container event, as docker's. */
enum { F_CONTAINER, F_EVENT, F_IMAGE, F_LABEL, F_TYPE, F_SCOPE, F_OTHER, F_N };
static const struct {
	const char *key;
	int kind;
} filter_keys[] = {
	{ "container", F_CONTAINER }, { "event", F_EVENT }, { "image", F_IMAGE },
	{ "label", F_LABEL }, { "type", F_TYPE }, { "scope", F_SCOPE }, { "network", F_OTHER },
	{ "volume", F_OTHER }, { "daemon", F_OTHER }, { "plugin", F_OTHER },
	{ "service", F_OTHER }, { "node", F_OTHER }, { "secret", F_OTHER }, { "config", F_OTHER },
};

struct events_opts {
	int64_t since, until;		/* ns; 0: not given */
	bool has_since, has_until;
	char **filters[F_N];		/* values per kind */
	bool json;
	const char *tmpl;		/* a Go-like template, NULL: docker's line */
};

static void opts_free(struct events_opts *o)
{
	for (int k = 0; k < F_N; k++)
		strv_free(o->filters[k]);
}

static int add_filter(struct events_opts *o, const char *kv, struct ar_err *err)
{
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv)
		return cli_usage(err, "bad format of filter `%s` (expected name=value)", kv);
	for (size_t i = 0; i < sizeof filter_keys / sizeof filter_keys[0]; i++) {
		if (strlen(filter_keys[i].key) == (size_t)(eq - kv) &&
		    strncmp(filter_keys[i].key, kv, (size_t)(eq - kv)) == 0) {
			strv_push(&o->filters[filter_keys[i].kind], xstrdup(eq + 1));
			return 0;
		}
	}
	return cli_usage(err, "invalid filter `%.*s`", (int)(eq - kv), kv);
}

/* ------------------------------------------------------------ matching */

static const char *str_at(json_object *o, const char *k1, const char *k2, const char *k3)
{
	json_object *v = o;

	if (!json_object_object_get_ex(v, k1, &v) ||
	    (k2 && !json_object_object_get_ex(v, k2, &v)) ||
	    (k3 && !json_object_object_get_ex(v, k3, &v)))
		return NULL;
	return json_object_get_string(v);
}

static bool has_prefix(const char *s, const char *p)
{
	return s && strncmp(s, p, strlen(p)) == 0;
}

/* "busybox:latest" → "busybox"; "reg:5000/x" keeps its port; a digest
 * goes too. */
static char *strip_tag(const char *ref)
{
	const char *at = strchr(ref, '@'), *slash = strrchr(ref, '/');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);
	const char *colon = memrchr(ref, ':', n);

	if (colon && (slash == NULL || colon > slash))
		n = (size_t)(colon - ref);
	return strndup(ref, n);
}

/* One value of a filter against the event. */
static bool match_one(int kind, const char *v, json_object *ev)
{
	const char *id = str_at(ev, "Actor", "ID", NULL);
	const char *action = str_at(ev, "Action", NULL, NULL);
	const char *image = str_at(ev, "Actor", "Attributes", "image");
	const char *eq = strchr(v, '=');

	switch (kind) {
	case F_CONTAINER:	/* docker's FuzzyMatch: exact or a prefix, ID or name */
		return has_prefix(id, v) || has_prefix(str_at(ev, "Actor", "Attributes", "name"), v);
	case F_EVENT:		/* "exec_start: sh -c ..." is exec_start */
		return action && (strcmp(action, v) == 0 ||
				  (has_prefix(action, v) && action[strlen(v)] == ':'));
	case F_IMAGE: {
		_cleanup_free_ char *bare = image ? strip_tag(image) : NULL;
		return image && (strcmp(image, v) == 0 || strcmp(bare, v) == 0);
	}
	case F_LABEL: {
		_cleanup_free_ char *k = eq ? strndup(v, (size_t)(eq - v)) : xstrdup(v);
		const char *have = str_at(ev, "Actor", "Attributes", k);
		return have && (eq == NULL || strcmp(have, eq + 1) == 0);
	}
	case F_TYPE:
		return strcmp(v, str_at(ev, "Type", NULL, NULL) ?: "") == 0;
	case F_SCOPE:
		return strcmp(v, str_at(ev, "scope", NULL, NULL) ?: "local") == 0;
	}
	return false;	/* F_OTHER: not a container's */
}

static bool matches(const struct events_opts *o, json_object *ev)
{
	for (int k = 0; k < F_N; k++) {
		bool any = false;
		if (o->filters[k] == NULL)
			continue;
		for (size_t i = 0; o->filters[k][i] && !any; i++)
			any = match_one(k, o->filters[k][i], ev);
		if (!any)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ output */

/* "k=v, k2=v2" (sep ", ", docker's line) or "k:v k2:v2" (sep " ", a Go
 * map), keys sorted. */
static char *join_attrs(json_object *attrs, const char *kv, const char *sep)
{
	_cleanup_strv_ char **items = NULL;
	size_t n = 0, len = 1;
	char *out;

	if (!json_object_is_type(attrs, json_type_object))
		return xstrdup("");
	json_object_object_foreach(attrs, k, v) {
		strv_push(&items, xasprintf("%s%s%s", k, kv, json_object_get_string(v)));
		len += strlen(items[n++]) + strlen(sep);
	}
	strv_sort(items, n);
	out = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, items[i]);
	}
	return out;
}

static void print_line(json_object *ev, int64_t t)
{
	char when[TIME_NANO_LEN];
	json_object *attrs = NULL;

	time_format_nano(t, when);
	printf("%s %s %s %s", when, str_at(ev, "Type", NULL, NULL) ?: "container",
	       str_at(ev, "Action", NULL, NULL) ?: "", str_at(ev, "Actor", "ID", NULL) ?: "");
	if (json_object_object_get_ex(ev, "Actor", &attrs) &&
	    json_object_object_get_ex(attrs, "Attributes", &attrs) &&
	    json_object_object_length(attrs) > 0) {
		_cleanup_free_ char *s = join_attrs(attrs, "=", ", ");
		printf(" (%s)", s);
	}
	putchar('\n');
}

/* The Go names of docker's message fields whose JSON keys differ. */
static const char *const go_fields[][2] = {
	{ "Status", "status" }, { "ID", "id" }, { "From", "from" }, { "Scope", "scope" },
	{ "Time", "time" }, { "TimeNano", "timeNano" },
};

/* A template field ("Actor.Attributes.name"), by its Go name or its key. */
static json_object *field(json_object *o, const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;

	for (char *c = strtok_r(copy, ".", &save); c && o; c = strtok_r(NULL, ".", &save)) {
		json_object *v = NULL;
		for (size_t i = 0; i < sizeof go_fields / sizeof go_fields[0]; i++)
			if (strcmp(c, go_fields[i][0]) == 0)
				c = (char *)go_fields[i][1];
		o = json_object_object_get_ex(o, c, &v) ? v : NULL;
	}
	return o;
}

static void print_value(json_object *v, bool as_json)
{
	if (as_json) {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	} else if (json_object_is_type(v, json_type_object)) {
		_cleanup_free_ char *s = join_attrs(v, ":", " ");
		printf("map[%s]", s);
	} else if (v) {
		fputs(json_object_get_string(v), stdout);
	} else {
		fputs("<no value>", stdout);
	}
}

/* "{{ .A.B }}" or "{{json .A}}": the path and whether as JSON. */
static int template_action(const char *a, size_t n, char **path, bool *as_json)
{
	_cleanup_free_ char *s = strndup(a, n);
	char *save = NULL, *w1 = strtok_r(s, " \t", &save), *w2 = strtok_r(NULL, " \t", &save);

	if (w1 == NULL || strtok_r(NULL, " \t", &save) || (w2 && strcmp(w1, "json") != 0))
		return -1;
	*as_json = w2 != NULL;
	if ((w2 ? w2 : w1)[0] != '.')
		return -1;
	*path = xstrdup(w2 ? w2 : w1);
	return 0;
}

/* The subset of Go templates docker's --format is used with: text,
 * {{.Field.Path}} and {{json .Field}}; -1 on anything else. ev NULL:
 * only checks. */
static int print_template(const char *t, json_object *ev)
{
	while (*t) {
		const char *open = strstr(t, "{{"), *close = open ? strstr(open, "}}") : NULL;
		_cleanup_free_ char *path = NULL;
		bool as_json;
		if (open == NULL) {
			if (ev)
				fputs(t, stdout);
			break;
		}
		if (close == NULL ||
		    template_action(open + 2, (size_t)(close - open - 2), &path, &as_json) < 0)
			return -1;
		if (ev) {
			fwrite(t, 1, (size_t)(open - t), stdout);
			print_value(path[1] ? field(ev, path + 1) : ev, as_json);
		}
		t = close + 2;
	}
	if (ev)
		putchar('\n');
	return 0;
}

static void print_event(const struct events_opts *o, json_object *ev, int64_t t)
{
	if (o->json) {
		print_value(ev, true);
		putchar('\n');
	} else if (o->tmpl) {
		print_template(o->tmpl, ev);
	} else {
		print_line(ev, t);
	}
}

/* ------------------------------------------------------------ the command */

static int64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int parse_events_flags(int argc, char **argv, struct events_opts *o, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' }, { "until", required_argument, NULL, 'u' },
		{ "filter", required_argument, NULL, 'f' }, { "format", required_argument, NULL, 'F' },
		{ 0 },
	};
	int64_t now = real_now();
	int c;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (time_parse(optarg, now, c == 's' ? &o->since : &o->until, err) < 0) {
				ar_err_prefix(err, "--%s", c == 's' ? "since" : "until");
				return CLI_USAGE;
			}
			*(c == 's' ? &o->has_since : &o->has_until) = true;
			break;
		case 'f':
			if (add_filter(o, optarg, err) < 0)
				return CLI_USAGE;
			break;
		case 'F':
			if (strcmp(optarg, "json") == 0 || strcmp(optarg, "{{json .}}") == 0)
				o->json = true;
			else if (print_template(optarg, NULL) == 0)
				o->tmpl = optarg;
			else
				return cli_usage(err, "unsupported --format `%s` (json, or a "
						 "template of {{.Field}} and {{json .Field}})", optarg);
			break;
		default:
			return cli_usage(err, USAGE);
		}
	}
	if (optind != argc)
		return cli_usage(err, "`argon events` takes no arguments (" USAGE ")");
	return 0;
}

/* SIGINT and SIGTERM end the command (exit 0) through a signalfd. */
static int stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int stream(struct event_reader *r, const struct events_opts *o, int sigfd)
{
	json_object *ev;
	int64_t t;

	for (;;) {
		/* Taken before the reads: what was there by then is printed. */
		int64_t now = real_now(), wait_ms = 1000;
		while (event_reader_next(r, &ev, &t) == 1)
			if (matches(o, ev))
				print_event(o, ev, t);
		if (fflush(stdout) != 0 || ferror(stdout))
			return 0;	/* the reader went away */
		if (o->has_until && now >= o->until)
			return 0;
		if (o->has_until && (o->until - now) / 1000000 + 1 < wait_ms)
			wait_ms = (o->until - now) / 1000000 + 1;
		if (event_reader_wait(r, sigfd, (int)wait_ms) == 1)
			return 0;
	}
}

int cmd_events(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct events_opts o = { 0 };
	struct event_reader *r = NULL;
	_cleanup_close_ int sigfd = -1;
	int ret;

	ret = parse_events_flags(argc, argv, &o, err);
	/* docker: history only when a time bound was asked for. */
	if (ret == 0 && event_reader_open(cli->state_dir, o.has_since || o.has_until, o.since,
					  o.has_until ? o.until : 0, &r, err) < 0)
		ret = -1;
	if (ret == 0) {
		sigfd = stop_signals();
		ret = stream(r, &o, sigfd);
	}
	event_reader_free(r);
	opts_free(&o);
	return ret;
}
