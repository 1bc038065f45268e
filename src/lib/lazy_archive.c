/* argon — libarchive's table, filled on first use; see lazy_archive.h. */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#define AR_ARCHIVE_LOADER
#include "lazy_archive.h"
#include "lazylib.h"

static struct ar_archive_fns fns;
static bool loaded;

const struct ar_archive_fns *ar_archive(void)
{
	static const char *const sonames[] = { "libarchive.so.13", "libarchive.so", NULL };
	static const struct lazylib_sym syms[] = {
#define AR_ARCHIVE_SYM(f) { #f, &fns.f },
		AR_ARCHIVE_FNS(AR_ARCHIVE_SYM)
#undef AR_ARCHIVE_SYM
	};
	struct ar_err err = { 0 };

	if (loaded)
		return &fns;
	if (lazylib_open(sonames, syms, sizeof syms / sizeof syms[0], &err) < 0) {
		fprintf(stderr, "argon: %s\n", err.msg ? err.msg : "cannot load libarchive");
		_exit(125);
	}
	loaded = true;
	return &fns;
}
