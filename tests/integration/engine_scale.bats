#!/usr/bin/env bats
# argon's engine under load: 100 containers started at once, all listed
# and up, all removed again (in one command and concurrently) without
# leaking mounts, loop devices, cgroups, processes, fds, runtime state or
# container dirs; and names stay unique when ten runs race for one.

load engine_helpers

UP_RE='^Up (Less than a second|[0-9]+ seconds?|About a minute|[0-9]+ minutes?)$'

# fd_count: open fds of the test's shell.
fd_count() {
	ls "/proc/$BASHPID/fd" | wc -l
}

# bg_all N NAME ARGS...: N `eng ARGS...` at once as background jobs of the
# test, stdout/stderr to $TMP/NAME.<k>.out/.err; their pids in BGS.
bg_all() {
	local n=$1 name=$2 k
	shift 2
	BGS=()
	for ((k = 0; k < n; k++)); do
		eng "$@" >"$TMP/$name.$k.out" 2>"$TMP/$name.$k.err" &
		BGS+=($!)
	done
}

# wait_all NAME: waits for every job of BGS; their statuses in STS.
wait_all() {
	local k st
	STS=()
	for k in "${!BGS[@]}"; do
		wait "${BGS[k]}" && st=0 || st=$?
		STS+=("$st")
	done
}

@test "scale: 100 concurrent run -d are all up, rm -f of all leaves nothing" {
	local n=100 k id ids="" fds_before t0
	fds_before=$(fd_count)
	t0=$(now_ms)
	ENG_TIMEOUT=180 bg_all "$n" run run -d busybox sleep 1000
	wait_all run
	for ((k = 0; k < n; k++)); do
		id=$(cat "$TMP/run.$k.out")
		[[ $id =~ ^[0-9a-f]{64}$ ]] && track_id "$id"
		[ "${STS[k]}" -eq 0 ] || fail "run -d $k exited ${STS[k]}: $(cat "$TMP/run.$k.err")"
		[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "run -d $k printed \`$id\`"
		ids+="$id"$'\n'
	done
	echo "# $n run -d: $(($(now_ms) - t0)) ms" >&3
	ids=$(grep . <<<"$ids" | sort)
	assert_eq "$(sort -u <<<"$ids" | grep -c .)" "$n" "distinct IDs"
	assert_eq "$(eng ps -q --no-trunc | sort)" "$ids" "ps -q --no-trunc"
	assert_eq "$(eng ps -q | wc -l)" "$n" "ps -q lines"
	local rows bad
	rows=$(eng ps | tail -n +2)
	assert_eq "$(grep -c . <<<"$rows")" "$n" "ps rows"
	bad=$(while read -r row; do
		[[ $(ps_col "$row" 4) =~ $UP_RE ]] || echo "$row"
	done <<<"$rows")
	[ -z "$bad" ] || fail "rows not Up: $bad"
	assert_eq "$(ls "$AROOT/containers" | wc -l)" "$n" "container dirs"
	# every one really runs, in its own cgroup
	assert_eq "$(ls "$ESTATE/runtime" | wc -l)" "$n" "runtime state dirs"
	# Half in one command, the other half as 10 concurrent commands.
	local first rest
	first=$(head -n $((n / 2)) <<<"$ids")
	rest=$(tail -n +$((n / 2 + 1)) <<<"$ids")
	t0=$(now_ms)
	BGS=()
	for ((k = 0; k < 10; k++)); do
		# shellcheck disable=SC2046
		ENG_TIMEOUT=180 eng rm -f $(sed -n "$((k * 5 + 1)),$((k * 5 + 5))p" <<<"$rest") \
			>"$TMP/rm.$k.out" 2>"$TMP/rm.$k.err" &
		BGS+=($!)
	done
	# shellcheck disable=SC2086
	ENG_TIMEOUT=180 erun rm -f $first
	assert_success
	assert_eq "$(sort <<<"$output")" "$first" "rm -f output"
	wait_all rm
	for ((k = 0; k < 10; k++)); do
		[ "${STS[k]}" -eq 0 ] || fail "rm -f $k exited ${STS[k]}: $(cat "$TMP/rm.$k.err")"
	done
	assert_eq "$(cat "$TMP"/rm.*.out | sort)" "$rest" "concurrent rm -f output"
	echo "# rm -f of $n: $(($(now_ms) - t0)) ms" >&3
	assert_no_containers
	local left
	left=$(loops_left "$AROOT")
	[ -z "$left" ] || fail "loop devices left: $left"
	left=$(ls -A "$ESTATE/runtime" | grep -vx .seccomp || true)	# (the filter cache stays)
	[ -z "$left" ] || fail "runtime state dirs left: $left"
	left=$(engine_cgroups | grep -F -f <(echo "$ids") || true)
	[ -z "$left" ] || fail "engine cgroups left: $left"
	assert_eq "$(fd_count)" "$fds_before" "fds of the test shell"
}

@test "scale: of 10 concurrent run -d --name racer exactly one wins, the losers leave nothing" {
	local n=10 k wins=0 win=-1 fds_before
	fds_before=$(fd_count)
	ENG_TIMEOUT=120 bg_all "$n" race run -d --name racer busybox sleep 1000
	wait_all race
	for ((k = 0; k < n; k++)); do
		if [ "${STS[k]}" -eq 0 ]; then
			wins=$((wins + 1))
			win=$k
			track_id "$(cat "$TMP/race.$k.out")"
		else
			[ "${STS[k]}" -eq 125 ] || fail "run $k exited ${STS[k]}: $(cat "$TMP/race.$k.err")"
			assert_eq "$(cat "$TMP/race.$k.out")" "" "stdout of loser $k"
			assert_contains "$(cat "$TMP/race.$k.err")" "already in use"
		fi
	done
	assert_eq "$wins" 1 "winners"
	local id
	id=$(cat "$TMP/race.$win.out")
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "the winner printed \`$id\`"
	assert_eq "$(eng ps -aq --no-trunc)" "$id" "containers"
	assert_eq "$(ls "$AROOT/containers")" "$id" "container dirs"
	assert_eq "$(ls "$ESTATE/runtime")" "$id" "runtime state dirs"
	assert_no_new_cgroups_but "$id"
	assert_eq "$(state_of racer)" running "the winner"
	erun rm -f racer
	assert_success
	assert_no_containers
	assert_eq "$(fd_count)" "$fds_before" "fds of the test shell"
}

@test "scale: 30 crashed containers are reconciled once by concurrent commands, then start and rm -f" {
	local n=30 k id ids mons="" pids="" cg left
	ENG_TIMEOUT=120 bg_all "$n" run run -d busybox sh -c 'echo ready; exec sleep 1000'
	wait_all run
	for ((k = 0; k < n; k++)); do
		id=$(cat "$TMP/run.$k.out")
		[[ $id =~ ^[0-9a-f]{64}$ ]] && track_id "$id"
		[ "${STS[k]}" -eq 0 ] || fail "run -d $k exited ${STS[k]}: $(cat "$TMP/run.$k.err")"
	done
	ids=$(eng ps -q --no-trunc | sort)
	assert_eq "$(grep -c . <<<"$ids")" "$n" "running"
	# The crash: every monitor, and every process found in the
	# containers' cgroups, SIGKILLed; the runtime's state gone.
	for id in $ids; do
		mons+="$(monitor_pid "$id") " || fail "no monitor for $id"
		for cg in $(cgroups_of "$id"); do
			pids+="$(cat "$cg/cgroup.procs" 2>/dev/null | tr '\n' ' ')"
		done
	done
	[ -n "$pids" ] || fail "no process found in the containers' cgroups"
	# shellcheck disable=SC2086
	kill -9 $mons $pids 2>/dev/null || true
	for k in $mons $pids; do wait_pid_gone "$k"; done
	rm -rf "$ESTATE/runtime"/*
	[ -n "$(engine_cgroups | grep -F -f <(echo "$ids"))" ] || fail "the crash took the cgroups too"
	# Five commands find them dead at once: each shows all exited.
	bg_all 5 ps ps -a --format json
	wait_all ps
	for ((k = 0; k < 5; k++)); do
		[ "${STS[k]}" -eq 0 ] || fail "ps -a $k exited ${STS[k]}: $(cat "$TMP/ps.$k.err")"
		assert_eq "$("$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(len(rows), sorted(set(r["State"] for r in rows)))' "$TMP/ps.$k.out")" "$n ['exited']" "ps -a $k"
	done
	left=$(engine_cgroups | grep -F -f <(echo "$ids") || true)
	[ -z "$left" ] || fail "cgroups left after the reconcile: $left"
	assert_eq "$(grep -c '"Action":"die"' "$ESTATE/events.log")" "$n" "die events"
	# shellcheck disable=SC2086
	ENG_TIMEOUT=180 erun start $ids
	assert_success
	assert_eq "$(eng ps -q --no-trunc | sort)" "$ids" "running again"
	# shellcheck disable=SC2086
	ENG_TIMEOUT=180 erun rm -f $ids
	assert_success
	assert_no_containers
	left=$(loops_left "$AROOT")
	[ -z "$left" ] || fail "loop devices left: $left"
	left=$(ls -A "$ESTATE/runtime" | grep -vx .seccomp || true)	# (the filter cache stays)
	[ -z "$left" ] || fail "runtime state dirs left: $left"
}
