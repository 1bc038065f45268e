#!/usr/bin/env bats
# Privileges, leaks of host resources into the container, known escapes.

load helpers

# CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
DEFAULT_CAPS='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'
DEFAULT_MASK=0000000020000420

@test "caps: the default spec's three capabilities, nothing inheritable" {
	# The default spec must hold exactly these (as runc's does).
	assert_eq "$(cfg --print process.capabilities.bounding | jget 'sorted(d)')" "$(jget 'sorted(d)' <<<"$DEFAULT_CAPS")"
	set_args argon-testinit caps
	run rt_run
	assert_success
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapPrm:\t'$DEFAULT_MASK
	assert_line $'CapEff:\t'$DEFAULT_MASK
	assert_line $'CapBnd:\t'$DEFAULT_MASK
	assert_line $'CapAmb:\t0000000000000000'
}

@test "caps: a non-root user keeps ambient capabilities" {
	local c
	for c in bounding effective permitted inheritable ambient; do
		cfg "process.capabilities.$c=[\"CAP_NET_BIND_SERVICE\"]"
	done
	cfg process.user.uid=1000 process.user.gid=1000
	set_args argon-testinit caps
	run rt_run
	assert_success
	assert_line $'CapEff:\t0000000000000400'
	assert_line $'CapAmb:\t0000000000000400'
	assert_line $'CapBnd:\t0000000000000400'
}

@test "caps: a non-root user without ambient capabilities has none" {
	cfg process.user.uid=1000 process.user.gid=1000
	set_args argon-testinit caps
	run rt_run
	assert_success
	assert_line $'CapEff:\t0000000000000000'
	assert_line $'CapPrm:\t0000000000000000'
	assert_line $'CapBnd:\t'$DEFAULT_MASK
}

@test "caps: an unknown capability name is refused" {
	cfg 'process.capabilities.bounding+=CAP_NO_SUCH_THING'
	set_args argon-testinit true
	try_create "$CID"
	if is_argon; then
		assert_status 1
		assert_argon_error CAP_NO_SUCH_THING
		[ ! -e "$ROOT/$CID" ] || fail "state left"
	fi
	# runc warns and goes on: either way nothing is left behind
	[ "$status" -ne 0 ] || rt delete --force "$CID"
}

@test "nnp: noNewPrivileges keeps a setuid binary from gaining root" {
	cp "$ROOTFS/bin/argon-testinit" "$ROOTFS/bin/suid-ids"
	chmod 4755 "$ROOTFS/bin/suid-ids"
	cfg process.user.uid=1000 process.user.gid=1000 process.noNewPrivileges=false
	set_args /bin/suid-ids ids
	run rt_run
	assert_success
	assert_eq "$output" "uid=1000 gid=1000 euid=0 egid=1000 groups=" "setuid works (control)"
	cfg process.noNewPrivileges=true
	run rt_run
	assert_success
	assert_eq "$output" "uid=1000 gid=1000 euid=1000 egid=1000 groups="
}

@test "fds: only stdio reaches a created init (plus the exec fifo)" {
	set_args argon-testinit fds
	ct_create "$CID"
	local pid fds extra
	pid=$(ct_pid "$CID")
	fds=$(cd "/proc/$pid/fd" && for f in *; do echo "$f -> $(readlink "$f")"; done)
	# fd 7 of this shell points to a host directory: it must not be there.
	refute_contains "$fds" "$ARGON_PRISTINE"
	extra=$(grep -Ev '^[012] -> ' <<<"$fds" || true)
	if [ -n "$extra" ]; then
		[ "$(grep -c . <<<"$extra")" -le 1 ] || fail "fds of the created init: $fds"
		assert_contains "$extra" exec.fifo
	fi
}

@test "fds: only stdio reaches the started process" {
	set_args argon-testinit fds
	run rt_run
	assert_success
	assert_eq "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" "0 1 2 " "fds: $output"
	refute_contains "$output" "$ARGON_PRISTINE"
}

@test "CVE-2024-21626: a cwd through a leaked fd fails without escape" {
	local fd
	cfg root.readonly=false
	set_args sh -c 'argon-testinit cwd; argon-testinit write escape-marker x; ls ../../../..'
	for fd in 3 4 5 6 7 8 9; do
		cfg process.cwd:=/proc/self/fd/$fd
		run rt_run
		[ "$status" -ne 0 ] || fail "cwd /proc/self/fd/$fd accepted: $output"
		[ -z "$(find "$ARGON_TEST_BASE" /tmp /sys/fs/cgroup -maxdepth 3 -name escape-marker 2>/dev/null)" ] ||
			fail "escaped through fd $fd"
	done
}

@test "CVE-2019-5736: the init's /proc/PID/exe is not the runtime binary" {
	skip_unless_argon "runc 1.1.5 (Debian) runs the host's runc file as init; only ETXTBSY protects it"
	set_args argon-testinit true
	ct_create "$CID"
	local pid exe
	pid=$(ct_pid "$CID")
	exe=$(readlink "/proc/$pid/exe")
	echo "created init's exe: $exe" >&2
	if [[ $exe != memfd:* && $exe != /memfd:* ]]; then
		[ ! "/proc/$pid/exe" -ef "$(readlink -f "$RUNTIME")" ] ||
			fail "the created init runs the host's runtime file $exe"
	fi
	if (exec 5>>"/proc/$pid/exe") 2>/dev/null; then
		fail "/proc/$pid/exe ($exe) opens for writing"
	fi
}

@test "userns: root inside maps to uid 100000 outside" {
	cfg --ns-add user \
		'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
		'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
	set_args sh -c 'argon-testinit ids; exec argon-testinit sleep inf'
	ct_create "$CID"
	ct_start "$CID"
	wait_out "$CID" '^uid='
	assert_eq "$(head -1 "$TMP/$CID.out")" "uid=0 gid=0 euid=0 egid=0 groups="
	local pid
	pid=$(ct_pid "$CID")
	grep -q $'^Uid:\t100000\t100000\t100000\t100000$' "/proc/$pid/status" ||
		fail "host view: $(grep -E '^(Uid|Gid)' "/proc/$pid/status")"
	grep -q $'^Gid:\t100000\t100000\t100000\t100000$' "/proc/$pid/status" ||
		fail "host view: $(grep -E '^(Uid|Gid)' "/proc/$pid/status")"
	assert_eq "$(cat "/proc/$pid/uid_map" | tr -s ' ')" " 0 100000 65536"
}

@test "userns: files owned by unmapped ids show as nobody" {
	cfg --ns-add user \
		'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
		'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
	set_args argon-testinit stat /bin/busybox
	run rt_run
	assert_success
	assert_contains "$output" "uid=65534 gid=65534"
}

@test "userns: a file of host root bind-mounted read-write cannot be written" {
	echo secret >"$TMP/hostfile"
	chmod 644 "$TMP/hostfile"
	touch "$ROOTFS/mnt/hostfile"	# the rootfs is host root's too: no mountpoint can be made
	local c
	cfg --ns-add user \
		'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
		'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
		"mounts+={\"destination\":\"/mnt/hostfile\",\"type\":\"bind\",\"source\":\"$TMP/hostfile\",\"options\":[\"rbind\",\"rw\"]}"
	# root's overrides inside do not reach a file whose owner is not mapped
	for c in CAP_DAC_OVERRIDE CAP_FOWNER CAP_CHOWN; do
		cfg "process.capabilities.bounding+=$c" "process.capabilities.effective+=$c" \
			"process.capabilities.permitted+=$c"
	done
	set_args sh -c 'argon-testinit write /mnt/hostfile pwned; chmod 666 /mnt/hostfile || echo chmod-refused'
	run rt_run
	assert_line "write /mnt/hostfile: EACCES"
	assert_line chmod-refused
	assert_eq "$(cat "$TMP/hostfile")" secret
	assert_eq "$(stat -c '%u %a' "$TMP/hostfile")" "0 644"
}

@test "pidns: the container cannot see host processes" {
	set_args argon-testinit ls /proc
	run rt_run
	assert_success
	assert_eq "$(grep -c '^[0-9]' <<<"$output")" 1
	refute_line "$$"
}

@test "ipcns: the container has its own System V IPC" {
	local host_ns
	set_args argon-testinit exec /bin/readlink readlink /proc/self/ns/ipc
	run rt_run
	assert_success
	host_ns=$(readlink /proc/self/ns/ipc)
	[ "$output" != "$host_ns" ] || fail "same ipc namespace as the host: $output"
}

# The caller's own sets, to run the runtime with inheritable and ambient
# capabilities that must not reach the container (CVE-2022-27650 class).
host_bnd() {
	awk '$1 == "CapBnd:" {print $2}' /proc/self/status
}

rt_run_inheriting() {
	timeout -k 5 60 setpriv --inh-caps=+kill,+net_bind_service --ambient-caps=+kill -- \
		"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" </dev/null 3>&- 4>&-
}

@test "caps: without process.capabilities nothing inheritable or ambient survives from the caller" {
	cfg -process.capabilities
	set_args argon-testinit caps
	run rt_run_inheriting
	assert_success
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
	# argon: root keeps the caller's set, as the kernel would give it
	# (runc gives no capabilities at all)
	if is_argon; then
		assert_line $'CapPrm:\t'"$(host_bnd)"
		assert_line $'CapEff:\t'"$(host_bnd)"
		assert_line $'CapBnd:\t'"$(host_bnd)"
	fi
	# a non-root user gets nothing at all
	cfg process.user.uid=1000 process.user.gid=1000
	run rt_run_inheriting
	assert_success
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapPrm:\t0000000000000000'
	assert_line $'CapEff:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
}

@test "caps: capabilities without an inheritable set inherit nothing from the caller" {
	cfg -process.capabilities.inheritable -process.capabilities.ambient
	set_args argon-testinit caps
	run rt_run_inheriting
	assert_success
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
	assert_line $'CapEff:\t'$DEFAULT_MASK
}

@test "user: supplementary groups are exactly additionalGids, none by default" {
	cfg process.user.uid=1000 process.user.gid=1000 'process.user.additionalGids=[5,7]'
	set_args argon-testinit status Groups:
	run rt_run
	assert_success
	assert_eq "$(sed 's/[[:space:]]*$//' <<<"$output")" $'Groups:\t5 7'
	# none configured: the caller's own groups are dropped
	cfg -process.user.additionalGids
	run timeout -k 5 60 setpriv --groups 4,20 -- \
		"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" </dev/null 3>&- 4>&-
	assert_success
	assert_eq "$(sed 's/[[:space:]]*$//' <<<"$output")" $'Groups:'
}
