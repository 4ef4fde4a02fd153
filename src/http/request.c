/*
 * request.c — reading a kj_req and writing its response (see http.h).
 */
#include "http/http.h"
#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

const char *kj_req_header(kj_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *kj_req_cookie(kj_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *kj_req_query(kj_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    json_t *into = cls;
    json_t *v = json_stringn_nocheck(value ? value : "", value ? strlen(value) : 0);
    json_t *old = json_object_get(into, key);
    if (!old) json_object_set_new(into, key, v);
    else if (json_is_array(old)) json_array_append_new(old, v);
    else { json_t *arr = json_array(); json_array_append(arr, old); json_array_append_new(arr, v); json_object_set_new(into, key, arr); }
    return MHD_YES;
}

void kj_http_each_query(kj_req *req, json_t *into)
{
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, add_query_arg, into);
}

const char *kj_req_param(kj_req *req, int i) { return i >= 0 && i < 8 ? req->path_params[i] : NULL; }

const char *kj_in_str(kj_req *req, const char *name)
{
    json_t *v = req->in ? json_object_get(req->in, name) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long kj_in_int(kj_req *req, const char *name, long long dflt)
{
    json_t *v = req->in ? json_object_get(req->in, name) : NULL;
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool kj_in_bool(kj_req *req, const char *name)
{
    json_t *v = req->in ? json_object_get(req->in, name) : NULL;
    return json_is_true(v);
}

bool kj_has_errors(kj_req *req) { return req->errors && json_object_size(req->errors) > 0; }

void kj_field_error(kj_req *req, const char *field, const char *msg_key)
{
    if (!req->errors) req->errors = json_object();
    json_object_set_new(req->errors, field, json_string(msg_key));
}

void kj_resp_header(kj_req *req, const char *name, const char *value)
{
    struct kj_header *h = kj_arena_alloc(req->arena, sizeof *h);
    h->name = kj_arena_strdup(req->arena, name);
    h->value = kj_arena_strdup(req->arena, value);
    h->next = req->headers;
    req->headers = h;
}

void kj_resp_cookie(kj_req *req, const char *name, const char *value, long max_age, bool http_only)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s=%s; Path=/; SameSite=Lax", name, value);
    if (max_age >= 0) n += snprintf(buf + n, sizeof buf - (size_t)n, "; Max-Age=%ld", max_age);
    if (http_only) n += snprintf(buf + n, sizeof buf - (size_t)n, "; HttpOnly");
    if (req->tls) snprintf(buf + n, sizeof buf - (size_t)n, "; Secure");
    kj_resp_header(req, "Set-Cookie", buf);
}

void kj_resp_text(kj_req *req, int status, const char *content_type, const char *body, size_t len)
{
    req->status = status;
    req->content_type = content_type;
    kj_buf_reset(&req->body);
    kj_buf_append(&req->body, body, len);
}

void kj_resp_json(kj_req *req, int status, json_t *v)
{
    req->status = status;
    req->content_type = "application/json; charset=utf-8";
    kj_buf_reset(&req->body);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
    if (s) { kj_buf_puts(&req->body, s); free(s); }
    json_decref(v);
}

void kj_resp_problem(kj_req *req, int status, const char *title, const char *detail, json_t *errors)
{
    json_t *p = json_pack("{s:s, s:s, s:i}", "type", "about:blank", "title", title, "status", status);
    if (detail) json_object_set_new(p, "detail", json_string(detail));
    if (req->path) json_object_set_new(p, "instance", json_string(req->path));
    if (status >= 500 && req->id) json_object_set_new(p, "request_id", json_string(req->id));
    if (errors) json_object_set_new(p, "errors", errors);
    kj_resp_json(req, status, p);
    req->content_type = "application/problem+json; charset=utf-8";
}

void kj_resp_redirect(kj_req *req, const char *location)
{
    /* Only local paths: "/x" but not "//host" or "/\host". */
    if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\') location = "/";
    req->status = 303;
    req->content_type = "text/plain; charset=utf-8";
    kj_buf_reset(&req->body);
    kj_resp_header(req, "Location", location);
}

/* ---- URL helpers ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

size_t kj_url_decode(char *s, size_t len, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len + 0 && hexval((unsigned char)s[i + 1]) >= 0 && hexval((unsigned char)s[i + 2]) >= 0) {
            s[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            s[o++] = ' ';
        } else {
            s[o++] = s[i];
        }
    }
    s[o] = 0;
    return o;
}

int kj_url_encode(kj_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            if (kj_buf_append(b, s, 1)) return -1;
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            if (kj_buf_append(b, e, 3)) return -1;
        }
    }
    return 0;
}
