#!/usr/bin/env bats
# OCI hooks: when each kind runs, what it gets, and failures.

load helpers

# A host hook: records its stdin (the state JSON), env and order of calls.
make_hook() {
	HOOKDIR="$TMP/hooks"
	mkdir -p "$HOOKDIR"
	cat >"$TMP/hook.sh" <<-EOF
	#!/bin/sh
	cat >"$HOOKDIR/\$1.json"
	env >"$HOOKDIR/\$1.env"
	echo "\$1" >>"$HOOKDIR/order"
	EOF
	chmod 755 "$TMP/hook.sh"
}

hook_json() { # hook_json KIND [EXTRA-JSON-FIELDS]
	echo "{\"path\":\"$TMP/hook.sh\",\"args\":[\"hook.sh\",\"$1\"],\"env\":[\"HOOKVAR=hv\",\"PATH=/usr/bin:/bin\"]${2:+,$2}}"
}

@test "hooks: each kind runs once, in order, with the state on stdin" {
	make_hook
	cfg root.readonly=false
	local k
	for k in prestart createRuntime createContainer poststart poststop; do
		cfg "hooks.$k+=$(hook_json $k)"
	done
	cfg 'hooks.startContainer+={"path":"/bin/sh","args":["sh","-c","cat >/startContainer.json; readlink /proc/self/ns/pid >/startContainer.ns; readlink /proc/self/ns/mnt >>/startContainer.ns"]}'
	set_args argon-testinit sleep inf

	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	# (runc 1.1 runs poststart hooks at create, against the spec)
	assert_eq "$(cat "$HOOKDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer "
	[ ! -e "$ROOTFS/startContainer.json" ] || fail "startContainer ran at create"
	ct_start "$CID"
	assert_eq "$(cat "$HOOKDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer poststart "
	[ -s "$ROOTFS/startContainer.json" ] || fail "startContainer did not run inside the container"
	# startContainer runs in the container's namespaces.
	assert_eq "$(cat "$ROOTFS/startContainer.ns")" \
		"$(readlink "/proc/$pid/ns/pid"; readlink "/proc/$pid/ns/mnt")"
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	rt delete "$CID"
	assert_eq "$(cat "$HOOKDIR/order" | tr '\n' ' ')" "prestart createRuntime createContainer poststart poststop "

	for k in prestart createRuntime createContainer poststart poststop; do
		assert_eq "$(jget 'd["id"]' <"$HOOKDIR/$k.json")" "$CID" "$k id"
		assert_eq "$(jget 'd["bundle"]' <"$HOOKDIR/$k.json")" "$BUNDLE" "$k bundle"
		grep -qx HOOKVAR=hv "$HOOKDIR/$k.env" || fail "$k env: $(cat "$HOOKDIR/$k.env")"
		! grep -q ARGON_HOST_SECRET "$HOOKDIR/$k.env" || fail "$k got the runtime's env"
	done
	for k in prestart createRuntime createContainer poststart; do
		assert_eq "$(jget 'd["pid"]' <"$HOOKDIR/$k.json")" "$pid" "$k pid"
	done
	assert_eq "$(jget 'd["status"]' <"$HOOKDIR/poststart.json")" running
	assert_eq "$(jget 'd["status"]' <"$HOOKDIR/poststop.json")" stopped
	assert_eq "$(jget 'd["id"]' <"$ROOTFS/startContainer.json")" "$CID"
}

@test "hooks: createContainer runs in the container's namespaces" {
	make_hook
	cat >"$TMP/nshook.sh" <<-EOF
	#!/bin/sh
	readlink /proc/self/ns/mnt >"$TMP/hook-mntns"
	readlink /proc/self/ns/uts >"$TMP/hook-utsns"
	EOF
	chmod 755 "$TMP/nshook.sh"
	cfg "hooks.createContainer+={\"path\":\"$TMP/nshook.sh\"}"
	set_args argon-testinit sleep inf
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	assert_eq "$(cat "$TMP/hook-mntns")" "$(readlink "/proc/$pid/ns/mnt")"
	assert_eq "$(cat "$TMP/hook-utsns")" "$(readlink "/proc/$pid/ns/uts")"
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
	make_hook
	cat >"$TMP/fail.sh" <<-EOF
	#!/bin/sh
	echo "\$1" >>"$HOOKDIR/order"
	exit 3
	EOF
	chmod 755 "$TMP/fail.sh"
	cfg "hooks.createRuntime+={\"path\":\"$TMP/fail.sh\",\"args\":[\"fail.sh\",\"failing\"]}"
	cfg 'hooks.createContainer+={"path":"/bin/false"}'
	set_args argon-testinit sleep inf
	try_create "$CID"
	assert_rt_error
	assert_argon_error 'createRuntime hook.*fail.sh'
	assert_eq "$(cat "$HOOKDIR/order")" failing
	[ ! -e "$ROOT/$CID" ] || fail "state left"
	[ -z "$(pids_of "$TMP")" ] || fail "processes left: $(pids_of "$TMP")"
	[ -z "$(mounts_mentioning "$TMP")" ] || fail "mounts left"
}

@test "hooks: a hook that outlives its timeout is killed and fails create" {
	make_hook
	cat >"$TMP/slow.sh" <<-EOF
	#!/bin/sh
	echo \$\$ >"$HOOKDIR/slow.pid"
	exec sleep 30
	EOF
	chmod 755 "$TMP/slow.sh"
	cfg "hooks.createRuntime+={\"path\":\"$TMP/slow.sh\",\"timeout\":1}"
	set_args argon-testinit sleep inf
	local t0=$SECONDS
	try_create "$CID"
	assert_rt_error
	((SECONDS - t0 < 10)) || fail "create took $((SECONDS - t0)) s with a 1 s hook timeout"
	assert_argon_error 'createRuntime hook.*slow.sh'
	local hpid
	hpid=$(cat "$HOOKDIR/slow.pid")
	track_pid "$hpid"
	wait_pid_gone "$hpid"
	[ ! -e "$ROOT/$CID" ] || fail "state left"
	[ -z "$(pids_of "$TMP")" ] || fail "processes left"
}

@test "hooks: a hook that does not exist fails create" {
	cfg 'hooks.prestart+={"path":"/no/such/hook"}'
	set_args argon-testinit sleep inf
	try_create "$CID"
	assert_rt_error
	assert_argon_error '/no/such/hook'
	[ ! -e "$ROOT/$CID" ] || fail "state left"
}

@test "hooks: poststop runs on delete --force of a running container" {
	make_hook
	cfg "hooks.poststop+=$(hook_json poststop)"
	set_args argon-testinit sleep inf
	ct_create "$CID"
	ct_start "$CID"
	[ ! -e "$HOOKDIR/poststop.json" ] || fail "poststop ran before delete"
	rt delete --force "$CID"
	assert_eq "$(cat "$HOOKDIR/order")" poststop
}
