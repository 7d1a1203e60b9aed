#!/usr/bin/env python3
"""galley index --shards N: every shard of one run, from one process.

`galley index --shards 3 -o DIR INPUTS` reads the inputs once and must write
DIR/shard-1..3, each table byte for byte what `galley index --shard K/3`
writes of the same inputs alone; an --append of another file to DIR adds to
each shard what `--shard K/3 --append` adds to it.  Killed after some
commits, every shard verifies and holds whole batches, and `--resume
--shards 3` completes each to what an uninterrupted run writes (the same
tables, and postings that answer the same).  An input
broken partway (--strict) fails the run with exit 4 naming the file and
line, and every shard keeps what it committed (it verifies).  DIR given
where an index goes reads as its shards: `galley query`, `entities` and
`bench query` answer as the whole index, `galley merge -o M DIR` writes it
byte for byte; with a shard missing, or an index there that is not shard K
of the run, they fail with exit 3 naming it; `show --all` prints the
documents in the inputs' order (shard after shard once `--append` added
other inputs); `stats` and `optimize` take its shards in turn (queries
answer the same after; stats adds them up), `verify` checks them at once
and reports them in order (a damaged shard in its place; every shard
damaged: exit 3, never a signal),
`show` and `delete` find an id in whichever shard holds it, `delete
--query` of a capped prefix takes what the query over DIR shows (a document
number, which names one shard's document, is refused), `compact` says it
holds shards, and an index is not made there (--append without --shards:
exit 2).  Usage errors:
--shards 1, and --shards with --shard, --mpi or --replace.
Skipped (77) when mdb_dump is missing.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402
from test_corruption import dump, flip_copy  # noqa: E402
from test_merge import TABLES, build, corpus_queries, write_parts  # noqa: E402


def shard_dirs(out):
    return [os.path.join(out, "shard-%d" % k) for k in (1, 2, 3)]


def same_tables(f, left, right, what, skip=()):
    for t in TABLES:
        if t in skip:
            continue
        f.check(rc_.dump_table(left, t) == rc_.dump_table(right, t),
                "%s: table %s of %s differs from %s's" % (what, t, left, right))


def check_equal_to_alone(a, f):
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    parts, _ = write_parts(a)
    out = os.path.join(a.work, "all")
    build(a, f, out, "--shards", "3", *parts[:2])
    f.check(sorted(os.listdir(out)) == ["shard-1", "shard-2", "shard-3"],
            "--shards 3 wrote %s" % sorted(os.listdir(out)))
    alone = [os.path.join(a.work, "alone-%d" % k) for k in (1, 2, 3)]
    for k, d in enumerate(alone, 1):
        build(a, f, d, "--shard", "%d/3" % k, *parts[:2])
    for k in range(3):
        same_tables(f, shard_dirs(out)[k], alone[k], "--shards 3, shard %d" % (k + 1))
        f.check(rc_.stats(a.galley, shard_dirs(out)[k]).get("shard") == "%d/3" % (k + 1),
                "stats of %s does not name shard %d/3" % (shard_dirs(out)[k], k + 1))
    build(a, f, out, "--append", "--shards", "3", parts[2])
    for k, d in enumerate(alone, 1):
        build(a, f, d, "--append", "--shard", "%d/3" % k, parts[2])
    for k in range(3):
        same_tables(f, shard_dirs(out)[k], alone[k], "--append --shards 3, shard %d" % (k + 1))
    # a later run's other inputs: not one run's order any more, so shard after shard
    rc, got, err = rc_.run([a.galley, "show", out, "--all"], timeout=300)
    each = []
    for d in shard_dirs(out):
        each += rc_.run([a.galley, "show", d, "--all"], timeout=300)[1].splitlines()
    f.check(rc == 0 and got.splitlines() == each,
            "show DIR --all after --append: exit %d, %d lines, not shard after shard: %s"
            % (rc, len(got.splitlines()), err.strip()))
    print("--shards 3 wrote the tables of --shard 1/3..3/3, and appended as they did")


def check_read_as_one(a, f):
    """The directory of shards given where an index goes: read as all of them."""
    parts, queries = write_parts(a)
    out, whole = os.path.join(a.work, "one-run"), os.path.join(a.work, "whole")
    build(a, f, out, "--shards", "3", *parts)
    build(a, f, whole, *parts)
    ids_dir = rc_.query_ids(a.galley, out, queries)
    ids_whole = rc_.query_ids(a.galley, whole, queries)
    hits = sum(len(v) for v in ids_whole.values())
    f.check(ids_dir == ids_whole, "query DIR of shards: not the ids of the whole index")
    rc, got, err = rc_.run([a.galley, "entities", out, "--top", "0", "--json"])
    rc2, want, _ = rc_.run([a.galley, "entities", whole, "--top", "0", "--json"])
    f.check(rc == 0 and sorted(got.splitlines()) == sorted(want.splitlines()),
            "entities DIR of shards: exit %d, not the whole index's list: %s" % (rc, err.strip()))
    qfile = os.path.join(a.work, "queries.txt")
    with open(qfile, "w") as fh:
        fh.write("".join(q + "\n" for q in queries))
    rc, got, err = rc_.run([a.galley, "bench", "query", out, qfile, "--runs", "1"])
    f.check(rc == 0 and "3 indexes as one" in got, "bench query DIR: exit %d: %s%s" % (rc, got, err))
    merged = os.path.join(a.work, "merged")
    rc, _, err = rc_.run([a.galley, "merge", "-q", "--device", "ref", "--batch-mb", "1", "-o",
                          merged, out], timeout=600)
    f.check(rc == 0, "merge DIR of shards: exit %d: %s" % (rc, err.strip()))
    same_tables(f, merged, whole, "merge of the --shards 3 directory")
    rc, _, err = rc_.run([a.galley, "merge", "-q", "-o", out, out])
    f.check(rc == 2 and "both the output and a source" in err, "merge -o DIR DIR: exit %d: %s"
            % (rc, err.strip()))
    rc, _, err = rc_.run([a.galley, "query", out, os.path.join(out, "shard-2"), "said", "--count"])
    f.check(rc == 2 and "given twice" in err, "DIR and DIR/shard-2: exit %d: %s" % (rc, err.strip()))
    print("query, entities, bench query and merge read DIR as its 3 shards (%d hits of %d "
          "queries as the whole index's)" % (hits, len(queries)))
    # stats, verify and optimize: each shard in turn
    rc, got, err = rc_.run([a.galley, "stats", "--json", out])
    docs = [json.loads(line)["documents"] for line in got.splitlines()] if rc == 0 else []
    f.check(len(docs) == 3 and sum(docs) == rc_.stats(a.galley, whole)["documents"],
            "stats --json DIR: exit %d, documents %s: %s" % (rc, docs, err.strip()))
    rc, got, err = rc_.run([a.galley, "stats", out])
    f.check(rc == 0 and ("documents:          %d (" % sum(docs)) in got.split("all 3 shards")[-1],
            "stats DIR: exit %d, no total of %d documents after the shards: %s"
            % (rc, sum(docs), got[-400:] + err))
    rc, _, err = rc_.run([a.galley, "verify", out], timeout=300)
    said = [line.split("'")[1] for line in err.splitlines() if line.startswith("galley: verified")]
    f.check(rc == 0 and err.count("; 0 problems") == 3 and said == shard_dirs(out),
            "verify DIR: exit %d, the shards in order: %s" % (rc, err.strip()))
    # the shards are checked at once: a damaged one's problems and error
    # still come in its place, after the sound ones before it
    bad = os.path.join(a.work, "damaged")
    rng = random.Random(a.seed)

    def damage(shards, flips):
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(out, bad)
        for k in shards:
            data = os.path.join(bad, "shard-%d" % k, "data.mdb")
            raw = bytearray(open(data, "rb").read())
            for _ in range(flips):
                raw[rng.randrange(16 * 4096, len(raw))] ^= rng.randrange(1, 256)
            open(data, "wb").write(bytes(raw))
    # every shard damaged, checked at once: a damaged page that LMDB faults
    # on brings back the thread that read it, never another (fault_guard.h);
    # one in a few hundred damages a page that opening an index or reading
    # its origin reads (once a signal: store.c, index_dirs.c)
    for trial in range(24):
        damage((1, 2, 3), 200)
        rc, _, err = rc_.run([a.galley, "verify", "-q", bad], timeout=300)
        f.check(rc == 3, "verify DIR with every shard damaged (trial %d, seed %d): exit %d "
                "(want 3): %s" % (trial, a.seed, rc, err.strip()[-300:]))
    damage((2,), 30)
    rc, got, err = rc_.run([a.galley, "verify", bad], timeout=300)
    lines = err.splitlines()
    first = [min([i for i, line in enumerate(lines) if "shard-%d" % k in line] or [-1])
             for k in (1, 2, 3)]
    f.check(rc == 3 and -1 not in first and first == sorted(first) and
            "; 0 problems" not in lines[first[1]] and "; 0 problems" in lines[first[2]],
            "verify DIR with shard 2 damaged: exit %d, stdout %d lines: %s"
            % (rc, len(got.splitlines()), err.strip()[-600:]))
    # the header of shard 2's batch statistics damaged (its eighth byte is
    # always 0): every command that opens the shard stops there, naming it;
    # verify still checks every shard, in order (it stopped at the shards'
    # check, naming none and saying nothing of the others)
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(out, bad)
    stats = [v for _, v in dump(os.path.join(out, "shard-2"), "docstats")]
    if f.check(len(stats) >= 1 and flip_copy(os.path.join(out, "shard-2"),
                                             os.path.join(bad, "shard-2"), stats[0], rng,
                                             within=(7, 8)),
               "shard 2's docstats record found in its data.mdb"):
        rc, _, err = rc_.run([a.galley, "verify", bad], timeout=300)
        lines = err.splitlines()
        f.check(rc == 3 and len(lines) >= 4 and "shard-1" in lines[0] and "; 0 problems" in lines[0]
                and "shard-2" in lines[1] and "; 0 problems" not in lines[1]
                and "shard-3" in lines[-1] and "; 0 problems" in lines[-1],
                "verify DIR with shard 2's docstats damaged: exit %d: %s" % (rc, err.strip()[-600:]))
        rc, _, err = rc_.run([a.galley, "query", bad, "--count", "w1*"])
        f.check(rc == 3 and os.path.join(bad, "shard-2") in err,
                "query DIR with shard 2's docstats damaged: exit %d: %s" % (rc, err.strip()))
    rc, _, err = rc_.run([a.galley, "optimize", out], timeout=600)
    f.check(rc == 0 and err.count("galley: optimized") == 3, "optimize DIR: exit %d: %s"
            % (rc, err.strip()))
    f.check(rc_.query_ids(a.galley, out, queries) == ids_whole,
            "query DIR after optimize DIR: not the ids of the whole index")
    # show and delete: the shard that holds an id, every shard's matches
    lines = open(parts[0]).read().splitlines()
    ids = [json.loads(line)["id"] for line in lines[:40]]
    rc, got, err = rc_.run([a.galley, "show", out, ids[7], "--json"])
    f.check(rc == 0 and json.loads(got or "{}").get("id") == ids[7],
            "show DIR ID: exit %d: %s" % (rc, err.strip()))
    # every document in the inputs' order, as the whole index prints them
    # (each numbered by its shard)
    rc, got, err = rc_.run([a.galley, "show", out, "--all"], timeout=300)
    _, want, _ = rc_.run([a.galley, "show", whole, "--all"], timeout=300)

    def but_numbers(text):
        return [{k: v for k, v in json.loads(line).items() if k != "doc"}
                for line in text.splitlines()]
    f.check(rc == 0 and want and but_numbers(got) == but_numbers(want),
            "show DIR --all: exit %d, %d lines, not the whole index's documents in its order: %s"
            % (rc, len(got.splitlines()), err.strip()))
    for args, says in ((["show", out, "#1"], "names a document of one shard"),
                       (["delete", out, "#1"], "numbers a document of one shard")):
        rc, _, err = rc_.run([a.galley] + args)
        f.check(rc == 2 and says in err, "%s: exit %d: %s" % (" ".join(args[:1] + args[2:]), rc,
                                                             err.strip()))
    check_delete_shard_held(a, f, out, queries[0])
    intact = os.path.join(a.work, "before-deletes")  # for the capped prefix below
    shutil.copytree(out, intact)
    rc, _, err = rc_.run([a.galley, "delete", out, ids[0], ids[1], ids[2], "no-such-id"])
    f.check(rc == 1 and "no document with id 'no-such-id'" in err and "deleted 3 documents" in err,
            "delete DIR 3 ids and a missing one: exit %d: %s" % (rc, err.strip()))
    q = queries[0]
    rc, _, err = rc_.run([a.galley, "delete", out, "--query", q])
    left = rc_.query_counts(a.galley, out, [q]).get(q)
    f.check(rc == 0 and left == 0, "delete DIR --query %r: exit %d, %s left: %s"
            % (q, rc, left, err.strip()))
    gone = rc_.query_ids(a.galley, out, queries[1:])
    f.check(all(not (set(ids[:3]) & v) for v in gone.values()),
            "a deleted id is still found in DIR")
    # a capped prefix deletes what the query over DIR shows, and no more:
    # shard by shard it would grow into each shard's own first terms
    prefix = None
    for p in ("w1*", "wa*", "w*", "s*", "c*", "t*"):  # its words are w and hex digits
        rc, got, err = rc_.run([a.galley, "query", intact, p, "--ids"])
        if rc == 0 and "matches more than" in err:
            prefix = p
            break
    f.check(prefix is not None, "no prefix tried passes the cap in the test corpus")
    if prefix:
        shown = set(got.split())
        alone = sum(int(rc_.run([a.galley, "query", d, prefix, "--count"])[1] or 0)
                    for d in shard_dirs(intact))

        def live():
            return [json.loads(line)["id"]
                    for line in rc_.run([a.galley, "show", intact, "--all"], timeout=300)[1].splitlines()]
        before = live()
        rc, _, err = rc_.run([a.galley, "delete", intact, "--query", prefix])
        after = live()
        f.check(rc == 0 and "the query matched %d documents" % len(shown) in err and
                len(after) == len(before) - len(shown) and not shown & set(after),
                "delete DIR --query %s: exit %d, %d of %d documents left, the query showed %d: %s"
                % (prefix, rc, len(after), len(before), len(shown), err.strip()))
        print("delete DIR --query %s took the %d documents the query over DIR shows (shard by "
              "shard it would match %d)" % (prefix, len(shown), alone))
    # a command of one index, given the directory: says what it holds
    rc, _, err = rc_.run([a.galley, "compact", out, os.path.join(a.work, "copy")])
    f.check(rc == 3 and "holds the shards of one" in err, "compact DIR: exit %d: %s"
            % (rc, err.strip()))
    rc, _, err = rc_.run([a.galley, "index", "-q", "--append", "-o", out, parts[0]])
    f.check(rc == 2 and "add to them with --shards N --append" in err and
            not os.path.exists(os.path.join(out, "data.mdb")),
            "index --append -o DIR without --shards: exit %d: %s" % (rc, err.strip()))
    # every shard must be there, and be one of the run's
    os.rename(os.path.join(out, "shard-2"), os.path.join(a.work, "away"))
    rc, _, err = rc_.run([a.galley, "query", out, "said", "--count"])
    f.check(rc == 3 and "shard 2 of them is missing" in err, "shard 2 moved away: exit %d: %s"
            % (rc, err.strip()))
    shutil.copytree(whole, os.path.join(out, "shard-2"))
    rc, _, err = rc_.run([a.galley, "query", out, "said", "--count"])
    f.check(rc == 3 and "is not shard 2 of a run" in err, "a whole index as shard-2: exit %d: %s"
            % (rc, err.strip()))


def check_delete_shard_held(a, f, out, q):
    """A shard another writer holds (an --append waiting on its input)
    stops `delete DIR` before any shard has deleted anything."""
    held = shard_dirs(out)[-1]
    holder, busy, deadline = None, False, time.time() + 120
    try:
        # the probe (a delete of no id) takes the lock for a moment too: a
        # holder that met it starts again
        while not busy and time.time() < deadline:
            if holder is None or holder.poll() is not None:
                holder = subprocess.Popen([a.galley, "index", "-q", "--device", "ref", "-o", held,
                                           "--shard", "3/3", "--append", "-"],
                                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            time.sleep(0.3)
            rc, _, err = rc_.run([a.galley, "delete", held, "no-such-id"])
            busy = rc == 3 and "being written" in err
        f.check(busy, "the --append holding shard 3 took its writer lock")
        before = rc_.query_counts(a.galley, out, [q]).get(q)
        rc, _, err = rc_.run([a.galley, "delete", out, "--query", q])
        after = rc_.query_counts(a.galley, out, [q]).get(q)
        f.check(rc == 3 and "nothing deleted" in err and after == before and before,
                "delete DIR with shard 3 held: exit %d, %s -> %s matches: %s"
                % (rc, before, after, err.strip()))
    finally:
        if holder:
            holder.stdin.close()
            holder.wait(timeout=120)


def index_argv(a, out, src, *extra):
    return [a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "--shards", "3",
            "-o", out, src] + list(extra)


def check_kill_resume(a, f):
    src = os.path.join(a.work, "big.jsonl")
    rc_.write_news_corpus(src, a.seed + 1, 12)
    whole = os.path.join(a.work, "whole")
    rc, _, err = rc_.run(index_argv(a, whole, src), timeout=600)
    f.check(rc == 0, "--shards 3 of 12 MB: exit %d: %s" % (rc, err.strip()))
    want = [rc_.stats(a.galley, d)["documents"] for d in shard_dirs(whole)]
    killed = os.path.join(a.work, "killed")
    os.makedirs(killed)
    # shard 1's index exists from the start: poll it for two commits
    was_killed = rc_.kill_after_commits(a.galley, index_argv(a, killed, src),
                                        shard_dirs(killed)[0], 2)
    got = []
    for d in shard_dirs(killed):
        if not os.path.exists(os.path.join(d, "data.mdb")):
            got.append(0)
            continue
        vrc, vout = rc_.verify(a.galley, d)
        f.check(vrc == 0, "verify %s after the kill: exit %d: %s" % (d, vrc, vout.strip()[-600:]))
        got.append(rc_.stats(a.galley, d)["documents"])
    print("killed: %s, with %s of %s documents committed" % (was_killed, got, want))
    f.check(all(g <= w for g, w in zip(got, want)), "more documents than a whole run: %s" % got)
    rc, _, err = rc_.run(index_argv(a, killed, src, "--resume"), timeout=600)
    f.check(rc == 0, "--resume --shards 3: exit %d: %s" % (rc, err.strip()))
    # the postings of a batch after the resume may be packed into other
    # records (a run that extends an index does not know where LMDB's last
    # leaf page ends: chunk_blocks.h); they must answer the same
    queries = corpus_queries(src, a.seed + 1)
    for k in range(3):
        same_tables(f, shard_dirs(killed)[k], shard_dirs(whole)[k],
                    "killed and resumed, shard %d" % (k + 1), skip=("postings",))
        rc_.same_answers(a, f, shard_dirs(killed)[k], shard_dirs(whole)[k], queries,
                         "killed and resumed, shard %d" % (k + 1))
        vrc, vout = rc_.verify(a.galley, shard_dirs(killed)[k])
        f.check(vrc == 0, "verify shard %d after --resume: exit %d: %s" % (k + 1, vrc, vout[-600:]))


def check_input_error(a, f):
    src = os.path.join(a.work, "broken.jsonl")
    lines = rc_.write_news_corpus(src, a.seed + 2, 8, bad_line=None)
    bad_line = lines * 3 // 4
    rc_.write_news_corpus(src, a.seed + 2, 8, bad_line=bad_line)
    out = os.path.join(a.work, "broken")
    rc, _, err = rc_.run(index_argv(a, out, src, "--strict"), timeout=600)
    f.check(rc == 4 and ("broken.jsonl:%d:" % (bad_line + 1)) in err,
            "--strict with line %d broken: exit %d: %s" % (bad_line + 1, rc, err.strip()))
    f.check(len(err.strip().splitlines()) == 1, "more than one line of error: %r" % err)
    total = 0
    for d in shard_dirs(out):
        vrc, vout = rc_.verify(a.galley, d)
        f.check(vrc == 0, "verify %s after the input error: exit %d: %s" % (d, vrc, vout[-600:]))
        total += rc_.stats(a.galley, d)["documents"]
    f.check(0 < total <= bad_line, "the shards hold %d documents; %d came before the broken "
            "line" % (total, bad_line))
    print("broken line %d: exit 4, %d documents committed over the shards" % (bad_line + 1, total))


def check_usage(a, f):
    src = os.path.join(a.work, "tiny.jsonl")
    with open(src, "w") as fh:
        fh.write('{"id": "1", "title": "A title", "body": "Some text."}\n')
    out = os.path.join(a.work, "usage")
    for extra, says in ((["--shards", "1"], "--shards needs a number"),
                        (["--shards", "x"], "--shards needs a number"),
                        (["--shards", "65"], "--shards needs a number from 2 to 64"),
                        (["--shards", "3", "--shard", "1/3"], "not two of them"),
                        (["--shards", "3", "--mpi"], "not two of them"),
                        (["--shards", "3", "--replace"], "--replace works on one index")):
        rc, _, err = rc_.run([a.galley, "index", "-q", "-o", out, src] + extra)
        f.check(rc == 2 and says in err, "%s: exit %d: %s" % (" ".join(extra), rc, err.strip()))
    f.check(not os.path.exists(out), "a refused run made %s" % out)
    missing = os.path.join(a.work, "missing.jsonl")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--shards", "2", "-o", out, missing])
    f.check(rc == 4 and not os.path.exists(out),
            "--shards 2 of a missing input: exit %d (%s), index made: %s"
            % (rc, err.strip(), os.path.exists(out)))


def main():
    a = rc_.parse_args(__doc__)
    f = rc_.Failures("shards")
    rc_.run_checks(a, f, check_equal_to_alone, check_read_as_one, check_kill_resume,
                  check_input_error, check_usage)


if __name__ == "__main__":
    main()
