/*
 * pages_instance.c — the instance profile (issue 17 §1): the administrator's
 * page /admin/instance and its API (/api/v1/admin/instance), the public
 * description (/api/v1/instance), the logo and favicon, and the per-language
 * theme stylesheet (fonts from the catalog's metadata, colours from the
 * profile). See pages_instance.h; the domain is instance/instance.h.
 */
#include "web/pages_instance.h"
#include "instance/instance.h"
#include "core/buf.h"
#include "core/json_util.h"
#include "media/files.h"
#include "web/i18n.h"
#include "web/region_picker.h"
#include <stdlib.h>
#include <string.h>

/* The installed catalogs' tags, NULL-terminated (arena). */
static const char *const *known_langs(kj_req *req)
{
    int n = kj_i18n_count();
    const char **v = kj_arena_alloc(req->arena, (size_t)(n + 1) * sizeof *v);
    for (int i = 0; i < n; i++) v[i] = kj_i18n_lang(i);
    v[n] = NULL;
    return v;
}

static bool listed(const char *csv, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = csv; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, tag, n)) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

/* Every installed language: {tag, name, dir, offered, default, name_value, short_value}. */
static json_t *languages_view(const kj_instance_profile *p)
{
    json_t *out = json_array();
    for (int i = 0; i < kj_i18n_count(); i++) {
        const char *tag = kj_i18n_lang(i);
        const char *name = "", *shortn = "";
        for (int k = 0; k < p->nnames; k++)
            if (!strcmp(p->names[k].lang, tag)) { name = p->names[k].name; shortn = p->names[k].short_name; }
        char nk[40], sk[48];
        snprintf(nk, sizeof nk, "name.%s", tag);
        snprintf(sk, sizeof sk, "short_name.%s", tag);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:b}", "tag", tag, "name",
                                             kj_i18n_name(tag), "dir", kj_i18n_dir(tag), "offered",
                                             listed(p->languages, tag), "is_default", !strcmp(p->default_lang, tag),
                                             "partial", kj_i18n_partial(tag), "name_value", name, "short_value", shortn,
                                             "names_locked", kj_instance_locked(nk) || kj_instance_locked(sk)));
    }
    return out;
}

static void render_admin(kj_req *req, int status, const char *notice)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    json_t *d = json_object();
    json_t *fields = json_array();
    for (const kj_instance_field *f = kj_instance_fields; f->key; f++) {
        if (f->kind != KJ_IF_TEXT && f->kind != KJ_IF_COLOR) continue;
        json_t *posted = req->form ? json_object_get(req->form, f->key) : NULL;
        const char *value = json_is_string(posted) ? json_string_value(posted) : kj_instance_field_value(&p, f->key);
        json_t *item = json_pack("{s:s, s:s, s:s, s:b, s:i, s:b}", "key", f->key, "label", kj_tr(req, f->label_key), "value",
                                 value ? value : "", "is_color", f->kind == KJ_IF_COLOR, "max", f->max_chars, "locked",
                                 kj_instance_locked(f->key));
        const char *err = req->errors ? json_string_value(json_object_get(req->errors, f->key)) : NULL;
        if (err) json_object_set_new(item, "error", json_string(kj_tr(req, err)));
        json_array_append_new(fields, item);
    }
    json_object_set_new(d, "fields", fields);
    json_object_set_new(d, "languages", languages_view(&p));
    json_t *form = req->form;
    const char *region = form && json_is_string(json_object_get(form, "home_region"))
                             ? json_string_value(json_object_get(form, "home_region")) : p.home_region;
    json_object_set_new(d, "region_picker", kj_region_picker(req, "home_region", region, "instance.f.home_region"));
    json_object_set_new(d, "profile", kj_instance_describe());
    json_object_set_new(d, "terms_version", json_string(p.terms_version));
    json_object_set_new(d, "privacy_version", json_string(p.privacy_version));
    json_object_set_new(d, "has_logo", json_boolean(*p.logo));
    json_object_set_new(d, "has_favicon", json_boolean(*p.favicon));
    json_object_set_new(d, "page_title", json_string(kj_tr(req, "instance.title")));
    if (notice) json_object_set_new(d, "notice", json_string(kj_tr(req, notice)));
    kj_render(req, status, "admin_instance", d);
}

void kj_page_admin_instance(kj_req *req)
{
    const char *saved = kj_in_str(req, "saved");
    render_admin(req, 200, saved ? "instance.saved" : NULL);
}

/* A domain refusal on the page: the field's error and the form again
 * (INVALID), or the error page. */
static void page_refused(kj_req *req, const kj_err *e)
{
    if (e->kind == KJ_E_INVALID || e->kind == KJ_E_TOO_LARGE || e->kind == KJ_E_CONFLICT) {
        kj_req_fail(req, e);
        render_admin(req, 422, NULL);
        return;
    }
    kj_answer_err(req, e);
}

void kj_page_admin_instance_post(kj_req *req)
{
    if (kj_has_errors(req)) { render_admin(req, 422, NULL); return; }
    json_t *changes = json_object();
    for (const kj_instance_field *f = kj_instance_fields; f->key; f++) {
        if (f->kind != KJ_IF_TEXT && f->kind != KJ_IF_COLOR && f->kind != KJ_IF_REGION && f->kind != KJ_IF_LANG) continue;
        if (kj_instance_locked(f->key)) continue;   /* shown read-only */
        const char *v = kj_in_str(req, f->key);
        json_object_set_new(changes, f->key, json_string(v ? v : ""));
    }
    /* Offered languages: the checked boxes, in the catalogs' order. */
    kj_buf b = { 0 };
    size_t i;
    json_t *tag;
    json_array_foreach(json_object_get(req->in, "languages"), i, tag) {
        if (b.len) kj_buf_puts(&b, ",");
        kj_buf_puts(&b, json_string_value(tag));
    }
    if (!kj_instance_locked("languages")) json_object_set_new(changes, "languages", json_string(b.data ? b.data : ""));
    kj_buf_free(&b);
    kj_err e = { 0 };
    e.fields = json_object();
    int rc = kj_instance_save(kj_req_db(req), req->user, changes, known_langs(req), &e);
    json_decref(changes);
    if (rc) {
        const char *k;
        json_t *v;
        json_object_foreach(e.fields, k, v) kj_field_error(req, k, json_string_value(v));
        json_decref(e.fields);
        e.fields = NULL;
        page_refused(req, &e);
        return;
    }
    json_decref(e.fields);
    kj_resp_redirect(req, "/admin/instance?saved=1");
}

void kj_page_admin_instance_names(kj_req *req)
{
    if (kj_has_errors(req)) { render_admin(req, 422, NULL); return; }
    const char *lang = kj_in_str(req, "lang");
    const char *name = kj_in_str(req, "name"), *shortn = kj_in_str(req, "short_name");
    json_t *changes = json_pack("{s:s, s:s}", kj_arena_printf(req->arena, "name.%s", lang), name ? name : "",
                                kj_arena_printf(req->arena, "short_name.%s", lang), shortn ? shortn : "");
    kj_err e = { 0 };
    int rc = kj_instance_save(kj_req_db(req), req->user, changes, known_langs(req), &e);
    json_decref(changes);
    if (rc) {
        page_refused(req, &e);
        return;
    }
    kj_resp_redirect(req, "/admin/instance?saved=1#names");
}

void kj_page_admin_instance_image(kj_req *req)
{
    const char *which = kj_in_str(req, "which");
    const kj_upload *file = NULL;
    for (const kj_upload *u = req->uploads; u; u = u->next)
        if (!strcmp(u->field, "file")) file = u;
    kj_err e = { 0 };
    kj_app *app = kj_req_app(req);
    if (kj_has_errors(req) || !which) { render_admin(req, 422, NULL); return; }
    if (kj_instance_set_image(kj_req_db(req), app->cfg.data, req->user, which, file ? file->data : NULL,
                              file ? file->size : 0, 1024 * 1024, &e)) {
        page_refused(req, &e);
        return;
    }
    kj_resp_redirect(req, "/admin/instance?saved=1#images");
}

void kj_page_admin_instance_policy(kj_req *req)
{
    if (kj_has_errors(req)) { render_admin(req, 422, NULL); return; }
    kj_err e = { 0 };
    if (kj_instance_policy_publish(kj_req_db(req), req->user, kj_in_str(req, "document"), kj_in_str(req, "lang"),
                                   kj_in_str(req, "version"), kj_in_str(req, "body"), &e)) {
        page_refused(req, &e);
        return;
    }
    kj_resp_redirect(req, "/admin/instance?saved=1#policies");
}

/* ---- public: logo, favicon, theme ---- */

static void serve_image(kj_req *req, bool logo)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    const char *name = logo ? p.logo : p.favicon;
    const char *mime = logo ? p.logo_mime : p.favicon_mime;
    if (!*name) { kj_error(req, 404, "err.not_found"); return; }
    size_t len = 0;
    char *data = kj_file_read(kj_req_app(req)->cfg.data, name, &len);
    if (!data) { kj_error(req, 404, "err.not_found"); return; }
    kj_resp_header(req, "Cache-Control", "public, max-age=300");
    kj_resp_text(req, 200, mime, data, len);
    free(data);
}

void kj_page_instance_logo(kj_req *req) { serve_image(req, true); }
void kj_page_instance_favicon(kj_req *req) { serve_image(req, false); }

void kj_page_theme_css(kj_req *req)
{
    const char *file = kj_req_param(req, 0);
    size_t n = file ? strlen(file) : 0;
    if (n < 5 || strcmp(file + n - 4, ".css")) { kj_error(req, 404, "err.not_found"); return; }
    char tag[32];
    snprintf(tag, sizeof tag, "%.*s", (int)(n - 4), file);
    const char *lang = kj_i18n_supported(tag);
    if (!lang || strcmp(lang, tag)) { kj_error(req, 404, "err.not_found"); return; }
    kj_instance_profile p;
    kj_instance_get(&p);
    kj_buf b = { 0 };
    kj_buf_puts(&b, "/* kejiyun: this instance's colours and this language's fonts (instance profile, i18n metadata) */\n");
    /* Colours are validated #rrggbb (instance.c), fonts a font-family list
     * (i18n.c): neither can leave its declaration. */
    if (*p.color_primary || *p.color_accent) {
        kj_buf_puts(&b, ":root {");
        if (*p.color_primary) kj_buf_printf(&b, " --brand: %s;", p.color_primary);
        if (*p.color_accent) kj_buf_printf(&b, " --accent: %s;", p.color_accent);
        kj_buf_puts(&b, " }\n");
    }
    if (*kj_i18n_font(lang)) kj_buf_printf(&b, "body, input, select, textarea, button { font-family: %s; }\n", kj_i18n_font(lang));
    kj_resp_header(req, "Cache-Control", "public, max-age=300");
    kj_resp_text(req, 200, "text/css; charset=utf-8", b.data ? b.data : "", b.len);
    kj_buf_free(&b);
}

void kj_instance_frame(kj_req *req, json_t *data)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    const char *lang = req->lang ? req->lang : KJ_LANG_DEFAULT;
    json_object_set_new(data, "lang_dir", json_string(kj_i18n_dir(lang)));
    if (*p.color_primary || *p.color_accent || *kj_i18n_font(lang))
        json_object_set_new(data, "theme_css", json_string(kj_arena_printf(req->arena, "/theme/%s.css?v=%lld", lang,
                                                                            (long long)p.updated_at)));
    if (*p.logo) json_object_set_new(data, "brand_logo", json_string(kj_arena_printf(req->arena, "/instance/logo?v=%s", p.logo + strlen(p.logo) - 6)));
    if (*p.favicon) json_object_set_new(data, "favicon", json_string(kj_arena_printf(req->arena, "/instance/favicon?v=%s", p.favicon + strlen(p.favicon) - 6)));
    /* The language switcher: every offered language but the page's own,
     * each named in itself (and marked with its tag, for screen readers). */
    json_t *links = json_array();
    char list[sizeof p.languages];
    snprintf(list, sizeof list, "%s", p.languages);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const char *tag = kj_i18n_supported(t);
        if (!tag || !strcmp(tag, lang)) continue;
        kj_buf href = { 0 };
        kj_buf_printf(&href, "/lang/%s?next=", tag);
        kj_url_encode(&href, req->path ? req->path : "/");
        json_array_append_new(links, json_pack("{s:s, s:s, s:s, s:s, s:b}", "tag", tag, "name", kj_i18n_name(tag), "dir",
                                               kj_i18n_dir(tag), "href", href.data, "first", json_array_size(links) == 0));
        kj_buf_free(&href);
    }
    json_object_set_new(data, "lang_links", links);
    if (*p.footer_host || *p.footer_contact || *p.icp_record || *p.police_record)
        json_object_set_new(data, "footer", json_pack("{s:s, s:s, s:s, s:s}", "host", p.footer_host, "contact",
                                                      p.footer_contact, "icp_record", p.icp_record, "police_record",
                                                      p.police_record));
}

kj_policy_versions kj_req_policy_versions(kj_req *req)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    kj_policy_versions v = { kj_arena_strdup(req->arena, p.terms_version), kj_arena_strdup(req->arena, p.privacy_version) };
    return v;
}

/* ---- API ---- */

static json_t *public_description(void)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    json_t *d = kj_instance_describe();
    json_t *langs = json_array(), *tag;
    size_t i;
    json_array_foreach(json_object_get(d, "languages"), i, tag) {
        const char *t = json_string_value(tag);
        json_array_append_new(langs, json_pack("{s:s, s:s, s:s, s:b}", "tag", t, "name", kj_i18n_name(t), "dir",
                                               kj_i18n_dir(t), "partial", kj_i18n_partial(t)));
    }
    json_object_set_new(d, "languages", langs);
    json_object_set_new(d, "policies", json_pack("{s:s, s:s}", "terms_version", p.terms_version, "privacy_version",
                                                 p.privacy_version));
    return d;
}

void kj_api_instance(kj_req *req) { kj_resp_json(req, 200, public_description()); }

void kj_api_admin_instance(kj_req *req)
{
    json_t *d = public_description();
    json_t *installed = json_array();
    for (int i = 0; i < kj_i18n_count(); i++) json_array_append_new(installed, json_string(kj_i18n_lang(i)));
    json_object_set_new(d, "installed_languages", installed);
    json_t *editable = json_array();
    for (const kj_instance_field *f = kj_instance_fields; f->key; f++) json_array_append_new(editable, json_string(f->key));
    json_object_set_new(d, "editable", editable);
    kj_resp_json(req, 200, d);
}

static void api_refused(kj_req *req, const kj_err *e)
{
    if (e->kind == KJ_E_INVALID) { kj_req_fail(req, e); kj_api_invalid(req); return; }
    kj_answer_err(req, e);
}

/* PUT: the keys present in the body change (an empty string clears the
 * administrator's value: the settings file's applies again); "name" and
 * "short_name" are objects {tag: text}. */
void kj_api_admin_instance_put(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    json_t *body = req->json_body;
    json_t *changes = json_object();
    for (const kj_instance_field *f = kj_instance_fields; f->key; f++) {
        if (!json_object_get(body, f->key)) continue;
        const char *v = kj_in_str(req, f->key);
        json_object_set_new(changes, f->key, json_string(v ? v : ""));
    }
    static const char *const per_lang[] = { "name", "short_name" };
    for (size_t k = 0; k < 2; k++) {
        json_t *obj = json_object_get(req->in, per_lang[k]);
        if (!obj) continue;
        if (!json_is_object(obj)) {
            kj_field_error(req, per_lang[k], "err.instance.names");
            json_decref(changes);
            kj_api_invalid(req);
            return;
        }
        const char *tag;
        json_t *v;
        json_object_foreach(obj, tag, v) {
            const char *key = kj_arena_printf(req->arena, "%s.%s", per_lang[k], tag);
            json_object_set(changes, key, json_is_string(v) ? v : json_null());
        }
    }
    kj_err e = { 0 };
    e.fields = json_object();
    int rc = kj_instance_save(kj_req_db(req), req->user, changes, known_langs(req), &e);
    json_decref(changes);
    if (rc) {
        const char *k;
        json_t *v;
        json_object_foreach(e.fields, k, v) kj_field_error(req, k, json_string_value(v));
        json_decref(e.fields);
        e.fields = NULL;
        api_refused(req, &e);
        return;
    }
    json_decref(e.fields);
    kj_api_admin_instance(req);
}

void kj_api_admin_instance_policy(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    kj_err e = { 0 };
    if (kj_instance_policy_publish(kj_req_db(req), req->user, kj_in_str(req, "document"), kj_in_str(req, "lang"),
                                   kj_in_str(req, "version"), kj_in_str(req, "body"), &e)) {
        api_refused(req, &e);
        return;
    }
    kj_resp_json(req, 201, public_description());
}
