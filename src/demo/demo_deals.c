/*
 * demo_deals.c — deals of the demo (data/demo/deals.tsv): each is started
 * the way people start one (an order of a fixed-price service, or an
 * accepted expression of interest), then driven through the deal table
 * (deal/deal.h) action by action, each by the party whose turn it is, at
 * its day on the demo clock: offers, the generated contract signed by both,
 * a milestone, delivery, acceptance, completion and both parties' reviews.
 */
#include "demo/demo_int.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "deal/deal.h"
#include "market/market.h"
#include <stdlib.h>
#include <string.h>

enum { D_VIA, D_LISTING, D_CLIENT, D_TARGET, D_DAYS, D_MESSAGE, D_OFFER, D_CLIENT_REVIEW, D_PROVIDER_REVIEW, D_NCOLS };
static const char *const deal_cols[D_NCOLS] = {
    "via", "listing", "client", "target", "days_ago", "message", "offer", "client_review", "provider_review",
};

/* The states a deal passes on the way to completion, in order. */
static const char *const path[] = { "inquiry", "negotiation", "agreed", "signed", "in_progress", "delivered", "accepted",
                                    "completed", NULL };

static int rank(const char *state)
{
    for (int i = 0; path[i]; i++)
        if (!strcmp(path[i], state)) return i;
    return -1;
}

typedef struct { kj_demo_src *src; const char *deal; double day; } step_ctx;

/* One action of the table by who, days_ago days before the load. */
static int step(step_ctx *s, json_t *who, double days_ago, const char *action, json_t *args, char *result)
{
    kj_err e = { 0 };
    json_t *errors = json_object();
    if (!args) args = json_object();
    kj_demo_clock(days_ago);
    int rc = kj_deal_act(s->src->db, who, s->deal, action, args, "127.0.0.1", errors, result, &e);
    if (rc) {
        const char *field = json_object_iter_key(json_object_iter(errors));
        kj_demo_fail(s->src, action, field ? json_string_value(json_object_get(errors, field)) : e.key);
    }
    json_decref(errors);
    json_decref(args);
    return rc;
}

/* "type~kind~amount~days~scope[~entry_fee~royalty_pct~instalments]" as offer args. New ref. */
static json_t *offer_args(const char *spec)
{
    char *copy = strdup(spec), *f[8] = { 0 }, *p = copy;
    for (int i = 0; i < 8 && p; i++) {
        f[i] = p;
        p = strchr(p, '~');
        if (p) *p++ = 0;
    }
    json_t *a = json_pack("{s:s, s:s, s:s, s:i}", "contract_type", f[0] ? f[0] : "", "price_kind", f[1] ? f[1] : "",
                          "scope", f[4] ? f[4] : "", "duration_days", f[3] ? atoi(f[3]) : 0);
    if (f[2] && *f[2] && strcmp(f[2], "0")) json_object_set_new(a, "amount", json_string(f[2]));
    if (f[5] && *f[5]) json_object_set_new(a, "entry_fee", json_string(f[5]));
    if (f[6] && *f[6]) json_object_set_new(a, "royalty_pct", json_string(f[6]));
    if (f[7] && *f[7]) json_object_set_new(a, "instalments", json_integer(atoi(f[7])));
    free(copy);
    return a;
}

static int review(step_ctx *s, json_t *who, double day, const char *spec)
{
    const char *tilde = strchr(spec, '~');
    if (!tilde) return kj_demo_fail(s->src, "review", "rating~text");
    return step(s, who, day, "review", json_pack("{s:i, s:s}", "rating", atoi(spec), "body", tilde + 1), NULL);
}

static int deal_row(kj_demo_src *src, char **f, void *c)
{
    int *n = c;
    int goal = rank(f[D_TARGET]);
    double d0 = atof(f[D_DAYS]);
    if (goal < 0) return kj_demo_fail(src, "target", f[D_TARGET]);
    /* A title names one listing: a demo title used twice would make this,
     * and anybody's labelled set built from the demo, ambiguous. */
    if (kj_db_int(src->db, 0, "SELECT count(*) FROM listings WHERE title = ?", "s", f[D_LISTING]) != 1)
        return kj_demo_fail(src, "listing", "not exactly one listing with this title");
    char *listing = kj_db_text(src->db, "SELECT id FROM listings WHERE title = ? AND status = 'published'", "s", f[D_LISTING]);
    json_t *l = listing ? kj_listing_get(src->db, listing) : NULL;
    json_t *client = kj_demo_user(src->db, f[D_CLIENT]);
    json_t *provider = l ? kj_user_get(src->db, kj_jstr(l, "owner_id")) : NULL;
    char deal[KJ_ID_LEN + 1], eoi[KJ_ID_LEN + 1], ms[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    int rc = 0;
    if (!client || !provider) rc = kj_demo_fail(src, client ? "listing" : "client", "unknown");
    kj_demo_clock(d0);
    if (rc == 0 && !strcmp(f[D_VIA], "order")) {
        if (kj_deal_order(src->db, client, listing, deal, &e)) rc = kj_demo_fail(src, "order", e.key);
    } else if (rc == 0) {
        if (kj_eoi_send(src->db, client, listing, f[D_MESSAGE], NULL, eoi, &e)) rc = kj_demo_fail(src, "eoi", e.key);
        kj_demo_clock(d0 - 0.4);
        if (rc == 0 && kj_eoi_decide(src->db, provider, eoi, true, NULL, NULL, &e)) rc = kj_demo_fail(src, "eoi", e.key);
        kj_demo_clock(d0 - 1);
        if (rc == 0 && kj_deal_start_from_eoi(src->db, client, eoi, deal, &e)) rc = kj_demo_fail(src, "deal", e.key);
    }
    step_ctx s = { src, deal, d0 };
    if (rc == 0 && !strcmp(f[D_VIA], "order"))
        rc = step(&s, client, d0 - 0.1, "message", json_pack("{s:s}", "body", f[D_MESSAGE]), NULL);
    if (rc == 0 && !strcmp(f[D_VIA], "eoi") && goal >= rank("negotiation"))
        rc = step(&s, provider, d0 - 3, "offer", offer_args(f[D_OFFER]), NULL);
    if (rc == 0 && !strcmp(f[D_VIA], "eoi") && goal >= rank("agreed"))
        rc = step(&s, client, d0 - 5, "accept_offer", NULL, NULL);
    if (rc == 0 && goal >= rank("signed")) rc = step(&s, client, d0 - 7, "sign", NULL, NULL);
    if (rc == 0 && goal >= rank("signed")) rc = step(&s, provider, d0 - 7.5, "sign", NULL, NULL);
    if (rc == 0 && goal >= rank("in_progress")) {
        char due[16];
        kj_format_date(kj_now_ms() + 21 * KJ_DAY_MS, due, sizeof due);   /* three weeks after signing */
        rc = step(&s, client, d0 - 8, "add_milestone", json_pack("{s:s, s:s, s:s}", "title", "成果交付与现场验收",
                  "deliverable", "合同约定的全部交付物及验收报告", "due_date", due), ms);
        if (rc == 0) rc = step(&s, provider, d0 - 8.5, "start", NULL, NULL);
    }
    /* The milestone is delivered and (on the way to acceptance) accepted
     * while the work is in progress; then the whole is delivered. */
    if (rc == 0 && goal >= rank("delivered")) rc = step(&s, provider, d0 - 26, "deliver_milestone", json_pack("{s:s}", "milestone_id", ms), NULL);
    if (rc == 0 && goal >= rank("accepted")) rc = step(&s, client, d0 - 27, "accept_milestone", json_pack("{s:s}", "milestone_id", ms), NULL);
    if (rc == 0 && goal >= rank("delivered")) rc = step(&s, provider, d0 - 27.2, "deliver", NULL, NULL);
    if (rc == 0 && goal >= rank("accepted")) rc = step(&s, client, d0 - 28.1, "accept_delivery", NULL, NULL);
    if (rc == 0 && goal >= rank("completed")) {
        rc = step(&s, client, d0 - 28.5, "complete", NULL, NULL);
        if (rc == 0 && *f[D_CLIENT_REVIEW]) rc = review(&s, client, d0 - 29, f[D_CLIENT_REVIEW]);
        if (rc == 0 && *f[D_PROVIDER_REVIEW]) rc = review(&s, provider, d0 - 30, f[D_PROVIDER_REVIEW]);
    }
    free(listing);
    json_decref(l);
    json_decref(client);
    json_decref(provider);
    if (rc == 0) (*n)++;
    return rc;
}

int kj_demo_deals(kj_demo_src *src, FILE *out)
{
    int n = 0;
    if (!kj_demo_open(src, "deals")) return 0;
    int rc = kj_demo_tsv(src, deal_cols, D_NCOLS, deal_row, &n);
    kj_demo_clock_now();
    if (rc == 0) fprintf(out, "  %d demo deals\n", n);
    return rc;
}
