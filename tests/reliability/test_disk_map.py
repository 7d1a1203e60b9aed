#!/usr/bin/env python3
"""A full disk and a full LMDB map.

  - Disk: an 8 MB tmpfs is mounted (root needed; skipped with 77 when the
    mount fails) and Reuters + BBC (tens of MB of index) is indexed into it
    with 1 MB batches.  `galley index` must exit 6 and say the disk is full;
    the index must stay at its last committed batch: it opens, verifies, and
    answers exactly like a complete index restricted to the documents it
    holds, and 150 readers at once can read it.  `galley optimize` there, and
    with room for half a copy, exits 6 and leaves it as it was; `galley
    compact` and a new index there exit 6 and leave nothing behind.  After a
    second tmpfs is mounted over a copy with room to spare, --resume
    completes it.
  - Shards: `--shards 2` into a full 8 MB tmpfs exits 6 in one line, each
    shard verifies at its last commit, and with room again `--resume
    --shards 2` completes both to what an uninterrupted run answers.
  - Map: with GALLEY_INITIAL_MAP_MB=1 the map must grow many times over
    while BBC is indexed (1 MB batches), and the index must equal one built
    with the default map.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402

QUERIES = ["said", "the", "bank", "film", '"interest rates"', "oil OR gas", "title:trade", "compan*"]


def main():
    a = rc_.parse_args(__doc__, need_shared=True)
    rc_.need_zstd()
    f = rc_.Failures("disk_map")
    rc_.fresh_dir(a.work)
    reuters = rc_.corpus(a.shared, "reuters21578.jsonl.zst")
    bbc = rc_.corpus(a.shared, "bbc.jsonl.zst")
    scratch = rc_.scratch_dir(a.work, "disk")
    try:
        check_map(a, f, scratch, bbc)
        check_disk(a, f, a.work, scratch, [reuters, bbc])
        check_shards_disk(a, f, a.work, scratch)
    except AssertionError as e:
        f.check(False, str(e))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    f.exit()


def index(a, out, inputs, *extra, env=None, timeout=600):
    return rc_.run([a.galley, "index", "-q", "--device", "ref", "--batch-mb", "1", "-o", out]
                   + list(extra) + inputs, env=env, timeout=timeout)


def check_map(a, f, scratch, bbc):
    ref = os.path.join(scratch, "map-ref")
    small = os.path.join(scratch, "map-small")
    rc, _, err = index(a, ref, [bbc])
    f.check(rc == 0, "reference build: exit %d: %s" % (rc, err.strip()))
    env = dict(os.environ, GALLEY_INITIAL_MAP_MB="1")
    rc, _, err = index(a, small, [bbc], env=env)
    f.check(rc == 0, "build starting from a 1 MB map: exit %d: %s" % (rc, err.strip()))
    size = os.path.getsize(os.path.join(small, "data.mdb"))
    f.check(size > 4 << 20, "the index is only %d bytes: the map never had to grow" % size)
    vrc, vout = rc_.verify(a.galley, small)
    f.check(vrc == 0, "verify after map growth: exit %d: %s" % (vrc, vout[-800:]))
    f.check(rc_.query_ids(a.galley, small, QUERIES) == rc_.query_ids(a.galley, ref, QUERIES),
            "the index built through map growth answers differently")
    print("map: grew from 1 MB to hold %d bytes" % size, flush=True)


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "galley-test", path],
                       capture_output=True)
    return p.returncode == 0, p.stderr.decode("utf-8", "replace").strip()


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


def check_disk(a, f, work, scratch, inputs):
    mnt = os.path.join(work, "tmpfs")
    ok, why = mount_tmpfs(mnt, "8m")
    if not ok:
        print("disk: skipped: cannot mount a tmpfs (%s); the map check ran" % why)
        return
    try:
        idx = os.path.join(mnt, "idx")
        rc, _, err = index(a, idx, inputs)
        f.check(rc == 6, "indexing into a full disk: exit %d, want 6: %s" % (rc, err.strip()))
        f.check("space" in err.lower() or "full" in err.lower(),
                "the error does not say the disk is full: %s" % err.strip())
        print("disk: %s" % err.strip().splitlines()[0] if err.strip() else "disk: (no message)")
        if not os.path.exists(os.path.join(idx, "data.mdb")):
            f.check(False, "no index was left on the full disk")
            return
        st = rc_.stats(a.galley, idx)
        n = st["documents"]
        print("disk: %d documents committed before the disk filled" % n, flush=True)
        vrc, vout = rc_.verify(a.galley, idx)
        f.check(vrc == 0, "verify after the disk filled: exit %d: %s" % (vrc, vout[-800:]))
        # readers at once, each holding its slot of lock.mdb: slots on pages
        # never written faulted on the full disk until the lock file was given
        # its blocks when made (store.c)
        procs = [subprocess.Popen([a.galley, "query", idx, "--queries", "-", "--count"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE) for _ in range(150)]
        for p in procs:
            try:
                p.stdin.write(b"said\n")
                p.stdin.flush()
            except BrokenPipeError:  # it died already: its status says how
                pass
        statuses = []
        for p in procs:
            try:
                _, perr = p.communicate(b"bank\n", timeout=120)
            except BrokenPipeError:
                _, perr = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                _, perr = p.communicate()
            statuses.append((p.returncode, perr.decode("utf-8", "replace").strip()))
        bad = [s_ for s_ in statuses if s_[0] != 0]
        f.check(not bad, "%d of 150 readers at once on the full disk failed, e.g. %s"
                % (len(bad), bad[:1]))
        # optimize writes a second file (its text packed by threads meanwhile):
        # on the full disk it must stop cleanly and leave the index as it was
        data = os.path.join(idx, "data.mdb")
        kept = open(data, "rb").read()
        rc, _, err = rc_.run([a.galley, "optimize", idx], timeout=300)
        f.check(rc == 6 and ("space" in err.lower() or "full" in err.lower()),
                "optimize on the full disk: exit %d, want 6 saying so: %s" % (rc, err.strip()))
        f.check(open(data, "rb").read() == kept, "a failed optimize changed the index")
        f.check(not os.path.exists(os.path.join(idx, "optimize.tmp")),
                "a failed optimize left its scratch directory on the full disk")
        print("disk: optimize: %s" % (err.strip().splitlines() or ["(no message)"])[-1])
        # a compacted copy, or a new index, on the full disk: exit 6, no signal
        # (LMDB makes a new lock file through a map: no room faulted), nothing
        # half written left behind
        copy = os.path.join(mnt, "copy")
        rc, _, err = rc_.run([a.galley, "compact", idx, copy], timeout=120)
        f.check(rc == 6 and not os.path.exists(copy),
                "compact on the full disk: exit %d (want 6), %s left: %s"
                % (rc, "OUT" if os.path.exists(copy) else "nothing", err.strip()))
        rc, _, err = index(a, os.path.join(mnt, "new"), inputs[:1])
        f.check(rc == 6 and "no space left" in err,
                "a new index on the full disk: exit %d, want 6: %s" % (rc, err.strip()))
        order = {}
        for p in inputs:
            for doc_id in rc_.corpus_ids(p):
                order.setdefault(doc_id, len(order))
        full_dir = os.path.join(scratch, "disk-ref")
        rc, _, err = index(a, full_dir, inputs)
        f.check(rc == 0, "reference build: exit %d: %s" % (rc, err.strip()))
        full = rc_.query_ids(a.galley, full_dir, QUERIES)
        got = rc_.query_ids(a.galley, idx, QUERIES)
        for q in QUERIES:
            want = {i for i in full[q] if order[i] < n}
            f.check(got[q] == want, "after the disk filled, %r finds %d ids, want %d"
                    % (q, len(got[q]), len(want)))
        # room for half a copy: optimize runs out mid-way, its text threads busy
        mid = os.path.join(work, "tmpfs-mid")
        ok, why = mount_tmpfs(mid, "%dk" % (len(kept) * 3 // 2 // 1024 + 64))
        if ok:
            try:
                copy = os.path.join(mid, "idx")
                shutil.copytree(idx, copy)
                rc, _, err = rc_.run([a.galley, "optimize", copy], timeout=300)
                f.check(rc == 6 and "no space left" in err,
                        "optimize with room for half a copy: exit %d, want 6: %s"
                        % (rc, err.strip()))
                print("disk: optimize, room for half a copy: %s"
                      % (err.strip().splitlines() or ["(no message)"])[-1])
                f.check(open(os.path.join(copy, "data.mdb"), "rb").read() == kept,
                        "a failed optimize changed the index")
                f.check(not os.path.exists(os.path.join(copy, "optimize.tmp")),
                        "a failed optimize left its scratch directory")
                vrc, vout = rc_.verify(a.galley, copy)
                f.check(vrc == 0, "verify after optimize ran out of room: exit %d: %s"
                        % (vrc, vout[-500:]))
            finally:
                umount(mid)
        # room again: a copy on a bigger tmpfs resumes to the complete index
        big = os.path.join(work, "tmpfs-big")
        ok, why = mount_tmpfs(big, "256m")
        if ok:
            try:
                copy = os.path.join(big, "idx")
                shutil.copytree(idx, copy)
                os.remove(os.path.join(copy, "lock.mdb")) if os.path.exists(
                    os.path.join(copy, "lock.mdb")) else None
                rc, _, err = index(a, copy, inputs, "--resume")
                f.check(rc == 0, "--resume with room again: exit %d: %s" % (rc, err.strip()))
                f.check(rc_.query_ids(a.galley, copy, QUERIES) == full,
                        "the resumed index answers differently from a complete build")
            finally:
                umount(big)
    finally:
        umount(mnt)



def check_shards_disk(a, f, work, scratch):
    """--shards 2 into a full disk: exit 6 in one line, each shard at its last
    commit (it verifies); with room again --resume --shards 2 completes both
    to what an uninterrupted run answers."""
    src = os.path.join(work, "shards.jsonl")
    rc_.write_news_corpus(src, a.seed, 12)
    whole = os.path.join(scratch, "shards-ref")
    rc, _, err = index(a, whole, [src], "--shards", "2")
    f.check(rc == 0, "--shards 2 reference build: exit %d: %s" % (rc, err.strip()))
    mnt = os.path.join(work, "tmpfs-shards")
    ok, why = mount_tmpfs(mnt, "8m")
    if not ok:
        print("shards on a full disk: skipped: cannot mount a tmpfs (%s)" % why)
        return
    big = os.path.join(work, "tmpfs-shards-big")
    try:
        idx = os.path.join(mnt, "idx")
        rc, _, err = index(a, idx, [src], "--shards", "2")
        f.check(rc == 6 and "no space left" in err.lower() and len(err.strip().splitlines()) == 1,
                "--shards 2 into a full disk: exit %d, want 6 in one line: %s" % (rc, err.strip()))
        held = []
        for k in (1, 2):
            d = os.path.join(idx, "shard-%d" % k)
            vrc, vout = rc_.verify(a.galley, d)
            f.check(vrc == 0, "verify %s after the disk filled: exit %d: %s" % (d, vrc, vout[-500:]))
            held.append(rc_.stats(a.galley, d)["documents"] if vrc == 0 else None)
        print("shards on a full disk: %s; committed %s" % (err.strip(), held), flush=True)
        ok, why = mount_tmpfs(big, "256m")
        if not ok:
            print("shards on a full disk: resume skipped: cannot mount a tmpfs (%s)" % why)
            return
        copy = os.path.join(big, "idx")
        shutil.copytree(idx, copy)
        rc, _, err = index(a, copy, [src], "--shards", "2", "--resume")
        f.check(rc == 0, "--resume --shards 2 with room again: exit %d: %s" % (rc, err.strip()))
        queries = ["said", "the", "oslo", '"reported by"', "entity:\"Anna Berg\""]
        f.check(rc_.query_ids(a.galley, copy, queries) == rc_.query_ids(a.galley, whole, queries),
                "the resumed shards answer differently from an uninterrupted --shards 2 run")
    finally:
        umount(big)
        umount(mnt)


if __name__ == "__main__":
    main()
