#!/usr/bin/env bats
# argon's engine events and logs over time: `argon events` (docker's
# --since/--until/--filter/--format, history and following, across a
# rotation of events.log) and `argon logs` with --since/--until in docker's
# time forms and over rotated log files (container.log.N ... .1 first).

load engine_helpers

TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

# actions_of ID: the actions of ID's lines in $output (docker's line
# format), space-separated.
actions_of() {
	grep -E "^$TS_RE container [a-z_]+ $1( |$)" <<<"$output" | awk '{print $3}' |
		tr '\n' ' ' | sed 's/ $//'
}

# history_has ID ACTION: the history shows ACTION for ID.
history_has() {
	eng events --since 10m --until 0s | grep -qE "^$TS_RE container $2 $1( |$)"
}

# wait_event ID ACTION: waits (5 s) for it (the monitor's die comes a
# moment after `wait` returns).
wait_event() {
	retry 100 0.05 history_has "$1" "$2" ||
		fail "no $2 event of $1: $(eng events --since 10m --until 0s 2>&1)"
}

# wait_open PID FILE: waits (10 s) until process PID has FILE open (a
# follower has opened events.log, so what comes next is new to it).
wait_open() {
	retry 200 0.05 eval "ls -l /proc/$1/fd 2>/dev/null | grep -q -- '$2\$'" ||
		fail "pid $1 has not opened $2: $(ls -l /proc/$1/fd 2>&1)"
	sleep 0.1
}

# A json-file record at TIME (RFC 3339) of LOG on stdout.
record() {
	printf '{"log":"%s\\n","stream":"stdout","time":"%s"}\n' "$2" "$1"
}

# ---------------------------------------------------------------- events

@test "events: a container's life is create, start, die with its exit code, destroy" {
	local t0 t1
	t0=$(date +%s.%N)
	run_d --name life busybox sh -c 'exit 3'
	erun wait "$ID"
	assert_eq "$output" 3 "wait"
	wait_event "$ID" die
	erun rm "$ID"
	assert_success
	t1=$(date +%s.%N)
	erun events --since 1h --until 0s
	assert_success
	assert_eq "$(actions_of "$ID")" "create start die destroy" "actions"
	local a="image=busybox, name=life" line
	[[ $output =~ (^|$'\n')($TS_RE)\ container\ create\ $ID\ \($a\)($'\n'|$) ]] ||
		fail "no create line of docker's shape: $output"
	assert_le "$t0" "$(ts_epoch "${BASH_REMATCH[2]}")" "create time"
	assert_le "$(ts_epoch "${BASH_REMATCH[2]}")" "$t1" "create time"
	assert_line "$(grep -E " container start $ID " <<<"$output" | cut -d' ' -f1) container start $ID ($a)"
	line=$(grep -E " container die $ID " <<<"$output")
	[[ $line =~ ^$TS_RE\ container\ die\ $ID\ \(exitCode=3,\ $a\)$ ]] || fail "die line: $line"
	line=$(grep -E " container destroy $ID" <<<"$output")
	[[ $line =~ ^$TS_RE\ container\ destroy\ $ID\ \($a\)$ ]] || fail "destroy line: $line"
}

@test "events: kill and stop show the signal; stop comes with its kill" {
	run_d --name sig busybox sleep 1000
	erun kill -s USR1 sig
	assert_success
	erun stop -t 1 sig
	assert_success
	wait_event "$ID" die
	erun events --since 1h --until 0s --filter container=sig
	assert_success
	local kills
	kills=$(grep -E " container kill $ID " <<<"$output" | grep -oE 'signal=[0-9]+' | tr '\n' ' ')
	# USR1 (10), the stop signal (15), then SIGKILL (9) after the timeout:
	# sleep as pid 1 has no handler, so the kernel drops USR1 and TERM
	assert_eq "$kills" "signal=10 signal=15 signal=9 " "kill events"
	[[ $(actions_of "$ID") == *stop* ]] || fail "no stop event: $output"
	[[ $(actions_of "$ID") == *die* ]] || fail "no die event: $output"
}

@test "events --format json: one docker event object per line" {
	create_c --name j1 --label app=web --label tier=front busybox true
	erun events --since 1h --until 0s --format json
	assert_success
	local j
	for j in "${lines[@]}"; do
		"$PY" -c 'import json, sys; json.loads(sys.argv[1])' "$j" ||
			fail "not one JSON object: $j"
	done
	"$PY" -c '
import json, sys
evs = [json.loads(l) for l in sys.argv[1].splitlines()]
ev = [e for e in evs if e["Actor"]["ID"] == sys.argv[2] and e["Action"] == "create"]
assert len(ev) == 1, evs
e = ev[0]
assert list(e) == ["status", "id", "from", "Type", "Action", "Actor", "scope", "time",
                   "timeNano"], list(e)
assert e["status"] == "create" and e["id"] == sys.argv[2] and e["from"] == "busybox", e
assert e["Type"] == "container" and e["scope"] == "local", e
assert e["Actor"]["Attributes"] == {"app": "web", "tier": "front", "image": "busybox",
                                    "name": "j1"}, e
assert isinstance(e["timeNano"], int) and e["time"] == e["timeNano"] // 10**9, e
' "$output" "$ID" || fail "event objects: $output"
	local json=$output
	erun events --since 1h --until 0s --format '{{json .}}'
	assert_success
	assert_eq "$output" "$json" "{{json .}} and json"
	erun events --since 1h --until 0s --format '{{.Action}} {{.Actor.Attributes.name}} {{.ID}}'
	assert_success
	assert_eq "$output" "create j1 $ID" "template"
	erun events --since 1h --until 0s --format '{{range .}}x{{end}}'
	assert_status 125
}

@test "events --filter: container, event, image, type; values of a key OR, keys AND" {
	create_c --name fa busybox sleep 1000
	local a=$ID
	create_c --name fb busybox sleep 1000
	local b=$ID
	erun start fa
	assert_success
	erun events --since 1h --until 0s --filter container=fa
	assert_success
	assert_eq "$(actions_of "$a")" "create start" "fa's"
	assert_eq "$(actions_of "$b")" "" "fb's"
	erun events --since 1h --until 0s -f "container=${b:0:12}"
	assert_eq "$(actions_of "$a") | $(actions_of "$b")" " | create" "by ID prefix"
	erun events --since 1h --until 0s --filter event=start
	assert_eq "${#lines[@]}" 1 "start events"
	assert_eq "$(actions_of "$a")" "start" "event=start"
	erun events --since 1h --until 0s --filter event=create --filter container=fa \
		--filter container=fb
	assert_eq "$(actions_of "$a") | $(actions_of "$b")" "create | create" "OR and AND"
	erun events --since 1h --until 0s --filter event=create --filter event=start \
		--filter container=fa
	assert_eq "$(actions_of "$a")" "create start" "two events"
	erun events --since 1h --until 0s --filter image=busybox --filter type=container
	assert_eq "${#lines[@]}" 3 "image=busybox"
	erun events --since 1h --until 0s --filter image=alpine
	assert_eq "$output" "" "image=alpine"
	erun events --since 1h --until 0s --filter type=network
	assert_eq "$output" "" "type=network"
	erun events --since 1h --until 0s --filter bogus=1
	assert_status 125
	assert_contains "$stderr" "invalid filter \`bogus\`"
	erun events --since 1h --until 0s --filter container
	assert_status 125
}

@test "events --since/--until: durations, RFC 3339, Unix seconds; bad ones are 125" {
	local before after
	before=$(date -u -d '-2 sec' +%Y-%m-%dT%H:%M:%S.%NZ)
	create_c --name tt busybox true
	after=$(date +%s.%N)
	erun events --since 1h --until 0s
	assert_eq "$(actions_of "$ID")" create "since 1h"
	erun events --since "$before" --until "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"	# now: no follow
	assert_eq "$(actions_of "$ID")" create "RFC 3339 times"
	erun events --since "$after" --until 0s
	assert_eq "$output" "" "since after it (Unix seconds)"
	erun events --since 1h --until "$before"
	assert_eq "$output" "" "until before it"
	erun events --until 0s
	assert_eq "$(actions_of "$ID")" create "until alone: the history"
	# an --until to come: follows until then
	local t0 t1
	t0=$(now_ms)
	erun events --since 1h --until -1500ms	# 1h: this test can take a minute under ASan
	t1=$(now_ms)
	assert_success
	assert_eq "$(actions_of "$ID")" create "until ahead"
	((t1 - t0 >= 1300 && t1 - t0 < 8000)) || fail "--until -1500ms took $((t1 - t0)) ms"
	for bad in yesterday 2026-13-01 1h2 12:00; do
		erun events --since "$bad" --until 0s
		assert_status 125
		assert_contains "$stderr" "--since: invalid time \`$bad\`"
	done
	erun events --until nope
	assert_status 125
	erun events extra
	assert_status 125
}

@test "events follows new events until SIGINT or SIGTERM (exit 0), not older ones" {
	create_c --name old busybox true
	local old=$ID
	eng_bg ev events
	local pid=$ENG_PID
	wait_open "$pid" "$ESTATE/events.log"
	create_c --name new1 busybox true
	retry 100 0.05 file_has "$TMP/ev.out" "container create $ID " ||
		fail "no create of new1 from the follower: $(cat "$TMP/ev.out" "$TMP/ev.err")"
	erun start new1
	retry 100 0.05 file_has "$TMP/ev.out" "container start $ID " ||
		fail "no start of new1: $(cat "$TMP/ev.out")"
	kill -INT "$pid"
	wait_bg "$pid"
	assert_eq "$BG_STATUS" 0 "status after SIGINT"
	! grep -q "$old" "$TMP/ev.out" || fail "the follower printed the older container: $(cat "$TMP/ev.out")"
	[ ! -s "$TMP/ev.err" ] || fail "stderr: $(cat "$TMP/ev.err")"
	# SIGTERM, with --since: the history first
	eng_bg ev2 events --since 1h --format json
	pid=$ENG_PID
	retry 100 0.05 file_has "$TMP/ev2.out" "\"id\":\"$old\"" ||
		fail "no history from --since: $(cat "$TMP/ev2.out" "$TMP/ev2.err")"
	kill -TERM "$pid"
	wait_bg "$pid"
	assert_eq "$BG_STATUS" 0 "status after SIGTERM"
}

@test "events: events.log rotates past 1 MiB; history and a follower lose nothing" {
	# an old events.log just under the cap, of events from 1970
	mkdir -p "$ESTATE"
	"$PY" -c '
import json, sys
ev = {"status": "create", "id": "f" * 64, "from": "busybox", "Type": "container",
      "Action": "create", "Actor": {"ID": "f" * 64, "Attributes": {"name": "ancient"}},
      "scope": "local", "time": 1000, "timeNano": 1000 * 10**9}
line = json.dumps(ev, separators=(",", ":")) + "\n"
with open(sys.argv[1], "w") as f:
    f.write(line * ((1 << 20) // len(line)))
' "$ESTATE/events.log"
	eng_bg ev events --filter event=create --filter event=start
	local pid=$ENG_PID
	wait_open "$pid" "$ESTATE/events.log"
	create_c --name rot busybox true	# its event fills the file: rotated
	[ -f "$ESTATE/events.log.1" ] || fail "no events.log.1: $(ls -l "$ESTATE")"
	erun start rot
	assert_success
	retry 100 0.05 file_has "$TMP/ev.out" "container start $ID " ||
		fail "the follower lost the start after the rotation: $(cat "$TMP/ev.out" "$TMP/ev.err")"
	kill -TERM "$pid"
	wait_bg "$pid"
	output=$(cat "$TMP/ev.out")
	assert_eq "$(actions_of "$ID")" "create start" "follower"
	local size
	size=$(stat -c %s "$ESTATE/events.log")
	((size < 4096)) || fail "events.log after the rotation is $size bytes"
	erun events --since 1h --until 0s --filter event=create --filter event=start
	assert_eq "$(actions_of "$ID")" "create start" "history over both files"
	erun events --since 0 --until 0s --filter container=ancient
	assert_success
	((${#lines[@]} > 1000)) || fail "the rotated history: ${#lines[@]} lines"
	[[ ${lines[0]} == "1970-01-01T00:16:40.000000000Z container create ffffffff"* ]] ||
		fail "first line: ${lines[0]}"
}

# ---------------------------------------------------------------- logs

@test "logs --since/--until: durations, record times, Unix seconds" {
	run_d busybox sh -c 'echo early; sleep 6; echo late'
	erun wait "$ID"
	assert_success
	# 3 s either side of the records: room for a slow (ASan) argon
	erun logs --since 3s "$ID"
	assert_eq "$output" late "--since 3s"
	erun logs --until 3s "$ID"
	assert_eq "$output" early "--until 3s"
	erun logs --since 1h "$ID"
	assert_eq "$output" $'early\nlate' "--since 1h"
	erun logs -t "$ID"
	local te tl
	te=$(cut -d' ' -f1 <<<"${lines[0]}")
	tl=$(cut -d' ' -f1 <<<"${lines[1]}")
	erun logs --since "$tl" "$ID"
	assert_eq "$output" late "--since the late record's time (inclusive)"
	erun logs --until "$te" "$ID"
	assert_eq "$output" early "--until the early record's time (inclusive)"
	erun logs --since "$(date -d "$tl" +%s).${tl:20:9}" "$ID"
	assert_eq "$output" late "--since in Unix seconds"
	erun logs --since "$te" --until "$te" "$ID"
	assert_eq "$output" early "both"
	erun logs --since 1h2 "$ID"
	assert_status 125
	assert_contains "$stderr" "--since: invalid time \`1h2\`"
	erun logs --until x "$ID"
	assert_status 125
}

@test "logs reads rotated files oldest first; --tail and --since count across them" {
	run_d --name rot busybox sh -c 'echo current'
	erun wait "$ID"
	local dir="$AROOT/containers/$ID"
	[ -f "$dir/container.log" ] || fail "no container.log in $dir: $(ls "$dir")"
	{ record 2020-01-01T00:00:00.000000001Z one; record 2020-01-01T00:00:01Z two; } \
		>"$dir/container.log.2"
	record 2021-01-01T00:00:00Z three >"$dir/container.log.1"
	erun logs rot
	assert_success
	assert_eq "$output" $'one\ntwo\nthree\ncurrent' "all files"
	erun logs --tail 2 rot
	assert_eq "$output" $'three\ncurrent' "--tail 2"
	erun logs -n 3 rot
	assert_eq "$output" $'two\nthree\ncurrent' "--tail 3"
	erun logs --tail 0 rot
	assert_eq "$output" "" "--tail 0"
	erun logs --since 2020-06-01T00:00:00Z rot
	assert_eq "$output" $'three\ncurrent' "--since across files"
	erun logs --until 2020-12-31 rot
	assert_eq "$output" $'one\ntwo' "--until across files"
	erun logs -t --tail 1 --until 2020-12-31T00:00:00Z rot
	assert_eq "$output" "" "--tail first, then --until (docker's order)"
}

@test "logs -f follows container.log across the monitor's rotation" {
	# 1 MB in 16 KiB records through 256 KiB files: rotated several times
	run_d --name big --log-opt max-size=256k --log-opt max-file=10 busybox sh -c \
		'sleep 1; head -c 1000000 /dev/zero | tr "\0" x; echo; echo end'
	eng_bg follow logs -f big
	local pid=$ENG_PID
	wait_open "$pid" "$ID/container.log"	# before the rotation, most likely
	erun wait "$ID"
	assert_success
	wait_bg "$pid" 30
	assert_eq "$BG_STATUS" 0 "logs -f"
	local dir="$AROOT/containers/$ID"
	[ -f "$dir/container.log.3" ] || fail "the monitor did not rotate thrice: $(ls -l "$dir")"
	[ "$(stat -c %s "$dir/container.log.1")" -le $((256 * 1024)) ] ||
		fail "a rotated file is over its cap: $(ls -l "$dir")"
	assert_eq "$(wc -c <"$TMP/follow.out")" 1000005 "bytes followed"
	assert_eq "$(tr -d x <"$TMP/follow.out")" $'\nend' "what is not x"
	assert_eq "$(eng logs big | wc -c)" 1000005 "bytes of logs over all the files"
	erun logs --tail 1 big
	assert_eq "$output" end "--tail 1"
}
