#!/usr/bin/env bats
# `run` in the foreground and detached; what the process sees of its config.

load helpers


@test "run: the exit status passes through" {
	set_args argon-testinit exit 42
	run rt_run
	assert_status 42
	set_args argon-testinit exit 0
	run rt_run
	assert_status 0
}

@test "run: stdout and stderr pass through, the container is deleted after" {
	set_args sh -c 'echo to-stdout; echo to-stderr >&2'
	run --separate-stderr rt_run
	assert_success
	assert_eq "$output" to-stdout
	assert_eq "$stderr" to-stderr
	run rt list -q
	refute_line "$CID"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left after run"
}

@test "run: stdin passes through" {
	set_args argon-testinit cat
	run bash -c '"$0" --root "$1" run --bundle "$2" "$3" <<<"hello from stdin" 3>&- 4>&-' \
		"$RUNTIME" "$ROOT" "$BUNDLE" "$CID"
	assert_success
	assert_eq "$output" "hello from stdin"
}

@test "run: an init killed by a signal gives 128+signal" {
	set_args argon-testinit sleep inf
	ct_run_bg --pid-file "$TMP/pid" "$CID"
	retry 100 0.05 test -s "$TMP/pid" || fail "no pid file: $(cat "$TMP/$CID.err")"
	wait_status "$CID" running
	kill -KILL "$(cat "$TMP/pid")"
	local st=0
	wait "$RUN_PID" || st=$?
	assert_eq "$st" 137 "exit status of run"
}

@test "run: SIGTERM sent to run reaches the container" {
	set_args argon-testinit trap TERM USR1
	ct_run_bg "$CID"
	wait_out "$CID" '^ready$'
	kill -USR1 "$RUN_PID"
	wait_out "$CID" '^got SIGUSR1$'
	kill -TERM "$RUN_PID"
	local st=0
	wait "$RUN_PID" || st=$?
	assert_eq "$st" 143 "exit status of run"
	wait_out "$CID" '^got SIGTERM$'
}

@test "run -d: returns at once with the container running" {
	set_args argon-testinit sleep inf
	local t0=$SECONDS
	ct_run_detached --pid-file "$TMP/pid" "$CID"
	((SECONDS - t0 < 5)) || fail "run -d took $((SECONDS - t0)) s"
	assert_eq "$(ct_status "$CID")" running
	assert_eq "$(cat "$TMP/pid")" "$(ct_pid "$CID")"
	pid_alive "$(cat "$TMP/pid")" || fail "init not alive"
}

@test "run --pid-file: written while the container runs" {
	set_args argon-testinit trap TERM
	ct_run_bg --pid-file "$TMP/pid" "$CID"
	wait_out "$CID" '^ready$'
	assert_eq "$(cat "$TMP/pid")" "$(ct_pid "$CID")"
	kill -TERM "$RUN_PID"
	wait "$RUN_PID" || true
}

@test "run: init is pid 1 of its pid namespace" {
	set_args argon-testinit pid
	run rt_run
	assert_success
	assert_eq "$output" 1
}

@test "run: hostname and domainname from the config" {
	cfg hostname:=argon-host domainname:=argon.example
	set_args argon-testinit hostname
	run rt_run
	assert_success
	assert_line hostname=argon-host
	is_argon || skip "runc 1.1 ignores domainname"
	assert_line domainname=argon.example
}

@test "run: env from the config, nothing from the host" {
	cfg 'process.env=["PATH=/bin","FOO=bar baz","EMPTY="]'
	set_args argon-testinit env
	run rt_run
	assert_success
	assert_line "FOO=bar baz"
	assert_line "PATH=/bin"
	assert_line "EMPTY="
	refute_contains "$output" ARGON_HOST_SECRET
}

@test "run: cwd from the config" {
	cfg process.cwd:=/home/user
	set_args argon-testinit cwd
	run rt_run
	assert_success
	assert_eq "$output" /home/user
}

@test "run: a cwd that does not exist fails" {
	is_argon || skip "runc creates a missing cwd"
	cfg process.cwd:=/no/such/dir
	set_args argon-testinit cwd
	run --separate-stderr rt_run
	assert_failure
	assert_argon_error '/no/such/dir'
	[ ! -e "$ROOTFS/no" ] || fail "cwd created in the rootfs"
}

@test "run: user and additional groups" {
	cfg process.user.uid=1000 process.user.gid=1000 'process.user.additionalGids=[10,20]'
	set_args argon-testinit ids
	run rt_run
	assert_success
	assert_eq "$output" "uid=1000 gid=1000 euid=1000 egid=1000 groups=10,20"
}

@test "run: uid 2147483648 shows exactly" {
	is_argon || skip "runc refuses uids above 2147483647"
	cfg process.user.uid=2147483648 process.user.gid=2147483649
	set_args argon-testinit ids
	run rt_run
	assert_success
	assert_eq "$output" "uid=2147483648 gid=2147483649 euid=2147483648 egid=2147483649 groups="
}

@test "run: umask from the config" {
	cfg process.user.umask=63
	set_args argon-testinit umask
	run rt_run
	assert_success
	assert_eq "$output" 0077
}

@test "run: rlimits are applied" {
	cfg 'process.rlimits=[{"type":"RLIMIT_NOFILE","soft":1000,"hard":2000},{"type":"RLIMIT_CORE","soft":0,"hard":4096}]'
	set_args sh -c 'argon-testinit rlimit NOFILE; argon-testinit rlimit CORE'
	run rt_run
	assert_success
	assert_eq "$output" $'1000 2000\n0 4096'
}

@test "run: oomScoreAdj is applied" {
	cfg process.oomScoreAdj=123
	set_args argon-testinit oom
	run rt_run
	assert_success
	assert_eq "$output" 123
}

@test "run: noNewPrivileges true and false" {
	cfg process.noNewPrivileges=true
	set_args argon-testinit nnp
	run rt_run
	assert_success
	assert_eq "$output" nnp=1
	cfg process.noNewPrivileges=false
	run rt_run
	assert_success
	assert_eq "$output" nnp=0
}

@test "run: no blocked or ignored signals reach the process" {
	set_args argon-testinit signals
	run bash -c 'trap "" HUP USR2; "$0" --root "$1" run --bundle "$2" "$3" </dev/null 3>&- 4>&-' \
		"$RUNTIME" "$ROOT" "$BUNDLE" "$CID"
	assert_success
	assert_line $'SigBlk:\t0000000000000000'
	assert_line $'SigIgn:\t0000000000000000'
}

@test "run: the network namespace has only lo" {
	set_args argon-testinit read /proc/net/dev
	run rt_run
	assert_success
	local ifs
	ifs=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' <<<"$output")
	assert_eq "$ifs" lo
}

@test "run: a new uts namespace leaves the host's hostname alone" {
	local before
	before=$(hostname)
	local c
	for c in bounding effective permitted; do
		cfg process.capabilities.$c+=CAP_SYS_ADMIN
	done
	cfg hostname:=changed-inside
	set_args sh -c 'hostname other-name && hostname' 
	run rt_run
	assert_success
	assert_eq "$output" other-name
	assert_eq "$(hostname)" "$before"
}
