#!/usr/bin/env bats
# `exec`: a new process in a running container's namespaces.

load helpers

# A running container whose init sleeps; root is writable.
start_sleeper() {
	cfg root.readonly=false hostname:=exec-host
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	INIT_PID=$(ct_pid "$CID")
}


@test "exec: runs in the container's uts, pid and mount namespaces" {
	start_sleeper
	run rt_exec "$CID" argon-testinit hostname
	assert_success
	assert_line hostname=exec-host
	run rt_exec "$CID" argon-testinit pid
	assert_success
	[[ $output =~ ^[0-9]+$ ]] && ((output > 1 && output < 100)) ||
		fail "exec pid \`$output\` is not a small pid of the container's namespace"
	# The same mount points and file systems as the init (the roots of
	# cgroup mounts depend on the reader's cgroup namespace).
	run rt_exec "$CID" argon-testinit mounts
	assert_success
	assert_eq "$(awk '{print $5, $(NF-2)}' <<<"$output")" \
		"$(awk '{print $5, $(NF-2)}' "/proc/$INIT_PID/mountinfo")"
	run rt_exec "$CID" argon-testinit ls /proc/1/fd
	assert_success
	local ns
	for ns in pid mnt uts ipc net; do
		run rt_exec "$CID" argon-testinit exec /bin/readlink readlink /proc/self/ns/$ns
		assert_success
		assert_eq "$output" "$(readlink "/proc/$INIT_PID/ns/$ns")" "$ns namespace"
	done
}

@test "exec: the exit status passes through" {
	start_sleeper
	run rt_exec "$CID" argon-testinit exit 7
	assert_status 7
	run rt_exec "$CID" argon-testinit true
	assert_status 0
}

@test "exec: stdout, stderr and stdin pass through" {
	start_sleeper
	run --separate-stderr rt_exec "$CID" sh -c 'echo out; echo err >&2'
	assert_success
	assert_eq "$output" out
	assert_eq "$stderr" err
	run bash -c '"$0" --root "$1" exec "$2" argon-testinit cat <<<"piped in" 3>&- 4>&-' \
		"$RUNTIME" "$ROOT" "$CID"
	assert_success
	assert_eq "$output" "piped in"
}

@test "exec: the process config: env, caps, rlimits, no new privileges" {
	cfg process.noNewPrivileges=true
	start_sleeper
	run rt_exec "$CID" argon-testinit env
	assert_success
	assert_line "PATH=$(cfg --print process.env | jget '[e for e in d if e.startswith("PATH=")][0][5:]')"
	refute_contains "$output" ARGON_HOST_SECRET
	run rt_exec "$CID" argon-testinit nnp
	assert_eq "$output" nnp=1
	run rt_exec "$CID" argon-testinit caps
	assert_line $'CapBnd:\t0000000020000420'
}

@test "exec --env: adds to the environment" {
	start_sleeper
	run rt_exec --env FOO=bar --env "SPACED=a b" "$CID" argon-testinit env
	assert_success
	assert_line FOO=bar
	assert_line "SPACED=a b"
	run rt_exec -e PATH=/nowhere:/bin "$CID" argon-testinit env
	assert_success
	assert_line PATH=/nowhere:/bin
}

@test "exec --cwd: sets the working directory" {
	start_sleeper
	run rt_exec --cwd /tmp "$CID" argon-testinit cwd
	assert_success
	assert_eq "$output" /tmp
}

@test "exec --user: uid and gid" {
	start_sleeper
	run rt_exec --user 1000:1000 "$CID" argon-testinit ids
	assert_success
	assert_eq "$output" "uid=1000 gid=1000 euid=1000 egid=1000 groups="
	run rt_exec -u 1000 "$CID" argon-testinit ids
	assert_success
	assert_contains "$output" "uid=1000 "
}

@test "exec --process: a process.json" {
	start_sleeper
	cat >"$TMP/process.json" <<-'EOF'
	{
	  "terminal": false,
	  "user": {"uid": 1000, "gid": 1000},
	  "args": ["sh", "-c", "argon-testinit ids; argon-testinit cwd; echo X=$X"],
	  "env": ["PATH=/bin", "X=from-process-json"],
	  "cwd": "/home/user",
	  "capabilities": {"bounding": ["CAP_KILL"], "effective": [], "permitted": []}
	}
	EOF
	run rt_exec --process "$TMP/process.json" "$CID"
	assert_success
	assert_line "uid=1000 gid=1000 euid=1000 egid=1000 groups="
	assert_line /home/user
	assert_line X=from-process-json
}

@test "exec -d: runs detached, --pid-file names it" {
	start_sleeper
	rt exec -d --pid-file "$TMP/exec.pid" "$CID" \
		sh -c 'echo detached > /exec-marker; exec argon-testinit sleep inf' \
		</dev/null >"$TMP/exec.out" 2>&1 3>&- 4>&-
	local pid
	pid=$(cat "$TMP/exec.pid")
	track_pid "$pid"
	retry 100 0.05 test -e "$ROOTFS/exec-marker" || fail "detached exec did not run"
	pid_alive "$pid" || fail "exec pid $pid not alive"
	assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$INIT_PID/ns/pid")"
	run rt ps --format json "$CID"
	assert_eq "$(jget "$pid in d" <<<"$output")" true
	rt delete --force "$CID"
	wait_pid_gone "$pid"
}

@test "exec: no host fd reaches the process" {
	start_sleeper
	run rt_exec "$CID" argon-testinit fds
	assert_success
	assert_eq "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" "0 1 2 " "fds: $output"
}

@test "exec: a container that is not running refuses" {
	set_args argon-testinit exit 0
	ct_create "$CID"
	ct_start "$CID"
	wait_status "$CID" stopped
	run --separate-stderr rt_exec "$CID" argon-testinit true
	assert_failure
	assert_argon_error "$CID"
	run --separate-stderr rt_exec nosuchcontainer argon-testinit true
	assert_rt_error
	assert_argon_error nosuchcontainer
}

@test "exec: a missing executable fails" {
	start_sleeper
	run --separate-stderr rt_exec "$CID" /bin/no-such-program
	assert_failure
	assert_contains "$stderr$output" no-such-program
	assert_eq "$(ct_status "$CID")" running
}

@test "exec: signals are not blocked or ignored" {
	start_sleeper
	run bash -c 'trap "" HUP USR2; "$0" --root "$1" exec "$2" argon-testinit signals </dev/null 3>&- 4>&-' \
		"$RUNTIME" "$ROOT" "$CID"
	assert_success
	assert_line $'SigBlk:\t0000000000000000'
	assert_line $'SigIgn:\t0000000000000000'
}

@test "exec: a signal sent to exec reaches the process" {
	start_sleeper
	"$RUNTIME" --root "$ROOT" exec "$CID" argon-testinit trap TERM \
		</dev/null >"$TMP/exec.out" 2>&1 3>&- 4>&- &
	local epid=$!
	BG_PIDS+=("$epid")
	retry 100 0.05 file_has "$TMP/exec.out" '^ready$' || fail "exec: $(cat "$TMP/exec.out")"
	kill -TERM "$epid"
	local st=0
	wait "$epid" || st=$?
	assert_eq "$st" 143
	retry 100 0.05 file_has "$TMP/exec.out" '^got SIGTERM$' || fail "exec: $(cat "$TMP/exec.out")"
}

@test "exec --cap: a capability beyond the container's bounding set is refused" {
	skip_unless_argon "runc 1.1.5 grants it"
	start_sleeper
	run --separate-stderr rt_exec --cap CAP_SYS_ADMIN "$CID" argon-testinit caps
	assert_rt_error
	assert_argon_error 'CAP_SYS_ADMIN.*bounding set'
	assert_eq "$output" ""
	# one within it is granted
	run rt_exec --cap CAP_KILL "$CID" argon-testinit caps
	assert_success
	assert_line $'CapEff:\t0000000020000420'
	assert_line $'CapBnd:\t0000000020000420'
}

@test "exec --process: no capabilities means the container's, not root's full set" {
	# effective and permitted narrower than bounding, to tell them apart
	cfg 'process.capabilities.effective=["CAP_KILL"]' 'process.capabilities.permitted=["CAP_KILL"]'
	start_sleeper
	cat >"$TMP/process.json" <<-'EOF2'
	{"args": ["argon-testinit", "caps"], "cwd": "/", "user": {"uid": 0, "gid": 0},
	 "env": ["PATH=/bin"], "noNewPrivileges": true}
	EOF2
	# (with no_new_privs root cannot regain the bounding set at execve)
	run rt_exec --process "$TMP/process.json" "$CID"
	assert_success
	assert_line $'CapEff:\t0000000000000020'
	assert_line $'CapPrm:\t0000000000000020'
	assert_line $'CapBnd:\t0000000020000420'
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
}

@test "exec --process: capabilities beyond the container's bounding set are refused" {
	start_sleeper
	cat >"$TMP/process.json" <<-'EOF2'
	{"args": ["argon-testinit", "caps"], "cwd": "/", "user": {"uid": 0, "gid": 0},
	 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
	  "permitted": ["CAP_KILL", "CAP_SYS_PTRACE"]}}
	EOF2
	run --separate-stderr rt_exec --process "$TMP/process.json" "$CID"
	assert_rt_error
	assert_argon_error 'CAP_SYS_PTRACE. \(permitted\).*bounding set'
	assert_eq "$output" ""
}

@test "exec: nothing inheritable or ambient from the caller; the container's bounding set" {
	cfg -process.capabilities
	start_sleeper
	run timeout -k 5 60 setpriv --inh-caps=+kill,+net_bind_service --ambient-caps=+kill -- \
		"$RUNTIME" --root "$ROOT" exec "$CID" argon-testinit caps </dev/null 3>&- 4>&-
	assert_success
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
	assert_line $'CapBnd:\t'"$(awk '$1 == "CapBnd:" {print $2}' "/proc/$INIT_PID/status")"
}
