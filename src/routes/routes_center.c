/*
 * routes_center.c — service centers and the center staff's desk, as data
 * (see routes.c for how tables are joined).
 *
 * Management routes are open to every signed-in user on purpose: who may
 * edit a center or appoint its staff depends on the center (its head,
 * administrators), which center/center.h answers inside its write via
 * authz/authz.h; the handlers answer 403 otherwise.
 */
#include "api/api.h"
#include "web/app.h"
#include "routes/routes.h"
#include "center/center.h"
#include "web/pages_center.h"

static const char *const center_roles[] = { "head", "staff", NULL };

/* kj_center_levels, spelled out: a route table is a constant initializer. */
static const char *const levels[] = { "province", "city", "county", "township", NULL };

static const kj_field filter_fields[] = {
    { "region", KJ_F_TEXT, 0, 0, 12, NULL },
    { "level", KJ_F_ENUM, 0, 0, 0, levels },
    KJ_FIELDS_END
};

#define CONTACT_FIELDS                                   \
    { "name_en", KJ_F_TEXT, 0, 0, 200, NULL },           \
    { "address", KJ_F_TEXT, 0, 0, 200, NULL },           \
    { "phone", KJ_F_TEXT, 0, 0, 40, NULL },              \
    { "hours", KJ_F_TEXT, 0, 0, 200, NULL },             \
    { "intro", KJ_F_MULTILINE, 0, 0, 2000, NULL }

static const kj_field create_fields[] = {
    { "name_zh", KJ_F_TEXT, KJ_REQUIRED, 1, 200, NULL },
    { "level", KJ_F_ENUM, KJ_REQUIRED, 0, 0, levels },
    { "region", KJ_F_TEXT, KJ_REQUIRED, 1, 12, NULL },
    { "parent_id", KJ_F_ID, 0, 0, 0, NULL },
    CONTACT_FIELDS,
    KJ_FIELDS_END
};

static const kj_field edit_fields[] = {
    { "name_zh", KJ_F_TEXT, 0, 1, 200, NULL },
    CONTACT_FIELDS,
    KJ_FIELDS_END
};

/* user: an e-mail address or a user id. */
static const kj_field staff_fields[] = {
    { "user", KJ_F_TEXT, KJ_REQUIRED, 1, 254, NULL },
    { "role", KJ_F_ENUM, KJ_REQUIRED, 0, 0, center_roles },
    { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL },
    KJ_FIELDS_END
};

static const kj_field reason_fields[] = {
    { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL },
    KJ_FIELDS_END
};

/* center_id "" removes the operator from their center. */
static const kj_field appoint_fields[] = {
    { "center_id", KJ_F_TEXT, 0, 0, 26, NULL },
    { "role", KJ_F_ENUM, 0, 0, 0, center_roles },
    { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL },
    KJ_FIELDS_END
};

#define SIGNED KJ_SIGNED_IN

const kj_route kj_routes_center[] = {
    { KJ_GET,  "/centers",                         kj_page_centers,             KJ_PUBLIC,  0, filter_fields, "centers" },
    { KJ_GET,  "/centers/new",                     kj_page_center_new,          KJ_R_ADMIN, 0, NULL, "center_new" },
    { KJ_POST, "/centers",                         kj_page_center_create,       KJ_R_ADMIN, 0, create_fields, "center_create" },
    { KJ_GET,  "/centers/{id}",                    kj_page_center,              KJ_PUBLIC,  0, NULL, "center" },
    { KJ_GET,  "/centers/{id}/manage",             kj_page_center_manage,       SIGNED,     0, NULL, "center_manage" },
    { KJ_POST, "/centers/{id}/edit",               kj_page_center_edit,         SIGNED,     0, edit_fields, "center_edit" },
    { KJ_POST, "/centers/{id}/staff",              kj_page_center_staff_add,    SIGNED,     0, staff_fields, "center_staff_add" },
    { KJ_POST, "/centers/{id}/staff/{uid}/remove", kj_page_center_staff_remove, SIGNED,     0, reason_fields, "center_staff_remove" },
    { KJ_GET,  "/desk",                            kj_page_desk,                KJ_STAFF,   0, NULL, "desk" },
    { KJ_POST, "/admin/users/{id}/center",         kj_page_admin_user_center,   KJ_R_ADMIN, 0, appoint_fields, "admin_user_center" },

    { KJ_GET,    "/api/v1/service-centers",                 kj_api_centers,             KJ_PUBLIC,  KJ_API, filter_fields, "api_centers" },
    { KJ_POST,   "/api/v1/service-centers",                 kj_api_center_create,       KJ_R_ADMIN, KJ_API, create_fields, "api_centers" },
    { KJ_GET,    "/api/v1/service-centers/{id}",            kj_api_center,              KJ_PUBLIC,  KJ_API, NULL, "api_center" },
    { KJ_PATCH,  "/api/v1/service-centers/{id}",            kj_api_center_patch,        SIGNED,     KJ_API, edit_fields, "api_center" },
    { KJ_GET,    "/api/v1/service-centers/{id}/staff",      kj_api_center_staff,        SIGNED,     KJ_API, NULL, "api_center_staff" },
    { KJ_POST,   "/api/v1/service-centers/{id}/staff",      kj_api_center_staff_add,    SIGNED,     KJ_API, staff_fields, "api_center_staff" },
    { KJ_DELETE, "/api/v1/service-centers/{id}/staff/{uid}", kj_api_center_staff_remove, SIGNED,    KJ_API, reason_fields, "api_center_staff_member" },
    { KJ_GET,    "/api/v1/desk",                            kj_api_desk,                KJ_STAFF,   KJ_API, NULL, "api_desk" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
