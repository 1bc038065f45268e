/* argon — `argon prep`: an image whose one layer is the host's own files
 * (wincon's conprep), swapped in atomically for the previous one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "imgconfig.h"
#include "storage.h"
#include "store_priv.h"
#include "util.h"

static char *prep_config(const char *diff_id)
{
	static char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	static char *const cmd[] = { "/bin/sh", NULL };
	char *diff_ids[] = { (char *)diff_id, NULL };
	char *keys[] = { "org.argon.source" }, *values[] = { "prep" };
	char created[64], arch[65] = "amd64";
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (uname(&u) == 0 && strcmp(u.machine, "x86_64") != 0)
		snprintf(arch, sizeof arch, "%s", strcmp(u.machine, "aarch64") == 0 ? "arm64"
										   : u.machine);
	struct image_config c = {
		.env = (char **)env, .cmd = (char **)cmd, .architecture = arch, .os = "linux",
		.created = created, .diff_ids = diff_ids, .n_diff_ids = 1,
		.label_keys = keys, .label_values = values, .n_labels = 1,
	};
	return image_config_to_json(&c);
}

static int build_layer(struct store *s, const struct prep_manifest *m, struct layer_stage *st,
		       struct prep_stats *stats, struct ar_err *err)
{
	char digest[65];
	_cleanup_close_ int hostfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (hostfd < 0)
		return ar_error(err, errno, "open `/`");
	if (layer_stage_begin(s, st, err) < 0)
		return -1;
	if (prep_build(hostfd, st->dirfd, m, stats, digest, err) < 0) {
		layer_stage_abort(s, st);
		return -1;
	}
	st->diff_id = xasprintf("sha256:%s", digest);
	st->source = xstrdup("prep");
	st->size = stats->bytes;	/* what the files hold, shared or not */
	return 0;
}

int storage_prep(struct store *s, const char *manifest_text, const char *manifest_name,
		 const char *name, struct prep_stats *stats, char **id_out, struct ar_err *err)
{
	struct prep_manifest m = { 0 };
	struct layer_stage st;
	_cleanup_free_ char *config = NULL;
	int r;

	if (prep_manifest_parse(manifest_text ? manifest_text : prep_default_manifest,
				manifest_name ? manifest_name : "default", &m, err) < 0)
		return -1;
	r = build_layer(s, &m, &st, stats, err);
	prep_manifest_free(&m);
	if (r < 0)
		return ar_err_prefix(err, "prep");
	config = prep_config(st.diff_id);
	/* New layer and image first, then the tag moves: the old image (and
	 * its layer) go in the same transaction, unless a container uses it. */
	return store_image_add(s, config, NULL, &st, 1,
			       (char *const[]){ (char *)(name ? name : "host"), NULL }, id_out, err);
}
