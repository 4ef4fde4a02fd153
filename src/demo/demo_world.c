/*
 * demo_world.c — the demo's living platform (kj_demo_world, demo.h) and
 * what its loaders share (demo_int.h): the TSV reader, user lookups, the
 * demo clock and the demo's media files; and the second wave of people
 * (data/demo/people.tsv), registered like everyone else.
 */
#include "demo/demo.h"
#include "demo/demo_int.h"
#include "account/account.h"
#include "account/admin.h"
#include "core/clock.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_COLS 32

int kj_demo_fail(const kj_demo_src *src, const char *what, const char *why)
{
    fprintf(stderr, "demo: %s:%d: %s: %s\n", src->file, src->lineno, what, why ? why : "?");
    return -1;
}

static void unescape(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && p[1] == 'n') { *w++ = '\n'; p++; }
        else *w++ = *p;
    }
    *w = 0;
}

static int split(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

int kj_demo_tsv(kj_demo_src *src, const char *const *names, int ncols, kj_demo_row_fn row, void *ctx)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", src->root && *src->root ? src->root : ".", src->file);
    FILE *fp = fopen(path, "r");
    src->lineno = 0;
    if (!fp) return kj_demo_fail(src, "file", "cannot read");
    char *line = NULL, *f[MAX_COLS + 1];
    size_t cap = 0;
    ssize_t len;
    bool header = false;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, fp)) >= 0) {
        src->lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len || line[0] == '#') continue;
        int n = split(line, f, MAX_COLS + 1);
        if (!header) {
            header = true;
            for (int i = 0; i < ncols && rc == 0; i++)
                if (i >= n || strcmp(f[i], names[i])) rc = kj_demo_fail(src, "header", names[i]);
            if (rc == 0 && n != ncols) rc = kj_demo_fail(src, "header", "too many columns");
            continue;
        }
        if (n != ncols) { rc = kj_demo_fail(src, "columns", n < ncols ? names[n] : "too many columns"); break; }
        for (int i = 0; i < n; i++) unescape(f[i]);
        rc = row(src, f, ctx);
    }
    free(line);
    fclose(fp);
    if (rc == 0 && !header) rc = kj_demo_fail(src, "header", "missing");
    return rc;
}

json_t *kj_demo_user(kj_db *db, const char *email)
{
    char *id = kj_db_text(db, "SELECT id FROM users WHERE email = ?", "s", email ? email : "");
    json_t *u = id ? kj_user_get(db, id) : NULL;
    free(id);
    return u;
}

void kj_demo_clock(double days_ago) { kj_clock_set_offset(-(int64_t)(days_ago * KJ_DAY_MS)); }
void kj_demo_clock_now(void) { kj_clock_set_offset(0); }

char *kj_demo_media(const char *root, const char *name, size_t *size)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/data/demo/media/%s", root && *root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *size = (size_t)n;
    return buf;
}

/* ---- passwords ---- */

/* One hash per demo password: the demo command is single-threaded, and
 * the three passwords are constants, so the cache never changes meaning. */
static struct { const char *pw; char hash[256]; } hashes[4];

const char *kj_demo_password_hash(const char *password)
{
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++) {
        if (hashes[i].pw && !strcmp(hashes[i].pw, password)) return hashes[i].hash;
        if (!hashes[i].pw) {
            if (kj_password_hash(password, hashes[i].hash, sizeof hashes[i].hash)) return NULL;
            hashes[i].pw = password;
            return hashes[i].hash;
        }
    }
    return NULL;
}

/* ---- people.tsv ---- */

enum { P_EMAIL, P_NAME, P_ROLE, P_REGION, P_ORG, P_ORG_TYPE, P_ORG_REGION, P_ORG_CODE, P_TITLE, P_EXPERT,
       P_TOPICS, P_EXPERT_REGION, P_BIO, P_NCOLS };
static const char *const people_cols[P_NCOLS] = {
    "email", "name", "role", "region", "org_name", "org_type", "org_region", "org_code", "title", "expert",
    "expert_topics", "expert_region", "bio",
};
#define DEMO_PASSWORD "Demo-2026!"

static const char *or_null(const char *s) { return s && *s ? s : NULL; }

static int person_row(kj_demo_src *src, char **f, void *ctx)
{
    int *n = ctx;
    if (*n == 0) snprintf(src->example, sizeof src->example, "%s", f[P_EMAIL]);
    kj_registration r = {
        .email = f[P_EMAIL], .password = DEMO_PASSWORD, .password_hash = kj_demo_password_hash(DEMO_PASSWORD),
        .name = f[P_NAME], .role = f[P_ROLE], .region = f[P_REGION], .org_name = or_null(f[P_ORG]),
        .org_type = or_null(f[P_ORG_TYPE]), .org_region = or_null(f[P_ORG_REGION]), .org_credit_code = or_null(f[P_ORG_CODE]),
    };
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_account_register(src->db, &r, true, id, &e))   /* true: a verified address, as demo.c */
        return kj_demo_fail(src, e.field ? e.field : "account", e.key);
    if (kj_account_update_profile(src->db, id, NULL, NULL, or_null(f[P_TITLE]), or_null(f[P_BIO]), NULL, &e))
        return kj_demo_fail(src, "profile", e.key);
    if (!strcmp(f[P_EXPERT], "1") && kj_admin_set_role(src->db, NULL, id, f[P_ROLE], 1, NULL, &e))
        return kj_demo_fail(src, "expert", e.key);
    if (*f[P_TOPICS]) {
        json_t *fields = json_object();
        kj_err pe = { .fields = fields };
        json_t *topics = json_string(f[P_TOPICS]), *regions = json_string(f[P_EXPERT_REGION]);
        int rc = kj_popsci_expert_set(src->db, id, topics, regions, &pe);
        /* pe.key may live in fields: report before letting it go. */
        if (rc) rc = kj_demo_fail(src, "expert_topics", pe.key ? pe.key : "popsci.err.topic_unknown");
        json_decref(topics);
        json_decref(regions);
        json_decref(fields);
        if (rc) return -1;
    }
    (*n)++;
    return 0;
}

int kj_demo_people(kj_demo_src *src, FILE *out)
{
    int n = 0;
    /* Experts register for 科普 topics: the topic table first. */
    if (kj_popsci_ensure_topics(src->db, src->root)) return kj_demo_fail(src, "data/popsci_topics.tsv", "cannot read");
    if (!kj_demo_open(src, "people")) return 0;
    if (kj_demo_tsv(src, people_cols, P_NCOLS, person_row, &n)) return -1;
    fprintf(out, "  %d more demo people (password %s), e.g. %s\n", n, DEMO_PASSWORD, src->example);
    return 0;
}

/* ---- the whole ---- */

bool kj_demo_open(kj_demo_src *src, const char *name)
{
    snprintf(src->path, sizeof src->path, "%s/%s.tsv", src->dir, name);
    src->file = src->path;
    char full[2048];
    snprintf(full, sizeof full, "%s/%s", src->root && *src->root ? src->root : ".", src->path);
    return access(full, R_OK) == 0;
}

int kj_demo_world(kj_demo_src *src, FILE *out)
{
    int (*const parts[])(kj_demo_src *, FILE *) = {
        kj_demo_studios, kj_demo_questions, kj_demo_challenges,
        kj_demo_deals, kj_demo_popsci_media,
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof parts / sizeof *parts; i++) rc = parts[i](src, out);
    kj_demo_clock_now();
    return rc;
}
