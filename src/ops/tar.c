/*
 * tar.c — POSIX ustar writer and reader (tar.h).
 */
#include "ops/tar.h"
#include <string.h>

#define BLOCK 512

static void octal(char *field, size_t width, uint64_t v)
{
    /* width - 1 digits and a NUL; base-256 (GNU) when it does not fit. */
    uint64_t max = 1;
    for (size_t i = 0; i + 1 < width; i++) max *= 8;
    if (v < max) {
        field[width - 1] = 0;
        for (size_t i = width - 1; i > 0; i--, v >>= 3) field[i - 1] = (char)('0' + (v & 7));
        return;
    }
    memset(field, 0, width);
    field[0] = (char)0x80;
    for (size_t i = width - 1; i > 0 && v; i--, v >>= 8) field[i] = (char)(v & 0xff);
}

static int64_t read_number(const unsigned char *field, size_t width)
{
    if (field[0] & 0x80) {
        uint64_t v = field[0] & 0x7f;
        for (size_t i = 1; i < width; i++) {
            if (v >> 55) return -1;
            v = (v << 8) | field[i];
        }
        return (int64_t)v;
    }
    int64_t v = 0;
    size_t i = 0;
    while (i < width && field[i] == ' ') i++;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++) {
        if (v >> 60) return -1;
        v = v * 8 + (field[i] - '0');
    }
    for (; i < width; i++) if (field[i] != ' ' && field[i] != 0) return -1;
    return v;
}

bool kj_tar_safe_name(const char *name)
{
    if (!name || !*name || name[0] == '/') return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\') return false;
    const char *s = name;
    for (;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return false;
        if (!slash) return true;
        s = slash + 1;
    }
}

int kj_tar_header(FILE *out, const char *name, uint64_t len, unsigned mode, int64_t mtime)
{
    unsigned char h[BLOCK];
    memset(h, 0, sizeof h);
    size_t n = strlen(name);
    const char *base = name;
    size_t plen = 0;
    if (n > 100) {
        /* The last '/' that leaves at most 100 bytes after it and 155 before. */
        const char *cut = NULL;
        for (const char *p = name; *p; p++)
            if (*p == '/' && (size_t)(p - name) <= 155 && n - (size_t)(p - name) - 1 <= 100) cut = p;
        if (!cut) return -1;
        plen = (size_t)(cut - name);
        base = cut + 1;
    }
    if (!kj_tar_safe_name(name)) return -1;
    memcpy(h, base, strlen(base));
    octal((char *)h + 100, 8, mode & 07777);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, len);
    octal((char *)h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memcpy(h + 265, "kejiyun", 7);
    memcpy(h + 297, "kejiyun", 7);
    if (plen) memcpy(h + 345, name, plen);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    return fwrite(h, 1, BLOCK, out) == BLOCK ? 0 : -1;
}

int kj_tar_pad(FILE *out, uint64_t len)
{
    static const unsigned char zero[BLOCK];
    size_t pad = (size_t)((BLOCK - len % BLOCK) % BLOCK);
    return fwrite(zero, 1, pad, out) == pad ? 0 : -1;
}

int kj_tar_add(FILE *out, const char *name, const void *data, size_t len, unsigned mode, int64_t mtime)
{
    if (kj_tar_header(out, name, len, mode, mtime)) return -1;
    if (len && fwrite(data, 1, len, out) != len) return -1;
    return kj_tar_pad(out, len);
}

int kj_tar_end(FILE *out)
{
    static const unsigned char zero[2 * BLOCK];
    return fwrite(zero, 1, sizeof zero, out) == sizeof zero ? 0 : -1;
}

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

int kj_tar_each(FILE *in, const kj_tar_visitor *v, void *ctx, char *err, size_t errlen)
{
    unsigned char h[BLOCK], buf[64 * 1024];
    for (int entries = 0;; entries++) {
        size_t got = fread(h, 1, BLOCK, in);
        if (got != BLOCK) return fail(err, errlen, entries ? "the archive is truncated (no end marker)" : "not a tar archive (empty or too short)");
        bool zero = true;
        for (int i = 0; i < BLOCK && zero; i++) zero = h[i] == 0;
        if (zero) return 0;   /* the end marker (a second zero block may follow) */
        int64_t want = read_number(h + 148, 8);
        unsigned sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
        if (want < 0 || (unsigned)want != sum)
            return fail(err, errlen, entries ? "a damaged entry header (checksum mismatch)" : "not a tar archive (bad header checksum)");
        if (memcmp(h + 257, "ustar", 5)) return fail(err, errlen, "not a POSIX ustar archive");
        char name[260];
        char base[101], prefix[156];
        memcpy(base, h, 100);
        base[100] = 0;
        memcpy(prefix, h + 345, 155);
        prefix[155] = 0;
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "/" : "", base);
        int64_t size = read_number(h + 124, 12);
        int64_t mode = read_number(h + 100, 8);
        char type = (char)h[156];
        if (size < 0 || mode < 0) return fail(err, errlen, "a damaged entry header (size or mode)");
        size_t nlen = strlen(name);
        if (type == '5' || (nlen && name[nlen - 1] == '/')) {
            if (size) return fail(err, errlen, "a directory entry with data");
            continue;
        }
        if (type != '0' && type != 0) {
            snprintf(err, errlen, "entry \"%.100s\": only regular files are accepted (type '%c')", name, type ? type : '?');
            return -1;
        }
        if (!kj_tar_safe_name(name)) {
            snprintf(err, errlen, "entry \"%.100s\": unsafe path", name);
            return -1;
        }
        if (v->begin(ctx, name, (unsigned)mode, (uint64_t)size, err, errlen)) return -1;
        uint64_t left = (uint64_t)size;
        while (left) {
            size_t chunk = left < sizeof buf ? (size_t)left : sizeof buf;
            if (fread(buf, 1, chunk, in) != chunk) return fail(err, errlen, "the archive is truncated (an entry's data is cut short)");
            if (v->data(ctx, buf, chunk, err, errlen)) return -1;
            left -= chunk;
        }
        if (v->end(ctx, err, errlen)) return -1;
        size_t pad = (size_t)((BLOCK - (uint64_t)size % BLOCK) % BLOCK);
        if (pad && fread(buf, 1, pad, in) != pad) return fail(err, errlen, "the archive is truncated");
    }
}
