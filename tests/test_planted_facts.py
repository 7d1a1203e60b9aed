#!/usr/bin/env python3
"""test_planted_facts.py - galley finds exactly the facts that gen_news.py planted.

../shared/tools/gen_news.py writes synthetic news and records, for each fact
it plants, the very documents that hold it (and nothing else does):
    phrase  "zorblax quantum tariff"   once in each listed body
    entity  Xylo Vantablack            tf (1 or 2) times in each listed body
    title   quillfeather               in each listed title
That is ground truth that does not come from galley nor from our oracle.
This test generates a corpus (--size, default 24M) with them, builds
    ref    galley index --device ref --batch-mb 4   (several batches, so the
           facts are spread over batches and chunks)
    dev    the same on the first GPU, else the first device, by number, when
           `galley devices` lists one
    gpu    and again with GALLEY_CL_DESIGN=gpu: the kernels' GPU design
           (per-token kernels, device buffers, copies) on that device, so
           the path a GPU takes runs here on PoCL too (on a GPU: "cpu", the
           other way round)
    opt    a copy of ref after `galley optimize`
and on each index checks, fact by fact:
  - `--ids` is the planted set, and `--count` its size;
  - the entity's mentions per document (`--json` matches) are the planted tf;
  - date filtering: the fact with date:..DAY gives the planted documents of
    that day or earlier (DAY = the median document's day);
  - `--sort date` lists them newest first by their planted dates;
  - the phrase as NEAR ("zorblax tariff"~1) finds every planted document;
and on every index but ref, that bench/queries/reuters.txt gives the very hits,
scores and snippets that ref gives (`--json -n 20`).
Exit 0 when all hold, 1 otherwise, 77 (ctest: skipped) when ../shared's
generator or training corpora, or the zstd command, are missing.  With
--corpus it checks a corpus gen_news.py wrote before (bench/gpu_run.sh does,
on the GPU machine, with --batch-mb 32).

  test_planted_facts.py --galley PATH (--shared DIR | --corpus FILE) --work DIR
                        [--size 24M] [--seed N] [--batch-mb 4]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

SKIP = 77
TRAIN = ("reuters21578.jsonl.zst", "bbc.jsonl.zst")
QUERIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "queries",
                       "reuters.txt")


def log(msg):
    print(msg, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), r.returncode,
                                                 r.stderr.strip()[-400:]))
    return r.stdout


def devices(galley):
    r = subprocess.run([galley, "devices", "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return []
    try:
        return json.loads(r.stdout)
    except ValueError:
        return []


def first_device(found):
    """The device to build on among found: the first GPU, else the first
    device (by number: --device auto leaves a CPU device to the reference
    path)."""
    gpus = [d for d in found if d.get("type") == "GPU"]
    return (gpus or found)[0]


class Checker:
    def __init__(self, galley):
        self.galley = galley
        self.failures = []

    def expect(self, index, what, ok, detail=""):
        log("  %-5s %-58s %s" % (index[0], what, "ok" if ok else "FAIL " + detail))
        if not ok:
            self.failures.append((index[0], what, detail))

    def query(self, index, *args):
        return run([self.galley, "query", index[1]] + list(args))

    def check_fact(self, index, fact):
        planted = {d["id"]: d for d in fact["docs"]}
        q = fact["query"]
        got = self.query(index, q, "--ids").split()
        missing = sorted(set(planted) - set(got))[:3]
        extra = sorted(set(got) - set(planted))[:3]
        self.expect(index, "%s: the %d planted documents" % (q, len(planted)),
                    len(got) == len(set(got)) and not missing and not extra,
                    "got %d; missing %s, extra %s" % (len(got), missing, extra))
        count = self.query(index, q, "--count").strip()
        self.expect(index, "%s --count" % q, count == str(len(planted)), "got %s" % count)

        if fact["name"] == "entity":
            hits = [json.loads(line) for line in
                    self.query(index, q, "--json", "-n", "0").splitlines()]
            wrong = [h["id"] for h in hits
                     if h["id"] in planted and len(h["matches"]) != planted[h["id"]]["tf"]]
            self.expect(index, "%s: mentions per document = planted tf" % q, not wrong,
                        "differ in %s" % wrong[:3])

        days = sorted(d["date"][:10] for d in fact["docs"])
        day = days[len(days) // 2]
        want = {i for i, d in planted.items() if d["date"][:10] <= day}
        got = set(self.query(index, "%s date:..%s" % (q, day), "--ids").split())
        self.expect(index, "%s date:..%s" % (q, day), got == want,
                    "got %d, want %d" % (len(got), len(want)))

        order = self.query(index, q, "--ids", "--sort", "date").split()
        dates = [planted[i]["date"] for i in order if i in planted]
        self.expect(index, "%s --sort date: newest first" % q,
                    len(dates) == len(planted) and dates == sorted(dates, reverse=True))

        if fact["name"] == "phrase":
            words = fact["text"].split()
            near = '"%s %s"~1' % (words[0], words[-1])
            got = set(self.query(index, near, "--ids").split())
            self.expect(index, "%s finds every planted document" % near,
                        set(planted) <= got, "missing %d" % len(set(planted) - got))


def generate(args):
    """Write a corpus with planted facts into args.work; return its path,
    or an exit status when the generator cannot run here."""
    gen = os.path.join(args.shared, "tools", "gen_news.py")
    train = [os.path.join(args.shared, "corpora", t) for t in TRAIN]
    for path in [gen] + train:
        if not os.path.isfile(path):
            log("SKIP: %s not found: the shared generator or corpora are not available" % path)
            return SKIP
    if shutil.which("zstd") is None:
        log("SKIP: the zstd command is not installed (gen_news.py reads .zst with it)")
        return SKIP
    corpus = os.path.join(args.work, "news.jsonl")
    gen_cmd = [sys.executable, gen, "--size", args.size, "--seed", str(args.seed),
               "--plant", "30", "--train-cap", "4", "--quiet", "--out", corpus]
    for t in train:
        gen_cmd += ["--train", t]
    r = subprocess.run(gen_cmd, capture_output=True, text=True)
    if r.returncode != 0:
        log("FAIL: gen_news.py exited %d: %s" % (r.returncode, r.stderr.strip()[-400:]))
        return 1
    log(r.stderr.strip())
    return corpus


def same_answers(galley, ref, other):
    """The fixed query set's top 20 with snippets, as JSON: byte-identical
    from an index built on a device and from the reference build."""
    got = [run([galley, "query", path, "--queries", QUERIES, "--json", "-n", "20"])
           for path in (ref[1], other[1])]
    return got[0] == got[1], len(got[0].splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--galley", required=True)
    ap.add_argument("--shared", help="../shared, to generate the corpus")
    ap.add_argument("--corpus", help="use this gen_news.py output and its .planted.json instead")
    ap.add_argument("--work", required=True)
    ap.add_argument("--size", default="24M")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--batch-mb", default="4")
    args = ap.parse_args()
    if not os.access(args.galley, os.X_OK):
        log("FAIL: galley binary %s not found or not executable" % args.galley)
        return 1
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    if args.corpus:
        corpus = args.corpus
    elif args.shared:
        corpus = generate(args)
        if isinstance(corpus, int):
            return corpus
    else:
        log("FAIL: give --shared or --corpus")
        return 1
    with open(corpus + ".planted.json") as f:
        facts = json.load(f)["facts"]

    # (name, path, options, environment)
    indexes = [("ref", os.path.join(args.work, "ref"), ["--device", "ref"], {})]
    found = devices(args.galley)
    if found:
        dev = first_device(found)
        number = str(dev.get("index", 0))
        indexes.append(("dev", os.path.join(args.work, "dev"), ["--device", number], {}))
        # the other design of the kernels than the device's own (on PoCL,
        # the GPU's: per-token kernels, device buffers and copies)
        other = "cpu" if dev.get("type") == "GPU" else "gpu"
        indexes.append((other, os.path.join(args.work, other), ["--device", number],
                        {"GALLEY_CL_DESIGN": other}))
    else:
        log("note: `galley devices` lists no OpenCL device: only the reference path is built")
    for name, path, opts, env in indexes:
        run([args.galley, "index", "-q", "-o", path, "--batch-mb", args.batch_mb] + opts +
            [corpus], env=dict(os.environ, **env))
    opt = os.path.join(args.work, "opt")
    shutil.copytree(indexes[0][1], opt)
    run([args.galley, "optimize", opt])
    indexes.append(("opt", opt, [], {}))

    c = Checker(args.galley)
    for index in indexes:
        stats = run([args.galley, "stats", index[1]])
        batches = next((line.split()[-1] for line in stats.splitlines()
                        if line.startswith("batches:")), "?")
        log("%s: %s batches" % (index[0], batches))
        for fact in facts:
            c.check_fact(index, fact)
        if index[0] != "ref":
            same, lines = same_answers(args.galley, indexes[0], index)
            c.expect(index, "%s: the same %d hits as ref" % (os.path.basename(QUERIES), lines),
                     same)
    if c.failures:
        log("%d check(s) failed" % len(c.failures))
        return 1
    log("all planted facts found exactly, on %s" % ", ".join(i[0] for i in indexes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
