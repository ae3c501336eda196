#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang with ASan + UBSan, in build-fuzz) and runs each one for
# SECONDS (default 600) from its generated seeds. Each target's corpus grows in build-fuzz/corpus/TARGET
# and is reused by the next run; a crash, leak, timeout or sanitizer report leaves its input in
# build-fuzz/crashes/TARGET/ and fails the target. Ends with one line: "N passed, N failed".
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 3600 qxl_ports
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift $(($# > 0 ? 1 : 0))
build=build-fuzz

if [[ ! -f $build/build.ninja ]]; then
    CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    targets=()
    for source in tests/fuzz/*_fuzzer.cc; do
        name=$(basename "$source" .cc)
        targets+=("${name%_fuzzer}")
    done
fi
outputs=(tests/fuzz/make-fuzz-corpus)
for target in "${targets[@]}"; do
    outputs+=("tests/fuzz/${target}_fuzzer")
done
ninja -C "$build" "${outputs[@]}" >&2 || exit 1
rm -rf "$build/seeds"
"$build/tests/fuzz/make-fuzz-corpus" "$build/seeds" || exit 1

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
passed=0
failed=0
for target in "${targets[@]}"; do
    corpus="$build/corpus/$target"
    crashes="$build/crashes/$target"
    log="$build/fuzz-$target.log"
    mkdir -p "$corpus" "$crashes"
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/")
    case $target in
        link_handshake) options+=(-dict=tests/fuzz/link_handshake.dict) ;;
        *_channel) options+=(-dict=tests/fuzz/channel.dict) ;;
        client_*) options+=(-dict=tests/fuzz/server_messages.dict) ;;
    esac
    "$build/tests/fuzz/${target}_fuzzer" "${options[@]}" "$corpus" "$build/seeds/$target" >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    if [[ $status -eq 0 ]]; then
        passed=$((passed + 1))
        echo "fuzz $target: passed, ${runs:-?} runs, ${rate:-?} exec/s" >&2
    else
        failed=$((failed + 1))
        echo "fuzz $target: FAILED (exit $status), see $log and $crashes/" >&2
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -3 >&2
    fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
