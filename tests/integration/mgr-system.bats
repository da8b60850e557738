#!/usr/bin/env bats
# cubo-mgr's housekeeping commands and the flags that change a container in
# place: update (limits live in the cgroups, kept for the next start, and
# docker's checks), stop/restart -s, exec --group-add and --privileged, builder prune, system df/prune/info,
# image prune -a, and the filters of images and volume ls. Images come from
# a real local registry; containers run through $RUNTIME.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry system
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

# mem ID / cpu ID: the memory limit and the CFS quota+period in the container's cgroups
mem() {
	cg "$1" memory.max 2>/dev/null || cg "$1" memory.limit_in_bytes
}
cpu() {
	cg "$1" cpu.max 2>/dev/null || echo "$(cg "$1" cpu.cfs_quota_us) $(cg "$1" cpu.cfs_period_us)"
}

hostconfig() {
	mgr inspect "$1" | jq -r ".[0].HostConfig.$2"
}

@test "update: memory and CPU limits change live, and a restart keeps them" {
	id=$(mgr run -d --network none --memory 64m "$BB" sleep 1000)
	[ "$(mem "$id")" = $((64 << 20)) ]
	mgr update --memory 96m --cpus 0.5 --pids-limit 50 --cpu-shares 512 "$id"
	[ "$(mem "$id")" = $((96 << 20)) ]
	[ "$(cpu "$id")" = "50000 100000" ]
	[ "$(cg "$id" pids.max)" = 50 ]
	[ "$(hostconfig "$id" Memory)" = $((96 << 20)) ]
	[ "$(hostconfig "$id" NanoCpus)" = 500000000 ]
	[ "$(hostconfig "$id" PidsLimit)" = 50 ]
	[ "$(hostconfig "$id" CpuShares)" = 512 ]
	mgr update --cpu-quota 20000 --cpu-period 50000 "$id"
	[ "$(cpu "$id")" = "20000 50000" ]
	mgr restart -t 0 "$id"
	[ "$(mem "$id")" = $((96 << 20)) ]
	[ "$(cpu "$id")" = "20000 50000" ]
	[ "$(cg "$id" pids.max)" = 50 ]
	# -1 lifts the quota, 0 the pids limit, live and for the record. Under
	# the systemd driver systemd writes an unlimited quota with its default
	# period whatever the unit asks ("Always use default period for infinity
	# quota") whenever it realizes the unit, before or after the runtime's
	# own write; without a quota the period throttles nothing.
	local period=50000
	[ "$(mgr info --format '{{.CgroupDriver}}')" != systemd ] || period='@(50000|100000)'
	mgr update --cpu-quota -1 --pids-limit 0 "$id"
	[[ "$(cpu "$id")" == @(-1|max)" "$period ]]
	[ "$(cg "$id" pids.max)" = max ]
	[ "$(hostconfig "$id" NanoCpus)" = 0 ]
	mgr restart -t 0 "$id"
	[[ "$(cpu "$id")" == @(-1|max)" "$period ]]
	[ "$(cg "$id" pids.max)" = max ]
}

@test "update: a stopped container's record changes; its next start has the limits" {
	mgr create --name c --network none "$BB" sleep 1000 >/dev/null
	mgr update -m 80m --memory-reservation 40m c
	[ "$(hostconfig c Memory)" = $((80 << 20)) ]
	[ "$(hostconfig c MemoryReservation)" = $((40 << 20)) ]
	mgr start c
	id=$(mgr inspect c | jq -r '.[0].Id')
	[ "$(mem "$id")" = $((80 << 20)) ]
}

@test "update: docker's checks, with nothing changed when one fails" {
	mgr run -d --name u --network none --memory 64m --memory-reservation 32m \
		--memory-swap 128m "$BB" sleep 1000 >/dev/null
	id=$(mgr inspect u | jq -r '.[0].Id')
	run mgr update --memory 16m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"Cannot update container u: Minimum memory limit can not be less than memory reservation limit"* ]]
	run mgr update --memory 256m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"Memory limit should be smaller than already set memoryswap limit"* ]]
	run mgr update --memory-swap 48m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"Minimum memoryswap limit should be larger than memory limit"* ]]
	[ "$(mem "$id")" = $((64 << 20)) ]
	[ "$(hostconfig u Memory)" = $((64 << 20)) ]
	# with the swap at the same time it works
	mgr update --memory 256m --memory-swap 512m u
	[ "$(mem "$id")" = $((256 << 20)) ]
	run mgr update --memory 1m u
	[ "$status" -eq 125 ]
	[[ "$output" == *"--memory 1m: the minimum memory limit is 6MB"* ]]
	run mgr update --cpus 0.5 --cpu-quota 1000 u
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options"* ]]
	run mgr update --cpu-period 10 u
	[ "$status" -eq 125 ]
	[[ "$output" == *"--cpu-period 10"* ]]
	run mgr update --blkio-weight 5 u
	[ "$status" -eq 125 ]
	[[ "$output" == *"--blkio-weight 5"* ]]
	run mgr update u
	[ "$status" -eq 125 ]
	[[ "$output" == *"expected at least one setting"* ]]
	run mgr update --memory 64m nosuch
	[ "$status" -eq 125 ]
}

@test "update --runtime runc: limits change through runc's update" {
	[ -x /usr/sbin/runc ] || skip "needs /usr/sbin/runc"
	id=$(mgr run -d --runtime /usr/sbin/runc --network none --memory 64m "$BB" sleep 1000)
	mgr update --memory 100m --cpus 0.25 "$id"
	[ "$(mem "$id")" = $((100 << 20)) ]
	[ "$(cpu "$id")" = "25000 100000" ]
}

@test "stop -s / restart -s: the signal reaches the container's trap" {
	mgr run -d --name t --network none "$BB" sh -c \
		'trap "echo got-usr1; exit 3" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
	for i in $(seq 50); do mgr logs t | grep -q ready && break; sleep 0.1; done
	mgr stop -s SIGUSR1 -t 10 t
	[ "$(mgr logs t | tail -1)" = got-usr1 ]
	[ "$(mgr inspect t | jq -r '.[0].State.ExitCode')" = 3 ]
	mgr start t
	for i in $(seq 50); do [ "$(mgr logs t | grep -c ready)" = 2 ] && break; sleep 0.1; done
	mgr restart --signal USR1 t
	[ "$(mgr logs t | grep -c got-usr1)" = 2 ]
	[ "$(state_of t)" = running ]
	run mgr stop -s NOPE t
	[ "$status" -eq 125 ]
	[[ "$output" == *'--signal "NOPE": unknown signal'* ]]
	[ "$(state_of t)" = running ]
}

@test "exec --group-add: the groups in id, names from the container's /etc/group" {
	mgr run -d --name g --network none "$BB" sh -c \
		'echo "audio:x:63:" >>/etc/group; echo ready >/tmp/ready; sleep 1000' >/dev/null
	for i in $(seq 50); do mgr exec g test -e /tmp/ready && break; sleep 0.1; done
	run mgr exec --group-add audio --group-add 4321 g id -G
	[ "$status" -eq 0 ]
	[[ " $output " == *" 63 "* ]]
	[[ " $output " == *" 4321 "* ]]
	run mgr exec -u 1000:1000 --group-add audio g id
	[ "$status" -eq 0 ]
	[[ "$output" == *"uid=1000"*"63(audio)"* ]]
	run mgr exec g id -G
	[[ " $output " != *" 63 "* ]]
	run mgr exec --group-add nosuchgroup g id
	[ "$status" -eq 125 ]
	[[ "$output" == *nosuchgroup* ]]
	run mgr exec --group-add 'a:b' g id
	[ "$status" -eq 125 ]
	[[ "$output" == *'--group-add "a:b"'* ]]
}

@test "exec --privileged: every capability in CapEff, the container's own set without it" {
	local caps
	caps=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	mgr run -d --name p --network none --cap-drop ALL "$BB" sleep 1000 >/dev/null
	run mgr exec p grep -E '^Cap(Eff|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "CapEff:	0000000000000000" ]
	run mgr exec --privileged p grep -E '^Cap(Eff|Bnd):' /proc/self/status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "CapEff:	$caps" ]
	[ "${lines[1]}" = "CapBnd:	$caps" ]
	# what it allows: a mknod the container itself may not do
	run mgr exec p mknod /tmp/n c 1 3
	[ "$status" -ne 0 ]
	mgr exec --privileged p mknod /tmp/n c 1 3
	# the container's process keeps its empty set
	run mgr exec p grep '^CapEff:' /proc/1/status
	[ "$output" = "CapEff:	0000000000000000" ]
}

# build_labeled NAME LABEL...: an image of busybox with those labels (no RUN step)
build_labeled() {
	local name=$1 ctx=$BATS_TEST_TMPDIR/ctx-$1
	shift
	mkdir -p "$ctx"
	{
		echo "FROM $BB"
		for l in "$@"; do echo "LABEL $l"; done
	} >"$ctx/Cubofile"
	mgr build -q -t "$name" "$ctx" >/dev/null
}

@test "images -f: dangling, reference, label, before, since, until; values ORed but labels ANDed" {
	build_labeled app:1 tier=web
	sleep 1.1
	build_labeled app:2 tier=db
	sleep 1.1
	build_labeled other:1 tier=web extra=yes
	# building app:2 again with another label leaves the old one unnamed
	build_labeled app:2 tier=db2
	run mgr images -f dangling=true --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = "<none>:<none>" ]
	run mgr images -f dangling=false --format '{{.Repository}}:{{.Tag}}'
	[[ "$output" != *"<none>"* ]]
	[[ "$output" == *app:1* ]]
	run mgr images -f reference='app:*' --format '{{.Repository}}:{{.Tag}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 app:2 " ]
	run mgr images -f reference=other --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = other:1 ]
	# a '*' does not cross a '/'
	run mgr images -f 'reference=*' --format '{{.Repository}}'
	[[ "$output" != *"$REG"* ]]
	run mgr images -f "reference=$REG/*" --format '{{.Repository}}'
	[ "$output" = "$REG/busybox" ]
	run mgr images -f label=tier=web --format '{{.Repository}}:{{.Tag}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 other:1 " ]
	run mgr images -f label=extra --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = other:1 ]
	# two values of one key: either (labels: both, as docker); two keys: both
	run mgr images -f reference=app:1 -f reference=other --format '{{.Repository}}:{{.Tag}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 other:1 " ]
	run mgr images -f label=tier=web -f label=extra --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = other:1 ]
	run mgr images -f label=tier=web -f reference='app*' --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = app:1 ]
	run mgr images -f since=app:1 -f dangling=false --format '{{.Repository}}:{{.Tag}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "app:2 other:1 " ]
	run mgr images -f before=other:1 -f reference='app*' --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = app:1 ]
	# made seconds ago: none before an hour ago, all before a minute from now
	run mgr images -q -f until=1h -f reference='app*'
	[ -z "$output" ]
	run mgr images --format '{{.Repository}}:{{.Tag}}' -f until="$(($(date +%s) + 60))" -f reference='app*'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 app:2 " ]
	run mgr images -f until=soon
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'until=soon'"* ]]
	run mgr images -f color=red
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'color'"* ]]
	run mgr images -f dangling=maybe
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'dangling=maybe'"* ]]
	run mgr images -f before=nosuch
	[ "$status" -eq 125 ]
	[[ "$output" == *nosuch* ]]
}

@test "volume ls -f: dangling, name, label, driver" {
	mgr volume create --label env=prod used >/dev/null
	mgr volume create --label env=dev spare >/dev/null
	mgr create --name holder -v used:/data "$BB" true >/dev/null
	run mgr volume ls -q -f dangling=true
	[ "$output" = spare ]
	run mgr volume ls -q -f dangling=false
	[ "$output" = used ]
	run mgr volume ls -q -f name=spa
	[ "$output" = spare ]
	run mgr volume ls -q -f label=env=prod
	[ "$output" = used ]
	run mgr volume ls -q -f label=env -f dangling=true
	[ "$output" = spare ]
	run mgr volume ls -q -f label=env -f label=env=dev
	[ "$output" = spare ]
	run mgr volume ls -q -f name=used -f name=spare
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "spare used " ]
	run mgr volume ls -q -f driver=local -f name=used
	[ "$output" = used ]
	run mgr volume ls -q -f driver=nfs
	[ -z "$output" ]
	run mgr volume ls -f nope=1
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'nope'"* ]]
	run mgr volume ls -f dangling
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad format of filter"* ]]
	# volume prune --filter label=: only unused volumes with the label
	mgr volume create --label env=dev other >/dev/null
	mgr volume create --label env=prod prodspare >/dev/null
	run mgr volume prune -a -f --filter label=env=dev
	[ "$status" -eq 0 ]
	[ "$(mgr volume ls -q | sort | tr '\n' ' ')" = "prodspare used " ]
	run mgr volume prune -f --filter until=1h
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'until'"* ]]
}

@test "image prune -a: unused images go, images a container uses stay; --filter label/until" {
	build_labeled keep:1 role=keep
	build_labeled gone:1 role=gone
	build_labeled old:1 role=old
	mgr create --name user keep:1 true >/dev/null
	run mgr image prune -a -f --filter label=role=gone
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted Images:"*"untagged: docker.io/library/gone:1"* ]]
	[[ "$output" == *"Total reclaimed space:"* ]]
	run mgr images --format '{{.Repository}}'
	[[ "$output" != *gone* ]]
	[[ "$output" == *old* ]]
	# nothing was made before an hour ago
	run mgr image prune -a -f --filter until=1h
	[[ "$(mgr images --format '{{.Repository}}')" == *old* ]]
	run mgr image prune -a -f --filter until=bad
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'until=bad'"* ]]
	# the prompt: n keeps everything, y removes
	run mgr image prune -a <<<n
	[[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
	[[ "$(mgr images --format '{{.Repository}}')" == *old* ]]
	run mgr image prune -a <<<y
	[ "$status" -eq 0 ]
	run mgr images --format '{{.Repository}}'
	[[ "$output" != *old* ]]
	[[ "$output" != *"$REG/busybox"* ]]
	[[ "$output" == *keep* ]]
	mgr start -a user
}

# df_field TYPE FIELD: a field of system df --format json's row of TYPE
df_field() {
	mgr system df --format json | jq -r --arg t "$1" "select(.Type == \$t) | .$2"
}

@test "system df: images, containers, volumes and build cache before and after use" {
	# before and after a pull
	mgr rmi "$BB" >/dev/null
	[ "$(df_field Images TotalCount)" = 0 ]
	[ "$(df_field Images Size)" = 0B ]
	mgr pull -q "$BB" >/dev/null
	# one image, nothing else
	run mgr system df
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
	[[ "${lines[1]}" == "Images          1         0         "*"(100%)" ]]
	[[ "${lines[2]}" == "Containers      0         0         0B        0B (0%)" ]]
	[[ "${lines[3]}" == "Local Volumes   0         0         0B        0B (0%)" ]]
	[ "$(df_field Images TotalCount)" = 1 ]
	# a second name of the same image counts once
	mgr tag "$BB" again:1
	[ "$(df_field Images TotalCount)" = 1 ]
	size1=$(df_field Images Size)
	# an image sharing busybox's layer adds only its own blobs
	build_labeled lab:1 a=b
	[ "$(df_field Images TotalCount)" = 2 ]
	# (a few hundred bytes of config more: the shared layer once, not twice)
	size2=$(df_field Images Size)
	awk -v a="${size1%MB}" -v b="${size2%MB}" 'BEGIN { exit !(b >= a && b < a * 1.1) }'
	# a running container with 1 MB written, and a volume with 2 MB
	mgr volume create data >/dev/null
	mgr run -d --name w --network none -v data:/data "$BB" sh -c \
		'dd if=/dev/zero of=/big bs=1000 count=1000 2>/dev/null; dd if=/dev/zero of=/data/v bs=1000 count=2000 2>/dev/null; ln /big /big2; ln -s /big /link; touch /done; sleep 1000' >/dev/null
	for i in $(seq 100); do mgr exec w test -e /done && break; sleep 0.1; done
	[ "$(df_field Containers TotalCount)" = 1 ]
	[ "$(df_field Containers Active)" = 1 ]
	# the hard link and the symlink add nothing
	[[ "$(df_field Containers Size)" == 1.00MB ]]
	[ "$(df_field Containers Reclaimable)" = "0B (0%)" ]
	[[ "$(df_field "Local Volumes" Size)" == 2.00MB ]]
	[ "$(df_field "Local Volumes" Active)" = 1 ]
	[ "$(df_field Images Active)" = 1 ]
	# stopped, the container's layer is reclaimable; the volume still has a user
	mgr stop -t 0 w
	[[ "$(df_field Containers Reclaimable)" == "1.00MB (100%)" ]]
	[ "$(df_field "Local Volumes" Reclaimable)" = "0B (0%)" ]
	run mgr system df -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"Images space usage:"*"lab "*"Containers space usage:"*" w"*"Local Volumes space usage:"*"data "*"1 "*"2.00MB"*"Build cache usage:"* ]]
	run mgr system df --format '{{.Type}}={{.TotalCount}}'
	[[ "${lines[*]}" == "Images=2 Containers=1 Local Volumes=1 Build Cache="[1-9]* ]]
}

@test "builder prune: the prompt, --filter until=, -f empties the build cache; builder build" {
	build_labeled cached:1 k=v
	[ "$(df_field "Build Cache" TotalCount)" -gt 0 ]
	before=$(ls "$R/build-cache" | wc -l)
	# n: nothing goes
	run mgr builder prune <<<n
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING! This will remove all dangling build cache."* ]]
	[ "$(ls "$R/build-cache" | wc -l)" -eq "$before" ]
	# records written in the last hour are not older than an hour
	run mgr builder prune -f --filter until=1h
	[ "$status" -eq 0 ]
	[ "$output" = "Total reclaimed space: 0B" ]
	[ "$(ls "$R/build-cache" | wc -l)" -eq "$before" ]
	run mgr builder prune -a -f --filter until=2000-01-01T00:00:00Z
	[ "$(ls "$R/build-cache" | wc -l)" -eq "$before" ]
	run mgr builder prune -a -f
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted build cache objects:" ]
	[ "${#lines[@]}" -eq $((before + 2)) ]
	[[ "${lines[-1]}" == "Total reclaimed space: "* ]]
	[ "$(df_field "Build Cache" TotalCount)" = 0 ]
	# docker's errors; ls is buildx's
	run mgr builder prune -f --filter until=soon
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'until=soon'"* ]]
	run mgr builder prune -f --filter label=a
	[ "$status" -eq 125 ]
	run mgr builder ls
	[ "$status" -eq 125 ]
	# builder build is build
	mkdir -p "$BATS_TEST_TMPDIR/bctx"
	echo "FROM $BB" >"$BATS_TEST_TMPDIR/bctx/Cubofile"
	mgr builder build -q -t viabuilder:1 "$BATS_TEST_TMPDIR/bctx" >/dev/null
	mgr image inspect viabuilder:1 >/dev/null
}

@test "system prune: the prompt, stopped containers, dangling images, -a, --volumes" {
	build_labeled img:1 v=1
	build_labeled img:1 v=2 # the first becomes dangling
	build_labeled spare:1 v=3
	mgr network create unused >/dev/null
	mgr run -d --name up --network none "$BB" sleep 1000 >/dev/null
	mgr create --name down --network none -v /anon "$BB" true >/dev/null
	mgr volume create named >/dev/null
	# n: nothing goes
	run mgr system prune <<<n
	[[ "$output" == *"WARNING! This will remove:"*"all stopped containers"*"all dangling images"*"Are you sure you want to continue? [y/N]"* ]]
	[[ "$output" != *"anonymous volumes"* ]]
	[ "$(mgr ps -aq | wc -l)" = 2 ]
	# y: the stopped container, the network and the dangling image go
	run mgr system prune <<<y
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted Containers:"* ]]
	[[ "$output" == *"Deleted Networks:"*unused* ]]
	[[ "$output" == *"Deleted Images:"*"deleted: sha256:"* ]]
	[[ "$output" == *"Deleted build cache objects:"* ]]
	[[ "$output" == *"Total reclaimed space:"* ]]
	[ "$(df_field "Build Cache" TotalCount)" = 0 ]
	[ "$(mgr ps -aq | wc -l)" = 1 ]
	[[ "$(mgr network ls)" != *unused* ]]
	[ -z "$(mgr images -q -f dangling=true)" ]
	[[ "$(mgr images)" == *spare* ]]
	# the removed container's anonymous volume is still there without --volumes
	[ "$(mgr volume ls -q | wc -l)" = 2 ]
	# -a --volumes: unused images and anonymous volumes too; what runs keeps its image
	run mgr system prune -a --volumes -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"untagged: docker.io/library/spare:1"* ]]
	run mgr images --format '{{.Repository}}'
	[[ "$output" != *spare* ]]
	[[ "$output" == *"$REG/busybox"* ]]
	run mgr volume ls -q
	[ "$output" = named ]
	[ "$(state_of up)" = running ]
	run mgr system prune -f --filter bogus=1
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'bogus'"* ]]
}

@test "system prune --filter label= and until=: only matching containers go; system info is info" {
	mgr create --name keepme --label keep=yes --network none "$BB" true >/dev/null
	mgr create --name dropme --label keep=no --network none "$BB" true >/dev/null
	run mgr system prune -f --filter label=keep=no
	[ "$status" -eq 0 ]
	[ "$(mgr ps -a --format '{{.Names}}')" = keepme ]
	# made seconds ago: not before an hour ago
	run mgr system prune -f --filter until=1h
	[ "$(mgr ps -a --format '{{.Names}}')" = keepme ]
	run mgr system info
	[ "$status" -eq 0 ]
	[ "$output" = "$(mgr info)" ]
}
