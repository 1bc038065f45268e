/* argon — volume and mount flags as docker parses them:
 *   -v NAME:/path[:ro|rw]   -v /host/path:/path[:ro|rw]   -v /path (anonymous)
 *   --mount type=bind|volume|tmpfs,source=..,target=..,readonly,
 *           tmpfs-size=..,tmpfs-mode=..,bind-propagation=..
 *   --tmpfs /path[:opts]
 */
#ifndef ARGON_MOUNTSPEC_H
#define ARGON_MOUNTSPEC_H

#include <stdbool.h>

#include "error.h"

enum mount_kind { MOUNT_BIND, MOUNT_VOLUME, MOUNT_TMPFS };

struct mount_req {
	enum mount_kind kind;
	char *source;		/* host path (bind), volume name (volume; NULL:
				 * anonymous), NULL (tmpfs) */
	char *target;		/* absolute path in the container, cleaned */
	bool readonly;
	char *options;		/* extra OCI mount options, comma list or NULL
				 * ("size=65536k,mode=1777" for tmpfs,
				 * "rprivate" ... for bind propagation) */
};

/* Each fills *out or fails with a message quoting the flag's value. A
 * volume name is [A-Za-z0-9][A-Za-z0-9_.-]*; a bind source must be an
 * absolute path; a target must be absolute and not "/". */
int mountspec_parse_volume(const char *s, struct mount_req *out, struct ar_err *err);
int mountspec_parse_mount(const char *s, struct mount_req *out, struct ar_err *err);
int mountspec_parse_tmpfs(const char *s, struct mount_req *out, struct ar_err *err);
void mount_req_free(struct mount_req *m);

/* True when `name` is a valid volume name. */
bool volume_name_valid(const char *name);

#endif
