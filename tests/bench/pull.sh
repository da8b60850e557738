#!/bin/bash
# pull.sh [-n RUNS]
#
# Time to pull a single-layer image of about 1 GB unpacked (about 340 MB
# gzip) from a local registry, into an empty store each time:
#   cubo-mgr pull                      (gzip layer, then the same layer zstd)
#   podman pull                        (private --root, overlay or vfs storage)
#   skopeo copy + umoci unpack         (what a "pull then unpack" pipeline costs)
# Prints each tool's best time of RUNS (default 3), the ratios of cubo-mgr to
# the others, and cubo-mgr's peak RSS. It only measures and prints: it never
# fails on a timing.
#
# CUBO_MGR_BASE=PATH (another build's cubo-mgr) adds an A/B of the two builds:
# their pulls alternate, RUNS each, and the best and median of each are
# printed with the ratio new/base (how much a change costs).
#
# Every pull starts after a `sync`, so none pays for the previous one's dirty
# pages: cubo-mgr leaves the sync of its layers to a background process, and
# the next pull must not inherit that work.
#
# The layer (built once into $BENCH_CACHE, default ~/.cache/cubo-bench/pull)
# holds 1000 files of 1 MB from a seeded generator: each 4 kB block is 1300
# random bytes and 2796 bytes of a repeated phrase, so gzip gets it to about a
# third, like real binaries and text, and every run sees the same bytes.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=3
while getopts n: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	*)
		echo "usage: $0 [-n RUNS]" >&2
		exit 2
		;;
	esac
done
[ "$(id -u)" = 0 ] || {
	echo "$0: needs root" >&2
	exit 1
}
mgr=${CUBO_MGR:-$repo/cubo-mgr/cubo-mgr}
cache=${BENCH_CACHE:-$HOME/.cache/cubo-bench/pull}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/cubo-bench-pull.XXXXXX")
cleanup() {
	"$repo/tests/fixtures/registry.sh" stop "$work/reg" >/dev/null 2>&1
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# ---- the image, built once ----
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
bench_big_layout "$cache" || exit 1
layout=$cache/layout

"$repo/tests/fixtures/registry.sh" start "$work/reg" >/dev/null || exit 1
reg=$(sed -n 's/^REGISTRY=//p' "$work/reg/env")
for t in gzip zstd; do
	skopeo copy -q --dest-tls-verify=false "oci:$layout:$t" "docker://$reg/big:$t" >/dev/null
done
sizes=$(skopeo inspect --tls-verify=false --raw "docker://$reg/big:gzip" | jq -r '.layers[0].size')
zsizes=$(skopeo inspect --tls-verify=false --raw "docker://$reg/big:zstd" | jq -r '.layers[0].size')
echo "# layer: gzip $((sizes / 1000000)) MB, zstd $((zsizes / 1000000)) MB, 1049 MB unpacked; $(nproc) CPUs"

# best SECONDS of `runs` runs of a command, after a fresh-state command
best() {
	local prep=$1 cmd=$2 b= t s e
	for ((i = 0; i < runs; i++)); do
		eval "$prep" >/dev/null 2>&1
		sync
		s=$(date +%s.%N)
		if ! eval "$cmd" >/dev/null 2>"$work/err"; then
			echo "failed: $cmd: $(tail -n 3 "$work/err")" >&2
			echo NA
			return
		fi
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
	done
	printf '%.2f\n' "$b"
}

ratio() {
	[ "$1" = NA ] || [ "$2" = NA ] && {
		echo NA
		return
	}
	printf '%.3f' "$(echo "$1 / $2" | bc -l)"
}

root=$work/root
cubo_gz=$(best "rm -rf $root" "$mgr --root-dir $root pull -q --tls-verify=false $reg/big:gzip")
rss=$(rm -rf "$root"; /usr/bin/time -f %M "$mgr" --root-dir "$root" pull -q "$reg/big:gzip" 2>&1 >/dev/null | tail -n1)
cubo_zst=$(best "rm -rf $root" "$mgr --root-dir $root pull -q $reg/big:zstd")
zrss=$(rm -rf "$root"; /usr/bin/time -f %M "$mgr" --root-dir "$root" pull -q "$reg/big:zstd" 2>&1 >/dev/null | tail -n1)
rm -rf "$root"

podman_t=NA
if command -v podman >/dev/null; then
	pm="podman --root $work/pm/root --runroot $work/pm/run --storage-driver overlay"
	if ! $pm info >/dev/null 2>&1; then
		pm="podman --root $work/pm/root --runroot $work/pm/run --storage-driver vfs"
	fi
	podman_t=$(best "$pm system reset -f; rm -rf $work/pm" "$pm pull -q --tls-verify=false $reg/big:gzip")
	$pm system reset -f >/dev/null 2>&1
fi
skopeo_t=$(best "rm -rf $work/oci $work/bundle" \
	"skopeo copy -q --src-tls-verify=false docker://$reg/big:gzip oci:$work/oci:big && umoci unpack --image $work/oci:big $work/bundle")
rm -rf "$work/oci" "$work/bundle"

# ab NAME TAG: CUBO_MGR_BASE and this build pull TAG alternately, runs times each
ab() {
	local tag=$1 i who bin t s e
	for ((i = 0; i < runs; i++)); do
		for who in base new; do
			bin=$mgr
			[ "$who" = base ] && bin=$CUBO_MGR_BASE
			rm -rf "$root"
			sync
			s=$(date +%s.%N)
			"$bin" --root-dir "$root" pull -q "$reg/big:$tag" >/dev/null 2>&1 || {
				echo "failed: $bin pull $tag" >&2
				return
			}
			e=$(date +%s.%N)
			echo "$who $(echo "$e - $s" | bc)" >>"$work/ab-$tag"
		done
	done
	for who in base new; do
		sort -n <(awk -v w="$who" '$1 == w {print $2}' "$work/ab-$tag") >"$work/ab-$tag-$who"
	done
	local bb nb bm nm
	bb=$(head -n1 "$work/ab-$tag-base")
	nb=$(head -n1 "$work/ab-$tag-new")
	bm=$(sed -n "$(((runs + 1) / 2))p" "$work/ab-$tag-base")
	nm=$(sed -n "$(((runs + 1) / 2))p" "$work/ab-$tag-new")
	printf 'A/B %-5s best:   base %.2f  new %.2f  new/base %s\n' "$tag" "$bb" "$nb" "$(ratio "$nb" "$bb")"
	printf 'A/B %-5s median: base %.2f  new %.2f  new/base %s\n' "$tag" "$bm" "$nm" "$(ratio "$nm" "$bm")"
}
if [ -n "${CUBO_MGR_BASE:-}" ]; then
	ab gzip
	ab zstd
	rm -rf "$root"
	echo
fi

printf '%-34s %8s\n' "pull of the 1 GB layer" "seconds"
printf '%-34s %8s\n' "cubo-mgr pull (gzip)" "$cubo_gz"
printf '%-34s %8s\n' "cubo-mgr pull (zstd)" "$cubo_zst"
printf '%-34s %8s\n' "podman pull (gzip)" "$podman_t"
printf '%-34s %8s\n' "skopeo copy + umoci unpack (gzip)" "$skopeo_t"
echo
echo "cubo-mgr gzip / podman:          $(ratio "$cubo_gz" "$podman_t")   (target <= 0.5)"
echo "cubo-mgr gzip / skopeo+umoci:    $(ratio "$cubo_gz" "$skopeo_t")"
echo "cubo-mgr zstd:                   ${cubo_zst} s   (target < 3)"
echo "cubo-mgr peak RSS:               gzip $((rss / 1024)) MB, zstd $((zrss / 1024)) MB   (target < 30 MB)"
