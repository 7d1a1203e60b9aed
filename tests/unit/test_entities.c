/*
 * test_entities.c — named-entity rules, host reference vs OpenCL, and the
 * entity table.
 *
 *  (a) the word-class table in kernels/entity_rules.h (with its filter and
 *      bucket index) matches its source list GAL_ENT_WORDS
 *      (`test_entities --print-table` prints the right tables);
 *  (b) the rules on hand-made sentences: every example of issue 4 and of
 *      DESIGN.md's Entities section;
 *  (c) gal_cl_entities gives byte-identical mentions to gal_entities_ref on
 *      random batches (seed printed, GALLEY_TEST_SEED sets it), on a
 *      document whose mentions overflow its room on the device, and on
 *      every corpus in argv[1]/corpora; no OpenCL device: that part is
 *      skipped;
 *  (d) gal_entity_batch_prepare / gal_entity_table_apply / _get / _each on a
 *      scratch LMDB environment, with every form spelled out and with forms
 *      named by number (entity_forms.h), and records made by hand: a
 *      format-6 record that a later record names a form of, and a number
 *      beyond the entity's forms.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "check.h"
#include "cl_entities.h"
#include "cl_runtime.h"
#include "cl_tokenize.h"
#include "entities.h"
#include "entity_forms.h"
#include "entity_table.h"
#include "hash_blocks.h"
#include "reader.h"
#include "status.h"
#include "terms.h"
#include "tokenize.h"
#include "tokenizer_rules.h"
#include "entity_rules.h"

/* ---- (a) the table ------------------------------------------------------ */

typedef struct word_row {
    uint64_t hash;
    const char *word;
    unsigned cls;
} word_row;

static int cmp_row(const void *a, const void *b)
{
    uint64_t x = ((const word_row *)a)->hash, y = ((const word_row *)b)->hash;
    return x < y ? -1 : x > y;
}

static const char *class_names(unsigned cls, char *buf, size_t size)
{
    static const char *const names[] = {"CONN", "AND",   "FUNC", "HON",     "ABBR", "ROLE",
                                        "LEAD", "MOD",   "DATE", "DEMONYM", "ORG",  "COMMON"};
    buf[0] = '\0';
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (cls & (1u << i)) {
            if (buf[0])
                strncat(buf, "|", size - strlen(buf) - 1);
            strncat(buf, "GAL_ENT_", size - strlen(buf) - 1);
            strncat(buf, names[i], size - strlen(buf) - 1);
        }
    return buf;
}

static void check_table(int print)
{
#define ROW(w, c) {0, w, c},
    word_row rows[] = {GAL_ENT_WORDS(ROW)};
#undef ROW
    size_t n = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < n; i++)
        rows[i].hash = gal_term_hash_folded(rows[i].word, strlen(rows[i].word), GAL_SEED_WORD);
    qsort(rows, n, sizeof rows[0], cmp_row);
    uint64_t filter[64] = {0};
    for (size_t i = 0; i < n; i++)
        filter[rows[i].hash >> 58] |= 1ull << ((rows[i].hash >> 52) & 63);
    /* bucket[k]: the first row whose hash has top bits k or more */
    enum { NBUCKETS = 1u << GAL_ENT_BUCKET_BITS };
    unsigned bucket[NBUCKETS + 1];
    for (size_t k = 0, i = 0; k <= NBUCKETS; k++) {
        while (i < n && (k == NBUCKETS || rows[i].hash >> (64 - GAL_ENT_BUCKET_BITS) < k))
            i++;
        bucket[k] = (unsigned)i;
    }
    int same = n == GAL_ENT_NWORDS;
    for (size_t i = 0; same && i < n; i++)
        same = rows[i].hash == gal_ent_words[i].hash && rows[i].cls == gal_ent_words[i].cls;
    for (size_t i = 0; same && i < 64; i++)
        same = filter[i] == gal_ent_filter[i];
    for (size_t k = 0; same && k <= NBUCKETS; k++)
        same = bucket[k] == gal_ent_bucket[k];
    CHECK(same);
    if (print || !same) {
        FILE *f = print ? stdout : stderr;
        fprintf(f, "#define GAL_ENT_NWORDS %zuu\n", n);
        for (size_t i = 0; i < n; i++) {
            char buf[256];
            fprintf(f, "    {0x%016llXULL, %s}, /* %s */\n", (unsigned long long)rows[i].hash,
                    class_names(rows[i].cls, buf, sizeof buf), rows[i].word);
        }
        fprintf(f, "filter:\n");
        for (size_t i = 0; i < 64; i++)
            fprintf(f, "    0x%016llXULL,%s", (unsigned long long)filter[i], i % 2 ? "\n" : "");
        fprintf(f, "bucket:\n");
        for (size_t k = 0; k <= NBUCKETS; k++)
            fprintf(f, "%s%u,%s", k % 16 ? " " : "    ", bucket[k],
                    k % 16 == 15 || k == NBUCKETS ? "\n" : "");
    }
    for (size_t i = 0; i < n; i++)
        CHECK(gal_ent_class(rows[i].hash) == rows[i].cls);
    CHECK(gal_ent_class(gal_term_hash_folded("trump", 5, GAL_SEED_WORD)) == 0);
}

/* ---- batches ------------------------------------------------------------ */

typedef struct batch {
    uint8_t *text;
    uint32_t n, cap;
    uint32_t *doc_start, *body_start;
    uint32_t ndocs, docs_cap;
} batch;

static void batch_add(batch *b, const char *title, size_t tl, const char *body, size_t bl)
{
    if (b->ndocs + 2 > b->docs_cap) {
        b->docs_cap = b->docs_cap ? b->docs_cap * 2 : 64;
        b->doc_start = realloc(b->doc_start, b->docs_cap * sizeof *b->doc_start);
        b->body_start = realloc(b->body_start, b->docs_cap * sizeof *b->body_start);
    }
    if (b->n + tl + bl + 2 > b->cap) {
        b->cap = (uint32_t)((b->n + tl + bl + 2) * 2);
        b->text = realloc(b->text, b->cap);
    }
    b->doc_start[b->ndocs] = b->n;
    memcpy(b->text + b->n, title, tl);
    b->n += (uint32_t)tl;
    b->text[b->n++] = '\n';
    b->body_start[b->ndocs] = b->n;
    memcpy(b->text + b->n, body, bl);
    b->n += (uint32_t)bl;
    b->text[b->n++] = '\n';
    b->ndocs++;
    b->doc_start[b->ndocs] = b->n;
}

static void batch_free(batch *b)
{
    free(b->text);
    free(b->doc_start);
    free(b->body_start);
    memset(b, 0, sizeof *b);
}

/* ---- (b) rules ---------------------------------------------------------- */

/* The mentions of one document as "surface|surface|..." (linked ones marked
 * "surface>key words"), in a static buffer. */
static const char *mentions_of(const char *title, const char *body)
{
    static char out[4096];
    batch b = {0};
    batch_add(&b, title, strlen(title), body, strlen(body));
    gal_tokens t;
    gal_mentions m;
    gal_tokens_init(&t);
    gal_mentions_init(&m);
    out[0] = '\0';
    if (gal_tokenize_ref(b.text, b.n, b.doc_start, b.body_start, b.ndocs, &t) ||
        gal_entities_ref(b.text, b.n, b.doc_start, b.body_start, b.ndocs, &t, &m)) {
        snprintf(out, sizeof out, "error");
    } else {
        size_t o = 0;
        for (size_t i = 0; i < m.n && o < sizeof out - 200; i++) {
            uint32_t len = m.end[i] - m.start[i];
            const char *s = (const char *)b.text + m.start[i];
            o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s", i ? "|" : "", (int)len, s);
            if (m.hash[i] != gal_entity_key(s, len))
                o += (size_t)snprintf(out + o, sizeof out - o, ">linked");
        }
    }
    gal_mentions_release(&m);
    gal_tokens_release(&t);
    batch_free(&b);
    return out;
}

#define EXPECT(title, body, want)                                                       \
    do {                                                                                \
        const char *got_ = mentions_of(title, body);                                    \
        check_count++;                                                                  \
        if (strcmp(got_, want) != 0) {                                                  \
            check_failures++;                                                           \
            fprintf(stderr, "%s:%d: %s / %s\n   want %s\n   got  %s\n", __FILE__, __LINE__, \
                    title, body, want, got_);                                           \
        }                                                                               \
    } while (0)

/* Runs longer than the GAL_ENT_RUN_CACHE tokens whose shapes and classes
 * the scan keeps: a role word and a name on either side of that edge must
 * give the same mentions as anywhere else. */
static void check_long_runs(void)
{
    static const struct {
        unsigned names;   /* capitalised words before the role */
        const char *tail; /* the role and what follows it */
        const char *want_tail;
    } cases[] = {
        {34, " Minister John Smith arrived", "|John Smith"}, /* role past the edge */
        {30, " Minister John Smith arrived", "|John Smith"}, /* name across it */
        {31, " Minister John Smith arrived", "|John Smith"},
        {34, " Governor arrived", ""}, /* a trailing role past the edge */
        {GAL_ENT_RUN_CACHE, " Governor arrived", ""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char body[1024] = "said", names[1024] = "", want[1024];
        for (unsigned i = 0; i < cases[c].names; i++) {
            char w[8];
            snprintf(w, sizeof w, "%sK%c%c", i ? " " : "", 'a' + i / 26, 'a' + i % 26);
            strcat(names, w);
        }
        snprintf(body + strlen(body), sizeof body - strlen(body), " %s%s", names, cases[c].tail);
        snprintf(want, sizeof want, "%s%s", names, cases[c].want_tail);
        EXPECT("", body, want);
    }
}

static void check_rules(void)
{
    EXPECT("", "Tariffs were raised by Donald Trump on Monday.", "Donald Trump");
    EXPECT("", "He spoke to the Federal Reserve Board yesterday.", "Federal Reserve Board");
    EXPECT("", "Rates were cut by the Bank of England today.", "Bank of England");
    EXPECT("", "The Bank of England cut rates.", "Bank of England");
    EXPECT("", "a visit by Xi Jinping to São Paulo", "Xi Jinping|São Paulo");
    EXPECT("", "state broadcaster CCTV said", "CCTV");
    EXPECT("", "CCTV said the IMF had agreed.", "CCTV|IMF");
    EXPECT("", "said Treasury Secretary James Baker.", "James Baker");
    EXPECT("", "talks with President Reagan ended", "Reagan");
    EXPECT("", "a meeting with Prime Minister Tony Blair", "Tony Blair");
    EXPECT("", "Mr. Blair said no.", "Blair");
    EXPECT("", "Yesterday Mr Blair said no.", "Blair");
    EXPECT("", "It rained. However, Smith stayed.", "Smith");
    EXPECT("", "from London, Paris and Berlin", "London|Paris|Berlin");
    EXPECT("", "talks between Britain and France ended", "Britain|France");
    EXPECT("", "Britain and France agreed", "France"); /* a lone first word needs support */
    EXPECT("", "underwriters are Merrill Lynch and Co Inc", "Merrill Lynch and Co Inc");
    EXPECT("TRUMP MEETS XI IN BEIJING AS TARIFF TALKS RESUME", "talks went on", "");
    EXPECT("", "WASHINGTON, March 3 - talks went on", "WASHINGTON");
    EXPECT("", "the visit of Donald Trump, then Trump left.", "Donald Trump|Trump>linked");
    EXPECT("", "Scott Bessent spoke. Later Bessent left.", "Scott Bessent|Bessent>linked");
    EXPECT("", "Sales rose in March. Profits fell on Monday.", "");
    EXPECT("", "I think the Japanese team won", "");
    EXPECT("", "in the U.S. and Canada", "U.S|Canada");
    EXPECT("", "Secretary of State George Shultz arrived", "George Shultz");
    EXPECT("", "said Bank of England Governor Robin Leigh-Pemberton", "Bank of England|Robin Leigh-Pemberton");
    EXPECT("", "The Justice Department said", "Justice Department");
    EXPECT("", "beat the Texas Rangers Friday night", "Texas Rangers");
    EXPECT("", "talks in Baghdad Sunday ended", "Baghdad");
    EXPECT("", "Sonia O'Sullivan won in St. Louis", "Sonia O'Sullivan|St. Louis");
    EXPECT("", "the firm Marks & Spencer said", "Marks & Spencer");
    EXPECT("", "Getty said profits rose. Getty Resources Ltd is based here.", "Getty|Getty Resources Ltd");
    EXPECT("", "money market operators were divided over whether the Bank\nof France will", "Bank\nof France");
    EXPECT("", "the Bank\nof France", "Bank|France"); /* a short line does not wrap */
    EXPECT("", "said Smith\n\nJones went", "Smith");
    /* a column gap (a tab, or three spaces) parts two names on one line, as
     * in a signature block or a table; two spaces are still one gap */
    EXPECT("", "from John Smith   Acme Corp here", "John Smith|Acme Corp");
    EXPECT("", "from John Smith\tAcme Corp here", "John Smith|Acme Corp");
    EXPECT("", "from John Smith  Acme Corp here", "John Smith  Acme Corp");
    EXPECT("", "from Marks   &   Spencer here", "Marks|Spencer");
    /* a tab-indented line after a long one: a column, not a wrapped name */
    EXPECT("", "the letter was sent on Monday by the writer to Roy Smith\n\tJohn Hall wrote",
           "Roy Smith|John Hall");
    EXPECT("", "mail John_Smith@Example.com now", "");
    EXPECT("", "watch TV with the MPs", "");
    /* the scan never looks at the shape of a run's last connector when the
     * document ends there: the run's rules must not take the shape an
     * earlier run kept at its place (then "Eee and" would be a name) */
    EXPECT("", "said Aaa Bbb Ccc Ddd went to Eee and", "Aaa Bbb Ccc Ddd|Eee");
    /* rule 8: a title in title case gives the names the body has, the
     * longest first, and a person's last word linked to the person */
    EXPECT("Avalanche Sign Damphousse to One-Year Deal (AP)",
           "AP - The Colorado Avalanche signed Vincent Damphousse.",
           "Avalanche>linked|Damphousse>linked|AP|AP|Colorado Avalanche|Vincent Damphousse");
    EXPECT("George W. Bush Wins Second Term", "President George W. Bush won.",
           "George W. Bush|George W. Bush");
    EXPECT("Retail Sales Fall in August", "Sales slid in August.", "");
    EXPECT("Bush Picks Kellogg Chief", "Kellogg Co said Bush asked.", "Bush|Kellogg Co|Bush");
    /* not title case: a lower-case word of content, too few capitals to
     * tell, or no body after it (then the old rules, and their mistakes) */
    EXPECT("Pfizer buys stake in Medarex", "He said Pfizer rose.", "Pfizer|Medarex|Pfizer");
    EXPECT("Iraq Votes", "Polls closed in Iraq.", "Iraq Votes|Iraq");
    EXPECT("Bush Picks Kellogg Chief", "", "Bush Picks Kellogg Chief");
    check_long_runs();
}

/* ---- (c) reference vs device -------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int same_mentions(const gal_mentions *a, const gal_mentions *b)
{
    if (a->n != b->n)
        return 0;
    size_t n = a->n;
    return (!n || (!memcmp(a->hash, b->hash, n * 8) && !memcmp(a->doc, b->doc, n * 4) &&
                   !memcmp(a->pos, b->pos, n * 4) && !memcmp(a->start, b->start, n * 4) &&
                   !memcmp(a->end, b->end, n * 4)));
}

/* The device tokenizer, for gal_cl_entities_after: the entity kernels then
 * read the tokens the tokenizer left on the device, as `galley index` does. */
static gal_cl_tokenizer *device_tokenizer;

/* The same mentions from device tokens left on the device as from the
 * reference's (ref). */
static void compare_after(gal_cl_entity_finder *ce, const batch *b, const gal_mentions *ref,
                          const char *what)
{
    gal_tokens t;
    gal_mentions d;
    gal_tokens_init(&t);
    gal_mentions_init(&d);
    int rc = gal_cl_tokenize(device_tokenizer, b->text, b->n, b->doc_start, b->body_start,
                             b->ndocs, &t);
    if (!rc)
        rc = gal_cl_entities_after(ce, device_tokenizer, b->text, b->n, b->doc_start,
                                   b->body_start, b->ndocs, &t, &d);
    CHECK(rc == 0);
    if (rc)
        fprintf(stderr, "device tokens: %s\n", gal_error_detail(rc));
    int same = same_mentions(ref, &d);
    CHECK(same);
    if (!same)
        fprintf(stderr, "%s: reference has %zu mentions, device after device tokens %zu\n", what,
                ref->n, d.n);
    gal_mentions_release(&d);
    gal_tokens_release(&t);
}

/* Compare ref and device on one batch; returns the number of mentions. */
static size_t compare(gal_cl_entity_finder *ce, const batch *b, const char *what)
{
    gal_tokens t;
    gal_mentions r, d;
    gal_tokens_init(&t);
    gal_mentions_init(&r);
    gal_mentions_init(&d);
    int rc = gal_tokenize_ref(b->text, b->n, b->doc_start, b->body_start, b->ndocs, &t);
    int rr = rc ? rc : gal_entities_ref(b->text, b->n, b->doc_start, b->body_start, b->ndocs, &t, &r);
    int rd = rc ? rc : gal_cl_entities(ce, b->text, b->n, b->doc_start, b->body_start, b->ndocs, &t, &d);
    CHECK(rc == 0 && rr == 0 && rd == 0);
    if (rd)
        fprintf(stderr, "device: %s\n", gal_error_detail(rd));
    int same = same_mentions(&r, &d);
    CHECK(same);
    if (!same)
        fprintf(stderr, "%s: reference has %zu mentions, device %zu\n", what, r.n, d.n);
    if (rr == 0)
        compare_after(ce, b, &r, what);
    size_t n = r.n;
    gal_mentions_release(&r);
    gal_mentions_release(&d);
    gal_tokens_release(&t);
    return n;
}

/* A document with more mentions than its room on the device (a quarter of
 * its tokens, plus a few) between two ordinary ones: the device finder
 * redoes it on the host, and the batch's mentions are still the
 * reference's, in order. */
static void check_overflow(gal_cl_entity_finder *ce)
{
    char dense[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(dense, i % 2 ? "Alan Smith met Bob Jones in Paris. " : "Carol Brown saw Dan Green. ");
    const char *plain = "The bank said on Monday that it would raise rates in London.";
    batch b = {0};
    batch_add(&b, "Rates", 5, plain, strlen(plain));
    batch_add(&b, "Names", 5, dense, strlen(dense));
    batch_add(&b, "More rates", 10, plain, strlen(plain));
    uint64_t before = gal_cl_entities_host_docs(ce);
    size_t n = compare(ce, &b, "a document of more mentions than its room");
    /* compare() runs the device finder twice: uploading, and after the
     * device tokenizer */
    CHECK(gal_cl_entities_host_docs(ce) - before == 2);
    CHECK(n > 60);
    batch_free(&b);
}

static void random_batches(gal_cl_entity_finder *ce)
{
    static const char *const pieces[] = {
        "Donald Trump", " ", "  ", "   ", "\n", "\n\n", "\n    ", ". ", ", ", "the ", "of ", "and ",
        "Bank", "England", "Mr. ", "Dr ", "President ", "Prime Minister ", "CCTV", "U.S.", "-",
        "'", "\xE2\x80\x99", "&", "São Paulo", "ÉCOLE", "Ünal", "x_y@Z.com", "The ", "However, ",
        "JANUARY", "Monday", "Japanese", "Co", "Inc", "\xFF", "\xC3", "Σ", "Жук", "1987",
        "A.H. ", "Trump", "TV", "a", "I", "Reuter", "!", "?", ":", "\t",
        "Wins ", "Deal ", "Sign ", /* titles in title case (rule 8) */
    };
    size_t npieces = sizeof pieces / sizeof pieces[0];
    for (int round = 0; round < 40; round++) {
        batch b = {0};
        uint32_t ndocs = 1 + (uint32_t)(rnd() % 60);
        char *buf = malloc(20000);
        for (uint32_t d = 0; d < ndocs; d++) {
            size_t tl = 0, bl = 0;
            char title[400];
            size_t nt = rnd() % 8;
            for (size_t k = 0; k < nt; k++) {
                const char *p = pieces[rnd() % npieces];
                size_t pl = strlen(p);
                if (tl + pl < sizeof title && !strchr(p, '\n')) {
                    memcpy(title + tl, p, pl);
                    tl += pl;
                }
            }
            size_t nb = rnd() % 300;
            for (size_t k = 0; k < nb; k++) {
                const char *p;
                char raw[4];
                size_t pl;
                if (rnd() % 10 == 0) { /* random bytes too */
                    for (int j = 0; j < 4; j++)
                        raw[j] = (char)(rnd() & 0xFF);
                    p = raw;
                    pl = 1 + rnd() % 4;
                } else {
                    p = pieces[rnd() % npieces];
                    pl = strlen(p);
                }
                if (bl + pl < 20000) {
                    memcpy(buf + bl, p, pl);
                    bl += pl;
                }
            }
            batch_add(&b, title, tl, buf, bl);
        }
        free(buf);
        compare(ce, &b, "random batch");
        batch_free(&b);
    }
}

struct corpus_ctx {
    gal_cl_entity_finder *ce;
    batch b;
    size_t mentions, docs;
    const char *name;
};

static int corpus_doc(void *p, const gal_doc *doc)
{
    struct corpus_ctx *c = p;
    batch_add(&c->b, doc->title, doc->title_len, doc->text, doc->text_len);
    c->docs++;
    if (c->b.n > (8u << 20)) {
        c->mentions += compare(c->ce, &c->b, c->name);
        batch_free(&c->b);
    }
    return 0;
}

static void corpora(gal_cl_entity_finder *ce, const char *shared)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/corpora", shared);
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("test_entities: no %s: corpus comparison skipped\n", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t l = strlen(e->d_name);
        if (l < 9 || (strcmp(e->d_name + l - 10, ".jsonl.zst") && strcmp(e->d_name + l - 9, ".trec.zst")))
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct corpus_ctx c = {ce, {0}, 0, 0, e->d_name};
        uint64_t host_before = gal_cl_entities_host_docs(ce);
        gal_read_opts opts = {.format = GAL_FORMAT_AUTO, .quiet = 1};
        gal_read_stats st = {0};
        clock_t t0 = clock();
        int rc = gal_read_file(path, &opts, corpus_doc, &c, &st);
        CHECK(rc == 0);
        if (c.b.ndocs)
            c.mentions += compare(ce, &c.b, e->d_name);
        batch_free(&c.b);
        printf("test_entities: %s: %zu documents, %zu mentions, reference = device "
               "(%llu documents redone on the host, %.1f s)\n",
               e->d_name, c.docs, c.mentions,
               (unsigned long long)(gal_cl_entities_host_docs(ce) - host_before) / 2,
               (double)(clock() - t0) / CLOCKS_PER_SEC);
    }
    closedir(dp);
}

/* ---- (d) the table ------------------------------------------------------ */

/* The numbers of the forms the table's writer has given, as the index
 * writer keeps them; NULL: every form spelled out. */
static gal_entity_forms *numbering;

/* Find the entities of docs[0, n) (title, body pairs) and append them as
 * the batch starting at first_doc. */
static void apply_batch(MDB_txn *txn, MDB_dbi ents, const char *docs[][2], int n,
                        uint32_t first_doc)
{
    batch b = {0};
    for (int i = 0; i < n; i++)
        batch_add(&b, docs[i][0], strlen(docs[i][0]), docs[i][1], strlen(docs[i][1]));
    gal_tokens t;
    gal_mentions m;
    gal_tokens_init(&t);
    gal_mentions_init(&m);
    CHECK(gal_tokenize_ref(b.text, b.n, b.doc_start, b.body_start, b.ndocs, &t) == 0);
    CHECK(gal_entities_ref(b.text, b.n, b.doc_start, b.body_start, b.ndocs, &t, &m) == 0);
    gal_entity_batch *eb = NULL;
    CHECK(gal_entity_batch_new(&eb) == 0);
    CHECK(gal_entity_batch_prepare(eb, b.text, &m) == 0);
    CHECK(gal_entity_table_apply(txn, ents, eb, first_doc, numbering) == 0);
    if (numbering)
        CHECK(gal_entity_forms_commit(numbering) == 0);
    gal_entity_batch_free(eb);
    gal_mentions_release(&m);
    gal_tokens_release(&t);
    batch_free(&b);
}

typedef struct entity_list {
    size_t n;
    int sorted;
    uint64_t last, trump_mentions;
} entity_list;

static int list_entity(void *ctx, const gal_entity_info *e)
{
    entity_list *l = ctx;
    l->sorted = l->n == 0 || (l->sorted && e->hash > l->last);
    l->last = e->hash;
    l->n++;
    if (e->hash == gal_entity_key("Donald Trump", 12))
        l->trump_mentions = e->mentions;
    return 0;
}

static void check_table_merge(MDB_txn *txn, MDB_dbi ents)
{
    const char *docs[][2] = {
        {"", "Donald Trump met the Bank of England. Trump left."},
        {"", "DONALD TRUMP said. donald trump? Donald Trump and Donald Trump."},
        {"", "The Bank of England again."},
    };
    for (int pass = 0; pass < 2; pass++) /* two batches: counts add up */
        apply_batch(txn, ents, docs, 3, 100u * (uint32_t)pass);
    gal_entity_info e;
    CHECK(gal_entity_get(txn, ents, gal_entity_key("donald trump", 12), &e) == 0);
    CHECK_EQ_U64(e.docs, 4);     /* docs 0 and 1, twice */
    CHECK_EQ_U64(e.mentions, 10); /* per batch: 2 in doc 0 (Trump linked), 3 in doc 1 */
    CHECK(e.display_len == 12 && !memcmp(e.display, "Donald Trump", 12));
    CHECK_EQ_U64(e.first_doc, 0);
    CHECK(gal_entity_get(txn, ents, gal_entity_key("Bank of England", 15), &e) == 0);
    CHECK_EQ_U64(e.docs, 4);
    CHECK_EQ_U64(e.mentions, 4);
    CHECK(gal_entity_get(txn, ents, gal_entity_key("nobody", 6), &e) == GAL_ENOTFOUND);

    /* a third batch: an entity first seen there, and a form that now
     * outnumbers the display form of the first two ("Donald Trump", 6),
     * in capitals: the name stays as it is written in prose */
    const char *later[][2] = {
        {"", "Angela Merkel spoke."},
        {"", "DONALD TRUMP said. DONALD TRUMP said. DONALD TRUMP said. DONALD TRUMP said. "
               "DONALD TRUMP said."},
    };
    apply_batch(txn, ents, later, 2, 200);
    CHECK(gal_entity_get(txn, ents, gal_entity_key("angela merkel", 13), &e) == 0);
    CHECK_EQ_U64(e.docs, 1);
    CHECK_EQ_U64(e.first_doc, 200);
    CHECK(gal_entity_get(txn, ents, gal_entity_key("donald trump", 12), &e) == 0);
    CHECK_EQ_U64(e.docs, 5);
    CHECK_EQ_U64(e.mentions, 15);
    CHECK(e.display_len == 12 && !memcmp(e.display, "Donald Trump", 12));
    CHECK_EQ_U64(e.display_count, 6);
    /* the walk over every batch gives the same totals, in key order */
    entity_list l = {0};
    CHECK(gal_entity_each(txn, ents, list_entity, &l) == 0);
    CHECK(l.n == 3 && l.sorted && l.trump_mentions == 15);
}

/* A frequent entity: more mentions in one batch than the linear count of
 * its forms takes (256), in three forms interleaved, so the hash table that
 * counts them sees each form come back after the others. */
static void check_large_group(MDB_txn *txn, MDB_dbi ents)
{
    enum { N = 310 };
    static const char *forms[] = {"Donald Trump said.", "DONALD TRUMP said.",
                                  "Donald TRUMP said."};
    const char *docs[N][2];
    size_t count[3] = {0, 0, 0};
    for (int i = 0; i < N; i++) {
        int f = i % 5 < 2 ? 0 : i % 5 < 4 ? 1 : 2; /* 120, 120 and 60 */
        if (i >= 300)
            f = 0; /* then the first form goes ahead: 130 */
        docs[i][0] = "";
        docs[i][1] = forms[f];
        count[f]++;
    }
    apply_batch(txn, ents, docs, N, 0);
    gal_entity_info e;
    CHECK(gal_entity_get(txn, ents, gal_entity_key("donald trump", 12), &e) == 0);
    CHECK_EQ_U64(e.docs, N);
    CHECK_EQ_U64(e.mentions, N);
    CHECK(e.display_len == 12 && !memcmp(e.display, "Donald Trump", 12));
    CHECK_EQ_U64(e.display_count, count[0]);
}

/* The bytes of entity hash's record in batch. */
static size_t record_len(MDB_txn *txn, MDB_dbi ents, uint32_t batch, uint64_t hash)
{
    gal_hblock_reader br;
    uint64_t next;
    size_t len = 0;
    CHECK(gal_hblock_open(&br, txn, ents, GAL_DB_ENTITIES) == 0);
    if (gal_hblock_find(&br, batch, hash, &next) == 0)
        len = br.len;
    gal_hblock_close(&br);
    return len;
}

/* Forms named by number: the later batches' records are shorter, the
 * totals are what check_table_merge() finds, and numbering the table
 * afresh (what a writer appending in a new process does) gives every
 * number the writer gave. */
static void check_numbered_forms(MDB_txn *txn, MDB_dbi ents)
{
    const char *docs[][2] = {
        {"", "Donald Trump met the Bank of England. Trump left."},
        {"", "DONALD TRUMP said. donald trump? Donald Trump and Donald Trump."},
    };
    CHECK(gal_entity_forms_new(&numbering) == 0);
    for (uint32_t batch = 0; batch < 300; batch += 100)
        apply_batch(txn, ents, docs, 2, batch);
    uint64_t trump = gal_entity_key("Donald Trump", 12);
    size_t first = record_len(txn, ents, 0, trump), later = record_len(txn, ents, 100, trump);
    /* three forms (29 bytes and their lengths) spelled out, then named by a byte */
    CHECK(first > 0 && later > 0 && later + 29 == first);
    CHECK_EQ_U64(later, record_len(txn, ents, 200, trump));
    gal_entity_info e;
    CHECK(gal_entity_get(txn, ents, trump, &e) == 0);
    CHECK_EQ_U64(e.docs, 6);
    CHECK_EQ_U64(e.mentions, 15);
    CHECK(e.display_len == 12 && !memcmp(e.display, "Donald Trump", 12));
    CHECK_EQ_U64(e.display_count, 9);

    gal_entity_forms *again = NULL;
    CHECK(gal_entity_forms_new(&again) == 0);
    CHECK(gal_entity_table_number_forms(txn, ents, again) == 0);
    CHECK_EQ_U64(gal_entity_forms_size(again), gal_entity_forms_size(numbering));
    CHECK_EQ_U64(gal_entity_forms_size(again), 4); /* Bank of England's and 3 of Trump's */
    static const char *forms[] = {"Donald Trump", "DONALD TRUMP", "Trump"};
    for (int i = 0; i < 3; i++) {
        uint64_t fp = gal_entity_form_fingerprint((const uint8_t *)forms[i], strlen(forms[i]));
        uint32_t a = UINT32_MAX, b = UINT32_MAX - 1;
        CHECK(gal_entity_forms_find(numbering, trump, fp, &a) == 0);
        CHECK(gal_entity_forms_find(again, trump, fp, &b) == 0);
        CHECK_EQ_U64(a, b);
    }
    gal_entity_forms_free(again);
    gal_entity_forms_free(numbering);
    numbering = NULL;
}

/* Two forms as frequent as each other, in either batch order: the display
 * form is the last in byte order either way, not the one replayed first
 * (which would make it depend on where batches end). */
static void check_display_ties(MDB_txn *txn, MDB_dbi ents)
{
    const char *first[][2] = {{"", "PAUL VOLCKER spoke."}, {"", "Angela Merkel spoke."}};
    const char *second[][2] = {{"", "Paul Volcker spoke."}, {"", "ANGELA MERKEL spoke."}};
    apply_batch(txn, ents, first, 2, 0);
    apply_batch(txn, ents, second, 2, 100);
    gal_entity_info e;
    CHECK(gal_entity_get(txn, ents, gal_entity_key("paul volcker", 12), &e) == 0);
    CHECK(e.display_len == 12 && !memcmp(e.display, "Paul Volcker", 12));
    CHECK_EQ_U64(e.display_count, 1);
    CHECK(gal_entity_get(txn, ents, gal_entity_key("angela merkel", 13), &e) == 0);
    CHECK(e.display_len == 13 && !memcmp(e.display, "Angela Merkel", 13));
}

/* Capitals give way to another spelling whatever the counts, unless they
 * are all there is or an acronym's. */
static void check_display_capitals(MDB_txn *txn, MDB_dbi ents)
{
    const char *docs[][2] = {
        {"", "Officials in NEW YORK and WASHINGTON met. Officials in NEW YORK said."},
        {"", "Officials in New York said. Officials at NASA and NASA again."},
        {"", "Officials at Nasa said. Officials in LONDON said."},
    };
    apply_batch(txn, ents, docs, 3, 0);
    gal_entity_info e;
    CHECK(gal_entity_get(txn, ents, gal_entity_key("new york", 8), &e) == 0);
    CHECK(e.display_len == 8 && !memcmp(e.display, "New York", 8));
    CHECK_EQ_U64(e.display_count, 1);
    CHECK_EQ_U64(e.mentions, 3);
    CHECK(gal_entity_get(txn, ents, gal_entity_key("london", 6), &e) == 0);
    CHECK(e.display_len == 6 && !memcmp(e.display, "LONDON", 6));
    CHECK(gal_entity_get(txn, ents, gal_entity_key("washington", 10), &e) == 0);
    CHECK(e.display_len == 10 && !memcmp(e.display, "WASHINGTON", 10));
    CHECK(gal_entity_get(txn, ents, gal_entity_key("nasa", 4), &e) == 0);
    CHECK(e.display_len == 4 && !memcmp(e.display, "NASA", 4)); /* 2 against 1 */
}

static int put_block(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    MDB_txn *txn = ((void **)ctx)[0];
    MDB_dbi ents = *(MDB_dbi *)((void **)ctx)[1];
    MDB_val k = {GAL_HBLOCK_KEY_LEN, (void *)key}, v = {len, (void *)block};
    return mdb_put(txn, ents, &k, &v, MDB_APPEND);
}

/* Append one hand-made record as batch's only block. */
static void put_record(MDB_txn *txn, MDB_dbi ents, uint32_t batch, uint64_t hash,
                       const uint8_t *rec, size_t len)
{
    void *ctx[2] = {txn, &ents};
    gal_hblock_builder b;
    gal_hblock_builder_init(&b, put_block, ctx);
    CHECK(gal_hblock_add(&b, batch, hash, rec, len) == 0);
    CHECK(gal_hblock_flush(&b) == 0);
    gal_hblock_builder_release(&b);
}

/* A format-6 record (every form spelled out) that a later record names a
 * form of by number, and then a number the entity has no form for. */
static void check_handmade_records(MDB_txn *txn, MDB_dbi ents)
{
    uint64_t acme = gal_entity_key("Acme Corp", 9);
    /* version 2: docs 1, mentions 1, first 0, one form: count 1 << 1 | full, 9 bytes */
    static const uint8_t spelled[] = {2, 1, 1, 0, 1, 1 << 1 | 1, 9, 'A', 'c', 'm', 'e', ' ',
                                      'C', 'o', 'r', 'p'};
    /* version 3: docs 1, mentions 2, first 0, one form: count 2 << 2 | full | by number, 0 */
    static const uint8_t by_number[] = {3, 1, 2, 0, 1, 2 << 2 | 1 << 1 | 1, 0};
    put_record(txn, ents, 0, acme, spelled, sizeof spelled);
    put_record(txn, ents, 50, acme, by_number, sizeof by_number);
    gal_entity_info e;
    CHECK(gal_entity_get(txn, ents, acme, &e) == 0);
    CHECK_EQ_U64(e.mentions, 3);
    CHECK_EQ_U64(e.display_count, 3);
    CHECK(e.display_len == 9 && !memcmp(e.display, "Acme Corp", 9));
    gal_entity_forms *f = NULL;
    uint32_t count = 0;
    CHECK(gal_entity_forms_new(&f) == 0);
    CHECK(gal_entity_table_number_forms(txn, ents, f) == 0);
    CHECK(gal_entity_forms_count(f, acme, &count) == 0 && count == 1);

    /* form 0 of an entity that has none (the fuzzer found the numbering
     * taking it) */
    uint64_t zeta = gal_entity_key("Zeta Corp", 9);
    static const uint8_t orphan[] = {3, 1, 1, 0, 1, 1 << 2 | 1 << 1 | 1, 0};
    put_record(txn, ents, 55, zeta, orphan, sizeof orphan);
    CHECK(gal_entity_get(txn, ents, zeta, &e) == GAL_ECORRUPT);
    gal_entity_forms_free(f);
    CHECK(gal_entity_forms_new(&f) == 0);
    CHECK(gal_entity_table_number_forms(txn, ents, f) == GAL_ECORRUPT);

    /* form 1 of an entity that has one */
    static const uint8_t beyond[] = {3, 1, 1, 0, 1, 1 << 2 | 1 << 1 | 1, 1};
    put_record(txn, ents, 60, acme, beyond, sizeof beyond);
    CHECK(gal_entity_get(txn, ents, acme, &e) == GAL_ECORRUPT);
    CHECK(strstr(gal_error_detail(GAL_ECORRUPT), "number beyond") != NULL);
    gal_entity_forms_free(f);
    CHECK(gal_entity_forms_new(&f) == 0);
    CHECK(gal_entity_table_number_forms(txn, ents, f) == GAL_ECORRUPT);
    gal_entity_forms_free(f);
}

/* Run check on an entity table in a scratch LMDB environment, in one write
 * transaction that is thrown away after it. */
static void with_scratch_table(void (*check)(MDB_txn *txn, MDB_dbi ents))
{
    char dir[] = "/tmp/galley-entities-XXXXXX";
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi ents;
    if (check_scratch_env(dir, 4, 10u << 20, &env))
        return;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    CHECK(gal_entity_table_open(txn, 1, &ents) == 0);
    check(txn, ents);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    check_remove_tree(dir);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--print-table")) {
        check_table(1);
        return 0;
    }
    check_table(0);
    check_rules();
    with_scratch_table(check_table_merge);
    CHECK(gal_entity_forms_new(&numbering) == 0); /* the same, forms named by number */
    with_scratch_table(check_table_merge);
    gal_entity_forms_free(numbering);
    numbering = NULL;
    with_scratch_table(check_large_group);
    with_scratch_table(check_numbered_forms);
    with_scratch_table(check_display_ties);
    with_scratch_table(check_display_capitals);
    with_scratch_table(check_handmade_records);

    rng_state = check_seed();
    gal_cl *cl = NULL;
    int rc = gal_cl_open("auto", &cl);
    if (rc == GAL_ENOTFOUND) {
        printf("test_entities: no OpenCL device: reference vs device skipped (%s)\n",
               gal_error_detail(rc));
        return check_exit("test_entities");
    }
    CHECK(rc == 0);
    gal_cl_entity_finder *ce = NULL;
    if (!rc && ((rc = gal_cl_entities_new(cl, &ce)) ||
                (rc = gal_cl_tokenizer_new(cl, &device_tokenizer))))
        fprintf(stderr, "test_entities: %s\n", gal_error_detail(rc));
    CHECK(rc == 0);
    if (!rc) {
        check_overflow(ce);
        uint64_t host_before = gal_cl_entities_host_docs(ce);
        random_batches(ce);
        printf("test_entities: random batches: %llu documents redone on the host\n",
               (unsigned long long)(gal_cl_entities_host_docs(ce) - host_before) / 2);
        if (argc > 1)
            corpora(ce, argv[1]);
        else
            printf("test_entities: no shared directory given: corpus comparison skipped\n");
    }
    gal_cl_entities_free(ce);
    gal_cl_tokenizer_free(device_tokenizer);
    gal_cl_close(cl);
    return check_exit("test_entities");
}
