/*
 * dates.h — a document's date as written in its input, and days counted
 * from 1970.
 *
 * A date is read as the calendar day and clock time it names: an offset
 * from UTC is checked and then left out, so that `date:2020-01-31` finds
 * the article whose date says 2020-01-31, wherever it was written, and
 * --histogram day counts it there (`--sort date` may put two articles of
 * different zones a few hours out of order).
 */
#ifndef GAL_DATES_H
#define GAL_DATES_H

#include <stddef.h>
#include <stdint.h>

/* Seconds since 1970-01-01 00:00 of the day and time s names, from
 *   ISO 8601:  1987-02-26, 1987-02-26T15:01:01.790, 2025-04-01 10:00:00Z,
 *              ...+02:00, +0200 or +02; also 1987/02/26
 *   RFC 2822:  Thu, 26 Feb 1987 15:01:01 +0000 (a feed's pubDate; the day
 *              name, seconds and zone may be left out; GMT, UT, EST...)
 * with blanks around it.  -1 when s is none of these, holds more, or names
 * a day the month does not have (1987-02-29). */
int gal_date_parse(const char *s, size_t len, int64_t *sec);

/* Days in month m (1 to 12) of year y, proleptic Gregorian. */
unsigned gal_days_in_month(int64_t y, unsigned m);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t gal_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The proleptic Gregorian date of a day counted from 1970-01-01. */
void gal_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
