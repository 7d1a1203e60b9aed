#!/usr/bin/env python3
"""galley compact: a copy without free pages that answers like the original.

  - The bundled sample: the compacted copy verifies, answers every query
    with the same ids and ranking as the original, and takes --append; a
    second compact into the same OUT exits 2 and leaves it intact; a missing
    INDEX exits 3.
  - Reuters in 1 MB batches (skipped with a note when ../shared is absent):
    the copy's data file is smaller than the original's (batches leave free
    pages behind in the tables updated in place), and it verifies and
    answers the same.
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


def ranked(a, index, q):
    rc, out, err = rc_.run([a.galley, "query", index, q, "--ids", "--limit", "50"])
    return rc, out


def same_answers(a, f, left, right, what):
    ids_l = rc_.query_ids(a.galley, left, QUERIES)
    ids_r = rc_.query_ids(a.galley, right, QUERIES)
    for q in QUERIES:
        f.check(ids_l[q] == ids_r[q], "%s: %r: %d ids in the original, %d in the copy"
                % (what, q, len(ids_l[q]), len(ids_r[q])))
        f.check(ranked(a, left, q) == ranked(a, right, q), "%s: %r ranks differently" % (what, q))


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
    same_answers(a, f, orig, copy, "sample")

    before = open(os.path.join(copy, "data.mdb"), "rb").read()
    rc, _, err = compact(a, orig, copy)
    f.check(rc == 2 and "already holds an index" in err,
            "compact into a directory with an index: exit %d: %s" % (rc, err.strip()))
    f.check(open(os.path.join(copy, "data.mdb"), "rb").read() == before,
            "a refused compact changed the index already in OUT")
    rc, _, err = compact(a, os.path.join(a.work, "no-such-index"), os.path.join(a.work, "x"))
    f.check(rc == 3, "compact of a missing index: exit %d: %s" % (rc, err.strip()))

    # the copy is a whole index: it takes --append like the original
    for index in (orig, copy):
        rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--append", "-o",
                              index, SAMPLE])
        f.check(rc == 0, "--append to %s: exit %d: %s" % (index, rc, err.strip()))
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify of the copy after --append: exit %d: %s" % (rc, out.strip()))
    same_answers(a, f, orig, copy, "sample after --append")


def check_reuters(a, f):
    corpora = os.path.join(a.shared or "", "corpora")
    reuters = os.path.join(corpora, "reuters21578.jsonl.zst")
    if not a.shared or not os.path.exists(reuters):
        print("note: no '%s' (../shared is absent): the shrinking check is skipped" % reuters)
        return
    orig = os.path.join(a.work, "reuters")
    copy = os.path.join(a.work, "reuters-compact")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o",
                          orig, reuters], timeout=600)
    if not f.check(rc == 0, "indexing Reuters: exit %d: %s" % (rc, err.strip())):
        return
    rc, _, err = compact(a, orig, copy)
    if not f.check(rc == 0, "compact of Reuters: exit %d: %s" % (rc, err.strip())):
        return
    size_o = os.path.getsize(os.path.join(orig, "data.mdb"))
    size_c = os.path.getsize(os.path.join(copy, "data.mdb"))
    print("Reuters, 1 MB batches: data.mdb %d bytes, compacted %d (%.3f)"
          % (size_o, size_c, size_c / size_o))
    f.check(size_c < size_o, "the compacted copy is not smaller (%d >= %d)" % (size_c, size_o))
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify of the Reuters copy: exit %d: %s" % (rc, out.strip()))
    same_answers(a, f, orig, copy, "Reuters")


def main():
    a = rc_.parse_args(__doc__)
    f = rc_.Failures("compact")
    rc_.fresh_dir(a.work)
    try:
        check_sample(a, f)
        check_reuters(a, f)
    except AssertionError as e:
        f.check(False, str(e))
    finally:
        shutil.rmtree(a.work, ignore_errors=True)
    f.exit()


if __name__ == "__main__":
    main()
