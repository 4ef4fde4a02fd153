/*
 * center.h — the service-center network (issue 14 §2): 天府科技云服务中心
 * of a province, city, county, and township stations, each covering the
 * subtree of its region, each with staff (科服保姆) under a head.
 *
 * Owns tables service_centers and center_staff (migration 023).
 *
 * Rules:
 *  - One center per region; a center's parent covers a strictly larger
 *    region (its region is an ancestor of the child's), so climbing parents
 *    always widens the jurisdiction (escalation follows parent_id).
 *  - Staff are operator accounts (role "operator", made by an
 *    administrator) working at one center at most. Administrators create
 *    centers and appoint heads and staff anywhere; a center's head adds and
 *    removes staff (not heads) of that center only.
 *  - An operator's jurisdiction is their center's region: appointment
 *    writes users.jurisdiction (logged in jurisdiction_log, as before) and
 *    removal clears it, in the same transaction. Nobody else writes it, so
 *    authz/authz.h's kj_authz_can_review_region keeps answering from the
 *    user row, and that answer is "the center's region subtree".
 *  - Every change is written to the audit log (audit/audit.h) in the same
 *    transaction.
 *
 * Region coverage is answered by the regions' parent chain (the regions
 * table), never by code prefixes, so divisions an instance adds with
 * codes of its own work the same.
 *
 * Functions that change something run their checks inside their write
 * transaction on rows read there, return 0 or -1 with *e (core/err.h).
 * Lookups return a new reference or NULL. No HTTP, no SQLite types.
 */
#ifndef KJ_CENTER_H
#define KJ_CENTER_H
#include <jansson.h>
#include <stdbool.h>
#include "core/err.h"
#include "store/store.h"

/** "province", "city", "county", "township"; NULL-terminated, in order. */
extern const char *const kj_center_levels[];
/** "head", "staff"; NULL-terminated. */
extern const char *const kj_center_roles[];

/** One center: id, name_zh, name_en, level, region, region_name_zh,
 *  region_name_en, parent_id, parent_name_zh, address, phone, hours, intro,
 *  created_at, updated_at, staff_count. NULL when unknown. */
json_t *kj_center_get(kj_db *db, const char *id);

/** The lowest center whose region covers region (region itself, else its
 *  parent, ...), as kj_center_get returns it; NULL when none does. */
json_t *kj_center_covering(kj_db *db, const char *region);

/** The chain from center id upward: [center, parent, grandparent, ...]
 *  (each as a short object: id, name_zh, name_en, level, region). Empty
 *  array when unknown. */
json_t *kj_center_chain(kj_db *db, const char *id);

/** Centers, ordered by level then region. region (NULL/"" = any): centers
 *  whose region lies in that region's subtree (region itself included);
 *  level (NULL/"" = any) one of kj_center_levels. */
json_t *kj_center_list(kj_db *db, const char *region, const char *level);

/** A center's staff: user_id, name, email, phone, role, added_at, head
 *  first. Empty array when none. */
json_t *kj_center_staff(kj_db *db, const char *center_id);

/** The centers whose parent is id (the next level down), ordered by
 *  region, each as kj_center_list returns them. Empty array when none. */
json_t *kj_center_children(kj_db *db, const char *id);

/** Organizations in region's subtree (the center's "enterprises it
 *  serves"), most recently active first: id, name, type, region,
 *  verified_at, listings (published), last_activity (their newest listing
 *  change, or 0). At most limit. New ref. */
json_t *kj_center_orgs(kj_db *db, const char *region, int limit);

/** The enabled account that email_or_id names (an e-mail address, any
 *  case, or a user id): a new string the caller frees, or NULL. */
char *kj_center_find_user(kj_db *db, const char *email_or_id);

/** The center a user works at, {center_id, role, name_zh, name_en, level,
 *  region}, or NULL. */
json_t *kj_center_of_user(kj_db *db, const char *user_id);

/** Creates a center. actor_id NULL = the system (demo loader, command
 *  line); otherwise the actor must be an administrator (FORBIDDEN). c
 *  holds name_zh (required), name_en, level, region, parent_id (required
 *  unless level is "province"), address, phone, hours, intro. INVALID with
 *  the field for a bad level/region/parent (the parent must cover the
 *  region strictly); CONFLICT when the region has a center. Writes the new
 *  id (27 bytes). */
int kj_center_create(kj_db *db, const char *actor_id, json_t *c, char *id_out, kj_err *e);

/** Updates the contact fields (name_zh, name_en, address, phone, hours,
 *  intro) present in c. Administrators and the center's head. */
int kj_center_update(kj_db *db, const char *actor_id, const char *center_id, json_t *c, kj_err *e);

/** Appoints user_id to center_id as role ("head" | "staff"). Admins any;
 *  the center's head only "staff" of their own center (FORBIDDEN). The
 *  user must be an operator account (INVALID "err.center.not_operator")
 *  working at no other center (CONFLICT "err.center.elsewhere"); a center
 *  has one head (appointing a new head makes the old one staff). Sets the
 *  user's jurisdiction to the center's region. reason is audited. */
int kj_center_appoint(kj_db *db, const char *actor_id, const char *center_id, const char *user_id,
                      const char *role, const char *reason, kj_err *e);

/** Removes user_id from their center (admins; the head for staff of their
 *  own center; never the head by the head). Clears the jurisdiction. */
int kj_center_remove_staff(kj_db *db, const char *actor_id, const char *user_id, const char *reason, kj_err *e);
#endif
