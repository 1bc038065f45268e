/* argon — config.json "mounts": the table of mount option words (shared
 * with linux.rootfsPropagation) and the parsing of each entry.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <json-c/json.h>

#include "spec_priv.h"
#include "util.h"

/* The words runc and crun give meaning to; anything else is fs data. */
#define MOUNT_OPTIONS(X) \
	X("defaults", MOPT_NOP, 0) \
	X("ro", MOPT_SET, MS_RDONLY) X("rw", MOPT_CLEAR, MS_RDONLY) \
	X("suid", MOPT_CLEAR, MS_NOSUID) X("nosuid", MOPT_SET, MS_NOSUID) \
	X("dev", MOPT_CLEAR, MS_NODEV) X("nodev", MOPT_SET, MS_NODEV) \
	X("exec", MOPT_CLEAR, MS_NOEXEC) X("noexec", MOPT_SET, MS_NOEXEC) \
	X("sync", MOPT_SET, MS_SYNCHRONOUS) X("async", MOPT_CLEAR, MS_SYNCHRONOUS) \
	X("dirsync", MOPT_SET, MS_DIRSYNC) X("remount", MOPT_SET, MS_REMOUNT) \
	X("mand", MOPT_SET, MS_MANDLOCK) X("nomand", MOPT_CLEAR, MS_MANDLOCK) \
	X("atime", MOPT_CLEAR, MS_NOATIME) X("noatime", MOPT_SET, MS_NOATIME) \
	X("diratime", MOPT_CLEAR, MS_NODIRATIME) X("nodiratime", MOPT_SET, MS_NODIRATIME) \
	X("relatime", MOPT_SET, MS_RELATIME) X("norelatime", MOPT_CLEAR, MS_RELATIME) \
	X("strictatime", MOPT_SET, MS_STRICTATIME) \
	X("nostrictatime", MOPT_CLEAR, MS_STRICTATIME) \
	X("lazytime", MOPT_SET, MS_LAZYTIME) X("nolazytime", MOPT_CLEAR, MS_LAZYTIME) \
	X("silent", MOPT_SET, MS_SILENT) X("loud", MOPT_CLEAR, MS_SILENT) \
	X("iversion", MOPT_SET, MS_I_VERSION) X("noiversion", MOPT_CLEAR, MS_I_VERSION) \
	X("bind", MOPT_BIND, MS_BIND) X("rbind", MOPT_BIND, MS_BIND | MS_REC) \
	X("private", MOPT_PROP, MS_PRIVATE) X("rprivate", MOPT_PROP, MS_PRIVATE | MS_REC) \
	X("shared", MOPT_PROP, MS_SHARED) X("rshared", MOPT_PROP, MS_SHARED | MS_REC) \
	X("slave", MOPT_PROP, MS_SLAVE) X("rslave", MOPT_PROP, MS_SLAVE | MS_REC) \
	X("unbindable", MOPT_PROP, MS_UNBINDABLE) \
	X("runbindable", MOPT_PROP, MS_UNBINDABLE | MS_REC) \
	X("tmpcopyup", MOPT_TMPCOPYUP, 0)

#define MOPT_ENTRY(n, k, f) { n, k, f },
#define MOPT_NAME(n, k, f) n,
static const struct mount_opt mount_opts[] = { MOUNT_OPTIONS(MOPT_ENTRY) };
static const char *const mount_opt_names[] = { MOUNT_OPTIONS(MOPT_NAME) NULL };

const char *const *spec_mount_option_names(void)
{
	return mount_opt_names;
}

const struct mount_opt *spj_find_mount_opt(const char *word)
{
	for (size_t i = 0; i < sizeof mount_opts / sizeof mount_opts[0]; i++)
		if (strcmp(mount_opts[i].name, word) == 0)
			return &mount_opts[i];
	return NULL;
}

/* Later words win, as with mount(8): "ro,rw" is read-write. */
static void apply_mount_word(struct spec_mount *m, const char *word)
{
	const struct mount_opt *o = spj_find_mount_opt(word);
	char *data;

	if (o == NULL) {
		data = m->data ? xasprintf("%s,%s", m->data, word) : xstrdup(word);
		free(m->data);
		m->data = data;
		return;
	}
	switch (o->kind) {
	case MOPT_NOP:
		break;
	case MOPT_SET:
		m->flags |= o->flag;
		m->clear_flags &= ~o->flag;
		break;
	case MOPT_CLEAR:
		m->flags &= ~o->flag;
		m->clear_flags |= o->flag;
		break;
	case MOPT_PROP:
		m->propagation = o->flag;
		break;
	case MOPT_BIND:
		m->flags |= o->flag;
		m->bind = true;
		m->recursive = m->recursive || (o->flag & MS_REC);
		break;
	case MOPT_TMPCOPYUP:
		m->tmpcopyup = true;
		break;
	}
}

int spj_parse_mount(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_mount *m = item;
	_cleanup_free_ char *dest = NULL;
	char f[FIELD_LEN];
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_str(c, o, field, "destination", &dest);
	spj_sub(f, field, "destination");
	if (r < 0)
		return -1;
	if (r == 0 || dest[0] == '\0')
		return fail(c, f, "is required");
	if (spj_clean_container_path(c, dest, f, &m->destination) < 0 ||
	    spj_get_str(c, o, field, "type", &m->type) < 0 ||
	    spj_get_str(c, o, field, "source", &m->source) < 0 ||
	    spj_get_strv(c, o, field, "options", &m->options) < 0)
		return -1;
	for (char **w = m->options; w && *w; w++)
		if (**w)
			apply_mount_word(m, *w);
	if (m->type && strcmp(m->type, "bind") == 0) {
		m->bind = true;
		m->flags |= MS_BIND;
	}
	if (m->bind && (m->source == NULL || m->source[0] == '\0'))
		return fail(c, spj_sub(f, field, "source"), "is required for a bind mount");
	/* mount(2) needs a type unless it binds, remounts or only propagates. */
	if (!m->bind && !(m->flags & MS_REMOUNT) && !m->propagation &&
	    (m->type == NULL || m->type[0] == '\0'))
		return fail(c, spj_sub(f, field, "type"), "is required unless the mount is a bind mount");
	return 0;
}
