/* argon — image commands: import, images, rmi, tag, image inspect. */
#define _GNU_SOURCE
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "imgconfig.h"
#include "import.h"
#include "util.h"

/* One line, redrawn in place, on a terminal only. */
static void show_progress(const struct import_progress *p, void *data)
{
	_cleanup_free_ char *bytes = human_size(p->bytes);

	fprintf(stderr, "\r\033[KLoading layer %zu/%zu: %s%s", p->layer, p->n_layers, bytes,
		p->shared ? " (already present)" : "");
	if (p->layer == p->n_layers)
		fputc('\n', stderr);
}

static void print_loaded(struct store *s, char **ids)
{
	for (size_t i = 0; ids && ids[i]; i++) {
		struct image_info img;
		if (store_image_find(s, ids[i], &img, NULL) < 0)
			continue;
		if (img.tags[0] == NULL)
			printf("Loaded image ID: %s\n", img.id);
		for (size_t t = 0; img.tags[t]; t++)
			printf("Loaded image: %s\n", img.tags[t]);
		image_info_free(&img);
	}
}

int cmd_import(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' }, { 0 } };
	struct import_opts o = { 0 };
	struct store *s;
	char **ids = NULL;
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (c != 'q')
			return cli_usage(err, "usage: argon import [-q] FILE|DIR [NAME[:TAG]]");
		quiet = true;
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage(err, "usage: argon import [-q] FILE|DIR [NAME[:TAG]]");
	o.tag = argc - optind == 2 ? argv[optind + 1] : NULL;
	_cleanup_free_ char *norm = NULL;
	if (o.tag && image_ref_normalize(o.tag, &norm, err) < 0)
		return CLI_USAGE;
	if (!quiet && isatty(STDERR_FILENO))
		o.progress = show_progress;
	if ((s = cli_store(cli, err)) == NULL || image_import(s, argv[optind], &o, &ids, err) < 0)
		return -1;
	if (!quiet)
		print_loaded(s, ids);
	strv_free(ids);
	return 0;
}

/* ------------------------------------------------------------ images */

struct images_out {
	bool json, quiet;
	struct table *t;
};

static int64_t image_created(const struct image_info *i)
{
	struct image_config c = { 0 };
	int64_t when = i->created;
	struct tm tm = { 0 };

	if (image_config_parse(i->config, strlen(i->config), &c, NULL) == 0 && c.created &&
	    strptime(c.created, "%Y-%m-%dT%H:%M:%S", &tm))
		when = (int64_t)timegm(&tm);
	image_config_free(&c);
	return when;
}

static void image_json_line(const struct image_info *i, const char *repo, const char *tag,
			    const char *id, const char *size, const char *ago, int64_t created)
{
	json_object *o = json_object_new_object();
	_cleanup_free_ char *at = rfc3339(created);

	json_object_object_add(o, "Containers", json_object_new_string("N/A"));
	json_object_object_add(o, "CreatedAt", json_object_new_string(at));
	json_object_object_add(o, "CreatedSince", json_object_new_string(ago));
	json_object_object_add(o, "Digest", json_object_new_string("<none>"));
	json_object_object_add(o, "ID", json_object_new_string(id));
	json_object_object_add(o, "Repository", json_object_new_string(repo));
	json_object_object_add(o, "SharedSize", json_object_new_string("N/A"));
	json_object_object_add(o, "Size", json_object_new_string(size));
	json_object_object_add(o, "Tag", json_object_new_string(tag));
	json_object_object_add(o, "UniqueSize", json_object_new_string("N/A"));
	json_object_object_add(o, "VirtualSize", json_object_new_string(size));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int list_image(const struct image_info *i, void *data)
{
	struct images_out *out = data;
	_cleanup_free_ char *id = short_id(i->id), *size = human_size(i->size);
	int64_t created = image_created(i);
	_cleanup_free_ char *ago = human_ago(created);
	size_t n = i->tags[0] ? strv_len(i->tags) : 1;

	if (out->quiet) {
		printf("%s\n", id);
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		const char *name = i->tags[0] ? i->tags[k] : "<none>:<none>";
		const char *colon = strrchr(name, ':');
		_cleanup_free_ char *repo = strndup(name, (size_t)(colon - name));
		if (out->json)
			image_json_line(i, repo, colon + 1, id, size, ago, created);
		else
			table_row(out->t, repo, colon + 1, id, ago, size);
	}
	return 0;
}

int cmd_images(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct images_out out = { 0 };
	struct store *s;
	int r;

	if (cli_list_flags(argc, argv, "argon images [-q] [--format table|json]", &out.quiet,
			   &out.json, err) < 0)
		return CLI_USAGE;
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	if (!out.quiet && !out.json)
		out.t = table_new(5, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	r = store_image_list(s, list_image, &out, err);
	if (out.t)
		table_print(out.t, stdout);
	return r;
}

/* ------------------------------------------------------------ rmi, tag */

static void print_line(const char *line, void *data)
{
	printf("%s\n", line);
}

static int rmi_one(struct cli *cli, const char *name, void *force, struct ar_err *err)
{
	return store_image_remove(cli->store, name, *(bool *)force, print_line, NULL, err);
}

int cmd_rmi(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage(err, "usage: argon rmi [-f] IMAGE...");
		force = true;
	}
	if (optind >= argc)
		return cli_usage(err, "usage: argon rmi [-f] IMAGE...");
	if (cli_store(cli, err) == NULL)
		return -1;
	return cli_each(cli, argv + optind, argc - optind, rmi_one, &force);
}

int cmd_tag(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct store *s;

	if (argc != 3)
		return cli_usage(err, "usage: argon tag SOURCE_IMAGE TARGET_IMAGE[:TAG]");
	if ((s = cli_store(cli, err)) == NULL)
		return -1;
	return store_image_tag(s, argv[1], argv[2], err) < 0 ? -1 : 0;
}
