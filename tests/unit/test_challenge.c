/*
 * test_challenge.c — the challenge domain's pure parts: the end of a
 * deadline day in China time, weighted rubric scores and their range
 * checks, and the shape of the life-cycle table.
 */
#include "challenge/challenge.h"
#include "t.h"
#include <jansson.h>

TEST(challenge_day_end_is_midnight_china_time)
{
    /* 2026-03-01 ends at 2026-03-01T16:00:00Z = 1772380800000 ms. */
    CHECK_INT(kj_challenge_day_end_ms("2026-03-01"), 1772380800000LL);
    CHECK_INT(kj_challenge_day_end_ms("1970-01-01"), 57600000LL);
    CHECK_INT(kj_challenge_day_end_ms("2024-02-29") - kj_challenge_day_end_ms("2024-02-28"), 86400000LL);
    CHECK_INT(kj_challenge_day_end_ms("2026-02-30"), -1);
    CHECK_INT(kj_challenge_day_end_ms("tomorrow"), -1);
    CHECK_INT(kj_challenge_day_end_ms(NULL), -1);
}

TEST(challenge_weighted_scores)
{
    json_t *rubric = json_loads("[{\"name\":\"a\",\"weight\":60,\"max\":10},{\"name\":\"b\",\"weight\":40,\"max\":5}]", 0, NULL);
    REQUIRE(rubric);
    json_t *s = json_loads("[10, 5]", 0, NULL);
    CHECK(kj_challenge_weighted(rubric, s) == 100.0);
    json_decref(s);
    s = json_loads("[5, 2.5]", 0, NULL);
    CHECK(kj_challenge_weighted(rubric, s) == 50.0);
    json_decref(s);
    s = json_loads("[9, 4]", 0, NULL);          /* 0.9*60 + 0.8*40 = 86 */
    CHECK(kj_challenge_weighted(rubric, s) == 86.0);
    json_decref(s);
    static const char *const bad[] = { "[11, 5]", "[-1, 5]", "[10]", "[10, 5, 1]", "[10, \"5\"]", "[]", NULL };
    for (const char *const *b = bad; *b; b++) {
        s = json_loads(*b, 0, NULL);
        CHECK(kj_challenge_weighted(rubric, s) < 0);
        json_decref(s);
    }
    CHECK(kj_challenge_weighted(NULL, NULL) < 0);
    json_decref(rubric);
}

TEST(challenge_lifecycle_table_shape)
{
    json_t *t = kj_challenge_transitions();
    REQUIRE(json_array_size(t) > 10);
    size_t i;
    json_t *row;
    json_array_foreach(t, i, row) {
        const char *action = json_string_value(json_object_get(row, "action"));
        const char *from = json_string_value(json_object_get(row, "from"));
        REQUIRE(action && from && json_string_value(json_object_get(row, "to")));
        CHECK(json_array_size(json_object_get(row, "roles")) > 0);
        CHECK(kj_challenge_allowed(action, from));
        /* (action, from) decides the next state: no pair twice. */
        for (size_t j = i + 1; j < json_array_size(t); j++) {
            json_t *o = json_array_get(t, j);
            CHECK(strcmp(action, json_string_value(json_object_get(o, "action"))) ||
                  strcmp(from, json_string_value(json_object_get(o, "from"))));
        }
    }
    CHECK(kj_challenge_allowed("select", "reviewing"));
    CHECK(!kj_challenge_allowed("select", "published"));
    CHECK(!kj_challenge_allowed("apply", "reviewing"));
    CHECK(!kj_challenge_allowed("evaluate", "completed"));
    CHECK(!kj_challenge_allowed(NULL, "published"));
    json_decref(t);
}

/* ---- the periodic job, on a real (temporary) SQLite store ---- */

#include "core/clock.h"
#include "core/id.h"
#include <stdlib.h>
#include <unistd.h>

static const char *status_of(kj_db *db, const char *id, char *buf, size_t n)
{
    char *s = kj_db_text(db, "SELECT status FROM challenges WHERE id = ?", "s", id);
    snprintf(buf, n, "%s", s ? s : "");
    free(s);
    return buf;
}

TEST(challenge_tick_closes_applications_after_the_deadline)
{
    char dir[] = "/tmp/kj-challenge-XXXXXX", path[64], err[200], st[32], cmd[512];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    /* Only the migrations this domain needs (018: the staff's jurisdiction;
     * 026: the organizations' verified badge its entries show):
     * the search index's need the analyzer's tokenizer, which a unit test
     * does not load. */
    snprintf(cmd, sizeof cmd, "mkdir %s/m && cp migrations/sqlite/00[123]_*.sql migrations/sqlite/008_challenge.sql "
             "migrations/sqlite/018_org_membership.sql migrations/sqlite/026_org_verification.sql %s/m/", dir, dir);
    REQUIRE(system(cmd) == 0);
    char mdir[64];
    snprintf(mdir, sizeof mdir, "%s/m", dir);
    kj_store *store = kj_store_open(&kj_sqlite_backend, path, 1, NULL, NULL, err, sizeof err);
    REQUIRE(store);
    REQUIRE(kj_store_migrate(store, mdir, err, sizeof err) >= 0);
    kj_db *db = kj_store_acquire(store);
    kj_id uid = kj_id_new(), aid = kj_id_new(), lid = kj_id_new();
    REQUIRE(kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, created_at, updated_at) "
                       "VALUES (?, 'x', 'sci@example.cn', '科学家', '-', 'scientist', 0, 0)", "s", uid.s) == 1);
    REQUIRE(kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, created_at, updated_at) "
                       "VALUES (?, 'x', 'admin@example.cn', '管理员', '-', 'admin', 0, 0)", "s", aid.s) == 1);
    REQUIRE(kj_db_exec(db, "INSERT INTO challenge_lists(id, origin, title, period_start, period_end, created_by, created_at) "
                       "VALUES (?, 'x', '测试榜单', '2026-01-01', '2026-12-31', ?, 0)", "ss", lid.s, aid.s) == 1);
    json_t *sci = json_pack("{s:s, s:s}", "id", uid.s, "role", "scientist");
    json_t *admin = json_pack("{s:s, s:s}", "id", aid.s, "role", "admin");
    char deadline[16], id[KJ_ID_LEN + 1];
    kj_format_date(kj_now_ms() + 5 * 86400000LL, deadline, sizeof deadline);
    json_t *in = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}], s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                           "direction", "market_wanted", "title", "成果找市场测试", "problem", "一项需要找到应用市场的成果说明。",
                           "indicators", "name", "效率", "target", "90%", "verification", "检测报告",
                           "deliverables", "样品", "bounty", "10", "payment_terms", "一次性", "task_period", "6 个月",
                           "ip_terms", "transfer", "deadline", deadline, "contact", "科学家");
    kj_err e = { 0 };
    REQUIRE(kj_challenge_create(db, sci, lid.s, in, id, &e) == 0);
    json_t *none = json_object();
    REQUIRE(kj_challenge_act(db, admin, id, "approve", none, &e) == 0);
    CHECK_INT(kj_challenge_tick(db), 0);
    CHECK_STR(status_of(db, id, st, sizeof st), "published");
    kj_clock_set_offset(6 * 86400000LL);
    CHECK_INT(kj_challenge_tick(db), 1);
    CHECK_STR(status_of(db, id, st, sizeof st), "reviewing");
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM challenge_events WHERE challenge_id = ? AND action = "
                        "'close_applications' AND actor_id IS NULL", "s", id), 1);
    CHECK_INT(kj_challenge_tick(db), 0);
    kj_clock_set_offset(0);
    json_decref(none);
    json_decref(in);
    json_decref(sci);
    json_decref(admin);
    kj_store_release(store, db);
    kj_store_close(store);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}
