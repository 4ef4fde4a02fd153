/*
 * route.h — review routing between service centers, with escalation
 * (issue 14 §2).
 *
 * A listing, 揭榜 entry or 科普 item waiting for review goes to the lowest
 * service center whose region covers the item's region (center/center.h
 * kj_center_covering). When nobody has acted within escalate_days working
 * days (core/workdays.h: Monday to Friday in the instance's time zone, less
 * the public holidays and plus the 调休 weekends of the calendar) it
 * escalates to that center's parent, then the grandparent after as many
 * more, up to the province center. The lower centers keep seeing it. A 科普
 * item naming several regions goes to each region's center.
 *
 * Who sees what is computed from the clock at read time (kj_review_*_queue):
 * a queue is right to the minute even when the escalation job has not run.
 * The job (kj_review_escalate, from `kejiyun serve`'s periodic jobs every
 * minute, and POST /__test/tick in tests) only *tells*: it records each
 * step once (table review_escalations, migration 031) and notifies the
 * submitter (in-app, and e-mail per their "review" preference) and the
 * staff of the center the item reached. Telling cannot wait for someone to
 * open a queue: the point is that nobody did.
 *
 * Acting (approve, reject) stays with authz/authz.h: an operator may act on
 * anything in their jurisdiction (their center's region subtree), routed
 * to them or not; routing decides whose queue shows it and by when.
 *
 * Queues: administrators see everything; center staff the items routed to
 * their center or escalated to it; an operator in no center (a
 * jurisdiction given before centers existed) what the domain's own queue
 * gives them, and so does everyone for an item no center covers (科普 for
 * everywhere, a region without a center). Each item gains: submitter_id, submitter_name, submitted_at,
 * center_id, center_name_zh/en (where it is now), origin_center_id,
 * origin_name_zh/en (where it started), level (0 = not escalated),
 * escalated, due_at (when it escalates further or, at the top, is overdue;
 * 0 when escalation is off), left_ms (working milliseconds left; negative
 * when overdue), overdue.
 *
 * No HTTP; callers pass the user row and the policy.
 */
#ifndef KJ_REVIEW_ROUTE_H
#define KJ_REVIEW_ROUTE_H
#include <jansson.h>
#include <stdint.h>
#include "store/store.h"

typedef struct kj_review_policy {
    long escalate_days;   /* working days per step; <= 0: never escalate */
    int64_t now;          /* kj_now_ms() */
    const struct kj_workcal *holidays;  /* core/workdays.h; NULL: Monday to Friday */
} kj_review_policy;

/** The listing queue for user, routed: {items, counts} as kj_review_queue
 *  (market/market.h) answers it, counts taken after routing. New ref. */
json_t *kj_review_listing_queue(kj_db *db, json_t *user, const kj_review_policy *p);
/** 揭榜 entries waiting for review, routed (challenge/challenge.h). */
json_t *kj_review_challenge_queue(kj_db *db, json_t *user, const kj_review_policy *p);
/** 科普 items and edits waiting for review, routed (popsci/popsci.h). */
json_t *kj_review_popsci_queue(kj_db *db, json_t *user, const kj_review_policy *p);
/** Everything user should review, all kinds in one list ordered by due
 *  time (soonest first), each with "kind" (listing | challenge | popsci),
 *  "title" and "link". For the desk. New ref. */
json_t *kj_review_due(kj_db *db, json_t *user, const kj_review_policy *p);

/** Records every escalation step due by p->now that was not yet recorded
 *  and tells the submitter and the new center's staff, each step in its
 *  own transaction. Returns the number of steps recorded, or -1 when a
 *  write failed (the others stand; the failed one is retried next run). */
int kj_review_escalate(kj_db *db, const kj_review_policy *p);
#endif
