#!/bin/sh
# gpu_run.sh — the whole GPU measurement in one call on the lent machine:
# make the NVIDIA OpenCL driver reachable, list the devices, generate a news
# corpus, and run `galley bench index` on every device; the results go to
# $OUT (the device tool brings them back) for bench/results/; then check
# that the GPU's index finds what the generator planted and answers the
# query set as the host's does (tests/test_planted_facts.py); and time one
# part built as 4 shards side by side (several writers: one index has one),
# by 4 processes and by one (--shards 4), against one index of it, and
# merged into one (in the log); the query set on the merged index, one
# thread and one per core at once; the language and prefix sets on the 4
# shards, searched one after another and a thread each (--part-threads).
# All of it is built as one index and as 4, 2 and 8 shards in one process
# (--shards: a writer each), and as 4 on the host path.  The builds
# use every core (--threads defaults to the cores beyond the reader and
# writers); one run with GALLEY_CL_DESIGN=cpu shows whether the kernels'
# GPU design pays.
#
#   sh bench/gpu_run.sh [N]     N generators of GEN_SIZE each (default 4 × 1G);
#                               needs .gpu/ (bench/gpu_prepare.sh)
#
# Each step says what it found; a missing driver is reported, not hidden.
set -u

size=${1:-4}
log_name=gpu_run.log
. "$(pwd)/bench/gpu_setup.sh"

echo "== galley bench index: the first device on all of it, then every device on one part"
# two builds each, taking turns, the faster reported: a fresh VM's first
# build pays for memory touched for the first time
"$gpu/galley" bench index "$corpus"/news-*.jsonl --device auto --repeat 2 \
    --json "$out/index-gpu.json"
"$gpu/galley" bench index "$corpus/news-0.jsonl" --device all --repeat 2 \
    --json "$out/index-gpu-1g-all.json"
echo "== several writers in one process: all of it as 4 shards (galley index --shards 4:"
echo "   the inputs read once, a pipeline and writer per shard), then 2, 8, 4 on the host path"
echo "   (does the device matter once the writer is not the limit?) and 4 with 32 threads"
"$gpu/galley" bench index "$corpus"/news-*.jsonl --device auto --shards 4 --repeat 2 \
    --json "$out/index-gpu-shards4.json"
for shards in "--shards 2 --device auto" "--shards 8 --device auto" "--shards 4 --device ref" \
              "--shards 4 --device auto --threads 32"; do
    echo "== all of it, $shards (one build; tables only)"
    # shellcheck disable=SC2086
    "$gpu/galley" bench index "$corpus"/news-*.jsonl $shards
done
echo "== the first device on one part with the kernels' CPU design: does the GPU design pay?"
GALLEY_CL_DESIGN=cpu "$gpu/galley" bench index "$corpus/news-0.jsonl" --device auto \
    --json "$out/index-gpu-1g-cpu-design.json"
echo "== several writers: one part as 4 shards built side by side (galley index --shard K/4),"
echo "   against the same part as one index; the shards searched as one must count the same"
rm -rf /tmp/galley-whole /tmp/galley-shard-*
sync
t0=$(date +%s.%N)
"$gpu/galley" index -q --device auto -o /tmp/galley-whole "$corpus/news-0.jsonl"
t1=$(date +%s.%N)
# the cores shared out: each shard's compressor, tokenizer and encoder threads
shard_threads=$(( $(nproc) / 4 )); [ "$shard_threads" -ge 3 ] || shard_threads=3
for k in 1 2 3 4; do
    "$gpu/galley" index -q --device auto --threads "$shard_threads" --shard "$k/4" -o "/tmp/galley-shard-$k" \
        "$corpus/news-0.jsonl" &
done
wait
t2=$(date +%s.%N)
rm -rf /tmp/galley-inproc
sync
t5=$(date +%s.%N)
"$gpu/galley" index -q --device auto --shards 4 -o /tmp/galley-inproc "$corpus/news-0.jsonl"
t6=$(date +%s.%N)
raw=$("$gpu/galley" stats --json /tmp/galley-whole | python3 -c 'import json,sys; print(json.load(sys.stdin)["raw_bytes"])')
python3 -c "
raw, a, b, c, d, e = $raw, $t0, $t1, $t2, $t5, $t6
print('one index: %.2f s, %.1f MB/s; 4 shards side by side: %.2f s, %.1f MB/s; --shards 4 in one process: %.2f s, %.1f MB/s'
      % (b - a, raw / 1e6 / (b - a), c - b, raw / 1e6 / (c - b), e - d, raw / 1e6 / (e - d)))
"
"$gpu/galley" query /tmp/galley-whole --queries "$here/bench/queries/reuters.txt" --count >/tmp/galley-count-whole
"$gpu/galley" query /tmp/galley-shard-1 /tmp/galley-shard-2 /tmp/galley-shard-3 /tmp/galley-shard-4 \
    --queries "$here/bench/queries/reuters.txt" --count >/tmp/galley-count-shards
cmp /tmp/galley-count-whole /tmp/galley-count-shards && echo "shards count as the whole index on every query"
"$gpu/galley" query /tmp/galley-inproc/shard-* --queries "$here/bench/queries/reuters.txt" \
    --count >/tmp/galley-count-inproc
cmp /tmp/galley-count-whole /tmp/galley-count-inproc && echo "--shards 4 counts as the whole index on every query"
echo "== the 4 shards merged into one index (galley merge: the one index of the part, byte for byte)"
rm -rf /tmp/galley-merged
t3=$(date +%s.%N)
"$gpu/galley" merge -q --device auto -o /tmp/galley-merged /tmp/galley-shard-1 /tmp/galley-shard-2 \
    /tmp/galley-shard-3 /tmp/galley-shard-4
t4=$(date +%s.%N)
python3 -c "print('merge of the 4 shards: %.2f s, %.1f MB/s' % ($t4 - $t3, $raw / 1e6 / ($t4 - $t3)))"
"$gpu/galley" query /tmp/galley-merged --queries "$here/bench/queries/reuters.txt" --count >/tmp/galley-count-merged
cmp /tmp/galley-count-whole /tmp/galley-count-merged && echo "the merge counts as the whole index on every query"
echo "== queries on the machine's cores: one thread, then one per core at once"
for t in 1 "$(nproc)"; do
    "$gpu/galley" bench query /tmp/galley-merged "$here/bench/queries/reuters.txt" --threads "$t" \
        --json "$out/query-gpu-machine-threads$t.json" | tail -2
done
echo "== one query over 4 shards: the shards one after another, then a thread each (--part-threads)"
for set in language prefix; do
    echo "-- $set set: one index, then the 4 shards with --part-threads 1 and 4"
    "$gpu/galley" bench query /tmp/galley-whole "$here/bench/queries/$set.txt" | grep latency
    for p in 1 4; do
        "$gpu/galley" bench query /tmp/galley-inproc "$here/bench/queries/$set.txt" --part-threads "$p" |
            grep latency
    done
done
rm -rf /tmp/galley-whole /tmp/galley-shard-* /tmp/galley-merged /tmp/galley-inproc
echo "== correct on the GPU too: the facts gen_news.py planted in one part, and the"
echo "   query set's hits, on indexes built by the first device and by the host"
python3 "$here/tests/test_planted_facts.py" --galley "$gpu/galley" --corpus "$corpus/news-0.jsonl" \
    --work /tmp/galley-planted --batch-mb 32
echo "planted facts: exit $?"
echo "== done"
