/* argon — linux.sysctl against the namespaces a container really has.
 *
 * Parsing already refuses a namespaced key whose namespace is not in
 * linux.namespaces; a namespace given by path may still be the host's own
 * (`/proc/1/ns/net`), and only create, holding the opened paths, can tell.
 */
#define _GNU_SOURCE
#include "sysctl_ns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum spec_ns_type sysctl_namespace(const char *key)
{
	static const char *const ipc_prefixes[] = {
		"kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue.",
	};

	for (size_t i = 0; i < sizeof ipc_prefixes / sizeof ipc_prefixes[0]; i++)
		if (strncmp(key, ipc_prefixes[i], strlen(ipc_prefixes[i])) == 0)
			return NS_IPC;
	if (strncmp(key, "net.", 4) == 0)
		return NS_NET;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return NS_UTS;
	return NS__COUNT;
}

/* Whether fd is the namespace of type t this process is in. */
static int is_own_ns(int fd, enum spec_ns_type t, bool *own, struct ar_err *err)
{
	static const char *const proc_name[NS__COUNT] = {
		[NS_NET] = "net", [NS_IPC] = "ipc", [NS_UTS] = "uts",
	};
	char path[32];
	struct stat a, b;

	snprintf(path, sizeof path, "/proc/self/ns/%s", proc_name[t]);
	if (fstat(fd, &a) < 0)
		return ar_error(err, errno, "stat %s namespace", spec_ns_name(t));
	if (stat(path, &b) < 0)
		return ar_error(err, errno, "stat `%s`", path);
	*own = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

int sysctl_check_host_ns(const struct spec *s, const int join_fd[NS__COUNT],
			 struct ar_err *err)
{
	const struct spec_linux *l = &s->linux;

	for (size_t i = 0; i < l->n_sysctl; i++) {
		enum spec_ns_type t = sysctl_namespace(l->sysctl[i].key);
		bool own = false;

		if (t == NS__COUNT || join_fd[t] < 0)
			continue;	/* a new namespace, or refused at parse time */
		if (is_own_ns(join_fd[t], t, &own, err) < 0)
			return -1;
		if (own)
			return ar_fail(err, EINVAL, "config.json: linux.sysctl: `%s` would change "
				       "the host: linux.namespaces %s path `%s` is the runtime's own "
				       "%s namespace", l->sysctl[i].key, spec_ns_name(t),
				       l->ns[t].path, spec_ns_name(t));
	}
	return 0;
}
