# shellcheck shell=bash
# What the manager's benchmark scripts share (sourced, not run):
#   bench_mean NAME CMD...    mean and sd in ms of $runs runs after $warmup
#                             warm-ups, into mean[NAME] and sd[NAME]
#                             (hyperfine --shell=none, else a date loop;
#                             BENCH_NO_HYPERFINE=1 forces the loop)
#   bench_interleaved NAME=ARRAY...
#                             each ARRAY (a command) run in turn, $runs
#                             rounds after one warm-up, the order rotated
#                             every round, so drift in the machine's load
#                             falls on all alike: medians (ms) into med[NAME]
#   bench_table NAME...       a table of the means and sds
#   bench_ratio A B [TARGET]  mean[A] / mean[B], with the target if given
#   bench_serve_busybox       a local registry on 127.0.0.1 (in $work/reg)
#                             holding busybox:latest; sets reg and img
#   bench_remove_work         the registry stopped, mounts left under $work
#                             unmounted, $work removed (for the EXIT trap)
#   bench_args "X=var ..." "$@"
#                             each -X VALUE into var (its default set by the
#                             caller); any other option prints the usage,
#                             "[-X VAR]...", and exits 2
#   bench_mgr_setup NAME      root checked; mgr and CUBO_RUNTIME (this build's
#                             unless CUBO_MGR/CUBO_RUNTIME say), work (a new
#                             cubo-bench-NAME.* scratch directory), R in it
#   bench_dockerd_start       a dockerd on a private root and socket in $work,
#                             without iptables or a bridge, and busybox:latest
#                             loaded into it; D=(docker -H ...) talks to it.
#                             Returns 1 after a "# docker: not measured" line
#   bench_big_layout CACHE    the 1 GB single-layer test image (gzip and zstd
#                             tags) as an OCI layout in CACHE/layout, built once
#   bench_mgr_cleanup         the containers of $R and of that dockerd
#                             removed, dockerd stopped, bench_remove_work (an
#                             EXIT trap)
# The caller sets repo, runs, warmup (default 3) and work (a scratch directory).
# A command that fails its first run is reported and not measured.

declare -A mean sd med
bench_use_hyperfine=
[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null && bench_use_hyperfine=1

bench_mean() {
	local name=$1
	shift
	local w=${warmup:-3}
	if ! "$@" >"$work/$name.out" 2>&1 </dev/null; then
		echo "# $name: the command failed, not measured: $*" >&2
		tail -n 5 "$work/$name.out" >&2
		return
	fi
	if [ -n "$bench_use_hyperfine" ]; then
		local json=$work/$name.json q cmd=""
		for q in "$@"; do cmd+=" $(printf '%q' "$q")"; done
		hyperfine --shell=none --warmup "$w" --runs "$runs" --style none \
			--export-json "$json" "$cmd" >/dev/null 2>&1 || return
		read -r mean[$name] sd[$name] < <(jq -r '.results[0] | "\(.mean * 1000) \(.stddev * 1000)"' "$json")
	else
		local i start
		for ((i = 0; i < w; i++)); do "$@" >/dev/null 2>&1 </dev/null; done
		start=$(date +%s%N)
		for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1 </dev/null; done
		mean[$name]=$(echo "scale=3; ($(date +%s%N) - $start) / 1000000 / $runs" | bc)
		sd[$name]=
	fi
}

bench_interleaved() {
	local specs=("$@") n=$# i k name t0 t1 cmd=()
	for ((k = 0; k < n; k++)); do
		name=${specs[k]%%=*}
		: >"$work/il.$name"
		eval "cmd=(\"\${${specs[k]#*=}[@]}\")"
		"${cmd[@]}" >/dev/null 2>&1 </dev/null
	done
	for ((i = 0; i < runs; i++)); do
		for ((k = 0; k < n; k++)); do
			name=${specs[(i + k) % n]%%=*}
			eval "cmd=(\"\${${specs[(i + k) % n]#*=}[@]}\")"
			t0=$EPOCHREALTIME
			if ! "${cmd[@]}" >"$work/il.out" 2>&1 </dev/null; then
				echo "# $name: a run failed: $(tail -n 2 "$work/il.out")" >&2
			fi
			t1=$EPOCHREALTIME
			echo "(${t1/./} - ${t0/./}) / 1000" | bc -l >>"$work/il.$name"
		done
	done
	for ((k = 0; k < n; k++)); do
		name=${specs[k]%%=*}
		med[$name]=$(sort -n "$work/il.$name" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
		printf 'interleaved, %d rounds: median %-16s %8.2f ms\n' "$runs" "$name" "${med[$name]}"
	done
}

# bench_med_ratio A B: med[A] / med[B]
bench_med_ratio() {
	local a=${med[$1]:-} b=${med[$2]:-}
	if [ -n "$a" ] && [ -n "$b" ]; then
		printf 'median %s/%s: %.3f\n' "$1" "$2" "$(echo "scale=6; $a / $b" | bc)"
	fi
}

bench_table() {
	printf '%-16s %10s %8s\n' measure mean_ms sd_ms
	local k m s
	for k in "$@"; do
		m=${mean[$k]:-}
		[ -n "$m" ] && m=$(printf '%.2f' "$m")
		s=${sd[$k]:-}
		[ -n "$s" ] && s=$(printf '%.2f' "$s")
		printf '%-16s %10s %8s\n' "$k" "${m:--}" "${s:--}"
	done
}

bench_ratio() {
	local a=${mean[$1]:-} b=${mean[$2]:-} target=${3:+ (target <= $3)}
	if [ -n "$a" ] && [ -n "$b" ]; then
		printf '%s/%s: %.3f%s\n' "$1" "$2" "$(echo "scale=6; $a / $b" | bc)" "$target"
	else
		printf '%s/%s: not measured\n' "$1" "$2"
	fi
}

# Exit with a message unless root: the benchmarks make mounts, cgroups and namespaces.
bench_args() {
	local pairs=$1 spec="" usage="" p v opt OPTARG OPTIND=1
	shift
	for p in $pairs; do
		v=${p#*=}
		spec+="${p%%=*}:"
		usage+=" [-${p%%=*} ${v^^}]"
	done
	while getopts "$spec" opt; do
		for p in $pairs; do
			if [ "$opt" = "${p%%=*}" ]; then
				printf -v "${p#*=}" '%s' "$OPTARG"
				continue 2
			fi
		done
		echo "usage: $0$usage" >&2
		exit 2
	done
}

bench_need_root() {
	[ "$(id -u)" = 0 ] || {
		echo "$0: needs root" >&2
		exit 1
	}
}

bench_serve_busybox() {
	"$repo/tests/fixtures/registry.sh" start "$work/reg" >/dev/null || return 1
	reg=$(sed -n 's/^REGISTRY=//p' "$work/reg/env")
	"$repo/tests/fixtures/make-image.sh" "$work/layout" busybox >/dev/null || return 1
	skopeo copy -q --dest-tls-verify=false "oci:$work/layout:busybox" \
		"docker://$reg/busybox:latest" || return 1
	img=$reg/busybox:latest
}

bench_remove_work() {
	local m
	"$repo/tests/fixtures/registry.sh" stop "$work/reg" >/dev/null 2>&1
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$work"
}

bench_mgr_setup() {
	bench_need_root
	mgr=${CUBO_MGR:-$repo/cubo-mgr/cubo-mgr}
	export CUBO_RUNTIME=${CUBO_RUNTIME:-$repo/cubo-runc/cubo-runc}
	work=$(mktemp -d "${TMPDIR:-/var/tmp}/cubo-bench-$1.XXXXXX")
	R=$work/cubo
	D=(docker -H "unix://$work/docker.sock")
	dockerd_pid=
}

bench_dockerd_start() {
	local i
	if ! command -v dockerd >/dev/null; then
		echo "# docker: not measured (no dockerd: apt-get install docker.io)"
		return 1
	fi
	dockerd --data-root "$work/docker" --exec-root "$work/docker-exec" \
		--pidfile "$work/docker.pid" -H "unix://$work/docker.sock" \
		--iptables=false --ip-forward=false --bridge=none >"$work/dockerd.log" 2>&1 &
	dockerd_pid=$!
	for ((i = 0; i < 100; i++)); do
		"${D[@]}" version >/dev/null 2>&1 && break
		sleep 0.2
	done
	if ! "${D[@]}" version >/dev/null 2>&1; then
		echo "# docker: not measured (dockerd did not start: $(tail -n 1 "$work/dockerd.log"))"
		return 1
	fi
	if ! skopeo copy -q "oci:$work/layout:busybox" \
		"docker-archive:$work/busybox.tar:busybox:latest" ||
		! "${D[@]}" load -q -i "$work/busybox.tar" >/dev/null; then
		echo "# docker: not measured (the busybox image could not be loaded)"
		return 1
	fi
}

bench_mgr_cleanup() {
	local ids
	ids=$("$mgr" --root-dir "$R" ps -aq --no-trunc 2>/dev/null)
	# shellcheck disable=SC2086 # one ID a word
	[ -z "$ids" ] || "$mgr" --root-dir "$R" rm -f $ids >/dev/null 2>&1
	if [ -n "$dockerd_pid" ]; then
		ids=$("${D[@]}" ps -aq 2>/dev/null)
		# shellcheck disable=SC2086
		[ -z "$ids" ] || "${D[@]}" rm -f $ids >/dev/null 2>&1
		kill "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	bench_remove_work
}

# bench_big_layout CACHE: an OCI layout in CACHE/layout (built once, then
# reused) of one image of a single layer of about 1 GB unpacked, tagged gzip
# and zstd (the same layer compressed each way): 1000 files of 1 MB from a
# seeded generator, each 4 kB block 1300 random bytes and 2796 bytes of a
# repeated phrase, so gzip gets it to about a third, like real binaries and
# text, and every run sees the same bytes.
bench_big_layout() {
	local cache=$1 layout=$1/layout
	if ! grep -q '"zstd"' "$layout/index.json" 2>/dev/null; then
		echo "# building the 1 GB test layer into $cache (once)"
		rm -rf "$cache"
		mkdir -p "$cache/rootfs"
		python3 - "$cache/rootfs" <<'EOF'
import os, random, sys
rng = random.Random(20261124)
phrase = (b"the quick brown fox jumps over the lazy dog 0123456789 " * 60)[:2796]
for i in range(1000):
    d = os.path.join(sys.argv[1], "d%02d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%04d" % i), "wb") as f:
        for _ in range(256):
            f.write(rng.randbytes(1300))
            f.write(phrase)
EOF
		tar -C "$cache/rootfs" -cf "$cache/layer.tar" .
		rm -rf "$cache/rootfs"
		umoci init --layout "$layout"
		umoci new --image "$layout:gzip"
		umoci raw add-layer --image "$layout:gzip" "$cache/layer.tar"
		# the same layer zstd-compressed, as its own image
		python3 - "$layout" "$cache/layer.tar" <<'EOF'
import hashlib, json, os, subprocess, sys
layout, tarpath = sys.argv[1], sys.argv[2]
def blob(d):
    with open(os.path.join(layout, "blobs/sha256", d[7:]), "rb") as f:
        return f.read()
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs/sha256", d[7:]), "wb") as f:
        f.write(data)
    return d
idx = json.load(open(os.path.join(layout, "index.json")))
g = [m for m in idx["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "gzip"][0]
man = json.loads(blob(g["digest"]))
z = subprocess.run(["zstd", "-q", "-3", "-T0", "-c", tarpath], stdout=subprocess.PIPE, check=True).stdout
man["layers"] = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": put(z), "size": len(z)}]
data = json.dumps(man).encode()
idx["manifests"].append({"mediaType": man.get("mediaType", "application/vnd.oci.image.manifest.v1+json"), "digest": put(data), "size": len(data),
                         "annotations": {"org.opencontainers.image.ref.name": "zstd"}})
json.dump(idx, open(os.path.join(layout, "index.json"), "w"))
EOF
		rm -f "$cache/layer.tar"
	fi
}
