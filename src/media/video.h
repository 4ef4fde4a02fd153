/*
 * video.h — uploaded short videos (owns: what a video upload may be —
 * MP4 or WebM decided from the CONTENT with libmagic, never from the name
 * or the client's type —, how big, where its bytes live
 * (<data dir>/files/<id>, outside the web root), the media_videos rows,
 * and reading a byte range of a stored video for seeking).
 *
 * No transcoding: browsers play MP4 (H.264) and WebM as uploaded. Who may
 * watch is its domain's call; this module only stores and finds.
 *
 * Threading: every function may be called from any thread; the libmagic
 * handle is used under a mutex.
 */
#ifndef KJ_MEDIA_VIDEO_H
#define KJ_MEDIA_VIDEO_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** "video/mp4" or "video/webm" (static strings) when size bytes are one
 *  of them by content, else NULL with e (when given) INVALID
 *  "err.video.type" (or INTERNAL "err.internal" when libmagic cannot be
 *  used). */
const char *kj_video_sniff(const void *data, size_t size, kj_err *e);

/** Stores an upload of owner_id: checks size (1..max_size bytes) and
 *  type, writes <data_dir>/files/<id> (temporary name, flushed, renamed)
 *  and the media_videos row. 0 with the id in id_out (KJ_ID_LEN + 1
 *  bytes), or -1 with e: INVALID "err.video.empty" or "err.video.type",
 *  TOO_LARGE "err.video.too_large", INTERNAL "err.internal" (field NULL);
 *  nothing is left behind. */
int kj_video_store(kj_db *db, const char *data_dir, size_t max_size, const char *owner_id, const void *data,
                   size_t size, char *id_out, kj_err *e);

/** The media_videos row {id, owner_id, mime, size, created_at} or NULL.
 *  New ref. */
json_t *kj_video_get(kj_db *db, const char *id);

/** len bytes of video id from offset start (malloc'd, caller frees), or
 *  NULL when the file is missing or shorter. */
char *kj_video_read(const char *data_dir, const char *id, int64_t start, size_t len);
#endif
