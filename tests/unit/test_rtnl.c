/* Unit tests for src/lib/rtnl.c against the kernel. Each test runs in a
 * child of its own in a new network namespace (the machine's network is
 * never touched) with a private mount namespace and a fresh sysfs, so
 * /sys/class/net lists that namespace's links. Kernel state is read back
 * without rtnl.c where it can be: sysfs, ioctl(SIOC*), /proc/net/route, a
 * libmnl request of the test's own. Everything a test makes dies with its
 * child's namespaces. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"
#include "unit.h"
#include "util.h"

/* ------------------------------------------------------------ the child */

/* Runs `body` in a forked child in new network and mount namespaces. The
 * child's CHECK failure or SKIP comes back as its exit status (1, 77) and
 * the SKIP reason through a pipe. The child leaves by exit(), so the
 * sanitizers' leak check runs in it too (and fails it). */
static void in_netns(void (*body)(void))
{
	static char skip_reason[512];
	int report[2], status = 0;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	CHECK(pipe2(report, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(report[0]);
		if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
			dprintf(report[1], "unshare(CLONE_NEWNET|CLONE_NEWNS): %s (needs CAP_SYS_ADMIN)",
				strerror(errno));
			exit(77);
		}
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			fprintf(stderr, "  mount a sysfs of the new namespace: %s\n", strerror(errno));
			exit(1);
		}
		unit_failed_now = 0;
		unit_skip_why = NULL;
		body();
		if (!unit_failed_now && unit_skip_why) {
			dprintf(report[1], "%s", unit_skip_why);
			exit(77);
		}
		exit(unit_failed_now ? 1 : 0);
	}
	close(report[1]);
	n = read_all(report[0], skip_reason, sizeof skip_reason - 1);
	close(report[0]);
	skip_reason[n > 0 ? n : 0] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		unit_skip_why = skip_reason;
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "  child: %s %d\n", WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#define NETNS_TEST(name) \
	static void name(void) { in_netns(name##_body); }

/* ------------------------------------------------------------ kernel state, read without rtnl.c */

/* An nsfs fd of a new, empty network namespace; the caller stays where it is. */
static int make_netns(void)
{
	int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;

	if (own < 0)
		return -1;
	if (unshare(CLONE_NEWNET) == 0) {
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (setns(own, CLONE_NEWNET) < 0) {
			perror("setns back");
			abort();	/* the rest of the test would lie */
		}
	}
	close(own);
	return fd;
}

/* Enters ns_fd; returns the fd to come back with (leave_ns), -1 on failure. */
static int enter_ns(int ns_fd)
{
	int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (own >= 0 && setns(ns_fd, CLONE_NEWNET) < 0) {
		close(own);
		return -1;
	}
	return own;
}

static void leave_ns(int own)
{
	if (setns(own, CLONE_NEWNET) < 0) {
		perror("setns back");
		abort();
	}
	close(own);
}

static ino_t own_netns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

static bool sys_exists(const char *link, const char *file)
{
	char path[128];

	snprintf(path, sizeof path, "/sys/class/net/%s%s%s", link, file ? "/" : "", file ? file : "");
	return access(path, F_OK) == 0;
}

/* The first line of /sys/class/net/LINK/FILE into out ("" when unreadable). */
static void sys_read(const char *link, const char *file, char *out, size_t size)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *text = NULL;
	char path[128];
	size_t len = 0;

	out[0] = '\0';
	snprintf(path, sizeof path, "/sys/class/net/%s/%s", link, file);
	if (read_file_at(AT_FDCWD, path, &text, &len, &err) == 0) {
		text[strcspn(text, "\n")] = '\0';
		snprintf(out, size, "%s", text);
	}
	ar_err_clear(&err);
}

static bool sys_is_up(const char *link)
{
	char flags[32];

	sys_read(link, "flags", flags, sizeof flags);
	return (strtoul(flags, NULL, 16) & IFF_UP) != 0;
}

/* The name of LINK's master ("" when none). */
static void sys_master(const char *link, char *out, size_t size)
{
	char path[128], target[256];
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof path, "/sys/class/net/%s/master", link);
	n = readlink(path, target, sizeof target - 1);
	if (n > 0) {
		target[n] = '\0';
		snprintf(out, size, "%s", basename(target));
	}
}

/* An address of LINK in the current namespace by SIOCGIF* (0 on failure). */
static uint32_t ioctl_addr(const char *link, unsigned long request)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t a = 0;

	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", link);
	if (fd >= 0 && ioctl(fd, request, &ifr) == 0)
		a = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	if (fd >= 0)
		close(fd);
	return a;
}

static unsigned ioctl_flags(const char *link)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned flags = 0;

	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", link);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		flags = (unsigned short)ifr.ifr_flags;
	if (fd >= 0)
		close(fd);
	return flags;
}

static uint32_t ip(const char *text)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, text, &a);
	return a.s_addr;
}

static struct in_addr in(const char *text)
{
	struct in_addr a = { ip(text) };
	return a;
}

/* Whether the current namespace's main table has dst/mask via gw on dev
 * (/proc/net/route prints the raw network-order words in hex). */
static bool proc_has_route(const char *dev, uint32_t dst, uint32_t mask, uint32_t gw)
{
	FILE *f = fopen("/proc/thread-self/net/route", "re");
	char line[256], iface[IFNAMSIZ + 1];
	unsigned d, g, flags, m;
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f))
		if (sscanf(line, "%16s %X %X %X %*d %*u %*d %X", iface, &d, &g, &flags, &m) == 5)
			found = strcmp(iface, dev) == 0 && d == dst && m == mask && g == gw;
	fclose(f);
	return found;
}

/* The kind (IFLA_INFO_KIND) and mode (the attribute 1 of IFLA_INFO_DATA:
 * IFLA_MACVLAN_MODE, a u32, or IFLA_IPVLAN_MODE, a u16) of a link in
 * ns_fd, by a libmnl request of our own. */
struct link_kind {
	char kind[16];
	long mode;	/* -1: none */
};

static int on_info_data(const struct nlattr *a, void *data)
{
	struct link_kind *k = data;

	if (mnl_attr_get_type(a) == 1 && mnl_attr_get_payload_len(a) == 4)
		k->mode = mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == 1 && mnl_attr_get_payload_len(a) == 2)
		k->mode = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int on_linkinfo(const struct nlattr *a, void *data)
{
	struct link_kind *k = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(k->kind, sizeof k->kind, "%s", mnl_attr_get_str(a));
	if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
		mnl_attr_parse_nested(a, on_info_data, k);
	return MNL_CB_OK;
}

static int on_link_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO)
		mnl_attr_parse_nested(a, on_linkinfo, data);
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		mnl_attr_parse(nlh, sizeof(struct ifinfomsg), on_link_attr, data);
	return MNL_CB_OK;
}

static int link_kind_in(int ns_fd, const char *name, struct link_kind *k)
{
	char buf[16384] __attribute__((aligned(4)));
	struct mnl_socket *sock = NULL;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int own = enter_ns(ns_fd), r = -1;
	ssize_t n;

	memset(k, 0, sizeof *k);
	k->mode = -1;
	if (own < 0)
		return -1;
	sock = mnl_socket_open(NETLINK_ROUTE);
	leave_ns(own);
	if (sock == NULL || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		goto out;
	n = mnl_socket_recvfrom(sock, buf, sizeof buf);
	if (n > 0)
		r = mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(sock), on_link, k) < 0 ? -1 : 0;
out:
	if (sock)
		mnl_socket_close(sock);
	return r;
}

/* ifindex of `name` in ns_fd by if_nametoindex() there (0: none). */
static unsigned index_in(int ns_fd, const char *name)
{
	int own = enter_ns(ns_fd);
	unsigned ifindex;

	if (own < 0)
		return 0;
	ifindex = if_nametoindex(name);
	leave_ns(own);
	return ifindex;
}

static bool has_prefix(const struct rtnl_prefix *v, size_t n, const char *addr, unsigned len)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr.s_addr == ip(addr) && v[i].len == len)
			return true;
	return false;
}

/* ------------------------------------------------------------ tests */

/* A bridge, up, with two addresses: sysfs, the addresses by ioctl, the
 * subnet routes in /proc and in rtnl_routes_v4 (and nothing of the local
 * table), its MAC, and its removal. */
static void bridge_addr_routes_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	_cleanup_free_ struct rtnl_prefix *routes = NULL;
	struct ar_err err = { 0 };
	char sys_mac[32], mac_text[32];
	uint8_t mac[6];
	size_t n = 0;

	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_bridge_add(&nl, "argt-br0", &err) == 0);
	CHECK(sys_exists("argt-br0", "bridge"));	/* really a bridge */
	CHECK(!sys_is_up("argt-br0"));
	CHECK(rtnl_link_index(&nl, "argt-br0") == (int)if_nametoindex("argt-br0"));

	CHECK(rtnl_link_up(&nl, "argt-br0", &err) == 0);
	CHECK(sys_is_up("argt-br0"));
	CHECK(rtnl_link_up(&nl, "lo", &err) == 0);	/* puts 127/8 in the local table */

	CHECK(rtnl_addr_add(&nl, "argt-br0", in("10.88.7.1"), 24, &err) == 0);
	CHECK(ioctl_addr("argt-br0", SIOCGIFADDR) == ip("10.88.7.1"));
	CHECK(ioctl_addr("argt-br0", SIOCGIFNETMASK) == ip("255.255.255.0"));
	CHECK(ioctl_addr("argt-br0", SIOCGIFBRDADDR) == ip("10.88.7.255"));
	CHECK(rtnl_addr_add(&nl, "argt-br0", in("10.88.7.1"), 24, &err) < 0);
	CHECK(err.errnum == EEXIST);
	/* The kernel may explain itself after that ("(kernel: ...)"). */
	CHECK(strncmp(err.msg, "add address 10.88.7.1/24 to `argt-br0`: File exists", 51) == 0);
	ar_err_clear(&err);
	CHECK(rtnl_addr_add(&nl, "argt-br0", in("10.99.5.77"), 16, &err) == 0);
	CHECK(rtnl_addr_add(&nl, "argt-br0", in("10.1.2.3"), 33, &err) < 0);
	CHECK(err.errnum == EINVAL);
	ar_err_clear(&err);

	CHECK(proc_has_route("argt-br0", ip("10.88.7.0"), ip("255.255.255.0"), 0));
	CHECK(proc_has_route("argt-br0", ip("10.99.0.0"), ip("255.255.0.0"), 0));
	CHECK(rtnl_routes_v4(&nl, &routes, &n, &err) == 0);
	CHECK(has_prefix(routes, n, "10.88.7.0", 24));
	CHECK(has_prefix(routes, n, "10.99.0.0", 16));
	/* Nothing else: 10.88.7.1/32, 10.88.7.255/32, 127.0.0.0/8 and
	 * 127.0.0.1/32 are in the local table. */
	CHECK(n == 2);

	CHECK(rtnl_link_mac(&nl, "argt-br0", mac, &err) == 0);
	sys_read("argt-br0", "address", sys_mac, sizeof sys_mac);
	snprintf(mac_text, sizeof mac_text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	CHECK_STR(mac_text, sys_mac);

	CHECK(rtnl_link_del(&nl, "argt-br0", &err) == 0);
	CHECK(!sys_exists("argt-br0", NULL));
	CHECK(rtnl_link_index(&nl, "argt-br0") == 0);
}
NETNS_TEST(bridge_addr_routes)

static void bridge_duplicate_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	struct ar_err err = { 0 };

	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_bridge_add(&nl, "argon0", &err) == 0);
	CHECK(rtnl_bridge_add(&nl, "argon0", &err) < 0);
	CHECK(err.errnum == EEXIST);
	CHECK_STR(err.msg, "create bridge `argon0`: File exists");
	ar_err_clear(&err);
	CHECK(sys_exists("argon0", "bridge"));
}
NETNS_TEST(bridge_duplicate)

/* Names the kernel could not hold are refused before asking it. */
static void name_too_long_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	struct ar_err err = { 0 };

	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_bridge_add(&nl, "abcdefghijklmnop", &err) < 0);
	CHECK(err.errnum == EINVAL);
	CHECK_CONTAINS(err.msg, "`abcdefghijklmnop`");
	ar_err_clear(&err);
	CHECK(rtnl_veth_add(&nl, "argt-ok", "peer-name-too-long", -1, &err) < 0);
	CHECK(err.errnum == EINVAL);
	CHECK_CONTAINS(err.msg, "`peer-name-too-long`");
	ar_err_clear(&err);
	CHECK(!sys_exists("argt-ok", NULL));
	CHECK(rtnl_link_index(&nl, "abcdefghijklmnop") == 0);
	/* 15 characters is the most, and works. */
	CHECK(rtnl_bridge_add(&nl, "abcdefghijklmno", &err) == 0);
	CHECK(sys_exists("abcdefghijklmno", "bridge"));
}
NETNS_TEST(name_too_long)

/* A container's wiring: a veth whose peer is made directly in another
 * namespace, the host end on a bridge, the peer configured from a socket
 * opened in its namespace, with a default route via the bridge. */
static void veth_peer_in_netns_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	_cleanup_rtnl_ struct rtnl peer_nl = { 0 };
	_cleanup_free_ struct rtnl_prefix *routes = NULL;
	_cleanup_close_ int peer_ns = make_netns();
	struct ar_err err = { 0 };
	char master[IFNAMSIZ];
	unsigned peer_flags;
	bool peer_route, own_route;
	size_t n = 0;
	int own;

	CHECK(peer_ns >= 0);
	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_bridge_add(&nl, "argt-br1", &err) == 0);
	CHECK(rtnl_veth_add(&nl, "argt-v0", "eth0", peer_ns, &err) == 0);
	CHECK(sys_exists("argt-v0", NULL));
	CHECK(!sys_exists("eth0", NULL));	/* never under that name here */
	CHECK(index_in(peer_ns, "eth0") > 0);
	CHECK(index_in(peer_ns, "argt-v0") == 0);
	CHECK(!sys_is_up("argt-v0"));

	CHECK(rtnl_link_set_master(&nl, "argt-v0", "argt-br1", &err) == 0);
	sys_master("argt-v0", master, sizeof master);
	CHECK_STR(master, "argt-br1");
	CHECK(sys_exists("argt-br1", "brif/argt-v0"));
	CHECK(rtnl_link_set_master(&nl, "argt-v0", "argt-nobr", &err) < 0);
	CHECK(err.errnum == ENODEV);
	CHECK_STR(err.msg, "attach `argt-v0` to `argt-nobr`: no link `argt-nobr`");
	ar_err_clear(&err);
	CHECK(rtnl_link_up(&nl, "argt-br1", &err) == 0);
	CHECK(rtnl_link_up(&nl, "argt-v0", &err) == 0);
	CHECK(rtnl_addr_add(&nl, "argt-br1", in("10.88.9.1"), 24, &err) == 0);

	CHECK(rtnl_open(&peer_nl, peer_ns, &err) == 0);
	CHECK(rtnl_link_up(&peer_nl, "eth0", &err) == 0);
	CHECK(rtnl_addr_add(&peer_nl, "eth0", in("10.88.9.2"), 24, &err) == 0);
	CHECK(rtnl_route_default(&peer_nl, "eth0", in("10.88.9.1"), &err) == 0);

	own = enter_ns(peer_ns);
	CHECK(own >= 0);
	peer_flags = ioctl_flags("eth0");
	peer_route = proc_has_route("eth0", 0, 0, ip("10.88.9.1"));
	leave_ns(own);
	CHECK(peer_flags & IFF_UP);
	CHECK(peer_route);
	own_route = proc_has_route("argt-br1", 0, 0, ip("10.88.9.1"));
	CHECK(!own_route);	/* the route went where the socket is */

	/* The default route is left out, the subnet is there. */
	CHECK(rtnl_routes_v4(&peer_nl, &routes, &n, &err) == 0);
	CHECK(n == 1);
	CHECK(has_prefix(routes, n, "10.88.9.0", 24));

	/* The same default route again: the kernel's EEXIST, named. */
	CHECK(rtnl_route_default(&peer_nl, "eth0", in("10.88.9.1"), &err) < 0);
	CHECK(err.errnum == EEXIST);
	CHECK_CONTAINS(err.msg, "default route via 10.88.9.1 on `eth0`");
	ar_err_clear(&err);
	CHECK(rtnl_route_default(&peer_nl, "eth9", in("10.88.9.1"), &err) < 0);
	CHECK(err.errnum == ENODEV);
	CHECK_CONTAINS(err.msg, "`eth9`");
	ar_err_clear(&err);

	/* Deleting one end removes both. */
	CHECK(rtnl_link_del(&nl, "argt-v0", &err) == 0);
	CHECK(index_in(peer_ns, "eth0") == 0);
}
NETNS_TEST(veth_peer_in_netns)

/* transparent: a macvlan in bridge mode over a link of this namespace,
 * made directly in another. */
static void macvlan_in_netns_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	_cleanup_close_ int ctr_ns = make_netns();
	struct ar_err err = { 0 };
	struct link_kind k;

	CHECK(ctr_ns >= 0);
	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_veth_add(&nl, "argt-up0", "argt-up1", -1, &err) == 0);
	CHECK(sys_exists("argt-up0", NULL) && sys_exists("argt-up1", NULL));
	CHECK(rtnl_sublink_add(&nl, RTNL_MACVLAN_BRIDGE, "argt-up0", "eth0", ctr_ns, &err) == 0);
	CHECK(index_in(ctr_ns, "eth0") > 0);
	CHECK(!sys_exists("eth0", NULL));
	CHECK(link_kind_in(ctr_ns, "eth0", &k) == 0);
	CHECK_STR(k.kind, "macvlan");
	CHECK(k.mode == MACVLAN_MODE_BRIDGE);

	CHECK(rtnl_sublink_add(&nl, RTNL_MACVLAN_BRIDGE, "argt-none", "eth1", ctr_ns, &err) < 0);
	CHECK(err.errnum == ENODEV);
	CHECK_STR(err.msg, "create macvlan `eth1`: no link `argt-none`");
	ar_err_clear(&err);
	CHECK(rtnl_sublink_add(&nl, RTNL_MACVLAN_BRIDGE, "argt-up0", "eth0", ctr_ns, &err) < 0);
	CHECK(err.errnum == EEXIST);
	ar_err_clear(&err);
}
NETNS_TEST(macvlan_in_netns)

/* l2bridge: an ipvlan in L2 mode; many kernels (this one) lack it. */
static void ipvlan_in_netns_body(void)
{
	static char why[300];
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	_cleanup_close_ int ctr_ns = make_netns();
	struct ar_err err = { 0 };
	struct link_kind k;
	int r;

	CHECK(ctr_ns >= 0);
	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_veth_add(&nl, "argt-up0", "argt-up1", -1, &err) == 0);
	r = rtnl_sublink_add(&nl, RTNL_IPVLAN_L2, "argt-up0", "eth0", ctr_ns, &err);
	if (r < 0 && err.errnum == EOPNOTSUPP) {
		CHECK_CONTAINS(err.msg, "lacks the `ipvlan` link type (module ipvlan)");
		CHECK(index_in(ctr_ns, "eth0") == 0);
		snprintf(why, sizeof why, "the kernel answered: %s", err.msg);
		ar_err_clear(&err);
		SKIP(why);
	}
	if (r < 0)
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(r == 0);
	CHECK(index_in(ctr_ns, "eth0") > 0);
	CHECK(!sys_exists("eth0", NULL));
	CHECK(link_kind_in(ctr_ns, "eth0", &k) == 0);
	CHECK_STR(k.kind, "ipvlan");
	CHECK(k.mode == IPVLAN_MODE_L2);
}
NETNS_TEST(ipvlan_in_netns)

static void link_del_missing_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	struct ar_err err = { 0 };
	uint8_t mac[6];

	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_link_del(&nl, "argt-nolink", &err) < 0);
	CHECK(err.errnum == ENODEV);
	CHECK_STR(err.msg, "delete link `argt-nolink`: No such device");
	ar_err_clear(&err);
	CHECK(rtnl_link_up(&nl, "argt-nolink", &err) < 0);
	CHECK(err.errnum == ENODEV);
	CHECK_CONTAINS(err.msg, "`argt-nolink`");
	ar_err_clear(&err);
	CHECK(rtnl_link_mac(&nl, "argt-nolink", mac, &err) < 0);
	CHECK(err.errnum == ENODEV);
	ar_err_clear(&err);
	CHECK(rtnl_link_index(&nl, "argt-nolink") == 0);
}
NETNS_TEST(link_del_missing)

/* A socket opened into another namespace sees that namespace's links
 * only, and the opener is back in its own namespace afterwards, also
 * when the fd given is not a namespace. */
static void open_other_netns_body(void)
{
	_cleanup_rtnl_ struct rtnl nl = { 0 };
	_cleanup_rtnl_ struct rtnl other_nl = { 0 };
	_cleanup_rtnl_ struct rtnl bad_nl = { 0 };
	_cleanup_close_ int other_ns = make_netns();
	_cleanup_close_ int not_ns = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct ar_err err = { 0 };
	ino_t before = own_netns_inode();

	CHECK(other_ns >= 0 && not_ns >= 0 && before != 0);
	CHECK(rtnl_open(&nl, -1, &err) == 0);
	CHECK(rtnl_veth_add(&nl, "argt-here", "argt-there", other_ns, &err) == 0);

	CHECK(rtnl_open(&other_nl, other_ns, &err) == 0);
	CHECK(own_netns_inode() == before);
	CHECK(if_nametoindex("argt-here") > 0);	/* this thread's own namespace */
	CHECK(rtnl_link_index(&other_nl, "argt-there") == (int)index_in(other_ns, "argt-there"));
	CHECK(rtnl_link_index(&other_nl, "argt-there") > 0);
	CHECK(rtnl_link_index(&other_nl, "argt-here") == 0);
	CHECK(rtnl_link_index(&nl, "argt-here") == (int)if_nametoindex("argt-here"));
	CHECK(rtnl_link_index(&nl, "argt-there") == 0);
	/* Changes through it land there. */
	CHECK(rtnl_bridge_add(&other_nl, "argt-obr", &err) == 0);
	CHECK(index_in(other_ns, "argt-obr") > 0);
	CHECK(!sys_exists("argt-obr", NULL));

	CHECK(rtnl_open(&bad_nl, not_ns, &err) < 0);
	CHECK(err.errnum == EINVAL);
	ar_err_clear(&err);
	CHECK(bad_nl.sock == NULL);
	CHECK(own_netns_inode() == before);
	rtnl_close(&bad_nl);	/* harmless after a failed open, and twice */
}
NETNS_TEST(open_other_netns)

UNIT_MAIN(UNIT(bridge_addr_routes), UNIT(bridge_duplicate), UNIT(name_too_long),
	  UNIT(veth_peer_in_netns), UNIT(macvlan_in_netns), UNIT(ipvlan_in_netns),
	  UNIT(link_del_missing), UNIT(open_other_netns))
