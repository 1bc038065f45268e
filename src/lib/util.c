#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void ar_freep(void *p)
{
	free(*(void **)p);
}

void ar_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void ar_strvfreep(char ***v)
{
	strv_free(*v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void oom(void)
{
	static const char msg[] = "argon: out of memory\n";
	if (write(2, msg, sizeof msg - 1) < 0) {
	}
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (p == NULL)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *r = strdup(s ? s : "");
	if (r == NULL)
		oom();
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	char *r;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		oom();
	va_end(ap);
	return r;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct ar_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return ar_error(err, errno, "open `%s`", path);
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return ar_error(err, e, "read `%s`", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, int flags,
		  mode_t mode, struct ar_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | flags, mode);

	if (fd < 0)
		return ar_error(err, errno, "open `%s`", path);
	if (write_all(fd, data, len) < 0)
		return ar_error(err, errno, "write `%s`", path);
	return 0;
}

static int fsync_parent_dir(int dirfd, const char *path, struct ar_err *err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	_cleanup_close_ int fd = -1;

	if (slash == NULL && dirfd != AT_FDCWD)
		return fsync(dirfd) < 0 && errno != EINVAL
			       ? ar_error(err, errno, "fsync directory of `%s`", path) : 0;
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		return ar_error(err, errno, "fsync directory of `%s`", path);
	return 0;
}

static int replace_file_at(int dirfd, const char *path, const void *data, size_t len,
			   mode_t mode, bool durable, struct ar_err *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return ar_error(err, errno, "create `%s`", tmp);
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return ar_error(err, e, "write `%s`", tmp);
	}
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return ar_error(err, e, "rename `%s`", tmp);
	}
	/* The rename is durable only once the directory entry is. */
	return durable ? fsync_parent_dir(dirfd, path, err) : 0;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len,
			 mode_t mode, struct ar_err *err)
{
	return replace_file_at(dirfd, path, data, len, mode, true, err);
}

int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len,
			  mode_t mode, struct ar_err *err)
{
	return replace_file_at(dirfd, path, data, len, mode, false, err);
}

static int rm_rf_dirfd(int dfd, struct ar_err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int ret = 0;

	if (d == NULL) {
		close(dfd);
		return ar_error(err, errno, "fdopendir");
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, err) < 0)
			ret = -1;
	}
	closedir(d);
	return ret;
}

int dir_check_private(int fd, const char *path, struct ar_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return ar_error(err, errno, "stat `%s`", path);
	if (st.st_uid != geteuid())
		return ar_fail(err, EPERM, "`%s` is owned by uid %u, not by us (uid %u): refusing "
			       "to keep state there", path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ar_fail(err, EPERM, "`%s` is writable by others (mode %04o): refusing to "
			       "keep state there", path, (unsigned)(st.st_mode & 07777));
	return 0;
}

int rm_rf_at(int dirfd, const char *name, struct ar_err *err)
{
	struct stat sub, parent;
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return ar_error(err, errno, "remove `%s`", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : ar_error(err, errno, "open `%s`", name);
	/* Never descend into another file system: a mount left below (an
	 * overlay root, a bind) would have its contents deleted. */
	if (fstat(fd, &sub) < 0 || fstatat(fd, "..", &parent, 0) < 0 ||
	    sub.st_dev != parent.st_dev) {
		close(fd);
		return ar_error(err, EBUSY, "remove `%s`: a file system is mounted there", name);
	}
	if (rm_rf_dirfd(fd, err) < 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return ar_error(err, errno, "rmdir `%s`", name);
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void strv_push(char ***v, char *s)
{
	size_t n = *v ? strv_len(*v) : 0;

	*v = xrealloc(*v, (n + 2) * sizeof **v);
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool strv_has_prefix(char *const *v, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], prefix, n) == 0)
			return true;
	return false;
}

void strv_sort(char **v, size_t n)
{
	qsort(v, n, sizeof *v, compare_names);
}

/* The entry names of a directory, sorted bytewise, NULL-terminated; NULL
 * with errno on failure. */
char **dir_sorted_names(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0, cap = 16;
	struct dirent *de;
	char **v;
	DIR *d;
	int e;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	v = xcalloc(cap, sizeof *v);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n + 2 > cap) {
			v = xrealloc(v, (cap *= 2) * sizeof *v);
			memset(v + n, 0, (cap - n) * sizeof *v);
		}
		v[n++] = xstrdup(de->d_name);
	}
	e = errno;
	closedir(d);
	if (e) {
		strv_free(v);
		errno = e;
		return NULL;
	}
	qsort(v, n, sizeof *v, compare_names);
	return v;
}

char *path_clean(const char *in)
{
	char *o = xmalloc(strlen(in) + 2);
	size_t len = 0;
	const char *p = in;

	while (*p) {
		const char *end;
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end - p == 2 && p[0] == '.' && p[1] == '.') {
			free(o);
			return NULL;
		}
		if (end - p > 0 && !(end - p == 1 && p[0] == '.')) {
			o[len++] = '/';
			memcpy(o + len, p, (size_t)(end - p));
			len += (size_t)(end - p);
		}
		p = end;
	}
	if (len == 0)
		o[len++] = '/';
	o[len] = '\0';
	return o;
}
