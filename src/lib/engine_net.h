/* argon — the engine's networks: `argon network ...` and what a container's
 * network mode asks of the host (the seeds' host network service).
 *
 * A container's network mode (engine options "NetworkMode"):
 *   "none"            a network namespace with only lo
 *   "host"            the host's namespace
 *   "container:<id>"  the namespace of another, running container
 *   a network's name  (default NETDB_DEFAULT_NAME, or ARGON_DEFAULT_NETWORK
 *                     from the environment) a namespace of its own with one
 *                     interface per network it is attached to (eth0, ...)
 * The namespace is made by the runtime (config.json asks for a new one);
 * the monitor's first step wires it between `create` and `start`
 * (engine_net_setup), and its last step undoes what the container's
 * death does not undo by itself (engine_net_teardown). */
#ifndef ARGON_ENGINE_NET_H
#define ARGON_ENGINE_NET_H

#include <json-c/json.h>
#include <stdbool.h>

#include "engine.h"
#include "netdb.h"

/* The environment variable that changes the default network mode (e.g.
 * "none"), as dockerd's --bridge=none does. */
#define ENGINE_NET_DEFAULT_ENV "ARGON_DEFAULT_NETWORK"

/* ------------------------------------------------------------ argon network */

/* Creates a network (netdb_create against this namespace's routes). */
int engine_network_create(struct engine *e, const struct net_create_opts *o,
			  struct net_info *out, struct ar_err *err);
/* Refused (EBUSY, naming the containers) while a container is attached;
 * the default network cannot be removed (EPERM). Removes its bridge and
 * its nft rules. */
int engine_network_remove(struct engine *e, const char *ref, struct ar_err *err);
/* Every network, the default one made first when missing. */
int engine_network_list(struct engine *e, netdb_fn fn, void *data, struct ar_err *err);
/* docker's network inspect object: Name, Id, Created (RFC 3339), Scope
 * "local", Driver, EnableIPv6 false, IPAM {Driver "default", Options {},
 * Config [{Subnet, Gateway, IPRange?}]}, Internal, Attachable false,
 * Ingress false, ConfigFrom {Network ""}, ConfigOnly false, Containers
 * {id: {Name, EndpointID, MacAddress, IPv4Address "a.b.c.d/N",
 * IPv6Address ""}}, Options, Labels. */
int engine_network_inspect(struct engine *e, const char *ref, json_object **out,
			   struct ar_err *err);
/* Removes every network but the default one that no container uses;
 * their names in *removed (strv_free). */
int engine_network_prune(struct engine *e, char ***removed, struct ar_err *err);

/* Attaches a container to a network: reserved at once, wired at once when
 * it runs (a new interface), else at its next start. `ip` may be NULL. */
int engine_network_connect(struct engine *e, const char *net_ref, const char *ctr_ref,
			   const char *ip, char *const *aliases, struct ar_err *err);
/* Detaches it (its interface removed when it runs) and releases the address. */
int engine_network_disconnect(struct engine *e, const char *net_ref, const char *ctr_ref,
			      bool force, struct ar_err *err);

/* ------------------------------------------------------------ a container's side */

/* create, before anything exists: the mode resolved (the default network,
 * container:X found running), what it conflicts with refused, and the
 * bundle options set (no namespace for host, X's for container:X, the
 * /etc files' dir). Warnings (docker's "WARNING: ...") in p->warnings. */
struct engine_net_plan {
	char *mode;		/* "none", "host", "container:<id>", a network's name */
	char *netns_path;	/* container:X: /proc/<X's init>/ns/net */
	char *files_dir;	/* container:X: X's dir (its /etc files) */
	char *hostname;		/* container:X: X's hostname */
	char **warnings;
};
int engine_net_plan(struct engine *e, struct engine_opts *o, struct engine_net_plan *p,
		    struct ar_err *err);
void engine_net_plan_free(struct engine_net_plan *p);

/* The network flags checked and recorded in the engine options under
 * docker's names (PortBindings, ExposedPorts, PublishAllPorts, Dns,
 * DnsSearch, DnsOptions, ExtraHosts) and argon's (NetworkIP,
 * NetworkAliases). Errors name the flag and the value. */
int engine_net_options(const struct engine_opts *o, json_object *into, struct ar_err *err);

/* create, once the container's row exists: reserves its address on its
 * network, adds the image's ExposedPorts, and writes /etc/hosts,
 * /etc/resolv.conf and /etc/hostname into its dir (bind-mounted by the
 * bundle). Warnings (no usable nameserver) are appended to *warnings. */
int engine_net_reserve(struct engine *e, const char *container_id, char ***warnings,
		       struct ar_err *err);

/* Monitor, step 1, before the runtime creates the container: a
 * container:X mode joins X's namespace as it is now (its init's). */
int engine_net_prepare(struct engine *e, const char *container_id, struct ar_err *err);

/* Monitor, step 1: the runtime has created the container (init `pid`
 * waits for start). Wires its namespace: links, addresses, routes, nft
 * rules of its networks and its published ports, and binds the host ports
 * it publishes (sockets that keep anyone else from taking them while it
 * runs: their fds are returned in *port_fds, *n_port_fds, for the monitor
 * to keep open until the container is gone). All or nothing. */
int engine_net_setup(struct engine *e, const char *container_id, pid_t pid, int **port_fds,
		     size_t *n_port_fds, struct ar_err *err);

/* After the container's death (monitor step 3, rm, reconcile): its nft
 * rules, and host-side links that outlived its namespace. Never fails
 * for a missing piece. */
void engine_net_teardown(struct engine *e, const char *container_id);

/* The ids of the networks a container is on (strv_free); before it is
 * removed, so that engine_net_neighbours_changed can tell the others. */
char **engine_net_networks_of(struct engine *e, const char *container_id);
/* Rewrites the /etc/hosts of the containers on those networks. */
void engine_net_neighbours_changed(struct engine *e, char *const *network_ids);

/* docker's NetworkSettings of a container for `inspect`: SandboxKey,
 * Ports (while it runs), Networks {name: {NetworkID, EndpointID, Gateway,
 * IPAddress, IPPrefixLen, MacAddress, Aliases}}, and the first network's
 * IPAddress, Gateway, IPPrefixLen at the top. */
json_object *engine_net_settings(struct engine *e, const struct engine_info *i);

/* Whether a config.json mount is one of the engine's /etc/hosts,
 * /etc/resolv.conf, /etc/hostname: from a container's dir under
 * `containers_dir` (docker's inspect leaves them out). */
bool engine_net_file_mount(const char *containers_dir, const char *destination,
			   const char *source);

/* Reconcile: the nft rules of this store's containers that exited without
 * their monitor's teardown; called by the crash recovery (engine_state.c).
 * Rules of ids this store does not know are left: the table is shared by
 * every store in the network namespace. */
void engine_net_reconcile(struct engine *e);

#endif
