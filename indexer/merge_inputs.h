/*
 * merge_inputs.h — the indexes `galley merge` reads as its input.
 *
 * Each is checked to open as a galley index before the new one is created
 * or opened, and the files it was built from are numbered again in the new
 * index, input after input, so that every document keeps its source.
 */
#ifndef GAL_MERGE_INPUTS_H
#define GAL_MERGE_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "index_writer.h"

/* Where input i's file number f went in the new index: map[i][f] (none:
 * UINT32_MAX), for f < len[i]. */
typedef struct gal_merge_files {
    uint32_t **map;
    uint32_t *len;
    size_t n;
} gal_merge_files;

/* Check that each of the n directories holds an index that opens; copy
 * them into *files (a heap array of heap strings, as gal_input_list makes:
 * free with gal_input_list_free) and add their raw text bytes to
 * *raw_bytes.  *shards: 1 when they are the n shards of one run over the
 * same inputs (each "K/n" once, the same input files, each written by one
 * run and its resumes), whose documents go back into the inputs' order
 * (gal_read_index_shards); else 0, and they follow each other.  The first
 * failure names its directory. */
int gal_merge_inputs_check(const char *const *dirs, size_t n, char ***files, uint64_t *raw_bytes,
                           int *shards);

/* Give the writer every input file of the n indexes, in order (of the
 * first alone with shards: theirs are the same), and fill out (released
 * with gal_merge_files_release, even on failure). */
int gal_merge_inputs_register(gal_writer *w, char *const *dirs, size_t n, int shards,
                              gal_merge_files *out);

/* The new number of input i's file source_no; GAL_ECORRUPT naming the
 * index when its files table has no such file. */
int gal_merge_file_no(const gal_merge_files *m, size_t i, const char *dir, uint32_t source_no,
                      uint32_t *file_no);

void gal_merge_files_release(gal_merge_files *m);

#endif
