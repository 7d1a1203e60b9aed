/*
 * fuzz_query.c — libFuzzer target for the query parser (query.h).
 *
 * Properties: no memory error, no hang, no deep recursion; a failure is
 * GAL_EUSAGE (or GAL_ENOMEM) with a detail; a parsed query formats, and
 * its token count stays within the parser's limit.
 */
#include <string.h>

#include "fuzz_common.h"
#include "query.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the parser must not read past len: give it an exact-size copy */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    gal_query *q = NULL;
    int rc = gal_query_parse(text, size, &q);
    if (rc) {
        FUZZ_ASSERT(rc == GAL_EUSAGE || rc == GAL_ENOMEM);
        const char *d = gal_error_detail(rc);
        FUZZ_ASSERT(d != NULL && d[0] != '\0' && strchr(d, '\n') == NULL);
    } else {
        FUZZ_ASSERT(q != NULL && q->root != NULL);
        FUZZ_ASSERT(q->ntokens <= GAL_QUERY_MAX_TOKENS);
        gal_buf out;
        gal_buf_init(&out);
        FUZZ_ASSERT(gal_query_format(q, &out) == 0);
        gal_buf_release(&out);
        gal_query_free(q);
    }
    free(text);
    gal_error_clear();
    return 0;
}
