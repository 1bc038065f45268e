#!/usr/bin/env bats
# argon's engine with a person at the keyboard: `run -it`, `run -i`,
# `exec -it`, `exec -i`, `start -a`, detach keys, and the monitor that makes
# them work (argon-monitor, its attach socket, its log rotation). Terminal
# tests drive argon on a real pseudo-terminal (ptyrun: expect/send/resize).

load engine_helpers

PTYRUN="$HELPERS_DIR/ptyrun"

# pty [STEPS...] -- ARGON-ARGS...: argon on a 24x80 terminal; sets status
# and output (what the terminal showed).
pty() {
	local steps=()
	while [ "$1" != -- ]; do steps+=("$1"); shift; done
	shift
	run "$PTYRUN" --timeout 30 "${steps[@]}" -- "$ARGON" --root "$AROOT" --state-dir "$ESTATE" "$@"
}

# ---------------------------------------------------------------- run -it

@test "tty: run -it gives a real terminal: a pty, TERM, its size, resizes, and the exit code" {
	pty 'expect:# ' send:'tty; echo "T=$TERM"; stty size\r' 'expect:24 80' \
		resize:30x100 'send:stty size; exit 7\r' 'expect:30 100' \
		-- run -it --rm busybox sh
	echo "$output"
	[ "$status" -eq 7 ]
	[[ $output == *"/dev/pts/0"* ]]
	[[ $output == *"T=xterm"* ]]
	[[ $output == *"24 80"* ]]
	[[ $output == *"30 100"* ]]
	erun ps -aq
	[ -z "$output" ]	# --rm
}

@test "tty: ctrl-c in run -it interrupts the container's foreground command, not argon" {
	pty 'expect:# ' send:'sleep 30\r' sleep:0.5 'send:\x03' sleep:0.3 \
		'send:echo "after=$?"\r' 'expect:after=130' 'send:exit 0\r' \
		-- run -it --rm busybox sh
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"after=130"* ]]
}

@test "tty: ctrl-p ctrl-q detaches: argon exits 0, the container runs on" {
	pty 'expect:# ' 'send:echo typed-$((1+1))\r' 'expect:typed-2' 'send:\x10\x11' \
		-- run -it --name det busybox sh
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"detached from det"* ]]
	state_is det running
	erun exec det echo still-here
	[ "$output" = still-here ]
	# a lone ctrl-p is typed through: here it reaches the shell's line
	erun logs det
	[[ $output == *"typed-2"* ]]
}

@test "tty: the container's whole output reaches the terminal before argon exits" {
	pty -- run -t --rm busybox sh -c 'seq 1 3000; echo the-end'
	[ "$status" -eq 0 ]
	[[ $output == *$'2999\r\n3000\r\nthe-end'* ]]
}

# ---------------------------------------------------------------- -i

@test "tty: run -i passes our stdin to the container; its EOF ends the container's input" {
	run bash -c "printf 'one\ntwo\n' | '$ARGON' --root '$AROOT' --state-dir '$ESTATE' run -i --rm busybox sh -c 'cat; echo cat-done'"
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo\ncat-done' ]
}

@test "tty: without -i the container's stdin is empty, even when ours is not" {
	run bash -c "echo secret | '$ARGON' --root '$AROOT' --state-dir '$ESTATE' run --rm busybox sh -c 'cat; echo n=\$(wc -c </proc/self/fd/0)'"
	[ "$status" -eq 0 ]
	[ "$output" = "n=0" ]
}

@test "tty: run -i keeps stdout and stderr apart" {
	run bash -c "'$ARGON' --root '$AROOT' --state-dir '$ESTATE' run -i --rm busybox sh -c 'echo out; echo err >&2; exit 3' </dev/null 2>'$TMP/err'"
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$(cat "$TMP/err")" = err ]
}

@test "tty: a signal sent to an attached run -i goes to the container" {
	eng_bg sig run -i --name sigi busybox sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.1; done'
	wait_logs sigi ready
	kill -TERM "$ENG_PID"
	wait_bg "$ENG_PID" 10
	[ "$BG_STATUS" -eq 9 ]
	grep -q got-term "$TMP/sig.out"
}

# ---------------------------------------------------------------- exec

@test "tty: exec -it gives a terminal in a running container, with resizes and the exit code" {
	run_d --name ex busybox sleep 1000
	pty 'expect:# ' send:'tty; stty size\r' 'expect:24 80' resize:40x120 \
		'send:stty size; echo "T=$TERM"; exit 5\r' 'expect:40 120' \
		-- exec -it ex sh
	echo "$output"
	[ "$status" -eq 5 ]
	[[ $output == *"/dev/pts/"* ]]
	[[ $output == *"T=xterm"* ]]
}

@test "tty: exec -i reads our stdin; exec without -i reads nothing" {
	run_d --name exi busybox sleep 1000
	run bash -c "echo piped | '$ARGON' --root '$AROOT' --state-dir '$ESTATE' exec -i exi cat"
	[ "$status" -eq 0 ]
	[ "$output" = piped ]
	run bash -c "echo piped | '$ARGON' --root '$AROOT' --state-dir '$ESTATE' exec exi cat"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# ---------------------------------------------------------------- start -a

@test "tty: start -a shows this run's output and passes its exit code; -i its input" {
	create_c --name sa busybox sh -c 'echo run; exit 4'
	erun start -a sa
	[ "$status" -eq 4 ]
	[ "$output" = run ]
	erun start -a sa	# an exited container starts again, attached
	[ "$status" -eq 4 ]
	[ "$output" = run ]
	create_c -i --name sai busybox sh -c 'read x; echo "got $x"'
	run bash -c "echo hello | '$ARGON' --root '$AROOT' --state-dir '$ESTATE' start -ai sai"
	[ "$status" -eq 0 ]
	[ "$output" = "got hello" ]
	erun start -a sa sai
	[ "$status" -eq 125 ]
}

# ---------------------------------------------------------------- the monitor

@test "tty: the resident monitor is the small argon-monitor, and its attach socket goes with the init" {
	run_d --name mon busybox sleep 1000
	local m
	m=$(ins mon 'c["State"]["MonitorPid"]')
	[ "$(readlink "/proc/$m/exe")" = "$(dirname "$ARGON")/argon-monitor" ]
	local dir="$AROOT/containers/$ID"
	[ -S "$dir/attach.sock" ]
	[ "$(stat -c %a "$dir/attach.sock")" = 600 ]
	eng stop -t 0 mon >/dev/null
	[ ! -e "$dir/attach.sock" ]
}
