#!/usr/bin/env bats
# argon's networks (`argon network ...`, run's --network, --ip, -p, -P,
# --hostname, --add-host, --dns): every test runs argon in a throwaway
# "host" network namespace wired to a "peer" namespace that stands for
# another machine on the LAN (net_helpers.bash), so that nothing here
# touches this machine's own network. Clients and servers on both sides
# are argon-testinit's tcp-serve/udp-serve/tcp-get/udp-get; a server
# answers "from A.B.C.D:PORT", the address it saw the client come from.
#
# Subnets: the LAN is 198.51.100.0/24 (host .1, peer .2); user networks
# use 10.123.N.0/24; the default network is whatever argon picks.

load engine_helpers
load net_helpers

# mk_net NAME [CREATE-FLAGS...]: `network create`; NET_ID is the new id.
mk_net() {
	local name=$1
	shift
	erun network create "$@" "$name"
	[ "$status" -eq 0 ] || { show_run; fail "network create $* $name failed"; return 1; }
	[[ $output =~ ^[0-9a-f]{64}$ ]] ||
		{ show_run; fail "network create printed \`$output\`, not a 64-hex id"; return 1; }
	NET_ID=$output
}

# serving [RUN-FLAGS...]: run -d of a container whose testinit serves TCP
# and UDP on port 80, once both listen; sets ID.
serving() {
	run_d "$@" busybox sh -c 'argon-testinit udp-serve 80 & exec argon-testinit tcp-serve 80' ||
		return 1
	retry 100 0.05 eval '[ "$(eng logs "$ID" 2>&1 | grep -c listening)" == 2 ]' ||
		fail "the servers of $ID do not listen: $(eng logs "$ID" 2>&1)"
}

# idle [RUN-FLAGS...]: run -d of a container that sleeps; sets ID.
idle() {
	run_d "$@" busybox argon-testinit sleep inf
}

# ctr_ip ID [NETWORK]: the container's address on NETWORK (inspect's
# NetworkSettings.Networks.NETWORK.IPAddress), else NetworkSettings.IPAddress.
ctr_ip() {
	if [ -n "${2-}" ]; then
		ins "$1" "c['NetworkSettings']['Networks']['$2']['IPAddress']"
	else
		ins "$1" 'c["NetworkSettings"]["IPAddress"]'
	fi
}

ctr_gateway() { # ctr_gateway ID NETWORK
	ins "$1" "c['NetworkSettings']['Networks']['$2']['Gateway']"
}

# net_ins NETWORK EXPR: a python expression over `network inspect NETWORK`
# (`n`: its object, `d`: the array).
net_ins() {
	local j
	j=$(eng network inspect "$1") || { echo "network inspect $1 failed" >&2; return 1; }
	"$PY" -c '
import json, sys
d = json.loads(sys.argv[2])
n = d[0]
v = eval(sys.argv[1], {"n": n, "d": d, "json": json})
print(v if isinstance(v, str) else json.dumps(v))' "$2" "$j"
}

# in_ctr ID CMD...: exec in the container; status, output like `run`.
in_ctr() {
	erun exec "$@"
}

# hosts_has ID IP NAME: the container's /etc/hosts maps NAME to IP.
hosts_has() {
	eng exec "$1" cat /etc/hosts |
		grep -Eq "^${2//./\\.}[[:space:]]+([^#]*[[:space:]])?${3//./\\.}([[:space:]]|\$)"
}

assert_hosts_has() {
	hosts_has "$@" || fail "no \`$2 $3\` in /etc/hosts of $1: $(eng exec "$1" cat /etc/hosts 2>&1)"
}

# host_port_of ID PORT/PROTO: the host port `argon port` shows for it.
host_port_of() {
	eng port "$1" | sed -nE "s@^$2 -> 0\.0\.0\.0:([0-9]+)\$@\1@p" | head -1
}

# The servers of a container reach the peer in `transparent` (macvlan) and
# `l2bridge` (ipvlan) networks: the container is on the LAN itself.
lan_network_test() { # lan_network_test DRIVER
	local driver=$1 ip id2
	mk_net lan -d "$driver" -o parent=lan0 --subnet "$LAN_NET" \
		--ip-range 198.51.100.128/25 --gateway "$PEER_IP"
	assert_eq "$(net_ins lan 'n["Driver"]')" "$driver"
	net_snapshot before
	serving --name onlan --network lan
	ip=$(ctr_ip "$ID" lan)
	[[ $ip =~ ^198\.51\.100\.([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 128 && BASH_REMATCH[1] < 255)) ||
		fail "address \`$ip\` is not in --ip-range 198.51.100.128/25"
	# the peer reaches the container directly and is seen as itself
	assert_reaches pns tcp "$ip" 80 "$PEER_IP"
	assert_reaches pns udp "$ip" 80 "$PEER_IP"
	# the container reaches the peer and is seen with its own address
	serve_peer ps tcp 7000
	assert_reaches "$ID" tcp "$PEER_IP" 7000 "$ip"
	in_ctr "$ID" argon-testinit ifaces
	assert_line "eth0 UP $ip/24"
	in_ctr "$ID" argon-testinit routes
	assert_line "default via $PEER_IP dev eth0"
	# --ip picks the address
	idle --network lan --ip 198.51.100.200
	id2=$ID
	assert_eq "$(ctr_ip "$id2" lan)" 198.51.100.200
	assert_reaches "$id2" tcp "$PEER_IP" 7000 198.51.100.200
	eng rm -f onlan "$id2" >/dev/null
	net_same before
}

# ---------------------------------------------------------------- the rig

@test "network: the rig: host and peer namespaces talk over lan0, this machine sees none of it" {
	[ "${ENG_WRAP[*]}" == "nsenter --net=/run/netns/$NET_HOST" ] ||
		fail "ENG_WRAP is \`${ENG_WRAP[*]}\`"
	[ -z "${ARGON_DEFAULT_NETWORK+set}" ] || fail "ARGON_DEFAULT_NETWORK is set"
	serve_peer ptcp tcp 7000
	serve_peer pudp udp 7001
	assert_reaches hns tcp "$PEER_IP" 7000 "$HOST_IP"
	assert_reaches hns udp "$PEER_IP" 7001 "$HOST_IP"
	serve_host htcp tcp 7002 "$HOST_IP"
	assert_reaches pns tcp "$HOST_IP" 7002 "$PEER_IP"
	refute_reaches pns tcp "$HOST_IP" 7003
	assert_contains "$output" ECONNREFUSED
	# the peer has no route to container subnets
	refute_reaches pns tcp 10.88.0.2 80
	assert_contains "$output" ENETUNREACH
	run hns "$TESTINIT" ifaces
	assert_eq "$output" "lan0 UP $HOST_IP/24"$'\n'"lo UP 127.0.0.1/8"
	run pns "$TESTINIT" routes
	assert_eq "$output" "198.51.100.0/24 dev lan0"
	! ip link show lan0 >/dev/null 2>&1 || fail "lan0 is in this machine's namespace"
	# the servers log who they answered
	grep -qx "from $HOST_IP:[0-9]*" "$TMP/ptcp.out" || fail "tcp-serve log: $(cat "$TMP/ptcp.out")"
	# snapshots see a change and its undoing
	net_snapshot before
	hns ip link add probe0 type bridge
	run net_same before links
	assert_failure
	assert_contains "$output" probe0
	hns ip link del probe0
	hns nft add table ip probe
	NET_SAME_TRIES=1 run net_same before ruleset
	assert_failure
	assert_contains "$output" "table ip probe"
	hns nft delete table ip probe
	net_same before
}

# ---------------------------------------------------------------- argon network

@test "network create, ls, inspect, rm: a user network next to the default nat network" {
	erun network ls
	assert_success
	[[ ${lines[0]} =~ ^NETWORK\ ID\ +NAME\ +DRIVER\ +SCOPE$ ]] || fail "header: ${lines[0]}"
	grep -Eq '^[0-9a-f]{12} +nat +nat +local$' <<<"$output" || fail "no default nat network in: $output"
	net_snapshot before
	mk_net web --subnet 10.123.0.0/24 --gateway 10.123.0.1 --label team=a
	erun network ls
	grep -Eq "^${NET_ID:0:12} +web +nat +local\$" <<<"$output" || fail "web not listed: $output"
	erun network ls -q
	assert_line "${NET_ID:0:12}"
	assert_eq "$(net_ins web 'len(d)')" 1
	assert_eq "$(net_ins web 'n["Name"]')" web
	assert_eq "$(net_ins web 'n["Id"]')" "$NET_ID"
	assert_eq "$(net_ins web 'n["Driver"]')" nat
	assert_eq "$(net_ins web 'n["Internal"]')" false
	assert_eq "$(net_ins web 'n["IPAM"]["Config"][0]["Subnet"]')" 10.123.0.0/24
	assert_eq "$(net_ins web 'n["IPAM"]["Config"][0]["Gateway"]')" 10.123.0.1
	assert_eq "$(net_ins web 'n["Labels"]')" '{"team": "a"}'
	assert_eq "$(net_ins web 'n["Containers"]')" '{}'
	assert_eq "$(net_ins "${NET_ID:0:12}" 'n["Name"]')" web
	# a name taken, a subnet overlapping web's: refused (docker's status 1),
	# nothing made
	erun network create web
	assert_status 1
	assert_contains "$stderr" web
	erun network create --subnet 10.123.0.128/25 other
	assert_status 1
	assert_contains "$stderr" 10.123.0.128/25
	erun network rm web
	assert_success
	erun network ls
	refute_contains "$output" " web "
	erun network inspect web
	assert_failure
	net_same before
}

@test "network: the default network and picked subnets avoid the host's routes" {
	# This "host" already routes 10.88.0.0/16 (say, a VPN) and 10.89.3.0/24.
	hns ip route add 10.88.0.0/16 via "$PEER_IP"
	hns ip route add 10.89.3.0/24 dev lan0
	erun network inspect nat
	assert_success
	assert_eq "$(jget 'd[0]["IPAM"]["Config"][0]["Subnet"]' <<<"$output")" 10.90.0.0/16 \
		"the default network's subnet"
	erun network create picked
	assert_success
	erun network inspect picked
	assert_eq "$(jget 'd[0]["IPAM"]["Config"][0]["Subnet"]' <<<"$output")" 10.91.0.0/16 \
		"a picked subnet"
	# A given subnet over a route of the host is refused, naming the route.
	erun network create --subnet 10.88.7.0/24 clash
	assert_failure
	assert_contains "$stderr" 10.88.0.0/16
	erun network inspect clash
	assert_failure
	eng network rm picked >/dev/null
}

@test "network rm is refused while a container is attached; the default network cannot be removed" {
	mk_net busy --subnet 10.123.4.0/24
	idle --name att --network busy
	erun network rm busy
	assert_failure
	[[ $stderr == *att* || $stderr == *"${ID:0:12}"* ]] || fail "the error does not name the container: $stderr"
	erun network ls
	grep -Eq ' busy +nat ' <<<"$output" || fail "busy is gone: $output"
	erun network rm nat
	assert_failure
	eng rm -f att >/dev/null
	erun network rm busy
	assert_success
}

@test "network prune -f removes the networks no container uses, never the default one" {
	mk_net unused --subnet 10.123.5.0/24
	mk_net used --subnet 10.123.6.0/24
	idle --network used
	erun network prune -f
	assert_success
	assert_contains "$output" unused
	erun network ls
	refute_contains "$output" " unused "
	assert_contains "$output" " used "
	grep -Eq ' nat +nat +local$' <<<"$output" || fail "the default network is gone: $output"
}

# ---------------------------------------------------------------- between containers

@test "network: containers on one user network reach each other by address and by name" {
	local srv cli srv_ip cli_ip
	mk_net front --subnet 10.123.1.0/24
	serving --name srv --network front
	srv=$ID
	srv_ip=$(ctr_ip "$srv" front)
	[[ $srv_ip == 10.123.1.* ]] || fail "srv has address \`$srv_ip\`"
	assert_eq "$(ctr_ip "$srv")" "$srv_ip" "NetworkSettings.IPAddress"
	assert_eq "$(ctr_gateway "$srv" front)" 10.123.1.1
	idle --name cli --network front
	cli=$ID
	cli_ip=$(ctr_ip "$cli" front)
	[ "$cli_ip" != "$srv_ip" ] || fail "both have $cli_ip"
	assert_reaches "$cli" tcp "$srv_ip" 80 "$cli_ip"
	assert_reaches "$cli" udp "$srv_ip" 80 "$cli_ip"
	# by name: /etc/hosts, read by testinit and by busybox's own resolver
	assert_hosts_has "$cli" "$srv_ip" srv
	assert_reaches "$cli" tcp srv 80 "$cli_ip"
	in_ctr "$cli" nc -w 3 srv 80
	assert_success
	assert_eq "${output%%:*}" "from $cli_ip"
	# each container's own names: its hostname (12 hex of the id) and name
	assert_hosts_has "$srv" "$srv_ip" "${srv:0:12}"
	assert_hosts_has "$srv" "$srv_ip" srv
	in_ctr "$srv" hostname
	assert_eq "$output" "${srv:0:12}"
	# the host reaches them directly (no NAT between the host and a bridge)
	assert_reaches hns tcp "$srv_ip" 80 10.123.1.1
	# network inspect lists both
	assert_eq "$(net_ins front "n['Containers']['$srv']['Name']")" srv
	assert_eq "$(net_ins front "n['Containers']['$srv']['IPv4Address']")" "$srv_ip/24"
	assert_eq "$(net_ins front "n['Containers']['$cli']['IPv4Address']")" "$cli_ip/24"
}

@test "network: containers on different networks cannot reach each other" {
	local a_ip
	mk_net n1 --subnet 10.123.2.0/24
	mk_net n2 --subnet 10.123.3.0/24
	serving --name ca --network n1
	a_ip=$(ctr_ip "$ID" n1)
	idle --name cb --network n2
	refute_reaches "$ID" tcp "$a_ip" 80
	refute_reaches "$ID" udp "$a_ip" 80
	# nor by name: ca is not in cb's /etc/hosts
	! hosts_has "$ID" "$a_ip" ca || fail "ca is in /etc/hosts of cb"
	net_get "$ID" tcp ca 80 1
	assert_failure
	# while a container on n1 does (the checks above are not vacuous)
	idle --network n1
	assert_reaches "$ID" tcp "$a_ip" 80
}

@test "network: an internal network joins its containers and nothing else" {
	local srv_ip
	mk_net int1 --internal --subnet 10.123.15.0/24
	assert_eq "$(net_ins int1 'n["Internal"]')" true
	serving --name isrv --network int1
	srv_ip=$(ctr_ip "$ID" int1)
	idle --network int1
	assert_reaches "$ID" tcp "$srv_ip" 80
	serve_peer ptcp tcp 7000
	refute_reaches "$ID" tcp "$PEER_IP" 7000
	# -d internal is the same
	mk_net int2 -d internal --subnet 10.123.16.0/24
	assert_eq "$(net_ins int2 'n["Internal"]')" true
	idle --network int2
	refute_reaches "$ID" tcp "$PEER_IP" 7000
}

@test "network connect and disconnect add and remove a running container's interface" {
	local p_ip multi
	mk_net c1 --subnet 10.123.7.0/24
	mk_net c2 --subnet 10.123.8.0/24
	serving --name other --network c2
	p_ip=$(ctr_ip "$ID" c2)
	idle --name multi --network c1
	multi=$ID
	refute_reaches "$multi" tcp "$p_ip" 80
	erun network connect --ip 10.123.8.50 c2 multi
	assert_success
	in_ctr "$multi" argon-testinit ifaces
	assert_line "eth1 UP 10.123.8.50/24"
	assert_reaches "$multi" tcp "$p_ip" 80 10.123.8.50
	assert_eq "$(ins "$multi" 'sorted(c["NetworkSettings"]["Networks"])')" '["c1", "c2"]'
	assert_eq "$(ctr_ip "$multi" c2)" 10.123.8.50
	assert_eq "$(net_ins c2 "n['Containers']['$multi']['IPv4Address']")" 10.123.8.50/24
	erun network disconnect c2 multi
	assert_success
	in_ctr "$multi" argon-testinit ifaces
	refute_contains "$output" eth1
	refute_reaches "$multi" tcp "$p_ip" 80
	assert_eq "$(ins "$multi" 'sorted(c["NetworkSettings"]["Networks"])')" '["c1"]'
	assert_eq "$(net_ins c2 "n['Containers'].get('$multi')")" null
}

# ---------------------------------------------------------------- outside

@test "network: a container on the default network reaches the peer, masqueraded as the host" {
	local ip gw
	serve_peer ptcp tcp 7000
	serve_peer pudp udp 7001
	idle --name out
	ip=$(ctr_ip "$ID" nat)
	gw=$(ctr_gateway "$ID" nat)
	[[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no address on nat: \`$ip\`"
	assert_eq "$(ctr_ip "$ID")" "$ip" "NetworkSettings.IPAddress"
	assert_reaches "$ID" tcp "$PEER_IP" 7000 "$HOST_IP"
	assert_reaches "$ID" udp "$PEER_IP" 7001 "$HOST_IP"
	in_ctr "$ID" argon-testinit routes
	assert_line "default via $gw dev eth0"
	in_ctr "$ID" argon-testinit ifaces
	assert_eq "${#lines[@]}" 2 "interfaces: $output"
	assert_line "lo UP 127.0.0.1/8"
	[[ ${lines[0]} =~ ^eth0\ UP\ $ip/[0-9]+$ ]] || fail "eth0: ${lines[0]}"
}

@test "network: a start on the nat network restores its rules after the ruleset was flushed" {
	local n
	serve_peer ptcp tcp 7000
	idle --name first
	n=$(ip netns exec "$NET_HOST" nft list ruleset | grep -c 'argon:net:')
	[ "$n" -gt 0 ] || fail "no network rules after the first start"
	# Someone else's commit: argon's note of the generation is stale now.
	ip netns exec "$NET_HOST" nft flush ruleset
	idle --name second
	assert_eq "$(ip netns exec "$NET_HOST" nft list ruleset | grep -c 'argon:net:')" "$n" \
		"network rules after a flush and a start"
	assert_reaches "$ID" tcp "$PEER_IP" 7000 "$HOST_IP"
	# Nothing changed since: the next start trusts its note, the rules stay.
	idle --name third
	assert_eq "$(ip netns exec "$NET_HOST" nft list ruleset | grep -c 'argon:net:')" "$n" \
		"network rules after one more start"
	assert_reaches "$ID" tcp "$PEER_IP" 7000 "$HOST_IP"
}

@test "network: published tcp and udp ports reach the container from the peer and from the host" {
	serving --name pub -p 8080:80 -p 8080:80/udp
	assert_reaches pns tcp "$HOST_IP" 8080 "$PEER_IP"
	assert_reaches pns udp "$HOST_IP" 8080 "$PEER_IP"
	assert_reaches hns tcp "$HOST_IP" 8080
	assert_reaches hns udp "$HOST_IP" 8080
	assert_reaches hns tcp 127.0.0.1 8080
	assert_reaches hns udp 127.0.0.1 8080
	refute_reaches pns tcp "$HOST_IP" 8081
	erun port pub
	assert_success
	assert_line "80/tcp -> 0.0.0.0:8080"
	assert_line "80/udp -> 0.0.0.0:8080"
	erun port pub 80/tcp
	assert_eq "$output" 0.0.0.0:8080
	assert_eq "$(ins pub 'c["NetworkSettings"]["Ports"]["80/tcp"]')" '[{"HostIp": "0.0.0.0", "HostPort": "8080"}]'
}

@test "network: a port published on 127.0.0.1 is reached from the host only" {
	serving --name local -p 127.0.0.1:8081:80
	assert_reaches hns tcp 127.0.0.1 8081
	refute_reaches hns tcp "$HOST_IP" 8081
	refute_reaches pns tcp "$HOST_IP" 8081
	erun port local
	assert_eq "$output" "80/tcp -> 127.0.0.1:8081"
}

@test "network: -p PORT and -P publish on random host ports that argon port shows" {
	local hp
	serving --name rnd -p 80
	erun port rnd
	[[ $output =~ ^80/tcp\ -\>\ 0\.0\.0\.0:([0-9]+)$ ]] || { show_run; fail "port: $output"; }
	hp=${BASH_REMATCH[1]}
	((hp >= 1024 && hp <= 65535)) || fail "host port $hp"
	assert_eq "$(ins rnd 'c["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]')" "$hp"
	assert_reaches pns tcp "$HOST_IP" "$hp" "$PEER_IP"
	serving --name all -P --expose 80 --expose 80/udp
	hp=$(host_port_of all 80/tcp)
	[ -n "$hp" ] || fail "no 80/tcp in: $(eng port all 2>&1)"
	assert_reaches pns tcp "$HOST_IP" "$hp" "$PEER_IP"
	hp=$(host_port_of all 80/udp)
	[ -n "$hp" ] || fail "no 80/udp in: $(eng port all 2>&1)"
	assert_reaches pns udp "$HOST_IP" "$hp" "$PEER_IP"
}

@test "network: a host port taken by another container or a host process: a clear error, nothing left" {
	serving --name first -p 8082:80
	net_snapshot one
	erun run -d --name second -p 8082:80 busybox argon-testinit tcp-serve 80
	assert_status 125
	assert_contains "$stderr" 8082
	# docker leaves the created container; it owns nothing on the network
	net_same one links addrs routes ruleset
	if eng inspect second >/dev/null 2>&1; then
		[ "$(state_of second)" != running ] || fail "second runs"
		eng rm -f second >/dev/null
	fi
	net_same one
	assert_reaches pns tcp "$HOST_IP" 8082 "$PEER_IP"
	serve_host hold tcp 8083
	erun run -d --name third -p 8083:80 busybox argon-testinit tcp-serve 80
	assert_status 125
	assert_contains "$stderr" 8083
	net_same one links addrs routes ruleset
	eng rm -f third >/dev/null 2>&1 || true
	net_same one
	assert_reaches pns tcp "$HOST_IP" 8083 "$PEER_IP"	# the host's own server
}

# ---------------------------------------------------------------- network modes

@test "network: --network none gives a namespace with lo only" {
	net_snapshot before
	idle --network none
	in_ctr "$ID" argon-testinit ifaces
	assert_eq "$output" "lo UP 127.0.0.1/8"
	assert_eq "$(ctr_ip "$ID")" ""
	net_same before
}

@test "network: --network host sees the host namespace and serves the peer on it" {
	run_d --network host busybox argon-testinit tcp-serve 7100
	wait_logs "$ID" listening
	in_ctr "$ID" argon-testinit ifaces
	assert_line "lan0 UP $HOST_IP/24"
	assert_reaches pns tcp "$HOST_IP" 7100 "$PEER_IP"
}

@test "network: --network container:NAME shares the other container's namespace" {
	local owner
	run_d --name owner busybox argon-testinit tcp-serve 7200 127.0.0.1
	owner=$ID
	wait_logs "$owner" listening
	net_snapshot before
	idle --network container:owner
	assert_reaches "$ID" tcp 127.0.0.1 7200 127.0.0.1
	assert_eq "$(eng exec "$ID" argon-testinit ifaces)" "$(eng exec "$owner" argon-testinit ifaces)"
	# docker: the owner's hostname, and -h refused
	assert_eq "$(eng exec "$ID" hostname)" "$(eng exec "$owner" hostname)" "hostname"
	erun create -h mine --network container:owner busybox true
	assert_status 125
	assert_contains "$stderr" "conflicting options"
	# Both restarted: the joiner finds the owner's new namespace (a new
	# init), not the path config.json had.
	eng restart -t 1 "$owner" >/dev/null
	retry 100 0.05 eval '[ "$(eng logs "$owner" | grep -c listening)" -ge 2 ]' ||
		fail "the restarted owner does not listen again"
	eng restart -t 1 "$ID" >/dev/null
	wait_state "$ID" running
	assert_reaches "$ID" tcp 127.0.0.1 7200 127.0.0.1
	assert_eq "$(eng exec "$ID" argon-testinit ifaces)" "$(eng exec "$owner" argon-testinit ifaces)"
	net_same before
}

@test "network: a transparent network (macvlan) puts containers on the peer's LAN" {
	lan_network_test transparent
}

@test "network: an l2bridge network (ipvlan) puts containers on the peer's LAN" {
	skip_unless_link_type ipvlan mode l2
	lan_network_test l2bridge
}

# ---------------------------------------------------------------- names

@test "network: --hostname, --add-host and --dns in /etc/hosts, /etc/resolv.conf; the host's resolvers by default" {
	local ip want
	mk_net h1 --subnet 10.123.14.0/24
	idle --name named --hostname web1 --network h1 --add-host db.example:10.1.2.3 --dns 198.51.100.53
	ip=$(ctr_ip "$ID" h1)
	in_ctr "$ID" hostname
	assert_eq "$output" web1
	assert_hosts_has "$ID" "$ip" web1
	assert_hosts_has "$ID" "$ip" named
	assert_hosts_has "$ID" 10.1.2.3 db.example
	assert_hosts_has "$ID" 127.0.0.1 localhost
	in_ctr "$ID" cat /etc/resolv.conf
	assert_eq "$(grep '^nameserver' <<<"$output")" "nameserver 198.51.100.53"
	# the default: the host's nameservers, loopback ones left out
	idle --name plain
	in_ctr "$ID" hostname
	assert_eq "$output" "${ID:0:12}"
	in_ctr "$ID" cat /etc/resolv.conf
	refute_contains "$output" "nameserver 127."
	want=$(grep -E '^nameserver' /etc/resolv.conf | grep -Ev '^nameserver[[:space:]]+(127\.|::1)' || true)
	if [ -n "$want" ]; then
		assert_eq "$(grep '^nameserver' <<<"$output")" "$want"
	fi
}

# in_resolv_ns SCRIPT: SCRIPT (sh) in the host namespace and a private
# mount namespace whose /run is a tmpfs and whose /etc/resolv.conf is
# $TMP/resolv.host; $A is the engine's command line there.
in_resolv_ns() {
	run --separate-stderr nsenter --net="/run/netns/$NET_HOST" unshare -m --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/resolve &&
			mount --bind "$1" /etc/resolv.conf && A="$2 --root $3 --state-dir $4" &&
			eval "$5"' sh "$TMP/resolv.host" "$ARGON" "$AROOT" "$ESTATE" "$1"
}

@test "network: a host with only loopback nameservers: systemd-resolved's upstream list, else a warning" {
	# Only a stub resolver on the host, and no upstream list: a warning.
	printf 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n' >"$TMP/resolv.host"
	in_resolv_ns 'id=$($A create busybox true) && cat "$3/containers/$id/resolv.conf" &&
		$A rm -f "$id" >/dev/null'
	assert_success
	assert_contains "$stderr" "WARNING: the host's resolv.conf has no nameserver a container can reach"
	assert_contains "$stderr" "--dns"
	assert_eq "$(grep '^nameserver' <<<"$output" || true)" "" "nameservers"
	assert_contains "$output" "no nameserver a container can reach"
	# systemd-resolved's upstream servers, as docker reads them.
	in_resolv_ns 'printf "nameserver 198.51.100.53\nsearch lan\n" >/run/systemd/resolve/resolv.conf &&
		id=$($A create busybox true) && cat "$3/containers/$id/resolv.conf" &&
		$A rm -f "$id" >/dev/null'
	assert_success
	refute_contains "$stderr" "WARNING"
	assert_eq "$(grep '^nameserver' <<<"$output")" "nameserver 198.51.100.53"
	assert_contains "$output" "search lan"
}

# ---------------------------------------------------------------- cleanup

@test "network: removing every container and network leaves links, ruleset and IPAM as they were" {
	net_snapshot empty
	mk_net e1 --subnet 10.123.9.0/24
	mk_net e2 --internal --subnet 10.123.10.0/24
	mk_net e3 -d transparent -o parent=lan0 --subnet "$LAN_NET" --ip-range 198.51.100.192/26
	serving --name x1 --network e1 -p 8084:80 -p 8084:80/udp
	idle --name x2 --network e2
	eng network connect e1 x2 >/dev/null || fail "network connect e1 x2 failed"
	idle --name x3 --network e3
	create_c --name x4 --network e1 -p 8085:80 busybox true
	assert_reaches pns tcp "$HOST_IP" 8084 "$PEER_IP"
	eng rm -f x1 x2 x3 x4 >/dev/null || fail "rm -f failed"
	erun network rm e1 e2 e3
	assert_success
	net_same empty
}

@test "network: the default network: removing its containers leaves links, ruleset and IPAM as they were" {
	# a first container makes whatever the default network keeps
	idle
	eng rm -f "$ID" >/dev/null
	net_snapshot warm
	serving -p 8086:80
	idle
	assert_reaches pns tcp "$HOST_IP" 8086 "$PEER_IP"
	# shellcheck disable=SC2046
	eng rm -f $(eng ps -aq) >/dev/null
	net_same warm
}

@test "network: a create or run that fails (address outside the subnet or taken, no such network) leaves nothing" {
	local before_ps before_nets
	mk_net f1 --subnet 10.123.11.0/24
	create_c --name keep --network f1 --ip 10.123.11.10 busybox true
	net_snapshot before
	before_ps=$(eng ps -aq)
	before_nets=$(eng network ls -q)
	erun create --network f1 --ip 10.123.12.5 busybox true
	assert_status 125
	assert_contains "$stderr" 10.123.12.5
	erun create --network f1 --ip 10.123.11.10 busybox true
	assert_status 125
	assert_contains "$stderr" 10.123.11.10
	erun run -d --network nosuch busybox true
	assert_status 125
	assert_contains "$stderr" nosuch
	erun run -d --network f1 -p notaport busybox true
	assert_status 125
	# network create: docker's status 1 for what the engine refuses
	erun network create --subnet 10.123.11.0/25 f2
	assert_status 1
	erun network create --subnet 10.123.13.0/24 --gateway 10.9.9.9 f3
	assert_status 1
	assert_contains "$stderr" 10.9.9.9
	erun network create -d transparent --subnet 10.123.13.0/24 f4
	assert_status 1
	erun network create -d nosuchdriver f5
	assert_failure
	assert_contains "$stderr" nosuchdriver
	assert_eq "$(eng ps -aq)" "$before_ps" "containers"
	assert_eq "$(eng network ls -q)" "$before_nets" "networks"
	net_same before
}

@test "network: a crashed container's rules and links go at the next argon command" {
	local victim mon init
	idle --name sentinel	# keeps what the default network has while it is used
	net_snapshot before
	serving --name victim -p 8087:80
	victim=$ID
	assert_reaches pns tcp "$HOST_IP" 8087 "$PEER_IP"
	mon=$(monitor_pid "$victim") || fail "no monitor for $victim"
	init=$(pid_of "$victim")
	kill -9 "$mon" "$init"
	wait_pid_gone "$init"
	wait_pid_gone "$mon"
	# nobody has cleaned up yet: the victim's rules are still there
	NET_SAME_TRIES=1 run net_same before ruleset
	assert_failure
	assert_contains "$output" "argon:ctr:$victim"
	eng ps -a >/dev/null
	net_same before links addrs routes ruleset
	refute_reaches pns tcp "$HOST_IP" 8087
	eng rm -f victim >/dev/null
	net_same before
}
