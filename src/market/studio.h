/*
 * studio.h — science and technology studios (科创工作室).
 *
 * Owns: the studios and studio_members tables — opening a studio, its
 * public profile (name, introduction, research directions, skills,
 * affiliation, region, avatar), membership by e-mail invitation (owner
 * invites, the invitee accepts once signed in with that address), removal,
 * the public studio list, and the public showcase of a studio's or an
 * organization's published, non-anonymous listings.
 *
 * Rules: only scientists open studios or belong to them; the creator is
 * the owner; only owners edit, invite, remove and change the avatar.
 * Invitations never reveal whether an address has an account: inviting
 * always succeeds, accepting checks the role.
 *
 * Functions take a borrowed connection and the acting user (a users row as
 * from kj_session_user, or NULL). Failures return -1 with a kj_err
 * (core/err.h): its kind (FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE,
 * INVALID, INTERNAL; the numbers below are the statuses the web layer
 * answers for them) and, when the caller set e->fields, field → i18n key
 * pairs ("form" for failures that belong to no field).
 * Thread-safe as far as the kj_db is (one thread per connection).
 */
#ifndef KJ_STUDIO_H
#define KJ_STUDIO_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KJ_STUDIO_NAME_MIN 2
#define KJ_STUDIO_NAME_MAX 60
#define KJ_STUDIO_INTRO_MAX 2000
#define KJ_STUDIO_AFFILIATION_MAX 100
#define KJ_STUDIO_LIST_MAX 20       /* items in directions / skills */
#define KJ_STUDIO_ITEM_MAX 100      /* characters per item */

/* A studio's editable content. On create, NULL means empty. On update,
 * NULL leaves a field unchanged and "" clears it (name cannot be
 * cleared). directions and skills are a string with one item per line or
 * a JSON array of strings (borrowed). region is a code of the regions
 * table ("" = none). */
typedef struct {
    const char *name, *intro, *affiliation, *region;
    json_t *directions, *skills;
} kj_studio_input;

/** Checks and normalises a list given as text (one item per line) or a
 *  JSON array of strings: items trimmed, empty ones and repeats dropped.
 *  Returns a new array, or NULL with e (when given) INVALID
 *  "err.field.invalid", "err.studio.list_too_long" or
 *  "err.studio.item_too_long" (field NULL: the caller names it). */
json_t *kj_studio_parse_list(json_t *v, kj_err *e);

/** True when user is a scientist (the only role that has studios). */
bool kj_studio_user_may_join(json_t *user);

/** Opens a studio owned by user. 0 with the id in id_out (KJ_ID_LEN + 1
 *  bytes), or 403 (not a scientist) / 422 (errors filled) / 500. */
int kj_studio_create(kj_db *db, json_t *user, const kj_studio_input *in, char *id_out, kj_err *e);
/** Edits a studio (owners only). 0, or 403 / 404 / 422 / 500. */
int kj_studio_update(kj_db *db, json_t *user, const char *id, const kj_studio_input *in, kj_err *e);

/** The public profile: the studio row with directions and skills as
 *  arrays, avatar_url (or absent), and members [{user_id, name, title,
 *  role}] (active only, owners first; no e-mail addresses). NULL when
 *  there is no such studio. New ref. */
json_t *kj_studio_get(kj_db *db, const char *id);
/** "owner", "member", "invited" (an open invitation to user's address),
 *  or NULL: user's relation to the studio. Static string. */
const char *kj_studio_relation(kj_db *db, const char *studio_id, json_t *user);
/** Every membership row for the owners' management page: [{email,
 *  user_id, name, role, status}], owners first. New ref. */
json_t *kj_studio_roster(kj_db *db, const char *studio_id);
/** A page of studios, newest first, optionally in region (a province or
 *  city code includes everything under it) and of origin (federation:
 *  local|remote|<instance id>, core/origin.h; NULL: all). Items: {id, origin, name,
 *  intro_excerpt, affiliation, region, avatar_url?, members, created_at}.
 *  *total is the count without paging. New ref (NULL on db error). */
json_t *kj_studio_list(kj_db *db, const char *region, const char *origin, int page, int per_page, int64_t *total);
/** The studios user belongs to and the invitations waiting for user's
 *  address: {studios: [{id, name, role}], invitations: [{id, name,
 *  invited_at}]}. New ref. */
json_t *kj_studio_mine(kj_db *db, json_t *user);

/** Invites email as a member (owners only). 0, or 403 / 404 / 409
 *  (already invited or a member) / 422 (bad address) / 500. */
int kj_studio_invite(kj_db *db, json_t *user, const char *studio_id, const char *email, kj_err *e);
/** Removes a member or withdraws an invitation by address (owners only;
 *  owners cannot be removed). 0, or 403 / 404 / 409 / 500. */
int kj_studio_remove(kj_db *db, json_t *user, const char *studio_id, const char *email, kj_err *e);
/** user accepts the invitation sent to their address. 0, or 403 (not a
 *  scientist, or the address is not verified yet: err.email.unverified) /
 *  404 (no such studio or no invitation) / 500. Accepting
 *  again once active is 0. */
int kj_studio_join(kj_db *db, json_t *user, const char *studio_id, kj_err *e);

/** Replaces the avatar (owners only) with an uploaded image: stored by
 *  kj_attach_store under <data_dir>/files (images only, max_size bytes,
 *  metadata stripped); the previous avatar is deleted. 0, or 403 / 404 /
 *  413 / 422 (errors["avatar"]) / 500. */
int kj_studio_set_avatar(kj_db *db, json_t *user, const char *studio_id, const char *data_dir, size_t max_size,
                         const char *filename, const void *data, size_t size, kj_err *e);

/** Published, non-anonymous listings of a studio / an organization,
 *  newest first: [{id, kind, title, summary, domain, region,
 *  published_at}]. Anonymous listings are never included (that would
 *  name their owner). New ref (empty array on error). */
json_t *kj_studio_listings(kj_db *db, const char *studio_id);
json_t *kj_org_listings(kj_db *db, const char *org_id);
/** The studios members of org_id work in (active membership), by name:
 *  [{id, name, region}] (new ref; an empty array on error). Names no
 *  member: which of them works there is the member's to show. */
json_t *kj_org_studios(kj_db *db, const char *org_id);
#endif
