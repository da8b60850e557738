#!/usr/bin/env bats
# cubo-mgr run attached, as docker's run without -d: the output streamed,
# stdout and stderr apart, -a choosing the streams, no stdin without -i,
# the container's exit code (a signal's 128+N; 125/126/127 for what cannot
# run), --rm removing it before the command returns, --sig-proxy forwarding
# the command's signals to the container (and not with =false), a container
# that prints and exits at once never losing its output, pipelines and a
# reader that goes away (the monitor lives on, nothing is left). -d still
# prints the ID. Images come from a real local registry; each test has its
# own root.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry attach
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

# bg_run OUT ARGS...: `cubo-mgr run ARGS` in the background, its output in
# OUT, its pid in BG_PID (the program itself, so a signal reaches it).
bg_run() {
	local out=$1
	shift
	"$MGR" --root-dir "$R" run "$@" </dev/null >"$out" 2>&1 3>&- &
	BG_PID=$!
}

# bg_wait: BG_PID's exit status in BG_STATUS; killed after 30 s (a failure).
bg_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$BG_PID" 2>/dev/null; then
		kill -9 "$BG_PID"
		wait "$BG_PID" || true
		echo "cubo-mgr run did not return" >&2
		return 1
	fi
	BG_STATUS=0
	wait "$BG_PID" || BG_STATUS=$?
}

# wait_output FILE TEXT: bounded wait for TEXT in FILE.
wait_output() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	echo "no \"$2\" in $1: $(cat "$1")" >&2
	return 1
}

@test "attached: the output and the container's exit code, 0 and 3" {
	run mgr run --rm --network none "$BB" echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	run mgr run --rm --network none "$BB" sh -c 'echo before; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = before ]
}

@test "attached: a container killed by a signal exits 128+N" {
	bg_run "$BATS_TEST_TMPDIR/out" --name victim --network none "$BB" sh -c 'echo up; sleep 100'
	wait_output "$BATS_TEST_TMPDIR/out" up
	mgr kill -s KILL victim >/dev/null
	bg_wait
	[ "$BG_STATUS" -eq 137 ]
	[ "$(mgr inspect -f '{{.State.ExitCode}}' victim)" = 137 ]
}

@test "attached: docker's codes when the command cannot run (127, 126) or the image is missing (125)" {
	run -127 mgr run --rm --network none "$BB" no-such-command
	[ "$status" -eq 127 ]
	run -126 mgr run --rm --network none "$BB" /etc
	[ "$status" -eq 126 ]
	run mgr run --rm --network none --pull never "$REG/no-such-image" true
	[ "$status" -eq 125 ]
	[ -z "$(mgr ps -aq)" ]
}

@test "attached: stdout and stderr stay apart; -a picks the streams" {
	local o=$BATS_TEST_TMPDIR/o e=$BATS_TEST_TMPDIR/e
	prog='echo to-out; echo to-err >&2'
	mgr run --rm --network none "$BB" sh -c "$prog" >"$o" 2>"$e"
	[ "$(cat "$o")" = to-out ]
	[ "$(cat "$e")" = to-err ]
	mgr run --rm --network none -a stdout "$BB" sh -c "$prog" >"$o" 2>"$e"
	[ "$(cat "$o")" = to-out ]
	[ ! -s "$e" ]
	mgr run --rm --network none -a STDERR "$BB" sh -c "$prog" >"$o" 2>"$e"
	[ ! -s "$o" ]
	[ "$(cat "$e")" = to-err ]
	mgr run --rm --network none -a stdout -a stderr "$BB" sh -c "$prog" >"$o" 2>"$e"
	[ "$(cat "$o")" = to-out ]
	[ "$(cat "$e")" = to-err ]
	# what was not attached is still in the log
	mgr run --name logged --network none -a stdout "$BB" sh -c "$prog" >/dev/null
	[[ "$(mgr logs logged 2>&1)" == *to-err* ]]
	run mgr run --rm -a nope "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--attach "nope": valid streams are STDIN, STDOUT and STDERR'* ]]
	run mgr run --rm -d -a stdout "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"conflicting options: -a and -d"* ]]
}

@test "attached: no stdin without -i (cat sees EOF at once), with -i it gets ours" {
	run timeout 30 bash -c 'echo secret | "$0" --root-dir "$1" run --rm --network none "$2" cat' \
		"$MGR" "$R" "$BB"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run timeout 30 bash -c 'echo secret | "$0" --root-dir "$1" run --rm -i --network none "$2" cat' \
		"$MGR" "$R" "$BB"
	[ "$status" -eq 0 ]
	[ "$output" = secret ]
	# -i attaches stdin whatever -a says, as docker
	run timeout 30 bash -c 'echo secret | "$0" --root-dir "$1" run --rm -i -a stdout --network none "$2" cat' \
		"$MGR" "$R" "$BB"
	[ "$output" = secret ]
}

@test "attached: --rm has removed the container (its record and name) when run returns; without it the exit is on record" {
	run mgr run --rm --name gone --network none "$BB" sh -c 'exit 5'
	[ "$status" -eq 5 ]
	[ -z "$(mgr ps -aq)" ]
	# the name is free at once
	mgr create --name gone "$BB" true >/dev/null
	mgr rm gone >/dev/null
	# its unmount and its directory go just after the exit (bounded: 5 s)
	for _ in $(seq 50); do
		[ -z "$(ls "$R" | grep -E '^[0-9a-f]{64}$')" ] && [ -z "$(monitors)" ] && break
		sleep 0.1
	done
	[ -z "$(ls "$R" | grep -E '^[0-9a-f]{64}$')" ]
	[ -z "$(monitors)" ]
	run mgr run --name kept --network none "$BB" sh -c 'exit 4'
	[ "$status" -eq 4 ]
	[ "$(state_of kept)" = exited ]
	[ "$(mgr inspect -f '{{.State.ExitCode}}' kept)" = 4 ]
}

@test "--sig-proxy: the signals run gets reach the container's trap (TERM, INT, HUP, USR1)" {
	local sig out
	for sig in TERM INT HUP USR1; do
		# a file of each run's own: the background shell truncates a reused one
		# only when it gets to run, and the last run's "ready" would count
		out=$BATS_TEST_TMPDIR/out-$sig
		bg_run "$out" --rm --network none "$BB" \
			sh -c "trap 'echo got-$sig; exit 7' $sig; echo ready; while :; do sleep 0.1; done"
		wait_output "$out" ready
		kill -s "$sig" "$BG_PID"
		bg_wait
		[ "$BG_STATUS" -eq 7 ]
		grep -qx "got-$sig" "$out"
	done
	[ -z "$(mgr ps -aq)" ]
}

@test "--sig-proxy=false: run dies of the signal, the container runs on untouched" {
	local out=$BATS_TEST_TMPDIR/out
	bg_run "$out" --sig-proxy=false --name kept --network none "$BB" \
		sh -c "trap 'echo got-TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"
	wait_output "$out" ready
	kill -s TERM "$BG_PID"
	bg_wait
	[ "$BG_STATUS" -eq 143 ]
	[ "$(state_of kept)" = running ]
	refute grep -q got-TERM <(mgr logs kept)
	# stop sends the same signal: the trap answers it
	mgr stop kept >/dev/null
	[ "$(mgr inspect -f '{{.State.ExitCode}}' kept)" = 7 ]
}

@test "attached: a container that prints and exits at once never loses its output (50 runs)" {
	local i out
	for ((i = 0; i < 50; i++)); do
		out=$(mgr run --rm --network none "$BB" sh -c "echo out-$i; echo err-$i >&2" 2>&1)
		[ "$out" = "out-$i"$'\n'"err-$i" ] || [ "$out" = "err-$i"$'\n'"out-$i" ] || {
			echo "run $i printed: $out" >&2
			return 1
		}
	done
	[ -z "$(mgr ps -aq)" ]
}

@test "-d: prints the ID and returns while the container runs" {
	run mgr run -d --name bg --network none "$BB" sleep 100
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	[ "$(state_of bg)" = running ]
}

@test "attached: in a pipeline, all the output in order" {
	run bash -c '"$0" --root-dir "$1" run --rm --network none "$2" seq 100000 | tail -1' \
		"$MGR" "$R" "$BB"
	[ "$status" -eq 0 ]
	[ "$output" = 100000 ]
	[ "$(mgr run --rm --network none "$BB" seq 100000 | md5sum)" = "$(seq 100000 | md5sum)" ]
}

@test "attached: a reader that goes away ends run; the monitor records the exit, --rm leaves nothing" {
	# a finite writer: it finishes in the log, its exit on record
	run timeout 60 bash -c 'set -o pipefail; "$0" --root-dir "$1" run --name bp --network none "$2" \
		sh -c "seq 200000; echo done >&2" | head -1' "$MGR" "$R" "$BB"
	[ "$output" = 1 ]
	wait_state bp exited
	[ "$(mgr inspect -f '{{.State.ExitCode}}' bp)" = 0 ]
	[ "$(mgr logs bp 2>&1 | tail -1)" = done ]
	# a writer that never ends: run returns all the same, the container runs on
	run timeout 60 bash -c '"$0" --root-dir "$1" run --rm --name forever --network none "$2" yes | head -1' \
		"$MGR" "$R" "$BB"
	[ "$status" -eq 0 ]
	[ "$output" = y ]
	[ "$(state_of forever)" = running ]
	mgr rm -f forever >/dev/null
	mgr rm bp >/dev/null
	[ -z "$(mgr ps -aq)" ]
	for _ in $(seq 50); do [ -z "$(monitors)" ] && break; sleep 0.1; done
	[ -z "$(monitors)" ]
	refute grep -q "^$R/" <(awk '{print $5}' /proc/self/mountinfo)
}

@test "--detach-keys: run -it detaches on the keys given, not on ctrl-p ctrl-q; bad keys refused" {
	command -v tmux >/dev/null || skip "tmux is needed"
	local sock=$BATS_TEST_TMPDIR/tmux done=$BATS_TEST_TMPDIR/done
	tmux -S "$sock" new-session -d -x 100 -y 30 \
		"'$MGR' --root-dir '$R' run -it --detach-keys ctrl-a,d --name keys --network none '$BB' sh; echo exit=\$? >'$done'; sleep 30"
	for _ in $(seq 100); do [ "$(state_of keys)" = running ] && break; sleep 0.1; done
	# the default keys reach the shell; the session goes on
	tmux -S "$sock" send-keys C-p C-q
	tmux -S "$sock" send-keys 'echo "still-$((40+2))"' Enter
	for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q still-42 && break; sleep 0.1; done
	pane=$(tmux -S "$sock" capture-pane -p)
	tmux -S "$sock" send-keys C-a d
	for _ in $(seq 100); do [ -e "$done" ] && break; sleep 0.1; done
	tmux -S "$sock" kill-server || true
	[[ "$pane" == *still-42* ]]
	[ "$(cat "$done")" = exit=0 ]
	[ "$(state_of keys)" = running ]
	run mgr run --rm --detach-keys ctrl-1 "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--detach-keys "ctrl-1": unknown key "ctrl-1"'* ]]
	run mgr attach --detach-keys a,,b keys
	[ "$status" -eq 125 ]
	[[ "$output" == *'--detach-keys "a,,b"'* ]]
}
