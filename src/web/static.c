/*
 * static.c — static files (CSS, JS, images) served from memory.
 *
 * At start every file under static/ is read once, with a strong ETag
 * (hash of the content), its modification time, and a gzip copy for text
 * types. Requests are answered from that table: 304 on a matching
 * If-None-Match / If-Modified-Since, gzip when the client accepts it.
 * The table is immutable after loading, so any thread may read it.
 */
#include "web/app.h"
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

typedef struct {
    char *path;          /* relative, e.g. "css/site.css" */
    char *data, *gz;
    size_t len, gz_len;
    const char *type;
    char etag[40];
    char last_modified[40];
    time_t mtime;
} static_file;

struct kj_static {
    static_file *files;
    size_t n, cap;
};

static const struct { const char *ext, *type; bool text; } mime_types[] = {
    { ".css", "text/css; charset=utf-8", true },
    { ".js", "text/javascript; charset=utf-8", true },
    { ".mjs", "text/javascript; charset=utf-8", true },
    { ".svg", "image/svg+xml", true },
    { ".json", "application/json", true },
    { ".txt", "text/plain; charset=utf-8", true },
    { ".html", "text/html; charset=utf-8", true },
    { ".png", "image/png", false },
    { ".jpg", "image/jpeg", false },
    { ".webp", "image/webp", false },
    { ".ico", "image/x-icon", false },
    { ".woff2", "font/woff2", false },
};

static const char *type_of(const char *path, bool *text)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof mime_types / sizeof *mime_types; i++)
        if (!strcmp(dot, mime_types[i].ext)) { *text = mime_types[i].text; return mime_types[i].type; }
    *text = false;
    return "application/octet-stream";
}

static char *gzip_copy(const char *src, size_t n, size_t *out_len)
{
    uLongf cap = compressBound(n) + 64;
    char *out = malloc(cap);
    z_stream z = { 0 };
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) { free(out); return NULL; }
    z.next_in = (Bytef *)src; z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out; z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) { free(out); return NULL; }
    return out;
}

static int add_file(kj_static *s, const char *full, const char *rel, const struct stat *st)
{
    FILE *f = fopen(full, "rb");
    if (!f) return -1;
    char *data = malloc((size_t)st->st_size + 1);
    size_t got = fread(data, 1, (size_t)st->st_size, f);
    fclose(f);
    if (got != (size_t)st->st_size) { free(data); return -1; }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->files = realloc(s->files, s->cap * sizeof *s->files);
    }
    static_file *sf = &s->files[s->n++];
    memset(sf, 0, sizeof *sf);
    sf->path = strdup(rel);
    sf->data = data;
    sf->len = got;
    bool text;
    sf->type = type_of(rel, &text);
    if (text) sf->gz = gzip_copy(data, got, &sf->gz_len);
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (unsigned char *)data, got, NULL, 0);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(sf->etag, sizeof sf->etag, "\"%.32s\"", hex);
    sf->mtime = st->st_mtime;
    struct tm tm;
    gmtime_r(&sf->mtime, &tm);
    strftime(sf->last_modified, sizeof sf->last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return 0;
}

static int walk(kj_static *s, const char *base, const char *rel)
{
    char *dir = NULL;
    if (asprintf(&dir, "%s%s%s", base, *rel ? "/" : "", rel) < 0) return -1;
    DIR *d = opendir(dir);
    if (!d) { free(dir); return -1; }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *full = NULL, *sub = NULL;
        if (asprintf(&full, "%s/%s", dir, e->d_name) < 0) { rc = -1; break; }
        if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0) { free(full); rc = -1; break; }
        struct stat st;
        if (stat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode)) rc = walk(s, base, sub);
            else if (S_ISREG(st.st_mode)) rc = add_file(s, full, sub, &st);
        }
        free(full);
        free(sub);
    }
    closedir(d);
    free(dir);
    return rc;
}

kj_static *kj_static_load(const char *dir, char *err, size_t errlen)
{
    kj_static *s = calloc(1, sizeof *s);
    if (walk(s, dir, "") != 0) {
        snprintf(err, errlen, "cannot read static files under %s", dir);
        kj_static_free(s);
        return NULL;
    }
    return s;
}

void kj_static_free(kj_static *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) { free(s->files[i].path); free(s->files[i].data); free(s->files[i].gz); }
    free(s->files);
    free(s);
}

static time_t parse_http_date(const char *s)
{
    struct tm tm = { 0 };
    if (!s || !strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) return -1;
    return timegm(&tm);
}

void kj_static_serve(kj_static *s, kj_req *req, const char *path)
{
    const static_file *f = NULL;
    for (size_t i = 0; path && i < s->n; i++) if (!strcmp(s->files[i].path, path)) { f = &s->files[i]; break; }
    if (!f) { kj_resp_text(req, 404, "text/plain; charset=utf-8", "not found\n", 10); return; }
    kj_resp_header(req, "ETag", f->etag);
    kj_resp_header(req, "Last-Modified", f->last_modified);
    kj_resp_header(req, "Cache-Control", "public, max-age=3600");
    kj_resp_header(req, "Vary", "Accept-Encoding");
    const char *inm = kj_req_header(req, "If-None-Match");
    time_t ims = parse_http_date(kj_req_header(req, "If-Modified-Since"));
    if ((inm && strstr(inm, f->etag)) || (!inm && ims >= 0 && f->mtime <= ims)) {
        req->status = 304;
        req->no_gzip = true;
        return;
    }
    const char *ae = kj_req_header(req, "Accept-Encoding");
    req->no_gzip = true;  /* already compressed below, or binary */
    if (f->gz && ae && strstr(ae, "gzip")) {
        kj_resp_text(req, 200, f->type, f->gz, f->gz_len);
        kj_resp_header(req, "Content-Encoding", "gzip");
    } else {
        kj_resp_text(req, 200, f->type, f->data, f->len);
    }
}
