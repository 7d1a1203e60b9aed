#!/usr/bin/env python3
"""galley delete and optimize, at random: a purged index is the index of
what is left.

On a generated corpus (no ../shared needed) indexed in 1 MB batches, rounds
of random steps (the seed is printed; GALLEY_TEST_SEED repeats it): delete
a random share of the live documents (by id, by number or by a query),
append new documents, optimize with a random group size and text level.
After every round the index is set beside a reference built from the live
documents alone, in the same order:
  - `verify` is clean and `stats` counts the deleted and purged documents;
  - every query finds the reference's documents and counts them alike
    (a prefix that matches more than its cap of terms searches the first
    ones that a live document holds, as the reference does);
  - `entities --top 0` lists every entity with the reference's names and
    counts;
  - once an optimize has purged every deleted document, `stats` has the
    reference's tokens, terms and raw text bytes, and every query's top 10 has the
    reference's ids and BM25 scores.
"""
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402
from test_optimize import corpus_queries  # noqa: E402

ROUNDS = 6


def galley(a, *args, stdin=None):
    return rc_.run([a.galley] + list(args), stdin=stdin, timeout=600)


def build(a, f, out, paths, *args):
    rc, _, err = galley(a, "index", "--device", "ref", "--batch-mb", "1", "-o", out, *args, *paths)
    f.check(rc == 0, "index -o %s: exit %d: %s" % (out, rc, err.strip()))


def entities(a, index):
    rc, out, err = galley(a, "entities", index, "--top", "0", "--json")
    if rc != 0:
        return err
    return [(e["entity"], e["key"], e["docs"], e["mentions"])
            for e in map(json.loads, out.splitlines())]


def new_docs(a, rnd, path, tag):
    """A small dump of new documents (ids of their own)."""
    tmp = path + ".tmp"
    rc_.write_news_corpus(tmp, rnd.getrandbits(32), 1)
    with open(tmp) as src, open(path, "w") as out:
        for k, line in enumerate(src):
            r = json.loads(line)
            r["id"] = "%s-%d" % (tag, k)
            out.write(json.dumps(r) + "\n")
    os.remove(tmp)
    return [json.loads(l) for l in open(path)]


def delete_some(a, f, rnd, index, live, numbers):
    """Delete a random share of the live documents, one of three ways."""
    share = rnd.choice([0.02, 0.1, 0.3])
    gone = set(r["id"] for r in live if rnd.random() < share)
    how = rnd.choice(["ids", "numbers", "query"])
    if how == "query" and live:  # the documents of one random id's word
        word = rnd.choice(rnd.choice(live)["body"].split()[:5]).strip(".")
        rc, out, _ = galley(a, "query", index, word, "--ids", "--limit", "0")
        gone = set(out.split())
        rc, _, err = galley(a, "delete", index, "--query", word)
        f.check(rc == 0 and "deleted %d documents" % len(gone) in err,
                "delete --query %s: exit %d: %s" % (word, rc, err.strip()))
    elif gone:
        args = sorted(gone) if how == "ids" else sorted("#%d" % numbers[i] for i in gone)
        rc, _, err = galley(a, "delete", index, "--ids", "-",
                            stdin="".join(x + "\n" for x in args).encode())
        f.check(rc == 0 and "deleted %d documents" % len(gone) in err,
                "delete by %s: exit %d: %s" % (how, rc, err.strip()))
    return gone, how


def compare(a, f, index, live, queries, purged, what):
    ref = os.path.join(a.work, "ref")
    shutil.rmtree(ref, ignore_errors=True)
    live_path = os.path.join(a.work, "live.jsonl")
    with open(live_path, "w") as out:
        for r in live:
            out.write(json.dumps(r) + "\n")
    build(a, f, ref, [live_path])
    rc, out = rc_.verify(a.galley, index)
    f.check(rc == 0, "%s: verify: exit %d: %s" % (what, rc, out[-300:]))
    ids_i, ids_r = rc_.query_ids(a.galley, index, queries), rc_.query_ids(a.galley, ref, queries)
    n_i, n_r = rc_.query_counts(a.galley, index, queries), rc_.query_counts(a.galley, ref, queries)
    bad = [q for q in queries if ids_i[q] != ids_r[q] or n_i.get(q) != n_r.get(q)]
    f.check(not bad, "%s: %d queries find other documents than the reference, e.g. %r"
            % (what, len(bad), bad[:1]))
    f.check(entities(a, index) == entities(a, ref),
            "%s: entities differ from the reference's" % what)
    st, st_ref = rc_.stats(a.galley, index), rc_.stats(a.galley, ref)
    f.check(st["documents"] - st["deleted_documents"] == st_ref["documents"],
            "%s: %d documents, %d deleted, the reference %d" % (what, st["documents"],
                                                              st["deleted_documents"],
                                                              st_ref["documents"]))
    if purged:
        f.check(st["purged_documents"] == st["deleted_documents"],
                "%s: %d deleted, %d purged"
                % (what, st["deleted_documents"], st["purged_documents"]))
        for k in ("tokens", "terms", "raw_bytes"):
            f.check(st[k] == st_ref[k], "%s: %s %d, the reference %d" % (what, k, st[k], st_ref[k]))
        mine = rc_.top_hits(a.galley, index, queries)
        theirs = rc_.top_hits(a.galley, ref, queries)
        differ = [q for q in queries if mine[q] != theirs[q]]
        f.check(not differ, "%s: top hits or scores differ for %d queries, e.g. %r"
                % (what, len(differ), differ[:1]))


def check_rounds(a, f):
    rnd = random.Random(a.seed)
    first = os.path.join(a.work, "first.jsonl")
    rc_.write_news_corpus(first, a.seed, 3)
    live = [json.loads(l) for l in open(first)]
    numbers = {r["id"]: k for k, r in enumerate(live)}  # every document's number in the index
    queries = corpus_queries(first, a.seed)
    index = os.path.join(a.work, "index")
    build(a, f, index, [first])
    ndocs = len(live)
    for rnd_no in range(ROUNDS):
        steps = []
        gone, how = delete_some(a, f, rnd, index, live, numbers)
        live = [r for r in live if r["id"] not in gone]
        steps.append("delete %d by %s" % (len(gone), how))
        if rnd.random() < 0.5:
            extra = os.path.join(a.work, "extra-%d.jsonl" % rnd_no)
            docs = new_docs(a, rnd, extra, "r%d" % rnd_no)
            build(a, f, index, [extra], "--append")
            for r in docs:
                numbers[r["id"]] = ndocs
                ndocs += 1
            live += docs
            steps.append("append %d" % len(docs))
        purged = rnd.random() < 0.7
        if purged:
            group = rnd.choice(["1", "2000", str(1 << 22)])
            level = rnd.choice(["0", "3", "7"])
            rc, _, err = galley(a, "optimize", "-q", "--group-docs", group, "--text-level", level,
                                index)
            f.check(rc == 0, "optimize: exit %d: %s" % (rc, err.strip()))
            steps.append("optimize --group-docs %s --text-level %s" % (group, level))
        what = "round %d (%s)" % (rnd_no + 1, ", ".join(steps))
        compare(a, f, index, live, queries, purged, what)
        print("%s: %d live documents, as the reference" % (what, len(live)))


def main():
    a = rc_.parse_args(__doc__.splitlines()[0])
    rc_.run_checks(a, rc_.Failures("purge"), check_rounds)


if __name__ == "__main__":
    main()
