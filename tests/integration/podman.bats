#!/usr/bin/env bats
# argon-runtime under podman (Debian's, with its own conmon): run, -d, exec,
# -it, stop, kill, rm, logs, pause/unpause, stats, update, on an image
# imported from a local tar. podman keeps everything in a dir of this
# file's (storage, run dir, network config, cgroup parent); containers have
# no network (--network none), so this machine's network is never touched.
# podman passes the runtime no --root, so the wrapper (ENG_RT) gives it
# ENG_DIR/rt; each call podman makes is recorded in ENG_DIR/calls.

load helpers
load ecosystem_helpers

IMAGE=localhost/argon-it:latest
# What podman writes outside its dirs whatever the flags: the shm lock
# segment, the blob info cache (of the import), netavark's run dir.
ECO_HOST_PATHS="/dev/shm/libpod_lock /var/lib/containers/cache/blob-info-cache-v1.boltdb
	/var/lib/containers/cache /var/lib/containers /run/containers/networks /run/containers"

# podman as the tests run it: $PM (podman on this file's dirs, see
# setup_file), argon-runtime, the cgroupfs manager.
pm() {
	"$PM" --cgroup-manager cgroupfs --runtime "$ENG_RT" "$@" </dev/null 3>&- 4>&-
}

# The flags of `podman run` every test needs: no network, this file's
# cgroup parent, explicit ulimits (root lacks CAP_SYS_RESOURCE here, and
# podman's defaults are the host's hard limits). Set by setup.
PM_RUN_FLAGS=()

pm_run() {
	pm run "${PM_RUN_FLAGS[@]}" "$@"
}

setup_file() {
	command -v podman >/dev/null || skip "podman is not installed (scripts/install-deps.sh)"
	eco_setup_file podman root || return 1
	# podman on this file's dirs; file events: this host has no systemd as
	# init; a home of its own (`system reset` cleans podman machines there,
	# and the user's containers.conf stays out).
	PM="$ENG_DIR/podman"
	export PM
	mkdir -p "$ENG_DIR/home"
	cat >"$PM" <<-EOF
		#!/bin/sh
		export HOME='$ENG_DIR/home' XDG_CONFIG_HOME='$ENG_DIR/home/.config' \\
			XDG_DATA_HOME='$ENG_DIR/home/.local/share'
		exec podman --root '$ENG_DIR/root' --runroot '$ENG_DIR/runroot' --tmpdir '$ENG_DIR/tmp' \\
			--network-config-dir '$ENG_DIR/net' --events-backend file "\$@"
	EOF
	chmod 755 "$PM"
	tar -C "$ENG_IMAGE_ROOTFS" -cf "$ENG_DIR/image.tar" . &&
		pm import -q "$ENG_DIR/image.tar" "$IMAGE" >/dev/null ||
		{ echo "podman import failed" >&2; return 1; }
}

teardown_file() {
	[ -n "${ENG_DIR-}" ] || return 0
	pm rm -a -f -t 0 >/dev/null 2>&1
	pm system reset -f >/dev/null 2>&1
	eco_teardown_file
}

setup() {
	PM_RUN_FLAGS=(--network none --cgroup-parent "/$ENG_CGROUP"
		--ulimit nofile=1024:1024 --ulimit nproc=20000:20000)
	eco_calls_reset
}

# Every container of the test is gone: none in podman, none in the
# runtime's state, no cgroup under the parent.
teardown() {
	local left problems=""
	pm rm -a -f -t 0 >/dev/null 2>&1
	left=$(ls -A "$ENG_DIR/rt" | grep -vx .seccomp || true)
	[ -z "$left" ] || problems+="runtime state left: $left"$'\n'
	left=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$ENG_CGROUP/libpod-*" 2>/dev/null)
	[ -z "$left" ] || problems+="container cgroups left: $left"$'\n'
	[ -z "$problems" ] || fail "teardown: $problems"
}

logs_have() {
	pm logs "$1" 2>&1 | grep -qF -- "$2"
}

# wait_logs NAME TEXT: waits (5 s) for TEXT in the container's logs.
wait_logs() {
	retry 100 0.05 logs_have "$1" "$2" ||
		fail "no \`$2\` in the logs of $1: $(pm logs "$1" 2>&1)"
}

@test "podman: run prints the output and exits with the container's status" {
	run --separate-stderr pm_run --rm "$IMAGE" sh -c 'echo hello from argon; exit 42'
	assert_status 42
	assert_eq "$output" "hello from argon"
	run -127 --separate-stderr pm_run --rm "$IMAGE" /no/such/program
	assert_contains "$stderr" "/no/such/program"
	assert_called create start delete
	grep -q -- "--pid-file" "$ENG_DIR/calls" || fail "create without --pid-file: $(eco_calls)"
}

@test "podman: run -d, then exec runs in the container's namespaces" {
	run pm_run -d --name c1 "$IMAGE" sh -c 'echo started; exec sleep 1000'
	assert_success
	wait_logs c1 started
	local pid
	pid=$(pm inspect -f '{{.State.Pid}}' c1)
	run pm exec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; readlink /proc/1/ns/pid'
	assert_success
	assert_eq "${lines[0]}" "sleep 1000 " "the exec sees the container's init as pid 1"
	assert_eq "${lines[1]}" "$(readlink "/proc/$pid/ns/pid")" "pid namespace"
	run pm exec c1 sh -c 'exit 5'
	assert_status 5
	run pm top c1 pid args
	assert_success
	assert_contains "$output" "sleep 1000"
	assert_called exec
	grep -q -- "exec .*--process " "$ENG_DIR/calls" || fail "exec without --process: $(eco_calls)"
}

@test "podman: logs has the container's stdout and stderr" {
	pm_run -d --name c1 "$IMAGE" sh -c 'echo to-stdout; echo to-stderr >&2; exec sleep 1000' >/dev/null
	wait_logs c1 to-stderr
	run pm logs c1
	assert_line to-stdout
	assert_line to-stderr
}

@test "podman: run -it and exec -it give the process a terminal" {
	run "$PY" "$HELPERS_DIR/ptyrun" --rows 30 --cols 100 expect:ready send:'stty size\r' \
		expect:'30 100' send:'exit 3\r' -- \
		"$PM" --cgroup-manager cgroupfs --runtime "$ENG_RT" run --rm -it "${PM_RUN_FLAGS[@]}" \
		"$IMAGE" sh -c 'tty; echo ready; exec sh' 3>&- 4>&-
	assert_status 3
	assert_contains "$output" "/dev/pts/0"
	grep -q -- "create .*--console-socket " "$ENG_DIR/calls" ||
		fail "run -it: create without --console-socket: $(eco_calls)"

	pm_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	run "$PY" "$HELPERS_DIR/ptyrun" -- \
		"$PM" --cgroup-manager cgroupfs --runtime "$ENG_RT" exec -it c1 \
		sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty' 3>&- 4>&-
	assert_success
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "stdin-is-a-tty"
	grep -q -- "exec .*--console-socket " "$ENG_DIR/calls" ||
		fail "exec -it: exec without --console-socket: $(eco_calls)"
}

@test "podman: kill delivers the signal; stop sends SIGTERM first" {
	pm_run -d --name c1 "$IMAGE" sh -c \
		'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_logs c1 ready
	run pm kill -s USR1 c1
	assert_success
	wait_logs c1 got-usr1
	run pm stop -t 10 c1
	assert_success
	wait_logs c1 got-term
	assert_eq "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' c1)" "exited 7"
	grep -Eq "kill ID (10|USR1|SIGUSR1)$" <(eco_calls) || fail "no kill with SIGUSR1: $(eco_calls)"
	grep -Eq "kill ID (15|TERM|SIGTERM)$" <(eco_calls) || fail "no kill with SIGTERM: $(eco_calls)"

	pm_run -d --name c2 "$IMAGE" sleep 1000 >/dev/null
	run pm kill c2
	assert_success
	retry 100 0.05 eval '[ "$(pm inspect -f "{{.State.Status}}" c2)" == exited ]' ||
		fail "c2 is $(pm inspect -f '{{.State.Status}}' c2) after kill"
	assert_eq "$(pm inspect -f '{{.State.ExitCode}}' c2)" 137
}

@test "podman: pause freezes the container's cgroup, unpause thaws it" {
	pm_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	local pid
	pid=$(pm inspect -f '{{.State.Pid}}' c1)
	run pm pause c1
	assert_success
	assert_eq "$(pm inspect -f '{{.State.Status}}' c1)" paused
	assert_eq "$(cgroup_frozen "$pid")" yes "the container's cgroup after pause"
	run pm unpause c1
	assert_success
	assert_eq "$(pm inspect -f '{{.State.Status}}' c1)" running
	assert_eq "$(cgroup_frozen "$pid")" no "the container's cgroup after unpause"
	assert_called pause resume
}

@test "podman: stats reads the container's cgroup" {
	pm_run -d --name c1 "$IMAGE" sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null
	local pid
	pid=$(pm inspect -f '{{.State.Pid}}' c1)
	retry 100 0.05 eval '[ "$(pm stats --no-stream --format "{{.PIDs}}" c1)" == 3 ]' ||
		fail "stats PIDs: $(pm stats --no-stream --format '{{.PIDs}}' c1 2>&1) (want sh + 2 sleeps)"
	run pm stats --no-stream --format '{{.MemUsage}}' c1
	assert_success
	[[ $output =~ ^[1-9][0-9.]*[kMG]?B\ / ]] || fail "stats memory: $output"
	# The runtime put the container where podman looks.
	grep -q "/$ENG_CGROUP/libpod-" "/proc/$pid/cgroup" || fail "cgroup: $(cat "/proc/$pid/cgroup")"
}

@test "podman: update changes the limits of a running container" {
	pm_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	local pid
	pid=$(pm inspect -f '{{.State.Pid}}' c1)
	run pm update --memory 64m c1
	assert_success
	assert_eq "$(cgroup_memory_limit "$pid")" 67108864 "memory limit after update"
	assert_called update
}

@test "podman: rm -f of a running container leaves nothing" {
	pm_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	local pid id
	pid=$(pm inspect -f '{{.State.Pid}}' c1)
	id=$(pm inspect -f '{{.Id}}' c1)
	[ -d "$ENG_DIR/rt/$id" ] || fail "no runtime state for $id"
	run pm rm -f -t 0 c1
	assert_success
	wait_pid_gone "$pid"
	[ ! -e "$ENG_DIR/rt/$id" ] || fail "runtime state of $id left"
	run pm ps -a -q
	assert_eq "$output" ""
	assert_called kill delete
}

@test "podman: checkpoint is refused: the runtime says it is not supported" {
	skip_unless_argon "runc checkpoints with criu"
	command -v criu >/dev/null || skip "podman checks for criu before it asks the runtime: install criu"
	pm_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	run pm container checkpoint c1
	assert_failure
	# podman asks the runtime (`checkpoint --help`) before it calls criu.
	assert_contains "$output" "configured runtime does not support checkpoint/restore"
	assert_called checkpoint
	assert_eq "$(pm inspect -f '{{.State.Status}}' c1)" running
}

@test "podman: the containers.conf of docs/examples makes argon-runtime the default" {
	sed "s|/usr/local/bin/argon-runtime|$ENG_RT|" "$REPO/docs/examples/containers.conf" \
		>"$ENG_DIR/containers.conf"
	run env CONTAINERS_CONF="$ENG_DIR/containers.conf" "$PM" info \
		--format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' </dev/null 3>&- 4>&-
	assert_success
	assert_eq "$output" "argon cgroupfs"
	run env CONTAINERS_CONF="$ENG_DIR/containers.conf" "$PM" run --rm "${PM_RUN_FLAGS[@]}" \
		"$IMAGE" echo configured </dev/null 3>&- 4>&-
	assert_success
	assert_eq "$output" configured
	assert_called create start
}
