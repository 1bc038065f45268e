#!/usr/bin/env bats
# `kill`: signal names and numbers, --all.

load helpers

start_trap() {
	set_args argon-testinit trap HUP USR1 USR2 INT
	ct_create "$CID"
	ct_start "$CID"
	wait_out "$CID" '^ready$'
}

@test "kill: signal names and numbers reach the init" {
	start_trap
	local sig n=1
	for sig in USR1:SIGUSR1 SIGUSR2:SIGUSR2 1:SIGHUP hup:SIGHUP 10:SIGUSR1 SIGINT:SIGINT; do
		rt kill "$CID" "${sig%%:*}"
		n=$((n + 1))
		# exactly one more line, naming the signal sent
		retry 100 0.05 eval '[ "$(grep -c . "$TMP/$CID.out")" -ge $n ]' ||
			fail "no output for ${sig%%:*}: $(ct_out "$CID")"
		sleep 0.05
		assert_eq "$(grep -c . "$TMP/$CID.out")" $n "lines after ${sig%%:*}"
		assert_eq "$(tail -1 "$TMP/$CID.out")" "got ${sig#*:}" "signal ${sig%%:*}"
	done
	assert_eq "$(ct_status "$CID")" running
}

@test "kill: the default signal is SIGTERM" {
	start_trap
	rt kill "$CID"
	wait_out "$CID" '^got SIGTERM$'
	wait_status "$CID" stopped
}

@test "kill: TERM, KILL, SIGKILL and 9 stop the container" {
	local sig pid
	set_args argon-testinit trap TERM
	for sig in TERM KILL SIGKILL 9; do
		ct_create "$CID-$sig"
		ct_start "$CID-$sig"
		wait_out "$CID-$sig" '^ready$'
		pid=$(ct_pid "$CID-$sig")
		rt kill "$CID-$sig" "$sig"
		wait_status "$CID-$sig" stopped
		wait_pid_gone "$pid"
		rt delete "$CID-$sig"
	done
}

@test "kill: a created container can be killed" {
	set_args argon-testinit sleep inf
	ct_create "$CID"
	local pid
	pid=$(ct_pid "$CID")
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	wait_pid_gone "$pid"
	rt delete "$CID"
}

@test "kill: an unknown signal is refused and the container lives" {
	start_trap
	local sig
	for sig in NOSUCH SIGFOO 0x9 -1 65 99999; do
		run --separate-stderr rt kill "$CID" "$sig"
		[ "$status" -ne 0 ] || fail "signal \`$sig\` accepted"
		assert_argon_error "$sig"
	done
	assert_eq "$(ct_status "$CID")" running
	refute_contains "$(ct_out "$CID")" got
}

@test "kill: a stopped container refuses" {
	set_args argon-testinit exit 0
	ct_create "$CID"
	ct_start "$CID"
	wait_status "$CID" stopped
	run --separate-stderr rt kill "$CID" KILL
	assert_rt_error
	assert_argon_error "$CID"
}

# fork 3: the init (pid 1, no handlers: SIGTERM from outside is dropped) and
# three children (default SIGTERM: they die). Plain kill reaches the init
# only; kill --all reaches the children too.
@test "kill --all: reaches the forked children, plain kill does not" {
	set_args argon-testinit fork 3
	ct_create "$CID"
	ct_start "$CID"
	wait_out "$CID" '^forked$'
	local init children p
	init=$(ct_pid "$CID")
	children=$(rt ps --format json "$CID" | jget "' '.join(str(p) for p in d if p != $init)")
	assert_eq "$(wc -w <<<"$children")" 3 "children: $children"
	for p in $children; do track_pid "$p"; done

	rt kill "$CID" TERM
	sleep 0.3
	for p in $children; do pid_alive "$p" || fail "plain kill reached child $p"; done

	rt kill --all "$CID" TERM
	for p in $children; do wait_pid_gone "$p"; done
	pid_alive "$init" || fail "init died of SIGTERM (pid 1 has no handler)"
	assert_eq "$(ct_status "$CID")" running

	rt kill -a "$CID" KILL
	wait_pid_gone "$init"
	wait_status "$CID" stopped
}
