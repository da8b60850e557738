#!/usr/bin/env bats
# cubo-mgr compose: compose files found and merged, variables from the environment and
# .env, `config` printing the resolved model (YAML that reads back the same, JSON,
# --services/--volumes/--profiles/-q), errors naming FILE:LINE and the key, a
# "billion laughs" file refused quickly; `up -d`, `ps` and `down [-v]` of a project of
# busybox containers from a local registry (a web server gated on a healthy
# dependency, a published port, a named volume surviving down and up).

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry compose
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	R=$BATS_TEST_TMPDIR/root
	P=$BATS_TEST_TMPDIR/My-Project
	mkdir -p "$P/html" "$P/sub/dir"
	cat >"$P/compose.yaml" <<'EOF'
x-common: &common
  restart: unless-stopped
  labels: {tier: app}
services:
  web:
    <<: *common
    image: "busybox:${TAG:-latest}"
    command: httpd -f -p 80
    ports: ["${PORT}:80"]
    volumes: [./html:/www:ro, data:/data]
    depends_on:
      app: {condition: service_healthy}
  app:
    <<: *common
    image: busybox
    environment: [MODE=prod, FROM_ENV]
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
  debug:
    image: busybox
    profiles: [debug]
volumes:
  data:
EOF
	printf 'PORT=8080\nTAG=1.36\n' >"$P/.env"
}

teardown() {
	if [ -n "${UP:-}" ]; then
		mgr_container_teardown
		release_root_networks 'up_default|czz_default'
	fi
	rm -rf "$R"
}

# A project "up" in $BATS_TEST_TMPDIR/up: web (httpd on a published port, its page from a
# bind mount) needs app healthy; app writes into the named volume data once.
up_project() {
	mgr_container_setup "${RUN_SKIP:-}"
	UP=$BATS_TEST_TMPDIR/up
	PORT=$(free_port)
	mkdir -p "$UP/html"
	echo hello >"$UP/html/index.html"
	cat >"$UP/compose.yaml" <<EOF
name: up
services:
  web:
    image: $BB
    command: httpd -f -p 80 -h /www
    ports: ["127.0.0.1:$PORT:80"]
    volumes: [./html:/www:ro, data:/data]
    depends_on:
      app: {condition: service_healthy}
  app:
    image: $BB
    command: sh -c 'test -s /data/mode || echo \$\$MODE >/data/mode; exec sleep 1000'
    environment: {MODE: first}
    volumes: [data:/data]
    healthcheck: {test: [CMD, test, -s, /data/mode], interval: 1s}
volumes:
  data:
EOF
	cd "$UP"
}

# A project "czz" in $BATS_TEST_TMPDIR/czz of two short-lived services: a prints three
# lines (one to stderr) and ends, bb prints one, waits 2 s, prints another and ends.
czz_project() {
	mgr_container_setup "${RUN_SKIP:-}"
	UP=$BATS_TEST_TMPDIR/czz
	mkdir -p "$UP"
	cat >"$UP/compose.yaml" <<EOF
name: czz
services:
  a:
    image: $BB
    command: sh -c 'echo one; echo err >&2; echo two'
  bb:
    image: $BB
    command: sh -c 'echo three; sleep 2; echo four'
EOF
	cd "$UP"
}

@test "compose config: the resolved model, from the directory or a parent" {
	cd "$P/sub/dir"
	FROM_ENV=yes TAG=1.35 run mgr compose config
	[ "$status" -eq 0 ]
	# the directory's name, lowercased; the environment wins over .env
	[[ $output == *"name: my-project"* ]]
	[[ $output == *"image: busybox:1.35"* ]]
	[[ $output == *'published: "8080"'* ]]
	[[ $output == *"source: $P/html"* ]]
	[[ $output == *"FROM_ENV: \"yes\""* ]]
	[[ $output == *"condition: service_healthy"* ]]
	[[ $output == *"name: my-project_data"* ]]
	[[ $output == *"name: my-project_default"* ]]
	[[ $output == *"restart: unless-stopped"* ]]
	[[ $output != *debug* ]]
	[[ $output != *x-common* ]] || [[ $output == *"x-common:"* ]]
}

@test "compose config: -p, --profile, --services, --volumes, --profiles, -q, --format json" {
	cd "$P"
	run mgr compose -p Other config --services
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'app\nweb')" ]
	run mgr compose --profile debug config --services
	[ "$output" = "$(printf 'app\ndebug\nweb')" ]
	COMPOSE_PROFILES=debug run mgr compose config --services
	[ "$output" = "$(printf 'app\ndebug\nweb')" ]
	run mgr compose config --volumes
	[ "$output" = data ]
	run mgr compose --profile '*' config --profiles
	[ "$output" = debug ]
	run mgr compose config -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run mgr compose -p Other config --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .name)" = other ]
	[ "$(echo "$output" | jq -r '.services.web.ports[0].target')" = 80 ]
	[ "$(echo "$output" | jq -r '.services.web.volumes[0].read_only')" = true ]
	# a service comes with those it depends on
	run mgr compose config --services web
	[ "$output" = "$(printf 'app\nweb')" ]
	run mgr compose config --services app
	[ "$output" = app ]
	run mgr compose config nope
	[ "$status" -eq 125 ]
	[[ $output == *"no such service: nope"* ]]
}

@test "compose config: the output reads back as the same model" {
	cd "$P"
	printf 'services:\n  s:\n    image: busybox\n    command: echo "$$HOME" ${TAG}\n' >"$P/dollar.yaml"
	run mgr compose -f compose.yaml -f dollar.yaml config
	[ "$status" -eq 0 ]
	[[ $output == *'- $$HOME'* ]]
	first=$output
	run mgr compose -f - config <<<"$first"
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
}

@test "compose config: -f files merged in order, --env-file" {
	cd "$P"
	cat >"$P/override.yaml" <<'EOF'
services:
  web:
    command: [httpd, -f, -p, "8000"]
    ports: ["9000:9000"]
    environment: {EXTRA: "1"}
EOF
	printf 'PORT=7070\n' >"$P/other.env"
	run mgr compose -f compose.yaml -f override.yaml --env-file other.env config --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c .services.web.command)" = '["httpd","-f","-p","8000"]' ]
	[ "$(echo "$output" | jq -c '[.services.web.ports[].published]')" = '["7070","9000"]' ]
	[ "$(echo "$output" | jq -r .services.web.environment.EXTRA)" = 1 ]
	[ "$(echo "$output" | jq -r .services.web.image)" = busybox:latest ]
}

@test "compose config: bad files named with their line and key, exit 125" {
	cd "$P"
	printf 'services:\n  web:\n    image: busybox\n    portz: [80]\n' >bad.yaml
	run mgr compose -f bad.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"$P/bad.yaml:4: services.web.portz: unknown key \"portz\""* ]]
	printf 'services:\n  web:\n    image: busybox\n    ports:\n      - 80:80\n      - 1:2:3:4\n' >bad.yaml
	run mgr compose -f bad.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"bad.yaml:6: services.web.ports[1]: \"1:2:3:4\": invalid port"* ]]
	printf 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n' >bad.yaml
	run mgr compose -f bad.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"dependency cycle: a -> b -> a"* ]]
	printf 'services:\n  a: {image: "${NEEDED:?set NEEDED}"}\n' >bad.yaml
	run mgr compose -f bad.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"bad.yaml:2: services.a.image: required variable NEEDED is missing a value: set NEEDED"* ]]
	run mgr compose -f missing.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"missing.yaml"* ]]
	# hostile files: a device, a FIFO, an env file that never ends, extends in a loop
	run timeout 10 "$MGR" --root-dir "$R" compose -f /dev/zero config
	[ "$status" -eq 125 ]
	[[ $output == *"/dev/zero: not a regular file"* ]]
	mkfifo fifo.yaml
	run timeout 10 "$MGR" --root-dir "$R" compose -f fifo.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"fifo.yaml: not a regular file"* ]]
	printf 'services:\n  a: {image: x, env_file: /dev/zero}\n' >bad.yaml
	run timeout 10 "$MGR" --root-dir "$R" compose -f bad.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"bad.yaml:2: services.a.env_file[0]: env file /dev/zero: not a regular file"* ]]
	printf 'services:\n  a: {image: x, extends: {file: bad.yaml, service: a}}\n' >bad.yaml
	run timeout 10 "$MGR" --root-dir "$R" compose -f bad.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"extends nested deeper than"* ]]
	cd "$BATS_TEST_TMPDIR"
	mkdir -p empty && cd empty
	run mgr compose config
	[ "$status" -eq 125 ]
	[[ $output == *"no configuration file provided"* ]]
}

@test "compose config: a billion laughs fails cleanly and quickly" {
	cd "$P"
	{
		echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
		prev=a
		for l in b c d e f g h i; do
			printf '%s: &%s [' "$l" "$l"
			for _ in 1 2 3 4 5 6 7 8; do printf '*%s,' "$prev"; done
			printf '*%s]\n' "$prev"
			prev=$l
		done
		echo 'services: {}'
	} >laughs.yaml
	run timeout 10 "$MGR" --root-dir "$R" compose -f laughs.yaml config
	[ "$status" -eq 125 ]
	[[ $output == *"expands into more than"* ]]
}

@test "compose: --help lists the commands; unknown commands refused" {
	run mgr compose --help
	[ "$status" -eq 0 ]
	[[ $output == *"config"* ]]
	run mgr compose frobnicate
	[ "$status" -eq 125 ]
	[[ $output == *'unknown command "frobnicate"'* ]]
}

@test "compose up -d: networks, volumes, labelled containers in order; ps; down keeps volumes, -v not" {
	up_project
	run mgr compose up -d
	[ "$status" -eq 0 ]
	[[ $output == *"Container up-app-1  Started"*"Container up-web-1  Started"* ]]
	# app was healthy before web started
	[ "$(mgr inspect -f '{{.State.Health.Status}}' up-app-1)" = healthy ]
	[ "$(timeout 10 wget -qO- "http://127.0.0.1:$PORT/")" = hello ]
	[ "$(mgr exec up-web-1 cat /data/mode)" = first ]
	mgr network inspect up_default >/dev/null
	mgr volume inspect up_data >/dev/null
	run mgr inspect -f '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{index .Config.Labels "com.docker.compose.container-number"}}' up-web-1
	[ "$output" = "up web 1" ]
	run mgr compose ps --services
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "app web " ]
	run mgr compose ps
	[[ ${lines[0]} == NAME*IMAGE*COMMAND*SERVICE*CREATED*STATUS*PORTS ]]
	[[ $output == *"127.0.0.1:$PORT->80/tcp"* ]]
	[ "$(mgr compose ps --format json | jq length)" -eq 2 ]
	# Health as docker compose: the check's state, "" without one
	[ "$(mgr compose ps --format json | jq -r 'map("\(.Service)=\(.State)/\(.Health)") | sort | join(" ")')" = \
		"app=running/healthy web=running/" ]
	# down: containers and the network go, the volume stays and up finds its data
	run mgr compose down
	[ "$status" -eq 0 ]
	[ -z "$(mgr ps -aq)" ]
	run mgr network inspect up_default
	[ "$status" -ne 0 ]
	mgr volume inspect up_data >/dev/null
	sed -i 's/MODE: first/MODE: second/' compose.yaml
	mgr compose up -d
	[ "$(mgr exec up-web-1 cat /data/mode)" = first ]
	run mgr compose down -v
	[ "$status" -eq 0 ]
	[[ $output == *"Volume up_data  Removed"* ]]
	run mgr volume inspect up_data
	[ "$status" -ne 0 ]
	[ -z "$(mgr ps -aq)" ]
}

@test "compose up -d: unchanged containers kept, changed ones made again, orphans" {
	up_project
	mgr compose up -d
	web=$(mgr inspect -f '{{.Id}}' up-web-1)
	app=$(mgr inspect -f '{{.Id}}' up-app-1)
	run mgr compose up -d
	[ "$status" -eq 0 ]
	[[ $output == *"up-web-1  Running"* ]]
	[ "$(mgr inspect -f '{{.Id}}' up-web-1)" = "$web" ]
	sed -i 's/MODE: first/MODE: other/' compose.yaml
	mgr compose up -d
	[ "$(mgr inspect -f '{{.Id}}' up-web-1)" = "$web" ]
	[ "$(mgr inspect -f '{{.Id}}' up-app-1)" != "$app" ]
	app=$(mgr inspect -f '{{.Id}}' up-app-1)
	mgr compose up -d --force-recreate web
	[ "$(mgr inspect -f '{{.Id}}' up-web-1)" != "$web" ]
	[ "$(mgr inspect -f '{{.Id}}' up-app-1)" = "$app" ]
	# a service gone from the file: its container is an orphan
	sed -i 's/^  web:/  www:/; /ports:/d' compose.yaml
	run mgr compose up -d
	[ "$status" -eq 0 ]
	[[ $output == *"found orphan containers (up-web-1)"* ]]
	run mgr compose up -d --remove-orphans
	[ "$status" -eq 0 ]
	run mgr inspect up-web-1
	[ "$status" -ne 0 ]
	mgr compose down
	[ -z "$(mgr ps -aq)" ]
}

@test "compose up -d: a dependency that never gets healthy, or fails, stops up" {
	up_project
	cat >compose.yaml <<EOF
name: up
services:
  sick:
    image: $BB
    command: sleep 1000
    healthcheck: {test: [CMD, "false"], interval: 1s, retries: 1}
  job:
    image: $BB
    command: sh -c 'exit 3'
  web:
    image: $BB
    command: sleep 1000
    depends_on: {sick: {condition: service_healthy}}
  after:
    image: $BB
    command: sleep 1000
    depends_on: {job: {condition: service_completed_successfully}}
EOF
	run mgr compose up -d web
	[ "$status" -eq 125 ]
	[[ $output == *"dependency failed to start: container up-sick-1 is unhealthy"* ]]
	run mgr inspect up-web-1
	[ "$status" -ne 0 ]
	run mgr compose up -d after
	[ "$status" -eq 125 ]
	[[ $output == *"service \"job\" didn't complete successfully: exit 3"* ]]
	mgr compose down
	[ -z "$(mgr ps -aq)" ]
}

@test "compose logs: lines after the container's name, stdout and stderr, -f, --tail, -t, services" {
	czz_project
	mgr compose up -d
	# -f: until every container has ended
	run mgr compose logs -f
	[ "$status" -eq 0 ]
	[[ $output == *"a-1   | one"* ]]
	[[ $output == *"a-1   | err"* ]]
	[[ $output == *"bb-1  | three"* ]]
	[[ $output == *"bb-1  | four"* ]]
	[[ $output != *$'\033'* ]]
	# stderr to stderr
	[ "$(mgr compose logs a 2>/dev/null)" = "$(printf 'a-1  | one\na-1  | two')" ]
	[ "$(mgr compose logs a 2>&1 >/dev/null)" = "a-1  | err" ]
	# on a terminal the names are coloured, unless --no-color
	run script -qec "$MGR --root-dir $R compose logs a" /dev/null
	[[ $output == *$'\033[36ma-1  |\033[0m one'* ]]
	run script -qec "$MGR --root-dir $R compose logs --no-color a" /dev/null
	[[ $output == *"a-1  | one"* ]]
	[[ $output != *$'\033'* ]]
	run mgr compose logs --tail 1 --no-log-prefix bb
	[ "$output" = four ]
	run mgr compose logs -t bb
	[[ ${lines[0]} =~ ^bb-1\ \ \|\ [0-9]{4}-[0-9]{2}-[0-9]{2}T.*three$ ]]
	run mgr compose logs nope
	[ "$status" -eq 125 ]
	[[ $output == *"no such service: nope"* ]]
	mgr compose down
	# nothing left: nothing printed
	run mgr compose logs
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "compose port, exec, top, pause, unpause, stop, start, restart, kill, rm" {
	czz_project
	PORT=$(free_port)
	cat >compose.yaml <<YAML
name: czz
services:
  web:
    image: $BB
    command: httpd -f -p 80
    ports: ["127.0.0.1:$PORT:80"]
    stop_grace_period: 1s
  app:
    image: $BB
    command: sleep 1000
    stop_grace_period: 1s
    depends_on: [web]
YAML
	mgr compose up -d
	run mgr compose port web 80
	[ "$status" -eq 0 ]
	[ "$output" = "127.0.0.1:$PORT" ]
	run mgr compose port --protocol udp web 80
	[ "$status" -eq 125 ]
	[[ $output == *"no port 80/udp published for service web"* ]]
	run mgr compose exec -T app sh -c 'echo hi; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hi ]
	run mgr compose exec -T -e X=1 -w /tmp -u 123 app sh -c 'echo $X $PWD $(id -u)'
	[ "$output" = "1 /tmp 123" ]
	run mgr compose exec -T nope true
	[ "$status" -eq 125 ]
	[[ $output == *"no such service: nope"* ]]
	run mgr compose top
	[ "$status" -eq 0 ]
	[[ $output == *"czz-web-1"*httpd*"czz-app-1"*sleep* ]]
	mgr compose pause app
	[ "$(mgr inspect -f '{{.State.Status}}' czz-app-1)" = paused ]
	mgr compose unpause
	[ "$(mgr inspect -f '{{.State.Status}}' czz-app-1)" = running ]
	# dependents first
	run mgr compose stop
	[ "$status" -eq 0 ]
	[[ $output == *"czz-app-1  Stopped"*"czz-web-1  Stopped"* ]]
	[ "$(mgr inspect -f '{{.State.Status}}' czz-web-1)" = exited ]
	run mgr compose start
	[[ $output == *"czz-web-1  Started"*"czz-app-1  Started"* ]]
	[ "$(mgr inspect -f '{{.State.Status}}' czz-app-1)" = running ]
	mgr compose restart -t 1 app
	[ "$(mgr inspect -f '{{.State.Status}}' czz-app-1)" = running ]
	mgr compose kill -s KILL app
	mgr wait czz-app-1 >/dev/null
	[ "$(mgr inspect -f '{{.State.Status}}' czz-app-1)" = exited ]
	# rm asks; running containers stay
	run mgr compose rm <<<n
	[[ $output == *"Going to remove czz-app-1"* ]]
	mgr inspect czz-app-1 >/dev/null
	run mgr compose rm -f
	[[ $output == *"czz-app-1  Removed"* ]]
	run mgr inspect czz-app-1
	[ "$status" -ne 0 ]
	[ "$(mgr inspect -f '{{.State.Status}}' czz-web-1)" = running ]
	run mgr compose rm -f
	[[ $output == *"No stopped containers"* ]]
	mgr compose rm -s -f web
	[ -z "$(mgr ps -aq)" ]
	mgr compose down
}

@test "compose ls, images, events; mac_address" {
	czz_project
	sed -i "s/sleep 2; echo four/exec sleep 1000/; \$a\\    stop_signal: SIGKILL\n    mac_address: 02:42:ac:11:00:99" compose.yaml
	run mgr compose up -d
	[ "$status" -eq 0 ]
	[[ $output != *"not supported"* ]]
	[ "$(mgr exec czz-bb-1 cat /sys/class/net/eth0/address)" = 02:42:ac:11:00:99 ]
	run mgr compose ls
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == NAME*STATUS*"CONFIG FILES" ]]
	[[ $output == *"czz "*"exited(1), running(1)"*"$UP/compose.yaml"* ]]
	[ "$(mgr compose ls --format json | jq -r '.[] | select(.Name == "czz") | .Status')" = "exited(1), running(1)" ]
	run mgr compose images
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == CONTAINER*REPOSITORY*TAG*"IMAGE ID"*SIZE ]]
	[[ $output == *"czz-a-1 "*"$BB "*"latest"* ]]
	[ "$(mgr compose images -q bb)" = "$(mgr inspect -f '{{.Image}}' czz-bb-1 | cut -c8-19)" ]
	# docker compose's schema: time, type, action, id, service, attributes (no compose labels)
	run mgr compose events --json --since 10m --until 0s
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.action == "start" and .service == "bb") | .attributes.name' <<<"$output")" = czz-bb-1 ]
	[ "$(jq -r 'select(.service == "bb") | .id' <<<"$output" | sort -u)" = "$(mgr inspect -f '{{.Id}}' czz-bb-1)" ]
	[ "$(jq -r '[.attributes | keys[] | select(startswith("com.docker.compose."))] | length' <<<"$output" | sort -u)" = 0 ]
	[ "$(jq -r .type <<<"$output" | sort -u)" = container ]
	run mgr compose events --since 10m --until 0s bb
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\.[0-9]{6}\ container\ [a-z]+\ [0-9a-f]{64}\ \( ]]
	[[ $output == *"container start "*"name=czz-bb-1"* ]]
	[[ $output != *czz-a-1* ]]
	mgr compose stop
	run mgr compose ls -q
	[[ $output != *czz* ]]
	run mgr compose ls -a
	[[ $output == *"czz "*"exited(2)"* ]]
	mgr compose down
}

@test "compose up: links give an alias and an order, volumes_from shares a service's volumes" {
	czz_project
	cat >compose.yaml <<EOF
name: czz
services:
  web:
    image: $BB
    command: sh -c 'ping -c1 -W2 database >/dev/null && cat /shared/id >/tmp/seen; exec sleep 1000'
    stop_signal: SIGKILL
    links: ["db:database"]
    volumes_from: ["data:ro"]
  db:
    image: $BB
    command: sleep 1000
    stop_signal: SIGKILL
  data:
    image: $BB
    command: sh -c 'echo from-data >/shared/id; exec sleep 1000'
    stop_signal: SIGKILL
    volumes: [/shared]
EOF
	run mgr compose up -d
	[ "$status" -eq 0 ]
	[[ $output != *"not supported"* ]]
	# dependencies first: web is made after db and data
	[[ $output == *czz-db-1*czz-web-1* ]]
	[[ $output == *czz-data-1*czz-web-1* ]]
	for i in $(seq 50); do
		[ "$(mgr exec czz-web-1 cat /tmp/seen 2>/dev/null)" = from-data ] && break
		sleep 0.2
	done
	[ "$(mgr exec czz-web-1 cat /tmp/seen)" = from-data ]
	# read-only, as asked
	run mgr exec czz-web-1 touch /shared/x
	[ "$status" -ne 0 ]
	mgr compose down
}

@test "compose run: a one-off container after its dependencies, attached or -d, --rm, flags" {
	czz_project
	cat >compose.yaml <<YAML
name: czz
services:
  db:
    image: $BB
    command: sleep 1000
    stop_signal: SIGKILL
  app:
    image: $BB
    command: echo from-service
    environment: {A: one}
    restart: always
    stop_signal: SIGKILL
    depends_on: [db]
YAML
	run mgr compose run --rm -e B=two -w /tmp app sh -c 'echo $A $B $PWD; exit 4'
	[ "$status" -eq 4 ]
	[[ $output == *"one two /tmp"* ]]
	# its dependency is up; the one-off container is gone
	[ "$(mgr inspect -f '{{.State.Status}}' czz-db-1)" = running ]
	[ "$(mgr ps -aq | wc -l)" -eq 1 ]
	# --no-deps: the network is made, db is not started
	mgr compose down
	run mgr compose run --no-deps -d app sleep 1000
	[ "$status" -eq 0 ]
	[[ $output =~ czz-app-run-[0-9a-f]{12}$ ]]
	name=${lines[-1]}
	run mgr inspect czz-db-1
	[ "$status" -ne 0 ]
	[ "$(mgr inspect -f '{{index .Config.Labels "com.docker.compose.oneoff"}} {{index .Config.Labels "com.docker.compose.service"}}' "$name")" = "True app" ]
	[ "$(mgr inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$name")" != always ]
	# one-off containers are not the service's
	run mgr compose stop app
	[[ $output != *"$name"* ]]
	run mgr compose run --name custom --entrypoint echo app hello
	[ "$status" -eq 0 ]
	[[ $output == *hello* ]]
	mgr inspect custom >/dev/null
	run mgr compose run nope
	[ "$status" -eq 125 ]
	[[ $output == *"no such service: nope"* ]]
	mgr compose down
	[ -z "$(mgr ps -aq)" ]
}

@test "compose up attached: the logs until every container ends; SIGTERM stops them" {
	czz_project
	run mgr compose up
	[ "$status" -eq 0 ]
	[[ $output == *"Attaching to a-1, bb-1"* ]]
	[[ $output == *"a-1   | one"* ]]
	[[ $output == *"bb-1  | four"* ]]
	# a second up: the lines of before are not shown again
	run mgr compose up
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c 'bb-1  | four')" -eq 1 ]
	cat >compose.yaml <<YAML
name: czz
services:
  long:
    image: $BB
    command: sh -c 'echo ready; exec sleep 1000'
    stop_signal: SIGKILL
  bye:
    image: $BB
    command: sh -c 'trap "echo bye; exit 0" TERM; echo hi; while :; do sleep 0.1; done'
YAML
	attached_up 'long-1  | ready'
	for _ in $(seq 50); do
		grep -q 'bye-1   | hi' "$BATS_TEST_TMPDIR/up.out" && break
		sleep 0.1
	done
	attached_ended TERM
	[ "$status" -eq 130 ]
	grep -q 'Gracefully stopping' "$BATS_TEST_TMPDIR/up.out"
	# the logs go on while the containers stop: their last words are shown
	grep -q 'bye-1   | bye' "$BATS_TEST_TMPDIR/up.out"
	grep -q 'Container czz-bye-1  Stopped' "$BATS_TEST_TMPDIR/up.out"
	[ "$(mgr inspect -f '{{.State.Status}}' czz-long-1)" = exited ]
	mgr compose down
}

@test "compose up attached: a second signal during the graceful stop kills the containers" {
	czz_project
	# PID 1 without a handler ignores SIGTERM: stop would wait out its 60 s
	cat >compose.yaml <<YAML
name: czz
services:
  slow:
    image: $BB
    command: sh -c 'echo ready; exec sleep 1000'
    stop_grace_period: 60s
YAML
	attached_up 'slow-1  | ready'
	kill -TERM "$pid"
	for _ in $(seq 50); do
		grep -q 'Gracefully stopping' "$BATS_TEST_TMPDIR/up.out" && break
		sleep 0.1
	done
	sleep 0.5
	kill -TERM "$pid"
	# not 60 s, and not gone before its container
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	status=0
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" && status=999
	wait "$pid" || status=$?
	cat "$BATS_TEST_TMPDIR/up.out"
	[ "$status" -eq 130 ]
	grep -q 'Container czz-slow-1  Killed' "$BATS_TEST_TMPDIR/up.out"
	[ "$(mgr inspect -f '{{.State.Status}}' czz-slow-1)" = exited ]
	mgr compose down
}

@test "compose down -t: SIGKILL after that long, not the service's stop timeout" {
	czz_project
	cat >compose.yaml <<YAML
name: czz
services:
  deaf:
    image: $BB
    command: sleep 1000
    stop_grace_period: 60s
YAML
	mgr compose up -d
	run mgr compose down -t nope
	[ "$status" -eq 125 ]
	[[ $output == *'--timeout "nope": a number of seconds'* ]]
	start=$SECONDS
	run mgr compose down -t 1
	[ "$status" -eq 0 ]
	[[ $output == *"Container czz-deaf-1  Removed"* ]]
	# PID 1 ignores SIGTERM: only the SIGKILL after 1 s ends it
	[ $((SECONDS - start)) -lt 20 ]
	[ -z "$(mgr ps -aq)" ]
}

@test "compose up --wait, --scale and deploy.replicas" {
	czz_project
	cat >compose.yaml <<YAML
name: czz
services:
  ok:
    image: $BB
    command: sleep 1000
    stop_signal: SIGKILL
    healthcheck: {test: [CMD, "true"], interval: 1s}
    deploy: {replicas: 2}
  sick:
    image: $BB
    command: sleep 1000
    stop_signal: SIGKILL
    profiles: [sick]
    healthcheck: {test: [CMD, "false"], interval: 1s, retries: 1}
YAML
	run mgr compose up --wait
	[ "$status" -eq 0 ]
	[[ $output == *"czz-ok-1  Healthy"*"czz-ok-2  Healthy"* ]]
	[ "$(mgr inspect -f '{{.State.Health.Status}}' czz-ok-2)" = healthy ]
	run mgr compose up -d --scale ok=3
	[ "$status" -eq 0 ]
	mgr inspect czz-ok-3 >/dev/null
	run mgr compose up -d --scale ok=1
	[ "$status" -eq 0 ]
	run mgr inspect czz-ok-2
	[ "$status" -ne 0 ]
	run mgr compose up -d --scale nope=2
	[ "$status" -eq 125 ]
	[[ $output == *'--scale "nope=2": no such service'* ]]
	run mgr compose --profile sick up --wait sick
	[ "$status" -eq 125 ]
	[[ $output == *"container czz-sick-1 is unhealthy"* ]]
	# one fixed host port cannot be published by two containers
	printf '    ports: ["127.0.0.1:%s:80"]\n' "$(free_port)" >>compose.yaml
	run mgr compose --profile sick up -d --scale sick=2 sick
	[ "$status" -eq 125 ]
	[[ $output == *"service sick: cannot run 2 containers: each would publish host port"* ]]
	mgr compose --profile sick down
	[ -z "$(mgr ps -aq)" ]
}

@test "compose build, up building a missing image, up --build, pull" {
	czz_project
	mkdir -p app
	printf 'FROM %s\nARG MSG=none\nRUN echo "$MSG" >/msg\nCMD ["cat", "/msg"]\n' "$BB" >app/Dockerfile.dev
	cat >compose.yaml <<YAML
name: czz
services:
  web:
    build: {context: ./app, dockerfile: Dockerfile.dev, args: {MSG: built}}
  base:
    image: $BB
    command: "true"
YAML
	run mgr compose build nope
	[ "$status" -eq 125 ]
	[[ $output == *"no such service: nope"* ]]
	# up builds what is missing
	run mgr compose up
	[ "$status" -eq 0 ]
	[[ $output == *"Service web  Built"* ]]
	[[ $output == *"web-1 "*"| built"* ]]
	mgr image inspect czz-web >/dev/null
	sed -i 's/MSG: built/MSG: again/' compose.yaml
	run mgr compose up web
	[[ $output != *"Building"* ]]
	[[ $output == *"| built"* ]]
	run mgr compose build
	[ "$status" -eq 0 ]
	run mgr compose up web
	[[ $output == *"| again"* ]]
	sed -i 's/MSG: again/MSG: third/' compose.yaml
	run mgr compose up --build web
	[[ $output == *"| third"* ]]
	run mgr compose pull
	[ "$status" -eq 0 ]
	[[ $output == *"Image $BB  Pulled"* ]]
	run mgr compose down --rmi bogus
	[ "$status" -eq 125 ]
	# local: the built image goes, the pulled one stays
	run mgr compose down --rmi local
	[ "$status" -eq 0 ]
	[[ $output == *"Image czz-web  Removed"* ]]
	run mgr image inspect czz-web
	[ "$status" -ne 0 ]
	mgr image inspect "$BB" >/dev/null
	[ -z "$(mgr ps -aq)" ]
	# dockerfile_inline: the text is the build file (and nothing of it stays in TMPDIR)
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	cat >compose.yaml <<YAML
name: czz
services:
  web:
    build:
      context: ./app
      dockerfile_inline: |
        FROM $BB
        RUN echo inline >/msg
        CMD ["cat", "/msg"]
YAML
	run mgr compose up web
	[ "$status" -eq 0 ]
	[[ $output == *"| inline"* ]]
	[ -z "$(ls -A "$TMPDIR")" ]
	# a URL context is refused, naming it
	sed -i 's|context: ./app|context: https://example.com/repo.git|' compose.yaml
	run mgr compose build
	[ "$status" -ne 0 ]
	[[ $output == *"build context https://example.com/repo.git: git failed"* ]]
	sed -i 's|context: https://example.com/repo.git|context: https://example.com/ctx.tar.gz|' compose.yaml
	run mgr compose build
	[ "$status" -ne 0 ]
	[[ $output == *"https://example.com/ctx.tar.gz: only a local directory or a git repository"* ]]
	mgr compose down --rmi local
}
