#!/bin/sh
# gpu_shards.sh — several writers on the lent GPU machine (`galley index
# --shards N`): how many shards and threads pay on its cores and, with
# .gpu/galley-base (gpu_prepare.sh's second argument), a change timed
# against the base: the two binaries alternately, twice each, on all of the
# generated corpus with each of AB's argument sets, then once each as one
# index (one writer sets its pace); then the new binary with each of
# SWEEP's.  Last, that what it builds is right: 4 shards of one part count
# as one index of it on the query set and verify, and (PLANTED=1) one index
# finds what gen_news.py planted.
#
#   [AB=ARGS|ARGS...] [SWEEP=ARGS|ARGS...] [PLANTED=0] sh bench/gpu_shards.sh [N]
#       N parts of GEN_SIZE (default 3 × 1G); needs .gpu/ (bench/gpu_prepare.sh);
#       AB defaults to "--shards 4", SWEEP to 2, 3, 6 and 8 shards and 4
#       shards of 6 threads each
set -u

size=${1:-3}
log_name=gpu_shards.log
. "$(pwd)/bench/gpu_setup.sh"

ab=${AB:---shards 4}
sweep=${SWEEP:---shards 2|--shards 3|--shards 6|--shards 8|--shards 4 --threads 24}
# a run's name: its arguments without dashes and spaces
name_of() { echo "$*" | sed -e 's/--//g' -e 's/ //g'; }
oldifs=$IFS
if [ -x "$gpu/galley-base" ]; then
    IFS='|'
    for args in $ab; do
        IFS=$oldifs
        # alternating, so that neither gets the machine's quieter minutes
        # or the memory the other touched first
        for round in 1 2; do
            # shellcheck disable=SC2086
            bench_run "$(name_of $args)-base-$round" "$gpu/galley-base" --device auto $args
            # shellcheck disable=SC2086
            bench_run "$(name_of $args)-new-$round" "$gpu/galley" --device auto $args
        done
    done
    IFS=$oldifs
    bench_run one-base "$gpu/galley-base" --device auto
    bench_run one-new "$gpu/galley" --device auto
fi
IFS='|'
for args in $sweep; do
    IFS=$oldifs
    # shellcheck disable=SC2086
    bench_run "$(name_of $args)" "$gpu/galley" --device auto $args
done
IFS=$oldifs

echo "== right: 4 shards of one part count as one index of it and verify"
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
if [ "${PLANTED:-1}" = 1 ]; then
    python3 "$here/tests/test_planted_facts.py" --galley "$gpu/galley" --corpus "$part" \
        --work /tmp/galley-planted --batch-mb 32
    echo "planted facts: exit $?"
fi
echo "== done"
