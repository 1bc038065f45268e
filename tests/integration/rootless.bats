#!/usr/bin/env bats
# Rootless: an unprivileged host user (made for this file, removed after)
# runs argon-runtime with a user namespace: the whole lifecycle, the state
# kept in the user's directories, id maps written directly (the user's own
# id) or through newuidmap/newgidmap (ranges from /etc/subuid), no cgroup
# unless one is delegated (limits refused by name without one), and what
# the user namespace does not give: host root's files stay unwritable.

load helpers

# Why unprivileged user namespaces cannot be used here (empty when they can).
userns_blocked() {
	local f=/proc/sys/kernel/unprivileged_userns_clone
	if [ -r $f ] && [ "$(cat $f)" = 0 ]; then
		echo "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)"
	elif [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = 0 ]; then
		echo "user namespaces are disabled (user.max_user_namespaces=0)"
	elif [ -r /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] &&
		[ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns)" = 1 ]; then
		echo "AppArmor restricts unprivileged user namespaces"
	fi
}

# The first id after every range in /etc/subuid and /etc/subgid (>= 100000).
free_subid_start() {
	cat /etc/subuid /etc/subgid 2>/dev/null |
		awk -F: 'NF == 3 { e = $2 + $3; if (e > m) m = e } END { print (m > 100000 ? m : 100000) }'
}

# Gives the user a range of 65536 ids in FILE unless useradd already did;
# prints the range's start.
subid_range() {
	local file=$1 start
	start=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' "$file" 2>/dev/null)
	if [ -z "$start" ]; then
		start=$(free_subid_start)
		echo "$RL_USER:$start:65536" >>"$file"
	fi
	echo "$start"
}

setup_file() {
	suite_setup_file
	RL_SKIP=$(userns_blocked)
	export RL_SKIP
	[ -z "$RL_SKIP" ] || return 0
	RL_USER="argon-rl-$$"
	useradd -m -U -s /bin/sh "$RL_USER" || { echo "useradd $RL_USER failed" >&2; return 1; }
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_SUBUID=$(subid_range /etc/subuid)
	RL_SUBGID=$(subid_range /etc/subgid)
	export RL_USER RL_UID RL_GID RL_SUBUID RL_SUBGID
	# A checkout under a directory the user cannot search (CI's may be):
	# the user runs a copy of the same binary from the suite's base.
	if ! as_user test -x "$RUNTIME"; then
		cp "$RUNTIME" "$ARGON_TEST_BASE/argon-runtime"
		chmod 755 "$ARGON_TEST_BASE/argon-runtime"
		RUNTIME="$ARGON_TEST_BASE/argon-runtime"
		export RUNTIME
	fi
}

teardown_file() {
	if [ -n "${RL_USER-}" ]; then
		local pid
		for pid in $(pgrep -u "$RL_USER"); do kill -9 "$pid" 2>/dev/null; done
		retry 50 0.1 eval '[ -z "$(pgrep -u "$RL_USER" -r R,S,D,T)" ]' || true
		userdel -r "$RL_USER" 2>/dev/null || userdel -f -r "$RL_USER"
		sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	fi
	suite_teardown_file
}

# as_user CMD...: CMD as the test user, with a clean environment (but the
# sanitizer options of an ASan run).
as_user() {
	local envv=(PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "HOME=/home/$RL_USER")
	[ -z "${ASAN_OPTIONS-}" ] || envv+=("ASAN_OPTIONS=$ASAN_OPTIONS")
	[ -z "${UBSAN_OPTIONS-}" ] || envv+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")
	setpriv --reuid "$RL_UID" --regid "$RL_GID" --init-groups env -i "${envv[@]}" "$@"
}

urt() {
	as_user "$RUNTIME" --root "$ROOT" "$@" </dev/null 3>&- 4>&-
}

# urt_run [FLAGS...]: foreground run of $CID as the user (killed after 60 s).
urt_run() {
	as_user timeout -k 5 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$@" "$CID" \
		</dev/null 3>&- 4>&-
}

# urt_try ARGS...: like try_create, for any command as the user: sets
# status, output (stdout) and stderr.
urt_try() {
	local f="$TMP/urt-try"
	urt "$@" >"$f.out" 2>"$f.err" && status=0 || status=$?
	output=$(cat "$f.out")
	stderr=$(cat "$f.err")
	return 0
}

urt_detached() {
	urt run -d --bundle "$BUNDLE" "$@" "$CID" >"$TMP/$CID.out" 2>"$TMP/$CID.err" ||
		fail "run -d $CID: $(cat "$TMP/$CID.err")"
}

urt_status() {
	urt state "$1" | jget 'd["status"]'
}

# The user's processes that are not zombies (the host's init reaps those).
user_procs() {
	pgrep -u "$RL_UID" -r R,S,D,T,t -a || true
}

assert_nothing_left() {
	retry 50 0.1 eval '[ -z "$(user_procs)" ]' || fail "processes of $RL_USER left: $(user_procs)"
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "state left in $ROOT: $(ls -A "$ROOT")"
	[ -z "$(mounts_mentioning "$TMP")" ] || fail "mounts left: $(mounts_mentioning "$TMP")"
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "$CID" 2>/dev/null)" ] || fail "cgroup left"
}

setup() {
	[ -z "$RL_SKIP" ] || skip "$RL_SKIP"
	setup_test
	chown -R "$RL_UID:$RL_GID" "$TMP"
	rm "$BUNDLE/config.json"
	as_user "$RUNTIME" spec --rootless --bundle "$BUNDLE" ||
		fail "spec --rootless as $RL_USER failed"
	cfg process.terminal=false -process.consoleSize
}

# The user's containers are deleted by the user (root may not use a state
# root another user owns), then the usual checks.
teardown() {
	[ -z "$RL_SKIP" ] || return 0
	local root id
	for root in "$ROOT" "$TMP/xdg/argon-runtime"; do
		[ -d "$root" ] || continue
		for id in $(as_user "$RUNTIME" --root "$root" list -q 2>/dev/null); do
			as_user "$RUNTIME" --root "$root" delete --force "$id" </dev/null 3>&- 4>&- ||
				echo "delete --force $id as $RL_USER failed" >&2
		done
	done
	[ -z "${RL_DELEG-}" ] || undelegate_cgroup "$RL_DELEG"
	teardown_test
}

add_caps() {
	local c
	for c in "$@"; do
		cfg "process.capabilities.bounding+=$c" "process.capabilities.effective+=$c" \
			"process.capabilities.permitted+=$c"
	done
}

@test "rootless run: output and exit code pass through; root inside is the user outside" {
	set_args sh -c 'echo hello; id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; exit 3'
	run urt_run
	assert_status 3
	assert_line hello
	assert_eq "$(grep -cx 0 <<<"$output")" 2 "id -u and id -g"
	assert_contains "$(tr -s ' ' <<<"$output")" " 0 $RL_UID 1"$'\n'" 0 $RL_GID 1"
	assert_nothing_left
}

@test "rootless: create, start, state, list, exec, ps, kill and delete as the user" {
	set_args argon-testinit sleep inf
	urt create --bundle "$BUNDLE" "$CID" >"$TMP/$CID.out" 2>"$TMP/$CID.err" ||
		fail "create: $(cat "$TMP/$CID.err")"
	assert_eq "$(urt_status "$CID")" created
	local pid
	pid=$(urt state "$CID" | jget 'd["pid"]')
	assert_eq "$(stat -c %u "/proc/$pid")" "$RL_UID" "the init's owner on the host"
	urt start "$CID" || fail "start failed"
	assert_eq "$(urt_status "$CID")" running
	run urt list -q
	assert_line "$CID"
	run urt list	# runc's OWNER: the user who owns the state, not "root"
	assert_eq "$(awk -v id="$CID" '$1 == id { print $NF }' <<<"$output")" "$RL_USER" OWNER
	assert_eq "$(urt list --format json | jget 'd[0]["owner"]')" "$RL_USER" "list json owner"
	run urt exec "$CID" argon-testinit ids
	assert_success
	assert_contains "$output" "uid=0 gid=0 euid=0 egid=0"
	run urt ps "$CID"
	assert_success
	assert_contains "$output" " $pid "
	# no mknod in a user namespace: the host's nodes are bound in
	run urt exec "$CID" sh -c 'argon-testinit stat /dev/null; echo x >/dev/null && echo null-ok'
	assert_contains "$output" "type=char mode=0666 rdev=1:3"
	assert_line null-ok
	urt kill "$CID" TERM || fail "kill failed"
	retry 100 0.05 eval '[ "$(urt_status "$CID")" = stopped ]' || fail "not stopped"
	urt delete "$CID" || fail "delete failed"
	assert_nothing_left
}

@test "rootless: state under XDG_RUNTIME_DIR by default, the user's and mode 0700; else --root is asked for" {
	local xdg=$TMP/xdg
	mkdir -m 700 "$xdg"
	chown "$RL_UID:$RL_GID" "$xdg"
	set_args argon-testinit sleep inf
	as_user XDG_RUNTIME_DIR="$xdg" "$RUNTIME" run -d --bundle "$BUNDLE" "$CID" \
		</dev/null >"$TMP/$CID.out" 2>"$TMP/$CID.err" 3>&- 4>&- ||
		fail "run -d: $(cat "$TMP/$CID.err")"
	assert_eq "$(stat -c '%U %a' "$xdg/argon-runtime")" "$RL_USER 700"
	assert_eq "$(stat -c '%U %a' "$xdg/argon-runtime/$CID")" "$RL_USER 700"
	as_user XDG_RUNTIME_DIR="$xdg" "$RUNTIME" delete --force "$CID" </dev/null 3>&- 4>&- ||
		fail "delete failed"
	[ -z "$(ls -A "$xdg/argon-runtime")" ] || fail "state left: $(ls -A "$xdg/argon-runtime")"

	run --separate-stderr as_user "$RUNTIME" list
	assert_rt_error
	assert_argon_error "XDG_RUNTIME_DIR is not set.*--root"
	run --separate-stderr as_user XDG_RUNTIME_DIR=/tmp "$RUNTIME" list
	assert_rt_error
	assert_argon_error "XDG_RUNTIME_DIR \`/tmp\` is not a directory of ours.*--root"
	# spec needs no state root
	run as_user "$RUNTIME" spec --rootless --bundle "$TMP/xdg"
	assert_success
}

@test "rootless: a file of host root bind-mounted read-write stays unwritable" {
	echo secret >"$TMP/hostfile"
	chown 0:0 "$TMP/hostfile"
	chmod 644 "$TMP/hostfile"
	add_caps CAP_DAC_OVERRIDE CAP_FOWNER CAP_CHOWN
	cfg "mounts+={\"destination\":\"/mnt/hostfile\",\"type\":\"bind\",\"source\":\"$TMP/hostfile\",\"options\":[\"rbind\",\"rw\"]}"
	set_args sh -c 'argon-testinit write /mnt/hostfile pwned; chmod 666 /mnt/hostfile || echo chmod-refused; argon-testinit stat /mnt/hostfile'
	run urt_run
	assert_line "write /mnt/hostfile: EACCES"
	assert_line chmod-refused
	assert_contains "$output" "uid=65534"	# host root is not mapped: nobody
	assert_eq "$(cat "$TMP/hostfile")" secret
	assert_eq "$(stat -c '%u %a' "$TMP/hostfile")" "0 644"
}

@test "rootless: a memory limit without a delegated cgroup is refused by name and leaves nothing" {
	cfg linux.resources.memory.limit=33554432
	set_args argon-testinit true
	urt_try run --bundle "$BUNDLE" "$CID"
	assert_rt_error
	assert_argon_error "^argon-runtime: rootless: cannot apply linux.resources.memory.limit: no writable cgroup delegated to uid $RL_UID \\(for \`argon/$CID\`: .* is not writable\\)$"
	assert_nothing_left
}

@test "rootless: without a cgroup, pause, update and events say why; ps still works" {
	set_args argon-testinit sleep inf
	urt_detached
	local pid
	pid=$(urt state "$CID" | jget 'd["pid"]')
	urt_try pause "$CID"
	assert_rt_error
	assert_argon_error "pause container \`$CID\`: it has no cgroup to freeze \\(a rootless container gets one only where a cgroup is delegated to its user\\)"
	assert_eq "$(urt_status "$CID")" running
	urt_try update --memory 10M "$CID"
	assert_rt_error
	assert_argon_error "container \`$CID\` has no cgroup: no limits to change"
	urt_try events --stats "$CID"
	assert_rt_error
	assert_argon_error "has no cgroup: .*no usage or OOM events"
	run urt ps "$CID"
	assert_success
	assert_contains "$output" " $pid "
}

@test "rootless: the cgroup mount is read-only even when the config says rw" {
	cfg --rm-mount /sys/fs/cgroup \
		'mounts+={"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","rw"]}'
	add_caps CAP_DAC_OVERRIDE CAP_SYS_ADMIN
	set_args sh -c 'grep " /sys/fs/cgroup " /proc/self/mountinfo; argon-testinit write /sys/fs/cgroup/x y'
	run urt_run
	assert_contains "$output" " /sys/fs/cgroup ro,"
	assert_line "write /sys/fs/cgroup/x: EROFS"
}

@test "rootless: newuidmap maps 65536 ids of /etc/subuid; chown 1000 in a tmpfs lands on them" {
	command -v newuidmap >/dev/null || skip "newuidmap missing (install uidmap)"
	cfg "linux.uidMappings=[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1},{\"containerID\":1,\"hostID\":$RL_SUBUID,\"size\":65536}]" \
		"linux.gidMappings=[{\"containerID\":0,\"hostID\":$RL_GID,\"size\":1},{\"containerID\":1,\"hostID\":$RL_SUBGID,\"size\":65536}]" \
		'mounts+={"destination":"/mnt/t","type":"tmpfs","source":"tmpfs"}'
	add_caps CAP_CHOWN
	set_args sh -c 'cat /proc/self/uid_map; touch /mnt/t/f && chown 1000:1000 /mnt/t/f && argon-testinit stat /mnt/t/f; exec argon-testinit sleep inf'
	urt_detached
	wait_out "$CID" "uid=1000"
	assert_contains "$(tr -s ' ' <"$TMP/$CID.out")" " 0 $RL_UID 1"$'\n'" 1 $RL_SUBUID 65536"
	local pid
	pid=$(urt state "$CID" | jget 'd["pid"]')
	assert_eq "$(stat -c '%u %g' "/proc/$pid/root/mnt/t/f")" "$((RL_SUBUID + 999)) $((RL_SUBGID + 999))"
	urt delete --force "$CID" || fail "delete failed"
	assert_nothing_left
}

@test "rootless: ids not in /etc/subuid, or no newuidmap, are refused naming the mapping" {
	local far=$((RL_SUBUID + 65536 * 4000))
	cfg "linux.uidMappings=[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1},{\"containerID\":1,\"hostID\":$far,\"size\":10}]"
	set_args argon-testinit true
	urt_try run --bundle "$BUNDLE" "$CID"
	assert_rt_error
	assert_argon_error "^argon-runtime: config.json: linux.uidMappings\\[1\\] \\(containerID 1, hostID $far, size 10\\): rootless, host ids $far-$((far + 9)) are not delegated to user \`$RL_USER\` \\(uid $RL_UID\\) in /etc/subuid$"
	assert_nothing_left

	cfg "linux.uidMappings=[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1},{\"containerID\":1,\"hostID\":$RL_SUBUID,\"size\":10}]"
	run --separate-stderr as_user PATH=/nonexistent "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" </dev/null
	assert_rt_error
	assert_argon_error "linux.uidMappings: rootless, mapping more than the caller's own id \\($RL_UID\\) needs newuidmap \\(Debian package uidmap\\)"
	assert_nothing_left
}

@test "rootless: a config without a user namespace is refused" {
	cfg --ns-rm user -linux.uidMappings -linux.gidMappings
	set_args argon-testinit true
	urt_try run --bundle "$BUNDLE" "$CID"
	assert_rt_error
	assert_argon_error "running as uid $RL_UID \\(not root\\), the container needs a user namespace"
	assert_nothing_left
}

# ---- a delegated cgroup: made by root, owned by the user

# The cgroup2 mount (pure v2 or the hybrid's unified), or nothing.
cgroup2_mount() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

# delegate_cgroup NAME: NAME in every hierarchy, owned by the user (the
# directory, cgroup.procs and tasks, and on cgroup2 subtree_control), with
# cpuset's cpus and mems filled in; on cgroup2 a leaf NAME/runner for the
# process that runs the runtime (no process may sit in an inner cgroup).
delegate_cgroup() {
	local d=$1 m f v2
	RL_DELEG=$d
	for m in $(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo); do
		mkdir -p "$m/$d"
		for f in "$m/$d" "$m/$d/cgroup.procs" "$m/$d/tasks" "$m/$d/cgroup.subtree_control"; do
			[ ! -e "$f" ] || chown "$RL_UID:$RL_GID" "$f"
		done
		# v1's cpuset starts a child empty; v2's inherits (its root has
		# no cpuset.cpus to copy)
		for f in cpuset.cpus cpuset.mems; do
			[ ! -e "$m/$d/$f" ] || [ ! -e "$m/$f" ] || cat "$m/$f" >"$m/$d/$f"
		done
	done
	v2=$(cgroup2_mount)
	[ -z "$v2" ] || { mkdir -p "$v2/$d/runner" && chown -R "$RL_UID:$RL_GID" "$v2/$d/runner"; }
}

undelegate_cgroup() {
	local d=$1 m
	for m in $(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo); do
		[ ! -d "$m/$d/runner" ] || rmdir "$m/$d/runner"
		[ ! -d "$m/$d" ] || find "$m/$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	unset RL_DELEG
}

@test "rootless: a cgroup delegated to the user is detected and used: limits, pause, delete" {
	local d="argon-rl-deleg-$$" v2 mem pids
	delegate_cgroup "$d"
	v2=$(cgroup2_mount)
	cfg "linux.cgroupsPath=/$d/$CID" linux.resources.memory.limit=33554432 linux.resources.pids.limit=50
	set_args argon-testinit sleep inf
	# The runtime starts from the delegated subtree (cgroup2 moves need
	# the common ancestor's cgroup.procs writable).
	(
		[ -z "$v2" ] || echo "$BASHPID" >"$v2/$d/runner/cgroup.procs"
		as_user "$RUNTIME" --root "$ROOT" run -d --bundle "$BUNDLE" "$CID"
	) </dev/null >"$TMP/$CID.out" 2>"$TMP/$CID.err" 3>&- 4>&- ||
		fail "run -d: $(cat "$TMP/$CID.err")"
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		mem=$(cat "/sys/fs/cgroup/$d/$CID/memory.max")
		pids=$(cat "/sys/fs/cgroup/$d/$CID/pids.max")
	else
		mem=$(cat "/sys/fs/cgroup/memory/$d/$CID/memory.limit_in_bytes")
		pids=$(cat "/sys/fs/cgroup/pids/$d/$CID/pids.max")
	fi
	assert_eq "$mem" 33554432
	assert_eq "$pids" 50
	urt pause "$CID" || fail "pause failed"
	assert_eq "$(urt_status "$CID")" paused
	urt resume "$CID" || fail "resume failed"
	assert_eq "$(urt_status "$CID")" running
	urt delete --force "$CID" || fail "delete failed"
	assert_nothing_left
}
