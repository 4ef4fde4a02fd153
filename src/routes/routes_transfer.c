/*
 * routes_transfer.c — routes of listing import and export, as data (see
 * routes.c for how tables are joined): the public export API in three
 * formats, the admin import page and the import API.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/filter_fields.h"
#include "web/pages_transfer.h"

static const char *const kinds[] = { "achievement", "service", "demand", NULL };
static const char *const import_formats[] = { "json", NULL };

/* The browse filters (market/filters.h) and kind; paging and sort do not
 * apply to an export. */
static const kj_field export_fields[] = {
    { "kind", KJ_F_ENUM, 0, 0, 0, kinds },
    KJ_FILTER_FIELDS
    { "q", KJ_F_TEXT, 0, 0, 100, NULL },
    KJ_FIELDS_END
};

static const kj_field import_page_fields[] = { { "partial", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };

static const kj_field api_import_fields[] = {
    { "format", KJ_F_ENUM, 0, 0, 0, import_formats },
    { "items", KJ_F_JSON, 0, 0, 0, NULL },
    { "partial", KJ_F_BOOL, 0, 0, 0, NULL },
    KJ_FIELDS_END
};

const kj_route kj_routes_transfer[] = {
    { KJ_GET,  "/admin/import",       kj_page_admin_import,      KJ_R_ADMIN, 0, NULL, "admin_import" },
    { KJ_POST, "/admin/import",       kj_page_admin_import_post, KJ_R_ADMIN, KJ_UPLOAD, import_page_fields, "admin_import" },

    { KJ_GET,  "/api/v1/export.csv",  kj_api_export_csv,         KJ_PUBLIC,  KJ_API, export_fields, "api_export" },
    { KJ_GET,  "/api/v1/export.xlsx", kj_api_export_xlsx,        KJ_PUBLIC,  KJ_API, export_fields, "api_export" },
    { KJ_GET,  "/api/v1/export.json", kj_api_export_json,        KJ_PUBLIC,  KJ_API, export_fields, "api_export" },
    { KJ_POST, "/api/v1/import",      kj_api_import,             KJ_R_ADMIN, KJ_API | KJ_UPLOAD, api_import_fields, "api_import" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
