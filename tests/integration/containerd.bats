#!/usr/bin/env bats
# argon-runtime under containerd (Debian's) through its runc v2 shim, the
# way Kubernetes reaches a runtime: the shim's BinaryName option names
# argon-runtime, set per container by `ctr run --runc-binary`, and for the
# CRI plugin by the runtime handler of docs/examples/containerd-argon.toml
# (which this file's containerd loads). This file starts its own containerd
# on its own socket, root and state dirs, in a network namespace of its own
# (a host-network pod shares it), imports an image with `ctr image import`,
# drives run (plain and -t), task exec, ps, pause/resume, metrics, kill,
# delete, a pod through the CRI (tests/integration/cri, as the kubelet
# would), and stops containerd at the end.

load helpers
load ecosystem_helpers

IMAGE=localhost/argon-it:latest
NS=argon-test
# What containerd writes outside its dirs whatever the config: the runc
# shim's socket dir (/run/containerd/s), ctr's default fifo dir.
ECO_HOST_PATHS="/run/containerd/s /run/containerd/fifo /run/containerd"

# ctr on this file's containerd, in namespace NS (or CTR_NS: k8s.io is the CRI's).
c() {
	ctr --address "$ENG_DIR/containerd.sock" --connect-timeout 2s --namespace "${CTR_NS:-$NS}" \
		"$@" </dev/null 3>&- 4>&-
}

# cri ARGS...: the CRI client (tests/integration/cri) on this file's containerd.
cri() {
	"$HELPERS_DIR/cri" "$ENG_DIR/containerd.sock" "$@" </dev/null 3>&- 4>&-
}

# The flags of `ctr run` that every test needs: argon-runtime as the shim's
# binary, its state, the IO fifos and the cgroup in this file's dirs.
# ctr_run [FLAGS...] IMAGE ID ARGS...
ctr_run() {
	local id i args=("$@")
	for ((i = 0; i < ${#args[@]}; i++)); do
		[ "${args[i]}" == "$IMAGE" ] && id=${args[i + 1]} && break
	done
	c run --runc-binary "$ENG_RT" --runc-root "$ENG_DIR/rt" --fifo-dir "$ENG_DIR/fifo" \
		--cgroup "/$ENG_CGROUP/$id" "$@"
}

# c_exec ARGS...: `ctr task exec`, its IO fifos in this file's dir.
c_exec() {
	c task exec --fifo-dir "$ENG_DIR/fifo" "$@"
}

# wait_containerd PID: waits (10 s) until containerd answers; gives up at
# once when it has exited (a bad config).
wait_containerd() {
	local i
	for ((i = 0; i < 100; i++)); do
		c version >/dev/null 2>&1 && return 0
		pid_alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

setup_file() {
	local b
	for b in containerd ctr containerd-shim-runc-v2; do
		command -v "$b" >/dev/null || skip "$b is not installed (scripts/install-deps.sh)"
	done
	eco_setup_file containerd || return 1
	# The CRI plugin's own settings for this host: no CNI (pods use the host
	# network, here containerd's namespace), the image below as the pause
	# image, and oom_score_adj kept at containerd's (root lacks
	# CAP_SYS_RESOURCE here). Then the handler of docs/examples with this
	# file's runtime wrapper and state root.
	mkdir -p "$ENG_DIR/cni-conf" "$ENG_DIR/cni-bin" "$ENG_DIR/pods"
	cat >"$ENG_DIR/config.toml" <<-EOF
		version = 2
		root = "$ENG_DIR/root"
		state = "$ENG_DIR/state"
		disabled_plugins = ["io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing",
		  "io.containerd.tracing.processor.v1.otlp"]
		[grpc]
		  address = "$ENG_DIR/containerd.sock"
		[ttrpc]
		  address = "$ENG_DIR/containerd.sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$ENG_DIR/opt"
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$IMAGE"
		  disable_apparmor = true
		  restrict_oom_score_adj = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "$ENG_DIR/cni-bin"
		    conf_dir = "$ENG_DIR/cni-conf"
	EOF
	sed -e '/^version = /d' -e "s|^\\( *\\)BinaryName = \"/usr/local/bin/argon-runtime\"|\\1BinaryName = \"$ENG_RT\"\\n\\1Root = \"$ENG_DIR/rt\"|" \
		"$REPO/docs/examples/containerd-argon.toml" >>"$ENG_DIR/config.toml"
	grep -q "BinaryName = \"$ENG_RT\"" "$ENG_DIR/config.toml" ||
		{ echo "no BinaryName line in docs/examples/containerd-argon.toml" >&2; return 1; }
	unshare --net sh -c 'ip link set lo up && exec containerd --config "$1"' _ "$ENG_DIR/config.toml" \
		>"$ENG_DIR/containerd.log" 2>&1 </dev/null 3>&- 4>&- &
	echo $! >"$ENG_DIR/containerd.pid"
	wait_containerd "$(cat "$ENG_DIR/containerd.pid")" ||
		{ echo "containerd did not start: $(tail -5 "$ENG_DIR/containerd.log")" >&2; return 1; }
	# One image for ctr's namespace and the CRI's (k8s.io); its command is
	# the pod's pause process.
	"$HELPERS_DIR/mkimage" oci-tar "$ENG_DIR/image.tar" --layer "$ENG_IMAGE_ROOTFS" \
		--name "$IMAGE" --cmd '["sleep","1000000"]' >/dev/null &&
		c image import "$ENG_DIR/image.tar" >/dev/null &&
		CTR_NS=k8s.io c image import "$ENG_DIR/image.tar" >/dev/null ||
		{ echo "ctr image import failed" >&2; return 1; }
}

# Stops what is left, then containerd (the shims exit with their tasks).
teardown_file() {
	local pid
	[ -n "${ENG_DIR-}" ] || return 0
	if [ -f "$ENG_DIR/containerd.pid" ]; then
		remove_all
		CTR_NS=k8s.io remove_all
		pid=$(cat "$ENG_DIR/containerd.pid")
		kill -TERM "$pid" 2>/dev/null
		retry 100 0.05 eval "! pid_alive $pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	eco_teardown_file
}

setup() {
	eco_calls_reset
}

# Kills and deletes every task and container of a ctr namespace.
remove_all() {
	local id
	for id in $(c task ls -q 2>/dev/null); do
		c task kill -a -s KILL "$id" >/dev/null 2>&1
		retry 50 0.1 eval "c task delete -f '$id' >/dev/null 2>&1"
	done
	for id in $(c container ls -q 2>/dev/null); do
		c container delete "$id" >/dev/null 2>&1
	done
}

# No task, container, runtime state or container cgroup is left.
teardown() {
	local left ns problems=""
	remove_all
	CTR_NS=k8s.io remove_all
	for ns in "$NS" k8s.io; do
		left=$(ls -A "$ENG_DIR/rt/$ns" 2>/dev/null | grep -vx .seccomp || true)
		[ -z "$left" ] || problems+="runtime state left in $ns: $left"$'\n'
	done
	# /sys/fs/cgroup/$ENG_CGROUP/ID on v2, /sys/fs/cgroup/CTL/$ENG_CGROUP/ID on v1
	left=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$ENG_CGROUP/*" 2>/dev/null)
	[ -z "$left" ] || problems+="container cgroups left: $left"$'\n'
	[ -z "$problems" ] || fail "teardown: $problems"
}

# task_pid ID: the host pid of the task's init.
task_pid() {
	c task ls | awk -v id="$1" '$1 == id {print $2}'
}

task_status() {
	c task ls | awk -v id="$1" '$1 == id {print $3}'
}

@test "containerd: ctr run prints the output and returns the exit status" {
	run --separate-stderr ctr_run --rm "$IMAGE" c1 sh -c 'echo hello from argon; exit 3'
	assert_status 3
	assert_eq "$output" "hello from argon"
	assert_called create start delete
	local create
	create=$(grep -- " create " "$ENG_DIR/calls")
	assert_contains "$create" "--root $ENG_DIR/rt/$NS"
	assert_contains "$create" "--log-format json"
	assert_contains "$create" "--pid-file"
}

@test "containerd: a failed create shows the runtime's error (from its JSON log)" {
	run --separate-stderr ctr_run --rm "$IMAGE" c1 /no/such/program
	assert_failure
	# The shim quotes the runtime's last error from the JSON log; without
	# one it would quote the command's output ("did not terminate successfully").
	assert_contains "$stderr" "OCI runtime create failed: "
	assert_contains "$stderr" "/no/such/program"
	refute_contains "$stderr" "did not terminate successfully"
	run c container ls -q
	assert_eq "$output" ""
}

@test "containerd: ctr run -t gives the process a terminal of the client's size" {
	# ctr sizes the terminal after the task starts: the shell waits for it.
	run "$PY" "$HELPERS_DIR/ptyrun" --rows 30 --cols 100 expect:'size=30 100' \
		send:'exit 4\r' -- \
		ctr --address "$ENG_DIR/containerd.sock" --namespace "$NS" run -t --rm \
		--runc-binary "$ENG_RT" --runc-root "$ENG_DIR/rt" --fifo-dir "$ENG_DIR/fifo" \
		--cgroup "/$ENG_CGROUP/c1" "$IMAGE" c1 sh -c 'tty; i=0
			until [ "$(stty size 2>/dev/null)" = "30 100" ] || [ $i -ge 200 ]; do
				sleep 0.05; i=$((i + 1))
			done
			echo "size=$(stty size)"; exec sh' 3>&- 4>&-
	assert_status 4
	assert_contains "$output" "/dev/pts/0"
	grep -q -- " create .*--console-socket " "$ENG_DIR/calls" ||
		fail "run -t: create without --console-socket: $(eco_calls)"
}

@test "containerd: task exec runs in the container's namespaces; exec -t has a terminal" {
	ctr_run -d "$IMAGE" c1 sleep 1000 >/dev/null
	local pid
	pid=$(task_pid c1)
	run --separate-stderr c_exec --exec-id e1 c1 sh -c \
		'cat /proc/1/cmdline | tr "\0" " "; echo; readlink /proc/1/ns/pid; exit 5'
	assert_status 5
	assert_eq "${lines[0]}" "sleep 1000 " "the exec sees the container's init as pid 1"
	assert_eq "${lines[1]}" "$(readlink "/proc/$pid/ns/pid")" "pid namespace"
	grep -q -- " exec .*--process .*--detach" "$ENG_DIR/calls" ||
		fail "no exec --process --detach: $(eco_calls)"

	run "$PY" "$HELPERS_DIR/ptyrun" -- \
		ctr --address "$ENG_DIR/containerd.sock" --namespace "$NS" task exec -t \
		--fifo-dir "$ENG_DIR/fifo" --exec-id e2 c1 sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty' 3>&- 4>&-
	assert_success
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "stdin-is-a-tty"
	grep -q -- " exec .*--console-socket " "$ENG_DIR/calls" ||
		fail "exec -t without --console-socket: $(eco_calls)"
}

@test "containerd: task ps lists the processes of the container's cgroup" {
	ctr_run -d "$IMAGE" c1 sh -c 'sleep 1000 & exec sleep 1001' >/dev/null
	local pid procs
	pid=$(task_pid c1)
	procs=$(cgroup_file "$pid" pids cgroup.procs cgroup.procs)
	retry 100 0.05 eval "[ \$(wc -l <'$procs') -eq 2 ]" || fail "cgroup.procs: $(cat "$procs")"
	run c task ps c1
	assert_success
	assert_eq "$(awk 'NR > 1 {print $1}' <<<"$output" | sort -n | xargs)" \
		"$(sort -n "$procs" | xargs)" "task ps against cgroup.procs"
	assert_called ps
	grep -q -- " ps --format json " "$ENG_DIR/calls" || fail "ps without --format json: $(eco_calls)"
}

@test "containerd: pause and resume freeze and thaw the container's cgroup" {
	ctr_run -d "$IMAGE" c1 sleep 1000 >/dev/null
	local pid
	pid=$(task_pid c1)
	run c task pause c1
	assert_success
	assert_eq "$(task_status c1)" PAUSED
	assert_eq "$(cgroup_frozen "$pid")" yes "the container's cgroup after pause"
	run c task resume c1
	assert_success
	assert_eq "$(task_status c1)" RUNNING
	assert_eq "$(cgroup_frozen "$pid")" no "the container's cgroup after resume"
	assert_called pause resume
}

@test "containerd: metrics come from the cgroup the runtime made" {
	ctr_run -d "$IMAGE" c1 sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null
	local pid
	pid=$(task_pid c1)
	grep -q "/$ENG_CGROUP/c1" "/proc/$pid/cgroup" || fail "cgroup: $(cat "/proc/$pid/cgroup")"
	retry 100 0.05 eval "c task metrics c1 | grep -Eq '^pids.current +3 *\$'" ||
		fail "metrics: $(c task metrics c1 2>&1) (want pids.current 3: sh + 2 sleeps)"
}

@test "containerd: kill delivers the signal; the exit status and delete follow" {
	ctr_run -d "$IMAGE" c1 sh -c \
		'trap "echo usr1 >/tmp/got" USR1; touch /tmp/ready; while :; do sleep 0.1; done' >/dev/null
	local pid
	pid=$(task_pid c1)
	# sh is pid 1 of its namespace: a signal before the trap is set is dropped.
	retry 100 0.05 eval 'c_exec --exec-id r1 c1 test -e /tmp/ready' || fail "c1 never got ready"
	run c task kill -s USR1 c1
	assert_success
	retry 100 0.05 eval 'c_exec --exec-id e1 c1 cat /tmp/got 2>/dev/null | grep -q usr1' ||
		fail "the container did not see SIGUSR1"
	grep -Eq " kill c1 (10|USR1|SIGUSR1)$" "$ENG_DIR/calls" || fail "no kill with SIGUSR1: $(eco_calls)"
	run c task kill -a -s KILL c1
	assert_success
	retry 100 0.05 eval '[ "$(task_status c1)" == STOPPED ]' || fail "c1 is $(task_status c1)"
	grep -Eq " kill --all c1 (9|KILL|SIGKILL)$" "$ENG_DIR/calls" || fail "no kill --all: $(eco_calls)"
	wait_pid_gone "$pid"
	run --separate-stderr c task delete c1
	assert_success
	assert_contains "$stderr" "exit code 137"
	run c container delete c1
	assert_success
	[ -z "$(ls -A "$ENG_DIR/rt/$NS" | grep -vx .seccomp)" ] || fail "state left: $(ls -A "$ENG_DIR/rt/$NS")"
	assert_called kill delete
}

@test "containerd: checkpoint is refused with the runtime's message; the task runs on" {
	ctr_run -d "$IMAGE" c1 sleep 1000 >/dev/null
	run --separate-stderr c task checkpoint c1
	assert_failure
	is_argon && assert_contains "$stderr" "not supported"
	assert_eq "$(task_status c1)" RUNNING
	assert_called checkpoint
}

# What the kubelet does for a pod whose RuntimeClass names the handler
# "argon": RunPodSandbox with that handler, then a container in the pod.
# A host-network pod (no CNI here) has no hostname of its own: the
# kubelet sends none, and runc and argon-runtime refuse one without a UTS
# namespace.
@test "containerd: a pod through the CRI handler of docs/examples runs under argon-runtime" {
	"$PY" -c 'import grpc' 2>/dev/null || skip "python3-grpcio is not installed (scripts/install-deps.sh)"
	cat >"$ENG_DIR/pod.json" <<-EOF
		{"metadata": {"name": "p1", "uid": "uid-p1", "namespace": "argon-test"},
		 "log_directory": "$ENG_DIR/pods/p1",
		 "linux": {"cgroup_parent": "/$ENG_CGROUP/p1",
		           "security_context": {"namespace_options": {"network": "NODE"}}}}
	EOF
	cat >"$ENG_DIR/c1.json" <<-EOF
		{"metadata": {"name": "c1"}, "image": {"image": "$IMAGE"},
		 "command": ["sh", "-c", "trap 'exit 7' TERM; echo hello from a pod; while :; do sleep 0.1; done"],
		 "log_path": "c1.log",
		 "linux": {"security_context": {"namespace_options": {"network": "NODE"}}}}
	EOF
	local pod cid
	run cri version
	assert_success
	assert_contains "$output" "containerd"
	pod=$(cri runp argon "$ENG_DIR/pod.json") || fail "RunPodSandbox failed"
	run cri podstatus "$pod"
	assert_eq "$output" "SANDBOX_READY argon"
	[ -d "$ENG_DIR/rt/k8s.io/$pod" ] || fail "the pod sandbox is not argon-runtime's: $(ls "$ENG_DIR/rt/k8s.io")"
	cid=$(cri create "$pod" "$ENG_DIR/c1.json" "$ENG_DIR/pod.json") || fail "CreateContainer failed"
	run cri start "$cid"
	assert_success
	[ -d "$ENG_DIR/rt/k8s.io/$cid" ] || fail "the container is not argon-runtime's"
	assert_eq "$(cri status "$cid")" "CONTAINER_RUNNING 0"
	# ExecSync, in the pod's shared pid namespace: pid 1 is the pause.
	run --separate-stderr cri exec "$cid" sh -c 'cat /proc/1/cmdline | tr "\0" " "; exit 3'
	assert_status 3
	assert_eq "$output" "sleep 1000000 "
	retry 100 0.05 file_has "$ENG_DIR/pods/p1/c1.log" "stdout F hello from a pod" ||
		fail "container log: $(cat "$ENG_DIR/pods/p1/c1.log" 2>&1)"
	run cri stop "$cid"
	assert_success
	assert_eq "$(cri status "$cid")" "CONTAINER_EXITED 7"
	run cri rm "$cid"
	assert_success
	run cri stopp "$pod"
	assert_success
	run cri rmp "$pod"
	assert_success
	# The pod's cgroup is the kubelet's to remove; empty, it can be.
	local d
	for d in $(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$ENG_CGROUP/p1"); do
		rmdir "$d" || fail "pod cgroup $d not empty: $(cat "$d/cgroup.procs")"
	done
	[ -z "$(ls -A "$ENG_DIR/rt/k8s.io" | grep -vx .seccomp)" ] ||
		fail "runtime state left: $(ls -A "$ENG_DIR/rt/k8s.io")"
	assert_called create start exec kill delete
}
