/*
 * market_view.h — turning listing rows into what pages and the API show:
 * names for codes in the request's language, prices in 万元, rendered
 * Markdown, status labels. Shared by pages_market.c and api_market.c.
 */
#ifndef KJ_MARKET_VIEW_H
#define KJ_MARKET_VIEW_H
#include "web/app.h"
#include "market/market.h"

/** Adds display fields to a listing (summary or full) in req's language:
 *  kind_label, status_label, domain_name, region_label, trl_name,
 *  trl_desc, modes (names), ip_type_name, price_text, and, when full,
 *  description_html (sanitized Markdown). */
void kj_listing_decorate(kj_req *req, json_t *l, bool full);
/** Decorates every listing of an array, in the reader's language
 *  (kj_listing_localize_all first). */
void kj_listing_decorate_all(kj_req *req, json_t *list);
/** The reader's language (issue 17 §1): where listing l has a translation
 *  in req's language ("translations", see market.h), its title and summary
 *  become that translation's (an empty translated summary keeps the
 *  original's), the original's stay as original_title/original_summary, and
 *  title_lang/summary_lang name the language of what is shown (the
 *  templates' lang attributes). */
void kj_listing_localize(kj_req *req, json_t *l);
/** kj_listing_localize for every listing of items, their translations in
 *  req's language read in one statement (none when the reader reads the
 *  original's language). Studios (doc_kind "studio") are left alone. */
void kj_listing_localize_all(kj_req *req, json_t *items);
/** Answers with a confidential attachment row a ({id, mime, filename}, as
 *  the domain returned it after its access check): the stored bytes as a
 *  download, never cached, never sniffed, no active content. NULL (not
 *  allowed or unknown) or a missing file answer 404. Takes a's reference. */
void kj_send_private_attachment(kj_req *req, json_t *a);
/** Prices as 万元 strings for the API: price_min, price_max. */
void kj_listing_api_prices(json_t *l);
/** Options for a <select>/<checkbox> list from a reference table:
 *  [{code, label, selected}], labels in req's language. table is one of
 *  "domains", "coop_modes", "ip_types", "trl_levels". */
json_t *kj_ref_options(kj_req *req, const char *table, json_t *selected);
/** Region options (see pages_account.c) with selected marked. */
json_t *kj_region_options(kj_req *req, const char *selected);
/** Fills a browse query from validated inputs (req->in). */
/** l["origin_label"]: the name of the instance a remote listing comes
 *  from, in the reader's language (federation); nothing for local ones. */
void kj_origin_label(kj_req *req, json_t *l);
void kj_listing_query_from(kj_req *req, kj_listing_query *q, const char *kind);
#endif
