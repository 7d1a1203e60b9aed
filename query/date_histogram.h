/*
 * date_histogram.h — matches counted by year, month or day of their
 * documents' dates (`galley query --histogram`): how often a word, a phrase
 * or a person came up over the years of an archive.
 */
#ifndef GAL_DATE_HISTOGRAM_H
#define GAL_DATE_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum { GAL_PER_NONE, GAL_PER_YEAR, GAL_PER_MONTH, GAL_PER_DAY } gal_date_unit;

/* A period: YYYY, YYYYMM or YYYYMMDD as a number (so they sort by time),
 * or GAL_PERIOD_UNDATED for documents without a date, which sorts first. */
#define GAL_PERIOD_UNDATED INT64_MIN

typedef struct gal_period_count {
    int64_t period;
    uint64_t count;
} gal_period_count;

/* The counts of one histogram, sorted by period. */
typedef struct gal_histogram {
    gal_period_count *v;
    size_t n, cap;
    size_t last; /* the slot added to last: news comes in date order, mostly */
} gal_histogram;

void gal_histogram_release(gal_histogram *h);

/* The period of a date (seconds since 1970, or GAL_NO_DATE). */
int64_t gal_period_of(int64_t date_sec, gal_date_unit unit);

/* Add count to period's slot (made when new). */
int gal_histogram_add(gal_histogram *h, int64_t period, uint64_t count);

/* Append period as text: "1987", "1987-03", "1987-03-26" or "undated". */
int gal_period_format(int64_t period, gal_date_unit unit, gal_buf *out);

#endif
