/* argon — argon's own nftables table (`table ip argon`), through
 * libnftables. argon never flushes, lists for editing or touches any other
 * table: everything it adds lives here, and every rule carries a comment
 * naming what it belongs to, so that a reconcile can find and delete the
 * rules of a container or network that no longer exists:
 *
 *   "argon:net:<network id>"     a network's forwarding and masquerade
 *   "argon:ctr:<container id>"   a container's published ports
 *   "argon:jump"                 the jump rules (renewed by every change:
 *                                see nftrules.c on concurrency)
 *
 * Base chains (created on first use, in one transaction with the rules):
 *   prerouting  nat, dstnat     fib daddr type local, not 127.0.0.0/8
 *                               -> jump publish
 *   output      nat, dstnat     fib daddr type local -> jump publish
 *   postrouting nat, srcnat     masquerade (outbound, localhost, hairpin)
 *   forward     filter, filter  isolation between networks, internal
 * and a regular chain `publish` that holds the DNAT rules.
 *
 * Every call is one nft transaction: it happens whole or not at all. */
#ifndef ARGON_NFTRULES_H
#define ARGON_NFTRULES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NFT_TABLE "argon"

/* A bridge network's rules (nat, or internal when !outbound):
 *  - forward: new connections into the bridge from any other interface are
 *    dropped unless DNAT'ed (a published port) or part of a connection the
 *    container started; internal: nothing leaves the bridge for another
 *    interface either;
 *  - postrouting: the subnet masqueraded when it leaves by another
 *    interface (outbound only); 127.0.0.0/8 sources masqueraded into the
 *    bridge (a port published on a loopback address, which also needs
 *    route_localnet on the bridge: the caller's); DNAT'ed connections from
 *    the subnet back into the bridge masqueraded (hairpin). */
struct nft_net {
	const char *id;		/* the tag: "argon:net:<id>" */
	const char *bridge;	/* interface name */
	struct in_addr subnet;	/* network byte order */
	unsigned prefix;
	bool outbound;		/* false: internal */
};

/* Adds the network's rules, replacing any it had (idempotent). */
int nft_network_add(const struct nft_net *n, struct ar_err *err);
/* Deletes every rule tagged with the network; none: 0. */
int nft_network_del(const char *id, struct ar_err *err);

/* One published port: host_ip:host_port/proto -> ctr_ip:ctr_port. A
 * host_ip of INADDR_ANY matches every local address; a loopback host_ip
 * (127.0.0.0/8) is only reachable from the host itself: its rule matches
 * only in output (locally made packets), never in prerouting. */
struct nft_port {
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct in_addr host_ip;	/* network byte order; INADDR_ANY: all */
	uint16_t host_port;	/* host byte order */
	struct in_addr ctr_ip;
	uint16_t ctr_port;
};

/* Adds a container's DNAT rules (tag "argon:ctr:<id>"), replacing any it had. */
int nft_ports_add(const char *container_id, const struct nft_port *p, size_t n,
		  struct ar_err *err);
/* Deletes every rule tagged with the container; none: 0. */
int nft_container_del(const char *container_id, struct ar_err *err);

/* The ids found in the table's rule tags: containers and networks
 * (NULL-terminated, each may be empty; strv_free). No table: both empty. */
int nft_list_tags(char ***containers, char ***networks, struct ar_err *err);

/* Deletes table ip argon when it holds no tagged rule any more; 0 when
 * there is no table. */
int nft_table_del_if_unused(struct ar_err *err);

#endif
