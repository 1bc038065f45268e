# argon-runtime driven by other engines (podman.bats, containerd.bats): what
# both files need. Loaded after helpers.bash.
#
# Per file (eco_setup_file NAME):
#   ENG_DIR     a dir of the file's own under the suite base: the engine's
#               storage, state, sockets, and the runtime's state root
#               ENG_DIR/rt;
#   ENG_RT      the runtime under test as the engine sees it: a wrapper that
#               appends each call's arguments, as the engine passed them, to
#               ENG_DIR/calls (one line a call), then runs the runtime;
#   ENG_CGROUP  the cgroup parent the engine is told to use, named after
#               the run's base (leaks.bats looks for it; another run's
#               leak checks do not);
#   ENG_IMAGE_ROOTFS  the suite's busybox + argon-testinit rootfs, the
#               image both engines import.
# eco_teardown_file stops what the engine left, removes the cgroups under
# ENG_CGROUP and the host paths the engine made (ECO_HOST_PATHS, set by the
# file, that were not there before), and fails when processes or mounts
# were left or the machine's network configuration changed.

# ECO_HOST_PATHS: the paths outside ENG_DIR that the file's engine writes
# and that cannot be pointed elsewhere, files and dirs, children before
# their parents (space-separated). At the end, of those that were not
# there before: files are removed, dirs only when empty, so whatever
# something else put there meanwhile stays.

# eco_setup_file NAME [root]: the per-file dir, the runtime wrapper, the
# records of the machine's state. With `root` the wrapper gives the runtime
# --root ENG_DIR/rt (for an engine that passes none: the runtime's default
# root is the machine's). The wrapper also carries the sanitizer options
# the suite runs with, which engines do not pass on.
eco_setup_file() {
	local name=$1 extra="" p
	suite_setup_file || return 1
	ENG_DIR=$(mktemp -d "$ARGON_TEST_BASE/$name.XXXXXX") || return 1
	chmod 755 "$ENG_DIR"
	mkdir -p "$ENG_DIR/rt"
	[ "${2-}" != root ] || extra="--root '$ENG_DIR/rt'"
	: >"$ENG_DIR/calls"
	ENG_RT="$ENG_DIR/argon-runtime"
	cat >"$ENG_RT" <<-EOF
		#!/bin/sh
		# The runtime under test as $name calls it (see ecosystem_helpers.bash).
		printf '%s\n' "\$*" >>'$ENG_DIR/calls'
		export ASAN_OPTIONS='${ASAN_OPTIONS-}' UBSAN_OPTIONS='${UBSAN_OPTIONS-}'
		exec '$RUNTIME' $extra "\$@"
	EOF
	chmod 755 "$ENG_RT"
	ENG_CGROUP="$(basename "$ARGON_TEST_BASE")-$name"
	ECO_NAME=$name
	ENG_IMAGE_ROOTFS="$ARGON_PRISTINE/rootfs"
	ECO_MACHINE_NET=$(machine_net_state)
	ECO_HOST_BEFORE=""
	for p in ${ECO_HOST_PATHS-}; do
		[ -e "$p" ] && ECO_HOST_BEFORE+="$p "
	done
	export ENG_DIR ENG_RT ENG_CGROUP ENG_IMAGE_ROOTFS ECO_NAME ECO_MACHINE_NET ECO_HOST_BEFORE
}

# Removes ENG_CGROUP (and the cgroups in it) from every hierarchy; prints
# the ones that still had processes.
eco_remove_cgroups() {
	local d
	for d in $(find /sys/fs/cgroup -maxdepth 2 -type d -name "$ENG_CGROUP" 2>/dev/null); do
		find "$d" -name cgroup.procs -exec sh -c 'grep -q . "$1" && echo "${1%/cgroup.procs}"' _ {} \;
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}

eco_teardown_file() {
	local problems="" left p now
	# conmon's exit command (`podman container cleanup`) and a shim end a
	# moment after the container.
	retry 50 0.1 eval '[ -z "$(pids_of "$ENG_DIR")" ]' || true
	left=$(procs_of "$ENG_DIR")
	if [ -n "$left" ]; then
		problems+="processes left: $left"$'\n'
		for p in $(cut -d' ' -f1 <<<"$left"); do kill -9 "$p" 2>/dev/null; done
		sleep 0.2
	fi
	if [ -n "$(mounts_mentioning "$ENG_DIR")" ]; then
		problems+="mounts left: $(mounts_mentioning "$ENG_DIR" | awk '{print $5}')"$'\n'
		mounts_mentioning "$ENG_DIR" | awk '{print $5}' | sort -r |
			while read -r p; do umount -l "$p" 2>/dev/null; done
	fi
	left=$(eco_remove_cgroups)
	[ -z "$left" ] || problems+="cgroups with processes left: $left"$'\n'
	for p in ${ECO_HOST_PATHS-}; do
		[[ " $ECO_HOST_BEFORE" == *" $p "* ]] && continue
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			rmdir "$p" 2>/dev/null
		else
			rm -f "$p"
		fi
	done
	# ECO_CALLS_OUT=DIR keeps the record of the engine's calls (docs/integration.md).
	if [ -n "${ECO_CALLS_OUT-}" ]; then
		eco_calls_reset
		mask_ids <"$ENG_DIR/calls.all" >"$ECO_CALLS_OUT/$ECO_NAME.calls"
	fi
	now=$(machine_net_state)
	[ "$now" == "$ECO_MACHINE_NET" ] ||
		problems+="this machine's network configuration changed: $(diff <(echo "$ECO_MACHINE_NET") <(echo "$now"))"$'\n'
	rm -rf "$ENG_DIR"
	suite_teardown_file
	[ -z "$problems" ] || { echo "teardown: $problems" >&2; return 1; }
}

# Container IDs (64 hex digits) shown as ID.
mask_ids() {
	sed -E 's/[0-9a-f]{64}/ID/g'
}

# The runtime calls recorded since the last eco_calls_reset, IDs masked.
eco_calls() {
	mask_ids <"$ENG_DIR/calls"
}

eco_calls_reset() {
	cat "$ENG_DIR/calls" >>"$ENG_DIR/calls.all"
	: >"$ENG_DIR/calls"
}

# assert_called VERB...: each VERB was the command of some recorded call.
assert_called() {
	local verb calls
	calls=$(eco_calls)
	for verb in "$@"; do
		grep -Eq "(^| )$verb( |$)" <<<"$calls" ||
			fail "the engine never called \`$verb\`; its calls: $calls"
	done
}

# ---------------------------------------------------------------- cgroups

# cgroup_file PID CONTROLLER V1FILE V2FILE: the path of a control file of
# the cgroup of PID: the v1 hierarchy of CONTROLLER when it is mounted,
# else the unified one.
cgroup_file() {
	local pid=$1 ctl=$2 v1=$3 v2=$4 path mnt
	path=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" "/proc/$pid/cgroup" | cut -d: -f3-)
	if [ -n "$path" ] && [ -e "/sys/fs/cgroup/$ctl$path/$v1" ]; then
		echo "/sys/fs/cgroup/$ctl$path/$v1"
		return
	fi
	path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	echo "$mnt$path/$v2"
}

# cgroup_frozen PID: "yes" when the cgroup of PID is frozen, else "no".
cgroup_frozen() {
	local f
	f=$(cgroup_file "$1" freezer freezer.state cgroup.freeze)
	case $(cat "$f") in
	FROZEN | 1) echo yes ;;
	*) echo no ;;
	esac
}

# cgroup_memory_limit PID: the memory limit of the cgroup of PID, in bytes.
cgroup_memory_limit() {
	cat "$(cgroup_file "$1" memory memory.limit_in_bytes memory.max)"
}
