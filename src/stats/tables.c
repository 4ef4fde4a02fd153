/*
 * tables.c — the figures as tables: what the pages show beside each chart,
 * what the CSV and XLSX exports and the monthly PDF report contain. One
 * list, so that every figure a page shows can be exported and every export
 * matches the page. Pure: no database.
 */
#include "stats/stats.h"
#include "core/json_util.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static json_t *key(const char *prefix, const char *k)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s%s", prefix, k && *k ? k : "none");
    return json_pack("{s:s}", "key", buf);
}

static json_t *name(json_t *o, const char *lang)
{
    const char *n = kj_jstr(o, !strcmp(lang, "en") ? "name_en" : "name_zh");
    if (!n || !*n) n = kj_jstr(o, "name_zh");
    if (!n || !*n) return json_pack("{s:s}", "key", "stats.unknown");
    return json_string(n);
}

/* A value as a cell: a copy of the figure (null stays null: suppressed);
 * a figure left out (nothing to average, no base to compare with) is "—". */
static json_t *cell(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return v ? json_deep_copy(v) : json_pack("{s:s}", "key", "stats.na");
}

/* Money in yuan (the tables show yuan; the API keeps fen). */
static json_t *yuan(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (json_is_null(v)) return json_null();
    return json_real((double)json_integer_value(v) / 100.0);
}

static json_t *table(json_t *tables, const char *id, const char *chart, const char *cols[])
{
    char title[64];
    snprintf(title, sizeof title, "stats.table.%s", id);
    json_t *c = json_array();
    for (int i = 0; cols[i]; i++) {
        char k[64];
        snprintf(k, sizeof k, "stats.col.%s", cols[i]);
        json_array_append_new(c, json_string(k));
    }
    json_t *rows = json_array();
    json_array_append_new(tables, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", id, "title", title, "chart", chart,
                                            "columns", c, "rows", rows));
    return rows;
}

static void row(json_t *rows, json_t *first, ...)
{
    json_t *r = json_array();
    json_array_append_new(r, first);
    va_list ap;
    va_start(ap, first);
    for (json_t *v; (v = va_arg(ap, json_t *));) json_array_append_new(r, v);
    va_end(ap);
    json_array_append_new(rows, r);
}

json_t *kj_stats_tables(json_t *f, const char *lang)
{
    json_t *t = json_array(), *rows;
    json_t *sd = json_object_get(f, "supply_demand"), *tx = json_object_get(f, "transactions"),
           *ch = json_object_get(f, "challenges"), *ce = json_object_get(f, "centers"), *ps = json_object_get(f, "popsci");
    size_t i;
    json_t *r;
    static const char *const kinds[] = { "achievement", "service", "demand", NULL };

    rows = table(t, "listings", "bar", (const char *[]){ "kind", "published", "open", NULL });
    for (const char *const *k = kinds; *k; k++)
        row(rows, key("kind.", *k), cell(json_object_get(sd, "published"), *k), cell(json_object_get(sd, "open"), *k), NULL);

    json_t *d = json_object_get(sd, "demands");
    rows = table(t, "demands", "bar", (const char *[]){ "figure", "value", NULL });
    static const char *const dfig[] = { "published", "open", "matched", "answered", "solved", "median_days_to_first_eoi", NULL };
    for (const char *const *k = dfig; *k; k++) row(rows, key("stats.demand.", *k), cell(d, *k), NULL);

    rows = table(t, "by_domain", "bar", (const char *[]){ "domain", "achievement", "service", "demand", NULL });
    json_array_foreach(json_object_get(sd, "published_by_domain"), i, r)
        row(rows, name(r, lang), cell(r, "achievement"), cell(r, "service"), cell(r, "demand"), NULL);

    rows = table(t, "gaps", "bar", (const char *[]){ "domain", "demand", "offers", "gap", NULL });
    json_array_foreach(json_object_get(sd, "gaps"), i, r)
        row(rows, name(r, lang), cell(r, "demand"), cell(r, "offers"), cell(r, "gap"), NULL);

    rows = table(t, "trl", "bar", (const char *[]){ "trl", "achievement", "service", "demand", NULL });
    json_array_foreach(json_object_get(sd, "open_by_trl"), i, r)
        row(rows, *kj_jstr_or_empty(r, "trl") ? json_string(kj_jstr(r, "trl")) : key("stats.trl.", ""),
            cell(r, "achievement"), cell(r, "service"), cell(r, "demand"), NULL);

    rows = table(t, "deals", "bar", (const char *[]){ "figure", "value", NULL });
    row(rows, key("stats.deal.", "started"), cell(tx, "started"), NULL);
    row(rows, key("stats.deal.", "signed"), cell(tx, "signed"), NULL);
    row(rows, key("stats.deal.", "completed"), cell(tx, "completed"), NULL);

    rows = table(t, "contract_types", "bar", (const char *[]){ "contract_type", "signed", "value_yuan", NULL });
    json_array_foreach(json_object_get(tx, "by_contract_type"), i, r)
        row(rows, key("deal.ctype.", kj_jstr(r, "type")), cell(r, "signed"), yuan(r, "value_fen"), NULL);

    rows = table(t, "deal_domains", "bar", (const char *[]){ "domain", "signed", "value_yuan", NULL });
    json_array_foreach(json_object_get(tx, "by_domain"), i, r)
        row(rows, name(r, lang), cell(r, "signed"), yuan(r, "value_fen"), NULL);

    rows = table(t, "flows", "", (const char *[]){ "from", "to", "deals", "value_yuan", NULL });
    json_array_foreach(json_object_get(tx, "flows"), i, r)
        row(rows, name(json_object_get(r, "from"), lang), name(json_object_get(r, "to"), lang), cell(r, "deals"),
            yuan(r, "value_fen"), NULL);

    /* Flows between instances, by peer (the peer's name, else its address). */
    rows = table(t, "federation", "bar", (const char *[]){ "peer", "fed_received", "fed_shared", "fed_eoi_sent",
                                                           "fed_eoi_received", "fed_eoi_sent_accepted",
                                                           "fed_eoi_received_accepted", NULL });
    json_array_foreach(json_object_get(json_object_get(f, "federation"), "peers"), i, r) {
        const char *n = kj_jstr(r, !strcmp(lang, "en") ? "name_en" : "name_zh");
        if (!n || !*n) n = kj_jstr(r, "name_zh");
        row(rows, json_string(n && *n ? n : kj_jstr_or_empty(r, "url")), cell(r, "received"), cell(r, "shared"),
            cell(r, "eoi_sent"), cell(r, "eoi_received"), cell(r, "eoi_sent_accepted"), cell(r, "eoi_received_accepted"), NULL);
    }

    rows = table(t, "challenges", "bar", (const char *[]){ "figure", "value", NULL });
    static const char *const cfig[] = { "lists", "entries", "applications", "applications_per_entry", "awarded", "no_award",
                                        "completed", NULL };
    for (const char *const *k = cfig; *k; k++) row(rows, key("stats.challenge.", *k), cell(ch, *k), NULL);
    row(rows, key("stats.challenge.", "bounty_committed"), yuan(ch, "bounty_committed_fen"), NULL);
    row(rows, key("stats.challenge.", "bounty_paid"), yuan(ch, "bounty_paid_fen"), NULL);

    if (ce) {
        rows = table(t, "centers", "", (const char *[]){ "figure", "value", NULL });
        static const char *const cef[] = { "reviews", "approved", "rejected", "review_hours_avg", "workorders",
                                           "first_response_hours_avg", "sla_breaches", "rated", "satisfaction", NULL };
        for (const char *const *k = cef; *k; k++) row(rows, key("stats.center.", *k), cell(ce, *k), NULL);
        rows = table(t, "workorder_types", "bar", (const char *[]){ "type", "workorders", NULL });
        json_array_foreach(json_object_get(ce, "workorders_by_type"), i, r)
            row(rows, key("workorder.type.", kj_jstr(r, "type")), cell(r, "n"), NULL);
        rows = table(t, "workorder_states", "bar", (const char *[]){ "state", "workorders", NULL });
        json_array_foreach(json_object_get(ce, "workorders_by_state"), i, r)
            row(rows, key("workorder.state.", kj_jstr(r, "state")), cell(r, "n"), NULL);
        rows = table(t, "per_center", "", (const char *[]){ "center", "workorders", "sla_breaches", "first_response_hours_avg",
                                                           "rated", "satisfaction", NULL });
        json_array_foreach(json_object_get(ce, "per_center"), i, r)
            row(rows, name(r, lang), cell(r, "workorders"), cell(r, "sla_breaches"), cell(r, "first_response_hours_avg"),
                cell(r, "rated"), cell(r, "satisfaction"), NULL);
    }

    rows = table(t, "popsci_topics", "bar", (const char *[]){ "topic", "published", NULL });
    json_array_foreach(json_object_get(ps, "published_by_topic"), i, r) row(rows, name(r, lang), cell(r, "n"), NULL);
    rows = table(t, "popsci", "", (const char *[]){ "figure", "value", NULL });
    json_t *qa = json_object_get(ps, "questions");
    row(rows, key("stats.popsci.", "readers"), cell(ps, "readers"), NULL);
    row(rows, key("stats.popsci.", "asked"), cell(qa, "asked"), NULL);
    row(rows, key("stats.popsci.", "answered"), cell(qa, "answered"), NULL);
    row(rows, key("stats.popsci.", "answer_hours_avg"), cell(qa, "answer_hours_avg"), NULL);
    row(rows, key("stats.popsci.", "teams_active"), cell(ps, "teams_active"), NULL);
    /* How many cells were held back (not people): staff only, so that the
     * public page shows no small number at all. */
    if (!json_is_true(json_object_get(f, "public")))
        row(rows, key("stats.popsci.", "cells_suppressed"), cell(ps, "cells_suppressed"), NULL);
    rows = table(t, "readers", "bar", (const char *[]){ "region", "audience", "readers", NULL });
    json_array_foreach(json_object_get(ps, "readers_by_audience_region"), i, r)
        row(rows, name(r, lang), key("popsci.aud.", kj_jstr(r, "audience")), cell(r, "readers"), NULL);

    json_t *cmp = json_object_get(f, "comparisons");
    rows = table(t, "comparisons", "", (const char *[]){ "figure", "this_period", "previous_period", "change_pct",
                                                        "year_ago", "yoy_pct", NULL });
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        bool money = !strcmp(kj_jstr_or_empty(r, "figure"), "contract_value_fen");
        row(rows, key("stats.series.", kj_jstr(r, "figure")), money ? yuan(r, "this") : cell(r, "this"),
            money ? yuan(r, "previous") : cell(r, "previous"), cell(r, "change_pct"),
            money ? yuan(r, "year_ago") : cell(r, "year_ago"), cell(r, "yoy_pct"), NULL);
    }

    /* Trends: one row per month, one column per figure. */
    json_t *tr = json_object_get(f, "trends"), *series = json_object_get(tr, "series");
    json_t *tcols = json_pack("[s]", "stats.col.month");
    json_array_foreach(series, i, r) {
        char k[64];
        snprintf(k, sizeof k, "stats.series.%s", kj_jstr_or_empty(r, "figure"));
        json_array_append_new(tcols, json_string(k));
    }
    json_t *trows = json_array();
    json_t *m;
    size_t j;
    json_array_foreach(json_object_get(tr, "months"), j, m) {
        json_t *rr = json_pack("[O]", m);
        json_array_foreach(series, i, r) {
            json_t *v = json_array_get(json_object_get(r, "values"), j);
            if (!strcmp(kj_jstr_or_empty(r, "figure"), "contract_value_fen") && json_is_integer(v))
                json_array_append_new(rr, json_real((double)json_integer_value(v) / 100.0));
            else json_array_append_new(rr, v ? json_deep_copy(v) : json_null());
        }
        json_array_append_new(trows, rr);
    }
    json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", "trends", "title", "stats.table.trends",
                                       "chart", "line", "columns", tcols, "rows", trows));

    rows = table(t, "drill", "", (const char *[]){ "region", "listings", "demands", "demands_solved", "deals_signed",
                                                  "value_yuan", NULL });
    json_array_foreach(json_object_get(f, "drill"), i, r)
        row(rows, name(r, lang), cell(r, "listings"), cell(r, "demands"), cell(r, "demands_solved"), cell(r, "deals_signed"),
            yuan(r, "value_fen"), NULL);
    return t;
}
