/*
 * follow.h — following a 科技志愿服务队 (volunteer team, issue 14 item 6):
 * anyone signed in, residents first of all, keeps up with the teams that
 * serve their area. A follow is the follower's own (removed with the
 * account, listed in its data export).
 */
#ifndef KJ_POPSCI_FOLLOW_H
#define KJ_POPSCI_FOLLOW_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** user_id follows (follow = true) or stops following team_id; both are
 *  idempotent. NOT_FOUND for an unknown team. 0 or -1 with *e. */
int kj_team_follow(kj_db *db, const char *user_id, const char *team_id, bool follow, kj_err *e);
/** Whether user_id follows team_id. */
bool kj_team_following(kj_db *db, const char *user_id, const char *team_id);
/** How many follow team_id. */
int64_t kj_team_followers(kj_db *db, const char *team_id);
/** The teams user_id follows, newest first: [{id, name, followed_at}]. New ref. */
json_t *kj_teams_followed(kj_db *db, const char *user_id);
#endif
