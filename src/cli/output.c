/* argon — output in docker's shapes: sizes, ages, tables, --format. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "util.h"

char *human_size(uint64_t bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1000.0;
		u++;
	}
	return xasprintf("%.3g%s", v, units[u]);
}

/* Go's units.HumanDuration, which docker prints with " ago". */
char *human_ago(int64_t when)
{
	int64_t s = (int64_t)time(NULL) - when;
	int64_t m = s / 60, h = s / 3600, d = h / 24;

	if (s < 1)
		return xstrdup("Less than a second ago");
	if (s == 1)
		return xstrdup("1 second ago");
	if (s < 60)
		return xasprintf("%lld seconds ago", (long long)s);
	if (m == 1)
		return xstrdup("About a minute ago");
	if (m < 60)
		return xasprintf("%lld minutes ago", (long long)m);
	if (h == 1)
		return xstrdup("About an hour ago");
	if (h < 48)
		return xasprintf("%lld hours ago", (long long)h);
	if (d < 14)
		return xasprintf("%lld days ago", (long long)d);
	if (d < 90)
		return xasprintf("%lld weeks ago", (long long)(d / 7));
	if (d < 730)
		return xasprintf("%lld months ago", (long long)(d / 30));
	return xasprintf("%lld years ago", (long long)(d / 365));
}

char *rfc3339(int64_t when)
{
	char buf[64];
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

char *short_id(const char *id)
{
	if (strncmp(id, "sha256:", 7) == 0)
		id += 7;
	return strndup(id, 12);
}

int cli_format(const char *s, bool *json, struct ar_err *err)
{
	if (strcmp(s, "json") == 0 || strcmp(s, "{{json .}}") == 0)
		*json = true;
	else if (strcmp(s, "table") == 0)
		*json = false;
	else
		return cli_usage(err, "unsupported --format `%s` (table or json)", s);
	return 0;
}

struct table {
	size_t ncols, nrows;
	char **cells;	/* (nrows + 1) * ncols, the header first */
};

struct table *table_new(size_t ncols, ...)
{
	struct table *t = xcalloc(1, sizeof *t);
	va_list ap;

	t->ncols = ncols;
	t->cells = xcalloc(ncols, sizeof(char *));
	va_start(ap, ncols);
	for (size_t i = 0; i < ncols; i++)
		t->cells[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	return t;
}

void table_row(struct table *t, ...)
{
	va_list ap;
	size_t base = (t->nrows + 1) * t->ncols;

	t->nrows++;
	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *v = va_arg(ap, const char *);
		t->cells[base + i] = xstrdup(v ? v : "");
	}
	va_end(ap);
}

void table_print(struct table *t, FILE *f)
{
	size_t *w = xcalloc(t->ncols, sizeof *w);

	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cells[r * t->ncols + c]);
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = t->cells[r * t->ncols + c];
			if (c + 1 < t->ncols)
				fprintf(f, "%-*s   ", (int)w[c], v);
			else
				fprintf(f, "%s\n", v);
		}
	}
	for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
	free(w);
}

int cli_each_container(struct cli *cli, int argc, char **argv, int first, cli_each_fn fn,
		       void *data, struct ar_err *err)
{
	if (first >= argc)
		return cli_usage(err, "`argon %s` needs at least one container", argv[0]);
	if (cli_engine(cli, err) == NULL)
		return -1;
	return cli_each(cli, argv + first, argc - first, fn, data);
}

int cli_said(int r, const char *name)
{
	if (r == 0)
		printf("%s\n", name);
	return r;
}

int cli_removed(int r, const char *name, bool force, struct ar_err *err)
{
	if (r < 0 && force && err->errnum == ENOENT) {	/* -f: a missing one is fine */
		ar_err_clear(err);
		return 0;
	}
	return r < 0 ? r : cli_said(r, name);
}

int cli_each(struct cli *cli, char *const *names, int n, cli_each_fn fn, void *data)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		struct ar_err err = { 0 };
		if (fn(cli, names[i], data, &err) < 0) {
			fprintf(stderr, "argon: %s\n", err.msg ? err.msg : "unknown error");
			failed = 1;
		}
		ar_err_clear(&err);
	}
	return failed;
}

int cli_inspect_each(struct cli *cli, int argc, char **argv, cli_inspect_fn one)
{
	json_object *all = json_object_new_array();
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		struct ar_err err = { 0 };
		json_object *o = one(cli, argv[i], &err);
		if (o == NULL) {
			fprintf(stderr, "argon: %s\n", err.msg ? err.msg : "unknown error");
			failed = 1;
		} else {
			json_object_array_add(all, o);
		}
		ar_err_clear(&err);
	}
	printf("%s\n", json_object_array_length(all) == 0 ? "[]" :
		json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(all);
	return failed;
}
