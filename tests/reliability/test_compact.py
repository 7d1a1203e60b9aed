#!/usr/bin/env python3
"""galley compact: a copy without free pages that answers like the original.

  - The bundled sample: the compacted copy verifies, answers every query
    with the same ids and ranking as the original, and takes --append; a
    second compact into the same OUT exits 2 and leaves it intact; a missing
    INDEX exits 3.
  - Reuters in 1 MB batches (skipped with a note when ../shared is absent):
    the copy's data file is smaller than the
    original's (batches leave free pages behind in the tables updated in
    place), and it verifies and answers the same.
  - `galley index --compact` compacts at the end (a generated corpus of
    several 1 MB batches, so no ../shared needed): its file is the size of
    a `galley compact` copy and smaller than the plain build's, the
    two answer the same; its latest meta page is the one that the last
    transaction id of the uncompacted build names (so a reader that joined
    the old lock table reads the new file right); and while another process
    holds the index open (a read lock on lock.mdb, as LMDB takes), an
    --append leaves the file alone and says why.
"""
import fcntl
import os
import shutil
import struct
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
        print("note: no '%s' (../shared is absent): the shrinking check is skipped" % reuters)
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
    f.check(size_c < size_o, "the compacted copy is not smaller (%d >= %d)" % (size_c, size_o))
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify of the Reuters copy: exit %d: %s" % (rc, out.strip()))
    rc_.same_answers(a, f, orig, copy, QUERIES, "Reuters")


def meta_txnids(index):
    """The transaction ids of data.mdb's two meta pages (LMDB's MDB_meta:
    after the 16-byte page header, magic, version, address, map size, two
    48-byte database records and the last page number come first)."""
    with open(os.path.join(index, "data.mdb"), "rb") as fh:
        pages = fh.read(8192)
    at = 16 + 4 + 4 + 8 + 8 + 2 * 48 + 8
    return [struct.unpack_from("<Q", pages, page * 4096 + at)[0] for page in (0, 1)]


def build_pair(a, f, mb):
    """The same generated corpus of mb MB indexed in 1 MB batches without
    and with --compact; returns the two directories, or None."""
    corpus = os.path.join(a.work, "gen-%d.jsonl" % mb)
    rc_.write_news_corpus(corpus, a.seed, mb)
    plain = os.path.join(a.work, "gen-%d-plain" % mb)
    auto = os.path.join(a.work, "gen-%d-auto" % mb)
    rc, _, err = rc_.run(build_cmd(a) + ["-q", "-o", plain, corpus], timeout=600)
    if not f.check(rc == 0, "plain build: exit %d: %s" % (rc, err.strip())):
        return None
    rc, _, err = rc_.run(build_cmd(a) + ["--compact", "-o", auto, corpus], timeout=600)
    if not f.check(rc == 0, "build: exit %d: %s" % (rc, err.strip())):
        return None
    f.check("compacted the index file from" in err,
            "the build did not say it compacted its file: %s" % err.strip())
    old, new = meta_txnids(plain), meta_txnids(auto)
    print("%d MB: last transaction %d; compacted file's meta pages hold %s"
          % (mb, max(old), new))
    f.check(new[max(old) & 1] == max(new),
            "the compacted file's latest meta is page %d, the old last transaction %d names "
            "page %d" % (new.index(max(new)), max(old), max(old) & 1))
    return plain, auto


def build_cmd(a):
    return [a.galley, "index", "--device", "ref", "--batch-mb", "1"]


def check_build_compacts(a, f):
    # one more batch flips the parity of the last transaction id: both meta
    # pages get their turn
    pairs = [build_pair(a, f, mb) for mb in (5, 6)]
    if None in pairs:
        return
    plain, auto = pairs[0]
    copy = os.path.join(a.work, "gen-auto-copy")
    build = build_cmd(a)
    rc, _, err = compact(a, auto, copy)
    f.check(rc == 0, "compact of the compacted build: exit %d: %s" % (rc, err.strip()))
    size_p, size_a, size_c = (os.path.getsize(os.path.join(d, "data.mdb"))
                              for d in (plain, auto, copy))
    print("generated corpus, 1 MB batches: data.mdb %d bytes, %d compacted "
          "by the build (%.3f), %d copied by galley compact" % (size_p, size_a, size_a / size_p,
                                                              size_c))
    f.check(size_a < 0.9 * size_p, "the --compact build's file is not 10%% smaller than the plain one's "
            "(%d vs %d)" % (size_a, size_p))
    f.check(abs(size_a - size_c) <= 4 * 4096, "the build's file (%d) is not the size of a "
            "compacted copy (%d)" % (size_a, size_c))
    rc, out = rc_.verify(a.galley, auto)
    f.check(rc == 0, "verify of the compacted build: exit %d: %s" % (rc, out.strip()))
    rc_.same_answers(a, f, plain, auto, QUERIES, "generated corpus")

    # another process with the index open: no swap under it (the plain
    # build is over a third free pages)
    before = os.path.getsize(os.path.join(plain, "data.mdb"))
    with open(os.path.join(plain, "lock.mdb"), "r+b") as lock:
        fcntl.lockf(lock, fcntl.LOCK_SH, 1, 0)
        rc, _, err = rc_.run(build + ["--compact", "--append", "-o", plain, SAMPLE],
                             timeout=600)
        f.check(rc == 0, "--append while open elsewhere: exit %d: %s" % (rc, err.strip()))
        f.check("not compacted: another process has the index open" in err,
                "no note that the open index was left uncompacted: %s" % err.strip())
        f.check(os.path.getsize(os.path.join(plain, "data.mdb")) >= before,
                "the file shrank while another process had it open")
    rc, _, err = rc_.run(build + ["--compact", "--append", "-o", plain, SAMPLE], timeout=600)
    f.check(rc == 0 and "compacted the index file from" in err,
            "--append once the index is closed elsewhere: exit %d: %s" % (rc, err.strip()))
    rc, out = rc_.verify(a.galley, plain)
    f.check(rc == 0, "verify after the appends: exit %d: %s" % (rc, out.strip()))


def main():
    a = rc_.parse_args(__doc__)
    rc_.run_checks(a, rc_.Failures("compact"), check_sample, check_build_compacts, check_reuters)


if __name__ == "__main__":
    main()
