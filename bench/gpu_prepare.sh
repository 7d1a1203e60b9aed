#!/bin/sh
# gpu_prepare.sh — fill .gpu/ (ignored by git) with what bench/gpu_run.sh
# needs on the lent GPU machine, which can fetch nothing: the galley binary
# built here, the shared libraries it links that a CUDA image may lack (the
# OpenCL ICD loader, LMDB, zstd), the corpus generator and its training text.
#
#   bench/gpu_prepare.sh [BUILD_DIR [BASE_BUILD_DIR]]     default: build
#
# With BASE_BUILD_DIR, its galley (the same libraries) goes in as
# .gpu/galley-base, for gpu_stalls.sh and gpu_shards.sh to time a change
# against.  (Environment switches of one binary: gpu_switches.sh.)
#
# Then, with the device tool: run `sh bench/gpu_run.sh` with carry [".gpu"].
# Everything is about 40 MB, under the tool's 64 MiB limit.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shared=$(cd "$root/../shared" && pwd)
dst=$root/.gpu

grep -qx '/.gpu/' "$root/.git/info/exclude" 2>/dev/null ||
    echo '/.gpu/' >>"$root/.git/info/exclude"
rm -rf "$dst"
mkdir -p "$dst/lib" "$dst/train"

cp "$build/galley" "$dst/galley"
[ $# -lt 2 ] || cp "$2/galley" "$dst/galley-base"
# the libraries galley links, except glibc's own (the machine has a newer one)
ldd "$build/galley" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
    case $(basename "$lib") in
    libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | ld-linux*) ;;
    *) cp -L "$lib" "$dst/lib/" ;;
    esac
done
cp "$shared/tools/gen_news.py" "$dst/"
# the machine has no zstd command: plain JSON Lines to train on
for c in reuters21578 bbc; do
    zstd -dcq "$shared/corpora/$c.jsonl.zst" >"$dst/train/$c.jsonl"
done
du -sh "$dst"
