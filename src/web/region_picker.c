/*
 * region_picker.c — the cascading region picker (see region_picker.h).
 */
#include "web/region_picker.h"
#include "web/home_region.h"
#include "core/json_util.h"
#include "ref/refcache.h"
#include "ref/regions.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for a county's townships and an instance's own trees. */
#define PICKER_LEVELS 6

static const char *name_of(kj_req *req, const kj_region *g)
{
    return !strcmp(req->lang, "en") && *g->name_en ? g->name_en : g->name_zh;
}

/* filter: a list's filter (its blank choice is 全国, nothing preselected);
 * else a form's field, which opens at the home region when empty. */
static json_t *picker(kj_req *req, const char *name, const char *value, const char *label_key, bool filter)
{
    const kj_regions *t = kj_refcache_regions(kj_req_app(req)->ref);
    /* The instance's home region (issue 17 §1): a form opens on it (its
     * path chosen, the next level to choose), and every picker lists the
     * home region's own branch first at each level. */
    char home_buf[32];
    const kj_region *home = kj_regions_get(t, kj_home_region(home_buf, sizeof home_buf));
    if (!filter && (!value || !*value) && home) value = home->code;
    /* The chosen region's path, province first. */
    const kj_region *path[PICKER_LEVELS];
    int n = 0;
    const kj_region *g = kj_regions_get(t, value);
    if (g && g->depth < PICKER_LEVELS)
        for (int d = 0; d <= g->depth; d++) path[n++] = kj_regions_ancestor(t, g->code, d);
    json_t *levels = json_array();
    for (int k = 0; k <= n && k < PICKER_LEVELS; k++) {
        const kj_region *const *kids;
        size_t nk = kj_regions_children(t, k ? path[k - 1]->code : NULL, &kids);
        if (!nk) break;
        json_t *opts = json_array();
        const kj_region *first = home && home->depth >= k ? kj_regions_ancestor(t, home->code, k) : NULL;
        for (size_t i = 0; first && i < nk; i++)
            if (kids[i] == first)
                json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "code", kids[i]->code, "label", name_of(req, kids[i]),
                                                      "selected", k < n && kids[i] == path[k]));
        for (size_t i = 0; i < nk; i++)
            if (kids[i] != first)
                json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "code", kids[i]->code, "label", name_of(req, kids[i]),
                                                      "selected", k < n && kids[i] == path[k]));
        /* The prompt names the level its options are at ("选择区县"); a
         * filter's top level says what choosing none means: 全国. */
        char key[64];
        snprintf(key, sizeof key, "region.picker.choose.%s", kids[0]->level);
        if (filter && k == 0) snprintf(key, sizeof key, "region.all_country");
        json_array_append_new(levels, json_pack("{s:s, s:s, s:i, s:s, s:o}",
            "id", k ? kj_arena_printf(req->arena, "%s__%d", name, k + 1) : name,
            "select", kj_arena_printf(req->arena, "%s__%d", name, k + 1), "depth", k + 1,
            "prompt", kj_tr(req, key), "options", opts));
    }
    json_t *p = json_pack("{s:s, s:s, s:o}", "name", name, "label", kj_tr(req, label_key), "levels", levels);
    char *chosen = g ? kj_region_full_name(t, g->code, req->lang) : NULL;
    if (chosen) { json_object_set_new(p, "chosen", json_string(chosen)); free(chosen); }
    const char *err = req->errors ? kj_jstr(req->errors, name) : NULL;
    if (err && !strcmp(err, KJ_REGION_PICKER_STEP)) json_object_set_new(p, "step", json_true());
    return p;
}

json_t *kj_region_picker(kj_req *req, const char *name, const char *value, const char *label_key)
{
    return picker(req, name, value, label_key, false);
}

json_t *kj_region_filter_picker(kj_req *req, const char *name, const char *value, const char *label_key)
{
    return picker(req, name, value, label_key, true);
}

void kj_region_picker_inputs(kj_req *req, json_t *raw)
{
    if (!json_is_object(raw)) return;
    const kj_regions *t = kj_refcache_regions(kj_req_app(req)->ref);
    /* Each picker in the form, found by its first select NAME__1. */
    const char *key;
    json_t *v;
    json_t *names = json_array();
    json_object_foreach(raw, key, v) {
        size_t len = strlen(key);
        if (len > 3 && len < 60 && !strcmp(key + len - 3, "__1")) json_array_append_new(names, json_stringn(key, len - 3));
    }
    size_t i;
    json_t *nm;
    json_array_foreach(names, i, nm) {
        const char *name = json_string_value(nm), *value = "";
        const kj_region *above = NULL;
        for (int k = 1; k <= PICKER_LEVELS; k++) {
            char sel[80];
            snprintf(sel, sizeof sel, "%s__%d", name, k);
            json_t *c = json_object_get(raw, sel);
            if (json_is_array(c)) c = json_array_get(c, json_array_size(c) - 1);
            const char *code = json_string_value(c);
            if (!code || !*code) break;
            const kj_region *g = kj_regions_get(t, code);
            /* A choice under another parent is stale (the level above
             * changed without JavaScript): the path ends above it. An
             * unknown code is kept, so that validation names it. */
            if (g && (above ? !g->parent || strcmp(g->parent, above->code) : g->parent != NULL)) break;
            value = code;
            if (!g) break;
            above = g;
        }
        json_object_set_new(raw, name, json_string(value));
        char next[80];
        snprintf(next, sizeof next, "%s__next", name);
        if (json_object_get(raw, next) && req->method == KJ_POST) {
            if (!req->errors) req->errors = json_object();
            json_object_set_new(req->errors, name, json_string(KJ_REGION_PICKER_STEP));
        }
    }
    json_decref(names);
}
