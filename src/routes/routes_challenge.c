/*
 * routes_challenge.c — the challenge lists' routes (揭榜挂帅): public list
 * and entry pages, forms, and the /api/v1 resources, with their declared
 * inputs. Route-level checks are types and lengths; the challenge domain
 * checks the rest (life-cycle table, deadlines, roles, ranges).
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/pages_challenge.h"

static const char *const directions[] = { "tech_wanted", "market_wanted", NULL };
static const char *const ip_terms[] = { "applicant_keeps", "nonexclusive_licence", "exclusive_licence", "transfer", NULL };
static const char *const grades[] = { "excellent", "good", "pass", "fail", NULL };
static const char *const decisions[] = { "accept", "return", NULL };

static const kj_field list_fields[] = {
    { "title", KJ_F_TEXT, KJ_REQUIRED, 1, 100, NULL }, { "description", KJ_F_MULTILINE, 0, 0, 5000, NULL },
    { "period_start", KJ_F_DATE, KJ_REQUIRED, 0, 0, NULL }, { "period_end", KJ_F_DATE, KJ_REQUIRED, 0, 0, NULL },
    KJ_FIELDS_END };

#define ENTRY_FIELDS \
    { "direction", KJ_F_ENUM, 0, 0, 0, directions }, { "title", KJ_F_TEXT, 0, 0, 100, NULL }, \
    { "domain", KJ_F_TEXT, 0, 0, 10, NULL }, { "problem", KJ_F_MULTILINE, 0, 0, 5000, NULL }, \
    { "difficulties", KJ_F_MULTILINE, 0, 0, 5000, NULL }, { "deliverables", KJ_F_MULTILINE, 0, 0, 2000, NULL }, \
    { "bounty", KJ_F_TEXT, 0, 0, 20, NULL }, { "payment_terms", KJ_F_MULTILINE, 0, 0, 1000, NULL }, \
    { "task_period", KJ_F_TEXT, 0, 0, 100, NULL }, { "eligibility", KJ_F_MULTILINE, 0, 0, 1000, NULL }, \
    { "ip_terms", KJ_F_ENUM, 0, 0, 0, ip_terms }, { "deadline", KJ_F_DATE, 0, 0, 0, NULL }, \
    { "contact", KJ_F_TEXT, 0, 0, 200, NULL }, { "org_id", KJ_F_ID, 0, 0, 0, NULL }

static const kj_field api_entry_fields[] = { ENTRY_FIELDS, { "indicators", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field page_entry_fields[] = { ENTRY_FIELDS, { "indicators", KJ_F_MULTILINE, 0, 0, 5000, NULL }, KJ_FIELDS_END };

#define ACT_FIELDS \
    { "action", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, { "reason", KJ_F_MULTILINE, 0, 0, 2000, NULL }, \
    { "winners", KJ_F_LIST, 0, 0, 100, NULL }, { "publicity_days", KJ_F_INT, 0, 1, 30, NULL }, \
    { "grade", KJ_F_ENUM, 0, 0, 0, grades }

static const kj_field api_act_fields[] = { ACT_FIELDS, { "agreement", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field page_act_fields[] = {
    ACT_FIELDS, { "parties", KJ_F_TEXT, 0, 0, 500, NULL }, { "amount", KJ_F_TEXT, 0, 0, 20, NULL },
    { "milestones", KJ_F_MULTILINE, 0, 0, 5000, NULL }, KJ_FIELDS_END };

static const kj_field app_fields[] = {
    { "team", KJ_F_MULTILINE, 0, 0, 3000, NULL }, { "approach", KJ_F_MULTILINE, 0, 0, 10000, NULL },
    { "indicator_plan", KJ_F_MULTILINE, 0, 0, 5000, NULL }, { "schedule", KJ_F_MULTILINE, 0, 0, 3000, NULL },
    { "budget", KJ_F_TEXT, 0, 0, 20, NULL }, { "studio_id", KJ_F_ID, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field reviewer_fields[] = {
    { "reviewers", KJ_F_LIST, KJ_REQUIRED, 0, 100, NULL }, { "rubric", KJ_F_JSON, KJ_REQUIRED, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field declare_fields[] = {
    { "conflict", KJ_F_BOOL, 0, 0, 0, NULL }, { "note", KJ_F_MULTILINE, 0, 0, 1000, NULL }, KJ_FIELDS_END };
static const kj_field score_fields[] = {
    { "scores", KJ_F_JSON, KJ_REQUIRED, 0, 0, NULL }, { "comment", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };
static const kj_field objection_fields[] = { { "body", KJ_F_MULTILINE, KJ_REQUIRED, 1, 5000, NULL }, KJ_FIELDS_END };
static const kj_field answer_fields[] = { { "answer", KJ_F_MULTILINE, KJ_REQUIRED, 1, 5000, NULL }, KJ_FIELDS_END };
static const kj_field report_fields[] = {
    { "report", KJ_F_MULTILINE, KJ_REQUIRED, 1, 10000, NULL }, { "evidence", KJ_F_MULTILINE, 0, 0, 5000, NULL }, KJ_FIELDS_END };
static const kj_field decision_fields[] = {
    { "decision", KJ_F_ENUM, KJ_REQUIRED, 0, 0, decisions }, { "reason", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };

static const kj_field page_reviewer_fields[] = {
    { "reviewers", KJ_F_LIST, 0, 0, 100, NULL }, { "rubric", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };
static const kj_field page_score_fields[] = {
    { "scores", KJ_F_LIST, 0, 0, 20, NULL }, { "comment", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };

#define SIGNED KJ_SIGNED_IN
#define API KJ_API
/* The lists' origin filter (federation: local|remote|<instance id>). */
static const kj_field origin_fields[] = { { "origin", KJ_F_TEXT, 0, 0, 40, NULL }, KJ_FIELDS_END };

#define CH "/api/v1/challenges/{id}"

const kj_route kj_routes_challenge[] = {
    { KJ_GET,  "/challenge-lists",                kj_page_challenge_lists,       KJ_PUBLIC, 0, origin_fields, "challenge_lists" },
    { KJ_POST, "/challenge-lists",                kj_page_challenge_list_create, KJ_STAFF,  0, list_fields, "challenge_lists" },
    { KJ_GET,  "/challenge-lists/{id}",           kj_page_challenge_list,        KJ_PUBLIC, 0, NULL, "challenge_list" },
    { KJ_GET,  "/challenge-lists/{id}/new",       kj_page_challenge_new,         KJ_PUBLISHER,    0, NULL, "challenge_new" },
    { KJ_POST, "/challenge-lists/{id}/challenges", kj_page_challenge_create,     KJ_PUBLISHER,    0, page_entry_fields, "challenge_new" },
    { KJ_GET,  "/challenges/{id}",                kj_page_challenge,             KJ_PUBLIC, 0, NULL, "challenge" },
    { KJ_GET,  "/challenges/{id}/edit",           kj_page_challenge_edit,        SIGNED,    0, NULL, "challenge_edit" },
    { KJ_POST, "/challenges/{id}/edit",           kj_page_challenge_update,      SIGNED,    0, page_entry_fields, "challenge_edit" },
    { KJ_POST, "/challenges/{id}/applications/{app}", kj_page_challenge_app_update, SIGNED, 0, app_fields, "challenge_app_edit" },
    { KJ_POST, "/challenges/{id}/applications/{app}/attachments", kj_page_challenge_app_attach, SIGNED, KJ_UPLOAD, NULL, "challenge_app_attach" },
    { KJ_POST, "/challenges/{id}/applications/{app}/attachments/{att}/delete", kj_page_challenge_app_detach, SIGNED, 0, NULL, "challenge_app_detach" },
    { KJ_GET,  "/challenges/{id}/files/{att}",    kj_page_challenge_file,        SIGNED,    0, NULL, "challenge_file" },
    { KJ_POST, "/challenges/{id}/act",            kj_page_challenge_act,         SIGNED,    0, page_act_fields, "challenge_act" },
    { KJ_POST, "/challenges/{id}/apply",          kj_page_challenge_apply,       KJ_PUBLISHER,    0, app_fields, "challenge_apply" },
    { KJ_POST, "/challenges/{id}/objections",     kj_page_challenge_object,      SIGNED,    0, objection_fields, "challenge_object" },
    { KJ_POST, "/challenges/{id}/objections/{ob}/answer", kj_page_challenge_answer, KJ_STAFF, 0, answer_fields, "challenge_answer" },
    { KJ_POST, "/challenges/{id}/reviewers",      kj_page_challenge_reviewers,   SIGNED,    0, page_reviewer_fields, "challenge_reviewers" },
    { KJ_POST, "/challenges/{id}/declaration",    kj_page_challenge_declare,     SIGNED,    0, declare_fields, "challenge_declare" },
    { KJ_POST, "/challenges/{id}/applications/{app}/score", kj_page_challenge_score, SIGNED, 0, page_score_fields, "challenge_score" },
    { KJ_POST, "/challenges/{id}/applications/{app}/withdraw", kj_page_challenge_withdraw, SIGNED, 0, NULL, "challenge_withdraw" },
    { KJ_POST, "/challenges/{id}/milestones/{m}/report", kj_page_challenge_report, SIGNED,   0, report_fields, "challenge_report" },
    { KJ_POST, "/challenges/{id}/milestones/{m}/decision", kj_page_challenge_decide, SIGNED, 0, decision_fields, "challenge_decide" },

    { KJ_GET,  "/api/v1/challenge-lists",         kj_api_challenge_lists,        KJ_PUBLIC, API, origin_fields, "api_challenge_lists" },
    { KJ_POST, "/api/v1/challenge-lists",         kj_api_challenge_list_create,  KJ_STAFF,  API, list_fields, "api_challenge_lists" },
    { KJ_GET,  "/api/v1/challenge-lists/{id}",    kj_api_challenge_list,         KJ_PUBLIC, API, NULL, "api_challenge_list" },
    { KJ_POST, "/api/v1/challenge-lists/{id}/challenges", kj_api_challenge_create, KJ_PUBLISHER,  API, api_entry_fields, "api_challenge_create" },
    { KJ_GET,  "/api/v1/challenges/lifecycle",    kj_api_challenge_lifecycle,    KJ_PUBLIC, API, NULL, "api_challenge_lifecycle" },
    { KJ_GET,  CH,                                kj_api_challenge,              KJ_PUBLIC, API, NULL, "api_challenge" },
    { KJ_PATCH, CH,                               kj_api_challenge_patch,        SIGNED,    API, api_entry_fields, "api_challenge" },
    { KJ_POST, CH "/actions",                     kj_api_challenge_act,          SIGNED,    API, api_act_fields, "api_challenge_act" },
    { KJ_GET,  CH "/applications",                kj_api_challenge_applications, SIGNED,    API, NULL, "api_challenge_applications" },
    { KJ_POST, CH "/applications",                kj_api_challenge_apply,        KJ_PUBLISHER,    API, app_fields, "api_challenge_applications" },
    { KJ_GET,  CH "/applications/{app}",          kj_api_challenge_application,  SIGNED,    API, NULL, "api_challenge_application" },
    { KJ_PATCH, CH "/applications/{app}",         kj_api_challenge_application_patch, SIGNED, API, app_fields, "api_challenge_application" },
    { KJ_POST, CH "/applications/{app}/withdraw", kj_api_challenge_application_withdraw, SIGNED, API, NULL, "api_challenge_withdraw" },
    { KJ_POST, CH "/applications/{app}/attachments", kj_api_challenge_app_attach, SIGNED,  API | KJ_UPLOAD, NULL, "api_challenge_app_attach" },
    { KJ_DELETE, CH "/applications/{app}/attachments/{att}", kj_page_challenge_app_detach, SIGNED, API, NULL, "api_challenge_app_detach" },
    { KJ_POST, CH "/applications/{app}/scores",   kj_api_challenge_score,        SIGNED,    API, score_fields, "api_challenge_score" },
    { KJ_PUT,  CH "/reviewers",                   kj_api_challenge_reviewers,    SIGNED,    API, reviewer_fields, "api_challenge_reviewers" },
    { KJ_GET,  CH "/reviews",                     kj_api_challenge_reviews,      SIGNED,    API, NULL, "api_challenge_reviews" },
    { KJ_POST, CH "/reviews/declaration",         kj_api_challenge_declare,      SIGNED,    API, declare_fields, "api_challenge_declare" },
    { KJ_GET,  CH "/objections",                  kj_api_challenge_objections,   KJ_PUBLIC, API, NULL, "api_challenge_objections" },
    { KJ_POST, CH "/objections",                  kj_api_challenge_object,       SIGNED,    API, objection_fields, "api_challenge_objections" },
    { KJ_POST, CH "/objections/{ob}/answer",      kj_api_challenge_answer,       KJ_STAFF,  API, answer_fields, "api_challenge_answer" },
    { KJ_GET,  CH "/milestones",                  kj_api_challenge_milestones,   KJ_PUBLIC, API, NULL, "api_challenge_milestones" },
    { KJ_POST, CH "/milestones/{m}/report",       kj_api_challenge_milestone_report, SIGNED, API, report_fields, "api_challenge_milestone" },
    { KJ_POST, CH "/milestones/{m}/decision",     kj_api_challenge_milestone_decide, SIGNED, API, decision_fields, "api_challenge_milestone" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
