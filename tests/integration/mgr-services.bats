#!/usr/bin/env bats
# cubo-mgr's container services: log drivers (k8s-file, json-file, journald,
# none) with rotation and logs --since/--until/-f across rotated files; --init
# (zombies reaped, signals forwarded, the exit status handed on); top;
# restart policies (counts and backoff intervals from the log's times, stop
# and kill holding, rm -f while restarting, update --restart, the restore
# after every monitor and container was killed, cubo-restart.service).
# Images come from a real local registry; containers run through $RUNTIME.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry svc
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

ctr_dir() {
	echo "$R/$(mgr inspect "$1" | jq -r '.[0].Id')"
}

log_type() {
	mgr inspect "$1" | jq -r '.[0].HostConfig.LogConfig.Type'
}

@test "log-driver: json-file is docker's format, escaped, and logs reads it" {
	mgr run -d --name j --log-driver json-file "$BB" \
		sh -c 'printf "a \"quoted\" \\\\ tab\there\n"; sleep 0.2; printf "err\n" >&2; sleep 0.2
			printf "no end"' >/dev/null
	run mgr wait j
	[ "$output" = 0 ]
	d=$(ctr_dir j)
	run jq -r '.stream' "$d/ctr.log"
	[ "${lines[*]}" = "stdout stderr stdout" ]
	run jq -r '.log' "$d/ctr.log"
	[ "${lines[0]}" = 'a "quoted" \ tab	here' ]
	# every line is one JSON object with docker's three fields, time in RFC 3339
	[ "$(jq -c 'keys' "$d/ctr.log" | sort -u)" = '["log","stream","time"]' ]
	[ "$(jq -r '.time' "$d/ctr.log" | grep -cE '^20[0-9-]+T[0-9:]+\.[0-9]+Z$')" = 3 ]
	# the piece without its newline ends in no "\n", as docker writes it
	[ "$(jq -c '.log' "$d/ctr.log" | tail -1)" = '"no end"' ]
	run --separate-stderr mgr logs j
	[ "$output" = "$(printf 'a "quoted" \\ tab\there\nno end')" ]
	[ "$stderr" = err ]
	[ "$(log_type j)" = json-file ]
}

@test "log-opt: rotation keeps at most max-file files and logs reads across them intact" {
	for drv in k8s-file json-file; do
		mgr run -d --name "rot-$drv" --log-driver "$drv" --log-opt max-size=10k \
			--log-opt max-file=3 "$BB" sh -c 'seq 1 2000' >/dev/null
		run mgr wait "rot-$drv"
		[ "$output" = 0 ]
		d=$(ctr_dir "rot-$drv")
		[ -f "$d/ctr.log" ]
		[ -f "$d/ctr.log.1" ]
		[ -f "$d/ctr.log.2" ]
		[ ! -e "$d/ctr.log.3" ]
		for f in "$d"/ctr.log "$d"/ctr.log.[0-9]*; do
			[ "$(stat -c %s "$f")" -le 10240 ]
		done
		# what is kept: the newest lines, whole and in order, up to the last
		run mgr logs "rot-$drv"
		[ "${lines[-1]}" = 2000 ]
		first=${lines[0]}
		[ "$output" = "$(seq "$first" 2000)" ]
		[ "$first" -gt 1 ]
		[ "$(mgr logs --tail 5 "rot-$drv")" = "$(seq 1996 2000)" ]
		# --tail reaching back into the rotated files
		n=$(( 2000 - first + 1 ))
		[ "$(mgr logs --tail "$n" "rot-$drv")" = "$output" ]
	done
	# with room for everything, nothing is lost across the rotations
	mgr run -d --name all --log-opt max-size=4k --log-opt max-file=100 "$BB" \
		sh -c 'seq 1 5000' >/dev/null
	mgr wait all >/dev/null
	[ "$(mgr logs all)" = "$(seq 1 5000)" ]
	[ -f "$(ctr_dir all)/ctr.log.5" ]
}

@test "log-opt: logs -f follows across rotations without losing or repeating a line" {
	mgr run -d --name fol --log-opt max-size=2k --log-opt max-file=1000 "$BB" \
		sh -c 'sleep 0.5; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo $i; [ $((i % 300)) = 0 ] && sleep 0.1; done' >/dev/null
	run timeout 60 "$MGR" --root-dir "$R" logs -f fol
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 3000)" ]
	[ -f "$(ctr_dir fol)/ctr.log.10" ]
}

@test "log-opt: the default cap, and bad options named with their value" {
	mgr create --name capped "$BB" true >/dev/null
	[ "$(log_type capped)" = k8s-file ]
	mgr create --name opts --log-driver json-file --log-opt max-size=1m "$BB" true >/dev/null
	[ "$(mgr inspect opts | jq -c '.[0].HostConfig.LogConfig')" = \
		'{"Type":"json-file","Config":{"max-size":"1m"}}' ]
	run mgr run --log-opt max-size=abc "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *max-size* && "$output" == *abc* ]]
	run mgr run --log-opt max-file=0 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *max-file* ]]
	run mgr run --log-opt nope=1 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *nope* ]]
	run mgr run --log-driver syslog "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *syslog* ]]
	run mgr run --log-driver none --log-opt max-size=1m "$BB" true
	[ "$status" -eq 125 ]
	# nothing was made by the refused runs
	[ "$(mgr ps -aq | wc -l)" = 2 ]
	# info lists every driver, as docker's Plugins: Log
	mgr info | grep -qx ' Log: k8s-file json-file journald none'
	[ "$(mgr info -f json | jq -c .Plugins.Log)" = '["k8s-file","json-file","journald","none"]' ]
}

@test "log-driver none: nothing kept, and logs refuses as docker does" {
	mgr run -d --name quiet --log-driver none "$BB" sh -c 'echo hidden' >/dev/null
	mgr wait quiet >/dev/null
	[ ! -s "$(ctr_dir quiet)/ctr.log" ]
	run mgr logs quiet
	[ "$status" -ne 0 ]
	[[ "$output" == *"configured logging driver does not support reading"* ]]
	# attached, the output still comes through
	run mgr run -i --rm --log-driver none "$BB" echo seen
	[ "$output" = seen ]
}

@test "logs --since and --until: timestamps, unix seconds and durations" {
	mgr run -d --name t "$BB" sh -c 'echo early; sleep 2; echo late' >/dev/null
	mgr wait t >/dev/null
	late=$(mgr logs -t t | awk '/late/ {print $1}')
	[ "$(mgr logs --since "$late" t)" = late ]
	[ "$(mgr logs --until "$late" t)" = "$(printf 'early\nlate')" ]
	early=$(mgr logs -t t | awk '/early/ {print $1}')
	[ "$(mgr logs --until "$early" t)" = early ]
	[ "$(mgr logs --since 1m t)" = "$(printf 'early\nlate')" ]
	[ -z "$(mgr logs --until 1m t)" ]
	now=$(date +%s)
	[ "$(mgr logs --since $((now - 60)) t)" = "$(printf 'early\nlate')" ]
	[ -z "$(mgr logs --since $((now + 60)) t)" ]
	run mgr logs --since yesterday t
	[ "$status" -eq 125 ]
	[[ "$output" == *--since* && "$output" == *yesterday* ]]
}

# How many zombies the container has, counted from inside.
zombies() {
	mgr exec "$1" sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l'
}

@test "--init: 100 orphaned zombies are reaped; without it they stay" {
	# each (sleep &) leaves an orphan that PID 1 inherits; exec sleep never waits
	script='for i in $(seq 100); do (sleep 0.2 &); done; exec sleep 100'
	mgr run -d --name bare "$BB" sh -c "$script" >/dev/null
	mgr run -d --name inited --init "$BB" sh -c "$script" >/dev/null
	sleep 2
	[ "$(zombies bare)" -ge 50 ]
	[ "$(zombies inited)" = 0 ]
	# PID 1 is the init, read-only, bound from the host; the command runs under it
	run mgr exec inited sh -c 'tr "\0" " " </proc/1/cmdline'
	[ "$output" = "/run/cubo-init -- sh -c $script " ]
	# the host's init binary cannot be written from inside, by its name or
	# through PID 1's /proc/1/exe (CVE-2019-5736's way)
	local pid sum
	pid=$(mgr inspect inited | jq -r '.[0].State.Pid')
	sum=$(sha256sum <"/proc/$pid/exe")
	run mgr exec inited sh -c 'echo x > /run/cubo-init'
	[ "$status" -ne 0 ]
	run mgr exec inited sh -c 'echo x > /proc/1/exe'
	[ "$status" -ne 0 ]
	[ "$(sha256sum <"/proc/$pid/exe")" = "$sum" ]
	# ps and inspect show the command, and that --init was asked
	[[ "$(mgr ps --no-trunc -f name=inited)" != *cubo-init* ]]
	[ "$(mgr inspect inited | jq -r '.[0].HostConfig.Init')" = true ]
	[ "$(mgr inspect bare | jq -r '.[0].HostConfig.Init')" = false ]
}

@test "--init: signals reach the command, and its status comes back" {
	mgr run -d --name trap --init "$BB" \
		sh -c 'trap "echo got TERM; exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
	sleep 0.5
	mgr kill -s TERM trap >/dev/null
	run mgr wait trap
	[ "$output" = 3 ]
	[ "$(mgr logs trap)" = "got TERM" ]
	# killed by a signal: 128 + its number, as a shell reports it
	mgr run -d --name usr1 --init "$BB" sleep 100 >/dev/null
	sleep 0.3
	mgr kill -s USR1 usr1 >/dev/null
	run mgr wait usr1
	[ "$output" = 138 ]
	# a command that cannot run: 127, said by the init
	run -127 mgr run -i --rm --init "$BB" /no/such
	[ "$status" -eq 127 ]
	run mgr run -i --rm --init "$BB" sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "--init-path: a given init is used; a missing one is refused" {
	run mgr run --init-path /no/such/init "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *--init-path* && "$output" == */no/such/init* ]]
	cp "$(dirname "$MGR")/../cubo-init/cubo-init" "$BATS_TEST_TMPDIR/my-init"
	run mgr run -i --rm --init-path "$BATS_TEST_TMPDIR/my-init" "$BB" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	[[ "$output" == "/run/cubo-init -- sh -c"* ]]
}

@test "top: the container's processes through the host's ps, with its options" {
	# the shell stays (a command follows), with its two children
	mgr run -d --name busy "$BB" sh -c 'sleep 101 & sleep 102; echo' >/dev/null
	sleep 0.3
	pid=$(mgr inspect busy | jq -r '.[0].State.Pid')
	run mgr top busy
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == UID*PID*PPID*CMD* ]]
	[ "${#lines[@]}" = 4 ]
	[[ "$output" == *"sleep 101"* && "$output" == *"sleep 102"* ]]
	[[ "$output" == *" $pid "* ]]
	# ps options pass through
	run mgr top busy -o pid,comm
	[[ "${lines[0]}" == *PID\ COMMAND ]]
	[ "${#lines[@]}" = 4 ]
	[[ "$output" == *sleep* ]]
	# no PID column: said so
	run mgr top busy -o comm
	[ "$status" -ne 0 ]
	[[ "$output" == *PID* ]]
	mgr rm -f busy >/dev/null
	mgr create --name idle "$BB" true >/dev/null
	run mgr top idle
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not running"* ]]
}

@test "log-driver journald: entries with docker's fields, read back by logs; refused without a journal" {
	if [ ! -S /run/systemd/journal/socket ]; then
		# no journal here: refused before anything is made, saying why
		run mgr run --name j --log-driver journald "$BB" echo hi
		[ "$status" -eq 125 ]
		[[ "$output" == *journald* && "$output" == */run/systemd/journal/socket* ]]
		[ -z "$(mgr ps -aq)" ]
		return 0
	fi
	command -v journalctl >/dev/null || skip "journalctl is needed"
	name=jd-$$-$RANDOM
	id=$(mgr run -d --name "$name" --log-driver journald "$BB" \
		sh -c 'echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three')
	run mgr wait "$name"
	[ "$output" = 0 ]
	# docker's fields: the short and full ID, the name, the tag (the short ID), priorities
	run journalctl -o json "CONTAINER_ID_FULL=$id"
	[ "$(jq -r .MESSAGE <<<"$output" | tr '\n' ' ')" = "one two three " ]
	[ "$(jq -r .CONTAINER_NAME <<<"$output" | sort -u)" = "$name" ]
	[ "$(jq -r .CONTAINER_ID <<<"$output" | sort -u)" = "${id:0:12}" ]
	[ "$(jq -r .SYSLOG_IDENTIFIER <<<"$output" | sort -u)" = "${id:0:12}" ]
	[ "$(jq -r .PRIORITY <<<"$output" | tr '\n' ' ')" = "6 3 6 " ]
	# logs reads them back: streams apart, --tail, -t, --since
	run --separate-stderr mgr logs "$name"
	[ "$output" = "$(printf 'one\nthree')" ]
	[ "$stderr" = two ]
	[ "$(mgr logs --tail 1 "$name")" = three ]
	[[ "$(mgr logs -t --tail 1 "$name")" =~ ^20[0-9-]+T[0-9:.]+Z\ three$ ]]
	three=$(mgr logs -t --tail 1 "$name" | cut -d' ' -f1)
	[ "$(mgr logs --since "$three" "$name")" = three ]
	# -f ends when the container stops, with every line
	mgr run -d --name "$name-f" --log-driver journald --log-opt tag=web "$BB" \
		sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done' >/dev/null
	run timeout 30 "$MGR" --root-dir "$R" logs -f "$name-f"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nline3')" ]
	run journalctl -o json SYSLOG_IDENTIFIER=web "CONTAINER_NAME=$name-f"
	[ "$(jq -r .CONTAINER_TAG <<<"$output" | sort -u)" = web ]
	[ "$(mgr inspect "$name" | jq -r '.[0].HostConfig.LogConfig.Type')" = journald ]
}

@test "cubo-init -g: a signal goes to the command's whole process group" {
	init=$(dirname "$MGR")/../cubo-init/cubo-init
	for g in -g ""; do
		rm -f "$BATS_TEST_TMPDIR/pid"
		# shellcheck disable=SC2086 # "" is no option
		"$init" $g -- sh -c "sleep 100 & echo \$! >$BATS_TEST_TMPDIR/pid; wait" \
			</dev/null >/dev/null 2>&1 3>&- &
		pid=$!
		for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/pid" ] && break; sleep 0.1; done
		child=$(cat "$BATS_TEST_TMPDIR/pid")
		kill -TERM "$pid"
		run timeout 10 tail --pid="$pid" -f /dev/null
		[ "$status" -eq 0 ]
		# the shell's status: killed by TERM
		wait "$pid" && st=0 || st=$?
		[ "$st" = 143 ]
		# -g: the background child went with it; without, it lives on
		if [ -n "$g" ]; then
			sleep 0.2
			! kill -0 "$child" 2>/dev/null
		else
			kill -0 "$child"
			kill -9 "$child"
		fi
	done
	run "$init"
	[ "$status" -eq 125 ]
	[[ "$output" == *usage* ]]
}

# ---- restart policies ----

# state NAME: docker's State.Status (running, exited, restarting, ...)
state() {
	mgr inspect "$1" | jq -r '.[0].State.Status'
}

# settle NAME: wait (at most 20 s) until the restarts are over and it is exited.
settle() {
	local i
	for i in $(seq 200); do
		[ "$(state "$1")" = exited ] &&
			[ "$(mgr inspect "$1" | jq -r '.[0].State.MonitorPid')" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# starts_ms NAME: when each run printed its line (json-file log times), in ms.
starts_ms() {
	local t
	for t in $(jq -r '.time' "$(ctr_dir "$1")/ctr.log"); do
		date -d "$t" +%s%3N
	done
}

# until_count NAME N: wait (at most 20 s) for RestartCount >= N.
until_count() {
	local i
	for i in $(seq 200); do
		[ "$(mgr inspect "$1" | jq -r '.[0].RestartCount')" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "restart on-failure:3: exactly 3 restarts, the backoff doubling from 100 ms" {
	mgr run -d --name f --restart on-failure:3 --log-driver json-file "$BB" \
		sh -c 'echo run; exit 1' >/dev/null
	settle f
	[ "$(mgr inspect f | jq -r '.[0].RestartCount')" = 3 ]
	[ "$(mgr inspect f | jq -r '.[0].State.ExitCode')" = 1 ]
	[ "$(mgr inspect f | jq -c '.[0].HostConfig.RestartPolicy')" = \
		'{"Name":"on-failure","MaximumRetryCount":3}' ]
	[ "$(mgr ps -a --filter name=f --format '{{.RestartCount}}')" = 3 ]
	# no fourth restart comes later (the next wait would be 800 ms)
	sleep 1.2
	mapfile -t t < <(starts_ms f)
	[ "${#t[@]}" = 4 ]
	[ "$(mgr inspect f | jq -r '.[0].RestartCount')" = 3 ]
	# each run started at least the backoff after the one before: 100, 200, 400 ms
	echo "intervals: $((t[1] - t[0])) $((t[2] - t[1])) $((t[3] - t[2])) ms"
	[ $((t[1] - t[0])) -ge 100 ]
	[ $((t[2] - t[1])) -ge 200 ]
	[ $((t[3] - t[2])) -ge 400 ]
	# a success is not restarted by on-failure
	mgr run -d --name ok --restart on-failure "$BB" true >/dev/null
	settle ok
	sleep 0.5
	[ "$(mgr inspect ok | jq -r '.[0].RestartCount')" = 0 ]
}

@test "restart always: exit 0 restarts; stop holds it until start; ps shows Restarting" {
	mgr run -d --name a --restart always --log-driver json-file "$BB" \
		sh -c 'echo run; sleep 0.5' >/dev/null
	until_count a 1
	# one monitor for every run, holding no more descriptors run after run
	mon=$(mgr inspect a | jq -r '.[0].State.MonitorPid')
	fds=$(ls /proc/"$mon"/fd | wc -l)
	until_count a 3
	[ "$(mgr inspect a | jq -r '.[0].State.MonitorPid')" = "$mon" ]
	[ "$(ls /proc/"$mon"/fd | wc -l)" -le "$fds" ]
	[ "$(mgr inspect a | jq -r '.[0].HostConfig.RestartPolicy.Name')" = always ]
	mgr stop -t 1 a
	[ "$(state a)" = exited ]
	n=$(jq -r .log "$(ctr_dir a)/ctr.log" | grep -c run)
	sleep 2
	[ "$(state a)" = exited ]
	[ "$(jq -r .log "$(ctr_dir a)/ctr.log" | grep -c run)" = "$n" ]
	# the user's start lets the policy act again, counted afresh
	mgr start a
	[ "$(mgr inspect a | jq -r '.[0].RestartCount')" = 0 ]
	until_count a 1
	for i in $(seq 50); do [ "$(state a)" = running ] && break; sleep 0.1; done
	mgr kill a
	sleep 1.5
	[ "$(state a)" = exited ]
	# a failing command: the backoff grows until it is seen restarting
	mgr run -d --name r --restart always "$BB" false >/dev/null
	for i in $(seq 100); do
		[ "$(state r)" = restarting ] && [ "$(mgr inspect r | jq -r '.[0].RestartCount')" -ge 5 ] && break
		sleep 0.1
	done
	[ "$(state r)" = restarting ]
	[ "$(mgr inspect r | jq -r '.[0].State.Restarting')" = true ]
	[[ "$(mgr ps --filter name=r --format '{{.Status}}')" == "Restarting (1) "*" ago" ]]
	[ "$(mgr inspect r | jq -r '.[0].State.Running')" = true ]
	[ "$(mgr ps -a --filter status=restarting --format '{{.Names}}')" = r ]
	# rm -f of a restarting container: gone, and its monitor with it
	mgr rm -f r
	run mgr inspect r
	[ "$status" -ne 0 ]
	sleep 4
	run mgr inspect r
	[ "$status" -ne 0 ]
	[ "$(mgr ps -aq | wc -l)" = 1 ]
	[ -z "$(monitors)" ]
}

@test "update --restart: a new policy applies from the next exit" {
	mgr run -d --name u "$BB" sh -c 'sleep 1; exit 3' >/dev/null
	mgr update --restart on-failure:1 u
	[ "$(mgr inspect u | jq -c '.[0].HostConfig.RestartPolicy')" = \
		'{"Name":"on-failure","MaximumRetryCount":1}' ]
	until_count u 1
	settle u
	[ "$(mgr inspect u | jq -r '.[0].RestartCount')" = 1 ]
	mgr update --restart no u
	[ "$(mgr inspect u | jq -r '.[0].HostConfig.RestartPolicy.Name')" = no ]
	run mgr update u
	[ "$status" -eq 125 ]
	[[ "$output" == *--restart* ]]
	mgr run -d --name rm1 --rm "$BB" sleep 100 >/dev/null
	run mgr update --restart always rm1
	[ "$status" -ne 0 ]
	[[ "$output" == *--rm* ]]
}

@test "restart: bad --restart values are refused with exit 125, naming the value" {
	for bad in bogus on-failure:x on-failure:-1 always:3 unless-stopped:1 on-failure: "" \
		on-failure:99999999999 Always; do
		run mgr run -d --restart "$bad" "$BB" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"restart policy \"$bad\""* ]]
		run mgr create --restart "$bad" "$BB" true
		[ "$status" -eq 125 ]
		run mgr update --restart "$bad" x
		[ "$status" -eq 125 ]
		[[ "$output" == *"$bad"* ]]
	done
	run mgr run -d --restart always --rm "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *--rm* ]]
	run mgr start --all --filter restart-policy=sometimes
	[ "$status" -eq 125 ]
	[[ "$output" == *sometimes* ]]
	run mgr start --all --filter status=exited
	[ "$status" -eq 125 ]
	# nothing was made
	[ -z "$(mgr ps -aq)" ]
}

@test "restart: after every monitor and container is killed, the restore brings back always and unless-stopped" {
	mgr run -d --name al --restart always "$BB" sleep 1000 >/dev/null
	mgr run -d --name us --restart unless-stopped "$BB" sleep 1000 >/dev/null
	mgr run -d --name held --restart unless-stopped "$BB" sleep 1000 >/dev/null
	mgr run -d --name alheld --restart always "$BB" sleep 1000 >/dev/null
	mgr run -d --name plain "$BB" sleep 1000 >/dev/null
	mgr stop -t 0 held alheld >/dev/null
	old=$(mgr inspect al | jq -r '.[0].State.Pid')
	# the reboot: no monitor and no container process survives
	pids=$(for c in al us plain; do mgr inspect $c | jq -r '.[0].State.Pid'; done)
	mons=$(monitors)
	[ -n "$mons" ]
	kill -9 $mons
	kill -9 $pids
	sleep 0.5
	[ -z "$(monitors)" ]
	run mgr start --all --filter restart-policy=always --filter restart-policy=unless-stopped
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "al alheld us " ]
	[ "$(state al)" = running ]
	[ "$(state us)" = running ]
	[ "$(state alheld)" = running ]
	[ "$(state held)" = exited ]
	[ "$(state plain)" = exited ]
	new=$(mgr inspect al | jq -r '.[0].State.Pid')
	[ "$new" != "$old" ]
	kill -0 "$new"
	# run again: nothing more to do
	run mgr start --all --filter restart-policy=always --filter restart-policy=unless-stopped
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# and the restored one is restarted by its monitor again
	kill -9 "$new"
	until_count al 1
	for i in $(seq 50); do [ "$(state al)" = running ] && break; sleep 0.1; done
	[ "$(state al)" = running ]
}

@test "restart: make install puts a valid cubo-restart.service that runs the restore" {
	[ -f "$REPO_ROOT/Makefile" ] || skip "needs a configured build tree"
	d=$BATS_TEST_TMPDIR/inst
	make -s -C "$REPO_ROOT" install-systemdsystemunitDATA DESTDIR="$d" >/dev/null
	unit=$(find "$d" -name cubo-restart.service)
	[[ "$unit" == "$d"*/lib/systemd/system/cubo-restart.service ]]
	grep -qx 'Type=oneshot' "$unit"
	grep -qx 'WantedBy=default.target' "$unit"
	exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
	read -r bin rest <<<"$exec_start"
	[ "$(basename "$bin")" = cubo ]
	[ "$rest" = "start --all --filter restart-policy=always --filter restart-policy=unless-stopped" ]
	# systemd's own check, with the command where it would be installed
	if command -v systemd-analyze >/dev/null; then
		mkdir -p "$d/bin"
		ln -s "$MGR" "$d/bin/cubo"
		sed "s|^ExecStart=$bin|ExecStart=$d/bin/cubo|" "$unit" >"$d/cubo-restart.service"
		run systemd-analyze verify --man=no "$d/cubo-restart.service"
		echo "$output"
		[ "$status" -eq 0 ]
	fi
	# what it runs restores a container whose monitor and process were killed
	mgr run -d --name boot --restart always "$BB" sleep 1000 >/dev/null
	pid=$(mgr inspect boot | jq -r '.[0].State.Pid')
	kill -9 $(monitors)
	kill -9 "$pid"
	sleep 0.3
	# shellcheck disable=SC2086 # the unit's arguments, split as systemd splits them
	timeout 60 "$MGR" --root-dir "$R" $rest
	[ "$(state boot)" = running ]
	[ "$(mgr inspect boot | jq -r '.[0].State.Pid')" != "$pid" ]
}

@test "restart: a stop while the monitor brings the container up again holds it" {
	d=$BATS_TEST_TMPDIR/tp
	mkdir -p "$d"
	CUBO_TEST_PAUSE_AT=monitor-before-restart CUBO_TEST_PAUSE_DIR=$d \
		mgr run -d --name s --restart always "$BB" \
		sh -c '[ -e /once ] && exec sleep 1000; touch /once' >/dev/null
	for i in $(seq 100); do
		[ -e "$d/monitor-before-restart.paused" ] && break
		sleep 0.1
	done
	[ -e "$d/monitor-before-restart.paused" ]
	[ "$(state s)" = restarting ]
	(
		mgr stop s >"$d/stop.out" 2>&1
		echo $? >"$d/stop.rc"
	) &
	sleep 0.5
	touch "$d/monitor-before-restart.go"
	for i in $(seq 100); do
		[ -e "$d/stop.rc" ] && break
		sleep 0.1
	done
	cat "$d/stop.out"
	[ "$(cat "$d/stop.rc")" = 0 ]
	# what the monitor brought up (a sleep, this time) was killed, and it stays down
	settle s
	[ "$(mgr inspect s | jq -r '.[0].State.ExitCode')" = 137 ]
	sleep 1
	[ "$(state s)" = exited ]
	[ "$(mgr inspect s | jq -r '.[0].RestartCount')" = 1 ]
	[ -z "$(monitors)" ]
	mgr start s
	[ "$(state s)" = running ]
}
