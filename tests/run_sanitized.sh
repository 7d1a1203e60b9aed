#!/usr/bin/env bash
# Build galley with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DGALLEY_SANITIZE=ON) and run the whole ctest suite under them.
#
#   tests/run_sanitized.sh [CTEST ARGS...]
#
# Build directory: $GALLEY_ASAN_BUILD (default build-asan at the repository
# root); compiler: $CC (default gcc).  GALLEY_SANITIZED=1 is exported so
# that tests can tell: the reliability tests skip their slowest trials, and
# a test that cannot run under the sanitizers says why and exits 77.  The
# OpenCL library and PoCL are not instrumented; leaks inside them (their
# JIT and ICD loader keep allocations for the life of the process) are
# suppressed, nothing of galley's is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${GALLEY_ASAN_BUILD:-$root/build-asan}"
cc="${CC:-gcc}"

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DGALLEY_SANITIZE=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"

supp="$build/lsan.supp"
cat >"$supp" <<'SUPP'
leak:libpocl
leak:libOpenCL
leak:libLLVM
leak:libclang
leak:libhwloc
leak:libltdl
SUPP
export GALLEY_SANITIZED=1
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
