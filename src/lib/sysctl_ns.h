/* argon — which namespace a linux.sysctl key belongs to, and the check that
 * the container does not set it in the host's. */
#ifndef ARGON_SYSCTL_NS_H
#define ARGON_SYSCTL_NS_H

#include "error.h"
#include "spec.h"

/* NS_IPC (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*), NS_NET (net.*),
 * NS_UTS (kernel.hostname, kernel.domainname), or NS__COUNT for a key that
 * no namespace holds (it would change the whole host). */
enum spec_ns_type sysctl_namespace(const char *key);

/* Refuses a sysctl whose namespace is joined by a path that is the
 * runtime's own namespace (same st_dev and st_ino as /proc/self/ns/...):
 * writing it would change the host. join_fd[t] is the opened path or -1. */
int sysctl_check_host_ns(const struct spec *s, const int join_fd[NS__COUNT],
			 struct ar_err *err);

#endif
