/*
 * instance.h — who this installation is (issue 17 §1): its identity and
 * its profile. "An instance is configured, not forked": a province deploys
 * the same binary and names itself here.
 *
 * Two parts:
 *  - The accessor (stable signatures, used by federation and the pages):
 *    kj_instance_self_id, kj_instance_name, kj_instance_short_name,
 *    kj_instance_url, kj_instance_home_region, kj_instance_get,
 *    kj_instance_describe. They read the process's current profile, a
 *    snapshot copied under a mutex (any thread, any time after
 *    kj_instance_load; before it they answer the empty profile).
 *  - The profile's storage: the settings file gives each field's default
 *    (core/config.h: site_name, site_name_en, short_name, home_region,
 *    default_language, languages, colours, footer, public_url ...);
 *    an administrator's edits (/admin/instance, PUT /api/v1/admin/instance)
 *    are rows of instance_settings (migration 035) that win over the file,
 *    audited as "instance.profile.update". Every save republishes the
 *    snapshot after its commit; kj_instance_refresh (the jobs thread, each
 *    minute) picks up edits another process made to the same database.
 *
 * Identity: the id is the database's meta row 'instance_id' (a ULID made on
 * first use, store/store.h; the same value as account.h's
 * kj_instance_id(db)); it never changes for a database, survives backup
 * and restore, and a new deployment that imports an export has its own.
 */
#ifndef KJ_INSTANCE_H
#define KJ_INSTANCE_H
#include "core/config.h"
#include "core/err.h"
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define KJ_INSTANCE_MAX_LANGS 8

/** One language's names of the instance. */
typedef struct {
    char lang[16];          /* catalog tag: "zh-CN", "en", "bo" ... */
    char name[128];         /* 青科云（演示） */
    char short_name[64];    /* 青科云 */
} kj_instance_names;

/** The whole profile, a plain value (copy it freely). Empty strings mean
 *  "not set". */
typedef struct kj_instance_profile {
    char id[32];                 /* ULID (see above) */
    char url[256];               /* public URL (public_url), no trailing '/' */
    char home_region[32];        /* region code this instance serves ("" = all) */
    char default_lang[16];       /* catalog tag pages fall back to */
    char languages[160];         /* offered catalog tags, comma-separated, in menu order */
    kj_instance_names names[KJ_INSTANCE_MAX_LANGS];
    int nnames;
    char logo[64], logo_mime[32];        /* stored file names under DATA/files ("" = none) */
    char favicon[64], favicon_mime[32];
    char color_primary[8];       /* "#rrggbb" ("" = the stylesheet's) */
    char color_accent[8];
    char footer_host[256];       /* 主办单位 */
    char footer_contact[256];    /* contact shown in the footer */
    char icp_record[64];         /* ICP 备案号 */
    char police_record[96];      /* 公安备案号 */
    char operator_contact[256];  /* the platform operator's contact (privacy questions) */
    char terms_version[32];      /* 用户协议 in force (account/privacy.h) */
    char privacy_version[32];    /* 隐私政策 in force */
    int64_t updated_at;          /* last administrator edit (ms), 0 = none */
} kj_instance_profile;

/* ---- the accessor ---- */

/** This instance's id (26-character ULID), "" before kj_instance_load.
 *  The pointer stays valid and its text unchanged for the process's life
 *  once loaded (the id never changes). */
const char *kj_instance_self_id(void);
/** The instance's name in lang (exact tag, then its primary subtag, then
 *  the default language's, then zh-CN's, then any), copied into out
 *  (always NUL-terminated). Returns out. */
const char *kj_instance_name(const char *lang, char *out, size_t n);
/** The short name likewise (falling back to the name when unset). */
const char *kj_instance_short_name(const char *lang, char *out, size_t n);
/** The public URL ("" when not configured). Returns out. */
const char *kj_instance_url(char *out, size_t n);
/** The home region's code ("" = the whole tree). Returns out. */
const char *kj_instance_home_region(char *out, size_t n);
/** A copy of the whole profile. */
void kj_instance_get(kj_instance_profile *out);
/** The public description: {id, name: {lang: name}, short_name: {lang:
 *  name}, url, home_region, default_language, languages: [tags],
 *  footer: {host, contact, icp_record, police_record}, operator_contact,
 *  logo_url, favicon_url, colors: {primary, accent}}. New reference. */
json_t *kj_instance_describe(void);

/* ---- loading and editing ---- */

/** Builds the profile from cfg's defaults and the database's rows and
 *  publishes it (start-up: before any thread reads it; again later from
 *  any thread). 0, or -1 when the rows could not be read (the defaults are
 *  then published). */
int kj_instance_load(kj_db *db, const kj_config *cfg);
/** Re-reads the rows when they changed since the last load (another
 *  process edited them); cheap when nothing changed. */
void kj_instance_refresh(kj_db *db);

/** The editable fields, as data: key, kind, the longest value in
 *  characters, and the i18n key of its label. Per-language names are the
 *  keys "name.<tag>" and "short_name.<tag>" (not in the table). */
typedef enum { KJ_IF_TEXT, KJ_IF_COLOR, KJ_IF_LANG, KJ_IF_LANGS, KJ_IF_REGION, KJ_IF_VERSION } kj_instance_field_kind;
typedef struct {
    const char *key;
    kj_instance_field_kind kind;
    int max_chars;
    const char *label_key;
} kj_instance_field;
extern const kj_instance_field kj_instance_fields[];   /* ends with key NULL */

/* The writes below take the acting user (NULL: the command line or the
 * demo loader) and refuse (KJ_E_FORBIDDEN) one that authz does not let
 * configure the instance (kj_authz_may_configure_instance). */

/** Whether key (a field's or "name.<tag>"...) is fixed by the settings
 *  file, the environment or a flag: then the deployment's value applies,
 *  an administrator's row is ignored and may not be written. */
bool kj_instance_locked(const char *key);
/** The demo loader's names and region (key → string): rows written only
 *  where none exists and the key is not locked, audited as the command
 *  line ("instance.profile.seed"). 0 or -1. */
int kj_instance_seed(kj_db *db, json_t *values);

/** The current value of a field of the table in p ("" for an unknown key). */
const char *kj_instance_field_value(const kj_instance_profile *p, const char *key);

/** Saves an administrator's edits in one transaction with its audit
 *  record: changes is an object of key → string (a field's key or
 *  "name.<tag>"/"short_name.<tag>"; "" clears the row, the file's value
 *  applies again). known_langs (NULL-terminated) are the catalogs
 *  installed: languages and names must be among them; a region must exist
 *  (ref/regions.h). Every value is checked before anything is written:
 *  KJ_E_INVALID naming the first bad key (e->fields collects all when the
 *  caller set it). Publishes the new profile after the commit. 0 or -1. */
int kj_instance_save(kj_db *db, json_t *actor, json_t *changes, const char *const *known_langs, kj_err *e);

/** Stores an uploaded image as the logo or the favicon (which: "logo" or
 *  "favicon"): type detected from the content (png, jpeg, webp), metadata
 *  stripped, at most max_size bytes, written under DATA/files, recorded and
 *  audited like kj_instance_save. 0 or -1 (INVALID/TOO_LARGE "file"). */
int kj_instance_set_image(kj_db *db, const char *data_dir, json_t *actor, const char *which,
                          const void *data, size_t size, size_t max_size, kj_err *e);

/** The 用户协议/隐私政策 text an administrator published for doc ("terms"
 *  or "privacy") in lang at the version in force, malloc'd, or NULL when
 *  none was (the files of account/privacy.h apply then). */
char *kj_instance_policy_text(kj_db *db, const char *doc, const char *lang);
/** Publishes a new version of doc: body (Markdown, ≤ 200,000 bytes) in
 *  lang, version (1-32 of [A-Za-z0-9._-]); the version in force becomes it
 *  (every user is asked to accept it at their next request). Audited as
 *  "instance.policy.publish". 0 or -1. */
int kj_instance_policy_publish(kj_db *db, json_t *actor, const char *doc, const char *lang,
                               const char *version, const char *body, kj_err *e);
#endif
