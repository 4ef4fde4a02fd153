/*
 * routes_event.c — the events' routes (科创会, 对接会, roadshows, issue 19):
 * pages and the /api/v1/events resources with their declared inputs.
 * Route-level checks are types and lengths; the event domain checks the
 * rest (life-cycle tables, organizers, capacity, slots, countries, times).
 */
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_event.h"

static const char *const whens[] = { "upcoming", "past", NULL };
static const char *const approvals[] = { "auto", "manual", NULL };
static const char *const kinds[] = { "talk", "roadshow", "matchmaking", NULL };
static const char *const outcomes[] = { "no_interest", "follow_up", "intention", NULL };
static const char *const scopes[] = { "mine", "all", NULL };
static const char *const sources[] = { "listing", "challenge", "new", NULL };
static const char *const formats[] = { "json", "xlsx", NULL };

/* A local time of the event's zone, "YYYY-MM-DDTHH:MM" (the domain parses it). */
#define LOCAL(name, flags) { name, KJ_F_TEXT, flags, 0, 16, NULL }

#define EVENT_FIELDS                                                                                                            \
    { "center_id", KJ_F_ID, 0, 0, 0, NULL }, { "name_zh", KJ_F_TEXT, KJ_REQUIRED, 1, 120, NULL },                              \
    { "name_en", KJ_F_TEXT, 0, 0, 120, NULL }, { "summary_zh", KJ_F_MULTILINE, 0, 0, 5000, NULL },                             \
    { "summary_en", KJ_F_MULTILINE, 0, 0, 5000, NULL }, { "venue", KJ_F_TEXT, 0, 0, 200, NULL },                               \
    { "online", KJ_F_BOOL, 0, 0, 0, NULL }, { "online_url", KJ_F_TEXT, 0, 0, 500, NULL }, { "region", KJ_F_TEXT, 0, 0, 12, NULL }, \
    { "time_zone", KJ_F_TEXT, 0, 0, 64, NULL }, LOCAL("starts_at", KJ_REQUIRED), LOCAL("ends_at", KJ_REQUIRED),                \
    { "capacity", KJ_F_INT, 0, 0, 100000, NULL }, { "approval", KJ_F_ENUM, 0, 0, 0, approvals }, LOCAL("meeting_start", 0),   \
    { "slot_minutes", KJ_F_INT, 0, 5, 120, NULL }, { "slots", KJ_F_INT, 0, 0, 48, NULL }, { "tables", KJ_F_INT, 0, 0, 200, NULL }

static const kj_field api_event_fields[] = { EVENT_FIELDS, { "sections", KJ_F_JSON, 0, 0, 0, NULL },
                                             { "questions", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
/* The page's form: sections and questions one per line ("中文 | English"). */
static const kj_field page_event_fields[] = { EVENT_FIELDS, { "sections_text", KJ_F_MULTILINE, 0, 0, 4000, NULL },
                                              { "questions_text", KJ_F_MULTILINE, 0, 0, 4000, NULL }, KJ_FIELDS_END };

/* Editing: every field optional (only those given change). */
#define EVENT_EDIT_FIELDS                                                                                                       \
    { "name_zh", KJ_F_TEXT, 0, 1, 120, NULL }, { "name_en", KJ_F_TEXT, 0, 0, 120, NULL },                                      \
    { "summary_zh", KJ_F_MULTILINE, 0, 0, 5000, NULL }, { "summary_en", KJ_F_MULTILINE, 0, 0, 5000, NULL },                      \
    { "venue", KJ_F_TEXT, 0, 0, 200, NULL }, { "online", KJ_F_BOOL, 0, 0, 0, NULL }, { "online_url", KJ_F_TEXT, 0, 0, 500, NULL }, \
    { "region", KJ_F_TEXT, 0, 0, 12, NULL }, { "time_zone", KJ_F_TEXT, 0, 0, 64, NULL }, LOCAL("starts_at", 0), LOCAL("ends_at", 0), \
    { "capacity", KJ_F_INT, 0, 0, 100000, NULL }, { "approval", KJ_F_ENUM, 0, 0, 0, approvals }, LOCAL("meeting_start", 0),     \
    { "slot_minutes", KJ_F_INT, 0, 5, 120, NULL }, { "slots", KJ_F_INT, 0, 0, 48, NULL }, { "tables", KJ_F_INT, 0, 0, 200, NULL }
static const kj_field api_event_edit_fields[] = { EVENT_EDIT_FIELDS, { "questions", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field page_event_edit_fields[] = { EVENT_EDIT_FIELDS, KJ_FIELDS_END };
static const kj_field reason_fields[] = { { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL }, KJ_FIELDS_END };
static const kj_field section_fields[] = { { "name_zh", KJ_F_TEXT, 0, 1, 100, NULL }, { "name_en", KJ_F_TEXT, 0, 0, 100, NULL }, KJ_FIELDS_END };

static const kj_field list_fields[] = { { "when", KJ_F_ENUM, 0, 0, 0, whens }, { "limit", KJ_F_INT, 0, 1, 200, NULL },
                                        { "region", KJ_F_TEXT, 0, 0, 32, NULL }, KJ_FIELDS_END };
/* The list page's region filter (the home region by default, web/home_region.h). */
static const kj_field page_list_fields[] = { { "region", KJ_F_TEXT, 0, 0, 32, NULL }, KJ_FIELDS_END };
static const kj_field action_fields[] = { { "action", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, { "back", KJ_F_TEXT, 0, 0, 10, NULL },
                                          { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL }, KJ_FIELDS_END };
static const kj_field session_fields[] = {
    { "section_id", KJ_F_TEXT, 0, 0, 26, NULL }, { "kind", KJ_F_ENUM, 0, 0, 0, kinds }, { "title_zh", KJ_F_TEXT, KJ_REQUIRED, 1, 200, NULL },
    { "title_en", KJ_F_TEXT, 0, 0, 200, NULL }, { "room", KJ_F_TEXT, 0, 0, 100, NULL }, { "speakers", KJ_F_TEXT, 0, 0, 500, NULL },
    { "description", KJ_F_MULTILINE, 0, 0, 5000, NULL }, LOCAL("starts_at", KJ_REQUIRED), LOCAL("ends_at", KJ_REQUIRED), KJ_FIELDS_END };

static const kj_field session_edit_fields[] = {
    { "section_id", KJ_F_TEXT, 0, 0, 26, NULL }, { "kind", KJ_F_ENUM, 0, 0, 0, kinds }, { "title_zh", KJ_F_TEXT, 0, 1, 200, NULL },
    { "title_en", KJ_F_TEXT, 0, 0, 200, NULL }, { "room", KJ_F_TEXT, 0, 0, 100, NULL }, { "speakers", KJ_F_TEXT, 0, 0, 500, NULL },
    { "description", KJ_F_MULTILINE, 0, 0, 5000, NULL }, LOCAL("starts_at", 0), LOCAL("ends_at", 0), KJ_FIELDS_END };

#define REG_FIELDS { "org_name", KJ_F_TEXT, 0, 0, 100, NULL }, { "country", KJ_F_TEXT, KJ_REQUIRED, 1, 2, NULL }
static const kj_field api_register_fields[] = { REG_FIELDS, { "answers", KJ_F_JSON, 0, 0, 0, NULL }, { "sections", KJ_F_JSON, 0, 0, 0, NULL },
                                                KJ_FIELDS_END };
#define ANSWER(n) { "answer_" #n, KJ_F_MULTILINE, 0, 0, 1000, NULL }
static const kj_field page_register_fields[] = { REG_FIELDS, { "sections", KJ_F_LIST, 0, 0, 26, NULL }, ANSWER(1), ANSWER(2), ANSWER(3),
                                                 ANSWER(4), ANSWER(5), ANSWER(6), ANSWER(7), ANSWER(8), ANSWER(9), ANSWER(10), KJ_FIELDS_END };

static const kj_field api_showcase_fields[] = { { "listings", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field page_showcase_fields[] = { { "listings", KJ_F_LIST, 0, 0, 26, NULL }, KJ_FIELDS_END };
static const kj_field meetings_fields[] = { { "scope", KJ_F_ENUM, 0, 0, 0, scopes }, { "done", KJ_F_TEXT, 0, 0, 40, NULL }, KJ_FIELDS_END };
static const kj_field request_fields[] = { { "invitee_id", KJ_F_TEXT, KJ_REQUIRED, 1, 26, NULL }, { "listing_id", KJ_F_TEXT, 0, 0, 26, NULL },
                                           { "message", KJ_F_MULTILINE, 0, 0, 500, NULL }, { "slot", KJ_F_INT, 0, -1000, 1000, NULL },
                                           KJ_FIELDS_END };
static const kj_field meeting_act_fields[] = { { "action", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, { "outcome", KJ_F_ENUM, 0, 0, 0, outcomes },
                                               { "note", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };
static const kj_field checkin_fields[] = { { "code", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, KJ_FIELDS_END };
static const kj_field publish_fields[] = { { "publish", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field suggest_fields[] = { { "limit", KJ_F_INT, 0, 1, 50, NULL }, KJ_FIELDS_END };
static const kj_field report_fields[] = { { "format", KJ_F_ENUM, 0, 0, 0, formats }, KJ_FIELDS_END };
static const kj_field project_fields[] = { { "source_kind", KJ_F_ENUM, KJ_REQUIRED, 0, 0, sources }, { "source_id", KJ_F_TEXT, 0, 0, 26, NULL },
                                           { "title", KJ_F_TEXT, 0, 0, 200, NULL }, { "summary", KJ_F_MULTILINE, 0, 0, 2000, NULL },
                                           { "domain", KJ_F_TEXT, 0, 0, 10, NULL }, KJ_FIELDS_END };
/* Checked by the domain after the organizer test (kj_event_review_setup). */
static const kj_field review_fields[] = { { "reviewers", KJ_F_JSON, 0, 0, 0, NULL }, { "rubric", KJ_F_JSON, 0, 0, 0, NULL },
                                          KJ_FIELDS_END };
static const kj_field score_fields[] = { { "scores", KJ_F_JSON, KJ_REQUIRED, 0, 0, NULL }, { "comment", KJ_F_MULTILINE, 0, 0, 2000, NULL },
                                         KJ_FIELDS_END };
static const kj_field place_fields[] = { { "action", KJ_F_TEXT, 0, 0, 20, NULL }, { "session_id", KJ_F_TEXT, 0, 0, 26, NULL },
                                         { "position", KJ_F_INT, 0, 1, 200, NULL }, LOCAL("slot_start", 0), LOCAL("slot_end", 0), KJ_FIELDS_END };

/* The page forms of the roadshow: reviewers as checkboxes, the rubric one
 * criterion a line ("name | weight | max"), scores one field a criterion. */
static const kj_field page_review_fields[] = { { "reviewers", KJ_F_LIST, 0, 0, 26, NULL }, { "rubric_text", KJ_F_MULTILINE, 0, 0, 2000, NULL },
                                               KJ_FIELDS_END };
#define SCORE(n) { "score_" #n, KJ_F_INT, 0, 0, 100, NULL }
static const kj_field page_score_fields[] = { SCORE(0), SCORE(1), SCORE(2), SCORE(3), SCORE(4), SCORE(5), SCORE(6), SCORE(7), SCORE(8),
                                              SCORE(9), { "comment", KJ_F_MULTILINE, 0, 0, 2000, NULL }, KJ_FIELDS_END };

#define SIGNED KJ_SIGNED_IN
#define API KJ_API
#define EV "/events/{id}"
#define AEV "/api/v1/events/{id}"

const kj_route kj_routes_event[] = {
    { KJ_GET,  "/events",                          kj_page_events,                KJ_PUBLIC, 0, page_list_fields, "events" },
    { KJ_GET,  "/events/feed.atom",                kj_page_events_atom,           KJ_PUBLIC, 0, NULL, "events_atom" },
    { KJ_GET,  "/events/new",                      kj_page_event_new,             KJ_STAFF,  0, NULL, "event_new" },
    { KJ_POST, "/events",                          kj_page_event_create,          KJ_STAFF,  0, page_event_fields, "event_new" },
    { KJ_GET,  EV,                                 kj_page_event,                 KJ_PUBLIC, 0, NULL, "event" },
    { KJ_POST, EV "/act",                          kj_page_event_act,             KJ_STAFF,  0, action_fields, "event_act" },
    { KJ_POST, EV "/sessions",                     kj_page_event_session_add,     KJ_STAFF,  0, session_fields, "event_sessions" },
    { KJ_GET,  EV "/edit",                         kj_page_event_edit_form,       KJ_STAFF,  0, NULL, "event_edit" },
    { KJ_POST, EV "/edit",                         kj_page_event_edit,            KJ_STAFF,  0, page_event_edit_fields, "event_edit" },
    { KJ_POST, EV "/delete",                       kj_page_event_delete,          KJ_STAFF,  0, reason_fields, "event_delete" },
    { KJ_POST, EV "/sections",                     kj_page_event_section_add,     KJ_STAFF,  0, section_fields, "event_sections" },
    { KJ_POST, EV "/sections/{s}/edit",            kj_page_event_section_edit,    KJ_STAFF,  0, section_fields, "event_section_edit" },
    { KJ_POST, EV "/sections/{s}/delete",          kj_page_event_section_delete,  KJ_STAFF,  0, NULL, "event_section_delete" },
    { KJ_GET,  EV "/sessions/{s}/edit",            kj_page_event_session_edit_form, KJ_STAFF, 0, NULL, "event_session_edit" },
    { KJ_POST, EV "/sessions/{s}/edit",            kj_page_event_session_edit,    KJ_STAFF,  0, session_edit_fields, "event_session_edit" },
    { KJ_POST, EV "/sessions/{s}/delete",          kj_page_event_session_delete,  KJ_STAFF,  0, NULL, "event_session_delete" },
    { KJ_GET,  EV "/register",                     kj_page_event_register_form,   SIGNED,    0, NULL, "event_register" },
    { KJ_POST, EV "/register",                     kj_page_event_register,        SIGNED,    0, page_register_fields, "event_register" },
    { KJ_GET,  EV "/registrations",                kj_page_event_registrations,   KJ_STAFF,  0, NULL, "event_registrations" },
    { KJ_POST, EV "/registrations/{r}/act",        kj_page_event_reg_act,         SIGNED,    0, action_fields, "event_reg_act" },
    { KJ_POST, EV "/publish-results",              kj_page_event_publish_results, SIGNED,    0, publish_fields, "event_publish" },
    { KJ_GET,  EV "/participants",                 kj_page_event_participants,    SIGNED,    0, NULL, "event_participants" },
    { KJ_POST, EV "/showcase",                     kj_page_event_showcase,        SIGNED,    0, page_showcase_fields, "event_showcase" },
    { KJ_GET,  EV "/meetings",                     kj_page_event_meetings,        SIGNED,    0, meetings_fields, "event_meetings" },
    { KJ_POST, EV "/meetings",                     kj_page_event_meeting_request, SIGNED,    0, request_fields, "event_meetings" },
    { KJ_POST, EV "/meetings/{m}/act",             kj_page_event_meeting_act,     SIGNED,    0, meeting_act_fields, "event_meeting_act" },
    { KJ_GET,  EV "/agenda",                       kj_page_event_agenda,          SIGNED,    0, NULL, "event_agenda" },
    { KJ_GET,  EV "/agenda.ics",                   kj_page_event_agenda_ics,      SIGNED,    0, NULL, "event_agenda_ics" },
    { KJ_GET,  EV "/ticket",                       kj_page_event_ticket,          SIGNED,    0, NULL, "event_ticket" },
    { KJ_GET,  EV "/ticket.svg",                   kj_page_event_ticket_svg,      SIGNED,    0, NULL, "event_ticket_svg" },
    { KJ_GET,  EV "/checkin",                      kj_page_event_checkin_form,    KJ_STAFF,  0, NULL, "event_checkin" },
    { KJ_POST, EV "/checkin",                      kj_page_event_checkin,         KJ_STAFF,  0, checkin_fields, "event_checkin" },
    { KJ_GET,  EV "/report",                       kj_page_event_report,          KJ_STAFF,  0, NULL, "event_report" },
    { KJ_GET,  EV "/report.xlsx",                  kj_page_event_report_xlsx,     KJ_STAFF,  0, NULL, "event_report_xlsx" },
    { KJ_GET,  EV "/projects",                     kj_page_event_projects,        KJ_PUBLIC, 0, NULL, "event_projects" },
    { KJ_POST, EV "/projects",                     kj_page_event_project_submit,  SIGNED,    0, project_fields, "event_projects" },
    { KJ_POST, EV "/review",                       kj_page_event_review_setup,    KJ_STAFF,  0, page_review_fields, "event_review" },
    { KJ_POST, EV "/projects/{p}/score",           kj_page_event_project_score,   SIGNED,    0, page_score_fields, "event_project_score" },
    { KJ_POST, EV "/projects/{p}/place",           kj_page_event_project_place,   KJ_STAFF,  0, place_fields, "event_project_place" },

    { KJ_GET,  "/api/v1/events",                   kj_api_events,                 KJ_PUBLIC, API, list_fields, "api_events" },
    { KJ_POST, "/api/v1/events",                   kj_api_event_create,           KJ_STAFF,  API, api_event_fields, "api_events" },
    { KJ_GET,  "/api/v1/events/lifecycle",         kj_api_event_lifecycle,        KJ_PUBLIC, API, NULL, "api_event_lifecycle" },
    { KJ_GET,  AEV,                                kj_api_event,                  KJ_PUBLIC, API, NULL, "api_event" },
    { KJ_PATCH, AEV,                               kj_api_event_patch,            KJ_STAFF,  API, api_event_edit_fields, "api_event" },
    { KJ_DELETE, AEV,                              kj_api_event_delete,           KJ_STAFF,  API, reason_fields, "api_event" },
    { KJ_PATCH, AEV "/sessions/{s}",               kj_api_event_session_patch,    KJ_STAFF,  API, session_edit_fields, "api_event_session" },
    { KJ_DELETE, AEV "/sessions/{s}",              kj_api_event_session_delete,   KJ_STAFF,  API, NULL, "api_event_session" },
    { KJ_POST, AEV "/sections",                    kj_api_event_section_add,      KJ_STAFF,  API, section_fields, "api_event_sections" },
    { KJ_PATCH, AEV "/sections/{s}",               kj_api_event_section_patch,    KJ_STAFF,  API, section_fields, "api_event_section" },
    { KJ_DELETE, AEV "/sections/{s}",              kj_api_event_section_delete,   KJ_STAFF,  API, NULL, "api_event_section" },
    { KJ_POST, AEV "/actions",                     kj_api_event_act,              KJ_STAFF,  API, action_fields, "api_event_act" },
    { KJ_POST, AEV "/sessions",                    kj_api_event_sessions,         KJ_STAFF,  API, session_fields, "api_event_sessions" },
    { KJ_GET,  AEV "/registrations",               kj_api_event_registrations,    KJ_STAFF,  API, NULL, "api_event_registrations" },
    { KJ_POST, AEV "/registrations",               kj_api_event_register,         SIGNED,    API, api_register_fields, "api_event_registrations" },
    { KJ_POST, AEV "/registrations/{r}/actions",   kj_api_event_reg_act,          SIGNED,    API, action_fields, "api_event_reg_act" },
    { KJ_GET,  AEV "/participants",                kj_api_event_participants,     SIGNED,    API, NULL, "api_event_participants" },
    { KJ_GET,  AEV "/suggestions",                 kj_api_event_suggestions,      SIGNED,    API, suggest_fields, "api_event_suggestions" },
    { KJ_PUT,  AEV "/showcase",                    kj_api_event_showcase,         SIGNED,    API, api_showcase_fields, "api_event_showcase" },
    { KJ_GET,  AEV "/meetings",                    kj_api_event_meetings,         SIGNED,    API, meetings_fields, "api_event_meetings" },
    { KJ_POST, AEV "/meetings",                    kj_api_event_meeting_request,  SIGNED,    API, request_fields, "api_event_meetings" },
    { KJ_POST, AEV "/meetings/{m}/actions",        kj_api_event_meeting_act,      SIGNED,    API, meeting_act_fields, "api_event_meeting_act" },
    { KJ_GET,  AEV "/agenda",                      kj_api_event_agenda,           SIGNED,    API, NULL, "api_event_agenda" },
    { KJ_GET,  AEV "/agenda.ics",                  kj_api_event_agenda_ics,       SIGNED,    API, NULL, "api_event_agenda_ics" },
    { KJ_POST, AEV "/checkins",                    kj_api_event_checkin,          KJ_STAFF,  API, checkin_fields, "api_event_checkins" },
    { KJ_GET,  AEV "/report",                      kj_api_event_report,           KJ_STAFF,  API, report_fields, "api_event_report" },
    { KJ_GET,  AEV "/projects",                    kj_api_event_projects,         KJ_PUBLIC, API, NULL, "api_event_projects" },
    { KJ_POST, AEV "/projects",                    kj_api_event_project_submit,   SIGNED,    API, project_fields, "api_event_projects" },
    { KJ_PUT,  AEV "/review",                      kj_api_event_review_setup,     KJ_STAFF,  API, review_fields, "api_event_review" },
    { KJ_POST, AEV "/projects/{p}/scores",         kj_api_event_project_score,    SIGNED,    API, score_fields, "api_event_project_score" },
    { KJ_POST, AEV "/projects/{p}/placement",      kj_api_event_project_place,    KJ_STAFF,  API, place_fields, "api_event_project_place" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
