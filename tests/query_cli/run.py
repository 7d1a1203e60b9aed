#!/usr/bin/env python3
"""Golden tests of `galley query` / `galley show`: output and exit status.

Builds an index of tests/query_cli/docs.jsonl, runs every case of cases.txt
and compares stdout (and, for errors, stderr) with expected/NAME.out.
--update rewrites the expected files (review the diff before keeping it).
Exits 77 (skip) when the binary does not know `show` yet.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--galley", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    a.galley = os.path.abspath(a.galley)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    docs = os.path.join(a.work, "docs.jsonl")
    shutil.copy(os.path.join(HERE, "docs.jsonl"), docs)
    idx = os.path.join(a.work, "idx")
    r = subprocess.run([a.galley, "index", "-q", "-o", idx, "docs.jsonl"], cwd=a.work,
                       capture_output=True)
    if r.returncode != 0:
        print("cannot build the index:", r.stderr.decode(errors="replace"))
        return 1
    failures = 0
    show_known = subprocess.run([a.galley, "show", "--help"], capture_output=True).returncode == 0
    for line in open(os.path.join(HERE, "cases.txt"), encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        name, code, args = [x.strip() for x in line.split("|", 2)]
        argv = shlex.split(args)
        if argv and argv[0] == "show":
            if not show_known:
                print(f"skip {name}: galley has no 'show' command yet")
                continue
            cmd = [a.galley] + argv
        else:
            cmd = [a.galley, "query"] + argv
        cmd = [idx if x == "IDX" else os.path.join(a.work, "missing") if x == "NOINDEX" else x
               for x in cmd]
        r = subprocess.run(cmd, cwd=a.work, capture_output=True)
        got = r.stdout
        if r.returncode >= 2:
            got += b"--- stderr\n" + r.stderr.replace(a.work.encode(), b"WORK")
        exp_path = os.path.join(HERE, "expected", name + ".out")
        if a.update:
            os.makedirs(os.path.dirname(exp_path), exist_ok=True)
            open(exp_path, "wb").write(got)
        want = open(exp_path, "rb").read() if os.path.exists(exp_path) else None
        ok = r.returncode == int(code) and want == got
        if not ok:
            failures += 1
            print(f"FAIL {name}: exit {r.returncode} (want {code})")
            print("  got:\n" + got.decode(errors="replace"))
            if want is not None:
                print("  want:\n" + want.decode(errors="replace"))
        else:
            print(f"ok   {name}")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
