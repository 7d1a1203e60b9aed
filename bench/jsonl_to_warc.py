#!/usr/bin/env python3
"""jsonl_to_warc.py - the documents of a JSON Lines corpus as a web crawl.

Each document becomes a WARC response record holding the HTML page a news
site would serve for it: a head with a title, scripts and styles, a menu,
the story in paragraphs, and a footer.  The words a reader sees are the
document's title and text plus the menu's and footer's few words, so an
index of the crawl answers queries about the story as an index of the JSON
Lines does; the markup around them (about 1.3 kB a page) is what galley's
WARC reader must strip.  Used to measure that reader
(bench/HISTORY.md); output is gzip-compressed one member per record, as
crawlers write it, when OUT ends in .gz.

  bench/jsonl_to_warc.py IN.jsonl OUT.warc[.gz]
"""
import gzip
import html
import json
import sys

HEAD = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>%s</title>'
        '<link rel="stylesheet" href="/static/site.css">'
        '<style>body{font-family:Georgia,serif;margin:0}.nav a{padding:0 8px}'
        '.story p{line-height:1.5}</style>'
        '<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}'
        'gtag("js",new Date());gtag("config","G-EXAMPLE");</script>'
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"%s"}</script>'
        '</head>\n<body><header class="nav"><a href="/">Home</a><a href="/world">World</a>'
        '<a href="/business">Business</a><a href="/markets">Markets</a></header>\n'
        '<main><article class="story">\n')
FOOT = ('</article></main>\n<footer><p>&copy; 2024 The Example Wire. All rights reserved.</p>'
        '<!-- cache: hit --></footer><script src="/static/app.js" defer></script>'
        '</body></html>\n')


def page(title, text):
    t = html.escape(title, quote=False)
    paras = "".join("<p>%s</p>\n" % html.escape(line, quote=False)
                    for line in text.split("\n") if line.strip())
    return (HEAD % (t, html.escape(title)) + paras + FOOT).encode("utf-8")


def record(n, doc):
    title = doc.get("title") or ""
    text = doc.get("text") or ""
    body = page(title, text)
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:doc-%d>\r\n"
            "WARC-Date: 2024-03-05T10:20:30Z\r\nWARC-Target-URI: https://wire.example/%d\r\n"
            "Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
            % (n, n, len(http))).encode()
    return head + http + b"\r\n\r\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1].strip())
    src, dst = sys.argv[1:]
    gz = dst.endswith(".gz")
    with open(src, encoding="utf-8") as f, open(dst, "wb") as out:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            rec = record(n, json.loads(line))
            out.write(gzip.compress(rec, 1, mtime=0) if gz else rec)


if __name__ == "__main__":
    main()
