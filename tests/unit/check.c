#include "check.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int check_failures, check_count, check_skipped;

void check_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    check_skipped = 1;
}

int check_exit(const char *name)
{
    if (check_failures) {
        printf("%s: %d of %d checks failed\n", name, check_failures, check_count);
        return 1;
    }
    if (check_skipped && check_count == 0)
        return 77;
    printf("%s: %d checks passed\n", name, check_count);
    return 0;
}

int check_scratch_env(char *dir, unsigned maxdbs, size_t mapsize, MDB_env **env)
{
    *env = NULL;
    if (!mkdtemp(dir)) {
        CHECK(0);
        return -1;
    }
    int ok = mdb_env_create(env) == 0 && mdb_env_set_maxdbs(*env, maxdbs) == 0 &&
             mdb_env_set_mapsize(*env, mapsize) == 0 && mdb_env_open(*env, dir, 0, 0644) == 0;
    CHECK(ok);
    return ok ? 0 : -1;
}

void check_remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

unsigned long long check_seed(void)
{
    const char *env = getenv("GALLEY_TEST_SEED");
    /* the process id in the low bits too: tests that keep 32 bits of the
     * seed, run side by side in the same second, still differ */
    unsigned long long seed = env && *env ? strtoull(env, NULL, 0)
                                          : ((unsigned long long)time(NULL) << 16) ^
                                                (unsigned long long)getpid();
    printf("seed %llu (set GALLEY_TEST_SEED to repeat)\n", seed);
    return seed;
}
