#!/bin/sh
# gpu_stalls.sh — where the pipeline waits on the lent GPU machine: the
# whole generated corpus through `galley bench index`, each run reporting
# every stage's waits (input, order, room) and the writer's commits.  With
# .gpu/galley-base (gpu_prepare.sh's second argument) it times a change:
# the base and the new binary alternately, twice each, on the GPU, then
# once each on one part, and checks the new one's index against the facts
# the generator planted (tests/test_planted_facts.py); without, the GPU,
# the host path, twice the threads and half-size batches.  A shorter call
# than gpu_run.sh, for after a change to the pipeline.
#
#   sh bench/gpu_stalls.sh [N]   N parts of GEN_SIZE (default 3 × 1G);
#                                needs .gpu/ (bench/gpu_prepare.sh)
set -u

size=${1:-3}
log_name=gpu_stalls.log
. "$(pwd)/bench/gpu_setup.sh"

if [ -x "$gpu/galley-base" ]; then
    # a change against the commit before it, alternating, so that neither
    # gets the machine's quieter minutes or memory the other touched first
    for round in 1 2; do
        bench_run "base-$round" "$gpu/galley-base" --device auto
        bench_run "new-$round" "$gpu/galley" --device auto
    done
    inputs="$corpus/news-0.jsonl" # one part: the pipeline's fill weighs more
    bench_run base-part "$gpu/galley-base" --device auto
    bench_run new-part "$gpu/galley" --device auto
    echo "== the new binary's index on the GPU finds what gen_news.py planted, as the host's does"
    python3 "$here/tests/test_planted_facts.py" --galley "$gpu/galley" --corpus "$corpus/news-0.jsonl" \
        --work /tmp/galley-planted --batch-mb 32
    echo "planted facts: exit $?"
else
    bench_run gpu "$gpu/galley" --device auto
    bench_run ref "$gpu/galley" --device ref
    bench_run gpu-threads "$gpu/galley" --device auto --threads $(( 2 * $(nproc) ))
    bench_run gpu-batch16 "$gpu/galley" --device auto --batch-mb 16
fi
echo "== done"
