#!/usr/bin/env bats
# argon's engine: the container lifecycle of the `argon` CLI (docker's
# create, start, run, stop, kill, rm, ps, inspect, logs, wait), its
# exit codes and output, a container's limits and identity, its monitor
# process, and that nothing is left behind (engine_helpers.bash: every test
# ends with `rm -f` of all containers and checks for processes, mounts,
# cgroups and state left).

load engine_helpers

UP_RE='^Up (Less than a second|[0-9]+ seconds?|About a minute)$'
# A `sh` script for pid 1 that handles SIGNAL: prints "got SIGNAL" and
# exits CODE; says "ready" once the trap is set.
trap_script() { # trap_script SIGNAL CODE
	echo "trap 'echo got $1; exit $2' $1; echo ready; while true; do sleep 0.1; done"
}

# ---------------------------------------------------------------- run

@test "engine: run -d prints a 64-hex ID and ps shows the container Up" {
	run_d --name up busybox sleep 1000
	erun ps
	assert_success
	[[ ${lines[0]} =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]] ||
		fail "ps header: ${lines[0]}"
	assert_eq "${#lines[@]}" 2 "ps lines"
	local row=${lines[1]}
	assert_eq "$(ps_col "$row" 0)" "${ID:0:12}" "ps CONTAINER ID"
	[[ $(ps_col "$row" 1) =~ ^busybox(:latest)?$ ]] || fail "ps IMAGE: $row"
	assert_eq "$(ps_col "$row" 2)" '"sleep 1000"' "ps COMMAND"
	[[ $(ps_col "$row" 4) =~ $UP_RE ]] || fail "ps STATUS: $row"
	assert_eq "$(ps_col "$row" -1)" up "ps NAMES"
	# and it really runs
	local pid
	pid=$(pid_of "$ID")
	pid_alive "$pid" || fail "State.Pid $pid is not alive"
	assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 1000 " "cmdline of State.Pid"
}

@test "engine: run -d returns without holding the caller's stdout or stderr open" {
	# `id=$(argon run -d ...)` must return while the container runs.
	(eng run -d busybox sleep 1000 2>&1 | cat >"$TMP/piped.out") 3>&- 4>&- &
	local p=$!
	BG_PIDS+=("$p")
	retry 100 0.1 eval "! pid_alive $p" ||
		fail "run -d | cat has not ended after 10 s: its pipe is held open"
	wait "$p"
	local id
	id=$(cat "$TMP/piped.out")
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed \`$id\`"
	track_id "$id"
	state_is "$id" running || fail "container is $(state_of "$id"), not running"
}

@test "engine: run -d then logs gives stdout and stderr on their own streams" {
	run_d busybox sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2'
	erun wait "$ID"
	assert_success
	erun logs "$ID"
	assert_success
	assert_eq "$output" $'out1\nout2' "logs stdout"
	assert_eq "$stderr" $'err1\nerr2' "logs stderr"
}

@test "engine: wait prints the exit code; inspect shows ExitCode and Status exited" {
	run_d busybox sh -c 'sleep 0.3; exit 3'
	erun wait "$ID"
	assert_success
	assert_eq "$output" 3 "wait output"
	assert_eq "$(ins "$ID" 'c["State"]["ExitCode"]')" 3 "State.ExitCode"
	assert_eq "$(ins "$ID" 'c["State"]["Status"]')" exited "State.Status"
	assert_eq "$(ins "$ID" 'c["State"]["Running"]')" false "State.Running"
	[[ $(ps_col "$(ps_row "${ID:0:12}")" 4) =~ ^Exited\ \(3\)\ .*ago$ ]] ||
		fail "ps -a STATUS: $(ps_row "${ID:0:12}")"
}

@test "engine: wait on several containers prints each exit code on its own line" {
	run_d --name w1 busybox sh -c 'sleep 0.5; exit 3'
	run_d --name w2 busybox sh -c 'exit 5'
	erun wait w1 w2
	assert_success
	assert_eq "$output" $'3\n5' "wait output"
}

@test "engine: attached run relays stdout and stderr and exits with the container's code" {
	erun run busybox sh -c 'echo out; echo err >&2; exit 5'
	assert_status 5
	assert_eq "$output" out "stdout"
	assert_eq "$stderr" err "stderr"
	erun ps -a --format json
	assert_success
	assert_eq "${#lines[@]}" 1 "containers listed"
	assert_eq "$(jget 'd["State"]' <<<"$output")" exited "State in ps"
}

@test "engine: an attached run that stops reading for a while loses no output" {
	# 200 KB through a pipe whose reader sleeps 7 s: the monitor drops a
	# client that stops reading for 5 s, and run prints the rest from the
	# log, past what it had shown, once, in order.
	eng run --rm busybox sh -c 'i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done' |
		(sleep 7; cat) >"$TMP/slow.out"
	assert_eq "$(wc -l <"$TMP/slow.out")" 20000 "lines"
	seq 0 19999 | sed 's/^/line/' | diff - "$TMP/slow.out" >/dev/null ||
		fail "output differs from line0..line19999 (first: $(head -1 "$TMP/slow.out"), last: $(tail -1 "$TMP/slow.out"))"
}

@test "engine: attached run exits 128+N when the container is killed by signal N" {
	eng_bg att run --name att busybox sleep 1000
	wait_state att running
	erun kill att
	assert_success
	wait_bg "$ENG_PID"
	assert_eq "$BG_STATUS" 137 "exit status of run (stderr: $(cat "$TMP/att.err"))"
}

# forwards SIGNAL CODE: an attached run whose pid 1 handles SIGNAL (exiting
# CODE) gets it when argon does, and argon exits with CODE.
forwards() {
	eng_bg sig run busybox sh -c "$(trap_script "$1" "$2")"
	retry 100 0.05 file_has "$TMP/sig.out" '^ready$' ||
		fail "no ready: $(cat "$TMP/sig.out" "$TMP/sig.err")"
	kill -"$1" "$ENG_PID"
	wait_bg "$ENG_PID"
	assert_eq "$BG_STATUS" "$2" "exit status of run (stderr: $(cat "$TMP/sig.err"))"
	file_has "$TMP/sig.out" "^got $1\$" || fail "no \`got $1\`: $(cat "$TMP/sig.out")"
}

@test "engine: attached run forwards SIGTERM to the container" {
	forwards TERM 7
}

@test "engine: attached run forwards SIGINT to the container" {
	forwards INT 6
}

@test "engine: run without a command runs the image's CMD" {
	erun run busybox
	assert_success
	assert_eq "$output" "hello from busybox"
}

@test "engine: run's -e, -w, -u, -h and --entrypoint reach the process" {
	erun run -e FOO=bar -w /tmp -u 1000:1000 -h boxhost --entrypoint /bin/sh busybox \
		-c 'echo "$FOO $(pwd) $(id -u):$(id -g) $(hostname)"'
	assert_success
	assert_eq "$output" "bar /tmp 1000:1000 boxhost"
}

@test "engine: a container's hostname is its short ID" {
	erun run --name hn busybox hostname
	assert_success
	local id
	id=$(ins hn 'c["Id"]')
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "inspect Id: $id"
	assert_eq "$output" "${id:0:12}" "hostname"
}

@test "engine: pid 1 in the container is the command" {
	# (`; true`: sh would exec a last simple command, becoming it)
	erun run busybox sh -c 'echo $$; tr "\0" " " </proc/1/cmdline; true'
	assert_success
	assert_eq "${lines[0]}" 1 "\$\$ of the command"
	[[ ${lines[1]} == "sh -c echo "* ]] || fail "cmdline of pid 1: ${lines[1]}"
}

@test "engine: --read-only makes / read-only, --tmpfs mounts a writable tmpfs" {
	erun run --read-only --tmpfs /scratch busybox sh -c \
		'touch /x 2>/dev/null && echo rw || echo ro; touch /scratch/y && echo wrote
		 awk "\$2 == \"/scratch\" {print \$3}" /proc/mounts'
	assert_success
	assert_eq "$output" $'ro\nwrote\ntmpfs'
}

@test "engine: a missing command fails with 127 and leaves nothing running" {
	erun run busybox /no/such
	assert_status 127
	assert_contains "$stderr" /no/such
	retry 20 0.1 eval '[ -z "$(pids_of "$TMP")" ]' || fail "processes left: $(procs_of "$TMP")"
	erun ps -q
	assert_eq "$output" "" "running containers"
}

@test "engine: -v and --mount bind host dirs, read-only when asked" {
	mkdir -p "$TMP/host" "$TMP/hostro"
	echo from-host >"$TMP/hostro/f"
	erun run -v "$TMP/host:/h" --mount "type=bind,source=$TMP/hostro,target=/r,readonly" busybox \
		sh -c 'echo from-container >/h/f && cat /r/f; echo x >/r/g 2>/dev/null && echo rw || echo ro'
	assert_success
	assert_eq "$output" $'from-host\nro'
	assert_eq "$(cat "$TMP/host/f")" from-container "file written through -v"
	[ ! -e "$TMP/hostro/g" ] || fail "a read-only bind was written"
}

@test "engine: --storage-size caps the writable layer; --rm releases its loop device" {
	erun run --rm --storage-size 16m busybox sh -c \
		'dd if=/dev/zero of=/big bs=1M count=32 2>/dev/null && echo wrote-all || echo capped'
	assert_success
	assert_eq "$output" capped
	assert_no_containers
	local left
	left=$(loops_left "$AROOT")
	[ -z "$left" ] || fail "loop devices left: $left"
}

@test "engine: run -t and -i work when our stdin is not a terminal" {
	erun run --rm -t busybox sh -c 'echo hi; [ -t 1 ] && echo tty'
	assert_success
	assert_eq "$(tr -d '\r' <<<"$output")" $'hi\ntty' "output of run -t"
	erun run --rm -i busybox sh -c 'cat; echo eof'
	assert_success
	assert_eq "$output" eof "run -i with /dev/null as our stdin"
	assert_no_containers
}

@test "engine: run --rm (attached) leaves nothing after the container exits" {
	erun run --rm --name gone busybox sh -c 'echo bye; exit 3'
	assert_status 3
	assert_eq "$output" bye
	assert_no_containers
	erun inspect gone
	assert_status 1
}

@test "engine: run -d --rm leaves nothing after the container exits" {
	run_d --rm busybox sh -c 'sleep 0.5; exit 3'
	erun wait "$ID"
	assert_success
	assert_eq "$output" 3 "wait output of a --rm container"
	retry 100 0.1 eval '[ -z "$(eng ps -aq)" ]' ||
		fail "container still listed 10 s later: $(eng ps -a)"
	assert_no_containers
	[ -z "$(cgroups_of "$ID")" ] || fail "cgroups left: $(cgroups_of "$ID")"
	[ -z "$(state_entries_of "$ID")" ] || fail "runtime state left: $(state_entries_of "$ID")"
}

# ---------------------------------------------------------------- stop, kill, rm

@test "engine: stop -t 1 of a container ignoring SIGTERM kills it after 1 s (137)" {
	run_d busybox sh -c 'trap "" TERM; echo ready; while true; do sleep 0.1; done'
	wait_logs "$ID" ready
	local t0 t1
	t0=$(now_ms)
	erun stop -t 1 "$ID"
	t1=$(now_ms)
	assert_success
	assert_eq "$output" "$ID"
	((t1 - t0 >= 1000)) || fail "stop -t 1 took $((t1 - t0)) ms, less than 1 s"
	((t1 - t0 < 8000)) || fail "stop -t 1 took $((t1 - t0)) ms"
	erun wait "$ID"
	assert_eq "$output" 137 "wait output"
	assert_eq "$(ins "$ID" 'c["State"]["ExitCode"]')" 137 "State.ExitCode"
}

@test "engine: stop of containers handling SIGTERM is fast and gives their exit code" {
	run_d --name s1 busybox sh -c "$(trap_script TERM 7)"
	local id1=$ID
	run_d --name s2 busybox sh -c "$(trap_script TERM 8)"
	wait_logs s1 ready
	wait_logs s2 ready
	local t0 t1
	t0=$(now_ms)
	erun stop s1 s2
	t1=$(now_ms)
	assert_success
	assert_eq "$output" $'s1\ns2'
	((t1 - t0 < 5000)) || fail "stop took $((t1 - t0)) ms"
	assert_eq "$(ins "$id1" 'c["State"]["ExitCode"]')" 7 "exit code of s1"
	assert_eq "$(ins "$ID" 'c["State"]["ExitCode"]')" 8 "exit code of s2"
	logs_have s1 '^got TERM$' || fail "no \`got TERM\` in the logs of s1: $(eng logs s1 2>&1)"
}

@test "engine: --stop-timeout sets stop's wait before SIGKILL" {
	run_d --stop-timeout 1 busybox sh -c 'trap "" TERM; echo ready; while true; do sleep 0.1; done'
	wait_logs "$ID" ready
	local t0 t1
	t0=$(now_ms)
	erun stop "$ID"
	t1=$(now_ms)
	assert_success
	((t1 - t0 >= 1000)) || fail "stop took $((t1 - t0)) ms, less than 1 s"
	((t1 - t0 < 8000)) || fail "stop took $((t1 - t0)) ms: --stop-timeout 1 ignored"
	erun wait "$ID"
	assert_eq "$output" 137 "exit code"
}

@test "engine: --stop-signal chooses the signal stop sends" {
	run_d --stop-signal USR1 busybox sh -c "$(trap_script USR1 9)"
	wait_logs "$ID" ready
	erun stop -t 5 "$ID"
	assert_success
	erun wait "$ID"
	assert_eq "$output" 9 "exit code"
	logs_have "$ID" '^got USR1$' || fail "no \`got USR1\`: $(eng logs "$ID" 2>&1)"
}

@test "engine: kill sends SIGKILL; kill -s sends the signal given" {
	run_d busybox sleep 1000
	local id1=$ID
	erun kill "$id1"
	assert_success
	assert_eq "$output" "$id1"
	erun wait "$id1"
	assert_eq "$output" 137 "exit code after kill"
	run_d busybox sh -c "$(trap_script USR1 9)"
	wait_logs "$ID" ready
	erun kill -s USR1 "$ID"
	assert_success
	assert_eq "$output" "$ID"
	erun wait "$ID"
	assert_eq "$output" 9 "exit code after kill -s USR1"
	logs_have "$ID" '^got USR1$' || fail "no \`got USR1\`: $(eng logs "$ID" 2>&1)"
}

@test "engine: kill of a container that is not running fails with 1" {
	create_c --name made busybox true
	erun kill made
	assert_status 1
	assert_eq "$output" "" "stdout"
	[ -n "$stderr" ] || fail "no error message"
	run_d --name ended busybox true
	erun wait ended
	erun kill ended
	assert_status 1
	[ -n "$stderr" ] || fail "no error message"
}

@test "engine: rm of a running container is refused without -f; rm -f removes it" {
	run_d --name busy busybox sleep 1000
	local pid
	pid=$(pid_of "$ID")
	erun rm busy
	assert_status 1
	grep -qi stop <<<"$stderr" || fail "the message does not say to stop it: $stderr"
	grep -q -e -f -e force <<<"$stderr" || fail "the message does not mention -f: $stderr"
	pid_alive "$pid" || fail "the container's process died"
	assert_eq "$(state_of busy)" running
	erun rm -f busy
	assert_success
	assert_eq "$output" busy
	wait_pid_gone "$pid"
	[ ! -e "$AROOT/containers/$ID" ] || fail "container dir left"
	assert_no_containers
	[ -z "$(state_entries_of "$ID")" ] || fail "runtime state left: $(state_entries_of "$ID")"
}

@test "engine: rm -v removes a container's anonymous volumes, rm alone keeps them" {
	run_d -v /data -v keep:/keep busybox sh -c 'echo x >/data/f; echo y >/keep/f'
	erun wait "$ID"
	assert_eq "$output" 0
	local vols
	vols=$(eng volume ls -q | sort)
	assert_eq "$(grep -c . <<<"$vols")" 2 "volumes: $vols"
	erun rm -v "$ID"
	assert_success
	assert_eq "$output" "$ID"
	assert_eq "$(eng volume ls -q)" keep "volumes after rm -v"
	run_d -v /data busybox true
	erun wait "$ID"
	erun rm "$ID"
	assert_success
	assert_eq "$(eng volume ls -q | grep -vx keep | grep -c .)" 1 "anonymous volumes after rm without -v"
	# shellcheck disable=SC2046
	eng volume rm $(eng volume ls -q) >/dev/null
}

@test "engine: commands on an unknown container fail with 1" {
	local cmd
	for cmd in inspect start stop kill rm wait logs; do
		erun "$cmd" nosuch
		assert_status 1
		if [ "$cmd" == inspect ]; then
			# docker prints an empty array there
			[[ $output == "" || $(jget 'd' <<<"$output") == "[]" ]] || fail "stdout of inspect: $output"
		else
			assert_eq "$output" "" "stdout of $cmd"
		fi
		assert_contains "$stderr" nosuch
	done
}

# ---------------------------------------------------------------- logs

@test "engine: logs --tail N prints the last N lines" {
	run_d busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done'
	erun wait "$ID"
	erun logs --tail 2 "$ID"
	assert_success
	assert_eq "$output" $'line4\nline5'
	erun logs --tail 10 "$ID"
	assert_eq "$output" $'line1\nline2\nline3\nline4\nline5'
}

@test "engine: logs -t prefixes each line with an RFC3339Nano timestamp" {
	local before after t prev=0 l n=0
	before=$(date +%s.%N)
	run_d busybox sh -c 'echo one; sleep 0.2; echo two'
	erun wait "$ID"
	after=$(date +%s.%N)
	erun logs -t "$ID"
	assert_success
	assert_eq "${#lines[@]}" 2 "lines"
	for l in "${lines[@]}"; do
		n=$((n + 1))
		[[ $l =~ ^([^ ]+)\ (one|two)$ ]] || fail "line \`$l\`"
		t=$(ts_epoch "${BASH_REMATCH[1]}") || fail "timestamp of \`$l\`"
		assert_le "$before" "$t" "timestamp after the run began"
		assert_le "$t" "$after" "timestamp before the run ended"
		assert_le "$prev" "$t" "timestamps in order"
		prev=$t
	done
	[[ ${lines[1]} == *" two" ]] || fail "second line: ${lines[1]}"
}

@test "engine: logs --since leaves out earlier lines" {
	run_d busybox sh -c 'echo early; sleep 2; echo late'
	wait_logs "$ID" early
	sleep 0.2
	local since
	since=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	erun wait "$ID"
	erun logs --since "$since" "$ID"
	assert_success
	assert_eq "$output" late
}

@test "engine: logs -f follows until the container exits" {
	run_d busybox sh -c 'echo a; sleep 1; echo b; echo c >&2'
	local t0 t1
	t0=$(now_ms)
	ENG_TIMEOUT=20 erun logs -f "$ID"
	t1=$(now_ms)
	assert_success
	assert_eq "$output" $'a\nb' "stdout"
	assert_eq "$stderr" c "stderr"
	((t1 - t0 >= 500)) || fail "logs -f returned after $((t1 - t0)) ms, before the container ended"
	wait_state "$ID" exited
}

# ---------------------------------------------------------------- create, ps, inspect

@test "engine: create makes a created container, start runs it" {
	create_c --name c1 busybox sh -c 'echo started; exit 2'
	assert_eq "$(state_of c1)" created
	assert_eq "$(ins c1 'c["State"]["Pid"]')" 0 "State.Pid"
	erun ps -q
	assert_eq "$output" "" "ps -q of a created container"
	[[ $(ps_col "$(ps_row "${ID:0:12}")" 4) == Created ]] || fail "ps -a: $(eng ps -a)"
	erun start c1
	assert_success
	assert_eq "$output" c1
	erun wait c1
	assert_eq "$output" 2 "exit code"
	erun logs c1
	assert_eq "$output" started
}

@test "engine: ps lists running containers, -a all, -q short IDs, --no-trunc full IDs" {
	run_d --name up busybox sleep 1000
	local up=$ID
	run_d --name ended busybox sh -c 'exit 3'
	local ended=$ID
	erun wait ended
	create_c --name new busybox true
	local new=$ID
	erun ps
	assert_eq "${#lines[@]}" 2 "ps lines: $output"
	assert_eq "$(ps_col "${lines[1]}" -1)" up
	erun ps -a
	assert_eq "${#lines[@]}" 4 "ps -a lines: $output"
	[[ $(ps_col "$(ps_row "${up:0:12}")" 4) =~ $UP_RE ]] || fail "status of up: $output"
	[[ $(ps_col "$(ps_row "${ended:0:12}")" 4) =~ ^Exited\ \(3\)\ .+\ ago$ ]] || fail "status of ended: $output"
	assert_eq "$(ps_col "$(ps_row "${new:0:12}")" 4)" Created "status of new"
	erun ps -q
	assert_eq "$output" "${up:0:12}" "ps -q"
	erun ps -aq
	assert_eq "$(sort <<<"$output")" "$(printf '%s\n' "${up:0:12}" "${ended:0:12}" "${new:0:12}" | sort)" "ps -aq"
	erun ps -aq --no-trunc
	assert_eq "$(sort <<<"$output")" "$(printf '%s\n' "$up" "$ended" "$new" | sort)" "ps -aq --no-trunc"
}

@test "engine: ps --format json gives docker's keys" {
	run_d --name up busybox sleep 1000
	local up=$ID
	run_d --name ended busybox sh -c 'exit 3'
	erun wait ended
	create_c --name new busybox true
	erun ps --format json
	assert_success
	assert_eq "${#lines[@]}" 1 "ps --format json lines"
	erun ps -a --format json
	assert_success
	assert_eq "${#lines[@]}" 3 "ps -a --format json lines"
	local l name
	for l in "${lines[@]}"; do
		name=$(jget 'd["Names"]' <<<"$l") || fail "not JSON with Names: $l"
		case $name in
		up)
			assert_eq "$(jget 'd["State"]' <<<"$l")" running
			[[ $(jget 'd["Status"]' <<<"$l") =~ $UP_RE ]] || fail "Status: $l"
			[[ $up == "$(jget 'd["ID"]' <<<"$l")"* ]] || fail "ID: $l"
			assert_contains "$(jget 'd["Command"]' <<<"$l")" "sleep 1000"
			[[ $(jget 'd["Image"]' <<<"$l") =~ ^busybox(:latest)?$ ]] || fail "Image: $l"
			[ -n "$(jget 'd["CreatedAt"]' <<<"$l")" ] || fail "CreatedAt: $l"
			;;
		ended)
			assert_eq "$(jget 'd["State"]' <<<"$l")" exited
			[[ $(jget 'd["Status"]' <<<"$l") == "Exited (3) "*" ago" ]] || fail "Status: $l"
			;;
		new)
			assert_eq "$(jget 'd["State"]' <<<"$l")" created
			assert_eq "$(jget 'd["Status"]' <<<"$l")" Created
			;;
		*) fail "Names \`$name\`: $l" ;;
		esac
	done
}

@test "engine: run of \`host\` on a store without it prepares it first, with a notice" {
	local store
	prep_store_dir prep
	store=$PREP_STORE
	run --separate-stderr timeout 120 "$ARGON" --root "$store" --state-dir "$ESTATE" \
		run --rm host sh -c 'echo hi; head -1 /usr/lib/os-release' </dev/null 3>&- 4>&-
	assert_success
	assert_eq "${lines[0]}" hi
	assert_eq "${lines[1]}" "$(head -1 /usr/lib/os-release)" "the host's os-release, seen inside"
	assert_contains "$stderr" "preparing it"
	"$ARGON" --root "$store" image inspect host >/dev/null </dev/null || fail "no host image made"
	# Made once: the next run says nothing of it.
	run --separate-stderr timeout 60 "$ARGON" --root "$store" --state-dir "$ESTATE" \
		run --rm host true </dev/null 3>&- 4>&-
	assert_success
	assert_eq "$stderr" "" "stderr of the second run"
}

@test "engine: inspect shows the container's network and where its layers are" {
	run_d --name gd busybox sh -c 'echo mark > /written; sleep 1000'
	wait_state "$ID" running
	assert_eq "$(ins gd 'list(c["NetworkSettings"]["Networks"])')" '["none"]' "networks"
	local key upper
	key=$(ins gd 'c["NetworkSettings"]["SandboxKey"]')
	assert_eq "$(readlink "$key")" "$(readlink "/proc/$(pid_of "$ID")/ns/net")" "SandboxKey"
	upper=$(ins gd 'c["GraphDriver"]["Data"]["UpperDir"]')
	retry 50 0.1 test -f "$upper/written" || fail "the container's write is not in UpperDir $upper"
	assert_eq "$(cat "$upper/written")" mark "the write in UpperDir"
	[ -d "$(ins gd 'c["GraphDriver"]["Data"]["MergedDir"]')/bin" ] || fail "MergedDir has no /bin"
	run_d --name gdh --network host busybox sleep 1000
	assert_eq "$(ins gdh 'list(c["NetworkSettings"]["Networks"])')" '["host"]' "networks of --network host"
}

@test "engine: inspect shows docker's fields before and after a run" {
	local img
	img=$(jget 'd["id"]' <"$SFILE/busybox.json")
	create_c --name web -e FOO=bar --label team=blue -v /data busybox sh -c 'echo hi; exit 4'
	erun inspect web
	assert_success
	local j=$output
	assert_eq "$(jget 'len(d)' <<<"$j")" 1 "objects"
	assert_eq "$(jget 'd[0]["Id"]' <<<"$j")" "$ID" Id
	assert_eq "$(jget 'd[0]["Name"]' <<<"$j")" /web Name
	assert_eq "$(jget 'd[0]["Path"]' <<<"$j")" sh Path
	assert_eq "$(jget 'd[0]["Args"]' <<<"$j")" '["-c", "echo hi; exit 4"]' Args
	assert_eq "$(jget 'd[0]["Image"]' <<<"$j")" "$img" Image
	assert_eq "$(jget 'd[0]["Config"]["Image"]' <<<"$j")" busybox Config.Image
	assert_eq "$(jget 'd[0]["Config"]["Cmd"]' <<<"$j")" '["sh", "-c", "echo hi; exit 4"]' Config.Cmd
	assert_eq "$(jget '"FOO=bar" in d[0]["Config"]["Env"]' <<<"$j")" true "FOO=bar in Config.Env"
	assert_eq "$(jget 'd[0]["Config"]["Labels"]' <<<"$j")" '{"team": "blue"}' Config.Labels
	assert_eq "$(jget 'd[0]["HostConfig"]["AutoRemove"]' <<<"$j")" false HostConfig.AutoRemove
	assert_eq "$(jget '[m["Destination"] for m in d[0]["Mounts"]]' <<<"$j")" '["/data"]' Mounts
	assert_eq "$(jget 'd[0]["State"]["Status"]' <<<"$j")" created State.Status
	assert_eq "$(jget 'd[0]["State"]["Running"]' <<<"$j")" false State.Running
	assert_eq "$(jget 'd[0]["State"]["Pid"]' <<<"$j")" 0 State.Pid
	local created
	created=$(ts_epoch "$(jget 'd[0]["Created"]' <<<"$j")") || fail "Created"
	erun start web
	erun wait web
	assert_eq "$output" 4
	erun inspect web
	j=$output
	assert_eq "$(jget 'd[0]["State"]["Status"]' <<<"$j")" exited State.Status
	assert_eq "$(jget 'd[0]["State"]["Running"]' <<<"$j")" false State.Running
	assert_eq "$(jget 'd[0]["State"]["ExitCode"]' <<<"$j")" 4 State.ExitCode
	assert_eq "$(jget 'd[0]["State"]["OOMKilled"]' <<<"$j")" false State.OOMKilled
	local started finished
	started=$(ts_epoch "$(jget 'd[0]["State"]["StartedAt"]' <<<"$j")") || fail StartedAt
	finished=$(ts_epoch "$(jget 'd[0]["State"]["FinishedAt"]' <<<"$j")") || fail FinishedAt
	assert_le "$created" "$started" "Created <= StartedAt"
	assert_le "$started" "$finished" "StartedAt <= FinishedAt"
	# --rm shows as AutoRemove; inspect takes several containers
	create_c --rm --name auto busybox true
	assert_eq "$(ins auto 'c["HostConfig"]["AutoRemove"]')" true HostConfig.AutoRemove
	assert_eq "$(ins web 'len(d)')" 1
	erun inspect web auto
	assert_success
	assert_eq "$(jget '[c["Name"] for c in d]' <<<"$output")" '["/web", "/auto"]' "inspect of two"
}

# ---------------------------------------------------------------- names, errors

@test "engine: names are unique: a second create --name fails with 125, the first is intact" {
	# (docker's names have 2 characters at least)
	create_c --name xx busybox sh -c 'echo first'
	local first=$ID
	erun create --name xx busybox true
	assert_status 125
	assert_eq "$output" "" "stdout"
	assert_contains "$stderr" xx
	assert_contains "$stderr" "already in use"
	assert_eq "$(eng ps -aq --no-trunc)" "$first" "containers"
	assert_eq "$(ls "$AROOT/containers")" "$first" "container dirs"
	assert_eq "$(ins xx 'c["Id"]')" "$first" "the name's container"
	assert_no_new_cgroups_but "$first"
	erun start xx
	assert_success
	erun wait xx
	assert_eq "$output" 0
	erun logs xx
	assert_eq "$output" first
}

@test "engine: of two concurrent run -d --name x exactly one wins, the loser leaves nothing" {
	local round k st win lose ok
	for round in 1 2 3 4 5; do
		for k in a b; do
			eng run -d --name "x$round" busybox sleep 1000 \
				>"$TMP/r$round$k.out" 2>"$TMP/r$round$k.err" &
			eval "pid_$k=\$!"
		done
		win="" lose="" ok=0
		for k in a b; do
			eval "wait \$pid_$k" && st=0 || st=$?
			if [ "$st" -eq 0 ]; then
				win=$k
				ok=$((ok + 1))
			else
				[ "$st" -eq 125 ] || fail "round $round: a run exited $st: $(cat "$TMP/r$round$k.err")"
				lose=$k
			fi
		done
		local id
		[ "$ok" -eq 1 ] || fail "round $round: $ok runs of --name x$round succeeded"
		id=$(cat "$TMP/r$round$win.out")
		[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "round $round: the winner printed \`$id\`"
		track_id "$id"
		assert_eq "$(cat "$TMP/r$round$lose.out")" "" "round $round: stdout of the loser"
		assert_contains "$(cat "$TMP/r$round$lose.err")" "already in use"
		assert_eq "$(eng ps -aq --no-trunc)" "$id" "round $round: containers"
		assert_eq "$(ls "$AROOT/containers")" "$id" "round $round: container dirs"
		assert_no_new_cgroups_but "$id"
		assert_eq "$(state_of "x$round")" running "round $round: the winner"
		eng rm -f "$id" >/dev/null
		assert_no_containers
	done
}

@test "engine: an unknown image fails with 125 and leaves nothing" {
	local cmd
	for cmd in run create; do
		erun "$cmd" nosuch:1 true
		assert_status 125
		assert_eq "$output" "" "stdout of $cmd"
		grep -qiE 'no such image|unable to find image' <<<"$stderr" ||
			fail "$cmd: the message does not say the image is missing: $stderr"
		assert_contains "$stderr" nosuch
		assert_no_containers
	done
	erun run -d nosuch:1 true
	assert_status 125
	assert_no_containers
}

@test "engine: a bad flag or value fails with 125 and leaves nothing" {
	local args
	for args in "run --bogus busybox true" "create --bogus busybox true" "run -d --bogus busybox true" \
		"run -m lots busybox true" "create --pids-limit many busybox true" "run" \
		"run --stop-signal NOSUCHSIG busybox true" "ps --bogus" "stop -t soon x"; do
		# shellcheck disable=SC2086
		erun $args
		assert_status 125
		assert_eq "$output" "" "stdout of $args"
		[ -n "$stderr" ] || fail "no message for $args"
		assert_no_containers
	done
}

# ---------------------------------------------------------------- limits

@test "engine: -m 32m sets the container's memory limit" {
	run_d -m 32m busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Memory"]')" 33554432 HostConfig.Memory
	local f pid
	f=$(cgroup_file "$ID" memory.limit_in_bytes memory.max) ||
		skip "no memory cgroup file for argon/$ID (cgroups: $(cgroups_of "$ID"))"
	assert_eq "$(cat "$f")" 33554432 "$f"
	pid=$(pid_of "$ID")
	grep -q "memory:.*/argon/$ID\$" "/proc/$pid/cgroup" || grep -q "^0::.*/argon/$ID\$" "/proc/$pid/cgroup" ||
		fail "the container's process is not in argon/$ID: $(cat "/proc/$pid/cgroup")"
}

@test "engine: a container over its memory limit is OOM-killed, inspect says so" {
	[ "$(grep -c . /proc/swaps)" -le 1 ] || skip "swap is on: a memory hog would swap, not be killed"
	erun run --name hog -m 16m busybox tail /dev/zero
	assert_status 137
	assert_eq "$(ins hog 'c["State"]["OOMKilled"]')" true State.OOMKilled
	assert_eq "$(ins hog 'c["State"]["ExitCode"]')" 137 State.ExitCode
}

@test "engine: --pids-limit sets the container's pids.max" {
	run_d --pids-limit 20 busybox sleep 1000
	local f
	f=$(cgroup_file "$ID" pids.max) || skip "no pids cgroup file for argon/$ID"
	assert_eq "$(cat "$f")" 20 "$f"
}

# ---------------------------------------------------------------- the monitor

@test "engine: with its monitor SIGKILLed a container still shows running, stop and rm work" {
	run_d busybox sh -c 'trap "exit 0" TERM; echo ready; while true; do sleep 0.1; done'
	wait_logs "$ID" ready
	local pid mon
	pid=$(pid_of "$ID")
	mon=$(monitor_pid "$ID") || fail "no monitor found"
	[ "$mon" != "$pid" ] || fail "the monitor is the container's process"
	kill -9 "$mon"
	wait_pid_gone "$mon"
	pid_alive "$pid" || fail "the container died with its monitor"
	erun ps -q
	assert_eq "$output" "${ID:0:12}" "ps -q"
	assert_eq "$(state_of "$ID")" running
	assert_eq "$(ins "$ID" 'c["State"]["Running"]')" true State.Running
	erun stop -t 5 "$ID"
	assert_success
	assert_eq "$output" "$ID"
	wait_pid_gone "$pid"
	assert_eq "$(state_of "$ID")" exited
	erun ps -q
	assert_eq "$output" "" "ps -q after stop"
	erun rm "$ID"
	assert_success
	assert_no_containers
	[ -z "$(state_entries_of "$ID")" ] || fail "runtime state left: $(state_entries_of "$ID")"
}

@test "engine: with its monitor SIGKILLed a container can be killed" {
	run_d busybox sleep 1000
	local pid mon
	pid=$(pid_of "$ID")
	mon=$(monitor_pid "$ID") || fail "no monitor found"
	kill -9 "$mon"
	wait_pid_gone "$mon"
	erun kill "$ID"
	assert_success
	assert_eq "$output" "$ID"
	wait_pid_gone "$pid"
	wait_state "$ID" exited
	erun rm "$ID"
	assert_success
	assert_no_containers
}

@test "engine: with its monitor SIGKILLed a container is removed by rm -f" {
	run_d busybox sleep 1000
	local pid mon
	pid=$(pid_of "$ID")
	mon=$(monitor_pid "$ID") || fail "no monitor found"
	kill -9 "$mon"
	wait_pid_gone "$mon"
	erun rm -f "$ID"
	assert_success
	assert_eq "$output" "$ID"
	wait_pid_gone "$pid"
	assert_no_containers
	[ -z "$(cgroups_of "$ID")" ] || fail "cgroups left: $(cgroups_of "$ID")"
	[ -z "$(state_entries_of "$ID")" ] || fail "runtime state left: $(state_entries_of "$ID")"
}

@test "engine: with its monitor SIGKILLed a container that dies shows as not running" {
	run_d busybox sleep 1000
	local pid mon
	pid=$(pid_of "$ID")
	mon=$(monitor_pid "$ID") || fail "no monitor found"
	kill -9 "$mon"
	wait_pid_gone "$mon"
	kill -9 "$pid"
	wait_pid_gone "$pid"
	erun ps -q
	assert_success
	assert_eq "$output" "" "ps -q"
	assert_eq "$(ins "$ID" 'c["State"]["Running"]')" false State.Running
	[ "$(state_of "$ID")" != running ] || fail "inspect says running"
}

# ---------------------------------------------------------------- many

@test "engine: 20 concurrent run -d, then rm -f of all leaves nothing" {
	local me=$BASHPID fds_before fds_after i st ids="" n=20
	fds_before=$(ls "/proc/$me/fd" | wc -l)
	local -a pids=()
	for ((i = 0; i < n; i++)); do
		eng run -d busybox sleep 1000 >"$TMP/many$i.out" 2>"$TMP/many$i.err" &
		pids+=($!)
	done
	for ((i = 0; i < n; i++)); do
		wait "${pids[i]}" && st=0 || st=$?
		[ "$st" -eq 0 ] || fail "run -d $i exited $st: $(cat "$TMP/many$i.err")"
		[[ $(cat "$TMP/many$i.out") =~ ^[0-9a-f]{64}$ ]] || fail "run -d $i printed $(cat "$TMP/many$i.out")"
		track_id "$(cat "$TMP/many$i.out")"
		ids+="$(cat "$TMP/many$i.out")"$'\n'
	done
	assert_eq "$(sort -u <<<"$ids" | grep -c .)" "$n" "distinct IDs"
	assert_eq "$(eng ps -q | wc -l)" "$n" "ps -q lines"
	assert_eq "$(eng ps -q --no-trunc | sort)" "$(sort <<<"$ids" | grep .)" "ps -q --no-trunc"
	assert_eq "$(ls "$AROOT/containers" | wc -l)" "$n" "container dirs"
	# shellcheck disable=SC2086
	erun rm -f $ids
	assert_success
	assert_eq "$(sort <<<"$output")" "$(sort <<<"$ids" | grep .)" "rm -f output"
	assert_no_containers
	local left
	left=$(loops_left "$AROOT")
	[ -z "$left" ] || fail "loop devices left: $left"
	for i in $ids; do
		[ -z "$(state_entries_of "$i")" ] || fail "runtime state left: $(state_entries_of "$i")"
	done
	fds_after=$(ls "/proc/$me/fd" | wc -l)
	assert_eq "$fds_after" "$fds_before" "fds of the test shell"
}

# ---------------------------------------------------------------- exec

@test "exec: runs in the container's namespaces with its env; the exit code passes through" {
	run_d -e FOO=bar busybox sleep 1000
	erun exec "$ID" sh -c 'echo "$FOO $(hostname) $$"; exit 6'
	assert_status 6
	local words
	read -ra words <<<"$output"
	assert_eq "${words[0]}" bar "env from the container"
	assert_eq "${words[1]}" "${ID:0:12}" "hostname of the container"
	[ "${words[2]}" != 1 ] || fail "exec'd process is pid 1"
	# The container's pid namespace: its init is the sleep.
	erun exec "$ID" cat /proc/1/cmdline
	assert_contains "$output" sleep
}

@test "exec: -e, -w and -u override the container's process" {
	run_d -e FOO=bar busybox sleep 1000
	erun exec -e FOO=baz -w /bin -u 1000:1001 "$ID" sh -c 'echo "$FOO $PWD"; grep -E "^(Uid|Gid):" /proc/self/status'
	assert_success
	assert_eq "${lines[0]}" "baz /bin"
	[[ ${lines[1]} =~ ^Uid:[[:space:]]+1000[[:space:]] ]] || fail "uid: ${lines[1]}"
	[[ ${lines[2]} =~ ^Gid:[[:space:]]+1001[[:space:]] ]] || fail "gid: ${lines[2]}"
}

@test "exec: a missing command gives 127, a stopped container 1; -t works without our terminal" {
	run_d busybox sleep 1000
	erun exec "$ID" /no/such/program
	assert_status 127
	assert_contains "$stderr" /no/such/program
	erun exec -t "$ID" sh -c '[ -t 0 ] && echo tty'
	assert_success
	assert_eq "$(tr -d '\r' <<<"$output")" tty "exec -t"
	eng stop -t 0 "$ID" >/dev/null
	erun exec "$ID" true
	assert_status 1
	assert_contains "$stderr" "not running"
}

@test "exec -d: the process runs on after exec returns, and dies with the container" {
	run_d busybox sleep 1000
	erun exec -d "$ID" sh -c 'echo started > /tmp/x; sleep 1000'
	assert_success
	retry 50 0.1 eval 'eng exec "$ID" cat /tmp/x 2>/dev/null | grep -q started' ||
		fail "the detached process did not run"
	local n
	n=$(eng exec "$ID" sh -c 'ls /proc | grep -c "^[0-9]"')
	((n >= 3)) || fail "processes in the container: $n"
	eng rm -f "$ID" >/dev/null
	[ -z "$(pids_of "$TMP")" ] || fail "processes left: $(pids_of "$TMP")"
}
