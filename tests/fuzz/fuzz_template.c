/*
 * fuzz_template — src/web/tmpl.c rendering hostile values in every HTML
 * context a template may put a value in.
 *
 * The template below is compiled once; each input gives two values v and w
 * (any bytes: invalid UTF-8, NUL, quotes, "javascript:", entities...). The
 * output is then walked against the template's literal text: a value may
 * only end where its context ends (text at '<', an attribute at its quote,
 * a URL part at '&'), so a value that broke out would make the walk fail.
 * Each value's rendering is also checked for what it may contain:
 *   - text and quoted attributes: no raw < > " ', and decoding the
 *     character references gives the value back (NUL bytes dropped);
 *   - a URL attribute: either "#unsafe" or percent/entity-encoded printable
 *     ASCII whose scheme, as a browser reads it, is http(s), mailto or none;
 *   - a URL part: only unreserved characters and %XX, decoding to the value.
 */
#include "fuzz.h"
#include "web/tmpl.h"
#include <sys/stat.h>
#include <unistd.h>

enum hole { H_TEXT, H_DQ, H_SQ, H_URL_DQ, H_URL_SQ, H_URL_PART };

/* The rendered output, in order: literal, then a value (0 = v, 1 = w) in
 * a context, ... The section {{#list}} over [v, w] is unrolled. */
static const struct { const char *lit; enum hole hole; int which; } expect[] = {
    { "<p>", H_TEXT, 0 },
    { "</p>\n<a title=\"", H_DQ, 0 },
    { "\">1</a>\n<a title='", H_SQ, 0 },
    { "'>2</a>\n<a href=\"", H_URL_DQ, 0 },
    { "\">3</a>\n<a href=\"/s?q=", H_URL_PART, 0 },
    { "&amp;x=1\">4</a>\n<img alt=\"", H_DQ, 1 },
    { "\" src='", H_URL_SQ, 1 },
    { "'>\n<textarea>", H_TEXT, 1 },
    { "</textarea>\n<p>", H_TEXT, 0 },                     /* {{t fuzz.msg v}}: "{0}" */
    { "</p>\n<ul><li data-x=\"", H_DQ, 0 },
    { "\">", H_TEXT, 0 },
    { "</li><li data-x=\"", H_DQ, 1 },
    { "\">", H_TEXT, 1 },
    { "</li></ul>\n", -1, -1 },
};

static const char tmpl_text[] =
    "<p>{{v}}</p>\n<a title=\"{{v}}\">1</a>\n<a title='{{v}}'>2</a>\n<a href=\"{{v}}\">3</a>\n"
    "<a href=\"/s?q={{v}}&amp;x=1\">4</a>\n<img alt=\"{{w}}\" src='{{w}}'>\n<textarea>{{w}}</textarea>\n"
    "<p>{{t fuzz.msg v}}</p>\n<ul>{{#list}}<li data-x=\"{{.}}\">{{.}}</li>{{/list}}</ul>\n";

static kj_tmpl_set *set;

static const char *tr(void *ctx, const char *key) { return "{0}"; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[] = "/tmp/kj-fuzz-tmpl-XXXXXX", path[64], err[256];
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    snprintf(path, sizeof path, "%s/fuzz.html", dir);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(tmpl_text, 1, sizeof tmpl_text - 1, f) != sizeof tmpl_text - 1 || fclose(f)) { perror(path); exit(1); }
    set = kj_tmpl_load_dir(dir, err, sizeof err);
    unlink(path);
    rmdir(dir);
    if (!set) { fprintf(stderr, "fuzz_template: %s\n", err); exit(1); }
    return 0;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

static int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1; }

static void check_value(enum hole h, const char *seg, size_t n, const char *val, size_t vlen)
{
    if (h == H_TEXT || h == H_DQ || h == H_SQ) {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(!strchr("<>\"'", seg[i]) || !seg[i], "no raw < > \" ' from a value in text or an attribute");
        size_t dl;
        char *d = fuzz_html_decode(seg, n, &dl);
        size_t k = 0;
        bool same = true;
        for (size_t i = 0; i < vlen; i++) {
            if (!val[i]) continue;
            if (k >= dl || d[k] != val[i]) { same = false; break; }
            k++;
        }
        FUZZ_CHECK(same && k == dl, "the escaped value decodes to the value (NULs dropped)");
        free(d);
    } else if (h == H_URL_DQ || h == H_URL_SQ) {
        if (n == 7 && !memcmp(seg, "#unsafe", 7)) return;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)seg[i];
            FUZZ_CHECK(c > 0x20 && c < 0x7f && !strchr("<>\"'`", c), "a URL is encoded printable ASCII");
        }
        FUZZ_CHECK(!fuzz_url_dangerous(seg, n), "a URL's scheme is http(s), mailto or none");
    } else {
        size_t k = 0;
        for (size_t i = 0; i < n; i++, k++) {
            unsigned char c = (unsigned char)seg[i], want;
            if (c == '%') {
                FUZZ_CHECK(i + 2 < n && hexv(seg[i + 1]) >= 0 && hexv(seg[i + 2]) >= 0, "%XX well formed");
                want = (unsigned char)(hexv(seg[i + 1]) * 16 + hexv(seg[i + 2]));
                i += 2;
            } else {
                FUZZ_CHECK(unreserved(c), "a URL part holds only unreserved characters and %XX");
                want = c;
            }
            FUZZ_CHECK(k < vlen && (unsigned char)val[k] == want, "a URL part decodes to the value");
        }
        FUZZ_CHECK(k == vlen, "a URL part decodes to the whole value");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t k = size ? (data[0] < size - 1 ? data[0] : size - 1) : 0;
    const char *v = size ? (const char *)data + 1 : "", *w = v + k;
    size_t vlen = k, wlen = size ? size - 1 - k : 0;
    json_t *d = json_object();
    json_object_set_new(d, "v", json_stringn_nocheck(v, vlen));
    json_object_set_new(d, "w", json_stringn_nocheck(w, wlen));
    json_object_set_new(d, "list", json_pack("[O,O]", json_object_get(d, "v"), json_object_get(d, "w")));
    size_t len = 0;
    char *out = kj_tmpl_render_str(set, "fuzz", d, tr, NULL, &len);
    FUZZ_CHECK(out != NULL, "the template renders");
    size_t pos = 0;
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        size_t ll = strlen(expect[i].lit);
        if (pos + ll > len || memcmp(out + pos, expect[i].lit, ll)) {
            fprintf(stderr, "expected \"%s\" at %zu of:\n%.*s\n", expect[i].lit, pos, (int)len, out);
            FUZZ_CHECK(0, "the template's literal text is where it belongs (no value broke out)");
        }
        pos += ll;
        if ((int)expect[i].hole < 0) break;
        char end = expect[i].hole == H_TEXT ? '<' : expect[i].hole == H_DQ || expect[i].hole == H_URL_DQ ? '"'
                 : expect[i].hole == H_URL_PART ? '&' : '\'';
        const char *stop = memchr(out + pos, end, len - pos);
        FUZZ_CHECK(stop != NULL, "a value ends where its context does");
        size_t n = (size_t)(stop - (out + pos));
        check_value(expect[i].hole, out + pos, n, expect[i].which ? w : v, expect[i].which ? wlen : vlen);
        pos += n;
    }
    FUZZ_CHECK(pos == len, "nothing after the template's end");
    free(out);
    json_decref(d);
    return 0;
}
