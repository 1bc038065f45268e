#!/usr/bin/env bats
# argon's engine: the rest of docker's `run`/`create` flags, each proved by
# its effect inside a real container or in its cgroup: --env-file, --cpus,
# --cpu-shares, --cpuset-cpus, --blkio-weight, --memory-swap, --ulimit,
# --device, --cap-add/--cap-drop, --privileged, --security-opt,
# --network, --log-opt and --init; bad values fail with 125 and leave
# nothing (engine_helpers.bash checks every test for leftovers).

load engine_helpers

# out ARGS...: `run ARGS` attached; must succeed; its stdout in $output.
out() {
	erun run --rm "$@"
	[ "$status" -eq 0 ] || { show_run; fail "run --rm $* exited $status"; return 1; }
}

# capeff [FLAGS...]: the CapEff mask (hex) of a container's process.
capeff() {
	out "$@" busybox sh -c 'grep ^CapEff: /proc/self/status' || return 1
	echo "${output##*[[:space:]]}"
}

has_cap() { # has_cap HEXMASK CAPNUMBER
	(( (16#$1 >> $2) & 1 ))
}

# ---------------------------------------------------------------- environment

@test "flags: --env-file sets docker's env-file variables, -e wins over them" {
	printf '%s\n' "# a comment" "" "A=1" "  B=two words " "C=x=y" "FROM_HOST" "NOT_SET" \
		"  # indented comment" >"$TMP/env"
	FROM_HOST="host value" out --env-file "$TMP/env" -e C=over busybox env
	assert_line "A=1"
	assert_line "B=two words "
	assert_line "C=over"
	assert_line "FROM_HOST=host value"
	refute_contains "$output" "NOT_SET"
	refute_contains "$output" "comment"
	# the env file alone
	out --env-file "$TMP/env" busybox env
	assert_line "C=x=y"
}

@test "flags: --env-file that cannot be read fails with 125, naming it" {
	erun run --env-file "$TMP/no-such-env" busybox true
	assert_status 125
	assert_contains "$stderr" "$TMP/no-such-env"
	assert_contains "$stderr" "--env-file"
	printf 'OK=1\nBAD KEY=2\n' >"$TMP/bad-env"
	erun create --env-file "$TMP/bad-env" busybox true
	assert_status 125
	assert_contains "$stderr" "line 2: variable \`BAD KEY\` contains whitespaces"
	assert_no_containers
}

# ---------------------------------------------------------------- CPU

@test "flags: --cpus 0.5 sets a 50 ms quota per 100 ms period" {
	run_d --cpus 0.5 busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["NanoCpus"]')" 500000000 HostConfig.NanoCpus
	local f
	f=$(cgroup_file "$ID" cpu.cfs_quota_us cpu.max) || skip "no cpu cgroup file for argon/$ID"
	if [[ $f == */cpu.max ]]; then
		assert_eq "$(cat "$f")" "50000 100000" "$f"
	else
		assert_eq "$(cat "$f")" 50000 "$f"
		assert_eq "$(cat "${f%/*}/cpu.cfs_period_us")" 100000 cpu.cfs_period_us
	fi
}

@test "flags: --cpu-shares 512 sets the CPU weight" {
	run_d --cpu-shares 512 busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["CpuShares"]')" 512 HostConfig.CpuShares
	local f
	f=$(cgroup_file "$ID" cpu.shares cpu.weight) || skip "no cpu cgroup file for argon/$ID"
	if [[ $f == */cpu.weight ]]; then
		assert_eq "$(cat "$f")" 20 "$f (runc's conversion of 512 shares)"
	else
		assert_eq "$(cat "$f")" 512 "$f"
	fi
}

@test "flags: --cpuset-cpus 0 pins the container to CPU 0" {
	out busybox sh -c 'grep ^Cpus_allowed_list: /proc/self/status'
	local all=${output##*[[:space:]]}
	out --cpuset-cpus 0 busybox sh -c 'grep ^Cpus_allowed_list: /proc/self/status'
	assert_eq "${output##*[[:space:]]}" 0 "Cpus_allowed_list with --cpuset-cpus 0"
	[ "$(nproc)" -lt 2 ] || [ "$all" != 0 ] || fail "without the flag the list is already 0"
}

# ---------------------------------------------------------------- IO and memory

blkio_weight_file() {
	local f
	for f in /sys/fs/cgroup/blkio/blkio.weight /sys/fs/cgroup/blkio/blkio.bfq.weight; do
		[ -e "$f" ] && { echo "${f##*/}"; return 0; }
	done
	[ -e /sys/fs/cgroup/blkio ] && return 1
	# v2: the io controller's files show in child cgroups
	find /sys/fs/cgroup -mindepth 2 -maxdepth 2 \( -name io.weight -o -name io.bfq.weight \) \
		-printf '%f\n' 2>/dev/null | head -1 | grep .
}

@test "flags: --blkio-weight 300 sets the block IO weight" {
	local wf
	wf=$(blkio_weight_file) || skip "the kernel has no block IO weight (no blkio.weight, blkio.bfq.weight or io.weight: no CFQ/BFQ scheduler or iocost)"
	run_d --blkio-weight 300 busybox sleep 1000
	local f
	f=$(cgroup_file "$ID" "$wf") || fail "no $wf for argon/$ID"
	case $wf in
	blkio.*) assert_contains "$(cat "$f")" 300 ;;
	*) assert_contains "$(cat "$f")" "$(((300 - 10) * 9999 / 990 + 1))" ;;
	esac
}

@test "flags: --blkio-weight without kernel support is dropped with docker's warning" {
	! blkio_weight_file >/dev/null || skip "the kernel has block IO weights"
	erun run -d --blkio-weight 300 busybox sleep 1000
	assert_success
	ID=$output
	track_id "$ID"
	assert_contains "$stderr" "WARNING: Your kernel does not support Block I/O weight"
	assert_eq "$(ins "$ID" 'c["HostConfig"]["BlkioWeight"]')" 0 HostConfig.BlkioWeight
	state_is "$ID" running || fail "the container is not running"
}

# memsw_file ID: the container's memory+swap (v1) or swap (v2) file.
memsw_file() {
	cgroup_file "$1" memory.memsw.limit_in_bytes memory.swap.max
}

@test "flags: --memory-swap sets memory+swap, docker's default is twice --memory" {
	run_d -m 32m --memory-swap 96m busybox sleep 1000
	local f
	f=$(memsw_file "$ID") || skip "no swap accounting (memory.memsw.limit_in_bytes / memory.swap.max)"
	assert_eq "$(ins "$ID" 'c["HostConfig"]["MemorySwap"]')" 100663296 HostConfig.MemorySwap
	if [[ $f == */memory.swap.max ]]; then
		assert_eq "$(cat "$f")" 67108864 "$f (swap alone on v2)"
	else
		assert_eq "$(cat "$f")" 100663296 "$f"
	fi
	run_d -m 32m busybox sleep 1000
	f=$(memsw_file "$ID")
	assert_eq "$(ins "$ID" 'c["HostConfig"]["MemorySwap"]')" 67108864 "default HostConfig.MemorySwap"
	[[ $f == */memory.swap.max ]] && assert_eq "$(cat "$f")" 33554432 "$f" ||
		assert_eq "$(cat "$f")" 67108864 "$f"
	run_d -m 32m --memory-swap -1 busybox sleep 1000
	f=$(memsw_file "$ID")
	[[ $f == */memory.swap.max ]] && assert_eq "$(cat "$f")" max "$f" ||
		[ "$(cat "$f")" -gt 1000000000000 ] || fail "$f is $(cat "$f"), not unlimited"
}

# ---------------------------------------------------------------- ulimits, devices

@test "flags: --ulimit nofile=100:200 sets the container's open file limits" {
	out --ulimit nofile=100:200 busybox sh -c 'ulimit -n; grep "Max open files" /proc/self/limits'
	assert_eq "${lines[0]}" 100 "ulimit -n"
	[[ ${lines[1]} =~ ^Max\ open\ files\ +100\ +200\ +files ]] || fail "limits: ${lines[1]}"
	out --ulimit core=-1 --ulimit nproc=50 busybox sh -c 'grep -e "core file" -e "Max processes" /proc/self/limits'
	assert_contains "$output" "unlimited"
	[[ $output =~ Max\ processes\ +50\ +50 ]] || fail "nproc: $output"
	run_d --ulimit nofile=100:200 busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Ulimits"]')" '[{"Name": "nofile", "Hard": 200, "Soft": 100}]' \
		HostConfig.Ulimits
}

@test "flags: --device /dev/null:/dev/mynull is a usable device inside" {
	out --device /dev/null:/dev/mynull busybox sh -c \
		'echo hi >/dev/mynull && stat -c "%t:%T %F" /dev/mynull && head -c 3 /dev/mynull | wc -c'
	assert_eq "${lines[0]}" "1:3 character special file" "the node"
	assert_eq "${lines[1]}" 0 "bytes read from it"
	# without the flag it is not there
	erun run --rm busybox stat /dev/mynull
	assert_failure
	run_d --device /dev/zero busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Devices"][0]["PathInContainer"]')" /dev/zero
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Devices"][0]["CgroupPermissions"]')" rwm
}

@test "flags: --device of a block device reaches it through the device cgroup" {
	local dev
	dev=$(find /dev -maxdepth 1 -type b -name 'loop[0-9]*' 2>/dev/null | head -1)
	[ -n "$dev" ] || skip "no /dev/loopN block device on this host"
	out --device "$dev:/dev/blk" busybox sh -c 'stat -c %F /dev/blk; dd if=/dev/blk of=/dev/null bs=512 count=1 2>&1 | grep -c "records in" || true'
	assert_eq "${lines[0]}" "block special file"
	assert_eq "${lines[1]}" 1 "dd read the device (\"records in\")"
	# the same node made by hand (mknod with CAP_MKNOD) is refused by the device cgroup
	local mm
	mm=$(stat -c '%t %T' "$dev")
	erun run --rm busybox sh -c "mknod /tmp/b b $((16#${mm% *})) $((16#${mm#* })) && dd if=/tmp/b of=/dev/null bs=512 count=1"
	assert_failure
	assert_contains "$stderr$output" "Operation not permitted"
}

@test "flags: --device …:r gives read access only (no write open)" {
	local dev
	dev=$(find /dev -maxdepth 1 -type b -name 'loop[0-9]*' 2>/dev/null | head -1)
	[ -n "$dev" ] || skip "no /dev/loopN block device on this host"
	# ": >" opens for writing and writes nothing: refused by the device
	# cgroup before the driver is reached
	erun run --rm --device "$dev:/dev/blk:r" busybox sh -c \
		'dd if=/dev/blk of=/dev/null bs=512 count=1 2>&1 | grep -c "records in"; : >/dev/blk'
	assert_failure
	assert_eq "${lines[0]}" 1 "dd read the device (stderr: $stderr)"
	assert_contains "$stderr$output" "Operation not permitted"
	out --device "$dev:/dev/blk:rw" busybox sh -c ': >/dev/blk && echo opened'
	assert_eq "$output" opened "rw opens for writing"
}

# ---------------------------------------------------------------- capabilities

@test "flags: the default capabilities are docker's 14" {
	local c
	c=$(capeff) || return 1
	assert_eq "$c" 00000000a80425fb CapEff
}

@test "flags: --cap-drop CHOWN takes chown away" {
	out busybox sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned'
	assert_eq "$output" chowned "chown with the defaults"
	local c
	c=$(capeff --cap-drop chown) || return 1
	! has_cap "$c" 0 || fail "CapEff $c still has CAP_CHOWN"
	has_cap "$c" 1 || fail "CapEff $c lost CAP_DAC_OVERRIDE too"
	erun run --rm --cap-drop CAP_CHOWN busybox sh -c 'touch /tmp/f && chown 1000 /tmp/f'
	assert_failure
	assert_contains "$stderr$output" "Operation not permitted"
}

@test "flags: --cap-add SYS_ADMIN lets the container mount" {
	erun run --rm busybox mount -t tmpfs none /mnt
	assert_failure
	local c
	c=$(capeff --cap-add sys_admin) || return 1
	has_cap "$c" 21 || fail "CapEff $c lacks CAP_SYS_ADMIN"
	out --cap-add SYS_ADMIN busybox sh -c 'mount -t tmpfs none /mnt && grep -c " /mnt " /proc/self/mountinfo'
	assert_eq "$output" 1
	# --cap-drop ALL --cap-add X: X alone
	c=$(capeff --cap-drop ALL --cap-add KILL) || return 1
	assert_eq "$c" 0000000000000020 "CapEff of --cap-drop ALL --cap-add KILL"
	run_d --cap-add sys_admin --cap-drop chown busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["CapAdd"]')" '["CAP_SYS_ADMIN"]' HostConfig.CapAdd
	assert_eq "$(ins "$ID" 'c["HostConfig"]["CapDrop"]')" '["CAP_CHOWN"]' HostConfig.CapDrop
}

@test "flags: --privileged has every capability, the host's devices, nothing masked" {
	# docker's "all": what the engine's own bounding set has
	local all c
	all=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	c=$(capeff --privileged) || return 1
	assert_eq "$c" "$all" "CapEff with --privileged"
	local dev
	dev=$(find /dev -maxdepth 1 \( -type b -o -type c \) \( -name 'loop[0-9]*' -o -name kmsg -o -name 'tty[0-9]*' \) | head -1)
	[ -n "$dev" ] || fail "no host device to look for"
	out --privileged busybox sh -c "stat -c %F $dev; grep -c ' /proc/sys ' /proc/self/mountinfo || true; grep ' /sys ' /proc/self/mountinfo | grep -c ' rw,' || true"
	assert_contains "${lines[0]}" "special file" "host's $dev inside"
	assert_eq "${lines[1]}" 0 "/proc/sys is not read-only-mounted"
	assert_eq "${lines[2]}" 1 "/sys is read-write"
	# and without it: no such device, /proc/sys read-only
	out busybox sh -c "[ -e $dev ] && echo has $dev; grep -c ' /proc/sys ' /proc/self/mountinfo || true"
	assert_eq "$output" 1 "default container: no $dev, /proc/sys mounted read-only"
	run_d --privileged busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Privileged"]')" true HostConfig.Privileged
}

@test "flags: --security-opt no-new-privileges sets no_new_privs, an LSM profile is refused" {
	out busybox sh -c 'grep ^NoNewPrivs: /proc/self/status'
	assert_eq "${output##*[[:space:]]}" 0 "NoNewPrivs by default (docker's)"
	out --security-opt no-new-privileges busybox sh -c 'grep ^NoNewPrivs: /proc/self/status'
	assert_eq "${output##*[[:space:]]}" 1 "NoNewPrivs with the flag"
	out --security-opt no-new-privileges:false busybox sh -c 'grep ^NoNewPrivs: /proc/self/status'
	assert_eq "${output##*[[:space:]]}" 0 "no-new-privileges:false"
	erun run --security-opt apparmor=docker-default busybox true
	assert_status 125
	assert_contains "$stderr" "argon has no AppArmor support"
	assert_no_containers
}

# ---------------------------------------------------------------- network

iface_names='awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev | sort'

@test "flags: --network host shares the host's interfaces, none has only lo" {
	local host_ifs
	host_ifs=$(sh -c "$iface_names")
	[ "$host_ifs" != lo ] || skip "the host has no interface but lo"
	out --network host busybox sh -c "$iface_names"
	assert_eq "$output" "$host_ifs" "interfaces with --network host"
	out --net host busybox hostname
	assert_eq "$output" "$(hostname)" "hostname with --network host"
	out --network none busybox sh -c "$iface_names"
	assert_eq "$output" lo "interfaces with --network none"
	out busybox sh -c "$iface_names"
	assert_eq "$output" lo "interfaces by default"
	run_d --network host busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["NetworkMode"]')" host HostConfig.NetworkMode
	local pid
	pid=$(pid_of "$ID")
	assert_eq "$(readlink "/proc/$pid/ns/net")" "$(readlink /proc/self/ns/net)" "net namespace"
}

# ---------------------------------------------------------------- logs

@test "flags: --log-opt max-size/max-file rotate the container's log" {
	run_d --log-opt max-size=1k --log-opt max-file=2 busybox sh -c \
		'i=0; while [ $i -lt 200 ]; do echo "line $i of the log, padded to be long enough"; i=$((i+1)); done; echo all written; sleep 1000'
	assert_eq "$(ins "$ID" 'c["HostConfig"]["LogConfig"]')" \
		'{"Type": "json-file", "Config": {"max-size": "1024", "max-file": "2"}}' HostConfig.LogConfig
	wait_logs "$ID" "all written"
	local dir
	dir=$(ins "$ID" 'c["BundlePath"]')
	[ -e "$dir/container.log.1" ] || fail "no container.log.1 in $dir: $(ls "$dir")"
	[ ! -e "$dir/container.log.2" ] || fail "container.log.2 kept with max-file=2"
	[ "$(stat -c %s "$dir/container.log")" -le 2048 ] ||
		fail "container.log is $(stat -c %s "$dir/container.log") bytes with max-size=1k"
}

# ---------------------------------------------------------------- --init

@test "flags: --init runs the command under argon-init as pid 1, exit codes pass through" {
	out --init busybox sh -c 'tr "\0" " " </proc/1/cmdline; echo; echo $$'
	assert_eq "${lines[0]}" "/sbin/argon-init -- sh -c tr \"\\0\" \" \" </proc/1/cmdline; echo; echo \$\$ " \
		"pid 1's command line"
	[ "${lines[1]}" != 1 ] || fail "the command is pid 1"
	erun run --rm --init busybox sh -c 'exit 7'
	assert_status 7
	erun run --rm --init busybox sh -c 'kill -KILL $$'
	assert_status 137
	erun run --rm --init busybox no-such-command
	assert_status 127
	run_d --init busybox sleep 1000
	assert_eq "$(ins "$ID" 'c["HostConfig"]["Init"]')" true HostConfig.Init
}

# zombies_under PID: the zombie children of a host process.
zombies_under() {
	ps -o stat=,pid= --ppid "$1" | awk '$1 ~ /^Z/ { print $2 }'
}

@test "flags: --init reaps orphans that would stay zombies" {
	local orphan='(sleep 0.2 &); exec sleep 1000'
	# without it pid 1 (sleep) never reaps: the orphan stays a zombie
	run_d busybox sh -c "$orphan"
	local pid
	pid=$(pid_of "$ID")
	retry 50 0.1 eval '[ -n "$(zombies_under "$pid")" ]' ||
		fail "no zombie under the container's pid 1 without --init: the test cannot tell"
	run_d --init busybox sh -c "$orphan"
	pid=$(pid_of "$ID")
	assert_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" argon-init
	sleep 1
	assert_eq "$(zombies_under "$pid")" "" "zombies under argon-init"
	assert_eq "$(ps -o comm= --ppid "$pid")" sleep "argon-init's children"
}

@test "flags: --init forwards signals: stop is quick, kill -s reaches the command" {
	run_d --init busybox sleep 1000
	local t0
	t0=$(now_ms)
	erun stop -t 8 "$ID"
	assert_success
	[ $(($(now_ms) - t0)) -lt 5000 ] || fail "stop took $(($(now_ms) - t0)) ms: SIGTERM was not forwarded"
	assert_eq "$(ins "$ID" 'c["State"]["ExitCode"]')" 143 State.ExitCode
	run_d --init busybox sh -c 'trap "echo got USR1" USR1; echo ready; while true; do sleep 0.1; done'
	wait_logs "$ID" ready
	erun kill -s USR1 "$ID"
	assert_success
	wait_logs "$ID" "got USR1"
	state_is "$ID" running || fail "the container ended on USR1"
}

@test "flags: --init without argon-init beside argon fails with 125, naming it" {
	mkdir -p "$TMP/bin"
	cp "$ARGON" "$TMP/bin/argon"
	timeout 60 "$TMP/bin/argon" --root "$AROOT" --state-dir "$ESTATE" run --init busybox true \
		</dev/null >"$TMP/noinit.out" 2>"$TMP/noinit.err" 3>&- 4>&- && status=0 || status=$?
	assert_eq "$status" 125 "exit status"
	assert_contains "$(cat "$TMP/noinit.err")" "$TMP/bin/argon-init"
	assert_no_containers
}

# ---------------------------------------------------------------- bad values

@test "flags: a bad value of each flag fails with 125, names it, and creates nothing" {
	local -a cases=(
		"--cpus abc|--cpus"
		"--cpus 0.001|range of CPUs"
		"--cpus 100000|range of CPUs"
		"--cpu-shares -5|--cpu-shares"
		"--cpuset-cpus 1-0|invalid value \`1-0\` for cpuset cpus"
		"--cpuset-cpus 4000|not available"
		"--blkio-weight 5|range of blkio weight"
		"--memory-swap lots|--memory-swap"
		"-m 32m --memory-swap 16m|below --memory"
		"--memory-swap 64m|always set the memory limit"
		"--ulimit nofile=2:1|soft limit must be less than or equal to hard"
		"--ulimit bogus=1|invalid ulimit type: \`bogus\`"
		"--ulimit nofile|--ulimit"
		"--device /etc/passwd|\`/etc/passwd\` is not a device node"
		"--device /no/such/dev|/no/such/dev"
		"--device /dev/null:rel|\`rel\` is not an absolute path"
		"--device /dev/null:/x:rwx|bad mode"
		"--cap-add BOGUS|unknown capability: \`BOGUS\`"
		"--cap-drop nope|--cap-drop"
		"--security-opt no-new-privileges:maybe|--security-opt"
		"--security-opt apparmor=foo|no AppArmor support"
		"--security-opt seccomp=/no/such.json|/no/such.json"
		"--sysctl vm.swappiness=1|not allowed in a container"
		"--group-add audio|group names are not supported yet"
		"--network nosuch|no such network: \`nosuch\`"
		"--net container:x|--network container:x"
		"-p 99999:80|-p"
		"-p [::1]:80:80|IPv6"
		"--publish 80/sctp|only tcp and udp"
		"--network none -p 8080:80|a container without a network cannot publish ports"
		"--network none -P|a container without a network cannot publish ports"
		"--expose eighty|--expose"
		"--ip 10.1.2|--ip"
		"--network none --ip 10.88.0.9|need a network"
		"--dns nameserver|--dns"
		"--add-host justaname|--add-host"
		"--log-opt max-size=huge|--log-opt"
		"--log-opt max-file=0|max-file"
		"--log-opt compress=true|unknown log opt"
		"--env-file /no/such/file|/no/such/file"
	)
	local c args want
	for c in "${cases[@]}"; do
		args=${c%%|*}
		want=${c#*|}
		# shellcheck disable=SC2086
		erun run $args busybox true
		assert_status 125
		assert_eq "$output" "" "stdout of run $args"
		assert_contains "$stderr" "$want"
		# shellcheck disable=SC2086
		erun create $args busybox true
		assert_status 125
		assert_contains "$stderr" "$want"
	done
	assert_no_containers
}
