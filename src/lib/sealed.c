/* argon — run from a sealed copy of ourselves (CVE-2019-5736).
 *
 * A process in the container could otherwise open /proc/<runtime pid>/exe
 * (or exec it through a `#!/proc/self/exe` script) and write the host's
 * runtime binary. A memfd with write/grow/shrink seals cannot be written by
 * anyone, so the runtime re-executes from one before it enters a container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"
#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#ifdef MFD_EXEC
#define AR_MFD_EXEC MFD_EXEC
#else
#define AR_MFD_EXEC 0x0010U	/* linux/memfd.h, 6.3 */
#endif

/* F_SEAL_WRITE first waits (~150 ms) for transient references the kernel
 * holds to the memfd's pages (per-CPU LRU batches, pages isolated for
 * compaction) and fails with EBUSY when one outlives the wait: seen once,
 * under a loaded CI run. Nothing of ours maps the memfd, so try again. */
static int add_seals(int mfd)
{
	for (int ms = 10;; ms *= 2) {
		if (fcntl(mfd, F_ADD_SEALS, SEALS) == 0)
			return 0;
		if (errno != EBUSY || ms > 160)
			return -1;
		sleep_ms(ms);
	}
}

static int copy_to_memfd(int src, int *out, struct ar_err *err)
{
	/* MFD_EXEC: with vm.memfd_noexec=1 (kernel 6.3+) a memfd is made
	 * non-executable unless asked; kernels before 6.3 refuse the flag. */
	_cleanup_close_ int mfd = memfd_create("argon-runtime",
					       MFD_CLOEXEC | MFD_ALLOW_SEALING | AR_MFD_EXEC);
	struct stat st;
	off_t off = 0;

	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("argon-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return ar_error(err, errno, "memfd_create");
	if (fstat(src, &st) < 0)
		return ar_error(err, errno, "stat /proc/self/exe");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ar_error(err, n < 0 ? errno : EIO, "copy /proc/self/exe to a memfd");
	}
	if (add_seals(mfd) < 0)
		return ar_error(err, errno, "seal the runtime memfd");
	*out = steal_fd(&mfd);
	return 0;
}

static bool is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & SEALS) == SEALS;
}

/* A sealed fd of this binary in *fd: /proc/self/exe itself when it is one
 * already (returns 1), else a sealed memfd copy (returns 0); -1 on error. */
static int sealed_self(int *fd, struct ar_err *err)
{
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (self < 0)
		return ar_error(err, errno, "open /proc/self/exe");
	if (is_sealed(self)) {
		*fd = steal_fd(&self);
		return 1;
	}
	return copy_to_memfd(self, fd, err);
}

int ar_sealed_self(int *fd, struct ar_err *err)
{
	return sealed_self(fd, err) < 0 ? -1 : 0;
}

int ar_ensure_sealed_binary(char **argv, char **envp, struct ar_err *err)
{
	_cleanup_close_ int mfd = -1;
	int r = sealed_self(&mfd, err);

	if (r != 0)	/* running sealed already, or an error */
		return r < 0 ? -1 : 0;
	syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
	return ar_error(err, errno, "re-exec the runtime from a sealed memfd");
}
