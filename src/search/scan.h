/*
 * scan.h — what search.c shares with match.c, beside the backend
 * (backend.h): the ranking's column weights and the documents' attributes
 * as a walk reads them.
 */
#ifndef KJ_SEARCH_SCAN_H
#define KJ_SEARCH_SCAN_H
#include "search/backend.h"
#include "search/doc_attrs.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** The column weights of ranking (kj_bm25_weights, as numbers). */
extern const double kj_bm25_column_weights[4];

/** The packed attributes of the indexed document docno (doc_attrs.h):
 *  from memory, or read from the backend — and then kept, outside a
 *  transaction, together with those of the documents numbered after it
 *  (up to 128: new documents are met together); *read holds them when
 *  they are not kept. NULL when the document is gone. May run while a
 *  scan steps. */
const kj_doc_hot *kj_search_doc_hot(kj_db *db, int64_t docno, kj_doc_attrs *read);
#endif
