/* Unit tests for src/lib/imgconfig.c: image configs as docker and OCI tools
 * write them, the type checks with their exact messages, the JSON-level
 * refusals, digest_valid, and the round trip parse(to_json(c)) == c. */
#include <stdbool.h>
#include <string.h>

#include "imgconfig.h"
#include "unit.h"
#include "util.h"

#define D1 "sha256:9fb3aa2f8b8023a4bebbf92aa567caf88e38e969ada9f0ac12643b2847391635"
#define D2 "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
#define ROOTFS "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}"

/* The real config of alpine:3.10 as docker 19.03 wrote it (its sha256 is the
 * image ID e7b300aee9f9..., also tests/fuzz/corpus_imgconfig/). */
static const char alpine[] =
	"{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"\",\"Domainname\":\"\","
	"\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,"
	"\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"PATH=/usr/local/"
	"sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"],\"Image\":"
	"\"sha256:eb2080c455e94c22ae35b3aef9e078c492a00795412e026e4d6b41ef64bc7dd8\","
	"\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
	"\"Labels\":null},\"container\":\"fdb7e80e3339e8d0599282e606c907aa5881ee4c668a681"
	"36119e6dfac6ce3a4\",\"created\":\"2021-04-14T19:20:05.338397761Z\","
	"\"docker_version\":\"19.03.12\",\"history\":[{\"created\":\"2021-04-14T19:20:04."
	"987219124Z\",\"created_by\":\"/bin/sh -c #(nop) ADD file:c5377eaa in / \"}],"
	"\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}";

static char last_err[1024];

static int parse(const char *json, struct image_config *c)
{
	struct ar_err err = { 0 };
	int r = image_config_parse(json, strlen(json), c, &err);

	snprintf(last_err, sizeof last_err, "%s", err.msg ? err.msg : "");
	ar_err_clear(&err);
	return r;
}

static bool strv_eq(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == NULL && *b == NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static bool config_eq(const struct image_config *a, const struct image_config *b)
{
	if (!strv_eq(a->env, b->env) || !strv_eq(a->cmd, b->cmd) ||
	    !strv_eq(a->entrypoint, b->entrypoint) || !str_eq(a->working_dir, b->working_dir) ||
	    !str_eq(a->user, b->user) || a->n_labels != b->n_labels ||
	    !str_eq(a->architecture, b->architecture) || !str_eq(a->os, b->os) ||
	    !str_eq(a->created, b->created) || a->n_diff_ids != b->n_diff_ids ||
	    !strv_eq(a->diff_ids, b->diff_ids))
		return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (strcmp(a->label_keys[i], b->label_keys[i]) ||
		    strcmp(a->label_values[i], b->label_values[i]))
			return false;
	return true;
}

/* parse(to_json(c)) == c, and to_json is stable. */
static bool round_trips(const struct image_config *c)
{
	_cleanup_free_ char *j1 = image_config_to_json(c);
	_cleanup_free_ char *j2 = NULL;
	struct image_config back = { 0 };
	bool ok;

	if (parse(j1, &back) < 0) {
		fprintf(stderr, "  reparse failed: %s\n  %s\n", last_err, j1);
		return false;
	}
	j2 = image_config_to_json(&back);
	ok = config_eq(c, &back) && strcmp(j1, j2) == 0;
	image_config_free(&back);
	return ok;
}

static void docker_alpine_config(void)
{
	struct image_config c = { 0 };

	CHECK(parse(alpine, &c) == 0);
	CHECK_STR(c.architecture, "amd64");
	CHECK_STR(c.os, "linux");
	CHECK_STR(c.created, "2021-04-14T19:20:05.338397761Z");
	CHECK(strv_len(c.env) == 1);
	CHECK_STR(c.env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK(strv_len(c.cmd) == 1 && strcmp(c.cmd[0], "/bin/sh") == 0);
	CHECK(c.entrypoint == NULL);		/* null */
	CHECK(c.working_dir == NULL && c.user == NULL); /* "" */
	CHECK(c.n_labels == 0);
	CHECK(c.n_diff_ids == 1);
	CHECK_STR(c.diff_ids[0], D1);
	CHECK(c.diff_ids[1] == NULL);
	CHECK(round_trips(&c));
	image_config_free(&c);
}

static void oci_config_with_everything(void)
{
	struct image_config c = { 0 };

	CHECK(parse("{\"architecture\":\"arm64\",\"os\":\"linux\",\"config\":{"
		    "\"User\":\"1000:100\",\"Env\":[\"A=1\",\"B=x=y\"],"
		    "\"Entrypoint\":[\"/srv\",\"-v\"],\"Cmd\":[],\"WorkingDir\":\"/w\","
		    "\"Labels\":{\"z\":\"last\",\"a\":\"first\",\"m\":\"\"},\"StopSignal\":\"SIGINT\"},"
		    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},"
		    "\"history\":[{\"created_by\":\"x\"}]}", &c) == 0);
	CHECK_STR(c.user, "1000:100");
	CHECK_STR(c.working_dir, "/w");
	CHECK(strv_len(c.env) == 2);
	CHECK_STR(c.env[1], "B=x=y");
	CHECK(strv_len(c.entrypoint) == 2);
	CHECK(c.cmd != NULL && c.cmd[0] == NULL); /* [] is present and empty */
	CHECK(c.created == NULL);
	CHECK(c.n_labels == 3);			  /* sorted by key */
	CHECK_STR(c.label_keys[0], "a");
	CHECK_STR(c.label_values[0], "first");
	CHECK_STR(c.label_keys[1], "m");
	CHECK_STR(c.label_values[1], "");
	CHECK_STR(c.label_keys[2], "z");
	CHECK(c.n_diff_ids == 2);
	CHECK_STR(c.diff_ids[1], D2);
	CHECK(round_trips(&c));
	image_config_free(&c);
}

static void config_absent_or_null_is_empty(void)
{
	static const char *const texts[] = {
		"{" ROOTFS "}",
		"{\"config\":null," ROOTFS "}",
		"{\"config\":{}," ROOTFS "}",
		"{\"config\":{\"Env\":null,\"Cmd\":null,\"Entrypoint\":null,\"Labels\":null,"
		"\"User\":null,\"WorkingDir\":null}," ROOTFS "}",
		"{\"config\":{}," "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}",
		"{\"config\":{}," "\"rootfs\":{\"type\":\"layers\"}}",
	};

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct image_config c = { 0 };
		CHECK(parse(texts[i], &c) == 0);
		CHECK(c.env != NULL && c.env[0] == NULL);
		CHECK(c.diff_ids != NULL && c.n_diff_ids == 0);
		CHECK(c.cmd == NULL && c.entrypoint == NULL && c.n_labels == 0);
		CHECK(c.user == NULL && c.working_dir == NULL && c.architecture == NULL);
		CHECK(round_trips(&c));
		image_config_free(&c);
	}
}

static void surrounding_whitespace_is_fine(void)
{
	struct image_config c = { 0 };

	CHECK(parse(" \n\t{" ROOTFS "}\r\n  ", &c) == 0);
	image_config_free(&c);
}

static void duplicate_keys_last_wins(void)
{
	struct image_config c = { 0 };

	CHECK(parse("{\"os\":\"windows\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"a\"],"
		    "\"Cmd\":[\"b\"],\"Labels\":{\"k\":\"1\",\"k\":\"2\"}}," ROOTFS "}", &c) == 0);
	CHECK_STR(c.os, "linux");
	CHECK_STR(c.cmd[0], "b");
	CHECK(c.n_labels == 1);
	CHECK_STR(c.label_values[0], "2");
	image_config_free(&c);
}

/* A wrong type or value fails with exactly this message. */
static void rejects_name_the_field(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"config\":{\"Cmd\":\"/bin/sh\"}," ROOTFS "}",
		  "image config: `config.Cmd` must be an array of strings" },
		{ "{\"config\":{\"Cmd\":[\"a\",1]}," ROOTFS "}",
		  "image config: `config.Cmd` must be an array of strings" },
		{ "{\"config\":{\"Entrypoint\":{}}," ROOTFS "}",
		  "image config: `config.Entrypoint` must be an array of strings" },
		{ "{\"config\":{\"Env\":[\"A=1\",\"NOEQUALS\"]}," ROOTFS "}",
		  "image config: `config.Env[1]` must be KEY=VALUE, not `NOEQUALS`" },
		{ "{\"config\":{\"Env\":[\"=v\"]}," ROOTFS "}",
		  "image config: `config.Env[0]` must be KEY=VALUE, not `=v`" },
		{ "{\"config\":{\"Env\":[null]}," ROOTFS "}",
		  "image config: `config.Env` must be an array of strings" },
		{ "{\"config\":{\"WorkingDir\":5}," ROOTFS "}",
		  "image config: `config.WorkingDir` must be a string" },
		{ "{\"config\":{\"User\":true}," ROOTFS "}",
		  "image config: `config.User` must be a string" },
		{ "{\"config\":{\"Labels\":[]}," ROOTFS "}",
		  "image config: `config.Labels` must be an object of strings" },
		{ "{\"config\":{\"Labels\":{\"a\":\"1\",\"b\":2}}," ROOTFS "}",
		  "image config: `config.Labels.b` must be a string" },
		{ "{\"config\":{\"Labels\":{\"a\":null}}," ROOTFS "}",
		  "image config: `config.Labels.a` must be a string" },
		{ "{\"config\":[]," ROOTFS "}", "image config: `config` must be an object" },
		{ "{\"config\":\"x\"," ROOTFS "}", "image config: `config` must be an object" },
		{ "{\"architecture\":1," ROOTFS "}", "image config: `architecture` must be a string" },
		{ "{\"os\":[]," ROOTFS "}", "image config: `os` must be a string" },
		{ "{\"created\":0," ROOTFS "}", "image config: `created` must be a string" },
		{ "{\"config\":{}}", "image config: `rootfs` is required" },
		{ "{\"rootfs\":null}", "image config: `rootfs` is required" },
		{ "{\"rootfs\":[]}", "image config: `rootfs` must be an object" },
		{ "{\"rootfs\":{\"diff_ids\":[]}}", "image config: `rootfs.type` must be `layers`, not ``" },
		{ "{\"rootfs\":{\"type\":\"Layers\"}}",
		  "image config: `rootfs.type` must be `layers`, not `Layers`" },
		{ "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":\"" D1 "\"}}",
		  "image config: `rootfs.diff_ids` must be an array of strings" },
		{ "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"sha256:abc\"]}}",
		  "image config: `rootfs.diff_ids[1]` must be sha256: and 64 lower-case hex "
		  "digits, not `sha256:abc`" },
		{ "{\"config\":{\"Cmd\":[\"a\\u0000b\"]}," ROOTFS "}",
		  "image config: invalid JSON at byte 20: NUL character escape" },
		{ "{\"config\":{\"Labels\":{\"a\\u0000b\":\"x\"}}," ROOTFS "}",
		  "image config: invalid JSON at byte 23: NUL character escape" },
		{ "[]", "image config: the top level must be a JSON object" },
		{ "{" ROOTFS "} {}", "image config: invalid JSON at byte 43: unexpected character" },
		{ "{" ROOTFS "}x", "image config: invalid JSON at byte 42: unexpected character" },
		{ "{" ROOTFS ",}", "image config: invalid JSON at byte 42: unexpected character" },
		{ "", "image config: invalid JSON at byte 0: unexpected end of data" },
		{ "{\"rootfs\":{\"type\":\"layers\"},\"x\":99999999999999999999999}",
		  "image config: invalid JSON at byte 32: integer does not fit in 64 bits" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct image_config c = { 0 };
		if (parse(cases[i].json, &c) == 0) {
			image_config_free(&c);
			fprintf(stderr, "  accepted: %s\n", cases[i].json);
			CHECK(0);
		}
		CHECK_STR(last_err, cases[i].msg);
		CHECK(c.env == NULL); /* untouched on failure */
	}
}

/* Nesting beyond json-c's depth limit is refused, not recursed into. */
static void deep_nesting_is_refused(void)
{
	char text[512] = "{" ROOTFS ",\"x\":";
	struct image_config c = { 0 };
	size_t n = strlen(text);

	for (int i = 0; i < 100; i++)
		text[n++] = '[';
	for (int i = 0; i < 100; i++)
		text[n++] = ']';
	text[n++] = '}';
	text[n] = '\0';
	CHECK(parse(text, &c) < 0);
	CHECK_CONTAINS(last_err, "image config: invalid JSON at byte");
	CHECK_CONTAINS(last_err, "nesting too deep");
}

static void escaped_backslash_u0000_is_text(void)
{
	struct image_config c = { 0 };

	/* "\\u0000" is a backslash followed by u0000, not a NUL. */
	CHECK(parse("{\"config\":{\"Cmd\":[\"a\\\\u0000\"]}," ROOTFS "}", &c) == 0);
	CHECK_STR(c.cmd[0], "a\\u0000");
	CHECK(round_trips(&c));
	image_config_free(&c);
}

/* The bytes the image ID is the hash of: fixed order, no spaces. */
static void to_json_is_exact(void)
{
	char *env[] = { "PATH=/bin", "A=\"q\" <&>", NULL };
	char *cmd[] = { "sh", "-c", "echo hi", NULL };
	char *keys[] = { "a", "b/c", NULL }, *values[] = { "1", "", NULL };
	char *ids[] = { D1, NULL };
	struct image_config c = {
		.env = env, .cmd = cmd, .working_dir = "/srv", .user = "0:0",
		.label_keys = keys, .label_values = values, .n_labels = 2,
		.architecture = "amd64", .os = "linux", .created = "2024-01-02T03:04:05Z",
		.diff_ids = ids, .n_diff_ids = 1,
	};
	_cleanup_free_ char *j = image_config_to_json(&c);
	struct image_config empty = { 0 };
	_cleanup_free_ char *e = image_config_to_json(&empty);

	CHECK_STR(j, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":"
		     "\"2024-01-02T03:04:05Z\",\"config\":{\"Env\":[\"PATH=/bin\","
		     "\"A=\\\"q\\\" <&>\"],\"Cmd\":[\"sh\",\"-c\",\"echo hi\"],\"WorkingDir\":"
		     "\"/srv\",\"User\":\"0:0\",\"Labels\":{\"a\":\"1\",\"b/c\":\"\"}},"
		     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}");
	CHECK_STR(e, "{\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
	CHECK(round_trips(&c));
}

static void unicode_and_escapes_round_trip(void)
{
	struct image_config c = { 0 };

	CHECK(parse("{\"config\":{\"Env\":[\"GREETING=gr\\u00fc\\u00df \\\"dich\\\"\\n\\t\"],"
		    "\"Labels\":{\"\\u00e9t\\u00e9\":\"\\u2603\"}}," ROOTFS "}", &c) == 0);
	CHECK_STR(c.env[0], "GREETING=gr\xc3\xbc\xc3\x9f \"dich\"\n\t");
	CHECK_STR(c.label_keys[0], "\xc3\xa9t\xc3\xa9");
	CHECK_STR(c.label_values[0], "\xe2\x98\x83");
	CHECK(round_trips(&c));
	image_config_free(&c);
}

static void digest_valid_table(void)
{
	static const struct {
		const char *d;
		int ok;
	} cases[] = {
		{ D1, 1 },
		{ "sha256:0000000000000000000000000000000000000000000000000000000000000000", 1 },
		{ "sha256:9FB3AA2F8B8023A4BEBBF92AA567CAF88E38E969ADA9F0AC12643B2847391635", 0 },
		{ "sha256:9fb3aa2f8b8023a4bebbf92aa567caf88e38e969ada9f0ac12643b284739163", 0 },
		{ "sha256:9fb3aa2f8b8023a4bebbf92aa567caf88e38e969ada9f0ac12643b28473916355", 0 },
		{ "sha256:9fb3aa2f8b8023a4bebbf92aa567caf88e38e969ada9f0ac12643b284739163g", 0 },
		{ "sha512:9fb3aa2f8b8023a4bebbf92aa567caf88e38e969ada9f0ac12643b2847391635", 0 },
		{ "9fb3aa2f8b8023a4bebbf92aa567caf88e38e969ada9f0ac12643b2847391635", 0 },
		{ "sha256:", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(digest_valid(cases[i].d) == cases[i].ok);
}

UNIT_MAIN(UNIT(docker_alpine_config), UNIT(oci_config_with_everything),
	  UNIT(config_absent_or_null_is_empty), UNIT(duplicate_keys_last_wins),
	  UNIT(surrounding_whitespace_is_fine),
	  UNIT(rejects_name_the_field), UNIT(deep_nesting_is_refused),
	  UNIT(escaped_backslash_u0000_is_text), UNIT(to_json_is_exact),
	  UNIT(unicode_and_escapes_round_trip), UNIT(digest_valid_table))
