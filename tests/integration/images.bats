#!/usr/bin/env bats
# argon's images: import (OCI layout and docker save, directories and tars,
# gzip and zstd layers), images / image inspect, layers shared between
# images, digest checks, a killed import, rmi and tag, hostile layers and
# whiteouts. Images are made by mkimage; the store is AROOT ($TMP/argon).

load helpers
load storage_helpers

setup_file() { storage_setup_file; }
teardown_file() { storage_teardown_file; }
setup() { storage_setup; }
teardown() { storage_teardown; }

# A small tree: etc/os-name, data/one, data/sub/two.
small_tree() {
	mkdir -p "$1/etc" "$1/data/sub"
	echo "${2:-small}" >"$1/etc/os-name"
	echo one >"$1/data/one"
	echo two >"$1/data/sub/two"
}

# info FILE EXPR: a field of mkimage's JSON.
info() {
	jget "$2" <"$1"
}

busybox_id() {
	info "$SFILE/busybox.json" 'd["id"]'
}

busybox_diff_id() {
	info "$SFILE/busybox.json" 'd["diff_ids"][0]'
}

# The busybox layer as imported must be the pristine tree's busybox.
assert_busybox_layer() { # assert_busybox_layer DIFF_ID
	local dir
	dir=$(layer_dir "$1")
	[ -d "$dir" ] || fail "no layer dir $dir: $(layer_entries)"
	cmp -s "$dir/bin/busybox" "$BUSYBOX" || fail "bin/busybox in $dir differs from $BUSYBOX"
	[ "$(readlink "$dir/bin/sh")" == busybox ] || fail "bin/sh: $(ls -l "$dir/bin/sh")"
	assert_eq "$(stat -c %a "$dir/tmp")" 1777 "mode of /tmp in the layer"
}

# ---------------------------------------------------------------- import

@test "import: an OCI image layout directory" {
	run --separate-stderr argon import "$SFILE/busybox"
	assert_success
	assert_eq "$output" "Loaded image: busybox:latest"
	run argon image inspect busybox:latest
	assert_success
	assert_eq "$(jget 'd[0]["Id"]' <<<"$output")" "$(busybox_id)"
	assert_busybox_layer "$(busybox_diff_id)"
}

@test "import: an OCI image layout tar" {
	mkimage oci-tar "$TMP/bb.tar" --layer "$ARGON_PRISTINE/rootfs" --name bb:tar \
		--cmd "$BUSYBOX_CMD" >"$TMP/bb.json"
	run --separate-stderr argon import "$TMP/bb.tar"
	assert_success
	assert_eq "$output" "Loaded image: bb:tar"
	run argon image inspect bb:tar
	assert_eq "$(jget 'd[0]["Id"]' <<<"$output")" "$(info "$TMP/bb.json" 'd["id"]')"
	assert_busybox_layer "$(info "$TMP/bb.json" 'd["diff_ids"][0]')"
	# The unpacked archive was only a stage.
	[ -z "$(ls -A "$AROOT/tmp")" ] || fail "left in $AROOT/tmp: $(ls -A "$AROOT/tmp")"
}

@test "import: a docker save tar" {
	mkimage docker-tar "$TMP/bb.tar" --layer "$ARGON_PRISTINE/rootfs" --name bb:docker \
		--cmd "$BUSYBOX_CMD" >"$TMP/bb.json"
	run --separate-stderr argon import "$TMP/bb.tar"
	assert_success
	assert_eq "$output" "Loaded image: bb:docker"
	run argon image inspect bb:docker
	assert_eq "$(jget 'd[0]["Id"]' <<<"$output")" "$(info "$TMP/bb.json" 'd["id"]')"
	assert_eq "$(jget 'd[0]["Config"]["Cmd"]' <<<"$output")" '["echo", "hello from busybox"]'
	assert_busybox_layer "$(info "$TMP/bb.json" 'd["diff_ids"][0]')"
}

@test "import: a docker save directory" {
	mkimage docker "$TMP/bb" --layer "$ARGON_PRISTINE/rootfs" --name bb:dir >"$TMP/bb.json"
	run --separate-stderr argon import "$TMP/bb"
	assert_success
	assert_eq "$output" "Loaded image: bb:dir"
	assert_busybox_layer "$(info "$TMP/bb.json" 'd["diff_ids"][0]')"
}

@test "import: gzip layers are checked by blob digest and stored by diff_id" {
	mkimage oci "$TMP/gz" --layer "$ARGON_PRISTINE/rootfs" --compress gzip --name bb:gz \
		>"$TMP/gz.json"
	local blob diff
	blob=$(info "$TMP/gz.json" 'd["blobs"][0]')
	diff=$(info "$TMP/gz.json" 'd["diff_ids"][0]')
	[ "$blob" != "$diff" ] || fail "the gzip blob is the plain tar?"
	head -c 2 "$TMP/gz/blobs/sha256/${blob#sha256:}" | od -An -tx1 | grep -q '1f 8b' ||
		fail "blob is not gzip"
	run --separate-stderr argon import "$TMP/gz"
	assert_success
	run argon image inspect bb:gz
	assert_eq "$(jget 'd[0]["RootFS"]["Layers"]' <<<"$output")" "[\"$diff\"]"
	assert_eq "$diff" "$(busybox_diff_id)" "the same tree, the same diff_id"
	assert_busybox_layer "$diff"
}

@test "import: zstd layers" {
	skip_unless_zstd
	mkimage oci "$TMP/zst" --layer "$ARGON_PRISTINE/rootfs" --compress zstd --name bb:zstd \
		>"$TMP/zst.json"
	local blob diff
	blob=$(info "$TMP/zst.json" 'd["blobs"][0]')
	diff=$(info "$TMP/zst.json" 'd["diff_ids"][0]')
	head -c 4 "$TMP/zst/blobs/sha256/${blob#sha256:}" | od -An -tx1 | grep -q '28 b5 2f fd' ||
		fail "blob is not zstd"
	run --separate-stderr argon import "$TMP/zst"
	assert_success
	assert_eq "$output" "Loaded image: bb:zstd"
	run argon image inspect bb:zstd
	assert_eq "$(jget 'd[0]["RootFS"]["Layers"]' <<<"$output")" "[\"$diff\"]"
	assert_busybox_layer "$diff"
}

@test "import: NAME:TAG names the image instead of the archive's name" {
	run --separate-stderr argon import "$SFILE/busybox" mine:v2
	assert_success
	assert_eq "$output" "Loaded image: mine:v2"
	run argon images --format json
	assert_success
	assert_eq "${#lines[@]}" 1 "rows"
	assert_eq "$(jget 'd["Repository"] + ":" + d["Tag"]' <<<"${lines[0]}")" mine:v2
	run --separate-stderr argon image inspect busybox:latest
	assert_status 1
	assert_contains "$stderr" "no such image"
}

@test "import: an image without a name is loaded by ID" {
	small_tree "$TMP/t"
	mkimage oci "$TMP/img" --layer "$TMP/t" --cmd '["true"]' >"$TMP/img.json"
	run --separate-stderr argon import "$TMP/img"
	assert_success
	assert_eq "$output" "Loaded image ID: $(info "$TMP/img.json" 'd["id"]')"
	run argon images
	[[ ${lines[1]} =~ ^\<none\>\ +\<none\>\ + ]] || fail "row: ${lines[1]}"
}

@test "import: a name taken by a new image removes the old one, unused and untagged" {
	small_tree "$TMP/one" one
	small_tree "$TMP/two" two
	mkimage oci "$TMP/one.img" --layer "$TMP/one" --name x:1 >"$TMP/one.json"
	mkimage oci "$TMP/two.img" --layer "$TMP/two" --name x:1 >"$TMP/two.json"
	argon import -q "$TMP/one.img"
	argon import -q "$TMP/two.img"
	assert_eq "$(argon images -q)" "$(info "$TMP/two.json" 'd["id"][7:19]')"
	[ ! -e "$(layer_dir "$(info "$TMP/one.json" 'd["diff_ids"][0]')")" ] ||
		fail "the old image's layer is left"
	assert_eq "$(count_layer_dirs)" 1 "layer dirs"
	# Re-importing the same image changes nothing.
	run --separate-stderr argon import "$TMP/two.img"
	assert_success
	assert_eq "$output" "Loaded image: x:1"
	assert_eq "$(count_layer_dirs)" 1 "layer dirs after a second import"
}

# ---------------------------------------------------------------- listing

@test "images: docker's table headers and a row" {
	import_busybox
	run --separate-stderr argon images
	assert_success
	assert_eq "${#lines[@]}" 2 "lines"
	[[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] ||
		fail "header: ${lines[0]}"
	local short
	short=$(busybox_id)
	short=${short:7:12}
	[[ ${lines[1]} =~ ^busybox\ +latest\ +$short\ +[A-Za-z0-9\ ]+\ ago\ +[0-9.]+(B|kB|MB)$ ]] ||
		fail "row: ${lines[1]}"
	# The columns line up under the headers.
	local col
	col=$(awk 'NR == 1 {print index($0, "IMAGE ID")}' <<<"$output")
	assert_eq "${lines[1]:col-1:12}" "$short" "IMAGE ID column"
	run argon images -q
	assert_eq "$output" "$short"
}

@test "images --format json: one object per tag with docker's fields" {
	import_busybox
	argon tag busybox other:1
	run --separate-stderr argon images --format json
	assert_success
	assert_eq "${#lines[@]}" 2 "rows"
	local id line
	id=$(busybox_id)
	for line in "${lines[@]}"; do
		assert_eq "$(jget 'd["ID"]' <<<"$line")" "${id:7:12}"
		assert_eq "$(jget 'sorted(d)' <<<"$line")" \
			'["Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"]'
		[[ $(jget 'd["CreatedAt"]' <<<"$line") =~ ^2023-11-14T22:13:20 ]] ||
			fail "CreatedAt (the config's created): $line"
		[[ $(jget 'd["Size"]' <<<"$line") =~ ^[0-9.]+(B|kB|MB)$ ]] || fail "Size: $line"
	done
	assert_eq "$(jget 'd["Repository"] + ":" + d["Tag"]' <<<"${lines[0]}")" busybox:latest
	assert_eq "$(jget 'd["Repository"] + ":" + d["Tag"]' <<<"${lines[1]}")" other:1
}

@test "image inspect: Id, RepoTags, Config, RootFS.Layers, GraphDriver, Size" {
	small_tree "$TMP/top"
	mkimage oci "$TMP/img" --layer "$ARGON_PRISTINE/rootfs" --layer "$TMP/top" \
		--name two:layers --cmd '["sh","-c","true"]' --workdir /data --env A=b >"$TMP/img.json"
	argon import -q "$TMP/img"
	run --separate-stderr argon image inspect two:layers
	assert_success
	local j=$output l0 l1
	l0=$(info "$TMP/img.json" 'd["diff_ids"][0]')
	l1=$(info "$TMP/img.json" 'd["diff_ids"][1]')
	assert_eq "$(jget 'len(d)' <<<"$j")" 1
	assert_eq "$(jget 'd[0]["Id"]' <<<"$j")" "$(info "$TMP/img.json" 'd["id"]')"
	assert_eq "$(jget 'd[0]["RepoTags"]' <<<"$j")" '["two:layers"]'
	assert_eq "$(jget 'd[0]["Config"]["Cmd"]' <<<"$j")" '["sh", "-c", "true"]'
	assert_eq "$(jget 'd[0]["Config"]["WorkingDir"]' <<<"$j")" /data
	assert_eq "$(jget 'd[0]["Config"]["Env"][-1]' <<<"$j")" A=b
	assert_eq "$(jget 'd[0]["Architecture"] + "/" + d[0]["Os"]' <<<"$j")" amd64/linux
	assert_eq "$(jget 'd[0]["RootFS"]' <<<"$j")" "{\"Type\": \"layers\", \"Layers\": [\"$l0\", \"$l1\"]}"
	# Top-most first, as overlayfs' lowerdir.
	assert_eq "$(jget 'd[0]["GraphDriver"]["Data"]["LowerDir"]' <<<"$j")" \
		"$(layer_dir "$l1"):$(layer_dir "$l0")"
	assert_eq "$(cat "$(layer_dir "$l1")/data/sub/two")" two
	local size
	size=$(jget 'd[0]["Size"]' <<<"$j")
	((size >= $(stat -c %s "$BUSYBOX"))) || fail "Size $size is less than busybox alone"
	assert_eq "$(jget 'd[0]["Containers"]' <<<"$j")" 0
	# Several at once, and a missing one fails after printing the others.
	import_busybox
	run --separate-stderr argon image inspect busybox two:layers nosuch:1
	assert_status 1
	assert_eq "$(jget '[i["RepoTags"][0] for i in d]' <<<"$output")" '["busybox:latest", "two:layers"]'
	assert_contains "$stderr" "nosuch:1"
}

@test "import: two images sharing a base layer store it once" {
	small_tree "$TMP/base" base
	small_tree "$TMP/top" top
	mkimage oci "$TMP/a" --layer "$TMP/base" --name a:1 >"$TMP/a.json"
	mkimage oci "$TMP/b" --layer "$TMP/base" --layer "$TMP/top" --name b:1 >"$TMP/b.json"
	# The same base again, gzip-compressed in a docker save tar.
	mkimage docker-tar "$TMP/c.tar" --layer "$TMP/base" --compress gzip --name c:1 \
		--cmd '["c"]' >"$TMP/c.json"
	argon import -q "$TMP/a"
	assert_eq "$(count_layer_dirs)" 1 "layer dirs after a"
	argon import -q "$TMP/b"
	assert_eq "$(count_layer_dirs)" 2 "layer dirs after b"
	argon import -q "$TMP/c.tar"
	assert_eq "$(count_layer_dirs)" 2 "layer dirs after c"
	run argon image inspect a:1 b:1 c:1
	assert_success
	local base
	base=$(info "$TMP/a.json" 'd["diff_ids"][0]')
	assert_eq "$(jget '[i["RootFS"]["Layers"][0] for i in d]' <<<"$output")" \
		"[\"$base\", \"$base\", \"$base\"]"
	assert_eq "$(jget 'len(set(i["Id"] for i in d))' <<<"$output")" 3 "distinct images"
	[ -z "$(find "$AROOT/layers" -mindepth 1 -maxdepth 1 -regextype posix-extended \
		! -regex '.*/[0-9a-f]{64}')" ] ||
		fail "staging left: $(layer_entries)"
}

# ---------------------------------------------------------------- refused

@test "import: a layer blob whose digest does not match is refused, nothing kept" {
	small_tree "$TMP/base"
	small_tree "$TMP/top" top
	mkimage oci "$TMP/bad" --layer "$TMP/base" --layer "$TMP/top" --name bad:1 \
		--corrupt blob >"$TMP/bad.json"
	argon images >/dev/null
	run --separate-stderr argon import "$TMP/bad"
	assert_status 1
	local blob
	blob=$(info "$TMP/bad.json" 'd["blobs"][1]')
	[[ $stderr == "argon: "* ]] || fail "message: $stderr"
	assert_contains "$stderr" "$blob"
	assert_contains "$stderr" "digest mismatch"
	assert_store_empty
}

@test "import: a layer whose diff_id does not match is refused, nothing kept" {
	small_tree "$TMP/base"
	small_tree "$TMP/top" top
	mkimage oci "$TMP/bad" --layer "$TMP/base" --layer "$TMP/top" --name bad:1 \
		--corrupt diffid >"$TMP/bad.json"
	argon images >/dev/null
	run --separate-stderr argon import "$TMP/bad"
	assert_status 1
	assert_contains "$stderr" "diff_id"
	assert_contains "$stderr" "sha256:$(printf 'not the layer' | sha256sum | cut -d' ' -f1)"
	assert_contains "$stderr" "$(info "$TMP/bad.json" 'd["diff_ids"][1]')"
	assert_store_empty
	# The same in a docker save tar, which has no blob digests at all.
	mkimage docker-tar "$TMP/bad.tar" --layer "$TMP/base" --layer "$TMP/top" --name bad:1 \
		--corrupt diffid >/dev/null
	run --separate-stderr argon import "$TMP/bad.tar"
	assert_status 1
	assert_contains "$stderr" "diff_id"
	assert_store_empty
}

@test "import: a config whose digest does not match is refused" {
	small_tree "$TMP/t"
	mkimage oci "$TMP/bad" --layer "$TMP/t" --name bad:1 --corrupt config >"$TMP/bad.json"
	argon images >/dev/null
	run --separate-stderr argon import "$TMP/bad"
	assert_status 1
	assert_contains "$stderr" "$(info "$TMP/bad.json" 'd["config"]')"
	assert_contains "$stderr" "digest mismatch"
	assert_store_empty
}

@test "import: a manifest that is not JSON is refused" {
	small_tree "$TMP/t"
	mkimage oci "$TMP/bad" --layer "$TMP/t" --name bad:1 --corrupt manifest >/dev/null
	argon images >/dev/null
	run --separate-stderr argon import "$TMP/bad"
	assert_status 1
	assert_contains "$stderr" "invalid JSON"
	assert_store_empty
	mkimage docker-tar "$TMP/bad.tar" --layer "$TMP/t" --name bad:1 --corrupt manifest >/dev/null
	run --separate-stderr argon import "$TMP/bad.tar"
	assert_status 1
	assert_contains "$stderr" "manifest.json"
	assert_contains "$stderr" "invalid JSON"
	assert_store_empty
}

@test "import: a directory that is neither an OCI layout nor docker save is refused" {
	small_tree "$TMP/notimage"
	argon images >/dev/null
	run --separate-stderr argon import "$TMP/notimage"
	assert_status 1
	assert_eq "$output" ""
	assert_eq "$(grep -c . <<<"$stderr")" 1 "error lines"
	assert_contains "$stderr" "argon: import \`$TMP/notimage\`"
	assert_contains "$stderr" "neither an OCI image layout"
	assert_contains "$stderr" "docker save"
	assert_store_empty
}

@test "import: a missing path and bad usage" {
	run --separate-stderr argon import "$TMP/nosuch"
	assert_status 1
	assert_contains "$stderr" "$TMP/nosuch"
	assert_contains "$stderr" "No such file or directory"
	run --separate-stderr argon import
	assert_status 125
	run --separate-stderr argon import "$SFILE/busybox" 'Bad Name'
	assert_status 125
	assert_contains "$stderr" "Bad Name"
}

@test "import: a killed import leaves no stage once the next command runs" {
	mkdir "$TMP/big"
	head -c 200M /dev/urandom >"$TMP/big/data"
	mkimage oci-tar "$TMP/big.tar" --layer "$TMP/big" --name big:1 >/dev/null
	rm -rf "$TMP/big"
	argon images >/dev/null
	"$ARGON" --root "$AROOT" import -q "$TMP/big.tar" </dev/null >/dev/null 2>&1 3>&- 4>&- &
	local pid=$! deadline=$((SECONDS + 60)) caught=0
	BG_PIDS+=("$pid")
	# Killed while it extracts the layer: its archive is unpacked in
	# tmp/work-*, the layer half-made in layers/.tmp-*.
	while ((SECONDS < deadline)); do
		if compgen -G "$AROOT/layers/.tmp-*" >/dev/null; then
			caught=1
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	((caught)) || fail "the import was not seen extracting (it ended or hung)"
	compgen -G "$AROOT/tmp/work-*" >/dev/null || fail "no work dir at the kill: $(ls -A "$AROOT/tmp")"
	run --separate-stderr argon images
	assert_success
	assert_eq "${#lines[@]}" 1 "images table lines"
	run ls -A "$AROOT/layers" "$AROOT/tmp"
	refute_contains "$output" .tmp-
	refute_contains "$output" work-
	assert_store_empty
}

# ---------------------------------------------------------------- rmi, tag

@test "rmi: by tag untags, the last tag deletes the image and its layer" {
	import_busybox
	argon tag busybox:latest other:1
	local id layer
	id=$(busybox_id)
	layer=$(layer_dir "$(busybox_diff_id)")
	run --separate-stderr argon rmi busybox
	assert_success
	assert_eq "$output" "Untagged: busybox:latest"
	run argon image inspect other:1
	assert_eq "$(jget 'd[0]["RepoTags"]' <<<"$output")" '["other:1"]'
	[ -d "$layer" ] || fail "layer removed with a tag left"
	run --separate-stderr argon rmi other:1
	assert_success
	assert_eq "$output" "Untagged: other:1"$'\n'"Deleted: $id"
	[ ! -e "$layer" ] || fail "layer kept"
	assert_store_empty
}

@test "rmi: by ID is refused while the image has several tags, -f removes it" {
	import_busybox
	argon tag busybox other:1
	local id
	id=$(busybox_id)
	run --separate-stderr argon rmi "${id:7:12}"
	assert_status 1
	assert_contains "$stderr" "must be forced"
	assert_eq "$(argon images -q | wc -l)" 1
	run argon image inspect "$id"
	assert_eq "$(jget 'd[0]["RepoTags"]' <<<"$output")" '["busybox:latest", "other:1"]'
	run --separate-stderr argon rmi -f "$id"
	assert_success
	assert_line "Untagged: busybox:latest"
	assert_line "Untagged: other:1"
	assert_line "Deleted: $id"
	assert_store_empty
}

@test "rmi: layers another image uses stay, the others go" {
	small_tree "$TMP/base" base
	small_tree "$TMP/top" top
	mkimage oci "$TMP/a" --layer "$TMP/base" --name a:1 >"$TMP/a.json"
	mkimage oci "$TMP/b" --layer "$TMP/base" --layer "$TMP/top" --name b:1 >"$TMP/b.json"
	argon import -q "$TMP/a"
	argon import -q "$TMP/b"
	local base top
	base=$(layer_dir "$(info "$TMP/b.json" 'd["diff_ids"][0]')")
	top=$(layer_dir "$(info "$TMP/b.json" 'd["diff_ids"][1]')")
	run --separate-stderr argon rmi b:1
	assert_success
	assert_line "Deleted: $(info "$TMP/b.json" 'd["id"]')"
	[ ! -e "$top" ] || fail "b's own layer kept"
	[ -d "$base" ] || fail "the shared layer went with b"
	assert_eq "$(cat "$base/etc/os-name")" base
	run --separate-stderr argon rmi a:1
	assert_success
	[ ! -e "$base" ] || fail "the base layer kept after its last image"
	assert_store_empty
}

@test "rmi: refused while a sandbox uses the image, -f untags, layers stay until sandbox rm" {
	import_busybox
	local id layer
	id=$(busybox_id)
	layer=$(layer_dir "$(busybox_diff_id)")
	sb_create busybox
	run argon image inspect busybox
	assert_eq "$(jget 'd[0]["Containers"]' <<<"$output")" 1
	run --separate-stderr argon rmi busybox
	assert_status 1
	assert_contains "$stderr" "busybox"
	assert_contains "$stderr" "container"
	assert_eq "$(argon images -q)" "${id:7:12}"
	run --separate-stderr argon rmi -f busybox
	assert_success
	assert_eq "$output" "Untagged: busybox:latest"
	run argon images
	[[ ${lines[1]} =~ ^\<none\>\ +\<none\>\ +${id:7:12} ]] || fail "untagged image: ${lines[1]}"
	[ -d "$layer" ] || fail "layer removed under a sandbox"
	# The sandbox still works.
	run sb_run "$SB"
	assert_success
	assert_eq "$output" "hello from busybox"
	argon sandbox rm "$SB" >/dev/null
	[ ! -e "$layer" ] || fail "layer kept after the last sandbox"
	assert_store_empty
}

@test "tag: a second name for the same image" {
	import_busybox
	run --separate-stderr argon tag busybox mine:2
	assert_success
	assert_eq "$output" ""
	run --separate-stderr argon image tag mine:2 docker.io/library/third
	assert_success
	run argon image inspect mine:2
	assert_eq "$(jget 'd[0]["Id"]' <<<"$output")" "$(busybox_id)"
	assert_eq "$(jget 'sorted(d[0]["RepoTags"])' <<<"$output")" '["busybox:latest", "mine:2", "third:latest"]'
	assert_eq "$(argon images | grep -c " $(busybox_id | cut -c8-19) ")" 3 "rows"
	run --separate-stderr argon tag nosuch:1 x:1
	assert_status 1
	assert_contains "$stderr" "nosuch:1"
	run --separate-stderr argon tag busybox 'UPPER:bad'
	assert_failure
	assert_contains "$stderr" "UPPER:bad"
}

# ---------------------------------------------------------------- hostile layers

# hostile_import NAME ENTRY-FLAGS...: a one-layer image of a tar crafted by
# `mkimage hostile`, imported into AROOT (status, output and stderr as
# `run --separate-stderr`). Before, a sentinel dir $TMP/sentinel (file
# secret) is made and OUTSIDE records everything outside AROOT.
hostile_import() {
	local name=$1
	shift
	mkdir -p "$TMP/sentinel"
	[ -e "$TMP/sentinel/secret" ] || echo secret >"$TMP/sentinel/secret"
	mkimage hostile "$TMP/$name.tar" "$@"
	mkimage oci "$TMP/$name" --layer-tar "$TMP/$name.tar" --name "hostile:$name" \
		>"$TMP/$name.json"
	argon images >/dev/null
	OUTSIDE=$(outside_snapshot)
	run --separate-stderr argon import "$TMP/$name"
}

# Nothing outside the store changed, the sentinel least of all.
assert_outside_unchanged() {
	local now
	now=$(outside_snapshot)
	[ "$now" == "$OUTSIDE" ] ||
		fail "changed outside $AROOT: $(diff <(echo "$OUTSIDE") <(echo "$now"))"
	assert_eq "$(ls -A "$TMP/sentinel")" secret "sentinel dir"
	assert_eq "$(cat "$TMP/sentinel/secret")" secret
	assert_eq "$(stat -c %h "$TMP/sentinel/secret")" 1 "links to the sentinel file"
}

# The import failed naming the entry, and kept nothing.
assert_refused_entry() { # assert_refused_entry ENTRY
	assert_status 1
	assert_contains "$stderr" "layer entry \`$1\`"
	assert_eq "$(grep -c . <<<"$stderr")" 1 "error lines"
	assert_store_empty
}

@test "hostile layer: a ../ entry" {
	# From the stage (layers/.tmp-X), ../../../ is TMP: the sentinel.
	hostile_import dotdot --file ok --file ../../../sentinel/dotdot
	if [ "$status" -eq 0 ]; then
		# Kept inside: then somewhere in the layer.
		[ -n "$(find "$(layer_dir "$(info "$TMP/dotdot.json" 'd["diff_ids"][0]')")" -name dotdot)" ] ||
			fail "imported, but the entry is not in the layer"
	else
		assert_refused_entry ../../../sentinel/dotdot
		assert_contains "$stderr" "leaves the layer root"
	fi
	assert_outside_unchanged
	[ ! -e "$AROOT/layers/dotdot" ] && [ ! -e "$AROOT/dotdot" ] || fail "escaped into the store"
}

@test "hostile layer: an absolute path entry stays inside the layer" {
	hostile_import abs --file "$TMP/sentinel/abs"
	if [ "$status" -eq 0 ]; then
		local layer
		layer=$(layer_dir "$(info "$TMP/abs.json" 'd["diff_ids"][0]')")
		assert_eq "$(cat "$layer$TMP/sentinel/abs")" hostile "the entry, below the layer"
	else
		assert_refused_entry "$TMP/sentinel/abs"
	fi
	assert_outside_unchanged
}

@test "hostile layer: a symlink out of the layer, then a file written through it" {
	hostile_import symlink --symlink evil "$TMP/sentinel" --file evil/pwned
	if [ "$status" -eq 0 ]; then
		local layer
		layer=$(layer_dir "$(info "$TMP/symlink.json" 'd["diff_ids"][0]')")
		[ ! -L "$layer/evil" ] || fail "evil/pwned imported with evil a symlink"
	else
		assert_refused_entry evil/pwned
		assert_contains "$stderr" symlink
	fi
	assert_outside_unchanged
	[ ! -e "$TMP/sentinel/pwned" ] || fail "written through the symlink"
	# The same with a relative link climbing out of the stage.
	hostile_import symlink2 --symlink evil ../../../sentinel --file evil/pwned
	[ "$status" -ne 0 ] || [ ! -L "$(layer_dir "$(info "$TMP/symlink2.json" 'd["diff_ids"][0]')")/evil" ] ||
		fail "evil/pwned imported through a relative symlink"
	[ "$status" -eq 0 ] || assert_refused_entry evil/pwned
	assert_outside_unchanged
	# A hard link through the symlink.
	hostile_import symlink3 --symlink evil "$TMP/sentinel" --hardlink link evil/secret
	[ "$status" -eq 0 ] || assert_refused_entry link
	assert_outside_unchanged
	# A directory replaced by a symlink, then written into.
	hostile_import symlink4 --dir d --file d/ok --symlink d "$TMP/sentinel" --file d/pwned
	[ "$status" -eq 0 ] || assert_refused_entry d/pwned
	assert_outside_unchanged
}

@test "hostile layer: a hard link to an absolute path outside" {
	hostile_import hlabs --hardlink link "$TMP/sentinel/secret"
	if [ "$status" -eq 0 ]; then
		local layer
		layer=$(layer_dir "$(info "$TMP/hlabs.json" 'd["diff_ids"][0]')")
		[ "$(stat -c %i "$layer/link")" != "$(stat -c %i "$TMP/sentinel/secret")" ] ||
			fail "the layer links the sentinel"
	else
		assert_refused_entry link
		assert_contains "$stderr" "$TMP/sentinel/secret"
	fi
	assert_outside_unchanged
	# /etc/passwd, with a file of that name in the layer: the link is to
	# the layer's file, never the host's.
	local passwd_ino passwd_sum
	passwd_ino=$(stat -c %i /etc/passwd)
	passwd_sum=$(sha256sum </etc/passwd)
	hostile_import hlpasswd --dir etc --file etc/passwd --hardlink link /etc/passwd
	if [ "$status" -eq 0 ]; then
		local layer
		layer=$(layer_dir "$(info "$TMP/hlpasswd.json" 'd["diff_ids"][0]')")
		assert_eq "$(stat -c %i "$layer/link")" "$(stat -c %i "$layer/etc/passwd")" "link inode"
		[ "$(stat -c %i "$layer/link")" != "$passwd_ino" ] || fail "linked to the host's"
		assert_eq "$(cat "$layer/link")" hostile
	else
		assert_refused_entry link
	fi
	assert_eq "$(sha256sum </etc/passwd)" "$passwd_sum" "host /etc/passwd"
	assert_outside_unchanged
}

@test "hostile layer: a hard link to ../x" {
	echo x >"$TMP/x"
	hostile_import hldotdot --file ok --hardlink link ../x
	if [ "$status" -eq 0 ]; then
		local layer
		layer=$(layer_dir "$(info "$TMP/hldotdot.json" 'd["diff_ids"][0]')")
		[ "$(stat -c %i "$layer/link")" != "$(stat -c %i "$TMP/x")" ] || fail "linked ../x"
	else
		assert_refused_entry link
		assert_contains "$stderr" "../x"
	fi
	assert_eq "$(stat -c %h "$TMP/x")" 1 "links to $TMP/x"
	assert_outside_unchanged
}

@test "hostile layer: device numbers out of range" {
	# 2^32+8:0 is 8:0 (sda) when truncated to 32 bits.
	hostile_import dev --dir dev --blk dev/evil 4294967304 0
	if [ "$status" -eq 0 ]; then
		local layer
		layer=$(layer_dir "$(info "$TMP/dev.json" 'd["diff_ids"][0]')")
		[ ! -b "$layer/dev/evil" ] || [ "$(stat -c %t:%T "$layer/dev/evil")" != 8:0 ] ||
			fail "a block device 8:0 made of 2^32+8:0"
	else
		assert_refused_entry dev/evil
		assert_contains "$stderr" "out of range"
	fi
	assert_outside_unchanged
	# Beyond the kernel's 12-bit major.
	hostile_import dev2 --chr evil 4096 1
	if [ "$status" -ne 0 ]; then
		assert_refused_entry evil
		assert_contains "$stderr" "4096"
	fi
	assert_outside_unchanged
}

@test "hostile layer: invalid whiteouts .wh. and .wh.." {
	hostile_import wh1 --file ok --file .wh.
	assert_refused_entry .wh.
	assert_contains "$stderr" whiteout
	assert_outside_unchanged
	hostile_import wh2 --file ok --file .wh..
	assert_refused_entry .wh..
	assert_outside_unchanged
	# ".wh..." would delete "..": the parent of the layer.
	hostile_import wh3 --file ok --file data/.wh...
	assert_refused_entry data/.wh...
	assert_outside_unchanged
	# A whiteout name is not a directory.
	hostile_import wh4 --file .wh.x/y
	assert_refused_entry .wh.x/y
	assert_outside_unchanged
}

@test "hostile archive: paths and symlinks out of the archive are not followed" {
	small_tree "$TMP/t"
	mkimage docker "$TMP/d" --layer "$TMP/t" --name d:1 >"$TMP/d.json"
	local diff
	diff=$(info "$TMP/d.json" 'd["diff_ids"][0][7:]')
	# A valid layer, outside the archive, named by ../ and by its absolute path.
	mkdir "$TMP/outside"
	mv "$TMP/d/$diff/layer.tar" "$TMP/outside/layer.tar"
	argon images >/dev/null
	local ref
	for ref in ../outside/layer.tar "$TMP/outside/layer.tar"; do
		"$PY" -c 'import json, sys
m = json.load(open(sys.argv[1])); m[0]["Layers"] = [sys.argv[2]]
json.dump(m, open(sys.argv[1], "w"))' "$TMP/d/manifest.json" "$ref"
		run --separate-stderr argon import "$TMP/d"
		assert_status 1
		assert_contains "$stderr" "$ref"
		assert_store_empty
	done
	# An OCI tar whose layer blob is a symlink to a valid blob outside.
	mkimage oci "$TMP/o" --layer "$TMP/t" --name o:1 >"$TMP/o.json"
	local blob
	blob=$(info "$TMP/o.json" 'd["blobs"][0][7:]')
	mv "$TMP/o/blobs/sha256/$blob" "$TMP/outside/$blob"
	ln -s "$TMP/outside/$blob" "$TMP/o/blobs/sha256/$blob"
	tar -C "$TMP/o" -cf "$TMP/o.tar" .
	run --separate-stderr argon import "$TMP/o.tar"
	assert_status 1
	assert_contains "$stderr" "blobs/sha256/$blob"
	assert_store_empty
}

# ---------------------------------------------------------------- whiteouts

@test "whiteouts: a deleted file is gone, an opaque dir shows only the top layer" {
	mkdir -p "$TMP/l1/opq" "$TMP/l1/plain" "$TMP/l2/opq" "$TMP/l2/plain"
	echo gone >"$TMP/l1/gone"
	echo keep >"$TMP/l1/keep"
	echo old1 >"$TMP/l1/opq/old1"
	echo old2 >"$TMP/l1/opq/old2"
	echo p1 >"$TMP/l1/plain/p1"
	: >"$TMP/l2/.wh.gone"
	: >"$TMP/l2/opq/.wh..wh..opq"
	echo new >"$TMP/l2/opq/new"
	echo p2 >"$TMP/l2/plain/p2"
	mkimage oci "$TMP/wh" --layer "$ARGON_PRISTINE/rootfs" --layer "$TMP/l1" --layer "$TMP/l2" \
		--name wh:1 --cmd '["sh","-c","ls /opq; echo --; ls /plain; echo --; ls /gone /keep 2>&1; true"]' \
		>"$TMP/wh.json"
	argon import -q "$TMP/wh"
	# In the layer: a 0:0 character device and an opaque directory.
	local l2
	l2=$(layer_dir "$(info "$TMP/wh.json" 'd["diff_ids"][2]')")
	assert_eq "$(stat -c '%F %t:%T' "$l2/gone")" "character special file 0:0"
	[ ! -e "$l2/.wh.gone" ] || fail "the .wh. file itself is in the layer"
	[ ! -e "$l2/opq/.wh..wh..opq" ] || fail "the opaque marker itself is in the layer"
	assert_eq "$("$PY" -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$l2/opq" 2>&1)" y
	sb_create wh:1
	run sb_run "$SB"
	assert_success
	assert_eq "$output" "new
--
p1
p2
--
ls: /gone: No such file or directory
/keep"
	# The mounted root shows the same.
	local rootfs
	rootfs=$(argon sandbox path "$SB")/rootfs
	assert_eq "$(ls "$rootfs/opq")" new
	[ ! -e "$rootfs/gone" ] || fail "/gone visible in the rootfs"
	argon sandbox rm "$SB" >/dev/null
}
