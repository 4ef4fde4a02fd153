/*
 * fuzz_markdown — src/text/markdown.c: Markdown to safe HTML, and to text.
 *
 * Besides "no crash, no sanitizer report", every output must be a fragment
 * a page can embed as is ({{{..._html}}}):
 *   - only the tags and attributes markdown.c is meant to write, every
 *     attribute value double-quoted with no raw '"' or '<' inside;
 *   - every href/src, decoded and normalised as a browser would, is http:,
 *     https:, mailto: or relative (no javascript:, data:, vbscript:, ...);
 *   - no raw '<' or '>' in text, every '&' starts a character reference;
 *   - tags balanced (void tags aside), no NUL byte, length as reported.
 */
#include "fuzz.h"
#include "text/markdown.h"

static const char *const tags[] = {
    "p", "h2", "h3", "h4", "h5", "h6", "a", "img", "em", "strong", "code", "pre", "ul", "ol",
    "li", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr", "br", "del", "input", NULL,
};
static const char *const voids[] = { "img", "hr", "br", "input", NULL };
static const char *const attrs[] = {
    "href", "src", "alt", "title", "rel", "loading", "class", "align", "start", "type",
    "disabled", "checked", NULL,
};

static bool in(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++) if (strlen(*list) == n && !memcmp(*list, s, n)) return true;
    return false;
}

static bool is_name(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

static void check_html(const char *h, size_t len)
{
    FUZZ_CHECK(strlen(h) == len, "no NUL byte in the HTML, length as reported");
    const char *stack[512];
    size_t depth = 0, lost = 0;   /* lost: opened beyond the stack */
    size_t i = 0;
    while (i < len) {
        char c = h[i];
        if (c == '>') FUZZ_CHECK(0, "raw '>' in text");
        if (c == '&') {
            size_t j = i + 1;
            if (j < len && h[j] == '#') {
                j++;
                if (j < len && (h[j] == 'x' || h[j] == 'X')) j++;
            }
            size_t s = j;
            while (j < len && (((h[j] | 0x20) >= 'a' && (h[j] | 0x20) <= 'z') || (h[j] >= '0' && h[j] <= '9'))) j++;
            FUZZ_CHECK(j > s && j < len && h[j] == ';', "'&' in the HTML starts a character reference");
            i = j + 1;
            continue;
        }
        if (c != '<') { i++; continue; }
        i++;
        bool closing = i < len && h[i] == '/';
        if (closing) i++;
        size_t ns = i;
        while (i < len && is_name(h[i])) i++;
        FUZZ_CHECK(in(tags, h + ns, i - ns), "only known tags");
        const char *name = h + ns;
        size_t nlen = i - ns;
        for (;;) {
            FUZZ_CHECK(i < len, "tag ends before the HTML does");
            if (h[i] == '>') { i++; break; }
            FUZZ_CHECK(!closing && h[i] == ' ', "attributes separated by one space");
            i++;
            size_t as = i;
            while (i < len && is_name(h[i])) i++;
            FUZZ_CHECK(in(attrs, h + as, i - as), "only known attributes");
            bool url = (i - as == 4 && !memcmp(h + as, "href", 4)) || (i - as == 3 && !memcmp(h + as, "src", 3));
            if (i < len && h[i] == '=') {
                i++;
                FUZZ_CHECK(i < len && h[i] == '"', "attribute values double-quoted");
                size_t vs = ++i;
                while (i < len && h[i] != '"') {
                    FUZZ_CHECK(h[i] != '<' && h[i] != '>', "no raw '<' or '>' in an attribute value");
                    if (url) FUZZ_CHECK((unsigned char)h[i] > 0x20 && (unsigned char)h[i] < 0x7f, "URLs percent-encoded");
                    i++;
                }
                FUZZ_CHECK(i < len, "attribute value closed");
                if (url) FUZZ_CHECK(!fuzz_url_dangerous(h + vs, i - vs), "href/src is http(s), mailto or relative");
                i++;
            } else {
                FUZZ_CHECK(!url, "href/src have a value");
            }
        }
        char key[16];
        snprintf(key, sizeof key, "%.*s", (int)nlen, name);
        if (in(voids, name, nlen)) { FUZZ_CHECK(!closing, "no closing void tags"); continue; }
        if (!closing) {
            if (depth < sizeof stack / sizeof *stack) stack[depth++] = name;
            else lost++;
            continue;
        }
        if (lost) { lost--; continue; }
        FUZZ_CHECK(depth > 0, "closing tag has an opening one");
        depth--;
        FUZZ_CHECK(strncmp(stack[depth], name, nlen) == 0 && !is_name(stack[depth][nlen]), "tags nest");
    }
    FUZZ_CHECK(depth == 0 && lost == 0, "every tag closed");
    FUZZ_CHECK(!fuzz_has_ci(h, len, "<script"), "no <script");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *md = (const char *)data;
    size_t len = 0;
    char *html = kj_markdown_to_html(size ? md : NULL, size, &len);
    FUZZ_CHECK(html != NULL, "HTML rendered");
    check_html(html, len);
    free(html);
    char *text = kj_markdown_to_text(size ? md : NULL, size);
    FUZZ_CHECK(text != NULL, "text rendered");
    size_t tl = strlen(text);
    FUZZ_CHECK(tl == 0 || (text[0] != '\n' && text[tl - 1] != '\n'), "no leading or trailing newline");
    free(text);
    return 0;
}
