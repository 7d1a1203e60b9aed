/*
 * dates.c — see dates.h.
 */
#include "dates.h"

#include <string.h>

unsigned gal_days_in_month(int64_t y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29u : days[m - 1];
}

int64_t gal_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* the usual era-based civil-to-days arithmetic, exact for any year */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void gal_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    /* the same arithmetic backwards: eras of 400 years, years from March */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* The text being read, and how far. */
typedef struct scan {
    const char *s;
    size_t len, at;
} scan;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Exactly n digits. */
static int number(scan *t, int n, int *out)
{
    if (t->at + (size_t)n > t->len)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = t->s[t->at + (size_t)i];
        if (!is_digit(c))
            return -1;
        v = v * 10 + (c - '0');
    }
    t->at += (size_t)n;
    *out = v;
    return 0;
}

static int take(scan *t, char c)
{
    if (t->at < t->len && t->s[t->at] == c) {
        t->at++;
        return 1;
    }
    return 0;
}

static void blanks(scan *t)
{
    while (t->at < t->len && (t->s[t->at] == ' ' || t->s[t->at] == '\t'))
        t->at++;
}

/* How many letters come next. */
static size_t letters(const scan *t)
{
    size_t n = 0;
    while (t->at + n < t->len && lower(t->s[t->at + n]) >= 'a' && lower(t->s[t->at + n]) <= 'z')
        n++;
    return n;
}

/* The n letters next are name's first n, in any case. */
static int word_is(const scan *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!name[i] || lower(t->s[t->at + i]) != name[i])
            return 0;
    return 1;
}

/* hh:mm, then :ss and a fraction of a second if there. */
static int clock_time(scan *t, int *h, int *mi, int *se)
{
    *se = 0;
    if (number(t, 2, h) || !take(t, ':') || number(t, 2, mi))
        return -1;
    if (take(t, ':')) {
        if (number(t, 2, se))
            return -1;
        if (take(t, '.') || take(t, ',')) {
            if (t->at >= t->len || !is_digit(t->s[t->at]))
                return -1;
            while (t->at < t->len && is_digit(t->s[t->at]))
                t->at++;
        }
    }
    /* 24:00 is the end of a day; a leap second is :60 */
    if (*h > 24 || *mi > 59 || *se > 60 || (*h == 24 && (*mi || *se)))
        return -1;
    /* both belong to the day they are written with (date:1987-12-31 finds
     * 23:59:60 of that day): kept in it, as its last second */
    if (*h == 24)
        *h = 23, *mi = 59, *se = 59;
    if (*se == 60)
        *se = 59;
    return 0;
}

/* +hh:mm, +hhmm or +hh (or -): checked, then left out (dates.h). */
static int numeric_offset(scan *t)
{
    if (!take(t, '+') && !take(t, '-'))
        return -1;
    int oh, om = 0;
    if (number(t, 2, &oh))
        return -1;
    if (take(t, ':')) {
        if (number(t, 2, &om))
            return -1;
    } else if (t->at < t->len && is_digit(t->s[t->at]) && number(t, 2, &om)) {
        return -1;
    }
    return oh > 23 || om > 59 ? -1 : 0;
}

static int zone_name(scan *t);

/* 1987-02-26 or 1987/02/26, then T or a blank and a time, then a zone. */
static int iso(scan *t, int *y, int *mo, int *d, int *h, int *mi, int *se)
{
    if (number(t, 4, y) || t->at >= t->len)
        return -1;
    char sep = t->s[t->at];
    if ((sep != '-' && sep != '/') || !take(t, sep) || number(t, 2, mo) || !take(t, sep) ||
        number(t, 2, d))
        return -1;
    *h = *mi = *se = 0;
    size_t before = t->at;
    if (take(t, 'T') || take(t, 't') || take(t, ' ')) {
        if (clock_time(t, h, mi, se)) {
            if (t->s[before] != ' ')
                return -1;
            t->at = before; /* a blank after the day: only blanks may follow */
            return 0;
        }
        size_t after = t->at;
        blanks(t);
        if (take(t, 'Z') || take(t, 'z'))
            return 0;
        if (t->at < t->len && (t->s[t->at] == '+' || t->s[t->at] == '-'))
            return numeric_offset(t);
        if (t->at > after && zone_name(t) == 0)
            return 0;
        t->at = after;
    }
    return 0;
}

/* "Jan" or "January" and the like, any case: 1 to 12, else 0. */
static int month_name(scan *t)
{
    static const char names[12][10] = {"january", "february", "march",     "april",
                                       "may",     "june",     "july",      "august",
                                       "september", "october", "november", "december"};
    size_t n = letters(t);
    for (int m = 0; m < 12 && n >= 3; m++) {
        size_t full = strlen(names[m]);
        if ((n == 3 || n == full || (n == 4 && m == 8)) /* "Sept" */ && word_is(t, n, names[m])) {
            t->at += n;
            take(t, '.');
            return m + 1;
        }
    }
    return 0;
}

/* A zone by name (GMT, UT, UTC, Z, and North America's of RFC 2822). */
static int zone_name(scan *t)
{
    static const char *const zones[] = {"gmt", "utc", "ut", "z",   "est", "edt", "cst",
                                        "cdt", "mst", "mdt", "pst", "pdt"};
    size_t n = letters(t);
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++)
        if (strlen(zones[z]) == n && word_is(t, n, zones[z])) {
            t->at += n;
            return 0;
        }
    return -1;
}

/* [Thu,] 26 Feb 1987 [15:01[:01]] [+0000 | GMT ...] */
static int rfc2822(scan *t, int *y, int *mo, int *d, int *h, int *mi, int *se)
{
    size_t day = letters(t);
    if (day) { /* a day's name, then a comma */
        t->at += day;
        if (!take(t, ','))
            return -1;
        blanks(t);
    }
    if (number(t, 2, d) && number(t, 1, d))
        return -1;
    blanks(t);
    if (!(*mo = month_name(t)))
        return -1;
    blanks(t);
    if (number(t, 4, y))
        return -1;
    *h = *mi = *se = 0;
    size_t before = t->at;
    blanks(t);
    if (t->at == before || t->at == t->len)
        return 0;
    if (clock_time(t, h, mi, se))
        return -1;
    before = t->at;
    blanks(t);
    if (t->at == before || t->at == t->len)
        return 0;
    return t->s[t->at] == '+' || t->s[t->at] == '-' ? numeric_offset(t) : zone_name(t);
}

int gal_date_parse(const char *s, size_t len, int64_t *sec)
{
    scan t = {s, len, 0};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    blanks(&t);
    size_t start = t.at;
    int rc = iso(&t, &y, &mo, &d, &h, &mi, &se);
    if (rc) {
        t.at = start;
        rc = rfc2822(&t, &y, &mo, &d, &h, &mi, &se);
    }
    blanks(&t);
    if (rc || t.at != t.len || mo < 1 || mo > 12 || d < 1 || (unsigned)d > gal_days_in_month(y, (unsigned)mo))
        return -1;
    *sec = gal_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}
