#!/usr/bin/env python3
"""test_corpus_queries.py - galley's answers on real news corpora vs the oracle.

For every ../shared/corpora/NAME.jsonl.zst (and its NAME.trec.zst twin) this
builds galley indexes:
    NAME.jsonl.ref   galley index --device ref --format jsonl
    NAME.trec.ref    galley index --device ref --format trec
    NAME.jsonl.dev0  galley index --device 0   (the first OpenCL device, only
                     when `galley devices` lists one; skipped with --no-device)
then runs 30+ hard queries per corpus (apostrophes, u.s., digits, hyphens,
long phrases, very common words, mixed case, non-ASCII, absent words, curly
apostrophes, phrases that would cross the title/body boundary or a token too
long to index) and compares `galley query --count` on every index with the
brute-force oracle (oracle.py, written from DESIGN.md's tokenizer rules), and
`galley query --ids` sets for a handful; with mdb_dump at hand it also checks
that the ref and device indexes hold identical tables (all but meta and files),
as DESIGN.md says output must not depend on the device.  Random phrases cut
from the documents (seeded, --seed) add more.  Prints a table, then every mismatch
as (corpus, index, query, expected, got).  Exit 0 when all agree, 1 on any
mismatch, 77 (skip) when ../shared/corpora or a required command is missing.

  test_corpus_queries.py --galley PATH --shared DIR --work DIR
                         [--corpus NAME]... [--no-device] [--no-trec] [--seed N]
"""

import argparse
import concurrent.futures
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402
import oracle  # noqa: E402

SKIP = 77

# Hand-picked queries per corpus (their oracle counts were looked at: most
# have hits; the ones that must not are absent words).  Avoid galley's query
# operators here (leading '-', OR, ':', parentheses, '*', '~'): the oracle
# knows only words and "phrases".
QUERIES = {
    "reuters21578": [
        "reagan's", '"bank\'s"', "REAGAN’S", "company's", "o'neill", "don't", '"it\'s"',
        "u.s.", '"U.S. Treasury"', '"u.s. agriculture department"',
        '"3.5 pct"', "1987", "155,221", '"5.93 mln"', '"vs 1.5"', "1",
        "year-on-year", "two-for-one", '"New York-based"', "new york-based",
        '"the company said"', '"said in a statement"', '"mln dlrs in"', '"cts a share"',
        '"of the"', "the", "s", "a", "ReUtErS", "dlrs pct", "federal reserve",
        '"west german"', '"shr loss"', '"bahia cocoa"',
        "üside", "ÜSIDE", "İstanbul", "xylophonequartz", '"café crème"',
        '"at&t"', "lt", "gt", "amp", '"<SRD>"',
        'reagan\'s "u.s. treasury"', 'cocoa "the company said"',
        '"had had"', '"the the"', '"vs vs"', '"said the company said"',
    ],
    "bbc": [
        '"it\'s"', "britain's", '"world\'s"', '"chelsea\'s"', "blair’s", '"i\'m"',
        "£1bn", '"£5m"', '"3.5%"', "2004", "u.s.",
        '"of the"', "the", "s", '"the prime minister"', '"said it would"',
        '"the world cup"', '"bank of england"', '"mr blair said"',
        "peer-to-peer", "year-on-year", "31-year-old", "video-on-demand", "e-mail",
        '"half-time"', '"new york-based"',
        '"Tony Blair"', "BLAIR", "mR", '"gordon brown"', "world cup", "dvd",
        "café", "xylophonequartz", '"ΑΘΗΝΑ"', "МОСКВА", '"had had"', '"that that"',
    ],
    "20news-bydate": [
        '"of the"', "the", "s", "don't", '"i\'m"', "DON’T", "god's", '"it\'s"',
        "törnblom", "TÖRNBLOM", "þ", "Þ", "VICTORIAÕS", "victoriaõs", "ingénieur", "käfer",
        "nntp-posting-host", '"state-of-the-art"', "e-mail",
        '"as far as i know"', '"in the first place"', '"x window system"',
        "1-202-456", '"1 908 949"', "1993", '"3.5"', '"windows 3.1"', "x11r5",
        "u.s.", '"u.s. government"', "gun control", '"gun control"', '"jesus christ"',
        "mIcRoSoFt", '"New York-based"', '"new york"', "xylophonequartz",
        '"p clive"', "p clive", '"sources weston"', '"each correction"',
        '"ha ha ha"', '"that that"', '"a a"',
    ],
    "agnews-test": [
        '"of the"', "the", "s", '"for the first time"', '"it\'s"', "google's", "bush's",
        '"39 s"', '"google 39 s"', "#36;10", '"36 10 million"',
        "u.s.", '"U.S."', '"a.m."', '"second team"',
        "higher-than-expected", '"better-than-expected"', "back-to-school",
        '"new york-based"', "peer-to-peer", "port-au-prince", "18-year-old",
        "ReUtErS", "2004", '"on tuesday"', '"president bush"', '"oil prices"',
        "iraq", "IRAQ", '"afp"', "quot", "ap", '"red sox"',
        "xylophonequartz", "café", "GOOGLE’S", '"quot quot"', '"the the"',
    ],
}

# Queries whose --ids sets are compared too (besides the automatic ones).
IDS_QUERIES = {
    "reuters21578": ['"of the"', "reagan's", '"3.5 pct"', '"New York-based"', '"at&t"', "lt", "üside"],
    "bbc": ['"of the"', "£1bn", '"the world cup"', "blair’s", "video-on-demand"],
    "20news-bydate": ['"of the"', "TÖRNBLOM", "Þ", "VICTORIAÕS", "nntp-posting-host", "p clive"],
    "agnews-test": ['"of the"', '"google 39 s"', "port-au-prince", '"a.m."', "GOOGLE’S"],
}

# Generic queries for a corpus added later that has no list of its own.
GENERIC = ['"of the"', "the", "s", "u.s.", "don't", '"it\'s"', "1", "2004",
           "year-on-year", '"New York-based"', "xylophonequartz", "café", "МОСКВА"]

MAX_IDS_AUTO = 6       # automatic --ids comparisons per corpus
RANDOM_SEED = 1987     # random phrases drawn from the documents (printed)
RANDOM_PHRASES = 12
RANDOM_ANDS = 4
IDS_AUTO_MAX_HITS = 300


def log(*a):
    print(*a, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def summary_docs(stderr):
    """Document count from galley index's summary line, or None."""
    for line in reversed(stderr.splitlines()):
        if "documents" in line:
            m = re.search(r"([\d,]+)\s+documents", line)
            if m:
                return int(m.group(1).replace(",", ""))
    return None


def have_device(galley):
    """True when `galley devices` lists at least one OpenCL device."""
    try:
        p = run([galley, "devices"], timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False, "galley devices did not run"
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    if p.returncode != 0:
        return False, "galley devices exit %d" % p.returncode
    if re.search(r"no (opencl )?(platforms?|devices?)", out, re.I):
        return False, out.strip().splitlines()[0] if out.strip() else "no device"
    if not out.strip():
        return False, "galley devices printed nothing"
    return True, out.strip().splitlines()[0]


def build_index(galley, src, fmt, device, out_dir):
    """Run galley index; returns dict(rc, secs, docs, stderr)."""
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    cmd = [galley, "index", "-o", out_dir, "--device", device, "--format", fmt, src]
    t = time.time()
    p = run(cmd)
    err = p.stderr.decode("utf-8", "replace")
    return {"cmd": " ".join(cmd), "rc": p.returncode, "secs": time.time() - t,
            "docs": summary_docs(err), "stderr": err}


def galley_count(galley, index, query):
    """(count or None, rc, stderr first line)."""
    p = run([galley, "query", index, query, "--count"])
    out = p.stdout.decode("utf-8", "replace").strip()
    err = p.stderr.decode("utf-8", "replace").strip()
    count = int(out) if re.fullmatch(r"\d+", out) else None
    return count, p.returncode, (err.splitlines() or [""])[0] if err else out[:80]


def galley_ids(galley, index, query):
    p = run([galley, "query", index, query, "--ids", "--limit", "1000000"])
    out = p.stdout.decode("utf-8", "surrogateescape")
    return [l for l in out.split("\n") if l], p.returncode


def table_digests(index):
    """{table: sha256 of `mdb_dump -s table -p`} for every named table but
    meta and files (which record build time, device and input paths)."""
    p = run(["mdb_dump", "-l", index])
    if p.returncode != 0:
        return None
    out = {}
    for t in p.stdout.decode("utf-8", "replace").split():
        if t in ("meta", "files"):
            continue
        h = hashlib.sha256()
        with subprocess.Popen(["mdb_dump", "-s", t, "-p", index], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as d:
            for chunk in iter(lambda: d.stdout.read(1 << 20), b""):
                h.update(chunk)
        out[t] = h.hexdigest() if d.returncode == 0 else "mdb_dump exit %d" % d.returncode
    return out


def dynamic_queries(name, records, corpus):
    """Queries computed from the data itself: title/body boundary phrases,
    tokens at and past the 64-byte limit, phrases across such a token, and
    the corpus's commonest non-ASCII tokens with an upper-case variant."""
    qs = []
    # Last title token + first body token: as a phrase it must not match
    # across the field boundary (unless it occurs inside a field elsewhere).
    for rec in records:
        tt = oracle.tokenize(rec.get("title", ""))
        bt = oracle.tokenize(rec.get("text", ""))
        if not tt or not bt or tt[-1] is None or bt[0] is None:
            continue
        q = '"%s %s"' % (tt[-1], bt[0])
        if corpus.count(q) < corpus.count(q.strip('"')):
            qs.append(q)
            if len(qs) == 2:
                break
    # Tokens at 64 bytes (indexed) and over it (not indexed), and a phrase
    # over an unindexed one.
    at64 = over = bridge = None
    for rec in records:
        for field in ("title", "text"):
            raw = oracle.WORD_RE.findall(rec.get(field, ""))
            for i, t in enumerate(raw):
                n = len(oracle.fold(t).encode("utf-8"))
                if n == 64 and at64 is None:
                    at64 = t
                elif n > 64:
                    if over is None and n < 100:
                        over = t
                    if bridge is None and 0 < i < len(raw) - 1:
                        a, b = oracle.fold(raw[i - 1]), oracle.fold(raw[i + 1])
                        if len(a.encode()) <= 64 and len(b.encode()) <= 64:
                            q = '"%s %s"' % (a, b)
                            if corpus.count(q) < corpus.count("%s %s" % (a, b)):
                                bridge = q
        if at64 and over and bridge:
            break
    qs += [q for q in (at64, over, bridge) if q]
    # Non-ASCII tokens, as found and upper-cased.
    seen = {}
    for rec in records:
        for field in ("title", "text"):
            for t in oracle.WORD_RE.findall(rec.get(field, "")):
                if not t.isascii() and len(t) < 20:
                    seen[t] = seen.get(t, 0) + 1
    for t, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:3]:
        qs.append(t)
        up = t.upper()
        if up != t and oracle.tokenize(up) == oracle.tokenize(t):
            qs.append(up)
    return qs


def random_queries(name, corpus, seed):
    """Phrases of 2-7 tokens cut from random documents (title or body), and
    bare-word ANDs of 3 tokens of one document: they always have a hit."""
    rng = random.Random("%s/%d" % (name, seed))
    qs = []
    tries = 0
    while len(qs) < RANDOM_PHRASES + RANDOM_ANDS and tries < 10000:
        tries += 1
        d = rng.choice(corpus.docs)
        field = d.title if rng.random() < 0.25 else d.body
        toks = field.split()
        if len(qs) < RANDOM_PHRASES:
            n = rng.randint(2, 7)
            if len(toks) < n:
                continue
            i = rng.randrange(len(toks) - n + 1)
            win = toks[i:i + n]
            if "\x01" in win:
                continue
            q = '"%s"' % " ".join(win)
        else:
            words = [t for t in toks if t != "\x01" and t not in ("or", "and", "not")]
            if len(words) < 3:
                continue
            q = " ".join(rng.sample(words, 3))
        if q not in qs:
            qs.append(q)
    return qs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--galley", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", action="append", help="only this corpus (repeatable)")
    ap.add_argument("--no-device", action="store_true", help="skip the --device 0 index")
    ap.add_argument("--no-trec", action="store_true", help="skip the TREC index")
    ap.add_argument("--seed", type=int, default=RANDOM_SEED,
                    help="seed of the random phrases [%d]" % RANDOM_SEED)
    args = ap.parse_args()

    t_start = time.time()
    corpora_dir = os.path.join(args.shared, "corpora")
    names, status = corpora.pick(args.galley, args.shared, args.corpus, args.work, log)
    if status is not None:
        return status

    # the first device by number: --device auto leaves a CPU device to the
    # reference path, and this compares the kernels' tables with its
    use_device = False
    if not args.no_device:
        use_device, why = have_device(args.galley)
        log("galley devices: %s -> %s" % (why, "also indexing with --device 0"
                                          if use_device else "ref only"))

    # Index builds run one at a time in the background while the oracle
    # tokenizes (2 cores: one for galley, one for Python).
    jobs = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    for name in names:
        jpath = os.path.join(corpora_dir, name + ".jsonl.zst")
        tpath = os.path.join(corpora_dir, name + ".trec.zst")
        variants = [("jsonl.ref", jpath, "jsonl", "ref")]
        if not args.no_trec and os.path.exists(tpath):
            variants.append(("trec.ref", tpath, "trec", "ref"))
        if use_device:
            variants.append(("jsonl.dev0", jpath, "jsonl", "0"))
        for tag, src, fmt, dev in variants:
            out = os.path.join(args.work, "%s.%s" % (name, tag))
            jobs[(name, tag)] = pool.submit(build_index, args.galley, src, fmt, dev, out)

    mismatches = []
    timings = []
    for name in names:
        t0 = time.time()
        data = oracle.read_bytes(os.path.join(corpora_dir, name + ".jsonl.zst"))
        records = [r for _, r in oracle.parse_jsonl(data) if r is not None]
        corpus = oracle.Corpus()
        for r in records:
            corpus.add_record(r)
        queries = list(QUERIES.get(name, GENERIC))
        queries += [q for q in dynamic_queries(name, records, corpus) if q not in queries]
        queries += [q for q in random_queries(name, corpus, args.seed) if q not in queries]
        t_oracle = time.time() - t0

        tags = [tag for (n, tag) in jobs if n == name]
        indexes = {}
        for tag in tags:
            res = jobs[(name, tag)].result()
            log("[%s] %s: exit %d in %.1fs, summary docs %s"
                % (name, tag, res["rc"], res["secs"], res["docs"]))
            timings.append("%s %s index %.1fs" % (name, tag, res["secs"]))
            if res["rc"] != 0:
                mismatches.append((name, tag, "(galley index)", "exit 0",
                                   "exit %d: %s" % (res["rc"], res["stderr"].strip()[-300:])))
                continue
            if res["docs"] != len(corpus.docs):
                mismatches.append((name, tag, "(summary line documents)", len(corpus.docs),
                                   res["docs"]))
            indexes[tag] = os.path.join(args.work, "%s.%s" % (name, tag))

        if "jsonl.ref" in indexes and "jsonl.dev0" in indexes and shutil.which("mdb_dump"):
            # DESIGN.md: output must not depend on the device.
            a = table_digests(indexes["jsonl.ref"])
            b = table_digests(indexes["jsonl.dev0"])
            same = a is not None and a == b
            log("[%s] tables of jsonl.ref and jsonl.dev0 (all but meta, files): %s"
                % (name, "identical" if same else "DIFFER"))
            if not same:
                diff = sorted(t for t in set(a or {}) | set(b or {})
                              if (a or {}).get(t) != (b or {}).get(t))
                mismatches.append((name, "jsonl.dev0", "(mdb_dump tables vs jsonl.ref)",
                                   "identical tables", "differ: %s" % ", ".join(diff)))

        log("\n== %s: %d documents, %d queries (oracle %.1fs; random queries seed %d)"
            % (name, len(corpus.docs), len(queries), t_oracle, args.seed))
        log("%-44s %8s %s" % ("query", "oracle", " ".join("%10s" % t for t in tags)))
        t1 = time.time()
        auto_ids = 0
        for q in queries:
            want = corpus.count(q)
            cells = []
            for tag in tags:
                if tag not in indexes:
                    cells.append("%10s" % "-")
                    continue
                got, rc, msg = galley_count(args.galley, indexes[tag], q)
                want_rc = 0 if want > 0 else 1
                ok = got == want and rc == want_rc
                cells.append("%10s" % ((str(got) if got is not None else "rc%d" % rc)
                                       + ("" if ok else " !")))
                if not ok:
                    detail = got if got is not None else "no count (%s)" % msg
                    if got == want:
                        detail = "%s but exit %d (want %d)" % (got, rc, want_rc)
                    mismatches.append((name, tag, q, want, detail))
            log("%-44s %8d %s" % (q[:44], want, " ".join(cells)))

            check_ids = q in IDS_QUERIES.get(name, [])
            if not check_ids and 0 < want <= IDS_AUTO_MAX_HITS and auto_ids < MAX_IDS_AUTO:
                check_ids = True
                auto_ids += 1
            if check_ids:
                want_ids = set(corpus.ids(q))
                for tag in tags:
                    if tag not in indexes or tag.endswith(".dev0"):
                        continue
                    got_ids, rc = galley_ids(args.galley, indexes[tag], q)
                    got_set = set(got_ids)
                    if got_set != want_ids or len(got_ids) != len(got_set):
                        missing = sorted(want_ids - got_set)
                        extra = sorted(got_set - want_ids)
                        mismatches.append((name, tag, q + " --ids",
                                           "%d ids" % len(want_ids),
                                           "%d ids (%d lines, exit %d); missing %s; extra %s"
                                           % (len(got_set), len(got_ids), rc,
                                              missing[:5], extra[:5])))
        timings.append("%s queries %.1fs" % (name, time.time() - t1))
    pool.shutdown()

    log("\ntimings: " + "; ".join(timings) + "; total %.1fs" % (time.time() - t_start))
    if mismatches:
        log("\n%d MISMATCHES (corpus, index, query, expected, got):" % len(mismatches))
        for m in mismatches:
            log("  %s | %s | %s | expected %s | got %s" % m)
        return 1
    log("\nall queries agree with the oracle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
