/* argon — linux.resources of config.json as typed data: the job object's
 * limits (CPU rate and weight, affinity, memory, process count, IO) that the
 * cgroup backends apply. spec_parse parses it once into spec_linux.resources;
 * `update` parses flags or `-r FILE` with resources_parse.
 */
#ifndef ARGON_RESOURCES_H
#define ARGON_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* An optional number: `set` says the config gave it. */
struct res_i64 {
	bool set;
	int64_t v;
};
struct res_u64 {
	bool set;
	uint64_t v;
};

struct res_device_rule {
	bool allow;
	char type;		/* 'a' (all), 'c' or 'b' */
	int64_t major, minor;	/* -1 = any (wildcard) */
	char access[4];		/* subset of "rwm", in that order */
};

struct res_blkio_dev {
	int64_t major, minor;
	struct res_u64 weight, leaf_weight;	/* weightDevice */
	uint64_t rate;				/* throttle*Device */
};

struct res_hugepage {
	char *pagesize;		/* "2MB", "1GB" */
	uint64_t limit;
};

struct res_kv {
	char *key, *value;
};

struct resources {
	struct {
		struct res_i64 limit, reservation, swap;	/* bytes; -1 = unlimited */
		struct res_u64 swappiness;			/* 0..100 */
		bool disable_oom_killer;
		bool has_disable_oom_killer;
		bool use_hierarchy, has_use_hierarchy;
		bool check_before_update;
	} memory;
	struct {
		struct res_u64 shares;		/* v1 cpu.shares, 2..262144 */
		struct res_i64 quota;		/* us; -1 = unlimited */
		struct res_u64 period;		/* us */
		struct res_i64 realtime_runtime;
		struct res_u64 realtime_period;
		struct res_i64 burst_unused;	/* reserved */
		struct res_u64 burst;
		struct res_i64 idle;		/* 0 or 1 */
		char *cpus, *mems;		/* cpuset lists, validated "0-3,5" */
	} cpu;
	struct {
		struct res_i64 limit;		/* <= 0 = unlimited (runc) */
	} pids;
	struct {
		struct res_u64 weight, leaf_weight;	/* 10..1000 */
		struct res_blkio_dev *weight_device;
		size_t n_weight_device;
		struct res_blkio_dev *throttle[4];	/* read bps, write bps, read iops, write iops */
		size_t n_throttle[4];
	} blkio;
	struct res_hugepage *hugepages;
	size_t n_hugepages;
	struct res_kv *unified;
	size_t n_unified;
	struct res_device_rule *devices;
	size_t n_devices;
	bool any_limit;		/* something beyond device rules was asked for */
};

enum { RES_THROTTLE_READ_BPS, RES_THROTTLE_WRITE_BPS, RES_THROTTLE_READ_IOPS,
       RES_THROTTLE_WRITE_IOPS };

/* Parses and validates a linux.resources object (JSON text). `what` names
 * the input in messages ("config.json: linux.resources.memory.limit: ..."). */
int resources_parse(const char *json, size_t len, const char *what, struct resources *out,
		    struct ar_err *err);
/* The same from an already parsed linux.resources object (config.json). */
struct json_object;
int resources_from_object(struct json_object *obj, const char *what, struct resources *out,
			  struct ar_err *err);
void resources_free(struct resources *r);

/* runc's conversions, shared by both backends and tested on their own. */
uint64_t res_shares_to_weight(uint64_t shares);		/* cpu.shares -> cpu.weight */
uint64_t res_blkio_weight_to_io_weight(uint64_t w);	/* 10..1000 -> 1..10000 */
/* "max" or the number, for v2 files ("-1"/unset limits become "max"). */
void res_v2_limit(int64_t v, char out[24]);
/* Memory swap on v2 is swap only: memory.swap.max = swap - limit (runc). */
int res_v2_swap(const struct resources *r, int64_t *swap_max, struct ar_err *err);

#endif
