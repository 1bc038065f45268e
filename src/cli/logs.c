/* argon — `argon logs` and the attached run's output: docker's json-file
 * lines of <dir>/container.log back to stdout and stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

/* "2026-11-21T20:00:00.123456789Z" → ns; 0 when unparsable. */
static int64_t parse_time_ns(const char *s)
{
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t ns = 0, scale = 100000000;

	if (rest == NULL)
		return 0;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
			ns += (*rest - '0') * scale;
	return (int64_t)timegm(&tm) * 1000000000LL + ns;
}

/* One record to its stream; 0, or -1 when the line is not a record. */
static int print_record(const char *line, const struct log_opts *o)
{
	json_object *j = json_tokener_parse(line), *log, *stream, *when;
	int r = -1;

	if (j && json_object_object_get_ex(j, "log", &log) &&
	    json_object_object_get_ex(j, "stream", &stream) &&
	    json_object_object_get_ex(j, "time", &when)) {
		const char *t = json_object_get_string(when);
		FILE *f = strcmp(json_object_get_string(stream), "stderr") == 0 ? stderr : stdout;
		r = 0;
		if (o->since_ns && parse_time_ns(t) < o->since_ns)
			goto out;
		if (o->timestamps)
			fprintf(f, "%s ", t);
		fwrite(json_object_get_string(log), 1, (size_t)json_object_get_string_len(log), f);
		fflush(f);
	}
out:
	json_object_put(j);
	return r;
}

/* Reads whole lines from fd; keeps a partial one in *buf for next time. */
static void read_lines(int fd, char **buf, size_t *len, char ***lines)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		*buf = xrealloc(*buf, *len + (size_t)n + 1);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
	size_t start = 0;
	for (size_t i = 0; i < *len; i++) {
		if ((*buf)[i] == '\n') {
			strv_push(lines, strndup(*buf + start, i - start));
			start = i + 1;
		}
	}
	if (start > 0) {
		memmove(*buf, *buf + start, *len - start);
		*len -= start;
	}
}

static bool exited(struct engine *e, const char *id)
{
	struct engine_info i;
	bool done;

	if (engine_find(e, id, &i, NULL) < 0)
		return true;
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

int cli_print_log(struct engine *e, const char *id, int fd, const struct log_opts *o,
		  int sigfd, struct ar_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	bool first = true;

	for (;;) {
		/* Exited is checked before the read: what it wrote is all there. */
		bool done = !o->follow || exited(e, id);
		char **lines = NULL;
		read_lines(fd, &buf, &len, &lines);
		size_t n = strv_len(lines), from = 0;
		if (first && o->tail >= 0 && (size_t)o->tail < n)
			from = n - (size_t)o->tail;
		for (size_t i = from; i < n; i++)
			print_record(lines[i], o);
		strv_free(lines);
		first = false;
		if (done)
			return 0;
		forward_signals(e, id, sigfd);
		poll(&(struct pollfd){ sigfd, POLLIN, 0 }, sigfd >= 0 ? 1 : 0, 50);
	}
}

int cmd_logs(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' }, { "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' }, { "since", required_argument, NULL, 's' },
		{ 0 },
	};
	struct log_opts o = { .tail = -1 };
	struct engine_info i;
	struct engine *e;
	int64_t v;
	int c, r;

	while ((c = getopt_long(argc, argv, "+ftn:", opts, NULL)) != -1) {
		if (c == 'f')
			o.follow = true;
		else if (c == 't')
			o.timestamps = true;
		else if (c == 'n' && strcmp(optarg, "all") == 0)
			o.tail = -1;
		else if (c == 'n' && parse_i64(optarg, &v) == 0 && v >= 0)
			o.tail = (long)v;
		else if (c == 's' && parse_i64(optarg, &v) == 0)
			o.since_ns = v * 1000000000LL;	/* unix seconds */
		else if (c == 's' && (o.since_ns = parse_time_ns(optarg)) != 0)
			;
		else
			return cli_usage(err, "usage: argon logs [-f] [-t] [--tail N] [--since TIME] "
					 "CONTAINER");
	}
	if (argc - optind != 1)
		return cli_usage(err, "usage: argon logs [-f] [-t] [--tail N] CONTAINER");
	if ((e = cli_engine(cli, err)) == NULL || engine_find(e, argv[optind], &i, err) < 0)
		return -1;
	_cleanup_free_ char *log = xasprintf("%s/container.log", i.c.dir);
	_cleanup_close_ int fd = open(log, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		engine_info_free(&i);
		return ar_error(err, errno, "open `%s`", log);
	}
	r = fd < 0 ? 0 : cli_print_log(e, i.c.id, fd, &o, -1, err);
	engine_info_free(&i);
	return r;
}
