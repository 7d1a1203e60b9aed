/*
 * fuzz_hash_block.c — libFuzzer target for the blocks of records keyed by
 * hash (hash_blocks.h: entities, ids, lexicon), read as `galley verify` walks
 * them, without an LMDB environment: the reader gets the block's key and
 * bytes as a walk over the table would.
 *
 * Input: byte 0 picks the mode, bytes 1-12 are the block's key (batch ‖
 * first hash), the rest is the block.
 *   mode & 1 == 0: the bytes as stored (the checksum must match)
 *   mode & 1 == 1: the bytes sealed with a correct checksum first, so the
 *                  layout checks behind it are what is fuzzed
 * Properties: no memory error, no hang; every record read lies inside the
 * block, the first has the key's hash, hashes increase, at most
 * GAL_HBLOCK_RECORDS records; each record also read as an ids record
 * (id_table.h), whose documents increase.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "format.h"
#include "fuzz_common.h"
#include "hash_blocks.h"
#include "id_table.h"
#include "record.h"
#include "status.h"

static void read_block(const uint8_t *key, const uint8_t *block, size_t len)
{
    /* exact-size copy so a read past the block is caught */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, block, len);
    MDB_val k = {GAL_HBLOCK_KEY_LEN, (void *)key}, v = {len, copy};
    gal_hblock_reader r;
    memset(&r, 0, sizeof r);
    r.table = "fuzz";
    int rc = gal_hblock_read(&r, &k, &v);
    uint32_t n = 0;
    uint64_t prev = 0;
    if (rc == 0)
        FUZZ_ASSERT(r.hash == gal_get_be64(key + 4) && r.batch == gal_get_be32(key));
    while (rc == 0) {
        FUZZ_ASSERT(r.rec >= copy && r.rec + r.len <= copy + len);
        FUZZ_ASSERT(n == 0 || r.hash > prev);
        FUZZ_ASSERT(++n <= GAL_HBLOCK_RECORDS);
        prev = r.hash;
        gal_id_docs d;
        gal_id_docs_open(&d, r.rec, r.len, r.batch);
        uint32_t doc, last = 0;
        int more, first = 1;
        while ((more = gal_id_docs_next(&d, &doc)) == 0) {
            FUZZ_ASSERT(doc >= r.batch && (first || doc > last));
            first = 0;
            last = doc;
        }
        rc = gal_hblock_next(&r);
    }
    FUZZ_ASSERT(rc == 1 || rc == GAL_ECORRUPT);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 + GAL_HBLOCK_KEY_LEN)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *key = data + 1, *body = data + 1 + GAL_HBLOCK_KEY_LEN;
    size_t len = size - 1 - GAL_HBLOCK_KEY_LEN;
    if ((mode & 1) == 0) {
        read_block(key, body, len);
    } else {
        gal_buf b;
        gal_buf_init(&b);
        if (gal_buf_reserve(&b, len + GAL_RECORD_TRAILER) == 0 &&
            gal_buf_append(&b, body, len) == 0 &&
            gal_record_seal(&b, gal_record_key(key, GAL_HBLOCK_KEY_LEN)) == 0)
            read_block(key, b.data, b.len);
        gal_buf_release(&b);
    }
    gal_error_clear();
    return 0;
}
