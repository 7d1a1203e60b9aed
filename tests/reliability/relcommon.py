"""Shared helpers for the reliability tests (tests/reliability/*.py).

Every test takes --galley BIN --work DIR [--shared DIR] [--seed N], prints its
seed first, and exits 0 (pass), 1 (fail) or 77 (skipped, with the reason
printed).  Nothing here shares code with galley: the corpora are read with
the zstd command and Python's json module.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def parse_args(desc, need_shared=False, extra=None):
    ap = argparse.ArgumentParser(description=desc)
    ap.add_argument("--galley", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--seed", type=int, default=None,
                    help="random seed (default: from GALLEY_TEST_SEED or the clock)")
    if extra:
        extra(ap)
    a = ap.parse_args()
    if a.seed is None:
        env = os.environ.get("GALLEY_TEST_SEED")
        a.seed = int(env) if env else int(time.time()) % 1000003
    # every test says its seed first, so that a failure in CI can be rerun
    print("seed %d (rerun with --seed %d or GALLEY_TEST_SEED=%d)" % (a.seed, a.seed, a.seed),
          flush=True)
    if need_shared:
        corpora = os.path.join(a.shared or "", "corpora")
        if not a.shared or not os.path.isdir(corpora):
            skip("no corpus directory '%s' (../shared is absent)" % corpora)
    return a


def sanitizer_error(err):
    """The first line of a sanitizer's report in err, None when there is none.
    Two kinds do not count.  A SEGV or BUS on an unknown address: in a
    sanitized build (tests/run_sanitized.sh) the read-only commands have no
    fault handler of galley's, so a read of a damaged index faults into the
    sanitizer's.  A leak after galley said the index is corrupt: a fault's
    jump out of LMDB abandons what the guarded walk held, on purpose, as the
    process is about to end (fault_guard.h)."""
    corrupt = re.search(r"^galley: error: .*corrupt", err, re.M) is not None
    for line in err.splitlines():
        if re.search(r"AddressSanitizer: (SEGV|BUS) on unknown address", line):
            continue
        if corrupt and "ERROR: LeakSanitizer" in line:
            continue
        if re.search(r"ERROR: (Address|Leak|Thread)Sanitizer|runtime error:", line):
            return line.strip()
    return None


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


class Failures:
    def __init__(self, name):
        self.name = name
        self.count = 0

    def check(self, cond, msg):
        if not cond:
            self.count += 1
            print("FAIL: " + msg, flush=True)
        return cond

    def exit(self):
        if self.count:
            print("%s: %d failure(s)" % (self.name, self.count))
            sys.exit(1)
        print("%s: ok" % self.name)
        sys.exit(0)


def run_checks(a, f, *checks):
    """Run each check(a, f) in a fresh a.work, turn a raised AssertionError
    into a failure, remove a.work and exit with the verdict."""
    fresh_dir(a.work)
    try:
        for check in checks:
            check(a, f)
    except AssertionError as e:
        f.check(False, str(e))
    finally:
        shutil.rmtree(a.work, ignore_errors=True)
    f.exit()


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def scratch_dir(work, name):
    """A directory for indexes that are written a lot: on /dev/shm when it
    is there (fsync costs nothing on tmpfs, and SIGKILL keeps the page
    cache, so kill tests mean the same), else under work."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else work
    return tempfile.mkdtemp(prefix="galley-%s-" % name, dir=base)


def run(argv, timeout=120, stdin=None, env=None):
    """Run a command; returns (rc, stdout, stderr) as text.  A signal or a
    timeout is raised as an error: galley must never crash or hang."""
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise AssertionError("timed out after %ss: %s" % (timeout, " ".join(argv)[:300]))
    if p.returncode < 0:
        raise AssertionError("killed by signal %d: %s\nstderr: %s" % (
            -p.returncode, " ".join(argv)[:300], p.stderr.decode("utf-8", "replace")[-2000:]))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def corpus(shared, name):
    """The path of corpus file name; skips the test when it is missing."""
    path = os.path.join(shared, "corpora", name)
    if not os.path.exists(path):
        skip("corpus file '%s' is missing" % path)
    return path


def write_news_corpus(path, seed, mb, bad_line=None):
    """News-like JSON Lines of about mb MB: Zipf-ish words from a large
    vocabulary (every 1 MB batch adds and updates many lexicon entries) and
    a few named entities.  With bad_line, that line (0-based) is broken
    JSON.  Returns the number of lines."""
    rnd = random.Random(seed)
    vocab = ["w%x" % rnd.getrandbits(28) for _ in range(60000)]
    names = ["Anna Berg", "Oslo", "Carl Meyer", "Bank of Norway", "Lagos", "Ines Duarte"]
    cum, total = [], 0.0
    for i in range(len(vocab)):
        total += 1.0 / (i + 1)
        cum.append(total)
    n, size = 0, 0
    with open(path, "w") as out:
        while size < mb << 20:
            words = rnd.choices(vocab, cum_weights=cum, k=rnd.randint(60, 260))
            rec = {"id": "g%d" % n, "title": " ".join(words[:8]).title(),
                   "body": " ".join(words[8:]) + ". Reported by %s in %s."
                   % (rnd.choice(names), rnd.choice(names))}
            line = json.dumps(rec) + "\n"
            if n == bad_line:
                line = line[: len(line) // 2] + "\n"
            out.write(line)
            size += len(line)
            n += 1
    return n


def ranked(galley, index, q):
    """Exit status and the top 50 ids of q, in BM25 order."""
    rc, out, _ = run([galley, "query", index, q, "--ids", "--limit", "50"])
    return rc, out


def same_answers(a, f, left, right, queries, what):
    """Every query finds the same ids, and ranks its top 50 the same, on
    index left as on index right."""
    ids_l = query_ids(a.galley, left, queries)
    ids_r = query_ids(a.galley, right, queries)
    hits = 0
    for q in queries:
        hits += len(ids_l[q])
        f.check(ids_l[q] == ids_r[q], "%s: %r: %d ids in %s, %d in %s"
                % (what, q, len(ids_l[q]), left, len(ids_r[q]), right))
        f.check(ranked(a.galley, left, q) == ranked(a.galley, right, q),
                "%s: %r ranks differently" % (what, q))
    print("%s: %d queries, %d hits in all, the same ids and ranking" % (what, len(queries), hits))


def dump_table(index, table):
    """`mdb_dump -s table -p index` output (bytes), or a marker of its failure."""
    p = subprocess.run(["mdb_dump", "-s", table, "-p", index], capture_output=True)
    return p.stdout if p.returncode == 0 else b"exit %d" % p.returncode


def append_to(a, f, indexes, src):
    """`galley index --append` src to every index (reference path)."""
    for index in indexes:
        rc, _, err = run([a.galley, "index", "-q", "--device", "ref", "--append", "-o", index,
                          src], timeout=600)
        f.check(rc == 0, "--append to %s: exit %d: %s" % (index, rc, err.strip()))


def corpus_ids(path):
    """External ids of a JSONL(.zst) corpus, in input order."""
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    else:
        data = open(path, "rb").read()
    ids = []
    for line in data.split(b"\n"):
        if line.strip():
            ids.append(str(json.loads(line)["id"]))
    return ids


def need_zstd():
    if shutil.which("zstd") is None:
        skip("the zstd command is not installed")


def stats(galley, index):
    rc, out, err = run([galley, "stats", index, "--json"])
    if rc != 0:
        raise AssertionError("galley stats %s: exit %d: %s" % (index, rc, err.strip()))
    return json.loads(out)


def query_ids(galley, index, queries, timeout=120):
    """{query: set of external ids} for every query, in one process; each
    exit status must be 0 or 1 (hits or none)."""
    text = "".join(q + "\n" for q in queries)
    rc, out, err = run([galley, "query", index, "--queries", "-", "--ids", "--limit", "0"],
                       stdin=text.encode(), timeout=timeout)
    if rc not in (0, 1):
        raise AssertionError("galley query --queries on %s: exit %d: %s" % (index, rc, err.strip()))
    res = {q: set() for q in queries}
    for line in out.splitlines():
        q, _, doc_id = line.partition("\t")
        res.setdefault(q, set()).add(doc_id)
    return res


def top_hits(galley, index, queries, timeout=120):
    """{query: [(external id, score)] of its top 10}, in one process."""
    text = "".join(q + "\n" for q in queries)
    rc, out, err = run([galley, "query", index, "--queries", "-", "--json", "-n", "10"],
                       stdin=text.encode(), timeout=timeout)
    if rc not in (0, 1):
        raise AssertionError("galley query --json %s: exit %d: %s" % (index, rc, err.strip()))
    hits = {q: [] for q in queries}
    for h in map(json.loads, out.splitlines()):
        hits[h["query"]].append((h["id"], h["score"]))
    return hits


def query_counts(galley, index, queries, timeout=120):
    """{query: count} in one process."""
    text = "".join(q + "\n" for q in queries)
    rc, out, err = run([galley, "query", index, "--queries", "-", "--count"],
                       stdin=text.encode(), timeout=timeout)
    if rc not in (0, 1):
        raise AssertionError("galley query --count on %s: exit %d: %s" % (index, rc, err.strip()))
    res = {}
    for line in out.splitlines():
        n, _, q = line.partition("\t")
        res[q] = int(n)
    return res


def verify(galley, index, timeout=300):
    rc, out, err = run([galley, "verify", index], timeout=timeout)
    return rc, out + err


def kill_group(p):
    try:
        os.kill(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_after_commits(galley, argv, index, commits, timeout=60):
    """Start argv, a `galley index` that writes index, and SIGKILL it once
    index holds `commits` batches more than it did (polling `galley stats`);
    True when it was killed so (or after timeout s), False when it ended
    first."""
    def batches():
        rc, out, _ = run([galley, "stats", index, "--json"])
        return json.loads(out)["batches"] if rc == 0 else 0
    want = batches() + commits
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while p.poll() is None and time.time() - t0 < timeout and batches() < want:
        time.sleep(0.01)
    if p.poll() is not None:
        return False
    p.kill()
    p.wait()
    return True
