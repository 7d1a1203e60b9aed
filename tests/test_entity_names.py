#!/usr/bin/env python3
"""Entity queries against a brute-force scan of Reuters-21578.

For each name, the documents where `galley query 'entity:"NAME"'` finds the
entity must (a) all contain the capitalised name in their title or text, and
(b) cover at least 90% of the documents that contain it.  The scan looks for
the name as written (its words parted by any white space, since wire copy
wraps lines), with word boundaries, in the JSONL fields; it shares no
code with galley.  With the host reference path and with an OpenCL device
(when `galley devices` lists one) the answers must be identical.

usage: test_entity_names.py --galley BIN --shared DIR --work DIR
Exits 77 (ctest: skipped) with a reason when ../shared or zstd is missing.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

NAMES = ["James Baker", "Paul Volcker", "Bank of England"]
MIN_RECALL = 0.90


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def load(path):
    out = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return [json.loads(line) for line in out.decode("utf-8").splitlines() if line.strip()]


def build(galley, corpus, index, device):
    shutil.rmtree(index, ignore_errors=True)
    subprocess.run([galley, "index", "-q", "--device", device, "-o", index, corpus], check=True)


def entity_ids(galley, index, name):
    r = subprocess.run([galley, "query", index, "--ids", f'entity:"{name}"'],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"galley query failed ({r.returncode}): {r.stderr.strip()}")
    return set(r.stdout.split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--galley", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    corpus = os.path.join(a.shared, "corpora", "reuters21578.jsonl.zst")
    if not os.path.exists(corpus):
        skip(f"{corpus} is missing")
    if not shutil.which("zstd"):
        skip("the zstd command is missing")
    os.makedirs(a.work, exist_ok=True)
    docs = load(corpus)

    devices = ["ref"]
    listed = subprocess.run([a.galley, "devices"], capture_output=True, text=True)
    if listed.returncode == 0 and any(line[:1].isdigit() for line in listed.stdout.splitlines()):
        devices.append("0")  # by number: --device auto leaves a CPU device to the reference path
    answers = {}
    failures = []
    for device in devices:
        index = os.path.join(a.work, f"reuters-{device}.idx")
        build(a.galley, corpus, index, device)
        answers[device] = {n: entity_ids(a.galley, index, n) for n in NAMES}

    print(f"{'name':<18} {'scan':>6} {'galley':>7} {'found':>6} {'recall':>7}  wrong")
    for name in NAMES:
        # wire copy wraps lines, so any run of white space may part the words
        words = r"\s+".join(re.escape(w) for w in name.split())
        pattern = re.compile(r"(?<![\w])" + words + r"(?![\w])")
        want = {d["id"] for d in docs
                if pattern.search(d.get("title", "")) or pattern.search(d.get("text", ""))}
        got = answers["ref"][name]
        found = want & got
        wrong = got - want
        recall = len(found) / len(want) if want else 1.0
        print(f"{name:<18} {len(want):>6} {len(got):>7} {len(found):>6} {recall:>7.3f}  "
              f"{len(wrong)} {sorted(wrong)[:5]}")
        if not want:
            failures.append(f"{name}: the scan finds no document; the test needs another name")
        if recall < MIN_RECALL:
            missed = sorted(want - got)[:5]
            failures.append(f"{name}: recall {recall:.3f} < {MIN_RECALL} (missed e.g. {missed})")
        if wrong:
            failures.append(f"{name}: {len(wrong)} documents without the name, e.g. {sorted(wrong)[:5]}")
        for device in devices[1:]:
            if answers[device][name] != got:
                failures.append(f"{name}: device {device} answers differ from the reference path")
    if failures:
        print("FAIL\n  " + "\n  ".join(failures))
        return 1
    print(f"ok: {len(NAMES)} names, devices {', '.join(devices)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
