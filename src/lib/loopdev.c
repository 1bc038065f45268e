/* argon — attaching a file to a loop device. See loopdev.h. */
#define _GNU_SOURCE
#include "loopdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

/* Another process may take the device LOOP_CTL_GET_FREE named before we
 * bind it (EBUSY), or remove it (ENXIO/ENOENT); ask for another. */
#define LOOP_ATTACH_TRIES 64

static bool loop_race(int e)
{
	return e == EBUSY || e == ENXIO || e == ENOENT || e == ENODEV;
}

/* Kernels before 5.8 lack LOOP_CONFIGURE: bind, then set autoclear. */
static int loop_bind_legacy(int loopfd, int file_fd, const struct loop_info64 *info)
{
	if (ioctl(loopfd, LOOP_SET_FD, file_fd) < 0)
		return -errno;
	if (ioctl(loopfd, LOOP_SET_STATUS64, info) < 0) {
		int e = errno;
		ioctl(loopfd, LOOP_CLR_FD, 0);
		return -e;
	}
	return 0;
}

/* 0 or -errno. */
static int loop_bind(int loopfd, int file_fd, const char *what, bool read_only)
{
	struct loop_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.fd = (unsigned int)file_fd;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
	snprintf((char *)cfg.info.lo_file_name, sizeof cfg.info.lo_file_name, "%s", what);
	if (ioctl(loopfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	return loop_bind_legacy(loopfd, file_fd, &cfg.info);
}

int loop_attach(int file_fd, const char *what, bool read_only, char **path, struct ar_err *err)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int last = 0;

	if (ctl < 0)
		return ar_error(err, errno, "open `/dev/loop-control`");
	for (int i = 0; i < LOOP_ATTACH_TRIES; i++) {
		_cleanup_free_ char *dev = NULL;
		_cleanup_close_ int fd = -1;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0)
			return ar_error(err, errno, "find a free loop device for `%s`", what);
		dev = xasprintf("/dev/loop%d", n);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		last = fd < 0 ? -errno : loop_bind(fd, file_fd, what, read_only);
		if (last == 0) {
			*path = steal_ptr(&dev);
			return steal_fd(&fd);
		}
		if (!loop_race(-last))
			return ar_error(err, -last, "attach `%s` to `%s`", what, dev);
	}
	return ar_error(err, -last, "attach `%s` to a loop device: still racing after %d tries",
			what, LOOP_ATTACH_TRIES);
}
