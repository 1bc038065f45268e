/* argon — the CLI's side of attaching to a container's monitor
 * (monitor_proto.h): `run -i/-t` and `start -a`. */
#ifndef ARGON_CLI_ATTACH_H
#define ARGON_CLI_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct attach_opts {
	bool tty;		/* the container has a pty: our terminal goes raw */
	bool send_stdin;	/* -i: our stdin is the container's */
};

/* Connects to the monitor of the container in `dir`; do it before start,
 * so no output is missed. */
int cli_attach_connect(const char *dir, int *sock, struct ar_err *err);

/* The signals an attached client forwards to the container (docker's
 * --sig-proxy: INT, TERM, HUP, QUIT, USR1, USR2), blocked and read from the
 * returned signalfd; with winch also SIGWINCH, for a terminal's size. */
int cli_signalfd(bool winch);

struct attach_result {
	bool detached;		/* ctrl-p ctrl-q */
	bool ended;		/* the monitor said the output ended (ATTACH_END);
				 * false: it dropped us, or died */
	uint64_t relayed[2];	/* bytes of stdout, stderr written */
};

/* Relays until the monitor closes (the container has exited, or the
 * monitor dropped us: a client that stops reading for 5 s) or the user
 * detaches with ctrl-p ctrl-q (tty only). Our terminal is raw meanwhile
 * and its size follows SIGWINCH; signals sent to us go to the container
 * (docker's --sig-proxy). */
int cli_attach_relay(struct engine *e, const char *id, int sock, const struct attach_opts *o,
		     struct attach_result *res, struct ar_err *err);

#endif
