/* argon — docker's `stats`: containers' CPU, memory, network, block I/O and
 * pids, once (--no-stream, or not on a terminal) or live, refreshing in
 * place every second until interrupted. */
#define _GNU_SOURCE
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "engine_ops.h"
#include "util.h"

struct stats_item {
	char *id, *name;
	char *label;		/* docker's "Container": as named, or the short ID */
	struct engine_sample prev, cur;
	bool have_prev, seen;
};

struct stats_run {
	struct engine *e;
	bool all, json, no_trunc;
	char **names;		/* as given; NULL: every (running) container */
	int n_names;
	struct stats_item *items;
	size_t n;
};

static void item_free(struct stats_item *it)
{
	free(it->id);
	free(it->name);
	free(it->label);
}

static struct stats_item *item_for(struct stats_run *s, const struct engine_info *i,
				   const char *label)
{
	for (size_t k = 0; k < s->n; k++)
		if (strcmp(s->items[k].id, i->c.id) == 0)
			return &s->items[k];
	s->items = xrealloc(s->items, (s->n + 1) * sizeof *s->items);
	struct stats_item *it = &s->items[s->n++];
	memset(it, 0, sizeof *it);
	it->id = xstrdup(i->c.id);
	it->name = xstrdup(i->c.name);
	it->label = label ? xstrdup(label) : s->no_trunc ? xstrdup(i->c.id) : short_id(i->c.id);
	return it;
}

static int take(struct stats_run *s, const struct engine_info *i, const char *label,
		struct ar_err *err)
{
	struct stats_item *it = item_for(s, i, label);
	struct engine_sample next;

	if (engine_sample(s->e, i, &next, err) < 0)
		return -1;
	it->have_prev = it->cur.at_ns != 0;	/* not new */
	it->prev = it->cur;
	it->cur = next;
	it->seen = true;
	free(it->name);	/* renamed meanwhile */
	it->name = xstrdup(i->c.name);
	return 0;
}

static int take_listed(const struct engine_info *i, void *data)
{
	struct stats_run *s = data;
	struct ar_err ignored = { 0 };

	if (!s->all && i->state != ENGINE_RUNNING)
		return 0;
	take(s, i, NULL, &ignored);	/* a container going away: left out */
	ar_err_clear(&ignored);
	return 0;
}

/* One reading of every container; ones gone since the last are dropped.
 * `first`: a named container that cannot be found is an error. */
static int round_of(struct stats_run *s, bool first, struct ar_err *err)
{
	size_t kept = 0;

	for (size_t k = 0; k < s->n; k++)
		s->items[k].seen = false;
	if (s->names == NULL && engine_list(s->e, take_listed, s, err) < 0)
		return -1;
	for (int k = 0; s->names && k < s->n_names; k++) {
		struct engine_info i;
		struct ar_err gone = { 0 };
		int r = engine_find(s->e, s->names[k], &i, first ? err : &gone);
		ar_err_clear(&gone);
		if (r < 0 && first)
			return -1;
		if (r == 0) {
			r = take(s, &i, s->names[k], err);
			engine_info_free(&i);
			if (r < 0)
				return -1;
		}
	}
	for (size_t k = 0; k < s->n; k++) {
		if (s->items[k].seen)
			s->items[kept++] = s->items[k];
		else
			item_free(&s->items[k]);
	}
	s->n = kept;
	return 0;
}

/* ------------------------------------------------------------ output */

/* go-units' BytesSize: "%.4g" over 1024 steps ("1.5MiB", "7.668GiB"). */
static char *bytes_size(uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		d /= 1024.0;
		u++;
	}
	return xasprintf("%.4g%s", d, units[u]);
}

static double cpu_percent(const struct stats_item *it)
{
	const struct engine_sample *a = &it->prev, *b = &it->cur;

	if (!it->have_prev || !a->running || !b->running || b->at_ns <= a->at_ns ||
	    b->cpu_ns < a->cpu_ns)
		return 0.0;
	return (double)(b->cpu_ns - a->cpu_ns) / (double)(b->at_ns - a->at_ns) * 100.0;
}

/* docker's columns of one container, as strings. */
struct stats_cols {
	char *id, *cpu, *mem, *memp, *net, *blk, *pids;
};

static void cols_of(const struct stats_run *s, const struct stats_item *it,
		    struct stats_cols *c)
{
	const struct engine_sample *v = &it->cur;
	_cleanup_free_ char *mu = bytes_size(v->mem_usage), *ml = bytes_size(v->mem_limit);
	_cleanup_free_ char *nr = human_size(v->net_rx), *nt = human_size(v->net_tx);
	_cleanup_free_ char *br = human_size(v->blk_read), *bw = human_size(v->blk_write);

	c->id = s->no_trunc ? xstrdup(it->id) : short_id(it->id);
	c->cpu = xasprintf("%.2f%%", cpu_percent(it));
	c->mem = xasprintf("%s / %s", mu, ml);
	c->memp = xasprintf("%.2f%%", v->mem_limit ? (double)v->mem_usage * 100.0 /
				      (double)v->mem_limit : 0.0);
	c->net = xasprintf("%s / %s", nr, nt);
	c->blk = xasprintf("%s / %s", br, bw);
	c->pids = xasprintf("%llu", (unsigned long long)v->pids);
}

static void cols_free(struct stats_cols *c)
{
	free(c->id);
	free(c->cpu);
	free(c->mem);
	free(c->memp);
	free(c->net);
	free(c->blk);
	free(c->pids);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* docker's `--format json`: its keys, sorted as Go prints them. */
static void print_json(FILE *f, const struct stats_item *it, const struct stats_cols *c)
{
	json_object *o = json_object_new_object();

	add_str(o, "BlockIO", c->blk);
	add_str(o, "CPUPerc", c->cpu);
	add_str(o, "Container", it->label);
	add_str(o, "ID", c->id);
	add_str(o, "MemPerc", c->memp);
	add_str(o, "MemUsage", c->mem);
	add_str(o, "Name", it->name[0] ? it->name : "--");
	add_str(o, "NetIO", c->net);
	add_str(o, "PIDs", c->pids);
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* One frame, written at once: a live terminal never shows half a table. */
static void print_stats(const struct stats_run *s, bool live)
{
	struct table *t = NULL;
	char *frame = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&frame, &len);

	if (f == NULL)
		abort();	/* out of memory, as xmalloc */
	if (live)
		fputs("\033[2J\033[H", f);	/* clear, home: docker's refresh */
	if (!s->json)
		t = table_new(8, "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
			      "NET I/O", "BLOCK I/O", "PIDS");
	for (size_t k = 0; k < s->n; k++) {
		struct stats_cols c;
		cols_of(s, &s->items[k], &c);
		if (t)
			table_row(t, c.id, s->items[k].name, c.cpu, c.mem, c.memp, c.net, c.blk,
				  c.pids);
		else
			print_json(f, &s->items[k], &c);
		cols_free(&c);
	}
	if (t)
		table_print(t, f);
	fclose(f);
	fwrite(frame, 1, len, stdout);
	fflush(stdout);
	free(frame);
}

/* ------------------------------------------------------------ command */

/* Two readings half a second apart (CPU % needs both), then one table;
 * live: a new reading and table every second. */
static int stats_loop(struct stats_run *s, bool live, struct ar_err *err)
{
	if (round_of(s, true, err) < 0)
		return -1;
	sleep_ms(500);
	if (round_of(s, false, err) < 0)
		return -1;
	print_stats(s, live);
	while (live) {
		sleep_ms(1000);
		if (round_of(s, false, err) < 0)
			return -1;
		print_stats(s, live);
	}
	return 0;
}

int cmd_stats(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const char usage[] =
		"usage: argon stats [-a] [--no-stream] [--no-trunc] [--format table|json] [CONTAINER...]";
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, { "no-stream", no_argument, NULL, 'S' },
		{ "no-trunc", no_argument, NULL, 'N' }, { "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct stats_run s = { 0 };
	bool no_stream = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'a')
			s.all = true;
		else if (c == 'S')
			no_stream = true;
		else if (c == 'N')
			s.no_trunc = true;
		else if (c != 'f' || cli_format(optarg, &s.json, err) < 0)
			return cli_usage(err, "%s", usage);
	}
	if ((s.e = cli_engine(cli, err)) == NULL)
		return -1;
	if (optind < argc) {
		s.names = argv + optind;
		s.n_names = argc - optind;
	}
	r = stats_loop(&s, !no_stream && isatty(STDOUT_FILENO), err);
	for (size_t k = 0; k < s.n; k++)
		item_free(&s.items[k]);
	free(s.items);
	return r;
}
