#!/usr/bin/env bash
# Build galley's libFuzzer targets with clang and run each for a while.
#
#   tests/fuzz/run_smoke.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 20); TARGETs default to all of them.  The build
# directory is $GALLEY_FUZZ_BUILD (default build-fuzz at the repository
# root).  Inputs found along the way go to BUILD/tests/fuzz_work/TARGET/corpus,
# never into the repository; a crash leaves its reproducer there as crash-*
# and makes this script fail, naming it.  Run a reproducer again with
#   BUILD/tests/TARGET path/to/crash-file
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
secs="${1:-20}"
shift || true
build="${GALLEY_FUZZ_BUILD:-$root/build-fuzz}"
all=(fuzz_jsonl fuzz_trec fuzz_text fuzz_warc fuzz_istream fuzz_query fuzz_postings fuzz_doc_block fuzz_hash_block
     fuzz_chunk_block fuzz_entity_records fuzz_text_block)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

cc="${CC:-clang}"
command -v "$cc" >/dev/null || { echo "run_smoke.sh: $cc not found: cannot build the fuzz targets" >&2; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DGALLEY_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

failed=()
for t in "${targets[@]}"; do
    work="$build/tests/fuzz_work/$t"
    mkdir -p "$work/corpus"
    dict=()
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    echo "== $t: ${secs}s"
    if ASAN_OPTIONS=detect_leaks=1 "$build/tests/$t" -max_total_time="$secs" -max_len=65536 \
           -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="$work/" \
           "${dict[@]}" "$work/corpus" "$here/corpus/$t" >"$work/log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^Done" "$work/log" | tr '\n' ' '; echo
    else
        echo "$t FAILED: see $work/log"; tail -n 30 "$work/log"
        ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz smoke failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke: ${#targets[@]} targets clean for ${secs}s each"
