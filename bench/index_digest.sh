#!/bin/sh
# index_digest.sh INDEX_DIR — one line per content table of a galley index:
# its name, entries and the md5 of its keys and values (mdb_dump, from
# lmdb-utils).  Two builds that should write the same index (a change meant
# to keep the format's bytes) must print the same lines; meta and files are
# left out, as they hold times and paths.
set -eu
dir=${1:?usage: index_digest.sh INDEX_DIR}
for t in postings lexicon vocab docs ids text docstats entities; do
    n=$(mdb_stat -s "$t" "$dir" | awk '/Entries:/ {print $2}')
    printf '%-9s %10s  %s\n' "$t" "$n" "$(mdb_dump -s "$t" "$dir" | md5sum | cut -c1-32)"
done
