/* argon — a container's network (engine_net.h): its mode checked at
 * create, its addresses reserved, its namespace wired between create and
 * start (links, addresses, routes, published ports), and undone after. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db.h"
#include "engine_net_priv.h"
#include "engine_priv.h"
#include "nftrules.h"
#include "portspec.h"
#include "util.h"

void net_veth_name(const char *container_id, const char *network_id, char out[16])
{
	snprintf(out, 16, "ar%.9s%.4s", container_id, network_id);
}

const char *net_mode_of(json_object *opts)
{
	json_object *v;

	if (opts && json_object_object_get_ex(opts, "NetworkMode", &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

bool net_mode_is_network(const char *mode)
{
	return mode && strcmp(mode, "none") != 0 && strcmp(mode, "host") != 0 &&
	       strncmp(mode, "container:", 10) != 0;
}

int net_host_routes(struct rtnl_prefix **out, size_t *n, struct ar_err *err)
{
	struct rtnl nl;
	int r;

	if (rtnl_open(&nl, -1, err) < 0)
		return -1;
	r = rtnl_routes_v4(&nl, out, n, err);
	rtnl_close(&nl);
	return r;
}

/* Writes an engine options object back to the container's row. */
int net_save_options(struct engine *e, const char *id, json_object *opts, struct ar_err *err)
{
	const char *text = json_object_to_json_string_ext(opts, JSON_C_TO_STRING_PLAIN);

	return db_run(e->store->db, err, "UPDATE containers SET config = ? WHERE id = ?", "ss",
		      text, id);
}

json_object *net_strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* ------------------------------------------------------------ create: the plan */

/* docker's names for the default network, and the environment's default. */
static const char *requested_mode(const struct engine_net_opts *n)
{
	const char *m = n->mode;

	if (m == NULL || !*m)
		m = getenv(ENGINE_NET_DEFAULT_ENV);
	if (m == NULL || !*m || strcmp(m, "default") == 0 || strcmp(m, "bridge") == 0)
		m = NETDB_DEFAULT_NAME;
	return m;
}

/* --network container:X: X must run; we join its namespace and share its
 * /etc files and its hostname, as docker does (which refuses -h then). */
static int plan_container_mode(struct engine *e, const char *ref, struct engine_opts *o,
			       struct engine_net_plan *p, struct ar_err *err)
{
	struct engine_info x;
	json_object *cfg;

	if (o->storage.bundle.hostname)
		return ar_fail(err, EINVAL, "conflicting options: --hostname and --network "
			       "container:%s (the hostname is the other container's)", ref);
	if (engine_find(e, ref, &x, err) < 0)
		return ar_err_prefix(err, "--network container:%s", ref);
	if (x.state != ENGINE_RUNNING || x.init_pid <= 0) {
		engine_info_free(&x);
		return ar_fail(err, EINVAL, "--network container:%s: that container is not running",
			       ref);
	}
	p->mode = xasprintf("container:%s", x.c.id);
	p->netns_path = xasprintf("/proc/%d/ns/net", (int)x.init_pid);
	p->files_dir = xstrdup(x.c.dir);
	o->storage.bundle.netns_path = p->netns_path;
	_cleanup_free_ char *path = xasprintf("%s/config.json", x.c.dir);
	cfg = json_object_from_file(path);
	if (net_opt_str(cfg, "hostname")) {
		p->hostname = xstrdup(net_opt_str(cfg, "hostname"));
		o->storage.bundle.hostname = p->hostname;
	}
	json_object_put(cfg);
	engine_info_free(&x);
	return 0;
}

/* What docker refuses or discards for modes without a network of their own. */
static int plan_conflicts(const struct engine_opts *o, const char *mode, struct ar_err *err)
{
	const struct engine_net_opts *n = &o->net;
	bool publishes = (n->ports && n->ports[0]) || n->publish_all;
	bool joined = strncmp(mode, "container:", 10) == 0;

	if (joined && (publishes || (n->dns && n->dns[0]) || (n->extra_hosts && n->extra_hosts[0])))
		return ar_fail(err, EINVAL, "conflicting options: port publishing, --dns and "
			       "--add-host cannot be used with --network %s", mode);
	if ((n->ip || (n->aliases && n->aliases[0])) && !net_mode_is_network(mode))
		return ar_fail(err, EINVAL, "--ip and --network-alias need a network, not "
			       "--network %s", mode);
	if (publishes && strcmp(mode, "host") != 0 && !net_mode_is_network(mode))
		return ar_fail(err, EINVAL, "--network %s: a container without a network cannot "
			       "publish ports", mode);
	return 0;
}

int engine_net_plan(struct engine *e, struct engine_opts *o, struct engine_net_plan *p,
		    struct ar_err *err)
{
	const char *mode = requested_mode(&o->net);
	struct bundle_opts *b = &o->storage.bundle;

	memset(p, 0, sizeof *p);
	if (strncmp(mode, "container:", 10) == 0) {
		if (plan_container_mode(e, mode + 10, o, p, err) < 0)
			return -1;
	} else if (net_mode_is_network(mode)) {
		struct net_info n;
		if (netdb_find(e->store, mode, &n, err) < 0) {
			if (err->errnum != ENOENT || strcmp(mode, NETDB_DEFAULT_NAME) != 0)
				return ar_err_prefix(err, "--network");
			ar_err_clear(err);	/* the default one is made on first use */
			p->mode = xstrdup(NETDB_DEFAULT_NAME);
		} else {
			bool lan = n.driver == NET_TRANSPARENT || n.driver == NET_L2BRIDGE;
			p->mode = xstrdup(n.name);
			net_info_free(&n);
			if (lan && ((o->net.ports && o->net.ports[0]) || o->net.publish_all)) {
				engine_net_plan_free(p);
				return ar_fail(err, EINVAL, "--network %s: a container on a %s "
					       "network is on the LAN itself; there are no ports "
					       "to publish", mode, "transparent or l2bridge");
			}
		}
	} else {
		p->mode = xstrdup(mode);
	}
	if (plan_conflicts(o, p->mode, err) < 0) {
		engine_net_plan_free(p);
		return -1;
	}
	if (strcmp(p->mode, "host") == 0 && ((o->net.ports && o->net.ports[0]) || o->net.publish_all))
		strv_push(&p->warnings, xstrdup("WARNING: Published ports are discarded when "
						"using host network mode"));
	b->host_network = strcmp(p->mode, "host") == 0;
	b->network_mode = p->mode;
	b->net_files_dir = p->files_dir ? p->files_dir : "";
	return 0;
}

void engine_net_plan_free(struct engine_net_plan *p)
{
	free(p->mode);
	free(p->netns_path);
	free(p->files_dir);
	free(p->hostname);
	strv_free(p->warnings);
	memset(p, 0, sizeof *p);
}

/* "80/tcp" */
char *net_port_key(uint16_t port, int proto)
{
	return xasprintf("%u/%s", port, portspec_proto_name(proto));
}

void net_port_binding_add(json_object *ports, const char *key, const char *ip, const char *port)
{
	json_object *list, *b = json_object_new_object();

	if (!json_object_object_get_ex(ports, key, &list)) {
		list = json_object_new_array();
		json_object_object_add(ports, key, list);
	}
	json_object_object_add(b, "HostIp", json_object_new_string(ip));
	json_object_object_add(b, "HostPort", json_object_new_string(port));
	json_object_array_add(list, b);
}

/* -p values as docker's PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. */
static int port_bindings_json(char *const *specs, json_object **out, struct ar_err *err)
{
	struct port_map *maps = NULL;
	size_t n = 0;
	json_object *pb = json_object_new_object();

	for (size_t i = 0; specs && specs[i]; i++)
		if (portspec_parse(specs[i], &maps, &n, err) < 0) {
			free(maps);
			json_object_put(pb);
			return -1;
		}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = net_port_key(maps[i].ctr_port, maps[i].proto);
		char ip[INET_ADDRSTRLEN] = "", port[8] = "";

		if (maps[i].host_ip.s_addr != INADDR_ANY)
			inet_ntop(AF_INET, &maps[i].host_ip, ip, sizeof ip);
		if (maps[i].host_port)
			snprintf(port, sizeof port, "%u", maps[i].host_port);
		net_port_binding_add(pb, key, ip, port);
	}
	free(maps);
	*out = pb;
	return 0;
}

static int exposed_json(char *const *specs, json_object *into, struct ar_err *err)
{
	struct port_map *maps = NULL;
	size_t n = 0;

	for (size_t i = 0; specs && specs[i]; i++)
		if (portspec_parse_expose(specs[i], &maps, &n, err) < 0) {
			free(maps);
			return -1;
		}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = net_port_key(maps[i].ctr_port, maps[i].proto);
		json_object_object_add(into, key, json_object_new_object());
	}
	free(maps);
	return 0;
}

/* --add-host NAME:IP (IPv4, or docker's "host-gateway": the network's gateway). */
static int check_extra_host(const char *h, struct ar_err *err)
{
	const char *colon = strrchr(h, ':');
	struct in_addr a;

	if (colon == NULL || colon == h)
		return ar_fail(err, EINVAL, "invalid argument `%s` for --add-host: not NAME:IP", h);
	for (const char *c = h; c < colon; c++)	/* one /etc/hosts line, one name */
		if (*c <= ' ' || *c == 0x7f)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --add-host: the name "
				       "holds a space or a control character", h);
	if (strcmp(colon + 1, "host-gateway") != 0 && net_parse_ip(colon + 1, &a) < 0)
		return ar_fail(err, EINVAL, "invalid argument `%s` for --add-host: `%s` is not an "
			       "IPv4 address", h, colon + 1);
	return 0;
}

static int check_dns(char *const *dns, struct ar_err *err)
{
	unsigned char buf[16];

	for (size_t i = 0; dns && dns[i]; i++)
		if (inet_pton(AF_INET, dns[i], buf) != 1 && inet_pton(AF_INET6, dns[i], buf) != 1)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --dns: not an IP "
				       "address", dns[i]);
	return 0;
}

int engine_net_options(const struct engine_opts *o, json_object *into, struct ar_err *err)
{
	const struct engine_net_opts *n = &o->net;
	json_object *pb = NULL, *exposed = json_object_new_object();
	struct in_addr ip;

	if (n->ip && net_parse_ip(n->ip, &ip) < 0) {
		json_object_put(exposed);
		return ar_fail(err, EINVAL, "invalid argument `%s` for --ip: not an IPv4 address",
			       n->ip);
	}
	for (size_t i = 0; n->extra_hosts && n->extra_hosts[i]; i++)
		if (check_extra_host(n->extra_hosts[i], err) < 0) {
			json_object_put(exposed);
			return -1;
		}
	if (check_dns(n->dns, err) < 0 || port_bindings_json(n->ports, &pb, err) < 0 ||
	    exposed_json(n->expose, exposed, err) < 0) {
		json_object_put(pb);
		json_object_put(exposed);
		return -1;
	}
	/* -p's container ports are exposed too (docker). */
	json_object_object_foreach(pb, key, v) {
		(void)v;
		json_object_object_add(exposed, key, json_object_new_object());
	}
	json_object_object_add(into, "PortBindings", pb);
	json_object_object_add(into, "ExposedPorts", exposed);
	json_object_object_add(into, "PublishAllPorts", json_object_new_boolean(n->publish_all));
	json_object_object_add(into, "Dns", net_strv_json(n->dns));
	json_object_object_add(into, "DnsSearch", net_strv_json(n->dns_search));
	json_object_object_add(into, "DnsOptions", net_strv_json(n->dns_options));
	json_object_object_add(into, "ExtraHosts", net_strv_json(n->extra_hosts));
	if (n->ip)
		json_object_object_add(into, "NetworkIP", json_object_new_string(n->ip));
	json_object_object_add(into, "NetworkAliases", net_strv_json(n->aliases));
	return 0;
}

/* ------------------------------------------------------------ create: the reservation */

/* The image's ExposedPorts join the container's (for -P). */
static void merge_image_exposed(struct engine *e, const char *id, json_object *opts)
{
	struct container_info c;
	struct image_info img;
	json_object *cfg = NULL, *inner, *ports, *mine;

	if (store_container_find(e->store, id, &c, NULL) < 0)
		return;
	if (store_image_find(e->store, c.image_id, &img, NULL) == 0) {
		cfg = json_tokener_parse(img.config);
		image_info_free(&img);
	}
	container_info_free(&c);
	if (cfg && json_object_object_get_ex(cfg, "config", &inner) &&
	    json_object_object_get_ex(inner, "ExposedPorts", &ports) &&
	    json_object_is_type(ports, json_type_object) &&
	    json_object_object_get_ex(opts, "ExposedPorts", &mine)) {
		json_object_object_foreach(ports, key, v) {
			(void)v;
			struct port_map *m = NULL;
			size_t n = 0;
			if (portspec_parse_expose(key, &m, &n, NULL) == 0)	/* skip odd ones */
				json_object_object_add(mine, key, json_object_new_object());
			free(m);
		}
	}
	json_object_put(cfg);
}

static char **opt_strv(json_object *opts, const char *key)
{
	json_object *a;
	char **v = NULL;

	if (!json_object_object_get_ex(opts, key, &a) || !json_object_is_type(a, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		strv_push(&v, xstrdup(json_object_get_string(json_object_array_get_idx(a, i))));
	return v;
}

const char *net_opt_str(json_object *opts, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(opts, key, &v) ? json_object_get_string(v) : NULL;
}

/* The container's network, found (or, the default one, made). */
static int mode_network(struct engine *e, const char *mode, struct net_info *n,
			struct ar_err *err)
{
	_cleanup_free_ struct rtnl_prefix *routes = NULL;
	size_t n_routes = 0;

	if (strcmp(mode, NETDB_DEFAULT_NAME) != 0)
		return netdb_find(e->store, mode, n, err);
	if (net_host_routes(&routes, &n_routes, err) < 0)
		return -1;
	return netdb_default(e->store, routes, n_routes, n, err);
}

int engine_net_reserve(struct engine *e, const char *id, char ***warnings, struct ar_err *err)
{
	json_object *opts = engine_config(e, id);
	const char *mode = net_mode_of(opts), *ip;
	struct net_info n = { 0 };
	struct net_endpoint ep = { 0 };
	struct in_addr want = { INADDR_ANY };
	char **aliases = NULL;
	int r = -1;

	if (opts == NULL)
		return ar_fail(err, EINVAL, "container `%s` has no engine options", id);
	if (net_mode_is_network(mode)) {
		if (mode_network(e, mode, &n, err) < 0)
			goto out;
		ip = net_opt_str(opts, "NetworkIP");
		if (ip && net_parse_ip(ip, &want) < 0) {
			ar_fail(err, EINVAL, "invalid argument `%s` for --ip", ip);
			goto out;
		}
		aliases = opt_strv(opts, "NetworkAliases");
		if (netdb_attach(e->store, id, &n, want, aliases, &ep, err) < 0)
			goto out;
		merge_image_exposed(e, id, opts);
		if (net_save_options(e, id, opts, err) < 0)
			goto out;
	}
	if (mode && strncmp(mode, "container:", 10) != 0 &&
	    net_files_write(e, id, warnings, err) < 0)
		goto out;
	if (ep.network_id)
		net_hosts_refresh(e, (char *const[]){ ep.network_id, NULL }, id);
	r = 0;
out:
	strv_free(aliases);
	net_endpoint_free(&ep);
	net_info_free(&n);
	json_object_put(opts);
	return r;
}

/* --network container:X: X's namespace as it is now (X may have been
 * restarted since config.json was written: a new init, a new path). */
int engine_net_prepare(struct engine *e, const char *id, struct ar_err *err)
{
	json_object *opts = engine_config(e, id), *cfg = NULL, *lx, *nss;
	const char *mode = net_mode_of(opts);
	struct container_info c = { 0 };
	struct engine_info x = { 0 };
	_cleanup_free_ char *path = NULL, *ns = NULL;
	const char *text;
	int r = -1;

	if (mode == NULL || strncmp(mode, "container:", 10) != 0) {
		json_object_put(opts);
		return 0;
	}
	if (engine_find(e, mode + 10, &x, err) < 0 || store_container_find(e->store, id, &c, err) < 0)
		goto out;
	if (x.state != ENGINE_RUNNING || x.init_pid <= 0) {
		ar_fail(err, EINVAL, "--network %s: that container is not running", mode);
		goto out;
	}
	path = xasprintf("%s/config.json", c.dir);
	ns = xasprintf("/proc/%d/ns/net", (int)x.init_pid);
	cfg = json_object_from_file(path);
	if (cfg == NULL || !json_object_object_get_ex(cfg, "linux", &lx) ||
	    !json_object_object_get_ex(lx, "namespaces", &nss)) {
		ar_fail(err, EINVAL, "`%s` has no linux.namespaces", path);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		json_object *n = json_object_array_get_idx(nss, i);
		if (strcmp(net_opt_str(n, "type") ? net_opt_str(n, "type") : "", "network") == 0)
			json_object_object_add(n, "path", json_object_new_string(ns));
	}
	text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PRETTY);
	r = write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600, err);
out:
	json_object_put(cfg);
	container_info_free(&c);
	engine_info_free(&x);
	json_object_put(opts);
	return r;
}

/* ------------------------------------------------------------ after */

/* Deletes the host ends of the container's veths in a detached grandchild.
 * The init is gone: normally the kernel deletes its namespace, and with it
 * both ends of each veth, in the background. A namespace kept alive (by a
 * container sharing it with --network container:, a bind mount, an
 * nsenter) keeps its veth on the bridge, so each end still there is
 * deleted; but not by us: a synchronous delete waits for RCU grace periods
 * (~10 ms, half of a `run --rm` on a nat network). A restart of this
 * container deletes a leftover end first anyway (veth_wire). */
static void unwire_in_background(struct net_info *nets, struct net_endpoint *eps, size_t n)
{
	bool any_end = false;
	pid_t child;

	for (size_t i = 0; i < n && !any_end; i++)
		any_end = net_has_host_end(&nets[i]);
	child = any_end ? fork() : -1;	/* macvlan, ipvlan: nothing of ours to delete */

	if (child == 0) {
		/* Nothing of ours held on (the store, the held host ports):
		 * the deletes open netlink sockets of their own. */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		if (fork() == 0) {	/* nobody's child: never a zombie of ours */
			for (size_t i = 0; i < n; i++)
				net_endpoint_unwire(&nets[i], &eps[i]);
		}
		_exit(0);
	}
	if (child > 0)
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
}

void engine_net_teardown(struct engine *e, const char *id)
{
	json_object *opts = engine_config(e, id), *ports = NULL;
	struct net_endpoint *eps = NULL;
	struct ar_err ignored = { 0 };
	size_t n = 0;

	if (!net_mode_is_network(net_mode_of(opts))) {	/* no endpoints, no ports */
		json_object_put(opts);
		return;
	}
	if (json_object_object_get_ex(opts, "Ports", &ports)) {
		if (json_object_object_length(ports) > 0)
			nft_container_del(id, &ignored);
		json_object_object_del(opts, "Ports");	/* a stopped container publishes nothing */
		net_save_options(e, id, opts, &ignored);
	}
	if (netdb_endpoints_of_container(e->store, id, &eps, &n, &ignored) == 0) {
		/* nets[i]: eps[i]'s network; all zero (no id) when not found. */
		struct net_info *nets = xcalloc(n + 1, sizeof *nets);

		for (size_t i = 0; i < n; i++)
			if (netdb_find(e->store, eps[i].network_id, &nets[i], &ignored) < 0) {
				net_info_free(&nets[i]);
				memset(&nets[i], 0, sizeof nets[i]);
				ar_err_clear(&ignored);
			}
		unwire_in_background(nets, eps, n);
		for (size_t i = 0; i < n; i++)
			net_info_free(&nets[i]);
		free(nets);
		net_endpoints_free(eps, n);
	}
	ar_err_clear(&ignored);
	json_object_put(opts);
}

/* Whether a container's rules are ours and stale: it is one of this
 * store's, and exited. The table is per network namespace, not per store:
 * a container this store does not know may be another store's, whose
 * rules are not ours to judge. */
static bool container_stale(struct engine *e, const char *id)
{
	sqlite3_stmt *q;
	bool stale = false;

	if (db_prepare(e->store->db, &q, NULL, "SELECT state FROM containers WHERE id = ?", "s",
		       id) < 0)
		return false;	/* unsure: keep */
	if (sqlite3_step(q) == SQLITE_ROW)
		stale = strcmp((const char *)sqlite3_column_text(q, 0), "exited") == 0;
	sqlite3_finalize(q);
	if (stale) {	/* a start in progress: its monitor made it already */
		_cleanup_free_ char *json = NULL;
		struct ar_err none = { 0 };
		stale = ar_container_state(&e->rt, id, &json, &none) < 0;
		ar_err_clear(&none);
	}
	return stale;
}

void engine_net_reconcile(struct engine *e)
{
	char **ctrs = NULL, **nets = NULL;
	struct ar_err ignored = { 0 };

	if (nft_list_tags(&ctrs, &nets, &ignored) == 0)
		for (size_t i = 0; ctrs && ctrs[i]; i++)
			if (container_stale(e, ctrs[i]))
				nft_container_del(ctrs[i], &ignored);
	strv_free(ctrs);
	strv_free(nets);
	ar_err_clear(&ignored);
}

char **engine_net_networks_of(struct engine *e, const char *id)
{
	struct net_endpoint *eps = NULL;
	char **ids = NULL;
	size_t n = 0;

	if (netdb_endpoints_of_container(e->store, id, &eps, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		strv_push(&ids, xstrdup(eps[i].network_id));
	net_endpoints_free(eps, n);
	return ids;
}

void engine_net_neighbours_changed(struct engine *e, char *const *network_ids)
{
	net_hosts_refresh(e, network_ids, NULL);
}

/* ------------------------------------------------------------ inspect */

static json_object *endpoint_json(const struct net_info *n, const struct net_endpoint *ep)
{
	json_object *o = json_object_new_object();
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ep->ip, ip, sizeof ip);
	inet_ntop(AF_INET, &n->gateway, gw, sizeof gw);
	json_object_object_add(o, "Aliases", net_strv_json(ep->aliases));
	json_object_object_add(o, "NetworkID", json_object_new_string(n->id));
	json_object_object_add(o, "EndpointID", json_object_new_string(ep->container_id));
	json_object_object_add(o, "Gateway", json_object_new_string(gw));
	json_object_object_add(o, "IPAddress", json_object_new_string(ip));
	json_object_object_add(o, "IPPrefixLen", json_object_new_int((int)n->prefix));
	json_object_object_add(o, "MacAddress", json_object_new_string(""));
	json_object_object_add(o, "InterfaceName", json_object_new_string(ep->ifname));
	return o;
}

json_object *engine_net_settings(struct engine *e, const struct engine_info *i)
{
	json_object *s = json_object_new_object(), *nets = json_object_new_object(), *ports;
	json_object *opts = i->config ? json_tokener_parse(i->config) : NULL;
	const char *mode = net_mode_of(opts);
	bool running = i->state == ENGINE_RUNNING && i->init_pid > 0;
	_cleanup_free_ char *key = running ? xasprintf("/proc/%d/ns/net", (int)i->init_pid)
					   : xstrdup("");
	struct net_endpoint *eps = NULL;
	size_t n = 0;

	json_object_object_add(s, "SandboxKey", json_object_new_string(key));
	json_object_object_add(s, "Ports", running && json_object_object_get_ex(opts, "Ports", &ports)
						   ? json_object_get(ports) : json_object_new_object());
	json_object_object_add(s, "IPAddress", json_object_new_string(""));
	json_object_object_add(s, "Gateway", json_object_new_string(""));
	json_object_object_add(s, "IPPrefixLen", json_object_new_int(0));
	if (!net_mode_is_network(mode)) {
		if (!mode || strncmp(mode, "container:", 10) != 0)	/* docker: {} for those */
			json_object_object_add(nets, mode ? mode : "none", json_object_new_object());
	} else if (netdb_endpoints_of_container(e->store, i->c.id, &eps, &n, NULL) < 0)
		n = 0;
	for (size_t k = 0; k < n; k++) {
		struct net_info ni;
		if (netdb_find(e->store, eps[k].network_id, &ni, NULL) < 0)
			continue;
		json_object *ep = endpoint_json(&ni, &eps[k]);
		if (k == 0) {	/* docker's top-level fields: the first network's */
			json_object *v;
			for (const char *const *f = (const char *const[]){ "IPAddress", "Gateway",
								      "IPPrefixLen", NULL }; *f; f++)
				if (json_object_object_get_ex(ep, *f, &v))
					json_object_object_add(s, *f, json_object_get(v));
		}
		json_object_object_add(nets, ni.name, ep);
		net_info_free(&ni);
	}
	net_endpoints_free(eps, n);
	json_object_object_add(s, "Networks", nets);
	json_object_put(opts);
	return s;
}
