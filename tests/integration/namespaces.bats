#!/usr/bin/env bats
# Namespaces: joining existing ones by path, the time namespace's offsets,
# the cgroup namespace, and namespaced sysctls.

load helpers

# Starts a long-running container "$1" from the current bundle; prints its pid.
start_peer() {
	ct_run_detached "$1" >/dev/null
	ct_pid "$1"
}

@test "join by path: network, ipc and uts namespaces of another container" {
	set_args argon-testinit sleep inf
	local peer=peer-$BASHPID ppid
	ppid=$(start_peer "$peer")
	cfg -hostname -domainname \
		"linux.namespaces=[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/$ppid/ns/net\"},{\"type\":\"ipc\",\"path\":\"/proc/$ppid/ns/ipc\"},{\"type\":\"uts\",\"path\":\"/proc/$ppid/ns/uts\"}]"
	set_args sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname'
	run rt_run
	assert_success
	assert_line "$(readlink "/proc/$ppid/ns/net")"
	assert_line "$(readlink "/proc/$ppid/ns/ipc")"
	assert_line "$(readlink "/proc/$ppid/ns/uts")"
	assert_line "$(cfg --print hostname 2>/dev/null || echo argon)"
}

@test "join by path: the pid namespace of another container" {
	set_args argon-testinit sleep inf
	local peer=peer-$BASHPID ppid
	ppid=$(start_peer "$peer")
	cfg --ns-rm pid "linux.namespaces+={\"type\":\"pid\",\"path\":\"/proc/$ppid/ns/pid\"}"
	set_args sh -c 'readlink /proc/self/ns/pid; argon-testinit ls /proc'
	run rt_run
	assert_success
	assert_line "$(readlink "/proc/$ppid/ns/pid")"
	assert_line 1	# the peer's init is visible as pid 1
}

@test "join by path: a file that is not a namespace is refused and leaves nothing" {
	cfg --ns-rm network 'linux.namespaces+={"type":"network","path":"/etc/hostname"}'
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	assert_argon_error '/etc/hostname'
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "join by path: a namespace of the wrong type is refused" {
	cfg --ns-rm network 'linux.namespaces+={"type":"network","path":"/proc/self/ns/ipc"}'
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	is_argon && assert_contains "$stderr" "is not a network namespace"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "time namespace: monotonic and boottime offsets" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	cfg --ns-add time 'linux.timeOffsets={"monotonic":{"secs":864000,"nanosecs":0},"boottime":{"secs":8640000,"nanosecs":0}}'
	set_args argon-testinit read /proc/uptime
	local host_up
	host_up=$(cut -d. -f1 /proc/uptime)
	run rt_run
	assert_success
	local up=${output%%.*}
	[ "$up" -ge $((host_up + 8640000)) ] || fail "uptime inside $up, host $host_up: offset not applied"
	[ "$up" -lt $((host_up + 8640000 + 60)) ] || fail "uptime inside $up is too large"
}

@test "time namespace: offsets without a time namespace are refused" {
	cfg --ns-rm time 'linux.timeOffsets={"boottime":{"secs":10,"nanosecs":0}}'
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "cgroup namespace: the container's cgroup is its root" {
	set_args argon-testinit read /proc/self/cgroup
	run rt_run
	assert_success
	# every hierarchy line ends in "/" (v1 "N:ctrl:/", v2 "0::/")
	[ -n "$output" ] || fail "no /proc/self/cgroup output"
	refute_contains "$(grep -v ':/$' <<<"$output")" ":"
}

@test "sysctl: namespaced values are set inside only" {
	local host_fwd host_shm
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmni)
	cfg 'linux.sysctl={"net.ipv4.ip_forward":"1","kernel.shmmni":"1234"}'
	set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
	run rt_run
	assert_success
	assert_line 1
	assert_line 1234
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
	assert_eq "$(cat /proc/sys/kernel/shmmni)" "$host_shm"
}

@test "sysctl: a host-wide sysctl is refused and leaves nothing" {
	local before
	before=$(cat /proc/sys/vm/swappiness)
	cfg 'linux.sysctl={"vm.swappiness":"7"}'
	set_args argon-testinit true
	try_create "$CID"
	assert_failure
	is_argon && assert_contains "$stderr" "vm.swappiness"
	assert_eq "$(cat /proc/sys/vm/swappiness)" "$before"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

@test "sysctl: a namespace joined by a path that is the host's own is refused" {
	# The host's own values: even a runtime without the check changes nothing.
	local fwd shm ppid
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	shm=$(cat /proc/sys/kernel/shmmni)
	set_args argon-testinit true
	cfg --ns-rm network "linux.namespaces+={\"type\":\"network\",\"path\":\"/proc/$$/ns/net\"}" \
		"linux.sysctl={\"net.ipv4.ip_forward\":\"$fwd\"}"
	try_create "$CID"
	assert_rt_error
	assert_argon_error "linux.sysctl: \`net.ipv4.ip_forward\` would change the host: linux.namespaces network path \`/proc/$$/ns/net\` is the runtime's own network namespace"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
	cfg --ns-rm network --ns-add network --ns-rm ipc \
		"linux.namespaces+={\"type\":\"ipc\",\"path\":\"/proc/$$/ns/ipc\"}" \
		"linux.sysctl={\"kernel.shmmni\":\"$shm\"}"
	try_create "$CID"
	assert_rt_error
	assert_argon_error "\`kernel.shmmni\` would change the host: .* is the runtime's own ipc namespace"
	[ ! -e "$ROOT/$CID" ] || fail "state dir left"
	# another container's namespace, joined by path, is not the host's
	cfg -linux.sysctl --ns-rm ipc --ns-add ipc
	set_args argon-testinit sleep inf
	ppid=$(start_peer "peer-$BASHPID")
	cfg --ns-rm ipc "linux.namespaces+={\"type\":\"ipc\",\"path\":\"/proc/$ppid/ns/ipc\"}" \
		'linux.sysctl={"kernel.shmmni":"1234"}'
	set_args cat /proc/sys/kernel/shmmni
	run rt_run
	assert_success
	assert_eq "$output" 1234
	assert_eq "$(cat /proc/sys/kernel/shmmni)" "$shm"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$fwd"
}
