/*
 * experts.c — the public expert directory (issue 15 item 7): visitors see
 * who answers questions, in which topics and regions, before they sign in
 * to ask. Only experts who chose to be listed appear (popsci_expert_public,
 * migration 032), and only what they chose to show: name, title,
 * organization, their answering topics and regions.
 */
#include "popsci/popsci.h"
#include "popsci/popsci_int.h"
#include <string.h>
#include "core/clock.h"
#include "core/json_util.h"

int kj_popsci_expert_set_public(kj_db *db, const char *user_id, bool show, kj_err *e)
{
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    int rc;
    if (show) {
        /* Only someone who answers questions is an expert to list. */
        if (!kj_db_int(db, 0, "SELECT count(*) FROM popsci_experts WHERE user_id = ?", "s", user_id)) {
            kj_db_rollback(db);
            return kj_err_set(e, KJ_E_INVALID, "popsci.err.directory_needs_topics", "public");
        }
        rc = kj_db_exec(db, "INSERT INTO popsci_expert_public(user_id, shown_at) VALUES (?, ?) "
                            "ON CONFLICT(user_id) DO NOTHING", "si", user_id, kj_now_ms());
    } else {
        rc = kj_db_exec(db, "DELETE FROM popsci_expert_public WHERE user_id = ?", "s", user_id);
    }
    if (rc < 0 || kj_db_commit(db)) {
        kj_db_rollback(db);
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    }
    return 0;
}

bool kj_popsci_expert_is_public(kj_db *db, const char *user_id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM popsci_expert_public WHERE user_id = ?", "s", user_id ? user_id : "") > 0;
}

json_t *kj_popsci_expert_directory(kj_db *db, const char *topic, int limit, int offset)
{
    if (limit <= 0 || limit > 100) limit = 50;
    if (offset < 0) offset = 0;
    json_t *rows = kj_db_rows(db,
                              "SELECT u.id, u.name, u.title, o.name AS org_name, "
                              "(SELECT json_group_array(DISTINCT e.topic) FROM popsci_experts e WHERE e.user_id = u.id) "
                              "AS topics__json, "
                              "(SELECT json_group_array(DISTINCT e.region) FROM popsci_experts e WHERE e.user_id = u.id) "
                              "AS regions__json "
                              "FROM popsci_expert_public p JOIN users u ON u.id = p.user_id AND u.disabled = 0 "
                              "LEFT JOIN orgs o ON o.id = u.org_id "
                              "WHERE EXISTS (SELECT 1 FROM popsci_experts e0 WHERE e0.user_id = u.id) AND (?1 = '' OR EXISTS (SELECT 1 FROM popsci_experts e WHERE e.user_id = u.id "
                              "AND e.topic = ?1)) ORDER BY u.name, u.id LIMIT ?2 OFFSET ?3",
                              "sii", topic ? topic : "", (int64_t)limit, (int64_t)offset);
    return rows ? rows : json_array();
}

int kj_popsci_demo_experts_public(kj_db *db)
{
    return kj_db_exec(db, "INSERT INTO popsci_expert_public(user_id, shown_at) "
                          "SELECT DISTINCT user_id, ? FROM popsci_experts WHERE true ON CONFLICT(user_id) DO NOTHING",
                      "i", kj_now_ms()) < 0 ? -1 : 0;
}
