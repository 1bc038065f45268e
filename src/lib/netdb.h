/* argon — networks and IP reservations in the store's database (the seeds'
 * HNS networks and endpoints), and the address management (IPAM).
 *
 * Tables (db.c, schema version 3):
 *   networks(id, name UNIQUE, driver, subnet, prefix, gateway, range_start,
 *            range_end, parent, bridge UNIQUE, internal, options, labels,
 *            created)
 *   endpoints(container_id -> containers ON DELETE CASCADE,
 *             network_id -> networks, ip, ifname, aliases,
 *             PRIMARY KEY(container_id, network_id), UNIQUE(network_id, ip))
 * Addresses are stored as integers in host byte order. An address is
 * reserved by inserting its endpoint row inside a write transaction
 * (BEGIN IMMEDIATE), so two commands can never get the same one; removing
 * the container's row releases its addresses (cascade), so a failed
 * create or an `rm` leaves none behind. A reservation lasts as long as the
 * container: a restarted container keeps its address.
 */
#ifndef ARGON_NETDB_H
#define ARGON_NETDB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rtnl.h"
#include "store.h"

/* The network every container joins unless told otherwise (docker's
 * "bridge"), made on first use. */
#define NETDB_DEFAULT_NAME "nat"
#define NETDB_DEFAULT_BRIDGE "argon0"

enum net_driver { NET_NAT, NET_INTERNAL, NET_TRANSPARENT, NET_L2BRIDGE };

struct net_info {
	char *id;		/* 64 hex */
	char *name;
	enum net_driver driver;	/* --internal on nat is NET_INTERNAL */
	struct in_addr subnet;	/* network byte order, host bits zero */
	unsigned prefix;
	struct in_addr gateway;	/* nat/internal: the bridge's own address */
	struct in_addr range_start, range_end;	/* addresses handed out (inclusive) */
	char *parent;		/* transparent/l2bridge: the host interface; else NULL */
	char *bridge;		/* nat/internal: the bridge's name; else NULL */
	char *options;		/* JSON object text of -o K=V ({}) */
	char *labels;		/* JSON object text ({}) */
	int64_t created;	/* unix seconds */
};
void net_info_free(struct net_info *n);

const char *net_driver_name(enum net_driver d);	/* "nat", "internal", ... */
/* "nat" (also "bridge", docker's name for it), "internal", "transparent"
 * (also "macvlan"), "l2bridge" (also "ipvlan"); -1 otherwise. */
int net_driver_parse(const char *s);

/* What `argon network create` asks for. Strings as the user wrote them;
 * NULL: chosen. */
struct net_create_opts {
	const char *name;
	enum net_driver driver;
	const char *subnet;	/* CIDR; NULL: a free private subnet (nat,
				 * internal); required for transparent and
				 * l2bridge (the LAN's) */
	const char *gateway;	/* NULL: the subnet's first address */
	const char *ip_range;	/* CIDR inside the subnet; NULL: the subnet */
	const char *parent;	/* -o parent=IFACE: transparent, l2bridge */
	char *const *options;	/* -o K=V, NULL-terminated or NULL */
	char *const *labels;	/* K=V */
};

/* Checks the options (each error names the flag and the value: a subnet
 * that is not a CIDR or overlaps another argon network or one of
 * `in_use`, a gateway or range outside it, a parent missing for
 * transparent/l2bridge or given for nat, a name taken (EEXIST) or not
 * matching [a-zA-Z0-9][a-zA-Z0-9_.-]*), picks a subnet when none is given
 * (the first of 10.88.0.0/16, 10.89.0.0/16, ... 10.99.0.0/16, then
 * 172.18.0.0/16 ... 172.31.0.0/16 that overlaps neither another argon
 * network nor a route in `in_use`), names the bridge (NETDB_DEFAULT_BRIDGE
 * for the default network, else "argbr-" and 9 hex of the id), and inserts
 * the row. */
int netdb_create(struct store *s, const struct net_create_opts *o,
		 const struct rtnl_prefix *in_use, size_t n_in_use, struct net_info *out,
		 struct ar_err *err);

/* The default network, created (nat, a picked subnet) when missing. */
int netdb_default(struct store *s, const struct rtnl_prefix *in_use, size_t n_in_use,
		  struct net_info *out, struct ar_err *err);

/* By name, full id, or unique id prefix; ENOENT: "no such network: `ref`". */
int netdb_find(struct store *s, const char *ref, struct net_info *out, struct ar_err *err);

typedef int (*netdb_fn)(const struct net_info *n, void *data);
/* Every network, by name. */
int netdb_list(struct store *s, netdb_fn fn, void *data, struct ar_err *err);

/* Removes the row; EBUSY naming the attached containers when any endpoint
 * remains. */
int netdb_remove(struct store *s, const char *id, struct ar_err *err);

/* A container's reservation on one network. */
struct net_endpoint {
	char *container_id, *network_id;
	struct in_addr ip;	/* network byte order */
	char *ifname;		/* inside the container: eth0, eth1, ... */
	char **aliases;		/* extra names on the network (NULL-terminated) */
};
void net_endpoint_free(struct net_endpoint *ep);
void net_endpoints_free(struct net_endpoint *eps, size_t n);

/* Reserves an address on `n` for the container: `want` (network byte
 * order) when not INADDR_ANY (EADDRINUSE naming it when taken, EINVAL
 * when outside the range), else the lowest free one of the range (never
 * the subnet's network or broadcast address nor the gateway). ENOSPC
 * when the range is full; EEXIST when the container is on the network
 * already. The interface name is the next free ethN of the container. */
int netdb_attach(struct store *s, const char *container_id, const struct net_info *n,
		 struct in_addr want, char *const *aliases, struct net_endpoint *out,
		 struct ar_err *err);
/* Releases it; ENOENT when the container is not on the network. */
int netdb_detach(struct store *s, const char *container_id, const char *network_id,
		 struct ar_err *err);

/* A container's endpoints, by interface name. */
int netdb_endpoints_of_container(struct store *s, const char *container_id,
				 struct net_endpoint **out, size_t *n, struct ar_err *err);
/* A network's endpoints, by address. */
int netdb_endpoints_of_network(struct store *s, const char *network_id,
			       struct net_endpoint **out, size_t *n, struct ar_err *err);

/* Parses "A.B.C.D/N" (host bits must be zero) and "A.B.C.D". */
int net_parse_cidr(const char *s, struct in_addr *addr, unsigned *prefix);
int net_parse_ip(const char *s, struct in_addr *addr);
/* Whether two prefixes overlap. */
bool net_overlaps(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen);

#endif
