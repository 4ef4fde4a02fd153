/*
 * follow.c — following volunteer teams (see follow.h).
 */
#include "popsci/follow.h"
#include "core/clock.h"
#include "core/id.h"

int kj_team_follow(kj_db *db, const char *user_id, const char *team_id, bool follow, kj_err *e)
{
    if (!kj_id_valid(team_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    /* The team's existence decides the write: checked inside it. */
    if (kj_db_int(db, 0, "SELECT count(*) FROM popsci_teams WHERE id = ?", "s", team_id) == 0) {
        kj_db_rollback(db);
        return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    }
    int rc = follow ? kj_db_exec(db, "INSERT INTO popsci_team_follows(user_id, team_id, created_at) VALUES (?,?,?) "
                                     "ON CONFLICT (user_id, team_id) DO NOTHING", "ssi", user_id, team_id, kj_now_ms())
                    : kj_db_exec(db, "DELETE FROM popsci_team_follows WHERE user_id = ? AND team_id = ?", "ss", user_id, team_id);
    if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    return 0;
}

bool kj_team_following(kj_db *db, const char *user_id, const char *team_id)
{
    return user_id && kj_db_int(db, 0, "SELECT count(*) FROM popsci_team_follows WHERE user_id = ? AND team_id = ?", "ss",
                                user_id, team_id) > 0;
}

int64_t kj_team_followers(kj_db *db, const char *team_id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM popsci_team_follows WHERE team_id = ?", "s", team_id);
}

json_t *kj_teams_followed(kj_db *db, const char *user_id)
{
    json_t *rows = kj_db_rows(db, "SELECT t.id, t.name, f.created_at AS followed_at FROM popsci_team_follows f "
                                  "JOIN popsci_teams t ON t.id = f.team_id WHERE f.user_id = ? ORDER BY f.created_at DESC",
                              "s", user_id);
    return rows ? rows : json_array();
}
