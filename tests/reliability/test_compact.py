#!/usr/bin/env python3
"""galley compact: a copy without free pages that answers like the original.

  - The bundled sample: the compacted copy verifies, answers every query
    with the same ids and ranking as the original, and takes --append; a
    second compact into the same OUT exits 2 and leaves it intact; a missing
    INDEX exits 3.
  - A generated corpus in 1 MB batches (no ../shared needed), then an
    --append to it: builds leave next to no free pages, since every commit
    appends; the compacted copy is within 3% of the file each time.
  - Reuters in 1 MB batches (skipped with a note when ../shared is absent):
    the copy is no larger, verifies and answers the same.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

QUERIES = ["said", "the", "bank", '"interest rates"', "oil OR gas", "title:trade",
           "market NOT oil", "entity:\"bank of england\"", "pri*"]
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "samples", "news.jsonl")


def compact(a, src, dst):
    return rc_.run([a.galley, "compact", src, dst], timeout=300)


def check_sample(a, f):
    orig = os.path.join(a.work, "sample")
    copy = os.path.join(a.work, "sample-compact")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "-o", orig, SAMPLE])
    if not f.check(rc == 0, "indexing the sample: exit %d: %s" % (rc, err.strip())):
        return
    rc, _, err = compact(a, orig, copy)
    if not f.check(rc == 0, "compact: exit %d: %s" % (rc, err.strip())):
        return
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify of the copy: exit %d: %s" % (rc, out.strip()))
    rc_.same_answers(a, f, orig, copy, QUERIES, "sample")

    before = open(os.path.join(copy, "data.mdb"), "rb").read()
    rc, _, err = compact(a, orig, copy)
    f.check(rc == 2 and "already holds an index" in err,
            "compact into a directory with an index: exit %d: %s" % (rc, err.strip()))
    f.check(open(os.path.join(copy, "data.mdb"), "rb").read() == before,
            "a refused compact changed the index already in OUT")
    rc, _, err = compact(a, os.path.join(a.work, "no-such-index"), os.path.join(a.work, "x"))
    f.check(rc == 3, "compact of a missing index: exit %d: %s" % (rc, err.strip()))

    # the copy is a whole index: it takes --append like the original
    rc_.append_to(a, f, (orig, copy), SAMPLE)
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify of the copy after --append: exit %d: %s" % (rc, out.strip()))
    rc_.same_answers(a, f, orig, copy, QUERIES, "sample after --append")


def check_reuters(a, f):
    corpora = os.path.join(a.shared or "", "corpora")
    reuters = os.path.join(corpora, "reuters21578.jsonl.zst")
    if not a.shared or not os.path.exists(reuters):
        print("note: no '%s' (../shared is absent): the Reuters copy is skipped" % reuters)
        return
    orig = os.path.join(a.work, "reuters")
    copy = os.path.join(a.work, "reuters-compact")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1",
                          "-o", orig, reuters], timeout=600)
    if not f.check(rc == 0, "indexing Reuters: exit %d: %s" % (rc, err.strip())):
        return
    rc, _, err = compact(a, orig, copy)
    if not f.check(rc == 0, "compact of Reuters: exit %d: %s" % (rc, err.strip())):
        return
    size_o = os.path.getsize(os.path.join(orig, "data.mdb"))
    size_c = os.path.getsize(os.path.join(copy, "data.mdb"))
    print("Reuters, 1 MB batches: data.mdb %d bytes, compacted %d (%.3f)"
          % (size_o, size_c, size_c / size_o))
    f.check(size_c <= size_o, "the compacted copy is larger (%d > %d)" % (size_c, size_o))
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify of the Reuters copy: exit %d: %s" % (rc, out.strip()))
    rc_.same_answers(a, f, orig, copy, QUERIES, "Reuters")


def check_builds_append(a, f):
    """Every commit appends to its tables: a build in many batches, and an
    --append to it, leave next to no free pages (a compacted copy is within
    3% of the file; when entities and the lexicon were updated in place, a
    third of a build's file was free pages)."""
    corpus = os.path.join(a.work, "gen.jsonl")
    rc_.write_news_corpus(corpus, a.seed, 5)
    index = os.path.join(a.work, "gen")
    build = [a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", index]
    for step, extra, src in (("build", [], corpus), ("--append", ["--append"], SAMPLE)):
        rc, _, err = rc_.run(build + extra + [src], timeout=600)
        if not f.check(rc == 0, "%s: exit %d: %s" % (step, rc, err.strip())):
            return
        copy = os.path.join(a.work, "gen-copy")
        shutil.rmtree(copy, ignore_errors=True)
        rc, _, err = compact(a, index, copy)
        if not f.check(rc == 0, "compact after the %s: exit %d: %s" % (step, rc, err.strip())):
            return
        size_i, size_c = (os.path.getsize(os.path.join(d, "data.mdb")) for d in (index, copy))
        print("generated corpus in 1 MB batches, after the %s: data.mdb %d bytes, compacted %d "
              "(%.3f)" % (step, size_i, size_c, size_c / size_i))
        f.check(size_c >= 0.97 * size_i - 4 * 4096,
                "after the %s, %.1f%% of the file is free pages (%d bytes, %d compacted)"
                % (step, 100.0 * (size_i - size_c) / size_i, size_i, size_c))
        rc, out = rc_.verify(a.galley, index)
        f.check(rc == 0, "verify after the %s: exit %d: %s" % (step, rc, out.strip()))


def main():
    a = rc_.parse_args(__doc__)
    rc_.run_checks(a, rc_.Failures("compact"), check_sample, check_builds_append, check_reuters)


if __name__ == "__main__":
    main()
