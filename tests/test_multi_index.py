#!/usr/bin/env python3
"""test_multi_index.py - several indexes searched as one answer as one index.

Builds a corpus of its own (seeded: words, frequent function words that
become bigram terms, capitalised names that become entities, dates, titles),
indexes it three ways - whole, in two parts, in three parts - and runs
`galley query PART... QUERY` against `galley query WHOLE QUERY` for words,
phrases (of frequent words too, which one part reads from a bigram term and
another from two words), NEAR, OR, NOT, prefixes (with a cap small enough
that each part's own first terms differ from all the parts' first terms),
title:, date: and entity:, under every --sort, with --offset and --limit,
and as --count, --ids, --histogram and --json, the parts searched on a
thread each or one after another (--part-threads) alike; `galley bench query` over the parts
(its counts); and `galley entities` over the parts
(names, counts, co-occurrence, --in a query, order, a name spelled one way more often
in one part and the other way in all); a phrase under title: scores where it is
in the title alone what the phrase scores, read from a bigram term or from
words alike.  Every hit must be the same document at
the same rank with the same score, title, snippet and match offsets, the
document numbered by its part (part k's document d is the whole index's
document d plus the documents before part k), and each --json hit names its
part.  Then `galley index --shard K/N` three times over the same inputs:
every document in one shard, a third in each, and the shards searched as
one find every hit of the whole index with the same score and snippet (in
another order: ties go by shard); `--mpi` with an MPI launcher's rank and
size in the environment writes the same shards as INDEX/shard-K.  Usage errors: a query's words given as
several arguments, QUERY with --queries, an index among several that is not
there or is given twice, another shard (or none) appended to a shard, a
shard out of range.

  test_multi_index.py --galley PATH --work DIR
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys

FAILS = []


def check(name, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else "\n      " + detail), flush=True)
    if not ok:
        FAILS.append(name)


def corpus(rng, n):
    sy = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "zen", "pra", "dol", "mer", "gan"]
    words = sorted({"".join(rng.choice(sy) for _ in range(rng.randint(2, 3))) for _ in range(900)})
    common = ["the", "of", "and", "in", "to", "a", "said", "on"]
    names = ["Kira Dolmen", "Bank of Lomira", "Tavo Shinra", "Vela Markets", "Pran Ozu"]
    docs = []
    for i in range(n):
        body = []
        for _ in range(rng.randint(30, 120)):
            r = rng.random()
            body.append(rng.choice(common) if r < 0.35 else rng.choice(names) if r < 0.38
                        else rng.choice(words))
            if rng.random() < 0.06:
                body[-1] += "."
        title = " ".join(rng.choice(words + common) for _ in range(rng.randint(2, 7)))
        d = {"id": "m%05d" % i, "title": title.capitalize(), "text": " ".join(body)}
        if rng.random() < 0.8:
            d["date"] = "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
        docs.append(d)
    return docs, words


def galley(g, *args):
    p = subprocess.run([g] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--galley", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    g = os.path.abspath(a.galley)
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rng = random.Random(20261130)
    docs, words = corpus(rng, 2400)
    # a name spelled two ways: the first part writes "Ian McKay" more often, all the parts
    # together "Ian Mckay", which one index of everything shows and so must the parts
    for i, form in enumerate(["Ian McKay"] * 5 + ["Ian Mckay"] * 3):
        docs[i]["text"] += " Later %s spoke." % form
    for i in range(4):
        docs[800 + 300 * i]["text"] += " Later Ian Mckay spoke."
    cuts = [0, 700, 1500, len(docs)]  # three parts; two are the first and the rest
    files = []
    for k in range(3):
        f = os.path.join(work, "part%d.jsonl" % k)
        with open(f, "w") as out:
            for d in docs[cuts[k]:cuts[k + 1]]:
                out.write(json.dumps(d) + "\n")
        files.append(f)
    def build(name, inputs):
        idx = os.path.join(work, name)
        # 64 kB batches: each index has several, and picks its own bigram words
        rc, _, err = galley(g, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", idx, *inputs)
        check("index %s" % name, rc == 0, err)
        return idx
    whole = build("whole", files)
    first = build("first", files[:1])
    rest = build("rest", files[1:])
    thirds = [first, build("second", files[1:2]), build("third", files[2:])]
    layouts = {"two parts": ([first, rest], [0, cuts[1]]),
               "three parts": (thirds, cuts[:3])}

    w = rng.sample(words, 6)
    queries = [w[0], "%s %s" % (w[1], w[2]), '"of the"', '"said the"', '"the %s"' % w[3],
               '"%s of the"' % w[4], '"%s %s"~4' % (w[0], w[5]), "%s OR %s" % (w[1], w[3]),
               "the -%s" % w[2], "%s*" % w[0][:2], "%s* the" % w[3][:1], "title:%s" % w[4],
               'title:"of the"', "date:2024-03..2024-05 %s" % w[5], 'entity:"Kira Dolmen"',
               'entity:"Bank of Lomira" OR %s' % w[1], "(%s OR %s) -the" % (w[2], w[4]),
               "zzzznothing", '"the the the"', '"of the" %s' % w[0], '"said the" OR "%s %s"~2' % (w[1], w[2]),
               '%s -"of the"' % w[3], "the -%s*" % w[0][:2], "%s -(%s* OR %s)" % (w[1], w[2][:2], w[4]),
               "date:2024-06.. -%s*" % w[5][:1], "title:%s* %s" % (w[1][:1], w[2]),
               '"the %s*"' % w[3][:2], '"%s* the"~3 -%s' % (w[4][:2], w[0])]
    qfile = os.path.join(work, "queries.txt")
    with open(qfile, "w") as f:
        f.write("\n".join(queries) + "\n")
    cap = ["--prefix-cap", "4"]

    def hits(idx_args, base, extra):
        rc, out, err = galley(g, "query", *idx_args, "--queries", qfile, "--json", *cap, *extra)
        got = []
        for line in out.splitlines():
            h = json.loads(line)
            part = h.pop("index", None)
            if base is not None:
                h["doc"] += base[idx_args.index(part)]
            elif part is not None:
                return rc, None, "a single index named its hits' index"
            h.pop("source")
            got.append(h)
        return rc, got, err

    for name, (parts, base) in layouts.items():
        for extra in (["-n", "20"], ["-n", "15", "--offset", "7"], ["--sort", "date", "-n", "25"],
                      ["--sort", "doc", "-n", "0"], ["--sort", "date", "--offset", "30", "-n", "9"]):
            rc1, one, err1 = hits([whole], None, extra)
            rc2, many, err2 = hits(parts, base, extra)
            same = one is not None and many is not None and one == many
            detail = ""
            if not same and one is not None and many is not None:
                diff = [(x, y) for x, y in zip(one, many) if x != y][:2]
                detail = "%d vs %d hits; first differences: %s" % (len(one), len(many), diff)
            check("%s %s: the same %d hits as one index (rank, id, doc, score, snippet, matches)"
                  % (name, " ".join(extra), len(one or [])), same and rc1 == rc2, detail or err2)
            check("%s %s: the same notes on stderr" % (name, " ".join(extra)),
                  err1 == err2, "%r vs %r" % (err1, err2))
        for mode in (["--count"], ["--ids", "-n", "40"], ["--ids"], ["--histogram", "month"],
                     ["--histogram", "day", "--json"]):
            r1 = galley(g, "query", whole, "--queries", qfile, *cap, *mode)
            r2 = galley(g, "query", *parts, "--queries", qfile, *cap, *mode)
            check("%s %s: the same output" % (name, " ".join(mode)), r1[:2] == r2[:2],
                  "exit %d vs %d" % (r1[0], r2[0]))
        rc, out, _ = galley(g, "query", *parts, '"of the"', "--json", "-n", "0")
        named = {json.loads(l)["index"] for l in out.splitlines()}
        check("%s: --json hits name their index" % name, named == set(parts), str(named))
        rc, out, _ = galley(g, "query", *parts, w[0], "--color=never", "-n", "3")
        check("%s: a hit's second line says which index" % name,
              rc == 0 and any(" in %s " % p in out for p in parts), out[:300])

    # the parts searched one after another or each on a thread of its own
    # (--part-threads; by default a core each): the same output, byte for byte
    for mode in (["-n", "20", "--json"], ["--sort", "doc", "-n", "0", "--json"], ["--count"],
                 ["--histogram", "month"], ["--sort", "date", "--offset", "11", "-n", "9"]):
        runs = [galley(g, "query", *thirds, "--queries", qfile, *cap, "--part-threads", n, *mode)
                for n in ("1", "2", "3")]
        check("three parts %s: --part-threads 1, 2 and 3 print the same" % " ".join(mode),
              runs[0] == runs[1] == runs[2] and runs[0][0] == 0 and runs[0][1],
              "exits %s" % [r[0] for r in runs])
    rc, _, err = galley(g, "query", *thirds, w[0], "--part-threads", "0")
    check("--part-threads 0 is a usage error", rc == 2 and "--part-threads" in err, err)

    # galley bench query times the same search: the same counts, per query
    def bench_counts(idx_args, *extra):
        rc, out, err = galley(g, "bench", "query", *idx_args, qfile, "--json", "-", "--runs", "1",
                              "--warmup", "0", *extra)
        if rc != 0:
            return None, err
        j = json.loads(out)
        return ([q.get("count") for q in j["per_query"]], j.get("indexes"), j.get("threads"),
                sum(q.get("ms", 0) > 0 for q in j["per_query"]), j.get("prefix_cap")), err
    one, _ = bench_counts([whole])
    capped, err = bench_counts([whole], "--prefix-cap", "2")
    check("bench query --prefix-cap 2: the same counts, the cap in its JSON",
          one is not None and capped is not None and one[0] == capped[0] and capped[4] == 2,
          "%s / %s: %s" % (one, capped, err))
    for name, (parts, _) in layouts.items():
        many, err = bench_counts(parts)
        check("%s: bench query counts as one index, and lists the indexes" % name,
              one is not None and many is not None and one[0] == many[0] and many[1] == parts,
              "%s / %s: %s" % (one, many, err))
        # three threads at once, each on snapshots of its own: the same
        # counts, every query timed
        many, err = bench_counts(parts, "--part-threads", "1")
        check("%s: bench query --part-threads 1 counts as one index" % name,
              one is not None and many is not None and one[0] == many[0],
              "%s / %s: %s" % (one, many, err))
        many, err = bench_counts(parts, "--threads", "3")
        check("%s: bench query --threads 3 counts as one thread, times every query" % name,
              one is not None and many is not None and one[0] == many[0] and many[2] == 3 and
              many[3] == len(one[0]), "%s / %s: %s" % (one, many, err))

    # entities: counts add up over the parts, co-occurrence too
    def entities(idx_args, *extra):
        rc, out, err = galley(g, "entities", *idx_args, "--top", "0", "--json", *extra)
        return rc, [(e["entity"], e["key"], e["docs"], e["mentions"], e.get("shared_docs"))
                    for e in map(json.loads, out.splitlines())], err
    for name, (parts, _) in layouts.items():
        for extra in ([], ["--with", "Kira Dolmen"], ["--match", "bank"], ["--match", "mckay"],
                      ["--in", '"of the" %s' % w[3]], ["--in", "date:2024-03..2024-06 %s" % w[5]]):
            r1 = entities([whole], *extra)
            r2 = entities(parts, *extra)
            check("%s: entities %s: the same %d rows, names, counts and order as one index"
                  % (name, " ".join(extra), len(r1[1])), r1[0] == r2[0] == 0 and r1[1] == r2[1]
                  and len(r1[1]) > 0, "%s / %s" % (r1[2], r2[2]))
        rc, _, err = galley(g, "entities", *parts, "--with", "Nobody Atall")
        check("%s: entities --with an unknown name: exit 1" % name, rc == 1, "exit %d" % rc)
        rc, _, err = galley(g, "entities", *parts, "--in", "zzzqqq")
        check("%s: entities --in a query without matches: exit 1" % name, rc == 1, "exit %d" % rc)

    # --in: each entity's shared documents are those 'query' finds for the entity AND the query
    q_in = '"of the" %s' % w[3]
    rc, rows, err = entities([whole], "--in", q_in)
    for ent, _, _, _, shared in rows[:8]:
        rc2, out, _ = galley(g, "query", whole, 'entity:"%s" (%s)' % (ent, q_in), "--count")
        check("entities --in: %s shares %s documents, query --count says %s"
              % (ent, shared, out.strip()), rc2 in (0, 1) and int(out.strip() or -1) == shared)
    check("entities --in: rows found", len(rows) > 0, err)

    # a phrase under title: takes its idf from the documents it is in anywhere, as a word under
    # title: does, whether an index reads it from a bigram term ("of the") or from two words:
    # where the phrase is in the title alone, title:"X Y" scores what "X Y" scores
    def tokens(text):
        return [t.strip(".").lower() for t in text.split()]

    def has_pair(toks, pair):
        return any(toks[i:i + 2] == list(pair) for i in range(len(toks) - 1))

    by_id = {d["id"]: d for d in docs}
    pairs = [("of", "the")]
    for d in docs:
        t = tokens(d["title"])
        for i in range(len(t) - 1):
            if t[i] in words and t[i + 1] in words and (t[i], t[i + 1]) not in pairs and len(pairs) < 9:
                pairs.append((t[i], t[i + 1]))

    def scores(idx_args, q):
        out = galley(g, "query", *idx_args, q, "--json", "-n", "0")[1]
        return {h["id"]: h["score"] for h in map(json.loads, out.splitlines())}
    for name, idx_args in [("one index", [whole])] + [(n, p) for n, (p, _) in layouts.items()]:
        compared, differ = 0, []
        for pair in pairs:
            in_title = scores(idx_args, 'title:"%s %s"' % pair)
            anywhere = scores(idx_args, '"%s %s"' % pair)
            for doc_id, sc in in_title.items():
                if not has_pair(tokens(by_id[doc_id]["text"]), pair):
                    compared += 1
                    if anywhere.get(doc_id) != sc:
                        differ.append((pair, doc_id, sc, anywhere.get(doc_id)))
        check("%s: title:\"X Y\" scores what \"X Y\" scores where the phrase is in the title "
              "alone (%d hits of %d phrases)" % (name, compared, len(pairs)),
              compared >= len(pairs) and not differ, str(differ[:3]))

    # shards: every run reads all the inputs and keeps its share of them
    shards = []
    for k in range(1, 4):
        idx = os.path.join(work, "shard%d" % k)
        rc, _, err = galley(g, "index", "-q", "--device", "ref", "--batch-mb", "1", "--shard",
                            "%d/3" % k, "-o", idx, *files)
        check("index --shard %d/3" % k, rc == 0, err)
        shards.append(idx)
    sizes = [int(json.loads(galley(g, "stats", "--json", x)[1])["documents"]) for x in shards]
    check("three shards hold every document once, a third each (%s)" % sizes,
          sum(sizes) == len(docs) and min(sizes) > len(docs) // 4, str(sizes))
    rc, out, _ = galley(g, "stats", "--json", shards[1])
    check("stats names the shard", rc == 0 and json.loads(out).get("shard") == "2/3", out[:200])

    def every_hit(idx_args):
        rc, out, err = galley(g, "query", *idx_args, "--queries", qfile, "--json", "-n", "0",
                              "--sort", "doc", *cap)
        got = set()
        for line in out.splitlines():
            h = json.loads(line)
            got.add((h["query"], h["id"], h["score"], h["title"], h["snippet"], str(h["matches"])))
        return got, err
    one, err1 = every_hit([whole])
    many, err2 = every_hit(shards)
    check("shards: the same %d hits as one index, each with the same score and snippet"
          % len(one), one == many and err1 == err2,
          "%d vs %d hits; %s" % (len(one), len(many), sorted(one ^ many)[:2]))
    # --mpi: the shard from the launcher's rank and size (no launcher needed to test it)
    mpi_dir = os.path.join(work, "mpi")
    for rank in range(3):
        env = dict(os.environ, OMPI_COMM_WORLD_RANK=str(rank), OMPI_COMM_WORLD_SIZE="3")
        p = subprocess.run([g, "index", "-q", "--mpi", "--device", "ref", "--batch-mb", "1", "-o",
                            mpi_dir, *files], capture_output=True, text=True, env=env)
        check("index --mpi as rank %d of 3" % rank, p.returncode == 0, p.stderr)
    mpi_shards = [os.path.join(mpi_dir, "shard-%d" % k) for k in range(1, 4)]
    got = [json.loads(galley(g, "stats", "--json", x)[1] or "{}").get("documents") for x in mpi_shards]
    check("--mpi ranks 0-2 of 3 wrote shard-1..3, the documents of --shard 1/3..3/3 (%s)" % got,
          got == sizes, "%s vs %s" % (got, sizes))
    p = subprocess.run([g, "index", "-q", "--mpi", "-o", os.path.join(work, "nompi"), files[0]],
                       capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items()
                            if not k.startswith(("OMPI_", "PMI_", "SLURM_"))})
    check("--mpi outside a launcher: exit 2 saying so",
          p.returncode == 2 and "no MPI rank" in p.stderr, "exit %d: %s" % (p.returncode, p.stderr))

    for extra in (["--shard", "2/3"], []):
        rc, _, err = galley(g, "index", "-q", "--append", *extra, "-o", shards[0], files[0])
        check("--append %s to shard 1/3: exit 2 naming both" % (" ".join(extra) or "without --shard"),
              rc == 2 and "holds shard 1/3" in err, "exit %d: %s" % (rc, err))
    rc, _, err = galley(g, "index", "-q", "--shard", "4/3", "-o", os.path.join(work, "bad"), files[0])
    check("--shard 4/3: exit 2", rc == 2 and "--shard needs K/N" in err, "exit %d: %s" % (rc, err))

    rc, _, err = galley(g, "query", first, w[0], w[1])
    check("a query's words as two arguments: exit 2 asking to quote it",
          rc == 2 and "quote it" in err, "exit %d: %s" % (rc, err))
    rc, _, err = galley(g, "query", first, rest, w[0], "--queries", qfile)
    check("QUERY and --queries: exit 2", rc == 2 and "not both" in err, "exit %d: %s" % (rc, err))
    for cmd in (["query"], ["entities"], ["bench", "query"]):
        tail = [w[0]] if cmd == ["query"] else [qfile] if cmd[0] == "bench" else []
        rc, _, err = galley(g, *cmd, first, rest, first + "/", *tail)
        check("%s with an index twice: exit 2 naming it" % " ".join(cmd),
              rc == 2 and "is given twice" in err, "exit %d: %s" % (rc, err))
    missing = os.path.join(work, "missing")
    rc, _, err = galley(g, "query", first, missing, rest, "--queries", qfile)
    check("a missing index among several: exit 2 naming it",
          rc == 2 and "'%s' is not an index directory" % missing in err, "exit %d: %s" % (rc, err))
    rc, _, err = galley(g, "query", missing, w[0])
    check("one missing index: exit 3 (as before)", rc == 3, "exit %d: %s" % (rc, err))
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
