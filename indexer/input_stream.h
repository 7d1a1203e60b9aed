/*
 * input_stream.h — one input file as a stream of decompressed bytes.
 *
 * Opens a path (or "-" for standard input), sniffs its first bytes and
 * decodes gzip (1f 8b; concatenated members allowed), zstd (28 b5 2f fd;
 * several frames allowed) or passes plain bytes through.  Memory stays
 * bounded: one 1 MiB input block plus the decoder's own state (and, for a
 * gzip file of many members decoded on threads, a few chunks' output).
 *
 * A stream that ends inside a gzip member or a zstd frame, a corrupt stream
 * and a failed read are errors: GAL_EINPUT (truncated or corrupt) or GAL_EIO
 * (read failed), with a detail that names the file, the place in it and the
 * bytes decoded, e.g.
 *   news.jsonl.zst: truncated zstd stream: the file ends inside a frame, at
 *   byte 40123 (123456 bytes decoded)
 * The bytes decoded before such a damage are handed on first, as the last
 * of the stream (a short read), and gal_istream_end_status() then gives
 * the error; gal_istream_read() returns it when nothing came before it.
 */
#ifndef GAL_INPUT_STREAM_H
#define GAL_INPUT_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef enum gal_compression {
    GAL_COMPRESSION_NONE = 0,
    GAL_COMPRESSION_GZIP,
    GAL_COMPRESSION_ZSTD,
} gal_compression;

typedef struct gal_istream gal_istream;

/* Open path ("-" = standard input, which is not closed later) and sniff its
 * compression.  Errors: GAL_ENOTFOUND (no such file, detail "cannot open
 * 'X': No such file or directory"), GAL_EIO (other open or read failure),
 * GAL_ENOMEM.  *out is written only on success; close it with
 * gal_istream_close(). */
int gal_istream_open(const char *path, gal_istream **out);

/* The same, a gzip file of many members (a .warc.gz) decoded on
 * gzip_threads threads when it has more than a few MB
 * (gzip_parallel.h); 1: on one, as gal_istream_open() does. */
int gal_istream_open_threads(const char *path, unsigned gzip_threads, gal_istream **out);

/* Read up to n decompressed bytes into dst.  *got is n unless the stream
 * ended cleanly, and 0 only at its end.  Errors as described above; after
 * an error the stream stays failed and returns the same status. */
int gal_istream_read(gal_istream *s, void *dst, size_t n, size_t *got);

/* The file descriptor of a stream that is a regular file stored as it is
 * (no compression), for reading at offsets of one's own (pread), and its
 * size now in *size; -1 for anything else (a pipe, standard input even
 * from a file, gzip, zstd).  The stream itself is left as it is. */
int gal_istream_plain_file(const gal_istream *s, uint64_t *size);

/* The compression found by gal_istream_open(). */
gal_compression gal_istream_compression(const gal_istream *s);

/* Bytes read from the file so far (compressed size). */
uint64_t gal_istream_in_bytes(const gal_istream *s);

/* Decompressed bytes handed out so far. */
uint64_t gal_istream_out_bytes(const gal_istream *s);

/* The name used in messages: the path, or "<stdin>" for "-". */
const char *gal_istream_name(const gal_istream *s);

/* Once the stream has been read to its end: 0, or the error that ended it
 * early, after the bytes decoded before it (a truncated or damaged .gz or
 * .zst hands those on as the last of the stream). */
int gal_istream_end_status(const gal_istream *s);

/* Close the file (not standard input) and free everything; NULL is a no-op. */
void gal_istream_close(gal_istream *s);

/* Whether streams opened from now on are read ahead on a thread however
 * small their file (for the fuzz target, whose inputs are small files);
 * by default a small file is read on the caller's thread. */
void gal_istream_ahead_always(int on);

/* The compressed bytes of a job of the threads that decode a gzip file of
 * many members (2 MiB; tests make it small, so that small files take many
 * jobs). */
void gal_istream_gzip_chunk(size_t bytes);

/* Of s's decoded bytes, those decoded on the threads of a gzip file of many
 * members, and in *redone those decoded again on the caller's thread where
 * a thread began at bytes that only looked like a member (read it once the
 * stream has ended, cleanly or not). */
uint64_t gal_istream_gzip_threaded(const gal_istream *s, uint64_t *redone);

#endif
