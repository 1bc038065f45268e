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

/* ---- relay ---- */

struct relay_setup {
	int ma;			/* pty A master: the container's terminal */
	char *sa;
	int mb, in_fd;		/* pty B: plays the user's terminal */
	int out_rd, out_wr;
	pid_t shell;		/* killed by the driver when a step fails */
};

static void __attribute__((noreturn)) relay_driver_fail(const struct relay_setup *s, int step)
{
	kill(s->shell, SIGKILL);	/* ends the relay instead of hanging */
	_exit(step);
}

/* Helper process: drives the user's side and watches the output. Exit code
 * says which step failed. */
static void __attribute__((noreturn)) relay_driver(const struct relay_setup *s)
{
	struct winsize bigger = { .ws_row = 44, .ws_col = 88 };
	uint64_t deadline = now_ns() + 5000000000ULL;
	struct termios t;
	char buf[4096] = "";

	/* Raw mode on the user's terminal means the relay is running. */
	for (;;) {
		if (tcgetattr(s->in_fd, &t) == 0 && !(t.c_lflag & ICANON))
			break;
		if (now_ns() > deadline)
			relay_driver_fail(s, 10);
		usleep(10000);
	}
	if (write(s->mb, "1\n", 2) != 2 || !read_until(s->out_rd, "33 77", buf, sizeof buf))
		relay_driver_fail(s, 11);
	if (ioctl(s->in_fd, TIOCSWINSZ, &bigger) < 0 || kill(getppid(), SIGWINCH) < 0)
		relay_driver_fail(s, 12);
	if (write(s->mb, "2\n", 2) != 2 || !read_until(s->out_rd, "44 88", buf, sizeof buf))
		relay_driver_fail(s, 13);
	_exit(0);
}

static void __attribute__((noreturn)) relay_shell(const char *slave, int ready_fd)
{
	struct ar_err err = { 0 };

	if (terminal_make_controlling(slave, &err) < 0)
		_exit(1);
	close(ready_fd);
	execl("/bin/sh", "sh", "-c", "read a; stty size; read b; stty size", (char *)NULL);
	_exit(127);
}

static int relay_setup_open(struct relay_setup *s)
{
	struct ar_err err = { 0 };
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };
	char *sb = NULL;
	int out[2];

	if (terminal_open_pty(&s->ma, &s->sa, &err) < 0 || terminal_open_pty(&s->mb, &sb, &err) < 0)
		return -1;
	s->in_fd = open(sb, O_RDWR | O_NOCTTY | O_CLOEXEC);
	free(sb);
	if (s->in_fd < 0 || ioctl(s->in_fd, TIOCSWINSZ, &ws) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	s->out_rd = out[0];
	s->out_wr = out[1];
	return 0;
}

static void relay_setup_close(struct relay_setup *s)
{
	int *fds[] = { &s->ma, &s->mb, &s->in_fd, &s->out_rd, &s->out_wr };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(s->sa);
}

static void relay_copies_and_resizes(void)
{
	struct relay_setup s = { .ma = -1, .mb = -1, .in_fd = -1, .out_rd = -1, .out_wr = -1 };
	struct ar_err err = { 0 };
	struct termios before, after;
	int ready[2], st_shell = -1, st_driver = -1, rc = -1;
	pid_t shell = -1, driver = -1;
	char c;

	if (relay_setup_open(&s) == 0 && tcgetattr(s.in_fd, &before) == 0 &&
	    pipe2(ready, O_CLOEXEC) == 0) {
		shell = fork();
		if (shell == 0)
			relay_shell(s.sa, ready[1]);
		close(ready[1]);
		/* EOF once the shell owns the slave (or failed). */
		if (read(ready[0], &c, 1) < 0) {
		}
		close(ready[0]);
		s.shell = shell;
		driver = fork();
		if (driver == 0)
			relay_driver(&s);
		rc = terminal_relay(s.ma, s.in_fd, s.out_wr, &err);
	}
	if (shell > 0)
		waitpid(shell, &st_shell, 0);
	if (driver > 0)
		waitpid(driver, &st_driver, 0);
	tcgetattr(s.in_fd, &after);
	relay_setup_close(&s);
	if (rc < 0)
		fprintf(stderr, "  relay: %s\n", err.msg);
	CHECK(shell > 0 && driver > 0 && rc == 0);
	CHECK(WIFEXITED(st_driver));
	if (WEXITSTATUS(st_driver) != 0)
		fprintf(stderr, "  driver failed at step %d\n", WEXITSTATUS(st_driver));
	CHECK(WEXITSTATUS(st_driver) == 0);
	CHECK(WIFEXITED(st_shell) && WEXITSTATUS(st_shell) == 0);
	/* The user's terminal is back in its mode. */
	CHECK(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag &&
	      after.c_oflag == before.c_oflag);
}

/* Input that ends early: the relay keeps draining output until the process
 * closes the terminal. */
static void relay_input_eof_keeps_output(void)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *slave = NULL;
	_cleanup_close_ int master = -1, in_rd = -1, out_rd = -1;
	int in[2], out[2], ready[2], status = -1, rc;
	char buf[512] = "", c;
	pid_t pid;

	CHECK(terminal_open_pty(&master, &slave, &err) == 0);
	CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(ready, O_CLOEXEC) == 0);
	in_rd = in[0];
	out_rd = out[0];
	pid = fork();
	if (pid == 0) {
		if (terminal_make_controlling(slave, &err) < 0)
			_exit(1);
		close(ready[1]);
		execl("/bin/sh", "sh", "-c", "read x; sleep 0.2; echo \"got:$x\"", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) < 0) {
	}
	close(ready[0]);
	rc = write(in[1], "hello\n", 6) == 6 ? 0 : -1;
	close(in[1]);
	if (rc == 0)
		rc = terminal_relay(master, in_rd, out[1], &err);
	close(out[1]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	CHECK(pid > 0 && rc == 0);
	CHECK(read_all(out_rd, buf, sizeof buf - 1) > 0);
	CHECK_CONTAINS(buf, "got:hello");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

UNIT_MAIN(UNIT(open_pty_gives_unlocked_pair), UNIT(send_recv_master), UNIT(recv_without_fd_fails),
	  UNIT(set_size_visible_on_slave), UNIT(connect_socket_paths),
	  UNIT(make_controlling_terminal), UNIT(make_controlling_with_stdio_closed), UNIT(relay_copies_and_resizes),
	  UNIT(relay_input_eof_keeps_output))
