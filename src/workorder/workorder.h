/*
 * workorder.h — 科服保姆 work orders (服务工单, issue 14 §3): anyone signed
 * in asks a service center for help; the center's staff accept, work on,
 * ask back, resolve; the requester rates (closes) or reopens. Orders move
 * between centers by transfer and by escalation to the parent center,
 * by hand or when the first response is late (kj_workorder_tick).
 *
 * Owns tables workorder_types, workorders, workorder_entries and
 * workorder_files (migration 027), and the one life-cycle table
 * (action × state × roles → next state) below, which every change
 * consults and GET /api/v1/work-orders/lifecycle publishes.
 *
 * States: new → accepted (assigned to a staff member of the order's
 * center) → in_progress ⇄ waiting (for the requester) → resolved →
 * closed (rated 1–5, once) | reopened → in_progress. transfer (another
 * center) and escalate (the parent center) bring an open order back to
 * "new" at that center, unassigned, with a new first-response deadline.
 *
 * Roles (bits of a row's roles, computed per order and actor):
 *   requester  the user who asked
 *   staff      staff (any center role) of the order's current center
 *   head       the head of the order's current center
 *   admin      administrators
 *   system     the periodic job (escalation when the first response is late)
 * Staff of another center are refused with err.workorder.other_center;
 * everybody else does not see the order (404).
 *
 * Every change runs its checks inside its write transaction, on the order
 * and the actor's center membership read there (no check-then-act).
 * Reassignment, transfer and escalation are written to the audit log
 * (audit/audit.h) in the same transaction; the people concerned are
 * notified (notify/notify.h).
 *
 * Public replies (entries of kind "reply") and transitions ("event") are
 * shown to the requester; internal notes ("note") and files attached as
 * internal never are, by any function here, to anyone but staff of the
 * order's center and administrators.
 *
 * 代发布: staff may prepare a draft demand (listing) on behalf of the
 * requester's organization from an order; the draft belongs to the
 * requester inside that organization (owner and org), records who
 * prepared it, and enters review only when a member of the organization
 * submits (confirms) it (market/market.h); staff never submit it.
 *
 * Errors: 0 / new reference on success; -1 / NULL with *e (core/err.h).
 * No HTTP or SQLite types; no global mutable state.
 */
#ifndef KJ_WORKORDER_H
#define KJ_WORKORDER_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/err.h"
#include "store/store.h"

/** The states, in life-cycle order; NULL-terminated. */
extern const char *const kj_workorder_states[];

/** Most files one work order may carry. */
#define KJ_WO_MAX_FILES 10

/** The life-cycle table as a new array of {action, from, to, roles[], via}:
 *  via "actions" for POST /work-orders/{id}/actions, otherwise the
 *  sub-resource that performs it ("attachments"). */
json_t *kj_workorder_transitions(void);
/** True when (action, state) is a row of the table. */
bool kj_workorder_allowed(const char *action, const char *state);

/** The types of help, in display order: [{code}] (names are the i18n keys
 *  workorder.type.<code>). New ref. */
json_t *kj_workorder_types(kj_db *db);

/** Opens a work order as user (anyone signed in). in: type (required, a
 *  kj_workorder_types code), title (1–100 characters), description
 *  (1–5000), region (default: the user's region; required when they have
 *  none), center_id (optional: default the lowest center covering the
 *  region, kj_center_covering). first_response_ms is the window for the
 *  first response (setting workorder_first_response_hours). The center's
 *  staff are notified. Writes the id (KJ_ID_LEN + 1 bytes). */
int kj_workorder_create(kj_db *db, json_t *user, json_t *in, int64_t first_response_ms, char *id_out, kj_err *e);

/** One order as viewer may see it: its fields (id, type, title,
 *  description, state, region, region_name_zh/en, center_id,
 *  center_name_zh/en, requester_id, requester_name, assignee_id,
 *  assignee_name, org_id, due_at, breached, escalations, rating,
 *  rating_comment, created_at, updated_at), entries [{id, kind, action,
 *  from_state, to_state, body, actor_name, created_at, detail}] (notes
 *  only for staff and administrators), files [{id, filename, mime, size,
 *  internal}] (internal ones likewise), actions[] the viewer may take now
 *  through /actions, roles {requester, staff, head, admin}. NULL with
 *  NOT_FOUND (not visible) or FORBIDDEN (err.workorder.other_center). */
json_t *kj_workorder_view(kj_db *db, json_t *viewer, const char *id, kj_err *e);

/** What an actor is told after moving an order out of their reach
 *  (transfer, escalate): {id, state, center_id, center_name_zh,
 *  center_name_en}, no thread. NULL when unknown. Only for the answer to
 *  an action that succeeded. */
json_t *kj_workorder_summary(kj_db *db, const char *id);

/** Orders viewer sees in a list, newest activity first. scope "mine": the
 *  viewer's own requests; "queue": the orders of the viewer's center
 *  (administrators: every center), breaches of the first-response
 *  deadline first, then oldest first; NULL/"": "queue" for center staff
 *  and administrators, else "mine". state and type filter (NULL/"" any).
 *  Rows: id, type, title, state, center_id, center_name_zh/en,
 *  requester_name, assignee_name, due_at, breached, rating, created_at,
 *  updated_at. New ref (empty array when none). */
json_t *kj_workorder_list(kj_db *db, json_t *viewer, const char *scope, const char *state, const char *type);

/** The desk's figures for center_id: {states: {state: count, ... every
 *  state}, open (not closed), breached (new and past the first-response
 *  deadline), unassigned (new)}. New ref. */
json_t *kj_workorder_desk_counts(kj_db *db, const char *center_id);

/** The public figures of center_id's work orders (its page and API, issue
 *  14 §2): {resolved (resolved or closed there), open (not yet resolved),
 *  rated (closed with a rating), rating_avg (their mean, 1–5, one decimal;
 *  null when none)}. Counts only: no requester, title or text. One
 *  statement. New ref, or NULL on a storage error. */
json_t *kj_workorder_center_figures(kj_db *db, const char *center_id);

/** Takes action on order id as user (NULL: the system). in holds the
 *  action's inputs: body (reply/note/ask/answer/reopen text; resolve's
 *  summary), assignee (accept, reassign), center_id (transfer), rating
 *  1–5 and comment (close), reason (transfer, escalate, reassign: audited),
 *  listing {title, summary, description, domain, region, valid_until,
 *  deadline, ...: market's demand fields} (prepare_listing; its field
 *  errors go to e->fields when the caller set it). first_response_ms as
 *  for create (transfer, escalate). Refusals: INVALID err.workorder.action
 *  (unknown); NOT_FOUND; FORBIDDEN err.workorder.other_center,
 *  err.workorder.role, err.workorder.rate_requester; CONFLICT
 *  err.workorder.state (skipping states), err.workorder.rated (rating
 *  twice), err.workorder.no_parent, err.workorder.no_org; INVALID with the
 *  field for missing or bad inputs. */
int kj_workorder_act(kj_db *db, json_t *user, const char *id, const char *action, json_t *in,
                     int64_t first_response_ms, kj_err *e);

/** The periodic job: escalates every "new" order whose first-response
 *  deadline has passed at a center that has a parent (role system; the
 *  requester and the parent center's staff are notified). Returns the
 *  number escalated. */
int kj_workorder_tick(kj_db *db, int64_t first_response_ms);

/** Attaches a file (bytes through market/attach.c: size limit, type from
 *  the content, image metadata removed, always confidential) as user:
 *  the requester or staff while the order is not closed; internal (staff
 *  only) hides it from the requester. Writes the attachment id. */
int kj_workorder_attach(kj_db *db, json_t *user, const char *id, const char *data_dir, size_t max_size,
                        const char *filename, const void *data, size_t size, bool internal, char *att_out, kj_err *e);

/** The attachments row of file att_id of order id when user may read it
 *  (as kj_workorder_view shows it), else NULL. New ref. */
json_t *kj_workorder_file(kj_db *db, json_t *user, const char *id, const char *att_id);
#endif
