/*
 * refcache.c — the reference tables in memory (see refcache.h).
 */
#include "ref/refcache.h"
#include "core/json_util.h"
#include "ref/refdata.h"
#include "ref/regions.h"
#include "core/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kj_refcache {
    json_t *rows[KJ_REF_N];    /* [{code, parent, name_zh, name_en, desc_zh, desc_en}] in display order */
    json_t *index[KJ_REF_N];   /* code → the same row objects */
    kj_regions *regions;       /* the region tree (regions.h): not JSON, ~44k rows */
    json_t *menu[KJ_REF_N][2]; /* kj_refcache_menu: [list][0 Chinese, 1 English] */
};

/* One query per list, all with the same column names. */
static const struct { const char *name, *sql; } lists[KJ_REF_N] = {
    [KJ_REF_DOMAINS] = { "domains", "SELECT code, parent, name_zh, name_en FROM domains ORDER BY code" },
    [KJ_REF_COOP_MODES] = { "coop_modes", "SELECT code, name_zh, name_en FROM coop_modes ORDER BY seq" },
    [KJ_REF_IP_TYPES] = { "ip_types", "SELECT code, name_zh, name_en FROM ip_types ORDER BY seq" },
    [KJ_REF_TRL_LEVELS] = { "trl_levels", "SELECT level AS code, name_zh, name_en, desc_zh, desc_en FROM trl_levels ORDER BY level" },
    [KJ_REF_REGIONS] = { "regions", NULL },   /* kj_regions */
};

static bool is_en(const char *lang) { return lang && !strcmp(lang, "en"); }

static json_t *build_menu(const kj_refcache *r, kj_ref_list list, bool en);

kj_refcache *kj_refcache_load(kj_db *db, char *err, size_t errlen)
{
    kj_refcache *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return NULL; }
    r->regions = kj_regions_load(db, err, errlen);
    if (!r->regions) { kj_refcache_free(r); return NULL; }
    for (int i = 0; i < KJ_REF_N; i++) {
        r->rows[i] = lists[i].sql ? kj_db_rows(db, lists[i].sql, "") : json_array();
        r->index[i] = json_object();
        if (!r->rows[i] || !r->index[i]) {
            snprintf(err, errlen, "cannot read reference table %s: %s", lists[i].name, kj_db_errmsg(db));
            kj_refcache_free(r);
            return NULL;
        }
        size_t k;
        json_t *row;
        json_array_foreach(r->rows[i], k, row)
            if (kj_jstr(row, "code")) json_object_set(r->index[i], kj_jstr(row, "code"), row);
    }
    for (int i = 0; i < KJ_REF_N; i++)
        for (int en = 0; en < 2; en++) r->menu[i][en] = build_menu(r, i, en);
    return r;
}

void kj_refcache_free(kj_refcache *r)
{
    if (!r) return;
    for (int i = 0; i < KJ_REF_N; i++) {
        json_decref(r->index[i]);
        json_decref(r->rows[i]);
        json_decref(r->menu[i][0]);
        json_decref(r->menu[i][1]);
    }
    kj_regions_free(r->regions);
    free(r);
}

static json_t *row_of(const kj_refcache *r, kj_ref_list list, const char *code)
{
    return r && code && list >= 0 && list < KJ_REF_N ? json_object_get(r->index[list], code) : NULL;
}

const char *kj_refcache_name(const kj_refcache *r, kj_ref_list list, const char *code, const char *lang)
{
    if (list == KJ_REF_REGIONS) {
        const kj_region *g = kj_regions_get(r ? r->regions : NULL, code);
        return !g ? NULL : is_en(lang) && *g->name_en ? g->name_en : g->name_zh;
    }
    return kj_jstr(row_of(r, list, code), is_en(lang) ? "name_en" : "name_zh");
}

const char *kj_refcache_trl_desc(const kj_refcache *r, const char *level, const char *lang)
{
    return kj_jstr(row_of(r, KJ_REF_TRL_LEVELS, level), is_en(lang) ? "desc_en" : "desc_zh");
}

/* The regions' flat menu: every province, and the cities and counties of
 * 四川 and 青海 under theirs (the menu the forms had before the cascading
 * picker; no longer all of them: the tree has 44k rows). */
static void region_menu(const kj_regions *t, const char *parent, int depth, bool en, json_t *out)
{
    static const char *const indent[] = { "", "\xe3\x80\x80", "\xe3\x80\x80\xe3\x80\x80" };
    const kj_region *const *kids;
    size_t n = kj_regions_children(t, parent, &kids);
    for (size_t i = 0; i < n; i++) {
        const kj_region *g = kids[i];
        kj_buf label = { 0 };
        kj_buf_printf(&label, "%s%s", indent[depth < 3 ? depth : 2], en && *g->name_en ? g->name_en : g->name_zh);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:b}", "code", g->code, "label", label.data ? label.data : "",
                                             "child", depth > 0, "selected", 0));
        kj_buf_free(&label);
        if (depth < 2 && (depth > 0 || !strcmp(g->code, "510000") || !strcmp(g->code, "630000")))
            region_menu(t, g->code, depth + 1, en, out);
    }
}

/* One select's choices (see kj_refcache_menu). */
static json_t *build_menu(const kj_refcache *r, kj_ref_list list, bool en)
{
    json_t *out = json_array();
    if (list == KJ_REF_REGIONS) {
        /* Sichuan and Qinghai first, as before. */
        json_t *rest = json_array();
        region_menu(r->regions, NULL, 0, en, rest);
        size_t i;
        json_t *o;
        for (int pass = 0; pass < 2; pass++)
            json_array_foreach(rest, i, o) {
                const char *c = kj_jstr(o, "code");
                bool ours = !strncmp(c, "51", 2) || !strncmp(c, "63", 2);
                if (ours == !pass) json_array_append(out, o);
            }
        json_decref(rest);
        return out;
    }
    size_t i;
    json_t *row;
    json_array_foreach(r->rows[list], i, row) {
        const char *code = kj_jstr(row, "code"), *name = kj_jstr(row, en ? "name_en" : "name_zh");
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(code));
        if (list == KJ_REF_TRL_LEVELS) {
            kj_buf label = { 0 };
            kj_buf_printf(&label, "%s \xc2\xb7 %s", code, name);   /* "N · name" */
            json_object_set_new(o, "label", json_string(label.data ? label.data : ""));
            kj_buf_free(&label);
            const char *help = kj_jstr(row, en ? "desc_en" : "desc_zh");
            if (help) json_object_set_new(o, "help", json_string(help));
        } else {
            json_object_set_new(o, "label", json_string(name));
        }
        json_object_set_new(o, "child", json_boolean(kj_jstr(row, "parent") != NULL));
        json_object_set_new(o, "selected", json_false());
        json_array_append_new(out, o);
    }
    return out;
}

const json_t *kj_refcache_menu(const kj_refcache *r, kj_ref_list list, const char *lang)
{
    if (!r || list < 0 || list >= KJ_REF_N) return NULL;
    return r->menu[list][is_en(lang)];
}

char *kj_refcache_region_label(const kj_refcache *r, const char *code, const char *lang)
{
    return kj_region_full_name(r ? r->regions : NULL, code, lang);
}

const kj_regions *kj_refcache_regions(const kj_refcache *r) { return r ? r->regions : NULL; }
