/* Unit tests for src/lib/timeparse.c: docker's --since/--until forms (Go
 * durations, RFC 3339 with and without zone, Unix seconds), what is
 * refused, and the RFC3339Nano output. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "timeparse.h"
#include "unit.h"
#include "util.h"

#define S 1000000000LL
#define NOW (1795255200LL * S + 123)	/* 2026-11-21T10:00:00Z + 123 ns */

static int parses(const char *s, int64_t *out)
{
	struct ar_err err = { 0 };
	int r = time_parse(s, NOW, out, &err);

	ar_err_clear(&err);
	return r;
}

static void test_durations(void)
{
	static const struct {
		const char *s;
		int64_t ns;
	} ok[] = {
		{ "10m", 600 * S }, { "1h30m", 5400 * S }, { "45s", 45 * S }, { "1.5s", 1500000000 },
		{ ".5s", 500000000 }, { "1.s", S }, { "300ms", 300000000 }, { "2us", 2000 },
		{ "2\xc2\xb5s", 2000 }, { "7ns", 7 }, { "-5m", -300 * S }, { "+2h", 7200 * S },
		{ "0", 0 }, { "1h0m0.25s", 3600 * S + 250000000 }, { "2562047h", 2562047LL * 3600 * S },
	};
	static const char *const bad[] = {
		"", "5", "m", "1x", "1hh", ".s", "1h-2m", "--1s", "1 s", "99999999999h", "2562048h", "s1",
	};
	int64_t v;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		v = -42;
		if (duration_parse(ok[i].s, &v) < 0 || v != ok[i].ns)
			fprintf(stderr, "  duration `%s`: %lld\n", ok[i].s, (long long)v);
		CHECK(duration_parse(ok[i].s, &v) == 0 && v == ok[i].ns);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (duration_parse(bad[i], &v) == 0)
			fprintf(stderr, "  `%s` parsed as a duration\n", bad[i]);
		CHECK(duration_parse(bad[i], &v) < 0);
	}
}

static void test_relative(void)
{
	int64_t v;

	CHECK(parses("10m", &v) == 0 && v == NOW - 600 * S);
	CHECK(parses("1h30m", &v) == 0 && v == NOW - 5400 * S);
	CHECK(parses("0s", &v) == 0 && v == NOW);
	CHECK(parses("-1m", &v) == 0 && v == NOW + 60 * S);	/* the future */
	CHECK(parses("0", &v) == 0 && v == 0);			/* the epoch, as docker */
}

static void test_unix(void)
{
	int64_t v;

	CHECK(parses("1700000000", &v) == 0 && v == 1700000000LL * S);
	CHECK(parses("1700000000.5", &v) == 0 && v == 1700000000LL * S + 500000000);
	CHECK(parses("1700000000.123456789", &v) == 0 && v == 1700000000LL * S + 123456789);
	CHECK(parses("1700000000.000000001", &v) == 0 && v == 1700000000LL * S + 1);
	CHECK(parses("1700000000.1234567891", &v) < 0);	/* past ns */
	CHECK(parses("1700000000.", &v) < 0);
	CHECK(parses("17e8", &v) < 0);
	CHECK(parses("99999999999999999999", &v) < 0);
}

static void test_rfc3339_zone(void)
{
	const int64_t day = 1795219200LL * S;	/* 2026-11-21T00:00:00Z */
	int64_t v;

	CHECK(parses("2026-11-21T10:00:00Z", &v) == 0 && v == day + 10 * 3600 * S);
	CHECK(parses("2026-11-21T10:00:00.123456789Z", &v) == 0 &&
	      v == day + 10 * 3600 * S + 123456789);
	CHECK(parses("2026-11-21T10:00:00.5Z", &v) == 0 && v == day + 10 * 3600 * S + 500000000);
	CHECK(parses("2026-11-21T11:30:00+01:30", &v) == 0 && v == day + 10 * 3600 * S);
	CHECK(parses("2026-11-21T05:00:00-05:00", &v) == 0 && v == day + 10 * 3600 * S);
	CHECK(parses("2026-11-21T10:30Z", &v) == 0 && v == day + 10 * 3600 * S + 1800 * S);
	CHECK(parses("2026-11-21T10Z", &v) == 0 && v == day + 10 * 3600 * S);
	CHECK(parses("2026-11-21Z", &v) == 0 && v == day);
	CHECK(parses("2024-02-29T23:59:59Z", &v) == 0 && v == 1709251199LL * S);
}

/* Without a zone: local time, as docker's ParseInLocation. */
static void test_rfc3339_local(void)
{
	const int64_t day = 1795219200LL * S;
	const char *tz = getenv("TZ");
	_cleanup_free_ char *saved = tz ? xstrdup(tz) : NULL;
	int64_t v1, v2, v3;
	int r1, r2, r3;

	setenv("TZ", "EST5", 1);	/* UTC-5, no DST */
	tzset();
	r1 = parses("2026-11-21T10:00:00", &v1);
	r2 = parses("2026-11-21", &v2);
	r3 = parses("2026-11-21T10:00:00.25", &v3);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	CHECK(r1 == 0 && v1 == day + 15 * 3600 * S);
	CHECK(r2 == 0 && v2 == day + 5 * 3600 * S);
	CHECK(r3 == 0 && v3 == day + 15 * 3600 * S + 250000000);
}

static void test_bad_times(void)
{
	static const char *const bad[] = {
		"", "yesterday", "now", "2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31",
		"2026-11-21T24:00:00Z", "2026-11-21T10:60:00Z", "2026-11-21T10:00:60Z",
		"2026-11-21T10:00:00.Z", "2026-11-21T10:00:00.1234567891Z", "2026-11-21 10:00:00",
		"2026-11-21T10:00:00+1:00", "2026-11-21T10:00:00+01", "2026-11-21T1", "26-11-21",
		"2026-11-21T10:00:00Zjunk", "12abc", "-", "1.5.5",
	};
	struct ar_err err = { 0 };
	int64_t v;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parses(bad[i], &v) == 0)
			fprintf(stderr, "  `%s` parsed: %lld\n", bad[i], (long long)v);
		CHECK(parses(bad[i], &v) < 0);
	}
	CHECK(time_parse("yesterday", NOW, &v, &err) < 0);
	CHECK(err.errnum == EINVAL);
	CHECK_CONTAINS(err.msg, "invalid time `yesterday`");
	ar_err_clear(&err);
}

static void test_format(void)
{
	char buf[TIME_NANO_LEN];
	int64_t v;

	time_format_nano(1700000000LL * S + 123456789, buf);
	CHECK_STR(buf, "2023-11-14T22:13:20.123456789Z");
	time_format_nano(1700000000LL * S + 5, buf);
	CHECK_STR(buf, "2023-11-14T22:13:20.000000005Z");
	/* and back */
	CHECK(parses(buf, &v) == 0 && v == 1700000000LL * S + 5);
}

UNIT_MAIN(UNIT(test_durations), UNIT(test_relative), UNIT(test_unix), UNIT(test_rfc3339_zone),
	  UNIT(test_rfc3339_local), UNIT(test_bad_times), UNIT(test_format))
