# argon's engine tests (engine.bats): the container commands of the `argon`
# CLI (create, start, run, stop, kill, rm, ps, inspect, logs, wait) on the
# test's store AROOT ($TMP/argon) and runtime state dir ESTATE ($TMP/run).
# An engine test file only does `load engine_helpers`: this loads
# helpers.bash and storage_helpers.bash, and defines the file's hooks
# (setup_file, teardown_file, setup, teardown; a file may redefine one after
# the load).
#
# Per test: setup imports the file's busybox image (busybox:latest) and
# notes the engine cgroups (argon/<64-hex ID>) that exist. Teardown removes
# every container with `rm -f`, then fails the test when a container, a
# container dir, a process, a mount, a new engine cgroup or runtime state
# of the test is left (cleaning them up anyway), before the storage
# teardown's own checks (sandboxes, loop devices).

load helpers
load storage_helpers

# ---------------------------------------------------------------- commands

# Engine tests never touch this machine's network: containers get --network
# none unless a test (network.bats) asks for a network.
export ARGON_DEFAULT_NETWORK=none

# ENG_WRAP: a command prefix for every argon the helpers run (eng, eng_bg,
# so also erun, ins, the teardown's rm -f); empty unless a test sets it,
# e.g. network.bats: (nsenter --net=/run/netns/NAME).
ENG_WRAP=()

# eng ARGS...: the CLI on the test's store and state dir; no stdin, no bats
# fds; killed after ENG_TIMEOUT (60) seconds so that a hang fails the test.
eng() {
	timeout -k 5 "${ENG_TIMEOUT:-60}" "${ENG_WRAP[@]}" "$ARGON" --root "$AROOT" --state-dir "$ESTATE" "$@" \
		</dev/null 3>&- 4>&-
}

# erun ARGS...: like `run --separate-stderr eng ARGS...` (sets status,
# output, stderr, lines), but through files: a container process that kept
# a pipe of bats open would hang the test instead of failing it.
ERUN_N=0
erun() {
	ERUN_N=$((ERUN_N + 1))
	local f="$TMP/erun.$ERUN_N"
	eng "$@" >"$f.out" 2>"$f.err" && status=0 || status=$?
	output=$(cat "$f.out")
	stderr=$(cat "$f.err")
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
	return 0
}

# eng_bg NAME ARGS...: the CLI as a background job of the test (no
# timeout, so that signals reach argon itself), with the default action for
# SIGINT, SIGQUIT and SIGTERM (a non-interactive shell's background jobs
# ignore SIGINT); stdout to $TMP/NAME.out, stderr to $TMP/NAME.err; its pid
# is ENG_PID.
eng_bg() {
	local name=$1
	shift
	"$PY" -c '
import os, signal, sys
for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "${ENG_WRAP[@]}" "$ARGON" --root "$AROOT" --state-dir "$ESTATE" "$@" \
		</dev/null >"$TMP/$name.out" 2>"$TMP/$name.err" 3>&- 4>&- &
	ENG_PID=$!
	BG_PIDS+=("$ENG_PID")
}

# wait_bg PID [SECONDS]: waits (10 s) for a background job; sets BG_STATUS.
wait_bg() {
	local tries=$((${2:-10} * 20))
	retry "$tries" 0.05 eval "! pid_alive $1" ||
		{ fail "argon (pid $1) still runs after ${2:-10} s"; return 1; }
	wait "$1" && BG_STATUS=0 || BG_STATUS=$?
}

# run_d [RUN-FLAGS...] IMAGE [CMD...]: `run -d`; sets ID to the new
# container's ID (no subshell, so that ID survives).
run_d() {
	erun run -d "$@"
	[ "$status" -eq 0 ] || { show_run; fail "run -d $* failed"; return 1; }
	[[ $output =~ ^[0-9a-f]{64}$ ]] ||
		{ show_run; fail "run -d printed \`$output\`, not a 64-hex ID"; return 1; }
	[ -z "$stderr" ] || { show_run; fail "run -d wrote to stderr"; return 1; }
	ID=$output
	track_id "$ID"
}

# create_c [CREATE-FLAGS...] IMAGE [CMD...]: `create`; sets ID.
create_c() {
	erun create "$@"
	[ "$status" -eq 0 ] || { show_run; fail "create $* failed"; return 1; }
	[[ $output =~ ^[0-9a-f]{64}$ ]] ||
		{ show_run; fail "create printed \`$output\`, not a 64-hex ID"; return 1; }
	ID=$output
	track_id "$ID"
}

track_id() {
	echo "$1" >>"$TMP/eng-ids"
}

# ins ID EXPR: a python expression over `inspect ID`: `c` is its (first)
# object, `d` the array; strings print as is, anything else as JSON.
ins() {
	local j
	j=$(eng inspect "$1") || { echo "inspect $1 failed" >&2; return 1; }
	"$PY" -c '
import json, sys
d = json.loads(sys.argv[2])
c = d[0]
v = eval(sys.argv[1], {"c": c, "d": d, "json": json})
print(v if isinstance(v, str) else json.dumps(v))' "$2" "$j"
}

state_of() {
	ins "$1" 'c["State"]["Status"]'
}

state_is() {
	[ "$(state_of "$1" 2>/dev/null)" == "$2" ]
}

wait_state() { # wait_state ID STATUS: waits (5 s) for inspect's State.Status
	retry 100 0.05 state_is "$1" "$2" ||
		fail "container $1 is \`$(state_of "$1" 2>&1)\`, not $2"
}

pid_of() {
	ins "$1" 'c["State"]["Pid"]'
}

logs_have() {
	eng logs "$1" 2>&1 | grep -q -- "$2"
}

wait_logs() { # wait_logs ID PATTERN: waits (5 s) for the container's logs to match
	retry 100 0.05 logs_have "$1" "$2" ||
		fail "no \`$2\` in the logs of $1: $(eng logs "$1" 2>&1)"
}

# ps_col ROW N: field N (0-based) of a `ps` table row, columns being
# separated by 2+ spaces (PORTS, empty, then disappears: NAMES is field -1).
ps_col() {
	"$PY" -c '
import re, sys
print(re.split(r" {2,}", sys.argv[1].strip())[int(sys.argv[2])])' "$1" "$2"
}

# ps_row SHORT-ID: the row of `ps -a` for that container.
ps_row() {
	eng ps -a | grep -E "^$1 "
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ts_epoch TIMESTAMP: seconds since the epoch (float) of an RFC3339(Nano)
# time; fails on anything else.
ts_epoch() {
	"$PY" -c '
import datetime, re, sys
m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)", sys.argv[1])
if not m:
    sys.exit("not an RFC3339Nano time: %r" % sys.argv[1])
tz = "+00:00" if m.group(3) == "Z" else m.group(3)
t = datetime.datetime.fromisoformat(m.group(1) + tz).timestamp()
print("%.9f" % (t + (float("0" + m.group(2)) if m.group(2) else 0.0)))' "$1"
}

# assert_le A B [WHAT]: numbers (floats) A <= B.
assert_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' ||
		fail "expected $1 <= $2${3:+ ($3)}"
}

# ---------------------------------------------------------------- cgroups

# The engine's cgroup dirs (argon/<64-hex ID>) in every hierarchy.
engine_cgroups() {
	find /sys/fs/cgroup -maxdepth 6 -type d -regextype posix-extended \
		-regex '.*/argon/[0-9a-f]{64}' 2>/dev/null | LC_ALL=C sort
}

# The engine cgroups made since the test's setup that are this test's: a
# tracked container's, one holding a process of the test, or an empty one.
# Others' running containers (another suite or user of the engine on this
# host) hold processes and are left out; their removals leave empty
# cgroups for a moment only, hence the callers' retries.
new_cgroups() {
	local mine cg procs
	mine=$(pids_of "$TMP" | sort)
	comm -13 <(echo "$CG_BEFORE") <(engine_cgroups) | while read -r cg; do
		[ -n "$cg" ] || continue
		if grep -qx "${cg##*/}" "$TMP/eng-ids" 2>/dev/null; then
			echo "$cg"
			continue
		fi
		procs=$(sort "$cg/cgroup.procs" 2>/dev/null)
		if [ -z "$procs" ] || [ -n "$(comm -12 <(echo "$procs") <(echo "$mine"))" ]; then
			[ -d "$cg" ] && echo "$cg"
		fi
	done
}

# assert_no_new_cgroups_but ID: no engine cgroup of the test but ID's.
assert_no_new_cgroups_but() {
	local id=$1
	retry 20 0.1 eval '[ -z "$(new_cgroups | grep -v "/argon/$id\$")" ]' ||
		fail "cgroups of others than $id: $(new_cgroups | grep -v "/argon/$id\$")"
}

# cgroups_of ID: a container's cgroup dirs (ID may be a prefix).
cgroups_of() {
	find /sys/fs/cgroup -maxdepth 6 -type d -path "*/argon/$1*" 2>/dev/null
}

# cgroup_file ID FILE...: the first of FILEs in the container's cgroups.
cgroup_file() {
	local id=$1 f
	shift
	for f in "$@"; do
		find /sys/fs/cgroup -maxdepth 7 -type f -path "*/argon/$id/$f" 2>/dev/null | head -1 |
			grep . && return 0
	done
	return 1
}

# ---------------------------------------------------------------- monitor

# monitor_pid ID: the pid of the container's monitor: inspect's
# State.MonitorPid when there is one, else the parent of State.Pid when it
# is an argon process (its command line names the container or its binary
# is argon's).
monitor_pid() {
	local id=$1 mp pid pp
	mp=$(ins "$id" 'c["State"].get("MonitorPid", 0)') || return 1
	if [ -n "$mp" ] && [ "$mp" != 0 ] && [ "$mp" != null ]; then
		echo "$mp"
		return 0
	fi
	pid=$(pid_of "$id") || return 1
	pp=$(ps -o ppid= -p "$pid" | tr -d ' ')
	[ -n "$pp" ] && [ "$pp" != 1 ] || { echo "container $id (pid $pid) has no parent" >&2; return 1; }
	if tr '\0' ' ' <"/proc/$pp/cmdline" | grep -q -e "$id" -e "${id:0:12}" ||
		[ "$(readlink -f "/proc/$pp/exe")" == "$(readlink -f "$ARGON")" ]; then
		echo "$pp"
		return 0
	fi
	echo "the parent $pp of container $id (pid $pid) is not argon: $(tr '\0' ' ' <"/proc/$pp/cmdline")" >&2
	return 1
}

# ---------------------------------------------------------------- state

# Fails unless no container of the test exists any more: none listed by
# `ps -a`, no container dir, no mount of the store, no process of the test,
# no new engine cgroup. Processes and cgroups may take a moment to go
# after the container's removal (up to 2 s).
assert_no_containers() {
	local left
	left=$(eng ps -aq) || fail "ps -aq failed"
	[ -z "$left" ] || fail "containers listed by ps -a: $left"
	left=$(ls -A "$AROOT/containers" 2>/dev/null)
	[ -z "$left" ] || fail "container dirs left: $left"
	left=$(mounts_mentioning "$AROOT")
	[ -z "$left" ] || fail "mounts left: $left"
	retry 20 0.1 eval '[ -z "$(pids_of "$TMP")" ]' || fail "processes left: $(procs_of "$TMP")"
	retry 20 0.1 eval '[ -z "$(new_cgroups)" ]' || fail "cgroups left: $(new_cgroups)"
}

# Runtime state the engine keeps for a container (ID) in ESTATE.
state_entries_of() {
	[ -d "$ESTATE" ] || return 0
	find "$ESTATE" -mindepth 1 -name "*${1:0:12}*" 2>/dev/null
}

# ---------------------------------------------------------------- setup

engine_setup() {
	storage_setup
	ENG_WRAP=()
	ESTATE="$TMP/run"
	ID=""
	: >"$TMP/eng-ids"
	CG_BEFORE=$(engine_cgroups)
	eng import -q "$SFILE/busybox" >/dev/null ||
		fail "import of the busybox image failed: $(eng import "$SFILE/busybox" 2>&1)"
}

# Removes every container (rm -f), then checks and cleans what is left.
engine_teardown() {
	local problems="" ids id left cg
	if [ -d "$AROOT" ]; then
		ids=$(eng ps -aq --no-trunc 2>/dev/null) || ids=$(eng ps -aq 2>/dev/null)
		if [ -n "$ids" ]; then
			echo "$ids" >>"$TMP/eng-ids"
			# shellcheck disable=SC2086
			eng rm -f $ids >"$TMP/rm-all.out" 2>&1 ||
				problems+="rm -f of the test's containers failed: $(cat "$TMP/rm-all.out")"$'\n'
		fi
		left=$(eng ps -aq 2>&1)
		[ -z "$left" ] || problems+="ps -a lists containers after rm -f: $left"$'\n'
		left=$(ls -A "$AROOT/containers" 2>/dev/null)
		[ -z "$left" ] || problems+="container dirs left after rm -f: $left"$'\n'
	fi
	if ! retry 50 0.1 eval '[ -z "$(pids_of "$TMP")" ]'; then
		problems+="processes left: $(procs_of "$TMP")"$'\n'
		for id in $(pids_of "$TMP"); do kill -9 "$id" 2>/dev/null; done
		sleep 0.2
	fi
	if ! retry 20 0.1 eval '[ -z "$(new_cgroups)" ]'; then
		problems+="cgroups left: $(new_cgroups)"$'\n'
		# deepest first; only cgroups of this test's containers
		for id in $(sort -u "$TMP/eng-ids"); do
			cgroups_of "$id" | sort -r | while read -r cg; do rmdir "$cg" 2>/dev/null; done
		done
	fi
	for id in $(sort -u "$TMP/eng-ids"); do
		left=$(state_entries_of "$id")
		[ -z "$left" ] || problems+="runtime state left for $id: $left"$'\n'
	done
	local rc=0
	storage_teardown || rc=1
	[ -z "$problems" ] || { fail "engine teardown: $problems"; return 1; }
	return $rc
}

# ---------------------------------------------------------------- hooks

# prep_store_dir TAG: a new store for `argon prep host` on the file system
# of /usr (prep hard-links the host's files) in PREP_STORE, removed by the
# teardown; skips the test when no writable dir is there.
prep_store_dir() {
	local base
	base=$(prep_mktemp "$1") || skip "no writable dir on the file system of /usr for prep's hard links"
	CLEAN_DIRS+=("$base")
	PREP_STORE="$base/store"
	EXTRA_STORES+=("$PREP_STORE")
}

setup_file() {
	storage_setup_file || return 1
	ENG_MACHINE_NET=$(machine_net_state)
	export ENG_MACHINE_NET
}
teardown_file() {
	local now
	now=$(machine_net_state)
	storage_teardown_file
	[ "$now" == "$ENG_MACHINE_NET" ] || {
		echo "this machine's network configuration changed (< before, > now):" >&2
		diff <(echo "$ENG_MACHINE_NET") <(echo "$now") >&2
		return 1
	}
}
setup() { engine_setup; }
teardown() { engine_teardown; }
