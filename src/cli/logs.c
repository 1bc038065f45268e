/* argon — `argon logs` and the attached run's output: docker's json-file
 * lines of <dir>/container.log back to stdout and stderr. The log rotates
 * (container.log.1, .2, ... the older): `logs` reads the rotated files
 * oldest first, --tail counts across them, and -f follows container.log
 * across a rotation (rotlog.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

#include "cli.h"
#include "rotlog.h"
#include "timeparse.h"
#include "util.h"

#define USAGE "usage: argon logs [-f] [-t] [-n|--tail N] [--since TIME] [--until TIME] CONTAINER"

static int64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One record to its stream: 0, 1 when it is past --until (not printed),
 * -1 when the line is not a record. */
static int print_record(const char *line, const struct log_opts *o)
{
	json_object *j = json_tokener_parse(line), *log, *stream, *when;
	int r = -1;

	if (j && json_object_object_get_ex(j, "log", &log) &&
	    json_object_object_get_ex(j, "stream", &stream) &&
	    json_object_object_get_ex(j, "time", &when)) {
		const char *t = json_object_get_string(when);
		FILE *f = strcmp(json_object_get_string(stream), "stderr") == 0 ? stderr : stdout;
		int64_t ns = 0;
		r = 0;
		if ((o->since_ns || o->until_ns) && time_parse(t, 0, &ns, NULL) < 0)
			ns = 0;
		if (o->since_ns && ns < o->since_ns)
			goto out;
		if (o->until_ns && ns > o->until_ns) {
			r = 1;
			goto out;
		}
		const char *text = json_object_get_string(log);
		size_t len = (size_t)json_object_get_string_len(log);
		uint64_t *skip = o->skip ? &o->skip[f == stderr] : NULL;
		if (skip && *skip) {
			size_t k = *skip < len ? (size_t)*skip : len;
			*skip -= k;
			text += k;
			len -= k;
			if (len == 0)
				goto out;
		}
		if (o->timestamps)
			fprintf(f, "%s ", t);
		fwrite(text, 1, len, f);
		fflush(f);
	}
out:
	json_object_put(j);
	return r;
}

/* Prints the lines there now, only the last `tail` of them when >= 0;
 * 1 once a record is past --until. */
static int print_available(struct rotlog *rl, const struct log_opts *o, long tail)
{
	_cleanup_free_ char **ring = NULL;
	const char *line;
	size_t len, n = 0;
	int r = 0;

	if (tail < 0) {
		while (r != 1 && rotlog_next(rl, &line, &len) == 1)
			r = print_record(line, o);
		return r == 1;
	}
	/* --tail counts across the rotated files: the last lines of all */
	ring = xcalloc((size_t)tail + 1, sizeof *ring);
	for (; rotlog_next(rl, &line, &len) == 1; n++) {
		if (tail == 0)
			continue;
		free(ring[n % (size_t)tail]);
		ring[n % (size_t)tail] = strndup(line, len);
	}
	for (size_t i = n > (size_t)tail ? n - (size_t)tail : 0; i < n; i++)
		if (r != 1)
			r = print_record(ring[i % (size_t)tail], o);
	for (long i = 0; i < tail; i++)
		free(ring[i]);
	return r == 1;
}

static bool exited(struct engine *e, const char *id)
{
	struct engine_info i;
	struct ar_err err = { 0 };
	bool done;

	if (engine_find(e, id, &i, &err) < 0) {
		/* gone (--rm) is done; a failure to look is not */
		done = err.errnum == ENOENT;
		ar_err_clear(&err);
		return done;
	}
	done = i.state == ENGINE_EXITED;
	engine_info_free(&i);
	return done;
}

static void forward_signals(struct engine *e, const char *id, int sigfd)
{
	struct signalfd_siginfo si;

	while (sigfd >= 0 && read(sigfd, &si, sizeof si) == sizeof si) {
		struct ar_err ignored = { 0 };
		engine_kill(e, id, (int)si.ssi_signo, &ignored);
		ar_err_clear(&ignored);
	}
}

/* A pidfd of the container's monitor, or -1 (engine_monitor_pidfd). */
static int monitor_pidfd(struct engine *e, const char *id)
{
	struct engine_info i;
	int fd;

	if (engine_find(e, id, &i, NULL) < 0)
		return -1;
	fd = engine_monitor_pidfd(&i);
	engine_info_free(&i);
	return fd;
}

/* Following ends when the container has exited: its monitor's exit (a
 * pidfd) says so at once. The store is asked again after each wake-up: a
 * write to the log (inotify), the monitor's exit, or a timeout, 1 s when
 * both are watched, else 50 ms (the only way to see either then). */
static int print_log(struct engine *e, const char *id, struct rotlog *rl,
		     const struct log_opts *o, int sigfd)
{
	_cleanup_close_ int mon = o->follow ? monitor_pidfd(e, id) : -1;

	for (bool first = true;; first = false) {
		/* Exited is checked before the read: what it wrote is all there. */
		bool done = !o->follow || exited(e, id) ||
			    (o->until_ns && real_now() > o->until_ns);
		if (print_available(rl, o, first ? o->tail : -1) || done)
			return 0;
		forward_signals(e, id, sigfd);
		if (mon >= 0 && poll(&(struct pollfd){ mon, POLLIN, 0 }, 1, 0) == 1) {
			/* The monitor is gone: look again now (a restart
			 * may have made a new one to follow). */
			close(mon);
			mon = monitor_pidfd(e, id);
			continue;
		}
		rotlog_wait(rl, sigfd, mon,
			    o->until_ns || mon < 0 || !rotlog_watching(rl) ? 50 : 1000);
	}
}

int cli_print_log(struct engine *e, const char *id, int fd, const struct log_opts *o,
		  int sigfd, struct ar_err *err)
{
	_cleanup_free_ char *path = NULL;
	struct engine_info i;
	struct rotlog *rl;
	int copy, r;

	/* Where the monitor rotates it from, while the container is there. */
	if (engine_find(e, id, &i, NULL) == 0) {
		path = xasprintf("%s/container.log", i.c.dir);
		engine_info_free(&i);
	}
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (copy < 0)
		return ar_error(err, errno, "duplicate the log's fd");
	rl = rotlog_from_fd(copy, path);
	r = print_log(e, id, rl, o, sigfd);
	rotlog_free(rl);
	return r;
}

static int parse_logs_flags(int argc, char **argv, struct log_opts *o, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' }, { "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' }, { "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' }, { 0 },
	};
	int64_t v, now = real_now();
	int c;

	while ((c = getopt_long(argc, argv, "+ftn:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->follow = true; break;
		case 't': o->timestamps = true; break;
		case 'n':
			if (strcmp(optarg, "all") == 0)
				o->tail = -1;
			else if (parse_i64(optarg, &v) == 0 && v >= 0 && v < 100000000)
				o->tail = (long)v;
			else
				return cli_usage(err, "--tail: not a number of lines: `%s`", optarg);
			break;
		case 's':
		case 'u':
			if (time_parse(optarg, now, c == 's' ? &o->since_ns : &o->until_ns, err) < 0) {
				ar_err_prefix(err, "--%s", c == 's' ? "since" : "until");
				return CLI_USAGE;
			}
			/* 0 stands for "none": the epoch itself is as good */
			if (c == 's' && o->since_ns == 0)
				o->since_ns = 1;
			break;
		default:
			return cli_usage(err, USAGE);
		}
	}
	if (argc - optind != 1)
		return cli_usage(err, USAGE);
	return 0;
}

int cmd_logs(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct log_opts o = { .tail = -1 };
	struct engine_info i;
	struct engine *e;
	struct rotlog *rl;
	int r = parse_logs_flags(argc, argv, &o, err);

	if (r < 0)
		return r;
	if ((e = cli_engine(cli, err)) == NULL || engine_find(e, argv[optind], &i, err) < 0)
		return -1;
	_cleanup_free_ char *log = xasprintf("%s/container.log", i.c.dir);
	r = rotlog_open(log, true, &rl, err);
	if (r == 0) {
		r = print_log(e, i.c.id, rl, &o, -1);
		rotlog_free(rl);
	}
	engine_info_free(&i);
	return r;
}
