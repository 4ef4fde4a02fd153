/*
 * fuzz.h — helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * A target checks properties, not only the absence of crashes: when one
 * fails, FUZZ_CHECK prints what was expected and aborts, which libFuzzer
 * reports as a crash and saves the input (crash-<sha1>).
 */
#ifndef KJ_FUZZ_H
#define KJ_FUZZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FUZZ_CHECK(cond, what)                                                       \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz: property failed at %s:%d: %s\n  (%s)\n", __FILE__, \
                    __LINE__, what, #cond);                                          \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* Decodes the HTML character references a browser would in an attribute
 * value or text: &name; for the few names our escapers and md4c produce
 * (others are kept verbatim, which only makes checks stricter), &#N; and
 * &#xH;. Returns a malloc'd NUL-terminated string, its length in *out_len. */
static inline char *fuzz_html_decode(const char *s, size_t n, size_t *out_len)
{
    static const struct { const char *name; char c; } named[] = {
        { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
        { "colon", ':' }, { "Tab", '\t' }, { "NewLine", '\n' }, { "sol", '/' },
        { "num", '#' }, { "quest", '?' },
    };
    char *o = malloc(n * 4 + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') { o[k++] = s[i]; continue; }
        size_t j = i + 1;
        unsigned long cp = 0;
        bool num = false, ok = false;
        if (j < n && s[j] == '#') {
            num = true;
            j++;
            bool hex = j < n && (s[j] == 'x' || s[j] == 'X');
            if (hex) j++;
            size_t d0 = j;
            while (j < n && (hex ? strchr("0123456789abcdefABCDEF", s[j]) != NULL && s[j]
                                 : s[j] >= '0' && s[j] <= '9')) {
                cp = cp * (hex ? 16 : 10) + (unsigned long)(s[j] <= '9' ? s[j] - '0' : (s[j] | 0x20) - 'a' + 10);
                if (cp > 0x10FFFF) cp = 0xFFFD;
                j++;
            }
            ok = j > d0;   /* browsers accept a missing ';' too */
            if (ok && j < n && s[j] == ';') j++;
        } else {
            for (size_t m = 0; m < sizeof named / sizeof *named; m++) {
                size_t l = strlen(named[m].name);
                if (j + l < n + 1 && strncmp(s + j, named[m].name, l) == 0) {
                    o[k++] = named[m].c;
                    j += l;
                    if (j < n && s[j] == ';') j++;
                    ok = true;
                    break;
                }
            }
            if (ok) { i = j - 1; continue; }
        }
        if (!ok) { o[k++] = '&'; continue; }
        if (num) {
            if (cp == 0) cp = 0xFFFD;
            if (cp < 0x80) o[k++] = (char)cp;
            else if (cp < 0x800) { o[k++] = (char)(0xC0 | cp >> 6); o[k++] = (char)(0x80 | (cp & 63)); }
            else if (cp < 0x10000) { o[k++] = (char)(0xE0 | cp >> 12); o[k++] = (char)(0x80 | (cp >> 6 & 63)); o[k++] = (char)(0x80 | (cp & 63)); }
            else { o[k++] = (char)(0xF0 | cp >> 18); o[k++] = (char)(0x80 | (cp >> 12 & 63)); o[k++] = (char)(0x80 | (cp >> 6 & 63)); o[k++] = (char)(0x80 | (cp & 63)); }
        }
        i = j - 1;
    }
    o[k] = 0;
    if (out_len) *out_len = k;
    return o;
}

/* True when a browser would run the URL in an href/src (after entity
 * decoding) as something other than http:, https:, mailto: or a relative
 * reference: the WHATWG URL parser strips leading/trailing C0 controls and
 * spaces and removes every tab, CR and LF before reading the scheme. */
static inline bool fuzz_url_dangerous(const char *attr, size_t n)
{
    size_t len;
    char *u = fuzz_html_decode(attr, n, &len);
    size_t a = 0, b = len, k = 0;
    while (a < b && (unsigned char)u[a] <= 0x20) a++;
    while (b > a && (unsigned char)u[b - 1] <= 0x20) b--;
    for (size_t i = a; i < b; i++)
        if (u[i] != '\t' && u[i] != '\n' && u[i] != '\r') u[k++] = u[i];
    u[k] = 0;
    bool bad = false;
    /* A scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) then ':'. */
    size_t i = 0;
    if (k && ((u[0] | 0x20) >= 'a' && (u[0] | 0x20) <= 'z')) {
        while (i < k && (((u[i] | 0x20) >= 'a' && (u[i] | 0x20) <= 'z') || (u[i] >= '0' && u[i] <= '9') ||
                         u[i] == '+' || u[i] == '-' || u[i] == '.')) i++;
        if (i < k && u[i] == ':') {
            char scheme[16] = "";
            if (i < sizeof scheme) {
                for (size_t m = 0; m < i; m++) scheme[m] = (char)(u[m] | 0x20);
                scheme[i] = 0;
            }
            bad = strcmp(scheme, "http") && strcmp(scheme, "https") && strcmp(scheme, "mailto");
        }
    }
    free(u);
    return bad;
}

static inline bool fuzz_has_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, needle, m) == 0) return true;
    return false;
}
#endif
