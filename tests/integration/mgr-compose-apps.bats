#!/usr/bin/env bats
# cubo-mgr compose with real applications: tests/fixtures/compose-apps, nginx in
# front of a python3 app keeping a counter in redis and rows in postgres, all from
# one local Debian image (tests/fixtures/make-debian-app-image.sh: mmdebstrap, about
# 80 s the first time, then cached). The app starts only once redis and postgres
# are healthy (it exits if they do not answer); the page is fetched from the host
# through nginx's port published on 127.0.0.1; postgres keeps its rows on a named
# volume across down and up, and down -v starts it from nothing. compose.knobs.yaml,
# merged over it, adds what deployments of these servers set (sysctls, ulimits,
# shm_size, tmpfs, read_only, init, a shell health check); attached, a SIGINT stops
# every server cleanly with its last lines shown.

load helpers
load mgr-helpers

setup_file() {
	export RUN_SKIP=
	[ "$(id -u)" = 0 ] || {
		RUN_SKIP="needs root"
		return 0
	}
	# one root for the file: the image (400 MB) is imported once
	export R=$BATS_FILE_TMPDIR/root
	local start=$SECONDS rc=0 out
	out=$(CUBO_MGR=$MGR "$FIXTURES_DIR/make-debian-app-image.sh" "$R" 2>&1) || rc=$?
	if [ "$rc" = 77 ]; then
		RUN_SKIP=$(tail -n1 <<<"$out")
		return 0
	fi
	[ "$rc" = 0 ] || {
		echo "$out" >&2
		return 1
	}
	echo "# debian-apps image ready in $((SECONDS - start)) s" >&3
	grep '^# made' <<<"$out" >&3 || true
	# unique on this machine: networks, bridges and rules carry the name
	export APPS=capps$$
}

teardown_file() {
	[ -n "${R:-}" ] && [ -d "$R" ] || return 0
	kill_root_leftovers
	release_root_networks "${APPS}_default"
	remove_root
}

setup() {
	[ -z "$RUN_SKIP" ] || skip "$RUN_SKIP"
	export CUBO_RUNTIME=$RUNTIME
	D=$BATS_TEST_TMPDIR/$APPS
	cp -r "$FIXTURES_DIR/compose-apps" "$D"
	head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$D/db_password.txt"
	HOST_PORT=$(free_port)
	export HOST_PORT
	cd "$D" || return 1
}

# Whatever a test did, the project goes with its volume, and nothing of it stays.
teardown() {
	[ -z "$RUN_SKIP" ] || return 0
	(cd "$D" && mgr compose down -v -t 5) >/dev/null 2>&1 || true
	local left
	left=$(mgr ps -a --format '{{.Names}}' 2>/dev/null)$(mgr volume ls -q 2>/dev/null)
	kill_root_leftovers
	release_root_networks "${APPS}_default"
	[ -z "$left" ] || {
		echo "left behind by down -v: $left" >&2
		return 1
	}
}

# page: what nginx answers on the published port (bounded)
page() {
	curl -sS --max-time 10 "http://127.0.0.1:$HOST_PORT/${1:-}"
}

@test "compose apps: up --wait, the page through nginx, app, redis and postgres" {
	run mgr compose up -d --wait
	[ "$status" -eq 0 ]
	# each tier started only once those it depends on were healthy
	[[ $output == *"Container $APPS-redis-1  Started"*"Container $APPS-app-1  Started"* ]]
	[[ $output == *"Container $APPS-db-1  Started"*"Container $APPS-app-1  Started"* ]]
	[[ $output == *"Container $APPS-app-1  Started"*"Container $APPS-web-1  Started"* ]]
	[[ $output == *"Container $APPS-web-1  Healthy"* ]]
	[ "$(page)" = "visits=1 rows=1" ]
	[ "$(page x)" = "visits=2 rows=2" ]
	# the rows are postgres's, seen from its own container
	[ "$(mgr compose exec -T db psql -h /tmp -U postgres -tAc 'SELECT path FROM visits ORDER BY id')" = \
		"$(printf '/\n/x')" ]
	[ "$(mgr compose exec -T redis redis-cli get visits)" = 2 ]
}

@test "compose apps: ps --format json, the four services running and healthy" {
	mgr compose up -d --wait
	run mgr compose ps --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r 'map("\(.Service)=\(.State)/\(.Health)") | sort | join(" ")' <<<"$output")" = \
		"app=running/healthy db=running/healthy redis=running/healthy web=running/healthy" ]
	[ "$(jq -r '.[] | select(.Service == "web") | .Ports' <<<"$output")" = \
		"127.0.0.1:$HOST_PORT->80/tcp" ]
	[ "$(jq -r '.[0].Project' <<<"$output")" = "$APPS" ]
}

@test "compose apps: postgres's rows survive down and up; down -v starts from nothing" {
	mgr compose up -d --wait
	page >/dev/null
	[ "$(page)" = "visits=2 rows=2" ]
	run mgr compose down
	[ "$status" -eq 0 ]
	[ -z "$(mgr ps -aq)" ]
	mgr volume inspect "${APPS}_dbdata" >/dev/null
	# the volume is postgres's: a new volume takes the owner and mode of its mount point
	[[ $(stat -c '%u %a' "$(mgr volume inspect -f '{{.Mountpoint}}' "${APPS}_dbdata")") =~ ^[1-9][0-9]*\ 700$ ]]
	mgr compose up -d --wait
	# redis keeps nothing (no volume); postgres found its cluster and rows
	[ "$(page)" = "visits=1 rows=3" ]
	run mgr compose logs db
	[[ $output == *"database system was shut down"* ]]
	run mgr compose down -v
	[ "$status" -eq 0 ]
	[[ $output == *"Volume ${APPS}_dbdata  Removed"* ]]
	run mgr volume inspect "${APPS}_dbdata"
	[ "$status" -ne 0 ]
	mgr compose up -d --wait
	[ "$(page)" = "visits=1 rows=1" ]
}

@test "compose apps: logs, each service's lines after its name" {
	mgr compose up -d --wait
	page >/dev/null
	run mgr compose logs --no-color
	[ "$status" -eq 0 ]
	[[ $output == *"web-1    | "*'"GET / HTTP/1.1" 200'* ]]
	[[ $output == *"app-1    | app: redis and postgres answer"* ]]
	[[ $output == *"redis-1  | "*"Ready to accept connections"* ]]
	[[ $output == *"db-1     | "*"database system is ready to accept connections"* ]]
	# every line has a prefix, padded to the longest name (no `! grep`: bats
	# does not fail on it)
	# shellcheck disable=SC2143
	[ -z "$(grep -Ev '^(web|app|db|redis)-1 +\| ' <<<"$output")" ]
	run mgr compose logs --no-color app
	[[ $output == "app-1  | "* ]]
	# shellcheck disable=SC2143
	[ -z "$(grep -Ev '^app-1  \| ' <<<"$output")" ]
}

@test "compose apps: the app alone, without its dependencies, fails at once" {
	# what makes the order of the first test mean something: started before
	# redis and postgres answer, the app exits 1
	run mgr compose run --rm --no-deps -T app
	[ "$status" -eq 1 ]
	[[ $output == *"app: a dependency is not ready"* ]]
}

@test "compose apps: sysctls, ulimits, shm_size, tmpfs, read_only, init, a shell health check" {
	run mgr compose -f compose.yaml -f compose.knobs.yaml up -d --wait
	[ "$status" -eq 0 ]
	[[ $output == *"Container $APPS-db-1  Healthy"* ]]
	[ "$(page)" = "visits=1 rows=1" ]
	[ "$(mgr compose exec -T redis sh -c 'cat /proc/sys/net/core/somaxconn; ulimit -n' | tr '\n' ' ')" = \
		"1024 4096 " ]
	run mgr compose exec -T db sh -c 'df -k /dev/shm /run/postgresql | awk "NR > 1 {print \$1, \$2, \$6}"'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "shm 131072 /dev/shm" ]]
	[[ ${lines[1]} == "tmpfs "*" /run/postgresql" ]]
	run mgr compose exec -T web touch /etc/x
	[[ $output == *"Read-only file system"* ]]
	# nginx under the init, not PID 1 itself
	[ "$(mgr compose exec -T web cat /proc/1/comm)" != nginx ]
	[[ $(mgr compose exec -T web cat /proc/1/cmdline | tr '\0' ' ') == *"nginx -c /etc/cubo-web/nginx.conf"* ]]
	# SIGINT is postgres's fast shutdown
	mgr compose -f compose.yaml -f compose.knobs.yaml stop db
	run mgr compose logs db
	[[ $output == *"received fast shutdown request"* ]]
	run mgr compose -f compose.yaml -f compose.knobs.yaml down -v
	[ "$status" -eq 0 ]
}

@test "compose apps: up attached, the servers stopped cleanly by SIGINT" {
	attached_up 'app-1    | app: redis and postgres answer'
	for _ in $(seq 50); do
		[ "$(page 2>/dev/null)" = "visits=1 rows=1" ] && break
		sleep 0.2
	done
	attached_ended INT
	[ "$status" -eq 130 ]
	grep -q 'web-1  *| .*"GET / HTTP/1.1" 200' "$BATS_TEST_TMPDIR/up.out"
	grep -q 'db-1  *| .*database system is shut down' "$BATS_TEST_TMPDIR/up.out"
	grep -q 'redis-1  *| .*Redis is now ready to exit' "$BATS_TEST_TMPDIR/up.out"
	# each one ended by its stop signal, none killed at the timeout
	[ "$(mgr compose ps -a --format json | jq -r 'map("\(.Service)=\(.State)/\(.ExitCode)") | sort | join(" ")')" = \
		"app=exited/0 db=exited/0 redis=exited/0 web=exited/0" ]
}
