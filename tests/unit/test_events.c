/* Unit tests for src/lib/events.c: the event line (docker's message shape,
 * parsed back with json-c), labels and attributes, rotation of events.log
 * under concurrent writers (every line kept exactly once, each valid
 * JSON), and the reader: since/until, history or only new events, and
 * following across a rotation. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "engine.h"
#include "events.h"
#include "unit.h"
#include "util.h"

#define S 1000000000LL
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *read_in(const struct unit_dir *d, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", d->path, name);
	struct ar_err err = { 0 };
	char *text = NULL;
	size_t len;

	if (read_file_at(AT_FDCWD, p, &text, &len, &err) < 0)
		ar_err_clear(&err);
	return text;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * S + ts.tv_nsec;
}

static const char *get_str(json_object *o, const char *path1, const char *path2)
{
	json_object *v;

	if (!json_object_object_get_ex(o, path1, &v))
		return NULL;
	if (path2 && !json_object_object_get_ex(v, path2, &v))
		return NULL;
	return json_object_get_string(v);
}

static void test_line_shape(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *text = NULL;
	struct engine e = { 0 };
	static const char *const attrs[] = { "exitCode=3", NULL };
	json_object *j = NULL, *actor, *a, *t, *tn;
	int64_t before, after;

	CHECK(unit_dir_make(&d, "events") == 0);
	e.state_dir = d.path;
	before = real_ns();
	engine_event(&e, ID, "web", "busybox:latest", "die", attrs);
	after = real_ns();
	text = read_in(&d, EVENTS_LOG);
	CHECK(text != NULL);
	/* one line, ended */
	CHECK(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	CHECK(strchr(text, '\n') == text + strlen(text) - 1);
	j = json_tokener_parse(text);
	CHECK(j != NULL);
	bool ok = json_object_object_get_ex(j, "Actor", &actor) &&
		  json_object_object_get_ex(actor, "Attributes", &a) &&
		  json_object_object_get_ex(j, "time", &t) &&
		  json_object_object_get_ex(j, "timeNano", &tn);
	int64_t secs = ok ? json_object_get_int64(t) : 0, nano = ok ? json_object_get_int64(tn) : 0;
	bool types = ok && json_object_is_type(t, json_type_int) &&
		     json_object_is_type(tn, json_type_int);
	int nattrs = ok ? json_object_object_length(a) : 0;
	_cleanup_free_ char *status = xstrdup(get_str(j, "status", NULL) ?: "");
	_cleanup_free_ char *id = xstrdup(get_str(j, "id", NULL) ?: "");
	_cleanup_free_ char *from = xstrdup(get_str(j, "from", NULL) ?: "");
	_cleanup_free_ char *type = xstrdup(get_str(j, "Type", NULL) ?: "");
	_cleanup_free_ char *action = xstrdup(get_str(j, "Action", NULL) ?: "");
	_cleanup_free_ char *scope = xstrdup(get_str(j, "scope", NULL) ?: "");
	_cleanup_free_ char *actor_id = xstrdup(get_str(j, "Actor", "ID") ?: "");
	_cleanup_free_ char *name = ok ? xstrdup(get_str(a, "name", NULL) ?: "") : NULL;
	_cleanup_free_ char *image = ok ? xstrdup(get_str(a, "image", NULL) ?: "") : NULL;
	_cleanup_free_ char *code = ok ? xstrdup(get_str(a, "exitCode", NULL) ?: "") : NULL;
	json_object_put(j);
	CHECK(ok && types);
	CHECK_STR(status, "die");
	CHECK_STR(id, ID);
	CHECK_STR(from, "busybox:latest");
	CHECK_STR(type, "container");
	CHECK_STR(action, "die");
	CHECK_STR(scope, "local");
	CHECK_STR(actor_id, ID);
	CHECK_STR(name, "web");
	CHECK_STR(image, "busybox:latest");
	CHECK_STR(code, "3");
	CHECK(nattrs == 3);
	CHECK(nano >= before && nano <= after);
	CHECK(secs == nano / S);
	/* docker's field order, attributes sorted by key */
	CHECK_CONTAINS(text, "{\"status\":\"die\",\"id\":\"" ID "\",\"from\":\"busybox:latest\","
		       "\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"" ID "\","
		       "\"Attributes\":{\"exitCode\":\"3\",\"image\":\"busybox:latest\","
		       "\"name\":\"web\"}},\"scope\":\"local\",\"time\":");
}

/* engine_event_of: labels from the record's config; name and image win
 * over a label of that key; odd characters survive as JSON. */
static void test_event_of_labels(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *text = NULL;
	struct engine e = { 0 };
	struct engine_info i = { 0 };
	static const char *const attrs[] = { "signal=15", NULL };

	CHECK(unit_dir_make(&d, "events") == 0);
	e.state_dir = d.path;
	i.c.id = (char *)ID;
	i.c.name = (char *)"we\"b";
	i.c.image_id = (char *)"sha256:feed";
	i.config = (char *)"{\"Image\":\"alpine\",\"Labels\":{\"zz\":\"last\",\"a\":\"x=y\","
			   "\"name\":\"not-me\"}}";
	engine_event_of(&e, &i, "kill", attrs);
	i.config = NULL;	/* no config: the image ID */
	engine_event_of(&e, &i, "destroy", NULL);
	text = read_in(&d, EVENTS_LOG);
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "\"from\":\"alpine\"");
	CHECK_CONTAINS(text, "\"Attributes\":{\"a\":\"x=y\",\"image\":\"alpine\","
		       "\"name\":\"we\\\"b\",\"signal\":\"15\",\"zz\":\"last\"}");
	CHECK_CONTAINS(text, "\"Action\":\"destroy\"");
	CHECK_CONTAINS(text, "\"Attributes\":{\"image\":\"sha256:feed\",\"name\":\"we\\\"b\"}");
}

/* A writer child: m events "seq=<w>-<i>". */
static void writer(const char *dir, int w, int m)
{
	struct engine e = { .state_dir = dir };

	for (int i = 0; i < m; i++) {
		char seq[32];
		snprintf(seq, sizeof seq, "seq=%d-%d", w, i);
		const char *attrs[] = { seq, NULL };
		engine_event(&e, ID, "racer", "busybox", "start", attrs);
	}
	_exit(0);
}

/* Counts seq attributes of every line of text into seen[w * m + i]; -1 on
 * a line that is not an event. */
static int count_lines(const char *text, int *seen, int n, int m)
{
	int lines = 0;

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (nl == NULL)
			return -1;	/* a torn last line */
		_cleanup_free_ char *line = strndup(p, (size_t)(nl - p));
		json_object *j = json_tokener_parse(line), *actor, *a, *s;
		int w, i;
		bool ok = j && json_object_object_get_ex(j, "Actor", &actor) &&
			  json_object_object_get_ex(actor, "Attributes", &a) &&
			  json_object_object_get_ex(a, "seq", &s) &&
			  sscanf(json_object_get_string(s), "%d-%d", &w, &i) == 2 &&
			  w >= 0 && w < n && i >= 0 && i < m;
		if (ok)
			seen[w * m + i]++;
		json_object_put(j);
		if (!ok)
			return -1;
		lines++;
		p = nl + 1;
	}
	return lines;
}

/* N writers × M events crossing the cap once: every line in events.log.1
 * or events.log exactly once, each whole JSON; the reader gives them all
 * once too, each writer's in its order. */
static void test_rotation_concurrent(void)
{
	enum { N = 6 };
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *one = NULL, *old = NULL, *cur = NULL;
	_cleanup_free_ int *seen = NULL, *last = NULL;
	struct event_reader *r = NULL;
	struct ar_err err = { 0 };
	pid_t pids[N];
	int m, total = 0, bad = 0, order = 0;
	struct stat st;

	CHECK(unit_dir_make(&d, "events") == 0);
	one = event_line(ID, "racer", "busybox", "start", (const char *const[]){ "seq=0-0", NULL }, 1);
	/* 1.6 caps of lines in all: one rotation, and only one, so that no
	 * line is gone with a second */
	m = (int)(EVENTS_MAX_SIZE * 16 / 10 / (long)(strlen(one) + 4) / N);
	for (int w = 0; w < N; w++) {
		pids[w] = fork();
		CHECK(pids[w] >= 0);
		if (pids[w] == 0)
			writer(d.path, w, m);
	}
	for (int w = 0; w < N; w++) {
		int status;
		CHECK(waitpid(pids[w], &status, 0) == pids[w] && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0);
	}
	_cleanup_free_ char *p1 = xasprintf("%s/" EVENTS_LOG ".1", d.path);
	CHECK(stat(p1, &st) == 0 && st.st_size >= EVENTS_MAX_SIZE);
	old = read_in(&d, EVENTS_LOG ".1");
	cur = read_in(&d, EVENTS_LOG);
	CHECK(old != NULL && cur != NULL);
	CHECK(strlen(cur) < EVENTS_MAX_SIZE);
	seen = xcalloc((size_t)(N * m), sizeof *seen);
	int n1 = count_lines(old, seen, N, m), n2 = count_lines(cur, seen, N, m);
	CHECK(n1 > 0 && n2 > 0);
	CHECK(n1 + n2 == N * m);
	for (int k = 0; k < N * m; k++)
		bad += seen[k] != 1;
	CHECK(bad == 0);

	/* the reader: history over both files */
	CHECK(event_reader_open(d.path, true, 0, 0, &r, &err) == 0);
	memset(seen, 0, (size_t)(N * m) * sizeof *seen);
	last = xcalloc(N, sizeof *last);
	for (int w = 0; w < N; w++)
		last[w] = -1;
	json_object *ev;
	int64_t t;
	while (event_reader_next(r, &ev, &t) == 1) {
		json_object *actor, *a, *s;
		int w = -1, i = -1;
		if (json_object_object_get_ex(ev, "Actor", &actor) &&
		    json_object_object_get_ex(actor, "Attributes", &a) &&
		    json_object_object_get_ex(a, "seq", &s))
			sscanf(json_object_get_string(s), "%d-%d", &w, &i);
		if (w < 0 || w >= N || i < 0 || i >= m) {
			bad++;
			continue;
		}
		seen[w * m + i]++;
		order += i <= last[w];
		last[w] = i;
		total++;
	}
	event_reader_free(r);
	ar_err_clear(&err);
	CHECK(bad == 0);
	CHECK(total == N * m);
	CHECK(order == 0);
	for (int k = 0; k < N * m; k++)
		bad += seen[k] != 1;
	CHECK(bad == 0);
}

static void append_at(const struct unit_dir *d, const char *action, int64_t when)
{
	_cleanup_free_ char *line = event_line(ID, "web", "busybox", action, NULL, when);

	events_append(d->path, line);
}

/* Reads every event there now: their actions, space-separated. */
static char *actions(struct event_reader *r)
{
	_cleanup_free_ char *out = xstrdup("");
	json_object *ev, *a;
	int64_t t;

	while (event_reader_next(r, &ev, &t) == 1) {
		char *more = xasprintf("%s%s%s", out, *out ? " " : "",
				       json_object_object_get_ex(ev, "Action", &a)
					       ? json_object_get_string(a) : "?");
		free(out);
		out = more;
	}
	return steal_ptr(&out);
}

static void test_reader_since_until(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct event_reader *r = NULL;
	struct ar_err err = { 0 };

	CHECK(unit_dir_make(&d, "events") == 0);
	append_at(&d, "create", 1000 * S);
	append_at(&d, "start", 2000 * S);
	_cleanup_free_ char *p = xasprintf("%s/" EVENTS_LOG, d.path);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "not json\n{\"half\":\n", 18) == 18);	/* torn lines */
	append_at(&d, "die", 3000 * S);

	CHECK(event_reader_open(d.path, true, 1500 * S, 2500 * S, &r, &err) == 0);
	_cleanup_free_ char *mid = actions(r);
	event_reader_free(r);
	CHECK_STR(mid, "start");
	CHECK(event_reader_open(d.path, true, 2000 * S, 0, &r, &err) == 0);	/* inclusive */
	_cleanup_free_ char *late = actions(r);
	event_reader_free(r);
	CHECK_STR(late, "start die");
	CHECK(event_reader_open(d.path, true, 0, 0, &r, &err) == 0);
	_cleanup_free_ char *all = actions(r);
	event_reader_free(r);
	CHECK_STR(all, "create start die");
	ar_err_clear(&err);
}

/* Without history only what comes after the open; a follower finishes the
 * renamed file before the new one, and sees the older .1 of history. */
static void test_reader_follow_rotation(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct event_reader *r = NULL, *h = NULL;
	struct ar_err err = { 0 };

	CHECK(unit_dir_make(&d, "events") == 0);
	append_at(&d, "old", 1 * S);
	CHECK(event_reader_open(d.path, false, 0, 0, &r, &err) == 0);
	_cleanup_free_ char *none = actions(r);
	append_at(&d, "create", 2 * S);
	_cleanup_free_ char *first = actions(r);
	append_at(&d, "start", 3 * S);	/* not read before the rename */
	_cleanup_free_ char *log = xasprintf("%s/" EVENTS_LOG, d.path);
	_cleanup_free_ char *log1 = xasprintf("%s/" EVENTS_LOG ".1", d.path);
	CHECK(rename(log, log1) == 0);
	_cleanup_free_ char *gap = actions(r);	/* events.log missing for a moment */
	append_at(&d, "die", 4 * S);
	_cleanup_free_ char *rest = actions(r);
	/* a waiter wakes for a new event */
	int64_t t0 = real_ns();
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		usleep(200000);
		append_at(&d, "destroy", 5 * S);
		_exit(0);
	}
	event_reader_wait(r, -1, 10000);
	int64_t waited = real_ns() - t0;
	waitpid(pid, NULL, 0);
	_cleanup_free_ char *woke = actions(r);
	event_reader_free(r);
	CHECK_STR(none, "");
	CHECK_STR(first, "create");
	CHECK_STR(gap, "start");
	CHECK_STR(rest, "die");
	CHECK_STR(woke, "destroy");
	CHECK(waited < 5 * S);
	/* history: .1 first, then events.log */
	CHECK(event_reader_open(d.path, true, 0, 0, &h, &err) == 0);
	_cleanup_free_ char *all = actions(h);
	event_reader_free(h);
	CHECK_STR(all, "old create start die destroy");
	ar_err_clear(&err);
}

/* Best effort: a state dir that is not there fails nothing. */
static void test_missing_dir(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	struct engine e = { .state_dir = "/nonexistent/argon-events" };
	struct event_reader *r = NULL;
	struct ar_err err = { 0 };
	json_object *ev;
	int64_t t;

	engine_event(&e, ID, "web", "busybox", "start", NULL);
	CHECK(access("/nonexistent/argon-events", F_OK) < 0);
	/* a state dir without events.log yet: nothing, no error; then the
	 * first event once it is written */
	CHECK(unit_dir_make(&d, "events") == 0);
	CHECK(event_reader_open(d.path, true, 0, 0, &r, &err) == 0);
	int before = event_reader_next(r, &ev, &t);
	append_at(&d, "create", 1 * S);
	_cleanup_free_ char *after = actions(r);
	event_reader_free(r);
	ar_err_clear(&err);
	CHECK(before == 0);
	CHECK_STR(after, "create");
}

UNIT_MAIN(UNIT(test_line_shape), UNIT(test_event_of_labels), UNIT(test_rotation_concurrent),
	  UNIT(test_reader_since_until), UNIT(test_reader_follow_rotation),
	  UNIT(test_missing_dir))
