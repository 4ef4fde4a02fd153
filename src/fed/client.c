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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The longest a peer may take to answer one request. */
#define REQUEST_TIMEOUT_S 20
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
static long call(const char *method, const char *url, const char *body, bool sign, kj_buf *out, char *err, size_t errlen)
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
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)REQUEST_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
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
        long st = call("GET", u.data, NULL, false, &b, err, errlen);
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
    for (int page = 0; page < PAGES_PER_ROUND && !(stop && atomic_load(stop)); page++) {
        kj_buf_reset(&b);
        kj_buf_reset(&u);
        kj_buf_printf(&u, "%s/api/v1/federation/feed?cursor=", kj_jstr(peer, "url"));   /* the peer object was refreshed above */
        url_encode(&u, kj_jstr_or_empty(peer, "cursor"));
        kj_buf_printf(&u, "&limit=%d", kj_fed_settings_get()->page);
        long st = call("GET", u.data, NULL, true, &b, err, errlen);
        if (st != 200) { if (st) answer_error(st, &b, err, errlen); total = -1; break; }
        json_t *fp = b.data ? json_loads(b.data, 0, NULL) : NULL;
        if (!fp) { snprintf(err, errlen, "its feed is not JSON"); total = -1; break; }
        kj_err fail = { 0 };
        int n = kj_fed_ingest(db, peer, fp, &fail);
        bool more = json_is_true(json_object_get(fp, "more"));
        if (n >= 0) {
            total += n;
            json_object_set(peer, "cursor", json_object_get(fp, "next_cursor"));
        } else snprintf(err, errlen, "%s", fail.key);
        json_decref(fp);
        if (n < 0) { total = -1; break; }
        if (!more) break;
    }
    kj_buf_free(&b);
    kj_buf_free(&u);
    return total;
}

static void push_outbox(kj_db *db)
{
    json_t *box = kj_fed_outbox(db, 50);
    size_t i;
    json_t *m;
    json_array_foreach(box, i, m) {
        char *body = json_dumps(json_object_get(m, "body"), JSON_COMPACT);
        kj_buf u = { 0 }, b = { 0 };
        kj_buf_printf(&u, "%s/api/v1/federation/inbox", kj_jstr(m, "url"));
        char err[256] = "";
        long st = body ? call("POST", u.data, body, true, &b, err, sizeof err) : 0;
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

static int sync_all(kj_store *store, const atomic_bool *stop)
{
    if (!kj_fed_self_get()) return 0;
    kj_db *db = kj_store_acquire(store);
    json_t *peers = kj_db_rows(db, "SELECT id FROM fed_peers WHERE state <> 'suspended' ORDER BY created_at", "");
    int total = 0;
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
        json_t *peer = kj_fed_peer_get(db, kj_jstr(p, "id"));
        if (!peer) continue;
        char err[256] = "";
        int64_t t0 = kj_mono_us();
        int n = sync_peer(db, peer, stop, err, sizeof err);
        if (n > 0)
            kj_log_info("federation: %d items from %s in %.1f s", n, kj_jstr_or_empty(peer, "url"), (double)(kj_mono_us() - t0) / 1e6);
        kj_fed_sync_result(db, kj_jstr(p, "id"), n < 0 ? err : NULL);
        if (n < 0) total = -1;
        else if (total >= 0) total += n;
        json_decref(peer);
    }
    json_decref(peers);
    push_outbox(db);
    kj_store_release(store, db);
    return total;
}

int kj_fed_sync_once(kj_store *store) { return sync_all(store, NULL); }

struct kj_fed_worker {
    kj_store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;              /* under lock: the loop ends */
    atomic_bool stopping;   /* read between feed pages: a long harvest ends early */
};

static void *worker_main(void *arg)
{
    kj_fed_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        pthread_mutex_unlock(&w->lock);
        /* Only the job leader harvests and pushes (store.h: kj_store_leader):
         * with several nodes, one cursor per peer moves, and an outbox
         * message leaves from one node (a second delivery would be taken
         * once anyway: the inbox is idempotent by EOI id). */
        if (kj_store_leader(w->store)) sync_all(w->store, &w->stopping);
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + (int64_t)kj_fed_settings_get()->sync_ms * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        if (!w->stop) pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
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
