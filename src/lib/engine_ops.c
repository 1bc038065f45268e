/* argon — pause, unpause, restart, rename, top, stats and port over the
 * engine (engine_ops.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "engine_ops.h"
#include "engine_priv.h"
#include "events.h"
#include "mountspec.h"
#include "util.h"

extern char **environ;

/* ------------------------------------------------------------ pause */

bool engine_paused(struct engine *e, const char *id)
{
	struct ar_state st;
	enum ar_status status;
	struct ar_err ignored = { 0 };

	if (ar_container_load(&e->rt, id, &st, &status, &ignored) < 0) {
		ar_err_clear(&ignored);
		return false;
	}
	ar_state_free(&st);
	return status == ST_PAUSED;
}

void engine_load_paused(struct engine *e, struct engine_info *i)
{
	i->paused = i->state == ENGINE_RUNNING && engine_paused(e, i->c.id);
}

const char *engine_status_name(const struct engine_info *i)
{
	return i->state == ENGINE_RUNNING && i->paused ? "paused" : engine_state_name(i->state);
}

/* docker's checks and messages (daemon/pause.go, unpause.go). */
static int freeze(struct engine *e, const char *ref, bool pause, struct ar_err *err)
{
	struct engine_info i;
	int r = -1;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	engine_load_paused(e, &i);
	if (pause && i.state != ENGINE_RUNNING)
		ar_fail(err, EINVAL, "container `%s` is not running", ref);
	else if (pause && i.paused)
		ar_fail(err, EINVAL, "container `%s` is already paused", ref);
	else if (!pause && !i.paused)
		ar_fail(err, EINVAL, "container `%s` is not paused", ref);
	else if ((r = ar_container_pause(&e->rt, i.c.id, pause, err)) == 0)
		engine_event_of(e, &i, pause ? "pause" : "unpause", NULL);
	engine_info_free(&i);
	return r;
}

int engine_pause(struct engine *e, const char *ref, struct ar_err *err)
{
	return freeze(e, ref, true, err);
}

int engine_unpause(struct engine *e, const char *ref, struct ar_err *err)
{
	return freeze(e, ref, false, err);
}

void engine_thaw_for_signal(struct engine *e, const struct engine_info *i, int sig)
{
	int stop = SIGTERM, secs = 10;
	struct ar_err ignored = { 0 };

	engine_stop_settings(i->config, &stop, &secs);
	if ((sig != SIGKILL && sig != stop) || !engine_paused(e, i->c.id))
		return;
	/* A frozen task keeps even SIGKILL pending (the v1 freezer). */
	if (ar_container_pause(&e->rt, i->c.id, false, &ignored) == 0)
		engine_event_of(e, i, "unpause", NULL);
	ar_err_clear(&ignored);
}

/* ------------------------------------------------------------ restart, rename */

static void mark_restart(const struct engine_info *i, bool on)
{
	_cleanup_close_ int dfd = open(i->c.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return;
	if (on) {
		int fd = openat(dfd, ENGINE_RESTARTING, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	} else
		unlinkat(dfd, ENGINE_RESTARTING, 0);
}

int engine_restart(struct engine *e, const char *ref, int timeout, struct ar_err *err)
{
	struct engine_info i;
	int r;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	/* A --rm container is not removed by the stop of a restart (docker). */
	mark_restart(&i, true);
	r = engine_stop(e, i.c.id, timeout, err);
	if (r == 0)
		r = engine_start(e, i.c.id, err);
	mark_restart(&i, false);
	if (r == 0)
		engine_event_of(e, &i, "restart", NULL);
	else
		ar_err_prefix(err, "restart container `%s`", ref);
	engine_info_free(&i);
	return r;
}


static int name_taken(struct engine *e, const char *name, struct ar_err *err)
{
	struct container_info other;
	struct ar_err none = { 0 };
	int r;

	if (store_container_find(e->store, name, &other, &none) < 0 || strcmp(other.name, name)) {
		if (other.id)
			container_info_free(&other);
		ar_err_clear(&none);
		return ar_fail(err, EEXIST, "the container name `%s` is already in use", name);
	}
	r = ar_fail(err, EEXIST, "the container name `%s` is already in use by container `%s`: "
		    "remove (or rename) that container to reuse the name", name, other.id);
	container_info_free(&other);
	return r;
}

int engine_rename(struct engine *e, const char *ref, const char *name, struct ar_err *err)
{
	struct engine_info i;
	_cleanup_free_ char *old = NULL;
	int r = -1;

	if (name[0] == '/')
		name++;
	if (!container_name_valid(name))
		return ar_fail(err, EINVAL, "invalid container name `%s`: only [a-zA-Z0-9]"
			       "[a-zA-Z0-9_.-] are allowed", name);
	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	if (strcmp(i.c.name, name) == 0) {
		ar_fail(err, EINVAL, "cannot rename container `%s` to its current name", ref);
	} else if (db_run(e->store->db, err, "UPDATE containers SET name = ? WHERE id = ?", "ss",
			  name, i.c.id) < 0) {
		if (err && err->errnum == EEXIST)
			name_taken(e, name, err);
	} else {
		old = xasprintf("oldName=/%s", i.c.name);
		const char *attrs[] = { old, NULL };
		free(i.c.name);
		i.c.name = xstrdup(name);
		engine_event_of(e, &i, "rename", attrs);
		r = 0;
	}
	engine_info_free(&i);
	return r;
}

/* ------------------------------------------------------------ top */

void engine_top_free(struct engine_top *t)
{
	strv_free(t->titles);
	for (size_t k = 0; k < t->n_rows; k++)
		strv_free(t->rows[k]);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

/* The first line of what ps wrote to stderr (docker reports that). */
static int ps_failed(int errfd, int status, struct ar_err *err)
{
	char buf[512] = "";
	ssize_t n = pread(errfd, buf, sizeof buf - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (buf[0])
		return ar_fail(err, EINVAL, "ps: %s", buf);
	return ar_fail(err, EINVAL, "ps: exit status %d",
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static char *read_to_end(int fd)
{
	size_t len = 0, cap = 16384;
	char *buf = xmalloc(cap);
	ssize_t n;

	while ((n = read(fd, buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	return buf;
}

/* Runs host `ps ARGS` (docker runs the host's, in the host's pid
 * namespace, as the container's pids are host pids); its stdout. */
static int run_ps(char *const *ps_args, char **out, struct ar_err *err)
{
	_cleanup_close_ int errfd = memfd_create("ps-stderr", MFD_CLOEXEC);
	int pipefd[2], status = 0, r;
	char **argv = NULL;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	if (errfd < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		return ar_error(err, errno, "ps: make a pipe");
	strv_push(&argv, xstrdup("ps"));
	for (char *const *a = ps_args; a && *a; a++)
		strv_push(&argv, xstrdup(*a));
	if (strv_len(argv) == 1)
		strv_push(&argv, xstrdup("-ef"));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	strv_free(argv);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return ar_error(err, r, "run `ps`");
	}
	*out = read_to_end(pipefd[0]);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	free(steal_ptr(out));
	return ps_failed(errfd, status, err);
}

/* Whitespace-separated fields of a line (Go's strings.Fields). */
static char **fields_of(char *line)
{
	char **v = NULL, *save = NULL;

	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save))
		strv_push(&v, xstrdup(t));
	return v ? v : xcalloc(1, sizeof(char *));
}

static bool pid_in(pid_t p, const pid_t *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (v[k] == p)
			return true;
	return false;
}

/* A row as docker keeps it: the first titles-1 fields, then the rest of
 * the line joined by one space (a command's arguments). */
static void add_row(struct engine_top *t, char **f)
{
	size_t nt = strv_len(t->titles), nf = strv_len(f);
	char **row = xcalloc(nt + 1, sizeof(char *));

	for (size_t k = 0; k + 1 < nt; k++)
		row[k] = xstrdup(k < nf ? f[k] : "");
	row[nt - 1] = xstrdup(nf >= nt ? f[nt - 1] : "");
	for (size_t k = nt; k < nf; k++) {
		char *s = xasprintf("%s %s", row[nt - 1], f[k]);
		free(row[nt - 1]);
		row[nt - 1] = s;
	}
	t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
	t->rows[t->n_rows++] = row;
}

/* docker's parsePSOutput: the PID column picks the lines; a "-" PID is a
 * thread line (ps -m) that belongs to the process above it. */
static int parse_ps(char *text, const pid_t *pids, size_t n, struct engine_top *t,
		    struct ar_err *err)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	ssize_t pid_col = -1;
	bool last_kept = false;

	t->titles = fields_of(line ? line : (char[]){ "" });
	for (size_t k = 0; t->titles[k]; k++)
		if (pid_col < 0 && strcmp(t->titles[k], "PID") == 0)
			pid_col = (ssize_t)k;
	if (pid_col < 0)
		return ar_fail(err, EINVAL, "ps: no PID column in its output");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		_cleanup_strv_ char **f = fields_of(line);
		int64_t p;
		if ((ssize_t)strv_len(f) <= pid_col)
			continue;
		if (strcmp(f[pid_col], "-") == 0) {
			if (last_kept)
				add_row(t, f);
			continue;
		}
		if (parse_i64(f[pid_col], &p) < 0)
			return ar_fail(err, EINVAL, "ps: unexpected pid `%s`", f[pid_col]);
		last_kept = pid_in((pid_t)p, pids, n);
		if (last_kept)
			add_row(t, f);
	}
	return 0;
}

int engine_top(struct engine *e, const char *ref, char *const *ps_args, struct engine_top *out,
	       struct ar_err *err)
{
	struct engine_info i;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	int r = -1;

	memset(out, 0, sizeof *out);
	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	if (i.state != ENGINE_RUNNING)
		ar_fail(err, EINVAL, "container `%s` is not running", ref);
	else if (ar_container_pids(&e->rt, i.c.id, &pids, &n, err) == 0 &&
		 run_ps(ps_args, &text, err) == 0)
		r = parse_ps(text, pids, n, out, err);
	if (r < 0)
		engine_top_free(out);
	engine_info_free(&i);
	return r;
}

/* ------------------------------------------------------------ stats */

/* Bytes received and sent on every interface of pid's network namespace
 * but lo (/proc/PID/net/dev); none when it is the host's own. */
static void net_usage(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", (int)pid);
	_cleanup_free_ char *ns = xasprintf("/proc/%d/ns/net", (int)pid);
	struct stat mine, theirs;
	char line[512];
	FILE *f;

	*rx = *tx = 0;
	if (stat("/proc/self/ns/net", &mine) < 0 || stat(ns, &theirs) < 0 ||
	    (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev))
		return;
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f)) {
		char name[64];
		unsigned long long r, t;
		/* "  eth0: rxbytes packets errs drop fifo frame compressed
		 * multicast txbytes ..." (the two header lines do not match) */
		if (sscanf(line, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &r, &t) == 3 &&
		    strcmp(name, "lo") != 0) {
			*rx += r;
			*tx += t;
		}
	}
	fclose(f);
}

static uint64_t host_ram(void)
{
	struct sysinfo si;

	return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
}

static void from_cgroup(struct cgroup *cg, struct engine_sample *s, const struct cg_stats *c)
{
	uint64_t ram = host_ram();

	s->cpu_ns = c->cpu_total_ns;
	s->mem_usage = c->mem_usage;
	/* No limit reads as "max" (v2) or a huge number (v1): docker shows
	 * the host's memory then. */
	s->mem_limit = c->mem_limit == 0 || (ram && c->mem_limit > ram) ? ram : c->mem_limit;
	s->blk_read = c->io_read_bytes;
	s->blk_write = c->io_write_bytes;
	s->pids = c->pids_current;
	if (s->pids == 0) {	/* no pids controller: count them */
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		struct ar_err ignored = { 0 };
		if (cg->ops->pids(cg, &pids, &n, &ignored) == 0)
			s->pids = n;
		ar_err_clear(&ignored);
	}
}

int engine_sample(struct engine *e, const struct engine_info *i, struct engine_sample *s,
		  struct ar_err *err)
{
	struct cgroup *cg = NULL;
	struct cg_stats c = { 0 };
	enum ar_status status;
	struct ar_err gone = { 0 };
	int r = 0;

	memset(s, 0, sizeof *s);
	s->at_ns = now_ns();
	if (i->state != ENGINE_RUNNING)
		return 0;
	/* Stopped since it was loaded: a row of zeros, as for any stopped one. */
	if (ar_container_job(&e->rt, i->c.id, &cg, &status, &gone) < 0 || status == ST_STOPPED) {
		ar_err_clear(&gone);
		cgroup_free(cg);
		return 0;
	}
	if (cg->ops->stats(cg, &c, err) < 0) {
		r = ar_err_prefix(err, "stats of container `%s`", i->c.name);
	} else {
		s->running = true;
		from_cgroup(cg, s, &c);
		net_usage(i->init_pid, &s->net_rx, &s->net_tx);
	}
	free(c.cpu_percpu_ns);
	cgroup_free(cg);
	return r;
}

/* ------------------------------------------------------------ port */

void engine_ports_free(struct engine_port *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(p[k].private_port);
		free(p[k].host);
	}
	free(p);
}

/* Go's sortorder.NaturalLess, enough for "PORT/proto -> host:port". */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long long x = strtoull(a, (char **)&a, 10);
			unsigned long long y = strtoull(b, (char **)&b, 10);
			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int port_cmp(const void *x, const void *y)
{
	const struct engine_port *a = x, *b = y;
	int c = natural_cmp(a->private_port, b->private_port);

	return c ? c : natural_cmp(a->host, b->host);
}

static void add_port(struct engine_port **out, size_t *n, const char *key, json_object *fe)
{
	json_object *ip = NULL, *port = NULL;
	const char *h, *p;

	json_object_object_get_ex(fe, "HostIp", &ip);
	json_object_object_get_ex(fe, "HostPort", &port);
	h = ip && json_object_get_string(ip)[0] ? json_object_get_string(ip) : "0.0.0.0";
	p = port ? json_object_get_string(port) : "";
	*out = xrealloc(*out, (*n + 1) * sizeof **out);
	(*out)[*n].private_port = xstrdup(key);
	/* net.JoinHostPort: an IPv6 address in brackets */
	(*out)[*n].host = strchr(h, ':') ? xasprintf("[%s]:%s", h, p) : xasprintf("%s:%s", h, p);
	(*n)++;
}

int engine_ports(const struct engine_info *i, struct engine_port **out, size_t *n,
		 struct ar_err *err)
{
	json_object *j, *ports;

	*out = NULL;
	*n = 0;
	if (i->state != ENGINE_RUNNING || i->config == NULL)
		return 0;	/* docker: a stopped container publishes nothing */
	j = json_tokener_parse(i->config);
	if (j == NULL)
		return ar_fail(err, EINVAL, "container `%s`: its engine options are not JSON", i->c.name);
	if (json_object_object_get_ex(j, "Ports", &ports) &&
	    json_object_is_type(ports, json_type_object)) {
		json_object_object_foreach(ports, key, fes) {
			for (size_t k = 0; json_object_is_type(fes, json_type_array) &&
					   k < json_object_array_length(fes); k++)
				add_port(out, n, key, json_object_array_get_idx(fes, k));
		}
	}
	json_object_put(j);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, port_cmp);
	return 0;
}
