/* Unit tests for terminal.c, on ptys of the host's /dev/ptmx. Processes
 * that take a controlling terminal run in forked children, always reaped. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "terminal.h"
#include "unit.h"
#include "util.h"

static int pty_number(int master)
{
	unsigned n;
	return ioctl(master, TIOCGPTN, &n) == 0 ? (int)n : -1;
}

static void open_pty_gives_unlocked_pair(void)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *slave = NULL, *want = NULL;
	_cleanup_close_ int master = -1, slave_fd = -1;
	struct stat st;

	CHECK(terminal_open_pty(&master, &slave, &err) == 0);
	CHECK(isatty(master));
	CHECK(fcntl(master, F_GETFD) & FD_CLOEXEC);
	want = xasprintf("/dev/pts/%d", pty_number(master));
	CHECK_STR(slave, want);
	CHECK(stat(slave, &st) == 0 && S_ISCHR(st.st_mode));
	/* Unlocked: the slave opens. */
	slave_fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(slave_fd >= 0);
	CHECK(write(slave_fd, "x", 1) == 1);
}

static void send_recv_master(void)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *slave = NULL;
	_cleanup_close_ int master = -1, got = -1, a = -1, b = -1, slave_fd = -1;
	char buf[16] = "";
	int sv[2];

	CHECK(terminal_open_pty(&master, &slave, &err) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	a = sv[0];
	b = sv[1];
	CHECK(terminal_send_fd(a, master, slave, &err) == 0);
	CHECK(terminal_recv_fd(b, &got, &err) == 0);
	CHECK(got >= 0 && got != master);
	CHECK(isatty(got));
	CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);	/* MSG_CMSG_CLOEXEC */
	CHECK(pty_number(got) == pty_number(master));
	/* It is the same pty: what the slave writes comes out of it. */
	slave_fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(slave_fd >= 0);
	CHECK(write(slave_fd, "ping", 4) == 4);
	CHECK(read(got, buf, sizeof buf - 1) == 4);
	CHECK_STR(buf, "ping");
}

static void recv_without_fd_fails(void)
{
	struct ar_err e_bytes = { 0 }, e_closed = { 0 };
	int sv[2], fd = -1, r_bytes, r_closed;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	r_bytes = write(sv[0], "name", 4) == 4 ? terminal_recv_fd(sv[1], &fd, &e_bytes) : 0;
	close(sv[0]);
	r_closed = terminal_recv_fd(sv[1], &fd, &e_closed);
	close(sv[1]);
	CHECK(r_bytes < 0 && r_closed < 0 && fd == -1);
	CHECK_STR(e_bytes.msg, "console socket: no file descriptor received");
	CHECK_STR(e_closed.msg, "console socket: no file descriptor received");
	CHECK(e_bytes.errnum != 0);
	ar_err_clear(&e_bytes);
	ar_err_clear(&e_closed);
}

static void set_size_visible_on_slave(void)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *slave = NULL;
	_cleanup_close_ int master = -1, slave_fd = -1;
	struct winsize ws = { 0 };

	CHECK(terminal_open_pty(&master, &slave, &err) == 0);
	CHECK(terminal_set_size(master, 40, 120, &err) == 0);
	slave_fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(slave_fd >= 0);
	CHECK(ioctl(slave_fd, TIOCGWINSZ, &ws) == 0);
	CHECK(ws.ws_row == 40 && ws.ws_col == 120);
	CHECK(terminal_set_size(master, 70000, 1, &err) < 0);
	CHECK(err.errnum == EINVAL);
	ar_err_clear(&err);
}

static void connect_socket_paths(void)
{
	char dir[] = "/tmp/argon-test-term.XXXXXX";
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ar_err e_long = { 0 }, e_missing = { 0 }, e_ok = { 0 };
	_cleanup_close_ int lsock = -1, conn = -1, peer = -1;
	_cleanup_free_ char *long_path = NULL, *missing = NULL;
	int r_ok = -1, r_long, r_missing;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/console.sock", dir);
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lsock >= 0 && bind(lsock, (struct sockaddr *)&addr, sizeof addr) == 0 &&
	    listen(lsock, 1) == 0)
		r_ok = terminal_connect_socket(addr.sun_path, &conn, &e_ok);
	if (r_ok == 0)
		peer = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	long_path = xasprintf("%s/%0200d", dir, 0);
	r_long = terminal_connect_socket(long_path, &conn, &e_long);
	missing = xasprintf("%s/missing.sock", dir);
	r_missing = terminal_connect_socket(missing, &conn, &e_missing);
	rm_rf_at(AT_FDCWD, dir, NULL);
	CHECK(r_ok == 0 && conn >= 0 && peer >= 0);
	CHECK(fcntl(conn, F_GETFD) & FD_CLOEXEC);
	CHECK(r_long < 0 && e_long.errnum == ENAMETOOLONG);
	{
		_cleanup_free_ char *want = xasprintf("console socket path `%s` is too long", long_path);
		CHECK_STR(e_long.msg, want);
	}
	CHECK(r_missing < 0 && e_missing.errnum == ENOENT);
	CHECK_CONTAINS(e_missing.msg, "connect to console socket `");
	ar_err_clear(&e_long);
	ar_err_clear(&e_missing);
}

/* Reads from fd until `want` shows up (or 5 s pass); true when it did. */
static bool read_until(int fd, const char *want, char *buf, size_t size)
{
	size_t len = strlen(buf);
	uint64_t deadline = now_ns() + 5000000000ULL;

	while (!strstr(buf, want) && len + 1 < size && now_ns() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return strstr(buf, want) != NULL;
}

/* Child: takes the slave as its controlling terminal, proves it, exits. */
static void __attribute__((noreturn)) controlling_child(const char *slave, bool close_stdio)
{
	struct ar_err err = { 0 };
	struct stat st, slave_st;
	char *name;

	/* With stdio closed the slave opens as fd 0: it must still end up
	 * on 0, 1 and 2 without close-on-exec. */
	for (int fd = 0; close_stdio && fd < 3; fd++)
		close(fd);
	if (terminal_make_controlling(slave, &err) < 0)
		_exit(1);
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) != 0)
			_exit(5);
	name = ttyname(0);
	if (!isatty(0) || !isatty(1) || !isatty(2) || tcgetsid(0) != getpid() ||
	    !name || strcmp(name, slave) != 0)
		_exit(2);
	/* No stray copy of the slave above stdio (the inherited master is fine). */
	if (fstat(0, &slave_st) < 0)
		_exit(3);
	for (int fd = 3; fd < 64; fd++)
		if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == slave_st.st_rdev)
			_exit(4);
	printf("controlling ok\n");
	fflush(stdout);
	_exit(0);
}

static bool controlling_in_child(bool close_stdio)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *slave = NULL;
	_cleanup_close_ int master = -1;
	char buf[256] = "";
	bool seen;
	int status = -1;
	pid_t pid;

	if (terminal_open_pty(&master, &slave, &err) < 0)
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		controlling_child(slave, close_stdio);
	seen = read_until(master, "controlling ok", buf, sizeof buf);
	waitpid(pid, &status, 0);
	if (status != 0)
		fprintf(stderr, "  child status %#x\n", status);
	return seen && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void make_controlling_terminal(void)
{
	CHECK(controlling_in_child(false));
}

static void make_controlling_with_stdio_closed(void)
{
	CHECK(controlling_in_child(true));
}

UNIT_MAIN(UNIT(open_pty_gives_unlocked_pair), UNIT(send_recv_master), UNIT(recv_without_fd_fails),
	  UNIT(set_size_visible_on_slave), UNIT(connect_socket_paths),
	  UNIT(make_controlling_terminal), UNIT(make_controlling_with_stdio_closed))
