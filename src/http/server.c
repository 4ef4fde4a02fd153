/*
 * server.c — libmicrohttpd glue: connection callbacks, body intake and
 * limits, response emission, gzip, access log, metrics, graceful stop.
 *
 * Request life: libmicrohttpd calls on_request() once with the headers
 * (we build the kj_req, match the route and check Content-Length against
 * the route's limit), then once per body chunk (we buffer it, or feed the
 * post processor for forms), then once more with no data (we parse, call
 * the application's dispatch, and queue the response). on_completed()
 * frees the request after the response is sent or the connection drops.
 *
 * Heavy routes (KJ_HEAVY): on the last call the connection is suspended
 * and the request handed to the heavy worker pool (core/heavy.h); the
 * worker dispatches it and resumes the connection, and libmicrohttpd then
 * calls on_request once more, which queues the response. The HTTP thread
 * meanwhile serves its other connections. A full pool is answered at once
 * through cfg.busy (503).
 *
 * Limits: a request line plus headers beyond max_header bytes get 431
 * (counted here as "METHOD SP target SP version CRLF", "Name: value CRLF"
 * per header and the final CRLF; libmicrohttpd's per-connection memory
 * pool holds twice that, so that we, not it, draw the line); a query of
 * more than max_fields arguments gets 414 and a request target holding a
 * NUL byte 400 (both refused before libmicrohttpd parses the query:
 * on_uri); bodies beyond the route's limit get 413; more than max_fields
 * form fields get 400. What libmicrohttpd itself refuses, because its pool
 * is full, is in the note at MHD_OPTION_CONNECTION_MEMORY_LIMIT.
 *
 * Slow clients (slowloris): libmicrohttpd bounds connections in total
 * (max_conns) and per client address (max_conns_per_ip; off behind a
 * trusted proxy, whose one address all clients share). Its inactivity
 * timeout alone does not stop a client that sends one byte every few
 * seconds, so every connection also carries an absolute deadline: its
 * headers must be complete header_timeout seconds after it opened (or
 * after its previous response on a kept-alive connection), its body
 * body_timeout seconds (plus a second per body_min_rate bytes declared)
 * after its headers. A reaper thread shuts overdue sockets down, unless
 * bytes the client sent wait unread in the socket (then the server, not
 * the client, is late); a phase that completes counts as overdue only if
 * the reaper shut it down.
 */
#include "http/http.h"
#include "core/clock.h"
#include "core/heavy.h"
#include "core/id.h"
#include "core/log.h"
#include "core/validate.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Status codes we count per route; anything else is counted as "other". */
static const int counted_status[] = {
    200, 201, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 410,
    413, 414, 415, 422, 429, 431, 500, 503,
};
/* After the pool stopped: how long the answers of the requests it held may
 * take to go out (kj_server_stop). */
#define HEAVY_FLUSH_MS 5000
#define NSTATUS ((int)(sizeof counted_status / sizeof *counted_status) + 1)
static const double latency_bounds_ms[] = { 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000 };
#define NBUCKETS ((int)(sizeof latency_bounds_ms / sizeof *latency_bounds_ms))

/* One open connection, for the deadlines (see the top). Created and
 * destroyed by libmicrohttpd's connection notifications; its fields are
 * guarded by the server's conns_lock. The close notification arrives
 * before libmicrohttpd closes the socket and takes the lock, so the reaper
 * never shuts down a descriptor that has been closed (and maybe reused). */
typedef struct kj_conn {
    struct kj_conn *prev, *next;
    int fd;
    int64_t deadline_us;   /* kj_mono_us() by which the current phase must end; 0 = none */
    size_t target_len;     /* raw request-target length of the current request */
    bool nul_in_target;    /* it holds or encodes a NUL ("%00"): refused (kj_req.bad_target) */
    int target_error;      /* 414 (more query arguments than max_fields) or 0 */
    bool reaped;
} kj_conn;

struct kj_server {
    kj_server_config cfg;
    struct MHD_Daemon *daemon;
    kj_heavy *heavy;                    /* NULL: heavy routes run on the HTTP threads */
    int port;
    pthread_mutex_t conns_lock;
    pthread_cond_t reaper_wake;
    kj_conn conns;                      /* list head (sentinel) */
    bool reaper_stop;
    bool reaper_started;
    pthread_t reaper;
    _Atomic long long reaped_total;     /* connections closed by a deadline */
    _Atomic long long open_conns;
    atomic_int in_flight;
    atomic_int heavy_in_flight;   /* requests handed to the pool, until their answer is sent */
    int nroutes;
    _Atomic long long *counts;          /* [(nroutes+1) * NSTATUS] */
    _Atomic long long buckets[NBUCKETS + 1];
    _Atomic long long latency_sum_us;
    _Atomic long long latency_count;
};

static int status_slot(int status)
{
    for (int i = 0; i < NSTATUS - 1; i++) if (counted_status[i] == status) return i;
    return NSTATUS - 1;
}

static void record_metrics(kj_server *s, kj_req *req, int64_t us)
{
    int r = req->route ? req->route_index : s->nroutes;
    atomic_fetch_add(&s->counts[r * NSTATUS + status_slot(req->status)], 1);
    int b = 0;
    while (b < NBUCKETS && (double)us / 1000.0 > latency_bounds_ms[b]) b++;
    atomic_fetch_add(&s->buckets[b], 1);
    atomic_fetch_add(&s->latency_sum_us, us);
    atomic_fetch_add(&s->latency_count, 1);
}

void kj_http_metrics(kj_server *s, kj_buf *out)
{
    kj_buf_puts(out, "# HELP kejiyun_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE kejiyun_http_requests_total counter\n");
    for (int r = 0; r <= s->nroutes; r++) {
        const kj_route *rt = r < s->nroutes ? kj_router_route(s->cfg.router, r) : NULL;
        const char *name = rt ? (rt->name ? rt->name : rt->pattern) : "unmatched";
        for (int k = 0; k < NSTATUS; k++) {
            long long n = atomic_load(&s->counts[r * NSTATUS + k]);
            if (!n) continue;
            if (k < NSTATUS - 1)
                kj_buf_printf(out, "kejiyun_http_requests_total{route=\"%s\",status=\"%d\"} %lld\n", name, counted_status[k], n);
            else
                kj_buf_printf(out, "kejiyun_http_requests_total{route=\"%s\",status=\"other\"} %lld\n", name, n);
        }
    }
    kj_buf_puts(out, "# HELP kejiyun_http_request_duration_seconds Request latency.\n"
                     "# TYPE kejiyun_http_request_duration_seconds histogram\n");
    long long cum = 0;
    for (int b = 0; b <= NBUCKETS; b++) {
        cum += atomic_load(&s->buckets[b]);
        if (b < NBUCKETS)
            kj_buf_printf(out, "kejiyun_http_request_duration_seconds_bucket{le=\"%g\"} %lld\n", latency_bounds_ms[b] / 1000.0, cum);
        else
            kj_buf_printf(out, "kejiyun_http_request_duration_seconds_bucket{le=\"+Inf\"} %lld\n", cum);
    }
    kj_buf_printf(out, "kejiyun_http_request_duration_seconds_sum %.6f\n", (double)atomic_load(&s->latency_sum_us) / 1e6);
    kj_buf_printf(out, "kejiyun_http_request_duration_seconds_count %lld\n", (long long)atomic_load(&s->latency_count));
    kj_buf_printf(out, "# TYPE kejiyun_http_in_flight gauge\nkejiyun_http_in_flight %d\n", atomic_load(&s->in_flight) - 1);
    kj_heavy_counts h;
    kj_heavy_stats(s->heavy, &h);
    kj_buf_printf(out, "# HELP kejiyun_heavy_running CPU-heavy requests on a worker now.\n"
                       "# TYPE kejiyun_heavy_running gauge\nkejiyun_heavy_running %d\n"
                       "# TYPE kejiyun_heavy_queued gauge\nkejiyun_heavy_queued %d\n"
                       "# TYPE kejiyun_heavy_done_total counter\nkejiyun_heavy_done_total %lld\n"
                       "# HELP kejiyun_heavy_refused_total CPU-heavy requests refused with 503 (queue full).\n"
                       "# TYPE kejiyun_heavy_refused_total counter\nkejiyun_heavy_refused_total %lld\n",
                  h.running, h.queued, (long long)h.done, (long long)h.refused);
    kj_buf_printf(out, "# HELP kejiyun_http_connections Open client connections.\n"
                       "# TYPE kejiyun_http_connections gauge\nkejiyun_http_connections %lld\n"
                       "# HELP kejiyun_http_deadline_closed_total Connections closed for sending headers or body too slowly.\n"
                       "# TYPE kejiyun_http_deadline_closed_total counter\nkejiyun_http_deadline_closed_total %lld\n",
                  (long long)atomic_load(&s->open_conns), (long long)atomic_load(&s->reaped_total));
}

/* ---- connection deadlines ---- */

static kj_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    kj_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        kj_conn *c = calloc(1, sizeof *c);
        if (!c) return;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->fd = ci ? ci->connect_fd : -1;
        pthread_mutex_lock(&s->conns_lock);
        c->deadline_us = kj_mono_us() + (int64_t)s->cfg.header_timeout_s * 1000000;
        c->next = s->conns.next;
        c->prev = &s->conns;
        s->conns.next->prev = c;
        s->conns.next = c;
        pthread_mutex_unlock(&s->conns_lock);
        atomic_fetch_add(&s->open_conns, 1);
        *socket_context = c;
        return;
    }
    kj_conn *c = *socket_context;
    if (!c) return;
    pthread_mutex_lock(&s->conns_lock);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    pthread_mutex_unlock(&s->conns_lock);
    atomic_fetch_sub(&s->open_conns, 1);
    free(c);
    *socket_context = NULL;
}

/* Starts the connection's next phase: its deadline becomes now + us (0 =
 * none). Returns false when the phase that ends now was overdue: the reaper
 * found it so (with nothing of the client's left unread) and shut it down.
 * Comparing the clock here instead would blame the client for the time a
 * busy worker thread took to read what had arrived in time. */
static bool next_phase(kj_server *s, kj_conn *c, int64_t us)
{
    if (!c) return true;
    int64_t now = kj_mono_us();
    pthread_mutex_lock(&s->conns_lock);
    bool in_time = !c->reaped;
    c->deadline_us = us > 0 ? now + us : 0;
    pthread_mutex_unlock(&s->conns_lock);
    return in_time;
}

static bool phase_in_time(kj_server *s, kj_conn *c)
{
    if (!c) return true;
    pthread_mutex_lock(&s->conns_lock);
    bool in_time = !c->reaped;
    pthread_mutex_unlock(&s->conns_lock);
    return in_time;
}

/* Every quarter second: shuts down the sockets of overdue connections.
 * libmicrohttpd then sees the end of the stream and closes them itself
 * (the socket stays its own; we never close it). */
static void *reaper_main(void *arg)
{
    kj_server *s = arg;
    pthread_mutex_lock(&s->conns_lock);
    while (!s->reaper_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 250 * 1000000L;
        if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&s->reaper_wake, &s->conns_lock, &until);
        int64_t now = kj_mono_us();
        for (kj_conn *c = s->conns.next; c != &s->conns; c = c->next) {
            if (c->reaped || !c->deadline_us || now <= c->deadline_us || c->fd < 0) continue;
            /* Bytes waiting in the socket: the client sent them and the
             * server has not read them yet (its worker thread was busy with
             * another connection's long request, or the machine is starved).
             * The lateness is ours, not the client's: another period. A
             * client that trickles is read as soon as it sends, so it never
             * has bytes waiting here. */
            int waiting = 0;
            if (ioctl(c->fd, FIONREAD, &waiting) == 0 && waiting > 0) {
                c->deadline_us = now + (int64_t)s->cfg.header_timeout_s * 1000000;
                continue;
            }
            shutdown(c->fd, SHUT_RDWR);
            c->reaped = true;
            atomic_fetch_add(&s->reaped_total, 1);
        }
    }
    pthread_mutex_unlock(&s->conns_lock);
    return NULL;
}

/* Does the request target end at p? libmicrohttpd 0.9.x hands the target
 * over inside its request line: the space before "HTTP/d.d" and the line
 * end are NULs by then, and the version has been checked to be exactly
 * those 8 bytes (parse_initial_message_line, read in its 0.9.75 source).
 * A NUL elsewhere is the client's: 0.9.x keeps it, and still finds the
 * query after it. Reads go byte by byte and stop at the first mismatch, so
 * they never pass the version's own NUL. From 1.0 on a NUL in the request
 * line closes the connection before this point, so the first NUL ends it. */
static bool target_ends_at(const char *p)
{
#if MHD_VERSION >= 0x01000000
    return *p == '\0';
#else
    return p[0] == '\0' && p[1] == 'H' && p[2] == 'T' && p[3] == 'T' && p[4] == 'P' && p[5] == '/' &&
           p[6] >= '0' && p[6] <= '9' && p[7] == '.' && p[8] >= '0' && p[8] <= '9' && p[9] == '\0';
#endif
}

/* Header fields and cookies the connection pool has records for beyond
 * the query's max_fields (see MHD_OPTION_CONNECTION_MEMORY_LIMIT); what
 * the read buffer does not use serves as records too. */
#define HEADER_RECORDS 256

/* libmicrohttpd reports the raw request target (with its query) as soon as
 * the request line is read, before it splits the query: its length counts
 * toward max_header. libmicrohttpd stores a 64-byte record in the
 * connection's pool for every query argument (one per "&", even empty),
 * and when the pool runs out there it neither answers nor lets us answer
 * (0.9.75 overwrites its own error state and closes the connection or
 * leaves it hanging). So a query of more than max_fields arguments, or a
 * target holding a NUL byte, is cut off right after its "?" here — the
 * only moment anything can stop libmicrohttpd from parsing it — and the
 * request is answered 414 (target_error) or 400 (bad_target, as for an
 * encoded NUL). The target sits in
 * libmicrohttpd's own read buffer, which it clobbers itself while parsing
 * (the 'const' is the callback's signature, not the memory's). The return
 * value becomes the request's context, which must start NULL. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    kj_server *s = cls;
    kj_conn *c = conn_of(conn);   /* only this connection's thread touches it */
    if (!c) return NULL;
    c->target_len = 0;
    c->target_error = 0;
    c->nul_in_target = false;
    if (!uri) return NULL;
    const char *p = uri, *query = NULL;
    size_t args = 0;
    bool nul = false;
    for (; !target_ends_at(p); p++) {
        if (*p == '?' && !query) { query = p; args = 1; }
        else if (*p == '&' && query) args++;
        else if (*p == '\0') nul = true;
    }
    c->target_len = (size_t)(p - uri);
    c->nul_in_target = nul || strcasestr(uri, "%00");
    if (args > s->cfg.max_fields) c->target_error = 414;
    if (query && (nul || c->target_error)) ((char *)query)[1] = '\0';
    return NULL;
}

static enum MHD_Result add_header_len(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    size_t *n = cls;
    *n += strlen(key) + 2 + (value ? strlen(value) : 0) + 2;
    return MHD_YES;
}

/* Bytes of the request line and headers, as counted for max_header. */
static size_t header_bytes(struct MHD_Connection *conn, kj_conn *c, const char *method, const char *version)
{
    size_t n = strlen(method) + 1 + (c ? c->target_len : 0) + 1 + strlen(version) + 2 + 2;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_len, &n);
    return n;
}

/* ---- helpers ---- */

static enum kj_method parse_method(const char *m)
{
    static const struct { const char *name; enum kj_method m; } table[] = {
        { "GET", KJ_GET }, { "HEAD", KJ_HEAD }, { "POST", KJ_POST }, { "PUT", KJ_PUT },
        { "PATCH", KJ_PATCH }, { "DELETE", KJ_DELETE },
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(m, table[i].name) == 0) return table[i].m;
    return 0;
}

static bool is_text_type(const char *ct)
{
    return ct && (strncmp(ct, "text/", 5) == 0 || strstr(ct, "json") || strstr(ct, "javascript") ||
                  strstr(ct, "xml") || strstr(ct, "svg"));
}

bool kj_req_accepts_gzip(kj_req *req)
{
    const char *ae = kj_req_header(req, "Accept-Encoding");
    return ae && strstr(ae, "gzip");
}

char *kj_gzip_bytes(const char *src, size_t n, size_t *out_len)
{
    z_stream z = { 0 };
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, n) + 32;
    char *out = malloc(cap);
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) { free(out); return NULL; }
    return out;
}

/* ---- response ---- */

/* The headers every answer carries, whatever made it (page, API, file,
 * static asset, error, 404/405, 503 busy): test_security_headers.py asks
 * each kind. A handler's own Content-Security-Policy (files: "default-src
 * 'none'") replaces the default one, and always forbids framing too
 * (frame-ancestors is not covered by default-src). Strict-Transport-Security
 * only on answers that went over TLS (a trusted proxy's X-Forwarded-Proto,
 * or secure_cookies): on plain http it would be ignored, and sent from a
 * test instance reached by its IP it would pin nothing useful. */
static void add_security_headers(kj_server *s, kj_req *req, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Request-Id", req->id);
    /* The check-in page's scanner uses the camera (static/js/checkin.js);
     * nothing uses the rest. */
    MHD_add_response_header(resp, "Permissions-Policy",
                            "camera=(self), microphone=(), geolocation=(), payment=()");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    bool has_csp = false, has_xfo = false, has_cc = false;
    for (struct kj_header *h = req->headers; h; h = h->next) {
        if (!strcasecmp(h->name, "Cache-Control")) has_cc = true;
        if (!strcasecmp(h->name, "Content-Security-Policy")) {
            has_csp = true;
            if (!strstr(h->value, "frame-ancestors")) {
                char *v = kj_arena_printf(req->arena, "%s; frame-ancestors 'none'", h->value);
                MHD_add_response_header(resp, h->name, v);
                continue;
            }
        }
        MHD_add_response_header(resp, h->name, h->value);
        if (!strcasecmp(h->name, "X-Frame-Options")) has_xfo = true;
    }
    if (!has_csp)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
    if (!has_xfo) MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    /* What a signed-in request was answered (an API call's JSON: pages say
     * no-store themselves) is nobody else's: never kept by a shared cache
     * or the browser's disk. */
    if (!has_cc && req->user) MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (req->tls && s->cfg.hsts_max_age > 0) {
        char v[64];
        snprintf(v, sizeof v, "max-age=%ld", s->cfg.hsts_max_age);
        MHD_add_response_header(resp, "Strict-Transport-Security", v);
    }
}

static enum MHD_Result queue_response(kj_server *s, kj_req *req, struct MHD_Connection *conn)
{
    if (!req->status) kj_resp_problem(req, 500, "Internal error", "the handler produced no response", NULL);
    size_t len = req->body.len;
    char *data = kj_buf_steal(&req->body, &len);
    bool gz = req->body_gzipped;
    if (!gz && !req->no_gzip && len > 860 && is_text_type(req->content_type) && kj_req_accepts_gzip(req)) {
        size_t zlen;
        char *z = kj_gzip_bytes(data, len, &zlen);
        if (z) { free(data); data = z; len = zlen; gz = true; }
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) { free(data); return MHD_NO; }
    if (req->content_type) MHD_add_response_header(resp, "Content-Type", req->content_type);
    if (gz) MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (!req->no_gzip && is_text_type(req->content_type)) MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    add_security_headers(s, req, resp);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    int64_t us = kj_mono_us() - req->start_us;
    record_metrics(s, req, us);
    if (s->cfg.access_log)
        kj_log_info("%s %s %d %zu %lldus", req->method_name, req->path, req->status, len, (long long)us);
    return rc;
}

/* ---- body intake ---- */

static void flush_form_field(kj_req *req, json_t *into)
{
    if (!req->field_acc_name) return;
    if (req->field_acc_file) {
        kj_upload *u = kj_arena_alloc(req->arena, sizeof *u);
        u->field = kj_arena_strdup(req->arena, req->field_acc_name);
        u->filename = kj_arena_strdup(req->arena, req->field_acc_file);
        u->content_type = kj_arena_strdup(req->arena, req->field_acc_type ? req->field_acc_type : "");
        u->data = kj_arena_strndup(req->arena, req->field_acc.data ? req->field_acc.data : "", req->field_acc.len);
        u->size = req->field_acc.len;
        kj_upload **tail = &req->uploads;
        while (*tail) tail = &(*tail)->next;
        *tail = u;
    } else {
        json_t *v = json_stringn_nocheck(req->field_acc.data ? req->field_acc.data : "", req->field_acc.len);
        json_t *old = json_object_get(into, req->field_acc_name);
        if (!old) json_object_set_new(into, req->field_acc_name, v);
        else if (json_is_array(old)) json_array_append_new(old, v);
        else {
            json_t *arr = json_array();
            json_array_append(arr, old);
            json_array_append_new(arr, v);
            json_object_set_new(into, req->field_acc_name, arr);
        }
    }
    free(req->field_acc_name); free(req->field_acc_file); free(req->field_acc_type);
    req->field_acc_name = req->field_acc_file = req->field_acc_type = NULL;
    kj_buf_reset(&req->field_acc);
}

static json_t *form_values(kj_req *req)
{
    if (!req->json_body) req->json_body = json_object();
    return req->json_body;
}

static enum MHD_Result on_post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data,
                                     uint64_t off, size_t size)
{
    kj_req *req = cls;
    /* A multipart part without a name (Content-Disposition: form-data and
     * nothing more) reaches us with key NULL: a malformed body, not a field
     * (found by tests/fuzz/fuzz_multipart; strdup(NULL) crashed the server). */
    if (!key) { req->parse_error = 400; return MHD_NO; }
    bool same = req->field_acc_name && strcmp(req->field_acc_name, key) == 0 &&
                ((filename == NULL) == (req->field_acc_file == NULL)) && off > 0;
    if (!same) {
        flush_form_field(req, form_values(req));
        if (++req->nfields > 1000) { req->parse_error = 400; return MHD_NO; }
        req->field_acc_name = strdup(key);
        req->field_acc_file = filename ? strdup(filename) : NULL;
        req->field_acc_type = content_type ? strdup(content_type) : NULL;
    }
    if (size) kj_buf_append(&req->field_acc, data, size);
    return MHD_YES;
}

static void parse_body(kj_server *s, kj_req *req)
{
    if (req->parse_error) return;
    if (req->post_processor) {
        if (MHD_post_process(req->post_processor, NULL, 0) != MHD_YES && !req->parse_error) req->parse_error = 400;
        flush_form_field(req, form_values(req));
        if (req->nfields > s->cfg.max_fields) req->parse_error = 400;
        return;
    }
    if (strcmp(req->body_kind, "json") == 0 && req->raw_body.len) {
        json_error_t e;
        req->json_body = json_loadb(req->raw_body.data, req->raw_body.len, JSON_REJECT_DUPLICATES, &e);
        if (!req->json_body || !json_is_object(req->json_body)) {
            json_decref(req->json_body);
            req->json_body = NULL;
            req->parse_error = 400;
        }
    }
}

static const char *classify_body(const char *ct)
{
    if (!ct) return "";
    if (!strncasecmp(ct, "application/json", 16) || !strncasecmp(ct, "application/problem+json", 24) ||
        !strncasecmp(ct, "application/merge-patch+json", 28)) return "json";
    if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33)) return "form";
    if (!strncasecmp(ct, "multipart/form-data", 19)) return "multipart";
    return "other";
}

/* The client address a trusted proxy saw: the LAST entry of the LAST
 * X-Forwarded-For line. Everything before it came from the client, who
 * may write any address there (a fresh one per failed login would never
 * be throttled): nginx's $proxy_add_x_forwarded_for appends to the
 * client's header and haproxy's "option forwardfor" adds a line after
 * the client's own, so only the last entry is the proxy's word. One
 * proxy in front is the supported setup (docs/deploy.md). An entry that
 * is not an IP address is ignored (false: keep the peer's address). */
struct fwd_scan { const char *last; };

static enum MHD_Result last_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct fwd_scan *f = cls;
    if (key && value && !strcasecmp(key, "X-Forwarded-For")) f->last = value;
    return MHD_YES;
}

static bool forwarded_for(struct MHD_Connection *conn, char *out, size_t n)
{
    struct fwd_scan f = { NULL };
    MHD_get_connection_values(conn, MHD_HEADER_KIND, last_forwarded, &f);
    if (!f.last) return false;
    const char *e = f.last + strlen(f.last);
    while (e > f.last && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == ',')) e--;
    const char *b = e;
    while (b > f.last && b[-1] != ',') b--;
    while (b < e && (*b == ' ' || *b == '\t')) b++;
    if (b == e || (size_t)(e - b) >= n) return false;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = 0;
    unsigned char addr[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, out, addr) == 1 || inet_pton(AF_INET6, out, addr) == 1;
}

static kj_req *new_request(kj_server *s, struct MHD_Connection *conn, const char *url, const char *method)
{
    kj_req *req = calloc(1, sizeof *req);
    req->arena = kj_arena_new();
    req->conn = conn;
    req->app = s->cfg.app;
    req->start_us = kj_mono_us();
    req->method_name = kj_arena_strdup(req->arena, method);
    req->method = parse_method(method);
    /* libmicrohttpd has already percent-decoded url. */
    req->path = kj_arena_strdup(req->arena, url);
    req->route_index = -1;
    req->lang = "zh-CN";
    char rid[24];
    kj_random_token(rid, sizeof rid, 12);
    req->id = kj_arena_strdup(req->arena, rid);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, ip, sizeof ip);
        else if (ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, ip, sizeof ip);
    }
    req->client_ip = kj_arena_strdup(req->arena, ip);
    kj_conn *kc = conn_of(conn);
    req->bad_target = kc && kc->nul_in_target;
    if (s->cfg.trust_proxy) {
        char fwd[INET6_ADDRSTRLEN];
        if (forwarded_for(conn, fwd, sizeof fwd)) req->client_ip = kj_arena_strdup(req->arena, fwd);
        const char *proto = kj_req_header(req, "X-Forwarded-Proto");
        req->tls = proto && !strcasecmp(proto, "https");
    }
    const char *ct = kj_req_header(req, "Content-Type");
    req->body_kind = classify_body(ct);
    return req;
}

static void free_request(kj_req *req)
{
    if (req->post_processor) MHD_destroy_post_processor(req->post_processor);
    json_decref(req->in);
    json_decref(req->form);
    json_decref(req->errors);
    json_decref(req->json_body);
    json_decref(req->user);
    kj_buf_free(&req->raw_body);
    kj_buf_free(&req->body);
    kj_buf_free(&req->field_acc);
    free(req->field_acc_name); free(req->field_acc_file); free(req->field_acc_type);
    kj_arena_free(req->arena);
    free(req);
}

/* First call: match the route early so that the body limit fits it. */
static void start_request(kj_server *s, kj_req *req)
{
    int allowed = 0;
    if (req->method) {
        int idx = kj_router_match(s->cfg.router, req->method, req->path, req->arena, req->path_params, &allowed);
        if (idx >= 0) { req->route_index = idx; req->route = kj_router_route(s->cfg.router, idx); }
    }
    int flags = req->route ? req->route->flags : 0;
    req->body_limit = (flags & KJ_UPLOAD_LARGE) ? s->cfg.max_large_upload
                    : (flags & KJ_UPLOAD) ? s->cfg.max_upload : s->cfg.max_body;
    const char *cl = kj_req_header(req, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > req->body_limit) { req->parse_error = 413; return; }
    if (!strcmp(req->body_kind, "form") || !strcmp(req->body_kind, "multipart")) {
        req->post_processor = MHD_create_post_processor(req->conn, 16 * 1024, on_post_field, req);
        if (!req->post_processor) req->parse_error = 400;
    }
}

static void take_chunk(kj_req *req, const char *data, size_t size)
{
    if (req->parse_error) return;
    if (req->raw_body.len + size > req->body_limit) {
        req->parse_error = 413;
        return;
    }
    if (req->post_processor) {
        req->raw_body.len += size; /* count only; the post processor keeps the data */
        if (MHD_post_process(req->post_processor, data, size) != MHD_YES && !req->parse_error)
            req->parse_error = 400;
        return;
    }
    kj_buf_append(&req->raw_body, data, size);
}

/* A heavy request on its worker. */
struct heavy_job { kj_server *s; kj_req *req; struct MHD_Connection *conn; };

enum { HEAVY_NONE, HEAVY_RUNNING, HEAVY_HANDLED };

/* Test mode only (kj_server_test_heavy_delay): each heavy job first waits
 * this long, as a password hash does on a busy machine. */
static atomic_int test_heavy_delay_ms;

void kj_server_test_heavy_delay(int ms) { atomic_store(&test_heavy_delay_ms, ms > 0 ? ms : 0); }

static void run_heavy(void *arg)
{
    struct heavy_job *j = arg;
    int delay = atomic_load(&test_heavy_delay_ms);
    if (delay) usleep((useconds_t)delay * 1000);
    kj_log_set_request(j->req->id);
    j->s->cfg.dispatch(j->req);
    kj_log_set_request(NULL);
    j->req->heavy_state = HEAVY_HANDLED;
    /* libmicrohttpd takes a lock here: what dispatch wrote is visible to
     * the HTTP thread that queues the response. */
    MHD_resume_connection(j->conn);
}

/* Hands a heavy request to the pool (1), refuses it (0: the response is
 * set), or leaves it to this thread (-1: no pool). */
static int offload(kj_server *s, kj_req *req, struct MHD_Connection *conn)
{
    if (!s->heavy || req->parse_error || !req->route || !(req->route->flags & KJ_HEAVY)) return -1;
    if (kj_heavy_reserve(s->heavy)) {
        if (s->cfg.busy) s->cfg.busy(req);
        else kj_resp_problem(req, 503, "Busy", "too many heavy requests at once", NULL);
        return 0;
    }
    struct heavy_job *j = kj_arena_alloc(req->arena, sizeof *j);
    *j = (struct heavy_job){ s, req, conn };
    req->heavy_state = HEAVY_RUNNING;
    atomic_fetch_add(&s->heavy_in_flight, 1);
    MHD_suspend_connection(conn);
    kj_heavy_submit(s->heavy, run_heavy, j);
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    kj_server *s = cls;
    kj_req *req = *con_cls;
    if (!req) {
        /* The headers are complete: they were due by now. */
        kj_conn *c = conn_of(conn);
        if (!phase_in_time(s, c)) {
            kj_log_info("http: closed a connection that sent its headers after the %d s deadline", s->cfg.header_timeout_s);
            return MHD_NO;
        }
        atomic_fetch_add(&s->in_flight, 1);
        req = new_request(s, conn, url, method);
        *con_cls = req;
        start_request(s, req);
        if (s->cfg.max_header && header_bytes(conn, c, method, version) > s->cfg.max_header)
            req->parse_error = 431;   /* answered once the body (if any) has been skipped */
        else if (c && c->target_error)
            req->parse_error = req->target_error = c->target_error;   /* its query was cut off (on_uri) */
        /* The body is due body_timeout from now, plus a second per
         * body_min_rate bytes it may still bring (what it declares, up to
         * the route's limit: a refused body is skipped at the same pace). */
        const char *cl = kj_req_header(req, "Content-Length");
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > req->body_limit) declared = req->body_limit;
        int64_t body_us = (int64_t)s->cfg.body_timeout_s * 1000000;
        if (s->cfg.body_min_rate > 0) body_us += (int64_t)(declared / (unsigned long long)s->cfg.body_min_rate) * 1000000;
        next_phase(s, c, body_us);
        return MHD_YES;
    }
    if (req->heavy_state == HEAVY_HANDLED) {                  /* resumed by its worker */
        kj_log_set_request(req->id);
        enum MHD_Result rc = queue_response(s, req, conn);
        kj_log_set_request(NULL);
        return rc;
    }
    if (req->heavy_state == HEAVY_RUNNING) return MHD_YES;
    if (*upload_data_size) {
        if (!phase_in_time(s, conn_of(conn))) {
            kj_log_info("http: closed a connection that sent its body after its deadline");
            return MHD_NO;
        }
        take_chunk(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* The body is complete: handling and sending have no deadline of ours
     * (libmicrohttpd's inactivity timeout still applies). */
    if (!next_phase(s, conn_of(conn), 0)) {
        kj_log_info("http: closed a connection that sent its body after its deadline");
        return MHD_NO;
    }
    parse_body(s, req);
    kj_log_set_request(req->id);
    int off = offload(s, req, conn);
    enum MHD_Result rc = MHD_YES;
    if (off < 0) s->cfg.dispatch(req);
    if (off != 1) rc = queue_response(s, req, conn);
    kj_log_set_request(NULL);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    kj_server *s = cls;
    /* A kept-alive connection's next request must arrive with its headers
     * within header_timeout, like a new connection's. */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        next_phase(s, conn_of(conn), (int64_t)s->cfg.header_timeout_s * 1000000);
    kj_req *req = *con_cls;
    if (!req) return;
    if (req->heavy_state) atomic_fetch_sub(&s->heavy_in_flight, 1);
    if (s->cfg.cleanup) s->cfg.cleanup(req);
    free_request(req);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

__attribute__((format(printf, 2, 0)))   /* checked callers; clang accepts the vsnprintf */
static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    kj_log_info("http: %s", msg);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    const char *colon = strrchr(listen, ':');
    if (!colon) { snprintf(err, errlen, "listen address \"%s\" is not HOST:PORT", listen); return -1; }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) { snprintf(err, errlen, "bad port in \"%s\"", listen); return -1; }
    if (!strcmp(host, "localhost")) snprintf(host, sizeof host, "127.0.0.1");
    if (!*host) snprintf(host, sizeof host, "0.0.0.0");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) { snprintf(err, errlen, "bad IPv4 host in \"%s\"", listen); return -1; }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

kj_server *kj_server_start(const kj_server_config *cfg, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa, err, errlen)) return NULL;
    kj_server *s = calloc(1, sizeof *s);
    s->cfg = *cfg;
    s->nroutes = kj_router_count(cfg->router);
    s->counts = calloc((size_t)(s->nroutes + 1) * NSTATUS, sizeof *s->counts);
    atomic_store(&s->in_flight, 1); /* 1 = running; stop waits until only that is left */
    if (s->cfg.header_timeout_s <= 0) s->cfg.header_timeout_s = 10;
    if (s->cfg.body_timeout_s <= 0) s->cfg.body_timeout_s = 60;
    pthread_mutex_init(&s->conns_lock, NULL);
    /* Deadlines on the monotonic clock: setting the system clock back
     * must not suspend them. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->reaper_wake, &ca);
    pthread_condattr_destroy(&ca);
    s->conns.next = s->conns.prev = &s->conns;
    int threads = cfg->threads > 0 ? cfg->threads : 2;
    if (cfg->heavy_jobs > 0 && !(s->heavy = kj_heavy_start(cfg->heavy_jobs, cfg->heavy_queue))) {
        snprintf(err, errlen, "cannot start the heavy-work threads");
        free(s->counts);
        free(s);
        return NULL;
    }
    /* libmicrohttpd splits the total among its threads; each needs some. */
    unsigned total = cfg->max_conns > 0 ? (unsigned)cfg->max_conns : 4096;
    if (total < (unsigned)threads * 4) total = (unsigned)threads * 4;
    /* Behind a trusted proxy every client arrives from the proxy's address:
     * a per-address limit would cap the whole site, so the proxy bounds
     * its clients instead (see README, "Slow clients"). */
    unsigned per_ip = cfg->trust_proxy ? 0 : (unsigned)cfg->max_conns_per_ip;
    /* libmicrohttpd's per-connection memory pool holds the request line and
     * headers as read, a 64-byte record per header field, cookie and query
     * argument, a copy of the Cookie header, then the response's header
     * and the first body bytes. libmicrohttpd 0.9.75 zeroes the WHOLE pool
     * after every request on a kept-alive connection (MHD_pool_reset), so
     * its size is paid at every request and stays resident while the
     * connection is open. Until 05fa63f it was 64 x max_header + 64 KiB
     * (1.1 MB), for a record per byte of a query of empty arguments: the
     * zeroing was 11.6 % of the server's CPU on the signed-in browse page
     * (perf, PostgreSQL, 100k) and each open kept-alive connection held
     * 1.0-1.09 MB. Now a query beyond max_fields arguments never reaches
     * libmicrohttpd's parser (on_uri), so the pool is sized for what our
     * limits let through: max_header twice (the block, a cookie copy),
     * records for max_fields arguments and HEADER_RECORDS header fields and
     * cookies, and 16 KiB for the response's header and the first body
     * bytes: 76.5 KiB at the defaults. Measured on SQLite at 100k, the
     * signed-in browse page, wrk -c64, the two sizes in one binary, four
     * alternating 12 s runs each (load 9-19): 1,129 -> 1,263 req/s, the
     * server's CPU 1.27 -> 1.12 ms a request (every pair better), memset
     * 4.5 -> 0.7 % of its samples (perf), p99 74-119 against 84-102 ms
     * (bound by the load, not the pool); 1,000 open kept-alive connections
     * hold 73-92 KiB each instead of 995-1,089 KiB.
     * libmicrohttpd still answers by itself, with its own 431 page, and
     * closes the connection when its pool runs out first: a header block
     * far beyond max_header (ours up to 81 KB, its own beyond), or more
     * header fields than the pool's records (measured: 1,194 empty fields or
     * 1,016 cookies in one request are still ours; real clients send 10-30). A target that hides a NUL
     * followed by "HTTP/d.d" and NUL, then a query, is the one request left
     * unanswered (on_uri cannot see past it): the header deadline closes it.
     * MHD_OPTION_CONNECTION_MEMORY_INCREMENT only sets how the read buffer
     * grows; it changes none of this. */
    size_t pool = 2 * cfg->max_header + 64 * (cfg->max_fields + HEADER_RECORDS) + 16 * 1024;
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, total,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s (address in use or not allowed)", cfg->listen);
        kj_heavy_stop(s->heavy);
        pthread_mutex_destroy(&s->conns_lock);
        pthread_cond_destroy(&s->reaper_wake);
        free(s->counts);
        free(s);
        return NULL;
    }
    s->reaper_started = pthread_create(&s->reaper, NULL, reaper_main, s) == 0;
    if (!s->reaper_started) kj_log_error("http: cannot start the deadline reaper; slow clients are bounded by the inactivity timeout only");
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : ntohs(sa.sin_port);
    return s;
}

int kj_server_port(kj_server *s) { return s->port; }

void kj_server_stop(kj_server *s, int grace_ms)
{
    if (!s) return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    int64_t deadline = kj_mono_us() + (int64_t)grace_ms * 1000;
    while (atomic_load(&s->in_flight) > 1 && kj_mono_us() < deadline) usleep(10000);
    /* Every suspended connection must be resumed before the daemon stops:
     * the pool finishes what it holds first. */
    kj_heavy_stop(s->heavy);
    /* And their answers go out before the connections close: a login that
     * outlasted the grace (a password hash at nice +5 took 13 s on a busy
     * machine) was computed, so it is answered, not cut. Bounded, for a
     * client that does not read its answer. */
    deadline = kj_mono_us() + (int64_t)HEAVY_FLUSH_MS * 1000;
    while (atomic_load(&s->heavy_in_flight) > 0 && kj_mono_us() < deadline) usleep(10000);
    if (s->reaper_started) {
        pthread_mutex_lock(&s->conns_lock);
        s->reaper_stop = true;
        pthread_cond_signal(&s->reaper_wake);
        pthread_mutex_unlock(&s->conns_lock);
        pthread_join(s->reaper, NULL);
    }
    MHD_stop_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    pthread_mutex_destroy(&s->conns_lock);
    pthread_cond_destroy(&s->reaper_wake);
    free(s->counts);
    free(s);
}
