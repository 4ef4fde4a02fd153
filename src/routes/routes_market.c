/*
 * routes_market.c — the marketplace's routes: browse, listing pages and
 * forms, life-cycle actions, review queue, EOIs, threads, favourites,
 * notifications, and the same through the API.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/filter_fields.h"
#include "web/pages_market.h"

static const char *const kinds[] = { "achievement", "service", "demand", NULL };
static const char *const sorts[] = { "newest", "deadline", "price_asc", "price_desc", NULL };
static const char *const form_actions[] = { "save", "submit", NULL };
static const char *const price_kinds[] = { "fixed", "range", "negotiable", NULL };
static const char *const delivery[] = { "onsite", "remote", "hybrid", "", NULL };
static const char *const subtypes[] = { "", "problem", NULL };
static const char *const decisions[] = { "accept", "decline", NULL };

/* The browse filters (market/filters.h), then sort, text and paging. */
#define BROWSE_FIELDS \
    KJ_FILTER_FIELDS \
    { "sort", KJ_F_ENUM, 0, 0, 0, sorts }, \
    { "q", KJ_F_TEXT, 0, 0, 100, NULL }, \
    { "page", KJ_F_INT, 0, 1, 100000, NULL }, \
    { "per_page", KJ_F_INT, 0, 1, 100, NULL }

static const kj_field browse_fields[] = { BROWSE_FIELDS, KJ_FIELDS_END };
static const kj_field api_browse_fields[] = { { "kind", KJ_F_ENUM, 0, 0, 0, kinds }, BROWSE_FIELDS, KJ_FIELDS_END };

/* Listing content: route-level checks are types and lengths; the market
 * domain checks the rest (codes, ranges, check digits, cross-field rules). */
#define LISTING_FIELDS \
    { "title", KJ_F_TEXT, 0, 0, 100, NULL }, \
    { "summary", KJ_F_MULTILINE, 0, 0, 300, NULL }, \
    { "description", KJ_F_MULTILINE, 0, 0, 20000, NULL }, \
    { "domain", KJ_F_TEXT, 0, 0, 10, NULL }, \
    { "keywords", KJ_F_LIST, 0, 0, 200, NULL }, \
    { "region", KJ_F_TEXT, 0, 0, 32, NULL }, \
    { "valid_until", KJ_F_DATE, 0, 0, 0, NULL }, \
    { "contact_name", KJ_F_TEXT, 0, 0, 30, NULL }, \
    { "contact_phone", KJ_F_TEXT, 0, 0, 30, NULL }, \
    { "contact_email", KJ_F_TEXT, 0, 0, 254, NULL }, \
    { "anonymous", KJ_F_BOOL, 0, 0, 0, NULL }, \
    { "studio_id", KJ_F_ID, 0, 0, 0, NULL }, \
    { "subtype", KJ_F_ENUM, 0, 0, 0, subtypes }, \
    { "trl", KJ_F_INT, 0, 1, 9, NULL }, \
    { "trl_min", KJ_F_INT, 0, 1, 9, NULL }, \
    { "ip_type", KJ_F_TEXT, 0, 0, 40, NULL }, \
    { "ip_numbers", KJ_F_LIST, 0, 0, 400, NULL }, \
    { "coop_modes", KJ_F_LIST, 0, 0, 40, NULL }, \
    { "price_kind", KJ_F_ENUM, 0, 0, 0, price_kinds }, \
    { "price_min", KJ_F_TEXT, 0, 0, 20, NULL }, \
    { "price_max", KJ_F_TEXT, 0, 0, 20, NULL }, \
    { "delivery_mode", KJ_F_ENUM, 0, 0, 0, delivery }, \
    { "duration", KJ_F_TEXT, 0, 0, 30, NULL }, \
    { "indicators", KJ_F_JSON, 0, 0, 0, NULL }, \
    { "deadline", KJ_F_DATE, 0, 0, 0, NULL }, \
    /* the language of title and summary: the market checks it against the \
     * offered ones (a tag not offered: 400 in the API, issue 17 §1) */ \
    { "lang", KJ_F_JSON, 0, 0, 0, NULL }

/* Title and summary in other languages (issue 17 §1). The form posts one
 * group per language, tr_lang/tr_title/tr_summary repeated in step (the
 * page pairs them up; the market checks tags, lengths and duplicates);
 * the API sends translations: {tag: {title, summary}}. */
#define FORM_TRANSLATION_FIELDS \
    { "tr_lang", KJ_F_JSON, 0, 0, 0, NULL }, \
    { "tr_title", KJ_F_JSON, 0, 0, 0, NULL }, \
    { "tr_summary", KJ_F_JSON, 0, 0, 0, NULL }

static const kj_field new_form_fields[] = { { "kind", KJ_F_ENUM, 0, 0, 0, kinds }, KJ_FIELDS_END };
static const kj_field create_fields[] = {
    { "kind", KJ_F_ENUM, KJ_REQUIRED, 0, 0, kinds }, { "action", KJ_F_ENUM, 0, 0, 0, form_actions },
    LISTING_FIELDS, FORM_TRANSLATION_FIELDS, KJ_FIELDS_END };
static const kj_field edit_fields[] = { { "action", KJ_F_ENUM, 0, 0, 0, form_actions }, LISTING_FIELDS, FORM_TRANSLATION_FIELDS,
                                        KJ_FIELDS_END };
static const kj_field api_create_fields[] = {
    { "kind", KJ_F_ENUM, KJ_REQUIRED, 0, 0, kinds }, { "submit", KJ_F_BOOL, 0, 0, 0, NULL },
    LISTING_FIELDS, { "translations", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field api_patch_fields[] = { { "submit", KJ_F_BOOL, 0, 0, 0, NULL }, LISTING_FIELDS,
                                             { "translations", KJ_F_JSON, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field act_fields[] = {
    { "action", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, { "reason", KJ_F_MULTILINE, 0, 0, 1000, NULL }, KJ_FIELDS_END };
static const kj_field interest_fields[] = {
    { "message", KJ_F_MULTILINE, KJ_REQUIRED, 1, 2000, NULL }, { "related_id", KJ_F_ID, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field decide_fields[] = {
    { "decision", KJ_F_ENUM, KJ_REQUIRED, 0, 0, decisions }, { "reason", KJ_F_TEXT, 0, 0, 40, NULL },
    { "note", KJ_F_MULTILINE, 0, 0, 1000, NULL }, KJ_FIELDS_END };
static const kj_field thread_page_fields[] = { { "before", KJ_F_ID, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field api_thread_fields[] = {
    { "before", KJ_F_ID, 0, 0, 0, NULL }, { "limit", KJ_F_INT, 0, 1, 200, NULL }, KJ_FIELDS_END };
static const kj_field message_fields[] = { { "body", KJ_F_MULTILINE, KJ_REQUIRED, 1, 5000, NULL }, KJ_FIELDS_END };
static const kj_field upload_fields[] = { { "confidential", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field fav_fields[] = { { "on", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field api_fav_fields[] = {
    { "listing_id", KJ_F_ID, KJ_REQUIRED, 0, 0, NULL }, { "on", KJ_F_BOOL, 0, 0, 0, NULL }, KJ_FIELDS_END };

#define SIGNED KJ_SIGNED_IN

const kj_route kj_routes_market[] = {
    { KJ_GET,  "/achievements",            kj_page_browse_achievements, KJ_PUBLIC, KJ_CACHE, browse_fields, "browse" },
    { KJ_GET,  "/services",                kj_page_browse_services,     KJ_PUBLIC, KJ_CACHE, browse_fields, "browse" },
    { KJ_GET,  "/demands",                 kj_page_browse_demands,      KJ_PUBLIC, KJ_CACHE, browse_fields, "browse" },
    { KJ_GET,  "/listings/new",            kj_page_listing_new,         KJ_PUBLISHER,    0, new_form_fields, "listing_new" },
    { KJ_POST, "/listings",                kj_page_listing_create,      KJ_PUBLISHER,    0, create_fields, "listing_new" },
    { KJ_GET,  "/listings/{id}",           kj_page_listing,             KJ_PUBLIC, 0, NULL, "listing" },
    { KJ_GET,  "/listings/{id}/edit",      kj_page_listing_edit,        SIGNED,    0, NULL, "listing_edit" },
    { KJ_POST, "/listings/{id}/edit",      kj_page_listing_update,      SIGNED,    0, edit_fields, "listing_edit" },
    { KJ_POST, "/listings/{id}/act",       kj_page_listing_act,         SIGNED,    0, act_fields, "listing_act" },
    { KJ_GET,  "/listings/{id}/history",   kj_page_listing_history,     SIGNED,    0, NULL, "listing_history" },
    { KJ_POST, "/listings/{id}/interest",  kj_page_listing_interest,    KJ_PUBLISHER,    0, interest_fields, "listing_interest" },
    { KJ_POST, "/listings/{id}/favourite", kj_page_listing_favourite,   SIGNED,    0, fav_fields, "favourite" },
    { KJ_POST, "/listings/{id}/attachments", kj_page_listing_upload, SIGNED,   KJ_UPLOAD, upload_fields, "listing_upload" },
    { KJ_POST, "/listings/{id}/attachments/{att}/delete", kj_page_listing_attachment_delete, SIGNED, 0, NULL, "listing_attachment_delete" },
    { KJ_GET,  "/my/listings",             kj_page_my_listings,         SIGNED,    0, NULL, "my_listings" },
    { KJ_GET,  "/review",                  kj_page_review_queue,        KJ_STAFF,  0, NULL, "review" },
    { KJ_GET,  "/eois",                    kj_page_eois,                SIGNED,    0, NULL, "eois" },
    { KJ_GET,  "/eois/{id}",               kj_page_eoi,                 SIGNED,    0, NULL, "eoi" },
    { KJ_POST, "/eois/{id}/decide",        kj_page_eoi_decide,          SIGNED,    0, decide_fields, "eoi_decide" },
    { KJ_GET,  "/threads/{id}",            kj_page_thread,              SIGNED,    0, thread_page_fields, "thread" },
    { KJ_POST, "/threads/{id}/messages",   kj_page_thread_post,         SIGNED,    0, message_fields, "thread_post" },
    { KJ_GET,  "/favourites",              kj_page_favourites,          SIGNED,    0, NULL, "favourites" },
    { KJ_GET,  "/notifications",           kj_page_notifications,       SIGNED,    0, NULL, "notifications" },

    { KJ_GET,  "/api/v1/listings",               kj_api_listings,        KJ_PUBLIC, KJ_API | KJ_CACHE, api_browse_fields, "api_listings" },
    { KJ_POST, "/api/v1/listings",               kj_api_listing_create,  KJ_PUBLISHER,    KJ_API, api_create_fields, "api_listings" },
    { KJ_GET,  "/api/v1/listings/lifecycle",     kj_api_lifecycle,       KJ_PUBLIC, KJ_API, NULL, "api_lifecycle" },
    { KJ_GET,  "/api/v1/listings/{id}",          kj_api_listing,         KJ_PUBLIC, KJ_API, NULL, "api_listing" },
    { KJ_PATCH, "/api/v1/listings/{id}",         kj_api_listing_patch,   SIGNED,    KJ_API, api_patch_fields, "api_listing" },
    { KJ_POST, "/api/v1/listings/{id}/actions",  kj_api_listing_act,     SIGNED,    KJ_API, act_fields, "api_listing_act" },
    { KJ_GET,  "/api/v1/listings/{id}/history",  kj_api_listing_history, SIGNED,    KJ_API, NULL, "api_listing_history" },
    { KJ_POST, "/api/v1/listings/{id}/interest", kj_api_listing_interest, KJ_PUBLISHER,   KJ_API, interest_fields, "api_interest" },
    { KJ_POST, "/api/v1/listings/{id}/attachments", kj_api_listing_upload, SIGNED, KJ_API | KJ_UPLOAD, upload_fields, "api_listing_upload" },
    { KJ_DELETE, "/api/v1/listings/{id}/attachments/{att}", kj_page_listing_attachment_delete, SIGNED, KJ_API, NULL, "api_listing_attachment_delete" },
    { KJ_GET,  "/api/v1/my/listings",            kj_api_my_listings,     SIGNED,    KJ_API, NULL, "api_my_listings" },
    { KJ_GET,  "/api/v1/review-queue",           kj_api_review_queue,    KJ_STAFF,  KJ_API, NULL, "api_review" },
    { KJ_GET,  "/api/v1/eois",                   kj_api_eois,            SIGNED,    KJ_API, NULL, "api_eois" },
    { KJ_GET,  "/api/v1/eois/{id}",              kj_api_eoi,             SIGNED,    KJ_API, NULL, "api_eoi" },
    { KJ_POST, "/api/v1/eois/{id}/decision",     kj_api_eoi_decide,      SIGNED,    KJ_API, decide_fields, "api_eoi_decide" },
    { KJ_GET,  "/api/v1/threads",                kj_api_threads,         SIGNED,    KJ_API, NULL, "api_threads" },
    { KJ_GET,  "/api/v1/threads/{id}",           kj_api_thread,          SIGNED,    KJ_API, api_thread_fields, "api_thread" },
    { KJ_POST, "/api/v1/threads/{id}/messages",  kj_api_thread_post,     SIGNED,    KJ_API, message_fields, "api_thread_post" },
    { KJ_GET,  "/api/v1/favourites",             kj_api_favourites,      SIGNED,    KJ_API, NULL, "api_favourites" },
    { KJ_POST, "/api/v1/favourites",             kj_api_favourite_set,   SIGNED,    KJ_API, api_fav_fields, "api_favourites" },
    { KJ_GET,  "/api/v1/notifications",          kj_api_notifications,   SIGNED,    KJ_API, NULL, "api_notifications" },
    { KJ_GET,  "/api/v1/reference",              kj_api_reference,       KJ_PUBLIC, KJ_API, NULL, "api_reference" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
