#!/usr/bin/env bats
# cubo-mgr health checks: --health-* and --no-healthcheck, HEALTHCHECK in a
# built image (both Cubofile forms, inherited, NONE), the monitor's schedule
# (healthy, unhealthy after exactly N failures and healthy again, timeouts,
# the start period), ps STATUS and -f health=, inspect's State.Health and
# Config.Healthcheck, `healthcheck run`, a restart resetting the state, and
# hostile checks (megabytes of output, a child holding stdout, a container
# that dies mid-check). Images come from a real local registry; containers
# run through $RUNTIME.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry health
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

health() {
	mgr inspect "$1" | jq -r '.[0].State.Health.Status'
}

streak() {
	mgr inspect "$1" | jq -r '.[0].State.Health.FailingStreak'
}

# wait_health NAME STATUS: until inspect says so (at most 20 s)
wait_health() {
	local i
	for i in $(seq 200); do
		[ "$(health "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "health of $1: $(health "$1"), expected $2" >&2
	return 1
}

# A container that sleeps, /tmp/ok there from the start.
run_ok() {
	local name=$1
	shift
	mgr run -d --name "$name" "$@" "$BB" sh -c 'touch /tmp/ok; exec sleep 1000' >/dev/null
}

@test "health: a passing check makes it healthy; ps, filters, inspect show it" {
	run_ok h --health-cmd 'test -f /tmp/ok && echo fine' --health-interval 100ms
	wait_health h healthy
	run mgr ps --format '{{.Names}} {{.Status}}'
	[[ $output == *"h Up "*" (healthy)" ]]
	[ "$(mgr ps -q -f health=healthy | wc -l)" = 1 ]
	[ -z "$(mgr ps -q -f health=unhealthy)" ]
	[ -z "$(mgr ps -q -f health=none)" ]
	run mgr inspect h
	[ "$(jq -c '.[0].Config.Healthcheck' <<<"$output")" = \
		'{"Test":["CMD-SHELL","test -f /tmp/ok && echo fine"],"Interval":100000000}' ]
	[ "$(jq -r '.[0].State.Health.Log[-1].ExitCode' <<<"$output")" = 0 ]
	[ "$(jq -c '.[0].State.Health.Log[-1].Output' <<<"$output")" = '"fine\n"' ]
	[ "$(jq -r '.[0].State.Health.FailingStreak' <<<"$output")" = 0 ]
	# at most the last five results
	sleep 1
	[ "$(mgr inspect h | jq '.[0].State.Health.Log | length')" = 5 ]
	# a container without a check has none
	mgr run -d --name plain "$BB" sleep 1000 >/dev/null
	[ "$(mgr ps -q -f health=none | wc -l)" = 1 ]
	[ "$(mgr inspect plain | jq -r '.[0].State.Health')" = null ]
	run mgr ps -f health=sick
	[ "$status" = 125 ]
	[[ $output == *"health=starting, healthy, unhealthy or none"* ]]
}

@test "health: unhealthy after exactly --health-retries failures, healthy again" {
	# an hour between scheduled checks: only healthcheck run counts
	run_ok h --health-cmd 'test -f /tmp/ok' --health-interval 1h --health-retries 3
	run mgr healthcheck run h
	[ "$status" = 0 ] && [ -z "$output" ]
	[ "$(health h)" = healthy ]
	mgr exec h rm /tmp/ok
	for n in 1 2; do
		run mgr healthcheck run h
		[ "$status" = 1 ] && [ "$output" = unhealthy ]
		[ "$(health h)" = healthy ]
		[ "$(streak h)" = "$n" ]
	done
	run mgr healthcheck run h
	[ "$status" = 1 ]
	[ "$(health h)" = unhealthy ]
	[ "$(streak h)" = 3 ]
	run mgr ps --format '{{.Status}}'
	[[ $output == "Up "*" (unhealthy)" ]]
	mgr exec h touch /tmp/ok
	run mgr healthcheck run h
	[ "$status" = 0 ]
	[ "$(health h)" = healthy ]
	[ "$(streak h)" = 0 ]
}

@test "health: the monitor's checks: unhealthy at exactly --health-retries failures, healthy again" {
	# the Nth failing check waits for /tmp/goN, so each state holds until the test moves on
	run_ok h --health-retries 3 --health-interval 100ms --health-timeout 60s --health-cmd \
		'test -f /tmp/ok && exit 0; n=$(($(cat /tmp/n 2>/dev/null || echo 0) + 1)); echo $n >/tmp/n
		while [ ! -f /tmp/go$n ]; do sleep 0.05; done; exit 1'
	wait_health h healthy
	mgr exec h rm /tmp/ok
	for n in 1 2; do
		mgr exec h touch /tmp/go$n
		for i in $(seq 200); do
			[ "$(streak h)" = "$n" ] && break
			sleep 0.1
		done
		[ "$(streak h)" = "$n" ]
		[ "$(health h)" = healthy ]
	done
	mgr exec h touch /tmp/go3
	wait_health h unhealthy
	# the fourth check waits: the streak is the three that made it unhealthy
	[ "$(streak h)" = 3 ]
	run mgr inspect h
	[ "$(jq -c '[.[0].State.Health.Log[-3:][].ExitCode]' <<<"$output")" = '[1,1,1]' ]
	[ "$(mgr ps -q -f health=unhealthy | wc -l)" = 1 ]
	mgr exec h touch /tmp/ok /tmp/go4
	wait_health h healthy
	[ "$(streak h)" = 0 ]
	# each verdict that changed is an event, as docker's: healthy, unhealthy, healthy
	run mgr events --since 0 --until "$(date +%s).999" -f event=health_status \
		--format '{{.Action}} {{.Actor.Attributes.name}}'
	echo "$output"
	[ "$output" = "health_status: healthy h
health_status: unhealthy h
health_status: healthy h" ]
}

@test "health: a check past its timeout is killed and fails with -1" {
	mgr run -d --name h --health-cmd 'sleep 30' --health-timeout 300ms \
		--health-interval 100ms --health-retries 1 "$BB" sleep 1000 >/dev/null
	wait_health h unhealthy
	run mgr inspect h
	[ "$(jq -r '.[0].State.Health.Log[0].ExitCode' <<<"$output")" = -1 ]
	[ "$(jq -r '.[0].State.Health.Log[0].Output' <<<"$output")" = \
		'Health check exceeded timeout (300ms)' ]
	# the command was killed in the container, not left behind
	sleep 0.5
	run mgr exec h ps -o pid,args
	[ "$(grep -c 'sleep 30' <<<"$output")" -le 1 ]
}

@test "health: failures in the start period do not count" {
	mgr run -d --name h --health-cmd false --health-interval 100ms --health-retries 1 \
		--health-start-period 3s --health-start-interval 100ms "$BB" sleep 1000 >/dev/null
	# failures come in, every 100 ms, while it stays starting
	for i in $(seq 50); do
		[ "$(mgr inspect h | jq '.[0].State.Health.Log | length')" -ge 2 ] && break
		sleep 0.1
	done
	run mgr inspect h
	[ "$(jq '.[0].State.Health.Log | length' <<<"$output")" -ge 2 ]
	[ "$(jq -r '.[0].State.Health.Status' <<<"$output")" = starting ]
	[ "$(jq -r '.[0].State.Health.FailingStreak' <<<"$output")" = 0 ]
	run mgr ps --format '{{.Status}}'
	[[ $output == *"(health: starting)" ]]
	[ "$(mgr ps -q -f health=starting | wc -l)" = 1 ]
	wait_health h unhealthy
}

@test "health: HEALTHCHECK of a built image, inherited, NONE, and --no-healthcheck" {
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C/a" "$C/b" "$C/c" "$C/t"
	cat >"$C/a/Cubofile" <<-X
		FROM $BB
		HEALTHCHECK --interval=100ms --timeout=2s --retries=2 CMD ["test", "-f", "/tmp/ok"]
	X
	mgr build -q -t hc-a "$C/a" >/dev/null
	run mgr inspect --type image hc-a
	[ "$(jq -c '.[0].Config.Healthcheck' <<<"$output")" = \
		'{"Test":["CMD","test","-f","/tmp/ok"],"Interval":100000000,"Timeout":2000000000,"Retries":2}' ]
	printf 'FROM hc-a\nLABEL x=1\n' >"$C/b/Cubofile"
	mgr build -q -t hc-b "$C/b" >/dev/null
	[ "$(mgr inspect --type image hc-b | jq -c '.[0].Config.Healthcheck.Test')" = \
		'["CMD","test","-f","/tmp/ok"]' ]
	printf 'FROM hc-a\nHEALTHCHECK NONE\n' >"$C/c/Cubofile"
	mgr build -q -t hc-c "$C/c" >/dev/null
	[ "$(mgr inspect --type image hc-c | jq -c '.[0].Config.Healthcheck.Test')" = '["NONE"]' ]
	cat >"$C/t/Cubofile.toml" <<-X
		[image]
		base = "$BB"
		[config.healthcheck]
		command = "test -f /tmp/ok"
		interval = "1m30s"
		retries = 4
	X
	mgr build -q -t hc-t "$C/t" >/dev/null
	[ "$(mgr inspect --type image hc-t | jq -c '.[0].Config.Healthcheck')" = \
		'{"Test":["CMD-SHELL","test -f /tmp/ok"],"Interval":90000000000,"Retries":4}' ]

	# the inherited check runs; a flag changes one member of it
	mgr run -d --name b --health-retries 5 hc-b sh -c 'touch /tmp/ok; exec sleep 1000' >/dev/null
	wait_health b healthy
	[ "$(mgr inspect b | jq -c '.[0].Config.Healthcheck.Retries')" = 5 ]
	[ "$(mgr inspect b | jq -c '.[0].Config.Healthcheck.Interval')" = 100000000 ]
	# NONE, and --no-healthcheck: no health at all
	mgr run -d --name c hc-c sleep 1000 >/dev/null
	mgr run -d --name n --no-healthcheck hc-a sleep 1000 >/dev/null
	for x in c n; do
		[ "$(mgr inspect $x | jq -r '.[0].State.Health')" = null ]
		run mgr ps -f name=^$x --format '{{.Status}}'
		[[ $output != *"("* ]]
	done
	[ "$(mgr inspect n | jq -c '.[0].Config.Healthcheck.Test')" = '["NONE"]' ]
	run mgr healthcheck run n
	[ "$status" = 125 ]
	[[ $output == *"has no health check"* ]]
}

@test "health: bad flags and HEALTHCHECK lines are refused with docker's reasons" {
	run mgr run -d --no-healthcheck --health-cmd true "$BB" true
	[ "$status" = 125 ]
	[[ $output == *"--no-healthcheck conflicts with --health-* options"* ]]
	run mgr run -d --health-cmd true --health-interval 500us "$BB" true
	[ "$status" = 125 ]
	[[ $output == *'--health-interval "500us": cannot be less than 1ms'* ]]
	run mgr run -d --health-cmd true --health-timeout soon "$BB" true
	[ "$status" = 125 ]
	[[ $output == *'--health-timeout "soon": not a duration'* ]]
	run mgr run -d --health-cmd true --health-retries -1 "$BB" true
	[ "$status" = 125 ]
	[[ $output == *"--health-retries cannot be negative (-1)"* ]]
	[ -z "$(mgr ps -aq)" ]
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C"
	printf 'FROM %s\nHEALTHCHECK --interval=99999999h CMD true\n' "$BB" >"$C/Cubofile"
	run mgr build -q "$C"
	[ "$status" = 125 ]
	[[ $output == *"Cubofile:2:"*"not a duration"* ]]
	printf 'FROM %s\nHEALTHCHECK NONE true\n' "$BB" >"$C/Cubofile"
	run mgr build -q "$C"
	[ "$status" = 125 ]
	[[ $output == *"HEALTHCHECK NONE takes no arguments"* ]]
}

@test "health: healthcheck run kills a check past its timeout; --ignore-result" {
	mgr run -d --name h --health-cmd 'sleep 30' --health-timeout 300ms --health-retries 1 \
		--health-interval 1h "$BB" sleep 1000 >/dev/null
	run mgr healthcheck run h
	[ "$status" = 1 ] && [ "$output" = unhealthy ]
	[ "$(mgr inspect h | jq -r '.[0].State.Health.Log[0].Output')" = \
		'Health check exceeded timeout (300ms)' ]
	# nothing of it is left in the container
	run mgr exec h ps -o args
	[[ $output != *"sleep 30"* ]]
	run mgr healthcheck run --ignore-result h
	[ "$status" = 0 ] && [ "$output" = unhealthy ]
}

@test "health: a check the runtime cannot start fails with -1 and the runtime's reason" {
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C"
	printf 'FROM %s\nHEALTHCHECK CMD ["/no/such/check"]\n' "$BB" >"$C/Cubofile"
	mgr build -q -t hc-missing "$C" >/dev/null
	mgr run -d --name h --health-interval 1h hc-missing sleep 1000 >/dev/null
	run mgr healthcheck run h
	[ "$status" = 1 ]
	run mgr inspect h
	[ "$(jq -r '.[0].State.Health.Log[0].ExitCode' <<<"$output")" = -1 ]
	[[ "$(jq -r '.[0].State.Health.Log[0].Output' <<<"$output")" == *"/no/such/check"* ]]
	# a command's own 255 stays its own
	mgr run -d --name own --health-cmd 'exit 255' --health-interval 1h "$BB" sleep 1000 >/dev/null
	run mgr healthcheck run own
	[ "$(mgr inspect own | jq -r '.[0].State.Health.Log[0].ExitCode')" = 255 ]
}

@test "health: no checks while paused, unhealthy meanwhile, healthy after unpause" {
	run_ok h --health-cmd 'test -f /tmp/ok' --health-interval 100ms
	wait_health h healthy
	mgr pause h
	wait_health h unhealthy
	n=$(mgr inspect h | jq '.[0].State.Health.Log[-1].Start')
	sleep 0.5
	[ "$(mgr inspect h | jq '.[0].State.Health.Log[-1].Start')" = "$n" ]
	mgr unpause h
	wait_health h healthy
}

@test "health: healthcheck run on a stopped container is 125" {
	mgr run -d --name h --health-cmd true --health-interval 1h "$BB" sleep 1000 >/dev/null
	mgr stop -t 0 h >/dev/null
	run mgr healthcheck run h
	[ "$status" = 125 ]
	[[ $output == *"is not running"* ]]
	run mgr healthcheck run nosuch
	[ "$status" = 125 ]
}

@test "health: a restart resets the state; a stop leaves it unhealthy" {
	mgr run -d --name h --health-cmd false --health-interval 1h --health-retries 1 \
		"$BB" sleep 1000 >/dev/null
	run mgr healthcheck run h
	[ "$status" = 1 ]
	[ "$(health h)" = unhealthy ]
	mgr restart -t 0 h >/dev/null
	[ "$(health h)" = starting ]
	[ "$(streak h)" = 0 ]
	# the log of earlier results stays, as in docker
	[ "$(mgr inspect h | jq '.[0].State.Health.Log | length')" = 1 ]
	mgr stop -t 0 h >/dev/null
	[ "$(health h)" = unhealthy ]
	run mgr ps -a --format '{{.Status}}'
	[[ $output == "Exited "* ]] && [[ $output != *"("*"health"* ]]
}

@test "health: a container whose monitor was killed shows unhealthy once it is found stopped" {
	run_ok h --health-cmd 'test -f /tmp/ok' --health-interval 100ms
	wait_health h healthy
	run mgr inspect h
	mon=$(jq -r '.[0].State.MonitorPid' <<<"$output")
	pid=$(jq -r '.[0].State.Pid' <<<"$output")
	kill -9 "$mon" "$pid"
	for i in $(seq 50); do
		[ "$(mgr inspect h | jq -r '.[0].State.Status')" = exited ] && break
		sleep 0.1
	done
	[ "$(mgr inspect h | jq -r '.[0].State.Status')" = exited ]
	[ "$(health h)" = unhealthy ]
	[ -z "$(mgr ps -q -f health=healthy)" ]
}

@test "health: hostile checks: megabytes of output, a child holding stdout, a dying container" {
	mgr run -d --name big --health-cmd 'yes | head -c 5000000; true' --health-interval 100ms \
		"$BB" sleep 1000 >/dev/null
	wait_health big healthy
	# the first 4 KiB, and docker's "..." for the rest
	run mgr inspect big
	[ "$(jq -r '.[0].State.Health.Log[0].Output | length' <<<"$output")" = 4099 ]
	[ "$(jq -r '.[0].State.Health.Log[0].Output[-5:]' <<<"$output")" = $'y\n...' ]
	# a child that writes without end after the check ended: the check ends, the monitor
	# goes on serving, and the child goes with the pipe
	mgr run -d --name flood --health-cmd 'yes & echo ok' --health-interval 200ms \
		"$BB" sleep 1000 >/dev/null
	wait_health flood healthy
	run mgr exec flood echo served
	[ "$output" = served ]
	mgr stop -t 1 flood >/dev/null
	[ "$(mgr inspect flood | jq -r '.[0].State.Status')" = exited ]
	# bytes that are not UTF-8 (and a NUL) are kept as U+FFFD: the state stays JSON
	mgr run -d --name bin --health-cmd 'printf "\\377\\000ok"' --health-interval 100ms \
		"$BB" sleep 1000 >/dev/null
	wait_health bin healthy
	[ "$(mgr inspect bin | jq -c '.[0].State.Health.Log[0].Output | explode')" = \
		'[65533,65533,111,107]' ]
	# a check that closes its stdout and stderr ends all the same
	mgr run -d --name closed --health-cmd 'exec >&- 2>&-; sleep 0.2' --health-interval 100ms \
		"$BB" sleep 1000 >/dev/null
	wait_health closed healthy
	# a child keeps the pipe open: the check ends with its shell all the same
	mgr run -d --name fork --health-cmd 'sleep 60 & echo started' --health-timeout 10s \
		--health-interval 100ms "$BB" sleep 1000 >/dev/null
	wait_health fork healthy
	[ "$(mgr inspect fork | jq -r '.[0].State.Health.Log[0].ExitCode')" = 0 ]
	# the container dies while a check runs: the monitor ends, the check goes with it
	mgr run -d --name die --health-cmd 'sleep 60' --health-timeout 50s \
		--health-interval 100ms "$BB" sleep 1000 >/dev/null
	sleep 0.5
	mgr kill die >/dev/null
	run mgr wait die
	[ "$output" = 137 ]
	[ "$(health die)" = unhealthy ]
	[ "$(mgr inspect die | jq '.[0].State.Health.Log | length')" = 0 ]
	[ -z "$(mgr inspect die | jq -r '.[0].State.MonitorPid | select(. != 0)')" ]
}
