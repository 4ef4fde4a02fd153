/*
 * home_region.c — the home region as the default of region filters (see
 * home_region.h).
 */
#include "web/home_region.h"
#include "core/json_util.h"
#include "instance/instance.h"
#include "ref/refcache.h"
#include <stdlib.h>
#include <string.h>

const char *kj_home_region(char *out, size_t n) { return kj_instance_home_region(out, n); }

const char *kj_region_filter(kj_req *req, const char *name, bool *defaulted)
{
    *defaulted = false;
    const char *v = kj_in_str(req, name);
    if (v && !strcmp(v, KJ_REGION_ALL)) return NULL;   /* kept in req->in: pager links keep it */
    if (v && *v) return v;
    /* Given empty (the picker's 全国) is everything; absent is the default. */
    if (req->form && json_object_get(req->form, name)) return NULL;
    char home[32];
    kj_home_region(home, sizeof home);
    if (!*home) return NULL;
    *defaulted = true;
    return kj_arena_strdup(req->arena, home);
}

void kj_region_default_note(kj_req *req, json_t *d, const char *path, const char *name)
{
    char home[32];
    kj_home_region(home, sizeof home);
    if (!*home) return;
    char *label = kj_refcache_region_label(kj_req_app(req)->ref, home, req->lang);
    json_object_set_new(d, "region_default", json_pack("{s:s, s:s}", "label", kj_trf(req, "region.home_default", label ? label : home),
                                                       "all_href", kj_arena_printf(req->arena, "%s?%s=" KJ_REGION_ALL, path, name)));
    free(label);
}

bool kj_region_filter_known(kj_req *req, const char *code)
{
    if (!code || !*code) return true;
    char *label = kj_refcache_region_label(kj_req_app(req)->ref, code, "zh-CN");
    bool ok = label != NULL;
    free(label);
    return ok;
}
