#!/usr/bin/env python3
"""Precision and recall of galley's entity mentions on a hand-labelled sample.

    bench/entity_eval.py --helper build/tests/entity_mentions \
        [--labels tests/data/entities_labelled.jsonl] [--verbose] \
        [--min-precision P --min-recall R]

The labels (tests/data/entities_labelled.jsonl) are real documents from
../shared/corpora (Reuters-21578, BBC, 20 Newsgroups, AG News), each with a field
"entities": the mentions marked by hand, reading the text, as surface strings
in order (title first).  What was marked:
  - proper names of people (without roles or honorifics: "Tony Blair", not
    "Prime Minister Tony Blair" or "Mr Blair"), organisations (with a legal
    suffix written next to the name: "Sony Corp"), places, and other named
    things (teams, events, laws, products, titles of works);
  - acronyms and ticker symbols that name one of those (IMF, <SNE.T> -> SNE);
  - names written in lower case too (20 Newsgroups has some): they count
    against recall, as they should;
  - names in a headline written in title case (AG News: "Avalanche Sign
    Damphousse to One-Year Deal"), as in any other text.
Not marked: nationality words (Japanese, Irish), months and days, roles or
titles alone (the Speaker), ordinary words that start a sentence, sign-offs
("Reuter"), e-mail addresses, and anything on a shouted (all-caps) headline
or wire line, which the rules deliberately ignore.

galley's mentions come from the helper (bench/tools/entity_mentions.c, the
host reference path).  A mention matches a label of the same document when
their words are equal after lower-casing (punctuation inside a name is not
compared: "U.S" = "U.S."); each label matches at most once.  Exit status 1
when --min-precision or --min-recall is given and not reached.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys


def key(s):
    return " ".join(re.findall(r"[^\W_]+", s.lower()))


def corpus_of(source):
    return {"reuters21578": "reuters", "bbc": "bbc", "20news-bydate": "20news",
            "ag_news": "agnews"}.get(source, source)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--helper", required=True, help="path of the entity_mentions binary")
    ap.add_argument("--labels", default=os.path.join(here, "..", "tests", "data",
                                                     "entities_labelled.jsonl"))
    ap.add_argument("--verbose", action="store_true", help="list misses and false hits")
    ap.add_argument("--min-precision", type=float)
    ap.add_argument("--min-recall", type=float)
    args = ap.parse_args()

    labels = {}
    with open(args.labels, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            labels[d["id"]] = (corpus_of(d["source"]), d["entities"])
    env = dict(os.environ, GALLEY_ENTITY_INPUT=args.labels)
    out = subprocess.run([args.helper], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        sys.exit("entity_eval: helper failed with status %d" % out.returncode)

    tp = collections.Counter()
    found = collections.Counter()
    gold = collections.Counter()
    for line in out.stdout.splitlines():
        d = json.loads(line)
        corpus, want = labels[d["id"]]
        got = [m[0] for m in d["mentions"]]
        left = collections.Counter(key(s) for s in want)
        hits = 0
        extra = []
        for s in got:
            k = key(s)
            if left[k] > 0:
                left[k] -= 1
                hits += 1
            else:
                extra.append(s)
        for c in (corpus, "overall"):
            tp[c] += hits
            found[c] += len(got)
            gold[c] += len(want)
        if args.verbose and (extra or +left):
            print("%s:" % d["id"])
            if +left:
                print("   missed: %s" % "; ".join(sorted((+left).elements())))
            if extra:
                print("   extra:  %s" % "; ".join(extra))

    ok = True
    print("%-8s %6s %6s %6s %9s %7s" % ("corpus", "labels", "found", "match", "precision", "recall"))
    for c in ["reuters", "bbc", "20news", "agnews", "overall"]:
        if not gold[c] and not found[c]:
            continue
        p = tp[c] / found[c] if found[c] else 0.0
        r = tp[c] / gold[c] if gold[c] else 0.0
        print("%-8s %6d %6d %6d %9.3f %7.3f" % (c, gold[c], found[c], tp[c], p, r))
        if c == "overall":
            if args.min_precision is not None and p < args.min_precision:
                print("entity_eval: precision %.3f is below %.3f" % (p, args.min_precision))
                ok = False
            if args.min_recall is not None and r < args.min_recall:
                print("entity_eval: recall %.3f is below %.3f" % (r, args.min_recall))
                ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
