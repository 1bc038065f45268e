#!/usr/bin/env bats
# argon's engine: `argon cp` (docker cp) between the host and running,
# created and exited containers: files and directories both ways, "-" tar
# streams both ways, a volume and a tmpfs seen as the running container
# sees them, symlinks in the container resolved inside it (never to the
# host's files), docker's errors and exit codes (1, 125).
# engine_helpers.bash checks that nothing (mount, process) is left.

load engine_helpers

setup() {
	engine_setup
	H="$TMP/h"
	mkdir -p "$H"
}

# eng_in FILE ARGS...: the CLI with stdin from FILE (eng closes stdin).
eng_in() {
	local in=$1
	shift
	timeout -k 5 60 "$ARGON" --root "$AROOT" --state-dir "$ESTATE" "$@" <"$in" 3>&- 4>&-
}

# in_ct ID CMD...: the output of CMD run in the running container.
in_ct() {
	local id=$1
	shift
	eng exec "$id" "$@"
}

# A host tree: $H/f (0640, mtime 2001-09-09, owned 1234:5678) and
# $H/d/{a, sub/b, ln -> a}.
host_tree() {
	printf 'file data' >"$H/f"
	chmod 0640 "$H/f"
	chown 1234:5678 "$H/f"
	touch -d @1000000000 "$H/f"
	mkdir -p "$H/d/sub"
	printf 'A' >"$H/d/a"
	printf 'B' >"$H/d/sub/b"
	ln -s a "$H/d/ln"
	chmod 0750 "$H/d/sub"
}

# ---------------------------------------------------------------- into a container

@test "cp: a host file into a running container keeps mode and mtime, owned by root; -a keeps the owner" {
	host_tree
	run_d busybox sleep 1000
	erun cp "$H/f" "$ID:/tmp"
	assert_success
	assert_eq "$(in_ct "$ID" cat /tmp/f)" "file data" "copied file"
	assert_eq "$(in_ct "$ID" stat -c '%a %Y %u:%g' /tmp/f)" "640 1000000000 0:0" "mode mtime owner"
	erun cp -a "$H/f" "$ID:/tmp/f2"
	assert_success
	assert_eq "$(in_ct "$ID" stat -c '%u:%g' /tmp/f2)" "1234:5678" "owner with -a"
	# relative container paths are from /; a file over a file
	printf 'new' >"$H/f"
	erun cp "$H/f" "$ID:tmp/f"
	assert_success
	assert_eq "$(in_ct "$ID" cat /tmp/f)" "new" "overwritten file"
	# DEST ending in / must be an existing directory
	erun cp "$H/f" "$ID:/nodir/"
	assert_eq "$status" 1 "exit status"
	in_ct "$ID" test ! -e /nodir || fail "/nodir was made"
}

@test "cp: a host directory into a running container: new name, into a dir, and its contents with /." {
	host_tree
	run_d busybox sleep 1000
	erun cp "$H/d" "$ID:/newdir"
	assert_success
	assert_eq "$(in_ct "$ID" cat /newdir/a /newdir/sub/b)" "AB" "new dir contents"
	assert_eq "$(in_ct "$ID" readlink /newdir/ln)" "a" "symlink copied as a link"
	assert_eq "$(in_ct "$ID" stat -c '%a' /newdir/sub)" "750" "dir mode"
	erun cp "$H/d" "$ID:/tmp"
	assert_success
	assert_eq "$(in_ct "$ID" cat /tmp/d/a)" "A" "into a dir"
	printf 'C' >"$H/d/c"
	erun cp "$H/d/." "$ID:/newdir"
	assert_success
	assert_eq "$(in_ct "$ID" cat /newdir/c)" "C" "contents merged"
	in_ct "$ID" test ! -e /newdir/d || fail "/. copied the directory itself"
	# a directory onto a file
	erun cp "$H/d" "$ID:/etc/passwd"
	assert_eq "$status" 1 "dir onto a file"
	assert_contains "$stderr" "cannot copy a directory to a file"
}

@test "cp: into a created container (its init's root) and an exited one (its sandbox), seen when it runs" {
	printf 'hello created' >"$H/msg"
	# in a volume: only the init's view has it mounted at /data
	create_c -v cpvol2:/data busybox sh -c 'cat /data/msg /msg'
	erun cp "$H/msg" "$ID:/data/"
	assert_success
	erun cp "$H/msg" "$ID:/"
	assert_success
	erun start "$ID"
	assert_success
	erun wait "$ID"
	assert_eq "$output" 0 "exit code"
	wait_logs "$ID" "hello createdhello created"
	# now exited: the sandbox's root; its mount state is left as found
	local before after
	before=$(eng sandbox ls | grep "^${ID:0:12} " | awk '{print $5}')
	printf 'hello exited' >"$H/msg"
	erun cp "$H/msg" "$ID:/msg2"
	assert_success
	after=$(eng sandbox ls | grep "^${ID:0:12} " | awk '{print $5}')
	assert_eq "$after" "$before" "sandbox MOUNTED column"
	erun cp "$ID:/msg2" "$H/back"
	assert_success
	assert_eq "$(cat "$H/back")" "hello exited" "copied back out of the exited container"
	# started again, it sees the file
	erun start "$ID"
	assert_success
	eng wait "$ID" >/dev/null
	erun cp "$ID:/msg" "$H/msg.again"
	assert_eq "$(cat "$H/msg.again")" "hello created" "file from the created state"
	eng rm -f "$ID" >/dev/null
	eng volume rm cpvol2 >/dev/null
}

@test "cp: an exited container whose sandbox is not mounted: mounted for the copy, unmounted again" {
	run_d busybox true
	eng wait "$ID" >/dev/null
	eng sandbox umount "$ID" >/dev/null || fail "sandbox umount failed"
	[ -z "$(mounts_mentioning "$ID")" ] || fail "still mounted: $(mounts_mentioning "$ID")"
	printf 'x' >"$H/x"
	erun cp "$H/x" "$ID:/x"
	assert_success
	[ -z "$(mounts_mentioning "$ID")" ] || fail "left mounted: $(mounts_mentioning "$ID")"
	erun cp "$ID:/x" "$H/x2"
	assert_success
	assert_eq "$(cat "$H/x2")" "x" "copied back"
}

# ---------------------------------------------------------------- out of a container

@test "cp: a file and a directory out of a running container" {
	run_d busybox sh -c 'mkdir -p /srv/sub; echo one >/srv/a; echo two >/srv/sub/b; chmod 600 /srv/a; echo ready; sleep 1000'
	wait_logs "$ID" ready
	erun cp "$ID:/etc/passwd" "$H/passwd"
	assert_success
	grep -q '^root:x:0:0' "$H/passwd" || fail "passwd: $(cat "$H/passwd")"
	erun cp "$ID:/srv" "$H"
	assert_success
	assert_eq "$(cat "$H/srv/a" "$H/srv/sub/b")" $'one\ntwo' "dir copied"
	assert_eq "$(stat -c '%a %u' "$H/srv/a")" "600 0" "mode, owner the caller"
	erun cp "$ID:/srv/." "$H/srv2"
	assert_success
	assert_eq "$(cat "$H/srv2/a")" "one" "contents into a new dir"
}

@test "cp: the whole root of a running container: its /proc and /sys are left empty, as docker's" {
	run_d busybox sleep 1000
	erun cp "$ID:/" "$H/all"
	assert_success
	grep -q '^root:x:0:0' "$H/all/etc/passwd" || fail "no etc/passwd"
	[ -x "$H/all/bin/busybox" ] || fail "no bin/busybox"
	assert_eq "$(ls -A "$H/all/proc" "$H/all/sys" | grep -v : | grep -c .)" 0 "entries in proc and sys"
}

# ---------------------------------------------------------------- tar streams

@test "cp: - writes a tar of SRC to stdout and reads one from stdin into a directory" {
	run_d busybox sh -c 'mkdir /srv; echo one >/srv/a; echo ready; sleep 1000'
	wait_logs "$ID" ready
	eng cp "$ID:/srv" - >"$H/out.tar" || fail "cp to - failed"
	assert_eq "$(tar -tf "$H/out.tar" | sort | tr '\n' ' ')" "srv/ srv/a " "tar entries"
	assert_eq "$(tar -xOf "$H/out.tar" srv/a)" "one" "tar data"
	mkdir -p "$H/in/sub"
	printf 'IN' >"$H/in/sub/x"
	tar -C "$H/in" -cf "$H/in.tar" .
	eng_in "$H/in.tar" cp - "$ID:/srv" || fail "cp from - failed"
	assert_eq "$(in_ct "$ID" cat /srv/sub/x)" "IN" "extracted"
	# a tar with a name that climbs out is refused; DEST must be a directory
	"$PY" -c '
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
i = tarfile.TarInfo("../../escape"); i.size = 1
t.addfile(i, io.BytesIO(b"E")); t.close()' "$H/bad.tar"
	eng_in "$H/bad.tar" cp - "$ID:/srv" >"$H/bad.out" 2>&1 && fail "a climbing tar was accepted"
	in_ct "$ID" test ! -e /escape || fail "/escape was made"
	eng_in "$H/in.tar" cp - "$ID:/etc/passwd" >"$H/bad.out" 2>&1 && fail "tar into a file was accepted"
	assert_contains "$(cat "$H/bad.out")" "must be a directory"
}

# ---------------------------------------------------------------- the container's view

@test "cp: a volume and a tmpfs of a running container are seen as the container sees them" {
	run_d -v cpvol:/data --tmpfs /scratch busybox sleep 1000
	printf 'to the volume' >"$H/v"
	erun cp "$H/v" "$ID:/data/v"
	assert_success
	assert_eq "$(in_ct "$ID" cat /data/v)" "to the volume" "in the container"
	local mp
	mp=$(eng volume inspect cpvol | jget 'd[0]["Mountpoint"]')
	assert_eq "$(cat "$mp/v")" "to the volume" "in the volume's dir"
	local rootfs
	rootfs=$(eng sandbox path "$ID")/rootfs
	[ ! -e "$rootfs/data/v" ] || fail "written below the mount point in the root"
	erun cp "$H/v" "$ID:/scratch/"
	assert_success
	assert_eq "$(in_ct "$ID" cat /scratch/v)" "to the volume" "in the tmpfs"
	erun cp "$ID:/scratch/v" "$H/from-tmpfs"
	assert_success
	assert_eq "$(cat "$H/from-tmpfs")" "to the volume" "out of the tmpfs"
	eng rm -f "$ID" >/dev/null
	eng volume rm cpvol >/dev/null
}

@test "cp: a container's symlinks to absolute host paths resolve inside the container" {
	printf 'HOST' >"$H/secret"
	run_d busybox sleep 1000
	# the same path inside the container holds the container's own file
	in_ct "$ID" sh -c "mkdir -p '$H' && printf CONTAINER >'$H/secret' &&
		ln -s '$H/secret' /tmp/sl && ln -s /etc/shadow /tmp/sh &&
		ln -s ../../../../../../..'$H' /tmp/up" || fail "setup in the container failed"
	erun cp -L "$ID:/tmp/sl" "$H/out"
	assert_success
	assert_eq "$(cat "$H/out")" "CONTAINER" "-L read the container's file"
	erun cp "$ID:/tmp/sl" "$H/out2"
	assert_success
	assert_eq "$(readlink "$H/out2")" "$H/secret" "without -L: the link itself"
	erun cp "$ID:/tmp/up/secret" "$H/out3"
	assert_success
	assert_eq "$(cat "$H/out3")" "CONTAINER" ".. stops at the container's root"
	# the busybox image has no /etc/shadow: never the host's
	erun cp -L "$ID:/tmp/sh" "$H/shadow"
	assert_eq "$status" 1 "exit status"
	assert_contains "$stderr" "Could not find the file"
	[ ! -e "$H/shadow" ] || fail "a file was written: $(head -c 100 "$H/shadow")"
	# writes through the link land in the container
	printf 'NEW' >"$H/new"
	erun cp "$H/new" "$ID:/tmp/sl"
	assert_success
	assert_eq "$(in_ct "$ID" cat "$H/secret")" "NEW" "the container's file"
	assert_eq "$(cat "$H/secret")" "HOST" "the host's file is untouched"
	mkdir "$TMP/src"
	printf 'ONLY' >"$TMP/src/only"
	erun cp "$TMP/src/only" "$ID:/tmp/up/"
	assert_success
	[ ! -e "$H/only" ] || fail "written into the host's $H"
	assert_eq "$(in_ct "$ID" cat "$H/only")" "ONLY" "in the container's $H"
}

# ---------------------------------------------------------------- errors

@test "cp: a missing source is exit 1 with docker's message; bad syntax is 125" {
	run_d --name cpc busybox sleep 1000
	erun cp cpc:/nope "$H/x"
	assert_eq "$status" 1 "missing source"
	assert_contains "$stderr" "Could not find the file /nope in container cpc"
	[ ! -e "$H/x" ] || fail "a file was made"
	erun cp "$H/nope" cpc:/tmp
	assert_eq "$status" 1 "missing host source"
	erun cp cpc:/etc/passwd nosuch:/x
	assert_eq "$status" 125 "both sides containers"
	erun cp "$H/a" "$H/b"
	assert_eq "$status" 125 "no container"
	assert_contains "$stderr" "must specify at least one container source"
	erun cp cpc:/etc/passwd
	assert_eq "$status" 125 "one argument"
	erun cp --bogus cpc:/etc/passwd "$H/x"
	assert_eq "$status" 125 "unknown flag"
	erun cp cpc: "$H/x"
	assert_eq "$status" 125 "empty path"
	erun cp nosuch:/etc/passwd "$H/x"
	assert_eq "$status" 1 "no such container"
	# local paths with a colon: "./a:b" and absolute ones are local
	printf 'c' >"$H/a:b"
	(cd "$H" && eng cp ./a:b cpc:/tmp/) || fail "./a:b was not a local path"
	assert_eq "$(in_ct "$ID" cat /tmp/a:b)" "c" "copied"
}
