/*
 * test_tmpl.c — unit tests of the template engine (src/web/tmpl.c): every
 * escaping context fed hostile values, the compile errors that keep
 * templates inside the safe subset, sections, partials, messages, lookups
 * and concurrent rendering. Each test writes its templates into a fresh
 * mkdtemp directory and removes it afterwards.
 */
#include "t.h"
#include "web/tmpl.h"

#include <ftw.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- fixtures --- */

typedef struct { const char *rel, *text; } tfile;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes files (NULL-terminated by rel) into a new temp dir; the caller
 * frees the returned path after rm_tree. */
static char *write_dir(const tfile *files)
{
    char *dir = strdup("/tmp/kj_tmpl_XXXXXX");
    if (!dir || !mkdtemp(dir)) { free(dir); return NULL; }
    for (const tfile *f = files; f->rel; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, f->rel);
        for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
            *s = '\0';
            mkdir(path, 0700);
            *s = '/';
        }
        FILE *fp = fopen(path, "w");
        if (!fp) continue;
        fputs(f->text, fp);
        fclose(fp);
    }
    return dir;
}

static kj_tmpl_set *load(const tfile *files, char *err, size_t errlen)
{
    char *dir = write_dir(files);
    if (!dir) return NULL;
    kj_tmpl_set *set = kj_tmpl_load_dir(dir, err, errlen);
    rm_tree(dir);
    free(dir);
    return set;
}

static const struct { const char *key, *msg; } catalog[] = {
    {"greeting", "你好"},
    {"hello.name", "Hello, {0}!"},
    {"markup", "<b>{0}</b> & {0}"},
    {"quote", "It's \"ok\""},
};

static const char *translate(void *ctx, const char *key)
{
    for (size_t i = 0; i < sizeof catalog / sizeof catalog[0]; i++)
        if (strcmp(catalog[i].key, key) == 0) return catalog[i].msg;
    return key;
}

/* Compiles one template "t.html" and renders it with JSON data; the
 * result is malloc'd, or NULL (with the reason on stderr). */
static char *render1(const char *text, const char *json)
{
    char err[256];
    tfile files[] = {{"t.html", text}, {NULL, NULL}};
    kj_tmpl_set *set = load(files, err, sizeof err);
    if (!set) { fprintf(stderr, "  load failed: %s\n", err); return NULL; }
    json_t *data = json ? json_loads(json, 0, NULL) : NULL;
    if (json && !data) fprintf(stderr, "  bad test JSON: %s\n", json);
    char *out = kj_tmpl_render_str(set, "t", data, translate, NULL, NULL);
    json_decref(data);
    kj_tmpl_free(set);
    return out;
}

/* 1 when "t.html" fails to load with an error naming t.html:line. */
static int fails_at(const char *text, int line, char *err, size_t errlen)
{
    tfile files[] = {{"t.html", text}, {NULL, NULL}};
    kj_tmpl_set *set = load(files, err, errlen);
    if (set) { kj_tmpl_free(set); snprintf(err, errlen, "(compiled)"); return 0; }
    char want[32];
    snprintf(want, sizeof want, "t.html:%d: ", line);
    return strstr(err, want) != NULL;
}

#define CHECK_RENDER(text, json, want) do {                                \
    char *out_ = render1(text, json);                                      \
    CHECK_STR(out_, want);                                                 \
    free(out_);                                                            \
} while (0)

#define CHECK_FAILS(text, line) do {                                       \
    char err_[256];                                                        \
    int ok_ = fails_at(text, line, err_, sizeof err_);                     \
    if (!ok_) fprintf(stderr, "  template: %s\n  error: %s\n", text, err_);\
    CHECK(ok_);                                                            \
} while (0)

/* --- escaping contexts --- */

TEST(tmpl_text_escaping)
{
    CHECK_RENDER("<p>{{x}}</p>", "{\"x\": \"<script>alert('x')&\\\"</script>\"}",
                 "<p>&lt;script&gt;alert(&#39;x&#39;)&amp;&#34;&lt;/script&gt;</p>");
    CHECK_RENDER("{{x}}", "{\"x\": \"中文 plain\"}", "中文 plain");
    CHECK_RENDER("<title>{{x}}</title><textarea>{{x}}</textarea>", "{\"x\": \"</title><b>\"}",
                 "<title>&lt;/title&gt;&lt;b&gt;</title><textarea>&lt;/title&gt;&lt;b&gt;</textarea>");
}

TEST(tmpl_ordinary_html_compiles)
{
    CHECK_RENDER("<!DOCTYPE html>\n<!-- note -- <b> -->\n<p class=\"a\" hidden>1 < 2 &amp; {{x}}</p>"
                 "<script>if (a < b && c > d) {}</script>\n<br/><img alt='' src=\"/a.png\" />{{x}}",
                 "{\"x\": \"<\"}",
                 "<!DOCTYPE html>\n<!-- note -- <b> -->\n<p class=\"a\" hidden>1 < 2 &amp; &lt;</p>"
                 "<script>if (a < b && c > d) {}</script>\n<br/><img alt='' src=\"/a.png\" />&lt;");
}

TEST(tmpl_attribute_escaping)
{
    CHECK_RENDER("<div title=\"{{x}}\" data-x='{{x}}' class=\"a {{x}} b\"></div>",
                 "{\"x\": \"\\\" onmouseover='alert(1)' <x>\"}",
                 "<div title=\"&#34; onmouseover=&#39;alert(1)&#39; &lt;x&gt;\" "
                 "data-x='&#34; onmouseover=&#39;alert(1)&#39; &lt;x&gt;' "
                 "class=\"a &#34; onmouseover=&#39;alert(1)&#39; &lt;x&gt; b\"></div>");
}

TEST(tmpl_url_whole_value)
{
    static const struct { const char *value, *want; } cases[] = {
        {"javascript:alert(1)", "#unsafe"},
        {" JaVaScRiPt:alert(1)", "#unsafe"},
        {"data:text/html,<script>alert(1)</script>", "#unsafe"},
        {"vbscript:msgbox", "#unsafe"},
        {"java\\tscript:alert(1)", "#unsafe"},
        {"java\\u0001script:alert(1)", "#unsafe"},
        {"https://example.com/a b/中文?q=1&r='2'",
         "https://example.com/a%20b/%E4%B8%AD%E6%96%87?q=1&amp;r=&#39;2&#39;"},
        {"HTTP://EXAMPLE.COM/\\\"><x", "HTTP://EXAMPLE.COM/%22%3E%3Cx"},
        {"mailto:a@example.com", "mailto:a@example.com"},
        {"/listings/7?x=1#top", "/listings/7?x=1#top"},
        {"?page=2", "?page=2"},
        {"#frag", "#frag"},
        {"listing/7:edit", "listing/7:edit"},
        {"  /padded  ", "/padded"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256], want[256];
        snprintf(json, sizeof json, "{\"u\": \"%s\"}", cases[i].value);
        snprintf(want, sizeof want, "<a href=\"%s\">x</a>", cases[i].want);
        CHECK_RENDER("<a href=\"{{u}}\">x</a>", json, want);
    }
    /* every URL attribute, either quote, blanks before the tag */
    CHECK_RENDER("<img src='{{u}}'><form action=\" {{u}}\"><button formaction=\"{{u}}\">"
                 "<video poster=\"{{u}}\"><q cite=\"{{u}}\">",
                 "{\"u\": \"javascript:x\"}",
                 "<img src='#unsafe'><form action=\" #unsafe\"><button formaction=\"#unsafe\">"
                 "<video poster=\"#unsafe\"><q cite=\"#unsafe\">");
    CHECK_RENDER("<a HREF=\"{{n}}\">", "{\"n\": 42}", "<a HREF=\"42\">");
}

TEST(tmpl_url_component)
{
    CHECK_RENDER("<a href=\"/listings/{{id}}?q={{q}}\">", "{\"id\": 42, \"q\": \"a b/中&\\\"<'\"}",
                 "<a href=\"/listings/42?q=a%20b%2F%E4%B8%AD%26%22%3C%27\">");
    CHECK_RENDER("<a href=\"/go?to={{u}}\">", "{\"u\": \"javascript:alert(1)\"}",
                 "<a href=\"/go?to=javascript%3Aalert%281%29\">");
    CHECK_RENDER("<a href=\"/{{u}}\">", "{\"u\": \"-._~AZaz09\"}", "<a href=\"/-._~AZaz09\">");
    /* the second of two adjacent tags is never at the start of the value */
    CHECK_RENDER("<a href=\"{{a}}{{b}}\">", "{\"b\": \"javascript:x\"}",
                 "<a href=\"javascript%3Ax\">");
}

TEST(tmpl_raw_only_for_html_names)
{
    CHECK_RENDER("<div>{{{body_html}}}|{{{post.intro_html}}}|{{body_html}}</div>",
                 "{\"body_html\": \"<b>x</b>\", \"post\": {\"intro_html\": \"<i>y</i>\"}}",
                 "<div><b>x</b>|<i>y</i>|&lt;b&gt;x&lt;/b&gt;</div>");
    CHECK_FAILS("<p>{{{body}}}</p>", 1);
    CHECK_FAILS("<p>{{{body_html.x}}}</p>", 1);
    CHECK_FAILS("<p>{{{.}}}</p>", 1);
    CHECK_FAILS("<div title=\"{{{t_html}}}\"></div>", 1);
    CHECK_FAILS("<textarea>{{{t_html}}}</textarea>", 1);
}

/* --- compile errors --- */

TEST(tmpl_errors_forbidden_contexts)
{
    CHECK_FAILS("<p>ok</p>\n<script>var x = {{x}};</script>", 2);
    CHECK_FAILS("<script type=\"application/json\">{{x}}</script>", 1);
    CHECK_FAILS("<SCRIPT>\n{{#a}}{{/a}}</SCRIPT>", 2);
    CHECK_FAILS("<style>p { color: {{c}} }</style>", 1);
    CHECK_FAILS("<div class={{x}}></div>", 1);
    CHECK_FAILS("<div class=a{{x}}></div>", 1);
    CHECK_FAILS("<button onclick=\"go({{x}})\"></button>", 1);
    CHECK_FAILS("<body\n onLoad='{{x}}'>", 2);
    CHECK_FAILS("<div style=\"color: {{c}}\"></div>", 1);
    CHECK_FAILS("<img srcset=\"{{x}} 2x\">", 1);
    CHECK_FAILS("<iframe srcdoc=\"{{x}}\"></iframe>", 1);
    CHECK_FAILS("<!-- {{x}} -->", 1);
    CHECK_FAILS("<{{x}}>", 1);
    CHECK_FAILS("<di{{x}}v>", 1);
    CHECK_FAILS("<div {{x}}>", 1);
    CHECK_FAILS("<div data-{{x}}=\"1\">", 1);
    CHECK_FAILS("<p>{{>t}}</p><a href=\"{{>t}}\">", 1);
    CHECK_FAILS("<a href=\"{{t greeting}}\">", 1);
    CHECK_FAILS("<p>ok</p>\n<div class=\"x\"", 2);
    CHECK_FAILS("<title>a <b>{{x}}</b></title>", 1);
}

TEST(tmpl_errors_malformed)
{
    CHECK_FAILS("a\nb\n{{#items}}x", 3);
    CHECK_FAILS("{{#a}}\n{{/b}}", 2);
    CHECK_FAILS("x{{/a}}", 1);
    CHECK_FAILS("{{#a}}{{#b}}{{/a}}{{/b}}", 1);
    CHECK_FAILS("{{x y z}}", 1);
    CHECK_FAILS("{{&x}}", 1);
    CHECK_FAILS("{{}}", 1);
    CHECK_FAILS("{{a..b}}", 1);
    CHECK_FAILS("a {{x", 1);
    CHECK_FAILS("{{t bad/key}}", 1);
    CHECK_FAILS("{{>missing}}", 1);
    CHECK_FAILS("{{>../etc/passwd}}", 1);
    /* a section must end in the context it began in */
    CHECK_FAILS("{{#a}}<a href=\"{{/a}}\">", 1);
    CHECK_FAILS("<a title=\"{{#a}}\" href=\"{{/a}}\">", 1);
    CHECK_FAILS("<script {{#a}}></script><b {{/a}}>", 1);
}

/* {{t}} alone is a plain lookup of "t": not an error after all. */
TEST(tmpl_t_alone_is_a_lookup)
{
    CHECK_RENDER("{{t}}", "{\"t\": \"tee\"}", "tee");
}

TEST(tmpl_error_message_format)
{
    char *dir = write_dir((tfile[]){{"ok.html", "fine"}, {"sub/bad.html", "1\n2\n<script>{{x}}</script>"}, {NULL, NULL}});
    REQUIRE(dir);
    char err[512], want[512];
    kj_tmpl_set *set = kj_tmpl_load_dir(dir, err, sizeof err);
    CHECK(set == NULL);
    snprintf(want, sizeof want, "%s/sub/bad.html:3: ", dir);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(strstr(err, "script") != NULL);
    rm_tree(dir);
    free(dir);
    CHECK(kj_tmpl_load_dir("/nonexistent/kj_tmpl", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/kj_tmpl") != NULL);
}

/* --- sections --- */

TEST(tmpl_sections)
{
    const char *data = "{\"items\": [{\"n\": \"a\"}, {\"n\": \"b\"}], \"tags\": [\"x\", \"<y>\"],"
                       " \"user\": {\"name\": \"Li\"}, \"yes\": true, \"no\": false,"
                       " \"zero\": 0, \"one\": 1, \"empty\": [], \"es\": \"\", \"s\": \"s\","
                       " \"nul\": null, \"eo\": {}, \"r0\": 0.0}";
    CHECK_RENDER("{{#items}}[{{n}}]{{/items}}", data, "[a][b]");
    CHECK_RENDER("{{#tags}}({{.}}){{/tags}}", data, "(x)(&lt;y&gt;)");
    CHECK_RENDER("{{#user}}{{name}}{{/user}}", data, "Li");
    CHECK_RENDER("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{#one}}1{{/one}}{{#zero}}0{{/zero}}", data, "Y1");
    CHECK_RENDER("{{#s}}S{{/s}}{{#es}}E{{/es}}{{#empty}}A{{/empty}}{{#nul}}U{{/nul}}"
                 "{{#missing}}M{{/missing}}{{#eo}}O{{/eo}}{{#r0}}R{{/r0}}", data, "SO");
    /* a truthy scalar does not become the context */
    CHECK_RENDER("{{#one}}{{user.name}}{{/one}}", data, "Li");
    CHECK_RENDER("{{^no}}a{{/no}}{{^nul}}b{{/nul}}{{^empty}}c{{/empty}}{{^missing}}d{{/missing}}"
                 "{{^es}}e{{/es}}{{^zero}}f{{/zero}}{{^yes}}X{{/yes}}{{^items}}X{{/items}}"
                 "{{^user}}X{{/user}}", data, "abcdef");
    CHECK_RENDER("{{#items}}{{#items}}.{{/items}}{{/items}}", data, "....");
}

TEST(tmpl_sections_in_tags)
{
    const char *tmpl = "<option value=\"{{v}}\"{{#sel}} selected{{/sel}}>"
                       "<input {{#dis}}disabled {{/dis}}type=\"text\">"
                       "<a class=\"btn{{#active}} active{{/active}}\" "
                       "href=\"{{#u}}{{u}}{{/u}}{{^u}}/home{{/u}}\">";
    CHECK_RENDER(tmpl, "{\"v\": 3, \"sel\": true, \"dis\": true, \"active\": 1, \"u\": \"javascript:1\"}",
                 "<option value=\"3\" selected><input disabled type=\"text\">"
                 "<a class=\"btn active\" href=\"#unsafe\">");
    CHECK_RENDER(tmpl, "{\"v\": \"a\"}",
                 "<option value=\"a\"><input type=\"text\"><a class=\"btn\" href=\"/home\">");
}

TEST(tmpl_iteration_variables)
{
    CHECK_RENDER("{{#items}}{{@index}}:{{.}}{{#@first}}[first]{{/@first}}{{#@last}}[last]{{/@last}}"
                 "{{^@last}},{{/@last}}{{/items}}",
                 "{\"items\": [\"a\", \"b\", \"c\"]}", "0:a[first],1:b,2:c[last]");
    CHECK_RENDER("{{#items}}{{@first}}/{{@last}} {{/items}}", "{\"items\": [1, 2]}",
                 "true/false false/true ");
    /* inside an object section the enclosing loop still counts */
    CHECK_RENDER("{{#items}}{{#o}}{{@index}}{{x}}{{/o}}{{/items}}",
                 "{\"items\": [{\"o\": {\"x\": \"a\"}}, {\"o\": {\"x\": \"b\"}}]}", "0a1b");
    CHECK_RENDER("[{{@index}}{{#@first}}x{{/@first}}]", "{}", "[]");
}

/* --- lookups and values --- */

TEST(tmpl_lookups)
{
    const char *data = "{\"a\": {\"b\": {\"c\": \"deep\"}}, \"site\": \"kj\", \"n\": -7,"
                       " \"r\": 1.5, \"t\": true, \"f\": false, \"z\": null,"
                       " \"items\": [{\"name\": \"x\"}, {\"name\": \"y\", \"site\": \"own\"}],"
                       " \"user\": {\"name\": \"Wang\"}}";
    CHECK_RENDER("{{a.b.c}}|{{site}}|{{n}}|{{r}}|{{t}}|{{f}}|[{{z}}]", data, "deep|kj|-7|1.5|true|false|[]");
    CHECK_RENDER("{{#items}}{{name}}@{{site}} {{/items}}", data, "x@kj y@own ");
    CHECK_RENDER("{{#a}}{{#b}}{{c}}{{site}}{{a.b.c}}{{/b}}{{/a}}", data, "deepkjdeep");
    CHECK_RENDER("{{#user}}{{user.name}}/{{name}}{{/user}}", data, "Wang/Wang");
    CHECK_RENDER("{{items.1.name}}[{{items.9.name}}]", data, "y[]");
    CHECK_RENDER("[{{nope}}][{{a.zz.q}}][{{site.x}}][{{a}}][{{items}}]", data, "[][][][][]");
    CHECK_RENDER("{{#items}}[{{a.b.c}}]{{/items}}", data, "[deep][deep]");
    /* a found first segment does not fall back outwards for the rest */
    CHECK_RENDER("{{#user}}[{{name.first}}]{{/user}}", data, "[]");
    CHECK_RENDER("{{ site }}{{! a comment {with braces} }}{{# t }}!{{/ t }}", data, "kj!");
    CHECK_RENDER("a[{{x}}]{{.}}", NULL, "a[]");
}

/* --- partials --- */

TEST(tmpl_partials)
{
    char err[256];
    kj_tmpl_set *set = load((tfile[]){
        {"page.html", "<ul>{{#items}}{{>parts/item}}{{/items}}</ul>{{>parts/foot}}"},
        {"parts/item.html", "<li>{{name}} of {{site}}</li>"},
        {"parts/foot.html", "<footer>{{site}}</footer>"},
        {"tree.html", "({{name}}{{#kids}}{{>tree}}{{/kids}})"},
        {"loop.html", "x{{>loop}}"},
        {".hidden.html", "{{#broken"},
        {"notes.txt", "{{#broken"},
        {NULL, NULL}}, err, sizeof err);
    REQUIRE(set);
    CHECK(kj_tmpl_has(set, "page"));
    CHECK(kj_tmpl_has(set, "parts/item"));
    CHECK(!kj_tmpl_has(set, "parts/item.html"));
    CHECK(!kj_tmpl_has(set, ".hidden"));
    CHECK(!kj_tmpl_has(set, "notes"));
    json_t *data = json_loads("{\"site\": \"kj\", \"items\": [{\"name\": \"<a>\"}, {\"name\": \"b\"}]}", 0, NULL);
    char *out = kj_tmpl_render_str(set, "page", data, NULL, NULL, NULL);
    CHECK_STR(out, "<ul><li>&lt;a&gt; of kj</li><li>b of kj</li></ul><footer>kj</footer>");
    free(out);
    json_decref(data);

    data = json_loads("{\"name\": \"r\", \"kids\": [{\"name\": \"a\", \"kids\": [{\"name\": \"b\", \"kids\": []}]},"
                      " {\"name\": \"c\", \"kids\": []}]}", 0, NULL);
    out = kj_tmpl_render_str(set, "tree", data, NULL, NULL, NULL);
    CHECK_STR(out, "(r(a(b))(c))");
    free(out);
    json_decref(data);

    CHECK(kj_tmpl_render_str(set, "loop", NULL, NULL, NULL, NULL) == NULL);
    CHECK(kj_tmpl_render_str(set, "nope", NULL, NULL, NULL, NULL) == NULL);
    kj_tmpl_free(set);
}

/* --- messages --- */

static void collect_key(void *ctx, const char *key, const char *tmpl_name)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s:%s;", tmpl_name, key);
}

TEST(tmpl_messages)
{
    const char *data = "{\"user\": {\"name\": \"<Bob>\"}}";
    CHECK_RENDER("<p>{{t greeting}}</p>", data, "<p>你好</p>");
    CHECK_RENDER("<p>{{t hello.name user.name}}</p>", data, "<p>Hello, &lt;Bob&gt;!</p>");
    CHECK_RENDER("{{t markup user.name}}", data, "&lt;b&gt;&lt;Bob&gt;&lt;/b&gt; &amp; &lt;Bob&gt;");
    CHECK_RENDER("<img alt=\"{{t quote}}\" title='{{t hello.name user.name}}'>", data,
                 "<img alt=\"It&#39;s &#34;ok&#34;\" title='Hello, &lt;Bob&gt;!'>");
    CHECK_RENDER("{{t no.such.key}}|{{t hello.name missing}}", data, "no.such.key|Hello, !");

    char err[256];
    kj_tmpl_set *set = load((tfile[]){
        {"a.html", "{{t greeting}}{{#x}}{{t hello.name user.name}}{{/x}}"},
        {"b/c.html", "<p title=\"{{t quote}}\"></p>"},
        {NULL, NULL}}, err, sizeof err);
    REQUIRE(set);
    char *out = kj_tmpl_render_str(set, "a", NULL, NULL, NULL, NULL);
    CHECK_STR(out, "greeting");  /* no translator: the key itself */
    free(out);
    char keys[256] = "";
    CHECK_INT(kj_tmpl_each_message_key(set, collect_key, keys), 3);
    CHECK_STR(keys, "a:greeting;a:hello.name;b/c:quote;");
    kj_tmpl_free(set);
}

/* --- sinks and threads --- */

static int stop_sink(void *ctx, const char *p, size_t n)
{
    (*(int *)ctx)++;
    return 1;
}

TEST(tmpl_sink_and_sizes)
{
    char err[256];
    /* output larger than the render buffer, in many small pieces */
    kj_tmpl_set *set = load((tfile[]){{"big.html", "{{#items}}<i>{{.}}</i>{{/items}}"}, {NULL, NULL}},
                           err, sizeof err);
    REQUIRE(set);
    json_t *items = json_array();
    for (int i = 0; i < 2000; i++) json_array_append_new(items, json_integer(i));
    json_t *data = json_pack("{s:o}", "items", items);
    size_t len = 0;
    char *out = kj_tmpl_render_str(set, "big", data, NULL, NULL, &len);
    REQUIRE(out);
    CHECK_INT(len, strlen(out));
    CHECK(strncmp(out, "<i>0</i><i>1</i>", 16) == 0);
    CHECK(strstr(out, "<i>1999</i>") != NULL && len == strlen(out));
    free(out);
    int calls = 0;
    CHECK_INT(kj_tmpl_render(set, "big", data, NULL, NULL, stop_sink, &calls), -1);
    CHECK_INT(calls, 1);
    CHECK_INT(kj_tmpl_render(set, "nope", data, NULL, NULL, stop_sink, &calls), -1);
    json_decref(data);
    kj_tmpl_free(set);
}

typedef struct {
    const kj_tmpl_set *set;
    json_t *data;
    const char *want;
    int bad;
} thread_job;

static void *render_many(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < 500; i++) {
        char *out = kj_tmpl_render_str(job->set, "home", job->data, translate, NULL, NULL);
        if (!out || strcmp(out, job->want) != 0) job->bad++;
        free(out);
    }
    return NULL;
}

TEST(tmpl_concurrent_renders)
{
    char err[256];
    kj_tmpl_set *set = load((tfile[]){
        {"home.html", "<h1>{{t greeting}}</h1>{{#items}}{{>card}}{{/items}}"},
        {"card.html", "<a href=\"/l/{{id}}\">{{title}}</a>"},
        {NULL, NULL}}, err, sizeof err);
    REQUIRE(set);
    json_t *data = json_loads("{\"items\": [{\"id\": 1, \"title\": \"A&B\"}, {\"id\": \"x y\", \"title\": \"C\"}]}", 0, NULL);
    const char *want = "<h1>你好</h1><a href=\"/l/1\">A&amp;B</a><a href=\"/l/x%20y\">C</a>";
    thread_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){set, data, want, 0};
        pthread_create(&th[i], NULL, render_many, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].bad, 0);
    }
    json_decref(data);
    kj_tmpl_free(set);
}
