#include "status.h"

#include <stdio.h>

static _Thread_local char detail[1024];

const char *gal_strerror(int status)
{
    switch (status) {
    case GAL_OK: return "success";
    case GAL_ENOMEM: return "out of memory";
    case GAL_EIO: return "input/output error";
    case GAL_EINPUT: return "malformed input";
    case GAL_ECORRUPT: return "index is corrupt";
    case GAL_ENOTFOUND: return "not found";
    case GAL_EUSAGE: return "invalid usage";
    case GAL_ECL: return "OpenCL error";
    case GAL_EDB: return "database error";
    case GAL_EFULL: return "no space left on device";
    case GAL_EBUSY: return "index is locked by another writer";
    case GAL_ELIMIT: return "size limit exceeded";
    case GAL_EMAPFULL: return "index map is full";
    }
    return "unknown error";
}

int gal_error_set(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return status;
}

const char *gal_error_detail(int status)
{
    return detail[0] ? detail : gal_strerror(status);
}

void gal_error_clear(void)
{
    detail[0] = '\0';
}

void gal_error_keep(gal_error_copy *e, int status)
{
    e->status = status;
    if (status)
        snprintf(e->detail, sizeof e->detail, "%s", gal_error_detail(status));
}

int gal_error_kept(const gal_error_copy *e)
{
    return e->status ? gal_error_set(e->status, "%s", e->detail) : 0;
}
