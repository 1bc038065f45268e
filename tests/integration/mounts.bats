#!/usr/bin/env bats
# The container's file system: root, config mounts, masked and readonly
# paths, /dev, and hostile symlinks in the rootfs.

load helpers


add_mount() { # add_mount DEST TYPE SOURCE OPTIONS-JSON
	cfg "mounts+={\"destination\":\"$1\",\"type\":\"$2\",\"source\":\"$3\",\"options\":$4}"
}

@test "mounts: a read-only root refuses writes with EROFS" {
	cfg root.readonly=true
	set_args argon-testinit write /newfile x
	run rt_run
	assert_status 1
	assert_eq "$output" "write /newfile: EROFS"
	[ ! -e "$ROOTFS/newfile" ] || fail "file written"
}

@test "mounts: a writable root takes writes" {
	cfg root.readonly=false
	set_args argon-testinit write /newfile hello
	run rt_run
	assert_success
	assert_eq "$(cat "$ROOTFS/newfile")" hello
}

@test "mounts: masked files read empty and are the real /dev/null" {
	cfg 'linux.maskedPaths=["/proc/kcore","/proc/keys","/proc/timer_list"]'
	set_args sh -c 'for f in /proc/keys /proc/timer_list; do
		echo "$f $(head -c 64 $f | wc -c) $(argon-testinit stat $f | head -1)"; done
		cat /proc/kcore 2>/dev/null | head -c 64 | wc -c'
	run rt_run
	assert_success
	local f
	for f in keys timer_list; do
		assert_line "/proc/$f 0 type=char mode=0666 rdev=1:3 uid=0 gid=0 size=0"
	done
	# kcore reads empty or not at all (it is missing from some kernels).
	assert_eq "${lines[2]}" 0 "bytes read from /proc/kcore"
}

@test "mounts: a masked directory is empty and read-only" {
	cfg 'linux.maskedPaths=["/sys/firmware","/proc/scsi"]'
	set_args sh -c 'argon-testinit ls /sys/firmware; echo "ls=$?"; argon-testinit write /sys/firmware/x y'
	run rt_run
	assert_eq "${lines[0]}" ls=0
	assert_eq "${lines[1]}" "write /sys/firmware/x: EROFS"
}

@test "mounts: readonly paths refuse writes with EROFS" {
	local c
	# Even with the capability to change it, /proc/sys stays read-only.
	for c in bounding effective permitted; do
		cfg process.capabilities.$c+=CAP_SYS_ADMIN
	done
	cfg 'linux.readonlyPaths=["/proc/sys","/proc/sysrq-trigger"]'
	set_args argon-testinit write /proc/sys/kernel/hostname hacked
	run rt_run
	assert_status 1
	assert_eq "$output" "write /proc/sys/kernel/hostname: EROFS"
}

@test "mounts: /proc/sys is writable without readonlyPaths (control)" {
	local c
	for c in bounding effective permitted; do
		cfg process.capabilities.$c+=CAP_SYS_ADMIN
	done
	cfg 'linux.readonlyPaths=[]'
	set_args sh -c 'argon-testinit write /proc/sys/kernel/hostname inside && hostname'
	run rt_run
	assert_success
	assert_line inside
}

@test "mounts: a read-only bind mount of a host dir" {
	mkdir "$TMP/hostdir"
	echo original >"$TMP/hostdir/file"
	add_mount /data bind "$TMP/hostdir" '["bind","ro"]'
	cfg root.readonly=false
	set_args sh -c 'argon-testinit read /data/file; argon-testinit write /data/file changed; argon-testinit write /data/new x'
	run rt_run
	assert_line original
	assert_line "write /data/file: EROFS"
	assert_line "write /data/new: EROFS"
	assert_eq "$(cat "$TMP/hostdir/file")" original
	[ ! -e "$TMP/hostdir/new" ] || fail "file created in the host dir"
}

@test "mounts: a read-write bind mount shares writes with the host" {
	mkdir "$TMP/hostdir"
	add_mount /data bind "$TMP/hostdir" '["rbind","rw"]'
	set_args argon-testinit write /data/from-container yes
	run rt_run
	assert_success
	assert_eq "$(cat "$TMP/hostdir/from-container")" yes
}

@test "mounts: a bind mount of a single file" {
	echo file-content >"$TMP/hostfile"
	add_mount /etc/injected none "$TMP/hostfile" '["bind","ro"]'
	set_args argon-testinit read /etc/injected
	run rt_run
	assert_success
	assert_eq "$output" file-content
	[ -e "$ROOTFS/etc/injected" ] || fail "mount target not created in the rootfs"
}

@test "mounts: a tmpfs with options, writable under a read-only root" {
	add_mount /scratch tmpfs tmpfs '["nosuid","nodev","mode=1770","size=1m"]'
	cfg root.readonly=true
	set_args sh -c 'argon-testinit write /scratch/x y && argon-testinit stat /scratch && argon-testinit mounts'
	run rt_run
	assert_success
	assert_line "wrote /scratch/x"
	assert_contains "${lines[1]}" "type=dir mode=1770"
	local m
	m=$(grep ' /scratch ' <<<"$output")
	assert_contains "$m" " - tmpfs "
	assert_contains "$m" nosuid
	assert_contains "$m" nodev
	assert_contains "$m" "size=1024k"
}

@test "mounts: the container's mounts stay out of the host" {
	add_mount /scratch tmpfs tmpfs '[]'
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	[ -z "$(mounts_mentioning "$TMP")" ] || fail "host sees: $(mounts_mentioning "$TMP")"
	local pid
	pid=$(ct_pid "$CID")
	grep -q ' /scratch ' "/proc/$pid/mountinfo" || fail "no /scratch in the container"
}

@test "mounts: a destination through a symlink stays inside the rootfs" {
	local marker="argon-outside-$BASHPID-$RANDOM"
	rmdir "$ROOTFS/mnt"
	ln -s "/../../../../tmp/$marker" "$ROOTFS/mnt"
	add_mount /mnt tmpfs tmpfs '[]'
	cfg root.readonly=false
	set_args sh -c "argon-testinit write /mnt/inside yes; argon-testinit mounts"
	run rt_run
	[ ! -e "/tmp/$marker" ] || { rm -rf "/tmp/$marker"; fail "/tmp/$marker created outside the rootfs"; }
	grep -q "/tmp/$marker" /proc/self/mountinfo && fail "host mount on /tmp/$marker"
	assert_success
	assert_line "wrote /mnt/inside"
	# Resolved inside the rootfs (argon, as RESOLVE_IN_ROOT would) or the
	# symlink replaced by a directory (runc): both stay in the rootfs.
	grep -Eq " (/tmp/$marker|/mnt) .* - tmpfs " <<<"$output" ||
		fail "the tmpfs is not inside: $output"
	[ -z "$(find "$ROOTFS" -name inside)" ] || fail "write went to the rootfs, not the tmpfs"
	if is_argon; then
		grep -q " /tmp/$marker " <<<"$output" || fail "not mounted at /tmp/$marker"
		[ -d "$ROOTFS/tmp/$marker" ] || fail "target not created inside the rootfs"
	fi
}

@test "mounts: /proc as a symlink out of the rootfs fails and writes nothing there" {
	mkdir "$TMP/outside"
	rmdir "$ROOTFS/proc"
	ln -s "$TMP/outside" "$ROOTFS/proc"
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	[ -z "$(ls -A "$TMP/outside")" ] || fail "written outside: $(ls -A "$TMP/outside")"
	[ -z "$(mounts_mentioning "$TMP/outside")" ] || fail "mounted outside"
	[ ! -e "$ROOT/$CID" ] || fail "state left"
}

@test "mounts: a planted /dev/null file is replaced by the real device" {
	# Without the /dev tmpfs the runtime makes its devices in the rootfs.
	cfg --rm-mount /dev root.readonly=false
	rm -f "$ROOTFS/dev/null"
	echo PLANTED >"$ROOTFS/dev/null"
	cfg 'linux.maskedPaths=["/proc/keys"]'
	set_args sh -c 'argon-testinit stat /dev/null; head -c 64 /dev/null; head -c 64 /proc/keys; argon-testinit stat /proc/keys' >/dev/null
	run rt_run
	assert_success
	[ -n "$output" ] || fail "no output: stdio went to the planted file? It holds: $(head -c 300 "$ROOTFS/dev/null")"
	refute_contains "$output" PLANTED
	assert_eq "${lines[0]}" "type=char mode=0666 rdev=1:3 uid=0 gid=0 size=0"
	assert_eq "${lines[1]}" "type=char mode=0666 rdev=1:3 uid=0 gid=0 size=0"
}

@test "mounts: /dev has the standard devices and links" {
	set_args sh -c 'for d in null zero full random urandom tty; do argon-testinit stat /dev/$d; done; for l in fd stdin stdout stderr ptmx; do argon-testinit stat /dev/$l | tail -1; done; argon-testinit ls /dev/pts'
	run rt_run
	assert_success
	assert_eq "$(grep -c '^type=char mode=0666' <<<"$output")" 6
	assert_line "symlink -> /proc/self/fd"
	assert_line "symlink -> /proc/self/fd/0"
	assert_line "symlink -> /proc/self/fd/1"
	assert_line "symlink -> /proc/self/fd/2"
	assert_line "symlink -> pts/ptmx"
	assert_line ptmx
}

@test "mounts: linux.devices creates extra nodes" {
	cfg 'linux.devices=[{"path":"/dev/argon-null","type":"c","major":1,"minor":3,"fileMode":432,"uid":0,"gid":0}]'
	set_args argon-testinit stat /dev/argon-null
	run rt_run
	assert_success
	assert_contains "$output" "type=char mode=0660 rdev=1:3"
}

@test "mounts: proc and sysfs are the container's own" {
	set_args argon-testinit ls /proc
	run rt_run
	assert_success
	assert_eq "$(grep '^[0-9]' <<<"$output")" 1 "processes visible in /proc"
	set_args argon-testinit mounts
	run rt_run
	assert_success
	grep -q ' /proc .* - proc ' <<<"$output" || fail "no proc mount"
	grep -q ' /sys .* - sysfs ' <<<"$output" || fail "no sysfs mount"
	# Nothing of the host's mount table beyond the container's own.
	refute_contains "$output" "$TMP"
}
