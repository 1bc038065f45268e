/* argon-runtime — per-container state under --root. See state.h for the
 * layout and the locking rule. */
#define _GNU_SOURCE
#include "state.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "proc.h"
#include "spec.h"
#include "util.h"

#define STATE_FILE "state.json"
#define EXEC_FIFO "exec.fifo"

const char *ar_status_name(enum ar_status s)
{
	switch (s) {
	case ST_CREATING: return "creating";
	case ST_CREATED: return "created";
	case ST_RUNNING: return "running";
	case ST_PAUSED: return "paused";
	case ST_STOPPED: return "stopped";
	}
	return "unknown";
}

/* ---- IDs and directories ---- */

static bool id_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '.' || c == '-';
}

int state_validate_id(const char *id, struct ar_err *err)
{
	size_t len;

	if (id == NULL || *id == '\0')
		return ar_error(err, EINVAL, "container ID is empty");
	len = strnlen(id, STATE_ID_MAX + 1);
	if (len > STATE_ID_MAX)
		return ar_error(err, EINVAL, "container ID is longer than %d bytes", STATE_ID_MAX);
	/* "." and ".." would name the root or its parent; other dot names are
	 * the runtime's own (the seccomp cache) and hidden from `list`. */
	if (id[0] == '.')
		return ar_error(err, EINVAL, "invalid container ID `%s`: must not start with `.`", id);
	for (size_t i = 0; i < len; i++)
		if (!id_byte_ok((unsigned char)id[i]))
			return ar_error(err, EINVAL,
					"invalid container ID `%s`: only [A-Za-z0-9_+.-] allowed", id);
	return 0;
}

/* mkdir -p: intermediate directories 0755, the last one `mode`. */
static int mkdir_parents(const char *path, mode_t mode, struct ar_err *err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		if (slash[-1] == '/')
			continue;
		*slash = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return ar_error(err, errno, "create directory `%s`", p);
		*slash = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create directory `%s`", p);
	return 0;
}

int state_root_open(const char *root, int *rootfd, struct ar_err *err)
{
	int fd;

	if (root == NULL || *root == '\0')
		return ar_error(err, EINVAL, "state root is empty");
	if (mkdir_parents(root, 0700, err) < 0)
		return ar_err_prefix(err, "create state root");
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open state root `%s`", root);
	if (dir_check_private(fd, root, err) < 0) {
		close(fd);
		return -1;
	}
	*rootfd = fd;
	return 0;
}

static int lock_dir(int fd)
{
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* IDs may be 1024 bytes but a name on disk at most 255: an ID longer than
 * DIRNAME_MAX lives under "~" + sha256(ID) ('~' is never in an ID), and its
 * state.json holds the ID itself. */
#define DIRNAME_MAX 200

static const char *dir_name(const char *id, char buf[67])
{
	if (strlen(id) <= DIRNAME_MAX)
		return id;
	buf[0] = '~';
	sha256_hex(id, strlen(id), buf + 1);
	return buf;
}

/* The directory is made under a hidden name, locked, then renamed into
 * place with RENAME_NOREPLACE: no other command can ever see it unlocked and
 * empty (and take it for a create that died), and the rename is the
 * duplicate-ID check. */
int state_dir_create(int rootfd, const char *id, int *dirfd, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	char tmp[64], name[67];

	if (state_validate_id(id, err) < 0)
		return -1;
	snprintf(tmp, sizeof tmp, ".new-%d-%llx", (int)getpid(), (unsigned long long)now_ns());
	if (mkdirat(rootfd, tmp, 0700) < 0)
		return ar_error(err, errno, "create directory of container `%s`", id);
	fd = openat(rootfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || lock_dir(fd) < 0) {
		int e = errno;
		unlinkat(rootfd, tmp, AT_REMOVEDIR);
		return ar_error(err, e, "open directory of container `%s`", id);
	}
	if (renameat2(rootfd, tmp, rootfd, dir_name(id, name), RENAME_NOREPLACE) < 0) {
		int e = errno;
		unlinkat(rootfd, tmp, AT_REMOVEDIR);
		if (e == EEXIST)
			return ar_error(err, EEXIST, "container `%s` already exists", id);
		return ar_error(err, e, "create directory of container `%s`", id);
	}
	*dirfd = steal_fd(&fd);
	return 0;
}

int state_dir_open(int rootfd, const char *id, int *dirfd, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char name[67];

	if (state_validate_id(id, err) < 0)
		return -1;
	fd = openat(rootfd, dir_name(id, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ar_error(err, ENOENT, "container `%s` does not exist", id);
		return ar_error(err, errno, "open directory of container `%s`", id);
	}
	if (lock_dir(fd) < 0)
		return ar_error(err, errno, "lock directory of container `%s`", id);
	if (fstat(fd, &st) < 0)
		return ar_error(err, errno, "stat directory of container `%s`", id);
	/* The holder of the lock we waited for may have deleted the container. */
	if (st.st_nlink == 0)
		return ar_error(err, ENOENT, "container `%s` does not exist", id);
	*dirfd = steal_fd(&fd);
	return 0;
}

int state_dir_remove(int rootfd, const char *id, struct ar_err *err)
{
	char name[67];

	if (state_validate_id(id, err) < 0)
		return -1;
	if (rm_rf_at(rootfd, dir_name(id, name), err) < 0)
		return ar_err_prefix(err, "remove container `%s`", id);
	return 0;
}

/* ---- state.json ---- */

/* Parses a whole document (strict JSON, nothing but whitespace after it).
 * Returns NULL with a description of the problem in *why. */
static struct json_object *json_parse_whole(const char *text, size_t len, const char **why)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	enum json_tokener_error jerr;

	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		*why = jerr == json_tokener_continue ? "unexpected end of data"
						     : json_tokener_error_desc(jerr);
		json_object_put(obj);
		obj = NULL;
	} else if (text[strspn(text + json_tokener_get_parse_end(tok), " \t\r\n") +
			json_tokener_get_parse_end(tok)] != '\0') {
		*why = "data after the JSON value";
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static struct json_object *annotations_object(const char *text)
{
	const char *why;
	struct json_object *obj;

	if (text == NULL)
		return json_object_new_object();
	obj = json_parse_whole(text, strlen(text), &why);
	if (obj && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

int state_write(int dirfd, const struct ar_state *st, struct ar_err *err)
{
	struct json_object *o, *ann = annotations_object(st->annotations_json);
	const char *text;
	int ret;

	if (ann == NULL)
		return ar_error(err, EINVAL, "write `%s` of container `%s`: annotations are not a JSON object",
				STATE_FILE, st->id ? st->id : "");
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(st->id ? st->id : ""));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle ? st->bundle : ""));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs ? st->rootfs : ""));
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	json_object_object_add(o, "start_time", json_object_new_uint64(st->start_time));
	json_object_object_add(o, "created_ns", json_object_new_int64(st->created_ns));
	json_object_object_add(o, "owner", json_object_new_string(st->owner ? st->owner : ""));
	json_object_object_add(o, "ns_flags", json_object_new_int64(st->ns_flags));
	json_object_object_add(o, "own_pidns", json_object_new_boolean(st->own_pidns));
	json_object_object_add(o, "annotations", ann);
	json_object_object_add(o, "cgroup_path",
			       json_object_new_string(st->cgroup_path ? st->cgroup_path : ""));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = write_file_replace_at(dirfd, STATE_FILE, text, strlen(text), 0600, err);
	json_object_put(o);
	if (ret < 0)
		return ar_err_prefix(err, "save state of container `%s`", st->id ? st->id : "");
	return 0;
}

/* One field of state.json; fails naming the file, the container and the key. */
struct state_doc {
	struct json_object *obj;
	const char *id;
	struct ar_err *err;
};

static struct json_object *doc_get(const struct state_doc *d, const char *key, enum json_type t,
				   const char *what)
{
	struct json_object *v;

	if (!json_object_object_get_ex(d->obj, key, &v)) {
		ar_error(d->err, EINVAL, "invalid `%s` of container `%s`: `%s` is missing",
			 STATE_FILE, d->id, key);
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		ar_error(d->err, EINVAL, "invalid `%s` of container `%s`: `%s` must be %s",
			 STATE_FILE, d->id, key, what);
		return NULL;
	}
	return v;
}

static int doc_string(const struct state_doc *d, const char *key, char **out)
{
	struct json_object *v = doc_get(d, key, json_type_string, "a string");

	if (v == NULL)
		return -1;
	*out = xstrdup(json_object_get_string(v));
	return 0;
}

/* An integer within [min, max] (both within int64). */
static int doc_int(const struct state_doc *d, const char *key, int64_t min, int64_t max,
		   int64_t *out)
{
	struct json_object *v = doc_get(d, key, json_type_int, "an integer");
	int64_t x;

	if (v == NULL)
		return -1;
	x = json_object_get_int64(v);
	/* json-c saturates unsigned values beyond int64 to INT64_MAX. */
	if (x < min || x > max ||
	    (x == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX))
		return ar_error(d->err, EINVAL, "invalid `%s` of container `%s`: `%s` is out of range",
				STATE_FILE, d->id, key);
	*out = x;
	return 0;
}

static int doc_uint64(const struct state_doc *d, const char *key, uint64_t *out)
{
	struct json_object *v = doc_get(d, key, json_type_int, "an integer");

	if (v == NULL)
		return -1;
	/* Negative values are int64 inside json-c; get_uint64 would clamp them. */
	if (json_object_get_int64(v) < 0)
		return ar_error(d->err, EINVAL, "invalid `%s` of container `%s`: `%s` is negative",
				STATE_FILE, d->id, key);
	*out = json_object_get_uint64(v);
	return 0;
}

static int state_from_doc(const struct state_doc *d, struct ar_state *st)
{
	struct json_object *v;
	int64_t pid, ns_flags;

	if (doc_string(d, "id", &st->id) < 0 || doc_string(d, "bundle", &st->bundle) < 0 ||
	    doc_string(d, "rootfs", &st->rootfs) < 0 || doc_string(d, "owner", &st->owner) < 0 ||
	    doc_string(d, "cgroup_path", &st->cgroup_path) < 0)
		return -1;
	if (doc_int(d, "pid", 0, INT32_MAX, &pid) < 0 ||
	    doc_uint64(d, "start_time", &st->start_time) < 0 ||
	    doc_int(d, "created_ns", INT64_MIN, INT64_MAX, &st->created_ns) < 0 ||
	    doc_int(d, "ns_flags", 0, UINT32_MAX, &ns_flags) < 0)
		return -1;
	st->pid = (pid_t)pid;
	st->ns_flags = (uint32_t)ns_flags;
	if ((v = doc_get(d, "own_pidns", json_type_boolean, "a boolean")) == NULL)
		return -1;
	st->own_pidns = json_object_get_boolean(v);
	if ((v = doc_get(d, "annotations", json_type_object, "an object")) == NULL)
		return -1;
	st->annotations_json = xstrdup(json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (strcmp(st->id, d->id) != 0)
		return ar_error(d->err, EINVAL, "invalid `%s` of container `%s`: it names container `%s`",
				STATE_FILE, d->id, st->id);
	return 0;
}

int state_read(int dirfd, const char *id, struct ar_state *st, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct state_doc doc = { .id = id ? id : "", .err = err };
	const char *why = NULL;
	size_t len;
	int ret;

	memset(st, 0, sizeof *st);
	if (read_file_at(dirfd, STATE_FILE, &text, &len, err) < 0)
		return ar_err_prefix(err, "read state of container `%s`", doc.id);
	if (len > INT_MAX || strlen(text) != len)
		return ar_error(err, EINVAL, "invalid `%s` of container `%s`: not JSON text",
				STATE_FILE, doc.id);
	doc.obj = json_parse_whole(text, len, &why);
	if (doc.obj == NULL)
		return ar_error(err, EINVAL, "invalid `%s` of container `%s`: %s", STATE_FILE, doc.id, why);
	if (!json_object_is_type(doc.obj, json_type_object))
		ret = ar_error(err, EINVAL, "invalid `%s` of container `%s`: not a JSON object",
			       STATE_FILE, doc.id);
	else
		ret = state_from_doc(&doc, st);
	json_object_put(doc.obj);
	if (ret < 0)
		ar_state_free(st);
	return ret;
}

void ar_state_free(struct ar_state *st)
{
	if (st == NULL)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	free(st->annotations_json);
	free(st->cgroup_path);
	memset(st, 0, sizeof *st);
}

enum ar_status state_status(int dirfd, const struct ar_state *st)
{
	if (st->pid <= 0)
		return ST_STOPPED;
	/* A different start time means the PID was reused: ours is gone. */
	if (!proc_is_same(st->pid, st->start_time))
		return ST_STOPPED;
	/* exec.fifo lives from create until start opens it. */
	if (faccessat(dirfd, EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return ST_CREATED;
	/* TODO(cgroup): ST_PAUSED when the container's cgroup is frozen. */
	return ST_RUNNING;
}

/* ---- OCI state output ---- */

/* RFC 3339 in UTC with the fraction trimmed of trailing zeros (and dropped
 * when zero), as Go's time.RFC3339Nano — what runc prints. */
static void format_rfc3339(int64_t ns, char *buf, size_t size)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	time_t t;
	struct tm tm;
	size_t n;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (gmtime_r(&t, &tm) == NULL || (n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, size, "1970-01-01T00:00:00Z");
		return;
	}
	if (frac != 0) {
		int digits = 9;
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		n += (size_t)snprintf(buf + n, size - n, ".%0*" PRId64, digits, frac);
	}
	snprintf(buf + n, size - n, "Z");
}

char *state_to_json(const struct ar_state *st, enum ar_status status, bool pretty)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ann = annotations_object(st->annotations_json);
	char created[64];
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
	char *out;

	format_rfc3339(st->created_ns, created, sizeof created);
	json_object_object_add(o, "ociVersion", json_object_new_string(SPEC_OCI_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id ? st->id : ""));
	/* runc reports pid 0 for a stopped container: the old PID may be reused. */
	json_object_object_add(o, "pid", json_object_new_int(status == ST_STOPPED ? 0 : st->pid));
	json_object_object_add(o, "status", json_object_new_string(ar_status_name(status)));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle ? st->bundle : ""));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs ? st->rootfs : ""));
	json_object_object_add(o, "created", json_object_new_string(created));
	json_object_object_add(o, "owner", json_object_new_string(st->owner ? st->owner : ""));
	if (ann && json_object_object_length(ann) > 0)
		json_object_object_add(o, "annotations", ann);
	else
		json_object_put(ann);
	out = xstrdup(json_object_to_json_string_ext(o, flags));
	json_object_put(o);
	return out;
}

/* ---- listing ---- */

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool entry_is_dir(DIR *d, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* The container ID an entry of the root stands for, or NULL. */
static char *entry_container_id(DIR *d, const struct dirent *de)
{
	struct ar_err ignored = { 0 };
	_cleanup_free_ char *path = NULL, *text = NULL;
	json_object *o, *v;
	char *id = NULL;

	if (de->d_name[0] == '.' || !entry_is_dir(d, de))
		return NULL;
	if (de->d_name[0] != '~') {
		if (state_validate_id(de->d_name, &ignored) == 0)
			id = xstrdup(de->d_name);
		ar_err_clear(&ignored);
		return id;
	}
	path = xasprintf("%s/state.json", de->d_name);
	if (read_file_at(dirfd(d), path, &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);	/* a long-ID create that never finished */
		return NULL;
	}
	o = json_tokener_parse(text);
	if (o && json_object_object_get_ex(o, "id", &v) && json_object_is_type(v, json_type_string))
		id = xstrdup(json_object_get_string(v));
	json_object_put(o);
	return id;
}

int state_list_ids(int rootfd, char ***ids, size_t *n, struct ar_err *err)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cap = 8, count = 0;
	char **v;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return ar_error(err, errno, "open state root");
	if ((d = fdopendir(fd)) == NULL) {
		int e = errno;
		close(fd);
		return ar_error(err, e, "open state root");
	}
	v = xmalloc(cap * sizeof *v);
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		char *id = entry_container_id(d, de);
		if (id == NULL)
			continue;
		if (count + 1 == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[count++] = id;
	}
	v[count] = NULL;
	if (errno != 0) {
		int e = errno;
		closedir(d);
		strv_free(v);
		return ar_error(err, e, "read state root");
	}
	closedir(d);
	qsort(v, count, sizeof *v, strp_cmp);
	*ids = v;
	*n = count;
	return 0;
}
