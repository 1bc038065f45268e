/* argon — the compiled seccomp program cache, <dir>/<key>.bpf.
 *
 * A start with an unchanged profile reads a few KiB instead of running
 * libseccomp over it. An entry holds all of struct seccomp_prog, so a hit
 * needs neither libseccomp's compiler nor the JSON. Layout, in native byte
 * order (the key covers the native architecture):
 *   struct cache_head | instructions | listenerPath | listenerMetadata | sha256
 * where the sha256 is over every byte before it. A short, long, corrupt or
 * foreign file is a miss and is replaced; it is never loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>	/* before ours: see seccomp_load in seccomp.h */

#include "seccomp_priv.h"
#include "sha256.h"
#include "util.h"

#define CACHE_MAGIC "ARGNBPF2"	/* change with the layout */
#define CACHE_MAX (1 << 20)	/* 4096 instructions + two strings fit easily */
#define NO_STRING UINT32_MAX
#define SUM_LEN 32

struct cache_head {
	char magic[8];
	uint32_t flags;
	uint32_t notify;
	uint32_t n_insns;
	uint32_t path_len;	/* bytes without a NUL; NO_STRING when absent */
	uint32_t meta_len;
	uint32_t reserved;
};

int sc_cache_open(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -1;
	}
	return fd;
}

void sc_cache_key(const char *json_text, char key[65])
{
	const struct scmp_version *v = seccomp_version();
	char meta[160];
	uint8_t sum[SUM_LEN];
	struct sha256 s;
	int n;

	/* A libseccomp upgrade, a kernel with another API level or a change
	 * of our own compile step may compile the same profile differently. */
	n = snprintf(meta, sizeof meta, "%s compiler %d libseccomp %u.%u.%u api %u arch %#x\n",
		     CACHE_MAGIC, SC_COMPILER_VERSION, v->major, v->minor, v->micro,
		     seccomp_api_get(), seccomp_arch_native());
	sha256_init(&s);
	sha256_update(&s, meta, (size_t)n);
	sha256_update(&s, json_text, strlen(json_text));
	sha256_final(&s, sum);
	for (int i = 0; i < SUM_LEN; i++)
		snprintf(key + 2 * i, 3, "%02x", sum[i]);
}

static size_t str_len(uint32_t len)
{
	return len == NO_STRING ? 0 : len;
}

static char *take_str(const uint8_t **at, uint32_t len)
{
	char *s;

	if (len == NO_STRING)
		return NULL;
	s = xmalloc((size_t)len + 1);
	memcpy(s, *at, len);
	s[len] = '\0';
	*at += len;
	return s;
}

static struct seccomp_prog *decode(const uint8_t *buf, size_t size)
{
	size_t body = size - SUM_LEN, insns_size;
	struct seccomp_prog *p;
	struct cache_head h;
	uint8_t sum[SUM_LEN];
	struct sha256 s;
	const uint8_t *at;

	sha256_init(&s);
	sha256_update(&s, buf, body);
	sha256_final(&s, sum);
	if (memcmp(sum, buf + body, SUM_LEN) != 0)
		return NULL;
	memcpy(&h, buf, sizeof h);
	insns_size = (size_t)h.n_insns * sizeof(struct sock_filter);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof h.magic) != 0 || h.n_insns == 0 ||
	    h.n_insns > BPF_MAXINSNS || (h.path_len > CACHE_MAX && h.path_len != NO_STRING) ||
	    (h.meta_len > CACHE_MAX && h.meta_len != NO_STRING) ||
	    sizeof h + insns_size + str_len(h.path_len) + str_len(h.meta_len) != body)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->insns = xmalloc(insns_size);
	memcpy(p->insns, buf + sizeof h, insns_size);
	p->len = h.n_insns;
	p->flags = h.flags;
	p->notify = h.notify != 0;
	at = buf + sizeof h + insns_size;
	p->listener_path = take_str(&at, h.path_len);
	p->listener_metadata = take_str(&at, h.meta_len);
	p->from_cache = true;
	return p;
}

struct seccomp_prog *sc_cache_read(int dfd, const char *key)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	char name[80];
	struct stat st;

	snprintf(name, sizeof name, "%s.bpf", key);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)(sizeof(struct cache_head) + SUM_LEN) || st.st_size > CACHE_MAX)
		return NULL;
	buf = xmalloc((size_t)st.st_size);
	if (read_all(fd, buf, (size_t)st.st_size) != st.st_size)
		return NULL;
	return decode(buf, (size_t)st.st_size);
}

static uint8_t *encode(const struct seccomp_prog *p, size_t *size)
{
	struct cache_head h = {
		.magic = CACHE_MAGIC, .flags = p->flags, .notify = p->notify,
		.n_insns = (uint32_t)p->len,
		.path_len = p->listener_path ? (uint32_t)strlen(p->listener_path) : NO_STRING,
		.meta_len = p->listener_metadata ? (uint32_t)strlen(p->listener_metadata) : NO_STRING,
	};
	size_t insns_size = p->len * sizeof(struct sock_filter);
	size_t body = sizeof h + insns_size + str_len(h.path_len) + str_len(h.meta_len);
	uint8_t *buf = xmalloc(body + SUM_LEN), *at = buf;
	struct sha256 s;

	memcpy(at, &h, sizeof h);
	memcpy(at += sizeof h, p->insns, insns_size);
	at += insns_size;
	if (p->listener_path)
		at = (uint8_t *)mempcpy(at, p->listener_path, h.path_len);
	if (p->listener_metadata)
		mempcpy(at, p->listener_metadata, h.meta_len);
	sha256_init(&s);
	sha256_update(&s, buf, body);
	sha256_final(&s, buf + body);
	*size = body + SUM_LEN;
	return buf;
}

/* No fsync: a file torn by a crash fails its checksum and is recompiled. */
void sc_cache_write(int dfd, const char *key, const struct seccomp_prog *p)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	char name[80], tmp[96];
	size_t size;

	if (p->len == 0 || p->len > BPF_MAXINSNS)
		return;
	buf = encode(p, &size);
	if (size > CACHE_MAX)
		return;
	snprintf(name, sizeof name, "%s.bpf", key);
	snprintf(tmp, sizeof tmp, ".%s.%d.tmp", key, (int)getpid());
	for (int i = 0; i < 2 && fd < 0; i++) {
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)	/* left by a dead process that had our pid */
			unlinkat(dfd, tmp, 0);
	}
	if (fd < 0)
		return;
	if (write_all(fd, buf, size) < 0 || renameat(dfd, tmp, dfd, name) < 0)
		unlinkat(dfd, tmp, 0);
}
