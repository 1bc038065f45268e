#!/usr/bin/env bats
# Smoke test of the cgroup VM rig: boots the guest through tests/vm/run-in-vm
# and checks what argon's cgroup tests rely on, in both cgroup modes. Skips
# when the rig cannot run here (no qemu, no kernel package).
#
#   bats tests/vm/smoke.bats

# shellcheck disable=SC2016 # the single-quoted scripts run in the guest

bats_require_minimum_version 1.5.0

setup_file() {
	export REPO VM
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd -P)
	VM="$REPO/tests/vm/run-in-vm"
	local out rc=0
	out=$("$REPO/tests/vm/setup" 2>&1) || rc=$?
	export VM_SKIP_REASON=""
	if [[ $rc == 77 ]]; then
		VM_SKIP_REASON=$(sed -n 's/^argon-vm: SKIP: //p' <<<"$out" | head -n 1)
		VM_SKIP_REASON=${VM_SKIP_REASON:-the VM rig cannot run here}
	elif [[ $rc != 0 ]]; then
		echo "tests/vm/setup failed ($rc): $out" >&2
		return 1
	fi
}

setup() {
	[[ -z $VM_SKIP_REASON ]] || skip "$VM_SKIP_REASON"
	cd "$REPO" || return 1
	scratch=""
}

teardown() {
	[[ -z ${scratch:-} ]] || rm -f "$scratch"
}

show() {
	echo "status: $status" >&2
	printf 'output: %s\n' "$output" >&2
	[[ -z ${stderr+x} ]] || printf 'stderr: %s\n' "$stderr" >&2
}

@test "the guest has cgroup v2 only, every controller enabled" {
	ARGON_VM_CGROUP=v2 run "$VM" sh -c '
		stat -f -c %T /sys/fs/cgroup
		cat /sys/fs/cgroup/cgroup.controllers
		cat /sys/fs/cgroup/cgroup.subtree_control
		cat /proc/self/cgroup
		echo "v1 mounts: $(grep -c "^[^ ]* [^ ]* cgroup " /proc/mounts)"
		mkdir /tmp/v1
		if mount -t cgroup -o memory cgroup /tmp/v1 2>/dev/null; then
			echo "v1 memory: mountable"
		else
			echo "v1 memory: refused"
		fi'
	show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = cgroup2fs ]
	for c in memory cpu io pids cpuset; do
		[[ " ${lines[1]} " == *" $c "* ]] || { echo "controllers lack $c" >&2; false; }
		[[ " ${lines[2]} " == *" $c "* ]] || { echo "subtree_control lacks $c" >&2; false; }
	done
	[ "${lines[3]}" = "0::/" ]
	[ "${lines[4]}" = "v1 mounts: 0" ]
	[ "${lines[5]}" = "v1 memory: refused" ]
}

@test "ARGON_VM_CGROUP=v1: cgroup v1 hierarchies only, no cgroup2 anywhere" {
	ARGON_VM_CGROUP=v1 run "$VM" sh -c '
		stat -f -c %T /sys/fs/cgroup
		stat -f -c %T /sys/fs/cgroup/memory
		grep " /sys/fs/cgroup/memory " /proc/self/mountinfo | sed "s/.* - //"
		echo "cgroup2 mounts: $(grep -c " - cgroup2 " /proc/self/mountinfo)"
		readlink /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuacct
		for c in cpuset cpu,cpuacct blkio memory devices freezer pids systemd; do
			[ "$(stat -f -c %T /sys/fs/cgroup/$c)" = cgroupfs ] || echo "no v1 mount: $c"
		done
		ls /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
		grep -c "^0::" /proc/self/cgroup || true
		grep -c ":memory:/$" /proc/self/cgroup'
	show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = tmpfs ]
	[ "${lines[1]}" = cgroupfs ]
	[ "${lines[2]}" = "cgroup cgroup rw,memory" ]
	[ "${lines[3]}" = "cgroup2 mounts: 0" ]
	[ "${lines[4]}" = cpu,cpuacct ]
	[ "${lines[5]}" = cpu,cpuacct ]
	[ "${lines[6]}" = /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]
	[ "${lines[7]}" = 0 ]
	[ "${lines[8]}" = 1 ]
	[ "${#lines[@]}" -eq 9 ]
}

@test "ARGON_VM_CGROUP takes v1 or v2 only" {
	ARGON_VM_CGROUP=v3 run "$VM" true
	show
	[ "$status" -eq 2 ]
	[[ $output == *"ARGON_VM_CGROUP must be v1 or v2"* ]]
}

@test "exit status, stdout and stderr come back apart" {
	run --separate-stderr "$VM" sh -c 'echo to-out; echo to-err >&2; exit 7'
	show
	[ "$status" -eq 7 ]
	[ "$output" = to-out ]
	[ "$stderr" = to-err ]
}

@test "arguments arrive intact, in the caller's directory within the repo" {
	cd "$REPO/tests"
	run --separate-stderr "$VM" sh -c 'pwd; printf "<%s>\n" "$@"' sh 'a b' "c'd" '$HOME' '' '*'
	show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$REPO/tests" ]
	[ "${lines[1]}" = "<a b>" ]
	[ "${lines[2]}" = "<c'd>" ]
	[ "${lines[3]}" = '<$HOME>' ]
	[ "${lines[4]}" = "<>" ]
	[ "${lines[5]}" = "<*>" ]
	[ "${#lines[@]}" -eq 6 ]
}

@test "the repo is visible and writable at its host path" {
	scratch=$(mktemp -p "$REPO" .vm-smoke.XXXXXX)
	echo from-host >"$scratch"
	run --separate-stderr "$VM" sh -c 'cat "$1" && sha256sum "$2" && echo from-guest >>"$1"' \
		sh "$scratch" "$REPO/tests/vm/smoke.bats"
	show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-host ]
	[ "${lines[1]}" = "$(sha256sum "$REPO/tests/vm/smoke.bats")" ]
	[ "$(cat "$scratch")" = "$(printf 'from-host\nfrom-guest')" ]
}

@test "the host's userland runs on the guest kernel, user namespaces too" {
	local runtime="$REPO/build/argon-runtime"
	run --separate-stderr "$VM" sh -c '
		uname -r
		bats --version
		/usr/bin/python3 -c "print(6 * 7)"
		unshare -U -r id -u
		if [ -x "$1" ]; then "$1" --version | head -n 1; else echo no-runtime; fi' \
		sh "$runtime"
	show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "$(uname -r)" ]
	[[ ${lines[1]} == "Bats "* ]]
	[ "${lines[2]}" = 42 ]
	[ "${lines[3]}" = 0 ]
	if [ -x "$runtime" ]; then
		[[ ${lines[4]} == "argon-runtime "* ]]
	else
		[ "${lines[4]}" = no-runtime ]
	fi
}

@test "a hung guest is stopped by ARGON_VM_TIMEOUT and leaves nothing behind" {
	local tmp="$BATS_TEST_TMPDIR/vmtmp"
	mkdir "$tmp"
	SECONDS=0
	TMPDIR=$tmp ARGON_VM_TIMEOUT=6 run "$VM" sleep 600
	show
	[ "$status" -eq 124 ]
	[[ $output == *"timed out after 6s"* ]]
	[ "$SECONDS" -lt 20 ]
	# qemu's command line names the run's temp dir under $tmp.
	run pgrep -f "$tmp"
	[ "$status" -eq 1 ]
	[ -z "$(ls -A "$tmp")" ]
}
