/* argon — internals of the seccomp library: the compiled-program cache
 * (seccomp_cache.c), used by seccomp_compile (seccomp.c). Not installed.
 */
#ifndef ARGON_SECCOMP_PRIV_H
#define ARGON_SECCOMP_PRIV_H

#include <stdint.h>

#include "seccomp.h"

/* Bump with any change to how a profile becomes BPF (seccomp.c,
 * seccomp_newer.c): cached programs of the old compiler are then misses,
 * not loaded. */
#define SC_COMPILER_VERSION 2

/* The cache dir, created 0700 when missing, as a directory fd;
 * -1 when it cannot be made or is not ours alone (owned by another user or
 * writable by group/others: a program read from it would be loaded into
 * containers unchecked). Never an error: without a cache we compile. */
int sc_cache_open(const char *dir);

/* Hex sha256 naming a profile's entry: the profile text, libseccomp's
 * version and API level, the native architecture and the file format. */
void sc_cache_key(const char *json_text, char key[65]);

/* The program stored under key, or NULL on a miss: absent, truncated,
 * corrupt (checksum), or of another format. */
struct seccomp_prog *sc_cache_read(int dfd, const char *key);

/* Stores p under key atomically (tmp file + rename, 0600); best effort. */
void sc_cache_write(int dfd, const char *key, const struct seccomp_prog *p);

/* Puts a stub in front of a compiled program that answers ENOSYS for
 * native syscalls newer than libseccomp, when the default action denies
 * (seccomp_newer.c). Jumps in BPF are relative: the program is unchanged. */
void sc_prepend_enosys_stub(struct seccomp_prog *prog, uint32_t def_action);

#endif
