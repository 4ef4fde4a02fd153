/* Runs every registered unit test; optional argv[1] filters by name substring.
 * Tests named pg_* need a PostgreSQL cluster (test_store_pg.c): they run
 * only when KEJIYUN_TEST_PG names one (tests/pg/run), else are left out. */
#include "t.h"
#include <stdlib.h>

#define T_MAX 1024
static struct { const char *name, *file; t_fn fn; } tests[T_MAX];
static int ntests;

void t_register(const char *name, const char *file, t_fn fn)
{
    if (ntests < T_MAX) { tests[ntests].name = name; tests[ntests].file = file; tests[ntests].fn = fn; ntests++; }
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        if (!strncmp(tests[i].name, "pg_", 3) && strncmp(tests[i].name, "pg_url", 6) && !getenv("KEJIYUN_TEST_PG")) continue;
        int f = 0;
        tests[i].fn(&f);
        if (f) { failed++; fprintf(stderr, "FAIL %s (%s)\n", tests[i].name, tests[i].file); }
        else passed++;
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
