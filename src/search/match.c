/*
 * match.c — two-way matching between demands and offers (achievements,
 * services) or studios, with reasons a person can check.
 *
 * For one listing, candidates come from the search index: an OR query of
 * the discriminating terms of its title, keywords, summary and description
 * (candidate_expr: rare terms, not the words every listing uses), the top
 * 200 by BM25 among the newest documents that hold any (best_candidates).
 * Each candidate gets a score: relative text relevance plus structured fit
 * (the table `fit_weights` below), and an explanation: the shared key terms
 * and, field by field, what agreed and what did not. The best pairs are
 * stored in `matches`, once per (demand, offer) pair, so both sides read
 * the same row. Only the pairs of the listing being computed change: this
 * is what keeps publishing incremental.
 */
#include "search/search.h"
#include "search/context_impl.h"
#include "ref/regions.h"
#include "core/json_util.h"
#include "search/scan.h"
#include "core/clock.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANDIDATES 200
#define KEEP 50
#define MIN_SCORE 0.15
/* Candidate terms: the rarest MAX_KEY_TERMS of a listing's text, leaving
 * out terms held by more than COMMON_SHARE of all documents — the words
 * every listing uses (方案, 合作, 需求): they match everything and explain
 * nothing. In a small index (under COMMON_FLOOR documents per term) no term
 * counts as common. When every term is common, the MIN_KEY_TERMS rarest. */
#define MAX_KEY_TERMS 12
#define MIN_KEY_TERMS 3
#define COMMON_SHARE 0.08
#define COMMON_FLOOR 50
/* At most this many of the newest documents holding a candidate term are
 * ranked: bounds the work for terms shared by a large part of a big index
 * (≈1 µs a document at 1M listings), at the cost of older documents when
 * more than this many share the rarest terms. */
#define CANDIDATE_WINDOW 5000

/* How much each signal adds to a match score (text relevance is 0..1). */
static const struct { const char *signal; double weight; } fit_weights[] = {
    { "text",            0.45 },
    { "domain_l2",       0.20 },   /* same second-level domain */
    { "domain_l1",       0.10 },   /* same first-level domain only */
    { "trl",             0.08 },   /* the offer meets the demand's minimum */
    { "modes",           0.08 },   /* at least one cooperation mode in common */
    { "price",           0.07 },   /* price range overlaps the budget */
    { "region_district", 0.07 },
    { "region_city",     0.05 },
    { "region_province", 0.03 },
    { "fresh",           0.02 },   /* published in the last 30 days */
};

static double weight(const char *signal)
{
    for (size_t i = 0; i < sizeof fit_weights / sizeof *fit_weights; i++)
        if (!strcmp(fit_weights[i].signal, signal)) return fit_weights[i].weight;
    return 0;
}

static bool jnull(json_t *o, const char *k) { return !json_is_integer(json_object_get(o, k)); }
static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static void note(json_t *list, const char *field, const char *code)
{
    json_array_append_new(list, json_pack("{s:s, s:s}", "field", field, "code", code));
}

/* Structured fit of a demand d against an offer o (both listing rows). */
static double listing_fit(json_t *d, json_t *o, json_t *agree, json_t *disagree)
{
    double s = 0;
    const char *dd = kj_jstr(d, "domain"), *od = kj_jstr(o, "domain");
    if (dd && od && !strcmp(dd, od)) { s += weight("domain_l2"); note(agree, "domain", "same_l2"); }
    else if (dd && od && !strncmp(dd, od, 3)) { s += weight("domain_l1"); note(agree, "domain", "same_l1"); }
    else note(disagree, "domain", "different");

    if (!jnull(d, "trl_min") && !jnull(o, "trl")) {
        if (jint(o, "trl") >= jint(d, "trl_min")) { s += weight("trl"); note(agree, "trl", "meets_min"); }
        else note(disagree, "trl", "below_min");
    }

    json_t *dm = json_object_get(d, "coop_modes"), *om = json_object_get(o, "coop_modes");
    bool common = false;
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(dm, i, a) json_array_foreach(om, j, b) if (json_equal(a, b)) common = true;
    if (common) { s += weight("modes"); note(agree, "coop_modes", "overlap"); }
    else if (json_array_size(dm) && json_array_size(om)) note(disagree, "coop_modes", "no_overlap");

    if (!jnull(d, "price_max_fen") && !jnull(o, "price_min_fen")) {
        if (jint(o, "price_min_fen") <= jint(d, "price_max_fen") &&
            (jnull(d, "price_min_fen") || jnull(o, "price_max_fen") || jint(o, "price_max_fen") >= jint(d, "price_min_fen"))) {
            s += weight("price");
            note(agree, "price", "within_budget");
        } else {
            note(disagree, "price", "over_budget");
        }
    }
    return s;
}

static double region_fit(const char *r1, const char *r2, json_t *agree, json_t *disagree)
{
    if (!r1 || !r2 || strlen(r1) != 6 || strlen(r2) != 6) return 0;
    if (!strcmp(r1, r2)) { note(agree, "region", "same_district"); return weight("region_district"); }
    /* Same city or province by the tree (ref/regions.h), not by prefixes. */
    const char *c1 = kj_region_ancestor_code(r1, 1), *c2 = kj_region_ancestor_code(r2, 1);
    if (c1 && c2 && !strcmp(c1, c2)) { note(agree, "region", "same_city"); return weight("region_city"); }
    const char *p1 = kj_region_ancestor_code(r1, 0), *p2 = kj_region_ancestor_code(r2, 0);
    if (p1 && p2 && !strcmp(p1, p2)) { note(agree, "region", "same_province"); return weight("region_province"); }
    note(disagree, "region", "elsewhere");
    return 0;
}

static json_t *shared_terms(kj_db *db, const char *a, const char *b)
{
    json_t *ta = kj_search_doc_terms(db, a);
    json_t *tb = kj_search_doc_terms(db, b);
    json_t *out = json_array();
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(ta, i, x)
        json_array_foreach(tb, j, y)
            if (json_equal(x, y) && json_array_size(out) < 12) { json_array_append(out, x); break; }
    json_decref(ta);
    json_decref(tb);
    return out;
}

#define FIT_COLUMNS "id, kind, domain, region, trl, trl_min, coop_modes AS coop_modes__json, price_kind, " \
                    "price_min_fen, price_max_fen, published_at, title"

typedef struct { const char *term; int64_t docs; } term_docs;

static int rarest_first(const void *a, const void *b)
{
    const term_docs *x = a, *y = b;
    return (x->docs > y->docs) - (x->docs < y->docs);
}

/* The OR expression of the discriminating terms of text (see
 * MAX_KEY_TERMS); NULL when the text has no terms. */
static char *candidate_expr(kj_db *db, const char *text, size_t len, bool self_indexed, char **counts)
{
    int n = 0;
    char **terms = kj_analyze_terms(kj_search_analyzer(db), KJ_ANALYZE_QUERY, text, (int)(len > 16000 ? 16000 : len), &n);
    if (!terms) return NULL;
    term_docs *td = calloc((size_t)n, sizeof *td);
    int m = 0;
    /* A term no other document holds matches nothing: it must not take the
     * place of one that does. Rarest-first used to fill every slot with the
     * listing's own words (注塑件、缩痕、飞边 …, held by it alone), leaving
     * out the shared ones (机器视觉、缺陷、检测) — one match, or none. */
    int64_t alone = self_indexed ? 1 : 0;
    for (int i = 0; td && i < n && m < 64; i++) {
        if (!*terms[i]) continue;
        int64_t docs = kj_search_term_docs(db, terms[i]);
        if (docs > alone) td[m++] = (term_docs){ terms[i], docs };
    }
    qsort(td, (size_t)m, sizeof *td, rarest_first);
    double common = COMMON_SHARE * (double)kj_search_doc_estimate(db);
    if (common < COMMON_FLOOR) common = COMMON_FLOOR;
    kj_buf expr = { 0 };
    json_t *used_terms = json_array();
    for (int i = 0, used = 0; i < m && used < MAX_KEY_TERMS; i++) {
        if (td[i].docs > common && used >= MIN_KEY_TERMS) break;
        kj_search_backend_of(db)->add_term(&expr, td[i].term, false);
        json_array_append_new(used_terms, json_string(td[i].term));
        used++;
    }
    *counts = kj_search_bm25_counts(db, used_terms);
    json_decref(used_terms);
    free(td);
    kj_terms_free(terms, n);
    return expr.len ? kj_buf_steal(&expr, NULL) : (kj_buf_free(&expr), NULL);
}

typedef struct { double relevance; int64_t rowid; } candidate;

static int most_relevant_first(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    return (x->relevance < y->relevance) - (x->relevance > y->relevance);
}

/* The walk over expr's matches: the other side's documents, ranked. */
typedef struct {
    kj_search_scan scan;            /* first: the scan's callbacks get this walk */
    kj_db *db;
    int64_t self;                /* the listing's own rowid */
    int want[3];                 /* kind codes on the other side (0: none) */
    bool studios;                /* studios are on the other side */
    candidate *c;
    int n;
} candidate_walk;

static int candidate_visit(kj_search_scan *s, int64_t rowid, int *ntok)
{
    candidate_walk *w = (candidate_walk *)s;
    if (rowid == w->self || w->n >= CANDIDATE_WINDOW) return 0;
    kj_doc_attrs read;
    const kj_doc_hot *a = kj_search_doc_hot(w->db, rowid, &read);
    if (!a) return 0;
    bool other_side = a->studio ? w->studios : a->kind && (a->kind == w->want[0] || a->kind == w->want[1] || a->kind == w->want[2]);
    if (!other_side) return 0;
    *ntok = a->tokens;
    return 1;
}

static void candidate_scored(kj_search_scan *s, int64_t rowid, double score)
{
    candidate_walk *w = (candidate_walk *)s;
    if (w->n < CANDIDATE_WINDOW) w->c[w->n++] = (candidate){ score, rowid };
}

static int kind_code(kj_doc_cache *docs, const char *kind) { return kj_doc_code(docs, KJ_CODES_KIND, kind, strlen(kind), false); }

/* The CANDIDATES most relevant documents on the other side (offers and
 * studios for a demand, demands for an offer or a studio) among the
 * CANDIDATE_WINDOW newest ones matching expr, best first:
 * [{doc_id, doc_kind, relevance}]. The same field weights as search
 * (BM25_WEIGHTS in search.c); the backend walks the matches newest first
 * and the walk stops at the window. */
static json_t *best_candidates(kj_db *db, const char *expr, const char *counts, const char *id, bool demand)
{
    const kj_search_backend *sb = kj_search_backend_of(db);
    kj_search_ctx *sc = kj_search_ctx_of(db);
    if (!sc) return NULL;
    candidate_walk w = {
        .scan = { .visit = candidate_visit, .scored = candidate_scored, .counts = counts },
        .db = db, .self = sb->doc_number(db, id),
        .studios = demand, .c = malloc(CANDIDATE_WINDOW * sizeof(candidate)),
    };
    memcpy(w.scan.weights, kj_bm25_column_weights, sizeof w.scan.weights);
    if (demand) { w.want[0] = kind_code(sc->docs, "achievement"); w.want[1] = kind_code(sc->docs, "service"); }
    else w.want[0] = kind_code(sc->docs, "demand");
    if (!w.c || sb->scan(db, expr, true, CANDIDATE_WINDOW, &w.scan) < 0) { free(w.c); return NULL; }
    qsort(w.c, (size_t)w.n, sizeof *w.c, most_relevant_first);
    json_t *out = json_array();
    for (int i = 0; i < w.n && i < CANDIDATES; i++) {
        json_t *d = sb->doc_of(db, w.c[i].rowid);
        if (d) json_array_append_new(out, json_pack("{s:O, s:O, s:f}", "doc_id", json_object_get(d, "doc_id"),
                                                    "doc_kind", json_object_get(d, "doc_kind"), "relevance", w.c[i].relevance));
        json_decref(d);
    }
    free(w.c);
    return out;
}

/* Per thread: a request's handler reads what its own computations took. */
static _Thread_local int64_t compute_us = -1;

int64_t kj_match_timer(void) { return compute_us; }
void kj_match_timer_reset(void) { compute_us = -1; }

static int compute(kj_db *db, const char *id);

int kj_match_compute(kj_db *db, const char *id)
{
    int64_t t0 = kj_mono_us();
    int kept = compute(db, id);
    compute_us = (compute_us < 0 ? 0 : compute_us) + (kj_mono_us() - t0);
    return kept;
}

static int compute(kj_db *db, const char *id)
{
    json_t *self = kj_db_row(db, "SELECT " FIT_COLUMNS ", keywords, summary, description FROM listings WHERE id = ?", "s", id);
    bool is_studio = false;
    if (!self) {
        self = kj_db_row(db, "SELECT id, 'studio' AS kind, region, name AS title, directions AS keywords, skills AS summary, "
                             "intro AS description FROM studios WHERE id = ?", "s", id);
        is_studio = true;
    }
    if (!self) return 0;
    bool demand = !strcmp(kj_jstr(self, "kind"), "demand");
    kj_buf text = { 0 };
    kj_buf_printf(&text, "%s\n%s\n%s\n%.2000s", kj_jstr(self, "title") ? kj_jstr(self, "title") : "", kj_jstr(self, "keywords") ? kj_jstr(self, "keywords") : "",
                  kj_jstr(self, "summary") ? kj_jstr(self, "summary") : "", kj_jstr(self, "description") ? kj_jstr(self, "description") : "");
    char *counts = NULL;
    char *expr = candidate_expr(db, text.data, text.len, kj_search_backend_of(db)->doc_number(db, id) > 0, &counts);
    kj_buf_free(&text);
    /* The pairs of this listing are recomputed from scratch; others stay. */
    const char *del = demand ? "DELETE FROM matches WHERE demand_id = ?" : "DELETE FROM matches WHERE offer_id = ?";
    if (kj_db_exec(db, del, "s", id) < 0) { free(expr); free(counts); json_decref(self); return -1; }
    if (!expr) { free(counts); json_decref(self); return 0; }
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    json_t *cands = best_candidates(db, expr, counts, id, demand);
    free(expr);
    free(counts);
    if (is_studio && !cands) { json_decref(self); return 0; }
    double best = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cands, i, c) if (json_real_value(json_object_get(c, "relevance")) > best) best = json_real_value(json_object_get(c, "relevance"));
    int kept = 0;
    bool failed = false;
    int64_t now = kj_now_ms();
    json_array_foreach(cands, i, c) {
        if (kept >= KEEP) break;
        const char *other_id = kj_jstr(c, "doc_id");
        bool other_studio = !strcmp(kj_jstr(c, "doc_kind"), "studio");
        json_t *other = other_studio ? kj_db_row(db, "SELECT id, 'studio' AS kind, region, created_at AS published_at FROM studios WHERE id = ?", "s", other_id)
                                     : kj_db_row(db, "SELECT " FIT_COLUMNS " FROM listings WHERE id = ?", "s", other_id);
        if (!other) continue;
        json_t *agree = json_array(), *disagree = json_array();
        double text_rel = best > 0 ? json_real_value(json_object_get(c, "relevance")) / best : 0;
        double score = weight("text") * text_rel;
        json_t *d = demand ? self : other, *o = demand ? other : self;
        if (!other_studio && !is_studio) score += listing_fit(d, o, agree, disagree);
        score += region_fit(kj_jstr(self, "region"), kj_jstr(other, "region"), agree, disagree);
        int64_t pub = jint(o, "published_at");
        if (pub && now - pub < 30LL * 86400 * 1000) { score += weight("fresh"); note(agree, "published", "recent"); }
        /* Key terms are computed (and kept) per document on first use:
         * only for candidates whose score can make them a match. */
        json_t *terms = score >= MIN_SCORE ? shared_terms(db, id, other_id) : json_array();
        if (score >= MIN_SCORE && json_array_size(terms)) {
            json_t *reasons = json_pack("{s:o, s:o, s:o, s:f}", "terms", terms, "agree", agree, "disagree", disagree,
                                        "text", round(text_rel * 100) / 100);
            const char *offer_kind = other_studio ? "studio" : is_studio ? "studio" : kj_jstr(o, "kind");
            if (kj_db_exec(db, "INSERT INTO matches(demand_id, offer_id, offer_kind, score, reasons, computed_at) VALUES (?,?,?,?,?,?) "
                               "ON CONFLICT(demand_id, offer_id) DO UPDATE SET score = excluded.score, reasons = excluded.reasons, "
                               "computed_at = excluded.computed_at",
                           "sssdji", kj_jstr(d, "id"), kj_jstr(o, "id"), offer_kind, round(score * 1000) / 1000, reasons, now) < 0)
                failed = true;
            json_decref(reasons);
            kept++;
        } else {
            json_decref(terms);
            json_decref(agree);
            json_decref(disagree);
        }
        json_decref(other);
    }
    json_decref(cands);
    json_decref(self);
    return failed ? -1 : kept;
}

json_t *kj_match_list(kj_db *db, const char *listing_id, int limit)
{
    json_t *rows = kj_db_rows(db,
        "SELECT CASE WHEN m.demand_id = ? THEN m.offer_id ELSE m.demand_id END AS id, "
        "       CASE WHEN m.demand_id = ? THEN m.offer_kind ELSE 'demand' END AS kind, "
        "       m.score, m.reasons AS reasons__json, coalesce(l.title, s.name) AS title, "
        "       coalesce(l.summary, s.intro) AS summary, l.lang "
        "FROM matches m "
        "LEFT JOIN listings l ON l.id = CASE WHEN m.demand_id = ? THEN m.offer_id ELSE m.demand_id END "
        "LEFT JOIN studios s ON s.id = m.offer_id AND m.offer_kind = 'studio' "
        "WHERE (m.demand_id = ? OR m.offer_id = ?) "
        "AND (l.id IS NULL OR l.status = 'published') "
        "AND NOT EXISTS (SELECT 1 FROM match_feedback f WHERE f.listing_id = ? "
        "                AND f.other_id = CASE WHEN m.demand_id = ? THEN m.offer_id ELSE m.demand_id END) "
        "ORDER BY m.score DESC LIMIT ?", "sssssssi",
        listing_id, listing_id, listing_id, listing_id, listing_id, listing_id, listing_id, (int64_t)limit);
    return rows ? rows : json_array();
}

int kj_match_feedback(kj_db *db, json_t *user, const char *listing_id, const char *other_id)
{
    json_t *l = kj_listing_get(db, listing_id);
    bool owner = l && kj_listing_is_owner(db, l, user);
    json_decref(l);
    if (!owner) return -1;
    double score = 0;
    json_t *m = kj_db_row(db, "SELECT score FROM matches WHERE (demand_id = ? AND offer_id = ?) OR (demand_id = ? AND offer_id = ?)",
                          "ssss", listing_id, other_id, other_id, listing_id);
    if (m) score = json_real_value(json_object_get(m, "score"));
    json_decref(m);
    return kj_db_exec(db, "INSERT INTO match_feedback(listing_id, other_id, user_id, verdict, score, created_at) "
                          "VALUES (?,?,?,'not_relevant',?,?) ON CONFLICT(listing_id, other_id) DO NOTHING",
                      "sssdi", listing_id, other_id, kj_jstr(user, "id"), score, kj_now_ms()) < 0 ? -1 : 0;
}
