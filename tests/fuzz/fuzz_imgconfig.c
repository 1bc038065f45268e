/* libFuzzer target: an image config comes out of a pulled or loaded archive
 * and is untrusted. The parser must never crash, leak or read out of
 * bounds, and whatever it accepts must survive the round trip that prep
 * and commit rely on: parse(to_json(c)) succeeds, equals c, and
 * serialises to the same bytes (else abort(), which libFuzzer reports).
 * Build and run: make fuzz && build-fuzz/fuzz_imgconfig -max_total_time=60 \
 *   tests/fuzz/corpus_imgconfig */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imgconfig.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool str_eq(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_config c = { 0 }, back = { 0 };
	struct ar_err err = { 0 };
	char *j1, *j2;

	if (image_config_parse((const char *)data, size, &c, &err) < 0) {
		if (err.msg == NULL || c.env != NULL)
			abort(); /* a failure must say why and leave c alone */
		ar_err_clear(&err);
		return 0;
	}
	j1 = image_config_to_json(&c);
	if (image_config_parse(j1, strlen(j1), &back, &err) < 0 || !config_eq(&c, &back))
		abort();
	j2 = image_config_to_json(&back);
	if (strcmp(j1, j2) != 0)
		abort();
	free(j1);
	free(j2);
	image_config_free(&c);
	image_config_free(&back);
	return 0;
}
