#!/usr/bin/env bats
# The fixture builders the other tests stand on.

load helpers

setup() { setup_common; }
teardown() { teardown_common; }

@test "make-bundle builds a busybox bundle" {
	local r=$BUNDLE/rootfs
	[ -x "$r/bin/busybox" ]
	[ "$(readlink "$r/bin/sh")" = busybox ]
	[ "$(ls "$r/bin" | wc -l)" -gt 100 ]
	grep -q '^root:x:0:0:' "$r/etc/passwd"
	grep -q ':1000:1000:' "$r/etc/passwd"
	grep -q '^nobody:' "$r/etc/passwd"
	grep -q '^root:x:0:' "$r/etc/group"
	for d in proc sys dev tmp; do
		[ -d "$r/$d" ]
		[ -z "$(ls -A "$r/$d")" ]
	done
	jq -e '.process.terminal == false' "$BUNDLE/config.json"
	jq -e '.process.args == ["true"]' "$BUNDLE/config.json"
}

@test "make-bundle is idempotent and takes the args" {
	"$FIXTURES_DIR/make-bundle.sh" "$BUNDLE" -- echo "two words" -x
	"$FIXTURES_DIR/make-bundle.sh" "$BUNDLE" -- echo "two words" -x
	jq -e '.process.args == ["echo", "two words", "-x"]' "$BUNDLE/config.json"
	run rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "two words -x" ]
}

@test "make-bundle --rootless maps the caller" {
	"$FIXTURES_DIR/make-bundle.sh" "$TEST_TMP/rl" --rootless -- id -u
	jq -e '[.linux.namespaces[].type] | index("user")' "$TEST_TMP/rl/config.json"
	jq -e '.process.args == ["id", "-u"]' "$TEST_TMP/rl/config.json"
}

@test "make-image builds a layout umoci can unpack" {
	command -v umoci >/dev/null || skip "needs umoci"
	"$FIXTURES_DIR/make-image.sh" "$TEST_TMP/layout" busybox
	[ -f "$TEST_TMP/layout/oci-layout" ]
	jq -e '.manifests[0].annotations["org.opencontainers.image.ref.name"] == "busybox"' \
		"$TEST_TMP/layout/index.json"
	umoci unpack --image "$TEST_TMP/layout:busybox" "$TEST_TMP/unpacked" >/dev/null
	[ -x "$TEST_TMP/unpacked/rootfs/bin/busybox" ]
	[ "$(readlink "$TEST_TMP/unpacked/rootfs/bin/sh")" = busybox ]
	jq -e '.process.args == ["sh"]' "$TEST_TMP/unpacked/config.json"
	# The unpacked bundle runs.
	CONFIG=$TEST_TMP/unpacked/config.json update_config \
		'.process.terminal = false | .process.args = ["echo", "from-image"]'
	run rt run --bundle "$TEST_TMP/unpacked" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = from-image ]
}

@test "make-debian-app-image skips (77), saying why, without mmdebstrap or the archive" {
	# the archive: a loopback port nothing listens on
	run env CUBO_TEST_CACHE="$TEST_TMP/cache" CUBO_TEST_MIRROR=http://127.0.0.1:9 \
		"$FIXTURES_DIR/make-debian-app-image.sh"
	[ "$status" -eq 77 ]
	[[ $output == *"the Debian archive http://127.0.0.1:9 cannot be reached"* ]]
	# mmdebstrap: a PATH with only what the script needs before it
	mkdir "$TEST_TMP/bin"
	for t in bash sha256sum cut id dirname curl; do
		ln -s "$(command -v "$t")" "$TEST_TMP/bin/$t"
	done
	run env CUBO_TEST_CACHE="$TEST_TMP/cache" PATH="$TEST_TMP/bin" \
		"$TEST_TMP/bin/bash" "$FIXTURES_DIR/make-debian-app-image.sh"
	[ "$status" -eq 77 ]
	[[ $output == *"mmdebstrap is needed (scripts/install-deps.sh --test)"* ]]
	# nothing made
	[ ! -e "$TEST_TMP/cache" ]
}
