/* argon — rtnetlink over libmnl (rtnl.h): one request at a time, each
 * answered by an ack or an error (NLM_F_ACK) or, for a dump, by its end.
 * Links are named in the requests themselves (IFLA_IFNAME), so the kernel
 * looks them up in the socket's namespace: if_nametoindex() would ask the
 * caller's. */
#define _GNU_SOURCE
#include "rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "util.h"

/* A request: a header, a struct ifinfomsg/ifaddrmsg/rtmsg and a few
 * attributes whose strings are bounded by IFNAMSIZ (a veth, the largest,
 * is under 200 bytes). */
#define RTNL_REQ_SIZE 1024
/* A read: the kernel sizes a dump's messages by the reader's buffer, up to
 * 32 KiB; a smaller buffer would be enough for it but not for one large
 * reply (a link with many attributes). */
#define RTNL_RECV_SIZE 32768

/* ------------------------------------------------------------ the socket */

static int socket_open(struct rtnl *nl, struct ar_err *err)
{
	int on = 1;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		return ar_error(err, errno, "open rtnetlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		rtnl_close(nl);
		return ar_error(err, e, "bind rtnetlink socket");
	}
	/* Errors without the request echoed back, with the kernel's own
	 * explanation ("Unknown device type") when it has one. Both are
	 * optional: without them errors only lose their detail. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &on, sizeof on);
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof on);
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

int rtnl_open(struct rtnl *nl, int netns_fd, struct ar_err *err)
{
	_cleanup_close_ int own_ns = -1;
	int r;

	nl->sock = NULL;
	if (netns_fd < 0)
		return socket_open(nl, err);
	/* thread-self: setns() moves the calling thread only. */
	own_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (own_ns < 0)
		return ar_error(err, errno, "open `/proc/thread-self/ns/net`");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return ar_error(err, errno, "enter network namespace to open a rtnetlink socket");
	r = socket_open(nl, err);
	if (setns(own_ns, CLONE_NEWNET) < 0) {
		/* Everything this process does from now on (sockets, links,
		 * the host ports it binds) would happen in the other
		 * namespace. The caller must treat this error as fatal and
		 * stop rather than go on with any other work. */
		int e = errno;
		rtnl_close(nl);
		return ar_error(err, e, "return to our own network namespace after opening a "
				"rtnetlink socket in another (this process is stranded there)");
	}
	return r;
}

void rtnl_close(struct rtnl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

void rtnl_closep(struct rtnl *nl)
{
	rtnl_close(nl);
}

/* ------------------------------------------------------------ one exchange */

struct talk {
	mnl_cb_t on_msg;	/* each reply that is not an ack, error or end of dump */
	void *data;
	char ext[160];		/* the kernel's extended ack message, "" when none */
};

static int talk_on_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	return t->on_msg ? t->on_msg(nlh, t->data) : MNL_CB_OK;
}

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	struct talk *t = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(t->ext, sizeof t->ext, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) ends the exchange, an error fails it. */
static int talk_on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t tlv_offset = sizeof *e;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			tlv_offset += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
		if (mnl_nlmsg_size(tlv_offset) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned int)tlv_offset, ext_ack_attr, data);
	}
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE ends a dump; a dump that failed half-way says so in it. */
static int talk_on_done(const struct nlmsghdr *nlh, void *data)
{
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof error) {
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof error);
		if (error < 0) {
			errno = -error;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* Sends the request and reads its replies to their end. 0, or -1 with
 * errno (the kernel's answer, or the socket's failure) and t->ext. */
static int talk(struct rtnl *nl, struct nlmsghdr *nlh, struct talk *t)
{
	/* Not static const: libmnl 1.0.4 takes it as non-const. */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = talk_on_error,
		[NLMSG_DONE] = talk_on_done,
	};
	char buf[RTNL_RECV_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	unsigned int seq = ++nl->seq;
	int r;

	if (nl->sock == NULL) {
		errno = EBADF;
		return -1;
	}
	nlh->nlmsg_seq = seq;
	t->ext[0] = '\0';
	while (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		if (errno != EINTR)
			return -1;
	/* The callbacks never stop early on their own, so a failed request
	 * leaves nothing unread to confuse the next one. */
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		r = mnl_cb_run2(buf, (size_t)n, seq, nl->portid, talk_on_data, t, ctl,
				NLMSG_MIN_TYPE);
	} while (r == MNL_CB_OK);
	return r < 0 ? -1 : 0;
}

/* talk(), and on failure "<fmt>: strerror" in *err, with the kernel's
 * explanation after it when there is one. */
__attribute__((format(printf, 6, 7)))
static int request(struct rtnl *nl, struct nlmsghdr *nlh, mnl_cb_t on_msg, void *data,
		   struct ar_err *err, const char *fmt, ...)
{
	struct talk t = { .on_msg = on_msg, .data = data };
	va_list ap;
	int e;

	if (talk(nl, nlh, &t) == 0)
		return 0;
	e = errno;
	va_start(ap, fmt);
	ar_verror(err, e, fmt, ap);
	va_end(ap);
	if (err && err->msg && t.ext[0]) {
		char *with_ext = xasprintf("%s (kernel: %s)", err->msg, t.ext);
		free(err->msg);
		err->msg = with_ext;
	}
	return -1;
}

/* ------------------------------------------------------------ messages */

static struct nlmsghdr *req_start(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* A link request naming `name` (NULL: none) in its IFLA_IFNAME. */
static struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags, const char *name,
				 struct ifinfomsg **ifi_out)
{
	struct nlmsghdr *nlh = req_start(buf, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);

	ifi->ifi_family = AF_UNSPEC;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (ifi_out)
		*ifi_out = ifi;
	return nlh;
}

static int check_name(const char *name, struct ar_err *err)
{
	if (name == NULL || name[0] == '\0')
		return ar_fail(err, EINVAL, "empty link name");
	if (strlen(name) >= IFNAMSIZ)
		return ar_fail(err, EINVAL, "link name `%s` is longer than %d characters", name,
			       IFNAMSIZ - 1);
	return 0;
}

/* ------------------------------------------------------------ looking links up */

static int on_link_index(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK && mnl_nlmsg_get_payload_len(nlh) >= sizeof *ifi)
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

int rtnl_link_index(struct rtnl *nl, const char *name)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct talk t = { .on_msg = on_link_index };
	int ifindex = 0;

	if (check_name(name, NULL) < 0)
		return 0;	/* no link can have that name */
	t.data = &ifindex;
	if (talk(nl, link_req(buf, RTM_GETLINK, NLM_F_ACK, name, NULL), &t) < 0)
		return errno == ENODEV ? 0 : -1;
	return ifindex;
}

/* The ifindex of `name`, or -1 with "no link `name`" (ENODEV). */
static int need_index(struct rtnl *nl, const char *name, struct ar_err *err)
{
	int ifindex;

	if (check_name(name, err) < 0)
		return -1;
	ifindex = rtnl_link_index(nl, name);
	if (ifindex == 0)
		return ar_fail(err, ENODEV, "no link `%s`", name);
	if (ifindex < 0)
		return ar_error(err, errno, "look up link `%s`", name);
	return ifindex;
}

static int on_link_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) == IFLA_ADDRESS)
		tb[IFLA_ADDRESS] = a;
	return MNL_CB_OK;
}

struct link_mac {
	uint8_t mac[6];
	bool found;
};

static int on_link_mac(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct link_mac *m = data;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_attr_parse(nlh, sizeof(struct ifinfomsg), on_link_attr, tb) < 0)
		return MNL_CB_OK;
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == sizeof m->mac) {
		memcpy(m->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), sizeof m->mac);
		m->found = true;
	}
	return MNL_CB_OK;
}

int rtnl_link_mac(struct rtnl *nl, const char *name, uint8_t mac[6], struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct link_mac m = { .found = false };

	if (check_name(name, err) < 0)
		return -1;
	if (request(nl, link_req(buf, RTM_GETLINK, NLM_F_ACK, name, NULL), on_link_mac, &m,
		    err, "read hardware address of `%s`", name) < 0)
		return -1;
	if (!m.found)
		return ar_fail(err, EINVAL, "link `%s` has no Ethernet address", name);
	memcpy(mac, m.mac, sizeof m.mac);
	return 0;
}

/* ------------------------------------------------------------ making links */

#define NEW_LINK_FLAGS (NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK)

int rtnl_bridge_add(struct rtnl *nl, const char *name, struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo;

	if (check_name(name, err) < 0)
		return -1;
	nlh = link_req(buf, RTM_NEWLINK, NEW_LINK_FLAGS, name, NULL);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, linkinfo);
	return request(nl, nlh, NULL, NULL, err, "create bridge `%s`", name);
}

int rtnl_veth_add(struct rtnl *nl, const char *name, const char *peer, int peer_netns_fd,
		  struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo, *info_data, *peer_info;
	struct ifinfomsg *peer_ifi;

	if (check_name(name, err) < 0 || check_name(peer, err) < 0)
		return -1;
	nlh = link_req(buf, RTM_NEWLINK, NEW_LINK_FLAGS, name, NULL);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	info_data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is described like a link of its own: an ifinfomsg, then
	 * its attributes, all inside VETH_INFO_PEER. */
	peer_info = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	peer_ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *peer_ifi);
	peer_ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, peer_info);
	mnl_attr_nest_end(nlh, info_data);
	mnl_attr_nest_end(nlh, linkinfo);
	return request(nl, nlh, NULL, NULL, err, "create veth `%s` (peer `%s`)", name, peer);
}

static const struct sublink_kind {
	const char *kind;	/* IFLA_INFO_KIND, also the kernel module's name */
	uint16_t mode_attr;
	bool mode_is_u16;	/* IFLA_IPVLAN_MODE is a u16, IFLA_MACVLAN_MODE a u32 */
	uint32_t mode;
} sublink_kinds[] = {
	[RTNL_MACVLAN_BRIDGE] = { "macvlan", IFLA_MACVLAN_MODE, false, MACVLAN_MODE_BRIDGE },
	[RTNL_IPVLAN_L2] = { "ipvlan", IFLA_IPVLAN_MODE, true, IPVLAN_MODE_L2 },
};

int rtnl_sublink_add(struct rtnl *nl, enum rtnl_sublink kind, const char *parent,
		     const char *name, int netns_fd, struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct sublink_kind *k;
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo, *info_data;
	int parent_index;

	if ((unsigned)kind >= sizeof sublink_kinds / sizeof sublink_kinds[0])
		return ar_fail(err, EINVAL, "create link `%s`: unknown sub-link kind %d",
			       name ? name : "", (int)kind);
	k = &sublink_kinds[kind];
	if (check_name(name, err) < 0)
		return -1;
	parent_index = need_index(nl, parent, err);
	if (parent_index < 0)
		return ar_err_prefix(err, "create %s `%s`", k->kind, name);

	nlh = link_req(buf, RTM_NEWLINK, NEW_LINK_FLAGS, name, NULL);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_index);
	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, k->kind);
	info_data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (k->mode_is_u16)
		mnl_attr_put_u16(nlh, k->mode_attr, (uint16_t)k->mode);
	else
		mnl_attr_put_u32(nlh, k->mode_attr, k->mode);
	mnl_attr_nest_end(nlh, info_data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (request(nl, nlh, NULL, NULL, err, "create %s `%s` over `%s`", k->kind, name,
		    parent) == 0)
		return 0;
	/* The kernel's answer for a kind it has no driver for (and could
	 * not load one: "Unknown device type"). */
	if (err && err->errnum == EOPNOTSUPP)
		return ar_fail(err, EOPNOTSUPP, "create %s `%s` over `%s`: the kernel lacks the "
			       "`%s` link type (module %s)", k->kind, name, parent, k->kind,
			       k->kind);
	return -1;
}

/* ------------------------------------------------------------ changing links */

int rtnl_link_set_master(struct rtnl *nl, const char *name, const char *master,
			 struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh;
	int master_index;

	if (check_name(name, err) < 0)
		return -1;
	master_index = need_index(nl, master, err);
	if (master_index < 0)
		return ar_err_prefix(err, "attach `%s` to `%s`", name, master ? master : "");
	nlh = link_req(buf, RTM_NEWLINK, NLM_F_ACK, name, NULL);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
	return request(nl, nlh, NULL, NULL, err, "attach `%s` to `%s`", name, master);
}

int rtnl_link_up(struct rtnl *nl, const char *name, struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	if (check_name(name, err) < 0)
		return -1;
	nlh = link_req(buf, RTM_NEWLINK, NLM_F_ACK, name, &ifi);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return request(nl, nlh, NULL, NULL, err, "set link `%s` up", name);
}

int rtnl_link_del(struct rtnl *nl, const char *name, struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	if (check_name(name, err) < 0)
		return -1;
	return request(nl, link_req(buf, RTM_DELLINK, NLM_F_ACK, name, NULL), NULL, NULL, err,
		       "delete link `%s`", name);
}

/* ------------------------------------------------------------ addresses, routes */

/* The netmask of a prefix length 0..32, network byte order. */
static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : htonl(0xffffffffu << (32 - len));
}

int rtnl_addr_add(struct rtnl *nl, const char *name, struct in_addr addr, unsigned prefix,
		  struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	char text[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int ifindex;

	inet_ntop(AF_INET, &addr, text, sizeof text);
	if (prefix > 32)
		return ar_fail(err, EINVAL, "add address %s/%u: prefix longer than 32", text,
			       prefix);
	ifindex = need_index(nl, name, err);
	if (ifindex < 0)
		return ar_err_prefix(err, "add address %s/%u", text, prefix);

	nlh = req_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof addr, &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof addr, &addr);
	if (prefix < 31) {	/* /31 and /32 have no broadcast (RFC 3021) */
		struct in_addr brd = { addr.s_addr | ~prefix_mask(prefix) };
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof brd, &brd);
	}
	return request(nl, nlh, NULL, NULL, err, "add address %s/%u to `%s`", text, prefix,
		       name);
}

int rtnl_route_default(struct rtnl *nl, const char *name, struct in_addr gateway,
		       struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	char text[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int ifindex;

	inet_ntop(AF_INET, &gateway, text, sizeof text);
	ifindex = need_index(nl, name, err);
	if (ifindex < 0)
		return ar_err_prefix(err, "add default route via %s", text);

	nlh = req_start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;	/* what `ip route add` says */
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof gateway, &gateway);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return request(nl, nlh, NULL, NULL, err, "add default route via %s on `%s`", text, name);
}

struct route_list {
	struct rtnl_prefix *v;
	size_t n, cap;
};

static int on_route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if ((type == RTA_DST || type == RTA_TABLE) && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_list *l = data;
	uint32_t table;
	struct rtnl_prefix p;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof *rtm ||
	    rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof *rtm, on_route_attr, tb) < 0)
		return MNL_CB_OK;
	/* rtm_table holds only 8 bits; RTA_TABLE the whole id. */
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table == RT_TABLE_LOCAL || rtm->rtm_dst_len == 0 || rtm->rtm_dst_len > 32 ||
	    tb[RTA_DST] == NULL)
		return MNL_CB_OK;
	p.len = rtm->rtm_dst_len;
	p.addr.s_addr = mnl_attr_get_u32(tb[RTA_DST]) & prefix_mask(p.len);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = p;
	return MNL_CB_OK;
}

int rtnl_routes_v4(struct rtnl *nl, struct rtnl_prefix **out, size_t *n, struct ar_err *err)
{
	char buf[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct route_list l = { 0 };
	struct nlmsghdr *nlh = req_start(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);

	/* A dump that raced with a change (NLM_F_DUMP_INTR) fails with EINTR:
	 * libmnl reports it before any callback sees the flag. */
	rtm->rtm_family = AF_INET;
	if (request(nl, nlh, on_route, &l, err, "list IPv4 routes") < 0) {
		free(l.v);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
