/*
 * demo_popsci_media.c — pictures and the short video of the demo's 科普
 * (data/demo/<profile>/popsci_media.tsv, files in data/demo/media/): posters go the
 * way of an upload in the 科普 form (type from content, variants for
 * phones and desktops, linked as the item's poster); a video item is
 * stored as an uploaded video and submitted with its poster in one
 * transaction, then approved by the profile's popsci_reviewer, so the page plays it from
 * the instance's own media store.
 */
#include "demo/demo_int.h"
#include "account/account.h"
#include "core/id.h"
#include "core/json_util.h"
#include "market/attach.h"
#include "media/image.h"
#include "media/variants.h"
#include "media/video.h"
#include "popsci/popsci.h"
#include <stdlib.h>
#include <string.h>

#define MEDIA_MAX (2 * 1024 * 1024)   /* the demo's files are far smaller */

enum { M_TITLE, M_POSTER, M_VIDEO, M_AUTHOR, M_KIND, M_TOPIC, M_AUDIENCE, M_REGIONS, M_DAYS, M_SUMMARY, M_BODY,
       M_TRANSCRIPT, M_NCOLS };
static const char *const media_cols[M_NCOLS] = {
    "title", "poster", "video", "author", "kind", "topic", "audience", "regions", "days_ago", "summary", "body", "transcript",
};

typedef struct {
    kj_demo_src *src;
    char **f;
    json_t *author;
    const char *content_id;     /* an existing item, or NULL */
    char new_id[KJ_ID_LEN + 1];
    kj_image_set poster;
    const char *poster_mime;
    char *poster_data, *video_data;
    size_t poster_size, video_size;
    int pictures, videos;
} row_ctx;

/* The poster's attachment, variants and link to content id. */
static int store_poster(kj_db *db, row_ctx *x, const char *id)
{
    char att[KJ_ID_LEN + 1];
    kj_err why = { 0 };
    if (kj_attach_store(db, x->src->data_dir, MEDIA_MAX, kj_user_id(x->author), NULL, NULL, x->f[M_POSTER], x->poster_data,
                        x->poster_size, false, att, &why) ||
        kj_media_save_variants(db, x->src->data_dir, att, &x->poster) ||
        kj_popsci_image_link(db, att, kj_user_id(x->author), id, NULL, true))
        return kj_demo_fail(x->src, "poster", why.key ? why.key : "err.internal");
    x->pictures++;
    return 0;
}

/* One transaction, as the 科普 form's (kj_popsci_atomic): the video, the
 * content that shows it, its poster; or, for published content, the
 * poster alone. 0, or 1 after printing why. */
static int steps(kj_db *db, void *ctx)
{
    row_ctx *x = ctx;
    if (x->content_id) return store_poster(db, x, x->content_id) ? 1 : 0;
    json_t *fields = json_object();
    kj_err e = { .fields = fields };
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", x->f[M_KIND], "title", x->f[M_TITLE],
                           "summary", x->f[M_SUMMARY], "body", x->f[M_BODY], "topic", x->f[M_TOPIC], "audience",
                           x->f[M_AUDIENCE], "transcript", x->f[M_TRANSCRIPT], "source", "kejiyun 演示");
    json_object_set_new(in, "regions", json_string(x->f[M_REGIONS]));
    int rc = 0;
    if (*x->f[M_VIDEO]) {
        char vid[KJ_ID_LEN + 1];
        kj_err why = { 0 };
        if (!x->video_data) rc = kj_demo_fail(x->src, "video", x->f[M_VIDEO]);
        else if (kj_video_store(db, x->src->data_dir, MEDIA_MAX, kj_user_id(x->author), x->video_data, x->video_size, vid, &why))
            rc = kj_demo_fail(x->src, "video", why.key);
        else { json_object_set_new(in, "video_id", json_string(vid)); x->videos++; }
    }
    if (rc == 0 && kj_popsci_create(db, x->author, in, x->new_id, &e))
        rc = kj_demo_fail(x->src, "content", json_string_value(json_object_iter_value(json_object_iter(fields))));
    if (rc == 0 && x->poster_data) rc = store_poster(db, x, x->new_id);
    json_decref(in);
    json_decref(fields);
    return rc ? 1 : 0;
}

static int media_row(kj_demo_src *src, char **f, void *c)
{
    row_ctx *x = c;
    x->f = f;
    x->poster_data = x->video_data = NULL;
    memset(&x->poster, 0, sizeof x->poster);
    char *existing = kj_db_text(src->db, "SELECT id FROM popsci_content WHERE title = ? AND status = 'published'", "s",
                                f[M_TITLE]);
    char *author_id = existing ? kj_db_text(src->db, "SELECT author_id FROM popsci_content WHERE id = ?", "s", existing) : NULL;
    x->author = author_id ? kj_user_get(src->db, author_id) : kj_demo_user(src->db, f[M_AUTHOR]);
    x->content_id = existing;
    const char *key = NULL;
    kj_err why = { 0 };
    int rc = x->author ? 0 : kj_demo_fail(src, "author", f[M_AUTHOR]);
    if (rc == 0 && *f[M_POSTER]) {
        /* Type and variants as for an upload, outside the transaction. */
        x->poster_data = kj_demo_media(src->root, f[M_POSTER], &x->poster_size);
        if (!x->poster_data) rc = kj_demo_fail(src, "poster", f[M_POSTER]);
        else if (!(x->poster_mime = kj_attach_sniff(x->poster_data, x->poster_size, &why)) || !kj_attach_is_inline(x->poster_mime) ||
                 kj_image_variants(x->poster_data, x->poster_size, x->poster_mime, kj_image_widths, &x->poster, &key))
            rc = kj_demo_fail(src, "poster", key ? key : why.key ? why.key : "err.image.type");
    }
    if (rc == 0 && *f[M_VIDEO]) x->video_data = kj_demo_media(src->root, f[M_VIDEO], &x->video_size);
    if (rc == 0 && !existing) kj_demo_clock(atof(f[M_DAYS]) + 0.5);
    if (rc == 0 && kj_popsci_atomic(src->db, steps, x)) rc = -1;
    if (rc == 0 && !existing) {
        /* Approved by the profile's 科普 reviewer (profile.tsv's
         * popsci_reviewer: the provincial operator), half a day later. */
        json_t *op = kj_demo_user(src->db, src->reviewer);
        json_t *fields = json_object();
        kj_err e = { .fields = fields };
        kj_demo_clock(atof(f[M_DAYS]));
        if (!op) rc = kj_demo_fail(src, "review", "profile.tsv names no popsci_reviewer account");
        else if (kj_popsci_review(src->db, op, x->new_id, "approve", NULL, &e)) rc = kj_demo_fail(src, "review", e.key);
        json_decref(fields);
        json_decref(op);
    }
    kj_image_set_free(&x->poster);
    free(x->poster_data);
    free(x->video_data);
    free(existing);
    free(author_id);
    json_decref(x->author);
    return rc;
}

int kj_demo_popsci_media(kj_demo_src *src, FILE *out)
{
    row_ctx x = { .src = src };
    if (!kj_demo_open(src, "popsci_media")) return 0;
    int rc = kj_demo_tsv(src, media_cols, M_NCOLS, media_row, &x);
    kj_demo_clock_now();
    if (rc == 0) fprintf(out, "  %d 科普 pictures, %d video (served by this instance)\n", x.pictures, x.videos);
    return rc;
}
