/*
 * test_workorder.c — work orders (src/workorder): the life-cycle table's
 * shape, escalation by the periodic job under a frozen clock, the audit
 * records of reassignment and escalation, and decisions taken on what the
 * write transaction reads (a staff member removed after their session was
 * read is refused).
 */
#include "t.h"
#include "scratch.h"
#include "account/account.h"
#include "audit/audit.h"
#include "center/center.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "workorder/workorder.h"
#include <string.h>

static bool is_state(const char *s)
{
    for (const char *const *p = kj_workorder_states; *p; p++)
        if (!strcmp(*p, s)) return true;
    return false;
}

static bool has_role(json_t *t, const char *role)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(t, "roles"), i, r) if (!strcmp(json_string_value(r), role)) return true;
    return false;
}

TEST(workorder_table_shape)
{
    json_t *table = kj_workorder_transitions();
    REQUIRE(json_array_size(table) > 20);
    size_t i, j;
    json_t *t, *u;
    json_array_foreach(table, i, t) {
        CHECK(is_state(kj_jstr(t, "from")) && is_state(kj_jstr(t, "to")));
        CHECK(json_array_size(json_object_get(t, "roles")) > 0);
        /* One row per (action, state): "may I do this now" has one answer. */
        json_array_foreach(table, j, u)
            if (j > i) CHECK(strcmp(kj_jstr(t, "action"), kj_jstr(u, "action")) || strcmp(kj_jstr(t, "from"), kj_jstr(u, "from")));
        /* Only the requester rates, answers and reopens; the system only escalates late new orders. */
        const char *a = kj_jstr(t, "action");
        if (!strcmp(a, "close") || !strcmp(a, "reopen") || !strcmp(a, "answer"))
            CHECK(json_array_size(json_object_get(t, "roles")) == 1 && has_role(t, "requester"));
        if (has_role(t, "system")) CHECK(!strcmp(a, "escalate") && !strcmp(kj_jstr(t, "from"), "new"));
        if (!strcmp(a, "reassign")) CHECK(!has_role(t, "staff") && has_role(t, "head"));
        /* Leaving "closed" is impossible: only internal notes stay. */
        if (!strcmp(kj_jstr(t, "from"), "closed")) CHECK(!strcmp(a, "note") && !strcmp(kj_jstr(t, "to"), "closed"));
    }
    json_decref(table);
    CHECK(kj_workorder_allowed("accept", "new"));
    CHECK(!kj_workorder_allowed("resolve", "new"));     /* no skipping states */
    CHECK(!kj_workorder_allowed("close", "in_progress"));
    CHECK(!kj_workorder_allowed("close", "closed"));     /* no second rating */
    CHECK(kj_workorder_allowed("reopen", "resolved"));
    CHECK(!kj_workorder_allowed(NULL, "new") && !kj_workorder_allowed("accept", NULL));
}

static char *add_user(kj_scratch *s, const char *email, const char *role, const char *region, char *id)
{
    kj_registration r = { .email = email, .password = "Workorder-2026!x", .name = email, .role = role, .region = region };
    kj_err fail = { 0 };
    return kj_account_register(s->db, &r, true, id, &fail) ? NULL : id;
}

static int center(kj_scratch *s, const char *level, const char *region, const char *parent, char *id)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s?}", "name_zh", region, "level", level, "region", region, "parent_id", parent);
    kj_err e = { 0 };
    int st = kj_center_create(s->db, NULL, c, id, &e);
    json_decref(c);
    return st;
}

static int count_audit(kj_db *db, const char *action, const char *target)
{
    json_t *rows = kj_audit_list(db, action, "workorder", target, NULL, 0, 100);
    int n = (int)json_array_size(rows);
    json_decref(rows);
    return n;
}

TEST(workorder_escalation_audit_and_stale_sessions)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "workorder") == 0);
    char sc[27], dy[27], jy[27], head[27], staff[27], dyhead[27], sci[27], wid[27];
    REQUIRE(center(&s, "province", "510000", NULL, sc) == 0);
    REQUIRE(center(&s, "city", "510600", sc, dy) == 0);
    REQUIRE(center(&s, "county", "510603", dy, jy) == 0);
    REQUIRE(add_user(&s, "head@w.test", "operator", "510603", head) && add_user(&s, "staff@w.test", "operator", "510603", staff));
    REQUIRE(add_user(&s, "dy@w.test", "operator", "510600", dyhead) && add_user(&s, "sci@w.test", "scientist", "510603", sci));
    kj_err e = { 0 };
    REQUIRE(kj_center_appoint(s.db, NULL, jy, head, "head", "", &e) == 0);
    REQUIRE(kj_center_appoint(s.db, NULL, jy, staff, "staff", "", &e) == 0);
    REQUIRE(kj_center_appoint(s.db, NULL, dy, dyhead, "head", "", &e) == 0);
    json_t *requester = kj_user_get(s.db, sci), *headu = kj_user_get(s.db, head), *staffu = kj_user_get(s.db, staff);
    json_t *dyu = kj_user_get(s.db, dyhead);
    int64_t t0 = kj_now_ms(), window = 3600 * 1000;
    kj_clock_freeze(t0);
    json_t *in = json_pack("{s:s, s:s, s:s}", "type", "popsci_village", "title", "科普讲座", "description", "村里想请专家讲讲病虫害。");
    REQUIRE(kj_workorder_create(s.db, requester, in, window, wid, &e) == 0);
    json_decref(in);
    json_t *v = kj_workorder_view(s.db, requester, wid, &e);
    CHECK_STR(kj_jstr(v, "center_id"), jy);   /* the county's, the lowest covering 510603 */
    json_decref(v);

    /* Within the window nothing moves; past it the job escalates once. */
    kj_clock_freeze(t0 + window - 1);
    CHECK_INT(kj_workorder_tick(s.db, window), 0);
    kj_clock_freeze(t0 + window + 1);
    CHECK_INT(kj_workorder_tick(s.db, window), 1);
    CHECK_INT(kj_workorder_tick(s.db, window), 0);   /* a fresh deadline at 德阳 */
    v = kj_workorder_view(s.db, dyu, wid, &e);
    REQUIRE(v != NULL);
    CHECK_STR(kj_jstr(v, "center_id"), dy);
    CHECK_INT(json_integer_value(json_object_get(v, "escalations")), 1);
    json_decref(v);
    CHECK_INT(count_audit(s.db, "workorder.escalate", wid), 1);
    /* The county's head lost it: another center's order. */
    CHECK(kj_workorder_view(s.db, headu, wid, &e) == NULL && !strcmp(e.key, "err.workorder.other_center"));
    /* The province center has no parent: a late order there stays, flagged. */
    REQUIRE(kj_workorder_act(s.db, dyu, wid, "escalate", NULL, window, &e) == 0);
    kj_clock_freeze(t0 + 10 * window);
    CHECK_INT(kj_workorder_tick(s.db, window), 0);
    json_t *counts = kj_workorder_desk_counts(s.db, sc);
    CHECK_INT(json_integer_value(json_object_get(counts, "breached")), 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(counts, "states"), "new")), 1);
    json_decref(counts);
    kj_clock_freeze(0);

    /* Decisions read the actor's center inside the write: a staff member
     * removed after their session row was read is refused. */
    char w2[27];
    in = json_pack("{s:s, s:s, s:s}", "type", "other", "title", "另一件事", "description", "请帮忙。");
    REQUIRE(kj_workorder_create(s.db, requester, in, window, w2, &e) == 0);
    json_decref(in);
    REQUIRE(kj_center_remove_staff(s.db, NULL, staff, "left", &e) == 0);
    in = json_pack("{s:s}", "body", "内部备注");
    CHECK(kj_workorder_act(s.db, staffu, w2, "note", in, window, &e) == -1 && !strcmp(e.key, "err.workorder.other_center"));
    json_decref(in);
    json_t *fresh = kj_user_get(s.db, staff);
    CHECK(kj_workorder_act(s.db, fresh, w2, "accept", NULL, window, &e) == -1);
    json_decref(fresh);
    /* The head accepts, reassigns (audited, to staff of the center only). */
    REQUIRE(kj_workorder_act(s.db, headu, w2, "accept", NULL, window, &e) == 0);
    in = json_pack("{s:s}", "assignee", staff);
    CHECK(kj_workorder_act(s.db, headu, w2, "reassign", in, window, &e) == -1 && !strcmp(e.key, "err.workorder.assignee"));
    json_decref(in);
    CHECK_INT(count_audit(s.db, "workorder.reassign", w2), 0);
    char staff2[27];
    REQUIRE(add_user(&s, "staff2@w.test", "operator", "510603", staff2));
    REQUIRE(kj_center_appoint(s.db, NULL, jy, staff2, "staff", "", &e) == 0);
    in = json_pack("{s:s, s:s}", "assignee", staff2, "reason", "分工");
    CHECK(kj_workorder_act(s.db, headu, w2, "reassign", in, window, &e) == 0);
    json_decref(in);
    CHECK_INT(count_audit(s.db, "workorder.reassign", w2), 1);
    json_decref(requester);
    json_decref(headu);
    json_decref(staffu);
    json_decref(dyu);
    kj_scratch_close(&s);
}
