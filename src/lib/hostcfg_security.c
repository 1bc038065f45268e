/* argon — docker's --security-opt, --sysctl and --group-add (hostcfg.h).
 *
 * --security-opt follows docker's daemon (parseSecurityOpt): KEY=VALUE, or
 * the old KEY:VALUE; seccomp=FILE is read here, as docker's CLI does, so
 * a missing or malformed profile fails with 125 before anything is made
 * and inspect records the profile itself ("seccomp=<json>"). argon has
 * no LSM support: apparmor= and label= are refused, except the values that
 * ask for none (apparmor=unconfined, label=disable), which docker also
 * takes on hosts without AppArmor or SELinux.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <json-c/json.h>

#include "hostcfg.h"
#include "seccomp_default.h"
#include "util.h"

void hostcfg_security_free(struct hostcfg_security *s)
{
	free(s->seccomp_profile);
	strv_free(s->opts);
	s->seccomp_profile = NULL;
	s->opts = NULL;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };

	for (size_t i = 0; yes[i]; i++)
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*out = strcmp(s, yes[i]) == 0;
			return 0;
		}
	return -1;
}

/* The profile of seccomp=FILE (docker's format or OCI's), checked whole
 * and kept compact. */
static int seccomp_file(const char *path, struct hostcfg_security *sec, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL, *what = xasprintf("seccomp profile `%s`", path);
	enum json_tokener_error jerr;
	json_object *j;
	size_t len = 0;

	if (read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return ar_err_prefix(err, "seccomp profile");
	j = json_tokener_parse_verbose(text, &jerr);
	if (j == NULL || strlen(text) != len)
		return ar_fail(err, EINVAL, "%s: not JSON: %s", what,
			       j == NULL ? json_tokener_error_desc(jerr) : "it has a NUL byte");
	if (seccomp_profile_check(j, what, err) < 0) {
		json_object_put(j);
		return -1;
	}
	free(sec->seccomp_profile);
	sec->seccomp_profile = xstrdup(json_object_to_json_string_ext(
		j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	sec->seccomp_unconfined = false;
	return 0;
}

static int seccomp_opt(const char *s, const char *val, struct hostcfg_security *sec,
		       struct ar_err *err)
{
	if (strcmp(val, "unconfined") == 0) {
		sec->seccomp_unconfined = true;
		free(sec->seccomp_profile);
		sec->seccomp_profile = NULL;
	} else if (strcmp(val, "builtin") == 0) {	/* docker's name of the default */
		sec->seccomp_unconfined = false;
		free(sec->seccomp_profile);
		sec->seccomp_profile = NULL;
	} else if (*val == '\0') {
		return ar_fail(err, EINVAL, "`%s`: no profile (want seccomp=FILE, unconfined or "
			       "builtin)", s);
	} else {
		if (seccomp_file(val, sec, err) < 0)
			return -1;
		strv_push(&sec->opts, xasprintf("seccomp=%s", sec->seccomp_profile));
		return 1;	/* recorded */
	}
	return 0;
}

/* One KEY=VALUE option; 1 when it recorded itself in sec->opts. */
static int security_kv(const char *s, const char *key, const char *val,
		       struct hostcfg_security *sec, struct ar_err *err)
{
	if (strcmp(key, "no-new-privileges") == 0) {
		if (parse_bool(val, &sec->no_new_privileges) < 0)
			return ar_fail(err, EINVAL, "invalid value in `%s` (want true or false)", s);
	} else if (strcmp(key, "seccomp") == 0) {
		return seccomp_opt(s, val, sec, err);
	} else if (strcmp(key, "apparmor") == 0) {
		if (strcmp(val, "unconfined") != 0)
			return ar_fail(err, ENOTSUP, "`%s`: argon has no AppArmor support (only "
				       "apparmor=unconfined is accepted)", s);
	} else if (strcmp(key, "label") == 0) {
		if (strcmp(val, "disable") != 0)
			return ar_fail(err, ENOTSUP, "`%s`: argon has no SELinux support (only "
				       "label=disable is accepted)", s);
	} else if (strcmp(key, "systempaths") == 0) {
		if (strcmp(val, "unconfined") != 0)
			return ar_fail(err, EINVAL, "invalid value in `%s` (want unconfined)", s);
		sec->unmask_paths = true;
	} else if (strcmp(key, "writable-cgroups") == 0) {
		if (parse_bool(val, &sec->writable_cgroups) < 0)
			return ar_fail(err, EINVAL, "invalid value in `%s` (want true or false)", s);
	} else {
		return ar_fail(err, EINVAL, "unknown security option `%s` (known: "
			       "no-new-privileges, seccomp, apparmor, label, systempaths, "
			       "writable-cgroups)", s);
	}
	return 0;
}

int hostcfg_parse_security_opt(const char *s, struct hostcfg_security *sec, struct ar_err *err)
{
	_cleanup_free_ char *key = NULL;
	const char *sep = strchr(s, '=');
	int r;

	if (sep == NULL)
		sep = strchr(s, ':');	/* docker's old separator */
	if (strcmp(s, "no-new-privileges") == 0) {
		sec->no_new_privileges = true;
	} else if (strcmp(s, "disable") != 0) {	/* docker's bare label=disable */
		if (sep == NULL)
			return ar_fail(err, EINVAL, "invalid security option `%s` (want KEY=VALUE)", s);
		key = xasprintf("%.*s", (int)(sep - s), s);
		r = security_kv(s, key, sep + 1, sec, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	strv_push(&sec->opts, xstrdup(s));
	return 0;
}

/* ------------------------------------------------------------ sysctl */

/* docker's list (opts.ValidateSysctl): the sysctls of the namespaces a
 * container has of its own, IPC and network. */
static bool sysctl_allowed(const char *key)
{
	static const char *const names[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
					     "kernel.sem", "kernel.shmall", "kernel.shmmax",
					     "kernel.shmmni", "kernel.shm_rmid_forced", NULL };

	for (const char *const *n = names; *n; n++)
		if (strcmp(key, *n) == 0)
			return true;
	return strncmp(key, "net.", 4) == 0 || strncmp(key, "fs.mqueue.", 10) == 0;
}

int hostcfg_parse_sysctl(const char *s, struct ar_err *err)
{
	const char *eq = strchr(s, '=');
	_cleanup_free_ char *key = NULL;

	if (eq == NULL || eq == s)
		return ar_fail(err, EINVAL, "sysctl `%s` is not KEY=VALUE", s);
	key = xasprintf("%.*s", (int)(eq - s), s);
	for (const char *p = key; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
			return ar_fail(err, EINVAL, "sysctl `%s`: `%s` is not a sysctl name", s, key);
	if (!sysctl_allowed(key))
		return ar_fail(err, EPERM, "sysctl `%s` is not allowed in a container (docker's list: "
			       "kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.*)", key);
	return 0;
}

/* ------------------------------------------------------------ groups */

int hostcfg_parse_group(const char *s, uint32_t *gid, struct ar_err *err)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0) {
		bool name = *s != '\0';
		for (const char *p = s; *p && name; p++)
			name = !isspace((unsigned char)*p) && *p != ':';
		return ar_fail(err, EINVAL, name ? "group `%s`: group names are not supported yet "
					    "(give the numeric GID)" : "`%s` is not a group", s);
	}
	if (v >= UINT32_MAX)	/* (gid_t)-1 is "unchanged" to the kernel */
		return ar_fail(err, ERANGE, "GID `%s` is out of range (0 to 4294967294)", s);
	*gid = (uint32_t)v;
	return 0;
}
