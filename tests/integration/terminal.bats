#!/usr/bin/env bats
# process.terminal: the pty, --console-socket, /dev/console.

load helpers

# Starts recvtty.py on $TMP/tty.sock writing to $TMP/tty.out.
start_recvtty() {
	SOCK="$TMP/tty.sock"
	"$PY" "$HELPERS_DIR/recvtty.py" "$SOCK" "$TMP/tty.out" "$@" \
		</dev/null >"$TMP/recvtty.log" 2>&1 3>&- 4>&- &
	RECVTTY_PID=$!
	BG_PIDS+=("$RECVTTY_PID")
	retry 100 0.05 test -S "$SOCK" || fail "recvtty did not listen: $(cat "$TMP/recvtty.log")"
}

# Waits for recvtty to see the pty hang up (the container's process exited).
wait_recvtty() {
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$RECVTTY_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$RECVTTY_PID" || fail "recvtty: $(cat "$TMP/recvtty.log")"
}

tty_out() {
	tr -d '\r' <"$TMP/tty.out"
}

@test "terminal: --console-socket gets the pty, the process has it as stdio" {
	cfg process.terminal=true
	set_args sh -c 'argon-testinit tty; argon-testinit stat /dev/console; argon-testinit ids'
	start_recvtty
	ct_create --console-socket "$SOCK" "$CID"
	ct_start "$CID"
	wait_recvtty
	local out
	out=$(tty_out)
	[[ $out == *"0: tty /dev/pts/0"* ]] || fail "tty output: $out"
	assert_contains "$out" "1: tty /dev/pts/0"
	assert_contains "$out" "2: tty /dev/pts/0"
	assert_contains "$out" "type=char"
	assert_contains "$out" "uid=0 gid=0"
	# /dev/console is the pty slave (major 136, unix98 pty).
	grep -q 'type=char mode=0[0-7]* rdev=136:0' <<<"$out" || fail "/dev/console: $out"
}

@test "terminal: input typed on the master reaches the process" {
	cfg process.terminal=true
	set_args sh -c 'read line; echo "got <$line>"'
	start_recvtty $'hello tty\n'
	ct_create --console-socket "$SOCK" "$CID"
	ct_start "$CID"
	wait_recvtty
	assert_contains "$(tty_out)" "got <hello tty>"
}

@test "terminal: consoleSize sets the window size" {
	cfg process.terminal=true 'process.consoleSize={"height":33,"width":101}'
	set_args argon-testinit tty
	start_recvtty
	ct_create --console-socket "$SOCK" "$CID"
	ct_start "$CID"
	wait_recvtty
	assert_contains "$(tty_out)" "size=33x101"
}

@test "terminal: run -d with a console socket" {
	cfg process.terminal=true
	set_args argon-testinit tty
	start_recvtty
	ct_run_detached --console-socket "$SOCK" "$CID"
	wait_recvtty
	assert_contains "$(tty_out)" "0: tty /dev/pts/0"
}

@test "terminal: foreground run relays the pty to its stdio" {
	cfg process.terminal=true
	set_args argon-testinit tty
	run rt_run
	if is_argon; then
		# argon relays without a terminal of its own (runc needs /dev/tty)
		assert_success
		assert_contains "$output" "0: tty /dev/pts/0"
	fi
	# Under a terminal (script(1) makes one), as a user at a shell would.
	run timeout -k 5 60 script -qec "$(printf '%q ' "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID")" /dev/null \
		</dev/null 3>&- 4>&-
	assert_success
	assert_contains "$output" "0: tty /dev/pts/0"
}

@test "terminal: exec -t with a console socket" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	start_recvtty
	rt exec -t -d --console-socket "$SOCK" "$CID" argon-testinit tty \
		</dev/null >"$TMP/exec.out" 2>&1 3>&- 4>&- || fail "exec: $(cat "$TMP/exec.out")"
	wait_recvtty
	local out
	out=$(tty_out)
	[[ $out =~ 0:\ tty\ /dev/pts/[0-9]+ ]] || fail "exec tty: $out"
}

@test "terminal: false leaves stdio as given" {
	set_args argon-testinit tty
	run rt_run
	assert_success
	assert_line "0: notty"
	assert_line "1: notty"
}

@test "terminal: create with terminal but no console socket fails" {
	cfg process.terminal=true
	set_args argon-testinit true
	try_create "$CID"
	assert_rt_error
	[ ! -e "$ROOT/$CID" ] || fail "state left"
}
