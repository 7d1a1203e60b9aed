#!/usr/bin/env python3
"""galley merge: indexes joined into one, nothing lost, nothing changed.

On a generated corpus in three files, one gzip-compressed (no ../shared
needed), indexed in 1 MB batches:
  - merging an index of the first file with one of the other two writes
    every content table byte for byte as one run over the three files does,
    keeps each document's source file (`galley show --all` equal), and
    verifies; merging one index alone rewrites it byte for byte;
  - the three shards of one run (`--shard K/3`), given in any order, merge
    into the whole index byte for byte (their documents back in the inputs'
    order), and so do two shards of which one was killed and resumed; two of
    the three, or shards of which one had another run appended, follow each
    other and answer every query (words, phrases, entities,
    prefixes, title:, NOT) with the hits, scores and snippets of the same
    shards searched as one, and list the same entities; shards of a file
    that changed between their runs are found out (exit 4);
  - `--append` adds a merge to an existing index;
  - a source damaged late in its stored text stops the merge with exit 3
    naming the source and the document, and the merged index keeps, and
    verifies, every batch committed before; stats says a merge is not
    resumed, and `index --resume` refuses it (exit 2);
  - usage: no -o, no source, a source given twice, the output among the
    sources, an output that holds an index without --append, an option of
    `galley index` that merge does not take (exit 2); a source that is no
    index (exit 4).
Skipped (77) when mdb_dump is missing.
"""
import gzip
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402
from test_corruption import dump, first_text_record, flip_copy  # noqa: E402
from test_optimize import corpus_queries  # noqa: E402

TABLES = ["postings", "lexicon", "vocab", "docs", "ids", "text", "docstats", "entities", "files"]


def build(a, f, out, *args):
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", out]
                         + list(args), timeout=600)
    f.check(rc == 0, "index -o %s: exit %d: %s" % (out, rc, err.strip()))


def merge(a, out, *args):
    return rc_.run([a.galley, "merge", "--device", "ref", "--batch-mb", "1", "-o", out]
                   + list(args), timeout=600)


def show_all(a, index):
    rc, out, err = rc_.run([a.galley, "show", index, "--all"], timeout=300)
    return out if rc == 0 else "exit %d: %s" % (rc, err)


def write_parts(a):
    """The corpus in three files (the second gzip-compressed), and its queries."""
    whole = os.path.join(a.work, "corpus.jsonl")
    rc_.write_news_corpus(whole, a.seed, 3)
    lines = open(whole, "rb").read().splitlines(keepends=True)
    third = len(lines) // 3
    parts = [os.path.join(a.work, n) for n in ("p1.jsonl", "p2.jsonl.gz", "p3.jsonl")]
    open(parts[0], "wb").write(b"".join(lines[:third]))
    with gzip.open(parts[1], "wb") as gz:
        gz.write(b"".join(lines[third:2 * third]))
    open(parts[2], "wb").write(b"".join(lines[2 * third:]))
    return parts, corpus_queries(whole, a.seed)


def hits(a, indexes, queries):
    """Every query's --json hits over the indexes, without what names an
    index's own document numbering."""
    text = "".join(q + "\n" for q in queries)
    rc, out, err = rc_.run([a.galley, "query"] + indexes + ["--queries", "-", "--json",
                                                            "--limit", "0"],
                           stdin=text.encode(), timeout=300)
    if rc not in (0, 1):
        raise AssertionError("query %s: exit %d: %s" % (" ".join(indexes), rc, err.strip()))
    res = []
    for line in out.splitlines():
        h = json.loads(line)
        h.pop("index", None)
        h.pop("doc", None)
        res.append(h)
    return res


def entity_counts(a, indexes):
    rc, out, err = rc_.run([a.galley, "entities"] + indexes + ["--top", "0", "--json"],
                           timeout=120)
    if rc != 0:
        raise AssertionError("entities: exit %d: %s" % (rc, err.strip()))
    return sorted((e["key"], e["docs"], e["mentions"]) for e in map(json.loads, out.splitlines()))


def check_parts(a, f, parts, whole):
    first, rest = os.path.join(a.work, "first"), os.path.join(a.work, "rest")
    build(a, f, first, parts[0])
    build(a, f, rest, *parts[1:])
    merged = os.path.join(a.work, "merged")
    rc, _, err = merge(a, merged, first, rest)
    f.check(rc == 0 and "galley: merged" in err, "merge: exit %d: %s" % (rc, err.strip()))
    for t in TABLES:
        f.check(rc_.dump_table(merged, t) == rc_.dump_table(whole, t),
                "table %s of the merge differs from the whole index's" % t)
    f.check(show_all(a, merged) == show_all(a, whole),
            "show --all of the merge differs from the whole index's (sources?)")
    rc, out = rc_.verify(a.galley, merged)
    f.check(rc == 0, "verify the merge: exit %d: %s" % (rc, out.strip()))
    alone = os.path.join(a.work, "alone")
    rc, _, err = merge(a, alone, rest)
    f.check(rc == 0, "merge of one index: exit %d: %s" % (rc, err.strip()))
    for t in TABLES:
        f.check(rc_.dump_table(alone, t) == rc_.dump_table(rest, t),
                "table %s of a lone index merged differs from the index's" % t)
    appended = os.path.join(a.work, "appended")
    shutil.copytree(first, appended)
    rc, _, err = merge(a, appended, "--append", rest)
    f.check(rc == 0, "merge --append: exit %d: %s" % (rc, err.strip()))
    f.check(show_all(a, appended) == show_all(a, whole),
            "show --all after merge --append differs from the whole index's")
    print("parts: merged tables equal the whole index's; one index alone; --append")
    return first, rest


def check_shards(a, f, parts, whole, queries):
    shards = []
    for k in (1, 2, 3):
        shards.append(os.path.join(a.work, "shard-%d" % k))
        build(a, f, shards[-1], "--shard", "%d/3" % k, *parts)
    # one run's shards, in any order: back in the inputs' order, the whole index byte for byte
    merged = os.path.join(a.work, "shards-merged")
    rc, _, err = merge(a, merged, shards[2], shards[0], shards[1])
    f.check(rc == 0, "merge of shards: exit %d: %s" % (rc, err.strip()))
    for t in TABLES:
        f.check(rc_.dump_table(merged, t) == rc_.dump_table(whole, t),
                "table %s of the merged shards differs from the whole index's" % t)
    f.check(rc_.stats(a.galley, merged).get("shard") is None,
            "the merged shards still say they are a shard")
    # two of the three: one after the other, as the two searched as one
    two = os.path.join(a.work, "two-shards")
    rc, _, err = merge(a, two, shards[0], shards[2])
    f.check(rc == 0, "merge of two shards of three: exit %d: %s" % (rc, err.strip()))
    one, many = hits(a, [two], queries), hits(a, [shards[0], shards[2]], queries)
    f.check(len(one) > 100 and one == many,
            "two shards merged answer %d hits, searched as one %d, or differently"
            % (len(one), len(many)))
    f.check(entity_counts(a, [two]) == entity_counts(a, [shards[0], shards[2]]),
            "two shards merged list other entities than the two searched as one")
    # a shard with another run appended is not one run's: one after the other again
    grown = os.path.join(a.work, "shard-grown")
    shutil.copytree(shards[1], grown)
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1",
                          "--append", "--shard", "2/3", "-o", grown, parts[0]], timeout=600)
    f.check(rc == 0, "--append to a shard: exit %d: %s" % (rc, err.strip()))
    mixed = os.path.join(a.work, "shards-mixed")
    rc, _, err = merge(a, mixed, shards[0], grown, shards[2])
    f.check(rc == 0, "merge of shards, one appended to: exit %d: %s" % (rc, err.strip()))
    one = hits(a, [mixed], queries)
    many = hits(a, [shards[0], grown, shards[2]], queries)
    f.check(one == many, "shards, one appended to, merged answer otherwise than searched as one")
    # shards of "the same" file that changed between their runs: found out, exit 4
    changing = os.path.join(a.work, "changing.jsonl")
    lines = open(parts[0], "rb").read().splitlines(keepends=True)
    odd = []
    for k, cut in ((1, len(lines)), (2, len(lines) // 2)):
        open(changing, "wb").write(b"".join(lines[:cut]))
        odd.append(os.path.join(a.work, "odd-%d" % k))
        build(a, f, odd[-1], "--shard", "%d/2" % k, changing)
    rc, _, err = merge(a, os.path.join(a.work, "odd-merged"), *odd)
    f.check(rc == 4 and "not of the same inputs" in err,
            "merge of shards of a file that changed: exit %d: %s" % (rc, err.strip()))
    # a shard killed after its first commit and resumed is still one run's: merged, the whole
    # (two shards of the inputs, so that each has more than one 1 MB batch)
    halves = [os.path.join(a.work, "half-1"), os.path.join(a.work, "half-2")]
    build(a, f, halves[0], "--shard", "1/2", *parts)
    argv = [a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "--shard", "2/2", "-o",
            halves[1]] + parts
    rc_.kill_after_commits(a.galley, argv, halves[1], 1)
    killed = rc_.stats(a.galley, halves[1])["documents"]
    rc, _, err = rc_.run(argv + ["--resume"], timeout=600)
    f.check(rc == 0, "--resume of a killed shard: exit %d: %s" % (rc, err.strip()))
    print("shard 2/2 killed after %d documents, resumed to %d"
          % (killed, rc_.stats(a.galley, halves[1])["documents"]))
    merged = os.path.join(a.work, "resumed-merged")
    rc, _, err = merge(a, merged, *halves)
    f.check(rc == 0 and all(rc_.dump_table(merged, t) == rc_.dump_table(whole, t) for t in TABLES),
            "two shards, one killed and resumed, merged: exit %d, or not the whole index: %s"
            % (rc, err.strip()))
    print("shards: merged in any order = the whole index; two of three and an appended one "
          "follow each other (%d hits)" % len(one))


def check_damaged(a, f, first, rest, whole_docs, parts):
    rng = random.Random(a.seed)
    blocks = dump(rest, "text")
    key, block = blocks[-1]
    damaged = os.path.join(a.work, "damaged")
    record = first_text_record(block)
    if not f.check(flip_copy(rest, damaged, record, rng, (8, len(record) - 4)),
                   "the last text block's first record is not found once in data.mdb"):
        return
    out = os.path.join(a.work, "partial")
    rc, _, err = merge(a, out, first, damaged)
    print("merge of a damaged source: " + err.strip().splitlines()[0])
    f.check(rc == 3 and damaged in err and "document" in err,
            "merge of a damaged source: exit %d: %s" % (rc, err.strip()))
    docs = rc_.stats(a.galley, out)["documents"]
    first_docs = rc_.stats(a.galley, first)["documents"]
    f.check(first_docs < docs < whole_docs,
            "the interrupted merge kept %d documents (the first source has %d, all %d)"
            % (docs, first_docs, whole_docs))
    rc, text = rc_.verify(a.galley, out)
    f.check(rc == 0, "verify what the interrupted merge kept: exit %d: %s" % (rc, text.strip()))
    # its files are the sources' inputs and its resume point counts source
    # documents: --resume with those inputs read them from a wrong place
    # and doubled documents; stats says to merge again, --resume refuses
    rc, text, err = rc_.run([a.galley, "stats", out])
    f.check(rc == 0 and "a merge is not resumed" in text and "--resume" not in text,
            "stats of an interrupted merge: exit %d: %s" % (rc, (text + err).strip()[-500:]))
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1",
                          "--resume", "-o", out] + parts, timeout=300)
    f.check(rc == 2 and "was a merge" in err and rc_.stats(a.galley, out)["documents"] == docs,
            "index --resume of an interrupted merge: exit %d (want 2, %d documents kept): %s"
            % (rc, docs, err.strip()))
    print("damaged source: exit 3, %d documents kept; --resume refused" % docs)


def check_usage(a, f, first, rest, parts):
    out = os.path.join(a.work, "usage-out")
    cases = [
        ([a.galley, "merge", first], 2, "missing -o"),
        ([a.galley, "merge", "-o", out], 2, "no source"),
        ([a.galley, "merge", "-o", out, first, first + "/."], 2, "a source twice"),
        ([a.galley, "merge", "-o", first, rest, first], 2, "the output among the sources"),
        ([a.galley, "merge", "-o", rest, first], 2, "an index without --append"),
        ([a.galley, "merge", "-o", out, "--shard", "1/2", first], 2, "--shard"),
        ([a.galley, "merge", "-o", out, "--resume", first], 2, "--resume"),
        ([a.galley, "merge", "-o", out, parts[0]], 4, "a file that is no index"),
        ([a.galley, "merge", "-o", out, os.path.join(a.work, "none")], 4, "a missing source"),
    ]
    for argv, want, what in cases:
        rc, _, err = rc_.run(argv)
        f.check(rc == want and err.count("\n") <= 2 and err.startswith("galley: error:"),
                "merge with %s: exit %d (want %d): %s" % (what, rc, want, err.strip()))
    f.check(not os.path.exists(os.path.join(out, "data.mdb")),
            "a refused merge created its output")


def check_all(a, f):
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    parts, queries = write_parts(a)
    whole = os.path.join(a.work, "whole")
    build(a, f, whole, *parts)
    first, rest = check_parts(a, f, parts, whole)
    check_shards(a, f, parts, whole, queries)
    check_damaged(a, f, first, rest, rc_.stats(a.galley, whole)["documents"], parts)
    check_usage(a, f, first, rest, parts)


def main():
    a = rc_.parse_args(__doc__.splitlines()[0])
    rc_.run_checks(a, rc_.Failures("merge"), check_all)


if __name__ == "__main__":
    main()
