/*
 * fts5.h — the pieces the FTS5 search backend shares between its two
 * files (fts5_backend.c: index, queries, statistics; fts5_rank.c: the
 * tokenizer hook and the ranking functions kj_bm25 and kj_scan). Nothing
 * outside src/search/fts5/ includes it: the rest of search sees
 * kj_search_fts5 (search/backend.h) only.
 *
 * Tables (migrations 006, 015–017): search_fts (fts5: title, keywords,
 * summary, body; tokenizer 'kejiyun'), search_docs (one row per document,
 * its rowid — AUTOINCREMENT, never reused — is the search_fts rowid and the
 * document number of backend.h), search_vocab (fts5vocab), search_removed
 * (the removal log).
 */
#ifndef KJ_SEARCH_FTS5_H
#define KJ_SEARCH_FTS5_H
#include "search/backend.h"

/** The backend's scan (backend.h): runs kj_scan(search_fts) over the
 *  matches of expr. */
int64_t kj_fts5_scan_run(kj_db *db, const char *expr, bool newest_first, int64_t stop_after, kj_search_scan *s);
/** The number of rows of the index and of tokens in them (FTS5's totals
 *  record, search_fts_data row 1). 0, or -1. */
int kj_fts5_totals(kj_db *db, int64_t *rows, int64_t *tokens);
/** FTS5's query syntax (backend.h: add_term, typing), for the backend on
 *  a node's local copy too (fts5_local.c). */
void kj_fts5_add_term(kj_buf *expr, const char *term, bool all);
void kj_fts5_add_group(kj_buf *expr, char *const *terms, int n, const char *const *forms, int nforms, bool all);
char *kj_fts5_typing(char *const *terms, int n, bool last_prefix);
/* The documents of a page as one JSON array text "[n1,n2,…]" for json_each
 * (one statement text whatever their number). Caller frees; NULL on OOM. */
char *kj_fts5_docno_list(const int64_t *docnos, int n);
/** The tokenizer and ranking functions on a new connection (backend.h
 *  conn_hook); also what test_rank.c sets up on its own database. */
int kj_search_conn_hook(void *raw_conn, void *ctx);
#endif
