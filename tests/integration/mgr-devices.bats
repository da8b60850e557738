#!/usr/bin/env bats
# run/create storage and device flags, each checked from inside the
# container: -v with relative paths and OPTS, --mount (bind, volume, tmpfs)
# and docker's errors, --device, --device-cgroup-rule, --privileged, and CDI
# devices from spec files in a temporary --cdi-spec-dir. Images come from a
# real local registry.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry devices
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	mgr_container_setup "${RUN_SKIP:-}"
	W=$BATS_TEST_TMPDIR/w
	mkdir -p "$W"
}

teardown() {
	mgr_container_teardown
}

# mountinfo_of DEST: a command printing DEST's line of /proc/self/mountinfo, from in_ctr's output.
mountinfo_of() {
	printf 'grep " %s " /proc/self/mountinfo' "$1"
}

@test "-v: relative host paths are the caller's; ro, rw, z, Z, propagation" {
	mkdir -p "$W/proj/data" "$W/other"
	echo hello >"$W/proj/data/f"
	cd "$W/proj"
	run in_ctr -v ./data:/d:ro,Z -v ../other:/o:z,rshared -v .:/p -- \
		"cat /d/f; ls /p; touch /d/x 2>/dev/null && echo WROTE; $(mountinfo_of /d); $(mountinfo_of /o); touch /o/made"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = data ]
	[[ "$output" != *WROTE* ]]
	[[ "${lines[2]}" == *" /d ro,"* ]]
	[[ "${lines[3]}" == *" /o rw,"*shared:* ]]
	[ -e "$W/other/made" ]
	run mgr run --network none -v "$W/proj:/x:ro,rw" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'conflicting options "ro,rw"'* ]]
	run mgr run --network none -v "$W/proj:/x:rx" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'invalid mode "rx"'* ]]
	run mgr run --network none -v "$W/proj:/x:nocopy" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"nocopy is for volumes"* ]]
	# docker makes a missing -v source
	run in_ctr -v ./new/dir:/n -- 'ls -d /n'
	[ "$status" -eq 0 ]
	[ -d "$W/proj/new/dir" ]
}

@test "--mount type=bind: readonly, propagation, non-recursive; a missing source refused" {
	mkdir -p "$W/src/sub" "$W/tm"
	echo in-src >"$W/src/f"
	mount -t tmpfs tmpfs "$W/src/sub"
	echo on-sub >"$W/src/sub/g"
	# a shared mount on the host, so that the rslave bind has a master
	mount --bind "$W/tm" "$W/tm"
	mount --make-shared "$W/tm"
	run in_ctr --mount "type=bind,source=$W/src,target=/b,readonly" \
		--mount "type=bind,src=$W/src,dst=/nr,bind-nonrecursive" \
		--mount "type=bind,src=$W/tm,dst=/sl,bind-propagation=rslave" -- \
		"cat /b/f /b/sub/g; ls /nr/sub | wc -l; touch /b/x 2>/dev/null && echo WROTE; $(mountinfo_of /b); $(mountinfo_of /sl)"
	umount "$W/src/sub" "$W/tm"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = in-src ]
	[ "${lines[1]}" = on-sub ]
	[ "${lines[2]}" = 0 ]
	[[ "$output" != *WROTE* ]]
	[[ "${lines[3]}" == *" /b ro,"* ]]
	[[ "${lines[4]}" == *master:* ]]
	run mgr run --network none --mount "type=bind,src=$W/nothing,dst=/x" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"bind source path does not exist: $W/nothing"* ]]
	[ ! -e "$W/nothing" ]
	cd "$W"
	run in_ctr --mount type=bind,src=./src,dst=/rel -- 'cat /rel/f'
	[ "$status" -eq 0 ]
	[ "$output" = in-src ]
}

@test "--mount type=volume and type=tmpfs; volume-nocopy; docker's errors" {
	run in_ctr --mount type=volume,src=mvol,dst=/etc/mv,volume-label=team=a \
		--mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770 -- \
		'echo x >/etc/mv/f; grep " /t " /proc/mounts; stat -c %a /t'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "tmpfs /t tmpfs rw,nosuid,nodev,noexec,"*"size=1024k,mode=1770"* ]]
	[ "${lines[1]}" = 1770 ]
	run mgr volume inspect --format '{{.Labels.team}}' mvol
	[ "$output" = a ]
	# the image's /etc is copied into a new volume unless nocopy says not
	run in_ctr --mount type=volume,src=copied,dst=/etc -- 'ls /etc | grep -c passwd'
	[ "$output" = 1 ]
	run in_ctr -v empty:/etc:nocopy -- 'ls /etc | wc -l'
	[ "$output" = 0 ]
	run in_ctr --mount type=volume,src=empty2,dst=/etc,volume-nocopy=true -- 'ls /etc | wc -l'
	[ "$output" = 0 ]
	run mgr run --network none --mount type=bind,src=/tmp "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"target is required"* ]]
	run mgr run --network none --mount type=bind,src=/tmp,dst=/x,color=red "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unexpected key 'color' in 'color=red'"* ]]
	run mgr run --network none --mount type=volume,dst=/x,volume-opt=type=nfs "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"volume-opt is not supported"* ]]
	run mgr run --network none -v /tmp:/x --mount type=tmpfs,dst=/x "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--mount "type=tmpfs,dst=/x": duplicate mount point: /x'* ]]
	run mgr run --network none --mount type=volume,dst=/x --tmpfs /x/ "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"duplicate mount point: /x"* ]]
	run mgr ps -aq
	[ -z "$output" ]
}
