#!/usr/bin/env bats
# cubo-mgr's image half against a real registry: Debian's docker-registry on
# 127.0.0.1 (tests/fixtures/registry.sh) holding the images that
# tests/fixtures/make-test-images.sh builds. Each test has its own root dir.

load helpers
load mgr-helpers

setup_file() {
	export PULL_SKIP=
	if ! command -v docker-registry >/dev/null || ! command -v skopeo >/dev/null; then
		PULL_SKIP="docker-registry and skopeo are needed (scripts/install-deps.sh --test)"
		return 0
	fi
	PULL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cubo-pull.XXXXXX")
	export PULL_DIR
	"$FIXTURES_DIR/registry.sh" start "$PULL_DIR/reg" >/dev/null
	"$FIXTURES_DIR/registry.sh" start "$PULL_DIR/basic" --auth basic >/dev/null
	"$FIXTURES_DIR/registry.sh" start "$PULL_DIR/token" --auth token >/dev/null
	"$FIXTURES_DIR/registry.sh" start "$PULL_DIR/token-https" --auth token-https >/dev/null
	"$FIXTURES_DIR/registry.sh" start "$PULL_DIR/tls" --tls >/dev/null
	REG=$(sed -n 's/^REGISTRY=//p' "$PULL_DIR/reg/env")
	TLS=$(sed -n 's/^REGISTRY=//p' "$PULL_DIR/tls/env")
	export TLS
	BASIC=$(sed -n 's/^REGISTRY=//p' "$PULL_DIR/basic/env")
	TOKEN=$(sed -n 's/^REGISTRY=//p' "$PULL_DIR/token/env")
	TOKEN_HTTPS=$(sed -n 's/^REGISTRY=//p' "$PULL_DIR/token-https/env")
	export REG BASIC TOKEN TOKEN_HTTPS
	"$FIXTURES_DIR/make-test-images.sh" "$PULL_DIR/images" "$REG"
	local creds=cubo:cubo-test-pw layout=$PULL_DIR/images/layout
	skopeo copy -q --dest-tls-verify=false --dest-creds "$creds" \
		"oci:$layout:multi" "docker://$BASIC/multi:latest" >/dev/null
	local t
	for t in "$TOKEN" "$TOKEN_HTTPS"; do
		skopeo copy -q --dest-tls-verify=false --dest-creds "$creds" \
			"oci:$layout:multi" "docker://$t/multi:latest" >/dev/null
	done
	skopeo copy -q --dest-cert-dir "$PULL_DIR/tls/certs/trust" \
		"oci:$layout:busybox" "docker://$TLS/busybox:latest" >/dev/null
}

teardown_file() {
	[ -n "${PULL_DIR:-}" ] || return 0
	local r
	for r in reg basic token token-https tls; do
		"$FIXTURES_DIR/registry.sh" stop "$PULL_DIR/$r" || true
	done
	rm -rf --one-file-system "$PULL_DIR"
}

setup() {
	[ -z "${PULL_SKIP:-}" ] || skip "$PULL_SKIP"
	R=$BATS_TEST_TMPDIR/root
}

teardown() {
	stop_redirectors
}

# The storage file of a blob in the local registry (to damage it).
registry_blob() {
	echo "$PULL_DIR/reg/storage/docker/registry/v2/blobs/sha256/${1:7:2}/${1:7}/data"
}

layer_dir() {
	local chain
	chain=$(ls "$R/layers" | grep -v '^\.' | while read -r d; do
		[ -e "$R/layers/$d/$1" ] && echo "$d"
	done | head -n1)
	echo "$R/layers/$chain"
}

@test "pull: the last line is the image ID, the image is listed and skopeo reads the store" {
	run mgr pull "$REG/busybox"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^sha256:[0-9a-f]{64}$ ]]
	id=${lines[-1]}
	[[ "$output" == *": Pull complete"* ]]
	run mgr images
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == REPOSITORY*TAG*"IMAGE ID"*CREATED*SIZE ]]
	[[ "${lines[1]}" == "$REG/busybox "*latest*"${id:7:12}"* ]]
	[ -x "$(layer_dir bin/busybox)/bin/busybox" ]
	skopeo inspect --raw "oci:$R/images:$REG/busybox:latest" | jq -e '.layers | length == 1'
	# a second pull has nothing to fetch
	run mgr pull "$REG/busybox:latest"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Already exists"* ]]
	[ "${lines[-1]}" = "$id" ]
	run mgr pull -q "$REG/busybox"
	[ "$output" = "$id" ]
}

@test "pull: progress bars on a terminal, one line per layer otherwise" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run timeout 60 script -qec "$MGR --root-dir $R pull $REG/multi" /dev/null </dev/null
	[ "$status" -eq 0 ]
	# redrawn in place: cursor-up and clear-line sequences, a bar, the final states
	[[ "$output" == *$'\033['*A* ]]
	[[ "$output" == *$'\r\033[K'* ]]
	[[ "$output" == *"Pull complete"* ]]
	rm -rf "$R"
	run mgr pull "$REG/multi"
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033['* ]]
	[ "$(grep -c ': Pull complete' <<<"$output")" -eq 3 ]
}

@test "pull: whiteouts, opaque dirs, hardlinks, symlinks, devices, fifos, setuid and xattrs" {
	mgr pull -q "$REG/multi"
	l2=$(layer_dir data/hard)
	l3=$(layer_dir data/opq/new)
	[ "$(stat -c %i "$l2/data/file")" = "$(stat -c %i "$l2/data/hard")" ]
	[ "$(readlink "$l2/data/link")" = file ]
	[ "$(stat -c '%F %t:%T' "$l2/data/null")" = "character special file 1:3" ]
	[ -p "$l2/data/fifo" ]
	[ "$(stat -c %a "$l2/data/suid")" = 4755 ]
	python3 -c 'import os,sys; sys.exit(os.getxattr(sys.argv[1], "user.cubo") != b"yes")' \
		"$l2/data/xattr-file"
	# the whiteout is an overlay whiteout; the opaque dir is marked
	[ "$(stat -c '%F %t:%T' "$l3/data/gone")" = "character special file 0:0" ]
	python3 -c 'import os,sys; sys.exit(os.getxattr(sys.argv[1], "trusted.overlay.opaque") != b"y")' \
		"$l3/data/opq"
	[ ! -e "$l3/data/opq/.wh..wh..opq" ]
}

@test "pull: zstd, uncompressed and Docker v2s2 images give the same image" {
	id=$(mgr pull -q "$REG/busybox")
	[ "$(mgr pull -q "$REG/zstd")" = "$id" ]
	[ "$(mgr pull -q "$REG/plain")" = "$id" ]
	[ "$(mgr pull -q "$REG/docker")" = "$id" ]
	[ "$(ls "$R/layers" | wc -l)" -eq 1 ]
	mgr inspect "$REG/docker" | jq -e '.[0].ManifestMediaType == "application/vnd.docker.distribution.manifest.v2+json"'
	mgr inspect "$REG/zstd" | jq -e '.[0].Layers[0].MediaType | endswith("+zstd")'
}

@test "pull: a multi-platform index gives this host's image, or the one --platform names" {
	mgr pull -q "$REG/index"
	arch=$(dpkg --print-architecture)
	mgr inspect "$REG/index" | jq -e --arg a "$arch" '.[0].Architecture == $a'
	mgr pull -q --platform linux/arm/v7 "$REG/index"
	mgr inspect "$REG/index" | jq -e '.[0].Architecture == "arm" and .[0].Variant == "v7"'
	run mgr pull --platform linux/s390x "$REG/index"
	[ "$status" -eq 125 ]
	[[ "$output" == *"no image for linux/s390x (available: linux/amd64, linux/arm64, linux/arm/v7)"* ]]
	run mgr pull --platform linux "$REG/index"
	[ "$status" -eq 125 ]
	[[ "$output" == *"expected OS/ARCH[/VARIANT]"* ]]
}

@test "pull by digest" {
	digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG/busybox:latest")
	run mgr pull "$REG/busybox@$digest"
	[ "$status" -eq 0 ]
	mgr images --digests | grep -q "$digest"
	run mgr pull "$REG/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000"
	[ "$status" -eq 125 ]
	[[ "$output" == *"404 Not Found: MANIFEST_UNKNOWN"* ]]
}

@test "pull -a: every tag of the repository, docker's lines, the repository last" {
	local layout=$PULL_DIR/images/layout t
	for t in 1.0 2.0; do
		skopeo copy -q --dest-tls-verify=false "oci:$layout:busybox" "docker://$REG/alltags:$t" >/dev/null
	done
	run mgr pull -a "$REG/alltags"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1.0: Pulling from alltags"*"Stored: $REG/alltags:1.0"* ]]
	[[ "$output" == *"2.0: Pulling from alltags"*"Stored: $REG/alltags:2.0"* ]]
	[ "${lines[-1]}" = "$REG/alltags" ]
	[ "$(mgr images --format '{{.Tag}}' "$REG/alltags" | sort | tr '\n' ' ')" = "1.0 2.0 " ]
	run mgr pull --all-tags -q "$REG/alltags"
	[ "$status" -eq 0 ]
	[ "$output" = "$REG/alltags" ]
	# a tag or a digest with -a is docker's error; an unknown repository the registry's
	run mgr pull -a "$REG/alltags:1.0"
	[ "$status" -eq 125 ]
	[[ "$output" == *"tag can't be used with --all-tags/-a"* ]]
	run mgr pull -a "$REG/nothere"
	[ "$status" -eq 125 ]
	[[ "$output" == *"pull $REG/nothere: GET http://$REG/v2/nothere/tags/list: 404 Not Found"* ]]
}

@test "search: the registry's catalog filtered by the term, docker's columns, --limit, --format, errors" {
	run mgr search "$REG/busy"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME\ +DESCRIPTION\ +STARS\ +OFFICIAL$ ]]
	[[ "${lines[1]}" =~ ^$REG/busybox\ +0$ ]]
	[ "${#lines[@]}" -eq 2 ]
	# an empty term lists every repository, up to --limit
	[ "$(mgr search --format '{{.Name}}' "$REG/" | grep -c "^$REG/multi\$")" -eq 1 ]
	[ "$(mgr search --limit 1 --format '{{.Name}}' "$REG/" | wc -l)" -eq 1 ]
	mgr search --format json "$REG/busy" | jq -e --arg n "$REG/busybox" '.Name == $n and .StarCount == "0"'
	run mgr search --format 'table {{.Name}}\t{{.StarCount}}' "$REG/busy"
	[ "${lines[0]}" = "NAME$(printf '%*s' $((${#REG} + 8 - 4 + 3)) '')STARS" ]
	# nothing matches: the header alone; a catalog has no stars nor official images
	run mgr search "$REG/nothing-like-this"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(mgr search --filter stars=1 --format '{{.Name}}' "$REG/busy")" = "" ]
	[ "$(mgr search --filter is-official=false --format '{{.Name}}' "$REG/busy")" = "$REG/busybox" ]
	# Docker Hub's search is not reachable; docker's errors
	run mgr search alpine
	[ "$status" -eq 125 ]
	[[ "$output" == *"docker.io: Docker Hub's search API is not reachable"* ]]
	run mgr search --limit 101 "$REG/x"
	[ "$status" -eq 125 ]
	[[ "$output" == *"limit 101 is outside the range of [1, 100]"* ]]
	run mgr search --filter stars=x "$REG/x"
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid filter 'stars=x'"* ]]
}

@test "pull: bad references and unknown images are clear errors" {
	run mgr pull "$REG/Busybox"
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid reference \"$REG/Busybox\": repository name must be lowercase"* ]]
	run mgr pull "$REG/nothere:1"
	[ "$status" -eq 125 ]
	[[ "$output" == *"pull $REG/nothere:1: GET http://$REG/v2/nothere/manifests/1: 404 Not Found"* ]]
	run mgr pull
	[ "$status" -eq 125 ]
	[[ "$output" == *"expected exactly one image reference"* ]]
}

@test "pull: malicious layers are refused and nothing is written outside the store" {
	for kind in dotdot absolute symlink hardlink whiteout; do
		run mgr pull "$REG/bad-$kind"
		[ "$status" -eq 125 ]
		case $kind in
		dotdot) [[ "$output" == *'entry "../escape": path leaves the layer'* ]] ;;
		absolute) [[ "$output" == *'entry "/abs-escape": absolute path refused'* ]] ;;
		symlink) [[ "$output" == *'"up" is a symlink: refusing to write through it'* ]] ;;
		hardlink) [[ "$output" == *'hardlink to "/etc/passwd": absolute path refused'* ]] ;;
		whiteout) [[ "$output" == *'entry "../.wh.victim": path leaves the layer'* ]] ;;
		esac
	done
	[ ! -e "$R/escape" ] && [ ! -e "$R/layers/escape" ] && [ ! -e /abs-escape ]
	[ ! -e /etc/escape ] && [ ! -e "$R/victim" ]
	# no image, no half-extracted layer; at most the busybox layer the bad
	# images share (whether it finished first depends on timing)
	[ "$(mgr images -q | wc -l)" -eq 0 ]
	[ -z "$(ls -A "$R/layers" | grep '^\.tmp-')" ]
	[ "$(ls -A "$R/layers" | wc -l)" -le 1 ]
}

@test "pull: a blob whose content does not match its digest is not stored" {
	mgr pull -q "$REG/multi" >/dev/null
	layer=$(mgr inspect "$REG/multi" | jq -r '.[0].Layers[2].Digest')
	mgr rmi "$REG/multi" >/dev/null
	data=$(registry_blob "$layer")
	cp "$data" "$BATS_TEST_TMPDIR/saved"
	python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[-1]^=1; open(sys.argv[1],"wb").write(d)' "$data"
	run mgr pull "$REG/multi"
	cp "$BATS_TEST_TMPDIR/saved" "$data"
	[ "$status" -eq 125 ]
	[[ "$output" == *"blob $layer: digest mismatch (got sha256:"* ]] ||
		[[ "$output" == *"gzip"* || "$output" == *"diff_id"* ]]
	[ ! -e "$R/images/blobs/sha256/${layer:7}" ]
	[ "$(mgr images -q | wc -l)" -eq 0 ]
}

@test "pull: a truncated blob is an error, and the next pull completes" {
	mgr pull -q "$REG/multi" >/dev/null
	layer=$(mgr inspect "$REG/multi" | jq -r '.[0].Layers[1].Digest')
	mgr rmi "$REG/multi" >/dev/null
	data=$(registry_blob "$layer")
	cp "$data" "$BATS_TEST_TMPDIR/saved"
	truncate -s 100 "$data"
	run mgr pull "$REG/multi"
	cp "$BATS_TEST_TMPDIR/saved" "$data"
	[ "$status" -eq 125 ]
	[[ "$output" == *"truncated"* || "$output" == *"unexpected end"* ]]
	[ "$(mgr images -q | wc -l)" -eq 0 ]
	run mgr pull "$REG/multi"
	[ "$status" -eq 0 ]
}

@test "pull: kill -9 at any point leaves a store the next pull completes" {
	# a layer big enough to be caught mid-download
	big=$BATS_TEST_TMPDIR/big
	mkdir -p "$big/rootfs"
	head -c 60000000 /dev/urandom >"$big/rootfs/random"
	tar -C "$big/rootfs" -cf "$big/layer.tar" .
	umoci init --layout "$big/layout"
	umoci new --image "$big/layout:big"
	umoci raw add-layer --image "$big/layout:big" "$big/layer.tar"
	skopeo copy -q --dest-tls-verify=false "oci:$big/layout:big" "docker://$REG/big:latest"
	for delay in 0.05 0.2 0.4; do
		rm -rf "$R"
		mgr pull -q --parallel 1 "$REG/big" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		# whatever was reached: no image half named, no stray temp files kept
		run mgr images -q
		[ "$status" -eq 0 ]
		run mgr pull "$REG/big"
		[ "$status" -eq 0 ]
		[ "$(mgr images -q | wc -l)" -eq 1 ]
		[ "$(stat -c %s "$(layer_dir random)/random")" -eq 60000000 ]
		[ -z "$(ls -A "$R/ingest")" ]
		[ -z "$(ls -A "$R/layers" | grep '^\.tmp-')" ]
	done
}

@test "pull: a partial blob left by a killed pull resumes with a range request" {
	mgr pull -q "$REG/busybox" >/dev/null
	layer=$(mgr inspect "$REG/busybox" | jq -r '.[0].Layers[0].Digest')
	size=$(mgr inspect "$REG/busybox" | jq -r '.[0].Layers[0].Size')
	mgr rmi "$REG/busybox" >/dev/null
	# what a pull killed halfway leaves
	head -c $((size / 2)) "$(registry_blob "$layer")" >"$R/ingest/${layer:7}.partial"
	run mgr --log-level info pull "$REG/busybox"
	[ "$status" -eq 0 ]
	[[ "$output" == *"blob $layer: resuming a partial download at byte $((size / 2)) of $size"* ]]
	[ -x "$(layer_dir bin/busybox)/bin/busybox" ]
	[ ! -e "$R/ingest/${layer:7}.partial" ]
	# a partial that is not a prefix of the blob fails the digest, and is dropped
	mgr rmi "$REG/busybox" >/dev/null
	head -c $((size / 2)) /dev/urandom >"$R/ingest/${layer:7}.partial"
	run mgr pull "$REG/busybox"
	[ "$status" -eq 125 ]
	[[ "$output" == *"digest mismatch"* ]]
	[ ! -e "$R/ingest/${layer:7}.partial" ]
	run mgr pull "$REG/busybox"
	[ "$status" -eq 0 ]
}

@test "pull: a layer a crash left half written (its temp dir) is never used: pull and run extract it again" {
	mgr pull -q "$REG/multi" >/dev/null
	l=$(layer_dir data/hard)
	hex=${l##*/}
	sum=$(sha256sum <"$l/data/file")
	# a power cut before the commit's rename reached the disk leaves only the
	# extraction's temp dir: here with a file cut short and a link missing
	crash() {
		mv "$l" "$R/layers/.tmp-${hex:0:12}-crash$1"
		truncate -s 1 "$R/layers/.tmp-${hex:0:12}-crash$1/data/file"
		rm "$R/layers/.tmp-${hex:0:12}-crash$1/data/link"
	}
	crash 1
	run mgr pull "$REG/multi"
	[ "$status" -eq 0 ]
	[[ "$output" == *": Extracted"* ]]
	[ ! -e "$R/layers/.tmp-${hex:0:12}-crash1" ]
	[ "$(sha256sum <"$l/data/file")" = "$sum" ]
	[ "$(readlink "$l/data/link")" = file ]
	# run finds the layer missing too, and extracts it before using it
	crash 2
	run env CUBO_RUNTIME="$RUNTIME" "$MGR" --root-dir "$R" run --rm -i "$REG/multi" sha256sum /data/file
	[ "$status" -eq 0 ]
	[ "${output%% *}  -" = "$sum" ]
	[ ! -e "$R/layers/.tmp-${hex:0:12}-crash2" ]
	[ "$(readlink "$l/data/link")" = file ]
}

# wait_synced: the background sync of the last command is done (bounded):
# it holds the store's gc.lock while it runs, and removes the marks.
wait_synced() {
	flock -w 30 -x "$R/locks/gc.lock" true
	[ -z "$(ls -A "$R/unsynced")" ]
}

@test "pull: layers reach the disk after the pull; a power cut before that makes pull, run and start extract them again" {
	mgr pull -q "$REG/multi" >/dev/null
	l=$(layer_dir data/hard)
	hex=${l##*/}
	sum=$(sha256sum <"$l/data/file")
	# every layer was marked with this boot, then synced in the background
	wait_synced
	mgr create --name before-cut --network none "$REG/multi" sha256sum /data/file >/dev/null
	# a power cut before the sync, then a reboot: the layer's mark names
	# another boot, and its files are what the disk had
	cut() {
		echo 00000000-0000-0000-0000-00000000000$1 >"$R/unsynced/$hex"
		truncate -s 1 "$l/data/file"
		rm "$l/data/link"
	}
	cut 1
	run mgr pull "$REG/multi"
	[ "$status" -eq 0 ]
	[[ "$output" == *": Extracted"* ]]
	[ "$(sha256sum <"$l/data/file")" = "$sum" ]
	[ "$(readlink "$l/data/link")" = file ]
	wait_synced
	# run extracts it again before using it
	cut 2
	run env CUBO_RUNTIME="$RUNTIME" "$MGR" --root-dir "$R" run --rm -i --network none "$REG/multi" sha256sum /data/file
	[ "$status" -eq 0 ]
	[ "${output%% *}  -" = "$sum" ]
	wait_synced
	# and so does the start of a container created before the cut
	cut 3
	run env CUBO_RUNTIME="$RUNTIME" "$MGR" --root-dir "$R" start -a before-cut
	[ "$status" -eq 0 ]
	[ "${output%% *}  -" = "$sum" ]
	[ "$(readlink "$l/data/link")" = file ]
	wait_synced
	mgr rm before-cut >/dev/null
	# a mark lost empty (its data never reached the disk) counts as another boot's
	: >"$R/unsynced/$hex"
	truncate -s 1 "$l/data/file"
	mgr pull -q "$REG/multi" >/dev/null
	[ "$(sha256sum <"$l/data/file")" = "$sum" ]
	wait_synced
	# rmi collects the marks of the layers it removes
	cut 4
	mgr rmi "$REG/multi" >/dev/null
	[ -z "$(ls -A "$R/unsynced")" ]
	[ -z "$(ls -A "$R/layers")" ]
}

@test "pull: two concurrent pulls of one image both succeed and store it once" {
	mgr pull -q "$REG/multi" >"$BATS_TEST_TMPDIR/a" 2>&1 &
	a=$!
	mgr pull -q "$REG/multi" >"$BATS_TEST_TMPDIR/b" 2>&1 &
	b=$!
	wait "$a"
	wait "$b"
	[ "$(cat "$BATS_TEST_TMPDIR/a")" = "$(cat "$BATS_TEST_TMPDIR/b")" ]
	[ "$(mgr images -q | wc -l)" -eq 1 ]
	[ "$(ls "$R/layers" | wc -l)" -eq 3 ]
	[ "$(ls "$R/images/blobs/sha256" | wc -l)" -eq 5 ] # manifest, config, 3 layers
}

@test "registries config: mirrors serve pulls; short names get the configured domain" {
	conf=$BATS_TEST_TMPDIR/registries.conf
	cat >"$conf" <<EOF
# the test registry stands in for a registry that does not exist
short-name-domain = "$REG"
[registry "registry.invalid:5000"]
mirror = $REG
EOF
	id=$(mgr --registries-conf "$conf" pull -q registry.invalid:5000/busybox)
	[[ "$id" =~ ^sha256: ]]
	mgr images | grep -q '^registry.invalid:5000/busybox '
	[ "$(mgr --registries-conf "$conf" pull -q busybox)" = "$id" ]
	mgr images | grep -q "^$REG/busybox "
	printf '[registry "x"]\ninsecure = sometimes\n' >"$conf"
	run mgr --registries-conf "$conf" pull busybox
	[ "$status" -eq 125 ]
	[[ "$output" == *"$conf:2: insecure: \"sometimes\" is not true or false"* ]]
	run mgr --registries-conf "$BATS_TEST_TMPDIR/none.conf" pull busybox
	[ "$status" -eq 125 ]
	[[ "$output" == *"none.conf"* ]]
}

@test "TLS: the certificate is checked against the system CAs plus --cert-dir or certs.d" {
	conf=$BATS_TEST_TMPDIR/registries.conf
	# loopback registries are insecure unless the config says otherwise
	printf '[registry "%s"]\ninsecure = false\n' "$TLS" >"$conf"
	run mgr --registries-conf "$conf" pull "$TLS/busybox"
	[ "$status" -eq 125 ]
	[[ "$output" == *"GET https://$TLS/v2/busybox/manifests/latest: SSL certificate problem"*"trust its CA with --cert-dir"* ]]
	mgr --registries-conf "$conf" pull -q --cert-dir "$PULL_DIR/tls/certs/trust" "$TLS/busybox"
	mgr --registries-conf "$conf" pull -q --tls-verify=false "$TLS/busybox"
	# as docker does, a loopback registry is insecure by default
	mgr pull -q "$TLS/busybox"
}

# start_redirector NAME ARGS...: tests/fixtures/redirect-server.py on a port
# it picks, logging to $BATS_TEST_TMPDIR/NAME.log; sets $port once it listens.
# Stopped by the test.
start_redirector() {
	local name=$1 portfile=$BATS_TEST_TMPDIR/$1.port i
	shift
	python3 "$FIXTURES_DIR/redirect-server.py" --port-file "$portfile" \
		--log "$BATS_TEST_TMPDIR/$name.log" "$@" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/redirectors"
	for ((i = 0; i < 100; i++)); do
		[ -s "$portfile" ] && break
		sleep 0.1
	done
	port=$(cat "$portfile")
	: >"$BATS_TEST_TMPDIR/$name.log"
}

stop_redirectors() {
	[ -f "$BATS_TEST_TMPDIR/redirectors" ] || return 0
	xargs -r kill <"$BATS_TEST_TMPDIR/redirectors" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/redirectors"
}

@test "redirects are followed (as registries send blobs to their storage)" {
	start_redirector redirect --target "$REG"
	printf '[registry "registry.invalid"]\nmirror = 127.0.0.1:%s\n' "$port" >"$BATS_TEST_TMPDIR/conf"
	run mgr --registries-conf "$BATS_TEST_TMPDIR/conf" pull -q registry.invalid/multi
	[ "$status" -eq 0 ]
	grep -q "GET /v2/multi/blobs/sha256:" "$BATS_TEST_TMPDIR/redirect.log"
}

@test "credentials do not follow a redirect to another host or port" {
	# a registry that wants a login (the first redirector), then sends every
	# request to another port (the second), which sends it on to the registry
	start_redirector onward --target "$REG"
	onward=$port
	start_redirector login --target "127.0.0.1:$onward" --basic cubo:cubo-test-pw
	printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$port" "$(printf cubo:cubo-test-pw | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	run mgr --authfile "$BATS_TEST_TMPDIR/auth.json" pull -q "127.0.0.1:$port/multi"
	[ "$status" -eq 0 ]
	# the registry got the credentials; the host it redirected to did not
	grep -q "GET /v2/multi/manifests/latest auth=Basic" "$BATS_TEST_TMPDIR/login.log"
	grep -q "GET /v2/multi/blobs/sha256:.* auth=none" "$BATS_TEST_TMPDIR/onward.log"
	refute grep -q "auth=Basic" "$BATS_TEST_TMPDIR/onward.log"
}

@test "basic auth: refused without credentials, pulled after login" {
	run mgr pull "$BASIC/multi"
	[ "$status" -eq 125 ]
	[[ "$output" == *"401 Unauthorized"* || "$output" == *"authentication required"* ]]
	run mgr --authfile "$BATS_TEST_TMPDIR/auth.json" login -u cubo -p wrong "$BASIC"
	[ "$status" -eq 125 ]
	[[ "$output" == *"wrong username or password"* ]]
	echo cubo-test-pw | mgr --authfile "$BATS_TEST_TMPDIR/auth.json" login -u cubo --password-stdin "$BASIC"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/auth.json")" = 600 ]
	mgr --authfile "$BATS_TEST_TMPDIR/auth.json" pull -q "$BASIC/multi"
	run mgr --authfile "$BATS_TEST_TMPDIR/auth.json" logout "$BASIC"
	[ "$status" -eq 0 ]
	[[ "$output" == "Removed login credentials for $BASIC" ]]
	run mgr --authfile "$BATS_TEST_TMPDIR/auth.json" logout "$BASIC"
	[ "$status" -eq 125 ]
	[[ "$output" == *"not logged in to $BASIC"* ]]
}

@test "token auth: a token service issues the bearer token, with the stored credentials" {
	log=$PULL_DIR/token-https/token-requests.log
	run mgr pull "$TOKEN_HTTPS/multi"
	[ "$status" -eq 125 ]
	[[ "$output" == *"token service https://127.0.0.1:"*"/token: authentication required"* ]]
	# docker's own file is read too
	mkdir -p "$BATS_TEST_TMPDIR/home/.docker"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$TOKEN_HTTPS" "$(printf cubo:cubo-test-pw | base64)" \
		>"$BATS_TEST_TMPDIR/home/.docker/config.json"
	before=$(wc -l <"$log")
	HOME=$BATS_TEST_TMPDIR/home XDG_CONFIG_HOME= REGISTRY_AUTH_FILE= XDG_RUNTIME_DIR= \
		mgr pull -q "$TOKEN_HTTPS/multi"
	tail -n +$((before + 1)) "$log" | grep -q "^GET /token?.* auth=Basic$"
}

@test "token auth: credentials never go to a token service over plain HTTP on another port" {
	# the registry's challenge names http://127.0.0.1:OTHER-PORT/token
	log=$PULL_DIR/token/token-requests.log
	realm=$(sed -n 's/^TOKEN_SERVER=//p' "$PULL_DIR/token/env")
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$TOKEN" "$(printf cubo:cubo-test-pw | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	before=$(wc -l <"$log")
	run mgr --authfile "$BATS_TEST_TMPDIR/auth.json" pull "$TOKEN/multi"
	[ "$status" -eq 125 ]
	[[ "$output" == *"token service $realm: authentication required; the credentials for $TOKEN are not sent to it: a token service over plain HTTP on another host or port"* ]]
	# it was asked, anonymously
	tail -n +$((before + 1)) "$log" | grep -q "^GET /token?.* auth=none$"
	refute grep -q "auth=Basic" <(tail -n +$((before + 1)) "$log")
	# login checks the registry, and sends nothing to that token service either
	run mgr --authfile "$BATS_TEST_TMPDIR/login.json" login -u cubo -p cubo-test-pw "$TOKEN"
	[ "$status" -eq 125 ]
	refute grep -q "auth=Basic" <(tail -n +$((before + 1)) "$log")
	# a registries config that marks the token service insecure vouches for it
	realm_host=${realm#http://}
	realm_host=${realm_host%%/*}
	printf '[registry "%s"]\ninsecure = true\n' "$realm_host" >"$BATS_TEST_TMPDIR/conf"
	mgr --registries-conf "$BATS_TEST_TMPDIR/conf" --authfile "$BATS_TEST_TMPDIR/auth.json" \
		pull -q "$TOKEN/multi"
	tail -n +$((before + 1)) "$log" | grep -q "^GET /token?.* auth=Basic$"
}

@test "tag, rmi and image prune remove what no image uses" {
	mgr pull -q "$REG/multi" >/dev/null
	mgr pull -q "$REG/busybox" >/dev/null
	mgr tag "$REG/multi" mine:1
	run mgr images mine
	[[ "$output" == *"mine "*" 1 "* ]]
	run mgr rmi "$(mgr images -q mine:1)"
	[ "$status" -eq 125 ]
	[[ "$output" == *"is referenced by 2 names (untag them, or use --force)"* ]]
	run mgr rmi mine:1
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: docker.io/library/mine:1" ]
	[ "$(ls "$R/layers" | wc -l)" -eq 3 ]
	run mgr rmi "$REG/multi"
	[[ "$output" == *"Deleted: sha256:"* ]]
	# multi's own two layers go; busybox's layer stays
	[ "$(ls "$R/layers" | wc -l)" -eq 1 ]
	[ "$(ls "$R/images/blobs/sha256" | wc -l)" -eq 3 ]
	run mgr rmi nothere
	[ "$status" -eq 125 ]
	[[ "$output" == *"no such image: nothere"* ]]
	# a name moved to another image leaves a dangling one for prune
	mgr pull -q "$REG/multi" >/dev/null
	mgr tag "$REG/busybox" "$REG/multi"
	run mgr images
	[[ "$output" == *"<none>"*"<none>"* ]]
	run mgr image prune -f
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "Total reclaimed space: "* ]]
	[ "$(ls "$R/layers" | wc -l)" -eq 1 ]
	[[ "$(mgr images)" != *"<none>"* ]]
}

@test "images --format json, --digests, -q; inspect and history" {
	mgr pull -q "$REG/multi" >/dev/null
	mgr images --format json | jq -e --arg r "$REG/multi" 'select(.Repository == $r) | .Tag == "latest" and (.SizeBytes > 0)'
	mgr images --digests | grep -q "sha256:"
	[ "$(mgr images -q)" = "$(mgr images --format json | jq -r .ID)" ]
	mgr inspect "$REG/multi" | jq -e '.[0].RootFS.Layers | length == 3'
	mgr inspect "$REG/multi" | jq -e '.[0].Id | startswith("sha256:")'
	run mgr history "$REG/multi"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == IMAGE*CREATED*"CREATED BY"*SIZE*COMMENT ]]
	[[ "${lines[1]}" == *"make-test-images multi"* ]]
	mgr history --format json "$REG/multi" | jq -e -s 'length >= 3'
	run mgr inspect nothere
	[ "$status" -eq 125 ]
	run mgr images --format '{{.ID}'
	[ "$status" -eq 125 ]
	[[ "$output" == *'--format: template: :1:5: unexpected "}" in operand'* ]]
}

@test "save and load: a round trip, and archives skopeo and docker write" {
	mgr pull -q "$REG/multi" >/dev/null
	mgr pull -q "$REG/zstd" >/dev/null
	mgr save -o "$BATS_TEST_TMPDIR/two.tar" "$REG/multi" "$REG/zstd"
	ids=$(mgr images -q | sort)
	R2=$BATS_TEST_TMPDIR/root2
	run "$MGR" --root-dir "$R2" load -i "$BATS_TEST_TMPDIR/two.tar"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Loaded image: $REG/multi:latest" ]
	[ "$("$MGR" --root-dir "$R2" images -q | sort)" = "$ids" ]
	[ "$(ls "$R2/layers" | wc -l)" -eq 3 ]
	# the same file is an OCI archive and a docker-archive
	skopeo inspect --raw "oci-archive:$BATS_TEST_TMPDIR/two.tar:$REG/zstd:latest" |
		jq -e '.layers[0].mediaType | endswith("zstd")'
	mgr save "$REG/multi" >"$BATS_TEST_TMPDIR/one.tar"
	skopeo inspect "docker-archive:$BATS_TEST_TMPDIR/one.tar" | jq -e '.Layers | length == 3'
	# a classic docker-archive written by skopeo, gzip-compressed on the way
	skopeo copy -q "oci:$PULL_DIR/images/layout:busybox" \
		"docker-archive:$BATS_TEST_TMPDIR/classic.tar:old/box:1"
	gzip "$BATS_TEST_TMPDIR/classic.tar"
	R3=$BATS_TEST_TMPDIR/root3
	"$MGR" --root-dir "$R3" load <"$BATS_TEST_TMPDIR/classic.tar.gz"
	"$MGR" --root-dir "$R3" images | grep -q '^old/box  *1 '
	[ -x "$(R=$R3 layer_dir bin/busybox)/bin/busybox" ]
}

@test "load: a blob that does not match its digest is refused and nothing is named" {
	mgr pull -q "$REG/busybox" >/dev/null
	mgr save -o "$BATS_TEST_TMPDIR/a.tar" "$REG/busybox"
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/a.tar"
	cfg=$(jq -r '.[0].Config' "$BATS_TEST_TMPDIR/x/manifest.json")
	echo '{"tampered": true}' >"$BATS_TEST_TMPDIR/x/$cfg"
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	R2=$BATS_TEST_TMPDIR/root2
	run "$MGR" --root-dir "$R2" load -i "$BATS_TEST_TMPDIR/bad.tar"
	[ "$status" -eq 125 ]
	[[ "$output" == *"load $BATS_TEST_TMPDIR/bad.tar: blob sha256:${cfg##*/}: digest mismatch"* ]]
	[ -z "$("$MGR" --root-dir "$R2" images -q)" ]
	run "$MGR" --root-dir "$R2" load -i /etc/hostname
	[ "$status" -eq 125 ]
}

@test "import makes a one-layer image from a rootfs tarball; push sends it to a registry" {
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin"
	cp "$(command -v busybox)" "$BATS_TEST_TMPDIR/rootfs/bin/"
	tar -C "$BATS_TEST_TMPDIR/rootfs" -czf "$BATS_TEST_TMPDIR/rootfs.tgz" .
	id=$(mgr import "$BATS_TEST_TMPDIR/rootfs.tgz" imported:1)
	[[ "$id" =~ ^sha256: ]]
	[ "$(mgr images -q imported:1)" = "${id:7:12}" ]
	[ -x "$(layer_dir bin/busybox)/bin/busybox" ]
	mgr inspect imported:1 | jq -e '.[0].Layers[0].MediaType | endswith("gzip")'
	# from stdin, uncompressed
	tar -C "$BATS_TEST_TMPDIR/rootfs" -cf - . | mgr import - imported:2 >/dev/null
	mgr inspect imported:2 | jq -e '.[0].Layers[0].MediaType == "application/vnd.oci.image.layer.v1.tar"'
	run mgr import "$BATS_TEST_TMPDIR/none.tgz" x:1
	[ "$status" -eq 125 ]
	[[ "$output" == *"import $BATS_TEST_TMPDIR/none.tgz"*"No such file"* ]]
	# push, and pull it back elsewhere
	run mgr push imported:1 "$REG/pushed:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Pushing"* ]]
	run mgr push imported:1 "$REG/pushed:1"
	[[ "$output" == *"Layer already exists"* ]]
	[ "$("$MGR" --root-dir "$BATS_TEST_TMPDIR/r2" pull -q "$REG/pushed:1")" = "$id" ]
	# to a registry that wants credentials
	run mgr push imported:1 "$BASIC/pushed:1"
	[ "$status" -eq 125 ]
	echo cubo-test-pw | mgr --authfile "$BATS_TEST_TMPDIR/auth.json" login -u cubo --password-stdin "$BASIC"
	mgr --authfile "$BATS_TEST_TMPDIR/auth.json" push -q imported:1 "$BASIC/pushed:1"
}

@test "the cubo link, the image command group, --help and the root dir precedence" {
	ln -s "$MGR" "$BATS_TEST_TMPDIR/cubo"
	run "$BATS_TEST_TMPDIR/cubo" --root-dir "$R" image ls
	[ "$status" -eq 0 ]
	run "$BATS_TEST_TMPDIR/cubo" --root-dir "$R" blueprint --all
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == REPOSITORY* ]]
	run "$BATS_TEST_TMPDIR/cubo" nope
	[ "$status" -eq 125 ]
	[[ "$output" == *'"nope" is not a cubo command'* ]]
	for c in pull push images rmi tag inspect history save load import login logout "image prune"; do
		run "$MGR" $c --help
		[ "$status" -eq 0 ]
		[[ "$output" == Usage:* ]]
	done
	CUBO_ROOT=$BATS_TEST_TMPDIR/env-root "$MGR" images >/dev/null
	[ -f "$BATS_TEST_TMPDIR/env-root/images/index.json" ]
	XDG_STATE_HOME=$BATS_TEST_TMPDIR/state CUBO_ROOT= "$MGR" images >/dev/null
	[ -d "$BATS_TEST_TMPDIR/state/cubo/images" ]
}
