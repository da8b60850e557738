#!/bin/bash
# compose-side-by-side.sh
#
# One compose file brought up by `cubo compose up -d` and by Debian's
# docker-compose 1.29 against a private dockerd (docker.io; no iptables, no
# default bridge), one after the other, then what each made compared:
#   containers   the names (1.29 writes PROJECT_SERVICE_1 where compose v2 and
#                cubo write PROJECT-SERVICE-1: compared with _ read as -), the
#                com.docker.compose project/service/container-number/oneoff labels
#   networks     PROJECT_front, PROJECT_back, each container's networks
#   volumes      PROJECT_data, the mounts of each container
#   environment  what the file sets (the image's own variables left out)
#   ports        the published port, and a page fetched through it on 127.0.0.1
#   names        a network alias and the service names resolving between services
# and after `down -v`: nothing of the project left on either side. Prints one line a
# check (same, or both values) and exits 1 when any differs. Needs root, dockerd
# and docker-compose (apt-get install docker.io docker-compose), skopeo, jq, curl.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$repo/tests/bench/lib.sh"
runs=1
bench_mgr_setup side
trap bench_mgr_cleanup EXIT
command -v docker-compose >/dev/null || {
	echo "$0: needs docker-compose (apt-get install docker-compose)" >&2
	exit 2
}
bench_serve_busybox || exit 1
bench_dockerd_start || exit 2
"$mgr" --root-dir "$R" pull -q "$img" >/dev/null || exit 1
"$mgr" --root-dir "$R" tag "$img" busybox:latest || exit 1

# the project, in a directory named "sbs" (the project name on both sides)
P=$work/sbs
mkdir -p "$P"
cat >"$P/docker-compose.yml" <<'EOF'
version: "3.8"
services:
  web:
    image: busybox:latest
    command: httpd -f -p 80 -h /www
    ports: ["127.0.0.1:${PORT}:80"]
    volumes: [data:/www]
    environment: {ROLE: web, FROM_ENV: "${FROM_ENV:-unset}"}
    depends_on: [app]
    networks: [front, back]
    stop_signal: SIGKILL
  app:
    image: busybox:latest
    command: sh -c 'echo hello from app >/www/index.html; exec sleep 100000'
    volumes: [data:/www]
    environment: [MODE=prod]
    networks: [back]
    stop_signal: SIGKILL
  db:
    image: busybox:latest
    command: sleep 100000
    networks: {back: {aliases: [database]}}
    stop_signal: SIGKILL
volumes:
  data: {}
networks:
  front: {}
  back: {}
EOF
export FROM_ENV=from-the-environment

# facts SIDE CLI...: what CLI (cubo's or docker's, same verbs) shows of the project,
# one "key value" line each, into $work/facts.SIDE
facts() {
	local side=$1 c n
	shift
	local cli=("$@") out=$work/facts.$side
	: >"$out"
	for c in $("${cli[@]}" ps -a --filter label=com.docker.compose.project=sbs --format '{{.Names}}' | sort); do
		n=${c//_/-}
		echo "container $n" >>"$out"
		"${cli[@]}" inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{index .Config.Labels "com.docker.compose.container-number"}} {{index .Config.Labels "com.docker.compose.oneoff"}}' "$c" |
			sed "s/^/$n labels /" >>"$out"
		echo "$n networks $("${cli[@]}" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$c" |
			tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')" >>"$out"
		"${cli[@]}" inspect -f '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}} {{end}}' "$c" |
			sed "s/^/$n mounts /; s/ $//" >>"$out"
		echo "$n env $("${cli[@]}" inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" |
			grep -E '^(ROLE|FROM_ENV|MODE)=' | sort | tr '\n' ' ' | sed 's/ $//')" >>"$out"
	done
	"${cli[@]}" network ls --format '{{.Name}}' | grep '^sbs_' | sort | sed 's/^/network /' >>"$out"
	"${cli[@]}" volume ls --format '{{.Name}}' | grep '^sbs_' | sort | sed 's/^/volume /' >>"$out"
	local web
	web=$("${cli[@]}" ps --filter label=com.docker.compose.service=web --format '{{.Names}}')
	echo "port $("${cli[@]}" port "$web" 80/tcp | sed "s/:$PORT\$/:PORT/")" >>"$out"
	echo "page $(curl -s --max-time 5 "http://127.0.0.1:$PORT/")" >>"$out"
	for name in app db database; do
		if "${cli[@]}" exec "$web" ping -c1 -W2 "$name" >/dev/null 2>&1; then
			echo "resolves $name yes" >>"$out"
		else
			echo "resolves $name no" >>"$out"
		fi
	done
}

# leftovers SIDE CLI...: what of the project is left after down -v
leftovers() {
	local side=$1
	shift
	local cli=("$@")
	echo "left: $({
		"${cli[@]}" ps -aq --filter label=com.docker.compose.project=sbs
		"${cli[@]}" network ls --format '{{.Name}}' | grep '^sbs_'
		"${cli[@]}" volume ls --format '{{.Name}}' | grep '^sbs_'
	} | wc -l)" >>"$work/facts.$side"
}

cubo_cli=("$mgr" --root-dir "$R")
docker_cli=("${D[@]}")
cd "$P" || exit 1

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORT
"${cubo_cli[@]}" compose up -d >"$work/cubo-up.out" 2>&1 || {
	echo "cubo compose up failed:" >&2
	cat "$work/cubo-up.out" >&2
	exit 1
}
sleep 1
facts cubo "${cubo_cli[@]}"
"${cubo_cli[@]}" compose down -v >/dev/null 2>&1
leftovers cubo "${cubo_cli[@]}"

DOCKER_HOST=unix://$work/docker.sock docker-compose up -d >"$work/dc-up.out" 2>&1 || {
	echo "docker-compose up failed:" >&2
	cat "$work/dc-up.out" >&2
	exit 1
}
sleep 1
facts docker "${docker_cli[@]}"
DOCKER_HOST=unix://$work/docker.sock docker-compose down -v >/dev/null 2>&1
leftovers docker "${docker_cli[@]}"

echo "# $("$mgr" --version) against docker-compose $(docker-compose version --short) with dockerd $("${D[@]}" version -f '{{.Server.Version}}')"
differ=0
while IFS= read -r line; do
	echo "$line"
	case $line in "< "* | "> "*) differ=1 ;; esac
done < <(diff --unchanged-line-format='same: %L' --old-line-format='< cubo:   %L' \
	--new-line-format='> docker: %L' "$work/facts.cubo" "$work/facts.docker")
if [ "$differ" = 0 ]; then
	echo "compose side by side: all the same"
else
	echo "compose side by side: differences above"
fi
exit "$differ"
