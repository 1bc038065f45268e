/* argon — docker's port flags (portspec.h): -p and --expose values and an
 * image's ExposedPorts keys, parsed into one mapping per port. A value is
 * checked whole before anything is appended, so a refused value leaves
 * the list as it was. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "portspec.h"
#include "util.h"

const char *portspec_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_TCP ? "tcp" : "unknown";
}

/* An inclusive range of ports; a single port is first == last. */
struct port_range {
	uint16_t first, last;
};

static unsigned range_size(struct port_range r)
{
	return (unsigned)r.last - r.first + 1;
}

/* One port, 1-65535, digits only. */
static int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* "N" or "N-M" with N <= M. */
static int parse_range(const char *s, struct port_range *r)
{
	_cleanup_free_ char *first = xstrdup(s);
	char *dash = strchr(first, '-');

	if (dash)
		*dash = '\0';
	if (parse_port(first, &r->first) < 0)
		return -1;
	r->last = r->first;
	if (dash && (parse_port(dash + 1, &r->last) < 0 || r->last < r->first))
		return -1;
	return 0;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Splits "/proto" off `s` (changed in place). */
static int parse_proto(char *s, int *proto, const char *spec, const char *flag,
		       struct ar_err *err)
{
	char *slash = strrchr(s, '/');

	*proto = IPPROTO_TCP;
	if (slash == NULL)
		return 0;
	*slash = '\0';
	if (strcasecmp(slash + 1, "tcp") == 0)
		return 0;
	if (strcasecmp(slash + 1, "udp") == 0) {
		*proto = IPPROTO_UDP;
		return 0;
	}
	return ar_fail(err, EINVAL, "invalid argument `%s` for %s: unsupported protocol `%s` "
			"(only tcp and udp)", spec, flag, slash + 1);
}

static int bad_port(const char *spec, const char *flag, const char *bad, struct ar_err *err)
{
	return ar_fail(err, EINVAL, "invalid argument `%s` for %s: invalid port `%s` (a port is "
			"1-65535, a range N-M)", spec, flag, bad);
}

static void append(struct port_map **maps, size_t *n, int proto, struct in_addr ip,
		   struct port_range host, struct port_range ctr)
{
	unsigned count = range_size(ctr);

	*maps = xrealloc(*maps, (*n + count) * sizeof **maps);
	for (unsigned i = 0; i < count; i++) {
		struct port_map *m = &(*maps)[*n + i];
		m->proto = proto;
		m->host_ip = ip;
		m->host_port = host.first ? (uint16_t)(host.first + i) : 0;
		m->ctr_port = (uint16_t)(ctr.first + i);
	}
	*n += count;
}

/* The host address of "IP:HOST:CTR" ("" is every address). */
static int parse_host_ip(const char *s, struct in_addr *ip, const char *spec,
			 struct ar_err *err)
{
	ip->s_addr = htonl(INADDR_ANY);
	if (s[0] == '\0')
		return 0;
	if (strchr(s, ':') || s[0] == '[')
		goto ipv6;
	if (inet_pton(AF_INET, s, ip) != 1)
		return ar_fail(err, EINVAL, "invalid argument `%s` for -p: invalid host address "
				"`%s`", spec, s);
	return 0;
ipv6:
	return ar_fail(err, EINVAL, "invalid argument `%s` for -p: IPv6 host addresses are "
			"not supported (argon's networks are IPv4)", spec);
}

int portspec_parse(const char *spec, struct port_map **maps, size_t *n, struct ar_err *err)
{
	_cleanup_free_ char *buf = xstrdup(spec);
	char *ip_part = NULL, *host_part = NULL, *ctr_part, *colon;
	struct port_range host = { 0, 0 }, ctr;
	struct in_addr ip;
	int proto;

	/* "[::1]:80:80" and bare "::1:80:80": a bracket or more than two
	 * colons can only be an IPv6 address. */
	if (spec[0] == '[' || count_char(spec, ':') > 2)
		return parse_host_ip("[", &ip, spec, err);
	if (parse_proto(buf, &proto, spec, "-p", err) < 0)
		return -1;
	ctr_part = buf;
	colon = strrchr(buf, ':');
	if (colon) {
		*colon = '\0';
		ctr_part = colon + 1;
		host_part = buf;
		colon = strrchr(buf, ':');
		if (colon) {
			*colon = '\0';
			host_part = colon + 1;
			ip_part = buf;
		}
	}
	if (ip_part && parse_host_ip(ip_part, &ip, spec, err) < 0)
		return -1;
	if (ip_part == NULL)
		ip.s_addr = htonl(INADDR_ANY);
	if (ctr_part[0] == '\0')
		return ar_fail(err, EINVAL, "invalid argument `%s` for -p: no container port",
				spec);
	if (parse_range(ctr_part, &ctr) < 0)
		return bad_port(spec, "-p", ctr_part, err);
	if (host_part && host_part[0] != '\0') {
		if (parse_range(host_part, &host) < 0)
			return bad_port(spec, "-p", host_part, err);
		if (range_size(host) != range_size(ctr))
			return ar_fail(err, EINVAL, "invalid argument `%s` for -p: the host port "
					"range and the container port range must be of the same "
					"size", spec);
	}
	append(maps, n, proto, ip, host, ctr);
	return 0;
}

int portspec_parse_expose(const char *spec, struct port_map **maps, size_t *n,
			  struct ar_err *err)
{
	_cleanup_free_ char *buf = xstrdup(spec);
	struct port_range ports, none = { 0, 0 };
	int proto;

	if (parse_proto(buf, &proto, spec, "--expose", err) < 0)
		return -1;
	if (buf[0] == '\0')
		return ar_fail(err, EINVAL, "invalid argument `%s` for --expose: no port", spec);
	if (parse_range(buf, &ports) < 0)
		return bad_port(spec, "--expose", buf, err);
	append(maps, n, proto, (struct in_addr){ .s_addr = htonl(INADDR_ANY) }, none, ports);
	return 0;
}
