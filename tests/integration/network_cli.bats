#!/usr/bin/env bats
# argon's `network` commands as a CLI: docker's flags, outputs and exit
# statuses (125 for a usage error, naming the bad flag or value; 1 for an
# engine error), over the records of the test's store: the default `nat`
# network in `ls`, create + inspect roundtrips, --filter, rm, prune,
# connect/disconnect of a created container. Creating a network record
# makes no link (bridges come with the first container that runs).
#
# Every argon command of a test runs in a network namespace the test made
# (ENG_WRAP, honoured by engine_helpers' eng: nsenter into the namespace
# of a `sleep` started by unshare --net, killed by the teardown): what the
# engine wires there never touches this machine's network.

load engine_helpers

setup() {
	declare -f eng | grep -q 'ENG_WRAP' ||
		skip "engine_helpers' eng does not run ENG_WRAP: refusing to touch this host's network"
	engine_setup
	(cd / && exec unshare --net sleep 1000000) </dev/null >/dev/null 2>&1 3>&- 4>&- &
	NS_PID=$!
	BG_PIDS+=("$NS_PID")
	retry 100 0.02 eval '[ "$(readlink /proc/$NS_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ]' ||
		fail "no network namespace of its own for pid $NS_PID"
	# shellcheck disable=SC2034 # read by engine_helpers' eng
	ENG_WRAP=(nsenter "--net=/proc/$NS_PID/ns/net")
}

# in_ns COMMAND...: a command in the test's network namespace.
in_ns() {
	nsenter "--net=/proc/$NS_PID/ns/net" "$@"
}

HEX64='^[0-9a-f]{64}$'
HEX12='^[0-9a-f]{12}$'

# usage_error WHAT ARGS...: `argon ARGS` exits 125, prints nothing on
# stdout, and its one-line message names WHAT.
usage_error() {
	local what=$1
	shift
	erun "$@"
	assert_status 125 || return 1
	[ -z "$output" ] || { show_run; fail "$* printed on stdout"; return 1; }
	[[ $stderr == "argon: "* ]] || { show_run; fail "message does not start with 'argon: '"; return 1; }
	assert_contains "$stderr" "$what"
}

# net_ins NET JQ-EXPR: a field of `network inspect NET` (its first object).
net_ins() {
	local j
	j=$(eng network inspect "$1") || { echo "network inspect $1 failed" >&2; return 1; }
	jq -r ".[0] | $2" <<<"$j"
}

# net_create ARGS...: `network create ARGS`, which must print a 64-hex id
# and nothing else; sets NET_ID.
net_create() {
	erun network create "$@"
	[ "$status" -eq 0 ] || { show_run; fail "network create $* failed"; return 1; }
	[[ $output =~ $HEX64 ]] || { show_run; fail "network create printed \`$output\`"; return 1; }
	[ -z "$stderr" ] || { show_run; fail "network create wrote to stderr"; return 1; }
	NET_ID=$output
}

@test "network: usage errors exit 125 naming the bad flag or value, and change nothing" {
	usage_error "argon network create|ls" network
	usage_error "\`network frob\`" network frob
	usage_error "\`foo\`" network create -d foo n1
	assert_contains "$stderr" "nat, internal, transparent, l2bridge"
	usage_error "--ipv6" network create --ipv6 n1
	usage_error "--bogus" network create --bogus n1
	usage_error "--internal" network create --internal=yes n1
	usage_error "--subnet" network create n1 --subnet
	usage_error "-q" network create -q n1
	usage_error "exactly one NAME" network create
	usage_error "exactly one NAME" network create n1 n2
	usage_error "--internal" network create -d transparent -o parent=eth0 --internal n1
	usage_error "\`novalue\`" network create -o novalue n1
	usage_error "--subnet" network create --subnet 10.1.0.0/16 --subnet 10.2.0.0/16 n1
	usage_error "\`color=red\`" network ls --filter color=red
	usage_error "\`type=weird\`" network ls -f type=weird
	usage_error "\`yaml\`" network ls --format yaml
	usage_error "takes no arguments" network ls extra
	usage_error "-x" network rm -x n1
	usage_error "at least one NETWORK" network rm
	usage_error "\`--format\`" network inspect --format '{{.Id}}' nat
	usage_error "\`1.2.3\`" network connect --ip 1.2.3 nat c1
	usage_error "--ip6" network connect --ip6 fd00::5 nat c1
	usage_error "a NETWORK and a CONTAINER" network connect nat
	usage_error "a NETWORK and a CONTAINER" network disconnect -f nat
	usage_error "--filter" network prune --filter until=1h
	# none of them made a network: only the default one is listed
	erun network ls --format json
	assert_success
	assert_eq "$(jq -r .Name <<<"$output" | tr '\n' ' ')" "nat " "networks after usage errors"
}

@test "network ls: the default nat network, as a table, ids, json, filters" {
	erun network ls
	assert_success
	assert_eq "${lines[0]}" "$(printf '%-15s%-7s%-9s%s' "NETWORK ID" NAME DRIVER SCOPE)" header
	assert_eq "${#lines[@]}" 2 "rows (header + nat)"
	local -a row
	read -ra row <<<"${lines[1]}"
	[[ ${row[0]} =~ $HEX12 ]] || fail "NETWORK ID \`${row[0]}\` is not 12 hex"
	assert_eq "${row[*]:1}" "nat nat local" "NAME DRIVER SCOPE"
	local short=${row[0]}

	erun network ls -q
	assert_success
	assert_eq "$output" "$short" "ls -q"
	erun network ls -q --no-trunc
	assert_success
	[[ $output =~ $HEX64 ]] || fail "ls -q --no-trunc printed \`$output\`"
	assert_eq "${output:0:12}" "$short" "the full id starts with the short one"
	assert_eq "$(net_ins nat .Id)" "$output" "inspect's Id"

	erun network ls --format json
	assert_success
	assert_eq "$(jq -c 'del(.CreatedAt)' <<<"$output")" \
		"{\"Driver\":\"nat\",\"ID\":\"$short\",\"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"\",\"Name\":\"nat\",\"Scope\":\"local\"}" \
		"ls --format json"
	[[ $(jq -r .CreatedAt <<<"$output") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \+0000\ UTC$ ]] ||
		fail "CreatedAt \`$(jq -r .CreatedAt <<<"$output")\` is not Go's time format"

	net_create --label team=blue --internal other
	erun network ls -q --filter name=oth
	assert_eq "$output" "${NET_ID:0:12}" "filter name=oth"
	erun network ls -q --filter driver=bridge	# docker's name for nat
	assert_eq "$output" "$short" "filter driver=bridge"
	erun network ls -q --filter driver=internal --filter name=^nat$
	assert_eq "$output" "" "filters of two keys must both match"
	erun network ls -q --filter name=^nat$ --filter name=^other$
	assert_eq "${#lines[@]}" 2 "filters of one key: either"
	erun network ls -q --filter type=custom
	assert_eq "$output" "${NET_ID:0:12}" "filter type=custom"
	erun network ls -q --filter label=team=blue
	assert_eq "$output" "${NET_ID:0:12}" "filter label=team=blue"
	erun network ls -q --filter label=team=red
	assert_eq "$output" "" "filter label=team=red"
	erun network ls -q --filter id="${short:0:6}"
	assert_eq "$output" "$short" "filter id="
	erun network ls --format json --filter name=other
	assert_eq "$(jq -r '.Driver + " " + .Internal + " " + .Labels' <<<"$output")" \
		"internal true team=blue" "ls json of an --internal network"
}

@test "network create: inspect shows what was asked; no link is made" {
	net_create --subnet 10.123.0.0/24 --gateway 10.123.0.1 --ip-range 10.123.0.128/25 \
		--label a=b -o mtu=1400 n1
	assert_eq "$(net_ins n1 .Name)" n1
	assert_eq "$(net_ins n1 .Id)" "$NET_ID"
	assert_eq "$(net_ins "${NET_ID:0:12}" .Name)" n1 "inspect by id prefix"
	assert_eq "$(net_ins n1 .Driver)" nat
	assert_eq "$(net_ins n1 .Scope)" local
	assert_eq "$(net_ins n1 .Internal)" false
	assert_eq "$(net_ins n1 .EnableIPv6)" false
	assert_eq "$(net_ins n1 .IPAM.Config[0].Subnet)" 10.123.0.0/24
	assert_eq "$(net_ins n1 .IPAM.Config[0].Gateway)" 10.123.0.1
	assert_eq "$(net_ins n1 .IPAM.Config[0].IPRange)" 10.123.0.128/25
	assert_eq "$(net_ins n1 .Labels.a)" b
	assert_eq "$(net_ins n1 .Options.mtu)" 1400
	assert_eq "$(net_ins n1 '.Containers | length')" 0

	# a subnet and gateway picked: not the default network's
	net_create -d bridge n2
	local sub gw
	sub=$(net_ins n2 .IPAM.Config[0].Subnet)
	gw=$(net_ins n2 .IPAM.Config[0].Gateway)
	[[ $sub =~ ^(10|172)\.[0-9]+\.0\.0/16$ ]] || fail "picked subnet \`$sub\`"
	assert_eq "$gw" "${sub%.0/16}.1" "picked gateway"
	[ "$sub" != "$(net_ins nat .IPAM.Config[0].Subnet)" ] || fail "n2 has nat's subnet $sub"
	assert_eq "$(net_ins n2 .Driver)" nat "-d bridge"

	# two networks, one array; a missing one is reported, the rest shown
	erun network inspect n1 nope n2
	assert_status 1
	assert_eq "$(jq -r '[.[].Name] | join(" ")' <<<"$output")" "n1 n2"
	assert_contains "$stderr" "nope"

	# the name is taken; a subnet overlapping n1's is refused
	erun network create n1
	assert_status 1
	assert_contains "$stderr" "n1"
	erun network create --subnet 10.123.0.0/16 n3
	assert_failure
	assert_contains "$stderr" "10.123.0.0/16"

	# records only: the namespace has no link but lo (neither n1's bridge
	# nor the default network's)
	run in_ns ip -o link show
	assert_success
	assert_eq "$(awk -F': ' '{print $2}' <<<"$output" | tr '\n' ' ')" "lo " "links after create"
}

@test "network rm: prints each name, 1 for a missing or the default one; prune" {
	net_create n1
	net_create n2
	erun network rm n1
	assert_success
	assert_eq "$output" n1
	erun network inspect n1
	assert_status 1
	assert_contains "$stderr" "n1"

	erun network remove n2 gone
	assert_status 1
	assert_eq "$output" n2 "the present one is removed"
	assert_contains "$stderr" "gone"
	erun network rm -f gone
	assert_success
	assert_eq "$output" "" "rm -f of a missing network"
	erun network rm nat
	assert_status 1
	assert_contains "$stderr" "nat"
	assert_eq "$(net_ins nat .Name)" nat "the default network stays"

	# prune: asks first (no answer: nothing is removed), -f removes the
	# unused custom ones
	net_create p1
	net_create p2
	erun network prune
	assert_success
	assert_contains "$stderr" "WARNING! This will remove all custom networks not used by at least one container."
	assert_eq "$output" "" "prune without an answer"
	erun network prune -f
	assert_success
	assert_eq "${lines[0]}" "Deleted Networks:"
	assert_eq "$(printf '%s\n' "${lines[@]:1}" | sort | tr '\n' ' ')" "p1 p2 " "pruned"
	erun network ls --format json
	assert_eq "$(jq -r .Name <<<"$output" | tr '\n' ' ')" "nat " "after prune"
	erun network prune -f
	assert_success
	assert_eq "$output" "" "nothing to prune"
}

@test "network connect/disconnect: a created container's address on a network" {
	net_create --subnet 10.124.0.0/24 n1
	# on the default network (engine_helpers' default is none), wired in
	# the test's namespace
	ARGON_DEFAULT_NETWORK=nat create_c busybox true
	erun network connect --ip 10.124.0.200 --alias web n1 "$ID"
	assert_success
	assert_eq "$output" "" "connect prints nothing"
	assert_eq "$(net_ins n1 ".Containers[\"$ID\"].IPv4Address")" 10.124.0.200/24
	# in use: neither rm nor prune removes it
	erun network rm n1
	assert_status 1
	assert_contains "$stderr" "n1"
	erun network prune -f
	assert_success
	refute_contains "$output" "n1"
	# on it already
	erun network connect n1 "$ID"
	assert_status 1
	erun network disconnect n1 "$ID"
	assert_success
	assert_eq "$(net_ins n1 '.Containers | length')" 0
	erun network disconnect n1 "$ID"
	assert_status 1
	erun network connect n1 no-such-container
	assert_status 1
	assert_contains "$stderr" "no-such-container"
	erun network rm n1
	assert_success
}
