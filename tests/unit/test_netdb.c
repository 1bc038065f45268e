/* Unit tests for src/lib/netdb.c against a real store in a temp dir:
 * creating networks (given and picked subnets, every refusal), finding
 * them, the address management (lowest free, the gateway skipped, wanted
 * addresses, full ranges, ethN names), releases by detach and by removing
 * the container, removal refused while attached, and concurrent attaches
 * from several processes. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "netdb.h"
#include "store.h"
#include "unit.h"
#include "util.h"

#define TEST_IMAGE "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* A store in a temp dir, closed and removed when the variable leaves scope. */
struct fix {
	struct unit_dir dir;
	struct store *s;
};

static void fix_close(struct fix *f)
{
	store_close(f->s);
	f->s = NULL;
	unit_dir_remove(&f->dir);
}
#define _cleanup_fix_ __attribute__((cleanup(fix_close)))

/* The store and one tagged image for containers to use (a tag keeps the
 * store from collecting it when its last container goes). */
static int fix_open(struct fix *f)
{
	struct ar_err err = { 0 };

	if (unit_dir_make(&f->dir, "netdb") < 0)
		return -1;
	if (store_open(f->dir.path, &f->s, &err) < 0 ||
	    db_run(f->s->db, &err, "INSERT INTO images(id, config, created) VALUES(?, '{}', 0)",
		   "s", TEST_IMAGE) < 0 ||
	    db_run(f->s->db, &err, "INSERT INTO tags(name, image_id) VALUES('test:latest', ?)",
		   "s", TEST_IMAGE) < 0) {
		fprintf(stderr, "  store: %s\n", err.msg);
		ar_err_clear(&err);
		return -1;
	}
	return 0;
}

/* A container row and dir made by the store's own API; *id is its ID. */
static int make_container(struct fix *f, const char *name, char **id)
{
	struct container_info c;
	struct ar_err err = { 0 };

	if (store_container_add(f->s, name, TEST_IMAGE, 0, &c, &err) < 0) {
		fprintf(stderr, "  container `%s`: %s\n", name, err.msg);
		ar_err_clear(&err);
		return -1;
	}
	*id = steal_ptr(&c.id);
	container_info_free(&c);
	return 0;
}

static struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

static const char *ipstr(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int next;

	next = (next + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[next], INET_ADDRSTRLEN);
}

static struct rtnl_prefix route(const char *addr, unsigned len)
{
	return (struct rtnl_prefix){ .addr = ip(addr), .len = len };
}

/* Creates a nat network `name` with `subnet` (NULL: picked). */
static int create_nat(struct fix *f, const char *name, const char *subnet, struct net_info *out)
{
	struct net_create_opts o = { .name = name, .driver = NET_NAT, .subnet = subnet };
	struct ar_err err = { 0 };

	if (netdb_create(f->s, &o, NULL, 0, out, &err) < 0) {
		fprintf(stderr, "  create `%s`: %s\n", name, err.msg);
		ar_err_clear(&err);
		return -1;
	}
	return 0;
}

/* Attaches with `want` ("" for any); returns the address or "" and the
 * error's errno in *e. */
static const char *attach(struct fix *f, const char *cid, const struct net_info *n,
			  const char *want, int *e)
{
	struct net_endpoint ep;
	struct ar_err err = { 0 };
	const char *r;

	*e = 0;
	if (netdb_attach(f->s, cid, n, want[0] ? ip(want) : (struct in_addr){ 0 }, NULL, &ep,
			 &err) < 0) {
		*e = err.errnum;
		ar_err_clear(&err);
		return "";
	}
	r = ipstr(ep.ip);
	net_endpoint_free(&ep);
	return r;
}

/* ------------------------------------------------------------ parsing */

static void test_parse_helpers(void)
{
	struct in_addr a;
	unsigned len;

	CHECK(net_parse_cidr("10.1.0.0/16", &a, &len) == 0);
	CHECK(a.s_addr == ip("10.1.0.0").s_addr && len == 16);
	CHECK(net_parse_cidr("10.1.0.1/16", &a, &len) < 0);	/* host bits */
	CHECK(net_parse_cidr("10.1.0.0", &a, &len) < 0);
	CHECK(net_parse_cidr("10.1.0.0/33", &a, &len) < 0);
	CHECK(net_parse_cidr("10.1.0.0/", &a, &len) < 0);
	CHECK(net_parse_cidr("10.1.0.0/-1", &a, &len) < 0);
	CHECK(net_parse_cidr("10.1.0/16", &a, &len) < 0);
	CHECK(net_parse_ip("192.168.1.7", &a) == 0 && a.s_addr == ip("192.168.1.7").s_addr);
	CHECK(net_parse_ip("192.168.1.256", &a) < 0);
	CHECK(net_parse_ip("::1", &a) < 0);
	CHECK(net_overlaps(ip("10.0.0.0"), 8, ip("10.88.0.0"), 16));
	CHECK(net_overlaps(ip("10.88.0.0"), 16, ip("10.0.0.0"), 8));
	CHECK(!net_overlaps(ip("10.88.0.0"), 16, ip("10.89.0.0"), 16));
	CHECK(net_overlaps(ip("10.88.3.0"), 24, ip("10.88.0.0"), 16));
	CHECK(net_driver_parse("bridge") == NET_NAT && net_driver_parse("nat") == NET_NAT);
	CHECK(net_driver_parse("macvlan") == NET_TRANSPARENT);
	CHECK(net_driver_parse("ipvlan") == NET_L2BRIDGE);
	CHECK(net_driver_parse("internal") == NET_INTERNAL);
	CHECK(net_driver_parse("overlay") == -1);
	CHECK_STR(net_driver_name(NET_L2BRIDGE), "l2bridge");
}

/* ------------------------------------------------------------ create */

static void test_create_given_subnet(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	char *opts[] = { "com.example.mtu=1400", NULL }, *labels[] = { "team=net", "x=", NULL };
	struct net_create_opts o = { .name = "front", .driver = NET_NAT,
				     .subnet = "192.168.50.0/24", .options = opts,
				     .labels = labels };
	struct net_info n = { 0 }, again = { 0 };
	struct ar_err err = { 0 };

	CHECK(fix_open(&f) == 0);
	CHECK(netdb_create(f.s, &o, NULL, 0, &n, &err) == 0);
	CHECK(strlen(n.id) == 64 && strspn(n.id, "0123456789abcdef") == 64);
	CHECK_STR(n.name, "front");
	CHECK(n.driver == NET_NAT);
	CHECK_STR(ipstr(n.subnet), "192.168.50.0");
	CHECK(n.prefix == 24);
	CHECK_STR(ipstr(n.gateway), "192.168.50.1");
	CHECK_STR(ipstr(n.range_start), "192.168.50.1");
	CHECK_STR(ipstr(n.range_end), "192.168.50.254");
	CHECK(n.parent == NULL);
	CHECK(n.bridge && strncmp(n.bridge, "argbr-", 6) == 0 && strlen(n.bridge) == 15);
	CHECK(strncmp(n.bridge + 6, n.id, 9) == 0);
	CHECK_STR(n.options, "{\"com.example.mtu\":\"1400\"}");
	CHECK_STR(n.labels, "{\"team\":\"net\",\"x\":\"\"}");
	CHECK(n.created > 0);
	/* What was stored reads back the same. */
	CHECK(netdb_find(f.s, "front", &again, &err) == 0);
	CHECK_STR(again.id, n.id);
	CHECK_STR(ipstr(again.range_end), "192.168.50.254");
	net_info_free(&n);
	net_info_free(&again);
}

static void test_create_internal_gateway_range(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	struct net_create_opts o = { .name = "back", .driver = NET_INTERNAL,
				     .subnet = "10.20.0.0/16", .gateway = "10.20.0.254",
				     .ip_range = "10.20.5.0/24" };
	struct net_info n = { 0 };
	struct ar_err err = { 0 };

	CHECK(fix_open(&f) == 0);
	CHECK(netdb_create(f.s, &o, NULL, 0, &n, &err) == 0);
	CHECK(n.driver == NET_INTERNAL);
	CHECK_STR(ipstr(n.gateway), "10.20.0.254");
	CHECK_STR(ipstr(n.range_start), "10.20.5.0");
	CHECK_STR(ipstr(n.range_end), "10.20.5.255");
	CHECK(n.bridge != NULL);
	CHECK_STR(n.options, "{}");
	CHECK_STR(n.labels, "{}");
	net_info_free(&n);
}

static void test_create_transparent(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	/* The LAN's subnet: the host's route to it is expected. */
	struct rtnl_prefix in_use[] = { route("192.168.1.0", 24) };
	char *opts[] = { "parent=eth9", NULL };
	struct net_create_opts o = { .name = "lan", .driver = NET_TRANSPARENT,
				     .subnet = "192.168.1.0/24", .options = opts };
	struct net_info n = { 0 };
	struct ar_err err = { 0 };

	CHECK(fix_open(&f) == 0);
	CHECK(netdb_create(f.s, &o, in_use, 1, &n, &err) == 0);
	CHECK(n.driver == NET_TRANSPARENT);
	CHECK_STR(n.parent, "eth9");
	CHECK(n.bridge == NULL);
	CHECK_STR(ipstr(n.gateway), "192.168.1.1");
	net_info_free(&n);
	o = (struct net_create_opts){ .name = "lan2", .driver = NET_L2BRIDGE,
				      .subnet = "192.168.7.0/24", .parent = "eth8",
				      .gateway = "192.168.7.254" };
	CHECK(netdb_create(f.s, &o, in_use, 1, &n, &err) == 0);
	CHECK(n.driver == NET_L2BRIDGE);
	CHECK_STR(n.parent, "eth8");
	CHECK_STR(ipstr(n.gateway), "192.168.7.254");
	net_info_free(&n);
	/* Another argon network's subnet is refused whatever the driver. */
	o.name = "lan3";
	o.subnet = "192.168.1.128/25";
	CHECK(netdb_create(f.s, &o, in_use, 1, &n, &err) < 0);
	CHECK(err.errnum == EADDRINUSE);
	CHECK_CONTAINS(err.msg, "`lan`");
	CHECK_CONTAINS(err.msg, "`192.168.1.128/25`");
	ar_err_clear(&err);
}

static void test_create_picked_subnet(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	struct rtnl_prefix in_use[] = { route("10.88.0.0", 16), route("10.89.5.0", 24),
					route("192.168.0.0", 24) };
	struct net_create_opts o = { .name = "a", .driver = NET_NAT };
	struct net_info n = { 0 };
	struct ar_err err = { 0 };

	CHECK(fix_open(&f) == 0);
	/* Routes skipped: 10.88/16 is routed, 10.89/16 holds a routed /24. */
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) == 0);
	CHECK_STR(ipstr(n.subnet), "10.90.0.0");
	CHECK(n.prefix == 16);
	CHECK_STR(ipstr(n.gateway), "10.90.0.1");
	CHECK_STR(ipstr(n.range_end), "10.90.255.254");
	net_info_free(&n);
	/* Networks skipped: 10.90 is "a"'s now, 10.91.3.0/24 is "b"'s. */
	CHECK(create_nat(&f, "b", "10.91.3.0/24", &n) == 0);
	net_info_free(&n);
	o.name = "c";
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) == 0);
	CHECK_STR(ipstr(n.subnet), "10.92.0.0");
	net_info_free(&n);
}

static void test_picked_subnet_172_and_exhausted(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	struct rtnl_prefix in_use[] = { route("10.0.0.0", 8), route("172.16.0.0", 14),
					route("172.24.0.0", 13) };
	struct net_create_opts o = { .name = "a", .driver = NET_NAT };
	struct net_info n = { 0 };
	struct ar_err err = { 0 };

	CHECK(fix_open(&f) == 0);
	/* 10/8 and 172.16-19 routed: the first free is 172.20.0.0/16. */
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) == 0);
	CHECK_STR(ipstr(n.subnet), "172.20.0.0");
	net_info_free(&n);
	o.name = "b";
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) == 0);
	CHECK_STR(ipstr(n.subnet), "172.21.0.0");
	net_info_free(&n);
	/* 172.22 and 172.23 next, then every candidate is taken. */
	o.name = "c";
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) == 0);
	net_info_free(&n);
	o.name = "d";
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) == 0);
	CHECK_STR(ipstr(n.subnet), "172.23.0.0");
	net_info_free(&n);
	o.name = "e";
	CHECK(netdb_create(f.s, &o, in_use, 3, &n, &err) < 0);
	CHECK(err.errnum == ENOSPC);
	CHECK_CONTAINS(err.msg, "--subnet");
	ar_err_clear(&err);
}

static void test_default_network(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	struct rtnl_prefix in_use[] = { route("10.88.0.0", 16) };
	struct net_info a = { 0 }, b = { 0 };
	struct ar_err err = { 0 };

	CHECK(fix_open(&f) == 0);
	CHECK(netdb_default(f.s, in_use, 1, &a, &err) == 0);
	CHECK_STR(a.name, NETDB_DEFAULT_NAME);
	CHECK_STR(a.bridge, NETDB_DEFAULT_BRIDGE);
	CHECK(a.driver == NET_NAT);
	CHECK_STR(ipstr(a.subnet), "10.89.0.0");
	CHECK(netdb_default(f.s, NULL, 0, &b, &err) == 0);
	CHECK_STR(a.id, b.id);
	net_info_free(&a);
	net_info_free(&b);
}

/* netdb_create with `o` fails with `e` and a message holding `words`. */
#define CREATE_REFUSED(f, o, in_use, n_in_use, e, ...) do { \
	struct ar_err err_ = { 0 }; \
	struct net_info n_ = { 0 }; \
	const char *w_[] = { __VA_ARGS__, NULL }; \
	bool ok_ = netdb_create((f)->s, (o), (in_use), (n_in_use), &n_, &err_) < 0; \
	if (!ok_) \
		fprintf(stderr, "  `%s` created\n", (o)->name); \
	if (ok_ && err_.errnum != (e)) { \
		fprintf(stderr, "  errno %d, not %d: %s\n", err_.errnum, (e), err_.msg); \
		ok_ = false; \
	} \
	for (size_t i_ = 0; ok_ && w_[i_]; i_++) { \
		if (!strstr(err_.msg, w_[i_])) { \
			fprintf(stderr, "  `%s` lacks `%s`\n", err_.msg, w_[i_]); \
			ok_ = false; \
		} \
	} \
	net_info_free(&n_); \
	ar_err_clear(&err_); \
	CHECK(ok_); \
} while (0)

static void test_create_refusals(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	struct rtnl_prefix in_use[] = { route("192.168.1.0", 24) };
	struct net_create_opts o;
	struct net_info n = { 0 };
	char long_name[70];
	char *bad_opt[] = { "mtu", NULL };

	CHECK(fix_open(&f) == 0);
	CHECK(create_nat(&f, "taken", "10.10.0.0/16", &n) == 0);
	net_info_free(&n);

#define NAT(nm, sub) (o = (struct net_create_opts){ .name = (nm), .driver = NET_NAT, \
						      .subnet = (sub) }, &o)
	CREATE_REFUSED(&f, NAT("x", "10.1.0.0"), NULL, 0, EINVAL, "`10.1.0.0`", "--subnet");
	CREATE_REFUSED(&f, NAT("x", "10.1.0.0/33"), NULL, 0, EINVAL, "`10.1.0.0/33`");
	CREATE_REFUSED(&f, NAT("x", "ten/8"), NULL, 0, EINVAL, "`ten/8`");
	CREATE_REFUSED(&f, NAT("x", "10.1.0.1/24"), NULL, 0, EINVAL, "`10.1.0.1/24`", "host bits",
		       "10.1.0.0/24");
	/* Another argon network: both are named. */
	CREATE_REFUSED(&f, NAT("x", "10.10.5.0/24"), NULL, 0, EADDRINUSE, "`10.10.5.0/24`",
		       "`taken`", "10.10.0.0/16");
	CREATE_REFUSED(&f, NAT("x", "10.0.0.0/8"), NULL, 0, EADDRINUSE, "`taken`");
	/* A route of this host, for nat and internal. */
	CREATE_REFUSED(&f, NAT("x", "192.168.0.0/16"), in_use, 1, EADDRINUSE,
		       "overlaps the route to 192.168.1.0/24 of this host");
	o.driver = NET_INTERNAL;
	CREATE_REFUSED(&f, &o, in_use, 1, EADDRINUSE, "route to 192.168.1.0/24");

	(void)NAT("x", "10.1.0.0/24");
	o.gateway = "10.1.1.1";
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`10.1.1.1`", "--gateway", "`10.1.0.0/24`");
	o.gateway = "10.1.0.255";	/* the broadcast address */
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`10.1.0.255`");
	o.gateway = "10.1.0.x";
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`10.1.0.x`");
	o.gateway = NULL;
	o.ip_range = "10.1.1.0/28";
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`10.1.1.0/28`", "--ip-range");
	o.ip_range = "10.0.0.0/16";	/* larger than the subnet */
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`10.0.0.0/16`");
	o.ip_range = "10.1.0.0/32";	/* only the network address */
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "no address");
	o = (struct net_create_opts){ .name = "x", .driver = NET_NAT, .gateway = "10.1.0.1" };
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "--gateway needs --subnet");

	/* Names. */
	CREATE_REFUSED(&f, NAT("taken", NULL), NULL, 0, EEXIST, "`taken`", "already exists");
	CREATE_REFUSED(&f, NAT("host", NULL), NULL, 0, EINVAL, "`host`", "reserved");
	CREATE_REFUSED(&f, NAT("none", NULL), NULL, 0, EINVAL, "`none`", "reserved");
	CREATE_REFUSED(&f, NAT("container:abc", NULL), NULL, 0, EINVAL, "`container:abc`",
		       "reserved");
	CREATE_REFUSED(&f, NAT("-x", NULL), NULL, 0, EINVAL, "`-x`");
	CREATE_REFUSED(&f, NAT("a b", NULL), NULL, 0, EINVAL, "`a b`");
	CREATE_REFUSED(&f, NAT("", NULL), NULL, 0, EINVAL, "invalid network name");
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	CREATE_REFUSED(&f, NAT(long_name, NULL), NULL, 0, EINVAL, "at most 64");
	long_name[64] = '\0';
	CHECK(create_nat(&f, long_name, NULL, &n) == 0);	/* 64 is fine */
	net_info_free(&n);
	CHECK(create_nat(&f, "z", NULL, &n) == 0);		/* one character too */
	net_info_free(&n);

	/* Driver arguments. */
	o = (struct net_create_opts){ .name = "x", .driver = NET_TRANSPARENT,
				      .subnet = "192.168.1.0/24" };
	CREATE_REFUSED(&f, &o, in_use, 1, EINVAL, "parent=IFACE");
	o.parent = "eth0";
	o.subnet = NULL;
	CREATE_REFUSED(&f, &o, in_use, 1, EINVAL, "--subnet");
	o.subnet = "192.168.1.0/24";
	o.parent = "bad/name";
	CREATE_REFUSED(&f, &o, in_use, 1, EINVAL, "`parent=bad/name`");
	(void)NAT("x", NULL);
	o.parent = "eth0";
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`parent=eth0`", "transparent");
	o = (struct net_create_opts){ .name = NETDB_DEFAULT_NAME, .driver = NET_L2BRIDGE,
				      .subnet = "192.168.1.0/24", .parent = "eth0" };
	CREATE_REFUSED(&f, &o, in_use, 1, EINVAL, "default network");
	(void)NAT("x", NULL);
	o.options = bad_opt;
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`mtu`", "-o");
	o.options = NULL;
	o.labels = bad_opt;
	CREATE_REFUSED(&f, &o, NULL, 0, EINVAL, "`mtu`", "--label");
#undef NAT
	/* Nothing refused left a row. */
	CHECK(netdb_find(f.s, "x", &n, NULL) < 0);
}

/* ------------------------------------------------------------ find, list */

static int collect_name(const struct net_info *n, void *data)
{
	strv_push((char ***)data, xstrdup(n->name));
	return 0;
}

static void test_find_and_list(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_strv_ char **names = NULL;
	struct net_info nets[17] = { 0 }, n = { 0 };
	struct ar_err err = { 0 };
	char prefix[2] = { 0 };
	size_t i, j;
	int r;

	CHECK(fix_open(&f) == 0);
	/* 17 IDs: two of them share their first hex digit. */
	for (i = 0; i < 17; i++) {
		char name[16], subnet[32];
		snprintf(name, sizeof name, "net%02zu", 16 - i);
		snprintf(subnet, sizeof subnet, "10.1.%zu.0/24", i);
		r = create_nat(&f, name, subnet, &nets[i]);
		if (r < 0)
			break;
	}
	CHECK(i == 17);
	for (i = 0; i < 17 && !prefix[0]; i++) {
		for (j = i + 1; j < 17; j++) {
			if (nets[i].id[0] == nets[j].id[0])
				prefix[0] = nets[i].id[0];
		}
	}
	r = 0;
	r |= netdb_find(f.s, "net03", &n, &err) != 0 || strcmp(n.id, nets[13].id) != 0;
	net_info_free(&n);
	r |= netdb_find(f.s, nets[5].id, &n, &err) != 0 || strcmp(n.name, "net11") != 0;
	net_info_free(&n);
	{
		char pre[13];
		snprintf(pre, sizeof pre, "%.12s", nets[7].id);
		r |= netdb_find(f.s, pre, &n, &err) != 0 || strcmp(n.name, "net09") != 0;
		net_info_free(&n);
	}
	r |= netdb_find(f.s, prefix, &n, &err) != -1 || err.errnum != EINVAL ||
	     !strstr(err.msg, "ambiguous") || !strstr(err.msg, prefix);
	ar_err_clear(&err);
	r |= netdb_find(f.s, "nosuch", &n, &err) != -1 || err.errnum != ENOENT ||
	     !strstr(err.msg, "no such network: `nosuch`");
	ar_err_clear(&err);
	r |= netdb_find(f.s, "", &n, &err) != -1 || err.errnum != ENOENT;
	ar_err_clear(&err);
	for (i = 0; i < 17; i++)
		net_info_free(&nets[i]);
	CHECK(r == 0);

	/* A name wins over an ID prefix that it also is. */
	CHECK(create_nat(&f, "a", "10.2.0.0/24", &n) == 0);
	net_info_free(&n);
	CHECK(netdb_find(f.s, "a", &n, &err) == 0);
	CHECK_STR(n.name, "a");
	net_info_free(&n);

	/* Listed by name. */
	CHECK(netdb_list(f.s, collect_name, &names, &err) == 0);
	CHECK(strv_len(names) == 18);
	CHECK_STR(names[0], "a");
	CHECK_STR(names[1], "net00");
	CHECK_STR(names[17], "net16");
}

/* ------------------------------------------------------------ attach */

static void test_attach_lowest_free(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_free_ char *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL, *c5 = NULL;
	struct net_info n = { 0 };
	struct ar_err err = { 0 };
	int e;

	CHECK(fix_open(&f) == 0);
	CHECK(make_container(&f, "c1", &c1) == 0 && make_container(&f, "c2", &c2) == 0 &&
	      make_container(&f, "c3", &c3) == 0 && make_container(&f, "c4", &c4) == 0 &&
	      make_container(&f, "c5", &c5) == 0);
	CHECK(create_nat(&f, "n", "10.5.0.0/24", &n) == 0);
	/* .0 is the network, .1 the gateway. */
	CHECK_STR(attach(&f, c1, &n, "", &e), "10.5.0.2");
	CHECK_STR(attach(&f, c2, &n, "10.5.0.10", &e), "10.5.0.10");
	CHECK_STR(attach(&f, c3, &n, "", &e), "10.5.0.3");
	/* Taken, the gateway, outside the range, the broadcast. */
	CHECK_STR(attach(&f, c4, &n, "10.5.0.10", &e), "");
	CHECK(e == EADDRINUSE);
	CHECK(netdb_attach(f.s, c4, &n, ip("10.5.0.10"), NULL, NULL, &err) < 0);
	CHECK_CONTAINS(err.msg, "`10.5.0.10`");
	ar_err_clear(&err);
	CHECK_STR(attach(&f, c4, &n, "10.5.0.1", &e), "");
	CHECK(e == EADDRINUSE);
	CHECK_STR(attach(&f, c4, &n, "10.6.0.1", &e), "");
	CHECK(e == EINVAL);
	CHECK_STR(attach(&f, c4, &n, "10.5.0.255", &e), "");
	CHECK(e == EINVAL);
	/* Already on it. */
	CHECK_STR(attach(&f, c1, &n, "", &e), "");
	CHECK(e == EEXIST);
	/* An unknown container. */
	CHECK_STR(attach(&f, "0123456789abcdef", &n, "", &e), "");
	CHECK(e == ENOENT);
	CHECK_STR(attach(&f, c4, &n, "", &e), "10.5.0.4");
	net_info_free(&n);

	/* A gateway in the middle of the range is skipped. */
	{
		struct net_create_opts o = { .name = "g", .driver = NET_NAT,
					     .subnet = "10.6.0.0/29", .gateway = "10.6.0.3" };
		CHECK(netdb_create(f.s, &o, NULL, 0, &n, &err) == 0);
	}
	CHECK_STR(attach(&f, c1, &n, "", &e), "10.6.0.1");
	CHECK_STR(attach(&f, c2, &n, "", &e), "10.6.0.2");
	CHECK_STR(attach(&f, c3, &n, "", &e), "10.6.0.4");
	net_info_free(&n);
}

static void test_attach_aliases_and_listing(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_free_ char *c1 = NULL, *c2 = NULL;
	char *aliases[] = { "web", "www", NULL };
	struct net_info n = { 0 };
	struct net_endpoint ep = { 0 }, *eps = NULL;
	struct ar_err err = { 0 };
	size_t count = 0;

	CHECK(fix_open(&f) == 0);
	CHECK(make_container(&f, "c1", &c1) == 0 && make_container(&f, "c2", &c2) == 0);
	CHECK(create_nat(&f, "n", "10.5.0.0/24", &n) == 0);
	CHECK(netdb_attach(f.s, c1, &n, ip("10.5.0.50"), aliases, &ep, &err) == 0);
	CHECK_STR(ep.container_id, c1);
	CHECK_STR(ep.network_id, n.id);
	CHECK_STR(ep.ifname, "eth0");
	CHECK(strv_len(ep.aliases) == 2);
	net_endpoint_free(&ep);
	CHECK(netdb_attach(f.s, c2, &n, (struct in_addr){ 0 }, NULL, &ep, &err) == 0);
	CHECK(ep.aliases && ep.aliases[0] == NULL);
	net_endpoint_free(&ep);
	CHECK(netdb_endpoints_of_network(f.s, n.id, &eps, &count, &err) == 0);
	net_info_free(&n);
	CHECK(count == 2);
	/* By address: c2's .2 before c1's .50. */
	CHECK_STR(eps[0].container_id, c2);
	CHECK_STR(ipstr(eps[1].ip), "10.5.0.50");
	CHECK(strv_len(eps[1].aliases) == 2);
	CHECK_STR(eps[1].aliases[0], "web");
	CHECK_STR(eps[1].aliases[1], "www");
	net_endpoints_free(eps, count);
}

static void strs_free(char *(*v)[6])
{
	for (size_t i = 0; i < 6; i++)
		free((*v)[i]);
}

static void test_attach_full(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	__attribute__((cleanup(strs_free))) char *c[6] = { 0 };
	struct net_create_opts o = { .name = "r", .driver = NET_NAT, .subnet = "10.7.0.0/24",
				     .ip_range = "10.7.0.8/30" };
	struct net_info n = { 0 };
	struct ar_err err = { 0 };
	int e;

	CHECK(fix_open(&f) == 0);
	for (int i = 0; i < 6; i++) {
		char name[8];
		snprintf(name, sizeof name, "c%d", i);
		CHECK(make_container(&f, name, &c[i]) == 0);
	}
	/* A /30: one address between network, gateway and broadcast. */
	CHECK(create_nat(&f, "tiny", "10.3.0.0/30", &n) == 0);
	CHECK_STR(attach(&f, c[0], &n, "", &e), "10.3.0.2");
	CHECK_STR(attach(&f, c[1], &n, "", &e), "");
	CHECK(e == ENOSPC);
	CHECK(netdb_attach(f.s, c[1], &n, (struct in_addr){ 0 }, NULL, NULL, &err) < 0);
	CHECK_CONTAINS(err.msg, "`tiny`");
	ar_err_clear(&err);
	net_info_free(&n);

	/* A /30 range inside a /24: .8 to .11, the gateway (.1) outside it. */
	CHECK(netdb_create(f.s, &o, NULL, 0, &n, &err) == 0);
	CHECK_STR(attach(&f, c[0], &n, "", &e), "10.7.0.8");
	CHECK_STR(attach(&f, c[1], &n, "", &e), "10.7.0.9");
	CHECK_STR(attach(&f, c[2], &n, "", &e), "10.7.0.10");
	CHECK_STR(attach(&f, c[3], &n, "", &e), "10.7.0.11");
	CHECK_STR(attach(&f, c[4], &n, "", &e), "");
	CHECK(e == ENOSPC);
	CHECK_STR(attach(&f, c[4], &n, "10.7.0.12", &e), "");
	CHECK(e == EINVAL);
	net_info_free(&n);
}

static void test_ifnames(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_free_ char *c1 = NULL, *c2 = NULL;
	struct net_info a = { 0 }, b = { 0 }, c = { 0 };
	struct net_endpoint ep = { 0 }, *eps = NULL;
	struct ar_err err = { 0 };
	size_t count = 0;

	CHECK(fix_open(&f) == 0);
	CHECK(make_container(&f, "c1", &c1) == 0 && make_container(&f, "c2", &c2) == 0);
	CHECK(create_nat(&f, "a", "10.1.0.0/24", &a) == 0 &&
	      create_nat(&f, "b", "10.2.0.0/24", &b) == 0 &&
	      create_nat(&f, "c", "10.3.0.0/24", &c) == 0);
	CHECK(netdb_attach(f.s, c1, &a, (struct in_addr){ 0 }, NULL, &ep, &err) == 0);
	CHECK_STR(ep.ifname, "eth0");
	net_endpoint_free(&ep);
	CHECK(netdb_attach(f.s, c1, &b, (struct in_addr){ 0 }, NULL, &ep, &err) == 0);
	CHECK_STR(ep.ifname, "eth1");
	net_endpoint_free(&ep);
	/* Another container counts on its own. */
	CHECK(netdb_attach(f.s, c2, &b, (struct in_addr){ 0 }, NULL, &ep, &err) == 0);
	CHECK_STR(ep.ifname, "eth0");
	net_endpoint_free(&ep);
	/* A freed name is the next one used. */
	CHECK(netdb_detach(f.s, c1, a.id, &err) == 0);
	CHECK(netdb_attach(f.s, c1, &c, (struct in_addr){ 0 }, NULL, &ep, &err) == 0);
	CHECK_STR(ep.ifname, "eth0");
	net_endpoint_free(&ep);
	CHECK(netdb_attach(f.s, c1, &a, (struct in_addr){ 0 }, NULL, &ep, &err) == 0);
	CHECK_STR(ep.ifname, "eth2");
	net_endpoint_free(&ep);
	CHECK(netdb_endpoints_of_container(f.s, c1, &eps, &count, &err) == 0);
	CHECK(count == 3);
	CHECK(strcmp(eps[0].ifname, "eth0") == 0 && strcmp(eps[0].network_id, c.id) == 0 &&
	      strcmp(eps[1].ifname, "eth1") == 0 && strcmp(eps[1].network_id, b.id) == 0 &&
	      strcmp(eps[2].ifname, "eth2") == 0 && strcmp(eps[2].network_id, a.id) == 0);
	net_endpoints_free(eps, count);
	net_info_free(&a);
	net_info_free(&b);
	net_info_free(&c);
}

static void test_detach_releases(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_free_ char *c1 = NULL, *c2 = NULL;
	struct net_info n = { 0 };
	struct ar_err err = { 0 };
	int e;

	CHECK(fix_open(&f) == 0);
	CHECK(make_container(&f, "c1", &c1) == 0 && make_container(&f, "c2", &c2) == 0);
	CHECK(create_nat(&f, "n", "10.5.0.0/24", &n) == 0);
	CHECK_STR(attach(&f, c1, &n, "", &e), "10.5.0.2");
	CHECK(netdb_detach(f.s, c1, n.id, &err) == 0);
	CHECK_STR(attach(&f, c2, &n, "", &e), "10.5.0.2");
	CHECK(netdb_detach(f.s, c1, n.id, &err) < 0);
	CHECK(err.errnum == ENOENT);
	ar_err_clear(&err);
	net_info_free(&n);
}

static void test_container_removal_releases(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_free_ char *c1 = NULL, *c2 = NULL;
	struct net_info n = { 0 };
	struct net_endpoint *eps = NULL;
	struct ar_err err = { 0 };
	size_t count = 9;
	int e;

	CHECK(fix_open(&f) == 0);
	CHECK(make_container(&f, "c1", &c1) == 0 && make_container(&f, "c2", &c2) == 0);
	CHECK(create_nat(&f, "n", "10.5.0.0/24", &n) == 0);
	CHECK_STR(attach(&f, c1, &n, "10.5.0.9", &e), "10.5.0.9");
	CHECK(store_container_remove(f.s, c1, &err) == 0);
	CHECK(netdb_endpoints_of_network(f.s, n.id, &eps, &count, &err) == 0);
	CHECK(count == 0);
	free(eps);
	CHECK(netdb_endpoints_of_container(f.s, c1, &eps, &count, &err) == 0);
	CHECK(count == 0);
	free(eps);
	CHECK_STR(attach(&f, c2, &n, "10.5.0.9", &e), "10.5.0.9");
	/* And with the network still referenced, it can go once free again. */
	CHECK(store_container_remove(f.s, c2, &err) == 0);
	CHECK(netdb_remove(f.s, n.id, &err) == 0);
	net_info_free(&n);
}

static void test_remove_busy(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	_cleanup_free_ char *c1 = NULL, *c2 = NULL;
	struct net_info n = { 0 };
	struct ar_err err = { 0 };
	int e;

	CHECK(fix_open(&f) == 0);
	CHECK(make_container(&f, "web", &c1) == 0 && make_container(&f, "db", &c2) == 0);
	CHECK(create_nat(&f, "app", "10.5.0.0/24", &n) == 0);
	CHECK_STR(attach(&f, c1, &n, "", &e), "10.5.0.2");
	CHECK_STR(attach(&f, c2, &n, "", &e), "10.5.0.3");
	CHECK(netdb_remove(f.s, n.id, &err) < 0);
	CHECK(err.errnum == EBUSY);
	CHECK_CONTAINS(err.msg, "network `app` has containers attached: db, web");
	ar_err_clear(&err);
	CHECK(netdb_detach(f.s, c1, n.id, &err) == 0);
	CHECK(netdb_remove(f.s, n.id, &err) < 0);
	CHECK_CONTAINS(err.msg, "attached: db");
	ar_err_clear(&err);
	CHECK(netdb_detach(f.s, c2, n.id, &err) == 0);
	CHECK(netdb_remove(f.s, n.id, &err) == 0);
	CHECK(netdb_remove(f.s, n.id, &err) < 0);
	CHECK(err.errnum == ENOENT);
	ar_err_clear(&err);
	{
		struct net_info gone = { 0 };
		CHECK(netdb_find(f.s, "app", &gone, &err) < 0);
		CHECK(err.errnum == ENOENT);
		ar_err_clear(&err);
	}
	/* The name and subnet are free again. */
	net_info_free(&n);
	CHECK(create_nat(&f, "app", "10.5.0.0/24", &n) == 0);
	net_info_free(&n);
}

/* ------------------------------------------------------------ concurrency */

#define RACERS 8

/* A child: its own store connection, waits for the start signal (the
 * pipe closing), attaches `cid`; exit 0 on success. */
static void racer(const char *root, int start_fd, const char *cid)
{
	struct store *s = NULL;
	struct net_info n = { 0 };
	struct ar_err err = { 0 };
	char c;
	int r;

	if (store_open(root, &s, &err) < 0 || netdb_find(s, "race", &n, &err) < 0)
		_exit(2);
	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
	r = netdb_attach(s, cid, &n, (struct in_addr){ 0 }, NULL, NULL, &err);
	if (r < 0)
		fprintf(stderr, "  racer: %s\n", err.msg);
	_exit(r < 0 ? 1 : 0);
}

static void test_concurrent_attach(void)
{
	_cleanup_fix_ struct fix f = { 0 };
	char *ids[RACERS] = { 0 };
	pid_t pids[RACERS];
	struct net_info n = { 0 };
	struct net_endpoint *eps = NULL;
	struct ar_err err = { 0 };
	size_t count = 0, made = 0, ok = 0;
	int start[2] = { -1, -1 }, bad = 0;

	CHECK(fix_open(&f) == 0);
	for (; made < RACERS; made++) {
		char name[16];
		snprintf(name, sizeof name, "racer%zu", made);
		if (make_container(&f, name, &ids[made]) < 0)
			break;
	}
	if (made == RACERS && create_nat(&f, "race", "10.50.0.0/24", &n) == 0 &&
	    pipe2(start, O_CLOEXEC) == 0) {
		for (size_t i = 0; i < RACERS; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				close(start[1]);
				racer(f.dir.path, start[0], ids[i]);
			}
		}
		close(start[0]);
		close(start[1]);	/* go */
		for (size_t i = 0; i < RACERS; i++) {
			int status;
			if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] &&
			    WIFEXITED(status) && WEXITSTATUS(status) == 0)
				ok++;
		}
		if (netdb_endpoints_of_network(f.s, n.id, &eps, &count, &err) < 0)
			bad = 1;
	}
	/* Every racer got one, all distinct (sorted by address), none lost. */
	for (size_t i = 0; i < count; i++) {
		if (i > 0 && eps[i].ip.s_addr == eps[i - 1].ip.s_addr)
			bad = 1;
		if (ntohl(eps[i].ip.s_addr) != ntohl(ip("10.50.0.2").s_addr) + i)
			bad = 1;
	}
	net_endpoints_free(eps, count);
	net_info_free(&n);
	for (size_t i = 0; i < RACERS; i++)
		free(ids[i]);
	ar_err_clear(&err);
	CHECK(made == RACERS);
	CHECK(ok == RACERS);
	CHECK(count == RACERS);
	CHECK(bad == 0);
}

UNIT_MAIN(UNIT(test_parse_helpers), UNIT(test_create_given_subnet),
	  UNIT(test_create_internal_gateway_range), UNIT(test_create_transparent),
	  UNIT(test_create_picked_subnet), UNIT(test_picked_subnet_172_and_exhausted),
	  UNIT(test_default_network), UNIT(test_create_refusals), UNIT(test_find_and_list),
	  UNIT(test_attach_lowest_free), UNIT(test_attach_aliases_and_listing),
	  UNIT(test_attach_full), UNIT(test_ifnames), UNIT(test_detach_releases),
	  UNIT(test_container_removal_releases), UNIT(test_remove_busy),
	  UNIT(test_concurrent_attach))
