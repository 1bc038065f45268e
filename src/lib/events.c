/* argon — the engine's events: one JSON line each in <state-dir>/events.log
 * (docker's event message), rotated to events.log.1 past a cap; and the
 * reader behind `argon events` (events.h). */
#define _GNU_SOURCE
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "rotlog.h"
#include "util.h"

#define EVENTS_LOCK "events.lock"
#define NS_PER_S 1000000000LL

/* ------------------------------------------------------------ writing */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same object with its keys sorted (Go marshals a map so). */
static json_object *sorted_keys(json_object *o)
{
	json_object *out = json_object_new_object();
	size_t n = 0, i = 0;
	const char **keys;

	json_object_object_foreach(o, k1, v1) {
		(void)k1;
		(void)v1;
		n++;
	}
	keys = xcalloc(n + 1, sizeof *keys);
	json_object_object_foreach(o, k2, v2) {
		(void)v2;
		keys[i++] = k2;
	}
	qsort(keys, n, sizeof *keys, cmp_str);
	for (i = 0; i < n; i++)
		json_object_object_add(out, keys[i],
				       json_object_get(json_object_object_get(o, keys[i])));
	free(keys);
	return out;
}

/* Labels and the caller's "k=v" first: name and image win, as docker's. */
static json_object *attributes(const char *name, const char *image, const char *const *attrs)
{
	json_object *a = json_object_new_object(), *sorted;

	for (size_t i = 0; attrs && attrs[i]; i++) {
		const char *eq = strchr(attrs[i], '=');
		_cleanup_free_ char *k = eq ? strndup(attrs[i], (size_t)(eq - attrs[i]))
					    : xstrdup(attrs[i]);
		json_object_object_add(a, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	if (image)
		json_object_object_add(a, "image", json_object_new_string(image));
	if (name)
		json_object_object_add(a, "name", json_object_new_string(name));
	sorted = sorted_keys(a);
	json_object_put(a);
	return sorted;
}

char *event_line(const char *id, const char *name, const char *image, const char *action,
		 const char *const *attrs, int64_t time_ns)
{
	json_object *j = json_object_new_object(), *actor = json_object_new_object();
	char *line;

	json_object_object_add(actor, "ID", json_object_new_string(id));
	json_object_object_add(actor, "Attributes", attributes(name, image, attrs));
	/* status, id and from: docker's fields from before Type and Actor,
	 * still sent and still read by clients. */
	json_object_object_add(j, "status", json_object_new_string(action));
	json_object_object_add(j, "id", json_object_new_string(id));
	json_object_object_add(j, "from", json_object_new_string(image ? image : ""));
	json_object_object_add(j, "Type", json_object_new_string("container"));
	json_object_object_add(j, "Action", json_object_new_string(action));
	json_object_object_add(j, "Actor", actor);
	json_object_object_add(j, "scope", json_object_new_string("local"));
	json_object_object_add(j, "time", json_object_new_int64(time_ns / NS_PER_S));
	json_object_object_add(j, "timeNano", json_object_new_int64(time_ns));
	line = xasprintf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	return line;
}

/* Renames a full events.log once: the size is checked again under the
 * exclusive lock, as another writer may have rotated it meanwhile (a
 * second rename would put the fresh file over the .1 just made). */
static void rotate(int dfd, int lock)
{
	struct stat st;

	if (flock(lock, LOCK_EX) < 0)
		return;
	if (fstatat(dfd, EVENTS_LOG, &st, 0) == 0 && st.st_size >= EVENTS_MAX_SIZE)
		renameat(dfd, EVENTS_LOG, dfd, EVENTS_LOG ".1");
	flock(lock, LOCK_UN);
}

void events_append(const char *state_dir, const char *line)
{
	_cleanup_close_ int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int lock = -1, fd = -1;
	struct stat st;
	bool full;

	if (dfd < 0)
		return;
	lock = openat(dfd, EVENTS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_SH) < 0)
		return;
	/* Shared: writers go together; a rotation waits for them, so none
	 * writes to a file already renamed (a follower finishes it first). */
	fd = openat(dfd, EVENTS_LOG, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	full = fd >= 0 && write(fd, line, strlen(line)) > 0 && fstat(fd, &st) == 0 &&
	       st.st_size >= EVENTS_MAX_SIZE;
	flock(lock, LOCK_UN);
	if (full)
		rotate(dfd, lock);
}

void engine_event(struct engine *e, const char *id, const char *name, const char *image,
		  const char *action, const char *const *attrs)
{
	struct timespec ts;
	_cleanup_free_ char *line = NULL;

	if (e == NULL || e->state_dir == NULL || id == NULL || action == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	line = event_line(id, name, image, action, attrs,
			  (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec);
	events_append(e->state_dir, line);
}

/* The labels of the engine options JSON ("Labels": {...}) and the
 * caller's attributes, as "k=v". */
static char **labels_and(json_object *config, const char *const *attrs)
{
	json_object *labels;
	char **out = xcalloc(1, sizeof *out);

	if (config && json_object_object_get_ex(config, "Labels", &labels) &&
	    json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v) {
			strv_push(&out, xasprintf("%s=%s", k, json_object_get_string(v)));
		}
	}
	for (size_t i = 0; attrs && attrs[i]; i++)
		strv_push(&out, xstrdup(attrs[i]));
	return out;
}

void engine_event_of(struct engine *e, const struct engine_info *i, const char *action,
		     const char *const *attrs)
{
	json_object *config = i->config ? json_tokener_parse(i->config) : NULL, *image;
	_cleanup_strv_ char **all = labels_and(config, attrs);
	const char *ref = i->c.image_id;

	if (config && json_object_object_get_ex(config, "Image", &image) &&
	    json_object_get_string_len(image) > 0)
		ref = json_object_get_string(image);
	engine_event(e, i->c.id, i->c.name, ref, action, (const char *const *)all);
	json_object_put(config);
}

void engine_event_signal(struct engine *e, const struct engine_info *i, int sig)
{
	char attr[32];
	const char *const attrs[] = { attr, NULL };

	snprintf(attr, sizeof attr, "signal=%d", sig);
	engine_event_of(e, i, "kill", attrs);
}

/* ------------------------------------------------------------ reading */

struct event_reader {
	struct rotlog *log;
	int64_t since, until;
	json_object *ev;	/* the last one returned */
};

int event_reader_open(const char *state_dir, bool history, int64_t since_ns, int64_t until_ns,
		      struct event_reader **out, struct ar_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/" EVENTS_LOG, state_dir);
	struct event_reader *r = xcalloc(1, sizeof *r);

	if (rotlog_open(path, history, &r->log, err) < 0) {
		free(r);
		return -1;
	}
	if (!history)
		rotlog_skip_to_end(r->log);
	r->since = since_ns;
	r->until = until_ns;
	*out = r;
	return 0;
}

/* timeNano, or time in seconds; -1 when it is not an event. */
static int64_t event_time(json_object *ev)
{
	json_object *t;

	if (!json_object_is_type(ev, json_type_object) ||
	    !json_object_object_get_ex(ev, "Action", &t))
		return -1;
	if (json_object_object_get_ex(ev, "timeNano", &t) && json_object_is_type(t, json_type_int))
		return json_object_get_int64(t);
	if (json_object_object_get_ex(ev, "time", &t) && json_object_is_type(t, json_type_int))
		return json_object_get_int64(t) * NS_PER_S;
	return -1;
}

int event_reader_next(struct event_reader *r, json_object **ev, int64_t *time_ns)
{
	const char *line;
	size_t len;

	while (rotlog_next(r->log, &line, &len) == 1) {
		json_object_put(r->ev);
		r->ev = json_tokener_parse(line);
		int64_t t = r->ev ? event_time(r->ev) : -1;
		if (t < 0 || t < r->since || (r->until && t > r->until))
			continue;
		*ev = r->ev;
		*time_ns = t;
		return 1;
	}
	return 0;
}

int event_reader_wait(struct event_reader *r, int fd, int timeout_ms)
{
	return rotlog_wait(r->log, fd, -1, timeout_ms);
}

void event_reader_free(struct event_reader *r)
{
	if (r == NULL)
		return;
	rotlog_free(r->log);
	json_object_put(r->ev);
	free(r);
}
