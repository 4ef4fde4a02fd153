/* workorder.c — work orders: the life-cycle table, creation, the actions,
 * views and lists, escalation (see workorder.h). */
#include "workorder/workorder.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "account/account.h"
#include "account/membership.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "center/center.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/lifecycle.h"
#include "core/validate.h"
#include "market/attach.h"
#include "market/market.h"
#include "mail/mail.h"
#include "notify/notify.h"

const char *const kj_workorder_states[] = { "new", "accepted", "in_progress", "waiting", "reopened", "resolved", "closed", NULL };

/* ---- the life-cycle table ---- */

enum { R_REQUESTER = 1, R_STAFF = 2, R_HEAD = 4, R_ADMIN = 8, R_SYSTEM = 16 };
#define R_CENTER (R_STAFF | R_HEAD | R_ADMIN)

typedef kj_transition transition;   /* core/lifecycle.h */

/* Rows that keep the state (a reply, a note, an assignment) are listed
 * per state, so that "may I do this now?" is always one lookup. */
#define SAME(a, s, r) { a, s, s, r, "actions", false }
#define OPEN_WORKED(a, r) SAME(a, "accepted", r), SAME(a, "in_progress", r), SAME(a, "waiting", r), SAME(a, "reopened", r)
static const transition transitions[] = {
    { "accept",   "new",         "accepted",    R_CENTER,    "actions", false },
    { "start",    "accepted",    "in_progress", R_CENTER,    "actions", false },
    { "start",    "reopened",    "in_progress", R_CENTER,    "actions", false },
    { "ask",      "in_progress", "waiting",     R_CENTER,    "actions", false },
    { "answer",   "waiting",     "in_progress", R_REQUESTER, "actions", false },
    { "resolve",  "in_progress", "resolved",    R_CENTER,    "actions", false },
    { "close",    "resolved",    "closed",      R_REQUESTER, "actions", false },
    { "reopen",   "resolved",    "reopened",    R_REQUESTER, "actions", false },
    SAME("reply", "new", R_REQUESTER | R_CENTER), OPEN_WORKED("reply", R_REQUESTER | R_CENTER),
    SAME("reply", "resolved", R_REQUESTER | R_CENTER),
    SAME("note", "new", R_CENTER), OPEN_WORKED("note", R_CENTER), SAME("note", "resolved", R_CENTER),
    SAME("note", "closed", R_CENTER),
    OPEN_WORKED("reassign", R_HEAD | R_ADMIN),
    { "transfer", "new", "new", R_CENTER, "actions", false },
    { "transfer", "accepted", "new", R_CENTER, "actions", false },
    { "transfer", "in_progress", "new", R_CENTER, "actions", false },
    { "transfer", "waiting", "new", R_CENTER, "actions", false },
    { "transfer", "reopened", "new", R_CENTER, "actions", false },
    { "escalate", "new", "new", R_CENTER | R_SYSTEM, "actions", false },
    { "escalate", "accepted", "new", R_CENTER, "actions", false },
    { "escalate", "in_progress", "new", R_CENTER, "actions", false },
    { "escalate", "waiting", "new", R_CENTER, "actions", false },
    { "escalate", "reopened", "new", R_CENTER, "actions", false },
    OPEN_WORKED("prepare_listing", R_CENTER),
    { "attach", "new", "new", R_REQUESTER | R_CENTER, "attachments", false },
    { "attach", "accepted", "accepted", R_REQUESTER | R_CENTER, "attachments", false },
    { "attach", "in_progress", "in_progress", R_REQUESTER | R_CENTER, "attachments", false },
    { "attach", "waiting", "waiting", R_REQUESTER | R_CENTER, "attachments", false },
    { "attach", "reopened", "reopened", R_REQUESTER | R_CENTER, "attachments", false },
    { "attach", "resolved", "resolved", R_REQUESTER | R_CENTER, "attachments", false },
};
#define NTRANSITIONS (sizeof transitions / sizeof *transitions)

static const char *const role_names[] = { "requester", "staff", "head", "admin", "system" };

json_t *kj_workorder_transitions(void)
{
    return kj_transitions_json(transitions, NTRANSITIONS, role_names, sizeof role_names / sizeof *role_names, false);
}

static const transition *find(const char *action, const char *state)
{
    return kj_transition_find(transitions, NTRANSITIONS, action, state);
}

/* The "via" of an action, or NULL when the table does not know it. */
static const char *action_via(const char *action)
{
    for (size_t i = 0; action && i < NTRANSITIONS; i++)
        if (!strcmp(transitions[i].action, action)) return transitions[i].via;
    return NULL;
}

bool kj_workorder_allowed(const char *action, const char *state)
{
    return action && state && find(action, state) != NULL;
}

/* ---- helpers ---- */

static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }
static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

json_t *kj_workorder_types(kj_db *db)
{
    json_t *rows = kj_db_rows(db, "SELECT code FROM workorder_types ORDER BY sort, code", "");
    return rows ? rows : json_array();
}

#define WO_COLUMNS                                                                                              \
    "w.id, w.requester_id, w.org_id, w.type, w.title, w.description, w.region, w.center_id, w.assignee_id, "  \
    "w.state, w.due_at, w.escalations, w.rating, w.rating_comment, w.rated_at, w.created_at, w.updated_at, "  \
    "c.name_zh AS center_name_zh, c.name_en AS center_name_en, c.parent_id AS center_parent_id, "             \
    "rq.name AS requester_name, a.name AS assignee_name, g.name_zh AS region_name_zh, g.name_en AS region_name_en"
#define WO_FROM                                                                                                  \
    " FROM workorders w JOIN service_centers c ON c.id = w.center_id JOIN users rq ON rq.id = w.requester_id " \
    "LEFT JOIN users a ON a.id = w.assignee_id LEFT JOIN regions g ON g.code = w.region "

static json_t *load(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT " WO_COLUMNS WO_FROM "WHERE w.id = ?", "s", id);
}

/* The roles actor (a user row, read by the caller) has on order wo. */
static int roles_of(json_t *actor, json_t *wo)
{
    if (!actor) return 0;
    int r = 0;
    const char *center = kj_jstr(wo, "center_id");
    if (same(kj_user_id(actor), kj_jstr(wo, "requester_id"))) r |= R_REQUESTER;
    if (kj_authz_is_center_staff(actor, center)) r |= R_STAFF;
    if (kj_authz_is_center_head(actor, center)) r |= R_HEAD;
    if (kj_authz_is_admin(actor)) r |= R_ADMIN;
    return r;
}

/* Who may not see an order: staff of another center are told so, anyone
 * else does not learn that it exists. */
static int refuse_unseen(json_t *actor, kj_err *e)
{
    if (kj_authz_is_operator(actor)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.workorder.other_center", NULL);
    return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
}

static bool breached(json_t *wo, int64_t now)
{
    json_t *due = json_object_get(wo, "due_at");
    return same(kj_jstr(wo, "state"), "new") && json_is_integer(due) && json_integer_value(due) < now;
}

static int add_entry(kj_db *db, const char *wo_id, const char *kind, const char *actor_id, const char *action,
                     const char *from, const char *to, const char *body, json_t *detail)
{
    kj_id id = kj_id_new();
    json_t *d = detail ? detail : json_object();   /* stolen */
    int rc = kj_db_exec(db, "INSERT INTO workorder_entries(id, workorder_id, kind, actor_id, action, from_state, to_state, "
                            "body, detail, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", "ssssssssji",
                        id.s, wo_id, kind, actor_id, action ? action : "", from, to, body ? body : "", d, kj_now_ms());
    json_decref(d);
    return rc < 1 ? -1 : 0;
}

/* In-app and by e-mail (the mail queue, category "workorder", as the user
 * chose: each, digest or off), in the caller's transaction. */
static int notify_user(kj_db *db, const char *user_id, const char *except, const char *kind, json_t *wo)
{
    if (!user_id || same(user_id, except)) return 0;
    char link[64];
    snprintf(link, sizeof link, "/work-orders/%s", kj_jstr(wo, "id"));
    if (kj_notify(db, user_id, kind, kj_jstr(wo, "title"), link) < 1) return -1;
    return kj_mail_enqueue(db, user_id, "workorder", kj_jstr(wo, "title"), link) < 0 ? -1 : 0;
}

/* Notifies every staff member of center_id except the actor. */
static int notify_center(kj_db *db, const char *center_id, const char *except, const char *kind, json_t *wo)
{
    json_t *staff = kj_center_staff(db, center_id);
    size_t i;
    json_t *s;
    int rc = staff ? 0 : -1;
    json_array_foreach(staff, i, s) if (rc == 0) rc = notify_user(db, kj_jstr(s, "user_id"), except, kind, wo);
    json_decref(staff);
    return rc;
}

/* The staff side to tell about the requester's move: the assignee, or the
 * whole center while nobody is assigned. */
static int notify_staff_side(kj_db *db, json_t *wo, const char *except, const char *kind)
{
    if (kj_jstr(wo, "assignee_id")) return notify_user(db, kj_jstr(wo, "assignee_id"), except, kind, wo);
    return notify_center(db, kj_jstr(wo, "center_id"), except, kind, wo);
}

/* ---- creation ---- */

int kj_workorder_create(kj_db *db, json_t *user, json_t *in, int64_t first_response_ms, char *id_out, kj_err *e)
{
    const char *uid = kj_user_id(user);
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    const char *type = kj_jstr(in, "type"), *title = kj_jstr(in, "title"), *desc = kj_jstr(in, "description");
    const char *region = kj_jstr(in, "region"), *center_id = kj_jstr(in, "center_id");
    if (!type || !*type) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "type");
    if (!title || !*title) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "title");
    if (chars(title) > 100) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "title");
    if (!desc || !*desc) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "description");
    if (chars(desc) > 5000) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "description");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *me = kj_user_get(db, uid), *center = NULL;
    if (!me) { kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL); goto out; }
    if (!region || !*region) region = kj_jstr(me, "region");
    if (kj_db_int(db, 0, "SELECT count(*) FROM workorder_types WHERE code = ?", "s", type) < 1) {
        kj_err_set(e, KJ_E_INVALID, "err.field.choice", "type");
        goto out;
    }
    if (!region || !*region) { kj_err_set(e, KJ_E_INVALID, "err.field.required", "region"); goto out; }
    if (!kj_region_exists(db, region)) { kj_err_set(e, KJ_E_INVALID, "err.region.unknown", "region"); goto out; }
    center = center_id && *center_id ? kj_center_get(db, center_id) : kj_center_covering(db, region);
    if (!center) {
        kj_err_set(e, KJ_E_INVALID, center_id && *center_id ? "err.workorder.center_unknown" : "err.workorder.no_center",
                   center_id && *center_id ? "center_id" : "region");
        goto out;
    }
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    const char *org = kj_jstr(me, "org_id");
    if (kj_db_exec(db, "INSERT INTO workorders(id, requester_id, org_id, type, title, description, region, center_id, "
                       "state, due_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?, 'new', ?,?,?)",
                   "ssssssssiii", id.s, uid, org, type, title, desc, region, kj_jstr(center, "id"),
                   now + first_response_ms, now, now) < 1 ||
        add_entry(db, id.s, "event", uid, "create", NULL, "new", "", NULL)) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    json_t *wo = json_pack("{s:s, s:s}", "id", id.s, "title", title);
    int n = notify_center(db, kj_jstr(center, "id"), uid, "workorder_new", wo);
    json_decref(wo);
    if (n) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto done; }
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    rc = 0;
    goto done;
out:
    kj_db_rollback(db);
done:
    json_decref(me);
    json_decref(center);
    return rc;
}

/* ---- the actions ---- */

typedef struct {
    kj_db *db;
    json_t *actor;     /* the actor's user row read in the transaction; NULL: the system */
    const char *uid;   /* NULL: the system */
    json_t *wo;
    json_t *in;
    int roles;
    int64_t window_ms;
    const char *next;  /* the state after the action (may be changed by the action) */
    kj_err *e;
} act_ctx;

static const char *in_str(act_ctx *c, const char *k)
{
    const char *s = kj_jstr(c->in, k);
    return s && *s ? s : NULL;
}

static int need_body(act_ctx *c, size_t max)
{
    const char *b = in_str(c, "body");
    if (!b) return kj_err_set(c->e, KJ_E_INVALID, "err.workorder.body_required", "body");
    if (chars(b) > max) return kj_err_set(c->e, KJ_E_INVALID, "err.field.too_long", "body");
    return 0;
}

static int internal(act_ctx *c) { return kj_err_set(c->e, KJ_E_INTERNAL, "err.internal", NULL); }

static int entry(act_ctx *c, const char *kind, const char *action, const char *body, json_t *detail)
{
    return add_entry(c->db, kj_jstr(c->wo, "id"), kind, c->uid, action, NULL, NULL, body, detail) ? internal(c) : 0;
}

/* A staff member of the order's center, or INVALID on field. */
static int check_assignee(act_ctx *c, const char *assignee, const char *field)
{
    json_t *at = kj_center_of_user(c->db, assignee);
    bool ok = at && same(kj_jstr(at, "center_id"), kj_jstr(c->wo, "center_id"));
    json_decref(at);
    return ok ? 0 : kj_err_set(c->e, KJ_E_INVALID, "err.workorder.assignee", field);
}

static int do_accept(act_ctx *c)
{
    const char *assignee = in_str(c, "assignee");
    if (!assignee) assignee = c->uid;
    /* Staff take an order for themselves; the head and administrators
     * hand it to anyone of the center. */
    if (!same(assignee, c->uid) && !(c->roles & (R_HEAD | R_ADMIN)))
        return kj_err_set(c->e, KJ_E_FORBIDDEN, "err.workorder.assign_head", "assignee");
    if (check_assignee(c, assignee, "assignee")) return -1;
    if (kj_db_exec(c->db, "UPDATE workorders SET assignee_id = ?, due_at = NULL WHERE id = ?", "ss", assignee,
                   kj_jstr(c->wo, "id")) < 1)
        return internal(c);
    json_object_set_new(c->wo, "assignee_id", json_string(assignee));
    if (notify_user(c->db, kj_jstr(c->wo, "requester_id"), c->uid, "workorder_accepted", c->wo) ||
        notify_user(c->db, assignee, c->uid, "workorder_assigned", c->wo))
        return internal(c);
    return entry(c, "event", "assign", "", json_pack("{s:s}", "assignee_id", assignee));
}

static int do_reply_like(act_ctx *c, const char *kind, const char *notify_kind)
{
    if (need_body(c, 5000)) return -1;
    if (entry(c, kind, kj_jstr(c->in, "action") ? kj_jstr(c->in, "action") : kind, in_str(c, "body"), NULL)) return -1;
    if (!notify_kind) return 0;
    int rc = (c->roles & R_REQUESTER) ? notify_staff_side(c->db, c->wo, c->uid, notify_kind)
                                      : notify_user(c->db, kj_jstr(c->wo, "requester_id"), c->uid, notify_kind, c->wo);
    return rc ? internal(c) : 0;
}

static int do_reply(act_ctx *c) { return do_reply_like(c, "reply", "workorder_reply"); }
static int do_note(act_ctx *c) { return do_reply_like(c, "note", NULL); }
static int do_ask(act_ctx *c) { return do_reply_like(c, "reply", "workorder_waiting"); }
static int do_answer(act_ctx *c) { return do_reply_like(c, "reply", "workorder_answered"); }
static int do_reopen(act_ctx *c) { return do_reply_like(c, "reply", "workorder_reopened"); }
static int do_start(act_ctx *c) { (void)c; return 0; }

static int do_resolve(act_ctx *c)
{
    const char *b = in_str(c, "body");
    if (b && chars(b) > 5000) return kj_err_set(c->e, KJ_E_INVALID, "err.field.too_long", "body");
    if (b && entry(c, "reply", "resolve", b, NULL)) return -1;
    return notify_user(c->db, kj_jstr(c->wo, "requester_id"), c->uid, "workorder_resolved", c->wo) ? internal(c) : 0;
}

static int do_close(act_ctx *c)
{
    json_t *r = json_object_get(c->in, "rating");
    json_int_t rating = json_is_integer(r) ? json_integer_value(r) : 0;
    if (json_is_string(r)) rating = atoi(json_string_value(r));
    if (rating < 1 || rating > 5) return kj_err_set(c->e, KJ_E_INVALID, "err.workorder.rating", "rating");
    const char *comment = in_str(c, "comment");
    if (comment && chars(comment) > 2000) return kj_err_set(c->e, KJ_E_INVALID, "err.field.too_long", "comment");
    /* rated_at IS NULL: a second rating can never overwrite the first,
     * whatever the state says. */
    if (kj_db_exec(c->db, "UPDATE workorders SET rating = ?, rating_comment = ?, rated_at = ? WHERE id = ? AND rated_at IS NULL",
                   "isis", (int64_t)rating, comment ? comment : "", kj_now_ms(), kj_jstr(c->wo, "id")) < 1)
        return kj_err_set(c->e, KJ_E_CONFLICT, "err.workorder.rated", "rating");
    if (entry(c, "event", "rate", comment ? comment : "", json_pack("{s:I}", "rating", rating))) return -1;
    return notify_staff_side(c->db, c->wo, c->uid, "workorder_rated") ? internal(c) : 0;
}

static int audit(act_ctx *c, const char *action, json_t *detail)
{
    int rc = kj_audit_write(c->db, c->uid, action, "workorder", kj_jstr(c->wo, "id"), in_str(c, "reason") ? in_str(c, "reason") : "",
                            detail);
    return rc ? internal(c) : 0;
}

static int do_reassign(act_ctx *c)
{
    const char *assignee = in_str(c, "assignee");
    if (!assignee) return kj_err_set(c->e, KJ_E_INVALID, "err.field.required", "assignee");
    if (check_assignee(c, assignee, "assignee")) return -1;
    if (same(assignee, kj_jstr(c->wo, "assignee_id"))) return kj_err_set(c->e, KJ_E_CONFLICT, "err.workorder.same_assignee", "assignee");
    json_t *detail = json_pack("{s:s?, s:s}", "from", kj_jstr(c->wo, "assignee_id"), "to", assignee);
    int rc = kj_db_exec(c->db, "UPDATE workorders SET assignee_id = ? WHERE id = ?", "ss", assignee, kj_jstr(c->wo, "id")) < 1
                 ? internal(c) : audit(c, "workorder.reassign", detail);
    if (rc == 0) rc = entry(c, "event", "reassign", "", json_incref(detail));
    json_decref(detail);
    if (rc == 0 && notify_user(c->db, assignee, c->uid, "workorder_assigned", c->wo)) rc = internal(c);
    return rc;
}

/* Moves the order to center `to` (a row from kj_center_get), new and
 * unassigned there with a fresh first-response deadline. */
static int move_to(act_ctx *c, json_t *to, const char *action, const char *notify_kind)
{
    const char *to_id = kj_jstr(to, "id");
    json_t *detail = json_pack("{s:s, s:s, s:s}", "from_center", kj_jstr(c->wo, "center_id"), "to_center", to_id,
                               "to_center_name", kj_jstr(to, "name_zh"));
    int64_t now = kj_now_ms();
    int rc = kj_db_exec(c->db, "UPDATE workorders SET center_id = ?, assignee_id = NULL, due_at = ?, "
                               "escalations = escalations + ? WHERE id = ?", "siis", to_id, now + c->window_ms,
                        (int64_t)!strcmp(action, "escalate"), kj_jstr(c->wo, "id")) < 1
                 ? internal(c) : audit(c, !strcmp(action, "escalate") ? "workorder.escalate" : "workorder.transfer", detail);
    if (rc == 0) rc = entry(c, "event", action, in_str(c, "reason") ? in_str(c, "reason") : "", json_incref(detail));
    json_decref(detail);
    if (rc == 0 && (notify_user(c->db, kj_jstr(c->wo, "requester_id"), c->uid, notify_kind, c->wo) ||
                    notify_center(c->db, to_id, c->uid, "workorder_new", c->wo)))
        rc = internal(c);
    return rc;
}

static int do_transfer(act_ctx *c)
{
    const char *to_id = in_str(c, "center_id");
    if (!to_id) return kj_err_set(c->e, KJ_E_INVALID, "err.field.required", "center_id");
    if (same(to_id, kj_jstr(c->wo, "center_id"))) return kj_err_set(c->e, KJ_E_INVALID, "err.workorder.same_center", "center_id");
    json_t *to = kj_center_get(c->db, to_id);
    if (!to) return kj_err_set(c->e, KJ_E_INVALID, "err.workorder.center_unknown", "center_id");
    int rc = move_to(c, to, "transfer", "workorder_transferred");
    json_decref(to);
    return rc;
}

static int do_escalate(act_ctx *c)
{
    json_t *to = kj_center_get(c->db, kj_jstr(c->wo, "center_parent_id"));
    if (!to) return kj_err_set(c->e, KJ_E_CONFLICT, "err.workorder.no_parent", NULL);
    int rc = move_to(c, to, "escalate", "workorder_escalated");
    json_decref(to);
    return rc;
}

/* 代发布: a draft demand owned by the requester inside the order's
 * organization, recording who prepared it; a member confirms it by
 * submitting it for review. */
static int do_prepare_listing(act_ctx *c)
{
    const char *org = kj_jstr(c->wo, "org_id");
    json_t *owner = kj_user_get(c->db, kj_jstr(c->wo, "requester_id"));
    int rc = 0;
    if (!org || !owner || !same(kj_jstr(owner, "org_id"), org) || !same(kj_jstr(owner, "role"), "org_member")) {
        json_decref(owner);
        return kj_err_set(c->e, KJ_E_CONFLICT, "err.workorder.no_org", NULL);
    }
    json_t *listing = json_object_get(c->in, "listing");
    json_t *errors = json_object();
    char lid[KJ_ID_LEN + 1];
    if (!json_is_object(listing)) rc = kj_err_set(c->e, KJ_E_INVALID, "err.field.required", "listing");
    else if (kj_listing_insert(c->db, owner, "demand", listing, "draft", lid, errors)) {
        if (json_object_get(errors, "form")) rc = internal(c);
        else {
            if (c->e->fields) json_object_update(c->e->fields, errors);
            rc = kj_err_set(c->e, KJ_E_INVALID, "err.workorder.listing_invalid", "listing");
        }
    } else if (kj_listing_mark_prepared(c->db, lid, c->uid, kj_jstr(c->wo, "id"))) rc = internal(c);
    json_decref(errors);
    json_decref(owner);
    if (rc) return rc;
    json_object_set_new(c->in, "listing_id", json_string(lid));
    if (entry(c, "event", "prepare_listing", kj_jstr(listing, "title"), json_pack("{s:s}", "listing_id", lid))) return -1;
    /* The organization's members are told a draft waits for them. */
    json_t *ids = kj_org_member_ids(c->db, org);
    size_t i;
    json_t *m;
    char link[64];
    snprintf(link, sizeof link, "/listings/%s", lid);
    json_array_foreach(ids, i, m)
        if (rc == 0 && kj_notify(c->db, kj_jstr(m, "id"), "workorder_listing_prepared", kj_jstr(listing, "title"), link) < 1)
            rc = internal(c);
    if (!ids) rc = internal(c);
    json_decref(ids);
    return rc;
}

static const struct {
    const char *action;
    int (*fn)(act_ctx *c);
} impl[] = {
    { "accept", do_accept },     { "start", do_start },       { "ask", do_ask },           { "answer", do_answer },
    { "resolve", do_resolve },   { "close", do_close },       { "reopen", do_reopen },     { "reply", do_reply },
    { "note", do_note },         { "reassign", do_reassign }, { "transfer", do_transfer }, { "escalate", do_escalate },
    { "prepare_listing", do_prepare_listing },
};

int kj_workorder_act(kj_db *db, json_t *user, const char *id, const char *action, json_t *in,
                     int64_t first_response_ms, kj_err *e)
{
    size_t k = 0, n = sizeof impl / sizeof *impl;
    while (k < n && (!action || strcmp(impl[k].action, action))) k++;
    if (k == n || !same(action_via(action), "actions")) return kj_err_set(e, KJ_E_INVALID, "err.workorder.action", "action");
    if (!id || !kj_id_valid(id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (user && !kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    /* Everything that decides is read here, inside the write: the order's
     * state and center, and the actor's own center membership. */
    json_t *wo = load(db, id), *actor = user ? kj_user_get(db, kj_user_id(user)) : NULL;
    json_t *args = in ? json_deep_copy(in) : json_object();
    int rc = -1;
    if (!wo) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (user && !actor) { kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL); goto out; }
    int roles = user ? roles_of(actor, wo) : R_SYSTEM;
    const char *state = kj_jstr(wo, "state");
    if (!roles) { refuse_unseen(actor, e); goto out; }
    const transition *t = find(action, state);
    if (!t) {
        if (!strcmp(action, "close") && !strcmp(state, "closed")) kj_err_set(e, KJ_E_CONFLICT, "err.workorder.rated", "action");
        else kj_err_set(e, KJ_E_CONFLICT, "err.workorder.state", "action");
        goto out;
    }
    if (!(t->roles & roles)) {
        kj_err_set(e, KJ_E_FORBIDDEN, !strcmp(action, "close") ? "err.workorder.rate_requester" : "err.workorder.role", "action");
        goto out;
    }
    json_object_set_new(args, "action", json_string(action));
    act_ctx c = { db, actor, kj_user_id(actor), wo, args, t->roles & roles, first_response_ms, t->to, e };
    if (impl[k].fn(&c)) goto out;
    if (strcmp(state, t->to) || strcmp(action, "note")) {
        if (kj_db_exec(db, "UPDATE workorders SET state = ?, updated_at = ? WHERE id = ?", "sis", t->to, kj_now_ms(), id) < 1) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
    }
    if (strcmp(state, t->to) && add_entry(db, id, "event", c.uid, action, state, t->to, "", NULL)) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto done; }
    if (in && kj_jstr(args, "listing_id")) json_object_set(in, "listing_id", json_object_get(args, "listing_id"));
    rc = 0;
    goto done;
out:
    kj_db_rollback(db);
done:
    json_decref(wo);
    json_decref(actor);
    json_decref(args);
    return rc;
}

int kj_workorder_tick(kj_db *db, int64_t first_response_ms)
{
    json_t *due = kj_db_rows(db, "SELECT w.id FROM workorders w JOIN service_centers c ON c.id = w.center_id "
                                 "WHERE w.state = 'new' AND w.due_at IS NOT NULL AND w.due_at <= ? AND c.parent_id IS NOT NULL "
                                 "ORDER BY w.due_at LIMIT 500", "i", kj_now_ms());
    int changed = 0;
    size_t i;
    json_t *row;
    json_array_foreach(due, i, row) {
        kj_err e = { 0 };
        json_t *in = json_pack("{s:s}", "reason", "first_response_late");
        if (kj_workorder_act(db, NULL, kj_jstr(row, "id"), "escalate", in, first_response_ms, &e) == 0) changed++;
        json_decref(in);
    }
    json_decref(due);
    return changed;
}

/* ---- views ---- */

static json_t *actions_for(json_t *wo, int roles)
{
    json_t *out = json_array();
    const char *state = kj_jstr(wo, "state");
    for (size_t i = 0; i < NTRANSITIONS; i++) {
        const transition *t = &transitions[i];
        if (!strcmp(t->from, state) && (t->roles & roles) && !strcmp(t->via, "actions")) {
            /* prepare_listing only where there is an organization to prepare for. */
            if (!strcmp(t->action, "prepare_listing") && !kj_jstr(wo, "org_id")) continue;
            if (!strcmp(t->action, "escalate") && !kj_jstr(wo, "center_parent_id")) continue;
            json_array_append_new(out, json_string(t->action));
        }
    }
    return out;
}

json_t *kj_workorder_view(kj_db *db, json_t *viewer, const char *id, kj_err *e)
{
    json_t *wo = load(db, id);
    int roles = roles_of(viewer, wo);
    if (!wo || !roles) {
        json_decref(wo);
        if (!wo || !viewer) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        else refuse_unseen(viewer, e);
        return NULL;
    }
    bool staff = roles & R_CENTER;
    json_t *entries = kj_db_rows(db, "SELECT e.id, e.kind, e.action, e.from_state, e.to_state, e.body, e.detail AS detail__json, "
                                     "e.created_at, u.name AS actor_name, e.actor_id FROM workorder_entries e "
                                     "LEFT JOIN users u ON u.id = e.actor_id WHERE e.workorder_id = ? "
                                     "AND (? OR e.kind <> 'note') ORDER BY e.created_at, e.id", "sb", id, (int)staff);
    json_t *files = kj_db_rows(db, "SELECT a.id, a.filename, a.mime, a.size, f.internal, a.created_at FROM workorder_files f "
                                   "JOIN attachments a ON a.id = f.attachment_id WHERE f.workorder_id = ? AND (? OR f.internal = 0) "
                                   "ORDER BY a.created_at, a.id", "sb", id, (int)staff);
    json_object_set_new(wo, "entries", entries ? entries : json_array());
    json_object_set_new(wo, "files", files ? files : json_array());
    json_object_set_new(wo, "breached", json_boolean(breached(wo, kj_now_ms())));
    json_object_set_new(wo, "actions", actions_for(wo, roles));
    json_object_set_new(wo, "roles", json_pack("{s:b, s:b, s:b, s:b}", "requester", roles & R_REQUESTER, "staff",
                                               (roles & R_STAFF) != 0, "head", (roles & R_HEAD) != 0, "admin",
                                               (roles & R_ADMIN) != 0));
    json_object_del(wo, "center_parent_id");
    if (!staff) json_object_del(wo, "assignee_id");
    return wo;
}

json_t *kj_workorder_summary(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT w.id, w.state, w.center_id, c.name_zh AS center_name_zh, c.name_en AS center_name_en "
                         "FROM workorders w JOIN service_centers c ON c.id = w.center_id WHERE w.id = ?", "s", id);
}

json_t *kj_workorder_list(kj_db *db, json_t *viewer, const char *scope, const char *state, const char *type)
{
    const char *uid = kj_user_id(viewer);
    if (!uid) return json_array();
    const char *center = kj_jstr(viewer, "center_id");
    bool admin = kj_authz_is_admin(viewer);
    if (!scope || !*scope) scope = (center || admin) ? "queue" : "mine";
    bool queue = !strcmp(scope, "queue");
    if (queue && !center && !admin) return json_array();
    int64_t now = kj_now_ms();
    json_t *rows = kj_db_rows(db,
        "SELECT w.id, w.type, w.title, w.state, w.center_id, c.name_zh AS center_name_zh, c.name_en AS center_name_en, "
        "rq.name AS requester_name, a.name AS assignee_name, w.due_at, w.rating, w.created_at, w.updated_at, "
        "(w.state = 'new' AND w.due_at IS NOT NULL AND w.due_at < ?1) AS breached "
        "FROM workorders w JOIN service_centers c ON c.id = w.center_id JOIN users rq ON rq.id = w.requester_id "
        "LEFT JOIN users a ON a.id = w.assignee_id "
        /* Flags compared to 1 and a CASE of integers: booleans are
         * integers 0/1 in SQLite only (PostgreSQL has its own type). */
        "WHERE CASE WHEN ?2 = 1 THEN (?3 = 1 OR w.center_id = ?4) ELSE w.requester_id = ?5 END "
        "AND (?6 = '' OR w.state = ?6) AND (?7 = '' OR w.type = ?7) "
        "ORDER BY CASE WHEN ?2 = 1 AND w.state = 'new' AND w.due_at IS NOT NULL AND w.due_at < ?1 THEN 1 ELSE 0 END DESC, "
        "CASE WHEN ?2 = 1 THEN w.created_at ELSE -w.updated_at END, w.id LIMIT 500",
        "ibbssss", now, (int)queue, (int)(admin && !center), center ? center : "", uid, state ? state : "",
        type ? type : "");
    if (!rows) return json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set_new(r, "breached", json_boolean(json_integer_value(json_object_get(r, "breached"))));
    return rows;
}

json_t *kj_workorder_desk_counts(kj_db *db, const char *center_id)
{
    json_t *states = json_object();
    for (const char *const *s = kj_workorder_states; *s; s++) json_object_set_new(states, *s, json_integer(0));
    json_t *rows = kj_db_rows(db, "SELECT state, count(*) AS n FROM workorders WHERE center_id = ? GROUP BY state", "s",
                              center_id ? center_id : "");
    size_t i;
    json_t *r;
    json_int_t open = 0;
    json_array_foreach(rows, i, r) {
        json_int_t n = json_integer_value(json_object_get(r, "n"));
        json_object_set_new(states, kj_jstr(r, "state"), json_integer(n));
        if (!same(kj_jstr(r, "state"), "closed")) open += n;
    }
    json_decref(rows);
    int64_t breached_n = kj_db_int(db, 0, "SELECT count(*) FROM workorders WHERE center_id = ? AND state = 'new' "
                                          "AND due_at IS NOT NULL AND due_at < ?", "si", center_id ? center_id : "", kj_now_ms());
    return json_pack("{s:o, s:I, s:I, s:O}", "states", states, "open", open, "breached", (json_int_t)breached_n,
                     "unassigned", json_object_get(states, "new"));
}

json_t *kj_workorder_center_figures(kj_db *db, const char *center_id)
{
    json_t *r = kj_db_row(db, "SELECT COALESCE(sum(CASE WHEN state IN ('resolved', 'closed') THEN 1 ELSE 0 END), 0) AS resolved, "
                              "COALESCE(sum(CASE WHEN state IN ('resolved', 'closed') THEN 0 ELSE 1 END), 0) AS open, "
                              "count(rating) AS rated, avg(rating) AS rating_avg FROM workorders WHERE center_id = ?",
                          "s", center_id ? center_id : "");
    if (!r) return NULL;
    json_t *avg = json_object_get(r, "rating_avg");
    if (json_is_number(avg)) json_object_set_new(r, "rating_avg", json_real((double)(int)(json_number_value(avg) * 10 + 0.5) / 10));
    else json_object_set_new(r, "rating_avg", json_null());
    return r;
}

/* ---- files ---- */

int kj_workorder_attach(kj_db *db, json_t *user, const char *id, const char *data_dir, size_t max_size,
                        const char *filename, const void *data, size_t size, bool internal_file, char *att_out, kj_err *e)
{
    /* A cheap refusal before storing bytes; decided again in the write. */
    kj_err pre = { 0 };
    json_t *v = kj_workorder_view(db, user, id, &pre);
    if (!v) { *e = pre; return -1; }
    json_decref(v);
    char att[KJ_ID_LEN + 1];
    if (kj_attach_store(db, data_dir, max_size, kj_user_id(user), NULL, NULL, filename, data, size, true, att, e)) {
        e->field = "file";
        return -1;
    }
    int rc = -1;
    json_t *wo = NULL, *actor = NULL;
    if (kj_db_begin(db)) { kj_attach_delete(db, data_dir, att); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    wo = load(db, id);
    actor = kj_user_get(db, kj_user_id(user));
    int roles = roles_of(actor, wo);
    const transition *t = wo ? find("attach", kj_jstr(wo, "state")) : NULL;
    if (!wo || !roles) refuse_unseen(actor, e);
    else if (!t) kj_err_set(e, KJ_E_CONFLICT, "err.workorder.state", "file");
    else if (!(t->roles & roles)) kj_err_set(e, KJ_E_FORBIDDEN, "err.workorder.role", "file");
    else if (internal_file && !(roles & R_CENTER)) kj_err_set(e, KJ_E_FORBIDDEN, "err.workorder.role", "internal");
    else if (kj_db_int(db, KJ_WO_MAX_FILES, "SELECT count(*) FROM workorder_files WHERE workorder_id = ?", "s", id) >= KJ_WO_MAX_FILES)
        kj_err_set(e, KJ_E_CONFLICT, "err.workorder.too_many_files", "file");
    else if (kj_db_exec(db, "INSERT INTO workorder_files(workorder_id, attachment_id, internal) VALUES (?,?,?)", "ssb", id, att,
                        (int)internal_file) < 1 ||
             add_entry(db, id, internal_file ? "note" : "event", kj_user_id(user), "attach", NULL, NULL, filename ? filename : "",
                       json_pack("{s:s}", "attachment_id", att)))
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    else if (kj_db_exec(db, "UPDATE workorders SET updated_at = ? WHERE id = ?", "is", kj_now_ms(), id) < 1)
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    else if (kj_db_commit(db)) kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    else rc = 0;
    if (rc) { kj_db_rollback(db); kj_attach_delete(db, data_dir, att); }
    else snprintf(att_out, KJ_ID_LEN + 1, "%s", att);
    json_decref(wo);
    json_decref(actor);
    return rc;
}

json_t *kj_workorder_file(kj_db *db, json_t *user, const char *id, const char *att_id)
{
    kj_err e = { 0 };
    json_t *v = kj_workorder_view(db, user, id, &e);
    json_t *found = NULL;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(v, "files"), i, f)
        if (same(kj_jstr(f, "id"), att_id)) found = kj_attach_get(db, att_id);
    json_decref(v);
    return found;
}
