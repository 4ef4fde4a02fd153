/*
 * demo.c — the demo data set: organizations, scientists, an operator and
 * an administrator in Sichuan and Qinghai. Accounts are made through the
 * same domain calls as real registrations, so demo data obeys every rule;
 * the marketplace listings come from data/demo/listings.tsv (demo_listings.c).
 */
#include "demo/demo.h"
#include "search/search.h"
#include "account/account.h"
#include "account/membership.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include <string.h>

typedef struct {
    const char *email, *name, *role, *region;
    const char *org_name, *org_type, *org_region, *org_code;
    const char *jurisdiction;   /* operators: documentation only; their jurisdiction comes from the
                                 * center demo_centers.c appoints them to */
} demo_user;

/* Credit codes are valid per GB 32100-2015 (check digits computed), but
 * made up: they belong to no real organization. */
static const demo_user demo_users[] = {
    { "admin@demo.kejiyun.cn", "平台管理员", "admin", "510000", NULL, NULL, NULL, NULL, NULL },
    { "operator@demo.kejiyun.cn", "成都市科技服务中心 王敏", "operator", "510100", NULL, NULL, NULL, NULL, "510100" },
    { "zhang.wei@demo.kejiyun.cn", "张伟", "scientist", "510107", NULL, NULL, NULL, NULL, NULL },
    { "li.na@demo.kejiyun.cn", "李娜", "scientist", "511102", NULL, NULL, NULL, NULL, NULL },
    { "chen.jie@demo.kejiyun.cn", "陈杰", "scientist", "510703", NULL, NULL, NULL, NULL, NULL },
    { "ma.lin@demo.kejiyun.cn", "马琳", "scientist", "630104", NULL, NULL, NULL, NULL, NULL },
    { "liu.yang@demo.kejiyun.cn", "刘洋", "org_member", "510100",
      "成都天翼低空科技有限公司", "enterprise", "510100", "91510100MA61RE0Q7E", NULL },
    { "zhao.min@demo.kejiyun.cn", "赵敏", "org_member", "510107",
      "四川蜀禾农业科技有限公司", "enterprise", "510107", "91510107MA6CFJ3P6C", NULL },
    { "wang.fang@demo.kejiyun.cn", "王芳", "org_member", "630000",
      "青海高原生态研究院", "institute", "630000", "12630000MB1K7T2N9R", NULL },
    { "sun.hao@demo.kejiyun.cn", "孙浩", "org_member", "630100",
      "西宁锂能新材料有限公司", "enterprise", "630100", "91630100MA7527HJ8N", NULL },
    /* Added later: the positions above decide who is an expert (i % 2). */
    { "operator.xining@demo.kejiyun.cn", "西宁市科技服务中心 韩雪", "operator", "630100", NULL, NULL, NULL, NULL, "630100" },
    /* Names 刘洋's company: asks to join it, and 刘洋 (its admin) approves below. */
    { "zhou.qiang@demo.kejiyun.cn", "周强", "org_member", "510100",
      "成都天翼低空科技有限公司", "enterprise", "510100", "91510100MA61RE0Q7E", NULL },
    /* Staff (not heads) of the 德阳 and 旌阳区 centers: their jurisdiction
     * comes from the appointment (demo_centers.c). */
    { "staff.deyang@demo.kejiyun.cn", "德阳市科技服务中心 李静", "operator", "510600", NULL, NULL, NULL, NULL, NULL },
    { "staff.jingyang@demo.kejiyun.cn", "旌阳区科技服务中心 赵磊", "operator", "510603", NULL, NULL, NULL, NULL, NULL },
    /* Staff of the 孝泉镇 township station (under 旌阳区). */
    { "staff.xiaoquan@demo.kejiyun.cn", "孝泉镇科技服务站 刘军", "operator", "510603101", NULL, NULL, NULL, NULL, NULL },
    /* A resident (城乡群众) of 德阳市旌阳区: reads 科普, asks, publishes nothing. */
    { "chen.min@demo.kejiyun.cn", "陈敏", "resident", "510603", NULL, NULL, NULL, NULL, NULL },
};

/* The first registrant of each demo organization founded it and is its
 * admin; a later one is a member once an admin approves the request. */
static int approve_pending(kj_db *db, const char *email)
{
    json_t *r = kj_db_row(db, "SELECT r.id, (SELECT a.id FROM users a WHERE a.org_id = r.org_id AND a.org_role = 'admin' "
                              "ORDER BY a.created_at LIMIT 1) AS admin_id FROM org_requests r JOIN users u ON u.id = r.user_id "
                              "WHERE u.email = ? AND r.status = 'pending'", "s", email);
    if (!r) return 0;
    kj_err fail = { 0 };
    int st = kj_org_request_decide(db, json_string_value(json_object_get(r, "admin_id")),
                                   json_string_value(json_object_get(r, "id")), true, "", &fail);
    json_decref(r);
    if (st) fprintf(stderr, "demo: cannot approve %s: %s\n", email, fail.key);
    return st ? -1 : 0;
}

static const char *demo_password(const char *role)
{
    if (!strcmp(role, "admin")) return "Admin-2026!";
    if (!strcmp(role, "operator")) return "Operator-2026!";
    return "Demo-2026!";
}

int kj_demo_load(kj_db *db, const char *root, const char *data_dir, FILE *out)
{
    if (kj_db_int(db, 0, "SELECT count(*) FROM meta WHERE key = 'demo_loaded'", "") > 0) {
        fprintf(out, "demo data already loaded\n");
        return 1;
    }
    /* The demo commits a few hundred small transactions (every domain call
     * has its own); with synchronous=FULL each waits for an fsync, which
     * made up most of the load time. NORMAL (WAL) is safe against
     * corruption; a power cut while loading loses a demo, not user data.
     * PostgreSQL's equivalent: commits that do not wait for the WAL flush. */
    bool sqlite = !strcmp(kj_db_store(db)->be->name, "sqlite");
    kj_db_exec_optional(db, "demo load: commits without fsync",
                        sqlite ? "PRAGMA synchronous=NORMAL" : "SET synchronous_commit = off", "");
    fprintf(out, "Demo accounts (e-mail / password / role):\n");
    for (size_t i = 0; i < sizeof demo_users / sizeof *demo_users; i++) {
        const demo_user *u = &demo_users[i];
        kj_registration r = {
            .email = u->email, .password = demo_password(u->role), .name = u->name, .role = u->role,
            .region = u->region, .org_name = u->org_name, .org_type = u->org_type,
            .org_region = u->org_region, .org_credit_code = u->org_code,
            .password_hash = kj_demo_password_hash(demo_password(u->role)),
        };
        char id[KJ_ID_LEN + 1];
        kj_err fail = { 0 };
        if (kj_account_register(db, &r, true, id, &fail)) {
            if (fail.key && !strcmp(fail.key, "err.email.taken")) continue;
            fprintf(stderr, "demo: cannot create %s: %s %s\n", u->email, fail.field, fail.key);
            return -1;
        }
        if (!strcmp(u->role, "scientist") && i % 2 == 0 &&
            kj_db_exec(db, "UPDATE users SET is_expert = 1 WHERE id = ?", "s", id) < 0) {
            fprintf(stderr, "demo: cannot mark %s as an expert: %s\n", u->email, kj_db_errmsg(db));
            return -1;
        }
        fprintf(out, "  %-32s %-16s %s\n", u->email, demo_password(u->role), u->role);
    }
    if (approve_pending(db, "zhou.qiang@demo.kejiyun.cn")) return -1;
    if (kj_demo_centers(db, out)) return -1;
    if (kj_demo_workorder_staff(db, out)) return -1;
    fprintf(out, "Demo marketplace:\n");
    if (kj_demo_listings(db, root, out)) return -1;
    if (kj_popsci_demo(db, root, out)) return -1;
    if (kj_demo_world(db, root, data_dir, out)) return -1;
    if (kj_popsci_demo_experts_public(db)) return -1;   /* after the world: its experts too */
    /* Match the demo listings now (freshness from their back-dated days),
     * so that a server started on the demo shows matches at once. */
    while (kj_match_drain(db, 500) > 0) {}
    if (kj_demo_events(db, out)) return -1;   /* after matching: suggestions read the matches */
    if (kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('demo_loaded', '1') ON CONFLICT(key) DO NOTHING", "") < 0) {
        fprintf(stderr, "demo: cannot record that the demo is loaded: %s\n", kj_db_errmsg(db));
        return -1;
    }
    kj_db_exec_optional(db, "demo loaded: durable commits again",
                        sqlite ? "PRAGMA synchronous=FULL" : "SET synchronous_commit = on", "");
    return 0;
}
