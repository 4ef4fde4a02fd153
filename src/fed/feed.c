/*
 * feed.c — the signed change feed this instance offers, and taking a
 * peer's feed into the listings table (fed.h).
 *
 * The feed walks this instance's listings by (updated_at, id): every write
 * that changes a listing's content or visibility sets updated_at (ms), so
 * each change appears once more at the feed's end. The cursor is
 * "<updated_at>:<id>" of the last row served. Rows changed in the last
 * SETTLE_MS wait: two writes may take their times in one order and commit
 * in the other, and a cursor past the later one must not skip the earlier.
 */
#include "fed/fed.h"
#include "fed/fed_int.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/validate.h"
#include "market/market.h"
#include "ref/regions.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTLE_MS 2000

/* The columns a shared listing carries (nothing private: no contacts,
 * patent numbers, owner, studio, attachments). */
#define FEED_COLUMNS \
    "l.id, l.kind, l.subtype, l.status, l.anonymous, l.published_at, l.updated_at, l.title, l.summary, l.lang, l.description, " \
    "l.domain, l.keywords AS keywords__json, l.region, l.valid_until, l.trl, l.trl_min, l.ip_type, " \
    "l.coop_modes AS coop_modes__json, l.price_kind, l.price_min_fen, l.price_max_fen, l.delivery_mode, l.duration, " \
    "l.indicators AS indicators__json, l.deadline, l.open_for_interest, o.name AS org_name"

static const char *const data_fields[] = {
    "kind", "subtype", "title", "summary", "description", "domain", "keywords", "region", "valid_until", "trl", "trl_min",
    "ip_type", "coop_modes", "price_kind", "price_min_fen", "price_max_fen", "delivery_mode", "duration", "indicators",
    "deadline", "open_for_interest", "published_at", "org_name", NULL,
};

static json_t *feed_item(const kj_fed_self *me, json_t *row)
{
    bool live = !strcmp(kj_jstr_or_empty(row, "status"), "published") && !json_integer_value(json_object_get(row, "anonymous"));
    json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:b}", "type", "listing", "origin", me->instance_id,
                             "id", kj_jstr(row, "id"), "version", json_integer_value(json_object_get(row, "updated_at")),
                             "deleted", !live);
    if (live) {
        json_t *data = json_object();
        for (const char *const *f = data_fields; *f; f++) {
            json_t *v = json_object_get(row, *f);
            json_object_set(data, *f, v ? v : json_null());
        }
        /* The language title and summary are written in (migration 051;
         * an unstamped row's is this instance's default). */
        char lang[32];
        json_object_set_new(data, "lang", json_string(kj_listing_lang_of(row, lang, sizeof lang)));
        /* Title and summary in other languages (issue 17 §1), only where there are any. */
        json_t *tr = json_object_get(row, "translations");
        if (json_object_size(tr)) json_object_set(data, "translations", tr);
        json_object_set_new(item, "data", data);
    }
    kj_fed_item_sign(item, me->sk);
    return item;
}

static json_t *kind_item(const kj_fed_self *me, const kj_fed_kind *k, json_t *row)
{
    bool live = k->live(row);
    json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:b}", "type", k->type, "origin", me->instance_id,
                             "id", kj_jstr(row, "id"), "version", json_integer_value(json_object_get(row, "updated_at")),
                             "deleted", !live);
    if (live) {
        json_t *data = json_object();
        for (const char *const *f = k->fields; *f; f++) {
            json_t *v = json_object_get(row, *f);
            json_object_set(data, *f, v ? v : json_null());
        }
        json_object_set_new(item, "data", data);
    }
    kj_fed_item_sign(item, me->sk);
    return item;
}

json_t *kj_fed_feed(kj_db *db, const char *type, const char *cursor, int limit)
{
    const kj_fed_self *me = kj_fed_self_get();
    if (!me) return NULL;
    if (!type || !*type) type = "listing";
    const kj_fed_kind *k = strcmp(type, "listing") ? kj_fed_kind_get(type) : NULL;
    if (strcmp(type, "listing") && !k) return NULL;
    long long after_t = -1;
    char after_id[32] = "";
    if (cursor && *cursor) {
        const char *colon = strchr(cursor, ':');
        char *end = NULL;
        after_t = strtoll(cursor, &end, 10);
        if (!colon || end != colon || !kj_id_valid(colon + 1)) return NULL;
        snprintf(after_id, sizeof after_id, "%s", colon + 1);
    }
    if (limit < 1 || limit > 5000) limit = kj_fed_settings_get()->page;
    int64_t until = kj_now_ms() - SETTLE_MS;
    /* Rows never published (drafts, rejected submissions) are walked past
     * but not served: a peer never held them. */
    json_t *rows = kj_db_rows(db, k ? k->select : "SELECT " FEED_COLUMNS " FROM listings l LEFT JOIN orgs o ON o.id = l.org_id "
                                  "WHERE l.origin = ? AND (l.updated_at > ? OR (l.updated_at = ? AND l.id > ?)) AND l.updated_at <= ? "
                                  "ORDER BY l.updated_at, l.id LIMIT ?",
                              "siisii", me->instance_id, (int64_t)after_t, (int64_t)after_t, after_id, until, (int64_t)limit + 1);
    if (!rows || (!k && kj_listing_translations_attach(db, rows, NULL))) { json_decref(rows); return NULL; }   /* listings only */
    bool more = json_array_size(rows) > (size_t)limit;
    json_t *items = json_array();
    char next[64];
    snprintf(next, sizeof next, "%s", cursor ? cursor : "");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (i >= (size_t)limit) break;
        snprintf(next, sizeof next, "%lld:%s", (long long)json_integer_value(json_object_get(r, "updated_at")), kj_jstr(r, "id"));
        if (k) {
            if (k->ever(r)) json_array_append_new(items, kind_item(me, k, r));
            continue;
        }
        if (json_is_null(json_object_get(r, "published_at")) || !json_object_get(r, "published_at")) continue;
        json_array_append_new(items, feed_item(me, r));
    }
    json_decref(rows);
    return json_pack("{s:s, s:s, s:o, s:s, s:b}", "instance_id", me->instance_id, "type", type, "items", items, "next_cursor", next,
                     "more", more);
}

/* ---- taking a peer's feed ---- */

static int refuse(kj_err *fail, kj_err_kind kind, const char *key) { return kj_err_set(fail, kind, key, NULL); }

/* The account remote listings of peer are held under here: one per peer,
 * never able to sign in (no password, disabled). */
static const char *proxy_user(kj_db *db, json_t *peer, char *out)
{
    const char *have = kj_jstr(peer, "proxy_user_id");
    if (have && *have) { snprintf(out, KJ_ID_LEN + 1, "%s", have); return out; }
    kj_id id = kj_id_new();
    char email[96];
    snprintf(email, sizeof email, "peer-%s@federation.invalid", kj_jstr(peer, "id"));
    for (char *p = email; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    const char *name = *kj_jstr_or_empty(peer, "name_zh") ? kj_jstr(peer, "name_zh") : kj_jstr_or_empty(peer, "url");
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, disabled, created_at, updated_at) "
                       "VALUES (?,?,?,?,'!','scientist',1,?,?)", "ssssii", id.s, kj_jstr(peer, "instance_id"), email, name, now, now) < 0 ||
        kj_db_exec(db, "UPDATE fed_peers SET proxy_user_id = ? WHERE id = ?", "ss", id.s, kj_jstr(peer, "id")) < 0)
        return NULL;
    json_object_set_new(peer, "proxy_user_id", json_string(id.s));
    snprintf(out, KJ_ID_LEN + 1, "%s", id.s);
    return out;
}

static bool code_exists(kj_db *db, const char *sql, const char *code)
{
    return code && *code && strlen(code) <= 40 && kj_db_int(db, 0, sql, "s", code) > 0;
}

static const char *str_max(json_t *d, const char *k, size_t max_chars)
{
    const char *s = kj_jstr(d, k);
    if (!s) return "";
    return kj_valid_utf8(s, strlen(s)) && kj_utf8_chars(s, strlen(s)) <= max_chars ? s : NULL;
}

static bool date_ok(const char *s) { return s && strlen(s) == 10 && s[4] == '-' && s[7] == '-'; }

/* The listing row's content from an item's data, checked as any input is:
 * codes this instance does not know are dropped (an instance's own regions
 * or domains), text over the limits or of the wrong kind refuses the item. */
static json_t *content_of(kj_db *db, json_t *d)
{
    const char *kind = kj_jstr(d, "kind");
    const char *title = str_max(d, "title", 200), *summary = str_max(d, "summary", 1000),
               *description = str_max(d, "description", 20000), *subtype = kj_jstr(d, "subtype"),
               *price_kind = kj_jstr(d, "price_kind"), *delivery = str_max(d, "delivery_mode", 20),
               *duration = str_max(d, "duration", 60), *vu = kj_jstr(d, "valid_until"), *org = str_max(d, "org_name", 100);
    if (!kj_in_list(kj_listing_kinds, kind) || !title || !*title || !summary || !description || !delivery || !duration ||
        !org || !date_ok(vu) || !kj_in_list(kj_price_kinds, price_kind) || (subtype && *subtype && strcmp(subtype, "problem")))
        return NULL;
    json_t *c = json_object();
    json_object_set_new(c, "kind", json_string(kind));
    json_object_set_new(c, "subtype", json_string(subtype ? subtype : ""));
    json_object_set_new(c, "title", json_string(title));
    json_object_set_new(c, "summary", json_string(summary));
    json_object_set_new(c, "description", json_string(description));
    const char *domain = kj_jstr(d, "domain");
    bool dk = code_exists(db, "SELECT count(*) FROM domains WHERE code = ?", domain);
    json_object_set_new(c, "domain", dk ? json_string(domain) : json_null());
    json_object_set_new(c, "domain1", dk && strlen(domain) >= 3 ? json_stringn(domain, 3) : json_null());
    json_t *kw = json_array(), *k;
    size_t i;
    json_array_foreach(json_object_get(d, "keywords"), i, k)
        if (json_is_string(k) && i < 20 && kj_utf8_chars(json_string_value(k), json_string_length(k)) <= 40) json_array_append(kw, k);
    json_object_set_new(c, "keywords", kw);
    const char *region = kj_jstr(d, "region");
    bool rk = region && kj_region_depth(region) >= 0;
    json_object_set_new(c, "region", rk ? json_string(region) : json_null());
    const char *prov = rk ? kj_region_ancestor_code(region, 0) : NULL;
    const char *city = rk && kj_region_depth(region) >= 1 ? kj_region_ancestor_code(region, 1) : NULL;
    json_object_set_new(c, "region_province", prov ? json_string(prov) : json_null());
    json_object_set_new(c, "region_city", city ? json_string(city) : json_null());
    json_object_set_new(c, "valid_until", json_string(vu));
    for (const char *const *t = (const char *const[]){ "trl", "trl_min", NULL }; *t; t++) {
        json_int_t v = json_integer_value(json_object_get(d, *t));
        json_object_set_new(c, *t, v >= 1 && v <= 9 ? json_integer(v) : json_null());
    }
    const char *ip = kj_jstr(d, "ip_type");
    json_object_set_new(c, "ip_type", code_exists(db, "SELECT count(*) FROM ip_types WHERE code = ?", ip) ? json_string(ip) : json_null());
    json_t *modes = json_array(), *m;
    json_array_foreach(json_object_get(d, "coop_modes"), i, m)
        if (json_is_string(m) && code_exists(db, "SELECT count(*) FROM coop_modes WHERE code = ?", json_string_value(m)))
            json_array_append(modes, m);
    json_object_set_new(c, "coop_modes", modes);
    json_object_set_new(c, "price_kind", json_string(price_kind));
    for (const char *const *t = (const char *const[]){ "price_min_fen", "price_max_fen", NULL }; *t; t++) {
        json_t *v = json_object_get(d, *t);
        json_object_set_new(c, *t, json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer(json_integer_value(v)) : json_null());
    }
    json_object_set_new(c, "delivery_mode", json_string(delivery));
    json_object_set_new(c, "duration", json_string(duration));
    json_t *ind = json_object_get(d, "indicators");
    json_object_set_new(c, "indicators", json_is_array(ind) && json_array_size(ind) <= 20 ? json_incref(ind) : json_array());
    const char *deadline = kj_jstr(d, "deadline");
    json_object_set_new(c, "deadline", date_ok(deadline) ? json_string(deadline) : json_null());
    json_t *open = json_object_get(d, "open_for_interest");
    json_object_set_new(c, "open_for_interest", json_integer(open && json_is_integer(open) && !json_integer_value(open) ? 0 : 1));
    json_t *pa = json_object_get(d, "published_at");
    json_object_set_new(c, "published_at", json_is_integer(pa) ? json_integer(json_integer_value(pa)) : json_integer(kj_now_ms()));
    json_object_set_new(c, "translations", kj_listing_translations_sanitize(json_object_get(d, "translations")));
    /* The peer's language tag as it names it (a reader here sees lang="…"
     * on the text); one of letters, digits and '-', else unknown (''). */
    const char *lang = kj_jstr(d, "lang");
    size_t ll = lang ? strlen(lang) : 0;
    bool lang_ok = ll && ll <= 15 && strspn(lang, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == ll;
    json_object_set_new(c, "lang", json_string(lang_ok ? lang : ""));
    return c;
}

/* Writes (inserts or replaces) a remote listing's row; status is
 * 'published' or 'withdrawn' (hidden here, or withdrawn at the origin). */
static int write_listing(kj_db *db, const char *id, const char *origin, const char *owner, json_t *c, const char *status,
                         bool exists, bool bulk, bool *added)
{
#define J(k) json_object_get(c, k)
    int64_t now = kj_now_ms();
    int rc;
    if (!exists) {
        rc = kj_db_exec(db,
            "INSERT INTO listings(id, origin, kind, owner_id, status, open_for_interest, published_at, created_at, updated_at, "
            "title, summary, description, domain, domain1, keywords, region, region_city, region_province, valid_until, "
            "trl, trl_min, ip_type, coop_modes, price_kind, price_min_fen, price_max_fen, delivery_mode, duration, indicators, "
            "deadline, subtype, lang) VALUES (?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?,?)",
            "sssssjjii" "jjjjjjjjjj" "jjjjjjjjjj" "jjj",
            id, origin, kj_jstr(c, "kind"), owner, status, J("open_for_interest"), J("published_at"), now, now,
            J("title"), J("summary"), J("description"), J("domain"), J("domain1"), J("keywords"), J("region"),
            J("region_city"), J("region_province"), J("valid_until"),
            J("trl"), J("trl_min"), J("ip_type"), J("coop_modes"), J("price_kind"), J("price_min_fen"), J("price_max_fen"),
            J("delivery_mode"), J("duration"), J("indicators"), J("deadline"), J("subtype"), J("lang"));
    } else {
        rc = kj_db_exec(db,
            "UPDATE listings SET kind = ?, status = ?, open_for_interest = ?, updated_at = ?, title = ?, summary = ?, "
            "description = ?, domain = ?, domain1 = ?, keywords = ?, region = ?, region_city = ?, region_province = ?, "
            "valid_until = ?, trl = ?, trl_min = ?, ip_type = ?, coop_modes = ?, price_kind = ?, price_min_fen = ?, "
            "price_max_fen = ?, delivery_mode = ?, duration = ?, indicators = ?, deadline = ?, subtype = ?, lang = ? "
            "WHERE id = ? AND origin = ?",
            "ssji" "jjjjjjjjj" "jjjjjjjjjjjjj" "ss",
            kj_jstr(c, "kind"), status, J("open_for_interest"), now, J("title"), J("summary"),
            J("description"), J("domain"), J("domain1"), J("keywords"), J("region"), J("region_city"), J("region_province"),
            J("valid_until"), J("trl"), J("trl_min"), J("ip_type"), J("coop_modes"), J("price_kind"), J("price_min_fen"),
            J("price_max_fen"), J("delivery_mode"), J("duration"), J("indicators"), J("deadline"), J("subtype"), J("lang"), id, origin);
        if (rc >= 0) rc = kj_db_exec(db, "DELETE FROM listing_modes WHERE listing_id = ?", "s", id);
    }
    size_t i;
    json_t *m;
    json_array_foreach(J("coop_modes"), i, m)
        if (rc >= 0) rc = kj_db_exec(db, "INSERT INTO listing_modes(listing_id, mode) VALUES (?, ?) ON CONFLICT DO NOTHING", "sj", id, m);
    if (rc >= 0 && (exists || json_object_size(J("translations")))) rc = kj_listing_translations_replace(db, id, J("translations"));
    if (rc < 0) return -1;
    bool live = !strcmp(status, "published");
    *added = !exists && live;
    if (*added) {
        /* As imports do: searchable now, matched from the queue; in a
         * catch-up (bulk), matched once it ends (kj_fed_ingest_done), and
         * without alerts: a flood of a peer's backlog is not news. */
        json_t *row = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "status", status, "valid_until", J("valid_until"),
                                "title", J("title"), "keywords", J("keywords"), "summary", J("summary"), "description", J("description"),
                                "translations", J("translations"));
        rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_ADDED, .id = id, .row = row, .notify = !bulk,
                                                         .match_later = bulk });
        json_decref(row);
    } else if (exists) {
        rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_CHANGED, .id = id, .notify = false });
    }
#undef J
    return rc < 0 ? -1 : 0;
}

/* Applies one verified item of peer. 1 applied, 0 skipped (not newer, or
 * a type not taken), -1 failed (the transaction must roll back), -2 an
 * item that must be refused (its id is one of ours). */
static int apply_item(kj_db *db, json_t *peer, json_t *item, const char *owner, bool bulk)
{
    const char *id = kj_jstr(item, "id"), *origin = kj_jstr(peer, "instance_id");
    json_int_t version = json_integer_value(json_object_get(item, "version"));
    json_t *held = kj_db_row(db, "SELECT version, hidden FROM fed_items WHERE item_id = ?", "s", id);
    if (held && json_integer_value(json_object_get(held, "version")) >= version) { json_decref(held); return 0; }
    bool hidden = held && json_integer_value(json_object_get(held, "hidden"));
    json_decref(held);
    char *row_origin = kj_db_text(db, "SELECT origin FROM listings WHERE id = ?", "s", id);
    if (row_origin && strcmp(row_origin, origin)) { free(row_origin); return -2; }
    bool exists = row_origin != NULL;
    free(row_origin);
    bool deleted = json_is_true(json_object_get(item, "deleted"));
    if (deleted && !exists) return 0;   /* withdrawn before we ever held it */
    int rc = 0;
    bool added = false;
    if (deleted) {
        if (exists) {
            rc = kj_db_exec(db, "UPDATE listings SET status = 'withdrawn', updated_at = ? WHERE id = ? AND origin = ?",
                            "iss", kj_now_ms(), id, origin) < 0 ? -1 : 0;
            if (rc == 0) rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_CHANGED, .id = id });
        }
    } else {
        json_t *c = content_of(db, json_object_get(item, "data"));
        if (!c) return -3;
        rc = write_listing(db, id, origin, owner, c, hidden ? "withdrawn" : "published", exists, bulk, &added);
        json_decref(c);
    }
    if (rc == 0)
        rc = kj_db_exec(db, "INSERT INTO fed_items(item_id, origin, peer_id, type, version, origin_status, received_at) "
                            "VALUES (?,?,?,'listing',?,?,?) ON CONFLICT (item_id) DO UPDATE SET version = excluded.version, "
                            "origin_status = excluded.origin_status, received_at = excluded.received_at",
                        "sssisi", id, origin, kj_jstr(peer, "id"), (int64_t)version,
                        deleted ? "withdrawn" : "published", kj_now_ms()) < 0 ? -1 : 0;
    return rc < 0 ? -1 : 1;
}

/* Applies one verified item of a kind other than listing (apply_item's
 * answers). Its checked content is kept in fed_items.data: what a hidden
 * item is shown again from. */
static int apply_kind(kj_db *db, json_t *peer, const kj_fed_kind *k, json_t *item, const char *owner)
{
    const char *id = kj_jstr(item, "id"), *origin = kj_jstr(peer, "instance_id");
    json_int_t version = json_integer_value(json_object_get(item, "version"));
    json_t *held = kj_db_row(db, "SELECT version, hidden, type FROM fed_items WHERE item_id = ?", "s", id);
    if (held && strcmp(kj_jstr_or_empty(held, "type"), k->type)) { json_decref(held); return -2; }
    if (held && json_integer_value(json_object_get(held, "version")) >= version) { json_decref(held); return 0; }
    bool hidden = held && json_integer_value(json_object_get(held, "hidden")), had = held != NULL;
    json_decref(held);
    char *row_origin = kj_db_text(db, k->origin_sql, "s", id);
    bool ours = row_origin && strcmp(row_origin, origin);
    free(row_origin);
    if (ours) return -2;
    if (!had && kj_db_int(db, 0, "SELECT count(*) FROM listings WHERE id = ?", "s", id) > 0) return -2;
    bool deleted = json_is_true(json_object_get(item, "deleted"));
    json_t *c = deleted ? NULL : k->content(db, json_object_get(item, "data"));
    if (!deleted && !c) return -3;
    if (json_is_null(c)) { json_decref(c); return 0; }
    int rc = deleted || hidden ? k->remove(db, id, origin) : k->write(db, id, origin, owner, c);
    if (rc == 0)
        rc = kj_db_exec(db, "INSERT INTO fed_items(item_id, origin, peer_id, type, version, origin_status, received_at, data) "
                            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (item_id) DO UPDATE SET version = excluded.version, "
                            "origin_status = excluded.origin_status, received_at = excluded.received_at, data = excluded.data",
                        "ssssisij", id, origin, kj_jstr(peer, "id"), k->type, (int64_t)version, deleted ? "withdrawn" : "published",
                        kj_now_ms(), c ? c : json_null()) < 0 ? -1 : 0;
    json_decref(c);
    return rc < 0 ? -1 : 1;
}

char *kj_fed_cursor(kj_db *db, json_t *peer, const char *type)
{
    if (!strcmp(type, "listing")) {
        char *c = kj_db_text(db, "SELECT cursor FROM fed_peers WHERE id = ?", "s", kj_jstr(peer, "id"));
        return c ? c : strdup("");
    }
    char *c = kj_db_text(db, "SELECT cursor FROM fed_cursors WHERE peer_id = ? AND type = ?", "ss", kj_jstr(peer, "id"), type);
    return c ? c : strdup("");
}

json_t *kj_fed_remote_items(kj_db *db, const char *type, const char *origin_filter, const char *lang, int limit, int offset)
{
    bool all = !origin_filter || !strcmp(origin_filter, "remote");
    json_t *rows = kj_db_rows(db, "SELECT item_id AS id, type, origin, data AS data__json, received_at FROM fed_items "
                                  "WHERE type = ? AND hidden = 0 AND origin_status = 'published' AND (? = 1 OR origin = ?) "
                                  "ORDER BY received_at DESC, item_id DESC LIMIT ? OFFSET ?",
                              "sisii", type, (int64_t)all, all ? "" : origin_filter, (int64_t)limit, (int64_t)offset);
    if (!rows) return json_array();
    size_t i;
    json_t *r, *book = NULL;   /* one query for every row's origin (fed.h: kj_fed_origin_in) */
    json_array_foreach(rows, i, r) json_object_set_new(r, "origin", kj_fed_origin_in(db, &book, kj_jstr(r, "origin"), lang));
    json_decref(book);
    return rows;
}

/* Lists by their next deadline ("YYYY-MM-DD" sorts as text), then title. */
static int by_deadline(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(kj_jstr_or_empty(x, "next_deadline"), kj_jstr_or_empty(y, "next_deadline"));
    return c ? c : strcmp(kj_jstr_or_empty(x, "title"), kj_jstr_or_empty(y, "title"));
}

json_t *kj_fed_remote_challenge_lists(kj_db *db, const char *origin_filter, const char *lang)
{
    json_t *out = json_array();
    if (origin_filter && !strcmp(origin_filter, "local")) return out;
    /* A deployment holds a handful of peers' open 揭榜 (tens): grouped here. */
    json_t *items = kj_fed_remote_items(db, "challenge", origin_filter, lang, 1000, 0), *groups = json_object();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *d = json_object_get(it, "data"), *o = json_object_get(it, "origin");
        const char *url = kj_jstr_or_empty(o, "url"), *list_id = kj_jstr_or_empty(d, "list_id");
        char key[128];
        snprintf(key, sizeof key, "%s/%s", kj_jstr_or_empty(o, "instance_id"), *list_id ? list_id : kj_jstr_or_empty(d, "list_title"));
        json_t *g = json_object_get(groups, key);
        if (!g) {
            kj_buf u = { 0 };
            if (*list_id) kj_buf_printf(&u, "%s/challenge-lists/%s", url, list_id);
            else kj_buf_printf(&u, "%s/challenge-lists", url);
            g = json_pack("{s:s, s:s, s:O, s:i, s:s, s:s, s:[], s:b}", "id", list_id, "title", kj_jstr_or_empty(d, "list_title"),
                          "origin", o, "entries", 0, "next_deadline", kj_jstr_or_empty(d, "deadline"), "url", u.data,
                          "challenges", "is_remote", 1);
            kj_buf_free(&u);
            json_object_set_new(groups, key, g);
        }
        kj_buf a = { 0 };
        kj_buf_printf(&a, "%s/challenges/%s", url, kj_jstr_or_empty(it, "id"));
        json_array_append_new(json_object_get(g, "challenges"),
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:O, s:s}", "id", kj_jstr_or_empty(it, "id"),
                                        "title", kj_jstr_or_empty(d, "title"), "direction", kj_jstr_or_empty(d, "direction"),
                                        "domain", kj_jstr_or_empty(d, "domain"), "deadline", kj_jstr_or_empty(d, "deadline"),
                                        "bounty_fen", json_object_get(d, "bounty_fen") ? json_object_get(d, "bounty_fen") : json_null(),
                                        "org_name", kj_jstr_or_empty(d, "org_name"),
                                        "region", json_object_get(d, "region") ? json_object_get(d, "region") : json_null(),
                                        "apply_url", a.data));
        kj_buf_free(&a);
        json_object_set_new(g, "entries", json_integer((json_int_t)json_array_size(json_object_get(g, "challenges"))));
        if (strcmp(kj_jstr_or_empty(d, "deadline"), kj_jstr_or_empty(g, "next_deadline")) < 0)
            json_object_set_new(g, "next_deadline", json_string(kj_jstr_or_empty(d, "deadline")));
    }
    json_decref(items);
    size_t n = json_object_size(groups), k = 0;
    json_t **sorted = n ? malloc(n * sizeof *sorted) : NULL;
    const char *key;
    json_t *g;
    json_object_foreach(groups, key, g) if (sorted) sorted[k++] = g;
    if (sorted) qsort(sorted, k, sizeof *sorted, by_deadline);
    for (size_t j = 0; j < k; j++) json_array_append(out, sorted[j]);
    free(sorted);
    json_decref(groups);
    return out;
}

int kj_fed_ingest(kj_db *db, json_t *peer, const char *type, json_t *page, kj_err *fail)
{
    const kj_fed_kind *kind = strcmp(type, "listing") ? kj_fed_kind_get(type) : NULL;
    if (strcmp(type, "listing") && !kind) return refuse(fail, KJ_E_INVALID, "err.fed.kind");
    const char *pid = kj_jstr(peer, "id"), *origin = kj_jstr(peer, "instance_id");
    unsigned char pk[32];
    if (!origin || !kj_fed_key_decode(kj_jstr(peer, "public_key"), pk)) return refuse(fail, KJ_E_CONFLICT, "err.fed.not_ready");
    json_t *items = json_object_get(page, "items");
    const char *next = kj_jstr(page, "next_cursor");
    if (!json_is_array(items) || !next || strlen(next) > 60) {
        kj_fed_event(db, pid, "bad_feed", "not a feed page");
        return refuse(fail, KJ_E_BAD_REQUEST, "err.fed.bad_feed");
    }
    json_t *kinds = json_object_get(peer, "accepted_kinds");
    bool bulk = json_is_true(json_object_get(page, "more"));   /* a backlog: more pages follow at once */
    /* Every item verified before anything is written: a page with one
     * forged or misattributed item is refused whole. */
    size_t i;
    json_t *it;
    char detail[200];
    json_array_foreach(items, i, it) {
        const char *why = NULL;
        if (!json_is_object(it) || !kj_id_valid(kj_jstr(it, "id")) || !json_is_integer(json_object_get(it, "version")))
            why = "malformed_item";
        else if (!kj_fed_item_verify(it, pk)) why = "forged_item";
        else if (strcmp(kj_jstr_or_empty(it, "type"), type)) why = "malformed_item";
        else if (!kj_jstr(it, "origin") || strcmp(kj_jstr(it, "origin"), origin)) why = "wrong_origin";
        if (why) {
            snprintf(detail, sizeof detail, "item %s: %s", kj_jstr(it, "id") ? kj_jstr(it, "id") : "?",
                     !strcmp(why, "wrong_origin") ? "claims another origin" : !strcmp(why, "forged_item") ? "signature does not verify" : "malformed");
            kj_fed_event(db, pid, why, detail);
            return refuse(fail, KJ_E_FORBIDDEN, "err.fed.forged_item");
        }
    }
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal");
    char owner[KJ_ID_LEN + 1];
    int applied = 0, rc = proxy_user(db, peer, owner) ? 0 : -1;
    const char *bad = NULL;
    json_array_foreach(items, i, it) {
        if (rc) break;
        bool taken = false;
        size_t k;
        json_t *kv;
        json_array_foreach(kinds, k, kv) if (json_is_string(kv) && !strcmp(json_string_value(kv), kj_jstr_or_empty(it, "type"))) taken = true;
        if (!taken) continue;
        int r = kind ? apply_kind(db, peer, kind, it, owner) : apply_item(db, peer, it, owner, bulk);
        if (r == -2 || r == -3) { bad = kj_jstr(it, "id"); rc = r; }
        else if (r < 0) rc = -1;
        else applied += r;
    }
    if (rc == 0 && !kind && kj_db_exec(db, "UPDATE fed_peers SET cursor = ?, items = items + ? WHERE id = ?", "sis", next, (int64_t)applied, pid) < 0)
        rc = -1;
    if (rc == 0 && kind && (kj_db_exec(db, "INSERT INTO fed_cursors(peer_id, type, cursor) VALUES (?,?,?) ON CONFLICT (peer_id, type) "
                                           "DO UPDATE SET cursor = excluded.cursor", "sss", pid, type, next) < 0 ||
                            kj_db_exec(db, "UPDATE fed_peers SET items = items + ? WHERE id = ?", "is", (int64_t)applied, pid) < 0))
        rc = -1;
    if (rc == 0 && kj_db_commit(db)) rc = -1;
    if (rc) {
        kj_db_rollback(db);
        if (bad) {
            snprintf(detail, sizeof detail, "item %s: %s", bad, rc == -2 ? "an id of this instance's own" : "content refused");
            kj_fed_event(db, pid, rc == -2 ? "wrong_origin" : "bad_item", detail);
            return refuse(fail, KJ_E_FORBIDDEN, "err.fed.forged_item");
        }
        return refuse(fail, KJ_E_INTERNAL, "err.internal");
    }
    return applied;
}

int kj_fed_ingest_done(kj_db *db, json_t *peer, int64_t since_ms, int count)
{
    json_t *row = json_pack("{s:I, s:i}", "since", (json_int_t)since_ms, "count", count);
    int rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTINGS_LOADED, .id = kj_jstr(peer, "instance_id"), .row = row });
    json_decref(row);
    return rc;
}

void kj_fed_sync_result(kj_db *db, const char *peer_id, const char *error)
{
    int64_t now = kj_now_ms();
    if (!error)
        kj_db_exec_optional(db, "federation sync status", "UPDATE fed_peers SET last_sync_at = ?, last_ok_at = ?, last_error = NULL, "
                            "failures = 0, next_sync_at = NULL, "
                            "state = CASE WHEN state = 'pending' THEN 'active' ELSE state END WHERE id = ?", "iis", now, now, peer_id);
    else {
        /* The backoff, computed here (portable SQL has no power function). */
        int64_t failures = kj_db_int(db, 0, "SELECT failures FROM fed_peers WHERE id = ?", "s", peer_id) + 1;
        int64_t sync = kj_fed_settings_get()->sync_ms, cap = sync > 60000 ? sync : 60000;
        int64_t delay = sync << (failures < 16 ? failures : 16);
        if (delay > cap || delay <= 0) delay = cap;
        kj_db_exec_optional(db, "federation sync status", "UPDATE fed_peers SET last_sync_at = ?, last_error = ?, failures = ?, "
                            "next_sync_at = ? WHERE id = ?", "isiis", now, error, failures, now + delay, peer_id);
    }
}

int kj_fed_peer_learn(kj_db *db, const char *peer_id, json_t *doc, kj_err *fail)
{
    json_t *peer = kj_fed_peer_get(db, peer_id);
    if (!peer) return refuse(fail, KJ_E_NOT_FOUND, "err.not_found");
    unsigned char pk[32];
    const char *iid = kj_jstr(doc, "instance_id");
    int rc = 0;
    if (!kj_fed_key_decode(kj_jstr(peer, "public_key"), pk) || !kj_jstr(doc, "public_key") ||
        strcmp(kj_jstr(doc, "public_key"), kj_jstr(peer, "public_key")) || !kj_fed_item_verify(doc, pk) || !kj_id_valid(iid)) {
        kj_fed_event(db, peer_id, "wrong_key", "its instance document is not signed by the key given for it");
        rc = refuse(fail, KJ_E_FORBIDDEN, "err.fed.wrong_key");
    } else {
        json_t *name = json_object_get(doc, "name");
        const char *zh = kj_jstr(name, "zh-CN"), *en = kj_jstr(name, "en");
        int n = kj_db_exec(db, "UPDATE fed_peers SET instance_id = ?, name_zh = ?, name_en = ?, updated_at = ? WHERE id = ?",
                           "sssis", iid, zh ? zh : "", en ? en : "", kj_now_ms(), peer_id);
        if (n == KJ_DB_CONSTRAINT) {
            kj_fed_event(db, peer_id, "wrong_origin", "its instance id is another peer's");
            rc = refuse(fail, KJ_E_CONFLICT, "err.fed.duplicate");
        } else if (n < 0) rc = refuse(fail, KJ_E_INTERNAL, "err.internal");
    }
    json_decref(peer);
    return rc;
}

int kj_fed_item_hide(kj_db *db, json_t *actor, const char *item_id, bool hide, const char *reason, kj_err *fail)
{
    if (actor && !kj_authz_may_manage_federation(actor)) return refuse(fail, KJ_E_FORBIDDEN, "err.auth.forbidden");
    if (!kj_id_valid(item_id)) return refuse(fail, KJ_E_NOT_FOUND, "err.not_found");
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal");
    json_t *it = kj_db_row(db, "SELECT f.origin, f.origin_status, f.hidden, f.type, f.data AS data__json, p.proxy_user_id "
                               "FROM fed_items f JOIN fed_peers p ON p.id = f.peer_id WHERE f.item_id = ?", "s", item_id);
    const kj_fed_kind *k = it ? kj_fed_kind_get(kj_jstr(it, "type")) : NULL;
    int rc = 0;
    if (!it) rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found");
    else if (k) {
        /* A studio, 科普 item or 揭榜: its local copy removed, or written again from the data kept. */
        bool live = !hide && !strcmp(kj_jstr_or_empty(it, "origin_status"), "published") && json_is_object(json_object_get(it, "data"));
        json_t *detail = json_pack("{s:s, s:s}", "origin", kj_jstr_or_empty(it, "origin"), "type", k->type);
        const char *origin = kj_jstr_or_empty(it, "origin");
        if (kj_db_exec(db, "UPDATE fed_items SET hidden = ? WHERE item_id = ?", "bs", hide, item_id) < 0 ||
            (live ? k->write(db, item_id, origin, kj_jstr_or_empty(it, "proxy_user_id"), json_object_get(it, "data"))
                  : k->remove(db, item_id, origin)) ||
            kj_audit_write(db, kj_user_id(actor), hide ? "fed.item.hide" : "fed.item.show", k->type, item_id, reason ? reason : "", detail) ||
            kj_db_commit(db))
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal");
        json_decref(detail);
    } else {
        const char *status = hide || strcmp(kj_jstr_or_empty(it, "origin_status"), "published") ? "withdrawn" : "published";
        json_t *detail = json_pack("{s:s}", "origin", kj_jstr_or_empty(it, "origin"));
        if (kj_db_exec(db, "UPDATE fed_items SET hidden = ? WHERE item_id = ?", "bs", hide, item_id) < 0 ||
            kj_db_exec(db, "UPDATE listings SET status = ?, updated_at = ? WHERE id = ? AND origin = ?", "siss", status,
                       kj_now_ms(), item_id, kj_jstr_or_empty(it, "origin")) < 0 ||
            kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_CHANGED, .id = item_id }) ||
            kj_audit_write(db, kj_user_id(actor), hide ? "fed.item.hide" : "fed.item.show", "listing", item_id, reason ? reason : "", detail) ||
            kj_db_commit(db))
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal");
        json_decref(detail);
    }
    json_decref(it);
    if (rc) kj_db_rollback(db);
    return rc;
}
