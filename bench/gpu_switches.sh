#!/bin/sh
# gpu_switches.sh — the one galley binary under several settings of its
# environment on the lent GPU machine, side by side: each setting in turn,
# ROUNDS times over, on all of the generated corpus with ARGS, then each
# once as one index.  For switches such as GALLEY_CL_PINNED (pinned host
# memory for the device's copies), GALLEY_CL_WAIT (how the host waits for
# the device) and GALLEY_CL_GROUP (tokens grouped by term on the device),
# which a GPU alone can weigh; bench index's CPU table says what the
# tokenizer threads' waits cost and what the encoders saved.  A setting's
# words without '=' are options added to the command (--text-level 0: the
# stored text left for `galley optimize`, which frees the compressors'
# cores; --read-threads 4: JSON Lines parsed on 4 threads, where the one
# reader thread set the pace in the twenty-seventh session's runs;
# --keep-cache: the index's pages left in the page cache, which the
# default hands back after each commit).
#
#   [SWITCHES="VAR=V ...|VAR=V ...|..."] [ARGS="--shards 4"] [ROUNDS=2]
#   [RUN_LIMIT=150] sh bench/gpu_switches.sh [N]
#       N parts of GEN_SIZE (default 3 × 1G); needs .gpu/ (bench/gpu_prepare.sh);
#       SWITCHES defaults to unpinned, pinned, pinned with polling,
#       pinned with grouping on the device, pinned with the text stored
#       as it is, and pinned with JSON Lines parsed on 4 threads
#       (--keep-cache, before, is a setting to name in SWITCHES);
#       RUN_LIMIT: seconds a run may take
set -u

size=${1:-3}
log_name=gpu_switches.log
. "$(pwd)/bench/gpu_setup.sh"

switches=${SWITCHES:-GALLEY_CL_PINNED=0|GALLEY_CL_PINNED=1|GALLEY_CL_PINNED=1 GALLEY_CL_WAIT=poll|GALLEY_CL_PINNED=1 GALLEY_CL_GROUP=1|GALLEY_CL_PINNED=1 --text-level 0|GALLEY_CL_PINNED=1 --read-threads 4}
args=${ARGS:---shards 4}
rounds=${ROUNDS:-2}
# a wrapper per setting, so that bench_run runs it as a binary; a run's
# name: the setting's values joined
wrappers=/tmp/galley-switches
rm -rf "$wrappers" && mkdir -p "$wrappers"
oldifs=$IFS
IFS='|'
k=0
for set in $switches; do
    k=$((k + 1))
    # a setting that runs far slower than the others must not eat the call
    envs=$(echo "$set" | tr ' ' '\n' | grep '=' | tr '\n' ' ')
    extra=$(echo "$set" | tr ' ' '\n' | grep -v '=' | tr '\n' ' ')
    printf '#!/bin/sh\nexec timeout %s env %s "%s" "$@" %s\n' "${RUN_LIMIT:-150}" "$envs" \
        "$gpu/galley" "$extra" >"$wrappers/$k"
    chmod +x "$wrappers/$k"
    echo "$set" >"$wrappers/$k.name"
done
IFS=$oldifs
name_of() { sed -e 's/GALLEY_CL_//g' -e 's/--//g' -e 's/[= ]//g' "$wrappers/$1.name"; }
round=1
while [ "$round" -le "$rounds" ]; do
    i=1
    while [ "$i" -le "$k" ]; do
        echo "== setting $i: $(cat "$wrappers/$i.name")"
        # shellcheck disable=SC2086
        bench_run "$(name_of $i)-$round" "$wrappers/$i" --device auto $args
        i=$((i + 1))
    done
    round=$((round + 1))
done
i=1
while [ "$i" -le "$k" ]; do
    echo "== setting $i: $(cat "$wrappers/$i.name"), one index"
    bench_run "$(name_of $i)-one" "$wrappers/$i" --device auto
    i=$((i + 1))
done
# the device tool brings back a few files: the runs' JSON as one
tar -czf "$out/switches-json.tgz" -C "$out" $(cd "$out" && ls stalls-*.json) &&
    rm -f "$out"/stalls-*.json
echo "== done"
