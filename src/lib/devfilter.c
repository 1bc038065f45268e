/* argon — cgroup v2 device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * The program is written by hand (no libbpf): a prologue loads the request
 * into registers, then one block per rule, newest rule first, each ending in
 * "return allow"; a request that no block claims falls through to "return 0"
 * (deny). So the last matching rule wins, as in runc and crun.
 *
 * Registers after the prologue (struct bpf_cgroup_dev_ctx at r1):
 *   r2 = device type   (access_type & 0xffff: BPF_DEVCG_DEV_BLOCK/CHAR)
 *   r3 = access asked  (access_type >> 16: BPF_DEVCG_ACC_MKNOD/READ/WRITE)
 *   r4 = major, r5 = minor; r1 is scratch afterwards.
 *
 * When a rule matches (type 'a' or equal, major/minor -1 or equal, and):
 *   allow: every requested access bit is in the rule   (asked & ~rule) == 0
 *   deny:  any requested access bit is in the rule     (asked &  rule) != 0
 * This is cgroup v1's own check (match_exception for allowed exceptions,
 * match_exception_partial for denied ones), which runc reproduces by
 * running the rules through its v1 emulator before emitting a program.
 * runc's emitted blocks test "asked is a subset" for every rule, which is
 * only sound because its emulator has already folded deny rules into the
 * allow set; crun emits raw rules with the subset test and so lets
 * open(O_RDWR) through a later "deny w". Emitting raw rules ourselves, the
 * intersection test for deny keeps that hole shut: a request is never
 * allowed unless each of its access bits on its own would be.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devfilter.h"
#include "util.h"

#define DEV_ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
#define PROLOGUE_LEN 6
#define RULE_MAX_LEN 8		/* type, 3 for access, major, minor, mov, exit */
#define VERIFIER_LOG_MIN (64u * 1024)
#define VERIFIER_LOG_MAX (16u * 1024 * 1024)
#define VERIFIER_TAIL 480	/* bytes of the verifier log kept in a message */

/* ---- instruction encoders (the kernel's macros are not uapi) ---- */

static inline struct bpf_insn insn_ldx_w(uint8_t dst, uint8_t src, int16_t off)
{
	return (struct bpf_insn){ .code = BPF_LDX | BPF_W | BPF_MEM, .dst_reg = dst,
				  .src_reg = src, .off = off };
}

static inline struct bpf_insn insn_alu32_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return (struct bpf_insn){ .code = BPF_ALU | op | BPF_K, .dst_reg = dst, .imm = imm };
}

static inline struct bpf_insn insn_mov32_reg(uint8_t dst, uint8_t src)
{
	return (struct bpf_insn){ .code = BPF_ALU | BPF_MOV | BPF_X, .dst_reg = dst,
				  .src_reg = src };
}

/* 32-bit compare: majors and minors are u32, and a 64-bit JMP would
 * sign-extend an immediate above INT32_MAX into a value r4/r5 never hold. */
static inline struct bpf_insn insn_jmp32_imm(uint8_t op, uint8_t dst, uint32_t imm, int16_t off)
{
	return (struct bpf_insn){ .code = BPF_JMP32 | op | BPF_K, .dst_reg = dst,
				  .off = off, .imm = (int32_t)imm };
}

static inline struct bpf_insn insn_exit(void)
{
	return (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
}

static inline uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Every fd bpf() returns is close-on-exec already. */
static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* ---- rules to instructions ---- */

struct dev_match {
	bool allow;
	bool any_type, any_major, any_minor;
	uint32_t type, major, minor;
	uint32_t access;	/* BPF_DEVCG_ACC_* bits */
};

static int rule_to_match(const struct res_device_rule *r, struct dev_match *m,
			 struct ar_err *err)
{
	*m = (struct dev_match){ .allow = r->allow, .any_type = r->type == 'a',
				 .any_major = r->major == -1, .any_minor = r->minor == -1 };
	if (r->type == 'c')
		m->type = BPF_DEVCG_DEV_CHAR;
	else if (r->type == 'b')
		m->type = BPF_DEVCG_DEV_BLOCK;
	else if (r->type != 'a')
		return ar_error(err, EINVAL, "invalid type `%c`", r->type);
	if (r->major < -1 || r->major > UINT32_MAX || r->minor < -1 || r->minor > UINT32_MAX)
		return ar_error(err, EINVAL, "invalid major:minor `%lld:%lld`",
				(long long)r->major, (long long)r->minor);
	m->major = (uint32_t)r->major;
	m->minor = (uint32_t)r->minor;
	for (size_t i = 0; i < sizeof(r->access) && r->access[i]; i++) {
		switch (r->access[i]) {
		case 'r': m->access |= BPF_DEVCG_ACC_READ; break;
		case 'w': m->access |= BPF_DEVCG_ACC_WRITE; break;
		case 'm': m->access |= BPF_DEVCG_ACC_MKNOD; break;
		default:
			return ar_error(err, EINVAL, "invalid access `%.4s`",
					r->access);
		}
	}
	return 0;
}

/* A rule that every request matches: nothing older can ever be reached. */
static bool match_is_total(const struct dev_match *m)
{
	return m->any_type && m->any_major && m->any_minor && m->access == DEV_ACC_ALL;
}

/* The jump offset from the instruction at `at` to `end`: BPF counts from
 * the instruction after the jump. */
static int16_t jump_to(const struct bpf_insn *end, const struct bpf_insn *at)
{
	return (int16_t)(end - (at + 1));
}

/* Emits one rule's block at out (room for RULE_MAX_LEN); returns its length.
 * Every test jumps past the block's final "mov r0; exit" on a mismatch. */
static size_t emit_rule(const struct dev_match *m, struct bpf_insn *out)
{
	size_t len = 2 + !m->any_type + !m->any_major + !m->any_minor;
	struct bpf_insn *p = out, *end;

	if (m->access != DEV_ACC_ALL)
		len += m->allow ? 1 : 3;
	end = out + len;
	if (!m->any_type) {
		*p = insn_jmp32_imm(BPF_JNE, BPF_REG_2, m->type, jump_to(end, p));
		p++;
	}
	if (m->access != DEV_ACC_ALL && m->allow) {
		/* asked beyond what the rule allows: not this rule */
		*p = insn_jmp32_imm(BPF_JSET, BPF_REG_3, ~m->access & DEV_ACC_ALL, jump_to(end, p));
		p++;
	} else if (m->access != DEV_ACC_ALL) {
		/* nothing asked that the rule denies: not this rule */
		*p++ = insn_mov32_reg(BPF_REG_1, BPF_REG_3);
		*p++ = insn_alu32_imm(BPF_AND, BPF_REG_1, (int32_t)m->access);
		*p = insn_jmp32_imm(BPF_JEQ, BPF_REG_1, 0, jump_to(end, p));
		p++;
	}
	if (!m->any_major) {
		*p = insn_jmp32_imm(BPF_JNE, BPF_REG_4, m->major, jump_to(end, p));
		p++;
	}
	if (!m->any_minor) {
		*p = insn_jmp32_imm(BPF_JNE, BPF_REG_5, m->minor, jump_to(end, p));
		p++;
	}
	*p++ = insn_alu32_imm(BPF_MOV, BPF_REG_0, m->allow ? 1 : 0);
	*p++ = insn_exit();
	return (size_t)(p - out);
}

static size_t emit_prologue(struct bpf_insn *p)
{
	p[0] = insn_ldx_w(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[1] = insn_alu32_imm(BPF_AND, BPF_REG_2, 0xffff);
	p[2] = insn_ldx_w(BPF_REG_3, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[3] = insn_alu32_imm(BPF_RSH, BPF_REG_3, 16);
	p[4] = insn_ldx_w(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[5] = insn_ldx_w(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	return PROLOGUE_LEN;
}

int devfilter_build(const struct res_device_rule *rules, size_t n, void **insns,
		    size_t *n_insns, struct ar_err *err)
{
	_cleanup_free_ struct bpf_insn *prog =
		xcalloc(PROLOGUE_LEN + n * RULE_MAX_LEN + 2, sizeof(*prog));
	size_t len = emit_prologue(prog);
	bool total = false;

	for (size_t i = n; i-- > 0 && !total;) {
		struct dev_match m;

		if (rule_to_match(&rules[i], &m, err) < 0)
			return ar_err_prefix(err, "device rule %zu", i);
		if (m.access == 0)
			continue;	/* matches no request: asked access is never empty */
		len += emit_rule(&m, prog + len);
		total = match_is_total(&m);
	}
	if (!total) {
		prog[len++] = insn_alu32_imm(BPF_MOV, BPF_REG_0, 0);
		prog[len++] = insn_exit();
	}
	*insns = steal_ptr(&prog);
	*n_insns = len;
	return 0;
}

/* ---- load, attach, detach ---- */

/* The last VERIFIER_TAIL bytes of the log, newlines as "; ". */
static void log_tail(const char *log, char *out, size_t size)
{
	size_t len = strnlen(log, VERIFIER_LOG_MAX);
	const char *start;
	size_t o = 0;

	while (len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' '))
		len--;
	start = len > size - 1 ? log + len - (size - 1) : log;
	for (const char *s = start; s < log + len && o + 3 < size; s++) {
		if (*s != '\n') {
			out[o++] = *s;
		} else {
			out[o++] = ';';
			out[o++] = ' ';
		}
	}
	out[o] = '\0';
}

/* Loads again with a verifier log (the first try had none, to stay fast),
 * growing the buffer while the kernel says it was too small. */
static int load_failure(union bpf_attr *attr, int first_errno, struct ar_err *err)
{
	int saved = first_errno;
	char tail[VERIFIER_TAIL];

	for (uint32_t size = VERIFIER_LOG_MIN; size <= VERIFIER_LOG_MAX; size *= 2) {
		_cleanup_free_ char *log = xcalloc(1, size);
		int fd;

		attr->log_level = 1;
		attr->log_buf = ptr_u64(log);
		attr->log_size = size;
		fd = sys_bpf(BPF_PROG_LOAD, attr);
		if (fd >= 0) {	/* passed this time: keep it */
			attr->log_buf = 0;
			return fd;
		}
		saved = errno;
		if (saved == ENOSPC && size < VERIFIER_LOG_MAX)
			continue;
		log_tail(log, tail, sizeof(tail));
		attr->log_buf = 0;
		if (tail[0] == '\0')
			break;
		return ar_error(err, saved, "load device program (%u instructions), verifier: `%s`",
				attr->insn_cnt, tail);
	}
	return ar_error(err, saved, "load device program (%u instructions)", attr->insn_cnt);
}

static int load_program(const struct bpf_insn *prog, size_t n, struct ar_err *err)
{
	static const char license[] = "Apache";	/* no GPL-only helpers used */
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.expected_attach_type = BPF_CGROUP_DEVICE;
	attr.insns = ptr_u64(prog);
	attr.insn_cnt = (uint32_t)n;
	attr.license = ptr_u64(license);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		return ar_error(err, errno, "load device program");
	if (fd < 0)
		fd = load_failure(&attr, errno, err);
	return fd;
}

/* The ids of the device programs attached to this very cgroup (not those
 * inherited from its parents). *ids is malloc'd. */
static int query_programs(int cgroup_dirfd, uint32_t **ids, size_t *n, struct ar_err *err)
{
	for (uint32_t cap = 64;; cap *= 2) {
		_cleanup_free_ uint32_t *buf = xcalloc(cap, sizeof(*buf));
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		attr.query.target_fd = (uint32_t)cgroup_dirfd;
		attr.query.attach_type = BPF_CGROUP_DEVICE;
		attr.query.prog_ids = ptr_u64(buf);
		attr.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &attr) < 0) {
			if (errno == ENOSPC && cap < (1u << 16))
				continue;	/* prog_cnt now holds the real count */
			return ar_error(err, errno, "query device programs");
		}
		*n = attr.query.prog_cnt;
		*ids = steal_ptr(&buf);
		return 0;
	}
}

static int detach_programs(int cgroup_dirfd, const uint32_t *ids, size_t n,
			   struct ar_err *err)
{
	for (size_t i = 0; i < n; i++) {
		union bpf_attr attr;
		_cleanup_close_ int fd = -1;

		memset(&attr, 0, sizeof(attr));
		attr.prog_id = ids[i];
		fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (fd < 0 && errno == ENOENT)
			continue;	/* gone meanwhile (a concurrent update) */
		if (fd < 0)
			return ar_error(err, errno, "open device program %u", ids[i]);
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)cgroup_dirfd;
		attr.attach_bpf_fd = (uint32_t)fd;
		attr.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
			return ar_error(err, errno, "detach device program %u", ids[i]);
	}
	return 0;
}

/* Attaches the new program next to the old ones first and only then
 * detaches the old: with BPF_F_ALLOW_MULTI every program must allow, so
 * during an update the cgroup is never more open than either rule set
 * (detaching first would leave it with no device program, i.e. allow-all). */
int devfilter_attach(int cgroup_dirfd, const struct res_device_rule *rules, size_t n,
		     struct ar_err *err)
{
	_cleanup_free_ void *prog = NULL;
	_cleanup_free_ uint32_t *old = NULL;
	_cleanup_close_ int fd = -1;
	size_t n_insns = 0, n_old = 0;
	union bpf_attr attr;

	if (devfilter_build(rules, n, &prog, &n_insns, err) < 0)
		return -1;
	fd = load_program(prog, n_insns, err);
	if (fd < 0)
		return -1;
	if (query_programs(cgroup_dirfd, &old, &n_old, err) < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_dirfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return ar_error(err, errno, "attach device program");
	if (detach_programs(cgroup_dirfd, old, n_old, err) < 0)
		return ar_err_prefix(err, "replace device programs");
	return steal_fd(&fd);
}

int devfilter_detach_all(int cgroup_dirfd, struct ar_err *err)
{
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n = 0;

	if (query_programs(cgroup_dirfd, &ids, &n, err) < 0)
		return -1;
	return detach_programs(cgroup_dirfd, ids, n, err);
}
