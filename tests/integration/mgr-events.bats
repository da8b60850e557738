#!/usr/bin/env bats
# cubo-mgr events: the journal every command and container monitor writes
# (container create/start/die with its exit code/kill with its signal/oom/
# stop/restart/destroy/exec_*/update, image pull/push/tag/untag/delete/build, volume and
# network events), read with --since/--until, --filter, --format json or a
# template; the live stream and its end on SIGINT; the policy's restarts
# and their backoff measured from the events' times; a rotated journal read
# across; hostile values and garbage lines. Images come from a real local
# registry; containers run through $RUNTIME.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry events
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	mgr_container_setup "${RUN_SKIP:-}"
}

teardown() {
	[ -z "${STREAM:-}" ] || kill -9 "$STREAM" 2>/dev/null || true
	mgr_container_teardown
}

# What the journal holds up to now; more arguments are events' flags.
recorded() {
	mgr events --since 0 --until 0s "$@"
}

# wait_for N CMD...: until CMD prints N lines or more (10 s at most).
wait_for() {
	local n=$1
	shift
	for _ in $(seq 100); do
		[ "$("$@" | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "events: create, start, die with the exit code, destroy, in order" {
	mgr run -d --name e1 --label tier=front "$BB" sh -c 'exit 3' >/dev/null
	[ "$(mgr wait e1)" = 3 ]
	mgr rm e1 >/dev/null
	run recorded -f container=e1 --format '{{.Action}}{{with .Actor.Attributes.exitCode}} {{.}}{{end}}'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'create\nstart\ndie 3\ndestroy')" ]
	# docker's line: time, type, action, ID, sorted attributes with the labels
	run recorded -f container=e1 -f event=die
	[[ "$output" =~ ^20[0-9-]+T[0-9:]+\.[0-9]{9}Z\ container\ die\ [0-9a-f]{64}\ \(exitCode=3,\ image=$REG/busybox,\ name=e1,\ tier=front\)$ ]]
	# docker's JSON shape, one object a line
	run recorded -f container=e1 -f event=start --format json
	[ "$(jq -r '[.status, .Type, .Action, .from, .Actor.Attributes.name, .scope] | join(" ")' <<<"$output")" = \
		"start container start $REG/busybox e1 local" ]
	[ "$(jq -r '(.id == .Actor.ID) and (.time == (.timeNano / 1e9 | floor))' <<<"$output")" = true ]
	# a --rm container: its monitor writes die and destroy
	mgr run -d --rm --name e2 "$BB" true >/dev/null
	wait_for 4 recorded -f container=e2
	[ "$(recorded -f container=e2 --format '{{.Action}}' | tr '\n' ' ')" = "create start die destroy " ]
	# one whose command cannot start: made, then removed
	run -127 mgr run --rm -i --name e3 "$BB" /no/such/command
	[ "$status" -eq 127 ]
	[ "$(recorded -f container=e3 --format '{{.Action}}' | tr '\n' ' ')" = "create destroy " ]
}

@test "events: kill carries the signal's number, stop its kill, die and stop" {
	mgr run -d --name k "$BB" sleep 100 >/dev/null
	# PID 1 ignores SIGHUP: the container runs on, the kill is recorded
	mgr kill -s HUP k >/dev/null
	# and SIGTERM too: stop kills it after 1 s
	mgr stop -t 1 k >/dev/null
	run recorded -f container=k --format '{{.Action}}{{with .Actor.Attributes.signal}} {{.}}{{end}}{{with .Actor.Attributes.exitCode}} {{.}}{{end}}'
	[ "$output" = "$(printf 'create\nstart\nkill 1\nkill 15\nkill 9\ndie 137\nstop')" ]
}

@test "events: exec_create, exec_start and exec_die with one execID; update" {
	mgr run -d --name x "$BB" sleep 100 >/dev/null
	run mgr exec x sh -c 'exit 4'
	[ "$status" -eq 4 ]
	mgr update --restart always x >/dev/null
	run recorded -f container=x -f event=exec_create -f event=exec_start -f event=exec_die -f event=update \
		--format '{{.Action}}|{{.Actor.Attributes.execID}}{{with .Actor.Attributes.exitCode}}|{{.}}{{end}}'
	[ "${#lines[@]}" = 4 ]
	[[ "${lines[0]}" =~ ^exec_create:\ sh\ -c\ exit\ 4\|[0-9a-f]{64}$ ]]
	xid=${lines[0]##*|}
	[ "${lines[1]}" = "exec_start: sh -c exit 4|$xid" ]
	[ "${lines[2]}" = "exec_die|$xid|4" ]
	[[ "${lines[3]}" == "update|"* ]]
}

@test "events: oom when the memory limit kills, then die 137" {
	mgr run -d --name hog --memory 8m "$BB" sh -c 'tail /dev/zero' >/dev/null
	[ "$(mgr wait hog)" = 137 ]
	run recorded -f container=hog --format '{{.Action}}'
	[ "$output" = "$(printf 'create\nstart\noom\ndie')" ]
	# an exit of its own is no oom
	mgr run -d --name fine --memory 8m "$BB" true >/dev/null
	mgr wait fine >/dev/null
	[ -z "$(recorded -f container=fine -f event=oom)" ]
}

@test "events: on-failure:3 gives 3 restarts after 100, 200, 400 ms of backoff" {
	mgr run -d --name f --restart on-failure:3 "$BB" sh -c 'exit 1' >/dev/null
	wait_for 4 recorded -f container=f -f event=die
	# no fourth restart comes later (the next wait would be 800 ms)
	sleep 1.2
	run recorded -f container=f --format '{{.Action}}'
	[ "$(tr '\n' ' ' <<<"$output")" = \
		"create start die restart start die restart start die restart start die " ]
	# the intervals from die to restart, from the events' nanoseconds
	mapfile -t t < <(recorded -f container=f -f event=die -f event=restart --format '{{.timeNano}}')
	[ "${#t[@]}" = 7 ]
	d1=$(((t[1] - t[0]) / 1000000)) d2=$(((t[3] - t[2]) / 1000000)) d3=$(((t[5] - t[4]) / 1000000))
	echo "backoff: $d1 $d2 $d3 ms"
	[ "$d1" -ge 100 ]
	[ "$d2" -ge 200 ]
	[ "$d3" -ge 400 ]
}

@test "events: image pull, tag, untag, delete, build, push" {
	# setup pulled the image
	run recorded -f type=image -f event=pull --format '{{.Actor.ID}} {{.Actor.Attributes.name}}'
	[ "$output" = "$REG/busybox:latest $REG/busybox" ]
	mgr tag "$BB" ev:1 >/dev/null
	mgr rmi ev:1 >/dev/null
	id=$(mgr inspect --type image "$BB" | jq -r '.[0].Id')
	run recorded -f type=image -f event=tag -f event=untag --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'
	[ "${lines[0]}" = "tag $id docker.io/library/ev:1" ]
	[ "${lines[1]}" = "untag $id docker.io/library/ev:1" ]
	# the image filter takes docker's short names too
	[ "$(recorded -f image=ev:1 --format '{{.Action}}' | tr '\n' ' ')" = "tag untag " ]
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C"
	printf 'FROM %s\nLABEL made=here\n' "$BB" >"$C/Cubofile"
	bid=$(mgr build -q -t evb:1 "$C" | tail -n 1)
	mgr push evb:1 "$REG/evb:1" >/dev/null
	mgr rmi evb:1 >/dev/null
	run recorded -f type=image -f image=evb:1 --format '{{.Action}}'
	[ "$(tr '\n' ' ' <<<"$output")" = "build untag " ]
	run recorded -f type=image -f event=delete --format '{{.Actor.ID}}'
	[ "$output" = "sha256:$bid" ]
	run recorded -f type=image -f event=push --format '{{.Actor.ID}} {{.Actor.Attributes.name}}'
	[ "$output" = "$REG/evb:1 $REG/evb" ]
}

@test "events: volumes and networks, connect and disconnect name the container" {
	mgr volume create evv >/dev/null
	mgr volume rm evv >/dev/null
	run recorded -f type=volume --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}'
	[ "$output" = "$(printf 'create evv local\ndestroy evv local')" ]
	# a named volume run makes, an anonymous one rm -v removes
	mgr run -d --name vols -v made:/m -v /anon "$BB" true >/dev/null
	mgr wait vols >/dev/null
	mgr rm -v vols >/dev/null
	run recorded -f type=volume --format '{{.Action}} {{.Actor.ID}}'
	[ "${lines[2]}" = "create made" ]
	[[ "${lines[3]}" =~ ^create\ [0-9a-f]{64}$ ]]
	[ "${lines[4]}" = "destroy ${lines[3]#create }" ]
	[ "${#lines[@]}" = 5 ]
	mgr network create evnet >/dev/null
	cid=$(mgr create --name nc "$BB" true)
	mgr network connect evnet nc
	mgr network disconnect evnet nc
	mgr rm nc >/dev/null
	mgr network rm evnet >/dev/null
	run recorded -f type=network -f network=evnet --format '{{.Action}} {{.Actor.Attributes.name}}{{with .Actor.Attributes.container}} {{.}}{{end}}'
	[ "$output" = "$(printf 'create evnet\nconnect evnet %s\ndisconnect evnet %s\ndestroy evnet' "$cid" "$cid")" ]
}

@test "events: --since and --until bound by time; filters and a bad filter" {
	mgr volume create before >/dev/null
	sleep 0.1
	mid=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	sleep 0.1
	mgr volume create after >/dev/null
	[ "$(recorded --since "$mid" --format '{{.Actor.ID}}')" = after ]
	[ "$(mgr events --since 0 --until "$mid" -f type=volume --format '{{.Actor.ID}}')" = before ]
	# durations and unix seconds, as logs --since takes them
	[ "$(recorded --since 10m -f type=volume --format '{{.Actor.ID}}' | tr '\n' ' ')" = "before after " ]
	[ -z "$(mgr events --since 0 --until "$(($(date +%s) - 3600))")" ]
	# keys ANDed, one key's values ORed
	[ "$(recorded -f type=volume -f event=create -f volume=aft --format '{{.Actor.ID}}')" = after ]
	[ "$(recorded -f volume=before -f volume=after --format '{{.Actor.ID}}' | wc -l)" = 2 ]
	[ -z "$(recorded -f type=container)" ]
	run mgr events -f colour=red
	[ "$status" -eq 125 ]
	[[ "$output" == *'invalid filter'*colour* ]]
	run mgr events --since yesterday
	[ "$status" -eq 125 ]
	[[ "$output" == *'--since "yesterday"'* ]]
	run mgr events --format '{{.Nope'
	[ "$status" -eq 125 ]
	run mgr events extra
	[ "$status" -eq 125 ]
}

@test "events: the live stream shows what happens after it started and ends 0 on SIGINT" {
	mgr volume create old >/dev/null
	out=$BATS_TEST_TMPDIR/stream
	"$MGR" --root-dir "$R" events --format json >"$out" 2>&1 &
	STREAM=$!
	sleep 0.3
	mgr volume create new >/dev/null
	mgr run -d --name live "$BB" true >/dev/null
	wait_for 3 cat "$out"
	kill -INT "$STREAM"
	rc=0
	wait "$STREAM" || rc=$?
	STREAM=
	[ "$rc" = 0 ]
	# not the old one; the new ones, whole JSON lines
	[ "$(jq -r '.Actor.ID' "$out" | head -n 1)" = new ]
	[ "$(jq -r 'select(.Type == "container") | .Action' "$out" | head -n 2 | tr '\n' ' ')" = "create start " ]
	# SIGTERM ends it too, and so does a reader that went away
	"$MGR" --root-dir "$R" events >/dev/null &
	STREAM=$!
	sleep 0.2
	kill -TERM "$STREAM"
	rc=0
	wait "$STREAM" || rc=$?
	STREAM=
	[ "$rc" = 0 ]
	run timeout 10 sh -c "'$MGR' --root-dir '$R' events | head -n 1 & sleep 0.3; '$MGR' --root-dir '$R' volume rm new >/dev/null; wait"
	[ "$status" -eq 0 ]
	[[ "$output" == *"volume destroy new"* ]]
	# --until in the future follows until then
	start=$(date +%s%N)
	mgr events --until "$(date -d '+1 second' +%s.%N)" >/dev/null
	[ $((($(date +%s%N) - start) / 1000000)) -ge 900 ]
}

@test "events: a rotated journal is read across; garbage lines are skipped" {
	j=$R/events/journal.log
	mgr volume create first >/dev/null
	line=$(tail -n 1 "$j")
	# past the 4 MiB cap with copies of that line (and junk), then one more event rotates it
	yes "$line" | head -n 30000 >>"$j"
	printf 'garbage\n{"Type":\n\n' >>"$j"
	[ "$(stat -c %s "$j")" -gt $((4 << 20)) ]
	mgr volume create last >/dev/null
	[ -f "$j.1" ]
	# the line that took it past the cap is the last of the rotated file
	[ ! -s "$j" ]
	run recorded -f type=volume --format '{{.Actor.ID}}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = first ]
	[ "${lines[-1]}" = last ]
	[ "${#lines[@]}" = 30002 ]
	# a garbage line in the current file too
	printf 'not an event\n' >>"$j"
	mgr volume rm last >/dev/null
	[ "$(recorded -f event=destroy --format '{{.Actor.ID}}')" = last ]
}

@test "events: hostile label values stay inside their JSON line" {
	mgr run -d --name h --label 'q=a"b},{"Type":"forged' --label 'back=\\x' "$BB" true >/dev/null
	mgr wait h >/dev/null
	run recorded -f container=h --format json
	[ "${#lines[@]}" = 3 ]
	# every line one object, the values as given
	[ "$(jq -r '.Actor.Attributes.q' <<<"$output" | sort -u)" = 'a"b},{"Type":"forged' ]
	[ "$(jq -r '.Type' <<<"$output" | sort -u)" = container ]
	run recorded -f label=q
	[ "${#lines[@]}" = 3 ]
	# a name that could break a line is refused, and no event is written for it
	run mgr create --name "$(printf 'a\nb')" "$BB" true
	[ "$status" -eq 125 ]
	[ "$(recorded -f event=create | wc -l)" = 1 ]
}

@test "events: a journal that cannot be written is a warning, once, never the command's failure" {
	mgr volume create w0 >/dev/null
	rm -rf "$R/events"
	# a file where the journal's directory belongs
	touch "$R/events"
	run --separate-stderr mgr run -d --name warned -v w1:/w "$BB" true
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	[ "$(grep -c 'WARNING: event' <<<"$stderr")" = 1 ]
	[[ "$stderr" == *'WARNING: event container create not recorded'* ]]
	run mgr wait warned
	[ "$output" = 0 ]
	run --separate-stderr mgr rm -v warned
	[ "$status" -eq 0 ]
	# reading it is the command's job: that fails, naming the path
	run mgr events --since 0 --until 0s
	[ "$status" -eq 125 ]
	[[ "$output" == *"$R/events"* ]]
}
