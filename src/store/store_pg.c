/*
 * store_pg.c — the PostgreSQL backend of the storage layer (libpq).
 *
 * Owns a fixed pool of libpq connections to one database, opened from a
 * libpq connection string or URI (postgresql://user@host:port/db?...).
 * Each connection keeps its prepared statements in a small hash table
 * keyed by the SQL text, as the SQLite backend does; a statement already
 * in use (nested use of the same SQL) gets a fresh, uncached one.
 *
 * The dialect differences this file takes care of — and the only ones: it
 * is not a SQL-rewriting engine. Domain SQL is written portably (see
 * /work notes: ON CONFLICT, COALESCE, lower() on both sides, times as
 * integers computed in C); what remains is handled at prepare time:
 *  - '?' placeholders become $1, $2, ... and SQLite's numbered ?NNN
 *    become $NNN (outside quoted text and comments).
 *  - A fixed table of SQLite function names becomes PostgreSQL's, only
 *    where the name is followed by '(' outside quoted text:
 *        json_object      → json_build_object
 *        json_array       → json_build_array
 *        json_group_array → json_agg    (NULL, not '[]', over no rows:
 *                                        write COALESCE(…, '[]') if it matters)
 *        group_concat     → string_agg  (the two-argument form only:
 *                                        group_concat(x, ',') runs on both)
 *        instr            → strpos      (the same: 1-based position, 0 if absent)
 *        max(a, b, …)     → greatest    (the scalar forms, told from the
 *        min(a, b, …)     → least        aggregates by their second argument;
 *                                        no NULL arguments: PostgreSQL skips
 *                                        them where SQLite answers NULL)
 *  - Parameter types: the statement is prepared when first stepped, with
 *    every parameter's type left to PostgreSQL's inference. Where it
 *    cannot infer one (json_build_object('k', $1), $1 IS NULL, SELECT $1)
 *    it names the parameter ("could not determine data type of parameter
 *    $n"); that parameter then gets the type of the value bound to it
 *    (bigint, double precision or text; NULL as text) and the statement
 *    is prepared again. Where PostgreSQL infers text for a value that goes
 *    into a typed column (INSERT … SELECT DISTINCT ?, …: "column is of
 *    type bigint but expression is of type text"), every parameter gets
 *    its value's type, once. A parameter inferred as integer (32 bits:
 *    next to a literal, COALESCE(?, 0)) is made bigint, unless a function
 *    then has no such signature (substr(t, 1, ?)). All values travel
 *    as text, so a bigint bound where
 *    PostgreSQL inferred text (or the reverse, for a digit string) works.
 *  - Results: booleans (x IS NOT NULL AS flag) read as integers 0/1, as
 *    SQLite gives them; numeric (sum() of bigint) reads as an integer when
 *    it has no fraction, as SQLite's sum() does.
 *
 * Errors: SQLSTATE class 23 (unique, foreign-key, check, not-null
 * violation) → KJ_DB_CONSTRAINT; serialization failure, deadlock, lock
 * not available → KJ_DB_BUSY; everything else → KJ_DB_ERROR.
 *
 * Transactions keep store.h's semantics:
 *  - kj_db_begin takes the write lock at once, as SQLite's BEGIN
 *    IMMEDIATE does: BEGIN plus a transaction-scoped advisory lock that
 *    every writing transaction of every node takes. Write transactions
 *    are thus serialized (a check that decides a write, inside the
 *    write's transaction, sees no concurrent writer: no check-then-act
 *    race under READ COMMITTED); reads and single statements outside a
 *    transaction run concurrently.
 *  - A constraint violation inside a transaction is reported to the
 *    caller, who may handle it and go on, as with SQLite (where only the
 *    statement is undone). PostgreSQL would abort the whole transaction,
 *    so each writing statement inside a transaction runs under a
 *    savepoint, rolled back to when it fails. The savepoint goes in the
 *    same round trip as the statement (libpq's pipeline mode): a round
 *    trip of its own halved the rate of writes (an import of listings,
 *    six writes each, ran at 193 listings/s under load).
 *  - Any other failure aborts the transaction (store.c refuses to commit
 *    it, too); a COMMIT that PostgreSQL answers with ROLLBACK is an error.
 *
 * Bulk mode (kj_db_bulk, an import): an INSERT inside a transaction is
 * sent in pipeline mode and its result is read later, with up to
 * DEFER_MAX others, before any other statement, and at the commit: an
 * import wrote six rows per listing, each a round trip. Such an INSERT
 * reports one row changed; a failure of any of them is reported by the
 * statement that reads the results (as KJ_DB_ERROR, so the store refuses
 * the commit) and by the commit. Bulk mode is for loads that check their
 * rows before writing them, whose callers test a write only for failure.
 * Checkpoints and deferred indexes are SQLite optimizations: no-ops here.
 *
 * Locking: the pool's free list is guarded by a mutex and condition
 * variable; a borrowed connection is used by one thread only.
 */
#include "store/store.h"
#include "store/store_pg_nodes.h"
#include <ctype.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STMT_CACHE 256      /* slots per connection (power of two) */
#define MAX_PARAMS 1000

/* Type OIDs (pg_type.h is a server header: the stable numbers). */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/* The advisory lock every write transaction takes (see above): any fixed
 * number; "kejiyun" in ASCII. */
#define WRITE_LOCK "6b656a6979756e"

struct kj_stmt {
    struct pg_conn *conn;
    char *sql;             /* owned: the caller's text, the cache key */
    char *pgsql;           /* owned: rewritten ($n, function names) */
    char name[24];         /* server-side prepared statement, "" until prepared */
    int nparams;
    Oid *types;            /* per parameter; 0 = inferred */
    char **values;         /* bound values as text (owned), NULL = SQL NULL */
    int *lengths;
    Oid *bound;            /* the type of what is bound (for a retry) */
    bool is_write;         /* not a SELECT: runs under a savepoint in a transaction */
    PGresult *res;
    int row, nrows;
    bool executed;
    int in_use, cached;
};

typedef struct pg_conn {
    struct kj_db_header hdr;  /* must come first: kj_db_store() reads it */
    PGconn *pg;
    struct kj_stmt *cache[STMT_CACHE];
    unsigned next_name;
    bool savepoint;           /* kj_sp is set in the open transaction */
    bool bulk;                /* kj_db_bulk: INSERTs in a transaction are deferred */
    int deferred;             /* INSERTs sent in pipeline mode, results not read yet */
    int64_t changes;
    char errmsg[512];
    struct pg_conn *next_free;
} pg_conn;

typedef struct {
    pg_conn *conns;
    int n;
    pg_conn *free_list;
    pthread_mutex_t lock;
    pthread_cond_t avail;
} pg_pool;

static void set_err(pg_conn *c, const char *msg)
{
    snprintf(c->errmsg, sizeof c->errmsg, "%s", msg ? msg : "?");
    size_t n = strlen(c->errmsg);
    while (n && (c->errmsg[n - 1] == '\n' || c->errmsg[n - 1] == ' ')) c->errmsg[--n] = 0;
}

/* The KJ_DB_ code of a failed result (recording its message). */
static int map_error(pg_conn *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    set_err(c, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
    if (!state) return KJ_DB_ERROR;
    if (!strncmp(state, "23", 2)) return KJ_DB_CONSTRAINT;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")) return KJ_DB_BUSY;
    return KJ_DB_ERROR;
}

/* Runs SQL without parameters; 0 or a KJ_DB_ error. */
#define DEFER_MAX 256   /* deferred INSERTs whose results fit the sockets' buffers */

/* Reads the results of the deferred INSERTs (bulk mode) and leaves
 * pipeline mode. 0, or KJ_DB_ERROR with the first failure's message. */
static int flush_deferred(pg_conn *c)
{
    if (!c->deferred) return 0;
    int rc = 0;
    if (!PQpipelineSync(c->pg)) {
        set_err(c, PQerrorMessage(c->pg));
        rc = KJ_DB_ERROR;
    }
    for (int i = 0; rc == 0 && i < c->deferred; i++) {
        PGresult *r;
        while ((r = PQgetResult(c->pg))) {
            ExecStatusType s = PQresultStatus(r);
            if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && rc == 0) {
                (void)map_error(c, r);
                rc = KJ_DB_ERROR;     /* whatever the kind: the transaction is lost */
            }
            PQclear(r);
        }
    }
    for (int empty = 0; empty < 2;) {          /* up to the sync; two NULLs in a row: the connection is gone */
        PGresult *r = PQgetResult(c->pg);
        if (!r) { empty++; continue; }
        empty = 0;
        bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) break;
    }
    c->deferred = 0;
    if (!PQexitPipelineMode(c->pg) && rc == 0) {
        set_err(c, PQerrorMessage(c->pg));
        rc = KJ_DB_ERROR;
    }
    return rc;
}

static int simple(pg_conn *c, const char *sql)
{
    if (flush_deferred(c) != 0) return KJ_DB_ERROR;
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : map_error(c, r);
    PQclear(r);
    return rc;
}

static void notice_quiet(void *arg, const char *msg) { (void)arg; (void)msg; }

static int open_conn(kj_store *s, pg_conn *c, const char *uri, char *err, size_t errlen)
{
    c->hdr.store = s;
    c->pg = PQconnectdb(uri);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
        size_t n = strlen(err);
        while (n && err[n - 1] == '\n') err[--n] = 0;
        return -1;
    }
    /* Notices ("relation already exists, skipping") are not errors. */
    PQsetNoticeProcessor(c->pg, notice_quiet, NULL);
    /* Text values in UTF-8 whatever the server's default; times are
     * integers computed in C, so the session time zone does not matter. */
    if (PQsetClientEncoding(c->pg, "UTF8") != 0 ||
        simple(c, "SET standard_conforming_strings = on; SET client_min_messages = warning") != 0) {
        snprintf(err, errlen, "cannot configure the PostgreSQL connection: %s", c->errmsg);
        return -1;
    }
    if (s->hook && s->hook(c->pg, s->hook_ctx) != 0) {
        snprintf(err, errlen, "cannot initialise the PostgreSQL connection");
        return -1;
    }
    return 0;
}

static void free_stmt(kj_stmt *st)
{
    if (!st) return;
    PQclear(st->res);
    for (int i = 0; i < st->nparams; i++) free(st->values[i]);
    free(st->values);
    free(st->lengths);
    free(st->types);
    free(st->bound);
    free(st->sql);
    free(st->pgsql);
    free(st);
}

static void deallocate(kj_stmt *st)
{
    if (!st->name[0] || !st->conn->pg) return;
    char sql[64];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
    (void)simple(st->conn, sql);
    st->name[0] = 0;
}

static void close_conn(pg_conn *c)
{
    for (int i = 0; i < STMT_CACHE; i++) free_stmt(c->cache[i]);
    if (c->pg) PQfinish(c->pg);
    c->pg = NULL;
}

static void pg_close(kj_store *s);

static int pg_open(kj_store *s, const char *uri, int pool_size, char *err, size_t errlen)
{
    if (!PQisthreadsafe()) { snprintf(err, errlen, "libpq built without thread support"); return -1; }
    pg_pool *p = calloc(1, sizeof *p);
    if (!p) { snprintf(err, errlen, "out of memory"); return -1; }
    p->n = pool_size < 1 ? 1 : pool_size;
    p->conns = calloc((size_t)p->n, sizeof *p->conns);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->avail, NULL);
    s->impl = p;
    for (int i = 0; i < p->n; i++) {
        if (open_conn(s, &p->conns[i], uri, err, errlen) != 0) {
            for (int j = 0; j <= i; j++) close_conn(&p->conns[j]);
            pthread_mutex_destroy(&p->lock);
            pthread_cond_destroy(&p->avail);
            free(p->conns);
            free(p);
            s->impl = NULL;
            return -1;
        }
        p->conns[i].next_free = p->free_list;
        p->free_list = &p->conns[i];
    }
    /* Several nodes (store_pg_nodes.c): connections of their own, opened
     * when first needed. */
    s->nodes = kj_pg_nodes_new(s, uri);
    if (!s->nodes) { pg_close(s); snprintf(err, errlen, "out of memory"); return -1; }
    return 0;
}

static void pg_close(kj_store *s)
{
    kj_pg_nodes_free(s->nodes);
    s->nodes = NULL;
    pg_pool *p = s->impl;
    if (!p) return;
    for (int i = 0; i < p->n; i++) close_conn(&p->conns[i]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->avail);
    free(p->conns);
    free(p);
}

static kj_db *pg_acquire(kj_store *s)
{
    pg_pool *p = s->impl;
    pthread_mutex_lock(&p->lock);
    while (!p->free_list) pthread_cond_wait(&p->avail, &p->lock);
    pg_conn *c = p->free_list;
    p->free_list = c->next_free;
    pthread_mutex_unlock(&p->lock);
    /* A connection the server dropped (restart, failover) is opened
     * again; its prepared statements went with it. */
    if (PQstatus(c->pg) != CONNECTION_OK) {
        PQreset(c->pg);
        for (int i = 0; i < STMT_CACHE; i++) if (c->cache[i]) c->cache[i]->name[0] = 0;
        if (PQstatus(c->pg) == CONNECTION_OK) {
            PQsetNoticeProcessor(c->pg, notice_quiet, NULL);
            if (simple(c, "SET standard_conforming_strings = on; SET client_min_messages = warning") != 0) {}
        }
    }
    return (kj_db *)c;
}

static int pg_rollback(kj_db *db);

static void pg_release(kj_store *s, kj_db *db)
{
    pg_pool *p = s->impl;
    pg_conn *c = (pg_conn *)db;
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) pg_rollback(db);
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

/* The fixed table of SQLite function names and their PostgreSQL names. */
static const struct { const char *from, *to; } fn_names[] = {
    { "json_group_array", "json_agg" },
    { "json_object", "json_build_object" },
    { "json_array", "json_build_array" },
    { "group_concat", "string_agg" },
    { "instr", "strpos" },
};

static bool ident_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

/* Whether the parenthesized list opening at sql[open] has a comma at its
 * own level (max(a, b) rather than the aggregate max(a)). */
static bool several_args(const char *sql, size_t open)
{
    int depth = 0;
    for (size_t i = open; sql[i]; i++) {
        char ch = sql[i];
        if (ch == '\'' || ch == '"') {
            for (i++; sql[i] && sql[i] != ch; i++) {}
            if (!sql[i]) return false;
        } else if (ch == '(') depth++;
        else if (ch == ')') { if (--depth == 0) return false; }
        else if (ch == ',' && depth == 1) return true;
    }
    return false;
}

/* The SQL with $n placeholders and PostgreSQL function names (see the
 * header); *nparams gets the number of placeholders. malloc'd. */
static char *rewrite(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 2 + 64);
    size_t o = 0, cap = n * 2 + 64;
    int np = 0;
    for (size_t i = 0; i < n;) {
        char ch = sql[i];
        if (o + 32 > cap) { cap *= 2; out = realloc(out, cap); }
        if (ch == '\'' || ch == '"') {          /* quoted text or identifier: copied as is */
            size_t j = i + 1;
            while (j < n && !(sql[j] == ch && (j + 1 >= n || sql[j + 1] != ch))) j += (sql[j] == ch) ? 2 : 1;
            size_t len = (j < n ? j + 1 : n) - i;
            while (o + len + 32 > cap) { cap *= 2; out = realloc(out, cap); }
            memcpy(out + o, sql + i, len);
            o += len;
            i += len;
            continue;
        }
        if (ch == '-' && i + 1 < n && sql[i + 1] == '-') {   /* comment to the end of the line */
            while (i < n && sql[i] != '\n') out[o++] = sql[i++];
            continue;
        }
        if (ch == '?') {            /* ?NNN as SQLite numbers it; ? is one past the largest so far */
            i++;
            int num = 0;
            while (i < n && isdigit((unsigned char)sql[i]) && num < 100000) num = num * 10 + (sql[i++] - '0');
            if (!num) num = np + 1;
            if (num > np) np = num;
            o += (size_t)snprintf(out + o, cap - o, "$%d", num);
            continue;
        }
        if (ident_char(ch) && (i == 0 || !ident_char(sql[i - 1]))) {
            size_t j = i;
            while (j < n && ident_char(sql[j])) j++;
            size_t k = j;
            while (k < n && (sql[k] == ' ' || sql[k] == '\n' || sql[k] == '\t')) k++;
            const char *to = NULL;
            if (k < n && sql[k] == '(' && (i == 0 || sql[i - 1] != '.')) {
                for (size_t f = 0; f < sizeof fn_names / sizeof *fn_names; f++)
                    if (strlen(fn_names[f].from) == j - i && !strncasecmp(sql + i, fn_names[f].from, j - i)) to = fn_names[f].to;
                if (j - i == 3 && (!strncasecmp(sql + i, "max", 3) || !strncasecmp(sql + i, "min", 3)) && several_args(sql, k))
                    to = tolower((unsigned char)sql[i + 1]) == 'a' ? "greatest" : "least";
            }
            size_t len = to ? strlen(to) : j - i;
            while (o + len + 32 > cap) { cap *= 2; out = realloc(out, cap); }
            memcpy(out + o, to ? to : sql + i, len);
            o += len;
            i = j;
            continue;
        }
        out[o++] = ch;
        i++;
    }
    out[o] = 0;
    *nparams = np;
    return out;
}

static bool starts_with_word(const char *sql, const char *word)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(') sql++;
    size_t n = strlen(word);
    return !strncasecmp(sql, word, n) && !ident_char(sql[n]);
}

static kj_stmt *new_stmt(pg_conn *c, const char *sql)
{
    kj_stmt *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->conn = c;
    st->sql = strdup(sql);
    st->pgsql = rewrite(sql, &st->nparams);
    if (st->nparams > MAX_PARAMS) {
        set_err(c, "too many parameters");
        free_stmt(st);
        return NULL;
    }
    int np = st->nparams ? st->nparams : 1;
    st->types = calloc((size_t)np, sizeof *st->types);
    st->bound = calloc((size_t)np, sizeof *st->bound);
    st->values = calloc((size_t)np, sizeof *st->values);
    st->lengths = calloc((size_t)np, sizeof *st->lengths);
    st->is_write = !starts_with_word(sql, "SELECT");
    return st;
}

static kj_stmt *pg_prepare(kj_db *db, const char *sql)
{
    pg_conn *c = (pg_conn *)db;
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

static int bind_value(kj_stmt *st, int i, char *v, int len, Oid type)
{
    if (i < 1 || i > st->nparams) {
        free(v);
        set_err(st->conn, "bind index out of range");
        return KJ_DB_ERROR;
    }
    free(st->values[i - 1]);
    st->values[i - 1] = v;
    st->lengths[i - 1] = len;
    st->bound[i - 1] = type;
    return KJ_DB_OK;
}

static int pg_bind_text(kj_stmt *st, int i, const char *s, size_t n)
{
    char *v = malloc(n + 1);
    if (!v) return KJ_DB_ERROR;
    memcpy(v, s, n);
    v[n] = 0;
    return bind_value(st, i, v, (int)n, OID_TEXT);
}

static int pg_bind_int(kj_stmt *st, int i, int64_t x)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)x);
    return bind_value(st, i, strdup(buf), n, OID_INT8);
}

static int pg_bind_double(kj_stmt *st, int i, double x)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", x);
    return bind_value(st, i, strdup(buf), n, OID_FLOAT8);
}

static int pg_bind_null(kj_stmt *st, int i) { return bind_value(st, i, NULL, 0, 0); }

/* Whether PostgreSQL inferred a 16- or 32-bit integer for a parameter
 * (next to a literal: COALESCE(?, 0), ? + 1): such parameters are set to
 * bigint, the type of every integer kejiyun binds (times in ms overflow
 * 32 bits). Asks the server for the statement's parameter types. */
static bool narrow_ints(kj_stmt *st, bool *widened)
{
    if (!st->nparams) return false;
    PGresult *d = PQdescribePrepared(st->conn->pg, st->name);
    bool narrow = false;
    if (PQresultStatus(d) == PGRES_COMMAND_OK)
        for (int i = 0; i < st->nparams && i < PQnparams(d); i++) {
            Oid t = PQparamtype(d, i);
            if (t == OID_INT2 || t == OID_INT4) { st->types[i] = OID_INT8; widened[i] = narrow = true; }
        }
    PQclear(d);
    return narrow;
}

/* Prepares st on the server, naming the types of the parameters
 * PostgreSQL cannot infer (see the header). 0 or a KJ_DB_ error. */
static int server_prepare(kj_stmt *st)
{
    pg_conn *c = st->conn;
    /* A failed PREPARE inside a transaction would abort it: under a
     * savepoint, a retry (or a statement that does not compile, which the
     * caller is told about) leaves the transaction as it was. Only on a
     * connection's first use of each SQL text. */
    bool in_tx = PQtransactionStatus(c->pg) == PQTRANS_INTRANS;
    if (in_tx && simple(c, "SAVEPOINT kj_prep") != 0) return KJ_DB_ERROR;
    int rc = KJ_DB_ERROR;
    bool all_bound = false, retry = false, narrowed = false;
    bool *widened = calloc((size_t)(st->nparams ? st->nparams : 1), sizeof *widened);
    set_err(c, "cannot determine the parameters' types");
    for (int attempt = 0; attempt < 2 * st->nparams + 3; attempt++) {
        snprintf(st->name, sizeof st->name, "kj%u", ++c->next_name);
        PGresult *r = PQprepare(c->pg, st->name, st->pgsql, st->nparams, st->types);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            rc = 0;
            if (!narrowed && narrow_ints(st, widened)) {    /* prepared again with bigint for those */
                narrowed = true;
                deallocate(st);
                retry = true;
                rc = KJ_DB_ERROR;
                continue;
            }
            break;
        }
        st->name[0] = 0;
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorMessage(r);
        const char *at = msg ? strstr(msg, "parameter $") : NULL;
        int p = at ? atoi(at + 11) : 0;
        retry = state && !strcmp(state, "42P18") && p >= 1 && p <= st->nparams && !st->types[p - 1];
        if (retry) st->types[p - 1] = st->bound[p - 1] ? st->bound[p - 1] : OID_TEXT;
        else if (state && !strcmp(state, "42883") && narrowed) {
            /* A function that takes only an integer (substr(t, 1, ?)):
             * those parameters stay as PostgreSQL inferred them. */
            for (int i = 0; i < st->nparams; i++) if (widened[i]) { st->types[i] = OID_INT4; widened[i] = false; retry = true; }
            if (!retry) rc = map_error(c, r);
        } else if (state && !strcmp(state, "42804") && !all_bound) {
            /* Inferred as text where the value goes into a typed column
             * (INSERT … SELECT DISTINCT ?, …): every parameter gets the
             * type of its value instead. */
            for (int i = 0; i < st->nparams; i++) if (st->bound[i]) st->types[i] = st->bound[i];
            all_bound = retry = true;
        } else rc = map_error(c, r);
        PQclear(r);
        if (in_tx && simple(c, "ROLLBACK TO SAVEPOINT kj_prep") != 0) { rc = KJ_DB_ERROR; break; }
        if (!retry) break;
    }
    if (in_tx && PQtransactionStatus(c->pg) == PQTRANS_INTRANS) {
        char keep[sizeof c->errmsg];
        memcpy(keep, c->errmsg, sizeof keep);
        if (simple(c, "RELEASE SAVEPOINT kj_prep") != 0) rc = KJ_DB_ERROR;
        else if (rc != 0) memcpy(c->errmsg, keep, sizeof keep);
    }
    if (rc != 0) st->name[0] = 0;
    free(widened);
    return rc;
}

/* Runs the prepared st under a fresh savepoint kj_sp (the previous one
 * released), all in one round trip: libpq's pipeline mode sends the
 * savepoint commands, the statement and a sync at once. Sets st->res to
 * the statement's result (PGRES_PIPELINE_ABORTED when a savepoint command
 * failed: 0 is not returned then). 0, or a KJ_DB_ error with c->errmsg. */
static int exec_with_savepoint(pg_conn *c, kj_stmt *st)
{
    if (!PQenterPipelineMode(c->pg)) {          /* not idle: the plain way, two round trips */
        int rc = simple(c, c->savepoint ? "RELEASE SAVEPOINT kj_sp; SAVEPOINT kj_sp" : "SAVEPOINT kj_sp");
        if (rc != 0) return rc;
        c->savepoint = true;
        st->res = PQexecPrepared(c->pg, st->name, st->nparams, (const char *const *)st->values, st->lengths, NULL, 0);
        return 0;
    }
    int n = 0;
    bool sent = true;
    if (c->savepoint) {
        sent = PQsendQueryParams(c->pg, "RELEASE SAVEPOINT kj_sp", 0, NULL, NULL, NULL, NULL, 0);
        n++;
    }
    sent = sent && PQsendQueryParams(c->pg, "SAVEPOINT kj_sp", 0, NULL, NULL, NULL, NULL, 0);
    n++;
    sent = sent && PQsendQueryPrepared(c->pg, st->name, st->nparams, (const char *const *)st->values, st->lengths, NULL, 0);
    n++;
    sent = sent && PQpipelineSync(c->pg);
    int rc = 0;
    if (!sent) {
        set_err(c, PQerrorMessage(c->pg));
        rc = KJ_DB_ERROR;
    }
    /* Each command's results end with a NULL, then comes the sync's. */
    for (int i = 0; sent && i < n; i++) {
        PGresult *r;
        while ((r = PQgetResult(c->pg))) {
            if (i == n - 1 && !st->res) { st->res = r; continue; }
            if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) rc = map_error(c, r);
            PQclear(r);
        }
    }
    for (int empty = 0; sent && empty < 2;) {      /* two NULLs in a row: the connection is gone */
        PGresult *r = PQgetResult(c->pg);
        if (!r) { empty++; continue; }
        empty = 0;
        bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) break;
    }
    if (!PQexitPipelineMode(c->pg) && rc == 0) {
        set_err(c, PQerrorMessage(c->pg));
        rc = KJ_DB_ERROR;
    }
    /* kj_sp stands when its SAVEPOINT ran; on a failure the transaction is
     * aborted anyway, and the caller's rollback to it says so. */
    if (rc == 0) c->savepoint = true;
    return rc;
}

static int pg_step(kj_stmt *st)
{
    pg_conn *c = st->conn;
    if (st->executed) {
        if (++st->row < st->nrows) return KJ_DB_ROW;
        return KJ_DB_DONE;
    }
    st->executed = true;
    c->changes = 0;
    int rc;
    if (c->bulk && st->name[0] && st->is_write && starts_with_word(st->sql, "INSERT") &&
        (c->deferred || PQtransactionStatus(c->pg) == PQTRANS_INTRANS)) {
        /* Bulk mode: sent now, its result read with the others (see the top). */
        if (!c->deferred && !PQenterPipelineMode(c->pg)) { set_err(c, PQerrorMessage(c->pg)); return KJ_DB_ERROR; }
        PQclear(st->res);
        st->res = NULL;
        st->nrows = 0;
        if (!PQsendQueryPrepared(c->pg, st->name, st->nparams, (const char *const *)st->values, st->lengths, NULL, 0)) {
            set_err(c, PQerrorMessage(c->pg));
            (void)flush_deferred(c);
            return KJ_DB_ERROR;
        }
        c->deferred++;
        c->changes = 1;
        if (c->deferred >= DEFER_MAX && flush_deferred(c) != 0) return KJ_DB_ERROR;
        return KJ_DB_DONE;
    }
    if ((rc = flush_deferred(c)) != 0) return rc;
    if (!st->name[0] && (rc = server_prepare(st)) != 0) return rc;
    bool in_tx = PQtransactionStatus(c->pg) == PQTRANS_INTRANS;
    PQclear(st->res);
    st->res = NULL;
    if (st->is_write && in_tx) {
        rc = exec_with_savepoint(c, st);
        if (rc != 0) {
            PQclear(st->res);
            st->res = NULL;
            return rc;
        }
    } else {
        st->res = PQexecPrepared(c->pg, st->name, st->nparams, (const char *const *)st->values, st->lengths, NULL, 0);
    }
    ExecStatusType s = PQresultStatus(st->res);
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
        const char *t = PQcmdTuples(st->res);
        c->changes = (t && *t) ? strtoll(t, NULL, 10) : 0;
        st->nrows = s == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
        st->row = 0;
        return st->nrows > 0 ? KJ_DB_ROW : KJ_DB_DONE;
    }
    rc = map_error(c, st->res);
    const char *state = PQresultErrorField(st->res, PG_DIAG_SQLSTATE);
    /* The prepared statement is gone (a schema change, a reset): prepare
     * it again next time. */
    if (state && (!strcmp(state, "26000") || !strcmp(state, "0A000"))) st->name[0] = 0;
    /* Only the statement is undone, as in SQLite: a constraint violation
     * leaves the transaction to its caller; any other failure is recorded
     * by store.c, which refuses to commit (unless the write was optional,
     * kj_db_exec_optional, whose loss the transaction survives). */
    if (st->is_write && in_tx && c->savepoint) {
        char keep[sizeof c->errmsg];
        memcpy(keep, c->errmsg, sizeof keep);
        if (simple(c, "ROLLBACK TO SAVEPOINT kj_sp") != 0) rc = KJ_DB_ERROR;   /* the transaction is lost */
        else memcpy(c->errmsg, keep, sizeof keep);
    }
    st->nrows = 0;
    return rc;
}

static int pg_column_count(kj_stmt *st) { return st->res ? PQnfields(st->res) : 0; }
static const char *pg_column_name(kj_stmt *st, int col) { return PQfname(st->res, col); }

static bool has_row(kj_stmt *st, int col)
{
    return st->res && st->row < st->nrows && col >= 0 && col < PQnfields(st->res);
}

static int pg_column_type(kj_stmt *st, int col)
{
    if (!has_row(st, col) || PQgetisnull(st->res, st->row, col)) return KJ_COL_NULL;
    switch (PQftype(st->res, col)) {
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: return KJ_COL_INT;
    case OID_FLOAT4: case OID_FLOAT8: return KJ_COL_REAL;
    case OID_NUMERIC: {
        const char *v = PQgetvalue(st->res, st->row, col);
        return strpbrk(v, ".eEN") ? KJ_COL_REAL : KJ_COL_INT;
    }
    default: return KJ_COL_TEXT;
    }
}

static int64_t pg_column_int(kj_stmt *st, int col)
{
    if (!has_row(st, col) || PQgetisnull(st->res, st->row, col)) return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == OID_BOOL) return *v == 't';
    if (strpbrk(v, ".eE")) return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

static double pg_column_double(kj_stmt *st, int col)
{
    if (!has_row(st, col) || PQgetisnull(st->res, st->row, col)) return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == OID_BOOL) return *v == 't';
    return strtod(v, NULL);
}

static const char *pg_column_text(kj_stmt *st, int col, size_t *len)
{
    if (!has_row(st, col) || PQgetisnull(st->res, st->row, col)) { *len = 0; return ""; }
    if (PQftype(st->res, col) == OID_BOOL) {
        *len = 1;
        return *PQgetvalue(st->res, st->row, col) == 't' ? "1" : "0";
    }
    *len = (size_t)PQgetlength(st->res, st->row, col);
    return PQgetvalue(st->res, st->row, col);
}

static void pg_finish(kj_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->executed = false;
    st->row = st->nrows = 0;
    for (int i = 0; i < st->nparams; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
        st->lengths[i] = 0;
        st->bound[i] = 0;
    }
    st->in_use = 0;
    if (!st->cached) {
        deallocate(st);
        free_stmt(st);
    }
}

static int pg_exec_script(kj_db *db, const char *sql)
{
    pg_conn *c = (pg_conn *)db;
    int rc = simple(c, sql);
    c->changes = 0;
    return rc;
}

static int pg_begin(kj_db *db)
{
    pg_conn *c = (pg_conn *)db;
    c->savepoint = false;
    int rc = simple(c, "BEGIN; SELECT pg_advisory_xact_lock(x'" WRITE_LOCK "'::bigint)");
    if (rc != 0 && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        char keep[sizeof c->errmsg];
        memcpy(keep, c->errmsg, sizeof keep);
        if (simple(c, "ROLLBACK") != 0) {}
        memcpy(c->errmsg, keep, sizeof keep);
    }
    return rc;
}

static int pg_commit(kj_db *db)
{
    pg_conn *c = (pg_conn *)db;
    c->savepoint = false;
    if (flush_deferred(c) != 0) return KJ_DB_ERROR;     /* the caller rolls back */
    PGresult *r = PQexec(c->pg, "COMMIT");
    int rc;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) rc = map_error(c, r);
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        /* An aborted transaction "commits" as a rollback. */
        set_err(c, "the transaction was aborted by an earlier error and has been rolled back");
        rc = KJ_DB_ERROR;
    } else rc = 0;
    PQclear(r);
    return rc;
}

static int pg_rollback(kj_db *db)
{
    pg_conn *c = (pg_conn *)db;
    c->savepoint = false;
    char keep[sizeof c->errmsg];
    memcpy(keep, c->errmsg, sizeof keep);
    (void)flush_deferred(c);                             /* their failures no longer matter */
    memcpy(c->errmsg, keep, sizeof keep);
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) return 0;
    int rc = simple(c, "ROLLBACK");
    memcpy(c->errmsg, keep, sizeof keep);   /* the error that led here is the one to report */
    return rc;
}

static int pg_bulk(kj_db *db, bool on)
{
    pg_conn *c = (pg_conn *)db;
    int rc = on ? 0 : flush_deferred(c);
    c->bulk = on;
    return rc;
}

static bool pg_in_transaction(kj_db *db)
{
    if (((pg_conn *)db)->deferred) return true;
    PGTransactionStatusType t = PQtransactionStatus(((pg_conn *)db)->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int64_t pg_changes(kj_db *db) { return ((pg_conn *)db)->changes; }
static const char *pg_errmsg(kj_db *db) { return ((pg_conn *)db)->errmsg; }

const kj_store_backend kj_pg_backend = {
    .name = "postgresql",
    .open = pg_open, .close = pg_close,
    .acquire = pg_acquire, .release = pg_release,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text, .bind_int = pg_bind_int,
    .bind_double = pg_bind_double, .bind_null = pg_bind_null,
    .step = pg_step,
    .column_count = pg_column_count, .column_name = pg_column_name,
    .column_type = pg_column_type, .column_int = pg_column_int,
    .column_double = pg_column_double, .column_text = pg_column_text,
    .finish = pg_finish,
    .exec_script = pg_exec_script,
    .begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback,
    .bulk = pg_bulk, .checkpoint = NULL, .in_transaction = pg_in_transaction,
    .defer_indexes = NULL,
    .changes = pg_changes, .errmsg = pg_errmsg,
    .notify = kj_pg_notify, .listen = kj_pg_listen, .leader = kj_pg_leader,
};
