#!/bin/sh
# gpu_run.sh — the whole GPU measurement in one call on the lent machine:
# make the NVIDIA OpenCL driver reachable, list the devices, generate a news
# corpus, and run `galley bench index` on every device; the results go to
# $OUT (the device tool brings them back) for bench/results/; then check
# that the GPU's index finds what the generator planted and answers the
# query set as the host's does (tests/test_planted_facts.py); and time one
# part built as 4 shards side by side (several writers: one index has one)
# against one index of it, and merged into one (in the log); the query set
# on the merged index, one thread and one per core at once.  The builds
# use every core (--threads defaults to the cores beyond the reader and
# writer); one run with --threads 3 shows what the extra threads add, and
# one with GALLEY_CL_DESIGN=cpu whether the kernels' GPU design pays.
#
#   sh bench/gpu_run.sh [N]     N generators of GEN_SIZE each (default 4 × 1G);
#                               needs .gpu/ (bench/gpu_prepare.sh)
#
# Each step says what it found; a missing driver is reported, not hidden.
set -u

here=$(pwd)
gpu=$here/.gpu
out=${OUT:-/tmp/galley-gpu-out}
size=${1:-4}
per=${GEN_SIZE:-1G}
mkdir -p "$out"
log=$out/gpu_run.log
exec 3>&2 >"$log" 2>&1 || exit 1
trap 'cat "$log" >&3' EXIT   # the log, and on the terminal (the tool shows its end)

echo "== machine"
date -u; uname -a; nproc; free -g | head -2
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1

echo "== OpenCL driver"
export LD_LIBRARY_PATH=$gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
icd=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
           -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)
if [ -n "$icd" ]; then
    mkdir -p /etc/OpenCL/vendors
    # beside whatever the image lists already (a PoCL one, say): without its
    # own entry the loader never opens NVIDIA's library
    grep -qs "libnvidia-opencl" /etc/OpenCL/vendors/*.icd || echo "$icd" >/etc/OpenCL/vendors/nvidia.icd
    echo "NVIDIA OpenCL library: $icd"; for f in /etc/OpenCL/vendors/*.icd; do echo "$f: $(cat "$f")"; done
else
    echo "MISSING: no libnvidia-opencl.so.1 under /usr/local/nvidia or the library dirs"
fi

echo "== galley devices"
"$gpu/galley" devices
"$gpu/galley" devices --json >"$out/devices.json"

echo "== corpus: $size × $per of gen_news.py output, generated in parallel"
corpus=/tmp/galley-news
mkdir -p "$corpus"
t0=$(date +%s)
i=0
while [ "$i" -lt "$size" ]; do
    python3 "$gpu/gen_news.py" --train "$gpu/train/reuters21578.jsonl" \
        --train "$gpu/train/bbc.jsonl" --size "$per" --seed $((7 + i)) --plant 100 --quiet \
        --out "$corpus/news-$i.jsonl" &
    i=$((i + 1))
done
wait
echo "generated in $(( $(date +%s) - t0 )) s:"; ls -l "$corpus"

echo "== galley bench index: the first device on all of it, then every device on one part"
export POCL_CACHE_DIR=/tmp/galley-pocl GALLEY_CACHE_DIR=/tmp/galley-cl-cache TMPDIR=/tmp
"$gpu/galley" bench index "$corpus"/news-*.jsonl --device auto \
    --json "$out/index-gpu.json"
"$gpu/galley" bench index "$corpus/news-0.jsonl" --device all \
    --json "$out/index-gpu-1g-all.json"
echo "== the first device on one part with one thread per stage: what the cores add"
"$gpu/galley" bench index "$corpus/news-0.jsonl" --device auto --threads 3 \
    --json "$out/index-gpu-1g-threads3.json"
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
raw=$("$gpu/galley" stats --json /tmp/galley-whole | python3 -c 'import json,sys; print(json.load(sys.stdin)["raw_bytes"])')
python3 -c "
raw, a, b, c = $raw, $t0, $t1, $t2
print('one index: %.2f s, %.1f MB/s; 4 shards side by side: %.2f s, %.1f MB/s' % (b - a, raw / 1e6 / (b - a), c - b, raw / 1e6 / (c - b)))
"
"$gpu/galley" query /tmp/galley-whole --queries "$here/bench/queries/reuters.txt" --count >/tmp/galley-count-whole
"$gpu/galley" query /tmp/galley-shard-1 /tmp/galley-shard-2 /tmp/galley-shard-3 /tmp/galley-shard-4 \
    --queries "$here/bench/queries/reuters.txt" --count >/tmp/galley-count-shards
cmp /tmp/galley-count-whole /tmp/galley-count-shards && echo "shards count as the whole index on every query"
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
rm -rf /tmp/galley-whole /tmp/galley-shard-* /tmp/galley-merged
echo "== correct on the GPU too: the facts gen_news.py planted in one part, and the"
echo "   query set's hits, on indexes built by the first device and by the host"
python3 "$here/tests/test_planted_facts.py" --galley "$gpu/galley" --corpus "$corpus/news-0.jsonl" \
    --work /tmp/galley-planted --batch-mb 32
echo "planted facts: exit $?"
echo "== done"
