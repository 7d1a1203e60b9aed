#!/usr/bin/env python3
"""test_cli_input.py - `galley index` input handling, end to end.

Builds small inputs of its own (seeded, so every run is the same) and checks
what the contract says about them:
  * plain, gzip and zstd copies of one JSON Lines file give identical index
    tables (postings, lexicon, docs, text... everything but meta and files),
    compared with `mdb_dump -s NAME -p`; compression is found by content;
  * a malformed JSON line gives `galley: warning: FILE:LINE: invalid JSON ...
    (record skipped)`, is counted as skipped in the summary line, and with
    --strict the run exits 4;
  * invalid UTF-8 and NUL bytes inside texts never crash galley, act as
    separators, and the other documents are found;
  * truncated .gz and .zst inputs exit 4 naming the file, and the batches
    committed before the damage stay searchable (--batch-mb 1); among other
    inputs, the others are indexed too, and the damaged one's complete
    records (--strict stops there); zeros after the last gzip member are
    passed over, as gzip does;
  * dates in ISO 8601 and RFC 2822 forms are read as the day they name
    (date:, --sort date); others, and days that do not exist, leave the
    document undated with a warning naming the line;
  * a binary file among a directory's is passed over with a warning;
  * a missing input exits 4 before anything is written (no index directory);
  * an empty input gives 0 documents and exit 0;
  * a directory is walked recursively, entries in byte order of their names;
  * `-` reads standard input (plain or compressed);
  * a line longer than a record may be (64 MB) is skipped with a warning
    naming it, in bounded memory;
  * one JSON array of the documents, pretty-printed or on one line, or the
    documents pretty-printed one after another (jq), index as the same
    documents in JSON Lines do;
  * web crawls: WARC files of HTML pages (plain, and a gzip member per record)
    and WET files of their texts answer as JSON Lines of the same documents
    do; a hit shows the record's id, url and date; a damaged record is a
    warning naming its line (exit 4 with --strict);
  * --resume reads only what an interrupted run left: after a run killed
    with one batch committed (its first input a FIFO that stops), the same
    inputs finish it with every document once; fewer inputs than the run
    had are refused (exit 2), and so is an input a finished run read
    (which would go in twice); inputs no run read start a new run;
  * `galley index --help` exits 0 and documents the exit codes; an unknown
    option exits 2 with "Try 'galley index --help'".
Expected answers to queries come from oracle.py.

  test_cli_input.py --galley PATH --work DIR [--keep]
Exit 0 when every check passes, 1 otherwise (each failure printed with what
was expected and what came), 77 when gzip, zstd or mdb_dump is missing.
"""

import argparse
import gzip as gzipmod
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

SKIP = 77
SEED = 20250501

failures = []
passed = []


def log(*a):
    print(*a, flush=True)


def check(name, ok, expected="", got=""):
    got = str(got).strip().replace("\n", " / ")
    if ok:
        passed.append(name)
        log("  ok    %s" % name)
    else:
        failures.append((name, expected, got))
        log("  FAIL  %s\n          expected: %s\n          got:      %s" % (name, expected, got))
    return ok


class Galley:
    def __init__(self, path):
        self.path = path

    def run(self, *args, stdin=None, cwd=None, timeout=600):
        p = subprocess.run([self.path] + list(args), input=stdin, cwd=cwd, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def index(self, out, *inputs, opts=(), stdin=None, cwd=None):
        return self.run("index", "-o", out, "--device", "ref", *opts, *inputs,
                        stdin=stdin, cwd=cwd)

    def count(self, index, query):
        rc, out, err = self.run("query", index, query, "--count")
        out = out.strip()
        return (int(out) if re.fullmatch(r"\d+", out) else None), rc, err.strip()

    def ids(self, index, query):
        rc, out, err = self.run("query", index, query, "--ids", "--limit", "1000000")
        return [l for l in out.split("\n") if l], rc, err.strip()


def crashed(rc):
    return rc < 0 or rc >= 128


def summary(err):
    """(documents, skipped) from the summary line, None where absent."""
    lines = [l for l in err.splitlines() if l.strip()]
    docs = skipped = None
    for line in reversed(lines):
        if "documents" in line:
            m = re.search(r"([\d,]+)\s+documents", line)
            docs = int(m.group(1).replace(",", "")) if m else None
            m = (re.search(r"([\d,]+)\s+(?:\w+\s+)?skipped", line)
                 or re.search(r"skipped\D{0,3}([\d,]+)", line))
            skipped = int(m.group(1).replace(",", "")) if m else 0
            break
    return docs, skipped


def last_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return lines[-1] if lines else ""


def short(s, n=300):
    s = s.strip()
    return s if len(s) <= n else s[:n] + "..."


# ------------------------------------------------------------------ inputs

def make_vocab(rng, n):
    sy = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "zen", "pra", "dol", "mer",
          "gan", "tis", "bel", "or", "an", "qu", "ex", "ly"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(sy) for _ in range(rng.randint(2, 4))))
    return sorted(words)


SPECIAL = ["Zürich", "ΑΘΗΝΑ", "Москва", "İstanbul", "東京", "U.S.", "Reagan's", "Trump’s",
           "year-on-year", "£1bn", "3.5", "naïve", "CAFÉ", "😀", "a\u00a0b", "x×y", "Ελλάδα"]


def make_docs(rng, n, words_per_doc, prefix="d", everyword="everydoc"):
    vocab = make_vocab(rng, 3000)
    docs = []
    for i in range(n):
        title = " ".join(rng.choice(vocab) for _ in range(rng.randint(2, 8)))
        body = []
        for _ in range(words_per_doc):
            r = rng.random()
            body.append(rng.choice(SPECIAL) if r < 0.03 else rng.choice(vocab))
            if rng.random() < 0.08:
                body[-1] += rng.choice([",", ".", ";", "\n", " -"])
        body.insert(rng.randint(0, len(body)), everyword)
        docs.append({"id": "%s%05d" % (prefix, i), "title": title, "text": " ".join(body)})
    return docs


def jsonl(docs, rng=None):
    lines = []
    for i, d in enumerate(docs):
        ascii_only = rng.random() < 0.5 if rng else False
        lines.append(json.dumps(d, ensure_ascii=ascii_only))
    return ("\n".join(lines) + "\n").encode("utf-8")


def gz(data):
    return gzipmod.compress(data, 6, mtime=0)


def zst(data):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def fresh(path):
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    return path


def compare_queries(g, name, index, corpus, queries):
    bad = []
    for q in queries:
        want = corpus.count(q)
        got, rc, err = g.count(index, q)
        if got != want or rc != (0 if want else 1):
            bad.append("%s: expected %d (exit %d), got %s (exit %d) %s"
                       % (q, want, 0 if want else 1, got, rc, short(err, 100)))
    return check("%s: %d queries agree with the oracle" % (name, len(queries)),
                 not bad, "oracle counts", "; ".join(bad))


# ------------------------------------------------------------------ checks

def test_help(g, work):
    log("\n[help and usage]")
    rc, out, err = g.run("index", "--help")
    check("index --help exits 0", rc == 0, 0, rc)
    check("index --help prints to stdout", bool(out.strip()), "text on stdout",
          "stdout empty; stderr: " + short(err))
    codes = [c for c in "234" if re.search(r"(^|\D)%s(\D|$)" % c, out)]
    check("index --help mentions exit codes (2, 3, 4)",
          re.search(r"exit", out, re.I) is not None and len(codes) == 3,
          "'exit' and the codes 2, 3, 4", short(out, 400))
    idx = fresh(os.path.join(work, "unknown-opt.idx"))
    rc, out, err = g.run("index", "--no-such-option", "-o", idx, "x.jsonl")
    check("unknown option exits 2", rc == 2, 2, rc)
    check("unknown option says Try 'galley index --help'",
          "Try 'galley index --help'" in err, "Try 'galley index --help' on stderr", short(err))
    check("unknown option writes no index", not os.path.exists(idx), "no " + idx, "it exists")
    # -o naming a file: a usage error, the file untouched (it was exit 6,
    # "cannot open 'FILE/writer.lock': Not a directory")
    afile = write(os.path.join(work, "a-file"), b"not an index\n")
    good = write(os.path.join(work, "one.jsonl"), b'{"id": "g1", "title": "t", "text": "x"}\n')
    rc, out, err = g.index(afile, good)
    check("-o FILE exits 2 naming it", rc == 2 and "a-file" in err and "is a file" in err,
          "2, 'is a file'", "%d: %s" % (rc, short(err)))
    check("-o FILE leaves it as it was", open(afile, "rb").read() == b"not an index\n",
          "unchanged", "changed")


def mdb_tables(index):
    p = subprocess.run(["mdb_dump", "-l", index], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace").strip()
    return sorted(l.strip() for l in p.stdout.decode("utf-8", "replace").splitlines()
                  if l.strip()), ""


def mdb_table(index, name):
    p = subprocess.run(["mdb_dump", "-s", name, "-p", index], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout


def dump_pairs(dump):
    """key -> value lines of an `mdb_dump -p` output."""
    lines = dump.decode("latin-1").split("\n")
    if "HEADER=END" in lines:
        lines = lines[lines.index("HEADER=END") + 1:]
    lines = [l for l in lines if l and l != "DATA=END"]
    return dict(zip(lines[0::2], lines[1::2]))


def dump_diff(a, b):
    pa, pb = dump_pairs(a), dump_pairs(b)
    only_a = sorted(set(pa) - set(pb))
    only_b = sorted(set(pb) - set(pa))
    changed = sorted(k for k in set(pa) & set(pb) if pa[k] != pb[k])
    first = (only_a or only_b or changed or ["(headers differ)"])[0]
    return ("%d keys only in plain, %d only here, %d with other values; first: %s"
            % (len(only_a), len(only_b), len(changed), first.strip()[:80]))


def test_compression(g, work):
    log("\n[plain, gzip and zstd give identical indexes]")
    rng = random.Random(SEED)
    docs = make_docs(rng, 400, 120)
    data = jsonl(docs, rng)
    corpus = oracle.Corpus().add_jsonl_bytes(data)
    base = os.path.join(work, "compress")
    fresh(base)
    # Same file name in three directories, so that the docs table (which may
    # record the input path) can be compared byte for byte.
    variants = {"plain": data, "gzip": gz(data), "zstd": zst(data)}
    tables = {}
    for kind, blob in variants.items():
        d = os.path.join(base, kind)
        write(os.path.join(d, "news.jsonl"), blob)
        rc, out, err = g.index("idx", "news.jsonl", opts=("--format", "jsonl"), cwd=d)
        ndocs, _ = summary(err)
        check("%s: index exits 0" % kind, rc == 0, 0, "%d: %s" % (rc, short(err)))
        check("%s: summary line is the last stderr line and counts %d documents"
              % (kind, len(docs)),
              "documents" in last_line(err) and ndocs == len(docs),
              "... %d documents ..." % len(docs), short(last_line(err)))
        idx = os.path.join(d, "idx")
        names, why = mdb_tables(idx)
        if names is None:
            check("%s: mdb_dump -l lists the tables" % kind, False, "a table list", why)
            continue
        tables[kind] = {}
        for t in names:
            if t in ("meta", "files"):
                continue
            trc, dump = mdb_table(idx, t)
            tables[kind][t] = dump if trc == 0 else None
    if "plain" in tables:
        have = sorted(tables["plain"])
        need = ["docs", "lexicon", "postings", "text"]
        check("index has the tables %s" % ", ".join(need),
              all(t in tables["plain"] for t in need), need, have)
        for kind in ("gzip", "zstd"):
            if kind not in tables:
                continue
            check("%s: same table names as plain" % kind,
                  sorted(tables[kind]) == have, have, sorted(tables[kind]))
            for t in have:
                a, b = tables["plain"][t], tables[kind].get(t)
                check("%s: table %s identical to plain's (%d bytes of dump)"
                      % (kind, t, len(a or b"")),
                      a is not None and a == b, "same mdb_dump -p output",
                      dump_diff(a, b) if a is not None and b is not None
                      else "missing or unreadable")
    idx = os.path.join(base, "plain", "idx")
    if os.path.isdir(idx):
        compare_queries(g, "plain", idx, corpus,
                        ["everydoc", "zürich", "ZÜRICH", "αθηνα", "МОСКВА", "istanbul",
                         "東京", "u.s.", "reagan's", "trump's", '"year-on-year"', "1bn",
                         '"3.5"', "naïve", "café", "x y", '"a b"', docs[7]["title"],
                         '"%s"' % docs[3]["title"]])
    # Named with their usual suffixes, and the format left to galley.
    for suffix, blob in (("jsonl", data), ("jsonl.gz", gz(data)), ("jsonl.zst", zst(data))):
        f = write(os.path.join(base, "named", "news." + suffix), blob)
        idx = fresh(os.path.join(base, "named", suffix + ".idx"))
        rc, out, err = g.index(idx, f)
        ndocs, _ = summary(err)
        check("news.%s without --format: exit 0, %d documents" % (suffix, len(docs)),
              rc == 0 and ndocs == len(docs), "exit 0, %d documents" % len(docs),
              "exit %d, %s documents: %s" % (rc, ndocs, short(err)))
        if rc == 0:
            got, grc, gerr = g.count(idx, "everydoc")
            check("news.%s: everydoc in all %d documents" % (suffix, len(docs)),
                  got == len(docs), len(docs), "%s (exit %d) %s" % (got, grc, short(gerr)))


def with_damaged(docs, record, damaged, broken_at):
    """docs as records (record(doc) -> bytes), a damaged one (damaged(i))
    before each index in broken_at; and the line the first damaged one
    starts on."""
    out, first_bad, line = [], None, 1
    for i, d in enumerate(docs):
        if i in broken_at:
            first_bad = first_bad or line
            out.append(damaged(i))
            line += out[-1].count(b"\n")
        out.append(record(d))
        line += out[-1].count(b"\n")
    return b"".join(out), first_bad


def warc_page(d):
    """A document as a crawled HTML page."""
    import html
    body = "".join("<p>%s</p>\n" % html.escape(t) for t in d["text"].split("\n"))
    page = ("<html><head><title>%s</title></head><body>%s</body></html>"
            % (html.escape(d["title"]), body)).encode("utf-8")
    return warc_record("response", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page,
                       d["id"], "application/http; msgtype=response",
                       "https://news.example/%s" % d["id"])


def warc_damaged(i):
    """A WARC record without a valid Content-Length."""
    lost = b"Lost\nlost words"
    return warc_record("conversion", lost, "bad%d" % i).replace(
        b"Content-Length: %d" % len(lost), b"Content-Length: x")


def trec_block(d):
    """A document as a TREC block."""
    import html
    return ("<DOC>\n<DOCNO> %s </DOCNO>\n<HEADLINE>\n%s\n</HEADLINE>\n<TEXT>\n%s\n</TEXT>\n</DOC>\n"
            % (d["id"], html.escape(d["title"], quote=False),
               html.escape(d["text"], quote=False))).encode("utf-8")


def trec_damaged(i):
    """A TREC block whose DOCNO is never closed."""
    return b"<DOC>\n<DOCNO> bad%d\n<TEXT>\nlost\n</TEXT>\n</DOC>\n" % i


def test_read_threads(g, work):
    log("\n[JSON Lines, TREC and WARC parsed on several threads: the same index, warnings and errors]")
    rng = random.Random(SEED + 7)
    docs = make_docs(rng, 7000, 110)
    lines = jsonl(docs, rng).split(b"\n")
    # malformed lines among them, each warned about by its line number
    for at in (5, 2500, 4100, 6999):
        lines.insert(at, b'{"id": "broken%d", "text": "no end' % at)
    data = b"\n".join(lines)
    check("the input is more than one 4 MiB parsing block", len(data) > (6 << 20), "> 6 MiB",
          len(data))
    # the same documents as a web crawl, four damaged records among them
    broken_at = (5, 2500, 4100, 6999)
    crawl, crawl_bad_line = with_damaged(docs, warc_page, warc_damaged, broken_at)
    check("the crawl is more than one 4 MiB parsing block", len(crawl) > (6 << 20), "> 6 MiB",
          len(crawl))
    trec, trec_bad_line = with_damaged(docs, trec_block, trec_damaged, broken_at)
    base = fresh(os.path.join(work, "readthreads"))
    # jobs of 64 kB, so that the .jsonl.gz (about 2 MB, one member) has its
    # deflate blocks decoded on the threads, and the .warc.gz its members
    os.environ["GALLEY_GZIP_CHUNK"] = "65536"
    inputs = (("plain", "news.jsonl", data, 6), ("zstd", "news.jsonl", zst(data), 6),
              ("gzip", "news.jsonl.gz", gz(data), 6),
              ("trec", "news.trec", trec, trec_bad_line),
              ("warc", "news.warc", crawl, crawl_bad_line),
              ("warc.gz", "news.warc.gz", gz(crawl), crawl_bad_line))
    results = {}
    for kind, name, blob, _ in inputs:
        for n in ("1", "3"):
            d = os.path.join(base, "%s-%s" % (kind, n))
            write(os.path.join(d, name), blob)
            rc, out, err = g.index("idx", name, opts=("--read-threads", n), cwd=d)
            warnings = [l for l in err.splitlines() if "warning" in l]
            names, why = mdb_tables(os.path.join(d, "idx"))
            tables = {t: mdb_table(os.path.join(d, "idx"), t)[1] for t in names or []
                      if t not in ("meta", "files")}
            results[(kind, n)] = (rc, summary(err), warnings, tables)
            rc, out, err = g.index("strict", name, opts=("--read-threads", n, "--strict"), cwd=d)
            results[(kind, n, "strict")] = (rc, last_line(err))
    for kind, name, _, bad_line in inputs:
        one, three = results[(kind, "1")], results[(kind, "3")]
        check("%s: one reading thread: exit 0, %d documents, 4 skipped" % (kind, len(docs)),
              one[0] == 0 and one[1] == (len(docs), 4), (0, (len(docs), 4)), one[:2])
        check("%s: three: the same exit, counts and warnings" % kind,
              three[:3] == one[:3], one[:3], three[:3])
        check("%s: three: the same tables (%d)" % (kind, len(one[3])),
              one[3] and three[3] == one[3], sorted(one[3]),
              [t for t in one[3] if three[3].get(t) != one[3][t]])
        s1, s3 = results[(kind, "1", "strict")], results[(kind, "3", "strict")]
        check("%s --strict: exit 4 at line %d, the same error with three threads" % (kind, bad_line),
              s1[0] == 4 and ("%s:%d:" % (name, bad_line)) in s1[1] and s3 == s1, s1, s3)
    del os.environ["GALLEY_GZIP_CHUNK"]
    for bad in ("0", "17", "x"):
        rc, out, err = g.index(os.path.join(base, "never"), os.path.join(base, "plain-1",
                                                                         "news.jsonl"),
                               opts=("--read-threads", bad))
        check("--read-threads %s: usage error" % bad,
              rc == 2 and "--read-threads needs a number from 1 to 16" in err, 2,
              "%d: %s" % (rc, short(err)))


def test_malformed(g, work):
    log("\n[malformed JSON lines]")
    base = fresh(os.path.join(work, "malformed"))
    lines = [
        b'{"id": "m1", "title": "first", "text": "okalpha"}',
        b'{"id": "m2", "title": "second", "text": "okbeta"}',
        b'{"id": "m3", "title": "broken", "text": "badgamma',
        b'{"id": "m4", "title": "fourth", "text": "okdelta"}',
        b'{"id": "m5", "title": "fifth", "text": "okepsilon"}',
        b'{"id": "m6", "title": bareword, "text": "badzeta"}',
        b'{"id": "m7", "title": "seventh", "text": "okomega"}',
    ]
    f = write(os.path.join(base, "bad.jsonl"), b"\n".join(lines) + b"\n")
    idx = os.path.join(base, "idx")
    rc, out, err = g.index(idx, f, opts=("--format", "jsonl"))
    check("malformed lines: exit 0 without --strict", rc == 0, 0, "%d: %s" % (rc, short(err)))
    for line in (3, 6):
        pat = r"galley: warning: \S*bad\.jsonl:%d: invalid JSON.*\(record skipped\)" % line
        check("warning names bad.jsonl:%d" % line, re.search(pat, err) is not None,
              "galley: warning: .../bad.jsonl:%d: invalid JSON ... (record skipped)" % line,
              short(err, 500))
    ndocs, skipped = summary(err)
    check("summary: 5 documents, 2 skipped", ndocs == 5 and skipped == 2,
          "5 documents, 2 skipped", short(last_line(err)))
    if rc == 0:
        bad = []
        for w, want in (("okalpha", ["m1"]), ("okbeta", ["m2"]), ("okdelta", ["m4"]),
                        ("okepsilon", ["m5"]), ("okomega", ["m7"]), ("badgamma", []),
                        ("badzeta", []), ("bareword", [])):
            got, grc, gerr = g.ids(idx, w)
            if got != want:
                bad.append("%s: expected %s, got %s (exit %d)" % (w, want, got, grc))
        check("the well-formed records are found, the skipped ones not", not bad, "", "; ".join(bad))
    idx2 = fresh(os.path.join(base, "idx-strict"))
    rc, out, err = g.index(idx2, f, opts=("--format", "jsonl", "--strict"))
    check("--strict: exit 4", rc == 4, 4, "%d: %s" % (rc, short(err)))
    check("--strict: error names bad.jsonl and line 3", re.search(r"bad\.jsonl:3", err) is not None,
          "bad.jsonl:3 in the message", short(err))


def test_bad_bytes(g, work):
    log("\n[invalid UTF-8 and NUL bytes]")
    base = fresh(os.path.join(work, "badbytes"))
    recs = [
        b'{"id": "b1", "title": "ff byte", "text": "alphaone\xffbetaone plain"}',
        b'{"id": "b2", "title": "overlong", "text": "alphatwo\xc0\xafbetatwo"}',
        b'{"id": "b3", "title": "truncated seq", "text": "alphathree\xe2\x82betathree"}',
        b'{"id": "b4", "title": "surrogate", "text": "alphafour\xed\xa0\x80betafour"}',
        b'{"id": "b5", "title": "past U+10FFFF", "text": "alphafive\xf4\x90\x80\x80betafive"}',
        b'{"id": "b6", "title": "lone continuation \x80\xbf", "text": "alphasix\x80betasix"}',
        b'{"id": "b7", "title": "cut before quote", "text": "betaseven alphaseven\xe2"}',
        b'{"id": "b8", "title": "nul escape", "text": "nulleft\\u0000nulright"}',
        b'{"id": "b9", "title": "bad \xfe\xfe title", "text": "alphanine"}',
        b'{"id": "b10", "title": "5-byte form", "text": "alphaten\xf8\x88\x80\x80\x80betaten"}',
        b'{"id": "b11", "title": "all bad", "text": "\xff\xfe\xfd\xc3"}',
        b'{"id": "b12", "title": "good after bad", "text": "\xc3\xa9t\xc3\xa9\xff\xc3\x89T\xc3\x89"}',
    ]
    data = b"\n".join(recs) + b"\n"
    corpus = oracle.Corpus().add_jsonl_bytes(data)
    f = write(os.path.join(base, "bytes.jsonl"), data)
    idx = os.path.join(base, "idx")
    rc, out, err = g.index(idx, f, opts=("--format", "jsonl"))
    check("invalid UTF-8 / NUL escape: exit 0", rc == 0, 0, "%d: %s" % (rc, short(err)))
    ndocs, skipped = summary(err)
    check("invalid UTF-8 / NUL escape: 12 documents", ndocs == 12, 12, short(last_line(err)))
    if rc == 0:
        qs = []
        for w in ("one", "two", "three", "four", "five", "six", "seven", "ten"):
            qs += ["alpha" + w, "beta" + w, '"alpha%s beta%s"' % (w, w)]
        qs += ["betaseven", '"betaseven alphaseven"', "nulleft", "nulright",
               '"nulleft nulright"', "alphanine", "bad title", '"bad title"',
               "été", "ÉTÉ", '"été été"', "plain", "continuation"]
        compare_queries(g, "invalid bytes are separators", idx, corpus, qs)
        # the snippet shows each invalid sequence as U+FFFD (3 bytes, the
        # invalid ones 1 to 5): snippet_matches count the snippet's bytes
        bad = []
        for w in ("betaone", "betatwo", "betathree", "betafive", "betaten", "plain"):
            rc, out, err = g.run("query", idx, w, "--json")
            hits = [json.loads(line) for line in out.splitlines()] if rc == 0 else []
            for h in hits:
                text = h["snippet"].encode()
                got = [text[a:b].decode(errors="replace") for a, b in h["snippet_matches"]]
                if got != [w]:
                    bad.append("%s: %s" % (w, got))
            if not hits:
                bad.append("%s: exit %d: %s" % (w, rc, short(err)))
        check("snippet_matches past invalid bytes", not bad, "each the word", "; ".join(bad))

    # A raw NUL byte inside a JSON string is not valid JSON; whatever galley
    # makes of that record, it must not crash and must find the others.
    raw = (b'{"id": "n1", "title": "before", "text": "nulfirst"}\n'
           b'{"id": "n2", "title": "raw nul", "text": "rawleft\x00rawright"}\n'
           b'{"id": "n3", "title": "lone \\ud800 escape", "text": "nullast \\udfff x"}\n'
           b'{"id": "n4", "title": "after", "text": "nulfourth"}\n')
    f = write(os.path.join(base, "rawnul.jsonl"), raw)
    idx = fresh(os.path.join(base, "idx-rawnul"))
    rc, out, err = g.index(idx, f, opts=("--format", "jsonl"))
    check("raw NUL / lone surrogate escapes: no crash, exit 0", rc == 0, 0, "%d: %s" % (rc, short(err)))
    if rc == 0:
        bad = []
        for w, want in (("nulfirst", ["n1"]), ("nulfourth", ["n4"])):
            got, grc, _ = g.ids(idx, w)
            if got != want:
                bad.append("%s: expected %s, got %s (exit %d)" % (w, want, got, grc))
        check("raw NUL: the other documents are found", not bad, "", "; ".join(bad))

    # The same bytes as a plain text document (first line the title).
    f = write(os.path.join(base, "plain", "doc.txt"),
              b"Text \xff title\nbody textleft\x00textright \xc0\xaf textend\xe2\n")
    idx = fresh(os.path.join(base, "idx-text"))
    rc, out, err = g.index(idx, f, opts=("--format", "text"))
    check("--format text with NUL and bad bytes: exit 0", rc == 0, 0, "%d: %s" % (rc, short(err)))
    if rc == 0:
        bad = []
        for q in ("textleft", "textright", '"textleft textright"', "textend", '"text title"'):
            got, grc, _ = g.count(idx, q)
            if got != 1:
                bad.append("%s: expected 1, got %s (exit %d)" % (q, got, grc))
        check("--format text: NUL and bad bytes separate tokens", not bad, "", "; ".join(bad))


def complete_lines(partial):
    return partial.count(b"\n")


def test_truncated(g, work):
    log("\n[truncated .gz and .zst]")
    base = fresh(os.path.join(work, "truncated"))
    rng = random.Random(SEED + 1)
    docs = make_docs(rng, 6000, 150, prefix="t")
    data = jsonl(docs)
    log("  input: %d documents, %.1f MB" % (len(docs), len(data) / 1e6))
    for suffix, blob, tool in (("gz", gz(data), ["gzip", "-dc"]),
                               ("zst", zst(data), ["zstd", "-dcq"])):
        cut = blob[: int(len(blob) * 0.85)]
        f = write(os.path.join(base, "big.jsonl." + suffix), cut)
        # What a decoder can still get out of the truncated file.
        p = subprocess.run(tool + [f], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        readable = complete_lines(p.stdout)
        idx = os.path.join(base, "idx-" + suffix)
        t = time.time()
        rc, out, err = g.index(idx, f, opts=("--format", "jsonl", "--batch-mb", "1"))
        log("  (galley index on truncated .%s: %.1fs)" % (suffix, time.time() - t))
        check("truncated .%s: exit 4" % suffix, rc == 4, 4, "%d: %s" % (rc, short(err)))
        check("truncated .%s: the error names big.jsonl.%s" % (suffix, suffix),
              ("big.jsonl." + suffix) in err, "big.jsonl.%s on stderr" % suffix, short(err))
        if not os.path.isdir(idx):
            check("truncated .%s: index directory exists" % suffix, False, idx, "absent")
            continue
        ids, qrc, qerr = g.ids(idx, "everydoc")
        n = len(ids)
        check("truncated .%s: index opens and earlier batches are searchable" % suffix,
              qrc == 0 and 0 < n < len(docs),
              "exit 0 and 0 < hits < %d" % len(docs), "exit %d, %d hits %s" % (qrc, n, short(qerr)))
        check("truncated .%s: the documents found are the first ones, in order" % suffix,
              sorted(ids) == ["t%05d" % i for i in range(n)],
              "t00000..t%05d" % (n - 1), "%s ... %s" % (sorted(ids)[:3], sorted(ids)[-3:]))
        check("truncated .%s: no document past the readable part (%d complete lines)"
              % (suffix, readable), n <= readable, "<= %d" % readable, n)
        got, crc, _ = g.count(idx, '"%s"' % docs[0]["title"])
        want = oracle.Corpus().add_jsonl_bytes(jsonl(docs[:n])).count('"%s"' % docs[0]["title"])
        check("truncated .%s: phrase query on what was committed" % suffix, got == want, want, got)


def test_damaged_among_others(g, work):
    log("\n[a damaged input among others; zeros after the last gzip member]")
    base = fresh(os.path.join(work, "damaged-among"))
    rng = random.Random(SEED + 8)
    first = write(os.path.join(base, "first.jsonl"), jsonl(make_docs(rng, 50, 40, prefix="f")))
    cut_docs = make_docs(rng, 400, 40, prefix="c")
    blob = gz(jsonl(cut_docs))
    cut = write(os.path.join(base, "cut.jsonl.gz"), blob[: len(blob) * 2 // 3])
    p = subprocess.run(["gzip", "-dc", cut], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    readable = complete_lines(p.stdout)
    last = write(os.path.join(base, "last.jsonl"), jsonl(make_docs(rng, 30, 40, prefix="l")))
    idx = fresh(os.path.join(base, "idx"))
    rc, out, err = g.index(idx, first, cut, last)
    check("a damaged input among others: exit 4", rc == 4, 4, "%d: %s" % (rc, short(err)))
    check("... a warning and the error name cut.jsonl.gz",
          "cut.jsonl.gz: truncated gzip stream" in err and "1 damaged input ('" in err,
          "both lines", short(err, 600))
    ids = g.ids(idx, "everydoc")[0]
    n_cut = sum(1 for i in ids if i.startswith("c"))
    check("... the inputs before and after it are indexed",
          sum(1 for i in ids if i[0] in "fl") == 80, 80, len(ids))
    check("... and the damaged one's complete lines, in order",
          0 < n_cut <= readable and sorted(i for i in ids if i.startswith("c"))
          == ["c%05d" % k for k in range(n_cut)], "0 < n <= %d" % readable, n_cut)
    rc, _, err = g.index(fresh(os.path.join(base, "idx-strict")), first, cut, last,
                         opts=("--strict",))
    ids = g.ids(os.path.join(base, "idx-strict"), "everydoc")[0]
    check("--strict: exit 4 and nothing after the damage",
          rc == 4 and not any(i.startswith("l") for i in ids), "exit 4, no l*",
          "%d, %d l*" % (rc, sum(1 for i in ids if i.startswith("l"))))
    padded = write(os.path.join(base, "padded.jsonl.gz"), gz(jsonl(cut_docs)) + b"\0" * 3000)
    idx = fresh(os.path.join(base, "idx-padded"))
    rc, out, err = g.index(idx, padded)
    check("zeros after the last gzip member: exit 0, every document",
          rc == 0 and len(g.ids(idx, "everydoc")[0]) == len(cut_docs), "exit 0, 400",
          "%d: %s" % (rc, short(err)))


def test_dates(g, work):
    log("\n[dates: ISO 8601 and RFC 2822 forms, read as the day they name]")
    base = fresh(os.path.join(work, "dates"))
    given = [("d1", "2020-01-31"), ("d2", "2020-01-31T23:30:00-05:00"),
             ("d3", "Fri, 31 Jan 2020 08:00:00 GMT"), ("d4", "2020/01/31"),
             ("d5", "2020-02-01T01:00:00+09:00"), ("d6", "2020-02-30"), ("d7", "1987"),
             ("d8", "2020-01-31garbage"), ("d9", "31 Jan 2020")]
    f = write(os.path.join(base, "dated.jsonl"),
              "".join(json.dumps({"id": i, "title": "dated", "text": "datedoc", "date": d}) + "\n"
                      for i, d in given).encode())
    idx = fresh(os.path.join(base, "idx"))
    rc, out, err = g.index(idx, f)
    check("dates: exit 0", rc == 0, 0, "%d: %s" % (rc, short(err)))
    ids = sorted(g.ids(idx, "datedoc date:2020-01-31")[0])
    check("date:2020-01-31 finds what says that day, in any form or zone", ids ==
          ["d1", "d2", "d3", "d4", "d9"], ["d1", "d2", "d3", "d4", "d9"], ids)
    ids = sorted(g.ids(idx, "datedoc date:2020-02")[0])
    check("date:2020-02 finds 02-01, not an impossible 02-30", ids == ["d5"], ["d5"], ids)
    for line, value in ((6, "2020-02-30"), (7, "1987"), (8, "2020-01-31garbage")):
        check("a date that does not read: a warning naming line %d" % line,
              ("dated.jsonl:%d: date '%s'" % (line, value)) in err, value, short(err, 800))
    rc, out, _ = g.run("query", idx, "datedoc", "--sort", "date", "--ids", "--limit", "0")
    order = out.split()
    check("--sort date: the undated last", order[-3:] and sorted(order[-3:]) == ["d6", "d7", "d8"],
          "d6 d7 d8 last", order)


def test_missing(g, work):
    log("\n[missing input]")
    base = fresh(os.path.join(work, "missing"))
    good = write(os.path.join(base, "good.jsonl"), b'{"id": "g1", "title": "t", "text": "x"}\n')
    for name, inputs in (("only input missing", [os.path.join(base, "nope.jsonl")]),
                         ("second input missing", [good, os.path.join(base, "nope.jsonl")])):
        idx = os.path.join(base, name.replace(" ", "-") + ".idx")
        rc, out, err = g.index(idx, *inputs, opts=("--format", "jsonl"))
        check("%s: exit 4" % name, rc == 4, 4, "%d: %s" % (rc, short(err)))
        check("%s: error names nope.jsonl" % name, "nope.jsonl" in err, "nope.jsonl on stderr",
              short(err))
        check("%s: no index directory created" % name, not os.path.exists(idx),
              "no %s" % idx, "exists: %s" % (os.listdir(idx) if os.path.isdir(idx) else "file"))


def test_empty(g, work):
    log("\n[empty input]")
    base = fresh(os.path.join(work, "empty"))
    for suffix, blob in (("jsonl", b""), ("jsonl.gz", gz(b"")), ("jsonl.zst", zst(b""))):
        f = write(os.path.join(base, "empty." + suffix), blob)
        idx = os.path.join(base, suffix + ".idx")
        rc, out, err = g.index(idx, f, opts=("--format", "jsonl"))
        ndocs, _ = summary(err)
        check("empty %s: exit 0, 0 documents" % suffix, rc == 0 and ndocs == 0,
              "exit 0, 0 documents", "exit %d: %s" % (rc, short(err)))
        if rc == 0:
            got, qrc, qerr = g.count(idx, "anything")
            check("empty %s: index opens, query has no hits (count 0, exit 1)" % suffix,
                  got == 0 and qrc == 1, "0, exit 1", "%s, exit %d %s" % (got, qrc, short(qerr)))


def test_directory(g, work):
    log("\n[directory input]")
    base = fresh(os.path.join(work, "walk"))
    d = os.path.join(base, "in")

    def rec(i):
        return json.dumps({"id": i, "title": "walk", "text": "walkorder same words"}).encode() + b"\n"
    # Byte order of names at each level: B.jsonl, a.jsonl, m/ (k/y.jsonl,
    # x.jsonl), z.jsonl.  Written in another order on purpose.
    write(os.path.join(d, "z.jsonl"), rec("z1"))
    write(os.path.join(d, "m", "x.jsonl"), rec("x1"))
    write(os.path.join(d, "a.jsonl"), rec("a1") + rec("a2"))
    write(os.path.join(d, "m", "k", "y.jsonl"), gz(rec("y1")))
    write(os.path.join(d, "B.jsonl"), zst(rec("B1")))
    want = ["B1", "a1", "a2", "y1", "x1", "z1"]
    idx = os.path.join(base, "idx")
    rc, out, err = g.index(idx, d, opts=("--format", "jsonl"))
    ndocs, _ = summary(err)
    check("directory: exit 0, %d documents" % len(want), rc == 0 and ndocs == len(want),
          "exit 0, %d documents" % len(want), "exit %d: %s" % (rc, short(err)))
    if rc == 0:
        ids, qrc, _ = g.ids(idx, "walkorder")
        # Every document scores the same, so hits come in document order.
        check("directory: walked recursively in byte order of names", ids == want, want, ids)
    # formats found by content: a binary file among them is passed over
    write(os.path.join(d, "m", "photo.jpg"), b"\xff\xd8\xff\xe0\x00\x10JFIF\x00walkorder" * 50)
    write(os.path.join(d, "notes.txt"), b"Walk notes\nwalkorder in a text file\n")
    idx = fresh(os.path.join(base, "idx-mixed"))
    rc, out, err = g.index(idx, d)
    ndocs, skipped = summary(err)
    check("directory with a binary file: exit 0, %d documents, 1 skipped" % (len(want) + 1),
          rc == 0 and ndocs == len(want) + 1 and skipped == 1,
          "exit 0, 7 documents, 1 skipped", "exit %d: %s" % (rc, short(err)))
    check("... the warning names the binary file", "photo.jpg:1: binary data" in err,
          "photo.jpg:1: binary data", short(err))


def test_stdin(g, work):
    log("\n[standard input]")
    base = fresh(os.path.join(work, "stdin"))
    os.makedirs(base)
    rng = random.Random(SEED + 2)
    docs = make_docs(rng, 50, 40, prefix="s")
    data = jsonl(docs, rng)
    corpus = oracle.Corpus().add_jsonl_bytes(data)
    for kind, blob, opts in (("plain", data, ("--format", "jsonl")),
                             ("zstd", zst(data), ("--format", "jsonl")),
                             ("gzip", gz(data), ("--format", "jsonl")),
                             ("plain, no --format", data, ())):
        idx = os.path.join(base, kind.replace(" ", "").replace(",", "") + ".idx")
        rc, out, err = g.index(idx, "-", opts=opts, stdin=blob)
        ndocs, _ = summary(err)
        check("stdin %s: exit 0, %d documents" % (kind, len(docs)),
              rc == 0 and ndocs == len(docs), "exit 0, %d documents" % len(docs),
              "exit %d: %s" % (rc, short(err)))
        if rc == 0:
            compare_queries(g, "stdin " + kind, idx, corpus,
                            ["everydoc", '"%s"' % docs[1]["title"], "u.s.", "trump’s"])


def test_stalled_pipe(g, work):
    """A compressed standard input whose writer pauses: what it sent is read
    at once (a malformed record in it ends a --strict run at once), and the
    run ends although the decoder waits in read() for the rest."""
    log("\n[standard input that stalls]")
    base = fresh(os.path.join(work, "stalled"))
    os.makedirs(base)
    rng = random.Random(SEED + 4)
    docs = make_docs(rng, 4000, 60, prefix="p")
    good = jsonl(docs, rng)
    blob = gz(good[:len(good) // 8] + b'{"id": "broken\n' + good)
    for kind in ("gzip", "zstd"):
        data = blob if kind == "gzip" else zst(good[:len(good) // 8] + b'{"id": "broken\n' + good)
        p = subprocess.Popen([g.path, "index", "--device", "ref", "--strict", "-o",
                              os.path.join(base, kind + ".idx"), "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.stdin.write(data[: len(data) * 2 // 3])  # and nothing more for now
            p.stdin.flush()
        except BrokenPipeError:
            pass  # galley has stopped reading: it found the record while this was written
        try:
            rc = p.wait(timeout=30)
            err = p.stderr.read().decode("utf-8", "replace")
            check("stalled %s pipe: the malformed record ends the run (exit 4, its line)" % kind,
                  rc == 4 and "<stdin>:" in err, "exit 4 naming <stdin>:LINE",
                  "exit %d: %s" % (rc, short(err)))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            check("stalled %s pipe: the run ends while the writer pauses" % kind, False,
                  "exit 4 within 30 s", "still running")
        finally:
            for f in (p.stdin, p.stdout, p.stderr):
                try:
                    f.close()
                except BrokenPipeError:
                    pass


def test_json_array(g, work):
    """One JSON array of the documents (pretty-printed over many lines, on one
    line, zstd-compressed, named .json or not), or the documents
    pretty-printed one after another as `jq .` prints them, index as the
    same documents in JSON Lines do: every table but the documents' places
    in their file equal, and the same answers."""
    log("\n[a JSON array of documents]")
    rng = random.Random(SEED + 5)
    docs = make_docs(rng, 300, 80, prefix="j")
    data = jsonl(docs, rng)
    corpus = oracle.Corpus().add_jsonl_bytes(data)
    base = fresh(os.path.join(work, "array"))
    pretty = ("\ufeff" + json.dumps(docs, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    one_line = json.dumps(docs, ensure_ascii=True).encode("utf-8")
    jq = "".join(json.dumps(d, indent=2, ensure_ascii=False) + "\n" for d in docs).encode("utf-8")
    variants = [("lines", "news.jsonl", data), ("pretty", "news.json", pretty),
                ("one line", "news.json", one_line), ("zstd, no suffix", "news", zst(pretty)),
                ("objects as jq prints them", "news.jsonl", jq)]
    tables = {}
    for kind, name, blob in variants:
        d = os.path.join(base, kind.replace(" ", "").replace(",", ""))
        write(os.path.join(d, name), blob)
        rc, out, err = g.index("idx", name, cwd=d)
        ndocs, skipped = summary(err)
        check("array %s: exit 0, %d documents, none skipped" % (kind, len(docs)),
              rc == 0 and ndocs == len(docs) and skipped == 0,
              "exit 0, %d documents" % len(docs), "exit %d: %s" % (rc, short(err)))
        idx = os.path.join(d, "idx")
        names, why = mdb_tables(idx)
        if rc or names is None:
            continue
        # docs holds each document's line and offset in its file: those differ
        tables[kind] = {t: mdb_table(idx, t)[1] for t in names if t not in ("meta", "files", "docs")}
        if kind != "lines":
            compare_queries(g, "array " + kind, idx, corpus,
                            ["everydoc", '"%s"' % docs[5]["title"], "u.s.", "naïve"])
    for kind in tables:
        if kind != "lines" and "lines" in tables:
            same = sorted(tables[kind]) == sorted(tables["lines"]) and all(
                tables[kind][t] == tables["lines"][t] for t in tables["lines"])
            check("array %s: every table but docs equals the JSON Lines index's" % kind, same,
                  "equal mdb_dump -p output", "tables differ")


def test_long_lines(g, work):
    """A line longer than a record may be (64 MB): a JSON array written on
    one line, a file that is no JSON Lines at all.  It is skipped with a
    warning naming it, and passed over without being kept: a line of 512 MB
    from a pipe leaves the documents around it found and the run's memory
    far below the line's size (before, the reader held the whole line,
    and one of many gigabytes took all the memory there was)."""
    log("\n[a line longer than a record may be]")
    base = fresh(os.path.join(work, "longline"))
    os.makedirs(base)
    block = b"x" * (1 << 20)
    for threads in ("1", "2"):
        idx = os.path.join(base, "t%s.idx" % threads)
        p = subprocess.Popen([g.path, "index", "--device", "ref", "--format", "jsonl",
                              "--read-threads", threads, "-o", idx, "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(b'{"id": "before", "body": "central bank"}\n')
        for _ in range(512):
            p.stdin.write(block)
        p.stdin.write(b'\n{"id": "after", "body": "central bank again"}\n')
        p.stdin.close()
        err = p.stderr.read().decode("utf-8", "replace")
        p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        ndocs, skipped = summary(err)
        check("a 512 MB line, %s reader thread(s): exit 0, 2 documents, 1 skipped" % threads,
              p.returncode == 0 and ndocs == 2 and skipped == 1, "exit 0, 2 documents, 1 skipped",
              "exit %d: %s" % (p.returncode, short(err)))
        check("a 512 MB line, %s reader thread(s): the warning names line 2" % threads,
              "galley: warning: <stdin>:2: JSON line longer than 64 MB" in err,
              "<stdin>:2: JSON line longer than 64 MB", short(err))
        if os.environ.get("GALLEY_SANITIZED") != "1":  # the sanitizers' own memory
            rss_mb = usage.ru_maxrss / 1024
            check("a 512 MB line, %s reader thread(s): peak RSS under 320 MB" % threads,
                  rss_mb < 320, "< 320 MB", "%.0f MB" % rss_mb)
        if p.returncode == 0:
            n, rc, qerr = g.count(idx, '"central bank"')
            check("a 512 MB line, %s reader thread(s): both documents found" % threads,
                  rc == 0 and n == 2, 2, "exit %d, %s: %s" % (rc, n, qerr))


def warc_record(kind, block, rid, ctype=None, uri=None):
    """One WARC/1.0 record of bytes block, with its closing CR LF CR LF."""
    head = ["WARC/1.0", "WARC-Type: " + kind, "WARC-Record-ID: <urn:uuid:%s>" % rid,
            "WARC-Date: 2024-03-05T10:20:30Z"]
    if uri:
        head.append("WARC-Target-URI: " + uri)
    if ctype:
        head.append("Content-Type: " + ctype)
    head.append("Content-Length: %d" % len(block))
    return ("\r\n".join(head) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def test_warc(g, work):
    log("\n[web crawls: WARC pages and WET texts find what JSON Lines of the same documents do]")
    import html
    base = fresh(os.path.join(work, "warc"))
    rng = random.Random(SEED + 3)
    docs = make_docs(rng, 300, 80, prefix="w")
    data = jsonl(docs)
    corpus = oracle.Corpus().add_jsonl_bytes(data)
    # every document twice over: once as a crawled HTML page (escaped, with
    # markup, scripts and styles around it), once as a WET text
    pages, responses, texts, members = [], [], [], []
    pages.append(warc_record("warcinfo", b"software: test\r\n", "info", "application/warc-fields"))
    for i, d in enumerate(docs):
        body = "".join("<p>%s</p>\n" % html.escape(line) for line in d["text"].split("\n"))
        page = ("<!DOCTYPE html><html><head><title>%s</title><script>var skipme = 1;</script>"
                "<style>p { margin: 0 }</style></head><body><!-- skipme -->%s</body></html>"
                % (html.escape(d["title"]), body)).encode("utf-8")
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page
        # a crawler may leave the record's type out: the block says HTTP
        rec = warc_record("response", http, d["id"],
                          None if i % 7 == 3 else "application/http; msgtype=response",
                          "https://news.example/%s" % d["id"])
        pages.append(rec)
        responses.append(rec)
        members.append(gz(rec))
        texts.append(warc_record("conversion", ("%s\n%s" % (d["title"], d["text"])).encode(),
                                 d["id"], "text/plain"))
        if i % 50 == 0:  # requests and images in between are passed over
            pages.append(warc_record("request", b"GET / HTTP/1.1\r\n\r\n", "r%d" % i))
            pages.append(warc_record("response", b"HTTP/1.1 200 OK\r\nContent-Type: image/png"
                                     b"\r\n\r\n\x89PNG skipme", "i%d" % i,
                                     "application/http; msgtype=response"))
    queries = ["everydoc", "skipme", "zürich", "МОСКВА", "u.s.", "reagan's", "trump's",
               '"year-on-year"', "1bn", "naïve", "café", docs[7]["title"],
               '"%s"' % docs[3]["title"], '"%s"' % docs[200]["title"]]
    inputs = {"crawl.warc": b"".join(pages),
              "crawl.warc.gz": b"".join(members),  # a gzip member per record
              "crawl.warc.wet.zst": zst(b"".join(texts))}
    for name, blob in inputs.items():
        f = write(os.path.join(base, name), blob)
        idx = fresh(os.path.join(base, name + ".idx"))
        rc, out, err = g.index(idx, f)
        ndocs, skipped = summary(err)
        check("%s: exit 0, %d documents, none skipped" % (name, len(docs)),
              rc == 0 and ndocs == len(docs) and not skipped,
              "exit 0, %d documents" % len(docs), "exit %d, %s documents: %s" % (rc, ndocs, short(err)))
        if rc != 0:
            continue
        compare_queries(g, name, idx, corpus, queries)
        rc, out, err = g.run("query", idx, '"%s"' % docs[5]["title"], "--json", "--limit", "1")
        hit = json.loads(out.splitlines()[0]) if rc == 0 and out.strip() else {}
        want_url = "https://news.example/w00005" if name != "crawl.warc.wet.zst" else None
        check("%s: a hit carries the record's id, url and fetch date" % name,
              hit.get("id") == "urn:uuid:w00005" and hit.get("url") == want_url
              and hit.get("date") == "2024-03-05T10:20:30Z",
              "id urn:uuid:w00005, url %s" % want_url, short(out, 200))
    # a damaged record in the middle: a warning naming its line, the rest kept
    lost = b"Lost\nlost words"
    bad = warc_record("conversion", lost, "bad").replace(b"Content-Length: %d" % len(lost),
                                                         b"Content-Length: x")
    f = write(os.path.join(base, "damaged.warc"), responses[0] + bad + responses[1])
    idx = fresh(os.path.join(base, "damaged.idx"))
    rc, out, err = g.index(idx, f)
    ndocs, skipped = summary(err)
    line = 1 + responses[0].count(b"\n")
    check("damaged.warc: one record skipped with a warning naming its line, two documents",
          rc == 0 and ndocs == 2 and skipped == 1
          and ("damaged.warc:%d: invalid WARC: record without a valid Content-Length" % line) in err,
          "exit 0, 2 documents, 1 skipped, a warning at line %d" % line, short(err))
    rc, out, err = g.index(fresh(os.path.join(base, "strict.idx")), f, opts=("--strict",))
    check("damaged.warc --strict: exit 4 naming file and line",
          rc == 4 and ("damaged.warc:%d: invalid WARC" % line) in err, "exit 4", "%d: %s" % (rc, short(err)))


def index_batches(g, idx):
    rc, out, _ = g.run("stats", idx, "--json")
    try:
        return json.loads(out).get("batches", 0) if rc == 0 else 0
    except ValueError:
        return 0


def test_resume_inputs(g, work):
    log("\n[--resume: which inputs]")
    base = fresh(os.path.join(work, "resume"))
    rng = random.Random(SEED + 7)
    first = jsonl(make_docs(rng, 8000, 80, prefix="r"))  # about 5 MB: several 1 MB batches
    second = write(os.path.join(base, "second.jsonl"), jsonl(make_docs(rng, 300, 50, prefix="s")))
    later = write(os.path.join(base, "later.jsonl"), jsonl(make_docs(rng, 200, 50, prefix="l")))
    fifo = os.path.join(base, "first.jsonl")
    os.mkfifo(fifo)
    idx = os.path.join(base, "idx")
    opts = ["--device", "ref", "--batch-mb", "1"]
    # the run reads the FIFO, commits a batch, then waits for more: killed there
    run = subprocess.Popen([g.path, "index", "-q", "-o", idx] + opts + ["first.jsonl", "second.jsonl"],
                           cwd=base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(fifo, "wb") as f:
        f.write(first[: len(first) // 2])
        f.flush()
        deadline = time.time() + 120
        while index_batches(g, idx) < 1 and time.time() < deadline and run.poll() is None:
            time.sleep(0.1)
        run.kill()
        run.wait()
    committed = index_batches(g, idx)
    if not check("--resume: the interrupted run committed a batch", committed >= 1, ">= 1",
                 committed):
        return
    os.remove(fifo)
    write(fifo, first)
    rc, _, err = g.index(idx, "first.jsonl", opts=opts + ["--resume"], cwd=base)
    check("--resume with fewer inputs than the run had: exit 2", rc == 2, 2,
          "%d: %s" % (rc, short(err)))
    check("--resume with fewer inputs: says how many the run had", "it had 2" in err,
          "'it had 2'", short(err))
    rc, _, err = g.index(idx, "first.jsonl", "second.jsonl", opts=opts + ["--resume"], cwd=base)
    check("--resume with the run's inputs: exit 0", rc == 0, 0, "%d: %s" % (rc, short(err)))
    want = sorted("r%05d" % i for i in range(8000)) + sorted("s%05d" % i for i in range(300))
    got = sorted(g.ids(idx, "everydoc")[0])
    check("--resume: every document once", got == sorted(want),
          "%d ids" % len(want), "%d ids, %d distinct" % (len(got), len(set(got))))
    rc, _, err = g.index(idx, "first.jsonl", "second.jsonl", opts=opts + ["--resume"], cwd=base)
    check("--resume of a finished run: nothing to do", rc == 0 and "nothing to resume" in err,
          "exit 0, 'nothing to resume'", "%d: %s" % (rc, short(err)))
    rc, _, err = g.index(idx, "second.jsonl", "later.jsonl", opts=opts + ["--resume"], cwd=base)
    check("--resume with an input a finished run read: exit 2 naming it",
          rc == 2 and "'second.jsonl' was read by an earlier run" in err,
          "exit 2, 'second.jsonl' was read...", "%d: %s" % (rc, short(err)))
    rc, _, err = g.index(idx, "later.jsonl", opts=opts + ["--resume"], cwd=base)
    check("--resume with inputs no run read: a new run", rc == 0, 0, "%d: %s" % (rc, short(err)))
    n = len(g.ids(idx, "everydoc")[0])
    check("--resume with new inputs: their documents added once", n == 8000 + 300 + 200,
          8500, n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--galley", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", action="append", help="run only these checks (by name)")
    args = ap.parse_args()
    for tool in ("zstd", "gzip", "mdb_dump"):
        if shutil.which(tool) is None:
            log("SKIP: the %s command is not installed (mdb_dump: Debian lmdb-utils)" % tool)
            return SKIP
    if not os.access(args.galley, os.X_OK):
        log("FAIL: galley binary %s not found or not executable" % args.galley)
        return 1
    os.makedirs(args.work, exist_ok=True)
    work = os.path.abspath(args.work)
    g = Galley(os.path.abspath(args.galley))
    tests = [("help", test_help), ("compression", test_compression),
             ("readthreads", test_read_threads),
             ("malformed", test_malformed), ("badbytes", test_bad_bytes),
             ("truncated", test_truncated), ("damaged", test_damaged_among_others),
             ("dates", test_dates), ("missing", test_missing),
             ("empty", test_empty), ("directory", test_directory), ("stdin", test_stdin),
             ("stalled", test_stalled_pipe), ("longline", test_long_lines),
             ("array", test_json_array),
             ("warc", test_warc), ("resume", test_resume_inputs)]
    t0 = time.time()
    for name, fn in tests:
        if args.only and name not in args.only:
            continue
        t = time.time()
        try:
            fn(g, work)
        except subprocess.TimeoutExpired as e:
            check("%s: galley finished" % name, False, "exit within the timeout", str(e))
        log("  (%s: %.1fs)" % (name, time.time() - t))
    log("\n%d checks passed, %d failed, %.1fs" % (len(passed), len(failures), time.time() - t0))
    if failures:
        log("\nFAILURES (check | expected | got):")
        for name, want, got in failures:
            log("  %s | %s | %s" % (name, want, got))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
