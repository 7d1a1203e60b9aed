/*
 * test_cl_tokenize.c — the OpenCL tokenizer against the host reference.
 *
 * gal_cl_tokenize must give byte-identical gal_tokens to gal_tokenize_ref:
 *  (a) on random batches of random bytes (ASCII, multibyte letters and
 *      separators, emoji, malformed UTF-8, NULs, very long tokens) in many
 *      shapes and with many chunk sizes; the seed is printed and can be set
 *      with GALLEY_TEST_SEED;
 *  (b) on every corpus in argv[1]/corpora (*.jsonl.zst, *.trec.zst), in
 *      batches of about 8 MB, with a timing line per corpus (never asserted).
 * Also: device listing, bad device specs, the binary cache, GALLEY_KERNEL_DIR
 * and a kernel that fails to build.  No OpenCL device: SKIP (77).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "alloc.h"
#include "check.h"
#include "cl_runtime.h"
#include "cl_group.h"
#include "cl_pinned.h"
#include "cl_tokenize.h"
#include "status.h"
#include "tokenize.h"
#include "tokenizer_rules.h"

/* ---- helpers ---------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = gal_realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_cp(bytes *b, uint32_t c)
{
    uint8_t u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (uint8_t)(0xC0 | (c >> 6));
        u[1] = (uint8_t)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (c >> 12));
        u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (c >> 18));
        u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (c & 0x3F));
        n = 4;
    }
    put(b, u, n);
}

/* Compare two token lists; on a difference, say where and return 0. */
static int same_tokens(const char *what, const gal_tokens *a, const gal_tokens *b)
{
    int ok = 1;
    CHECK_EQ_U64(a->n, b->n);
    CHECK_EQ_U64(a->ndocs, b->ndocs);
    if (a->n != b->n || a->ndocs != b->ndocs) {
        fprintf(stderr, "%s: ref %zu tokens in %zu docs, cl %zu tokens in %zu docs\n", what,
                a->n, a->ndocs, b->n, b->ndocs);
        ok = 0;
    }
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++)
        if (a->hash[i] != b->hash[i] || a->offset[i] != b->offset[i] ||
            a->doc[i] != b->doc[i] || a->pos[i] != b->pos[i]) {
            fprintf(stderr,
                    "%s: token %zu differs: ref hash %016llx off %u doc %u pos %u, "
                    "cl hash %016llx off %u doc %u pos %u\n",
                    what, i, (unsigned long long)a->hash[i], a->offset[i], a->doc[i],
                    a->pos[i], (unsigned long long)b->hash[i], b->offset[i], b->doc[i],
                    b->pos[i]);
            ok = 0;
            break;
        }
    size_t nd = a->ndocs < b->ndocs ? a->ndocs : b->ndocs;
    for (size_t d = 0; d < nd; d++)
        if (a->doc_tokens[d] != b->doc_tokens[d]) {
            fprintf(stderr, "%s: doc_tokens[%zu]: ref %u, cl %u\n", what, d, a->doc_tokens[d],
                    b->doc_tokens[d]);
            ok = 0;
            break;
        }
    CHECK(ok);
    return ok;
}

/* ---- (a) random batches ---------------------------------------------- */

static const uint32_t word_cps[] = {
    0xE9, 0xC9, 0xDF, 0xFF, 0x130, 0x131, 0x178, 0x17F, 0x141, 0x142, 0x391, 0x3A3,
    0x3C9, 0x401, 0x416, 0x436, 0x4E2D, 0x6587, 0xAC00, 0x20000, 0x10FFFF, 0x1FB00, 0x300};
static const uint32_t sep_cps[] = {0x2019, 0x201C, 0x2014, 0x2026, 0xA0,   0xAB,   0xA3,
                                   0xD7,   0xF7,   0x20AC, 0x3000, 0x3001, 0xFEFF, 0x1F600,
                                   0x1F4A9, 0x1FAFF, 0x2BFF, 0x2000, 0x80,  0xBF};
static const char *const malformed[] = {
    "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xC3", "\xE2\x80", "\xE0\x80\x80",
    "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5",
    "\xFF", "\xF0\x9F\x98", "\xE4\xB8", "\x80\x80\x80\x80\x80"};

/* Append one random piece of text. */
static void put_piece(bytes *b)
{
    static const char ascii_sep[] = " \t\r.,;:'\"-()!?/&%$#@\x7f\x01";
    uint32_t r = below(100);
    if (r < 35) { /* an ASCII word */
        uint32_t len = 1 + below(10);
        for (uint32_t i = 0; i < len; i++) {
            uint32_t k = below(62);
            char c = (char)(k < 26 ? 'a' + k : k < 52 ? 'A' + k - 26 : '0' + k - 52);
            put(b, &c, 1);
        }
    } else if (r < 60) {
        put(b, &ascii_sep[below(sizeof ascii_sep - 1)], 1);
    } else if (r < 72) {
        put_cp(b, word_cps[below(sizeof word_cps / sizeof word_cps[0])]);
    } else if (r < 82) {
        put_cp(b, sep_cps[below(sizeof sep_cps / sizeof sep_cps[0])]);
    } else if (r < 90) {
        const char *m = malformed[below(sizeof malformed / sizeof malformed[0])];
        put(b, m, strlen(m));
    } else if (r < 93) {
        uint8_t z = below(4) ? 0 : '\n';
        put(b, &z, 1);
    } else if (r < 96) { /* any byte */
        uint8_t x = (uint8_t)below(256);
        put(b, &x, 1);
    } else if (r < 98) { /* around the 64-byte limit */
        uint32_t len = 60 + below(10);
        if (below(2)) {
            for (uint32_t i = 0; i < len; i++)
                put(b, "Q", 1);
        } else {
            for (uint32_t i = 0; i < len / 2; i++)
                put_cp(b, below(2) ? 0xC9 : 0x436);
        }
    } else if (below(2)) { /* dense: more tokens than a chunk keeps in its slots */
        uint32_t len = 10 + below(3000);
        for (uint32_t i = 0; i < len; i++) {
            if (below(4))
                put(b, "a ", 2);
            else
                put(b, "\xC3\xA9.", 3);
        }
    } else { /* longer than a chunk */
        uint32_t len = 100 + below(9000);
        for (uint32_t i = 0; i < len; i++) {
            if (below(8))
                put(b, "x", 1);
            else
                put_cp(b, word_cps[below(sizeof word_cps / sizeof word_cps[0])]);
        }
    }
}

static void put_field(bytes *b, uint32_t target)
{
    size_t start = b->n;
    while (b->n - start < target)
        put_piece(b);
    put(b, "\n", 1);
}

static uint32_t field_len(int shape)
{
    switch (below(shape == 0 ? 4 : 6)) {
    case 0: return 0;
    case 1: return below(8);
    case 2: return below(80);
    case 3: return below(600);
    case 4: return below(6000);
    default: return below(40000);
    }
}

static void random_batch(bytes *text, uint32_t **doc_start, uint32_t **body_start,
                         uint32_t *ndocs)
{
    uint32_t nd;
    int shape = (int)below(3);
    switch (below(6)) {
    case 0: nd = below(3); break;
    case 1: nd = 1; break;
    case 2: nd = below(20); break;
    case 3: nd = below(200); break;
    default: nd = below(1500); shape = 0; break;
    }
    uint32_t *ds = gal_malloc(((size_t)nd + 1) * sizeof *ds);
    uint32_t *bs = gal_malloc(((size_t)nd + 1) * sizeof *bs);
    if (!ds || !bs) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    text->n = 0;
    for (uint32_t d = 0; d < nd; d++) {
        ds[d] = (uint32_t)text->n;
        put_field(text, below(4) ? field_len(shape) / 4 : 0);
        bs[d] = (uint32_t)text->n;
        put_field(text, field_len(shape));
    }
    ds[nd] = (uint32_t)text->n;
    *doc_start = ds;
    *body_start = bs;
    *ndocs = nd;
}

/* t's sorted arrays (cl_group.h) against a stable sort of its tokens by
 * key on the host. */
static int same_sorted(const char *what, const gal_tokens *t)
{
    if (t->nsorted != t->n) {
        fprintf(stderr, "%s: %zu of %zu tokens sorted\n", what, t->nsorted, t->n);
        return 0;
    }
    uint32_t *order = gal_malloc((t->n ? t->n : 1) * sizeof *order);
    check_order_by_key(t->hash, order, t->n);
    size_t k = 0;
    for (; k < t->n; k++) {
        uint32_t i = order[k];
        if (t->sorted_idx[k] != i || t->sorted_hash[k] != t->hash[i] ||
            t->sorted_occ[2 * k] != t->doc[i] || t->sorted_occ[2 * k + 1] != t->pos[i])
            break;
    }
    if (k < t->n)
        fprintf(stderr, "%s: sorted token %zu is %u (key %016llx), not %u\n", what, k,
                t->sorted_idx[k], (unsigned long long)t->sorted_hash[k], order[k]);
    gal_free(order);
    return k == t->n;
}

static void test_random(gal_cl *dev, gal_cl_tokenizer **tks, int ntk, uint64_t seed)
{
    static const uint32_t chunks[] = {1, 2, 3, 4, 5, 7, 16, 63, 64, 100, 512, 4096, 65536};
    const int rounds = 300;
    const char *cl_type = dev->info.type;
    bytes text = {0};
    /* a tokenizer that copies its tokens down writes them into pinned
     * memory, as galley index has it do (cl_pinned.h), the other one in
     * place into heap arrays */
    gal_tokens ref, cl, pinned;
    gal_tokens_init(&ref);
    gal_tokens_init(&cl);
    gal_tokens_init(&pinned);
    gal_cl_pinned *pin = NULL;
    CHECK(gal_cl_pinned_new(dev, &pin) == 0 && pin != NULL);
    pinned.mem = gal_cl_pinned_allocator(pin);
    uint64_t most_pinned = 0;
    /* every third round, the tokens grouped by key on the device too */
    gal_cl_grouper *grouper = NULL;
    int rc_group = gal_cl_grouper_new(dev, &grouper);
    if (rc_group)
        fprintf(stderr, "gal_cl_grouper_new: %s\n", gal_error_detail(rc_group));
    CHECK(rc_group == 0);
    size_t grouped = 0;
    size_t total_bytes = 0, total_tokens = 0;
    int failed = 0;
    if (ntk > 1) { /* the other tokenizer takes the doc/pos and copy paths the device does not */
        gal_cl_tokenizer_set_per_token(tks[1], strcmp(cl_type, "CPU") == 0);
        gal_cl_tokenizer_set_zero_copy(tks[1], strcmp(cl_type, "CPU") != 0);
    }
    for (int r = 0; r < rounds && failed < 3; r++) {
        rng_state = seed + (uint64_t)r * 0x9E3779B97F4A7C15ull;
        uint32_t *ds = NULL, *bs = NULL, nd = 0;
        random_batch(&text, &ds, &bs, &nd);
        gal_cl_tokenizer *tk = tks[r % ntk];
        dev->poll_wait = (r / ntk) % 2; /* both ways of waiting, for each tokenizer */
        uint32_t chunk = chunks[below(sizeof chunks / sizeof chunks[0])];
        if (chunk < 16 && text.n > 200000)
            chunk = 16; /* keep the number of work-items sane */
        CHECK(gal_cl_tokenizer_set_chunk(tk, chunk) == 0);
        int rc1 = gal_tokenize_ref(text.p, (uint32_t)text.n, ds, bs, nd, &ref);
        gal_tokens *out = gal_cl_tokenizer_zero_copy(tk) ? &cl : &pinned;
        int rc2 = gal_cl_tokenize(tk, text.p, (uint32_t)text.n, ds, bs, nd, out);
        CHECK_EQ_U64(rc1, 0);
        if (rc2)
            fprintf(stderr, "gal_cl_tokenize: %s\n", gal_error_detail(rc2));
        CHECK_EQ_U64(rc2, 0);
        char what[160];
        snprintf(what, sizeof what,
                 "random round %d (seed %llu, %u docs, %zu bytes, chunk %u)", r,
                 (unsigned long long)seed, nd, text.n, chunk);
        if (!rc1 && !rc2 && !same_tokens(what, &ref, out))
            failed++;
        if (grouper && !rc2 && r % 3 == 0) {
            int rc3 = gal_cl_group(grouper, tk, out);
            if (rc3)
                fprintf(stderr, "gal_cl_group: %s\n", gal_error_detail(rc3));
            CHECK_EQ_U64(rc3, 0);
            if (!rc3 && !same_sorted(what, out))
                failed++;
            grouped += out->n;
        }
        uint64_t held, heap;
        gal_cl_pinned_usage(pin, &held, &heap);
        CHECK_EQ_U64(heap, 0);
        most_pinned = held > most_pinned ? held : most_pinned;
        total_bytes += text.n;
        total_tokens += ref.n;
        gal_free(ds);
        gal_free(bs);
    }
    printf("random: %d batches, %zu bytes, %zu tokens compared\n", rounds, total_bytes,
           total_tokens);
    if (ntk > 1) {
        gal_cl_tokenizer_set_per_token(tks[1], strcmp(cl_type, "CPU") != 0);
        gal_cl_tokenizer_set_zero_copy(tks[1], strcmp(cl_type, "CPU") == 0);
    }
    dev->poll_wait = 0;
    printf("random: %zu tokens grouped by key on the device\n", grouped);
    CHECK(grouped > 0);
    gal_cl_grouper_free(grouper);
    /* every round had a copying tokenizer; the pinned arrays go back */
    printf("random: up to %llu bytes of pinned tokens\n", (unsigned long long)most_pinned);
    CHECK(most_pinned > 0);
    gal_tokens_release(&pinned);
    uint64_t held, heap;
    gal_cl_pinned_usage(pin, &held, &heap);
    CHECK_EQ_U64(held + heap, 0);
    gal_cl_pinned_free(pin);
    gal_tokens_release(&ref);
    gal_tokens_release(&cl);
    gal_free(text.p);
}

/* GALLEY_CL_PINNED: 0 turns pinned memory off, anything but 0 or 1 is an
 * error; and what is left held when the source goes is released with it
 * (ASan would see a leak otherwise). */
static void test_pinned_switch(gal_cl *dev)
{
    gal_cl_pinned *pin = (gal_cl_pinned *)&pin;
    setenv("GALLEY_CL_PINNED", "0", 1);
    CHECK(gal_cl_pinned_new(dev, &pin) == 0 && pin == NULL);
    CHECK(gal_cl_pinned_allocator(pin) == NULL);
    setenv("GALLEY_CL_PINNED", "yes", 1);
    CHECK(gal_cl_pinned_new(dev, &pin) == GAL_EUSAGE && pin == NULL);
    setenv("GALLEY_CL_PINNED", "1", 1);
    CHECK(gal_cl_pinned_new(dev, &pin) == 0 && pin != NULL);
    unsetenv("GALLEY_CL_PINNED");
    const gal_allocator *a = gal_cl_pinned_allocator(pin);
    uint8_t *p = a->alloc(a->ctx, 1 << 20), *q = a->alloc(a->ctx, 100);
    CHECK(p != NULL && q != NULL);
    if (p && q) {
        memset(p, 0xA5, 1 << 20); /* the host writes and reads it as any memory */
        memset(q, 0x5A, 100);
        CHECK(p[12345] == 0xA5 && q[99] == 0x5A);
    }
    uint64_t held, heap;
    gal_cl_pinned_usage(pin, &held, &heap);
    CHECK_EQ_U64(held + heap, (1 << 20) + 100);
    a->free(a->ctx, p);
    gal_cl_pinned_usage(pin, &held, &heap);
    CHECK_EQ_U64(held + heap, 100);
    /* more than the device allocates at once: heap memory stands in (left
     * untouched; on a device whose limit is past a few GB, not tried) */
    uint64_t over = dev->info.max_alloc_bytes + 4096;
    if (dev->info.max_alloc_bytes && over <= (8ull << 30)) {
        void *big = a->alloc(a->ctx, (size_t)over);
        gal_cl_pinned_usage(pin, &held, &heap);
        CHECK(big != NULL && heap == over);
        a->free(a->ctx, big);
        gal_cl_pinned_usage(pin, &held, &heap);
        CHECK_EQ_U64(heap, 0);
    }
    gal_cl_pinned_free(pin); /* q still held */
    gal_cl_pinned_free(NULL);
}

/* ---- (b) corpora ----------------------------------------------------- */

static int read_zst(const char *path, bytes *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    ZSTD_DStream *ds = ZSTD_createDStream();
    size_t inlen = ZSTD_DStreamInSize(), outlen = ZSTD_DStreamOutSize();
    uint8_t *in = gal_malloc(inlen), *buf = gal_malloc(outlen);
    int rc = ds && in && buf ? 0 : -1;
    out->n = 0;
    size_t got, ret = 0;
    while (!rc && (got = fread(in, 1, inlen, f)) > 0) {
        ZSTD_inBuffer ib = {in, got, 0};
        while (ib.pos < ib.size) {
            ZSTD_outBuffer ob = {buf, outlen, 0};
            ret = ZSTD_decompressStream(ds, &ob, &ib);
            if (ZSTD_isError(ret)) {
                fprintf(stderr, "%s: %s\n", path, ZSTD_getErrorName(ret));
                rc = -1;
                break;
            }
            put(out, buf, ob.pos);
        }
    }
    if (!rc && ret != 0)
        rc = -1; /* truncated frame */
    ZSTD_freeDStream(ds);
    gal_free(in);
    gal_free(buf);
    fclose(f);
    return rc;
}

typedef struct batch {
    bytes text;
    uint32_t *ds, *bs;
    uint32_t nd, cap;
} batch;

static void batch_add(batch *b, const uint8_t *doc, size_t len)
{
    if (b->nd + 1 >= b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->ds = gal_realloc(b->ds, b->cap * sizeof *b->ds);
        b->bs = gal_realloc(b->bs, b->cap * sizeof *b->bs);
        if (!b->ds || !b->bs) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    size_t tlen = len < 40 ? len : 40;
    b->ds[b->nd] = (uint32_t)b->text.n;
    put(&b->text, doc, tlen);
    put(&b->text, "\n", 1);
    b->bs[b->nd] = (uint32_t)b->text.n;
    put(&b->text, doc + tlen, len - tlen);
    put(&b->text, "\n", 1);
    b->nd++;
    b->ds[b->nd] = (uint32_t)b->text.n;
}

typedef struct timing {
    double ref_s, cl_s;
    size_t bytes, tokens;
} timing;

static void batch_run(batch *b, gal_cl_tokenizer *tk, const char *name, timing *t,
                      gal_tokens *ref, gal_tokens *cl)
{
    if (b->nd == 0)
        return;
    double t0 = now();
    int rc1 = gal_tokenize_ref(b->text.p, (uint32_t)b->text.n, b->ds, b->bs, b->nd, ref);
    double t1 = now();
    int rc2 = gal_cl_tokenize(tk, b->text.p, (uint32_t)b->text.n, b->ds, b->bs, b->nd, cl);
    double t2 = now();
    CHECK_EQ_U64(rc1, 0);
    if (rc2)
        fprintf(stderr, "gal_cl_tokenize: %s\n", gal_error_detail(rc2));
    CHECK_EQ_U64(rc2, 0);
    if (!rc1 && !rc2)
        same_tokens(name, ref, cl);
    t->ref_s += t1 - t0;
    t->cl_s += t2 - t1;
    t->bytes += b->text.n;
    t->tokens += ref->n;
    b->text.n = 0;
    b->nd = 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpora(gal_cl_tokenizer *tk, const char *shared)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/corpora", shared ? shared : "");
    DIR *dh = shared ? opendir(dir) : NULL;
    if (!dh) {
        printf("corpora: skipped: no corpus directory '%s' (../shared is absent)\n",
               shared ? dir : "(no argument)");
        return;
    }
    char *names[256];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(dh)) && nn < 256)
        if (ends_with(e->d_name, ".jsonl.zst") || ends_with(e->d_name, ".trec.zst"))
            names[nn++] = gal_strndup(e->d_name, strlen(e->d_name));
    closedir(dh);
    qsort(names, nn, sizeof names[0], by_name);
    if (nn == 0)
        printf("corpora: skipped: no *.jsonl.zst or *.trec.zst in '%s'\n", dir);

    gal_tokens ref, cl;
    gal_tokens_init(&ref);
    gal_tokens_init(&cl);
    bytes raw = {0};
    batch b = {0};
    const size_t batch_bytes = 8u << 20, trec_slice = 4000;
    CHECK(gal_cl_tokenizer_set_chunk(tk, 0) == 0); /* the device's default */
    for (size_t i = 0; i < nn; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int rc = read_zst(path, &raw);
        CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "cannot decompress '%s'\n", path);
            continue;
        }
        timing t = {0, 0, 0, 0};
        int jsonl = ends_with(names[i], ".jsonl.zst");
        size_t pos = 0;
        while (pos < raw.n) {
            size_t len;
            if (jsonl) {
                const uint8_t *nl = memchr(raw.p + pos, '\n', raw.n - pos);
                len = nl ? (size_t)(nl - (raw.p + pos)) : raw.n - pos;
            } else {
                len = raw.n - pos < trec_slice ? raw.n - pos : trec_slice;
            }
            batch_add(&b, raw.p + pos, len);
            pos += len + (jsonl ? 1 : 0);
            if (b.text.n >= batch_bytes)
                batch_run(&b, tk, names[i], &t, &ref, &cl);
        }
        batch_run(&b, tk, names[i], &t, &ref, &cl);
        double mb = (double)t.bytes / 1e6;
        printf("corpus %-24s %7.1f MB %9zu tokens  ref %6.1f MB/s  opencl %6.1f MB/s\n",
               names[i], mb, t.tokens, t.ref_s > 0 ? mb / t.ref_s : 0.0,
               t.cl_s > 0 ? mb / t.cl_s : 0.0);
        gal_free(names[i]);
    }
    gal_free(raw.p);
    gal_free(b.text.p);
    gal_free(b.ds);
    gal_free(b.bs);
    gal_tokens_release(&ref);
    gal_tokens_release(&cl);
}

/* ---- runtime: listing, specs, cache, kernel dir, build failure -------- */

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static size_t count_suffix(const char *dir, const char *suffix)
{
    DIR *dh = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    if (!dh)
        return 0;
    while ((e = readdir(dh)))
        n += ends_with(e->d_name, suffix);
    closedir(dh);
    return n;
}

static void remove_dir(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    char path[4400];
    if (!dh)
        return;
    while ((e = readdir(dh)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    closedir(dh);
    rmdir(dir);
}

static const struct gal_embedded_kernel *embedded(const char *name)
{
    for (const struct gal_embedded_kernel *k = gal_embedded_kernels; k->name; k++)
        if (!strcmp(k->name, name))
            return k;
    return NULL;
}

static void test_runtime(gal_cl *cl, const char *tmpdir)
{
    size_t count = 0;
    CHECK(gal_cl_list_devices(NULL, 0, &count) == 0);
    CHECK(count >= 1);
    gal_cl_device_info info[8];
    size_t count2 = 0;
    CHECK(gal_cl_list_devices(info, 8, &count2) == 0);
    CHECK_EQ_U64(count, count2);
    if (count2 >= 1) {
        CHECK_EQ_U64(info[0].index, 0);
        CHECK(info[0].name[0] != '\0');
        CHECK(info[0].compute_units >= 1);
        CHECK(info[0].global_mem_bytes > 0);
    }
    gal_cl *x = NULL;
    CHECK(gal_cl_open("bogus", &x) == GAL_EUSAGE && x == NULL);
    CHECK(gal_cl_open("-1", &x) == GAL_EUSAGE && x == NULL);
    CHECK(gal_cl_open("999", &x) == GAL_ENOTFOUND && x == NULL);
    CHECK(gal_cl_open("0", &x) == 0 && x != NULL);
    gal_cl_close(x);
    gal_cl_close(NULL);
    gal_cl_tokenizer_free(NULL);

    CHECK(!strcmp(gal_cl_strerror(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES"));
    CHECK(!strcmp(gal_cl_strerror(CL_BUILD_PROGRAM_FAILURE), "CL_BUILD_PROGRAM_FAILURE"));
    CHECK(!strcmp(gal_cl_strerror(12345), "CL_UNKNOWN_ERROR"));

    /* The first tokenizer (made by main) wrote one binary to the cache. */
    char cache[4200];
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    CHECK_EQ_U64(count_suffix(cache, ".clbin"), 1);

    cl_program prog = NULL;
    CHECK(gal_cl_build(cl, "no-such-kernel.cl", NULL, &prog) == GAL_ENOTFOUND && !prog);

    /* GALLEY_KERNEL_DIR: sources from disk; a broken kernel reports the
     * build failure (and prints its log) instead of crashing. */
    const struct gal_embedded_kernel *rules = embedded("tokenizer_rules.h");
    const struct gal_embedded_kernel *tok = embedded("tokenize.cl");
    CHECK(rules && tok);
    if (!rules || !tok)
        return;
    char kdir[4200], path[4400];
    snprintf(kdir, sizeof kdir, "%s/kernels", tmpdir);
    CHECK(mkdir(kdir, 0755) == 0);
    snprintf(path, sizeof path, "%s/tokenizer_rules.h", kdir);
    CHECK(write_file(path, rules->bytes, rules->size) == 0);
    snprintf(path, sizeof path, "%s/tokenize.cl", kdir);
    CHECK(write_file(path, tok->bytes, tok->size) == 0);
    static const char broken[] =
        "__kernel void broken(__global uint *x) { x[0] = gal_no_such_function(); }\n";
    snprintf(path, sizeof path, "%s/broken.cl", kdir);
    CHECK(write_file(path, broken, sizeof broken - 1) == 0);
    setenv("GALLEY_KERNEL_DIR", kdir, 1);
    /* A different option string must miss the cache and build from disk. */
    CHECK(gal_cl_build(cl, "tokenize.cl", "-DGALLEY_TEST_OPTION=1", &prog) == 0 && prog);
    if (prog)
        clReleaseProgram(prog);
    prog = NULL;
    CHECK_EQ_U64(count_suffix(cache, ".clbin"), 2);
    fprintf(stderr, "(a build failure and its log are expected next)\n");
    int rc = gal_cl_build(cl, "broken.cl", NULL, &prog);
    CHECK(rc == GAL_ECL && !prog);
    CHECK(strstr(gal_error_detail(rc), "CL_BUILD_PROGRAM_FAILURE") != NULL);
    printf("expected build failure: %s\n", gal_error_detail(rc));
    CHECK(gal_cl_build(cl, "missing.cl", NULL, &prog) == GAL_ENOTFOUND && !prog);
    unsetenv("GALLEY_KERNEL_DIR");
    remove_dir(kdir);
}

/* ---- fixed cases ------------------------------------------------------- */

static void test_fixed(gal_cl_tokenizer *tk)
{
    /* Title "Trump’s U.S. £1bn", body "New York-based ÉCOLE", then an empty doc. */
    static const char title[] = "Trump\xE2\x80\x99s U.S. \xC2\xA3" "1bn\n";
    static const char body[] = "New York-based \xC3\x89" "COLE\n";
    char text[128];
    uint32_t nt = (uint32_t)strlen(title), nb = (uint32_t)strlen(body);
    snprintf(text, sizeof text, "%s%s\n\n", title, body);
    uint32_t ds[] = {0, nt + nb, nt + nb + 2}, bs[] = {nt, nt + nb + 1};
    gal_tokens ref, cl;
    gal_tokens_init(&ref);
    gal_tokens_init(&cl);
    CHECK(gal_tokenize_ref((const uint8_t *)text, ds[2], ds, bs, 2, &ref) == 0);
    CHECK(gal_cl_tokenize(tk, (const uint8_t *)text, ds[2], ds, bs, 2, &cl) == 0);
    CHECK_EQ_U64(cl.n, 9); /* trump s u s 1bn | new york based école */
    CHECK_EQ_U64(cl.ndocs, 2);
    if (cl.n == 9) {
        CHECK_EQ_U64(cl.offset[4], nt - 4);
        CHECK_EQ_U64(cl.pos[4], 4);
        CHECK_EQ_U64(cl.pos[5], 5 + GAL_TITLE_BODY_GAP);
        CHECK_EQ_U64(cl.pos[8], 8 + GAL_TITLE_BODY_GAP);
        CHECK_EQ_U64(cl.doc[8], 0);
        CHECK_EQ_U64(cl.doc_tokens[0], 9);
        CHECK_EQ_U64(cl.doc_tokens[1], 0);
        CHECK(cl.hash[0] != GAL_HASH_NONE);
        CHECK(cl.hash[1] == cl.hash[3]); /* "s" and "s" */
    }
    same_tokens("fixed text", &ref, &cl);

    /* No documents; documents without any token. */
    CHECK(gal_cl_tokenize(tk, (const uint8_t *)"", 0, ds, bs, 0, &cl) == 0);
    CHECK_EQ_U64(cl.n, 0);
    CHECK_EQ_U64(cl.ndocs, 0);
    uint32_t ds2[] = {0, 2, 6}, bs2[] = {1, 3};
    CHECK(gal_cl_tokenize(tk, (const uint8_t *)"\n\n.\n,\n", 6, ds2, bs2, 2, &cl) == 0);
    CHECK_EQ_U64(cl.n, 0);
    CHECK_EQ_U64(cl.ndocs, 2);
    CHECK_EQ_U64(cl.doc_tokens[0] + cl.doc_tokens[1], 0);
    /* A batch that claims more bytes than it has is refused. */
    uint32_t ds3[] = {0, 10}, bs3[] = {1};
    CHECK(gal_cl_tokenize(tk, (const uint8_t *)"a\nb\n", 4, ds3, bs3, 1, &cl) == GAL_EUSAGE);
    gal_tokens_release(&ref);
    gal_tokens_release(&cl);
}

int main(int argc, char **argv)
{
    const char *shared = argc > 1 ? argv[1] : NULL;
    uint64_t seed = check_seed();

    /* A private binary cache, so the cache is exercised from empty. */
    char tmpdir[] = "/tmp/galley-test-cl-XXXXXX", cache[4200];
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    setenv("GALLEY_CACHE_DIR", cache, 1);
    unsetenv("GALLEY_KERNEL_DIR");

    const char *spec = getenv("GALLEY_CL_DEVICE");
    gal_cl *cl = NULL;
    int rc = gal_cl_open(spec ? spec : "auto", &cl);
    if (rc) {
        char why[1200];
        snprintf(why, sizeof why, "no OpenCL device: %s", gal_error_detail(rc));
        check_skip(why);
        remove_dir(cache);
        rmdir(tmpdir);
        return check_exit("test_cl_tokenize");
    }
    printf("device %u: %s (%s, %s, %s)\n", cl->info.index, cl->info.name, cl->info.platform,
           cl->info.type, cl->info.driver_version);

    gal_cl_tokenizer *tks[2] = {NULL, NULL};
    double t0 = now();
    rc = gal_cl_tokenizer_new(cl, &tks[0]);
    double t1 = now();
    if (rc)
        fprintf(stderr, "gal_cl_tokenizer_new: %s\n", gal_error_detail(rc));
    CHECK(rc == 0);
    /* The second one comes from the binary cache. */
    rc = rc ? rc : gal_cl_tokenizer_new(cl, &tks[1]);
    double t2 = now();
    CHECK(rc == 0);
    if (rc == 0) {
        printf("program build %.2f s, from cache %.2f s\n", t1 - t0, t2 - t1);
        test_runtime(cl, tmpdir);
        test_fixed(tks[0]);
        test_pinned_switch(cl);
        test_random(cl, tks, 2, seed);
        test_corpora(tks[1], shared);
    }
    gal_cl_tokenizer_free(tks[0]);
    gal_cl_tokenizer_free(tks[1]);
    gal_cl_close(cl);
    remove_dir(cache);
    rmdir(tmpdir);
    return check_exit("test_cl_tokenize");
}
