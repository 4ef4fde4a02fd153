/*
 * api_regions.c — GET /api/v1/regions?parent=CODE: one level of the region
 * tree (ref/regions.h), for the cascading picker's script and for clients.
 */
#include "web/app.h"
#include "api/api.h"
#include "ref/refcache.h"
#include "ref/refdata.h"
#include "ref/regions.h"
#include <string.h>

static json_t *region_json(const kj_region *g)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "code", g->code, "name_zh", g->name_zh, "name_en", g->name_en,
                     "level", g->level);
}

void kj_api_regions(kj_req *req)
{
    const kj_regions *t = kj_refcache_regions(kj_req_app(req)->ref);
    const char *parent = kj_in_str(req, "parent");
    if (parent && *parent && !kj_region_code_ok(parent)) {
        json_object_set_new(req->errors, "parent", json_string("err.region.code"));
        kj_api_invalid(req);
        return;
    }
    const kj_region *p = parent && *parent ? kj_regions_get(t, parent) : NULL;
    if (parent && *parent && !p) { kj_error(req, 404, "err.region.unknown"); return; }
    const kj_region *const *kids;
    size_t n = kj_regions_children(t, p ? p->code : NULL, &kids);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = region_json(kids[i]);
        json_object_set_new(o, "has_children", json_boolean(kids[i]->nchild > 0));
        json_array_append_new(items, o);
    }
    json_t *out = json_pack("{s:o, s:o}", "parent", p ? region_json(p) : json_null(), "items", items);
    /* Reference data: it changes only when the server restarts with new
     * files, so a day's caching is safe and spares a phone the round trips. */
    kj_resp_header(req, "Cache-Control", "public, max-age=86400");
    kj_resp_json(req, 200, out);
}
