#!/usr/bin/env python3
"""galley index --replace and galley delete: documents taken out by id.

On a generated corpus (no ../shared needed), indexed in 1 MB batches, then
a later dump appended with --replace: corrected versions of one document in
twenty, one id corrected twice in the same dump (the later wins) and new
documents.  The reference is one index of what should be left: the first
dump without the corrected ids, then the corrections without the
superseded copy.  Checked:
  - the summary and `stats` count the replaced documents; `verify` is clean;
  - every query (words, phrases, entities, title:, NOT, prefixes) finds the
    reference's documents, and counts them alike (--count, its fast path for
    a word included);
  - searched together with the reference, every count is twice its own;
  - `show ID` gives the latest version, `show #N` of a replaced one exits 1,
    `show --all` lists the reference's documents in order;
  - `entities` names and counts every entity (documents, mentions) as the
    reference does, in the same order, and so do `--match`, `--in QUERY` and
    `--with NAME`;
  - `merge` of it writes every content table byte for byte as the reference;
  - `optimize` keeps all of it (and `show ID` through the rebuilt ids table),
    and purges the replaced documents: `stats` counts them purged, tokens and
    terms equal the reference's, and so do the top hits' ids and BM25 scores;
    a word whose first document was replaced moves to the lexicon of the
    later batch that has it (several groups); documents deleted after that
    (pending beside purged) leave every answer, and a second optimize purges
    them too, packing again only the blocks of stored text that held them;
    an optimize killed while it writes the new file leaves the index as it
    was (nothing purged), and the next one purges; a document marked purged
    that still has postings is a problem `verify` names; with --text-level 0 the purged documents keep their text;
  - `delete` of ids: the documents leave every answer, a missing id exits 1
    and is named, `--ids -` reads ids from standard input (a query's --ids
    piped in), `#N` deletes by number, `--query` what a query matches (a
    bad one exits 2, one that matches nothing 1); an id held several times in one
    batch and another goes whole, looked up in the ids table or read;
  - a --replace run killed after some of its commits and resumed (with or
    without --replace) ends as the run that was not killed, byte for byte,
    its deletions included; a run without it is not resumed with it;
  - --replace-by url replaces pages crawled again (new ids, same urls);
  - usage: --replace with --shard, delete without ids (exit 2); delete of no
    index (exit 3);
  - a flipped byte in a deleted record: verify, query and show exit 3.
Skipped (77) when mdb_dump is missing.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402
from test_corruption import dump  # noqa: E402
from test_merge import TABLES  # noqa: E402
from test_optimize import corpus_queries  # noqa: E402


def galley(a, *args, stdin=None):
    return rc_.run([a.galley] + list(args), stdin=stdin, timeout=600)


def build(a, f, out, *args):
    rc, _, err = galley(a, "index", "--device", "ref", "--batch-mb", "1", "-o", out, *args)
    f.check(rc == 0, "index -o %s %s: exit %d: %s" % (out, " ".join(args), rc, err.strip()))
    return err


def write_dumps(a):
    """The first dump, the later one, the reference's two files, the ids
    replaced, the id corrected twice, and the queries."""
    first = os.path.join(a.work, "first.jsonl")
    rc_.write_news_corpus(first, a.seed, 3)
    recs = [json.loads(l) for l in open(first)]
    rnd = random.Random(a.seed)
    fixed = sorted(rnd.sample(range(len(recs)), len(recs) // 20))
    # a word new to the index in a document that is replaced: its corrected
    # copy, in a later batch, is the first live one to hold it
    recs[fixed[0]]["body"] += " Zqcarry note."
    with open(first, "w") as out:
        for r in recs:
            out.write(json.dumps(r) + "\n")
    later = []
    for i in fixed:
        r = dict(recs[i])
        r["title"] = "Corrected " + r["title"]
        r["body"] = r["body"] + " Corrected zqfix version one."
        later.append(r)
    twice = dict(later[len(later) // 2])
    twice["body"] = twice["body"].replace("version one", "version two zqtwo")
    later.insert(len(later) * 3 // 4, twice)
    for n in range(40):
        later.append({"id": "new%d" % n, "title": "New report %d" % n,
                      "body": "Fresh zqnew report %d from Oslo by Anna Berg." % n})
    later_path = os.path.join(a.work, "later.jsonl")
    with open(later_path, "w") as out:
        for r in later:
            out.write(json.dumps(r) + "\n")
    replaced = {recs[i]["id"] for i in fixed}
    kept = os.path.join(a.work, "kept.jsonl")
    with open(kept, "w") as out:
        for r in recs:
            if r["id"] not in replaced:
                out.write(json.dumps(r) + "\n")
    # the later dump without the copy its second version supersedes
    first_copy = next(k for k, r in enumerate(later) if r["id"] == twice["id"])
    final = os.path.join(a.work, "final.jsonl")
    with open(final, "w") as out:
        for k, r in enumerate(later):
            if k != first_copy:
                out.write(json.dumps(r) + "\n")
    queries = corpus_queries(first, a.seed) + ["zqfix", "zqtwo", "zqnew", '"version one"',
                                               "corrected", "title:corrected", 'entity:"Anna Berg"',
                                               "zqcarry", "zqcarr*"]
    return first, later_path, kept, final, replaced, twice["id"], queries


def show_all_docs(a, index):
    """show --all without what names the index's own numbering and files."""
    rc, out, err = galley(a, "show", index, "--all")
    if rc != 0:
        raise AssertionError("show --all %s: exit %d: %s" % (index, rc, err.strip()))
    docs = []
    for line in out.splitlines():
        d = json.loads(line)
        for k in ("doc", "source"):
            d.pop(k, None)
        docs.append(d)
    return docs


def same_as_reference(a, f, index, ref, queries, what):
    ids_i, ids_r = rc_.query_ids(a.galley, index, queries), rc_.query_ids(a.galley, ref, queries)
    n_i, n_r = rc_.query_counts(a.galley, index, queries), rc_.query_counts(a.galley, ref, queries)
    for q in queries:
        f.check(ids_i[q] == ids_r[q], "%s: %r finds %d documents, the reference %d"
                % (what, q, len(ids_i[q]), len(ids_r[q])))
        f.check(n_i.get(q) == n_r.get(q), "%s: %r --count %s, the reference %s"
                % (what, q, n_i.get(q), n_r.get(q)))
    names = []
    for ix in (index, ref):
        rc, out, err = galley(a, "entities", ix, "--top", "0", "--json")
        names.append([(e["entity"], e["key"], e["docs"], e["mentions"])
                      for e in map(json.loads, out.splitlines())] if rc == 0 else err)
    f.check(names[0] == names[1] and names[0], "%s: entities (names, counts, order) differ from "
            "the reference's" % what)
    rc, out, _ = galley(a, "entities", index, "--match", "berg", "--json")
    rc2, out2, _ = galley(a, "entities", ref, "--match", "berg", "--json")
    f.check(rc == rc2 == 0 and out == out2 and out, "%s: entities --match differs" % what)
    for sel in (["--in", "corrected OR zqnew"], ["--with", "Anna Berg"]):
        rows = []
        for ix in (index, ref):
            rc, out, err = galley(a, "entities", ix, "--top", "0", "--json", *sel)
            rows.append(sorted((e["key"], e["docs"], e["mentions"], e["shared_docs"])
                               for e in map(json.loads, out.splitlines())) if rc == 0 else err)
        f.check(rows[0] == rows[1] and rows[0], "%s: entities %s differ from the reference's"
                % (what, " ".join(sel)))
    print("%s: %d queries answered as the reference (%d hits)"
          % (what, len(queries), sum(len(v) for v in ids_r.values())))


def check_replace(a, f, dumps, idx, ref):
    first, later, kept, final, replaced, twice, queries = dumps
    build(a, f, idx, first)
    err = build(a, f, idx, "--append", "--replace", later)
    want = len(replaced) + 1  # and the superseded copy of the id given twice
    f.check("%d earlier documents replaced" % want in err, "summary: %s" % err.strip())
    f.check(rc_.stats(a.galley, idx)["deleted_documents"] == want, "stats: not %d deleted" % want)
    rc, out = rc_.verify(a.galley, idx)
    f.check(rc == 0 and "%d deleted; 0 problems" % want in out, "verify: exit %d: %s" % (rc, out))
    build(a, f, ref, kept, final)
    same_as_reference(a, f, idx, ref, queries, "--replace")
    f.check(show_all_docs(a, idx) == show_all_docs(a, ref), "show --all differs from the reference")
    # searched with another index, as shards are: each leaves out its own deleted
    text = "".join(q + "\n" for q in queries).encode()
    rc, out, err = galley(a, "query", idx, ref, "--queries", "-", "--count", stdin=text)
    both = {q: int(n) for n, _, q in (l.partition("\t") for l in out.splitlines())}
    alone = rc_.query_counts(a.galley, ref, queries)
    f.check(rc in (0, 1) and all(both.get(q) == 2 * alone[q] for q in queries),
            "query of it and the reference together: exit %d, counts not twice the reference's: %s"
            % (rc, err.strip()))
    rc, out, err = galley(a, "show", idx, twice, "--json")
    f.check(rc == 0 and "zqtwo" in out, "show %s: exit %d: not the second version" % (twice, rc))
    some = sorted(replaced)[0]
    rc, out, _ = galley(a, "show", idx, some, "--json")
    f.check(rc == 0 and "zqfix" in out, "show %s: exit %d: not the corrected version" % (some, rc))
    old_doc = [json.loads(l)["id"] for l in open(first)].index(some)
    rc, _, err = galley(a, "show", idx, "#%d" % old_doc)
    f.check(rc == 1 and "deleted or replaced" in err, "show #%d (replaced): exit %d: %s"
            % (old_doc, rc, err.strip()))


def check_purged(a, f, index, ref, queries, what):
    """index, optimized, has every deleted document purged: counted so, its
    statistics and scores are the reference's."""
    st, st_ref = rc_.stats(a.galley, index), rc_.stats(a.galley, ref)
    f.check(st["purged_documents"] == st["deleted_documents"] > 0,
            "%s: %d deleted, %d purged" % (what, st["deleted_documents"], st["purged_documents"]))
    for k in ("tokens", "terms"):
        f.check(st[k] == st_ref[k], "%s: %s %d, the reference %d" % (what, k, st[k], st_ref[k]))
    rc, out = rc_.verify(a.galley, index)
    f.check(rc == 0, "%s: verify: exit %d: %s" % (what, rc, out))
    mine = rc_.top_hits(a.galley, index, queries)
    theirs = rc_.top_hits(a.galley, ref, queries)
    differ = [q for q in queries if mine[q] != theirs[q]]
    f.check(not differ, "%s: top hits or scores differ from the reference's for %d queries, "
            "e.g. %r: %s / %s" % (what, len(differ), differ[0] if differ else "",
                                  mine[differ[0]][:3] if differ else "",
                                  theirs[differ[0]][:3] if differ else ""))
    same_as_reference(a, f, index, ref, queries, what)


def check_merge_optimize(a, f, dumps, idx, ref):
    queries, twice = dumps[6], dumps[5]
    merged = os.path.join(a.work, "merged")
    rc, _, err = galley(a, "merge", "--device", "ref", "--batch-mb", "1", "-o", merged, idx)
    f.check(rc == 0, "merge: exit %d: %s" % (rc, err.strip()))
    for t in TABLES:
        if t != "files":  # the paths of the reference's inputs are others
            f.check(rc_.dump_table(merged, t) == rc_.dump_table(ref, t),
                    "table %s of the merge differs from the reference's" % t)
    opt = os.path.join(a.work, "optimized")
    shutil.copytree(idx, opt)
    rc, _, err = galley(a, "optimize", "-q", opt)
    f.check(rc == 0, "optimize: exit %d: %s" % (rc, err.strip()))
    rc, out = rc_.verify(a.galley, opt)
    f.check(rc == 0, "verify the optimized index: exit %d: %s" % (rc, out))
    same_as_reference(a, f, opt, ref, queries, "optimized")
    rc, out, _ = galley(a, "show", opt, twice, "--json")
    f.check(rc == 0 and "zqtwo" in out, "optimized: show %s: exit %d" % (twice, rc))
    check_purged(a, f, opt, ref, queries, "optimized")
    f.check(rc_.query_counts(a.galley, opt, ["zqcarry"])["zqcarry"] == 1,
            "optimized: zqcarry not found once")
    f.check(show_all_docs(a, opt) == show_all_docs(a, ref), "optimized: show --all differs")
    # batches kept apart: zqcarry's lexicon entry moves to the later group
    grouped = os.path.join(a.work, "grouped")
    shutil.copytree(idx, grouped)
    rc, _, err = galley(a, "optimize", "-q", "--group-docs", "1", grouped)
    f.check(rc == 0, "optimize --group-docs 1: exit %d: %s" % (rc, err.strip()))
    check_purged(a, f, grouped, ref, queries, "optimized in groups")
    kept_text = os.path.join(a.work, "kept-text")
    shutil.copytree(idx, kept_text)
    rc, _, err = galley(a, "optimize", "-q", "--text-level", "0", kept_text)
    f.check(rc == 0, "optimize --text-level 0: exit %d: %s" % (rc, err.strip()))
    check_purged(a, f, kept_text, ref, queries, "optimized, text kept")
    check_purge_killed(a, f, idx, ref, queries)
    check_false_purge(a, f, idx, opt)
    check_purge_again(a, f, dumps, opt)


def check_purge_killed(a, f, idx, ref, queries):
    """SIGKILL while optimize writes the new file (its text packed at level
    19 to make that long): the index is the one before, byte for byte."""
    copy = os.path.join(a.work, "purge-killed")
    shutil.copytree(idx, copy)
    data = os.path.join(copy, "data.mdb")
    before = open(data, "rb").read()
    new = os.path.join(copy, "optimize.tmp", "data.mdb")
    p = subprocess.Popen([a.galley, "optimize", "-q", "--text-level", "19", copy],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while p.poll() is None and time.time() - t0 < 60 and not (
            os.path.exists(new) and os.path.getsize(new) > 0):
        time.sleep(0.005)
    time.sleep(0.05)
    p.kill()
    p.wait()
    f.check(p.returncode == -9, "optimize --text-level 19 ended (exit %d) before it was killed"
            % p.returncode)
    f.check(open(data, "rb").read() == before, "a killed optimize changed the index")
    st = rc_.stats(a.galley, copy)
    f.check(st["purged_documents"] == 0 and st["deleted_documents"] > 0,
            "after a killed optimize: %d deleted, %d purged" % (st["deleted_documents"],
                                                              st["purged_documents"]))
    rc, _, err = galley(a, "optimize", "-q", copy)
    f.check(rc == 0 and not os.path.exists(os.path.dirname(new)),
            "optimize after the killed one: exit %d: %s" % (rc, err.strip()))
    check_purged(a, f, copy, ref, queries, "optimized after a killed optimize")


def load_records(index, table, recs):
    """Put the records [(key, value)] into table with mdb_load."""
    text = "VERSION=3\nformat=bytevalue\ndatabase=%s\ntype=btree\nHEADER=END\n" % table
    text += "".join(" %s\n %s\n" % (k.hex(), v.hex()) for k, v in recs) + "DATA=END\n"
    rc, _, err = rc_.run(["mdb_load", "-s", table, index], stdin=text.encode())
    if rc != 0:
        raise AssertionError("mdb_load -s %s: %s" % (table, err.strip()))


def check_false_purge(a, f, idx, opt):
    """One deleted document of idx (pending) marked purged with the record
    optimize wrote for it in opt, and meta counting it: its postings are
    still there, which verify reports."""
    marked = os.path.join(a.work, "false-purge")
    shutil.copytree(idx, marked)
    key, val = dump(opt, "deleted")[0]
    load_records(marked, "deleted", [(key, val)])
    load_records(marked, "meta", [(b"purged", (1).to_bytes(8, "little"))])
    rc, out = rc_.verify(a.galley, marked)
    doc = int.from_bytes(key, "big")
    f.check(rc == 3 and "doc %d is purged" % doc in out and "1 purged" in out,
            "verify of a purged document with postings: exit %d: %s" % (rc, out.strip()[-300:]))


def check_purge_again(a, f, dumps, opt):
    """Documents deleted from a purged index: pending beside purged, they
    leave every answer; a second optimize purges them too."""
    kept, final, queries = dumps[2], dumps[3], dumps[6]
    recs = [json.loads(l) for l in open(kept)]
    gone = {recs[1]["id"], recs[len(recs) // 3]["id"], recs[-1]["id"]}
    rc, _, err = galley(a, "delete", opt, *sorted(gone))
    f.check(rc == 0 and "deleted 3 documents" in err, "delete from the purged index: exit %d: %s"
            % (rc, err.strip()))
    fewer = os.path.join(a.work, "kept-fewer.jsonl")
    with open(fewer, "w") as out:
        for r in recs:
            if r["id"] not in gone:
                out.write(json.dumps(r) + "\n")
    ref2 = os.path.join(a.work, "ref-fewer")
    build(a, f, ref2, fewer, final)
    st = rc_.stats(a.galley, opt)
    f.check(st["deleted_documents"] == st["purged_documents"] + 3,
            "pending beside purged: %d deleted, %d purged" % (st["deleted_documents"],
                                                               st["purged_documents"]))
    rc, out = rc_.verify(a.galley, opt)
    f.check(rc == 0, "verify, pending beside purged: exit %d: %s" % (rc, out))
    same_as_reference(a, f, opt, ref2, queries, "pending beside purged")
    rc, _, err = galley(a, "optimize", opt)
    f.check(rc == 0 and "purged 3 deleted documents" in err, "optimize again: exit %d: %s"
            % (rc, err.strip()))
    # the text packed by the first optimize is packed again only in the
    # blocks that hold the three
    kept_blocks = re.search(r"(\d+) blocks packed before kept", err)
    f.check(kept_blocks and int(kept_blocks.group(1)) > 0,
            "optimize again: every block of stored text packed again: %s" % err.strip())
    check_purged(a, f, opt, ref2, queries, "optimized twice")


def check_delete(a, f, dumps, idx):
    first, queries = dumps[0], dumps[6]
    ids = [json.loads(l)["id"] for l in open(first)]
    copy = os.path.join(a.work, "deleting")
    shutil.copytree(idx, copy)
    before = rc_.query_ids(a.galley, copy, queries)
    gone = {ids[3], ids[len(ids) // 2], "new7"}
    rc, _, err = galley(a, "delete", copy, *(sorted(gone) + ["no-such-id"]))
    f.check(rc == 1 and "no document with id 'no-such-id'" in err and "deleted 3 documents" in err,
            "delete with a missing id: exit %d: %s" % (rc, err.strip()))
    rc, _, err = galley(a, "delete", copy, "--ids", "-", stdin=("%s\n%s\n" % (ids[5], ids[6])).encode())
    f.check(rc == 0 and "deleted 2 documents" in err, "delete --ids -: exit %d: %s" % (rc, err.strip()))
    gone |= {ids[5], ids[6]}
    # by number (#N: documents without an id), and a query's hits piped in
    rc, out, _ = galley(a, "show", copy, ids[9], "--json")
    num = json.loads(out)["doc"] if rc == 0 else -1
    rc, _, err = galley(a, "delete", copy, "#%d" % num)
    f.check(rc == 0 and "deleted 1 documents" in err, "delete #%d: exit %d: %s" % (num, rc, err))
    gone.add(ids[9])
    rc, out, _ = galley(a, "query", copy, "zqnew", "--ids", "--limit", "0")
    piped = set(out.split())
    rc, _, err = galley(a, "delete", copy, "--ids", "-", stdin=out.encode())
    f.check(rc == 0 and "deleted %d documents" % len(piped) in err and len(piped) == 39,
            "query --ids | delete --ids -: exit %d, %d ids: %s" % (rc, len(piped), err.strip()))
    gone |= piped
    rc, _, _ = galley(a, "query", copy, "zqnew")
    f.check(rc == 1, "zqnew still found after its documents were deleted: exit %d" % rc)
    after = rc_.query_ids(a.galley, copy, queries)
    for q in queries:
        f.check(after[q] == before[q] - gone, "after delete: %r finds %d documents, not %d"
                % (q, len(after[q]), len(before[q] - gone)))
    for i in sorted(gone):
        rc, _, _ = galley(a, "show", copy, i)
        f.check(rc == 1, "show of deleted %s: exit %d" % (i, rc))
    rc, out = rc_.verify(a.galley, copy)
    f.check(rc == 0, "verify after delete: exit %d: %s" % (rc, out))
    return copy


def check_delete_query(a, f, copy):
    """delete --query, on a copy of an index with deletions: what the query
    matches goes, in one call."""
    by_query = os.path.join(a.work, "deleting-query")
    shutil.copytree(copy, by_query)
    matching = rc_.query_ids(a.galley, by_query, ['"version one"'])['"version one"']
    rc, _, err = galley(a, "delete", by_query, "--query", '"version one" AND (')
    f.check(rc == 2 and "column" in err, "delete --query of a bad query: exit %d: %s"
            % (rc, err.strip()))
    rc, _, err = galley(a, "delete", by_query, "--query", '"version one"')
    f.check(rc == 0 and len(matching) > 10 and
            "matched %d documents" % len(matching) in err and
            "deleted %d documents" % len(matching) in err,
            "delete --query: exit %d, %d matching: %s" % (rc, len(matching), err.strip()))
    rc, _, err = galley(a, "delete", by_query, "--query", '"version one"')
    f.check(rc == 1 and "matched 0 documents" in err, "delete --query again: exit %d: %s"
            % (rc, err.strip()))
    st, st0 = rc_.stats(a.galley, by_query), rc_.stats(a.galley, copy)
    f.check(st["deleted_documents"] == st0["deleted_documents"] + len(matching),
            "delete --query: %d deleted, not %d" % (st["deleted_documents"],
                                                   st0["deleted_documents"] + len(matching)))
    rc, out = rc_.verify(a.galley, by_query)
    f.check(rc == 0, "verify after delete --query: exit %d: %s" % (rc, out))


def check_delete_duplicates(a, f):
    """An index built without --replace may hold an id several times, in one
    batch (where its ids table names only the first) and in another: delete
    takes them all, whether it looks a few ids up in the ids table or reads
    every document for many."""
    one, two = os.path.join(a.work, "dups1.jsonl"), os.path.join(a.work, "dups2.jsonl")
    with open(one, "w") as out:
        for n in range(2000):
            dup = n in (10, 700, 1999)
            out.write(json.dumps({"id": "dup" if dup else "u%d" % n, "title": "Doc %d" % n,
                                  "text": ("zqdup copy %d" % n) if dup else "plain text %d" % n})
                      + "\n")
    with open(two, "w") as out:
        for n in range(2000, 2100):
            dup = n in (2050, 2051)
            out.write(json.dumps({"id": "dup" if dup else "u%d" % n, "title": "Doc %d" % n,
                                  "text": ("zqdup copy %d" % n) if dup else "plain text %d" % n})
                      + "\n")
    base = os.path.join(a.work, "dups")
    build(a, f, base, one)
    build(a, f, base, "--append", two)
    few, many = os.path.join(a.work, "dups-few"), os.path.join(a.work, "dups-many")
    shutil.copytree(base, few)
    shutil.copytree(base, many)
    rc, _, err = galley(a, "delete", few, "dup")
    f.check(rc == 0 and "deleted 5 documents" in err, "delete of an id held 5 times (by the ids "
            "table): exit %d: %s" % (rc, err.strip()))
    listed = os.path.join(a.work, "dups-ids.txt")
    with open(listed, "w") as out:
        out.write("dup\n" + "".join("u%d\n" % n for n in range(300, 600)) + "dup\n#5\n")
    rc, _, err = galley(a, "delete", many, "--ids", listed)
    f.check(rc == 0 and "deleted 306 documents" in err, "delete of 300 ids, one held 5 times and "
            "given twice, and #5 (every document read): exit %d: %s" % (rc, err.strip()))
    for ix in (few, many):
        rc, out, _ = galley(a, "query", ix, "zqdup", "--count")
        f.check(out.strip() == "0", "%s: zqdup still counts %s" % (ix, out.strip()))
        rc, out = rc_.verify(a.galley, ix)
        f.check(rc == 0, "verify %s: exit %d: %s" % (ix, rc, out))


def flip_everywhere(src, dst, record, at):
    """Copy the index with bit 0 of record[at] flipped wherever record's
    bytes are in data.mdb: the live page and the copies that earlier
    commits left in free pages.  False when they are nowhere."""
    data = open(os.path.join(src, "data.mdb"), "rb").read()
    if record not in data:
        return False
    damaged = record[:at] + bytes([record[at] ^ 1]) + record[at + 1:]
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    open(os.path.join(dst, "data.mdb"), "wb").write(data.replace(record, damaged))
    return True


def check_usage_and_damage(a, f, idx, deleting, replaced):
    rc, _, err = galley(a, "index", "-o", os.path.join(a.work, "sh"), "--shard", "1/2",
                        "--replace", os.path.join(a.work, "later.jsonl"))
    f.check(rc == 2 and "--replace" in err, "--replace with --shard: exit %d: %s" % (rc, err.strip()))
    rc, _, err = galley(a, "delete", idx)
    f.check(rc == 2, "delete without ids: exit %d: %s" % (rc, err.strip()))
    rc, out, _ = galley(a, "delete", "--help")
    f.check(rc == 0 and out.startswith("usage: galley delete"), "delete --help: exit %d" % rc)
    rc, _, err = galley(a, "delete", idx, "--frobnicate", "x")
    f.check(rc == 2 and "unknown option" in err, "delete --frobnicate: exit %d: %s" % (rc, err))
    rc, _, err = galley(a, "delete", idx, "--ids", os.path.join(a.work, "no-such-file"))
    f.check(rc == 4 and "no-such-file" in err, "delete --ids of a missing file: exit %d: %s"
            % (rc, err.strip()))
    nul = os.path.join(a.work, "nul.txt")
    open(nul, "wb").write(b"g1\ng\x002\n")
    rc, _, err = galley(a, "delete", idx, "--ids", nul)
    f.check(rc == 4 and "line 2" in err, "delete --ids with a NUL byte: exit %d: %s"
            % (rc, err.strip()))
    rc, _, err = galley(a, "delete", os.path.join(a.work, "nothing-here"), "x")
    f.check(rc == 3 and "no index" in err, "delete of no index: exit %d: %s" % (rc, err.strip()))
    f.check(not os.path.exists(os.path.join(a.work, "nothing-here")), "delete created a directory")
    recs = dump(deleting, "deleted")
    f.check(len(recs) == replaced + 45, "the deleted table holds %d records, not %d"
            % (len(recs), replaced + 45))
    damaged = os.path.join(a.work, "damaged")
    key, val = recs[len(recs) // 2]
    if not f.check(flip_everywhere(deleting, damaged, key + val, 6),
                   "the deleted record is not in data.mdb"):
        return
    rc, out = rc_.verify(a.galley, damaged)
    f.check(rc == 3 and "deleted" in out, "verify of a damaged deleted record: exit %d: %s"
            % (rc, out.strip()[-300:]))
    for argv in (["query", damaged, "zqfix"], ["show", damaged, "--all"], ["entities", damaged]):
        rc, _, err = galley(a, *argv)
        f.check(rc == 3 and "deleted record" in err, "%s on a damaged deleted record: exit %d: %s"
                % (argv[0], rc, err.strip()[-300:]))


def killed_copy(a, f, base, killed, args, first):
    """A copy of base with `index --append args first` killed after two of
    its commits; False when five runs all ended first."""
    for attempt in range(5):
        shutil.rmtree(killed, ignore_errors=True)
        shutil.copytree(base, killed)
        argv = [a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", killed,
                "--append"] + args + [first]
        if rc_.kill_after_commits(a.galley, argv, killed, 2):
            return True
        print("attempt %d: the run ended before it was killed; again" % attempt)
    return f.check(False, "could not kill a run after two of its commits in 5 attempts")


def check_kill_resume(a, f):
    """A dump given again with --replace (the same feed re-crawled: every
    document replaced), killed after two of its 1 MB commits, resumed: with
    or without --replace, the run goes on replacing.  A run that did not
    replace cannot be resumed with --replace."""
    first = os.path.join(a.work, "feed.jsonl")
    rc_.write_news_corpus(first, a.seed + 1, 12)
    base = os.path.join(a.work, "killbase")
    build(a, f, base, first)
    whole, killed = os.path.join(a.work, "whole"), os.path.join(a.work, "killed")
    shutil.copytree(base, whole)
    build(a, f, whole, "--append", "--replace", "--batch-mb", "1", first)
    batches = rc_.stats(a.galley, base)["batches"]
    for again in ([], ["--replace"]):
        if not killed_copy(a, f, base, killed, ["--replace"], first):
            return
        st = rc_.stats(a.galley, killed)
        print("killed after %d commits, %d documents replaced" % (st["batches"] - batches,
                                                                 st["deleted_documents"]))
        rc, out = rc_.verify(a.galley, killed)
        f.check(rc == 0, "verify the killed run's index: exit %d: %s" % (rc, out))
        rc, _, err = galley(a, "index", "--device", "ref", "--batch-mb", "1", "-o", killed,
                            "--resume", *again, first)
        f.check(rc == 0, "--resume %s: exit %d: %s" % (" ".join(again), rc, err.strip()))
        f.check(bool(again) or "replaced documents by id: so does this one" in err,
                "--resume without --replace does not say it goes on replacing: %s" % err.strip())
        for t in TABLES + ["deleted"]:
            f.check(rc_.dump_table(killed, t) == rc_.dump_table(whole, t),
                    "table %s of the run resumed (%s) differs from the run not killed"
                    % (t, " ".join(["--resume"] + again)))
    if killed_copy(a, f, base, killed, [], first):
        rc, _, err = galley(a, "index", "--device", "ref", "--batch-mb", "1", "-o", killed,
                            "--resume", "--replace", first)
        f.check(rc == 2 and "did not replace" in err, "--resume --replace of a run that did not "
                "replace: exit %d: %s" % (rc, err.strip()))


def check_replace_by_url(a, f):
    """Pages crawled twice: each fetch has an id of its own, the url says
    which page it is."""
    first, later = os.path.join(a.work, "crawl1.jsonl"), os.path.join(a.work, "crawl2.jsonl")
    with open(first, "w") as out:
        for n in range(30):
            out.write(json.dumps({"id": "fetch1-%d" % n, "url": "http://example.org/p%d" % n,
                                  "title": "Page %d" % n, "text": "first crawl of page %d" % n})
                      + "\n")
    with open(later, "w") as out:
        for n in range(20, 40):
            out.write(json.dumps({"id": "fetch2-%d" % n, "url": "http://example.org/p%d" % n,
                                  "title": "Page %d" % n, "text": "second crawl of page %d" % n})
                      + "\n")
    crawl = os.path.join(a.work, "crawl")
    build(a, f, crawl, first)
    err = build(a, f, crawl, "--append", "--replace-by", "url", later)
    f.check("10 earlier documents replaced by new ones with their urls" in err,
            "--replace-by url: %s" % err.strip())
    ids = rc_.query_ids(a.galley, crawl, ["first", "second", "crawl"])
    f.check(ids["first"] == {"fetch1-%d" % n for n in range(20)} and
            ids["second"] == {"fetch2-%d" % n for n in range(20, 40)} and len(ids["crawl"]) == 40,
            "--replace-by url: first %d, second %d, crawl %d documents"
            % (len(ids["first"]), len(ids["second"]), len(ids["crawl"])))
    rc, _, err = galley(a, "index", "-o", crawl, "--append", "--replace-by", "title", later)
    f.check(rc == 2 and "id or url" in err, "--replace-by title: exit %d: %s" % (rc, err.strip()))


def check_all(a, f):
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump is not installed (lmdb-utils)")
    dumps = write_dumps(a)
    idx, ref = os.path.join(a.work, "idx"), os.path.join(a.work, "ref")
    check_replace(a, f, dumps, idx, ref)
    check_merge_optimize(a, f, dumps, idx, ref)
    deleting = check_delete(a, f, dumps, idx)
    check_delete_query(a, f, deleting)
    check_usage_and_damage(a, f, idx, deleting, len(dumps[4]) + 1)
    check_kill_resume(a, f)
    check_replace_by_url(a, f)
    check_delete_duplicates(a, f)


def main():
    a = rc_.parse_args(__doc__.splitlines()[0])
    rc_.run_checks(a, rc_.Failures("replace"), check_all)


if __name__ == "__main__":
    main()
