#!/usr/bin/env python3
"""oracle.py - a brute-force reference for galley's tokenizer and queries.

Written from the "Tokenizer rules" of DESIGN.md, independently of galley's C
code, so that the end-to-end tests can compare `galley query` with it.  It
keeps every document's tokens in memory and answers a query by scanning every
document; nothing here is clever, so that it is easy to believe.

Rules implemented (DESIGN.md, "Tokenizer rules"):
  * input is UTF-8; every byte of malformed UTF-8 is a separator (we decode
    with errors='surrogateescape', and surrogates are separators);
  * a token is a maximal run of word characters: ASCII letters and digits,
    and every non-ASCII code point except U+0080-U+00BF, U+00D7, U+00F7,
    U+2000-U+2BFF, U+3000-U+303F, U+FEFF, U+1F000-U+1FAFF;
  * folding: ASCII A-Z, plus the simple lower-case mapping (one code point to
    one code point) inside U+00C0-U+00DE, U+0100-U+017F, U+0391-U+03AB and
    U+0400-U+042F; U+0130 folds to 'i';
  * a token longer than 64 UTF-8 bytes after folding is not indexed but keeps
    its position (a phrase never bridges it);
  * title and body are separate fields: a phrase matches inside one of them.

Queries: bare words and "quoted phrases", all of which must occur.  A unit
(bare word or quoted phrase) that tokenizes into several tokens means the
phrase of those tokens.

Command line, for checking by hand:
  oracle.py FILE.jsonl[.zst|.gz] QUERY [--ids] [--show N]
  oracle.py --tokens TEXT          print the folded tokens of TEXT
  oracle.py --selftest             run the built-in checks
"""

import gzip
import json
import re
import subprocess
import sys

MAX_TOKEN_BYTES = 64

# Non-ASCII code points that separate tokens (inclusive ranges).
SEPARATOR_RANGES = (
    (0x0080, 0x00BF),
    (0x00D7, 0x00D7),
    (0x00F7, 0x00F7),
    (0x2000, 0x2BFF),
    (0x3000, 0x303F),
    (0xFEFF, 0xFEFF),
    (0x1F000, 0x1FAFF),
    (0xD800, 0xDFFF),  # surrogates: only ever malformed input (surrogateescape)
)

FOLD_RANGES = (
    (0x00C0, 0x00DE),
    (0x0100, 0x017F),
    (0x0391, 0x03AB),
    (0x0400, 0x042F),
)


def is_word_char(cp):
    """The rule, one code point at a time (used to build and check WORD_RE)."""
    if cp < 0x80:
        return (0x30 <= cp <= 0x39) or (0x41 <= cp <= 0x5A) or (0x61 <= cp <= 0x7A)
    if cp > 0x10FFFF:
        return False
    for lo, hi in SEPARATOR_RANGES:
        if lo <= cp <= hi:
            return False
    return True


def _word_ranges():
    """Maximal ranges of word characters, computed from is_word_char."""
    # Boundaries are where the answer can change: range edges.
    edges = {0, 0x30, 0x3A, 0x41, 0x5B, 0x61, 0x7B, 0x80, 0x110000}
    for lo, hi in SEPARATOR_RANGES:
        edges.add(lo)
        edges.add(hi + 1)
    edges = sorted(edges)
    ranges = []
    for a, b in zip(edges, edges[1:]):
        if is_word_char(a):
            if ranges and ranges[-1][1] == a - 1:
                ranges[-1] = (ranges[-1][0], b - 1)
            else:
                ranges.append((a, b - 1))
    return ranges


def _regex_class(ranges):
    parts = []
    for lo, hi in ranges:
        if lo == hi:
            parts.append(re.escape(chr(lo)))
        else:
            parts.append(re.escape(chr(lo)) + "-" + re.escape(chr(hi)))
    return "[" + "".join(parts) + "]+"


WORD_RANGES = _word_ranges()
WORD_RE = re.compile(_regex_class(WORD_RANGES))


def _fold_table():
    table = {}
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = cp + 32
    for lo, hi in FOLD_RANGES:
        for cp in range(lo, hi + 1):
            low = chr(cp).lower()
            if len(low) == 1 and ord(low) != cp:
                table[cp] = ord(low)
    table[0x0130] = ord("i")
    return table


FOLD = _fold_table()


def fold(token):
    if token.isascii():
        return token.lower()
    return token.translate(FOLD)


def tokenize(text):
    """Folded tokens of a str (surrogates = malformed bytes = separators).
    A token too long to index is returned as None: it keeps its position."""
    out = []
    for tok in WORD_RE.findall(text):
        tok = fold(tok)
        if len(tok) * 4 > MAX_TOKEN_BYTES or not tok.isascii():
            if len(tok.encode("utf-8")) > MAX_TOKEN_BYTES:
                tok = None
        out.append(tok)
    return out


def decode(data):
    """bytes -> str, one lone surrogate per malformed byte."""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="surrogateescape")


def tokenize_bytes(data):
    return tokenize(decode(data))


# ---------------------------------------------------------------- documents

class Doc:
    __slots__ = ("id", "title", "body")

    def __init__(self, ident, title_tokens, body_tokens):
        self.id = ident
        # Each field as " tok tok tok ", with \x01 standing for an unindexed
        # (too long) token: a phrase is then a plain substring test.
        self.title = _field(title_tokens)
        self.body = _field(body_tokens)


def _field(tokens):
    return " " + " ".join("\x01" if t is None else t for t in tokens) + " "


def read_bytes(path):
    """The decompressed bytes of a file: zstd and gzip by content."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dcq", path], check=True,
                              stdout=subprocess.PIPE).stdout
    if head[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as f:
            return f.read()
    with open(path, "rb") as f:
        return f.read()


def parse_jsonl(data):
    """Records of JSON Lines bytes: a list of (line_no, dict); lines that are
    blank are ignored, malformed ones are returned as (line_no, None)."""
    out = []
    for n, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(decode(line))
            if not isinstance(rec, dict):
                rec = None
        except ValueError:
            rec = None
        out.append((n, rec))
    return out


def _str_field(rec, key):
    v = rec.get(key, "")
    return v if isinstance(v, str) else ""


class Corpus:
    """All documents of some JSON Lines inputs, tokenized."""

    def __init__(self):
        self.docs = []

    def add_record(self, rec):
        self.docs.append(Doc(_str_field(rec, "id"),
                             tokenize(_str_field(rec, "title")),
                             tokenize(_str_field(rec, "text"))))

    def add_jsonl_bytes(self, data):
        for _, rec in parse_jsonl(data):
            if rec is not None:
                self.add_record(rec)
        return self

    def add_jsonl(self, path):
        return self.add_jsonl_bytes(read_bytes(path))

    # ------------------------------------------------------------ queries

    def match(self, query):
        """The documents (in input order) matching every unit of query."""
        keys = [" " + " ".join(u) + " " for u in parse_query(query)]
        return [d for d in self.docs
                if all(k in d.title or k in d.body for k in keys)]

    def count(self, query):
        return len(self.match(query))

    def ids(self, query):
        return [d.id for d in self.match(query)]


def parse_query(query):
    """Units of a query made of bare words and "quoted phrases": a list of
    token lists.  A unit whose tokens include an unindexed (too long) one
    can match nothing; it is kept as a key that no field contains."""
    units = []
    for m in re.finditer(r'"([^"]*)"|([^\s"]+)', decode(query)):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        toks = tokenize(text)
        if not toks:
            continue
        units.append(["\x02" if t is None else t for t in toks])
    if not units:
        raise ValueError("query has no tokens: %r" % (query,))
    return units


# ---------------------------------------------------------------- self test

def selftest():
    failures = []

    def eq(what, got, want):
        if got != want:
            failures.append("%s: got %r, want %r" % (what, got, want))

    # The regex agrees with the per-code-point rule everywhere.
    bad = [cp for cp in range(0x110000)
           if bool(WORD_RE.fullmatch(chr(cp))) != is_word_char(cp)]
    eq("regex vs is_word_char", bad[:5], [])

    # DESIGN.md's own examples.
    eq("Trump’s", tokenize("Trump’s"), ["trump", "s"])
    eq("Trump's", tokenize("Trump's"), ["trump", "s"])
    eq("U.S.", tokenize("U.S."), ["u", "s"])
    eq("£1bn", tokenize("£1bn"), ["1bn"])
    eq("New York-based", tokenize("New York-based"), ["new", "york", "based"])
    eq("İstanbul", tokenize("İSTANBUL"), ["istanbul"])
    # Separators.
    eq("nbsp", tokenize("a\u00a0b"), ["a", "b"])
    eq("times", tokenize("3×4÷2"), ["3", "4", "2"])
    eq("dashes", tokenize("a–b—c…d"), ["a", "b", "c", "d"])
    eq("ideographic", tokenize("東京。大阪"), ["東京", "大阪"])
    eq("bom", tokenize("\ufeffhello"), ["hello"])
    eq("emoji", tokenize("go😀go"), ["go", "go"])
    eq("above emoji block", tokenize("a\U0001FB00b"), ["a\U0001fb00b"])
    eq("underscore", tokenize("snake_case"), ["snake", "case"])
    eq("nul", tokenize("foo\x00bar"), ["foo", "bar"])
    # Folding, only inside the ranges.
    eq("latin-1", tokenize("ÉCOLE Ÿ"), ["école", "ÿ"])
    eq("sharp s", tokenize("STRAßE"), ["straße"])
    eq("latin ext-a", tokenize("ŁÓDŹ"), ["łódź"])
    eq("greek", tokenize("ΑΘΗΝΑ"), ["αθηνα"])
    eq("greek final", tokenize("ΣΟΦΟΣ"), ["σοφοσ"])
    eq("cyrillic", tokenize("МОСКВА"), ["москва"])
    eq("cyrillic ext", tokenize("ЀЁЂ"), ["ѐёђ"])
    eq("outside ranges", tokenize("ǄǅƁ Ａ Ⴀ"), ["ǄǅƁ", "Ａ", "Ⴀ"])
    # U+0385 is a word character (no separator range holds it), not folded.
    eq("greek edge", tokenize("Ϊ΅Ϋ ά"), ["ϊ΅ϋ", "ά"])
    # Malformed UTF-8: each bad byte separates.
    eq("bad lead", tokenize_bytes(b"abc\xffdef"), ["abc", "def"])
    eq("overlong", tokenize_bytes(b"ab\xc0\xafcd"), ["ab", "cd"])
    eq("truncated", tokenize_bytes(b"ab\xe2\x82cd"), ["ab", "cd"])
    eq("surrogate", tokenize_bytes(b"ab\xed\xa0\x80cd"), ["ab", "cd"])
    eq("too big", tokenize_bytes(b"ab\xf4\x90\x80\x80cd"), ["ab", "cd"])
    eq("lone continuation", tokenize_bytes(b"ab\x80cd"), ["ab", "cd"])
    eq("good 4-byte", tokenize_bytes("a𝔸b".encode()), ["a𝔸b"])
    # Long tokens keep their position.
    eq("64 bytes", tokenize("x" * 64), ["x" * 64])
    eq("65 bytes", tokenize("a " + "x" * 65 + " b"), ["a", None, "b"])
    eq("long after folding", tokenize("é" * 32 + " " + "é" * 33), ["é" * 32, None])
    # Queries.
    c = Corpus()
    c.add_record({"id": "1", "title": "Reagan's budget", "text": "The U.S. trade deficit widened 3.5 pct."})
    c.add_record({"id": "2", "title": "New York", "text": "based on the report, a New York-based bank said"})
    c.add_record({"id": "3", "title": "Trade", "text": "deficit " + "z" * 70 + " widened; reagan’s plan"})
    c.add_record({"id": "4", "title": "ending with new", "text": "york at the start of the body"})
    eq("possessive", c.ids("reagan's"), ["1", "3"])
    eq("curly possessive", c.ids("REAGAN’S"), ["1", "3"])
    eq("u.s.", c.ids("u.s."), ["1"])
    eq("3.5 pct", c.ids('"3.5 pct"'), ["1"])
    eq("york-based", c.ids('"New York-based"'), ["2"])
    eq("bare words", c.ids("new york"), ["2", "4"])
    eq("not across fields", c.ids('"new york"'), ["2"])
    eq("not across long token", c.ids('"deficit widened"'), ["1"])
    eq("both", c.ids('trade "deficit widened"'), ["1"])
    eq("absent", c.ids("zebra"), [])
    eq("long query token", c.ids("z" * 70), [])
    eq("units", parse_query('a "b c" d-e'), [["a"], ["b", "c"], ["d", "e"]])

    if failures:
        for f in failures:
            print("FAIL", f)
        return 1
    print("oracle self-test: all checks passed")
    return 0


def main(argv):
    if len(argv) >= 1 and argv[0] == "--selftest":
        return selftest()
    if len(argv) == 2 and argv[0] == "--tokens":
        print(tokenize(argv[1]))
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, query = argv[0], argv[1]
    corpus = Corpus().add_jsonl(path)
    hits = corpus.match(query)
    if "--ids" in argv:
        for d in hits:
            print(d.id)
    else:
        print(len(hits))
    return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
