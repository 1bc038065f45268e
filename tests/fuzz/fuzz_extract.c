/* libFuzzer target: image layers and import archives are untrusted. Any
 * byte string must extract or be refused without a crash, a leak or an
 * out-of-bounds access, and without creating anything next to the
 * extraction root. Each input is extracted as a layer and as an import
 * archive into a fresh directory that is removed afterwards, then run
 * through blob_decompress. Build and run:
 *   make fuzz && build-fuzz/fuzz_extract -max_total_time=60 tests/fuzz/corpus_extract
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char parent[64];
static int parentfd = -1;

static void parent_remove(void)
{
	struct ar_err err = { 0 };

	if (parent[0])
		rm_rf_at(AT_FDCWD, parent, &err);
	ar_err_clear(&err);
}

/* The parent holds "root" and nothing else: an entry that escaped the
 * root by "..", a symlink or a hard link would show up here. */
static void parent_check(void)
{
	DIR *d = fdopendir(dup(parentfd));
	struct dirent *de;

	if (d == NULL)
		__builtin_trap();
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "root"))
			__builtin_trap();
	closedir(d);
}

static void extract_once(int in, enum extract_mode mode)
{
	struct ar_err err = { 0 };
	struct extract_stats st;
	int rootfd;

	if (lseek(in, 0, SEEK_SET) < 0 || mkdirat(parentfd, "root", 0755) < 0)
		__builtin_trap();
	rootfd = openat(parentfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		__builtin_trap();
	extract_tar(in, rootfd, mode, &st, &err);
	ar_err_clear(&err);
	close(rootfd);
	parent_check();
	if (rm_rf_at(parentfd, "root", &err) < 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ar_err err = { 0 };
	char c[65], r[65];
	int in;

	if (parentfd < 0) {
		snprintf(parent, sizeof parent, "/tmp/argon-fuzz-extract-XXXXXX");
		if (mkdtemp(parent) == NULL)
			__builtin_trap();
		atexit(parent_remove);
		parentfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parentfd < 0)
			__builtin_trap();
	}
	in = memfd_create("fuzz-extract", MFD_CLOEXEC);
	if (in < 0 || write_all(in, data, size) < 0)
		__builtin_trap();
	extract_once(in, EXTRACT_LAYER);
	extract_once(in, EXTRACT_ARCHIVE);
	if (lseek(in, 0, SEEK_SET) < 0)
		__builtin_trap();
	blob_decompress(in, -1, c, r, NULL, &err);
	ar_err_clear(&err);
	close(in);
	return 0;
}
