/*
 * test_markdown.c — unit tests of src/text/markdown.c: exact output for
 * ordinary formatting, and for XSS vectors both the exact neutralised form
 * and a structural audit (every tag and attribute in the output is on an
 * allowlist, every href/src has a safe scheme).
 */
#include "t.h"
#include "text/markdown.h"
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>

static char *html(const char *md)
{
    size_t n = 0;
    char *h = kj_markdown_to_html(md, strlen(md), &n);
    if (h && strlen(h) != n) { free(h); return NULL; }
    return h;
}

#define CHECK_HTML(md, expected) do { char *h_ = html(md);                 \
    CHECK_STR(h_, expected); free(h_); } while (0)
#define CHECK_TEXT(md, expected) do { const char *m_ = (md);               \
    char *t_ = kj_markdown_to_text(m_, strlen(m_));                        \
    CHECK_STR(t_, expected); free(t_); } while (0)

/* ---- structural audit -------------------------------------------------- */

static const char *const ok_tags[] = {
    "p", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "code", "pre",
    "a", "img", "ul", "ol", "li", "blockquote", "hr", "br", "table", "thead",
    "tbody", "tr", "th", "td", "input",
};
static const char *const ok_attrs[] = {
    "href", "src", "alt", "title", "rel", "loading", "align", "start",
    "class", "type", "disabled", "checked",
};

static bool in_list(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0) return true;
    return false;
}

static bool url_ok(const char *v, size_t n)
{
    char u[256];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof u; i++) {
        if (strncmp(v + i, "&amp;", 5) == 0) i += 4;
        else if (v[i] == '&') return false;    /* no other entity in URLs */
        u[k++] = (char)tolower((unsigned char)v[i]);
    }
    u[k] = 0;
    size_t c = strcspn(u, ":/?#");
    if (u[c] != ':') return true;
    return strncmp(u, "http:", 5) == 0 || strncmp(u, "https:", 6) == 0
        || strncmp(u, "mailto:", 7) == 0;
}

/* Returns NULL when the HTML passes, else a pointer at the offence. */
static const char *audit(const char *h)
{
    for (const char *p = strchr(h, '<'); p; p = strchr(p, '<')) {
        const char *at = p++;
        if (*p == '/') p++;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (!in_list(ok_tags, sizeof ok_tags / sizeof *ok_tags, p, n)) return at;
        p += n;
        while (*p == ' ') {
            p++;
            size_t an = strspn(p, "abcdefghijklmnopqrstuvwxyz");
            if (!in_list(ok_attrs, sizeof ok_attrs / sizeof *ok_attrs, p, an)) return p;
            bool is_url = (an == 4 && !strncmp(p, "href", 4)) || (an == 3 && !strncmp(p, "src", 3));
            p += an;
            if (*p != '=') continue;
            if (p[1] != '"') return p;
            const char *v = p + 2, *e = strchr(v, '"');
            if (!e || memchr(v, '<', (size_t)(e - v))) return p;
            if (is_url && !url_ok(v, (size_t)(e - v))) return v;
            p = e + 1;
        }
        if (*p != '>') return p;
    }
    return NULL;
}

#define CHECK_SAFE(md) do { char *h_ = html(md); REQUIRE(h_);             \
    const char *bad_ = audit(h_);                                          \
    if (bad_) fprintf(stderr, "  unsafe output for %s:\n  %s\n", md, h_); \
    CHECK(bad_ == NULL); free(h_); } while (0)

/* ---- formatting -------------------------------------------------------- */

TEST(md_headings_shift_one_level)
{
    CHECK_HTML("# Title", "<h2>Title</h2>\n");
    CHECK_HTML("## Sub", "<h3>Sub</h3>\n");
    CHECK_HTML("###### Deep", "<h6>Deep</h6>\n");
    CHECK_HTML("Setext\n===", "<h2>Setext</h2>\n");
}

TEST(md_inline_formatting)
{
    CHECK_HTML("*em* **strong** ~~gone~~ `a<b>&`",
               "<p><em>em</em> <strong>strong</strong> <del>gone</del> "
               "<code>a&lt;b&gt;&amp;</code></p>\n");
    CHECK_HTML("a  \nb\nc", "<p>a<br>\nb\nc</p>\n");
    CHECK_HTML("5 > 3 & 'q' \"d\"", "<p>5 &gt; 3 &amp; &#39;q&#39; &quot;d&quot;</p>\n");
}

TEST(md_lists_and_quotes)
{
    CHECK_HTML("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
    CHECK_HTML("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n");
    CHECK_HTML("3. c", "<ol start=\"3\">\n<li>c</li>\n</ol>\n");
    CHECK_HTML("> q", "<blockquote>\n<p>q</p>\n</blockquote>\n");
    CHECK_HTML("- [x] done\n- [ ] todo",
               "<ul>\n<li class=\"task-list-item\"><input type=\"checkbox\" disabled checked> done</li>\n"
               "<li class=\"task-list-item\"><input type=\"checkbox\" disabled> todo</li>\n</ul>\n");
    CHECK_HTML("---", "<hr>\n");
}

TEST(md_code_blocks_are_escaped)
{
    CHECK_HTML("```c\nif (a < b && c) puts(\"<script>\");\n```",
               "<pre><code class=\"language-c\">if (a &lt; b &amp;&amp; c) "
               "puts(&quot;&lt;script&gt;&quot;);\n</code></pre>\n");
    CHECK_HTML("    <b>indented</b>", "<pre><code>&lt;b&gt;indented&lt;/b&gt;\n</code></pre>\n");
    /* a language word that would need escaping is dropped, not escaped */
    CHECK_HTML("```c\"onclick=x\nx\n```", "<pre><code>x\n</code></pre>\n");
}

TEST(md_tables)
{
    CHECK_HTML("| 名称 | 金额 |\n|:--|--:|\n| 专利 | 12.5 |",
               "<table>\n<thead>\n<tr>\n<th align=\"left\">名称</th>\n<th align=\"right\">金额</th>\n"
               "</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">专利</td>\n"
               "<td align=\"right\">12.5</td>\n</tr>\n</tbody>\n</table>\n");
}

TEST(md_links_and_images)
{
    CHECK_HTML("[k](https://kejiyun.cn/a?b=1&c=2 \"T\")",
               "<p><a href=\"https://kejiyun.cn/a?b=1&amp;c=2\" title=\"T\" "
               "rel=\"nofollow noopener\">k</a></p>\n");
    CHECK_HTML("[r](/market/1) [h](#top) [q](?p=2) [f](doc.html) [m](mailto:a@b.cn)",
               "<p><a href=\"/market/1\" rel=\"nofollow noopener\">r</a> "
               "<a href=\"#top\" rel=\"nofollow noopener\">h</a> "
               "<a href=\"?p=2\" rel=\"nofollow noopener\">q</a> "
               "<a href=\"doc.html\" rel=\"nofollow noopener\">f</a> "
               "<a href=\"mailto:a@b.cn\" rel=\"nofollow noopener\">m</a></p>\n");
    CHECK_HTML("![图 *1*](/img/a.png \"t\")",
               "<p><img src=\"/img/a.png\" alt=\"图 1\" title=\"t\" loading=\"lazy\"></p>\n");
    CHECK_HTML("<https://a.cn/x>",
               "<p><a href=\"https://a.cn/x\" rel=\"nofollow noopener\">https://a.cn/x</a></p>\n");
    CHECK_HTML("见 www.a.cn 或 b@c.cn",
               "<p>见 <a href=\"http://www.a.cn\" rel=\"nofollow noopener\">www.a.cn</a> 或 "
               "<a href=\"mailto:b@c.cn\" rel=\"nofollow noopener\">b@c.cn</a></p>\n");
    /* non-ASCII and spaces in a URL are percent-encoded */
    CHECK_HTML("[x](</搜索 a>)",
               "<p><a href=\"/%E6%90%9C%E7%B4%A2%20a\" rel=\"nofollow noopener\">x</a></p>\n");
    CHECK_HTML("[x][r]\n\n[r]: /ref \"Ref\"",
               "<p><a href=\"/ref\" title=\"Ref\" rel=\"nofollow noopener\">x</a></p>\n");
}

TEST(md_chinese_text_unchanged)
{
    CHECK_HTML("四川省成都市，人工智能“技术转移”服务。",
               "<p>四川省成都市，人工智能“技术转移”服务。</p>\n");
    CHECK_TEXT("四川省成都市，人工智能", "四川省成都市，人工智能");
}

TEST(md_entities)
{
    CHECK_HTML("&copy; &amp; &lt;b&gt; &#x4E2D;&#25991; &#0; &nosuch;",
               "<p>© &amp; &lt;b&gt; 中文 \xEF\xBF\xBD &nosuch;</p>\n");
    CHECK_HTML("a\0b", "<p>a</p>\n");   /* strlen stops at the NUL */
    size_t n;
    char *h = kj_markdown_to_html("a\0b", 3, &n);
    CHECK_STR(h, "<p>a\xEF\xBF\xBD" "b</p>\n");
    free(h);
}

TEST(md_empty_input)
{
    CHECK_HTML("", "");
    char *h = kj_markdown_to_html(NULL, 0, NULL);
    CHECK_STR(h, "");
    free(h);
    CHECK_TEXT("", "");
}

/* ---- XSS --------------------------------------------------------------- */

TEST(md_raw_html_is_text)
{
    CHECK_HTML("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
    CHECK_HTML("x <img src=x onerror=alert(1)> y",
               "<p>x &lt;img src=x onerror=alert(1)&gt; y</p>\n");
    CHECK_HTML("<div onclick=\"x\">\n\nhi\n\n</div>",
               "<p>&lt;div onclick=&quot;x&quot;&gt;</p>\n<p>hi</p>\n<p>&lt;/div&gt;</p>\n");
    CHECK_HTML("<!-- c --> <![CDATA[x]]> <?php ?>",
               "<p>&lt;!-- c --&gt; &lt;![CDATA[x]]&gt; &lt;?php ?&gt;</p>\n");
    CHECK_HTML("<svg/onload=alert(1)>", "<p>&lt;svg/onload=alert(1)&gt;</p>\n");
}

TEST(md_javascript_links_neutralised)
{
    CHECK_HTML("[a](javascript:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](JaVaScRiPt:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](jav&#x09;ascript:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](jav&Tab;ascript:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](java&NewLine;script:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](javascript&colon;alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](&#106;avascript:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](&#x6A;&#x61;vascript:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[a](&#32;javascript:alert(1))", "<p>a</p>\n");
    /* a control character ends the destination: no link, just text */
    CHECK_HTML("[a](\x01javascript:alert(1))", "<p>[a](\x01javascript:alert(1))</p>\n");
    CHECK_HTML("[a](<  javascript:alert(1)>)", "<p>a</p>\n");
    CHECK_HTML("[a](<java\tscript:alert(1)>)", "<p>a</p>\n");
    CHECK_HTML("[a](java\\script:alert(1))", "<p>a</p>\n");
    CHECK_HTML("[*b*](javascript:alert(1))", "<p><em>b</em></p>\n");
    CHECK_HTML("[a](vbscript:msgbox(1)) [b](data:text/html;base64,PHNjcmlwdD4=) "
               "[c](file:///etc/passwd) [d](:x)",
               "<p>a b c d</p>\n");
}

TEST(md_autolinks_and_references_neutralised)
{
    CHECK_HTML("<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n");
    CHECK_HTML("<vbscript:x>", "<p>vbscript:x</p>\n");
    CHECK_HTML("[r][1]\n\n[1]: javascript:alert(1) \"t\"", "<p>r</p>\n");
    CHECK_HTML("[r]\n\n[r]: <jav&#x09;ascript:alert(1)>", "<p>r</p>\n");
    CHECK_HTML("javascript:alert(1)", "<p>javascript:alert(1)</p>\n");
}

TEST(md_images_neutralised)
{
    CHECK_HTML("![alt](javascript:alert(1))", "<p>alt</p>\n");
    CHECK_HTML("![a *b*](data:image/svg+xml,<svg/onload=alert(1)>)",
               "<p>a b</p>\n");
    CHECK_HTML("![x](<data:image/svg+xml;base64,PHN2Zz4=>)", "<p>x</p>\n");
    CHECK_HTML("[![i](javascript:x)](https://a.cn)",
               "<p><a href=\"https://a.cn\" rel=\"nofollow noopener\">i</a></p>\n");
}

TEST(md_attribute_breaking_quotes)
{
    CHECK_HTML("[q](http://a/\"onmouseover=\"alert(1) \"t\\\"onclick=\\\"x\")",
               "<p><a href=\"http://a/%22onmouseover=%22alert(1)\" title=\"t&quot;onclick=&quot;x\" "
               "rel=\"nofollow noopener\">q</a></p>\n");
    CHECK_HTML("[q](<http://a/\"onmouseover=\"alert(1)> \"t\\\" onclick=\\\"x\")",
               "<p><a href=\"http://a/%22onmouseover=%22alert(1)\" title=\"t&quot; onclick=&quot;x\" "
               "rel=\"nofollow noopener\">q</a></p>\n");
    CHECK_HTML("[q](/a 'x\"><script>')",
               "<p><a href=\"/a\" title=\"x&quot;&gt;&lt;script&gt;\" rel=\"nofollow noopener\">q</a></p>\n");
    CHECK_HTML("![\"onerror=\"alert(1)](/i.png)",
               "<p><img src=\"/i.png\" alt=\"&quot;onerror=&quot;alert(1)\" loading=\"lazy\"></p>\n");
    CHECK_HTML("[q](/a&quot;onclick=x)",
               "<p><a href=\"/a%22onclick=x\" rel=\"nofollow noopener\">q</a></p>\n");
    CHECK_HTML("[q](/a'b<c>`d)",
               "<p><a href=\"/a%27b%3Cc%3E%60d\" rel=\"nofollow noopener\">q</a></p>\n");
}

TEST(md_audit_itself_catches_unsafe_html)
{
    CHECK(audit("<p>ok <a href=\"/x\" rel=\"nofollow noopener\">y</a></p>") == NULL);
    CHECK(audit("<a href=\"javascript:x\">") != NULL);
    CHECK(audit("<a href=\"JavaScript:x\">") != NULL);
    CHECK(audit("<img src=\"data:x\">") != NULL);
    CHECK(audit("<script>") != NULL);
    CHECK(audit("<img src=\"/a\" onerror=\"x\">") != NULL);
    CHECK(audit("<img src=x>") != NULL);
}

TEST(md_xss_battery_passes_audit)
{
    static const char *vectors[] = {
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>", "<iframe src=javascript:alert(1)>",
        "[a](javascript:alert(1))", "[a](JAVASCRIPT:alert(1))",
        "[a](jav&#x09;ascript:alert(1))", "[a](jav&#9;ascript:alert(1))",
        "[a](&#x6A;avascript:alert(1))", "[a](javascript&colon;alert(1))",
        "[a](  javascript:alert(1))", "[a](<\x0ejavascript:alert(1)>)",
        "[a](java\nscript:alert(1))", "<javascript:alert(1)>",
        "[a][r]\n\n[r]: javascript:alert(1)", "![a](javascript:alert(1))",
        "![a](vbscript:x)", "![a](data:text/html,<script>)",
        "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[a](\"onclick=\"alert(1))", "[a](/x \"a\\\"b\")", "![a\"b](/x 'c\"d')",
        "[a](/x \"\\\" onmouseover=alert(1) x=\\\"\")", "```\"><script>\nx\n```",
        "`<script>`", "| <b> | x |\n|---|---|\n| <i onclick=1> | y |",
        "[<script>](https://a)", "**<script>**", "&lt;script&gt;",
        "[a](https://a.cn/\"><script>alert(1)</script>)",
        "<https://a.cn/\"onmouseover=alert(1)>", "www.a.cn/\"onmouseover=alert(1)",
        "a@b.cn\"onmouseover=alert(1)", "[![x](javascript:1)](javascript:2)",
        "![![x](javascript:1)](/i.png)", "[x](&#0;javascript:alert(1))",
        "[x](&#xFEFF;javascript:alert(1))", "[x](\\javascript:alert(1))",
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) CHECK_SAFE(vectors[i]);
}

/* ---- plain text -------------------------------------------------------- */

TEST(md_to_text)
{
    CHECK_TEXT("# 标题\n\n正文 *强调* 和 [链接](https://a.cn)。\n\n- 一\n- 二",
               "标题\n正文 强调 和 链接。\n一\n二");
    CHECK_TEXT("| a | b |\n|---|---|\n| 1 | 2 |", "a b\n1 2");
    CHECK_TEXT("![图](/a.png) &amp; &copy; &#x4E2D;", "图 & © 中");
    CHECK_TEXT("```\ncode <x>\n```\n\nafter", "code <x>\nafter");
    CHECK_TEXT("<script>x</script>", "<script>x</script>");
    CHECK_TEXT("a\nb", "a\nb");
}

/* Found by tests/fuzz/fuzz_markdown: md4c reports a NUL in a code block as
 * U+FFFD and then passes the byte itself as code text too (in a code span,
 * only the byte), which came out raw and cut the HTML short for every C
 * string after it. Each NUL must become exactly one U+FFFD. */
TEST(md_nul_in_code)
{
    static const char block[] = "\t\0\0\r", span[] = "`\0`";
    size_t n = 0;
    char *h = kj_markdown_to_html(block, sizeof block - 1, &n);
    CHECK(h != NULL && strlen(h) == n);
    CHECK_STR(h, "<pre><code>\xEF\xBF\xBD\xEF\xBF\xBD\n</code></pre>\n");
    free(h);
    h = kj_markdown_to_html(span, sizeof span - 1, &n);
    CHECK(h != NULL && strlen(h) == n);
    CHECK_STR(h, "<p><code>\xEF\xBF\xBD</code></p>\n");
    free(h);
    char *t = kj_markdown_to_text(block, sizeof block - 1);
    CHECK_STR(t, "\xEF\xBF\xBD\xEF\xBF\xBD");
    free(t);
}

/* Found by tests/fuzz/fuzz_markdown: md4c entered STRONG twice and left it
 * once for this input, and the renderer mirrored it: <strong><strong>…
 * </strong>, an unclosed tag for the rest of the page. */
TEST(md_tags_balanced_when_md4c_spans_are_not)
{
    static const char md[] = "\xa6\x0a&\xff\xb1><gt:\xc1\x90\x9c&gg\x00t;****&><\x0agt:\xc1\x90\x9c&ggt;**>\x0a\xff[\xd4\xd5\xcb****\x00*\xffx\x00R";
    size_t n = 0;
    char *h = kj_markdown_to_html(md, sizeof md - 1, &n);
    REQUIRE(h != NULL);
    int open = 0, close = 0;
    for (const char *p = h; (p = strstr(p, "<strong>")); p++) open++;
    for (const char *p = h; (p = strstr(p, "</strong>")); p++) close++;
    CHECK(open > 0);
    CHECK_INT(open, close);
    free(h);
}

/* Found by tests/fuzz/fuzz_markdown: md4c 0.4.8 reads past the end of its
 * input when a link destination is left open at the end. With ')' bytes
 * after the 6 bytes given, it took "(t)" as a link and crashed; the output
 * must depend on the given bytes only. */
TEST(md_reads_only_its_input)
{
    static const char buf[] = "[af](t)))))))))))))))))))))))))))))))))";
    size_t n1 = 0, n2 = 0;
    char *beyond = kj_markdown_to_html(buf, 6, &n1);
    char *exact = kj_markdown_to_html("[af](t", 6, &n2);
    REQUIRE(beyond != NULL && exact != NULL);
    CHECK_STR(beyond, exact);
    CHECK(strstr(beyond, "href") == NULL);
    free(beyond);
    free(exact);
}

/* Also from the fuzzer: a first block with no text (an image without alt
 * text) left a leading newline in the plain text. */
TEST(md_to_text_no_leading_newline)
{
    CHECK_TEXT("![](/a.png)\nb", "b");
    CHECK_TEXT("![](/a.png)\n\nb", "b");
}
