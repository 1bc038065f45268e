/* argon — reading files of lines that rotate, oldest first, and following
 * the current one across a rotation (rotlog.h). */
#define _GNU_SOURCE
#include "rotlog.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define CHUNK 65536
#define MAX_ROTATED 1000	/* files looked for: <path>.1 .. <path>.1000 */

struct rotlog {
	char *path;		/* NULL: rotation is not watched */
	int *hist;		/* rotated files still to read, oldest first */
	size_t nhist, ihist;
	int cur;		/* <path> as opened; -1: not there yet */
	dev_t dev;
	ino_t ino;
	bool finishing;		/* <path> is another file now: read cur to its end */
	bool has_last;		/* the file read to its end last: where to go on from */
	dev_t last_dev;
	ino_t last_ino;
	char *buf;		/* read, not returned yet: buf[off..len) */
	size_t len, off, cap;
	int inotify;		/* -1: none, waits are plain sleeps */
};

static struct rotlog *rotlog_new(const char *path)
{
	struct rotlog *r = xcalloc(1, sizeof *r);

	r->path = path ? xstrdup(path) : NULL;
	r->cur = -1;
	r->cap = CHUNK + 1;
	r->buf = xmalloc(r->cap);
	r->inotify = -1;
	if (path) {
		_cleanup_free_ char *copy = xstrdup(path);
		r->inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (r->inotify >= 0 &&
		    inotify_add_watch(r->inotify, dirname(copy), IN_MODIFY | IN_CREATE |
				      IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE) < 0) {
			close(r->inotify);
			r->inotify = -1;
		}
	}
	return r;
}

static void take_current(struct rotlog *r, int fd)
{
	struct stat st;

	r->cur = fd;
	if (fstat(fd, &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
}

/* 0 with <path> open as the current file, -1 with errno. */
static int open_current(struct rotlog *r)
{
	int fd;

	if (r->path == NULL) {
		errno = ENOENT;
		return -1;
	}
	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	take_current(r, fd);
	return 0;
}

/* Whether fd is a file already read or queued (a rotation between the
 * opens made <path> of the first the .1 of the second). */
static bool seen(const struct rotlog *r, int fd)
{
	struct stat st, other;

	if (fstat(fd, &st) < 0)
		return true;
	if (r->cur >= 0 && st.st_dev == r->dev && st.st_ino == r->ino)
		return true;
	for (size_t i = 0; i < r->nhist; i++)
		if (fstat(r->hist[i], &other) == 0 && other.st_dev == st.st_dev &&
		    other.st_ino == st.st_ino)
			return true;
	return false;
}

/* The rotated files newer than the file (stop_dev, stop_ino), or all of
 * them when it is not among them (inode 0, or dropped past max-file),
 * queued oldest first; <path> must be open already (if there). The scan goes up from
 * <path>.1: files only move up, one place per rotation, so a rotation
 * during the scan shows a file twice (read once), never hides one, and
 * every file newer than the stop file sits below it. */
static int open_rotated_since(struct rotlog *r, dev_t stop_dev, ino_t stop_ino,
			      struct ar_err *err)
{
	size_t n = 0;

	free(r->hist);
	r->hist = NULL;
	r->nhist = r->ihist = 0;
	for (size_t i = 1; i <= MAX_ROTATED; i++) {
		_cleanup_free_ char *p = xasprintf("%s.%zu", r->path, i);
		_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 && errno == ENOENT)
			break;
		if (fd < 0)
			return ar_error(err, errno, "open `%s`", p);
		if (fstat(fd, &st) == 0 && st.st_dev == stop_dev && st.st_ino == stop_ino)
			break;
		if (seen(r, fd))
			continue;
		r->hist = xrealloc(r->hist, (n + 1) * sizeof *r->hist);
		r->hist[n++] = steal_fd(&fd);
	}
	for (size_t i = 0; i < n / 2; i++) {	/* newest first → oldest first */
		int t = r->hist[i];
		r->hist[i] = r->hist[n - 1 - i];
		r->hist[n - 1 - i] = t;
	}
	r->nhist = n;
	return 0;
}

int rotlog_open(const char *path, bool history, struct rotlog **out, struct ar_err *err)
{
	struct rotlog *r = rotlog_new(path);

	if (open_current(r) < 0 && errno != ENOENT) {
		ar_error(err, errno, "open `%s`", path);
		rotlog_free(r);
		return -1;
	}
	if (history && open_rotated_since(r, 0, 0, err) < 0) {
		rotlog_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

struct rotlog *rotlog_from_fd(int fd, const char *path)
{
	struct rotlog *r = rotlog_new(path);

	take_current(r, fd);
	return r;
}

void rotlog_skip_to_end(struct rotlog *r)
{
	while (r->ihist < r->nhist)
		close(r->hist[r->ihist++]);
	if (r->cur >= 0)
		lseek(r->cur, 0, SEEK_END);
	r->len = r->off = 0;
}

/* Appends what fd has to the buffer; read(2)'s result. */
static ssize_t fill(struct rotlog *r, int fd)
{
	ssize_t n;

	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < CHUNK + 1) {
		r->cap = r->len + CHUNK + 1;
		r->buf = xrealloc(r->buf, r->cap);
	}
	do
		n = read(fd, r->buf + r->len, r->cap - r->len - 1);	/* room for a NUL */
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->len += (size_t)n;
	return n;
}

/* The unended last line of a finished file. */
static int take_rest(struct rotlog *r, const char **line, size_t *len)
{
	if (r->len == r->off)
		return 0;
	r->buf[r->len] = '\0';
	*line = r->buf + r->off;
	*len = r->len - r->off;
	r->off = r->len;
	return 1;
}

/* A file cut short in place (a writer that truncates rather than
 * renames) is read again from its start. */
static void check_truncated(struct rotlog *r)
{
	struct stat st;
	off_t pos = lseek(r->cur, 0, SEEK_CUR);

	if (pos > 0 && fstat(r->cur, &st) == 0 && st.st_size < pos) {
		lseek(r->cur, 0, SEEK_SET);
		r->len = r->off = 0;
	}
}

/* Whether <path> is now another file than the one read. */
static bool rotated(const struct rotlog *r)
{
	struct stat st;

	return r->path && stat(r->path, &st) == 0 && (st.st_dev != r->dev || st.st_ino != r->ino);
}

/* Closes a file read to its end, remembering it as the last one. */
static void finish(struct rotlog *r, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		r->has_last = true;
		r->last_dev = st.st_dev;
		r->last_ino = st.st_ino;
	}
	close(fd);
}

/* At the end of the file read: the next file, 1 when there is one. */
static int next_file(struct rotlog *r)
{
	if (r->ihist < r->nhist) {
		finish(r, r->hist[r->ihist++]);
		return 1;
	}
	if (r->finishing) {
		finish(r, r->cur);
		r->cur = -1;
		r->finishing = false;
	}
	if (r->cur < 0) {
		/* <path> first, then the files rotated since the last one read:
		 * more than one rotation may have passed since we looked. A
		 * rotated file that cannot be opened is lost, not the rest. */
		bool opened = open_current(r) == 0;
		if (r->has_last) {
			struct ar_err ignored = { 0 };
			open_rotated_since(r, r->last_dev, r->last_ino, &ignored);
			ar_err_clear(&ignored);
		}
		return opened || r->nhist > 0;
	}
	/* Renamed after our last read: what was written before the rename
	 * is read first (finishing), then the new file. */
	if (rotated(r)) {
		r->finishing = true;
		return 1;
	}
	check_truncated(r);
	return 0;
}

int rotlog_next(struct rotlog *r, const char **line, size_t *len)
{
	for (;;) {
		char *start = r->buf + r->off;
		char *nl = memchr(start, '\n', r->len - r->off);
		if (nl) {
			*nl = '\0';
			*line = start;
			*len = (size_t)(nl - start);
			r->off += *len + 1;
			return 1;
		}
		int fd = r->ihist < r->nhist ? r->hist[r->ihist] : r->cur;
		if (fd >= 0 && fill(r, fd) > 0)
			continue;
		bool finished = r->ihist < r->nhist || r->finishing;
		if (finished && take_rest(r, line, len))
			return 1;
		if (!next_file(r))
			return 0;
	}
}

int rotlog_wait(struct rotlog *r, int fd, int wake, int timeout_ms)
{
	struct pollfd p[3];
	nfds_t n = 0;
	int mine = -1, theirs = -1;
	char drain[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (r->inotify >= 0) {
		mine = (int)n;
		p[n++] = (struct pollfd){ r->inotify, POLLIN, 0 };
	}
	if (fd >= 0) {
		theirs = (int)n;
		p[n++] = (struct pollfd){ fd, POLLIN, 0 };
	}
	if (wake >= 0)
		p[n++] = (struct pollfd){ wake, POLLIN, 0 };
	if (poll(p, n, timeout_ms) <= 0)
		return 0;
	if (mine >= 0 && p[mine].revents)
		while (read(r->inotify, drain, sizeof drain) > 0)
			;
	return theirs >= 0 && (p[theirs].revents & POLLIN) ? 1 : 0;
}

bool rotlog_watching(const struct rotlog *r)
{
	return r->inotify >= 0;
}

void rotlog_free(struct rotlog *r)
{
	if (r == NULL)
		return;
	while (r->ihist < r->nhist)
		close(r->hist[r->ihist++]);
	if (r->cur >= 0)
		close(r->cur);
	if (r->inotify >= 0)
		close(r->inotify);
	free(r->hist);
	free(r->buf);
	free(r->path);
	free(r);
}
