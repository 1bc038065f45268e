/* argon — libarchive, loaded on first use.
 *
 * libarchive brings libxml2, ICU and libstdc++ with it: linked normally,
 * the dynamic loader maps and relocates them at every start of `argon`,
 * 1.4 ms of a 3.4 ms start here, paid three times by each `argon run`
 * (the CLI, the monitor, the monitor's last step) that never reads a tar.
 * Files that use libarchive include this header instead of <archive.h>:
 * each function below then resolves through a table that dlopen fills the
 * first time one is called. A function not in AR_ARCHIVE_FNS fails to link,
 * so the list cannot silently fall behind.
 *
 * If the library cannot be loaded (not installed), the first call prints
 * why and exits with 125, what the dynamic loader's refusal to start the
 * whole program would have been, for one command instead of all. */
#ifndef ARGON_LAZY_ARCHIVE_H
#define ARGON_LAZY_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#define AR_ARCHIVE_FNS(X) \
	X(archive_entry_atime) \
	X(archive_entry_atime_is_set) \
	X(archive_entry_atime_nsec) \
	X(archive_entry_copy_hardlink) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_copy_symlink) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_gid) \
	X(archive_entry_hardlink) \
	X(archive_entry_mtime) \
	X(archive_entry_mtime_is_set) \
	X(archive_entry_mtime_nsec) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_perm) \
	X(archive_entry_rdevmajor) \
	X(archive_entry_rdevminor) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_mode) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_rdevmajor) \
	X(archive_entry_set_rdevminor) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_entry_uid) \
	X(archive_entry_xattr_add_entry) \
	X(archive_entry_xattr_next) \
	X(archive_entry_xattr_reset) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open) \
	X(archive_read_open_fd) \
	X(archive_read_support_filter_bzip2) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_none) \
	X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_empty) \
	X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) \
	X(archive_set_error) \
	X(archive_write_add_filter_none) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_fail) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_fd) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_option) \
	X(archive_write_set_format_pax_restricted)

struct ar_archive_fns {
#define AR_ARCHIVE_FIELD(f) __typeof__(f) *f;
	AR_ARCHIVE_FNS(AR_ARCHIVE_FIELD)
#undef AR_ARCHIVE_FIELD
};

/* The table, loaded on the first call (see above). */
const struct ar_archive_fns *ar_archive(void);

#ifndef AR_ARCHIVE_LOADER
#define archive_entry_atime (ar_archive()->archive_entry_atime)
#define archive_entry_atime_is_set (ar_archive()->archive_entry_atime_is_set)
#define archive_entry_atime_nsec (ar_archive()->archive_entry_atime_nsec)
#define archive_entry_copy_hardlink (ar_archive()->archive_entry_copy_hardlink)
#define archive_entry_copy_pathname (ar_archive()->archive_entry_copy_pathname)
#define archive_entry_copy_symlink (ar_archive()->archive_entry_copy_symlink)
#define archive_entry_filetype (ar_archive()->archive_entry_filetype)
#define archive_entry_free (ar_archive()->archive_entry_free)
#define archive_entry_gid (ar_archive()->archive_entry_gid)
#define archive_entry_hardlink (ar_archive()->archive_entry_hardlink)
#define archive_entry_mtime (ar_archive()->archive_entry_mtime)
#define archive_entry_mtime_is_set (ar_archive()->archive_entry_mtime_is_set)
#define archive_entry_mtime_nsec (ar_archive()->archive_entry_mtime_nsec)
#define archive_entry_new (ar_archive()->archive_entry_new)
#define archive_entry_pathname (ar_archive()->archive_entry_pathname)
#define archive_entry_perm (ar_archive()->archive_entry_perm)
#define archive_entry_rdevmajor (ar_archive()->archive_entry_rdevmajor)
#define archive_entry_rdevminor (ar_archive()->archive_entry_rdevminor)
#define archive_entry_set_gid (ar_archive()->archive_entry_set_gid)
#define archive_entry_set_mode (ar_archive()->archive_entry_set_mode)
#define archive_entry_set_mtime (ar_archive()->archive_entry_set_mtime)
#define archive_entry_set_rdevmajor (ar_archive()->archive_entry_set_rdevmajor)
#define archive_entry_set_rdevminor (ar_archive()->archive_entry_set_rdevminor)
#define archive_entry_set_size (ar_archive()->archive_entry_set_size)
#define archive_entry_set_uid (ar_archive()->archive_entry_set_uid)
#define archive_entry_size (ar_archive()->archive_entry_size)
#define archive_entry_size_is_set (ar_archive()->archive_entry_size_is_set)
#define archive_entry_symlink (ar_archive()->archive_entry_symlink)
#define archive_entry_uid (ar_archive()->archive_entry_uid)
#define archive_entry_xattr_add_entry (ar_archive()->archive_entry_xattr_add_entry)
#define archive_entry_xattr_next (ar_archive()->archive_entry_xattr_next)
#define archive_entry_xattr_reset (ar_archive()->archive_entry_xattr_reset)
#define archive_errno (ar_archive()->archive_errno)
#define archive_error_string (ar_archive()->archive_error_string)
#define archive_read_data_block (ar_archive()->archive_read_data_block)
#define archive_read_free (ar_archive()->archive_read_free)
#define archive_read_new (ar_archive()->archive_read_new)
#define archive_read_next_header (ar_archive()->archive_read_next_header)
#define archive_read_open (ar_archive()->archive_read_open)
#define archive_read_open_fd (ar_archive()->archive_read_open_fd)
#define archive_read_support_filter_bzip2 (ar_archive()->archive_read_support_filter_bzip2)
#define archive_read_support_filter_gzip (ar_archive()->archive_read_support_filter_gzip)
#define archive_read_support_filter_none (ar_archive()->archive_read_support_filter_none)
#define archive_read_support_filter_xz (ar_archive()->archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (ar_archive()->archive_read_support_filter_zstd)
#define archive_read_support_format_empty (ar_archive()->archive_read_support_format_empty)
#define archive_read_support_format_raw (ar_archive()->archive_read_support_format_raw)
#define archive_read_support_format_tar (ar_archive()->archive_read_support_format_tar)
#define archive_set_error (ar_archive()->archive_set_error)
#define archive_write_add_filter_none (ar_archive()->archive_write_add_filter_none)
#define archive_write_close (ar_archive()->archive_write_close)
#define archive_write_data (ar_archive()->archive_write_data)
#define archive_write_fail (ar_archive()->archive_write_fail)
#define archive_write_free (ar_archive()->archive_write_free)
#define archive_write_header (ar_archive()->archive_write_header)
#define archive_write_new (ar_archive()->archive_write_new)
#define archive_write_open_fd (ar_archive()->archive_write_open_fd)
#define archive_write_set_bytes_in_last_block (ar_archive()->archive_write_set_bytes_in_last_block)
#define archive_write_set_format_option (ar_archive()->archive_write_set_format_option)
#define archive_write_set_format_pax_restricted (ar_archive()->archive_write_set_format_pax_restricted)
#endif

#endif
