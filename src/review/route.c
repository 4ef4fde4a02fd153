/* route.c — review routing and escalation between centers (see route.h). */
#include "review/route.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "authz/authz.h"
#include "center/center.h"
#include "challenge/challenge.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/workdays.h"
#include "mail/mail.h"
#include "market/market.h"
#include "notify/notify.h"
#include "popsci/popsci.h"

/* The instance's offset from UTC at an instant, in minutes (core/clock.h
 * holds the zone; working days are counted in it). */
static int offset_min(int64_t at_ms)
{
    struct tm tm;
    kj_local_time(at_ms, &tm);
    return (int)(tm.tm_gmtoff / 60);
}

/* The chain of centers above a region, lowest first ([] when no center
 * covers it), memoized per region in cache for one routing pass. */
static json_t *chain_for(kj_db *db, json_t *cache, const char *region)
{
    json_t *c = json_object_get(cache, region);
    if (c) return c;
    json_t *low = kj_center_covering(db, region);
    c = low ? kj_center_chain(db, kj_jstr(low, "id")) : json_array();
    json_decref(low);
    json_object_set_new(cache, region, c);
    return c;
}

static void set_str(json_t *o, const char *k, const char *v) { json_object_set_new(o, k, v ? json_string(v) : json_null()); }

/* Fills the common fields of one item from its kind's columns. */
static void normalize(json_t *it, const char *kind)
{
    json_object_set_new(it, "review_kind", json_string(kind));
    const char *id = kj_jstr_or_empty(it, "id");
    if (!strcmp(kind, "listing")) {
        set_str(it, "submitter_id", kj_jstr(it, "owner_id"));
        set_str(it, "submitter_name", kj_jstr(it, "owner_name"));
        json_object_set(it, "submitted_at", json_object_get(it, "updated_at"));
        json_object_set_new(it, "link", json_pack("s++", "/listings/", id, ""));
    } else if (!strcmp(kind, "challenge")) {
        set_str(it, "submitter_id", kj_jstr(it, "issuer_id"));
        set_str(it, "submitter_name", kj_jstr(it, "issuer_name"));
        json_t *at = json_object_get(it, "updated_at");
        json_object_set(it, "submitted_at", at ? at : json_object_get(it, "created_at"));
        json_object_set_new(it, "link", json_pack("s++", "/challenges/", id, ""));
    } else {
        set_str(it, "submitter_id", kj_jstr(it, "author_id"));
        set_str(it, "submitter_name", kj_jstr(it, "author_name"));
        set_str(it, "region", kj_jstr(it, "regions"));
        json_object_set_new(it, "link", json_pack("s++", "/popsci/", id, ""));
    }
}

/* Routes one item (see route.h for the fields it gains); returns the ids
 * of the centers whose queues show it now (new ref). */
static json_t *route_one(kj_db *db, json_t *cache, json_t *it, const kj_review_policy *p)
{
    json_t *visible = json_array();
    int64_t at = json_integer_value(json_object_get(it, "submitted_at"));
    int64_t step = p->escalate_days > 0 ? p->escalate_days * KJ_DAY_MS : 0;
    int off = offset_min(p->now);
    int64_t elapsed = kj_workdays_elapsed(at, p->now, off, p->holidays);
    int64_t steps = step ? elapsed / step : 0;
    char *regions = strdup(kj_jstr_or_empty(it, "region"));
    bool primary = false;
    for (char *save = NULL, *r = regions ? strtok_r(regions, " ,", &save) : NULL; r; r = strtok_r(NULL, " ,", &save)) {
        json_t *chain = chain_for(db, cache, r);
        size_t n = json_array_size(chain);
        if (!n) continue;
        size_t level = (size_t)steps < n - 1 ? (size_t)steps : n - 1;
        for (size_t k = 0; k <= level; k++) json_array_append(visible, json_object_get(json_array_get(chain, k), "id"));
        if (primary) continue;
        primary = true;
        json_t *now = json_array_get(chain, level), *origin = json_array_get(chain, 0);
        json_object_set(it, "center_id", json_object_get(now, "id"));
        json_object_set(it, "center_name_zh", json_object_get(now, "name_zh"));
        json_object_set(it, "center_name_en", json_object_get(now, "name_en"));
        json_object_set(it, "origin_center_id", json_object_get(origin, "id"));
        json_object_set(it, "origin_name_zh", json_object_get(origin, "name_zh"));
        json_object_set(it, "origin_name_en", json_object_get(origin, "name_en"));
        json_object_set_new(it, "level", json_integer((json_int_t)level));
        json_object_set_new(it, "escalated", json_boolean(level > 0));
        json_object_set_new(it, "at_top", json_boolean(level == n - 1));
        if (step) {
            int64_t budget = (int64_t)(level + 1) * step;
            json_object_set_new(it, "due_at", json_integer(kj_workdays_add(at, budget, off, p->holidays)));
            json_object_set_new(it, "left_ms", json_integer(budget - elapsed));
            json_object_set_new(it, "overdue", json_boolean(budget - elapsed <= 0));
        } else {
            json_object_set_new(it, "due_at", json_integer(0));
            json_object_set_new(it, "overdue", json_false());
        }
    }
    free(regions);
    if (!primary) {
        json_object_set_new(it, "level", json_integer(0));
        json_object_set_new(it, "escalated", json_false());
        json_object_set_new(it, "overdue", json_false());
        json_object_set_new(it, "due_at", json_integer(0));
    }
    return visible;
}

static bool contains(json_t *ids, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (id && json_string_value(v) && !strcmp(json_string_value(v), id)) return true;
    return false;
}

/* Normalizes, routes and keeps what user's queue shows (items is stolen;
 * new ref returned). user NULL keeps everything (the escalation job). */
static json_t *route_all(kj_db *db, json_t *items, const char *kind, json_t *user, const kj_review_policy *p)
{
    json_t *cache = json_object(), *out = json_array();
    const char *center = user ? kj_jstr(user, "center_id") : NULL;
    bool all = !user || kj_authz_is_admin(user);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        normalize(it, kind);
        json_t *visible = route_one(db, cache, it, p);
        /* Operators in no center keep the domain's answer (their legacy
         * jurisdiction); center staff see what reached their center. An
         * item no center covers (no region: "everywhere" 科普, or a region
         * without a center yet) is routed nowhere: the domain's answer. */
        bool show = all || !center || !json_array_size(visible) || contains(visible, center);
        if (!user) json_object_set(it, "route_centers", visible);
        json_decref(visible);
        if (show) json_array_append(out, it);
    }
    json_decref(items);
    json_decref(cache);
    return out;
}

json_t *kj_review_listing_queue(kj_db *db, json_t *user, const kj_review_policy *p)
{
    json_t *q = kj_review_queue(db, user);
    json_t *items = route_all(db, json_incref(json_object_get(q, "items")), "listing", user, p);
    json_decref(q);
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "achievement", 0, "service", 0, "demand", 0, "new", 0,
                               "edits", 0, "escalated", 0);
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) {
        const char *keys[3] = { kj_jstr(r, "kind"), json_is_true(json_object_get(r, "is_edit")) ? "edits" : "new",
                                json_is_true(json_object_get(r, "escalated")) ? "escalated" : NULL };
        for (int k = 0; k < 3; k++)
            if (keys[k] && json_object_get(counts, keys[k]))
                json_object_set_new(counts, keys[k], json_integer(json_integer_value(json_object_get(counts, keys[k])) + 1));
    }
    json_object_set_new(counts, "total", json_integer((json_int_t)json_array_size(items)));
    return json_pack("{s:o, s:o}", "items", items, "counts", counts);
}

json_t *kj_review_challenge_queue(kj_db *db, json_t *user, const kj_review_policy *p)
{
    return route_all(db, kj_challenge_review_queue(db, user), "challenge", user, p);
}

json_t *kj_review_popsci_queue(kj_db *db, json_t *user, const kj_review_policy *p)
{
    return route_all(db, kj_popsci_review_queue(db, user), "popsci", user, p);
}

static int by_due(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t dx = json_integer_value(json_object_get(x, "due_at")), dy = json_integer_value(json_object_get(y, "due_at"));
    if (!dx) dx = INT64_MAX;
    if (!dy) dy = INT64_MAX;
    return dx < dy ? -1 : dx > dy;
}

/* Everything waiting for user, routed, soonest due first. */
static json_t *everything(kj_db *db, json_t *user, const kj_review_policy *p)
{
    json_t *lq = kj_review_listing_queue(db, user, p);
    json_t *lists[3] = { json_incref(json_object_get(lq, "items")), kj_review_challenge_queue(db, user, p),
                         kj_review_popsci_queue(db, user, p) };
    json_decref(lq);
    json_t *all = json_array();
    for (int k = 0; k < 3; k++) {
        json_array_extend(all, lists[k]);
        json_decref(lists[k]);
    }
    size_t n = json_array_size(all);
    if (n > 1) {
        json_t **v = malloc(n * sizeof *v);
        if (v) {
            for (size_t i = 0; i < n; i++) v[i] = json_incref(json_array_get(all, i));
            qsort(v, n, sizeof *v, by_due);
            json_array_clear(all);
            for (size_t i = 0; i < n; i++) json_array_append_new(all, v[i]);
            free(v);
        }
    }
    return all;
}

json_t *kj_review_due(kj_db *db, json_t *user, const kj_review_policy *p) { return everything(db, user, p); }

/* Tells the submitter and the new center's staff about one step. */
static int tell(kj_db *db, json_t *it, const char *center_id)
{
    const char *title = kj_jstr_or_empty(it, "title"), *link = kj_jstr_or_empty(it, "link");
    const char *submitter = kj_jstr(it, "submitter_id");
    /* Both answer the rows written (or -1), not 0 for success. */
    if (kj_notify(db, submitter, "review_escalated", title, link) < 0) return -1;
    if (submitter && kj_mail_enqueue(db, submitter, "review", title, link) < 0) return -1;
    json_t *staff = kj_center_staff(db, center_id);
    size_t i;
    json_t *s;
    int rc = 0;
    json_array_foreach(staff, i, s)
        if (!rc && kj_notify(db, kj_jstr(s, "user_id"), "review_escalated_staff", title, link) < 0) rc = -1;
    json_decref(staff);
    return rc;
}

/* The key of one escalation step (the table's primary key). */
static void step_key(char *out, size_t n, const char *kind, const char *id, int64_t submitted_at, int64_t level)
{
    snprintf(out, n, "%s|%s|%lld|%lld", kind, id, (long long)submitted_at, (long long)level);
}

#define RECORDED_CHUNK 200

/* The steps recorded already for the escalated items of lists (keys of
 * step_key), in one read per RECORDED_CHUNK items: a round of the job that
 * has nothing new to record writes nothing (it began, inserted nothing and
 * committed per step: three round trips a step and the write lock on
 * PostgreSQL, every minute, for every waiting item). NULL on a failed read. */
static json_t *recorded_steps(kj_db *db, json_t *const *lists, int nlists)
{
    json_t *done = json_object(), *ids = json_array();
    bool ok = true;
    for (int k = 0; k <= nlists && ok; k++) {
        size_t i;
        json_t *it;
        if (k < nlists)
            json_array_foreach(lists[k], i, it)
                if (json_integer_value(json_object_get(it, "level")) > 0 && kj_jstr(it, "id"))
                    json_array_append_new(ids, json_string(kj_jstr(it, "id")));
        /* A full chunk, or what is left after the last list. */
        while (ok && (json_array_size(ids) >= RECORDED_CHUNK || (k == nlists && json_array_size(ids)))) {
            size_t n = json_array_size(ids) < RECORDED_CHUNK ? json_array_size(ids) : RECORDED_CHUNK;
            char sql[160 + 2 * RECORDED_CHUNK];
            size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT kind, item_id, submitted_at, level FROM review_escalations "
                                                           "WHERE item_id IN (");
            json_t *params = json_array();
            for (size_t j = 0; j < n; j++) {
                len += (size_t)snprintf(sql + len, sizeof sql - len, j ? ",?" : "?");
                json_array_append(params, json_array_get(ids, j));
            }
            snprintf(sql + len, sizeof sql - len, ")");
            json_t *rows = kj_db_rows_j(db, sql, params);
            json_decref(params);
            if (!rows) ok = false;   /* NULL only on error (store.h) */
            size_t r;
            json_t *row;
            json_array_foreach(rows, r, row) {
                char key[256];
                step_key(key, sizeof key, kj_jstr_or_empty(row, "kind"), kj_jstr_or_empty(row, "item_id"),
                         json_integer_value(json_object_get(row, "submitted_at")), json_integer_value(json_object_get(row, "level")));
                json_object_set_new(done, key, json_true());
            }
            json_decref(rows);
            json_t *rest = json_array();
            for (size_t j = n; j < json_array_size(ids); j++) json_array_append(rest, json_array_get(ids, j));
            json_decref(ids);
            ids = rest;
        }
    }
    json_decref(ids);
    if (!ok) { json_decref(done); return NULL; }
    return done;
}

int kj_review_escalate(kj_db *db, const kj_review_policy *p)
{
    if (p->escalate_days <= 0) return 0;
    json_t *system = json_pack("{s:s, s:s}", "id", "", "role", "admin");
    json_t *lq = kj_review_queue(db, system);
    json_t *lists[3] = { route_all(db, json_incref(json_object_get(lq, "items")), "listing", NULL, p),
                         route_all(db, kj_challenge_review_queue(db, system), "challenge", NULL, p),
                         route_all(db, kj_popsci_review_queue(db, system), "popsci", NULL, p) };
    json_decref(lq);
    json_decref(system);
    int recorded = 0, failed = 0;
    /* Each new step in a transaction of its own; the ones recorded (most
     * rounds: all) are skipped unwritten. A step recorded meanwhile by
     * another node is still not told twice: the INSERT decides. */
    json_t *done = recorded_steps(db, lists, 3);
    if (!done) failed = 1;
    for (int k = 0; k < 3; k++) {
        size_t i;
        json_t *it;
        json_array_foreach(lists[k], i, it) {
            int64_t level = done ? json_integer_value(json_object_get(it, "level")) : 0;
            json_t *centers = json_object_get(it, "route_centers");
            for (int64_t l = 1; l <= level; l++) {
                const char *center = json_string_value(json_array_get(centers, (size_t)l));
                char key[256];
                step_key(key, sizeof key, kj_jstr_or_empty(it, "review_kind"), kj_jstr_or_empty(it, "id"),
                         json_integer_value(json_object_get(it, "submitted_at")), l);
                if (json_object_get(done, key)) continue;
                if (kj_db_begin(db)) { failed = 1; continue; }
                int n = kj_db_exec(db, "INSERT INTO review_escalations(kind, item_id, submitted_at, level, "
                                       "center_id, created_at) VALUES (?,?,?,?,?,?) "
                                       "ON CONFLICT (kind, item_id, submitted_at, level) DO NOTHING", "ssiisi",
                                   kj_jstr_or_empty(it, "review_kind"), kj_jstr_or_empty(it, "id"),
                                   json_integer_value(json_object_get(it, "submitted_at")), l, center, p->now);
                if (n < 0 || (n == 1 && tell(db, it, center))) { kj_db_rollback(db); failed = 1; continue; }
                if (kj_db_commit(db)) { kj_db_rollback(db); failed = 1; continue; }
                recorded += n;
            }
        }
        json_decref(lists[k]);
    }
    json_decref(done);
    return failed ? -1 : recorded;
}
