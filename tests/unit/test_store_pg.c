/*
 * test_store_pg.c — unit tests of the storage layer's PostgreSQL backend
 * (store_pg.c): the transaction semantics store.h promises and the dialect
 * differences the backend takes care of. They need a database: tests named
 * pg_* run only when KEJIYUN_TEST_PG names a cluster (tests/pg/run sets it,
 * through tests/pg/cluster.py); main.c leaves them out otherwise.
 */
#include "t.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh database on the test cluster (CREATE DATABASE through psql). */
static kj_store *open_pg(char *url, size_t n)
{
    const char *base = getenv("KEJIYUN_TEST_PG");
    if (!base) return NULL;
    static int seq;
    char name[64], cmd[512];
    snprintf(name, sizeof name, "unit_%d_%d", (int)getpid(), ++seq);
    snprintf(cmd, sizeof cmd, "psql -X -q '%spostgres' -c 'CREATE DATABASE %s' >/dev/null", base, name);
    if (system(cmd) != 0) return NULL;
    snprintf(url, n, "%s%s", base, name);
    char err[300];
    kj_store *s = kj_store_open(&kj_pg_backend, url, 1, NULL, NULL, err, sizeof err);
    if (!s) fprintf(stderr, "  %s\n", err);
    return s;
}

static void close_pg(kj_store *s, const char *url)
{
    kj_store_close(s);
    const char *name = strrchr(url, '/') + 1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "psql -X -q '%spostgres' -c 'DROP DATABASE %s' >/dev/null", getenv("KEJIYUN_TEST_PG"), name);
    if (system(cmd) != 0) fprintf(stderr, "  could not drop %s\n", name);
}

TEST(pg_constraint_violation_leaves_the_transaction_usable)
{
    char url[256];
    kj_store *s = open_pg(url, sizeof url);
    REQUIRE(s);
    kj_db *db = kj_store_acquire(s);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0))", "") >= 0);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, n) VALUES (?, ?)", "si", "a", (int64_t)1) == 1);
    /* As with SQLite, only the statement is undone: the caller may go on. */
    CHECK(kj_db_exec(db, "INSERT INTO t(k, n) VALUES (?, ?)", "si", "a", (int64_t)2) == KJ_DB_CONSTRAINT);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, n) VALUES (?, ?)", "si", "b", (int64_t)-1) == KJ_DB_CONSTRAINT);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, n) VALUES (?, ?)", "si", "b", (int64_t)2) == 1);
    CHECK(!kj_db_failed(db));
    CHECK(kj_db_commit(db) == 0);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 2);
    kj_store_release(s, db);
    close_pg(s, url);
}

TEST(pg_failed_statement_poisons_the_transaction)
{
    char url[256];
    kj_store *s = open_pg(url, sizeof url);
    REQUIRE(s);
    kj_db *db = kj_store_acquire(s);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY)", "") >= 0);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(k) VALUES (?)", "s", "a") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO no_such_table(k) VALUES (?)", "s", "b") == KJ_DB_ERROR);
    CHECK(kj_db_failed(db));
    CHECK(kj_db_commit(db) != 0);                 /* refused: rolled back */
    CHECK(!kj_db_in_transaction(db));
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 0);
    /* The connection is usable again, and a commit of nothing wrong works. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(k) VALUES (?)", "s", "c") == 1);
    CHECK(kj_db_commit(db) == 0);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1);
    /* Released with a transaction open: rolled back. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "DELETE FROM t", "") == 1);
    kj_store_release(s, db);
    db = kj_store_acquire(s);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1);
    kj_store_release(s, db);
    close_pg(s, url);
}

/* Bulk mode (kj_db_bulk): INSERTs go in batches, results read later; what
 * a later statement reads includes them, and a failed one still fails the
 * transaction — at the statement that reads the results, and at commit. */
TEST(pg_bulk_mode_defers_inserts_and_still_fails_closed)
{
    char url[256];
    kj_store *s = open_pg(url, sizeof url);
    REQUIRE(s);
    kj_db *db = kj_store_acquire(s);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT NOT NULL)", "") >= 0);
    REQUIRE(kj_db_bulk(db, true) == 0);
    REQUIRE(kj_db_begin(db) == 0);
    int ok = 0;
    for (int64_t k = 0; k < 1000; k++) ok += kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", k, "x") == 1;
    CHECK_INT(ok, 1000);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1000);   /* reads what was sent */
    CHECK(kj_db_commit(db) == 0);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1000);
    /* A duplicate key among deferred INSERTs: the read after it fails, and
     * the commit is refused; nothing of the transaction stays. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)5000, "y") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)7, "dup") == 1);   /* not known yet */
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)5001, "z") == 1);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), -1);
    CHECK(kj_db_failed(db));
    CHECK(kj_db_commit(db) != 0);
    CHECK(!kj_db_in_transaction(db));
    /* The same, found only by the commit. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)6000, "y") == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)8, "dup") == 1);
    CHECK(kj_db_commit(db) != 0);
    CHECK(!kj_db_in_transaction(db));
    REQUIRE(kj_db_bulk(db, false) == 0);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1000);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t WHERE k >= 5000", ""), 0);
    /* Out of bulk mode, a constraint violation is the statement's again. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)9, "dup") == KJ_DB_CONSTRAINT);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, v) VALUES (?, ?)", "is", (int64_t)9000, "w") == 1);
    CHECK(kj_db_commit(db) == 0);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM t", ""), 1001);
    kj_store_release(s, db);
    close_pg(s, url);
}

TEST(pg_dialect_differences_are_taken_care_of)
{
    char url[256];
    kj_store *s = open_pg(url, sizeof url);
    REQUIRE(s);
    kj_db *db = kj_store_acquire(s);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, at BIGINT)", "") >= 0);
    /* Times in ms do not fit 32 bits, even next to a 32-bit literal. */
    int64_t big = 1796499323855LL;
    CHECK(kj_db_exec(db, "INSERT INTO t(k, n, at) VALUES (?, ?, COALESCE(?, 0) + 1)", "sii", "a", (int64_t)2, big) == 1);
    CHECK(kj_db_exec(db, "INSERT INTO t(k, n, at) VALUES (?, ?, ?)", "sin", "b", (int64_t)3) == 1);
    CHECK_INT(kj_db_int(db, 0, "SELECT at FROM t WHERE k = ?", "s", "a"), big + 1);
    /* ... unless a function takes only a 32-bit integer there. */
    char *pre = kj_db_text(db, "SELECT substr(k || 'bc', 1, ?) FROM t WHERE k = 'a'", "i", (int64_t)2);
    CHECK_STR(pre, "ab");
    free(pre);
    /* SQLite's numbered parameters, used twice. */
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM t WHERE k = ?1 OR (n = ?2 AND k <> ?1)", "si", "a", (int64_t)3), 2);
    /* Scalar max/min (greatest/least) next to the aggregates. */
    CHECK_INT(kj_db_int(db, 0, "SELECT max(n - 5, 0) FROM t WHERE k = 'a'", ""), 0);
    CHECK_INT(kj_db_int(db, 0, "SELECT min(n, 1) FROM t WHERE k = 'b'", ""), 1);
    CHECK_INT(kj_db_int(db, 0, "SELECT max(n) FROM t", ""), 3);
    /* The JSON functions, and parameters PostgreSQL cannot type alone. */
    json_t *row = kj_db_row(db, "SELECT json_object('k', ?, 'n', ?) AS o__json, json_array(?, 'x') AS a__json, "
                                "(SELECT json_group_array(k ORDER BY k) FROM t) AS all__json, "
                                "(SELECT group_concat(k, ',') FROM t) AS csv, ? IS NULL AS none, "
                                "(SELECT sum(n) FROM t) AS total, n IS NOT NULL AS has_n FROM t WHERE k = 'a'",
                         "siin", "q", (int64_t)7, (int64_t)8);
    REQUIRE(row);
    CHECK_STR(json_string_value(json_object_get(json_object_get(row, "o"), "k")), "q");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(row, "o"), "n")), 7);
    CHECK_INT(json_integer_value(json_array_get(json_object_get(row, "a"), 0)), 8);
    CHECK_INT(json_array_size(json_object_get(row, "all")), 2);
    CHECK_STR(json_string_value(json_object_get(row, "csv")), "a,b");
    /* Booleans and sums read as integers, as SQLite gives them. */
    CHECK(json_is_integer(json_object_get(row, "none")) && json_integer_value(json_object_get(row, "none")) == 1);
    CHECK(json_is_integer(json_object_get(row, "total")) && json_integer_value(json_object_get(row, "total")) == 5);
    CHECK(json_is_integer(json_object_get(row, "has_n")) && json_integer_value(json_object_get(row, "has_n")) == 1);
    json_decref(row);
    /* '?' inside quoted text is text. */
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM t WHERE k <> '?' AND k = ?", "s", "a"), 1);
    /* Changed rows, and upserts. */
    CHECK_INT(kj_db_exec(db, "UPDATE t SET n = n + 1", ""), 2);
    CHECK_INT(kj_db_exec(db, "INSERT INTO t(k, n) VALUES ('a', 9) ON CONFLICT (k) DO NOTHING", ""), 0);
    CHECK(!kj_db_failed(db));
    kj_store_release(s, db);
    close_pg(s, url);
}

TEST(pg_url_names_the_backend)
{
    const char *loc = NULL;
    CHECK(kj_store_backend_for("postgresql://u@h:5/d", &loc) == &kj_pg_backend);
    CHECK_STR(loc, "postgresql://u@h:5/d");
    CHECK(kj_store_backend_for("postgres://h/d", &loc) == &kj_pg_backend);
    CHECK(kj_store_backend_for("sqlite:/x/k.db", &loc) == &kj_sqlite_backend);
    CHECK_STR(loc, "/x/k.db");
    CHECK(kj_store_backend_for("mysql://h/d", &loc) == NULL);
    CHECK(kj_store_backend_for("sqlite:", &loc) == NULL);
}
