/* Unit tests for src/lib/portspec.c: docker's -p and --expose forms, and
 * the values they refuse (each error names the value). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "portspec.h"
#include "unit.h"
#include "util.h"

/* Parses one -p value into a fresh list. */
static int parse(const char *spec, struct port_map **maps, size_t *n, struct ar_err *err)
{
	*maps = NULL;
	*n = 0;
	return portspec_parse(spec, maps, n, err);
}

static bool map_is(const struct port_map *m, int proto, const char *ip, uint16_t host,
		   uint16_t ctr)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	return m->proto == proto && m->host_ip.s_addr == a.s_addr && m->host_port == host &&
	       m->ctr_port == ctr;
}

static void test_container_port_only(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("80", &m, &n, NULL) == 0);
	CHECK(n == 1);
	CHECK(map_is(&m[0], IPPROTO_TCP, "0.0.0.0", 0, 80));
}

static void test_host_and_container(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("8080:80", &m, &n, NULL) == 0);
	CHECK(n == 1);
	CHECK(map_is(&m[0], IPPROTO_TCP, "0.0.0.0", 8080, 80));
}

static void test_udp(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("8080:80/udp", &m, &n, NULL) == 0);
	CHECK(n == 1);
	CHECK(map_is(&m[0], IPPROTO_UDP, "0.0.0.0", 8080, 80));
	CHECK_STR(portspec_proto_name(m[0].proto), "udp");
	CHECK_STR(portspec_proto_name(IPPROTO_TCP), "tcp");
}

static void test_host_ip(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("127.0.0.1:8080:80", &m, &n, NULL) == 0);
	CHECK(n == 1);
	CHECK(map_is(&m[0], IPPROTO_TCP, "127.0.0.1", 8080, 80));
}

static void test_host_ip_random_port(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("127.0.0.1::80", &m, &n, NULL) == 0);
	CHECK(n == 1);
	CHECK(map_is(&m[0], IPPROTO_TCP, "127.0.0.1", 0, 80));
}

static void test_any_ip_tcp(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("0.0.0.0:8080:80/tcp", &m, &n, NULL) == 0);
	CHECK(n == 1);
	CHECK(map_is(&m[0], IPPROTO_TCP, "0.0.0.0", 8080, 80));
}

static void test_ranges(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("8000-8002:80-82", &m, &n, NULL) == 0);
	CHECK(n == 3);
	CHECK(map_is(&m[0], IPPROTO_TCP, "0.0.0.0", 8000, 80));
	CHECK(map_is(&m[1], IPPROTO_TCP, "0.0.0.0", 8001, 81));
	CHECK(map_is(&m[2], IPPROTO_TCP, "0.0.0.0", 8002, 82));
}

static void test_container_range_random_hosts(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("80-82/udp", &m, &n, NULL) == 0);
	CHECK(n == 3);
	for (size_t i = 0; i < 3; i++)
		CHECK(map_is(&m[i], IPPROTO_UDP, "0.0.0.0", 0, (uint16_t)(80 + i)));
}

static void test_appends(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n;

	CHECK(parse("80", &m, &n, NULL) == 0);
	CHECK(portspec_parse("9000-9001:90-91/udp", &m, &n, NULL) == 0);
	CHECK(n == 3);
	CHECK(map_is(&m[0], IPPROTO_TCP, "0.0.0.0", 0, 80));
	CHECK(map_is(&m[2], IPPROTO_UDP, "0.0.0.0", 9001, 91));
	/* A refused value leaves the list as it was. */
	CHECK(portspec_parse("70000", &m, &n, NULL) < 0);
	CHECK(n == 3);
}

/* `spec` is refused with EINVAL and a message holding each of `words`. */
#define REFUSED(spec, ...) do { \
	_cleanup_free_ struct port_map *m_ = NULL; \
	size_t n_ = 0; \
	struct ar_err e_ = { 0 }; \
	const char *w_[] = { __VA_ARGS__, NULL }; \
	int r_ = portspec_parse(spec, &m_, &n_, &e_); \
	if (r_ == 0 || e_.errnum != EINVAL || n_ != 0) { \
		fprintf(stderr, "  `%s` not refused: %s\n", spec, e_.msg ? e_.msg : "no error"); \
		ar_err_clear(&e_); \
		CHECK(0); \
	} \
	for (size_t i_ = 0; w_[i_]; i_++) { \
		if (!strstr(e_.msg, w_[i_])) { \
			fprintf(stderr, "  `%s` lacks `%s`\n", e_.msg, w_[i_]); \
			ar_err_clear(&e_); \
			CHECK(0); \
		} \
	} \
	ar_err_clear(&e_); \
} while (0)

static void test_ipv6_refused(void)
{
	REFUSED("[::1]:80:80", "`[::1]:80:80`", "IPv6", "not supported");
	REFUSED("::1:80:80", "IPv6");
}

static void test_bad_ports_refused(void)
{
	REFUSED("0", "`0`", "-p");
	REFUSED("65536", "`65536`");
	REFUSED("x", "`x`");
	REFUSED("8080:0", "`0`");
	REFUSED("65536:80", "`65536`");
	REFUSED("127.0.0.1:x:80", "`x`");
	REFUSED("82-80", "`82-80`");
	REFUSED("8080:", "no container port");
	REFUSED("-80", "`-80`");
	REFUSED("80 ", "`80 `");
}

static void test_proto_refused(void)
{
	REFUSED("80/sctp", "`sctp`", "only tcp and udp");
	REFUSED("80/", "only tcp and udp");
}

static void test_bad_host_ip_refused(void)
{
	REFUSED("300.1.1.1:80:80", "`300.1.1.1`");
	REFUSED("localhost:80:80", "`localhost`");
}

static void test_host_range_single_ctr_refused(void)
{
	REFUSED("8000-8002:80", "`8000-8002:80`", "same size");
	REFUSED("8000-8001:80-82", "same size");
	REFUSED("8000:80-82", "same size");
}

static void test_expose(void)
{
	_cleanup_free_ struct port_map *m = NULL;
	size_t n = 0;
	struct ar_err err = { 0 };

	CHECK(portspec_parse_expose("80", &m, &n, NULL) == 0);
	CHECK(portspec_parse_expose("80/udp", &m, &n, NULL) == 0);
	CHECK(portspec_parse_expose("8000-8002", &m, &n, NULL) == 0);
	CHECK(portspec_parse_expose("53/tcp", &m, &n, NULL) == 0);
	CHECK(n == 6);
	CHECK(map_is(&m[0], IPPROTO_TCP, "0.0.0.0", 0, 80));
	CHECK(map_is(&m[1], IPPROTO_UDP, "0.0.0.0", 0, 80));
	CHECK(map_is(&m[2], IPPROTO_TCP, "0.0.0.0", 0, 8000));
	CHECK(map_is(&m[4], IPPROTO_TCP, "0.0.0.0", 0, 8002));
	CHECK(map_is(&m[5], IPPROTO_TCP, "0.0.0.0", 0, 53));

	CHECK(portspec_parse_expose("0", &m, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "`0`");
	CHECK_CONTAINS(err.msg, "--expose");
	ar_err_clear(&err);
	CHECK(portspec_parse_expose("80/sctp", &m, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "only tcp and udp");
	ar_err_clear(&err);
	CHECK(portspec_parse_expose("8080:80", &m, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "`8080:80`");
	ar_err_clear(&err);
	CHECK(n == 6);
}

UNIT_MAIN(UNIT(test_container_port_only), UNIT(test_host_and_container), UNIT(test_udp),
	  UNIT(test_host_ip), UNIT(test_host_ip_random_port), UNIT(test_any_ip_tcp),
	  UNIT(test_ranges), UNIT(test_container_range_random_hosts), UNIT(test_appends),
	  UNIT(test_ipv6_refused), UNIT(test_bad_ports_refused), UNIT(test_proto_refused),
	  UNIT(test_bad_host_ip_refused), UNIT(test_host_range_single_ctr_refused),
	  UNIT(test_expose))
