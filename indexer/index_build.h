/*
 * index_build.h — `galley index` as a library call: read → tokenize →
 * group → encode → write, one batch at a time, so memory is bounded by the
 * batch size and every committed batch survives a crash.
 */
#ifndef GAL_INDEX_BUILD_H
#define GAL_INDEX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "cl_runtime.h"
#include "id_replace.h"
#include "reader.h"

/* Text bytes per batch unless told otherwise: with one thread per stage,
 * five batches, three token sets and two encoded batches are in flight, so
 * the heap holds about 30 times this; each further thread adds 2 to 8
 * times. */
#define GAL_BATCH_MB_DEFAULT 32

/* Most compressor + tokenizer + encoder threads a build starts. */
#define GAL_MAX_THREADS 64
/* Most threads JSON Lines are parsed on (--read-threads). */
#define GAL_MAX_READ_THREADS 16

/* Most shards one `galley index --shards` builds: each is a pipeline with
 * threads and batches of its own in this process (more shards: --shard K/N
 * or --mpi, a process each). */
#define GAL_MAX_SHARDS_HERE 64

/* gal_build_opts.text_level: the text stored as it is (--text-level 0) */
#define GAL_TEXT_LEVEL_RAW (-1)

typedef struct gal_build_opts {
    const char *out_dir;
    const char *const *inputs;
    size_t ninputs;
    const char *device;   /* "auto", "ref" or a device number */
    unsigned device_slot; /* with "auto": this run's place among the runs of
                           * one machine, which spread over its GPUs
                           * (gal_cl_open_slot); 0 alone */
    size_t batch_bytes;   /* text bytes per batch */
    int text_level;       /* zstd level of the stored text, 1 to
                           * GAL_TEXT_INDEX_LEVEL_MAX (text_pack.h); 0: the
                           * default, GAL_TEXT_INDEX_LEVEL; GAL_TEXT_LEVEL_RAW:
                           * stored as it is, for `galley optimize` to pack */
    int keep_cache;       /* leave the index's written pages in the page cache
                           * (gal_writer_keep_cache) */
    gal_format format;    /* GAL_FORMAT_AUTO to detect per file */
    int strict;           /* malformed records are fatal */
    int quiet;            /* no warnings, no progress */
    int progress;         /* 1 on, 0 off, -1 when stderr is a terminal */
    int append;           /* add to an existing index */
    int resume;           /* continue an interrupted run with the same inputs */
    gal_replace_key replace; /* a document supersedes earlier ones with its id
                              * or url (id_replace.h); GAL_REPLACE_NONE: no */
    unsigned threads;     /* compressor + tokenizer + encoder threads; 0: the
                           * cores beyond the reader and writer, at least 3 */
    unsigned read_threads; /* JSON Lines, TREC and WARC parsed on this many
                            * threads, the reader handing the records on in
                            * order (gal_read_opts.parse_threads); 0: each
                            * format's default */
    int merge;            /* the inputs are galley indexes: their documents are
                           * indexed again from their stored text, in order,
                           * each keeping its source file (`galley merge`) */
    unsigned shard, nshards; /* only shard `shard` (1..nshards) of the documents;
                              * nshards 0: all.  A document's shard comes from a
                              * hash of its input's place in the list and its
                              * place in the input: the same for every run with
                              * the same inputs, resumed runs included */
    unsigned all_shards;     /* --shards N (2 or more): every shard of N in this run,
                              * into out_dir/shard-K, each index with its own
                              * pipeline and writer, the inputs read once; shard K
                              * the same as `--shard K/N` alone would make.
                              * 0: one index */
} gal_build_opts;

/* The threads o's records of format f (GAL_FORMAT_JSONL, _TREC or _WARC)
 * are parsed on: o->read_threads, or the format's default. */
unsigned gal_build_read_threads(const gal_build_opts *o, gal_format f);

/* The zstd level o stores text at: 0 for as it is, else 1 to
 * GAL_TEXT_INDEX_LEVEL_MAX. */
int gal_build_text_level(const gal_build_opts *o);

/* The stages of a build, in the order a batch passes them. */
enum { GAL_STAGE_READ, GAL_STAGE_COMPRESS, GAL_STAGE_TOKENIZE, GAL_STAGE_ENCODE,
       GAL_STAGE_WRITE, GAL_NSTAGES };

typedef struct gal_build_report {
    uint64_t docs, raw_bytes, tokens, new_terms, skipped, batches, files;
    uint64_t replaced;     /* earlier documents deleted for new ones (--replace) */
    gal_replace_key replaced_by; /* by what (a resumed run's too) */
    uint64_t mentions;     /* entity mentions indexed */
    uint64_t index_bytes;  /* size of the LMDB data file afterwards */
    uint64_t index_raw_bytes; /* raw text of the whole index, earlier runs included */
    uint64_t index_batches;   /* batches (runs of postings) the whole index holds */
    double seconds;        /* wall time, end to end */
    /* Busy seconds per stage, summed over the stage's threads, which all
     * overlap in wall time: the reader reads (decompress and parse), the
     * compressor threads compress stored text, the tokenizer threads
     * tokenize and find entities, the encoder threads encode, the calling
     * thread writes. */
    double read_sec, compress_sec, tokenize_sec, entities_sec, encode_sec, write_sec;
    /* CPU seconds of each stage's threads (their own clocks), summed; the
     * dictionary's training on the reader counts as compressing.  Busy
     * minus CPU is time the work waited for a core, the disk or a device;
     * the process's CPU beyond them went to read-ahead, after-commit and
     * driver threads. */
    double cpu_sec[GAL_NSTAGES];
    double commit_sec; /* of write_sec, LMDB's commits (pages written and synced) */
    double update_sec; /* the in-memory tables updated after each commit, beside the
                        * next batch's puts (write_sec counts only the wait for them) */
    /* Seconds each stage's threads waited, summed over them: for input (the
     * stage before had no batch ready), for order (a batch done before an
     * earlier one waits for it to pass on; an encoder also waits for the
     * first batch's bigram words), and for room (every pooled buffer the
     * stage takes was still held further on).  Where the waits are is where
     * the pipeline stalls. */
    double wait_input[GAL_NSTAGES], wait_order[GAL_NSTAGES], wait_room[GAL_NSTAGES];
    /* Inside tokenize and entities on an OpenCL device: the device's own
     * times for copies and kernels (event profiling), 0 on the reference. */
    double h2d_sec, kernel_sec, d2h_sec;
    uint64_t h2d_bytes, d2h_bytes;
    uint64_t entity_host_docs; /* documents whose mentions overflowed their room
                                * on the device, redone on the host */
    /* host memory the device's results were copied into at the end: pinned
     * (cl_pinned.h), and heap that stood in where the driver gave none */
    uint64_t pinned_bytes, pinned_heap_bytes;
    gal_cl_kernel_time kernels[GAL_CL_MAX_KERNEL_TIMES]; /* kernel_sec by kernel */
    unsigned nkernels;
    char device[256];      /* what tokenized: "reference (host C)" or the OpenCL device */
    unsigned compress_threads, tokenize_threads, encode_threads; /* over every index */
    unsigned writers;      /* indexes written side by side, a writer thread each */
} gal_build_report;

/* Build (or with append, extend) the index.  With resume, the inputs must
 * name the same files as the interrupted run, in the same order; reading
 * starts after the last committed document.  Inputs are checked before the
 * index is created or opened: a missing one fails with GAL_ENOTFOUND and
 * writes nothing.  On a later failure the index keeps every batch committed
 * before it, and report still describes what was done.  With all_shards,
 * report sums the shards' (threads, busy and waiting seconds, bytes); one
 * shard's failure stops the reader, and the others keep what they committed. */
int gal_index_build(const gal_build_opts *opts, gal_build_report *report);

#endif
