/* argon — a container's endpoints on networks and the addresses they hold
 * (netdb.h): reserved inside a write transaction, lowest free first, so
 * two commands never get the same one; released with the endpoint row (or
 * the container's, by cascade). */
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

/* ------------------------------------------------------------ endpoints */

static char *aliases_to_json(char *const *aliases)
{
	json_object *a = json_object_new_array();
	char *text;

	for (size_t i = 0; aliases && aliases[i]; i++)
		json_object_array_add(a, json_object_new_string(aliases[i]));
	text = xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return text;
}

static char **aliases_from_json(const char *text)
{
	json_object *a = text ? json_tokener_parse(text) : NULL;
	char **v = xcalloc(1, sizeof *v);

	if (a && json_object_is_type(a, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(a, i));
			if (s)
				strv_push(&v, xstrdup(s));
		}
	}
	json_object_put(a);
	return v;
}

#define EP_COLUMNS "SELECT container_id, network_id, ip, ifname, aliases FROM endpoints "

static void fill_endpoint(sqlite3_stmt *q, struct net_endpoint *ep)
{
	_cleanup_free_ char *aliases = db_col_str(q, 4);

	memset(ep, 0, sizeof *ep);
	ep->container_id = db_col_str(q, 0);
	ep->network_id = db_col_str(q, 1);
	ep->ip = net_order((uint64_t)sqlite3_column_int64(q, 2));
	ep->ifname = db_col_str(q, 3);
	ep->aliases = aliases_from_json(aliases);
}

static int list_endpoints(struct store *s, const char *sql, const char *key,
			  struct net_endpoint **out, size_t *n, struct ar_err *err)
{
	sqlite3_stmt *q;
	struct net_endpoint *eps = NULL;
	size_t len = 0;
	int r;

	if (db_prepare(s->db, &q, err, sql, "s", key) < 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		eps = xrealloc(eps, (len + 1) * sizeof *eps);
		fill_endpoint(q, &eps[len++]);
	}
	sqlite3_finalize(q);
	if (r != SQLITE_DONE) {
		net_endpoints_free(eps, len);
		return db_error(s->db, err, "list endpoints");
	}
	*out = eps;
	*n = len;
	return 0;
}

int netdb_endpoints_of_container(struct store *s, const char *container_id,
				 struct net_endpoint **out, size_t *n, struct ar_err *err)
{
	/* By length first: eth2 before eth10. */
	return list_endpoints(s, EP_COLUMNS "WHERE container_id = ? ORDER BY length(ifname), "
			      "ifname", container_id, out, n, err);
}

int netdb_endpoints_of_network(struct store *s, const char *network_id,
			       struct net_endpoint **out, size_t *n, struct ar_err *err)
{
	return list_endpoints(s, EP_COLUMNS "WHERE network_id = ? ORDER BY ip", network_id, out,
			      n, err);
}

/* The addresses that are nobody's to take: the subnet's network and
 * broadcast addresses (prefix <= 30) and the gateway. */
struct ipam_view {
	uint32_t network, broadcast, gateway;
	bool has_edges;
	uint64_t start, end;
};

static struct ipam_view ipam_view_of(const struct net_info *n)
{
	struct ipam_view v = {
		.network = host_order(n->subnet),
		.broadcast = host_order(n->subnet) | ~mask_of(n->prefix),
		.gateway = host_order(n->gateway),
		.has_edges = n->prefix <= 30,
		.start = host_order(n->range_start),
		.end = host_order(n->range_end),
	};
	return v;
}

static bool ipam_reserved(const struct ipam_view *v, uint64_t ip)
{
	return ip == v->gateway || (v->has_edges && (ip == v->network || ip == v->broadcast));
}

/* The lowest free address of the range: one pass over the reserved ones,
 * in order. 0 when the range is full. */
static int lowest_free(struct store *s, const struct net_info *n, uint64_t *out,
		       struct ar_err *err)
{
	struct ipam_view v = ipam_view_of(n);
	sqlite3_stmt *q;
	uint64_t cand = v.start, used = 0;
	bool have;
	int r;

	if (db_prepare(s->db, &q, err, "SELECT ip FROM endpoints WHERE network_id = ? AND "
		       "ip BETWEEN ? AND ? ORDER BY ip", "sii", n->id, (int64_t)v.start,
		       (int64_t)v.end) < 0)
		return -1;
	r = sqlite3_step(q);
	have = r == SQLITE_ROW;
	if (have)
		used = (uint64_t)sqlite3_column_int64(q, 0);
	for (;;) {
		while (cand <= v.end && ipam_reserved(&v, cand))
			cand++;
		while (have && used < cand) {
			r = sqlite3_step(q);
			have = r == SQLITE_ROW;
			if (have)
				used = (uint64_t)sqlite3_column_int64(q, 0);
		}
		if (cand > v.end || !have || used != cand)
			break;
		cand++;
	}
	sqlite3_finalize(q);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s->db, err, "list the network's addresses");
	*out = cand > v.end ? 0 : cand;
	return 0;
}

/* The lowest N with no "ethN" among the container's endpoints. */
static int next_ifname(struct store *s, const char *container_id, char **out,
		       struct ar_err *err)
{
	sqlite3_stmt *q;
	bool *used = NULL;
	size_t n_used = 0;
	unsigned idx;
	int r;

	if (db_prepare(s->db, &q, err, "SELECT ifname FROM endpoints WHERE container_id = ?",
		       "s", container_id) < 0)
		return -1;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		char *end;
		unsigned long k;
		if (name == NULL || strncmp(name, "eth", 3) != 0 ||
		    !isdigit((unsigned char)name[3]))
			continue;
		k = strtoul(name + 3, &end, 10);
		if (*end != '\0' || k > 4096)
			continue;
		if (k >= n_used) {
			used = xrealloc(used, (k + 1) * sizeof *used);
			memset(used + n_used, 0, (k + 1 - n_used) * sizeof *used);
			n_used = k + 1;
		}
		used[k] = true;
	}
	sqlite3_finalize(q);
	if (r != SQLITE_DONE) {
		free(used);
		return db_error(s->db, err, "list the container's interfaces");
	}
	for (idx = 0; idx < n_used && used[idx]; idx++)
		;
	free(used);
	*out = xasprintf("eth%u", idx);
	return 0;
}

static bool row_exists(struct store *s, const char *sql, const char *types, const char *a,
		       const char *b)
{
	sqlite3_stmt *q;
	bool found;

	if (db_prepare(s->db, &q, NULL, sql, types, a, b) < 0)
		return false;
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

static bool address_taken(struct store *s, const char *network_id, uint32_t ip)
{
	sqlite3_stmt *q;
	bool found;

	if (db_prepare(s->db, &q, NULL, "SELECT 1 FROM endpoints WHERE network_id = ? AND ip = ?",
		       "si", network_id, (int64_t)ip) < 0)
		return false;	/* the UNIQUE constraint still refuses it */
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

/* `want` against the range, before anything is locked. */
static int check_wanted(const struct net_info *n, struct in_addr want, struct ar_err *err)
{
	struct ipam_view v = ipam_view_of(n);
	uint32_t ip = host_order(want);
	char buf[INET_ADDRSTRLEN], lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];

	if (ip < v.start || ip > v.end)
		return ar_fail(err, EINVAL, "address `%s` is outside the range of network `%s` "
				"(%s-%s)", ip_str(want, buf), n->name, ip_str(n->range_start, lo),
				ip_str(n->range_end, hi));
	if (ipam_reserved(&v, ip))
		return ar_fail(err, EADDRINUSE, "address `%s` is the gateway of network `%s`",
				ip_str(want, buf), n->name);
	return 0;
}

/* Inside the transaction: the checks, the address, the name, the row. */
static int attach_locked(struct store *s, const char *container_id, const struct net_info *n,
			 struct in_addr want, const char *aliases, struct net_endpoint *out,
			 struct ar_err *err)
{
	_cleanup_free_ char *ifname = NULL;
	char buf[INET_ADDRSTRLEN];
	uint64_t ip = 0;

	if (!row_exists(s, "SELECT 1 FROM networks WHERE id = ?", "s", n->id, NULL))
		return ar_fail(err, ENOENT, "no such network: `%s`", n->name);
	if (!row_exists(s, "SELECT 1 FROM containers WHERE id = ?", "s", container_id, NULL))
		return ar_fail(err, ENOENT, "no such container: `%s`", container_id);
	if (row_exists(s, "SELECT 1 FROM endpoints WHERE container_id = ? AND network_id = ?",
		       "ss", container_id, n->id))
		return ar_fail(err, EEXIST, "container `%.12s` is already attached to network `%s`",
				container_id, n->name);
	if (want.s_addr != INADDR_ANY) {
		ip = host_order(want);
		if (address_taken(s, n->id, (uint32_t)ip))
			return ar_fail(err, EADDRINUSE, "address `%s` is already in use on network "
					"`%s`", ip_str(want, buf), n->name);
	} else {
		if (lowest_free(s, n, &ip, err) < 0)
			return -1;
		if (ip == 0)
			return ar_fail(err, ENOSPC, "no free address left on network `%s`",
					n->name);
	}
	if (next_ifname(s, container_id, &ifname, err) < 0)
		return -1;
	if (db_run(s->db, err, "INSERT INTO endpoints(container_id, network_id, ip, ifname, "
		   "aliases) VALUES(?, ?, ?, ?, ?)", "ssiss", container_id, n->id, (int64_t)ip,
		   ifname, aliases) < 0) {
		if (err && err->errnum == EEXIST)
			return ar_fail(err, EADDRINUSE, "address `%s` is already in use on network "
					"`%s`", ip_str(net_order(ip), buf), n->name);
		return -1;
	}
	out->container_id = xstrdup(container_id);
	out->network_id = xstrdup(n->id);
	out->ip = net_order(ip);
	out->ifname = steal_ptr(&ifname);
	return 0;
}

static bool alias_valid(const char *a)
{
	size_t n = strlen(a);

	return n > 0 && n <= 64 && isalnum((unsigned char)a[0]) &&
	       strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int netdb_attach(struct store *s, const char *container_id, const struct net_info *n,
		 struct in_addr want, char *const *aliases, struct net_endpoint *out,
		 struct ar_err *err)
{
	_cleanup_free_ char *aliases_json = aliases_to_json(aliases);
	struct net_endpoint ep = { 0 };

	for (size_t i = 0; aliases && aliases[i]; i++)
		if (!alias_valid(aliases[i]))	/* they become /etc/hosts lines */
			return ar_fail(err, EINVAL, "invalid network alias `%s`: want "
				       "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64", aliases[i]);
	if (want.s_addr != INADDR_ANY && check_wanted(n, want, err) < 0)
		return -1;
	if (db_begin(s->db, err) < 0)
		return ar_err_prefix(err, "attach to network `%s`", n->name);
	if (attach_locked(s, container_id, n, want, aliases_json, &ep, err) < 0 ||
	    db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		net_endpoint_free(&ep);
		return -1;
	}
	ep.aliases = xcalloc(1, sizeof *ep.aliases);
	for (size_t i = 0; aliases && aliases[i]; i++)
		strv_push(&ep.aliases, xstrdup(aliases[i]));
	if (out)
		*out = ep;
	else
		net_endpoint_free(&ep);
	return 0;
}

int netdb_detach(struct store *s, const char *container_id, const char *network_id,
		 struct ar_err *err)
{
	if (db_run(s->db, err, "DELETE FROM endpoints WHERE container_id = ? AND network_id = ?",
		   "ss", container_id, network_id) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return ar_fail(err, ENOENT, "container `%.12s` is not attached to network `%.12s`",
				container_id, network_id);
	return 0;
}
