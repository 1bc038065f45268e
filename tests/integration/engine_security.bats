#!/usr/bin/env bats
# argon's engine: the default seccomp profile and docker's security flags
# (--security-opt seccomp= / no-new-privileges / apparmor= / label= /
# systempaths= / writable-cgroups=, --privileged, --sysctl, --group-add,
# --cap-add/--cap-drop), each proved inside a real container: what the
# kernel refuses and with which errno, what still works. Bad values fail
# with 125 and leave nothing (engine_helpers.bash checks every test).

load engine_helpers

# out ARGS...: `run --rm ARGS`; must succeed; its stdout in $output.
out() {
	erun run --rm "$@"
	[ "$status" -eq 0 ] || { show_run; fail "run --rm $* exited $status"; return 1; }
}

# sc [RUN-FLAGS...] -- NAME [ARG...]: one raw system call in a container
# (argon-testinit's `syscall`): "ok RET" or the errno name.
sc() {
	local -a flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	erun run --rm "${flags[@]}" busybox argon-testinit syscall "$@"
	echo "$output"
}

status_field() { # status_field [RUN-FLAGS...] -- FIELD: a /proc/self/status value
	local -a flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	out "${flags[@]}" busybox sh -c "grep '^$2:' /proc/self/status" || return 1
	echo "${output##*[[:space:]]}"
}

# A profile in docker's format: mkdir fails with EACCES (13), unless the
# container has CAP_SYS_ADMIN; everything else is allowed.
write_mkdir_profile() {
	cat >"$1" <<-'EOF'
	{
	  "defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [
	    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
	      "comment": "no new directories", "excludes": { "caps": ["CAP_SYS_ADMIN"] } }
	  ]
	}
	EOF
}

# ---------------------------------------------------------------- the default profile

@test "security: the default seccomp profile is loaded and refuses keyctl with EPERM" {
	assert_eq "$(status_field -- Seccomp)" 2 "Seccomp mode (2: filter)"
	assert_eq "$(sc -- keyctl 0 -3 0)" "syscall keyctl: EPERM" "keyctl (the session keyring's id)"
	assert_eq "$(sc -- unshare 0x10000000)" "syscall unshare: EPERM" "unshare(CLONE_NEWUSER)"
	assert_eq "$(sc -- swapoff /)" "syscall swapoff: EPERM" "swapoff"
	assert_eq "$(sc -- personality 0x0040000)" "syscall personality: EPERM" \
		"personality(ADDR_NO_RANDOMIZE)"
	[[ $(sc -- personality 0xffffffff) == "ok "* ]] || fail "personality query: $output"
	[[ $(sc -- getpid) == "ok "* ]] || fail "getpid: $output"
	# the rules that need a capability come with it
	[[ $(sc --cap-add SYS_ADMIN -- unshare 0x10000000) == "ok 0" ]] ||
		fail "unshare(CLONE_NEWUSER) with CAP_SYS_ADMIN: $output"
}

@test "security: ordinary programs run under the default profile: sh, ls, ps, exec" {
	out busybox sh -c 'ls / >/dev/null && sleep 0.1 && cat /etc/passwd >/dev/null &&
		ps >/dev/null && mkdir /tmp/d && echo x >/tmp/d/f && rm -r /tmp/d &&
		wc -l </proc/self/mountinfo >/dev/null && echo fine'
	assert_eq "$output" fine
	# exec'd processes get the filter too
	run_d busybox sleep 1000
	erun exec "$ID" argon-testinit syscall keyctl 0 -3 0
	assert_eq "$output" "syscall keyctl: EPERM" "keyctl in an exec'd process"
	erun exec "$ID" sh -c 'grep ^Seccomp: /proc/self/status'
	assert_contains "$output" "2"
}

@test "security: the host's own programs run under the default profile (prep host)" {
	local store
	prep_store_dir sec
	store=$PREP_STORE
	# dynamic linking, bash, coreutils, procps, threads and processes in python
	local script='set -e; /bin/ls / >/dev/null; bash -c "echo bash \$BASH_VERSINFO";
		sort </etc/hostname >/dev/null; date +%Y >/dev/null; id -u; ps -e >/dev/null;
		stat / >/dev/null; find /etc -maxdepth 1 >/dev/null; echo done'
	if [ -x /usr/bin/python3 ]; then
		script+='; /usr/bin/python3 -c "import threading, subprocess, os, socket
t = threading.Thread(target=lambda: None); t.start(); t.join()
socket.socketpair()
print(\"python\", subprocess.run([\"true\"]).returncode, os.getpid() > 0)"'
	fi
	run --separate-stderr timeout 120 "$ARGON" --root "$store" --state-dir "$ESTATE" \
		run --rm host sh -c "$script" </dev/null 3>&- 4>&-
	[ "$status" -eq 0 ] || { show_run; fail "host programs failed under the default profile"; }
	assert_line "bash ${BASH_VERSINFO[0]}"
	assert_line 0
	assert_line done
	[ ! -x /usr/bin/python3 ] || assert_line "python 0 True"
	run --separate-stderr timeout 60 "$ARGON" --root "$store" --state-dir "$ESTATE" \
		run --rm host sh -c 'grep ^Seccomp: /proc/self/status' </dev/null 3>&- 4>&-
	assert_contains "$output" 2
}

# ---------------------------------------------------------------- unconfined, privileged

@test "security: seccomp=unconfined and --privileged run without a filter" {
	assert_eq "$(status_field --security-opt seccomp=unconfined -- Seccomp)" 0 "unconfined"
	[[ $(sc --security-opt seccomp=unconfined -- keyctl 0 -3 0) == "ok "* ]] ||
		fail "keyctl unconfined: $output"
	assert_eq "$(status_field --privileged -- Seccomp)" 0 "--privileged"
	[[ $(sc --privileged -- keyctl 0 -3 0) == "ok "* ]] || fail "keyctl privileged: $output"
	# --privileged wins over a profile, as docker's
	write_mkdir_profile "$TMP/p.json"
	assert_eq "$(status_field --privileged --security-opt "seccomp=$TMP/p.json" -- Seccomp)" 0 \
		"--privileged with seccomp=FILE"
	run_d --security-opt seccomp=unconfined --security-opt no-new-privileges busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["SecurityOpt"]')" \
		'["seccomp=unconfined", "no-new-privileges"]' HostConfig.SecurityOpt
}

# ---------------------------------------------------------------- custom profiles

@test "security: seccomp=FILE applies a docker-format profile, resolved for the capabilities" {
	write_mkdir_profile "$TMP/p.json"
	erun run --rm --security-opt "seccomp=$TMP/p.json" busybox mkdir /tmp/x
	assert_failure
	assert_contains "$stderr$output" "Permission denied"
	assert_eq "$(sc --security-opt "seccomp=$TMP/p.json" -- mkdir /tmp/y 0755)" \
		"syscall mkdir: EACCES" "mkdir under the profile"
	[[ $(sc --security-opt "seccomp=$TMP/p.json" -- keyctl 0 -3 0) == "ok "* ]] ||
		fail "keyctl is allowed by this profile: $output"
	# "excludes": {"caps": ["CAP_SYS_ADMIN"]}: the rule is gone with that capability
	out --security-opt "seccomp=$TMP/p.json" --cap-add SYS_ADMIN busybox sh -c 'mkdir /tmp/x && echo made'
	assert_eq "$output" made
	# inspect records the profile itself, as docker does
	run_d --security-opt "seccomp=$TMP/p.json" busybox sleep 1000
	ins "$ID" 'c["HostConfig"]["SecurityOpt"][0]' >"$TMP/secopt"
	assert_contains "$(cat "$TMP/secopt")" 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"'
	assert_contains "$(cat "$TMP/secopt")" '"errnoRet":13'
}

@test "security: argon seccomp default prints a profile that seccomp=FILE takes back" {
	erun seccomp default
	assert_success
	printf '%s\n' "$output" >"$TMP/default.json"
	"$PY" -c 'import json, sys; p = json.load(open(sys.argv[1]))
assert p["defaultAction"] == "SCMP_ACT_ERRNO" and p["defaultErrnoRet"] == 1, p
assert any(a["architecture"] == "SCMP_ARCH_X86_64" for a in p["archMap"])
assert any("includes" in r for r in p["syscalls"])
assert not any("keyctl" in r["names"] for r in p["syscalls"])' "$TMP/default.json" ||
		fail "argon seccomp default: not the profile"
	assert_eq "$(sc --security-opt "seccomp=$TMP/default.json" -- keyctl 0 -3 0)" \
		"syscall keyctl: EPERM" "keyctl under the printed default"
	# edited: keyctl allowed
	"$PY" -c 'import json, sys; p = json.load(open(sys.argv[1]))
p["syscalls"].append({"names": ["keyctl"], "action": "SCMP_ACT_ALLOW"})
json.dump(p, open(sys.argv[1], "w"))' "$TMP/default.json"
	[[ $(sc --security-opt "seccomp=$TMP/default.json" -- keyctl 0 -3 0) == "ok "* ]] ||
		fail "keyctl under the edited default: $output"
	# --oci: what config.json gets for a capability set
	erun seccomp default --oci --cap-add SYS_ADMIN
	assert_success
	assert_contains "$output" '"mount"'
	refute_contains "$output" archMap
}

@test "security: a bad seccomp profile fails with 125, naming the file, and creates nothing" {
	printf '{"defaultAction": ' >"$TMP/trunc.json"
	printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_MAYBE"}]}' \
		>"$TMP/action.json"
	printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_BOGUS"]}}]}' \
		>"$TMP/cap.json"
	printf '{}' >"$TMP/empty.json"
	local -a cases=(
		"$TMP/trunc.json|seccomp profile \`$TMP/trunc.json\`: not JSON"
		"$TMP/action.json|seccomp profile \`$TMP/action.json\`"
		"$TMP/cap.json|syscalls[0].includes.caps: unknown capability \`CAP_BOGUS\`"
		"$TMP/empty.json|no \`defaultAction\`"
		"$TMP/missing.json|open \`$TMP/missing.json\`: No such file"
	)
	local c
	for c in "${cases[@]}"; do
		erun run --security-opt "seccomp=${c%%|*}" busybox true
		assert_status 125
		assert_contains "$stderr" "${c#*|}"
		assert_contains "$stderr" "--security-opt"
		assert_eq "$output" "" "stdout"
	done
	assert_contains "$(eng run --security-opt "seccomp=$TMP/action.json" busybox true 2>&1)" \
		SCMP_ACT_MAYBE
	assert_no_containers
}

# ---------------------------------------------------------------- no-new-privileges

@test "security: no-new-privileges stops a setuid-root binary from gaining root" {
	local nnp want
	for nnp in false true; do
		run_d --security-opt "no-new-privileges=$nnp" busybox sleep 1000
		erun exec "$ID" sh -c 'cp /bin/argon-testinit /suid-ids && chmod 4755 /suid-ids'
		assert_success
		erun exec -u 1000:1000 "$ID" /suid-ids ids
		assert_success
		want=$([ $nnp == true ] && echo 1000 || echo 0)
		assert_eq "$output" "uid=1000 gid=1000 euid=$want egid=1000 groups=" \
			"setuid binary with no-new-privileges=$nnp"
		erun exec -u 1000:1000 "$ID" grep ^NoNewPrivs: /proc/self/status
		assert_eq "${output##*[[:space:]]}" "$([ $nnp == true ] && echo 1 || echo 0)" NoNewPrivs
	done
}

@test "security: CVE-2019-5736: the monitor makes the init from a sealed copy of argon" {
	# The created init is the monitor's fork until it execs: a process of
	# the container that reached its /proc/PID/exe must find a sealed
	# memfd, never the host's argon file, and no way to write it.
	create_c busybox true
	local pid exe
	pid=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pid"])' \
		"$ESTATE/runtime/$ID/state.json") || fail "no runtime state for $ID"
	exe=$(readlink "/proc/$pid/exe")
	echo "created init's exe: $exe" >&2
	[[ $exe == memfd:* || $exe == /memfd:* ]] || fail "the init runs $exe, not a sealed memfd"
	[ ! "/proc/$pid/exe" -ef "$(readlink -f "$ARGON")" ] || fail "the init runs the host's argon file"
	if (exec 5>>"/proc/$pid/exe") 2>/dev/null; then
		fail "/proc/$pid/exe ($exe) opens for writing"
	fi
	# The monitor found argon's real path all the same: the container
	# starts, ends and is recorded (argon-monitor and its last step).
	erun start -a "$ID"
	assert_success
	erun wait "$ID"
	assert_eq "$output" 0 "exit code"
}

# ---------------------------------------------------------------- LSM options

@test "security: apparmor= and label= are refused (no LSM), their 'none' values accepted" {
	local o
	for o in apparmor=docker-default apparmor=foo label=user:system_u label=type:svirt_lxc_net_t; do
		erun run --security-opt "$o" busybox true
		assert_status 125
		assert_contains "$stderr" "$o"
		assert_contains "$stderr" "no $([[ $o == apparmor* ]] && echo AppArmor || echo SELinux) support"
	done
	erun run --security-opt bogus=1 busybox true
	assert_status 125
	assert_contains "$stderr" "unknown security option \`bogus=1\`"
	assert_no_containers
	out --security-opt apparmor=unconfined --security-opt label=disable busybox echo ran
	assert_eq "$output" ran
	run_d --security-opt apparmor=unconfined --security-opt label:disable busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["SecurityOpt"]')" \
		'["apparmor=unconfined", "label:disable"]' HostConfig.SecurityOpt
}

@test "security: systempaths=unconfined unmasks /proc, writable-cgroups=true makes cgroups rw" {
	out busybox sh -c "grep -c ' /proc/sys ' /proc/self/mountinfo; [ -s /proc/kcore ] && echo kcore || echo masked"
	assert_eq "${lines[0]}" 1 "/proc/sys read-only by default"
	assert_eq "${lines[1]}" masked "/proc/kcore masked by default"
	out --security-opt systempaths=unconfined busybox sh -c \
		"grep -c ' /proc/sys ' /proc/self/mountinfo || true"
	assert_eq "$output" 0 "systempaths=unconfined: /proc/sys not read-only"
	out busybox sh -c "grep ' /sys/fs/cgroup ' /proc/self/mountinfo | grep -c ' ro,' || true"
	assert_eq "$output" 1 "cgroups read-only by default"
	out --security-opt writable-cgroups=true busybox sh -c \
		"grep ' /sys/fs/cgroup ' /proc/self/mountinfo | grep -c ' rw,' || true"
	assert_eq "$output" 1 "writable-cgroups=true"
}

# ---------------------------------------------------------------- sysctl

@test "security: --sysctl sets a namespaced sysctl inside only" {
	local host_fwd host_shm want
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmni)
	want=$((1 - host_fwd))
	out --network none --sysctl "net.ipv4.ip_forward=$want" --sysctl kernel.shmmni=1234 \
		busybox sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
	assert_eq "${lines[0]}" "$want" "net.ipv4.ip_forward inside"
	assert_eq "${lines[1]}" 1234 "kernel.shmmni inside"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "the host's ip_forward"
	assert_eq "$(cat /proc/sys/kernel/shmmni)" "$host_shm" "the host's shmmni"
	run_d --sysctl net.ipv4.ip_forward=1 busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Sysctls"]')" '{"net.ipv4.ip_forward": "1"}' \
		HostConfig.Sysctls
}

@test "security: --sysctl refuses net.* with --network host and sysctls of the host" {
	local -a cases=(
		"--network host --sysctl net.ipv4.ip_forward=1|net.* sysctls are not allowed with --network host"
		"--sysctl kernel.hostname=x|sysctl \`kernel.hostname\` is not allowed in a container"
		"--sysctl vm.swappiness=1|\`vm.swappiness\` is not allowed"
		"--sysctl net.ipv4.ip_forward|is not KEY=VALUE"
	)
	local c
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		erun run ${c%%|*} busybox true
		assert_status 125
		assert_contains "$stderr" "${c#*|}"
		assert_contains "$stderr" "--sysctl"
	done
	assert_no_containers
}

# ---------------------------------------------------------------- groups, capabilities

@test "security: --group-add adds supplementary groups" {
	out -u 1000:1000 --group-add 5 --group-add 1234 busybox grep ^Groups: /proc/self/status
	assert_eq "$(echo $output)" "Groups: 5 1234"
	out -u 1000:1000 --group-add 5 busybox argon-testinit ids
	assert_eq "$output" "uid=1000 gid=1000 euid=1000 egid=1000 groups=5"
	run_d --group-add 5 busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["GroupAdd"]')" '["5"]' HostConfig.GroupAdd
	erun run --group-add audio busybox true
	assert_status 125
	assert_contains "$stderr" "--group-add"
	assert_contains "$stderr" "group \`audio\`: group names are not supported yet"
}

@test "security: --cap-drop ALL --cap-add CHOWN leaves exactly CAP_CHOWN" {
	assert_eq "$(status_field --cap-drop ALL --cap-add CHOWN -- CapEff)" 0000000000000001 CapEff
	assert_eq "$(status_field --cap-drop ALL --cap-add CHOWN -- CapBnd)" 0000000000000001 CapBnd
	erun run --cap-add NOT_A_CAP busybox true
	assert_status 125
	assert_contains "$stderr" "unknown capability: \`NOT_A_CAP\`"
	assert_no_containers
}
