/*
 * test_context.c — state that belongs to a store or to the app, not to
 * the process (issue 13, item 6).
 */
#include "t.h"
#include "scratch.h"
#include "account/account.h"
#include "store/store.h"
#include <stdlib.h>

/* Two databases in one process each keep their own instance id, the one
 * their meta row holds (it was cached once per process: the second store
 * got the first one's id, and its records a foreign origin). */
TEST(instance_id_per_store)
{
    kj_scratch a, b;
    REQUIRE(kj_scratch_open(&a, "ctx-a") == 0);
    if (kj_scratch_open(&b, "ctx-b")) { kj_scratch_close(&a); REQUIRE(0); }
    const char *ida = kj_instance_id(a.db), *idb = kj_instance_id(b.db);
    CHECK(ida && idb && strcmp(ida, idb) != 0);
    char *ma = kj_db_text(a.db, "SELECT value FROM meta WHERE key = 'instance_id'", "");
    char *mb = kj_db_text(b.db, "SELECT value FROM meta WHERE key = 'instance_id'", "");
    CHECK_STR(ida, ma);
    CHECK_STR(idb, mb);
    CHECK_STR(a.app.instance_id, ma);   /* what the app read at start-up */
    free(ma);
    free(mb);
    kj_scratch_close(&b);
    kj_scratch_close(&a);
}
