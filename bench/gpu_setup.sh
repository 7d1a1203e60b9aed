# gpu_setup.sh — sourced, from the repository root, by the scripts that run
# on the lent GPU machine (gpu_run.sh, gpu_stalls.sh): send everything to
# $OUT/$log_name (and the log to the terminal at the end: the tool shows
# its tail), describe the machine, make the NVIDIA OpenCL driver reachable,
# list the devices into $out/devices.json, and generate $size parts of
# GEN_SIZE (default 1G) of news into /tmp/galley-news ($corpus).  Sets
# here, gpu (the .gpu/ folder), out, per, log and corpus, and defines
# bench_run.

here=$(pwd)
gpu=$here/.gpu
out=${OUT:-/tmp/galley-gpu-out}
per=${GEN_SIZE:-1G}
mkdir -p "$out"
log=$out/$log_name
exec 3>&2 >"$log" 2>&1 || exit 1
trap 'cat "$log" >&3' EXIT

echo "== machine"
date -u; uname -a; nproc; free -g | head -2
# threads per core: whether the cores are hyperthreads of half as many
lscpu 2>/dev/null | grep -E "^(Model name|Thread|Core|Socket|CPU\(s\))" || true
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

export POCL_CACHE_DIR=/tmp/galley-pocl GALLEY_CACHE_DIR=/tmp/galley-cl-cache TMPDIR=/tmp
inputs="$corpus/news-*.jsonl"
bench_run() { # NAME BINARY ARGS...: one bench index of $inputs, its JSON to $out/stalls-NAME.json
    name=$1
    bin=$2
    shift 2
    echo "== bench index, $name: $*"
    # the tables' explanations once is enough: leave them out of the log
    # shellcheck disable=SC2086 # $inputs is a glob
    "$bin" bench index $inputs "$@" --json "$out/stalls-$name.json" |
        grep -v -e '^busy seconds' -e '^(read)' -e '^training' -e '^(encode)' \
                -e '^input:' -e '^for an' -e '^bigram' -e '^on; commit' -e '^in-memory known' -e '^on a thread beside'
}
