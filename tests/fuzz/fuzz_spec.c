/* libFuzzer target: config.json and process JSON are untrusted input. The
 * parser must never crash, leak or read out of bounds on any byte string.
 * Build and run: make fuzz && build-fuzz/fuzz_spec -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec *s = NULL;
	struct spec_process p = { 0 };
	struct ar_err err = { 0 };

	if (spec_parse((const char *)data, size, "fuzz", &s, &err) == 0)
		spec_free(s);
	ar_err_clear(&err);
	if (spec_parse_process((const char *)data, size, "fuzz", &p, &err) == 0)
		spec_process_free(&p);
	ar_err_clear(&err);
	return 0;
}
