#!/usr/bin/env bats
# cubo-mgr's networks: the default bridge through CNI, --network none|host,
# /etc/hosts and resolv.conf, published TCP and UDP ports reached from the
# host at 127.0.0.1, user networks whose containers find each other by name,
# network create/ls/inspect/rm/prune/connect/disconnect, and the cleanup of
# everything a container had on a network (veth, iptables rules, address,
# namespace) after rm, stop or a killed monitor.
#
# Traffic goes only to 127.0.0.1 or to containers this file started; every
# wait is bounded. User networks get names and subnets of their own per run,
# and teardown removes what this file made, even after a failure.

load helpers
load mgr-helpers

setup_file() {
	export NET_SKIP=
	if [ ! -x /usr/lib/cni/bridge ] && [ -z "${CUBO_CNI_PATH:-}" ]; then
		NET_SKIP="the CNI plugins are needed (containernetworking-plugins)"
		return 0
	fi
	mgr_registry_start net curl iptables-save || { NET_SKIP=$MGR_FILE_SKIP; return 0; }
	export NET_DIR=$MGR_FILE_DIR
	# "web": an image that EXPOSEs ports, for -P
	"$FIXTURES_DIR/make-image.sh" "$NET_DIR/layout" web >/dev/null
	umoci config --image "$NET_DIR/layout:web" --config.exposedports 80/tcp \
		--config.exposedports 53/udp >/dev/null
	mgr_push_images busybox web
	# a /24 of 10.213-10.242 per run, so parallel runs do not meet
	export NET_BASE="10.$((213 + RANDOM % 30)).$((RANDOM % 250))"
}

teardown_file() {
	[ -n "${NET_DIR:-}" ] || return 0
	"$FIXTURES_DIR/registry.sh" stop "$NET_DIR/reg" || true
	rm -rf --one-file-system "$NET_DIR"
}

setup() {
	mgr_container_setup "${NET_SKIP:-}"
	# names of this test's networks
	N1=t$$a$BATS_TEST_NUMBER
	N2=t$$b$BATS_TEST_NUMBER
}

teardown() {
	[ -n "${R:-}" ] && [ -d "$R" ] || return 0
	kill_root_leftovers
	release_root_networks "$N1|$N2|${N1}x"
	remove_root
}

# fetch URL: curl with bounded retries while the server comes up (10 x 0.2 s).
fetch() {
	local i
	for ((i = 0; i < 10; i++)); do
		curl -fsS -m 2 "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	curl -fsS -m 2 "$1"
}

# net_facts ID: "IP VETH" of its first network, from what the monitor keeps.
net_facts() {
	jq -r '.attachments[0].result | (.ips[0].address | split("/")[0]) + " " +
		([.interfaces[] | select(.sandbox == null) | .name] | last)' "$R/$1/net.json"
}

# assert_released ID IP VETH: nothing of the container is left on the host.
# The kernel destroys a removed namespace's veth in the background: its host
# end may outlive the command by a moment (polled, bounded: 3 s).
assert_released() {
	local id=$1 ip=$2 veth=$3 i
	for ((i = 0; i < 30; i++)); do
		ip link show dev "$veth" >/dev/null 2>&1 || break
		sleep 0.1
	done
	refute ip link show dev "$veth" >/dev/null 2>&1
	refute grep -qF "$id" <(iptables-save)
	refute grep -qE -- "(^|[^0-9])${ip//./\\.}(/32)?([^0-9]|$)" <(iptables-save)
	refute grep -rlsF "$id" "$R/networks/ipam" /run/cubo/ipam >/dev/null
	[ ! -e "/run/netns/cubo-$id" ]
	[ ! -e "$R/$id/net.json" ]
}

@test "default network: an address on cubo0, hosts and resolv.conf, --hostname, --add-host, --dns" {
	run mgr run -i --rm --name first --hostname h1 --add-host db.test:192.0.2.10 \
		--dns 192.0.2.53 --dns-search example.test "$BB" \
		sh -c 'hostname; ip -4 -o addr show eth0; cat /etc/hosts; echo ---; cat /etc/resolv.conf'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = h1 ]
	[[ "${lines[1]}" =~ inet\ (10\.87\.[0-9]+\.[0-9]+)/16 ]]
	ip=${BASH_REMATCH[1]}
	[[ "$output" == *"127.0.0.1	localhost"* ]]
	[[ "$output" == *"$ip	h1 first"* ]]
	[[ "$output" == *"192.0.2.10	db.test"* ]]
	[[ "${output#*---}" == *"nameserver 192.0.2.53"* ]]
	[[ "${output#*---}" == *"search example.test"* ]]
	ip -br addr show dev cubo0 | grep -q "10.87.0.1/16"
	# no --dns: the host's servers, as the host has them
	run mgr run -i --rm "$BB" cat /etc/resolv.conf
	[ "$output" = "$(grep -v '^nameserver 127\.' /etc/resolv.conf)" ]
	run mgr run --add-host nonsense "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--add-host "nonsense": expected HOST:IP'* ]]
	run mgr run --dns dns.example "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--dns "dns.example": not an IP address'* ]]
	[ -z "$(mgr ps -aq)" ]
}

@test "--network none has only lo, --network host the host's interfaces" {
	run mgr run -i --rm --network none "$BB" sh -c 'ls /sys/class/net; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo reached'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${lines[1]}" = reached ]
	run mgr run -i --rm --network host --add-host extra.test:192.0.2.7 "$BB" sh -c 'readlink /proc/self/ns/net; tail -n 1 /etc/hosts'
	[ "${lines[0]}" = "$(readlink /proc/self/ns/net)" ]
	[ "${lines[1]}" = "192.0.2.7	extra.test" ]
	run mgr run --network "no-such-net$$" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"network no-such-net$$ not found"* ]]
	run mgr run --network none --network host "$BB" true
	[ "$status" -eq 125 ]
	[ -z "$(mgr ps -aq)" ]
	# ps -f network=: the networks a container joins
	local none hosted
	none=$(mgr create --network none "$BB" true)
	hosted=$(mgr create --network host "$BB" true)
	[ "$(mgr ps -aq --no-trunc -f network=none)" = "$none" ]
	[ "$(mgr ps -aq --no-trunc -f network=host)" = "$hosted" ]
	[ "$(mgr ps -aq -f network=none -f network=host | wc -l)" = 2 ]
	[ -z "$(mgr ps -aq -f network=cubo)" ]
}

@test "-p: httpd published on 127.0.0.1 and on every address, fetched with curl; ps and port" {
	p1=$(free_port)
	p2=$(free_port)
	[ "$p1" != "$p2" ]
	id=$(run_detached --name web -p "127.0.0.1:$p1:80" -p "$p2:80" -p 80 "$BB" \
		sh -c 'mkdir /www && echo hello-from-web >/www/index.html && exec httpd -f -p 80 -h /www')
	[ "$(fetch "http://127.0.0.1:$p1/")" = hello-from-web ]
	# published on 0.0.0.0: reachable through 127.0.0.1 too (portmap's SNAT, route_localnet)
	[ "$(fetch "http://127.0.0.1:$p2/")" = hello-from-web ]
	run mgr port web
	[ "${lines[0]}" = "80/tcp -> 127.0.0.1:$p1" ]
	[ "${lines[1]}" = "80/tcp -> 0.0.0.0:$p2" ]
	[[ "${lines[2]}" =~ ^80/tcp\ -\>\ 0\.0\.0\.0:([0-9]+)$ ]]
	p3=${BASH_REMATCH[1]}
	[ "$p3" != 0 ]
	[ "$(fetch "http://127.0.0.1:$p3/")" = hello-from-web ]
	run mgr ps
	[[ "$output" == *"127.0.0.1:$p1->80/tcp, 0.0.0.0:$p2->80/tcp, 0.0.0.0:$p3->80/tcp"*web* ]]
	[ "$(mgr inspect web | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0] | .HostIp + ":" + .HostPort')" = "127.0.0.1:$p1" ]
	[[ "$(mgr inspect web | jq -r '.[0].NetworkSettings.Networks.cubo.IPAddress')" == 10.87.* ]]
	[ "$(mgr ps --format json | jq -r .Ports)" = "127.0.0.1:$p1->80/tcp, 0.0.0.0:$p2->80/tcp, 0.0.0.0:$p3->80/tcp" ]
	# the port is taken: a clear error, the second container made but never wired
	run mgr run -d --name second -p "$p2:80" "$BB" sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"port 0.0.0.0:$p2/tcp is already in use"* ]]
	id2=$(mgr ps -aq --no-trunc -f name=second)
	[ ! -e "$R/$id2/net.json" ] && [ ! -e "/run/netns/cubo-$id2" ]
	[ "$(fetch "http://127.0.0.1:$p2/")" = hello-from-web ]
	# -P: the image's EXPOSEd ports on free host ports
	mgr pull -q "$REG/web" >/dev/null
	run_detached --name exposed -P "$REG/web" sleep 100 >/dev/null
	run mgr port exposed
	[[ "$output" == *"80/tcp -> 0.0.0.0:"* ]]
	[[ "$output" == *"53/udp -> 0.0.0.0:"* ]]
	read -r ip veth < <(net_facts "$id")
	mgr rm -f web second exposed >/dev/null
	assert_released "$id" "$ip" "$veth"
	refute curl -fsS -m 1 "http://127.0.0.1:$p1/" 2>/dev/null
	run mgr run -p 99999:80 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'invalid host port "99999"'* ]]
}

@test "-p/udp: a datagram sent to 127.0.0.1 reaches the container" {
	p=$(free_port)
	run_detached --name dns -p "127.0.0.1:$p:5353/udp" "$BB" sleep 100 >/dev/null
	# nothing listens on 5353 inside: the kernel counts each arrival as Udp NoPorts
	noports() { mgr exec dns awk '/^Udp:/ && $2 ~ /^[0-9]/ {print $3}' /proc/net/snmp; }
	before=$(noports)
	echo probe >"/dev/udp/127.0.0.1/$p"
	for _ in $(seq 20); do [ "$(noports)" -gt "$before" ] && break; sleep 0.1; done
	[ "$(noports)" -eq $((before + 1)) ]
	[ "$(mgr port dns)" = "5353/udp -> 127.0.0.1:$p" ]
	# docker's PRIVATE_PORT[/PROTO] argument: the addresses only, or an error
	[ "$(mgr port dns 5353/udp)" = "127.0.0.1:$p" ]
	run mgr port dns 5353
	[ "$status" -eq 1 ]
	[[ $output == *"No public port '5353/tcp' published for dns"* ]]
	run mgr port dns 70000/udp
	[ "$status" -eq 125 ]
	[[ $output == *"expected PRIVATE_PORT[/PROTO]"* ]]
	mgr rm -f dns >/dev/null
}

@test "a user network: containers reach each other by name and alias; overlaps refused" {
	id=$(mgr network create --subnet "$NET_BASE.0/24" "$N1")
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run mgr network create --subnet "${NET_BASE%.*}.0.0/16" "$N2"
	[ "$status" -eq 125 ]
	[[ "$output" == *"overlaps with network $N1 ($NET_BASE.0/24)"* ]]
	run mgr network create --subnet 127.0.0.0/8 "$N2"
	[ "$status" -eq 125 ]
	[[ "$output" == *"overlaps with loopback"* ]]
	run mgr network create --subnet "$NET_BASE.1/24" "$N2"
	[[ "$output" == *"host bits are set"* ]]
	run mgr network create "$N1"
	[[ "$output" == *"network with name $N1 already exists"* ]]
	run mgr network create --gateway "$NET_BASE.1" "$N2"
	[ "$status" -eq 125 ]
	mgr network ls | grep -q "^${id:0:12}  *$N1  *bridge  *local$"
	[ "$(mgr network ls --format json | jq -r "select(.Name == \"$N1\") | .Driver")" = bridge ]

	srv=$(run_detached --name srv --network "$N1" --network-alias db "$BB" \
		sh -c 'mkdir -p /w && echo from-srv >/w/index.html && exec httpd -f -p 80 -h /w')
	cli=$(run_detached --name cli --network "$N1" "$BB" sleep 100)
	run mgr exec cli sh -c 'timeout 5 wget -q -O - http://srv/; timeout 5 wget -q -O - http://db/; ping -c 1 -W 2 srv >/dev/null && echo pinged'
	[ "$status" -eq 0 ]
	[ "$output" = "from-srv
from-srv
pinged" ]
	# the one that was there first learnt of the newcomer too
	mgr exec srv grep -q "	cli$" /etc/hosts
	run mgr network inspect "$N1"
	[ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Subnet')" = "$NET_BASE.0/24" ]
	[ "$(echo "$output" | jq -r ".[0].Containers[\"$srv\"].Name")" = srv ]
	[[ "$(echo "$output" | jq -r ".[0].Containers[\"$srv\"].IPv4Address")" == "$NET_BASE".*/24 ]]
	run mgr network rm "$N1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"network $N1 is in use by container"* ]]
	# the default network resolves no names (as docker's), aliases need a user network
	run mgr run --network-alias x "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"user-defined networks"* ]]
	# a stopped peer leaves the others' hosts files
	mgr stop -t 1 srv >/dev/null
	refute mgr exec cli grep -q "srv" /etc/hosts
	run mgr exec cli timeout 5 wget -q -O - http://srv/
	[ "$status" -ne 0 ]
	mgr start srv >/dev/null
	for _ in $(seq 20); do mgr exec cli grep -q "	srv db$" /etc/hosts && break; sleep 0.1; done
	mgr exec cli grep -q "	srv db$" /etc/hosts
	bridge=$(mgr network inspect "$N1" | jq -r '.[0].Options["com.docker.network.bridge.name"]')
	ip link show dev "$bridge" >/dev/null
	mgr rm -f srv cli >/dev/null
	mgr network rm "$N1"
	refute ip link show dev "$bridge" >/dev/null 2>&1
	[ ! -e "$R/networks/$N1.conflist" ]
}

@test "network connect and disconnect a running container; prune" {
	mgr network create --subnet "$NET_BASE.0/25" "$N1" >/dev/null
	mgr network create --subnet "$NET_BASE.128/25" "$N2" >/dev/null
	run_detached --name a --network "$N1" "$BB" sleep 100 >/dev/null
	run_detached --name b --network "$N2" "$BB" sleep 100 >/dev/null
	run mgr exec b ping -c 1 -W 1 a
	[ "$status" -ne 0 ]
	mgr network connect --alias www "$N2" a
	run mgr exec a ls /sys/class/net
	[ "$output" = "eth0
eth1
lo" ]
	mgr exec b ping -c 1 -W 2 a >/dev/null
	mgr exec b ping -c 1 -W 2 www >/dev/null
	[ "$(mgr inspect a | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')" = "$N1 $N2" ]
	run mgr network connect "$N2" a
	[ "$status" -eq 125 ]
	[[ "$output" == *"already connected"* ]]
	mgr network disconnect "$N2" a
	[ "$(mgr exec a ls /sys/class/net)" = "eth0
lo" ]
	refute mgr exec b grep -q "	a$" /etc/hosts
	run mgr network disconnect "$N1" a
	[ "$status" -eq 125 ]
	[[ "$output" == *"only network"* ]]
	mgr rm -f a b >/dev/null
	run mgr network create --subnet "$NET_BASE.0/26" "${N1}x"
	[ "$status" -eq 125 ]
	run mgr network prune -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"$N1"* ]] && [[ "$output" == *"$N2"* ]]
	[ "$(mgr network ls -q | wc -l)" -eq 1 ] # the default one stays
}

@test "network connect: two at once of one network attach it once" {
	local pause=$BATS_TEST_TMPDIR/pause pid second
	mgr network create --subnet "$NET_BASE.0/25" "$N1" >/dev/null
	mgr network create --subnet "$NET_BASE.128/25" "$N2" >/dev/null
	run_detached --name a --network "$N1" "$BB" sleep 100 >/dev/null
	mkdir -p "$pause"
	# the first connect is held after it wrote net.json, before the ADD
	CUBO_TEST_PAUSE_AT=net-connect-before-add CUBO_TEST_PAUSE_DIR=$pause \
		mgr network connect "$N2" a >"$BATS_TEST_TMPDIR/first.out" 2>&1 3>&- &
	pid=$!
	wait_for_file "$pause/net-connect-before-add.paused" 300
	# the second waits for the first, then finds the network connected
	mgr network connect "$N2" a >"$BATS_TEST_TMPDIR/second.out" 2>&1 3>&- &
	second=$!
	sleep 0.5
	kill -0 "$second"
	touch "$pause/net-connect-before-add.go"
	wait "$pid"
	local st=0
	wait "$second" || st=$?
	[ "$st" -eq 125 ]
	grep -q "already connected" "$BATS_TEST_TMPDIR/second.out"
	run mgr exec a ls /sys/class/net
	[ "$output" = "eth0
eth1
lo" ]
	[ "$(mgr inspect a | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')" = "$N1 $N2" ]
	mgr rm -f a >/dev/null
}

@test "cleanup: stop, rm and a killed monitor leave no veth, iptables rule, address or namespace" {
	p=$(free_port)
	id=$(run_detached --name c1 -p "127.0.0.1:$p:80" "$BB" sleep 100)
	read -r ip veth < <(net_facts "$id")
	[ -n "$veth" ] && ip link show dev "$veth" >/dev/null
	iptables-save | grep -qF "$id"
	[ -e "/run/netns/cubo-$id" ]
	mgr stop -t 1 c1 >/dev/null
	assert_released "$id" "$ip" "$veth"
	[ -z "$(mgr ps -a --format json | jq -r .Ports)" ]
	# a new start, the same port, then rm -f
	mgr start c1 >/dev/null
	read -r ip veth < <(net_facts "$id")
	mgr rm -f c1 >/dev/null
	assert_released "$id" "$ip" "$veth"
	# kill -9 of the monitor: the next command repairs, the container's networks go
	id=$(run_detached --name c2 -p "127.0.0.1:$p:80" "$BB" sleep 100)
	read -r ip veth < <(net_facts "$id")
	mon=$(mgr inspect --type container c2 | jq -r '.[0].State.MonitorPid')
	kill -9 "$mon"
	wait_dead "$mon"
	run mgr ps -a
	[[ "$output" == *"Exited (137)"*c2* ]]
	assert_released "$id" "$ip" "$veth"
	# and the port is free again
	run_detached --name c3 -p "127.0.0.1:$p:80" "$BB" true >/dev/null
	# --rm: gone with everything once it exits
	id=$(run_detached --rm --name c4 "$BB" sleep 1)
	read -r ip veth < <(net_facts "$id")
	for _ in $(seq 50); do [ -d "$R/$id" ] || break; sleep 0.1; done
	[ ! -d "$R/$id" ]
	assert_released "$id" "$ip" "$veth"
}

# assert_all_released IDS_FILE IFINDEX_FILE: nothing of these (removed)
# containers is left -- no veth (by the host end's ifindex, which the
# kernel does not hand out again at once), address file, namespace,
# iptables rule or directory -- polled while their monitors finish the
# release after the exit (bounded: 10 s).
assert_all_released() {
	local ids=$1 idx=$2 i left
	for ((i = 0; i < 100; i++)); do
		left=$(
			ip -o link show | awk -F': ' '{print $1}' | grep -xFf "$idx"
			grep -rlsFf "$ids" /run/cubo/ipam "$R/networks/ipam"
			iptables-save | grep -Ff "$ids"
			while read -r id; do
				[ ! -e "/run/netns/cubo-$id" ] || echo "netns $id"
				[ ! -e "$R/$id" ] || echo "dir $id"
			done <"$ids"
		) || true
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	echo "left: $left" >&2
	return 1
}

@test "run --rm -i: the exit comes first, the name, address and ports are free at once, the rest goes soon after" {
	local T=$BATS_TEST_TMPDIR i id
	: >"$T/ids"
	: >"$T/idx"
	# 100 attached runs in a row, all with one name: each finds it free
	for ((i = 0; i < 100; i++)); do
		run mgr run --rm -i --name same --cidfile "$T/cid$i" "$BB" cat /sys/class/net/eth0/iflink
		[ "$status" -eq 0 ]
		[[ "$output" =~ ^[0-9]+$ ]]
		echo "$output" >>"$T/idx"
		cat "$T/cid$i" >>"$T/ids"
		echo >>"$T/ids"
		# no record: the name and the container are gone when the client returns
		run mgr inspect --type container same
		[ "$status" -ne 0 ]
	done
	[ "$(sort -u "$T/ids" | wc -l)" = 100 ]
	assert_all_released "$T/ids" "$T/idx"
	[ -z "$(mgr ps -aq)" ]
	# -p: the port's rules are gone when the client returns, the same port works again
	p=$(free_port)
	: >"$T/ids"
	: >"$T/idx"
	for i in 1 2; do
		run mgr run --rm -i --cidfile "$T/pcid$i" -p "127.0.0.1:$p:80" "$BB" cat /sys/class/net/eth0/iflink
		[ "$status" -eq 0 ]
		echo "$output" >>"$T/idx"
		id=$(cat "$T/pcid$i")
		echo "$id" >>"$T/ids"
		refute grep -qF "$id" <(iptables-save)
		refute grep -rlsF "$id" /run/cubo/ipam >/dev/null
		[ ! -e "/run/netns/cubo-$id" ]
	done
	assert_all_released "$T/ids" "$T/idx"
}

@test "run -i without --rm: a start or rm right after the exit finds the release done" {
	local T=$BATS_TEST_TMPDIR i
	: >"$T/idx"
	run mgr run -i --name kept --cidfile "$T/cid" "$BB" cat /sys/class/net/eth0/iflink
	[ "$status" -eq 0 ]
	echo "$output" >>"$T/idx"
	id=$(cat "$T/cid")
	echo "$id" >"$T/ids"
	# each start waits for the last exit's release (the container's lock): one address, one veth
	for ((i = 0; i < 5; i++)); do
		run mgr start -a kept
		[ "$status" -eq 0 ]
		[[ "$output" =~ ^[0-9]+$ ]]
		echo "$output" >>"$T/idx"
		# its address is free when the client returns
		refute grep -rlsF "$id" /run/cubo/ipam >/dev/null
	done
	mgr rm kept >/dev/null
	assert_all_released "$T/ids" "$T/idx"
}

@test "run --rm -i --ip: the same address again at once" {
	mgr run --help | grep -q -- '--ip ' || skip "run has no --ip yet"
	mgr network create --subnet "$NET_BASE.0/24" "$N1" >/dev/null
	local i
	for i in 1 2 3; do
		run mgr run --rm -i --network "$N1" --ip "$NET_BASE.77" "$BB" ip -4 -o addr show eth0
		[ "$status" -eq 0 ]
		[[ "$output" == *"inet $NET_BASE.77/24"* ]]
	done
}

# calls PATTERN: how many logged plugin calls match.
calls() {
	grep -cE -- "$1" "$BATS_TEST_TMPDIR/cni.log" || true
}

@test "the bridge in process: no plugin on run or rm, the plugin's settings, portmap only with ports" {
	cni_logging
	id=$(run_detached --name c1 "$BB" sleep 100)
	read -r ip veth < <(net_facts "$id")
	[ "$(calls .)" = 0 ]
	# the result in the plugin's shape: bridge, host end, container end (in its namespace)
	jq -e --arg ns "/run/netns/cubo-$id" '.attachments[0].result |
		.cniVersion == "1.0.0" and (.interfaces | length) == 3 and
		.interfaces[0].name == "cubo0" and .interfaces[2].name == "eth0" and
		.interfaces[2].sandbox == $ns and .ips[0].interface == 2 and
		.ips[0].gateway == "10.87.0.1" and .routes[0].dst == "0.0.0.0/0"' "$R/$id/net.json"
	# the host end: a port of cubo0, up, hairpin, the bridge's MTU
	ip -o link show dev "$veth" | grep -q "master cubo0 .*state UP"
	[ "$(cat "/sys/class/net/$veth/brport/hairpin_mode")" = 1 ]
	[ "$(cat "/sys/class/net/$veth/mtu")" = "$(cat /sys/class/net/cubo0/mtu)" ]
	# host-local's format, in host-local's directory
	[ "$(cat "/run/cubo/ipam/cubo/$ip")" = "$id"$'\r\neth0' ]
	[ "$(cat /run/cubo/ipam/cubo/last_reserved_ip.0)" = "$ip" ] || true # another run may follow
	# inside: the address, the default route, the gateway answers
	run mgr exec c1 sh -c 'ip -4 -o addr show eth0; ip route; ping -c1 -W2 10.87.0.1 >/dev/null && echo pong'
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $ip/16"* ]]
	[[ "$output" == *"default via 10.87.0.1 dev eth0"* ]]
	[[ "$output" == *pong* ]]
	mgr rm -f c1 >/dev/null
	assert_released "$id" "$ip" "$veth"
	[ "$(calls .)" = 0 ]
	# published ports: portmap runs (ADD and DEL), the bridge and host-local do not
	p=$(free_port)
	id=$(run_detached --name c2 -p "127.0.0.1:$p:80" "$BB" httpd -f -p 80 -h /etc)
	read -r ip veth < <(net_facts "$id")
	fetch "http://127.0.0.1:$p/hostname" >/dev/null
	mgr rm -f c2 >/dev/null
	assert_released "$id" "$ip" "$veth"
	[ "$(calls "^portmap ADD $id")" = 1 ]
	[ "$(calls "^portmap DEL $id")" = 1 ]
	[ "$(calls '^(bridge|host-local)')" = 0 ]
}

@test "the bridge in process and the CNI plugins release each other's attachments" {
	cni_logging
	# in-process ADD; the monitor is killed; a CNI DEL (CUBO_NET_CNI=1) repairs
	id=$(run_detached --name c1 "$BB" sleep 100)
	read -r ip veth < <(net_facts "$id")
	mon=$(mgr inspect --type container c1 | jq -r '.[0].State.MonitorPid')
	kill -9 "$mon"
	wait_dead "$mon"
	CUBO_NET_CNI=1 mgr ps -a >/dev/null
	[ "$(calls "^bridge DEL $id")" = 1 ]
	[ "$(calls "^host-local DEL $id")" = 1 ]
	assert_released "$id" "$ip" "$veth"
	mgr rm c1 >/dev/null
	# CNI ADD (the monitor inherits CUBO_NET_CNI=1); killed; an in-process DEL repairs
	: >"$BATS_TEST_TMPDIR/cni.log"
	id=$(CUBO_NET_CNI=1 run_detached --name c2 "$BB" sleep 100)
	read -r ip veth < <(net_facts "$id")
	[ "$(calls "^bridge ADD $id")" = 1 ]
	[ "$(cat "/run/cubo/ipam/cubo/$ip")" = "$id"$'\r\neth0' ]
	mon=$(mgr inspect --type container c2 | jq -r '.[0].State.MonitorPid')
	kill -9 "$mon"
	wait_dead "$mon"
	mgr ps -a >/dev/null
	[ "$(calls "DEL $id")" = 0 ]
	assert_released "$id" "$ip" "$veth"
	mgr rm c2 >/dev/null
	# both kinds at once on one network: each gets its own address, rm releases both
	a=$(run_detached --name c3 "$BB" sleep 100)
	b=$(CUBO_NET_CNI=1 run_detached --name c4 "$BB" sleep 100)
	read -r ipa vetha < <(net_facts "$a")
	read -r ipb vethb < <(net_facts "$b")
	[ "$ipa" != "$ipb" ]
	run mgr exec c3 ping -c1 -W2 "$ipb"
	[ "$status" -eq 0 ]
	CUBO_NET_CNI=1 mgr rm -f c3 >/dev/null
	mgr rm -f c4 >/dev/null
	assert_released "$a" "$ipa" "$vetha"
	assert_released "$b" "$ipb" "$vethb"
}

@test "a network's rules: a deleted rule comes back at the next start; in place, no iptables run" {
	mgr network create --subnet "$NET_BASE.0/24" "$N1" >/dev/null
	br=$(jq -r '.plugins[0].bridge' "$R/networks/$N1.conflist")
	rule=(-s "$NET_BASE.0/24" ! -o "$br" -m comment --comment "cubo network $N1" -j MASQUERADE)
	mgr run --rm -i --network "$N1" "$BB" true
	iptables -w 10 -t nat -C POSTROUTING "${rule[@]}"
	# deleted behind cubo's back: the next start puts it back
	iptables -w 10 -t nat -D POSTROUTING "${rule[@]}"
	mgr run --rm -i --network "$N1" "$BB" true
	iptables -w 10 -t nat -C POSTROUTING "${rule[@]}"
	# and the FORWARD accept of the bridge's traffic, which the other one there must not hide
	fwd=(-i "$br" -m comment --comment "cubo network $N1" -j ACCEPT)
	iptables -w 10 -t filter -D FORWARD "${fwd[@]}"
	mgr run --rm -i --network "$N1" "$BB" true
	iptables -w 10 -t filter -C FORWARD "${fwd[@]}"
	# with nf_tables' iptables, a start after a check that changed nothing
	# runs none; nor after another tool's change (a new generation): the
	# rules are then read over netlink
	if command -v strace >/dev/null &&
		[ "$(basename "$(readlink -f "$(command -v iptables)")")" = xtables-nft-multi ]; then
		local i none=
		for ((i = 0; i < 5; i++)); do
			iptables -w 10 -t filter -N "cubot$$"
			iptables -w 10 -t filter -X "cubot$$"
			# LeakSanitizer cannot run under ptrace: off for the traced run of an ASan build
			ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
				strace -f -qq -e trace=execve -o "$BATS_TEST_TMPDIR/exec.log" \
				"$MGR" --root-dir "$R" run --rm -i --network "$N1" "$BB" true
			if ! grep -q 'iptables' "$BATS_TEST_TMPDIR/exec.log"; then
				none=1
				break
			fi
		done
		[ -n "$none" ]
	fi
	mgr network rm "$N1" >/dev/null
	[ ! -e "/run/cubo/rules-checked/$br" ]
	refute iptables -w 10 -t nat -C POSTROUTING "${rule[@]}" 2>/dev/null
}

@test "--ip: a fixed address on a user network, seen inside and pinged; taken, outside or bad refused; kept by a restart" {
	mgr network create --subnet "$NET_BASE.0/24" "$N1" >/dev/null
	fixed=$(run_detached --name fixed --network "$N1" --ip "$NET_BASE.200" "$BB" sleep 100)
	other=$(run_detached --name other --network "$N1" "$BB" sleep 100)
	mgr exec fixed ip -4 -o addr show eth0 | grep -q "inet $NET_BASE.200/24"
	mgr exec fixed grep -q "^$NET_BASE.200	" /etc/hosts
	mgr exec other ping -c 1 -W 2 "$NET_BASE.200" >/dev/null
	mgr exec other ping -c 1 -W 2 fixed >/dev/null
	run mgr inspect fixed
	[ "$(echo "$output" | jq -r ".[0].NetworkSettings.Networks[\"$N1\"].IPAddress")" = "$NET_BASE.200" ]
	[ "$(echo "$output" | jq -r ".[0].NetworkSettings.Networks[\"$N1\"].IPAMConfig.IPv4Address")" = "$NET_BASE.200" ]
	[ "$(mgr inspect other | jq -c ".[0].NetworkSettings.Networks[\"$N1\"].IPAMConfig")" = null ]
	# taken: by a running container, and by the gateway; outside the subnet
	run mgr run -d --network "$N1" --ip "$NET_BASE.200" "$BB" sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"address $NET_BASE.200 is already in use"* ]]
	run mgr run -d --network "$N1" --ip "$NET_BASE.1" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"address $NET_BASE.1 is the network's gateway"* ]]
	run mgr run -d --network "$N1" --ip 192.0.2.7 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"address 192.0.2.7 is not a container address of its subnet $NET_BASE.0/24"* ]]
	run mgr run -d --network "$N1" --ip "$NET_BASE.255" "$BB" true
	[ "$status" -eq 125 ]
	# bad strings, and networks that are not user-defined
	for bad in 10.1.2 10.1.2.300 "$NET_BASE.5/24" fe80::1 " $NET_BASE.5" ""; do
		run mgr run -d --network "$N1" --ip "$bad" "$BB" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"--ip: invalid IPv4 address: $bad"* ]]
	done
	for net in cubo bridge none host; do
		run mgr run -d --network "$net" --ip 10.87.0.50 "$BB" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"user specified IP address is supported on user defined networks only"* ]]
	done
	run mgr run -d --network "$N1" --ip6 fd00::5 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--ip6 fd00::5: network $N1 has no IPv6 subnet"* ]]
	run mgr run -d --network "$N1" --ip6 zz::1 "$BB" true
	[[ "$output" == *"--ip6: invalid IPv6 address: zz::1"* ]]
	# as docker: the one that failed to start stays created, the others were never made
	[ "$(mgr ps -a --format '{{.Status}}' | grep -c '^Created')" -eq 1 ]
	[ "$(mgr ps -aq | wc -l)" -eq 3 ]
	mgr container prune -f >/dev/null
	# the address is freed at stop, and a restart gets it back
	mgr stop -t 1 fixed >/dev/null
	refute grep -rlsF "$fixed" "$R/networks/ipam" >/dev/null
	mgr start fixed >/dev/null
	mgr exec fixed ip -4 -o addr show eth0 | grep -q "inet $NET_BASE.200/24"
	# network connect --ip: the other network's address, kept while connected
	mgr network create --subnet "${NET_BASE%.*}.$(( (${NET_BASE##*.} + 1) % 250 )).0/24" "$N2" >/dev/null
	sub2=$(mgr network inspect "$N2" | jq -r '.[0].IPAM.Config[0].Subnet')
	ip2=${sub2%.0/24}.77
	run mgr network connect --ip 192.0.2.9 "$N2" other
	[ "$status" -eq 125 ]
	[[ "$output" == *"not a container address of its subnet $sub2"* ]]
	run mgr network connect --ip "$ip2" cubo other
	[ "$status" -eq 125 ]
	[[ "$output" == *"user defined networks only"* ]]
	mgr network connect --ip "$ip2" "$N2" other
	mgr exec other ip -4 -o addr show eth1 | grep -q "inet $ip2/24"
	mgr restart -t 1 other >/dev/null
	mgr exec other ip -4 -o addr show eth1 | grep -q "inet $ip2/24"
	mgr network disconnect "$N2" other
	[ "$(mgr inspect other | jq -r '.[0].Id')" = "$other" ]
	# the CNI plugins' path does not apply them: refused, not ignored
	CUBO_NET_CNI=1 run mgr run -d --name viacni --network "$N1" --ip "$NET_BASE.201" "$BB" sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"not by CNI plugins"* ]]
	mgr rm -f viacni >/dev/null
	mgr rm -f fixed other >/dev/null
	refute grep -rlsF -e "$fixed" -e "$other" "$R/networks/ipam" >/dev/null
}

@test "--mac-address: the container's interface has it, on the default and a user network; bad ones refused" {
	mgr network create --subnet "$NET_BASE.0/24" "$N1" >/dev/null
	run mgr run -i --rm --mac-address 02:42:0A:00:00:2b "$BB" cat /sys/class/net/eth0/address
	[ "$status" -eq 0 ]
	[ "$output" = 02:42:0a:00:00:2b ]
	id=$(run_detached --network "$N1" --mac-address 92-00-00-00-00-01 "$BB" sleep 100)
	[ "$(mgr exec "$id" cat /sys/class/net/eth0/address)" = 92:00:00:00:00:01 ]
	[ "$(mgr inspect "$id" | jq -r ".[0].NetworkSettings.Networks[\"$N1\"].MacAddress")" = 92:00:00:00:00:01 ]
	# a peer reaches it by that MAC: the neighbour entry says so
	peer=$(run_detached --network "$N1" "$BB" sleep 100)
	addr=$(mgr inspect "$id" | jq -r ".[0].NetworkSettings.Networks[\"$N1\"].IPAddress")
	mgr exec "$peer" ping -c 1 -W 2 "$addr" >/dev/null
	mgr exec "$peer" ip neigh show "$addr" | grep -q "lladdr 92:00:00:00:00:01"
	# kept by a restart
	mgr restart -t 1 "$id" >/dev/null
	[ "$(mgr exec "$id" cat /sys/class/net/eth0/address)" = 92:00:00:00:00:01 ]
	for bad in 02:42:0a:00:00 02:42:0a:00:00:2g 02:42:0a:00:00:2b:00 0242.0a00.002b "" x; do
		run mgr run -d --mac-address "$bad" "$BB" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"$bad is not a valid mac address"* ]]
	done
	run mgr run -d --mac-address 01:00:5e:00:00:01 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"not a valid mac address: a multicast address"* ]]
	run mgr run -d --mac-address 00:00:00:00:00:00 "$BB" true
	[ "$status" -eq 125 ]
	run mgr run -d --network none --mac-address 02:00:00:00:00:01 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options: mac-address and the network mode"* ]]
	[ "$(mgr ps -aq | wc -l)" -eq 2 ]
	mgr rm -f "$id" "$peer" >/dev/null
}

@test "--link-local-ip: the addresses on the container's interface; not link-local or not a user network refused" {
	mgr network create --subnet "$NET_BASE.0/24" "$N1" >/dev/null
	id=$(run_detached --network "$N1" --link-local-ip 169.254.7.8 --link-local-ip fe80::7:8 "$BB" sleep 100)
	mgr exec "$id" ip -o addr show eth0 | grep -q "inet 169.254.7.8/16 .*scope link"
	mgr exec "$id" ip -o addr show eth0 | grep -q "inet6 fe80::7:8/64 scope link"
	mgr exec "$id" ip -4 -o addr show eth0 | grep -q "inet $NET_BASE\."
	[ "$(mgr inspect "$id" | jq -c ".[0].NetworkSettings.Networks[\"$N1\"].IPAMConfig.LinkLocalIPs")" = '["169.254.7.8","fe80::7:8"]' ]
	# a peer on the bridge reaches it there
	peer=$(run_detached --network "$N1" --link-local-ip 169.254.7.9 "$BB" sleep 100)
	mgr exec "$peer" ping -c 1 -W 2 169.254.7.8 >/dev/null
	# network connect: on the interface it adds
	mgr network create --subnet "${NET_BASE%.*}.$(( (${NET_BASE##*.} + 1) % 250 )).0/24" "$N2" >/dev/null
	mgr network connect --link-local-ip 169.254.9.9 "$N2" "$peer"
	mgr exec "$peer" ip -o addr show eth1 | grep -q "inet 169.254.9.9/16"
	for bad in 10.0.0.1 169.255.0.1 fec0::1 ::1; do
		run mgr run -d --network "$N1" --link-local-ip "$bad" "$BB" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"--link-local-ip $bad: not a link-local address"* ]]
	done
	run mgr run -d --network "$N1" --link-local-ip 169.254.1 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--link-local-ip: invalid IP address: 169.254.1"* ]]
	run mgr run -d --link-local-ip 169.254.1.1 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"user defined networks only"* ]]
	[ "$(mgr ps -aq | wc -l)" -eq 2 ]
	mgr rm -f "$id" "$peer" >/dev/null
}
