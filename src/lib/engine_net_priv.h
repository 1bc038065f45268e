/* argon — internals shared by engine_net.c (a container's side),
 * engine_net_files.c (/etc/hosts, resolv.conf, hostname) and
 * engine_network.c (`argon network`). */
#ifndef ARGON_ENGINE_NET_PRIV_H
#define ARGON_ENGINE_NET_PRIV_H

#include <json-c/json.h>

#include "engine_net.h"
#include "rtnl.h"

/* The host side of a container's veth on a bridge network:
 * "ar" + 8 hex of the container + "-" + 4 hex of the network (15 chars,
 * IFNAMSIZ - 1), so that teardown finds it from the two ids alone. */
void net_veth_name(const char *container_id, const char *network_id, char out[16]);

/* The network mode recorded in a container's engine options ("none",
 * "host", "container:<id>", or a network's name); NULL when none is. */
const char *net_mode_of(json_object *opts);
/* Whether a mode names a network (not none, host or container:). */
bool net_mode_is_network(const char *mode);

/* The container's engine options written back to its row. */
int net_save_options(struct engine *e, const char *id, json_object *opts, struct ar_err *err);
/* A string member of a JSON object, NULL when absent. */
const char *net_opt_str(json_object *opts, const char *key);
json_object *net_strv_json(char *const *v);
/* "80/tcp" */
char *net_port_key(uint16_t port, int proto);
/* Appends {"HostIp": ip, "HostPort": port} to ports[key] (docker's
 * PortBindings and NetworkSettings.Ports shape). */
void net_port_binding_add(json_object *ports, const char *key, const char *ip, const char *port);

/* The routes of our network namespace, for picking and checking subnets. */
int net_host_routes(struct rtnl_prefix **out, size_t *n, struct ar_err *err);

/* Makes the network's bridge (address, up, route_localnet, nft rules,
 * ip_forward for nat) unless it exists; restores the nft rules if someone
 * flushed them. state_dir: the engine's, for the note of which rules were
 * seen at which generation of the ruleset (nftgen.h). */
int net_bridge_ensure(const struct net_info *n, const char *state_dir, struct ar_err *err);
/* Removes the bridge and the network's nft rules; a missing piece is fine. */
void net_bridge_remove(const struct net_info *n);

/* Wires one endpoint into the namespace of `nsfd` (the container's),
 * `ctr` a socket there; `default_route`: this endpoint carries it. */
int net_endpoint_wire(const struct net_info *n, const struct net_endpoint *ep, int nsfd,
		      struct rtnl *ctr, bool default_route, const char *state_dir,
		      struct ar_err *err);
/* Removes the host side of an endpoint, if it is still there. */
void net_endpoint_unwire(const struct net_info *n, const struct net_endpoint *ep);
/* Whether an endpoint on n has a link in our namespace (a veth's end:
 * nat, internal); false for a zeroed n (no network found). */
bool net_has_host_end(const struct net_info *n);

/* engine_net_files.c: writes the container's hosts, resolv.conf and
 * hostname into its dir, in place (a running container's bind mounts
 * hold the inodes). No nameserver the container can reach: a warning. */
int net_files_write(struct engine *e, const char *container_id, char ***warnings,
		    struct ar_err *err);
/* Only the hosts file (after a neighbour joined or left a network). */
int net_hosts_write(struct engine *e, const char *container_id, struct ar_err *err);
/* Rewrites the hosts file of every other container on the user-defined
 * networks in `network_ids` (after one joined or left). */
void net_hosts_refresh(struct engine *e, char *const *network_ids, const char *except);

#endif
