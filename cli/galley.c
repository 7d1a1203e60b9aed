/*
 * galley.c — entry point: dispatch to a subcommand.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int gal_report(int status)
{
    fprintf(stderr, "galley: error: %s\n", gal_error_detail(status));
    return gal_exit_for(status);
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
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "galley: error: unknown command '%s'\nTry 'galley --help'\n", argv[1]);
    return GAL_EXIT_USAGE;
}
