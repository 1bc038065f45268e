#!/usr/bin/env bats
# Less common config and command-line options: recursive and noexec binds,
# propagation, --no-pivot, --preserve-fds, annotations, ps, unsupported keys.

load helpers

add_mount() { # add_mount DEST TYPE SOURCE OPTIONS-JSON
	cfg "mounts+={\"destination\":\"$1\",\"type\":\"$2\",\"source\":\"$3\",\"options\":$4}"
}

# A host dir with a tmpfs submount; the test's teardown must not see it, so
# the caller unmounts it (host_tree_cleanup).
host_tree() {
	mkdir -p "$TMP/tree/sub"
	echo top >"$TMP/tree/top.txt"
	mount -t tmpfs -o size=64k tmpfs "$TMP/tree/sub"
	echo sub >"$TMP/tree/sub/inner.txt"
}

host_tree_cleanup() {
	umount "$TMP/tree/sub" 2>/dev/null || true
}

@test "bind vs rbind: only rbind carries the submounts" {
	host_tree
	add_mount /plain bind "$TMP/tree" '["bind"]'
	add_mount /rec bind "$TMP/tree" '["rbind"]'
	set_args sh -c 'cat /plain/top.txt; ls /plain/sub | wc -l; cat /rec/sub/inner.txt'
	run rt_run
	host_tree_cleanup
	assert_success
	assert_line top
	assert_line 0	# the submount is not under a plain bind
	assert_line sub
}

@test "bind options: noexec, nosuid and ro reach the mount" {
	mkdir -p "$TMP/bins"
	cp "$ROOTFS/bin/argon-testinit" "$TMP/bins/t"
	add_mount /bins bind "$TMP/bins" '["bind","ro","noexec","nosuid","nodev"]'
	set_args sh -c '/bins/t true; echo "exec=$?"; grep " /bins " /proc/self/mountinfo'
	run rt_run
	assert_success
	assert_line "exec=126"
	assert_contains "$output" "ro,nosuid,nodev,noexec"
}

@test "mount propagation: rshared and rprivate are applied" {
	add_mount /shr tmpfs tmpfs '["rshared"]'
	add_mount /prv tmpfs tmpfs '["rprivate"]'
	set_args sh -c 'grep -E " /(shr|prv) " /proc/self/mountinfo'
	run rt_run
	assert_success
	grep ' /shr ' <<<"$output" | grep -q 'shared:' || fail "/shr is not shared: $output"
	grep ' /prv ' <<<"$output" | grep -q 'shared:' && fail "/prv is shared: $output"
	true
}

@test "rootfsPropagation: private root" {
	cfg 'linux.rootfsPropagation=private'
	set_args argon-testinit mounts
	run rt_run
	assert_success
	local rootline
	rootline=$(awk '$5 == "/"' <<<"$output")
	[ -n "$rootline" ] || fail "no root mount in: $output"
	refute_contains "$rootline" "shared:"
	refute_contains "$rootline" "master:"
}

@test "--no-pivot: the container runs with the rootfs as /" {
	set_args sh -c 'ls /bin/argon-testinit && argon-testinit cwd'
	run rt_run --no-pivot
	assert_success
	assert_line /bin/argon-testinit
	assert_line /
}

@test "--preserve-fds: fd 3 passes into the container, fd 4 does not" {
	echo passed-in >"$TMP/fd3"
	set_args sh -c 'cat <&3; argon-testinit fds'
	run timeout -k 5 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" --preserve-fds 1 "$CID" \
		</dev/null 3<"$TMP/fd3" 4<"$TMP/fd3"
	assert_success
	assert_line passed-in
	assert_contains "$output" "3 -> $TMP/fd3"
	refute_contains "$output" "4 -> "
}

@test "annotations: state shows the config's annotations" {
	cfg 'annotations={"org.example.key":"value one","io.argon/x":"2"}'
	set_args argon-testinit sleep inf
	ct_create "$CID"
	run ct_state "$CID"
	assert_success
	assert_eq "$(jget 'd["annotations"]["org.example.key"]' <<<"$output")" "value one"
	assert_eq "$(jget 'd["annotations"]["io.argon/x"]' <<<"$output")" "2"
}

@test "ps: the table lists the container's processes only" {
	set_args argon-testinit fork 2
	ct_run_detached "$CID"
	wait_out "$CID" '^[0-9]'
	run rt ps "$CID"
	assert_success
	[[ ${lines[0]} == *PID* ]] || fail "no header: ${lines[0]}"
	assert_eq "$(( ${#lines[@]} - 1 ))" 3	# the init and its two children
	refute_contains "$output" "bats"
}

@test "/dev as a symlink out of the rootfs fails and writes nothing there" {
	mkdir "$TMP/outside"
	rm -rf "$ROOTFS/dev"
	ln -s "$TMP/outside" "$ROOTFS/dev"
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	[ -z "$(ls -A "$TMP/outside")" ] || fail "written outside: $(ls -A "$TMP/outside")"
	[ -z "$(mounts_mentioning "$TMP/outside")" ] || fail "mounted outside"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "--debug: writes debug lines to the log" {
	skip_unless_argon "runc's debug output differs"
	set_args argon-testinit true
	run timeout 60 "$RUNTIME" --root "$ROOT" --debug --log "$TMP/log" run --bundle "$BUNDLE" "$CID" </dev/null
	assert_success
	grep -q 'level=debug' "$TMP/log" || fail "no debug line in: $(cat "$TMP/log")"
}
