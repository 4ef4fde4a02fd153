/*
 * lookup.c — read-only questions pages ask about listings and users (see
 * lookup.h).
 */
#include "market/lookup.h"
#include "core/clock.h"
#include <stdlib.h>

void kj_listing_merge_pending(kj_db *db, json_t *l)
{
    json_t *rev = json_object_get(l, "pending_revision");
    if (!json_integer_value(rev)) return;
    char *data = kj_db_text(db, "SELECT data FROM listing_revisions WHERE listing_id = ? AND rev = ?", "sj",
                            json_string_value(json_object_get(l, "id")), rev);
    json_t *pending = data ? json_loads(data, 0, NULL) : NULL;
    free(data);
    if (pending) { json_object_update(l, pending); json_decref(pending); }
}

json_t *kj_eoi_latest_sent(kj_db *db, const char *listing_id, const char *user_id)
{
    return kj_db_row(db, "SELECT id, status FROM eois WHERE listing_id = ? AND sender_id = ? ORDER BY created_at DESC", "ss",
                     listing_id, user_id);
}

bool kj_favourite_has(kj_db *db, const char *user_id, const char *listing_id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM favourites WHERE user_id = ? AND listing_id = ?", "ss", user_id, listing_id) > 0;
}

json_t *kj_listing_mine_published(kj_db *db, const char *user_id)
{
    return kj_db_rows(db, "SELECT id, title FROM listings WHERE owner_id = ? AND status = 'published' "
                          "ORDER BY updated_at DESC LIMIT 50", "s", user_id);
}

json_t *kj_listing_attachments(kj_db *db, const char *listing_id)
{
    return kj_db_rows(db, "SELECT id, filename, mime, size, confidential FROM attachments WHERE listing_id = ? "
                          "ORDER BY created_at", "s", listing_id);
}

json_t *kj_studio_active_of(kj_db *db, const char *user_id)
{
    return kj_db_rows(db, "SELECT s.id, s.name FROM studios s JOIN studio_members m ON m.studio_id = s.id "
                          "WHERE m.user_id = ? AND m.status = 'active' ORDER BY s.name", "s", user_id);
}

void kj_notifications_mark_read(kj_db *db, const char *user_id)
{
    kj_db_exec_optional(db, "read mark", "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", "is",
                        kj_now_ms(), user_id);
}
