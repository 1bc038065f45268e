/* argon — networks and IP reservations in the store's database, and the
 * address management that hands addresses out (netdb.h).
 *
 * Every decision that depends on what else is stored (a name taken, a
 * subnet free, an address free, the next ethN) is made inside the write
 * transaction that records it, so two commands racing each other are
 * serialised by the database lock instead of by luck. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "netdb.h"
#include "netdb_priv.h"
#include "store_priv.h"
#include "util.h"

#define NET_NAME_MAX 64

/* ------------------------------------------------------------ small values */

void net_info_free(struct net_info *n)
{
	if (n == NULL)
		return;
	free(n->id);
	free(n->name);
	free(n->parent);
	free(n->bridge);
	free(n->options);
	free(n->labels);
	memset(n, 0, sizeof *n);
}

void net_endpoint_free(struct net_endpoint *ep)
{
	if (ep == NULL)
		return;
	free(ep->container_id);
	free(ep->network_id);
	free(ep->ifname);
	strv_free(ep->aliases);
	memset(ep, 0, sizeof *ep);
}

void net_endpoints_free(struct net_endpoint *eps, size_t n)
{
	for (size_t i = 0; eps && i < n; i++)
		net_endpoint_free(&eps[i]);
	free(eps);
}

static const char *const driver_names[] = {
	[NET_NAT] = "nat",
	[NET_INTERNAL] = "internal",
	[NET_TRANSPARENT] = "transparent",
	[NET_L2BRIDGE] = "l2bridge",
};

const char *net_driver_name(enum net_driver d)
{
	if ((unsigned)d >= sizeof driver_names / sizeof driver_names[0])
		return "unknown";
	return driver_names[d];
}

int net_driver_parse(const char *s)
{
	static const struct { const char *name; enum net_driver d; } names[] = {
		{ "nat", NET_NAT }, { "bridge", NET_NAT }, { "internal", NET_INTERNAL },
		{ "transparent", NET_TRANSPARENT }, { "macvlan", NET_TRANSPARENT },
		{ "l2bridge", NET_L2BRIDGE }, { "ipvlan", NET_L2BRIDGE },
	};

	for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i].name) == 0)
			return (int)names[i].d;
	}
	return -1;
}

static bool driver_is_bridged(enum net_driver d)
{
	return d == NET_NAT || d == NET_INTERNAL;
}

/* ------------------------------------------------------------ addresses */


int net_parse_ip(const char *s, struct in_addr *addr)
{
	if (s == NULL || inet_pton(AF_INET, s, addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* "A.B.C.D/N" without the host-bits rule, so that the caller can say
 * which network was meant. */
static int parse_cidr_any(const char *s, struct in_addr *addr, unsigned *prefix)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char ip[INET_ADDRSTRLEN];
	uint64_t len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof ip || slash[1] == '\0' ||
	    !isdigit((unsigned char)slash[1]) || parse_u64(slash + 1, &len) < 0 || len > 32)
		goto invalid;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (net_parse_ip(ip, addr) < 0)
		goto invalid;
	*prefix = (unsigned)len;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

int net_parse_cidr(const char *s, struct in_addr *addr, unsigned *prefix)
{
	struct in_addr a;
	unsigned len;

	if (parse_cidr_any(s, &a, &len) < 0)
		return -1;
	if ((host_order(a) & ~mask_of(len)) != 0) {
		errno = EINVAL;
		return -1;
	}
	*addr = a;
	*prefix = len;
	return 0;
}

bool net_overlaps(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen)
{
	uint32_t m = mask_of(alen < blen ? alen : blen);

	return (host_order(a) & m) == (host_order(b) & m);
}

static bool contains(uint32_t net, unsigned prefix, uint32_t ip)
{
	return (ip & mask_of(prefix)) == net;
}

/* 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 and 240.0.0.0/4: not unicast
 * addresses a container could have. */
static bool special_subnet(uint32_t net, unsigned prefix)
{
	static const struct { uint32_t net; unsigned prefix; } special[] = {
		{ 0x00000000u, 8 }, { 0x7f000000u, 8 }, { 0xe0000000u, 3 },
	};

	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (net_overlaps(net_order(net), prefix, net_order(special[i].net), special[i].prefix))
			return true;
	return false;
}

/* ------------------------------------------------------------ rows */

#define NET_COLUMNS "SELECT id, name, driver, internal, subnet, prefix, gateway, " \
	"range_start, range_end, parent, bridge, options, labels, created FROM networks "

static void fill_net(sqlite3_stmt *q, struct net_info *n)
{
	_cleanup_free_ char *driver = db_col_str(q, 2);
	int d = net_driver_parse(driver);

	memset(n, 0, sizeof *n);
	n->id = db_col_str(q, 0);
	n->name = db_col_str(q, 1);
	n->driver = d < 0 ? NET_NAT : (enum net_driver)d;
	if (n->driver == NET_NAT && sqlite3_column_int(q, 3))
		n->driver = NET_INTERNAL;
	n->subnet = net_order((uint64_t)sqlite3_column_int64(q, 4));
	n->prefix = (unsigned)sqlite3_column_int(q, 5);
	n->gateway = net_order((uint64_t)sqlite3_column_int64(q, 6));
	n->range_start = net_order((uint64_t)sqlite3_column_int64(q, 7));
	n->range_end = net_order((uint64_t)sqlite3_column_int64(q, 8));
	n->parent = db_col_str(q, 9);
	n->bridge = db_col_str(q, 10);
	n->options = db_col_str(q, 11);
	n->labels = db_col_str(q, 12);
	n->created = sqlite3_column_int64(q, 13);
	if (n->options == NULL)
		n->options = xstrdup("{}");
	if (n->labels == NULL)
		n->labels = xstrdup("{}");
}

/* Rows of `sql` (one 's' argument): *matches counts up to 2, the first is
 * kept in *out. */
static int find_rows(struct store *s, const char *sql, const char *key, struct net_info *out,
		     int *matches, struct ar_err *err)
{
	sqlite3_stmt *q;
	int r;

	*matches = 0;
	if (db_prepare(s->db, &q, err, sql, "s", key) < 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW && *matches < 2) {
		if (++*matches == 1)
			fill_net(q, out);
	}
	sqlite3_finalize(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		if (*matches > 0)
			net_info_free(out);
		return db_error(s->db, err, "look up network");
	}
	if (*matches > 1)
		net_info_free(out);
	return 0;
}

int netdb_find(struct store *s, const char *ref, struct net_info *out, struct ar_err *err)
{
	size_t hexlen = strspn(ref, "0123456789abcdef");
	int n = 0;

	memset(out, 0, sizeof *out);
	if (ref[0] == '\0')
		return ar_fail(err, ENOENT, "no such network: `%s`", ref);
	/* The name first: a network may well be called "abc", which would
	 * otherwise also be a prefix of some ID. */
	if (find_rows(s, NET_COLUMNS "WHERE name = ?", ref, out, &n, err) < 0)
		return -1;
	if (n == 0 && find_rows(s, NET_COLUMNS "WHERE id = ?", ref, out, &n, err) < 0)
		return -1;
	if (n == 0 && hexlen == strlen(ref)) {
		_cleanup_free_ char *pat = xasprintf("%s*", ref);
		if (find_rows(s, NET_COLUMNS "WHERE id GLOB ? LIMIT 2", pat, out, &n, err) < 0)
			return -1;
		if (n > 1)
			return ar_fail(err, EINVAL, "network ID prefix `%s` is ambiguous", ref);
	}
	if (n != 1)
		return ar_fail(err, ENOENT, "no such network: `%s`", ref);
	return 0;
}

int netdb_list(struct store *s, netdb_fn fn, void *data, struct ar_err *err)
{
	sqlite3_stmt *q;
	int r = 0, step;

	if (db_prepare(s->db, &q, err, NET_COLUMNS "ORDER BY name", NULL) < 0)
		return -1;
	while (r == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		struct net_info n;
		fill_net(q, &n);
		r = fn(&n, data);
		net_info_free(&n);
	}
	sqlite3_finalize(q);
	if (r == 0 && step != SQLITE_DONE)
		return db_error(s->db, err, "list networks");
	return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ create */

static bool net_name_valid(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > NET_NAME_MAX || !isalnum((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	}
	return true;
}

/* The names a container's network mode gives another meaning to. */
static bool net_name_reserved(const char *n)
{
	return strcmp(n, "none") == 0 || strcmp(n, "host") == 0 ||
	       strncmp(n, "container:", strlen("container:")) == 0;
}

/* -o / --label K=V lists as a JSON object's text ("{}" when empty). */
static int kv_to_json(char *const *kv, const char *flag, char **out, struct ar_err *err)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		if (eq == NULL || eq == kv[i]) {
			json_object_put(o);
			return ar_fail(err, EINVAL, "invalid argument `%s` for %s: expected "
					"KEY=VALUE", kv[i], flag);
		}
		_cleanup_free_ char *key = xasprintf("%.*s", (int)(eq - kv[i]), kv[i]);
		json_object_object_add(o, key, json_object_new_string(eq + 1));
	}
	*out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

/* The value of -o parent=IFACE, when the options carry it. */
static const char *option_parent(char *const *options)
{
	const char *key = "parent=";

	for (size_t i = 0; options && options[i]; i++) {
		if (strncmp(options[i], key, strlen(key)) == 0)
			return options[i] + strlen(key);
	}
	return NULL;
}

static bool ifname_valid(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len >= 16 || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
		return false;
	for (const char *p = n; *p; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	}
	return true;
}

/* What a new network will be, decided before the transaction: the
 * fields that do not depend on other networks. */
struct net_plan {
	enum net_driver driver;
	const char *parent;
	bool have_subnet;
	uint32_t subnet;	/* host order */
	unsigned prefix;
	const char *gateway_arg, *range_arg;
	char *options, *labels;
};

static int check_driver_args(const struct net_create_opts *o, struct net_plan *p,
			     struct ar_err *err)
{
	const char *drv = net_driver_name(o->driver);

	if ((unsigned)o->driver > NET_L2BRIDGE)
		return ar_fail(err, EINVAL, "invalid network driver %d", (int)o->driver);
	p->driver = o->driver;
	p->parent = o->parent ? o->parent : option_parent(o->options);
	if (driver_is_bridged(o->driver)) {
		if (p->parent)
			return ar_fail(err, EINVAL, "invalid argument `parent=%s` for -o: the %s "
					"driver has no parent interface (only transparent and "
					"l2bridge)", p->parent, drv);
		return 0;
	}
	if (p->parent == NULL)
		return ar_fail(err, EINVAL, "the %s driver needs the host interface it "
				"joins: -o parent=IFACE", drv);
	if (!ifname_valid(p->parent))
		return ar_fail(err, EINVAL, "invalid argument `parent=%s` for -o: not an "
				"interface name", p->parent);
	if (o->subnet == NULL)
		return ar_fail(err, EINVAL, "the %s driver needs --subnet: the subnet of the "
				"LAN that `%s` is on", drv, p->parent);
	return 0;
}

static int check_name(const char *name, enum net_driver driver, struct ar_err *err)
{
	if (name && net_name_reserved(name))
		return ar_fail(err, EINVAL, "network name `%s` is reserved: it is a network "
				"mode of its own", name);
	if (name == NULL || !net_name_valid(name))
		return ar_fail(err, EINVAL, "invalid network name `%s`: only [a-zA-Z0-9]"
				"[a-zA-Z0-9_.-] are allowed, at most %d characters",
				name ? name : "", NET_NAME_MAX);
	/* The default network is found by its name; another driver under it
	 * would hand every container something else than the NAT network. */
	if (strcmp(name, NETDB_DEFAULT_NAME) == 0 && driver != NET_NAT)
		return ar_fail(err, EINVAL, "network name `%s` is the default network's: "
				"it must use the nat driver", name);
	return 0;
}

static int plan_network(const struct net_create_opts *o, struct net_plan *p,
			struct ar_err *err)
{
	struct in_addr a;

	memset(p, 0, sizeof *p);
	if (check_name(o->name, o->driver, err) < 0 || check_driver_args(o, p, err) < 0)
		return -1;
	if (o->subnet) {
		if (parse_cidr_any(o->subnet, &a, &p->prefix) < 0)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --subnet: not an "
					"IPv4 CIDR (A.B.C.D/N)", o->subnet);
		if ((host_order(a) & ~mask_of(p->prefix)) != 0) {
			char buf[INET_ADDRSTRLEN];
			return ar_fail(err, EINVAL, "invalid argument `%s` for --subnet: host bits "
					"are set (the network is %s/%u)", o->subnet,
					ip_str(net_order(host_order(a) & mask_of(p->prefix)), buf),
					p->prefix);
		}
		if (special_subnet(host_order(a), p->prefix))
			return ar_fail(err, EINVAL, "invalid argument `%s` for --subnet: in 0.0.0.0/8, "
				       "127.0.0.0/8 or 224.0.0.0/3 (this host, loopback, multicast "
				       "and reserved): no container can use it", o->subnet);
		if (p->prefix < 8)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --subnet: larger "
					"than a /8", o->subnet);
		p->have_subnet = true;
		p->subnet = host_order(a);
	} else if (o->gateway || o->ip_range) {
		return ar_fail(err, EINVAL, "%s needs --subnet", o->gateway ? "--gateway" :
				"--ip-range");
	}
	p->gateway_arg = o->gateway;
	p->range_arg = o->ip_range;
	if (kv_to_json(o->options, "-o", &p->options, err) < 0)
		return -1;
	if (kv_to_json(o->labels, "--label", &p->labels, err) < 0) {
		free(p->options);
		return -1;
	}
	return 0;
}

/* The subnets of the argon networks there are, for the overlap rule. */
struct taken_net {
	char *name;
	uint32_t subnet;
	unsigned prefix;
};

static void taken_free(struct taken_net *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		free(t[i].name);
	free(t);
}

static int load_taken(struct store *s, struct taken_net **out, size_t *n, struct ar_err *err)
{
	sqlite3_stmt *q;
	struct taken_net *t = NULL;
	size_t len = 0;
	int r;

	if (db_prepare(s->db, &q, err, "SELECT name, subnet, prefix FROM networks", NULL) < 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		t = xrealloc(t, (len + 1) * sizeof *t);
		t[len].name = db_col_str(q, 0);
		t[len].subnet = (uint32_t)sqlite3_column_int64(q, 1);
		t[len++].prefix = (unsigned)sqlite3_column_int(q, 2);
	}
	sqlite3_finalize(q);
	if (r != SQLITE_DONE) {
		taken_free(t, len);
		return db_error(s->db, err, "list networks");
	}
	*out = t;
	*n = len;
	return 0;
}

static const struct taken_net *overlapping_net(const struct taken_net *t, size_t n,
					       uint32_t subnet, unsigned prefix)
{
	for (size_t i = 0; i < n; i++) {
		if (net_overlaps(net_order(subnet), prefix, net_order(t[i].subnet), t[i].prefix))
			return &t[i];
	}
	return NULL;
}

/* Routes shorter than /8 are left out: a VPN's 0.0.0.0/1 + 128.0.0.0/1
 * (OpenVPN's def1) cover everything, yet a bridge's longer prefix still
 * wins the route lookup. */
static const struct rtnl_prefix *overlapping_route(const struct rtnl_prefix *in_use, size_t n,
						  uint32_t subnet, unsigned prefix)
{
	for (size_t i = 0; in_use && i < n; i++) {
		if (in_use[i].len >= 8 &&
		    net_overlaps(net_order(subnet), prefix, in_use[i].addr, in_use[i].len))
			return &in_use[i];
	}
	return NULL;
}

/* The first free one of 10.88.0.0/16 ... 10.99.0.0/16, 172.18.0.0/16 ...
 * 172.31.0.0/16 (docker's own pool starts at 172.17, so argon's first
 * choices stay out of its way). */
static int pick_subnet(const struct taken_net *t, size_t n_taken,
		       const struct rtnl_prefix *in_use, size_t n_in_use, struct net_plan *p,
		       const char *name, struct ar_err *err)
{
	static const struct { uint32_t first, last; } pools[] = {
		{ 0x0a580000u, 0x0a630000u },	/* 10.88.0.0 .. 10.99.0.0 */
		{ 0xac120000u, 0xac1f0000u },	/* 172.18.0.0 .. 172.31.0.0 */
	};

	for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
		for (uint32_t c = pools[i].first; c <= pools[i].last; c += 0x10000u) {
			if (overlapping_net(t, n_taken, c, 16) == NULL &&
			    overlapping_route(in_use, n_in_use, c, 16) == NULL) {
				p->subnet = c;
				p->prefix = 16;
				return 0;
			}
		}
	}
	return ar_fail(err, ENOSPC, "no free private subnet for network `%s` (10.88-99.0.0/16 "
			"and 172.18-31.0.0/16 are all in use): give one with --subnet", name);
}

static int check_given_subnet(const struct taken_net *t, size_t n_taken,
			      const struct rtnl_prefix *in_use, size_t n_in_use,
			      const struct net_plan *p, const char *arg, struct ar_err *err)
{
	const struct taken_net *other = overlapping_net(t, n_taken, p->subnet, p->prefix);
	char buf[INET_ADDRSTRLEN];

	if (other)
		return ar_fail(err, EADDRINUSE, "invalid argument `%s` for --subnet: overlaps "
				"network `%s` (%s/%u)", arg, other->name,
				ip_str(net_order(other->subnet), buf), other->prefix);
	/* transparent and l2bridge join the LAN's own subnet: the host's
	 * route to it is expected there. */
	if (driver_is_bridged(p->driver)) {
		const struct rtnl_prefix *r = overlapping_route(in_use, n_in_use, p->subnet,
								p->prefix);
		if (r)
			return ar_fail(err, EADDRINUSE, "invalid argument `%s` for --subnet: "
					"overlaps the route to %s/%u of this host", arg,
					ip_str(r->addr, buf), r->len);
	}
	return 0;
}

/* Gateway and range, now that the subnet is known. */
static int place_gateway_and_range(const struct net_plan *p, const char *subnet_str,
				   uint32_t *gateway, uint32_t *start, uint32_t *end,
				   struct ar_err *err)
{
	uint32_t first = p->subnet, last = p->subnet | ~mask_of(p->prefix);
	struct in_addr a;
	unsigned rlen;

	/* The network and broadcast addresses are nobody's; /31 and /32
	 * have none (RFC 3021). */
	if (p->prefix <= 30) {
		first++;
		last--;
	}
	*gateway = first;
	if (p->gateway_arg) {
		if (net_parse_ip(p->gateway_arg, &a) < 0)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --gateway: not an "
					"IPv4 address", p->gateway_arg);
		*gateway = host_order(a);
		if (*gateway < first || *gateway > last)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --gateway: not a "
					"host address of subnet `%s`", p->gateway_arg, subnet_str);
	}
	*start = first;
	*end = last;
	if (p->range_arg) {
		if (net_parse_cidr(p->range_arg, &a, &rlen) < 0)
			return ar_fail(err, EINVAL, "invalid argument `%s` for --ip-range: not an "
					"IPv4 CIDR with its host bits zero", p->range_arg);
		if (rlen < p->prefix || !contains(p->subnet, p->prefix, host_order(a)))
			return ar_fail(err, EINVAL, "invalid argument `%s` for --ip-range: not "
					"inside subnet `%s`", p->range_arg, subnet_str);
		if (host_order(a) > *start)
			*start = host_order(a);
		if ((host_order(a) | ~mask_of(rlen)) < *end)
			*end = host_order(a) | ~mask_of(rlen);
	}
	/* At least one address must be left for a container. */
	if (*start > *end || (*start == *end && *start == *gateway))
		return ar_fail(err, EINVAL, "subnet `%s`%s%s leaves no address for containers",
				subnet_str, p->range_arg ? " with --ip-range " : "",
				p->range_arg ? p->range_arg : "");
	return 0;
}

static int insert_network(struct store *s, const struct net_create_opts *o,
			  const struct net_plan *p, const char *id, const char *bridge,
			  uint32_t gateway, uint32_t start, uint32_t end, struct ar_err *err)
{
	const char *driver = p->driver == NET_INTERNAL ? "nat" : net_driver_name(p->driver);

	return db_run(s->db, err, "INSERT INTO networks(id, name, driver, subnet, prefix, gateway, "
		      "range_start, range_end, parent, bridge, internal, options, labels, created) "
		      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "sssiiiiississi", id,
		      o->name, driver, (int64_t)p->subnet, (int64_t)p->prefix, (int64_t)gateway,
		      (int64_t)start, (int64_t)end,
		      driver_is_bridged(p->driver) ? NULL : p->parent, bridge,
		      (int64_t)(p->driver == NET_INTERNAL), p->options, p->labels, store_now());
}

static bool name_taken(struct store *s, const char *name)
{
	sqlite3_stmt *q;
	bool taken;

	if (db_prepare(s->db, &q, NULL, "SELECT 1 FROM networks WHERE name = ?", "s", name) < 0)
		return false;	/* the UNIQUE constraint still refuses it */
	taken = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return taken;
}

/* Inside the transaction: the name, the subnet against the others, the row. */
static int create_locked(struct store *s, const struct net_create_opts *o, struct net_plan *p,
			 const struct rtnl_prefix *in_use, size_t n_in_use, const char *id,
			 struct ar_err *err)
{
	struct taken_net *taken = NULL;
	size_t n_taken = 0;
	_cleanup_free_ char *bridge = NULL, *subnet_str = NULL;
	uint32_t gateway = 0, start = 0, end = 0;
	char buf[INET_ADDRSTRLEN];
	int r = -1;

	if (name_taken(s, o->name))
		return ar_fail(err, EEXIST, "network with name `%s` already exists", o->name);
	if (load_taken(s, &taken, &n_taken, err) < 0)
		return -1;
	if (p->have_subnet ? check_given_subnet(taken, n_taken, in_use, n_in_use, p, o->subnet,
						err) :
	    pick_subnet(taken, n_taken, in_use, n_in_use, p, o->name, err))
		goto out;
	subnet_str = p->have_subnet ? xstrdup(o->subnet) :
		     xasprintf("%s/%u", ip_str(net_order(p->subnet), buf), p->prefix);
	if (place_gateway_and_range(p, subnet_str, &gateway, &start, &end, err) < 0)
		goto out;
	if (driver_is_bridged(p->driver))
		bridge = strcmp(o->name, NETDB_DEFAULT_NAME) == 0 ? xstrdup(NETDB_DEFAULT_BRIDGE) :
			 xasprintf("argbr-%.9s", id);
	r = insert_network(s, o, p, id, bridge, gateway, start, end, err);
out:
	taken_free(taken, n_taken);
	return r;
}

int netdb_create(struct store *s, const struct net_create_opts *o,
		 const struct rtnl_prefix *in_use, size_t n_in_use, struct net_info *out,
		 struct ar_err *err)
{
	struct net_plan p;
	char id[65];
	int r;

	if (plan_network(o, &p, err) < 0)
		return ar_err_prefix(err, "create network");
	store_random_hex(id);
	if (db_begin(s->db, err) < 0) {
		free(p.options);
		free(p.labels);
		return ar_err_prefix(err, "create network `%s`", o->name);
	}
	r = create_locked(s, o, &p, in_use, n_in_use, id, err);
	if (r == 0)
		r = db_commit(s->db, err);
	if (r < 0)
		db_rollback(s->db);
	free(p.options);
	free(p.labels);
	if (r < 0)
		return ar_err_prefix(err, "create network");
	if (out && netdb_find(s, id, out, err) < 0)
		return -1;
	return 0;
}

int netdb_default(struct store *s, const struct rtnl_prefix *in_use, size_t n_in_use,
		  struct net_info *out, struct ar_err *err)
{
	struct net_create_opts o = { .name = NETDB_DEFAULT_NAME, .driver = NET_NAT };
	struct ar_err miss = { 0 };

	if (netdb_find(s, NETDB_DEFAULT_NAME, out, &miss) == 0)
		return 0;
	if (miss.errnum != ENOENT) {
		ar_err_set_raw(err, miss.errnum, miss.msg);
		ar_err_clear(&miss);
		return -1;
	}
	ar_err_clear(&miss);
	if (netdb_create(s, &o, in_use, n_in_use, out, &miss) == 0)
		return 0;
	/* Another command made it between our look and our create. */
	if (miss.errnum == EEXIST && netdb_find(s, NETDB_DEFAULT_NAME, out, NULL) == 0) {
		ar_err_clear(&miss);
		return 0;
	}
	ar_err_set_raw(err, miss.errnum, miss.msg);
	ar_err_clear(&miss);
	return -1;
}

/* ------------------------------------------------------------ remove */

/* The attached containers' names, "a, b", or NULL when there are none. */
static int attached_names(struct store *s, const char *network_id, char **out,
			  struct ar_err *err)
{
	sqlite3_stmt *q;
	char *list = NULL;
	int r;

	if (db_prepare(s->db, &q, err, "SELECT c.name FROM endpoints e JOIN containers c "
		       "ON c.id = e.container_id WHERE e.network_id = ? ORDER BY c.name", "s",
		       network_id) < 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		char *more = xasprintf("%s%s%s", list ? list : "", list ? ", " : "",
				       name ? name : "?");
		free(list);
		list = more;
	}
	sqlite3_finalize(q);
	if (r != SQLITE_DONE) {
		free(list);
		return db_error(s->db, err, "list the network's containers");
	}
	*out = list;
	return 0;
}

static int remove_locked(struct store *s, const char *id, struct ar_err *err)
{
	struct net_info n;
	_cleanup_free_ char *names = NULL;
	int matches;

	if (find_rows(s, NET_COLUMNS "WHERE id = ?", id, &n, &matches, err) < 0)
		return -1;
	if (matches == 0)
		return ar_fail(err, ENOENT, "no such network: `%s`", id);
	if (attached_names(s, id, &names, err) < 0) {
		net_info_free(&n);
		return -1;
	}
	if (names) {
		ar_fail(err, EBUSY, "network `%s` has containers attached: %s", n.name, names);
		net_info_free(&n);
		return -1;
	}
	net_info_free(&n);
	return db_run(s->db, err, "DELETE FROM networks WHERE id = ?", "s", id);
}

int netdb_remove(struct store *s, const char *id, struct ar_err *err)
{
	if (db_begin(s->db, err) < 0)
		return ar_err_prefix(err, "remove network `%s`", id);
	if (remove_locked(s, id, err) < 0 || db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		return -1;
	}
	return 0;
}
