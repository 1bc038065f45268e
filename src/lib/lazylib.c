/* argon — libraries loaded on first use; see lazylib.h. */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "lazylib.h"

int lazylib_open(const char *const *sonames, const struct lazylib_sym *syms, size_t n,
		 struct ar_err *err)
{
	void *h = NULL;
	const char *why = "no library name", *name = sonames[0];

	/* name: the library loaded, else the last one tried (why's). */
	for (size_t i = 0; sonames[i] && h == NULL; i++) {
		name = sonames[i];
		h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
		if (h == NULL)
			why = dlerror();
	}
	if (h == NULL)
		return ar_error(err, ENOENT, "load `%s`: %s", name ? name : "", why);
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);
		if (p == NULL)
			return ar_error(err, ENOENT, "load `%s`: no function `%s`", name,
					syms[i].name);
		memcpy(syms[i].slot, &p, sizeof p);	/* object to function pointer */
	}
	return 0;
}
