/*
 * store.c — backend-independent half of the storage layer: opening,
 * binding by type string, rows as JSON, and migrations (see store.h).
 */
#include "store/store.h"
#include "core/json_text.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BE(db) (kj_db_store(db)->be)

kj_store *kj_db_store(kj_db *db) { return ((struct kj_db_header *)db)->store; }

kj_store *kj_store_open(const kj_store_backend *be, const char *uri, int pool_size,
                        kj_conn_hook hook, void *hook_ctx, char *err, size_t errlen)
{
    kj_store *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, errlen, "out of memory"); return NULL; }
    static uint64_t opened;   /* atomic add */
    s->serial = __atomic_add_fetch(&opened, 1, __ATOMIC_RELAXED);
    s->be = be;
    s->hook = hook;
    s->hook_ctx = hook_ctx;
    pthread_mutex_init(&s->fault_lock, NULL);
    pthread_mutex_init(&s->meta_lock, NULL);
    pthread_mutex_init(&s->listen_lock, NULL);
    pthread_mutex_init(&s->leader_lock, NULL);
    snprintf(s->node_id, sizeof s->node_id, "%s", kj_id_new().s);
    if (be->open(s, uri, pool_size, err, errlen) != 0) {
        pthread_mutex_destroy(&s->fault_lock);
        pthread_mutex_destroy(&s->meta_lock);
        pthread_mutex_destroy(&s->listen_lock);
        pthread_mutex_destroy(&s->leader_lock);
        free(s);
        return NULL;
    }
    /* Other nodes' writes move this node's generation (store.h). */
    if (be->listen && be->listen(s, KJ_CHANNEL_WRITES) != 0) {
        snprintf(err, errlen, "cannot listen for other nodes' writes");
        kj_store_close(s);
        return NULL;
    }
    return s;
}

void kj_store_close(kj_store *s)
{
    if (!s) return;
    s->be->close(s);
    for (int i = 0; i < KJ_STORE_EXT_COUNT; i++)
        if (s->ext[i] && s->ext_destroy[i]) s->ext_destroy[i](s->ext[i]);
    pthread_mutex_destroy(&s->fault_lock);
    pthread_mutex_destroy(&s->meta_lock);
    pthread_mutex_destroy(&s->listen_lock);
    pthread_mutex_destroy(&s->leader_lock);
    free(s);
}

const char *kj_store_instance_id(kj_db *db)
{
    kj_store *s = kj_db_store(db);
    pthread_mutex_lock(&s->meta_lock);
    if (!*s->instance_id) {
        char *v = kj_db_text(db, "SELECT value FROM meta WHERE key = 'instance_id'", "");
        if (!v) {
            kj_id id = kj_id_new();
            if (kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('instance_id', ?) ON CONFLICT(key) DO NOTHING", "s", id.s) < 0)
                kj_log_error("cannot record this instance's id: %s", kj_db_errmsg(db));
            v = kj_db_text(db, "SELECT value FROM meta WHERE key = 'instance_id'", "");
        }
        snprintf(s->instance_id, sizeof s->instance_id, "%s", v ? v : "LOCAL");
        free(v);
    }
    pthread_mutex_unlock(&s->meta_lock);
    return s->instance_id;
}

void *kj_store_ext(kj_store *s, int slot, void *(*make)(void *arg), void *arg, void (*destroy)(void *))
{
    if (slot < 0 || slot >= KJ_STORE_EXT_COUNT) return NULL;
    void *v = __atomic_load_n(&s->ext[slot], __ATOMIC_ACQUIRE);
    if (v || !make) return v;
    pthread_mutex_lock(&s->meta_lock);
    v = __atomic_load_n(&s->ext[slot], __ATOMIC_ACQUIRE);
    if (!v && (v = make(arg))) {
        s->ext_destroy[slot] = destroy;
        __atomic_store_n(&s->ext[slot], v, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&s->meta_lock);
    return v;
}

const kj_store_backend *kj_store_backend_for(const char *url, const char **location)
{
    if (!strncmp(url, "sqlite:", 7) && url[7]) { *location = url + 7; return &kj_sqlite_backend; }
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) { *location = url; return &kj_pg_backend; }
    return NULL;
}

static struct kj_db_header *H(kj_db *db) { return (struct kj_db_header *)db; }

kj_db *kj_store_acquire(kj_store *s)
{
    kj_db *db = s->be->acquire(s);
    struct kj_db_header *h = H(db);
    h->failures = 0;
    h->tx_failed = false;
    h->fault_commits = h->fault_reads = 0;
    h->statements = h->statement_us = 0;
    h->npending = 0;
    h->tx_wrote = false;
    return db;
}
void kj_store_release(kj_store *s, kj_db *db)
{
    if (!db) return;
    /* The backend rolls an open transaction back: its pair must know. */
    if (s->tx_end && s->be->in_transaction(db)) s->tx_end(s->tx_end_ctx, db, false);
    s->be->release(s, db);
}
void **kj_db_pair_slot(kj_db *db) { return &H(db)->pair; }
void kj_store_on_tx_end(kj_store *s, void (*fn)(void *ctx, kj_db *db, bool committed), void *ctx)
{
    s->tx_end = fn;
    s->tx_end_ctx = ctx;
}
static void tx_ended(kj_db *db, bool committed)
{
    kj_store *s = kj_db_store(db);
    if (s->tx_end) s->tx_end(s->tx_end_ctx, db, committed);
}
int64_t kj_store_error_count(kj_store *s) { return __atomic_load_n(&s->errors, __ATOMIC_RELAXED); }
uint64_t kj_store_serial(kj_store *s) { return s->serial; }
uint64_t kj_store_generation(kj_store *s) { return __atomic_load_n(&s->generation, __ATOMIC_ACQUIRE); }
static void wrote(kj_db *db) { __atomic_add_fetch(&kj_db_store(db)->generation, 1, __ATOMIC_RELEASE); }

/* ---- several nodes: change signals and the leader (store.h) ---- */

static void failed(kj_db *db, const char *msg, const char *sql);

const char *kj_store_node_id(kj_store *s) { return s->node_id; }

static bool channel_ok(const char *c)
{
    size_t n = c ? strlen(c) : 0;
    if (n == 0 || n > 47) return false;
    return strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int kj_store_subscribe(kj_store *s, const char *channel, kj_change_listener fn, void *ctx)
{
    if (!fn || !channel_ok(channel)) return -1;
    pthread_mutex_lock(&s->listen_lock);
    int rc = -1;
    bool heard = false;   /* the backend already listens on this channel */
    for (int i = 0; i < s->nlisteners; i++) heard |= !strcmp(s->listeners[i].channel, channel);
    if (s->nlisteners < KJ_LISTENERS_MAX &&
        (heard || !strcmp(channel, KJ_CHANNEL_WRITES) || !s->be->listen || s->be->listen(s, channel) == 0)) {
        snprintf(s->listeners[s->nlisteners].channel, sizeof s->listeners[0].channel, "%s", channel);
        s->listeners[s->nlisteners].fn = fn;
        s->listeners[s->nlisteners].ctx = ctx;
        s->nlisteners++;
        rc = 0;
    }
    pthread_mutex_unlock(&s->listen_lock);
    return rc;
}

/* Calls the listeners of channel. The lock is held during the calls:
 * listeners are quick (store.h) and may not subscribe. */
static void tell_listeners(kj_store *s, const char *channel, const char *payload, bool remote)
{
    pthread_mutex_lock(&s->listen_lock);
    for (int i = 0; i < s->nlisteners; i++)
        if (!strcmp(s->listeners[i].channel, channel)) s->listeners[i].fn(s->listeners[i].ctx, s, channel, payload, remote);
    pthread_mutex_unlock(&s->listen_lock);
}

void kj_store_deliver(kj_store *s, const char *channel, const char *wire_payload)
{
    if (!channel || !wire_payload) return;
    const char *sp = strchr(wire_payload, ' ');
    size_t idlen = sp ? (size_t)(sp - wire_payload) : strlen(wire_payload);
    if (idlen == strlen(s->node_id) && !strncmp(wire_payload, s->node_id, idlen)) return;   /* our own */
    const char *payload = sp ? sp + 1 : "";
    /* Before the listeners: one that reads the generation sees the move. */
    if (!strcmp(channel, KJ_CHANNEL_WRITES)) __atomic_add_fetch(&s->generation, 1, __ATOMIC_RELEASE);
    tell_listeners(s, channel, payload, true);
}

/* Sends one signal to the other nodes (inside the open transaction, or
 * at once). */
static int send_remote(kj_db *db, const char *channel, const char *payload)
{
    if (!BE(db)->notify) return 0;
    char wire[256];
    snprintf(wire, sizeof wire, "%s %s", kj_db_store(db)->node_id, payload);
    int rc = BE(db)->notify(db, channel, wire);
    if (rc != 0) failed(db, BE(db)->errmsg(db), "NOTIFY");
    return rc;
}

int kj_db_publish(kj_db *db, const char *channel, const char *payload)
{
    struct kj_db_header *h = (struct kj_db_header *)db;
    if (!payload) payload = "";
    if (!channel_ok(channel) || strlen(payload) >= sizeof h->pending[0].payload) return -1;
    if (!BE(db)->in_transaction(db)) {
        if (send_remote(db, channel, payload) != 0) return -1;
        tell_listeners(kj_db_store(db), channel, payload, false);
        return 0;
    }
    for (int i = 0; i < h->npending; i++)   /* the same signal twice is one */
        if (!strcmp(h->pending[i].channel, channel) && !strcmp(h->pending[i].payload, payload)) return 0;
    if (h->npending == KJ_PUBLISH_MAX) return -1;
    snprintf(h->pending[h->npending].channel, sizeof h->pending[0].channel, "%s", channel);
    snprintf(h->pending[h->npending].payload, sizeof h->pending[0].payload, "%s", payload);
    h->npending++;
    return 0;
}

bool kj_store_leader(kj_store *s)
{
    if (!s->be->leader) return true;
    pthread_mutex_lock(&s->leader_lock);
    /* The clock of core/clock.h, so that tests control it; one set back
     * (tests do) asks at once rather than never. */
    int64_t now = kj_now_ms();
    if (!s->leader_asked || now - s->leader_asked_ms >= 500 || now < s->leader_asked_ms) {
        bool was = s->leader;
        __atomic_store_n(&s->leader, s->be->leader(s) == 1, __ATOMIC_RELAXED);
        s->leader_asked = true;
        s->leader_asked_ms = now;
        if (s->leader != was)
            kj_log_info("node %s: %s", s->node_id, s->leader ? "now the job leader" : "no longer the job leader");
    }
    bool l = s->leader;
    pthread_mutex_unlock(&s->leader_lock);
    return l;
}

bool kj_store_leader_known(kj_store *s)
{
    /* Without the lock: the asking may wait for a connection to a database
     * that is down, and /readyz must not wait with it. */
    return !s->be->leader || __atomic_load_n(&s->leader, __ATOMIC_RELAXED);
}

/* Every failure but a constraint violation: counted for /metrics, logged
 * (with the request id, see log.h), recorded on the connection for
 * kj_db_failed and, inside a transaction, so that it cannot commit. */
static void failed(kj_db *db, const char *msg, const char *sql)
{
    __atomic_add_fetch(&kj_db_store(db)->errors, 1, __ATOMIC_RELAXED);
    H(db)->failures++;
    if (BE(db)->in_transaction(db)) H(db)->tx_failed = true;
    kj_log_error("db: %s [%.120s]", msg, sql);
}

static void count_error(kj_db *db, const char *sql) { failed(db, BE(db)->errmsg(db), sql); }

/* Per-request statement accounting (kj_db_statements). The clock is read
 * twice per prepare and per step: ~50 ns each through the vDSO, next to
 * the microseconds a step costs. */
static void counted(kj_db *db, int64_t t0, bool new_statement)
{
    H(db)->statement_us += kj_mono_us() - t0;
    if (new_statement) H(db)->statements++;
}

void kj_db_statements(kj_db *db, int64_t *count, int64_t *us)
{
    *count = db ? H(db)->statements : 0;
    *us = db ? H(db)->statement_us : 0;
}

bool kj_db_failed(kj_db *db) { return H(db)->failures > 0; }
void kj_db_note_failure(kj_db *db, const char *what) { failed(db, what, "(paired store)"); }

void kj_store_inject_faults(kj_store *s, int commits, int reads, const char *sql_part)
{
    pthread_mutex_lock(&s->fault_lock);
    s->fault_commits = commits;
    s->fault_reads = reads;
    snprintf(s->fault_sql, sizeof s->fault_sql, "%s", sql_part ? sql_part : "");
    pthread_mutex_unlock(&s->fault_lock);
}

void kj_db_take_faults(kj_db *db)
{
    kj_store *s = kj_db_store(db);
    struct kj_db_header *h = H(db);
    pthread_mutex_lock(&s->fault_lock);
    if (s->fault_commits || s->fault_reads) {
        h->fault_commits = s->fault_commits;
        h->fault_reads = s->fault_reads;
        memcpy(h->fault_sql, s->fault_sql, sizeof h->fault_sql);
        s->fault_commits = s->fault_reads = 0;
    }
    pthread_mutex_unlock(&s->fault_lock);
}

static bool is_read(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '(') sql++;
    return !strncasecmp(sql, "SELECT", 6) || !strncasecmp(sql, "WITH", 4);
}

/* An injected read fault for this statement (test mode only). */
static bool read_fault(kj_db *db, const char *sql)
{
    struct kj_db_header *h = H(db);
    if (h->fault_reads <= 0 || !is_read(sql) || (h->fault_sql[0] && !strstr(sql, h->fault_sql))) return false;
    h->fault_reads--;
    failed(db, "injected read fault (test mode)", sql);
    return true;
}

/* An injected commit fault (test mode only). */
static bool commit_fault(kj_db *db)
{
    if (H(db)->fault_commits <= 0) return false;
    H(db)->fault_commits--;
    return true;
}

static int bind_json(const kj_store_backend *be, kj_stmt *st, int idx, json_t *v)
{
    if (!v || json_is_null(v)) return be->bind_null(st, idx);
    if (json_is_integer(v)) return be->bind_int(st, idx, json_integer_value(v));
    if (json_is_real(v)) return be->bind_double(st, idx, json_real_value(v));
    if (json_is_boolean(v)) return be->bind_int(st, idx, json_is_true(v) ? 1 : 0);
    if (json_is_string(v)) return be->bind_text(st, idx, json_string_value(v), json_string_length(v));
    kj_buf text = { 0 };
    int rc = kj_json_text(&text, v) ? KJ_DB_ERROR : be->bind_text(st, idx, text.data, text.len);
    kj_buf_free(&text);
    return rc;
}

static int bind_args(kj_db *db, kj_stmt *st, const char *types, va_list ap)
{
    const kj_store_backend *be = BE(db);
    int idx = 1, rc = 0;
    for (const char *t = types ? types : ""; *t && rc == 0; t++, idx++) {
        switch (*t) {
        case 's': {
            const char *v = va_arg(ap, const char *);
            rc = v ? be->bind_text(st, idx, v, strlen(v)) : be->bind_null(st, idx);
            break;
        }
        case 'i': rc = be->bind_int(st, idx, va_arg(ap, int64_t)); break;
        case 'b': rc = be->bind_int(st, idx, va_arg(ap, int) ? 1 : 0); break;
        case 'd': rc = be->bind_double(st, idx, va_arg(ap, double)); break;
        case 'n': rc = be->bind_null(st, idx); break;
        case 'j': rc = bind_json(be, st, idx, va_arg(ap, json_t *)); break;
        default:  rc = KJ_DB_ERROR; break;
        }
    }
    return rc;
}

kj_stmt *kj_db_vprepare(kj_db *db, const char *sql, const char *types, va_list ap)
{
    if (read_fault(db, sql)) return NULL;
    int64_t t0 = kj_mono_us();
    kj_stmt *st = BE(db)->prepare(db, sql);
    counted(db, t0, true);
    if (!st) { count_error(db, sql); return NULL; }
    if (bind_args(db, st, types, ap) != 0) {
        count_error(db, sql);
        BE(db)->finish(st);
        return NULL;
    }
    return st;
}

kj_stmt *kj_db_prepare(kj_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    kj_stmt *st = kj_db_vprepare(db, sql, types, ap);
    va_end(ap);
    return st;
}

int kj_stmt_step(kj_db *db, kj_stmt *st)
{
    int64_t t0 = kj_mono_us();
    int rc = BE(db)->step(st);
    counted(db, t0, false);
    if (rc < 0 && rc != KJ_DB_CONSTRAINT) count_error(db, "step");
    return rc;
}

void kj_stmt_finish(kj_db *db, kj_stmt *st) { if (st) BE(db)->finish(st); }

json_t *kj_stmt_row_json(kj_db *db, kj_stmt *st)
{
    const kj_store_backend *be = BE(db);
    json_t *row = json_object();
    int n = be->column_count(st);
    for (int c = 0; c < n; c++) {
        const char *name = be->column_name(st, c);
        size_t nlen = strlen(name);
        json_t *v;
        switch (be->column_type(st, c)) {
        case KJ_COL_INT:  v = json_integer(be->column_int(st, c)); break;
        case KJ_COL_REAL: v = json_real(be->column_double(st, c)); break;
        case KJ_COL_TEXT: {
            size_t len;
            const char *txt = be->column_text(st, c, &len);
            if (nlen > 6 && strcmp(name + nlen - 6, "__json") == 0) {
                v = json_loadb(txt, len, JSON_DECODE_ANY, NULL);
                if (!v) v = json_null();
                char key[128];
                snprintf(key, sizeof key, "%.*s", (int)(nlen - 6), name);
                json_object_set_new(row, key, v);
                continue;
            }
            v = json_stringn(txt, len);
            if (!v) v = json_string("");  /* invalid UTF-8 never reaches the db; be safe */
            break;
        }
        default: v = json_null(); break;
        }
        json_object_set_new(row, name, v);
    }
    return row;
}

static json_t *collect_rows(kj_db *db, const char *sql, const char *types, va_list ap, int limit)
{
    kj_stmt *st = kj_db_vprepare(db, sql, types, ap);
    if (!st) return NULL;
    json_t *rows = json_array();
    int rc = KJ_DB_DONE;
    while ((limit <= 0 || (int)json_array_size(rows) < limit) &&
           (rc = kj_stmt_step(db, st)) == KJ_DB_ROW)
        json_array_append_new(rows, kj_stmt_row_json(db, st));
    if (rc < 0) {
        json_decref(rows);
        rows = NULL;
    }
    kj_stmt_finish(db, st);
    return rows;
}

json_t *kj_db_rows(kj_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    json_t *rows = collect_rows(db, sql, types, ap, 0);
    va_end(ap);
    return rows;
}

json_t *kj_db_row(kj_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    json_t *rows = collect_rows(db, sql, types, ap, 1);
    va_end(ap);
    json_t *row = NULL;
    if (rows && json_array_size(rows)) row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return row;
}

static int vexec(kj_db *db, const char *sql, const char *types, va_list ap)
{
    kj_stmt *st = kj_db_vprepare(db, sql, types, ap);
    if (!st) return KJ_DB_ERROR;
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {}
    kj_stmt_finish(db, st);
    if (rc < 0) return rc;
    int changed = (int)BE(db)->changes(db);
    if (changed > 0) {
        wrote(db);
        if (BE(db)->in_transaction(db)) H(db)->tx_wrote = true;
    }
    return changed;
}

/* A write that changed rows outside a transaction (it committed on its
 * own): the other nodes hear of it at once (store.h). */
static void wrote_alone(kj_db *db, int changed)
{
    if (changed > 0 && BE(db)->notify && !BE(db)->in_transaction(db)) (void)send_remote(db, KJ_CHANNEL_WRITES, "");
}

int kj_db_exec(kj_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vexec(db, sql, types, ap);
    va_end(ap);
    wrote_alone(db, rc);
    return rc;
}

int kj_db_exec_optional(kj_db *db, const char *why, const char *sql, const char *types, ...)
{
    int before = H(db)->failures;
    bool tx_failed = H(db)->tx_failed;
    va_list ap;
    va_start(ap, types);
    int rc = vexec(db, sql, types, ap);
    va_end(ap);
    if (rc < 0) {
        kj_log_error("db: warning: best-effort write lost (%s): %s [%.120s]", why, kj_db_errmsg(db), sql);
        H(db)->failures = before;
        H(db)->tx_failed = tx_failed;
    }
    return rc;
}

int64_t kj_db_int(kj_db *db, int64_t dflt, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    kj_stmt *st = kj_db_vprepare(db, sql, types, ap);
    va_end(ap);
    if (!st) return dflt;
    int64_t v = dflt;
    if (kj_stmt_step(db, st) == KJ_DB_ROW && BE(db)->column_type(st, 0) != KJ_COL_NULL)
        v = BE(db)->column_int(st, 0);
    kj_stmt_finish(db, st);
    return v;
}

char *kj_db_text(kj_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    kj_stmt *st = kj_db_vprepare(db, sql, types, ap);
    va_end(ap);
    if (!st) return NULL;
    char *v = NULL;
    if (kj_stmt_step(db, st) == KJ_DB_ROW && BE(db)->column_type(st, 0) != KJ_COL_NULL) {
        size_t len;
        const char *t = BE(db)->column_text(st, 0, &len);
        v = strndup(t, len);
    }
    kj_stmt_finish(db, st);
    return v;
}

static kj_stmt *prepare_j(kj_db *db, const char *sql, json_t *params)
{
    if (read_fault(db, sql)) return NULL;
    int64_t t0 = kj_mono_us();
    kj_stmt *st = BE(db)->prepare(db, sql);
    counted(db, t0, true);
    if (!st) { count_error(db, sql); return NULL; }
    size_t i;
    json_t *v;
    json_array_foreach(params, i, v) {
        if (bind_json(BE(db), st, (int)i + 1, v) != 0) {
            count_error(db, sql);
            BE(db)->finish(st);
            return NULL;
        }
    }
    return st;
}

kj_stmt *kj_db_prepare_j(kj_db *db, const char *sql, json_t *params) { return prepare_j(db, sql, params); }

int64_t kj_stmt_int(kj_db *db, kj_stmt *st, int col, int64_t dflt)
{
    return BE(db)->column_type(st, col) == KJ_COL_NULL ? dflt : BE(db)->column_int(st, col);
}

double kj_stmt_double(kj_db *db, kj_stmt *st, int col, double dflt)
{
    return BE(db)->column_type(st, col) == KJ_COL_NULL ? dflt : BE(db)->column_double(st, col);
}

const char *kj_stmt_text(kj_db *db, kj_stmt *st, int col, size_t *len)
{
    if (BE(db)->column_type(st, col) == KJ_COL_NULL) { if (len) *len = 0; return NULL; }
    size_t n = 0;
    const char *t = BE(db)->column_text(st, col, &n);
    if (len) *len = n;
    return t;
}

json_t *kj_db_rows_j(kj_db *db, const char *sql, json_t *params)
{
    kj_stmt *st = prepare_j(db, sql, params);
    if (!st) return NULL;
    json_t *rows = json_array();
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) json_array_append_new(rows, kj_stmt_row_json(db, st));
    kj_stmt_finish(db, st);
    if (rc < 0) { json_decref(rows); return NULL; }
    return rows;
}

int64_t kj_db_int_j(kj_db *db, int64_t dflt, const char *sql, json_t *params)
{
    kj_stmt *st = prepare_j(db, sql, params);
    if (!st) return dflt;
    int64_t v = dflt;
    if (kj_stmt_step(db, st) == KJ_DB_ROW && BE(db)->column_type(st, 0) != KJ_COL_NULL) v = BE(db)->column_int(st, 0);
    kj_stmt_finish(db, st);
    return v;
}

int kj_db_begin(kj_db *db)
{
    H(db)->tx_failed = false;
    H(db)->npending = 0;
    H(db)->tx_wrote = false;
    int64_t t0 = kj_mono_us();
    int rc = BE(db)->begin(db);
    counted(db, t0, true);
    if (rc != 0) failed(db, BE(db)->errmsg(db), "BEGIN");
    return rc;
}

int kj_db_commit(kj_db *db)
{
    int rc;
    if (H(db)->tx_failed) {
        /* A statement of it failed and its caller went on: what it wrote
         * may be half of what it meant to. */
        kj_log_error("db: commit refused: a statement of this transaction failed");
        rc = KJ_DB_ERROR;
    } else if (commit_fault(db)) {
        failed(db, "injected commit fault (test mode)", "COMMIT");
        rc = KJ_DB_ERROR;
    } else {
        /* The other nodes' signals go inside the transaction: they are
         * sent by its commit, or not at all. */
        struct kj_db_header *h = H(db);
        rc = 0;
        if (BE(db)->notify) {
            if (h->tx_wrote) rc = send_remote(db, KJ_CHANNEL_WRITES, "");
            for (int i = 0; rc == 0 && i < h->npending; i++) rc = send_remote(db, h->pending[i].channel, h->pending[i].payload);
        }
        if (rc == 0) {
            int64_t t0 = kj_mono_us();
            rc = BE(db)->commit(db);
            counted(db, t0, true);
            if (rc != 0) failed(db, BE(db)->errmsg(db), "COMMIT");
        }
    }
    /* A failed commit (busy, disk full, I/O) may leave the transaction
     * open: end it, so that nothing of it remains and the next statement
     * does not run inside it. */
    if (rc != 0) BE(db)->rollback(db);
    H(db)->tx_failed = false;
    H(db)->tx_wrote = false;
    wrote(db);   /* even when the commit failed: a rollback is a change too, for a cache */
    tx_ended(db, rc == 0);
    /* This node's listeners, after the commit and only for a commit. */
    int n = H(db)->npending;
    H(db)->npending = 0;
    for (int i = 0; rc == 0 && i < n; i++) tell_listeners(kj_db_store(db), H(db)->pending[i].channel, H(db)->pending[i].payload, false);
    return rc;
}

int kj_db_rollback(kj_db *db)
{
    H(db)->tx_failed = false;
    H(db)->npending = 0;   /* signals of what did not happen */
    H(db)->tx_wrote = false;
    int64_t t0 = kj_mono_us();
    int rc = BE(db)->rollback(db);
    counted(db, t0, true);
    tx_ended(db, false);
    return rc;
}
char *kj_db_defer_indexes(kj_db *db, const char *table)
{
    return BE(db)->defer_indexes ? BE(db)->defer_indexes(db, table) : strdup("");
}

int kj_db_run_script(kj_db *db, const char *sql)
{
    int64_t t0 = kj_mono_us();
    int rc = BE(db)->exec_script(db, sql);
    counted(db, t0, true);
    if (rc != 0) failed(db, BE(db)->errmsg(db), "script");
    wrote(db);
    if (rc == 0 && BE(db)->in_transaction(db)) H(db)->tx_wrote = true;
    else wrote_alone(db, rc == 0);
    return rc;
}

bool kj_db_in_transaction(kj_db *db) { return BE(db)->in_transaction(db); }
void kj_db_set_stop(kj_db *db, const atomic_bool *stop) { if (BE(db)->set_stop) BE(db)->set_stop(db, stop); }
int kj_db_bulk(kj_db *db, bool on) { return BE(db)->bulk ? BE(db)->bulk(db, on) : 0; }
int kj_db_checkpoint(kj_db *db) { return BE(db)->checkpoint ? BE(db)->checkpoint(db) : 0; }

/* store_sqlite.c: the SQLite half of kj_db_snapshot. */
int kj_sqlite_snapshot(kj_db *db, const char *path, char *err, size_t errlen);

int kj_db_snapshot(kj_db *db, const char *path, char *err, size_t errlen)
{
    if (strcmp(BE(db)->name, "sqlite")) return 1;
    return kj_sqlite_snapshot(db, path, err, errlen);
}
const char *kj_db_errmsg(kj_db *db) { return BE(db)->errmsg(db); }

/* ---- migrations ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_whole_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) p[n] = 0;
    fclose(f);
    return p;
}

static int apply_one(kj_db *db, const char *dir, const char *file, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *sql = read_whole_file(path);
    if (!sql) { snprintf(err, errlen, "cannot read migration %s", path); return -1; }
    int version = atoi(file);
    /* A migration that rebuilds a table others refer to (SQLite changes a
     * CHECK constraint only so) says "-- migrate: foreign_keys off": it
     * runs without foreign-key enforcement (dropping the old table would
     * otherwise cascade into the tables that refer to it), and every
     * foreign key is checked before it commits. The bulk mode is the
     * backend's switch for exactly that, and must be set outside a
     * transaction. */
    bool fk_off = strstr(sql, "\n-- migrate: foreign_keys off\n") != NULL;
    int rc = fk_off ? kj_db_bulk(db, true) : 0;
    if (rc == 0) rc = kj_db_begin(db);
    if (rc == 0) rc = BE(db)->exec_script(db, sql);
    if (rc == 0 && fk_off && kj_db_int(db, 1, "SELECT count(*) FROM pragma_foreign_key_check", "") != 0) {
        snprintf(err, errlen, "migration %s failed: it leaves foreign keys that point nowhere", file);
        kj_db_rollback(db);
        if (kj_db_bulk(db, false)) kj_log_error("migration %s: foreign keys not switched back on", file);
        free(sql);
        return -1;
    }
    if (rc == 0)
        rc = kj_db_exec(db, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)",
                        "isi", (int64_t)version, file, kj_now_ms()) < 0 ? -1 : 0;
    if (rc == 0) rc = kj_db_commit(db);
    if (rc != 0) {
        snprintf(err, errlen, "migration %s failed: %s", file, kj_db_errmsg(db));
        kj_db_rollback(db);
    }
    if (fk_off && kj_db_bulk(db, false)) {
        snprintf(err, errlen, "migration %s: cannot switch foreign keys back on", file);
        rc = -1;
    }
    free(sql);
    return rc ? -1 : 0;
}

int kj_store_migrate(kj_store *s, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) { snprintf(err, errlen, "cannot open migrations directory %s", dir); return -1; }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && e->d_name[0] >= '0' && e->d_name[0] <= '9')
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);

    kj_db *db = kj_store_acquire(s);
    int applied = 0;
    if (kj_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)", "") < 0) {
        snprintf(err, errlen, "cannot create schema_migrations: %s", kj_db_errmsg(db));
        applied = -1;
    }
    for (int i = 0; i < n && applied >= 0; i++) {
        int64_t have = kj_db_int(db, 0, "SELECT count(*) FROM schema_migrations WHERE version = ?",
                                 "i", (int64_t)atoi(names[i]));
        if (have) continue;
        if (apply_one(db, dir, names[i], err, errlen) == 0) applied++;
        /* Several nodes starting at once on one database all try; the
         * one whose transaction loses finds the migration applied by the
         * winner (its own attempt rolled back whole). */
        else if (kj_db_int(db, 0, "SELECT count(*) FROM schema_migrations WHERE version = ?", "i", (int64_t)atoi(names[i])) != 1)
            applied = -1;
        else kj_log_info("migration %s: applied by another node meanwhile", names[i]);
    }
    if (n > 0) __atomic_store_n(&s->schema_known, (int64_t)atoi(names[n - 1]), __ATOMIC_RELAXED);
    kj_store_release(s, db);
    for (int i = 0; i < n; i++) free(names[i]);
    return applied;
}

bool kj_store_schema_current(kj_db *db)
{
    int64_t known = __atomic_load_n(&kj_db_store(db)->schema_known, __ATOMIC_RELAXED);
    return known > 0 && kj_db_int(db, 0, "SELECT max(version) FROM schema_migrations", "") >= known;
}
