#!/usr/bin/env bash
# Sets up what is missing, builds, runs every test suite, and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test || exit 1
scripts/build.sh || exit 1
guest-drivers/linux/build-initramfs.sh build/linux-guest || exit 1

passed=0
failed=0
status=0
# Each suite is a doctest binary; its summary line gives the counts.
run_suite() {
    local name=$1
    shift
    local log="build/test-$name.log"
    echo "== $name" >&2
    "$@" --no-colors 2>&1 | tee "$log"
    local suite_status=${PIPESTATUS[0]}
    local summary
    summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -1)
    if [[ -z "$summary" ]]; then
        echo "$name: no summary (exit $suite_status)" >&2
        failed=$((failed + 1))
        status=1
        return
    fi
    local p f
    p=$(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$summary")
    f=$(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$summary")
    passed=$((passed + p))
    failed=$((failed + f))
    [[ $suite_status -ne 0 ]] && status=1
}

run_suite unit build/tests/unit/unit-tests
run_suite integration build/tests/integration/integration-tests --spicebox=build/vmm/spicebox --linux-guest=build/linux-guest \
    --guest-images=build/guest-drivers
run_suite interop build/tests/interop/interop-tests --spicebox=build/vmm/spicebox

echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $status -eq 0 ]]
