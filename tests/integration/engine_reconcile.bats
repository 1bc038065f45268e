#!/usr/bin/env bats
# argon's engine after a crash or a host reboot: the state a dead monitor,
# dead container processes, a cleared runtime state dir (/run after a
# reboot), an unmounted sandbox and a detached loop device leave is made
# truthful by the next command (engine_state.c's refresh): the container
# shows Exited, its leftover cgroup (and any process in it) goes, a --rm
# container is removed, `start` runs it again over its kept sandbox, and
# `rm` leaves nothing.
#
# The exit code no one saw is -1: `ps` shows "Exited (-1)", inspect
# State.ExitCode -1 with State.Error saying the monitor died (docker, which
# cannot know it either after a reboot, shows 255; -1 keeps it apart from a
# process's own exit 255).

load engine_helpers

# The container's command: says which run it is (the marker file written
# by the previous run, or "fresh"), marks this one, then stays up.
MARK_CMD='echo "run-$(cat /marker 2>/dev/null || echo fresh)"; echo again >/marker; echo ready; exec sleep 1000'

# ---------------------------------------------------------------- helpers

# cg_pids ID: every pid the container's cgroups list (cgroup.procs of each
# hierarchy), once each.
cg_pids() {
	local cg
	for cg in $(cgroups_of "$1"); do
		cat "$cg/cgroup.procs" 2>/dev/null
	done | sort -un
}

# crash ID: what a crash leaves: the monitor and every process of the
# container SIGKILLed (only pids found in its cgroups), and the runtime's
# state gone as a reboot clears /run. The container's cgroup stays.
crash() {
	local id=$1 mon pids p
	mon=$(monitor_pid "$id") || { fail "no monitor found for $id"; return 1; }
	pids=$(cg_pids "$id")
	[ -n "$pids" ] || { fail "no process in the cgroups of $id: $(cgroups_of "$id")"; return 1; }
	kill -9 "$mon"
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	wait_pid_gone "$mon"
	for p in $pids; do wait_pid_gone "$p" || return 1; done
	retry 50 0.05 eval '[ -z "$(cg_pids "$id")" ]' ||
		{ fail "processes left in the cgroups of $id: $(cg_pids "$id")"; return 1; }
	[ -d "$ESTATE/runtime/$id" ] || { fail "no runtime state $ESTATE/runtime/$id"; return 1; }
	rm -rf "$ESTATE/runtime/$id"
	[ -n "$(cgroups_of "$id")" ] || { fail "the crash took the cgroup of $id too"; return 1; }
}

# container_mounts ID: mount points under the container's dir, deepest first.
container_mounts() {
	awk -v d="$AROOT/containers/$1/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo |
		sort -r
}

# reboot_after_crash ID: crash, then what a reboot also undoes: the
# container's mounts and its loop device (a --storage-size sandbox).
reboot_after_crash() {
	local id=$1 m dev
	crash "$id" || return 1
	for m in $(container_mounts "$id"); do
		umount "$m" || { fail "umount $m"; return 1; }
	done
	for dev in $(losetup -j "$AROOT/containers/$id/sandbox.img" 2>/dev/null | cut -d: -f1); do
		losetup -d "$dev" 2>/dev/null || true
	done
	[ -z "$(container_mounts "$id")" ] || { fail "mounts left: $(container_mounts "$id")"; return 1; }
	[ -z "$(loops_left "$AROOT")" ] || { fail "loop device left: $(loops_left "$AROOT")"; return 1; }
}

# Checks that the reconcile left nothing of ID in the kernel.
assert_reconciled() {
	local id=$1
	[ -z "$(cgroups_of "$id")" ] || fail "cgroups of $id left: $(cgroups_of "$id")"
	[ -z "$(state_entries_of "$id")" ] || fail "runtime state left: $(state_entries_of "$id")"
	[ -z "$(pids_of "$TMP")" ] || fail "processes left: $(procs_of "$TMP")"
}

assert_exited_unknown() {
	local id=$1 row
	row=$(ps_row "${id:0:12}") || fail "ps -a does not list $id"
	[[ $(ps_col "$row" 4) =~ ^Exited\ \(-1\)\  ]] || fail "ps STATUS: $row"
	assert_eq "$(state_of "$id")" exited State.Status
	assert_eq "$(ins "$id" 'c["State"]["ExitCode"]')" -1 State.ExitCode
	assert_eq "$(ins "$id" 'c["State"]["Running"]')" false State.Running
	assert_eq "$(eng ps -q)" "" "ps -q (running)"
}

# The container's rootfs is mounted and its first run's marker is there.
assert_second_run() {
	local id=$1
	wait_logs "$id" run-again
	assert_eq "$(state_of "$id")" running State.Status
	mountpoint -q "$AROOT/containers/$id/rootfs" || fail "rootfs of $id is not mounted"
	pid_alive "$(pid_of "$id")" || fail "State.Pid of $id is not alive"
}

# ---------------------------------------------------------------- crash

@test "reconcile: after a crash ps shows Exited (-1), the cgroup goes, start runs it again" {
	run_d --name crashed busybox sh -c "$MARK_CMD"
	wait_logs "$ID" ready
	logs_have "$ID" run-fresh || fail "first run: $(eng logs "$ID" 2>&1)"
	crash "$ID"
	erun ps -a
	assert_success
	assert_exited_unknown "$ID"
	assert_reconciled "$ID"
	assert_contains "$(ins "$ID" 'c["State"]["Error"]')" "monitor"
	erun start crashed
	assert_success
	assert_second_run "$ID"
	erun rm -f crashed
	assert_success
	assert_no_containers
	assert_reconciled "$ID"
}

@test "reconcile: after a crash the cgroup's stray processes are killed, rm leaves nothing" {
	run_d busybox sh -c 'echo ready; exec sleep 1000'
	wait_logs "$ID" ready
	local mon init
	mon=$(monitor_pid "$ID")
	init=$(pid_of "$ID")
	# Only the monitor dies and the runtime's state goes: the init is left
	# in the cgroup, unknown to the runtime. The engine cannot watch it.
	kill -9 "$mon"
	wait_pid_gone "$mon"
	rm -rf "$ESTATE/runtime/$ID"
	pid_alive "$init" || fail "the init died with its monitor"
	erun ps -a
	assert_success
	wait_pid_gone "$init"
	assert_exited_unknown "$ID"
	assert_reconciled "$ID"
	erun rm "$ID"
	assert_success
	assert_eq "$output" "$ID"
	assert_no_containers
}

# ---------------------------------------------------------------- reboot

@test "reconcile: after a reboot (--storage-size) start remounts the sandbox on a new loop device" {
	run_d --name rebooted --storage-size 64m busybox sh -c "$MARK_CMD"
	wait_logs "$ID" ready
	[ -n "$(loops_of "$AROOT")" ] || fail "no loop device for a --storage-size container"
	reboot_after_crash "$ID"
	rm -rf "$ESTATE"	# /run/argon is a tmpfs: all of it is gone
	erun ps -a
	assert_success
	assert_exited_unknown "$ID"
	assert_reconciled "$ID"
	erun sandbox ls
	assert_success
	[[ $(grep "^${ID:0:12} " <<<"$output") =~ \ no\ + ]] || fail "sandbox ls: $output"
	erun start rebooted
	assert_success
	assert_second_run "$ID"
	[ -n "$(loops_of "$AROOT")" ] || fail "no loop device after start"
	erun rm -f rebooted
	assert_success
	assert_no_containers
	assert_reconciled "$ID"
	[ -z "$(loops_left "$AROOT")" ] || fail "loop devices left: $(loops_left "$AROOT")"
}

@test "reconcile: after a reboot start remounts a plain sandbox; its files are kept" {
	run_d busybox sh -c "$MARK_CMD"
	wait_logs "$ID" ready
	reboot_after_crash "$ID"
	erun start "$ID"
	assert_success
	assert_second_run "$ID"
	erun stop -t 1 "$ID"
	assert_success
	erun rm "$ID"
	assert_success
	assert_no_containers
}

@test "reconcile: after a reboot rm (no -f) removes an unmounted sandbox, loop-backed or not" {
	local a b
	run_d --storage-size 64m busybox sh -c 'echo ready; exec sleep 1000'
	a=$ID
	run_d busybox sh -c 'echo ready; exec sleep 1000'
	b=$ID
	wait_logs "$a" ready
	wait_logs "$b" ready
	reboot_after_crash "$a"
	reboot_after_crash "$b"
	erun rm "$a" "$b"
	assert_success
	assert_eq "$output" "$a"$'\n'"$b"
	assert_no_containers
	assert_reconciled "$a"
	assert_reconciled "$b"
	[ -z "$(loops_left "$AROOT")" ] || fail "loop devices left: $(loops_left "$AROOT")"
}

@test "reconcile: a created container whose monitor died shows Exited, start makes it anew" {
	create_c --name made busybox sh -c "$MARK_CMD"
	local mon init
	mon=$(monitor_pid "$ID")
	init=$(pid_of "$ID")
	kill -9 "$mon"
	wait_pid_gone "$mon"
	erun ps -a
	assert_success
	wait_pid_gone "$init"
	assert_exited_unknown "$ID"
	assert_reconciled "$ID"
	erun start made
	assert_success
	wait_logs "$ID" run-fresh
	assert_eq "$(state_of "$ID")" running
}

# ---------------------------------------------------------------- --rm

@test "reconcile: a --rm container whose monitor and init were killed is gone after ps -a" {
	run_d --rm --name gone busybox sh -c 'echo ready; exec sleep 1000'
	wait_logs "$ID" ready
	local mon init
	mon=$(monitor_pid "$ID")
	init=$(pid_of "$ID")
	kill -9 "$mon" "$init"
	wait_pid_gone "$mon"
	wait_pid_gone "$init"
	# Several commands at once: one of them removes it, none fails.
	local i pids=()
	for i in 1 2 3 4; do
		eng ps -a >"$TMP/ps$i.out" 2>"$TMP/ps$i.err" &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		wait "${pids[i - 1]}" || fail "ps -a $i failed: $(cat "$TMP/ps$i.err")"
		grep -q "${ID:0:12}" "$TMP/ps$i.out" && fail "ps -a $i lists the container after it was found dead: $(cat "$TMP/ps$i.out")"
	done
	erun ps -aq
	assert_success
	assert_eq "$output" "" "ps -aq"
	erun inspect gone
	assert_status 1
	assert_contains "$stderr" "no such container"
	erun wait "$ID"
	assert_success
	assert_eq "$output" -1 "wait of the removed container"
	assert_no_containers
	assert_reconciled "$ID"
	# Its end was recorded once, as the monitor would have.
	local ev
	ev=$("$PY" -c '
import json, sys
n = {"die": 0, "destroy": 0}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("id") == sys.argv[2] and e.get("Action") in n:
        n[e["Action"]] += 1
        if e["Action"] == "die":
            assert e["Actor"]["Attributes"]["exitCode"] == "-1", l
print(n["die"], n["destroy"])' "$ESTATE/events.log" "$ID") || fail "events.log: $(cat "$ESTATE/events.log")"
	assert_eq "$ev" "1 1" "die and destroy events"
}

# ---------------------------------------------------------------- monitor only

@test "reconcile: monitor SIGKILLed, init alive: ps shows Up, stop marks it exited, rm -f works" {
	local a b init
	run_d busybox sh -c 'echo ready; exec sleep 1000'
	a=$ID
	run_d busybox sh -c 'echo ready; exec sleep 1000'
	b=$ID
	wait_logs "$a" ready
	wait_logs "$b" ready
	local x mon
	for x in "$a" "$b"; do
		mon=$(monitor_pid "$x")
		kill -9 "$mon"
		wait_pid_gone "$mon"
	done
	erun ps
	assert_success
	assert_eq "${#lines[@]}" 3 "ps lines"
	[[ $(ps_col "$(ps_row "${a:0:12}")" 4) =~ ^Up ]] || fail "ps: $(ps_row "${a:0:12}")"
	init=$(pid_of "$a")
	erun stop -t 1 "$a"
	assert_success
	wait_pid_gone "$init"
	# no monitor saw how it ended
	assert_eq "$(state_of "$a")" exited "State.Status after stop"
	assert_eq "$(ins "$a" 'c["State"]["ExitCode"]')" -1 "State.ExitCode after stop"
	assert_eq "$(eng ps -q)" "${b:0:12}" "ps -q after stop"
	[ -z "$(cgroups_of "$a")" ] || fail "cgroups of the stopped container: $(cgroups_of "$a")"
	init=$(pid_of "$b")
	erun rm -f "$b"
	assert_success
	assert_eq "$output" "$b"
	wait_pid_gone "$init"
	[ -z "$(cgroups_of "$b")" ] || fail "cgroups of the removed container: $(cgroups_of "$b")"
	erun rm "$a"
	assert_success
	assert_no_containers
}

# ---------------------------------------------------------------- sandbox rm

@test "reconcile: sandbox rm refuses a container the engine runs; after stop it removes it" {
	local c ref
	create_c busybox true
	c=$ID
	run_d --name busy busybox sh -c 'echo ready; exec sleep 1000'
	wait_logs "$ID" ready
	for ref in busy "$c"; do
		erun sandbox rm "$ref"
		assert_status 1
		assert_contains "$stderr" "container \`$ref\` is running: stop it first (argon stop / argon rm -f)"
	done
	assert_eq "$(state_of busy)" running "after a refused sandbox rm"
	mountpoint -q "$AROOT/containers/$ID/rootfs" || fail "rootfs unmounted by a refused sandbox rm"
	# its monitor gone, the init alive: still running, still refused
	local mon
	mon=$(monitor_pid "$ID")
	kill -9 "$mon"
	wait_pid_gone "$mon"
	erun sandbox rm busy
	assert_status 1
	erun stop -t 1 busy
	assert_success
	erun sandbox rm busy
	assert_success
	erun rm -f "$c"
	assert_success
	assert_no_containers
}
