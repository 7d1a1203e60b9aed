#!/bin/sh
# gen_corpus.sh — make the generated news corpus that the benchmarks use,
# unless it is already there.
#
#   bench/gen_corpus.sh [OUT [SIZE]]     defaults: /tmp/news-1g.jsonl 1G
#
# The corpus is ../shared/tools/gen_news.py output trained on the real
# Reuters-21578 and BBC corpora, seed 7, with 100 planted facts of each kind
# (OUT.planted.json lists them).  Same arguments, same bytes: see
# ../shared/tools/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared" && pwd)
out=${1:-/tmp/news-1g.jsonl}
size=${2:-1G}

if [ -s "$out" ] && [ -s "$out.planted.json" ]; then
    echo "gen_corpus: '$out' exists ($(wc -c < "$out") bytes); nothing to do" >&2
    exit 0
fi

tmp="$out.partial.$$"
trap 'rm -f "$tmp" "$tmp.planted.json"' EXIT INT TERM
python3 "$shared/tools/gen_news.py" \
    --train "$shared/corpora/reuters21578.jsonl.zst" \
    --train "$shared/corpora/bbc.jsonl.zst" \
    --size "$size" --seed 7 --plant 100 --quiet --out "$tmp"
mv "$tmp.planted.json" "$out.planted.json"
mv "$tmp" "$out"
trap - EXIT INT TERM
echo "gen_corpus: wrote '$out' ($(wc -c < "$out") bytes)" >&2
