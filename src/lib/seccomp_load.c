/* argon — the kernel side of seccomp: installing a compiled program in the
 * container's process, and handing a SCMP_ACT_NOTIFY listener to the
 * agent at listenerPath. No libseccomp here: the child runs this after the
 * parent compiled the program.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "fdpass.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* Runs in the child as its last step before exec: one syscall, nothing
 * allocated on success. The error path formats a message, which is safe:
 * a failed seccomp(2) has installed nothing. */
int seccomp_prog_load(const struct seccomp_prog *p, int *listener_fd, struct ar_err *err)
{
	struct sock_fprog fprog = { .len = (unsigned short)p->len, .filter = p->insns };
	unsigned long flags = p->flags;
	long r;

	if (listener_fd)
		*listener_fd = -1;
	if (p->len == 0 || p->len > BPF_MAXINSNS)
		return ar_fail(err, EINVAL, "seccomp filter of %zu instructions", p->len);
	if (p->notify) {
		if (listener_fd == NULL)
			return ar_fail(err, EINVAL, "seccomp: nowhere to put the notify listener");
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* With TSYNC the kernel reports a thread it could not sync in the
		 * return value, which is the listener fd here: it takes TSYNC
		 * with NEW_LISTENER only when told to say ESRCH instead. */
		if (flags & SECCOMP_FILTER_FLAG_TSYNC)
			flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
	if (r < 0)
		return ar_error(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
	if (p->notify)
		*listener_fd = (int)r;
	else if (r > 0)
		return ar_fail(err, ESRCH, "seccomp: thread %ld cannot be synchronized", r);
	return 0;
}

static int connect_listener(const char *path, struct ar_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof sa.sun_path)
		return ar_fail(err, ENAMETOOLONG, "seccomp listenerPath `%s`: too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ar_error(err, errno, "socket");
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		if (errno != EINTR)
			return ar_error(err, errno, "connect to seccomp listenerPath `%s`", path);
	return steal_fd(&fd);
}

/* The whole document in one stream; the fd rides on the first sendmsg, as
 * the spec requires when several are needed. */
static int send_with_fd(int sock, int fd, const char *text, size_t len)
{
	union fdpass_ctl ctl;
	struct iovec iov = { .iov_base = (void *)text, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t sent = 0;
	ssize_t n;

	fdpass_attach(&msg, &ctl, fd);
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	while (n >= 0 && (sent += (size_t)n) < len)
		do
			n = send(sock, text + sent, len - sent, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* The OCI "container process state". */
static json_object *process_state(const struct seccomp_prog *p, pid_t pid, json_object *state)
{
	json_object *o = json_object_new_object(), *fds = json_object_new_array();

	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(o, "ociVersion", json_object_new_string(SPEC_OCI_VERSION));
	json_object_object_add(o, "fds", fds);
	json_object_object_add(o, "pid", json_object_new_int64(pid));
	if (p->listener_metadata)
		json_object_object_add(o, "metadata", json_object_new_string(p->listener_metadata));
	json_object_object_add(o, "state", state);
	return o;
}

int seccomp_send_listener(const struct seccomp_prog *p, int listener_fd, pid_t pid,
			  const char *state_json, struct ar_err *err)
{
	json_object *state, *doc;
	_cleanup_close_ int sock = -1;
	const char *text;
	int r;

	if (p->listener_path == NULL)
		return ar_fail(err, EINVAL, "seccomp: no listenerPath to send the listener to");
	state = json_tokener_parse(state_json);
	if (!json_object_is_type(state, json_type_object)) {
		json_object_put(state);
		return ar_fail(err, EINVAL, "seccomp listener: the container state is not a JSON object");
	}
	doc = process_state(p, pid, state);
	sock = connect_listener(p->listener_path, err);
	if (sock < 0) {
		json_object_put(doc);
		return -1;
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	r = send_with_fd(sock, listener_fd, text, strlen(text)) < 0 ? errno : 0;
	json_object_put(doc);
	if (r)
		return ar_error(err, r, "send the seccomp listener to `%s`", p->listener_path);
	return 0;
}
