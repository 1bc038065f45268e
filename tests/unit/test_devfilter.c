/* Unit tests for src/lib/devfilter.c: the generated cgroup device program,
 * checked twice. Without privileges: instruction counts, rejected rules, and
 * the program run by a small interpreter in this file against a reference
 * model of the rule semantics over many rule lists and every request. As
 * root: the program attached to a real cgroup2 directory, with a child in
 * it opening and mknod-ing devices, so the kernel itself enforces it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devfilter.h"
#include "unit.h"
#include "util.h"

/* The cgroup2 tree: /sys/fs/cgroup on a pure-v2 host, .../unified on a
 * hybrid one; NULL when neither is cgroup2. */
static const char *cg2_root(void)
{
	static const char *const where[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sfs;

	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
		if (statfs(where[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			return where[i];
	return NULL;
}
#define CG_ROOT (cg2_root())
#define CG_PREFIX "argon-test-"
#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

#define RULE(al, t, ma, mi, acc) { .allow = (al), .type = (t), .major = (ma), \
				   .minor = (mi), .access = acc }

/* ---- a reference model and an interpreter for the emitted subset ---- */

static uint32_t access_bits(const char *a)
{
	uint32_t b = 0;

	for (; *a; a++)
		b |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE
								: BPF_DEVCG_ACC_MKNOD;
	return b;
}

/* What the program must answer: the last matching rule wins; an allow rule
 * matches when it grants every asked bit, a deny rule when it denies any. */
static int model_decide(const struct res_device_rule *r, size_t n, uint32_t type,
			uint32_t acc, uint32_t major, uint32_t minor)
{
	for (size_t i = n; i-- > 0;) {
		uint32_t rt = r[i].type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
		uint32_t ra = access_bits(r[i].access);

		if (r[i].type != 'a' && rt != type)
			continue;
		if ((r[i].major != -1 && (uint32_t)r[i].major != major) ||
		    (r[i].minor != -1 && (uint32_t)r[i].minor != minor))
			continue;
		if (r[i].allow ? (acc & ~ra) != 0 : (acc & ra) == 0)
			continue;
		return r[i].allow;
	}
	return 0;
}

static bool jmp_taken(uint8_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JSET: return (a & b) != 0;
	default: return false;
	}
}

static int alu32(uint8_t op, uint32_t a, uint32_t b, uint64_t *out)
{
	switch (op) {
	case BPF_AND: *out = a & b; return 0;
	case BPF_RSH: *out = a >> b; return 0;
	case BPF_MOV: *out = b; return 0;
	default: return -1;
	}
}

/* Runs the program on a context; returns r0, or -1 on an instruction this
 * interpreter does not know (the generator emits only these). */
static int interpret(const struct bpf_insn *p, size_t n, const struct bpf_cgroup_dev_ctx *ctx)
{
	uint64_t reg[11] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
		uint32_t src = BPF_SRC(i->code) == BPF_X ? (uint32_t)reg[i->src_reg] : (uint32_t)i->imm;

		if (i->code == (BPF_LDX | BPF_W | BPF_MEM) && i->src_reg == BPF_REG_1 &&
		    i->off >= 0 && i->off <= 8 && i->off % 4 == 0)
			reg[i->dst_reg] = ((const uint32_t *)ctx)[i->off / 4];
		else if (cls == BPF_ALU && alu32(op, (uint32_t)reg[i->dst_reg], src, &reg[i->dst_reg]) == 0)
			;
		else if (i->code == (BPF_JMP | BPF_EXIT))
			return (int)reg[BPF_REG_0];
		else if (cls == BPF_JMP32 && BPF_SRC(i->code) == BPF_K &&
			 (op == BPF_JEQ || op == BPF_JNE || op == BPF_JSET))
			pc += jmp_taken(op, (uint32_t)reg[i->dst_reg], src) ? (size_t)(int64_t)i->off : 0;
		else
			return -1;
	}
	return -1;	/* ran off the end: the verifier would refuse it */
}

static size_t build_count(const struct res_device_rule *r, size_t n)
{
	struct ar_err e = { 0 };
	void *insns = NULL;
	size_t count = 0;

	if (devfilter_build(r, n, &insns, &count, &e) < 0) {
		fprintf(stderr, "  build: %s\n", e.msg);
		ar_err_clear(&e);
		return 0;
	}
	free(insns);
	return count;
}

static void build_counts(void)
{
	struct res_device_rule one[] = { RULE(true, 'c', 1, 3, "rwm") };
	struct res_device_rule five[] = {
		RULE(false, 'a', -1, -1, "rwm"),	/* total: 2, ends the program */
		RULE(true, 'c', 1, 3, "rwm"),		/* type, major, minor, 2 */
		RULE(true, 'c', -1, -1, "r"),		/* type, access (JSET), 2 */
		RULE(false, 'b', 8, 0, "w"),		/* type, 3 for access, major, minor, 2 */
		RULE(true, 'c', 1, 5, "rm"),		/* type, access, major, minor, 2 */
	};
	struct res_device_rule shadowed[] = {
		RULE(true, 'c', 1, 3, "rwm"), RULE(false, 'c', 1, 5, "rwm"),
		RULE(true, 'a', -1, -1, "rwm"),		/* nothing older is reachable */
	};

	CHECK(build_count(NULL, 0) == 6 + 2);		/* prologue, return 0 */
	CHECK(build_count(one, 1) == 6 + 5 + 2);
	CHECK(build_count(five, 5) == 6 + 6 + 8 + 4 + 5 + 2);
	CHECK(build_count(shadowed, 3) == 6 + 2);
}

static void build_rejects_bad_rules(void)
{
	struct res_device_rule bad[] = {
		RULE(true, 'x', 1, 3, "rw"), RULE(true, 'c', -2, 3, "rw"),
		RULE(true, 'c', 1, 0x100000000LL, "rw"), RULE(true, 'c', 1, 3, "rq"),
	};
	const char *why[] = { "invalid type `x`", "invalid major:minor `-2:3`",
			      "invalid major:minor `1:4294967296`", "invalid access `rq`" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ar_err e = { 0 };
		void *insns = NULL;
		size_t n = 0;

		CHECK(devfilter_build(&bad[i], 1, &insns, &n, &e) < 0);
		CHECK(insns == NULL);
		CHECK_CONTAINS(e.msg, "device rule 0: ");
		CHECK_CONTAINS(e.msg, why[i]);
		ar_err_clear(&e);
	}
}

/* Every request (both types, every non-empty access, a few numbers) gets
 * the model's answer from the interpreted program. */
static int check_against_model(const struct res_device_rule *r, size_t n)
{
	static const uint32_t nums[] = { 0, 1, 3, 5, 8, 0x7fffffff, 0xfffffffe };
	struct ar_err e = { 0 };
	_cleanup_free_ void *insns = NULL;
	size_t count = 0;

	if (devfilter_build(r, n, &insns, &count, &e) < 0) {
		fprintf(stderr, "  build: %s\n", e.msg);
		ar_err_clear(&e);
		return -1;
	}
	for (uint32_t type = 1; type <= 2; type++)
		for (uint32_t acc = 1; acc <= ACC_ALL; acc++)
			for (size_t ma = 0; ma < 7; ma++)
				for (size_t mi = 0; mi < 7; mi++) {
					struct bpf_cgroup_dev_ctx ctx = {
						(acc << 16) | type, nums[ma], nums[mi] };
					int want = model_decide(r, n, type, acc, nums[ma], nums[mi]);

					if (interpret(insns, count, &ctx) != want) {
						fprintf(stderr, "  type %u acc %u %u:%u: want %d\n", type,
							acc, nums[ma], nums[mi], want);
						return -1;
					}
				}
	return 0;
}

static void random_rule(struct res_device_rule *r, unsigned *seed)
{
	static const char *const accs[] = { "", "r", "w", "m", "rw", "rm", "wm", "rwm" };
	static const int64_t nums[] = { -1, 0, 1, 3, 5, 0x7fffffff, 0xfffffffe };

	r->allow = rand_r(seed) % 2;
	r->type = "abc"[rand_r(seed) % 3];
	r->major = nums[rand_r(seed) % 7];
	r->minor = nums[rand_r(seed) % 7];
	snprintf(r->access, sizeof(r->access), "%s", accs[rand_r(seed) % 8]);
}

static void program_matches_model(void)
{
	struct res_device_rule fixed[] = {
		RULE(true, 'c', 1, 3, "rwm"), RULE(false, 'c', 1, 3, "w"),	/* O_RDWR denied */
		RULE(true, 'a', -1, -1, "r"), RULE(false, 'b', -1, 0, "m"),
	};
	unsigned seed = 12345;

	CHECK(check_against_model(NULL, 0) == 0);
	CHECK(check_against_model(fixed, 4) == 0);
	for (int round = 0; round < 500; round++) {
		struct res_device_rule r[6];
		size_t n = (size_t)(rand_r(&seed) % 7);

		for (size_t i = 0; i < n; i++)
			random_rule(&r[i], &seed);
		CHECK(check_against_model(r, n) == 0);
	}
}

/* ---- the kernel enforcing it (root, cgroup2 at CG_ROOT) ---- */

/* Why the kernel tests cannot run here, or NULL. */
static const char *kernel_skip_reason(void)
{
	static char why[160];
		struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	if (geteuid() != 0)
		return "needs root";
	if (CG_ROOT == NULL)
		return "no cgroup2 mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified";
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)ret0;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"Apache";
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0) {
		snprintf(why, sizeof(why), "bpf(BPF_PROG_LOAD) refused: %s", strerror(errno));
		return why;
	}
	close(fd);
	return NULL;
}

static bool skip_kernel(void)
{
	const char *why = kernel_skip_reason();

	if (why)
		unit_skip_why = why;
	return why != NULL;
}

/* errno of each device operation a child in the cgroup tried (0 = done). */
struct probe {
	int join;		/* writing ourselves to cgroup.procs */
	int null_rw, null_ro, zero_ro, full_wo;
	int mknod_null;		/* mknod c 1:3 in a temp dir */
};

/* A test cgroup and a temp dir that go away with the variable, after the
 * child in the cgroup has been reaped. */
struct sandbox {
	char cg[96];
	char tmp[32];
	int cgfd;
};

static void sandbox_close(struct sandbox *s)
{
	if (s->cgfd >= 0)
		close(s->cgfd);
	/* A reaped child can hold the cgroup busy for a moment. */
	for (int i = 0; s->cg[0] && i < 200; i++) {
		if (rmdir(s->cg) == 0 || errno == ENOENT)
			break;
		if (errno != EBUSY) {
			fprintf(stderr, "  rmdir %s: %s\n", s->cg, strerror(errno));
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	if (s->tmp[0])
		rm_rf_at(AT_FDCWD, s->tmp, NULL);
}
#define _cleanup_sandbox_ __attribute__((cleanup(sandbox_close)))

static int sandbox_open(struct sandbox *s)
{
	snprintf(s->cg, sizeof(s->cg), "%s/" CG_PREFIX "devfilter-%d", CG_ROOT, (int)getpid());
	snprintf(s->tmp, sizeof(s->tmp), "/tmp/argon-devfilter-XXXXXX");
	if (mkdir(s->cg, 0755) < 0) {
		fprintf(stderr, "  mkdir %s: %s\n", s->cg, strerror(errno));
		s->cg[0] = '\0';
		return -1;
	}
	if (mkdtemp(s->tmp) == NULL) {
		s->tmp[0] = '\0';
		return -1;
	}
	s->cgfd = open(s->cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s->cgfd < 0 ? -1 : 0;
}

static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void probe_in_child(const struct sandbox *s, int report_fd)
{
	struct probe p = { 0 };
	char procs[128], node[64];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", s->cg);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		p.join = errno;
	p.null_rw = try_open("/dev/null", O_RDWR);
	p.null_ro = try_open("/dev/null", O_RDONLY);
	p.zero_ro = try_open("/dev/zero", O_RDONLY);
	p.full_wo = try_open("/dev/full", O_WRONLY);
	snprintf(node, sizeof(node), "%s/null", s->tmp);
	p.mknod_null = mknod(node, S_IFCHR | 0600, makedev(1, 3)) < 0 ? errno : 0;
	unlink(node);	/* the next probe in this sandbox makes it again */
	_exit(write(report_fd, &p, sizeof(p)) == (ssize_t)sizeof(p) ? 0 : 1);
}

static int run_child_probe(const struct sandbox *s, struct probe *out)
{
	int pipefd[2], status = 0;
	pid_t pid;
	ssize_t got;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		probe_in_child(s, pipefd[1]);
	close(pipefd[1]);
	got = pid > 0 ? read(pipefd[0], out, sizeof(*out)) : -1;
	close(pipefd[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(*out) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return out->join == 0 ? 0 : -1;
}

static int attached_count(int cgfd)
{
	uint32_t ids[16];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 16;
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0)
		return -1;
	return (int)attr.query.prog_cnt;
}

/* Attaches a program for these rules to a fresh cgroup and probes it. */
static int probe_rules(const struct res_device_rule *r, size_t n, struct probe *out)
{
	_cleanup_sandbox_ struct sandbox s = { .cgfd = -1 };
	_cleanup_close_ int prog = -1;
	struct ar_err e = { 0 };

	if (sandbox_open(&s) < 0)
		return -1;
	prog = devfilter_attach(s.cgfd, r, n, &e);
	if (prog < 0) {
		fprintf(stderr, "  attach: %s\n", e.msg);
		ar_err_clear(&e);
		return -1;
	}
	if (attached_count(s.cgfd) != 1) {
		fprintf(stderr, "  not exactly one program attached\n");
		return -1;
	}
	return run_child_probe(&s, out);
}

static void deny_all_by_default(void)
{
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(NULL, 0, &p) == 0);
	CHECK(p.null_rw == EPERM && p.null_ro == EPERM && p.zero_ro == EPERM);
	CHECK(p.full_wo == EPERM && p.mknod_null == EPERM);
}

static void allow_one_device(void)
{
	struct res_device_rule r[] = { RULE(true, 'c', 1, 3, "rwm") };
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(r, 1, &p) == 0);
	CHECK(p.null_rw == 0 && p.null_ro == 0 && p.mknod_null == 0);
	CHECK(p.zero_ro == EPERM && p.full_wo == EPERM);
}

static void allow_read_of_every_char_device(void)
{
	struct res_device_rule r[] = { RULE(true, 'c', -1, -1, "r") };
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(r, 1, &p) == 0);
	CHECK(p.null_ro == 0 && p.zero_ro == 0);
	CHECK(p.null_rw == EPERM && p.full_wo == EPERM && p.mknod_null == EPERM);
}

static void later_deny_wins(void)
{
	struct res_device_rule r[] = { RULE(true, 'a', -1, -1, "rwm"),
				       RULE(false, 'c', 1, 5, "rwm") };
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(r, 2, &p) == 0);
	CHECK(p.zero_ro == EPERM);
	CHECK(p.null_rw == 0 && p.null_ro == 0 && p.full_wo == 0 && p.mknod_null == 0);
}

static void later_allow_wins(void)
{
	struct res_device_rule r[] = { RULE(false, 'c', 1, 5, "rwm"),
				       RULE(true, 'a', -1, -1, "rwm") };
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(r, 2, &p) == 0);
	CHECK(p.zero_ro == 0 && p.null_rw == 0 && p.full_wo == 0 && p.mknod_null == 0);
}

static void mknod_needs_m(void)
{
	struct res_device_rule rw[] = { RULE(true, 'c', 1, 3, "rw") };
	struct res_device_rule m[] = { RULE(true, 'c', 1, 3, "m") };
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(rw, 1, &p) == 0);
	CHECK(p.mknod_null == EPERM && p.null_rw == 0);
	CHECK(probe_rules(m, 1, &p) == 0);
	CHECK(p.mknod_null == 0 && p.null_rw == EPERM && p.null_ro == EPERM);
}

/* A partial deny closes O_RDWR even though an older rule allows rwm. */
static void deny_write_blocks_read_write_open(void)
{
	struct res_device_rule r[] = { RULE(true, 'c', 1, 3, "rwm"),
				       RULE(false, 'c', 1, 3, "w") };
	struct probe p;

	if (skip_kernel())
		return;
	CHECK(probe_rules(r, 2, &p) == 0);
	CHECK(p.null_rw == EPERM && p.null_ro == 0 && p.mknod_null == 0);
}

/* attach replaces what was there; detach_all leaves nothing behind. */
static void replace_then_detach_all(void)
{
	_cleanup_sandbox_ struct sandbox s = { .cgfd = -1 };
	struct res_device_rule null_only[] = { RULE(true, 'c', 1, 3, "rwm") };
	struct ar_err e = { 0 };
	struct probe p;
	int fd1, fd2;

	if (skip_kernel())
		return;
	CHECK(sandbox_open(&s) == 0);
	fd1 = devfilter_attach(s.cgfd, NULL, 0, &e);
	CHECK(fd1 >= 0);
	close(fd1);
	fd2 = devfilter_attach(s.cgfd, null_only, 1, &e);
	CHECK(fd2 >= 0);
	close(fd2);
	CHECK(attached_count(s.cgfd) == 1);	/* the deny-all one is gone */
	CHECK(run_child_probe(&s, &p) == 0);
	CHECK(p.null_rw == 0 && p.zero_ro == EPERM);
	CHECK(devfilter_detach_all(s.cgfd, &e) == 0);
	CHECK(attached_count(s.cgfd) == 0);
	CHECK(run_child_probe(&s, &p) == 0);
	CHECK(p.null_rw == 0 && p.zero_ro == 0 && p.full_wo == 0 && p.mknod_null == 0);
	CHECK(devfilter_detach_all(s.cgfd, &e) == 0);	/* nothing left: fine */
	CHECK(e.msg == NULL);
}

static void attach_reports_bad_rule_and_bad_fd(void)
{
	struct res_device_rule bad[] = { RULE(true, 'z', 1, 3, "rwm") };
	struct ar_err e = { 0 };

	if (skip_kernel())
		return;
	CHECK(devfilter_attach(-1, bad, 1, &e) < 0);
	CHECK_CONTAINS(e.msg, "invalid type `z`");
	CHECK(devfilter_attach(-1, NULL, 0, &e) < 0);
	CHECK_CONTAINS(e.msg, "device programs: Bad file descriptor");
	CHECK(devfilter_detach_all(-1, &e) < 0);
	CHECK(e.errnum == EBADF);
	ar_err_clear(&e);
}

/* Runs last: no test cgroup may outlive the tests. */
static void no_test_cgroup_left(void)
{
	DIR *d = CG_ROOT ? opendir(CG_ROOT) : NULL;
	struct dirent *de;
	int left = 0;

	if (d == NULL) {
		SKIP("no cgroup2 tree");
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, CG_PREFIX, strlen(CG_PREFIX)) == 0) {
			fprintf(stderr, "  left behind: %s\n", de->d_name);
			left++;
		}
	closedir(d);
	CHECK(left == 0);
}

UNIT_MAIN(UNIT(build_counts), UNIT(build_rejects_bad_rules), UNIT(program_matches_model),
	  UNIT(deny_all_by_default), UNIT(allow_one_device), UNIT(allow_read_of_every_char_device),
	  UNIT(later_deny_wins), UNIT(later_allow_wins), UNIT(mknod_needs_m),
	  UNIT(deny_write_blocks_read_write_open), UNIT(replace_then_detach_all),
	  UNIT(attach_reports_bad_rule_and_bad_fd), UNIT(no_test_cgroup_left))
