/*
 * video.c — uploaded short videos: type by content, storage, ranges.
 * See video.h.
 */
#include "media/video.h"
#include "media/files.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const video_mimes[] = { "video/mp4", "video/webm", NULL };

static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t cookie;   /* guarded by magic_lock; opened on first use */

const char *kj_video_sniff(const void *data, size_t size, kj_err *e)
{
    const char *found = NULL;
    bool broken = false;
    pthread_mutex_lock(&magic_lock);
    if (!cookie && (cookie = magic_open(MAGIC_MIME_TYPE)) && magic_load(cookie, NULL) != 0) {
        magic_close(cookie);
        cookie = NULL;
    }
    const char *m = cookie ? magic_buffer(cookie, data, size) : NULL;
    broken = !cookie;
    for (const char *const *v = video_mimes; m && *v; v++)
        if (!strcmp(*v, m)) found = *v;
    pthread_mutex_unlock(&magic_lock);
    if (!found && e) {
        if (broken) kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        else kj_err_set(e, KJ_E_INVALID, "err.video.type", NULL);
    }
    return found;
}

static void file_path(const char *data_dir, const char *id, const char *suffix, char *out, size_t n)
{
    snprintf(out, n, "%s/files/%s%s", data_dir, id, suffix);
}

int kj_video_store(kj_db *db, const char *data_dir, size_t max_size, const char *owner_id, const void *data,
                   size_t size, char *id_out, kj_err *e)
{
    if (!data || !size) return kj_err_set(e, KJ_E_INVALID, "err.video.empty", NULL);
    if (size > max_size) return kj_err_set(e, KJ_E_TOO_LARGE, "err.video.too_large", NULL);
    const char *mime = kj_video_sniff(data, size, e);
    if (!mime) return -1;
    kj_id id = kj_id_new();
    if (kj_file_write(data_dir, id.s, data, size)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (kj_db_exec(db, "INSERT INTO media_videos(id, origin, owner_id, mime, size, created_at) VALUES (?,?,?,?,?,?)",
                   "ssssii", id.s, kj_instance_id(db), owner_id, mime, (int64_t)size, kj_now_ms()) < 0) {
        char path[2100];
        file_path(data_dir, id.s, "", path, sizeof path);
        unlink(path);
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    }
    memcpy(id_out, id.s, KJ_ID_LEN + 1);
    return 0;
}

json_t *kj_video_get(kj_db *db, const char *id)
{
    return kj_db_row(db, "SELECT id, owner_id, mime, size, created_at FROM media_videos WHERE id = ?", "s", id ? id : "");
}

char *kj_video_read(const char *data_dir, const char *id, int64_t start, size_t len)
{
    if (!kj_id_valid(id) || start < 0) return NULL;
    char path[2100];
    file_path(data_dir, id, "", path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    char *buf = malloc(len + 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)(start + (int64_t)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { free(buf); buf = NULL; break; }
        got += (size_t)r;
    }
    close(fd);
    if (buf) buf[got] = 0;
    return buf;
}
