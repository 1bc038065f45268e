/* argon-monitor — the json-file log (mon.h): docker's records, written by
 * hand (no JSON library, and no printf: stdio and locales would double the
 * resident size of a program that must stay small), and rotation by
 * renames within the container's dir. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>	/* renameat only */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mon.h"

size_t mon_fmt_uint(char *out, uint64_t v, int width)
{
	char tmp[24];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while ((int)n < width)
		tmp[n++] = '0';
	while (n)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return o;
}

int64_t mon_parse_i64(const char *s)
{
	int64_t v = 0;
	bool neg = *s == '-';

	for (s += neg; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return neg ? -v : v;
}

/* "container.log" for 0, else "container.log.K". */
static void log_name(char *out, int k)
{
	size_t n = strlen(MON_LOG_NAME);

	memcpy(out, MON_LOG_NAME, n + 1);
	if (k > 0) {
		out[n] = '.';
		mon_fmt_uint(out + n + 1, (uint64_t)k, 0);
	}
}

void mon_log_init(struct mon_log *l, int fd, int dirfd, int64_t max_size, int files)
{
	struct stat st;

	l->fd = fd;
	l->dirfd = dirfd;
	l->size = fstat(fd, &st) == 0 ? st.st_size : 0;
	l->max_size = max_size;
	l->files = files < 1 ? 1 : files;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* a full disk loses log lines, not the container */
		p += w;
		n -= (size_t)w;
	}
}

/* container.log.(k-1) -> .k, ..., container.log -> .1; then a new file.
 * With one file only, the log starts over. */
static void log_rotate(struct mon_log *l)
{
	char from[64], to[64];
	int fd;

	if (l->files == 1) {
		if (ftruncate(l->fd, 0) == 0)
			l->size = 0;
		return;
	}
	for (int k = l->files - 1; k >= 1; k--) {
		log_name(from, k - 1);
		log_name(to, k);
		renameat(l->dirfd, from, l->dirfd, to);
	}
	fd = openat(l->dirfd, MON_LOG_NAME, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return;	/* keep writing to the renamed file rather than lose lines */
	dup2(fd, l->fd);
	close(fd);
	l->size = 0;
}

/* JSON string body: quote, backslash and control characters escaped;
 * other bytes as they are (json-c and docker's readers take UTF-8). */
static size_t json_escape(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" :
				c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (e) {
			out[o++] = e[0];
			out[o++] = e[1];
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

static size_t append(char *out, size_t o, const char *s)
{
	size_t n = strlen(s);

	memcpy(out + o, s, n);
	return o + n;
}

/* RFC 3339 in UTC with nanoseconds, as docker writes it. */
static size_t append_time(char *out, size_t o, const struct timespec *ts)
{
	struct tm tm;
	const struct { int v, width; char sep; } parts[] = {
		{ 0, 4, '-' }, { 0, 2, '-' }, { 0, 2, 'T' }, { 0, 2, ':' }, { 0, 2, ':' },
		{ 0, 2, '.' },
	};
	int vals[6];

	gmtime_r(&ts->tv_sec, &tm);
	vals[0] = tm.tm_year + 1900;
	vals[1] = tm.tm_mon + 1;
	vals[2] = tm.tm_mday;
	vals[3] = tm.tm_hour;
	vals[4] = tm.tm_min;
	vals[5] = tm.tm_sec;
	for (int k = 0; k < 6; k++) {
		o += mon_fmt_uint(out + o, (uint64_t)vals[k], parts[k].width);
		out[o++] = parts[k].sep;
	}
	o += mon_fmt_uint(out + o, (uint64_t)ts->tv_nsec, 9);
	out[o++] = 'Z';
	return o;
}

void mon_log_record(struct mon_log *l, const char *stream, const char *data, size_t n)
{
	static char rec[16384 * 6 + 128];
	struct timespec ts;
	size_t o;

	if (n > 16384)
		n = 16384;
	if (l->max_size > 0 && l->size > 0 && l->size + (int64_t)n > l->max_size)
		log_rotate(l);
	clock_gettime(CLOCK_REALTIME, &ts);
	o = append(rec, 0, "{\"log\":\"");
	o += json_escape(rec + o, data, n);
	o = append(rec, o, "\",\"stream\":\"");
	o = append(rec, o, stream);
	o = append(rec, o, "\",\"time\":\"");
	o = append_time(rec, o, &ts);
	o = append(rec, o, "\"}\n");
	write_all(l->fd, rec, o);
	l->size += (int64_t)o;
}

void mon_stream_log(struct mon_stream *s, struct mon_log *l, bool eof)
{
	size_t start = 0;

	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] == '\n') {
			mon_log_record(l, s->name, s->buf + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < s->len && (eof || (start == 0 && s->len == sizeof s->buf))) {
		mon_log_record(l, s->name, s->buf + start, s->len - start);
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
}
