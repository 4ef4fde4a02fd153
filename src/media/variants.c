/*
 * variants.c — image variants on disk and in media_variants. See
 * variants.h.
 */
#include "media/variants.h"
#include "media/files.h"
#include "core/id.h"
#include "core/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const mimes[] = { "image/jpeg", "image/png", NULL };

/* A variant's file name under data_dir/files: the original's id and its width. */
static void variant_name(const char *id, int width, char *out, size_t n)
{
    snprintf(out, n, "%s.w%d", id, width);
}

static int write_variant(const char *data_dir, const char *id, const kj_image_variant *v)
{
    char name[128];
    variant_name(id, v->width, name, sizeof name);
    return kj_file_write(data_dir, name, v->data.data, v->data.len);
}

static void remove_variants(const char *data_dir, const char *id, const kj_image_set *s, int upto)
{
    char path[2100];
    for (int i = 0; i < upto; i++) {
        char name[128];
        variant_name(id, s->v[i].width, name, sizeof name);
        snprintf(path, sizeof path, "%s/files/%s", data_dir, name);
        unlink(path);
    }
}

int kj_media_save_variants(kj_db *db, const char *data_dir, const char *attach_id, const kj_image_set *s)
{
    if (!kj_id_valid(attach_id)) return -1;
    for (int i = 0; i < s->n; i++) {
        const kj_image_variant *v = &s->v[i];
        if (write_variant(data_dir, attach_id, v) ||
            kj_db_exec(db, "INSERT INTO media_variants(attach_id, width, height, mime, size) VALUES (?,?,?,?,?) "
                       "ON CONFLICT (attach_id, width) DO UPDATE SET height = excluded.height, mime = excluded.mime, "
                       "size = excluded.size", "siisi", attach_id, (int64_t)v->width, (int64_t)v->height, v->mime,
                       (int64_t)v->data.len) < 0) {
            remove_variants(data_dir, attach_id, s, i + 1);
            return -1;
        }
    }
    return 0;
}

json_t *kj_media_variants(kj_db *db, const char *attach_id)
{
    json_t *r = kj_db_rows(db, "SELECT width, height, mime, size FROM media_variants WHERE attach_id = ? "
                           "ORDER BY width", "s", attach_id ? attach_id : "");
    return r ? r : json_array();
}

char *kj_media_variant_read(kj_db *db, const char *data_dir, const char *attach_id, int width, size_t *len,
                            const char **mime)
{
    if (!kj_id_valid(attach_id)) return NULL;
    char *m = kj_db_text(db, "SELECT mime FROM media_variants WHERE attach_id = ? AND width = ?", "si", attach_id,
                         (int64_t)width);
    *mime = NULL;
    for (const char *const *p = mimes; m && *p; p++)
        if (!strcmp(*p, m)) *mime = *p;
    free(m);
    if (!*mime) return NULL;
    char name[128];
    variant_name(attach_id, width, name, sizeof name);
    return kj_file_read(data_dir, name, len);
}
