/* argon — table ip argon through libnftables (see nftrules.h for the layout).
 *
 * Every change is one nft script run as one transaction, built from a
 * listing of the table (JSON, with rule handles): the rules of a tag are
 * deleted by handle and the new ones added in the same script, so a tag's
 * rules are replaced whole or not at all.
 *
 * Concurrency. argon processes change the table without a lock of their
 * own, so a script may be built from a listing that another process has
 * made stale. The jump rules (tagged "argon:jump") serve as a version
 * token: every script that changes an existing table deletes them by the
 * handles it listed and adds them anew. Two scripts built from the same
 * listing cannot both commit (the second one's delete finds no rule:
 * ENOENT), so
 *  - the jump rules exist exactly once: they are made only by `create
 *    table` (which fails when the table exists) and by a script that has
 *    just deleted the ones it saw;
 *  - nft_table_del_if_unused cannot delete rules that another process added
 *    after its listing: its `delete table` rides on deleting the token.
 * A failed script is retried from a fresh listing when the table changed
 * since the listing it was built from; when the table is unchanged, the
 * failure is the script's own and is reported. The price: a transaction
 * that deletes anything takes the kernel some 15 ms longer (measured here;
 * the old rules are freed after a grace period), which a script deleting
 * rules of its tag pays anyway and a pure add now pays for the token.
 *
 * Scripts are made only from validated input (hex ids, plain interface
 * names, numbers and addresses formatted here) and from chain names and
 * handles that we parsed ourselves, so nothing can inject nft syntax. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>

#include "lazylib.h"
#include "nftrules.h"
#include "util.h"

#define TAG_NET "argon:net:"
#define TAG_CTR "argon:ctr:"
#define TAG_JUMP "argon:jump"
#define ID_MAX 64
#define TAG_MAX (sizeof TAG_NET + ID_MAX)
#define ATTEMPTS 100	/* scripts built from a listing another process outdated */

enum chain_id { CH_PUBLISH, CH_PREROUTING, CH_OUTPUT, CH_POSTROUTING, CH_FORWARD, CH_INPUT,
		CH_COUNT };

/* `publish` first: the base chains' jump rules need it. The output hook has
 * no "dstnat" priority name in nft 1.0.x; -100 is the same value
 * (NF_IP_PRI_NAT_DST). */
static const struct {
	const char *name;
	const char *spec;
} chains[CH_COUNT] = {
	[CH_PUBLISH] = { "publish", "" },
	[CH_PREROUTING] = { "prerouting",
			    " { type nat hook prerouting priority dstnat; policy accept; }" },
	[CH_OUTPUT] = { "output", " { type nat hook output priority -100; policy accept; }" },
	[CH_POSTROUTING] = { "postrouting",
			     " { type nat hook postrouting priority srcnat; policy accept; }" },
	[CH_FORWARD] = { "forward",
			 " { type filter hook forward priority filter; policy accept; }" },
	[CH_INPUT] = { "input", " { type filter hook input priority filter; policy accept; }" },
};

/* A packet for 127.0.0.0/8 that comes in from outside is a martian only
 * for the routing decision, and DNAT in prerouting comes before it: once
 * rewritten to a container's address it would be forwarded. So prerouting
 * never jumps for loopback destinations: a port published on 127.0.0.1 is
 * reached from the host only (output), and one published on INADDR_ANY
 * does not answer a neighbour that sends to 127.0.0.1 either. */
static const struct {
	enum chain_id chain;
	const char *rule;
} jumps[] = {
	{ CH_PREROUTING,
	  "ip daddr != 127.0.0.0/8 fib daddr type local jump publish comment \"" TAG_JUMP "\"" },
	{ CH_OUTPUT, "fib daddr type local jump publish comment \"" TAG_JUMP "\"" },
};

/* ---- input checks: what goes into a script is plain by construction ---- */

static bool id_valid(const char *id)
{
	size_t len = id ? strlen(id) : 0;

	if (len == 0 || len > ID_MAX)
		return false;
	return strspn(id, "0123456789abcdef") == len;
}

static bool ifname_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len >= IFNAMSIZ)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       len;
}

static int check_id(const char *kind, const char *id, struct ar_err *err)
{
	if (id_valid(id))
		return 0;
	return ar_fail(err, EINVAL, "invalid %s id (want 1 to %d of [0-9a-f])", kind, ID_MAX);
}

/* ---- a growing script ---- */

struct script {
	char *text;
	size_t len, cap;
};

static void script_append(struct script *s, const char *text, size_t len)
{
	if (s->len + len + 1 > s->cap) {
		s->cap = (s->len + len + 1) * 2;
		s->text = xrealloc(s->text, s->cap);
	}
	memcpy(s->text + s->len, text, len);
	s->len += len;
	s->text[s->len] = '\0';
}

/* Adds one command. Commands are joined by "; " on one line, so that an
 * error of nft's can be traced to its command (see nft_error_summary). */
static void __attribute__((format(printf, 2, 3))) script_addf(struct script *s, const char *fmt,
							     ...)
{
	_cleanup_free_ char *command = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&command, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (s->len > 0)
		script_append(s, "; ", 2);
	script_append(s, command, (size_t)n);
}

/* ---- running nft ---- */

/* libnftables is loaded on first use (lazylib.h): it brings libnftnl,
 * libxtables, libjansson and libgmp, 0.4 ms at every start of `argon`
 * otherwise, for the many commands that never touch a nat network. */
#define NFT_FNS(X) X(nft_ctx_new) X(nft_ctx_free) X(nft_ctx_buffer_output) \
	X(nft_ctx_buffer_error) X(nft_ctx_get_output_buffer) X(nft_ctx_get_error_buffer) \
	X(nft_ctx_output_set_flags) X(nft_run_cmd_from_buffer)
static struct {
#define NFT_FIELD(f) __typeof__(f) *f;
	NFT_FNS(NFT_FIELD)
#undef NFT_FIELD
} nft;

static int nft_load(struct ar_err *err)
{
	static const char *const sonames[] = { "libnftables.so.1", "libnftables.so", NULL };
	static const struct lazylib_sym syms[] = {
#define NFT_SYM(f) { #f, &nft.f },
		NFT_FNS(NFT_SYM)
#undef NFT_SYM
	};
	static bool loaded;

	if (!loaded && lazylib_open(sonames, syms, sizeof syms / sizeof syms[0], err) < 0)
		return -1;
	loaded = true;
	return 0;
}

static void nft_ctx_freep(struct nft_ctx **ctx)
{
	if (*ctx)
		nft.nft_ctx_free(*ctx);
}
#define _cleanup_nft_ __attribute__((cleanup(nft_ctx_freep)))

/* libnftables answers a caller without CAP_NET_ADMIN by printing "you
 * must be root" to our stderr: asked first, it never gets to. */
static bool have_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return true;	/* nft will tell */
	return data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}

static struct nft_ctx *nft_open(struct ar_err *err)
{
	struct nft_ctx *ctx;

	if (!have_net_admin()) {
		ar_fail(err, EPERM, "nftables needs CAP_NET_ADMIN");
		return NULL;
	}
	if (nft_load(err) < 0)
		return NULL;
	ctx = nft.nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx == NULL) {
		ar_fail(err, ENOMEM, "create an nftables context");
		return NULL;
	}
	/* Nothing of libnftables' ever reaches our stdout or stderr. */
	if (nft.nft_ctx_buffer_output(ctx) < 0 || nft.nft_ctx_buffer_error(ctx) < 0) {
		nft.nft_ctx_free(ctx);
		ar_fail(err, ENOMEM, "buffer nftables output");
		return NULL;
	}
	return ctx;
}

/* nft reports a failed request with strerror's text; the few errnos a
 * caller may test are recovered from it (errno after the call may be left
 * by anything nft did on the way, e.g. a missing /etc/iproute2 file). */
static int nft_errno(const char *text)
{
	static const int known[] = { EPERM, EACCES, ENOENT, EEXIST, EBUSY, EOPNOTSUPP,
				     ENOMEM, ENOSPC, EINVAL, EPROTONOSUPPORT };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strstr(text, strerror(known[i])))
			return known[i];
	return EIO;
}

/* The command of a one-line script that column `col` falls in: commands
 * end at a ';' outside braces (chain specs) and quotes (comments). */
static void command_at(const char *line, size_t len, size_t col, size_t *start, size_t *end)
{
	bool quoted = false;
	int depth = 0;

	*start = 0;
	*end = len;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted && line[i] == '{')
			depth++;
		else if (!quoted && line[i] == '}')
			depth--;
		else if (!quoted && depth == 0 && line[i] == ';') {
			if (i >= col) {
				*end = i;
				break;
			}
			*start = i + 1;
		}
	}
	while (*start < *end && line[*start] == ' ')
		(*start)++;
	while (*end > *start && line[*end - 1] == ' ')
		(*end)--;
}

/* nft's error text is "Error: WHAT\n<the script's line>\n    ^^^^\n",
 * possibly several times: the first error with the command the marks
 * point into. (Scripts are one line: of a script of several, nft 1.0.6
 * prints the first line whichever the error is on.) */
static char *nft_error_summary(const char *text)
{
	const char *what, *what_end, *line, *marks;
	size_t line_len, col, start, end;

	if (text == NULL || text[strspn(text, " \t\n")] == '\0')
		return xstrdup("nft failed without saying why");
	what = strstr(text, "Error: ");
	what = what ? what + strlen("Error: ") : text + strspn(text, " \t\n");
	what_end = what + strcspn(what, "\n");
	line = *what_end ? what_end + 1 : what_end;
	line_len = strcspn(line, "\n");
	marks = line[line_len] ? line + line_len + 1 : line + line_len;
	col = strspn(marks, " ");
	while (what_end > what && what_end[-1] == ' ')
		what_end--;
	if (line_len == 0 || (marks[col] != '^' && marks[col] != '~') || col >= line_len)
		return xasprintf("%.*s", (int)(what_end - what), what);
	command_at(line, line_len, col, &start, &end);
	return xasprintf("%.*s (in `%.*s`)", (int)(what_end - what), what, (int)(end - start),
			 line + start);
}

/* Runs one nft script: one transaction. json: output as JSON with handles
 * (for listings), copied to *out when out is not NULL. */
static int nft_run(struct nft_ctx *ctx, bool json, const char *script, char **out,
		   struct ar_err *err)
{
	_cleanup_free_ char *why = NULL;
	const char *text;

	/* Reading a buffer rewinds it: whatever an earlier command left is
	 * dropped before this one writes. */
	nft.nft_ctx_get_output_buffer(ctx);
	nft.nft_ctx_get_error_buffer(ctx);
	/* JSON output would also make nft try to parse the script as JSON. */
	nft.nft_ctx_output_set_flags(ctx, json ? NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE : 0);
	if (nft.nft_run_cmd_from_buffer(ctx, script) != 0) {
		text = nft.nft_ctx_get_error_buffer(ctx);
		why = nft_error_summary(text);
		return ar_fail(err, nft_errno(why), "%s", why);
	}
	if (out) {
		text = nft.nft_ctx_get_output_buffer(ctx);
		*out = xstrdup(text ? text : "");
	}
	return 0;
}

/* ---- the table as listed ---- */

struct listed_rule {
	enum chain_id chain;
	uint64_t handle;
	char *comment;	/* NULL: none */
};

struct table_state {
	bool exists;
	char *json;	/* the listing: tells a changed table from a failing script */
	struct listed_rule *rules;	/* those in argon's chains; others are not ours */
	size_t n_rules;
	bool has_chain[CH_COUNT];
};

static void table_state_free(struct table_state *st)
{
	for (size_t i = 0; i < st->n_rules; i++)
		free(st->rules[i].comment);
	free(st->rules);
	free(st->json);
	*st = (struct table_state){ 0 };
}
#define _cleanup_table_state_ __attribute__((cleanup(table_state_free)))

static int chain_lookup(const char *name)
{
	for (int c = 0; c < CH_COUNT; c++)
		if (strcmp(chains[c].name, name) == 0)
			return c;
	return -1;
}

static const char *json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The "nftables" array of a listing, or NULL. */
static struct json_object *listing_items(struct json_object *root)
{
	struct json_object *items;

	if (!json_object_object_get_ex(root, "nftables", &items) ||
	    !json_object_is_type(items, json_type_array))
		return NULL;
	return items;
}

static void state_add_rule(struct table_state *st, struct json_object *rule)
{
	struct json_object *handle;
	const char *chain = json_str(rule, "chain"), *comment = json_str(rule, "comment");
	int c = chain ? chain_lookup(chain) : -1;
	int64_t h;

	if (c < 0 || !json_object_object_get_ex(rule, "handle", &handle) ||
	    !json_object_is_type(handle, json_type_int))
		return;
	h = json_object_get_int64(handle);
	if (h <= 0)
		return;
	st->rules = xrealloc(st->rules, (st->n_rules + 1) * sizeof *st->rules);
	st->rules[st->n_rules++] = (struct listed_rule){
		.chain = (enum chain_id)c,
		.handle = (uint64_t)h,
		.comment = comment ? xstrdup(comment) : NULL,
	};
}

static int state_parse(struct table_state *st, struct ar_err *err)
{
	struct json_object *root = json_tokener_parse(st->json), *items, *item, *rule, *chain;
	const char *name;
	size_t n;
	int c;

	items = root ? listing_items(root) : NULL;
	if (items == NULL) {
		json_object_put(root);
		return ar_fail(err, EPROTO, "unexpected nft listing: not an \"nftables\" array");
	}
	n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		item = json_object_array_get_idx(items, i);
		if (json_object_object_get_ex(item, "rule", &rule) &&
		    json_object_is_type(rule, json_type_object))
			state_add_rule(st, rule);
		else if (json_object_object_get_ex(item, "chain", &chain) &&
			 (name = json_str(chain, "name")) && (c = chain_lookup(name)) >= 0)
			st->has_chain[c] = true;
	}
	json_object_put(root);
	return 0;
}

/* Whether `list tables ip` shows table ip argon: after `list table` failed,
 * tells "no table" from a real failure. */
static int table_exists(struct nft_ctx *ctx, bool *exists, struct ar_err *err)
{
	_cleanup_free_ char *json = NULL;
	struct json_object *root, *items, *table;
	const char *name, *family;
	size_t n;

	*exists = false;
	if (nft_run(ctx, true, "list tables ip", &json, err) < 0)
		return -1;
	root = json_tokener_parse(json);
	items = root ? listing_items(root) : NULL;
	n = items ? json_object_array_length(items) : 0;
	for (size_t i = 0; i < n; i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(items, i), "table",
					       &table))
			continue;
		name = json_str(table, "name");
		family = json_str(table, "family");
		if (name && family && strcmp(name, NFT_TABLE) == 0 && strcmp(family, "ip") == 0)
			*exists = true;
	}
	json_object_put(root);
	if (items == NULL)
		return ar_fail(err, EPROTO, "unexpected nft listing: not an \"nftables\" array");
	return 0;
}

static int table_list(struct nft_ctx *ctx, struct table_state *st, struct ar_err *err)
{
	struct ar_err list_err = { 0 };
	int r;

	*st = (struct table_state){ 0 };
	if (nft_run(ctx, true, "list table ip " NFT_TABLE, &st->json, &list_err) == 0) {
		ar_err_clear(&list_err);
		st->exists = true;
		r = state_parse(st, err);
	} else {
		r = table_exists(ctx, &st->exists, err);
		if (r == 0 && st->exists) {
			/* There, yet not listable: that failure is the news. */
			ar_err_clear(err);
			*err = list_err;
			list_err = (struct ar_err){ 0 };
			r = -1;
		}
		ar_err_clear(&list_err);
	}
	if (r < 0) {
		table_state_free(st);
		return ar_err_prefix(err, "list nft table ip " NFT_TABLE);
	}
	return 0;
}

/* After a failed script: whether the table differs from the listing the
 * script was built from (another process changed it: build anew). */
static bool table_changed(struct nft_ctx *ctx, const struct table_state *before)
{
	_cleanup_table_state_ struct table_state now = { 0 };
	struct ar_err err = { 0 };
	bool changed;

	if (table_list(ctx, &now, &err) < 0) {
		ar_err_clear(&err);
		return false;
	}
	changed = now.exists != before->exists ||
		  (now.exists && strcmp(now.json, before->json) != 0);
	return changed;
}

/* A random pause, growing with the attempts (1-4 ms, up to 1-32 ms),
 * before building anew: processes that keep outdating each other fall
 * out of step (pids would not: they can be congruent). */
static void retry_pause(unsigned attempt)
{
	unsigned r = 0, span = 4u << (attempt < 3 ? attempt : 3);

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned)getpid() * 2654435761u + attempt;
	struct timespec ts = { 0, (long)(1 + r % span) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- scripts ---- */

static bool comment_is(const struct listed_rule *r, const char *comment)
{
	return r->comment && strcmp(r->comment, comment) == 0;
}

/* The chains the listing lacks (all of them for a new table). Not the
 * others: `add chain` of an existing base chain updates its hook, another
 * 15 ms or so for the kernel. */
static void script_add_chains(struct script *s, const struct table_state *st)
{
	for (int c = 0; c < CH_COUNT; c++)
		if (!st->has_chain[c])
			script_addf(s, "add chain ip %s %s%s", NFT_TABLE, chains[c].name,
				    chains[c].spec);
}

static void script_add_jumps(struct script *s)
{
	for (size_t i = 0; i < sizeof jumps / sizeof jumps[0]; i++)
		script_addf(s, "add rule ip %s %s %s", NFT_TABLE, chains[jumps[i].chain].name,
			    jumps[i].rule);
}

static void script_delete_rule(struct script *s, const struct listed_rule *r)
{
	script_addf(s, "delete rule ip %s %s handle %llu", NFT_TABLE, chains[r->chain].name,
		    (unsigned long long)r->handle);
}

/* Deleting the listed jump rules makes the script fail when another one
 * committed since the listing (see the top of the file). */
static void script_renew_token(struct script *s, const struct table_state *st)
{
	for (size_t i = 0; i < st->n_rules; i++)
		if (comment_is(&st->rules[i], TAG_JUMP))
			script_delete_rule(s, &st->rules[i]);
}

/* rules: complete "add rule ..." commands. NULL when the
 * table already is as asked (nothing of the tag, nothing to add). */
static char *script_replace(const struct table_state *st, const char *tag, char *const *rules)
{
	struct script s = { 0 };
	bool tagged = false;

	if (!st->exists) {
		/* `create`: when another process made the table meanwhile,
		 * the script fails and is built anew from its table. */
		script_addf(&s, "create table ip %s", NFT_TABLE);
		script_add_chains(&s, st);
		script_add_jumps(&s);
	} else {
		for (size_t i = 0; i < st->n_rules; i++)
			tagged |= comment_is(&st->rules[i], tag);
		if (!tagged && rules[0] == NULL)
			return NULL;
		/* A chain someone deleted is put back; the table itself is
		 * never added back: when it went away since the listing, the
		 * script fails and is built anew. */
		script_add_chains(&s, st);
		script_renew_token(&s, st);
		for (size_t i = 0; i < st->n_rules; i++)
			if (comment_is(&st->rules[i], tag))
				script_delete_rule(&s, &st->rules[i]);
		script_add_jumps(&s);
	}
	for (size_t i = 0; rules[i]; i++)
		script_addf(&s, "%s", rules[i]);
	return s.text;
}

/* argon's writers of the table take turns, under one lock file for the
 * machine (the table is per network namespace, but the work is a few
 * milliseconds; a file per namespace would be left behind by every
 * namespace). The jump-rule token alone leaves a window under heavy
 * load: a table deleted as unused between another writer's listing and
 * its commit. -1: no lock to be had; the token still guards. */
#define WRITERS_LOCK "/run/lock/argon-nft.lock"
static int writers_lock(void)
{
	int fd = open(WRITERS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Replaces every rule tagged `tag` by `rules` (may be empty) in one
 * transaction; without a table and without rules to add, nothing happens. */
static int tag_replace(const char *tag, char *const *rules, struct ar_err *err)
{
	_cleanup_close_ int lock = writers_lock();
	_cleanup_nft_ struct nft_ctx *ctx = nft_open(err);

	if (ctx == NULL)
		return -1;
	for (unsigned attempt = 1;; attempt++) {
		_cleanup_table_state_ struct table_state st = { 0 };
		_cleanup_free_ char *script = NULL;

		if (table_list(ctx, &st, err) < 0)
			return -1;
		if (!st.exists && rules[0] == NULL)
			return 0;
		script = script_replace(&st, tag, rules);
		if (script == NULL || nft_run(ctx, false, script, NULL, err) == 0)
			return 0;
		if (attempt == ATTEMPTS || !table_changed(ctx, &st))
			return -1;
		ar_err_clear(err);
		retry_pause(attempt);
	}
}

/* ---- networks ---- */

static char *rule_line(const char *chain, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *rule_line(const char *chain, const char *tag, const char *fmt, ...)
{
	_cleanup_free_ char *body = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		abort();
	va_end(ap);
	return xasprintf("add rule ip %s %s %s comment \"%s\"", NFT_TABLE, chain, body, tag);
}

static int check_net(const struct nft_net *n, struct ar_err *err)
{
	if (check_id("network", n->id, err) < 0)
		return -1;
	if (!ifname_valid(n->bridge))
		return ar_fail(err, EINVAL,
			       "invalid bridge name `%s` (want 1 to %d of [A-Za-z0-9_.-])",
			       n->bridge ? n->bridge : "(null)", IFNAMSIZ - 1);
	if (n->prefix < 1 || n->prefix > 32)
		return ar_fail(err, EINVAL, "invalid subnet prefix length `%u` (want 1 to 32)",
			       n->prefix);
	return 0;
}

static char **net_rules(const struct nft_net *n, const char *tag)
{
	uint32_t mask = htonl(n->prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> n->prefix));
	struct in_addr net = { n->subnet.s_addr & mask };
	const char *br = n->bridge;
	char subnet[INET_ADDRSTRLEN];
	char **rules = NULL;

	inet_ntop(AF_INET, &net, subnet, sizeof subnet);
	/* Into the bridge from elsewhere: published ports and answers only. */
	strv_push(&rules, rule_line("forward", tag, "oifname \"%s\" iifname != \"%s\" ct status dnat accept", br, br));
	strv_push(&rules, rule_line("forward", tag, "oifname \"%s\" iifname != \"%s\" ct state established,related accept", br, br));
	strv_push(&rules, rule_line("forward", tag, "oifname \"%s\" iifname != \"%s\" drop", br, br));
	if (n->outbound)
		strv_push(&rules, rule_line("postrouting", tag, "ip saddr %s/%u oifname != \"%s\" masquerade",
					    subnet, n->prefix, br));
	else
		strv_push(&rules, rule_line("forward", tag, "iifname \"%s\" oifname != \"%s\" drop", br, br));
	/* A port published on a loopback address, reached from the host. */
	strv_push(&rules, rule_line("postrouting", tag, "oifname \"%s\" ip saddr 127.0.0.0/8 masquerade", br));
	/* ... which needs route_localnet on the bridge; that would also let a
	 * container (raw sockets) reach the host's own 127.0.0.1 services
	 * (CVE-2020-8558): only the answers to the host's connections pass. */
	strv_push(&rules, rule_line("input", tag, "iifname \"%s\" ip daddr 127.0.0.0/8 ct state != { established, related } drop", br));
	/* Hairpin: a container reaching a published port of its own network. */
	strv_push(&rules, rule_line("postrouting", tag, "oifname \"%s\" ip saddr %s/%u ct status dnat masquerade",
				    br, subnet, n->prefix));
	return rules;
}

int nft_network_add(const struct nft_net *n, struct ar_err *err)
{
	_cleanup_strv_ char **rules = NULL;
	char tag[TAG_MAX];

	if (check_net(n, err) < 0)
		return ar_err_prefix(err, "add nft rules of network `%s`", n->id ? n->id : "(null)");
	snprintf(tag, sizeof tag, TAG_NET "%s", n->id);
	rules = net_rules(n, tag);
	if (tag_replace(tag, rules, err) < 0)
		return ar_err_prefix(err, "add nft rules of network `%s`", n->id);
	return 0;
}

static int tag_delete(const char *prefix, const char *kind, const char *id, struct ar_err *err)
{
	char *const none[] = { NULL };
	char tag[TAG_MAX];

	if (check_id(kind, id, err) < 0)
		return ar_err_prefix(err, "delete nft rules of %s `%s`", kind, id ? id : "(null)");
	snprintf(tag, sizeof tag, "%s%s", prefix, id);
	if (tag_replace(tag, none, err) < 0)
		return ar_err_prefix(err, "delete nft rules of %s `%s`", kind, id);
	return 0;
}

int nft_network_del(const char *id, struct ar_err *err)
{
	return tag_delete(TAG_NET, "network", id, err);
}

/* ---- published ports ---- */

static int check_port(const struct nft_port *p, struct ar_err *err)
{
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return ar_fail(err, EINVAL, "invalid protocol `%d` (want tcp or udp)", p->proto);
	if (p->host_port == 0 || p->ctr_port == 0)
		return ar_fail(err, EINVAL, "invalid port `%u:%u` (0 is no port)", p->host_port,
			       p->ctr_port);
	if (p->ctr_ip.s_addr == htonl(INADDR_ANY))
		return ar_fail(err, EINVAL, "invalid container address `0.0.0.0`");
	return 0;
}

/* A loopback host_ip needs nothing of its own: prerouting never jumps to
 * publish for 127.0.0.0/8 (see `jumps`), so its rule matches in output
 * only. */
static char *port_rule(const struct nft_port *p, const char *tag)
{
	char host[INET_ADDRSTRLEN], ctr[INET_ADDRSTRLEN];
	_cleanup_free_ char *daddr = NULL;

	inet_ntop(AF_INET, &p->ctr_ip, ctr, sizeof ctr);
	if (p->host_ip.s_addr != htonl(INADDR_ANY)) {
		inet_ntop(AF_INET, &p->host_ip, host, sizeof host);
		daddr = xasprintf("ip daddr %s ", host);
	}
	return rule_line("publish", tag, "%s%s dport %u dnat to %s:%u", daddr ? daddr : "",
			 p->proto == IPPROTO_TCP ? "tcp" : "udp", p->host_port, ctr, p->ctr_port);
}

int nft_ports_add(const char *container_id, const struct nft_port *p, size_t n,
		  struct ar_err *err)
{
	_cleanup_strv_ char **rules = xcalloc(n + 1, sizeof *rules);
	char tag[TAG_MAX];
	int r = check_id("container", container_id, err);

	for (size_t i = 0; r == 0 && i < n; i++)
		r = check_port(&p[i], err);
	if (r < 0)
		return ar_err_prefix(err, "add nft rules of container `%s`",
				     container_id ? container_id : "(null)");
	snprintf(tag, sizeof tag, TAG_CTR "%s", container_id);
	for (size_t i = 0; i < n; i++)
		rules[i] = port_rule(&p[i], tag);
	if (tag_replace(tag, rules, err) < 0)
		return ar_err_prefix(err, "add nft rules of container `%s`", container_id);
	return 0;
}

int nft_container_del(const char *container_id, struct ar_err *err)
{
	return tag_delete(TAG_CTR, "container", container_id, err);
}

/* ---- reconcile ---- */

static void ids_add_unique(char ***ids, size_t *n, const char *id)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*ids)[i], id) == 0)
			return;
	strv_push(ids, xstrdup(id));
	(*n)++;
}

int nft_list_tags(char ***containers, char ***networks, struct ar_err *err)
{
	_cleanup_table_state_ struct table_state st = { 0 };
	_cleanup_nft_ struct nft_ctx *ctx = nft_open(err);
	char **ctrs = xcalloc(1, sizeof *ctrs), **nets = xcalloc(1, sizeof *nets);
	size_t n_ctrs = 0, n_nets = 0;
	const char *c;

	*containers = *networks = NULL;
	if (ctx == NULL)
		ar_err_prefix(err, "list nft table ip " NFT_TABLE);
	if (ctx == NULL || table_list(ctx, &st, err) < 0) {
		strv_free(ctrs);
		strv_free(nets);
		return -1;
	}
	for (size_t i = 0; i < st.n_rules; i++) {
		c = st.rules[i].comment;
		if (c && strncmp(c, TAG_CTR, strlen(TAG_CTR)) == 0 && id_valid(c + strlen(TAG_CTR)))
			ids_add_unique(&ctrs, &n_ctrs, c + strlen(TAG_CTR));
		else if (c && strncmp(c, TAG_NET, strlen(TAG_NET)) == 0 &&
			 id_valid(c + strlen(TAG_NET)))
			ids_add_unique(&nets, &n_nets, c + strlen(TAG_NET));
	}
	strv_sort(ctrs, n_ctrs);
	strv_sort(nets, n_nets);
	*containers = ctrs;
	*networks = nets;
	return 0;
}

static bool table_in_use(const struct table_state *st)
{
	const char *c;

	for (size_t i = 0; i < st->n_rules; i++) {
		c = st->rules[i].comment;
		if (c && (strncmp(c, TAG_CTR, strlen(TAG_CTR)) == 0 ||
			  strncmp(c, TAG_NET, strlen(TAG_NET)) == 0))
			return true;
	}
	return false;
}

int nft_table_del_if_unused(struct ar_err *err)
{
	_cleanup_close_ int lock = writers_lock();
	_cleanup_nft_ struct nft_ctx *ctx = nft_open(err);

	if (ctx == NULL)
		return ar_err_prefix(err, "delete nft table ip " NFT_TABLE);
	for (unsigned attempt = 1;; attempt++) {
		_cleanup_table_state_ struct table_state st = { 0 };
		struct script s = { 0 };
		int r;

		if (table_list(ctx, &st, err) < 0)
			return -1;
		if (!st.exists || table_in_use(&st))
			return 0;
		/* The token: a rule added since the listing makes this fail. */
		script_renew_token(&s, &st);
		script_addf(&s, "delete table ip %s", NFT_TABLE);
		r = nft_run(ctx, false, s.text, NULL, err);
		free(s.text);
		if (r == 0)
			return 0;
		if (attempt == ATTEMPTS || !table_changed(ctx, &st))
			return ar_err_prefix(err, "delete nft table ip " NFT_TABLE);
		ar_err_clear(err);
		retry_pause(attempt);
	}
}
