#!/usr/bin/env bash
# Builds what the benchmarks need into ./build (or $BENCH_BUILD_DIR) and runs them against spicebox and
# QEMU (bench/bench.py): prints the table and writes it to BUILD/bench/results.md. Arguments go to
# bench.py (e.g. --rounds 3). Where this machine's KVM cannot run guest ring 0 natively, both peers run inside
# the same nested KVM host (scripts/in-kvm.sh), where only their ratios mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BENCH_BUILD_DIR:-build}
if [[ ! -f $build/build.ninja ]]; then
    meson setup "$build" >/dev/null
fi
ninja -C "$build" vmm/spicebox bench/memcpy-floor bench/bench-client \
    guest-drivers/hello.elf guest-drivers/demo.elf guest-drivers/io-bench.elf guest-drivers/qxl-bench.elf >&2
command -v qemu-system-x86_64 >/dev/null || { echo "bench: qemu-system-x86_64 is needed (scripts/install-deps.sh --test)" >&2; exit 1; }
command -v ss >/dev/null || { echo "bench: ss (iproute2) is needed to count the bytes sent" >&2; exit 1; }
exec scripts/in-kvm.sh python3 bench/bench.py --build "$build" "$@"
