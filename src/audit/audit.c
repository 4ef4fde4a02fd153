/* audit.c — the append-only administrative audit log (see audit.h). */
#include "audit/audit.h"
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "core/id.h"

int kj_audit_write(kj_db *db, const char *actor_id, const char *action, const char *target_type,
                   const char *target_id, const char *reason, json_t *detail)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (!text) return -1;
    kj_id id = kj_id_new();
    /* The actor's name is copied at the time of the action: the log still
     * says who acted after the account is renamed or anonymized. */
    int rc = kj_db_exec(db,
                        "INSERT INTO audit_log(id, actor_id, actor_name, action, target_type, target_id, reason, "
                        "detail, created_at) VALUES (?, ?, COALESCE((SELECT name FROM users WHERE id = ?), ''), "
                        "?, ?, ?, ?, ?, ?)",
                        "ssssssssi", id.s, actor_id, actor_id, action, target_type ? target_type : "",
                        target_id ? target_id : "", reason ? reason : "", text, kj_now_ms());
    free(text);
    return rc == 1 ? 0 : -1;
}

json_t *kj_audit_list(kj_db *db, const char *action_prefix, const char *target_type, const char *target_id,
                      const char *actor_id, int64_t before_ms, int limit)
{
    if (limit <= 0 || limit > 500) limit = 50;
    json_t *rows = kj_db_rows(db,
                              "SELECT id, actor_id, actor_name, action, target_type, target_id, reason, detail AS detail__json, "
                              "created_at FROM audit_log "
                              "WHERE (?1 = '' OR substr(action, 1, length(?1)) = ?1) "
                              "AND (?2 = '' OR target_type = ?2) AND (?3 = '' OR target_id = ?3) "
                              "AND (?4 = '' OR actor_id = ?4) AND (?5 <= 0 OR created_at < ?5) "
                              "ORDER BY created_at DESC, id DESC LIMIT ?6",
                              "ssssii", action_prefix ? action_prefix : "", target_type ? target_type : "",
                              target_id ? target_id : "", actor_id ? actor_id : "", before_ms, (int64_t)limit);
    return rows ? rows : json_array();
}
