/*
 * lookup.c — read-only questions the challenge pages and API ask before
 * they call an operation (see challenge.h, "lookups").
 */
#include "challenge/challenge.h"
#include "core/id.h"

bool kj_challenge_part_of(kj_db *db, kj_ch_part part, const char *sub_id, const char *challenge_id)
{
    static const char *const sql[] = {
        [KJ_CH_APPLICATION] = "SELECT count(*) FROM challenge_applications WHERE id = ? AND challenge_id = ?",
        [KJ_CH_OBJECTION] = "SELECT count(*) FROM challenge_objections WHERE id = ? AND challenge_id = ?",
        [KJ_CH_MILESTONE] = "SELECT count(*) FROM challenge_milestones WHERE id = ? AND challenge_id = ?",
    };
    if ((unsigned)part >= sizeof sql / sizeof *sql || !sub_id || !kj_id_valid(sub_id)) return false;
    return kj_db_int(db, 0, sql[part], "ss", sub_id, challenge_id) > 0;
}

bool kj_challenge_scoring_started(kj_db *db, const char *challenge_id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM challenge_scores WHERE challenge_id = ?", "s", challenge_id) > 0;
}

json_t *kj_challenge_expert_pool(kj_db *db)
{
    return kj_db_rows(db, "SELECT id, name FROM users WHERE is_expert = 1 ORDER BY name", "");
}
