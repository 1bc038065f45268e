/* argon — docker's time arguments: Go durations, RFC 3339 times, Unix
 * seconds (timeparse.h). Parsed by hand: strptime would accept more than
 * docker does (no fraction, spaces, a month name) and nothing of a zone. */
#define _GNU_SOURCE
#include "timeparse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

/* ------------------------------------------------------------ durations */

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
	{ "ms", 1000000 }, { "s", NS_PER_S }, { "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One "<number>[.<fraction>]<unit>" element of a duration, in ns. */
static int duration_element(const char **sp, uint64_t *out)
{
	const char *s = *sp, *unit;
	uint64_t v = 0, mult = 0;
	double frac = 0, scale = 1;
	bool pre = false, post = false;

	for (; is_digit(*s); s++, pre = true) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.')
		for (s++; is_digit(*s); s++, post = true)
			frac += (*s - '0') / (scale *= 10);
	if (!pre && !post)
		return -1;
	for (unit = s; *s && *s != '.' && !is_digit(*s); s++)
		;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].name) == (size_t)(s - unit) &&
		    memcmp(units[i].name, unit, (size_t)(s - unit)) == 0)
			mult = units[i].ns;
	if (mult == 0 || v > (uint64_t)INT64_MAX / mult)
		return -1;
	*out = v * mult + (uint64_t)(frac * (double)mult);
	*sp = s;
	return 0;
}

int duration_parse(const char *s, int64_t *out_ns)
{
	uint64_t total = 0, v;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out_ns = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s) {
		if (duration_element(&s, &v) < 0 || v > (uint64_t)INT64_MAX - total)
			return -1;
		total += v;
	}
	*out_ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* ------------------------------------------------------------ RFC 3339 */

/* Exactly n digits. */
static int take_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (!is_digit(**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

static int take_char(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* "T15", "T15:04", "T15:04:05", "T15:04:05.999999999" after the date. */
static int parse_clock(const char **p, struct tm *tm, int64_t *ns)
{
	int64_t scale = 100000000;

	if (take_digits(p, 2, &tm->tm_hour) < 0)
		return -1;
	if (take_char(p, ':') < 0)
		return 0;
	if (take_digits(p, 2, &tm->tm_min) < 0)
		return -1;
	if (take_char(p, ':') < 0)
		return 0;
	if (take_digits(p, 2, &tm->tm_sec) < 0)
		return -1;
	if (take_char(p, '.') < 0)
		return 0;
	if (!is_digit(**p))
		return -1;
	for (; is_digit(**p); (*p)++, scale /= 10) {
		if (scale == 0)
			return -1;	/* more than 9 digits */
		*ns += (**p - '0') * scale;
	}
	return 0;
}

/* "Z" or "+07:00"/"-07:00": *off in seconds east of UTC. 0 when there is
 * no zone (*has_zone false). */
static int parse_zone(const char **p, bool *has_zone, int *off)
{
	int h, m, sign = **p == '-' ? -1 : 1;

	*has_zone = true;
	if (take_char(p, 'Z') == 0)
		return 0;
	if (**p != '+' && **p != '-') {
		*has_zone = false;
		return 0;
	}
	(*p)++;
	if (take_digits(p, 2, &h) < 0 || take_char(p, ':') < 0 || take_digits(p, 2, &m) < 0 ||
	    h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

static int parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	const char *p = s;
	int64_t ns = 0;
	int off = 0;
	bool has_zone;
	time_t t;

	if (take_digits(&p, 4, &tm.tm_year) < 0 || take_char(&p, '-') < 0 ||
	    take_digits(&p, 2, &tm.tm_mon) < 0 || take_char(&p, '-') < 0 ||
	    take_digits(&p, 2, &tm.tm_mday) < 0)
		return -1;
	if (take_char(&p, 'T') == 0 && parse_clock(&p, &tm, &ns) < 0)
		return -1;
	if (parse_zone(&p, &has_zone, &off) < 0 || *p != '\0')
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in_month(tm.tm_year, tm.tm_mon) || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 59)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	t = has_zone ? timegm(&tm) - off : mktime(&tm);
	*out = (int64_t)t * NS_PER_S + ns;
	return 0;
}

/* ------------------------------------------------------------ Unix seconds */

static int parse_unix(const char *s, int64_t *out)
{
	int64_t sec = 0, ns = 0, scale = 100000000;
	const char *p = s;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		sec = sec * 10 + (*p - '0');
		if (sec > INT64_MAX / NS_PER_S - 1)
			return -1;
	}
	if (*p == '.') {
		if (!is_digit(*++p))
			return -1;
		for (; is_digit(*p); p++, scale /= 10) {
			if (scale == 0)
				return -1;
			ns += (*p - '0') * scale;
		}
	}
	if (*p != '\0')
		return -1;
	*out = sec * NS_PER_S + ns;
	return 0;
}

int time_parse(const char *s, int64_t now_ns, int64_t *out_ns, struct ar_err *err)
{
	int64_t d;

	/* docker's order: a duration first ("0" excepted), then a date when
	 * there is a '-', else Unix seconds. */
	if (strcmp(s, "0") != 0 && duration_parse(s, &d) == 0) {
		if ((d > 0 && now_ns < INT64_MIN + d) || (d < 0 && now_ns > INT64_MAX + d))
			return ar_fail(err, EINVAL, "invalid time `%s`: out of range", s);
		*out_ns = now_ns - d;
		return 0;
	}
	if (strchr(s, '-') ? parse_rfc3339(s, out_ns) == 0 : parse_unix(s, out_ns) == 0)
		return 0;
	return ar_fail(err, EINVAL, "invalid time `%s`: not a duration (10m, 1h30m), an RFC 3339 "
		       "time (2006-01-02T15:04:05Z) or Unix seconds", s);
}

void time_format_nano(int64_t ns, char buf[TIME_NANO_LEN])
{
	time_t sec = (time_t)(ns / NS_PER_S);
	long frac = (long)(ns % NS_PER_S);
	char day[20] = "";	/* 1677..2262: four-digit years */
	struct tm tm;

	if (frac < 0) {
		frac += NS_PER_S;
		sec--;
	}
	gmtime_r(&sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, TIME_NANO_LEN, "%s.%09ldZ", day, frac);
}
