#!/usr/bin/env python3
"""Corrupted indexes: flipped bytes are reported, never crash or mislead.

A small index (BBC, 1 MB batches) is built, its records are listed with
mdb_dump, and in a copy of the index one byte inside one stored record is
flipped (found by searching data.mdb for the record's bytes).  Then:
  - postings chunk of term T: `galley query T` exits 3 naming the postings
    table (searched beside the intact index too, on a thread each or not,
    and so does `galley entities --in T` over both), `--count T` does or prints the intact count (it reads only the
    chunks that carry counts); queries for other terms give the same
    answers as before;
  - document record / stored text of doc N: `galley show #N` exits 3 naming
    the docs / text table;
  - an input file's path record made 2 GB long: merge and query exit 3;
  - the text dictionary (meta zdict): show, verify and optimize exit 3
    naming it (its checksum, meta zdict_crc); its record's size made huge,
    and the size of records --append writes without reading them
    (updated, resume): --append exits 3 and leaves the file as it was;
  - docstats record of the first batch: a flipped length makes a query
    that ranks documents of that batch exit 3 naming docstats (a block is
    checked when a query first reads it, not at every snapshot), while a
    count, which reads no lengths, answers as before; a flipped header
    makes every query exit 3; a flipped record CRC is verify's to find;
  - in every case `galley verify` exits 3 and names the table and key;
  - an LMDB page of one table made unreadable (vocab, lexicon, docs,
    postings): verify names it in a line or two and reads every other table
    to its end; a term damaged to hold an escape byte is printed escaped;
    `galley optimize` on a flipped postings chunk or stored text exits 3 and
    leaves the index file as it was.
Copies of data.mdb cut short (its last pages missing): every command exits 0,
1 or 3, a 3 saying the index is corrupt.
Last, copies with many random bytes flipped anywhere in data.mdb: galley
query (words, phrases, prefixes, snippets), bench query, entities, show (one, all), compact,
verify, optimize, merge, delete (an id, a query) and index --append must exit 0, 1 or 3 (never a signal, never a
hang).
"""
import os
import random
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

OTHER_QUERIES = ["said", "the", "film", '"interest rates"', "oil OR gas"]


def main():
    a = rc_.parse_args(__doc__, need_shared=True,
                       extra=lambda ap: ap.add_argument("--random-trials", type=int, default=12))
    rc_.need_zstd()
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    bbc = rc_.corpus(a.shared, "bbc.jsonl.zst")
    f = rc_.Failures("corruption")
    rc_.fresh_dir(a.work)
    scratch = rc_.scratch_dir(a.work, "corrupt")
    try:
        run_checks(a, f, scratch, bbc)
    except AssertionError as e:
        f.check(False, str(e))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    f.exit()


def dump(index, table):
    """[(key bytes, value bytes)] of one table."""
    rc, out, err = rc_.run(["mdb_dump", "-s", table, index])
    if rc != 0:
        raise AssertionError("mdb_dump -s %s: %s" % (table, err.strip()))
    recs, key, body = [], None, False
    for line in out.splitlines():
        if line == "HEADER=END":
            body = True
            continue
        if not body or not line.startswith(" "):
            continue
        b = bytes.fromhex(line.strip())
        if key is None:
            key = b
        else:
            recs.append((key, b))
            key = None
    return recs


def varint(b, at):
    """LEB128 at b[at:]: (value, offset after it)."""
    v = shift = 0
    while True:
        c = b[at]
        at += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, at


def first_text_record(block):
    """The first document's record of a text block (common/stored_text.h:
    varint n, n varint lengths, the records)."""
    n, at = varint(block, 0)
    first_len, at = varint(block, at)
    for _ in range(n - 1):
        _, at = varint(block, at)
    return block[at:at + first_len]


def hash_block_records(block):
    """[(8-byte hash, record bytes)] of a block of hash_blocks.h: varint n,
    n x (hash, varint length, bytes), then the 4-byte checksum."""
    n, at = varint(block, 0)
    recs = []
    for _ in range(n):
        h = block[at:at + 8]
        ln, at = varint(block, at + 8)
        recs.append((h, block[at:at + ln]))
        at += ln
    return recs


def flip_copy(src, dst, value, rng, within=None):
    """Copy the index and flip one byte inside value's only occurrence in
    data.mdb (inside value[within[0]:within[1]] when given); False when
    value is not found exactly once."""
    data = bytearray(open(os.path.join(src, "data.mdb"), "rb").read())
    at = data.find(value)
    if at < 0 or data.find(value, at + 1) >= 0:
        return False
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    lo, hi = within or (0, len(value))
    pos = at + rng.randrange(lo, hi)
    data[pos] ^= 1 << rng.randrange(8)
    open(os.path.join(dst, "data.mdb"), "wb").write(data)
    return True


def flipped_copies(idx, copy, recs, rng, most):
    """Up to `most` of recs (key, value), shuffled, each with one byte of its
    value flipped in a fresh copy of the index: yields (key, value) for
    those located in data.mdb."""
    recs = list(recs)
    rng.shuffle(recs)
    n = 0
    for k, v in recs:
        if n == most:
            return
        if flip_copy(idx, copy, v, rng):
            n += 1
            yield k, v


def run_keeping(copy, argv, timeout):
    """Run argv on the damaged copy: (exit status, stdout, stderr, whether
    data.mdb is byte for byte as it was)."""
    before = open(os.path.join(copy, "data.mdb"), "rb").read()
    rc, out, err = rc_.run(argv, timeout=timeout)
    return rc, out, err, open(os.path.join(copy, "data.mdb"), "rb").read() == before


def huge_node_copy(idx, copy, key, size, bigdata):
    """A copy of idx in which the LMDB node of the record key (of size bytes;
    bigdata: on overflow pages) says the record is about 2 GB long, in
    every copy of its page: LMDB then hands back a record that runs past
    the map.  The node: u16 size low, u16 size high, u16 flags, u16 key
    size, the key.  False when the node is not found."""
    node = struct.pack("<HHHH", size & 0xFFFF, size >> 16, 1 if bigdata else 0, len(key)) + key
    data = bytearray(open(os.path.join(idx, "data.mdb"), "rb").read())
    spots = [m.start() for m in re.finditer(re.escape(node), data)]
    for at in spots:
        data[at + 2:at + 4] = struct.pack("<H", 0x7FFF)
    shutil.rmtree(copy, ignore_errors=True)
    os.makedirs(copy)
    open(os.path.join(copy, "data.mdb"), "wb").write(data)
    return bool(spots)


def truncated_copies(a, f, src, copy, more):
    """data.mdb cut short (a copy that stopped early, or a disk that filled
    up): LMDB would map the missing pages and a read of one would fault
    (SIGBUS) somewhere inside a command, and a writer would leave holes.
    Every command, reader or writer, says so when it opens the index: exit 3
    naming the file cut short.  An empty data.mdb is said to be empty, by
    the writers too (they made a new index of it, and --append a new index
    of only what it added), and stays empty."""
    merged = copy + "-merged"
    reads = [["query", copy, "--count", "said"], ["query", copy, "-n", "3", "film OR gov*"],
             ["stats", copy], ["show", copy, "#5"], ["entities", copy, "--top", "5"],
             ["verify", "-q", copy], ["merge", "-q", "--device", "ref", "-o", merged, copy],
             ["compact", copy, copy + "-compact"]]
    writes = [["optimize", copy], ["delete", copy, "#5"],
              ["index", "-q", "--device", "ref", "--append", "-o", copy, more]]
    cases = [(keep, "cut short", reads + writes)
             for keep in (len(src) - 4096 * 10, 2 * len(src) // 3, 4096 * 4, 6000)]
    cases.append((0, "empty", reads + writes))
    runs = 0
    for keep, says, commands in cases:
        for argv in commands:
            shutil.rmtree(copy, ignore_errors=True)
            shutil.rmtree(merged, ignore_errors=True)
            shutil.rmtree(copy + "-compact", ignore_errors=True)
            os.makedirs(copy)
            open(os.path.join(copy, "data.mdb"), "wb").write(src[:keep])
            try:
                rc, out, err = rc_.run([a.galley] + argv, timeout=120)
            except AssertionError as e:  # a signal, or a hang
                f.check(False, "data.mdb of %d bytes: %s" % (keep, e))
                continue
            f.check(rc == 3 and "corrupt" in err and says in err and err.count("\n") == 1 and
                    not rc_.sanitizer_error(err) and
                    (keep or os.path.getsize(os.path.join(copy, "data.mdb")) == 0),
                    "data.mdb of %d bytes: %s exits %d: %s"
                    % (keep, argv[0], rc, (out + err).strip()[-300:]))
            runs += 1
    print("truncated copies: %d runs, each said the index was cut short or empty" % runs,
          flush=True)


def summary_count(out, what):
    """A count from verify's summary line ("... 15623 entities, ..."), or None."""
    m = re.search(r"verified .*?\b(\d+) %s\b" % what, out)
    return int(m.group(1)) if m else None


def damaged_pages(a, f, idx, copy, intact):
    """One LMDB page of a table made unreadable (its header's page flags
    zeroed: LMDB says MDB_CORRUPTED, or fails an assertion): verify names
    that table in a line or two, and reads every other table to its end
    (before: its walks stopped there, or each later read said MDB_BAD_TXN,
    one line per term, and the postings were not checked at all)."""
    src = open(os.path.join(idx, "data.mdb"), "rb").read()
    chunks, entities = summary_count(intact, "postings chunks"), summary_count(intact, "entities")
    # table damaged -> what is still read whole after it
    for table, whole in (("vocab", "postings chunks"), ("lexicon", "postings chunks"),
                         ("docs", "postings chunks"), ("postings", "entities")):
        at = -1
        recs = [(k, v) for k, v in dump(idx, table) if len(k + v) >= 12 and len(v) < 1000]
        for k, v in recs[len(recs) // 2:]:  # a leaf in the middle: a record's key and value
            at = src.find(k + v)
            if at >= 0 and src.find(k + v, at + 1) < 0:
                break
            at = -1
        if not f.check(at >= 0, "no record of %s located in data.mdb" % table):
            continue
        data = bytearray(src)
        page = at // 4096 * 4096
        data[page + 10:page + 12] = b"\0\0"  # struct MDB_page: pgno 8, pad 2, flags 2
        shutil.rmtree(copy, ignore_errors=True)
        os.makedirs(copy)
        open(os.path.join(copy, "data.mdb"), "wb").write(data)
        rc, out, err = rc_.run([a.galley, "verify", copy], timeout=120)
        lines = out.splitlines()
        want = chunks if whole == "postings chunks" else entities
        f.check(rc == 3 and 1 <= len(lines) <= 4 and "MDB_BAD_TXN" not in out and
                any(line.startswith(table + ":") and "not checked" in line for line in lines) and
                "not read to the end" in err and summary_count(err, whole) == want,
                "page of %s damaged: verify exits %d, want 3, a line or two naming %s, and "
                "all %s %s read: %s" % (table, rc, table, want, whole,
                                        (out + err).strip()[-700:]))


def escaped_bytes(a, f, idx, copy):
    """A term in the vocabulary damaged to hold an escape byte: verify says
    it as \\x1b, never writes the byte (a terminal would act on it)."""
    src = open(os.path.join(idx, "data.mdb"), "rb").read()
    recs = dump(idx, "vocab")
    for k, v in recs[len(recs) // 3:]:
        at = src.find(k + v)
        if len(k) >= 8 and at >= 0 and src.find(k + v, at + 1) < 0:
            break
    else:
        f.check(False, "no vocab record located in data.mdb")
        return
    data = bytearray(src)
    data[at + 5] = 0x1B  # the term's second byte (the key is batch ‖ term)
    shutil.rmtree(copy, ignore_errors=True)
    os.makedirs(copy)
    open(os.path.join(copy, "data.mdb"), "wb").write(data)
    rc, out, err = rc_.run([a.galley, "verify", copy], timeout=120)
    f.check(rc == 3 and "\\x1b" in out and "\x1b" not in out + err,
            "a vocab term damaged to hold ESC: verify exits %d, want 3, saying it as \\x1b: %r"
            % (rc, (out + err)[-500:]))


def run_checks(a, f, scratch, bbc):
    rng = random.Random(a.seed)
    idx = os.path.join(scratch, "idx")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", idx,
                          bbc], timeout=600)
    if not f.check(rc == 0, "build: exit %d: %s" % (rc, err.strip())):
        return
    vrc, vout = rc_.verify(a.galley, idx)
    f.check(vrc == 0, "verify of the intact index: exit %d: %s" % (vrc, vout[-800:]))
    lexicon = {h: t.decode("utf-8", "replace")
               for _, v in dump(idx, "lexicon") for h, t in hash_block_records(v)}
    base = rc_.query_counts(a.galley, idx, OTHER_QUERIES)
    copy = os.path.join(scratch, "copy")

    # postings chunks of plain words with a few hits
    post = [(k, v) for k, v in dump(idx, "postings")
            if len(v) >= 24 and k[4:12] in lexicon and lexicon[k[4:12]].isalpha()]
    rng.shuffle(post)
    done = 0
    for k, v in post:
        if done == 8:
            break
        term = lexicon[k[4:12]]
        if term in ("said", "the", "film", "interest", "rates", "oil", "gas", "or"):
            continue
        if not flip_copy(idx, copy, v, rng):
            continue
        done += 1
        rc, out, err = rc_.run([a.galley, "query", copy, "-n", "3", term], timeout=60)
        f.check(rc == 3 and "postings" in err,
                "postings of %r flipped: query exits %d (want 3 naming postings): %s"
                % (term, rc, (out + err).strip()[:300]))
        # a count reads each batch's last chunk of the term, which carries
        # it: the damaged one, or else the intact count
        rc, out, err = rc_.run([a.galley, "query", copy, "--count", term], timeout=60)
        _, want, _ = rc_.run([a.galley, "query", idx, "--count", term], timeout=60)
        f.check((rc == 3 and "postings" in err) or (rc == 0 and out == want),
                "postings of %r flipped: --count exits %d with %r (want 3 naming postings, "
                "or %r)" % (term, rc, (out + err).strip()[:300], want))
        # small terms' chunks share blocks with one checksum (chunk_blocks.h):
        # a word of OTHER_QUERIES in the flipped block is damaged with it
        in_block = k[12:16] == b"\xff\xff\xff\xff"
        try:
            got = rc_.query_counts(a.galley, copy, OTHER_QUERIES)
            f.check(got == base, "postings of %r flipped: other queries changed: %s vs %s"
                    % (term, got, base))
        except AssertionError as e:
            f.check(in_block and "postings" in str(e),
                    "postings of %r flipped: other queries: %s" % (term, e))
        vrc, vout = rc_.verify(a.galley, copy)
        f.check(vrc == 3 and "postings" in vout and k[4:12].hex() in vout,
                "postings of %r flipped: verify exits %d, want 3 naming the term %s: %s"
                % (term, vrc, k[4:12].hex(), vout[-500:]))
        if done == 1:  # the damaged index searched with an intact one, on a thread each or not
            for threads in ("1", "2"):
                rc, out, err = rc_.run([a.galley, "query", idx, copy, "-n", "3", term,
                                        "--part-threads", threads], timeout=60)
                f.check(rc == 3 and "postings" in err and len(err.strip().splitlines()) == 1,
                        "postings of %r flipped, searched with the intact index, --part-threads "
                        "%s: exit %d (want 3, one line naming postings): %s"
                        % (term, threads, rc, (out + err).strip()[:300]))
            rc, out, err = rc_.run([a.galley, "entities", idx, copy, "--in", term], timeout=60)
            f.check(rc == 3 and "postings" in err and len(err.strip().splitlines()) == 1,
                    "postings of %r flipped, entities --in it over the intact and the damaged "
                    "index: exit %d (want 3, one line naming postings): %s"
                    % (term, rc, (out + err).strip()[:300]))
        if done == 1:  # optimize reads every chunk: it must stop and leave the file
            rc, out, err, kept = run_keeping(copy, [a.galley, "optimize", copy], 120)
            f.check(rc == 3 and "postings" in err,
                    "postings of %r flipped: optimize exits %d (want 3 naming postings): %s"
                    % (term, rc, (out + err).strip()[:300]))
            f.check(kept, "a failed optimize changed the index")
            f.check(not os.path.exists(os.path.join(copy, "optimize.tmp")),
                    "a failed optimize left its scratch directory")
    f.check(done >= 4, "only %d postings records could be located in data.mdb" % done)

    for table in ("docs", "text"):
        recs = [(k, v) for k, v in dump(idx, table) if len(v) >= 24]
        if table == "text":  # blocks: the record of the block's first document
            recs = [(k, first_text_record(v)) for k, v in recs]
        n = 0
        for n, (k, v) in enumerate(flipped_copies(idx, copy, recs, rng, 3), 1):
            doc = int.from_bytes(k, "big")
            rc, out, err = rc_.run([a.galley, "show", copy, "#%d" % doc], timeout=60)
            f.check(rc == 3 and table in err,
                    "%s record of doc %d flipped: show exits %d (want 3 naming %s): %s"
                    % (table, doc, rc, table, (out + err).strip()[:300]))
            vrc, vout = rc_.verify(a.galley, copy)
            f.check(vrc == 3 and re.search(r"\b%s\b.*\bdoc %d\b" % (table, doc), vout),
                    "%s record of doc %d flipped: verify exits %d, want 3 naming it: %s"
                    % (table, doc, vrc, vout[-500:]))
            if n == 1:  # a merge reads every document back: it stops, keeping what it committed
                merged = os.path.join(scratch, "merged")
                shutil.rmtree(merged, ignore_errors=True)
                rc, out, err = rc_.run([a.galley, "merge", "-q", "--device", "ref", "--batch-mb",
                                        "1", "-o", merged, copy], timeout=300)
                f.check(rc == 3 and table in err and "document %d" % doc in err,
                        "%s record of doc %d flipped: merge exits %d (want 3 naming it): %s"
                        % (table, doc, rc, (out + err).strip()[:300]))
                if os.path.exists(os.path.join(merged, "data.mdb")):
                    vrc, vout = rc_.verify(a.galley, merged)
                    f.check(vrc == 0, "what a failed merge kept does not verify: %s" % vout[-300:])
            if table == "text" and n == 1:  # optimize decodes every text to pack it again
                rc, out, err, kept = run_keeping(copy, [a.galley, "optimize", copy], 120)
                f.check(rc == 3 and "text" in err,
                        "text of doc %d flipped: optimize exits %d (want 3 naming the text): %s"
                        % (doc, rc, (out + err).strip()[:300]))
                f.check(kept, "a failed optimize changed the index")
        f.check(n >= 1, "no %s record could be located in data.mdb" % table)

    # the text dictionary (meta zdict): nothing else guards it, and texts
    # decoded with a damaged one come out wrong but whole; its checksum
    # (meta zdict_crc) stops readers, verify, and optimize, which would
    # otherwise pack the wrong texts for good
    zdict = dict(dump(idx, "meta")).get(b"zdict")
    if f.check(zdict and flip_copy(idx, copy, zdict, rng, (len(zdict) // 4, len(zdict) * 3 // 4)),
               "the text dictionary could not be located in data.mdb"):
        rc, out, err = rc_.run([a.galley, "show", copy, "#0"], timeout=60)
        f.check(rc == 3 and "zdict" in err, "zdict flipped: show exits %d (want 3 naming zdict): %s"
                % (rc, (out + err).strip()[:300]))
        vrc, vout = rc_.verify(a.galley, copy)
        f.check(vrc == 3 and "zdict" in vout and vout.count("problem") <= 3,
                "zdict flipped: verify exits %d, want 3 naming it once: %s" % (vrc, vout[-500:]))
        rc, out, err = rc_.run([a.galley, "merge", "-q", "--device", "ref", "-o",
                                os.path.join(scratch, "merged-zdict"), copy], timeout=300)
        f.check(rc == 3 and "zdict" in err, "zdict flipped: merge exits %d (want 3 naming zdict): %s"
                % (rc, (out + err).strip()[:300]))
        rc, out, err, kept = run_keeping(copy, [a.galley, "optimize", copy], 120)
        f.check(rc == 3 and "zdict" in err and kept,
                "zdict flipped: optimize exits %d (want 3 naming zdict, the file kept): %s"
                % (rc, (out + err).strip()[:300]))

    # the zdict record's size in its LMDB node made huge (huge_node_copy):
    # reading it faults; --append reads it before it writes, and must stop (exit 3,
    # the file as it was) instead of dying on the signal
    if zdict:
        if f.check(huge_node_copy(idx, copy, b"zdict", len(zdict), True),
                   "the zdict record's LMDB node could not be located in data.mdb"):
            more = os.path.join(scratch, "zdict-more.jsonl")
            open(more, "wb").write(subprocess.run(["zstd", "-dc", bbc], capture_output=True,
                                                  check=True).stdout.split(b"\n", 5)[0] + b"\n")
            rc, out, err, kept = run_keeping(copy, [a.galley, "index", "-q", "--device", "ref",
                                                    "--append", "-o", copy, more], 120)
            f.check(rc == 3 and "corrupt" in err and kept,
                    "zdict node's size made huge: index --append exits %d (want 3, the file "
                    "kept): %s" % (rc, (out + err).strip()[:300]))
            # a merge reads it on its reader thread, under a guard of its own
            rc, out, err = rc_.run([a.galley, "merge", "-q", "--device", "ref", "-o",
                                    os.path.join(scratch, "merged-zdict-node"), copy], timeout=300)
            f.check(rc == 3 and "corrupt" in err,
                    "zdict node's size made huge: merge exits %d (want 3): %s"
                    % (rc, (out + err).strip()[:300]))

    # the same for small records that --append only writes, never reads:
    # LMDB's put copies the damaged node past the map and faults; the write
    # stops (exit 3), its transaction never committed, the file as it was
    meta = dict(dump(idx, "meta"))
    more = os.path.join(scratch, "put-more.jsonl")
    open(more, "wb").write(b'{"id": "put1", "title": "t", "text": "one more"}\n')
    for key in (b"updated", b"resume"):
        if not f.check(key in meta, "meta holds no %r record" % key):
            continue
        if not f.check(huge_node_copy(idx, copy, key, len(meta[key]), False),
                       "the %r record's LMDB node could not be located" % key):
            continue
        rc, out, err, kept = run_keeping(copy, [a.galley, "index", "-q", "--device", "ref",
                                                "--append", "-o", copy, more], 120)
        f.check(rc == 3 and "faulted" in err and kept,
                "%r node's size made huge: index --append exits %d (want 3, the file kept): %s"
                % (key, rc, (out + err).strip()[:300]))

    # an input file's path (files table) whose node size is made huge:
    # merge copied it as a 2 GB path and died on SIGBUS; every reader of
    # the paths now stops at it (exit 3)
    files = dump(idx, "files")
    if f.check(files, "the files table is empty"):
        k, v = files[0]
        if f.check(huge_node_copy(idx, copy, k, len(v), False),
                   "the first files record's LMDB node could not be located"):
            rc, out, err = rc_.run([a.galley, "merge", "-q", "--device", "ref", "-o",
                                    os.path.join(scratch, "merged-files-node"), copy], timeout=300)
            f.check(rc == 3 and "path of" in err,
                    "files node's size made huge: merge exits %d (want 3 naming the path): %s"
                    % (rc, (out + err).strip()[:300]))
            rc, out, err = rc_.run([a.galley, "query", copy, "said", "-n", "3"], timeout=60)
            f.check(rc == 3 and "path of" in err,
                    "files node's size made huge: query exits %d (want 3 naming the path): %s"
                    % (rc, (out + err).strip()[:300]))

    # docstats (doc_record.h), narrow: u32 n | 1 << 31, three widths, a
    # zero, the dates' base, then n lengths, n title lengths and n dates at
    # those widths, a u32 CRC per block of documents and slice, the record's
    # CRC (wide, of older formats: u32 n, then 4, 4 and 8 bytes a document)
    stats_recs = dump(idx, "docstats")
    _, want_count, _ = rc_.run([a.galley, "query", idx, "--count", "said"], timeout=60)
    if stats_recs:
        rec = stats_recs[0][1]
        head = int.from_bytes(rec[:4], "little")
        n = head & 0x7FFFFFFF
        lengths, header = ((16, 16 + rec[4] * n), (0, 8)) if head >> 31 else ((4, 4 + 4 * n), (0, 4))
        for part, within in (("lengths", lengths), ("header", header),
                             ("record CRC", (len(rec) - 4, len(rec)))):
            if not flip_copy(idx, copy, rec, rng, within):
                continue
            rc, out, err = rc_.run([a.galley, "query", copy, "-n", "3", "said"], timeout=60)
            crc, cout, cerr = rc_.run([a.galley, "query", copy, "--count", "said"], timeout=60)
            if part == "lengths":  # read, and found damaged, by what ranks; a count reads none
                f.check(rc == 3 and "docstats" in err and out == "",
                        "docstats %s flipped: ranked query exits %d (want 3 naming docstats, "
                        "no hits): %s" % (part, rc, err.strip()))
                f.check(crc == 0 and cout == want_count,
                        "docstats %s flipped: --count exits %d with %r (want 0 and %r)"
                        % (part, crc, cout, want_count))
            elif part == "header":  # every batch's range is read when a snapshot begins
                f.check(rc == 3 and "docstats" in err and crc == 3 and "docstats" in cerr,
                        "docstats %s flipped: queries exit %d and %d (want 3 naming docstats): %s"
                        % (part, rc, crc, (err + cerr).strip()))
            else:  # the record's own CRC is verify's to check
                f.check(rc == 0 and crc == 0 and cout == want_count,
                        "docstats %s flipped: queries exit %d and %d (want 0)" % (part, rc, crc))
            vrc, vout = rc_.verify(a.galley, copy)
            f.check(vrc == 3 and "docstats" in vout, "docstats %s flipped: verify exits %d: %s"
                    % (part, vrc, vout[-500:]))

    # entities, ids and the lexicon (hash_blocks.h): a flipped block is named
    # by verify; an entities block is found by the listing that reads it,
    # and optimize stops and leaves the file; a lexicon block stops --append
    for table, argv, fails, timeout in (
            ("entities", [a.galley, "optimize", copy], "optimize", 120),
            ("ids", None, None, None),
            ("lexicon", [a.galley, "index", "-q", "--device", "ref", "--append", "-o", copy, bbc],
             "index --append", 300)):
        recs = [(k, v) for k, v in dump(idx, table) if len(v) >= 24]
        n = 0
        for n, (k, v) in enumerate(flipped_copies(idx, copy, recs, rng, 2), 1):
            if table == "entities":
                rc, out, err = rc_.run([a.galley, "entities", copy, "--top", "0"], timeout=60)
                f.check(rc == 3 and "entities" in err,
                        "entities block %s flipped: entities exits %d (want 3 naming entities): "
                        "%s" % (k.hex(), rc, (out + err).strip()[-300:]))
            vrc, vout = rc_.verify(a.galley, copy)
            f.check(vrc == 3 and re.search(r"\b%s\b.*\bbatch %d\b"
                                           % (table, int.from_bytes(k[:4], "big")), vout),
                    "%s block %s flipped: verify exits %d, want 3 naming it: %s"
                    % (table, k.hex(), vrc, vout[-500:]))
            if argv and n == 1:
                rc, out, err, kept = run_keeping(copy, argv, timeout)
                f.check(rc == 3 and table in err and kept,
                        "%s block flipped: %s exits %d (want 3 naming %s, the file as it "
                        "was): %s" % (table, fails, rc, table, (out + err).strip()[:300]))
        f.check(n >= 1, "no %s block could be located in data.mdb" % table)

    damaged_pages(a, f, idx, copy, vout)
    escaped_bytes(a, f, idx, copy)

    src = open(os.path.join(idx, "data.mdb"), "rb").read()
    more = os.path.join(scratch, "more.jsonl")  # what --append adds to a damaged copy
    data = subprocess.run(["zstd", "-dc", bbc], capture_output=True, check=True).stdout
    open(more, "wb").write(b"".join(data.splitlines(True)[:40]))
    truncated_copies(a, f, src, copy, more)

    # many random bytes anywhere: LMDB's own pages included
    queries = os.path.join(scratch, "queries.txt")
    open(queries, "w").write('said\n"the film"\ngov*\n')
    outcomes = {}
    for t in range(a.random_trials):
        data = bytearray(src)
        for _ in range(rng.choice([1, 8, 64])):
            data[rng.randrange(2 * 4096, len(data))] ^= 1 << rng.randrange(8)
        shutil.rmtree(copy, ignore_errors=True)
        os.makedirs(copy)
        open(os.path.join(copy, "data.mdb"), "wb").write(data)
        keep = os.environ.get("GALLEY_KEEP_CORRUPT")
        if keep:
            shutil.copy(os.path.join(copy, "data.mdb"), os.path.join(keep, "flips-%d.mdb" % t))
        shutil.rmtree(copy + "-compact", ignore_errors=True)
        shutil.rmtree(copy + "-merged", ignore_errors=True)
        for argv in ([a.galley, "query", copy, "--count", "said"],
                     [a.galley, "query", copy, "-n", "3", "government OR film"],
                     [a.galley, "query", copy, "-n", "3", "--json", '"the film" gov*'],
                     # a prefix past its cap: its other terms read, and scored, in one pass
                     [a.galley, "query", copy, "-n", "3", "--prefix-cap", "2", "s* film"],
                     [a.galley, "entities", copy, "--top", "5"],
                     [a.galley, "show", copy, "#5"],
                     [a.galley, "show", copy, "--all"],
                     [a.galley, "compact", copy, copy + "-compact"],
                     [a.galley, "verify", "-q", copy],
                     [a.galley, "optimize", copy],
                     [a.galley, "merge", "-q", "--device", "ref", "-o", copy + "-merged", copy],
                     [a.galley, "bench", "query", copy, queries, "--runs", "1"],
                     [a.galley, "delete", copy, "--query", "t*"],
                     [a.galley, "delete", copy, "#5"],
                     [a.galley, "index", "-q", "--device", "ref", "--append", "-o", copy, more]):
            try:
                rc, out, err = rc_.run(argv, timeout=60)
            except AssertionError as e:
                f.check(False, "random flips trial %d (seed %d): %s" % (t, a.seed, e))
                continue
            outcomes[rc] = outcomes.get(rc, 0) + 1
            report = rc_.sanitizer_error(err)
            f.check(rc in (0, 1, 3) and not report, "random flips trial %d (seed %d): %s exits %d: %s"
                    % (t, a.seed, argv[1], rc, report or err.strip()[:300]))
    print("random flips: exit statuses %s" % sorted(outcomes.items()), flush=True)


if __name__ == "__main__":
    main()
