/* argon — the prep manifest: what `argon prep` takes from the host.
 *
 * Parsed whole before anything is taken (a bad line changes nothing).
 * Globs match without FNM_PERIOD: `*` matches names starting with a dot
 * too, so a `skip` glob can never miss a hidden file.
 */
/* prep.h uses size_t without including <stddef.h>. */
#include <stddef.h>

#include "prep.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Inline `#` comments document each rule; they start a token after the
 * pattern, so a `#` inside a pattern stays part of it. */
const char prep_default_manifest[] =
	"# argon prep: the default manifest. One rule per line:\n"
	"#   link|copy|skip PATTERN     (fnmatch globs within components)\n"
	"# The longest matching pattern decides; `skip` wins a tie, then `copy`.\n"
	"# Nothing outside these rules is taken: not /proc, /sys, /dev, /run,\n"
	"# /tmp, /var, /opt, /srv, /boot, /mnt, /media.\n"
	"\n"
	"# The OS itself: large and read-only, shared with the host by hard links.\n"
	"link /usr                     # programs, libraries, data\n"
	"link /bin                     # merged /usr: symlinks, taken as symlinks\n"
	"link /sbin\n"
	"link /lib*                    # /lib, /lib32, /lib64, /libx32\n"
	"\n"
	"# Not needed to run programs: the paths Debian's slim images drop too;\n"
	"# together about a fifth of /usr's entries (a faster prep).\n"
	"skip /usr/share/doc\n"
	"skip /usr/share/man\n"
	"skip /usr/share/info\n"
	"skip /usr/share/lintian\n"
	"skip /usr/share/locale        # message catalogs: programs fall back to English\n"
	"skip /usr/lib/debug           # debug symbols, for debuggers only\n"
	"# The local administrator's software, not the OS's.\n"
	"skip /usr/local\n"
	"\n"
	"# /etc: private copies (files here get edited in place). Only what\n"
	"# programs need to run; passwd, group, hostname, hosts, resolv.conf,\n"
	"# nsswitch.conf and machine-id are generated, never taken.\n"
	"copy /etc/ld.so.cache         # the dynamic loader's library index\n"
	"copy /etc/ld.so.conf\n"
	"copy /etc/ld.so.conf.d\n"
	"copy /etc/alternatives        # targets of /usr/bin symlinks\n"
	"copy /etc/ssl                 # openssl.cnf and the CA certificates\n"
	"copy /etc/ca-certificates*    # update-ca-certificates' configuration\n"
	"copy /etc/java-*              # JVM config, symlinked from /usr/lib/jvm\n"
	"copy /etc/python3*            # sitecustomize, symlinked from /usr/lib\n"
	"copy /etc/fonts               # fontconfig\n"
	"copy /etc/localtime           # the time zone: a symlink into /usr/share/zoneinfo\n"
	"copy /etc/timezone\n"
	"copy /etc/os-release          # on Debian a symlink to ../usr/lib/os-release\n"
	"copy /etc/debian_version\n"
	"copy /etc/profile             # shells\n"
	"copy /etc/profile.d\n"
	"copy /etc/bash.bashrc\n"
	"copy /etc/inputrc\n"
	"copy /etc/environment\n"
	"copy /etc/shells\n"
	"copy /etc/login.defs          # su, runuser, useradd\n"
	"copy /etc/pam.conf\n"
	"copy /etc/pam.d\n"
	"copy /etc/security            # PAM modules' configuration\n"
	"copy /etc/protocols           # nss `files` databases\n"
	"copy /etc/services\n"
	"copy /etc/rpc\n"
	"copy /etc/ethertypes\n"
	"copy /etc/mime.types          # file types by extension\n"
	"copy /etc/locale.alias\n"
	"copy /etc/mtab                # a symlink to /proc/mounts: df, mount\n"
	"\n"
	"# Secrets and private data: never taken, even under a broader local rule\n"
	"# (a longer pattern wins, and `skip` wins a tie).\n"
	"skip /etc/shadow*\n"
	"skip /etc/gshadow*\n"
	"skip /etc/ssh/ssh_host_*      # the host's SSH identity\n"
	"skip /etc/ssl/private         # TLS private keys\n"
	"skip /etc/security/opasswd    # old password hashes\n"
	"skip /etc/krb5.keytab\n"
	"skip /etc/sudoers*\n"
	"skip /root\n"
	"skip /home\n"
	"skip /var/cache\n";

static const char *const action_names[] = {
	[PREP_LINK] = "link", [PREP_COPY] = "copy", [PREP_SKIP] = "skip",
};

void prep_manifest_free(struct prep_manifest *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_rules; i++)
		free(m->rules[i].pattern);
	free(m->rules);
	m->rules = NULL;
	m->n_rules = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next whitespace-separated token of *p (NUL-terminated in place), or
 * NULL at the end of the line. */
static char *next_token(char **p)
{
	char *s = *p, *start;

	while (is_space(*s))
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	while (*s && !is_space(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

/* NULL when `pattern` is a valid rule pattern, else why not. */
static const char *pattern_problem(const char *pattern)
{
	const char *c = pattern;

	if (pattern[0] != '/')
		return "is not absolute";
	if (strcmp(pattern, "/") == 0)
		return "names the whole host; name the trees to take";
	while (*c == '/') {
		size_t len = strcspn(++c, "/");

		if (len == 0)
			return "has an empty component";
		if (len == 1 && c[0] == '.')
			return "has a `.` component";
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "has a `..` component";
		c += len;
	}
	return NULL;
}

static int parse_action(const char *word, enum prep_action *out)
{
	for (size_t i = 0; i < sizeof action_names / sizeof action_names[0]; i++)
		if (strcmp(word, action_names[i]) == 0) {
			*out = (enum prep_action)i;
			return 0;
		}
	return -1;
}

/* Parses one line (modified in place) into *rule; rule->pattern stays NULL
 * for a blank or comment line. */
static int parse_line(char *line, const char *what, unsigned lineno, struct prep_rule *rule,
		      struct ar_err *err)
{
	char *p = line;
	char *word = next_token(&p), *pattern, *junk;
	const char *problem;

	rule->pattern = NULL;
	if (word == NULL || word[0] == '#')
		return 0;
	if (parse_action(word, &rule->action) < 0)
		return ar_error(err, 0, "manifest `%s` line %u: unknown action `%s`", what, lineno,
				word);
	pattern = next_token(&p);
	if (pattern == NULL || pattern[0] == '#')
		return ar_error(err, 0, "manifest `%s` line %u: `%s` needs a pattern", what, lineno,
				word);
	problem = pattern_problem(pattern);
	if (problem)
		return ar_error(err, 0, "manifest `%s` line %u: pattern `%s` %s", what, lineno,
				pattern, problem);
	junk = next_token(&p);
	if (junk && junk[0] != '#')
		return ar_error(err, 0, "manifest `%s` line %u: unexpected `%s` after the pattern",
				what, lineno, junk);
	rule->pattern = xstrdup(pattern);
	return 0;
}

/* Two rules for one pattern make the manifest ambiguous to its reader. */
static int check_repeat(const struct prep_manifest *m, const unsigned *lines, const char *what,
			unsigned lineno, struct ar_err *err)
{
	const char *pattern = m->rules[m->n_rules].pattern;

	for (size_t i = 0; i < m->n_rules; i++)
		if (strcmp(m->rules[i].pattern, pattern) == 0)
			return ar_error(err, 0, "manifest `%s` line %u: pattern `%s` repeats line %u",
					what, lineno, pattern, lines[i]);
	return 0;
}

int prep_manifest_parse(const char *text, const char *what, struct prep_manifest *m,
			struct ar_err *err)
{
	_cleanup_free_ char *copy = xstrdup(text);
	_cleanup_free_ unsigned *lines = NULL;
	struct prep_manifest out = { 0 };
	size_t cap = 0;
	unsigned lineno = 0;
	char *save = copy;

	for (char *line = copy; line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if (out.n_rules == cap) {
			cap = cap ? cap * 2 : 16;
			out.rules = xrealloc(out.rules, cap * sizeof *out.rules);
			lines = xrealloc(lines, cap * sizeof *lines);
		}
		if (parse_line(line, what, lineno, &out.rules[out.n_rules], err) < 0)
			goto fail;
		if (out.rules[out.n_rules].pattern == NULL)
			continue;
		if (check_repeat(&out, lines, what, lineno, err) < 0) {
			free(out.rules[out.n_rules].pattern);
			goto fail;
		}
		lines[out.n_rules++] = lineno;
	}
	*m = out;
	return 0;
fail:
	prep_manifest_free(&out);
	return -1;
}
