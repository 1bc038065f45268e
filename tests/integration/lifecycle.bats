#!/usr/bin/env bats
# create / start / state / kill / delete: the OCI lifecycle.

load helpers

@test "lifecycle: create, start, kill, delete" {
	set_args argon-testinit trap TERM
	ct_create "$CID"
	[ -d "$ROOT/$CID" ] || fail "no state dir $ROOT/$CID after create"

	run ct_state "$CID"
	assert_success
	assert_eq "$(jget 'd["status"]' <<<"$output")" created
	local pid
	pid=$(jget 'd["pid"]' <<<"$output")
	[ "$pid" -gt 1 ] || fail "pid $pid"
	pid_alive "$pid" || fail "init $pid not alive while created"
	# The process must not run before start.
	[ ! -s "$TMP/$CID.out" ] || fail "process ran before start: $(ct_out "$CID")"

	ct_start "$CID"
	wait_out "$CID" '^ready$'
	assert_eq "$(ct_status "$CID")" running
	assert_eq "$(ct_pid "$CID")" "$pid" "init pid after start"

	rt kill "$CID" TERM
	wait_status "$CID" stopped
	wait_out "$CID" '^got SIGTERM$'
	wait_pid_gone "$pid"

	rt delete "$CID"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left after delete: $(ls -la "$ROOT/$CID")"
	run rt state "$CID"
	assert_status 1
}

@test "state: the OCI fields of a created container" {
	set_args argon-testinit sleep inf
	cfg 'annotations={"org.argon.test":"yes"}'
	ct_create "$CID"
	run ct_state "$CID"
	assert_success
	local st=$output
	assert_eq "$(jget 'd["id"]' <<<"$st")" "$CID"
	assert_eq "$(jget 'd["bundle"]' <<<"$st")" "$BUNDLE"
	assert_eq "$(jget 'd["status"]' <<<"$st")" created
	[ -n "$(jget 'd["ociVersion"]' <<<"$st")" ] || fail "no ociVersion: $st"
	assert_eq "$(jget 'd["annotations"]["org.argon.test"]' <<<"$st")" yes
	assert_eq "$(jget 'd["pid"] > 0' <<<"$st")" true
	# runc's extra fields, which tools read.
	assert_eq "$(jget 'd["rootfs"]' <<<"$st")" "$ROOTFS"
	assert_eq "$(jget '"owner" in d' <<<"$st")" true
	[[ $(jget 'd["created"]' <<<"$st") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || fail "created: $st"
}

@test "state: a stopped container keeps its state until delete" {
	set_args argon-testinit exit 3
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	ct_start "$CID"
	wait_status "$CID" stopped
	wait_pid_gone "$pid"
	[ -d "$ROOT/$CID" ] || fail "state dir gone before delete"
	run rt list -q
	assert_line "$CID"
	rt delete "$CID"
	run rt list -q
	refute_line "$CID"
}

@test "state: a missing container fails with status 1" {
	run --separate-stderr rt state nosuchcontainer
	assert_status 1
	assert_argon_error 'nosuchcontainer.*does not exist'
}

@test "start: twice fails, the container keeps running" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	run --separate-stderr rt start "$CID"
	assert_status 1
	assert_argon_error "$CID"
	assert_eq "$(ct_status "$CID")" running
}

@test "start/kill/delete: a missing container fails with status 1" {
	local verb
	for verb in start kill delete; do
		run --separate-stderr rt $verb nosuchcontainer
		assert_status 1
		assert_argon_error 'nosuchcontainer'
	done
}

@test "delete: a running container is refused without --force" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	run --separate-stderr rt delete "$CID"
	assert_status 1
	assert_argon_error "$CID"
	assert_eq "$(ct_status "$CID")" running
	[ -d "$ROOT/$CID" ] || fail "state dir removed"
}

@test "delete --force: kills a running container and removes its state" {
	set_args argon-testinit fork 2
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	ct_start "$CID"
	wait_out "$CID" '^forked$'
	local children
	children=$(rt ps --format json "$CID" | jget '" ".join(str(p) for p in d)')
	run rt delete --force "$CID"
	assert_success
	wait_pid_gone "$pid"
	local p
	for p in $children; do wait_pid_gone "$p"; done
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "delete --force: a created (never started) container" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	rt delete -f "$CID"
	wait_pid_gone "$pid"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "create --pid-file: holds the init pid of state" {
	set_args argon-testinit sleep inf
	ct_create --pid-file "$TMP/pid" "$CID"
	[ -f "$TMP/pid" ] || fail "no pid file"
	local filepid
	filepid=$(cat "$TMP/pid")
	assert_eq "$filepid" "$(ct_pid "$CID")"
	[[ $filepid =~ ^[0-9]+$ ]] || fail "pid file content \`$filepid\`"
}

@test "create: a duplicate ID is refused and the first is untouched" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	try_create "$CID"
	assert_status 1
	assert_argon_error "$CID.*already exists"
	assert_eq "$(ct_status "$CID")" created
	assert_eq "$(ct_pid "$CID")" "$pid"
}

@test "create: bad IDs are refused and leave nothing" {
	set_args argon-testinit true
	local long id
	long=$(printf 'a%.0s' {1..1025})
	for id in . .. a/b "" ../x "$long" 'a b' $'a\nb'; do
		try_create "$id"
		[ "$status" -ne 0 ] || fail "ID \`$id\` accepted"
		if [ -d "$ROOT" ]; then
			[ -z "$(ls -A "$ROOT")" ] || fail "ID \`$id\` left $(ls -A "$ROOT")"
		fi
		[ -z "$(pids_of "$TMP")" ] || fail "ID \`$id\` left processes"
	done
	[ ! -e "$TMP/x" ] || fail "../x created a directory outside the root"
}

@test "create: 255-byte and 1024-byte IDs work through the whole lifecycle" {
	skip_unless_argon "runc names the state dir after the ID: over 255 bytes fails"
	set_args argon-testinit sleep inf
	local id n
	for n in 255 1024; do
		id=$(printf 'b%.0s' $(seq "$n"))
		try_create "$id"
		assert_success
		run rt list -q
		assert_line "$id"
		rt start "$id"
		assert_eq "$(ct_status "$id")" running
		rt delete --force "$id"
		run rt list -q
		refute_contains "$output" "$id"
	done
	[ -z "$(ls -A "$ROOT")" ] || fail "left in the root: $(ls -A "$ROOT")"
}

@test "create: a missing executable fails and leaves nothing" {
	set_args /bin/no-such-program
	try_create "$CID"
	assert_status 1
	assert_contains "$stderr$output" "no-such-program"
	assert_argon_error 'no-such-program'
	run rt list -q
	refute_line "$CID"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left: $(ls -la "$ROOT/$CID")"
	[ -z "$(pids_of "$TMP")" ] || fail "processes left: $(pids_of "$TMP")"
	[ -z "$(mounts_mentioning "$TMP")" ] || fail "mounts left: $(mounts_mentioning "$TMP")"
}

@test "create: an executable not found in PATH fails" {
	set_args no-such-program
	try_create "$CID"
	assert_status 1
	assert_contains "$stderr$output" "executable file not found"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "list: -q and --format json" {
	set_args argon-testinit sleep inf
	ct_create "$CID-a"
	ct_create "$CID-b"
	ct_start "$CID-b"
	run rt list -q
	assert_success
	assert_eq "$(sort <<<"$output")" "$(printf '%s\n' "$CID-a" "$CID-b")"
	run rt list --format json
	assert_success
	assert_eq "$(jget '" ".join(sorted(c["id"] + ":" + c["status"] for c in d))' <<<"$output")" \
		"$CID-a:created $CID-b:running"
	assert_eq "$(jget '[c["pid"] for c in d if c["id"].endswith("-a")][0]' <<<"$output")" \
		"$(ct_pid "$CID-a")"
	run rt list
	assert_success
	assert_contains "${lines[0]}" "ID"
	assert_contains "$output" "$CID-a"
}

@test "list: an empty root" {
	mkdir -p "$ROOT"
	run rt list -q
	assert_success
	assert_eq "$output" ""
	run rt list --format json
	assert_success
	assert_eq "$(jget 'len(d or [])' <<<"$output")" 0
}

@test "ps --format json: lists the container's pids" {
	set_args argon-testinit fork 2
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	ct_start "$CID"
	wait_out "$CID" '^forked$'
	run rt ps --format json "$CID"
	assert_success
	assert_eq "$(jget 'len(d)' <<<"$output")" 3
	assert_eq "$(jget "$pid in d" <<<"$output")" true
	local p
	for p in $(jget '" ".join(str(p) for p in d)' <<<"$output"); do
		grep -q argon-testinit "/proc/$p/cmdline" || fail "pid $p is not the container's"
	done
	run rt ps "$CID"
	assert_success
	assert_contains "$output" "PID"
	assert_contains "$output" "$pid"
}
