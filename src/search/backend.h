/*
 * backend.h — the search seam: what the search module (search.c, match.c,
 * alerts.c) asks of a full-text engine, as a table of functions in the
 * manner of the storage layer's kj_store_backend (store/store.h).
 *
 * FTS5 is the first implementation (search/fts5/: fts5_backend.c for the
 * index, queries and statistics; fts5_rank.c for the tokenizer hook and the
 * ranking functions). On PostgreSQL, fts5_local.c runs the same FTS5
 * backend on each node's local copy of the index (search/local.h), reading
 * the rows a page shows from the database.
 *
 * What stays on this side of the seam (search.c, match.c): analysing a
 * user's text into terms, choosing strict or relaxed queries, the ranking
 * policy (column weights, the cached term counts, the bitmaps of frequent
 * terms), the filters and facets over documents' attributes in memory,
 * the top-k heap, result shaping (literal snippets, redaction, studios),
 * matching and its explanations. What a backend owns: where the text is
 * kept, its query syntax, walking the matches of a query with BM25 scores,
 * and the numbers the ranking needs (documents per term, index totals).
 *
 * Document numbers: each indexed document has a number (FTS5: the rowid of
 * search_docs / search_fts) that is > 0, never reused — a document indexed
 * again gets a new, higher one — and grows with indexing order. The
 * in-memory attributes (doc_attrs.h) and the frequent-term bitmaps
 * (fast_terms.h) are keyed by it and rely on these three properties.
 *
 * Query expressions are opaque to the search module: built only by the
 * backend's add_term / typing functions from analysed terms (so nothing a
 * user types is ever the engine's syntax), and handed back to its scans.
 *
 * Threading: every function is called by the thread that holds db, with no
 * lock of the search module held; a backend keeps no per-query state
 * outside its arguments (a scan in progress may be per thread: one scan at
 * a time per thread). Functions that write run inside the caller's
 * transaction and never begin, commit or roll back one themselves.
 *
 * Errors: -1 (or NULL, as each says) when the store failed; the failure is
 * also recorded on the connection (kj_db_failed), which is how a request
 * turns it into a 500. "Not found" is never an error.
 */
#ifndef KJ_SEARCH_BACKEND_H
#define KJ_SEARCH_BACKEND_H
#include "core/buf.h"
#include "market/market.h"
#include "search/doc_attrs.h"
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* One walk over the matches of a query expression (see scan below).
 * The caller's visit() sees each matching document first and decides,
 * from what it knows of the document (doc_attrs.h), whether the row is
 * worth ranking; only then is its BM25 computed and handed to scored(). A
 * search with a filter thus never ranks the rows the filter drops, and
 * reads no table row for them. */
typedef struct kj_search_scan kj_search_scan;
struct kj_search_scan {
    /** For each match: 1 to rank it (then scored() follows), 0 to skip it.
     *  May set *ntok to the row's length in tokens, if it knows it: the
     *  ranking then need not read it from the index. */
    int (*visit)(kj_search_scan *s, int64_t docno, int *ntok);
    /** The row's BM25 (higher is better) after visit() returned 1. */
    void (*scored)(kj_search_scan *s, int64_t docno, double score);
    double weights[4];        /* per column: title, keywords, summary, body */
    /* The phrases' document counts, "n1 n2 …" in the expression's order
     * (NULL: all counted; a negative one: that one counted), where a
     * phrase may instead be tied to others: "~P@i+j" ranks it with P ‰ of
     * the sum of the IDFs of phrases i, j, … (0-based, themselves not tied):
     * how a Chinese term's English forms count (search.c). */
    const char *counts;
    /** Optional, instead of scored(): each term's weighted hits in the row
     *  (the sum of the weights of the columns of its occurrences). */
    void (*counted)(kj_search_scan *s, int64_t docno, const double *hits, int nterm);
    int64_t after_docno, up_to_docno;   /* only documents in (after, up_to]; 0: no bound */
};

/* What a backend is told to index: four weighted text columns. */
typedef struct {
    const char *doc_id;       /* a listing's or studio's id */
    const char *doc_kind;     /* "listing" / "studio" */
    const char *title, *keywords, *summary, *body;   /* NULL = "" */
} kj_search_doc;

/* The facet values of one match of a filtered scan (scan_filtered). */
typedef struct {
    const char *value[4];     /* kind (or "studio"), first-level domain, province, TRL as text; NULL: none */
    size_t len[4];
} kj_search_facet_row;

/* The columns (SQL) of a listing (l, with its domain dm, region rg and
 * organization og: its name and verified-organization badge)
 * and of a studio (s) that a search hit shows, for backends that read them
 * together with the hits' text in one statement (hits). */
#define KJ_SEARCH_HIT_LISTING_COLUMNS \
    "l.kind, l.subtype, l.title, l.summary, l.lang, l.domain, l.region, l.trl, l.trl_min, l.price_kind, l.price_min_fen, " \
    "l.price_max_fen, l.coop_modes AS coop_modes__json, l.keywords AS keywords__json, l.valid_until, l.deadline, " \
    "l.published_at, l.anonymous, l.open_for_interest, l.status, l.owner_id, l.studio_id, l.org_id, " \
    "dm.name_zh AS domain_zh, dm.name_en AS domain_en, rg.name_zh AS region_zh, rg.name_en AS region_en, " \
    "og.name AS org_name, og.verified_at IS NOT NULL AS org_verified, " KJ_LISTING_ORIGIN_COLUMNS
/* A studio's origin as the listing's (KJ_LISTING_ORIGIN_COLUMNS): a peer's
 * studio is labelled "来自 X" in search too. */
#define KJ_SEARCH_HIT_STUDIO_COLUMNS "s.name AS studio_name, s.intro AS studio_intro, s.region AS studio_region, " \
    "s.origin AS studio_origin, (SELECT json_object('zh', sp.name_zh, 'en', sp.name_en, 'url', sp.url) FROM fed_peers sp " \
    "WHERE sp.instance_id = s.origin) AS studio_origin_remote__json"

typedef struct kj_search_backend {
    const char *name;                  /* "fts5" */
    const char *store;                 /* the kj_store_backend it runs on ("sqlite") */
    /** Set up on each new store connection, before migrations (a tokenizer
     *  the index is declared with, ranking functions); raw is the store
     *  backend's handle, ctx the analyzer. NULL: nothing to set up. */
    kj_conn_hook conn_hook;

    /* ---- the index (writes: inside the caller's transaction) ---- */
    /** Indexes a document (not indexed yet: the caller removes it first).
     *  0 or -1. */
    int (*add)(kj_db *db, const kj_search_doc *doc);
    /** Removes the document if it is indexed, and logs its number for
     *  removed_since. 0 (also when it was not indexed) or -1. */
    int (*remove)(kj_db *db, const char *doc_id);
    /** Removes every document (each logged as by remove). 0 or -1. */
    int (*clear)(kj_db *db);
    /** Compacts the index after bulk changes. 0 or -1. */
    int (*optimize)(kj_db *db);

    /* ---- documents ---- */
    /** The number of an indexed document; 0 when it is not indexed. */
    int64_t (*doc_number)(kj_db *db, const char *doc_id);
    /** {doc_id, doc_kind} of a document number; NULL when gone. New ref. */
    json_t *(*doc_of)(kj_db *db, int64_t docno);
    /** The key terms kept with a document: {doc_kind, t (array, or absent
     *  when none were kept yet)}; NULL when not indexed. New ref. */
    json_t *(*terms_get)(kj_db *db, const char *doc_id);
    /** Keeps a document's key terms (a cache: failure is only logged). */
    void (*terms_put)(kj_db *db, const char *doc_id, json_t *terms);
    /** How many listings are published and current on day today
     *  (YYYY-MM-DD) but not indexed (for /metrics: should be 0). */
    int64_t (*unindexed)(kj_db *db, const char *today);
    /** {documents, listings, studios} indexed. New ref. */
    json_t *(*stats)(kj_db *db);
    /** Calls fn with the attributes (doc_attrs.h) of the documents after
     *  number `after` in order (at most limit), or of the one document
     *  `only` when only > 0. Returns how many were read, -1 on error. The
     *  row's strings live until fn returns. May run while a scan steps. */
    int64_t (*attrs)(kj_db *db, int64_t after, int64_t only, int64_t limit,
                     bool (*fn)(void *ctx, int64_t docno, const kj_doc_row *r), void *ctx);

    /* ---- query expressions ---- */
    /** Appends one analysed term to expr: joined to what expr holds by AND
     *  when all is true, else by OR. */
    void (*add_term)(kj_buf *expr, const char *term, bool all);
    /** Optional (NULL: a query searches its terms alone). Appends a group
     *  of alternatives, joined to what expr holds as add_term joins a term:
     *  the analysed terms terms[0..n) (every one when all is true, else any)
     *  OR any of the phrases forms[0..nforms) (each a normalized text whose
     *  words must follow one another in a document, analysed by the
     *  index's analyzer; search.c: a Chinese term's English forms). The
     *  phrases of the expression are, in order, the terms then the forms
     *  (what kj_search_scan.counts lists). */
    void (*add_group)(kj_buf *expr, char *const *terms, int n, const char *const *forms, int nforms, bool all);
    /** The expression for text being typed: every term required, the last
     *  one as a prefix when last_prefix, in the title and keywords only.
     *  malloc'd; NULL when n is 0. */
    char *(*typing)(char *const *terms, int n, bool last_prefix);

    /* ---- queries ---- */
    /** Walks the matches of expr by document number, highest first when
     *  newest_first, calling s's functions (see kj_search_scan). Stops after
     *  stop_after rows were ranked (0: no limit). Returns the number of rows
     *  ranked, or -1 when the query failed. One scan at a time per thread. */
    int64_t (*scan)(kj_db *db, const char *expr, bool newest_first, int64_t stop_after, kj_search_scan *s);
    /** Every match of expr that passes the browse filters f (studios pass
     *  when studios is true), read with the database's own filtering (the
     *  reference the in-memory walk must equal): fn gets each one's facet
     *  values, number and BM25 (higher is better; counts as in
     *  kj_search_scan). Returns the number of matches, or -1. */
    int64_t (*scan_filtered)(kj_db *db, const char *expr, const kj_listing_query *f, bool studios, const char *counts,
                             void (*fn)(void *ctx, const kj_search_facet_row *facets, int64_t docno, double score), void *ctx);
    /** The n hits of a results page (documents docnos[0..n-1]), read
     *  together (one statement: a page of 20 read one by one was 20):
     *  element i is docnos[i]'s hit as a page shows it, {id, doc_kind,
     *  f0..f3 (the four indexed columns' text), KJ_SEARCH_HIT_LISTING_COLUMNS
     *  (null for a studio), KJ_SEARCH_HIT_STUDIO_COLUMNS (null for a
     *  listing)} in that order, or JSON null when the document is gone.
     *  NULL on error. New ref. */
    json_t *(*hits)(kj_db *db, const int64_t *docnos, int n);
    /** The engine's own snippets of hits for expr (\x02…\x03 around
     *  matches, '…' where text is left out), read together: element i is
     *  docnos[i]'s, or JSON null when there is none. NULL on error. New ref. */
    json_t *(*snippets)(kj_db *db, const char *expr, const int64_t *docnos, int n);
    /** Published listings matching a typing expression, newest first, at
     *  most limit: [{id, kind, title, kw (keywords array)}]. New ref. */
    json_t *(*suggest)(kj_db *db, const char *expr, int limit);
    /** Whether the indexed listing doc_id matches expr and the filters f. */
    bool (*doc_matches)(kj_db *db, const char *expr, const char *doc_id, const kj_listing_query *f);

    /* ---- term statistics ---- */
    /** How many documents hold term now (counted; callers cache). */
    int64_t (*term_docs)(kj_db *db, const char *term);
    /** Every term held by at least min_docs documents: [{term, doc}]; NULL
     *  on error. New ref. */
    json_t *(*frequent_terms)(kj_db *db, int64_t min_docs);
    /** The highest document number in use (0: none; -1 on error): an
     *  estimate from above of the number of documents, in O(log n). */
    int64_t (*max_docno)(kj_db *db);
    /** The number of rows of the index and of tokens in them, as the
     *  ranking counts them. 0, or -1. */
    int (*totals)(kj_db *db, int64_t *rows, int64_t *tokens);

    /* ---- the removal log (for the bitmaps of fast_terms.h) ---- */
    /** The position of the last removal logged (0: none), -1 on error. */
    int64_t (*removed_seq)(kj_db *db);
    /** Calls fn for each removal logged after position seq, in order. 0/-1. */
    int (*removed_since)(kj_db *db, int64_t seq, void (*fn)(void *ctx, int64_t seq, int64_t docno), void *ctx);
    /** Forgets the removals up to seq (best effort: failure only logged). */
    void (*removed_prune)(kj_db *db, int64_t seq);
} kj_search_backend;

/* The backends compiled in. */
extern const kj_search_backend kj_search_fts5;
extern const kj_search_backend kj_search_local;  /* fts5/fts5_local.c: a shared database (PostgreSQL), on each node's local copy (search/local.h) */

/** The search backend for a store backend (by its name), for the
 *  connection hook before any connection exists. */
const kj_search_backend *kj_search_backend_for_store(const char *store);

/** The search backend for db's store (by the store backend's name). Every
 *  store backend compiled in has one; the first is the fallback. */
const kj_search_backend *kj_search_backend_of(kj_db *db);
#endif
