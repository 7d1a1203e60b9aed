/*
 * galley.c — entry point: dispatch to a subcommand.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "status.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"index", gal_cmd_index, "build or extend an index from news archives"},
    {"query", gal_cmd_query, "search an index"},
    {"show", gal_cmd_show, "print a stored document"},
    {"stats", gal_cmd_stats, "documents, terms, bytes per table"},
    {"verify", gal_cmd_verify, "check every record of an index"},
    {"compact", gal_cmd_compact, "copy an index without its free pages"},
    {"optimize", gal_cmd_optimize, "merge an index's batches: smaller, fewer seeks per query"},
    {"merge", gal_cmd_merge, "join indexes (shards) into one"},
    {"delete", gal_cmd_delete, "delete documents by id"},
    {"devices", gal_cmd_devices, "list OpenCL platforms and devices"},
    {"entities", gal_cmd_entities, "list the named entities of an index"},
    {"bench", gal_cmd_bench, "measure indexing per device, and query latency"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: galley COMMAND [ARGS...]\n\n"
                 "GPU-accelerated bulk indexer and search engine for news archives.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'galley COMMAND --help' describes a command and its exit statuses.\n");
}

int gal_exit_for(int status)
{
    switch (status) {
    case GAL_OK: return GAL_EXIT_OK;
    case GAL_EUSAGE: return GAL_EXIT_USAGE;
    case GAL_ECORRUPT: case GAL_EBUSY: return GAL_EXIT_INDEX;
    case GAL_EINPUT: case GAL_ENOTFOUND: return GAL_EXIT_INPUT;
    case GAL_ECL: return GAL_EXIT_DEVICE;
    default: return GAL_EXIT_SYSTEM;
    }
}

void gal_print_note(void *ctx, const char *msg)
{
    /* each note once: a query that names one prefix 200 times, or a
     * directory of shards, would say the same thing again and again */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static uint64_t said[64];
    static unsigned nsaid;
    (void)ctx;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const char *c = msg; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
    pthread_mutex_lock(&mu);
    int seen = 0;
    for (unsigned i = 0; i < nsaid && !seen; i++)
        seen = said[i] == h;
    if (!seen && nsaid < sizeof said / sizeof *said)
        said[nsaid++] = h;
    pthread_mutex_unlock(&mu);
    if (!seen)
        fprintf(stderr, "galley: note: %s\n", msg);
}

int gal_report(int status)
{
    fprintf(stderr, "galley: error: %s\n", gal_error_detail(status));
    return gal_exit_for(status);
}

int gal_error_naming(int rc, const char *dir)
{
    const char *detail = gal_error_detail(rc);
    if (strstr(detail, dir))
        return rc;
    char why[768];
    snprintf(why, sizeof why, "%s", detail);
    return gal_error_set(rc, "'%s': %s", dir, why);
}

int gal_echo_len(const char *s)
{
    size_t n = strnlen(s, GAL_ECHO_BYTES + 1);
    if (n <= GAL_ECHO_BYTES)
        return (int)n;
    n = GAL_ECHO_BYTES;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* not inside a character */
        n--;
    return (int)n;
}

int gal_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("galley: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'galley %s --help'\n", cmd);
    return GAL_EXIT_USAGE;
}

int gal_same_path(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int gal_distinct_indexes(const char *cmd, const char *const *dirs, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (gal_same_path(dirs[i], dirs[j])) /* a missing one: opening it says so */
                return gal_usage_error(cmd, "'%s' is given twice (as '%s' too): its documents would count twice",
                                       dirs[i], dirs[j]);
    return 0;
}

/* LMDB trusts its pages: a damaged B-tree page (a flipped bit on disk) can
 * make a read fault inside it.  Records carry checksums, pages do not, so
 * commands that only read an index (and delete, whose one write transaction
 * a fault leaves uncommitted, as a kill would) turn such a fault into the
 * corruption error it almost surely is, instead of a crash (the writers
 * guard their reads themselves: fault_guard.h); `galley verify` names the
 * damaged place. */
static void on_fault(int sig)
{
    static const char msg[] = "galley: error: index is corrupt: reading it faulted inside LMDB "
                              "(a damaged page?); 'galley verify' checks it\n";
    (void)sig;
    ssize_t n = write(2, msg, sizeof msg - 1);
    (void)n;
    _exit(GAL_EXIT_INDEX);
}

#if defined(__SANITIZE_ADDRESS__)
#define GAL_SANITIZED 1 /* the sanitizer's own report is worth more */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GAL_SANITIZED 1
#endif
#endif

static void catch_faults(void)
{
#ifdef GAL_SANITIZED
    return;
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return GAL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return GAL_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("galley 0.1.0\n");
        return GAL_EXIT_OK;
    }
    static const char *const readers[] = {"query", "show", "stats", "entities", "delete"};
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++)
        if (!strcmp(argv[1], readers[i]))
            catch_faults();
    if (!strcmp(argv[1], "bench") && argc > 2 &&
        (!strcmp(argv[2], "query") || !strcmp(argv[2], "postings")))
        catch_faults();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "galley: error: unknown command '%s'\nTry 'galley --help'\n", argv[1]);
    return GAL_EXIT_USAGE;
}
