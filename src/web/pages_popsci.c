/*
 * pages_popsci.c — the popular-science pages: content list, detail,
 * authoring with images, review queue, corrections, the needs profile,
 * the personal feed with reasons, questions and answers, expert
 * registration, urgent notices, teams, image serving and the Atom feed.
 *
 * Pages are plain HTML forms (no JavaScript needed) and light: the detail
 * page carries only the text, its images (lazy, sized) and small forms.
 */
#include "web/pages_popsci.h"
#include "web/pages_center.h"
#include "core/json_util.h"
#include "popsci/follow.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "market/attach.h"
#include "media/image.h"
#include "media/variants.h"
#include "media/video.h"
#include "popsci/popsci.h"
#include "web/app.h"
#include "web/pages_fed.h"
#include "fed/fed.h"
#include "web/region_picker.h"
#include "web/home_region.h"
#include "web/market_view.h"
#include "web/media_view.h"
#include <stdlib.h>
#include <string.h>

static const char *or_empty(const char *s) { return s ? s : ""; }

/* ---- shared helpers ---- */

kj_db *kj_popsci_db(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    if (kj_popsci_ensure_topics(db, kj_req_app(req)->cfg.root)) kj_log_error("popsci: cannot load data/popsci_topics.tsv");
    return db;
}

const char *kj_popsci_take_errors(kj_req *req, json_t *errors)
{
    const char *field, *whole = NULL;
    json_t *key;
    json_object_foreach(errors, field, key) {
        kj_field_error(req, field, json_string_value(key));
        if (!whole || !strcmp(field, "form")) whole = kj_arena_strdup(req->arena, json_string_value(key));
    }
    json_decref(errors);
    return whole ? whole : "err.internal";
}

/* The message of an image processing error (media/image.h keys). */
static const char *image_error_key(const char *key)
{
    static const char *const map[][2] = {
        { "err.image.type", "popsci.err.image_type" },
        { "err.image.corrupt", "popsci.err.image_corrupt" },
        { "err.image.pixels", "popsci.err.image_pixels" },
        { "err.attach.pixels", "popsci.err.image_pixels" },
    };
    for (size_t i = 0; key && i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], key)) return map[i][1];
    return key ? key : "err.internal";
}

struct kj_popsci_images {
    const char *field;
    int n;
    struct prepared { const kj_upload *u; kj_image_set set; } *img;
};

void kj_popsci_images_free(kj_popsci_images *imgs)
{
    if (!imgs) return;
    for (int i = 0; i < imgs->n; i++) kj_image_set_free(&imgs->img[i].set);
    free(imgs->img);
    free(imgs);
}

bool kj_popsci_check_images(kj_req *req, const char *field, kj_popsci_images **out)
{
    kj_popsci_images *imgs = *out = calloc(1, sizeof *imgs);
    if (!imgs) { kj_field_error(req, field, "err.internal"); return false; }
    imgs->field = field;
    int cap = 0;
    for (const kj_upload *u = req->uploads; u; u = u->next) {
        if (!u->field || strcmp(u->field, field)) continue;
        if (!u->size && (!u->filename || !*u->filename)) continue;   /* an empty file input */
        const char *key = NULL, *mime = NULL;
        if (!u->size) key = "err.attach.empty";
        else if (u->size > KJ_POPSCI_IMAGE_MAX) key = "popsci.err.image_large";
        else if (!(mime = kj_attach_sniff(u->data, u->size, NULL)) || !kj_attach_is_inline(mime)) key = "popsci.err.image_type";
        if (key) { kj_field_error(req, field, key); return false; }
        if (imgs->n == cap) {
            struct prepared *more = realloc(imgs->img, (size_t)(cap = cap ? 2 * cap : 4) * sizeof *more);
            if (!more) { kj_field_error(req, field, "err.internal"); return false; }
            imgs->img = more;
        }
        struct prepared *p = &imgs->img[imgs->n++];
        p->u = u;
        /* The variants now, outside any transaction: an image libgd cannot
         * read (or over the pixel budget, refused from its header) is
         * refused before anything is written. They come from the upload as
         * sent, whose EXIF orientation the stored original loses. */
        if (kj_image_variants(u->data, u->size, mime, kj_image_widths, &p->set, &key)) {
            kj_field_error(req, field, image_error_key(key));
            return false;
        }
    }
    return true;
}

int kj_popsci_store_images(kj_req *req, const kj_popsci_images *imgs, const char *content_id, const char *question_id)
{
    kj_app *app = kj_req_app(req);
    bool poster = !strcmp(imgs->field, "poster");
    for (int i = 0; i < imgs->n; i++) {
        const kj_upload *u = imgs->img[i].u;
        char id[KJ_ID_LEN + 1];
        kj_err why = { 0 };
        int rc = kj_attach_store(kj_req_db(req), app->cfg.data, KJ_POPSCI_IMAGE_MAX, kj_user_id(req->user), NULL, NULL, u->filename,
                                 u->data, u->size, false, id, &why);
        if (!rc) rc = kj_media_save_variants(kj_req_db(req), app->cfg.data, id, &imgs->img[i].set);
        if (rc) { kj_field_error(req, imgs->field, why.key ? image_error_key(why.key) : "err.internal"); return -1; }
        if (kj_popsci_image_link(kj_req_db(req), id, kj_user_id(req->user), content_id, question_id, poster)) return -1;
        poster = false;
    }
    return 0;
}

/* Stores the "video" upload (if any) and sets in.video_id. 0, or -1 with
 * a field error. Call inside the request's transaction. */
static int store_video(kj_req *req, json_t *in)
{
    static const char *const map[][2] = {
        { "err.video.type", "popsci.err.video_type" }, { "err.video.too_large", "popsci.err.video_large" },
        { "err.video.empty", "err.attach.empty" },
    };
    kj_app *app = kj_req_app(req);
    for (const kj_upload *u = req->uploads; u; u = u->next) {
        if (!u->field || strcmp(u->field, "video") || (!u->size && (!u->filename || !*u->filename))) continue;
        char id[KJ_ID_LEN + 1];
        kj_err why = { 0 };
        if (kj_video_store(kj_req_db(req), app->cfg.data, (size_t)app->cfg.max_video, kj_user_id(req->user), u->data, u->size, id,
                           &why)) {
            const char *key = why.key;
            for (size_t i = 0; i < sizeof map / sizeof *map; i++)
                if (key && !strcmp(key, map[i][0])) key = map[i][1];
            kj_field_error(req, "video", key ? key : "err.internal");
            return -1;
        }
        json_object_set_new(in, "video_id", json_string(id));
        return 0;
    }
    return 0;
}

void kj_popsci_reason_texts(kj_req *req, json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *r = json_object_get(it, "reason");
        const char *code = or_empty(kj_jstr(r, "code"));
        const char *what = kj_jstr(r, "topic_name") ? kj_jstr(r, "topic_name") : kj_jstr(r, "word");
        const char *where = kj_jstr(r, "region_name");
        const char *arg = what && where ? kj_arena_printf(req->arena, "%s · %s", what, where)
                                        : what ? what : where ? where : "";
        char key[48];
        snprintf(key, sizeof key, "popsci.reason.%s", code);
        json_object_set_new(it, "reason_text", json_string(kj_trf(req, key, arg)));
    }
}

/* Topic choices [{code, label, selected}] with the codes of the " a b "
 * list selected marked. */
static json_t *topic_options(kj_req *req, const char *selected)
{
    json_t *all = kj_popsci_topics(kj_popsci_db(req)), *out = json_array();
    bool en = !strcmp(req->lang, "en");
    char want[64];
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t) {
        snprintf(want, sizeof want, " %s ", or_empty(kj_jstr(t, "code")));
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", kj_jstr(t, "code"),
                                             "label", kj_jstr(t, en ? "name_en" : "name_zh"),
                                             "selected", selected && strstr(selected, want) != NULL));
    }
    json_decref(all);
    return out;
}

static json_t *audience_options(kj_req *req, const char *selected)
{
    json_t *out = json_array();
    for (const char *const *a = kj_popsci_audiences; *a; a++) {
        char key[48];
        snprintf(key, sizeof key, "popsci.aud.%s", *a);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", *a, "label", kj_tr(req, key),
                                             "selected", selected ? !strcmp(selected, *a) : !strcmp(*a, "everyone")));
    }
    return out;
}

/* Content languages [{code, label, selected}] (zh-CN by default). */
static json_t *lang_options(kj_req *req, const char *selected)
{
    static const char *const langs[][2] = { { "zh-CN", "popsci.lang.zh-CN" }, { "en", "popsci.lang.en" } };
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof langs / sizeof *langs; i++)
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", langs[i][0], "label", kj_tr(req, langs[i][1]),
                                             "selected", selected ? !strcmp(selected, langs[i][0]) : i == 0));
    return out;
}

/* Adds topic_label and a readable date to content or question rows. */
static void label_rows(kj_req *req, json_t *rows)
{
    bool en = !strcmp(req->lang, "en");
    size_t i;
    json_t *r;
    kj_fed_label_all(req, rows);   /* a peer's content: "来自 X"; one query for all their origins */
    json_array_foreach(rows, i, r) {
        const char *t = kj_jstr(r, en ? "topic_en" : "topic_zh");
        if (t) json_object_set_new(r, "topic_label", json_string(t));
        char key[48];
        snprintf(key, sizeof key, "popsci.kind.%s", or_empty(kj_jstr(r, "kind")));
        if (kj_jstr(r, "kind")) json_object_set_new(r, "kind_label", json_string(kj_tr(req, key)));
        if (kj_jstr(r, "poster_id")) json_object_set_new(r, "poster_url", json_string(kj_arena_printf(req->arena,
                                                      "/popsci/images/%s", kj_jstr(r, "poster_id"))));
    }
}

static json_t *page_data(kj_req *req, const char *title_key)
{
    return json_pack("{s:s}", "page_title", kj_tr(req, title_key));
}

/* A redirect target: prefix, id, suffix. */
static const char *path_id(kj_req *req, const char *prefix, const char *id, const char *suffix)
{
    return kj_arena_printf(req->arena, "%s%s%s", prefix, id, suffix);
}

/* ---- responsive images ---- */

/* The <img> tag of popsci image id: variants and srcset when it has them. */
static const char *image_html(kj_req *req, const char *id, const char *alt)
{
    kj_buf b = { 0 };
    kj_img_html(kj_popsci_db(req), &b, kj_arena_printf(req->arena, "/popsci/images/%s", id), id, alt,
                KJ_IMG_SIZES_COLUMN, "popsci-img");
    const char *s = kj_arena_strdup(req->arena, b.data ? b.data : "");
    kj_buf_free(&b);
    return s;
}

/* Rewrites the <img src="/popsci/images/ID"> tags of the rendered body
 * (Markdown images of uploaded pictures) into responsive ones; sets
 * used[ID] for each. */
static void responsive_body(kj_req *req, json_t *c, json_t *used)
{
    static const char prefix[] = "<img src=\"/popsci/images/";
    const char *html = kj_jstr(c, "body_html");
    if (!html || !strstr(html, prefix)) return;
    kj_buf out = { 0 };
    const char *p = html, *hit;
    while ((hit = strstr(p, prefix))) {
        const char *idp = hit + sizeof prefix - 1;
        char id[KJ_ID_LEN + 1];
        snprintf(id, sizeof id, "%.*s", KJ_ID_LEN, idp);
        kj_buf_append(&out, p, (size_t)(hit - p));
        p = hit + sizeof prefix - 1;
        if (strlen(id) != KJ_ID_LEN || idp[KJ_ID_LEN] != '"' || !kj_id_valid(id)) { kj_buf_puts(&out, prefix); continue; }
        const char *base = kj_arena_printf(req->arena, "/popsci/images/%s", id);
        kj_buf attrs = { 0 };
        int smallest = kj_img_attrs(kj_popsci_db(req), &attrs, base, id, KJ_IMG_SIZES_COLUMN);
        kj_buf_printf(&out, "<img src=\"%s", base);
        if (smallest) kj_buf_printf(&out, "/%d", smallest);
        kj_buf_puts(&out, "\"");
        if (attrs.len) kj_buf_append(&out, attrs.data, attrs.len);
        kj_buf_free(&attrs);
        json_object_set_new(used, id, json_true());
        p = idp + KJ_ID_LEN + 1;
    }
    kj_buf_puts(&out, p);
    json_object_set_new(c, "body_html", json_string(out.data ? out.data : ""));
    kj_buf_free(&out);
}

/* Adds img_html to every image of the content not shown already (the
 * poster, or in the body), poster_html for the poster. */
static void content_images(kj_req *req, json_t *c)
{
    json_t *used = json_object(), *shown = json_array();
    responsive_body(req, c, used);
    const char *poster = kj_jstr(c, "poster_id");
    if (poster) {
        json_object_set_new(c, "poster_html", json_string(image_html(req, poster, kj_tr(req, "popsci.poster_alt"))));
        json_object_set_new(used, poster, json_true());
    }
    size_t i;
    json_t *im;
    json_array_foreach(json_object_get(c, "images"), i, im) {
        const char *id = kj_jstr(im, "id");
        if (!id || json_object_get(used, id)) continue;
        json_array_append_new(shown, json_pack("{s:s, s:s}", "id", id, "img_html", image_html(req, id, "")));
    }
    json_object_set_new(c, "images", shown);
    json_decref(used);
}

/* ---- content ---- */

void kj_page_popsci_home(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *topic = kj_in_str(req, "topic"), *region = kj_region_filter(req, "region", &defaulted);
    if (topic && !kj_popsci_topic_known(db, topic)) kj_field_error(req, "topic", "popsci.err.topic_unknown");
    if (region && !kj_popsci_region_known(db, region)) kj_field_error(req, "region", "popsci.err.region_unknown");
    const char *origin = kj_fed_origin_param(req);   /* federation: local|remote|<instance id> */
    /* Peers' items are not of this instance's home region: its default does not narrow them. */
    if (defaulted && origin && strcmp(origin, "local")) { region = NULL; defaulted = false; }
    int status = kj_has_errors(req) ? 422 : 200;
    json_t *items = status == 200 ? kj_popsci_list_from(db, topic, region, origin, 30, 0) : json_array();
    label_rows(req, items);
    json_t *d = page_data(req, "popsci.home.title");
    kj_fed_origin_options(req, d, origin);
    json_object_set_new(d, "items", items);
    json_object_set_new(d, "topics", topic_options(req, topic ? kj_arena_printf(req->arena, " %s ", topic) : NULL));
    json_object_set_new(d, "region_picker", kj_region_filter_picker(req, "region", region, "field.region"));
    if (defaulted) kj_region_default_note(req, d, "/popsci", "region");
    json_object_set_new(d, "atom", json_string(kj_arena_printf(req->arena, "/feeds/popsci.atom%s%s%s%s",
                        topic || region ? "?" : "", topic ? "topic=" : "", or_empty(topic),
                        region ? kj_arena_printf(req->arena, "%sregion=%s", topic ? "&" : "", region) : "")));
    kj_render(req, status, "popsci_home", d);
}

/* " a b " → "a b" for a form field. */
static const char *trimmed(kj_req *req, const char *list)
{
    const char *p = or_empty(list);
    while (*p == ' ') p++;
    size_t n = strlen(p);
    while (n && p[n - 1] == ' ') n--;
    return kj_arena_strndup(req->arena, p, n);
}

/* The authoring form: new content (c NULL) or an edit of c (a view with
 * is_author). Values come from the submitted form after an error, else
 * from c. */
static void render_form(kj_req *req, int status, json_t *c)
{
    json_t *d = page_data(req, c ? "popsci.edit.title" : "popsci.new.title");
    bool posted = req->form && req->method == KJ_POST;
    json_t *src = posted ? req->form : c;
    const char *topic = kj_jstr(src, "topic"), *aud = kj_jstr(src, "audience");
    json_object_set_new(d, "topics", topic_options(req, topic ? kj_arena_printf(req->arena, " %s ", topic) : NULL));
    json_object_set_new(d, "audiences", audience_options(req, aud));
    json_object_set_new(d, "langs", lang_options(req, kj_jstr(src, "lang")));
    json_object_set_new(d, "form_action", json_string(c ? kj_arena_printf(req->arena, "/popsci/%s/edit", kj_jstr(c, "id"))
                                                        : "/popsci"));
    if (c) {
        bool published = !strcmp(or_empty(kj_jstr(c, "status")), "published");
        json_object_set_new(d, "editing", json_true());
        json_object_set_new(d, published ? "edit_published" : "edit_draft", json_true());
        json_object_set_new(d, "content_id", json_string(or_empty(kj_jstr(c, "id"))));
        json_object_set_new(d, "kind_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "popsci.kind.%s",
                                                                                   or_empty(kj_jstr(c, "kind"))))));
        json_object_set(d, "existing_images", json_object_get(c, "images"));
        if (!posted) {
            json_t *f = json_object();
            static const char *const text[] = { "title", "summary", "body", "source", "video_url", "transcript", "lang" };
            for (size_t i = 0; i < sizeof text / sizeof *text; i++)
                json_object_set_new(f, text[i], json_string(or_empty(kj_jstr(c, text[i]))));
            kj_buf b = { 0 };
            kj_popsci_join_list(json_object_get(c, "regions"), &b);
            json_object_set_new(f, "regions", json_string(trimmed(req, b.data)));
            kj_buf_reset(&b);
            kj_popsci_join_list(json_object_get(c, "items"), &b);
            json_object_set_new(f, "items", json_string(trimmed(req, b.data)));
            kj_buf_free(&b);
            json_object_set_new(d, "form", f);
        }
    }
    kj_render(req, status, "popsci_form", d);
}

void kj_page_popsci_new(kj_req *req) { render_form(req, 200, NULL); }

/* The content the signed-in author may edit, or NULL after an error page. */
static json_t *editable_content(kj_req *req)
{
    json_t *c = kj_popsci_view(kj_popsci_db(req), kj_req_param(req, 0), req->user);
    if (!c) { kj_error(req, 404, "err.not_found"); return NULL; }
    const char *why = !json_is_true(json_object_get(c, "is_author")) ? "err.forbidden"
                    : json_integer_value(json_object_get(c, "urgent_until")) > 0 ? "popsci.err.state" : NULL;
    if (why) { kj_error(req, !strcmp(why, "err.forbidden") ? 403 : 409, why); json_decref(c); return NULL; }
    return c;
}

void kj_page_popsci_edit(kj_req *req)
{
    json_t *c = editable_content(req);
    if (!c) return;
    render_form(req, 200, c);
    json_decref(c);
}

/* What a content or question form stores in one transaction (see
 * kj_popsci_atomic): the record, then its video and images. Each step
 * answers 0 or an HTTP status (422 form errors, 500). */
typedef struct {
    kj_req *req;
    json_t *in, *errors;
    const kj_popsci_images *images, *posters;
    const char *id;    /* edit: the content */
    char *new_id;      /* create/ask: filled with the new id */
    bool draft;        /* edit: files only while not published; ask: unused */
    bool *pending;     /* edit: set when the edit waits for review */
} content_steps;

static int edit_steps(kj_db *db, void *ctx)
{
    content_steps *x = ctx;
    kj_err pe = { .fields = x->errors };
    int st = x->draft && store_video(x->req, x->in) ? 422
           : kj_popsci_edit(db, x->req->user, x->id, x->in, x->pending, &pe) ? kj_err_status(&pe) : 0;
    if (!st && x->draft && (kj_popsci_store_images(x->req, x->images, x->id, NULL) ||
                            kj_popsci_store_images(x->req, x->posters, x->id, NULL)))
        st = 422;
    return st;
}

static int create_steps(kj_db *db, void *ctx)
{
    content_steps *x = ctx;
    kj_err pe = { .fields = x->errors };
    int st = store_video(x->req, x->in) ? 422
           : kj_popsci_create(db, x->req->user, x->in, x->new_id, &pe) ? kj_err_status(&pe) : 0;
    if (!st && (kj_popsci_store_images(x->req, x->images, x->new_id, NULL) ||
                kj_popsci_store_images(x->req, x->posters, x->new_id, NULL)))
        st = 422;
    return st;
}

static int ask_steps(kj_db *db, void *ctx)
{
    content_steps *x = ctx;
    kj_err pe = { .fields = x->errors };
    int st = kj_popsci_ask(db, x->req->user, x->in, x->new_id, &pe) ? kj_err_status(&pe) : 0;
    if (!st && kj_popsci_store_images(x->req, x->images, NULL, x->new_id)) st = 422;
    if (!st && kj_has_errors(x->req)) st = 422;   /* an upload refused on the way */
    return st;
}

void kj_page_popsci_edit_post(kj_req *req)
{
    json_t *c = editable_content(req);
    if (!c) return;
    kj_db *db = kj_popsci_db(req);
    const char *id = kj_arena_strdup(req->arena, or_empty(kj_jstr(c, "id")));
    bool draft = strcmp(or_empty(kj_jstr(c, "status")), "published") != 0;
    /* Images of published content would be public before review: only
     * drafts take new ones. Checked and decoded before the transaction. */
    kj_popsci_images *images = NULL, *posters = NULL;
    if (kj_has_errors(req) || (draft && (!kj_popsci_check_images(req, "image", &images) ||
                                         !kj_popsci_check_images(req, "poster", &posters)))) {
        kj_popsci_images_free(images);
        kj_popsci_images_free(posters);
        render_form(req, 422, c);
        json_decref(c);
        return;
    }
    /* The form sends every field: one left empty is cleared, not kept. */
    static const char *const fields[] = { "title", "summary", "body", "topic", "audience", "regions", "source",
                                          "video_url", "transcript", "items", "lang" };
    json_t *in = json_deep_copy(req->in), *errors = json_object();
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (!json_object_get(in, fields[i])) json_object_set_new(in, fields[i], json_string(""));
    bool pending = false;
    content_steps x = { req, in, errors, images, posters, id, NULL, draft, &pending };
    int st = kj_popsci_atomic(db, edit_steps, &x);
    json_decref(in);
    kj_popsci_images_free(images);
    kj_popsci_images_free(posters);
    if (st > 0) {
        kj_popsci_take_errors(req, errors);
        render_form(req, st == 500 ? 500 : 422, c);
        json_decref(c);
        return;
    }
    json_decref(errors);
    json_decref(c);
    if (st) { kj_error(req, 500, "err.storage"); return; }
    kj_resp_redirect(req, path_id(req, "/popsci/", id, pending ? "?edit_pending=1" : "?edited=1"));
}

void kj_page_popsci_create(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    kj_popsci_images *images = NULL, *posters = NULL;    /* decoded before the transaction */
    if (kj_has_errors(req) || !kj_popsci_check_images(req, "image", &images) ||
        !kj_popsci_check_images(req, "poster", &posters)) {
        kj_popsci_images_free(images);
        kj_popsci_images_free(posters);
        render_form(req, 422, NULL);
        return;
    }
    json_t *in = json_deep_copy(req->in), *errors = json_object();
    char id[KJ_ID_LEN + 1] = "";
    content_steps x = { req, in, errors, images, posters, NULL, id, true, NULL };
    int st = kj_popsci_atomic(db, create_steps, &x);
    json_decref(in);
    kj_popsci_images_free(images);
    kj_popsci_images_free(posters);
    if (st > 0) {
        kj_popsci_take_errors(req, errors);
        render_form(req, st == 500 ? 500 : 422, NULL);
        return;
    }
    json_decref(errors);
    if (st) { kj_error(req, 500, "err.storage"); return; }
    kj_resp_redirect(req, path_id(req, "/popsci/", id, "?submitted=1"));
}

void kj_page_popsci_show(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *id = kj_req_param(req, 0);
    json_t *c = kj_popsci_view(db, id, req->user);
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    bool published = !strcmp(or_empty(kj_jstr(c, "status")), "published");
    if (req->user && published) {
        kj_err ev = { .fields = json_object() };
        kj_popsci_event(db, req->user, id, "open", &ev);
        json_decref(ev.fields);
    }
    bool en = !strcmp(req->lang, "en");
    kj_fed_label(req, c);
    json_object_set_new(c, "page_title", json_string(or_empty(kj_jstr(c, "title"))));
    json_object_set_new(c, "topic_label", json_string(or_empty(kj_jstr(c, en ? "topic_en" : "topic_zh"))));
    char key[48];
    snprintf(key, sizeof key, "popsci.aud.%s", or_empty(kj_jstr(c, "audience")));
    json_object_set_new(c, "audience_label", json_string(kj_tr(req, key)));
    snprintf(key, sizeof key, "popsci.status.%s", or_empty(kj_jstr(c, "status")));
    json_object_set_new(c, "status_label", json_string(kj_tr(req, key)));
    snprintf(key, sizeof key, "popsci.lang.%s", !strcmp(or_empty(kj_jstr(c, "lang")), "en") ? "en" : "zh-CN");
    json_object_set_new(c, "lang_label", json_string(kj_tr(req, key)));
    json_object_set_new(c, "published", json_boolean(published));
    json_object_set_new(c, "signed_in", json_boolean(req->user != NULL));
    json_object_set_new(c, "is_video", json_boolean(!strcmp(or_empty(kj_jstr(c, "kind")), "video")));
    json_object_set_new(c, "is_notice", json_boolean(json_integer_value(json_object_get(c, "urgent_until")) > 0));
    json_object_set_new(c, "is_rejected", json_boolean(!strcmp(or_empty(kj_jstr(c, "status")), "rejected")));
    json_object_set_new(c, "is_submitted", json_boolean(!strcmp(or_empty(kj_jstr(c, "status")), "submitted")));
    content_images(req, c);
    if (kj_jstr(c, "video_id") && *kj_jstr(c, "video_id"))
        json_object_set_new(c, "video_src", json_string(kj_arena_printf(req->arena, "/popsci/videos/%s", kj_jstr(c, "video_id"))));
    if (kj_jstr(c, "poster_id"))
        json_object_set_new(c, "poster_src", json_string(kj_arena_printf(req->arena, "/popsci/images/%s", kj_jstr(c, "poster_id"))));
    /* Course items as links with titles. */
    json_t *links = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "items"), i, e) {
        char *t = kj_popsci_published_title(db, json_string_value(e));
        if (t) json_array_append_new(links, json_pack("{s:s, s:s}", "id", json_string_value(e), "title", t));
        free(t);
    }
    json_object_set_new(c, "item_links", links);
    json_t *regs = json_array();
    json_array_foreach(json_object_get(c, "regions"), i, e) {
        char *n = kj_popsci_region_name(db, json_string_value(e), req->lang);
        json_array_append_new(regs, json_string(n ? n : json_string_value(e)));
        free(n);
    }
    json_object_set_new(c, "region_names", regs);
    json_t *rev = json_object_get(c, "revision");
    if (rev) {
        const char *rs = or_empty(kj_jstr(rev, "status"));
        json_object_set_new(rev, !strcmp(rs, "rejected") ? "rev_rejected" : "rev_waiting", json_true());
    }
    json_object_set_new(c, "editable", json_boolean(json_is_true(json_object_get(c, "is_author")) &&
                                                    json_integer_value(json_object_get(c, "urgent_until")) == 0));
    static const char *const notices[] = { "submitted", "marked", "reviewed", "corrected", "edited", "edit_pending" };
    for (size_t k = 0; k < sizeof notices / sizeof *notices; k++)
        if (kj_req_query(req, notices[k])) json_object_set_new(c, notices[k], json_true());
    kj_render(req, 200, "popsci_show", c);
}

void kj_page_popsci_mark(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_event(kj_popsci_db(req), req->user, id, or_empty(kj_in_str(req, "kind")), &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/", id, "?marked=1"));
}

void kj_page_popsci_review(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_review(kj_popsci_db(req), req->user, id, kj_in_str(req, "action"), kj_in_str(req, "reason"), &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/", id, "?reviewed=1"));
}

void kj_page_popsci_correct(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_correct(kj_popsci_db(req), req->user, id, kj_in_str(req, "note"), &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/", id, "?corrected=1"));
}

void kj_page_popsci_queue(kj_req *req)
{
    kj_review_policy policy = kj_req_review_policy(req);
    json_t *items = kj_review_popsci_queue(kj_popsci_db(req), req->user, &policy);
    label_rows(req, items);
    kj_review_decorate(req, items);
    json_t *d = page_data(req, "popsci.queue.title");
    json_object_set_new(d, "items", items);
    kj_render(req, 200, "popsci_queue", d);
}

void kj_page_popsci_mine(kj_req *req)
{
    json_t *items = kj_popsci_mine(kj_popsci_db(req), req->user);
    label_rows(req, items);
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) {
        char key[48];
        snprintf(key, sizeof key, "popsci.status.%s", or_empty(kj_jstr(r, "status")));
        json_object_set_new(r, "status_label", json_string(kj_tr(req, key)));
        json_object_set_new(r, "editable", json_boolean(json_integer_value(json_object_get(r, "urgent_until")) == 0));
    }
    json_t *d = page_data(req, "popsci.mine.title");
    json_object_set_new(d, "items", items);
    kj_render(req, 200, "popsci_mine", d);
}

/* ---- feed and profile ---- */

void kj_page_popsci_feed(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    json_t *items = kj_popsci_feed(db, req->user, req->lang, kj_now_ms(), 30);
    label_rows(req, items);
    kj_popsci_reason_texts(req, items);
    json_t *d = page_data(req, "popsci.feed.title");
    json_object_set_new(d, "items", items);
    json_t *p = kj_popsci_profile(db, kj_user_id(req->user));
    json_object_set_new(d, "has_profile", json_incref(json_object_get(p, "exists")));
    json_decref(p);
    kj_render(req, 200, "popsci_feed", d);
}

static void render_profile(kj_req *req, int status)
{
    kj_db *db = kj_popsci_db(req);
    json_t *p = kj_popsci_profile(db, kj_user_id(req->user));
    json_t *d = page_data(req, "popsci.profile.title");
    kj_buf topics = { 0 };
    json_t *src = kj_has_errors(req) && req->form ? json_object_get(req->form, "topics") : json_object_get(p, "topics");
    kj_popsci_join_list(src, &topics);
    json_object_set_new(d, "topics", topic_options(req, topics.data));
    kj_buf_free(&topics);
    const char *region = kj_has_errors(req) && req->form ? kj_jstr(req->form, "region") : kj_jstr(p, "region");
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", region, "field.region"));
    json_object_set_new(d, "audiences", audience_options(req, kj_has_errors(req) && req->form ? kj_jstr(req->form, "audience")
                                                                                              : kj_jstr(p, "audience")));
    json_object_set_new(d, "crops", json_string(or_empty(kj_has_errors(req) && req->form ? kj_jstr(req->form, "crops")
                                                                                          : kj_jstr(p, "crops"))));
    json_t *learned = json_object_get(p, "learned_topics");
    size_t i;
    json_t *l;
    json_array_foreach(learned, i, l) {
        char *n = kj_popsci_topic_name(db, kj_jstr(l, "topic"), req->lang);
        json_object_set_new(l, "label", json_string(n ? n : or_empty(kj_jstr(l, "topic"))));
        free(n);
    }
    json_object_set(d, "learned", learned);
    json_object_set(d, "events", json_object_get(p, "events"));
    json_object_set(d, "exists", json_object_get(p, "exists"));
    static const char *const notices[] = { "saved", "deleted" };
    for (size_t k = 0; k < sizeof notices / sizeof *notices; k++)
        if (kj_req_query(req, notices[k])) json_object_set_new(d, notices[k], json_true());
    json_decref(p);
    kj_render(req, status, "popsci_profile", d);
}

void kj_page_popsci_profile(kj_req *req) { render_profile(req, 200); }

void kj_page_popsci_profile_post(kj_req *req)
{
    if (kj_has_errors(req)) { render_profile(req, 422); return; }
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_profile_set(kj_popsci_db(req), kj_user_id(req->user), req->in, &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_popsci_take_errors(req, errors); render_profile(req, st == 500 ? 500 : 422); return; }
    json_decref(errors);
    kj_resp_redirect(req, "/popsci/profile?saved=1");
}

void kj_page_popsci_profile_delete(kj_req *req)
{
    if (kj_popsci_profile_delete(kj_popsci_db(req), kj_user_id(req->user))) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_redirect(req, "/popsci/profile?deleted=1");
}

/* ---- questions ---- */

void kj_page_popsci_questions(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *topic = kj_in_str(req, "topic");
    json_t *items = kj_popsci_questions(db, topic, 50);
    label_rows(req, items);
    json_t *d = page_data(req, "popsci.questions.title");
    json_object_set_new(d, "items", items);
    kj_render(req, 200, "popsci_questions", d);
}

static void render_ask(kj_req *req, int status)
{
    json_t *d = page_data(req, "popsci.ask.title");
    const char *topic = req->form ? kj_jstr(req->form, "topic") : NULL;
    json_object_set_new(d, "topics", topic_options(req, topic ? kj_arena_printf(req->arena, " %s ", topic) : NULL));
    const char *region = req->form && kj_jstr(req->form, "region") ? kj_jstr(req->form, "region") : kj_jstr(req->user, "region");
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", region, "field.region"));
    kj_render(req, status, "popsci_ask", d);
}

void kj_page_popsci_ask_form(kj_req *req) { render_ask(req, 200); }

void kj_page_popsci_ask(kj_req *req)
{
    if (kj_has_errors(req)) { render_ask(req, 422); return; }   /* a region picker's step too */
    kj_db *db = kj_popsci_db(req);
    kj_popsci_images *photos = NULL;                     /* decoded before the transaction */
    if (!kj_popsci_check_images(req, "photo", &photos)) { kj_popsci_images_free(photos); render_ask(req, 422); return; }
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1] = "";
    content_steps x = { req, req->in, errors, photos, NULL, NULL, id, false, NULL };
    int st = kj_popsci_atomic(db, ask_steps, &x);
    kj_popsci_images_free(photos);
    if (st > 0) {
        kj_popsci_take_errors(req, errors);
        render_ask(req, st == 500 ? 500 : 422);
        return;
    }
    json_decref(errors);
    if (st) { kj_error(req, 500, "err.storage"); return; }
    kj_resp_redirect(req, path_id(req, "/popsci/questions/", id, "?asked=1"));
}

void kj_page_popsci_question(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    json_t *q = kj_popsci_question(db, kj_req_param(req, 0), req->user);
    if (!q) { kj_error(req, 404, "err.not_found"); return; }
    bool en = !strcmp(req->lang, "en");
    json_object_set_new(q, "page_title", json_string(or_empty(kj_jstr(q, "title"))));
    json_object_set_new(q, "topic_label", json_string(or_empty(kj_jstr(q, en ? "topic_en" : "topic_zh"))));
    char *rn = kj_popsci_region_name(db, kj_jstr(q, "region"), req->lang);
    json_object_set_new(q, "region_label", json_string(rn ? rn : ""));
    free(rn);
    json_object_set_new(q, "signed_in", json_boolean(req->user != NULL));
    size_t i;
    json_t *ph;
    json_array_foreach(json_object_get(q, "photos"), i, ph)
        json_object_set_new(ph, "img_html", json_string(image_html(req, or_empty(kj_jstr(ph, "id")),
                                                                     kj_tr(req, "popsci.ask.photo_alt"))));
    json_object_set_new(q, "answered", json_boolean(!strcmp(or_empty(kj_jstr(q, "status")), "answered")));
    kj_fed_question_view(db, q);   /* asked of (or from) a peer's experts */
    json_t *rem = json_object_get(q, "remote");
    if (rem) json_object_set_new(q, "remote_name", json_string(or_empty(kj_jstr(rem, en && *or_empty(kj_jstr(rem, "name_en")) ? "name_en" : "name"))));
    if (rem) json_object_set_new(q, "remote_out", json_boolean(!strcmp(or_empty(kj_jstr(rem, "direction")), "out")));
    static const char *const notices[] = { "asked", "answered_now", "accepted" };
    for (size_t k = 0; k < sizeof notices / sizeof *notices; k++)
        if (kj_req_query(req, notices[k])) json_object_set_new(q, notices[k], json_true());
    kj_render(req, kj_has_errors(req) ? 422 : 200, "popsci_question", q);
}

void kj_page_popsci_answer(kj_req *req)
{
    const char *qid = kj_req_param(req, 0);
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_answer(kj_popsci_db(req), req->user, qid, kj_in_str(req, "body"), id, &pe) ? kj_err_status(&pe) : 0;
    if (st == 422) { kj_popsci_take_errors(req, errors); kj_page_popsci_question(req); return; }
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/questions/", qid, "?answered_now=1"));
}

void kj_page_popsci_accept(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *aid = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_accept(db, req->user, aid, &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    char *qid = kj_popsci_answer_question(db, aid);
    kj_resp_redirect(req, path_id(req, "/popsci/questions/", qid ? qid : "", "?accepted=1"));
    free(qid);
}

void kj_page_popsci_publish_q(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_question_publish(kj_popsci_db(req), req->user, kj_req_param(req, 0), id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/", id, ""));
}

/* ---- experts, notices, teams ---- */

static void render_experts(kj_req *req, int status)
{
    kj_db *db = kj_popsci_db(req);
    json_t *regs = kj_popsci_expert_get(db, kj_user_id(req->user));
    kj_buf topics = { 0 }, regions = { 0 };
    kj_buf_puts(&topics, " ");
    kj_buf_puts(&regions, " ");
    size_t i;
    json_t *r;
    json_array_foreach(regs, i, r) {
        kj_buf_printf(&topics, "%s ", or_empty(kj_jstr(r, "topic")));
        if (!strstr(regions.data, or_empty(kj_jstr(r, "region")))) kj_buf_printf(&regions, "%s ", or_empty(kj_jstr(r, "region")));
    }
    json_t *d = page_data(req, "popsci.experts.title");
    json_object_set_new(d, "topics", topic_options(req, topics.data));
    json_object_set_new(d, "my_regions", json_string(kj_has_errors(req) && req->form ? or_empty(kj_jstr(req->form, "regions"))
                                                                                       : regions.data + 1));
    json_object_set_new(d, "registered", json_boolean(json_array_size(regs) > 0));
    json_object_set_new(d, "listed", json_boolean(status == 422 && req->form ? kj_jstr(req->form, "public") != NULL
                                                            : kj_popsci_expert_is_public(db, kj_user_id(req->user))));
    if (kj_req_query(req, "saved")) json_object_set_new(d, "saved", json_true());
    kj_buf_free(&topics);
    kj_buf_free(&regions);
    json_decref(regs);
    kj_render(req, status, "popsci_experts", d);
}

void kj_page_popsci_experts(kj_req *req) { render_experts(req, 200); }

void kj_page_popsci_experts_post(kj_req *req)
{
    if (kj_has_errors(req)) { render_experts(req, 422); return; }
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_expert_set(kj_popsci_db(req), kj_user_id(req->user), json_object_get(req->in, "topics"),
                                  json_object_get(req->in, "regions"), &pe) ? kj_err_status(&pe) : 0;
    if (!st) {
        kj_err de = { 0 };
        if (kj_popsci_expert_set_public(kj_popsci_db(req), kj_user_id(req->user),
                                        json_is_true(json_object_get(req->in, "public")), &de)) {
            json_object_set_new(errors, de.field ? de.field : "form", json_string(de.key));
            st = kj_err_status(&de);
        }
    }
    if (st) { kj_popsci_take_errors(req, errors); render_experts(req, 422); return; }
    json_decref(errors);
    kj_resp_redirect(req, "/popsci/experts?saved=1");
}

static void render_notice(kj_req *req, int status)
{
    json_t *d = page_data(req, "popsci.notice.title");
    const char *topic = req->form ? kj_jstr(req->form, "topic") : NULL;
    json_object_set_new(d, "topics", topic_options(req, topic ? kj_arena_printf(req->arena, " %s ", topic) : " disaster "));
    json_object_set_new(d, "audiences", audience_options(req, req->form ? kj_jstr(req->form, "audience") : NULL));
    /* Preselect where the sender may send: the operator's jurisdiction. */
    const char *where = kj_jstr(req->user, "jurisdiction") ? kj_jstr(req->user, "jurisdiction") : kj_jstr(req->user, "region");
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", req->form && kj_jstr(req->form, "region")
                                                             ? kj_jstr(req->form, "region") : where, "field.region"));
    kj_render(req, status, "popsci_notice", d);
}

void kj_page_popsci_notice_form(kj_req *req) { render_notice(req, 200); }

void kj_page_popsci_notice(kj_req *req)
{
    if (kj_has_errors(req)) { render_notice(req, 422); return; }
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_notice(kj_popsci_db(req), req->user, req->in, id, &pe) ? kj_err_status(&pe) : 0;
    if (st == 422) { kj_popsci_take_errors(req, errors); render_notice(req, 422); return; }
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/", id, ""));
}

/* Region names of a " a b " list or array, in the request's language. */
static json_t *region_names(kj_req *req, json_t *list)
{
    kj_buf b = { 0 };
    kj_popsci_join_list(list, &b);
    json_t *codes = kj_popsci_split_list(b.data), *names = json_array();
    kj_buf_free(&b);
    size_t i;
    json_t *e;
    json_array_foreach(codes, i, e) {
        char *n = kj_popsci_region_name(kj_popsci_db(req), json_string_value(e), req->lang);
        json_array_append_new(names, json_string(n ? n : json_string_value(e)));
        free(n);
    }
    json_decref(codes);
    return names;
}

void kj_page_popsci_teams(kj_req *req)
{
    json_t *d = page_data(req, "popsci.teams.title");
    json_t *items = kj_popsci_teams(kj_popsci_db(req));
    size_t i;
    json_t *t;
    json_array_foreach(items, i, t) json_object_set_new(t, "region_names", region_names(req, json_object_get(t, "regions")));
    json_object_set_new(d, "items", items);
    json_object_set_new(d, "signed_in", json_boolean(req->user != NULL));
    kj_render(req, 200, "popsci_teams", d);
}

static void render_team_form(kj_req *req, int status)
{
    json_t *d = page_data(req, "popsci.team.new");
    kj_render(req, status, "popsci_team_form", d);
}

void kj_page_popsci_team_new(kj_req *req) { render_team_form(req, 200); }

void kj_page_popsci_team_create(kj_req *req)
{
    if (kj_has_errors(req)) { render_team_form(req, 422); return; }
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_team_create(kj_popsci_db(req), req->user, req->in, id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { kj_popsci_take_errors(req, errors); render_team_form(req, st == 500 ? 500 : 422); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/teams/", id, "?created=1"));
}

static void render_team(kj_req *req, int status)
{
    kj_db *db = kj_popsci_db(req);
    json_t *t = kj_popsci_team(db, kj_req_param(req, 0));
    if (!t) { kj_error(req, 404, "err.not_found"); return; }
    json_object_set_new(t, "region_names", region_names(req, json_object_get(t, "regions")));
    json_object_set_new(t, "page_title", json_string(or_empty(kj_jstr(t, "name"))));
    bool manager = req->user && (!strcmp(or_empty(kj_user_id(req->user)), or_empty(kj_jstr(t, "created_by"))) ||
                                 !strcmp(or_empty(kj_jstr(req->user, "role")), "operator") ||
                                 !strcmp(or_empty(kj_jstr(req->user, "role")), "admin"));
    json_object_set_new(t, "can_manage", json_boolean(manager));
    json_object_del(t, "created_by");
    json_object_set_new(t, "followers", json_integer(kj_team_followers(db, kj_req_param(req, 0))));
    json_object_set_new(t, "following", json_boolean(kj_team_following(db, kj_user_id(req->user), kj_req_param(req, 0))));
    static const char *const notices[] = { "created", "added" };
    for (size_t k = 0; k < sizeof notices / sizeof *notices; k++)
        if (kj_req_query(req, notices[k])) json_object_set_new(t, notices[k], json_true());
    kj_render(req, status, "popsci_team", t);
}

void kj_page_popsci_team(kj_req *req) { render_team(req, 200); }

void kj_page_popsci_team_follow(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    kj_err e = { 0 };
    if (kj_team_follow(kj_popsci_db(req), kj_user_id(req->user), id, kj_in_bool(req, "follow"), &e)) {
        kj_error(req, kj_err_status(&e), e.key);
        return;
    }
    kj_resp_redirect(req, path_id(req, "/popsci/teams/", id, ""));
}

void kj_page_popsci_team_member(kj_req *req)
{
    if (kj_has_errors(req)) { render_team(req, 422); return; }
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_team_add(kj_popsci_db(req), req->user, id, kj_in_str(req, "email"), &pe) ? kj_err_status(&pe) : 0;
    if (st == 422) { kj_popsci_take_errors(req, errors); render_team(req, 422); return; }
    if (st) { kj_error(req, st, kj_popsci_take_errors(req, errors)); return; }
    json_decref(errors);
    kj_resp_redirect(req, path_id(req, "/popsci/teams/", id, "?added=1"));
}

/* ---- images and Atom ---- */

/* Sends image bytes with caching headers; 304 when the client has them. */
static void send_image(kj_req *req, const char *etag, const char *mime, const char *bytes, size_t len)
{
    req->no_gzip = true;
    kj_resp_header(req, "Cache-Control", "public, max-age=86400");
    kj_resp_header(req, "Content-Security-Policy", "default-src 'none'");
    kj_resp_header(req, "ETag", etag);
    const char *inm = kj_req_header(req, "If-None-Match");
    if (inm && !strcmp(inm, etag)) { req->status = 304; req->content_type = NULL; kj_buf_reset(&req->body); return; }
    kj_resp_text(req, 200, mime, bytes, len);
}

/* Serves variant width of image id; false when it has no such variant. */
static bool send_variant(kj_req *req, const char *id, int width)
{
    size_t len = 0;
    const char *mime = NULL;
    char *bytes = kj_media_variant_read(kj_popsci_db(req), kj_req_app(req)->cfg.data, id, width, &len, &mime);
    if (!bytes) return false;
    send_image(req, kj_arena_printf(req->arena, "\"%s-w%d\"", id, width), mime, bytes, len);
    free(bytes);
    return true;
}

/* The original: its largest variant when it has variants (upright, no
 * metadata), else the stored file. */
void kj_page_popsci_image(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *id = kj_req_param(req, 0);
    json_t *a = kj_popsci_image_visible(db, id, req->user) ? kj_attach_get(db, id) : NULL;
    if (!a) { kj_error(req, 404, "err.not_found"); return; }
    const char *mime = kj_arena_strdup(req->arena, or_empty(kj_jstr(a, "mime")));
    const char *etag = kj_arena_printf(req->arena, "\"%s\"", or_empty(kj_jstr(a, "sha256")));
    json_decref(a);
    json_t *vs = kj_media_variants(db, id);
    int largest = (int)json_integer_value(json_object_get(json_array_get(vs, json_array_size(vs) - 1), "width"));
    json_decref(vs);
    if (largest > 0 && send_variant(req, id, largest)) return;
    size_t len = 0;
    char *bytes = kj_attach_read(kj_req_app(req)->cfg.data, id, &len);
    if (!bytes) { kj_error(req, 404, "err.not_found"); return; }
    send_image(req, etag, mime, bytes, len);
    free(bytes);
}

void kj_page_popsci_image_variant(kj_req *req)
{
    const char *id = kj_req_param(req, 0), *w = kj_req_param(req, 1);
    char *end = NULL;
    long width = w ? strtol(w, &end, 10) : 0;
    bool ok = width > 0 && width <= 100000 && end && !*end && kj_popsci_image_visible(kj_popsci_db(req), id, req->user);
    if (!ok || !send_variant(req, id, (int)width)) kj_error(req, 404, "err.not_found");
}

void kj_page_popsci_video(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *id = kj_req_param(req, 0);
    json_t *v = kj_popsci_video_visible(db, id, req->user) ? kj_video_get(db, id) : NULL;
    if (!v) { kj_error(req, 404, "err.not_found"); return; }
    const char *mime = kj_arena_strdup(req->arena, or_empty(kj_jstr(v, "mime")));
    int64_t size = json_integer_value(json_object_get(v, "size")), start = 0, len = size;
    json_decref(v);
    req->no_gzip = true;
    kj_resp_header(req, "Accept-Ranges", "bytes");
    kj_resp_header(req, "Cache-Control", "public, max-age=86400");
    kj_resp_header(req, "Content-Security-Policy", "default-src 'none'");
    kj_resp_header(req, "ETag", kj_arena_printf(req->arena, "\"%s\"", id));
    int r = kj_range_parse(kj_req_header(req, "Range"), size, KJ_RANGE_CHUNK, &start, &len);
    if (r < 0) {
        kj_resp_header(req, "Content-Range", kj_arena_printf(req->arena, "bytes */%lld", (long long)size));
        kj_resp_text(req, 416, "text/plain; charset=utf-8", "", 0);
        return;
    }
    char *bytes = kj_video_read(kj_req_app(req)->cfg.data, id, start, (size_t)len);
    if (!bytes) { kj_error(req, 404, "err.not_found"); return; }
    if (r > 0)
        kj_resp_header(req, "Content-Range", kj_arena_printf(req->arena, "bytes %lld-%lld/%lld", (long long)start,
                                                             (long long)(start + len - 1), (long long)size));
    kj_resp_text(req, r > 0 ? 206 : 200, mime, bytes, (size_t)len);
    free(bytes);
}

void kj_page_popsci_atom(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    bool defaulted;
    const char *topic = kj_in_str(req, "topic"), *region = kj_region_filter(req, "region", &defaulted);
    const char *bad = topic && !kj_popsci_topic_known(db, topic) ? "popsci.err.topic_unknown"
                    : region && !kj_popsci_region_known(db, region) ? "popsci.err.region_unknown" : NULL;
    if (bad) { kj_resp_problem(req, 400, kj_tr(req, "err.http.400"), kj_tr(req, bad), NULL); return; }
    kj_buf out = { 0 };
    kj_popsci_atom(db, kj_req_app(req)->cfg.public_url, topic, region, &out);
    kj_resp_text(req, 200, "application/atom+xml; charset=utf-8", out.data, out.len);
    kj_resp_header(req, "Cache-Control", "public, max-age=300");
    kj_buf_free(&out);
}

/* ---- the public expert directory (issue 15 item 7) ---- */

json_t *kj_expert_directory_req(kj_req *req, bool labels)
{
    const char *topic = kj_in_str(req, "topic");
    json_t *items = kj_popsci_expert_directory(kj_popsci_db(req), topic, 100, 0);
    if (!labels) return items;
    json_t *all = kj_popsci_topics(kj_popsci_db(req));
    bool en = !strcmp(req->lang, "en");
    size_t i, j, k;
    json_t *x, *t, *c;
    json_array_foreach(items, i, x) {
        json_t *names = json_array();
        json_array_foreach(json_object_get(x, "topics"), j, c)
            json_array_foreach(all, k, t)
                if (!strcmp(or_empty(kj_jstr(t, "code")), or_empty(json_string_value(c))))
                    json_array_append_new(names, json_string(kj_jstr(t, en ? "name_en" : "name_zh")));
        json_object_set_new(x, "topic_names", names);
        json_object_set_new(x, "region_names", region_names(req, json_object_get(x, "regions")));
    }
    json_decref(all);
    return items;
}

void kj_page_expert_directory(kj_req *req)
{
    json_t *d = page_data(req, "popsci.directory.title");
    const char *topic = kj_in_str(req, "topic");
    json_object_set_new(d, "experts", kj_expert_directory_req(req, true));
    json_object_set_new(d, "topics", topic_options(req, topic ? kj_arena_printf(req->arena, " %s ", topic) : NULL));
    kj_render(req, 200, "expert_directory", d);
}

