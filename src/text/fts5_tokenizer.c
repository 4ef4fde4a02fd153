/*
 * fts5_tokenizer.c — FTS5 tokenizer "kejiyun" over kj_analyzer (contract
 * in fts5_tokenizer.h). Owns only the small per-table tokenizer object,
 * which points at the shared analyzer.
 */
#include "text/fts5_tokenizer.h"
#include <stdlib.h>

typedef struct { kj_analyzer *a; } kj_fts5_tok;

typedef struct {
    void *ctx;
    int (*xToken)(void *, int, const char *, int, int, int);
} token_sink;

static int create_tok(void *user, const char **argv, int argc, Fts5Tokenizer **out)
{
    if (argc > 0) return SQLITE_ERROR;   /* no options: one analyzer for all */
    kj_fts5_tok *t = malloc(sizeof *t);
    if (!t) return SQLITE_NOMEM;
    t->a = user;
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void delete_tok(Fts5Tokenizer *t) { free(t); }

static int forward_token(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    token_sink *s = ctx;
    int tflags = (flags & KJ_TOKEN_COLOCATED) ? FTS5_TOKEN_COLOCATED : 0;
    return s->xToken(s->ctx, tflags, tok, len, start, end);
}

static int tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
                    int (*xToken)(void *, int, const char *, int, int, int))
{
    kj_fts5_tok *t = (kj_fts5_tok *)tok;
    int mode = (flags & FTS5_TOKENIZE_QUERY) ? KJ_ANALYZE_QUERY : KJ_ANALYZE_INDEX;
    token_sink s = { ctx, xToken };
    int rc = kj_analyze(t->a, mode, text, len < 0 ? 0 : len, forward_token, &s);
    return rc == -1 ? SQLITE_NOMEM : rc;   /* otherwise SQLITE_OK or FTS5's own code */
}

/* FTS5 hands out its API only through this pointer-passing query. */
fts5_api *kj_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

int kj_fts5_register(sqlite3 *db, kj_analyzer *a)
{
    if (!db || !a) return SQLITE_MISUSE;
    fts5_api *api = kj_fts5_api(db);
    if (!api || api->iVersion < 2) return SQLITE_ERROR;
    fts5_tokenizer methods = { create_tok, delete_tok, tokenize };
    return api->xCreateTokenizer(api, "kejiyun", a, &methods, NULL);
}
