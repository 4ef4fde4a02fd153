/*
 * fts5_tokenizer.h — the analyzer (analyzer.h) as an SQLite FTS5 custom
 * tokenizer named "kejiyun", so FTS5 tables index and query with it:
 *
 *   CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='kejiyun');
 *
 * Documents (FTS5_TOKENIZE_DOCUMENT) and auxiliary functions such as
 * highlight()/snippet() (FTS5_TOKENIZE_AUX) use KJ_ANALYZE_INDEX; query
 * strings (FTS5_TOKENIZE_QUERY) use KJ_ANALYZE_QUERY. Token offsets point
 * into the original text, so highlight() marks what the user wrote.
 */
#ifndef KJ_FTS5_TOKENIZER_H
#define KJ_FTS5_TOKENIZER_H
#include "text/analyzer.h"
#include <sqlite3.h>

/**
 * Registers the "kejiyun" tokenizer on connection db, backed by analyzer a.
 * Must be called on every connection that touches such a table (FTS5
 * tokenizers are per connection). a is borrowed, not owned: it must stay
 * open until db is closed. Tokenizer arguments in the CREATE statement are
 * not accepted. Returns SQLITE_OK, or an SQLite error code (e.g.
 * SQLITE_ERROR when this SQLite lacks FTS5). The tokenizer itself is safe
 * to use from any thread, like the analyzer.
 */
int kj_fts5_register(sqlite3 *db, kj_analyzer *a);

/** The FTS5 API of connection db (to register tokenizers and auxiliary
 *  functions), or NULL when this SQLite lacks FTS5. */
fts5_api *kj_fts5_api(sqlite3 *db);

#endif
