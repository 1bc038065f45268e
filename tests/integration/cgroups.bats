#!/usr/bin/env bats
# The job object: cgroup limits enforced by the kernel, pause/resume, kill
# --all, update, events. Each test names its own cgroupsPath so it can read
# the host's cgroup files and check that nothing is left.

load helpers

cg_setup() {
	CGPATH="argon-test/$CID"
	cfg "linux.cgroupsPath=/$CGPATH"
}

# The container's directory in the v1 hierarchy of controller $1 (or the
# cgroup2 tree on a pure v2 host).
cg_dir() {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/$CGPATH"
	else
		echo "/sys/fs/cgroup/$1/$CGPATH"
	fi
}

cg_left() {
	find /sys/fs/cgroup -maxdepth 4 -type d -path "*argon-test/$CID*" 2>/dev/null
}

setup() {
	setup_test
	cg_setup
}

# The tests' cgroupsPath parent: argon never removes a parent the config
# named (nor does runc), so the suite removes its own, once empty.
teardown_file() {
	find /sys/fs/cgroup -maxdepth 2 -type d -name argon-test -exec rmdir {} + 2>/dev/null
	suite_teardown_file
	local left
	left=$(find /sys/fs/cgroup -maxdepth 2 -type d -name argon-test)
	[ -z "$left" ] || { echo "cgroup parents left: $left" >&2; return 1; }
}

teardown() {
	teardown_test
	local left
	left=$(cg_left)
	if [ -n "$left" ]; then
		find /sys/fs/cgroup -depth -type d -path "*argon-test/$CID*" -exec rmdir {} + 2>/dev/null
		fail "cgroup dirs left: $left"
	fi
}

@test "cgroup: the container gets its own cgroup, removed on delete" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	grep -q "argon-test/$CID" "/proc/$pid/cgroup" || fail "init not in its cgroup: $(cat "/proc/$pid/cgroup")"
	[ -n "$(cg_left)" ] || fail "no cgroup dir"
	rt delete --force "$CID"
	[ -z "$(cg_left)" ] || fail "left: $(cg_left)"
}

@test "memory: a payload past the limit is OOM-killed with 137" {
	cfg 'linux.resources.memory.limit=33554432' 'linux.resources.memory.swap=33554432'
	set_args argon-testinit alloc 96
	run rt_run
	assert_status 137
	refute_contains "$output" "allocated"
}

@test "memory: events reports the oom" {
	cfg 'linux.resources.memory.limit=33554432' 'linux.resources.memory.swap=33554432'
	set_args sh -c 'read x; argon-testinit alloc 96'
	mkfifo "$TMP/in"
	"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" <"$TMP/in" >"$TMP/out" 2>&1 3>&- 4>&- &
	exec 5>"$TMP/in"
	wait $!
	track_container "$CID"
	rt events --interval 1s "$CID" >"$TMP/events" 2>&1 3>&- 4>&- &
	local ev=$!
	BG_PIDS+=("$ev")
	ct_start "$CID"
	sleep 0.5
	echo go >&5
	exec 5>&-
	retry 100 0.1 file_has "$TMP/events" '"type":"oom"' || fail "no oom event: $(cat "$TMP/events")"
	is_argon || return 0	# runc's stream does not end when the container stops
	retry 100 0.1 eval "! kill -0 $ev 2>/dev/null" || fail "events did not end with the container"
}

@test "pids: the 17th process fails with EAGAIN, the container lives" {
	cfg 'linux.resources.pids.limit=16'
	set_args argon-testinit forks 40
	ct_run_detached "$CID"
	wait_out "$CID" '^forked'
	local n
	n=$(awk '/^forked/ {print $2, $3}' "$TMP/$CID.out")
	[[ $n == "15 EAGAIN" ]] || fail "expected 15 forks then EAGAIN, got: $n"
	assert_eq "$(ct_status "$CID")" running
	assert_eq "$(cat "$(cg_dir pids)/pids.max" 2>/dev/null || echo 16)" 16
}

@test "cpu: a quota of 0.2 CPU throttles a busy loop" {
	cfg 'linux.resources.cpu.quota=20000' 'linux.resources.cpu.period=100000'
	set_args sh -c 'argon-testinit spin 2; exec argon-testinit sleep inf'
	ct_run_detached "$CID"
	retry 200 0.1 file_has "$TMP/$CID.out" spun || fail "did not spin"
	run rt events --stats "$CID"
	assert_success
	local used
	used=$(jget 'd["data"]["cpu"]["usage"]["total"]' <<<"$output")
	# 2 s at 0.2 CPU is 0.4 CPU-s; unthrottled it would be 2 s.
	[ "$used" -gt 100000000 ] || fail "cpu usage $used ns: no work measured"
	[ "$used" -lt 700000000 ] || fail "cpu usage $used ns: not throttled to 0.2 CPU"
}

@test "cpuset: the process is pinned to the given CPUs" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	cfg 'linux.resources.cpu.cpus:=1'
	set_args argon-testinit affinity
	run rt_run
	assert_success
	assert_eq "$output" 1
}

@test "devices: a device outside the rules cannot be opened; an allowed one can" {
	[ -c /dev/loop-control ] || skip "no /dev/loop-control on this host"
	cfg 'mounts+={"destination":"/lc","type":"bind","source":"/dev/loop-control","options":["bind"]}'
	set_args sh -c 'argon-testinit open /lc r; argon-testinit open /dev/null w'
	run rt_run
	assert_success
	assert_line "open /lc: EPERM"
	assert_line "opened /dev/null"
	cfg 'linux.resources.devices+={"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}'
	run rt_run
	assert_success
	assert_line "opened /lc"
}

@test "pause/resume: a paused container makes no progress, resume continues" {
	cfg root.readonly=false
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/count; done'
	ct_run_detached "$CID"
	retry 100 0.05 test -s "$ROOTFS/tmp/count" || fail "no progress at all"
	rt pause "$CID"
	assert_eq "$(ct_status "$CID")" paused
	local a b
	a=$(cat "$ROOTFS/tmp/count")
	sleep 0.3
	b=$(cat "$ROOTFS/tmp/count")
	assert_eq "$a" "$b"
	run rt pause "$CID"
	assert_failure
	rt resume "$CID"
	assert_eq "$(ct_status "$CID")" running
	sleep 0.3
	[ "$(cat "$ROOTFS/tmp/count")" != "$b" ] || fail "no progress after resume"
}

@test "delete --force: a paused container" {
	set_args argon-testinit sleep inf
	ct_run_detached "$CID"
	rt pause "$CID"
	timeout 20 "$RUNTIME" --root "$ROOT" delete --force "$CID"
	[ -z "$(cg_left)" ] || fail "left: $(cg_left)"
}

@test "kill --all: a forked tree, also processes that left the init" {
	set_args argon-testinit fork 3
	ct_run_detached "$CID"
	wait_out "$CID" '^[0-9]'
	local before
	before=$(rt ps --format json "$CID")
	[ "$(jget 'len(d)' <<<"$before")" -ge 4 ] || fail "expected init + 3 children: $before"
	rt kill --all "$CID" KILL
	retry 100 0.05 eval "[ \"\$(rt ps --format json $CID)\" = '[]' ] || [ \"\$(rt ps --format json $CID)\" = 'null' ]" ||
		fail "processes left: $(rt ps --format json "$CID")"
}

@test "update: raising and lowering the memory limit" {
	cfg 'linux.resources.memory.limit=67108864'
	set_args argon-testinit sleep inf
	ct_run_detached "$CID"
	local f
	f=$(cg_dir memory)/memory.limit_in_bytes
	[ -e "$f" ] || f=$(cg_dir memory)/memory.max
	assert_eq "$(cat "$f")" 67108864
	rt update --memory 32m "$CID"
	assert_eq "$(cat "$f")" 33554432
	rt update --memory 128M "$CID"
	assert_eq "$(cat "$f")" 134217728
	echo '{"pids":{"limit":50}}' >"$TMP/res.json"
	rt update -r "$TMP/res.json" "$CID"
	assert_eq "$(cat "$(cg_dir pids)/pids.max")" 50
	# containerd's shim (CRI UpdateContainerResources): the JSON on a pipe.
	echo '{"pids":{"limit":60}}' | rt update --resources - "$CID"
	assert_eq "$(cat "$(cg_dir pids)/pids.max")" 60
}

@test "events --stats: runc's JSON shape" {
	cfg 'linux.resources.memory.limit=67108864' 'linux.resources.pids.limit=20'
	set_args argon-testinit sleep inf
	ct_run_detached "$CID"
	run rt events --stats "$CID"
	assert_success
	assert_eq "$(jget 'd["type"]' <<<"$output")" stats
	assert_eq "$(jget 'd["id"]' <<<"$output")" "$CID"
	assert_eq "$(jget 'd["data"]["memory"]["usage"]["limit"]' <<<"$output")" 67108864
	assert_eq "$(jget 'd["data"]["pids"]["limit"]' <<<"$output")" 20
	[ "$(jget 'd["data"]["pids"]["current"]' <<<"$output")" -ge 1 ] || fail "pids.current: $output"
	[ "$(jget 'd["data"]["memory"]["usage"]["usage"]' <<<"$output")" -gt 0 ] || fail "memory usage: $output"
}

@test "cgroupsPath: .. is refused and leaves nothing" {
	skip_unless_argon "runc cleans the path instead of refusing it"
	cfg 'linux.cgroupsPath=/argon-test/../escape'
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
	[ ! -e /sys/fs/cgroup/memory/escape ] || fail "cgroup created outside"
}

@test "crash: a create killed after making its cgroup is cleaned by delete" {
	# The createRuntime hook runs in the create process's child: kill the
	# create process itself, mid-way, as a crash would.
	printf '#!/bin/sh\nkill -9 $PPID\n' >"$TMP/crash-hook"
	chmod +x "$TMP/crash-hook"
	cfg "hooks.createRuntime=[{\"path\":\"$TMP/crash-hook\"}]"
	set_args argon-testinit sleep inf
	try_create "$CID"
	assert_failure
	[ -n "$(cg_left)" ] || fail "the crash left no cgroup: the test did not crash where meant"
	run rt delete "$CID"
	is_argon && assert_success
	rt delete --force "$CID" 2>/dev/null || true
	retry 50 0.1 eval '[ -z "$(cg_left)" ]' || fail "cgroup left after delete: $(cg_left)"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "state: an OOM-killed container says oomKilled" {
	cfg 'linux.resources.memory.limit=33554432' 'linux.resources.memory.swap=33554432'
	set_args argon-testinit alloc 96
	ct_run_detached "$CID"
	wait_status "$CID" stopped
	run ct_state "$CID"
	assert_success
	if is_argon; then
		assert_eq "$(jget 'd.get("oomKilled")' <<<"$output")" true
	fi
}

@test "state: a container that was not OOM-killed has no oomKilled" {
	set_args argon-testinit true
	ct_run_detached "$CID"
	wait_status "$CID" stopped
	run ct_state "$CID"
	assert_success
	assert_eq "$(jget 'd.get("oomKilled")' <<<"$output")" null
}
