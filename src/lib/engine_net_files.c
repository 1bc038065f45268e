/* argon — a container's /etc/hosts, /etc/resolv.conf and /etc/hostname,
 * kept in its dir and bind-mounted by the bundle (docker's three files).
 *
 * hosts: localhost, the container's own address with its hostname and
 * name, --add-host entries, and, on user-defined networks (not the
 * default one, as with docker), every other container of the network by
 * name and aliases. It is rewritten whenever a neighbour joins or leaves,
 * in place: the bind mount holds the inode, a rename would not be seen.
 * resolv.conf: --dns/--dns-search/--dns-option, else the host's minus its
 * loopback nameservers (unreachable from another namespace). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "db.h"
#include "engine_net_priv.h"
#include "engine_priv.h"
#include "prep.h"
#include "util.h"

static const char hosts_head[] = "127.0.0.1\tlocalhost\n"
				 "::1\tlocalhost ip6-localhost ip6-loopback\n"
				 "fe00::0\tip6-localnet\n"
				 "ff00::0\tip6-mcastprefix\n"
				 "ff02::1\tip6-allnodes\n"
				 "ff02::2\tip6-allrouters\n";

/* Replaces the file's content in place (O_NOFOLLOW: the dir is ours). */
static int write_inplace(const char *dir, const char *name, const char *text,
			 struct ar_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return ar_error(err, errno, "open `%s`", path);
	if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
		return ar_error(err, errno, "write `%s`", path);
	return 0;
}

static void addf(char **text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(char **text, const char *fmt, ...)
{
	va_list ap;
	char *more, *t;

	va_start(ap, fmt);
	if (vasprintf(&more, fmt, ap) < 0)
		abort();
	va_end(ap);
	t = xasprintf("%s%s", *text, more);
	free(more);
	free(*text);
	*text = t;
}

/* The hostname config.json gives the container. */
static char *bundle_hostname(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", dir);
	json_object *j = json_object_from_file(path), *h;
	char *name = NULL;

	if (j && json_object_object_get_ex(j, "hostname", &h))
		name = xstrdup(json_object_get_string(h));
	json_object_put(j);
	return name;
}

static const char *container_name(struct engine *e, const char *id, char **owned)
{
	struct container_info c;

	*owned = NULL;
	if (store_container_find(e->store, id, &c, NULL) == 0) {
		*owned = steal_ptr(&c.name);
		container_info_free(&c);
	}
	return *owned ? *owned : id;
}

/* Others on a user-defined network: "IP\tname aliases". */
static char *neighbours(struct engine *e, const struct net_info *n, const char *self, char *text)
{
	struct net_endpoint *eps = NULL;
	size_t count = 0;

	if (strcmp(n->name, NETDB_DEFAULT_NAME) == 0 ||
	    netdb_endpoints_of_network(e->store, n->id, &eps, &count, NULL) < 0)
		return text;
	for (size_t i = 0; i < count; i++) {
		char ip[INET_ADDRSTRLEN];
		_cleanup_free_ char *owned = NULL;

		if (strcmp(eps[i].container_id, self) == 0)
			continue;
		inet_ntop(AF_INET, &eps[i].ip, ip, sizeof ip);
		addf(&text, "%s\t%s", ip, container_name(e, eps[i].container_id, &owned));
		for (size_t k = 0; eps[i].aliases && eps[i].aliases[k]; k++)
			addf(&text, " %s", eps[i].aliases[k]);
		addf(&text, "\n");
	}
	net_endpoints_free(eps, count);
	return text;
}

/* --add-host NAME:IP ("host-gateway": the first network's gateway). */
static char *extra_hosts(json_object *opts, const char *gateway, char *text)
{
	json_object *a;

	if (!json_object_object_get_ex(opts, "ExtraHosts", &a) ||
	    !json_object_is_type(a, json_type_array))
		return text;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *h = json_object_get_string(json_object_array_get_idx(a, i));
		const char *colon = strrchr(h, ':');
		_cleanup_free_ char *name = colon ? strndup(h, (size_t)(colon - h)) : NULL;

		if (!name)
			continue;
		addf(&text, "%s\t%s\n", strcmp(colon + 1, "host-gateway") == 0 ? gateway : colon + 1,
		     name);
	}
	return text;
}

static char *hosts_text(struct engine *e, const struct container_info *c, json_object *opts)
{
	const char *mode = net_mode_of(opts);
	_cleanup_free_ char *hostname = bundle_hostname(c->dir);
	struct net_endpoint *eps = NULL;
	size_t n = 0;
	char gateway[INET_ADDRSTRLEN] = "";
	char *text;

	if (mode && strcmp(mode, "host") == 0) {
		size_t len;
		if (read_file_at(AT_FDCWD, "/etc/hosts", &text, &len, NULL) < 0)
			text = xstrdup(hosts_head);
		return extra_hosts(opts, "127.0.0.1", text);
	}
	text = xstrdup(hosts_head);
	if (netdb_endpoints_of_container(e->store, c->id, &eps, &n, NULL) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		struct net_info ni;
		char ip[INET_ADDRSTRLEN];

		if (netdb_find(e->store, eps[i].network_id, &ni, NULL) < 0)
			continue;
		inet_ntop(AF_INET, &eps[i].ip, ip, sizeof ip);
		if (i == 0) {
			inet_ntop(AF_INET, &ni.gateway, gateway, sizeof gateway);
			addf(&text, "%s\t%s", ip, hostname ? hostname : c->name);
			if (hostname && strcmp(hostname, c->name) != 0)
				addf(&text, " %s", c->name);
			addf(&text, "\n");
		}
		text = neighbours(e, &ni, c->id, text);
		net_info_free(&ni);
	}
	net_endpoints_free(eps, n);
	return extra_hosts(opts, gateway[0] ? gateway : "127.0.0.1", text);
}

static char *resolv_text(json_object *opts, char ***warnings)
{
	const char *mode = net_mode_of(opts);
	json_object *dns, *search, *options;
	char *text = xstrdup(""), *host = NULL;
	size_t len;

	json_object_object_get_ex(opts, "Dns", &dns);
	json_object_object_get_ex(opts, "DnsSearch", &search);
	json_object_object_get_ex(opts, "DnsOptions", &options);
	if (dns && json_object_array_length(dns) > 0) {
		for (size_t i = 0; i < json_object_array_length(dns); i++)
			addf(&text, "nameserver %s\n",
			     json_object_get_string(json_object_array_get_idx(dns, i)));
	} else if (mode && strcmp(mode, "host") == 0) {
		/* In the host's namespace its loopback resolver works. */
		if (read_file_at(AT_FDCWD, "/etc/resolv.conf", &host, &len, NULL) == 0) {
			free(text);
			text = steal_ptr(&host);
		}
	} else {
		_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct ar_err none = { 0 };
		free(text);
		text = NULL;
		if (root < 0 || etc_resolv_conf_text(root, &text, &none) <= 0) {
			if (text == NULL)
				text = xstrdup("");
			if (warnings)
				strv_push(warnings, xstrdup("WARNING: the host's resolv.conf has no "
							    "nameserver a container can reach (only "
							    "loopback ones): the container has none; "
							    "give one with --dns"));
		}
		ar_err_clear(&none);
	}
	if (search && json_object_array_length(search) > 0) {
		addf(&text, "search");
		for (size_t i = 0; i < json_object_array_length(search); i++)
			addf(&text, " %s", json_object_get_string(json_object_array_get_idx(search, i)));
		addf(&text, "\n");
	}
	if (options && json_object_array_length(options) > 0) {
		addf(&text, "options");
		for (size_t i = 0; i < json_object_array_length(options); i++)
			addf(&text, " %s", json_object_get_string(json_object_array_get_idx(options, i)));
		addf(&text, "\n");
	}
	return text;
}

/* Writers of hosts files build them from the database and write them in
 * place: one at a time, or two neighbours joining at once could each
 * write a text that misses the other. */
static int files_lock(struct engine *e)
{
	_cleanup_free_ char *path = xasprintf("%s/hosts.lock", e->state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int net_hosts_write(struct engine *e, const char *id, struct ar_err *err)
{
	_cleanup_close_ int lock = files_lock(e);
	struct container_info c;
	json_object *opts;
	int r;

	if (store_container_find(e->store, id, &c, err) < 0)
		return -1;
	opts = engine_config(e, id);
	_cleanup_free_ char *hosts = hosts_text(e, &c, opts);
	r = write_inplace(c.dir, "hosts", hosts, err);
	json_object_put(opts);
	container_info_free(&c);
	return r;
}

int net_files_write(struct engine *e, const char *id, char ***warnings, struct ar_err *err)
{
	_cleanup_close_ int lock = files_lock(e);
	struct container_info c;
	json_object *opts;
	int r = -1;

	if (store_container_find(e->store, id, &c, err) < 0)
		return -1;
	opts = engine_config(e, id);
	_cleanup_free_ char *hostname = bundle_hostname(c.dir);
	_cleanup_free_ char *hostname_line = xasprintf("%s\n", hostname ? hostname : c.name);
	_cleanup_free_ char *hosts = hosts_text(e, &c, opts);
	_cleanup_free_ char *resolv = resolv_text(opts, warnings);

	if (write_inplace(c.dir, "hostname", hostname_line, err) == 0 &&
	    write_inplace(c.dir, "hosts", hosts, err) == 0 &&
	    write_inplace(c.dir, "resolv.conf", resolv, err) == 0)
		r = 0;
	json_object_put(opts);
	container_info_free(&c);
	return r;
}

void net_hosts_refresh(struct engine *e, char *const *network_ids, const char *except)
{
	for (size_t k = 0; network_ids && network_ids[k]; k++) {
		struct net_endpoint *eps = NULL;
		struct net_info n;
		size_t count = 0;

		if (netdb_find(e->store, network_ids[k], &n, NULL) < 0)
			continue;
		if (strcmp(n.name, NETDB_DEFAULT_NAME) != 0 &&
		    netdb_endpoints_of_network(e->store, n.id, &eps, &count, NULL) == 0) {
			for (size_t i = 0; i < count; i++)
				if (!except || strcmp(eps[i].container_id, except) != 0)
					net_hosts_write(e, eps[i].container_id, NULL);
			net_endpoints_free(eps, count);
		}
		net_info_free(&n);
	}
}

bool engine_net_file_mount(const char *containers_dir, const char *dst, const char *src)
{
	size_t len = strlen(containers_dir);
	const char *id = src + len + 1;

	/* <containers_dir>/<64 hex>/<name> */
	if (strncmp(src, containers_dir, len) != 0 || src[len] != '/' ||
	    strspn(id, "0123456789abcdef") != 64 || id[64] != '/')
		return false;
	for (size_t i = 0; i < STORAGE_NET_FILES; i++)
		if (strncmp(dst, "/etc/", 5) == 0 && strcmp(dst + 5, storage_net_files[i]) == 0 &&
		    strcmp(id + 65, storage_net_files[i]) == 0)
			return true;
	return false;
}
