/*
 * fuzz_http.h — the HTTP harness of fuzz_request, fuzz_multipart and
 * fuzz_json_body: the real server (src/http: libmicrohttpd glue, body
 * intake, urlencoded/multipart/JSON parsing, router, kj_validate_inputs)
 * runs in the fuzzer's process on 127.0.0.1 (port chosen by the system);
 * each input becomes one HTTP request sent over a socket, and the answer is
 * read back. Its dispatch does what src/web/app.c's does with inputs (query
 * arguments and body fields merged, validated against the route's
 * kj_field table), then checks what the validator let through against
 * each field's declared type. A failed check aborts the process, which
 * libFuzzer reports with the input.
 *
 * Properties: the server answers within 60 s (generous: a nice 19 fuzzer
 * on a loaded machine can be starved for seconds), with a status line and never
 * a 5xx (libmicrohttpd may close silently on a request that never became
 * one: a broken request line); every validated input has its declared type and limits
 * (text: valid UTF-8 without control characters, trimmed, length within
 * [min, max]; int in range; enum among its choices; id a ULID; date valid;
 * list of non-empty texts); undeclared names never reach req->in; a
 * password is never echoed into req->form; every upload's bytes are all
 * there (size and data agree).
 */
#ifndef KJ_FUZZ_HTTP_H
#define KJ_FUZZ_HTTP_H
#include "fuzz.h"
#include "core/id.h"
#include "core/log.h"
#include "core/validate.h"
#include "http/http.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const fuzz_kinds[] = { "offer", "demand", "studio", NULL };

static const kj_field fuzz_fields[] = {
    { "title", KJ_F_TEXT, KJ_REQUIRED, 2, 40, NULL },
    { "body", KJ_F_MULTILINE, 0, 0, 2000, NULL },
    { "n", KJ_F_INT, 0, -5, 1000, NULL },
    { "flag", KJ_F_BOOL, 0, 0, 0, NULL },
    { "email", KJ_F_EMAIL, 0, 0, 0, NULL },
    { "kind", KJ_F_ENUM, 0, 0, 0, fuzz_kinds },
    { "id", KJ_F_ID, 0, 0, 0, NULL },
    { "day", KJ_F_DATE, 0, 0, 0, NULL },
    { "password", KJ_F_PASSWORD, 0, 0, 128, NULL },
    { "tags", KJ_F_LIST, 0, 0, 20, NULL },
    { "extra", KJ_F_JSON, 0, 0, 0, NULL },
    KJ_FIELDS_END
};

static void fuzz_handler(kj_req *req) { (void)req; }

static const kj_route fuzz_routes[] = {
    { KJ_GET | KJ_POST | KJ_PUT | KJ_PATCH | KJ_DELETE, "/f", fuzz_handler, 0, KJ_UPLOAD, fuzz_fields, NULL },
    { KJ_GET | KJ_POST, "/f/{id}/x/{name}", fuzz_handler, 0, KJ_UPLOAD, fuzz_fields, NULL },
    { KJ_POST | KJ_PATCH, "/api/f", fuzz_handler, 0, KJ_API, fuzz_fields, NULL },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};

static bool fuzz_is_declared(const char *name)
{
    for (const kj_field *f = fuzz_fields; f->name; f++) if (!strcmp(f->name, name)) return true;
    return false;
}

static void fuzz_check_text(const kj_field *f, const char *s)
{
    size_t n = strlen(s);
    FUZZ_CHECK(kj_valid_utf8(s, n), "validated text is valid UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ml = f->type == KJ_F_MULTILINE || f->type == KJ_F_PASSWORD;
        FUZZ_CHECK(c != 0x7f && (c >= 0x20 || (ml && (c == '\n' || c == '\r' || c == '\t'))),
                   "validated text has no control characters");
    }
    if (f->type != KJ_F_MULTILINE && f->type != KJ_F_PASSWORD)
        FUZZ_CHECK(n == 0 || (s[0] != ' ' && s[n - 1] != ' ' && s[0] != '\t' && s[n - 1] != '\t'), "text is trimmed");
    size_t chars = kj_utf8_chars(s, n);
    FUZZ_CHECK(!f->min || (long long)chars >= f->min, "text not shorter than min");
    FUZZ_CHECK(!f->max || (long long)chars <= f->max, "text not longer than max");
}

static void fuzz_check_inputs(kj_req *req)
{
    const char *key;
    json_t *v;
    json_object_foreach(req->in, key, v) FUZZ_CHECK(fuzz_is_declared(key), "only declared names reach req->in");
    FUZZ_CHECK(!json_object_get(req->form, "password"), "a password is never echoed into req->form");
    for (const kj_field *f = fuzz_fields; f->name; f++) {
        v = json_object_get(req->in, f->name);
        if (!v) {
            if (f->flags & KJ_REQUIRED) FUZZ_CHECK(json_object_get(req->errors, f->name), "a missing required field has an error");
            continue;
        }
        FUZZ_CHECK(!json_object_get(req->errors, f->name), "a field is either valid or has an error");
        switch (f->type) {
        case KJ_F_TEXT: case KJ_F_MULTILINE: case KJ_F_PASSWORD:
            FUZZ_CHECK(json_is_string(v), "text is a string");
            fuzz_check_text(f, json_string_value(v));
            break;
        case KJ_F_INT:
            FUZZ_CHECK(json_is_integer(v) && json_integer_value(v) >= f->min && json_integer_value(v) <= f->max,
                       "int within [min, max]");
            break;
        case KJ_F_BOOL: FUZZ_CHECK(json_is_boolean(v), "bool is a boolean"); break;
        case KJ_F_EMAIL: {
            FUZZ_CHECK(json_is_string(v) && kj_valid_email(json_string_value(v)), "email valid");
            for (const char *p = json_string_value(v); *p; p++) FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'), "email lower-cased");
            break;
        }
        case KJ_F_ENUM: {
            bool ok = false;
            for (const char *const *c = f->choices; *c; c++) ok = ok || (json_is_string(v) && !strcmp(*c, json_string_value(v)));
            FUZZ_CHECK(ok, "enum among its choices");
            break;
        }
        case KJ_F_ID: FUZZ_CHECK(json_is_string(v) && kj_id_valid(json_string_value(v)), "id is a ULID"); break;
        case KJ_F_DATE: FUZZ_CHECK(json_is_string(v) && kj_valid_date(json_string_value(v)), "date valid"); break;
        case KJ_F_LIST: {
            FUZZ_CHECK(json_is_array(v), "list is an array");
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item) {
                FUZZ_CHECK(json_is_string(item) && json_string_length(item) > 0, "list items are non-empty texts");
                fuzz_check_text(f, json_string_value(item));
            }
            break;
        }
        case KJ_F_JSON: break;
        }
    }
}

/* Requests dispatched and completed: printed when an answer is late. */
static _Atomic long fuzz_dispatched, fuzz_completed;

static void fuzz_cleanup(kj_req *req) { (void)req; fuzz_completed++; }

/* What src/web/app.c does with a request's inputs, then the checks. */
static void fuzz_dispatch(kj_req *req)
{
    fuzz_dispatched++;
    if (!req->method) { kj_resp_text(req, 405, "text/plain", "method", 6); return; }
    if (!req->route) { kj_resp_text(req, 404, "text/plain", "none", 4); return; }
    if (req->parse_error) {
        FUZZ_CHECK(req->parse_error == 400 || req->parse_error == 413 || req->parse_error == 414,
                   "a request error is 400, 413 or 414 (a query of more than max_fields arguments)");
        kj_resp_text(req, req->parse_error, "text/plain", "body", 4);
        return;
    }
    for (int i = 0; i < 8 && req->path_params[i]; i++)
        FUZZ_CHECK(strchr(req->path_params[i], '/') == NULL, "a path parameter is one segment");
    for (kj_upload *u = req->uploads; u; u = u->next)
        FUZZ_CHECK(u->field && u->filename && u->content_type && u->data && u->data[u->size] == 0,
                   "an upload has its field, name, type and NUL-terminated bytes");
    json_t *raw = json_object();
    kj_http_each_query(req, raw);
    if (req->json_body) json_object_update(raw, req->json_body);
    int nerr = kj_validate_inputs(req, raw);
    json_decref(raw);
    fuzz_check_inputs(req);
    if (nerr) { kj_resp_problem(req, 422, "invalid", NULL, json_incref(req->errors)); return; }
    kj_resp_json(req, 200, json_incref(req->in));
}

static kj_server *fuzz_server;
static kj_router *fuzz_router;
static int fuzz_port;

static void fuzz_http_start(void)
{
    signal(SIGPIPE, SIG_IGN);
    kj_log_set_quiet(!getenv("FUZZ_VERBOSE"));   /* FUZZ_VERBOSE=1: the server log */
    fuzz_router = kj_router_new(fuzz_routes);
    kj_server_config cfg = {
        .listen = "127.0.0.1:0", .threads = 1,
        .max_body = 64 * 1024, .max_upload = 256 * 1024, .max_large_upload = 256 * 1024,
        .max_header = 16 * 1024, .max_fields = 1000,
        .dispatch = fuzz_dispatch, .cleanup = fuzz_cleanup, .router = fuzz_router,
    };
    char err[256];
    fuzz_server = kj_server_start(&cfg, err, sizeof err);
    if (!fuzz_server) { fprintf(stderr, "fuzz: cannot start the server: %s\n", err); exit(1); }
    fuzz_port = kj_server_port(fuzz_server);
}

/* poll() for input up to ms milliseconds, resumed after signals (libFuzzer's
 * SIGALRM timer): 1 readable, 0 timed out, -1 error. */
static int fuzz_wait_readable(int fd, int ms)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int pr = poll(&pf, 1, left > 0 ? (int)left : 0);
        if (pr < 0 && errno == EINTR) continue;
        return pr > 0 ? 1 : pr;
    }
}

/* Sends one request (head, then body) and reads the whole answer; checks
 * that there is a status line and that it is not a 5xx. */
static void fuzz_http_send(const char *head, size_t hlen, const char *body, size_t blen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(fd >= 0, "socket");
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)fuzz_port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* libFuzzer's timer (SIGALRM) interrupts system calls: a connect
     * interrupted goes on in the background, so wait for it. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int err = errno;
        if (err == EINTR) {
            struct pollfd pw = { .fd = fd, .events = POLLOUT };
            socklen_t el = sizeof err;
            while (poll(&pw, 1, 60000) < 0 && errno == EINTR) {}
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
        }
        if (err) {
            fprintf(stderr, "fuzz: connect: %s\n", strerror(err));
            FUZZ_CHECK(0, "connect to the server");
        }
    }
    /* The server may answer (and close) before it has read everything,
     * e.g. 400 for a bad request line: a failed send is fine then. */
    for (int part = 0; part < 2; part++) {
        const char *p = part ? body : head;
        size_t n = part ? blen : hlen;
        while (n) {
            ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) { n = 0; part = 2; break; }
            p += w;
            n -= (size_t)w;
        }
    }
    /* A complete request is answered and closed by the server (Connection:
     * close). Only when no answer comes at once is the sending side closed,
     * so that an incomplete request ends too: a client that closes first
     * keeps its port in TIME_WAIT, and thousands of connections a second
     * then run out of ports (connect failed, or a connection hung). */
    if (fuzz_wait_readable(fd, 200) <= 0) shutdown(fd, SHUT_WR);
    char buf[4096], first[1024] = "";
    size_t got = 0;
    long dispatched = fuzz_dispatched, completed = fuzz_completed;
    for (;;) {
        int pr = fuzz_wait_readable(fd, 60000);
        if (pr <= 0) {
            struct sockaddr_in me;
            socklen_t ml = sizeof me;
            getsockname(fd, (struct sockaddr *)&me, &ml);
            fprintf(stderr, "fuzz: no answer after 60 s; got %zu bytes; requests dispatched %ld -> %ld, "
                            "completed %ld -> %ld; client port %d, server port %d\n", got, dispatched,
                    (long)fuzz_dispatched, completed, (long)fuzz_completed, ntohs(me.sin_port), fuzz_port);
            char cmd[160];
            snprintf(cmd, sizeof cmd, "ss -tanoi '( sport = :%d or dport = :%d )' | head -20 >&2", fuzz_port, fuzz_port);
            if (system(cmd) != 0) fprintf(stderr, "fuzz: (ss failed)\n");
        }
        FUZZ_CHECK(pr > 0, "the server answers within 60 s");
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == ECONNRESET) break;
        if (r <= 0) break;
        if (got < sizeof first - 1) {
            size_t k = (size_t)r < sizeof first - 1 - got ? (size_t)r : sizeof first - 1 - got;
            memcpy(first + got, buf, k);
            got += k;
        }
    }
    struct linger no_linger = { .l_onoff = 1, .l_linger = 0 };   /* no TIME_WAIT either way */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
    close(fd);
    /* No answer at all happens only when the request never became one
     * (libmicrohttpd closes silently on some malformed input). */
    if (got) {
        FUZZ_CHECK(got >= 12 && !memcmp(first, "HTTP/1.", 7), "the answer starts with a status line");
        /* 501 (method) and 505 (HTTP version) are libmicrohttpd's right
         * answers to a request line it does not implement; anything else
         * from 500 up is a failure of ours. */
        if (first[9] == '5' && !(first[10] == '0' && (first[11] == '1' || first[11] == '5'))) {
            fprintf(stderr, "fuzz: answer %.12s\n", first);
            FUZZ_CHECK(0, "never a 5xx (but 501, 505)");
        }
    }
}
#endif
