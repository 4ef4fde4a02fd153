/*
 * challenge.h — 揭榜挂帅 (two-way challenge lists): lists, entries,
 * applications (揭榜), expert review, selection, publicity (公示) with
 * objections, task agreement with milestones, acceptance and evaluation.
 *
 * Owns the tables of migration 008 and the one life-cycle table
 * (state × action × role → next state) in challenge.c, which every
 * operation below consults before it changes anything; GET
 * /api/v1/challenges/lifecycle publishes it.
 *
 * Entry states: submitted → published | rejected(reason); rejected →
 * submitted; published → reviewing (after the application deadline);
 * reviewing → publicity (winners selected, once every assigned reviewer
 * has scored) | no_award (流标, reason); publicity → agreement (objection
 * period over, objections answered); agreement → executing (agreement
 * with milestones recorded); executing → completed (graded).
 *
 * Roles an operation may be done in (bits of the table's "roles"):
 * issuer (the entry's creator, or a member of the organization it was
 * issued for), staff (administrators; operators of the entry's region),
 * applicant (the author of the application concerned), reviewer
 * (assigned, not recused), winner (author of a selected application),
 * user (anyone signed in), system (the periodic job, kj_challenge_tick).
 *
 * Confidentiality: applications and scores are seen only by their
 * applicant, the issuer, staff and the assigned reviewers; a reviewer
 * sees other reviewers' scores of an application only after scoring it.
 * Public pages show entries from publication on and a timeline of
 * public events (who, when, why) without confidential content.
 *
 * Notifications: every step notifies the people concerned in-app
 * (notifications table, kind notify.<kind>) and, through
 * kj_challenge_mail_hook, by e-mail (category "challenge"); the automatic
 * steps of kj_challenge_tick notify like the people's steps do.
 *
 * Errors: functions return 0, or -1 (NULL) and fill a kj_err (core/err.h:
 * kind, i18n key, and the field concerned or NULL).
 * Thread-safety: everything works on the kj_db given (one thread per
 * connection); no global mutable state.
 */
#ifndef KJ_CHALLENGE_H
#define KJ_CHALLENGE_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>


/** The life-cycle table as a new JSON array of {action, from, to, roles[],
 *  via} — via is "actions" for POST /challenges/{id}/actions, otherwise the
 *  sub-resource that performs it. */
json_t *kj_challenge_transitions(void);

/** True when the (action, state) pair is in the table. */
bool kj_challenge_allowed(const char *action, const char *state);

/** Converts "YYYY-MM-DD" to the ms at which that day ends in China
 *  (UTC+8); -1 when the date is invalid. Pure. */
int64_t kj_challenge_day_end_ms(const char *date);

/** A rubric checked: 1..10 criteria {name (1..60 characters), weight
 *  1..100, max 1..100}; a clean copy (new ref) or NULL when it breaks
 *  these rules. Pure. */
json_t *kj_challenge_rubric_check(json_t *v);
/** Weighted total (0..100) of scores against rubric [{name, weight, max}];
 *  -1 when a score is missing, not a number, or outside [0, max]. Pure. */
double kj_challenge_weighted(json_t *rubric, json_t *scores);

/** Called with every challenge notification (user, kind, entry title,
 *  link); a no-op until the app's start-up routes it to the e-mail queue
 *  (kj_mail_challenge). Set once at start-up, before threads start. */
extern void (*kj_challenge_mail_hook)(kj_db *db, const char *user_id, const char *kind, const char *subject,
                                      const char *link);

/** The periodic job: closes applications of published entries whose
 *  deadline has passed, and ends publicity periods that are over with
 *  every objection answered (both as the "system" role of the table,
 *  recorded on the timeline, notifying issuer, applicants, reviewers or
 *  winners as the step concerns them). Returns the number of entries
 *  changed. */
int kj_challenge_tick(kj_db *db);

/* ---- lists ---- */

/** Creates a list (staff only): in has title, description, period_start,
 *  period_end (dates). Writes the id (27 bytes). */
int kj_challenge_list_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e);
/** Entries waiting for review (status submitted) that user, as staff,
 *  may approve (admins: all; operators: their region), oldest first:
 *  [{id, title, list_id, list_title, org_name, direction, created_at}].
 *  Empty for others. New ref. */
json_t *kj_challenge_review_queue(kj_db *db, json_t *user);
/** Every list, newest first, with entry counts. New ref. */
/** Challenge lists still open at now_ms, for the home page: those with an
 *  entry taking applications (published, deadline ahead) first, soonest
 *  deadline first, then those whose period has not ended on day today
 *  (UTC+8 date, "YYYY-MM-DD"); at most limit. Each: {id, title,
 *  period_start, period_end, open_entries, next_deadline (date of the
 *  soonest open entry's deadline, or absent), next_deadline_ms}. One
 *  statement. New ref. */
json_t *kj_challenge_lists_open(kj_db *db, int64_t now_ms, const char *today, int limit);
json_t *kj_challenge_lists(kj_db *db);
/** A list with its entries as viewer may see them (published ones and
 *  later for the public; the viewer's own and, for staff, all), each with
 *  its winners once selected. New ref or NULL (404). */
json_t *kj_challenge_list_view(kj_db *db, const char *id, json_t *viewer);

/* ---- entries ---- */

/** Submits an entry to list_id for review. in: direction, title, domain,
 *  problem, difficulties, indicators [{name,target,unit,verification}],
 *  deliverables, bounty (万元 string), payment_terms, task_period,
 *  eligibility, ip_terms, deadline (date), contact, org_id (staff issuing
 *  on behalf of an organization). */
int kj_challenge_create(kj_db *db, json_t *user, const char *list_id, json_t *in, char *id_out, kj_err *e);
/** Edits an entry's content (issuer, while submitted or rejected): the
 *  fields of kj_challenge_create except direction and org_id. */
int kj_challenge_update(kj_db *db, json_t *user, const char *id, json_t *in, kj_err *e);
/** The entry as viewer may see it (new ref) or NULL with e (404): public
 *  fields, winners, public timeline, and the viewer's rights
 *  (is_issuer, is_staff, is_reviewer, can_apply, my_application_id,
 *  actions[] the viewer may take now). */
json_t *kj_challenge_view(kj_db *db, const char *id, json_t *viewer, kj_err *e);
/** An entry-level action from the table (approve, reject, resubmit,
 *  close_applications, select, no_award, end_publicity, sign, evaluate).
 *  in carries: reason; winners (array of application ids); publicity_days;
 *  agreement {parties, amount, milestones: [{title, due, criteria}]};
 *  grade (excellent|good|pass|fail). */
int kj_challenge_act(kj_db *db, json_t *user, const char *id, const char *action, json_t *in, kj_err *e);

/* ---- applications ---- */

/** Applies before the deadline (server clock). in: team, approach,
 *  indicator_plan, schedule, budget (万元), studio_id (optional). */
int kj_application_submit(kj_db *db, json_t *user, const char *challenge_id, json_t *in, char *id_out, kj_err *e);
/** Edits one's application before the deadline. */
int kj_application_update(kj_db *db, json_t *user, const char *app_id, json_t *in, kj_err *e);
/** True when user may edit application app_id now (the applicant, entry
 *  published, before the deadline, application not withdrawn). */
bool kj_application_editable(kj_db *db, json_t *user, const char *app_id);
/** Withdraws one's application. */
int kj_application_withdraw(kj_db *db, json_t *user, const char *app_id, kj_err *e);
/** Applications of an entry user may see (all for issuer/staff/reviewers,
 *  one's own otherwise). New ref, or NULL with e. */
json_t *kj_applications(kj_db *db, json_t *user, const char *challenge_id, kj_err *e);
/** One application, if user may see it. New ref or NULL with e (404). */
json_t *kj_application_get(kj_db *db, json_t *user, const char *app_id, kj_err *e);

/* ---- application attachments ---- */

/** Most files one application may carry. */
#define KJ_CH_MAX_FILES 10

/** Attaches a file to one's application, under the rule of editing it
 *  (see kj_application_editable). The bytes go through market/attach.c:
 *  type from the content (libmagic), image metadata removed, stored under
 *  <data_dir>/files (outside the web root), always confidential. Writes
 *  the attachment id (KJ_ID_LEN + 1 bytes). Refusals (kinds): NOT_FOUND,
 *  FORBIDDEN, CONFLICT (deadline, withdrawn, too many files), TOO_LARGE,
 *  INVALID (type, empty, corrupt). */
int kj_application_attach(kj_db *db, json_t *user, const char *app_id, const char *data_dir, size_t max_size,
                          const char *filename, const void *data, size_t size, char *att_out, kj_err *e);
/** Removes a file from one's application (same rule as attaching). */
int kj_application_detach(kj_db *db, json_t *user, const char *app_id, const char *att_id, const char *data_dir,
                          kj_err *e);
/** The files of an application, oldest first: [{id, filename, mime,
 *  size, created_at, url (the download path)}]. No access check (callers
 *  hold the application). */
json_t *kj_application_files(kj_db *db, const char *app_id);
/** File att_id of an application of entry challenge_id, when user may see
 *  that application (applicant, issuer, staff, assigned reviewers):
 *  {id, application_id, filename, mime, size, sha256}. New ref, or NULL
 *  (the caller answers 404 whatever the reason). */
json_t *kj_challenge_file(kj_db *db, json_t *user, const char *challenge_id, const char *att_id);

/* ---- review ---- */

/** Assigns reviewers (user ids of experts) and the rubric
 *  [{name, weight (1..100), max (1..100)}] (issuer or staff). */
int kj_review_setup(kj_db *db, json_t *user, const char *challenge_id, json_t *reviewers, json_t *rubric, kj_err *e);
/** True when reviewer_id may not judge application app (a row as from
 *  kj_applications): the applicant, or of the same organization or studio. */
bool kj_challenge_reviewer_excluded(kj_db *db, const char *reviewer_id, json_t *app);
/** A reviewer's conflict-of-interest declaration; conflict recuses them. */
int kj_review_declare(kj_db *db, json_t *user, const char *challenge_id, bool conflict, const char *note, kj_err *e);
/** A reviewer scores an application once (scores: array per criterion). */
int kj_review_score(kj_db *db, json_t *user, const char *app_id, json_t *scores, const char *comment, kj_err *e);
/** The review state as user may see it: {rubric, reviewers, complete,
 *  scores[] (filtered by the visibility rule), ranking[] (issuer/staff,
 *  once complete)}. New ref or NULL with e. */
json_t *kj_review_state(kj_db *db, json_t *user, const char *challenge_id, kj_err *e);

/* ---- publicity, milestones ---- */

/** Files an objection during publicity (any signed-in user). */
int kj_objection_file(kj_db *db, json_t *user, const char *challenge_id, const char *body, char *id_out, kj_err *e);
/** Staff answer an objection. */
int kj_objection_answer(kj_db *db, json_t *user, const char *objection_id, const char *answer, kj_err *e);
/** Objections of an entry (public: bodies and answers, no filer names). New ref. */
json_t *kj_objections(kj_db *db, const char *challenge_id);
/** The winner reports a milestone (report, evidence). */
int kj_milestone_report(kj_db *db, json_t *user, const char *milestone_id, const char *report, const char *evidence, kj_err *e);
/** The issuer accepts or returns (with reason) a reported milestone. */
int kj_milestone_decide(kj_db *db, json_t *user, const char *milestone_id, bool accept, const char *reason, kj_err *e);
/** Milestones of an entry, in order. New ref. */
json_t *kj_milestones(kj_db *db, const char *challenge_id);

/* ---- lookups for pages and the API (lookup.c) ---- */

/** The parts of an entry that have their own ids in a path
 *  (/challenges/{id}/applications/{sub}...). */
typedef enum { KJ_CH_APPLICATION, KJ_CH_OBJECTION, KJ_CH_MILESTONE } kj_ch_part;
/** True when sub_id is a well-formed id of a part of that kind belonging
 *  to entry challenge_id: a path may not reach another entry's part. */
bool kj_challenge_part_of(kj_db *db, kj_ch_part part, const char *sub_id, const char *challenge_id);
/** True once any reviewer has scored an application of challenge_id (the
 *  reviewer set-up is closed then). */
bool kj_challenge_scoring_started(kj_db *db, const char *challenge_id);
/** The experts that may be assigned as reviewers [{id, name}] by name.
 *  New ref, NULL on a failed read. */
json_t *kj_challenge_expert_pool(kj_db *db);
#endif
