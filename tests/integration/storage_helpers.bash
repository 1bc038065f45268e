# argon's engine storage tests (images.bats, storage.bats): the `argon` CLI
# over a per-test store AROOT ($TMP/argon), images made by mkimage, and
# sandboxes run by the runtime under test with the helpers' state root ROOT.
# Loaded after helpers.bash.
#
# Per file (setup_file): a busybox image (the helpers' pristine rootfs: bin/
# busybox, its applets, argon-testinit, etc/passwd) as an OCI layout dir in
# $SFILE/busybox, its digests in $SFILE/busybox.json.
# Per test: teardown stops the runtime's containers, removes every sandbox
# of AROOT and of the extra stores a test registered (EXTRA_STORES), removes
# the dirs in CLEAN_DIRS, and fails the test when a sandbox, a loop device
# or a mount is left.

ARGON=${ARGON:-$BUILD/argon}
MKIMAGE="$HELPERS_DIR/mkimage"
BUSYBOX_CMD='["echo","hello from busybox"]'

# ---------------------------------------------------------------- commands

# Dirs that may hold prep's stores: a store must be on the file system of
# /usr, since prep hard-links the host's files.
PREP_PARENTS=(/var/tmp /tmp /var/lib /root)

# prep_mktemp TAG: a new dir for a prep store on the file system of /usr,
# named after this run's ARGON_TEST_BASE so that the leak check counts only
# this run's (another run, or one killed, may have left its own); fails
# when no writable dir is there.
prep_mktemp() {
	local dev d
	dev=$(stat -c %d /usr/bin)
	for d in "${PREP_PARENTS[@]}"; do
		if [ -d "$d" ] && [ -w "$d" ] && [ "$(stat -c %d "$d")" == "$dev" ]; then
			mktemp -d "$d/$(basename "$ARGON_TEST_BASE")-$1.XXXXXX"
			return
		fi
	done
	return 1
}

# The prep dirs of this run still there.
prep_dirs_left() {
	find "${PREP_PARENTS[@]}" -maxdepth 1 -name "$(basename "$ARGON_TEST_BASE")-*" 2>/dev/null
}

# argon ARGS...: the CLI on the test's store; no stdin, no bats fds.
argon() {
	"$ARGON" --root "$AROOT" "$@" </dev/null 3>&- 4>&-
}

# argon_at STORE ARGS...: the CLI on another store.
argon_at() {
	local store=$1
	shift
	"$ARGON" --root "$store" "$@" </dev/null 3>&- 4>&-
}

mkimage() {
	"$MKIMAGE" "$@" 3>&- 4>&-
}

# Imports the file's busybox image into AROOT (quietly).
import_busybox() {
	argon import -q "$SFILE/busybox" >/dev/null ||
		fail "import of the busybox image failed: $(argon import "$SFILE/busybox" 2>&1)"
}

skip_unless_zstd() {
	command -v zstd >/dev/null || skip "no zstd program to make zstd layers (apt-get install zstd)"
}

# ---------------------------------------------------------------- sandboxes

# sb_create [--store DIR] [CREATE-FLAGS...] IMAGE [CMD...]: sets SB to the
# new sandbox's ID (no subshell, so that SB survives).
sb_create() {
	local store=$AROOT out
	if [ "$1" == --store ]; then
		store=$2
		shift 2
	fi
	if ! out=$(argon_at "$store" sandbox create "$@" 2>"$TMP/sb.err"); then
		echo "argon sandbox create $* failed: $(cat "$TMP/sb.err")" >&2
		return 1
	fi
	[[ $out =~ ^[0-9a-f]{64}$ ]] || { echo "sandbox create printed \`$out\`" >&2; return 1; }
	SB=$out
}

# sb_run [--store DIR] ID: runs the sandbox's bundle in the foreground with
# the runtime under test (a fresh container name each time), stdout and
# stderr together; killed after 60 s.
SB_RUNS=0
sb_run() {
	local store=$AROOT bundle
	if [ "$1" == --store ]; then
		store=$2
		shift 2
	fi
	bundle=$(argon_at "$store" sandbox path "$1") || return 1
	SB_RUNS=$((SB_RUNS + 1))
	timeout -k 5 60 "$RUNTIME" --root "$ROOT" run --bundle "$bundle" "$CID-$SB_RUNS" \
		</dev/null 2>&1 3>&- 4>&-
}

# The full IDs of a store's sandboxes.
sandbox_ids() {
	local store=${1:-$AROOT} short
	for short in $(argon_at "$store" sandbox ls 2>/dev/null | awk 'NR > 1 {print $1}'); do
		basename "$(argon_at "$store" sandbox path "$short")"
	done
}

loops_of() {
	losetup -a 2>/dev/null | grep -F -- "$1" || true
}

# The loop devices of STORE, once those being released are gone: the
# kernel detaches an autoclear device when its last user goes, which may
# lag the unmount a little (up to 2 s allowed).
loops_left() {
	local loops_store=$1
	retry 40 0.05 eval '[ -z "$(loops_of "$loops_store")" ]' || true
	loops_of "$loops_store"
}

# ---------------------------------------------------------------- store state

# Entries of AROOT/layers, one a line (dot entries included).
layer_entries() {
	ls -A "$AROOT/layers" 2>/dev/null
}

count_layer_dirs() {
	find "$AROOT/layers" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' | wc -l
}

layer_dir() { # layer_dir sha256:HEX
	echo "$AROOT/layers/${1#sha256:}"
}

# Fails unless the store holds nothing: no image, no layer dir, no staging
# or work dir left by an import.
assert_store_empty() {
	local left
	left=$(layer_entries)
	[ -z "$left" ] || fail "left in $AROOT/layers: $left"
	left=$(ls -A "$AROOT/tmp" 2>/dev/null)
	[ -z "$left" ] || fail "left in $AROOT/tmp: $left"
	left=$(argon images -q)
	[ -z "$left" ] || fail "images listed: $left"
}

# A listing of a tree with its metadata and file checksums: equal listings,
# equal trees.
tree_sum() {
	(
		cd "$1" || exit 1
		find . -printf '%p %y %m %U:%G %n %s %T@ %l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	)
}

# What exists outside the store: everything under TMP but AROOT, with
# metadata (inode link counts and mtimes show a new link or a file made
# and removed again) and checksums. Call after the store exists.
outside_snapshot() {
	find "$TMP" -path "$AROOT" -prune -o -printf '%p %y %m %n %s %T@ %l\n' | LC_ALL=C sort
	find "$TMP" -path "$AROOT" -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum
}

# ---------------------------------------------------------------- setup

storage_setup_file() {
	suite_setup_file || return 1
	[ -x "$ARGON" ] || { echo "no $ARGON: run make first" >&2; return 1; }
	SFILE=$(mktemp -d "$ARGON_TEST_BASE/storage.XXXXXX")
	export SFILE
	chmod 755 "$SFILE"
	"$MKIMAGE" oci "$SFILE/busybox" --layer "$ARGON_PRISTINE/rootfs" --name busybox:latest \
		--cmd "$BUSYBOX_CMD" >"$SFILE/busybox.json" ||
		{ echo "mkimage of the busybox image failed" >&2; return 1; }
}

storage_teardown_file() {
	[ -n "${SFILE-}" ] && rm -rf "$SFILE"
	suite_teardown_file
}

storage_setup() {
	setup_test
	AROOT="$TMP/argon"
	EXTRA_STORES=()
	CLEAN_DIRS=()
	SB=""
}

# Stops containers, removes sandboxes (failing the test when any was left
# or cannot be removed), checks loop devices, then the helpers' teardown.
storage_teardown() {
	local id store problems="" left
	if [ -d "${ROOT-}" ]; then
		for id in $(rt list -q 2>/dev/null); do
			rt delete --force "$id" >/dev/null 2>&1 </dev/null 3>&- 4>&-
		done
	fi
	for store in "$AROOT" "${EXTRA_STORES[@]}"; do
		[ -d "$store" ] || continue
		for id in $(sandbox_ids "$store"); do
			[ "${BATS_TEST_COMPLETED-}" != 1 ] || problems+="sandbox left in $store: $id"$'\n'
			argon_at "$store" sandbox rm -v "$id" >"$TMP/sbrm.out" 2>&1 ||
				problems+="sandbox rm $id: $(cat "$TMP/sbrm.out")"$'\n'
		done
		left=$(loops_left "$store")
		[ -z "$left" ] || problems+="loop devices left: $left"$'\n'
		left=$(mounts_mentioning "$store")
		if [ -n "$left" ]; then
			problems+="mounts left: $left"$'\n'
			awk '{print $5}' <<<"$left" | sort -r | while read -r m; do umount -l "$m"; done
		fi
	done
	for store in "${CLEAN_DIRS[@]}"; do
		rm -rf "$store"
	done
	local rc=0
	teardown_test || rc=1
	[ -z "$problems" ] || { fail "storage teardown: $problems"; return 1; }
	return $rc
}
