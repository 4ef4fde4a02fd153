/*
 * routes_people.c — residents (城乡群众) and personal information (issue
 * 14 items 6 and 7), as data (see routes.c): the 用户协议 / 隐私政策,
 * accepting a new version, the user's data and account deletion, following
 * volunteer teams. KJ_CONSENT_FREE: what a user who has yet to accept the
 * documents in force may still reach (to read, accept, take their data or
 * leave).
 */
#include "api/api.h"
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_privacy.h"
#include "web/pages_popsci.h"

static const kj_field next_fields[] = { { "next", KJ_F_TEXT, 0, 0, 500, NULL }, KJ_FIELDS_END };
static const kj_field consent_fields[] = {
    { "accept", KJ_F_BOOL, 0, 0, 0, NULL },
    { "next", KJ_F_TEXT, 0, 0, 500, NULL },
    KJ_FIELDS_END
};
static const kj_field delete_fields[] = { { "password", KJ_F_PASSWORD, KJ_REQUIRED, 0, 1024, NULL }, KJ_FIELDS_END };
static const kj_field follow_fields[] = { { "follow", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };

#define FREE KJ_CONSENT_FREE
#define SIGNED KJ_SIGNED_IN
const kj_route kj_routes_people[] = {
    { KJ_GET,  "/terms",                       kj_page_terms,            KJ_PUBLIC, FREE, NULL, "terms" },
    { KJ_GET,  "/privacy",                     kj_page_privacy_policy,   KJ_PUBLIC, FREE, NULL, "privacy" },
    { KJ_GET,  "/account/consent",             kj_page_consent,          SIGNED,    FREE, next_fields, "consent" },
    { KJ_POST, "/account/consent",             kj_page_consent_post,     SIGNED,    FREE, consent_fields, "consent" },
    { KJ_GET,  "/account/privacy",             kj_page_privacy_center,   SIGNED,    FREE, NULL, "privacy_center" },
    { KJ_GET,  "/account/export",              kj_page_account_export,   SIGNED,    FREE, NULL, "account_export" },
    /* Deleting asks for the password again: hashed on the heavy pool. */
    { KJ_POST, "/account/delete",              kj_page_account_delete,   SIGNED,    FREE | KJ_HEAVY, delete_fields, "account_delete" },
    { KJ_POST, "/popsci/teams/{id}/follow",    kj_page_popsci_team_follow, SIGNED, 0, follow_fields, "popsci_team_follow" },

    { KJ_GET,  "/api/v1/me/consent",           kj_api_consent,           SIGNED,    KJ_API | FREE, NULL, "api_consent" },
    { KJ_POST, "/api/v1/me/consent",           kj_api_consent_post,      SIGNED,    KJ_API | FREE, consent_fields, "api_consent" },
    { KJ_GET,  "/api/v1/me/export",            kj_api_account_export,    SIGNED,    KJ_API | FREE, NULL, "api_export" },
    { KJ_POST, "/api/v1/me/delete",            kj_api_account_delete,    SIGNED,    KJ_API | FREE | KJ_HEAVY, delete_fields, "api_account_delete" },
    { KJ_PUT,    "/api/v1/popsci/teams/{id}/follow", kj_api_team_follow,   SIGNED,  KJ_API, NULL, "api_team_follow" },
    { KJ_DELETE, "/api/v1/popsci/teams/{id}/follow", kj_api_team_unfollow, SIGNED,  KJ_API, NULL, "api_team_follow" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
