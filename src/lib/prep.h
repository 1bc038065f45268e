/* argon — a base layer from the host's own files (wincon's conprep).
 *
 * A manifest says what to take. One rule per line, `#` comments:
 *   link PATTERN   take it as hard links to the host's files (default for
 *                  big read-only trees: /usr); falls back to reflink, then
 *                  copy, across file systems
 *   copy PATTERN   take a private copy (files edited in place, e.g. /etc)
 *   skip PATTERN   never take it, nor anything below it that no more
 *                  specific rule takes
 * PATTERN is an absolute path whose components may hold fnmatch(3) globs
 * (`/lib*`, `/etc/ssh/ssh_host_*`). A path is taken by its longest
 * (most specific) matching rule; `skip` wins a tie. Directories on the way
 * to a taken path are recreated with the host's owner and mode. Symlinks
 * are taken as symlinks (their targets are never followed); sockets and
 * device nodes are never taken.
 */
#ifndef ARGON_PREP_H
#define ARGON_PREP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum prep_action { PREP_LINK, PREP_COPY, PREP_SKIP };

struct prep_rule {
	enum prep_action action;
	char *pattern;
};

struct prep_manifest {
	struct prep_rule *rules;
	size_t n_rules;
};

/* `what` names the manifest in messages ("prep.manifest line 3: ..."). */
int prep_manifest_parse(const char *text, const char *what, struct prep_manifest *m,
			struct ar_err *err);
void prep_manifest_free(struct prep_manifest *m);

/* The manifest argon ships (also printed by `argon prep --print-manifest`). */
extern const char prep_default_manifest[];

struct prep_stats {
	uint64_t linked, copied, dirs, symlinks, skipped;
	uint64_t bytes;		/* sizes of the regular files taken */
};

/* Takes the host files below `hostfd` (normally "/") into the empty
 * directory `layerfd` as the manifest says, then writes the generated
 * minimal configuration (prep_write_minimal_etc). `digest_hex` gets a
 * sha256 over what was taken (path, type, mode, owner, size, mtime, link
 * target of each entry, in walk order) plus the generated files: the same
 * host state gives the same digest. Never changes the metadata of a host
 * file (a linked file shares its inode with the host). */
int prep_build(int hostfd, int layerfd, const struct prep_manifest *m, struct prep_stats *st,
	       char digest_hex[65], struct ar_err *err);

/* The five "hives" of wincon, as files: /etc/passwd and /etc/group (root,
 * nobody), /etc/hostname, /etc/hosts, /etc/resolv.conf (the host's
 * nameservers except loopback ones, read from hostfd; none left: none
 * written but a comment), /etc/nsswitch.conf, /etc/machine-id (from
 * `seed_hex`). Replaces anything taken from the host at those paths. */
int prep_write_minimal_etc(int hostfd, int layerfd, const char *seed_hex, struct ar_err *err);

/* A resolv.conf for another network namespace from the host's (read
 * through hostfd): /etc/resolv.conf filtered, or systemd-resolved's
 * upstream list when the first has only its loopback stub. Returns the
 * nameservers kept (0: the text is a comment saying there are none). */
int etc_resolv_conf_text(int hostfd, char **out, struct ar_err *err);

#endif
