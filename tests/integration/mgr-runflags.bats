#!/usr/bin/env bats
# run/create flags for a container's resources and setup: --tmpfs,
# --shm-size, --sysctl, --cpuset-cpus/-mems, -c, --memory-swap,
# --memory-reservation, --oom-score-adj, --domainname, --annotation,
# --label-file, --expose; each checked from inside the
# container or in its cgroups. Images come from a real local registry.

load helpers
load mgr-helpers

setup_file() {
	export FLAGS_SKIP=
	mgr_registry_start runflags || { FLAGS_SKIP=$MGR_FILE_SKIP; return 0; }
	export FLAGS_DIR=$MGR_FILE_DIR
	mgr_push_images busybox
}

teardown_file() {
	mgr_registry_teardown "${FLAGS_DIR:-}"
}

setup() {
	mgr_container_setup "${FLAGS_SKIP:-}"
}

teardown() {
	mgr_container_teardown
	# --cgroup-parent's cgroup (cgroupfs), once its containers are gone
	rmdir /sys/fs/cgroup/*/cubo-runflags-parent /sys/fs/cgroup/cubo-runflags-parent 2>/dev/null || true
}

@test "--tmpfs: a tmpfs with docker's default options, and with OPTS" {
	run in_ctr --tmpfs /scratch -- 'grep " /scratch " /proc/mounts'
	[ "$status" -eq 0 ]
	[[ "$output" == "tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,"* ]]
	run in_ctr --tmpfs /scratch:size=1m,mode=1770,exec --tmpfs /ro:ro -- \
		'grep -E " /(scratch|ro) " /proc/mounts; stat -c %a /scratch'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "tmpfs /scratch tmpfs rw,nosuid,nodev,"*"size=1024k,mode=1770"* ]]
	[[ "${lines[0]}" != *noexec* ]]
	[[ "${lines[1]}" == "tmpfs /ro tmpfs ro,nosuid,nodev,noexec"* ]]
	[ "${lines[2]}" = 1770 ]
	run mgr run --network none --tmpfs /t:size=lots "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--tmpfs "/t:size=lots": invalid option "size=lots"'* ]]
	run mgr run --network none --tmpfs /t --tmpfs /t:size=1m "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--tmpfs "/t:size=1m": duplicate mount point: /t'* ]]
	run mgr run --network none -v /data --tmpfs /data "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"duplicate mount point: /data"* ]]
	run mgr run --network none --tmpfs relative "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--tmpfs "relative"'*absolute* ]]
}

@test "--shm-size: the size of /dev/shm; 64m without it" {
	run in_ctr -- 'df -k /dev/shm | tail -1'
	[ "$status" -eq 0 ]
	[[ "$output" == "shm "*" 65536 "* ]]
	run in_ctr --shm-size 128m -- 'df -k /dev/shm | tail -1'
	[ "$status" -eq 0 ]
	[[ "$output" == "shm "*" 131072 "* ]]
	run mgr run --network none --shm-size 12q "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--shm-size"* ]]
}

@test "--sysctl: the value in /proc/sys; a bad key or a host namespace is refused" {
	run in_ctr --sysctl kernel.shmmni=1234 --sysctl net.ipv4.ip_forward=1 -- \
		'cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_forward'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1234 ]
	[ "${lines[1]}" = 1 ]
	run mgr run --network none --sysctl vm.swappiness=1 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--sysctl \"vm.swappiness=1\": sysctl 'vm.swappiness' is not whitelisted"* ]]
	run mgr run --network none --sysctl 'net/../../kernel/core_pattern=x' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid key"* ]]
	# the host's network namespace is not the container's to change
	before=$(cat /proc/sys/net/ipv4/ip_forward)
	run mgr run -i --rm --network host --sysctl net.ipv4.ip_forward=$((1 - before)) "$BB" true </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"net.ipv4.ip_forward"* ]]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$before" ]
}

@test "--cpuset-cpus, --cpuset-mems, -c, --memory-swap, --memory-reservation land in the cgroups" {
	id=$(run_detached --network none --cpuset-cpus 0 --cpuset-mems 0 -c 512 --memory 64m \
		--memory-swap 128m --memory-reservation 32m "$BB" sleep 100)
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cg "$id" cpuset.cpus)" = 0 ]
		[ "$(cg "$id" cpuset.mems)" = 0 ]
		[ "$(cg "$id" memory.swap.max)" = $((64 << 20)) ]
		[ "$(cg "$id" memory.low)" = $((32 << 20)) ]
		[ -n "$(cg "$id" cpu.weight)" ]
	else
		[ "$(cg "$id" cpuset.cpus)" = 0 ]
		[ "$(cg "$id" cpuset.mems)" = 0 ]
		[ "$(cg "$id" cpu.shares)" = 512 ]
		[ "$(cg "$id" memory.soft_limit_in_bytes)" = $((32 << 20)) ]
		if [ -n "$(ctr_cgroup_dirs "$id" | xargs -I{} find {} -maxdepth 1 -name memory.memsw.limit_in_bytes)" ]; then
			[ "$(cg "$id" memory.memsw.limit_in_bytes)" = $((128 << 20)) ]
		fi
	fi
	run mgr exec "$id" cat /proc/self/status
	[[ "$output" == *"Cpus_allowed_list:"*0* ]]
	mgr rm -f "$id"
	# docker's checks
	run mgr run --network none --memory-swap 128m "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--memory-swap 128m"*"--memory"* ]]
	run mgr run --network none --memory 64m --memory-swap 32m "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--memory-swap 32m"*larger* ]]
	run mgr run --network none --memory 64m --memory-reservation 128m "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--memory-reservation 128m"* ]]
	run mgr run --network none --cpuset-cpus 3-1 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--cpuset-cpus "3-1": invalid value'* ]]
	# a CPU the host lacks: the runtime's error, naming the file it could not write
	run mgr run -i --rm --network none --cpuset-cpus 4000 "$BB" true </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *cpuset* ]]
	run mgr run --network none -c -5 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--cpu-shares -5"* ]]
}

@test "--memory-swap -1: unlimited swap" {
	id=$(run_detached --network none --memory 64m --memory-swap -1 "$BB" sleep 100)
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cg "$id" memory.swap.max)" = max ]
	elif [ -n "$(ctr_cgroup_dirs "$id" | xargs -I{} find {} -maxdepth 1 -name memory.memsw.limit_in_bytes)" ]; then
		[ "$(cg "$id" memory.memsw.limit_in_bytes)" = 9223372036854771712 ]
	fi
	[ "$(cg "$id" memory.limit_in_bytes 2>/dev/null || cg "$id" memory.max)" = $((64 << 20)) ]
}

@test "--oom-score-adj: the container's /proc/self/oom_score_adj" {
	run in_ctr --oom-score-adj 500 -- 'cat /proc/self/oom_score_adj'
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
	# lowering it takes CAP_SYS_RESOURCE, which some hosts (this one) withhold
	run in_ctr --oom-score-adj -100 -- 'cat /proc/self/oom_score_adj'
	if (((0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24) & 1)); then
		[ "$output" = -100 ]
	else
		[ "$status" -ne 0 ]
		[[ "$output" == *oom_score_adj* ]]
	fi
	run mgr run --network none --oom-score-adj 1001 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--oom-score-adj 1001"*"[-1000, 1000]"* ]]
}

@test "-e NAME: the caller's value, or nothing when it is unset" {
	export FROM_CALLER='a b'
	unset NOT_SET_HERE
	run in_ctr -e FROM_CALLER -e NOT_SET_HERE -- 'echo "[$FROM_CALLER]"; env | grep -c NOT_SET_HERE'
	[ "${lines[0]}" = "[a b]" ]
	[ "${lines[1]}" = 0 ]
}

@test "create keeps the flags for start, and inspect shows them" {
	id=$(mgr create --network none --tmpfs /scratch:size=1m --shm-size 32m \
		--sysctl kernel.shmmni=999 -c 300 --oom-score-adj 200 "$BB" \
		sh -c 'cat /proc/sys/kernel/shmmni /proc/self/oom_score_adj; grep -c " /scratch " /proc/mounts; df -k /dev/shm | tail -1')
	run mgr start -a "$id"
	[ "${lines[0]}" = 999 ]
	[ "${lines[1]}" = 200 ]
	[ "${lines[2]}" = 1 ]
	[[ "${lines[3]}" == "shm "*" 32768 "* ]]
	hc=$(mgr inspect "$id" | jq '.[0].HostConfig')
	[ "$(jq -r '.Tmpfs["/scratch"]' <<<"$hc")" = size=1m ]
	[ "$(jq -r .ShmSize <<<"$hc")" = $((32 << 20)) ]
	[ "$(jq -r '.Sysctls["kernel.shmmni"]' <<<"$hc")" = 999 ]
	[ "$(jq -r .CpuShares <<<"$hc")" = 300 ]
	[ "$(jq -r .OomScoreAdj <<<"$hc")" = 200 ]
	[ "$(jq -r .CpusetCpus <<<"$hc")" = "" ]
	[ "$(jq -r .MemorySwap <<<"$hc")" = 0 ]
	# and without the flags, docker's defaults
	id=$(mgr create --network none --cpuset-cpus 0 --memory 64m --memory-swap -1 \
		--memory-reservation 16m "$BB" true)
	hc=$(mgr inspect "$id" | jq '.[0].HostConfig')
	[ "$(jq -c .Tmpfs <<<"$hc")" = "{}" ]
	[ "$(jq -r .ShmSize <<<"$hc")" = $((64 << 20)) ]
	[ "$(jq -c .Sysctls <<<"$hc")" = "{}" ]
	[ "$(jq -r .CpusetCpus <<<"$hc")" = 0 ]
	[ "$(jq -r .MemorySwap <<<"$hc")" = -1 ]
	[ "$(jq -r .MemoryReservation <<<"$hc")" = $((16 << 20)) ]
	[ "$(jq -r .CpuShares <<<"$hc")" = 0 ]
	[ "$(jq -r .OomScoreAdj <<<"$hc")" = 0 ]
}

@test "--group-add: names from the image's /etc/group and numbers, also with -u" {
	run in_ctr --group-add tty --group-add 4242 --group-add nogroup -- 'id -G'
	[ "$status" -eq 0 ]
	[ "$output" = "0 5 4242 65534" ]
	run in_ctr -u user --group-add tty -- 'id -G'
	[ "$output" = "1000 5" ]
	# the host's groups are not the image's
	grep -q '^adm:' /etc/group
	run mgr run -i --rm --network none --group-add adm "$BB" true </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"unable to find group adm"* ]]
	run mgr run --network none --group-add 'a:b' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--group-add "a:b"'* ]]
	id=$(mgr create --network none --group-add tty "$BB" true)
	[ "$(mgr inspect "$id" | jq -c .[0].HostConfig.GroupAdd)" = '["tty"]' ]
}

@test "--cidfile: the container's ID; an existing file is refused before anything is made" {
	cid=$BATS_TEST_TMPDIR/cid
	id=$(run_detached --network none --cidfile "$cid" "$BB" sleep 100)
	[ "$(cat "$cid")" = "$id" ]
	run mgr create --network none --cidfile "$cid" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--cidfile $cid: container ID file found"* ]]
	[ "$(cat "$cid")" = "$id" ]
	[ "$(mgr ps -aq | wc -l)" = 1 ]
	# create writes it too; a container that cannot be made leaves none
	id2=$(mgr create --network none --cidfile "$cid.2" "$BB" true)
	[ "$(cat "$cid.2")" = "$id2" ]
	run mgr create --network none --cidfile "$cid.3" "$REG/no-such-image" true
	[ "$status" -eq 125 ]
	[ ! -e "$cid.3" ]
	# a link is not followed to overwrite what it points at
	echo keep >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$cid.4"
	run mgr create --network none --cidfile "$cid.4" "$BB" true
	[ "$status" -eq 125 ]
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = keep ]
}

@test "--pull: never fails on an image that is not here, always pulls a newer one" {
	local layout=$FLAGS_DIR/layout img=$REG/pulled
	skopeo copy -q --dest-tls-verify=false "oci:$layout:busybox" "docker://$img:latest" >/dev/null
	run mgr run --network none --pull never "$img" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--pull never: no such image: $img"* ]]
	[[ "$output" != *"Unable to find image"* ]]
	run mgr images -q "$img"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run mgr run --network none --pull sometimes "$img" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--pull "sometimes": invalid pull option'* ]]
	mgr pull -q "$img" >/dev/null
	run mgr run -i --rm --network none --pull never "$img" sh -c 'echo "[$MARK]"' </dev/null
	[ "$output" = "[]" ]
	# a newer image under the same name: missing keeps the one here, always takes it
	umoci config --image "$layout:busybox" --tag marked --config.env MARK=new >/dev/null
	skopeo copy -q --dest-tls-verify=false "oci:$layout:marked" "docker://$img:latest" >/dev/null
	run mgr run -i --rm --network none --pull missing "$img" sh -c 'echo "[$MARK]"' </dev/null
	[ "$output" = "[]" ]
	run mgr run -i --rm --network none --pull always "$img" sh -c 'echo "[$MARK]"' </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "[new]" ]
	run mgr run -i --rm --network none "$img" sh -c 'echo "[$MARK]"' </dev/null
	[ "$output" = "[new]" ]
}

@test "--domainname, --annotation, --label-file: in the container, config.json and inspect" {
	run in_ctr --domainname example.org -h box -- 'cat /proc/sys/kernel/domainname; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = example.org ]
	[ "${lines[1]}" = box ]
	printf '# labels\n\nfrom.file=1\n  spaced=two words\r\nlone\nboth=file\n' >"$BATS_TEST_TMPDIR/labels"
	id=$(mgr create --network none --domainname example.org --annotation org.cubo.a=1 \
		--annotation org.cubo.b=x=y --label-file "$BATS_TEST_TMPDIR/labels" \
		--label both=flag "$BB" true)
	bundle=$(mgr inspect -f '{{.BundlePath}}' "$id")
	[ "$(jq -r .domainname "$bundle/config.json")" = example.org ]
	[ "$(jq -c .annotations "$bundle/config.json")" = '{"org.cubo.a":"1","org.cubo.b":"x=y"}' ]
	c=$(mgr inspect "$id" | jq -c .[0])
	[ "$(jq -r .Config.Domainname <<<"$c")" = example.org ]
	[ "$(jq -c .HostConfig.Annotations <<<"$c")" = '{"org.cubo.a":"1","org.cubo.b":"x=y"}' ]
	[ "$(jq -c .Config.Labels <<<"$c")" = '{"from.file":"1","spaced":"two words","lone":"","both":"flag"}' ]
	[ "$(mgr ps -a --filter label=spaced='two words' -q)" = "${id:0:12}" ]
	# without them, docker's empty values
	id=$(mgr create --network none "$BB" true)
	c=$(mgr inspect "$id" | jq -c .[0])
	[ "$(jq -r .Config.Domainname <<<"$c")" = "" ]
	[ "$(jq -c .HostConfig.Annotations <<<"$c")" = '{}' ]
	# bad values: the flag (and the file's line) named, nothing made
	run mgr create --network none --domainname 'a b' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--domainname "a b": not a valid host name'* ]]
	printf 'ok=1\nbad key=2\n' >"$BATS_TEST_TMPDIR/bad"
	run mgr create --network none --label-file "$BATS_TEST_TMPDIR/bad" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/bad:2: invalid variable name \"bad key\""* ]]
	run mgr create --network none --label-file "$BATS_TEST_TMPDIR/none" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--label-file $BATS_TEST_TMPDIR/none"* ]]
	run mgr create --network none --annotation $'k=a\nb' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--annotation "k=a\x0a...": a newline'* ]]
	[ "$(mgr ps -aq | wc -l)" = 2 ]
}

@test "--expose: ports and ranges in Config.ExposedPorts, with the image's; -P publishes them" {
	local layout=$FLAGS_DIR/layout img=$REG/exposing
	umoci config --image "$layout:busybox" --tag exposing --config.exposedports 80/tcp >/dev/null
	skopeo copy -q --dest-tls-verify=false "oci:$layout:exposing" "docker://$img:latest" >/dev/null
	id=$(mgr create -q --network none --expose 8080 --expose 9000-9002/udp --expose 80 "$img" true)
	[ "$(mgr inspect "$id" | jq -c '.[0].Config.ExposedPorts | keys_unsorted')" = \
		'["80/tcp","8080/tcp","9000/udp","9001/udp","9002/udp"]' ]
	# not published without -P
	[ "$(mgr inspect "$id" | jq -c .[0].HostConfig.PortBindings)" = '[]' ]
	id=$(mgr create -q --network none -P --expose 8080 --expose 9000-9001/udp "$img" true)
	run mgr inspect -f '{{json .HostConfig.PortBindings}}' "$id"
	[[ "$output" == *'->80/tcp"'* ]]
	[[ "$output" == *'->8080/tcp"'* ]]
	[[ "$output" == *'->9000/udp"'* ]]
	[[ "$output" == *'->9001/udp"'* ]]
	run mgr create --network none --expose 90-80 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--expose "90-80": invalid range'* ]]
	run mgr create --network none --expose 80/icmp "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--expose "80/icmp": unknown protocol'* ]]
}

@test "--dns-option: one options line in resolv.conf, in place of the host's" {
	run in_ctr --dns-option ndots:2 --dns-option edns0 -- 'grep -c ^options /etc/resolv.conf; grep ^options /etc/resolv.conf'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = "options ndots:2 edns0" ]
	id=$(mgr create --network none --dns-option ndots:3 --dns 192.0.2.53 --dns-search example.test "$BB" true)
	hc=$(mgr inspect "$id" | jq -c .[0].HostConfig)
	[ "$(jq -c .DnsOptions <<<"$hc")" = '["ndots:3"]' ]
	[ "$(jq -c .Dns <<<"$hc")" = '["192.0.2.53"]' ]
	[ "$(jq -c .DnsSearch <<<"$hc")" = '["example.test"]' ]
	# an option is one word of one line
	run mgr create --network none --dns-option 'ndots:1 rotate' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--dns-option "ndots:1 rotate": expected one option'* ]]
	run mgr create --network none --dns-option $'ndots:1\nnameserver 6.6.6.6' "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--dns-option"*"control character"* ]]
}

@test "--uts host, --cgroupns host|private: the host's namespaces, or the container's own" {
	run in_ctr --uts host --cgroupns host -- 'readlink /proc/self/ns/uts; readlink /proc/self/ns/cgroup; hostname; cat /etc/hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/self/ns/uts)" ]
	[ "${lines[1]}" = "$(readlink /proc/self/ns/cgroup)" ]
	[ "${lines[2]}" = "$(hostname)" ]
	[ "${lines[3]}" = "$(hostname)" ]
	run in_ctr --cgroupns private -- 'readlink /proc/self/ns/uts; readlink /proc/self/ns/cgroup'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "$(readlink /proc/self/ns/uts)" ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/cgroup)" ]
	id=$(mgr create --network none --uts host --cgroupns host "$BB" true)
	hc=$(mgr inspect "$id" | jq -c .[0].HostConfig)
	[ "$(jq -r .UTSMode <<<"$hc")" = host ]
	[ "$(jq -r .CgroupnsMode <<<"$hc")" = host ]
	bundle=$(mgr inspect -f '{{.BundlePath}}' "$id")
	[ "$(jq -r .hostname "$bundle/config.json")" = null ]
	# the host's names are not the container's to change
	run mgr create --network none --uts host -h box "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options: --hostname and --uts host"* ]]
	run mgr create --network none --uts private "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--uts "private": invalid mode'* ]]
	run mgr create --network none --cgroupns container:x "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--cgroupns "container:x": invalid mode'* ]]
}

@test "--ipc host|none|private|shareable|container:NAME" {
	run in_ctr --ipc host -- 'readlink /proc/self/ns/ipc; grep " /dev/shm " /proc/mounts | cut -d" " -f3'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/self/ns/ipc)" ]
	[ "${lines[1]}" = "$(grep " /dev/shm " /proc/mounts | cut -d" " -f3 | head -1)" ]
	id=$(mgr create --network none --ipc host "$BB" true)
	[ "$(mgr inspect -f '{{json .Mounts}}' "$id")" = '[]' ]
	[ "$(mgr inspect -f '{{.HostConfig.IpcMode}}' "$id")" = host ]
	run in_ctr --ipc none -- 'readlink /proc/self/ns/ipc; grep -c " /dev/shm " /proc/mounts'
	[ "${lines[0]}" != "$(readlink /proc/self/ns/ipc)" ]
	[ "${lines[1]}" = 0 ]
	run in_ctr --ipc private -- 'readlink /proc/self/ns/ipc'
	[ "$status" -eq 0 ]
	[ "$output" != "$(readlink /proc/self/ns/ipc)" ]
	src=$(run_detached --network none --name ipcsrc --ipc shareable "$BB" sleep 100)
	want=$(mgr exec ipcsrc readlink /proc/self/ns/ipc)
	[ "$want" != "$(readlink /proc/self/ns/ipc)" ]
	run in_ctr --ipc container:ipcsrc -- 'readlink /proc/self/ns/ipc'
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	id=$(mgr create --network none --ipc container:ipcsrc "$BB" true)
	[ "$(mgr inspect -f '{{.HostConfig.IpcMode}}' "$id")" = "container:$src" ]
	[ "$(mgr inspect -f '{{.HostConfig.IpcMode}}' ipcsrc)" = shareable ]
	# docker's rule: the other container runs when this one starts
	mgr stop -t 0 ipcsrc >/dev/null
	run mgr start -a "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--ipc container:$src: container ipcsrc"*"is not running"* ]]
	run mgr create --network none --ipc container:no-such "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--ipc container:no-such"*"no such container"* ]]
	run mgr create --network none --ipc host --shm-size 1g "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options: --shm-size and --ipc host"* ]]
	run mgr create --network none --ipc bogus "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--ipc "bogus": invalid mode'* ]]
}

@test "--pid host|container:NAME: the host's or another container's processes" {
	run in_ctr --pid host -- 'readlink /proc/self/ns/pid; test -d /proc/1 && cat /proc/1/comm'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/self/ns/pid)" ]
	[ "${lines[1]}" = "$(cat /proc/1/comm)" ]
	run_detached --network none --name pidsrc "$BB" sleep 101 >/dev/null
	run in_ctr --pid container:pidsrc -- 'readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(mgr exec pidsrc readlink /proc/self/ns/pid)" ]
	[ "${lines[1]}" = "sleep 101 " ]
	id=$(mgr create --network none --pid host "$BB" true)
	[ "$(mgr inspect -f '{{.HostConfig.PidMode}}' "$id")" = host ]
	run mgr create --network none --pid private "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--pid "private": invalid mode (expected host, container:NAME)'* ]]
}

# v2: whether the cgroup files are v2 ones (pure v2, or the container's memory there).
cg_v2() {
	[ -e /sys/fs/cgroup/cgroup.controllers ]
}

@test "--cpu-period, --cpu-quota, --cpu-rt-*: in the cgroups; not with --cpus" {
	id=$(run_detached --network none --cpu-period 50000 --cpu-quota 25000 "$BB" sleep 100)
	if cg_v2; then
		[ "$(cg "$id" cpu.max)" = "25000 50000" ]
	else
		[ "$(cg "$id" cpu.cfs_period_us)" = 50000 ]
		[ "$(cg "$id" cpu.cfs_quota_us)" = 25000 ]
	fi
	hc=$(mgr inspect "$id" | jq -c .[0].HostConfig)
	[ "$(jq -r .CpuPeriod <<<"$hc")" = 50000 ]
	[ "$(jq -r .CpuQuota <<<"$hc")" = 25000 ]
	[ "$(jq -r .NanoCpus <<<"$hc")" = 0 ]
	# docker's --cpus is NanoCpus alone
	hc=$(mgr inspect "$(mgr create --network none --cpus 0.5 "$BB" true)" | jq -c .[0].HostConfig)
	[ "$(jq -c '[.NanoCpus, .CpuPeriod, .CpuQuota]' <<<"$hc")" = '[500000000,0,0]' ]
	run mgr create --network none --cpus 1 --cpu-quota 50000 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options: --cpus and --cpu-quota"* ]]
	run mgr create --network none --cpu-period 999 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--cpu-period 999: CPU cfs period can not be less than 1ms"* ]]
	run mgr create --network none --cpu-quota 10 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--cpu-quota 10"* ]]
	# real-time time: only where the cpu controller has cpu.rt_runtime_us
	if ls /sys/fs/cgroup/cpu*/cpu.rt_runtime_us >/dev/null 2>&1; then
		run mgr run -i --rm --network none --cpu-rt-period 1000000 --cpu-rt-runtime 1000 \
			"$BB" sh -c 'cat /sys/fs/cgroup/cpu/cpu.rt_runtime_us' </dev/null
		# the host's own real-time budget decides whether it fits: the value, or the file named
		[[ "$output" == 1000 || "$output" == *rt_runtime_us* ]]
	else
		run mgr create --network none --cpu-rt-runtime 1000 "$BB" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"--cpu-rt-runtime: this host's cgroups cannot limit real-time tasks"* ]]
	fi
	run mgr create --network none --cpu-rt-period 1000 --cpu-rt-runtime 2000 "$BB" true
	[ "$status" -eq 125 ]
	[ "$(mgr ps -aq | wc -l)" = 2 ]
}

@test "--blkio-weight, --device-read-bps and the other blkio flags: in the cgroups" {
	dev=$(lsblk -dno PATH,TYPE | awk '$2 == "disk" && $1 !~ /zram/ {print $1; exit}')
	[ -b "$dev" ]
	mm=$(printf '%d:%d' "0x$(stat -Lc %t "$dev")" "0x$(stat -Lc %T "$dev")")
	id=$(run_detached --network none --device-read-bps "$dev:1mb" --device-write-bps "$dev:2mb" \
		--device-read-iops "$dev:100" --device-write-iops "$dev:200" "$BB" sleep 100)
	if [ -d /sys/fs/cgroup/blkio ]; then
		[ "$(cg "$id" blkio.throttle.read_bps_device)" = "$mm 1048576" ]
		[ "$(cg "$id" blkio.throttle.write_bps_device)" = "$mm 2097152" ]
		[ "$(cg "$id" blkio.throttle.read_iops_device)" = "$mm 100" ]
		[ "$(cg "$id" blkio.throttle.write_iops_device)" = "$mm 200" ]
	else
		[ "$(cg "$id" io.max | grep "^$mm ")" = "$mm rbps=1048576 wbps=2097152 riops=100 wiops=200" ]
	fi
	hc=$(mgr inspect "$id" | jq -c .[0].HostConfig)
	[ "$(jq -c .BlkioDeviceReadBps <<<"$hc")" = "[{\"Path\":\"$dev\",\"Rate\":1048576}]" ]
	[ "$(jq -c .BlkioDeviceWriteIOps <<<"$hc")" = "[{\"Path\":\"$dev\",\"Rate\":200}]" ]
	# a weight: where a v1 blkio hierarchy has no weight file, docker's warning and no weight
	if [ -d /sys/fs/cgroup/blkio ]; then
		run mgr run -i --rm --network none --blkio-weight 300 --blkio-weight-device "$dev:400" \
			"$BB" true </dev/null
		[ "$status" -eq 0 ]
		if ls /sys/fs/cgroup/blkio/blkio.weight /sys/fs/cgroup/blkio/blkio.bfq.weight >/dev/null 2>&1; then
			id=$(run_detached --network none --blkio-weight 300 "$BB" sleep 100)
			[ "$(cg "$id" blkio.weight 2>/dev/null || cg "$id" blkio.bfq.weight)" = 300 ]
		else
			[[ "$output" == *"does not support Block I/O weight"*"Weight discarded"* ]]
		fi
	fi
	run mgr create --network none --blkio-weight 5 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--blkio-weight 5: range of blkio weight is from 10 to 1000"* ]]
	run mgr create --network none --device-read-bps /dev/null:1mb "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--device-read-bps /dev/null: not a block device"* ]]
	run mgr create --network none --device-read-iops "$dev:lots" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--device-read-iops \"$dev:lots\""* ]]
	run mgr create --network none --device-write-bps "$dev" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"expected /DEVICE:VALUE"* ]]
}

@test "--memory-swappiness, --oom-kill-disable, --cgroup-parent: in the cgroups" {
	# the driver decides what a parent is: a slice (systemd) or a cgroup path
	probe=$(mgr create --network none "$BB" true)
	if [[ "$(jq -r .linux.cgroupsPath "$(mgr inspect -f '{{.BundlePath}}' "$probe")/config.json")" == *:* ]]; then
		parent=cubo-runflags-parent.slice
	else
		parent=/cubo-runflags-parent
	fi
	run mgr run -d --network none --memory 64m --memory-swappiness 10 --oom-kill-disable \
		--cgroup-parent "$parent" "$BB" sleep 100 </dev/null
	[ "$status" -eq 0 ]
	id=${lines[-1]}
	ctr_cgroup_dirs "$id" | grep -q "cubo-runflags-parent"
	hc=$(mgr inspect "$id" | jq -c .[0].HostConfig)
	[ "$(jq -r .CgroupParent <<<"$hc")" = "$parent" ]
	if [ -e /sys/fs/cgroup/memory/memory.oom_control ]; then
		[ "$(cg "$id" memory.swappiness)" = 10 ]
		[[ "$(cg "$id" memory.oom_control)" == *"oom_kill_disable 1"* ]]
		[ "$(jq -r .MemorySwappiness <<<"$hc")" = 10 ]
		[ "$(jq -r .OomKillDisable <<<"$hc")" = true ]
	else
		# cgroup v2 has neither: docker's warnings, and nothing set
		[[ "$output" == *"--memory-swappiness"*discarded* ]]
		[[ "$output" == *"--oom-kill-disable"*discarded* ]]
		[ "$(jq -r .MemorySwappiness <<<"$hc")" = null ]
		[ "$(jq -r .OomKillDisable <<<"$hc")" = false ]
	fi
	mgr rm -f "$id" >/dev/null
	run mgr create --network none --cgroup-parent ../escape "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--cgroup-parent "../escape"'* ]]
	run mgr create --network none --memory-swappiness 101 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--memory-swappiness 101"* ]]
}

@test "--volumes-from: the other container's volumes and binds, as they are, ro or rw" {
	mkdir "$BATS_TEST_TMPDIR/bind" "$BATS_TEST_TMPDIR/other"
	echo host >"$BATS_TEST_TMPDIR/bind/f"
	echo other >"$BATS_TEST_TMPDIR/other/f"
	mgr create --network none --name vsrc -h vsrc -v vfdata:/data -v "$BATS_TEST_TMPDIR/bind:/bind:ro" \
		-v /anon --tmpfs /scratch "$BB" true >/dev/null
	run in_ctr --volumes-from vsrc -- 'echo one >/data/x && echo two >/anon/y; cat /bind/f; touch /bind/g 2>/dev/null || echo refused; hostname; grep -c " /scratch " /proc/mounts || true'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host ]
	[ "${lines[-3]}" = refused ]
	[ "${lines[-2]}" != vsrc ]
	[ "${lines[-1]}" = 0 ]
	# the same volumes: what one wrote the next one reads; :ro makes every one read-only
	run in_ctr --volumes-from vsrc:ro -- 'cat /data/x /anon/y; touch /data/z 2>/dev/null || echo ro'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\ntwo\nro')" ]
	run in_ctr --volumes-from vsrc:rw -- 'touch /bind/g && echo rw'
	[ "$output" = rw ]
	[ -e "$BATS_TEST_TMPDIR/bind/g" ]
	# a mount of the container's own wins
	run in_ctr --volumes-from vsrc -v "$BATS_TEST_TMPDIR/other:/data" -- 'cat /data/f'
	[ "$output" = other ]
	# --rm removes a container's anonymous volumes, not those it borrowed
	[ "$(mgr volume ls -q | wc -l)" = 2 ]
	id=$(mgr create --network none --volumes-from vsrc:ro "$BB" true)
	c=$(mgr inspect "$id" | jq -c .[0])
	[ "$(jq -c .HostConfig.VolumesFrom <<<"$c")" = '["vsrc:ro"]' ]
	[ "$(jq -r '.Mounts[] | select(.Destination == "/data") | .Name' <<<"$c")" = vfdata ]
	mgr rm -v "$id" >/dev/null
	[ "$(mgr volume ls -q | wc -l)" = 2 ]
	run mgr create --network none --volumes-from no-such "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--volumes-from "no-such"'*"no such container"* ]]
	run mgr create --network none --volumes-from vsrc:rx "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--volumes-from "vsrc:rx": expected CONTAINER[:ro|:rw]'* ]]
}
