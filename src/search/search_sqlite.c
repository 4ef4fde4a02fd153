/*
 * search_sqlite.c — the one SQLite-specific piece of search: registering
 * the analyzer as the FTS5 tokenizer 'kejiyun' on each new connection (the
 * storage layer calls this hook before running migrations, since the
 * search table is declared with that tokenizer).
 */
#include "search/search.h"
#include "text/fts5_tokenizer.h"

int kj_search_conn_hook(void *raw_conn, void *ctx);
int kj_search_conn_hook(void *raw_conn, void *ctx)
{
    kj_analyzer *a = ctx;
    return a ? kj_fts5_register((sqlite3 *)raw_conn, a) : -1;
}
