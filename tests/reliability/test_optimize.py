#!/usr/bin/env python3
"""galley optimize: batches merged, answers unchanged.

On a generated corpus indexed in 1 MB batches (no ../shared needed):
  - `galley optimize` leaves one group: it verifies, has fewer postings
    chunks and a smaller file, and answers every query (words, phrases,
    entities, prefixes, title:, NOT) with the same ids and the same ranking
    as the batches did;
  - merging in two steps (--group-docs small, then the default) gives
    byte-identical postings, ids, docstats, lexicon and vocabulary tables
    to merging at once, and every step lists the same entities (totals,
    display forms) from fewer entity records;
  - the new file's latest meta page is the one the old file's last
    transaction id names (readers that join the old lock table read it
    right);
  - the stored text is packed again (text_repack.h): every document reads
    back byte for byte (`galley show --all`), the text table is smaller, the
    index records how many documents it packed; --text-level 0 copies the
    table as it was, and a later optimize packs it even with nothing left
    to merge;
  - `galley index --text-level 0` stores the text as it is (no dictionary)
    and every other table as level 3 does; snippets, `show --all` and
    answers are the same, optimize packs it smaller than level 3 did, and
    an --append at the default level trains the dictionary; levels 1 and
    19 read back; a bad --text-level exits 2 before anything is made;
  - optimizing again leaves the index alone; --append after optimizing
    answers like --append without it, and the next optimize packs only the
    appended documents, keeping the blocks packed before;
  - while another process has the index open (a read lock on lock.mdb, as
    LMDB takes) the file is left alone, exit 3 with a line saying why; a
    missing index exits 3, a bad --group-docs 2.
Skipped (77) when mdb_dump is missing.
"""
import collections
import fcntl
import json
import os
import re
import random
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                      "news.jsonl")


def corpus_queries(path, seed):
    """Words frequent and rare, phrases cut from bodies, and the rest of the
    query language, all with hits in the generated corpus."""
    rnd = random.Random(seed)
    counts = collections.Counter()
    bodies = []
    with open(path) as fh:
        for line in fh:
            rec = json.loads(line)
            words = rec["body"].split()
            counts.update(words)
            if rnd.random() < 0.01:
                bodies.append(words)
    common = [w for w, _ in counts.most_common(5)]
    rare = [w for w, n in counts.items() if n == 2][:5]
    phrases = []
    for words in bodies[:6]:
        i = rnd.randrange(0, len(words) - 3)
        phrases.append('"%s %s"' % (words[i], words[i + 1]))
        phrases.append('"%s %s %s"' % tuple(words[i:i + 3]))
    return (common + rare + phrases +
            ['entity:"Anna Berg"', "Oslo", "title:%s" % common[1], "%s -%s" % (common[0], common[2]),
             "%s*" % common[3][:3], '"reported by" Lagos', "%s OR %s" % (rare[0], rare[1])])


def meta_txnids(index):
    """The transaction ids of data.mdb's two meta pages (LMDB's MDB_meta:
    after the 16-byte page header, magic, version, address, map size, two
    48-byte database records and the last page number come first)."""
    with open(os.path.join(index, "data.mdb"), "rb") as fh:
        pages = fh.read(8192)
    at = 16 + 4 + 4 + 8 + 8 + 2 * 48 + 8
    return [struct.unpack_from("<Q", pages, page * 4096 + at)[0] for page in (0, 1)]


def entities(a, index):
    rc, out, err = rc_.run([a.galley, "entities", index, "--top", "0", "--json"], timeout=120)
    return out if rc == 0 else "exit %d: %s" % (rc, err)


def entity_records(index):
    """The records (what a batch says of an entity) in the entity table:
    the sum of its blocks' counts, each block's first varint
    (common/hash_blocks.h); LMDB's entries are the blocks."""
    p = subprocess.run(["mdb_dump", "-s", "entities", index], capture_output=True, check=True)
    lines = p.stdout.decode().split("HEADER=END\n", 1)[1].splitlines()
    values = [bytes.fromhex(l.strip()) for l in lines if l.startswith(" ")][1::2]
    total = 0
    for v in values:
        n, shift, i = 0, 0, 0
        while True:
            n |= (v[i] & 0x7F) << shift
            shift += 7
            i += 1
            if v[i - 1] < 0x80:
                break
        total += n
    return total


def export(a, index):
    """Every stored document, as `galley show --all` prints them."""
    rc, out, err = rc_.run([a.galley, "show", index, "--all"], timeout=300)
    return out if rc == 0 else "exit %d: %s" % (rc, err)


def optimize(a, index, *extra):
    return rc_.run([a.galley, "optimize", index] + list(extra), timeout=600)


def check_optimize(a, f):
    corpus = os.path.join(a.work, "news.jsonl")
    rc_.write_news_corpus(corpus, a.seed, 8)
    queries = corpus_queries(corpus, a.seed)
    batches = os.path.join(a.work, "batches")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o",
                          batches, corpus], timeout=600)
    if not f.check(rc == 0, "index: exit %d: %s" % (rc, err.strip())):
        return
    once, twice, copied = (os.path.join(a.work, n) for n in ("once", "twice", "copied"))
    for d in (once, twice, copied):
        shutil.copytree(batches, d)
    original = export(a, batches)

    rc, _, err = optimize(a, once)
    f.check(rc == 0 and "optimized" in err, "optimize: exit %d: %s" % (rc, err.strip()))
    print(err.strip())
    rc, out = rc_.verify(a.galley, once)
    f.check(rc == 0, "verify after optimize: exit %d: %s" % (rc, out.strip()))
    # a reader that joins the old lock table picks the meta page by the old
    # last transaction id's parity: the new file's latest meta must be there
    old, new = meta_txnids(batches), meta_txnids(once)
    f.check(new[max(old) & 1] == max(new),
            "the optimized file's latest meta is page %d, the old last transaction %d names "
            "page %d" % (new.index(max(new)), max(old), max(old) & 1))
    before, after = rc_.stats(a.galley, batches), rc_.stats(a.galley, once)
    f.check(after["batches"] == 1, "optimized index has %d batches" % after["batches"])
    # chunks, not records: a batch's small terms share a record (chunk_blocks.h)
    m = re.search(r"(\d+) postings chunks into (\d+)", err)
    f.check(m and int(m.group(2)) < int(m.group(1)), "no fewer postings chunks: %s"
            % (m.group(0) if m else err.strip()))
    f.check(after["tables"]["postings"]["bytes"] < before["tables"]["postings"]["bytes"],
            "the postings did not shrink: %d -> %d" % (before["tables"]["postings"]["bytes"],
                                                      after["tables"]["postings"]["bytes"]))
    f.check(after["file_bytes"] < before["file_bytes"], "the file did not shrink: %d -> %d"
            % (before["file_bytes"], after["file_bytes"]))
    f.check(after["documents"] == before["documents"], "documents %d -> %d"
            % (before["documents"], after["documents"]))
    rc_.same_answers(a, f, batches, once, queries, "optimized")
    check_packed_text(a, f, batches, once, original, err)
    check_copied_text(a, f, batches, copied, original)
    check_raw_text(a, f, corpus, batches, queries, original)

    rc, _, err = optimize(a, twice, "--group-docs", "2000")
    f.check(rc == 0, "optimize --group-docs 2000: exit %d: %s" % (rc, err.strip()))
    mid = rc_.stats(a.galley, twice)["batches"]
    f.check(1 < mid < before["batches"], "--group-docs 2000 left %d batches of %d"
            % (mid, before["batches"]))
    rc, _, err = optimize(a, twice)
    f.check(rc == 0, "second optimize: exit %d: %s" % (rc, err.strip()))
    for table in ("postings", "ids", "docstats", "lexicon", "vocab", "text"):
        f.check(rc_.dump_table(once, table) == rc_.dump_table(twice, table),
                "%s: merging in two steps differs from merging at once" % table)
    # entity records merge too: the same totals and display forms
    listing = [entities(a, d) for d in (batches, once, twice)]
    f.check(listing[0] and listing[0] == listing[1] == listing[2],
            "galley entities differs after optimize (%d, %d, %d lines)"
            % tuple(len(x.splitlines()) for x in listing))
    before_e, after_e = (entity_records(d) for d in (batches, once))
    f.check(0 < after_e < before_e, "optimize left %d entity records of %d" % (after_e, before_e))

    rc, _, err = optimize(a, once)
    f.check(rc == 0 and "left as it was" in err, "optimizing again: exit %d: %s"
            % (rc, err.strip()))

    rc_.append_to(a, f, (batches, once), SAMPLE)
    rc, out = rc_.verify(a.galley, once)
    f.check(rc == 0, "verify after --append: exit %d: %s" % (rc, out.strip()))
    rc_.same_answers(a, f, batches, once, queries + ['"central bank"', "oil"], "after --append")
    # the next optimize packs the appended documents alone, with the same dictionary
    dict_before = rc_.stats(a.galley, once)["text_dict_bytes"]
    rc, _, err = optimize(a, once)
    m = re.search(r"stored text of (\d+) documents .* with the index's dictionary, .*; (\d+) "
                  r"blocks packed before kept", err)
    appended = rc_.stats(a.galley, once)["documents"] - before["documents"]
    f.check(rc == 0 and m and int(m.group(1)) == appended and int(m.group(2)) > 0,
            "optimize after --append: exit %d, want %d documents packed and the blocks before "
            "kept: %s" % (rc, appended, err.strip()))
    after = rc_.stats(a.galley, once)
    f.check(after["text_packed_docs"] == after["documents"] and
            after["text_dict_bytes"] == dict_before,
            "after --append and optimize: %d of %d documents packed, dictionary %d bytes (was %d)"
            % (after["text_packed_docs"], after["documents"], after["text_dict_bytes"],
               dict_before))
    f.check(export(a, once) == export(a, batches),
            "the stored text after --append and optimize differs from the batches'")
    rc, out = rc_.verify(a.galley, once)
    f.check(rc == 0, "verify after --append and optimize: exit %d: %s" % (rc, out.strip()))

    # another process with the index open: no swap under it
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1",
                          "--append", "-o", twice, corpus], timeout=600)
    f.check(rc == 0, "--append before the locked optimize: exit %d: %s" % (rc, err.strip()))
    size = os.path.getsize(os.path.join(twice, "data.mdb"))
    with open(os.path.join(twice, "lock.mdb"), "r+b") as lock:
        fcntl.lockf(lock, fcntl.LOCK_SH, 1, 0)
        rc, _, err = optimize(a, twice)
        f.check(rc == 3 and "another process has the index open" in err,
                "optimize while open elsewhere: exit %d: %s" % (rc, err.strip()))
        f.check(os.path.getsize(os.path.join(twice, "data.mdb")) == size,
                "the file changed while another process had it open")
    rc, _, err = optimize(a, twice)
    f.check(rc == 0 and "optimized" in err, "optimize once closed elsewhere: exit %d: %s"
            % (rc, err.strip()))


def check_packed_text(a, f, batches, once, original, err):
    """The first optimize packed every document's text again, losing none."""
    f.check(original.count("\n") > 1000 and not original.startswith("exit"),
            "show --all of the batches: %s" % original[:200])
    f.check(export(a, once) == original, "the stored text differs after optimize")
    before, after = rc_.stats(a.galley, batches), rc_.stats(a.galley, once)
    m = re.search(r"stored text of (\d+) documents .* packed at level 7 with a (\d+) kB "
                  r"dictionary", err)
    f.check(m and int(m.group(1)) == before["documents"] and int(m.group(2)) > 0,
            "optimize did not pack every document's text with a new dictionary: %s" % err.strip())
    f.check(before["text_packed_docs"] == 0 and after["text_packed_docs"] == after["documents"],
            "documents packed: %d before optimize, %d of %d after"
            % (before["text_packed_docs"], after["text_packed_docs"], after["documents"]))
    f.check(after["text_dict_bytes"] > before["text_dict_bytes"],
            "the dictionary did not grow: %d -> %d bytes"
            % (before["text_dict_bytes"], after["text_dict_bytes"]))
    tb, ta = before["tables"]["text"]["bytes"], after["tables"]["text"]["bytes"]
    # words drawn at random: level 7 and a dictionary of the whole win little
    # here (3.6 %), ~22 % on generated news of 1 GB (bench/HISTORY.md)
    f.check(ta < tb, "the text table did not shrink: %d -> %d bytes" % (tb, ta))
    print("stored text %d -> %d bytes, dictionary %d -> %d bytes"
          % (tb, ta, before["text_dict_bytes"], after["text_dict_bytes"]))


def check_copied_text(a, f, batches, copied, original):
    """--text-level 0 copies the text table; a later optimize packs it even
    though every batch is merged by then."""
    rc, _, err = optimize(a, copied, "--text-level", "0")
    f.check(rc == 0 and "optimized" in err and "stored text" not in err,
            "optimize --text-level 0: exit %d: %s" % (rc, err.strip()))
    f.check(rc_.dump_table(copied, "text") == rc_.dump_table(batches, "text"),
            "optimize --text-level 0 changed the text table")
    f.check(rc_.stats(a.galley, copied)["text_packed_docs"] == 0,
            "--text-level 0 marked documents packed")
    rc, _, err = optimize(a, copied, "--text-level", "0")
    f.check(rc == 0 and "left as it was" in err,
            "optimize --text-level 0 of a merged index: exit %d: %s" % (rc, err.strip()))
    rc, _, err = optimize(a, copied, "--text-level", "0", "-q")
    f.check(rc == 0 and err == "", "optimize -q: exit %d, printed %r" % (rc, err))
    rc, _, err = optimize(a, copied, "--text-level", "3", "--progress")
    f.check(rc == 0 and "packed at level 3" in err,
            "optimize --text-level 3 of a merged index: exit %d: %s" % (rc, err.strip()))
    f.check("optimizing: postings 100 %, text 100 %" in err,
            "optimize --progress did not end at 100 %%: %r" % err[-300:])
    f.check(export(a, copied) == original, "the stored text differs after packing at level 3")
    rc, out = rc_.verify(a.galley, copied)
    f.check(rc == 0, "verify after packing at level 3: exit %d: %s" % (rc, out.strip()))


def check_raw_text(a, f, corpus, batches, queries, original):
    """`galley index --text-level 0` stores the text as it is, with no
    dictionary, and writes every other table as level 3 does; optimize packs
    it; --append at the default level then trains the dictionary; other
    levels read back too."""
    raw = os.path.join(a.work, "raw")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1",
                          "--text-level", "0", "-o", raw, corpus], timeout=600)
    if not f.check(rc == 0, "index --text-level 0: exit %d: %s" % (rc, err.strip())):
        return
    st, ref = rc_.stats(a.galley, raw), rc_.stats(a.galley, batches)
    f.check(st["text_dict_bytes"] == 0, "--text-level 0 trained a dictionary of %d bytes"
            % st["text_dict_bytes"])
    f.check(st["build"].endswith(" text_level=0") and ref["build"].endswith(" text_level=3"),
            "stats' build notes: %r, %r" % (st["build"], ref["build"]))
    # one compressor, which has next to nothing to do; on a small machine
    # its share of the threads goes to a second encoder
    m = re.search(r" threads=(\d+)\+(\d+)\+(\d+) ", st["build"])
    f.check(m and m.group(1) == "1" and
            ((os.cpu_count() or 1) > 5 or (m.group(2), m.group(3)) == ("1", "2")),
            "threads at --text-level 0 on %d cores: %r" % (os.cpu_count() or 1, st["build"]))
    text, ref_text = st["tables"]["text"]["bytes"], ref["tables"]["text"]["bytes"]
    f.check(text >= st["raw_bytes"] > ref_text,
            "text table %d bytes at level 0 for %d raw bytes (%d at level 3)"
            % (text, st["raw_bytes"], ref_text))
    for table in ("postings", "ids", "docstats", "lexicon", "vocab"):
        f.check(rc_.dump_table(raw, table) == rc_.dump_table(batches, table),
                "%s: --text-level 0 wrote another table than level 3" % table)
    f.check(export(a, raw) == original, "the stored text differs at --text-level 0")
    rc_.same_answers(a, f, batches, raw, queries[:8], "--text-level 0")
    rc, out = rc_.verify(a.galley, raw)
    f.check(rc == 0, "verify at --text-level 0: exit %d: %s" % (rc, out.strip()))
    # snippets come from the stored text: the same lines either way
    shown = [rc_.run([a.galley, "query", d, queries[0], "--limit", "3"]) for d in (raw, batches)]
    f.check(shown[0][0] == 0 and shown[0][1] == shown[1][1] and "\u2026" in shown[0][1],
            "query with snippets at --text-level 0: exit %d, %r" % (shown[0][0], shown[0][1][:300]))
    packed = os.path.join(a.work, "raw-packed")
    shutil.copytree(raw, packed)
    rc, _, err = optimize(a, packed)
    f.check(rc == 0 and "packed at level 7" in err,
            "optimize of a --text-level 0 index: exit %d: %s" % (rc, err.strip()))
    after = rc_.stats(a.galley, packed)
    f.check(after["tables"]["text"]["bytes"] < ref_text and
            after["text_packed_docs"] == after["documents"],
            "optimize left the text table at %d bytes (%d at level 3), %d of %d documents packed"
            % (after["tables"]["text"]["bytes"], ref_text, after["text_packed_docs"],
               after["documents"]))
    f.check(export(a, packed) == original, "the stored text differs after optimize")
    print("text table: level 0 %d bytes, level 3 %d, level 0 optimized %d (raw text %d)"
          % (text, ref_text, after["tables"]["text"]["bytes"], st["raw_bytes"]))
    # the next run at the default level trains the dictionary the index lacks
    level3 = os.path.join(a.work, "level-3-appended")
    shutil.copytree(batches, level3)
    rc_.append_to(a, f, (raw, level3), corpus)
    st = rc_.stats(a.galley, raw)
    f.check(st["text_dict_bytes"] > 0, "--append at level 3 trained no dictionary")
    rc, out = rc_.verify(a.galley, raw)
    f.check(rc == 0, "verify after --append at level 3: exit %d: %s" % (rc, out.strip()))
    f.check(export(a, raw) == export(a, level3),
            "the stored text after --append differs from a level-3 index's after the same")
    for level in ("1", "19"):
        other = os.path.join(a.work, "level-" + level)
        rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--text-level", level,
                              "-o", other, corpus], timeout=600)
        f.check(rc == 0 and export(a, other) == original,
                "index --text-level %s: exit %d, stored text %s: %s"
                % (level, rc, "differs" if rc == 0 else "not read", err.strip()))


def check_usage(a, f):
    rc, _, err = optimize(a, os.path.join(a.work, "no-such-index"))
    f.check(rc == 3, "optimize of a missing index: exit %d: %s" % (rc, err.strip()))
    for bad in ("0", "x"):
        rc, _, err = optimize(a, os.path.join(a.work, "batches"), "--group-docs", bad)
        f.check(rc == 2, "--group-docs %s: exit %d: %s" % (bad, rc, err.strip()))
    rc, _, err = rc_.run([a.galley, "show", os.path.join(a.work, "batches"), "--all", "--raw"])
    f.check(rc == 2, "show --all --raw: exit %d: %s" % (rc, err.strip()))
    for bad in ("20", "-1", "x"):
        rc, _, err = optimize(a, os.path.join(a.work, "batches"), "--text-level", bad)
        f.check(rc == 2, "--text-level %s: exit %d: %s" % (bad, rc, err.strip()))
        rc, _, err = rc_.run([a.galley, "index", "-q", "--text-level", bad, "-o",
                              os.path.join(a.work, "never"), SAMPLE])
        f.check(rc == 2 and "--text-level needs a level from 0 to 19" in err and
                not os.path.exists(os.path.join(a.work, "never")),
                "index --text-level %s: exit %d: %s" % (bad, rc, err.strip()))


def main():
    a = rc_.parse_args(__doc__)
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    rc_.run_checks(a, rc_.Failures("optimize"), check_optimize, check_usage)


if __name__ == "__main__":
    main()
