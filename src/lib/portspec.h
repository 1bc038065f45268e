/* argon — docker's port flags: `-p [IP:][HOSTPORT:]CPORT[/tcp|udp]`
 * (ports may be ranges, HOSTPORT may be empty for a random one),
 * `--expose PORT[-END][/proto]` and the image's ExposedPorts ("80/tcp").
 * IPv6 host addresses are refused (argon's networks are IPv4). */
#ifndef ARGON_PORTSPEC_H
#define ARGON_PORTSPEC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct port_map {
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct in_addr host_ip;	/* network byte order; INADDR_ANY: every address */
	uint16_t host_port;	/* 0: a random free one, chosen at start */
	uint16_t ctr_port;
};

/* Appends the mappings of one -p value to *maps (realloc'd). A range
 * expands to one mapping per port: "8000-8001:80-81" gives two, and a
 * host range with a single container port is refused as docker's
 * `8000-8001:80` is ambiguous here. Errors name the value:
 * "invalid argument `x` for -p: ...". */
int portspec_parse(const char *spec, struct port_map **maps, size_t *n, struct ar_err *err);

/* One exposed port: "80", "80/udp", "8000-8002/tcp" (--expose, and the
 * keys of an image's ExposedPorts). Appends {INADDR_ANY, 0, port} per
 * port, for -P. */
int portspec_parse_expose(const char *spec, struct port_map **maps, size_t *n,
			  struct ar_err *err);

/* "tcp" / "udp". */
const char *portspec_proto_name(int proto);

#endif
