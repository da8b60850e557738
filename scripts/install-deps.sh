#!/bin/bash
# Install the Debian packages Cubo needs to build (and, with --test, to run its
# unit, integration and benchmark suites). Safe to run again and again: when
# everything is already there it only asks dpkg and exits, without apt-get.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: scripts/install-deps.sh [--test] [--vm] [--dry-run]
  --test      also install what the test suites and benchmarks use
  --vm        also install what scripts/test-vm.sh uses to build and boot its VM
  --dry-run   only list the packages that are missing
USAGE
}

build_pkgs=(
	build-essential autoconf automake pkg-config
	libyajl-dev libseccomp-dev libcap-dev libcurl4-openssl-dev libarchive-dev libzstd-dev
	libssl-dev busybox-static jq
	# the line editor of `cubo repl` (its static library, with libtinfo, libbsd, libmd)
	libedit-dev
	# CDI device spec files in YAML (run --device vendor.com/class=name)
	libyaml-dev
	# the journald log driver (cubo-journal): libsystemd's journal API
	libsystemd-dev
	# what a container's default network runs: the CNI plugins and the iptables they call
	containernetworking-plugins iptables
)
test_pkgs=(
	libcmocka-dev bats perl python3 bc valgrind umoci skopeo runc crun iproute2 jq time procps
	util-linux bsdutils hyperfine
	# the AddressSanitizer + UBSan build and the fuzz targets: clang and its
	# runtimes (libFuzzer and the sanitizers are in libclang-rt-14-dev, which
	# clang only recommends)
	clang libclang-rt-14-dev
	podman buildah containerd docker-registry apache2-utils openssl curl zstd tmux
	# a private bus the D-Bus client's tests talk to (the systemd driver's transport)
	dbus-daemon
	# the Debian image (nginx, redis, python3, postgresql) of mgr-compose-apps.bats
	# (tests/fixtures/make-debian-app-image.sh), made from the Debian archive
	mmdebstrap debian-archive-keyring
	# the rootless manager's tests: newuidmap/newgidmap map a user's subordinate ids
	uidmap
	# their networks: pasta (the default) and slirp4netns
	passt slirp4netns
)
# scripts/test-vm.sh: qemu boots the VM, mmdebstrap makes its Debian root,
# mke2fs/debugfs (e2fsprogs) pack the image and read the results back,
# busybox-static and cpio make its initramfs, libcmocka-dev builds the unit
# tests it runs; the kernel is only downloaded (never installed here)
vm_pkgs=(qemu-system-x86 mmdebstrap e2fsprogs busybox-static cpio libcmocka-dev)

with_tests=false
with_vm=false
dry_run=false
for arg in "$@"; do
	case "$arg" in
	--test) with_tests=true ;;
	--vm) with_vm=true ;;
	--dry-run) dry_run=true ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "install-deps.sh: unknown argument \"$arg\"" >&2
		usage >&2
		exit 2
		;;
	esac
done

wanted=("${build_pkgs[@]}")
if $with_tests; then
	wanted+=("${test_pkgs[@]}")
fi
if $with_vm; then
	wanted+=("${vm_pkgs[@]}")
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps.sh: dpkg-query not found: this script supports Debian and Ubuntu only" >&2
	exit 1
fi

# One dpkg-query for all packages; unknown names print nothing and count as missing.
declare -A installed=()
while IFS=' ' read -r name status; do
	[[ "$status" == "install ok installed" ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null || true)

missing=()
for pkg in "${wanted[@]}"; do
	[[ -n "${installed[$pkg]:-}" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "install-deps.sh: all ${#wanted[@]} packages are installed"
	exit 0
fi
echo "install-deps.sh: missing: ${missing[*]}"
if $dry_run; then
	exit 0
fi

as_root() {
	if ((EUID == 0)); then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "install-deps.sh: installing packages needs root (or sudo)" >&2
		exit 1
	fi
}

as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}"
