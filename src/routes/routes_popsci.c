/*
 * routes_popsci.c — the popular-science routes (pages, API, images, Atom)
 * as data (see routes.c for how tables are joined).
 *
 * Every signed-in user is a "resident": profile, feed, questions and
 * answers are open to all roles; review, notices and statistics to staff
 * (the domain further limits operators to their region).
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/pages_popsci.h"

static const char *const kinds[] = { "article", "video", "course", NULL };
static const char *const audiences[] = { "rural", "urban", "youth", "elderly", "everyone", NULL };
static const char *const langs[] = { "zh-CN", "en", NULL };
static const char *const events[] = { "open", "finish", "like", "useful", NULL };
static const char *const actions[] = { "approve", "reject", "submit", NULL };

/* Outer bounds (4× the domain's limits): within them the domain reports
 * each problem with its own message. */
#define CONTENT_FIELDS(list_type) \
    { "kind", KJ_F_ENUM, 0, 0, 0, kinds }, \
    { "title", KJ_F_TEXT, 0, 0, 480, NULL }, \
    { "summary", KJ_F_MULTILINE, 0, 0, 1200, NULL }, \
    { "body", KJ_F_MULTILINE, 0, 0, 200000, NULL }, \
    { "topic", KJ_F_TEXT, 0, 0, 32, NULL }, \
    { "audience", KJ_F_ENUM, 0, 0, 0, audiences }, \
    { "regions", list_type, 0, 0, 400, NULL }, \
    { "lang", KJ_F_ENUM, 0, 0, 0, langs }, \
    { "source", KJ_F_TEXT, 0, 0, 200, NULL }, \
    { "video_url", KJ_F_TEXT, 0, 0, 500, NULL }, \
    { "transcript", KJ_F_MULTILINE, 0, 0, 100000, NULL }, \
    { "items", list_type, 0, 0, 2000, NULL }

static const kj_field content_form[] = { CONTENT_FIELDS(KJ_F_TEXT), KJ_FIELDS_END };
static const kj_field content_api[] = { CONTENT_FIELDS(KJ_F_JSON), KJ_FIELDS_END };
/* Edits: the same fields and the correction note (published content). */
static const kj_field edit_form[] = { CONTENT_FIELDS(KJ_F_TEXT), { "note", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };
static const kj_field edit_api[] = { CONTENT_FIELDS(KJ_F_JSON), { "note", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };
static const kj_field notice_form[] = {
    { "title", KJ_F_TEXT, 0, 0, 480, NULL },
    { "summary", KJ_F_MULTILINE, 0, 0, 1200, NULL },
    { "body", KJ_F_MULTILINE, 0, 0, 200000, NULL },
    { "topic", KJ_F_TEXT, 0, 0, 32, NULL },
    { "audience", KJ_F_ENUM, 0, 0, 0, audiences },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "hours", KJ_F_INT, 0, 1, 24 * 30, NULL },
    KJ_FIELDS_END
};
static const kj_field list_fields[] = {
    { "topic", KJ_F_TEXT, 0, 0, 32, NULL },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "page", KJ_F_INT, 0, 1, 100000, NULL },
    { "per_page", KJ_F_INT, 0, 1, 100, NULL },
    { "limit", KJ_F_INT, 0, 1, 50, NULL },
    { "origin", KJ_F_TEXT, 0, 0, 40, NULL },
    KJ_FIELDS_END
};
static const kj_field mark_fields[] = { { "kind", KJ_F_ENUM, KJ_REQUIRED, 0, 0, events }, KJ_FIELDS_END };
static const kj_field review_fields[] = {
    { "action", KJ_F_ENUM, KJ_REQUIRED, 0, 0, actions },
    { "reason", KJ_F_MULTILINE, 0, 0, 2000, NULL },
    KJ_FIELDS_END
};
static const kj_field note_fields[] = { { "note", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };
static const kj_field profile_form[] = {
    { "topics", KJ_F_LIST, 0, 0, 32, NULL },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "crops", KJ_F_TEXT, 0, 0, 800, NULL },
    { "audience", KJ_F_ENUM, 0, 0, 0, audiences },
    KJ_FIELDS_END
};
static const kj_field ask_fields[] = {
    { "title", KJ_F_TEXT, 0, 0, 480, NULL },
    { "body", KJ_F_MULTILINE, 0, 0, 20000, NULL },
    { "topic", KJ_F_TEXT, 0, 0, 32, NULL },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    KJ_FIELDS_END
};
static const kj_field answer_fields[] = { { "body", KJ_F_MULTILINE, 0, 0, 20000, NULL }, KJ_FIELDS_END };
static const kj_field experts_form[] = {
    { "topics", KJ_F_LIST, 0, 0, 32, NULL },
    { "regions", KJ_F_TEXT, 0, 0, 400, NULL },
    { "public", KJ_F_BOOL, 0, 0, 0, NULL },
    KJ_FIELDS_END
};
static const kj_field directory_fields[] = { { "topic", KJ_F_TEXT, 0, 0, 32, NULL }, KJ_FIELDS_END };
static const kj_field experts_api[] = {
    { "topics", KJ_F_JSON, 0, 0, 0, NULL },
    { "regions", KJ_F_JSON, 0, 0, 0, NULL },
    { "public", KJ_F_BOOL, 0, 0, 0, NULL },
    KJ_FIELDS_END
};
static const kj_field team_api[] = {
    { "name", KJ_F_TEXT, 0, 0, 320, NULL },
    { "intro", KJ_F_MULTILINE, 0, 0, 8000, NULL },
    { "regions", KJ_F_JSON, 0, 0, 0, NULL },
    KJ_FIELDS_END
};
static const kj_field team_form[] = {
    { "name", KJ_F_TEXT, 0, 0, 320, NULL },
    { "intro", KJ_F_MULTILINE, 0, 0, 8000, NULL },
    { "regions", KJ_F_TEXT, 0, 0, 400, NULL },
    KJ_FIELDS_END
};
static const kj_field email_fields[] = { { "email", KJ_F_EMAIL, KJ_REQUIRED, 0, 254, NULL }, KJ_FIELDS_END };

#define SIGNED KJ_SIGNED_IN
#define STAFF KJ_STAFF

const kj_route kj_routes_popsci[] = {
    /* Literal segments before {id}: the first match wins. */
    { KJ_GET,  "/popsci",                         kj_page_popsci_home,        KJ_PUBLIC, 0, list_fields, "popsci" },
    { KJ_POST, "/popsci",                         kj_page_popsci_create,      SIGNED, KJ_UPLOAD | KJ_UPLOAD_LARGE | KJ_HEAVY, content_form, "popsci_new" },
    { KJ_GET,  "/popsci/new",                     kj_page_popsci_new,         SIGNED, 0, NULL, "popsci_new" },
    { KJ_GET,  "/popsci/review",                  kj_page_popsci_queue,       STAFF,  0, NULL, "popsci_review" },
    { KJ_GET,  "/popsci/mine",                    kj_page_popsci_mine,        SIGNED, 0, NULL, "popsci_mine" },
    { KJ_GET,  "/popsci/feed",                    kj_page_popsci_feed,        SIGNED, 0, NULL, "popsci_feed" },
    { KJ_GET,  "/popsci/profile",                 kj_page_popsci_profile,     SIGNED, 0, NULL, "popsci_profile" },
    { KJ_POST, "/popsci/profile",                 kj_page_popsci_profile_post, SIGNED, 0, profile_form, "popsci_profile" },
    { KJ_POST, "/popsci/profile/delete",          kj_page_popsci_profile_delete, SIGNED, 0, NULL, "popsci_profile_delete" },
    { KJ_GET,  "/popsci/questions",               kj_page_popsci_questions,   KJ_PUBLIC, 0, list_fields, "popsci_questions" },
    { KJ_POST, "/popsci/questions",               kj_page_popsci_ask,         SIGNED, KJ_UPLOAD | KJ_HEAVY, ask_fields, "popsci_ask" },
    { KJ_GET,  "/popsci/questions/new",           kj_page_popsci_ask_form,    SIGNED, 0, NULL, "popsci_ask" },
    { KJ_GET,  "/popsci/questions/{id}",          kj_page_popsci_question,    KJ_PUBLIC, 0, NULL, "popsci_question" },
    { KJ_POST, "/popsci/questions/{id}/answers",  kj_page_popsci_answer,      SIGNED, 0, answer_fields, "popsci_answer" },
    { KJ_POST, "/popsci/questions/{id}/publish",  kj_page_popsci_publish_q,   STAFF,  0, NULL, "popsci_q_publish" },
    { KJ_POST, "/popsci/answers/{id}/accept",     kj_page_popsci_accept,      SIGNED, 0, NULL, "popsci_accept" },
    { KJ_GET,  "/popsci/experts",                 kj_page_popsci_experts,     SIGNED, 0, NULL, "popsci_experts" },
    { KJ_GET,  "/experts",                        kj_page_expert_directory,   KJ_PUBLIC, 0, directory_fields, "experts" },
    { KJ_GET,  "/api/v1/experts",                 kj_api_expert_directory,    KJ_PUBLIC, KJ_API, directory_fields, "api_experts" },
    { KJ_POST, "/popsci/experts",                 kj_page_popsci_experts_post, SIGNED, 0, experts_form, "popsci_experts" },
    { KJ_GET,  "/popsci/notices/new",             kj_page_popsci_notice_form, STAFF,  0, NULL, "popsci_notice" },
    { KJ_POST, "/popsci/notices",                 kj_page_popsci_notice,      STAFF,  0, notice_form, "popsci_notice" },
    { KJ_GET,  "/popsci/teams",                   kj_page_popsci_teams,       KJ_PUBLIC, 0, NULL, "popsci_teams" },
    { KJ_POST, "/popsci/teams",                   kj_page_popsci_team_create, SIGNED, 0, team_form, "popsci_teams" },
    { KJ_GET,  "/popsci/teams/new",               kj_page_popsci_team_new,    SIGNED, 0, NULL, "popsci_teams" },
    { KJ_GET,  "/popsci/teams/{id}",              kj_page_popsci_team,        KJ_PUBLIC, 0, NULL, "popsci_team" },
    { KJ_POST, "/popsci/teams/{id}/members",      kj_page_popsci_team_member, SIGNED, 0, email_fields, "popsci_team" },
    { KJ_GET,  "/popsci/images/{id}",             kj_page_popsci_image,       KJ_PUBLIC, 0, NULL, "popsci_image" },
    { KJ_GET,  "/popsci/videos/{id}",             kj_page_popsci_video,       KJ_PUBLIC, 0, NULL, "popsci_video" },
    { KJ_GET,  "/popsci/images/{id}/{w}",         kj_page_popsci_image_variant, KJ_PUBLIC, 0, NULL, "popsci_image" },
    { KJ_GET,  "/popsci/{id}",                    kj_page_popsci_show,        KJ_PUBLIC, 0, NULL, "popsci_show" },
    { KJ_GET,  "/popsci/{id}/edit",               kj_page_popsci_edit,        SIGNED, 0, NULL, "popsci_edit" },
    { KJ_POST, "/popsci/{id}/edit",               kj_page_popsci_edit_post,   SIGNED, KJ_UPLOAD | KJ_UPLOAD_LARGE | KJ_HEAVY, edit_form, "popsci_edit" },
    { KJ_POST, "/popsci/{id}/mark",               kj_page_popsci_mark,        SIGNED, 0, mark_fields, "popsci_mark" },
    { KJ_POST, "/popsci/{id}/review",             kj_page_popsci_review,      SIGNED, 0, review_fields, "popsci_review" },
    { KJ_POST, "/popsci/{id}/correction",         kj_page_popsci_correct,     SIGNED, 0, note_fields, "popsci_correct" },
    { KJ_GET,  "/feeds/popsci.atom",              kj_page_popsci_atom,        KJ_PUBLIC, 0, list_fields, "popsci_atom" },

    { KJ_GET,    "/api/v1/popsci",                kj_api_popsci_list,         KJ_PUBLIC, KJ_API, list_fields, "api_popsci" },
    { KJ_POST,   "/api/v1/popsci",                kj_api_popsci_create,       SIGNED, KJ_API, content_api, "api_popsci" },
    { KJ_GET,    "/api/v1/popsci/review",         kj_api_popsci_queue,        STAFF,  KJ_API, NULL, "api_popsci_review" },
    { KJ_GET,    "/api/v1/popsci/topics",         kj_api_popsci_topics,       KJ_PUBLIC, KJ_API, NULL, "api_popsci_topics" },
    { KJ_GET,    "/api/v1/popsci/profile",        kj_api_popsci_profile,      SIGNED, KJ_API, NULL, "api_popsci_profile" },
    { KJ_PUT,    "/api/v1/popsci/profile",        kj_api_popsci_profile_put,  SIGNED, KJ_API, profile_form, "api_popsci_profile" },
    { KJ_DELETE, "/api/v1/popsci/profile",        kj_api_popsci_profile_delete, SIGNED, KJ_API, NULL, "api_popsci_profile" },
    { KJ_POST,   "/api/v1/popsci/notices",        kj_api_popsci_notice,       STAFF,  KJ_API, notice_form, "api_popsci_notices" },
    { KJ_GET,    "/api/v1/popsci/stats",          kj_api_popsci_stats,        STAFF,  KJ_API, NULL, "api_popsci_stats" },
    { KJ_GET,    "/api/v1/popsci/experts",        kj_api_popsci_experts,      SIGNED, KJ_API, NULL, "api_popsci_experts" },
    { KJ_PUT,    "/api/v1/popsci/experts",        kj_api_popsci_experts_put,  SIGNED, KJ_API, experts_api, "api_popsci_experts" },
    { KJ_GET,    "/api/v1/popsci/teams",          kj_api_popsci_teams,        KJ_PUBLIC, KJ_API, NULL, "api_popsci_teams" },
    { KJ_POST,   "/api/v1/popsci/teams",          kj_api_popsci_team_create,  SIGNED, KJ_API, team_api, "api_popsci_teams" },
    { KJ_GET,    "/api/v1/popsci/teams/{id}",     kj_api_popsci_team,         KJ_PUBLIC, KJ_API, NULL, "api_popsci_team" },
    { KJ_POST,   "/api/v1/popsci/teams/{id}/members", kj_api_popsci_team_add, SIGNED, KJ_API, email_fields, "api_popsci_team" },
    { KJ_GET,    "/api/v1/popsci/{id}",           kj_api_popsci_get,          KJ_PUBLIC, KJ_API, NULL, "api_popsci_item" },
    { KJ_PUT,    "/api/v1/popsci/{id}",           kj_api_popsci_edit,         SIGNED, KJ_API, edit_api, "api_popsci_item" },
    { KJ_POST,   "/api/v1/popsci/{id}/review",    kj_api_popsci_review,       SIGNED, KJ_API, review_fields, "api_popsci_review" },
    { KJ_POST,   "/api/v1/popsci/{id}/corrections", kj_api_popsci_correct,    SIGNED, KJ_API, note_fields, "api_popsci_correct" },
    { KJ_POST,   "/api/v1/popsci/{id}/events",    kj_api_popsci_event,        SIGNED, KJ_API, mark_fields, "api_popsci_events" },
    { KJ_GET,    "/api/v1/feed",                  kj_api_feed,                SIGNED, KJ_API, list_fields, "api_feed" },
    { KJ_GET,    "/api/v1/questions",             kj_api_questions,           KJ_PUBLIC, KJ_API, list_fields, "api_questions" },
    { KJ_POST,   "/api/v1/questions",             kj_api_question_create,     SIGNED, KJ_API, ask_fields, "api_questions" },
    { KJ_GET,    "/api/v1/questions/{id}",        kj_api_question,            KJ_PUBLIC, KJ_API, NULL, "api_question" },
    { KJ_POST,   "/api/v1/questions/{id}/answers", kj_api_question_answer,    SIGNED, KJ_API, answer_fields, "api_question_answers" },
    { KJ_POST,   "/api/v1/questions/{id}/publish", kj_api_question_publish,   STAFF,  KJ_API, NULL, "api_question_publish" },
    { KJ_POST,   "/api/v1/answers/{id}/accept",   kj_api_answer_accept,       SIGNED, KJ_API, NULL, "api_answer_accept" },
    { 0, NULL, NULL, 0, 0, NULL, NULL }
};
