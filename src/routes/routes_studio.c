/*
 * routes_studio.c — the studios' routes (pages and API) and attachment
 * downloads, as data (see routes.c for how tables are joined).
 *
 * Studio routes are open to every signed-in user on purpose: the
 * handlers refuse non-scientists with a message saying that studios are
 * for scientists, which the pipeline's generic 403 could not.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "market/studio.h"
#include "web/pages_studio.h"

/* Outer bounds (4× the domain's limits): within them the domain reports
 * every problem of a form at once, each with its own message. */
#define STUDIO_TEXT_FIELDS(name_flags) \
    { "name", KJ_F_TEXT, name_flags, 0, 4 * KJ_STUDIO_NAME_MAX, NULL }, \
    { "intro", KJ_F_MULTILINE, 0, 0, 4 * KJ_STUDIO_INTRO_MAX, NULL }, \
    { "affiliation", KJ_F_TEXT, 0, 0, 4 * KJ_STUDIO_AFFILIATION_MAX, NULL }, \
    { "region", KJ_F_TEXT, 0, 0, 32, NULL }

/* Lists: pages send a text area (one item per line); the API a JSON
 * array of strings or such a text. */
#define LIST_TEXT_MAX (4 * KJ_STUDIO_LIST_MAX * (KJ_STUDIO_ITEM_MAX + 2))

static const kj_field form_fields[] = {
    STUDIO_TEXT_FIELDS(KJ_REQUIRED),
    { "directions", KJ_F_MULTILINE, 0, 0, LIST_TEXT_MAX, NULL },
    { "skills", KJ_F_MULTILINE, 0, 0, LIST_TEXT_MAX, NULL },
    KJ_FIELDS_END
};
static const kj_field api_create_fields[] = {
    STUDIO_TEXT_FIELDS(KJ_REQUIRED),
    { "directions", KJ_F_JSON, 0, 0, 0, NULL },
    { "skills", KJ_F_JSON, 0, 0, 0, NULL },
    KJ_FIELDS_END
};
static const kj_field api_patch_fields[] = {
    STUDIO_TEXT_FIELDS(0),
    { "directions", KJ_F_JSON, 0, 0, 0, NULL },
    { "skills", KJ_F_JSON, 0, 0, 0, NULL },
    KJ_FIELDS_END
};
static const kj_field list_fields[] = {
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "origin", KJ_F_TEXT, 0, 0, 40, NULL },
    { "page", KJ_F_INT, 0, 1, 100000, NULL },
    KJ_FIELDS_END
};
static const kj_field api_list_fields[] = {
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "origin", KJ_F_TEXT, 0, 0, 40, NULL },
    { "page", KJ_F_INT, 0, 1, 100000, NULL },
    { "per_page", KJ_F_INT, 0, 1, 100, NULL },
    KJ_FIELDS_END
};
static const kj_field email_fields[] = {
    { "email", KJ_F_EMAIL, KJ_REQUIRED, 0, 254, NULL },
    KJ_FIELDS_END
};

#define SIGNED KJ_SIGNED_IN

const kj_route kj_routes_studio[] = {
    /* Literal segments (new, mine) before {id}: the first match wins. */
    { KJ_GET,  "/studios",                      kj_page_studios,       KJ_PUBLIC, 0, list_fields, "studios" },
    { KJ_POST, "/studios",                      kj_page_studio_create, KJ_PUBLISHER,    0, form_fields, "studio_new" },
    { KJ_GET,  "/studios/new",                  kj_page_studio_new,    KJ_PUBLISHER,    0, NULL, "studio_new" },
    { KJ_GET,  "/studios/mine",                 kj_page_studios_mine,  SIGNED,    0, NULL, "studios_mine" },
    { KJ_GET,  "/studios/{id}",                 kj_page_studio,        KJ_PUBLIC, 0, NULL, "studio" },
    { KJ_GET,  "/studios/{id}/edit",            kj_page_studio_edit,   SIGNED,    0, NULL, "studio_edit" },
    { KJ_POST, "/studios/{id}/edit",            kj_page_studio_update, SIGNED,    0, form_fields, "studio_edit" },
    { KJ_POST, "/studios/{id}/members",         kj_page_studio_invite, SIGNED,    0, email_fields, "studio_invite" },
    { KJ_POST, "/studios/{id}/members/remove",  kj_page_studio_remove, SIGNED,    0, email_fields, "studio_remove" },
    { KJ_POST, "/studios/{id}/join",            kj_page_studio_join,   SIGNED,    0, NULL, "studio_join" },
    { KJ_POST, "/studios/{id}/avatar",          kj_page_studio_avatar, SIGNED,    KJ_UPLOAD, NULL, "studio_avatar" },
    { KJ_GET,  "/files/{id}",                   kj_page_file,          KJ_PUBLIC, 0, NULL, "file" },

    { KJ_GET,   "/api/v1/studios",              kj_api_studios,        KJ_PUBLIC, KJ_API, api_list_fields, "api_studios" },
    { KJ_POST,  "/api/v1/studios",              kj_api_studio_create,  KJ_PUBLISHER,    KJ_API, api_create_fields, "api_studios" },
    { KJ_GET,   "/api/v1/studios/{id}",         kj_api_studio,         KJ_PUBLIC, KJ_API, NULL, "api_studio" },
    { KJ_PATCH, "/api/v1/studios/{id}",         kj_api_studio_patch,   SIGNED,    KJ_API, api_patch_fields, "api_studio" },
    { KJ_POST,  "/api/v1/studios/{id}/members", kj_api_studio_invite,  SIGNED,    KJ_API, email_fields, "api_studio_invite" },
    { KJ_POST,  "/api/v1/studios/{id}/join",    kj_api_studio_join,    SIGNED,    KJ_API, NULL, "api_studio_join" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
