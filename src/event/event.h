/*
 * event.h — events (科创会, 技术对接会, roadshows; issue 19): events with
 * sections (板块) and sessions, registration (capacity, questions,
 * approval or automatic), tickets and check-in, the participants'
 * showcased listings and suggestions of whom to meet (search/match.c),
 * one-to-one meetings placed on the event's meeting grid
 * (event/scheduler.h), meeting outcomes that can start a deal
 * (deal/deal.h, source "event": the meeting), and the organizer's report.
 * Participants are told of every step that concerns them in-app and by
 * e-mail (mail category "event"), in the language they registered in.
 *
 * Owns the tables of migration 038 and three life-cycle tables
 * (core/lifecycle.h), published by GET /api/v1/events/lifecycle:
 *   events         draft → published → cancelled
 *   registrations  pending → approved | declined; pending, approved →
 *                  cancelled; approved → checked_in (the ticket scanned);
 *                  pending, approved, checked_in → cancelled (system: the
 *                  event cancelled)
 *   meetings       requested → accepted | declined | cancelled;
 *                  accepted → scheduled (the system, when a slot free for
 *                  both exists) | cancelled; scheduled → held (an outcome
 *                  recorded) | cancelled; held → held (outcomes, deal)
 *
 * Roles (bits of a row's roles, computed per object and actor):
 *   organizer   staff (any center role) of the event's organizer center,
 *               and administrators (authz: kj_authz_may_manage_event)
 *   participant the registration's own user (registrations)
 *   requester / invitee  the two sides of a meeting
 *   system      steps the module takes itself (scheduling; cancelling a
 *               withdrawn participant's meetings)
 * Staff of another center are refused with err.event.other_center; a
 * draft event does not exist for anyone but its organizers (404).
 *
 * Times are milliseconds (core/clock.h). Inputs name local times of the
 * event's zone as "YYYY-MM-DDTHH:MM" (what a datetime-local field sends);
 * the zone is an IANA name (core/tz.h).
 *
 * Every change runs its checks inside its write transaction (state,
 * capacity, uniqueness, slot occupancy): no check-then-act. Errors: 0 /
 * new reference on success; -1 / NULL with *e (core/err.h). No HTTP or
 * SQLite types; no global mutable state.
 */
#ifndef KJ_EVENT_H
#define KJ_EVENT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

extern const char *const kj_event_states[];          /* NULL-terminated, life-cycle order */
extern const char *const kj_event_reg_states[];
extern const char *const kj_event_meeting_states[];
extern const char *const kj_event_outcomes[];         /* no_interest, follow_up, intention */
extern const char *const kj_event_session_kinds[];    /* talk, roadshow, matchmaking */

/** The message catalog for the participants' e-mails (lang, key → text;
 *  web/i18n's kj_i18n_get): set once by the application at start-up,
 *  before any thread (the domain sees no web module). NULL (unit tests)
 *  writes the keys themselves. */
extern const char *(*kj_event_text_hook)(const char *lang, const char *key);

/** The three tables as {events, registrations, meetings}, each
 *  {states[], transitions[{action, from, to, roles[], via}]}. New ref. */
json_t *kj_event_lifecycle(void);
/** True when (action, state) is a row of the named table ("events",
 *  "registrations", "meetings"). */
bool kj_event_allowed(const char *table, const char *action, const char *state);

/** Parses "YYYY-MM-DDTHH:MM" as a local time of zone into ms. -1 when
 *  malformed. */
int64_t kj_event_parse_local(const char *text, const char *zone);

/* ---- events ---- */

/** Creates a draft event as user (an organizer of center_id). in:
 *  center_id, name_zh (1–120), name_en (0–120), summary_zh/en (0–5000),
 *  venue (0–200), online (bool), online_url, region (a region code, may
 *  be empty), time_zone (IANA), starts_at / ends_at (local text), capacity
 *  (0 = unlimited), approval ("auto" | "manual"), questions [{id, label_zh,
 *  label_en, required}], meeting grid: meeting_start (local text),
 *  slot_minutes (5–120), slots (0–48), tables (0–200); sections [{name_zh,
 *  name_en, sessions [{kind, title_zh, title_en, room, speakers,
 *  description, starts_at, ends_at}]}]. Field errors go to e->fields when
 *  the caller set it. Writes the id. */
int kj_event_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e);
/** An event-level action: publish, open_registration, close_registration,
 *  cancel (organizers), audited (event.<action>, reason). Cancelling (not
 *  after the event ended: CONFLICT err.event.over) cancels the active
 *  registrations and open meetings in the same transaction, as the
 *  system's rows of those tables, and tells every such participant in-app
 *  and by e-mail with reason (0–500 characters; may be NULL). */
int kj_event_act(kj_db *db, json_t *user, const char *id, const char *action, const char *reason, kj_err *e);
/** The event as viewer sees it: its fields, sections [{id, name_zh,
 *  name_en, sessions[]}], sessions without section in "sessions", the
 *  grid slots [{slot, starts_at, ends_at}], counts {registered, capacity,
 *  checked_in, meetings}, is_organizer, my_registration (the viewer's, or
 *  absent), actions[] (event actions the viewer may take), results[]
 *  (deals of meetings whose both sides agreed to publish). NULL with
 *  NOT_FOUND (no such event, or a draft the viewer does not organize). */
json_t *kj_event_view(kj_db *db, json_t *viewer, const char *id, kj_err *e);
/** Events viewer may see, soonest first: when "upcoming" (not ended at
 *  now), "past" (ended, newest first), NULL/"" all; published ones, plus
 *  the drafts of the viewer's own center. Rows: id, name_zh, name_en,
 *  venue, online, starts_at, ends_at, time_zone, state, reg_open,
 *  registered. New ref. */
json_t *kj_event_list(kj_db *db, json_t *viewer, const char *when, int limit);
/** kj_event_list narrowed to region (NULL/"": no narrowing): events held
 *  in region's subtree (ref/regions.h), plus online events that name no
 *  region (anyone anywhere can attend those). New ref. */
json_t *kj_event_list_in(kj_db *db, json_t *viewer, const char *when, const char *region, int limit);
/** Adds a session to event id (organizers). in: section_id (optional, one
 *  of the event's), kind, title_zh, title_en, room, speakers, description,
 *  starts_at, ends_at (local text, within the event). Writes the id. */
int kj_event_session_add(kj_db *db, json_t *user, const char *id, json_t *in, char *id_out, kj_err *e);
/** Changes event id (organizers; not once cancelled: CONFLICT
 *  err.event.cancelled). in holds only the fields to change, as for
 *  kj_event_create (but center_id and sections). Refusals: field errors
 *  as at creation, err.event.sessions_outside (new times leave a session
 *  out); CONFLICT err.event.capacity_below (capacity under the
 *  registrations taken), err.event.grid_in_use (placed meetings: the grid's
 *  start and slot length stay, slots and tables cover them). Audited
 *  (event.update, the fields changed); a published event's participants
 *  are told (event_changed, in-app and by e-mail). */
int kj_event_update(kj_db *db, json_t *user, const char *id, json_t *in, kj_err *e);
/** Deletes a draft event with everything under it (audited event.delete,
 *  *state_out "deleted"); a published one is cancelled instead
 *  (kj_event_act "cancel" with reason; *state_out "cancelled"). */
int kj_event_delete(kj_db *db, json_t *user, const char *id, const char *reason, const char **state_out, kj_err *e);
/** Changes a session (fields as kj_event_session_add, only those given).
 *  Refused (CONFLICT) when roadshow projects placed in it would fall
 *  outside it or it stops being a roadshow (err.event.session_has_roadshow),
 *  or when meetings placed in a matchmaking session would be left outside
 *  every matchmaking session (err.event.session_has_meetings): the
 *  organizer moves them first. NOT_FOUND err.event.session_unknown.
 *  Audited; participants of a published event told. */
int kj_event_session_update(kj_db *db, json_t *user, const char *id, const char *session_id, json_t *in, kj_err *e);
/** Deletes a session, with the same refusals (nothing is dropped silently). */
int kj_event_session_delete(kj_db *db, json_t *user, const char *id, const char *session_id, kj_err *e);
/** Sections (板块): add (name_zh 1–100, name_en 0–100; at most 20),
 *  rename, delete (refused while it has sessions: CONFLICT
 *  err.event.section_has_sessions). NOT_FOUND err.event.section_unknown.
 *  Audited; participants of a published event told. */
int kj_event_section_add(kj_db *db, json_t *user, const char *id, json_t *in, char *id_out, kj_err *e);
int kj_event_section_update(kj_db *db, json_t *user, const char *id, const char *section_id, json_t *in, kj_err *e);
int kj_event_section_delete(kj_db *db, json_t *user, const char *id, const char *section_id, kj_err *e);
/** The Atom feed of published events (newest change first, 50), links
 *  under base_url. 0 or -1 (store failure). */
int kj_event_atom(kj_db *db, const char *base_url, kj_buf *out);
/** May user manage the event (a row with center_id)? */
bool kj_event_is_organizer(json_t *user, json_t *event);

/* ---- registrations ---- */

/** Registers user for event id. in: org_name (0–100), country (ISO 3166
 *  alpha-2, required), answers {question id: text}, sections [section
 *  ids], lang (the registrant's language tag, set by the caller from the
 *  request: their e-mails are written in it; default zh-CN). Refusals:
 *  CONFLICT err.event.reg_closed, err.event.full
 *  (capacity), err.event.registered (twice); INVALID err.event.country,
 *  err.event.answer_required (field answers.<id>), err.event.section.
 *  Automatic approval issues the ticket at once. Writes the id. */
int kj_event_register(kj_db *db, json_t *user, const char *event_id, json_t *in, char *id_out, kj_err *e);
/** approve, decline, cancel on registration reg_id (table above). A
 *  cancelled participant's open meetings are cancelled (system) and the
 *  grid rescheduled. */
int kj_event_reg_act(kj_db *db, json_t *user, const char *reg_id, const char *action, kj_err *e);
/** Registrations of an event (organizers): [{id, user_id, name, email,
 *  org_name, country, state, checked_in_at, created_at, answers}]. NULL
 *  with FORBIDDEN / NOT_FOUND. */
json_t *kj_event_registrations(kj_db *db, json_t *user, const char *event_id, kj_err *e);
/** user's registration for event_id with its ticket code, or NULL. */
json_t *kj_event_my_registration(kj_db *db, json_t *user, const char *event_id);
/** Checks in the ticket code at event_id (organizers). Writes the
 *  registration {id, name, org_name, country} to *who (new ref).
 *  Refusals: NOT_FOUND err.event.ticket_unknown (field code); CONFLICT
 *  err.event.ticket_other_event, err.event.checked_in_twice,
 *  err.event.ticket_not_valid (pending, declined, cancelled). */
int kj_event_checkin(kj_db *db, json_t *user, const char *event_id, const char *code, json_t **who, kj_err *e);
/** Sets the listings user shows at the event (their own, published; at
 *  most 10). Registered participants only. */
int kj_event_showcase_set(kj_db *db, json_t *user, const char *event_id, json_t *listing_ids, kj_err *e);
/** The other participants (approved or checked in) with what they show:
 *  [{user_id, name, org_name, country, listings [{id, title, kind,
 *  domain}]}]. For registered participants and organizers; NULL with
 *  FORBIDDEN err.event.not_registered otherwise. */
json_t *kj_event_participants(kj_db *db, json_t *user, const char *event_id, kj_err *e);
/** Whom user might meet: matches (search/match.c) between user's listings
 *  (those shown at the event, else their 20 newest published ones) and
 *  the listings of other participants, best first, one per person (their
 *  best match): [{user_id, name, org_name,
 *  country, listing_id, listing_title, kind, my_listing_id,
 *  my_listing_title, score, reasons}] (reasons as kj_match_list gives
 *  them). Empty when user is not a participant. */
json_t *kj_event_suggestions(kj_db *db, json_t *user, const char *event_id, int limit);

/* ---- meetings ---- */

/** user asks invitee for a meeting at event_id. in: invitee_id, listing_id
 *  (optional: a published listing of either side), message (0–500), slot
 *  (optional preferred slot). Refusals: FORBIDDEN err.event.not_registered
 *  (the requester); INVALID err.event.meeting_self,
 *  err.event.meeting_outside (the invitee is not a participant),
 *  err.event.meeting_listing, err.event.slot_range; CONFLICT
 *  err.event.meeting_exists (an open one between them),
 *  err.event.slot_taken (either side already meets someone then),
 *  err.event.no_grid (the event has no meeting slots). Writes the id. */
int kj_event_meeting_request(kj_db *db, json_t *user, const char *event_id, json_t *in, char *id_out, kj_err *e);
/** An action on a meeting: accept, decline, cancel (table above); record
 *  (in: outcome, note) by a side that attended (checked in): CONFLICT
 *  err.event.outcome_not_attended otherwise, FORBIDDEN
 *  err.event.not_party for anyone else; start_deal (a side, once both
 *  recorded "intention", the meeting about a listing: a deal whose source
 *  is the meeting, the listing's offerer providing, written with the
 *  meeting's deal id in one transaction; the deal id goes to deal_out
 *  when not NULL). Accepting places the meeting
 *  when a slot is free for both; cancelling frees its slot, which the
 *  grid gives to a waiting meeting. */
int kj_event_meeting_act(kj_db *db, json_t *user, const char *meeting_id, const char *action, json_t *in, char *deal_out,
                         kj_err *e);
/** Meetings of event_id user sees: a participant their own, organizers
 *  all (scope "all"). Rows: id, state, requester_id, requester_name,
 *  invitee_id, invitee_name, listing_id, listing_title, message, slot,
 *  table_no, starts_at, ends_at, deal_id, my_outcome, other_outcome,
 *  actions[] (the viewer's). New ref, or NULL with e. */
json_t *kj_event_meetings(kj_db *db, json_t *user, const char *event_id, const char *scope, kj_err *e);
/** One meeting (as kj_event_meetings' rows) if user is a side or an
 *  organizer, else NULL with NOT_FOUND. */
json_t *kj_event_meeting_get(kj_db *db, json_t *user, const char *meeting_id, kj_err *e);

/** user's agenda at event_id: {event (as kj_event_list rows), registration,
 *  sessions [all sessions], meetings [user's scheduled or held meetings:
 *  id, starts_at, ends_at, table_no, other_name, other_org, listing_title],
 *  waiting [accepted, not placed yet]}. FORBIDDEN err.event.not_registered
 *  when user has no active registration. */
json_t *kj_event_agenda(kj_db *db, json_t *user, const char *event_id, kj_err *e);

/* ---- after the event ---- */

/** The organizer's report: {registrations {state: n}, registered,
 *  attended, meetings_requested, meetings_accepted, meetings_held,
 *  intentions, deals_started, deals_signed, by_section [{id, name_zh,
 *  name_en, registrations (chose it when registering), attended (checked-in
 *  participants who held a meeting in one of its matchmaking sessions or
 *  presented in one of its roadshow sessions), meetings_held (held
 *  meetings whose slot starts in one of its matchmaking sessions)}], by_domain [{domain, meetings, held,
 *  intentions, deals}], by_country [{country, registrations}]}. FORBIDDEN
 *  for non-organizers. */
json_t *kj_event_report(kj_db *db, json_t *user, const char *event_id, kj_err *e);
/** Sets whether user agrees to publish their results of event_id. */
int kj_event_publish_results(kj_db *db, json_t *user, const char *event_id, bool publish, kj_err *e);

/* ---- projects and roadshow ---- */

/** Submits a project to event_id (a registered participant or an
 *  organizer): in source_kind ("listing" | "challenge" | "new"),
 *  source_id (a listing or 揭榜 entry of the submitter's; required unless
 *  new), title and summary (new ones; otherwise taken from the source).
 *  Writes the id. */
int kj_event_project_submit(kj_db *db, json_t *user, const char *event_id, json_t *in, char *id_out, kj_err *e);
/** Organizers: sets the reviewers (expert user ids) and rubric [{name,
 *  weight, max}] (the 揭榜 review's rubric rules). */
int kj_event_review_setup(kj_db *db, json_t *user, const char *event_id, json_t *reviewers, json_t *rubric, kj_err *e);
/** A reviewer scores a project once (scores per criterion). A reviewer
 *  in a conflict of interest (the submitter, or of the same organization
 *  or studio: challenge/challenge.h's rule) is refused
 *  (FORBIDDEN err.event.review_conflict). */
int kj_event_review_score(kj_db *db, json_t *user, const char *project_id, json_t *scores, const char *comment, kj_err *e);
/** Organizers place a project in the roadshow: in session_id, position,
 *  slot_start / slot_end (local text); or reject it (action "reject"). */
int kj_event_project_place(kj_db *db, json_t *user, const char *project_id, json_t *in, kj_err *e);
/** Projects of an event: the roadshow line-up (selected, by session and
 *  position) for everyone; every project with scores and totals for
 *  organizers and reviewers. New ref or NULL with e. */
json_t *kj_event_projects(kj_db *db, json_t *user, const char *event_id, kj_err *e);
/** Reminders (remind.c), run by the job leader's tick: each active
 *  participant (approved or checked in) of a published event is reminded
 *  once when it starts within before_event_ms (kind event_reminder), and
 *  both sides of a scheduled meeting once when its slot starts within
 *  before_meeting_ms (event_meeting_reminder): in-app and by e-mail
 *  (category "event") in the registration's language. Each reminder is
 *  claimed in event_reminders in the transaction that enqueues it, so it
 *  goes out exactly once across ticks, restarts and nodes. Returns the
 *  number sent, or -1 when one could not be (retried next tick). */
int kj_event_remind_tick(kj_db *db, int64_t before_event_ms, int64_t before_meeting_ms);
/* A day before an event: 24 h, the same notice whatever hour it starts
 * at in its zone (a fixed 09:00 the day before would give an event at
 * 08:00 a day's notice but one at 20:00 a day and a half), and half an
 * hour before a meeting: time to walk to its table. */
#define KJ_EVENT_REMIND_EVENT_MS (24LL * 3600 * 1000)
#define KJ_EVENT_REMIND_MEETING_MS (30LL * 60 * 1000)

#endif
