#!/usr/bin/env bats
# cubo-mgr compose: compose files found and merged, variables from the environment and
# .env, `config` printing the resolved model (YAML that reads back the same, JSON,
# --services/--volumes/--profiles/-q), errors naming FILE:LINE and the key, a
# "billion laughs" file refused quickly.

load helpers
load mgr-helpers

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
	rm -rf "$R"
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
