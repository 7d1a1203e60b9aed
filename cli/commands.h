/*
 * commands.h — the subcommands of the `galley` binary.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the process exit status.  Exit statuses, for every subcommand:
 *   0  success (query: at least one hit)
 *   1  query: no hits
 *   2  usage error, bad query or bad arguments
 *   3  index missing, locked or corrupt
 *   4  input error (missing, unreadable, truncated or malformed input)
 *   5  OpenCL device error
 *   6  out of memory, disk full or another system error
 */
#ifndef GAL_COMMANDS_H
#define GAL_COMMANDS_H

#include <stddef.h>

enum {
    GAL_EXIT_OK = 0,
    GAL_EXIT_NOHITS = 1,
    GAL_EXIT_USAGE = 2,
    GAL_EXIT_INDEX = 3,
    GAL_EXIT_INPUT = 4,
    GAL_EXIT_DEVICE = 5,
    GAL_EXIT_SYSTEM = 6,
};

/* rc, a status whose detail is then sure to name the index dir (prefixed
 * "'dir': " unless it does already): among several shards, which one. */
int gal_error_naming(int rc, const char *dir);

/* A string the user gave, for a message: at most GAL_ECHO_BYTES of it (cut
 * at a character's start), and "..." after it when cut, so that an id or a
 * name of megabytes does not make a message of megabytes.  Use as
 *   printf("'%.*s%s'", GAL_ECHO(s)). */
#define GAL_ECHO_BYTES 120
int gal_echo_len(const char *s);
#define GAL_ECHO(s) gal_echo_len(s), (s), ((s)[gal_echo_len(s)] ? "..." : "")

int gal_cmd_index(int argc, char **argv);
int gal_cmd_query(int argc, char **argv);
int gal_cmd_devices(int argc, char **argv);
int gal_cmd_entities(int argc, char **argv);
int gal_cmd_bench(int argc, char **argv);
int gal_cmd_show(int argc, char **argv);
int gal_cmd_stats(int argc, char **argv);
int gal_cmd_verify(int argc, char **argv);
int gal_cmd_compact(int argc, char **argv);
int gal_cmd_optimize(int argc, char **argv);
int gal_cmd_merge(int argc, char **argv);
int gal_cmd_delete(int argc, char **argv);

/* Map a gal_status to the exit status above. */
int gal_exit_for(int status);

/* Print "galley: note: <msg>" to stderr: gal_search_opts.note for the
 * commands that run queries (a prefix that matched more terms than it
 * searches). */
void gal_print_note(void *ctx, const char *msg);

/* Print "galley: error: <detail>" for status to stderr and return its exit status. */
int gal_report(int status);

/* Print "galley: error: <msg>" and "Try 'galley CMD --help'" and return 2. */
int gal_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 0 when the n index directories are n different ones; else the usage
 * error naming the one given twice (by another path too): searched twice,
 * every document would count twice. */
int gal_distinct_indexes(const char *cmd, const char *const *dirs, size_t n);

/* Whether paths a and b both exist and are the same file or directory. */
int gal_same_path(const char *a, const char *b);

#endif
