# shellcheck shell=bash
# Shared by tests/vm/setup and tests/vm/run-in-vm: where the cache lives and
# how to give up. Sourced, never run.

# Exit status that test harnesses (automake, tests/run, bats helpers) read as
# "skipped": the rig cannot run here, which is not a failure of argon.
VM_SKIP=77

vm_skip() {
	echo "argon-vm: SKIP: $*" >&2
	exit "$VM_SKIP"
}

vm_die() {
	echo "argon-vm: $*" >&2
	exit 125
}

# The cache holds the unpacked kernel, its few modules and the initramfs
# (about 15 MB), so only the first run downloads anything.
vm_cache_dir() {
	if [[ -n ${ARGON_VM_CACHE:-} ]]; then
		echo "$ARGON_VM_CACHE"
	elif [[ $(id -u) == 0 ]]; then
		echo /var/cache/argon-vm
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/argon-vm"
	fi
}
