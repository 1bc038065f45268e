#!/usr/bin/env bats
# argon's containers' storage: sandboxes over images run by the runtime,
# the writable layer, diff, commit, export, the storage cap, volumes, bind
# and tmpfs mounts, a read-only root, and prep (an image of this host's own
# files). The store is AROOT ($TMP/argon); prep's stores live on the file
# system of /usr, since their layers are hard links to the host's files.

load helpers
load storage_helpers

setup_file() {
	storage_setup_file || return 1
	# `argon prep` of this host with the default manifest, once (seconds).
	if ! PREP_BASE=$(prep_mktemp prep); then
		export PREP_SKIP="no writable dir on the file system of /usr for prep's hard links"
		return 0
	fi
	export PREP_BASE
	PREP_ROOT="$PREP_BASE/store"
	export PREP_ROOT
	"$ARGON" --root "$PREP_ROOT" prep -q >"$PREP_BASE/prep.out" 2>"$PREP_BASE/prep.err" \
		</dev/null 3>&- ||
		{ echo "argon prep failed: $(cat "$PREP_BASE/prep.err")" >&2; return 1; }
}

teardown_file() {
	local id
	if [ -n "${PREP_ROOT-}" ] && [ -d "$PREP_ROOT" ]; then
		for id in $(sandbox_ids "$PREP_ROOT"); do
			"$ARGON" --root "$PREP_ROOT" sandbox rm -v "$id" >/dev/null 2>&1 </dev/null
		done
	fi
	[ -n "${PREP_BASE-}" ] && rm -rf "$PREP_BASE"
	storage_teardown_file
}

setup() { storage_setup; }
teardown() { storage_teardown; }

skip_unless_prep() {
	[ -z "${PREP_SKIP-}" ] || skip "$PREP_SKIP"
}

# The layer dir of a store's image (its one or last layer).
image_top_layer() { # image_top_layer STORE IMAGE
	local j
	j=$(argon_at "$1" image inspect "$2") || return 1
	echo "$1/layers/$(jget 'd[0]["RootFS"]["Layers"][-1][7:]' <<<"$j")"
}

busybox_id() {
	jget 'd["id"]' <"$SFILE/busybox.json"
}

# The sandbox's writable dir (uncapped sandboxes).
upper_of() {
	echo "$(argon sandbox path "$1")/upper"
}

# ---------------------------------------------------------------- sandbox and run

@test "sandbox: the runtime runs the image's CMD in it" {
	import_busybox
	sb_create busybox
	local dir
	dir=$(argon sandbox path "$SB")
	assert_eq "$dir" "$AROOT/containers/$SB"
	[ -f "$dir/config.json" ] || fail "no config.json in $dir"
	mountpoint -q "$dir/rootfs" || fail "rootfs is not mounted"
	run argon sandbox ls
	[[ ${lines[1]} =~ ^${SB:0:12}\ +argon_${SB:0:12}\ +$(busybox_id | cut -c8-19)\ +-\ +yes\ +$dir$ ]] ||
		fail "sandbox ls row: ${lines[1]}"
	run sb_run "$SB"
	assert_success
	assert_eq "$output" "hello from busybox"
	run argon sandbox rm "$SB"
	assert_success
	assert_eq "$output" "$SB"
	[ ! -e "$dir" ] || fail "$dir left"
	assert_eq "$(argon sandbox ls | wc -l)" 1 "sandbox ls lines"
}

@test "sandbox: arguments replace the image's CMD" {
	import_busybox
	sb_create busybox sh -c 'echo "args: $0 $1"' one two
	run sb_run "$SB"
	assert_success
	assert_eq "$output" "args: one two"
	argon sandbox rm "$SB" >/dev/null
}

@test "sandbox: -e, -w, -u, -h and --entrypoint reach the process" {
	import_busybox
	sb_create -e FOO=bar -w /tmp -u 1000:1000 -h boxhost --entrypoint /bin/sh busybox \
		-c 'echo "$FOO $(pwd) $(id -u):$(id -g) $(hostname)"'
	run sb_run "$SB"
	assert_success
	assert_eq "$output" "bar /tmp 1000:1000 boxhost"
	argon sandbox rm "$SB" >/dev/null
}

@test "sandbox: a missing image is refused and leaves nothing" {
	import_busybox
	run --separate-stderr argon sandbox create nosuch:1
	assert_status 1
	assert_contains "$stderr" "nosuch:1"
	assert_eq "$output" ""
	assert_eq "$(ls -A "$AROOT/containers")" "" "containers dir"
	assert_eq "$(argon sandbox ls | wc -l)" 1 "sandbox ls lines"
	run --separate-stderr argon sandbox create --storage-size lots busybox
	assert_status 125
	assert_contains "$stderr" lots
}

@test "sandbox: names are unique, rm takes a name" {
	import_busybox
	sb_create --name web busybox
	run --separate-stderr argon sandbox create --name web busybox
	assert_status 1
	assert_contains "$stderr" "web"
	assert_contains "$stderr" "in use"
	assert_eq "$(ls "$AROOT/containers")" "$SB" "containers dir"
	run argon sandbox rm web
	assert_success
	[ ! -e "$AROOT/containers/$SB" ] || fail "sandbox dir left"
}

@test "sandbox: umount and mount again" {
	import_busybox
	sb_create busybox
	local dir
	dir=$(argon sandbox path "$SB")
	argon sandbox umount "$SB"
	! mountpoint -q "$dir/rootfs" || fail "still mounted"
	[ -z "$(mounts_mentioning "$dir")" ] || fail "mounts left: $(mounts_mentioning "$dir")"
	run argon sandbox mount "$SB"
	assert_success
	assert_eq "$output" "$dir/rootfs"
	run sb_run "$SB"
	assert_eq "$output" "hello from busybox"
	argon sandbox rm "$SB" >/dev/null
}

# ---------------------------------------------------------------- the writable layer

@test "sandbox: writes land in the sandbox's upper, never in the layer" {
	import_busybox
	local layer before
	layer=$(image_top_layer "$AROOT" busybox)
	before=$(tree_sum "$layer")
	sb_create busybox sh -c 'echo new >/newfile; echo more >>/etc/passwd; rm /bin/ls; chmod 700 /home'
	run sb_run "$SB"
	assert_success
	assert_eq "$(tree_sum "$layer")" "$before" "the layer after the container"
	local upper
	upper=$(upper_of "$SB")
	assert_eq "$(cat "$upper/newfile")" new
	assert_eq "$(tail -1 "$upper/etc/passwd")" more
	assert_eq "$(stat -c '%F %t:%T' "$upper/bin/ls")" "character special file 0:0" "whiteout of /bin/ls"
	assert_eq "$(stat -c %a "$upper/home")" 700
	[ -L "$layer/bin/ls" ] || fail "the layer lost bin/ls"
	argon sandbox rm "$SB" >/dev/null
}

@test "diff: A, C and D for what a container changed" {
	import_busybox
	sb_create busybox sh -c 'touch /added; echo x >>/etc/passwd; rm /bin/ls
		mkdir /newdir; echo f >/newdir/f; rm -r /home/user'
	run sb_run "$SB"
	assert_success
	run --separate-stderr argon diff "$SB"
	assert_success
	local want
	want=$(printf '%s\n' "A /added" "C /bin" "D /bin/ls" "C /etc" "C /etc/passwd" \
		"C /home" "D /home/user" "A /newdir" "A /newdir/f" | LC_ALL=C sort)
	assert_eq "$(LC_ALL=C sort <<<"$output")" "$want"
	# Parents before children.
	local l seen=""
	for l in "${lines[@]}"; do
		case ${l#? } in
		/newdir/f) [[ $seen == *"A /newdir;"* ]] || fail "/newdir/f before /newdir: $output" ;;
		/bin/ls) [[ $seen == *"C /bin;"* ]] || fail "/bin/ls before /bin: $output" ;;
		esac
		seen+="$l;"
	done
	argon sandbox rm "$SB" >/dev/null
}

@test "commit: a new container of the committed image sees the changes" {
	import_busybox
	sb_create busybox sh -c 'echo hello >/hello; rm /bin/ls'
	run sb_run "$SB"
	assert_success
	run --separate-stderr argon commit "$SB" committed:1
	assert_success
	local id=$output
	[[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || fail "commit printed \`$id\`"
	argon sandbox rm "$SB" >/dev/null
	run argon image inspect committed:1
	assert_success
	assert_eq "$(jget 'd[0]["Id"]' <<<"$output")" "$id"
	assert_eq "$(jget 'len(d[0]["RootFS"]["Layers"])' <<<"$output")" 2 "layers"
	assert_eq "$(jget 'd[0]["RootFS"]["Layers"][0]' <<<"$output")" \
		"$(jget 'd["diff_ids"][0]' <"$SFILE/busybox.json")" "base layer"
	assert_eq "$(jget 'd[0]["Config"]["Cmd"]' <<<"$output")" '["echo", "hello from busybox"]'
	sb_create committed:1 sh -c 'cat /hello; ls /bin/ls 2>&1; true'
	run sb_run "$SB"
	assert_success
	assert_eq "$output" "hello
ls: /bin/ls: No such file or directory"
	argon sandbox rm "$SB" >/dev/null
	# The image's own CMD, kept by the commit.
	sb_create committed:1
	run sb_run "$SB"
	assert_eq "$output" "hello from busybox"
	argon sandbox rm "$SB" >/dev/null
}

@test "export: a tar of the container's root with its changes" {
	import_busybox
	sb_create busybox sh -c 'echo exported >/exported; rm /bin/ls'
	run sb_run "$SB"
	assert_success
	run --separate-stderr argon export -o "$TMP/out.tar" "$SB"
	assert_success
	assert_eq "$output" ""
	run tar -tf "$TMP/out.tar"
	assert_success
	local list=$output
	grep -qxE '(\./)?exported' <<<"$list" || fail "no exported in: $list"
	grep -qxE '(\./)?bin/busybox' <<<"$list" || fail "no bin/busybox in the export"
	! grep -qxE '(\./)?bin/ls' <<<"$list" || fail "bin/ls, deleted, is in the export"
	assert_eq "$(tar -xOf "$TMP/out.tar" "$(grep -xE '(\./)?exported' <<<"$list")")" exported
	# To stdout: the same files.
	argon export "$SB" >"$TMP/out2.tar"
	assert_eq "$(tar -tf "$TMP/out2.tar" | sort)" "$(sort <<<"$list")"
	argon sandbox rm "$SB" >/dev/null
}

# ---------------------------------------------------------------- the storage cap

# A capped sandbox that ran a container and was unmounted again.
unmounted_capped_sandbox() {
	import_busybox
	sb_create --storage-size 16m busybox sh -c 'echo hi >/hi; rm /bin/ls'
	run sb_run "$SB"
	assert_success
	argon sandbox umount "$SB"
	assert_eq "$(mounts_mentioning "$AROOT")" "" "mounts after sandbox umount"
	assert_eq "$(loops_left "$AROOT")" "" "loop devices after sandbox umount"
}

@test "diff and export: an unmounted capped sandbox is left unmounted" {
	unmounted_capped_sandbox
	run --separate-stderr argon diff "$SB"
	assert_success
	assert_eq "$output" "C /bin
D /bin/ls
A /hi"
	assert_eq "$(mounts_mentioning "$AROOT")" "" "mounts after diff"
	assert_eq "$(loops_left "$AROOT")" "" "loop devices after diff"
	argon export -o "$TMP/out.tar" "$SB"
	tar -tf "$TMP/out.tar" | grep -qxE '(\./)?hi' || fail "no /hi in the export"
	assert_eq "$(mounts_mentioning "$AROOT")" "" "mounts after export"
	assert_eq "$(loops_left "$AROOT")" "" "loop devices after export"
	argon sandbox rm "$SB" >/dev/null
}

@test "commit: an unmounted capped sandbox is left unmounted" {
	unmounted_capped_sandbox
	run --separate-stderr argon commit "$SB" committed:1
	assert_success
	local m l
	m=$(mounts_mentioning "$AROOT")
	l=$(loops_left "$AROOT")
	argon sandbox rm "$SB" >/dev/null
	assert_eq "$m" "" "mounts after commit"
	assert_eq "$l" "" "loop devices after commit"
}

@test "--storage-size: the container gets ENOSPC at the cap, the host does not" {
	import_busybox
	sb_create --storage-size 16m busybox sh -c \
		'dd if=/dev/zero of=/big bs=1M count=64 2>&1; echo "dd=$?"; rm /big; echo small >/small; cat /small'
	[ -n "$(loops_of "$AROOT")" ] || fail "no loop device backs the capped sandbox"
	run sb_run "$SB"
	assert_success
	assert_contains "$output" "No space left on device"
	refute_line "dd=0"
	assert_line small
	# The host's file system next to the store is not full.
	dd if=/dev/zero of="$TMP/hostfile" bs=1M count=4 status=none ||
		fail "a write next to the store failed"
	rm -f "$TMP/hostfile"
	run argon sandbox ls
	[[ ${lines[1]} =~ \ 16.8MB\ +yes\  ]] || fail "sandbox ls: ${lines[1]}"
	argon sandbox rm "$SB" >/dev/null
	assert_eq "$(loops_left "$AROOT")" "" "loop devices after sandbox rm"
	assert_eq "$(mounts_mentioning "$AROOT")" "" "mounts after sandbox rm"
}

@test "sandbox rm: no mounts and no loop devices are left" {
	import_busybox
	argon volume create vol >/dev/null
	sb_create --storage-size 16m -v vol:/v --tmpfs /t -v "$TMP:/h:ro" busybox \
		sh -c 'echo v >/v/f; echo t >/t/f; echo u >/u'
	run sb_run "$SB"
	assert_success
	[ -n "$(mounts_mentioning "$AROOT")" ] || fail "no mount of the sandbox seen"
	[ -n "$(loops_of "$AROOT")" ] || fail "no loop device of the sandbox seen"
	run argon sandbox rm "$SB"
	assert_success
	assert_eq "$(mounts_mentioning "$AROOT")" "" "mounts"
	assert_eq "$(loops_left "$AROOT")" "" "loop devices"
	assert_eq "$(ls -A "$AROOT/containers")" "" "containers dir"
	argon volume rm vol >/dev/null
}

# ---------------------------------------------------------------- volumes and mounts

@test "volumes: a named volume outlives its container" {
	import_busybox
	sb_create -v data:/data busybox sh -c 'echo persisted >/data/f'
	run sb_run "$SB"
	assert_success
	argon sandbox rm "$SB" >/dev/null
	run argon volume ls -q
	assert_eq "$output" data
	local mp
	mp=$(argon volume inspect data | jget 'd[0]["Mountpoint"]')
	assert_eq "$mp" "$AROOT/volumes/data/_data"
	assert_eq "$(cat "$mp/f")" persisted
	sb_create -v data:/data busybox cat /data/f
	run sb_run "$SB"
	assert_success
	assert_eq "$output" persisted
	argon sandbox rm "$SB" >/dev/null
	argon volume rm data >/dev/null
}

@test "volumes: a :ro volume is not writable" {
	import_busybox
	sb_create -v data:/data:ro busybox sh -c 'echo x >/data/f; echo "rc=$?"'
	run sb_run "$SB"
	assert_contains "$output" "Read-only file system"
	assert_line "rc=1"
	[ ! -e "$AROOT/volumes/data/_data/f" ] || fail "written through :ro"
	argon sandbox rm "$SB" >/dev/null
	argon volume rm data >/dev/null
}

@test "bind mount: a host dir is visible and shared" {
	import_busybox
	mkdir "$TMP/host"
	echo from-host >"$TMP/host/f"
	sb_create -v "$TMP/host:/h" busybox sh -c 'cat /h/f; echo from-container >/h/g'
	run sb_run "$SB"
	assert_success
	assert_eq "$output" from-host
	assert_eq "$(cat "$TMP/host/g")" from-container
	[ ! -e "$(upper_of "$SB")/h/g" ] || fail "the write landed in the sandbox"
	argon sandbox rm "$SB" >/dev/null
	[ -f "$TMP/host/g" ] || fail "sandbox rm removed a file of the bind source"
	run --separate-stderr argon sandbox create -v "$TMP/nosuch:/h" busybox
	assert_status 1
	assert_contains "$stderr" "$TMP/nosuch"
}

@test "--tmpfs: a tmpfs at the path" {
	import_busybox
	sb_create --tmpfs /t busybox sh -c 'grep " /t " /proc/mounts; echo x >/t/f && echo wrote'
	run sb_run "$SB"
	assert_success
	[[ ${lines[0]} =~ ^tmpfs\ /t\ tmpfs\  ]] || fail "no tmpfs at /t: $output"
	assert_line wrote
	[ ! -e "$(upper_of "$SB")/t/f" ] || fail "the write landed in the sandbox"
	argon sandbox rm "$SB" >/dev/null
}

@test "--mount: volume, tmpfs with size and mode, read-only bind" {
	import_busybox
	mkdir "$TMP/host"
	echo from-host >"$TMP/host/f"
	sb_create --mount type=volume,source=mv,target=/mv \
		--mount type=tmpfs,target=/mt,tmpfs-size=1m,tmpfs-mode=1770 \
		--mount "type=bind,source=$TMP/host,target=/mb,readonly" busybox sh -c \
		'grep " /mt " /proc/mounts; stat -c %a /mt; cat /mb/f; echo x >/mb/g; echo "bind=$?"
		echo v >/mv/f && echo vol-ok'
	run sb_run "$SB"
	[[ ${lines[0]} =~ ^tmpfs\ /mt\ tmpfs\ .*size=1024k ]] || fail "tmpfs: $output"
	assert_line 1770
	assert_line from-host
	assert_line "bind=1"
	assert_line vol-ok
	[ ! -e "$TMP/host/g" ] || fail "written through a read-only bind"
	assert_eq "$(cat "$AROOT/volumes/mv/_data/f")" v
	argon sandbox rm -v "$SB" >/dev/null
	assert_eq "$(argon volume ls -q)" mv "named volumes outlive sandbox rm -v"
	argon volume rm mv >/dev/null
}

@test "--read-only: the root refuses writes" {
	import_busybox
	sb_create --read-only --tmpfs /t busybox sh -c 'touch /x; echo "root=$?"; touch /t/x; echo "tmpfs=$?"'
	run sb_run "$SB"
	assert_contains "$output" "Read-only file system"
	assert_line "root=1"
	assert_line "tmpfs=0"
	[ ! -e "$(upper_of "$SB")/x" ] || fail "/x written"
	argon sandbox rm "$SB" >/dev/null
}

@test "volume: create, ls, inspect with labels" {
	run --separate-stderr argon volume create --label team=a --label x=y named
	assert_success
	assert_eq "$output" named
	run argon volume create
	assert_success
	local anon=$output
	[[ $anon =~ ^[0-9a-f]{64}$ ]] || fail "an unnamed volume is named \`$anon\`"
	run argon volume ls
	[[ ${lines[0]} =~ ^DRIVER\ +VOLUME\ NAME$ ]] || fail "header: ${lines[0]}"
	assert_eq "${#lines[@]}" 3 "ls lines"
	run argon volume ls --format json
	assert_eq "$(jget 'd["Name"]' <<<"$(grep '"named"' <<<"$output")")" named
	assert_eq "$(jget 'd["Labels"]' <<<"$(grep '"named"' <<<"$output")")" '{"team": "a", "x": "y"}'
	run argon volume inspect named
	assert_success
	assert_eq "$(jget 'd[0]["Mountpoint"]' <<<"$output")" "$AROOT/volumes/named/_data"
	[ -d "$AROOT/volumes/named/_data" ] || fail "no data dir"
	run --separate-stderr argon volume create 'bad/name'
	assert_status 1
	assert_contains "$stderr" "bad/name"
	run argon volume rm named "$anon"
	assert_success
	assert_eq "$(argon volume ls -q)" ""
	[ ! -e "$AROOT/volumes/named" ] || fail "volume dir left"
}

@test "volume rm: refused while a sandbox uses the volume" {
	import_busybox
	sb_create -v data:/data busybox true
	run --separate-stderr argon volume rm data
	assert_status 1
	assert_contains "$stderr" "data"
	assert_contains "$stderr" "in use"
	run --separate-stderr argon volume rm -f data
	assert_status 1
	[ -d "$AROOT/volumes/data/_data" ] || fail "volume dir removed"
	argon sandbox rm "$SB" >/dev/null
	run argon volume rm data
	assert_success
	assert_eq "$output" data
	assert_eq "$(argon volume ls -q)" ""
}

@test "volume prune: unused anonymous volumes only, -a all unused ones" {
	import_busybox
	argon volume create keep >/dev/null
	sb_create -v /anon busybox true
	local sb1=$SB anon
	anon=$(argon volume ls -q | grep -v '^keep$')
	[[ $anon =~ ^[0-9a-f]{64}$ ]] || fail "anonymous volume: $(argon volume ls -q)"
	argon sandbox rm "$sb1" >/dev/null # without -v: the volume stays
	assert_eq "$(argon volume ls -q | grep -c "$anon")" 1 "anonymous volume after sandbox rm"
	sb_create -v inuse:/x -v /anon2 busybox true
	local anon2
	anon2=$(argon volume ls -q | grep -vxE "keep|inuse|$anon")
	# Without -f it asks, and stdin says nothing: nothing goes.
	run argon volume prune
	assert_eq "$(argon volume ls -q | wc -l)" 4 "volumes after an unconfirmed prune"
	run --separate-stderr argon volume prune -f
	assert_success
	assert_eq "${lines[0]}" "Deleted Volumes:"
	[[ ${lines[-1]} =~ ^Total\ reclaimed\ space:\ [0-9.]+(B|kB|MB)$ ]] || fail "last line: ${lines[-1]}"
	assert_line "$anon"
	refute_line keep
	refute_line inuse
	refute_line "$anon2"
	assert_eq "$(argon volume ls -q | sort)" "$(printf '%s\n' "$anon2" inuse keep | sort)"
	[ ! -e "$AROOT/volumes/$anon" ] || fail "pruned volume's dir left"
	run --separate-stderr argon volume prune -f -a
	assert_success
	assert_line keep
	refute_line inuse
	assert_eq "$(argon volume ls -q | sort)" "$(printf '%s\n' "$anon2" inuse | sort)"
	# sandbox rm -v takes its anonymous volumes, not the named ones.
	argon sandbox rm -v "$SB" >/dev/null
	assert_eq "$(argon volume ls -q)" inuse
	argon volume rm inuse >/dev/null
}

# ---------------------------------------------------------------- prep

@test "prep: a container of the host image cannot change the host's files" {
	skip_unless_prep
	EXTRA_STORES+=("$PREP_ROOT")
	local hosts_sum share_sum
	hosts_sum=$(sha256sum </etc/hosts)
	share_sum=$(ls -la --time-style=full-iso /usr/share | sha256sum)
	[ ! -e /usr/share/argon-test-file ] || skip "/usr/share/argon-test-file exists on this host"
	sb_create --store "$PREP_ROOT" host /bin/sh -c \
		'cat /usr/lib/os-release; echo x >> /etc/hosts; echo y > /usr/share/argon-test-file; echo "done=$?"'
	run sb_run --store "$PREP_ROOT" "$SB"
	assert_success
	assert_line "$(head -1 /usr/lib/os-release)"
	assert_line "done=0"
	assert_eq "$(sha256sum </etc/hosts)" "$hosts_sum" "host /etc/hosts"
	assert_eq "$(ls -la --time-style=full-iso /usr/share | sha256sum)" "$share_sum" "host /usr/share"
	[ ! -e /usr/share/argon-test-file ] || fail "the container wrote /usr/share/argon-test-file on the host"
	local upper
	upper="$(argon_at "$PREP_ROOT" sandbox path "$SB")/upper"
	assert_eq "$(cat "$upper/usr/share/argon-test-file")" y
	assert_eq "$(tail -1 "$upper/etc/hosts")" x
	argon_at "$PREP_ROOT" sandbox rm "$SB" >/dev/null
	[ ! -e /usr/share/argon-test-file ] || fail "/usr/share/argon-test-file on the host"
}

@test "prep: the layer's /usr files are hard links to the host's" {
	skip_unless_prep
	local layer
	layer=$(image_top_layer "$PREP_ROOT" host)
	[ -d "$layer/usr/bin" ] || fail "no usr/bin in $layer"
	assert_eq "$(stat -c %d:%i "$layer/usr/bin/env")" "$(stat -c %d:%i /usr/bin/env)" "usr/bin/env"
	assert_eq "$(stat -c %d:%i "$layer/usr/lib/os-release")" "$(stat -c %d:%i /usr/lib/os-release)"
	# /etc files are private copies, never the host's inodes.
	cmp -s "$layer/etc/ld.so.cache" /etc/ld.so.cache || fail "etc/ld.so.cache differs"
	[ "$(stat -c %i "$layer/etc/ld.so.cache")" != "$(stat -c %i /etc/ld.so.cache)" ] ||
		fail "etc/ld.so.cache is the host's inode"
	# Skipped trees are not there.
	[ ! -e "$layer/usr/share/doc" ] || fail "usr/share/doc taken"
	[ ! -e "$layer/var/lib" ] && [ ! -e "$layer/var/log" ] || fail "/var taken: $(ls "$layer/var")"
	run argon_at "$PREP_ROOT" images
	[[ ${lines[1]} =~ ^host\ +latest\  ]] || fail "images: $output"
}

@test "prep: no /etc/shadow in the container, and argon's own /etc/passwd" {
	skip_unless_prep
	EXTRA_STORES+=("$PREP_ROOT")
	[ -e /etc/shadow ] || skip "this host has no /etc/shadow"
	sb_create --store "$PREP_ROOT" host /bin/sh -c \
		'test -e /etc/shadow; echo "shadow=$?"; test -e /etc/gshadow; echo "gshadow=$?"; cat /etc/passwd'
	run sb_run --store "$PREP_ROOT" "$SB"
	assert_success
	assert_line "shadow=1"
	assert_line "gshadow=1"
	assert_eq "${lines[2]%%:*}" root
	[[ ${lines[2]} == root:x:0:0:* ]] || fail "root entry: ${lines[2]}"
	assert_contains "$output" "nobody:"
	# Only the generated entries, not the host's users.
	assert_eq "$(grep -c : <<<"$output")" 2 "passwd entries"
	argon_at "$PREP_ROOT" sandbox rm "$SB" >/dev/null
}

# A prep store of its own on the file system of /usr.
own_prep_store() {
	PSTORE=$(prep_mktemp prep) || skip "no writable dir on the file system of /usr"
	CLEAN_DIRS+=("$PSTORE")
	EXTRA_STORES+=("$PSTORE/store")
	printf 'link /usr/bin\ncopy /etc/debian_version\n' >"$TMP/small.manifest"
}

@test "prep --manifest: only what the manifest takes, linked or copied" {
	own_prep_store
	run --separate-stderr argon_at "$PSTORE/store" prep --manifest "$TMP/small.manifest" small
	assert_success
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]] || fail "prep printed \`$output\`"
	assert_contains "$stderr" "prepared small:latest"
	local layer
	layer=$(image_top_layer "$PSTORE/store" small)
	assert_eq "$(stat -c %d:%i "$layer/usr/bin/env")" "$(stat -c %d:%i /usr/bin/env)" "usr/bin/env"
	cmp -s "$layer/etc/debian_version" /etc/debian_version || fail "debian_version differs"
	[ "$(stat -c %i "$layer/etc/debian_version")" != "$(stat -c %i /etc/debian_version)" ] ||
		fail "a copied file is the host's inode"
	[ ! -e "$layer/usr/lib" ] || fail "usr/lib taken"
	[ ! -e "$layer/etc/ld.so.cache" ] || fail "etc/ld.so.cache taken"
	[ -f "$layer/etc/passwd" ] || fail "no generated etc/passwd"
	run argon_at "$PSTORE/store" prep --print-manifest
	assert_success
	assert_contains "$output" "skip /etc/shadow"
	run --separate-stderr argon_at "$PSTORE/store" prep --manifest "$TMP/nosuch"
	assert_status 1
	assert_contains "$stderr" "$TMP/nosuch"
}

@test "prep: a second prep gives a new image ID, still one host image" {
	own_prep_store
	local s="$PSTORE/store" id1 id2
	id1=$(argon_at "$s" prep -q --manifest "$TMP/small.manifest")
	# (the manifest took no libraries: a static program)
	[ -x /usr/bin/busybox ] || skip "no /usr/bin/busybox (busybox-static) to run in a /usr/bin-only image"
	sb_create --store "$s" host /usr/bin/busybox true
	sleep 1 # the config's created time makes the new ID
	id2=$(argon_at "$s" prep -q --manifest "$TMP/small.manifest")
	[ "$id1" != "$id2" ] || fail "the same image ID twice: $id1"
	run argon_at "$s" images
	assert_eq "$(grep -c '^host ' <<<"$output")" 1 "host rows: $output"
	[[ $output == *" ${id2:7:12} "* ]] || fail "the new image is not listed: $output"
	# The old image stays, untagged, while its sandbox does.
	run argon_at "$s" image inspect "$id1"
	assert_success
	assert_eq "$(jget 'd[0]["RepoTags"]' <<<"$output")" "[]"
	run sb_run --store "$s" "$SB"
	assert_success
	argon_at "$s" sandbox rm "$SB" >/dev/null
	assert_eq "$(argon_at "$s" images -q)" "${id2:7:12}"
	assert_eq "$(find "$s/layers" -mindepth 1 -maxdepth 1 | wc -l)" 1 "layer dirs"
}

@test "prep → export → OCI layout and docker save archives of the host layer import and run" {
	own_prep_store
	[ -x /usr/bin/busybox ] || skip "no /usr/bin/busybox (busybox-static) to run in a /usr/bin-only image"
	local s="$PSTORE/store" fmt
	# One static program: the round trip, not the size of /usr/bin, is tested.
	printf 'link /usr/bin/busybox\ncopy /etc/debian_version\n' >"$TMP/tiny.manifest"
	argon_at "$s" prep -q --manifest "$TMP/tiny.manifest" >/dev/null || fail "prep failed"
	sb_create --store "$s" host /usr/bin/busybox true
	argon_at "$s" export -o "$TMP/host.tar" "$SB" || fail "export failed"
	argon_at "$s" sandbox rm "$SB" >/dev/null
	tar -tf "$TMP/host.tar" | grep -qx 'usr/bin/busybox' || fail "usr/bin/busybox not in the export"
	for fmt in oci-tar docker-tar; do
		mkimage "$fmt" "$TMP/host-$fmt.tar" --layer-tar "$TMP/host.tar" --name "hostcopy:$fmt" \
			--cmd '["/usr/bin/busybox","echo","hello from the host layer"]' >/dev/null ||
			fail "mkimage $fmt failed"
		run --separate-stderr argon import "$TMP/host-$fmt.tar"
		assert_success
		assert_line "Loaded image: hostcopy:$fmt"
		sb_create "hostcopy:$fmt"
		run sb_run "$SB"
		assert_success
		assert_eq "$output" "hello from the host layer"
		argon sandbox rm "$SB" >/dev/null
	done
	# The two archives hold the same layer: stored once.
	assert_eq "$(count_layer_dirs)" 1 "layer dirs"
}
