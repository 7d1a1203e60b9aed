#!/usr/bin/env python3
"""test_query_limits.py - a short query cannot take unbounded memory.

On an index of 3,000 words that start with 'w' (and a few documents that
hold them in pairs):
  - a phrase of prefixes answers ("w* w*") while all its prefixes stand for
    at most 16,384 terms together; six of "w*" in phrases (18,000 terms)
    are refused with one error line naming a column, exit 2, quickly and in
    little memory (before, each prefix took its own 16,384 and 100 copies of
    "t*" in a phrase took 3 GB of Reuters);
  - 64 bare prefixes answer, a 65th is refused (each reads up to 256
    cursors and a sum a document);
  - a prefix past its cap of terms notes so once, however often the query
    names it.

  test_query_limits.py --galley PATH --work DIR
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys

failures = []


def check(name, ok, want="", got=""):
    print("  %s  %s" % ("ok  " if ok else "FAIL", name)
          + ("" if ok else "\n      want %s\n      got  %s" % (want, got)), flush=True)
    if not ok:
        failures.append(name)


def query(g, idx, q, *opts):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run([g, "query", idx, q, "--count"] + list(opts), capture_output=True,
                       timeout=120)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return p.returncode, p.stdout.decode().strip(), p.stderr.decode().strip(), max(peak, before)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--galley", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    g = os.path.abspath(a.galley)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    src = os.path.join(a.work, "w.jsonl")
    words = ["w%04d" % i for i in range(3000)]
    with open(src, "w") as f:
        for d in range(30):
            chunk = words[d * 100:(d + 1) * 100]
            f.write(json.dumps({"id": "d%d" % d, "title": "t", "text": " ".join(chunk)}) + "\n")
    idx = os.path.join(a.work, "idx")
    p = subprocess.run([g, "index", "-q", "--device", "ref", "-o", idx, src], capture_output=True)
    if p.returncode:
        sys.exit("cannot build the index: %s" % p.stderr.decode())

    rc, out, err, _ = query(g, idx, '"w* w*"')
    check('"w* w*": every document', rc == 0 and out == "30", "exit 0, 30", "%d %s %s" % (rc, out, err))
    q = '"w* w* w*" "w* w* w*"'
    rc, out, err, peak = query(g, idx, q)
    check("six prefixes of 3,000 terms in phrases: exit 2, one line naming a column",
          rc == 2 and len(err.splitlines()) == 1 and "16384 terms together" in err
          and "column" in err, "exit 2, '... 16384 terms together (the phrase at column N ...'",
          "%d: %s" % (rc, err))
    check("... in less than 1 GB", peak < 1 << 20, "< 1 GB", "%d MB" % (peak >> 10))

    rc, out, err, _ = query(g, idx, " ".join(["w*"] * 64))
    check("64 bare prefixes: exit 0", rc == 0 and out == "30", "exit 0, 30", "%d %s" % (rc, out))
    check("... a prefix past its cap notes so once", err.count("matches more than 256 terms") == 1,
          "one note", err[:300])
    rc, out, err, _ = query(g, idx, " ".join(["w*"] * 65))
    check("65 prefixes: exit 2 naming the 65th's column",
          rc == 2 and "more than 64 prefixes (word*) at column 193" in err, "exit 2, column 193",
          "%d: %s" % (rc, err))
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
