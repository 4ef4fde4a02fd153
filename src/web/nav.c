/*
 * nav.c — the page frame's context: site name and the phone tab bar's
 * current tab (see nav.h).
 */
#include "web/nav.h"
#include "web/app.h"
#include "authz/authz.h"
#include "instance/instance.h"
#include "web/pages_instance.h"
#include <string.h>

/* Path prefixes of each tab's section, first match wins. A prefix matches
 * the path itself or the path followed by '/' or '?', so that "/demands"
 * does not claim "/demandsx". */
static const struct { const char *prefix, *tab; } sections[] = {
    { "/achievements", "tech" }, { "/services", "tech" }, { "/studios", "tech" }, { "/search", "tech" },
    { "/demands", "demands" }, { "/challenge-lists", "demands" }, { "/challenges", "demands" },
    { "/popsci", "popsci" },
    { "/dashboard", "me" }, { "/my", "me" }, { "/account", "me" }, { "/deals", "me" }, { "/eois", "me" },
    { "/notifications", "me" }, { "/favourites", "me" }, { "/subscriptions", "me" }, { "/login", "me" },
    { "/register", "me" },
};

static const char *tab_of(const char *path)
{
    if (!path) return NULL;
    if (!strcmp(path, "/")) return "home";
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
        size_t n = strlen(sections[i].prefix);
        if (!strncmp(path, sections[i].prefix, n) && (path[n] == 0 || path[n] == '/' || path[n] == '?'))
            return sections[i].tab;
    }
    return NULL;
}

void kj_nav_context(kj_req *req, json_t *data)
{
    char name[128];
    kj_instance_name(req->lang, name, sizeof name);
    json_object_set_new(data, "site_name", json_string(name));
    json_object_set_new(data, "instance_name", json_string(name));
    kj_instance_frame(req, data);
    const char *tab = tab_of(req->path);
    if (tab) json_object_set_new(data, "tab", json_pack("{s:b}", tab, 1));
}

const char *kj_post_href(kj_req *req, const char *kind)
{
    const char *form = kj_arena_printf(req->arena, "/listings/new?kind=%s", kind);
    if (req->user) return kj_authz_may_post_listing(req->user, kind) ? form : NULL;
    kj_buf to = { 0 };
    kj_buf_puts(&to, "/login?next=");
    kj_url_encode(&to, form);
    const char *href = kj_arena_strdup(req->arena, to.data);
    kj_buf_free(&to);
    return href;
}
