/*
 * test_json_text.c — unit tests of src/core/json_text.c: the fast writer
 * must give jansson's own compact text, and text jansson reads back equal.
 */
#include "core/buf.h"
#include "t.h"
#include "core/json_text.h"
#include <stdlib.h>

static char *jansson_text(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY); }

static char *our_text(const json_t *v)
{
    kj_buf b = { 0 };
    if (kj_json_text(&b, v)) { kj_buf_free(&b); return NULL; }
    return kj_buf_steal(&b, NULL);
}

TEST(json_text_matches_jansson_compact_output)
{
    static const char *const docs[] = {
        "{}", "[]", "\"\"", "0", "-9007199254740993", "true", "false", "null",
        "{\"title\":\"高导热氮化铝陶瓷基板\",\"trl\":6,\"anonymous\":false,\"studio_id\":null}",
        "{\"keywords\":[\"新材料\",\"节能\"],\"indicators\":[{\"name\":\"纯度\",\"value\":\"≥98\",\"unit\":\"%\"}]}",
        "[\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"]",
        "[\"control \\u0001 \\u001F del \\u007F nul-free\",\"\\u2028 line sep, emoji \\uD83D\\uDE00\"]",
        "{\"a\":{\"b\":{\"c\":[[[]],{}]}}}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
        REQUIRE(v);
        char *want = jansson_text(v), *got = our_text(v);
        CHECK_STR(got, want);
        json_t *back = got ? json_loads(got, JSON_DECODE_ANY, NULL) : NULL;
        CHECK(back && json_equal(back, v));
        json_decref(back);
        free(want);
        free(got);
        json_decref(v);
    }
}

TEST(json_text_writes_reals_and_long_text)
{
    json_t *v = json_pack("{s:f,s:f}", "price", 12.5, "tiny", 1e-300);
    char *want = jansson_text(v), *got = our_text(v);
    CHECK_STR(got, want);
    free(want);
    free(got);
    json_decref(v);

    kj_buf big = { 0 };   /* a description of 64 KB with an escape at either end */
    kj_buf_puts(&big, "\"");
    for (int i = 0; i < 4096; i++) kj_buf_puts(&big, "科技云科普");
    kj_buf_puts(&big, "\n");
    json_t *s = json_stringn(big.data, big.len);
    REQUIRE(s);
    want = jansson_text(s);
    got = our_text(s);
    CHECK_STR(got, want);
    free(want);
    free(got);
    json_decref(s);
    kj_buf_free(&big);
}

TEST(json_text_refuses_null_and_too_deep)
{
    kj_buf b = { 0 };
    CHECK(kj_json_text(&b, NULL) == -1);
    json_t *deep = json_array();
    for (int i = 0; i < 3000; i++) {
        json_t *outer = json_array();
        json_array_append_new(outer, deep);
        deep = outer;
    }
    CHECK(kj_json_text(&b, deep) == -1);
    json_decref(deep);
    kj_buf_free(&b);
}

/* The Atom feeds' text (events, 科普): markup escaped, and the control
 * characters XML 1.0 forbids dropped rather than written into the feed. */
TEST(buf_xml_escapes_and_drops_forbidden_controls)
{
    kj_buf b = { 0 };
    CHECK(kj_buf_xml(&b, "a<b>&\"c\"\x01\x1f\tz\n科普") == 0);
    CHECK_STR(b.data, "a&lt;b&gt;&amp;&quot;c&quot;\tz\n科普");
    kj_buf_free(&b);
}
