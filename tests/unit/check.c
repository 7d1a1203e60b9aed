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

static const uint64_t *order_key;

static int by_key_then_index(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t kx = order_key[x], ky = order_key[y];
    return kx != ky ? (kx > ky) - (kx < ky) : (x > y) - (x < y);
}

void check_order_by_key(const uint64_t *key, uint32_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    order_key = key;
    qsort(order, n, sizeof *order, by_key_then_index);
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
