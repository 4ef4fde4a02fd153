/*
 * routes_fed.c — federation (issue 17 §2), as data (see routes.c).
 *
 * What other instances call is public at the route level and checked by
 * signature in the handler (api_fed.c → fed/fed.h: kj_fed_check_request):
 * the instance document (unsigned: it is what a peer's operator checks
 * the key against), the change feed and the inbox (signed, RFC 9421). The
 * inbox takes no CSRF token: its callers are servers, authenticated by
 * their signature, never a browser's cookies. Peer management and hiding
 * remote items: administrators (the domain asks authz again).
 */
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_fed.h"

#define REASON_FIELD { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL }

static const kj_field feed_fields[] = {
    { "cursor", KJ_F_TEXT, 0, 0, 80, NULL },
    { "limit", KJ_F_INT, 0, 1, 5000, NULL },
    { "type", KJ_F_TEXT, 0, 0, 20, NULL },
    KJ_FIELDS_END
};

static const kj_field peer_fields[] = {
    { "url", KJ_F_TEXT, KJ_REQUIRED, 1, 200, NULL },
    { "public_key", KJ_F_TEXT, KJ_REQUIRED, 1, 60, NULL },
    REASON_FIELD,
    KJ_FIELDS_END
};

static const kj_field reason_fields[] = { REASON_FIELD, KJ_FIELDS_END };
/* The admin page's check boxes, one per kind (fed.h: kj_fed_kind_names). */
static const kj_field kind_boxes[] = {
    { "kind_listing", KJ_F_TEXT, 0, 0, 5, NULL }, { "kind_studio", KJ_F_TEXT, 0, 0, 5, NULL },
    { "kind_popsci", KJ_F_TEXT, 0, 0, 5, NULL }, { "kind_challenge", KJ_F_TEXT, 0, 0, 5, NULL },
    KJ_FIELDS_END
};
/* What this instance shares: the same boxes, and why. */
static const kj_field share_boxes[] = {
    { "kind_listing", KJ_F_TEXT, 0, 0, 5, NULL }, { "kind_studio", KJ_F_TEXT, 0, 0, 5, NULL },
    { "kind_popsci", KJ_F_TEXT, 0, 0, 5, NULL }, { "kind_challenge", KJ_F_TEXT, 0, 0, 5, NULL },
    REASON_FIELD,
    KJ_FIELDS_END
};
static const kj_field shares_fields[] = { { "kinds", KJ_F_LIST, 0, 0, 20, NULL }, REASON_FIELD, KJ_FIELDS_END };
static const kj_field ask_fields[] = {
    { "title", KJ_F_TEXT, KJ_REQUIRED, 1, 120, NULL },
    { "body", KJ_F_MULTILINE, KJ_REQUIRED, 1, 2000, NULL },
    KJ_FIELDS_END
};
static const kj_field remote_list_fields[] = {
    { "origin", KJ_F_TEXT, 0, 0, 40, NULL },
    { "page", KJ_F_INT, 0, 1, 10000, NULL },
    KJ_FIELDS_END
};
static const kj_field kinds_fields[] = { { "kinds", KJ_F_LIST, 0, 0, 20, NULL }, KJ_FIELDS_END };

#define A KJ_R_ADMIN
const kj_route kj_routes_fed[] = {
    { KJ_GET,  "/admin/federation",                          kj_page_fed_admin,        A, 0, NULL, "fed_admin" },
    { KJ_POST, "/admin/federation/peers",                    kj_page_fed_peer_add,     A, 0, peer_fields, "fed_peer_add" },
    { KJ_POST, "/admin/federation/peers/{id}/suspend",       kj_page_fed_peer_suspend, A, 0, reason_fields, "fed_peer_suspend" },
    { KJ_POST, "/admin/federation/peers/{id}/resume",        kj_page_fed_peer_resume,  A, 0, reason_fields, "fed_peer_resume" },
    { KJ_POST, "/admin/federation/peers/{id}/kinds",         kj_page_fed_peer_kinds,   A, 0, kind_boxes, "fed_peer_kinds" },
    { KJ_POST, "/admin/federation/shares",                   kj_page_fed_shares,       A, 0, share_boxes, "fed_shares" },
    { KJ_POST, "/admin/federation/items/{id}/hide",          kj_page_fed_item_hide,    A, 0, reason_fields, "fed_item_hide" },
    { KJ_POST, "/admin/federation/items/{id}/show",          kj_page_fed_item_show,    A, 0, reason_fields, "fed_item_show" },

    { KJ_GET,  "/api/v1/federation/instance",                kj_api_fed_instance,      KJ_PUBLIC, KJ_API | KJ_CONSENT_FREE, NULL, "api_fed_instance" },
    { KJ_GET,  "/api/v1/federation/feed",                    kj_api_fed_feed,          KJ_PUBLIC, KJ_API | KJ_CONSENT_FREE, feed_fields, "api_fed_feed" },
    { KJ_POST, "/api/v1/federation/inbox",                   kj_api_fed_inbox,         KJ_PUBLIC, KJ_API | KJ_NO_CSRF | KJ_CONSENT_FREE, NULL, "api_fed_inbox" },
    { KJ_GET,  "/api/v1/federation/peers",                   kj_api_fed_peers,         A, KJ_API, NULL, "api_fed_peers" },
    { KJ_POST, "/api/v1/federation/peers",                   kj_api_fed_peer_add,      A, KJ_API, peer_fields, "api_fed_peer_add" },
    { KJ_POST, "/api/v1/federation/peers/{id}/suspend",      kj_api_fed_peer_suspend,  A, KJ_API, reason_fields, "api_fed_peer_suspend" },
    { KJ_POST, "/api/v1/federation/peers/{id}/resume",       kj_api_fed_peer_resume,   A, KJ_API, reason_fields, "api_fed_peer_resume" },
    { KJ_POST, "/api/v1/federation/peers/{id}/kinds",        kj_api_fed_peer_kinds,    A, KJ_API, kinds_fields, "api_fed_peer_kinds" },
    { KJ_POST, "/api/v1/federation/shares",                  kj_api_fed_shares,        A, KJ_API, shares_fields, "api_fed_shares" },
    { KJ_POST, "/api/v1/federation/items/{id}/hide",         kj_api_fed_item_hide,     A, KJ_API, reason_fields, "api_fed_item_hide" },
    { KJ_POST, "/popsci/{id}/ask-origin",                    kj_page_fed_ask,          KJ_SIGNED_IN, 0, ask_fields, "fed_ask" },
    { KJ_POST, "/api/v1/popsci/{id}/ask-origin",             kj_api_fed_ask,           KJ_SIGNED_IN, KJ_API, ask_fields, "api_fed_ask" },
    { KJ_GET,  "/federation/challenges",                     kj_page_fed_challenges,   KJ_PUBLIC, 0, remote_list_fields, "fed_challenges" },
    { KJ_GET,  "/api/v1/federation/challenges",              kj_api_fed_challenges,    KJ_PUBLIC, KJ_API, remote_list_fields, "api_fed_challenges" },
    { KJ_POST, "/api/v1/federation/items/{id}/show",         kj_api_fed_item_show,     A, KJ_API, reason_fields, "api_fed_item_show" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
