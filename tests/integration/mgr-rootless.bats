#!/usr/bin/env bats
# cubo-mgr run by a user who is not root: the manager joins one user
# namespace of the user's (its pause process holds it), so image files keep
# their owners as the user's subordinate ids, containers run through
# cubo-runc's rootless mode, and nothing needs root. Each test makes a
# throwaway user with ranges of its own (rootless-helpers.bash) and removes
# it with every process of it and of its subordinate ids, however it ended.

load helpers
load mgr-helpers
load rootless-helpers

setup_file() {
	# the pull test's registry; the other tests do without
	export RUN_SKIP= RUN_DIR=
	mgr_busybox_registry mgr-rootless
}

teardown_file() {
	[ -n "${RUN_DIR:-}" ] || return 0
	"$FIXTURES_DIR/registry.sh" stop "$RUN_DIR/reg" >/dev/null 2>&1 || true
	rm -rf --one-file-system "$RUN_DIR"
}

setup() {
	setup_common
	require_ns user
	command -v newuidmap >/dev/null || skip "needs newuidmap (scripts/install-deps.sh --test: uidmap)"
	rl_user_make cubomr
	# the user's root dir: the default, $HOME/.local/state/cubo
	UROOT=$RL_HOME/.local/state/cubo
	tar -C "$BUNDLE/rootfs" -cf "$RL_HOME/busybox.tar" .
	chown "$RL_UID:$RL_GID" "$RL_HOME/busybox.tar"
	NAME=mr$$-${BATS_TEST_NUMBER:-0}
}

teardown() {
	local ids
	if [ -n "${RL_USER:-}" ] && id "$RL_USER" >/dev/null 2>&1; then
		ids=$(umgr ps -aq 2>/dev/null || true)
		[ -z "$ids" ] || umgr rm -f $ids >/dev/null 2>&1 || true
	fi
	# the pause process and the monitors go with every other process of the user
	rl_user_remove
	[ -z "${TUN_MODE:-}" ] || chmod "$TUN_MODE" /dev/net/tun
	teardown_common
}

# umgr ARG...: cubo-mgr as the test's user, with the runtime under test.
umgr() {
	as_user env CUBO_RUNTIME="$RUNTIME" "$MGR" "$@"
}

# The user's busybox image, imported as bb.
import_busybox() {
	umgr import "$RL_HOME/busybox.tar" bb:latest >/dev/null
}

# The pid of the user's pause process, checked to be one.
pause_pid() {
	local p
	p=$(cat "$XDG/cubo/pause.pid")
	[ "$(cat "/proc/$p/comm")" = cubo-pause ] || return 1
	echo "$p"
}

@test "mgr rootless: import, run --rm; the layers' owners are the user's ids on the host" {
	import_busybox
	run umgr run --rm --network none bb echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	# others cannot reach the store (its setuid files are the user's and its ids')
	[ "$(stat -c %a "$UROOT")" = 700 ]
	# root in the image is the user on the host
	bb=$(find "$UROOT/layers" -path '*/bin/busybox' -type f | head -1)
	[ -n "$bb" ]
	[ "$(stat -c '%u:%g' "$bb")" = "$RL_UID:$RL_GID" ]
	# uid and gid 1000 in a layer: the user's 1000th subordinate ids
	mkdir -p "$TEST_TMP/l/data"
	echo x >"$TEST_TMP/l/data/f1000"
	chown 1000:1000 "$TEST_TMP/l/data/f1000"
	tar -C "$TEST_TMP/l" -cf "$RL_HOME/l.tar" .
	chmod 644 "$RL_HOME/l.tar"
	umgr import "$RL_HOME/l.tar" l1000:latest >/dev/null
	f=$(find "$UROOT/layers" -path '*/data/f1000' | head -1)
	[ -n "$f" ]
	[ "$(stat -c '%u:%g' "$f")" = "$((RL_SUB + 999)):$((RL_SUB + 999))" ]
	# the namespace's root sees it as 1000, and can remove what the user cannot
	run umgr unshare stat -c %u:%g "$f"
	[ "$output" = 1000:1000 ]
	run umgr unshare sh -c 'echo "$CUBO_ROOT"'
	[ "$output" = "$UROOT" ]
}

@test "mgr rootless: an id outside the user's ranges is an error naming the layer and file" {
	mkdir -p "$TEST_TMP/l"
	echo x >"$TEST_TMP/l/far"
	chown 70000:70000 "$TEST_TMP/l/far"
	tar -C "$TEST_TMP/l" -cf "$RL_HOME/l.tar" .
	chmod 644 "$RL_HOME/l.tar"
	run umgr import "$RL_HOME/l.tar" far:latest
	[ "$status" -eq 125 ]
	[[ $output == *"layer sha256:"*'entry "./far": chown to 70000:70000: an id outside this user namespace'*"/etc/subuid"* ]]
	run umgr images -q
	[ -z "$output" ]
}

@test "mgr rootless: run -d, ps, logs, exec, stop, rm, rmi" {
	import_busybox
	id=$(umgr run -d --network none --name "$NAME" bb sh -c 'echo started; exec sleep 1000' </dev/null)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	# the runtime's state is in the user's runtime dir, not in the store
	ls -d "$XDG"/cubo/runc-*/"$id"
	[ ! -e "$UROOT/runc/$id" ]
	run umgr ps --format '{{.Names}} {{.Status}}'
	[[ $output == "$NAME Up"* ]]
	for _ in $(seq 50); do
		[ "$(umgr logs "$NAME")" = started ] && break
		sleep 0.1
	done
	[ "$(umgr logs "$NAME")" = started ]
	run umgr exec "$NAME" id -u
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	# the container's processes are the user's on the host
	pid=$(umgr inspect -f '{{.State.Pid}}' "$NAME")
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$RL_UID" ]
	umgr stop -t 1 "$NAME" >/dev/null
	run umgr ps -a --format '{{.Names}} {{.Status}}'
	[[ $output == "$NAME Exited"* ]]
	umgr rm "$NAME" >/dev/null
	run umgr ps -aq
	[ -z "$output" ]
	umgr rmi bb >/dev/null
	run umgr images -q
	[ -z "$output" ]
	[ -z "$(ls -A "$UROOT/layers")" ]
}

@test "mgr rootless: --memory without a delegated cgroup fails with the runtime's error" {
	import_busybox
	run umgr run --rm --network none --memory 64m bb true
	[ "$status" -eq 125 ]
	[[ $output == *"linux.resources.memory: a rootless container gets limits only in a cgroup v2 subtree delegated to its user"* ]]
}

@test "mgr rootless: --network host is the host's; user networks are refused, naming pasta" {
	import_busybox
	run umgr network create "$NAME"
	[ "$status" -eq 125 ]
	[[ $output == *"network create: a rootless manager has no user networks yet"*"pasta"* ]]
	run umgr network ls
	[[ $output != *"$NAME"* ]]
	run umgr run --rm --network host bb cat /proc/net/dev
	[ "$status" -eq 0 ]
	# the host's interfaces
	ifs=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' /proc/net/dev | sort)
	[ "$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' <<<"$output" | sort)" = "$ifs" ]
	run umgr run --rm --network mynet bb true
	[ "$status" -eq 125 ]
	[[ $output == *'network "mynet": a rootless manager has no user networks yet'*"--network pasta"* ]]
	run umgr run --rm --network pasta --network slirp4netns bb true
	[ "$status" -eq 125 ]
	[[ $output == *"a rootless container joins one network"* ]]
	# nothing on PATH: the packages are named
	run as_user env PATH="$TEST_TMP/empty" CUBO_RUNTIME="$RUNTIME" "$MGR" run --rm bb true
	[ "$status" -eq 125 ]
	[[ $output == *"neither is on PATH: install the package passt (or slirp4netns)"* ]]
	run as_user env PATH="$TEST_TMP/empty" CUBO_RUNTIME="$RUNTIME" "$MGR" run --rm --network pasta bb true
	[ "$status" -eq 125 ]
	[[ $output == *"--network pasta: pasta is not on PATH: install the package passt"* ]]
	# a tun device the user may not open: named, with the fix
	TUN_MODE=$(stat -c %a /dev/net/tun)
	chmod 0600 /dev/net/tun
	run umgr run --rm bb true
	[ "$status" -eq 125 ]
	[[ $output == *"needs /dev/net/tun readable and writable by users (mode 0666"*"chmod 0666 /dev/net/tun"* ]]
}

# The user's pasta processes (pasta runs as passt.avx2 where the CPU has AVX2).
user_pastas() {
	pgrep -u "$RL_UID" '^(pasta|passt)' || true
}

# No pasta of the user's left (it ends soon after its namespace goes): 2 s at most.
no_pastas_left() {
	for _ in $(seq 20); do
		[ -z "$(user_pastas)" ] && break
		sleep 0.1
	done
	[ -z "$(user_pastas)" ]
}

need_pasta() {
	command -v pasta >/dev/null || skip "needs pasta (scripts/install-deps.sh --test: passt)"
	tun_for_users
}

# pasta and slirp4netns open /dev/net/tun as the user: Debian's udev makes
# it 0666, a host without udev keeps the kernel's 0600. The test's mode goes
# back in teardown.
tun_for_users() {
	TUN_MODE=$(stat -c %a /dev/net/tun)
	chmod 0666 /dev/net/tun
}

@test "mgr rootless: the default network is pasta: the host's 127.0.0.1 through the gateway; gone with rm" {
	need_pasta
	import_busybox
	port=$(free_port)
	# a server on the host's loopback only, as root
	python3 -m http.server --bind 127.0.0.1 --directory "$TEST_TMP" "$port" >/dev/null 2>&1 &
	srv=$!
	echo from-host >"$TEST_TMP/index.html"
	for _ in $(seq 50); do
		curl -fsS -m 1 "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
		sleep 0.1
	done
	# the container's gateway is the host's loopback (pasta's gateway mapping)
	run umgr run --rm bb sh -c 'gw=$(ip route | awk "/^default/ {print \$3}"); timeout 5 wget -qO- "http://$gw:'"$port"'/"'
	kill "$srv"
	wait "$srv" 2>/dev/null || true
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	# no pasta left once the container is gone
	[ -z "$(user_pastas)" ]
	# detached: an address of its own, the tool named by inspect, DNS through pasta
	umgr run -d --name "$NAME" bb sleep 1000 </dev/null >/dev/null
	[ "$(umgr inspect -f '{{.HostConfig.NetworkMode}}' "$NAME")" = pasta ]
	run umgr exec "$NAME" cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	[[ $output == *"nameserver 169.254.1.1"* ]]
	run umgr exec "$NAME" ip -4 addr show
	[ "$status" -eq 0 ]
	[[ $output == *"inet "* ]]
	[ -n "$(user_pastas)" ]
	id=$(umgr inspect -f '{{.Id}}' "$NAME")
	[ -e "$XDG/cubo/netns/cubo-$id" ]
	umgr rm -f "$NAME" >/dev/null
	no_pastas_left
	[ ! -e "$XDG/cubo/netns/cubo-$id" ]
}

@test "mgr rootless: -p 127.0.0.1:PORT:80 through pasta, fetched with curl; port; a privileged port is refused" {
	need_pasta
	import_busybox
	p=$(free_port)
	umgr run -d --name "$NAME" -p "127.0.0.1:$p:80" bb \
		sh -c 'mkdir /www && echo hello-rootless >/www/index.html && exec httpd -f -p 80 -h /www' \
		</dev/null >/dev/null
	out=
	for _ in $(seq 50); do
		out=$(curl -fsS -m 2 "http://127.0.0.1:$p/" 2>/dev/null) && break
		sleep 0.1
	done
	[ "$out" = hello-rootless ]
	run umgr port "$NAME"
	[ "$output" = "80/tcp -> 127.0.0.1:$p" ]
	run umgr ps --format '{{.Ports}}'
	[ "$output" = "127.0.0.1:$p->80/tcp" ]
	[ "$(umgr inspect "$NAME" | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0] | .HostIp + ":" + .HostPort')" = "127.0.0.1:$p" ]
	# the port is taken: the usual error, and the first container still serves
	run umgr run -d --name "$NAME-2" -p "127.0.0.1:$p:80" bb sleep 100
	[ "$status" -eq 125 ]
	[[ $output == *"port 127.0.0.1:$p/tcp is already in use"* ]]
	[ "$(curl -fsS -m 2 "http://127.0.0.1:$p/")" = hello-rootless ]
	umgr rm -f "$NAME-2" >/dev/null
	# no host port: one the kernel had free
	umgr run -d --name "$NAME-3" -p 127.0.0.1::80 bb httpd -f -p 80 -h /etc </dev/null >/dev/null
	run umgr port "$NAME-3"
	[[ $output =~ ^80/tcp\ -\>\ 127\.0\.0\.1:([0-9]+)$ ]]
	p3=${BASH_REMATCH[1]}
	[ "$p3" -ge 1024 ]
	out=
	for _ in $(seq 50); do
		out=$(curl -fsS -m 2 "http://127.0.0.1:$p3/hostname" 2>/dev/null) && break
		sleep 0.1
	done
	[ -n "$out" ]
	umgr rm -f "$NAME-3" >/dev/null
	# only what -p publishes: pasta forwards nothing else
	run umgr rm -f "$NAME"
	[ "$status" -eq 0 ]
	refute curl -fsS -m 1 "http://127.0.0.1:$p/" 2>/dev/null
	[ -z "$(user_pastas)" ]
	# a killed monitor leaves pasta running: rm stops it
	umgr run -d --name "$NAME" -p "127.0.0.1:$p:80" bb httpd -f -p 80 -h /etc </dev/null >/dev/null
	for _ in $(seq 50); do
		curl -fsS -m 2 "http://127.0.0.1:$p/hostname" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -fsS -m 2 "http://127.0.0.1:$p/hostname" >/dev/null
	mon=$(pgrep -u "$RL_UID" -x cubo-monitor)
	[ -n "$mon" ]
	kill -9 $mon
	[ -n "$(user_pastas)" ]
	umgr rm -f "$NAME" >/dev/null
	no_pastas_left
	refute curl -fsS -m 1 "http://127.0.0.1:$p/" 2>/dev/null
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	[ "$start" -gt 80 ] || skip "ip_unprivileged_port_start is $start"
	run umgr run --rm -p 127.0.0.1:80:80 bb true
	[ "$status" -eq 125 ]
	[[ $output == *"host port 80 is privileged"*"net.ipv4.ip_unprivileged_port_start ($start)"* ]]
	run umgr ps -aq
	[ -z "$output" ]
}

@test "mgr rootless: --network slirp4netns reaches the host's 127.0.0.1; -p is refused" {
	command -v slirp4netns >/dev/null || skip "needs slirp4netns (scripts/install-deps.sh --test: slirp4netns)"
	tun_for_users
	import_busybox
	run umgr run --rm --network slirp4netns bb sh -c 'ip -4 addr show tap0; cat /etc/resolv.conf'
	[ "$status" -eq 0 ]
	[[ $output == *"inet 10.0.2.100/24"* ]]
	[[ $output == *"nameserver 10.0.2.3"* ]]
	run umgr run --rm --network slirp4netns -p 18080:80 bb true
	[ "$status" -eq 125 ]
	[[ $output == *"--network slirp4netns publishes no ports yet"* ]]
	[ -z "$(pgrep -u "$RL_UID" slirp4netns)" ]
}

@test "mgr rootless: no subordinate ids, no newuidmap, no runtime dir: the documented errors" {
	sed -i "/^$RL_USER:/d" /etc/subuid
	run umgr images
	[ "$status" -eq 125 ]
	[[ $output == *"/etc/subuid has no subordinate ids for $RL_USER (uid $RL_UID)"*"\"$RL_USER:100000:65536\""*"usermod --add-subuids 100000-165535 $RL_USER"* ]]
	[ ! -e "$XDG/cubo/pause.pid" ]
	usermod -v "$RL_SUB-$((RL_SUB + 65535))" "$RL_USER"
	# no newuidmap in PATH
	run as_user env PATH="$TEST_TMP/empty" "$MGR" images
	[ "$status" -eq 125 ]
	[[ $output == *"newuidmap: not found in PATH"*"install the package uidmap"* ]]
	run as_user env -u XDG_RUNTIME_DIR "$MGR" images
	[ "$status" -eq 125 ]
	[[ $output == *"XDG_RUNTIME_DIR is not set"* ]]
	run as_user env XDG_RUNTIME_DIR=/tmp "$MGR" images
	[ "$status" -eq 125 ]
	[[ $output == *"XDG_RUNTIME_DIR /tmp: not a directory of this user's"* ]]
	# nothing was made: no pause process
	[ -z "$(user_pids)" ]
	# help needs none of it
	run as_user env -u XDG_RUNTIME_DIR "$MGR" unshare --help
	[ "$status" -eq 0 ]
	[[ $output == *"Usage: cubo-mgr unshare [COMMAND [ARG...]]"* ]]
}

@test "mgr rootless: one pause process, alone in its session with no fd; a gone one is replaced" {
	import_busybox
	p=$(pause_pid)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$p/status")" = "$RL_UID" ]
	[ -z "$(ls -A "/proc/$p/fd")" ]
	# a fresh program: nothing of the command that started it (arguments, environment)
	[ "$(tr '\0' ' ' <"/proc/$p/cmdline")" = "cubo-pause __pause " ]
	[ -z "$(tr -d '\0' <"/proc/$p/environ")" ]
	# a session of its own, no terminal
	[ "$(ps -o sid= -p "$p")" -ne "$(ps -o sid= -p $$)" ]
	[ "$(ps -o tty= -p "$p" | tr -d ' ')" = "?" ]
	# uid 0 is the user, 1.. its subordinate range
	[ "$(awk '{print $1, $2, $3}' "/proc/$p/uid_map" | tr '\n' ' ')" = "0 $RL_UID 1 1 $RL_SUB 65536 " ]
	[ "$(awk '{print $1, $2, $3}' "/proc/$p/gid_map" | tr '\n' ' ')" = "0 $RL_GID 1 1 $RL_SUB 65536 " ]
	# later runs join it: no second one
	umgr images >/dev/null
	[ "$(pause_pid)" = "$p" ]
	# (a killed one stays a zombie while the host's init is slow to reap it)
	n=0
	for q in $(pgrep -u "$RL_UID" -x cubo-pause); do
		[ "$(awk '{print $3}' "/proc/$q/stat" 2>/dev/null)" = Z ] || n=$((n + 1))
	done
	[ "$n" -eq 1 ]
	kill -9 "$p"
	wait_dead "$p" 2>/dev/null || sleep 0.5
	run umgr run --rm --network none bb echo again
	[ "$output" = again ]
	q=$(pause_pid)
	[ "$q" != "$p" ]
	# the store kept its owners: the same ranges
	[ "$(umgr unshare stat -c %u "$UROOT/layers")" = 0 ]
}

@test "mgr rootless: teardown leaves no process, mount or file of the user's" {
	import_busybox
	umgr run -d --network none --name "$NAME" bb sleep 1000 </dev/null >/dev/null
	[ -n "$(user_pids)" ]
	ids=$(umgr ps -aq)
	umgr rm -f $ids >/dev/null
	rl_user_remove
	assert_user_gone
	# and the user is gone too
	! id "$RL_USER" 2>/dev/null
	! grep -q "^$RL_USER:" /etc/subuid /etc/subgid
}

@test "mgr rootless: pull from the local registry as the user" {
	[ -z "$RUN_SKIP" ] || skip "$RUN_SKIP"
	umgr pull -q "$REG/busybox" >/dev/null
	run umgr run --rm --network none "$REG/busybox" echo pulled
	[ "$status" -eq 0 ]
	[ "$output" = pulled ]
	bb=$(find "$UROOT/layers" -path '*/bin/busybox' -type f | head -1)
	[ "$(stat -c %u "$bb")" = "$RL_UID" ]
}

@test "mgr rootless: with the pause process killed, running containers stay the manager's" {
	import_busybox
	umgr run -d --network none --name "$NAME" -u 1000 bb sleep 1000 </dev/null >/dev/null
	p=$(pause_pid)
	kill -9 "$p"
	wait_dead "$p" 2>/dev/null || sleep 0.5
	# the namespace the container and its monitor live in, not a new one: exec
	# joins it as a process of subordinate uid 1000
	run umgr exec "$NAME" id -u
	[ "$status" -eq 0 ]
	[ "$output" = 1000 ]
	[ "$(pause_pid)" != "$p" ]
	run umgr stop -t 1 "$NAME"
	[ "$status" -eq 0 ]
	run umgr ps -a --format '{{.Status}}'
	[[ $output == Exited* ]]
	umgr rm "$NAME" >/dev/null
}
