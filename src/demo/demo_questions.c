/*
 * demo_questions.c — 农技问答 in the demo (data/demo/questions.tsv): a
 * resident asks (kj_popsci_ask notifies the experts), a demo expert answers
 * about a day later, and the asker accepts the answer, each step at its
 * day on the demo clock.
 */
#include "demo/demo_int.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include <stdlib.h>
#include <string.h>

enum { Q_ASKER, Q_TOPIC, Q_REGION, Q_DAYS, Q_TITLE, Q_BODY, Q_EXPERT, Q_ANSWER, Q_ACCEPTED, Q_NCOLS };
static const char *const question_cols[Q_NCOLS] = {
    "asker", "topic", "region", "days_ago", "title", "body", "expert", "answer", "accepted",
};

static int question_row(kj_demo_src *src, char **f, void *ctx)
{
    int *n = ctx;
    double days = atof(f[Q_DAYS]);
    json_t *asker = kj_demo_user(src->db, f[Q_ASKER]), *expert = kj_demo_user(src->db, f[Q_EXPERT]);
    json_t *fields = json_object();
    kj_err e = { .fields = fields };
    char qid[KJ_ID_LEN + 1], aid[KJ_ID_LEN + 1];
    int rc = 0;
    if (!asker || !expert) rc = kj_demo_fail(src, asker ? "expert" : "asker", "err.demo.owner_unknown");
    if (rc == 0) {
        json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "title", f[Q_TITLE], "body", f[Q_BODY], "topic", f[Q_TOPIC],
                               "region", f[Q_REGION]);
        kj_demo_clock(days);
        if (kj_popsci_ask(src->db, asker, in, qid, &e)) rc = kj_demo_fail(src, "question", json_string_value(
                                                           json_object_iter_value(json_object_iter(fields))));
        json_decref(in);
    }
    /* The expert answers within a day; the asker accepts a few hours later. */
    if (rc == 0) kj_demo_clock(days > 1 ? days - 0.8 : days * 0.5);
    if (rc == 0 && kj_popsci_answer(src->db, expert, qid, f[Q_ANSWER], aid, &e)) rc = kj_demo_fail(src, "answer", e.key);
    if (rc == 0 && !strcmp(f[Q_ACCEPTED], "1")) {
        kj_demo_clock(days > 1 ? days - 1 : days * 0.3);
        if (kj_popsci_accept(src->db, asker, aid, &e)) rc = kj_demo_fail(src, "accepted", e.key);
    }
    json_decref(fields);
    json_decref(asker);
    json_decref(expert);
    if (rc == 0) (*n)++;
    return rc;
}

int kj_demo_questions(kj_demo_src *src, FILE *out)
{
    int n = 0;
    if (!kj_demo_open(src, "questions")) return 0;
    int rc = kj_demo_tsv(src, question_cols, Q_NCOLS, question_row, &n);
    kj_demo_clock_now();
    if (rc) return -1;
    fprintf(out, "  %d demo questions answered by experts\n", n);
    return 0;
}
