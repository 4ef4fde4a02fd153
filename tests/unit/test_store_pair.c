/*
 * test_store_pair.c — what the store offers a resource paired with each
 * connection (store.h: kj_db_pair_slot, kj_store_on_tx_end,
 * kj_db_note_failure), which a PostgreSQL node's local search index rests
 * on (search/local.h): its transaction ends exactly when the connection's
 * does — committed only after a commit that succeeded, rolled back after a
 * rollback, a failed commit, or a connection given back mid-transaction.
 */
#include "t.h"
#include "store/store.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct { int commits, rollbacks; kj_db *last; } ends_t;

static void ended(void *ctx, kj_db *db, bool committed)
{
    ends_t *e = ctx;
    if (committed) e->commits++;
    else e->rollbacks++;
    e->last = db;
}

TEST(store_pair_follows_each_transaction_end)
{
    char dir[] = "/tmp/kj-pair-XXXXXX", path[64], err[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    kj_store *s = kj_store_open(&kj_sqlite_backend, path, 1, NULL, NULL, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    ends_t e = { 0 };
    kj_store_on_tx_end(s, ended, &e);
    kj_db *db = kj_store_acquire(s);
    CHECK(kj_db_exec(db, "CREATE TABLE t (id TEXT PRIMARY KEY)", "") >= 0);
    CHECK_INT(e.commits + e.rollbacks, 0);   /* no transaction, no end */

    /* The slot is the connection's: kept across borrowings. */
    CHECK(*kj_db_pair_slot(db) == NULL);
    *kj_db_pair_slot(db) = &e;

    CHECK(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('a')", "") == 1);
    CHECK(kj_db_commit(db) == 0);
    CHECK_INT(e.commits, 1);
    CHECK_INT(e.rollbacks, 0);
    CHECK(e.last == db);

    CHECK(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('b')", "") == 1);
    kj_db_rollback(db);
    CHECK_INT(e.commits, 1);
    CHECK_INT(e.rollbacks, 1);

    /* A commit that fails is a rollback for the pair. */
    kj_store_inject_faults(s, 1, 0, NULL);
    kj_db_take_faults(db);
    CHECK(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('c')", "") == 1);
    CHECK(kj_db_commit(db) != 0);
    CHECK_INT(e.commits, 1);
    CHECK_INT(e.rollbacks, 2);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1);

    /* Given back mid-transaction: the backend rolls back, the pair too. */
    CHECK(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('d')", "") == 1);
    kj_store_release(s, db);
    CHECK_INT(e.rollbacks, 3);
    db = kj_store_acquire(s);   /* the pool's one connection again */
    CHECK(*kj_db_pair_slot(db) == &e);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1);

    /* A failure elsewhere, on the caller's behalf, is this connection's. */
    CHECK(!kj_db_failed(db));
    kj_db_note_failure(db, "test: the paired store failed");
    CHECK(kj_db_failed(db));
    kj_store_release(s, db);
    CHECK_INT(e.commits, 1);   /* released outside a transaction: no end */
    CHECK_INT(e.rollbacks, 3);
    kj_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}
