/*
 * internal.h — helpers shared by the challenge domain's files (not a
 * public interface): role bits, the life-cycle check, the audit trail,
 * small JSON accessors. See challenge.h for the contracts.
 */
#ifndef KJ_CHALLENGE_INTERNAL_H
#define KJ_CHALLENGE_INTERNAL_H
#include "challenge/challenge.h"
#include <jansson.h>

enum {
    CH_ISSUER = 1, CH_STAFF = 2, CH_APPLICANT = 4, CH_REVIEWER = 8, CH_WINNER = 16, CH_USER = 32, CH_SYSTEM = 64,
};

/** String member or NULL. */
const char *kj_ch_str(json_t *o, const char *k);
/** The challenges row (JSON columns decoded) or NULL. New ref. */
json_t *kj_ch_load(kj_db *db, const char *id);
/** The role bits user holds on challenge row ch (applicant and winner are
 *  left to the caller, who knows the application). */
int kj_ch_roles(kj_db *db, json_t *ch, json_t *user);
/** True when user (with roles on ch) may know the entry exists: it is
 *  public (published or later), or user is its issuer or staff. */
bool kj_ch_visible(json_t *ch, int roles);
/** Checks (action, state) is in the table and that roles meet its roles:
 *  0, or -1 with CONFLICT (state) / FORBIDDEN (role). */
int kj_ch_rule(const char *action, const char *state, int roles, kj_err *e);
/** The next state of (action, state), or NULL. */
const char *kj_ch_next(const char *action, const char *state);
/** Appends to the audit trail (public = shown on the public timeline). */
int kj_ch_event(kj_db *db, const char *challenge_id, const char *actor_id, const char *action,
                 const char *from, const char *to, const char *reason, bool public);
/** Notifies user about challenge ch (kind: notify.<kind>, subject = title). */
void kj_ch_notify(kj_db *db, const char *user_id, const char *kind, json_t *ch);
/** Notifies the staff who may review ch (admins; operators of its
 *  region) except except_id (may be NULL). */
void kj_ch_notify_staff(kj_db *db, json_t *ch, const char *kind, const char *except_id);
/** True when every assigned, non-recused reviewer has scored every active
 *  application they are not excluded from (and at least one is assigned). */
bool kj_ch_review_complete(kj_db *db, const char *challenge_id);
/** True when reviewer_id is excluded from judging application app (the
 *  applicant, or the same organization or studio). */
bool kj_ch_excluded(kj_db *db, const char *reviewer_id, json_t *app);
#endif
