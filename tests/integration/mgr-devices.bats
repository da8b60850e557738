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
	# inspect's Mounts: docker's Type, Name, Mode, RW, Propagation
	run mgr create --network none -v ./data:/etc/d:ro,rshared -v named1:/v "$BB" true
	[ "$status" -eq 0 ]
	run mgr inspect --format '{{json .Mounts}}' "$output"
	[ "$(jq -c '.[0] | [.Type, .Source, .Destination, .Mode, .RW, .Propagation]' <<<"$output")" = \
		"[\"bind\",\"$W/proj/data\",\"/etc/d\",\"ro\",false,\"rshared\"]" ]
	[ "$(jq -c '.[1] | [.Type, .Name, .Destination, .RW]' <<<"$output")" = '["volume","named1","/v",true]' ]
	[ "$(jq length <<<"$output")" = 2 ]
}

@test "--mount type=bind: readonly, propagation, non-recursive; a missing source refused" {
	mkdir -p "$W/src/sub" "$W/tm"
	echo in-src >"$W/src/f"
	mount -t tmpfs tmpfs "$W/src/sub"
	echo on-sub >"$W/src/sub/g"
	# a shared mount on the host, so that the rslave bind has a master
	mount --bind "$W/tm" "$W/tm"
	mount --make-shared "$W/tm"
	# readonly is read-only below too (docker 25); bind-recursive=writable keeps it to the top
	run in_ctr --mount "type=bind,source=$W/src,target=/b,readonly" \
		--mount "type=bind,src=$W/src,dst=/nr,bind-nonrecursive" \
		--mount "type=bind,src=$W/src,dst=/w,readonly,bind-recursive=writable" \
		--mount "type=bind,src=$W/tm,dst=/sl,bind-propagation=rslave" -- \
		"cat /b/f /b/sub/g; ls /nr/sub | wc -l; touch /b/x 2>/dev/null && echo WROTE; touch /b/sub/x 2>/dev/null || echo SUBDENIED; touch /w/sub/y && echo SUBWRITABLE; $(mountinfo_of /b); $(mountinfo_of /sl)"
	umount "$W/src/sub" "$W/tm"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = in-src ]
	[ "${lines[1]}" = on-sub ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = SUBDENIED ]
	[ "${lines[4]}" = SUBWRITABLE ]
	[[ "${lines[5]}" == *" /b ro,"* ]]
	[[ "${lines[6]}" == *master:* ]]
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

@test "--device: a host node at another path, its permissions in the device cgroup" {
	# loop-control (10:237) is not among the devices every container may use
	run in_ctr --device /dev/null:/dev/mynull --device /dev/loop-control:/dev/lc:r -- \
		'stat -c "%t,%T %F" /dev/mynull; echo x >/dev/mynull && echo WROTE; (exec 3</dev/lc) && echo READ; (exec 3>/dev/lc) 2>/dev/null || echo DENIED'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1,3 character special file" ]
	[ "${lines[1]}" = WROTE ]
	[ "${lines[2]}" = READ ]
	[ "${lines[3]}" = DENIED ]
	run in_ctr --device /dev/loop-control:/dev/lc:rw -- '(exec 3>/dev/lc) && echo OPENED'
	[ "$output" = OPENED ]
	# a symlink on the host is followed; HOST:PERMS keeps the host's path
	ln -s /dev/null "$W/link"
	run in_ctr --device "$W/link:/dev/viadlink" --device /dev/zero:rw -- \
		'stat -c "%t,%T" /dev/viadlink /dev/zero'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1,3 ]
	[ "${lines[1]}" = 1,5 ]
	# a directory: each node beneath it
	mkdir "$W/devs"
	mknod "$W/devs/n" c 1 3
	mkdir "$W/devs/sub"
	mknod "$W/devs/sub/z" c 1 5
	run in_ctr --device "$W/devs:/dev/mine" -- 'stat -c "%n %t,%T" /dev/mine/n /dev/mine/sub/z'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/mine/n 1,3" ]
	[ "${lines[1]}" = "/dev/mine/sub/z 1,5" ]
	run mgr run --network none --device /dev/null:/dev/n:rwx "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad mode specified: rwx"* ]]
	run mgr run --network none --device /dev/null:relative "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad format for path: relative"* ]]
	run mgr run --network none --device "$W/link2" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"error gathering device information"* ]]
	run mgr run --network none --device /etc/passwd "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'"/etc/passwd": not a device node'* ]]
}

@test "--device-cgroup-rule: a node made in the container can be used only with a rule" {
	run in_ctr -- 'mknod /tmp/lc c 10 237 && (exec 3</tmp/lc) && echo OPENED'
	[[ "$output" != *OPENED* ]]
	run in_ctr --device-cgroup-rule 'c 10:* rwm' -- \
		'mknod /tmp/lc c 10 237 && (exec 3</tmp/lc) && echo OPENED'
	[ "$status" -eq 0 ]
	[ "$output" = OPENED ]
	run mgr run --network none --device-cgroup-rule 'c 1:x rwm' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid device cgroup rule"* ]]
}

@test "--privileged: every capability, no seccomp, /sys and cgroups writable, host devices" {
	local caps dev
	caps=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	dev=$(find /dev -maxdepth 1 -type c \( -name kmsg -o -name mem -o -name loop-control \) | head -1)
	run in_ctr --privileged -- "grep -E '^(CapEff|Seccomp):' /proc/self/status; grep -E ' /sys(/fs/cgroup)? ' /proc/mounts | cut -d' ' -f2,4 | cut -d, -f1; grep -c /proc/kcore /proc/mounts; ls $dev"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "CapEff:	$caps" ]
	[ "${lines[1]}" = "Seccomp:	0" ]
	[ "${lines[2]}" = "/sys rw" ]
	[ "${lines[3]}" = "/sys/fs/cgroup rw" ]
	[ "${lines[4]}" = 0 ]
	[ "${lines[5]}" = "$dev" ]
	# and without it: docker's defaults
	run in_ctr -- "grep -E '^Seccomp:' /proc/self/status; grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; ls $dev 2>&1 >/dev/null | wc -l"
	[ "${lines[0]}" = "Seccomp:	2" ]
	[ "${lines[1]}" = ro ]
	[ "${lines[2]}" = 1 ]
	run mgr create --privileged --network none --device /dev/null:/dev/n:r \
		--device example.com/dev=x --cdi-spec-dir "$W" --device-cgroup-rule 'c 10:* rwm' "$BB" true
	[ "$status" -eq 125 ] # no spec for the CDI device
	run mgr create --privileged --network none --device /dev/null:/dev/n:r \
		--device-cgroup-rule 'c 10:* rwm' "$BB" true
	[ "$status" -eq 0 ]
	run mgr inspect --format '{{.HostConfig.Privileged}} {{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}' "$output"
	[ "$output" = 'true [{"PathOnHost":"/dev/null","PathInContainer":"/dev/n","CgroupPermissions":"r"}] ["c 10:* rwm"]' ]
}

# cdi_specs: a JSON and a YAML spec in $W/cdi, and a broken file beside them.
cdi_specs() {
	mkdir -p "$W/cdi" "$W/share"
	echo from-host >"$W/share/lib.txt"
	cat >"$W/cdi/test.json" <<JSON
{"cdiVersion": "0.6.0", "kind": "example.com/dev",
 "devices": [
  {"name": "null", "containerEdits": {
    "env": ["CDI_DEV=null"],
    "deviceNodes": [{"path": "/dev/cdi-null", "hostPath": "/dev/null"}]}},
  {"name": "zero", "containerEdits": {
    "deviceNodes": [{"path": "/dev/cdi-zero", "type": "c", "major": 1, "minor": 5,
                     "permissions": "r"}]}}],
 "containerEdits": {
   "env": ["CDI_VENDOR=example"],
   "mounts": [{"hostPath": "$W/share", "containerPath": "/opt/share", "options": ["ro", "rbind"]}],
   "hooks": [{"hookName": "prestart", "path": "/bin/sh", "args": ["sh", "-c", "touch $W/hooked"]}],
   "additionalGids": [4242]}}
JSON
	cat >"$W/cdi/more.yaml" <<YAML
cdiVersion: 0.8.0
kind: example.com/yml
devices:
  - name: one
    containerEdits:
      env: [YAML_DEV=one]
      deviceNodes:
        - path: /dev/yml-null
          hostPath: /dev/null
          fileMode: 0600
YAML
	echo '{ broken' >"$W/cdi/broken.json"
}

@test "CDI: --device vendor/class=name applies the spec's edits (JSON and YAML)" {
	cdi_specs
	run in_ctr --cdi-spec-dir "$W/cdi" --device example.com/dev=null --device example.com/yml=one -- \
		'echo $CDI_DEV $CDI_VENDOR $YAML_DEV; echo x >/dev/cdi-null && echo WROTE; stat -c "%t,%T %a" /dev/yml-null; cat /opt/share/lib.txt; touch /opt/share/x 2>/dev/null || echo RO; grep -w 4242 /proc/self/status | cut -f1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "null example one" ]
	[ "${lines[1]}" = WROTE ]
	[ "${lines[2]}" = "1,3 600" ]
	[ "${lines[3]}" = from-host ]
	[ "${lines[4]}" = RO ]
	[ "${lines[5]}" = "Groups:" ]
	[ -e "$W/hooked" ]
	# =all: every device of the class
	run in_ctr --cdi-spec-dir "$W/cdi" --device example.com/dev=all -- \
		'ls /dev/cdi-null /dev/cdi-zero; head -c 1 /dev/cdi-zero | wc -c'
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = 1 ]
	# what create made runs on start, and inspect names the CDI device
	run mgr create --network none --cdi-spec-dir "$W/cdi" --device example.com/dev=null "$BB" \
		sh -c 'echo $CDI_DEV'
	[ "$status" -eq 0 ]
	local id=$output
	run mgr inspect --format '{{json .HostConfig.DeviceRequests}}' "$id"
	[ "$output" = '[{"Driver":"cdi","DeviceIDs":["example.com/dev=null"]}]' ]
	run mgr start -a "$id"
	[ "$output" = null ]
}

@test "CDI: a later spec directory wins; a missing device or a needed broken file is refused" {
	cdi_specs
	mkdir "$W/cdi2"
	cat >"$W/cdi2/override.yml" <<YAML
cdiVersion: 0.5.0
kind: example.com/dev
devices:
  - name: "null"
    containerEdits: {env: [CDI_DEV=overridden]}
YAML
	run in_ctr --cdi-spec-dir "$W/cdi" --cdi-spec-dir "$W/cdi2" --device example.com/dev=null -- \
		'echo $CDI_DEV; ls /dev/cdi-null 2>/dev/null || echo NONODE'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = overridden ]
	[ "${lines[1]}" = NONODE ]
	run mgr run --network none --cdi-spec-dir "$W/cdi" --device example.com/dev=nope "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"example.com/dev=nope: unresolvable CDI device"*"$W/cdi/broken.json"* ]]
	head -c 1048577 /dev/zero | tr '\0' ' ' >"$W/cdi/huge.json"
	run mgr run --network none --cdi-spec-dir "$W/cdi" --device example.com/huge=x "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"$W/cdi/huge.json: larger than"* ]]
	run mgr run --network none --cdi-spec-dir relative --device example.com/dev=null "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--cdi-spec-dir "relative"'* ]]
	run mgr ps -aq
	[ -z "$output" ]
}
