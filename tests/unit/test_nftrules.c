/* Unit tests for nftrules: each test runs in a child with a network
 * namespace of its own (the machine's ruleset is never looked at or
 * touched) and checks the ruleset there as nft lists it; one test sends
 * real connections through a published port on loopback, one runs
 * several processes against the table at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nftgen.h"
#include "nftrules.h"
#include "unit.h"

#define ID_A "aa01"
#define ID_B "bb02"

/* ---- the namespace harness ---- */

static char netns_skip_why[256];

/* Runs body in a child that made a network namespace of its own. The child
 * leaves with exit(), not _exit(), so LeakSanitizer looks at it too. */
static void in_netns(void (*body)(void))
{
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (unshare(CLONE_NEWNET) < 0) {
			dprintf(pfd[1], "unshare(CLONE_NEWNET): %s", strerror(errno));
			exit(77);
		}
		body();
		if (!unit_failed_now && unit_skip_why)
			dprintf(pfd[1], "%s", unit_skip_why);
		exit(unit_failed_now ? 1 : unit_skip_why ? 77 : 0);
	}
	close(pfd[1]);
	n = read(pfd[0], netns_skip_why, sizeof netns_skip_why - 1);
	netns_skip_why[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		SKIP(netns_skip_why);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "  child status %#x\n", status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#define NETNS_TEST(name) \
	static void name##_body(void); \
	static void name(void) { in_netns(name##_body); } \
	static void name##_body(void)

/* ---- looking at the ruleset ---- */

/* nft's text output of `cmd`, or NULL when it failed. */
static char *nft_text(const char *cmd)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	char *out = NULL;

	if (ctx == NULL)
		return NULL;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (nft_run_cmd_from_buffer(ctx, cmd) == 0)
		out = xstrdup(nft_ctx_get_output_buffer(ctx));
	nft_ctx_free(ctx);
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* How many rules of table ip argon carry `comment "TAG"`; -1 without a table. */
static int tagged(const char *tag)
{
	_cleanup_free_ char *text = nft_text("list table ip argon");
	_cleanup_free_ char *needle = xasprintf("comment \"%s\"", tag);

	return text ? count(text, needle) : -1;
}

static bool argon_table_exists(void)
{
	_cleanup_free_ char *text = nft_text("list tables ip");

	return text && strstr(text, "table ip argon\n");
}

/* Skips when the kernel has no nf_tables; made in the test's namespace. */
#define NEED_NFT() do { _cleanup_free_ char *r_ = nft_text("list ruleset"); \
	if (r_ == NULL) SKIP("nf_tables unavailable"); } while (0)

/* Someone else's table, with a rule that even looks like one of ours. */
static const char other_table[] =
	"add table inet other\n"
	"add chain inet other c { type filter hook input priority 0; policy accept; }\n"
	"add rule inet other c tcp dport 22 accept comment \"argon:net:" ID_A "\"\n"
	"add chain ip nat x\n";

static int make_other_table(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int r;

	if (ctx == NULL)
		return -1;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	r = nft_run_cmd_from_buffer(ctx, "add table ip nat\n") ||
	    nft_run_cmd_from_buffer(ctx, other_table);
	nft_ctx_free(ctx);
	return r ? -1 : 0;
}

static struct nft_net net_of(const char *id, const char *bridge, const char *subnet,
			     unsigned prefix, bool outbound)
{
	struct nft_net n = { .id = id, .bridge = bridge, .prefix = prefix, .outbound = outbound };

	inet_pton(AF_INET, subnet, &n.subnet);
	return n;
}

static struct nft_port port_of(int proto, const char *host_ip, uint16_t host_port,
			       const char *ctr_ip, uint16_t ctr_port)
{
	struct nft_port p = { .proto = proto, .host_port = host_port, .ctr_port = ctr_port };

	inet_pton(AF_INET, host_ip, &p.host_ip);
	inet_pton(AF_INET, ctr_ip, &p.ctr_ip);
	return p;
}

/* ---- tests ---- */

NETNS_TEST(network_add_creates_table_chains_rules)
{
	struct ar_err err = { 0 };
	struct nft_net nat = net_of(ID_A, "br-a", "10.88.0.1", 16, true);
	struct nft_net internal = net_of(ID_B, "br-b", "10.99.1.0", 24, false);
	_cleanup_free_ char *text = NULL;

	NEED_NFT();
	CHECK(!argon_table_exists());
	CHECK(nft_network_add(&nat, &err) == 0);
	CHECK(nft_network_add(&internal, &err) == 0);
	text = nft_text("list table ip argon");
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "chain publish {");
	CHECK_CONTAINS(text, "type nat hook prerouting priority dstnat; policy accept;");
	CHECK_CONTAINS(text, "type nat hook output priority -100; policy accept;");
	CHECK_CONTAINS(text, "type nat hook postrouting priority srcnat; policy accept;");
	CHECK_CONTAINS(text, "type filter hook forward priority filter; policy accept;");
	CHECK_CONTAINS(text, "type filter hook input priority filter; policy accept;");
	/* The bridge's route_localnet opens no way to the host's loopback. */
	CHECK_CONTAINS(text, "iifname \"br-a\" ip daddr 127.0.0.0/8 ct state != { established, related } drop comment \"argon:net:aa01\"");
	/* One jump each, loopback destinations never from prerouting. */
	CHECK(count(text, "jump publish") == 2);
	CHECK_CONTAINS(text, "ip daddr != 127.0.0.0/8 fib daddr type local jump publish comment \"argon:jump\"");
	CHECK_CONTAINS(text, "\t\tfib daddr type local jump publish comment \"argon:jump\"");

	CHECK(tagged("argon:net:" ID_A) == 7);
	CHECK_CONTAINS(text, "oifname \"br-a\" iifname != \"br-a\" ct status dnat accept comment \"argon:net:aa01\"");
	CHECK_CONTAINS(text, "oifname \"br-a\" iifname != \"br-a\" ct state established,related accept comment \"argon:net:aa01\"");
	CHECK_CONTAINS(text, "oifname \"br-a\" iifname != \"br-a\" drop comment \"argon:net:aa01\"");
	/* The host bits of the subnet are dropped. */
	CHECK_CONTAINS(text, "ip saddr 10.88.0.0/16 oifname != \"br-a\" masquerade comment \"argon:net:aa01\"");
	CHECK_CONTAINS(text, "oifname \"br-a\" ip saddr 127.0.0.0/8 masquerade comment \"argon:net:aa01\"");
	CHECK_CONTAINS(text, "oifname \"br-a\" ip saddr 10.88.0.0/16 ct status dnat masquerade comment \"argon:net:aa01\"");
	CHECK(count(text, "iifname \"br-a\" oifname != \"br-a\" drop") == 0);

	CHECK(tagged("argon:net:" ID_B) == 7);
	CHECK_CONTAINS(text, "iifname \"br-b\" oifname != \"br-b\" drop comment \"argon:net:bb02\"");
	CHECK(count(text, "oifname != \"br-b\" masquerade") == 0);
	CHECK_CONTAINS(text, "oifname \"br-b\" ip saddr 10.99.1.0/24 ct status dnat masquerade");
}

NETNS_TEST(network_add_is_idempotent_and_replaces)
{
	struct ar_err err = { 0 };
	struct nft_net n = net_of(ID_A, "br-a", "10.88.0.0", 16, true);
	_cleanup_free_ char *once = NULL, *twice = NULL;

	NEED_NFT();
	CHECK(nft_network_add(&n, &err) == 0);
	once = nft_text("list table ip argon");
	CHECK(nft_network_add(&n, &err) == 0);
	twice = nft_text("list table ip argon");
	CHECK(once && twice);
	CHECK(count(once, "\n") == count(twice, "\n"));
	CHECK(tagged("argon:net:" ID_A) == 7);
	CHECK(tagged("argon:jump") == 2);

	/* The same network made internal: its rules replaced, not added. */
	n.outbound = false;
	CHECK(nft_network_add(&n, &err) == 0);
	CHECK(tagged("argon:net:" ID_A) == 7);
	CHECK(tagged("argon:jump") == 2);
	free(twice);
	twice = nft_text("list table ip argon");
	CHECK_CONTAINS(twice, "iifname \"br-a\" oifname != \"br-a\" drop");
	CHECK(count(twice, "oifname != \"br-a\" masquerade") == 0);

	CHECK(nft_network_del(ID_A, &err) == 0);
	CHECK(tagged("argon:net:" ID_A) == 0);
	CHECK(nft_network_del(ID_A, &err) == 0);	/* none: fine */
	CHECK(tagged("argon:jump") == 2);
}

NETNS_TEST(ports_add_replace_del)
{
	struct ar_err err = { 0 };
	struct nft_port two[] = {
		port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80),
		port_of(IPPROTO_UDP, "192.168.7.1", 5353, "10.88.0.2", 53),
	};
	struct nft_port one[] = { port_of(IPPROTO_TCP, "127.0.0.1", 8443, "10.88.0.2", 443) };
	_cleanup_free_ char *text = NULL;

	NEED_NFT();
	CHECK(nft_ports_add(ID_A, two, 2, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_A) == 2);
	text = nft_text("list chain ip argon publish");
	CHECK_CONTAINS(text, "\t\ttcp dport 8080 dnat to 10.88.0.2:80 comment \"argon:ctr:aa01\"");
	CHECK_CONTAINS(text, "ip daddr 192.168.7.1 udp dport 5353 dnat to 10.88.0.2:53 comment \"argon:ctr:aa01\"");

	CHECK(nft_ports_add(ID_A, two, 2, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_A) == 2);

	CHECK(nft_ports_add(ID_A, one, 1, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_A) == 1);
	free(text);
	text = nft_text("list chain ip argon publish");
	CHECK_CONTAINS(text, "ip daddr 127.0.0.1 tcp dport 8443 dnat to 10.88.0.2:443 comment \"argon:ctr:aa01\"");
	CHECK(count(text, "dport 8080") == 0);

	CHECK(nft_container_del(ID_A, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_A) == 0);
	CHECK(tagged("argon:jump") == 2);
	CHECK(nft_container_del(ID_A, &err) == 0);

	/* Replacing by nothing is a delete. */
	CHECK(nft_ports_add(ID_B, one, 1, &err) == 0);
	CHECK(nft_ports_add(ID_B, NULL, 0, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_B) == 0);
}

NETNS_TEST(delete_leaves_the_others)
{
	struct ar_err err = { 0 };
	struct nft_port pa[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80) };
	struct nft_port pb[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8081, "10.88.0.3", 80),
				 port_of(IPPROTO_UDP, "0.0.0.0", 8081, "10.88.0.3", 80) };
	struct nft_net na = net_of(ID_A, "br-a", "10.88.0.0", 16, true);
	struct nft_net nb = net_of(ID_B, "br-b", "10.89.0.0", 16, false);

	NEED_NFT();
	CHECK(nft_ports_add(ID_A, pa, 1, &err) == 0);
	CHECK(nft_ports_add(ID_B, pb, 2, &err) == 0);
	CHECK(nft_network_add(&na, &err) == 0);
	CHECK(nft_network_add(&nb, &err) == 0);
	CHECK(nft_container_del(ID_A, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_A) == 0);
	CHECK(tagged("argon:ctr:" ID_B) == 2);
	CHECK(tagged("argon:net:" ID_A) == 7);
	CHECK(nft_network_del(ID_B, &err) == 0);
	CHECK(tagged("argon:net:" ID_B) == 0);
	CHECK(tagged("argon:net:" ID_A) == 7);
	CHECK(tagged("argon:ctr:" ID_B) == 2);
}

NETNS_TEST(list_tags_collects_unique_ids)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80),
				port_of(IPPROTO_UDP, "0.0.0.0", 8080, "10.88.0.2", 80) };
	struct nft_net na = net_of(ID_A, "br-a", "10.88.0.0", 16, true);
	_cleanup_strv_ char **ctrs = NULL;
	_cleanup_strv_ char **nets = NULL;

	NEED_NFT();
	CHECK(make_other_table() == 0);
	/* No table: both lists empty, not NULL. */
	CHECK(nft_list_tags(&ctrs, &nets, &err) == 0);
	CHECK(ctrs && nets && !ctrs[0] && !nets[0]);
	strv_free(steal_ptr(&ctrs));
	strv_free(steal_ptr(&nets));

	CHECK(nft_ports_add("ff", p, 2, &err) == 0);
	CHECK(nft_ports_add("0c", p, 1, &err) == 0);
	CHECK(nft_network_add(&na, &err) == 0);
	CHECK(nft_list_tags(&ctrs, &nets, &err) == 0);
	CHECK(strv_len(ctrs) == 2);
	CHECK_STR(ctrs[0], "0c");
	CHECK_STR(ctrs[1], "ff");
	/* One network, and not the look-alike tag in table inet other. */
	CHECK(strv_len(nets) == 1);
	CHECK_STR(nets[0], ID_A);
}

NETNS_TEST(table_del_if_unused)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80) };
	struct nft_net na = net_of(ID_A, "br-a", "10.88.0.0", 16, true);

	NEED_NFT();
	CHECK(nft_table_del_if_unused(&err) == 0);	/* no table */
	CHECK(nft_ports_add(ID_A, p, 1, &err) == 0);
	CHECK(nft_network_add(&na, &err) == 0);
	CHECK(nft_table_del_if_unused(&err) == 0);
	CHECK(argon_table_exists());
	CHECK(nft_container_del(ID_A, &err) == 0);
	CHECK(nft_table_del_if_unused(&err) == 0);
	CHECK(argon_table_exists());	/* the network's rules */
	CHECK(nft_network_del(ID_A, &err) == 0);
	CHECK(argon_table_exists());	/* deleting rules keeps the table */
	CHECK(nft_table_del_if_unused(&err) == 0);
	CHECK(!argon_table_exists());
	/* And made again from nothing. */
	CHECK(nft_ports_add(ID_A, p, 1, &err) == 0);
	CHECK(tagged("argon:ctr:" ID_A) == 1);
	CHECK(tagged("argon:jump") == 2);
}

/* nftgen.h: the generation moves with every commit (anyone's: here nft's
 * own, outside argon's code) and stays while nothing changes. */
NETNS_TEST(generation_moves_with_each_commit)
{
	struct ar_err err = { 0 };
	struct nft_net na = net_of(ID_A, "br-a", "10.88.0.0", 16, true);
	uint32_t g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
	_cleanup_free_ char *out = NULL;

	NEED_NFT();
	CHECK(nft_generation(&g0, &err) == 0);
	CHECK(nft_generation(&g1, &err) == 0);
	CHECK(g1 == g0);			/* a read changes nothing */
	CHECK(nft_network_add(&na, &err) == 0);
	CHECK(nft_generation(&g2, &err) == 0);
	CHECK(g2 == g1 + 1);			/* one transaction, one commit */
	out = nft_text("list ruleset");
	CHECK(nft_generation(&g3, &err) == 0);
	CHECK(g3 == g2);			/* listing is no commit */
	free(out);
	out = nft_text("flush ruleset");
	CHECK(nft_generation(&g4, &err) == 0);
	CHECK(g4 == g3 + 1);			/* someone else's commit */
	CHECK(tagged("argon:net:" ID_A) == -1);
	ar_err_clear(&err);
}

static void check_refused(int r, struct ar_err *err, const char *what)
{
	if (r != -1 || err->errnum != EINVAL || err->msg == NULL || !strstr(err->msg, what)) {
		fprintf(stderr, "  refused with %d, errno %d: %s (want `%s`)\n", r, err->errnum,
			err->msg ? err->msg : "(null)", what);
		unit_failed_now = 1;
	}
	ar_err_clear(err);
}

NETNS_TEST(bad_input_refused_before_any_change)
{
	static const char *const bad_ids[] = {
		"", "AB", "a b", "0x1", "aa\"; flush ruleset; add table ip x \"",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",	/* 65 */
	};
	static const char *const bad_bridges[] = {
		"", "br\"0", "br 0", "br0;", "0123456789abcdef", "bridge/0",
	};
	struct ar_err err = { 0 };
	struct nft_port good = port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80);
	struct nft_port bad_ports[] = {
		port_of(0, "0.0.0.0", 8080, "10.88.0.2", 80),
		port_of(IPPROTO_SCTP, "0.0.0.0", 8080, "10.88.0.2", 80),
		port_of(IPPROTO_TCP, "0.0.0.0", 0, "10.88.0.2", 80),
		port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 0),
		port_of(IPPROTO_TCP, "0.0.0.0", 8080, "0.0.0.0", 80),
	};
	struct nft_port pair[2] = { good, bad_ports[0] };
	struct nft_net n = net_of(ID_A, "br-a", "10.88.0.0", 16, true);
	_cleanup_free_ char *before = NULL, *after = NULL;
	char **ctrs = NULL, **nets = NULL;

	NEED_NFT();
	CHECK(make_other_table() == 0);
	CHECK(nft_ports_add(ID_B, &good, 1, &err) == 0);
	before = nft_text("list ruleset");
	CHECK(before != NULL);

	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
		struct nft_net bad = n;

		bad.id = bad_ids[i];
		check_refused(nft_network_add(&bad, &err), &err, "invalid network id");
		check_refused(nft_network_del(bad_ids[i], &err), &err, "invalid network id");
		check_refused(nft_ports_add(bad_ids[i], &good, 1, &err), &err, "invalid container id");
		check_refused(nft_container_del(bad_ids[i], &err), &err, "invalid container id");
	}
	check_refused(nft_container_del(NULL, &err), &err, "invalid container id");
	for (size_t i = 0; i < sizeof bad_bridges / sizeof bad_bridges[0]; i++) {
		struct nft_net bad = n;

		bad.bridge = bad_bridges[i];
		check_refused(nft_network_add(&bad, &err), &err, "invalid bridge name");
	}
	n.prefix = 33;
	check_refused(nft_network_add(&n, &err), &err, "invalid subnet prefix");
	n.prefix = 0;
	check_refused(nft_network_add(&n, &err), &err, "invalid subnet prefix");
	for (size_t i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++)
		check_refused(nft_ports_add(ID_A, &bad_ports[i], 1, &err), &err, "invalid");
	/* One bad port among good ones: nothing of the good one either. */
	check_refused(nft_ports_add(ID_B, pair, 2, &err), &err, "invalid protocol");
	if (unit_failed_now)
		return;

	after = nft_text("list ruleset");
	CHECK_STR(after, before);
	CHECK(nft_list_tags(&ctrs, &nets, &err) == 0);
	CHECK(strv_len(ctrs) == 1 && strv_len(nets) == 0);
	strv_free(ctrs);
	strv_free(nets);
}

NETNS_TEST(other_tables_untouched)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80) };
	struct nft_net na = net_of(ID_A, "br-a", "10.88.0.0", 16, true);
	_cleanup_free_ char *before = NULL, *nat_before = NULL, *after = NULL, *nat_after = NULL;
	char **ctrs = NULL, **nets = NULL;

	NEED_NFT();
	CHECK(make_other_table() == 0);
	before = nft_text("list table inet other");
	nat_before = nft_text("list table ip nat");
	CHECK(before && nat_before);
	CHECK(nft_network_add(&na, &err) == 0);
	CHECK(nft_ports_add(ID_A, p, 1, &err) == 0);
	CHECK(nft_list_tags(&ctrs, &nets, &err) == 0);
	strv_free(ctrs);
	strv_free(nets);
	CHECK(nft_container_del(ID_A, &err) == 0);
	CHECK(nft_network_del(ID_A, &err) == 0);
	/* Its tag lives on in inet other: no reason to keep ours. */
	CHECK(nft_table_del_if_unused(&err) == 0);
	CHECK(!argon_table_exists());
	after = nft_text("list table inet other");
	nat_after = nft_text("list table ip nat");
	CHECK_STR(after, before);
	CHECK_STR(nat_after, nat_before);
}

NETNS_TEST(nft_failure_reported_and_nothing_changed)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80) };
	_cleanup_free_ char *before = NULL, *after = NULL;
	struct nft_ctx *ctx;
	int r;

	NEED_NFT();
	/* A table of that name whose publish chain argon cannot have made:
	 * a filter base chain takes neither a jump nor a dnat. */
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	CHECK(ctx != NULL);
	nft_ctx_buffer_error(ctx);
	r = nft_run_cmd_from_buffer(ctx, "add table ip argon\n"
				    "add chain ip argon publish { type filter hook input priority 0; }\n");
	nft_ctx_free(ctx);
	CHECK(r == 0);
	before = nft_text("list ruleset");
	CHECK(nft_ports_add(ID_A, p, 1, &err) == -1);
	fprintf(stderr, "  (expected) %s\n", err.msg);
	/* nft's reason, and the command it was about. */
	CHECK_STR(err.msg, "add nft rules of container `aa01`: Could not process rule: Operation "
			   "not supported (in `add rule ip argon prerouting ip daddr != 127.0.0.0/8 "
			   "fib daddr type local jump publish comment \"argon:jump\"`)");
	CHECK(err.errnum == EOPNOTSUPP);
	after = nft_text("list ruleset");
	CHECK_STR(after, before);
	ar_err_clear(&err);
}

NETNS_TEST(without_net_admin_refused_quietly)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = { port_of(IPPROTO_TCP, "0.0.0.0", 8080, "10.88.0.2", 80) };
	_cleanup_close_ int out = memfd_create("stderr", MFD_CLOEXEC);
	char **ctrs = NULL, **nets = NULL;
	int saved_stderr = dup(2), r1, r2, r3;
	struct stat st;

	NEED_NFT();
	CHECK(out >= 0 && saved_stderr >= 0);
	/* Leaving uid 0 drops every capability. */
	CHECK(setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0);
	dup2(out, 2);
	r1 = nft_list_tags(&ctrs, &nets, &err);
	r2 = err.errnum;
	ar_err_clear(&err);
	r3 = nft_ports_add(ID_A, p, 1, &err);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	CHECK(r1 == -1 && r2 == EPERM && ctrs == NULL && nets == NULL);
	CHECK(r3 == -1 && err.errnum == EPERM);
	CHECK_STR(err.msg, "add nft rules of container `aa01`: nftables needs CAP_NET_ADMIN");
	ar_err_clear(&err);
	/* libnftables' "you must be root" never printed. */
	CHECK(fstat(out, &st) == 0 && st.st_size == 0);
}

/* ---- real traffic through a published port on loopback ---- */

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static int listener(int type, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 8) < 0)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Connects to 127.0.0.1:port: 0, or the errno. */
static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 2, 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : errno;
}

/* Whether a connection reaches the listener within `ms` (and takes it). */
static bool accepted(int lfd, int ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

NETNS_TEST(published_port_redirects_traffic)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = {
		port_of(IPPROTO_TCP, "127.0.0.1", 8001, "127.0.0.1", 9000),	/* loopback */
		port_of(IPPROTO_TCP, "0.0.0.0", 8002, "127.0.0.1", 9000),	/* any */
		port_of(IPPROTO_UDP, "127.0.0.1", 8001, "127.0.0.1", 9000),
	};
	_cleanup_close_ int tcp = -1, udp = -1, out = -1;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(8001),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 2, 0 };
	char buf[8] = "";

	NEED_NFT();
	CHECK(lo_up() == 0);
	tcp = listener(SOCK_STREAM, 9000);
	udp = listener(SOCK_DGRAM, 9000);
	CHECK(tcp >= 0 && udp >= 0);
	CHECK(setsockopt(udp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);

	CHECK(tcp_connect(8001) == ECONNREFUSED);	/* nothing there yet */
	CHECK(nft_ports_add(ID_A, p, 3, &err) == 0);
	CHECK(tcp_connect(8001) == 0);
	CHECK(accepted(tcp, 2000));
	CHECK(tcp_connect(8002) == 0);
	CHECK(accepted(tcp, 2000));
	CHECK(!accepted(tcp, 100));
	out = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(out >= 0);
	CHECK(sendto(out, "ping", 4, 0, (struct sockaddr *)&to, sizeof to) == 4);
	CHECK(recv(udp, buf, sizeof buf, 0) == 4 && memcmp(buf, "ping", 4) == 0);

	CHECK(nft_container_del(ID_A, &err) == 0);
	CHECK(tcp_connect(8001) == ECONNREFUSED);
	CHECK(tcp_connect(8002) == ECONNREFUSED);
}

/* ---- several processes at once ---- */

#define WORKERS 4
#define ROUNDS 20

static const char *const worker_ids[WORKERS] = { "c0", "c1", "c2", "c3" };

/* Whether the worker's own rules are all there (nobody else deletes them). */
static bool worker_rules_there(int w, bool with_network)
{
	_cleanup_free_ char *ctr = xasprintf("argon:ctr:%s", worker_ids[w]);
	_cleanup_free_ char *net = xasprintf("argon:net:%s", worker_ids[w]);

	return tagged(ctr) == 2 && (!with_network || tagged(net) == 7);
}

/* Worker 0 keeps adding and deleting a container of its own and deleting
 * the table when unused; the others keep adding their rules, looking
 * whether they are there, and deleting them (so that the table is often
 * unused): a delete of the table built from a listing older than their
 * change would take their rules along. At the end they add them once more. */
static int worker(int w)
{
	struct ar_err err = { 0 };
	struct nft_port p[] = { port_of(IPPROTO_TCP, "0.0.0.0", (uint16_t)(8000 + w), "10.88.0.2", 80),
				port_of(IPPROTO_UDP, "0.0.0.0", (uint16_t)(8000 + w), "10.88.0.2", 80) };
	const char *id = worker_ids[w];
	char bridge[IFNAMSIZ];
	struct nft_net n;
	int r = 0;

	snprintf(bridge, sizeof bridge, "br-%d", w);
	n = net_of(id, bridge, "10.88.0.0", 16, w % 2);
	for (int i = 0; r == 0 && i < ROUNDS; i++) {
		if (w == 0) {
			r = nft_ports_add("ee", p, 2, &err) || nft_container_del("ee", &err) ||
			    nft_table_del_if_unused(&err) || nft_table_del_if_unused(&err);
			continue;
		}
		r = nft_ports_add(id, p, 2, &err) || nft_network_add(&n, &err);
		if (r == 0 && !worker_rules_there(w, true)) {
			fprintf(stderr, "  worker %d: rules gone in round %d\n", w, i);
			return 1;
		}
		if (r == 0)
			r = nft_container_del(id, &err) || nft_network_del(id, &err);
	}
	if (r == 0 && w > 0)
		r = nft_ports_add(id, p, 2, &err) || nft_network_add(&n, &err);
	if (r)
		fprintf(stderr, "  worker %d: %s\n", w, err.msg);
	ar_err_clear(&err);
	return r;
}

NETNS_TEST(concurrent_changes_keep_one_jump_and_every_rule)
{
	pid_t pids[WORKERS];
	int status, failed = 0;

	NEED_NFT();
	fflush(NULL);
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			exit(worker(w));
		CHECK(pids[w] > 0);
	}
	for (int w = 0; w < WORKERS; w++) {
		CHECK(waitpid(pids[w], &status, 0) == pids[w]);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	CHECK(!failed);
	CHECK(tagged("argon:jump") == 2);
	CHECK(tagged("argon:ctr:ee") == 0);
	for (int w = 1; w < WORKERS; w++)
		CHECK(worker_rules_there(w, true));
}

UNIT_MAIN(
	UNIT(network_add_creates_table_chains_rules),
	UNIT(network_add_is_idempotent_and_replaces),
	UNIT(ports_add_replace_del),
	UNIT(delete_leaves_the_others),
	UNIT(list_tags_collects_unique_ids),
	UNIT(table_del_if_unused),
	UNIT(generation_moves_with_each_commit),
	UNIT(bad_input_refused_before_any_change),
	UNIT(other_tables_untouched),
	UNIT(nft_failure_reported_and_nothing_changed),
	UNIT(without_net_admin_refused_quietly),
	UNIT(published_port_redirects_traffic),
	UNIT(concurrent_changes_keep_one_jump_and_every_rule),
)
