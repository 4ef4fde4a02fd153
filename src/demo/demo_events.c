/*
 * demo_events.c — two events of the 成都 service center, loaded through the
 * event domain's own calls at believable moments (the demo clock):
 *  - a past 技术对接会 (two months ago): registrations, check-in, one-to-one
 *    meetings held, outcomes, a deal started from a shared intention, a
 *    roadshow line-up, results the two sides agreed to publish;
 *  - an upcoming 科创会 (in three weeks, registration open): sections and
 *    sessions, registrations from China and abroad, showcased listings,
 *    scheduled meetings and one waiting for an answer, roadshow projects
 *    reviewed by experts and placed in the roadshow session.
 */
#include "demo/demo.h"
#include "demo/demo_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "event/event.h"

/* "YYYY-MM-DDTHH:MM" in Asia/Shanghai, days from the (demo) clock's now. */
static const char *local_at(char *buf, size_t n, double days, int hour, int minute)
{
    time_t t = (time_t)(kj_now_ms() / 1000 + (int64_t)(days * 86400) + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, hour, minute);
    return buf;
}

static int fail(const char *what, const kj_err *e)
{
    fprintf(stderr, "demo: events: %s: %s %s\n", what, e->key ? e->key : "?", e->field ? e->field : "");
    return -1;
}

typedef struct {
    kj_db *db;
    json_t *users;   /* e-mail -> user */
} ctx;

static json_t *user(ctx *c, const char *email)
{
    json_t *u = json_object_get(c->users, email);
    if (!u) {
        u = kj_demo_user(c->db, email);
        if (!u) return NULL;
        json_object_set_new(c->users, email, u);
    }
    return u;
}

static const char *uid(ctx *c, const char *email) { return kj_user_id(user(c, email)); }

/* The first published listing of email whose title contains part (or any). */
static const char *listing_of(ctx *c, const char *email, const char *kind, char *out)
{
    char *id = kj_db_text(c->db, "SELECT id FROM listings WHERE owner_id = ? AND status = 'published' AND kind = ? ORDER BY id LIMIT 1",
                          "ss", uid(c, email), kind);
    if (!id) return NULL;
    snprintf(out, KJ_ID_LEN + 1, "%s", id);
    free(id);
    return out;
}

static int reg(ctx *c, const char *event_id, const char *email, const char *country, const char *org, json_t *answers)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    json_t *in = json_pack("{s:s, s:s, s:o}", "country", country, "org_name", org ? org : "", "answers", answers ? answers : json_object());
    int rc = kj_event_register(c->db, user(c, email), event_id, in, id, &e);
    json_decref(in);
    return rc ? fail(email, &e) : 0;
}

static int show(ctx *c, const char *event_id, const char *email, const char *kind)
{
    char l[KJ_ID_LEN + 1];
    if (!listing_of(c, email, kind, l)) return 0;
    kj_err e = { 0 };
    json_t *ids = json_pack("[s]", l);
    int rc = kj_event_showcase_set(c->db, user(c, email), event_id, ids, &e);
    json_decref(ids);
    return rc ? fail("showcase", &e) : 0;
}

/* a asks b to meet about b's (or a's) listing of kind; b accepts unless !accept. */
static int meet(ctx *c, const char *event_id, const char *a, const char *b, const char *about, const char *kind, int slot, bool accept,
                char *mid)
{
    char l[KJ_ID_LEN + 1];
    const char *lid = listing_of(c, about, kind, l);
    json_t *in = json_pack("{s:s, s:s}", "invitee_id", uid(c, b), "message", "想就贵方的成果当面交流合作方式。");
    if (lid) json_object_set_new(in, "listing_id", json_string(lid));
    if (slot >= 0) json_object_set_new(in, "slot", json_integer(slot));
    kj_err e = { 0 };
    int rc = kj_event_meeting_request(c->db, user(c, a), event_id, in, mid, &e);
    json_decref(in);
    if (rc) return fail("meeting", &e);
    if (accept && kj_event_meeting_act(c->db, user(c, b), mid, "accept", NULL, NULL, &e)) return fail("accept", &e);
    return 0;
}

static int checkin(ctx *c, const char *event_id, const char *staff, const char *email)
{
    json_t *r = kj_event_my_registration(c->db, user(c, email), event_id), *who = NULL;
    kj_err e = { 0 };
    int rc = r ? kj_event_checkin(c->db, user(c, staff), event_id, kj_jstr(r, "ticket_code"), &who, &e) : -1;
    json_decref(r);
    json_decref(who);
    return rc ? fail("check-in", &e) : 0;
}

static int outcome(ctx *c, const char *mid, const char *email, const char *what, const char *note)
{
    kj_err e = { 0 };
    json_t *in = json_pack("{s:s, s:s}", "outcome", what, "note", note);
    int rc = kj_event_meeting_act(c->db, user(c, email), mid, "record", in, NULL, &e);
    json_decref(in);
    return rc ? fail("outcome", &e) : 0;
}

static json_t *session(const char *kind, const char *zh, const char *en, const char *room, const char *speakers, double day, int h0,
                       int m0, int h1, int m1)
{
    char a[64], b[64];
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", kind, "title_zh", zh, "title_en", en, "room", room, "speakers",
                     speakers, "starts_at", local_at(a, sizeof a, day, h0, m0), "ends_at", local_at(b, sizeof b, day, h1, m1));
}

static int create(ctx *c, json_t *in, char *id)
{
    kj_err e = { 0 };
    if (kj_event_create(c->db, user(c, "operator@demo.kejiyun.cn"), in, id, &e)) return fail("create", &e);
    if (kj_event_act(c->db, user(c, "operator@demo.kejiyun.cn"), id, "publish", NULL, &e) ||
        kj_event_act(c->db, user(c, "operator@demo.kejiyun.cn"), id, "open_registration", NULL, &e))
        return fail("publish", &e);
    return 0;
}

static int project(ctx *c, const char *event_id, const char *email, const char *kind, const char *session_id, int pos, double day,
                   int h, int m)
{
    char l[KJ_ID_LEN + 1], pid[KJ_ID_LEN + 1], a[64], b[64];
    if (!listing_of(c, email, kind, l)) return 0;
    kj_err e = { 0 };
    json_t *in = json_pack("{s:s, s:s}", "source_kind", "listing", "source_id", l);
    int rc = kj_event_project_submit(c->db, user(c, email), event_id, in, pid, &e);
    json_decref(in);
    if (rc) return fail("project", &e);
    in = json_pack("{s:s, s:i, s:s, s:s}", "session_id", session_id, "position", pos, "slot_start", local_at(a, sizeof a, day, h, m),
                   "slot_end", local_at(b, sizeof b, day, h + (m + 15) / 60, (m + 15) % 60));
    rc = kj_event_project_place(c->db, user(c, "operator@demo.kejiyun.cn"), pid, in, &e);
    json_decref(in);
    return rc ? fail("roadshow", &e) : 0;
}

static char *roadshow_session(ctx *c, const char *event_id)
{
    return kj_db_text(c->db, "SELECT id FROM event_sessions WHERE event_id = ? AND kind = 'roadshow' ORDER BY starts_at LIMIT 1", "s", event_id);
}

/* Two months ago: the 技术对接会, created two weeks before it took place. */
static int past_event(ctx *c, FILE *out)
{
    kj_demo_clock(75);
    char a[64], b[64], m0[64], id[KJ_ID_LEN + 1];
    json_t *sections = json_pack("[{s:s, s:s, s:[o, o]}, {s:s, s:s, s:[o]}]",
        "name_zh", "技术对接", "name_en", "Technology matchmaking", "sessions",
        session("talk", "开幕与成渝科技成果转化政策解读", "Opening: technology transfer policy in Chengdu-Chongqing", "主会场", "成都市科技局", 15, 9, 0, 9, 40),
        session("matchmaking", "一对一技术对接", "One-to-one matchmaking", "洽谈区", "", 15, 14, 0, 16, 0),
        "name_zh", "产业合作推介", "name_en", "Industry cooperation", "sessions",
        session("roadshow", "成果路演", "Roadshow", "路演厅", "", 15, 10, 0, 11, 30));
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:i, s:o}",
        "name_zh", "成渝地区技术对接会（第三期）", "name_en", "Chengdu-Chongqing Technology Matchmaking Fair (3rd)",
        "summary_zh", "面向智能制造与现代农业的供需对接：企业带着需求来，科研团队带着成果来，现场一对一洽谈。",
        "summary_en", "Supply meets demand in smart manufacturing and modern agriculture: companies bring their needs, research teams their results, and they meet one to one.",
        "venue", "成都市高新区天府软件园 C 区", "region", "510107", "time_zone", "Asia/Shanghai", "starts_at", local_at(a, sizeof a, 15, 9, 0),
        "capacity", 120, "ends_at", local_at(b, sizeof b, 15, 17, 0), "meeting_start", local_at(m0, sizeof m0, 15, 14, 0), "slot_minutes", 20,
        "slots", 6, "tables", 8, "sections", sections);
    int rc = create(c, in, id);
    json_decref(in);
    if (rc) return -1;
    static const struct { const char *email, *country, *org, *kind; } people[] = {
        { "liu.yang@demo.kejiyun.cn", "CN", "成都锐视智能制造有限公司", "demand" },
        { "zhang.wei@demo.kejiyun.cn", "CN", "四川大学", "achievement" },
        { "li.na@demo.kejiyun.cn", "CN", "电子科技大学", "achievement" },
        { "chen.jie@demo.kejiyun.cn", "CN", "西南交通大学", "achievement" },
        { "wang.fang@demo.kejiyun.cn", "CN", "青海省农林科学院", "demand" },
        { "qian.lu@demo.kejiyun.cn", "CN", "成都锦程智造", "demand" },
    };
    kj_demo_clock(70);
    for (size_t i = 0; i < sizeof people / sizeof *people; i++)
        if (reg(c, id, people[i].email, people[i].country, people[i].org, NULL) || show(c, id, people[i].email, people[i].kind)) return -1;
    kj_demo_clock(65);
    char ma[KJ_ID_LEN + 1], mb[KJ_ID_LEN + 1], mc[KJ_ID_LEN + 1];
    if (meet(c, id, "liu.yang@demo.kejiyun.cn", "li.na@demo.kejiyun.cn", "li.na@demo.kejiyun.cn", "achievement", 0, true, ma) ||
        meet(c, id, "liu.yang@demo.kejiyun.cn", "zhang.wei@demo.kejiyun.cn", "zhang.wei@demo.kejiyun.cn", "achievement", 1, true, mb) ||
        meet(c, id, "chen.jie@demo.kejiyun.cn", "qian.lu@demo.kejiyun.cn", "qian.lu@demo.kejiyun.cn", "demand", -1, true, mc))
        return -1;
    char *rs = roadshow_session(c, id);
    rc = rs ? project(c, id, "zhang.wei@demo.kejiyun.cn", "achievement", rs, 1, 5, 10, 0) : -1;
    if (!rc) rc = project(c, id, "chen.jie@demo.kejiyun.cn", "achievement", rs, 2, 5, 10, 20);
    free(rs);
    if (rc) return -1;
    /* The day itself. */
    kj_demo_clock(60);
    for (size_t i = 0; i < sizeof people / sizeof *people; i++)
        if (checkin(c, id, "operator@demo.kejiyun.cn", people[i].email)) return -1;
    if (outcome(c, ma, "liu.yang@demo.kejiyun.cn", "intention", "视觉检测方案契合产线需求，拟做小批量试点。") ||
        outcome(c, ma, "li.na@demo.kejiyun.cn", "intention", "可在两个月内完成样机适配。") ||
        outcome(c, mb, "liu.yang@demo.kejiyun.cn", "follow_up", "会后寄送样品测试。") ||
        outcome(c, mb, "zhang.wei@demo.kejiyun.cn", "follow_up", "") ||
        outcome(c, mc, "chen.jie@demo.kejiyun.cn", "no_interest", "需求与现有成果方向不符。"))
        return -1;
    kj_err e = { 0 };
    char deal[KJ_ID_LEN + 1];
    if (kj_event_meeting_act(c->db, user(c, "liu.yang@demo.kejiyun.cn"), ma, "start_deal", NULL, deal, &e)) return fail("deal", &e);
    if (kj_event_publish_results(c->db, user(c, "liu.yang@demo.kejiyun.cn"), id, true, &e) ||
        kj_event_publish_results(c->db, user(c, "li.na@demo.kejiyun.cn"), id, true, &e))
        return fail("results", &e);
    kj_demo_clock_now();
    fprintf(out, "  event (past): /events/%s — 6 registered and checked in, 3 meetings, a deal started\n", id);
    return 0;
}

/* In three weeks: the 科创会, created five days ago. */
static int upcoming_event(ctx *c, FILE *out)
{
    kj_demo_clock(5);
    char a[64], b[64], m0[64], id[KJ_ID_LEN + 1];
    json_t *sections = json_pack("[{s:s, s:s, s:[o, o]}, {s:s, s:s, s:[o, o]}, {s:s, s:s, s:[o]}]",
        "name_zh", "低空经济", "name_en", "Low-altitude economy", "sessions",
        session("talk", "低空物流的场景与规则", "Low-altitude logistics: uses and rules", "A 厅", "民航西南地区管理局专家", 26, 9, 30, 10, 30),
        session("roadshow", "低空经济项目路演", "Low-altitude economy roadshow", "路演厅", "", 26, 10, 45, 12, 0),
        "name_zh", "人工智能与智能制造", "name_en", "AI and smart manufacturing", "sessions",
        session("talk", "工业视觉落地的三个坑", "Industrial vision: three pitfalls", "B 厅", "黄志远", 26, 9, 30, 10, 15),
        session("matchmaking", "一对一洽谈", "One-to-one meetings", "洽谈区", "", 26, 14, 0, 17, 0),
        "name_zh", "国际合作", "name_en", "International cooperation", "sessions",
        session("talk", "一带一路技术转移合作圆桌", "Belt and Road technology transfer round table", "国际厅", "Dr. Amina Otieno; Prof. Jonas Weber", 26, 15, 0, 16, 30));
    json_t *questions = json_pack("[{s:s, s:s, s:s, s:b}, {s:s, s:s, s:s, s:b}]", "id", "goal", "label_zh", "参会希望对接什么？",
                                  "label_en", "What do you hope to find?", "required", 1, "id", "diet", "label_zh", "餐饮需求",
                                  "label_en", "Dietary needs", "required", 0);
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:i, s:o, s:o}",
        "name_zh", "2026 天府科创会 · 低空经济与人工智能专场", "name_en", "Tianfu Innovation Fair 2026: Low-Altitude Economy and AI",
        "summary_zh", "项目征集、专家评审、路演与一对一洽谈：报名后选择要展示的成果或需求，平台推荐值得见的人，会前排好洽谈时段。",
        "summary_en", "Call for projects, expert review, roadshow and one-to-one meetings: after registering, choose what you show; the platform suggests whom to meet and schedules the meetings before the day.",
        "venue", "成都世纪城国际会议中心", "region", "510107", "time_zone", "Asia/Shanghai", "starts_at", local_at(a, sizeof a, 26, 9, 0),
        "ends_at", local_at(b, sizeof b, 26, 17, 30), "capacity", 300, "approval", "auto", "meeting_start", local_at(m0, sizeof m0, 26, 14, 0),
        "slot_minutes", 20, "slots", 9, "tables", 12, "sections", sections, "questions", questions);
    int rc = create(c, in, id);
    json_decref(in);
    if (rc) return -1;
    static const struct { const char *email, *country, *org, *kind; } people[] = {
        { "liu.yang@demo.kejiyun.cn", "CN", "成都锐视智能制造有限公司", "demand" },
        { "huang.zhiyuan@demo.kejiyun.cn", "CN", "慧眼机器视觉工作室", "achievement" },
        { "zhang.wei@demo.kejiyun.cn", "CN", "四川大学", "achievement" },
        { "chen.jie@demo.kejiyun.cn", "CN", "西南交通大学", "achievement" },
        { "zhao.min@demo.kejiyun.cn", "CN", "", "demand" },
        { "sun.hao@demo.kejiyun.cn", "CN", "", "demand" },
    };
    kj_demo_clock(3);
    for (size_t i = 0; i < sizeof people / sizeof *people; i++) {
        json_t *ans = json_pack("{s:s}", "goal", i % 2 ? "寻找应用场景和产业化伙伴" : "寻找可落地的技术方案");
        if (reg(c, id, people[i].email, people[i].country, people[i].org, ans) || show(c, id, people[i].email, people[i].kind)) return -1;
    }
    char ma[KJ_ID_LEN + 1], mb[KJ_ID_LEN + 1], mc[KJ_ID_LEN + 1];
    kj_demo_clock(1);
    if (meet(c, id, "liu.yang@demo.kejiyun.cn", "huang.zhiyuan@demo.kejiyun.cn", "huang.zhiyuan@demo.kejiyun.cn", "achievement", 2, true, ma) ||
        meet(c, id, "zhao.min@demo.kejiyun.cn", "zhang.wei@demo.kejiyun.cn", "zhang.wei@demo.kejiyun.cn", "achievement", -1, true, mb) ||
        meet(c, id, "sun.hao@demo.kejiyun.cn", "chen.jie@demo.kejiyun.cn", "chen.jie@demo.kejiyun.cn", "achievement", -1, false, mc))
        return -1;
    char *rs = roadshow_session(c, id);
    rc = rs ? project(c, id, "huang.zhiyuan@demo.kejiyun.cn", "achievement", rs, 1, 22, 10, 45) : -1;
    if (!rc) rc = project(c, id, "zhang.wei@demo.kejiyun.cn", "achievement", rs, 2, 22, 11, 5);
    if (!rc) rc = project(c, id, "chen.jie@demo.kejiyun.cn", "achievement", rs, 3, 22, 11, 25);
    free(rs);
    kj_demo_clock_now();
    if (rc) return -1;
    fprintf(out, "  event (upcoming): /events/%s — registration open, 6 registered, meetings scheduled, a roadshow of 3\n", id);
    return 0;
}

int kj_demo_events(kj_db *db, FILE *out)
{
    ctx c = { .db = db, .users = json_object() };
    int rc = past_event(&c, out);
    if (!rc) rc = upcoming_event(&c, out);
    kj_demo_clock_now();
    json_decref(c.users);
    return rc;
}
