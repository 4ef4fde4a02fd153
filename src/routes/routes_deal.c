/*
 * routes_deal.c — the deal routes: the deal pages (list, detail, actions,
 * printable contract and its PDF, process help), starting a deal from an accepted EOI
 * or an order, and /api/v1/deals with its sub-resources (messages,
 * offers, contract and signatures, milestones, reviews, log), ratings and
 * the operators' statistics, and each user's e-mail preferences.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/pages_deal.h"

static const char *const ctypes[] = { "development", "transfer", "license", "consulting", "service", NULL };
static const char *const pkinds[] = { "lump_sum", "instalments", "royalty", "entry_royalty", NULL };
static const char *const milestone_actions[] = { "deliver", "accept", NULL };

/* Every input an action may take; the deal domain checks what each needs. */
#define DEAL_ARGS \
    { "offer_id", KJ_F_ID, 0, 0, 0, NULL }, \
    { "contract_type", KJ_F_ENUM, 0, 0, 0, ctypes }, \
    { "price_kind", KJ_F_ENUM, 0, 0, 0, pkinds }, \
    { "amount", KJ_F_TEXT, 0, 0, 20, NULL }, \
    { "amount_fen", KJ_F_INT, 0, 0, 100000000000000LL, NULL }, \
    { "entry_fee", KJ_F_TEXT, 0, 0, 20, NULL }, \
    { "entry_fee_fen", KJ_F_INT, 0, 0, 100000000000000LL, NULL }, \
    { "royalty_pct", KJ_F_TEXT, 0, 0, 8, NULL }, \
    { "royalty_bp", KJ_F_INT, 0, 0, 10000, NULL }, \
    { "instalments", KJ_F_INT, 0, 1, 60, NULL }, \
    { "duration_days", KJ_F_INT, 0, 1, 3650, NULL }, \
    { "valid_days", KJ_F_INT, 0, 1, 90, NULL }, \
    { "scope", KJ_F_MULTILINE, 0, 0, 2000, NULL }, \
    { "coop_mode", KJ_F_TEXT, 0, 0, 40, NULL }, \
    { "note", KJ_F_MULTILINE, 0, 0, 1000, NULL }, \
    { "contract_hash", KJ_F_TEXT, 0, 0, 64, NULL }, \
    { "title", KJ_F_TEXT, 0, 0, 100, NULL }, \
    { "deliverable", KJ_F_MULTILINE, 0, 0, 2000, NULL }, \
    { "due_date", KJ_F_DATE, 0, 0, 0, NULL }, \
    { "milestone_id", KJ_F_ID, 0, 0, 0, NULL }, \
    { "rating", KJ_F_INT, 0, 1, 5, NULL }, \
    { "body", KJ_F_MULTILINE, 0, 0, 5000, NULL }, \
    { "review_id", KJ_F_ID, 0, 0, 0, NULL }, \
    { "broker_id", KJ_F_ID, 0, 0, 0, NULL }, \
    { "reason", KJ_F_MULTILINE, 0, 0, 1000, NULL }

static const kj_field act_fields[] = { { "action", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, DEAL_ARGS, KJ_FIELDS_END };
static const kj_field sub_fields[] = { DEAL_ARGS, KJ_FIELDS_END };
static const kj_field create_fields[] = {
    { "eoi_id", KJ_F_ID, 0, 0, 0, NULL }, { "listing_id", KJ_F_ID, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field milestone_act_fields[] = {
    { "action", KJ_F_ENUM, KJ_REQUIRED, 0, 0, milestone_actions }, KJ_FIELDS_END };
static const kj_field review_fields[] = {
    { "body", KJ_F_MULTILINE, 0, 0, 2000, NULL }, { "reason", KJ_F_MULTILINE, 0, 0, 1000, NULL }, KJ_FIELDS_END };

static const char *const mail_modes[] = { "each", "digest", "off", NULL };
static const kj_field mail_pref_fields[] = {
    { "message", KJ_F_ENUM, 0, 0, 0, mail_modes }, { "offer", KJ_F_ENUM, 0, 0, 0, mail_modes },
    { "contract", KJ_F_ENUM, 0, 0, 0, mail_modes }, { "milestone", KJ_F_ENUM, 0, 0, 0, mail_modes },
    { "review", KJ_F_ENUM, 0, 0, 0, mail_modes }, { "alert", KJ_F_ENUM, 0, 0, 0, mail_modes },
    { "notice", KJ_F_ENUM, 0, 0, 0, mail_modes }, { "challenge", KJ_F_ENUM, 0, 0, 0, mail_modes },
    { "workorder", KJ_F_ENUM, 0, 0, 0, mail_modes }, { "verification", KJ_F_ENUM, 0, 0, 0, mail_modes },
    { "event", KJ_F_ENUM, 0, 0, 0, mail_modes }, KJ_FIELDS_END };

static const kj_field ratings_fields[] = { { "limit", KJ_F_INT, 0, 1, 100, NULL }, KJ_FIELDS_END };

#define SIGNED KJ_SIGNED_IN

static const kj_field deal_page_fields[] = { { "before", KJ_F_ID, 0, 0, 0, NULL }, KJ_FIELDS_END };
static const kj_field api_messages_fields[] = {
    { "before", KJ_F_ID, 0, 0, 0, NULL }, { "limit", KJ_F_INT, 0, 1, 200, NULL }, KJ_FIELDS_END };

const kj_route kj_routes_deal[] = {
    { KJ_GET,  "/deals",                     kj_page_deals,          SIGNED,    0, NULL, "deals" },
    { KJ_GET,  "/deals/process",             kj_page_deal_process,   KJ_PUBLIC, 0, NULL, "deal_process" },
    { KJ_GET,  "/deals/{id}",                kj_page_deal,           SIGNED,    0, deal_page_fields, "deal" },
    { KJ_POST, "/deals/{id}/act",            kj_page_deal_act,       SIGNED,    0, act_fields, "deal_act" },
    { KJ_GET,  "/deals/{id}/contract",       kj_page_deal_contract,  SIGNED,    0, NULL, "deal_contract" },
    { KJ_GET,  "/deals/{id}/contract.pdf",   kj_page_deal_contract_pdf, SIGNED, KJ_HEAVY, NULL, "deal_contract_pdf" },
    { KJ_POST, "/deals/{id}/attachments",    kj_page_deal_attach,    SIGNED,    KJ_UPLOAD, NULL, "deal_attach" },
    { KJ_GET,  "/deals/{id}/files/{att}",    kj_page_deal_file,      SIGNED,    0, NULL, "deal_file" },
    { KJ_POST, "/eois/{id}/deal",            kj_page_deal_start_eoi, KJ_PUBLISHER,    0, NULL, "deal_start" },
    { KJ_POST, "/listings/{id}/order",       kj_page_deal_order,     KJ_PUBLISHER,    0, NULL, "deal_order" },
    { KJ_GET,  "/settings/mail",             kj_page_mail_prefs,     SIGNED,    0, NULL, "mail_prefs" },
    { KJ_POST, "/settings/mail",             kj_page_mail_prefs_post, SIGNED,   0, mail_pref_fields, "mail_prefs" },

    { KJ_GET,  "/api/v1/deals",                        kj_api_deals,          SIGNED,    KJ_API, NULL, "api_deals" },
    { KJ_POST, "/api/v1/deals",                        kj_api_deal_create,    KJ_PUBLISHER,    KJ_API, create_fields, "api_deals" },
    { KJ_GET,  "/api/v1/deals/states",                 kj_api_deal_states,    KJ_PUBLIC, KJ_API, NULL, "api_deal_states" },
    { KJ_GET,  "/api/v1/deals/stats",                  kj_api_deal_stats,     KJ_STAFF,  KJ_API, NULL, "api_deal_stats" },
    { KJ_GET,  "/api/v1/deals/{id}",                   kj_api_deal,           SIGNED,    KJ_API, NULL, "api_deal" },
    { KJ_POST, "/api/v1/deals/{id}/actions",           kj_api_deal_act,       SIGNED,    KJ_API, act_fields, "api_deal_act" },
    { KJ_GET,  "/api/v1/deals/{id}/messages",          kj_api_deal_messages,  SIGNED,    KJ_API, api_messages_fields, "api_deal_messages" },
    { KJ_POST, "/api/v1/deals/{id}/messages",          kj_api_deal_message,   SIGNED,    KJ_API, sub_fields, "api_deal_messages" },
    { KJ_POST, "/api/v1/deals/{id}/attachments",       kj_api_deal_attach,    SIGNED,    KJ_API | KJ_UPLOAD, NULL, "api_deal_attach" },
    { KJ_GET,  "/api/v1/deals/{id}/offers",            kj_api_deal_offers,    SIGNED,    KJ_API, NULL, "api_deal_offers" },
    { KJ_POST, "/api/v1/deals/{id}/offers",            kj_api_deal_offer,     SIGNED,    KJ_API, sub_fields, "api_deal_offers" },
    { KJ_POST, "/api/v1/deals/{id}/offers/{offer}/accept", kj_api_deal_offer_accept, SIGNED, KJ_API, NULL, "api_deal_offer_accept" },
    { KJ_GET,  "/api/v1/deals/{id}/contract",          kj_api_deal_contract,  SIGNED,    KJ_API, NULL, "api_deal_contract" },
    { KJ_GET,  "/api/v1/deals/{id}/contract.pdf",      kj_page_deal_contract_pdf, SIGNED, KJ_API | KJ_HEAVY, NULL, "api_deal_contract_pdf" },
    { KJ_POST, "/api/v1/deals/{id}/contract/signatures", kj_api_deal_sign,    SIGNED,    KJ_API, sub_fields, "api_deal_sign" },
    { KJ_GET,  "/api/v1/deals/{id}/milestones",        kj_api_deal_milestones, SIGNED,   KJ_API, NULL, "api_deal_milestones" },
    { KJ_POST, "/api/v1/deals/{id}/milestones",        kj_api_deal_milestone_add, SIGNED, KJ_API, sub_fields, "api_deal_milestones" },
    { KJ_POST, "/api/v1/deals/{id}/milestones/{m}/actions", kj_api_deal_milestone_act, SIGNED, KJ_API, milestone_act_fields, "api_deal_milestone_act" },
    { KJ_GET,  "/api/v1/deals/{id}/reviews",           kj_api_deal_reviews,   SIGNED,    KJ_API, NULL, "api_deal_reviews" },
    { KJ_POST, "/api/v1/deals/{id}/reviews",           kj_api_deal_review,    SIGNED,    KJ_API, sub_fields, "api_deal_reviews" },
    { KJ_POST, "/api/v1/deals/{id}/reviews/{r}/reply", kj_api_deal_review_reply, SIGNED, KJ_API, review_fields, "api_deal_review_reply" },
    { KJ_POST, "/api/v1/deals/{id}/reviews/{r}/hide",  kj_api_deal_review_hide, KJ_STAFF, KJ_API, review_fields, "api_deal_review_hide" },
    { KJ_GET,  "/api/v1/deals/{id}/events",            kj_api_deal_events,    SIGNED,    KJ_API, NULL, "api_deal_events" },
    { KJ_GET,  "/api/v1/mail-prefs",                   kj_api_mail_prefs,     SIGNED,    KJ_API, NULL, "api_mail_prefs" },
    { KJ_PUT,  "/api/v1/mail-prefs",                   kj_api_mail_prefs_put, SIGNED,    KJ_API | KJ_STRICT, mail_pref_fields, "api_mail_prefs" },
    { KJ_GET,  "/api/v1/ratings/{kind}/{id}",          kj_api_ratings,        KJ_PUBLIC, KJ_API, ratings_fields, "api_ratings" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
