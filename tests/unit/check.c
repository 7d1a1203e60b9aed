#include "check.h"

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
