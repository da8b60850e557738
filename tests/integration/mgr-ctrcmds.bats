#!/usr/bin/env bats
# cubo-mgr's diff, commit, export and rename: a container's changes listed
# (added, changed, deleted files and directories, opaque directories),
# made an image (with -c changes, author and message, the container paused
# meanwhile), written as a tar (a symlink out of the container kept as a
# link, never followed) and its name changed (docker's rules, a race of two
# renames). Images come from a real local registry; containers run through
# $RUNTIME.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry ctrcmds
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	mgr_container_setup "${RUN_SKIP:-}"
}

teardown() {
	mgr_container_teardown
}

# ctr_sh NAME SCRIPT: run SCRIPT in a new container NAME to its end; its output
ctr_sh() {
	mgr run -d --name "$1" "$BB" sh -c "$2" >/dev/null
	mgr wait "$1" >/dev/null
	mgr logs "$1"
}

# ---- diff ----

@test "diff: added, changed and deleted files and directories, docker's order" {
	run ctr_sh d 'mkdir -p /new/sub && echo x > /new/sub/f &&
		echo y >> /etc/passwd && rm /etc/group && rm -r /home && mkdir /tmp/t && echo done'
	[ "$output" = done ]
	run mgr diff d
	[ "$status" = 0 ]
	echo "$output"
	[ "$output" = "$(printf '%s\n' 'C /etc' 'D /etc/group' 'C /etc/passwd' 'D /home' \
		'A /new' 'A /new/sub' 'A /new/sub/f' 'C /tmp' 'A /tmp/t')" ]
	# docker's API numbers in json, one object a line
	run mgr diff --format json d
	[ "${lines[0]}" = '{"Path":"/etc","Kind":0}' ]
	[ "${lines[1]}" = '{"Path":"/etc/group","Kind":2}' ]
	[ "${lines[4]}" = '{"Path":"/new","Kind":1}' ]
	run mgr diff --format '{{.Kind}}:{{.Path}}' d
	[ "${lines[0]}" = "0:/etc" ]
	# a container with no changes lists nothing; the runtime's mount points are not changes
	mgr create --name clean "$BB" true >/dev/null
	run mgr diff clean
	[ "$status" = 0 ]
	[ -z "$output" ]
}

@test "diff: an opaque directory deletes what the image had in it" {
	# /home in the image holds user/; rm and mkdir make the new /home opaque
	run ctr_sh o 'rm -r /home && mkdir /home && mkdir /home/other && echo done'
	[ "$output" = done ]
	run mgr diff o
	echo "$output"
	[ "$status" = 0 ]
	[ "$output" = "$(printf '%s\n' 'C /home' 'A /home/other' 'D /home/user')" ]
}

@test "diff: a running container, an unknown one, and the argument count" {
	mgr run -d --name r "$BB" sh -c 'touch /made; sleep 60' >/dev/null
	for _ in $(seq 50); do mgr diff r | grep -q '^A /made$' && break; sleep 0.1; done
	run mgr diff r
	[ "$output" = "A /made" ]
	run mgr diff nosuch
	[ "$status" = 125 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	run mgr diff
	[ "$status" = 125 ]
	run mgr container diff r
	[ "$output" = "A /made" ]
}

# ---- rename ----

@test "rename: the new name in ps and inspect, the old one free, the hostname kept" {
	mgr run -d --name old "$BB" sleep 60 >/dev/null
	host=$(mgr exec old hostname)
	run mgr rename old new
	[ "$status" = 0 ]
	[ -z "$output" ]
	[ "$(mgr ps --format '{{.Names}}')" = new ]
	[ "$(mgr inspect -f '{{.Name}}' new)" = /new ]
	[ "$(mgr exec new hostname)" = "$host" ]
	[ "$(mgr inspect -f '{{.State.Status}}' new)" = running ]
	run mgr inspect old
	[ "$status" != 0 ]
	# the old name can be taken again, and given back by rename
	mgr create --name old "$BB" true >/dev/null
	run mgr rename new old
	[ "$status" = 125 ]
	[[ "$output" == *"Conflict. The container name \"old\" is already in use by container"* ]]
	mgr rm old >/dev/null
	mgr rename new /old
	[ "$(mgr ps --format '{{.Names}}')" = old ]
	mgr container rename old other
	[ "$(mgr ps --format '{{.Names}}')" = other ]
}

@test "rename: docker's errors" {
	mgr create --name a "$BB" true >/dev/null
	run mgr rename a a
	[ "$status" = 125 ]
	[[ "$output" == *"same name as its current name"* ]]
	run mgr rename a 'b/c'
	[ "$status" = 125 ]
	[[ "$output" == *'invalid container name "b/c"'* ]]
	run mgr rename a -x
	[ "$status" = 125 ]
	run mgr rename a
	[ "$status" = 125 ]
	[[ "$output" == *"expected CONTAINER and NEW_NAME"* ]]
	run mgr rename nosuch b
	[ "$status" = 125 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	[ "$(mgr ps -a --format '{{.Names}}')" = a ]
}

@test "rename: two containers racing for one name: one wins, the other keeps its name" {
	mgr create --name x1 "$BB" true >/dev/null
	mgr create --name x2 "$BB" true >/dev/null
	for i in $(seq 10); do
		mgr rename x1 "won$i" 2>"$BATS_TEST_TMPDIR/e1" & p1=$!
		mgr rename x2 "won$i" 2>"$BATS_TEST_TMPDIR/e2" & p2=$!
		s1=0 s2=0
		wait $p1 || s1=$?
		wait $p2 || s2=$?
		[ $((s1 == 0)) != $((s2 == 0)) ]
		[ "$(mgr ps -a --format '{{.Names}}' | grep -c "^won$i\$")" = 1 ]
		grep -q "already in use" "$BATS_TEST_TMPDIR"/e[12]
		# give the name back for the next round
		mgr rename "won$i" "$( [ $s1 = 0 ] && echo x1 || echo x2)"
		[ "$(mgr ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "x1 x2 " ]
	done
}

@test "rename: peers on a user network reach it by the new name" {
	command -v /usr/lib/cni/bridge >/dev/null || skip "needs the CNI plugins"
	mgr network create rn >/dev/null
	mgr run -d --name srv --network rn "$BB" sleep 60 >/dev/null
	mgr run -d --name cli --network rn "$BB" sleep 60 >/dev/null
	mgr exec cli grep -qw srv /etc/hosts
	mgr rename srv server
	run mgr exec cli cat /etc/hosts
	[[ "$output" == *server* ]]
	! mgr exec cli grep -qw srv /etc/hosts
	mgr exec server grep -qw server /etc/hosts
	mgr rm -f server cli >/dev/null
	mgr network rm rn >/dev/null
}
