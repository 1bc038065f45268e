/* argon — `argon image inspect` (docker's JSON array) and the `image`
 * command group. */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *get_or_null(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o && json_object_object_get_ex(o, key, &v))
		return json_object_get(v);
	return NULL;
}

static json_object *lower_dirs(struct store *s, const struct image_info *img)
{
	_cleanup_free_ char *joined = xstrdup("");

	for (size_t i = img->n_layers; i-- > 0;) {
		_cleanup_free_ char *p = store_layer_path(s, img->layers[i]);
		char *next = xasprintf("%s%s%s", joined, joined[0] ? ":" : "", p);
		free(joined);
		joined = next;
	}
	json_object *data = json_object_new_object(), *gd = json_object_new_object();
	json_object_object_add(data, "LowerDir", json_object_new_string(joined));
	json_object_object_add(gd, "Data", data);
	json_object_object_add(gd, "Name", json_object_new_string("overlay"));
	return gd;
}

static json_object *image_json(struct store *s, const struct image_info *img)
{
	json_object *o = json_object_new_object(), *cfg = json_tokener_parse(img->config);
	json_object *rootfs = json_object_new_object();
	json_object *created = get_or_null(cfg, "created");

	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "RepoTags", strv_json(img->tags));
	json_object_object_add(o, "RepoDigests", json_object_new_array());
	if (created == NULL) {
		_cleanup_free_ char *when = rfc3339(img->created);
		created = json_object_new_string(when);
	}
	json_object_object_add(o, "Created", created);
	json_object_object_add(o, "Config", get_or_null(cfg, "config"));
	json_object_object_add(o, "Architecture", get_or_null(cfg, "architecture"));
	json_object_object_add(o, "Os", get_or_null(cfg, "os"));
	json_object_object_add(o, "Size", json_object_new_int64((int64_t)img->size));
	json_object_object_add(o, "Containers", json_object_new_int(img->containers));
	json_object_object_add(o, "GraphDriver", lower_dirs(s, img));
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "Layers", strv_json(img->layers));
	json_object_object_add(o, "RootFS", rootfs);
	json_object_put(cfg);
	return o;
}

static json_object *inspect_image(struct cli *cli, const char *name, struct ar_err *err)
{
	struct image_info img;
	json_object *o;

	if (store_image_find(cli->store, name, &img, err) < 0)
		return NULL;
	o = image_json(cli->store, &img);
	image_info_free(&img);
	return o;
}

int cmd_image_inspect(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage(err, "usage: argon image inspect IMAGE...");
	if (cli_store(cli, err) == NULL)
		return -1;
	return cli_inspect_each(cli, argc, argv, inspect_image);
}

/* `argon image ls|rm|inspect|tag|import`, docker's management commands. */
int cmd_image(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct cli_subcmd sub[] = {
		{ "ls", cmd_images }, { "list", cmd_images }, { "rm", cmd_rmi },
		{ "inspect", cmd_image_inspect }, { "tag", cmd_tag }, { "import", cmd_import },
		{ "load", cmd_import },
	};

	return cli_dispatch(cli, argc, argv, sub, sizeof sub / sizeof sub[0],
			    "argon image ls|rm|inspect|tag|import ...", err);
}
