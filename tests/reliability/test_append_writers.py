#!/usr/bin/env python3
"""--append, one writer at a time, and readers while a writer runs.

  - Reuters, then BBC with --append: both corpora's documents are found, the
    --count answers and entities (names, counts) equal those of one build
    over both inputs, BBC's first
    document is number len(Reuters) (doc ids continue), and it verifies.
    Indexing into a non-empty index without --append is refused.
  - While `galley index` writes (1 MB batches), a second `galley index` on
    the same directory (plain and --append) exits 3 with a message that says
    another galley process is writing it; queries run meanwhile always
    exit 0 or 1 and only ever see whole batches: the ids found for a query
    are exactly the full answer among the first N input documents for some
    N, and N never shrinks; `galley verify` passes while the writer runs.
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

QUERIES = ["said", "the", "bank", "film", '"interest rates"', "oil OR gas", "title:trade"]


def main():
    a = rc_.parse_args(__doc__, need_shared=True)
    rc_.need_zstd()
    f = rc_.Failures("append_writers")
    rc_.fresh_dir(a.work)
    reuters = rc_.corpus(a.shared, "reuters21578.jsonl.zst")
    bbc = rc_.corpus(a.shared, "bbc.jsonl.zst")
    scratch = rc_.scratch_dir(a.work, "append")
    try:
        check_append(a, f, scratch, reuters, bbc)
        check_writers(a, f, a.work, reuters, bbc)
    except AssertionError as e:
        f.check(False, str(e))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    f.exit()


def index(a, out, inputs, *extra, timeout=600):
    return rc_.run([a.galley, "index", "-q", "--device", "ref", "-o", out] + list(extra) + inputs,
                   timeout=timeout)


def check_append(a, f, scratch, reuters, bbc):
    both = os.path.join(scratch, "both")
    app = os.path.join(scratch, "append")
    rc, _, err = index(a, both, [reuters, bbc])
    f.check(rc == 0, "build over both inputs: exit %d: %s" % (rc, err.strip()))
    rc, _, err = index(a, app, [reuters])
    f.check(rc == 0, "build over Reuters: exit %d: %s" % (rc, err.strip()))
    n_reuters = rc_.stats(a.galley, app)["documents"]
    rc, _, err = index(a, app, [bbc])
    f.check(rc == 2 and "--append" in err,
            "indexing into a non-empty index without --append: exit %d (want 2 naming --append): %s"
            % (rc, err.strip()))
    f.check(rc_.stats(a.galley, app)["documents"] == n_reuters,
            "a refused build changed the index")
    rc, _, err = index(a, app, [bbc], "--append")
    f.check(rc == 0, "--append BBC: exit %d: %s" % (rc, err.strip()))
    st = rc_.stats(a.galley, app)
    want = rc_.stats(a.galley, both)["documents"]
    f.check(st["documents"] == want, "appended index: %d documents, want %d" % (st["documents"], want))
    c_both = rc_.query_counts(a.galley, both, QUERIES)
    c_app = rc_.query_counts(a.galley, app, QUERIES)
    f.check(c_both == c_app, "--count answers differ: one build %s, appended %s" % (c_both, c_app))
    # the second run names the forms its entities had in the first by number
    # (entity_forms.h): it must number them as the table does
    e_both, e_app = entity_list(a, f, both), entity_list(a, f, app)
    f.check(len(e_both) > 1000 and e_both == e_app,
            "entities differ: one build %d, appended %d (first difference: %s)" % (
                len(e_both), len(e_app),
                next((x for x in zip(e_both, e_app) if x[0] != x[1]), None)))
    bbc_ids = rc_.corpus_ids(bbc)
    reuters_ids = rc_.corpus_ids(reuters)
    rc, out, err = rc_.run([a.galley, "show", app, "#%d" % n_reuters])
    f.check(rc == 0 and bbc_ids[0] in out,
            "document #%d should be BBC's first, '%s': exit %d: %s" % (
                n_reuters, bbc_ids[0], rc, (out + err)[:300]))
    rc, out, err = rc_.run([a.galley, "show", app, reuters_ids[-1]])
    f.check(rc == 0, "Reuters' last document '%s' not found after --append: %s"
            % (reuters_ids[-1], err.strip()))
    rc, out, err = rc_.run([a.galley, "show", app, bbc_ids[-1]])
    f.check(rc == 0, "BBC's last document '%s' not found after --append: %s"
            % (bbc_ids[-1], err.strip()))
    vrc, vout = rc_.verify(a.galley, app)
    f.check(vrc == 0, "verify after --append: exit %d: %s" % (vrc, vout[-800:]))
    print("append: %d + %d documents, ids continue at #%d" % (
        n_reuters, st["documents"] - n_reuters, n_reuters), flush=True)


def entity_list(a, f, index):
    """Every entity of index: (key, display form, documents, mentions)."""
    rc, out, err = rc_.run([a.galley, "entities", index, "--top", "0", "--json"])
    f.check(rc == 0, "entities %s: exit %d: %s" % (index, rc, err.strip()))
    if rc != 0:
        return []
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return sorted((e["key"], e["entity"], e["docs"], e["mentions"]) for e in rows)


def check_writers(a, f, work, reuters, bbc):
    # on the work directory's own disk, so commits take real fsyncs and the
    # build lasts long enough to be watched
    idx = os.path.join(work, "concurrent")
    shutil.rmtree(idx, ignore_errors=True)
    inputs = [reuters, bbc]
    order = {}
    for p in inputs:
        for doc_id in rc_.corpus_ids(p):
            order.setdefault(doc_id, len(order))
    ref = os.path.join(work, "concurrent-ref")
    shutil.rmtree(ref, ignore_errors=True)
    rc, _, err = index(a, ref, inputs)
    f.check(rc == 0, "reference build: exit %d: %s" % (rc, err.strip()))
    full = rc_.query_ids(a.galley, ref, QUERIES)
    shutil.rmtree(ref, ignore_errors=True)

    w = subprocess.Popen([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", idx]
                         + inputs, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # wait for the first commit
        deadline = time.time() + 60
        while time.time() < deadline and not os.path.exists(os.path.join(idx, "data.mdb")):
            time.sleep(0.02)
        time.sleep(0.1)  # past the transaction that creates the tables
        refused = 0
        for extra in ([], ["--append"], ["--resume"]):
            if w.poll() is not None:
                break
            rc, _, err = index(a, idx, [bbc], *extra)
            if w.poll() is not None and rc != 3:
                break  # the writer finished first: nothing to race
            f.check(rc == 3 and "another galley process" in err,
                    "second writer %s: exit %d (want 3, 'another galley process'): %s"
                    % (extra, rc, err.strip()))
            refused += 1
        seen_n = 0
        rounds = verifies = 0
        while w.poll() is None:
            ids = rc_.query_ids(a.galley, idx, QUERIES)
            got_all = set().union(*ids.values())
            n = max((order[i] for i in got_all), default=-1) + 1
            for q in QUERIES:
                want = {i for i in full[q] if order[i] < n}
                f.check(ids[q] <= full[q], "during the build %r found ids the full index lacks" % q)
                # everything before the newest document seen must be there
                missing = want - ids[q]
                f.check(not missing, "during the build %r misses %d committed documents, e.g. %s"
                        % (q, len(missing), sorted(missing)[:3]))
            f.check(n >= seen_n, "a later query saw fewer documents (%d < %d)" % (n, seen_n))
            seen_n = max(seen_n, n)
            rounds += 1
            if rounds % 3 == 1 and w.poll() is None:
                vrc, vout = rc_.verify(a.galley, idx)
                f.check(vrc == 0, "verify during the build: exit %d: %s" % (vrc, vout[-800:]))
                verifies += 1
        w.wait(timeout=600)
        werr = w.stderr.read().decode("utf-8", "replace")
        f.check(w.returncode == 0, "the first writer failed (%d): %s" % (w.returncode, werr.strip()))
        print("writers: %d second writers refused; %d query rounds and %d verifies during the build"
              % (refused, rounds, verifies), flush=True)
        f.check(refused >= 1, "the build ended before a second writer could be tried")
        final = rc_.query_ids(a.galley, idx, QUERIES)
        f.check(final == full, "after the build the answers differ from the reference build")
    finally:
        if w.poll() is None:
            rc_.kill_group(w)
            w.wait()
        w.stderr.close()
        shutil.rmtree(idx, ignore_errors=True)


if __name__ == "__main__":
    main()
