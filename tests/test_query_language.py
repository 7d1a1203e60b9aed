#!/usr/bin/env python3
"""test_query_language.py - `galley query`'s whole language vs a brute-force oracle.

For every ../shared/corpora/NAME.jsonl.zst this builds one galley index
(`galley index -q --device ref`), then runs 25+ hand-picked queries per corpus
(OR, NOT and -word, grouping and precedence, NEAR with several N including ~0
and 3-word groups, prefix* with and without the 256-term cap, title: word /
phrase / prefix / group, date: ranges, open ends, months, years and mixes on
Reuters) plus a few seeded random ones cut from the documents, and compares
`galley query IDX Q --ids` (all ids, as a set), `--count`, `--histogram`
(by month; some by year and day) and the exit status with oracle_query.py, which parses the language itself and scans every
document (tokenizer: oracle.py, from DESIGN.md; no code shared with galley).
A prefix the oracle caps must make galley print a note on stderr.  A few bad
queries must exit 2 with one error line that names the column.

Prints a table per corpus, then every mismatch (corpus, query, expected count,
got count, some differing ids).  Exit 0 when all agree, 1 on any mismatch, 77
(skip) when ../shared/corpora or the zstd command is missing.

  test_query_language.py --galley PATH --shared DIR --work DIR
                         [--corpus NAME]... [--seed N] [--near-rule fts5|other]

--near-rule: how the oracle counts the tokens of a NEAR group with three or
more words (see oracle_query.py); fts5 (default) is SQLite FTS5's rule.
"""

import argparse
import json
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402
import oracle_query  # noqa: E402

SKIP = 77
SEED = 1987
RANDOM_QUERIES = 8

# Hand-picked queries.  Their words were chosen from the data; the oracle's
# counts are what is expected, whatever they are.
QUERIES = {
    "reuters21578": [
        "cocoa OR coffee", "cocoa OR coffee OR sugar", "cocoa -coffee", "cocoa NOT brazil",
        "oil -crude -opec", "(cocoa OR coffee) brazil", "cocoa OR coffee brazil",
        "coffee brazil OR cocoa -ghana", "coffee AND brazil",
        '(wheat OR corn) -(usda OR "agriculture department")',
        "reagan or", "reagan's OR \"white house\" -congress",
        '"cocoa prices"~0', '"prices cocoa"~2', '"bank england"~1',
        '"interest rates"~5 -"interest rates"', '"crude oil prices"~0', '"oil crude prices"~1',
        '"oil crude prices"~4', '"reagan japan"~10', '"the the"~0',
        "tarif*", "export* -export -exports", "b*", "grain* -grain",
        "title:cocoa", 'title:"bank of england"', "title:u.s. japan",
        "((cocoa OR coffee) -brazil) OR (sugar date:1987-04)", '"opec oil"~6 -"opec oil"', "title:(cocoa OR coffee)",
        "title:tari* japan", "title:(oil -opec)", 'title:"u.s." -"u.s."',
        'title:"crude oil"~1 -title:"crude oil"',
        "date:1987-03", "date:1987-02-26..1987-03-02", "date:..1987-03-01",
        "date:1987-10-01..", "date:1987 cocoa", "cocoa date:1987-04",
        "date:1987-06 (gold OR silver) -title:gold",
        "date:1987-03-01..1987-03-31 -date:1987-03-15..",
        "date:1987-04-07..1987-04-07 title:oil", "date:1988 oil", "date:1987-02 OR date:1987-10",
        "(date:..1987-03-15 OR date:1987-06) \"crude oil\"~2",
        '"crude oil pri*"', '"pri* of cocoa"', '"bank of eng*" -"bank of england"',
        '"oil pri*"~2 -"oil prices"', 'title:"cocoa ex*"', '"u.s. tra*"',
    ],
    "bbc": [
        "blair OR brown", "chelsea OR arsenal OR liverpool", "blair -brown", "election NOT blair",
        "(film OR music) award -oscar", "film OR music award", "(mobile OR phone) -(apple OR ipod)",
        "chelsea AND mourinho", "labour or", '"prime minister" OR chancellor -blair',
        '"blair brown"~0', '"brown blair"~3', '"tony blair"~0 -"tony blair"',
        '"interest rates"~2', '"mobile phone"~1', '"gordon brown chancellor"~1',
        '"gordon brown chancellor"~5', '"world cup"~8 -"world cup"', "title:s*",
        "oscar*", "terror* -terrorism", "s*", "music* title:download*",
        "title:blair", 'title:"world cup"', "title:(chelsea OR arsenal)",
        "title:(oil -price)", 'title:"brown blair"~3', "title:elect*",
        "date:2004", "blair date:..2005-12-31",
        '"prime min*"', '"world c* final"', '"gor* brown"~2 -"gordon brown"', 'title:"wor* cup"',
    ],
    "20news-bydate": [
        "god OR jesus", "nasa OR space OR shuttle", "windows -dos", "gun NOT control",
        "(hockey OR baseball) playoffs", "hockey OR baseball playoffs", "clipper -(encryption OR nsa)",
        "encryption AND clipper", "windows or", '"jesus christ" OR "holy spirit" -god',
        '"gun control"~0', '"control gun"~2', '"gun control"~4 -"gun control"',
        '"windows dos"~1', '"space shuttle nasa"~2', '"space shuttle nasa"~6', '"god god"~0',
        "encrypt*", "atheis* -atheism", "c*", "x11* window", "TÖRN*", "title:c*",
        "nasa* -nasa", "not NOT god",
        "title:hockey", 'title:"space shuttle"', "title:(windows OR dos)",
        "title:(gun -control)", 'title:"for sale"~1', "title:atheis*",
        "date:1993", "god date:..1993-04-30",
        '"space shut*"', '"x11 win* system"', '"jes* god"~3',
    ],
    "agnews-test": [
        "iraq OR afghanistan", "google OR microsoft OR yahoo", "oil -iraq", "iraq NOT bush",
        "(yankees OR sox) -boston", "yankees OR sox boston", "(olympics OR olympic) -(athens OR greece)",
        "google AND ipo", "bush or", '"red sox" OR yankees -boston',
        '"oil prices"~0', '"prices oil"~2', '"oil prices"~8 -"oil prices"',
        '"red sox"~1', '"oil prices record"~1', '"oil prices record"~5', '"bush bush"~0',
        "microso*", "terror* -terrorism", "s*", "olymp* athens",
        "title:iraq", 'title:"oil prices"', "title:(google OR yahoo)",
        "title:(oil -price)", 'title:"sox red"~2', "title:terror*",
        "date:2004", "iraq date:2004-01-01..",
        '"oil pri*"', '"new yo* city"', '"red so*" -boston', '"pri* oil"~1',
    ],
}

# Bad queries: exit 2, one error line naming the column.  (Query, column that
# the message must name, or None where any column will do.)
ERRORS = [
    ('"unclosed', 1),
    ('cocoa "bahia review', 7),
    ("cocoa (coffee OR tea", None),
    ("cocoa )", None),
    ("date:yesterday", None),
    ("-cocoa", None),
    ("title:-cocoa coffee", 1),
]

# A generic list for a corpus added later.
GENERIC = ["the OR a", "the -a", "(the OR a) of", '"of the"~0', '"the of"~2', "th*", "s*",
           "title:the", "title:(the OR a)", 'title:"of the"', "date:1987", "the date:..2030"]


def log(*a):
    print(*a, flush=True)


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def build_index(galley, src, out):
    if os.path.lexists(out):
        shutil.rmtree(out) if os.path.isdir(out) and not os.path.islink(out) else os.remove(out)
    t = time.time()
    p = run([galley, "index", "-q", "--device", "ref", "-o", out, src])
    return p.returncode, time.time() - t, p.stderr.decode("utf-8", "replace")


def random_queries(name, corpus, seed):
    """Seeded queries cut from random documents: a NEAR pair of one field at
    its true distance and one less, a prefix of a token, a title word OR
    another word minus a third."""
    rng = random.Random("%s/%d" % (name, seed))
    qs = []
    tries = 0
    while len(qs) < RANDOM_QUERIES and tries < 20000:
        tries += 1
        d = rng.choice(corpus.docs)
        field = "title" if rng.random() < 0.3 else "body"
        toks = [t for t in d.tokens(field)]
        words = [t for t in toks if t != "\x01" and t not in ("or", "and", "not")]
        kind = len(qs) % 4
        if kind in (0, 1):
            if len(toks) < 4:
                continue
            i, j = sorted(rng.sample(range(len(toks)), 2))
            a, b = toks[i], toks[j]
            if a == b or "\x01" in (a, b) or a in ("or", "and", "not") or j - i > 12:
                continue
            n = max(0, j - i - 1 - kind)
            q = '"%s %s"~%d' % (b, a, n)
        elif kind == 2:
            cands = [t for t in words if len(t) >= 5 and t.isascii() and t.isalpha()]
            if not cands:
                continue
            q = rng.choice(cands)[:rng.randint(3, 4)] + "*"
        else:
            tw = [t for t in d.tokens("title") if t != "\x01" and t.isalnum()
                  and t not in ("or", "and", "not")]
            if len(tw) < 1 or len(words) < 3:
                continue
            q = "title:%s OR %s -%s" % (rng.choice(tw), rng.choice(words), rng.choice(words))
        if q not in qs:
            qs.append(q)
    return qs


def galley_ids(galley, index, q):
    p = run([galley, "query", index, q, "--ids"])
    lines = [l for l in p.stdout.decode("utf-8", "surrogateescape").split("\n") if l]
    return lines, p.returncode, p.stderr.decode("utf-8", "replace")


def galley_count(galley, index, q):
    p = run([galley, "query", index, q, "--count"])
    out = p.stdout.decode("utf-8", "replace").strip()
    return (int(out) if re.fullmatch(r"\d+", out) else None), p.returncode, \
        p.stderr.decode("utf-8", "replace")


def galley_histogram(galley, index, q, unit):
    """{period: count} of `--histogram unit`, and the exit status."""
    p = run([galley, "query", index, q, "--histogram", unit])
    res = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        period, _, n = line.partition("\t")
        res[period] = int(n) if n.isdigit() else -1
    return res, p.returncode


HISTOGRAM_WIDTH = {"year": 4, "month": 7, "day": 10}


def oracle_histogram(docs, unit):
    res = {}
    for d in docs:
        period = d.date[:HISTOGRAM_WIDTH[unit]] if d.date else "undated"
        res[period] = res.get(period, 0) + 1
    return res


def first_line(s):
    lines = s.strip().splitlines()
    return lines[0][:160] if lines else ""


def why(stderr):
    line = first_line(stderr)
    return ": " + line if line else ""


def check_query(galley, index, corpus, q, mismatches, name):
    """Compare one query; returns the table row."""
    try:
        want_docs = corpus.match(q)
    except oracle_query.QueryError as e:
        mismatches.append((name, q, "oracle rejects the query: %s" % e, "-", ""))
        return "%-52s %8s %8s %s" % (q[:52], "ERR", "-", "")
    notes = list(corpus.notes)
    want = {d.id for d in want_docs}
    want_rc = 0 if want else 1
    ids, rc_ids, err_ids = galley_ids(galley, index, q)
    count, rc_count, err_count = galley_count(galley, index, q)
    got = set(ids)
    problems = []
    if got != want:
        missing = sorted(want - got)
        extra = sorted(got - want)
        problems.append("--ids: %d ids; missing %d %s; extra %d %s"
                        % (len(got), len(missing), missing[:5], len(extra), extra[:5]))
    if len(ids) != len(got):
        problems.append("--ids printed %d lines for %d distinct ids" % (len(ids), len(got)))
    if rc_ids != want_rc:
        problems.append("--ids exit %d (want %d)%s" % (rc_ids, want_rc, why(err_ids)))
    if count != len(want):
        problems.append("--count %s (exit %d)%s" % (count, rc_count, why(err_count)))
    elif rc_count != want_rc:
        problems.append("--count exit %d (want %d)" % (rc_count, want_rc))
    # by date: every query by month, the first few by year and by day too
    for unit in ("month",) + (("year", "day") if len(q) % 3 == 0 else ()):
        hist, rc_hist = galley_histogram(galley, index, q, unit)
        want_hist = oracle_histogram(want_docs, unit)
        if hist != want_hist or rc_hist != want_rc:
            diff = sorted(k for k in set(hist) | set(want_hist) if hist.get(k) != want_hist.get(k))
            problems.append("--histogram %s (exit %d): %d periods differ, e.g. %s"
                            % (unit, rc_hist, len(diff),
                               [(k, want_hist.get(k), hist.get(k)) for k in diff[:3]]))
    if notes and not re.search(r"\b%d\b" % corpus.prefix_cap, err_ids):
        problems.append("prefix capped (%s) but no note naming %d on stderr (got %r)"
                        % ("; ".join(notes), corpus.prefix_cap, first_line(err_ids)))
    if problems:
        mismatches.append((name, q, len(want), count if count is not None else len(got),
                           "; ".join(problems)))
    mark = "" if not problems else " !"
    return "%-52s %8d %8s%s%s" % (q[:52], len(want), count if count is not None else "-",
                                   mark, "  (capped)" if notes else "")


def check_errors(galley, index, name, mismatches):
    rows = []
    for q, col in ERRORS:
        p = run([galley, "query", index, q, "--count"])
        err = p.stderr.decode("utf-8", "replace").strip()
        lines = err.splitlines()
        problems = []
        if p.returncode != 2:
            problems.append("exit %d (want 2)" % p.returncode)
        if len(lines) != 1:
            problems.append("%d stderr lines (want 1)" % len(lines))
        m = re.search(r"column (\d+)", err)
        if not m:
            problems.append("no 'column N' in %r" % first_line(err))
        elif col is not None and int(m.group(1)) != col:
            problems.append("column %s (want %d) in %r" % (m.group(1), col, first_line(err)))
        try:
            oracle_query.parse(q)
            problems.append("(the oracle accepts this query)")
        except oracle_query.QueryError:
            pass
        if problems:
            mismatches.append((name, q, "error", "exit %d" % p.returncode, "; ".join(problems)))
        rows.append("%-52s exit %d %s %s" % (q, p.returncode, "!" if problems else " ",
                                            first_line(err)))
    return rows


def check_prefix_marks(galley, index, name, mismatches):
    """A prefix of more terms than --prefix-cap: every hit, also one that
    only the terms past the cap find, has its words marked, and each mark
    is a word that starts with the prefix (in the text `show --raw` prints)."""
    q, prefix = "s*", "s"
    p = run([galley, "query", index, q, "--prefix-cap", "3", "--json", "-n", "60", "--sort", "doc"])
    hits = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    problems = []
    if p.returncode != 0 or len(hits) != 60:
        problems.append("exit %d, %d hits" % (p.returncode, len(hits)))
    for h in hits:
        text = run([galley, "show", index, "#%d" % h["doc"], "--raw"]).stdout
        words = [text[a:b].decode("utf-8", "replace") for a, b in h["matches"]]
        if not words or any(not w.lower().startswith(prefix) for w in words):
            problems.append("doc %d marks %r" % (h["doc"], words[:5]))
            break
    if problems:
        mismatches.append((name, q + " --prefix-cap 3 --json", "marks", "-", "; ".join(problems)))
    return "%-52s %d hits, each with marks of words starting %r%s" % (
        q + " --prefix-cap 3 --json", len(hits), prefix, " !" if problems else "")


PREFIX_RANKING = ("s*", "c* OR d*", "oil s*", "title:s* oil", "s* -said", "(b* OR gold) -c*")


def check_prefix_ranking(galley, index, name, mismatches):
    """A prefix ranks by every term it has: --prefix-cap 3 (its terms past
    the third read in one pass, their scores summed per document) gives the
    hits and scores that every term read through a cursor of its own gives
    (--prefix-cap 100000): the same sums added in another order, which may
    differ in their last bits, so in the last decimal printed at most."""
    rows = []
    for q in PREFIX_RANKING:
        got = {}
        for cap, n in (("3", "25"), ("100000", "30")):
            p = run([galley, "query", index, q, "--prefix-cap", cap, "--json", "-n", n])
            got[cap] = ([(h["doc"], h["score"]) for h in
                         map(json.loads, p.stdout.decode("utf-8").splitlines())], p.returncode)
        (capped, rc3), (full, rcf) = got["3"], got["100000"]
        by_doc = dict(full)
        problems = []
        if rc3 != 0 or rcf != 0 or not capped:
            problems.append("exit %d / %d, %d hits" % (rc3, rcf, len(capped)))
        for rank, ((doc, score), (_, want)) in enumerate(zip(capped, full)):
            # scores are printed to 4 decimals
            tol = 2e-4 * max(1.0, abs(want))
            if abs(score - want) > tol or abs(by_doc.get(doc, -1.0) - score) > tol:
                problems.append("rank %d: doc %d scores %s, every term read through a cursor "
                                "%s (that rank's score %s)" % (rank + 1, doc, score,
                                                               by_doc.get(doc), want))
                break
        if problems:
            mismatches.append((name, q + " --prefix-cap 3", "scores", "-", "; ".join(problems)))
        rows.append("%-52s %d hits ranked as with every term a cursor%s"
                    % (q + " --prefix-cap 3", len(capped), " !" if problems else ""))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--galley", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", action="append", help="only this corpus (repeatable)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--near-rule", choices=("fts5", "other"), default="fts5")
    args = ap.parse_args()

    t_start = time.time()
    corpora_dir = os.path.join(args.shared, "corpora")
    names, status = corpora.pick(args.galley, args.shared, args.corpus, args.work, log)
    if status is not None:
        return status

    # Index builds run one at a time in the background while the oracle reads.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    jobs = {n: pool.submit(build_index, args.galley,
                           os.path.join(corpora_dir, n + ".jsonl.zst"),
                           os.path.join(args.work, n + ".idx")) for n in names}

    mismatches = []
    summary = []
    for i, name in enumerate(names):
        t0 = time.time()
        corpus = oracle_query.QCorpus(near_rule=args.near_rule)
        corpus.add_jsonl(os.path.join(corpora_dir, name + ".jsonl.zst"))
        queries = list(QUERIES.get(name, GENERIC))
        queries += [q for q in random_queries(name, corpus, args.seed) if q not in queries]
        t_load = time.time() - t0
        rc, secs, err = jobs[name].result()
        index = os.path.join(args.work, name + ".idx")
        log("\n== %s: %d documents, %d queries; oracle load %.1fs; galley index exit %d in %.1fs"
            % (name, len(corpus.docs), len(queries), t_load, rc, secs))
        if rc != 0:
            mismatches.append((name, "(galley index)", "exit 0", "exit %d" % rc,
                               err.strip()[-300:]))
            summary.append((name, len(queries), len(queries), 0.0))
            continue
        log("%-52s %8s %8s" % ("query", "oracle", "galley"))
        t1 = time.time()
        before = len(mismatches)
        for q in queries:
            log(check_query(args.galley, index, corpus, q, mismatches, name))
        nbad = len(mismatches) - before
        if i == 0:
            log("-- bad queries (exit 2, one line naming the column):")
            for row in check_errors(args.galley, index, name, mismatches):
                log(row)
            log(check_prefix_marks(args.galley, index, name, mismatches))
            for row in check_prefix_ranking(args.galley, index, name, mismatches):
                log(row)
        summary.append((name, len(queries), nbad, time.time() - t1))
        log("%s: %d of %d queries agree in %.1fs"
            % (name, len(queries) - nbad, len(queries), time.time() - t1))
    pool.shutdown()

    log("\n%-16s %8s %10s %8s" % ("corpus", "queries", "mismatched", "seconds"))
    for name, nq, nbad, secs in summary:
        log("%-16s %8d %10d %8.1f" % (name, nq, nbad, secs))
    log("total %.1fs (NEAR rule of the oracle: %s)" % (time.time() - t_start, args.near_rule))
    if mismatches:
        log("\n%d MISMATCHES (corpus | query | expected count | got count | detail):"
            % len(mismatches))
        for m in mismatches:
            log("  %s | %s | %s | %s | %s" % m)
        return 1
    log("\nall queries agree with the oracle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
