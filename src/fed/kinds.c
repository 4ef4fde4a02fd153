/*
 * kinds.c — what besides listings an instance shares and takes (fed.h,
 * fed_int.h): studios' public profiles, 科普 content and open 揭榜
 * (challenges of open lists). Each kind has its own feed (?type=), walked
 * by the time of each row's last change as the listings' feed is, and its
 * own local copy:
 *  - studio: a row of studios with origin = the peer's instance, held by
 *    the peer's account; searchable as local studios are (the search index
 *    hears KJ_STUDIO_CHANGED), never editable here (it has no members).
 *  - popsci: a published row of popsci_content with that origin, held by
 *    the peer's account: feeds, topic lists and site search show it. A
 *    course (a list of the origin's articles and videos) carries its
 *    items' ids; the items come on the same feed under the same ids.
 *  - challenge: kept in fed_items.data only. Applying to a 揭榜 happens at
 *    its origin (its review, conflicts of interest and agreement are the
 *    issuer's), so here it is listed, labelled and linked, never acted on.
 * Shared: studios (every studio's public profile: name, introduction,
 * directions, skills, affiliation, region — no members, no avatar);
 * published 科普 content (no drafts, reviews, images or uploaded video);
 * challenges of lists while they take applications (no contact, issuer,
 * applications or reviews). Withdrawn, unpublished or closed items are
 * served as deleted, and the copies removed.
 */
#include "fed/fed.h"
#include "fed/fed_int.h"
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

/* A text member of at most max characters: "" when absent, NULL when too
 * long or not UTF-8 (the item is refused). */
static const char *text(json_t *d, const char *k, size_t max)
{
    json_t *v = json_object_get(d, k);
    if (!v || json_is_null(v)) return "";
    const char *s = json_string_value(v);
    if (!s) return NULL;
    size_t n = strlen(s);
    return kj_valid_utf8(s, n) && kj_utf8_chars(s, n) <= max ? s : NULL;
}

static json_t *region_or_null(json_t *d)
{
    const char *r = kj_jstr(d, "region");
    return r && kj_region_depth(r) >= 0 ? json_string(r) : json_null();
}

/* ---- studios ---- */

static const char *const studio_fields[] = { "name", "intro", "directions", "skills", "affiliation", "region", NULL };
static bool always(json_t *row) { (void)row; return true; }

static json_t *studio_content(kj_db *db, json_t *d)
{
    (void)db;
    const char *name = text(d, "name", 100), *intro = text(d, "intro", 5000), *dirs = text(d, "directions", 2000),
               *skills = text(d, "skills", 2000), *aff = text(d, "affiliation", 200);
    if (!name || !*name || !intro || !dirs || !skills || !aff) return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", name, "intro", intro, "directions", dirs, "skills", skills,
                     "affiliation", aff, "region", region_or_null(d));
}

static int studio_write(kj_db *db, const char *id, const char *origin, const char *owner, json_t *c)
{
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "INSERT INTO studios(id, origin, name, intro, directions, skills, affiliation, region, created_by, created_at, updated_at) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, intro = excluded.intro, "
                       "directions = excluded.directions, skills = excluded.skills, affiliation = excluded.affiliation, "
                       "region = excluded.region, updated_at = excluded.updated_at",
                   "sssssssssii", id, origin, kj_jstr(c, "name"), kj_jstr(c, "intro"), kj_jstr(c, "directions"),
                   kj_jstr(c, "skills"), kj_jstr(c, "affiliation"), json_is_string(json_object_get(c, "region")) ? kj_jstr(c, "region") : NULL,
                   owner, now, now) < 0)
        return -1;
    return kj_listing_publish(db, &(kj_listing_event){ .what = KJ_STUDIO_CHANGED, .id = id }) ? -1 : 0;
}

static int studio_remove(kj_db *db, const char *id, const char *origin)
{
    if (kj_db_exec(db, "DELETE FROM studios WHERE id = ? AND origin = ?", "ss", id, origin) < 0) return -1;
    return kj_listing_publish(db, &(kj_listing_event){ .what = KJ_STUDIO_CHANGED, .id = id }) ? -1 : 0;
}

/* ---- 科普 content ---- */

static const char *const popsci_fields[] = { "kind", "title", "summary", "body", "topic", "audience", "regions", "lang",
                                             "source", "video_url", "transcript", "published_at", "items", NULL };
static bool popsci_live(json_t *row) { return !strcmp(kj_jstr_or_empty(row, "status"), "published"); }
static bool popsci_ever(json_t *row) { return json_integer_value(json_object_get(row, "published_at")) > 0; }

static json_t *popsci_content(kj_db *db, json_t *d)
{
    static const char *const kinds[] = { "article", "video", "notice", "course", NULL };
    static const char *const audiences[] = { "rural", "urban", "youth", "elderly", "everyone", NULL };
    const char *kind = kj_jstr(d, "kind"), *title = text(d, "title", 200), *summary = text(d, "summary", 1000),
               *body = text(d, "body", 100000), *topic = kj_jstr(d, "topic"), *aud = kj_jstr(d, "audience"),
               *regions = text(d, "regions", 2000), *lang = text(d, "lang", 16), *source = text(d, "source", 200),
               *video = text(d, "video_url", 500), *transcript = text(d, "transcript", 100000);
    if (!kj_in_list(kinds, kind) || !title || !*title || !summary || !body || !regions || !lang || !source || !video || !transcript)
        return NULL;
    /* A topic this instance does not know: the item is skipped (topics are a shared taxonomy, data/popsci_topics.tsv). */
    if (!topic || strlen(topic) > 40 || kj_db_int(db, 0, "SELECT count(*) FROM popsci_topics WHERE code = ?", "s", topic) <= 0)
        return json_null();
    /* Only codes of the region tree; only a web address as a video. */
    kj_buf rs = { 0 };
    char code[16];
    for (const char *p = regions; *p;) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (n > 0 && n < sizeof code) {
            memcpy(code, p, n);
            code[n] = 0;
            if (kj_region_depth(code) >= 0) kj_buf_printf(&rs, "%s%s ", rs.len ? "" : " ", code);
        }
        p += n;
    }
    if (*video && strncmp(video, "https://", 8) && strncmp(video, "http://", 7)) video = "";
    /* A course: the ids of its articles and videos, in order (" a b ", as
     * popsci keeps them). They are the origin's items, which travel on this
     * same feed under their own (global) ids: a course page here shows
     * those of them held here and published (pages_popsci.c). Only ids;
     * at most 100. */
    kj_buf items = { 0 };
    const char *it = text(d, "items", 100 * 27);
    for (const char *p = it ? it : ""; *p && !strcmp(kind, "course");) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (n == KJ_ID_LEN) {
            char id[KJ_ID_LEN + 1];
            memcpy(id, p, n);
            id[n] = 0;
            if (kj_id_valid(id)) kj_buf_printf(&items, "%s%s ", items.len ? "" : " ", id);
        }
        p += n;
    }
    json_int_t pa = json_integer_value(json_object_get(d, "published_at"));
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "kind", kind, "title", title,
                          "summary", summary, "body", body, "topic", topic, "audience", kj_in_list(audiences, aud) ? aud : "everyone",
                          "regions", rs.data ? rs.data : "", "lang", *lang ? lang : "zh-CN", "source", source, "video_url", video,
                          "transcript", transcript, "published_at", pa > 0 ? pa : (json_int_t)kj_now_ms());
    json_object_set_new(c, "items", json_string(items.data ? items.data : ""));
    kj_buf_free(&items);
    kj_buf_free(&rs);
    return c;
}

static int popsci_write(kj_db *db, const char *id, const char *origin, const char *owner, json_t *c)
{
#define S(k) kj_jstr(c, k)
    int64_t now = kj_now_ms();
    return kj_db_exec(db,
        "INSERT INTO popsci_content(id, origin, kind, title, summary, body, topic, audience, regions, lang, source, video_url, "
        "transcript, items, author_id, status, created_at, published_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'published',?,?,?) "
        "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, summary = excluded.summary, "
        "body = excluded.body, topic = excluded.topic, audience = excluded.audience, regions = excluded.regions, "
        "lang = excluded.lang, source = excluded.source, video_url = excluded.video_url, transcript = excluded.transcript, "
        "items = excluded.items, status = 'published', updated_at = excluded.updated_at",
        "sssssssssssssss" "iii", id, origin, S("kind"), S("title"), S("summary"), S("body"), S("topic"), S("audience"), S("regions"),
        S("lang"), S("source"), S("video_url"), S("transcript"), kj_jstr(c, "items") ? S("items") : "", owner, now,
        (int64_t)json_integer_value(json_object_get(c, "published_at")), now) < 0 ? -1 : 0;
#undef S
}

static int popsci_remove(kj_db *db, const char *id, const char *origin)
{
    return kj_db_exec(db, "DELETE FROM popsci_content WHERE id = ? AND origin = ?", "ss", id, origin) < 0 ? -1 : 0;
}

/* ---- 揭榜 (challenges of open lists) ---- */

static const char *const challenge_fields[] = { "list_id", "list_title", "direction", "title", "domain", "problem",
    "difficulties", "indicators", "deliverables", "bounty_fen", "payment_terms", "task_period", "eligibility", "ip_terms",
    "deadline", "region", "org_name", NULL };
static bool challenge_live(json_t *row)
{
    return !strcmp(kj_jstr_or_empty(row, "status"), "published") && json_integer_value(json_object_get(row, "deadline_ms")) > kj_now_ms();
}
static bool challenge_ever(json_t *row)
{
    const char *s = kj_jstr_or_empty(row, "status");
    return strcmp(s, "submitted") && strcmp(s, "rejected");
}

static json_t *challenge_content(kj_db *db, json_t *d)
{
    (void)db;
    static const char *const dirs[] = { "tech_wanted", "market_wanted", NULL };
    const char *list_title = text(d, "list_title", 200), *title = text(d, "title", 200), *domain = text(d, "domain", 20),
               *problem = text(d, "problem", 20000), *diff = text(d, "difficulties", 20000), *deliv = text(d, "deliverables", 20000),
               *pay = text(d, "payment_terms", 2000), *period = text(d, "task_period", 200), *elig = text(d, "eligibility", 5000),
               *ip = text(d, "ip_terms", 5000), *deadline = kj_jstr(d, "deadline"), *org = text(d, "org_name", 100),
               *dir = kj_jstr(d, "direction");
    json_t *bounty = json_object_get(d, "bounty_fen"), *ind = json_object_get(d, "indicators");
    if (!list_title || !title || !*title || !domain || !problem || !*problem || !diff || !deliv || !pay || !period || !elig || !ip ||
        !org || !kj_in_list(dirs, dir) || !deadline || strlen(deadline) != 10 || !json_is_integer(bounty) ||
        json_integer_value(bounty) < 0 || (ind && !json_is_array(ind)) || json_array_size(ind) > 20)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s}",
                     "list_id", kj_id_valid(kj_jstr(d, "list_id")) ? kj_jstr(d, "list_id") : "", "list_title", list_title,
                     "direction", dir, "title", title, "domain", domain, "problem", problem, "difficulties", diff,
                     "indicators", ind ? ind : json_array(), "deliverables", deliv, "bounty_fen", json_integer_value(bounty),
                     "payment_terms", pay, "task_period", period, "eligibility", elig, "ip_terms", ip, "deadline", deadline,
                     "region", region_or_null(d), "org_name", org);
}

static int challenge_write(kj_db *db, const char *id, const char *origin, const char *owner, json_t *c)
{
    (void)db; (void)id; (void)origin; (void)owner; (void)c;
    return 0;   /* fed_items.data is the copy */
}

static int challenge_remove(kj_db *db, const char *id, const char *origin) { (void)db; (void)id; (void)origin; return 0; }

/* ---- the table ---- */

/* Each select binds: origin, after time, after time, after id, until, limit. */
static const kj_fed_kind kinds[] = {
    { "studio",
      "SELECT s.id, s.name, s.intro, s.directions, s.skills, s.affiliation, s.region, s.updated_at FROM studios s "
      "WHERE s.origin = ? AND (s.updated_at > ? OR (s.updated_at = ? AND s.id > ?)) AND s.updated_at <= ? "
      "ORDER BY s.updated_at, s.id LIMIT ?",
      "SELECT origin FROM studios WHERE id = ?",
      studio_fields, always, always, studio_content, studio_write, studio_remove },
    { "popsci",
      "SELECT c.id, c.kind, c.title, c.summary, c.body, c.topic, c.audience, c.regions, c.lang, c.source, c.video_url, "
      "c.transcript, c.items, c.status, c.published_at, c.updated_at FROM popsci_content c "
      "WHERE c.origin = ? AND (c.updated_at > ? OR (c.updated_at = ? AND c.id > ?)) AND c.updated_at <= ? "
      "ORDER BY c.updated_at, c.id LIMIT ?",
      "SELECT origin FROM popsci_content WHERE id = ?",
      popsci_fields, popsci_live, popsci_ever, popsci_content, popsci_write, popsci_remove },
    { "challenge",
      "SELECT c.id, c.list_id, cl.title AS list_title, c.direction, c.title, c.domain, c.problem, c.difficulties, "
      "c.indicators AS indicators__json, c.deliverables, c.bounty_fen, c.payment_terms, c.task_period, c.eligibility, "
      "c.ip_terms, c.deadline, c.deadline_ms, c.region, c.status, c.updated_at, o.name AS org_name FROM challenges c "
      "JOIN challenge_lists cl ON cl.id = c.list_id LEFT JOIN orgs o ON o.id = c.org_id "
      "WHERE c.origin = ? AND (c.updated_at > ? OR (c.updated_at = ? AND c.id > ?)) AND c.updated_at <= ? "
      "ORDER BY c.updated_at, c.id LIMIT ?",
      "SELECT origin FROM challenges WHERE id = ?",
      challenge_fields, challenge_live, challenge_ever, challenge_content, challenge_write, challenge_remove },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

const char *const kj_fed_kind_names[] = { "listing", "studio", "popsci", "challenge", NULL };

const kj_fed_kind *kj_fed_kind_get(const char *type)
{
    for (const kj_fed_kind *k = kinds; type && k->type; k++) if (!strcmp(k->type, type)) return k;
    return NULL;
}

bool kj_fed_kind_known(const char *type) { return kj_in_list(kj_fed_kind_names, type); }
