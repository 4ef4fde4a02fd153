/*
 * popsci.h — popular science (科普): content and its scientific review,
 * corrections, images, the reader's needs profile and reading history,
 * the personal feed with reasons, urgent regional notices, anonymous
 * statistics, Atom feeds, and the ask-an-expert service (questions,
 * answers, expert registrations, volunteer teams).
 *
 * Content (kind article | video | course | notice) is exchanged as jansson
 * objects with the field names of the popsci_content table: title,
 * summary, body (Markdown), topic (a popsci_topics code), audience
 * (rural|urban|youth|elderly|everyone), regions (array of region codes,
 * empty = everywhere), lang, source, video_url (https only) and/or
 * video_id (an uploaded file, media/video.h; set by the web layer), transcript,
 * items (course: array of content ids).
 * Life cycle: submitted → published | rejected(reason); rejected →
 * submitted (resubmission). Reviewers are administrators and operators
 * whose region contains one of the content's regions (any operator for
 * content meant for everywhere); nobody reviews their own content.
 *
 * Privacy: a profile and reading events are only ever read for their own
 * user; statistics are aggregates with every cell of fewer than
 * KJ_POPSCI_K distinct people suppressed.
 *
 * Errors: functions return 0, or -1 with a kj_err (core/err.h: kind
 * FORBIDDEN, NOT_FOUND, CONFLICT, INVALID or INTERNAL). The caller must set
 * e->fields to a JSON object: it receives field → i18n key for every refused
 * input ("form" for refusals of the whole request).
 * Every function may be called from any thread with its own kj_db.
 */
#ifndef KJ_POPSCI_H
#define KJ_POPSCI_H
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KJ_POPSCI_K 5              /* k-anonymity threshold of statistics */
#define KJ_POPSCI_TITLE_MAX 120
#define KJ_POPSCI_SUMMARY_MAX 300
#define KJ_POPSCI_BODY_MAX 50000
#define KJ_POPSCI_FEED_MAX 50

extern const char *const kj_popsci_kinds[];      /* article, video, course (authored; notices by operators) */
extern const char *const kj_popsci_audiences[];  /* rural, urban, youth, elderly, everyone */
extern const char *const kj_popsci_event_kinds[];/* open, finish, like, useful */

/* ---- topics and regions ---- */

/** Loads root/data/popsci_topics.tsv into popsci_topics once per process
 *  (later calls return at once). 0, or -1 when the file is unreadable. */
int kj_popsci_ensure_topics(kj_db *db, const char *root);
/** Topics [{code, name_zh, name_en, months}] in file order. New ref. */
json_t *kj_popsci_topics(kj_db *db);
/** True when code is a known topic / region. */
bool kj_popsci_topic_known(kj_db *db, const char *code);
bool kj_popsci_region_known(kj_db *db, const char *code);
/** "510107" lies under "510100" and "510000" (and itself). */
bool kj_popsci_region_within(const char *outer, const char *inner);
/** The display name of a topic / region in lang ("zh-CN" or "en"), or
 *  NULL. malloc'd, caller frees. */
char *kj_popsci_topic_name(kj_db *db, const char *code, const char *lang);
char *kj_popsci_region_name(kj_db *db, const char *code, const char *lang);

/* ---- content ---- */

/** Creates content by user, submitted for review. Returns 0 and writes the
 *  id (KJ_ID_LEN + 1 bytes), or a status with errors filled. */
int kj_popsci_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e);
/** Links an uploaded image (attachments row attach_id) to content or a
 *  question (exactly one of content_id / question_id). If poster, it
 *  becomes the content's poster. 0 or -1. */
int kj_popsci_image_link(kj_db *db, const char *attach_id, const char *owner_id,
                         const char *content_id, const char *question_id, bool poster);
/** True when the image may be shown to anyone (its content is published,
 *  or it belongs to a question), or viewer (NULL when signed out)
 *  uploaded it, wrote its content or may review it. */
bool kj_popsci_image_visible(kj_db *db, const char *attach_id, json_t *viewer);
/** True when the uploaded video may be shown to anyone (content using it
 *  is published), or viewer uploaded it, wrote its content or may review
 *  it. */
bool kj_popsci_video_visible(kj_db *db, const char *video_id, json_t *viewer);
/** The content as viewer may see it, or NULL (absent, or not published and
 *  viewer is neither author nor reviewer). Adds body_html (sanitized),
 *  regions (array), items (array), images (attachment ids), corrections
 *  [{note, created_at}], can_review, is_author, counts {views, useful},
 *  and for its author and reviewers the revision (kj_popsci_revision).
 *  New ref. */
json_t *kj_popsci_view(kj_db *db, const char *id, json_t *viewer);
/** Approves or rejects (reason required) submitted content, or the
 *  waiting edit of published content; resubmits rejected content
 *  ("submit", its author). Notifies the author. */
int kj_popsci_review(kj_db *db, json_t *user, const char *id, const char *action, const char *reason,
                     kj_err *e);
/** Adds a visible correction note to published content (its author or a
 *  reviewer). */
int kj_popsci_correct(kj_db *db, json_t *user, const char *id, const char *note, kj_err *e);
/** Edits content (its author only; notices cannot be edited): in holds
 *  the fields to change (absent or null ones are kept). A draft
 *  (submitted or rejected) is changed in place and goes to review again.
 *  Published content stays as it is and the edit waits for review
 *  (*pending set): in must then carry a "note" (the correction note
 *  shown once approved). A newer edit replaces a waiting one. Approval
 *  and rejection go through kj_popsci_review (approve | reject with a
 *  reason). */
int kj_popsci_edit(kj_db *db, json_t *user, const char *id, json_t *in, bool *pending, kj_err *e);
/** The waiting or rejected edit of content id {author_id, title, summary,
 *  body, body_html, note, status: submitted|rejected, reject_reason,
 *  created_at}, or NULL. Only for its author and reviewers. New ref. */
json_t *kj_popsci_revision(kj_db *db, const char *id);
/** Published content, newest first, optionally by topic / within region;
 *  summaries only. New ref. */
json_t *kj_popsci_list(kj_db *db, const char *topic, const char *region, int limit, int offset);
/** The same, of one origin (federation): "local" (this instance's),
 *  "remote" (peers'), an instance id, or NULL (all). */
json_t *kj_popsci_list_from(kj_db *db, const char *topic, const char *region, const char *origin, int limit, int offset);
/** Submitted content user may review, oldest first, then published
 *  content with a waiting edit (revision: true). New ref. */
json_t *kj_popsci_review_queue(kj_db *db, json_t *user);
/** The user's own content, every status. New ref. */
json_t *kj_popsci_mine(kj_db *db, json_t *user);

/* ---- urgent notices ---- */

/** An operator's (or admin's) urgent notice for region and audience,
 *  published at once and on top of feeds there for hours. Notifies the
 *  profiles in the region in-app and calls kj_popsci_notice_hook. */
int kj_popsci_notice(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e);
/** Hook for e-mail to subscribers (the mail queue replaces it): called
 *  once per user whose profile region lies in the notice's region. The
 *  default does nothing. Set once at start-up, before serving. */
extern void (*kj_popsci_notice_hook)(kj_db *db, const char *user_id, const char *notice_id);

/* ---- profile and history ---- */

/** The user's profile {topics[], region, crops, audience, updated_at,
 *  learned_topics[{topic, n}], events n} or an empty profile. New ref. */
json_t *kj_popsci_profile(kj_db *db, const char *user_id);
/** Replaces the profile from in {topics[] or "a b", region, crops,
 *  audience}; unknown topics / regions are errors. */
int kj_popsci_profile_set(kj_db *db, const char *user_id, json_t *in, kj_err *e);
/** Deletes the profile and the whole reading history of the user. */
int kj_popsci_profile_delete(kj_db *db, const char *user_id);
/** Records a reading event (open, finish, like, useful) on published
 *  content; repeated events are kept once. */
int kj_popsci_event(kj_db *db, json_t *user, const char *content_id, const char *kind, kj_err *e);

/* ---- the feed ---- */

/** The user's ranked feed at time now_ms: up to limit items, each a
 *  content summary plus score and reason {code: urgent|topic|crop|region|
 *  history|audience|fresh, topic, region} (names in lang). New ref. */
json_t *kj_popsci_feed(kj_db *db, json_t *user, const char *lang, int64_t now_ms, int limit);

/* ---- statistics and syndication ---- */

/** Per topic and reader region: views, completions, useful marks,
 *  people; and questions asked / answered per topic and region. Cells of
 *  fewer than KJ_POPSCI_K distinct people are left out and counted in
 *  "suppressed". New ref {reading: [...], questions: [...], suppressed, k}. */
json_t *kj_popsci_stats(kj_db *db);
/** Appends an Atom 1.0 feed of the newest published content (by topic
 *  and/or within region when set) to out. base_url prefixes links. */
int kj_popsci_atom(kj_db *db, const char *base_url, const char *topic, const char *region, kj_buf *out);

/* ---- questions, answers, experts, teams (questions.c) ---- */

/** A resident's question {title, body, topic, region}; notifies experts
 *  registered for the topic in a region containing the question's, and
 *  users with is_expert in the same province. */
int kj_popsci_ask(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e);
/** Questions, newest first (topic filter optional). New ref. */
json_t *kj_popsci_questions(kj_db *db, const char *topic, int limit);
/** One question with answers (accepted first), photos, can_accept and
 *  can_publish for viewer. NULL when absent. New ref. */
json_t *kj_popsci_question(kj_db *db, const char *id, json_t *viewer);
/** Tells the experts of topic whose regions cover region (and users with
 *  is_expert in its province), never asker, of question qid: in-app
 *  notices (popsci_question). Also for questions arriving from a peer
 *  instance (fed/questions.c). */
void kj_popsci_notify_experts(kj_db *db, const char *qid, const char *asker, const char *topic, const char *region,
                              const char *title);
/** An answer by user; notifies the asker. */
int kj_popsci_answer(kj_db *db, json_t *user, const char *question_id, const char *body, char *id_out,
                     kj_err *e);
/** Marks an answer accepted: the asker, or for them the staff who may
 *  review the question's region (kj_authz_can_review_region); anyone else
 *  FORBIDDEN. */
int kj_popsci_accept(kj_db *db, json_t *user, const char *answer_id, kj_err *e);
/** Turns an answered question into a published article: the staff who
 *  may review the question's region (FORBIDDEN otherwise; NOT_FOUND for
 *  no such question; CONFLICT when not answered or already published). */
int kj_popsci_question_publish(kj_db *db, json_t *user, const char *question_id, char *id_out,
                               kj_err *e);
/** Registers user as a volunteer/expert for topics × regions (replaces
 *  the user's registrations). */
int kj_popsci_expert_set(kj_db *db, const char *user_id, json_t *topics, json_t *regions, kj_err *e);
/** The user's registrations [{topic, region}]. New ref. */
json_t *kj_popsci_expert_get(kj_db *db, const char *user_id);
/** Creates a team {name, intro, regions[]} with its creator as member. */
int kj_popsci_team_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e);
/** Adds a member by e-mail: the team's creator, or the staff who may
 *  review one of its regions (any staff for a team of no region). */
int kj_popsci_team_add(kj_db *db, json_t *user, const char *team_id, const char *email, kj_err *e);
/** A team with members, service areas and what it did (answers given,
 *  accepted answers, content published by members; the ten latest
 *  answers as recent_answers [{question_id, title, accepted, created_at,
 *  author_name}] and published content as recent_content [{id, title,
 *  published_at}]). New ref or NULL. */
json_t *kj_popsci_team(kj_db *db, const char *id);
/** All teams [{id, name, intro, regions (" a b "), members}]. New ref. */
json_t *kj_popsci_teams(kj_db *db);

/* ---- demo data (demo_popsci.c) ---- */

/** Loads root/<file> (a demo profile's popsci.tsv: published, back-dated
 *  content, reviewed by the account reviewer_email) in one transaction.
 *  Demo users must exist. Prints a summary line
 *  to out, problems to stderr. 0, or -1 (nothing loaded). Single-threaded
 *  use: from the demo command only. */
int kj_popsci_demo(kj_db *db, const char *root, const char *file, const char *reviewer_email, FILE *out);

/* ---- lookups and transactions for pages and the API (lookup.c) ---- */

/** The title of content id when it is published, else NULL. Malloc'd. */
char *kj_popsci_published_title(kj_db *db, const char *id);
/** The question answer_id answers, or NULL. Malloc'd. */
char *kj_popsci_answer_question(kj_db *db, const char *answer_id);
/** Runs steps(db, ctx) as one transaction: commits when steps returns 0;
 *  rolls back and returns steps' value when it is not 0. A form that
 *  stores files (images, a video) next to the content it creates uses it,
 *  so that content and files are kept or dropped together. Returns -1 when
 *  the transaction cannot begin (steps not run) or cannot commit (nothing
 *  of it stays); steps must not return -1 itself. */
int kj_popsci_atomic(kj_db *db, int (*steps)(kj_db *db, void *ctx), void *ctx);

/* ---- helpers shared with the web layer ---- */

/** Normalises a list value (JSON array of strings, or one string with
 *  items separated by spaces, commas or newlines) to " a b " form in out. */
void kj_popsci_join_list(json_t *v, kj_buf *out);
/** Splits " a b " into a new JSON array. */
json_t *kj_popsci_split_list(const char *s);
/* ---- site search (search.c) ---- */

typedef struct kj_analyzer kj_analyzer;
/** Published 科普 content and questions matching q (the analyzer's query
 *  words; at least half of them in each hit), best first: {items: [{kind:
 *  "popsci" | "question", id, title, summary, topic, content_kind |
 *  status}], total}. At most limit items. New reference, never NULL. */
json_t *kj_popsci_search(kj_db *db, kj_analyzer *a, const char *q, int limit);

/* ---- the public expert directory (experts.c) ---- */

/** Shows (show = true) or hides user_id in the public expert directory;
 *  showing needs answering topics (INVALID "public" otherwise). */
int kj_popsci_expert_set_public(kj_db *db, const char *user_id, bool show, kj_err *e);
/** Whether user_id chose to be listed. */
bool kj_popsci_expert_is_public(kj_db *db, const char *user_id);
/** Listed experts (optionally answering topic): id, name, title, org_name,
 *  topics [codes], regions [codes], by name. New reference, never NULL. */
json_t *kj_popsci_expert_directory(kj_db *db, const char *topic, int limit, int offset);
/** Demo: lists every demo expert who answers questions. 0 or -1. */
int kj_popsci_demo_experts_public(kj_db *db);

#endif
