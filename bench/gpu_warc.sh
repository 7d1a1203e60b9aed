#!/bin/sh
# gpu_warc.sh — the web-crawl reader on the lent GPU machine, whose cores
# this VM does not have: the generated news made into web pages
# (jsonl_to_warc.py), as .warc and as .warc.gz of a gzip member per record,
# and the JSON Lines as .jsonl.gz of one member (gzip -6), each indexed
# with its records parsed (and the .warc.gz's members, or from 3 threads
# on the .jsonl.gz's deflate blocks, decoded) on 1, 2 (the default), 4 and
# 8 threads, ROUNDS times over, alternating; then the same settings on the
# JSON Lines for comparison.  Figures to
# $OUT/gpu_warc.log, the runs' JSON in one warc-json.tgz.
#
#   [ROUNDS=1] [THREADS="1 2 4 8"] [ARGS="--shards 4"] sh bench/gpu_warc.sh [N]
#       N parts of GEN_SIZE (default 2 × 1G); needs .gpu/ (bench/gpu_prepare.sh)
set -u

size=${1:-2}
log_name=gpu_warc.log
. "$(pwd)/bench/gpu_setup.sh"

echo "== web pages of the corpus, converted in parallel"
t0=$(date +%s)
for f in $inputs; do
    python3 "$here/bench/jsonl_to_warc.py" "$f" "${f%.jsonl}.warc" &
    python3 "$here/bench/jsonl_to_warc.py" "$f" "${f%.jsonl}.warc.gz" &
    gzip -6 -c "$f" > "$f.gz" &
done
wait
echo "converted in $(( $(date +%s) - t0 )) s:"; ls -l "$corpus"

threads=${THREADS:-1 2 4 8}
args=${ARGS:---shards 4}
rounds=${ROUNDS:-1}
jsonl=$inputs
round=1
while [ "$round" -le "$rounds" ]; do
    for kind in warc warc.gz jsonl.gz; do
        inputs="$corpus/news-*.$kind"
        for t in $threads; do
            # shellcheck disable=SC2086
            bench_run "$kind-t$t-$round" "$gpu/galley" --device auto --read-threads "$t" $args
        done
    done
    round=$((round + 1))
done
inputs=$jsonl
for t in $threads; do
    # shellcheck disable=SC2086
    bench_run "jsonl-t$t" "$gpu/galley" --device auto --read-threads "$t" $args
done
tar -czf "$out/warc-json.tgz" -C "$out" $(cd "$out" && ls stalls-*.json) &&
    rm -f "$out"/stalls-*.json
echo "== done"
