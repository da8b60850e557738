#!/usr/bin/env bats
# cubo-mgr against hostile images and inputs (issue 16): an image's
# /etc/passwd that is a FIFO, a device, a link out of the rootfs or huge; a
# VOLUME directory with its own owner and mode; ExposedPorts keys that name
# host addresses; a layer that inflates past the size limit; io_uring under
# the default seccomp profile; flag values that would add lines to files.
# Images are made here with umoci and pushed to a real local registry.

load helpers
load mgr-helpers

setup_file() {
	export HOSTILE_SKIP=
	mgr_registry_start hostile || { HOSTILE_SKIP=$MGR_FILE_SKIP; return 0; }
	export HOSTILE_DIR=$MGR_FILE_DIR
	local layout=$HOSTILE_DIR/layout

	# A host file that names a user: an image's link to it must not reach it.
	echo "hostuser:x:4242:4242::/:/bin/sh" >"$HOSTILE_DIR/host-passwd"
	derive fifo-passwd 'rm -f etc/passwd && mkfifo etc/passwd'
	derive dev-passwd 'rm -f etc/passwd && mknod etc/passwd c 1 3'
	derive link-passwd "rm -f etc/passwd && ln -s ../../../../../../../..$HOSTILE_DIR/host-passwd etc/passwd"
	derive big-passwd 'cp etc/passwd etc/passwd.real && cat etc/passwd.real >etc/passwd && truncate -s 17M etc/passwd'
	# postgres' case: the VOLUME directory belongs to its user, 0700
	derive voldir 'mkdir -p data && echo 15 >data/PG_VERSION && chown -R 1234:5678 data && chmod 0700 data'
	umoci config --image "$layout:voldir" --config.volume /data >/dev/null
	# ExposedPorts keys in -p's grammar: the image picking host addresses and ports
	derive exposed-addr ':'
	umoci config --image "$layout:exposed-addr" --config.exposedports 80/tcp \
		--config.exposedports 127.0.0.1:22:80/tcp >/dev/null
	derive exposed-hostport ':'
	umoci config --image "$layout:exposed-hostport" --config.exposedports 0.0.0.0:2222:22 >/dev/null
	derive exposed-ok ':'
	umoci config --image "$layout:exposed-ok" --config.exposedports 80/tcp \
		--config.exposedports 53/udp >/dev/null
	# 64 MiB of zeros: some 64 KiB of gzip
	derive bomb 'dd if=/dev/zero of=zeros bs=1M count=64 status=none'
	umoci gc --layout "$layout"
	mgr_push_images busybox fifo-passwd dev-passwd link-passwd big-passwd voldir exposed-addr \
		exposed-hostport exposed-ok bomb
}

# derive NAME SCRIPT: busybox with SCRIPT run in its rootfs, as a layer on top.
derive() {
	local layout=$HOSTILE_DIR/layout work=$HOSTILE_DIR/unpacked
	umoci unpack --image "$layout:busybox" "$work" >/dev/null
	(cd "$work/rootfs" && eval "$2")
	umoci repack --image "$layout:$1" "$work" >/dev/null
	rm -rf "$work"
}

teardown_file() {
	mgr_registry_teardown "${HOSTILE_DIR:-}"
}

setup() {
	mgr_container_setup "${HOSTILE_SKIP:-}"
}

teardown() {
	mgr_container_teardown
}

# hostile_run SECONDS ARGS...: `mgr run` that must end by itself well within SECONDS.
hostile_run() {
	local secs=$1
	shift
	run timeout --kill-after=2 "$secs" "$MGR" --root-dir "$R" run "$@" </dev/null 3>&-
	echo "exit $status: $output"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
}

@test "passwd: a FIFO as the image's /etc/passwd fails at once, naming the file" {
	mgr pull -q "$REG/fifo-passwd" >/dev/null
	hostile_run 30 -i --rm -u nobody "$REG/fifo-passwd" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'look up user "nobody": /etc/passwd in rootfs: a FIFO, not a regular file'* ]]
	# a numeric user still reads the file (HOME, groups): the same error, never a hang
	hostile_run 30 -i --rm -u 0 "$REG/fifo-passwd" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/etc/passwd in rootfs: a FIFO"* ]]
	# detached too: no monitor is left hanging, the container stays created with the error
	hostile_run 30 -d --name fifo -u nobody "$REG/fifo-passwd" true
	[ "$status" -eq 125 ]
	[ -z "$(monitors)" ]
	run mgr inspect --type container fifo
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = created ]
	[[ "$(jq -r '.[0].State.Error' <<<"$output")" == *"/etc/passwd in rootfs: a FIFO"* ]]
}

@test "passwd: a device node, a link out of the rootfs, a huge file" {
	mgr pull -q "$REG/dev-passwd" >/dev/null
	hostile_run 30 -i --rm -u nobody "$REG/dev-passwd" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/etc/passwd in rootfs: a character device, not a regular file"* ]]
	# the link resolves inside the rootfs, where it leads nowhere: the host's user is unknown
	mgr pull -q "$REG/link-passwd" >/dev/null
	hostile_run 30 -i --rm -u hostuser "$REG/link-passwd" id -u
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user hostuser"* ]]
	[[ "$output" != *4242* ]]
	mgr pull -q "$REG/big-passwd" >/dev/null
	hostile_run 30 -i --rm -u nobody "$REG/big-passwd" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"/etc/passwd in rootfs: larger than 16777216 bytes"* ]]
}

@test "passwd: exec -u into a container that made its /etc/passwd a FIFO fails at once" {
	id=$(run_detached "$BB" sh -c 'rm /etc/passwd && mkfifo /etc/passwd && echo ready && sleep 60')
	for _ in $(seq 100); do mgr logs "$id" | grep -q ready && break; sleep 0.1; done
	mgr logs "$id" | grep -q ready
	run timeout --kill-after=2 30 "$MGR" --root-dir "$R" exec -u nobody "$id" true </dev/null 3>&-
	echo "exit $status: $output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"/etc/passwd in rootfs: a FIFO"* ]]
	# exec without -u is untouched
	run mgr exec "$id" echo fine
	[ "$output" = fine ]
}

@test "hostname: a container's bloated /etc/hostname is not read whole into its hosts file" {
	# 8 MiB on one line, then a start that rewrites /etc/hosts from it
	id=$(run_detached --name bloat "$BB" sh -c 'head -c 8388608 /dev/zero | tr "\0" h >/etc/hostname && echo written; sleep 60')
	for _ in $(seq 100); do mgr logs bloat | grep -q written && break; sleep 0.1; done
	mgr logs bloat | grep -q written
	[ "$(stat -c %s "$R/$id/hostname")" -eq 8388608 ]
	mgr stop -t 1 bloat >/dev/null
	mgr start bloat >/dev/null
	run mgr exec bloat sh -c 'wc -c </etc/hosts; grep -c hhhhhhhh /etc/hosts'
	echo "$output"
	[ "${lines[0]}" -lt 65536 ]
	[ "${lines[1]}" = 0 ]
	# the container's own address still has a name
	mgr exec bloat grep -q localhost /etc/hosts
}

@test "volumes: filled from the image, they keep the directory's owner, group and mode" {
	mgr pull -q "$REG/voldir" >/dev/null
	# anonymous (the image's VOLUME)
	run mgr run -i --name anon "$REG/voldir" sh -c 'stat -c "%u:%g %a" /data; cat /data/PG_VERSION'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1234:5678 700" ]
	[ "${lines[1]}" = 15 ]
	anon=$(mgr volume ls -q)
	[ "$(stat -c '%u:%g %a' "$R/volumes/$anon/_data")" = "1234:5678 700" ]
	# named, made by the run
	run mgr run -i --rm -v pgdata:/data "$REG/voldir" stat -c "%u:%g %a" /data
	[ "$output" = "1234:5678 700" ]
	# named, made empty beforehand: filled the same way
	mgr volume create early >/dev/null
	run mgr run -i --rm -v early:/data "$REG/voldir" stat -c "%u:%g %a" /data/. /data/PG_VERSION
	[ "${lines[0]}" = "1234:5678 700" ]
	[ "${lines[1]}" = "1234:5678 644" ]
	# a volume that holds data already is left as it is
	mgr volume create kept >/dev/null
	echo mine >"$R/volumes/kept/_data/own"
	run mgr run -i --rm -v kept:/data "$REG/voldir" stat -c "%u:%g %a" /data
	[ "$output" = "0:0 755" ]
	[ ! -e "$R/volumes/kept/_data/PG_VERSION" ]
}

@test "-P: ExposedPorts keys that name host addresses or ports are refused, naming the key" {
	for i in exposed-addr exposed-hostport exposed-ok; do mgr pull -q "$REG/$i" >/dev/null; done
	run mgr run -d -P "$REG/exposed-addr" sleep 30
	[ "$status" -eq 125 ]
	[[ "$output" == *'-P: the image'\''s ExposedPorts key "127.0.0.1:22:80/tcp": expected PORT[/PROTO]'* ]]
	run mgr run -d -P "$REG/exposed-hostport" sleep 30
	[ "$status" -eq 125 ]
	[[ "$output" == *'ExposedPorts key "0.0.0.0:2222:22"'* ]]
	[ -z "$(mgr ps -aq)" ]
	# without -P the keys are not used
	run mgr run -i --rm "$REG/exposed-addr" echo ran
	[ "$output" = ran ]
	# good keys publish on random host ports of every address
	id=$(run_detached -P "$REG/exposed-ok" sleep 30)
	run mgr port "$id"
	echo "$output"
	[[ "$output" == *"80/tcp -> 0.0.0.0:"* ]]
	[[ "$output" == *"53/udp -> 0.0.0.0:"* ]]
	[[ "$output" != *"2222"* ]]
}

@test "layers: one that inflates past CUBO_MAX_LAYER_SIZE is refused, naming it and the limit" {
	layer=$(skopeo inspect --tls-verify=false "docker://$REG/bomb" | jq -r '.Layers[-1]')
	[ "$(skopeo inspect --raw --tls-verify=false "docker://$REG/bomb" | jq '.layers[-1].size')" -lt 1048576 ]
	CUBO_MAX_LAYER_SIZE=16m run mgr pull -q "$REG/bomb"
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"layer $layer: more than 16777216 bytes uncompressed, the limit (CUBO_MAX_LAYER_SIZE)"* ]]
	# nothing of it stays: no image, no layer directory, no temp left filling the disk
	[ -z "$(mgr images -q "$REG/bomb")" ]
	[ "$(du -sm "$R/layers" | cut -f1)" -lt 16 ]
	# a bad setting is named
	CUBO_MAX_LAYER_SIZE=lots run mgr pull -q "$REG/bomb"
	[ "$status" -eq 125 ]
	[[ "$output" == *'CUBO_MAX_LAYER_SIZE: invalid size "lots"'* ]]
	# under the default limit the same image is pulled
	run mgr pull -q "$REG/bomb"
	[ "$status" -eq 0 ]
	run mgr run -i --rm "$REG/bomb" stat -c %s /zeros
	[ "$output" = 67108864 ]
}

@test "seccomp: the default profile refuses io_uring with EPERM, as docker's" {
	command -v gcc >/dev/null || skip "gcc is needed to build the probe"
	mkdir "$BATS_TEST_TMPDIR/probe"
	cat >"$BATS_TEST_TMPDIR/uring.c" <<-'EOF'
		#define _GNU_SOURCE
		#include <errno.h>
		#include <stdio.h>
		#include <string.h>
		#include <sys/syscall.h>
		#include <unistd.h>
		#ifndef SYS_io_uring_setup
		#define SYS_io_uring_setup 425
		#define SYS_io_uring_enter 426
		#define SYS_io_uring_register 427
		#endif
		static const char *res(long r) { return r >= 0 ? "ok" : strerrorname_np(errno); }
		int main(void)
		{
			char params[120] = {0}; /* struct io_uring_params */
			long s = syscall(SYS_io_uring_setup, 1, params);
			printf("setup=%s", res(s));
			printf(" enter=%s", res(syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0)));
			printf(" register=%s\n", res(syscall(SYS_io_uring_register, -1, 0, NULL, 0)));
			return 0;
		}
	EOF
	gcc -static -O2 -Wall -Werror -o "$BATS_TEST_TMPDIR/probe/uring" "$BATS_TEST_TMPDIR/uring.c"
	run mgr run -i --rm -v "$BATS_TEST_TMPDIR/probe:/probe:ro" "$BB" /probe/uring
	[ "$status" -eq 0 ]
	[ "$output" = "setup=EPERM enter=EPERM register=EPERM" ]
	# capabilities do not open it either (ALL cannot run here: no CAP_SYS_RESOURCE on this host)
	run mgr run -i --rm --cap-add SYS_ADMIN --cap-add SYS_PTRACE --cap-add SYS_NICE \
		-v "$BATS_TEST_TMPDIR/probe:/probe:ro" "$BB" /probe/uring
	[ "$status" -eq 0 ]
	[ "$output" = "setup=EPERM enter=EPERM register=EPERM" ]
	# the kernel has io_uring: it is the profile that refuses it
	[ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ] || return 0
	run mgr run -i --rm --security-opt seccomp=unconfined -v "$BATS_TEST_TMPDIR/probe:/probe:ro" "$BB" /probe/uring
	[[ "$output" == "setup=ok enter=EBADF register="* ]]
}

@test "flags: values with a newline are refused with the flag named, nothing is made" {
	local nl=$'\n'
	run mgr run -i --rm --hostname "box${nl}10.0.0.1 bank" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--hostname "box\x0a...": a newline or other control character is not allowed'* ]]
	run mgr run -i --rm --add-host "evil${nl}10.0.0.1 bank:1.2.3.4" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--add-host"*"invalid host name"* ]]
	run mgr run -i --rm --label "a=b${nl}c" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--label "a=b\x0a...": a newline'* ]]
	run mgr run -i --rm --dns-search "corp${nl}nameserver 6.6.6.6" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *'--dns-search "corp\x0a...'* ]]
	run mgr run -i --rm --dns "1.1.1.1${nl}nameserver 6.6.6.6" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--dns"*"not an IP address"* ]]
	run mgr run -i --rm -e "A${nl}B=1" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid variable name"* ]]
	# checked before the network is looked up
	run mgr run -i --rm --network hostilenet --network-alias "web${nl}bank" "$BB" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--network-alias: invalid container name"* ]]
	run mgr volume create -l "a=b${nl}c" vol
	[ "$status" -eq 125 ]
	[[ "$output" == *'--label "a=b\x0a...'* ]]
	mkdir -p "$BATS_TEST_TMPDIR/ctx"
	printf 'FROM %s\n' "$BB" >"$BATS_TEST_TMPDIR/ctx/Cubofile"
	run mgr build --label "a=b${nl}c" -t labelled "$BATS_TEST_TMPDIR/ctx"
	[ "$status" -eq 125 ]
	[[ "$output" == *'--label "a=b\x0a...'* ]]
	refute mgr inspect --type image labelled >/dev/null 2>&1
	[ -z "$(mgr ps -aq)" ]
	[ -z "$(mgr volume ls -q)" ]
	# the same values on one line work, and land in the files
	run mgr run -i --rm --hostname box --add-host bank:10.0.0.1 --dns-search corp.example \
		--network none "$BB" sh -c 'cat /etc/hostname; grep bank /etc/hosts; grep ^search /etc/resolv.conf'
	[ "${lines[0]}" = box ]
	[[ "${lines[1]}" == "10.0.0.1"*bank ]]
	[ "${lines[2]}" = "search corp.example" ]
}
