/* argon — docker's time arguments (--since and --until of `argon events`
 * and `argon logs`) and the RFC 3339 times of its records. */
#ifndef ARGON_TIMEPARSE_H
#define ARGON_TIMEPARSE_H

#include <stdint.h>

#include "error.h"

/* A time as docker's CLI takes it, as ns since the epoch:
 *   - a Go duration before `now_ns`: "10m", "1h30m", "1.5s", "300ms"
 *     ("-5m" is five minutes after now);
 *   - RFC 3339 with an optional fraction and zone:
 *     "2026-11-21T10:00:00.5Z", "2026-11-21T10:00:00+01:00", and the
 *     shorter "2026-11-21T10", "2026-11-21T10:00", "2026-11-21" (without
 *     a zone the time is local, as docker's);
 *   - Unix seconds with an optional fraction: "1700000000.123456789"
 *     ("0" is the epoch, not a duration).
 * Anything else: EINVAL, "invalid time `s` ...". */
int time_parse(const char *s, int64_t now_ns, int64_t *out_ns, struct ar_err *err);

/* Go's time.ParseDuration: a sign, then decimal numbers with an optional
 * fraction, each with a unit (ns, us, µs, ms, s, m, h): "1h30m", ".5s",
 * "-2m", and "0". -1 when malformed or out of range. */
int duration_parse(const char *s, int64_t *out_ns);

/* RFC 3339 in UTC with nine fraction digits (Go's RFC3339Nano, fixed
 * width): "2026-11-21T10:00:00.123456789Z". */
#define TIME_NANO_LEN 40
void time_format_nano(int64_t ns, char buf[TIME_NANO_LEN]);

#endif
