#!/bin/bash
# ab_index.sh CORPUS ROUNDS DEVICE GALLEY... — build CORPUS with each galley
# binary in turn, ROUNDS times, alternating (A B A B ...), and print every
# run's wall, user and system seconds, then each binary's means.  On a
# shared, noisy 2-core machine only such side-by-side ratios mean anything
# (bench/README.md); CPU seconds (user + sys) vary less than wall time.
#
#   bench/ab_index.sh /tmp/news-200m.jsonl 3 0 /tmp/galley-old build-bench/galley
set -eu
corpus=$1 rounds=$2 device=$3
shift 3
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-/tmp/galley-pocl}
out=$(mktemp -d "${TMPDIR:-/tmp}/galley-ab-XXXXXX")
trap 'rm -rf "$out"' EXIT
TIMEFORMAT='%R %U %S'
for ((r = 1; r <= rounds; r++)); do
    for bin in "$@"; do
        rm -rf "$out/index"
        sync # the previous build's dirty pages are not this one's to write
        t=$({ time "$bin" index "$corpus" -o "$out/index" --device "$device" >/dev/null 2>&1; } 2>&1)
        echo "$bin $t"
    done
done | awk '{ printf "%s  wall %s  user %s  sys %s\n", $1, $2, $3, $4
              w[$1] += $2; c[$1] += $3 + $4; n[$1]++; if (!($1 in seen)) { seen[$1] = 1; order[k++] = $1 } }
            END { for (i = 0; i < k; i++) { b = order[i]
                  printf "%s  mean wall %.2f s  CPU %.2f s  (%d runs)\n", b, w[b] / n[b], c[b] / n[b], n[b] } }'
