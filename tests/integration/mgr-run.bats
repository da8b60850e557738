#!/usr/bin/env bats
# cubo-mgr's containers: run/create/start/stop/rm/ps/logs/exec/attach/wait,
# volumes, limits, security defaults, names under concurrency and repair
# after kills. Images are pulled from a real local registry (Debian's
# docker-registry on 127.0.0.1); containers run through $RUNTIME (cubo-runc)
# and, in the tests that say so, through runc. Each test has its own root.

load helpers
load mgr-helpers

setup_file() {
	export RUN_SKIP=
	mgr_registry_start run || { RUN_SKIP=$MGR_FILE_SKIP; return 0; }
	export RUN_DIR=$MGR_FILE_DIR
	local layout=$RUN_DIR/layout
	# "app": what an image's config may ask of a container
	"$FIXTURES_DIR/make-image.sh" "$layout" app >/dev/null
	umoci config --image "$layout:app" --config.entrypoint /bin/sh \
		--config.entrypoint -c --config.cmd 'echo "cmd $0 in $(pwd) as $(id -u) $GREETING"' \
		--config.env GREETING=hello --config.workingdir /tmp --config.user user \
		--config.stopsignal SIGUSR1 >/dev/null
	# "layered": a second layer that deletes a file and replaces a directory
	"$FIXTURES_DIR/make-image.sh" "$layout" layered >/dev/null
	umoci unpack --image "$layout:layered" "$RUN_DIR/unpacked" >/dev/null
	rm "$RUN_DIR/unpacked/rootfs/bin/vi"
	rm -rf "$RUN_DIR/unpacked/rootfs/home"
	mkdir -p "$RUN_DIR/unpacked/rootfs/home/new" "$RUN_DIR/unpacked/rootfs/data"
	echo layer2 >"$RUN_DIR/unpacked/rootfs/data/file"
	ln "$RUN_DIR/unpacked/rootfs/data/file" "$RUN_DIR/unpacked/rootfs/data/hardlink"
	umoci repack --image "$layout:layered" "$RUN_DIR/unpacked" >/dev/null
	umoci config --image "$layout:layered" --config.volume /data >/dev/null
	rm -rf "$RUN_DIR/unpacked"
	umoci gc --layout "$layout"
	mgr_push_images busybox app layered
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

# No mount of this root is left on the host.
assert_no_mounts() {
	refute grep -q "^$R/" <(awk '{print $5}' /proc/self/mountinfo)
}

@test "run -d: prints the ID; ps, logs, stop and rm work on it" {
	id=$(run_detached --name web "$BB" sh -c 'echo started; trap "echo bye; exit 3" TERM; while true; do sleep 0.1; done')
	run mgr ps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "CONTAINER ID"*IMAGE*COMMAND*CREATED*STATUS*PORTS*NAMES ]]
	[[ "${lines[1]}" == "${id:0:12} "*"$BB"*"\"sh -c "*"Up "*web ]]
	for _ in $(seq 50); do mgr logs web | grep -q started && break; sleep 0.1; done
	[ "$(mgr logs web)" = started ]
	run mgr stop -t 5 web
	[ "$status" -eq 0 ]
	[ "$output" = web ]
	run mgr ps
	[ "${#lines[@]}" -eq 1 ]
	run mgr ps -a
	[[ "${lines[1]}" == *"Exited (3) "*" ago"*web ]]
	[ "$(mgr logs web)" = "$(printf 'started\nbye')" ]
	run mgr rm web
	[ "$status" -eq 0 ]
	run mgr ps -aq
	[ -z "$output" ]
	[ ! -e "$R/$id" ]
	assert_no_mounts
}

@test "run -d: the monitor keeps none of the caller's files, pipes or sockets" {
	local held="$BATS_TEST_TMPDIR/held"
	: >"$held"
	# fd 7 a file, fd 8 the write end of a pipe read by cat: if a monitor
	# kept either, the find would name it or the pipeline would not end
	exec 7>"$held"
	out=$(timeout 30 bash -c '"$@" 8>&1 | cat' _ "$MGR" --root-dir "$R" run -d --name keep \
		"$BB" sleep 1000 </dev/null)
	rc=$?
	exec 7>&-
	[ "$rc" -eq 0 ]
	[[ $out =~ ^[0-9a-f]{64}$ ]]
	[ "$(mgr inspect -f '{{.State.Status}}' keep)" = running ]
	holders=$(find /proc/[0-9]*/fd -lname "$held" 2>/dev/null || true)
	echo "held by: $holders"
	[ -z "$holders" ]
	mgr rm -f keep >/dev/null
}

@test "run -i: attaches, passes stdin, keeps stdout and stderr apart, exits with the code" {
	run --separate-stderr mgr run -i --rm "$BB" sh -c 'read x; echo "got $x"; echo oops >&2; exit 42' <<<"line"
	[ "$status" -eq 42 ]
	[ "$output" = "got line" ]
	[ "$stderr" = oops ]
	run mgr ps -aq
	[ -z "$output" ]
}

@test "run: the image's ENTRYPOINT, CMD, ENV, WORKDIR and USER, and the flags over them" {
	mgr pull -q "$REG/app" >/dev/null
	run mgr run -i --rm "$REG/app" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "cmd /bin/sh in /tmp as 1000 hello" ]
	# a command replaces CMD and keeps the entrypoint
	run mgr run -i --rm -w /home -u 0 -e GREETING=hi "$REG/app" 'echo $(pwd) $(id -u) $GREETING $HOME' </dev/null
	[ "$output" = "/home 0 hi /root" ]
	printf 'A=1\n# comment\nB=two words\n' >"$BATS_TEST_TMPDIR/env"
	run mgr run -i --rm --entrypoint env --env-file "$BATS_TEST_TMPDIR/env" --hostname box "$REG/app" </dev/null
	[[ "$output" == *"A=1"* ]]
	[[ "$output" == *"B=two words"* ]]
	[[ "$output" == *"HOSTNAME=box"* ]]
	[[ "$output" == *"HOME=/home/user"* ]]
	run mgr run -i --rm -u nosuchuser "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user nosuchuser"* ]]
	run mgr inspect --type container "$(mgr create --name insp "$REG/app")"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = /insp ]
	[ "$(jq -r '.[0].Config.StopSignal' <<<"$output")" = SIGUSR1 ]
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = created ]
}

@test "names: 100 parallel runs of 10 names give exactly 10 containers" {
	local pids=()
	for i in $(seq 0 99); do
		(mgr create --name "n$((i % 10))" "$BB" true >/dev/null 2>"$BATS_TEST_TMPDIR/err.$i" &&
			echo ok >"$BATS_TEST_TMPDIR/ok.$i") &
		pids+=($!)
	done
	# only these: bats has a background process of its own under a test timeout
	wait "${pids[@]}" || true # 90 of them fail, as they must
	[ "$(ls "$BATS_TEST_TMPDIR" | grep -c '^ok\.')" -eq 10 ]
	[ "$(mgr ps -aq | wc -l)" -eq 10 ]
	[ "$(mgr ps -a --format json | jq -r .Names | sort -u | wc -l)" -eq 10 ]
	grep -l "is already in use by container" "$BATS_TEST_TMPDIR"/err.* | wc -l | grep -qx 90
}

@test "containers by full ID, unique prefix or name; clear errors otherwise" {
	id=$(mgr create --name byname "$BB" true)
	[ "$(mgr inspect --type container "$id" | jq -r '.[0].Id')" = "$id" ]
	[ "$(mgr inspect --type container "${id:0:5}" | jq -r '.[0].Id')" = "$id" ]
	[ "$(mgr inspect --type container byname | jq -r '.[0].Id')" = "$id" ]
	run mgr rm nosuch
	[ "$status" -eq 125 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	run mgr create --name byname "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"\"byname\" is already in use by container $id"* ]]
	run mgr create --name "bad name" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid container name"* ]]
	[ "$(mgr ps -aq | wc -l)" -eq 1 ]
	# docker's ps filters and -n/-l
	mgr run -i --name other "$BB" sh -c 'exit 3' || true
	[ "$(mgr ps -q -f status=created)" = "${id:0:12}" ]
	[ "$(mgr ps -q -f exited=3 --no-trunc)" = "$(mgr inspect --type container other | jq -r '.[0].Id')" ]
	[ "$(mgr ps -a -q -f name=byn -f name=oth | wc -l)" -eq 2 ]
	[ "$(mgr ps -a -q -f name=byn -f status=exited | wc -l)" -eq 0 ]
	[ "$(mgr ps -a -q -f "ancestor=$BB" | wc -l)" -eq 2 ]
	[ "$(mgr ps -l --format json | jq -r .Names)" = other ]
	[ "$(mgr ps -n 5 -q | wc -l)" -eq 2 ]
	run mgr ps -f size=1
	[ "$status" -eq 125 ]
	[[ "$output" == *'--filter "size=1"'* ]]
	mgr rm other
}

@test "bad flags and images: exit 125, a message naming the value, no container made" {
	run mgr run --memory lots "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--memory: invalid size "lots"'* ]]
	run mgr run -p 99999:80 "$BB" true
	[[ "$output" == *'invalid host port "99999"'* ]]
	run mgr run -v rel/dir:/x "$BB" true
	[[ "$output" == *"neither a host path (/abs, ./rel) nor a volume name"* ]]
	run mgr run --cpus 1000 "$BB" true
	[[ "$output" == *"range of CPUs"* ]]
	run mgr run --cap-add NOPE "$BB" true
	[[ "$output" == *'unknown capability "NOPE"'* ]]
	run mgr run --env-file /nonexistent "$BB" true
	[[ "$output" == *"/nonexistent"* ]]
	run mgr run --network bridge9 "$BB" true
	[[ "$output" == *'--network "bridge9"'* ]]
	run mgr run "127.0.0.1:1/none:latest" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"127.0.0.1:1/none"* ]]
	run -127 mgr run -i "$BB" /no/such/cmd
	[ "$status" -eq 127 ]
	[[ "$output" == *"/no/such/cmd"* ]]
	[ "$(mgr ps -aq | wc -l)" -eq 1 ] # only the one whose command was missing
	assert_no_mounts
}

@test "-v: bind mounts read-write and read-only; named volumes outlive containers" {
	mkdir -p "$BATS_TEST_TMPDIR/host"
	echo from-host >"$BATS_TEST_TMPDIR/host/f"
	run mgr run -i --rm -v "$BATS_TEST_TMPDIR/host:/h" "$BB" sh -c 'cat /h/f; echo new >/h/g'
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$BATS_TEST_TMPDIR/host/g")" = new ]
	run mgr run -i --rm -v "$BATS_TEST_TMPDIR/host:/h:ro" "$BB" sh -c 'cat /h/f && echo x >/h/h'
	[ "$status" -ne 0 ]
	[[ "$output" == *from-host*"Read-only file system"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/host/h" ]
	mgr run -i --rm -v data:/data "$BB" sh -c 'echo kept >/data/file'
	run mgr run -i --rm -v data:/d:ro "$BB" cat /d/file
	[ "$output" = kept ]
	run mgr volume ls
	[[ "${lines[0]}" == DRIVER*"VOLUME NAME" ]]
	[[ "${lines[1]}" == local*data ]]
	[ "$(mgr volume inspect data | jq -r '.[0].Mountpoint')" = "$R/volumes/data/_data" ]
	mgr create --name user -v data:/data "$BB" true
	run mgr volume rm data
	[ "$status" -eq 125 ]
	[[ "$output" == *"volume data is in use by container user"* ]]
	mgr rm user
	mgr volume create spare
	mgr run -i --rm -v /anon "$BB" true
	run mgr volume prune -f
	[ "$status" -eq 0 ]
	run mgr volume ls -q
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "data spare " ]
	mgr volume rm data spare
	[ -z "$(mgr volume ls -q)" ]
	# an image's VOLUME gets an anonymous volume holding what the image has there
	mgr pull -q "$REG/layered" >/dev/null
	mgr run -i --name withvol "$REG/layered" sh -c 'cat /data/file; stat -c %h /data/hardlink; grep -c " /data " /proc/self/mounts; echo mine >/data/new'
	run mgr start -a withvol
	[ "$output" = "$(printf 'layer2\n2\n1')" ]
	anon=$(mgr volume ls -q)
	[[ "$anon" =~ ^[0-9a-f]{64}$ ]]
	[ "$(cat "$R/volumes/$anon/_data/new")" = mine ]
	mgr rm -v withvol
	[ -z "$(mgr volume ls -q)" ]
	# a named volume that is not empty is left as it is
	mgr volume create kept
	echo own >"$R/volumes/kept/_data/own"
	run mgr run -i --rm -v kept:/data "$REG/layered" ls /data
	[ "$output" = own ]
	mgr volume rm kept
	run mgr volume create --driver nfs x
	[ "$status" -eq 125 ]
	[[ "$output" == *'--driver "nfs": only the local driver'* ]]
	run mgr volume create --driver local yy
	[ "$output" = yy ]
}

@test "limits: --memory, --cpus and --pids-limit land in the container's cgroups" {
	id=$(run_detached --memory 64m --cpus 0.5 --pids-limit 77 "$BB" sleep 100)
	# the file in whichever of the container's cgroups has it (on a hybrid
	# host: a v1 hierarchy's, not the cgroup2 mount's)
	cg() {
		local d
		for d in $(ctr_cgroup_dirs "$id"); do
			[ -e "$d/$1" ] && cat "$d/$1" && return
		done
		return 1
	}
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cg memory.max)" = 67108864 ]
		[ "$(cg cpu.max)" = "50000 100000" ]
		[ "$(cg pids.max)" = 77 ]
	else
		[ "$(cg memory.limit_in_bytes)" = 67108864 ]
		[ "$(cg cpu.cfs_quota_us)" = 50000 ]
		[ "$(cg pids.max)" = 77 ]
	fi
	# the container sees its own limit through its cgroup namespace
	run mgr exec "$id" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
	[ "$output" = 67108864 ]
	mgr rm -f "$id"
	[ -z "$(ctr_cgroup_dirs "$id")" ]
}

@test "security: docker's capabilities and seccomp profile, --read-only, --cap-add/--cap-drop, no-new-privileges" {
	run mgr run -i --rm "$BB" sh -c 'grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status; unshare -m true; echo unshare=$?'
	[[ "$output" == *"CapEff:	00000000a80425fb"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	[[ "$output" == *"unshare=1"* ]]
	run mgr run -i --rm --cap-add SYS_ADMIN --cap-drop ALL --cap-add chown "$BB" grep CapEff /proc/self/status
	[ "$output" = "CapEff:	0000000000200001" ]
	run mgr run -i --rm --security-opt no-new-privileges --security-opt seccomp=unconfined "$BB" grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	0"* ]]
	run mgr run -i --rm --ulimit nofile=512:1024 --ulimit core=-1 "$BB" sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
	[ "$output" = "$(printf '512\n1024\nunlimited')" ]
	run mgr run -i --rm --ulimit nofile=2048:1024 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"soft limit is above"* ]]
	# one stream in the order written: the container's stdout and stderr are two pipes
	run mgr run -i --rm --read-only "$BB" sh -c 'exec 2>&1; touch /x; touch /tmp/y; cat /proc/kcore 2>/dev/null | head -c1 | wc -c'
	[[ "$output" == *"Read-only file system"* ]]
	[[ "${lines[-1]}" == 0 ]]
}

# profile_refused FILE TEXT: create with that seccomp profile exits 125 saying TEXT
profile_refused() {
	run mgr create --security-opt "seccomp=$1" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"$2"* ]]
}

@test "--security-opt seccomp=PROFILE.json: docker's format, rules per capability and arch, errors with the JSON path" {
	local p=$BATS_TEST_TMPDIR/profile.json
	cat >"$p" <<'JSON'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"archMap": [
		{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
		{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
	],
	"syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "comment": "no new directories"},
		{"names": ["chmod", "fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		 "includes": {"caps": ["CAP_SYS_ADMIN"]}},
		{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "includes": {"arches": ["s390x"]}},
		{"names": ["symlinkat", "symlink"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "excludes": {"caps": ["CAP_CHOWN"]}}
	]
}
JSON
	run in_ctr --security-opt "seccomp=$p" -- 'exec 2>&1; grep ^Seccomp: /proc/self/status; mkdir /d; touch /f; chmod 600 /f && echo chmod=ok; rmdir /nothere; ln -s /f /l && echo ln=ok'
	[[ "${lines[0]}" == "Seccomp:	2" ]]
	# mkdir denied with EPERM; chmod's rule needs CAP_SYS_ADMIN, rmdir's another arch,
	# and the symlink rule is excluded by CAP_CHOWN, which docker's default set has
	[[ "$output" == *"mkdir: can't create directory '/d': Operation not permitted"* ]]
	[[ "$output" == *"chmod=ok"* ]]
	[[ "$output" == *"rmdir: '/nothere': No such file or directory"* ]]
	[[ "$output" == *"ln=ok"* ]]
	run in_ctr --security-opt "seccomp=$p" --cap-add SYS_ADMIN --cap-drop CHOWN -- 'exec 2>&1; touch /f; chmod 600 /f || echo chmod=denied; ln -s /f /l || echo ln=denied'
	[[ "$output" == *"Permission denied"*"chmod=denied"* ]]
	[[ "$output" == *"ln=denied"* ]]
	# --privileged has no seccomp filter, as in docker
	run in_ctr --privileged --security-opt "seccomp=$p" -- 'grep ^Seccomp: /proc/self/status'
	[ "$output" = "Seccomp:	0" ]
	# a malformed profile: refused at create, naming the file and the field
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOPE"}]}' >"$p"
	profile_refused "$p" "--security-opt seccomp: $p: syscalls[0].action: unknown action \"SCMP_ACT_NOPE\""
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":9,"op":"SCMP_CMP_EQ"}]}]}' >"$p"
	profile_refused "$p" "syscalls[0].args[0].index: 9: a syscall has arguments 0 to 5"
	echo '{"syscalls":[]}' >"$p"
	profile_refused "$p" defaultAction
	echo '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[]}' >"$p"
	profile_refused "$p" "use either 'architectures' or 'archMap'"
	# hostile files: too large, not a regular file, missing
	head -c 2000000 /dev/zero | tr '\0' ' ' >"$p"
	profile_refused "$p" "larger than 1048576 bytes"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	profile_refused "$BATS_TEST_TMPDIR/fifo" "not a regular file"
	profile_refused /nonexistent.json /nonexistent.json
	# no AppArmor or SELinux here: their confining values are refused, not ignored
	run mgr create --security-opt apparmor=docker-default "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"AppArmor and SELinux are not applied"* ]]
	run mgr create --security-opt label=type:svirt_lxc_net_t "$BB" true
	[ "$status" -eq 125 ]
	run in_ctr --security-opt apparmor=unconfined --security-opt label=disable -- 'echo ok'
	[ "$output" = ok ]
	[ -z "$(mgr ps -aq)" ]
}

@test "--rm: the container goes when it exits, detached or attached" {
	id=$(run_detached --rm "$BB" sh -c 'exit 0')
	for _ in $(seq 100); do [ -e "$R/$id" ] || break; sleep 0.05; done
	[ ! -e "$R/$id" ]
	run mgr ps -aq
	[ -z "$output" ]
	assert_no_mounts
}

@test "create, start -a, restart, kill -s, wait, pause and unpause" {
	mgr create --name c1 "$BB" sh -c 'echo run; exit 7' >/dev/null
	[ "$(state_of c1)" = created ]
	run mgr start -a c1
	[ "$status" -eq 7 ]
	[ "$output" = run ]
	run mgr wait c1
	[ "$output" = 7 ]
	mgr run -d --name s1 "$BB" sh -c 'trap "exit 9" USR1; while true; do sleep 0.1; done' >/dev/null
	mgr pause s1
	[ "$(state_of s1)" = paused ]
	run mgr ps
	[[ "$output" == *"(Paused)"* ]]
	mgr unpause s1
	[ "$(state_of s1)" = running ]
	mgr kill -s USR1 s1
	run mgr wait s1
	[ "$output" = 9 ]
	mgr restart s1
	wait_state s1 running
	run mgr kill s1
	run mgr wait s1
	[ "$output" = 137 ]
	run mgr kill s1
	[ "$status" -eq 125 ]
	[[ "$output" == *"is not running"* ]]
	# --stop-timeout and --stop-signal: init ignores signals it has no handler for
	mgr run -d --name s3 --stop-timeout 1 --stop-signal usr2 -l app=web -l tier "$BB" sleep 100 >/dev/null
	start=$(date +%s%N)
	mgr stop s3
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
	[ "$(mgr inspect s3 | jq -c '.[0].Config | [.StopSignal, .StopTimeout, .Labels]')" = '["SIGUSR2",1,{"app":"web","tier":""}]' ]
	[ "$(mgr ps -a -q -f label=app=web)" = "$(mgr ps -a -q -f name=s3)" ]
	# every label= must match, as docker's; other keys' values are ORed
	[ "$(mgr ps -a -q -f label=tier -f label=app=web)" = "$(mgr ps -a -q -f name=s3)" ]
	[ -z "$(mgr ps -a -q -f label=tier -f label=none)" ]
	[ "$(mgr ps -a -q -f name=s3 -f name=nothing-of-that-name | wc -l)" -eq 1 ]
	[ -z "$(mgr ps -a -q -f label=app=db)" ]
	mgr rm s3 >/dev/null
	mgr run -d --name s2 "$BB" sleep 100 >/dev/null
	run mgr rm s2
	[ "$status" -eq 125 ]
	[[ "$output" == *"stop it first or use --force"* ]]
	run mgr stop --force s2
	[ "$status" -eq 0 ]
	[[ "$(mgr ps -a --format json | jq -r 'select(.Names=="s2") | .Status')" == "Exited (137)"* ]]
	# starts at once: one monitor wins, the others say so
	mgr create --name twice "$BB" sleep 100 >/dev/null
	local pids=()
	for i in 1 2 3; do
		mgr start twice >"$BATS_TEST_TMPDIR/start.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" || true
	# each one either started it, found it running, or was refused while it started
	ok=$(grep -lx twice "$BATS_TEST_TMPDIR"/start.* | wc -l)
	busy=$(grep -l "already running or starting" "$BATS_TEST_TMPDIR"/start.* | wc -l)
	[ "$ok" -ge 1 ]
	[ $((ok + busy)) -eq 3 ]
	[ "$(state_of twice)" = running ]
	[ "$(monitors | wc -l)" -eq 1 ]
	mgr rm -f twice >/dev/null
	run mgr container prune -f
	[[ "$output" == *"Deleted Containers:"* ]]
	[ -z "$(mgr ps -aq)" ]
}

@test "logs: 100 MB written by a container read back intact; --tail, -t and -f" {
	# no cap on this one: the whole 100 MB is read back (a file of ~600 MB)
	mgr run -d --name big --log-opt max-size=-1 "$BB" sh -c 'seq 1 13000000' >/dev/null
	run mgr wait big
	[ "$output" = 0 ]
	want=$(seq 1 13000000 | md5sum)
	[ "$(mgr logs big | md5sum)" = "$want" ]
	[ "$(mgr logs big | wc -c)" -gt 100000000 ]
	[ "$(mgr logs --tail 3 big)" = "$(printf '12999998\n12999999\n13000000')" ]
	[[ "$(mgr logs -n 1 -t big)" =~ ^20[0-9-]+T[0-9:.]+Z\ 13000000$ ]]
	# -f prints what comes and ends when the container stops
	mgr run -d --name live "$BB" sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done; echo err >&2' >/dev/null
	run --separate-stderr timeout 20 "$MGR" --root-dir "$R" logs -f live
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nline3')" ]
	[ "$stderr" = err ]
}

@test "exec: environment, directory, user, exit codes and stdin" {
	mgr run -d --name ex "$BB" sleep 100 >/dev/null
	run mgr exec -e X=1 -w /tmp -u user ex sh -c 'echo $X $(pwd) $(id -un)'
	[ "$output" = "1 /tmp user" ]
	run mgr exec ex sh -c 'exit 5'
	[ "$status" -eq 5 ]
	# the runtime exits 255 when it cannot start the command; docker's codes
	# are 127 (not found) and 126 (cannot be run); the command's own pass
	run -127 mgr exec ex /no/such
	[ "$status" -eq 127 ]
	run -127 mgr exec ex no-such-command
	[ "$status" -eq 127 ]
	run -126 mgr exec ex /etc/passwd
	[ "$status" -eq 126 ]
	[[ "$output" == *"permission denied"* ]]
	for code in 126 127 255; do
		run "-$code" mgr exec ex sh -c "exit $code"
	done
	# a signal sent to cubo-mgr exec reaches the command (through the runtime)
	"$MGR" --root-dir "$R" exec ex sh -c 'trap "echo got-term >/tmp/term; exit 9" TERM; echo >/tmp/ready; while :; do sleep 0.1; done' &
	local bg=$!
	for _ in $(seq 100); do mgr exec ex test -e /tmp/ready && break; sleep 0.1; done
	kill -TERM "$bg"
	wait "$bg" || status=$?
	[ "$status" -eq 9 ]
	[ "$(mgr exec ex cat /tmp/term)" = got-term ]
	run mgr exec -i ex cat <<<"piped"
	[ "$output" = piped ]
	run mgr exec ex cat
	[ "$output" = "" ]
	# -t: a terminal of its own (script gives this command one to hand on)
	run script -qec "'$MGR' --root-dir '$R' exec -it ex sh -c 'tty; exit 4'" /dev/null </dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == */dev/pts/* ]]
	mgr stop -t 1 ex
	run mgr exec ex true
	[ "$status" -eq 125 ]
	[[ "$output" == *"is not running"* ]]
}

@test "run -it: an interactive terminal session under tmux" {
	command -v tmux >/dev/null || skip "tmux is needed"
	sock=$BATS_TEST_TMPDIR/tmux
	tmux -S "$sock" new-session -d -x 100 -y 30 \
		"'$MGR' --root-dir '$R' run -it --name tty '$BB' sh; echo exit=\$? >'$BATS_TEST_TMPDIR/done'; sleep 30"
	for _ in $(seq 100); do [ "$(state_of tty)" = running ] && break; sleep 0.1; done
	tmux -S "$sock" send-keys 'echo "x$((6*7))y"; tty; stty size' Enter
	for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q x42y && break; sleep 0.1; done
	pane=$(tmux -S "$sock" capture-pane -p)
	tmux -S "$sock" send-keys 'exit 3' Enter
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/done" ] && break; sleep 0.1; done
	tmux -S "$sock" kill-server || true
	[[ "$pane" == *x42y* ]]
	[[ "$pane" == */dev/pts/0* ]]
	[[ "$pane" == *"30 100"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/done")" = exit=3 ]
	# ctrl-p ctrl-q detaches: the command returns 0, the container runs on
	rm -f "$BATS_TEST_TMPDIR/done"
	tmux -S "$sock" new-session -d -x 100 -y 30 \
		"'$MGR' --root-dir '$R' run -it --name tty2 '$BB' sh; echo exit=\$? >'$BATS_TEST_TMPDIR/done'; sleep 30"
	for _ in $(seq 100); do [ "$(state_of tty2)" = running ] && break; sleep 0.1; done
	tmux -S "$sock" send-keys C-p C-q
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/done" ] && break; sleep 0.1; done
	tmux -S "$sock" kill-server || true
	[ "$(cat "$BATS_TEST_TMPDIR/done")" = exit=0 ]
	[ "$(state_of tty2)" = running ]
	mgr rm -f tty2
}

@test "attach: a second client sees the output of a running container" {
	mgr run -d -i --name att "$BB" sh -c 'while read l; do echo "echo:$l"; done' >/dev/null
	{
		echo one
		sleep 0.5
		echo two
	} | timeout 10 "$MGR" --root-dir "$R" attach att >"$BATS_TEST_TMPDIR/out" || true
	grep -qx echo:one "$BATS_TEST_TMPDIR/out"
	grep -qx echo:two "$BATS_TEST_TMPDIR/out"
}

@test "reconciliation: a killed monitor, a half-made container and a dangling name are repaired" {
	id=$(run_detached --name victim "$BB" sleep 100)
	mon=$(mgr inspect --type container victim | jq -r '.[0].State.MonitorPid')
	pid=$(mgr inspect --type container victim | jq -r '.[0].State.Pid')
	kill -9 "$mon"
	wait_dead "$mon"
	run mgr ps -a
	[[ "$output" == *"Exited (137)"*victim* ]]
	[ "$(mgr inspect --type container victim | jq -r '.[0].State.Error')" = "the container's monitor died" ]
	[ "$(mgr inspect --type container victim | jq -r '.[0].State.FinishedAt')" != 0001-01-01T00:00:00Z ]
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	refute kill -0 "$pid" 2>/dev/null
	assert_no_mounts
	# what a create killed half way leaves
	mkdir "$R/.tmp-ctr-$(printf '%064d' 7)"
	ln -s "$(printf '%064d' 8)" "$R/names/ghost"
	mgr init >/dev/null
	[ ! -e "$R/.tmp-ctr-$(printf '%064d' 7)" ]
	[ ! -L "$R/names/ghost" ]
	mgr create --name ghost "$BB" true >/dev/null
	mgr rm victim ghost
}

@test "kill -9 of the command at any moment of run leaves nothing broken" {
	for delay in 0.005 0.01 0.02 0.04 0.08; do
		timeout -s KILL "$delay" "$MGR" --root-dir "$R" run --name "k$delay" "$BB" sleep 100 >/dev/null 2>&1 || true
	done
	mgr init >/dev/null
	# every container that exists is whole: listed, inspectable, removable
	for id in $(mgr ps -aq --no-trunc); do
		mgr inspect --type container "$id" >/dev/null
	done
	ids=$(mgr ps -aq --no-trunc)
	[ -z "$ids" ] || mgr rm -f $ids >/dev/null
	[ -z "$(ls "$R/names")" ]
	# a monitor whose command was killed before it attached gives up at
	# once, and the container it had created goes with it: no monitor and
	# no runtime process of this root is left
	local left
	for _ in $(seq 100); do
		left="$(monitors)$(pgrep -f -- "--root $R/runc " || true)"
		[ -n "$left" ] || break
		sleep 0.1
	done
	[ -z "$left" ]
	[ -z "$(ls -A "$R" | grep -E '^[0-9a-f]{64}$|^\.tmp-ctr-')" ]
	assert_no_mounts
}

@test "--runtime runc: the same container lifecycle through runc" {
	command -v runc >/dev/null || skip "runc is needed"
	# runc sets / to slave first and fails where / is no mount point (a chroot)
	mountpoint -q / || skip "runc cannot run containers where / is not a mount point"
	rc=$(command -v runc)
	# the container's stdout alone: runc warns on stderr where a host lacks a
	# default device (on a systemd host, /dev/char/10:200 without tun)
	run --separate-stderr mgr run -i --rm --runtime "$rc" "$BB" sh -c 'echo via runc; exit 4'
	echo "exit $status: $output; stderr: $stderr"
	[ "$status" -eq 4 ]
	[ "$output" = "via runc" ]
	id=$(run_detached --runtime "$rc" --name r1 -v "$BATS_TEST_TMPDIR:/h:ro" "$BB" sleep 100)
	run mgr exec r1 sh -c 'echo $((1+2))'
	[ "$output" = 3 ]
	# runc's 255 for a command it cannot start becomes docker's code too
	run -127 mgr exec r1 no-such-command
	[ "$status" -eq 127 ]
	run -126 mgr exec r1 /etc/passwd
	[ "$status" -eq 126 ]
	[ "$(mgr inspect --type container r1 | jq -r '.[0].HostConfig.Runtime')" = "$rc" ]
	mgr stop -t 1 r1
	[[ "$(mgr ps -a --format json | jq -r .Status)" == "Exited (137)"* ]]
	mgr rm r1
}

@test "\$CUBO_RUNTIME is kept in the record: later commands without it use the same runtime" {
	# a runtime only $CUBO_RUNTIME names: a copy at a path no default search finds
	cp "$RUNTIME" "$BATS_TEST_TMPDIR/only-here-runc"
	CUBO_RUNTIME=$BATS_TEST_TMPDIR/only-here-runc run_detached --name envrt "$BB" sleep 100
	[ "$(mgr inspect --type container envrt | jq -r '.[0].HostConfig.Runtime')" = \
		"$BATS_TEST_TMPDIR/only-here-runc" ]
	run env -u CUBO_RUNTIME "$MGR" --root-dir "$R" exec envrt echo reached
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = reached ]
	run env -u CUBO_RUNTIME "$MGR" --root-dir "$R" rm -f envrt
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "-p is recorded and shown by ps and port; --network host and none" {
	id=$(run_detached --name pub -p 127.0.0.1:18080:80 -p 5353:53/udp "$BB" sleep 100)
	run mgr ps
	[[ "$output" == *"127.0.0.1:18080->80/tcp, 0.0.0.0:5353->53/udp"*pub* ]]
	run mgr port pub
	[ "${lines[0]}" = "80/tcp -> 127.0.0.1:18080" ]
	[ "${lines[1]}" = "53/udp -> 0.0.0.0:5353" ]
	run mgr run -i --rm --network host "$BB" readlink /proc/self/ns/net
	[ "$output" = "$(readlink /proc/self/ns/net)" ]
	run mgr run -i --rm --network none "$BB" sh -c 'readlink /proc/self/ns/net; ls /sys/class/net; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo reached'
	[ "${lines[0]}" != "$(readlink /proc/self/ns/net)" ]
	[ "${lines[1]}" = lo ]
	[ "${lines[2]}" = reached ]
}

@test "without overlay (CUBO_STORAGE_DRIVER=vfs) the layers are copied, whiteouts applied" {
	mgr pull -q "$REG/layered" >/dev/null
	# /data is the image's VOLUME: a mount in both cases, listed apart
	list='find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /data \) -prune -o -print | sort; cat /data/file; stat -c %h /data/hardlink'
	run mgr run -i --rm "$REG/layered" sh -c "$list"
	[ "$status" -eq 0 ]
	overlay=$output
	[[ "$overlay" != */bin/vi* ]]
	[[ "$overlay" == */home/new* ]]
	[[ "$overlay" != */home/user* ]]
	CUBO_STORAGE_DRIVER=vfs run mgr run -i --name copied "$REG/layered" sh -c "$list; echo kept >/mine"
	[ "$status" -eq 0 ]
	[ "${output%$'\n'*}" = "${overlay%$'\n'*}" ] # the same tree, and the hard link kept
	[ "${lines[-1]}" = 2 ]
	id=$(mgr inspect --type container copied | jq -r '.[0].Id')
	[ -e "$R/$id/.rootfs-copied" ]
	assert_no_mounts
	# the copy keeps the container's changes across starts, with or without the variable
	run mgr start -a copied
	[ "$status" -eq 0 ]
	[ "$(cat "$R/$id/rootfs/mine")" = kept ]
	mgr rm -v copied
	[ ! -e "$R/$id" ]
}

@test "rmi refuses an image a container uses; info and init" {
	mgr create --name holder "$BB" true >/dev/null
	run mgr rmi "$BB"
	[ "$status" -eq 125 ]
	[[ "$output" == *"in use by container holder"* ]]
	run mgr info --format json
	[ "$(jq -r .Containers <<<"$output")" = 1 ]
	[ "$(jq -r .Images <<<"$output")" = 1 ]
	[ "$(jq -r .RootDir <<<"$output")" = "$R" ]
	run mgr info
	[[ "$output" == *"Storage Driver: overlay"* ]]
	# new containers get the systemd driver where systemd runs on pure cgroup v2
	local driver=cgroupfs
	if [ -d /run/systemd/system ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		driver=systemd
	fi
	[[ "$output" == *"Cgroup Driver: $driver"* ]]
	run mgr version
	[[ "$output" == "cubo-mgr version "* ]]
	mgr rm holder
	mgr rmi "$BB"
}

# Bounded wait until a process waits for the image store's exclusive lock
# (rmi, image prune): /proc/locks lists such a waiter as "-> FLOCK ... WRITE"
# on the inode of locks/gc.lock.
wait_store_lock_waiter() {
	local ino i
	ino=$(stat -c %i "$R/locks/gc.lock")
	for ((i = 0; i < 300; i++)); do
		grep -qE -- "-> FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks &&
			return 0
		sleep 0.1
	done
	echo "nothing waits for $R/locks/gc.lock" >&2
	return 1
}

# create_paused NAME IMAGE CMD...: a create held (CUBO_TEST_PAUSE_AT) after it
# found the image and before it records the container; $paused_pid is it.
create_paused() {
	local name=$1
	shift
	mkdir -p "$BATS_TEST_TMPDIR/pause"
	CUBO_TEST_PAUSE_AT=create-after-resolve CUBO_TEST_PAUSE_DIR=$BATS_TEST_TMPDIR/pause \
		mgr create --name "$name" "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>&1 3>&- &
	paused_pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/pause/create-after-resolve.paused" 300
}

@test "volume create: another create cleaning up its temp directory before it holds it does not fail it" {
	local pause=$BATS_TEST_TMPDIR/pause pid i
	mkdir -p "$pause"
	CUBO_TEST_PAUSE_AT=volume-create-after-mkdir CUBO_TEST_PAUSE_DIR=$pause \
		mgr volume create v1 >"$BATS_TEST_TMPDIR/v1.out" 2>&1 3>&- &
	pid=$!
	wait_for_file "$pause/volume-create-after-mkdir.paused" 300
	# the other create removes every temp directory nobody holds: v1's
	mgr volume create v2 >/dev/null
	[ -z "$(ls -A "$R/volumes" | grep '^\.tmp-')" ]
	touch "$pause/volume-create-after-mkdir.go"
	# v1 takes the go (removing it and its .paused), finds its directory
	# gone and makes a new one: it stops there again
	for ((i = 0; i < 300; i++)); do
		[ -e "$pause/volume-create-after-mkdir.go" ] || break
		sleep 0.1
	done
	wait_for_file "$pause/volume-create-after-mkdir.paused" 300
	touch "$pause/volume-create-after-mkdir.go"
	wait "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/v1.out")" = v1 ]
	[ "$(mgr volume ls -q | sort | tr '\n' ' ')" = "v1 v2 " ]
	[ -z "$(ls -A "$R/volumes" | grep '^\.')" ]
}

@test "rmi -f and image prune -a wait for a create that has found its image; it still runs" {
	create_paused racer "$BB" echo survived
	mgr rmi -f "$BB" >"$BATS_TEST_TMPDIR/rmi.out" 2>&1 3>&- &
	rmi_pid=$!
	# the removal waits for the store while the create holds it
	wait_store_lock_waiter
	kill -0 "$rmi_pid"
	touch "$BATS_TEST_TMPDIR/pause/create-after-resolve.go"
	wait "$paused_pid"
	wait "$rmi_pid"
	# rmi saw the new container: the name went, the image and its layers stayed
	grep -q "^Untagged: $BB:latest$" "$BATS_TEST_TMPDIR/rmi.out"
	refute grep -q Deleted "$BATS_TEST_TMPDIR/rmi.out"
	[[ "$(mgr images)" == *"<none>"*"<none>"* ]]
	run mgr start -a racer
	[ "$status" -eq 0 ]
	[ "$output" = survived ]
	# the same race with image prune -a, on an image nothing else uses
	mgr pull -q "$REG/layered" >/dev/null
	create_paused racer2 "$REG/layered" cat /data/file
	mgr image prune -a -f >"$BATS_TEST_TMPDIR/prune.out" 2>&1 3>&- &
	prune_pid=$!
	wait_store_lock_waiter
	kill -0 "$prune_pid"
	touch "$BATS_TEST_TMPDIR/pause/create-after-resolve.go"
	wait "$paused_pid"
	wait "$prune_pid"
	refute grep -q "Deleted" "$BATS_TEST_TMPDIR/prune.out"
	run mgr start -a racer2
	[ "$status" -eq 0 ]
	[ "$output" = layer2 ]
	# once the containers go, the images can go
	mgr rm racer racer2 >/dev/null
	mgr image prune -a -f | grep -q "Deleted"
	[ -z "$(ls "$R/layers")" ]
}
