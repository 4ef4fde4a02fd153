/*
 * attach.c — attachments: type by content, metadata stripping, files on
 * disk, rows in the attachments table (see attach.h).
 */
#include "market/attach.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "core/validate.h"
#include "media/files.h"
#include "media/image.h"
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*strip_fn)(const unsigned char *in, size_t n, kj_buf *out);

/* Everything we know about an accepted type, in one row. */
static const struct kind {
    const char *mime, *ext, *alt_ext;
    bool is_inline;
    strip_fn strip;       /* NULL: stored as uploaded */
} kinds[] = {
    { "image/png",       "png",  NULL,   true,  kj_attach_strip_png },
    { "image/jpeg",      "jpg",  "jpeg", true,  kj_attach_strip_jpeg },
    { "image/webp",      "webp", NULL,   true,  kj_attach_strip_webp },
    { "image/gif",       "gif",  NULL,   true,  NULL },
    { "application/pdf", "pdf",  NULL,   false, NULL },
};
#define NKINDS (sizeof kinds / sizeof *kinds)

const char *const kj_attach_mimes[] = { "image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf", NULL };

static const struct kind *kind_of(const char *mime)
{
    for (size_t i = 0; mime && i < NKINDS; i++) if (!strcmp(kinds[i].mime, mime)) return &kinds[i];
    return NULL;
}

const char *kj_attach_ext(const char *mime) { const struct kind *k = kind_of(mime); return k ? k->ext : "bin"; }
bool kj_attach_is_inline(const char *mime) { const struct kind *k = kind_of(mime); return k && k->is_inline; }

/* ---- type detection ---- */

/* One libmagic handle for the process, opened on first use; libmagic is
 * not thread-safe, so every use holds magic_lock. */
static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_cookie;

const char *kj_attach_sniff(const void *data, size_t size, kj_err *e)
{
    const char *found = NULL;
    bool broken = false;
    pthread_mutex_lock(&magic_lock);
    if (!magic_cookie) {
        magic_cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
        if (magic_cookie && magic_load(magic_cookie, NULL) != 0) {
            kj_log_error("libmagic: %s", magic_error(magic_cookie));
            magic_close(magic_cookie);
            magic_cookie = NULL;
        }
    }
    if (!magic_cookie) broken = true;
    else {
        const char *m = magic_buffer(magic_cookie, data, size);
        const struct kind *k = kind_of(m);
        if (k) found = k->mime;
    }
    pthread_mutex_unlock(&magic_lock);
    if (!found && e) {
        if (broken) kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        else kj_err_set(e, KJ_E_INVALID, "err.attach.type", NULL);
    }
    return found;
}

/* ---- metadata strippers ---- */

static int put(kj_buf *out, const unsigned char *p, size_t n) { return kj_buf_append(out, p, n); }
static int put_marker(kj_buf *out, unsigned char m) { unsigned char b[2] = { 0xFF, m }; return put(out, b, 2); }
static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint32_t le32(const unsigned char *p) { return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; }

/* JPEG segments that carry text about the picture or its author:
 * APP1 (EXIF with GPS, camera owner; XMP), APP12 (Ducky comments),
 * APP13 (Photoshop IPTC: names, captions), COM. APP0 (JFIF), APP2 (ICC
 * colours) and APP14 (Adobe colour transform) are needed to decode right. */
static bool jpeg_drops(unsigned char m) { return m == 0xE1 || m == 0xEC || m == 0xED || m == 0xFE; }
static bool jpeg_rst(unsigned char m) { return m >= 0xD0 && m <= 0xD7; }

/* Returns the offset of the marker ending the entropy-coded data that
 * starts at i (0xFF followed by neither a stuffed 0x00 nor a restart
 * marker), or n when there is none. */
static size_t jpeg_scan_end(const unsigned char *in, size_t n, size_t i)
{
    for (; i + 1 < n; i++)
        if (in[i] == 0xFF && in[i + 1] != 0x00 && !jpeg_rst(in[i + 1])) return i;
    return n;
}

int kj_attach_strip_jpeg(const unsigned char *in, size_t n, kj_buf *out)
{
    if (n < 4 || in[0] != 0xFF || in[1] != 0xD8 || put_marker(out, 0xD8)) return -1;
    size_t i = 2;
    for (;;) {
        if (i >= n || in[i] != 0xFF) return -1;
        while (i < n && in[i] == 0xFF) i++;            /* fill bytes */
        if (i >= n) return -1;
        unsigned char m = in[i++];
        if (m == 0xD9) return put_marker(out, 0xD9);   /* EOI: whatever trails is dropped */
        if (m == 0x01 || jpeg_rst(m)) { if (put_marker(out, m)) return -1; continue; }
        if (m == 0x00 || m == 0xD8 || n - i < 2) return -1;
        size_t len = (size_t)in[i] << 8 | in[i + 1];
        if (len < 2 || len > n - i) return -1;
        if (!jpeg_drops(m) && (put_marker(out, m) || put(out, in + i, len))) return -1;
        i += len;
        if (m == 0xDA) {                               /* SOS: the scan's data follows */
            size_t end = jpeg_scan_end(in, n, i);
            if (end >= n || put(out, in + i, end - i)) return -1;
            i = end;
        }
    }
}

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

/* Text chunks (author, comments, software, anything), EXIF and the
 * modification time. */
static bool png_drops(const unsigned char *type)
{
    static const char drop[][5] = { "tEXt", "zTXt", "iTXt", "eXIf", "tIME" };
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++) if (!memcmp(type, drop[i], 4)) return true;
    return false;
}

static bool png_type_ok(const unsigned char *t)
{
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z'))) return false;
    return true;
}

int kj_attach_strip_png(const unsigned char *in, size_t n, kj_buf *out)
{
    if (n < sizeof png_sig || memcmp(in, png_sig, sizeof png_sig) || put(out, png_sig, sizeof png_sig)) return -1;
    size_t i = sizeof png_sig;
    for (;;) {
        if (n - i < 12) return -1;                     /* length, type, CRC */
        size_t len = be32(in + i);
        const unsigned char *type = in + i + 4;
        if (len > n - i - 12 || !png_type_ok(type)) return -1;
        if (!png_drops(type) && put(out, in + i, len + 12)) return -1;
        i += len + 12;
        if (!memcmp(type, "IEND", 4)) return 0;
    }
}

/* VP8X flag bits announcing the EXIF and XMP chunks we remove. */
#define VP8X_EXIF 0x08
#define VP8X_XMP 0x04

int kj_attach_strip_webp(const unsigned char *in, size_t n, kj_buf *out)
{
    if (n < 12 || memcmp(in, "RIFF", 4) || memcmp(in + 8, "WEBP", 4)) return -1;
    size_t riff = le32(in + 4);
    if (riff < 4 || riff > n - 8) return -1;
    size_t end = 8 + riff, base = out->len;
    if (put(out, in, 12)) return -1;
    size_t i = 12;
    while (i < end) {
        if (end - i < 8) return -1;
        size_t len = le32(in + i + 4);
        if (len > end - i - 8) return -1;
        size_t padded = len + (len & 1) <= end - i - 8 ? len + (len & 1) : len;
        const unsigned char *fourcc = in + i;
        bool drop = !memcmp(fourcc, "EXIF", 4) || !memcmp(fourcc, "XMP ", 4);
        if (!drop) {
            size_t at = out->len;
            if (put(out, in + i, 8 + padded)) return -1;
            if (!memcmp(fourcc, "VP8X", 4) && len >= 1)
                out->data[at + 8] = (char)((unsigned char)out->data[at + 8] & ~(VP8X_EXIF | VP8X_XMP));
        }
        i += 8 + padded;
    }
    size_t size = out->len - base - 8;
    if (size > UINT32_MAX) return -1;
    unsigned char le[4] = { (unsigned char)size, (unsigned char)(size >> 8), (unsigned char)(size >> 16), (unsigned char)(size >> 24) };
    memcpy(out->data + base + 4, le, 4);
    return 0;
}

/* ---- names ---- */

static bool ends_with_ext(const char *name, size_t len, const char *ext)
{
    size_t el = ext ? strlen(ext) : 0;
    return ext && len > el + 1 && name[len - el - 1] == '.' && !strcasecmp(name + len - el, ext);
}

void kj_attach_clean_name(const char *filename, const char *mime, char *out, size_t n)
{
    const struct kind *k = kind_of(mime);
    const char *ext = k ? k->ext : "bin";
    const char *base = filename ? filename : "";
    for (const char *p = base; *p; p++) if (*p == '/' || *p == '\\') base = p + 1;
    if (!kj_valid_utf8(base, strlen(base))) base = "";
    size_t cap = n > 8 ? n - 8 : 0, o = 0;
    if (cap > KJ_ATTACH_NAME_MAX) cap = KJ_ATTACH_NAME_MAX;
    for (const unsigned char *p = (const unsigned char *)base; *p && o < cap; p++) {
        if (*p < 0x20 || *p == 0x7F) continue;
        if (o == 0 && (*p == '.' || *p == ' ')) continue;  /* no hidden or blank-led names */
        out[o++] = (char)*p;
    }
    while (o && !kj_valid_utf8(out, o)) o--;            /* cut inside a character */
    while (o && (out[o - 1] == ' ' || out[o - 1] == '.')) o--;
    if (!o && cap >= 4) { memcpy(out, "file", 4); o = 4; }
    out[o] = 0;
    if (!ends_with_ext(out, o, ext) && !(k && ends_with_ext(out, o, k->alt_ext)))
        snprintf(out + o, n - o, ".%s", ext);
}

/* attr-char of RFC 5987: sent as is in filename*; every other byte is %XX. */
static bool attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr("!#$&+-.^_`|~", c));
}

int kj_attach_disposition(kj_buf *out, const char *mime, const char *filename)
{
    int rc = kj_buf_puts(out, kj_attach_is_inline(mime) ? "inline; filename=\"" : "attachment; filename=\"");
    /* ASCII fallback for old clients: one '_' per character we cannot say. */
    for (const unsigned char *p = (const unsigned char *)filename; rc == 0 && *p; p++) {
        if (*p >= 0x80 && *p < 0xC0) continue;
        bool plain = *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\' && *p != '%';
        rc = kj_buf_append(out, plain ? (const char *)p : "_", 1);
    }
    if (rc == 0) rc = kj_buf_puts(out, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)filename; rc == 0 && *p; p++)
        rc = attr_char(*p) ? kj_buf_append(out, p, 1) : kj_buf_printf(out, "%%%02X", *p);
    return rc;
}

/* ---- files (media/files.h) ---- */

char *kj_attach_read(const char *data_dir, const char *id, size_t *len)
{
    return kj_id_valid(id) ? kj_file_read(data_dir, id, len) : NULL;
}

/* ---- rows ---- */

#define ATTACH_COLUMNS "id, owner_id, listing_id, studio_id, filename, mime, size, sha256, confidential, created_at"

int kj_attach_prepare(const void *data, size_t size, size_t max_size, const char **mime_out,
                      kj_buf *stored, kj_err *e)
{
    if (!data || !size) return kj_err_set(e, KJ_E_INVALID, "err.attach.empty", NULL);
    if (size > max_size) return kj_err_set(e, KJ_E_TOO_LARGE, "err.attach.too_large", NULL);
    const char *mime = kj_attach_sniff(data, size, e);
    if (!mime) return -1;
    const struct kind *k = kind_of(mime);
    /* The pixel budget, from the header: whoever shows or decodes the
     * image later (a browser, libgd) pays for its pixels, not its bytes. */
    const char *pixels_key = NULL;
    if (kj_image_check_pixels(data, size, mime, &pixels_key))
        return kj_err_set(e, KJ_E_INVALID, !strcmp(pixels_key, "err.image.pixels") ? "err.attach.pixels" : "err.attach.corrupt", NULL);
    int rc = k->strip ? k->strip(data, size, stored) : kj_buf_append(stored, data, size);
    if (rc != 0) return kj_err_set(e, KJ_E_INVALID, "err.attach.corrupt", NULL);
    *mime_out = mime;
    return 0;
}

int kj_attach_store(kj_db *db, const char *data_dir, size_t max_size,
                    const char *owner_id, const char *listing_id, const char *studio_id,
                    const char *filename, const void *data, size_t size, bool confidential,
                    char *id_out, kj_err *e)
{
    const char *mime = NULL;
    kj_buf stored = { 0 };
    if (kj_attach_prepare(data, size, max_size, &mime, &stored, e)) { kj_buf_free(&stored); return -1; }
    int rc;

    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(digest, (const unsigned char *)stored.data, stored.len);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    char name[KJ_ATTACH_NAME_MAX + 16];
    kj_attach_clean_name(filename, mime, name, sizeof name);

    kj_id id = kj_id_new();
    if (kj_file_write(data_dir, id.s, stored.data, stored.len)) { kj_buf_free(&stored); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    rc = kj_db_exec(db, "INSERT INTO attachments(id, origin, owner_id, listing_id, studio_id, filename, mime, size, "
                        "sha256, confidential, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", "sssssssisbi",
                    id.s, kj_instance_id(db), owner_id, listing_id, studio_id, name, mime, (int64_t)stored.len,
                    hex, (int)confidential, kj_now_ms());
    kj_buf_free(&stored);
    if (rc < 0) {
        char path[2100];
        kj_file_path(data_dir, id.s, "", path, sizeof path);
        unlink(path);
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    }
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

json_t *kj_attach_get(kj_db *db, const char *id)
{
    if (!kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT " ATTACH_COLUMNS " FROM attachments WHERE id = ?", "s", id);
}

json_t *kj_attach_list(kj_db *db, const char *listing_id)
{
    return kj_db_rows(db, "SELECT " ATTACH_COLUMNS " FROM attachments WHERE listing_id = ? ORDER BY created_at, id",
                      "s", listing_id);
}

int kj_attach_delete(kj_db *db, const char *data_dir, const char *id)
{
    if (!kj_id_valid(id) || kj_db_exec(db, "DELETE FROM attachments WHERE id = ?", "s", id) <= 0) return -1;
    char path[2100];
    kj_file_path(data_dir, id, "", path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT) kj_log_error("attach: unlink %s: %s", path, strerror(errno));
    return 0;
}
