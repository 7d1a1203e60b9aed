/*
 * test_dates.c — the dates a document may carry (common/dates.h): which
 * forms read, to which second, and which are refused.
 */
#include <string.h>

#include "check.h"
#include "dates.h"

/* The seconds s reads as, or -1 when refused (no test date is 1969). */
static int64_t read_date(const char *s)
{
    int64_t sec;
    return gal_date_parse(s, strlen(s), &sec) ? -1 : sec;
}

#define DAY(y, m, d) (gal_days_from_civil(y, m, d) * 86400)

static void test_iso(void)
{
    CHECK(read_date("1970-01-01") == 0);
    CHECK(read_date("1987-02-26T15:01:01.79") == 541350061);
    CHECK(read_date("1987-02-26 15:01:01") == 541350061);
    CHECK(read_date("1987-02-26T15:01") == 541350061 - 1);
    CHECK(read_date("  1987-02-26  ") == DAY(1987, 2, 26));
    CHECK(read_date("1987/02/26") == DAY(1987, 2, 26));
    CHECK(read_date("2024-02-29") == DAY(2024, 2, 29));
    CHECK(read_date("2000-02-29") == DAY(2000, 2, 29));
    /* the end of a day and a leap second stay in the day they are written
     * with, as its last second (date:2016-12-31 finds them) */
    CHECK(read_date("2020-01-31T24:00") == DAY(2020, 2, 1) - 1);
    CHECK(read_date("2016-12-31T23:59:60Z") == DAY(2017, 1, 1) - 1);
    CHECK(read_date("1987-02-26T24:00:00") == DAY(1987, 2, 27) - 1);
    /* an offset is checked and left out: the day and time as written */
    int64_t t = DAY(2020, 1, 31) + 23 * 3600 + 30 * 60;
    CHECK(read_date("2020-01-31T23:30:00-05:00") == t);
    CHECK(read_date("2020-01-31T23:30:00+0530") == t);
    CHECK(read_date("2020-01-31T23:30:00+05") == t);
    CHECK(read_date("2020-01-31T23:30:00Z") == t);
    CHECK(read_date("2020-01-31 23:30:00 UTC") == t);
    CHECK(read_date("2020-01-31 23:30:00 +01:00") == t);
}

static void test_rfc2822(void)
{
    int64_t t = DAY(1987, 2, 26) + 15 * 3600 + 60 + 1;
    CHECK(read_date("Thu, 26 Feb 1987 15:01:01 +0000") == t);
    CHECK(read_date("Thu, 26 Feb 1987 15:01:01 GMT") == t);
    CHECK(read_date("26 Feb 1987 15:01:01 -0800") == t);
    CHECK(read_date("Thursday, 26 February 1987 15:01:01 EST") == t);
    CHECK(read_date("26 feb 1987 15:01:01") == t);
    CHECK(read_date("5 Sep 2019") == DAY(2019, 9, 5));
    CHECK(read_date("05 Sept 2019 10:00") == DAY(2019, 9, 5) + 36000);
    CHECK(read_date("Sat, 29 Feb 2020 00:00:00 +0000") == DAY(2020, 2, 29));
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "",                  /* nothing */
        "   ",               /* blanks */
        "2020-02-30",        /* a day February has not */
        "2019-02-29",        /* not a leap year */
        "1900-02-29",        /* nor this */
        "2020-04-31",        /* April has 30 */
        "2020-13-01",        /* no 13th month */
        "2020-00-10",        /* nor a 0th */
        "2020-01-00",        /* nor a day 0 */
        "2020-01-31garbage", /* more after it */
        "2020-01-31 (approx)",
        "2020-01-31T25:00",  /* no such hour */
        "2020-01-31T24:01",
        "2020-01-31T10:60",
        "2020-01-31T10:00:61",
        "2020-01-31T10",     /* an hour alone */
        "2020-01-31T10:00+24:00",
        "2020-01-31T10:00:00.", /* a point and no fraction */
        "2020-01/31",        /* separators that differ */
        "1987",              /* a year alone */
        "2020-01",           /* a month alone */
        "20200131",          /* digits alone */
        "1580428800",        /* seconds since 1970: which unit is unknown */
        "26-FEB-1987",
        "Thu 26 Feb 1987",   /* a day's name without its comma */
        "30 Feb 2020",
        "26 Foo 1987",
        "26 Feb 1987 15:01:01 +0000 extra",
        "26 Feb 1987 15:01:01 XYZ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t sec;
        int rc = gal_date_parse(bad[i], strlen(bad[i]), &sec);
        if (rc == 0)
            fprintf(stderr, "read, should be refused: '%s'\n", bad[i]);
        CHECK(rc != 0);
    }
}

int main(void)
{
    test_iso();
    test_rfc2822();
    test_refused();
    return check_exit("test_dates");
}
