/* argon — `argon seccomp default`: prints the default seccomp profile, to
 * read or to edit and give back with --security-opt seccomp=FILE.
 *
 * Without flags it is docker's format (capability-dependent rules under
 * "includes"/"excludes", the architectures in "archMap"), like docker's
 * default.json. --oci prints what a container's config.json gets instead
 * (linux.seccomp): the rules resolved for this host and for the capability
 * set docker's defaults and --cap-add/--cap-drop make. */
#define _GNU_SOURCE
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>

#include "cli.h"
#include "hostcfg.h"
#include "seccomp_default.h"
#include "util.h"

#define SECCOMP_USAGE "argon seccomp default [--oci [--cap-add CAP]... [--cap-drop CAP]...]"

static int print_json(json_object *j)
{
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_SPACED |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int seccomp_default(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "oci", no_argument, NULL, 'o' }, { "cap-add", required_argument, NULL, 'a' },
		{ "cap-drop", required_argument, NULL, 'd' }, { 0 },
	};
	_cleanup_strv_ char **add = NULL, **drop = NULL;
	bool oci = false;
	uint64_t caps;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'o')
			oci = true;
		else if (c == 'a' || c == 'd')
			strv_push(c == 'a' ? &add : &drop, xstrdup(optarg));
		else
			return cli_usage(err, "usage: %s", SECCOMP_USAGE);
	}
	if (optind < argc || (!oci && (add || drop)))
		return cli_usage(err, "usage: %s", SECCOMP_USAGE);
	if (!oci)
		return print_json(seccomp_default_docker());
	if (hostcfg_caps(add, drop, false, &caps, err) < 0) {
		_cleanup_free_ char *why = xstrdup(err->msg);
		return cli_usage(err, "%s", why);
	}
	return print_json(seccomp_default_profile(caps));
}

int cmd_seccomp(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct cli_subcmd sub[] = { { "default", seccomp_default } };

	return cli_dispatch(cli, argc, argv, sub, sizeof sub / sizeof sub[0], SECCOMP_USAGE, err);
}
