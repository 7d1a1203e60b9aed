#!/usr/bin/env python3
"""Hand-made hostile inputs: galley gives a clean result or a clean error.

Inputs (generated on the fly under --work, deleted afterwards): a 60 MB
single JSON line, the same line without its newline, a 100 MB one (over the
64 MB a record may have: skipped with a warning), empty files, a file of
NULs, deeply nested JSON, random bytes named .zst and .gz, a truncated zstd
file.  Queries: 10,000 quotes, 100,000 '(', 100,000 ')', a 1 MB query (via
--queries), a query of NULs and invalid UTF-8; ids and entity names of
100 kB (said back clipped).  `galley index` must exit 0
or 4 and `galley query` 0, 1 or 2, with no signal, within a time limit, and
with a one-line error on stderr when it fails.
"""
import gzip
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402


def main():
    a = rc_.parse_args(__doc__)
    rc_.run_checks(a, rc_.Failures("hostile"), run_checks)


def index(a, out, path, *extra, timeout=300):
    shutil.rmtree(out, ignore_errors=True)
    return rc_.run([a.galley, "index", "-q", "--device", "ref", "-o", out] + list(extra) + [path],
                   timeout=timeout)


def write_big_line(path, mb, newline=True):
    word = b"hostile "
    block = word * (1 << 17)  # 1 MiB
    with open(path, "wb") as fh:
        fh.write(b'{"id":"big","title":"one huge line","text":"')
        for _ in range(mb):
            fh.write(block)
        fh.write(b'needle"}' + (b"\n" if newline else b""))


def run_checks(a, f):
    rng = random.Random(a.seed)
    w = a.work
    idx = os.path.join(w, "idx")

    # 60 MB in one JSON line, with and without the final newline: one
    # document, under the 64 MB a record may have
    for newline in (True, False):
        big = os.path.join(w, "big.jsonl")
        write_big_line(big, 60, newline)
        rc, _, err = index(a, idx, big, "--batch-mb", "16", timeout=600)
        os.remove(big)
        f.check(rc in (0, 4), "60 MB line (newline=%s): index exits %d: %s" % (newline, rc, err.strip()))
        if rc == 0:
            rc, out, err = rc_.run([a.galley, "query", idx, "--count", "needle"])
            f.check(rc == 0 and out.strip() == "1", "60 MB line: 'needle' counts %r (exit %d): %s"
                    % (out.strip(), rc, err.strip()))
            rc, out, err = rc_.run([a.galley, "query", idx, "-n", "1", "hostile needle"])
            f.check(rc == 0, "60 MB line: query with a snippet exits %d: %s" % (rc, err.strip()))
        else:
            f.check(len(err.strip().splitlines()) >= 1 and "error" in err,
                    "60 MB line refused without a message")
        print("60 MB line (newline=%s): exit %d" % (newline, rc), flush=True)

    # 100 MB: over the limit, skipped with a warning naming it (an error
    # with --strict), and the document after it indexed
    big = os.path.join(w, "big.jsonl")
    write_big_line(big, 100)
    with open(big, "ab") as fh:
        fh.write(b'{"id":"after","text":"needle after"}\n')
    for strict in ((), ("--strict",)):
        shutil.rmtree(idx, ignore_errors=True)
        rc, _, err = rc_.run([a.galley, "index", "--device", "ref", "-o", idx] + list(strict) +
                             [big], timeout=600)
        want = "big.jsonl:1: JSON line longer than 64 MB"
        f.check(rc == (4 if strict else 0) and want in err,
                "100 MB line %s: exit %d: %s" % (" ".join(strict), rc, err.strip()[-300:]))
        if not strict and rc == 0:
            rc, out, err = rc_.run([a.galley, "query", idx, "--ids", "needle"])
            f.check(rc == 0 and out.split() == ["after"],
                    "100 MB line: 'needle' finds %r (exit %d): %s" % (out.split(), rc, err.strip()))
        print("100 MB line %s: exit %d" % (" ".join(strict), rc), flush=True)
    os.remove(big)
    shutil.rmtree(idx, ignore_errors=True)

    cases = {
        "empty.jsonl": b"",
        "empty.trec": b"",
        "empty.txt": b"",
        "empty": b"",
        "nuls.jsonl": b"\0" * (1 << 20),
        "nuls.trec": b"\0" * (1 << 20),
        "nuls.txt": b"\0" * (1 << 20),
        "nuls": b"\0" * (1 << 20),
        "nested.jsonl": b'{"id":"n","text":"deep","x":' + b"[" * 200000 + b"]" * 200000 + b"}\n"
                        + b'{"id":"m","text":"deep2","x":' + b'{"a":' * 100000 + b"1" + b"}" * 100000
                        + b"}\n" + b"[" * 100000 + b"\n" + b'{"id":"ok","text":"after the nest"}\n',
        "unterminated.jsonl": b'{"id":"u","text":"' + b"\\" * 100001,
        "random.zst": b"\x28\xb5\x2f\xfd" + bytes(rng.randrange(256) for _ in range(4096)),
        "random.gz": b"\x1f\x8b" + bytes(rng.randrange(256) for _ in range(4096)),
        "trec-open.trec": b"<DOC>\n<DOCNO>x</DOCNO>\n<TEXT>\n" + b"<" * 100000,
        "controls.jsonl": bytes(range(256)) * 64 + b"\n",
    }
    z = subprocess.run(["zstd", "-q", "-c"], input=b'{"id":"a","text":"x"}\n' * 20000,
                       capture_output=True).stdout if shutil.which("zstd") else b""
    if z:
        cases["truncated.jsonl.zst"] = z[: len(z) // 2]
    cases["truncated.jsonl.gz"] = gzip.compress(b'{"id":"a","text":"x"}\n' * 2000)[:200]
    for name, data in cases.items():
        path = os.path.join(w, name)
        open(path, "wb").write(data)
        for strict in ([], ["--strict"]):
            rc, _, err = index(a, idx, path, *strict)
            f.check(rc in (0, 4), "%s %s: index exits %d: %s" % (name, strict, rc, err.strip()[:300]))
            if rc == 4:  # warnings may come first; the error line names the file
                f.check(any(l.startswith("galley: error:") and name in l for l in err.splitlines()),
                        "%s: error message %r" % (name, err[:300]))
            if rc == 0 and os.path.exists(os.path.join(idx, "data.mdb")):
                qrc, _, qerr = rc_.run([a.galley, "query", idx, "--count", "deep OR after"])
                f.check(qrc in (0, 1), "%s: query afterwards exits %d: %s" % (name, qrc, qerr.strip()))
        os.remove(path)
    print("%d hostile files: clean" % len(cases), flush=True)

    # hostile queries against a tiny index
    small = os.path.join(w, "small.jsonl")
    open(small, "w").write('{"id":"1","title":"Trade talks","text":"China and tariff talks"}\n'
                           '{"id":"2","title":"Markets","text":"Stocks rose (a lot)"}\n')
    rc, _, err = index(a, idx, small)
    f.check(rc == 0, "small index: exit %d: %s" % (rc, err.strip()))
    queries = {
        "10,000 quotes": '"' * 10000,
        "10,000 quoted words": '"a" ' * 2500,
        "100,000 (": "(" * 100000,
        "100,000 )": ")" * 100000,
        "nested OR": "(" * 60 + "china" + ")" * 60,
        "50,000 NOT": "NOT " * 25000 + "china",
        "50,000 -": "-" * 50000 + "china",
        "long word": "x" * 120000,
        "many ORs": " OR ".join(["w%d" % i for i in range(10000)]),  # argv: < 128 KiB
        "stars": "*" * 50000,
        "tilde": '"china talks"~99999999999999999999',
        "dates": "date:" + "9" * 1000 + ".." + "9" * 1000,
        "entity": "entity:" + '"' * 5000,
        "title chain": "title:" * 20000 + "trade",
    }
    for name, q in queries.items():
        rc, out, err = rc_.run([a.galley, "query", idx, "--count", q], timeout=60)
        f.check(rc in (0, 1, 2), "query %s: exit %d: %s" % (name, rc, err.strip()[:300]))
        if rc == 2:
            f.check(len(err.strip().splitlines()) <= 2 and "galley: error:" in err,
                    "query %s: error is not one clear line: %r" % (name, err[:300]))
    # a 1 MB query, and bytes no terminal would send, through --queries
    qfile = os.path.join(w, "queries.txt")
    with open(qfile, "wb") as fh:
        fh.write(b"tariff " * (1 << 17) + b"\n")
        fh.write(b"(" * (1 << 20) + b"\n")
        fh.write(b"\0china\0\n")
        fh.write(b"\xff\xfe\xc3\x28 china \xed\xa0\x80\n")
    rc, out, err = rc_.run([a.galley, "query", idx, "--queries", qfile, "--count"], timeout=120)
    f.check(rc in (0, 1, 2), "1 MB query via --queries: exit %d: %s" % (rc, err.strip()[:300]))
    print("%d hostile queries and a 1 MB query: clean" % (len(queries) + 3), flush=True)

    # ids and names of 100 kB: not found, said in a line of reasonable length
    for argv in (["show", idx, "é" * 50000], ["delete", idx, "x" * 100000],
                 ["entities", idx, "--with", "y" * 100000], ["entities", idx, "--in", "z" * 100000]):
        rc, out, err = rc_.run([a.galley] + argv, timeout=60)
        lines = err.strip().splitlines()
        f.check(rc in (1, 2) and 0 < len(lines) <= 2 and max(len(l) for l in lines) < 400,
                "%s with a 100 kB argument: exit %d, %d bytes of message: %r"
                % (argv[0], rc, len(err), err[:200]))
    print("100 kB ids and names: clean", flush=True)


if __name__ == "__main__":
    main()
