/* argon — the links of the network drivers (docs/networking.md):
 *   nat, internal   a bridge per network (its gateway address on it), one
 *                   veth pair per container: "ar<cid>-<nid>" on the bridge,
 *                   ethN in the container; nft rules per network
 *   transparent     a macvlan (bridge mode) over the parent, in the container
 *   l2bridge        an ipvlan (L2 mode) over the parent: the parent's MAC
 * The container's side is made directly in its namespace, so it never
 * exists in ours under its ethN name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine_net_priv.h"
#include "nftrules.h"
#include "util.h"

/* A sysctl of our network namespace, set only when it differs. */
static int sysctl_set(const char *path, const char *value, struct ar_err *err)
{
	char now[16] = "";
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return ar_error(err, errno, "open `%s`", path);
	n = read(fd, now, sizeof now - 1);
	if (n > 0 && strncmp(now, value, strlen(value)) == 0)
		return 0;
	if (pwrite(fd, value, strlen(value), 0) < 0)
		return ar_error(err, errno, "write `%s` to `%s`", value, path);
	return 0;
}

static int bridge_configure(struct rtnl *h, const struct net_info *n, struct ar_err *err)
{
	_cleanup_free_ char *localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet",
						  n->bridge);

	if (rtnl_addr_add(h, n->bridge, n->gateway, n->prefix, err) < 0) {
		if (err->errnum != EEXIST)
			return -1;
		ar_err_clear(err);
	}
	/* A port published on 127.0.0.1 is DNAT'ed to the container: the
	 * packet leaves by the bridge with a loopback source, which routing
	 * drops unless the bridge allows it (masqueraded then: nftrules.h). */
	if (sysctl_set(localnet, "1", err) < 0)
		return -1;
	return rtnl_link_up(h, n->bridge, err);
}

static bool nft_has_network(const char *id);

int net_bridge_ensure(const struct net_info *n, struct ar_err *err)
{
	struct nft_net rules = { .id = n->id, .bridge = n->bridge, .subnet = n->subnet,
				 .prefix = n->prefix, .outbound = n->driver == NET_NAT };
	struct rtnl h;
	bool made = false;
	int r = -1;

	if (rtnl_open(&h, -1, err) < 0)
		return -1;
	if (rtnl_link_index(&h, n->bridge) == 0) {
		if (rtnl_bridge_add(&h, n->bridge, err) == 0)
			made = true;
		else if (err->errnum == EEXIST)	/* another start made it meanwhile */
			ar_err_clear(err);
		else
			goto out;
	}
	if (bridge_configure(&h, n, err) < 0)
		goto out;
	/* The rules come with the bridge (after a reboot both are gone), and
	 * come back if someone flushed the ruleset since. */
	if ((made || !nft_has_network(n->id)) && nft_network_add(&rules, err) < 0)
		goto out;
	/* docker does the same: without forwarding nothing leaves a nat
	 * network. It is this namespace's setting (the host's, normally). */
	if (n->driver == NET_NAT && sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err) < 0)
		goto out;
	r = 0;
out:
	if (r < 0 && made) {
		struct ar_err ignored = { 0 };
		rtnl_link_del(&h, n->bridge, &ignored);
		ar_err_clear(&ignored);
	}
	rtnl_close(&h);
	return r < 0 ? ar_err_prefix(err, "bridge `%s` of network `%s`", n->bridge, n->name) : 0;
}

/* Whether the table holds the network's rules (unsure: say yes). */
static bool nft_has_network(const char *id)
{
	char **ctrs = NULL, **nets = NULL;
	struct ar_err err = { 0 };
	bool has = true;

	if (nft_list_tags(&ctrs, &nets, &err) == 0) {
		has = false;
		for (size_t i = 0; nets && nets[i] && !has; i++)
			has = strcmp(nets[i], id) == 0;
	}
	strv_free(ctrs);
	strv_free(nets);
	ar_err_clear(&err);
	return has;
}

void net_bridge_remove(const struct net_info *n)
{
	struct ar_err ignored = { 0 };
	struct rtnl h;

	nft_network_del(n->id, &ignored);
	if (n->bridge && rtnl_open(&h, -1, &ignored) == 0) {
		rtnl_link_del(&h, n->bridge, &ignored);
		rtnl_close(&h);
	}
	nft_table_del_if_unused(&ignored);
	ar_err_clear(&ignored);
}

/* The host's half of a bridge endpoint: a veth on the bridge. */
static int veth_wire(struct rtnl *h, const struct net_info *n, const struct net_endpoint *ep,
		     int nsfd, struct ar_err *err)
{
	char name[16];
	struct ar_err ignored = { 0 };

	net_veth_name(ep->container_id, n->id, name);
	if (rtnl_link_index(h, name) > 0)	/* a crashed start's */
		rtnl_link_del(h, name, &ignored);
	ar_err_clear(&ignored);
	if (rtnl_veth_add(h, name, ep->ifname, nsfd, err) < 0 ||
	    rtnl_link_set_master(h, name, n->bridge, err) < 0 || rtnl_link_up(h, name, err) < 0)
		return -1;
	return 0;
}

int net_endpoint_wire(const struct net_info *n, const struct net_endpoint *ep, int nsfd,
		      struct rtnl *ctr, bool default_route, struct ar_err *err)
{
	struct rtnl h;
	int r;

	if ((n->driver == NET_NAT || n->driver == NET_INTERNAL) && net_bridge_ensure(n, err) < 0)
		return -1;
	if (rtnl_open(&h, -1, err) < 0)
		return -1;
	switch (n->driver) {
	case NET_NAT:
	case NET_INTERNAL:
		r = veth_wire(&h, n, ep, nsfd, err);
		break;
	case NET_TRANSPARENT:
		r = rtnl_sublink_add(&h, RTNL_MACVLAN_BRIDGE, n->parent, ep->ifname, nsfd, err);
		break;
	default:
		r = rtnl_sublink_add(&h, RTNL_IPVLAN_L2, n->parent, ep->ifname, nsfd, err);
		break;
	}
	rtnl_close(&h);
	if (r < 0 || rtnl_addr_add(ctr, ep->ifname, ep->ip, n->prefix, err) < 0 ||
	    rtnl_link_up(ctr, ep->ifname, err) < 0)
		return -1;
	if (default_route && rtnl_route_default(ctr, ep->ifname, n->gateway, err) < 0)
		return -1;
	return 0;
}

void net_endpoint_unwire(const struct net_info *n, const struct net_endpoint *ep)
{
	struct ar_err ignored = { 0 };
	struct rtnl h;
	char name[16];

	/* macvlan and ipvlan links live only in the container's namespace:
	 * they went with it. */
	if (n->driver != NET_NAT && n->driver != NET_INTERNAL)
		return;
	net_veth_name(ep->container_id, n->id, name);
	if (rtnl_open(&h, -1, &ignored) == 0) {
		if (rtnl_link_index(&h, name) > 0)
			rtnl_link_del(&h, name, &ignored);
		rtnl_close(&h);
	}
	ar_err_clear(&ignored);
}
