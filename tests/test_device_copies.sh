#!/bin/sh
# test_device_copies.sh GALLEY WORK SAMPLE — the path a GPU takes, on
# whatever OpenCL device is here (PoCL in CI): the kernels' GPU design
# (GALLEY_CL_DESIGN=gpu) copies tokens and entity mentions down into pinned
# memory (indexer/cl_pinned.h, the default) or, with GALLEY_CL_PINNED=0,
# into heap memory, waits for the device by clFinish or by polling
# (GALLEY_CL_WAIT=poll), and groups the tokens by term on the host or on the
# device (GALLEY_CL_GROUP=1); each must write the tables the reference path
# writes, over batches whose arrays grow.  A bad GALLEY_CL_PINNED,
# GALLEY_CL_WAIT or GALLEY_CL_GROUP is refused, the first before the index
# is made.  Exit 77 (ctest: skipped) without a device or lmdb-utils.
set -eu
galley=$1 work=$2 sample=$3
command -v mdb_dump >/dev/null && command -v mdb_stat >/dev/null ||
    { echo "skipped: mdb_dump or mdb_stat (lmdb-utils) missing"; exit 77; }
if ! "$galley" devices | grep -q '^ *0'; then
    echo "skipped: galley devices lists no OpenCL device"
    exit 77
fi
rm -rf "$work" && mkdir -p "$work"
# 120 copies of the sample, each with ids of its own: 4.6 MB, 5 batches of 1 MB
# growing from the smallest (the copy with the most text comes last)
i=0
while [ $i -lt 120 ]; do
    sed "s/\"id\": \"/\"id\": \"c$i-/" "$sample"
    [ $i -ge 100 ] && sed "s/\"id\": \"/\"id\": \"d$i-/" "$sample"
    i=$((i + 1))
done >"$work/in.jsonl"
# one line per content table: bench/index_digest.sh, what benchmarks compare
# builds with
digest() { sh "$(dirname "$0")/../bench/index_digest.sh" "$1"; }
"$galley" index -q --batch-mb 1 --device ref -o "$work/ref" "$work/in.jsonl"
digest "$work/ref" >"$work/ref.digest"
status=0
# pinned or not, waiting for the device by polling (GALLEY_CL_WAIT=poll), and
# the tokens grouped by term on the device (GALLEY_CL_GROUP=1, cl_group.h)
for setting in "PINNED=1" "PINNED=0" "PINNED=1 WAIT=poll" "PINNED=1 GROUP=1"; do
    name=$(echo "$setting" | tr -d '= ')
    vars=$(echo " $setting" | sed 's/ / GALLEY_CL_/g')
    # shellcheck disable=SC2086 # one word per variable
    env GALLEY_CL_DESIGN=gpu $vars \
        "$galley" bench index --device 0 --batch-mb 1 "$work/in.jsonl" >"$work/bench-$name.txt"
    # shellcheck disable=SC2086
    env GALLEY_CL_DESIGN=gpu $vars \
        "$galley" index -q --batch-mb 1 --device 0 -o "$work/$name" "$work/in.jsonl"
    digest "$work/$name" >"$work/$name.digest"
    if cmp -s "$work/ref.digest" "$work/$name.digest"; then
        echo "$setting: the same tables as the reference path"
    else
        echo "FAIL: $setting wrote other tables than the reference path:"
        diff "$work/ref.digest" "$work/$name.digest" || true
        status=1
    fi
done
# bench index says how much was pinned: some with 1, none with 0
grep -E 'down; [0-9.]+ [kMG]B pinned\)' "$work/bench-PINNED1.txt" | grep -vq ' 0.0 kB pinned' ||
    { echo "FAIL: GALLEY_CL_PINNED=1 pinned nothing"; grep pinned "$work/bench-PINNED1.txt"; status=1; }
grep -q ' 0.0 kB pinned)' "$work/bench-PINNED0.txt" ||
    { echo "FAIL: GALLEY_CL_PINNED=0 pinned memory"; grep pinned "$work/bench-PINNED0.txt"; status=1; }
# the sort's kernels ran, by bench index's kernel table
grep -q 'gal_radix_scatter' "$work/bench-PINNED1GROUP1.txt" ||
    { echo "FAIL: GALLEY_CL_GROUP=1 ran no sort"; status=1; }
if GALLEY_CL_DESIGN=gpu GALLEY_CL_PINNED=yes "$galley" index -q --device 0 -o "$work/bad" \
    "$work/in.jsonl" 2>"$work/bad.err"; then
    echo "FAIL: GALLEY_CL_PINNED=yes was taken"
    status=1
elif ! grep -q "bad GALLEY_CL_PINNED 'yes'" "$work/bad.err" || [ -e "$work/bad" ]; then
    echo "FAIL: GALLEY_CL_PINNED=yes: no clear error, or the index was made:"
    cat "$work/bad.err"
    status=1
fi
if GALLEY_CL_DESIGN=gpu GALLEY_CL_GROUP=2 "$galley" index -q --device 0 -o "$work/bad-group" \
    "$work/in.jsonl" 2>"$work/bad-group.err" ||
    ! grep -q "bad GALLEY_CL_GROUP '2'" "$work/bad-group.err"; then
    echo "FAIL: GALLEY_CL_GROUP=2 was taken, or without a clear error:"
    cat "$work/bad-group.err"
    status=1
fi
if GALLEY_CL_WAIT=spin "$galley" index -q --device 0 -o "$work/bad-wait" "$work/in.jsonl" \
    2>"$work/bad-wait.err" || ! grep -q "bad GALLEY_CL_WAIT 'spin'" "$work/bad-wait.err"; then
    echo "FAIL: GALLEY_CL_WAIT=spin was taken, or without a clear error:"
    cat "$work/bad-wait.err"
    status=1
fi
exit $status
