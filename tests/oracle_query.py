#!/usr/bin/env python3
"""oracle_query.py - a brute-force reference for galley's whole query language.

Built on oracle.py's tokenizer (DESIGN.md "Tokenizer rules"); it shares no
code with galley.  A query is parsed into a small tree; every leaf is answered
by scanning every document, and the tree combines the leaves' document sets
with plain set operations.  Nothing is clever, so that it is easy to believe.

Language (DESIGN.md "Query language", `galley query --help`, issue 3):
  a b            implicit AND (AND may be written)
  a OR b         either; implicit AND binds tighter: a OR b -c = a OR (b AND NOT c)
  NOT a, -a      NOT (binds to the one operand that follows)
  ( ... )        grouping
  "w1 w2"        phrase: consecutive positions inside one field (title or body);
                 a bare word that tokenizes into several tokens (u.s.) is a phrase
  "w1 w2 w3"~N   NEAR, with SQLite FTS5's rule: every (distinct) word occurs in
                 ONE field, and there is a choice of one occurrence of each such
                 that at most N tokens lie strictly between the first and the last
                 of them (the chosen occurrences of the other words count among
                 those N, as in FTS5: NEAR(a b c, 0) never matches).  The rule
                 "at most N tokens other than the chosen ones" is available as
                 near_rule="other" for comparison; the two agree for two words.
  pre*           prefix: every lexicon term (a folded token of any title or body)
                 starting with the folded prefix (galley reads the first
                 `prefix_cap`, 256, in UTF-8 byte order, through cursors of
                 their own and the rest in one pass; it finds and ranks by all)
  title:X        X (word, "phrase", "near"~N, prefix*, or (group)) inside titles
  date:A..B      inclusive days on the date part of the document's ISO date;
                 A or B may be left out; YYYY-MM and YYYY mean the whole month or
                 year (as either end, too); documents without a date never match
Operators are case-sensitive: `or`, `and`, `not` are words.  A query needs at
least one positive term.  Errors raise QueryError(message, column) with a
1-based column in code points.

Command line:
  oracle_query.py FILE.jsonl[.zst] QUERY [--ids] [--near-rule fts5|other]
  oracle_query.py --parse QUERY       print the tree
  oracle_query.py --selftest
"""

import itertools
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

PREFIX_CAP = 256
OPERATORS = ("OR", "AND", "NOT")
SPACE = " \t\n\r\f\v"
DATE_PART = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
DOC_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class QueryError(ValueError):
    def __init__(self, message, column):
        ValueError.__init__(self, "%s at column %d" % (message, column))
        self.message = message
        self.column = column


# ---------------------------------------------------------------- the tree
# Nodes are tuples, first item the kind:
#   ("term", tokens, title)         tokens: folded tokens (a phrase when > 1)
#   ("near", words, n, title)       words: distinct folded tokens
#   ("prefix", folded, title)
#   ("date", lo, hi)                'YYYY-MM-DD' strings or None (open)
#   ("and", [kids]) ("or", [kids]) ("not", kid)

def fmt(node):
    k = node[0]
    t = lambda title: "title:" if title else ""
    if k == "term":
        return t(node[2]) + ('"%s"' % " ".join(node[1]) if len(node[1]) > 1 else node[1][0])
    if k == "near":
        return t(node[3]) + '"%s"~%d' % (" ".join(node[1]), node[2])
    if k == "prefix":
        return t(node[2]) + node[1] + "*"
    if k == "date":
        return "date:%s..%s" % (node[1] or "", node[2] or "")
    if k == "not":
        return "NOT " + fmt(node[1])
    return "(" + (" OR " if k == "or" else " AND ").join(fmt(c) for c in node[1]) + ")"


# ---------------------------------------------------------------- parsing

def _days_in_month(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def _date_bounds(text):
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' -> (first day, last day), or None."""
    m = DATE_PART.match(text)
    if not m:
        return None
    y = int(m.group(1))
    if m.group(2) is None:
        return "%04d-01-01" % y, "%04d-12-31" % y
    mo = int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    if m.group(3) is None:
        return "%04d-%02d-01" % (y, mo), "%04d-%02d-%02d" % (y, mo, _days_in_month(y, mo))
    d = int(m.group(3))
    if not 1 <= d <= _days_in_month(y, mo):
        return None
    return text, text


class _Parser:
    def __init__(self, text):
        self.s = oracle.decode(text)
        self.i = 0

    def col(self, off=None):
        return (self.i if off is None else off) + 1  # str offsets are code points

    def skip(self):
        while self.i < len(self.s) and self.s[self.i] in SPACE:
            self.i += 1

    def word_end(self, j):
        while j < len(self.s) and self.s[j] not in SPACE and self.s[j] not in '()"':
            j += 1
        return j

    def peek_word(self):
        self.skip()
        return self.s[self.i:self.word_end(self.i)]

    def at_end_of_and(self):
        self.skip()
        return self.i >= len(self.s) or self.s[self.i] == ")" or self.peek_word() == "OR"

    def parse(self):
        self.skip()
        if self.i >= len(self.s):
            raise QueryError("empty query", 1)
        node = self.parse_or(False)
        self.skip()
        if self.i < len(self.s):
            raise QueryError("unexpected ')'", self.col())
        if not positive(node):
            raise QueryError("a query needs at least one positive term", 1)
        return node

    def parse_or(self, title):
        kids = [self.parse_and(title)]
        while self.peek_word() == "OR":
            self.i += 2
            self.skip()
            if self.i >= len(self.s) or self.s[self.i] == ")":
                raise QueryError("OR needs a term on its right", self.col())
            kids.append(self.parse_and(title))
        return kids[0] if len(kids) == 1 else ("or", kids)

    def parse_and(self, title):
        self.skip()
        if self.i >= len(self.s) or self.s[self.i] == ")" or self.peek_word() == "OR":
            raise QueryError("expected a term", self.col())
        kids = [self.parse_unary(title)]
        while not self.at_end_of_and():
            if self.peek_word() == "AND":
                self.i += 3
                self.skip()
                if self.at_end_of_and():
                    raise QueryError("AND needs a term on its right", self.col())
            kids.append(self.parse_unary(title))
        return kids[0] if len(kids) == 1 else ("and", kids)

    def parse_unary(self, title):
        self.skip()
        if self.peek_word() == "NOT":
            self.i += 3
            self.skip()
            if self.at_end_of_and():
                raise QueryError("NOT needs a term", self.col())
            return ("not", self.parse_unary(title))
        if (self.s[self.i] == "-" and self.i + 1 < len(self.s)
                and self.s[self.i + 1] not in SPACE and self.s[self.i + 1] != ")"):
            self.i += 1
            return ("not", self.parse_unary(title))
        return self.parse_primary(title)

    def parse_primary(self, title):
        self.skip()
        s, start = self.s, self.i
        if start >= len(s):
            raise QueryError("expected a term", self.col())
        c = s[start]
        if c == "(":
            self.i += 1
            self.skip()
            if self.i < len(s) and s[self.i] == ")":
                raise QueryError("empty parentheses", self.col())
            node = self.parse_or(title)
            self.skip()
            if self.i >= len(s) or s[self.i] != ")":
                raise QueryError("unclosed '('", self.col(start))
            self.i += 1
            return node
        if c == ")":
            raise QueryError("unexpected ')'", self.col())
        if c == '"':
            close = s.find('"', start + 1)
            if close < 0:
                raise QueryError("unclosed quote", self.col(start))
            inner = s[start + 1:close]
            self.i = close + 1
            toks = quoted_tokens(inner)
            m = re.match(r"~(\d+)", s[self.i:])
            if m:
                self.i += m.end()
                return self.near(toks, int(m.group(1)), title, start)
            if len(toks) == 1 and toks[0] and toks[0].endswith("*"):
                return ("prefix", toks[0][:-1], title)
            return self.term(toks, title, start)
        end = self.word_end(start)
        word = s[start:end]
        if word.startswith("title:"):
            self.i = start + 6
            if self.i >= len(s) or s[self.i] in SPACE or s[self.i] == ")":
                raise QueryError("title: needs a word, phrase or group", self.col(start))
            if s[self.i] == "-" and self.i + 1 < len(s) and s[self.i + 1] not in SPACE + '()"':
                raise QueryError("title: cannot take '-'", self.col(start))
            return self.parse_primary(True)
        if word.startswith("date:"):
            self.i = end
            return self.date(word[5:], start)
        self.i = end
        if word.endswith("*") and len(word) > 1:
            toks = oracle.tokenize(word[:-1])
            if len(toks) != 1 or toks[0] is None:
                raise QueryError("a prefix must be one word", self.col(start))
            return ("prefix", toks[0], title)
        return self.term(word, title, start)

    def term(self, text, title, start):
        toks = oracle.tokenize(text) if isinstance(text, str) else text
        if not toks:
            raise QueryError("no word to search for", self.col(start))
        return ("term", ["\x02" if t is None else t for t in toks], title)

    def near(self, toks, n, title, start):
        words = []
        for t in toks:
            t = "\x02" if t is None else t
            if t not in words:
                words.append(t)
        if not words:
            raise QueryError("no word to search for", self.col(start))
        return ("near", words, n, title)

    def date(self, spec, start):
        if not spec or spec == "..":
            raise QueryError("date: needs a day or a range", self.col(start))
        if ".." in spec:
            a, b = spec.split("..", 1)
            lo = hi = None
            if a:
                r = _date_bounds(a)
                if r is None:
                    raise QueryError("bad date", self.col(start + 5))
                lo = r[0]
            if b:
                r = _date_bounds(b)
                if r is None:
                    raise QueryError("bad date", self.col(start + 5 + len(a) + 2))
                hi = r[1]
            if lo and hi and lo > hi:
                raise QueryError("date range ends before it starts", self.col(start + 5))
            return ("date", lo, hi)
        r = _date_bounds(spec)
        if r is None:
            raise QueryError("bad date", self.col(start + 5))
        return ("date", r[0], r[1])


def quoted_tokens(text):
    """The folded tokens of quoted text, a prefix one ending in '*': a
    token followed by stars and then no token at once ("a*b" is a, b)."""
    out = []
    for m in oracle.WORD_RE.finditer(text):
        tok = oracle.tokenize(m.group())[0]
        k = m.end()
        while k < len(text) and text[k] == "*":
            k += 1
        star = k > m.end() and not (k < len(text) and oracle.WORD_RE.match(text, k))
        out.append(tok + "*" if star and tok is not None else tok)
    return out


def positive(node):
    """A node that can match without NOT: leaves, AND with one positive
    child, OR whose children all are."""
    k = node[0]
    if k == "not":
        return False
    if k == "and":
        return any(positive(c) for c in node[1])
    if k == "or":
        return all(positive(c) for c in node[1])
    return True


def parse(query):
    return _Parser(query).parse()


# ---------------------------------------------------------------- documents

class QDoc:
    __slots__ = ("id", "title", "body", "date", "_tt", "_bt")

    def __init__(self, ident, title_tokens, body_tokens, date):
        self.id = ident
        # " tok tok " strings, \x01 for a token too long to index (as oracle.py)
        self.title = " " + " ".join("\x01" if t is None else t for t in title_tokens) + " "
        self.body = " " + " ".join("\x01" if t is None else t for t in body_tokens) + " "
        self.date = date
        self._tt = self._bt = None

    def tokens(self, which):
        """The token list of "title" or "body" (computed on demand)."""
        if which == "title":
            if self._tt is None:
                self._tt = self.title.strip(" ").split(" ") if self.title != "  " else []
            return self._tt
        if self._bt is None:
            self._bt = self.body.strip(" ").split(" ") if self.body != "  " else []
        return self._bt


def _str(rec, key):
    v = rec.get(key, "")
    return v if isinstance(v, str) else ""


def word_is(token, word):
    """A token is a query word: the same, or starting so (prefix*)."""
    if word.endswith("*"):
        return token != "\x01" and token.startswith(word[:-1])
    return token == word


def near_in(tokens, words, n, rule):
    """Do all the words occur in tokens within the NEAR window?  Smallest
    span over one occurrence of each word (a sweep over the merged positions)."""
    want = set(range(len(words)))
    hits = [(p, w) for p, t in enumerate(tokens) for w in want if word_is(t, words[w])]
    if len({w for _, w in hits}) < len(want):
        return False
    best = None
    count = {}
    left = 0
    for right in range(len(hits)):
        t = hits[right][1]
        count[t] = count.get(t, 0) + 1
        while len(count) == len(want):
            span = hits[right][0] - hits[left][0]
            if best is None or span < best:
                best = span
            lt = hits[left][1]
            count[lt] -= 1
            if not count[lt]:
                del count[lt]
            left += 1
    # best = last - first.  fts5: tokens strictly between <= n.
    if rule == "fts5":
        return best - 1 <= n if best > 0 else True
    # "other": tokens in [first, last] that are not the chosen occurrences.
    return best + 1 - len(want) <= n


class QCorpus:
    """Every document of a JSON Lines corpus, and a brute-force evaluator."""

    def __init__(self, near_rule="fts5", prefix_cap=PREFIX_CAP):
        self.docs = []
        self.near_rule = near_rule
        self.prefix_cap = prefix_cap
        self._lexicon = None
        self.notes = []  # what the last evaluation noticed (prefix caps)

    def add_record(self, rec):
        d = _str(rec, "date")
        m = DOC_DATE.match(d)
        self.docs.append(QDoc(_str(rec, "id"), oracle.tokenize(_str(rec, "title")),
                              oracle.tokenize(_str(rec, "text")), m.group(0) if m else None))
        self._lexicon = None

    def add_jsonl_bytes(self, data):
        for _, rec in oracle.parse_jsonl(data):
            if rec is not None:
                self.add_record(rec)
        return self

    def add_jsonl(self, path):
        return self.add_jsonl_bytes(oracle.read_bytes(path))

    def lexicon(self):
        """Every indexed folded token, sorted by UTF-8 bytes."""
        if self._lexicon is None:
            terms = set()
            for d in self.docs:
                terms.update(d.title.split(" "))
                terms.update(d.body.split(" "))
            terms.discard("")
            terms.discard("\x01")
            self._lexicon = sorted(terms, key=lambda t: t.encode("utf-8"))
        return self._lexicon

    def expand(self, prefix):
        """(terms, capped): the prefix's expansion, first prefix_cap in byte order."""
        lex = self.lexicon()
        out = [t for t in lex if t.startswith(prefix)]
        return out[:self.prefix_cap], len(out) > self.prefix_cap

    # ------------------------------------------------------------ evaluation

    def evaluate(self, node):
        """The set of document numbers (indexes into self.docs) matching node."""
        k = node[0]
        docs = self.docs
        if k == "and":
            out = None
            for c in sorted(node[1], key=lambda c: c[0] == "not"):
                if c[0] == "not" and out is not None:
                    out -= self.evaluate(c[1])
                else:
                    s = self.evaluate(c)
                    out = s if out is None else out & s
            return out
        if k == "or":
            out = set()
            for c in node[1]:
                out |= self.evaluate(c)
            return out
        if k == "not":
            return set(range(len(docs))) - self.evaluate(node[1])
        if k == "term":
            if any(t.endswith("*") for t in node[1]):  # a prefix* inside the phrase
                rx = re.compile("(?<= )" + " ".join(
                    re.escape(t[:-1]) + "[^ \x01]*" if t.endswith("*") else re.escape(t)
                    for t in node[1]) + "(?= )")
                fields = lambda d: (d.title,) if node[2] else (d.title, d.body)
                return {i for i, d in enumerate(docs) if any(rx.search(f) for f in fields(d))}
            key = " " + " ".join(node[1]) + " "
            if node[2]:
                return {i for i, d in enumerate(docs) if key in d.title}
            return {i for i, d in enumerate(docs) if key in d.title or key in d.body}
        if k == "near":
            words, n, title = node[1], node[2], node[3]
            keys = [" %s " % w for w in words]
            out = set()
            for i, d in enumerate(docs):
                for field in (("title",) if title else ("title", "body")):
                    text = d.title if field == "title" else d.body
                    if all(key in text or key.endswith("* ") for key in keys) and \
                            near_in(d.tokens(field), words, n, self.near_rule):
                        out.add(i)
                        break
            return out
        if k == "prefix":
            terms, capped = self.expand(node[1])
            if capped:
                self.notes.append("prefix %s* capped at %d terms" % (node[1], self.prefix_cap))
            # beyond the cap, terms find documents all the same
            terms = set(t for t in self.lexicon() if t.startswith(node[1]))
            rx = re.compile(r"(?<= )" + re.escape(node[1]) + r"[^ ]*(?= )")
            out = set()
            for i, d in enumerate(docs):
                fields = (d.title,) if node[2] else (d.title, d.body)
                if any(t in terms for f in fields for t in rx.findall(f)):
                    out.add(i)
            return out
        if k == "date":
            lo, hi = node[1], node[2]
            return {i for i, d in enumerate(docs) if d.date is not None
                    and (lo is None or d.date >= lo) and (hi is None or d.date <= hi)}
        raise AssertionError(k)

    def match(self, query):
        """Matching documents, in input order (raises QueryError)."""
        self.notes = []
        hits = self.evaluate(parse(query))
        return [self.docs[i] for i in sorted(hits)]

    def count(self, query):
        return len(self.match(query))

    def ids(self, query):
        return [d.id for d in self.match(query)]


# ---------------------------------------------------------------- self test

def _fts5_table():
    """An in-memory SQLite FTS5 table t(x), or None without sqlite3/FTS5."""
    try:
        import sqlite3
    except ImportError:
        return None
    try:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, detail=full)")
    except sqlite3.Error:
        return None
    return db


def selftest():
    failures = []

    def eq(what, got, want):
        if got != want:
            failures.append("%s: got %r, want %r" % (what, got, want))

    def err(q):
        try:
            parse(q)
        except QueryError as e:
            return e.column
        return None

    # Parsing: precedence, NOT, title:, operators' case.
    eq("or/and", fmt(parse("a OR b -c")), "(a OR (b AND NOT c))")
    eq("AND written", fmt(parse("a AND b OR c")), "((a AND b) OR c)")
    eq("NOT word", fmt(parse("a NOT b c")), "(a AND NOT b AND c)")
    eq("group", fmt(parse("(a OR b) c")), "((a OR b) AND c)")
    eq("lower or", fmt(parse("a or b")), "(a AND or AND b)")
    eq("phrase", fmt(parse('"New York" u.s.')), '("new york" AND "u s")')
    eq("near", fmt(parse('"a b a"~3')), '"a b"~3')
    eq("prefix", fmt(parse("Tarif*")), "tarif*")
    eq("title", fmt(parse('title:(a OR "b c") d')), '((title:a OR title:"b c") AND d)')
    eq("title prefix", fmt(parse("title:ab*")), "title:ab*")
    eq("dates", [fmt(parse(q)) for q in ("date:1987-03", "date:1987", "date:..1987-02-28",
                                         "date:1987-04-01..", "date:1988-02")],
        ["date:1987-03-01..1987-03-31", "date:1987-01-01..1987-12-31", "date:..1987-02-28",
         "date:1987-04-01..", "date:1988-02-01..1988-02-29"])
    eq("neg group", fmt(parse("a -(b OR c)")), "(a AND NOT (b OR c))")
    eq("inner hyphen", fmt(parse("year-on-year")), '"year on year"')
    eq("unclosed quote", err('cocoa "bahia'), 7)
    eq("unclosed paren", err("(a OR b"), 1)
    eq("stray paren", err("a)"), 2)
    eq("only negative", err("-a"), 1)
    eq("bad date", err("date:1987-02-30"), 6)
    eq("reversed range", err("date:1987-03..1987-02") is not None, True)
    eq("dangling OR", err("a OR") is not None, True)
    eq("prefix in a phrase", fmt(parse('a "b c*"')), '(a AND "b c*")')
    eq("prefix alone in quotes", fmt(parse('"c**"')), "c*")
    eq("prefix in a near", fmt(parse('"b* c"~2')), '"b* c"~2')
    eq("star alone in quotes", fmt(parse('"b * c"')), '"b c"')
    eq("star inside a word", fmt(parse('"b*c d"')), '"b c d"')
    eq("minus after title:", err("title:-a b"), 1)

    # NEAR windows, both rules.
    toks = "a x b c".split()
    eq("near fts5 ~0", near_in(toks, ["b", "c"], 0, "fts5"), True)
    eq("near fts5 a c ~1", near_in(toks, ["a", "c"], 1, "fts5"), False)
    eq("near fts5 a c ~2", near_in(toks, ["a", "c"], 2, "fts5"), True)
    eq("near fts5 3 words ~1", near_in("a b c".split(), ["a", "b", "c"], 1, "fts5"), True)
    eq("near fts5 3 words ~0", near_in("a b c".split(), ["a", "b", "c"], 0, "fts5"), False)
    eq("near other 3 words ~0", near_in("a b c".split(), ["a", "b", "c"], 0, "other"), True)
    eq("near one word", near_in(["a"], ["a"], 0, "fts5"), True)

    # Cross-check the fts5 rule with SQLite FTS5 itself, when it is there.
    db = _fts5_table()
    if db is None:
        print("oracle_query self-test: no SQLite FTS5; NEAR cross-check skipped")
    else:
        rng = random.Random(7)
        texts = [" ".join(rng.choice("abcde") for _ in range(rng.randint(1, 9)))
                 for _ in range(300)]
        for x in texts:
            db.execute("INSERT INTO t(x) VALUES (?)", (x,))
        before = len(failures)
        for k in (2, 3, 4):
            for words in itertools.combinations("abcd", k):
                for n in range(0, 5):
                    q = "NEAR(%s, %d)" % (" ".join(words), n)
                    want = {r[0] - 1 for r in db.execute(
                        "SELECT rowid FROM t WHERE t MATCH ?", (q,))}
                    got = {i for i, x in enumerate(texts)
                           if near_in(x.split(), list(words), n, "fts5")}
                    if got != want:
                        failures.append("fts5 %s: %d docs differ" % (q, len(got ^ want)))
        if len(failures) == before:
            print("oracle_query self-test: NEAR agrees with SQLite FTS5 on 300 random texts")
        # a prefix* in a phrase and in NEAR: FTS5's "x" + "y"* and NEAR(x y*, n)
        vocab = ["a", "ab", "abc", "b", "bc", "c"]
        texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 9)))
                 for _ in range(300)]
        db.execute("DELETE FROM t")
        for x in texts:
            db.execute("INSERT INTO t(x) VALUES (?)", (x,))
        before = len(failures)
        for x, y in itertools.product(vocab, repeat=2):
            cases = [('"%s" + "%s"*' % (x, y), '"%s %s*"' % (x, y)),
                     ('"%s"* + "%s"' % (x, y), '"%s* %s"' % (x, y))]
            cases += [("NEAR(%s %s*, %d)" % (x, y, n), '"%s %s*"~%d' % (x, y, n))
                      for n in (0, 2) if x != y]
            for fts, ours in cases:
                want = {r[0] - 1 for r in db.execute("SELECT rowid FROM t WHERE t MATCH ?",
                                                     (fts,))}
                c = QCorpus()
                for i, x_ in enumerate(texts):
                    c.add_record({"id": str(i), "title": "", "text": x_})
                got = {int(d.id) for d in c.match(ours)}
                if got != want:
                    failures.append("fts5 %s: %d docs differ" % (fts, len(got ^ want)))
        if len(failures) == before:
            print("oracle_query self-test: a prefix* in a phrase or NEAR agrees with SQLite "
                  "FTS5 on 300 random texts")

    # Evaluation on toy documents.
    c = QCorpus(prefix_cap=2)
    c.add_record({"id": "1", "title": "Reagan's budget", "date": "1987-02-26T15:01:01.790",
                  "text": "The U.S. trade deficit widened 3.5 pct."})
    c.add_record({"id": "2", "title": "New York trade", "date": "1987-03-01T00:00:00.000",
                  "text": "based on the report, a New York-based bank said"})
    c.add_record({"id": "3", "title": "Trade", "date": "1987-03-31T23:59:59.999",
                  "text": "deficit " + "z" * 70 + " widened; reagan’s plan"})
    c.add_record({"id": "4", "title": "ending with new", "text": "york at the start of the body"})
    eq("or", c.ids("budget OR bank"), ["1", "2"])
    eq("not", c.ids("trade -york"), ["1", "3"])
    eq("NOT", c.ids("trade NOT york"), ["1", "3"])
    eq("or not", c.ids("budget OR trade -deficit"), ["1", "2"])
    eq("lower-case or is a word", c.ids("budget or bank"), [])
    eq("title word", c.ids("title:trade"), ["2", "3"])
    eq("title phrase", c.ids('title:"new york"'), ["2"])
    eq("title group", c.ids("title:(budget OR ending)"), ["1", "4"])
    eq("near 1", c.ids('"deficit widened"~1'), ["1", "3"])
    eq("near 0", c.ids('"widened deficit"~0'), ["1"])
    eq("near fields", c.ids('"new york"~5'), ["2"])
    eq("near repeated", c.ids('"plan plan"~0'), ["3"])
    eq("prefix", c.ids("defic*"), ["1", "3"])
    eq("phrase prefix", c.ids('"trade defic*"'), ["1"])
    eq("phrase prefix first", c.ids('"tra* deficit"'), ["1"])
    eq("phrase prefix field", c.ids('"new yo*"'), ["2"])  # not across title and body
    eq("near prefix", c.ids('"wid* deficit"~1'), ["1", "3"])
    eq("near prefix 0", c.ids('"wid* deficit"~0'), ["1"])
    eq("prefix beyond the cap", c.ids("b*"), ["1", "2", "4"])  # bank, based, body, budget
    eq("prefix note", c.notes, ["prefix b* capped at 2 terms"])
    eq("title prefix", c.ids("title:tra*"), ["2", "3"])
    eq("title prefix beyond the cap", c.ids("title:b*"), ["1"])  # budget, third of 4 b words
    eq("title prefix note", c.notes, ["prefix b* capped at 2 terms"])
    eq("date month", c.ids("date:1987-03"), ["2", "3"])
    eq("date range", c.ids("date:1987-02-26..1987-03-01"), ["1", "2"])
    eq("date open", c.ids("date:..1987-02-26"), ["1"])
    eq("date open end", c.ids("date:1987-03-01.."), ["2", "3"])
    eq("date year", c.ids("date:1987 -trade"), [])
    eq("date and word", c.ids("date:1987 reagan's"), ["1", "3"])

    if failures:
        for f in failures:
            print("FAIL", f)
        return 1
    print("oracle_query self-test: all checks passed")
    return 0


def main(argv):
    if argv[:1] == ["--selftest"]:
        return selftest()
    if len(argv) == 2 and argv[0] == "--parse":
        print(fmt(parse(argv[1])))
        return 0
    rule = "fts5"
    if "--near-rule" in argv:
        rule = argv[argv.index("--near-rule") + 1]
    args = [a for a in argv if not a.startswith("--") and a not in ("fts5", "other")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    corpus = QCorpus(near_rule=rule).add_jsonl(args[0])
    try:
        hits = corpus.match(args[1])
    except QueryError as e:
        print("oracle_query: error: %s" % e, file=sys.stderr)
        return 2
    for n in corpus.notes:
        print("note: " + n, file=sys.stderr)
    if "--ids" in argv:
        for d in hits:
            print(d.id)
    else:
        print(len(hits))
    return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
