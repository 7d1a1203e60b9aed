/*
 * format.h — the on-disk layout of a galley index, in one place.
 *
 * One LMDB environment (a directory) with these named databases:
 *
 *   meta      ASCII name → value (u64 little-endian counters, or bytes)
 *   postings  batch (4 B BE: its first doc) ‖ term hash (8 B BE) ‖ first doc
 *             of the chunk (4 B BE) → postings chunk (postings_codec.h).
 *             Every batch's keys sort after all earlier ones, so a batch is
 *             written by appending (full pages, no copy-on-write of older
 *             ones), and a term's postings are its chunks in each batch in
 *             turn: one seek per batch.  A term's last chunk in a batch
 *             carries the term's document count there (its df is a sum
 *             over batches).  Terms are words, and bigrams of the most
 *             frequent words (GAL_META_BIGRAM_WORDS).  A batch's terms
 *             whose postings there are one small chunk share records
 *             instead: batch ‖ hash of the last of them ‖ FF FF FF FF →
 *             their chunks (chunk_blocks.h).
 *   lexicon   batch (4 B BE: its first doc) ‖ the first term hash of a block
 *             → a block of term hash → folded term bytes (hash_blocks.h):
 *             the words the batch added to the index
 *   vocab     batch ‖ folded term bytes → term hash (8 B BE): prefix queries
 *   docs      first doc of a block (4 B BE) → the records of up to 32
 *             consecutive documents of a batch (doc_record.h)
 *   ids       batch (4 B BE: its first doc) ‖ the first id hash of a block →
 *             a block of records: the documents whose external ids have that
 *             hash and the next ones (id_table.h, hash_blocks.h), appended
 *             by each batch; an id given twice is found in its earliest
 *             batch first, at its first doc there: the first one wins.
 *   text      first doc of a block (4 B BE) → the stored text records of up
 *             to 64 kB of consecutive documents, a record holding one
 *             document or a group of them (stored_text.h)
 *   docstats  first doc of a batch (4 B BE) → per-document arrays of that
 *             batch (doc_record.h): token counts and dates, for BM25 and
 *             date filters without touching the docs table
 *   files     file number (4 B BE) → input path
 *   entities  batch (4 B BE: its first doc) ‖ entity key → a block of what
 *             the batch says of that entity and the next ones (entity_table.h,
 *             hash_blocks.h), appended like postings; each entity's mentions
 *             are postings of its key (GAL_SEED_ENTITY)
 *   deleted   doc (4 B BE) → nothing but the record trailer, or the byte
 *             GAL_DELETED_PURGED and the trailer: the documents taken out
 *             of the index, and those optimize purged (deleted.h)
 *
 * Every record that carries data (postings chunks, blocks of documents,
 * stored text, docstats, blocks of entities) ends in a CRC-32C of its key
 * and the bytes before it (record.h), so a flipped bit, in the record or in
 * its key, is reported as corruption instead of read as data.
 *
 * Change anything here and bump GAL_FORMAT_VERSION.
 */
#ifndef GAL_FORMAT_H
#define GAL_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GAL_FORMAT_VERSION 11u /* 11: deleted records may be purged (deleted.h: optimize took the documents out of postings, entities and text), meta purged; 10: a deleted table (deleted.h); 9: stored text in groups of documents, one zstd frame each (stored_text.h), docstats narrow (doc_record.h); 8: postings blocks may be Rice coded (pfor.h); 7: entity records name the forms an entity had before by number, blocks of hash-keyed records end by bytes alone (up to 255 records); 6: small terms' postings chunks in blocks; 5: document records, entities, ids and the lexicon in blocks, docstats checked by slice; 4: docstats checksummed by blocks of documents, a batch's document count of a term in its last chunk; 3: entities, lexicon, vocab by batch, text in blocks; 2: compact postings chunks, title lengths in docs, ids by batch */

/* The oldest format this galley reads and appends to: format 10 differs
 * only in having no purged records, format 9 in having no deleted table
 * (nothing deleted); format 6 in its entity
 * records, which readers still take (entity_table.h), in its hash blocks'
 * smaller cap and in what 7, 8 and 9 add: Rice blocks in postings (7 has
 * none), groups in stored text and narrow docstats (8 has neither; both
 * read still).  A writer that adds to such an index marks it format 11. */
#define GAL_FORMAT_OLDEST 6u

#define GAL_DB_META "meta"
#define GAL_DB_POSTINGS "postings"
#define GAL_DB_LEXICON "lexicon"
#define GAL_DB_VOCAB "vocab"
#define GAL_DB_DOCS "docs"
#define GAL_DB_IDS "ids"
#define GAL_DB_TEXT "text"
#define GAL_DB_DOCSTATS "docstats"
#define GAL_DB_FILES "files"
/* A files record is an input's path: longer than this, it is damaged (a
 * path the kernel takes is at most 4096 bytes). */
#define GAL_FILE_PATH_MAX 65536u
#define GAL_DB_DELETED "deleted"

/* meta keys */
#define GAL_META_FORMAT "format_version"
#define GAL_META_TOKENIZER "tokenizer_version"
#define GAL_META_DOCS "docs"
#define GAL_META_TOKENS "tokens"
#define GAL_META_TERMS "terms"
#define GAL_META_RAW_BYTES "raw_bytes"
#define GAL_META_BATCHES "batches"
#define GAL_META_COLLISIONS "collisions"
#define GAL_META_FILES "files"
#define GAL_META_CREATED "created"         /* unix seconds of the first batch */
#define GAL_META_UPDATED "updated"         /* unix seconds of the last batch */
#define GAL_META_BUILD "build"             /* text: device and options of the last run */
#define GAL_META_SHARD "shard"             /* text "K/N": only the documents of shard K of N
                                            * (galley index --shard; absent: all) */
#define GAL_META_ZDICT "zdict"             /* zstd dictionary for stored text */
#define GAL_META_ZDICT_CRC "zdict_crc"     /* u64 LE: CRC-32C of zdict (indexes since the
                                            * nineteenth session; older ones have none) */
#define GAL_META_TEXT_PACKED "text_packed" /* u64 LE: the first n documents' text packed by
                                            * `galley optimize` (text_repack.h), with zdict */
#define GAL_META_ENTITY_RULES "entity_rules_version"
#define GAL_META_BIGRAM_WORDS "bigram_words" /* sorted u64 LE word keys: see gal_bigram_hash */
#define GAL_META_RESUME "resume"           /* file number ‖ offset (u64 LE each): input done so far */
/* The resume record's file number when the run is a `galley merge`: its
 * offsets count source documents, not input bytes, and no run resumes it. */
#define GAL_RESUME_MERGE UINT64_MAX
#define GAL_META_RUN_FIRST_FILE "run_first_file" /* file number the latest run started at */
#define GAL_META_RUN_COMPLETE "run_complete"     /* 1 once the latest run read all its input */
#define GAL_META_DELETED "deleted"         /* u64 LE: records in the deleted table */
#define GAL_META_PURGED "purged"           /* u64 LE: deleted records marked purged
                                            * (absent: none) */
#define GAL_META_RUN_REPLACE "run_replace" /* 1 when the latest run replaces documents by id
                                            * (--replace): --resume goes on doing so */

/* Shards: an index of "K/N" holds the documents of shard K of N (meta
 * shard, `galley index --shard`).  1 when text is such a pair, with
 * 1 <= K <= N <= GAL_SHARDS_MAX. */
#define GAL_SHARDS_MAX 4096u
static inline int gal_shard_parse(const char *text, unsigned *k, unsigned *n)
{
    char end;
    return sscanf(text, "%u/%u%c", k, n, &end) == 2 && *k >= 1 && *k <= *n &&
           *n <= GAL_SHARDS_MAX;
}

/* The shard (0-based) of a document: a mix of its input file's place in the
 * run's inputs and its place among the file's documents (splitmix64), so
 * that shards come out even however the documents are spread over files.
 * `galley index --shard` keeps a document by it, `galley merge` of a run's
 * shards puts their documents back in input order by it. */
static inline unsigned gal_shard_of(uint64_t input_no, uint64_t doc_in_file, unsigned nshards)
{
    uint64_t x = (input_no << 40) ^ doc_in_file;
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (unsigned)(x % nshards);
}

/* A run's shards as directories (`galley index --shards N`, `--mpi`):
 * INDEX/shard-K, K zero-padded to the width of N so that the shell lists
 * them in order.  Writes it into out; -1 when it does not fit in cap. */
static inline int gal_shard_dir(const char *index, unsigned k, unsigned n, char *out, size_t cap)
{
    int width = snprintf(NULL, 0, "%u", n);
    return (size_t)snprintf(out, cap, "%s/shard-%0*u", index, width, k) < cap ? 0 : -1;
}

/* K of a directory entry named "shard-K" (digits only, zero-padded or not,
 * K >= 1), else 0. */
static inline unsigned gal_shard_dir_number(const char *name)
{
    if (strncmp(name, "shard-", 6) || !name[6])
        return 0;
    unsigned long k = 0;
    for (const char *p = name + 6; *p; p++) {
        if (*p < '0' || *p > '9' || k > GAL_SHARDS_MAX)
            return 0;
        k = k * 10 + (unsigned long)(*p - '0');
    }
    return k <= GAL_SHARDS_MAX ? (unsigned)k : 0;
}

/* How many of the first batch's most frequent words pair up into bigram
 * terms (terms.h). */
#define GAL_BIGRAM_WORDS 64u

/* Postings chunks hold at most this many documents, so that seeking can skip
 * by key and no decode step touches more than one small block. */
#define GAL_CHUNK_DOCS 128u

static inline void gal_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t gal_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void gal_put_be64(uint8_t *p, uint64_t v)
{
    gal_put_be32(p, (uint32_t)(v >> 32));
    gal_put_be32(p + 4, (uint32_t)v);
}

static inline uint64_t gal_get_be64(const uint8_t *p)
{
    return (uint64_t)gal_get_be32(p) << 32 | gal_get_be32(p + 4);
}

static inline void gal_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void gal_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t gal_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t gal_get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* postings key: batch ‖ term hash ‖ first doc of the chunk */
/* The order LMDB keeps keys in (its default comparison): bytes, then the
 * shorter first.  For sorting what is appended in key order. */
static inline int gal_key_order(const void *a, size_t alen, const void *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

#define GAL_POSTINGS_KEY_LEN 16
static inline void gal_postings_key(uint8_t key[GAL_POSTINGS_KEY_LEN], uint32_t batch,
                                    uint64_t hash, uint32_t doc)
{
    gal_put_be32(key, batch);
    gal_put_be64(key + 4, hash);
    gal_put_be32(key + 12, doc);
}

#endif
