/* argon — attaching a file to a loop device (the seeds' VHD attach).
 *
 * The device is configured with LO_FLAGS_AUTOCLEAR in the same ioctl that
 * binds the file (LOOP_CONFIGURE), so it detaches itself when its last
 * user goes away: the returned fd, then the mount made from it. A process
 * that dies at any point leaves no attached device behind once its mounts
 * are gone.
 */
#ifndef ARGON_LOOPDEV_H
#define ARGON_LOOPDEV_H

#include <stdbool.h>

#include "error.h"

/* Binds the open file `file_fd` (O_RDWR, or O_RDONLY with read_only) to a
 * free loop device and returns an O_RDWR fd to the device; *path gets
 * "/dev/loopN" (caller frees). Closing the fd before anything else opened
 * the device detaches it again. `what` names the file in messages. */
int loop_attach(int file_fd, const char *what, bool read_only, char **path,
		struct ar_err *err);

#endif
