#!/usr/bin/env python3
"""Every command on indexes whose LMDB nodes lie about their records' sizes.

Not part of ctest (about a minute here): a probe to run after a change to
how galley reads or writes an index.  An index of BBC (1 MB batches) is
built; then, for every record of the meta table and four records of every
other table, a copy is made in which that record's LMDB node says it is
about 2 GB long (test_corruption.huge_node_copy: LMDB then hands back a
record that runs past the map), and query (a count, a ranked page with
snippets), stats, show, verify, merge, index --append, optimize and
entities run on it.  Each must exit 0, 1, 2 or 3: never a signal, never a
hang.  The thirty-third session's run found `index --append` dying inside
LMDB's put (meta records it writes without reading) and `merge` copying a
2 GB input path; test_corruption.py now holds those cases.

  tests/reliability/probe_node_sizes.py --galley build/galley --work /tmp/probe \\
      --shared ../shared
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402
from test_corruption import dump, huge_node_copy  # noqa: E402


def commands(galley, copy, merged, more):
    return [("query", [galley, "query", copy, "said", "--count"]),
            ("page", [galley, "query", copy, "the", "-n", "3"]),
            ("stats", [galley, "stats", copy]),
            ("show", [galley, "show", copy, "--doc", "5"]),
            ("verify", [galley, "verify", copy]),
            ("merge", [galley, "merge", "-q", "--device", "ref", "-o", merged, copy]),
            ("append", [galley, "index", "-q", "--device", "ref", "--append", "-o", copy, more]),
            ("optimize", [galley, "optimize", copy]),
            ("entities", [galley, "entities", copy])]


def main():
    a = rc_.parse_args(__doc__, need_shared=True)
    rc_.need_zstd()
    rc_.fresh_dir(a.work)
    idx = os.path.join(a.work, "idx")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o",
                          idx, rc_.corpus(a.shared, "bbc.jsonl.zst")], timeout=600)
    if rc != 0:
        print("FAIL: the index could not be built: %s" % err.strip())
        return 1
    more = os.path.join(a.work, "more.jsonl")
    with open(more, "w") as f:
        f.write('{"id": "probe1", "title": "t", "text": "one more document"}\n')
    copy, merged = os.path.join(a.work, "copy"), os.path.join(a.work, "merged")
    tables = ["meta", "docs", "docstats", "entities", "files", "ids", "lexicon", "postings",
              "text", "vocab"]
    deaths = []
    for table in tables:
        recs = dump(idx, table)
        picks = recs if table == "meta" else \
            recs[:2] + recs[len(recs) // 2:len(recs) // 2 + 1] + recs[-1:]
        for key, value in picks:
            # a record on overflow pages (F_BIGDATA) or in its leaf page
            if not (huge_node_copy(idx, copy, key, len(value), False) or
                    huge_node_copy(idx, copy, key, len(value), True)):
                continue
            pristine = open(os.path.join(copy, "data.mdb"), "rb").read()
            got = []
            for name, argv in commands(a.galley, copy, merged, more):
                open(os.path.join(copy, "data.mdb"), "wb").write(pristine)
                shutil.rmtree(merged, ignore_errors=True)
                try:
                    status = subprocess.run(argv, capture_output=True, timeout=120).returncode
                except subprocess.TimeoutExpired:
                    status = "hang"
                got.append("%s=%s" % (name, status))
                if status == "hang" or status < 0 or status > 3:
                    deaths.append("%s %s: %s %s" % (table, key[:16].hex(), name, status))
            print("%-9s %-34s %9d: %s" % (table, key[:16].hex(), len(value), " ".join(got)),
                  flush=True)
    for d in deaths:
        print("FAIL: " + d)
    print("node sizes: %s" % ("ok" if not deaths else "%d failure(s)" % len(deaths)))
    return 1 if deaths else 0


if __name__ == "__main__":
    sys.exit(main())
