/* Unit tests for resources.c: linux.resources parsing, validation and runc's
 * v1 -> v2 conversions. */
#include <stdint.h>
#include <string.h>

#include "resources.h"
#include "unit.h"

/* Parses `json`; on failure keeps the message in err_msg for CHECK_CONTAINS. */
static char err_msg[1024];

static int parse(const char *json, struct resources *r)
{
	struct ar_err err = { 0 };
	int rc = resources_parse(json, strlen(json), "config.json", r, &err);

	snprintf(err_msg, sizeof err_msg, "%s", err.msg ? err.msg : "");
	ar_err_clear(&err);
	return rc;
}

/* Expects `json` to be refused with a message containing `want`; the struct
 * must come back zeroed (freed) so callers never leak. */
static int refused(const char *json, const char *want)
{
	struct resources r;
	static const struct resources zero;

	memset(&r, 0xa5, sizeof r);
	if (parse(json, &r) == 0) {
		fprintf(stderr, "  accepted: %s\n", json);
		resources_free(&r);
		return 0;
	}
	if (strstr(err_msg, want) == NULL) {
		fprintf(stderr, "  `%s` lacks `%s`\n", err_msg, want);
		return 0;
	}
	return memcmp(&r, &zero, sizeof r) == 0;
}

static const char full_example[] =
	"{\"memory\":{\"limit\":536870912,\"reservation\":268435456,\"swap\":1073741824,"
	"\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":true,"
	"\"checkBeforeUpdate\":true,\"kernel\":0,\"kernelTCP\":null},"
	"\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"realtimeRuntime\":950000,"
	"\"realtimePeriod\":1000000,\"burst\":20000,\"idle\":1,\"cpus\":\"0-3,5\",\"mems\":\"0\"},"
	"\"pids\":{\"limit\":32},"
	"\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
	"\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600,\"leafWeight\":200},"
	"{\"major\":8,\"minor\":16,\"weight\":700}],"
	"\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
	"\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":1,\"rate\":2097152}],"
	"\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":2,\"rate\":300}],"
	"\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":3,\"rate\":400},"
	"{\"major\":9,\"minor\":4,\"rate\":500}]},"
	"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200},"
	"{\"pageSize\":\"1GB\",\"limit\":0}],"
	"\"unified\":{\"memory.high\":\"400000000\",\"io.max\":\"8:0 rbps=max\"},"
	"\"network\":{},\"rdma\":{},\"futureKey\":{\"x\":1},"
	"\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"mwr\"}]}";

static void test_full_memory(void)
{
	struct resources r;

	CHECK(parse(full_example, &r) == 0);
	CHECK(r.memory.limit.set && r.memory.limit.v == 536870912);
	CHECK(r.memory.reservation.set && r.memory.reservation.v == 268435456);
	CHECK(r.memory.swap.set && r.memory.swap.v == 1073741824);
	CHECK(r.memory.swappiness.set && r.memory.swappiness.v == 60);
	CHECK(r.memory.has_disable_oom_killer && r.memory.disable_oom_killer);
	CHECK(r.memory.has_use_hierarchy && r.memory.use_hierarchy);
	CHECK(r.memory.check_before_update);
	CHECK(r.pids.limit.set && r.pids.limit.v == 32);
	CHECK(r.any_limit);
	resources_free(&r);
}

static void test_full_cpu(void)
{
	struct resources r;

	CHECK(parse(full_example, &r) == 0);
	CHECK(r.cpu.shares.set && r.cpu.shares.v == 1024);
	CHECK(r.cpu.quota.set && r.cpu.quota.v == 50000);
	CHECK(r.cpu.period.set && r.cpu.period.v == 100000);
	CHECK(r.cpu.realtime_runtime.set && r.cpu.realtime_runtime.v == 950000);
	CHECK(r.cpu.realtime_period.set && r.cpu.realtime_period.v == 1000000);
	CHECK(r.cpu.burst.set && r.cpu.burst.v == 20000);
	CHECK(r.cpu.idle.set && r.cpu.idle.v == 1);
	CHECK_STR(r.cpu.cpus, "0-3,5");
	CHECK_STR(r.cpu.mems, "0");
	resources_free(&r);
}

static void test_full_blkio(void)
{
	struct resources r;
	const struct res_blkio_dev *t;

	CHECK(parse(full_example, &r) == 0);
	CHECK(r.blkio.weight.set && r.blkio.weight.v == 500);
	CHECK(r.blkio.leaf_weight.set && r.blkio.leaf_weight.v == 300);
	CHECK(r.blkio.n_weight_device == 2);
	CHECK(r.blkio.weight_device[0].major == 8 && r.blkio.weight_device[0].minor == 0);
	CHECK(r.blkio.weight_device[0].weight.set && r.blkio.weight_device[0].weight.v == 600);
	CHECK(r.blkio.weight_device[0].leaf_weight.v == 200);
	CHECK(r.blkio.weight_device[1].minor == 16 && r.blkio.weight_device[1].weight.v == 700);
	CHECK(!r.blkio.weight_device[1].leaf_weight.set);
	CHECK(r.blkio.n_throttle[RES_THROTTLE_READ_BPS] == 1);
	t = r.blkio.throttle[RES_THROTTLE_READ_BPS];
	CHECK(t[0].major == 8 && t[0].minor == 0 && t[0].rate == 1048576);
	CHECK(r.blkio.n_throttle[RES_THROTTLE_WRITE_BPS] == 1);
	CHECK(r.blkio.throttle[RES_THROTTLE_WRITE_BPS][0].rate == 2097152);
	CHECK(r.blkio.throttle[RES_THROTTLE_READ_IOPS][0].rate == 300);
	CHECK(r.blkio.n_throttle[RES_THROTTLE_WRITE_IOPS] == 2);
	t = r.blkio.throttle[RES_THROTTLE_WRITE_IOPS];
	CHECK(t[1].major == 9 && t[1].minor == 4 && t[1].rate == 500);
	resources_free(&r);
}

static void test_full_hugepages_unified_devices(void)
{
	struct resources r;

	CHECK(parse(full_example, &r) == 0);
	CHECK(r.n_hugepages == 2);
	CHECK_STR(r.hugepages[0].pagesize, "2MB");
	CHECK(r.hugepages[0].limit == 209715200);
	CHECK_STR(r.hugepages[1].pagesize, "1GB");
	CHECK(r.hugepages[1].limit == 0);
	CHECK(r.n_unified == 2);
	for (size_t i = 0; i < 2; i++) {
		if (strcmp(r.unified[i].key, "memory.high") == 0)
			CHECK_STR(r.unified[i].value, "400000000");
		else
			CHECK_STR(r.unified[i].value, "8:0 rbps=max");
	}
	CHECK(r.n_devices == 2);
	CHECK(!r.devices[0].allow && r.devices[0].type == 'a');
	CHECK(r.devices[0].major == -1 && r.devices[0].minor == -1);
	CHECK_STR(r.devices[0].access, "rwm");
	CHECK(r.devices[1].allow && r.devices[1].type == 'c');
	CHECK(r.devices[1].major == 1 && r.devices[1].minor == 3);
	CHECK_STR(r.devices[1].access, "rwm");
	resources_free(&r);
}

static void test_empty_and_absent(void)
{
	struct resources r;

	CHECK(parse("{}", &r) == 0);
	CHECK(!r.any_limit && r.n_devices == 0 && !r.memory.limit.set && r.cpu.cpus == NULL);
	resources_free(&r);
	CHECK(parse("{\"memory\":{},\"cpu\":{},\"pids\":{},\"blockIO\":{},"
		    "\"hugepageLimits\":[],\"unified\":{},\"devices\":[],\"network\":null}",
		    &r) == 0);
	CHECK(!r.any_limit);
	resources_free(&r);
	CHECK(parse("{\"memory\":null,\"cpu\":{\"shares\":null,\"cpus\":null}}", &r) == 0);
	CHECK(!r.any_limit && !r.cpu.shares.set && r.cpu.cpus == NULL);
	resources_free(&r);
}

static void test_unlimited_minus_one(void)
{
	struct resources r;

	CHECK(parse("{\"memory\":{\"limit\":-1,\"reservation\":-1,\"swap\":-1},"
		    "\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":-1}}", &r) == 0);
	CHECK(r.memory.limit.set && r.memory.limit.v == -1);
	CHECK(r.memory.reservation.v == -1 && r.memory.swap.v == -1);
	CHECK(r.cpu.quota.set && r.cpu.quota.v == -1);
	CHECK(r.pids.limit.v == -1);
	resources_free(&r);
	CHECK(refused("{\"memory\":{\"limit\":-2}}", "linux.resources.memory.limit"));
	CHECK(refused("{\"memory\":{\"reservation\":-5}}", "memory.reservation"));
	CHECK(refused("{\"memory\":{\"swap\":-3}}", "memory.swap"));
	CHECK(refused("{\"cpu\":{\"quota\":-2}}", "cpu.quota"));
}

static void test_swappiness_range(void)
{
	struct resources r;

	CHECK(parse("{\"memory\":{\"swappiness\":100}}", &r) == 0);
	CHECK(r.memory.swappiness.set && r.memory.swappiness.v == 100 && r.any_limit);
	resources_free(&r);
	CHECK(parse("{\"memory\":{\"swappiness\":0}}", &r) == 0);
	CHECK(r.memory.swappiness.set && r.memory.swappiness.v == 0);
	resources_free(&r);
	CHECK(refused("{\"memory\":{\"swappiness\":101}}",
		      "config.json: linux.resources.memory.swappiness: must be an integer in 0..100"));
	CHECK(refused("{\"memory\":{\"swappiness\":-1}}", "memory.swappiness"));
}

static void test_swap_below_limit(void)
{
	struct resources r;

	CHECK(refused("{\"memory\":{\"limit\":2000,\"swap\":1000}}",
		      "linux.resources.memory.swap: must be >= memory.limit"));
	CHECK(parse("{\"memory\":{\"limit\":2000,\"swap\":2000}}", &r) == 0);
	resources_free(&r);
	CHECK(parse("{\"memory\":{\"limit\":2000,\"swap\":-1}}", &r) == 0);
	resources_free(&r);
	CHECK(parse("{\"memory\":{\"limit\":-1,\"swap\":1000}}", &r) == 0);
	resources_free(&r);
	/* 0 is runc's "unset", not a total below the limit */
	CHECK(parse("{\"memory\":{\"limit\":2000,\"swap\":0}}", &r) == 0);
	resources_free(&r);
}

static void test_kernel_memory_removed(void)
{
	struct resources r;

	CHECK(parse("{\"memory\":{\"kernel\":0,\"kernelTCP\":0}}", &r) == 0);
	CHECK(!r.any_limit);
	resources_free(&r);
	CHECK(refused("{\"memory\":{\"kernel\":1048576}}",
		      "linux.resources.memory.kernel: is not supported"));
	CHECK(refused("{\"memory\":{\"kernelTCP\":-1}}", "memory.kernelTCP: is not supported"));
	CHECK(refused("{\"memory\":{\"kernel\":\"0\"}}", "memory.kernel: must be an integer"));
}

static void test_cpuset_good(void)
{
	static const char *const good[] = { "0", "0-3", "0,2-5", "3-3", "1,0", "10-127,200" };
	char json[128];
	struct resources r;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(json, sizeof json, "{\"cpu\":{\"cpus\":\"%s\",\"mems\":\"%s\"}}", good[i],
			 good[i]);
		CHECK(parse(json, &r) == 0);
		CHECK_STR(r.cpu.cpus, good[i]);
		CHECK_STR(r.cpu.mems, good[i]);
		CHECK(r.any_limit);
		resources_free(&r);
	}
	CHECK(parse("{\"cpu\":{\"cpus\":\"\"}}", &r) == 0);
	CHECK(r.cpu.cpus == NULL && !r.any_limit);
	resources_free(&r);
}

static void test_cpuset_bad(void)
{
	static const char *const bad[] = { "0-", "3-1", "a", "0,,1", " 0", "0 ", "-1", ",0",
					   "0,", "1-2-3", "0x1", "0-3:2/4", "9999999999" };
	char json[128], want[128];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json, "{\"cpu\":{\"cpus\":\"%s\"}}", bad[i]);
		snprintf(want, sizeof want, "linux.resources.cpu.cpus: `%s`", bad[i]);
		CHECK(refused(json, want));
		snprintf(json, sizeof json, "{\"cpu\":{\"mems\":\"%s\"}}", bad[i]);
		snprintf(want, sizeof want, "linux.resources.cpu.mems: `%s`", bad[i]);
		CHECK(refused(json, want));
	}
}

static void test_cpu_ranges(void)
{
	struct resources r;

	CHECK(parse("{\"cpu\":{\"shares\":0,\"idle\":0}}", &r) == 0);
	CHECK(!r.cpu.shares.set && r.cpu.idle.set && r.cpu.idle.v == 0);
	resources_free(&r);
	CHECK(refused("{\"cpu\":{\"idle\":2}}", "linux.resources.cpu.idle: must be an integer in 0..1"));
	CHECK(refused("{\"cpu\":{\"idle\":-1}}", "cpu.idle"));
	CHECK(refused("{\"cpu\":{\"shares\":-1}}", "cpu.shares"));
	CHECK(refused("{\"cpu\":{\"period\":1.5}}", "cpu.period: must be an integer"));
	CHECK(refused("{\"cpu\":{\"realtimeRuntime\":-2}}", "cpu.realtimeRuntime"));
}

static void test_devices_defaults(void)
{
	struct resources r;

	CHECK(parse("{\"devices\":[{\"allow\":true},{\"allow\":false,\"type\":\"b\","
		    "\"major\":8,\"access\":\"r\"},{\"allow\":true,\"type\":\"\",\"minor\":5,"
		    "\"access\":\"\",\"major\":null}]}", &r) == 0);
	CHECK(r.n_devices == 3);
	CHECK(r.devices[0].allow && r.devices[0].type == 'a');
	CHECK(r.devices[0].major == -1 && r.devices[0].minor == -1);
	CHECK_STR(r.devices[0].access, "rwm");
	CHECK(!r.devices[1].allow && r.devices[1].type == 'b');
	CHECK(r.devices[1].major == 8 && r.devices[1].minor == -1);
	CHECK_STR(r.devices[1].access, "r");
	CHECK(r.devices[2].type == 'a' && r.devices[2].major == -1 && r.devices[2].minor == 5);
	CHECK_STR(r.devices[2].access, "rwm");
	resources_free(&r);
}

static void test_devices_access_normalised(void)
{
	static const char *const in[] = { "mwr", "wr", "mr", "m", "wm", "rwm", "w" };
	static const char *const out[] = { "rwm", "rw", "rm", "m", "wm", "rwm", "w" };
	char json[128];
	struct resources r;

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		snprintf(json, sizeof json,
			 "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"access\":\"%s\"}]}", in[i]);
		CHECK(parse(json, &r) == 0);
		CHECK_STR(r.devices[0].access, out[i]);
		resources_free(&r);
	}
}

static void test_devices_bad(void)
{
	CHECK(refused("{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}",
		      "linux.resources.devices[0].access: `rx`"));
	CHECK(refused("{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}",
		      "devices[0].access: `rr`"));
	CHECK(refused("{\"devices\":[{\"allow\":true,\"access\":\"rwmr\"}]}", "devices[0].access"));
	CHECK(refused("{\"devices\":[{\"allow\":true},{\"access\":\"r\"}]}",
		      "linux.resources.devices[1].allow: is required"));
	CHECK(refused("{\"devices\":[{\"allow\":\"yes\"}]}", "devices[0].allow: must be a boolean"));
	CHECK(refused("{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}", "devices[0].type: `u`"));
	CHECK(refused("{\"devices\":[{\"allow\":true,\"type\":\"cb\"}]}", "devices[0].type"));
	CHECK(refused("{\"devices\":[{\"allow\":true,\"major\":-2}]}", "devices[0].major"));
	CHECK(refused("{\"devices\":[{\"allow\":true,\"minor\":-7}]}", "devices[0].minor"));
	CHECK(refused("{\"devices\":{}}", "linux.resources.devices: must be an array"));
	CHECK(refused("{\"devices\":[1]}", "linux.resources.devices[0]: must be an object"));
}

static void test_blkio_weight_bounds(void)
{
	struct resources r;

	CHECK(parse("{\"blockIO\":{\"weight\":10,\"leafWeight\":1000}}", &r) == 0);
	CHECK(r.blkio.weight.set && r.blkio.weight.v == 10);
	CHECK(r.blkio.leaf_weight.set && r.blkio.leaf_weight.v == 1000);
	resources_free(&r);
	/* 0 is unset (runc), and asks for nothing */
	CHECK(parse("{\"blockIO\":{\"weight\":0,\"leafWeight\":0}}", &r) == 0);
	CHECK(!r.blkio.weight.set && !r.blkio.leaf_weight.set && !r.any_limit);
	resources_free(&r);
	CHECK(refused("{\"blockIO\":{\"weight\":9}}", "linux.resources.blockIO.weight: must be 0"));
	CHECK(refused("{\"blockIO\":{\"weight\":1001}}", "blockIO.weight"));
	CHECK(refused("{\"blockIO\":{\"leafWeight\":5}}", "blockIO.leafWeight"));
	CHECK(refused("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":2}]}}",
		      "linux.resources.blockIO.weightDevice[0].weight"));
	CHECK(refused("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,"
		      "\"leafWeight\":1001}]}}", "blockIO.weightDevice[0].leafWeight"));
}

static void test_blkio_throttle_lists(void)
{
	struct resources r;

	CHECK(parse("{\"blockIO\":{\"throttleReadIOPSDevice\":[{\"major\":259,\"minor\":1,"
		    "\"rate\":18446744073709551615}],\"throttleWriteBpsDevice\":[]}}", &r) == 0);
	CHECK(r.blkio.n_throttle[RES_THROTTLE_READ_IOPS] == 1);
	CHECK(r.blkio.throttle[RES_THROTTLE_READ_IOPS][0].major == 259);
	CHECK(r.blkio.throttle[RES_THROTTLE_READ_IOPS][0].rate == UINT64_MAX);
	CHECK(r.blkio.n_throttle[RES_THROTTLE_WRITE_BPS] == 0);
	CHECK(r.blkio.n_throttle[RES_THROTTLE_READ_BPS] == 0 && r.any_limit);
	resources_free(&r);
	CHECK(refused("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}}",
		      "linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required"));
	CHECK(refused("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"minor\":0,\"rate\":1}]}}",
		      "blockIO.throttleWriteIOPSDevice[0].major: is required"));
	CHECK(refused("{\"blockIO\":{\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":-1,"
		      "\"rate\":1}]}}", "throttleWriteBpsDevice[0].minor"));
	CHECK(refused("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
		      "\"rate\":-1}]}}", "throttleReadBpsDevice[0].rate"));
	CHECK(refused("{\"blockIO\":{\"throttleReadBpsDevice\":{}}}",
		      "blockIO.throttleReadBpsDevice: must be an array"));
}

static void test_hugepage_sizes(void)
{
	static const char *const good[] = { "64KB", "2MB", "32MB", "1GB", "16GB" };
	static const char *const bad[] = { "2M", "2mb", "MB", "0MB", "2 MB", "2MBs", "", "-2MB",
					   "1.5GB" };
	char json[128];
	struct resources r;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(json, sizeof json,
			 "{\"hugepageLimits\":[{\"pageSize\":\"%s\",\"limit\":4096}]}", good[i]);
		CHECK(parse(json, &r) == 0);
		CHECK_STR(r.hugepages[0].pagesize, good[i]);
		CHECK(r.hugepages[0].limit == 4096 && r.any_limit);
		resources_free(&r);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json,
			 "{\"hugepageLimits\":[{\"pageSize\":\"%s\",\"limit\":4096}]}", bad[i]);
		CHECK(refused(json, "linux.resources.hugepageLimits[0].pageSize"));
	}
	CHECK(refused("{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}",
		      "hugepageLimits[0].limit: is required"));
	CHECK(refused("{\"hugepageLimits\":[{\"limit\":1}]}", "hugepageLimits[0].pageSize: is required"));
}

static void test_unified_keys(void)
{
	struct resources r;

	CHECK(parse("{\"unified\":{\"cpu.max\":\"50000 100000\",\"memory.swap.max\":\"0\"}}",
		    &r) == 0);
	CHECK(r.n_unified == 2 && r.any_limit);
	resources_free(&r);
	CHECK(refused("{\"unified\":{\"../memory.max\":\"1\"}}", "`../memory.max`"));
	CHECK(refused("{\"unified\":{\"memory/max\":\"1\"}}", "`memory/max`"));
	CHECK(refused("{\"unified\":{\".hidden\":\"1\"}}", "linux.resources.unified: `.hidden`"));
	CHECK(refused("{\"unified\":{\"memorymax\":\"1\"}}", "`memorymax`"));
	CHECK(refused("{\"unified\":{\"memory.\":\"1\"}}", "`memory.`"));
	CHECK(refused("{\"unified\":{\"memory.max\":1}}",
		      "linux.resources.unified.memory.max: must be a string"));
	CHECK(refused("{\"unified\":{\"memory.max\":null}}", "unified.memory.max: must be a string"));
	CHECK(refused("{\"unified\":[]}", "linux.resources.unified: must be an object"));
}

static void test_wrong_types_name_path(void)
{
	CHECK(refused("{\"memory\":{\"limit\":\"1G\"}}",
		      "config.json: linux.resources.memory.limit: must be an integer"));
	CHECK(refused("{\"memory\":[]}", "config.json: linux.resources.memory: must be an object"));
	CHECK(refused("{\"memory\":{\"disableOOMKiller\":1}}",
		      "linux.resources.memory.disableOOMKiller: must be a boolean"));
	CHECK(refused("{\"cpu\":{\"cpus\":3}}", "linux.resources.cpu.cpus: must be a string"));
	CHECK(refused("{\"pids\":{\"limit\":true}}", "linux.resources.pids.limit: must be an integer"));
	CHECK(refused("{\"pids\":5}", "linux.resources.pids: must be an object"));
	CHECK(refused("{\"blockIO\":{\"weight\":\"500\"}}", "linux.resources.blockIO.weight"));
	CHECK(refused("{\"hugepageLimits\":{}}", "linux.resources.hugepageLimits: must be an array"));
	CHECK(refused("[]", "config.json"));
	CHECK(refused("{\"memory\":{\"limit\":1", "invalid JSON"));
}

static void test_unknown_keys_ignored(void)
{
	struct resources r;

	CHECK(parse("{\"future\":[1,2],\"memory\":{\"newThing\":\"x\"},\"cpu\":{\"x\":{}}}",
		    &r) == 0);
	CHECK(!r.any_limit);
	resources_free(&r);
}

static void test_any_limit(void)
{
	struct resources r;

	CHECK(parse("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}",
		    &r) == 0);
	CHECK(!r.any_limit && r.n_devices == 2);
	resources_free(&r);
	CHECK(parse("{\"memory\":{\"disableOOMKiller\":false,\"checkBeforeUpdate\":true}}", &r) == 0);
	CHECK(!r.any_limit && r.memory.has_disable_oom_killer);
	resources_free(&r);
	CHECK(parse("{\"memory\":{\"limit\":1048576}}", &r) == 0);
	CHECK(r.any_limit);
	resources_free(&r);
	CHECK(parse("{\"pids\":{\"limit\":0}}", &r) == 0);
	CHECK(r.any_limit);
	resources_free(&r);
	CHECK(parse("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0}]}}", &r) == 0);
	CHECK(r.any_limit);
	resources_free(&r);
}

static void test_network_rdma_refused(void)
{
	struct resources r;

	CHECK(refused("{\"network\":{\"classID\":1048577}}",
		      "config.json: linux.resources.network is not supported"));
	CHECK(refused("{\"network\":{\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]}}",
		      "linux.resources.network is not supported"));
	CHECK(refused("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}}}",
		      "linux.resources.rdma is not supported"));
	CHECK(refused("{\"network\":[]}", "linux.resources.network: must be an object"));
	CHECK(parse("{\"network\":{},\"rdma\":null}", &r) == 0);
	resources_free(&r);
}

static void test_free_zeroed_and_twice(void)
{
	struct resources r;

	memset(&r, 0, sizeof r);
	resources_free(&r);
	resources_free(NULL);
	CHECK(parse(full_example, &r) == 0);
	resources_free(&r);
	CHECK(r.cpu.cpus == NULL && r.hugepages == NULL && r.n_unified == 0);
	resources_free(&r);
}

/* A failure deep inside a list must free what was already parsed. */
static void test_partial_failure_frees(void)
{
	CHECK(refused("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1},"
		      "{\"pageSize\":\"1GB\",\"limit\":-1}],\"cpu\":{\"cpus\":\"0\"}}",
		      "hugepageLimits[1].limit"));
	CHECK(refused("{\"unified\":{\"memory.high\":\"1\",\"memory.max\":2}}", "memory.max"));
	CHECK(refused("{\"cpu\":{\"cpus\":\"0-1\"},\"blockIO\":{\"weightDevice\":"
		      "[{\"major\":1,\"minor\":1},{\"major\":1}]}}", "weightDevice[1].minor"));
}

static void test_shares_to_weight(void)
{
	CHECK(res_shares_to_weight(0) == 0);
	CHECK(res_shares_to_weight(2) == 1);
	CHECK(res_shares_to_weight(1024) == 39);
	CHECK(res_shares_to_weight(262144) == 10000);
	CHECK(res_shares_to_weight(102) == 1 + (100 * 9999) / 262142);
	/* clamped to the v1 kernel range instead of wrapping */
	CHECK(res_shares_to_weight(1) == 1);
	CHECK(res_shares_to_weight(UINT64_MAX) == 10000);
}

static void test_blkio_weight_to_io_weight(void)
{
	CHECK(res_blkio_weight_to_io_weight(0) == 0);
	CHECK(res_blkio_weight_to_io_weight(10) == 1);
	CHECK(res_blkio_weight_to_io_weight(100) == 910);
	CHECK(res_blkio_weight_to_io_weight(500) == 4950);
	CHECK(res_blkio_weight_to_io_weight(1000) == 10000);
	CHECK(res_blkio_weight_to_io_weight(5) == 1);
	CHECK(res_blkio_weight_to_io_weight(5000) == 10000);
}

static void test_v2_limit(void)
{
	char buf[24];

	res_v2_limit(-1, buf);
	CHECK_STR(buf, "max");
	res_v2_limit(-42, buf);
	CHECK_STR(buf, "max");
	res_v2_limit(0, buf);
	CHECK_STR(buf, "0");
	res_v2_limit(1048576, buf);
	CHECK_STR(buf, "1048576");
	res_v2_limit(INT64_MAX, buf);
	CHECK_STR(buf, "9223372036854775807");
}

/* Runs res_v2_swap on a config: returns its result, *out the value. */
static int v2_swap(const char *json, int64_t *out, char *msg, size_t msg_len)
{
	struct resources r;
	struct ar_err err = { 0 };
	int rc;

	if (parse(json, &r) < 0)
		return -100;
	*out = INT64_MIN;
	rc = res_v2_swap(&r, out, &err);
	snprintf(msg, msg_len, "%s", err.msg ? err.msg : "");
	ar_err_clear(&err);
	resources_free(&r);
	return rc;
}

static void test_v2_swap(void)
{
	int64_t v;
	char msg[256];

	CHECK(v2_swap("{}", &v, msg, sizeof msg) == 1 && v == INT64_MIN);
	CHECK(v2_swap("{\"memory\":{\"limit\":1000}}", &v, msg, sizeof msg) == 1);
	CHECK(v2_swap("{\"memory\":{\"limit\":1000,\"swap\":0}}", &v, msg, sizeof msg) == 1);
	CHECK(v2_swap("{\"memory\":{\"limit\":1000,\"swap\":3000}}", &v, msg, sizeof msg) == 0);
	CHECK(v == 2000);
	CHECK(v2_swap("{\"memory\":{\"limit\":1000,\"swap\":1000}}", &v, msg, sizeof msg) == 0);
	CHECK(v == 0);
	CHECK(v2_swap("{\"memory\":{\"limit\":1000,\"swap\":-1}}", &v, msg, sizeof msg) == 0);
	CHECK(v == -1);
	/* unlimited memory, swap not given: both unlimited, as on v1 */
	CHECK(v2_swap("{\"memory\":{\"limit\":-1}}", &v, msg, sizeof msg) == 0 && v == -1);
	/* unlimited memory: swap taken as is (runc) */
	CHECK(v2_swap("{\"memory\":{\"limit\":-1,\"swap\":5000}}", &v, msg, sizeof msg) == 0);
	CHECK(v == 5000);
	CHECK(v2_swap("{\"memory\":{\"swap\":-1}}", &v, msg, sizeof msg) == 0 && v == -1);
	CHECK(v2_swap("{\"memory\":{\"swap\":5000}}", &v, msg, sizeof msg) == -1);
	CHECK_CONTAINS(msg, "needs memory.limit");
	CHECK(v2_swap("{\"memory\":{\"limit\":0,\"swap\":5000}}", &v, msg, sizeof msg) == -1);
}

static void test_v2_swap_below_limit_by_hand(void)
{
	struct resources r;
	struct ar_err err = { 0 };
	int64_t v = 0;

	/* the parser refuses this pair; a hand-built struct (update) must not
	 * produce a negative swap.max */
	memset(&r, 0, sizeof r);
	r.memory.limit = (struct res_i64){ true, 4000 };
	r.memory.swap = (struct res_i64){ true, 3000 };
	CHECK(res_v2_swap(&r, &v, &err) == -1);
	CHECK_CONTAINS(err.msg, "must be >= memory.limit");
	ar_err_clear(&err);
}

UNIT_MAIN(UNIT(test_full_memory), UNIT(test_full_cpu), UNIT(test_full_blkio),
	  UNIT(test_full_hugepages_unified_devices), UNIT(test_empty_and_absent),
	  UNIT(test_unlimited_minus_one), UNIT(test_swappiness_range),
	  UNIT(test_swap_below_limit), UNIT(test_kernel_memory_removed),
	  UNIT(test_cpuset_good), UNIT(test_cpuset_bad), UNIT(test_cpu_ranges),
	  UNIT(test_devices_defaults), UNIT(test_devices_access_normalised),
	  UNIT(test_devices_bad), UNIT(test_blkio_weight_bounds),
	  UNIT(test_blkio_throttle_lists), UNIT(test_hugepage_sizes), UNIT(test_unified_keys),
	  UNIT(test_wrong_types_name_path), UNIT(test_unknown_keys_ignored),
	  UNIT(test_any_limit), UNIT(test_network_rdma_refused),
	  UNIT(test_free_zeroed_and_twice), UNIT(test_partial_failure_frees),
	  UNIT(test_shares_to_weight), UNIT(test_blkio_weight_to_io_weight), UNIT(test_v2_limit),
	  UNIT(test_v2_swap), UNIT(test_v2_swap_below_limit_by_hand))
