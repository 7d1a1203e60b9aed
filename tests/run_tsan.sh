#!/usr/bin/env bash
# Build galley with ThreadSanitizer and run the tests whose work is spread
# over threads: the helper threads and fault guard (unit), the input
# read ahead on a thread (reader, cli_input), the indexing pipeline with
# many threads, several shards and MPI ranks (reliability).  The whole
# suite under TSan takes about 16 minutes on 2 cores; this part about 3.
# A data race makes galley exit 66, which every one of these tests sees.
#
#   tests/run_tsan.sh [CTEST ARGS...]     (default: the subset above)
#
# Build directory: $GALLEY_TSAN_BUILD (default build-tsan at the repository
# root).  GALLEY_SANITIZED=1 is exported, as run_sanitized.sh does: the
# reliability tests then skip their slowest trials.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${GALLEY_TSAN_BUILD:-$root/build-tsan}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
cmake --build "$build" -j"$(nproc)"

export GALLEY_SANITIZED=1
export TSAN_OPTIONS="halt_on_error=0:exitcode=66"
export POCL_CACHE_DIR="$build/pocl-cache"
mkdir -p "$POCL_CACHE_DIR"
if [ $# -eq 0 ]; then
    set -- -R '^(test_fault_guard|test_parallel_for|test_reader|test_gzip_parallel|cli_input|reliability_threads|reliability_shards|reliability_mpi)$'
fi
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
