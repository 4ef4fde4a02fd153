/*
 * chips.c — removable filter chips (see chips.h).
 */
#include "web/chips.h"
#include "web/app.h"
#include "web/home_region.h"
#include "core/json_util.h"
#include "ref/refcache.h"
#include <string.h>

/* The chip label of filter name with value, or NULL for no chip. */
static const char *chip_label(kj_req *req, const char *name, const char *value, bool q_is_text)
{
    const kj_refcache *ref = kj_req_app(req)->ref;
    const char *shown = value;
    if (!strcmp(name, "domain")) shown = kj_refcache_name(ref, KJ_REF_DOMAINS, value, req->lang);
    else if (!strcmp(name, "region") && !strcmp(value, KJ_REGION_ALL)) return NULL;   /* everything: no filter to remove */
    else if (!strcmp(name, "region")) shown = kj_refcache_name(ref, KJ_REF_REGIONS, value, req->lang);
    else if (!strcmp(name, "mode")) shown = kj_refcache_name(ref, KJ_REF_COOP_MODES, value, req->lang);
    else if (!strcmp(name, "kind")) shown = kj_tr(req, kj_arena_printf(req->arena, "kind.%s", value));
    else if (!strcmp(name, "q") && q_is_text) return NULL;
    else if (strcmp(name, "q") && strcmp(name, "trl_min") && strcmp(name, "trl_max") && strcmp(name, "price_min") &&
             strcmp(name, "price_max") && strcmp(name, "within"))
        return NULL;   /* sort, per_page, page: not filters */
    return kj_trf(req, kj_arena_printf(req->arena, "chip.%s", name), shown ? shown : value);
}

json_t *kj_filter_chips(kj_req *req, const char *base, json_t *params, bool q_is_text)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *p, *o;
    json_array_foreach(params, i, p) {
        const char *label = chip_label(req, kj_jstr_or_empty(p, "name"), kj_jstr_or_empty(p, "value"), q_is_text);
        if (!label) continue;
        kj_buf href = { 0 };
        kj_buf_puts(&href, base);
        int n = 0;
        json_array_foreach(params, j, o) {
            if (j == i) continue;
            kj_buf_puts(&href, n++ ? "&" : "?");
            kj_url_encode(&href, kj_jstr_or_empty(o, "name"));
            kj_buf_puts(&href, "=");
            kj_url_encode(&href, kj_jstr_or_empty(o, "value"));
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "label", label, "remove_label", kj_trf(req, "chip.remove", label),
                                             "href", href.data));
        kj_buf_free(&href);
    }
    return out;
}
