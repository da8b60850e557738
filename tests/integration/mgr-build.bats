#!/usr/bin/env bats
# cubo-mgr build: both Cubofile dialects and both Cubofile.toml dialects
# built into images and checked by running them; multi-stage builds, the
# cache, .cuboignore, ADD of archives, and every error a build file can
# make. The base is the host's busybox-static, imported into each test's
# own root (one test pulls it from Debian's docker-registry on 127.0.0.1).
# RUN steps run through $RUNTIME (cubo-runc).
#
# The network of RUN steps: a namespace of the build's own on the default
# bridge, isolated from the host's loopback services and interfaces, and
# released however the build ends; --network none and host. Traffic goes
# only to 127.0.0.1 (a server this file starts) and every wait is bounded.

load helpers
load mgr-helpers

setup_file() {
	BUILD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cubo-build.XXXXXX")
	export BUILD_DIR
	busybox_tar "$BUILD_DIR"
}

teardown_file() {
	[ -n "${BUILD_DIR:-}" ] || return 0
	[ -f "$BUILD_DIR/reg/env" ] && "$FIXTURES_DIR/registry.sh" stop "$BUILD_DIR/reg"
	rm -rf --one-file-system "$BUILD_DIR"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	R=$BATS_TEST_TMPDIR/root
	C=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$C"
	export CUBO_RUNTIME=$RUNTIME
	mgr import "$BUILD_DIR/busybox.tar" busybox:latest >/dev/null
}

teardown() {
	[ -n "${HTTPD:-}" ] && kill "$HTTPD" 2>/dev/null
	[ -n "${SOCK_PID:-}" ] && kill "$SOCK_PID" 2>/dev/null
	[ -n "${LINK:-}" ] && ip link del "$LINK" 2>/dev/null
	[ -n "${BUILD_PID:-}" ] && kill -9 "$BUILD_PID" 2>/dev/null
	[ -n "${NET:-}" ] && mgr network rm "$NET" >/dev/null 2>&1
	[ -n "${R:-}" ] && [ -d "$R" ] || return 0
	kill_root_leftovers
	kill_build_steps
	remove_root
}

# The RUN containers this root's builds left running (a failed test, a
# killed build): killed in their cgroups, found by the IDs in the builds'
# step directories. Other roots' builds, other test runs', are left alone.
kill_build_steps() {
	local f d
	for f in "$R"/build/*/step-*/container-id; do
		[ -f "$f" ] || continue
		for d in $(find /sys/fs/cgroup -maxdepth 8 -type d -name "cubo-$(cat "$f")" 2>/dev/null); do
			xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null || true
		done
	done
}

# The image's config as JSON.
image_config() {
	mgr inspect --type image "$1" | jq '.[0].Config // .[0].config'
}

# The image's layer count.
layer_count() {
	skopeo inspect --config "oci:$R/images:$1" | jq '.rootfs.diff_ids | length'
}

@test "build: the BASE dialect with a shell-form CMD, run" {
	echo 'print("hi")' >"$C/app.py"
	cat >"$C/Cubofile" <<-'X'
		BASE busybox:latest
		RUN mkdir -p /app && echo made > /app/made
		COPY app.py /app/
		ENV APP_ENV=production
		WORKDIR /app
		EXPOSE 8080/tcp
		CMD cat /app/app.py /app/made; echo "$APP_ENV in $(pwd)"
	X
	run mgr build -t basedialect "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"STEP 1/7: BASE busybox:latest"* ]]
	[[ "$output" == *"STEP 7/7: CMD"* ]]
	run mgr run --rm -i basedialect
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'print("hi")' ]
	[ "${lines[1]}" = made ]
	[ "${lines[2]}" = "production in /app" ]
	run mgr inspect basedialect
	[[ "$output" == *'"8080/tcp"'* ]]
	[[ "$output" == *'"WorkingDir": "/app"'* ]]
}

@test "build: the FROM dialect with a JSON CMD, ENTRYPOINT, USER, LABEL, ARG" {
	cat >"$C/Cubofile" <<-'X'
		# a comment
		ARG BASE=busybox
		FROM ${BASE}:latest
		ARG GREETING=hello
		ARG WHO
		ENV GREETING=$GREETING WHO_AT_BUILD=${WHO:-nobody}
		ENV LEGACY a value with spaces
		LABEL org.example.team="build team" version=1
		RUN echo "$GREETING $WHO" > /greeting \
		    # a comment inside a continuation
		    && echo "app:x:1234:1234::/:/bin/sh" >> /etc/passwd
		USER app
		ENTRYPOINT ["/bin/sh", "-c"]
		CMD ["echo $GREETING $WHO_AT_BUILD $(id -u) $LEGACY; cat /greeting"]
	X
	run mgr build --build-arg WHO=world -t fromdialect "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i fromdialect
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hello world 1234 a value with spaces" ]
	[ "${lines[1]}" = "hello world" ]
	run mgr inspect fromdialect
	[[ "$output" == *'"org.example.team": "build team"'* ]]
	# a build arg is not kept in the image's environment
	[[ "$output" != *'"WHO=world"'* ]]
}

@test "build: a RUN that deletes a base file leaves a whiteout that hides it" {
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		RUN rm /bin/vi && rm -rf /home && mkdir -p /home/new
		CMD ["/bin/sh", "-c", "ls /bin/vi; ls /home"]
	X
	run mgr build -q -t deleted "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i deleted
	[[ "$output" == *"/bin/vi: No such file or directory"* ]]
	[[ "$output" == *"new"* ]]
	# umoci reads the layers and applies the whiteouts the same way
	umoci unpack --image "$R/images:docker.io/library/deleted:latest" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ ! -e "$BATS_TEST_TMPDIR/u/rootfs/bin/vi" ]
	[ -d "$BATS_TEST_TMPDIR/u/rootfs/home/new" ]
	[ -e "$BATS_TEST_TMPDIR/u/rootfs/bin/sh" ]
}

@test "build: ADD copies files and unpacks local archives" {
	mkdir -p "$C/tree/sub"
	echo one >"$C/tree/sub/one"
	tar -C "$C/tree" -czf "$C/tree.tar.gz" .
	echo plain >"$C/plain.txt"
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		ADD tree.tar.gz /unpacked/
		ADD --chmod=0600 plain.txt /plain.txt
		CMD ["/bin/sh", "-c", "cat /unpacked/sub/one /plain.txt; stat -c %a /plain.txt"]
	X
	run mgr build -q -t added "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i added
	[ "$output" = "$(printf 'one\nplain\n600')" ]
}

@test "build: multi-stage, COPY --from, only the last stage is kept" {
	cat >"$C/Cubofile" <<-'X'
		FROM busybox AS builder
		RUN mkdir /out && echo compiled > /out/artifact && echo junk > /junk
		FROM busybox
		COPY --from=builder /out/artifact /usr/local/bin/artifact
		CMD ["/bin/sh", "-c", "cat /usr/local/bin/artifact; ls /junk 2>&1"]
	X
	run mgr build -t multi "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i multi
	[ "${lines[0]}" = compiled ]
	[[ "${lines[1]}" == *"No such file"* ]]
	# the base's layer and the COPY's: the builder stage's RUN is not in it
	[ "$(layer_count docker.io/library/multi:latest)" = 2 ]
	# --from an image, and a .dockerignore where there is no .cuboignore
	echo x >"$C/skipped"
	echo skipped >"$C/.dockerignore"
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		COPY --from=multi /usr/local/bin/artifact /artifact
		COPY . /ctx/
		CMD ["/bin/sh", "-c", "cat /artifact; ls /ctx"]
	X
	run mgr build -t fromimage "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i fromimage
	[ "${lines[0]}" = compiled ]
	[[ "$output" != *skipped* ]]
	build_fails 'COPY --from=127.0.0.1:1/nosuch:1 (no earlier stage has that name): FROM 127.0.0.1:1/nosuch:1' \
		-t bad -f /dev/stdin "$C" <<<'FROM busybox
COPY --from=127.0.0.1:1/nosuch:1 /x /x'
}

@test "build: Cubofile.toml, the [[run]] dialect" {
	echo 'print("toml")' >"$C/app.py"
	cat >"$C/Cubofile.toml" <<-'X'
		[image]
		base = "busybox:latest"

		[[run]]
		command = "mkdir -p /app && echo ran > /app/ran"

		[config]
		workdir = "/app"
		cmd = ["/bin/sh", "-c", "cat ran; echo $APP_ENV; pwd"]
		expose = ["8080/tcp"]

		[config.env]
		APP_ENV = "production"
	X
	run mgr build -t tomla "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i tomla
	[ "$output" = "$(printf 'ran\nproduction\n/app')" ]
	run mgr inspect tomla
	[[ "$output" == *'"8080/tcp"'* ]]
}

@test "build: Cubofile.toml, the [[config.run]] dialect with copy and [config.cmd]" {
	echo 'print("b")' >"$C/app.py"
	cat >"$C/Cubofile.toml" <<-'X'
		[image]
		base = "busybox:latest"

		[[config.run]]
		command = "mkdir -p /app"

		[[config.copy]]
		source = "app.py"
		destination = "/app/app.py"

		[config.cmd]
		command = ["cat", "/app/app.py"]
	X
	run mgr build -t tomlb "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i tomlb
	[ "$output" = 'print("b")' ]
}

@test "build: ONBUILD triggers run in the child build, in order, and not in the grandchild" {
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		onbuild COPY app.txt /app/
		ONBUILD RUN echo "built from $(cat /app/app.txt)" > /app/built
		ONBUILD ENV CHILD=yes
		CMD ["cat", "/app/built"]
	X
	run mgr build -t parent "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_config parent | jq -c .OnBuild)" = \
		'["COPY app.txt /app/","RUN echo \"built from $(cat /app/app.txt)\" > /app/built","ENV CHILD=yes"]' ]
	# the parent ran none of them
	run mgr run --rm -i parent ls /app
	[ "$status" -ne 0 ]
	# the child: the triggers first, then its own steps; its image has no OnBuild
	mkdir "$BATS_TEST_TMPDIR/child"
	echo v1 >"$BATS_TEST_TMPDIR/child/app.txt"
	printf 'FROM parent\nRUN cat /app/built > /app/seen && echo "$CHILD" >> /app/seen\nCMD ["cat", "/app/seen"]\n' \
		>"$BATS_TEST_TMPDIR/child/Cubofile"
	run mgr build -t child "$BATS_TEST_TMPDIR/child"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"Executing 3 build triggers"* ]]
	run mgr run --rm -i child
	[ "$output" = "built from v1
yes" ]
	[ "$(image_config child | jq -c .OnBuild)" = null ]
	# the grandchild has no app.txt: a COPY trigger run again would fail it
	mkdir "$BATS_TEST_TMPDIR/grandchild"
	printf 'FROM child\nRUN test ! -e /app/again\n' >"$BATS_TEST_TMPDIR/grandchild/Cubofile"
	run mgr build -t grandchild "$BATS_TEST_TMPDIR/grandchild"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"build trigger"* ]]
	# a trigger that fails fails the child, naming the FROM and the trigger
	rm "$BATS_TEST_TMPDIR/child/app.txt"
	build_fails 'FROM parent: ONBUILD trigger 1' -t child2 "$BATS_TEST_TMPDIR/child"
	# Cubofile.toml's onbuild: the same list
	rm "$C/Cubofile"
	cat >"$C/Cubofile.toml" <<-'X'
		[image]
		base = "busybox"
		[config]
		onbuild = ["COPY app.txt /app/", "RUN true"]
	X
	run mgr build -t tomlparent "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_config tomlparent | jq -c .OnBuild)" = '["COPY app.txt /app/","RUN true"]' ]
	# docker's refusals, with file and line
	build_fails '/dev/stdin:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn'"'"'t allowed' \
		-t bad -f /dev/stdin "$C" <<<'FROM busybox
ONBUILD ONBUILD RUN true'
	build_fails "/dev/stdin:3: FROM isn't allowed as an ONBUILD trigger" -t bad -f /dev/stdin "$C" <<<'FROM busybox
RUN true
ONBUILD FROM busybox'
	build_fails "/dev/stdin:2: MAINTAINER isn't allowed as an ONBUILD trigger" -t bad -f /dev/stdin "$C" <<<'FROM busybox
ONBUILD MAINTAINER me'
}

@test "build: an unchanged rebuild is all cache, a changed source is not" {
	echo v1 >"$C/file"
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		RUN mkdir /data && echo step > /data/step
		COPY file /data/file
		ENV A=b
		WORKDIR /data
		RUN ls > /data/listing
		CMD ["cat", "/data/file"]
	X
	run mgr build -t cached "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"Using cache"* ]]
	first=${lines[-1]}
	run mgr build -t cached "$C"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Using cache' <<<"$output")" = 6 ]
	[ "${lines[-1]}" = "$first" ]
	# a new content of the copied file: the RUN before it stays cached
	echo v2 >"$C/file"
	run mgr build -t cached "$C"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Using cache' <<<"$output")" = 1 ]
	[ "${lines[-1]}" != "$first" ]
	run mgr run --rm -i cached
	[ "$output" = v2 ]
	# --no-cache runs every step
	run mgr build --no-cache -t cached "$C"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Using cache"* ]]
}

@test "build: --compress zstd layers, --target keeps an earlier stage" {
	cat >"$C/Cubofile" <<-'X'
		FROM busybox AS first
		RUN echo first > /stage
		FROM busybox
		RUN echo second > /stage
		CMD ["cat", "/stage"]
	X
	run mgr build --compress zstd -t zstd "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i zstd
	[ "$output" = second ]
	skopeo inspect --raw "oci:$R/images:docker.io/library/zstd:latest" >"$BATS_TEST_TMPDIR/m.json"
	[ "$(jq -r '.layers[-1].mediaType' "$BATS_TEST_TMPDIR/m.json")" = \
		application/vnd.oci.image.layer.v1.tar+zstd ]
	run mgr image build -q --target first -t first "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i first cat /stage
	[ "$output" = first ]
	build_fails '--target nosuch: no stage has that name' --target nosuch -t bad "$C"
}

@test "build: docker's automatic platform ARGs, --label and --iidfile" {
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		ARG TARGETARCH
		ARG TARGETPLATFORM
		RUN echo "$TARGETARCH $TARGETPLATFORM" > /arch
		CMD ["cat", "/arch"]
	X
	run mgr build -q --label 'org.example.note=costs $5' --label bare \
		--iidfile "$BATS_TEST_TMPDIR/iid" -t plat "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/iid")" = "sha256:$output" ]
	run mgr run --rm -i plat
	local arch
	arch=$(dpkg --print-architecture)
	[ "$output" = "$arch linux/$arch" ]
	run image_config plat
	[[ "$output" == *'"org.example.note": "costs $5"'* ]]
	[[ "$output" == *'"bare": ""'* ]]
	run mgr build --label '=x' -t bad "$C"
	[ "$status" -eq 125 ]
	[[ "$output" == *'--label "=x": expected KEY[=VALUE]'* ]]
}

@test "build: RUN heredocs, as a script and as a command's input" {
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		RUN <<EOF
		mkdir -p /app
		echo "script line" > /app/out
		EOF
		RUN cat <<'END' >> /app/out
		literal $HOME
		END
		CMD ["cat", "/app/out"]
	X
	run mgr build -q -t heredoc "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i heredoc
	[ "$output" = "$(printf 'script line\nliteral $HOME')" ]
}

@test "build: .cuboignore keeps files out of the context" {
	mkdir -p "$C/src" "$C/build"
	echo keep >"$C/src/keep.c"
	echo obj >"$C/src/keep.o"
	echo secret >"$C/secret.env"
	echo out >"$C/build/out"
	printf '# not for the image\n*.env\n**/*.o\nbuild\n' >"$C/.cuboignore"
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		COPY . /ctx/
		CMD ["/bin/sh", "-c", "cd /ctx && find . -type f | sort"]
	X
	run mgr build -q -t ignored "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i ignored
	[ "$output" = "$(printf './.cuboignore\n./Cubofile\n./src/keep.c')" ]
}

@test "build: -q prints only the ID; without -t the image is named after the directory" {
	mkdir -p "$BATS_TEST_TMPDIR/MyApp"
	printf 'FROM busybox\nCMD ["true"]\n' >"$BATS_TEST_TMPDIR/MyApp/Cubofile"
	run mgr build -q "$BATS_TEST_TMPDIR/MyApp"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" = 1 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	run mgr images --format json
	[[ "$output" == *myapp* ]]
	# -f - reads the Cubofile from stdin
	printf 'FROM busybox\nCMD ["echo", "from stdin"]\n' | mgr build -q -f - -t fromstdin "$C"
	run mgr run --rm -i fromstdin
	[ "$output" = "from stdin" ]
	printf 'FROM busybox\nBOGUS x\n' >"$BATS_TEST_TMPDIR/bad"
	run mgr build -f - -t bad "$C" <"$BATS_TEST_TMPDIR/bad"
	[ "$status" -eq 125 ]
	[[ "$output" == *'Cubofile:2: unknown instruction "BOGUS"'* ]]
}

@test "build: a missing base is pulled from the registry" {
	command -v docker-registry >/dev/null || skip "docker-registry is needed"
	"$FIXTURES_DIR/registry.sh" start "$BUILD_DIR/reg" >/dev/null
	local reg
	reg=$(sed -n 's/^REGISTRY=//p' "$BUILD_DIR/reg/env")
	skopeo copy -q --dest-tls-verify=false "oci:$R/images:docker.io/library/busybox:latest" \
		"docker://$reg/bb:1" >/dev/null
	printf 'FROM %s/bb:1\nRUN echo pulled > /p\nCMD ["cat", "/p"]\n' "$reg" >"$C/Cubofile"
	run mgr build -t pulledbase "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run mgr run --rm -i pulledbase
	[ "$output" = pulled ]
	# the built image goes back to the registry, and saves as an archive
	run mgr push --tls-verify=false pulledbase "$reg/built:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run skopeo inspect --tls-verify=false --config "docker://$reg/built:1"
	[ "$status" -eq 0 ]
	echo "$output"; [[ "$output" == *'RUN echo pulled'* ]]
	run mgr save -o "$BATS_TEST_TMPDIR/built.tar" pulledbase
	[ "$status" -eq 0 ]
	run skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/built.tar"
	[ "$status" -eq 0 ]
}

# Every failing build: exit 125, the message, and the store as it was.
build_fails() {
	local want=$1
	shift
	local before after
	before=$(mgr images -q --no-trunc | sort)
	run mgr build "$@"
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$want"* ]]
	after=$(mgr images -q --no-trunc | sort)
	[ "$before" = "$after" ]
	builds_settled
}

@test "build errors: an unknown instruction, with file and line" {
	printf 'FROM busybox\n\nRUNN echo\n' >"$C/Cubofile"
	build_fails 'Cubofile:3: unknown instruction "RUNN"' -t bad "$C"
}

@test "build errors: a missing base" {
	printf 'RUN echo\n' >"$C/Cubofile"
	build_fails 'Cubofile:1:' -t bad "$C"
	printf '[config]\nworkdir = "/x"\n' >"$C/Cubofile.toml"
	build_fails 'Cubofile.toml' -t bad "$C"
	rm "$C/Cubofile.toml"
	printf 'FROM 127.0.0.1:1/nosuch:1\n' >"$C/Cubofile"
	build_fails 'Cubofile:1: FROM 127.0.0.1:1/nosuch:1' -t bad "$C"
}

@test "build errors: a COPY source outside the context" {
	echo x >"$BATS_TEST_TMPDIR/outside"
	printf 'FROM busybox\nCOPY ../outside /x\n' >"$C/Cubofile"
	build_fails 'Cubofile:2: COPY: source "../outside"' -t bad "$C"
	# a symlink out of the context is resolved inside it
	ln -s "$BATS_TEST_TMPDIR/outside" "$C/link"
	printf 'FROM busybox\nCOPY link /x\n' >"$C/Cubofile"
	build_fails 'source "link": no such file' -t bad "$C"
	printf 'FROM busybox\nCOPY nothere /x\n' >"$C/Cubofile"
	build_fails 'Cubofile:2: COPY: source "nothere"' -t bad "$C"
}

@test "build errors: bad TOML gives line and column" {
	printf '[image]\nbase = "busybox\n' >"$C/Cubofile.toml"
	build_fails 'Cubofile.toml:2:' -t bad "$C"
}

@test "build errors: a failing RUN names the step and its exit code" {
	printf 'FROM busybox\nRUN echo partial > /p && exit 3\n' >"$C/Cubofile"
	build_fails 'Cubofile:2: the command /bin/sh -c' -t bad "$C"
	[[ "$output" == *"non-zero code: 3"* ]]
}

@test "build: a build killed mid-RUN leaves the store usable and is cleaned up" {
	printf 'FROM busybox\nRUN sleep 30\n' >"$C/Cubofile"
	"$MGR" --root-dir "$R" build -t killed "$C" >/dev/null 2>&1 &
	local pid=$! i
	for i in $(seq 50); do
		[ -n "$(ls -A "$R/build" 2>/dev/null)" ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -9 "$pid"
	wait "$pid" || true
	kill_build_steps
	run mgr images
	[[ "$output" != *killed* ]]
	printf 'FROM busybox\nCMD ["true"]\n' >"$C/Cubofile"
	run mgr build -q -t after "$C"
	[ "$status" -eq 0 ]
	# the killed build's keeper removes its directory once it released its
	# network, in the background (the next build skips it while it is held)
	builds_settled
}

# ---- the network of RUN steps ----

need_cni() {
	[ -x /usr/lib/cni/bridge ] || [ -n "${CUBO_CNI_PATH:-}" ] ||
		skip "the CNI plugins are needed (containernetworking-plugins)"
	command -v iptables-save >/dev/null || skip "iptables is needed"
}

# A file of a built image (read without a network of its own: cheaper).
image_file() {
	mgr run --rm -i --network none "$1" cat "$2"
}

# The nat and filter rules, without counters.
rules() {
	{ iptables-save -t nat && iptables-save -t filter; } | grep -v '^[#:]' | sort
}

# The default network's own rules, ensured as any container on it does,
# so that what a build adds can be told apart.
warm_bridge() {
	run mgr run --rm -i busybox true
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rules >"$BATS_TEST_TMPDIR/rules.before"
}

# assert_build_released ID IP VETH_INDEX: nothing of the build's network
# (named ID, "build-<work dir>" or a prefix) is left on the host.
assert_build_released() {
	local id=$1 ip=$2 idx=$3
	# the keeper releases the network after the build returned
	builds_settled
	[ -z "$(find /run/netns -maxdepth 1 -name "cubo-$id*" 2>/dev/null)" ]
	[ -z "$(find "$R" -path '*/netns/*' 2>/dev/null)" ]
	# (no "! cmd": bats does not fail a test on it)
	if [ -n "$idx" ]; then
		[ -z "$(ip -o link show | grep "^$idx:")" ]
	fi
	[ -z "$(grep -rlsF "$id" /run/cubo/ipam "$R/networks/ipam")" ]
	[ -z "$ip" ] || [ ! -e "/run/cubo/ipam/cubo/$ip" ]
	rules >"$BATS_TEST_TMPDIR/rules.after"
	local pattern="$id"
	[ -z "$ip" ] || pattern+="|(^|[^0-9])${ip//./\\.}([^0-9]|$)"
	[ -z "$(comm -13 "$BATS_TEST_TMPDIR/rules.before" "$BATS_TEST_TMPDIR/rules.after" |
		grep -E -- "$pattern")" ]
}

@test "build: RUN steps share one namespace of the build's on the bridge, released at the end" {
	need_cni
	warm_bridge
	cni_logging
	local host_ns ns1 ns2 ip idx hn layer
	host_ns=$(readlink /proc/self/ns/net)
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		RUN readlink /proc/self/ns/net > /ns1 && cat /sys/class/net/eth0/address > /mac1 && \
		    cat /sys/class/net/eth0/iflink > /iflink && ls /sys/class/net > /ifs && \
		    ip -4 -o addr show eth0 | awk '{print $4}' > /addr && hostname > /hn && \
		    cat /etc/hosts > /hosts.seen && cat /etc/resolv.conf > /resolv.seen
		RUN readlink /proc/self/ns/net > /ns2 && cat /sys/class/net/eth0/address > /mac2
	X
	run mgr build -q -t bridged "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the bridge attached in process: no plugin ran (one namespace for both steps: below)
	[ ! -s "$BATS_TEST_TMPDIR/cni.log" ]
	# a rebuild taken whole from the cache needs no network
	: >"$BATS_TEST_TMPDIR/cni.log"
	run mgr build -q -t bridged "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -s "$BATS_TEST_TMPDIR/cni.log" ]
	ns1=$(image_file bridged /ns1)
	ns2=$(image_file bridged /ns2)
	# a namespace of its own, the same for both steps (and the same veth)
	[[ $ns1 == net:\[* ]]
	[ "$ns1" != "$host_ns" ]
	[ "$ns1" = "$ns2" ]
	[ "$(image_file bridged /mac1)" = "$(image_file bridged /mac2)" ]
	[ "$(image_file bridged /ifs | tr '\n' ' ')" = "eth0 lo " ]
	ip=$(image_file bridged /addr)
	[[ $ip == 10.87.* ]]
	ip=${ip%/*}
	hn=$(image_file bridged /hn)
	[[ $hn == build-* ]]
	idx=$(image_file bridged /iflink)
	# the image has neither file: /etc/hosts names the build's address,
	# resolv.conf is the host's less loopback, as `run` makes them
	image_file bridged /hosts.seen | grep -qE "^${ip//./\\.}[[:space:]]+$hn( |$)"
	image_file bridged /hosts.seen | grep -q '^127.0.0.1[[:space:]]localhost'
	local resolv ns
	resolv=$(image_file bridged /resolv.seen)
	[ -z "$(grep -E '^nameserver +(127\.|::1)' <<<"$resolv")" ]
	for ns in $(awk '$1 == "nameserver" && $2 !~ /^(127\.|::1$)/ {print $2}' /etc/resolv.conf); do
		grep -qx "nameserver $ns" <<<"$resolv"
	done
	# their mount points are not in the two RUN layers
	local layers n=0
	layers=$(skopeo inspect --raw "oci:$R/images:docker.io/library/bridged:latest" |
		jq -r '.layers[-2:][].digest')
	for layer in $layers; do
		tar -tzf "$R/images/blobs/sha256/${layer#sha256:}" >"$BATS_TEST_TMPDIR/files"
		grep -qx ns1 "$BATS_TEST_TMPDIR/files" || grep -qx ns2 "$BATS_TEST_TMPDIR/files"
		[ -z "$(grep 'etc/' "$BATS_TEST_TMPDIR/files")" ]
		n=$((n + 1))
	done
	[ "$n" = 2 ]
	assert_build_released "$hn" "$ip" "$idx"
	# through the plugins (CUBO_NET_CNI=1): set up once for the build, and released
	run env CUBO_NET_CNI=1 "$MGR" --root-dir "$R" build -q --no-cache -t bridged2 "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -c '^bridge ADD build-' "$BATS_TEST_TMPDIR/cni.log")" = 1 ]
	ip=$(image_file bridged2 /addr)
	assert_build_released "$(image_file bridged2 /hn)" "${ip%/*}" "$(image_file bridged2 /iflink)"
	[ "$(grep -c '^bridge DEL build-' "$BATS_TEST_TMPDIR/cni.log")" = 1 ]
}

@test "build: RUN steps reach neither the host's 127.0.0.1 services, interfaces nor abstract sockets, unless --network host" {
	need_cni
	command -v python3 >/dev/null || skip "python3 is needed (an abstract socket)"
	local port token i host_ns
	host_ns=$(readlink /proc/self/ns/net)
	port=$(free_port)
	token=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo "$token" >"$BATS_TEST_TMPDIR/www/token"
	busybox httpd -f -p "127.0.0.1:$port" -h "$BATS_TEST_TMPDIR/www" &
	HTTPD=$!
	# an interface only the host has
	LINK=cbv$$
	ip link add "$LINK" type veth peer name "${LINK}p"
	# an abstract unix socket only the host has (they are per network namespace)
	local sock=cubo-test-$token
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + sys.argv[1])
s.listen(1)
time.sleep(120)' "$sock" &
	SOCK_PID=$!
	for ((i = 0; i < 20; i++)); do
		curl -fsS -m 1 "http://127.0.0.1:$port/token" >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ "$(curl -fsS -m 2 "http://127.0.0.1:$port/token")" = "$token" ]
	for ((i = 0; i < 20; i++)); do
		grep -q "@$sock" /proc/net/unix && break
		sleep 0.1
	done
	grep -q "@$sock" /proc/net/unix
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		ARG PORT
		RUN (timeout 5 wget -q -O - http://127.0.0.1:$PORT/token || echo unreachable) > /probe; \
		    ls /sys/class/net > /ifs; readlink /proc/self/ns/net > /ns; \
		    grep -o '@cubo-test-.*' /proc/net/unix > /abstract; true
	X
	run mgr build --no-cache -q --build-arg "PORT=$port" -t isolated "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_file isolated /probe)" = unreachable ]
	local ifs abstract
	ifs=$(image_file isolated /ifs)
	abstract=$(image_file isolated /abstract)
	[ -n "$ifs" ]
	[ -z "$(grep -x "$LINK" <<<"$ifs")" ]
	[ -z "$(grep -x "@$sock" <<<"$abstract")" ]
	[ "$(image_file isolated /ns)" != "$host_ns" ]
	# the same file with the host's network: the probe can succeed
	run mgr build --no-cache -q --network host --build-arg "PORT=$port" -t hostnet "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_file hostnet /probe)" = "$token" ]
	image_file hostnet /ifs | grep -qx "$LINK"
	image_file hostnet /abstract | grep -qx "@$sock"
	[ "$(image_file hostnet /ns)" = "$host_ns" ]
}

@test "build --network none: every RUN step has a namespace of its own with only lo" {
	local host_ns
	host_ns=$(readlink /proc/self/ns/net)
	cat >"$C/Cubofile" <<-'X'
		FROM busybox
		RUN ls /sys/class/net > /ifs1 && readlink /proc/self/ns/net > /ns1 && \
		    (timeout 5 wget -q -O - http://10.87.0.1/ || echo unreachable) > /probe
		RUN ls /sys/class/net > /ifs2
	X
	run mgr build --no-cache -q --network none -t nonet "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_file nonet /ifs1)" = lo ]
	[ "$(image_file nonet /ifs2)" = lo ]
	[ "$(image_file nonet /ns1)" != "$host_ns" ]
	[ "$(image_file nonet /probe)" = unreachable ]
}

@test "build --network NAME: RUN steps on a user network; an unknown one is an error naming it" {
	need_cni
	local base ip
	base="10.$((213 + RANDOM % 30)).$((RANDOM % 250))"
	NET=bn$$
	run mgr network create --subnet "$base.0/24" "$NET"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	printf 'FROM busybox\nRUN ip -4 -o addr show eth0 | awk "{print \\$4}" > /addr\n' >"$C/Cubofile"
	run mgr build --no-cache -q --network "$NET" -t usernet "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip=$(image_file usernet /addr)
	[[ $ip == "$base".* ]]
	builds_settled
	[ -z "$(grep -rlsF build- "$R/networks/ipam/$NET" "$R/networks/members/$NET")" ]
	run mgr build --no-cache -q --network nosuchnet "$C"
	[ "$status" -eq 125 ]
	[[ "$output" == *"--network nosuchnet: network nosuchnet not found"* ]]
	run mgr build --network 'a b' "$C"
	[ "$status" -eq 125 ]
	[[ "$output" == *"--network a b:"* ]]
}

# A build whose RUN step sleeps, in the background (BUILD_PID), once the
# step runs: sets step (its pid), work (the build's directory name), ns
# (its namespace's name), idx and ip (its veth's host index, its address).
start_sleeping_build() {
	local token=4$RANDOM$$ i
	printf 'FROM busybox\nRUN sleep %s\n' "$token" >"$C/Cubofile"
	# SIGINT as a terminal's ^C sends it: not ignored, as in a background job
	env --default-signal=INT "$MGR" --root-dir "$R" build --no-cache "$C" >/dev/null 2>&1 &
	BUILD_PID=$!
	step=
	for ((i = 0; i < 100; i++)); do
		step=$(pgrep -fx "sleep $token") && break
		sleep 0.1
	done
	[ -n "$step" ]
	work=$(ls "$R/build")
	ns=cubo-build-$work
	idx=$(ip netns exec "$ns" cat /sys/class/net/eth0/iflink)
	ip=$(ip netns exec "$ns" ip -4 -o addr show eth0 | awk '{print $4}')
	ip=${ip%/*}
	[ -n "$idx" ] && [ -n "$ip" ]
}

@test "build: a failed, killed or interrupted build leaves no namespace, veth, address or rule" {
	need_cni
	warm_bridge
	# a failing step: its hostname is the prefix of the build's network ID
	printf 'FROM busybox\nRUN hostname; exit 3\n' >"$C/Cubofile"
	run mgr build --no-cache "$C"
	[ "$status" -eq 125 ]
	local hn
	hn=$(echo "$output" | grep -m1 '^build-')
	[ -n "$hn" ]
	assert_build_released "$hn" "" ""
	local sig i
	for sig in TERM INT KILL; do
		start_sleeping_build
		# the step joined the build's namespace, by its path
		[ "$(stat -L -c %i "/run/netns/$ns")" = "$(stat -L -c %i "/proc/$step/ns/net")" ]
		kill "-$sig" "$BUILD_PID"
		wait "$BUILD_PID" || true
		BUILD_PID=
		# the keeper releases it in the background: a bounded wait
		for ((i = 0; i < 100; i++)); do
			[ ! -e "/run/netns/$ns" ] && [ -z "$(ls -A "$R/build")" ] &&
				! kill -0 "$step" 2>/dev/null && break
			sleep 0.1
		done
		run kill -0 "$step"
		[ "$status" -ne 0 ]
		assert_build_released "build-$work" "$ip" "$idx"
	done
}

@test "build: what a build and its keeper both killed left on the network, the next build releases" {
	need_cni
	warm_bridge
	local keeper
	start_sleeping_build
	# the keeper: the build's child that leads a session of its own
	keeper=$(ps -o pid=,sid= --ppid "$BUILD_PID" | awk '$1 == $2 {print $1}')
	[ -n "$keeper" ]
	kill -9 "$keeper" "$BUILD_PID"
	wait "$BUILD_PID" || true
	BUILD_PID=
	kill_build_steps
	# nobody released it
	[ -e "/run/netns/$ns" ]
	printf 'FROM busybox\nCMD ["true"]\n' >"$C/Cubofile"
	run mgr build -q -t after "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_build_released "build-$work" "$ip" "$idx"
}

@test "build from a git repository: URL#REF:DIR, -f in it, the name, bad fragments" {
	command -v git >/dev/null || skip "needs git"
	G=$BATS_TEST_TMPDIR/git
	mkdir -p "$G/work/app"
	git -C "$G/work" init -q -b main
	printf 'FROM busybox:latest\nCOPY msg /msg\nCMD ["cat", "/msg"]\n' >"$G/work/app/Cubofile"
	printf 'FROM busybox:latest\nRUN echo other >/msg\nCMD ["cat", "/msg"]\n' >"$G/work/app/Other"
	echo from-main >"$G/work/app/msg"
	git -C "$G/work" add -A
	git -C "$G/work" -c user.email=t@t -c user.name=t commit -qm one
	git -C "$G/work" checkout -q -b v2
	echo from-v2 >"$G/work/app/msg"
	git -C "$G/work" -c user.email=t@t -c user.name=t commit -qam two
	# the served repository's HEAD: main
	git -C "$G/work" checkout -q main
	git clone -q --bare "$G/work" "$G/srv/app.git"
	port=$(free_port)
	git daemon --reuseaddr --export-all --base-path="$G/srv" --listen=127.0.0.1 \
		--port="$port" --pid-file="$G/daemon.pid" --detach "$G/srv"
	HTTPD=
	for _ in $(seq 50); do [ -s "$G/daemon.pid" ] && break; sleep 0.1; done
	HTTPD=$(cat "$G/daemon.pid")
	for _ in $(seq 50); do git ls-remote "git://127.0.0.1:$port/app.git" >/dev/null 2>&1 && break; sleep 0.1; done
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	# HEAD (main), the context in app/, named after the repository
	run mgr build "git://127.0.0.1:$port/app.git#:app"
	[ "$status" -eq 0 ]
	[[ $output == *"Successfully tagged docker.io/library/app:latest"* ]]
	run mgr run --rm -i app:latest
	[ "$output" = from-main ]
	# a branch, and -f relative to the repository's context
	run mgr build -t v2 "git://127.0.0.1:$port/app.git#v2:app"
	[ "$status" -eq 0 ]
	run mgr run --rm -i v2
	[ "$output" = from-v2 ]
	run mgr build -t other -f Other "git://127.0.0.1:$port/app.git#main:app"
	[ "$status" -eq 0 ]
	run mgr run --rm -i other
	[ "$output" = other ]
	# nothing of the clones left behind
	[ -z "$(ls -A "$TMPDIR")" ]
	# errors: an unknown ref names git's words; fragments that leave the repository
	run mgr build "git://127.0.0.1:$port/app.git#nope:app"
	[ "$status" -ne 0 ]
	[[ $output == *"build context git://127.0.0.1:$port/app.git#nope:app: git failed"* ]]
	run mgr build "git://127.0.0.1:$port/app.git#main:../.."
	[ "$status" -ne 0 ]
	[[ $output == *"climbs out of the repository"* ]]
	[ -z "$(ls -A "$TMPDIR")" ]
}
