/*
 * scan.h — one walk over the matches of a full-text expression, for the
 * search module only (search.c, match.c; run by search_sqlite.c).
 *
 * The caller's visit() sees each matching rowid first and decides, from
 * what it knows of the document (doc_attrs.h), whether the row is worth
 * ranking; only then is its BM25 computed and handed to scored(). A search
 * with a filter thus never ranks the rows the filter drops, and reads no
 * table row for them.
 */
#ifndef KJ_SEARCH_SCAN_H
#define KJ_SEARCH_SCAN_H
#include "search/doc_attrs.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct kj_fts_scan kj_fts_scan;
struct kj_fts_scan {
    /** For each match: 1 to rank it (then scored() follows), 0 to skip it.
     *  May set *ntok to the row's length in tokens, if it knows it: the
     *  ranking then need not read it from the index (a B-tree search). */
    int (*visit)(kj_fts_scan *s, int64_t rowid, int *ntok);
    /** The row's BM25 (higher is better) after visit() returned 1. */
    void (*scored)(kj_fts_scan *s, int64_t rowid, double score);
    double weights[4];        /* per column: title, keywords, summary, body */
    const char *counts;       /* the phrases' document counts, as kj_bm25's last argument; NULL: counted */
    /** Optional, instead of scored(): each phrase's weighted hits in the row
     *  (the sum of the weights of the columns of its occurrences). */
    void (*counted)(kj_fts_scan *s, int64_t rowid, const double *hits, int nphrase);
    int64_t after_rowid, up_to_rowid;   /* only rows in (after, up_to]; 0: no bound */
};

/** The number of rows of the index and of tokens in them, as the ranking
 *  counts them (FTS5's totals record). 0, or -1. */
int kj_search_index_totals(kj_db *db, int64_t *rows, int64_t *tokens);

/** The column weights of ranking (kj_bm25_weights, as numbers). */
extern const double kj_bm25_column_weights[4];

/** Walks the matches of expr (an FTS5 expression built by the search
 *  module), by rowid, highest first when newest_first. Stops after
 *  stop_after rows were ranked (0: no limit). Returns the number of rows
 *  ranked, or -1 when the query failed. One scan at a time per thread. */
int64_t kj_fts_scan_run(kj_db *db, const char *expr, bool newest_first, int64_t stop_after, kj_fts_scan *s);
/** The packed attributes of the indexed document rowid (doc_attrs.h):
 *  from memory, or read from the database — and then kept, outside a
 *  transaction; *read holds them when they are not kept. NULL when the
 *  document is gone. May run while a scan's statement steps. */
const kj_doc_hot *kj_search_doc_hot(kj_db *db, int64_t rowid, kj_doc_attrs *read);
#endif
