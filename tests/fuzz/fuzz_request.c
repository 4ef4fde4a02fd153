/*
 * fuzz_request — the request line, URL and query string, and urlencoded
 * bodies, through the real server (see fuzz_http.h), plus the URL helpers
 * of src/http/request.c called directly.
 *
 * Input: byte 0 picks the method; the bytes up to the first '\n' are the
 * request target (path and query, sent raw); the rest is an
 * application/x-www-form-urlencoded body.
 * Direct properties: kj_url_decode(kj_url_encode(s)) == s and the encoding
 * holds only unreserved characters and %XX; kj_url_decode never grows.
 * (The server parses urlencoded bodies and queries itself: they are fuzzed
 * through it; the unused kj_parse_urlencoded is gone, issue 13.)
 */
#include "fuzz_http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_http_start();
    return 0;
}

static void check_helpers(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = 0;
    size_t d = kj_url_decode(s, n, true);
    FUZZ_CHECK(d <= n && s[d] == 0, "decoding never grows and terminates");
    memcpy(s, p, n);
    s[n] = 0;
    kj_buf e = { 0 };
    FUZZ_CHECK(kj_url_encode(&e, s) == 0, "encoded");
    size_t slen = strlen(s);
    for (size_t i = 0; i < e.len; i++) {
        char c = e.data[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c) ||
                  (c == '%' && i + 2 < e.len && isxdigit((unsigned char)e.data[i + 1]) && isxdigit((unsigned char)e.data[i + 2]));
        FUZZ_CHECK(c && ok, "the encoding holds only unreserved characters and %XX");
    }
    if (e.len) {
        size_t back = kj_url_decode(e.data, e.len, false);
        FUZZ_CHECK(back == slen && !memcmp(e.data, s, slen), "decode(encode(s)) == s");
    }
    kj_buf_free(&e);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "POST" };
    if (size > 48 * 1024) return 0;
    check_helpers((const char *)data, size);
    if (!size) return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(p, '\n', n);
    size_t tlen = nl ? (size_t)(nl - p) : n;
    const char *body = nl ? nl + 1 : "";
    size_t blen = nl ? n - tlen - 1 : 0;
    kj_buf head = { 0 };
    kj_buf_printf(&head, "%s ", methods[data[0] & 7]);
    kj_buf_append(&head, p, tlen);
    kj_buf_printf(&head, " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n", blen);
    fuzz_http_send(head.data, head.len, body, blen);
    kj_buf_free(&head);
    return 0;
}
