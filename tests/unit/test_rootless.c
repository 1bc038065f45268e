/* Unit tests: the rootless pieces that are pure logic: /etc/subuid range
 * coverage (as shadow's newuidmap decides it), the name of the first limit
 * a config asks for, which namespace holds a sysctl, and the default state
 * root for root and for a user. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idmap.h"
#include "resources.h"
#include "rootless.h"
#include "sysctl_ns.h"
#include "unit.h"

static const char subuid[] =
	"# a comment: ignored\n"
	"alice:100000:65536\n"
	"1001:300000:10\n"
	"bob:165536:65536\n"
	"alice:165536:100\n"
	"broken line\n"
	"carol:200000\n";

static void subid_inside_one_range(void)
{
	CHECK(idmap_subid_covers(subuid, "alice", 1000, 100000, 65536));
	CHECK(idmap_subid_covers(subuid, "alice", 1000, 100001, 10));
	CHECK(!idmap_subid_covers(subuid, "alice", 1000, 99999, 2));
	CHECK(!idmap_subid_covers(subuid, "bob", 1002, 100000, 1));
	CHECK(!idmap_subid_covers(subuid, "alice", 1000, 100000, 0));
}

static void subid_adjacent_ranges_join(void)
{
	/* alice: 100000..165535 and 165536..165635 */
	CHECK(idmap_subid_covers(subuid, "alice", 1000, 165000, 600));
	CHECK(!idmap_subid_covers(subuid, "alice", 1000, 165000, 700));
	CHECK(idmap_subid_covers(subuid, "alice", 1000, 100000, 65636));
}

static void subid_owner_by_uid_or_name(void)
{
	CHECK(idmap_subid_covers(subuid, "dave", 1001, 300000, 10));
	CHECK(idmap_subid_covers(subuid, NULL, 1001, 300005, 5));
	CHECK(!idmap_subid_covers(subuid, "dave", 1001, 300005, 6));
	CHECK(!idmap_subid_covers(subuid, "carol", 1003, 200000, 1));	/* no count */
	CHECK(!idmap_subid_covers("", "alice", 1000, 100000, 1));
	/* "alic" is not "alice": owners match whole */
	CHECK(!idmap_subid_covers(subuid, "alic", 1000, 100000, 1));
}

static void first_limit_names_the_field(void)
{
	struct resources r = { 0 };

	CHECK(resources_first_limit(&r) == NULL);
	r.n_devices = 1;	/* device rules are not a limit */
	CHECK(resources_first_limit(&r) == NULL);
	r.pids.limit.set = true;
	CHECK_STR(resources_first_limit(&r), "linux.resources.pids.limit");
	r.memory.limit.set = true;
	CHECK_STR(resources_first_limit(&r), "linux.resources.memory.limit");
	memset(&r, 0, sizeof r);
	r.blkio.n_throttle[RES_THROTTLE_WRITE_IOPS] = 1;
	CHECK_STR(resources_first_limit(&r), "linux.resources.blockIO.throttleWriteIOPSDevice");
}

static void sysctl_namespaces(void)
{
	CHECK(sysctl_namespace("net.ipv4.ip_forward") == NS_NET);
	CHECK(sysctl_namespace("kernel.shmmax") == NS_IPC);
	CHECK(sysctl_namespace("kernel.msgmnb") == NS_IPC);
	CHECK(sysctl_namespace("kernel.sem") == NS_IPC);
	CHECK(sysctl_namespace("fs.mqueue.queues_max") == NS_IPC);
	CHECK(sysctl_namespace("kernel.hostname") == NS_UTS);
	CHECK(sysctl_namespace("kernel.domainname") == NS_UTS);
	CHECK(sysctl_namespace("kernel.pid_max") == NS__COUNT);
	CHECK(sysctl_namespace("vm.swappiness") == NS__COUNT);
	CHECK(sysctl_namespace("network.x") == NS__COUNT);
}

static void default_root_for_root_or_user(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *root = NULL, *user = NULL, *none = NULL, *old = NULL;
	struct ar_err err = { 0 }, err2 = { 0 };
	int r1, r2;

	if (geteuid() != 0)
		SKIP("needs root: checks root's default, then a user's by seteuid");
	CHECK(runtime_default_root(&root, &err) == 0);
	CHECK_STR(root, "/run/argon-runtime");
	CHECK(unit_dir_make(&d, "rootless") == 0);
	CHECK(chown(d.path, 65534, 65534) == 0);
	old = getenv("XDG_RUNTIME_DIR") ? xstrdup(getenv("XDG_RUNTIME_DIR")) : NULL;
	/* As nobody: the dir is theirs, then no XDG_RUNTIME_DIR at all. */
	setenv("XDG_RUNTIME_DIR", d.path, 1);
	CHECK(seteuid(65534) == 0);
	r1 = runtime_default_root(&user, &err);
	unsetenv("XDG_RUNTIME_DIR");
	r2 = runtime_default_root(&none, &err2);
	CHECK(seteuid(0) == 0);
	if (old)
		setenv("XDG_RUNTIME_DIR", old, 1);
	CHECK(r1 == 0);
	CHECK(strncmp(user, d.path, strlen(d.path)) == 0);
	CHECK_STR(user + strlen(d.path), "/argon-runtime");
	CHECK(r2 < 0 && none == NULL);
	CHECK_CONTAINS(err2.msg, "--root");
	ar_err_clear(&err2);
}

UNIT_MAIN(UNIT(subid_inside_one_range), UNIT(subid_adjacent_ranges_join),
	  UNIT(subid_owner_by_uid_or_name), UNIT(first_limit_names_the_field),
	  UNIT(sysctl_namespaces), UNIT(default_root_for_root_or_user))
