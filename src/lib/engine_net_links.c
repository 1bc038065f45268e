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
#include <sys/stat.h>
#include <unistd.h>

#include "engine_net_priv.h"
#include "nftgen.h"
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

/* ---- which rules were seen at which generation ----
 *
 * <state_dir>/nft.verified: "NSINO GEN\n" (the network namespace and the
 * ruleset generation), then one network ID a line: rules seen (or made) at
 * that generation. A start compares the generation with the kernel's, one
 * netlink round trip, instead of listing the table (~2 ms through
 * libnftables) to learn whether someone flushed the rules. */
#define NFT_VERIFIED "nft.verified"

struct rules_mark {
	uint64_t ns;
	uint32_t gen;
};

static bool rules_mark_now(struct rules_mark *m)
{
	struct ar_err ignored = { 0 };
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0 || nft_generation(&m->gen, &ignored) < 0) {
		ar_err_clear(&ignored);
		return false;
	}
	m->ns = (uint64_t)st.st_ino;
	return true;
}

/* The note's IDs when it is about `m`, else NULL. */
static char *rules_seen_at(const char *state_dir, const struct rules_mark *m)
{
	_cleanup_free_ char *path = xasprintf("%s/" NFT_VERIFIED, state_dir);
	struct ar_err ignored = { 0 };
	unsigned long long ns;
	unsigned gen;
	char *text = NULL;
	int at = 0;

	if (read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return NULL;
	}
	if (sscanf(text, "%llu %u\n%n", &ns, &gen, &at) != 2 || at == 0 || ns != m->ns ||
	    gen != m->gen) {
		free(text);
		return NULL;
	}
	memmove(text, text + at, strlen(text + at) + 1);
	return text;
}

static bool id_listed(const char *ids, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = ids; p && (p = strstr(p, id)) != NULL; p += n)
		if ((p == ids || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void rules_remember(const char *state_dir, const char *id, const struct rules_mark *m)
{
	_cleanup_free_ char *path = xasprintf("%s/" NFT_VERIFIED, state_dir);
	_cleanup_free_ char *ids = rules_seen_at(state_dir, m), *text = NULL;
	struct ar_err ignored = { 0 };

	if (ids && id_listed(ids, id))
		return;
	text = xasprintf("%llu %u\n%s%s\n", (unsigned long long)m->ns, m->gen, ids ? ids : "", id);
	/* A temp file of our own (two starts may write at once), renamed
	 * over: a reader sees one writer's note whole, never a mix. */
	_cleanup_free_ char *tmp = xasprintf("%s.%d", path, (int)getpid());
	if (write_file_at(AT_FDCWD, tmp, text, strlen(text), O_CREAT | O_TRUNC | O_NOFOLLOW, 0600,
			  &ignored) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		ar_err_clear(&ignored);
	}
}

/* The network's rules are there (restored if not); noted for next time. */
static int rules_ensure(const struct net_info *n, const char *state_dir, bool made,
			struct ar_err *err)
{
	struct nft_net rules = { .id = n->id, .bridge = n->bridge, .subnet = n->subnet,
				 .prefix = n->prefix, .outbound = n->driver == NET_NAT };
	struct rules_mark before, after;
	bool known = rules_mark_now(&before), added = false;
	_cleanup_free_ char *ids = known && !made ? rules_seen_at(state_dir, &before) : NULL;

	if (ids && id_listed(ids, n->id))
		return 0;	/* nothing changed since they were seen */
	if (made || !nft_has_network(n->id)) {
		if (nft_network_add(&rules, err) < 0)
			return -1;
		added = true;
	}
	/* Noted only when nobody else changed the ruleset meanwhile: the
	 * generation moved by our one transaction, or not at all. */
	if (known && rules_mark_now(&after) && after.ns == before.ns &&
	    after.gen == before.gen + (added ? 1u : 0u))
		rules_remember(state_dir, n->id, &after);
	return 0;
}

int net_bridge_ensure(const struct net_info *n, const char *state_dir, struct ar_err *err)
{
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
	if (rules_ensure(n, state_dir, made, err) < 0)
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
		      struct rtnl *ctr, bool default_route, const char *state_dir,
		      struct ar_err *err)
{
	struct rtnl h;
	int r;

	if ((n->driver == NET_NAT || n->driver == NET_INTERNAL) &&
	    net_bridge_ensure(n, state_dir, err) < 0)
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

bool net_has_host_end(const struct net_info *n)
{
	/* macvlan and ipvlan links live only in the container's namespace. */
	return n->id && (n->driver == NET_NAT || n->driver == NET_INTERNAL);
}

void net_endpoint_unwire(const struct net_info *n, const struct net_endpoint *ep)
{
	struct ar_err ignored = { 0 };
	struct rtnl h;
	char name[16];

	if (!net_has_host_end(n))
		return;
	net_veth_name(ep->container_id, n->id, name);
	if (rtnl_open(&h, -1, &ignored) == 0) {
		if (rtnl_link_index(&h, name) > 0)
			rtnl_link_del(&h, name, &ignored);
		rtnl_close(&h);
	}
	ar_err_clear(&ignored);
}
