#!/usr/bin/env bash
# Sets up what is missing, builds, runs every test suite, and ends with one line: "N passed, N failed, N skipped".
# The suites that boot guests run through scripts/in-kvm.sh: directly where this machine's KVM runs guest ring 0
# natively, otherwise in a nested KVM host; they get --require-kvm, so a KVM test that can run nowhere fails.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test || exit 1
scripts/build.sh || exit 1
guest-drivers/linux/build-initramfs.sh build/linux-guest || exit 1

passed=0
failed=0
skipped=0
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
    local p f s
    p=$(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$summary")
    f=$(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$summary")
    s=$(sed -E 's/.*\| *([0-9]+) skipped.*/\1/' <<<"$summary")
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    if [[ $suite_status -ne 0 ]]; then
        status=1
        # A crash or a leak report after the summary counts as one failure.
        if [[ $f -eq 0 ]]; then
            echo "$name: exit $suite_status after its summary" >&2
            failed=$((failed + 1))
        fi
    fi
}

run_suite unit build/tests/unit/unit-tests
run_suite integration scripts/in-kvm.sh build/tests/integration/integration-tests --require-kvm --spicebox=build/vmm/spicebox \
    --linux-guest=build/linux-guest --guest-images=build/guest-drivers
run_suite interop scripts/in-kvm.sh build/tests/interop/interop-tests --require-kvm --spicebox=build/vmm/spicebox

# The unit and integration suites again, built with ASan and UBSan: any report, leaks included, fails.
if [[ ! -f build-asan/build.ninja ]]; then
    meson setup build-asan -Db_sanitize=address,undefined >/dev/null || exit 1
fi
ninja -C build-asan tests/unit/unit-tests tests/integration/integration-tests vmm/spicebox >&2 || exit 1
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite unit-asan build-asan/tests/unit/unit-tests
run_suite integration-asan scripts/in-kvm.sh build-asan/tests/integration/integration-tests --require-kvm \
    --spicebox=build-asan/vmm/spicebox --linux-guest=build/linux-guest --guest-images=build-asan/guest-drivers

# Every fuzz target for a bounded time, one test each (scripts/fuzz.sh runs them longer).
echo "== fuzz" >&2
fuzz_summary=$(scripts/fuzz.sh 20 | tail -1)
if [[ $fuzz_summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
else
    echo "fuzz: no summary" >&2
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $status -eq 0 ]]
