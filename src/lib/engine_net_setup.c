/* argon — a container's network between create and start
 * (engine_net_setup): its namespace wired (the drivers' links,
 * engine_net_links.c) and its ports published: nft DNAT rules, and a
 * socket bound to each host port, kept by the monitor for the container's
 * whole run so that nothing else on the host takes the port. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_net_priv.h"
#include "engine_priv.h"
#include "nftrules.h"
#include "portspec.h"
#include "util.h"

/* A published port: the rule and the socket that holds the host port. */
struct pub {
	struct nft_port p;
	int fd;
};

struct setup {
	struct engine *e;
	const char *id;
	json_object *opts;
	int nsfd;
	struct rtnl ctr;
	struct net_endpoint *eps;
	size_t n_eps;
	struct net_info *nets;		/* one per endpoint */
	size_t wired;			/* endpoints wired so far */
	struct in_addr bridge_ip;	/* the first nat/internal endpoint's: ports go there */
	struct pub *pubs;
	size_t n_pubs;
};

/* Binds host_ip:host_port/proto (0: the kernel picks) so nothing else on
 * the host can take the port while the container publishes it. */
static int hold_port(struct pub *pb, struct ar_err *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = pb->p.host_ip,
				 .sin_port = htons(pb->p.host_port) };
	socklen_t len = sizeof a;
	char ip[INET_ADDRSTRLEN];

	pb->fd = socket(AF_INET, (pb->p.proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) |
				 SOCK_CLOEXEC, 0);
	inet_ntop(AF_INET, &pb->p.host_ip, ip, sizeof ip);
	if (pb->fd < 0)
		return ar_error(err, errno, "socket");
	if (bind(pb->fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		if (e == EADDRINUSE)
			return ar_fail(err, e, "publish %s:%u/%s: the host port is already in use "
				       "(by another container or a program of the host)", ip,
				       pb->p.host_port, portspec_proto_name(pb->p.proto));
		return ar_error(err, e, "publish %s:%u/%s", ip, pb->p.host_port,
				portspec_proto_name(pb->p.proto));
	}
	if (getsockname(pb->fd, (struct sockaddr *)&a, &len) < 0)
		return ar_error(err, errno, "getsockname");
	pb->p.host_port = ntohs(a.sin_port);
	return 0;
}

static int add_pub(struct setup *s, const char *key, const char *host_ip, const char *host_port,
		   struct ar_err *err)
{
	struct pub pb = { .fd = -1 };
	unsigned port = 0, hp = 0;
	char proto[8] = "tcp";

	if (sscanf(key, "%u/%7s", &port, proto) < 1 || port == 0 || port > 65535)
		return ar_fail(err, EINVAL, "published port `%s` is not PORT/PROTO", key);
	pb.p.proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	pb.p.ctr_port = (uint16_t)port;
	pb.p.ctr_ip = s->bridge_ip;
	if (host_ip && *host_ip && net_parse_ip(host_ip, &pb.p.host_ip) < 0)
		return ar_fail(err, EINVAL, "published host address `%s` is not IPv4", host_ip);
	if (host_port && *host_port && (sscanf(host_port, "%u", &hp) != 1 || hp > 65535))
		return ar_fail(err, EINVAL, "published host port `%s` is not a port", host_port);
	pb.p.host_port = (uint16_t)hp;
	s->pubs = xrealloc(s->pubs, (s->n_pubs + 1) * sizeof *s->pubs);
	s->pubs[s->n_pubs++] = pb;
	return hold_port(&s->pubs[s->n_pubs - 1], err);
}

/* PortBindings, and with PublishAllPorts every other ExposedPorts key on a
 * random host port. */
static int collect_pubs(struct setup *s, struct ar_err *err)
{
	json_object *pb = NULL, *exposed = NULL, *all = NULL;

	json_object_object_get_ex(s->opts, "PortBindings", &pb);
	json_object_object_get_ex(s->opts, "ExposedPorts", &exposed);
	json_object_object_get_ex(s->opts, "PublishAllPorts", &all);
	if (pb && json_object_is_type(pb, json_type_object)) {
		json_object_object_foreach(pb, key, list) {
			for (size_t k = 0; json_object_is_type(list, json_type_array) &&
					   k < json_object_array_length(list); k++) {
				json_object *b = json_object_array_get_idx(list, k);
				if (add_pub(s, key, net_opt_str(b, "HostIp"), net_opt_str(b, "HostPort"),
					    err) < 0)
					return -1;
			}
		}
	}
	if (exposed && all && json_object_get_boolean(all)) {
		json_object_object_foreach(exposed, key, v) {
			(void)v;
			json_object *bound;
			if (!(pb && json_object_object_get_ex(pb, key, &bound)) &&
			    add_pub(s, key, NULL, NULL, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* The mappings as they are, docker's NetworkSettings.Ports, in the options. */
static int record_ports(struct setup *s, struct ar_err *err)
{
	json_object *ports = json_object_new_object();

	for (size_t i = 0; i < s->n_pubs; i++) {
		const struct nft_port *p = &s->pubs[i].p;
		_cleanup_free_ char *key = net_port_key(p->ctr_port, p->proto);
		char ip[INET_ADDRSTRLEN], port[8];

		inet_ntop(AF_INET, &p->host_ip, ip, sizeof ip);
		snprintf(port, sizeof port, "%u", p->host_port);
		net_port_binding_add(ports, key, ip, port);
	}
	json_object_object_add(s->opts, "Ports", ports);
	return net_save_options(s->e, s->id, s->opts, err);
}

static int publish(struct setup *s, struct ar_err *err)
{
	struct nft_port *rules;
	int r;

	if (collect_pubs(s, err) < 0)
		return -1;
	if (s->n_pubs == 0)
		return 0;
	if (s->bridge_ip.s_addr == INADDR_ANY)
		return ar_fail(err, EINVAL, "publishing ports needs a nat or internal network; "
			       "this container has none");
	rules = xcalloc(s->n_pubs, sizeof *rules);
	for (size_t i = 0; i < s->n_pubs; i++)
		rules[i] = s->pubs[i].p;
	r = nft_ports_add(s->id, rules, s->n_pubs, err);
	free(rules);
	if (r < 0)
		return ar_err_prefix(err, "publish the ports of container `%.12s`", s->id);
	return record_ports(s, err);
}

static int wire_all(struct setup *s, struct ar_err *err)
{
	bool route_given = false;

	if (netdb_endpoints_of_container(s->e->store, s->id, &s->eps, &s->n_eps, err) < 0)
		return -1;
	s->nets = xcalloc(s->n_eps + 1, sizeof *s->nets);
	for (size_t i = 0; i < s->n_eps; i++) {
		struct net_info *n = &s->nets[i];
		bool route;

		if (netdb_find(s->e->store, s->eps[i].network_id, n, err) < 0)
			return -1;
		/* The first network that leads out carries the default route. */
		route = !route_given && n->driver != NET_INTERNAL;
		if (net_endpoint_wire(n, &s->eps[i], s->nsfd, &s->ctr, route, s->e->state_dir,
				      err) < 0)
			return ar_err_prefix(err, "network `%s`", n->name);
		s->wired = i + 1;
		route_given = route_given || route;
		if (s->bridge_ip.s_addr == INADDR_ANY &&
		    (n->driver == NET_NAT || n->driver == NET_INTERNAL))
			s->bridge_ip = s->eps[i].ip;
	}
	return 0;
}

static void setup_free(struct setup *s, bool failed)
{
	if (failed) {
		struct ar_err ignored = { 0 };
		if (s->n_pubs)
			nft_container_del(s->id, &ignored);
		ar_err_clear(&ignored);
		for (size_t i = 0; i < s->wired; i++)
			net_endpoint_unwire(&s->nets[i], &s->eps[i]);
	}
	for (size_t i = 0; i < s->n_pubs; i++)
		if (failed && s->pubs[i].fd >= 0)
			close(s->pubs[i].fd);
	free(s->pubs);
	for (size_t i = 0; s->nets && i < s->n_eps; i++)
		net_info_free(&s->nets[i]);
	free(s->nets);
	net_endpoints_free(s->eps, s->n_eps);
	if (s->ctr.sock)
		rtnl_close(&s->ctr);
	if (s->nsfd >= 0)
		close(s->nsfd);
	json_object_put(s->opts);
}

int engine_net_setup(struct engine *e, const char *id, pid_t pid, int **port_fds,
		     size_t *n_port_fds, struct ar_err *err)
{
	struct setup s = { .e = e, .id = id, .nsfd = -1 };
	_cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", (int)pid);
	const char *mode;
	int r = -1;

	*port_fds = NULL;
	*n_port_fds = 0;
	s.opts = engine_config(e, id);
	mode = net_mode_of(s.opts);
	if (!net_mode_is_network(mode)) {
		json_object_put(s.opts);
		return 0;	/* none: lo only; host, container:X: not its own */
	}
	s.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (s.nsfd < 0) {
		ar_error(err, errno, "open `%s`", path);
		goto out;
	}
	/* lo is up already (the runtime's init does it in a new namespace). */
	if (rtnl_open(&s.ctr, s.nsfd, err) < 0 || wire_all(&s, err) < 0 || publish(&s, err) < 0)
		goto out;
	r = 0;
	if (s.n_pubs) {
		*port_fds = xcalloc(s.n_pubs, sizeof **port_fds);
		for (size_t i = 0; i < s.n_pubs; i++)
			(*port_fds)[i] = s.pubs[i].fd;
		*n_port_fds = s.n_pubs;
	}
out:
	setup_free(&s, r < 0);
	return r;
}

