/*
 * refcache.c — the reference tables in memory (see refcache.h).
 */
#include "ref/refcache.h"
#include "core/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kj_refcache {
    json_t *rows[KJ_REF_N];    /* [{code, parent, name_zh, name_en, desc_zh, desc_en}] in display order */
    json_t *index[KJ_REF_N];   /* code → the same row objects */
};

/* One query per list, all with the same column names. */
static const struct { const char *name, *sql; } lists[KJ_REF_N] = {
    [KJ_REF_DOMAINS] = { "domains", "SELECT code, parent, name_zh, name_en FROM domains ORDER BY code" },
    [KJ_REF_COOP_MODES] = { "coop_modes", "SELECT code, name_zh, name_en FROM coop_modes ORDER BY seq" },
    [KJ_REF_IP_TYPES] = { "ip_types", "SELECT code, name_zh, name_en FROM ip_types ORDER BY seq" },
    [KJ_REF_TRL_LEVELS] = { "trl_levels", "SELECT level AS code, name_zh, name_en, desc_zh, desc_en FROM trl_levels ORDER BY level" },
    [KJ_REF_REGIONS] = { "regions", "SELECT code, parent, name_zh, name_en FROM regions ORDER BY code" },
};

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool is_en(const char *lang) { return lang && !strcmp(lang, "en"); }

kj_refcache *kj_refcache_load(kj_db *db, char *err, size_t errlen)
{
    kj_refcache *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return NULL; }
    for (int i = 0; i < KJ_REF_N; i++) {
        r->rows[i] = kj_db_rows(db, lists[i].sql, "");
        r->index[i] = json_object();
        if (!r->rows[i] || !r->index[i]) {
            snprintf(err, errlen, "cannot read reference table %s: %s", lists[i].name, kj_db_errmsg(db));
            kj_refcache_free(r);
            return NULL;
        }
        size_t k;
        json_t *row;
        json_array_foreach(r->rows[i], k, row)
            if (jstr(row, "code")) json_object_set(r->index[i], jstr(row, "code"), row);
    }
    return r;
}

void kj_refcache_free(kj_refcache *r)
{
    if (!r) return;
    for (int i = 0; i < KJ_REF_N; i++) {
        json_decref(r->index[i]);
        json_decref(r->rows[i]);
    }
    free(r);
}

static json_t *row_of(const kj_refcache *r, kj_ref_list list, const char *code)
{
    return r && code && list >= 0 && list < KJ_REF_N ? json_object_get(r->index[list], code) : NULL;
}

const char *kj_refcache_name(const kj_refcache *r, kj_ref_list list, const char *code, const char *lang)
{
    return jstr(row_of(r, list, code), is_en(lang) ? "name_en" : "name_zh");
}

const char *kj_refcache_trl_desc(const kj_refcache *r, const char *level, const char *lang)
{
    return jstr(row_of(r, KJ_REF_TRL_LEVELS, level), is_en(lang) ? "desc_en" : "desc_zh");
}

json_t *kj_refcache_options(const kj_refcache *r, kj_ref_list list, const char *lang)
{
    json_t *out = json_array();
    if (!r || list < 0 || list >= KJ_REF_N) return out;
    bool en = is_en(lang);
    size_t i;
    json_t *row;
    json_array_foreach(r->rows[list], i, row) {
        const char *code = jstr(row, "code"), *name = jstr(row, en ? "name_en" : "name_zh");
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(code));
        if (list == KJ_REF_TRL_LEVELS) {
            size_t n = strlen(code) + strlen(name) + 8;
            char *label = malloc(n);
            if (label) {
                snprintf(label, n, "%s \xc2\xb7 %s", code, name);   /* "N · name", as the options query wrote it */
                json_object_set_new(o, "label", json_string(label));
                free(label);
            }
            const char *help = jstr(row, en ? "desc_en" : "desc_zh");
            if (help) json_object_set_new(o, "help", json_string(help));
        } else {
            json_object_set_new(o, "label", json_string(name));
        }
        if (jstr(row, "parent")) json_object_set_new(o, "parent", json_string(jstr(row, "parent")));
        json_array_append_new(out, o);
    }
    return out;
}

char *kj_refcache_region_label(const kj_refcache *r, const char *code, const char *lang)
{
    /* Up the tree from the region itself; regions are at most three deep
     * (province, city, district): the bound only guards a cycle in data. */
    const char *names[8];
    int n = 0;
    bool en = is_en(lang);
    for (json_t *row = row_of(r, KJ_REF_REGIONS, code); row && n < 8; row = row_of(r, KJ_REF_REGIONS, jstr(row, "parent")))
        names[n++] = jstr(row, en ? "name_en" : "name_zh");
    if (!n) return NULL;
    kj_buf b = { 0 };
    /* Chinese from the province down, English from the district up. */
    for (int i = 0; i < n; i++) {
        if (i) kj_buf_puts(&b, en ? ", " : " \xc2\xb7 ");
        kj_buf_puts(&b, names[en ? i : n - 1 - i]);
    }
    return kj_buf_steal(&b, NULL);
}
