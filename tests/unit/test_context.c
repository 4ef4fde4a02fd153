/*
 * test_context.c — state that belongs to a store or to the app, not to
 * the process (issue 13, item 6).
 */
#include "t.h"
#include "scratch.h"
#include "account/account.h"
#include "market/market.h"
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

/* ---- the market's listing-change listeners (market.h) ---- */

static int heard, fail_next;
static const char *last_id;

static int count_listener(void *ctx, kj_db *db, const kj_listing_event *ev)
{
    heard += *(int *)ctx;
    last_id = ev->id;
    return 0;
}

static int failing_listener(void *ctx, kj_db *db, const kj_listing_event *ev)
{
    return fail_next ? -1 : 0;
}

/* Every listener hears each event once, whatever the number of times it
 * registered; one failing fails the publication (and so the change). The
 * listeners stay registered (start-up only), so they do nothing harmful. */
TEST(listing_listeners)
{
    static int one = 1;
    /* A real store: the search index's listener (registered by the app's
     * start-up) hears these events too. KJ_LISTINGS_LOADED only merges the
     * index there. */
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "ctx-listen") == 0);
    REQUIRE(kj_listing_listen(count_listener, &one) == 0);
    REQUIRE(kj_listing_listen(count_listener, &one) == 0);   /* again: no second call */
    REQUIRE(kj_listing_listen(failing_listener, NULL) == 0);
    heard = 0;
    CHECK_INT(kj_listing_publish(s.db, &(kj_listing_event){ .what = KJ_LISTINGS_LOADED, .id = "S1" }), 0);
    CHECK_INT(heard, 1);
    CHECK_STR(last_id, "S1");
    fail_next = 1;
    CHECK_INT(kj_listing_publish(s.db, &(kj_listing_event){ .what = KJ_LISTINGS_LOADED, .id = "S2" }), -1);
    fail_next = 0;
    CHECK(kj_listing_listen(NULL, NULL) < 0);
    kj_scratch_close(&s);
}
