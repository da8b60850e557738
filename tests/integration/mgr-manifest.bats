#!/usr/bin/env bats
# cubo-mgr manifest inspect/create/annotate/push/rm against a real local
# registry (Debian's docker-registry on 127.0.0.1): inspect without
# pulling (-v too), a list of two single-platform images made, annotated,
# pushed and read back, pull --platform picking each; the errors (an
# existing list without --amend, an index as an entry, unknown platforms,
# images of another repository, a digest as the list's name, a missing
# list) and the local lists' files; run/create --platform against such a
# list (the platform pulled, a local image of another platform pulled again
# or refused with --pull never) and docker's warning for an image of another
# platform than the host's. Each test has its own root.

load helpers
load mgr-helpers

setup_file() {
	mgr_busybox_registry manifest
}

teardown_file() {
	mgr_registry_teardown "${RUN_DIR:-}"
}

setup() {
	[ -z "${RUN_SKIP:-}" ] || skip "$RUN_SKIP"
	R=$BATS_TEST_TMPDIR/root
	export CUBO_RUNTIME=$RUNTIME
}

teardown() {
	mgr_container_teardown
}

# Two images in $REG/multi: busybox as :amd64, busybox with /arch as :arm64
# (both really this host's: the list says otherwise); their image IDs in
# AMD_ID and ARM_ID.
two_images() {
	busybox_tar "$BATS_TEST_TMPDIR"
	mgr import "$BATS_TEST_TMPDIR/busybox.tar" local:amd64 >/dev/null
	echo arm64 >"$BATS_TEST_TMPDIR/arch"
	tar -rf "$BATS_TEST_TMPDIR/busybox.tar" -C "$BATS_TEST_TMPDIR" arch
	mgr import "$BATS_TEST_TMPDIR/busybox.tar" local:arm64 >/dev/null
	mgr push -q local:amd64 "$REG/multi:amd64" >/dev/null
	mgr push -q local:arm64 "$REG/multi:arm64" >/dev/null
	AMD_ID=$(mgr inspect -f '{{.Id}}' local:amd64)
	ARM_ID=$(mgr inspect -f '{{.Id}}' local:arm64)
	[ "$AMD_ID" != "$ARM_ID" ]
}

@test "manifest inspect: the registry's manifest, without pulling; -v" {
	run mgr manifest inspect "$REG/busybox"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(echo "$output" | jq -r .schemaVersion)" = 2 ]
	[[ $(echo "$output" | jq -r .config.digest) == sha256:* ]]
	[ "$(echo "$output" | jq '.layers | length')" -ge 1 ]
	# nothing pulled
	[ -z "$(mgr images -q)" ]
	run mgr manifest inspect -v "$REG/busybox:latest"
	[ "$status" -eq 0 ]
	[[ $(echo "$output" | jq -r .Ref) == "$REG/busybox@sha256:"* ]]
	[[ $(echo "$output" | jq -r .Descriptor.digest) == sha256:* ]]
	[ "$(echo "$output" | jq '(.OCIManifest // .SchemaV2Manifest).layers | length')" -ge 1 ]
	run mgr manifest inspect "$REG/nosuch:1"
	[ "$status" -eq 125 ]
	[[ $output == *"manifest unknown"* ]] || [[ $output == *"404"* ]]
}

@test "manifest create, annotate, push: inspect shows both; pull --platform picks each" {
	two_images
	run mgr manifest create "$REG/multi:latest" "$REG/multi:amd64" "$REG/multi:arm64"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "Created manifest list $REG/multi:latest" ]
	# kept under the root, durable, in no path the name chose
	[ "$(find "$R/manifests" -type f | wc -l)" -eq 1 ]
	mgr manifest annotate --arch arm64 --variant v8 "$REG/multi:latest" "$REG/multi:arm64"
	# the local list, as push would send it
	run mgr manifest inspect "$REG/multi:latest"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.manifests[].platform.architecture] | join(",")')" = amd64,arm64 ]
	[ "$(echo "$output" | jq -r '.manifests[1].platform.variant')" = null ] # arm64/v8 is arm64
	run mgr manifest push --purge "$REG/multi:latest"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	local digest=$output
	# purged: the list is the registry's now
	run mgr manifest rm "$REG/multi:latest"
	[ "$status" -eq 125 ]
	[[ $output == *"No such manifest: $REG/multi:latest"* ]]
	run mgr manifest inspect "$REG/multi:latest"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.manifests | length == 2' >/dev/null
	[ "$(echo "$output" | jq -r '[.manifests[].platform.architecture] | join(",")')" = amd64,arm64 ]
	# the digest printed is the registry's name of the list
	mgr manifest inspect "$REG/multi@$digest" | jq -e '.manifests | length == 2' >/dev/null
	run mgr manifest inspect -v "$REG/multi:latest"
	[ "$(echo "$output" | jq -r '.[1].Descriptor.platform.architecture')" = arm64 ]
	[ "$(echo "$output" | jq -r '.[1].Ref')" = "$REG/multi@$(echo "$output" | jq -r '.[1].Descriptor.digest')" ]
	# a fresh root pulls each platform's image from the list
	mgr rmi -f local:amd64 local:arm64 >/dev/null
	mgr pull -q --platform linux/arm64 "$REG/multi:latest" >/dev/null
	[ "$(mgr inspect -f '{{.Id}}' "$REG/multi:latest")" = "$ARM_ID" ]
	mgr pull -q --platform linux/amd64 "$REG/multi:latest" >/dev/null
	[ "$(mgr inspect -f '{{.Id}}' "$REG/multi:latest")" = "$AMD_ID" ]
	run mgr pull -q --platform linux/s390x "$REG/multi:latest"
	[ "$status" -eq 125 ]
	[[ $output == *"linux/amd64"*"linux/arm64"* ]]
}

@test "manifest create --amend, rm; the errors" {
	two_images
	mgr manifest create "$REG/multi:two" "$REG/multi:amd64" >/dev/null
	run mgr manifest create "$REG/multi:two" "$REG/multi:arm64"
	[ "$status" -eq 125 ]
	[[ $output == *"refusing to amend an existing manifest list with no --amend flag"* ]]
	mgr manifest create --amend "$REG/multi:two" "$REG/multi:arm64" >/dev/null
	[ "$(mgr manifest inspect "$REG/multi:two" | jq '.manifests | length')" = 2 ]
	# the same image again replaces its entry
	mgr manifest create --amend "$REG/multi:two" "$REG/multi:arm64" >/dev/null
	[ "$(mgr manifest inspect "$REG/multi:two" | jq '.manifests | length')" = 2 ]
	run mgr manifest annotate --arch foo "$REG/multi:two" "$REG/multi:arm64"
	[ "$status" -eq 125 ]
	[[ $output == *"unsupported os/arch combination: linux/foo"* ]]
	run mgr manifest annotate --arch arm64 "$REG/multi:two" "$REG/multi:nosuch"
	[ "$status" -eq 125 ]
	[[ $output == *"not in the list"* ]]
	run mgr manifest annotate --arch arm64 "$REG/multi:nolist" "$REG/multi:arm64"
	[ "$status" -eq 125 ]
	[[ $output == *"No such manifest"* ]]
	# a pushed list cannot be an entry
	mgr manifest push "$REG/multi:two" >/dev/null
	run mgr manifest create "$REG/multi:three" "$REG/multi:two"
	[ "$status" -eq 125 ]
	[[ $output == *"is a manifest list"* ]]
	# the images must be in the list's repository
	mgr manifest create "$REG/other:1" "$REG/multi:amd64" >/dev/null
	run mgr manifest push "$REG/other:1"
	[ "$status" -eq 125 ]
	[[ $output == *"is in repository $REG/multi, not in $REG/other"* ]]
	run mgr manifest create "$REG/multi@sha256:$(printf '0%.0s' $(seq 64))" "$REG/multi:amd64"
	[ "$status" -eq 125 ]
	[[ $output == *"named by a tag, not a digest"* ]]
	run mgr manifest create "../../x" "$REG/multi:amd64"
	[ "$status" -eq 125 ]
	run mgr manifest push "$REG/multi:nolist"
	[ "$status" -eq 125 ]
	[[ $output == *"No such manifest: $REG/multi:nolist"* ]]
	# rm: several at once, one missing fails that one only
	run mgr manifest rm "$REG/multi:two" "$REG/multi:nolist" "$REG/other:1"
	[ "$status" -eq 125 ]
	[ -z "$(find "$R/manifests" -type f)" ]
}

# $REG/plat:amd64 and :arm64, busybox whose configs say so (the arm64 one
# runs here all the same: its binaries are this host's), and $REG/plat:latest
# the list of both; their image IDs in AMD_ID and ARM_ID.
platform_images() {
	local layout=$BATS_TEST_TMPDIR/layout
	cp -a "$RUN_DIR/layout" "$layout"
	umoci config --image "$layout:busybox" --tag arm --architecture arm64 >/dev/null
	skopeo copy -q --dest-tls-verify=false "oci:$layout:busybox" "docker://$REG/plat:amd64" >/dev/null
	skopeo copy -q --dest-tls-verify=false "oci:$layout:arm" "docker://$REG/plat:arm64" >/dev/null
	mgr manifest create "$REG/plat:latest" "$REG/plat:amd64" "$REG/plat:arm64" >/dev/null
	mgr manifest push --purge "$REG/plat:latest" >/dev/null
	AMD_ID=$(mgr manifest inspect -v "$REG/plat:amd64" | jq -r '.OCIManifest.config.digest // .SchemaV2Manifest.config.digest')
	ARM_ID=$(mgr manifest inspect -v "$REG/plat:arm64" | jq -r '.OCIManifest.config.digest // .SchemaV2Manifest.config.digest')
	[ "$AMD_ID" != "$ARM_ID" ]
}

image_of() {
	mgr inspect -f '{{.Image}}' "$1"
}

@test "run/create --platform: that platform pulled; a local image of another pulled again, or refused" {
	platform_images
	run mgr create --name a --network none --platform linux/arm64 "$REG/plat:latest" true
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"Unable to find image '$REG/plat:latest' locally"* ]]
	[ "$(image_of a)" = "$ARM_ID" ]
	# the local image is arm64's: --pull never will not take it for amd64
	run mgr create --name b --network none --pull never --platform linux/amd64 "$REG/plat:latest" true
	[ "$status" -eq 125 ]
	[[ $output == *"image with reference $REG/plat:latest was found but does not match the specified platform: wanted linux/amd64, actual: linux/arm64"* ]]
	# by default it is pulled again, for that platform, and runs
	run mgr run --rm --network none --platform linux/amd64 "$REG/plat:latest" echo ran
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"Unable to find image"* ]]
	[[ $output == *ran* ]]
	[[ $output != *WARNING* ]]
	mgr create --name c --network none --pull never --platform linux/amd64 "$REG/plat:latest" true >/dev/null
	[ "$(image_of c)" = "$AMD_ID" ]
	# --pull always pulls the platform asked for
	mgr create --name d --network none --pull always --platform linux/arm64 "$REG/plat:latest" true >/dev/null
	[ "$(image_of d)" = "$ARM_ID" ]
	run mgr create --platform linux "$REG/plat:latest" true
	[ "$status" -eq 125 ]
	[[ $output == *"--platform"*"expected OS/ARCH[/VARIANT]"* ]]
	run mgr create --platform linux/s390x "$REG/plat:latest" true
	[ "$status" -eq 125 ]
	[[ $output == *"no image for linux/s390x"* ]]
}

@test "run of an image for another platform than the host's: docker's warning, and it runs" {
	platform_images
	local host
	host=$(uname -m)
	[ "$host" = x86_64 ] || skip "the test's other platform is arm64: this host is $host"
	run mgr run --rm --network none "$REG/plat:arm64" echo ran
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"WARNING: The requested image's platform (linux/arm64) does not match the detected host platform (linux/amd64) and no specific platform was requested"* ]]
	[[ $output == *ran* ]]
	# this host's image: no warning
	run mgr run --rm --network none "$REG/plat:amd64" echo ran
	[ "$status" -eq 0 ]
	[[ $output != *WARNING* ]]
	# asked for: no warning either, as docker
	run mgr run --rm --network none --platform linux/arm64 "$REG/plat:arm64" echo ran
	[ "$status" -eq 0 ]
	[[ $output != *WARNING* ]]
}
