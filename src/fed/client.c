/*
 * client.c — talking to peers: signed requests with libcurl, the harvest
 * of each peer's feed and the outbox of expressions of interest, on one
 * worker thread (fed.h).
 *
 * Requests are signed as httpsig.h says, with this instance's key; the
 * query of a signed URL is written with its keys in sorted order and its
 * values percent-encoded, which is how the receiving side rebuilds
 * @target-uri (api_fed.c).
 */
#include "fed/fed.h"
#include "fed/httpsig.h"
#include "fed/fed_int.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/log.h"
#include <curl/curl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The longest a peer may take to answer one request is the setting
 * fed_timeout_ms (kj_fed_settings.timeout_ms); connecting, at most 5 s of it. */
/* Most feed pages taken from one peer in one round (a fresh peer with
 * 100,000 listings takes 200 pages of 500: the next rounds go on). */
#define PAGES_PER_ROUND 400
/* Most feed bytes taken in one answer. */
#define MAX_ANSWER (64 << 20)

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    kj_buf *b = ctx;
    size_t len = size * n;
    if (b->len + len > MAX_ANSWER || kj_buf_append(b, p, len)) return 0;
    return len;
}

/* One request to a peer: signed unless sign is false. Returns the HTTP
 * status (0 when there was none) and the body in out. */
/* libcurl's progress callback: a server stopping aborts a request under way. */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt; (void)dn; (void)ut; (void)un;
    const atomic_bool *stop = ctx;
    return stop && atomic_load(stop) ? 1 : 0;
}

/* Every address libcurl is about to connect to passes netguard.c's check
 * (a host name that resolves to a metadata address, say); a refused one
 * is never connected to, and the round's error says why. */
static curl_socket_t open_checked(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    if (kj_fed_addr_refused(&a->addr)) { *(bool *)ctx = true; return CURL_SOCKET_BAD; }
    return socket(a->family, a->socktype, a->protocol);
}

static long call(const char *method, const char *url, const char *body, bool sign, kj_buf *out, const atomic_bool *stop,
                 char *err, size_t errlen)
{
    const kj_fed_self *me = kj_fed_self_get();
    CURL *c = curl_easy_init();
    if (!c || !me) { snprintf(err, errlen, "cannot start a request"); if (c) curl_easy_cleanup(c); return 0; }
    struct curl_slist *hs = NULL;
    kj_httpsig_headers h = { 0 };
    size_t len = body ? strlen(body) : 0;
    if (sign) {
        char nonce[32];
        kj_random_token(nonce, sizeof nonce, 16);
        int64_t now = kj_now_ms() / 1000;
        if (kj_httpsig_sign(method, url, body, len, me->pk_b64, me->sk, now, now + 60, nonce, &h)) {
            snprintf(err, errlen, "cannot sign the request");
            curl_easy_cleanup(c);
            return 0;
        }
        kj_buf line = { 0 };
        kj_buf_printf(&line, "Signature-Input: %s", h.signature_input);
        hs = curl_slist_append(hs, line.data);
        kj_buf_reset(&line);
        kj_buf_printf(&line, "Signature: %s", h.signature);
        hs = curl_slist_append(hs, line.data);
        if (h.content_digest) {
            kj_buf_reset(&line);
            kj_buf_printf(&line, "Content-Digest: %s", h.content_digest);
            hs = curl_slist_append(hs, line.data);
        }
        kj_buf_free(&line);
    }
    hs = curl_slist_append(hs, "Accept: application/json");
    if (body) hs = curl_slist_append(hs, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    long timeout_ms = kj_fed_settings_get()->timeout_ms;
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* No redirects are followed (libcurl's default, kept on purpose): a
     * peer's answer is its own, never another host's. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    bool refused = false;
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &refused);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else if (refused) snprintf(err, errlen, "its address is one no peer may have (link-local, cloud metadata, multicast)");
    else snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    kj_httpsig_headers_free(&h);
    return status;
}

/* The reason of a refused answer: its problem's title, or the status. */
static void answer_error(long status, kj_buf *b, char *err, size_t errlen)
{
    json_t *p = b->data ? json_loads(b->data, 0, NULL) : NULL;
    const char *detail = kj_jstr(p, "detail") ? kj_jstr(p, "detail") : kj_jstr(p, "title");
    snprintf(err, errlen, "HTTP %ld%s%s", status, detail ? ": " : "", detail ? detail : "");
    json_decref(p);
}

/* Percent-encodes s as RFC 3986 unreserved characters only: the form the
 * receiving side rebuilds a signed query in (as http/request.c's
 * kj_url_encode writes it). */
static void url_encode(kj_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
            kj_buf_append(b, s, 1);
        else kj_buf_append(b, (char[]){ '%', hex[c >> 4], hex[c & 15] }, 3);
    }
}

/* Whether an answer is the origin's "this kind is not shared" (fed/offer.c):
 * 404 with the problem code err.fed.not_shared. */
static bool answer_not_shared(long status, kj_buf *b)
{
    if (status != 404 || !b->data) return false;
    json_t *p = json_loads(b->data, 0, NULL);
    bool yes = !strcmp(kj_jstr_or_empty(json_array_get(json_object_get(p, "errors"), 0), "code"), "err.fed.not_shared");
    json_decref(p);
    return yes;
}

/* One feed page of peer after cursor: parsed, or NULL with err set (and
 * *not_shared set, when given, if the origin does not share type). */
static json_t *fetch_page(const char *base, const char *type, const char *cursor, const atomic_bool *stop, char *err, size_t errlen,
                          bool *not_shared)
{
    kj_buf u = { 0 }, b = { 0 };
    /* The query's keys in sorted order, as the receiver rebuilds @target-uri. */
    kj_buf_printf(&u, "%s/api/v1/federation/feed?cursor=", base);
    url_encode(&u, cursor ? cursor : "");
    kj_buf_printf(&u, "&limit=%d", kj_fed_settings_get()->page);
    if (strcmp(type, "listing")) kj_buf_printf(&u, "&type=%s", type);
    long st = call("GET", u.data, NULL, true, &b, stop, err, errlen);
    json_t *fp = NULL;
    if (st != 200) {
        if (st) answer_error(st, &b, err, errlen);
        if (not_shared) *not_shared = answer_not_shared(st, &b);
    }
    else if (!(fp = b.data ? json_loads(b.data, 0, NULL) : NULL)) snprintf(err, errlen, "its feed is not JSON");
    kj_buf_free(&u);
    kj_buf_free(&b);
    return fp;
}

/* The next page, fetched on a thread of its own while this one is taken
 * in: the origin makes and signs page n+1 while we verify and store page
 * n, so that a catch-up costs about the longer of the two sides, not
 * their sum. Its json_t objects are its own until joined. */
typedef struct {
    pthread_t thread;
    const char *base, *type;
    char cursor[64];
    const atomic_bool *stop;
    json_t *page;
    char err[256];
} prefetch;

static void *prefetch_main(void *arg)
{
    prefetch *p = arg;
    p->page = fetch_page(p->base, p->type, p->cursor, p->stop, p->err, sizeof p->err, NULL);
    return NULL;
}

/* Harvests one kind of peer's feed from its cursor. Items applied, or -1. */
static int sync_kind(kj_db *db, json_t *peer, const char *type, const atomic_bool *stop, char *err, size_t errlen)
{
    const char *base = kj_jstr(peer, "url");
    char *cursor = kj_fed_cursor(db, peer, type);
    if (!cursor) { snprintf(err, errlen, "cannot read the cursor"); return -1; }
    bool not_shared = false;
    json_t *fp = fetch_page(base, type, cursor, stop, err, errlen, &not_shared);
    free(cursor);
    if (not_shared) {
        /* The origin stopped sharing type: no stale copy stays here (fed/offer.c). */
        int dropped = kj_fed_drop_kind(db, peer, type);
        if (dropped < 0) snprintf(err, errlen, "cannot drop the %s items it no longer shares", type);
        return dropped < 0 ? -1 : 0;
    }
    int total = fp ? 0 : -1, bulk_count = 0;
    int64_t bulk_since = 0;
    for (int page = 0; fp; page++) {
        bool more = json_is_true(json_object_get(fp, "more"));
        const char *next = kj_jstr(fp, "next_cursor");
        prefetch pf = { .base = base, .type = type, .stop = stop };
        bool ahead = more && next && strlen(next) < sizeof pf.cursor && page + 1 < PAGES_PER_ROUND && !(stop && atomic_load(stop));
        if (ahead) {
            snprintf(pf.cursor, sizeof pf.cursor, "%s", next);
            ahead = pthread_create(&pf.thread, NULL, prefetch_main, &pf) == 0;
        }
        kj_err fail = { 0 };
        int64_t t_page = kj_now_ms();
        int n = kj_fed_ingest(db, peer, type, fp, &fail);
        json_decref(fp);
        fp = NULL;
        if (ahead) pthread_join(pf.thread, NULL);
        if (n < 0) { snprintf(err, errlen, "%s", fail.key); json_decref(pf.page); total = -1; break; }
        if (more && !bulk_since) bulk_since = t_page;
        if (more) bulk_count += n;
        total += n;
        if (!ahead) { json_decref(pf.page); break; }   /* read to its end, or this round's pages are done */
        if (!pf.page) { snprintf(err, errlen, "%s", pf.err); total = -1; break; }
        fp = pf.page;
    }
    /* Also after a failed or stopped round: what was taken is matched. */
    if (bulk_count > 0 && !strcmp(type, "listing") && kj_fed_ingest_done(db, peer, bulk_since, bulk_count))
        kj_log_error("federation: the matching of %d listings from %s could not be queued", bulk_count, base);
    return total;
}

/* Harvests peer's feed from its cursor, until it is read or *stop is set
 * (a server stopping: the cursor is kept, the next start goes on). Items
 * applied, or -1 (err says why). */
static int sync_peer(kj_db *db, json_t *peer, const atomic_bool *stop, char *err, size_t errlen)
{
    const char *pid = kj_jstr(peer, "id"), *url = kj_jstr(peer, "url");
    kj_buf b = { 0 }, u = { 0 };
    int total = 0;
    if (!kj_jstr(peer, "instance_id")) {
        /* First contact: who it is, checked against the key we were given. */
        kj_buf_printf(&u, "%s/api/v1/federation/instance", url);
        long st = call("GET", u.data, NULL, false, &b, stop, err, errlen);
        json_t *doc = st == 200 && b.data ? json_loads(b.data, 0, NULL) : NULL;
        kj_err fail = { 0 };
        if (st && st != 200) answer_error(st, &b, err, errlen);
        else if (st == 200 && !doc) snprintf(err, errlen, "its instance document is not JSON");
        int rc = doc ? kj_fed_peer_learn(db, pid, doc, &fail) : -1;
        if (doc && rc) snprintf(err, errlen, "%s", fail.key);
        json_decref(doc);
        kj_buf_free(&b);
        kj_buf_free(&u);
        if (rc) return -1;
        json_t *again = kj_fed_peer_get(db, pid);
        if (!again) return -1;
        json_object_update(peer, again);
        json_decref(again);
    }
    /* Each kind taken from this peer, from its own cursor. */
    json_t *kinds = json_object_get(peer, "accepted_kinds");
    size_t k;
    json_t *kv;
    json_array_foreach(kinds, k, kv) {
        if (stop && atomic_load(stop)) break;
        const char *type = json_string_value(kv);
        if (!type || !kj_fed_kind_known(type)) continue;
        int n = sync_kind(db, peer, type, stop, err, errlen);
        if (n < 0) { total = -1; break; }
        total += n;
    }
    return total;
}

/* Pushes what waits for peer_id. */
static void push_outbox(kj_db *db, const char *peer_id, const atomic_bool *stop)
{
    json_t *box = kj_fed_outbox(db, peer_id, 50);
    size_t i;
    json_t *m;
    json_array_foreach(box, i, m) {
        if (stop && atomic_load(stop)) break;
        char *body = json_dumps(json_object_get(m, "body"), JSON_COMPACT);
        kj_buf u = { 0 }, b = { 0 };
        kj_buf_printf(&u, "%s/api/v1/federation/inbox", kj_jstr(m, "url"));
        char err[256] = "";
        long st = body ? call("POST", u.data, body, true, &b, stop, err, sizeof err) : 0;
        if (st >= 200 && st < 300) kj_fed_outbox_done(db, kj_jstr(m, "eoi_id"), kj_jstr(m, "peer_id"), kj_jstr(m, "kind"), NULL);
        else {
            if (st) answer_error(st, &b, err, sizeof err);
            kj_fed_outbox_done(db, kj_jstr(m, "eoi_id"), kj_jstr(m, "peer_id"), kj_jstr(m, "kind"), err);
        }
        free(body);
        kj_buf_free(&u);
        kj_buf_free(&b);
    }
    json_decref(box);
}

/* One peer's round: its feed, then what waits for it in the outbox; the
 * outcome recorded (fed_peers: last sync, error, failures and the backoff
 * that follows them). Items applied, or -1. */
static int peer_round(kj_db *db, const char *peer_id, const atomic_bool *stop)
{
    json_t *peer = kj_fed_peer_get(db, peer_id);
    if (!peer) return 0;
    char err[256] = "";
    int64_t t0 = kj_mono_us();
    int n = sync_peer(db, peer, stop, err, sizeof err);
    if (n > 0)
        kj_log_info("federation: %d items from %s in %.1f s", n, kj_jstr_or_empty(peer, "url"), (double)(kj_mono_us() - t0) / 1e6);
    if (!(stop && atomic_load(stop))) {
        kj_fed_sync_result(db, peer_id, n < 0 ? err : NULL);
        if (n >= 0) push_outbox(db, peer_id, stop);
    }
    json_decref(peer);
    return n;
}

int kj_fed_sync_once(kj_store *store)
{
    if (!kj_fed_self_get()) return 0;
    kj_db *db = kj_store_acquire(store);
    json_t *peers = kj_db_rows(db, "SELECT id FROM fed_peers WHERE state <> 'suspended' ORDER BY created_at", "");
    int total = 0;
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
        int n = peer_round(db, kj_jstr(p, "id"), NULL);
        if (n < 0) total = -1;
        else if (total >= 0) total += n;
    }
    json_decref(peers);
    kj_store_release(store, db);
    return total;
}

/* ---- the worker ----
 * One scheduler thread; each peer's round runs on a thread of its own, so
 * that a slow or unreachable peer (every request bounded by fed_timeout_ms,
 * then backed off, fed.h: kj_fed_sync_result) delays nobody else. A peer
 * is due sync_ms after its last round ended, or at its backoff time
 * (fed_peers.next_sync_at) after failures. At most MAX_ROUNDS rounds run
 * at once (each holds a database connection); more wait for a free one. */
#define MAX_ROUNDS 4
/* How often the scheduler looks for due peers (and a new peer is first
 * harvested within this). */
#define TICK_MS 200

typedef struct {
    kj_fed_worker *w;
    char peer_id[32];
    pthread_t thread;
    bool used;              /* this slot holds a round (running or ended, not yet joined) */
    atomic_bool ended;      /* the round thread is done: join it */
} round_slot;

/* Peers' next due time after a round (monotonic ms), in memory: the
 * scheduler's own, read and written by it alone. */
typedef struct { char peer_id[32]; int64_t due_ms; } due_entry;
#define DUE_MAX 256

struct kj_fed_worker {
    kj_store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;              /* under lock: the loop ends */
    atomic_bool stopping;   /* read by rounds between requests and by libcurl: a long harvest ends early */
    round_slot rounds[MAX_ROUNDS];   /* the scheduler thread's alone */
    due_entry due[DUE_MAX];          /* the scheduler thread's alone */
    int ndue;
};

static void *round_main(void *arg)
{
    round_slot *r = arg;
    kj_db *db = kj_store_acquire(r->w->store);
    peer_round(db, r->peer_id, &r->w->stopping);
    kj_store_release(r->w->store, db);
    atomic_store(&r->ended, true);
    return NULL;
}

static due_entry *due_of(kj_fed_worker *w, const char *peer_id)
{
    for (int i = 0; i < w->ndue; i++) if (!strcmp(w->due[i].peer_id, peer_id)) return &w->due[i];
    if (w->ndue == DUE_MAX) return NULL;
    due_entry *d = &w->due[w->ndue++];
    snprintf(d->peer_id, sizeof d->peer_id, "%s", peer_id);
    d->due_ms = 0;
    return d;
}

/* Joins the rounds that ended; each peer is next due sync_ms later. */
static void reap(kj_fed_worker *w, bool wait_all)
{
    for (int i = 0; i < MAX_ROUNDS; i++) {
        round_slot *r = &w->rounds[i];
        if (!r->used || (!wait_all && !atomic_load(&r->ended))) continue;
        pthread_join(r->thread, NULL);
        r->used = false;
        due_entry *d = due_of(w, r->peer_id);
        if (d) d->due_ms = kj_mono_us() / 1000 + kj_fed_settings_get()->sync_ms;
    }
}

static bool running(kj_fed_worker *w, const char *peer_id)
{
    for (int i = 0; i < MAX_ROUNDS; i++) if (w->rounds[i].used && !strcmp(w->rounds[i].peer_id, peer_id)) return true;
    return false;
}

/* Starts a round for every due peer that has none running. */
static void schedule(kj_fed_worker *w)
{
    kj_db *db = kj_store_acquire(w->store);
    json_t *peers = kj_db_rows(db, "SELECT id FROM fed_peers WHERE state <> 'suspended' AND "
                                   "(next_sync_at IS NULL OR next_sync_at <= ?) ORDER BY created_at", "i", kj_now_ms());
    kj_store_release(w->store, db);
    int64_t now = kj_mono_us() / 1000;
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
        const char *id = kj_jstr(p, "id");
        due_entry *d = id ? due_of(w, id) : NULL;
        if (!d || d->due_ms > now || running(w, id)) continue;
        round_slot *r = NULL;
        for (int k = 0; k < MAX_ROUNDS && !r; k++) if (!w->rounds[k].used) r = &w->rounds[k];
        if (!r) break;   /* all busy: the next tick */
        r->w = w;
        snprintf(r->peer_id, sizeof r->peer_id, "%s", id);
        atomic_store(&r->ended, false);
        if (pthread_create(&r->thread, NULL, round_main, r)) { kj_log_error("federation: cannot start a sync round"); break; }
        r->used = true;
    }
    json_decref(peers);
}

static void *worker_main(void *arg)
{
    kj_fed_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        pthread_mutex_unlock(&w->lock);
        reap(w, false);
        /* Only the job leader harvests and pushes (store.h: kj_store_leader):
         * with several nodes, one cursor per peer moves, and an outbox
         * message leaves from one node (a second delivery would be taken
         * once anyway: the inbox is idempotent by EOI id). */
        if (kj_store_leader(w->store)) schedule(w);
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int tick = kj_fed_settings_get()->sync_ms < TICK_MS ? kj_fed_settings_get()->sync_ms : TICK_MS;
        int64_t ns = until.tv_nsec + (int64_t)tick * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        if (!w->stop) pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
    reap(w, true);   /* stopping is set: every round ends at its next request boundary */
    return NULL;
}

kj_fed_worker *kj_fed_worker_start(kj_store *store)
{
    if (!kj_fed_self_get()) return NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);   /* idempotent; before this thread uses libcurl */
    kj_fed_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->store = store;
    atomic_init(&w->stopping, false);
    for (int i = 0; i < MAX_ROUNDS; i++) atomic_init(&w->rounds[i].ended, false);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        kj_log_error("federation: cannot start the sync worker");
        free(w);
        return NULL;
    }
    return w;
}

void kj_fed_worker_stop(kj_fed_worker *w)
{
    if (!w) return;
    atomic_store(&w->stopping, true);
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}
