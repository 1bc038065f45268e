/* argon — `argon prep [--manifest FILE] [--print-manifest] [NAME]`: a base
 * image from this host's own files (wincon's conprep). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "storage.h"
#include "util.h"

int cmd_prep(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "print-manifest", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	const char *manifest = NULL, *name = "host";
	_cleanup_free_ char *text = NULL, *id = NULL, *norm = NULL;
	struct prep_stats st = { 0 };
	bool quiet = false;
	struct store *s;
	uint64_t t0;
	int c;

	while ((c = getopt_long(argc, argv, "+qm:", opts, NULL)) != -1) {
		switch (c) {
		case 'm': manifest = optarg; break;
		case 'q': quiet = true; break;
		case 'p': fputs(prep_default_manifest, stdout); return 0;
		default: return cli_usage(err, "usage: argon prep [--manifest FILE] "
					  "[--print-manifest] [-q] [NAME]");
		}
	}
	if (argc - optind > 1)
		return cli_usage(err, "usage: argon prep [--manifest FILE] [NAME]");
	if (optind < argc)
		name = argv[optind];
	if (image_ref_normalize(name, &norm, err) < 0)
		return CLI_USAGE;
	if (manifest && read_file_at(AT_FDCWD, manifest, &text, NULL, err) < 0)
		return ar_err_prefix(err, "manifest");
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	t0 = now_ns();
	if (storage_prep(s, text, manifest, name, &st, &id, err) < 0)
		return -1;
	if (!quiet)
		fprintf(stderr, "prepared %s from the host: %llu linked, %llu copied, %llu dirs, "
			"%llu symlinks, %llu skipped in %.2f s\n", norm,
			(unsigned long long)st.linked, (unsigned long long)st.copied,
			(unsigned long long)st.dirs, (unsigned long long)st.symlinks,
			(unsigned long long)st.skipped, (double)(now_ns() - t0) / 1e9);
	printf("%s\n", id);
	return 0;
}

/* `argon run host ...` on a fresh machine: the host image is made on first
 * use, with a notice, so that one command gives a container. */
int cli_ensure_host_image(struct cli *cli, const char *ref, struct ar_err *err)
{
	_cleanup_free_ char *norm = NULL, *id = NULL;
	struct prep_stats st = { 0 };
	struct image_info img;
	struct store *s = cli_store(cli, err);

	if (s == NULL)
		return -1;
	if (image_ref_normalize(ref, &norm, NULL) < 0 || strcmp(norm, "host:latest") != 0)
		return 0;
	if (store_image_find(s, ref, &img, NULL) == 0) {
		image_info_free(&img);
		return 0;
	}
	fprintf(stderr, "argon: image `host` not found: preparing it from this machine's files "
		"(`argon prep`; first use only)\n");
	return storage_prep(s, NULL, NULL, "host", &st, &id, err);
}
