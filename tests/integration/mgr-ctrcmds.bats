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

@test "rename: killed half way, the container keeps its old name and the new one is free" {
	mgr create --name before "$BB" true >/dev/null
	run env CUBO_TEST_CRASH_AT=rename-after-name "$MGR" --root-dir "$R" rename before after
	[ "$status" = 137 ]
	# the name link was made, the record not changed: the link holds no name
	[ -L "$R/names/after" ]
	[ "$(mgr ps -a --format '{{.Names}}')" = before ]
	run mgr inspect --type container after
	[ "$status" != 0 ]
	mgr create --name after "$BB" true >/dev/null
	[ "$(mgr ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "after before " ]
	mgr rename before third
	[ "$(mgr ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "after third " ]
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

# ---- export ----

@test "export: the filesystem as a tar, with the container's changes, to stdout or -o" {
	ctr_sh e 'echo new > /new && rm /etc/group && mkdir /d && echo x > /d/f && ln /d/f /d/hard' \
		>/dev/null
	mgr export e >"$BATS_TEST_TMPDIR/e.tar"
	run tar -tf "$BATS_TEST_TMPDIR/e.tar"
	[ "$status" = 0 ]
	[[ "$output" == *"bin/busybox"* ]]
	grep -qx 'etc/passwd' <<<"$output"
	grep -qx 'new' <<<"$output"
	grep -qx 'd/f' <<<"$output"
	! grep -qx 'etc/group' <<<"$output"
	! grep -q 'wh\.' <<<"$output"
	[ "$(tar -xOf "$BATS_TEST_TMPDIR/e.tar" new)" = new ]
	tar -tvf "$BATS_TEST_TMPDIR/e.tar" | grep -q 'd/hard link to d/f'
	# -o: the same entries, in a file made whole or not at all
	mgr export -o "$BATS_TEST_TMPDIR/o.tar" e
	[ "$(tar -tf "$BATS_TEST_TMPDIR/o.tar")" = "$(tar -tf "$BATS_TEST_TMPDIR/e.tar")" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep tmp-)" ]
	mgr container export e | tar -t | grep -qx new
	# a terminal is refused, as docker does
	if command -v script >/dev/null; then
		run script -qec "$MGR --root-dir $R export e" /dev/null
		[ "$status" = 125 ]
		[[ "$output" == *"cowardly refusing to save to a terminal"* ]]
	fi
	run mgr export nosuch
	[ "$status" = 125 ]
	[[ "$output" == *"no such container: nosuch"* ]]
}

@test "export: a running container, and nothing left mounted" {
	mgr run -d --name run "$BB" sh -c 'echo live > /live; sleep 60' >/dev/null
	for _ in $(seq 50); do mgr exec run test -f /live && break; sleep 0.1; done
	mgr export run | tar -xOf - live | grep -qx live
	# the host's mounts: none beneath this root (other tests' come and go meanwhile)
	! grep -qF " $R/" /proc/self/mountinfo
	! ls -a "$R"/*/ | grep -q '^\.export-'
	[ "$(mgr inspect -f '{{.State.Status}}' run)" = running ]
}

@test "export: a running container that adds, removes and replaces files meanwhile" {
	mgr run -d --name churn "$BB" sh -c 'mkdir /c; while :; do i=0; while [ $i -lt 50 ]; do
		echo $i > /c/t$i; mv /c/t$i /c/f$i; mkdir -p /c/d$i; rm -r /c/d$i; i=$((i + 1)); done
		rm -f /c/f*; done' >/dev/null
	for _ in $(seq 10); do
		mgr export churn | tar -t >/dev/null
	done
	[ "$(mgr inspect -f '{{.State.Status}}' churn)" = running ]
}

@test "export: a hostile tree: links out kept as links, fifos and devices as entries" {
	# the container points links at the host's files and leaves a fifo nobody writes
	ctr_sh h 'ln -s /etc/shadow /shadow-link && ln -s ../../../../../../etc /etc-up &&
		ln -s /proc/self/root /proc-root && mkfifo /fifo; mknod /null-dev c 1 3 && echo mknod'
	timeout 30 "$MGR" --root-dir "$R" export h >"$BATS_TEST_TMPDIR/h.tar"
	run tar -tvf "$BATS_TEST_TMPDIR/h.tar"
	[ "$status" = 0 ]
	grep -q ' shadow-link -> /etc/shadow$' <<<"$output"
	grep -q ' etc-up -> ../../../../../../etc$' <<<"$output"
	grep -q ' proc-root -> /proc/self/root$' <<<"$output"
	grep -q '^p.* fifo$' <<<"$output"
	if mgr logs h | grep -q mknod; then grep -q '^c.* 1,3 .*null-dev$' <<<"$output"; fi
	# nothing of the host came through a link: only the image's own files
	! grep -qE ' (shadow-link|etc-up|proc-root)/' <<<"$output"
	! tar -tf "$BATS_TEST_TMPDIR/h.tar" | grep -qx 'etc/shadow'
}

@test "export and commit: a socket the container left is left out, as docker leaves it" {
	command -v python3 >/dev/null || skip "python3 is needed (a unix socket)"
	mgr run -d --name s "$BB" sleep 1000 >/dev/null
	pid=$(mgr inspect -f '{{.State.Pid}}' s)
	# bound from the host into the container's root: a socket in its upper directory
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
		"/proc/$pid/root/sock"
	mgr exec s sh -c 'echo kept > /kept'
	mgr stop -t 0 s >/dev/null
	"$MGR" --root-dir "$R" export s >"$BATS_TEST_TMPDIR/s.tar"
	run tar -tf "$BATS_TEST_TMPDIR/s.tar"
	[ "$status" = 0 ]
	grep -qx 'kept' <<<"$output"
	! grep -qx 'sock' <<<"$output"
	run mgr commit s sock:1
	[ "$status" = 0 ]
	run mgr run --rm sock:1 sh -c 'cat /kept; test -e /sock || echo no-sock'
	[ "$status" = 0 ]
	[[ "$output" == *kept*no-sock* ]]
}

# ---- commit ----

@test "commit: the new image runs with the container's files, settings and -c changes" {
	ctr_sh c 'echo committed > /made && rm /etc/group' >/dev/null
	run mgr commit -a 'Jane <jane@example.com>' -m 'a message' \
		-c 'CMD ["cat", "/made"]' -c 'ENV COLOR=blue' -c 'LABEL team=infra' \
		-c 'WORKDIR /srv' -c 'EXPOSE 8080' -c 'USER 1000' \
		-c 'ONBUILD RUN echo $COLOR > /child' -c 'onbuild env CHILD=1' c snap:1
	[ "$status" = 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	id=$output
	[ "$(mgr image inspect -f '{{.Id}}' snap:1)" = "$id" ]
	cfg=$(mgr image inspect snap:1)
	[ "$(jq -c '.[0].Config.Cmd' <<<"$cfg")" = '["cat","/made"]' ]
	jq -e '.[0].Config.Env | index("COLOR=blue")' <<<"$cfg" >/dev/null
	! jq -e '.[0].Config.Env[] | select(startswith("HOSTNAME="))' <<<"$cfg" >/dev/null
	[ "$(jq -r '.[0].Config.Labels.team' <<<"$cfg")" = infra ]
	[ "$(jq -r '.[0].Config.WorkingDir' <<<"$cfg")" = /srv ]
	[ "$(jq -r '.[0].Config.User' <<<"$cfg")" = 1000 ]
	jq -e '.[0].Config.ExposedPorts["8080/tcp"]' <<<"$cfg" >/dev/null
	[ "$(jq -c '.[0].Config.OnBuild' <<<"$cfg")" = '["RUN echo $COLOR > /child","ENV CHILD=1"]' ]
	[ "$(jq -r '.[0].Author' <<<"$cfg")" = 'Jane <jane@example.com>' ]
	# history: the new layer's entry with author and comment
	run mgr history --format '{{.Comment}}' --no-trunc snap:1
	[ "${lines[0]}" = 'a message' ]
	# run it: the file is there, the deleted one is gone, the CMD runs
	mgr run -d --name from-snap snap:1 >/dev/null
	mgr wait from-snap >/dev/null
	[ "$(mgr logs from-snap)" = committed ]
	mgr run -d --name check -u 0 --entrypoint sh snap:1 -c 'test -e /etc/group && echo there || echo gone' >/dev/null
	mgr wait check >/dev/null
	[ "$(mgr logs check)" = gone ]
	# the new layer: the changes and a whiteout, not the runtime's mount points
	man=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] // "" | test("snap")) | .digest' "$R/images/index.json" | head -1)
	[ -n "$man" ]
	layer=$(jq -r '.layers[-1].digest' "$R/images/blobs/sha256/${man#sha256:}")
	run tar -tzf "$R/images/blobs/sha256/${layer#sha256:}"
	[ "$status" = 0 ]
	grep -qx made <<<"$output"
	grep -qx 'etc/.wh.group' <<<"$output"
	! grep -qE '^(etc/hosts|etc/hostname|etc/resolv.conf|proc|sys|dev)$' <<<"$output"
}

@test "commit: the container's own command and env are kept, without a name the image is dangling" {
	mgr run -d --name own -e FOO=bar "$BB" sh -c 'echo $FOO' >/dev/null
	mgr wait own >/dev/null
	id=$(mgr commit own)
	[[ "$id" =~ ^sha256: ]]
	cfg=$(mgr image inspect "$id")
	[ "$(jq -c '.[0].Config.Cmd' <<<"$cfg")" = '["sh","-c","echo $FOO"]' ]
	jq -e '.[0].Config.Env | index("FOO=bar")' <<<"$cfg" >/dev/null
	mgr images --format '{{.ID}} {{.Repository}}' | grep -q "^${id:7:12} <none>"
	mgr run -d --name again "$id" >/dev/null
	mgr wait again >/dev/null
	[ "$(mgr logs again)" = bar ]
}

@test "commit: a running container is paused meanwhile and runs after; --pause=false" {
	mgr run -d --name live "$BB" sh -c 'echo x > /live; sleep 60' >/dev/null
	for _ in $(seq 50); do mgr exec live test -f /live && break; sleep 0.1; done
	export CUBO_TEST_PAUSE_AT=commit-paused CUBO_TEST_PAUSE_DIR=$BATS_TEST_TMPDIR
	mgr commit live live:1 >"$BATS_TEST_TMPDIR/id" &
	pid=$!
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/commit-paused.paused" ] && break; sleep 0.1; done
	[ -e "$BATS_TEST_TMPDIR/commit-paused.paused" ]
	[ "$(mgr inspect -f '{{.State.Status}}' live)" = paused ]
	touch "$BATS_TEST_TMPDIR/commit-paused.go"
	wait $pid
	[ "$(mgr inspect -f '{{.State.Status}}' live)" = running ]
	mgr exec live true
	# --pause=false: running all along
	mgr commit --pause=false live live:2 >/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/commit-paused.paused" ] && break; sleep 0.1; done
	[ "$(mgr inspect -f '{{.State.Status}}' live)" = running ]
	touch "$BATS_TEST_TMPDIR/commit-paused.go"
	wait $pid
	unset CUBO_TEST_PAUSE_AT
	mgr run -d --name l1 live:1 cat /live >/dev/null
	mgr wait l1 >/dev/null
	[ "$(mgr logs l1)" = x ]
}

@test "commit: killed while the container is paused, unpause thaws it and no image is named" {
	mgr run -d --name k "$BB" sleep 60 >/dev/null
	run env CUBO_TEST_CRASH_AT=commit-paused "$MGR" --root-dir "$R" commit k killed:1
	[ "$status" = 137 ]
	[ "$(mgr inspect -f '{{.State.Status}}' k)" = paused ]
	mgr unpause k >/dev/null
	[ "$(mgr inspect -f '{{.State.Status}}' k)" = running ]
	mgr exec k true
	! mgr images --format '{{.Repository}}' | grep -q killed
}

@test "commit: bad changes, names and containers fail before anything is made" {
	mgr create --name c "$BB" true >/dev/null
	n=$(mgr images -q | wc -l)
	run mgr commit -c 'RUN echo no' c bad:1
	[ "$status" = 125 ]
	[[ "$output" == *'--change "RUN echo no"'*"RUN is not one of CMD, ENTRYPOINT"* ]]
	run mgr commit -c 'EXPOSE 99999' c bad:1
	[ "$status" = 125 ]
	run mgr commit -c 'BOGUS x' c bad:1
	[ "$status" = 125 ]
	run mgr commit -c 'ONBUILD FROM x' c bad:1
	[ "$status" = 125 ]
	[[ "$output" == *"FROM isn't allowed as an ONBUILD trigger"* ]]
	run mgr commit c 'UPPER/bad:1'
	[ "$status" = 125 ]
	run mgr commit nosuch x:1
	[ "$status" = 125 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	run mgr commit
	[ "$status" = 125 ]
	[ "$(mgr images -q | wc -l)" = "$n" ]
}
