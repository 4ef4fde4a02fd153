/*
 * pages_studio.c — the web pages of studios (list, profile, open, edit,
 * members, invitations, avatar) and attachment downloads (/files/{id}).
 *
 * Each handler: read validated inputs → call the studio domain → render a
 * template or redirect. A rejected form is re-rendered with what the user
 * typed and a message next to each bad field.
 */
#include "web/pages_studio.h"
#include "core/json_util.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "market/attach.h"
#include "market/market.h"
#include "market/studio.h"
#include "web/app.h"
#include "web/pages_fed.h"
#include "web/region_picker.h"
#include "web/home_region.h"
#include "web/market_view.h"
#include "web/pages_deal.h"
#include <stdlib.h>
#include <string.h>

#define STUDIOS_PER_PAGE 20

static const char *or_empty(const char *s) { return s ? s : ""; }

const char *kj_studio_take_errors(kj_req *req, json_t *errors)
{
    const char *field, *whole = NULL;
    json_t *key;
    json_object_foreach(errors, field, key) {
        kj_field_error(req, field, json_string_value(key));
        if (!whole || !strcmp(field, "form")) whole = kj_arena_strdup(req->arena, json_string_value(key));
    }
    return whole ? whole : "err.internal";
}


static void set_region_label(kj_req *req, json_t *o)
{
    const char *region = kj_jstr(o, "region");
    char *label = region ? kj_region_label(kj_req_db(req), region, req->lang) : NULL;
    if (label) json_object_set_new(o, "region_label", json_string(label));
    free(label);
}

void kj_showcase_decorate(kj_req *req, json_t *rows)
{
    size_t i;
    json_t *l;
    json_array_foreach(rows, i, l) {
        char key[64];
        snprintf(key, sizeof key, "kind.%s", or_empty(kj_jstr(l, "kind")));
        json_object_set_new(l, "kind_label", json_string(kj_tr(req, key)));
        kj_set_day(req, l, "published_at", "published_date");
    }
}

json_t *kj_studio_view(kj_req *req, const char *id)
{
    kj_db *db = kj_req_db(req);
    json_t *s = kj_studio_get(db, id);
    if (!s) return NULL;
    set_region_label(req, s);
    kj_fed_label(req, s);   /* a peer's studio: "来自 X" */
    json_t *listings = kj_studio_listings(db, id);
    kj_showcase_decorate(req, listings);
    json_object_set_new(s, "listings", listings);
    return s;
}

/* Only scientists have studios: others get a clear 403. */
static bool scientist_or_403(kj_req *req)
{
    if (kj_studio_user_may_join(req->user)) return true;
    kj_error(req, 403, "err.studio.scientists_only");
    return false;
}

/* The studio of the path if the user owns it (new ref); otherwise the
 * error page is sent and NULL returned. */
static json_t *owned_studio(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *s = kj_studio_get(kj_req_db(req), id);
    if (!s) { kj_error(req, 404, "err.not_found"); return NULL; }
    const char *rel = kj_studio_relation(kj_req_db(req), id, req->user);
    if (!rel || strcmp(rel, "owner")) {
        json_decref(s);
        kj_error(req, 403, kj_studio_user_may_join(req->user) ? "err.studio.owner_only" : "err.studio.scientists_only");
        return NULL;
    }
    return s;
}

/* ---- list ---- */

void kj_page_studios(kj_req *req)
{
    int page = (int)kj_in_int(req, "page", 1);
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *region = kj_region_filter(req, "region", &defaulted);
    const char *origin = kj_fed_origin_param(req);   /* federation: local|remote|<instance id> */
    /* Peers' studios are not of this instance's home region: its default does not narrow them. */
    if (defaulted && origin && strcmp(origin, "local")) { region = NULL; defaulted = false; }
    int status = kj_has_errors(req) ? 422 : 200;   /* a bad origin: said on the page, nothing listed */
    int64_t total = 0;
    json_t *items = status == 200 ? kj_studio_list(kj_req_db(req), region, origin, page, STUDIOS_PER_PAGE, &total) : json_array();
    if (!items) { kj_error(req, 500, "err.internal"); return; }
    size_t i;
    json_t *s;
    json_array_foreach(items, i, s) set_region_label(req, s);
    kj_fed_label_all(req, items);   /* a peer's studio: "来自 X"; one query for all their origins */
    int pages = (int)((total + STUDIOS_PER_PAGE - 1) / STUDIOS_PER_PAGE);
    json_t *d = json_pack("{s:o, s:I, s:i, s:i, s:s, s:o}", "items", items, "total", (json_int_t)total,
                          "page", page, "pages", pages ? pages : 1, "page_title", kj_tr(req, "studio.list.title"),
                          "region_picker", kj_region_filter_picker(req, "region", region, "field.region"));
    if (region && !defaulted) json_object_set_new(d, "region", json_string(region));
    if (origin) json_object_set_new(d, "origin", json_string(origin));
    kj_fed_origin_options(req, d, origin);
    if (defaulted) kj_region_default_note(req, d, "/studios", "region");
    if (page > 1) json_object_set_new(d, "prev_page", json_integer(page - 1));
    if (page < pages) json_object_set_new(d, "next_page", json_integer(page + 1));
    json_object_set_new(d, "can_open", json_boolean(kj_studio_user_may_join(req->user)));
    kj_render(req, status, "studio_list", d);
}

/* ---- the form (open and edit) ---- */

static void join_into(json_t *form, json_t *studio, const char *name)
{
    kj_buf b = { 0 };
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(studio, name), i, v) {
        if (i) kj_buf_puts(&b, "\n");
        kj_buf_puts(&b, json_string_value(v));
    }
    json_object_set_new(form, name, json_string(b.data ? b.data : ""));
    kj_buf_free(&b);
}

/* What the form shows: the stored studio, overlaid with what was typed. */
static json_t *form_values(kj_req *req, json_t *studio)
{
    json_t *form = json_object();
    if (studio) {
        static const char *const plain[] = { "name", "intro", "affiliation", "region" };
        for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
            json_object_set_new(form, plain[i], json_string(or_empty(kj_jstr(studio, plain[i]))));
        join_into(form, studio, "directions");
        join_into(form, studio, "skills");
    }
    if (req->form) json_object_update(form, req->form);
    return form;
}

static json_t *roster_view(kj_req *req, const char *studio_id)
{
    json_t *roster = kj_studio_roster(kj_req_db(req), studio_id);
    size_t i;
    json_t *m;
    json_array_foreach(roster, i, m) {
        char key[64];
        snprintf(key, sizeof key, "studio.member.%s.%s", or_empty(kj_jstr(m, "role")), or_empty(kj_jstr(m, "status")));
        json_object_set_new(m, "state_label", json_string(kj_tr(req, key)));
        json_object_set_new(m, "removable", json_boolean(!strcmp(or_empty(kj_jstr(m, "role")), "member")));
        if (!kj_jstr(m, "name")) json_object_set_new(m, "name", json_string(""));  /* invited: no account yet */
    }
    return roster;
}

/* Renders the open form (studio NULL) or the owners' edit page (studio
 * stolen). */
static void render_form(kj_req *req, int status, json_t *studio)
{
    json_t *d = json_object();
    json_t *form = form_values(req, studio);
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", kj_jstr(form, "region"), "field.region"));
    json_object_set_new(d, "form", form);
    if (studio) {
        const char *id = kj_jstr(studio, "id");
        json_object_set_new(d, "action", json_sprintf("/studios/%s/edit", id));
        json_object_set_new(d, "roster", roster_view(req, id));
        json_object_set_new(d, "page_title", json_string(kj_tr(req, "studio.edit.title")));
        static const char *const notices[] = { "saved", "invited", "removed", "avatar" };
        for (size_t i = 0; i < sizeof notices / sizeof *notices; i++)
            if (kj_req_query(req, notices[i])) json_object_set_new(d, notices[i], json_true());
        json_object_set_new(d, "studio", studio);
    } else {
        json_object_set_new(d, "action", json_string("/studios"));
        json_object_set_new(d, "page_title", json_string(kj_tr(req, "studio.new.title")));
    }
    kj_render(req, status, "studio_form", d);
}

/* The form's fields for the domain. A form sends every field, so an
 * empty one (absent from req->in) means "clear it". lists is where the
 * two list values live until the call returns (caller decrefs). */
static kj_studio_input form_input(kj_req *req, json_t *lists)
{
    json_object_set_new(lists, "directions", json_string(or_empty(kj_in_str(req, "directions"))));
    json_object_set_new(lists, "skills", json_string(or_empty(kj_in_str(req, "skills"))));
    kj_studio_input in = {
        .name = or_empty(kj_in_str(req, "name")), .intro = or_empty(kj_in_str(req, "intro")),
        .affiliation = or_empty(kj_in_str(req, "affiliation")), .region = or_empty(kj_in_str(req, "region")),
        .directions = json_object_get(lists, "directions"), .skills = json_object_get(lists, "skills"),
    };
    return in;
}

void kj_page_studio_new(kj_req *req)
{
    if (scientist_or_403(req)) render_form(req, 200, NULL);
}

void kj_page_studio_create(kj_req *req)
{
    if (!scientist_or_403(req)) return;
    if (kj_has_errors(req)) { render_form(req, 422, NULL); return; }
    json_t *lists = json_object(), *errors = json_object();
    kj_studio_input in = form_input(req, lists);
    char id[KJ_ID_LEN + 1];
    kj_err se = { .fields = errors };
    int st = kj_studio_create(kj_req_db(req), req->user, &in, id, &se) ? kj_err_status(&se) : 0;
    json_decref(lists);
    const char *key = st ? kj_studio_take_errors(req, errors) : NULL;
    json_decref(errors);
    if (st == 422) render_form(req, 422, NULL);
    else if (st) kj_error(req, st, key);
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/studios/%s?created=1", id));
}

void kj_page_studio_edit(kj_req *req)
{
    json_t *s = owned_studio(req);
    if (s) render_form(req, 200, s);
}

void kj_page_studio_update(kj_req *req)
{
    json_t *s = owned_studio(req);
    if (!s) return;
    if (kj_has_errors(req)) { render_form(req, 422, s); return; }
    json_t *lists = json_object(), *errors = json_object();
    kj_studio_input in = form_input(req, lists);
    kj_err se = { .fields = errors };
    int st = kj_studio_update(kj_req_db(req), req->user, kj_jstr(s, "id"), &in, &se) ? kj_err_status(&se) : 0;
    json_decref(lists);
    const char *key = st ? kj_studio_take_errors(req, errors) : NULL;
    json_decref(errors);
    if (st == 422) { render_form(req, 422, s); return; }
    if (st) kj_error(req, st, key);
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/studios/%s/edit?saved=1", kj_jstr(s, "id")));
    json_decref(s);
}

/* ---- members ---- */

void kj_page_studio_invite(kj_req *req)
{
    json_t *s = owned_studio(req);
    if (!s) return;
    if (kj_has_errors(req)) { render_form(req, 422, s); return; }
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_invite(kj_req_db(req), req->user, kj_jstr(s, "id"), kj_in_str(req, "email"), &se) ? kj_err_status(&se) : 0;
    const char *key = st ? kj_studio_take_errors(req, errors) : NULL;
    json_decref(errors);
    if (st == 422 || st == 409) { render_form(req, st, s); return; }
    if (st) kj_error(req, st, key);
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/studios/%s/edit?invited=1", kj_jstr(s, "id")));
    json_decref(s);
}

void kj_page_studio_remove(kj_req *req)
{
    json_t *s = owned_studio(req);
    if (!s) return;
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_has_errors(req) ? 404
           : kj_studio_remove(kj_req_db(req), req->user, kj_jstr(s, "id"), kj_in_str(req, "email"), &se) ? kj_err_status(&se) : 0;
    const char *key = st && json_object_size(errors) ? kj_studio_take_errors(req, errors) : "err.studio.not_member";
    json_decref(errors);
    if (st) kj_error(req, st, key);
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/studios/%s/edit?removed=1", kj_jstr(s, "id")));
    json_decref(s);
}

void kj_page_studios_mine(kj_req *req)
{
    if (!scientist_or_403(req)) return;
    json_t *d = kj_studio_mine(kj_req_db(req), req->user);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(d, "studios"), i, s) {
        char key[64];
        snprintf(key, sizeof key, "studio.role.%s", or_empty(kj_jstr(s, "role")));
        json_object_set_new(s, "role_label", json_string(kj_tr(req, key)));
        json_object_set_new(s, "is_owner", json_boolean(!strcmp(or_empty(kj_jstr(s, "role")), "owner")));
    }
    json_array_foreach(json_object_get(d, "invitations"), i, s) kj_set_day(req, s, "invited_at", "invited_date");
    json_object_set_new(d, "page_title", json_string(kj_tr(req, "studio.mine.title")));
    kj_render(req, 200, "studio_mine", d);
}

void kj_page_studio_join(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_join(kj_req_db(req), req->user, id, &se) ? kj_err_status(&se) : 0;
    const char *key = st ? kj_studio_take_errors(req, errors) : NULL;
    json_decref(errors);
    if (st) kj_error(req, st, key);
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/studios/%s?joined=1", id));
}

/* ---- avatar ---- */

static const kj_upload *find_upload(kj_req *req, const char *field)
{
    for (const kj_upload *u = req->uploads; u; u = u->next)
        if (u->field && !strcmp(u->field, field)) return u;
    return NULL;
}

void kj_page_studio_avatar(kj_req *req)
{
    json_t *s = owned_studio(req);
    if (!s) return;
    kj_app *app = kj_req_app(req);
    const kj_upload *u = find_upload(req, "avatar");
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_set_avatar(kj_req_db(req), req->user, kj_jstr(s, "id"), app->cfg.data, (size_t)app->cfg.max_upload,
                                  u ? u->filename : NULL, u ? u->data : NULL, u ? u->size : 0, &se) ? kj_err_status(&se) : 0;
    const char *key = st ? kj_studio_take_errors(req, errors) : NULL;
    json_decref(errors);
    if (st == 422 || st == 413) { render_form(req, st, s); return; }
    if (st) kj_error(req, st, key);
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/studios/%s/edit?avatar=1", kj_jstr(s, "id")));
    json_decref(s);
}

/* ---- the public profile ---- */

void kj_page_studio(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *s = kj_studio_view(req, id);
    if (!s) { kj_error(req, 404, "err.not_found"); return; }
    const char *rel = kj_studio_relation(kj_req_db(req), id, req->user);
    json_object_set_new(s, "is_owner", json_boolean(rel && !strcmp(rel, "owner")));
    json_object_set_new(s, "is_invited", json_boolean(rel && !strcmp(rel, "invited")));
    json_object_set_new(s, "page_title", json_string(kj_jstr(s, "name")));
    kj_set_day(req, s, "created_at", "created_date");
    static const char *const notices[] = { "created", "joined" };
    for (size_t i = 0; i < sizeof notices / sizeof *notices; i++)
        if (kj_req_query(req, notices[i])) json_object_set_new(s, notices[i], json_true());
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(s, "members"), i, m) {
        char key[64];
        snprintf(key, sizeof key, "studio.role.%s", or_empty(kj_jstr(m, "role")));
        json_object_set_new(m, "role_label", json_string(kj_tr(req, key)));
    }
    json_object_set_new(s, "ratings", kj_ratings_view(req, "studio", id));
    kj_render(req, 200, "studio_detail", s);
}

/* ---- downloads ---- */

static bool is_true_flag(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

/* Whether the viewer may download attachment a, and under which name. */
static bool may_download(kj_req *req, json_t *a, const char **name)
{
    kj_db *db = kj_req_db(req);
    const char *listing_id = kj_jstr(a, "listing_id");
    const char *me = req->user ? kj_jstr(req->user, "id") : NULL;
    *name = kj_arena_strdup(req->arena, or_empty(kj_jstr(a, "filename")));
    if (!listing_id) {
        if (kj_jstr(a, "studio_id")) return true;                 /* studio avatars are public */
        return me && !strcmp(me, or_empty(kj_jstr(a, "owner_id"))); /* not attached yet: its uploader */
    }
    json_t *l = kj_listing_get(db, listing_id);
    if (!l) return false;
    bool priv = kj_listing_can_see_private(db, l, req->user);
    bool published = !strcmp(or_empty(kj_jstr(l, "status")), "published");
    bool ok = priv || (published && !is_true_flag(a, "confidential"));
    if (ok && !priv && is_true_flag(l, "anonymous"))
        *name = kj_arena_printf(req->arena, "attachment-%s.%s", kj_jstr(a, "id"), kj_attach_ext(kj_jstr(a, "mime")));
    json_decref(l);
    return ok;
}

/* Headers every download gets: the stored type's disposition, no
 * sniffing (the server adds nosniff), no active content, private caching. */
static void file_headers(kj_req *req, const char *mime, const char *name, const char *etag)
{
    kj_buf disp = { 0 };
    kj_attach_disposition(&disp, mime, name);
    kj_resp_header(req, "Content-Disposition", disp.data ? disp.data : "attachment");
    kj_buf_free(&disp);
    kj_resp_header(req, "Cache-Control", "private, no-cache");
    kj_resp_header(req, "Content-Security-Policy", "default-src 'none'");
    kj_resp_header(req, "ETag", etag);
    req->no_gzip = true;
}

void kj_page_file(kj_req *req)
{
    json_t *a = kj_attach_get(kj_req_db(req), kj_req_param(req, 0));
    const char *name = NULL;
    if (!a || !may_download(req, a, &name)) { json_decref(a); kj_error(req, 404, "err.not_found"); return; }
    const char *id = kj_arena_strdup(req->arena, kj_jstr(a, "id"));
    const char *mime = kj_arena_strdup(req->arena, kj_jstr(a, "mime"));
    const char *etag = kj_arena_printf(req->arena, "\"%s\"", or_empty(kj_jstr(a, "sha256")));
    json_decref(a);
    const char *inm = kj_req_header(req, "If-None-Match");
    if (inm && !strcmp(inm, etag)) {
        file_headers(req, mime, name, etag);
        req->status = 304;
        req->content_type = NULL;
        kj_buf_reset(&req->body);
        return;
    }
    size_t len = 0;
    char *bytes = kj_attach_read(kj_req_app(req)->cfg.data, id, &len);
    if (!bytes) {
        kj_log_error("attachment %s: file missing", id);
        kj_error(req, 404, "err.not_found");
        return;
    }
    file_headers(req, mime, name, etag);
    kj_resp_text(req, 200, mime, bytes, len);
    free(bytes);
}
