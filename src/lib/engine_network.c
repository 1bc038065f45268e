/* argon — `argon network create|ls|inspect|rm|prune|connect|disconnect`
 * (engine_net.h): records in netdb, links and rules made by the drivers
 * when a container first needs them, removed with the network. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_net_priv.h"
#include "engine_priv.h"
#include "util.h"

int engine_network_create(struct engine *e, const struct net_create_opts *o,
			  struct net_info *out, struct ar_err *err)
{
	_cleanup_free_ struct rtnl_prefix *routes = NULL;
	size_t n = 0;

	if (net_host_routes(&routes, &n, err) < 0)
		return -1;
	return netdb_create(e->store, o, routes, n, out, err);
}

/* The default network exists from first use: any command that shows
 * networks makes it. */
static int ensure_default(struct engine *e, struct ar_err *err)
{
	_cleanup_free_ struct rtnl_prefix *routes = NULL;
	struct net_info def;
	size_t n = 0;

	if (net_host_routes(&routes, &n, err) < 0 ||
	    netdb_default(e->store, routes, n, &def, err) < 0)
		return -1;
	net_info_free(&def);
	return 0;
}

int engine_network_list(struct engine *e, netdb_fn fn, void *data, struct ar_err *err)
{
	if (ensure_default(e, err) < 0)
		return -1;
	return netdb_list(e->store, fn, data, err);
}

int engine_network_remove(struct engine *e, const char *ref, struct ar_err *err)
{
	struct net_info n;

	if (netdb_find(e->store, ref, &n, err) < 0)
		return -1;
	if (strcmp(n.name, NETDB_DEFAULT_NAME) == 0) {
		net_info_free(&n);
		return ar_fail(err, EPERM, "`%s` is the default network: it cannot be removed", ref);
	}
	if (netdb_remove(e->store, n.id, err) < 0) {
		net_info_free(&n);
		return -1;
	}
	if (n.bridge)
		net_bridge_remove(&n);
	net_info_free(&n);
	return 0;
}

static const char *ip_str(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static json_object *parsed_or_empty(const char *text)
{
	json_object *j = text ? json_tokener_parse(text) : NULL;

	return j ? j : json_object_new_object();
}

/* --ip-range: the smallest prefix holding the range, when it is not the
 * whole subnet's. */
static void range_json(const struct net_info *n, json_object *cfg)
{
	uint32_t lo = ntohl(n->range_start.s_addr), hi = ntohl(n->range_end.s_addr);
	unsigned len = 32;
	char a[INET_ADDRSTRLEN], buf[64];
	struct in_addr base;

	while (len > n->prefix && (lo >> (32 - len)) != (hi >> (32 - len)))
		len--;
	if (len <= n->prefix)
		return;
	base.s_addr = htonl(lo & ~((1u << (32 - len)) - 1));
	snprintf(buf, sizeof buf, "%s/%u", ip_str(base, a), len);
	json_object_object_add(cfg, "IPRange", json_object_new_string(buf));
}

static json_object *ipam_json(const struct net_info *n)
{
	json_object *ipam = json_object_new_object(), *cfgs = json_object_new_array(),
		    *cfg = json_object_new_object();
	char a[INET_ADDRSTRLEN], buf[64];

	snprintf(buf, sizeof buf, "%s/%u", ip_str(n->subnet, a), n->prefix);
	json_object_object_add(cfg, "Subnet", json_object_new_string(buf));
	json_object_object_add(cfg, "Gateway", json_object_new_string(ip_str(n->gateway, a)));
	if (n->range_start.s_addr != n->range_end.s_addr)
		range_json(n, cfg);
	json_object_array_add(cfgs, cfg);
	json_object_object_add(ipam, "Driver", json_object_new_string("default"));
	json_object_object_add(ipam, "Options", json_object_new_object());
	json_object_object_add(ipam, "Config", cfgs);
	return ipam;
}

static json_object *containers_json(struct engine *e, const struct net_info *n)
{
	json_object *all = json_object_new_object();
	struct net_endpoint *eps = NULL;
	size_t count = 0;

	if (netdb_endpoints_of_network(e->store, n->id, &eps, &count, NULL) < 0)
		return all;
	for (size_t i = 0; i < count; i++) {
		json_object *c = json_object_new_object();
		struct container_info ci;
		char a[INET_ADDRSTRLEN], buf[64];

		snprintf(buf, sizeof buf, "%s/%u", ip_str(eps[i].ip, a), n->prefix);
		if (store_container_find(e->store, eps[i].container_id, &ci, NULL) == 0) {
			json_object_object_add(c, "Name", json_object_new_string(ci.name));
			container_info_free(&ci);
		}
		json_object_object_add(c, "EndpointID", json_object_new_string(eps[i].container_id));
		json_object_object_add(c, "MacAddress", json_object_new_string(""));
		json_object_object_add(c, "IPv4Address", json_object_new_string(buf));
		json_object_object_add(c, "IPv6Address", json_object_new_string(""));
		json_object_object_add(all, eps[i].container_id, c);
	}
	net_endpoints_free(eps, count);
	return all;
}

int engine_network_inspect(struct engine *e, const char *ref, json_object **out,
			   struct ar_err *err)
{
	struct net_info n;
	json_object *o, *from;
	char when[64];
	struct tm tm;
	time_t t;

	if (strcmp(ref, NETDB_DEFAULT_NAME) == 0 && ensure_default(e, err) < 0)
		return -1;
	if (netdb_find(e->store, ref, &n, err) < 0)
		return -1;
	t = (time_t)n.created;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_object_new_object();
	from = json_object_new_object();
	json_object_object_add(from, "Network", json_object_new_string(""));
	json_object_object_add(o, "Name", json_object_new_string(n.name));
	json_object_object_add(o, "Id", json_object_new_string(n.id));
	json_object_object_add(o, "Created", json_object_new_string(when));
	json_object_object_add(o, "Scope", json_object_new_string("local"));
	json_object_object_add(o, "Driver", json_object_new_string(net_driver_name(n.driver)));
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(false));
	json_object_object_add(o, "IPAM", ipam_json(&n));
	json_object_object_add(o, "Internal", json_object_new_boolean(n.driver == NET_INTERNAL));
	json_object_object_add(o, "Attachable", json_object_new_boolean(false));
	json_object_object_add(o, "Ingress", json_object_new_boolean(false));
	json_object_object_add(o, "ConfigFrom", from);
	json_object_object_add(o, "ConfigOnly", json_object_new_boolean(false));
	json_object_object_add(o, "Containers", containers_json(e, &n));
	json_object_object_add(o, "Options", parsed_or_empty(n.options));
	json_object_object_add(o, "Labels", parsed_or_empty(n.labels));
	if (n.bridge)
		json_object_object_add(o, "BridgeName", json_object_new_string(n.bridge));
	if (n.parent)
		json_object_object_add(o, "Parent", json_object_new_string(n.parent));
	net_info_free(&n);
	*out = o;
	return 0;
}

struct prune {
	char **unused;		/* ids */
	struct engine *e;
};

static int collect_unused(const struct net_info *n, void *data)
{
	struct prune *p = data;
	struct net_endpoint *eps = NULL;
	size_t count = 0;

	if (strcmp(n->name, NETDB_DEFAULT_NAME) == 0 ||
	    netdb_endpoints_of_network(p->e->store, n->id, &eps, &count, NULL) < 0)
		return 0;
	net_endpoints_free(eps, count);
	if (count == 0)
		strv_push(&p->unused, xstrdup(n->name));
	return 0;
}

int engine_network_prune(struct engine *e, char ***removed, struct ar_err *err)
{
	struct prune p = { .e = e };

	*removed = NULL;
	if (netdb_list(e->store, collect_unused, &p, err) < 0)
		return -1;
	for (size_t i = 0; p.unused && p.unused[i]; i++) {
		struct ar_err one = { 0 };
		if (engine_network_remove(e, p.unused[i], &one) == 0)
			strv_push(removed, xstrdup(p.unused[i]));
		ar_err_clear(&one);	/* attached meanwhile: kept */
	}
	strv_free(p.unused);
	engine_net_reconcile(e);
	return 0;
}

/* ------------------------------------------------------------ connect, disconnect */

/* A container that can be attached: its own namespace, on networks. */
static int attachable(struct engine *e, const char *ref, struct engine_info *i,
		      struct ar_err *err)
{
	json_object *opts;
	const char *mode;
	bool ok;

	if (engine_find(e, ref, i, err) < 0)
		return -1;
	opts = engine_config(e, i->c.id);
	mode = net_mode_of(opts);
	ok = net_mode_is_network(mode);
	if (!ok)
		ar_fail(err, EINVAL, "container `%s` uses --network %s: it cannot be connected to "
			"or disconnected from networks", ref, mode ? mode : "none");
	json_object_put(opts);
	if (!ok)
		engine_info_free(i);
	return ok ? 0 : -1;
}

static int wire_running(struct engine *e, const struct engine_info *i,
			const struct net_info *n, const struct net_endpoint *ep, struct ar_err *err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", (int)i->init_pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	struct rtnl ctr;
	int r;

	if (nsfd < 0)
		return ar_error(err, errno, "open `%s`", path);
	if (rtnl_open(&ctr, nsfd, err) < 0)
		return -1;
	r = net_endpoint_wire(n, ep, nsfd, &ctr, false, e->state_dir, err);
	rtnl_close(&ctr);
	if (r < 0)
		net_endpoint_unwire(n, ep);
	return r;
}

int engine_network_connect(struct engine *e, const char *net_ref, const char *ctr_ref,
			   const char *ip, char *const *aliases, struct ar_err *err)
{
	struct engine_info i;
	struct net_info n;
	struct net_endpoint ep = { 0 };
	struct in_addr want = { INADDR_ANY };
	int r = -1;

	if (ip && net_parse_ip(ip, &want) < 0)
		return ar_fail(err, EINVAL, "invalid argument `%s` for --ip: not an IPv4 address", ip);
	if (netdb_find(e->store, net_ref, &n, err) < 0)
		return -1;
	if (attachable(e, ctr_ref, &i, err) < 0) {
		net_info_free(&n);
		return -1;
	}
	if (netdb_attach(e->store, i.c.id, &n, want, aliases, &ep, err) < 0)
		goto out;
	/* A created container's namespace is wired already (monitor step 1). */
	if (i.state != ENGINE_EXITED && i.init_pid > 0 && wire_running(e, &i, &n, &ep, err) < 0) {
		struct ar_err ignored = { 0 };
		netdb_detach(e->store, i.c.id, n.id, &ignored);
		ar_err_clear(&ignored);
		goto out;
	}
	net_hosts_write(e, i.c.id, NULL);
	net_hosts_refresh(e, (char *const[]){ n.id, NULL }, i.c.id);
	r = 0;
out:
	net_endpoint_free(&ep);
	engine_info_free(&i);
	net_info_free(&n);
	return r;
}

/* Deletes the container's interface on the network (the host's veth half
 * goes with it). */
static int unwire_running(struct engine *e, const struct engine_info *i,
			  const struct net_info *n, struct ar_err *err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", (int)i->init_pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	struct net_endpoint *eps = NULL;
	struct rtnl ctr;
	size_t count = 0;
	int r = 0;

	if (nsfd < 0)
		return ar_error(err, errno, "open `%s`", path);
	if (netdb_endpoints_of_container(e->store, i->c.id, &eps, &count, err) < 0)
		return -1;
	if (rtnl_open(&ctr, nsfd, err) < 0) {
		net_endpoints_free(eps, count);
		return -1;
	}
	for (size_t k = 0; k < count && r == 0; k++) {
		if (strcmp(eps[k].network_id, n->id) != 0)
			continue;
		r = rtnl_link_del(&ctr, eps[k].ifname, err);
		if (r < 0 && err->errnum == ENODEV) {
			ar_err_clear(err);
			r = 0;
		}
		if (r == 0)
			net_endpoint_unwire(n, &eps[k]);
	}
	rtnl_close(&ctr);
	net_endpoints_free(eps, count);
	return r;
}

int engine_network_disconnect(struct engine *e, const char *net_ref, const char *ctr_ref,
			      bool force, struct ar_err *err)
{
	struct engine_info i;
	struct net_info n;
	int r = -1;

	if (netdb_find(e->store, net_ref, &n, err) < 0)
		return -1;
	if (attachable(e, ctr_ref, &i, err) < 0) {
		net_info_free(&n);
		return -1;
	}
	if (i.state != ENGINE_EXITED && i.init_pid > 0 && unwire_running(e, &i, &n, err) < 0 &&
	    !force)
		goto out;
	ar_err_clear(err);
	if (netdb_detach(e->store, i.c.id, n.id, err) < 0)
		goto out;
	net_hosts_write(e, i.c.id, NULL);
	net_hosts_refresh(e, (char *const[]){ n.id, NULL }, i.c.id);
	r = 0;
out:
	engine_info_free(&i);
	net_info_free(&n);
	return r;
}
