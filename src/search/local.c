/*
 * local.c — a node's local copy of the search index on a shared database:
 * opening it, pairing its connections with the database's, the tailer
 * that applies the search outbox, full builds, pruning (see local.h).
 */
#include "search/local.h"
#include "search/backend.h"
#include "search/context_impl.h"
#include "search/outbox.h"
#include "search/search.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/log.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

/* Seqs applied lately, so that the look-back (outbox.h) does not apply
 * them again each round. */
typedef struct { int64_t seq, at_ms; } recent_seq;

struct kj_search_local {
    kj_store *store;             /* the copy (SQLite), written at open, then read-only */
    kj_store *shared;            /* the database it derives from */
    char path[1024];
    pthread_mutex_t pairs_lock;  /* guards pairs (the copy's connections held, to give back at close) */
    kj_db **pairs;
    int npairs, cap;
    pthread_mutex_t apply_lock;  /* one applier at a time; guards recent, nrecent, cursor */
    recent_seq *recent;
    int nrecent, caprecent;
    int64_t cursor;              /* the copy's cursor as last read or written */
    atomic_int building;         /* a full build is in progress */
    atomic_int caught_up;        /* the tailer read the outbox to its end once since start */
    atomic_int failures;         /* the tailer's rounds failed in a row (0: the last one worked) */
    atomic_llong builds, last_build_ms, last_applied_at_ms, applied, own;
    _Atomic(pthread_t) builder;  /* the thread that builds (its index writes go to the copy) */
    pthread_mutex_t wake_lock;   /* guards wake, stop, running */
    pthread_cond_t wake_cond;
    bool wake, stop, running;
    pthread_t thread;
};

static struct kj_search_local *local_of_store(kj_store *s)
{
    kj_search_ctx *c = kj_store_ext(s, KJ_STORE_EXT_SEARCH, NULL, NULL, NULL);
    return c ? c->local : NULL;
}

static struct kj_search_local *local_of(kj_db *db) { return local_of_store(kj_db_store(db)); }

bool kj_search_local_on(kj_db *db) { return local_of(db) != NULL; }

/* ---- pairing ---- */

kj_db *kj_search_local_db(kj_db *db)
{
    struct kj_search_local *L = local_of(db);
    if (!L) return NULL;
    void **slot = kj_db_pair_slot(db);
    if (!*slot) {
        kj_db *l = kj_store_acquire(L->store);
        pthread_mutex_lock(&L->pairs_lock);
        if (L->npairs == L->cap) {
            int cap = L->cap ? L->cap * 2 : 16;
            kj_db **p = realloc(L->pairs, (size_t)cap * sizeof *p);
            if (p) { L->pairs = p; L->cap = cap; }
        }
        if (L->npairs < L->cap) L->pairs[L->npairs++] = l;
        pthread_mutex_unlock(&L->pairs_lock);
        *slot = l;
    }
    return *slot;
}

void kj_search_local_check(kj_db *db, kj_db *l)
{
    if (!l || !kj_db_failed(l)) return;
    kj_db_note_failure(db, "the node's local search index failed (its error is logged above)");
    if (kj_db_in_transaction(l)) return;   /* renewed when the transaction ends */
    /* A fresh borrowing forgets the failure (kj_db_failed). */
    struct kj_search_local *L = local_of(db);
    pthread_mutex_lock(&L->pairs_lock);
    kj_store_release(L->store, l);
    kj_db *n = kj_store_acquire(L->store);
    for (int i = 0; i < L->npairs; i++) if (L->pairs[i] == l) L->pairs[i] = n;
    pthread_mutex_unlock(&L->pairs_lock);
    *kj_db_pair_slot(db) = n;
}

bool kj_search_local_write(kj_db *db, kj_db *l)
{
    struct kj_search_local *L = local_of(db);
    if (atomic_load(&L->building) && !pthread_equal(atomic_load(&L->builder), pthread_self())) return false;
    if (kj_db_in_transaction(db) && !kj_db_in_transaction(l) && kj_db_begin(l)) {
        kj_db_note_failure(db, "cannot begin the local search index's transaction");
        return false;
    }
    return true;
}

int kj_search_local_own(kj_db *db, const char *token)
{
    struct kj_search_local *L = local_of(db);
    /* Outside a transaction the copy's write would not be paired with the
     * change's: the tailer applies such an entry. */
    if (!L || !kj_db_in_transaction(db)) return 0;
    kj_db *l = kj_search_local_db(db);
    /* Not taken by the copy (a rebuild elsewhere): the tailer applies it. */
    if (!kj_search_local_write(db, l)) return kj_db_failed(db) ? -1 : 0;
    int rc = kj_db_exec(l, "INSERT INTO search_applied(token, at) VALUES (?, ?) ON CONFLICT(token) DO NOTHING", "si", token,
                        kj_now_ms()) < 0 ? -1 : 0;
    kj_search_local_check(db, l);
    return rc;
}

bool kj_search_local_rebuilding(kj_db *db)
{
    struct kj_search_local *L = local_of(db);
    return L && atomic_load(&L->building) && !pthread_equal(atomic_load(&L->builder), pthread_self());
}

static atomic_int test_build_delay_ms;
void kj_search_local_test_delay(int ms) { atomic_store(&test_build_delay_ms, ms > 0 ? ms : 0); }

/* The database's transaction ended: so does the copy's paired one. */
static void on_tx_end(void *ctx, kj_db *db, bool committed)
{
    (void)ctx;
    kj_db *l = *kj_db_pair_slot(db);
    if (!l || !kj_db_in_transaction(l)) return;
    if (committed) {
        /* The database has the change and its outbox entry: if the copy
         * cannot take it now, the tailer applies the entry. */
        if (kj_db_commit(l)) kj_log_error("search: the local index did not take a committed change (the tailer applies it)");
    } else {
        kj_db_rollback(l);
    }
}

/* ---- opening ---- */

int kj_search_local_open(kj_store *s, const char *dir, const char *migrations, int pool, char *err, size_t errlen)
{
    kj_search_ctx *c = kj_store_ext(s, KJ_STORE_EXT_SEARCH, NULL, NULL, NULL);
    if (!c) { snprintf(err, errlen, "search_dir: the store has no search context"); return -1; }
    if (mkdir(dir, 0750) && errno != EEXIST) { snprintf(err, errlen, "search_dir %s: %s", dir, strerror(errno)); return -1; }
    struct kj_search_local *L = calloc(1, sizeof *L);
    if (!L) { snprintf(err, errlen, "out of memory"); return -1; }
    snprintf(L->path, sizeof L->path, "%s/index.db", dir);
    /* The copy is this node's alone: a file on a network mount is most
     * likely the shared data directory (and SQLite's locks do not hold
     * there). Said, not refused: an operator may know better. */
    struct statfs fs;
    if (!statfs(dir, &fs) && (fs.f_type == 0x6969 /* NFS */ || fs.f_type == 0xFF534D42 /* CIFS */ || fs.f_type == 0xFE534D42 /* SMB2 */))
        kj_log_error("search_dir %s is on a network file system: each node needs its own copy of the search index on a local disk "
                     "(set search_dir, see docs/deploy.md)", dir);
    const kj_search_backend *fts = kj_search_backend_for_store("sqlite");
    L->store = kj_store_open(&kj_sqlite_backend, L->path, pool, fts->conn_hook, kj_search_ctx_analyzer(c), err, errlen);
    if (!L->store) { free(L); return -1; }
    if (kj_store_migrate(L->store, migrations, err, errlen) < 0) { kj_store_close(L->store); free(L); return -1; }
    L->shared = s;
    pthread_mutex_init(&L->pairs_lock, NULL);
    pthread_mutex_init(&L->apply_lock, NULL);
    pthread_mutex_init(&L->wake_lock, NULL);
    pthread_cond_init(&L->wake_cond, NULL);
    __atomic_store_n(&L->cursor, -1, __ATOMIC_RELAXED);
    c->local = L;
    c->outbox = true;
    kj_store_on_tx_end(s, on_tx_end, NULL);
    return 0;
}

void kj_search_local_free(struct kj_search_local *L)
{
    if (!L) return;
    for (int i = 0; i < L->npairs; i++) kj_store_release(L->store, L->pairs[i]);
    free(L->pairs);
    free(L->recent);
    kj_store_close(L->store);
    pthread_mutex_destroy(&L->pairs_lock);
    pthread_mutex_destroy(&L->apply_lock);
    pthread_mutex_destroy(&L->wake_lock);
    pthread_cond_destroy(&L->wake_cond);
    free(L);
}

/* ---- the copy's meta ---- */

static int64_t meta_int(kj_db *l, const char *key, int64_t dflt)
{
    char *v = kj_db_text(l, "SELECT value FROM meta WHERE key = ?", "s", key);
    int64_t n = v ? strtoll(v, NULL, 10) : dflt;
    free(v);
    return n;
}

static int meta_put(kj_db *l, const char *key, const char *value)
{
    return kj_db_exec(l, "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", "ss",
                      key, value) < 0 ? -1 : 0;
}

static int meta_put_int(kj_db *l, const char *key, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return meta_put(l, key, b);
}

/* ---- building ---- */

/* The highest seq the leader pruned (0: none yet). */
static int64_t pruned_seq(kj_db *db)
{
    char *v = kj_db_text(db, "SELECT value FROM meta WHERE key = 'search_outbox_pruned'", "");
    int64_t pruned = v ? strtoll(v, NULL, 10) : 0;
    free(v);
    return pruned;
}

/* Whether the copy must be built again: behind the pruned outbox. */
static bool behind(kj_db *db, int64_t cursor) { return cursor < pruned_seq(db); }

/* The instance the database holds (meta 'instance_id', read now: a command
 * may have replaced the database's rows since the store cached it). The
 * copy records it at each build (meta 'search_source'): a copy built from
 * another database's rows (the empty one `kejiyun import-instance` opened
 * before it copied an instance in, or any other swap under the data
 * directory) is not this database's copy, and is built again at start. */
static char *source_of(kj_db *db) { return kj_db_text(db, "SELECT value FROM meta WHERE key = 'instance_id'", ""); }

/* The whole copy from the database, in one local transaction (readers
 * keep the old copy until it commits). Under apply_lock. */
static int build(struct kj_search_local *L, kj_db *db, const char *format)
{
    int64_t t0 = kj_mono_us();
    kj_db *l = kj_search_local_db(db);
    /* The cursor first: what commits while the build reads is applied after. */
    int64_t top = kj_db_int(db, -1, "SELECT coalesce(max(seq), 0) FROM search_outbox", "");
    if (top < 0 || kj_db_failed(db)) return -1;
    int64_t pruned = pruned_seq(db);
    if (pruned > top) top = pruned;   /* never behind the floor it was built above */
    atomic_store(&L->builder, pthread_self());
    atomic_store(&L->building, 1);
    int n = -1;
    /* Where the time goes, for the log: the database's reads, the copy's
     * writes (SQLite, FTS5, whose tokenizer is kejiyun's analyzer: the
     * text's analysis is inside them), the merge of its segments, and the
     * rest (the documents' fields and attributes, in this process). */
    int64_t db_n0, db_us0, l_n0, l_us0, opt_us = 0;
    kj_db_statements(db, &db_n0, &db_us0);
    kj_db_statements(l, &l_n0, &l_us0);
    if (kj_db_begin(l) == 0) {
        /* The test hook's wait ends early when the test sets it to 0 (its
         * writes are in the window then, however slow the machine). */
        int64_t until = kj_mono_us() + (int64_t)atomic_load(&test_build_delay_ms) * 1000;
        while (atomic_load(&test_build_delay_ms) && kj_mono_us() < until)
            nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
        /* Everything is read again: no entry is this node's own any more. */
        n = kj_db_exec(l, "DELETE FROM search_applied", "") < 0 || kj_search_backend_of(db)->clear(db) < 0 ? -1
                                                                 : kj_search_index_all(db, NULL);
        int64_t t_opt = kj_mono_us();
        if (n >= 0 && kj_search_optimize(db)) n = -1;
        opt_us = kj_mono_us() - t_opt;
        char *source = n >= 0 ? source_of(db) : NULL;
        if (n >= 0 && (meta_put_int(l, "search_outbox_seq", top) || meta_put_int(l, "search_rebuilt_ms", kj_now_ms()) ||
                       (format && meta_put(l, "search_format", format)) || meta_put(l, "search_source", source ? source : "")))
            n = -1;
        free(source);
        if (n < 0 || kj_db_commit(l)) { kj_db_rollback(l); n = -1; }
    }
    atomic_store(&L->building, 0);
    kj_search_local_check(db, l);
    if (n < 0) { kj_log_error("search: building the local index %s failed", L->path); return -1; }
    __atomic_store_n(&L->cursor, top, __ATOMIC_RELAXED);
    L->nrecent = 0;
    atomic_fetch_add(&L->builds, 1);
    atomic_store(&L->last_build_ms, (kj_mono_us() - t0) / 1000);
    int64_t db_n, db_us, l_n, l_us;
    kj_db_statements(db, &db_n, &db_us);
    kj_db_statements(l, &l_n, &l_us);
    l_us -= l_us0 + opt_us;
    if (l_us < 0) l_us = 0;
    kj_log_info("search: local index %s built from the database: %d documents in %.2f s (database reads %.2f s in %lld statements, "
                "index writes with the text's analysis %.2f s, merge %.2f s, the rest %.2f s)", L->path, n, (double)(kj_mono_us() - t0) / 1e6,
                (double)(db_us - db_us0) / 1e6, (long long)(db_n - db_n0), (double)l_us / 1e6, (double)opt_us / 1e6,
                (double)(kj_mono_us() - t0 - (db_us - db_us0) - l_us - opt_us) / 1e6);
    return n;
}


int kj_search_local_ensure(kj_db *db, const char *format, int *built)
{
    struct kj_search_local *L = local_of(db);
    if (built) *built = -1;
    if (!L) return 0;
    kj_db *l = kj_search_local_db(db);
    pthread_mutex_lock(&L->apply_lock);
    char *v = kj_db_text(l, "SELECT value FROM meta WHERE key = 'search_format'", "");
    char *from = kj_db_text(l, "SELECT value FROM meta WHERE key = 'search_source'", ""), *source = source_of(db);
    int64_t cursor = meta_int(l, "search_outbox_seq", -1);
    bool fine = v && !strcmp(v, format) && cursor >= 0 && !behind(db, cursor) && from && source && !strcmp(from, source);
    free(v);
    free(from);
    free(source);
    int rc = 0;
    if (fine) __atomic_store_n(&L->cursor, cursor, __ATOMIC_RELAXED);
    else {
        int n = build(L, db, format);
        if (n < 0) rc = -1;
        else if (built) *built = n;
    }
    pthread_mutex_unlock(&L->apply_lock);
    return rc;
}

int kj_search_local_mark_rebuilt(kj_db *db)
{
    kj_db *l = kj_search_local_db(db);
    if (!l || !kj_db_in_transaction(l)) return 0;
    int rc = meta_put_int(l, "search_rebuilt_ms", kj_now_ms());
    kj_search_local_check(db, l);
    return rc;
}

/* ---- applying the outbox ---- */

typedef struct {
    struct kj_search_local *L;
    kj_db *db;
    int64_t now;
    int applied, read, own;
    bool all, failed;
} apply_ctx;

static bool seen_lately(struct kj_search_local *L, int64_t seq)
{
    for (int i = 0; i < L->nrecent; i++) if (L->recent[i].seq == seq) return true;
    return false;
}

static int apply_one(void *ctx, int64_t seq, const char *doc_id, const char *doc_kind, const char *token)
{
    apply_ctx *a = ctx;
    struct kj_search_local *L = a->L;
    a->read++;
    /* Seen lately (this round's first pass included): the look-back is for
     * entries that committed late, not for those applied a moment ago. An
     * entry past the cursor too: the look-back may have applied it ahead
     * of the cursor (it reads by time), reading the document after the
     * entry had committed; a node catching up re-applied a page of those. */
    if (seen_lately(L, seq)) return 0;
    bool own = false;
    if (token) {
        /* Written by this node, and its copy took it then (kj_search_local_own). */
        kj_db *l = kj_search_local_db(a->db);
        int64_t n = kj_db_int(l, -1, "SELECT count(*) FROM search_applied WHERE token = ?", "s", token);
        if (n < 0 || kj_db_failed(l)) { a->failed = true; return 1; }
        own = n > 0;
    }
    if (own) a->own++;
    else if (!strcmp(doc_kind, "all")) {
        /* A rebuild on some node: this copy too, unless it was rebuilt
         * since (by that very `kejiyun reindex` on this node's file). */
        int64_t at = kj_db_int(a->db, 0, "SELECT at FROM search_outbox WHERE seq = ?", "i", seq);
        if (at > meta_int(kj_search_local_db(a->db), "search_rebuilt_ms", 0)) a->all = true;
    }
    else if (kj_search_refresh_doc(a->db, doc_id, doc_kind)) { a->failed = true; return 1; }
    if (L->nrecent == L->caprecent) {
        int cap = L->caprecent ? L->caprecent * 2 : 64;
        recent_seq *r = realloc(L->recent, (size_t)cap * sizeof *r);
        if (!r) { a->failed = true; return 1; }
        L->recent = r;
        L->caprecent = cap;
    }
    L->recent[L->nrecent++] = (recent_seq){ seq, a->now };
    if (!own) a->applied++;
    return 0;
}

/* Under apply_lock. *more: a full page was read (more are waiting). */
static int catch_up(struct kj_search_local *L, kj_db *db, bool *more)
{
    *more = false;
    kj_db *l = kj_search_local_db(db);
    if (L->cursor < 0) __atomic_store_n(&L->cursor, meta_int(l, "search_outbox_seq", 0), __ATOMIC_RELAXED);
    if (behind(db, L->cursor)) return build(L, db, NULL) < 0 ? -1 : 0;
    int64_t now = kj_now_ms();
    /* Forget what is older than the look-back (with a margin). */
    int keep = 0;
    for (int i = 0; i < L->nrecent; i++)
        if (L->recent[i].at_ms >= now - KJ_SEARCH_OUTBOX_LOOKBACK_MS - 5000) L->recent[keep++] = L->recent[i];
    L->nrecent = keep;
    apply_ctx a = { L, db, now, 0, 0, 0, false, false };
    if (kj_db_begin(l)) { kj_search_local_check(db, l); return -1; }
    /* The entries after the cursor, a page at a time; then, apart, those
     * of the look-back window that committed late (most were applied:
     * seen_lately skips them), so that a burst in the window never hides
     * the new ones behind a full page. */
    int64_t top = kj_search_outbox_read(db, L->cursor, 0, 1000, apply_one, &a);
    *more = a.read >= 1000;
    int rc = top < 0 || a.failed ? -1 : 0;
    if (rc == 0 && kj_search_outbox_read(db, INT64_MAX, now - KJ_SEARCH_OUTBOX_LOOKBACK_MS, 20000, apply_one, &a) < 0) rc = -1;
    if (rc == 0 && a.failed) rc = -1;
    if (rc == 0 && top > L->cursor && meta_put_int(l, "search_outbox_seq", top)) rc = -1;
    /* Tokens of entries read for the last time (past the cursor and the
     * look-back): only when this round read something, so that an idle
     * node's round writes nothing. */
    if (rc == 0 && a.read && kj_db_exec(l, "DELETE FROM search_applied WHERE at < ?", "i",
                                        now - KJ_SEARCH_OUTBOX_LOOKBACK_MS - 60000) < 0) rc = -1;
    if (rc || kj_db_commit(l)) {
        kj_db_rollback(l);
        kj_search_local_check(db, l);
        L->nrecent = 0;   /* nothing of this round stayed */
        *more = false;
        return -1;
    }
    if (top > L->cursor) __atomic_store_n(&L->cursor, top, __ATOMIC_RELAXED);
    if (a.applied) {
        atomic_fetch_add(&L->applied, a.applied);
        atomic_store(&L->last_applied_at_ms, now);
    }
    if (a.own) atomic_fetch_add(&L->own, a.own);
    if (a.all && build(L, db, NULL) < 0) return -1;
    return a.applied;
}

static int catch_up_locked(struct kj_search_local *L, kj_db *db, bool *more)
{
    pthread_mutex_lock(&L->apply_lock);
    int n = catch_up(L, db, more);
    pthread_mutex_unlock(&L->apply_lock);
    return n;
}

int kj_search_local_catch_up(kj_db *db)
{
    struct kj_search_local *L = local_of(db);
    if (!L) return 0;
    bool more = true;
    int n = 0, got = 0;
    while (more && (got = catch_up_locked(L, db, &more)) >= 0) n += got;
    return got < 0 ? -1 : n;
}

/* ---- the tailer ---- */

static void on_signal(void *ctx, kj_store *s, const char *channel, const char *payload, bool remote)
{
    (void)s; (void)channel; (void)payload;
    struct kj_search_local *L = ctx;
    /* This node's own commits are in the copy already (paired). */
    if (!remote) return;
    pthread_mutex_lock(&L->wake_lock);
    L->wake = true;
    pthread_cond_signal(&L->wake_cond);
    pthread_mutex_unlock(&L->wake_lock);
}

static void *tailer(void *arg)
{
    struct kj_search_local *L = arg;
    int failures = 0;
    pthread_mutex_lock(&L->wake_lock);
    while (!L->stop) {
        L->wake = false;
        pthread_mutex_unlock(&L->wake_lock);
        kj_db *db = kj_store_acquire(L->shared);
        int n = kj_search_local_catch_up(db);
        kj_store_release(L->shared, db);
        /* A failure is logged by the store; say it once per run of them. */
        if (n < 0 && failures++ == 0) kj_log_error("search: applying the search outbox failed (tried again every second)");
        if (n >= 0) {
            failures = 0;
            atomic_store(&L->caught_up, 1);   /* read to the end: the node may serve search (/readyz) */
        }
        atomic_store(&L->failures, failures);
        pthread_mutex_lock(&L->wake_lock);
        if (L->stop || L->wake) continue;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;   /* the poll, in case a signal was lost */
        pthread_cond_timedwait(&L->wake_cond, &L->wake_lock, &until);
    }
    pthread_mutex_unlock(&L->wake_lock);
    return NULL;
}

int kj_search_local_start(kj_store *s)
{
    struct kj_search_local *L = local_of_store(s);
    if (!L || L->running) return 0;
    /* One round before the node listens (a page of the outbox at most):
     * what was written while it was down is usually less, and then the
     * node is ready as soon as it listens. A node that was away longer
     * (more than a page) listens at once, the tailer goes on reading, and
     * /readyz says "catching_up" (not ready) until it has read to the end. */
    kj_db *db = kj_store_acquire(s);
    bool more = false;
    int n = catch_up_locked(L, db, &more);
    kj_store_release(s, db);
    if (n >= 0 && !more) atomic_store(&L->caught_up, 1);
    /* A store without listening (none here) still polls. */
    (void)kj_store_subscribe(s, KJ_SEARCH_CHANNEL, on_signal, L);
    L->stop = false;
    if (pthread_create(&L->thread, NULL, tailer, L)) return -1;
    L->running = true;
    return 0;
}

void kj_search_local_stop(kj_store *s)
{
    struct kj_search_local *L = local_of_store(s);
    if (!L || !L->running) return;
    pthread_mutex_lock(&L->wake_lock);
    L->stop = true;
    pthread_cond_signal(&L->wake_cond);
    pthread_mutex_unlock(&L->wake_lock);
    pthread_join(L->thread, NULL);
    L->running = false;
}

/* ---- pruning ---- */

void kj_search_local_prune(kj_db *db)
{
    if (!local_of(db)) return;
    int64_t before = kj_now_ms() - KJ_SEARCH_OUTBOX_KEEP_MS;
    int64_t top = kj_db_int(db, 0, "SELECT coalesce(max(seq), 0) FROM search_outbox WHERE at < ?", "i", before);
    if (top <= 0) return;
    /* The floor first, in the same transaction as the deletion: a node
     * whose cursor is below it rebuilds. */
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)top);
    if (kj_db_begin(db)) return;
    if (kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('search_outbox_pruned', ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", "s", b) < 0 ||
        kj_db_exec(db, "DELETE FROM search_outbox WHERE seq <= ?", "i", top) < 0 || kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_log_error("search: pruning the search outbox failed (tried again later)");
    }
}

/* Rounds failed in a row before the node stops saying it is ready (about
 * a second each): one failed round is a blip the next one mends. */
#define FAILING_ROUNDS 3

json_t *kj_search_local_status(kj_store *s)
{
    struct kj_search_local *L = local_of_store(s);
    if (!L) return NULL;
    /* Serving: a background rebuild keeps the old copy answering (ready);
     * a copy still reading what was written while its node was away, or
     * one that cannot follow the outbox, would answer search without
     * changes every other node shows (not ready). */
    bool caught_up = atomic_load(&L->caught_up), failing = atomic_load(&L->failures) >= FAILING_ROUNDS;
    const char *state = !caught_up ? "catching_up" : failing ? "failing" : atomic_load(&L->building) ? "building" : "ready";
    bool serving = caught_up && !failing;
    return json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:s}", "state", state, "serving", serving,
                     "cursor", (json_int_t)__atomic_load_n(&L->cursor, __ATOMIC_RELAXED), "applied", (json_int_t)atomic_load(&L->applied),
                     "own", (json_int_t)atomic_load(&L->own),
                     "builds", (json_int_t)atomic_load(&L->builds), "last_build_ms", (json_int_t)atomic_load(&L->last_build_ms),
                     "path", L->path);
}
