#!/usr/bin/env bats
# linux.seccomp: the filter the container's process (and every exec'd one)
# runs under, its actions, the notify hand-off to listenerPath, the load
# order against capabilities and no_new_privs, and the compiled-filter cache.

load helpers

# personality(0xffffffff) only reads the persona: safe to call anywhere.
QUERY=0xffffffff
CACHE_NAME=.seccomp

setup() {
	setup_test
	# No core files from the processes these tests kill with SIGSYS.
	cfg 'process.rlimits+={"type":"RLIMIT_CORE","soft":0,"hard":0}'
}

teardown() {
	# The compiled-filter cache lives in the state root, by design.
	[ -z "${ROOT-}" ] || rm -rf "${ROOT:?}/$CACHE_NAME"
	teardown_test
}

# seccomp JSON: sets linux.seccomp.
seccomp() {
	cfg "linux.seccomp=$1"
}

# One rule on top of "allow everything": rule_only NAME ACTION [EXTRA_JSON]
rule_only() {
	seccomp "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"$1\"],\"action\":\"$2\"${3:+,$3}}]}"
}

syscall_nr() { # syscall_nr NAME: its number on this host
	awk -v n="__NR_$1" '$1 == "#define" && $2 == n {print $3; exit}' \
		/usr/include/*/asm/unistd_64.h
}

status_line() { # status_line PID KEY: the value of KEY: in /proc/PID/status
	awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"
}

@test "seccomp: a blocked call fails with errnoRet; a rule without errnoRet gives EPERM" {
	rule_only personality SCMP_ACT_ERRNO '"errnoRet":38'
	set_args argon-testinit syscall personality $QUERY
	run rt_run
	assert_status 1
	assert_eq "$output" "syscall personality: ENOSYS"
	rule_only personality SCMP_ACT_ERRNO
	run rt_run
	assert_eq "$output" "syscall personality: EPERM"
	# Other calls are untouched.
	set_args argon-testinit syscall getppid
	run rt_run
	assert_success
	assert_eq "$output" "ok 0"
}

@test "seccomp: an allowlist's defaultErrnoRet applies to every call left out" {
	seccomp "$("$HELPERS_DIR/seccomp-profile" --errno 95 personality umask)"
	set_args argon-testinit syscall personality $QUERY
	run rt_run
	assert_status 1
	assert_eq "$output" "syscall personality: EOPNOTSUPP"
	set_args argon-testinit syscall umask 022
	run rt_run
	assert_eq "$output" "syscall umask: EOPNOTSUPP"
	set_args argon-testinit syscall getppid
	run rt_run
	assert_success
	assert_eq "$output" "ok 0"
}

@test "seccomp: SCMP_ACT_KILL_PROCESS and SCMP_ACT_KILL end the process with SIGSYS" {
	local action
	for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL; do
		rule_only personality $action
		set_args argon-testinit syscall personality $QUERY
		run rt_run
		assert_status 159 # 128 + SIGSYS
		assert_eq "$output" "" "$action"
	done
}

@test "seccomp: SCMP_ACT_TRAP delivers a catchable SIGSYS" {
	rule_only personality SCMP_ACT_TRAP
	set_args argon-testinit syscall -t personality $QUERY
	run rt_run
	assert_success
	# si_syscall is personality's number, si_code SYS_SECCOMP (1).
	assert_eq "$output" "SIGSYS syscall=$(syscall_nr personality) code=1"
	set_args argon-testinit syscall personality $QUERY
	run rt_run
	assert_status 159
}

@test "seccomp: SCMP_ACT_LOG lets the call run" {
	rule_only personality SCMP_ACT_LOG
	set_args argon-testinit syscall personality $QUERY
	run rt_run
	assert_success
	assert_eq "$output" "ok 0"
	set_args argon-testinit status Seccomp:
	run rt_run
	assert_eq "$output" $'Seccomp:\t2' "the filter is installed (mode 2)"
}

@test "seccomp: argument conditions select the calls" {
	# umask(0777) (group bits 070 set) is refused, umask(022) is not;
	# personality(QUERY) is refused only for exactly that value.
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["umask"],"action":"SCMP_ACT_ERRNO","errnoRet":13,
		 "args":[{"index":0,"value":56,"valueTwo":56,"op":"SCMP_CMP_MASKED_EQ"}]},
		{"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":38,
		 "args":[{"index":0,"value":4294967295,"op":"SCMP_CMP_EQ"}]}]}'
	set_args argon-testinit syscall umask 0777
	run rt_run
	assert_eq "$output" "syscall umask: EACCES"
	set_args argon-testinit syscall umask 022
	run rt_run
	assert_success
	set_args argon-testinit syscall personality $QUERY
	run rt_run
	assert_eq "$output" "syscall personality: ENOSYS"
	set_args argon-testinit syscall personality 0
	run rt_run
	assert_success
}

@test "seccomp: an exec'd process gets the container's filter" {
	rule_only personality SCMP_ACT_ERRNO '"errnoRet":38'
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	local pid
	pid=$(ct_pid "$CID")
	assert_eq "$(status_line "$pid" Seccomp)" 2
	run rt_exec "$CID" argon-testinit syscall personality $QUERY
	assert_status 1
	assert_eq "$output" "syscall personality: ENOSYS"
	run rt_exec "$CID" argon-testinit status Seccomp_filters:
	assert_eq "$output" $'Seccomp_filters:\t1'
	# --process too: the filter is the container's, not the process's.
	cat >"$TMP/process.json" <<-'EOF'
	{"args": ["argon-testinit", "syscall", "personality", "4294967295"], "cwd": "/",
	 "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"]}
	EOF
	run rt_exec --process "$TMP/process.json" "$CID"
	assert_eq "$output" "syscall personality: ENOSYS"
}

# ------------------------------------------------------------------ notify

# start_agent: the test's notify agent on $TMP/agent.sock, answering 42.
start_agent() {
	mkdir -p "$TMP/agent"
	"$HELPERS_DIR/seccomp-agent" "$TMP/agent.sock" "$TMP/agent" 42 \
		</dev/null >"$TMP/agent.log" 2>&1 3>&- 4>&- &
	BG_PIDS+=("$!")
	retry 100 0.05 test -e "$TMP/agent/ready" || fail "agent: $(cat "$TMP/agent.log")"
}

notify_profile() {
	seccomp "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"$TMP/agent.sock\",
		\"listenerMetadata\":\"meta-$CID\",
		\"syscalls\":[{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener to listenerPath, the agent answers" {
	start_agent
	notify_profile
	set_args sh -c 'argon-testinit syscall personality 4294967295; exec argon-testinit sleep inf'
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	# The document arrives during create, with the container's state.
	[ -e "$TMP/agent/state.1.json" ] || fail "no state document: $(cat "$TMP/agent.log")"
	run jget '[d["ociVersion"][:2], d["fds"], d["pid"], d["metadata"], d["state"]["id"], d["state"]["status"], d["state"]["pid"]]' <"$TMP/agent/state.1.json"
	assert_eq "$output" "[\"1.\", [\"seccompFd\"], $pid, \"meta-$CID\", \"$CID\", \"creating\", $pid]"
	# The created init does not hold its listener (it would answer its
	# own notifications).
	local fd
	for fd in /proc/"$pid"/fd/*; do
		[[ $(readlink "$fd") != *seccomp* ]] || fail "the init holds $(readlink "$fd")"
	done
	ct_start "$CID"
	wait_out "$CID" '^ok'
	assert_eq "$(ct_out "$CID")" "ok 42"
	assert_eq "$(cut -d' ' -f1,3 "$TMP/agent/notifications")" "$(syscall_nr personality) 4294967295"
	# exec: a second listener, for the exec'd process.
	is_argon || return 0	# runc 1.1.5's exec never returns here
	run rt_exec "$CID" argon-testinit syscall personality 4294967295
	assert_success
	assert_eq "$output" "ok 42"
	run jget '[d["state"]["status"], d["metadata"]]' <"$TMP/agent/state.2.json"
	assert_eq "$output" "[\"running\", \"meta-$CID\"]"
}

@test "seccomp: SCMP_ACT_NOTIFY without noNewPrivileges (the filter loaded before capset)" {
	skip_unless_argon "runc 1.1.5 hangs here"
	start_agent
	notify_profile
	cfg process.noNewPrivileges=false
	set_args sh -c 'argon-testinit syscall personality 4294967295; argon-testinit caps'
	run rt_run
	assert_success
	assert_line "ok 42"
	assert_line $'CapEff:\t0000000020000420'
	assert_line $'NoNewPrivs:\t0'
	[ -e "$TMP/agent/state.1.json" ] || fail "no state document"
}

@test "seccomp: exec fails when its listener cannot be handed over, and nothing runs" {
	start_agent
	notify_profile
	cfg root.readonly=false
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	# The agent goes away: the exec'd process must not run unsupervised.
	kill "${BG_PIDS[-1]}"
	wait "${BG_PIDS[-1]}" 2>/dev/null || true
	rm -f "$TMP/agent.sock"
	run --separate-stderr rt_exec "$CID" sh -c 'echo ran > /exec-ran'
	assert_rt_error
	assert_argon_error 'agent\.sock'
	[ ! -e "$ROOTFS/exec-ran" ] || fail "the exec'd process ran"
	assert_eq "$(rt ps --format json "$CID" | jget "len(d)")" 1 "only the init is left"
}

@test "seccomp: a listenerPath nobody listens on fails the create" {
	notify_profile
	set_args argon-testinit true
	try_create "$CID"
	assert_status 1
	assert_argon_error "agent.sock"
	[ ! -e "$ROOT/$CID" ] || fail "state left"
}

# ------------------------------------------------------------------ errors

@test "seccomp: a malformed profile fails create naming the field, leaving nothing" {
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ALLOW"},{"names":["personality"],"action":"SCMP_ACT_BOGUS"}]}'
	set_args argon-testinit true
	try_create "$CID"
	assert_status 1
	assert_argon_error 'linux\.seccomp\.syscalls\[1\]\.action.*SCMP_ACT_BOGUS'
	[ ! -e "$ROOT/$CID" ] || fail "state left"
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["umask"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}'
	try_create "$CID"
	assert_status 1
	assert_argon_error 'linux\.seccomp\.syscalls\[0\]\.args\[0\]\.index'
	[ ! -e "$ROOT/$CID" ] || fail "state left"
}

# ------------------------------------------------------------------ load order

@test "seccomp: without noNewPrivileges a filter that refuses capset fails the start, with the cause" {
	cfg process.noNewPrivileges=false
	rule_only capset SCMP_ACT_ERRNO
	set_args argon-testinit caps
	if ! is_argon; then	# runc: status 1
		run --separate-stderr rt_run
		assert_failure
		return
	fi
	run -127 --separate-stderr rt_run
	assert_eq "$output" "" "the process never ran"
	# The init reports on stderr and exits 127: its creator is gone.
	assert_status 127
	assert_argon_error 'under the seccomp filter.*capset.*Operation not permitted'
}

@test "seccomp: with noNewPrivileges the same filter works and the capabilities are exact" {
	cfg process.noNewPrivileges=true
	rule_only capset SCMP_ACT_ERRNO
	set_args argon-testinit caps
	run rt_run
	assert_success
	assert_line $'CapEff:\t0000000020000420'
	assert_line $'CapPrm:\t0000000020000420'
	assert_line $'CapBnd:\t0000000020000420'
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
	assert_line $'NoNewPrivs:\t1'
}

@test "seccomp: without noNewPrivileges the capability sets still end exact" {
	local c
	cfg process.noNewPrivileges=false
	rule_only personality SCMP_ACT_ERRNO '"errnoRet":38'
	# root with the default three: the filter goes in first (CAP_SYS_ADMIN
	# raised for it), then the sets drop to the configured ones. (For
	# root, execve hands back the bounding set anyway; the non-root
	# ambient case below is what shows the final capset ran.)
	set_args argon-testinit caps
	run rt_run
	assert_success
	assert_line $'CapEff:\t0000000020000420'
	assert_line $'CapPrm:\t0000000020000420'
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'NoNewPrivs:\t0'
	# a non-root user with an ambient capability
	for c in bounding effective permitted inheritable ambient; do
		cfg "process.capabilities.$c=[\"CAP_NET_BIND_SERVICE\"]"
	done
	cfg process.user.uid=1000 process.user.gid=1000
	set_args sh -c 'argon-testinit caps; argon-testinit syscall personality 4294967295'
	run rt_run
	assert_line $'CapEff:\t0000000000000400'
	assert_line $'CapPrm:\t0000000000000400'
	assert_line $'CapInh:\t0000000000000400'
	assert_line $'CapAmb:\t0000000000000400'
	assert_line $'CapBnd:\t0000000000000400'
	assert_line "syscall personality: ENOSYS"
}

@test "seccomp: a process keeping CAP_SYS_ADMIN gets the filter last, even one refusing capset" {
	skip_unless_argon "runc 1.1.5 loads the filter before capset whenever noNewPrivileges is false"
	cfg process.noNewPrivileges=false
	cfg 'process.capabilities.effective+=CAP_SYS_ADMIN' 'process.capabilities.permitted+=CAP_SYS_ADMIN' \
		'process.capabilities.bounding+=CAP_SYS_ADMIN'
	rule_only capset SCMP_ACT_ERRNO
	set_args argon-testinit syscall capset 0 0
	run rt_run
	# capset is refused in the container: the filter is in place.
	assert_eq "$output" "syscall capset: EPERM"
}

# The startContainer hooks run a binary of the rootfs: never with more than
# the process's own capabilities. With noNewPrivileges the filter comes
# after them (as late as possible); without it, and without CAP_SYS_ADMIN,
# it must come with the final sets, so before them.
@test "seccomp: startContainer hooks run with the final capabilities, the filter before or after" {
	skip_unless_argon "runc applies both before the hooks"
	local nnp want_mode
	seccomp "$("$HELPERS_DIR/seccomp-profile")"
	cfg 'hooks.startContainer+={"path":"/bin/sh","args":["sh","-c","grep -E \"^(CapEff|Seccomp):\" /proc/self/status >/hook.status"]}'
	cfg root.readonly=false
	set_args argon-testinit true
	for nnp in true false; do
		cfg "process.noNewPrivileges=$nnp"
		rm -f "$ROOTFS/hook.status"
		run rt_run
		assert_success
		[ -s "$ROOTFS/hook.status" ] || fail "the hook did not run (nnp $nnp)"
		assert_eq "$(grep CapEff "$ROOTFS/hook.status")" $'CapEff:\t0000000020000420' "hook caps, nnp $nnp"
		want_mode=$([ "$nnp" = true ] && echo 0 || echo 2)
		assert_eq "$(grep Seccomp: "$ROOTFS/hook.status")" $'Seccomp:\t'$want_mode "hook filter, nnp $nnp"
		CID=$CID-x
	done
}

# ------------------------------------------------------------------ cache

@test "seccomp: the compiled filter is cached in the state root and reused" {
	skip_unless_argon "the cache is argon's"
	local f mtime ino
	seccomp "$("$HELPERS_DIR/seccomp-profile" personality)"
	set_args argon-testinit syscall personality $QUERY
	run rt_run
	assert_eq "$output" "syscall personality: EPERM"
	f=$(ls "$ROOT/$CACHE_NAME"/*.bpf)
	[ "$(wc -l <<<"$f")" -eq 1 ] || fail "cache: $f"
	assert_eq "$(stat -c %a "$ROOT/$CACHE_NAME")" 700
	mtime=$(stat -c %.9Y "$f")
	ino=$(stat -c %i "$f")
	sleep 0.05
	CID=$CID-again
	run rt_run
	assert_eq "$output" "syscall personality: EPERM"
	assert_eq "$(ls "$ROOT/$CACHE_NAME"/*.bpf)" "$f"
	assert_eq "$(stat -c %.9Y "$f")" "$mtime" "mtime"
	assert_eq "$(stat -c %i "$f")" "$ino" "inode"
	# A changed profile is a new entry.
	rule_only personality SCMP_ACT_ERRNO '"errnoRet":38'
	run rt_run
	assert_eq "$output" "syscall personality: ENOSYS"
	local g
	g=$(ls "$ROOT/$CACHE_NAME"/*.bpf | grep -vxF "$f")
	[ "$(wc -l <<<"$g")" -eq 1 ] || fail "cache: $(ls "$ROOT/$CACHE_NAME")"
	# What a start loads is what the cache holds: with the second entry's
	# program under the first profile's name, the first profile gives
	# the second's errno.
	cp "$g" "$f"
	seccomp "$("$HELPERS_DIR/seccomp-profile" personality)"
	run rt_run
	assert_eq "$output" "syscall personality: ENOSYS"
}
