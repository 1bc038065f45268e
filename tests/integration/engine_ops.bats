#!/usr/bin/env bats
# argon's engine: docker's pause, unpause, restart, rename, top, stats and
# port, checked for their real effect (a frozen counter, a new init, a new
# name in the store, the container's own processes and usage), their
# output and exit codes, and that stop/kill/rm -f of a paused container
# work (engine_helpers.bash checks that nothing is left).

load engine_helpers

UP_RE='^Up (Less than a second|[0-9]+ seconds?|About a minute)$'

# A container's pid 1 that counts in /tmp/n, 20 times a second.
COUNTER='i=0; while true; do i=$((i+1)); echo $i >/tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done'

# counter ID: the container's count, read from the host (works frozen).
counter() {
	local pid
	pid=$(pid_of "$1") || return 1
	cat "/proc/$pid/root/tmp/n"
}

counter_moves() { # counter_moves ID: the count grows within 2 s
	local id=$1 a
	a=$(counter "$id") || return 1
	retry 40 0.05 eval '[ "$(counter "$id")" -gt "$a" ]'
}

# freezer ID: FROZEN or THAWED, from the container's cgroup (v1
# freezer.state, else v2 cgroup.events).
freezer() {
	local f
	if f=$(cgroup_file "$1" freezer.state); then
		cat "$f"
	elif f=$(cgroup_file "$1" cgroup.events); then
		grep -q '^frozen 1' "$f" && echo FROZEN || echo THAWED
	else
		echo "no freezer file for $1" >&2
		return 1
	fi
}

# event_seen ID ACTION [ATTR=VALUE]: events.log has that event of ID.
event_seen() {
	"$PY" -c '
import json, sys
id, action = sys.argv[2], sys.argv[3]
want = sys.argv[4].split("=", 1) if len(sys.argv) > 4 else None
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("Action") == action and e.get("Actor", {}).get("ID") == id:
        attrs = e["Actor"].get("Attributes", {})
        if want is None or attrs.get(want[0]) == want[1]:
            sys.exit(0)
sys.exit(1)' "$ESTATE/events.log" "$@"
}

# ---------------------------------------------------------------- pause

@test "ops: pause freezes every process (the counter stops, the freezer says so); unpause resumes" {
	run_d --name frozen busybox sh -c "$COUNTER"
	retry 100 0.05 counter "$ID" >/dev/null || fail "the counter never started"
	counter_moves "$ID" || fail "the counter does not move before pause"
	assert_eq "$(freezer "$ID")" THAWED "freezer before pause"

	erun pause frozen
	assert_success
	assert_eq "$output" frozen "pause output"
	assert_eq "$(freezer "$ID")" FROZEN "freezer after pause"
	local a b
	a=$(counter "$ID")
	sleep 0.6
	b=$(counter "$ID")
	assert_eq "$b" "$a" "the count while paused"

	erun unpause frozen
	assert_success
	assert_eq "$output" frozen "unpause output"
	assert_eq "$(freezer "$ID")" THAWED "freezer after unpause"
	counter_moves "$ID" || fail "the counter does not move after unpause"
	event_seen "$ID" pause || fail "no pause event"
	event_seen "$ID" unpause || fail "no unpause event"
}

@test "ops: a paused container is paused in ps and inspect, and running again after unpause" {
	run_d --name pz busybox sleep 1000
	erun pause "$ID"
	assert_success
	assert_eq "$(ins "$ID" 'c["State"]["Status"]')" paused "State.Status"
	assert_eq "$(ins "$ID" 'c["State"]["Paused"]')" true "State.Paused"
	assert_eq "$(ins "$ID" 'c["State"]["Running"]')" true "State.Running"
	# listed without -a (docker: paused is running), STATUS says so
	erun ps
	assert_success
	assert_eq "${#lines[@]}" 2 "ps lines"
	[[ $(ps_col "${lines[1]}" 4) =~ ^Up\ .*\ \(Paused\)$ ]] || fail "ps STATUS: ${lines[1]}"
	erun ps --format json
	assert_eq "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["State"])' "$output")" \
		paused "ps --format json State"

	erun unpause pz
	assert_success
	assert_eq "$(ins "$ID" 'c["State"]["Status"]')" running "State.Status after unpause"
	assert_eq "$(ins "$ID" 'c["State"]["Paused"]')" false "State.Paused after unpause"
	[[ $(ps_col "$(ps_row "${ID:0:12}")" 4) =~ $UP_RE ]] || fail "ps STATUS: $(ps_row "${ID:0:12}")"
}

@test "ops: pause and unpause refuse what docker refuses" {
	run_d --name twice busybox sleep 1000
	erun unpause twice
	assert_status 1
	assert_contains "$stderr" "is not paused"
	erun pause twice
	assert_success
	erun pause twice
	assert_status 1
	assert_contains "$stderr" "is already paused"
	# several names: each is tried, the status says one failed
	erun unpause twice nosuch
	assert_status 1
	assert_eq "$output" twice "unpause output"
	assert_contains "$stderr" "no such container"
	assert_eq "$(freezer "$ID")" THAWED "freezer after unpause"

	create_c --name made busybox sleep 1000
	erun pause made
	assert_status 1
	assert_contains "$stderr" "is not running"
	run_d busybox true
	eng wait "$ID" >/dev/null
	erun pause "$ID"
	assert_status 1
	assert_contains "$stderr" "is not running"
	erun pause
	assert_status 125
	erun pause --bogus x
	assert_status 125
}

@test "ops: stop of a paused container delivers its stop signal (no SIGKILL, no wait)" {
	run_d --name st busybox sh -c "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.1; done"
	wait_logs "$ID" ready
	erun pause st
	assert_success
	local t0 t1
	t0=$(now_ms)
	erun stop -t 8 st
	t1=$(now_ms)
	assert_success
	assert_eq "$output" st "stop output"
	assert_le $((t1 - t0)) 4000 "ms to stop a paused container"
	assert_eq "$(ins "$ID" 'c["State"]["ExitCode"]')" 7 "ExitCode (the TERM trap ran)"
	assert_eq "$(ins "$ID" 'c["State"]["Status"]')" exited "State.Status"
	wait_logs "$ID" "got TERM"
}

@test "ops: kill and rm -f of a paused container work promptly" {
	run_d --name kp busybox sleep 1000
	erun pause kp
	assert_success
	erun kill kp
	assert_success
	wait_state "$ID" exited
	assert_eq "$(ins "$ID" 'c["State"]["ExitCode"]')" 137 "ExitCode after kill"

	run_d --name rp busybox sleep 1000
	local pid t0 t1
	pid=$(pid_of "$ID")
	erun pause rp
	assert_success
	t0=$(now_ms)
	erun rm -f rp
	t1=$(now_ms)
	assert_success
	assert_le $((t1 - t0)) 5000 "ms to rm -f a paused container"
	wait_pid_gone "$pid"
	erun inspect rp
	assert_status 1
}

# ---------------------------------------------------------------- restart

@test "ops: restart of a running container: a new init and StartedAt, its files kept" {
	run_d --name rs busybox sleep 1000
	eng exec rs sh -c 'echo kept >/kept' || fail "exec failed"
	local pid started
	pid=$(pid_of "$ID")
	started=$(ins "$ID" 'c["State"]["StartedAt"]')
	erun restart -t 1 rs
	assert_success
	assert_eq "$output" rs "restart output"
	assert_eq "$(ins "$ID" 'c["State"]["Status"]')" running "State.Status"
	local npid nstarted
	npid=$(pid_of "$ID")
	nstarted=$(ins "$ID" 'c["State"]["StartedAt"]')
	[ "$npid" != "$pid" ] || fail "the init is the same process ($pid)"
	pid_alive "$npid" || fail "the new init $npid is not alive"
	! pid_alive "$pid" || fail "the old init $pid still lives"
	assert_le "$(ts_epoch "$started")" "$(ts_epoch "$nstarted")" "StartedAt"
	[ "$started" != "$nstarted" ] || fail "StartedAt did not change: $started"
	assert_eq "$(cat "/proc/$npid/root/kept")" kept "the file written before the restart"
	event_seen "$ID" restart || fail "no restart event"
}

@test "ops: restart of a --rm container restarts it; its later exit removes it" {
	run_d --rm --name rmr busybox sleep 1000
	local pid1
	pid1=$(pid_of "$ID")
	erun restart -t 0 rmr
	assert_success
	wait_state "$ID" running
	[ "$(pid_of "$ID")" != "$pid1" ] || fail "the init was not restarted"
	[ ! -e "$AROOT/containers/$ID/restarting" ] || fail "the restart marker was left"
	eng stop -t 0 rmr >/dev/null
	retry 50 0.1 eval '[ -z "$(eng ps -aq)" ]' || fail "the --rm container was not removed after its exit"
}

@test "ops: restart of an exited container runs it again over the same files" {
	run_d --name again busybox sh -c 'echo run >>/runs; [ $(wc -l </runs) -ge 2 ] && exec sleep 1000; exit 3'
	erun wait "$ID"
	assert_eq "$output" 3 "first run's exit code"
	erun restart again
	assert_success
	wait_state "$ID" running
	local pid
	pid=$(pid_of "$ID")
	retry 100 0.05 eval '[ "$(tr "\0" " " <"/proc/$pid/cmdline" 2>/dev/null)" == "sleep 1000 " ]' ||
		fail "the second run is not sleeping: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
	assert_eq "$(grep -c run "/proc/$pid/root/runs")" 2 "runs recorded in the container's file"

	erun restart nosuch
	assert_status 1
	assert_contains "$stderr" "no such container"
	erun restart -t x again
	assert_status 125
}

# ---------------------------------------------------------------- rename

@test "ops: rename: found by the new name only, still runs; a taken, bad or same name is refused" {
	run_d --name old1 busybox sleep 1000
	local id1=$ID
	create_c --name other busybox true
	local other=$ID
	ID=$id1
	erun rename old1 new1
	assert_success
	assert_eq "$output" "" "rename output"
	assert_eq "$(ins new1 'c["Id"]')" "$ID" "Id of new1"
	assert_eq "$(ins new1 'c["Name"]')" /new1 "Name"
	erun inspect old1
	assert_status 1
	assert_contains "$stderr" "no such container"
	assert_eq "$(ps_col "$(ps_row "${ID:0:12}")" -1)" new1 "ps NAMES"
	assert_eq "$(ins new1 'c["State"]["Status"]')" running "State.Status after rename"
	event_seen "$ID" rename oldName=/old1 || fail "no rename event with oldName=/old1"
	# the old name is free again
	create_c --name old1 busybox true

	erun rename new1 other
	assert_status 1
	assert_contains "$stderr" "already in use"
	assert_contains "$stderr" "$other"
	erun rename new1 'bad name'
	assert_status 1
	assert_contains "$stderr" "invalid container name"
	erun rename new1 new1
	assert_status 1
	erun rename nosuch x2
	assert_status 1
	assert_contains "$stderr" "no such container"
	erun rename new1
	assert_status 125
	assert_eq "$(ins "$id1" 'c["Name"]')" /new1 "Name after refused renames"
	erun stop -t 0 new1
	assert_success
}

# ---------------------------------------------------------------- top

# top_pids: the PID column of `top` output ($output).
top_pids() {
	"$PY" -c '
import sys
lines = sys.argv[1].splitlines()
col = lines[0].split().index("PID")
for l in lines[1:]:
    print(l.split()[col])' "$output" | sort -n
}

@test "ops: top lists the container's processes and no host process" {
	run_d --name tp busybox sh -c 'sleep 1231 & sleep 1232 & wait'
	local pid
	pid=$(pid_of "$ID")
	retry 100 0.05 eval '[ "$(wc -l <"$(cgroup_file "$ID" cgroup.procs)")" -eq 3 ]' ||
		fail "the sleeps did not start: $(cat "$(cgroup_file "$ID" cgroup.procs)")"
	erun top tp
	assert_success
	[[ ${lines[0]} =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]] ||
		fail "top header: ${lines[0]}"
	assert_eq "${#lines[@]}" 4 "top lines (header, sh, 2 sleeps)"
	assert_contains "$output" "sleep 1231"
	assert_contains "$output" "sleep 1232"
	refute_contains "$output" "bats"
	# exactly the pids of the container's cgroup
	local want
	want=$(cat "$(cgroup_file "$ID" cgroup.procs)" | sort -n)
	assert_eq "$(top_pids)" "$want" "top's PIDs"
	grep -qx "$pid" <<<"$want" || fail "State.Pid $pid is not in the cgroup"

	# ps options pass through, the PID column still picks the rows
	erun top tp -o pid,comm
	assert_success
	[[ ${lines[0]} =~ ^PID\ +COMMAND$ ]] || fail "top -o header: ${lines[0]}"
	assert_eq "$(top_pids)" "$want" "top -o's PIDs"
	erun top tp -o comm
	assert_status 1
	assert_contains "$stderr" "PID"

	# paused: still listed (docker: a paused container runs)
	eng pause tp >/dev/null
	erun top tp
	assert_success
	assert_eq "${#lines[@]}" 4 "top lines while paused"
}

@test "ops: top of a container that is not running, or unknown, fails" {
	create_c --name notyet busybox sleep 1000
	erun top notyet
	assert_status 1
	assert_contains "$stderr" "is not running"
	erun top nosuch
	assert_status 1
	assert_contains "$stderr" "no such container"
	erun top
	assert_status 125
}

# ---------------------------------------------------------------- stats

# mib USAGE: "30.5MiB" -> MiB as a float (B, KiB, MiB, GiB).
mib() {
	"$PY" -c '
import re, sys
m = re.fullmatch(r"([0-9.]+)(B|KiB|MiB|GiB|TiB)", sys.argv[1])
if not m:
    sys.exit("not a size: %r" % sys.argv[1])
f = {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 2**20}[m.group(2)]
print(float(m.group(1)) * f)' "$1"
}

# stats_col ROW N: field N of a stats table row (columns 2+ spaces apart).
stats_col() {
	ps_col "$1" "$2"
}

@test "ops: stats --no-stream: memory the container holds, its pids, CPU of a busy one" {
	# 40 MB in a tmpfs (/dev/shm) is charged to the container's memory
	run_d --name mem busybox sh -c 'head -c 40000000 /dev/zero >/dev/shm/fill; echo filled; sleep 1000 & wait'
	local mem=$ID
	wait_logs "$mem" filled
	run_d --name busy busybox sh -c 'while true; do :; done'
	local busy=$ID
	erun stats --no-stream mem busy
	assert_success
	[[ ${lines[0]} =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]] ||
		fail "stats header: ${lines[0]}"
	assert_eq "${#lines[@]}" 3 "stats lines"
	local row=${lines[1]}
	assert_eq "$(stats_col "$row" 0)" "${mem:0:12}" "CONTAINER ID"
	assert_eq "$(stats_col "$row" 1)" mem "NAME"
	local usage limit
	usage=$(stats_col "$row" 3)
	[[ $usage =~ ^([0-9.]+[KMGT]?i?B)\ /\ ([0-9.]+[KMGT]?i?B)$ ]] || fail "MEM USAGE / LIMIT: $usage"
	assert_le 36 "$(mib "${BASH_REMATCH[1]}")" "MiB used by the container holding 40 MB"
	[[ $(stats_col "$row" 4) =~ ^[0-9]+\.[0-9][0-9]%$ ]] || fail "MEM %: $row"
	# sh and its sleep
	local procs
	procs=$(wc -l <"$(cgroup_file "$mem" cgroup.procs)")
	assert_eq "$procs" 2 "processes in the cgroup"
	assert_eq "$(stats_col "$row" 7)" "$procs" "PIDS"
	[[ $(stats_col "$row" 5) =~ ^[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B$ ]] || fail "NET I/O: $row"
	[[ $(stats_col "$row" 6) =~ ^[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B$ ]] || fail "BLOCK I/O: $row"
	# the busy loop: a good part of a CPU (2 shared cores: a low bar)
	row=${lines[2]}
	assert_eq "$(stats_col "$row" 1)" busy "NAME"
	local cpu=$(stats_col "$row" 2)
	[[ $cpu =~ ^([0-9]+\.[0-9][0-9])%$ ]] || fail "CPU %: $cpu"
	assert_le 15 "${BASH_REMATCH[1]}" "CPU % of a busy loop"
	assert_le "${BASH_REMATCH[1]}" 205 "CPU % on 2 cores"
	# the idle one uses next to nothing
	cpu=$(stats_col "${lines[1]}" 2)
	assert_le "${cpu%\%}" 5 "CPU % of a sleeping container"
}

@test "ops: stats --format json: docker's keys, one object per container" {
	run_d --name j1 busybox sleep 1000
	local id1=$ID
	run_d --name j2 busybox sleep 1000
	erun stats --no-stream --format json
	assert_success
	assert_eq "${#lines[@]}" 2 "json lines"
	"$PY" -c '
import json, sys
want = ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]
seen = {}
for line in sys.argv[1].splitlines():
    o = json.loads(line)
    assert sorted(o) == want, sorted(o)
    assert o["PIDs"] == "1", o
    assert o["CPUPerc"].endswith("%") and o["MemPerc"].endswith("%"), o
    assert " / " in o["MemUsage"] and " / " in o["NetIO"] and " / " in o["BlockIO"], o
    seen[o["Name"]] = o
assert sorted(seen) == ["j1", "j2"], seen
assert seen["j1"]["ID"] == sys.argv[2][:12], seen["j1"]
assert seen["j1"]["Container"] == sys.argv[2][:12], seen["j1"]
' "$output" "$id1" || fail "stats json: $output"
	# named: Container is the name given
	erun stats --no-stream --format json j1
	assert_success
	assert_eq "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["Container"])' "$output")" \
		j1 "Container"
}

@test "ops: stats lists running containers, -a stopped ones too (zeros); unknown names fail" {
	run_d --name up busybox sleep 1000
	run_d --name down busybox true
	local down=$ID
	eng wait down >/dev/null
	erun stats --no-stream
	assert_success
	assert_eq "${#lines[@]}" 2 "stats lines (header, the running one)"
	assert_eq "$(stats_col "${lines[1]}" 1)" up "NAME"
	erun stats --no-stream -a
	assert_success
	assert_eq "${#lines[@]}" 3 "stats -a lines"
	local row
	row=$(grep -E "^${down:0:12} " <<<"$output")
	assert_eq "$(stats_col "$row" 2)" 0.00% "CPU % of a stopped container"
	assert_eq "$(stats_col "$row" 3)" "0B / 0B" "MEM of a stopped container"
	assert_eq "$(stats_col "$row" 7)" 0 "PIDS of a stopped container"
	erun stats --no-stream nosuch
	assert_status 1
	assert_contains "$stderr" "no such container"
	erun stats --format yaml
	assert_status 125
}

@test "ops: stats on a terminal refreshes in place every second until interrupted" {
	run_d --name live busybox sleep 1000
	local out
	out=$("$PY" -c '
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, end = b"", time.time() + 3.5
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            out += os.read(fd, 65536)
        except OSError:
            break
os.kill(pid, signal.SIGINT)
_, st = os.waitpid(pid, 0)
sys.stdout.write("signaled=%d\n" % os.WTERMSIG(st) if os.WIFSIGNALED(st) else "exited=%d\n" % os.WEXITSTATUS(st))
sys.stdout.write("refreshes=%d\n" % out.count(b"\x1b[2J\x1b[H"))
sys.stdout.write("rows=%d\n" % out.count(b"live"))' "$ARGON" --root "$AROOT" --state-dir "$ESTATE" stats \
		</dev/null 3>&- 4>&-)
	assert_contains "$out" "signaled=2"
	local n
	n=$(sed -n 's/^refreshes=//p' <<<"$out")
	assert_le 2 "$n" "refreshes in 3.5 s"
	assert_le "$n" 4 "refreshes in 3.5 s"
	# the last frame may be cut by the interrupt
	assert_le $((n - 1)) "$(sed -n 's/^rows=//p' <<<"$out")" "rows of the container"
	assert_le "$(sed -n 's/^rows=//p' <<<"$out")" "$n" "rows of the container, one per refresh"
}

# ---------------------------------------------------------------- port

@test "ops: port: nothing published prints nothing; a private port not published is an error" {
	run_d --name web busybox sleep 1000
	erun port web
	assert_success
	assert_eq "$output" "" "port output"
	assert_eq "$stderr" "" "port stderr"
	erun port web 80
	assert_status 1
	assert_contains "$stderr" "no public port '80/tcp' published for web"
	erun port web 53/udp
	assert_status 1
	assert_contains "$stderr" "no public port '53/udp' published for web"
	erun port web abc
	assert_status 1
	erun port nosuch
	assert_status 1
	assert_contains "$stderr" "no such container"
	erun port
	assert_status 125
}

@test "ops: port prints the mappings recorded in the engine options, docker's format and order" {
	run_d --name pub busybox sleep 1000
	# What the networking code will record ("Ports", docker's shape).
	"$PY" -c '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cfg = json.loads(db.execute("SELECT config FROM containers WHERE id = ?", (sys.argv[2],)).fetchone()[0])
cfg["Ports"] = {"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "9090"}],
                "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}],
                "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}]}
db.execute("UPDATE containers SET config = ? WHERE id = ?", (json.dumps(cfg), sys.argv[2]))
db.commit()' "$AROOT/argon.db" "$ID"
	erun port pub
	assert_success
	assert_eq "$output" $'53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n8080/tcp -> 0.0.0.0:9090' "port output"
	erun port pub 80
	assert_success
	assert_eq "$output" $'0.0.0.0:8080\n[::]:8080' "port pub 80"
	erun port pub 53/udp
	assert_success
	assert_eq "$output" 127.0.0.1:5353 "port pub 53/udp"
	erun port pub 53
	assert_status 1
	# stopped: nothing is published any more
	eng stop -t 0 pub >/dev/null
	erun port pub
	assert_success
	assert_eq "$output" "" "port of a stopped container"
}
