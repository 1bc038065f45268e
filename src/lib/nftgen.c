/* argon — the nf_tables ruleset's generation (nftgen.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <time.h>

#include "nftgen.h"

struct gen_reply {
	uint32_t gen;
	bool found;
};

static int gen_attr(const struct nlattr *a, void *data)
{
	struct gen_reply *r = data;

	if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
		r->gen = ntohl(mnl_attr_get_u32(a));
		r->found = true;
	}
	return MNL_CB_OK;
}

static int gen_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), gen_attr, data);
}

int nft_generation(uint32_t *gen, struct ar_err *err)
{
	char buf[8192];
	struct gen_reply reply = { 0 };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	uint32_t seq = (uint32_t)time(NULL);
	ssize_t n;
	int r = -1;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ar_error(err, errno, "open a netfilter netlink socket");
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ar_error(err, errno, "ask nf_tables for its generation");
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof buf);
	if (n < 0 || mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), gen_msg, &reply) < 0) {
		ar_error(err, errno, "read nf_tables' generation");
		goto out;
	}
	if (!reply.found) {
		ar_error(err, EPROTO, "nf_tables sent no generation");
		goto out;
	}
	*gen = reply.gen;
	r = 0;
out:
	if (nl)
		mnl_socket_close(nl);
	return r;
}
