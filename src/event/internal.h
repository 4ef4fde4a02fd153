/*
 * internal.h — what the files of src/event/ share (not for other folders):
 * loading an event, the organizer test on a user row read in the caller's
 * transaction, the meeting grid's times, and rescheduling.
 */
#ifndef KJ_EVENT_INTERNAL_H
#define KJ_EVENT_INTERNAL_H
#include "event/event.h"
#include <string.h>
#include "core/lifecycle.h"

#define EV_COLUMNS                                                                                               \
    "id, center_id, name_zh, name_en, summary_zh, summary_en, venue, online, online_url, region, time_zone, "  \
    "starts_at, ends_at, state, reg_open, capacity, approval, questions__json, meeting_start, slot_minutes, "  \
    "slots, tables_n, rubric__json, created_by, created_at, updated_at, cancel_reason"

static inline int64_t ev_int(json_t *o, const char *k, int64_t dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static inline bool ev_same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/** The event row, or NULL. */
json_t *kj_ev_load(kj_db *db, const char *id);
/** Refuses a non-organizer: staff of another center FORBIDDEN
 *  err.event.other_center, others FORBIDDEN err.auth.forbidden. */
int kj_ev_refuse_manage(json_t *actor, kj_err *e);
/** The start of grid slot s of ev (ms), or 0 when the event has no grid. */
int64_t kj_ev_slot_start(json_t *ev, int64_t slot);
int64_t kj_ev_slot_end(json_t *ev, int64_t slot);
/** Places the accepted meetings of event_id that wait for a slot (inside
 *  the caller's transaction). 0 or -1 (store failure). */
int kj_ev_reschedule(kj_db *db, json_t *ev);
/** Cancels user_id's open meetings at event_id as the system (inside the
 *  caller's transaction), then reschedules. */
int kj_ev_cancel_meetings_of(kj_db *db, json_t *ev, const char *user_id);
/** The user's active registration row (approved or checked_in) or NULL. */
json_t *kj_ev_active_reg(kj_db *db, const char *event_id, const char *user_id);
/** The row of table for action in state if actor_roles hold one of its
 *  roles; else NULL with e: INVALID err.event.action (unknown action),
 *  CONFLICT state_key (not in this state), FORBIDDEN (not these roles). */
const kj_transition *kj_ev_transition(const char *table, const char *action, const char *state, int actor_roles,
                                      const char *state_key, kj_err *e);
/** The actions of table that roles may take in state. New ref. */
json_t *kj_ev_actions(const char *table, const char *state, int roles);
/** The bit of a role name of the tables ("organizer", "participant",
 *  "requester", "invitee", "system"). */
int kj_ev_role(const char *name);
/** Tells user_id about ev in-app (notify.<kind>, subject who or the
 *  event's Chinese name) and by e-mail (category "event", honouring their
 *  choice), the e-mail in the language of their registration: the
 *  notification's line, the event's name, times and venue, the catalog
 *  text detail_key with {0} = a0 and {1} = a1 (none when detail_key is
 *  NULL), and link. In the caller's transaction. 0 or -1. */
int kj_ev_tell(kj_db *db, json_t *ev, const char *user_id, const char *kind, const char *who, const char *detail_key, const char *a0,
               const char *a1, const char *link);
/** kj_ev_tell for every registration of ev in one of states_sql (a quoted
 *  list of state literals written in code, e.g. "'pending','approved'"). */
int kj_ev_tell_all(kj_db *db, json_t *ev, const char *states_sql, const char *kind, const char *detail_key, const char *a0,
                   const char *link);
/* Field checks of the event forms (event.c), shared by creation and
 * editing (edit.c): each records the first error per field in
 * e->fields when the caller set it, the first of all in e, and counts
 * them in *nbad. */
void kj_ev_bad(kj_err *e, int *nbad, const char *field, const char *key);
void kj_ev_text_field(json_t *in, const char *name, size_t min, size_t max, kj_err *e, int *nbad);
/** A local time of zone ("YYYY-MM-DDTHH:MM") as ms; 0 when absent or bad. */
int64_t kj_ev_local_field(json_t *in, const char *name, const char *zone, bool required, kj_err *e, int *nbad);
int64_t kj_ev_int_field(json_t *in, const char *name, int64_t dflt, int64_t min, int64_t max, kj_err *e, int *nbad);
bool kj_ev_truthy(json_t *v);
/** The registration questions, normalized (new ref). */
json_t *kj_ev_check_questions(json_t *q, kj_err *e, int *nbad);
/** The event's registrations still active (pending, approved, checked in)
 *  are cancelled, its open meetings cancelled (the system's rows of the
 *  tables), and every one of those participants told (event_cancelled,
 *  with reason): inside the caller's transaction. 0 or -1. */
int kj_ev_cancel_all(kj_db *db, json_t *ev, const char *reason);
/** ms as "YYYY-MM-DD HH:MM" in ev's time zone. */
void kj_ev_local_text(json_t *ev, int64_t ms, char *out, size_t n);
/** The event's name in lang (English when lang is not zh-CN and there is
 *  one, else the Chinese name). */
const char *kj_ev_name_in(json_t *ev, const char *lang);
#endif
