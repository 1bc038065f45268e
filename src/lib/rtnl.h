/* argon — rtnetlink over libmnl: the links, addresses and routes that the
 * network drivers (nat, internal, transparent, l2bridge) make, in any
 * network namespace.
 *
 * A socket belongs for its whole life to the network namespace it was
 * created in, so rtnl_open(netns_fd) enters that namespace only long
 * enough to create the socket (the engine is single-threaded) and then
 * returns to its own. Links named here are looked up in the socket's
 * namespace; a link can be created directly in another namespace by
 * passing that namespace's fd (IFLA_NET_NS_FD), so a container's "eth0"
 * never exists under that name in the host's namespace.
 *
 * Errors follow error.h: the netlink error's errno (EEXIST, ENODEV,
 * EOPNOTSUPP for a link kind the kernel lacks, ...) and a message naming
 * the link. */
#ifndef ARGON_RTNL_H
#define ARGON_RTNL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct mnl_socket;

struct rtnl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
};

/* A NETLINK_ROUTE socket in the namespace of `netns_fd` (an nsfs fd, e.g.
 * of /proc/PID/ns/net); -1: the caller's own. Should the thread fail to
 * return to its own namespace afterwards (it never should), the error says
 * so ("... stranded there") and the caller must stop all work: whatever it
 * did next would happen in the other namespace. */
int rtnl_open(struct rtnl *nl, int netns_fd, struct ar_err *err);
/* Idempotent; safe on a zeroed struct rtnl or one whose rtnl_open failed. */
void rtnl_close(struct rtnl *nl);
void rtnl_closep(struct rtnl *nl);
#define _cleanup_rtnl_ __attribute__((cleanup(rtnl_closep)))

/* ifindex of `name`, 0 when there is no such link (or no link can have
 * that name), -1 with errno when the kernel could not be asked. */
int rtnl_link_index(struct rtnl *nl, const char *name);

/* A bridge (IFLA_INFO_KIND "bridge"), down. EEXIST when the name is taken. */
int rtnl_bridge_add(struct rtnl *nl, const char *name, struct ar_err *err);

/* A veth pair: `name` in the socket's namespace, `peer` created directly in
 * the namespace of `peer_netns_fd` (-1: the socket's). Both down. */
int rtnl_veth_add(struct rtnl *nl, const char *name, const char *peer, int peer_netns_fd,
		  struct ar_err *err);

/* A macvlan in bridge mode (transparent) or an ipvlan in L2 mode
 * (l2bridge) over `parent` (a link of the socket's namespace), created
 * directly in the namespace of `netns_fd` as `name`, down. EOPNOTSUPP
 * (with a message saying which kernel module is missing) when the kernel
 * has no such link kind. */
enum rtnl_sublink { RTNL_MACVLAN_BRIDGE, RTNL_IPVLAN_L2 };
int rtnl_sublink_add(struct rtnl *nl, enum rtnl_sublink kind, const char *parent,
		     const char *name, int netns_fd, struct ar_err *err);

int rtnl_link_set_master(struct rtnl *nl, const char *name, const char *master,
			 struct ar_err *err);
int rtnl_link_up(struct rtnl *nl, const char *name, struct ar_err *err);
/* ENODEV when there is no such link. */
int rtnl_link_del(struct rtnl *nl, const char *name, struct ar_err *err);
/* The link's hardware address. */
int rtnl_link_mac(struct rtnl *nl, const char *name, uint8_t mac[6], struct ar_err *err);

/* Adds address/prefix to the link (with its broadcast). EEXIST when it has it. */
int rtnl_addr_add(struct rtnl *nl, const char *name, struct in_addr addr, unsigned prefix,
		  struct ar_err *err);

/* The default route of the main table via `gateway` on link `name`. */
int rtnl_route_default(struct rtnl *nl, const char *name, struct in_addr gateway,
		       struct ar_err *err);

/* An IPv4 destination prefix. */
struct rtnl_prefix {
	struct in_addr addr;	/* network byte order, host bits zero */
	unsigned len;		/* 0..32 */
};

/* The destinations of every IPv4 route in the socket's namespace, every
 * table except `local` (so the subnets of its addresses and whatever is
 * routed elsewhere), default routes (len 0) left out. *out is malloc'd. */
int rtnl_routes_v4(struct rtnl *nl, struct rtnl_prefix **out, size_t *n, struct ar_err *err);

#endif
