/* argon — what netdb.c (networks) and netdb_ipam.c (endpoints, the
 * addresses handed out) share: host-order arithmetic on IPv4 addresses,
 * in uint64_t where one past 255.255.255.255 must not wrap. */
#ifndef ARGON_NETDB_PRIV_H
#define ARGON_NETDB_PRIV_H

#include <arpa/inet.h>
#include <stdint.h>

static inline uint32_t mask_of(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static inline uint32_t host_order(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static inline struct in_addr net_order(uint64_t h)
{
	return (struct in_addr){ .s_addr = htonl((uint32_t)h) };
}

static inline const char *ip_str(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

#endif
