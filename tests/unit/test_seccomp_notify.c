/* Unit tests of SCMP_ACT_NOTIFY against the real kernel: a child loads a
 * filter with a listener and hands the listener over; we (the runtime,
 * then the agent at listenerPath) receive it and answer the child's
 * syscalls through it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "unit.h"
#include "seccomp.h"
#include "seccomp_unit.h"
#include "spec.h"
#include "terminal.h"
#include "util.h"

/* The agent's side: one notification, answered with val or error. */
static int answer(int fd, pid_t child, long long val, int error)
{
	struct seccomp_notif_sizes sz;
	_cleanup_free_ struct seccomp_notif *req = NULL;
	_cleanup_free_ struct seccomp_notif_resp *resp = NULL;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0 ||
	    poll(&pfd, 1, 10000) != 1)
		return -1;
	req = xcalloc(1, sz.seccomp_notif > sizeof *req ? sz.seccomp_notif : sizeof *req);
	resp = xcalloc(1, sz.seccomp_notif_resp > sizeof *resp ? sz.seccomp_notif_resp : sizeof *resp);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0 || req->pid != (uint32_t)child ||
	    req->data.nr != SYS_getppid)
		return -1;
	resp->id = req->id;
	resp->val = val;
	resp->error = error;
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/* Child: loads p, sends the listener over sock, asks getppid twice. */
static pid_t notify_child(const struct seccomp_prog *p, int sock)
{
	pid_t pid = fork();

	if (pid == 0) {
		int lfd = -1;

		child_prepare();
		if (seccomp_prog_load(p, &lfd, NULL) < 0 || lfd < 0 ||
		    terminal_send_fd(sock, lfd, "seccompFd", NULL) < 0)
			child_exit(99);
		close(lfd);
		if (syscall(SYS_getppid) != 4242)
			child_exit(1);
		if (syscall(SYS_getppid) != -1 || errno != ENOTTY)
			child_exit(2);
		if (syscall(SYS_mkdirat, AT_FDCWD, "/", 0) != -1 || errno != ENOSYS)
			child_exit(3);
		child_exit(0);
	}
	return pid;
}

static void notify_listener(void)
{
	_cleanup_free_ char *json = notify_profile("\"SECCOMP_FILTER_FLAG_TSYNC\"", "/run/agent.sock");
	struct seccomp_prog *p = compile(json);
	int sp[2], lfd = -1, st = -1;
	struct ar_err err = { 0 };
	pid_t pid;

	/* TSYNC with a listener needs TSYNC_ESRCH, which the load adds. */
	CHECK(p != NULL && p->notify && (p->flags & SECCOMP_FILTER_FLAG_TSYNC));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	pid = notify_child(p, sp[1]);
	close(sp[1]);
	seccomp_prog_free(p);
	CHECK(pid > 0);
	if (terminal_recv_fd(sp[0], &lfd, &err) == 0) {
		if (answer(lfd, pid, 4242, 0) < 0 || answer(lfd, pid, 0, -ENOTTY) < 0)
			kill(pid, SIGKILL);
		close(lfd);
	} else {
		kill(pid, SIGKILL);
	}
	close(sp[0]);
	ar_err_clear(&err);
	waitpid(pid, &st, 0);
	show_status(st);
	CHECK(lfd >= 0 && EXITED_OK(st));
}

/* The agent: accepts one connection, takes the document and the fd. */
static const char *agent_receive(int lsock, int *fd, json_object **doc)
{
	_cleanup_close_ int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	char buf[8192] = "";
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.b, .msg_controllen = sizeof ctl.b };
	struct cmsghdr *c;
	ssize_t n, got;

	if (conn < 0 || (got = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC)) <= 0)
		return "no message";
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_type != SCM_RIGHTS)
		return "no fd in the first message";
	memcpy(fd, CMSG_DATA(c), sizeof *fd);
	while ((n = read(conn, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	*doc = json_tokener_parse(buf);
	return *doc ? NULL : "not JSON";
}

static const char *str_at(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v) || (b && !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return json_object_get_string(v);
}

/* Hands the child's listener to the agent socket, checks the document the
 * agent got, and answers the child through the fd the agent got. */
static const char *agent_round(const struct seccomp_prog *p, int sp, int lsock, pid_t pid)
{
	_cleanup_close_ int fd = -1, agent_fd = -1;
	_cleanup_free_ char *state = xasprintf("{\"ociVersion\":\"1.2.0\",\"id\":\"c1\","
					       "\"status\":\"creating\",\"pid\":%d,\"bundle\":\"/b\"}", pid);
	struct ar_err err = { 0 };
	json_object *doc = NULL, *fds;
	const char *why = NULL;

	if (terminal_recv_fd(sp, &fd, &err) < 0 ||
	    seccomp_send_listener(p, fd, pid, state, &err) < 0) {
		fprintf(stderr, "  %s\n", err.msg);
		ar_err_clear(&err);
		return "no listener handed over";
	}
	close(steal_fd(&fd));	/* from now on only the agent's copy answers */
	if ((why = agent_receive(lsock, &agent_fd, &doc)) != NULL)
		return why;
	fds = json_object_object_get(doc, "fds");
	if (!str_at(doc, "ociVersion", NULL) || strcmp(str_at(doc, "ociVersion", NULL), SPEC_OCI_VERSION) ||
	    json_object_array_length(fds) != 1 ||
	    strcmp(json_object_get_string(json_object_array_get_idx(fds, 0)), "seccompFd") ||
	    json_object_get_int(json_object_object_get(doc, "pid")) != pid ||
	    !str_at(doc, "metadata", NULL) || strcmp(str_at(doc, "metadata", NULL), "m=1") ||
	    !str_at(doc, "state", "id") || strcmp(str_at(doc, "state", "id"), "c1"))
		why = "unexpected document";
	if (why)
		fprintf(stderr, "  %s\n", json_object_to_json_string(doc));
	json_object_put(doc);
	if (!why && (answer(agent_fd, pid, 4242, 0) < 0 || answer(agent_fd, pid, 0, -ENOTTY) < 0))
		why = "could not answer through the agent's fd";
	return why;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_listener_to_agent(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *path = NULL, *json = NULL;
	_cleanup_close_ int lsock = -1;
	struct seccomp_prog *p;
	const char *why;
	int sp[2], st = -1;
	pid_t pid;

	CHECK(unit_dir_make(&d, "seccomp") == 0);
	path = xasprintf("%s/agent.sock", d.path);
	json = notify_profile("", path);
	p = compile(json);
	CHECK(p != NULL);
	CHECK_STR(p->listener_path, path);
	lsock = listen_unix(path);
	CHECK(lsock >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	pid = notify_child(p, sp[1]);
	close(sp[1]);
	why = pid > 0 ? agent_round(p, sp[0], lsock, pid) : "fork";
	close(sp[0]);
	seccomp_prog_free(p);
	if (why && pid > 0)
		kill(pid, SIGKILL);
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (why)
		fprintf(stderr, "  %s\n", why);
	show_status(st);
	CHECK(why == NULL && EXITED_OK(st));
}

static void send_listener_errors(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *path = NULL, *json = NULL;
	struct seccomp_prog *p;
	struct ar_err err = { 0 };
	int r1, r2;

	CHECK(unit_dir_make(&d, "seccomp") == 0);
	path = xasprintf("%s/missing.sock", d.path);
	json = notify_profile("", path);
	p = compile(json);
	CHECK(p != NULL);
	r1 = seccomp_send_listener(p, 0, 1, "{\"id\":\"c1\"}", &err);
	CHECK(r1 < 0);
	CHECK_CONTAINS(err.msg, "connect to seccomp listenerPath `");
	CHECK_CONTAINS(err.msg, "missing.sock`: No such file or directory");
	ar_err_clear(&err);
	r2 = seccomp_send_listener(p, 0, 1, "not json", &err);
	seccomp_prog_free(p);
	CHECK(r2 < 0);
	CHECK_CONTAINS(err.msg, "the container state is not a JSON object");
	ar_err_clear(&err);
}

UNIT_MAIN(
	UNIT(notify_listener),
	UNIT(send_listener_to_agent),
	UNIT(send_listener_errors),
)
