#!/usr/bin/env python3
"""test_id_lines.py - external ids through `query --ids` and `delete --ids`.

`galley query IDX Q --ids --limit 0 | galley delete IDX --ids -` must delete
exactly the documents Q matched, whatever their ids hold, and `galley show
IDX LINE` must show the document of each line.  Ids with a
newline, a tab, a leading '"' or '#', or a carriage return at the end come
out as JSON strings (one line each, and "#1" never read as document 1);
plain ones, accented ones included, as they are.  Checked for each such id
alone (its document, and only it, is gone), then: a quoted id given as an
argument; a quoted line that is not one JSON string (exit 4 naming the
line; nothing deleted); such an argument (exit 2).

  test_id_lines.py --galley PATH --work DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

IDS = ["a\nb", "a", "b", "#1", "#x", '"q', "tab\there", "cr\r", "plain", "unicod\u00e9", "\u00e9\u0001",
       "nel\u0085x", "ls\u2028x", "ps\u2029x"]

failures = []


def check(name, ok, want="", got=""):
    print("  %s  %s" % ("ok  " if ok else "FAIL", name) + ("" if ok else "\n      want %r\n      got  %r" % (want, got)),
          flush=True)
    if not ok:
        failures.append(name)


def galley(g, *args, stdin=None):
    p = subprocess.run([g] + list(args), input=stdin, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def build(g, work, name):
    """An index of one document per id: its text a word naming it (w0, w1 ...)
    and a word all share."""
    src = os.path.join(work, name + ".jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for i, id_ in enumerate(IDS):
            f.write(json.dumps({"id": id_, "title": "t%d" % i, "text": "w%d every" % i}) + "\n")
    idx = os.path.join(work, name)
    shutil.rmtree(idx, ignore_errors=True)
    rc, _, err = galley(g, "index", "-q", "--device", "ref", "-o", idx, src)
    if rc:
        sys.exit("cannot build %s: %s" % (idx, err))
    return idx


def live(g, idx):
    """The titles of the live documents (t0, t1 ...)."""
    rc, out, _ = galley(g, "query", idx, "every", "--json", "--limit", "0")
    # JSON lines end at "\n" alone (an id may hold U+2028, which
    # splitlines() would break at)
    return sorted(json.loads(l)["title"] for l in out.split("\n") if l.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--galley", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    g = os.path.abspath(a.galley)
    os.makedirs(a.work, exist_ok=True)
    every = ["t%d" % i for i in range(len(IDS))]

    print("[each id: query --ids | delete --ids -]")
    idx = build(g, a.work, "each")
    gone = []
    for i, id_ in enumerate(IDS):
        rc, ids, err = galley(g, "query", idx, "w%d" % i, "--ids", "--limit", "0")
        # one line to every reader: Python's splitlines breaks at U+0085,
        # U+2028 and U+2029 too
        check("%r: --ids prints one line" % id_,
              rc == 0 and ids.count("\n") == 1 and len(ids.splitlines()) == 1, 1, ids)
        rc, out, err = galley(g, "show", idx, ids.rstrip("\n"), "--json")
        shown = json.loads(out)["id"] if rc == 0 and out.strip() else None
        check("%r: show takes the line --ids printed" % id_, shown == id_, id_, "%d %r %s" % (rc, shown, err))
        # show's labelled form, for a terminal: the id on its line, no
        # control byte but the line breaks (ESC or a newline were raw)
        rc, out, err = galley(g, "show", idx, ids.rstrip("\n"))
        lines = out.split("\n")
        check("%r: show prints it on the id line, controls as '?'" % id_,
              rc == 0 and len(lines) > 1 and lines[0].startswith("id:") and
              lines[1].startswith("doc:") and not any(ord(c) < 0x20 and c != "\n" for c in out),
              "id: ... / doc: ...", "%d %r" % (rc, out[:80]))
        rc, out, err = galley(g, "delete", idx, "--ids", "-", stdin=ids.encode())
        gone.append("t%d" % i)
        check("%r: delete exits 0" % id_, rc == 0, 0, "%d %s" % (rc, err))
        check("%r: exactly its document is gone" % id_,
              live(g, idx) == sorted(set(every) - set(gone)), sorted(set(every) - set(gone)),
              live(g, idx))

    print("[quoted ids as arguments, malformed ones]")
    idx = build(g, a.work, "args")
    rc, _, err = galley(g, "delete", idx, '"#1"', '"a\\nb"')
    check('delete \'"#1"\' \'"a\\nb"\': exit 0', rc == 0, 0, "%d %s" % (rc, err))
    check('the ids "#1" and "a\\nb" are gone, not document 1 or "a"',
          live(g, idx) == sorted(set(every) - {"t0", "t3"}), sorted(set(every) - {"t0", "t3"}),
          live(g, idx))
    bad = os.path.join(a.work, "bad-ids.txt")
    with open(bad, "w") as f:
        f.write("plain\n\"unclosed\n")
    rc, _, err = galley(g, "delete", idx, "--ids", bad)
    check("a quoted line that is not a JSON string: exit 4", rc == 4, 4, "%d %s" % (rc, err))
    check("... naming the file and line 2", "bad-ids.txt', line 2" in err, "line 2", err)
    check("... and nothing deleted", "t8" in live(g, idx), "t8 live", live(g, idx))
    rc, _, err = galley(g, "delete", idx, '"x\\u12"')
    check("a malformed quoted argument: exit 2", rc == 2 and "argument" in err, 2, "%d %s" % (rc, err))

    print("\n%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
