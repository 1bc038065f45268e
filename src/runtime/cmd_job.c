/* argon-runtime pause, resume, update, events: the job object's commands. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static int pause_resume(struct cli *cli, int argc, char **argv, bool pause, struct ar_err *err)
{
	const char *id;

	if (getopt_long(argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
		return ar_error(err, EINVAL, "%s: unknown flag `%s`", argv[0], argv[optind - 1]);
	if (cli_one_id(argc, argv, optind, argv[0], &id, err) < 0)
		return -1;
	return ar_container_pause(&cli->rt, id, pause, err) < 0 ? -1 : 0;
}

int cmd_pause(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	return pause_resume(cli, argc, argv, true, err);
}

int cmd_resume(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	return pause_resume(cli, argc, argv, false, err);
}

/* "32m", "1G", "1024", "-1" (unlimited), as docker/runc take sizes. */
static int parse_size(const char *flag, const char *s, int64_t *out, struct ar_err *err)
{
	char *end;
	long long v;
	int shift = 0;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < -1)
		return ar_error(err, EINVAL, "update: %s `%s`: not a size", flag, s);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || (v > 0 && shift && v > (INT64_MAX >> shift)))
		return ar_error(err, EINVAL, "update: %s `%s`: not a size", flag, s);
	*out = v < 0 ? v : (int64_t)((uint64_t)v << shift);
	return 0;
}

struct update_flag {
	const char *name;	/* runc's flag */
	const char *section;	/* linux.resources object */
	const char *key;
	bool size, string;
};

static const struct update_flag update_flags[] = {
	{ "memory", "memory", "limit", true, false },
	{ "memory-reservation", "memory", "reservation", true, false },
	{ "memory-swap", "memory", "swap", true, false },
	{ "cpu-share", "cpu", "shares", false, false },
	{ "cpu-quota", "cpu", "quota", false, false },
	{ "cpu-period", "cpu", "period", false, false },
	{ "cpu-rt-runtime", "cpu", "realtimeRuntime", false, false },
	{ "cpu-rt-period", "cpu", "realtimePeriod", false, false },
	{ "cpu-idle", "cpu", "idle", false, false },
	{ "cpuset-cpus", "cpu", "cpus", false, true },
	{ "cpuset-mems", "cpu", "mems", false, true },
	{ "pids-limit", "pids", "limit", false, false },
	{ "blkio-weight", "blockIO", "weight", false, false },
};
#define N_UPDATE_FLAGS (sizeof update_flags / sizeof update_flags[0])

/* Adds one flag's value to the resources JSON being built. */
static int update_add(json_object *res, const struct update_flag *f, const char *val,
		      struct ar_err *err)
{
	json_object *sec;
	int64_t n;

	if (!json_object_object_get_ex(res, f->section, &sec)) {
		sec = json_object_new_object();
		json_object_object_add(res, f->section, sec);
	}
	if (f->string) {
		json_object_object_add(sec, f->key, json_object_new_string(val));
		return 0;
	}
	if (f->size ? parse_size(f->name, val, &n, err) < 0
		    : parse_i64(val, &n) < 0 && ar_error(err, EINVAL, "update: --%s `%s`: not a number",
							   f->name, val) < 0)
		return -1;
	json_object_object_add(sec, f->key, json_object_new_int64(n));
	return 0;
}

static int update_parse(int argc, char **argv, json_object *res, const char **file,
			struct ar_err *err)
{
	struct option opts[N_UPDATE_FLAGS + 3];
	int c, idx;

	for (size_t i = 0; i < N_UPDATE_FLAGS; i++)
		opts[i] = (struct option){ update_flags[i].name, required_argument, NULL, 0 };
	opts[N_UPDATE_FLAGS] = (struct option){ "resources", required_argument, NULL, 'r' };
	opts[N_UPDATE_FLAGS + 1] = (struct option){ "kernel-memory", required_argument, NULL, 'k' };
	opts[N_UPDATE_FLAGS + 2] = (struct option){ 0 };
	while ((c = getopt_long(argc, argv, "+r:", opts, &idx)) != -1) {
		if (c == 'r')
			*file = optarg;
		else if (c == 'k')
			return ar_error(err, ENOTSUP, "update: --kernel-memory is not supported");
		else if (c != 0)
			return ar_error(err, EINVAL, "update: unknown flag `%s`", argv[optind - 1]);
		else if (update_add(res, &update_flags[idx], optarg, err) < 0)
			return -1;
	}
	return 0;
}

static int update_resources(int argc, char **argv, struct resources *r, struct ar_err *err)
{
	json_object *res = json_object_new_object();
	const char *file = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int ret = update_parse(argc, argv, res, &file, err);

	if (ret == 0 && file && json_object_object_length(res) > 0)
		ret = ar_error(err, EINVAL, "update: use either -r FILE or flags, not both");
	else if (ret == 0 && file) {
		ret = read_file_at(AT_FDCWD, strcmp(file, "-") ? file : "/dev/stdin", &text, &len, err);
		if (ret == 0)
			ret = resources_parse(text, len, file, r, err);
	} else if (ret == 0) {
		const char *j = json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
		ret = resources_parse(j, strlen(j), "update flags", r, err);
	}
	json_object_put(res);
	return ret;
}

int cmd_update(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct resources r = { 0 };
	struct cgroup *cg = NULL;
	enum ar_status status;
	const char *id;
	int ret = -1;

	if (update_resources(argc, argv, &r, err) < 0)
		return -1;
	if (cli_one_id(argc, argv, optind, "update", &id, err) < 0)
		goto out;
	if (ar_container_job(&cli->rt, id, &cg, &status, err) < 0)
		goto out;
	if (status == ST_STOPPED)
		ar_error(err, EINVAL, "update container `%s`: container is stopped", id);
	else if (cg->ops->apply(cg, &r, err) == 0)
		ret = 0;
out:
	cgroup_free(cg);
	resources_free(&r);
	return ret;
}
