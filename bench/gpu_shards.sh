#!/bin/sh
# gpu_shards.sh — several writers on the lent GPU machine (`galley index
# --shards N`): how many shards pay on its cores and, with .gpu/galley-base
# (gpu_prepare.sh's second argument), a change to how a shard's threads are
# shared out, timed against the base: the two binaries alternately, twice
# each, on all of the generated corpus as 4 shards, then once each as one
# index (one writer sets its pace: it should not move); then the new binary
# with 2, 3, 6 and 8 shards and with 4 of 6 threads each.  Last, that what
# it builds is right: 4 shards of one part count as one index of it on the
# query set and verify, and one index finds what gen_news.py planted.
#
#   sh bench/gpu_shards.sh [N]   N parts of GEN_SIZE (default 3 × 1G);
#                                needs .gpu/ (bench/gpu_prepare.sh)
set -u

size=${1:-3}
log_name=gpu_shards.log
. "$(pwd)/bench/gpu_setup.sh"

if [ -x "$gpu/galley-base" ]; then
    # alternating, so that neither gets the machine's quieter minutes or
    # the memory the other touched first
    for round in 1 2; do
        bench_run "shards4-base-$round" "$gpu/galley-base" --device auto --shards 4
        bench_run "shards4-new-$round" "$gpu/galley" --device auto --shards 4
    done
    bench_run one-base "$gpu/galley-base" --device auto
    bench_run one-new "$gpu/galley" --device auto
fi
for n in 2 3 6 8; do
    bench_run "shards$n" "$gpu/galley" --device auto --shards "$n"
done
bench_run shards4-threads24 "$gpu/galley" --device auto --shards 4 --threads 24

echo "== right: 4 shards of one part count as one index of it and verify; the planted facts"
part=$corpus/news-0.jsonl
queries=$here/bench/queries/reuters.txt
rm -rf /tmp/galley-one /tmp/galley-s4
"$gpu/galley" index -q --device auto -o /tmp/galley-one "$part"
"$gpu/galley" index -q --device auto --shards 4 -o /tmp/galley-s4 "$part"
"$gpu/galley" query /tmp/galley-one --queries "$queries" --count >/tmp/galley-count-one
"$gpu/galley" query /tmp/galley-s4 --queries "$queries" --count >/tmp/galley-count-s4
cmp /tmp/galley-count-one /tmp/galley-count-s4 && echo "4 shards count as one index on every query"
"$gpu/galley" verify /tmp/galley-s4 >/dev/null
echo "verify of the 4 shards: exit $?"
rm -rf /tmp/galley-one /tmp/galley-s4
python3 "$here/tests/test_planted_facts.py" --galley "$gpu/galley" --corpus "$part" \
    --work /tmp/galley-planted --batch-mb 32
echo "planted facts: exit $?"
echo "== done"
