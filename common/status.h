/*
 * status.h — galley's error codes and the per-thread detail string.
 *
 * Every fallible function returns int: 0 on success or a negative gal_status.
 * The wrapper that calls a foreign library (OpenCL, LMDB, zstd, zlib, libc)
 * translates its code once, and records what failed, on what, and the
 * foreign code's own name with gal_error_set(); callers up the stack only
 * pass the status on.  gal_error_detail() then says it all in one line.
 */
#ifndef GAL_STATUS_H
#define GAL_STATUS_H

#include <stdarg.h>

typedef enum gal_status {
    GAL_OK = 0,
    GAL_ENOMEM = -1,    /* an allocation failed */
    GAL_EIO = -2,       /* reading or writing a file failed */
    GAL_EINPUT = -3,    /* an input file is malformed (strict mode or fatal) */
    GAL_ECORRUPT = -4,  /* the index is damaged: checksum, version or layout */
    GAL_ENOTFOUND = -5, /* a file, index, document or device does not exist */
    GAL_EUSAGE = -6,    /* bad arguments or a bad query */
    GAL_ECL = -7,       /* an OpenCL call failed */
    GAL_EDB = -8,       /* an LMDB call failed */
    GAL_EFULL = -9,     /* the disk is full */
    GAL_EBUSY = -10,    /* another writer holds the index */
    GAL_ELIMIT = -11,   /* a size limit was exceeded */
    GAL_EMAPFULL = -12, /* the LMDB map is full: grow it and retry (writer only) */
} gal_status;

/* Whether rc is a gal_status, not an LMDB code (below -30000) or an errno
 * (positive): for helpers that pass on either. */
static inline int gal_is_status(int rc)
{
    return rc < 0 && rc > -100;
}

/* A short fixed description of status; never NULL. */
const char *gal_strerror(int status);

/* Record a one-line description of the current error for this thread and
 * return status, so a wrapper can say `return gal_error_set(GAL_EIO, ...)`. */
int gal_error_set(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last description recorded on this thread, or gal_strerror(status) when
 * none was recorded since gal_error_clear().  Valid until the next
 * gal_error_set() on this thread. */
const char *gal_error_detail(int status);

void gal_error_clear(void);

/* An error taken from the thread it happened on to another (work done on
 * helper threads, reported by the caller): gal_error_keep() on the first,
 * gal_error_kept() on the second sets the detail there and returns the
 * status (0 when none was kept). */
typedef struct gal_error_copy {
    int status;
    char detail[1024];
} gal_error_copy;
void gal_error_keep(gal_error_copy *e, int status);
int gal_error_kept(const gal_error_copy *e);

#endif
