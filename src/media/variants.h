/*
 * variants.h — where image variants live (owns: the media_variants rows
 * and the files <data dir>/files/<attach_id>.w<width> next to the
 * attachment's own file). Who may see an image is its domain's call;
 * this module only stores and finds.
 *
 * Threading: every function may be called from any thread with its own
 * kj_db.
 */
#ifndef KJ_MEDIA_VARIANTS_H
#define KJ_MEDIA_VARIANTS_H
#include "media/image.h"
#include "store/store.h"

/** Writes every variant of s as a file (temporary name, flushed, renamed)
 *  and its media_variants row for attachment attach_id. 0, or -1 (files
 *  written so far are removed). */
int kj_media_save_variants(kj_db *db, const char *data_dir, const char *attach_id, const kj_image_set *s);

/** The variants of attach_id [{width, height, mime, size}], ascending
 *  width; an empty array when none. New ref. */
json_t *kj_media_variants(kj_db *db, const char *attach_id);

/** The bytes of one variant (malloc'd, caller frees; length in *len) and
 *  its type in *mime (static string), or NULL when there is no such
 *  variant. */
char *kj_media_variant_read(kj_db *db, const char *data_dir, const char *attach_id, int width, size_t *len,
                            const char **mime);
#endif
