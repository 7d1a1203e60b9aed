/*
 * batch.h — the unit of work of `galley index`: a run of consecutive
 * documents laid out for the tokenizer (tokenize.h) plus what the document
 * table needs.  Batch b covers doc numbers [first_doc, first_doc + ndocs).
 */
#ifndef GAL_BATCH_H
#define GAL_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reader.h"

typedef struct gal_batch_doc {
    /* offsets into gal_batch.strings */
    size_t id, id_len, date, date_len, url, url_len;
    int64_t date_sec;
    uint32_t file_no;
} gal_batch_doc;

typedef struct gal_batch {
    uint32_t first_doc;
    uint32_t ndocs;
    gal_buf text;          /* title '\n' body '\n' per document */
    uint32_t *doc_start;   /* ndocs + 1 entries */
    uint32_t *body_start;  /* ndocs entries */
    gal_batch_doc *docs;
    size_t docs_cap;
    gal_buf strings;       /* ids, dates, urls */
    uint64_t raw_bytes;    /* title + text bytes as read */
    /* stored text records, filled by text_pack.h: record r is
     * stored[stored_off[r], stored_off[r+1]) and holds documents from
     * stored_doc[r] (of the batch) on; nstored records in all */
    gal_buf stored;
    size_t *stored_off;
    uint32_t *stored_doc;
    uint32_t nstored;
    size_t stored_cap;
    gal_buf new_dict;      /* a dictionary this batch trained, for the writer to keep */
    int use_dict;          /* its text is compressed with the index's dictionary */
    /* where the input stood after the last document: for resume */
    uint32_t end_file_no;
    uint64_t end_offset;
} gal_batch;

void gal_batch_init(gal_batch *b);
void gal_batch_release(gal_batch *b);
/* Empty the batch for documents starting at first_doc; keeps its memory. */
void gal_batch_reset(gal_batch *b, uint32_t first_doc);

/* Append one document read from file number file_no.  GAL_ELIMIT when it
 * would push the batch past 4 GiB (offsets are 32-bit). */
int gal_batch_add(gal_batch *b, const gal_doc *doc, uint32_t file_no);

#endif
