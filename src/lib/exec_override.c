/* argon — the overrides `exec` applies to a container's default process
 * (runc's and docker's flags): args, env, cwd, user. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "container.h"
#include "util.h"

/* "K=V" replaces the same K of the config's environment. */
static void env_set(struct spec_process *p, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; p->env && p->env[i]; i++)
		if (strncmp(p->env[i], kv, klen) == 0 && p->env[i][klen] == '=') {
			free(p->env[i]);
			p->env[i] = xstrdup(kv);
			return;
		}
	strv_push(&p->env, xstrdup(kv));
}

static int parse_id(const char *s, const char *whole, uint32_t *out, struct ar_err *err)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v > 0xfffffffeu)
		return ar_fail(err, EINVAL, "exec: --user `%s`: expected UID[:GID] numbers", whole);
	*out = (uint32_t)v;
	return 0;
}

static int set_user(struct spec_process *p, const char *s, struct ar_err *err)
{
	_cleanup_free_ char *u = xstrdup(s);
	char *g = strchr(u, ':');

	if (g)
		*g++ = '\0';
	if (parse_id(u, s, &p->user.uid, err) < 0)
		return -1;
	return g ? parse_id(g, s, &p->user.gid, err) : 0;
}

int ar_exec_override(struct spec_process *p, const struct ar_exec_override *o,
		     struct ar_err *err)
{
	if (o->args && o->args[0]) {
		strv_free(p->args);
		p->args = NULL;
		for (char *const *s = o->args; *s; s++)
			strv_push(&p->args, xstrdup(*s));
	}
	for (size_t i = 0; o->env && o->env[i]; i++) {
		if (strchr(o->env[i], '=') == NULL)
			return ar_fail(err, EINVAL, "exec: --env `%s`: expected KEY=VALUE", o->env[i]);
		env_set(p, o->env[i]);
	}
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return ar_fail(err, EINVAL, "exec: --cwd `%s` must be absolute", o->cwd);
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	return o->user ? set_user(p, o->user, err) : 0;
}
