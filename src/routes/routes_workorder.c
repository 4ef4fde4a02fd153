/*
 * routes_workorder.c — the work orders' routes (科服保姆 服务工单, issue 14
 * §3): pages and the /api/v1/work-orders resources with their declared
 * inputs. Route-level checks are types and lengths; the workorder domain
 * checks the rest (life-cycle table, roles, centers, ratings).
 */
#include "api/api.h"
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_workorder.h"

static const char *const scopes[] = { "mine", "queue", NULL };
static const char *const states[] = { "new", "accepted", "in_progress", "waiting", "reopened", "resolved", "closed", NULL };

static const kj_field create_fields[] = {
    { "type", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, { "title", KJ_F_TEXT, KJ_REQUIRED, 1, 100, NULL },
    { "description", KJ_F_MULTILINE, KJ_REQUIRED, 1, 5000, NULL }, { "region", KJ_F_TEXT, 0, 0, 12, NULL },
    { "center_id", KJ_F_ID, 0, 0, 0, NULL }, KJ_FIELDS_END };

static const kj_field list_fields[] = {
    { "scope", KJ_F_ENUM, 0, 0, 0, scopes }, { "state", KJ_F_ENUM, 0, 0, 0, states },
    { "type", KJ_F_TEXT, 0, 0, 40, NULL }, { "done", KJ_F_TEXT, 0, 0, 40, NULL }, KJ_FIELDS_END };

#define ACT_FIELDS \
    { "action", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, { "body", KJ_F_MULTILINE, 0, 0, 5000, NULL }, \
    { "assignee", KJ_F_ID, 0, 0, 0, NULL }, { "center_id", KJ_F_ID, 0, 0, 0, NULL }, \
    { "rating", KJ_F_INT, 0, 1, 5, NULL }, { "comment", KJ_F_MULTILINE, 0, 0, 2000, NULL }, \
    { "reason", KJ_F_MULTILINE, 0, 0, 2000, NULL }

static const kj_field api_act_fields[] = { ACT_FIELDS, { "listing", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
/* The page's 代发布 form sends the demand's fields flat. */
static const kj_field page_act_fields[] = {
    ACT_FIELDS, { "l_title", KJ_F_TEXT, 0, 0, 100, NULL }, { "l_summary", KJ_F_MULTILINE, 0, 0, 500, NULL },
    { "l_description", KJ_F_MULTILINE, 0, 0, 20000, NULL }, { "l_domain", KJ_F_TEXT, 0, 0, 10, NULL },
    { "l_region", KJ_F_TEXT, 0, 0, 12, NULL }, { "l_valid_until", KJ_F_DATE, 0, 0, 0, NULL },
    { "l_deadline", KJ_F_DATE, 0, 0, 0, NULL }, { "l_coop_modes", KJ_F_LIST, 0, 0, 40, NULL },
    { "l_indicators", KJ_F_MULTILINE, 0, 0, 5000, NULL }, KJ_FIELDS_END };

static const kj_field attach_fields[] = { { "internal", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };

#define SIGNED KJ_SIGNED_IN
#define API KJ_API
#define WO "/api/v1/work-orders/{id}"

const kj_route kj_routes_workorder[] = {
    { KJ_GET,  "/work-orders",                    kj_page_workorders,         SIGNED,   0, list_fields, "workorders" },
    { KJ_POST, "/work-orders",                    kj_page_workorder_create,   SIGNED,   0, create_fields, "workorder_new" },
    { KJ_GET,  "/work-orders/new",                kj_page_workorder_new,      SIGNED,   0, NULL, "workorder_new" },
    { KJ_GET,  "/work-orders/queue",              kj_page_workorder_queue,    KJ_STAFF, 0, list_fields, "workorder_queue" },
    { KJ_GET,  "/work-orders/{id}",               kj_page_workorder,          SIGNED,   0, NULL, "workorder" },
    { KJ_POST, "/work-orders/{id}/act",           kj_page_workorder_act,      SIGNED,   0, page_act_fields, "workorder_act" },
    { KJ_POST, "/work-orders/{id}/attachments",   kj_page_workorder_attach,   SIGNED,   KJ_UPLOAD, attach_fields, "workorder_attach" },
    { KJ_GET,  "/work-orders/{id}/files/{att}",   kj_page_workorder_file,     SIGNED,   0, NULL, "workorder_file" },

    { KJ_POST, "/api/v1/work-orders",             kj_api_workorder_create,    SIGNED,   API, create_fields, "api_workorders" },
    { KJ_GET,  "/api/v1/work-orders",             kj_api_workorders,          SIGNED,   API, list_fields, "api_workorders" },
    { KJ_GET,  "/api/v1/work-orders/lifecycle",   kj_api_workorder_lifecycle, KJ_PUBLIC, API, NULL, "api_workorder_lifecycle" },
    { KJ_GET,  WO,                                kj_api_workorder,           SIGNED,   API, NULL, "api_workorder" },
    { KJ_POST, WO "/actions",                     kj_api_workorder_act,       SIGNED,   API, api_act_fields, "api_workorder_act" },
    { KJ_POST, WO "/attachments",                 kj_api_workorder_attach,    SIGNED,   API | KJ_UPLOAD, attach_fields, "api_workorder_attach" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
