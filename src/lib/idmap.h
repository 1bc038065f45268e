/* argon — the id maps of a new user namespace, written by `create` (the
 * parent) for stage 1 once it has unshared (SYNC_USERMAP_REQ).
 *
 * As root the maps are written directly. Without root the kernel lets a
 * process write only the mapping of its own uid (and its own gid, once
 * setgroups is denied); any other range goes through the setuid helpers
 * newuidmap/newgidmap (package uidmap), which allow the ranges that
 * /etc/subuid and /etc/subgid delegate to the user.
 */
#ifndef ARGON_IDMAP_H
#define ARGON_IDMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* Rootless: refuses, before anything is made, maps that cannot be written:
 * none at all, ranges /etc/subuid or /etc/subgid do not delegate, or a
 * range without newuidmap/newgidmap installed. As root: nothing to check. */
int idmap_check(const struct spec_linux *l, struct ar_err *err);

/* Writes gid_map then uid_map of process pid from linux.{gid,uid}Mappings. */
int idmap_write(pid_t pid, const struct spec_linux *l, struct ar_err *err);

/* Whether the ranges in `text` (an /etc/subuid file: "owner:start:count"
 * lines, owner a user name or a decimal uid) delegate every id of
 * [start, start + count) to the user `name` / `uid`, as shadow's
 * newuidmap checks it (adjacent ranges may together cover it). */
bool idmap_subid_covers(const char *text, const char *name, unsigned uid, uint64_t start,
			uint64_t count);

#endif
