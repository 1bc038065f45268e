#!/usr/bin/env bats
# Bad input: errors are reported once, with status 1, and leave nothing.

load helpers

# Nothing of $CID left: no state, no process in the rootfs, no mount.
assert_nothing_left() {
	[ ! -e "$ROOT/$CID" ] || fail "state left: $(ls -la "$ROOT/$CID")"
	[ -z "$(pids_of "$TMP")" ] || fail "processes left: $(pids_of "$TMP")"
	[ -z "$(mounts_mentioning "$TMP")" ] || fail "mounts left: $(mounts_mentioning "$TMP")"
}

@test "errors: a bundle without config.json" {
	rm "$BUNDLE/config.json"
	try_create "$CID"
	assert_rt_error
	assert_argon_error 'config.json'
	assert_nothing_left
}

@test "errors: a config.json that is not JSON" {
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	try_create "$CID"
	assert_rt_error
	assert_argon_error 'config.json'
	assert_nothing_left
}

@test "errors: a missing rootfs directory" {
	rm -rf "$ROOTFS"
	set_args argon-testinit true
	try_create "$CID"
	assert_rt_error
	assert_argon_error 'rootfs'
	assert_nothing_left
}

@test "errors: a mount of a missing host path" {
	cfg 'mounts+={"destination":"/data","type":"bind","source":"/no/such/host/dir","options":["bind"]}'
	set_args argon-testinit true
	try_create "$CID"
	assert_rt_error
	assert_argon_error '/no/such/host/dir'
	assert_nothing_left
}

@test "errors: a relative mount destination cannot climb out of the rootfs" {
	local marker="argon-rel-$BASHPID-$RANDOM"
	cfg "mounts+={\"destination\":\"../../../../../tmp/$marker\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
	set_args argon-testinit true
	try_create "$CID"
	# Refused, or resolved inside the rootfs: never a mount on the host.
	[ ! -e "/tmp/$marker" ] || { rmdir "/tmp/$marker"; fail "/tmp/$marker created on the host"; }
	[ "$status" -ne 0 ] || rt delete --force "$CID"
	[ -z "$(mounts_mentioning "$marker")" ] || fail "host mount: $(mounts_mentioning "$marker")"
	assert_nothing_left
}

@test "errors: a process without args is refused" {
	cfg 'process.args=[]'
	try_create "$CID"
	assert_rt_error
	assert_argon_error 'args'
	assert_nothing_left
}

@test "errors: an invalid resource limit is refused before anything is made" {
	cfg 'linux.resources={"memory":{"swappiness":101}}'
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	is_argon && assert_argon_error 'linux.resources.memory.swappiness'
	assert_nothing_left
}

@test "errors: an unknown command fails" {
	run --separate-stderr "$RUNTIME" --root "$ROOT" no-such-command
	assert_failure
}

@test "errors: an unknown flag fails" {
	run --separate-stderr "$RUNTIME" --root "$ROOT" create --no-such-flag "$CID"
	assert_failure
	assert_nothing_left
}

@test "errors: create without an ID fails" {
	run --separate-stderr "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" </dev/null 3>&- 4>&-
	assert_failure
}

@test "errors: --log gets the error, in JSON with --log-format json" {
	run --separate-stderr "$RUNTIME" --root "$ROOT" --log "$TMP/log.json" --log-format json state nosuchcontainer
	assert_rt_error
	[ -s "$TMP/log.json" ] || fail "nothing logged"
	# Every line is a JSON object; one is at level error and names the container.
	run "$PY" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert all(isinstance(l, dict) for l in lines), lines
errs = [l for l in lines if l.get("level") == "error"]
assert errs, lines
print(errs[-1]["msg"])' "$TMP/log.json"
	assert_success
	is_argon && assert_contains "$output" nosuchcontainer
	true
}

@test "errors: --log with text format" {
	run --separate-stderr "$RUNTIME" --root "$ROOT" --log "$TMP/log.txt" state nosuchcontainer
	assert_rt_error
	[ -s "$TMP/log.txt" ] || fail "nothing logged"
	grep -q 'error' "$TMP/log.txt" || fail "log: $(cat "$TMP/log.txt")"
}

@test "errors: delete of a missing container fails; with --force it is done (runc)" {
	run --separate-stderr rt delete nosuchcontainer
	assert_failure
	is_argon && assert_contains "$stderr" "nosuchcontainer"
	run --separate-stderr rt delete --force nosuchcontainer
	assert_success
	assert_eq "$output$stderr" "" "delete --force output"
	assert_nothing_left
}

@test "errors: state of a container whose init died unseen is stopped" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	local pid
	pid=$(ct_pid "$CID")
	kill -KILL "$pid"
	wait_pid_gone "$pid"
	wait_status "$CID" stopped
	run rt delete "$CID"
	assert_success
	assert_nothing_left
}

@test "errors: a cwd that is a file fails" {
	cfg process.cwd:=/etc/passwd
	set_args argon-testinit cwd
	run --separate-stderr rt_run
	assert_failure
	assert_argon_error '/etc/passwd'
	assert_nothing_left
}

@test "errors: a non-executable file fails with permission denied" {
	cp "$ROOTFS/etc/passwd" "$ROOTFS/bin/not-exec"
	set_args /bin/not-exec
	try_create "$CID"
	assert_rt_error
	assert_contains "${stderr,,}${output,,}" "permission denied"
	assert_nothing_left
}

# What engines call that argon does not do: refused clearly, nothing made.
@test "errors: --systemd-cgroup is refused, naming cgroupfs, and makes nothing" {
	skip_unless_argon "runc has a systemd cgroup driver"
	run --separate-stderr "$RUNTIME" --root "$ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$CID"
	assert_rt_error
	assert_argon_error '--systemd-cgroup: the systemd cgroup manager is not supported; use cgroupfs'
	assert_nothing_left
}

@test "errors: checkpoint and restore are not supported; the container runs on" {
	skip_unless_argon "runc checkpoints with criu"
	set_args argon-testinit sleep inf
	ct_run_detached "$CID"
	# podman's probe for checkpoint support: a failure means none.
	run --separate-stderr rt checkpoint --help
	assert_failure
	run --separate-stderr rt checkpoint --image-path "$TMP/img" --leave-running "$CID"
	assert_failure
	assert_argon_error 'checkpoint: not supported by argon-runtime'
	run --separate-stderr rt restore --image-path "$TMP/img" --bundle "$BUNDLE" "$CID-2"
	assert_failure
	assert_argon_error 'restore: not supported by argon-runtime'
	wait_status "$CID" running
	[ ! -e "$ROOT/$CID-2" ] || fail "restore made state"
}
