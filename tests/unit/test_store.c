/*
 * test_store.c — unit tests of the storage layer's SQLite backend: a bulk
 * load skips CHECK and foreign-key constraints only while it lasts, keeps the caller's
 * cache size afterwards, and JSON values are bound as the text jansson
 * reads back.
 */
#include "t.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kj_store *open_scratch(char *dir, char *err, size_t errlen)
{
    char path[64];
    if (!mkdtemp(dir)) return NULL;
    snprintf(path, sizeof path, "%s/t.db", dir);
    return kj_store_open(&kj_sqlite_backend, path, 1, NULL, NULL, err, errlen);
}

static void remove_scratch(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "  could not remove %s\n", dir);
}

TEST(store_bulk_skips_checks_only_while_on)
{
    char dir[] = "/tmp/kj-store-XXXXXX", err[200];
    kj_store *store = open_scratch(dir, err, sizeof err);
    REQUIRE(store);
    kj_db *db = kj_store_acquire(store);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (state TEXT NOT NULL CHECK (state IN ('a','b','c')))", "") >= 0);
    REQUIRE(kj_db_exec(db, "CREATE TABLE p (id TEXT PRIMARY KEY)", "") >= 0);
    REQUIRE(kj_db_exec(db, "CREATE TABLE c (pid TEXT NOT NULL REFERENCES p(id))", "") >= 0);
    int64_t cache = kj_db_int(db, 0, "PRAGMA cache_size", "");

    CHECK(kj_db_exec(db, "INSERT INTO t(state) VALUES (?)", "s", "z") == KJ_DB_CONSTRAINT);
    CHECK(kj_db_exec(db, "INSERT INTO c(pid) VALUES (?)", "s", "nobody") == KJ_DB_CONSTRAINT);
    REQUIRE(kj_db_bulk(db, true) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO c(pid) VALUES (?)", "s", "nobody") == 1);   /* references unchecked too */
    CHECK(kj_db_int(db, 0, "PRAGMA cache_size", "") == -262144);
    CHECK(kj_db_exec(db, "INSERT INTO t(state) VALUES (?)", "s", "a") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t(state) VALUES (?)", "s", "y") == 1);   /* the caller's duty now */
    CHECK(kj_db_exec(db, "INSERT INTO t(state) VALUES (?)", "n") == KJ_DB_CONSTRAINT);   /* NOT NULL still holds */
    REQUIRE(kj_db_bulk(db, false) == 0);
    CHECK(kj_db_int(db, 0, "PRAGMA cache_size", "") == cache);
    CHECK(kj_db_exec(db, "INSERT INTO t(state) VALUES (?)", "s", "z") == KJ_DB_CONSTRAINT);
    CHECK(kj_db_exec(db, "INSERT INTO c(pid) VALUES (?)", "s", "nobody else") == KJ_DB_CONSTRAINT);
    CHECK(kj_db_int(db, 0, "SELECT count(*) FROM t", "") == 2);

    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}

TEST(store_binds_json_as_text_jansson_reads_back)
{
    char dir[] = "/tmp/kj-store-XXXXXX", err[200];
    kj_store *store = open_scratch(dir, err, sizeof err);
    REQUIRE(store);
    kj_db *db = kj_store_acquire(store);
    REQUIRE(kj_db_exec(db, "CREATE TABLE j (data TEXT)", "") >= 0);
    json_t *v = json_pack("{s:s, s:[s,s], s:i, s:b, s:n}", "title", "引号\" 反斜杠\\ 换行\n", "keywords", "新材料", "节能",
                          "trl", 6, "anonymous", 0, "studio_id");
    REQUIRE(v);
    CHECK(kj_db_exec(db, "INSERT INTO j(data) VALUES (?)", "j", v) == 1);
    json_t *row = kj_db_row(db, "SELECT data AS data__json FROM j", "");
    CHECK(row && json_equal(json_object_get(row, "data"), v));
    json_decref(row);
    json_decref(v);
    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}

TEST(store_defers_indexes_within_a_transaction)
{
    char dir[] = "/tmp/kj-store-XXXXXX", err[200];
    kj_store *store = open_scratch(dir, err, sizeof err);
    REQUIRE(store);
    kj_db *db = kj_store_acquire(store);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (id TEXT PRIMARY KEY, a INTEGER, b TEXT)", "") >= 0);
    REQUIRE(kj_db_exec(db, "CREATE INDEX t_a ON t(a)", "") >= 0);
    REQUIRE(kj_db_exec(db, "CREATE INDEX \"t b\" ON t(b, a)", "") >= 0);
    REQUIRE(kj_db_exec(db, "CREATE UNIQUE INDEX t_ab ON t(a, b)", "") >= 0);
    const char *count = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 't'";
    REQUIRE(kj_db_int(db, 0, count, "") == 4);   /* with the primary key's */

    /* Rolled back: the indexes are back by themselves. */
    REQUIRE(kj_db_begin(db) == 0);
    char *script = kj_db_defer_indexes(db, "t");
    REQUIRE(script);
    CHECK(kj_db_int(db, 0, count, "") == 2);     /* the unique ones stay */
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('x', 1, 'p')", "") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('y', 1, 'p')", "") == KJ_DB_CONSTRAINT);   /* still unique */
    free(script);
    REQUIRE(kj_db_rollback(db) == 0);
    CHECK(kj_db_int(db, 0, count, "") == 4);

    /* Committed after the script: the same indexes, over the new rows. */
    REQUIRE(kj_db_begin(db) == 0);
    script = kj_db_defer_indexes(db, "t");
    REQUIRE(script);
    for (int i = 0; i < 100; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        CHECK(kj_db_exec(db, "INSERT INTO t VALUES (?, ?, ?)", "sis", id, (int64_t)(i % 7), id) == 1);
    }
    CHECK(kj_db_run_script(db, script) == 0);
    free(script);
    REQUIRE(kj_db_commit(db) == 0);
    CHECK(kj_db_int(db, 0, count, "") == 4);
    CHECK(kj_db_int(db, 0, "SELECT count(*) FROM t INDEXED BY t_a WHERE a = 3", "") == 14);
    CHECK(kj_db_int(db, 0, "SELECT count(*) FROM t INDEXED BY \"t b\" WHERE b = 'r10'", "") == 1);
    char *check = kj_db_text(db, "PRAGMA integrity_check", "");
    CHECK(check && !strcmp(check, "ok"));
    free(check);

    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}

/* Failing closed (store.h): an error is told apart from "nothing", recorded
 * on the connection, and keeps a transaction from committing. */
TEST(store_tells_a_failed_read_from_nothing)
{
    char dir[] = "/tmp/kj-store-XXXXXX", err[200];
    kj_store *store = open_scratch(dir, err, sizeof err);
    REQUIRE(store);
    kj_db *db = kj_store_acquire(store);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (id TEXT PRIMARY KEY)", "") >= 0);
    json_t *none = kj_db_rows(db, "SELECT id FROM t", "");
    CHECK(json_is_array(none) && json_array_size(none) == 0);   /* nothing: an empty array */
    json_decref(none);
    CHECK(!kj_db_row(db, "SELECT id FROM t", ""));
    CHECK(!kj_db_failed(db));
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('a')", "") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('a')", "") == KJ_DB_CONSTRAINT);
    CHECK(!kj_db_failed(db));                                     /* told to its caller: not a failure */
    CHECK(!kj_db_rows(db, "SELECT nope FROM t", ""));             /* an error: NULL */
    CHECK(kj_db_failed(db));
    kj_store_release(store, db);
    db = kj_store_acquire(store);
    CHECK(!kj_db_failed(db));                                     /* per borrowing */
    CHECK(kj_db_int(db, -1, "SELECT nope FROM t", "") == -1);     /* the default, but recorded */
    CHECK(kj_db_failed(db));
    kj_store_release(store, db);

    /* Injected read faults: only a connection that takes them, only the
     * statements they name, only as many as asked. */
    kj_store_inject_faults(store, 0, 1, "FROM t WHERE");
    db = kj_store_acquire(store);
    CHECK(kj_db_int(db, 0, "SELECT count(*) FROM t WHERE id = 'a'", "") == 1);   /* not taken yet */
    kj_db_take_faults(db);
    CHECK(kj_db_int(db, 0, "SELECT count(*) FROM t", "") == 1);                  /* not named */
    CHECK(!kj_db_failed(db));
    CHECK(!kj_db_row(db, "SELECT id FROM t WHERE id = 'a'", ""));
    CHECK(kj_db_failed(db));
    json_t *row = kj_db_row(db, "SELECT id FROM t WHERE id = 'a'", "");           /* used up */
    CHECK(row);
    json_decref(row);
    kj_store_release(store, db);
    db = kj_store_acquire(store);
    kj_db_take_faults(db);                                                         /* none left */
    row = kj_db_row(db, "SELECT id FROM t WHERE id = 'a'", "");
    CHECK(row && !kj_db_failed(db));
    json_decref(row);

    /* A best-effort write: logged, not a failure of the connection. */
    CHECK(kj_db_exec_optional(db, "test", "UPDATE nope SET x = 1", "") < 0);
    CHECK(!kj_db_failed(db));
    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}

TEST(store_never_commits_half_a_transaction)
{
    char dir[] = "/tmp/kj-store-XXXXXX", err[200];
    kj_store *store = open_scratch(dir, err, sizeof err);
    REQUIRE(store);
    kj_db *db = kj_store_acquire(store);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (id TEXT PRIMARY KEY)", "") >= 0);
    const char *count = "SELECT count(*) FROM t";

    /* A statement failed and its caller went on: the commit is refused
     * and nothing of the transaction remains. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('a')", "") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO nope VALUES ('b')", "") < 0);
    CHECK(kj_db_commit(db) == KJ_DB_ERROR);
    CHECK(!kj_db_in_transaction(db));
    CHECK_INT(kj_db_int(db, -1, count, ""), 0);

    /* A constraint violation the caller handled does not stop the commit. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('a')", "") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('a')", "") == KJ_DB_CONSTRAINT);
    CHECK(kj_db_commit(db) == 0);
    CHECK_INT(kj_db_int(db, -1, count, ""), 1);

    /* A commit the database refuses (a deferred foreign key): rolled back,
     * not left open for the next statement to run inside it. */
    REQUIRE(kj_db_exec(db, "CREATE TABLE c (pid TEXT REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED)", "") >= 0);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('b')", "") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO c VALUES ('nobody')", "") == 1);
    CHECK(kj_db_commit(db) < 0);
    CHECK(!kj_db_in_transaction(db));
    CHECK_INT(kj_db_int(db, -1, count, ""), 1);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM c", ""), 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('c')", "") == 1);   /* autocommits, as it should */
    kj_store_release(store, db);

    /* An injected commit fault: the same, for the connection that took it;
     * statements outside a transaction are not affected. */
    kj_store_inject_faults(store, 1, 0, NULL);
    db = kj_store_acquire(store);
    kj_db_take_faults(db);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('d')", "") == 1);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('e')", "") == 1);
    CHECK(kj_db_commit(db) == KJ_DB_ERROR);
    CHECK(kj_db_failed(db));
    CHECK(!kj_db_in_transaction(db));
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t WHERE id = 'e'", ""), 0);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t VALUES ('e')", "") == 1);
    CHECK(kj_db_commit(db) == 0);                                   /* used up */
    CHECK_INT(kj_db_int(db, -1, count, ""), 4);       /* a, c, d, e */
    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}

/* kejiyun restore on PostgreSQL asks the database pg_restore filled what it
 * holds before anything migrates it (store.h kj_store_probe): nothing in a
 * new database, tables without an instance, then the instance. */
TEST(store_probe_tells_an_empty_database_from_an_instance)
{
    char dir[] = "/tmp/kj-store-XXXXXX", err[200], id[64];
    kj_store *store = open_scratch(dir, err, sizeof err);
    REQUIRE(store);
    kj_db *db = kj_store_acquire(store);
    int64_t version = -1;
    CHECK(kj_store_probe(db, &version, id, sizeof id, err, sizeof err) == 0);
    CHECK(version == 0 && id[0] == 0);
    REQUIRE(kj_db_exec(db, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)", "") >= 0);
    CHECK(kj_store_probe(db, &version, id, sizeof id, err, sizeof err) == 0);
    CHECK(version == 0);   /* one of the two tables: not kejiyun's schema */
    REQUIRE(kj_db_exec(db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)", "") >= 0);
    REQUIRE(kj_db_exec(db, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (1, 'init', 0), (53, 'browse', 0)", "") == 2);
    CHECK(kj_store_probe(db, &version, id, sizeof id, err, sizeof err) == 0);
    CHECK(version == 53 && id[0] == 0);   /* migrated, no instance yet */
    REQUIRE(kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('instance_id', '01HZZZZZZZZZZZZZZZZZZZZZZZ')", "") == 1);
    CHECK(kj_store_probe(db, &version, id, sizeof id, err, sizeof err) == 0);
    CHECK(version == 53 && !strcmp(id, "01HZZZZZZZZZZZZZZZZZZZZZZZ"));
    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}
