/* argon-monitor — the steady state of a container's monitor: a small
 * static program (libc only, well under 1 MiB resident) that `argon
 * _monitor` execs into once the container exists. It holds the init (its
 * parent, a subreaper), writes the init's output to the json-file log
 * (rotating it), serves attached clients (monitor_proto.h), reaps, and when
 * the init has exited and its output is drained, execs `argon
 * _monitor-done ID STATUS` to record the exit and clean up: the heavy
 * work happens once, in the full binary, not resident for the
 * container's whole life.
 * The fds and arguments it starts with: monitor_proto.h. */
#ifndef ARGON_MON_H
#define ARGON_MON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor_proto.h"

/* Decimal digits of v, zero-padded to width; NUL-terminated; the length. */
size_t mon_fmt_uint(char *out, uint64_t v, int width);
/* A decimal number (argon wrote it: no errors to report). */
int64_t mon_parse_i64(const char *s);

/* The json-file log: docker's lines, rotated past max_size bytes into
 * container.log.1 .. .(files-1), oldest highest. */
struct mon_log {
	int fd, dirfd;
	int64_t size, max_size;	/* max_size <= 0: no cap */
	int files;
};

void mon_log_init(struct mon_log *l, int fd, int dirfd, int64_t max_size, int files);
/* One record {"log":...,"stream":...,"time":...}; rotates first when due. */
void mon_log_record(struct mon_log *l, const char *stream, const char *data, size_t n);

/* A stream of the init's output, cut into lines for the log. */
struct mon_stream {
	int fd;
	const char *name;	/* "stdout", "stderr" */
	int type;		/* ATTACH_STDOUT, ATTACH_STDERR */
	bool open;
	size_t len;		/* bytes of a line not ended yet */
	char buf[16384];
};

/* Writes every complete line in s->buf (or a full buffer) to the log;
 * with eof, the rest too. */
void mon_stream_log(struct mon_stream *s, struct mon_log *l, bool eof);

#endif
