#!/usr/bin/env bats
# run/create flags for a container's resources and setup: --tmpfs,
# --shm-size, --sysctl, --cpuset-cpus/-mems, -c, --memory-swap,
# --memory-reservation, --oom-score-adj; each checked from inside the
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
