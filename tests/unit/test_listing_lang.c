/* Listing translations (issue 17 §1): what kj_listing_translations_build
 * accepts, normalizes and refuses. */
#include "t.h"
#include "market/market.h"
#include "market/translations.h"
#include "core/json_util.h"
#include "account/account.h"
#include "scratch.h"
#include <stdio.h>

static void three_langs(char *offered, size_t on, char *original, size_t gn)
{
    snprintf(offered, on, "zh-CN,en,bo");
    snprintf(original, gn, "zh-CN");
}

/* Builds from the JSON text; returns the errors (new ref), *content set. */
static json_t *build(const char *text, json_t **content)
{
    json_t *in = json_loads(text, 0, NULL), *errors = json_object();
    *content = json_object();
    kj_listing_translations_build(in, *content, errors);
    json_decref(in);
    return errors;
}

static const char *error_of(const char *text, const char *field)
{
    static char out[64];
    json_t *c, *e = build(text, &c);
    snprintf(out, sizeof out, "%s", kj_jstr(e, field) ? kj_jstr(e, field) : "");
    json_decref(e);
    json_decref(c);
    return out;
}

TEST(listing_translations_normalize_and_refuse)
{
    kj_listing_language_source(three_langs);
    json_t *langs = kj_listing_translation_langs(NULL);
    CHECK(json_array_size(langs) == 2);
    CHECK_STR(json_string_value(json_array_get(langs, 0)), "en");
    CHECK_STR(json_string_value(json_array_get(langs, 1)), "bo");
    json_decref(langs);

    json_t *c, *e = build("{\"translations\": {\"en\": {\"title\": \"  Drone vision  \", \"summary\": \"\"},"
                          " \"bo\": {\"title\": \"\", \"summary\": \"\"}}}", &c);
    CHECK(json_object_size(e) == 0);
    json_t *tr = json_object_get(c, "translations");
    CHECK(json_object_size(tr) == 1);   /* the empty Tibetan group is none */
    CHECK_STR(kj_jstr(json_object_get(tr, "en"), "title"), "Drone vision");
    json_decref(e);
    json_decref(c);

    /* Absent or null: none. */
    e = build("{}", &c);
    CHECK(json_object_size(e) == 0 && json_object_size(json_object_get(c, "translations")) == 0);
    json_decref(e);
    json_decref(c);

    CHECK_STR(error_of("{\"translations\": {\"fr\": {\"title\": \"Un titre\"}}}", "translations"), "err.listing.translation_lang");
    CHECK_STR(error_of("{\"translations\": {\"zh-CN\": {\"title\": \"中文标题\"}}}", "translations"),
              "err.listing.translation_original");
    CHECK_STR(error_of("{\"translations\": [{\"lang\": \"en\", \"title\": \"First one\"}, {\"lang\": \"en\", \"title\": \"Second one\"}]}",
                       "translations"), "err.listing.translation_dup");
    CHECK_STR(error_of("{\"translations\": \"en\"}", "translations"), "err.listing.translation_shape");
    CHECK_STR(error_of("{\"translations\": [{\"title\": \"No language\"}]}", "translations"), "err.listing.translation_shape");
    CHECK_STR(error_of("{\"translations\": {\"en\": {\"title\": \"abc\"}}}", "translations.en.title"), "err.field.too_short");
    CHECK_STR(error_of("{\"translations\": {\"en\": {\"summary\": \"only\"}}}", "translations.en.title"), "err.field.required");
    CHECK_STR(error_of("{\"translations\": {\"en\": {\"title\": \"Tab\\tinside\"}}}", "translations.en.title"), "err.field.control");
    /* Title limit counts characters, not bytes: 100 Tibetan letters pass. */
    char text[2048] = "{\"translations\": {\"bo\": {\"title\": \"";
    for (int i = 0; i < 100; i++) strcat(text, "\xe0\xbd\x80");
    strcat(text, "\"}}}");
    CHECK_STR(error_of(text, "translations.bo.title"), "");
    kj_listing_language_source(NULL);
}

TEST(listing_translations_from_a_peer_are_sanitized)
{
    json_t *in = json_loads("{\"en\": {\"title\": \"Kept title\", \"summary\": \"Kept.\"}, \"bad tag\": {\"title\": \"x\"},"
                            " \"fr\": {\"title\": \"\"}, \"de\": {\"title\": 7}, \"bo\": {\"title\": \"Ctl\\u0001\"},"
                            " \"ru\": {\"title\": \"Заголовок\", \"summary\": null}}", 0, NULL);
    REQUIRE(in);
    json_t *out = kj_listing_translations_sanitize(in);
    CHECK(json_object_size(out) == 2);
    CHECK_STR(kj_jstr(json_object_get(out, "en"), "summary"), "Kept.");
    CHECK_STR(kj_jstr(json_object_get(out, "ru"), "summary"), "");
    json_decref(out);
    json_decref(in);
    out = kj_listing_translations_sanitize(NULL);
    CHECK(json_is_object(out) && json_object_size(out) == 0);
    json_decref(out);
}

/* The original's language (migration 051): a translation may be in any
 * offered language but the listing's own, which the content names. */
TEST(listing_translations_follow_the_originals_language)
{
    kj_listing_language_source(three_langs);
    json_t *langs = kj_listing_translation_langs("en");
    CHECK(json_array_size(langs) == 2);
    CHECK_STR(json_string_value(json_array_get(langs, 0)), "zh-CN");
    CHECK_STR(json_string_value(json_array_get(langs, 1)), "bo");
    json_decref(langs);
    CHECK(kj_listing_lang_offered("bo") && kj_listing_lang_offered("zh-CN") && !kj_listing_lang_offered("fr"));
    CHECK(!kj_listing_lang_offered("") && !kj_listing_lang_offered(NULL) && !kj_listing_lang_offered("EN"));
    json_t *in = json_loads("{\"translations\": {\"zh-CN\": {\"title\": \"中文译名标题\"}}}", 0, NULL);
    json_t *c = json_pack("{s:s}", "lang", "en"), *e = json_object();
    kj_listing_translations_build(in, c, e);
    CHECK(json_object_size(e) == 0);
    CHECK_STR(kj_jstr(json_object_get(json_object_get(c, "translations"), "zh-CN"), "title"), "中文译名标题");
    json_decref(in);
    json_decref(e);
    json_decref(c);
    in = json_loads("{\"translations\": {\"en\": {\"title\": \"English again\"}}}", 0, NULL);
    c = json_pack("{s:s}", "lang", "en");
    e = json_object();
    kj_listing_translations_build(in, c, e);
    CHECK_STR(kj_jstr(e, "translations"), "err.listing.translation_original");
    json_decref(in);
    json_decref(e);
    json_decref(c);
    char tag[32];
    json_t *l = json_pack("{s:s}", "lang", "");
    CHECK_STR(kj_listing_lang_of(l, tag, sizeof tag), "zh-CN");   /* unknown: the instance's default */
    json_object_set_new(l, "lang", json_string("bo"));
    CHECK_STR(kj_listing_lang_of(l, tag, sizeof tag), "bo");
    json_decref(l);
    kj_listing_language_source(NULL);
}

/* Rows older than the column are stamped with the default language once;
 * a peer's copies and rows that name theirs are left alone. */
TEST(listing_lang_stamp_marks_older_local_rows)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "lang-stamp") == 0);
    REQUIRE(kj_scratch_importer(&s) == 0);
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:i, s:[s]}", "title", "盐湖提锂吸附剂成果", "summary", "低成本提锂。", "domain", "D0101",
                           "region", "510107", "trl", 5, "coop_modes", "transfer");
    char a[32], b[32];
    json_t *errors = json_object();
    REQUIRE(kj_listing_create(s.db, s.admin, "achievement", in, false, a, errors) == 0);
    json_object_set_new(in, "lang", json_string("en"));
    REQUIRE(kj_listing_create(s.db, s.admin, "achievement", in, false, b, errors) == 0);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM listings WHERE id = ? AND lang = 'zh-CN'", "s", a), 1);
    /* as before migration 051: no language; and a peer's copy without one */
    REQUIRE(kj_db_exec(s.db, "UPDATE listings SET lang = '' WHERE id = ?", "s", a) >= 0);
    REQUIRE(kj_db_exec(s.db, "UPDATE listings SET lang = '', origin = 'PEER' WHERE id = ?", "s", b) >= 0);
    CHECK_INT(kj_listing_lang_stamp(s.db, "bo"), 1);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM listings WHERE id = ? AND lang = 'bo'", "s", a), 1);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM listings WHERE id = ? AND lang = ''", "s", b), 1);
    CHECK_INT(kj_listing_lang_stamp(s.db, "bo"), 0);   /* once */
    json_decref(in);
    json_decref(errors);
    kj_scratch_close(&s);
}
