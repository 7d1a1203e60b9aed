#!/usr/bin/env python3
"""Kill `galley index` with SIGKILL at random moments, then resume.

Over Reuters + BBC (JSONL, zstd) with 1 MB batches, each trial starts a
build, kills it after a random delay, and checks that
  - the index opens and answers (galley query exits 0 or 1), and `galley
    verify` passes;
  - `stats` says the run stopped (last_run_complete false) while some
    documents are missing, and true once resumed;
  - every committed document is answerable: for a fixed set of queries the
    ids found are exactly those the uninterrupted index finds among the
    first N documents (N = documents committed);
  - `galley index --resume` with the same inputs ends with the same document
    count and the same --count answers as an uninterrupted run, and the
    resumed index verifies.
Seed: --seed or GALLEY_TEST_SEED (printed); trials: --trials (default 20).
"""
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

QUERIES = [
    "the", "said", "pct", "mln", "year", "government", "bank", '"bank of england"',
    "oil OR gas", "title:trade", "market -shares", "compan*", "film", "football",
    '"interest rates"', "minister", "reuter",
]


def main():
    a = rc_.parse_args(__doc__, need_shared=True,
                       extra=lambda ap: ap.add_argument("--trials", type=int, default=20))
    rc_.need_zstd()
    inputs = [rc_.corpus(a.shared, "reuters21578.jsonl.zst"), rc_.corpus(a.shared, "bbc.jsonl.zst")]
    if os.environ.get("GALLEY_SANITIZED") and a.trials > 6:
        a.trials = 6
        print("sanitized build: %d trials" % a.trials)
    print("%d trials" % a.trials, flush=True)
    f = rc_.Failures("kill_resume")
    rc_.fresh_dir(a.work)
    scratch = rc_.scratch_dir(a.work, "kill")
    try:
        run_trials(a, f, inputs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    f.exit()


def index_cmd(a, out, inputs, *extra):
    return [a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", out] + \
        list(extra) + inputs


def run_trials(a, f, inputs, scratch):
    order = {}
    for p in inputs:
        for doc_id in rc_.corpus_ids(p):
            order.setdefault(doc_id, len(order))

    full = os.path.join(scratch, "full")
    t0 = time.time()
    rc, _, err = rc_.run(index_cmd(a, full, inputs), timeout=600)
    full_secs = time.time() - t0
    if not f.check(rc == 0, "uninterrupted build failed (%d): %s" % (rc, err.strip())):
        return
    full_docs = rc_.stats(a.galley, full)["documents"]
    f.check(full_docs == len(order), "full index holds %d documents, the inputs %d"
            % (full_docs, len(order)))
    full_ids = rc_.query_ids(a.galley, full, QUERIES)
    full_counts = rc_.query_counts(a.galley, full, QUERIES)
    print("uninterrupted build: %d documents in %.1f s" % (full_docs, full_secs), flush=True)

    rng = random.Random(a.seed)
    delays = [rng.uniform(0.02, full_secs * 1.05) for _ in range(a.trials)]

    def trial(k):
        return one_trial(a, inputs, scratch, k, delays[k], order, full_docs, full_ids, full_counts)

    # two at a time: a trial mostly waits on its child processes
    with ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(trial, range(a.trials)))
    killed_at = []
    for k, (problems, note, committed) in enumerate(results):
        print("trial %2d: kill after %.2f s: %s" % (k, delays[k], note), flush=True)
        for p in problems:
            f.check(False, "trial %d (seed %d): %s" % (k, a.seed, p))
        if committed is not None:
            killed_at.append(committed)
    mid = [n for n in killed_at if 0 < n < full_docs]
    print("%d trials killed a build between its first and last commit" % len(mid))


def one_trial(a, inputs, scratch, k, delay, order, full_docs, full_ids, full_counts):
    problems = []
    d = os.path.join(scratch, "t%02d" % k)
    shutil.rmtree(d, ignore_errors=True)
    p = subprocess.Popen(index_cmd(a, d, inputs), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    time.sleep(delay)
    killed = p.poll() is None
    if killed:
        rc_.kill_group(p)
    p.wait()
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    if not killed and p.returncode != 0:
        problems.append("build ended with %d before the kill: %s" % (p.returncode, err.strip()))
        return problems, "failed", None
    committed = None
    try:
        if os.path.exists(os.path.join(d, "data.mdb")):
            st = rc_.stats(a.galley, d)
            committed = st["documents"]
            if 0 < committed < full_docs and st.get("last_run_complete") is not False:
                problems.append("stats after the kill at %d documents: last_run_complete %r"
                                % (committed, st.get("last_run_complete")))
            vrc, vout = rc_.verify(a.galley, d)
            if vrc != 0:
                problems.append("verify after the kill: exit %d: %s" % (vrc, vout.strip()[-800:]))
            ids = rc_.query_ids(a.galley, d, list(full_ids))
            for q, want_all in full_ids.items():
                want = {i for i in want_all if order[i] < committed}
                got = ids.get(q, set())
                if got != want:
                    problems.append("after the kill at %d documents, %r finds %d ids, expected %d "
                                    "(missing %s, extra %s)" % (
                                        committed, q, len(got), len(want),
                                        sorted(want - got)[:5], sorted(got - want)[:5]))
        else:
            committed = 0
        rrc, _, rerr = rc_.run(index_cmd(a, d, inputs, "--resume"), timeout=600)
        if rrc != 0:
            problems.append("--resume failed with %d: %s" % (rrc, rerr.strip()))
        else:
            st = rc_.stats(a.galley, d)
            docs = st["documents"]
            if st.get("last_run_complete") is not True:
                problems.append("stats after --resume: last_run_complete %r"
                                % st.get("last_run_complete"))
            if docs != full_docs:
                problems.append("resumed index holds %d documents, uninterrupted %d"
                                % (docs, full_docs))
            counts = rc_.query_counts(a.galley, d, list(full_counts))
            for q, n in full_counts.items():
                if counts.get(q) != n:
                    problems.append("resumed index: %r counts %s, uninterrupted %d"
                                    % (q, counts.get(q), n))
            vrc, vout = rc_.verify(a.galley, d)
            if vrc != 0:
                problems.append("verify after --resume: exit %d: %s" % (vrc, vout.strip()[-800:]))
    except AssertionError as e:
        problems.append(str(e))
    note = ("killed with %s documents committed" % committed) if killed else "finished before the kill"
    shutil.rmtree(d, ignore_errors=True)
    return problems, note, committed if killed else None


if __name__ == "__main__":
    main()
