/*
 * routes_search.c — search, suggestions, matches and alerts.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "web/filter_fields.h"
#include "api/api.h"
#include "web/pages_search.h"

static const char *const kinds[] = { "achievement", "service", "demand", "studio", NULL };
static const char *const sub_kinds[] = { "search", "matches", NULL };

/* The query may be long or odd: it is analyzed, never pasted into FTS5. */
#define SEARCH_FIELDS \
    { "q", KJ_F_TEXT, 0, 0, 10000, NULL }, \
    { "exact", KJ_F_BOOL, 0, 0, 0, NULL }, \
    { "kind", KJ_F_ENUM, 0, 0, 0, kinds }, \
    KJ_FILTER_FIELDS \
    { "page", KJ_F_INT, 0, 1, 1000, NULL }, \
    { "per_page", KJ_F_INT, 0, 1, 100, NULL }

static const kj_field search_fields[] = { SEARCH_FIELDS, KJ_FIELDS_END };
static const kj_field suggest_fields[] = { { "q", KJ_F_TEXT, 0, 0, 100, NULL }, KJ_FIELDS_END };
static const kj_field match_fields[] = { { "limit", KJ_F_INT, 0, 1, 100, NULL }, KJ_FIELDS_END };
static const kj_field subscribe_fields[] = {
    { "type", KJ_F_ENUM, KJ_REQUIRED, 0, 0, sub_kinds },
    { "listing_id", KJ_F_ID, 0, 0, 0, NULL },
    { "threshold", KJ_F_TEXT, 0, 0, 10, NULL },
    SEARCH_FIELDS, KJ_FIELDS_END };

const kj_route kj_routes_search[] = {
    { KJ_GET,  "/search",                                   kj_page_search,             KJ_PUBLIC,    KJ_RATED, search_fields, "search" },
    { KJ_GET,  "/listings/{id}/matches",                    kj_page_matches,            KJ_PUBLIC,    0, NULL, "matches" },
    { KJ_POST, "/listings/{id}/matches/{other}/not-relevant", kj_page_match_not_relevant, KJ_SIGNED_IN, 0, NULL, "match_feedback" },
    { KJ_GET,  "/subscriptions",                            kj_page_subscriptions,      KJ_SIGNED_IN, 0, NULL, "subscriptions" },
    { KJ_POST, "/subscriptions",                            kj_page_subscribe,          KJ_SIGNED_IN, 0, subscribe_fields, "subscriptions" },
    { KJ_POST, "/subscriptions/{id}/delete",                kj_page_unsubscribe,        KJ_SIGNED_IN, 0, NULL, "unsubscribe" },

    { KJ_GET,  "/api/v1/search",                            kj_api_search,              KJ_PUBLIC,    KJ_API | KJ_RATED, search_fields, "api_search" },
    { KJ_GET,  "/api/v1/suggest",                           kj_api_suggest,             KJ_PUBLIC,    KJ_API, suggest_fields, "api_suggest" },
    { KJ_GET,  "/api/v1/listings/{id}/matches",             kj_api_matches,             KJ_PUBLIC,    KJ_API, match_fields, "api_matches" },
    { KJ_POST, "/api/v1/listings/{id}/matches/{other}/not-relevant", kj_api_match_not_relevant, KJ_SIGNED_IN, KJ_API, NULL, "api_match_feedback" },
    { KJ_GET,  "/api/v1/subscriptions",                     kj_api_subscriptions,       KJ_SIGNED_IN, KJ_API, NULL, "api_subscriptions" },
    { KJ_POST, "/api/v1/subscriptions",                     kj_api_subscribe,           KJ_SIGNED_IN, KJ_API, subscribe_fields, "api_subscriptions" },
    { KJ_DELETE, "/api/v1/subscriptions/{id}",              kj_api_unsubscribe,         KJ_SIGNED_IN, KJ_API, NULL, "api_unsubscribe" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
