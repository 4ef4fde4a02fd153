/*
 * store_pg_nodes.c — several nodes on one PostgreSQL database: the
 * backend's notify, listen and leader (store.h, "Several nodes").
 *
 *  - notify: SELECT pg_notify(channel, payload) on the caller's
 *    connection, inside its transaction: PostgreSQL sends it with the
 *    commit, to every session that listens (this node's too; store.c
 *    drops its own by node id).
 *  - listen: one connection of its own and one thread per store. The
 *    thread LISTENs on every channel asked for, waits on the socket
 *    (250 ms at most, so that new channels and a stop are seen quickly)
 *    and hands each notification to kj_store_deliver. A lost connection
 *    is opened again every second; notifications sent meanwhile are lost,
 *    so after a reconnect every channel hears "*" (anything may have
 *    changed) and KJ_CHANNEL_WRITES moves the generation.
 *  - leader: one more connection of its own, on which this node holds the
 *    session-level advisory lock LEADER_LOCK. Asked (by kj_store_leader,
 *    at most every 500 ms, under the store's leader_lock): not holding →
 *    pg_try_advisory_lock; holding → a trivial query proves that the
 *    session, and so the lock, still lives. A node killed with kill -9
 *    loses its connection, PostgreSQL ends its session and frees the
 *    lock at once; another node's next ask (≤ about a second) takes it.
 *    A failed query drops the connection: leadership is lost with it.
 *
 * Thread-safety: the listener's state is shared with subscribers under
 * n->lock; the leader connection is used under the store's leader_lock.
 */
#include "store/store.h"
#include "store/store_pg_nodes.h"
#include "core/log.h"
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The leadership lock: a fixed number, distinct from store_pg.c's write
 * lock ("kejiyun" + "L"). */
#define LEADER_LOCK "6b656a6979756e4c"
#define MAX_CHANNELS KJ_LISTENERS_MAX

struct kj_pg_nodes {
    kj_store *store;
    char *uri;
    pthread_mutex_t lock;          /* guards channels, nchannels, listened, stop */
    char channels[MAX_CHANNELS][48];
    int nchannels;
    int listened;                  /* channels LISTENed on the current connection */
    bool stop, started;
    pthread_t thread;
    PGconn *leader;                /* under the store's leader_lock */
    bool holding;
};

/* A connection for the nodes' own use: short timeouts, so that a dead
 * server costs seconds, and keepalives, so that a silent one is noticed. */
static PGconn *connect_own(const char *uri)
{
    const char *keys[] = { "dbname", "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                           "application_name", NULL };
    const char *vals[] = { uri, "3", "5", "2", "2", "kejiyun-node", NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c && PQstatus(c) == CONNECTION_OK) return c;
    PQfinish(c);
    return NULL;
}

struct kj_pg_nodes *kj_pg_nodes_new(kj_store *s, const char *uri)
{
    struct kj_pg_nodes *n = calloc(1, sizeof *n);
    if (!n || !(n->uri = strdup(uri))) { free(n); return NULL; }
    n->store = s;
    pthread_mutex_init(&n->lock, NULL);
    return n;
}

void kj_pg_nodes_free(struct kj_pg_nodes *n)
{
    if (!n) return;
    pthread_mutex_lock(&n->lock);
    n->stop = true;
    bool started = n->started;
    pthread_mutex_unlock(&n->lock);
    if (started) pthread_join(n->thread, NULL);
    PQfinish(n->leader);
    pthread_mutex_destroy(&n->lock);
    free(n->uri);
    free(n);
}

int kj_pg_notify(kj_db *db, const char *channel, const char *payload)
{
    const kj_store_backend *be = kj_db_store(db)->be;
    kj_stmt *st = be->prepare(db, "SELECT pg_notify(?, ?)");
    if (!st) return -1;
    int rc = be->bind_text(st, 1, channel, strlen(channel)) || be->bind_text(st, 2, payload, strlen(payload)) ? -1 : 0;
    if (rc == 0) rc = be->step(st) == KJ_DB_ROW ? 0 : -1;
    be->finish(st);
    return rc;
}

/* LISTEN on the channels not yet listened on this connection. */
static int listen_new(struct kj_pg_nodes *n, PGconn *c)
{
    for (;;) {
        char channel[48];
        pthread_mutex_lock(&n->lock);
        bool more = n->listened < n->nchannels;
        if (more) memcpy(channel, n->channels[n->listened], sizeof channel);
        pthread_mutex_unlock(&n->lock);
        if (!more) return 0;
        char sql[80];
        snprintf(sql, sizeof sql, "LISTEN %s", channel);   /* channel: [a-z0-9_] (store.c checks) */
        PGresult *r = PQexec(c, sql);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) return -1;
        pthread_mutex_lock(&n->lock);
        n->listened++;
        pthread_mutex_unlock(&n->lock);
    }
}

static void *listener(void *arg)
{
    struct kj_pg_nodes *n = arg;
    PGconn *c = NULL;
    bool lost = false;
    for (;;) {
        pthread_mutex_lock(&n->lock);
        bool stop = n->stop;
        pthread_mutex_unlock(&n->lock);
        if (stop) break;
        if (!c) {
            c = connect_own(n->uri);
            if (!c) {
                if (!lost) kj_log_error("node: lost the database's change signals; reconnecting every second");
                lost = true;
                struct timespec second = { 1, 0 };
                nanosleep(&second, NULL);
                continue;
            }
            pthread_mutex_lock(&n->lock);
            n->listened = 0;
            pthread_mutex_unlock(&n->lock);
        }
        if (listen_new(n, c) != 0) { PQfinish(c); c = NULL; continue; }
        if (lost) {
            /* What was sent while nobody listened is gone: anything may
             * have changed. */
            lost = false;
            kj_log_info("node: change signals back");
            char channels[MAX_CHANNELS][48];
            pthread_mutex_lock(&n->lock);
            int k = n->nchannels;
            memcpy(channels, n->channels, sizeof channels);
            pthread_mutex_unlock(&n->lock);
            for (int i = 0; i < k; i++) kj_store_deliver(n->store, channels[i], "- *");
        }
        struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
        if (p.fd < 0 || (poll(&p, 1, 250) > 0 && !PQconsumeInput(c)) || PQstatus(c) != CONNECTION_OK) {
            PQfinish(c);
            c = NULL;
            lost = true;
            continue;
        }
        PGnotify *note;
        while ((note = PQnotifies(c))) {
            kj_store_deliver(n->store, note->relname, note->extra);
            PQfreemem(note);
        }
    }
    PQfinish(c);
    return NULL;
}

int kj_pg_listen(kj_store *s, const char *channel)
{
    struct kj_pg_nodes *n = kj_pg_nodes_of(s);
    if (!n) return -1;
    pthread_mutex_lock(&n->lock);
    int rc = 0;
    bool known = false;
    for (int i = 0; i < n->nchannels; i++) known |= !strcmp(n->channels[i], channel);
    if (!known) {
        if (n->nchannels == MAX_CHANNELS) rc = -1;
        else snprintf(n->channels[n->nchannels++], sizeof n->channels[0], "%s", channel);
    }
    if (rc == 0 && !n->started) {
        if (pthread_create(&n->thread, NULL, listener, n) == 0) n->started = true;
        else rc = -1;
    }
    pthread_mutex_unlock(&n->lock);
    return rc;
}

/* One statement on the leader connection: its first value, or NULL
 * (malloc'd). */
static char *ask(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    char *v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}

int kj_pg_leader(kj_store *s)
{
    struct kj_pg_nodes *n = kj_pg_nodes_of(s);
    if (!n) return -1;
    if (n->leader && PQstatus(n->leader) != CONNECTION_OK) { PQfinish(n->leader); n->leader = NULL; n->holding = false; }
    if (!n->leader && !(n->leader = connect_own(n->uri))) return -1;
    char *v = ask(n->leader, n->holding ? "SELECT 1" : "SELECT pg_try_advisory_lock(x'" LEADER_LOCK "'::bigint)");
    if (!v) {
        /* The session is gone or failing: the lock with it. */
        PQfinish(n->leader);
        n->leader = NULL;
        n->holding = false;
        return -1;
    }
    if (!n->holding) n->holding = !strcmp(v, "t");
    free(v);
    return n->holding ? 1 : 0;
}
