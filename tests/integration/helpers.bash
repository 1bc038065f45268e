# argon integration tests: shared setup, teardown and assertions.
#
# Every test gets its own temp dir TMP (state root ROOT, bundle BUNDLE with
# ROOTFS) under the suite base ARGON_TEST_BASE, a fresh copy of a pristine
# busybox + argon-testinit rootfs built once per file, and the runtime's
# default config.json with terminal off. Teardown deletes every container,
# then checks that nothing is left: no process rooted in TMP, no mount
# mentioning TMP. The runtime is selectable: RUNTIME=/usr/sbin/runc checks
# the tests themselves against runc; argon-only expectations use is_argon.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HELPERS_DIR="$REPO/tests/integration"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$REPO/$BUILD" ;; esac
RUNTIME=${RUNTIME:-$BUILD/argon-runtime}
TESTINIT=${TESTINIT:-$BUILD/argon-testinit}
BUSYBOX=${BUSYBOX:-/bin/busybox}
PY=/usr/bin/python3

# True when the runtime under test is argon (not runc or another one).
is_argon() {
	[[ $(basename "$RUNTIME") == argon-runtime* ]]
}

skip_unless_argon() {
	is_argon || skip "argon-only: ${1:-behaviour differs in $(basename "$RUNTIME")}"
}

# ---------------------------------------------------------------- assertions

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# Shows the last `run` (status and output) when an assertion fails.
show_run() {
	echo "status: ${status-}" >&2
	echo "output: ${output-}" >&2
	[ -z "${stderr-}" ] || echo "stderr: $stderr" >&2
}

assert_status() {
	[ "$status" -eq "$1" ] || { show_run; fail "expected status $1, got $status"; }
}

assert_success() {
	[ "$status" -eq 0 ] || { show_run; fail "expected success"; }
}

assert_failure() {
	[ "$status" -ne 0 ] || { show_run; fail "expected failure"; }
}

# A runtime error: status 1 for argon (runc style), non-zero for others
# (runc itself gives 255 for some errors).
assert_rt_error() {
	if is_argon; then
		assert_status 1
	else
		assert_failure
	fi
}

assert_eq() {
	[ "$1" == "$2" ] || fail "expected \`$2\`, got \`$1\`${3:+ ($3)}"
}

assert_contains() {
	[[ $1 == *"$2"* ]] || fail "\`$1\` does not contain \`$2\`"
}

refute_contains() {
	[[ $1 != *"$2"* ]] || fail "\`$1\` contains \`$2\`"
}

# assert_line TEXT: some line of $output is exactly TEXT.
assert_line() {
	local l
	while IFS= read -r l; do
		[ "${l%$'\r'}" == "$1" ] && return 0
	done <<<"$output"
	show_run
	fail "no line \`$1\` in output"
}

refute_line() {
	local l
	while IFS= read -r l; do
		[ "${l%$'\r'}" != "$1" ] || { show_run; fail "line \`$1\` in output"; }
	done <<<"$output"
}

# Argon errors: printed once on stderr as "argon-runtime: <verb> <object>: ...".
assert_argon_error() {
	local pattern=$1 text=${2-${stderr-$output}}
	is_argon || return 0
	local n
	n=$(grep -c . <<<"$text")
	[ "$n" -eq 1 ] || fail "expected one error line, got $n: $text"
	[[ $text == "argon-runtime: "* ]] || fail "error does not start with 'argon-runtime: ': $text"
	[[ $text =~ $pattern ]] || fail "error \`$text\` does not match /$pattern/"
}

# ---------------------------------------------------------------- json

# jget EXPR: evaluates a python expression over the JSON on stdin (`d`);
# strings print as is, anything else as JSON.
jget() {
	"$PY" -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {"d": d, "json": json})
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

cfg() {
	"$PY" "$HELPERS_DIR/edit-config" "$BUNDLE/config.json" "$@"
}

set_args() {
	cfg -- "$@"
}

# ---------------------------------------------------------------- runtime

rt() {
	"$RUNTIME" --root "$ROOT" "$@"
}

# ct_create [FLAGS...] ID: create with the bundle; the container's stdio go
# to $TMP/ID.out and $TMP/ID.err (never to bats' pipes, which would hang).
ct_create() {
	local id=${*: -1}
	if ! "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$@" \
		</dev/null >"$TMP/$id.out" 2>"$TMP/$id.err" 3>&- 4>&-; then
		echo "create $id failed: $(cat "$TMP/$id.err")" >&2
		return 1
	fi
	track_container "$id"
}

# try_create [FLAGS...] ID: like `run --separate-stderr rt create ...` (sets
# status, output, stderr) without handing bats' pipes to a container that
# may be created after all (its init would hold them open: bats hangs).
try_create() {
	local f="$TMP/try-create"
	"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$@" \
		</dev/null >"$f.out" 2>"$f.err" 3>&- 4>&- && status=0 || status=$?
	output=$(cat "$f.out")
	stderr=$(cat "$f.err")
	[ "$status" -ne 0 ] || track_container "${*: -1}"
	return 0
}

# ct_run_detached [FLAGS...] ID: run -d, stdio to files as for ct_create.
ct_run_detached() {
	local id=${*: -1}
	if ! "$RUNTIME" --root "$ROOT" run -d --bundle "$BUNDLE" "$@" \
		</dev/null >"$TMP/$id.out" 2>"$TMP/$id.err" 3>&- 4>&-; then
		echo "run -d $id failed: $(cat "$TMP/$id.err")" >&2
		return 1
	fi
	track_container "$id"
}

# ct_run_bg [FLAGS...] ID: foreground `run` as a background job of the
# test; its pid is RUN_PID, its stdio $TMP/ID.out/.err.
ct_run_bg() {
	local id=${*: -1}
	"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$@" \
		</dev/null >"$TMP/$id.out" 2>"$TMP/$id.err" 3>&- 4>&- &
	RUN_PID=$!
	BG_PIDS+=("$RUN_PID")
	track_pid "$RUN_PID"
}

# rt_run [FLAGS...]: foreground run of $CID, stdin from /dev/null, killed
# after 60 s so that a hung container cannot hang the suite.
rt_run() {
	timeout -k 5 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$@" "$CID" \
		</dev/null 3>&- 4>&-
}

rt_exec() {
	timeout -k 5 60 "$RUNTIME" --root "$ROOT" exec "$@" </dev/null 3>&- 4>&-
}

ct_start() {
	rt start "$1" </dev/null 3>&- 4>&- || { echo "start $1 failed" >&2; return 1; }
}

ct_state() {
	rt state "$1"
}

ct_status() {
	rt state "$1" | jget 'd["status"]'
}

ct_pid() {
	local pid
	pid=$(rt state "$1" | jget 'd["pid"]') || return 1
	track_pid "$pid"
	echo "$pid"
}

ct_out() {
	cat "$TMP/$1.out"
}

# Records the container's init pid for the suite-wide leak check.
track_container() {
	local pid
	pid=$(rt state "$1" 2>/dev/null | jget 'd["pid"]' 2>/dev/null) || return 0
	track_pid "$pid"
}

track_pid() {
	[ -n "${1-}" ] && [ "$1" != 0 ] || return 0
	echo "$1" >>"$ARGON_TEST_BASE/pids"
}

# retry TRIES DELAY CMD...: runs CMD until it succeeds.
retry() {
	local tries=$1 delay=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep "$delay"
	done
	return 1
}

file_has() {
	grep -q -- "$2" "$1" 2>/dev/null
}

# wait_out ID PATTERN: waits (5 s) for the container's stdout to match.
wait_out() {
	retry 100 0.05 file_has "$TMP/$1.out" "$2" ||
		fail "no \`$2\` in output of $1: $(cat "$TMP/$1.out" "$TMP/$1.err" 2>&1)"
}

status_is() {
	[ "$(ct_status "$1" 2>/dev/null)" == "$2" ]
}

wait_status() {
	retry 100 0.05 status_is "$1" "$2" ||
		fail "container $1 is $(ct_status "$1" 2>&1), not $2"
}

pid_alive() {
	[ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

wait_pid_gone() {
	retry 100 0.05 eval "! pid_alive $1" || fail "process $1 still alive"
}

# The pids of processes tied to DIR: containers with their rootfs under it,
# runtime and hook processes naming it (see find-procs).
pids_of() {
	"$PY" "$HELPERS_DIR/find-procs" "$1" | cut -d' ' -f1
}

procs_of() {
	"$PY" "$HELPERS_DIR/find-procs" "$1"
}

mounts_mentioning() {
	grep -F -- "$1" /proc/self/mountinfo || true
}

# ---------------------------------------------------------------- machine

# The machine's own network configuration, which no test may change: every
# engine test file (and podman.bats, containerd.bats) compares it at its end;
# network.bats after each test.
machine_net_state() {
	echo "== links"
	ip -o link | sed -E 's/ link-netnsid [0-9]+//'
	echo "== addrs"
	ip -o addr | sed -E 's/\\? *valid_lft.*//'
	echo "== ruleset"
	nft list ruleset 2>&1 | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	echo "== ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"
}

# ---------------------------------------------------------------- rootfs

# Builds the pristine rootfs and default config once per test file.
make_pristine() {
	local dir=$1 a
	mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,root,mnt,home/user,var,run}
	cp "$BUSYBOX" "$dir/bin/busybox"
	cp "$TESTINIT" "$dir/bin/argon-testinit"
	# `busybox --install -s`, but with relative links valid inside the rootfs.
	"$dir/bin/busybox" --list | "$PY" -c '
import os, sys
d = sys.argv[1]
for a in sys.stdin.read().split():
    if not os.path.lexists(os.path.join(d, a)):
        os.symlink("busybox", os.path.join(d, a))' "$dir/bin"
	chmod 1777 "$dir/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' \
		>"$dir/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\n' >"$dir/etc/group"
	chown 1000:1000 "$dir/home/user"
}

# Where test dirs go: a tmpfs when one allows exec and devices (copying a
# rootfs there is ~30 times faster than on ext4), else /tmp.
test_tmpdir() {
	local opts
	if [ -n "${ARGON_TEST_TMPDIR-}" ]; then
		echo "$ARGON_TEST_TMPDIR"
		return
	fi
	opts=$(awk '$5 == "/dev/shm" {print $6}' /proc/self/mountinfo | tail -1)
	if [ -n "$opts" ] && [ -w /dev/shm ] && [[ ,$opts, != *,noexec,* && ,$opts, != *,nodev,* ]]; then
		echo /dev/shm
	else
		echo /tmp
	fi
}

suite_setup_file() {
	[ -x "$TESTINIT" ] || { echo "no $TESTINIT: run make first" >&2; return 1; }
	[ -x "$BUSYBOX" ] || { echo "no $BUSYBOX: install busybox-static" >&2; return 1; }
	if [ -z "${ARGON_TEST_BASE-}" ]; then
		ARGON_TEST_BASE=$(mktemp -d "$(test_tmpdir)/argon-it.XXXXXX")
		ARGON_OWN_BASE=1
		export ARGON_OWN_BASE
	fi
	export ARGON_TEST_BASE
	chmod 755 "$ARGON_TEST_BASE"
	ARGON_PRISTINE=$(mktemp -d "$ARGON_TEST_BASE/pristine.XXXXXX")
	export ARGON_PRISTINE
	chmod 755 "$ARGON_PRISTINE"
	make_pristine "$ARGON_PRISTINE/rootfs"
	"$RUNTIME" spec --bundle "$ARGON_PRISTINE" </dev/null 3>&- ||
		{ echo "$RUNTIME spec failed" >&2; return 1; }
}

suite_teardown_file() {
	[ -n "${ARGON_PRISTINE-}" ] && rm -rf "$ARGON_PRISTINE"
	if [ -n "${ARGON_OWN_BASE-}" ]; then
		rm -rf "$ARGON_TEST_BASE"
	fi
	return 0
}

setup_test() {
	BG_PIDS=()
	TMP=$(mktemp -d "$ARGON_TEST_BASE/t.XXXXXX")
	chmod 755 "$TMP"
	ROOT="$TMP/root"
	BUNDLE="$TMP/bundle"
	ROOTFS="$BUNDLE/rootfs"
	mkdir -p "$BUNDLE"
	cp -a "$ARGON_PRISTINE/rootfs" "$ROOTFS"
	cp "$ARGON_PRISTINE/config.json" "$BUNDLE/config.json"
	cfg process.terminal=false -process.consoleSize
	CID="t${BATS_TEST_NUMBER}-${BASHPID}"
	# A host fd that must never reach a container.
	exec 7<"$ARGON_PRISTINE"
	export ARGON_HOST_SECRET=leaked
}

# Deletes every container, stops our background jobs, then fails the test
# when processes or mounts are left behind (and cleans them up anyway).
teardown_test() {
	local id pid problems=""
	exec 7<&-
	if [ -d "${ROOT-}" ]; then
		for id in $(rt list -q 2>/dev/null); do
			rt delete --force "$id" >"$TMP/delete.out" 2>&1 </dev/null 3>&- 4>&- ||
				problems+="delete --force $id: $(cat "$TMP/delete.out")"$'\n'
		done
	fi
	for pid in "${BG_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Processes being killed by delete --force may take a moment to go.
	retry 20 0.1 eval '[ -z "$(pids_of "$TMP")" ]' || true
	local left
	left=$(procs_of "$TMP")
	if [ -n "$left" ]; then
		problems+="processes left: $left"$'\n'
		for pid in $(cut -d' ' -f1 <<<"$left"); do kill -9 "$pid" 2>/dev/null; done
	fi
	if [ -n "$problems" ]; then
		# cgroups a runtime may have made for the containers killed above
		sleep 0.2
		find /sys/fs/cgroup -maxdepth 4 -type d -name "$CID*" -print0 2>/dev/null |
			xargs -0 -r rmdir 2>/dev/null
	fi
	if [ -n "$(mounts_mentioning "$TMP")" ]; then
		problems+="mounts left: $(mounts_mentioning "$TMP")"$'\n'
		mounts_mentioning "$TMP" | awk '{print $5}' | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	# .seccomp is the runtime's cache of compiled filters, not a container's state
	if [ -d "${ROOT-}" ] && [ -n "$(ls -A "$ROOT" | grep -vx .seccomp)" ] &&
		[ "${BATS_TEST_COMPLETED-}" == 1 ]; then
		problems+="state left in $ROOT: $(ls -A "$ROOT")"$'\n'
	fi
	rm -rf "$TMP" 2>/dev/null || { sleep 0.2; rm -rf "$TMP"; }
	[ -z "$problems" ] || fail "teardown: $problems"
}

setup_file() { suite_setup_file; }
teardown_file() { suite_teardown_file; }
setup() { setup_test; }
teardown() { teardown_test; }
