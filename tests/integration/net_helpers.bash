# argon's network tests (network.bats): every test gets a throwaway "host"
# network namespace, where argon itself runs (ENG_WRAP), and a "peer"
# namespace standing for another machine on the host's LAN:
#
#     peer ns  lan0 198.51.100.2/24  <-- veth -->  lan0 198.51.100.1/24  host ns
#                                                  (argon's bridges, nft rules,
#                                                   containers' veths)
#
# Nothing of it is in this machine's own namespace, and nothing leaves the
# two namespaces (TEST-NET-2 addresses; this machine itself may sit on
# TEST-NET-1). The peer has no route to the containers' subnets: reaching a
# container from it takes a published port; a container reaching it is
# masqueraded (the peer sees HOST_IP). The machine's own links, addresses,
# nft ruleset and ip_forward are snapshotted at net_setup and compared at
# net_teardown: a test may never change them.
#
# Loaded after engine_helpers (`load engine_helpers; load net_helpers`),
# whose setup and teardown it replaces: setup is engine_setup + net_setup,
# teardown stops the servers, runs engine_teardown (its `rm -f` inside the
# host ns), then net_teardown.
#
#   net_setup                 makes the two namespaces, sets ENG_WRAP and
#                             unsets ARGON_DEFAULT_NETWORK (called by setup)
#   hns CMD... / pns CMD...   CMD in the host / peer namespace
#   hns_bg NAME CMD...        CMD in the background in the host / peer ns,
#   pns_bg NAME CMD...        stdout/stderr to $TMP/NAME.out/.err; its pid
#                             is NET_BG_PID, killed by the teardown
#   serve_host NAME tcp|udp PORT [IP]   argon-testinit's tcp-serve/udp-serve
#   serve_peer NAME tcp|udp PORT [IP]   in the background, once it listens
#   net_get hns|pns|CTR tcp|udp HOST PORT [SECS]
#                             argon-testinit tcp-get/udp-get from the host
#                             ns, the peer ns or inside container CTR (exec);
#                             sets status/output like `run`
#   assert_reaches WHERE PROTO HOST PORT [SEEN-AS]
#   refute_reaches WHERE PROTO HOST PORT
#                             net_get got an answer (seen from SEEN-AS) /
#                             got none (1 s: inside these namespaces an
#                             answer takes milliseconds)
#   net_snapshot NAME / net_same NAME [PART...]
#                             the host ns's links, IPv4 addresses, routes, nft
#                             ruleset and argon's endpoints table (IPAM);
#                             net_same fails showing the diff when a PART
#                             (links addrs routes ruleset ipam; default: all)
#                             differs from snapshot NAME
#   skip_unless_link_type TYPE [ARGS...]
#                             skips unless `ip link add ... type TYPE ARGS`
#                             works (in a scratch namespace)
#   net_teardown              kills the servers, deletes the namespaces,
#                             checks the machine's own network (called by
#                             teardown after engine_teardown)

HOST_IP=198.51.100.1
PEER_IP=198.51.100.2
LAN_NET=198.51.100.0/24
TESTINIT_IN_IMAGE=/bin/argon-testinit	# where make_pristine puts it

NET_HOST="" NET_PEER=""
NET_PIDS=()
NET_MACHINE_BEFORE=""

# ---------------------------------------------------------------- namespaces

hns() {
	nsenter --net="/run/netns/$NET_HOST" "$@"
}

pns() {
	nsenter --net="/run/netns/$NET_PEER" "$@"
}

# ns_bg NS NAME CMD...: CMD in namespace NS in the background (nsenter
# execs it: the pid is CMD's own).
ns_bg() {
	local ns=$1 name=$2
	shift 2
	nsenter --net="/run/netns/$ns" "$@" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.err" 3>&- 4>&- &
	NET_BG_PID=$!
	NET_PIDS+=("$NET_BG_PID")
}

hns_bg() {
	ns_bg "$NET_HOST" "$@"
}

pns_bg() {
	ns_bg "$NET_PEER" "$@"
}

# serve_in hns|pns NAME tcp|udp PORT [IP]: a testinit server, waited for
# until it prints "listening" (5 s).
serve_in() {
	local where=$1 name=$2 proto=$3
	shift 3
	"${where}_bg" "$name" "$TESTINIT" "$proto-serve" "$@"
	retry 100 0.05 file_has "$TMP/$name.out" listening ||
		fail "$proto-serve $* in $where does not listen: $(cat "$TMP/$name.out" "$TMP/$name.err")"
}

serve_host() {
	serve_in hns "$@"
}

serve_peer() {
	serve_in pns "$@"
}

# net_get hns|pns|CTR tcp|udp HOST PORT [SECS]: one request; status and
# output as `run` sets them (output: "from A.B.C.D:PORT" or "...: ENAME").
net_get() {
	local where=$1 proto=$2 f="$TMP/net-get"
	shift 2
	case $where in
	hns | pns) "$where" "$TESTINIT" "$proto-get" "$@" >"$f" 2>&1 </dev/null 3>&- 4>&- ;;
	*) eng exec "$where" "$TESTINIT_IN_IMAGE" "$proto-get" "$@" >"$f" 2>&1 ;;
	esac && status=0 || status=$?
	output=$(cat "$f")
	return 0
}

# assert_reaches WHERE PROTO HOST PORT [SEEN-AS]: net_get succeeds (the
# server answered) and, with SEEN-AS, the server saw that address.
assert_reaches() {
	local where=$1 proto=$2 host=$3 port=$4 seen=${5-}
	net_get "$where" "$proto" "$host" "$port"
	[ "$status" -eq 0 ] && [[ $output == "from "* ]] ||
		{ show_run; fail "$where cannot reach $proto $host:$port"; return 1; }
	[ -z "$seen" ] || [[ $output == "from $seen:"* ]] ||
		{ show_run; fail "$proto $host:$port from $where: seen as \`$output\`, not $seen"; return 1; }
}

# refute_reaches WHERE PROTO HOST PORT: net_get fails (refused, timed out,
# unreachable), and no server answered.
refute_reaches() {
	net_get "$@" 1
	[ "$status" -ne 0 ] && [[ $output != "from "* ]] ||
		{ show_run; fail "$1 reaches $2 $3:$4"; return 1; }
}

# skip_unless_link_type TYPE [ARGS...]: skips the test when this kernel
# cannot make such a link (tried on a veth in a scratch namespace).
skip_unless_link_type() {
	local type=$1 out
	shift
	out=$(unshare --net sh -c '
		ip link add probe0 type veth peer name probe1 &&
		ip link add link probe0 name probe2 type "$@"' sh "$type" "$@" 2>&1) ||
		skip "this kernel cannot make $type links (\`ip link add ... type $type $*\`: $out)"
}

# ---------------------------------------------------------------- snapshots

# The host ns's network state, in sections; what changes without anyone
# changing the configuration is left out: interface indexes, peers'
# netns ids, MACs (a bridge takes its ports' MAC), carrier and operational
# state (a bridge's depend on the ports it had), counters, address
# lifetimes, IPv6 link-local addresses.
NET_PARTS=(links addrs routes ruleset ipam)
net_state() {
	local part parts=("$@")
	[ $# -gt 0 ] || parts=("${NET_PARTS[@]}")
	for part in "${parts[@]}"; do
		echo "== $part"
		case $part in
		links)
			hns ip -o link | sed -E 's/^[0-9]+: //; s/ link-netns(id)? [^ ]+//;
				s/(NO-CARRIER,|,LOWER_UP)//g; s/ state [A-Z]+ / /;
				s@link/(ether|none) [0-9a-f:]+( brd [0-9a-f:]+)?@link/\1@' | LC_ALL=C sort
			;;
		addrs) hns ip -o -4 addr | sed -E 's/^[0-9]+: //; s/\\? *valid_lft.*//' | LC_ALL=C sort ;;
		# linkdown: the carrier, which follows the bridge's ports a moment late
		routes) hns ip -4 route show table all | grep -v '^local\|^broadcast' | sed 's/ linkdown//' | LC_ALL=C sort ;;
		ruleset) hns nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/' ;;
		ipam) net_ipam ;;
		*) echo "net_state: unknown part $part" >&2; return 1 ;;
		esac
	done
}

# argon's endpoints table (container, network, address, interface,
# aliases): nothing before the store has it.
net_ipam() {
	local db="$AROOT/argon.db"
	[ -f "$db" ] || return 0
	[ "$(sqlite3 -cmd '.timeout 5000' "$db" \
		"select count(*) from sqlite_master where type = 'table' and name = 'endpoints'")" == 1 ] ||
		return 0
	sqlite3 -cmd '.timeout 5000' "$db" 'select * from endpoints order by 1, 2'
}

# net_snapshot NAME: keeps the host ns's state as snapshot NAME.
net_snapshot() {
	net_state >"$TMP/net-snap.$1" || fail "net_snapshot $1 failed"
}

# net_same NAME [PART...]: the host ns's state (or those parts of it) is
# what snapshot NAME recorded; else fails showing the difference. A dead
# container's namespace takes its veth's host end with it, but in the
# kernel's background work (argon does not wait for it): up to 5 s are
# given for that (NET_SAME_TRIES=1: one look, for a test that expects a
# difference).
net_same() {
	local name=$1 d tries=${NET_SAME_TRIES:-50}
	shift
	[ -f "$TMP/net-snap.$name" ] || { fail "no snapshot $name"; return 1; }
	while :; do
		d=$(diff <(net_snapshot_parts "$TMP/net-snap.$name" "$@") <(net_state "$@")) || true
		[ -n "$d" ] && [ $((tries -= 1)) -gt 0 ] || break
		sleep 0.1
	done
	[ -z "$d" ] || { fail "network state differs from snapshot $name (< before, > now):"$'\n'"$d"; return 1; }
}

# net_snapshot_parts FILE [PART...]: the sections PART of a snapshot file.
net_snapshot_parts() {
	local file=$1
	shift
	[ $# -gt 0 ] || { cat "$file"; return; }
	awk -v want=" $* " '/^== / { keep = index(want, " " $2 " ") > 0 } keep' "$file"
}

# machine_net_state (helpers.bash): the machine's own network
# configuration, which no test may change.

# ---------------------------------------------------------------- setup

# net_setup: the host and peer namespaces, linked by a veth pair "lan0";
# argon runs in the host one (ENG_WRAP) with its default network (nat).
net_setup() {
	command -v nsenter >/dev/null && command -v nft >/dev/null && command -v sqlite3 >/dev/null ||
		skip "network tests need nsenter, nft and sqlite3"
	NET_MACHINE_BEFORE=$(machine_net_state)
	NET_HOST="arh$$-$BATS_TEST_NUMBER"
	NET_PEER="arp$$-$BATS_TEST_NUMBER"
	ip netns add "$NET_HOST" || { fail "ip netns add $NET_HOST failed"; return 1; }
	ip netns add "$NET_PEER" || { fail "ip netns add $NET_PEER failed"; return 1; }
	hns ip link set lo up &&
		pns ip link set lo up &&
		hns ip link add lan0 type veth peer name lan0 netns "$NET_PEER" &&
		hns ip addr add "$HOST_IP/24" dev lan0 &&
		pns ip addr add "$PEER_IP/24" dev lan0 &&
		hns ip link set lan0 up &&
		pns ip link set lan0 up ||
		{ fail "net_setup: wiring the namespaces failed"; return 1; }
	ENG_WRAP=(nsenter --net="/run/netns/$NET_HOST")
	unset ARGON_DEFAULT_NETWORK
	# The veth's carrier comes up asynchronously: wait for it (2 s).
	retry 40 0.05 eval 'hns ip -o link show lan0 | grep -q LOWER_UP' ||
		fail "lan0 has no carrier: $(hns ip -o link show lan0)"
}

# net_stop_servers: kills the servers the test started in the namespaces
# (before the engine's teardown, so that they cannot count as leaks).
net_stop_servers() {
	local pid
	for pid in "${NET_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	NET_PIDS=()
}

# net_teardown: deletes both namespaces (after the engine's teardown has
# removed the containers from inside the host one), then fails when the
# machine's own network configuration changed.
net_teardown() {
	local problems="" ns now out
	net_stop_servers
	for ns in "$NET_HOST" "$NET_PEER"; do
		[ -n "$ns" ] || continue
		[ -e "/run/netns/$ns" ] || continue
		# A process left in it (only this test's could be) would keep the
		# namespace, its bridges and its rules alive after the delete.
		out=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [ -n "$out" ]; then
			problems+="processes left in namespace $ns: $out"$'\n'
			# shellcheck disable=SC2086
			kill -9 $out 2>/dev/null || true
		fi
		out=$(ip netns del "$ns" 2>&1) || problems+="ip netns del $ns: $out"$'\n'
	done
	NET_HOST="" NET_PEER=""
	ENG_WRAP=()
	if [ -n "$NET_MACHINE_BEFORE" ]; then
		now=$(machine_net_state)
		if [ "$now" != "$NET_MACHINE_BEFORE" ]; then
			problems+="this machine's network configuration changed (< before, > now):"$'\n'
			problems+="$(diff <(echo "$NET_MACHINE_BEFORE") <(echo "$now") || true)"$'\n'
		fi
		NET_MACHINE_BEFORE=""
	fi
	[ -z "$problems" ] || { fail "net teardown: $problems"; return 1; }
}

setup() {
	engine_setup
	net_setup
}

# The engine's teardown first (rm -f of the containers, run in the host ns
# through ENG_WRAP; its checks mention only the test's dirs, never
# /run/netns), then the namespaces go.
teardown() {
	local rc=0
	net_stop_servers
	engine_teardown || rc=1
	net_teardown || rc=1
	return $rc
}
