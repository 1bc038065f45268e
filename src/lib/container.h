/* argon — the compute-system lifecycle (HcsCreateComputeSystem / Start /
 * Terminate of the seeds) over an OCI bundle: create, start, run, kill,
 * delete, exec, state. The CLI (argon-runtime) is a thin layer over this.
 */
#ifndef ARGON_CONTAINER_H
#define ARGON_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"
#include "state.h"

/* The context every operation takes: no global option state. */
struct ar_runtime {
	const char *root;	/* state root (--root); NULL: runtime_default_root's */
	int rootfd;		/* opened lazily by ar_runtime_open_root */
	int log_fd;		/* -1 when no --log */
	bool log_json;
	bool debug;
};

int ar_runtime_open_root(struct ar_runtime *rt, struct ar_err *err);

struct ar_create_opts {
	const char *id;
	const char *bundle;		/* NULL = current directory */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	int preserve_fds;		/* fds 3 .. 3+N-1 pass into the container */
	/* run in the foreground: the caller relays the pty itself */
	int console_sock_fd;		/* >= 0: already-connected socket to send the master on */
};

/* Creates the container and leaves its init waiting for start. */
int ar_container_create(struct ar_runtime *rt, const struct ar_create_opts *o, pid_t *init_pid,
			struct ar_err *err);
int ar_container_start(struct ar_runtime *rt, const char *id, struct ar_err *err);
/* Signals the init (or, with all, every process of the container). */
int ar_container_kill(struct ar_runtime *rt, const char *id, int sig, bool all,
		      struct ar_err *err);
int ar_container_delete(struct ar_runtime *rt, const char *id, bool force, struct ar_err *err);
/* The OCI state JSON of one container. */
int ar_container_state(struct ar_runtime *rt, const char *id, char **json, struct ar_err *err);
/* Loads the state and status of one container (lock released on return). */
int ar_container_load(struct ar_runtime *rt, const char *id, struct ar_state *st,
		      enum ar_status *status, struct ar_err *err);
/* The container's job object (for update and events) and its status. */
int ar_container_job(struct ar_runtime *rt, const char *id, struct cgroup **cg,
		     enum ar_status *status, struct ar_err *err);
/* Freezes (pause) or thaws (resume) every process of the container. */
int ar_container_pause(struct ar_runtime *rt, const char *id, bool pause, struct ar_err *err);
/* PIDs of the container's processes (host pid namespace). */
int ar_container_pids(struct ar_runtime *rt, const char *id, pid_t **pids, size_t *n,
		      struct ar_err *err);

struct ar_exec_opts {
	const char *id;
	struct spec_process *process;	/* complete process description */
	const char *pid_file;
	const char *console_socket;
	int console_sock_fd;		/* as in create */
	bool detach;
	int preserve_fds;
};

/* Builds the process for `exec` from the container's own config: args, plus
 * env/cwd/user/caps defaults (runc semantics). Caller frees with
 * spec_process_free. */
int ar_exec_default_process(struct ar_runtime *rt, const char *id, struct spec_process *p,
			    struct ar_err *err);
/* What `exec` flags change in that process; NULL fields leave it. */
struct ar_exec_override {
	char *const *args;	/* replaces args when non-empty */
	char *const *env;	/* "K=V", each replacing the same K */
	const char *cwd;	/* absolute */
	const char *user;	/* "UID[:GID]" */
};
int ar_exec_override(struct spec_process *p, const struct ar_exec_override *o,
		     struct ar_err *err);

/* Starts a process inside a running container. Returns its pid; when the
 * caller waits (not detached) it must be a subreaper (see ar_wait_child). */
int ar_container_exec(struct ar_runtime *rt, const struct ar_exec_opts *o, pid_t *pid,
		      struct ar_err *err);

/* Blocks every signal that ar_wait_forward relays (call before creating
 * the child, so none is lost; the children reset their mask). */
void ar_signals_block(void);

/* Forwards signals to `pid` and reaps children until `pid` exits; returns its
 * exit status in shell form (128+sig for a signal). With relay_master >= 0
 * it also relays the terminal between stdin/stdout and the pty master. */
int ar_wait_forward(pid_t pid, int relay_master, int *status, struct ar_err *err);

/* Re-executes the runtime from a sealed memfd copy of itself unless already
 * running from one, so no process in a container can ever write the host's
 * runtime binary through /proc/PID/exe (CVE-2019-5736). Returns only on error
 * or when already sealed. */
int ar_ensure_sealed_binary(char **argv, char **envp, struct ar_err *err);
/* A sealed memfd copy of the running binary (a dup of /proc/self/exe when
 * that is sealed already), O_CLOEXEC, for a child to execveat: the engine
 * starts its monitor, which creates the container, from one. */
int ar_sealed_self(int *fd, struct ar_err *err);

#endif
