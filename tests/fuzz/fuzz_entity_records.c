/*
 * fuzz_entity_records.c — libFuzzer target for the entity table's records
 * (entity_table.h), forms spelled out and named by number, as the readers
 * (`galley entities`, a lookup, `verify`) and a writer that numbers the
 * table's forms before an --append read them.
 *
 * Input: byte 0 is ignored (room for a mode), then entries of a control
 * byte, a length byte and that many record bytes.  Control bits 0-1 pick
 * one of four entities; bit 7 starts a new batch, as does an entity that
 * does not come after the batch's last.  The records go into valid blocks
 * (hash_blocks.h: right order and checksums) in a scratch LMDB table, so
 * what is fuzzed is the records themselves.
 *
 * Properties: no memory error, no hang; every status is one of those the
 * API documents; the readers' walk over every entity fails exactly when
 * the writer's numbering fails (both take a record as damaged by the same
 * rules, a form number past the entity's forms included).
 */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "entity_forms.h"
#include "entity_table.h"
#include "fuzz_common.h"
#include "hash_blocks.h"
#include "status.h"

static const uint64_t entity_hash[4] = {0x1111111111111111ull, 0x5555555555555555ull,
                                        0x9999999999999999ull, 0xDDDDDDDDDDDDDDDDull};

static MDB_env *env;
static char dir[] = "/tmp/galley-fuzz-entities-XXXXXX";

/* The scratch environment goes when the fuzzer exits (nothing is ever
 * committed to it). */
static void remove_env(void)
{
    char path[sizeof dir + 16];
    mdb_env_close(env);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    rmdir(dir);
}

static void open_env(void)
{
    if (!mkdtemp(dir) || mdb_env_create(&env) || mdb_env_set_maxdbs(env, 4) ||
        mdb_env_set_mapsize(env, 64u << 20) ||
        mdb_env_open(env, dir, MDB_NOSYNC | MDB_NOLOCK, 0600))
        abort();
    atexit(remove_env);
}

typedef struct put_ctx {
    MDB_txn *txn;
    MDB_dbi dbi;
} put_ctx;

static int put_block(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    put_ctx *p = ctx;
    MDB_val k = {GAL_HBLOCK_KEY_LEN, (void *)key}, v = {len, (void *)block};
    return mdb_put(p->txn, p->dbi, &k, &v, MDB_APPEND) ? GAL_EUSAGE : 0;
}

static int count_entity(void *ctx, const gal_entity_info *e)
{
    FUZZ_ASSERT(e->docs > 0 && e->display_len <= GAL_ENTITY_MAX_FORM);
    ++*(size_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!env)
        open_env();
    put_ctx p;
    if (mdb_txn_begin(env, NULL, 0, &p.txn) || gal_entity_table_open(p.txn, 1, &p.dbi))
        abort();
    gal_hblock_builder b;
    gal_hblock_builder_init(&b, put_block, &p);
    uint32_t batch = 0;
    int last = -1;
    for (size_t i = 1; i + 2 <= size;) {
        uint8_t ctl = data[i], len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = (uint8_t)(size - i);
        int e = ctl & 3;
        if ((ctl & 0x80) || e <= last) {
            batch += 100;
            last = -1;
        }
        FUZZ_ASSERT(gal_hblock_add(&b, batch, entity_hash[e], data + i, len) == 0);
        last = e;
        i += len;
    }
    FUZZ_ASSERT(gal_hblock_flush(&b) == 0);
    gal_hblock_builder_release(&b);

    size_t n = 0;
    int each = gal_entity_each(p.txn, p.dbi, count_entity, &n);
    FUZZ_ASSERT(each == 0 || each == GAL_ECORRUPT);
    for (int e = 0; e < 4; e++) {
        gal_entity_info info;
        int rc = gal_entity_get(p.txn, p.dbi, entity_hash[e], &info);
        FUZZ_ASSERT(rc == 0 || rc == GAL_ENOTFOUND || rc == GAL_ECORRUPT);
        FUZZ_ASSERT(rc != 0 || (info.docs > 0 && info.display != NULL));
        FUZZ_ASSERT(each != 0 || rc != GAL_ECORRUPT); /* a clean walk: clean lookups */
    }
    gal_entity_forms *forms = NULL;
    FUZZ_ASSERT(gal_entity_forms_new(&forms) == 0);
    int numbered = gal_entity_table_number_forms(p.txn, p.dbi, forms);
    FUZZ_ASSERT(numbered == 0 || numbered == GAL_ECORRUPT);
    FUZZ_ASSERT((numbered == 0) == (each == 0));
    gal_entity_forms_free(forms);
    mdb_txn_abort(p.txn);
    return 0;
}
