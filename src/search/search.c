/*
 * search.c — the search index, queries, facets, snippets, suggestions
 * (see search.h). Matching lives in match.c, alerts in alerts.c.
 *
 * Query safety: the user's text never reaches FTS5 syntax. It is analyzed
 * into terms (the same analyzer as the index), each term is put in double
 * quotes with any '"' doubled, and the terms are joined with OR; BM25 then
 * ranks documents that share more (and rarer) terms first.
 */
#include "search/search.h"
#include "core/clock.h"
#include "core/id.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once by kj_search_set_analyzer at start-up, before worker threads
 * exist; read-only afterwards. */
static kj_analyzer *the_analyzer;

void kj_search_set_analyzer(kj_analyzer *a) { the_analyzer = a; }
kj_analyzer *kj_search_analyzer(void) { return the_analyzer; }

#define MAX_QUERY_BYTES 2000
#define MAX_QUERY_TERMS 48

/* Field weights for bm25(): title, keywords, summary, body. FTS5 multiplies
 * a column's term count by its weight before BM25 saturation and
 * normalizes by the length of the whole row, so a summary hit in a long
 * document needs a high weight to count at all (make bench-search: summary
 * 3 → 10 raised nDCG and MRR on both CSL tasks; see bench/search/README.md). */
#define BM25_WEIGHTS "15.0, 12.0, 10.0, 1.0"

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Valid UTF-8 prefix of s of at most max bytes. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

/* The FTS5 expression for text: quoted terms OR-ed (malloc'd), or NULL when
 * the text has no terms. terms_out (optional) receives the terms. */
const char *const kj_bm25_weights = BM25_WEIGHTS;

char *kj_search_match_expr(const char *text, size_t len, int max_terms, json_t *terms_out);
char *kj_search_match_expr(const char *text, size_t len, int max_terms, json_t *terms_out)
{
    if (!the_analyzer || !text) return NULL;
    len = utf8_cut(text, len, MAX_QUERY_BYTES * 4);
    int n = 0;
    char **terms = kj_analyze_terms(the_analyzer, KJ_ANALYZE_QUERY, text, (int)len, &n);
    if (!terms) return NULL;
    kj_buf expr = { 0 };
    int used = 0;
    for (int i = 0; i < n && used < max_terms; i++) {
        if (!*terms[i]) continue;
        if (used++) kj_buf_puts(&expr, " OR ");
        kj_buf_puts(&expr, "\"");
        for (const char *p = terms[i]; *p; p++) {
            if (*p == '"') kj_buf_puts(&expr, "\"\"");
            else kj_buf_append(&expr, p, 1);
        }
        kj_buf_puts(&expr, "\"");
        if (terms_out) json_array_append_new(terms_out, json_string(terms[i]));
    }
    kj_terms_free(terms, n);
    if (!used) { kj_buf_free(&expr); return NULL; }
    return kj_buf_steal(&expr, NULL);
}

/* Key terms of a document (title, keywords, summary): what a match
 * explanation can show as shared. */
static json_t *key_terms(const char *title, const char *keywords_text, const char *summary)
{
    json_t *out = json_array();
    if (!the_analyzer) return out;
    kj_buf b = { 0 };
    kj_buf_printf(&b, "%s\n%s\n%s", title ? title : "", keywords_text ? keywords_text : "", summary ? summary : "");
    int n = 0;
    char **terms = kj_analyze_terms(the_analyzer, KJ_ANALYZE_QUERY, b.data, (int)b.len, &n);
    /* A single CJK character or Latin letter explains nothing: keep words. */
    for (int i = 0; i < n && i < 64; i++) {
        size_t len = strlen(terms[i]);
        bool cjk = (unsigned char)terms[i][0] >= 0x80;
        if ((cjk && len >= 6) || (!cjk && len >= 2)) json_array_append_new(out, json_string(terms[i]));
    }
    kj_terms_free(terms, n);
    kj_buf_free(&b);
    return out;
}

json_t *kj_search_doc_terms(kj_db *db, const char *doc_id)
{
    json_t *row = kj_db_row(db, "SELECT doc_kind, terms AS t__json FROM search_docs WHERE doc_id = ?", "s", doc_id);
    if (!row) return json_array();
    json_t *t = json_object_get(row, "t");
    if (json_is_array(t)) { json_incref(t); json_decref(row); return t; }
    json_t *src = !strcmp(jstr(row, "doc_kind"), "studio")
        ? kj_db_row(db, "SELECT name AS title, directions || ' ' || skills AS kw, affiliation AS summary FROM studios WHERE id = ?", "s", doc_id)
        : kj_db_row(db, "SELECT title, keywords AS kw, summary FROM listings WHERE id = ?", "s", doc_id);
    json_decref(row);
    json_t *terms = key_terms(jstr(src, "title"), jstr(src, "kw"), jstr(src, "summary"));
    json_decref(src);
    kj_db_exec(db, "UPDATE search_docs SET terms = ? WHERE doc_id = ?", "js", terms, doc_id);
    return terms;
}

static char *join_keywords(json_t *kw)
{
    kj_buf b = { 0 };
    size_t i;
    json_t *k;
    json_array_foreach(kw, i, k) if (json_is_string(k)) { kj_buf_puts(&b, json_string_value(k)); kj_buf_puts(&b, " "); }
    return kj_buf_steal(&b, NULL);
}

static int remove_doc(kj_db *db, const char *doc_id)
{
    int64_t rowid = kj_db_int(db, 0, "SELECT rowid FROM search_docs WHERE doc_id = ?", "s", doc_id);
    if (!rowid) return 0;
    if (kj_db_exec(db, "DELETE FROM search_fts WHERE rowid = ?", "i", rowid) < 0) return -1;
    return kj_db_exec(db, "DELETE FROM search_docs WHERE rowid = ?", "i", rowid) < 0 ? -1 : 0;
}

static int add_doc(kj_db *db, const char *doc_id, const char *kind, const char *title, const char *keywords,
                   const char *summary, const char *body)
{
    /* Key terms are computed when a match first needs them (kj_search_doc_terms),
     * which keeps bulk indexing to one analysis of the text. */
    int64_t rowid = kj_db_int(db, 0, "INSERT INTO search_docs(doc_id, doc_kind, terms, indexed_at) VALUES (?,?,'null',?) "
                                     "RETURNING rowid", "ssi", doc_id, kind, kj_now_ms());
    if (!rowid) return -1;
    return kj_db_exec(db, "INSERT INTO search_fts(rowid, title, keywords, summary, body) VALUES (?,?,?,?,?)",
                      "issss", rowid, title ? title : "", keywords ? keywords : "", summary ? summary : "",
                      body ? body : "") < 0 ? -1 : 0;
}

int kj_alerts_for_new_listing(kj_db *db, const char *listing_id);
int kj_match_drain(kj_db *db, int max);

static int sync_listing(kj_db *db, const char *listing_id, bool notify, bool defer);

int kj_search_sync_listing(kj_db *db, const char *listing_id, bool notify)
{
    return sync_listing(db, listing_id, notify, false);
}

int kj_search_sync_listing_deferred(kj_db *db, const char *listing_id, bool notify)
{
    return sync_listing(db, listing_id, notify, true);
}

int kj_match_drain(kj_db *db, int max)
{
    json_t *due = kj_db_rows(db, "SELECT listing_id, notify FROM match_queue ORDER BY queued_at, listing_id LIMIT ?", "i", (int64_t)max);
    int done = 0;
    size_t i;
    json_t *r;
    json_array_foreach(due, i, r) {
        const char *id = jstr(r, "listing_id");
        if (kj_db_begin(db)) break;
        int rc = 0;
        if (kj_db_int(db, 0, "SELECT count(*) FROM search_docs WHERE doc_id = ?", "s", id)) {
            rc = kj_match_compute(db, id) < 0 ? -1 : 0;
            if (rc == 0 && json_integer_value(json_object_get(r, "notify"))) kj_alerts_for_new_listing(db, id);
        }
        if (rc == 0) rc = kj_db_exec(db, "DELETE FROM match_queue WHERE listing_id = ?", "s", id) < 0 ? -1 : 0;
        if (rc || kj_db_commit(db)) { kj_db_rollback(db); break; }
        done++;
    }
    json_decref(due);
    return done;
}

static int sync_listing(kj_db *db, const char *listing_id, bool notify, bool defer)
{
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    json_t *l = kj_db_row(db, "SELECT id, kind, status, valid_until, title, keywords AS keywords__json, summary, description "
                              "FROM listings WHERE id = ?", "s", listing_id);
    if (remove_doc(db, listing_id)) { json_decref(l); return -1; }
    bool live = l && !strcmp(jstr(l, "status"), "published") && strcmp(jstr(l, "valid_until"), today) >= 0;
    int rc = 0;
    if (live) {
        char *kw = join_keywords(json_object_get(l, "keywords"));
        rc = add_doc(db, listing_id, "listing", jstr(l, "title"), kw, jstr(l, "summary"), jstr(l, "description"));
        free(kw);
        if (defer) {
            if (rc == 0) rc = kj_db_exec(db, "INSERT INTO match_queue(listing_id, notify, queued_at) VALUES (?,?,?) "
                                             "ON CONFLICT(listing_id) DO UPDATE SET notify = excluded.notify",
                                         "sbi", listing_id, (int)notify, kj_now_ms()) < 0 ? -1 : 0;
        } else {
            if (rc == 0 && kj_match_compute(db, listing_id) < 0) rc = -1;
            if (rc == 0 && notify) kj_alerts_for_new_listing(db, listing_id);
        }
    } else {
        rc = kj_db_exec(db, "DELETE FROM matches WHERE demand_id = ? OR offer_id = ?", "ss", listing_id, listing_id) < 0 ? -1 : 0;
    }
    json_decref(l);
    return rc;
}

int kj_search_sync_studio(kj_db *db, const char *studio_id)
{
    json_t *s = kj_db_row(db, "SELECT id, name, directions, skills, intro, affiliation FROM studios WHERE id = ?", "s", studio_id);
    if (remove_doc(db, studio_id)) { json_decref(s); return -1; }
    int rc = 0;
    if (s) {
        kj_buf kw = { 0 };
        kj_buf_printf(&kw, "%s\n%s", jstr(s, "directions") ? jstr(s, "directions") : "", jstr(s, "skills") ? jstr(s, "skills") : "");
        rc = add_doc(db, studio_id, "studio", jstr(s, "name"), kw.data ? kw.data : "", jstr(s, "affiliation"), jstr(s, "intro"));
        kj_buf_free(&kw);
        if (rc == 0 && kj_match_compute(db, studio_id) < 0) rc = -1;
    }
    json_decref(s);
    return rc;
}

int kj_search_reindex(kj_db *db)
{
    if (kj_db_begin(db)) return -1;
    int n = 0;
    int rc = kj_db_exec(db, "DELETE FROM search_fts", "") < 0 || kj_db_exec(db, "DELETE FROM search_docs", "") < 0 ||
             kj_db_exec(db, "DELETE FROM matches", "") < 0 || kj_db_exec(db, "DELETE FROM match_queue", "") < 0 ? -1 : 0;
    json_t *ids = rc ? NULL : kj_db_rows(db, "SELECT id FROM listings WHERE status = 'published'", "");
    json_t *studios = rc ? NULL : kj_db_rows(db, "SELECT id FROM studios", "");
    size_t i;
    json_t *r;
    /* Index everything first, then match, so that early documents see late ones. */
    json_array_foreach(ids, i, r) {
        if (rc) break;
        json_t *l = kj_db_row(db, "SELECT title, keywords AS keywords__json, summary, description, valid_until FROM listings "
                                  "WHERE id = ?", "s", jstr(r, "id"));
        char today[16];
        kj_format_date(kj_now_ms(), today, sizeof today);
        if (l && strcmp(jstr(l, "valid_until"), today) >= 0) {
            char *kw = join_keywords(json_object_get(l, "keywords"));
            rc = add_doc(db, jstr(r, "id"), "listing", jstr(l, "title"), kw, jstr(l, "summary"), jstr(l, "description"));
            free(kw);
            n++;
        }
        json_decref(l);
    }
    json_array_foreach(studios, i, r) {
        if (rc) break;
        json_t *s = kj_db_row(db, "SELECT name, directions, skills, intro, affiliation FROM studios WHERE id = ?", "s", jstr(r, "id"));
        kj_buf kw = { 0 };
        kj_buf_printf(&kw, "%s\n%s", jstr(s, "directions") ? jstr(s, "directions") : "", jstr(s, "skills") ? jstr(s, "skills") : "");
        rc = add_doc(db, jstr(r, "id"), "studio", jstr(s, "name"), kw.data ? kw.data : "", jstr(s, "affiliation"), jstr(s, "intro"));
        kj_buf_free(&kw);
        json_decref(s);
        n++;
    }
    json_t *demands = rc ? NULL : kj_db_rows(db, "SELECT l.id FROM listings l JOIN search_docs d ON d.doc_id = l.id "
                                                 "WHERE l.kind = 'demand'", "");
    json_array_foreach(demands, i, r) if (rc == 0 && kj_match_compute(db, jstr(r, "id")) < 0) rc = -1;
    json_decref(ids);
    json_decref(studios);
    json_decref(demands);
    if (rc || kj_db_commit(db)) { kj_db_rollback(db); return -1; }
    return n;
}

json_t *kj_search_stats(kj_db *db)
{
    return json_pack("{s:I, s:I, s:I, s:I}",
        "documents", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM search_docs", ""),
        "listings", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM search_docs WHERE doc_kind = 'listing'", ""),
        "studios", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM search_docs WHERE doc_kind = 'studio'", ""),
        "matches", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM matches", ""));
}

/* ---- queries ---- */

static bool has_listing_filters(const kj_listing_query *f)
{
    return (f->kind && strcmp(f->kind, "studio")) || f->domain || f->region || f->mode || f->trl_min || f->trl_max || f->within_days ||
           f->price_min_fen >= 0 || f->price_max_fen >= 0;
}

/* FROM + WHERE shared by hits, counts and facets. */
static void search_where(const kj_search_query *q, const char *expr, kj_buf *sql, json_t *params, bool studios)
{
    /* CROSS JOIN keeps the full-text match as the driving loop: otherwise the
     * planner may walk every published listing and test MATCH row by row. */
    kj_buf_puts(sql, " FROM search_fts CROSS JOIN search_docs d ON d.rowid = search_fts.rowid "
                     "LEFT JOIN listings l ON l.id = d.doc_id AND d.doc_kind = 'listing' "
                     "LEFT JOIN domains dm ON dm.code = l.domain LEFT JOIN regions rg ON rg.code = l.region "
                     "WHERE search_fts MATCH ? AND (");
    json_array_append_new(params, json_string(expr));
    if (studios) kj_buf_puts(sql, "d.doc_kind = 'studio' OR ");
    kj_buf_puts(sql, "(d.doc_kind = 'listing'");
    kj_listing_query f = q->filters;
    f.page = 0;
    kj_listing_filter_sql(&f, sql, params);
    kj_buf_puts(sql, "))");
}

static json_t *facet(kj_db *db, const kj_search_query *q, const char *expr, bool studios, const char *col)
{
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_printf(&sql, "SELECT %s AS code, count(*) AS n", col);
    search_where(q, expr, &sql, params, studios);
    kj_buf_printf(&sql, " AND %s IS NOT NULL GROUP BY 1 ORDER BY n DESC, code LIMIT 50", col);
    json_t *rows = kj_db_rows_j(db, sql.data, params);
    kj_buf_free(&sql);
    json_decref(params);
    return rows ? rows : json_array();
}

#define HIT_COLUMNS \
    "d.doc_id AS id, d.doc_kind, -bm25(search_fts, " BM25_WEIGHTS ") AS score, " \
    "snippet(search_fts, -1, char(2), char(3), '…', 24) AS snippet, " \
    "l.kind, l.subtype, l.title, l.summary, l.domain, l.region, l.trl, l.trl_min, l.price_kind, l.price_min_fen, " \
    "l.price_max_fen, l.coop_modes AS coop_modes__json, l.keywords AS keywords__json, l.valid_until, l.deadline, " \
    "l.published_at, l.anonymous, l.open_for_interest, l.status, l.owner_id, l.studio_id, l.org_id, " \
    "dm.name_zh AS domain_zh, dm.name_en AS domain_en, rg.name_zh AS region_zh, rg.name_en AS region_en"

json_t *kj_search(kj_db *db, const kj_search_query *q, const char **err_key)
{
    const char *text = q->q ? q->q : "";
    json_t *terms = json_array();
    char *expr = kj_search_match_expr(text, strlen(text), MAX_QUERY_TERMS, terms);
    json_t *out = json_object();
    json_object_set_new(out, "terms", terms);
    if (!expr) {
        json_object_set_new(out, "items", json_array());
        json_object_set_new(out, "total", json_integer(0));
        json_object_set_new(out, "facets", json_pack("{s:[], s:[], s:[], s:[]}", "kind", "domain", "region", "trl"));
        return out;
    }
    bool studios = q->include_studios && !has_listing_filters(&q->filters);
    int per_page = q->per_page > 0 ? q->per_page : 20, page = q->page > 0 ? q->page : 1;
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_puts(&sql, "SELECT count(*)");
    search_where(q, expr, &sql, params, studios);
    int64_t total = kj_db_int_j(db, -1, sql.data, params);
    if (total < 0) {
        kj_buf_free(&sql);
        json_decref(params);
        json_decref(out);
        free(expr);
        *err_key = "err.search.failed";
        return NULL;
    }
    kj_buf_reset(&sql);
    json_array_clear(params);
    kj_buf_puts(&sql, "SELECT " HIT_COLUMNS);
    search_where(q, expr, &sql, params, studios);
    kj_buf_puts(&sql, " ORDER BY bm25(search_fts, " BM25_WEIGHTS ") LIMIT ? OFFSET ?");
    json_array_append_new(params, json_integer(per_page));
    json_array_append_new(params, json_integer((int64_t)(page - 1) * per_page));
    json_t *hits = kj_db_rows_j(db, sql.data, params);
    kj_buf_free(&sql);
    json_decref(params);
    size_t i;
    json_t *h;
    json_array_foreach(hits, i, h) {
        if (!strcmp(jstr(h, "doc_kind"), "studio")) {
            json_t *s = kj_db_row(db, "SELECT name AS title, intro AS summary, region FROM studios WHERE id = ?", "s", jstr(h, "id"));
            if (s) { json_object_update(h, s); json_decref(s); }
            json_object_set_new(h, "kind", json_string("studio"));
        }
        kj_listing_redact(h, false);
    }
    json_object_set_new(out, "items", hits ? hits : json_array());
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "facets", json_pack("{s:o, s:o, s:o, s:o}",
        "kind", facet(db, q, expr, studios, "coalesce(l.kind, d.doc_kind)"),
        "domain", facet(db, q, expr, false, "l.domain1"),
        "region", facet(db, q, expr, false, "l.region_province"),
        "trl", facet(db, q, expr, false, "coalesce(l.trl, l.trl_min)")));
    free(expr);
    return out;
}

json_t *kj_search_suggest(kj_db *db, const char *prefix, int limit)
{
    json_t *out = json_array();
    if (!prefix || !*prefix) return out;
    kj_buf like = { 0 };
    kj_buf_puts(&like, "%");
    for (const char *p = prefix; *p && like.len < 200; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') kj_buf_puts(&like, "\\");
        kj_buf_append(&like, p, 1);
    }
    kj_buf_puts(&like, "%");
    json_t *rows = kj_db_rows(db, "SELECT id, kind, title FROM listings WHERE status = 'published' AND title LIKE ? ESCAPE '\\' "
                                  "ORDER BY (instr(title, ?) = 1) DESC, published_at DESC LIMIT ?", "ssi", like.data, prefix, (int64_t)limit);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "text", jstr(r, "title"), "id", jstr(r, "id"), "kind", jstr(r, "kind")));
    json_decref(rows);
    /* Keywords: distinct ones containing the text. */
    json_t *kws = kj_db_rows(db, "SELECT keywords AS kw__json FROM listings WHERE status = 'published' AND keywords LIKE ? ESCAPE '\\' "
                                 "ORDER BY published_at DESC LIMIT 200", "s", like.data);
    json_t *seen = json_object();
    json_array_foreach(kws, i, r) {
        size_t j;
        json_t *k;
        json_array_foreach(json_object_get(r, "kw"), j, k) {
            const char *w = json_string_value(k);
            if (!w || !strstr(w, prefix) || json_object_get(seen, w) || (int)json_array_size(out) >= limit * 2) continue;
            json_object_set_new(seen, w, json_true());
            json_array_append_new(out, json_pack("{s:s, s:s}", "text", w, "kind", "keyword"));
        }
    }
    json_decref(seen);
    json_decref(kws);
    kj_buf_free(&like);
    return out;
}
