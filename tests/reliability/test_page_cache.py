#!/usr/bin/env python3
"""galley index and the page cache: a build hands back what it writes.

  - A generated corpus (no ../shared needed) in 4 MB batches, built twice:
    by default, each commit's pages are dropped from the page cache once
    synced, so a small share of data.mdb is resident after the run (what
    LMDB read through its map, and the last meta page); with --keep-cache
    most of it is.  Both indexes verify, hold the same tables and answer
    the same queries, and an --append to the default one drops its pages
    too, and so does each shard's writer of --shards 2.  `galley merge
    --keep-cache` keeps them.
  - Skipped, with the reason, where the file system keeps pages that
    posix_fadvise(DONTNEED) asked it to drop (tmpfs), or util-linux's
    fincore, which counts a file's resident pages, is missing.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

QUERIES = ["said", "the", "bank", '"interest rates"', "oil OR gas", "title:trade",
           "market NOT oil", "pri*"]


def resident_share(path):
    """Resident pages of path over its pages, by fincore."""
    p = subprocess.run(["fincore", "--bytes", "--noheadings", "--raw",
                        "--output", "RES,SIZE", path], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("fincore %s: %s" % (path, p.stderr.strip()))
    res, size = (int(x) for x in p.stdout.split())
    return res / size if size else 0.0


def dropping_works(work):
    """Does this file system drop a synced file's pages when asked?"""
    path = os.path.join(work, "probe")
    with open(path, "wb") as fh:
        fh.write(os.urandom(4 << 20))
        fh.flush()
        os.fsync(fh.fileno())
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    share = resident_share(path)
    os.unlink(path)
    return share < 0.5


def build(a, index, corpus, *extra):
    """galley index corpus into index with extra options; the path of its
    data.mdb (of the index itself: with --shards, its shards' are below)."""
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "4",
                          "-o", index] + list(extra) + [corpus], timeout=300)
    if rc != 0:
        raise AssertionError("index %s: exit %d: %s" % (" ".join(extra), rc, err.strip()))
    return os.path.join(index, "data.mdb")


def check_builds(a, f):
    if shutil.which("fincore") is None:
        rc_.skip("fincore (util-linux) is not installed: cannot count resident pages")
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    if not dropping_works(a.work):
        rc_.skip("the file system under %s keeps pages posix_fadvise asked it to drop" % a.work)
    corpus = os.path.join(a.work, "news.jsonl")
    rc_.write_news_corpus(corpus, a.seed, 8)

    dropped = build(a, os.path.join(a.work, "dropped"), corpus)
    kept = build(a, os.path.join(a.work, "kept"), corpus, "--keep-cache")
    d, k = resident_share(dropped), resident_share(kept)
    print("resident share of data.mdb after the build: default %.3f, --keep-cache %.3f" % (d, k))
    f.check(d < 0.25, "default build left %.0f%% of data.mdb in the page cache" % (100 * d))
    f.check(k > 0.75, "--keep-cache build left only %.0f%% of data.mdb in the page cache"
            % (100 * k))
    for index in ("dropped", "kept"):
        rc, out = rc_.verify(a.galley, os.path.join(a.work, index))
        f.check(rc == 0, "verify %s: exit %d: %s" % (index, rc, out.strip()))
    for table in ("postings", "lexicon", "vocab", "docs", "text", "ids"):
        f.check(rc_.dump_table(os.path.join(a.work, "dropped"), table) ==
                rc_.dump_table(os.path.join(a.work, "kept"), table),
                "table %s differs between the default and --keep-cache builds" % table)
    rc_.same_answers(a, f, os.path.join(a.work, "dropped"), os.path.join(a.work, "kept"),
                     QUERIES, "default vs --keep-cache")

    # an --append drops what it writes too; reading the index first brings
    # all of it back into the cache
    more = os.path.join(a.work, "more.jsonl")
    rc_.write_news_corpus(more, a.seed + 1, 2)
    with open(dropped, "rb") as fh:
        while fh.read(1 << 20):
            pass
    build(a, os.path.join(a.work, "dropped"), more, "--append")
    d = resident_share(dropped)
    f.check(d < 0.25, "an --append left %.0f%% of data.mdb in the page cache" % (100 * d))

    # --shards: every shard's writer drops what it writes
    shards = os.path.join(a.work, "shards")
    build(a, shards, corpus, "--shards", "2")
    for k in (1, 2):
        s = resident_share(os.path.join(shards, "shard-%d" % k, "data.mdb"))
        f.check(s < 0.25, "shard %d left %.0f%% of its data.mdb in the page cache"
                % (k, 100 * s))

    merged = os.path.join(a.work, "merged")
    rc, _, err = rc_.run([a.galley, "merge", "-q", "--device", "ref", "--keep-cache", "-o",
                          merged, os.path.join(a.work, "kept")], timeout=300)
    if f.check(rc == 0, "merge --keep-cache: exit %d: %s" % (rc, err.strip())):
        m = resident_share(os.path.join(merged, "data.mdb"))
        f.check(m > 0.75, "merge --keep-cache left only %.0f%% in the page cache" % (100 * m))


def main():
    a = rc_.parse_args(__doc__)
    f = rc_.Failures("page_cache")
    rc_.run_checks(a, f, check_builds)


if __name__ == "__main__":
    main()
