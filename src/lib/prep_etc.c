/* argon — the minimal configuration of a prepared layer: wincon's
 * "hives" (the registry a container boots with) as /etc files.
 *
 * A file at these paths may be a hard link to the host's own file (a
 * manifest that links /etc): writing into it would write the host's. So
 * every file is unlinked first and created anew with O_EXCL|O_NOFOLLOW;
 * nothing here ever opens an existing layer file for writing.
 */
/* prep.h uses size_t without including <stddef.h>. */
#include <stddef.h>

#include "prep.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"
#include "util.h"

#define RESOLV_CONF_MAX (64 * 1024)

static const char etc_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char etc_group[] = "root:x:0:\nnogroup:x:65534:\n";
static const char etc_hostname[] = "argon\n";
static const char etc_hosts[] =
	"127.0.0.1\tlocalhost\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n";
/* Local files only: a container has no nss daemons (sssd, ldap). */
static const char etc_nsswitch[] =
	"passwd:         files\n"
	"group:          files\n"
	"shadow:         files\n"
	"gshadow:        files\n"
	"hosts:          files dns\n"
	"networks:       files\n"
	"protocols:      files\n"
	"services:       files\n"
	"ethers:         files\n"
	"rpc:            files\n"
	"netgroup:       files\n";

/* Creates etc/<name> afresh: whatever was there (maybe the host's inode)
 * is unlinked, never written. */
static int etc_write(int etcfd, const char *name, const char *data, size_t len,
		     struct ar_err *err)
{
	_cleanup_close_ int fd = -1;

	if (unlinkat(etcfd, name, 0) < 0 && errno != ENOENT)
		return ar_error(err, errno, "replace `etc/%s`", name);
	fd = openat(etcfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0644);
	if (fd < 0)
		return ar_error(err, errno, "create `etc/%s`", name);
	if (write_all(fd, data, len) < 0)
		return ar_error(err, errno, "write `etc/%s`", name);
	/* fchmod after fchown: the umask must not decide the mode. */
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0)
		return ar_error(err, errno, "set the owner and mode of `etc/%s`", name);
	return 0;
}

static int etc_write_str(int etcfd, const char *name, const char *s, struct ar_err *err)
{
	return etc_write(etcfd, name, s, strlen(s), err);
}

/* The layer's etc directory, created when missing; a symlink there is
 * refused (it could point into the host). */
static int etc_open(int layerfd, struct ar_err *err)
{
	int fd = openat(layerfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(layerfd, "etc", 0755) < 0 && errno != EEXIST)
			return ar_error(err, errno, "create `etc` in the layer");
		fd = openat(layerfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && (fchown(fd, 0, 0) < 0 || fchmod(fd, 0755) < 0)) {
			int e = errno;
			close(fd);
			return ar_error(err, e, "set the owner and mode of `etc` in the layer");
		}
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return ar_error(err, errno, "layer `etc` is not a directory, refusing");
	if (fd < 0)
		return ar_error(err, errno, "open `etc` in the layer");
	return fd;
}

/* Loopback nameservers (systemd-resolved's 127.0.0.53, dnsmasq's
 * 127.0.0.1, ::1) are the host's own and unreachable from a container. */
static bool address_is_loopback(const char *addr)
{
	_cleanup_free_ char *a = xstrdup(addr);
	unsigned char buf[16];
	char *zone = strchr(a, '%');

	if (zone)
		*zone = '\0';
	if (inet_pton(AF_INET, a, buf) == 1)
		return buf[0] == 127;
	if (inet_pton(AF_INET6, a, buf) != 1)
		return true;	/* unusable anyway: treat like loopback, drop it */
	if (memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0)
		return true;
	/* ::ffff:127.x.y.z, IPv4-mapped loopback */
	return memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 && buf[12] == 127;
}

/* Appends the lines of `text` worth keeping to *out: non-loopback
 * nameservers, search, domain, options. Returns the nameservers kept. */
static unsigned etc_resolv_filter(char *text, char **out)
{
	unsigned kept = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char word[16], addr[64];
		char *old = *out;
		size_t len = strcspn(line, "\r");

		line[len] = '\0';
		if (sscanf(line, "%15s %63s", word, addr) != 2)
			continue;
		if (strcmp(word, "nameserver") == 0) {
			if (address_is_loopback(addr))
				continue;
			kept++;
		} else if (strcmp(word, "search") != 0 && strcmp(word, "domain") != 0 &&
			   strcmp(word, "options") != 0) {
			continue;
		}
		*out = xasprintf("%s%s\n", old, line);
		free(old);
	}
	return kept;
}

/* Reads a host file through hostfd without leaving it: symlinks (the
 * usual /etc/resolv.conf -> ../run/...) resolve inside hostfd. A missing
 * file gives NULL and 0. */
static int host_read_small(int hostfd, const char *path, char **out, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char *buf;
	ssize_t n;

	*out = NULL;
	fd = resolve_open(hostfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, err);
	if (fd < 0 && err->errnum == ENOENT) {
		ar_err_clear(err);
		return 0;
	}
	if (fd < 0)
		return ar_err_prefix(err, "read the host's `%s`", path);
	if (fstat(fd, &st) < 0)
		return ar_error(err, errno, "stat the host's `%s`", path);
	if (!S_ISREG(st.st_mode))
		return ar_error(err, 0, "the host's `%s` is not a regular file", path);
	buf = xmalloc(RESOLV_CONF_MAX + 1);
	n = read_all(fd, buf, RESOLV_CONF_MAX);
	if (n < 0) {
		int saved = errno;
		free(buf);
		return ar_error(err, saved, "read the host's `%s`", path);
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* The host's resolver setup minus what only works on the host. When the
 * host runs systemd-resolved (a loopback stub), its upstream servers are
 * in /run/systemd/resolve/resolv.conf, as Docker reads them too. */
int etc_resolv_conf_text(int hostfd, char **out, struct ar_err *err)
{
	static const char *const sources[] = {
		"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf",
	};

	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_free_ char *kept = xstrdup("");

		if (host_read_small(hostfd, sources[i], &text, err) < 0)
			return -1;
		unsigned n = text ? etc_resolv_filter(text, &kept) : 0;
		if (n > 0) {
			*out = xasprintf("# from the host's %s, loopback servers left out\n%s",
					 sources[i], kept);
			return (int)n;
		}
	}
	*out = xstrdup("# argon: the host has no nameserver a container can reach\n"
		       "# (none but loopback ones); add one here\n");
	return 0;
}

static int machine_id_text(const char *seed_hex, char out[34], struct ar_err *err)
{
	size_t i;

	for (i = 0; seed_hex && i < 32 && isxdigit((unsigned char)seed_hex[i]); i++)
		out[i] = (char)tolower((unsigned char)seed_hex[i]);
	if (i < 32)
		return ar_error(err, 0, "machine-id seed `%s`: need 32 hex digits",
				seed_hex ? seed_hex : "");
	out[32] = '\n';
	out[33] = '\0';
	return 0;
}

int prep_write_minimal_etc(int hostfd, int layerfd, const char *seed_hex, struct ar_err *err)
{
	_cleanup_close_ int etcfd = -1;
	_cleanup_free_ char *resolv = NULL;
	char machine_id[34];

	if (machine_id_text(seed_hex, machine_id, err) < 0 ||
	    etc_resolv_conf_text(hostfd, &resolv, err) < 0)
		return -1;
	etcfd = etc_open(layerfd, err);
	if (etcfd < 0)
		return -1;
	if (etc_write_str(etcfd, "passwd", etc_passwd, err) < 0 ||
	    etc_write_str(etcfd, "group", etc_group, err) < 0 ||
	    etc_write_str(etcfd, "hostname", etc_hostname, err) < 0 ||
	    etc_write_str(etcfd, "hosts", etc_hosts, err) < 0 ||
	    etc_write_str(etcfd, "resolv.conf", resolv, err) < 0 ||
	    etc_write_str(etcfd, "nsswitch.conf", etc_nsswitch, err) < 0 ||
	    etc_write_str(etcfd, "machine-id", machine_id, err) < 0)
		return -1;
	return 0;
}
