/* libFuzzer target: linux.seccomp comes from an untrusted config.json (and
 * from docker-format profile files). The check and the compiler must never
 * crash, leak or read out of bounds, and they must agree: a profile the
 * check refuses is refused by the compiler with the same message, and a
 * compiled program is one the kernel could take, its listener fields
 * consistent (else abort(), which libFuzzer reports).
 * Build and run: make fuzz && build-fuzz/fuzz_seccomp -max_total_time=60 \
 *   tests/fuzz/corpus_seccomp */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/filter.h>

#include "seccomp.h"
#include "spec_priv.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compile_agrees(const char *text, int checked, const char *check_msg)
{
	struct seccomp_prog *p = NULL;
	struct ar_err err = { 0 };
	int r = seccomp_compile(text, NULL, &p, &err);

	if (checked < 0 && (r == 0 || strcmp(err.msg, check_msg) != 0))
		abort();
	if (r == 0 && (p->len == 0 || p->len > BPF_MAXINSNS || p->from_cache ||
		       p->notify != (p->listener_path != NULL) ||
		       (p->listener_metadata && !p->listener_path)))
		abort();
	seccomp_prog_free(p);
	ar_err_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ar_err err = { 0 };
	json_object *o;
	int r;

	/* As spec parse reads config.json (strict), then checks linux.seccomp. */
	o = spj_parse_json((const char *)data, size, "fuzz", &err);
	ar_err_clear(&err);
	if (o == NULL)
		return 0;
	r = seccomp_check(o, "config.json", &err);
	/* The runtime compiles the text spec parse kept: json-c's own output. */
	compile_agrees(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE), r, err.msg);
	ar_err_clear(&err);
	json_object_put(o);
	return 0;
}
