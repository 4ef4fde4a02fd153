/*
 * notify.c — in-app notifications (see notify.h).
 */
#include "notify/notify.h"
#include "core/json_util.h"
#include "core/clock.h"
#include "core/id.h"

int kj_notify(kj_db *db, const char *user_id, const char *kind, const char *subject, const char *link)
{
    if (!user_id) return 0;
    kj_id id = kj_id_new();
    return kj_db_exec(db, "INSERT INTO notifications(id, user_id, kind, subject, link, created_at) VALUES (?,?,?,?,?,?)",
               "sssssi", id.s, user_id, kind, subject ? subject : "", link ? link : "", kj_now_ms());
}

json_t *kj_notifications(kj_db *db, json_t *user, int limit)
{
    json_t *rows = kj_db_rows(db, "SELECT id, kind, subject, link, created_at, read_at FROM notifications "
                                  "WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", "si", kj_jstr(user, "id"), (int64_t)limit);
    return rows ? rows : json_array();
}

int64_t kj_unread_notifications(kj_db *db, json_t *user)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", "s", kj_jstr(user, "id"));
}
