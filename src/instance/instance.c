/*
 * instance.c — the instance profile: defaults from the settings, an
 * administrator's rows over them, one published snapshot (see instance.h).
 *
 * Threading: `current` is written only under `lock` (load, save, refresh)
 * and copied out under it; `self_id` is written once, by the first load,
 * before any thread reads it (start-up), and never changes afterwards (a
 * later load of another database — unit tests — only rewrites it with the
 * same rule: no reader exists then).
 */
#include "instance/instance.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/log.h"
#include "core/validate.h"
#include "market/attach.h"
#include "media/files.h"
#include "ref/regions.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static kj_instance_profile current;      /* under lock */
static kj_instance_profile defaults;     /* under lock: the settings' part */
static int64_t loaded_stamp = -1;        /* under lock: max(updated_at) of the rows loaded */
static char self_id[32];                 /* written before readers exist (see above) */

/* Which settings each profile key comes from. A key whose setting the
 * file, the environment or a flag gave is locked: the deployment fixed it,
 * and an administrator's row neither applies nor may be written. */
static const struct { const char *key, *setting; } sources[] = {
    { "name.zh-CN", "site_name" }, { "name.en", "site_name_en" }, { "short_name.zh-CN", "short_name" },
    { "short_name.en", "short_name_en" }, { "home_region", "home_region" }, { "default_language", "default_language" },
    { "languages", "languages" }, { "color_primary", "color_primary" }, { "color_accent", "color_accent" },
    { "footer_host", "footer_host" }, { "footer_contact", "footer_contact" }, { "icp_record", "icp_record" },
    { "police_record", "police_record" }, { "operator_contact", "operator_contact" },
    { "terms_version", "terms_version" }, { "privacy_version", "privacy_version" },
};
#define NSOURCES (sizeof sources / sizeof *sources)
static bool locked[NSOURCES];            /* under lock */

static bool is_locked(const char *key)   /* caller holds lock */
{
    for (size_t i = 0; i < NSOURCES; i++) if (!strcmp(sources[i].key, key)) return locked[i];
    return false;
}

const kj_instance_field kj_instance_fields[] = {
    { "home_region", KJ_IF_REGION, 32, "instance.f.home_region" },
    { "default_language", KJ_IF_LANG, 16, "instance.f.default_language" },
    { "languages", KJ_IF_LANGS, 160, "instance.f.languages" },
    { "color_primary", KJ_IF_COLOR, 7, "instance.f.color_primary" },
    { "color_accent", KJ_IF_COLOR, 7, "instance.f.color_accent" },
    { "footer_host", KJ_IF_TEXT, 80, "instance.f.footer_host" },
    { "footer_contact", KJ_IF_TEXT, 80, "instance.f.footer_contact" },
    { "icp_record", KJ_IF_TEXT, 40, "instance.f.icp_record" },
    { "police_record", KJ_IF_TEXT, 40, "instance.f.police_record" },
    { "operator_contact", KJ_IF_TEXT, 80, "instance.f.operator_contact" },
    { "terms_version", KJ_IF_VERSION, 32, "instance.f.terms_version" },
    { "privacy_version", KJ_IF_VERSION, 32, "instance.f.privacy_version" },
    { NULL, KJ_IF_TEXT, 0, NULL },
};

static void copy(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

/* The profile's field for key, or NULL (names are separate). */
static char *field_ptr(kj_instance_profile *p, const char *key, size_t *n)
{
#define F(k, m) if (!strcmp(key, k)) { *n = sizeof p->m; return p->m; }
    F("home_region", home_region) F("default_language", default_lang) F("languages", languages)
    F("color_primary", color_primary) F("color_accent", color_accent) F("footer_host", footer_host)
    F("footer_contact", footer_contact) F("icp_record", icp_record) F("police_record", police_record)
    F("operator_contact", operator_contact) F("terms_version", terms_version)
    F("privacy_version", privacy_version) F("logo", logo) F("logo_mime", logo_mime) F("favicon", favicon)
    F("favicon_mime", favicon_mime)
#undef F
    return NULL;
}

static kj_instance_names *names_for(kj_instance_profile *p, const char *lang, bool create)
{
    for (int i = 0; i < p->nnames; i++)
        if (!strcmp(p->names[i].lang, lang)) return &p->names[i];
    if (!create || p->nnames >= KJ_INSTANCE_MAX_LANGS) return NULL;
    kj_instance_names *n = &p->names[p->nnames++];
    memset(n, 0, sizeof *n);
    copy(n->lang, sizeof n->lang, lang);
    return n;
}

/* Applies one stored row to p. Unknown keys (a newer version's) are kept in
 * the table and ignored here. */
static void apply(kj_instance_profile *p, const char *key, const char *value)
{
    size_t n;
    char *f = field_ptr(p, key, &n);
    if (f) { copy(f, n, value); return; }
    if (!strncmp(key, "name.", 5) && key[5]) {
        kj_instance_names *nm = names_for(p, key + 5, true);
        if (nm) copy(nm->name, sizeof nm->name, value);
    } else if (!strncmp(key, "short_name.", 11) && key[11]) {
        kj_instance_names *nm = names_for(p, key + 11, true);
        if (nm) copy(nm->short_name, sizeof nm->short_name, value);
    }
}

static void from_config(kj_instance_profile *p, const kj_config *cfg)
{
    memset(p, 0, sizeof *p);
    copy(p->url, sizeof p->url, cfg->public_url);
    size_t ul = strlen(p->url);
    while (ul && p->url[ul - 1] == '/') p->url[--ul] = 0;
    copy(p->home_region, sizeof p->home_region, cfg->home_region);
    copy(p->default_lang, sizeof p->default_lang, *cfg->default_language ? cfg->default_language : "zh-CN");
    copy(p->languages, sizeof p->languages, *cfg->languages ? cfg->languages : "zh-CN,en");
    kj_instance_names *zh = names_for(p, "zh-CN", true);
    copy(zh->name, sizeof zh->name, cfg->site_name);
    copy(zh->short_name, sizeof zh->short_name, cfg->short_name);
    if (*cfg->site_name_en || *cfg->short_name_en) {
        kj_instance_names *en = names_for(p, "en", true);
        copy(en->name, sizeof en->name, cfg->site_name_en);
        copy(en->short_name, sizeof en->short_name, cfg->short_name_en);
    }
    copy(p->color_primary, sizeof p->color_primary, cfg->color_primary);
    copy(p->color_accent, sizeof p->color_accent, cfg->color_accent);
    copy(p->footer_host, sizeof p->footer_host, cfg->footer_host);
    copy(p->footer_contact, sizeof p->footer_contact, cfg->footer_contact);
    copy(p->icp_record, sizeof p->icp_record, cfg->icp_record);
    copy(p->police_record, sizeof p->police_record, cfg->police_record);
    copy(p->operator_contact, sizeof p->operator_contact, cfg->operator_contact);
    copy(p->terms_version, sizeof p->terms_version, cfg->terms_version);
    copy(p->privacy_version, sizeof p->privacy_version, cfg->privacy_version);
}

/* Builds defaults + rows into out; -1 when the rows could not be read.
 * Rows of locked keys are skipped (caller holds no lock: reads `locked`
 * under it). */
static int build(kj_db *db, const kj_instance_profile *dflt, kj_instance_profile *out, int64_t *stamp)
{
    bool lk[NSOURCES];
    pthread_mutex_lock(&lock);
    memcpy(lk, locked, sizeof lk);
    pthread_mutex_unlock(&lock);
    *out = *dflt;
    json_t *rows = kj_db_rows(db, "SELECT key, value, updated_at FROM instance_settings ORDER BY key", "");
    if (!rows) return -1;
    size_t i;
    json_t *r;
    int64_t max = 0;
    json_array_foreach(rows, i, r) {
        const char *key = kj_jstr_or_empty(r, "key");
        bool skip = false;
        for (size_t k = 0; k < NSOURCES; k++) if (lk[k] && !strcmp(sources[k].key, key)) skip = true;
        if (!skip) apply(out, key, kj_jstr_or_empty(r, "value"));
        int64_t t = json_integer_value(json_object_get(r, "updated_at"));
        if (t > max) max = t;
    }
    json_decref(rows);
    out->updated_at = max;
    *stamp = max + (int64_t)i;   /* a cleared row changes the count */
    return 0;
}

int kj_instance_load(kj_db *db, const kj_config *cfg)
{
    kj_instance_profile d, p;
    from_config(&d, cfg);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < NSOURCES; i++) locked[i] = kj_config_explicit(cfg, sources[i].setting);
    pthread_mutex_unlock(&lock);
    const char *id = kj_store_instance_id(db);
    copy(self_id, sizeof self_id, id);
    copy(d.id, sizeof d.id, id);
    int64_t stamp = -1;
    int rc = build(db, &d, &p, &stamp);
    if (rc) { p = d; kj_log_error("instance: the profile's rows could not be read; the settings file's values apply"); }
    pthread_mutex_lock(&lock);
    defaults = d;
    current = p;
    loaded_stamp = stamp;
    pthread_mutex_unlock(&lock);
    return rc;
}

/* Rebuilds from the rows when they changed (force: whatever the stamp
 * says — after a save, whose rows may share a millisecond with the last). */
static void reload(kj_db *db, bool force)
{
    int64_t stamp = kj_db_int(db, -1, "SELECT COALESCE(MAX(updated_at), 0) + COUNT(*) FROM instance_settings", "");
    pthread_mutex_lock(&lock);
    bool same = !force && (stamp == loaded_stamp || stamp < 0);
    kj_instance_profile d = defaults;
    pthread_mutex_unlock(&lock);
    if (same) return;
    kj_instance_profile p;
    if (build(db, &d, &p, &stamp)) return;
    pthread_mutex_lock(&lock);
    current = p;
    loaded_stamp = stamp;
    pthread_mutex_unlock(&lock);
}

void kj_instance_refresh(kj_db *db) { reload(db, false); }

/* ---- the accessor ---- */

const char *kj_instance_self_id(void) { return self_id; }

void kj_instance_get(kj_instance_profile *out)
{
    pthread_mutex_lock(&lock);
    *out = current;
    pthread_mutex_unlock(&lock);
}

/* The names of p for lang by the fallback order of instance.h. */
static const kj_instance_names *pick(const kj_instance_profile *p, const char *lang, bool want_short)
{
    const char *order[4] = { lang, NULL, p->default_lang, "zh-CN" };
    char primary[16] = "";
    if (lang) {
        size_t k = strcspn(lang, "-_");
        if (k < sizeof primary && lang[k]) { memcpy(primary, lang, k); primary[k] = 0; order[1] = primary; }
    }
    for (int o = 0; o < 4; o++) {
        if (!order[o] || !*order[o]) continue;
        for (int i = 0; i < p->nnames; i++) {
            const kj_instance_names *n = &p->names[i];
            bool match = !strcmp(n->lang, order[o]) ||
                         (o == 1 && !strncmp(n->lang, order[o], strlen(order[o])) && n->lang[strlen(order[o])] == '-');
            if (match && (want_short ? *n->short_name || *n->name : *n->name)) return n;
        }
    }
    for (int i = 0; i < p->nnames; i++) if (*p->names[i].name) return &p->names[i];
    return NULL;
}

const char *kj_instance_name(const char *lang, char *out, size_t n)
{
    pthread_mutex_lock(&lock);
    const kj_instance_names *nm = pick(&current, lang, false);
    copy(out, n, nm ? nm->name : "");
    pthread_mutex_unlock(&lock);
    return out;
}

const char *kj_instance_short_name(const char *lang, char *out, size_t n)
{
    pthread_mutex_lock(&lock);
    const kj_instance_names *nm = pick(&current, lang, true);
    copy(out, n, nm ? (*nm->short_name ? nm->short_name : nm->name) : "");
    pthread_mutex_unlock(&lock);
    return out;
}

const char *kj_instance_url(char *out, size_t n)
{
    pthread_mutex_lock(&lock);
    copy(out, n, current.url);
    pthread_mutex_unlock(&lock);
    return out;
}

const char *kj_instance_home_region(char *out, size_t n)
{
    pthread_mutex_lock(&lock);
    copy(out, n, current.home_region);
    pthread_mutex_unlock(&lock);
    return out;
}

json_t *kj_instance_describe(void)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    json_t *names = json_object(), *shorts = json_object(), *langs = json_array();
    for (int i = 0; i < p.nnames; i++) {
        if (*p.names[i].name) json_object_set_new(names, p.names[i].lang, json_string(p.names[i].name));
        if (*p.names[i].short_name) json_object_set_new(shorts, p.names[i].lang, json_string(p.names[i].short_name));
    }
    char tags[sizeof p.languages];
    copy(tags, sizeof tags, p.languages);
    for (char *save = NULL, *t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (*t) json_array_append_new(langs, json_string(t));
    return json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:{s:s, s:s, s:s, s:s}, s:s, s:s?, s:s?, s:{s:s, s:s}}",
                     "id", p.id, "name", names, "short_name", shorts, "url", p.url, "home_region", p.home_region,
                     "default_language", p.default_lang, "languages", langs, "footer", "host", p.footer_host,
                     "contact", p.footer_contact, "icp_record", p.icp_record, "police_record", p.police_record,
                     "operator_contact", p.operator_contact, "logo_url", *p.logo ? "/instance/logo" : NULL,
                     "favicon_url", *p.favicon ? "/instance/favicon" : NULL, "colors", "primary", p.color_primary,
                     "accent", p.color_accent);
}

/* ---- editing ---- */

static bool valid_color(const char *v)
{
    if (strlen(v) != 7 || v[0] != '#') return false;
    for (int i = 1; i < 7; i++) if (!isxdigit((unsigned char)v[i])) return false;
    return true;
}

static bool valid_version(const char *v)
{
    size_t n = strlen(v);
    return n >= 1 && n <= 32 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static bool valid_langs(const char *v, const char *const *known)
{
    char tags[200];
    if (strlen(v) >= sizeof tags) return false;
    copy(tags, sizeof tags, v);
    int n = 0;
    for (char *save = NULL, *t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!kj_in_list(known, t)) return false;
        n++;
    }
    return n >= 1 && n <= KJ_INSTANCE_MAX_LANGS && !strstr(v, ",,") && v[strlen(v) - 1] != ',';
}

/* Checks one change; the error key, or NULL when it is fine. */
static const char *check(const char *key, const char *v, const char *const *known_langs)
{
    if (!kj_valid_utf8(v, strlen(v))) return "err.instance.text";
    bool clear = !*v;
    const char *lang = !strncmp(key, "name.", 5) ? key + 5 : !strncmp(key, "short_name.", 11) ? key + 11 : NULL;
    if (lang) {
        if (!kj_in_list(known_langs, lang)) return "err.instance.lang";
        size_t max = !strncmp(key, "name.", 5) ? 40 : 16;
        if (kj_utf8_chars(v, strlen(v)) > max || strchr(v, '\n')) return "err.instance.too_long";
        return NULL;
    }
    const kj_instance_field *f = NULL;
    for (const kj_instance_field *x = kj_instance_fields; x->key; x++) if (!strcmp(x->key, key)) f = x;
    if (!f) return "err.instance.unknown";
    if (clear) return NULL;
    if (kj_utf8_chars(v, strlen(v)) > (size_t)f->max_chars || strchr(v, '\n') || strchr(v, '\r')) return "err.instance.too_long";
    switch (f->kind) {
    case KJ_IF_COLOR: return valid_color(v) ? NULL : "err.instance.color";
    case KJ_IF_LANG: return kj_in_list(known_langs, v) ? NULL : "err.instance.lang";
    case KJ_IF_LANGS: return valid_langs(v, known_langs) ? NULL : "err.instance.langs";
    case KJ_IF_REGION: return kj_regions_get(kj_regions_current(), v) ? NULL : "err.instance.region";
    case KJ_IF_VERSION: return valid_version(v) ? NULL : "err.instance.version";
    case KJ_IF_TEXT: return NULL;
    }
    return NULL;
}

/* Writes one row (or deletes it for ""), inside the caller's transaction. */
static int put_row(kj_db *db, const char *key, const char *value, const char *actor_id, int64_t now)
{
    if (!*value) return kj_db_exec(db, "DELETE FROM instance_settings WHERE key = ?", "s", key) < 0 ? -1 : 0;
    return kj_db_exec(db, "INSERT INTO instance_settings(key, value, updated_at, updated_by) VALUES (?,?,?,?) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                          "updated_by = excluded.updated_by", "ssis", key, value, now, actor_id) < 0 ? -1 : 0;
}

/* The value key has now in p (for the audit record's "before"). */
static const char *value_of(kj_instance_profile *p, const char *key)
{
    size_t n;
    const char *f = field_ptr(p, key, &n);
    if (f) return f;
    if (!strncmp(key, "name.", 5)) { kj_instance_names *nm = names_for(p, key + 5, false); return nm ? nm->name : ""; }
    if (!strncmp(key, "short_name.", 11)) { kj_instance_names *nm = names_for(p, key + 11, false); return nm ? nm->short_name : ""; }
    return "";
}

bool kj_instance_locked(const char *key)
{
    pthread_mutex_lock(&lock);
    bool l = is_locked(key);
    pthread_mutex_unlock(&lock);
    return l;
}

int kj_instance_seed(kj_db *db, json_t *values)
{
    int64_t now = kj_now_ms();
    json_t *written = json_object();
    const char *key;
    json_t *v;
    if (kj_db_begin(db)) { json_decref(written); return -1; }
    int rc = 0;
    json_object_foreach(values, key, v) {
        if (rc || !json_is_string(v) || kj_instance_locked(key)) continue;
        int n = kj_db_exec(db, "INSERT INTO instance_settings(key, value, updated_at, updated_by) VALUES (?,?,?,NULL) "
                               "ON CONFLICT (key) DO NOTHING", "ssi", key, json_string_value(v), now);
        if (n < 0) rc = -1;
        else if (n > 0) json_object_set(written, key, v);
    }
    if (rc == 0 && json_object_size(written))
        rc = kj_audit_write(db, NULL, "instance.profile.seed", "instance", kj_instance_self_id(), "", written);
    json_decref(written);
    if (rc) { kj_db_rollback(db); return -1; }
    if (kj_db_commit(db)) return -1;
    reload(db, true);
    return 0;
}

const char *kj_instance_field_value(const kj_instance_profile *p, const char *key)
{
    size_t n;
    const char *f = field_ptr((kj_instance_profile *)p, key, &n);
    return f ? f : "";
}

/* Saves changes (already checked) with one audit record and republishes. */
static int save_checked(kj_db *db, const char *actor_id, const char *action, json_t *changes, kj_err *e)
{
    kj_instance_profile before;
    kj_instance_get(&before);
    json_t *detail = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(changes, key, v) {
        const char *old = value_of(&before, key);
        if (strcmp(old, json_string_value(v)))
            json_object_set_new(detail, key, json_pack("{s:s, s:s}", "before", old, "after", json_string_value(v)));
    }
    if (!json_object_size(detail)) { json_decref(detail); return 0; }
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) { json_decref(detail); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    int rc = 0;
    json_object_foreach(detail, key, v)
        if (rc == 0) rc = put_row(db, key, json_string_value(json_object_get(v, "after")), actor_id, now);
    if (rc == 0) rc = kj_audit_write(db, actor_id, action, "instance", before.id, "", detail);
    json_decref(detail);
    if (rc) { kj_db_rollback(db); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    if (kj_db_commit(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    reload(db, true);
    return 0;
}

/* The field a refusal names, as a static string (the caller's keys die
 * with its object): the table's key, or "name" / "short_name". */
static const char *stable_field(const char *key)
{
    for (const kj_instance_field *x = kj_instance_fields; x->key; x++) if (!strcmp(x->key, key)) return x->key;
    if (!strncmp(key, "name.", 5)) return "name";
    if (!strncmp(key, "short_name.", 11)) return "short_name";
    return "form";
}

int kj_instance_save(kj_db *db, json_t *actor, json_t *changes, const char *const *known_langs, kj_err *e)
{
    if (actor && !kj_authz_may_configure_instance(actor)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.forbidden", NULL);
    const char *actor_id = kj_user_id(actor);
    if (!json_is_object(changes)) return kj_err_set(e, KJ_E_BAD_REQUEST, "err.instance.unknown", NULL);
    const char *key;
    json_t *v;
    int bad = 0;
    json_object_foreach(changes, key, v) {
        const char *why = json_is_string(v) ? check(key, json_string_value(v), known_langs) : "err.instance.text";
        if (!why && kj_instance_locked(key)) why = "err.instance.locked";
        if (!why) continue;
        if (!bad) kj_err_set(e, KJ_E_INVALID, why, stable_field(key));
        if (e->fields && !json_object_get(e->fields, key)) json_object_set_new(e->fields, key, json_string(why));
        bad = 1;
    }
    if (bad) return -1;
    /* The default language must be offered (whichever of the two changed). */
    kj_instance_profile p;
    kj_instance_get(&p);
    const char *dl = kj_jstr(changes, "default_language");
    const char *ls = kj_jstr(changes, "languages");
    char dflt[16], offered[200];
    kj_instance_profile d;
    pthread_mutex_lock(&lock);
    d = defaults;
    pthread_mutex_unlock(&lock);
    copy(dflt, sizeof dflt, dl ? (*dl ? dl : d.default_lang) : p.default_lang);
    copy(offered, sizeof offered, ls ? (*ls ? ls : d.languages) : p.languages);
    bool found = false;
    for (char *save = NULL, *t = strtok_r(offered, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!strcmp(t, dflt)) found = true;
    if (!found) {
        kj_err_set(e, KJ_E_INVALID, "err.instance.default_not_offered", "default_language");
        if (e->fields) json_object_set_new(e->fields, "default_language", json_string("err.instance.default_not_offered"));
        return -1;
    }
    return save_checked(db, actor_id, "instance.profile.update", changes, e);
}

int kj_instance_set_image(kj_db *db, const char *data_dir, json_t *actor, const char *which,
                          const void *data, size_t size, size_t max_size, kj_err *e)
{
    if (actor && !kj_authz_may_configure_instance(actor)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.forbidden", NULL);
    const char *actor_id = kj_user_id(actor);
    bool logo = !strcmp(which, "logo");
    if (!logo && strcmp(which, "favicon")) return kj_err_set(e, KJ_E_BAD_REQUEST, "err.instance.unknown", "file");
    if (!data || !size) return kj_err_set(e, KJ_E_INVALID, "err.attach.empty", "file");
    const char *mime = NULL;
    kj_buf stored = { 0 };
    if (kj_attach_prepare(data, size, max_size, &mime, &stored, e)) {
        kj_buf_free(&stored);
        e->field = "file";
        return -1;
    }
    if (strncmp(mime, "image/", 6)) { kj_buf_free(&stored); return kj_err_set(e, KJ_E_INVALID, "err.attach.not_image", "file"); }
    kj_id id = kj_id_new();
    char name[64];
    snprintf(name, sizeof name, "instance-%s-%s", which, id.s);
    int rc = kj_file_write(data_dir, name, stored.data, stored.len);
    kj_buf_free(&stored);
    if (rc) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "file");
    json_t *changes = json_pack("{s:s, s:s}", logo ? "logo" : "favicon", name, logo ? "logo_mime" : "favicon_mime", mime);
    rc = save_checked(db, actor_id, logo ? "instance.logo.update" : "instance.favicon.update", changes, e);
    json_decref(changes);
    return rc;
}

/* ---- policy texts ---- */

char *kj_instance_policy_text(kj_db *db, const char *doc, const char *lang)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    const char *version = !strcmp(doc, "terms") ? p.terms_version : p.privacy_version;
    return kj_db_text(db, "SELECT body FROM instance_policies WHERE document = ? AND version = ? AND lang IN (?, 'zh-CN') "
                          "ORDER BY CASE WHEN lang = ? THEN 0 ELSE 1 END LIMIT 1",
                      "ssss", doc, version, lang ? lang : "zh-CN", lang ? lang : "zh-CN");
}

int kj_instance_policy_publish(kj_db *db, json_t *actor, const char *doc, const char *lang,
                               const char *version, const char *body, kj_err *e)
{
    if (actor && !kj_authz_may_configure_instance(actor)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.forbidden", NULL);
    const char *actor_id = kj_user_id(actor);
    if (!doc || (strcmp(doc, "terms") && strcmp(doc, "privacy"))) return kj_err_set(e, KJ_E_INVALID, "err.instance.unknown", "document");
    if (!version || !valid_version(version)) return kj_err_set(e, KJ_E_INVALID, "err.instance.version", "version");
    if (!lang || !*lang || strlen(lang) > 15) return kj_err_set(e, KJ_E_INVALID, "err.instance.lang", "lang");
    if (!body || !*body) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "body");
    if (strlen(body) > 200000 || !kj_valid_utf8(body, strlen(body))) return kj_err_set(e, KJ_E_INVALID, "err.instance.too_long", "body");
    const char *key = !strcmp(doc, "terms") ? "terms_version" : "privacy_version";
    kj_instance_profile before;
    kj_instance_get(&before);
    int64_t now = kj_now_ms();
    kj_id id = kj_id_new();
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = kj_db_exec(db, "INSERT INTO instance_policies(id, document, version, lang, body, created_at, created_by) "
                            "VALUES (?,?,?,?,?,?,?)", "sssssis", id.s, doc, version, lang, body, now, actor_id);
    if (rc == KJ_DB_CONSTRAINT) {
        kj_db_rollback(db);
        return kj_err_set(e, KJ_E_CONFLICT, "err.instance.policy_exists", "version");
    }
    json_t *detail = json_pack("{s:s, s:s, s:s, s:s}", "document", doc, "version", version, "lang", lang, "before",
                               !strcmp(doc, "terms") ? before.terms_version : before.privacy_version);
    if (rc < 0 || put_row(db, key, version, actor_id, now) ||
        kj_audit_write(db, actor_id, "instance.policy.publish", "instance", before.id, "", detail)) {
        json_decref(detail);
        kj_db_rollback(db);
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    }
    json_decref(detail);
    if (kj_db_commit(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    reload(db, true);
    return 0;
}
