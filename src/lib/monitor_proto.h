/* argon — what the monitor's parts agree on (monitor.c, src/monitor/).
 *
 * How `argon _monitor` hands over to argon-monitor: these fds, in order
 * from MON_FIRST_FD, -1 (closed) when there is none:
 *   out     the init's stdout pipe, or the pty master (-t)
 *   err     the init's stderr pipe; none with a pty
 *   in      the init's stdin pipe (-i), or the master again (-t)
 *   listen  the attach socket, listening
 *   log     <dir>/container.log, O_APPEND
 *   dir     the container's dir (O_PATH: rotation, the socket's name)
 * and the arguments ARGON ROOT STATE_DIR ID INIT_PID TTY(0|1)
 * LOG_MAX_SIZE LOG_FILES.
 *
 * The attach protocol between a container's monitor and the CLI
 * (`run -i/-t`, `start -a`): a SOCK_SEQPACKET unix socket at
 * <container dir>/attach.sock, one packet a message, so there is no
 * framing to get wrong. A packet is one type byte and its payload.
 *
 *   monitor -> client   ATTACH_STDOUT, ATTACH_STDERR: the container's output
 *                       ATTACH_END: the output has ended; the client was
 *                         not dropped (a client that stops reading for 5 s
 *                         is, and then reads the rest from container.log)
 *   client -> monitor   ATTACH_STDIN: input for the init (-i)
 *                       ATTACH_STDIN_EOF: the client's stdin ended (the init
 *                         sees EOF, as docker closes stdin)
 *                       ATTACH_RESIZE: struct attach_winsize, for the pty
 *
 * The monitor closes its side once the init has exited and its output is
 * drained: EOF on the socket means "ask for the exit code now". Header only
 * and libc only: the static monitor includes it too. */
#ifndef ARGON_MONITOR_PROTO_H
#define ARGON_MONITOR_PROTO_H

#include <stdint.h>

enum {
	MON_FD_OUT = 3,
	MON_FD_ERR,
	MON_FD_IN,
	MON_FD_LISTEN,
	MON_FD_LOG,
	MON_FD_DIR,
	MON_FD_END,		/* the first fd after them */
};
#define MON_FIRST_FD MON_FD_OUT
#define MON_LOG_NAME "container.log"

#define ATTACH_SOCK_NAME "attach.sock"
#define ATTACH_MAX_PAYLOAD 32768

enum attach_type {
	ATTACH_STDIN = 0,
	ATTACH_STDOUT = 1,
	ATTACH_STDERR = 2,
	ATTACH_STDIN_EOF = 3,
	ATTACH_RESIZE = 4,
	ATTACH_END = 5,
};

struct attach_winsize {
	uint16_t rows, cols;
};

#endif
