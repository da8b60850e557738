#!/usr/bin/env bats
# cubo-mgr's --format Go templates over real containers, images, volumes and
# networks: ps, inspect -f, images, history, image inspect, volume ls/inspect,
# network ls/inspect, info and version; "table" headers and alignment; bad
# templates refused with their position. Images come from a real local
# registry (Debian's docker-registry on 127.0.0.1). Each test has its own root.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry format
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

@test "ps --format: fields, .Label, json, table header and alignment, --no-trunc" {
	id=$(run_detached --name fmt1 --label tier=web --label team=a "$BB" sleep 100)
	mgr create --name fmt2 "$BB" true >/dev/null
	[ "$(mgr ps --format '{{.Names}} {{.State}} {{.Image}}')" = "fmt1 running $BB" ]
	[ "$(mgr ps --format '{{.ID}}')" = "${id:0:12}" ]
	[ "$(mgr ps --no-trunc --format '{{.ID}}')" = "$id" ]
	[ "$(mgr ps --format '{{.Label "tier"}}|{{.Label "none"}}')" = "web|" ]
	[ "$(mgr ps --format '{{.Labels}}')" = "tier=web,team=a" ]
	[[ "$(mgr ps --format '{{.Status}}')" == "Up "* ]]
	# the command quoted as docker shows it, shortened unless --no-trunc
	[ "$(mgr ps --format '{{.Command}}')" = '"sleep 100"' ]
	[ "$(mgr ps --no-trunc --format '{{.Command}}')" = '"sleep 100"' ]
	mgr ps --format '{{json .}}' | jq -e '.Names == "fmt1" and .State == "running"'
	# -a, ordered as ps lists them, through a range over split
	run mgr ps -a --format '{{.Names}}:{{range split .Labels ","}}[{{.}}]{{end}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"fmt1:[tier=web][team=a]"* ]]
	[[ "$output" == *"fmt2:[]"* ]]
	run mgr ps -a --format 'table {{.Names}}\t{{.ID}}\t{{.State}}'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "NAMES     CONTAINER ID   STATE" ]
	[[ "${lines[1]}" =~ ^fmt[12]\ {6}[0-9a-f]{12}\ {3}(running|created)$ ]]
	# no containers match: the header alone
	run mgr ps --filter name=none --format 'table {{.ID}}\t{{.Command}}'
	[ "$status" -eq 0 ]
	[ "$output" = "CONTAINER ID   COMMAND" ]
	# "table" alone and json are as before
	[[ "$(mgr ps)" == "CONTAINER ID"*"NAMES"* ]]
	[[ "$(mgr ps --format table)" == "CONTAINER ID"*"NAMES"* ]]
	[ "$(mgr ps --format json | jq -r .ID)" = "$id" ]
}

@test "ps -s: SIZE, the writable layer and the image's (virtual), .Size in templates and json" {
	run_detached --name sz "$BB" sh -c 'dd if=/dev/zero of=/big bs=1000 count=1000 2>/dev/null; touch /done; sleep 100' >/dev/null
	for i in $(seq 100); do mgr exec sz test -e /done && break; sleep 0.1; done
	run mgr ps -s
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "CONTAINER ID"*"NAMES"*"   SIZE" ]]
	[[ "${lines[1]}" =~ \ 1\.00MB\ \(virtual\ [0-9.]+[kM]B\)$ ]]
	# the virtual size is the writable layer plus the image
	virt=$(mgr ps -s --format '{{.Size}}' | sed 's/.*(virtual \(.*\))/\1/')
	[ "$virt" != 1.00MB ]
	# a template naming .Size measures it without -s; json with -s
	[[ "$(mgr ps --format '{{.Names}} {{.Size}}')" == "sz 1.00MB (virtual "* ]]
	mgr ps -s --format json | jq -e '.Size | startswith("1.00MB (virtual ")'
	# without -s no SIZE column
	[[ "$(mgr ps | head -1)" != *SIZE* ]]
}

@test "inspect -f: docker's fields, once per object, index/range/if, errors exit 125" {
	id=$(run_detached --name web -e A=1 --label k=v "$BB" sleep 100)
	mgr create --name idle "$BB" true >/dev/null
	[ "$(mgr inspect -f '{{.State.Status}} {{.State.Running}} {{.Name}}' web)" = "running true /web" ]
	[ "$(mgr inspect --format '{{.Id}}' web)" = "$id" ]
	[ "$(mgr inspect -f '{{index .Config.Labels "k"}}' web)" = v ]
	[ "$(mgr inspect -f '{{range .Config.Env}}{{if eq . "A=1"}}found{{end}}{{end}}' web)" = found ]
	[ "$(mgr inspect -f '{{.State.Pid}}' web)" -gt 1 ]
	mgr inspect -f '{{json .Config}}' web | jq -e '.Cmd == ["sleep","100"]'
	# one line per object, in the order given
	run mgr inspect -f '{{.Name}}:{{.State.Status}}' web idle
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/web:running" ]
	[ "${lines[1]}" = "/idle:created" ]
	# a template mistake names its position; a run-time one the action
	run mgr inspect -f '{{.State.Status}' web
	[ "$status" -eq 125 ]
	[[ "$output" == *'--format: template: :1:15: unexpected "}" in operand'* ]]
	run mgr inspect -f '{{index .Config.Cmd 9}}' web
	[ "$status" -eq 125 ]
	[[ "$output" == *'executing "" at <index .Config.Cmd 9>: error calling index: index out of range: 9'* ]]
	# the JSON array is still the default
	mgr inspect web | jq -e '.[0].Name == "/web"'
	mgr inspect --format json web | jq -e 'length == 1'
}

@test "images, history and image inspect --format" {
	run mgr images --format '{{.Repository}}:{{.Tag}} {{len .ID}}'
	[ "$status" -eq 0 ]
	[ "$output" = "$REG/busybox:latest 12" ]
	full=$(mgr images --no-trunc --format '{{.ID}}')
	[[ "$full" == sha256:* ]]
	[ "$(mgr image inspect -f '{{.Id}}' "$BB")" = "$full" ]
	[ "$(mgr inspect -f '{{.Os}}/{{.Architecture}}' "$BB")" = "linux/amd64" ]
	run mgr images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ {7}IMAGE\ ID$ ]]
	[[ "${lines[1]}" =~ ^$REG/busybox\ {3}latest\ {4}[0-9a-f]{12}$ ]]
	run mgr history --format '{{.ID}}|{{.Size}}|{{.CreatedSince}}' "$BB"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^[0-9a-f]{12}\|.+\|.+ago$ ]]
	run mgr history --format 'table {{.ID}}\t{{.CreatedBy}}' "$BB"
	[[ "${lines[0]}" == "IMAGE          CREATED BY" ]]
	run mgr images --format '{{.Nope'
	[ "$status" -eq 125 ]
	[[ "$output" == *"--format: template: :1:"*"unclosed action"* ]]
}

@test "volume, network, info and version --format" {
	mgr volume create --label a=b fv1 >/dev/null
	mgr volume create fv2 >/dev/null
	run mgr volume ls --format '{{.Name}} {{.Driver}} {{.Label "a"}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"fv1 local b"* ]]
	run mgr volume ls --format 'table {{.Name}}\t{{.Driver}}'
	[ "${lines[0]}" = "VOLUME NAME   DRIVER" ]
	[ "$(mgr volume inspect -f '{{.Name}} {{.Labels.a}}' fv1)" = "fv1 b" ]
	[ "$(mgr volume inspect -f '{{.Mountpoint}}' fv2)" = "$R/volumes/fv2/_data" ]
	run mgr network ls --format '{{.Name}}/{{.Driver}}/{{.Scope}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"cubo/bridge/local"* ]]
	[[ "$(mgr network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' cubo)" == */* ]]
	[ "$(mgr info --format '{{.Volumes}} {{.Images}}')" = "2 1" ]
	mgr info --format '{{json .}}' | jq -e '.RootDir == "'"$R"'"'
	[ "$(mgr version --format '{{.Client.Version}}')" = "$(mgr version --format '{{.Server.Version}}')" ]
	run mgr info --format '{{if}}'
	[ "$status" -eq 125 ]
	[[ "$output" == *"missing value for if"* ]]
}
