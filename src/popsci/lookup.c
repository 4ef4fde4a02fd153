/*
 * lookup.c — small reads and the transaction wrapper that the popsci
 * pages and API use (see popsci.h, "lookups and transactions").
 */
#include "popsci/popsci.h"

char *kj_popsci_published_title(kj_db *db, const char *id)
{
    return kj_db_text(db, "SELECT title FROM popsci_content WHERE id = ? AND status = 'published'", "s", id);
}

char *kj_popsci_answer_question(kj_db *db, const char *answer_id)
{
    return kj_db_text(db, "SELECT question_id FROM popsci_answers WHERE id = ?", "s", answer_id);
}

int kj_popsci_atomic(kj_db *db, int (*steps)(kj_db *db, void *ctx), void *ctx)
{
    if (kj_db_begin(db)) return -1;
    int st = steps(db, ctx);
    if (st) {
        kj_db_rollback(db);
        return st;
    }
    return kj_db_commit(db) ? -1 : 0;
}
