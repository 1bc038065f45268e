#!/usr/bin/env bats
# `spec`, `features`, `--version`.

load helpers

@test "spec: writes a config.json that parses and runs with new args" {
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && "$RUNTIME" spec) || fail "spec failed"
	run jget '[d["ociVersion"] != "", d["root"]["path"], d["process"]["cwd"], len(d["process"]["args"]) > 0]' <"$BUNDLE/config.json"
	assert_success
	assert_eq "$output" '[true, "rootfs", "/", true]'
	# Run it as written, only the process changed.
	cfg process.terminal=false
	set_args argon-testinit exit 5
	run rt_run
	assert_status 5
}

@test "spec --bundle: writes into the given directory" {
	mkdir "$TMP/other"
	"$RUNTIME" spec --bundle "$TMP/other"
	[ -s "$TMP/other/config.json" ] || fail "no config.json written"
	jget 'd["process"]["args"]' <"$TMP/other/config.json" >/dev/null
}

@test "spec: the default namespaces, mounts and masks" {
	rm "$BUNDLE/config.json"
	"$RUNTIME" spec --bundle "$BUNDLE"
	run jget 'sorted(n["type"] for n in d["linux"]["namespaces"])' <"$BUNDLE/config.json"
	assert_success
	local ns
	for ns in pid network ipc uts mount; do
		assert_contains "$output" "\"$ns\""
	done
	refute_contains "$output" '"user"'
	run jget '[m["destination"] for m in d["mounts"]]' <"$BUNDLE/config.json"
	for m in /proc /dev /dev/pts /sys; do
		assert_contains "$output" "\"$m\""
	done
	run jget 'd["linux"]["maskedPaths"] + d["linux"]["readonlyPaths"]' <"$BUNDLE/config.json"
	assert_contains "$output" /proc/kcore
	assert_contains "$output" /proc/sys
}

@test "spec: refuses to overwrite an existing config.json" {
	echo '{"keep":"me"}' >"$BUNDLE/config.json"
	run "$RUNTIME" spec --bundle "$BUNDLE"
	assert_failure
	assert_eq "$(cat "$BUNDLE/config.json")" '{"keep":"me"}'
}

@test "spec --rootless: a user namespace with mappings of the caller" {
	rm "$BUNDLE/config.json"
	"$RUNTIME" spec --rootless --bundle "$BUNDLE"
	run jget '[sorted(n["type"] for n in d["linux"]["namespaces"]), d["linux"]["uidMappings"][0]["containerID"], d["linux"]["uidMappings"][0]["hostID"], d["linux"]["uidMappings"][0]["size"]]' <"$BUNDLE/config.json"
	assert_success
	assert_contains "$output" '"user"'
	assert_contains "$output" "0, $(id -u), 1]"
}

@test "features: JSON with the OCI version range" {
	run "$RUNTIME" features
	assert_success
	local min max
	min=$(jget 'd["ociVersionMin"]' <<<"$output")
	max=$(jget 'd["ociVersionMax"]' <<<"$output")
	[[ $min =~ ^1\.[0-9]+\.[0-9]+ ]] || fail "ociVersionMin $min"
	[[ $max =~ ^1\.[0-9]+\.[0-9]+ ]] || fail "ociVersionMax $max"
	run jget '[h in d["hooks"] for h in ["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]]' <<<"$output"
	assert_eq "$output" '[true, true, true, true, true, true]'
	run "$RUNTIME" features
	run jget '[n in d["linux"]["namespaces"] for n in ["pid","network","ipc","uts","mount","user"]]' <<<"$output"
	assert_eq "$output" '[true, true, true, true, true, true]'
}

@test "--version: prints a version and the spec version" {
	run "$RUNTIME" --version
	assert_success
	assert_contains "${lines[0]}" "version"
	assert_contains "$output" "spec: 1."
	if is_argon; then
		assert_contains "${lines[0]}" argon
	fi
}
