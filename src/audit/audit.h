/*
 * audit.h — the administrative audit log (issue 14 §5): who did what to
 * what, when and why, for every administrative action of every module
 * (account administration, organization verification, center staff, work
 * order reassignment ...).
 *
 * Append-only: migration 023 puts triggers on audit_log that refuse UPDATE
 * and DELETE, so not even a domain bug can edit the record; there is no
 * function here to change a row.
 *
 * kj_audit_write runs inside the caller's write transaction, so that the
 * action and its record commit together or not at all (a failed write
 * returns -1 and the caller rolls back). Time comes from kj_now_ms().
 */
#ifndef KJ_AUDIT_H
#define KJ_AUDIT_H
#include <jansson.h>
#include "store/store.h"

/** Appends one record inside the caller's transaction. actor_id NULL means
 *  the command line (`kejiyun user ...`); action is a dotted code such as
 *  "user.disable" or "center.staff.appoint", which is also the i18n key
 *  that names it on the admin pages; target_type/target_id what it acted on; reason the actor's
 *  words (may be empty); detail a JSON object (borrowed; NULL = {}).
 *  0, or -1 when the insert failed. */
KJ_MUST_USE int kj_audit_write(kj_db *db, const char *actor_id, const char *action, const char *target_type,
                               const char *target_id, const char *reason, json_t *detail);

/** Records, newest first: optional filters (NULL or "" = any) on action
 *  prefix ("user." matches every user action), target type and id, actor;
 *  before_ms > 0 pages back from that time. Each row: id, actor_id,
 *  actor_name, action, target_type, target_id, reason, detail (object),
 *  created_at. New reference (an empty array when none). */
json_t *kj_audit_list(kj_db *db, const char *action_prefix, const char *target_type, const char *target_id,
                      const char *actor_id, int64_t before_ms, int limit);
#endif
