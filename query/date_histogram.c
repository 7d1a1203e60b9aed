#include "date_histogram.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "doc_record.h"
#include "index.h"
#include "status.h"

void gal_histogram_release(gal_histogram *h)
{
    gal_free(h->v);
    memset(h, 0, sizeof *h);
}

int64_t gal_period_of(int64_t date_sec, gal_date_unit unit)
{
    if (date_sec == GAL_NO_DATE)
        return GAL_PERIOD_UNDATED;
    int64_t y;
    unsigned m, d;
    gal_civil_from_days((date_sec >= 0 ? date_sec : date_sec - 86399) / 86400, &y, &m, &d);
    return unit == GAL_PER_YEAR ? y : unit == GAL_PER_MONTH ? y * 100 + m : (y * 100 + m) * 100 + d;
}

int gal_histogram_add(gal_histogram *h, int64_t period, uint64_t count)
{
    if (h->last < h->n && h->v[h->last].period == period) {
        h->v[h->last].count += count;
        return 0;
    }
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->v[mid].period < period)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == h->n || h->v[lo].period != period) {
        if (gal_grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v, 64))
            return gal_error_set(GAL_ENOMEM, "out of memory counting by date");
        memmove(h->v + lo + 1, h->v + lo, (h->n - lo) * sizeof *h->v);
        h->v[lo] = (gal_period_count){period, 0};
        h->n++;
    }
    h->v[lo].count += count;
    h->last = lo;
    return 0;
}

int gal_period_format(int64_t period, gal_date_unit unit, gal_buf *out)
{
    char tmp[48];
    if (period == GAL_PERIOD_UNDATED)
        snprintf(tmp, sizeof tmp, "undated");
    else if (unit == GAL_PER_YEAR)
        snprintf(tmp, sizeof tmp, "%04" PRId64, period);
    else if (unit == GAL_PER_MONTH)
        snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d", period / 100, (int)(period % 100));
    else
        snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d-%02d", period / 10000,
                 (int)(period / 100 % 100), (int)(period % 100));
    return gal_buf_append(out, tmp, strlen(tmp));
}
