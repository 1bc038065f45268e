/* libFuzzer target: a prep manifest (`argon prep --manifest FILE`). The
 * parser must never crash, leak or read out of bounds, and every rule it
 * accepts must be an absolute pattern without `..` or empty components
 * (else abort(), which libFuzzer reports).
 * Build and run: make fuzz && build-fuzz/fuzz_prep_manifest -max_total_time=60 \
 *   tests/fuzz/corpus_prep_manifest */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rule(const struct prep_rule *r)
{
	if (r->pattern == NULL || r->pattern[0] != '/' || strstr(r->pattern, "//") ||
	    strstr(r->pattern, "/../") || (r->action != PREP_LINK && r->action != PREP_COPY &&
					   r->action != PREP_SKIP))
		abort();
	size_t n = strlen(r->pattern);
	if (n >= 3 && strcmp(r->pattern + n - 3, "/..") == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1);
	struct prep_manifest m = { 0 };
	struct ar_err err = { 0 };

	memcpy(text, data, size);
	text[size] = '\0';	/* the CLI reads the file as a C string */
	if (prep_manifest_parse(text, "fuzz", &m, &err) == 0) {
		for (size_t i = 0; i < m.n_rules; i++)
			check_rule(&m.rules[i]);
		prep_manifest_free(&m);
	} else if (err.msg == NULL) {
		abort();	/* a failure always says why */
	}
	ar_err_clear(&err);
	free(text);
	return 0;
}
