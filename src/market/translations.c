/*
 * translations.c — a listing's title and summary in other languages than
 * the one it was written in (issue 17 §1, table listing_translations of
 * migration 035; see market.h "translations").
 *
 * The translations are part of a listing's content: they travel in the
 * content object that build_content makes, so a revision carries them and
 * an edit of a published listing (translations included) waits for review
 * like any other change of its text (listing.c, apply_content).
 */
#include "market/market.h"
#include "market/translations.h"
#include "account/account.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/validate.h"
#include <stdio.h>
#include <string.h>

/* Set once at start-up (kj_listing_language_source), read-only after. */
static kj_listing_langs_fn langs_fn;

void kj_listing_language_source(kj_listing_langs_fn fn) { langs_fn = fn; }

/* The offered languages (comma-separated) and the original's. Without a
 * source (unit tests, tools): zh-CN, with English offered beside it. */
static void languages(char *offered, size_t on, char *original, size_t gn)
{
    snprintf(offered, on, "zh-CN,en");
    snprintf(original, gn, "zh-CN");
    if (langs_fn) langs_fn(offered, on, original, gn);
    if (!*original) snprintf(original, gn, "zh-CN");
}

const char *kj_listing_original_lang(char *out, size_t n)
{
    char offered[256];
    languages(offered, sizeof offered, out, n);
    return out;
}

json_t *kj_listing_offered_langs(void)
{
    char offered[256], original[32];
    languages(offered, sizeof offered, original, sizeof original);
    json_t *out = json_array();
    char *save = NULL;
    for (char *t = strtok_r(offered, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ') t++;
        size_t n = strlen(t);
        while (n && t[n - 1] == ' ') t[--n] = 0;
        if (*t) json_array_append_new(out, json_string(t));
    }
    /* The default language is always one a listing may be written in. */
    bool has = false;
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v) if (!strcmp(json_string_value(v), original)) has = true;
    if (!has) json_array_insert_new(out, 0, json_string(original));
    return out;
}

bool kj_listing_lang_offered(const char *tag)
{
    if (!tag || !*tag) return false;
    json_t *all = kj_listing_offered_langs();
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) if (!strcmp(json_string_value(v), tag)) found = true;
    json_decref(all);
    return found;
}

const char *kj_listing_lang_of(json_t *l, char *out, size_t n)
{
    const char *tag = kj_jstr(l, "lang");
    if (tag && *tag) snprintf(out, n, "%s", tag);
    else kj_listing_original_lang(out, n);
    return out;
}

json_t *kj_listing_translation_langs(const char *original)
{
    char dflt[32];
    if (!original || !*original) original = kj_listing_original_lang(dflt, sizeof dflt);
    json_t *all = kj_listing_offered_langs(), *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) if (strcmp(json_string_value(v), original)) json_array_append(out, v);
    json_decref(all);
    return out;
}

int kj_listing_lang_stamp(kj_db *db, const char *lang)
{
    return kj_db_exec(db, "UPDATE listings SET lang = ? WHERE lang = '' AND origin = ?", "ss", lang, kj_instance_id(db));
}

static bool offered_lang(json_t *langs, const char *tag)
{
    size_t i;
    json_t *v;
    json_array_foreach(langs, i, v) if (!strcmp(json_string_value(v), tag)) return true;
    return false;
}

static void err(json_t *errors, const char *field, const char *key)
{
    if (!json_object_get(errors, field)) json_object_set_new(errors, field, json_string(key));
}

/* Control characters (newlines allowed in a summary), bad UTF-8. */
static const char *text_problem(const char *s, bool multiline)
{
    size_t len = strlen(s);
    if (!kj_valid_utf8(s, len)) return "err.field.utf8";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\r' || ch == '\t'))) || ch == 0x7f) return "err.field.control";
    }
    return NULL;
}

/* The string v trimmed of surrounding white space, as a new string; ""
 * for a non-string. */
static json_t *trimmed(json_t *v)
{
    if (!json_is_string(v)) return json_string("");
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t')) n--;
    while (n && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')) { s++; n--; }
    return json_stringn(s, n);
}

/* One language's entry: checked like the main fields (title 4–100
 * characters, summary at most 300, optional: the original's shows where a
 * translation has none). Adds it to out unless both are empty. */
static void one(const char *tag, json_t *title_in, json_t *summary_in, json_t *langs, const char *original, json_t *out, json_t *errors)
{
    char field[64];
    if (!*tag || strlen(tag) > 15 || !offered_lang(langs, tag)) {
        err(errors, "translations", !strcmp(tag, original) ? "err.listing.translation_original" : "err.listing.translation_lang");
        return;
    }
    if (json_object_get(out, tag)) { err(errors, "translations", "err.listing.translation_dup"); return; }
    if ((title_in && !json_is_string(title_in) && !json_is_null(title_in)) ||
        (summary_in && !json_is_string(summary_in) && !json_is_null(summary_in))) {
        err(errors, "translations", "err.listing.translation_shape");
        return;
    }
    json_t *title = trimmed(title_in), *summary = trimmed(summary_in);
    const char *t = json_string_value(title), *s = json_string_value(summary);
    if (!*t && !*s) { json_decref(title); json_decref(summary); return; }   /* left empty: none */
    const char *bad;
    snprintf(field, sizeof field, "translations.%s.title", tag);
    size_t tn = kj_utf8_chars(t, strlen(t));
    if (!*t) err(errors, field, "err.field.required");
    else if ((bad = text_problem(t, false))) err(errors, field, bad);
    else if (tn < 4) err(errors, field, "err.field.too_short");
    else if (tn > 100) err(errors, field, "err.field.too_long");
    snprintf(field, sizeof field, "translations.%s.summary", tag);
    if (*s && (bad = text_problem(s, true))) err(errors, field, bad);
    else if (kj_utf8_chars(s, strlen(s)) > 300) err(errors, field, "err.field.too_long");
    json_object_set_new(out, tag, json_pack("{s:o, s:o}", "title", title, "summary", summary));
}

int kj_listing_translations_build(json_t *in, json_t *content, json_t *errors)
{
    json_t *v = json_object_get(in, "translations");
    json_t *out = json_object();
    /* Not in the language the listing is written in (content "lang", set
     * before this is called; the instance's default when none). */
    char original[32];
    kj_listing_lang_of(content, original, sizeof original);
    json_t *langs = kj_listing_translation_langs(original);
    size_t before = json_object_size(errors);
    if (json_is_object(v)) {
        if (json_object_size(v) > KJ_LISTING_MAX_TRANSLATIONS) err(errors, "translations", "err.listing.too_many");
        const char *tag;
        json_t *e;
        json_object_foreach(v, tag, e) {
            if (json_is_null(e)) continue;   /* {"en": null}: none in that language */
            if (!json_is_object(e)) { err(errors, "translations", "err.listing.translation_shape"); continue; }
            one(tag, json_object_get(e, "title"), json_object_get(e, "summary"), langs, original, out, errors);
        }
    } else if (json_is_array(v)) {
        /* [{lang, title, summary}]: the shape a form posts (and where a
         * language given twice can be told). */
        if (json_array_size(v) > KJ_LISTING_MAX_TRANSLATIONS) err(errors, "translations", "err.listing.too_many");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_object(e) || !json_is_string(json_object_get(e, "lang"))) {
                err(errors, "translations", "err.listing.translation_shape");
                continue;
            }
            one(kj_jstr(e, "lang"), json_object_get(e, "title"), json_object_get(e, "summary"), langs, original, out, errors);
        }
    } else if (v && !json_is_null(v)) {
        err(errors, "translations", "err.listing.translation_shape");
    }
    json_decref(langs);
    json_object_set_new(content, "translations", out);
    return (int)(json_object_size(errors) - before);
}

json_t *kj_listing_translations_sanitize(json_t *in)
{
    json_t *out = json_object();
    const char *tag;
    json_t *e;
    if (!json_is_object(in)) return out;
    json_object_foreach(in, tag, e) {
        if (json_object_size(out) >= KJ_LISTING_MAX_TRANSLATIONS) break;
        size_t tl = strlen(tag);
        if (!tl || tl > 15 || strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != tl) continue;
        const char *t = json_is_string(json_object_get(e, "title")) ? kj_jstr(e, "title") : NULL;
        const char *s = json_is_string(json_object_get(e, "summary")) ? kj_jstr(e, "summary") : "";
        if (!t || !*t || text_problem(t, false) || kj_utf8_chars(t, strlen(t)) > 100) continue;
        if (text_problem(s, true) || kj_utf8_chars(s, strlen(s)) > 300) continue;
        json_object_set_new(out, tag, json_pack("{s:s, s:s}", "title", t, "summary", s));
    }
    return out;
}

int kj_listing_translations_replace(kj_db *db, const char *id, json_t *translations)
{
    json_t *clean = kj_listing_translations_sanitize(translations);
    int rc = kj_listing_translations_write(db, id, clean);
    json_decref(clean);
    return rc;
}

int kj_listing_translations_write(kj_db *db, const char *id, json_t *translations)
{
    if (kj_db_exec(db, "DELETE FROM listing_translations WHERE listing_id = ?", "s", id) < 0) return -1;
    const char *tag;
    json_t *e;
    int64_t now = kj_now_ms();
    json_object_foreach(translations, tag, e)
        if (kj_db_exec(db, "INSERT INTO listing_translations(listing_id, lang, title, summary, updated_at) VALUES (?,?,?,?,?)",
                       "ssssi", id, tag, kj_jstr_or_empty(e, "title"), kj_jstr_or_empty(e, "summary"), now) < 0) return -1;
    return 0;
}

/* Rows [{listing_id, lang, title, summary}] → {id: {lang: {title, summary}}}. */
static json_t *by_listing(json_t *rows)
{
    json_t *out = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *id = kj_jstr(r, "listing_id");
        json_t *mine = json_object_get(out, id);
        if (!mine) { mine = json_object(); json_object_set_new(out, id, mine); }
        json_object_set_new(mine, kj_jstr(r, "lang"), json_pack("{s:s, s:s}", "title", kj_jstr_or_empty(r, "title"),
                                                                "summary", kj_jstr_or_empty(r, "summary")));
    }
    return out;
}

json_t *kj_listing_translations(kj_db *db, const char *id)
{
    json_t *rows = kj_db_rows(db, "SELECT listing_id, lang, title, summary FROM listing_translations WHERE listing_id = ? "
                                  "ORDER BY lang", "s", id);
    if (!rows) return NULL;
    json_t *all = by_listing(rows);
    json_decref(rows);
    json_t *mine = json_object_get(all, id);
    json_t *out = mine ? json_incref(mine) : json_object();
    json_decref(all);
    return out;
}

int kj_listing_translations_attach(kj_db *db, json_t *items, const char *lang)
{
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_puts(&sql, "SELECT listing_id, lang, title, summary FROM listing_translations WHERE listing_id IN (");
    size_t i, n = 0;
    json_t *l;
    json_array_foreach(items, i, l) {
        const char *id = kj_jstr(l, "id");
        if (!id || json_object_get(l, "translations")) continue;
        kj_buf_puts(&sql, n++ ? ",?" : "?");
        json_array_append_new(params, json_string(id));
    }
    kj_buf_puts(&sql, ")");
    if (lang) { kj_buf_puts(&sql, " AND lang = ?"); json_array_append_new(params, json_string(lang)); }
    kj_buf_puts(&sql, " ORDER BY listing_id, lang");
    json_t *rows = n ? kj_db_rows_j(db, sql.data, params) : json_array();
    kj_buf_free(&sql);
    json_decref(params);
    if (!rows) return -1;
    json_t *all = by_listing(rows);
    json_decref(rows);
    json_array_foreach(items, i, l) {
        if (!kj_jstr(l, "id") || json_object_get(l, "translations")) continue;
        json_t *mine = json_object_get(all, kj_jstr(l, "id"));
        json_object_set_new(l, "translations", mine ? json_incref(mine) : json_object());
    }
    json_decref(all);
    return 0;
}
