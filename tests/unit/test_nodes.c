/*
 * test_nodes.c — several nodes on one database, as the storage layer sees
 * them (store.h, "Several nodes"): change signals are delivered after the
 * commit and only for a commit, once per node; other nodes' writes move a
 * node's generation (so its caches drop what they keep); the job leader
 * follows the backend's lock, asked at most every 500 ms.
 *
 * "Other nodes" are a second store on the same SQLite file whose backend
 * is the SQLite one plus notify/listen/leader functions that carry the
 * signals in memory, as PostgreSQL's NOTIFY would.
 */
#include "t.h"
#include "store/store.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>

static void remove_scratch(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "  could not remove %s\n", dir);
}

/* What a listener heard. */
typedef struct { int calls, remote; char channel[48], payload[200]; } heard;

static void listener(void *ctx, kj_store *s, const char *channel, const char *payload, bool remote)
{
    heard *h = ctx;
    h->calls++;
    h->remote += remote;
    snprintf(h->channel, sizeof h->channel, "%s", channel);
    snprintf(h->payload, sizeof h->payload, "%s", payload);
}

TEST(store_signals_follow_the_commit)
{
    char dir[] = "/tmp/kj-nodes-XXXXXX", err[200], path[64];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    kj_store *store = kj_store_open(&kj_sqlite_backend, path, 1, NULL, NULL, err, sizeof err);
    REQUIRE(store);
    heard h = { 0 };
    CHECK(kj_store_subscribe(store, "listing", listener, &h) == 0);
    CHECK(kj_store_subscribe(store, "Bad-Channel", listener, &h) == -1);
    kj_db *db = kj_store_acquire(store);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (x INTEGER)", "") >= 0);

    /* Committed: heard once, after the commit, by this node (not remote). */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(x) VALUES (1)", "") == 1);
    CHECK(kj_db_publish(db, "listing", "L1") == 0);
    CHECK(kj_db_publish(db, "listing", "L1") == 0);   /* the same twice is one */
    CHECK(h.calls == 0);
    CHECK(kj_db_commit(db) == 0);
    CHECK(h.calls == 1 && h.remote == 0);
    CHECK_STR(h.payload, "L1");

    /* Rolled back, or a failed commit: never heard. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_publish(db, "listing", "L2") == 0);
    kj_db_rollback(db);
    CHECK(h.calls == 1);
    kj_store_inject_faults(store, 1, 0, NULL);
    kj_db_take_faults(db);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(x) VALUES (2)", "") == 1);
    CHECK(kj_db_publish(db, "listing", "L3") == 0);
    CHECK(kj_db_commit(db) != 0);
    CHECK(h.calls == 1);
    /* A signal left from a transaction that failed does not ride on the next one. */
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_commit(db) == 0);
    CHECK(h.calls == 1);

    /* Outside a transaction: at once. */
    CHECK(kj_db_publish(db, "listing", "L4") == 0);
    CHECK(h.calls == 2);
    CHECK_STR(h.payload, "L4");

    /* At most KJ_PUBLISH_MAX in one transaction; a payload too long is refused. */
    REQUIRE(kj_db_begin(db) == 0);
    char p[16], longer[300];
    int ok = 0;
    for (int i = 0; i < KJ_PUBLISH_MAX + 1; i++) { snprintf(p, sizeof p, "P%d", i); ok += kj_db_publish(db, "listing", p) == 0; }
    CHECK(ok == KJ_PUBLISH_MAX);
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    CHECK(kj_db_publish(db, "listing", longer) == -1);
    CHECK(kj_db_commit(db) == 0);
    CHECK(h.calls == 2 + KJ_PUBLISH_MAX);

    /* One process: always the leader. */
    CHECK(kj_store_leader(store));
    kj_store_release(store, db);
    kj_store_close(store);
    remove_scratch(dir);
}

/* ---- an in-memory bus between stores: what NOTIFY/LISTEN do ---- */

static kj_store *bus[2];
static int bus_sent;
static int leader_answer[2];

static int bus_notify(kj_db *db, const char *channel, const char *payload)
{
    bus_sent++;
    for (int i = 0; i < 2; i++) if (bus[i]) kj_store_deliver(bus[i], channel, payload);   /* the sender hears it too, as in PostgreSQL */
    return 0;
}
static int bus_listen(kj_store *s, const char *channel) { return 0; }
static int bus_leader(kj_store *s) { return leader_answer[s == bus[1]]; }

TEST(store_other_nodes_hear_writes_and_signals)
{
    kj_store_backend be = kj_sqlite_backend;
    be.notify = bus_notify;
    be.listen = bus_listen;
    be.leader = bus_leader;
    char dir[] = "/tmp/kj-nodes-XXXXXX", err[200], path[64];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    kj_store *a = kj_store_open(&be, path, 1, NULL, NULL, err, sizeof err);
    kj_store *b = kj_store_open(&be, path, 1, NULL, NULL, err, sizeof err);
    REQUIRE(a && b);
    CHECK(strcmp(kj_store_node_id(a), kj_store_node_id(b)) != 0);
    bus[0] = a;
    bus[1] = b;
    heard ha = { 0 }, hb = { 0 };
    CHECK(kj_store_subscribe(a, "listing", listener, &ha) == 0);
    CHECK(kj_store_subscribe(b, "listing", listener, &hb) == 0);
    kj_db *db = kj_store_acquire(a);
    REQUIRE(kj_db_exec(db, "CREATE TABLE t (x INTEGER)", "") >= 0);

    /* A write committed on a: b's generation moves (its caches drop). */
    uint64_t gb = kj_store_generation(b);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(x) VALUES (1)", "") == 1);
    CHECK(kj_db_publish(db, "listing", "L1") == 0);
    CHECK(kj_db_commit(db) == 0);
    CHECK(kj_store_generation(b) > gb);
    CHECK(ha.calls == 1 && ha.remote == 0);   /* a: once, from the commit, not again from the bus */
    CHECK(hb.calls == 1 && hb.remote == 1);
    CHECK_STR(hb.payload, "L1");

    /* A write on its own (no transaction) too. */
    gb = kj_store_generation(b);
    CHECK(kj_db_exec(db, "UPDATE t SET x = 2", "") == 1);
    CHECK(kj_store_generation(b) > gb);
    /* A read-only transaction and a rollback send nothing. */
    int sent = bus_sent;
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_int(db, 0, "SELECT count(*) FROM t", "") == 1);
    CHECK(kj_db_commit(db) == 0);
    REQUIRE(kj_db_begin(db) == 0);
    CHECK(kj_db_exec(db, "INSERT INTO t(x) VALUES (3)", "") == 1);
    CHECK(kj_db_publish(db, "listing", "L2") == 0);
    kj_db_rollback(db);
    CHECK(bus_sent == sent);
    CHECK(hb.calls == 1);
    /* A write that changed nothing sends nothing either. */
    CHECK(kj_db_exec(db, "UPDATE t SET x = 5 WHERE x = 99", "") == 0);
    CHECK(bus_sent == sent);
    kj_store_release(a, db);

    /* The leader follows the backend's lock, asked at most every 500 ms. */
    kj_clock_freeze(1000000);
    leader_answer[0] = 1;
    leader_answer[1] = 0;
    CHECK(kj_store_leader(a));
    CHECK(!kj_store_leader(b));
    leader_answer[0] = 0;   /* a lost its lock (its connection died) */
    leader_answer[1] = 1;   /* and b took it */
    CHECK(kj_store_leader(a));           /* remembered: not asked again yet */
    CHECK(kj_store_leader_known(b) == false);
    kj_clock_freeze(1000000 + 500);
    CHECK(!kj_store_leader(a));
    CHECK(kj_store_leader(b));
    CHECK(kj_store_leader_known(b));
    kj_clock_freeze(1000000 - 60000);   /* a clock set back asks at once */
    leader_answer[1] = 0;
    CHECK(!kj_store_leader(b));
    kj_clock_freeze(0);

    bus[0] = bus[1] = NULL;
    kj_store_close(a);
    kj_store_close(b);
    remove_scratch(dir);
}
