/*
 * search.h — Chinese-aware full-text search and explainable two-way
 * matching over listings and studios.
 *
 * Owns the search index (through a full-text backend, backend.h: FTS5 in
 * search/fts5/), the query builder (a user's text is analyzed into terms,
 * each quoted by the backend — never passed raw into its syntax), BM25
 * ranking with field weights (title = keywords = summary > body, no length
 * normalization: search.c says why), facets, snippets and suggestions; the match table
 * between demands and offers/studios with reasons; "not relevant"
 * feedback; and alerts (saved searches, new matches for a listing).
 *
 * Index maintenance is incremental: kj_search_sync_listing() runs in the
 * same transaction as every change of a listing's live content or
 * visibility (the market publishes the change, kj_search_listen's listener
 * hears it), so a listing is searchable the moment it is published, and
 * its matches are recomputed then (only that listing's pairs).
 *
 * State: the analyzer, the query rewriter and every cache belong to the
 * store's search context (context.h: made with kj_search_ctx_new and given
 * to the store with kj_search_attach by whoever opens it, before it
 * serves; destroyed with the store). Nothing here is process-wide, so two
 * stores in one process search independently.
 */
#ifndef KJ_SEARCH_H
#define KJ_SEARCH_H
#include "market/market.h"
#include "store/store.h"
#include "text/analyzer.h"
#include "text/rewrite.h"
#include "search/context.h"
#include "core/err.h"

struct kj_search_backend;   /* search/backend.h */
/** Registers the index's listener of listing changes with the market
 *  (kj_listing_listen): listings and studios are indexed and matched as
 *  they change, imports end with a merge. Start-up only, before serving;
 *  idempotent. 0 or -1. */
int kj_search_listen(void);

/** The analyzer of db's store's search context (NULL: none). */
kj_analyzer *kj_search_analyzer(kj_db *db);
/** The text kj_search analyzes for a user's text: rewritten by sc's
 *  rewriter (text/rewrite.h; none: the text as typed), typos corrected when df is given (docs:
 *  the index's size). malloc'd; NULL when out of memory. *corrected
 *  (optional) receives the corrected query as the user reads it, malloc'd,
 *  or NULL when no typo was corrected. Thread-safe. */
char *kj_search_rewrite(const kj_search_ctx *sc, const char *text, kj_df_fn df, void *ctx, int64_t docs, char **corrected);

/** Brings the index and matches of one listing up to date: indexed and
 *  matched when published and current, removed otherwise. Runs inside
 *  the caller's transaction. Also raises alerts for a newly published
 *  listing when notify is true. 0 or -1. */
int kj_search_sync_listing(kj_db *db, const char *listing_id, bool notify);
/** Like kj_search_sync_listing, but the matching (and alerts) is queued
 *  for kj_match_drain: for bulk paths (imports, demo data). The text is
 *  indexed at once all the same. */
int kj_search_sync_listing_deferred(kj_db *db, const char *listing_id, bool notify);
/** kj_search_sync_listing_deferred for a listing just inserted in the
 *  caller's transaction (so never indexed yet), given as its row or
 *  content: status, valid_until, title, keywords (JSON array), summary,
 *  description — it saves reading back what the caller has in hand. */
int kj_search_add_listing_deferred(kj_db *db, const char *listing_id, json_t *listing, bool notify, bool queue_match);
/** Queues the matching (no alerts) of every published listing of origin
 *  changed since since_ms: what a bulk loader indexed with queue_match
 *  false. The number queued, or -1. */
int kj_match_queue_origin(kj_db *db, const char *origin, int64_t since_ms);
/** Loads of at least this many listings are followed by compacting the
 *  index (kj_search_optimize); smaller ones leave it to FTS5's own merging. */
#define KJ_SEARCH_OPTIMIZE_ROWS 10000
/** Brings one document of the index (doc_kind "listing" or "studio") up
 *  to date with its table, as a sync does, but without matching, alerts
 *  or an outbox entry: what a node's local copy applies for an outbox
 *  entry (local.h). 0 or -1. */
int kj_search_refresh_doc(kj_db *db, const char *doc_id, const char *doc_kind);
/** Indexes every live listing and every studio (the index must be empty),
 *  reading them in pages; appends the ids of the demands to demands when
 *  given. The number of documents, or -1. Inside the caller's transaction. */
int kj_search_index_all(kj_db *db, json_t *demands);
/** Computes the matches (and raises the alerts) of up to max queued
 *  listings, one transaction each. Returns how many were done. */
int kj_match_drain(kj_db *db, int max);
/** Same for a studio (always public). */
int kj_search_sync_studio(kj_db *db, const char *studio_id);
/** Rebuilds the whole index and every match from the database, in two
 *  transactions: the index, then the matches (between the two, readers see
 *  the new index and no matches). Returns the number of documents indexed,
 *  or -1. */
int kj_search_reindex(kj_db *db);
/** At start: when the stored index was built in an older format (see
 *  KJ_SEARCH_FORMAT in search.c), rebuilds it (kj_search_reindex) and
 *  records the current format. *reindexed (may be NULL) gets the number
 *  of documents indexed, or -1 when nothing was needed. 0, or -1. */
int kj_search_ensure_format(kj_db *db, int *reindexed);
/** The key terms of an indexed document (computed on first use and kept).
 *  New ref; an empty array when the document is not indexed. */
json_t *kj_search_doc_terms(kj_db *db, const char *doc_id);
/** Merges the full-text index into one segment. A bulk load leaves many
 *  (14 after importing 1M listings in one transaction), and every query
 *  reads each: merging took 29 s there and made matching 3–5× faster.
 *  Called after reindex and large imports. 0 or -1. */
int kj_search_optimize(kj_db *db);
/** Reads the in-memory attributes (doc_attrs.h) of up to limit indexed
 *  documents after document number *cursor (backend.h), and moves *cursor past them: a
 *  background thread calls it from 0 until it returns 0, so that searches
 *  rarely meet a document they must read from its table. -1 on error. */
int64_t kj_search_warm(kj_db *db, int64_t *cursor, int64_t limit);
/** Builds the bitmaps of the frequent terms (fast_terms.h) from the index
 *  and puts them in use; on a small index (under 50,000 documents, where
 *  FTS5 alone is quick) it puts none in use and returns 0. For the jobs thread, when
 *  kj_search_fast_due says so: at 1M listings it walks a few hundred
 *  doclists (seconds). Returns the number of terms, or -1. */
int kj_search_fast_build(kj_db *db);
bool kj_search_fast_due(kj_db *db);
/** {terms, bytes, built_max} of the bitmaps in use (zeros: none). */
json_t *kj_search_fast_stats(kj_db *db);
/** Tests only, before any search: the index size from which searches use
 *  the cached term counts and the bitmaps (default 50,000 documents), and
 *  the fewest documents a term needs for a bitmap (default 1,000, and at
 *  least 1 % of the documents). */
void kj_search_set_scale(kj_db *db, int64_t large_index_docs, int64_t fast_term_docs);
/** Index statistics for /metrics: {documents, listings, studios, matches,
 *  in_memory (documents whose attributes searches read from memory)}. */
json_t *kj_search_stats(kj_db *db);

/** The full-text expression for a user's text, in the syntax of backend
 *  sb (backend.h): its query terms analyzed by a (NULL: none) (at most max_terms), each
 *  quoted by the backend — so nothing a user types is the engine's syntax —
 *  joined with AND when all is true, else OR. malloc'd; NULL when the text
 *  has no terms. terms_out (optional) receives the terms as strings,
 *  *nterms (optional) their number. Thread-safe. */
char *kj_search_expr_in(kj_analyzer *a, const struct kj_search_backend *sb, const char *text, size_t len, int max_terms, bool all,
                        json_t *terms_out, int *nterms);
/** kj_search_expr_in, and beside each Chinese term of rw's bilingual list
 *  (NULL: none; text/rewrite.h kj_rewrite_alternates) its English forms:
 *  the terms the Chinese term analyzes into OR any of its forms (backend
 *  add_group; a backend without it gets the terms alone). A form is left
 *  out when it analyzes into the Chinese term's own terms (a synonym: the
 *  index holds those for it) or, when df is given, when one of its words
 *  is in no document. text should be normalized (kj_search_rewrite's
 *  output). terms_out receives every phrase of the expression in order —
 *  the text's terms and the forms — and ties_out (optional, parallel)
 *  null for a term of the text and, for a form, the array of the indexes
 *  (in terms_out) of the terms it stands for; *nterms counts the text's
 *  terms only. Thread-safe. */
char *kj_search_expr_alt(kj_analyzer *a, const kj_rewriter *rw, const struct kj_search_backend *sb, const char *text, size_t len,
                         int max_terms, bool all, kj_df_fn df, void *dfctx, json_t *terms_out, json_t *ties_out, int *nterms);
/** The counts a scan ranks with (backend.h kj_search_scan.counts) for the
 *  phrases of a kj_search_expr_alt expression: counts ("n1 n2 …" as
 *  kj_search_bm25_counts gives, or NULL: every one counted by the engine)
 *  with each English form tied to the terms it stands for, so that it
 *  ranks below them. NULL when counts is NULL and there is no form.
 *  Caller frees. */
char *kj_search_tie_counts(json_t *ties, const char *counts);
/** kj_search_expr_in for the FTS5 backend (what bench/search/eval.c runs
 *  on its own FTS5 tables). */
char *kj_search_expr(kj_analyzer *a, const char *text, size_t len, int max_terms, bool all, json_t *terms_out, int *nterms);
/** kj_search answers with the documents holding every query term when there
 *  are at least this many, else relaxes the query to any term. */
#define KJ_SEARCH_STRICT_MIN 10
/** The deepest result kj_search pages to (ranking keeps this many in
 *  memory); later pages are empty, though "total" counts every match. */
#define KJ_SEARCH_MAX_RANKED 2000
/** How many indexed documents hold term (one analyzed term), from
 *  the store's caches (context.h) refreshed every 10–15 minutes. Thread-safe. */
int64_t kj_search_term_docs(kj_db *db, const char *term);
/** Counts, in one walk of the whole index, the documents of every term
 *  held by many (what kj_search_term_docs would otherwise count one term at
 *  a time, at up to 60 ms a term at 1M listings). For a background thread,
 *  when kj_search_term_stats_due says so. Returns the number of such
 *  terms, or -1. */
int kj_search_refresh_term_stats(kj_db *db);
bool kj_search_term_stats_due(kj_db *db);
/** The number of indexed documents, estimated from above in O(log n)
 *  (0 when none or on error). Remembered between calls outside a
 *  transaction until the next write through the store, and for at most a
 *  second (writes by other processes): a search asks for it every time. */
int64_t kj_search_doc_estimate(kj_db *db);
/** kj_search_expr with OR: what matching and alerts rank candidates by. */
char *kj_search_match_expr(kj_analyzer *a, const char *text, size_t len, int max_terms, json_t *terms_out);
/** The bm25() column weights of search_fts: title, keywords, summary, body. */
extern const char *const kj_bm25_weights;
/** BM25's length normalization b the product ranks with (kj_bm25's last
 *  argument, the scans, the bitmaps' walk): 0, none (search.c says why). */
extern const double kj_bm25_b;

typedef struct {
    const char *q;               /* the user's text */
    kj_listing_query filters;    /* browse filters (kind, domain, region, trl, mode, price, within) */
    bool include_studios;        /* also search studios (when no listing-only filter is set) */
    bool exact;                  /* no typo correction: the text as typed (filler and English terms are still rewritten) */
    int page, per_page;
} kj_search_query;

/** Whether kj_search filters, counts and ranks its matches with the
 *  documents' attributes in memory (doc_attrs.h; the default) or joins the
 *  tables for each match (the SQL scan, which the walk must equal). For
 *  tests that compare the two: set it while no other thread searches. */
void kj_search_set_memory(kj_db *db, bool on);

/** Searches. The text is rewritten first (kj_search_rewrite: filler cut,
 *  English terms mapped, typos corrected unless q->exact; when a typo was
 *  corrected the answer has "corrected_query" (what was searched) and
 *  "original_query" (what was typed)). Documents holding every query term, when there are at least
 *  KJ_SEARCH_STRICT_MIN; otherwise documents holding any ("relaxed": true).
 *  Returns a new object {items: [{id, doc_kind, kind, title, summary,
 *  snippet (text with \x02…\x03 around hits), score, ...listing summary
 *  fields}], total, relaxed, facets: {kind, domain, region, trl}, terms},
 *  or NULL with e (INTERNAL "err.search.failed": the store or memory
 *  failed). An empty or punctuation-only query gives zero hits. */
json_t *kj_search(kj_db *db, const kj_search_query *q, kj_err *e);
/** Where the calling thread's last kj_search spent its time, for the
 *  answer's Server-Timing (api/api_search.c) and bench/scale's list of the
 *  slowest queries: microseconds rewriting the text, walking the strict
 *  (every word) matches, the relaxed (any word) matches when it came to
 *  that (-1: not run), and reading the page's hits; the matches each walk
 *  met; and whether the strict walk went through the frequent terms'
 *  bitmaps (fast_terms.h). Per thread, so no lock: a request's thread
 *  reads what its own search wrote. */
typedef struct {
    int64_t rewrite_us, strict_us, relaxed_us, page_us;
    int64_t strict_total, relaxed_total;
    bool strict_fast, relaxed_fast;
    /* the bitmaps alone decided the filter for the documents in memory
     * (none of their attributes read) */
    bool strict_split, relaxed_split;
} kj_search_timing;
const kj_search_timing *kj_search_last_timing(void);
/** kj_search_last_timing as a Server-Timing value ("search;dur=…, …"),
 *  into out (of size n). */
void kj_search_timing_header(char *out, size_t n);

/** Search-as-you-type: up to limit titles and keywords starting with or
 *  containing the typed text. New array [{text, id, kind}]. */
json_t *kj_search_suggest(kj_db *db, const char *prefix, int limit);

/** The ranked matches of a listing (a demand → offers and studios; an
 *  offer → demands), best first, each {id, kind, title, score, reasons}.
 *  Pairs the listing's owner marked not relevant are left out. */
json_t *kj_match_list(kj_db *db, const char *listing_id, int limit);
/** Computes (again) the matches of one listing against current listings
 *  and studios; stores the top pairs. Returns how many pairs were kept. */
int kj_match_compute(kj_db *db, const char *listing_id);
/** The document counts a scan ranks with (kj_search_scan.counts in
 *  backend.h; FTS5: kj_bm25's last argument, fts5/fts5_rank.c) for a query of these
 *  terms (a JSON array, in the query's order): their document counts from
 *  the cache, "n1 n2 …", when the index is large enough for that to pay;
 *  NULL otherwise (kj_bm25 then counts, exactly as bm25()). Caller frees. */
char *kj_search_bm25_counts(kj_db *db, json_t *terms);
/** Microseconds the calling thread spent in kj_match_compute since the last
 *  kj_match_timer_reset (-1: no computation since). Lets a handler tell in
 *  its answer (Server-Timing) how much of an approve was matching. */
int64_t kj_match_timer(void);
void kj_match_timer_reset(void);
/** Marks a proposed match not relevant (by the listing's owner). */
int kj_match_feedback(kj_db *db, json_t *user, const char *listing_id, const char *other_id);

/** Alerts. Saves a subscription of user: kind "search" (query, filters)
 *  or "matches" (listing_id, one of user's, and threshold in 0..1). 0 with
 *  its id in id_out, or -1 with e: INVALID "err.field.choice" (type),
 *  "err.search.empty" (q), "err.field.range" (threshold),
 *  "err.subscription.too_many" (100 kept); NOT_FOUND "err.not_found"
 *  (not a listing of user's); INTERNAL. */
int kj_subscribe(kj_db *db, json_t *user, const char *kind, const char *query, json_t *filters,
                 const char *listing_id, double threshold, char *id_out, kj_err *e);
json_t *kj_subscriptions(kj_db *db, json_t *user);
int kj_unsubscribe(kj_db *db, json_t *user, const char *id);

/** Hook for e-mail digests (issue "deals"): called for every alert raised.
 *  The default does nothing; the mail queue replaces it when it exists. */
extern void (*kj_alert_hook)(kj_db *db, const char *user_id, const char *kind, const char *listing_id);
#endif
