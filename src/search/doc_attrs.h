/*
 * doc_attrs.h — what the search filters and facets read of an indexed
 * document, kept in memory by its document number (search/backend.h; for
 * FTS5 the rowid of search_docs, called rowid below), so that a search
 * walking 40,000 matches does not join two tables 40,000 times.
 *
 * Why a cache keyed by rowid can never be stale (the invariants, which
 * backend.h asks of every backend's document numbers):
 *  - a document's rowid is never reused: search_docs allocates rowids with
 *    AUTOINCREMENT (migration 016);
 *  - the listing columns read here (kind, domain, region, TRL, modes,
 *    price, published_at, valid_until, status) only change together with
 *    a re-index (kj_search_sync_listing removes the document and adds it
 *    again under a new rowid), as search.h requires of every change of a
 *    listing's content or visibility;
 *  - entries are filled only from committed data (a connection outside a
 *    transaction): an entry for a rowid that a rollback later gives back
 *    is never made.
 * So an entry, once known, describes its rowid for as long as the rowid is
 * in the index; rowids no longer in the index are never asked for, since
 * the full-text match is what yields them.
 *
 * Ownership and thread-safety: a kj_doc_cache belongs to one store's
 * search context (search/context.h), for every connection of that store,
 * and lives as long as the store. Readers take no lock (an entry is
 * published by a release store of its state after its fields are
 * written); writers and the code tables take the cache's mutexes.
 */
#ifndef KJ_DOC_ATTRS_H
#define KJ_DOC_ATTRS_H
#include "market/market.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The attributes and code tables of one store's indexed documents. */
typedef struct kj_doc_cache kj_doc_cache;
/** A new, empty cache; NULL when out of memory. */
kj_doc_cache *kj_doc_cache_new(void);
/** Frees a cache no thread reads any more. */
void kj_doc_cache_free(kj_doc_cache *c);

/* The small tables that turn codes into numbers (index 0 = none). */
typedef enum { KJ_CODES_KIND, KJ_CODES_DOMAIN1, KJ_CODES_DOMAIN, KJ_CODES_PROVINCE, KJ_CODES_CITY,
               KJ_CODES_REGION, KJ_CODES_MODE, KJ_NCODE_TABLES } kj_code_table;

/* What every search reads of a document, packed in 16 bytes: a search
 * meets tens of thousands of documents in rowid order, and the time goes
 * into bringing their entries from memory. */
typedef struct {
    uint8_t kind, trl;
    bool studio, published;
    uint16_t domain1, province;
    uint32_t valid_until;
    int32_t tokens;
} kj_doc_hot;

typedef struct {
    kj_doc_hot hot;            /* the same values, packed (filled by kj_doc_attrs_from_row) */
    uint16_t kind, domain1, domain, province, city, region;  /* codes (kj_doc_code); 0: none */
    uint8_t trl;               /* coalesce(trl, trl_min); 0: none */
    int32_t tokens;            /* the document's length in the index, in tokens; -1: unknown */
    bool studio;               /* a studio (no listing columns) */
    bool published;            /* the listing's status is 'published' (studios: true) */
    uint32_t valid_until;      /* YYYYMMDD; 0: none (studios: never expire) */
    uint64_t modes;            /* bit (code - 1) of each cooperation mode */
    int64_t published_at;      /* ms; INT64_MIN: none */
    int64_t price_min, price_max;  /* fen; INT64_MAX / INT64_MIN: none (never within a range) */
} kj_doc_attrs;

/** The number of code for the text s (len bytes) in table t, added when
 *  add is true and it is new. 0 when s is empty or unknown (add false), -1
 *  when the table is full (the document then cannot be kept). */
int kj_doc_code(kj_doc_cache *c, kj_code_table t, const char *s, size_t len, bool add);
/** The text of code n of table t ("" for 0 or an unknown number). */
const char *kj_doc_code_name(kj_doc_cache *c, kj_code_table t, int n);
/** How many codes table t holds (numbers 1..count). */
int kj_doc_code_count(kj_doc_cache *c, kj_code_table t);

/** The packed attributes of rowid, or NULL when they are not known yet.
 *  Lock-free; the entry stays valid (and unchanged) as long as the cache. */
const kj_doc_hot *kj_doc_hot_find(kj_doc_cache *c, int64_t rowid);
/** Asks the processor to bring rowid's packed attributes towards its cache
 *  (no effect on what anything reads): a walk that knows its next rowids
 *  asks for them all first, so that the memory waits overlap. */
void kj_doc_hot_prefetch(kj_doc_cache *c, int64_t rowid);
/** All the attributes of rowid, or NULL when they are not known yet. */
const kj_doc_attrs *kj_doc_attrs_find(kj_doc_cache *c, int64_t rowid);
/** Keeps the attributes of rowid (see the invariants above for when a
 *  caller may). Rowids past the cache's range are not kept. */
void kj_doc_attrs_put(kj_doc_cache *c, int64_t rowid, const kj_doc_attrs *a);
/** How many rowids are known (for /metrics). */
int64_t kj_doc_attrs_count(kj_doc_cache *c);

/* The most region codes a region filter below the city takes (a county
 * and the townships seen under it); a region with more goes to SQL. */
#define KJ_DOC_REGION_SET_MAX 128

/* A browse filter compiled for kj_doc_filter_pass. */
typedef struct {
    bool listings_only;          /* a listing filter is set: studios never pass */
    bool studios;                /* studios may pass (search includes them) */
    int kind, domain1, domain, province, city, region;   /* 0: not filtered; -1: nothing passes */
    /* A region below the city with places under it (a county and its
     * townships): the codes of the region and of every place seen under
     * it, by the tree's parent chain as browse's SQL takes the subtree
     * (region_codes_n: the codes known then; a later code is placed by
     * the tree); region is 0 then, region_under the region (else NULL). */
    const char *region_under;
    kj_doc_cache *docs;          /* the cache compiled against (codes first met during a scan) */
    int region_depth, region_codes_n, region_set_n;
    uint16_t region_set[KJ_DOC_REGION_SET_MAX];
    uint64_t mode_bit;           /* 0: not filtered */
    bool no_mode;                /* a mode filter no document can pass */
    int trl_min, trl_max;
    int64_t price_min, price_max;    /* -1: not filtered */
    int64_t published_since;     /* ms; INT64_MIN: not filtered */
    uint32_t today;              /* YYYYMMDD */
    bool unknown;                /* a filter value no document seen so far holds (see kj_doc_filter_compile) */
    bool beyond_hot;             /* filters on attributes kj_doc_hot does not hold */
} kj_doc_filter;

/** Compiles q's filters (search's subset of the browse filters) for
 *  documents in memory. False when q uses a filter that only SQL can
 *  evaluate (status, studio, organization, owner, title words): the caller
 *  then searches with SQL. studios: whether studios may pass at all.
 *  A filter value that no document seen so far holds lets nothing pass and
 *  sets f->unknown: compile again once the scan's documents are all known;
 *  if the value is known then, scan again. */
bool kj_doc_filter_compile(kj_doc_cache *c, const kj_listing_query *q, bool studios, int64_t now_ms, kj_doc_filter *f);
/** Whether a document with attributes a passes filter f — exactly what
 *  kj_listing_filter_sql (browse.c) and search's studio rule select. */
bool kj_doc_filter_pass(const kj_doc_filter *f, const kj_doc_attrs *a);
/** The same for a known rowid whose packed attributes are h: reads the rest
 *  only when f filters on more than h holds. */
bool kj_doc_filter_pass_hot(kj_doc_cache *c, const kj_doc_filter *f, int64_t rowid, const kj_doc_hot *h);

/** Fills *a from a document's columns, as read by search.c's attribute
 *  query (strings may be NULL; modes_csv: the mode codes, comma-separated).
 *  False when a code table is full. */
typedef struct {
    const char *doc_kind, *kind, *domain1, *domain, *province, *city, *region, *modes_csv, *valid_until, *status;
    int64_t trl;              /* 0: none */
    /* The document's length in tokens, as the ranking counts it: either a
     * record of per-column counts as SQLite varints (what FTS5 keeps in its
     * %_docsize table, which the FTS5 backend hands over as it is), or,
     * when sizes is NULL, the total (0: unknown) from a backend that keeps
     * it otherwise. */
    const unsigned char *sizes;
    size_t sizes_len;
    int32_t tokens;
    bool has_price_min, has_price_max, has_published_at;
    int64_t price_min, price_max, published_at;
} kj_doc_row;
bool kj_doc_attrs_from_row(kj_doc_cache *c, const kj_doc_row *r, kj_doc_attrs *a);
/** Reads a record of SQLite-format varints (big-endian groups of 7 bits,
 *  the high bit set on all but the last; a ninth byte carries 8 bits), as
 *  FTS5 writes a row's token counts and its totals: the first max values
 *  into out. Returns how many the record holds, or -1 when it is cut short. */
int kj_fts5_varints(const unsigned char *p, size_t len, int64_t *out, int max);
#endif
