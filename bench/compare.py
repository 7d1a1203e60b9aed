#!/usr/bin/env python3
"""compare.py — galley against SQLite FTS5, tantivy, Xapian, Lucene and ripgrep:
one corpus, one query set, one machine, one run.

    bench/compare.py                                  # Reuters-21578
    bench/compare.py --corpus /tmp/news-1g.jsonl      # a gen_news corpus
    bench/compare.py --json bench/results/compare-reuters.json

For each tool it measures the build (wall seconds, MB/s of raw text, i.e.
title + body bytes, the bytes galley counts), the index size on disk, and
the latency of every query of the set (a warm-up pass, then --runs measured
passes; mean, p50, p95, p99), and the number of matching documents.  Every
tool indexes the same documents (title and body; one JSON line each) and is
asked for the same thing per query: the number of matching documents and
the ten best by its ranking.

  galley        `galley index` on the decompressed JSON Lines file (its own
                reader parses the JSON), then `galley bench query`, which
                runs the queries in-process in C; then (unless --no-optimize)
                `galley optimize` on that index and the queries again: the
                row "galley optimized", whose build time is both runs'.
  SQLite FTS5   Python's sqlite3, fts5(title, body, detail=full), one
                transaction, then 'optimize'; journal and sync off (the
                kindest settings for it).  Per query: SELECT count(*) and
                SELECT rowid ... ORDER BY rank LIMIT 10.
  tantivy       the tantivy package from PyPI, text fields title and body
                with positions, stored, default tokenizer; one commit, merges
                waited for.  Per query: searcher.search(limit=10, count=True).
  Xapian        its Python bindings (Debian's python3-xapian), no stemming,
                TermGenerator with positions over title, then body (a gap
                between them, as galley has), the text stored as document
                data; flush threshold --xapian-flush documents, then
                compacted (as FTS5 is optimised).  Per query: Xapian's
                QueryParser (phrases on, default operator AND, no stemming),
                so that it splits the words as its indexer did (5.93 and
                1,000 are one term each, Denmark's is not denmark), BM25,
                get_mset(0, 10) with an exact count.
  Lucene        9.4.2 in a JVM of its own (bench/lucene/LuceneBench.java; set
                up once by bench/lucene/setup.sh, else left out): title and
                body TextFields (positions, stored), split at every character
                neither letter nor digit and lower-cased (as tantivy's default
                tokenizer splits), --lucene-threads threads adding documents
                to one IndexWriter (RAM buffer --lucene-ram-mb), commit and
                close (merges waited for).  It reads the JSON Lines file
                itself, into memory first, and times that apart: its e2e
                adds its own parsing.  Per query: the clauses below, each a
                phrase (or term) of Lucene's analysis in title or body, all
                required; top 10 by BM25 and an exact count, one collector;
                at least --lucene-warmup unmeasured passes (JIT compiling).
  ripgrep       no index: `rg -c -i` over the JSON Lines file per query (a
                regular expression per word or phrase, piped for AND), as a
                grep baseline.  It counts lines (documents) where the words
                occur in any JSON field, including ids and dates.

FTS5, tantivy and Xapian get their documents from Python: "build" is the time from
the documents in memory to a committed index, and "end to end" adds the
Python JSON parsing (the reading galley's own build time includes).  The
tools tokenize differently (FTS5 unicode61 strips diacritics; tantivy drops
tokens over 40 bytes; galley splits at ’ and keeps accents), so match
counts are shown side by side, never asserted.  Timings on a busy 2-core
machine are noisy: read the ratios, which come from one run.
"""

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
DEFAULT_CORPUS = os.path.join(SHARED, "corpora", "reuters21578.jsonl.zst")
DEFAULT_QUERIES = os.path.join(HERE, "queries", "reuters.txt")
VENV_PYTHON = os.path.join(HERE, ".venv", "bin", "python")
LUCENE_DIR = os.path.join(HERE, ".lucene")  # bench/lucene/setup.sh fills it

try:
    import tantivy
except ImportError:
    tantivy = None


def import_xapian():
    """Debian ships the bindings for its own Python 3 only; another 3.x of
    the same minor version (a venv, pyenv) can load them from there."""
    try:
        import xapian
        return xapian
    except ImportError:
        pass
    dist = "/usr/lib/python3/dist-packages"
    if os.path.isdir(os.path.join(dist, "xapian")) and dist not in sys.path:
        sys.path.append(dist)
        try:
            import xapian
            return xapian
        except ImportError:
            pass
    return None


def log(msg):
    print("compare: " + msg, file=sys.stderr, flush=True)


def begin_build(tool):
    """Every build starts with no dirty pages left to write back (a copied
    corpus, the last tool's index), which would slow it."""
    log(tool + ": index + queries")
    os.sync()


def find_galley(given):
    if given:
        return given
    for d in ("build-bench", "build"):
        p = os.path.join(ROOT, d, "galley")
        if os.access(p, os.X_OK):
            return p
    return shutil.which("galley")


def dir_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for base, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(base, f))
    return total


def pct(sorted_values, p):
    """Nearest-rank percentile, as `galley bench query` computes it."""
    if not sorted_values:
        return 0.0
    k = max(1, min(len(sorted_values), int(p * len(sorted_values) + 0.999999)))
    return sorted_values[k - 1]


def latency_summary(samples):
    s = sorted(samples)
    return {
        "mean_ms": sum(s) / len(s) if s else 0.0,
        "p50_ms": pct(s, 0.50),
        "p95_ms": pct(s, 0.95),
        "p99_ms": pct(s, 0.99),
        "max_ms": s[-1] if s else 0.0,
    }


# ---- the corpus ----

def prepare_corpus(path, workdir):
    """A plain JSON Lines file with the corpus: the file itself, or a
    decompressed copy in workdir."""
    if path.endswith(".zst"):
        out = os.path.join(workdir, "corpus.jsonl")
        with open(out, "wb") as f:
            subprocess.run(["zstd", "-dcq", path], stdout=f, check=True)
        return out
    if path.endswith(".gz"):
        out = os.path.join(workdir, "corpus.jsonl")
        with gzip.open(path, "rb") as src, open(out, "wb") as f:
            shutil.copyfileobj(src, f, 1 << 20)
        return out
    return path


def load_docs(jsonl):
    docs, raw = [], 0
    with open(jsonl, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            title = d.get("title") or ""
            text = d.get("text") or ""
            raw += len(title.encode("utf-8", "surrogatepass")) + len(text.encode("utf-8", "surrogatepass"))
            docs.append((title, text))
    return docs, raw


# ---- queries: the common subset of the languages ----

CLAUSE = re.compile(r'"([^"]*)"|(\S+)')
WORD = re.compile(r"\w+")


def parse_query(q):
    """A query of the set as clauses, each a list of lower-case words: a
    "quoted phrase" or a bare word (several words when it holds punctuation,
    as in 5.93).  The clauses are ANDed."""
    clauses = []
    for m in CLAUSE.finditer(q):
        words = WORD.findall((m.group(1) if m.group(1) is not None else m.group(2)).lower())
        if words:
            clauses.append(words)
    return clauses


def fts5_query(clauses):
    return " AND ".join('"' + " ".join(c) + '"' for c in clauses)


def tantivy_query(clauses):
    return " ".join("+\"" + " ".join(c) + "\"" for c in clauses)


SEP = r"(?:\\[nrt]|[^\w])+"


def rg_patterns(clauses):
    return [r"(?:^|\\[nrt]|[^\w])" + SEP.join(re.escape(w) for w in c) + r"(?:[^\w]|$)"
            for c in clauses]


# ---- the tools ----

# A process forked from this one starts with this one's memory counted in
# its peak RSS, and exec keeps that figure: with a large corpus parsed here
# (6 GB for news-5g) galley's own peak would be lost under it.  So galley
# runs under a small Python that times it and reports, on stderr's last
# line, its peak RSS in kB and its seconds (its own start-up not counted).
PEAK_RSS_OF_CHILD = ("import resource, subprocess, sys, time\n"
                     "t0 = time.perf_counter()\n"
                     "rc = subprocess.run(sys.argv[1:]).returncode\n"
                     "sec = time.perf_counter() - t0\n"
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, sec, "
                     "file=sys.stderr)\n"
                     "sys.exit(rc)\n")


def run_galley(args, corpus, queries_file, workdir):
    idx = os.path.join(workdir, "galley")
    cmd = [args.galley, "index", "-o", idx, "--device", args.device, "-q", corpus]
    if args.batch_mb:
        cmd[4:4] = ["--batch-mb", str(args.batch_mb)]
    if args.text_level is not None:
        cmd[4:4] = ["--text-level", str(args.text_level)]
    p = subprocess.run([sys.executable, "-c", PEAK_RSS_OF_CHILD] + cmd,
                       stderr=subprocess.PIPE, text=True)
    lines = p.stderr.strip().splitlines()
    if p.returncode:
        raise RuntimeError("galley index failed: " + "\n".join(lines[:-1]).strip())
    rss_kb, build = lines[-1].split()
    rss_kb, build = int(rss_kb), float(build)
    out = {"tool": "galley", "build_sec": build, "index_only_sec": build,
           "index_bytes": dir_bytes(idx),
           "peak_rss_bytes": rss_kb * 1024 if rss_kb else None}
    st = subprocess.run([args.galley, "stats", idx, "--json"], capture_output=True, text=True)
    if st.returncode == 0:
        try:
            s = json.loads(st.stdout)
            out["stats"] = s
            tables = s.get("tables", {})
            out["postings_bytes"] = tables.get("postings", {}).get("bytes")
            out["text_bytes"] = tables.get("text", {}).get("bytes")
            out["raw_bytes_galley"] = s.get("raw_bytes")
        except (ValueError, AttributeError):
            pass
    dev = subprocess.run([args.galley, "stats", idx], capture_output=True, text=True).stdout
    m = re.search(r"device=([^\n]*?) batch_mb", dev)
    out["device"] = m.group(1) if m else args.device
    galley_queries(args, idx, queries_file, workdir, out)
    return out


def galley_queries(args, idx, queries_file, workdir, out):
    """`galley bench query` of idx: per query counts and latency into out."""
    qjson = os.path.join(workdir, "galley-queries.json")
    p = subprocess.run([args.galley, "bench", "query", idx, queries_file, "--json", qjson,
                        "--warmup", str(args.warmup), "--runs", str(args.runs)],
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("galley bench query failed: " + p.stderr.strip())
    with open(qjson) as f:
        qj = json.load(f)
    out["per_query"] = {q["query"]: (q.get("count"), q.get("ms")) for q in qj["per_query"]}
    out["latency"] = {k: qj[k] for k in ("mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms")}
    out["qps"] = qj["qps"]
    out["note"] = "in-process C (galley bench query)"


def run_galley_optimized(args, built, queries_file, workdir):
    """`galley optimize` of the index run_galley built (batches merged, text
    packed again), and the queries on it."""
    idx = os.path.join(workdir, "galley")
    subprocess.run(["sync"])
    t0 = time.perf_counter()
    p = subprocess.run([args.galley, "optimize", idx], capture_output=True, text=True)
    sec = time.perf_counter() - t0
    if p.returncode:
        raise RuntimeError("galley optimize failed: " + p.stderr.strip())
    log(p.stderr.strip())
    out = {"tool": "galley optimized", "optimize_sec": sec, "device": built.get("device"),
           "build_sec": built["build_sec"] + sec, "index_only_sec": built["index_only_sec"] + sec,
           "index_bytes": dir_bytes(idx), "peak_rss_bytes": built.get("peak_rss_bytes")}
    st = subprocess.run([args.galley, "stats", idx, "--json"], capture_output=True, text=True)
    if st.returncode == 0:
        tables = json.loads(st.stdout).get("tables", {})
        out["postings_bytes"] = tables.get("postings", {}).get("bytes")
        out["text_bytes"] = tables.get("text", {}).get("bytes")
    galley_queries(args, idx, queries_file, workdir, out)
    return out


def time_queries(queries, one, warmup, runs):
    """one(q) -> count.  Returns ({q: (count, mean ms)}, latency summary)."""
    per, samples = {}, []
    for _ in range(warmup):
        for q in queries:
            one(q)
    sums = {q: 0.0 for q in queries}
    counts = {}
    for _ in range(runs):
        for q in queries:
            t0 = time.perf_counter()
            counts[q] = one(q)
            ms = (time.perf_counter() - t0) * 1e3
            sums[q] += ms
            samples.append(ms)
    for q in queries:
        per[q] = (counts[q], sums[q] / runs)
    return per, latency_summary(samples)


def run_fts5(args, docs, queries, workdir):
    path = os.path.join(workdir, "fts5.db")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, detail=full)")
    t0 = time.perf_counter()
    con.execute("BEGIN")
    con.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                    ((i, t, b) for i, (t, b) in enumerate(docs)))
    con.execute("COMMIT")
    t1 = time.perf_counter()
    con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    build = time.perf_counter() - t0
    out = {"tool": "sqlite fts5", "version": sqlite3.sqlite_version, "index_only_sec": build,
           "optimize_sec": build - (t1 - t0)}
    con.close()
    out["index_bytes"] = dir_bytes(path)
    con = sqlite3.connect(path)
    top = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10"
    cnt = "SELECT count(*) FROM docs WHERE docs MATCH ?"
    translated = {q: fts5_query(parse_query(q)) for q in queries}

    def one(q):
        m = translated[q]
        con.execute(top, (m,)).fetchall()
        return con.execute(cnt, (m,)).fetchone()[0]

    out["per_query"], out["latency"] = time_queries(queries, one, args.warmup, args.runs)
    out["note"] = "Python sqlite3; top 10 by rank + count(*)"
    con.close()
    return out


def run_tantivy(args, docs, queries, workdir):
    path = os.path.join(workdir, "tantivy")
    os.makedirs(path)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("title", stored=True, index_option="position")
    sb.add_text_field("body", stored=True, index_option="position")
    schema = sb.build()
    index = tantivy.Index(schema, path=path)
    t0 = time.perf_counter()
    w = index.writer(heap_size=args.tantivy_heap_mb << 20, num_threads=args.tantivy_threads)
    for t, b in docs:
        w.add_document(tantivy.Document(title=t, body=b))
    w.commit()
    w.wait_merging_threads()
    build = time.perf_counter() - t0
    index.reload()
    try:
        from importlib.metadata import version
        tv = version("tantivy")
    except Exception:  # a build without package metadata
        tv = getattr(tantivy, "__version__", "?")
    out = {"tool": "tantivy", "version": tv,
           "index_only_sec": build, "index_bytes": dir_bytes(path)}
    searcher = index.searcher()
    parsed = {}
    for q in queries:
        parsed[q] = tantivy_query(parse_query(q))

    def one(q):
        query = index.parse_query(parsed[q], ["title", "body"], conjunction_by_default=True)
        return searcher.search(query, limit=10, count=True).count

    out["per_query"], out["latency"] = time_queries(queries, one, args.warmup, args.runs)
    out["note"] = "Python binding; parse + top 10 + count"
    return out


def run_xapian(args, xapian, docs, queries, workdir):
    built = os.path.join(workdir, "xapian-build")
    path = os.path.join(workdir, "xapian")
    os.environ["XAPIAN_FLUSH_THRESHOLD"] = str(args.xapian_flush)
    t0 = time.perf_counter()
    db = xapian.WritableDatabase(built, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    for t, b in docs:
        d = xapian.Document()
        tg.set_document(d)
        tg.index_text(t)
        tg.increase_termpos()
        tg.index_text(b)
        d.set_data(t + "\n" + b)
        db.add_document(d)
    db.commit()
    t1 = time.perf_counter()
    db.compact(path)
    db.close()
    build = time.perf_counter() - t0
    shutil.rmtree(built, ignore_errors=True)
    out = {"tool": "xapian", "version": xapian.version_string(), "index_only_sec": build,
           "compact_sec": build - (t1 - t0), "index_bytes": dir_bytes(path)}
    db = xapian.Database(path)
    enquire = xapian.Enquire(db)
    ndocs = db.get_doccount()
    qp = xapian.QueryParser()
    qp.set_database(db)
    qp.set_default_op(xapian.Query.OP_AND)
    parsed = {q: qp.parse_query(q, xapian.QueryParser.FLAG_PHRASE) for q in queries}

    def one(q):
        enquire.set_query(parsed[q])
        return enquire.get_mset(0, 10, ndocs).get_matches_estimated()  # exact: checkatleast = all

    out["per_query"], out["latency"] = time_queries(queries, one, args.warmup, args.runs)
    out["note"] = "Python bindings; top 10 by BM25 + exact count"
    db.close()
    return out


def lucene_ready():
    return (shutil.which("java") and os.path.isfile(os.path.join(LUCENE_DIR, "lucene.jar"))
            and os.path.isfile(os.path.join(LUCENE_DIR, "classes", "LuceneBench.class")))


def run_lucene(args, corpus, queries, workdir):
    """LuceneBench in a JVM: it parses the corpus, builds, and times the
    queries of args.queries itself; its figures come back as JSON."""
    path = os.path.join(workdir, "lucene")
    cp = os.pathsep.join([os.path.join(LUCENE_DIR, "lucene.jar"), os.path.join(LUCENE_DIR, "classes")])
    threads = args.lucene_threads or os.cpu_count() or 1
    cmd = ["java", "-Xmx%dg" % args.lucene_heap_gb, "-cp", cp, "LuceneBench", corpus, path,
           args.queries, str(max(args.warmup, args.lucene_warmup)), str(args.runs), str(threads), str(args.lucene_ram_mb)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("LuceneBench failed: " + p.stderr.strip()[-2000:])
    got = json.loads(p.stdout)
    if len(got["queries"]) != len(queries):
        raise RuntimeError("LuceneBench answered %d queries of %d" % (len(got["queries"]), len(queries)))
    per, samples = {}, []
    for q, r in zip(queries, got["queries"]):
        per[q] = (r["count"], sum(r["ms"]) / len(r["ms"]))
        samples.extend(r["ms"])
    return {"tool": "lucene", "version": got["version"], "index_only_sec": got["index_only_sec"],
            "build_sec": got["index_only_sec"] + got["parse_sec"], "parse_sec": got["parse_sec"],
            "index_bytes": dir_bytes(path), "per_query": per, "latency": latency_summary(samples),
            "note": "Java, in the JVM; %d indexing threads; top 10 by BM25 + exact count" % threads}


def run_rg(args, corpus, queries):
    rg = shutil.which("rg")
    version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    pats = {q: rg_patterns(parse_query(q)) for q in queries}

    def one(q):
        ps = pats[q]
        if len(ps) == 1:
            p = subprocess.run([rg, "-c", "-i", "--no-filename", "-e", ps[0], corpus],
                               capture_output=True, text=True)
        else:
            procs = [subprocess.Popen([rg, "-i", "--no-filename", "--no-line-number", "-e", ps[0], corpus],
                                      stdout=subprocess.PIPE)]
            for pat in ps[1:-1]:
                procs.append(subprocess.Popen([rg, "-i", "-e", pat], stdin=procs[-1].stdout,
                                              stdout=subprocess.PIPE))
            p = subprocess.run([rg, "-c", "-i", "-e", ps[-1]], stdin=procs[-1].stdout,
                               capture_output=True, text=True)
            for pr in procs:
                pr.stdout.close()
                pr.wait()
        return int(p.stdout.strip() or 0)

    per, lat = time_queries(queries, one, min(args.warmup, 1), 1)
    return {"tool": "ripgrep", "version": version, "index_only_sec": 0.0, "build_sec": 0.0,
            "index_bytes": 0, "per_query": per, "latency": lat,
            "note": "one rg process per query over the JSONL file; 1 measured pass"}


# ---- report ----

def fmt_ratio(x):
    return "-" if x is None else ("%.2fx" % x if x < 100 else "%.0fx" % x)


def print_ratios(g, others, title):
    """g's ratios against each of others (above 1: g is better)."""
    print("\n%s (above 1: galley is better by that factor)" % title)
    print("%-24s %12s %12s %12s %10s %10s %10s" % (
        "against", "build (e2e)", "build (idx)", "index size", "q mean", "q p50", "q p99"))
    ratios = {}
    for r in others:
        def q(k):
            return r["latency"][k] / g["latency"][k] if g["latency"][k] else None
        e2e = r["build_sec"] / g["build_sec"] if r.get("build_sec") else None
        idx = r["index_only_sec"] / g["build_sec"] if r.get("index_only_sec") else None
        size = r["index_bytes"] / g["index_bytes"] if r.get("index_bytes") else None
        ratios[r["tool"]] = {"build_e2e": e2e, "build_index_only": idx, "index_size": size,
                             "query_mean": q("mean_ms"), "query_p50": q("p50_ms"),
                             "query_p99": q("p99_ms")}
        print("%-24s %12s %12s %12s %10s %10s %10s" % (
            r["tool"], fmt_ratio(e2e), fmt_ratio(idx), fmt_ratio(size), fmt_ratio(q("mean_ms")),
            fmt_ratio(q("p50_ms")), fmt_ratio(q("p99_ms"))))
    return ratios


def report(res, meta, args):
    g = res[0]
    opt = next((r for r in res if r["tool"] == "galley optimized"), None)
    others = [r for r in res[1:] if r is not opt]
    raw = meta["raw_bytes"]
    print("corpus: %s: %d documents, %.1f MB raw text (title + body), %.1f MB JSONL"
          % (meta["corpus"], meta["docs"], raw / 1e6, meta["jsonl_bytes"] / 1e6))
    print("queries: %s: %d, each: warm-up %d, measured %d pass(es); count + top 10"
          % (meta["queries_file"], meta["nqueries"], args.warmup, args.runs))
    print("machine: %s, %d CPUs; python %s\n" % (meta["host"], meta["cpus"], meta["python"]))
    print("%-24s %9s %9s %8s %10s %9s %9s %8s %8s %8s" % (
        "tool", "build s", "e2e s", "MB/s", "index MB", "index/raw", "mean ms", "p50 ms",
        "p95 ms", "p99 ms"))
    for r in res:
        name = r["tool"] + (" " + r["version"] if r.get("version") and r["tool"] != "ripgrep" else "")
        if r["tool"] == "galley":
            name = "galley (%s)" % r.get("device", "?")
        elif r is opt:
            name = "galley, then optimize"
        e2e = r.get("build_sec")
        speed = raw / 1e6 / e2e if e2e else None
        lat = r["latency"]
        print("%-24.24s %9s %9s %8s %10s %9s %9.3f %9.3f %8.3f %8.3f" % (
            name,
            "%.2f" % r["index_only_sec"] if r["tool"] != "ripgrep" else "-",
            "%.2f" % e2e if r["tool"] != "ripgrep" else "-",
            "%.1f" % speed if speed else "-",
            "%.1f" % (r["index_bytes"] / 1e6) if r["index_bytes"] else "-",
            "%.3f" % (r["index_bytes"] / raw) if r["index_bytes"] else "-",
            lat["mean_ms"], lat["p50_ms"], lat["p95_ms"], lat["p99_ms"]))
    for r in res:
        if r.get("skipped"):
            print("%-24s skipped: %s" % (r["tool"], r["skipped"]))
    for r in (g, opt):
        if r and r.get("postings_bytes"):
            print("\n%s tables: postings %.1f MB (%.3f x raw), stored text %.1f MB (%.3f x raw); "
                  "data.mdb less the text table: %.3f x raw"
                  % ("galley" if r is g else "optimized galley", r["postings_bytes"] / 1e6,
                     r["postings_bytes"] / raw, r["text_bytes"] / 1e6, r["text_bytes"] / raw,
                     (r["index_bytes"] - r["text_bytes"]) / raw))
    if opt:
        print("galley optimize took %.2f s (in the optimized row's build s)" % opt["optimize_sec"])
    print("\nbuild s: documents in memory -> committed index (galley: the whole `galley index` run)")
    print("e2e s: from the JSON Lines file (FTS5, tantivy, Xapian: + %.2f s of Python JSON parsing)"
          % meta["parse_sec"])
    for r in res:
        if r["tool"] == "lucene":
            print("       (Lucene: + %.2f s of its own parsing, in Java)" % r["parse_sec"])

    ratios = print_ratios(g, others, "galley's ratios")
    opt_ratios = print_ratios(opt, others, "optimized galley's ratios") if opt else {}
    for o in others:
        o["ratios"] = ratios[o["tool"]]
        if opt:
            o["ratios_optimized"] = opt_ratios[o["tool"]]
    if opt:
        same = sum(1 for qq in meta["queries"]
                   if opt["per_query"].get(qq, (None,))[0] == g["per_query"][qq][0])
        print("\noptimized galley = galley on %d of %d queries" % (same, len(meta["queries"])))

    # match counts
    queries = meta["queries"]
    print("\nmatch counts (documents), side by side; the tools tokenize differently")
    for r in others:
        asked = [qq for qq in queries if qq in r["per_query"]]
        same = sum(1 for qq in asked if r["per_query"][qq][0] == g["per_query"][qq][0])
        print("  galley = %-12s on %d of %d queries" % (r["tool"], same, len(asked)))
    names = [r["tool"] for r in [g] + others]
    rows = []
    for qq in queries:
        cs = [r["per_query"].get(qq, (None, None))[0] for r in [g] + others]
        gc = cs[0] or 0
        spread = max(abs(c - gc) / max(gc, c, 1) for c in cs if c is not None)
        rows.append((spread, qq, cs))
    shown = rows if args.all_counts else sorted(rows, key=lambda x: -x[0])[:args.show_diffs]
    if not args.all_counts:
        print("the %d queries with the largest relative differences (--all-counts for every one):"
              % len(shown))
    print("  %-44s" % "query" + "".join(" %12s" % n[:12] for n in names))
    for _, qq, cs in shown:
        print("  %-44.44s" % qq + "".join(" %12s" % ("-" if c is None else c) for c in cs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="JSON Lines, optionally .zst or .gz (default: Reuters-21578)")
    ap.add_argument("--queries", default=DEFAULT_QUERIES, help="one query per line")
    ap.add_argument("--galley", help="the galley binary (default: build-bench/galley, build/galley)")
    ap.add_argument("--device", default="auto", help="galley's --device (default auto)")
    ap.add_argument("--batch-mb", type=int, help="galley's --batch-mb")
    ap.add_argument("--text-level", type=int,
                    help="galley's --text-level (0: text stored as it is, packed by optimize)")
    ap.add_argument("--workdir", help="scratch directory (default: a new one under $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the indexes")
    ap.add_argument("--json", help="write every figure, per query too, to this file")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured passes (default 1)")
    ap.add_argument("--runs", type=int, default=3, help="measured passes (default 3; ripgrep: 1)")
    ap.add_argument("--no-optimize", action="store_true", help="leave out 'galley optimize'")
    ap.add_argument("--no-fts5", action="store_true")
    ap.add_argument("--no-tantivy", action="store_true")
    ap.add_argument("--no-xapian", action="store_true")
    ap.add_argument("--xapian-flush", type=int, default=100000,
                    help="Xapian's XAPIAN_FLUSH_THRESHOLD, documents (default 100000)")
    ap.add_argument("--no-lucene", action="store_true")
    ap.add_argument("--lucene-threads", type=int, default=0,
                    help="threads adding documents to Lucene's IndexWriter (0 = one per CPU)")
    ap.add_argument("--lucene-warmup", type=int, default=5,
                    help="unmeasured passes Lucene gets at least: its JVM compiles the hot code "
                         "as it runs (default 5)")
    ap.add_argument("--lucene-ram-mb", type=int, default=256, help="IndexWriter's RAM buffer")
    ap.add_argument("--lucene-heap-gb", type=int, default=0,
                    help="the JVM's -Xmx (0 = 2 GB plus 3 times the corpus)")
    ap.add_argument("--no-rg", action="store_true")
    ap.add_argument("--rg-queries", type=int, default=0,
                    help="run ripgrep on only this many queries, evenly spaced (0 = all)")
    ap.add_argument("--tantivy-threads", type=int, default=0, help="writer threads (0 = tantivy's choice)")
    ap.add_argument("--tantivy-heap-mb", type=int, default=256)
    ap.add_argument("--show-diffs", type=int, default=20)
    ap.add_argument("--all-counts", action="store_true", help="print the counts of every query")
    args = ap.parse_args()

    global tantivy
    if tantivy is None and not args.no_tantivy and os.access(VENV_PYTHON, os.X_OK) \
            and os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(HERE, ".venv")) \
            and not os.environ.get("GALLEY_COMPARE_REEXEC"):
        os.environ["GALLEY_COMPARE_REEXEC"] = "1"
        os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)

    args.galley = find_galley(args.galley)
    if not args.galley:
        sys.exit("compare: error: no galley binary: build it or give --galley")
    with open(args.queries, encoding="utf-8") as f:
        queries = [l.rstrip("\r\n") for l in f if l.strip()]
    workdir = args.workdir or tempfile.mkdtemp(prefix="galley-compare-")
    os.makedirs(workdir, exist_ok=True)
    try:
        log("preparing %s" % args.corpus)
        corpus = prepare_corpus(args.corpus, workdir)
        t0 = time.perf_counter()
        docs, raw = load_docs(corpus)
        parse_sec = time.perf_counter() - t0
        meta = {"corpus": args.corpus, "jsonl": corpus, "docs": len(docs), "raw_bytes": raw,
                "jsonl_bytes": os.path.getsize(corpus), "parse_sec": parse_sec,
                "queries_file": args.queries, "nqueries": len(queries), "queries": queries,
                "host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "warmup": args.warmup, "runs": args.runs}
        res = []
        begin_build("galley")
        res.append(run_galley(args, corpus, args.queries, workdir))
        if not args.no_optimize:
            begin_build("galley optimize")
            res.append(run_galley_optimized(args, res[0], args.queries, workdir))
        if not args.no_fts5:
            begin_build("sqlite fts5")
            r = run_fts5(args, docs, queries, workdir)
            r["build_sec"] = r["index_only_sec"] + parse_sec
            res.append(r)
            if not args.keep:
                os.remove(os.path.join(workdir, "fts5.db"))
        if not args.no_tantivy:
            if tantivy is None:
                log("tantivy: the Python package is not installed (pip install tantivy, e.g. in "
                    "bench/.venv); left out")
                print("tantivy: not installed; left out of this run", flush=True)
            else:
                begin_build("tantivy")
                r = run_tantivy(args, docs, queries, workdir)
                r["build_sec"] = r["index_only_sec"] + parse_sec
                res.append(r)
        if not args.no_xapian:
            xapian = import_xapian()
            if xapian is None:
                log("xapian: no Python bindings (apt-get install python3-xapian); left out")
                print("xapian: not installed; left out of this run", flush=True)
            else:
                begin_build("xapian")
                r = run_xapian(args, xapian, docs, queries, workdir)
                r["build_sec"] = r["index_only_sec"] + parse_sec
                res.append(r)
                if not args.keep:
                    shutil.rmtree(os.path.join(workdir, "xapian"), ignore_errors=True)
        del docs
        if not args.no_lucene:
            if not lucene_ready():
                log("lucene: not set up (bench/lucene/setup.sh, and a JDK); left out")
                print("lucene: not set up; left out of this run", flush=True)
            else:
                if not args.lucene_heap_gb:
                    args.lucene_heap_gb = 2 + 3 * meta["jsonl_bytes"] // (1 << 30)
                begin_build("lucene")
                res.append(run_lucene(args, corpus, queries, workdir))
                if not args.keep:
                    shutil.rmtree(os.path.join(workdir, "lucene"), ignore_errors=True)
        if not args.no_rg:
            if not shutil.which("rg"):
                log("ripgrep: 'rg' not found (apt-get install ripgrep); left out")
                print("ripgrep: not installed; left out of this run", flush=True)
            else:
                rq = queries
                if args.rg_queries and args.rg_queries < len(queries):
                    step = len(queries) / args.rg_queries
                    rq = [queries[int(i * step)] for i in range(args.rg_queries)]
                log("ripgrep: %d queries" % len(rq))
                res.append(run_rg(args, corpus, rq))
        report(res, meta, args)
        if args.json:
            out = {"compare": 1, "meta": meta, "results": []}
            for r in res:
                r = dict(r)
                r["per_query"] = {q: {"count": c, "ms": ms} for q, (c, ms) in r["per_query"].items()}
                r.pop("stats", None)
                out["results"].append(r)
            with open(args.json, "w") as f:
                json.dump(out, f, indent=1)
                f.write("\n")
            log("wrote %s" % args.json)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep:
            log("kept %s" % workdir)


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        sys.exit("compare: error: %s" % e)
