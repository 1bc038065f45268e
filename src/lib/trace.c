/* argon — phase timestamps for profiling; see trace.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

/* Looked up once; forks inherit it. */
static const char *trace_to;
static int trace_state;	/* 0 not looked, 1 on, -1 off */

void ar_trace(const char *what)
{
	struct timespec ts;
	int fd = 2;

	if (trace_state == 0) {
		const char *v = getenv(AR_TRACE_ENV);
		trace_state = v && *v && !(v[0] == '0' && v[1] == '\0') ? 1 : -1;
		trace_to = trace_state > 0 && v[0] == '/' ? v : NULL;
	}
	if (trace_state < 0)
		return;
	/* A file is opened for each line: the runtime's children close every
	 * fd they do not know, so a kept one could end up naming another
	 * file. O_APPEND: the lines of every process land whole. */
	if (trace_to && (fd = open(trace_to, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dprintf(fd, "argon-trace %d %lld %s\n", (int)getpid(),
		(long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, what);
	if (fd != 2)
		close(fd);
}
