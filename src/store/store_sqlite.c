/*
 * store_sqlite.c — the SQLite backend of the storage layer.
 *
 * Owns a fixed pool of connections to one database file. Each connection
 * runs in WAL mode with foreign keys on, a busy timeout, and
 * synchronous=FULL: a write acknowledged to a user is on disk, so neither a
 * kill -9 nor a power cut right after a 2xx loses it. Each connection keeps
 * its prepared statements in a small hash table keyed by SQL text; a
 * statement that is already in use (nested use of the same SQL) gets a
 * fresh, uncached statement instead.
 *
 * Locking: the pool's free list is guarded by a mutex and condition
 * variable; a borrowed connection is used by one thread only.
 */
#include "store/store.h"
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 256   /* slots per connection (power of two) */

struct kj_stmt {
    sqlite3_stmt *st;
    struct sq_conn *conn;
    char *sql;           /* owned, the cache key */
    int in_use;
    int cached;
};

typedef struct sq_conn {
    struct kj_db_header hdr;  /* must come first: kj_db_store() reads it */
    sqlite3 *db;
    struct kj_stmt *cache[STMT_CACHE];
    int in_tx;
    struct sq_conn *next_free;
} sq_conn;

typedef struct {
    sq_conn *conns;
    int n;
    sq_conn *free_list;
    pthread_mutex_t lock;
    pthread_cond_t avail;
} sq_pool;

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return KJ_DB_OK;
    case SQLITE_ROW: return KJ_DB_ROW;
    case SQLITE_DONE: return KJ_DB_DONE;
    case SQLITE_CONSTRAINT: return KJ_DB_CONSTRAINT;
    case SQLITE_BUSY: case SQLITE_LOCKED: return KJ_DB_BUSY;
    default: return KJ_DB_ERROR;
    }
}

static int open_conn(kj_store *s, sq_conn *c, const char *path, char *err, size_t errlen)
{
    c->hdr.store = s;
    int rc = sqlite3_open_v2(path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_busy_timeout(c->db, 10000);
    static const char *pragmas =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA synchronous=FULL;"
        "PRAGMA temp_store=MEMORY;"
        /* At most 256 MiB of pages per connection, taken only as pages are
         * read: beyond the 2 GiB that mmap covers (below), every page comes
         * through pread into this cache. At 1M listings (3.7 GB) 16 MB gave
         * 140 ms of CPU per search, 256 MiB 104 ms (make bench, perf). */
        "PRAGMA cache_size=-262144;"
        /* Read pages in place instead of copying them per connection: as
         * much of the file as SQLite allows (it clamps this to its build
         * limit, 2 GiB in Debian's). At 1M listings (3.8 GB) 256 MiB left
         * half of a search's time in pread (make bench, perf). */
        "PRAGMA mmap_size=1099511627776;";
    char *msg = NULL;
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure database %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    /* A file that is not a database only fails on first read: check now. */
    if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read database %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    if (s->hook && s->hook(c->db, s->hook_ctx) != 0) {
        snprintf(err, errlen, "cannot initialise connection to %s", path);
        return -1;
    }
    return 0;
}

static void close_conn(sq_conn *c)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        if (!c->cache[i]) continue;
        sqlite3_finalize(c->cache[i]->st);
        free(c->cache[i]->sql);
        free(c->cache[i]);
    }
    if (c->db) sqlite3_close_v2(c->db);
}

static int sq_open(kj_store *s, const char *path, int pool_size, char *err, size_t errlen)
{
    if (!sqlite3_threadsafe()) { snprintf(err, errlen, "SQLite built without thread support"); return -1; }
    sq_pool *p = calloc(1, sizeof *p);
    p->n = pool_size < 1 ? 1 : pool_size;
    p->conns = calloc((size_t)p->n, sizeof *p->conns);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->avail, NULL);
    s->impl = p;
    for (int i = 0; i < p->n; i++) {
        if (open_conn(s, &p->conns[i], path, err, errlen) != 0) {
            for (int j = 0; j <= i; j++) close_conn(&p->conns[j]);
            free(p->conns);
            free(p);
            s->impl = NULL;
            return -1;
        }
        p->conns[i].next_free = p->free_list;
        p->free_list = &p->conns[i];
    }
    return 0;
}

static void sq_close(kj_store *s)
{
    sq_pool *p = s->impl;
    if (!p) return;
    for (int i = 0; i < p->n; i++) close_conn(&p->conns[i]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->avail);
    free(p->conns);
    free(p);
}

static kj_db *sq_acquire(kj_store *s)
{
    sq_pool *p = s->impl;
    pthread_mutex_lock(&p->lock);
    while (!p->free_list) pthread_cond_wait(&p->avail, &p->lock);
    sq_conn *c = p->free_list;
    p->free_list = c->next_free;
    pthread_mutex_unlock(&p->lock);
    return (kj_db *)c;
}

static int sq_rollback(kj_db *db);

static void sq_release(kj_store *s, kj_db *db)
{
    sq_pool *p = s->impl;
    sq_conn *c = (sq_conn *)db;
    if (c->in_tx) sq_rollback(db);
    sqlite3_progress_handler(c->db, 0, NULL, NULL);   /* kj_db_set_stop holds for one borrower only */
    pthread_mutex_lock(&p->lock);
    c->next_free = p->free_list;
    p->free_list = c;
    pthread_cond_signal(&p->avail);
    pthread_mutex_unlock(&p->lock);
}

static unsigned hash_sql(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static kj_stmt *new_stmt(sq_conn *c, const char *sql)
{
    sqlite3_stmt *raw = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, NULL) != SQLITE_OK)
        return NULL;
    kj_stmt *st = calloc(1, sizeof *st);
    st->st = raw;
    st->conn = c;
    st->sql = strdup(sql);
    return st;
}

static kj_stmt *sq_prepare(kj_db *db, const char *sql)
{
    sq_conn *c = (sq_conn *)db;
    unsigned h = hash_sql(sql);
    for (int probe = 0; probe < 8; probe++) {
        kj_stmt **slot = &c->cache[(h + (unsigned)probe) & (STMT_CACHE - 1)];
        if (*slot && strcmp((*slot)->sql, sql) == 0) {
            if ((*slot)->in_use) break;          /* nested use: fresh statement */
            (*slot)->in_use = 1;
            return *slot;
        }
        if (!*slot) {
            kj_stmt *st = new_stmt(c, sql);
            if (!st) return NULL;
            st->cached = 1;
            st->in_use = 1;
            *slot = st;
            return st;
        }
    }
    kj_stmt *st = new_stmt(c, sql);
    if (st) st->in_use = 1;
    return st;
}

static int sq_bind_text(kj_stmt *st, int i, const char *s, size_t n)
{ return map_rc(sqlite3_bind_text(st->st, i, s, (int)n, SQLITE_TRANSIENT)); }
static int sq_bind_int(kj_stmt *st, int i, int64_t v) { return map_rc(sqlite3_bind_int64(st->st, i, v)); }
static int sq_bind_double(kj_stmt *st, int i, double v) { return map_rc(sqlite3_bind_double(st->st, i, v)); }
static int sq_bind_null(kj_stmt *st, int i) { return map_rc(sqlite3_bind_null(st->st, i)); }
static int sq_step(kj_stmt *st) { return map_rc(sqlite3_step(st->st)); }
static int sq_column_count(kj_stmt *st) { return sqlite3_column_count(st->st); }
static const char *sq_column_name(kj_stmt *st, int c) { return sqlite3_column_name(st->st, c); }

static int sq_column_type(kj_stmt *st, int c)
{
    switch (sqlite3_column_type(st->st, c)) {
    case SQLITE_INTEGER: return KJ_COL_INT;
    case SQLITE_FLOAT: return KJ_COL_REAL;
    case SQLITE_NULL: return KJ_COL_NULL;
    default: return KJ_COL_TEXT;
    }
}

static int64_t sq_column_int(kj_stmt *st, int c) { return sqlite3_column_int64(st->st, c); }
static double sq_column_double(kj_stmt *st, int c) { return sqlite3_column_double(st->st, c); }

static const char *sq_column_text(kj_stmt *st, int c, size_t *len)
{
    const char *t = (const char *)sqlite3_column_text(st->st, c);
    *len = (size_t)sqlite3_column_bytes(st->st, c);
    return t ? t : "";
}

static void sq_finish(kj_stmt *st)
{
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
    st->in_use = 0;
    if (!st->cached) {
        sqlite3_finalize(st->st);
        free(st->sql);
        free(st);
    }
}

static int sq_exec_script(kj_db *db, const char *sql)
{
    return map_rc(sqlite3_exec(((sq_conn *)db)->db, sql, NULL, NULL, NULL));
}

static int sq_simple(kj_db *db, const char *sql)
{
    return map_rc(sqlite3_exec(((sq_conn *)db)->db, sql, NULL, NULL, NULL));
}

static int sq_begin(kj_db *db)
{
    int rc = sq_simple(db, "BEGIN IMMEDIATE");
    if (rc == 0) ((sq_conn *)db)->in_tx = 1;
    return rc;
}

static int sq_commit(kj_db *db)
{
    int rc = sq_simple(db, "COMMIT");
    if (rc == 0) ((sq_conn *)db)->in_tx = 0;
    return rc;
}

static int sq_rollback(kj_db *db)
{
    sq_conn *c = (sq_conn *)db;
    c->in_tx = 0;
    if (sqlite3_get_autocommit(c->db)) return 0;
    return sq_simple(db, "ROLLBACK");
}

/* A bulk load (each connection's page cache is large enough already):
 * no CHECK constraints, because SQLite builds a temporary b-tree for every
 * `CHECK (x IN (...))` on every INSERT (a tenth of an import's time) while
 * the caller has checked each value already; and no foreign-key lookups (a
 * dozen index searches a listing, 8% of an import) for rows the caller has
 * just written or looked up. foreign_keys is a no-op inside a transaction:
 * hence "outside one". */
static int sq_bulk(kj_db *db, bool on)
{
    return sq_simple(db, on ? "PRAGMA ignore_check_constraints = ON; PRAGMA foreign_keys = OFF"
                            : "PRAGMA ignore_check_constraints = OFF; PRAGMA foreign_keys = ON");
}

static int sq_checkpoint(kj_db *db)
{
    return map_rc(sqlite3_wal_checkpoint_v2(((sq_conn *)db)->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL));
}

static char *sq_defer_indexes(kj_db *db, const char *table)
{
    sqlite3 *h = ((sq_conn *)db)->db;
    sqlite3_stmt *st;
    /* sql IS NULL: the indexes of PRIMARY KEY and UNIQUE constraints. */
    if (sqlite3_prepare_v2(h, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 "
                              "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'", -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    char *script = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&script, &len);
    json_t *names = json_array();
    while (out && sqlite3_step(st) == SQLITE_ROW) {
        fprintf(out, "%s;\n", (const char *)sqlite3_column_text(st, 1));
        json_array_append_new(names, json_string((const char *)sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
    if (!out || fclose(out)) { free(script); json_decref(names); return NULL; }
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n) {
        char *drop = sqlite3_mprintf("DROP INDEX \"%w\"", json_string_value(n));
        int rc = drop ? sqlite3_exec(h, drop, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free(drop);
        if (rc != SQLITE_OK) { free(script); script = NULL; break; }
    }
    json_decref(names);
    return script;
}

/* Asked by SQLite every STOP_STEPS virtual-machine steps: non-zero ends
 * the statement (SQLITE_INTERRUPT). About a millisecond between asks. */
#define STOP_STEPS 10000
static int sq_stop_asked(void *flag) { return atomic_load((const atomic_bool *)flag) ? 1 : 0; }
static void sq_set_stop(kj_db *db, const atomic_bool *stop)
{
    sqlite3_progress_handler(((sq_conn *)db)->db, stop ? STOP_STEPS : 0, stop ? sq_stop_asked : NULL, (void *)stop);
}

static bool sq_in_transaction(kj_db *db) { return !sqlite3_get_autocommit(((sq_conn *)db)->db); }
static int64_t sq_changes(kj_db *db) { return sqlite3_changes64(((sq_conn *)db)->db); }
static const char *sq_errmsg(kj_db *db) { return sqlite3_errmsg(((sq_conn *)db)->db); }

/* ---- backup (kj_db_snapshot, store.h) ---- */

int kj_sqlite_file_check(const char *path, char *err, size_t errlen)
{
    sqlite3 *d = NULL;
    int rc = sqlite3_open_v2(path, &d, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(d, "PRAGMA integrity_check", -1, &st, NULL);
    int out = -1;
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && !strcmp(v, "ok")) out = 0;
        else snprintf(err, errlen, "integrity_check: %s", v ? v : "?");
    } else {
        snprintf(err, errlen, "%s: %s", path, d ? sqlite3_errmsg(d) : "cannot open");
    }
    sqlite3_finalize(st);
    sqlite3_close(d);
    return out;
}

int kj_sqlite_snapshot(kj_db *db, const char *path, char *err, size_t errlen)
{
    sq_conn *c = (sq_conn *)db;
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, dst ? sqlite3_errmsg(dst) : "cannot create");
        sqlite3_close(dst);
        return -1;
    }
    /* All pages in one step: one read transaction of the source, hence one
     * commit's state; in WAL mode writers are not held up meanwhile. A
     * BUSY (a writer checkpointing) is tried again a few times. */
    int rc = SQLITE_ERROR;
    for (int tries = 0; tries < 50; tries++) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->db, "main");
        if (!b) break;
        rc = sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        sqlite3_sleep(100);
    }
    if (rc != SQLITE_DONE) snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
    /* The copy stands alone: no write-ahead log beside it. */
    if (rc == SQLITE_DONE && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
        rc = SQLITE_ERROR;
    }
    sqlite3_close(dst);
    if (rc != SQLITE_DONE) return -1;
    return kj_sqlite_file_check(path, err, errlen);
}

const kj_store_backend kj_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open, .close = sq_close,
    .acquire = sq_acquire, .release = sq_release,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text, .bind_int = sq_bind_int,
    .bind_double = sq_bind_double, .bind_null = sq_bind_null,
    .step = sq_step,
    .column_count = sq_column_count, .column_name = sq_column_name,
    .column_type = sq_column_type, .column_int = sq_column_int,
    .column_double = sq_column_double, .column_text = sq_column_text,
    .finish = sq_finish,
    .exec_script = sq_exec_script,
    .begin = sq_begin, .commit = sq_commit, .rollback = sq_rollback,
    .bulk = sq_bulk, .checkpoint = sq_checkpoint, .in_transaction = sq_in_transaction,
    .set_stop = sq_set_stop,
    .defer_indexes = sq_defer_indexes,
    .changes = sq_changes, .errmsg = sq_errmsg,
};
