/*
 * markdown.c — safe Markdown → HTML and Markdown → plain text (see
 * markdown.h for the rules). md4c parses; the two renderers below are
 * md_parse callback sets writing into a kj_buf. md4c's own HTML renderer
 * is not used because it offers no hook to vet URLs or add attributes.
 */
#include "text/markdown.h"
#include "core/buf.h"
#include <md4c.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MD_FLAGS (MD_DIALECT_GITHUB | MD_FLAG_NOHTML)

/* ---- entities ---------------------------------------------------------- */

/* md4c hands entities over verbatim. A subset of the HTML5 named character
 * references: the common typographic ones, and every punctuation name that
 * could spell a URL scheme separator ("javascript&colon;"), so that URLs
 * are vetted after the same decoding the browser does. */
static const struct { const char *name; uint32_t cp; } named_entities[] = {
    {"amp", 38}, {"AMP", 38}, {"lt", 60}, {"LT", 60}, {"gt", 62}, {"GT", 62},
    {"quot", 34}, {"QUOT", 34}, {"apos", 39}, {"nbsp", 160},
    {"NonBreakingSpace", 160}, {"Tab", 9}, {"NewLine", 10}, {"colon", 58},
    {"sol", 47}, {"bsol", 92}, {"num", 35}, {"quest", 63}, {"period", 46},
    {"comma", 44}, {"semi", 59}, {"excl", 33}, {"lpar", 40}, {"rpar", 41},
    {"lsqb", 91}, {"rsqb", 93}, {"lbrack", 91}, {"rbrack", 93},
    {"lcub", 123}, {"rcub", 125}, {"lbrace", 123}, {"rbrace", 125},
    {"equals", 61}, {"plus", 43}, {"percnt", 37}, {"dollar", 36},
    {"commat", 64}, {"lowbar", 95}, {"grave", 96}, {"Hat", 94}, {"ast", 42},
    {"midast", 42}, {"verbar", 124}, {"vert", 124}, {"copy", 169},
    {"reg", 174}, {"trade", 8482}, {"hellip", 8230}, {"mdash", 8212},
    {"ndash", 8211}, {"lsquo", 8216}, {"rsquo", 8217}, {"ldquo", 8220},
    {"rdquo", 8221}, {"laquo", 171}, {"raquo", 187}, {"middot", 183},
    {"bull", 8226}, {"deg", 176}, {"plusmn", 177}, {"times", 215},
    {"divide", 247}, {"euro", 8364}, {"yen", 165}, {"pound", 163},
    {"cent", 162}, {"sect", 167}, {"para", 182}, {"shy", 173},
    {"ensp", 8194}, {"emsp", 8195}, {"thinsp", 8201}, {"zwj", 8205},
    {"zwnj", 8204}, {"ZeroWidthSpace", 8203}, {"larr", 8592},
    {"rarr", 8594}, {"uarr", 8593}, {"darr", 8595}, {"harr", 8596},
    {"le", 8804}, {"ge", 8805}, {"ne", 8800}, {"asymp", 8776},
    {"infin", 8734}, {"micro", 181}, {"permil", 8240}, {"prime", 8242},
    {"check", 10003}, {"half", 189}, {"frac12", 189}, {"frac14", 188},
    {"frac34", 190}, {"sup2", 178}, {"sup3", 179}, {"iexcl", 161},
    {"iquest", 191}, {"alpha", 945}, {"beta", 946}, {"gamma", 947},
    {"delta", 948}, {"pi", 960}, {"sigma", 963}, {"omega", 969},
    {"Delta", 916}, {"Omega", 937},
};

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;    /* what HTML5 does with these references */
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* md4c guarantees the shape &#[0-9]{1,7}; or &#[xX][0-9a-fA-F]{1,6};
 * so the value never overflows. */
static uint32_t numeric_entity(const char *s, size_t n)
{
    bool hex = n > 3 && (s[2] == 'x' || s[2] == 'X');
    uint32_t v = 0;
    for (size_t i = hex ? 3 : 2; i + 1 < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
        v = v * (hex ? 16 : 10) + (uint32_t)d;
    }
    return v;
}

/* Decodes the entity s[0..n) ("&...;") into UTF-8; returns the byte count,
 * or 0 when it is a name this table does not know. */
static size_t decode_entity(const char *s, size_t n, char out[4])
{
    if (n >= 4 && s[1] == '#') return utf8_encode(numeric_entity(s, n), out);
    for (size_t i = 0; i < sizeof named_entities / sizeof named_entities[0]; i++) {
        const char *name = named_entities[i].name;
        if (strlen(name) == n - 2 && memcmp(name, s + 1, n - 2) == 0)
            return utf8_encode(named_entities[i].cp, out);
    }
    return 0;
}

/* ---- output helpers ---------------------------------------------------- */

typedef struct {
    kj_buf out;
    bool   oom;
    int    img_depth;     /* > 0 while inside an image's alt text */
    bool   img_ok;        /* the outermost open image got an <img> tag */
    struct { MD_SPANTYPE type; const char *close; } open[64];  /* open spans, innermost last */
    int    nopen;
    int    untracked;     /* spans entered beyond open[]: written as text */
    bool   first_cell;    /* plain-text renderer: no separator yet in row */
    bool   after_nullchar; /* the last text callback was MD_TEXT_NULLCHAR */
} render;

/* md4c reports a NUL byte as MD_TEXT_NULLCHAR, printed as U+FFFD. In an
 * indented or fenced code block it then also passes the byte itself as the
 * code text, and in a code span it passes only the byte. So: a NUL right
 * after a NULLCHAR was already printed and is skipped; any other NUL is
 * printed as U+FFFD too. Never a raw NUL, which would end the page's C
 * strings early (found by tests/fuzz/fuzz_markdown). */
static void skip_reported_nul(render *r, MD_TEXTTYPE type, const MD_CHAR **text, MD_SIZE *size)
{
    bool after = r->after_nullchar;
    r->after_nullchar = type == MD_TEXT_NULLCHAR;
    if (after && type != MD_TEXT_NULLCHAR && *size && **text == 0) { (*text)++; (*size)--; }
}

static int put(render *r, const char *p, size_t n)
{
    if (!r->oom && kj_buf_append(&r->out, p, n)) r->oom = true;
    return r->oom ? -1 : 0;
}

static int puts_(render *r, const char *s) { return put(r, s, strlen(s)); }

/* Escapes for text and for double-quoted attribute values alike. */
static int put_escaped(render *r, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (p[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        case '\0': e = "\xEF\xBF\xBD"; break;   /* see skip_reported_nul */
        default: continue;
        }
        put(r, p + run, i - run);
        puts_(r, e);
        run = i + 1;
    }
    return put(r, p + run, n - run);
}

static int put_replacement_char(render *r) { return puts_(r, "\xEF\xBF\xBD"); }

/* An entity in text or a non-URL attribute. Names we cannot decode go out
 * verbatim: md4c only reports &[A-Za-z][A-Za-z0-9]{1,47}; which cannot
 * form markup, and the browser decodes the real ones. */
static int put_entity(render *r, const char *s, size_t n)
{
    char u[4];
    size_t k = decode_entity(s, n, u);
    return k ? put_escaped(r, u, k) : put(r, s, n);
}

/* Writes an attribute's decoded value into b (entities decoded; unknown
 * names kept as literal text). */
static int attr_decode(const MD_ATTRIBUTE *a, kj_buf *b)
{
    for (int i = 0; a->substr_offsets[i] < a->size; i++) {
        const char *s = a->text + a->substr_offsets[i];
        size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];
        char u[4];
        size_t k;
        int rc;
        switch (a->substr_types[i]) {
        case MD_TEXT_ENTITY:
            k = decode_entity(s, n, u);
            rc = k ? kj_buf_append(b, u, k) : kj_buf_append(b, s, n);
            break;
        case MD_TEXT_NULLCHAR:
            rc = kj_buf_append(b, "\xEF\xBF\xBD", 3);
            break;
        default:
            rc = kj_buf_append(b, s, n);
        }
        if (rc) return -1;
    }
    return kj_buf_append(b, "", 0);   /* makes b->data non-NULL */
}

static int put_attr(render *r, const char *name, const MD_ATTRIBUTE *a)
{
    kj_buf v = {0};
    if (attr_decode(a, &v)) { kj_buf_free(&v); r->oom = true; return -1; }
    puts_(r, " ");
    puts_(r, name);
    puts_(r, "=\"");
    put_escaped(r, v.data, v.len);
    kj_buf_free(&v);
    return puts_(r, "\"");
}

/* ---- URL vetting ------------------------------------------------------- */

static const char *const safe_schemes[] = { "http", "https", "mailto" };

/* Browsers drop leading/trailing C0 controls and spaces and every tab, CR
 * and LF inside a URL before parsing it; do the same in place so that the
 * URL we vet is the URL that gets used. */
static void url_normalise(kj_buf *u)
{
    size_t o = 0, start = 0, end = u->len;
    while (start < end && (unsigned char)u->data[start] <= 0x20) start++;
    while (end > start && (unsigned char)u->data[end - 1] <= 0x20) end--;
    for (size_t i = start; i < end; i++) {
        char c = u->data[i];
        if (c != '\t' && c != '\n' && c != '\r') u->data[o++] = c;
    }
    u->len = o;
    u->data[o] = 0;
}

/* Relative URLs (no ':' before the first '/', '?' or '#') and the listed
 * schemes pass. Anything else with a colon up front is refused, including
 * prefixes a browser would not call a scheme: refusing them costs nothing. */
static bool url_is_safe(const char *u, size_t n)
{
    size_t colon = 0;
    while (colon < n && !strchr(":/?#", u[colon])) colon++;
    if (colon == n || u[colon] != ':') return true;
    for (size_t i = 0; i < sizeof safe_schemes / sizeof safe_schemes[0]; i++)
        if (strlen(safe_schemes[i]) == colon && strncasecmp(u, safe_schemes[i], colon) == 0)
            return true;
    return false;
}

static bool is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 3986 unreserved and reserved characters plus '%' stay; '&' becomes
 * &amp;; everything else (quotes, spaces, <, >, controls, non-ASCII bytes)
 * is percent-encoded, so the value can never leave its attribute. */
static int put_url(render *r, const char *u, size_t n)
{
    static const char keep[] = "-._~:/?#[]@!$()*+,;=%";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u[i];
        char pct[4];
        if (c == '&') puts_(r, "&amp;");
        else if (is_ascii_alnum(c) || (c && strchr(keep, c))) put(r, u + i, 1);
        else {
            snprintf(pct, sizeof pct, "%%%02X", c);
            put(r, pct, 3);
        }
    }
    return r->oom ? -1 : 0;
}

/* Decodes and normalises a URL attribute into u; returns 1 when it is safe,
 * 0 when not, -1 when memory ran out. */
static int vet_url(const MD_ATTRIBUTE *a, kj_buf *u)
{
    if (attr_decode(a, u)) return -1;
    url_normalise(u);
    return url_is_safe(u->data, u->len);
}

/* ---- HTML renderer ----------------------------------------------------- */

static const char *align_attr(MD_ALIGN a)
{
    static const char *const names[] = {
        [MD_ALIGN_DEFAULT] = "", [MD_ALIGN_LEFT] = " align=\"left\"",
        [MD_ALIGN_CENTER] = " align=\"center\"", [MD_ALIGN_RIGHT] = " align=\"right\"",
    };
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "";
}

/* A fence's language word becomes class="language-X" only when it is made
 * of characters that need no escaping and mean nothing to CSS selectors. */
static int put_code_lang(render *r, const MD_ATTRIBUTE *lang)
{
    if (lang->size == 0 || lang->size > 32) return 0;
    for (MD_SIZE i = 0; i < lang->size; i++) {
        unsigned char c = (unsigned char)lang->text[i];
        if (!is_ascii_alnum(c) && !(c && strchr("_+#.-", c)))
            return 0;
    }
    puts_(r, " class=\"language-");
    put(r, lang->text, lang->size);
    return puts_(r, "\"");
}

static int html_enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
    render *r = ud;
    char tag[48];
    switch (type) {
    case MD_BLOCK_QUOTE: return puts_(r, "<blockquote>\n");
    case MD_BLOCK_UL:    return puts_(r, "<ul>\n");
    case MD_BLOCK_OL: {
        unsigned start = ((MD_BLOCK_OL_DETAIL *)detail)->start;
        if (start == 1) return puts_(r, "<ol>\n");
        snprintf(tag, sizeof tag, "<ol start=\"%u\">\n", start);
        return puts_(r, tag);
    }
    case MD_BLOCK_LI: {
        MD_BLOCK_LI_DETAIL *li = detail;
        if (!li->is_task) return puts_(r, "<li>");
        puts_(r, "<li class=\"task-list-item\"><input type=\"checkbox\" disabled");
        return puts_(r, li->task_mark == ' ' ? "> " : " checked> ");
    }
    case MD_BLOCK_HR: return puts_(r, "<hr>\n");
    case MD_BLOCK_H: {
        unsigned level = ((MD_BLOCK_H_DETAIL *)detail)->level + 1;
        snprintf(tag, sizeof tag, "<h%u>", level > 6 ? 6 : level);
        return puts_(r, tag);
    }
    case MD_BLOCK_CODE:
        puts_(r, "<pre><code");
        put_code_lang(r, &((MD_BLOCK_CODE_DETAIL *)detail)->lang);
        return puts_(r, ">");
    case MD_BLOCK_P:     return puts_(r, "<p>");
    case MD_BLOCK_TABLE: return puts_(r, "<table>\n");
    case MD_BLOCK_THEAD: return puts_(r, "<thead>\n");
    case MD_BLOCK_TBODY: return puts_(r, "<tbody>\n");
    case MD_BLOCK_TR:    return puts_(r, "<tr>\n");
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
        puts_(r, type == MD_BLOCK_TH ? "<th" : "<td");
        puts_(r, align_attr(((MD_BLOCK_TD_DETAIL *)detail)->align));
        return puts_(r, ">");
    default: return 0;   /* DOC; HTML blocks are disabled by MD_FLAG_NOHTML */
    }
}

static int close_all_spans(render *r);

static int html_leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
    render *r = ud;
    char tag[16];
    close_all_spans(r);
    switch (type) {
    case MD_BLOCK_QUOTE: return puts_(r, "</blockquote>\n");
    case MD_BLOCK_UL:    return puts_(r, "</ul>\n");
    case MD_BLOCK_OL:    return puts_(r, "</ol>\n");
    case MD_BLOCK_LI:    return puts_(r, "</li>\n");
    case MD_BLOCK_H: {
        unsigned level = ((MD_BLOCK_H_DETAIL *)detail)->level + 1;
        snprintf(tag, sizeof tag, "</h%u>\n", level > 6 ? 6 : level);
        return puts_(r, tag);
    }
    case MD_BLOCK_CODE:  return puts_(r, "</code></pre>\n");
    case MD_BLOCK_P:     return puts_(r, "</p>\n");
    case MD_BLOCK_TABLE: return puts_(r, "</table>\n");
    case MD_BLOCK_THEAD: return puts_(r, "</thead>\n");
    case MD_BLOCK_TBODY: return puts_(r, "</tbody>\n");
    case MD_BLOCK_TR:    return puts_(r, "</tr>\n");
    case MD_BLOCK_TH:    return puts_(r, "</th>\n");
    case MD_BLOCK_TD:    return puts_(r, "</td>\n");
    default: return 0;
    }
}

/* md4c does not always pair its span callbacks (found by fuzzing: "**"
 * runs around a link gave two STRONG enters and one leave), so the renderer
 * keeps its own stack of open spans: a leave closes the innermost open span
 * of its type and any opened after it, a leave matching no open span is
 * ignored, and the end of a block closes whatever is still open (an image's
 * alt attribute included). The HTML is well nested whatever md4c reports. */
#define MAX_OPEN ((int)(sizeof ((render *)0)->open / sizeof ((render *)0)->open[0]))

static bool span_room(render *r)
{
    if (r->nopen < MAX_OPEN) return true;
    r->untracked++;
    return false;
}

static void push_span(render *r, MD_SPANTYPE type, const char *close)
{
    r->open[r->nopen].type = type;
    r->open[r->nopen].close = close;
    r->nopen++;
}

static int close_span(render *r, MD_SPANTYPE type)
{
    int k = r->nopen;
    while (k > 0 && r->open[k - 1].type != type) k--;
    if (k == 0) {
        if (r->untracked) r->untracked--;
        return 0;
    }
    while (r->nopen >= k) {
        const char *c = r->open[--r->nopen].close;
        if (c) puts_(r, c);
    }
    return r->oom ? -1 : 0;
}

static int close_all_spans(render *r)
{
    if (r->img_depth) {
        r->img_depth = 0;
        if (r->img_ok) puts_(r, "\" loading=\"lazy\">");
    }
    while (r->nopen) {
        const char *c = r->open[--r->nopen].close;
        if (c) puts_(r, c);
    }
    r->untracked = 0;
    return r->oom ? -1 : 0;
}

static int enter_link(render *r, const MD_SPAN_A_DETAIL *a)
{
    if (!span_room(r)) return 0;
    kj_buf u = {0};
    int ok = vet_url(&a->href, &u);
    if (ok > 0) {
        puts_(r, "<a href=\"");
        put_url(r, u.data, u.len);
        puts_(r, "\"");
        if (a->title.size) put_attr(r, "title", &a->title);
        puts_(r, " rel=\"nofollow noopener\">");
    }
    kj_buf_free(&u);
    if (ok < 0) r->oom = true;
    push_span(r, MD_SPAN_A, ok > 0 ? "</a>" : NULL);
    return r->oom ? -1 : 0;
}

static int enter_image(render *r, const MD_SPAN_IMG_DETAIL *img)
{
    kj_buf u = {0};
    int ok = vet_url(&img->src, &u);
    if (ok > 0) {
        puts_(r, "<img src=\"");
        put_url(r, u.data, u.len);
        puts_(r, "\" alt=\"");
    }
    kj_buf_free(&u);
    if (ok < 0) r->oom = true;
    r->img_ok = ok > 0;
    r->img_depth = 1;
    return r->oom ? -1 : 0;
}

static int leave_image(render *r, const MD_SPAN_IMG_DETAIL *img)
{
    if (!r->img_ok) return 0;
    puts_(r, "\"");
    if (img->title.size) put_attr(r, "title", &img->title);
    return puts_(r, " loading=\"lazy\">");
}

/* Spans in alt text (emphasis, nested images, links) have no tags: the
 * alt attribute holds text only. */
static const char *const span_tags[][2] = {
    [MD_SPAN_EM] = {"<em>", "</em>"},
    [MD_SPAN_STRONG] = {"<strong>", "</strong>"},
    [MD_SPAN_CODE] = {"<code>", "</code>"},
    [MD_SPAN_DEL] = {"<del>", "</del>"},
};

static const char *span_tag(MD_SPANTYPE type, int leave)
{
    if ((unsigned)type >= sizeof span_tags / sizeof span_tags[0]) return NULL;
    return span_tags[type][leave];
}

static int html_enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
    render *r = ud;
    if (r->img_depth) {
        if (type == MD_SPAN_IMG) r->img_depth++;
        return 0;
    }
    if (type == MD_SPAN_A) return enter_link(r, detail);
    if (type == MD_SPAN_IMG) return enter_image(r, detail);
    const char *t = span_tag(type, 0);
    if (!t || !span_room(r)) return 0;
    push_span(r, type, span_tag(type, 1));
    return puts_(r, t);
}

static int html_leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
    render *r = ud;
    if (r->img_depth) {
        if (type == MD_SPAN_IMG && --r->img_depth == 0) return leave_image(r, detail);
        return 0;
    }
    if (type == MD_SPAN_A || span_tag(type, 1)) return close_span(r, type);
    return 0;
}

static int html_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *ud)
{
    render *r = ud;
    skip_reported_nul(r, type, &text, &size);
    switch (type) {
    case MD_TEXT_NULLCHAR: return put_replacement_char(r);
    case MD_TEXT_BR:       return puts_(r, r->img_depth ? " " : "<br>\n");
    case MD_TEXT_SOFTBR:   return puts_(r, r->img_depth ? " " : "\n");
    case MD_TEXT_ENTITY:   return put_entity(r, text, size);
    default:               return put_escaped(r, text, size);   /* HTML too */
    }
}

/* ---- plain-text renderer ----------------------------------------------- */

static int ensure_newline(render *r)
{
    if (r->out.len && r->out.data[r->out.len - 1] != '\n') return puts_(r, "\n");
    return 0;
}

static int text_enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
    render *r = ud;
    if (type == MD_BLOCK_TR) r->first_cell = true;
    if (type == MD_BLOCK_TH || type == MD_BLOCK_TD) {
        bool first = r->first_cell;
        r->first_cell = false;
        return first ? 0 : puts_(r, " ");
    }
    return ensure_newline(r);
}

static int text_leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
    render *r = ud;
    if (type == MD_BLOCK_TH || type == MD_BLOCK_TD) return 0;
    return ensure_newline(r);
}

static int text_span(MD_SPANTYPE type, void *detail, void *ud) { return 0; }

/* Text as is, NUL bytes as U+FFFD (see skip_reported_nul). */
static int put_without_nul(render *r, const char *p, size_t n)
{
    const char *nul;
    while ((nul = memchr(p, 0, n))) {
        put(r, p, (size_t)(nul - p));
        put_replacement_char(r);
        n -= (size_t)(nul - p) + 1;
        p = nul + 1;
    }
    return put(r, p, n);
}

static int text_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *ud)
{
    render *r = ud;
    skip_reported_nul(r, type, &text, &size);
    char u[4];
    size_t k;
    switch (type) {
    case MD_TEXT_NULLCHAR: return put_replacement_char(r);
    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:   return puts_(r, "\n");
    case MD_TEXT_ENTITY:
        k = decode_entity(text, size, u);
        return k ? put(r, u, k) : put(r, text, size);
    default:               return put_without_nul(r, text, size);
    }
}

/* ---- entry points ------------------------------------------------------ */

#define MD_PAD 16   /* NUL bytes after md4c's copy of the input (see run) */

static char *run(const MD_PARSER *p, const char *md, size_t len, size_t *out_len, bool trim)
{
    if (len > UINT_MAX - MD_PAD || (!md && len)) return NULL;
    /* md4c 0.4.8 can read past the end of its input (found by
     * tests/fuzz/fuzz_markdown: with a link destination left open at the
     * end, a ')' in the byte after the input changed the output, and the
     * text handed to us reached beyond the caller's buffer). It parses a
     * copy followed by NUL bytes, so whatever it reads is ours and always
     * the same. */
    char *copy = malloc(len + MD_PAD);
    if (!copy) return NULL;
    if (len) memcpy(copy, md, len);
    memset(copy + len, 0, MD_PAD);
    render r = {0};
    int rc = md_parse(copy, (MD_SIZE)len, p, &r);
    free(copy);
    if (rc != 0 || r.oom) {
        kj_buf_free(&r.out);
        return NULL;
    }
    while (trim && r.out.len && r.out.data[r.out.len - 1] == '\n') r.out.data[--r.out.len] = 0;
    /* A first block whose text is empty (an image without alt text, say)
     * still ends its line: drop that leading newline too (found by fuzzing). */
    size_t lead = 0;
    while (trim && lead < r.out.len && r.out.data[lead] == '\n') lead++;
    if (lead) {
        memmove(r.out.data, r.out.data + lead, r.out.len - lead + 1);
        r.out.len -= lead;
    }
    return kj_buf_steal(&r.out, out_len);
}

char *kj_markdown_to_html(const char *md, size_t len, size_t *out_len)
{
    static const MD_PARSER html = {
        .flags = MD_FLAGS,
        .enter_block = html_enter_block, .leave_block = html_leave_block,
        .enter_span = html_enter_span, .leave_span = html_leave_span,
        .text = html_text,
    };
    return run(&html, md, len, out_len, false);
}

char *kj_markdown_to_text(const char *md, size_t len)
{
    static const MD_PARSER text = {
        .flags = MD_FLAGS,
        .enter_block = text_enter_block, .leave_block = text_leave_block,
        .enter_span = text_span, .leave_span = text_span,
        .text = text_text,
    };
    return run(&text, md, len, NULL, true);
}
