/*
 * http.h — kejiyun's HTTP layer: requests, responses, routes, the server.
 *
 * Owns everything between the socket (libmicrohttpd) and a handler:
 * reading and limiting bodies, parsing query strings, urlencoded,
 * multipart and JSON bodies, matching a route, validating the route's
 * declared inputs, and turning a kj_req's response fields into bytes.
 *
 * A handler sees only a kj_req: its validated inputs (req->in), the raw
 * typed values for re-filling a form (req->form), per-field errors
 * (req->errors), uploads, and the response it fills in. Only parameters a
 * route declares reach req->in. Everything a request allocates lives in
 * req->arena or is owned by the req and freed when the response is sent.
 *
 * Threading: the server runs libmicrohttpd's epoll thread pool; one
 * request is handled entirely by one thread.
 */
#ifndef KJ_HTTP_H
#define KJ_HTTP_H
#include "core/buf.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kj_method {
    KJ_GET = 1, KJ_HEAD = 2, KJ_POST = 4, KJ_PUT = 8, KJ_PATCH = 16, KJ_DELETE = 32,
};

/* ---- declared inputs ---- */

enum kj_field_type {
    KJ_F_TEXT,      /* one line: control characters refused */
    KJ_F_MULTILINE, /* text with newlines */
    KJ_F_INT,       /* decimal integer within [min, max] */
    KJ_F_BOOL,      /* "1","true","on","yes" / "0","false","off","no", JSON bool */
    KJ_F_EMAIL,
    KJ_F_ENUM,      /* one of choices */
    KJ_F_ID,        /* a ULID */
    KJ_F_DATE,      /* YYYY-MM-DD */
    KJ_F_PASSWORD,  /* text, never echoed back into req->form */
    KJ_F_LIST,      /* repeated form field or JSON array of strings */
    KJ_F_JSON,      /* any JSON value (API bodies only) */
};

enum kj_field_flag {
    KJ_REQUIRED = 1,
    KJ_TRIM = 2,        /* strip surrounding white space (default for text) */
};

typedef struct kj_field {
    const char *name;
    enum kj_field_type type;
    int flags;
    long long min, max;         /* TEXT: length in characters; INT: value range */
    const char *const *choices; /* ENUM: NULL-terminated */
} kj_field;

#define KJ_FIELDS_END { NULL, 0, 0, 0, 0, NULL }

/* ---- uploads ---- */

typedef struct kj_upload {
    const char *field;
    const char *filename;     /* as the client sent it; never trust it */
    const char *content_type; /* as the client sent it; check content instead */
    const char *data;
    size_t size;
    struct kj_upload *next;
} kj_upload;

/* ---- request ---- */

typedef struct kj_route kj_route;
typedef struct kj_req kj_req;
typedef void (*kj_handler)(kj_req *req);

struct kj_req {
    kj_arena *arena;
    void *conn;                 /* the libmicrohttpd connection (opaque) */
    void *app;                  /* the application's context */

    enum kj_method method;
    const char *method_name;
    const char *path;           /* decoded path, without query */
    const char *client_ip;
    const char *id;             /* this request's id: X-Request-Id, log lines, error pages */
    bool tls;                   /* the client reached us over https (proxy header) */

    const kj_route *route;      /* NULL for unmatched requests */
    int route_index;
    const char *path_params[8]; /* values of {name} segments, in order */

    json_t *in;                 /* validated inputs by declared name (owned) */
    json_t *form;               /* raw submitted values for re-display (owned) */
    json_t *errors;             /* field name -> message key (owned) */
    json_t *json_body;          /* parsed JSON body, if any (owned) */
    kj_upload *uploads;
    const char *body_kind;      /* "json", "form", "multipart", "" */
    kj_buf raw_body;            /* the body as received (JSON and others) */

    /* Filled by the application's pipeline. */
    json_t *user;               /* the signed-in user's row, or NULL (owned) */
    const char *session_token;
    const char *lang;           /* "zh-CN" or "en" */
    const char *csrf;
    void *db;                   /* borrowed store connection, or NULL */

    /* Response. */
    int status;
    const char *content_type;
    kj_buf body;
    struct kj_header { const char *name, *value; struct kj_header *next; } *headers;
    bool no_gzip;
    bool body_gzipped;          /* body is gzip already (from a response cache) */
    const char *file_path;      /* serve this file instead of body (static, attachments) */

    /* Bookkeeping. */
    int64_t start_us;
    size_t body_limit;
    size_t nfields;
    int parse_error;            /* a kj_status: set when the body could not be taken */
    bool bad_target;            /* the request-target holds or encodes a NUL (%00): libmicrohttpd's decoded
                                 * path or argument would end there ("/a.css%00.png" read as "/a.css") */
    int target_error;           /* 414: more query arguments than max_fields; the query was
                                 * never parsed (server.c, on_uri); parse_error holds it too */
    int heavy_state;            /* KJ_HEAVY routes: 0 not handed over, 1 on a worker, 2 handled */
    void *post_processor;
    kj_buf field_acc;           /* multipart: current field being accumulated */
    char *field_acc_name, *field_acc_file, *field_acc_type;
};

/* ---- routes ---- */

enum kj_route_flag {
    KJ_API = 1,            /* errors as problem+json; JSON bodies accepted */
    KJ_NO_CSRF = 2,        /* state-changing but exempt (e.g. JSON login) */
    KJ_UPLOAD = 4,         /* accepts multipart up to the upload limit */
    KJ_UPLOAD_LARGE = 8,   /* accepts multipart up to the large-upload limit (video) */
    KJ_CACHE = 16,         /* anonymous GETs may be answered from the response cache */
    KJ_HEAVY = 32,         /* CPU-heavy (password hashing, image decoding, PDF rendering): the
                            * handler runs on the heavy worker pool (core/heavy.h), never on an
                            * HTTP thread; 503 with Retry-After when the pool's queue is full */
    KJ_CONSENT_FREE = 64,  /* served to a signed-in user who has yet to accept the 用户协议 /
                            * 隐私政策 in force (the documents, the consent itself, sign-out,
                            * the user's own data and account deletion); every other route
                            * sends them to accept first (web/app.c) */
    KJ_STRICT = 128,       /* a JSON body may name only the route's fields: any other key is
                            * refused with err.field.unknown (422), so a client that misspells
                            * a setting, or names one this version lacks, hears so instead of
                            * a 200 that changed nothing. JSON bodies only: forms carry
                            * _csrf and picker helpers, and browsers send what the page has. */
    KJ_RATED = 256,        /* counted against the client address's search_max_ip requests a
                            * minute (in memory, per node: core/ratelimit.h); beyond, 429 with
                            * Retry-After. For cheap public reads a scraper would hammer. */
};

struct kj_route {
    int methods;                /* kj_method bits */
    const char *pattern;        /* "/listings/{id}"; {name} matches one segment */
    kj_handler handler;
    int access;                 /* application-defined (roles allowed) */
    int flags;
    const kj_field *fields;     /* declared inputs, or NULL */
    const char *name;           /* label for metrics; defaults to pattern */
};

typedef struct kj_router kj_router;

/** Builds a router over a route table ending with a zeroed entry. The table
 *  must outlive the router. */
kj_router *kj_router_new(const kj_route *routes);
void kj_router_free(kj_router *r);
/** Finds the route for method+path. Returns its index, -1 when no pattern
 *  matches (404), -2 when a pattern matches but not the method (405; then
 *  *allowed holds the methods that would match). Fills params. */
int kj_router_match(const kj_router *r, enum kj_method m, const char *path,
                    kj_arena *a, const char **params, int *allowed);
const kj_route *kj_router_route(const kj_router *r, int index);
int kj_router_count(const kj_router *r);

/** Validates the route's declared fields from query, form and JSON inputs
 *  into req->in / req->form / req->errors. Returns the number of errors. */
int kj_validate_inputs(kj_req *req, json_t *raw_inputs);

/* ---- reading the request ---- */

const char *kj_req_header(kj_req *req, const char *name);
const char *kj_req_cookie(kj_req *req, const char *name);
/** A query-string argument (decoded), or NULL. */
const char *kj_req_query(kj_req *req, const char *name);
/** Adds every query-string argument to into (repeated names become arrays).
 *  Values with invalid UTF-8 are kept as bytes for the validator to refuse. */
void kj_http_each_query(kj_req *req, json_t *into);
/** A path parameter by position (0-based). */
const char *kj_req_param(kj_req *req, int i);
/** Validated inputs. */
const char *kj_in_str(kj_req *req, const char *name);        /* NULL when absent */
long long   kj_in_int(kj_req *req, const char *name, long long dflt);
bool        kj_in_bool(kj_req *req, const char *name);
bool        kj_has_errors(kj_req *req);
/** Records a field error (message key) found by a handler or domain. */
void        kj_field_error(kj_req *req, const char *field, const char *msg_key);

/* ---- writing the response ---- */

/** The request's Accept-Encoding admits gzip. */
bool kj_req_accepts_gzip(kj_req *req);
/** gzip-compresses n bytes of src; returns malloc'd output (its length in
 *  *out_len) or NULL. */
char *kj_gzip_bytes(const char *src, size_t n, size_t *out_len);

void kj_resp_header(kj_req *req, const char *name, const char *value);
/** Adds a Set-Cookie; max_age < 0 means a session cookie, 0 deletes. */
void kj_resp_cookie(kj_req *req, const char *name, const char *value, long max_age, bool http_only);
void kj_resp_text(kj_req *req, int status, const char *content_type, const char *body, size_t len);
/** Sends a JSON value (steals the reference). */
void kj_resp_json(kj_req *req, int status, json_t *v);
/** RFC 9457 problem details; errors (optional, stolen) become "errors". */
void kj_resp_problem(kj_req *req, int status, const char *title, const char *detail, json_t *errors);
/** 303 See Other to a local path. */
void kj_resp_redirect(kj_req *req, const char *location);

/* ---- the server ---- */

typedef struct kj_server_config {
    const char *listen;         /* "HOST:PORT"; port 0 picks a free one */
    int threads;
    size_t max_body;            /* bytes, non-upload routes */
    size_t max_upload;          /* bytes, KJ_UPLOAD routes */
    size_t max_large_upload;    /* bytes, KJ_UPLOAD_LARGE routes */
    size_t max_header;          /* bytes of request line + headers */
    size_t max_fields;          /* form fields per request */
    int max_conns;              /* open connections in total (0 = 4096) */
    int max_conns_per_ip;       /* open connections per client address (0 = no limit; off with trust_proxy) */
    int header_timeout_s;       /* a request's line and headers must arrive within this (0 = 10) */
    int body_timeout_s;         /* its body within this after the headers (0 = 60) ... */
    long body_min_rate;         /* ... plus a second per this many declared bytes (0 = none) */
    bool access_log;
    bool trust_proxy;           /* believe X-Forwarded-Proto / -For (the last entry of the last line) */
    long hsts_max_age;          /* Strict-Transport-Security max-age on answers over TLS (0 = none) */
    /* The application: called once per request with the body parsed.
     * It must set a response. */
    void (*dispatch)(kj_req *req);
    /* Called when a request is done (response sent or connection lost),
     * to release what dispatch borrowed (e.g. the db connection). */
    void (*cleanup)(kj_req *req);
    /* KJ_HEAVY routes: their handlers run on heavy_jobs worker threads
     * (0: on the HTTP thread, as other routes), heavy_queue more may wait;
     * beyond, busy(req) must set the refusal (a 503). */
    int heavy_jobs, heavy_queue;
    void (*busy)(kj_req *req);
    /* Used to match the route before the body arrives (limits depend on it). */
    const kj_router *router;
    void *app;
} kj_server_config;

typedef struct kj_server kj_server;

/** Starts serving; NULL with a one-line reason in err on failure. */
kj_server *kj_server_start(const kj_server_config *cfg, char *err, size_t errlen);
/** The port actually bound. */
int kj_server_port(kj_server *s);
/** Stops accepting, lets in-flight requests finish (up to grace_ms), stops.
 *  A heavy request handed to the pool is always computed and answered
 *  (its answer has up to 5 s more to go out), however long it took. */
void kj_server_stop(kj_server *s, int grace_ms);
/** Test mode only (POST /__test/faults heavy_delay_ms): every heavy request
 *  of this process waits ms before its handler runs (0: off). */
void kj_server_test_heavy_delay(int ms);

/* ---- metrics (server.c counts; /metrics prints) ---- */

/** Appends the HTTP metrics (and the heavy pool's) in Prometheus text format. */
void kj_http_metrics(kj_server *s, kj_buf *out);

/* ---- small helpers ---- */

/** Percent-decodes in place ('+' as space when plus_is_space); returns new length. */
size_t kj_url_decode(char *s, size_t len, bool plus_is_space);
/** Appends s percent-encoded as a URL component. */
int kj_url_encode(kj_buf *b, const char *s);
#endif
