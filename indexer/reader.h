/*
 * reader.h — turn input files into documents.
 *
 * Stage 1 of `galley index` (read → tokenize → group → encode → write).
 * An input is a file, a directory (walked recursively, entries in byte order
 * of their names) or "-" for standard input.  Each file may be gzip- or
 * zstd-compressed (detected by its first bytes, not its name) and holds JSON
 * Lines, TREC SGML, WARC or WET records (web crawls), or plain text (one
 * document per file, first line the title); the format is chosen by the name without its compression suffix
 * and, when the name says nothing, by the first non-blank byte of content.
 */
#ifndef GAL_READER_H
#define GAL_READER_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

typedef enum gal_format {
    GAL_FORMAT_AUTO = 0,
    GAL_FORMAT_JSONL,
    GAL_FORMAT_TREC,
    GAL_FORMAT_TEXT,
    GAL_FORMAT_WARC, /* WARC and WET: reader_warc.c */
} gal_format;

/* One document as a reader hands it over.  Every string is UTF-8 as found in
 * the input (JSON escapes and SGML entities already decoded, invalid bytes
 * kept as they are), not NUL-terminated, and valid only during the callback.
 * A missing field has len 0. */
typedef struct gal_doc {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *text;
    size_t text_len;
    const char *date;
    size_t date_len;
    const char *url;
    size_t url_len;
    const char *path;     /* the input file it came from */
    uint64_t line;        /* 1-based line (JSONL) or line of <DOC> (TREC) */
    uint64_t end_offset;  /* offset in the decompressed stream just past it */
    uint64_t input_bytes; /* bytes of the file read from disk so far: progress */
    uint32_t source_no;   /* an index read as input (gal_read_index): the number
                           * of the file the document came from there; 0 else */
} gal_doc;

/* A document of an index as its stored text gives it back (reader_index.c):
 * the title, then after the '\n' the body, with id, date, url and file
 * number from its record info.  GAL_ECORRUPT when the title does not fit. */
struct gal_doc_info;
struct gal_buf;
int gal_stored_doc(uint32_t doc, const struct gal_doc_info *info, const struct gal_buf *text,
                   gal_doc *out);

/* Called once per document in input order.  A non-zero return stops the
 * read and is passed back by gal_read_input(). */
typedef int (*gal_doc_fn)(void *ctx, const gal_doc *doc);

/* WARC records parsed on two threads by default: taking the text out of
 * HTML is most of a WARC reader's work, and on 2 cores two threads built
 * generated news as web pages 4 % (host path) to 12 % (PoCL) faster than
 * the reader's own thread, with the same CPU (bench/README.md); JSON Lines
 * and TREC parse too fast for that to pay. */
#define GAL_WARC_PARSE_THREADS 2u

/* The threads records of format f are parsed on when `asked` were
 * (gal_read_opts.parse_threads): asked, or when 0 the format's default,
 * GAL_WARC_PARSE_THREADS for WARC and 1 (the calling thread) for the
 * others. */
unsigned gal_read_parse_threads(unsigned asked, gal_format f);

/* The longest record a reader takes (a JSON line, a TREC document, a text
 * file, a WARC record): a longer one is skipped with a warning, passed over
 * a block at a time, so that one line of many gigabytes (a JSON array
 * written on one line, a file of NUL bytes) cannot fill the memory.  News
 * articles are kilobytes; a 64 MB document already takes about 0.8 GB of
 * a build's memory (its tokens and positions). */
#define GAL_READ_MAX_RECORD ((size_t)64 << 20)

typedef struct gal_read_opts {
    gal_format format; /* GAL_FORMAT_AUTO to detect */
    int strict;        /* malformed record: 1 = fatal GAL_EINPUT, 0 = warn and skip */
    int quiet;         /* 1 = do not print warnings for skipped records */
    /* JSON Lines, TREC and WARC: records parsed on this many threads of
     * their own, which the calling thread hands over in input order, as
     * one thread would (1: on the calling thread; a file of one block
     * always is); a gzip file of many members is decoded on as many.  0:
     * each format's default, JSON Lines and TREC on the calling thread and
     * WARC (a file named so, for its decoding) on GAL_WARC_PARSE_THREADS. */
    unsigned parse_threads;
    size_t parse_block; /* bytes of records a parsing thread takes at once; 0: 4 MiB */
    size_t max_record;  /* the longest record kept; 0: GAL_READ_MAX_RECORD */
} gal_read_opts;

typedef struct gal_read_stats {
    uint64_t files;
    uint64_t docs;
    uint64_t skipped;      /* malformed records skipped (with a warning each) */
    uint64_t raw_bytes;    /* decompressed bytes read */
    uint64_t input_bytes;  /* bytes read from disk (compressed size) */
    double parse_cpu_sec;  /* CPU seconds of the threads that parsed (parse_threads) */
} gal_read_stats;

/* Expand inputs (files, directories, "-") into the ordered list of files to
 * read.  Fails with GAL_ENOTFOUND naming the first input that does not exist,
 * before anything is read.  *out is a heap array of heap strings; free with
 * gal_input_list_free(). */
int gal_input_list(const char *const *inputs, size_t ninputs, char ***out, size_t *nout);
void gal_input_list_free(char **list, size_t n);

/* Read one file (or "-") and call fn for each document.  Warnings (skipped
 * malformed records) go to stderr as one line naming file and line:
 *   galley: warning: news.jsonl:17: invalid JSON at column 5: ... (record skipped)
 * Errors (unreadable or truncated compressed file, strict-mode malformed
 * record) return a negative gal_status with gal_error_detail() naming the
 * file and place.  stats is added to, not reset. */
int gal_read_file(const char *path, const gal_read_opts *opts, gal_doc_fn fn, void *ctx,
                  gal_read_stats *stats);

/* Read the documents of the galley index in directory dir (`galley
 * merge`), in their order, each with the id, title, text, date and url it
 * was indexed with, source_no set to the number of its input file there
 * (gal_snapshot_files), line to its document number and end_offset to
 * that number plus one.  raw_bytes and input_bytes count title and text
 * bytes.  A damaged record of the index is an error (GAL_ECORRUPT) naming
 * the index and the document. */
int gal_read_index(const char *dir, gal_doc_fn fn, void *ctx, gal_read_stats *stats);

/* Read the n indexes at dirs, the shards 1 to n (in any order) of one run
 * of `galley index --shard K/n` over the same inputs, as one index of those
 * inputs: their documents interleaved back into the inputs' order by the
 * hash that split them (gal_shard_of), source_no the number of their input
 * file (the same in every shard).  GAL_EUSAGE when they are not n different
 * shards of n; GAL_EINPUT when a document is where the hash puts none (the
 * shards were not made of the same inputs). */
int gal_read_index_shards(char *const *dirs, size_t n, gal_doc_fn fn, void *ctx,
                          gal_read_stats *stats);

/* Whether the open indexes of set are the shards 1 to n (in any order) of
 * one run over the same inputs, whose documents gal_read_index_shards and
 * gal_shards_in_input_order can put back into the inputs' order: 1, 0, or
 * a negative status.  An index extended by a later run (--append) is not. */
int gal_shards_of_one_run(const gal_index_set *set);

/* Every live document of such shards (set, opened from dirs), in the
 * inputs' order (a deleted one keeps its place): fn(ctx, k, doc, info) for
 * document doc of set->snaps[k], info its record (valid until the next
 * call); a non-zero return of fn stops the walk and is returned.
 * GAL_EUSAGE and GAL_EINPUT as gal_read_index_shards says. */
typedef int (*gal_shard_doc_fn)(void *ctx, size_t k, uint32_t doc, const gal_doc_info *info);
int gal_shards_in_input_order(gal_index_set *set, const char *const *dirs, gal_shard_doc_fn fn,
                              void *ctx);

#endif
