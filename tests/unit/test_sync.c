/* Unit tests for sync.c: messages over the socket pair, with and without an
 * fd riding along (the seccomp listener's way to the parent). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync.h"
#include "unit.h"

static void message_roundtrip(void)
{
	int sp[2];
	struct sync_msg m;
	struct ar_err err = { 0 };

	CHECK(sync_pair(sp, &err) == 0);
	CHECK(sync_send(sp[1], SYNC_READY, 0, "payload", 8, &err) == 0);
	CHECK(sync_recv(sp[0], &m, &err) == 0);
	CHECK(m.type == SYNC_READY);
	CHECK_STR(m.data, "payload");
	CHECK(m.fd == -1);	/* no fd rode along */
	sync_msg_free(&m);
	close(sp[0]);
	close(sp[1]);
}

static void fd_passes_and_is_owned(void)
{
	int sp[2], pipefd[2], got;
	struct sync_msg m;
	struct ar_err err = { 0 };
	struct stat a, b;
	char c = 0;

	CHECK(sync_pair(sp, &err) == 0);
	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	CHECK(sync_send_fd(sp[1], SYNC_SECCOMP_FD, pipefd[0], &err) == 0);
	CHECK(sync_recv(sp[0], &m, &err) == 0);
	CHECK(m.type == SYNC_SECCOMP_FD);
	CHECK(m.fd >= 0 && m.fd != pipefd[0]);
	/* The same open file, close-on-exec on our side too. */
	CHECK(fstat(m.fd, &a) == 0 && fstat(pipefd[0], &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	CHECK(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
	CHECK(write(pipefd[1], "x", 1) == 1);
	CHECK(read(m.fd, &c, 1) == 1 && c == 'x');
	got = m.fd;
	sync_msg_free(&m);	/* closes the received fd */
	CHECK(m.fd == -1);
	CHECK(fcntl(got, F_GETFD) < 0 && errno == EBADF);
	close(pipefd[0]);
	close(pipefd[1]);
	close(sp[0]);
	close(sp[1]);
}

static void expect_turns_error_into_cause(void)
{
	int sp[2];
	struct sync_msg m;
	struct ar_err err = { 0 }, child = { 0 };

	CHECK(sync_pair(sp, &err) == 0);
	ar_error(&child, EACCES, "mount `proc`");
	sync_send_error(sp[1], &child);
	CHECK(sync_expect(sp[0], SYNC_SECCOMP_FD_ACK, &m, &err) < 0);
	CHECK_CONTAINS(err.msg, "mount `proc`");
	CHECK(err.errnum == EACCES);
	ar_err_clear(&err);
	ar_err_clear(&child);
	/* EOF: the peer is gone. */
	close(sp[1]);
	CHECK(sync_recv(sp[0], &m, &err) < 0 && err.errnum == EPIPE);
	ar_err_clear(&err);
	close(sp[0]);
}

UNIT_MAIN(UNIT(message_roundtrip), UNIT(fd_passes_and_is_owned),
	  UNIT(expect_turns_error_into_cause))
