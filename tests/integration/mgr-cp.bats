#!/usr/bin/env bats
# cubo-mgr cp: docker's SRC_PATH/DEST_PATH table both ways, into and out of
# running and stopped containers (a stopped one's overlay is mounted in a
# namespace of cp's own: nothing stays mounted on the host); `-` for a tar
# stream both ways; -a keeping owners, and root's otherwise; -L; a volume;
# errors and their exit codes; and the attacks: symlinks in the container
# pointing at host paths or climbing with "..", a hostile tar stream
# ("../x", absolute names, a hardlink to /etc/passwd, a write through a
# symlink it made), fifos and devices never opened, sockets left out, and a
# container process swapping symlinks while cp runs. Images come from a real
# local registry (Debian's docker-registry on 127.0.0.1). Each test has its
# own root.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry cp
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	mgr_container_setup "${RUN_SKIP:-}"
	H=$BATS_TEST_TMPDIR/host
	mkdir -p "$H"
}

teardown() {
	mgr_container_teardown
}

# A running container NAME, and a stopped one NAME-s (created, never started).
two_containers() {
	run_detached -d --network none --name "$1" "$BB" sleep 1000 >/dev/null
	mgr create --network none --name "$1-s" "$BB" sleep 1000 >/dev/null
}

# ctr_cat CTR PATH: the file's contents, running or not (read through cp
# itself: a stopped container has no exec)
ctr_cat() {
	mgr cp "$1:$2" - | tar -xOf -
}

# The source tree: a file, a directory with a file and a symlink in it.
host_tree() {
	echo one >"$H/f"
	mkdir -p "$H/d/sub"
	echo two >"$H/d/sub/g"
	ln -sfn sub/g "$H/d/lnk"
}

# nothing of this root mounted in the host's namespace
no_root_mounts() {
	! awk '{print $5}' /proc/self/mountinfo | grep -q "^$R/"
}

table_into() {
	local c=$1
	host_tree
	mkdir -p "$H/empty" && mgr cp "$H/empty" "$c:/t"
	mgr cp "$H/f" "$c:/t/g" # a file, DEST missing: made
	[ "$(ctr_cat "$c" /t/g)" = one ]
	echo three >"$H/f3"
	mgr cp "$H/f3" "$c:/t/g" # a file, DEST a file: overwritten
	[ "$(ctr_cat "$c" /t/g)" = three ]
	mgr cp "$H/f" "$c:/t" # a file, DEST a directory: by its name
	[ "$(ctr_cat "$c" /t/f)" = one ]
	run mgr cp "$H/f" "$c:/t/nodir/" # DEST/ missing: an error
	[ "$status" -eq 1 ]
	[[ $output == *"$c:/t/nodir/: the destination directory must exist"* ]]
	run mgr cp "$H/f" "$c:/t/no/such" # DEST's parent missing
	[ "$status" -eq 1 ]
	[[ $output == *"$c:/t/no: no such directory"* ]]
	run mgr cp "$H/f/" "$c:/t" # a file named as a directory
	[ "$status" -eq 1 ]
	[[ $output == *"ot a directory"* ]]
	mgr cp "$H/d" "$c:/t/new" # a directory, DEST missing: made with the contents
	[ "$(ctr_cat "$c" /t/new/sub/g)" = two ]
	mgr cp "$H/d" "$c:/t/new" # a directory, DEST a directory: into it
	[ "$(ctr_cat "$c" /t/new/d/sub/g)" = two ]
	mgr cp "$H/d/." "$c:/t/f2dir" # "/." and DEST missing: made, too
	mgr cp "$H/d/." "$c:/t/new" # "/.": the contents into DEST
	mgr cp "$c:/t/new" - | tar -tf - | sort >"$H/list"
	grep -qx 'new/lnk' "$H/list"
	grep -qx 'new/sub/g' "$H/list"
	grep -qx 'new/d/lnk' "$H/list"
	run mgr cp "$H/d" "$c:/t/g" # a directory, DEST a file: an error
	[ "$status" -eq 1 ]
	[[ $output == *"cannot copy a directory to a file"* ]]
	# the symlink was copied as one
	mgr cp "$c:/t/new/lnk" - | tar -tvf - | grep -q 'lnk -> sub/g'
}

table_out() {
	local c=$1 o=$H/out
	mkdir -p "$o/dir"
	mgr cp "$c:/etc/passwd" "$o/h" # a file, DEST missing
	[ -f "$o/h" ]
	echo old >"$o/file"
	mgr cp "$c:/etc/passwd" "$o/file" # DEST a file: overwritten
	cmp "$o/h" "$o/file"
	mgr cp "$c:/etc/passwd" "$o/dir" # DEST a directory
	cmp "$o/h" "$o/dir/passwd"
	run mgr cp "$c:/etc/passwd" "$o/nodir/"
	[ "$status" -eq 1 ]
	[[ $output == *"the destination directory must exist"* ]]
	[ ! -e "$o/nodir" ]
	run mgr cp "$c:/etc/passwd/" "$o"
	[ "$status" -eq 1 ]
	mgr cp "$c:/etc" "$o/etc2" # a directory, DEST missing: made
	[ -f "$o/etc2/passwd" ]
	mgr cp "$c:/etc" "$o/dir" # DEST a directory: into it
	[ -f "$o/dir/etc/passwd" ]
	mgr cp "$c:/etc/." "$o/dir" # the contents
	[ -f "$o/dir/passwd" ]
	run mgr cp "$c:/etc" "$o/file"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot copy a directory to a file"* ]]
	run mgr cp "$c:/no/such" "$o"
	[ "$status" -eq 1 ]
	[[ $output == *"$c:/no/such: no such file or directory"* ]]
	# a relative container path is relative to its root, as in docker
	mgr cp "$c:etc/group" "$o/g"
	cmp "$o/g" "$o/etc2/group"
}

@test "cp: docker's table into a running and a stopped container" {
	two_containers box
	table_into box
	table_into box-s
	no_root_mounts
	# the stopped container starts with what was copied in
	mgr start box-s >/dev/null
	[ "$(mgr exec box-s cat /t/g)" = three ]
	[ "$(mgr exec box-s cat /t/new/d/sub/g)" = two ]
}

@test "cp: docker's table out of a running and a stopped container" {
	two_containers box
	table_out box
	rm -rf "$H/out"
	table_out box-s
	no_root_mounts
	# an exited container too, with what it wrote
	run_detached -d --network none --name done "$BB" sh -c 'echo bye >/left' >/dev/null
	mgr wait done >/dev/null
	mgr cp done:/left "$H/left"
	[ "$(cat "$H/left")" = bye ]
	no_root_mounts
}

@test "cp: - writes the source as a tar of its basename, and reads a tar into a directory" {
	two_containers box
	mgr exec box sh -c 'mkdir -p /srv/site/css && echo a >/srv/site/index && echo b >/srv/site/css/c'
	mgr cp box:/srv/site - >"$H/site.tar"
	[ "$(tar -tf "$H/site.tar" | sort | tr '\n' ' ')" = "site/ site/css/ site/css/c site/index " ]
	mgr cp box:/srv/site/index - | tar -tf - | grep -qx index
	mgr cp box:/srv/site/. - | tar -tf - | grep -qx index
	# the whole root: /proc and /sys are the kernel's views, copied empty, as docker leaves them out
	mgr cp box: - | tar -tf - >"$H/root.list"
	grep -qx etc/passwd "$H/root.list"
	grep -qx proc/ "$H/root.list"
	[ -z "$(grep '^proc/.' "$H/root.list")" ]
	[ -z "$(grep '^sys/.' "$H/root.list")" ]
	for c in box box-s; do
		mgr cp - "$c:/tmp" <"$H/site.tar"
		[ "$(ctr_cat "$c" /tmp/site/css/c)" = b ]
		run mgr cp - "$c:/tmp/none" <"$H/site.tar"
		[ "$status" -eq 1 ]
		[[ $output == *"must be a directory"* ]]
	done
	run mgr cp - "$H/x" <"$H/site.tar"
	[ "$status" -eq 125 ]
	[[ $output == *"must specify at least one container"* ]]
	# a reader that goes away is an error, not a hang or a crash
	mgr exec box dd if=/dev/zero of=/big bs=1M count=8 2>/dev/null
	run bash -c "'$MGR' --root-dir '$R' cp box:/big - 2>/dev/null | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 1 ]
}

@test "cp: owners are root's on the receiving side, kept with -a" {
	two_containers box
	echo x >"$H/owned"
	chown 1234:5678 "$H/owned"
	for c in box box-s; do
		mgr cp "$H/owned" "$c:/plain"
		mgr cp -a "$H/owned" "$c:/kept"
		[ "$(mgr cp "$c:/plain" - | tar --numeric-owner -tvf - | awk '{print $2}')" = 0/0 ]
		[ "$(mgr cp "$c:/kept" - | tar --numeric-owner -tvf - | awk '{print $2}')" = 1234/5678 ]
	done
	mgr exec box sh -c 'echo y >/theirs && chown 4321:8765 /theirs'
	mgr cp box:/theirs "$H/a"
	mgr cp --archive box:/theirs "$H/b"
	[ "$(stat -c %u:%g "$H/a")" = 0:0 ]
	[ "$(stat -c %u:%g "$H/b")" = 4321:8765 ]
	# file capabilities go both ways, the one xattr docker's cp carries
	echo p >"$H/capped"
	python3 -c 'import os, struct, sys; os.setxattr(sys.argv[1], "security.capability",
		struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0))' "$H/capped"
	mgr cp "$H/capped" box:/capped
	mgr cp box:/capped "$H/capped2"
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' \
		"$H/capped2")" = 0100000200200000000000000000000000000000 ]
}

@test "cp: a symlink at DEST to a file is followed (in the container, inside its root), as docker does" {
	two_containers box
	echo new >"$H/f"
	mkdir -p "$H/l" && echo old >"$H/l/tgt"
	ln -s /tgt "$H/l/abs"
	ln -s tgt "$H/l/rel"
	for c in box box-s; do
		echo new >"$H/f"
		mgr cp "$H/l/." "$c:/"
		mgr cp "$H/f" "$c:/abs"
		[ "$(ctr_cat "$c" /tgt)" = new ]
		mgr cp "$c:/abs" - | tar -tvf - | grep -q 'abs -> /tgt'
		echo newer >"$H/f"
		mgr cp "$H/f" "$c:/rel"
		[ "$(ctr_cat "$c" /tgt)" = newer ]
	done
	# on the host too
	echo old >"$H/real"
	ln -s real "$H/hostlink"
	mgr cp box:/tgt "$H/hostlink"
	[ -L "$H/hostlink" ]
	[ "$(cat "$H/real")" = newer ]
}

@test "cp: -L copies what a symlink at SRC names, else the symlink" {
	two_containers box
	mgr cp box:/bin/sh "$H/sh"
	[ -L "$H/sh" ]
	mgr cp -L box:/bin/sh "$H/sh2"
	[ -f "$H/sh2" ] && [ ! -L "$H/sh2" ]
	[ "$(stat -c %s "$H/sh2")" -gt 100000 ]
	echo data >"$H/target"
	ln -s target "$H/link"
	mgr cp "$H/link" box:/l1
	mgr cp --follow-link "$H/link" box:/l2
	mgr exec box test -L /l1
	[ "$(mgr exec box cat /l2)" = data ]
	mgr exec box test ! -L /l2
}

@test "cp: into and out of volumes and binds of a running and a stopped container" {
	run_detached -d --network none --name vbox -v cpvol:/data "$BB" sleep 1000 >/dev/null
	echo vol >"$H/v"
	mgr cp "$H/v" vbox:/data/
	[ "$(cat "$R/volumes/cpvol/_data/v")" = vol ]
	# a stopped container's volumes are where it would see them, not hidden in its overlay
	mkdir -p "$H/bind"
	echo ro >"$H/bind/r"
	mgr create --network none --name vstop -v cpvol2:/data -v "$H/bind:/hostdir:ro" "$BB" \
		sleep 1000 >/dev/null
	echo two >"$H/v2"
	mgr cp "$H/v2" vstop:/data/v2
	[ "$(cat "$R/volumes/cpvol2/_data/v2")" = two ]
	[ "$(ctr_cat vstop /hostdir/r)" = ro ]
	run mgr cp "$H/v2" vstop:/hostdir/
	[ "$status" -eq 1 ]
	[ ! -e "$H/bind/v2" ]
	no_root_mounts
	mgr start vstop >/dev/null
	[ "$(mgr exec vstop cat /data/v2)" = two ]
}

@test "cp: errors: no such container, copying between containers, usage" {
	two_containers box
	echo x >"$H/f"
	run mgr cp "$H/f" nosuch:/tmp
	[ "$status" -eq 1 ]
	[[ $output == *"no such container: nosuch"* ]]
	run mgr cp box:/etc/hostname box-s:/tmp
	[ "$status" -eq 125 ]
	[[ $output == *"copying between containers is not supported"* ]]
	run mgr cp "$H/f"
	[ "$status" -eq 125 ]
	# a local path with a colon, written explicitly
	echo c >"$H/a:b"
	(cd "$H" && mgr cp ./a:b box:/colon)
	[ "$(mgr exec box cat /colon)" = c ]
	# "CTR:" is its root, as paths in it are relative to that
	mgr cp "$H/f" box:
	[ "$(mgr exec box cat /f)" = x ]
	# the container group's spelling, and the help
	mgr container cp box:/colon "$H/c2"
	mgr cp --help | grep -q -- '--follow-link'
}

@test "cp: a tty hears what was copied, -q silences it" {
	command -v script >/dev/null || skip "script (bsdutils) is needed"
	two_containers box
	echo hi >"$H/f"
	out=$(script -qec "'$MGR' --root-dir '$R' cp '$H/f' box:/f" /dev/null)
	[[ $out == *"Successfully copied"*"to box:/f"* ]]
	out=$(script -qec "'$MGR' --root-dir '$R' cp -q '$H/f' box:/f" /dev/null)
	[ -z "$out" ]
}

@test "cp: symlinks in the container stay in the container, both ways" {
	two_containers box
	victim=$BATS_TEST_TMPDIR/victim
	mkdir "$victim"
	echo HOSTSECRET >"$BATS_TEST_TMPDIR/secret"
	echo x >"$H/f"
	mkdir -p "$H/d" && echo y >"$H/d/y"
	for c in box box-s; do
		# made by the image's own tools, through cp (a stopped container has no exec)
		mkdir -p "$H/links"
		ln -sfn "$victim" "$H/links/abs"
		ln -sfn ../../../../../../../../.. "$H/links/up"
		ln -sfn "$BATS_TEST_TMPDIR/secret" "$H/links/sec"
		ln -sfn /etc/shadow "$H/links/shadow"
		mgr cp "$H/links/." "$c:/"
		# the host's path made in the container too: what follows the links lands there
		mkdir -p "$H/mk$victim"
		mgr cp "$H/mk/." "$c:/"
		mgr cp "$H/f" "$c:/abs/"
		mgr cp "$H/f" "$c:/abs/f1"
		mgr cp "$H/d" "$c:/abs"
		mgr cp "$H/d" "$c:/up$victim/d2"
		mgr cp "$H/f" "$c:/up$victim/f2"
		mgr cp - "$c:/up" < <(tar -C "$H" -cf - f)
		# the host's secret is not behind the link, in the container's root
		run mgr cp -L "$c:/sec" "$H/got"
		[ "$status" -eq 1 ]
		[ ! -e "$H/got" ]
		run mgr cp "$c:/up$BATS_TEST_TMPDIR/secret" "$H/got"
		[ "$status" -eq 1 ]
		# /etc/shadow behind a link is the container's own (busybox's image has none)
		run mgr cp -L "$c:/shadow" "$H/shadow-$c"
		if [ "$status" -eq 0 ]; then
			run cmp -s /etc/shadow "$H/shadow-$c"
			[ "$status" -ne 0 ]
		fi
		mgr cp - "$c:/etc" < <(printf 'root:ctr:::::::\n' >"$H/shadow" && tar -C "$H" -cf - shadow)
		mgr cp -L "$c:/shadow" "$H/shadow-$c"
		[ "$(cat "$H/shadow-$c")" = "root:ctr:::::::" ]
		# a DEST link to a host file is followed inside the root: the host's stays
		mgr cp "$H/f" "$c:/sec"
		# the link itself comes out as a link
		mgr cp "$c:/shadow" "$H/sec-$c"
		[ -L "$H/sec-$c" ]
	done
	# /proc's magic links in the running container are not followed either
	run mgr cp "$H/f" "box:/proc/1/root$victim/f3"
	[ "$status" -eq 1 ]
	run mgr cp "box:/proc/1/root$BATS_TEST_TMPDIR/secret" "$H/got"
	[ "$status" -eq 1 ]
	[ -z "$(ls -A "$victim")" ]
	[ "$(cat "$BATS_TEST_TMPDIR/secret")" = HOSTSECRET ]
	# what went through the links went to the container's own $victim
	for c in box box-s; do
		[ "$(ctr_cat "$c" "$victim/f")" = x ]
		[ "$(ctr_cat "$c" "$victim/f1")" = x ]
		[ "$(ctr_cat "$c" "$victim/d/y")" = y ]
		[ "$(ctr_cat "$c" "$victim/d2/y")" = y ]
		[ "$(ctr_cat "$c" "$victim/f2")" = x ]
	done
	no_root_mounts
}

@test "cp: a hostile tar stream writes nothing outside DEST" {
	two_containers box
	victim=$BATS_TEST_TMPDIR/victim
	mkdir -p "$victim" "$H/t/sub"
	echo evil >"$H/t/sub/e"
	python3 - "$H" <<'EOF'
import io, sys, tarfile
h = sys.argv[1]
def tar(name, members):
    with tarfile.open(f"{h}/{name}.tar", "w") as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if data is not None else None)
def reg(name, data=b"evil\n"):
    m = tarfile.TarInfo(name); m.size = len(data); return (m, data)
def link(name, target, kind):
    m = tarfile.TarInfo(name); m.type = kind; m.linkname = target; return (m, None)
tar("dotdot", [reg("../../../../etc/cubo-cp-escape")])
tar("abs", [reg("/etc/cubo-cp-escape")])
tar("hard", [link("pw", "/etc/passwd", tarfile.LNKTYPE)])
tar("hardup", [link("pw", "../../etc/passwd", tarfile.LNKTYPE)])
tar("through", [link("l", "/etc", tarfile.SYMTYPE), reg("l/cubo-cp-escape")])
EOF
	pw=$(mgr exec box cat /etc/passwd)
	mgr exec box mkdir /dest
	for t in dotdot abs hard hardup through; do
		run mgr cp - box:/dest <"$H/$t.tar"
		echo "$t: $output"
		[ "$status" -eq 1 ]
	done
	# nothing landed in the container outside /dest, nor on the host
	mgr exec box sh -c 'test ! -e /etc/cubo-cp-escape && test ! -e /cubo-cp-escape'
	[ "$(mgr exec box cat /etc/passwd)" = "$pw" ]
	[ ! -e /etc/cubo-cp-escape ]
	# ".wh." names are files, never overlay whiteouts hiding the image's files
	mkdir -p "$H/wh" && touch "$H/wh/.wh.passwd"
	mgr cp "$H/wh/.wh.passwd" box:/etc/
	[ "$(mgr exec box cat /etc/passwd)" = "$pw" ]
}

@test "cp: fifos and devices are copied as nodes, never opened; sockets are left out" {
	two_containers box
	mgr exec box sh -c 'mkdir /n && mkfifo /n/fifo && mknod /n/null c 1 3 && echo ok >/n/file'
	# a unix socket: busybox's syslogd makes /dev/log
	mgr exec -d box busybox syslogd -n -O /dev/null
	for i in $(seq 50); do mgr exec box test -S /dev/log && break; sleep 0.1; done
	mgr exec box test -S /dev/log
	mgr cp box:/dev "$H/dev"
	[ -c "$H/dev/null" ]
	[ ! -e "$H/dev/log" ]
	# a fifo nobody writes would block an open forever
	timeout 60 "$MGR" --root-dir "$R" cp box:/n "$H/n"
	[ -p "$H/n/fifo" ]
	[ -c "$H/n/null" ]
	[ "$(stat -c %t:%T "$H/n/null")" = 1:3 ]
	timeout 60 "$MGR" --root-dir "$R" cp box:/n/fifo "$H/f2"
	[ -p "$H/f2" ]
	# and into the container: a host fifo, never opened either
	mkfifo "$H/hf"
	timeout 60 "$MGR" --root-dir "$R" cp "$H/hf" box:/hf
	mgr exec box test -p /hf
}

@test "cp: a container swapping symlinks while cp runs cannot redirect it" {
	two_containers box
	victim=$BATS_TEST_TMPDIR/victim
	mkdir "$victim"
	echo HOSTSECRET >"$BATS_TEST_TMPDIR/secret"
	# /r/d flips between a directory and links to a host path and to /;
	# /r/f between a file and a link to the host's secret
	mgr exec -d box sh -c "mkdir -p /r/d; echo mine >/r/f; i=0
		while [ \$i -lt 100000 ]; do
			rm -rf /r/d; ln -s $victim /r/d; rm /r/d; ln -s / /r/d; rm /r/d; mkdir /r/d
			rm -f /r/f; ln -s $BATS_TEST_TMPDIR/secret /r/f; rm /r/f; echo mine >/r/f
			i=\$((i + 1))
		done"
	echo payload >"$H/p"
	mkdir -p "$H/pd/x" && echo deep >"$H/pd/x/y"
	for i in $(seq 1 40); do
		mgr cp "$H/p" box:/r/d/ 2>/dev/null || true
		mgr cp "$H/pd" box:/r/d 2>/dev/null || true
		mgr cp - box:/r/d < <(tar -C "$H" -cf - pd) 2>/dev/null || true
		mgr cp box:/r "$H/out$i" 2>/dev/null || true
		mgr cp -L box:/r/f "$H/f$i" 2>/dev/null || true
	done
	# the copies ran (some fail, meeting a link where a directory was: that is fine)
	ls -d "$H"/out* >/dev/null
	# nothing went to the host paths the links named
	[ -z "$(ls -A "$victim")" ]
	[ ! -e /p ] && [ ! -e /pd ]
	# no file copied out holds the host's secret
	[ -z "$(grep -rls HOSTSECRET "$H"/out* "$H"/f*)" ]
}

@test "cp: into a stopped container while it starts: both work, one after the other" {
	mgr create --network none --name racer "$BB" sleep 1000 >/dev/null
	head -c 50000000 /dev/urandom >"$H/big"
	mgr cp "$H/big" racer:/big &
	cp_pid=$!
	mgr start racer >/dev/null
	wait "$cp_pid"
	# the copy went into the container's own files, whole
	mgr cp racer:/big "$H/back"
	cmp "$H/big" "$H/back"
	no_root_mounts
}

@test "cp: start and rm wait for a cp holding the stopped container, a cp for a start under way" {
	local pause=$BATS_TEST_TMPDIR/pause
	mkdir -p "$pause"
	mgr create --network none --name racer "$BB" sleep 1000 >/dev/null
	echo first >"$H/a"
	CUBO_TEST_PAUSE_AT=cp-after-mount CUBO_TEST_PAUSE_DIR=$pause \
		mgr cp "$H/a" racer:/a 3>&- &
	cp_pid=$!
	wait_for_file "$pause/cp-after-mount.paused" 300
	mgr start racer >"$BATS_TEST_TMPDIR/start.out" 2>&1 3>&- &
	start_pid=$!
	# its monitor waits for the container's lock, which cp holds with the overlay
	sleep 1
	[ "$(mgr inspect -f '{{.State.Status}}' racer)" = created ]
	touch "$pause/cp-after-mount.go"
	wait "$cp_pid"
	wait "$start_pid"
	[ "$(mgr exec racer cat /a)" = first ]
	no_root_mounts
	# the other order: a monitor that claimed the container holds cp until it runs
	mgr stop -t 0 racer >/dev/null
	echo second >"$H/b"
	CUBO_TEST_PAUSE_AT=monitor-after-claim CUBO_TEST_PAUSE_DIR=$pause \
		mgr start racer >"$BATS_TEST_TMPDIR/start2.out" 2>&1 3>&- &
	start_pid=$!
	wait_for_file "$pause/monitor-after-claim.paused" 300
	mgr cp "$H/b" racer:/b 3>&- &
	cp_pid=$!
	sleep 1
	kill -0 "$cp_pid" # still waiting
	touch "$pause/monitor-after-claim.go"
	wait "$start_pid"
	wait "$cp_pid"
	# it went into the running container, through its init's root
	[ "$(mgr exec racer cat /b)" = second ]
	[ "$(mgr exec racer cat /a)" = first ]
	no_root_mounts
	# rm waits for a cp holding the stopped container, then removes it whole
	mgr stop -t 0 racer >/dev/null
	CUBO_TEST_PAUSE_AT=cp-after-mount CUBO_TEST_PAUSE_DIR=$pause \
		mgr cp "$H/a" racer:/c 3>&- &
	cp_pid=$!
	wait_for_file "$pause/cp-after-mount.paused" 300
	mgr rm racer >/dev/null 3>&- &
	rm_pid=$!
	sleep 1
	mgr inspect racer >/dev/null
	touch "$pause/cp-after-mount.go"
	wait "$cp_pid"
	wait "$rm_pid"
	run mgr inspect racer
	[ "$status" -ne 0 ]
	no_root_mounts
}

@test "cp: a paused container" {
	run_detached -d --network none --name pz "$BB" sleep 1000 >/dev/null
	mgr pause pz >/dev/null || skip "pause is not available here"
	echo p >"$H/p"
	mgr cp "$H/p" pz:/p
	mgr cp pz:/p "$H/back"
	cmp "$H/p" "$H/back"
	mgr unpause pz >/dev/null
}
