/*
 * demo.c — the demo data set as profiles: data/demo/<profile>/ holds one
 * province's demo (sichuan, qinghai; see data/demo/README.md). The
 * profile's profile.tsv names the instance and its home region; its
 * accounts.tsv makes the first accounts (administrator, operators,
 * scientists, organizations) through the same domain calls as real
 * registrations, so demo data obeys every rule; the other files (centers,
 * listings, 科普, people, studios, questions, 揭榜, deals, events) are
 * loaded when the profile has them, each by its loader in src/demo/.
 */
#include "demo/demo.h"
#include "search/search.h"
#include "account/account.h"
#include "account/membership.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include "demo/demo_int.h"
#include "instance/instance.h"
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

/* The first registrant of each demo organization founded it and is its
 * admin; a later one is a member once an admin approves the request. */
static int approve_pending(kj_db *db, const char *email)
{
    json_t *r = kj_db_row(db, "SELECT r.id, (SELECT a.id FROM users a WHERE a.org_id = r.org_id AND a.org_role = 'admin' "
                              "ORDER BY a.created_at LIMIT 1) AS admin_id FROM org_requests r JOIN users u ON u.id = r.user_id "
                              "WHERE u.email = ? AND r.status = 'pending'", "s", email);
    if (!r) return 0;
    kj_err fail = { 0 };
    int st = kj_org_request_decide(db, json_string_value(json_object_get(r, "admin_id")),
                                   json_string_value(json_object_get(r, "id")), true, "", &fail);
    json_decref(r);
    if (st) fprintf(stderr, "demo: cannot approve %s: %s\n", email, fail.key);
    return st ? -1 : 0;
}

static const char *demo_password(const char *role)
{
    if (!strcmp(role, "admin")) return "Admin-2026!";
    if (!strcmp(role, "operator")) return "Operator-2026!";
    return "Demo-2026!";
}

const char *kj_demo_password_for(const char *role) { return demo_password(role); }

/* ---- accounts.tsv ---- */

enum { A_EMAIL, A_NAME, A_ROLE, A_REGION, A_ORG, A_ORG_TYPE, A_ORG_REGION, A_ORG_CODE, A_EXPERT, A_NCOLS };
static const char *const account_cols[A_NCOLS] = {
    "email", "name", "role", "region", "org_name", "org_type", "org_region", "org_code", "expert",
};

static const char *or_null(const char *s) { return s && *s ? s : NULL; }

static int account_row(kj_demo_src *src, char **f, void *ctx)
{
    FILE *out = ctx;
    const char *pw = demo_password(f[A_ROLE]);
    kj_registration r = {
        .email = f[A_EMAIL], .password = pw, .name = f[A_NAME], .role = f[A_ROLE], .region = f[A_REGION],
        .org_name = or_null(f[A_ORG]), .org_type = or_null(f[A_ORG_TYPE]), .org_region = or_null(f[A_ORG_REGION]),
        .org_credit_code = or_null(f[A_ORG_CODE]), .password_hash = kj_demo_password_hash(pw),
    };
    char id[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_account_register(src->db, &r, true, id, &fail)) {
        if (fail.key && !strcmp(fail.key, "err.email.taken")) return 0;
        return kj_demo_fail(src, fail.field ? fail.field : "account", fail.key);
    }
    if (!strcmp(f[A_EXPERT], "1") && kj_db_exec(src->db, "UPDATE users SET is_expert = 1 WHERE id = ?", "s", id) < 0)
        return kj_demo_fail(src, "expert", kj_db_errmsg(src->db));
    /* A second registrant of an organization asked to join it: its
     * admin (the first) approves, as in the demo's story. */
    if (approve_pending(src->db, f[A_EMAIL])) return -1;
    fprintf(out, "  %-32s %-16s %s\n", f[A_EMAIL], pw, f[A_ROLE]);
    return 0;
}

/* ---- profile.tsv ---- */

static int profile_row(kj_demo_src *src, char **f, void *ctx)
{
    if (!*f[0]) return kj_demo_fail(src, "key", "empty");
    json_object_set_new(ctx, f[0], json_string(f[1]));
    return 0;
}

/* The profiles there are (directories of data/demo with a profile.tsv),
 * for the error message. */
static void list_profiles(const char *root, char *buf, size_t n)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/data/demo", root && *root ? root : ".");
    DIR *d = opendir(path);
    buf[0] = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[2400];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/profile.tsv", path, e->d_name);
        if (stat(p, &st)) continue;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", len ? ", " : "", e->d_name);
    }
    if (d) closedir(d);
}

bool kj_demo_profile_name_ok(const char *p)
{
    return p && *p && strlen(p) < 32 && strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(p);
}

int kj_demo_load(kj_db *db, const char *root, const char *data_dir, const char *profile, FILE *out)
{
    if (!profile || !*profile) profile = "sichuan";
    kj_demo_src src = { .db = db, .root = root, .data_dir = data_dir };
    snprintf(src.dir, sizeof src.dir, "data/demo/%s", profile);
    if (!kj_demo_profile_name_ok(profile) || !kj_demo_open(&src, "profile")) {
        char have[512];
        list_profiles(root, have, sizeof have);
        fprintf(stderr, "demo: no demo profile \"%s\" (a directory data/demo/<profile>/ with a profile.tsv); the profiles are: %s\n",
                profile, *have ? have : "none");
        return -1;
    }
    json_t *settings = json_object();
    static const char *const profile_cols[] = { "key", "value" };
    if (kj_demo_tsv(&src, profile_cols, 2, profile_row, settings)) { json_decref(settings); return -1; }
    if (kj_db_int(db, 0, "SELECT count(*) FROM meta WHERE key = 'demo_loaded'", "") > 0) {
        fprintf(out, "demo data already loaded\n");
        json_decref(settings);
        return 1;
    }
    /* The demo commits a few hundred small transactions (every domain call
     * has its own); with synchronous=FULL each waits for an fsync, which
     * made up most of the load time. NORMAL (WAL) is safe against
     * corruption; a power cut while loading loses a demo, not user data.
     * PostgreSQL's equivalent: commits that do not wait for the WAL flush. */
    bool sqlite = !strcmp(kj_db_store(db)->be->name, "sqlite");
    kj_db_exec_optional(db, "demo load: commits without fsync",
                        sqlite ? "PRAGMA synchronous=NORMAL" : "SET synchronous_commit = off", "");
    int rc = -1;
    const char *reviewer = json_string_value(json_object_get(settings, "popsci_reviewer"));
    const char *events = json_string_value(json_object_get(settings, "events"));
    src.reviewer = reviewer;
    fprintf(out, "Demo profile %s. Demo accounts (e-mail / password / role):\n", profile);
    static const char *const *cols = account_cols;
    if (!kj_demo_open(&src, "accounts")) { kj_demo_fail(&src, "file", "missing (every profile has accounts)"); goto done; }
    if (kj_demo_tsv(&src, cols, A_NCOLS, account_row, out)) goto done;
    if (kj_demo_centers(&src, out)) goto done;
    /* The second wave of people before the listings: a profile's experts
     * publish achievements too. */
    if (kj_demo_people(&src, out)) goto done;
    fprintf(out, "Demo marketplace:\n");
    if (kj_demo_open(&src, "listings") && kj_demo_listings_file(db, root, src.file, out)) goto done;
    if (kj_demo_open(&src, "popsci") && kj_popsci_demo(db, root, src.file, reviewer ? reviewer : "", out)) goto done;
    if (kj_demo_popsci_volunteers(&src, out)) goto done;
    if (kj_demo_world(&src, out)) goto done;
    if (kj_popsci_demo_experts_public(db)) goto done;   /* after the world: its experts too */
    /* Match the demo listings now (freshness from their back-dated days),
     * so that a server started on the demo shows matches at once. */
    while (kj_match_drain(db, 500) > 0) {}
    /* After matching: suggestions read the matches. The 成都 center's two
     * events are written as code (demo_events.c); other profiles' events
     * are rows of their events.tsv (demo_events_tsv.c). */
    if (events && !strcmp(events, "chengdu") && kj_demo_events(db, out)) goto done;
    if (kj_demo_open(&src, "events") && kj_demo_events_tsv(&src, out)) goto done;
    /* The instance's names and home region, where the operator has not set
     * them (rows written only where none exists). */
    json_t *seed = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(settings, key, v)
        if (!strncmp(key, "instance.", 9)) json_object_set(seed, key + 9, v);
    int st = json_object_size(seed) ? kj_instance_seed(db, seed) : 0;
    json_decref(seed);
    if (st) { fprintf(stderr, "demo: cannot record the instance's names: %s\n", kj_db_errmsg(db)); goto done; }
    if (kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('demo_loaded', ?) ON CONFLICT(key) DO NOTHING", "s", profile) < 0) {
        fprintf(stderr, "demo: cannot record that the demo is loaded: %s\n", kj_db_errmsg(db));
        goto done;
    }
    rc = 0;
done:
    kj_demo_clock_now();
    json_decref(settings);
    kj_db_exec_optional(db, "demo loaded: durable commits again",
                        sqlite ? "PRAGMA synchronous=FULL" : "SET synchronous_commit = on", "");
    return rc;
}
