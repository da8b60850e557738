#!/usr/bin/env bats
# cubo repl under tmux, typed at as a person would (send-keys) and read off
# the screen (capture-pane): commands run in the one process, errors keep the
# prompt, run -it takes the terminal and gives it back, Tab completes names,
# Ctrl-C drops a half-typed line and stops a waiting command, history
# survives a restart, exit/Ctrl-D leave. Timing is measured in
# tests/bench/repl.sh, not here. Images come from a real local registry.

load helpers
load mgr-helpers

setup_file() {
	export RUN_SKIP=
	if ! command -v tmux >/dev/null; then
		RUN_SKIP="tmux is needed (scripts/install-deps.sh --test)"
		return 0
	fi
	mgr_busybox_registry repl
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	mgr_container_setup "${RUN_SKIP:-}"
	STARTS=0
	HOMEDIR=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOMEDIR"
}

teardown() {
	local s
	for s in "${BATS_TEST_TMPDIR:-/nonexistent}"/tmux.*; do
		[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null || true
	done
	mgr_container_teardown
}

# Start the REPL in a fresh tmux server (a new socket: a server being killed
# may still hold the old one); its exit status goes to $BATS_TEST_TMPDIR/done.
repl_start() {
	rm -f "$BATS_TEST_TMPDIR/done"
	[ -z "${SOCK:-}" ] || tmux -S "$SOCK" kill-server 2>/dev/null || true
	STARTS=$((STARTS + 1))
	SOCK=$BATS_TEST_TMPDIR/tmux.$STARTS
	tmux -S "$SOCK" new-session -d -x 150 -y 50 \
		"env -u XDG_STATE_HOME HOME='$HOMEDIR' TERM=xterm CUBO_RUNTIME='$RUNTIME' \
		'$MGR' --root-dir '$R' repl; echo exit=\$? >'$BATS_TEST_TMPDIR/done'; sleep 60"
	screen_has 'cubo-mgr> '
}

keys() {
	tmux -S "$SOCK" send-keys "$@"
}

screen() {
	tmux -S "$SOCK" capture-pane -p -N -S -200
}

# screen_until WHAT CHECK...: wait (10 s at most) until CHECK (a command) succeeds;
# else say what never came and show the screen.
screen_until() {
	local what=$1
	shift
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	echo "$what never came:" >&2
	screen >&2
	return 1
}

shows() {
	screen | grep -qF -- "$1"
}

at_prompt() {
	screen | grep -v '^ *$' | tail -n 1 | grep -Eq '^cubo-mgr( \[[0-9]+\])?> $'
}

# Wait until the screen shows the fixed string $1.
screen_has() {
	screen_until "\"$1\"" shows "$1"
}

# Wait until the prompt is back as the last line: keys typed earlier would
# go to the command still running (run -i reads them).
idle() {
	screen_until "the prompt" at_prompt
}

# Wait (10 s at most) until the REPL has left; its exit status in $output.
repl_done() {
	for _ in $(seq 100); do
		[ -e "$BATS_TEST_TMPDIR/done" ] && break
		sleep 0.1
	done
	output=$(cat "$BATS_TEST_TMPDIR/done")
}

@test "repl: ps, images, an attached run, a failing command, exit N" {
	repl_start
	keys 'ps' Enter
	screen_has 'CONTAINER ID'
	keys 'images' Enter
	screen_has 'REPOSITORY'
	screen_has "$BB"
	keys "run -i --rm $BB echo hi-from-repl" Enter
	screen_has 'hi-from-repl'
	idle
	# without -i too, as docker: the output, then the prompt with its exit code
	keys "run --rm $BB sh -c 'echo attached-\$((40+2)); exit 3'" Enter
	screen_has 'attached-42'
	screen_has 'cubo-mgr [3]> '
	# an unknown container and an unknown command: the error, then the prompt with the status
	keys 'rm nosuch' Enter
	screen_has 'no such container: nosuch'
	screen_has 'cubo-mgr [125]> '
	keys 'nosuchcmd "a b' Enter
	screen_has 'unterminated double quote'
	keys 'frobnicate' Enter
	screen_has '"frobnicate" is not a cubo-mgr command'
	# quoting reaches the command as a shell would hand it on
	keys "run -i --rm $BB sh -c 'echo \"q:\$0:\$1\"' 'a b' \"c'd\"" Enter
	screen_has "q:a b:c'd"
	idle
	keys 'help' Enter
	screen_has 'list, ls'
	keys 'exit 7' Enter
	repl_done
	[ "$output" = exit=7 ]
	# the attached --rm run left nothing behind
	[ -z "$(mgr ps -aq)" ]
}

@test "repl: list and ls show stopped containers too, ps only running ones" {
	mgr create --name repl-stopped "$BB" true >/dev/null
	run_detached --name repl-running "$BB" sleep 100 >/dev/null
	repl_start
	keys 'ps --format "ps:{{.Names}}"' Enter
	screen_has 'ps:repl-running'
	keys 'ls --format "ls:{{.Names}}"' Enter
	screen_has 'ls:repl-stopped'
	keys 'list --format "list:{{.Names}}"' Enter
	screen_has 'list:repl-stopped'
	run screen
	[[ "$output" != *ps:repl-stopped* ]]
	keys C-d
	repl_done
	[ "$output" = exit=0 ]
}

@test "repl: run -it takes the terminal and gives it back" {
	repl_start
	keys "run -it --rm $BB sh" Enter
	screen_has '/ # '
	keys 'echo "in$((6*7))"; stty size' Enter
	screen_has 'in42'
	screen_has '50 150'
	keys 'exit 4' Enter
	idle
	screen_has 'cubo-mgr [4]> '
	# the terminal is back in the line editor's hands: typing and Enter work
	keys 'version' Enter
	screen_has 'cubo-mgr version'
	keys 'exit' Enter
	repl_done
	[ "$output" = exit=0 ]
}

@test "repl: Tab completes commands, flags and container names" {
	mgr create --name zebra-one "$BB" true >/dev/null
	mgr create --name zebra-two "$BB" true >/dev/null
	mgr volume create vol-tab >/dev/null
	repl_start
	# a command name
	keys 'vers' Tab
	screen_has 'cubo-mgr> version '
	keys C-c
	# a flag of ps, from its own option table
	keys 'ps --no-tr' Tab
	screen_has 'cubo-mgr> ps --no-trunc '
	keys C-c
	# two names share "zebra-": Tab offers both; one more letter picks one
	keys 'rm ze' Tab
	screen_has 'cubo-mgr> rm zebra-'
	keys Tab
	screen_has 'zebra-one  zebra-two'
	keys 't' Tab Enter
	screen_has 'zebra-two'
	for _ in $(seq 50); do [ -z "$(mgr ps -aq --filter name=zebra-two)" ] && break; sleep 0.1; done
	[ -z "$(mgr ps -aq --filter name=zebra-two)" ]
	[ -n "$(mgr ps -aq --filter name=zebra-one)" ]
	# inside an open quote: the completion closes it
	keys 'rm "zebra-o' Tab
	screen_has 'cubo-mgr> rm "zebra-one" '
	keys Enter
	for _ in $(seq 50); do [ -z "$(mgr ps -aq)" ] && break; sleep 0.1; done
	[ -z "$(mgr ps -aq)" ]
	# a volume name after volume rm
	keys 'volume rm vol-t' Tab Enter
	for _ in $(seq 50); do [ -z "$(mgr volume ls -q)" ] && break; sleep 0.1; done
	[ -z "$(mgr volume ls -q)" ]
	keys 'exit' Enter
	repl_done
}

@test "repl: Ctrl-C drops a half-typed line and stops a waiting command, not the prompt" {
	mgr create --name keepme "$BB" true >/dev/null
	run_detached --name sleeper "$BB" sleep 100 >/dev/null
	repl_start
	keys 'rm keepme'
	screen_has 'cubo-mgr> rm keepme'
	keys C-c
	screen_has 'rm keepme^C'
	# the dropped line did not run
	keys 'ps -a --format "name:{{.Names}}"' Enter
	screen_has 'name:keepme'
	# wait blocks on the running container; Ctrl-C ends it and the prompt stays
	keys 'wait sleeper' Enter
	sleep 0.5
	keys C-c
	idle
	screen_has 'cubo-mgr [130]> '
	[ "$(state_of sleeper)" = running ]
	keys 'version' Enter
	screen_has 'cubo-mgr version'
	keys 'quit' Enter
	repl_done
	[ "$output" = exit=0 ]
}

@test "repl: events streams until Ctrl-C, then the prompt is back with status 0" {
	repl_start
	keys 'events --format "ev:{{.Type}}:{{.Action}}:{{.Actor.ID}}"' Enter
	sleep 0.5
	mgr volume create repl-ev >/dev/null
	screen_has 'ev:volume:create:repl-ev'
	keys C-c
	idle
	[ "$(screen | grep -v '^ *$' | tail -n 1)" = 'cubo-mgr> ' ]
	keys 'quit' Enter
	repl_done
	[ "$output" = exit=0 ]
}

@test "repl: history survives a restart (Up recalls the last line)" {
	repl_start
	keys 'version --format "{{.Client.Os}}-recalled"' Enter
	screen_has 'linux-recalled'
	keys C-c
	keys 'exit' Enter
	repl_done
	grep -qF 'recalled' "$HOMEDIR/.cubo_history"
	repl_start
	run screen
	[[ "$output" != *linux-recalled* ]]
	keys Up
	screen_has 'cubo-mgr> version --format "{{.Client.Os}}-recalled"'
	keys Enter
	screen_has 'linux-recalled'
	keys 'exit' Enter
	repl_done
	# bounded and written through a rename: no temp files left beside it
	[ "$(ls -A "$HOMEDIR")" = .cubo_history ]
	# XDG_STATE_HOME, when set, holds it instead
	printf 'version\n' | XDG_STATE_HOME=$BATS_TEST_TMPDIR/state HOME=$HOMEDIR \
		"$MGR" --root-dir "$R" repl >/dev/null
	grep -qx version "$BATS_TEST_TMPDIR/state/cubo/history"
}

@test "repl: lines from a pipe; hostile input is refused, not fatal" {
	# no terminal: no prompt, no editing, the same commands
	run bash -c "printf 'version\nrm nosuch\nexit abc\nexit 3\n' | HOME='$HOMEDIR' '$MGR' --root-dir '$R' repl"
	[ "$status" -eq 3 ]
	[[ "$output" == *"cubo-mgr version"* ]]
	[[ "$output" == *"no such container: nosuch"* ]]
	[[ "$output" == *"exit: takes one number"* ]]
	# a command that asks on stdin takes its one line, and the lines after it still run
	run bash -c "printf 'volume create vq\nvolume prune -a\ny\nversion\n' |
		HOME='$HOMEDIR' '$MGR' --root-dir '$R' repl"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted Volumes:"* ]]
	[[ "$output" == *"cubo-mgr version"* ]]
	[ -z "$(mgr volume ls -q)" ]
	# a NUL, a line past 64 KiB, 5000 words, an open quote, then a good line
	run bash -c "{ printf 'ps\0-a\n'; head -c 70000 /dev/zero | tr '\0' a; echo; \
		yes x | head -n 5000 | tr '\n' ' '; echo; echo \"'open\"; echo version; } |
		HOME='$HOMEDIR' '$MGR' --root-dir '$R' repl"
	[ "$status" -eq 0 ]
	[[ "$output" == *"longer than 65536 bytes"* ]]
	[[ "$output" == *"more than 4096 words"* ]]
	[[ "$output" == *"unterminated single quote"* ]]
	[[ "$output" == *"cubo-mgr version"* ]]
	run "$MGR" --root-dir "$R" repl extra
	[ "$status" -eq 125 ]
	[[ "$output" == *'"repl" accepts no arguments'* ]]
}
