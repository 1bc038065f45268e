/* argon — internals shared by create (parent side) and the container init. */
#ifndef ARGON_CREATE_PRIV_H
#define ARGON_CREATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "container.h"
#include "resources.h"
#include "spec.h"

/* The compiled seccomp filters, under the runtime root: hidden, so `list`
 * never takes it for a container. */
#define SECCOMP_CACHE_NAME ".seccomp"

struct create_ctx {
	struct ar_runtime *rt;
	const struct ar_create_opts *o;
	struct spec *spec;
	char *config_text;	/* config.json as read, copied into the state dir */
	size_t config_len;
	char *bundle;		/* absolute */
	char *rootfs;		/* absolute */
	int dirfd;		/* the locked state directory */
	int fifo_fd;		/* exec.fifo, O_RDWR: the init blocks reading it */
	int console_fd;		/* connected console socket, or -1 */
	int sync_parent, sync_child;
	int join_fd[NS__COUNT];	/* namespaces joined by path, or -1 */
	int new_ns_flags;	/* CLONE_NEW* created, CLONE_NEWUSER excluded */
	bool new_userns;
	pid_t stage1, init;
	bool born_in_job;	/* stage 1 was forked into the job's cgroup2 dir */
	int64_t created_ns;
	struct cgroup *cg;	/* the job object; stage 1 joins it first */
	struct resources res;
	bool cg_created;
	struct seccomp_prog *seccomp;	/* compiled here, loaded by the init; NULL for none */
};

/* The init: runs in the new namespaces, never returns. */
__attribute__((noreturn)) void init_main(struct create_ctx *c);
/* Stage 1: joins and creates namespaces, forks the init; never returns. */
__attribute__((noreturn)) void stage1_main(struct create_ctx *c);

/* Resets the signal mask and dispositions inherited from the caller. */
void reset_signals(void);
/* Closes every fd >= 3 except fds 3 .. 3+preserve-1 and those in keep[]
 * (negative entries ignored): nothing the caller leaked to us may sit in a
 * container process, not even until exec. */
int close_foreign_fds(int preserve, const int *keep, size_t n_keep, struct ar_err *err);
/* Opens a pty in the container's devpts, sizes it, sends the master over
 * *console_fd (then closed) and returns the slave's path. */
int send_new_pty(const struct spec_process *p, int *console_fd, char **slave,
		 struct ar_err *err);
/* Marks fds >= 3 close-on-exec except the first `preserve` of them. */
int sweep_fds(int preserve, struct ar_err *err);
/* A process_listener_fn: sends the seccomp listener to the parent over the
 * sync socket *(int *)sync_fd, closes it, and waits for the parent's ACK
 * (the listener reached listenerPath). */
int hand_off_listener(int listener, void *sync_fd, struct ar_err *err);

#endif
