#!/bin/bash
# Quick start: install what is needed, build and install Cubo, then run a real
# container from a busybox-static root filesystem (no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./autogen.sh
./configure --prefix=/usr/local >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "installed: $(command -v cubo-runc) ($(cubo-runc --version | head -1))"

bundle=/tmp/cubo-quickstart
rm -rf "$bundle"
RUNTIME=cubo-runc tests/fixtures/make-bundle.sh "$bundle" -- \
	sh -c 'echo "hello from a cubo container: $(hostname), pid $$, $(id)"; cat /proc/self/status | grep ^NoNewPrivs'
echo "+ cubo-runc run --bundle $bundle quickstart"
cubo-runc run --bundle "$bundle" quickstart

# The same root filesystem as an image, run by the manager.
tar -C "$bundle/rootfs" -c . | cubo import - quickstart/busybox:local >/dev/null
echo "+ cubo run --rm -i quickstart/busybox:local sh -c '...'"
cubo run --rm -i quickstart/busybox:local \
	sh -c 'echo "hello from cubo run: $(hostname), $(id -un), $(grep -c . /proc/self/mountinfo) mounts, address $(ip -4 -o addr show eth0 | awk "{print \$4}") on the cubo network"' </dev/null
