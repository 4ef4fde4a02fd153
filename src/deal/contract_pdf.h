/*
 * contract_pdf.h — the technology contract of a deal as a PDF document
 * (A4, Chinese text with embedded CJK glyphs), rendered with cairo and
 * pango. Domain side: it takes the deal as kj_deal_get returns it and
 * produces bytes; serving them is the web layer's job.
 */
#ifndef KJ_CONTRACT_PDF_H
#define KJ_CONTRACT_PDF_H
#include <jansson.h>
#include <stddef.h>

/** The words of the document's frame, in the reader's language (the
 *  contract text itself is always the Chinese text both parties signed).
 *  Every field must be set (an empty string is allowed). */
typedef struct kj_contract_pdf_labels {
    const char *client, *provider;      /* the parties' roles */
    const char *signatures;             /* heading of the confirmation block */
    const char *signed_at, *unsigned_;  /* "confirmed at", "not yet confirmed" */
    const char *hash;                   /* "digest of the contract text (SHA-256)" */
    const char *page;                   /* "page" in the footer */
    const char *note;                   /* a line under the title (may be "") */
} kj_contract_pdf_labels;

/** Renders the contract of deal (an object as from kj_deal_get: id,
 *  contract {title, clauses, text}, contract_hash, client_id/_name,
 *  provider_id/_name, signatures [{user_id, signed_at}]) as a PDF. Returns
 *  the bytes (malloc'd, caller frees) with their length in *len, or NULL
 *  when the deal has no contract or rendering failed. Thread-safe: the
 *  renderers of concurrent requests take turns on one internal lock
 *  (pango's font map is not shared across threads otherwise). */
unsigned char *kj_contract_pdf(json_t *deal, const kj_contract_pdf_labels *labels, size_t *len);
#endif
