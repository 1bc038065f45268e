#!/usr/bin/env bats
# Leaks: mounts, processes and state left behind, by repeated use and by the
# whole suite. tests/run runs this file last; its suite-wide checks then
# cover every test file (all share ARGON_TEST_BASE and its pids list).

load helpers
load storage_helpers

# Processes tied to the suite: containers with a rootfs under the base,
# runtime or hook processes naming it.
suite_processes() {
	procs_of "$ARGON_TEST_BASE"
}

# One lifecycle and one failing create, N times.
churn() {
	local i
	for ((i = 0; i < $1; i++)); do
		set_args argon-testinit sleep inf
		ct_create "$CID-$i"
		ct_start "$CID-$i"
		rt kill "$CID-$i" KILL
		wait_status "$CID-$i" stopped
		rt delete "$CID-$i"
		set_args /no/such/program
		try_create "$CID-bad-$i"
		[ "$status" -ne 0 ] || fail "create of a missing program succeeded"
	done
}

@test "leaks: the leak detector sees a running container (control)" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	assert_eq "$(pids_of "$TMP")" "$pid" "container processes found before start"
	ct_start "$CID"
	assert_eq "$(pids_of "$TMP")" "$pid" "container processes found after start"
	rt delete --force "$CID"
	wait_pid_gone "$pid"
	assert_eq "$(pids_of "$TMP")" "" "container processes found after delete"
}

@test "leaks: repeated create/start/kill/delete leaves nothing" {
	local before after
	before=$(grep -c . /proc/self/mountinfo)
	churn 10
	after=$(grep -c . /proc/self/mountinfo)
	[ -z "$(mounts_mentioning "$TMP")" ] || fail "mounts left: $(mounts_mentioning "$TMP")"
	[ -z "$(pids_of "$TMP")" ] || fail "processes left: $(pids_of "$TMP")"
	[ -z "$(ls -A "$ROOT")" ] || fail "state left: $(ls -A "$ROOT")"
	# Other users of the machine may mount meanwhile: allow no growth of ours.
	((after <= before + 2)) || fail "host mount table grew from $before to $after lines"
}

@test "leaks: delete --force of many running containers leaves nothing" {
	local i
	set_args argon-testinit fork 2
	for i in 1 2 3 4 5; do
		ct_create "$CID-$i"
		ct_start "$CID-$i"
	done
	for i in 1 2 3 4 5; do
		rt delete --force "$CID-$i"
	done
	retry 50 0.1 eval '[ -z "$(pids_of "$TMP")" ]' ||
		fail "processes left: $(pids_of "$TMP")"
	[ -z "$(ls -A "$ROOT")" ] || fail "state left: $(ls -A "$ROOT")"
}

@test "leaks: the runtime's own fds do not grow across commands" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	# The runtime itself is short-lived; check that the container's init
	# did not pick up fds from the commands that touched it since.
	local pid
	pid=$(ct_pid "$CID")
	local n1 n2
	n1=$(ls "/proc/$pid/fd" | wc -l)
	rt state "$CID" >/dev/null
	rt list >/dev/null
	rt ps "$CID" >/dev/null
	rt kill "$CID" CONT
	rt exec "$CID" argon-testinit true </dev/null 3>&- 4>&-
	n2=$(ls "/proc/$pid/fd" | wc -l)
	assert_eq "$n2" "$n1" "init fds before and after other commands"
}

@test "leaks: no mount of the suite's temp dirs is left on the host" {
	local m
	m=$(grep -F -- "$ARGON_TEST_BASE" /proc/self/mountinfo || true)
	[ -z "$m" ] || fail "mounts left by the suite: $m"
	if [ -f "$ARGON_TEST_BASE/mountinfo.before" ]; then
		# tests/run saved the lines that mentioned the base before the suite
		diff <(grep -F -- "$ARGON_TEST_BASE" /proc/self/mountinfo) \
			"$ARGON_TEST_BASE/mountinfo.before" >&2 ||
			fail "mounts mentioning $ARGON_TEST_BASE differ from before the suite"
	fi
}

@test "leaks: no cgroup of the suite's containers is left" {
	# The suite's container IDs are t<N>-<pid> (setup_test); under the
	# default argon/ parent or the tests' own argon-test/ parent; the
	# engines of podman.bats and containerd.bats use a parent named after
	# this run's base (ecosystem_helpers.bash).
	local left
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d \( -path '*/argon/t[0-9]*-*' -o -path '*/argon-test*' \
		-o -name "$(basename "$ARGON_TEST_BASE")-*" \) 2>/dev/null)
	[ -z "$left" ] || fail "cgroups left by the suite: $left"
}

@test "leaks: no process started by the suite is left" {
	local left p
	left=$(suite_processes)
	[ -z "$left" ] || fail "processes left by the suite: $left"
	[ -f "$ARGON_TEST_BASE/pids" ] || skip "no pids tracked (run through tests/run)"
	for p in $(sort -u "$ARGON_TEST_BASE/pids"); do
		if pid_alive "$p" && grep -q argon-testinit "/proc/$p/cmdline" 2>/dev/null; then
			fail "tracked container process $p still runs: $(tr '\0' ' ' <"/proc/$p/cmdline")"
		fi
	done
}

@test "leaks: every test removed its temp dir" {
	local d left=""
	for d in "$ARGON_TEST_BASE"/t.*; do
		[ "$d" != "$TMP" ] && [ -e "$d" ] && left+="$d "
	done
	[ -z "$left" ] || fail "temp dirs left: $left"
}

@test "leaks: repeated capped sandbox create/rm leaves no mount, loop device or dir" {
	local i sb before after
	AROOT="$TMP/argon"
	"$MKIMAGE" oci "$TMP/img" --layer "$ARGON_PRISTINE/rootfs" --name churn:1 >/dev/null 3>&- 4>&- ||
		fail "mkimage failed"
	argon import -q "$TMP/img" >/dev/null || fail "import failed"
	before=$(grep -c . /proc/self/mountinfo)
	for ((i = 0; i < 8; i++)); do
		sb=$(argon sandbox create --storage-size 8m -v "churnvol:/data" churn:1 true) ||
			fail "sandbox create $i failed"
		argon sandbox rm "$sb" >/dev/null || fail "sandbox rm $i failed"
	done
	after=$(grep -c . /proc/self/mountinfo)
	[ -z "$(mounts_mentioning "$AROOT")" ] || fail "mounts left: $(mounts_mentioning "$AROOT")"
	[ -z "$(loops_left "$AROOT")" ] || fail "loop devices left: $(loops_left "$AROOT")"
	[ -z "$(ls -A "$AROOT/containers")" ] || fail "container dirs left: $(ls -A "$AROOT/containers")"
	((after <= before + 2)) || fail "host mount table grew from $before to $after lines"
	argon volume rm churnvol >/dev/null
	argon rmi churn:1 >/dev/null
	[ -z "$(ls -A "$AROOT/layers")" ] || fail "layers left after rmi: $(ls -A "$AROOT/layers")"
}

@test "leaks: no loop device of the suite is left attached" {
	local left
	left=$(losetup -a 2>/dev/null | grep -F "/$(basename "$ARGON_TEST_BASE")" || true)
	[ -z "$left" ] || fail "loop devices left by the suite: $left"
}

@test "leaks: no prep store of the suite is left" {
	local left
	left=$(prep_dirs_left)
	[ -z "$left" ] || fail "prep stores left: $left"
}
