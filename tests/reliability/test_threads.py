#!/usr/bin/env python3
"""Worker threads: the index does not depend on how many there are.

`galley index --threads N` runs N compressor, tokenizer and encoder threads
that hand batches on in input order.  On a generated corpus of several
1 MB batches (no ../shared needed):
  - --threads 3 (one per stage), 7 and 16 give identical tables (every
    table but meta and files, as `mdb_dump -p` prints them), and so does
    --threads 7 on an OpenCL device when `galley devices` lists one;
  - with --strict and a broken record in the middle, --threads 7 exits 4,
    keeps exactly the batches before the bad one (the same documents as
    --threads 3 keeps), and the index verifies;
  - --threads 2 and 65 are usage errors (exit 2).
Skipped (77) when mdb_dump is missing.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                      "news.jsonl")


def tables(index):
    """{table: mdb_dump -p text} for every table but meta and files."""
    p = subprocess.run(["mdb_dump", "-l", index], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("mdb_dump -l %s: %s" % (index, p.stderr.strip()))
    out = {}
    for name in p.stdout.split():
        if name not in ("meta", "files"):
            out[name] = rc_.dump_table(index, name)
    return out


def build(a, out, *extra, timeout=600):
    return rc_.run([a.galley, "index", "-q", "--batch-mb", "1", "-o", out] + list(extra),
                   timeout=timeout)


def has_device(a):
    rc, out, _ = rc_.run([a.galley, "devices"])
    return rc == 0 and any(line[:1].isdigit() for line in out.splitlines())


def check_same_tables(a, f):
    corpus = os.path.join(a.work, "news.jsonl")
    rc_.write_news_corpus(corpus, a.seed, 8)
    runs = [("3", "ref"), ("7", "ref"), ("16", "ref")]
    if has_device(a):
        runs.append(("7", "0"))  # by number: auto leaves a CPU device to the reference path
    else:
        print("note: no OpenCL device: the device run is left out")
    dumps = {}
    for threads, device in runs:
        out = os.path.join(a.work, "t%s-%s" % (threads, device))
        rc, _, err = build(a, out, "--threads", threads, "--device", device, corpus)
        if f.check(rc == 0, "--threads %s --device %s: exit %d: %s"
                   % (threads, device, rc, err.strip())):
            dumps[(threads, device)] = tables(out)
    base = dumps.get(("3", "ref"))
    for key, d in dumps.items():
        if base is None or key == ("3", "ref"):
            continue
        differ = sorted(t for t in set(base) | set(d) if base.get(t) != d.get(t))
        print("--threads %s --device %s: %d tables, %s" % (key[0], key[1], len(d),
              "identical to --threads 3" if not differ else "differ: " + ", ".join(differ)))
        f.check(not differ, "--threads %s --device %s: tables differ from --threads 3: %s"
                % (key[0], key[1], ", ".join(differ)))


def check_strict_failure(a, f):
    corpus = os.path.join(a.work, "bad.jsonl")
    lines = rc_.write_news_corpus(corpus, a.seed, 6, bad_line=None)
    rc_.write_news_corpus(corpus, a.seed, 6, bad_line=lines * 2 // 3)
    kept = {}
    for threads in ("3", "7"):
        out = os.path.join(a.work, "bad-t" + threads)
        rc, _, err = build(a, out, "--strict", "--device", "ref", "--threads", threads, corpus)
        f.check(rc == 4, "--strict --threads %s on a broken record: exit %d (want 4): %s"
                % (threads, rc, err.strip()))
        vrc, vout = rc_.verify(a.galley, out)
        f.check(vrc == 0, "verify after the failed --threads %s run: exit %d: %s"
                % (threads, vrc, vout.strip()))
        kept[threads] = rc_.stats(a.galley, out).get("documents")
    print("--strict with a broken record at line %d of %d: documents kept %s"
          % (lines * 2 // 3 + 1, lines, kept))
    f.check(kept["3"] == kept["7"] and kept["3"] and kept["3"] < lines * 2 // 3,
            "documents kept differ or are not the batches before the bad one: %s" % kept)


def check_usage(a, f):
    for bad in ("2", "65"):
        rc, _, err = rc_.run([a.galley, "index", "--threads", bad, "-o",
                              os.path.join(a.work, "x"), SAMPLE])
        f.check(rc == 2, "--threads %s: exit %d (want 2): %s" % (bad, rc, err.strip()))


def main():
    a = rc_.parse_args(__doc__)
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    rc_.run_checks(a, rc_.Failures("threads"), check_same_tables, check_strict_failure,
                   check_usage)


if __name__ == "__main__":
    main()
