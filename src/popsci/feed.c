/*
 * feed.c — the personal popular-science feed (精准直达): candidate
 * selection, scoring by profile, region, season, history and freshness,
 * and the one-line reason of each item.
 *
 * Candidates come from three indexed queries (up to 50 active urgent
 * notices, the newest 300 items, the newest 100 of each of the user's
 * followed topics and of the LEARNED_FETCH topics read most) so the cost
 * does not grow with the size of the catalogue. Scores are a sum of the
 * weights below; the largest contribution names the reason.
 */
#include "popsci/popsci.h"
#include "ref/regions.h"
#include "core/clock.h"
#include "popsci/popsci_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Learned topics whose newest items are fetched as candidates (all of
 * them still count in the score): a long reading history touches every
 * topic, and fetching each would double the feed's cost for items the
 * newest-300 query mostly brings anyway. */
#define LEARNED_FETCH 4

/* Weights of the ranking; the reason of an item is its strongest term. */
enum { W_URGENT = 1000, W_TOPIC = 40, W_CROP = 25, W_REGION = 30, W_HISTORY = 8, W_AUDIENCE = 10,
       W_SEASON = 10, W_FRESH = 30, W_OPENED = -20, W_FINISHED = -40 };

typedef struct {
    const char *uid;
    const char *region;     /* the reader's region (profile, else account), or "" */
    const char *topics;     /* " a b " from the profile */
    const char *audience;
    json_t *crops;          /* words */
    json_t *learned;        /* topic -> n */
    json_t *seen;           /* content id -> "open" | "finish" */
    json_t *months;         /* topic -> ",3,4," */
    int month;
    int64_t now;
} feed_ctx;

typedef struct {
    json_t *item;
    double score;
    const char *code;       /* reason */
    const char *topic;      /* topic code when the reason names it */
    const char *region;     /* the matched region code, or NULL */
    const char *word;       /* the matched crop word */
} scored;

/* The region's depth in the tree: 0 for a province, 1 a city, 2 a
 * county, 3 a township (ref/regions.h); 0 for an unknown code. */
static int region_level(const char *r)
{
    int d = kj_region_depth(r);
    return d < 0 ? 0 : d;
}

/* The most specific of the item's regions that contains the reader's. */
static const char *matched_region(json_t *regions, const char *reader)
{
    const char *best = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(regions, i, e) {
        const char *r = json_string_value(e);
        if (kj_popsci_region_within(r, reader) && (!best || region_level(r) > region_level(best))) best = r;
    }
    return best;
}

static bool in_season(feed_ctx *f, const char *topic)
{
    const char *m = kj_ps_str(f->months, topic);
    if (!m || !*m) return false;
    char want[16], have[64];
    snprintf(want, sizeof want, ",%d,", f->month);
    snprintf(have, sizeof have, ",%s,", m);
    return strstr(have, want) != NULL;
}

static void add(scored *s, double w, const char *code, double *best)
{
    s->score += w;
    if (w > *best) { *best = w; s->code = code; }
}

/* Scores item for f; false when it is not for this reader at all (meant
 * for other regions only). */
static bool score_item(feed_ctx *f, json_t *item, scored *s)
{
    memset(s, 0, sizeof *s);
    s->item = item;
    s->code = "fresh";
    double best = 0;
    json_t *regions = json_object_get(item, "region_list");
    const char *topic = kj_ps_or(kj_ps_str(item, "topic"));
    bool urgent = json_integer_value(json_object_get(item, "urgent_until")) > f->now;
    if (json_array_size(regions)) {
        /* Regional content is for readers there; a reader who told no
         * region still sees ordinary regional content, not others' alerts. */
        if (!*f->region && urgent) return false;
        s->region = *f->region ? matched_region(regions, f->region) : NULL;
        if (*f->region && !s->region) return false;
    }
    if (urgent) add(s, W_URGENT, "urgent", &best);
    if (s->region) add(s, W_REGION + 5 * region_level(s->region), "region", &best);
    if (kj_ps_has_word(f->topics, topic)) { add(s, W_TOPIC, "topic", &best); s->topic = topic; }
    size_t i;
    json_t *w;
    json_array_foreach(f->crops, i, w) {
        const char *word = json_string_value(w);
        if (strstr(kj_ps_or(kj_ps_str(item, "title")), word) || strstr(kj_ps_or(kj_ps_str(item, "summary")), word)) {
            add(s, W_CROP, "crop", &best);
            s->word = word;
            break;
        }
    }
    json_int_t n = json_integer_value(json_object_get(f->learned, topic));
    if (n > 0) {
        add(s, W_HISTORY * (double)(n > 3 ? 3 : n), "history", &best);
        if (!s->topic) s->topic = topic;
    }
    const char *aud = kj_ps_or(kj_ps_str(item, "audience"));
    if (strcmp(aud, "everyone") && !strcmp(aud, f->audience)) add(s, W_AUDIENCE, "audience", &best);
    if (in_season(f, topic)) add(s, W_SEASON, "season", &best);
    double age = (double)(f->now - json_integer_value(json_object_get(item, "published_at"))) / ((double)KJ_DAY_MS);
    s->score += age < 30 ? W_FRESH * (1.0 - age / 30.0) : 0;
    const char *seen = kj_ps_str(f->seen, kj_ps_or(kj_ps_str(item, "id")));
    if (seen) s->score += !strcmp(seen, "finish") ? W_FINISHED : W_OPENED;
    /* The topic names the reason when the region alone was strongest but
     * the reader also follows the topic: "因为你关注 水稻种植 · 乐山市". */
    if (!strcmp(s->code, "region") && s->topic && kj_ps_has_word(f->topics, topic)) s->code = "topic";
    return true;
}

static int by_score(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    json_int_t px = json_integer_value(json_object_get(x->item, "published_at"));
    json_int_t py = json_integer_value(json_object_get(y->item, "published_at"));
    return px < py ? 1 : px > py ? -1 : 0;
}

#define CAND_COLS "SELECT c.id, c.kind, c.title, c.summary, c.topic, c.audience, c.regions, c.published_at, " \
                  "c.urgent_until, c.poster_id FROM popsci_content c WHERE c.status = 'published' "

static void add_candidates(json_t *into, json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set(into, kj_ps_str(r, "id"), r);
    json_decref(rows);
}

static json_t *candidates(kj_db *db, feed_ctx *f)
{
    json_t *all = json_object();
    json_t *r = kj_db_rows(db, CAND_COLS "AND c.urgent_until > ? ORDER BY c.urgent_until DESC LIMIT 50", "i", f->now);
    if (r) add_candidates(all, r);
    r = kj_db_rows(db, CAND_COLS "ORDER BY c.published_at DESC LIMIT 300", "");
    if (r) add_candidates(all, r);
    json_t *topics = kj_popsci_split_list(f->topics);
    json_t *top = kj_db_rows(db, "SELECT topic FROM popsci_events WHERE user_id = ? AND kind IN ('finish','like','useful') "
                             "GROUP BY topic ORDER BY count(*) DESC, topic LIMIT ?", "si", f->uid, (int64_t)LEARNED_FETCH);
    size_t k;
    json_t *t;
    json_array_foreach(top, k, t)
        if (!kj_ps_has_word(f->topics, kj_ps_str(t, "topic")))
            json_array_append_new(topics, json_string(kj_ps_str(t, "topic")));
    json_decref(top);
    size_t i;
    json_t *e;
    json_array_foreach(topics, i, e) {
        r = kj_db_rows(db, CAND_COLS "AND c.topic = ? ORDER BY c.published_at DESC LIMIT 100", "s", json_string_value(e));
        if (r) add_candidates(all, r);
    }
    json_decref(topics);
    return all;
}

static json_t *map_rows(json_t *rows, const char *key, const char *val)
{
    json_t *m = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *v = json_object_get(r, val);
        json_t *old = json_object_get(m, kj_ps_str(r, key));
        /* "finish" outranks "open" for the seen map. */
        if (!old || (json_is_string(v) && !strcmp(json_string_value(v), "finish"))) json_object_set(m, kj_ps_str(r, key), v);
    }
    json_decref(rows);
    return m;
}

/* The reason {code, topic, region, word, topic_name, region_name}. */
static json_t *reason_of(kj_db *db, scored *s, const char *lang)
{
    json_t *r = json_pack("{s:s}", "code", s->code);
    if (s->topic) {
        json_object_set_new(r, "topic", json_string(s->topic));
        char *n = kj_popsci_topic_name(db, s->topic, lang);
        json_object_set_new(r, "topic_name", json_string(n ? n : s->topic));
        free(n);
    }
    if (s->region) {
        json_object_set_new(r, "region", json_string(s->region));
        char *n = kj_popsci_region_name(db, s->region, lang);
        json_object_set_new(r, "region_name", json_string(n ? n : s->region));
        free(n);
    }
    if (s->word) json_object_set_new(r, "word", json_string(s->word));
    return r;
}

json_t *kj_popsci_feed(kj_db *db, json_t *user, const char *lang, int64_t now_ms, int limit)
{
    const char *uid = kj_ps_or(kj_ps_uid(user));
    json_t *prof = kj_db_row(db, "SELECT topics, region, crops, audience FROM popsci_profiles WHERE user_id = ?", "s", uid);
    if (!prof) prof = json_object();
    feed_ctx f = { .now = now_ms, .uid = uid };
    f.region = kj_ps_str(prof, "region") ? kj_ps_str(prof, "region") : kj_ps_or(kj_ps_str(user, "region"));
    f.topics = kj_ps_or(kj_ps_str(prof, "topics"));
    f.audience = kj_ps_str(prof, "audience") ? kj_ps_str(prof, "audience") : "everyone";
    f.crops = kj_popsci_split_list(kj_ps_str(prof, "crops"));
    f.learned = map_rows(kj_db_rows(db, "SELECT topic, count(*) AS n FROM popsci_events WHERE user_id = ? "
                                   "AND kind IN ('finish','like','useful') GROUP BY topic", "s", uid), "topic", "n");
    f.seen = map_rows(kj_db_rows(db, "SELECT content_id, kind FROM popsci_events WHERE user_id = ? "
                                "AND kind IN ('open','finish')", "s", uid), "content_id", "kind");
    f.months = map_rows(kj_db_rows(db, "SELECT code, months FROM popsci_topics", ""), "code", "months");
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    f.month = tm.tm_mon + 1;

    json_t *cands = candidates(db, &f);
    scored *list = calloc(json_object_size(cands) + 1, sizeof *list);
    size_t n = 0;
    const char *k;
    json_t *item;
    json_object_foreach(cands, k, item) {
        json_object_set_new(item, "region_list", kj_popsci_split_list(kj_ps_str(item, "regions")));
        if (list && score_item(&f, item, &list[n])) n++;
    }
    if (list) qsort(list, n, sizeof *list, by_score);
    json_t *out = json_array();
    for (size_t i = 0; list && i < n && (int)i < limit; i++) {
        json_t *it = json_deep_copy(list[i].item);
        json_object_del(it, "region_list");
        json_object_set_new(it, "regions", kj_popsci_split_list(kj_ps_str(it, "regions")));
        json_object_set_new(it, "score", json_real(floor(list[i].score * 100) / 100));
        json_object_set_new(it, "reason", reason_of(db, &list[i], lang));
        json_array_append_new(out, it);
    }
    free(list);
    json_decref(cands);
    json_decref(f.crops);
    json_decref(f.learned);
    json_decref(f.seen);
    json_decref(f.months);
    json_decref(prof);
    return out;
}
