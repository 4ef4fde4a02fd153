/*
 * listing.c — listings: validation, creation, edits with revisions, the
 * life-cycle table, review, confidentiality (see market.h).
 */
#include "market/market.h"
#include "market/translations.h"
#include "ref/regions.h"
#include "core/json_util.h"
#include "authz/authz.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "notify/notify.h"
#include "text/indicators.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const kj_listing_kinds[] = { "achievement", "service", "demand", NULL };
const char *const kj_listing_statuses[] = { "draft", "submitted", "published", "rejected", "expired", "withdrawn", "closed", NULL };
const char *const kj_decline_reasons[] = { "too_early", "benefit_unclear", "route_unclear", "description_unclear", "not_our_field", "other", NULL };
const char *const kj_price_kinds[] = { "fixed", "range", "negotiable", NULL };
const char *const kj_delivery_modes[] = { "onsite", "remote", "hybrid", NULL };

#define MAX_WAN_FEN (10000000LL * 1000000LL) /* 一千万万元: beyond any real deal */

static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

/* An integer given as a JSON number or a decimal string; dflt when absent. */
static int jint(json_t *o, const char *k, int dflt, bool *bad)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return dflt;
    if (json_is_integer(v)) return (int)json_integer_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s) return dflt;
        char *end;
        long n = strtol(s, &end, 10);
        if (!*end && n > -1000000 && n < 1000000) return (int)n;
    }
    *bad = true;
    return dflt;
}

static void today_plus(int days, char *out, size_t n) { kj_format_date(kj_now_ms() + days * KJ_DAY_MS, out, n); }

static const char *role_of(json_t *user) { return user ? kj_jstr(user, "role") : ""; }

/* ---- who may do what ---- */

bool kj_listing_is_owner(kj_db *db, json_t *listing, json_t *user)
{
    const char *uid = kj_user_id(user);
    if (!uid || !listing) return false;
    if (!strcmp(uid, kj_jstr(listing, "owner_id") ? kj_jstr(listing, "owner_id") : "")) return true;
    const char *studio = kj_jstr(listing, "studio_id");
    return studio && kj_db_int(db, 0, "SELECT count(*) FROM studio_members WHERE studio_id = ? AND user_id = ? "
                                      "AND status = 'active'", "ss", studio, uid) > 0;
}

static bool is_reviewer(json_t *listing, json_t *user)
{
    const char *uid = kj_user_id(user);
    if (!uid || !strcmp(uid, kj_jstr(listing, "owner_id"))) return false;  /* nobody reviews their own */
    return kj_authz_can_review_region(user, kj_jstr(listing, "region"));
}

bool kj_listing_can_see_private(kj_db *db, json_t *listing, json_t *user)
{
    if (!user || !listing) return false;
    if (kj_listing_is_owner(db, listing, user) || is_reviewer(listing, user)) return true;
    return kj_db_int(db, 0, "SELECT count(*) FROM eois WHERE listing_id = ? AND sender_id = ? AND status = 'accepted'",
                     "ss", kj_jstr(listing, "id"), kj_user_id(user)) > 0;
}

/* ---- validation and normalisation ---- */

static void err(json_t *errors, const char *field, const char *key)
{
    if (!json_object_get(errors, field)) json_object_set_new(errors, field, json_string(key));
}

/* Codes found in a reference table during a bulk load on this thread
 * (kj_listing_bulk), keyed by query and code: an import asks for the same
 * few dozen codes on every row, and reference tables only change when
 * kejiyun starts (refdata.c). NULL when no bulk load runs here. */
static _Thread_local json_t *known_codes;

void kj_listing_bulk(bool on)
{
    json_decref(known_codes);
    known_codes = on ? json_object() : NULL;
}

static bool exists_code(kj_db *db, const char *table_sql, const char *code)
{
    if (!code) return false;
    char key[128];
    bool memo = known_codes && snprintf(key, sizeof key, "%p %s", (const void *)table_sql, code) < (int)sizeof key;
    if (memo && json_object_get(known_codes, key)) return true;
    bool found = kj_db_int(db, 0, table_sql, "s", code) > 0;
    if (found && memo) json_object_set_new(known_codes, key, json_true());
    return found;
}

/* The string at in[k], shared rather than copied, or "" (a NUL inside
 * ends it, as a copy by json_string did). */
static json_t *text_or_empty(json_t *in, const char *k)
{
    json_t *v = json_object_get(in, k);
    if (!json_is_string(v)) return json_string("");
    if (strlen(json_string_value(v)) != json_string_length(v)) return json_string(json_string_value(v));
    return json_incref(v);
}

/* Splits s on newlines, commas (ASCII and full-width), semicolons and the
 * enumeration comma 、, trimming each item; appends non-empty items. */
static void split_items(const char *s, json_t *out)
{
    static const char *const seps[] = { "\n", ",", ";", "\xef\xbc\x8c", "\xe3\x80\x81", "\xef\xbc\x9b" };
    while (*s) {
        size_t n = strlen(s), skip = 0;
        for (size_t k = 0; k < sizeof seps / sizeof *seps; k++) {
            const char *hit = strstr(s, seps[k]);
            if (hit && (size_t)(hit - s) < n) { n = (size_t)(hit - s); skip = strlen(seps[k]); }
        }
        size_t a = 0, b = n;
        while (a < b && isspace((unsigned char)s[a])) a++;
        while (b > a && isspace((unsigned char)s[b - 1])) b--;
        if (b > a) json_array_append_new(out, json_stringn(s + a, b - a));
        s += n + skip;
    }
}

/* A list given as a JSON array of strings or as one string of items
 * (each possibly holding several separated items). Duplicates dropped,
 * order kept. New ref. */
json_t *kj_listing_list_items(json_t *v)
{
    json_t *out = json_array();
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) if (json_is_string(item)) split_items(json_string_value(item), out);
    } else if (json_is_string(v)) {
        split_items(json_string_value(v), out);
    }
    json_t *uniq = json_array();
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(out, i, a) {
        bool dup = false;
        json_array_foreach(uniq, j, b) if (json_equal(a, b)) dup = true;
        if (!dup) json_array_append(uniq, a);
    }
    json_decref(out);
    return uniq;
}

/* Indicators: JSON [{name, target, unit}] or text lines "name | target | unit". */
static json_t *indicator_list(json_t *v)
{
    json_t *out = json_array();
    if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it) {
            if (!json_is_object(it)) { json_array_append_new(out, json_pack("{s:s}", "invalid", "1")); continue; }
            json_array_append_new(out, json_pack("{s:s, s:s, s:s}",
                "name", kj_jstr(it, "name") ? kj_jstr(it, "name") : "",
                "target", kj_jstr(it, "target") ? kj_jstr(it, "target") : "",
                "unit", kj_jstr(it, "unit") ? kj_jstr(it, "unit") : ""));
        }
        return out;
    }
    if (!json_is_string(v)) return out;
    json_decref(out);
    return kj_indicators_parse(json_string_value(v), 3);
}

static void check_text(json_t *in, json_t *errors, const char *field, bool required, size_t min, size_t max)
{
    const char *s = kj_jstr(in, field);
    if (!s || !*s) { if (required) err(errors, field, "err.field.required"); return; }
    size_t n = chars(s);
    if (n < min) err(errors, field, "err.field.too_short");
    else if (n > max) err(errors, field, "err.field.too_long");
}

static bool parse_price(json_t *in, const char *field, int64_t *fen, json_t *errors)
{
    json_t *v = json_object_get(in, field);
    *fen = -1;
    if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) return false;
    char buf[64];
    if (json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, sizeof buf, "%.6f", json_real_value(v));
    else if (json_is_string(v)) snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else { err(errors, field, "err.listing.price"); return false; }
    if (!kj_parse_money_wan(buf, fen) || *fen > MAX_WAN_FEN) { err(errors, field, "err.listing.price"); *fen = -1; return false; }
    return true;
}

static bool is_patent_type(const char *t)
{
    return t && (!strcmp(t, "invention_patent") || !strcmp(t, "utility_model") || !strcmp(t, "design"));
}

/* Validates in for kind and builds the normalized content (column values)
 * into *content (new ref, even when there are errors). */
static int build_content(kj_db *db, const char *kind, json_t *in, json_t *user, json_t *errors, json_t **content)
{
    json_t *c = json_object();
    *content = c;
    bool offer = strcmp(kind, "demand") != 0;
    bool bad = false;

    if (!kj_in_list(kj_listing_kinds, kind)) { err(errors, "kind", "err.field.choice"); return 1; }
    if (!kj_authz_may_post_listing(user, kind)) err(errors, "kind", offer ? "err.listing.offer_role" : "err.listing.demand_role");

    check_text(in, errors, "title", true, 4, 100);
    check_text(in, errors, "summary", true, 1, 300);
    check_text(in, errors, "description", false, 0, 20000);
    check_text(in, errors, "contact_name", false, 0, 30);
    check_text(in, errors, "contact_phone", false, 0, 30);
    check_text(in, errors, "duration", false, 0, 30);
    const char *email = kj_jstr(in, "contact_email");
    if (email && *email && !kj_valid_email(email)) err(errors, "contact_email", "err.field.email");
    static const char *const texts[] = { "title", "summary", "description", "contact_name", "contact_phone", "contact_email" };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) json_object_set_new(c, texts[t], text_or_empty(in, texts[t]));
    /* The language title and summary are written in: one of the offered
     * languages (the instance's default when none is named). Content like
     * the rest: a change waits for review on a published listing. */
    json_t *lang_in = json_object_get(in, "lang");
    char lang[32];
    if (!lang_in || json_is_null(lang_in) || (json_is_string(lang_in) && !*json_string_value(lang_in)))
        kj_listing_original_lang(lang, sizeof lang);
    else if (!json_is_string(lang_in) || !kj_listing_lang_offered(json_string_value(lang_in))) {
        err(errors, "lang", "err.listing.lang");
        kj_listing_original_lang(lang, sizeof lang);
    } else snprintf(lang, sizeof lang, "%s", json_string_value(lang_in));
    json_object_set_new(c, "lang", json_string(lang));
    /* Title and summary in other languages: content like the rest, so an
     * edit of a published listing's translation waits for review too. */
    kj_listing_translations_build(in, c, errors);

    const char *domain = kj_jstr(in, "domain");
    if (!domain || !*domain) err(errors, "domain", "err.field.required");
    else if (!exists_code(db, "SELECT count(*) FROM domains WHERE code = ?", domain)) err(errors, "domain", "err.listing.domain");
    json_object_set_new(c, "domain", domain && *domain ? json_string(domain) : json_null());
    json_object_set_new(c, "domain1", domain && strlen(domain) >= 3 ? json_stringn(domain, 3) : json_null());

    json_t *kw = kj_listing_list_items(json_object_get(in, "keywords"));
    if (json_array_size(kw) > 8) err(errors, "keywords", "err.listing.keywords_many");
    size_t i;
    json_t *k;
    json_array_foreach(kw, i, k) if (chars(json_string_value(k)) > 20) err(errors, "keywords", "err.listing.keyword_long");
    json_object_set_new(c, "keywords", kw);

    const char *region = kj_jstr(in, "region");
    if (!region || !*region) err(errors, "region", "err.field.required");
    /* In a bulk load the installed tree (ref/regions.h: every row of table
     * regions) answers first: at 100k rows most codes are new to the memo,
     * and on PostgreSQL each lookup is a round trip that also drains the
     * batched INSERTs. The database stays the judge of what the tree lacks. */
    else if (!(known_codes && kj_region_depth(region) >= 0) &&
             !exists_code(db, "SELECT count(*) FROM regions WHERE code = ?", region)) err(errors, "region", "err.region.unknown");
    json_object_set_new(c, "region", region && *region ? json_string(region) : json_null());
    /* The province and city above it, by the tree (a township's too; an
     * instance's own codes by their parents): the browse filters' columns. */
    const char *prov = region ? kj_region_ancestor_code(region, 0) : NULL;
    const char *city = region && kj_region_depth(region) >= 1 ? kj_region_ancestor_code(region, 1) : NULL;
    json_object_set_new(c, "region_province", prov ? json_string(prov) : json_null());
    json_object_set_new(c, "region_city", city ? json_string(city) : json_null());

    char today[16], dflt[16], latest[16];
    today_plus(0, today, sizeof today);
    today_plus(365, dflt, sizeof dflt);
    today_plus(3 * 365, latest, sizeof latest);
    const char *vu = kj_jstr(in, "valid_until");
    if (vu && *vu) {
        if (!kj_valid_date(vu)) err(errors, "valid_until", "err.field.date");
        else if (strcmp(vu, today) <= 0) err(errors, "valid_until", "err.listing.date_past");
        else if (strcmp(vu, latest) > 0) err(errors, "valid_until", "err.listing.date_far");
    }
    json_object_set_new(c, "valid_until", json_string(vu && *vu ? vu : dflt));

    json_t *anon = json_object_get(in, "anonymous");
    bool anonymous = json_is_true(anon) || (json_is_string(anon) && (!strcmp(json_string_value(anon), "1") ||
                                                                     !strcmp(json_string_value(anon), "on") ||
                                                                     !strcmp(json_string_value(anon), "true")));
    json_object_set_new(c, "anonymous", json_integer(anonymous));

    const char *studio = kj_jstr(in, "studio_id");
    if (studio && *studio) {
        if (!offer) err(errors, "studio_id", "err.listing.studio_demand");
        else if (!kj_id_valid(studio) || kj_db_int(db, 0, "SELECT count(*) FROM studio_members WHERE studio_id = ? "
                                                   "AND user_id = ? AND status = 'active'", "ss", studio, kj_user_id(user)) == 0)
            err(errors, "studio_id", "err.listing.studio");
    }
    json_object_set_new(c, "studio_id", studio && *studio ? json_string(studio) : json_null());

    json_t *modes = kj_listing_list_items(json_object_get(in, "coop_modes"));
    json_array_foreach(modes, i, k)
        if (!exists_code(db, "SELECT count(*) FROM coop_modes WHERE code = ?", json_string_value(k))) err(errors, "coop_modes", "err.field.choice");
    if (json_array_size(modes) == 0 && strcmp(kind, "service") != 0) err(errors, "coop_modes", "err.listing.modes_required");
    json_object_set_new(c, "coop_modes", modes);

    const char *pk = kj_jstr(in, "price_kind");
    if (!pk || !*pk) pk = "negotiable";
    if (!kj_in_list(kj_price_kinds, pk)) { err(errors, "price_kind", "err.field.choice"); pk = "negotiable"; }
    int64_t pmin = -1, pmax = -1;
    bool has_min = parse_price(in, "price_min", &pmin, errors), has_max = parse_price(in, "price_max", &pmax, errors);
    if (!strcmp(pk, "fixed")) {
        if (!has_min && !json_object_get(errors, "price_min")) err(errors, "price_min", "err.field.required");
        pmax = pmin;
    } else if (!strcmp(pk, "range")) {
        if (!has_min && !json_object_get(errors, "price_min")) err(errors, "price_min", "err.field.required");
        if (!has_max && !json_object_get(errors, "price_max")) err(errors, "price_max", "err.field.required");
        if (has_min && has_max && pmin > pmax) err(errors, "price_max", "err.listing.price_order");
    } else {
        pmin = pmax = -1;
    }
    json_object_set_new(c, "price_kind", json_string(pk));
    json_object_set_new(c, "price_min_fen", pmin >= 0 ? json_integer(pmin) : json_null());
    json_object_set_new(c, "price_max_fen", pmax >= 0 ? json_integer(pmax) : json_null());

    if (offer) {
        int trl = jint(in, "trl", 0, &bad);
        if (bad || (trl && (trl < 1 || trl > 9))) { err(errors, "trl", "err.listing.trl"); trl = 0; bad = false; }
        if (!trl && !strcmp(kind, "achievement")) err(errors, "trl", "err.field.required");
        json_object_set_new(c, "trl", trl ? json_integer(trl) : json_null());
        const char *ipt = kj_jstr(in, "ip_type");
        if (!ipt || !*ipt) ipt = "none";
        if (!exists_code(db, "SELECT count(*) FROM ip_types WHERE code = ?", ipt)) { err(errors, "ip_type", "err.field.choice"); ipt = "none"; }
        json_object_set_new(c, "ip_type", json_string(ipt));
        json_t *nums = kj_listing_list_items(json_object_get(in, "ip_numbers"));
        if (json_array_size(nums) > 20) err(errors, "ip_numbers", "err.listing.too_many");
        json_array_foreach(nums, i, k) {
            const char *why = NULL;
            if (chars(json_string_value(k)) > 40) err(errors, "ip_numbers", "err.field.too_long");
            else if (is_patent_type(ipt) && !kj_valid_cn_patent_app_no(json_string_value(k), NULL, &why))
                err(errors, "ip_numbers", why ? why : "err.patent_no.check_digit");
        }
        if (json_array_size(nums) && !strcmp(ipt, "none")) err(errors, "ip_numbers", "err.listing.ip_none");
        json_object_set_new(c, "ip_numbers", nums);
        const char *dm = kj_jstr(in, "delivery_mode");
        if (!strcmp(kind, "service")) {
            if (!dm || !*dm) err(errors, "delivery_mode", "err.field.required");
            else if (!kj_in_list(kj_delivery_modes, dm)) err(errors, "delivery_mode", "err.field.choice");
        }
        json_object_set_new(c, "delivery_mode", json_string(dm && !strcmp(kind, "service") ? dm : ""));
        json_object_set_new(c, "duration", json_string(kj_jstr(in, "duration") && !strcmp(kind, "service") ? kj_jstr(in, "duration") : ""));
        json_object_set_new(c, "indicators", json_array());
        json_object_set_new(c, "trl_min", json_null());
        json_object_set_new(c, "deadline", json_null());
        json_object_set_new(c, "subtype", json_string(""));
    } else {
        json_t *ind = indicator_list(json_object_get(in, "indicators"));
        if (json_array_size(ind) == 0) err(errors, "indicators", "err.listing.indicators_required");
        if (json_array_size(ind) > 20) err(errors, "indicators", "err.listing.too_many");
        json_array_foreach(ind, i, k) {
            if (json_object_get(k, "invalid") || !*kj_jstr(k, "name") || !*kj_jstr(k, "target")) err(errors, "indicators", "err.listing.indicator");
            else if (chars(kj_jstr(k, "name")) > 60 || chars(kj_jstr(k, "target")) > 60 || chars(kj_jstr(k, "unit")) > 20)
                err(errors, "indicators", "err.field.too_long");
        }
        json_object_set_new(c, "indicators", ind);
        int tmin = jint(in, "trl_min", 0, &bad);
        if (bad || (tmin && (tmin < 1 || tmin > 9))) { err(errors, "trl_min", "err.listing.trl"); tmin = 0; bad = false; }
        json_object_set_new(c, "trl_min", tmin ? json_integer(tmin) : json_null());
        const char *dl = kj_jstr(in, "deadline");
        if (dl && *dl) {
            if (!kj_valid_date(dl)) err(errors, "deadline", "err.field.date");
            else if (strcmp(dl, today) < 0) err(errors, "deadline", "err.listing.date_past");
        }
        json_object_set_new(c, "deadline", dl && *dl ? json_string(dl) : json_null());
        const char *st = kj_jstr(in, "subtype");
        if (st && *st && strcmp(st, "problem")) err(errors, "subtype", "err.field.choice");
        json_object_set_new(c, "subtype", json_string(st && !strcmp(st, "problem") ? "problem" : ""));
        json_object_set_new(c, "trl", json_null());
        json_object_set_new(c, "ip_type", json_null());
        json_object_set_new(c, "ip_numbers", json_array());
        json_object_set_new(c, "delivery_mode", json_string(""));
        json_object_set_new(c, "duration", json_string(""));
    }
    return (int)json_object_size(errors);
}

int kj_listing_check(kj_db *db, const char *kind, json_t *in, json_t *user, json_t *errors)
{
    json_t *content = NULL;
    int n = build_content(db, kind, in, user, errors, &content);
    json_decref(content);
    return n;
}

/* Writes the content columns of a listing row and its mode rows. */
static int apply_content(kj_db *db, const char *id, json_t *c)
{
#define J(k) json_object_get(c, k)
    int rc = kj_db_exec(db,
        "UPDATE listings SET title = ?, summary = ?, description = ?, domain = ?, domain1 = ?, keywords = ?, "
        "region = ?, region_city = ?, region_province = ?, valid_until = ?, contact_name = ?, contact_phone = ?, "
        "contact_email = ?, trl = ?, trl_min = ?, ip_type = ?, ip_numbers = ?, coop_modes = ?, price_kind = ?, "
        "price_min_fen = ?, price_max_fen = ?, delivery_mode = ?, duration = ?, indicators = ?, deadline = ?, "
        "subtype = ?, anonymous = ?, studio_id = ?, lang = COALESCE(?, lang), updated_at = ? WHERE id = ?",
        "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjis",
        J("title"), J("summary"), J("description"), J("domain"), J("domain1"), J("keywords"),
        J("region"), J("region_city"), J("region_province"), J("valid_until"), J("contact_name"), J("contact_phone"),
        J("contact_email"), J("trl"), J("trl_min"), J("ip_type"), J("ip_numbers"), J("coop_modes"), J("price_kind"),
        J("price_min_fen"), J("price_max_fen"), J("delivery_mode"), J("duration"), J("indicators"), J("deadline"),
        J("subtype"), J("anonymous"), J("studio_id"), J("lang"), kj_now_ms(), id);
    if (rc < 0) return -1;
    /* A revision made before translations existed has none: the listing then has none. */
    if (kj_listing_translations_write(db, id, J("translations")) < 0) return -1;
    if (kj_db_exec(db, "DELETE FROM listing_modes WHERE listing_id = ?", "s", id) < 0) return -1;
    size_t i;
    json_t *m;
    json_array_foreach(J("coop_modes"), i, m)
        if (kj_db_exec(db, "INSERT INTO listing_modes(listing_id, mode) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       "sj", id, m) < 0) return -1;
#undef J
    return 0;
}

static int add_event(kj_db *db, const char *listing_id, const char *actor, const char *action,
                     const char *from, const char *to, const char *note)
{
    kj_id id = kj_id_new();
    return kj_db_exec(db, "INSERT INTO listing_events(id, listing_id, actor_id, action, from_status, to_status, note, created_at) "
                   "VALUES (?,?,?,?,?,?,?,?)", "sssssssi", id.s, listing_id, actor, action, from, to, note, kj_now_ms());
}

static int add_revision(kj_db *db, const char *listing_id, int rev, json_t *content, const char *author, const char *state)
{
    return kj_db_exec(db, "INSERT INTO listing_revisions(listing_id, rev, data, author_id, state, created_at) "
                          "VALUES (?,?,?,?,?,?) ON CONFLICT(listing_id, rev) DO UPDATE SET data = excluded.data, "
                          "author_id = excluded.author_id, state = excluded.state, created_at = excluded.created_at",
                      "sijssi", listing_id, (int64_t)rev, content, author, state, kj_now_ms()) < 0 ? -1 : 0;
}

int kj_listing_insert(kj_db *db, json_t *user, const char *kind, json_t *in, const char *status,
                      char *id_out, json_t *errors)
{
    /* Residents publish nothing (authz/authz.h); the routes refuse first. */
    if (!kj_authz_may_publish(user)) { err(errors, "form", kj_authz_publish_refusal(user)); return -1; }
    json_t *content = NULL;
    if (build_content(db, kind, in, user, errors, &content)) { json_decref(content); return -1; }
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    const char *org = !strcmp(role_of(user), "org_member") ? kj_jstr(user, "org_id") : NULL;
    bool live = !strcmp(status, "published");
    json_t *published_at = live ? json_integer(now) : NULL;
#define J(k) json_object_get(content, k)
    /* One INSERT with every column (an insert-then-update cost a third of a bulk import). */
    int rc = kj_db_exec(db,
        "INSERT INTO listings(id, origin, kind, owner_id, org_id, status, published_at, created_at, updated_at, "
        "title, summary, description, domain, domain1, keywords, region, region_city, region_province, valid_until, "
        "contact_name, contact_phone, contact_email, trl, trl_min, ip_type, ip_numbers, coop_modes, price_kind, "
        "price_min_fen, price_max_fen, delivery_mode, duration, indicators, deadline, subtype, anonymous, studio_id, lang) "
        "VALUES (?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?)",
        "ssssssjii" "jjjjjjjjjj" "jjjjjjjjj" "jjjjjjjjjj",
        id.s, kj_instance_id(db), kind, kj_user_id(user), org, status, published_at, now, now,
        J("title"), J("summary"), J("description"), J("domain"), J("domain1"), J("keywords"), J("region"),
        J("region_city"), J("region_province"), J("valid_until"),
        J("contact_name"), J("contact_phone"), J("contact_email"), J("trl"), J("trl_min"), J("ip_type"),
        J("ip_numbers"), J("coop_modes"), J("price_kind"),
        J("price_min_fen"), J("price_max_fen"), J("delivery_mode"), J("duration"), J("indicators"), J("deadline"),
        J("subtype"), J("anonymous"), J("studio_id"), J("lang")) < 0 ? -1 : 0;
    json_decref(published_at);
    size_t mi;
    json_t *mode;
    json_array_foreach(J("coop_modes"), mi, mode)
        if (rc == 0 && kj_db_exec(db, "INSERT INTO listing_modes(listing_id, mode) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                  "sj", id.s, mode) < 0) rc = -1;
    /* A new id has no rows yet: only what was given is inserted (nothing on the import path without translations). */
    if (rc == 0 && json_object_size(J("translations")) && kj_listing_translations_write(db, id.s, J("translations")) < 0) rc = -1;
#undef J
    /* Revision 1 of a new id: a plain INSERT. The upsert of add_revision
     * makes SQLite open a statement savepoint, and every savepoint makes
     * FTS5 flush its pending terms — one tiny segment per listing in a bulk
     * import (a sixth of its time, with the merging that follows). */
    if (rc == 0) rc = kj_db_exec(db, "INSERT INTO listing_revisions(listing_id, rev, data, author_id, state, created_at) "
                                     "VALUES (?,1,?,?,?,?)", "sjssi", id.s, content, kj_user_id(user),
                                 live ? "approved" : !strcmp(status, "submitted") ? "pending" : "draft", kj_now_ms()) < 0 ? -1 : 0;
    if (rc == 0) rc = add_event(db, id.s, kj_user_id(user), "create", NULL, status, NULL) < 0 ? -1 : 0;
    /* Created already published: a bulk path (import, demo). Searchable now;
     * matches and alerts follow from the queue. */
    if (rc == 0 && live) {
        json_object_set_new(content, "status", json_string(status));
        rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_ADDED, .id = id.s, .row = content, .notify = true });
    }
    json_decref(content);
    if (rc) { err(errors, "form", "err.internal"); return -1; }
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

int kj_listing_create(kj_db *db, json_t *user, const char *kind, json_t *in, bool submit, char *id_out, json_t *errors)
{
    if (kj_db_begin(db)) { err(errors, "form", "err.internal"); return -1; }
    if (kj_listing_insert(db, user, kind, in, submit ? "submitted" : "draft", id_out, errors)) {
        kj_db_rollback(db);
        return -1;
    }
    if (kj_db_commit(db)) { kj_db_rollback(db); err(errors, "form", "err.internal"); return -1; }
    return 0;
}

int kj_listing_update(kj_db *db, json_t *user, const char *id, json_t *in, bool submit, json_t *errors)
{
    json_t *l = kj_listing_get(db, id);
    if (!l) { err(errors, "form", "err.not_found"); return -1; }
    if (!kj_listing_is_owner(db, l, user)) { json_decref(l); err(errors, "form", "err.auth.forbidden"); return -1; }
    const char *status = kj_jstr(l, "status");
    if (!strcmp(status, "closed") || !strcmp(status, "expired")) {
        json_decref(l);
        err(errors, "form", "err.listing.not_editable");
        return -1;
    }
    json_t *content = NULL;
    /* Not naming the language keeps the listing's (a revision or a client from before the field). */
    json_t *given = json_incref(in);
    if (!json_object_get(in, "lang") && kj_jstr(l, "lang") && *kj_jstr(l, "lang")) {
        json_decref(given);
        given = json_copy(in);
        json_object_set_new(given, "lang", json_string(kj_jstr(l, "lang")));
    }
    int bad_content = build_content(db, kj_jstr(l, "kind"), given, user, errors, &content);
    json_decref(given);
    if (bad_content) { json_decref(content); json_decref(l); return -1; }
    int rev = (int)kj_db_int(db, 1, "SELECT max(rev) FROM listing_revisions WHERE listing_id = ?", "s", id) + 1;
    int rc = kj_db_begin(db);
    bool live = !strcmp(status, "published");
    if (live) {
        /* Stays online; the edit waits for review (one pending edit at a time). */
        int pending = (int)kj_db_int(db, 0, "SELECT pending_revision FROM listings WHERE id = ?", "s", id);
        if (pending) rev = pending;
        if (rc == 0) rc = add_revision(db, id, rev, content, kj_user_id(user), "pending");
        if (rc == 0) rc = kj_db_exec(db, "UPDATE listings SET pending_revision = ?, updated_at = ? WHERE id = ?", "iis",
                                     (int64_t)rev, kj_now_ms(), id) < 0 ? -1 : 0;
        if (rc == 0) rc = add_event(db, id, kj_user_id(user), "edit_submitted", status, status, NULL) < 0 ? -1 : 0;
    } else {
        const char *to = submit ? "submitted" : (!strcmp(status, "withdrawn") ? "draft" : status);
        if (submit && strcmp(status, "draft") && strcmp(status, "rejected") && strcmp(status, "submitted") && strcmp(status, "withdrawn"))
            to = status;
        if (rc == 0) rc = apply_content(db, id, content);
        if (rc == 0) rc = add_revision(db, id, rev, content, kj_user_id(user), !strcmp(to, "submitted") ? "pending" : "draft");
        if (rc == 0) rc = kj_db_exec(db, "UPDATE listings SET status = ?, revision = ?, reject_reason = CASE WHEN ? = 'submitted' "
                                         "THEN NULL ELSE reject_reason END WHERE id = ?", "siss", to, (int64_t)rev, to, id) < 0 ? -1 : 0;
        if (rc == 0) rc = add_event(db, id, kj_user_id(user), "edit", status, to, NULL) < 0 ? -1 : 0;
    }
    if (rc == 0) rc = kj_db_commit(db);
    json_decref(content);
    json_decref(l);
    if (rc) { kj_db_rollback(db); err(errors, "form", "err.internal"); return -1; }
    return 0;
}

#define LISTING_COLUMNS \
    "l.id, l.origin, l.kind, l.subtype, l.owner_id, l.studio_id, l.org_id, l.status, l.open_for_interest, " \
    "l.anonymous, l.title, l.summary, l.description, l.domain, l.domain1, l.keywords AS keywords__json, l.region, " \
    "l.valid_until, l.contact_name, l.contact_phone, l.contact_email, l.trl, l.trl_min, l.ip_type, " \
    "l.ip_numbers AS ip_numbers__json, l.coop_modes AS coop_modes__json, l.price_kind, l.price_min_fen, " \
    "l.price_max_fen, l.delivery_mode, l.duration, l.indicators AS indicators__json, l.deadline, l.reject_reason, " \
    "l.extended, l.revision, l.pending_revision, l.published_at, l.created_at, l.updated_at, l.lang, " \
    "u.name AS owner_name, s.name AS studio_name, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified, " \
    "d.name_zh AS domain_zh, d.name_en AS domain_en, l.prepared_by, l.prepared_for_workorder, " \
    "(SELECT pb.name FROM users pb WHERE pb.id = l.prepared_by) AS prepared_by_name, " KJ_LISTING_ORIGIN_COLUMNS

#define LISTING_FROM \
    " FROM listings l JOIN users u ON u.id = l.owner_id LEFT JOIN studios s ON s.id = l.studio_id " \
    "LEFT JOIN orgs o ON o.id = l.org_id LEFT JOIN domains d ON d.code = l.domain"

json_t *kj_listing_get(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    json_t *l = kj_db_row(db, "SELECT " LISTING_COLUMNS LISTING_FROM " WHERE l.id = ?", "s", id);
    if (!l) return NULL;
    json_t *tr = kj_listing_translations(db, id);
    json_object_set_new(l, "translations", tr ? tr : json_object());
    return l;
}

/* Fields that identify or reach the owner. The patent/registration
 * numbers are among them: a public register names the holder of each. */
static const char *const private_fields[] = {
    "owner_id", "owner_name", "studio_id", "studio_name", "org_id", "org_name", "org_verified",
    "contact_name", "contact_phone", "contact_email", "ip_numbers", NULL,
};
static const char *const contact_fields[] = { "contact_phone", "contact_email", NULL };

/* The organization as every representation shows it: org_verified as a
 * boolean (the badge; a credit code alone proves nothing) and
 * org: {id, name, verified} for API clients. */
static void org_object(json_t *l)
{
    json_t *v = json_object_get(l, "org_verified");
    bool verified = json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
    if (v) json_object_set_new(l, "org_verified", json_boolean(verified));
    if (!kj_jstr(l, "org_id")) return;
    json_object_set_new(l, "org", json_pack("{s:s, s:s?, s:b}", "id", kj_jstr(l, "org_id"), "name", kj_jstr(l, "org_name"),
                                            "verified", verified));
}

/* Set once at start-up (kj_listing_origin_source), read-only after. */
static kj_origin_text_fn origin_name_fn, origin_url_fn;

void kj_listing_origin_source(kj_origin_text_fn name, kj_origin_text_fn url)
{
    origin_name_fn = name;
    origin_url_fn = url;
}

/* "origin" as an object (KJ_LISTING_ORIGIN_COLUMNS): a remote listing
 * names its instance, which pages and the API label it with. */
static void origin_object(json_t *l)
{
    const char *origin = kj_jstr(l, "origin");
    json_t *remote = json_object_get(l, "origin_remote");
    if (!origin) { json_object_del(l, "origin_remote"); return; }
    bool is_remote = json_is_object(remote);
    char local_zh[128] = "", local_en[128] = "", local_url[256] = "";
    if (!is_remote && origin_name_fn) {
        origin_name_fn("zh-CN", local_zh, sizeof local_zh);
        origin_name_fn("en", local_en, sizeof local_en);
    }
    if (!is_remote && origin_url_fn) origin_url_fn(NULL, local_url, sizeof local_url);
    const char *zh = is_remote ? kj_jstr(remote, "zh") : local_zh, *en = is_remote ? kj_jstr(remote, "en") : local_en;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "instance_id", origin, "name", zh && *zh ? zh : origin,
                          "name_en", en && *en ? en : (zh && *zh ? zh : origin),
                          "url", is_remote ? kj_jstr_or_empty(remote, "url") : local_url, "local", !is_remote);
    json_object_set_new(l, "origin", o);
    json_object_set_new(l, "is_remote", json_boolean(is_remote));
    json_object_del(l, "origin_remote");
}

void kj_listing_redact(json_t *l, bool can_see_private)
{
    origin_object(l);
    if (!can_see_private) {
        const char *const *fields = json_integer_value(json_object_get(l, "anonymous")) ? private_fields : contact_fields;
        for (; *fields; fields++) json_object_del(l, *fields);
        json_object_del(l, "reject_reason");
        json_object_del(l, "pending_revision");
        /* 代发布: who drafted it from which work order is the owner's business. */
        json_object_del(l, "prepared_by");
        json_object_del(l, "prepared_by_name");
        json_object_del(l, "prepared_for_workorder");
    }
    org_object(l);
}

static bool is_current(json_t *l)
{
    char today[16];
    today_plus(0, today, sizeof today);
    const char *vu = kj_jstr(l, "valid_until");
    return !strcmp(kj_jstr(l, "status"), "published") && vu && strcmp(vu, today) >= 0;
}

json_t *kj_listing_view(kj_db *db, const char *id, json_t *viewer)
{
    json_t *l = kj_listing_get(db, id);
    if (!l) return NULL;
    bool owner = kj_listing_is_owner(db, l, viewer);
    bool reviewer = is_reviewer(l, viewer);
    const char *st = kj_jstr(l, "status");
    bool public_state = !strcmp(st, "published") || !strcmp(st, "closed") || !strcmp(st, "expired");
    if (!public_state && !owner && !reviewer) { json_decref(l); return NULL; }
    bool priv = kj_listing_can_see_private(db, l, viewer);
    kj_listing_redact(l, priv);
    json_object_set_new(l, "can_edit", json_boolean(owner && strcmp(st, "closed") && strcmp(st, "expired")));
    json_object_set_new(l, "is_owner", json_boolean(owner));
    json_object_set_new(l, "can_review", json_boolean(reviewer));
    json_object_set_new(l, "can_see_private", json_boolean(priv));
    json_object_set_new(l, "is_current", json_boolean(is_current(l)));
    return l;
}

/* ---- life cycle ---- */

enum actor { OWNER = 1, REVIEWER = 2, SYSTEM = 4 };

typedef struct {
    const char *action, *from, *to;
    int who;
} transition;

/* The whole life cycle: (action, from) → to, and who may do it. */
static const transition transitions[] = {
    { "submit",         "draft",     "submitted", OWNER },
    { "submit",         "rejected",  "submitted", OWNER },
    { "approve",        "submitted", "published", REVIEWER },
    { "reject",         "submitted", "rejected",  REVIEWER },
    { "withdraw",       "submitted", "withdrawn", OWNER },
    { "withdraw",       "published", "withdrawn", OWNER },
    { "reopen",         "withdrawn", "draft",     OWNER },
    { "close",          "published", "closed",    OWNER },
    { "extend",         "published", "published", OWNER },
    { "extend",         "expired",   "published", OWNER },
    { "approve_edit",   "published", "published", REVIEWER },
    { "reject_edit",    "published", "published", REVIEWER },
    { "open_interest",  "published", "published", OWNER },
    { "close_interest", "published", "published", OWNER },
    { "expire",         "published", "expired",   SYSTEM },
};

json_t *kj_listing_transitions(void)
{
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof transitions / sizeof *transitions; i++) {
        const transition *t = &transitions[i];
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "action", t->action, "from", t->from, "to", t->to,
            "who", t->who == OWNER ? "owner" : t->who == REVIEWER ? "reviewer" : "system"));
    }
    return out;
}

static const transition *find_transition(const char *action, const char *from)
{
    for (size_t i = 0; i < sizeof transitions / sizeof *transitions; i++)
        if (!strcmp(transitions[i].action, action) && !strcmp(transitions[i].from, from)) return &transitions[i];
    return NULL;
}

static bool known_action(const char *action)
{
    for (size_t i = 0; i < sizeof transitions / sizeof *transitions; i++)
        if (!strcmp(transitions[i].action, action)) return true;
    return false;
}

/* Every refusal: -1 with its kind and message in *fail. */
static int refuse(kj_err *fail, const char *key, kj_err_kind kind)
{
    return kj_err_set(fail, kind, key, NULL);
}

/* Applies the pending revision's content to the live row. */
static int apply_pending(kj_db *db, const char *id, int rev, const char *reviewer)
{
    char *data = kj_db_text(db, "SELECT data FROM listing_revisions WHERE listing_id = ? AND rev = ?", "si", id, (int64_t)rev);
    json_t *content = data ? json_loads(data, 0, NULL) : NULL;
    free(data);
    if (!content) return -1;
    int rc = apply_content(db, id, content);
    json_decref(content);
    if (rc == 0) rc = kj_db_exec(db, "UPDATE listing_revisions SET state = 'approved', reviewer_id = ?, reviewed_at = ? "
                                     "WHERE listing_id = ? AND rev = ?", "sisi", reviewer, kj_now_ms(), id, (int64_t)rev) < 0 ? -1 : 0;
    if (rc == 0) rc = kj_db_exec(db, "UPDATE listings SET revision = ?, pending_revision = NULL WHERE id = ?", "is", (int64_t)rev, id) < 0 ? -1 : 0;
    return rc;
}

static int do_transition(kj_db *db, json_t *l, json_t *user, const transition *t, const char *reason)
{
    const char *id = kj_jstr(l, "id");
    const char *uid = kj_user_id(user);
    int64_t now = kj_now_ms();
    int rc = 0;
    const char *a = t->action;
    char link[64];
    snprintf(link, sizeof link, "/listings/%s", id);
    if (!strcmp(a, "approve")) {
        rc = kj_db_exec(db, "UPDATE listings SET status = 'published', published_at = coalesce(published_at, ?), "
                            "reject_reason = NULL, updated_at = ? WHERE id = ?", "iis", now, now, id) < 0 ? -1 : 0;
        if (rc == 0) rc = kj_db_exec(db, "UPDATE listing_revisions SET state = 'approved', reviewer_id = ?, reviewed_at = ? "
                                         "WHERE listing_id = ? AND state = 'pending'", "sis", uid, now, id) < 0 ? -1 : 0;
        kj_notify(db, kj_jstr(l, "owner_id"), "listing_published", kj_jstr(l, "title"), link);
    } else if (!strcmp(a, "reject")) {
        rc = kj_db_exec(db, "UPDATE listings SET status = 'rejected', reject_reason = ?, updated_at = ? WHERE id = ?",
                        "sis", reason, now, id) < 0 ? -1 : 0;
        if (rc == 0) rc = kj_db_exec(db, "UPDATE listing_revisions SET state = 'rejected', reviewer_id = ?, reason = ?, reviewed_at = ? "
                                         "WHERE listing_id = ? AND state = 'pending'", "ssis", uid, reason, now, id) < 0 ? -1 : 0;
        kj_notify(db, kj_jstr(l, "owner_id"), "listing_rejected", kj_jstr(l, "title"), link);
    } else if (!strcmp(a, "approve_edit")) {
        rc = apply_pending(db, id, (int)json_integer_value(json_object_get(l, "pending_revision")), uid);
        kj_notify(db, kj_jstr(l, "owner_id"), "edit_approved", kj_jstr(l, "title"), link);
    } else if (!strcmp(a, "reject_edit")) {
        rc = kj_db_exec(db, "UPDATE listing_revisions SET state = 'rejected', reviewer_id = ?, reason = ?, reviewed_at = ? "
                            "WHERE listing_id = ? AND rev = ?", "ssisj", uid, reason, now, id, json_object_get(l, "pending_revision")) < 0 ? -1 : 0;
        if (rc == 0) rc = kj_db_exec(db, "UPDATE listings SET pending_revision = NULL, updated_at = ? WHERE id = ?", "is", now, id) < 0 ? -1 : 0;
        kj_notify(db, kj_jstr(l, "owner_id"), "edit_rejected", kj_jstr(l, "title"), link);
    } else if (!strcmp(a, "extend")) {
        /* One more year from the current end date (from today when already expired). */
        char until[16], today[16];
        today_plus(0, today, sizeof today);
        const char *from = kj_jstr(l, "valid_until");
        if (!from || strcmp(from, today) < 0) from = today;
        struct tm tm = { 0 };
        if (sscanf(from, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) return -1;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        kj_format_date(((int64_t)timegm(&tm) + 365LL * 86400) * 1000, until, sizeof until);
        rc = kj_db_exec(db, "UPDATE listings SET status = 'published', extended = 1, reminder_sent = 0, valid_until = ?, "
                            "updated_at = ? WHERE id = ?", "sis", until, now, id) < 0 ? -1 : 0;
    } else if (!strcmp(a, "open_interest") || !strcmp(a, "close_interest")) {
        rc = kj_db_exec(db, "UPDATE listings SET open_for_interest = ?, updated_at = ? WHERE id = ?", "bis",
                        !strcmp(a, "open_interest"), now, id) < 0 ? -1 : 0;
    } else {
        rc = kj_db_exec(db, "UPDATE listings SET status = ?, updated_at = ?, reject_reason = CASE WHEN ? = 'submitted' "
                            "THEN NULL ELSE reject_reason END WHERE id = ?", "siss", t->to, now, t->to, id) < 0 ? -1 : 0;
        if (rc == 0 && !strcmp(a, "submit"))
            rc = kj_db_exec(db, "UPDATE listing_revisions SET state = 'pending' WHERE listing_id = ? AND rev = ?", "sj",
                            id, json_object_get(l, "revision")) < 0 ? -1 : 0;
    }
    if (rc == 0) rc = add_event(db, id, uid, a, kj_jstr(l, "status"), t->to, reason) < 0 ? -1 : 0;
    /* Listeners (search and matches) follow the live content and visibility at once. */
    static const char *const changes[] = { "approve", "approve_edit", "withdraw", "close", "extend", NULL };
    for (const char *const *r = changes; rc == 0 && *r; r++)
        if (!strcmp(*r, a))
            rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_CHANGED, .id = id, .notify = !strcmp(a, "approve") });
    return rc;
}

int kj_listing_act(kj_db *db, json_t *user, const char *id, const char *action, const char *reason,
                   kj_err *fail)
{
    if (!known_action(action) || !strcmp(action, "expire")) return refuse(fail, "err.listing.action", KJ_E_INVALID);
    json_t *l = kj_listing_get(db, id);
    if (!l) return refuse(fail, "err.not_found", KJ_E_NOT_FOUND);
    bool owner = kj_listing_is_owner(db, l, user), reviewer = is_reviewer(l, user);
    const char *st = kj_jstr(l, "status");
    if (!owner && !reviewer) {
        bool visible = !strcmp(st, "published") || !strcmp(st, "closed") || !strcmp(st, "expired");
        json_decref(l);
        return refuse(fail, visible ? "err.auth.forbidden" : "err.not_found", visible ? KJ_E_FORBIDDEN : KJ_E_NOT_FOUND);
    }
    const transition *t = find_transition(action, st);
    int rc = 0;
    if (!t) rc = refuse(fail, "err.listing.transition", KJ_E_CONFLICT);
    else if (!((t->who == OWNER && owner) || (t->who == REVIEWER && reviewer)))
        rc = refuse(fail, "err.auth.forbidden", KJ_E_FORBIDDEN);
    else if ((!strcmp(action, "reject") || !strcmp(action, "reject_edit")) && (!reason || !*reason))
        rc = refuse(fail, "err.listing.reason_required", KJ_E_INVALID);
    else if ((!strcmp(action, "approve_edit") || !strcmp(action, "reject_edit")) && !json_integer_value(json_object_get(l, "pending_revision")))
        rc = refuse(fail, "err.listing.no_pending_edit", KJ_E_CONFLICT);
    else if (!strcmp(action, "extend") && json_integer_value(json_object_get(l, "extended")))
        rc = refuse(fail, "err.listing.extended_once", KJ_E_CONFLICT);
    if (rc == 0) {
        if (kj_db_begin(db) || do_transition(db, l, user, t, reason) || kj_db_commit(db)) {
            kj_db_rollback(db);
            rc = refuse(fail, "err.internal", KJ_E_INTERNAL);
        }
    }
    json_decref(l);
    return rc;
}

json_t *kj_listing_history(kj_db *db, const char *id)
{
    json_t *revs = kj_db_rows(db, "SELECT r.rev, r.state, r.reason, r.created_at, r.reviewed_at, r.data AS data__json, "
                                  "a.name AS author_name, v.name AS reviewer_name FROM listing_revisions r "
                                  "JOIN users a ON a.id = r.author_id LEFT JOIN users v ON v.id = r.reviewer_id "
                                  "WHERE r.listing_id = ? ORDER BY r.rev", "s", id);
    json_t *events = kj_db_rows(db, "SELECT e.action, e.from_status, e.to_status, e.note, e.created_at, u.name AS actor_name "
                                    "FROM listing_events e LEFT JOIN users u ON u.id = e.actor_id "
                                    "WHERE e.listing_id = ? ORDER BY e.created_at, e.id", "s", id);
    return json_pack("{s:o, s:o}", "revisions", revs ? revs : json_array(), "events", events ? events : json_array());
}
