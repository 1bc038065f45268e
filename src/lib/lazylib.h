/* argon — libraries loaded on first use (dlopen), so that a command that
 * never needs one does not pay for loading it at every start
 * (lazy_archive.h, nftrules.c). */
#ifndef ARGON_LAZYLIB_H
#define ARGON_LAZYLIB_H

#include <stddef.h>

#include "error.h"

/* One function to resolve: its name and where its address goes (a
 * pointer to a function pointer, as void *). */
struct lazylib_sym {
	const char *name;
	void *slot;
};

/* dlopens the first of `sonames` (NULL-terminated) that loads and resolves
 * every symbol; fails naming the library or the missing symbol. The
 * library stays loaded for the life of the process. */
int lazylib_open(const char *const *sonames, const struct lazylib_sym *syms, size_t n,
		 struct ar_err *err);

#endif
