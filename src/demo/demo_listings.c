/*
 * demo_listings.c — the demo marketplace: achievements, services and
 * demands read from a profile's listings.tsv (data/demo/<profile>/) and published through
 * kj_listing_insert, so that demo listings pass exactly the checks a real
 * listing passes. Owns the TSV format of that file (columns below) and
 * the back-dating of demo listings to believable publication dates.
 *
 * The file is parsed here rather than with kj_tsv_each: its rows are long
 * (Markdown descriptions) and have more columns than that reader splits.
 */
#include "demo/demo.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "market/market.h"
#include "search/search.h"
#include <stdlib.h>
#include <string.h>

#define C_STUDIO NCOLS     /* optional last column: the studio's name */
#define MAX_DAYS_AGO 300

/* The columns, in file order; the header line must name them so. */
enum {
    C_KIND, C_OWNER, C_DOMAIN, C_REGION, C_TITLE, C_SUMMARY, C_KEYWORDS, C_TRL, C_MODES,
    C_PRICE_KIND, C_PRICE_MIN, C_PRICE_MAX, C_IP_TYPE, C_IP_NUMBER, C_DELIVERY, C_DURATION,
    C_INDICATORS, C_SUBTYPE, C_ANONYMOUS, C_DAYS_AGO, C_DESCRIPTION, NCOLS
};

static const char *const column_names[NCOLS] = {
    "kind", "owner", "domain", "region", "title", "summary", "keywords", "trl", "coop_modes",
    "price_kind", "price_min", "price_max", "ip_type", "ip_number", "delivery_mode", "duration",
    "indicators", "subtype", "anonymous", "days_ago", "description",
};

/* Input fields that are copied as plain strings (empty ones left out). */
static const struct { int col; const char *field; } plain_fields[] = {
    { C_TITLE, "title" }, { C_SUMMARY, "summary" }, { C_DOMAIN, "domain" }, { C_REGION, "region" },
    { C_PRICE_KIND, "price_kind" }, { C_PRICE_MIN, "price_min" }, { C_PRICE_MAX, "price_max" },
    { C_IP_TYPE, "ip_type" }, { C_DELIVERY, "delivery_mode" }, { C_DURATION, "duration" },
    { C_SUBTYPE, "subtype" },
};

/* One file being read: where errors point to. */
typedef struct {
    kj_db *db;
    const char *file;
    int lineno;
    int loaded;
    bool studio_column;     /* the header ends with "studio" */
} demo_reader;

static int row_error(const demo_reader *r, const char *field, const char *key)
{
    fprintf(stderr, "demo: %s:%d: %s: %s\n", r->file, r->lineno, field, key);
    return -1;
}

/* Splits line in place on tabs; returns the number of fields (at most max). */
static int split_tabs(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

/* Splits s in place on '|' into a JSON array of its non-empty items. New ref. */
static json_t *bar_list(char *s)
{
    json_t *out = json_array();
    char *save = NULL;
    for (char *item = strtok_r(s, "|", &save); item; item = strtok_r(NULL, "|", &save))
        json_array_append_new(out, json_string(item));
    return out;
}

/* "name:target:unit|..." → [{name, target, unit}]; an item without a
 * target keeps an empty one so that the domain check reports it. */
static json_t *indicator_list(const char *s)
{
    json_t *out = json_array();
    char *copy = strdup(s);
    char *save = NULL;
    for (char *item = strtok_r(copy, "|", &save); item; item = strtok_r(NULL, "|", &save)) {
        char *parts[3] = { item, "", "" };
        char *colon = strchr(item, ':');
        if (colon) { *colon = 0; parts[1] = colon + 1; colon = strchr(parts[1], ':'); }
        if (colon) { *colon = 0; parts[2] = colon + 1; }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name", parts[0], "target", parts[1], "unit", parts[2]));
    }
    free(copy);
    return out;
}

/* Turns the escapes \n, \t and \\ of a one-line description into the
 * characters they stand for, in place. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && (p[1] == 'n' || p[1] == 't' || p[1] == '\\')) {
            p++;
            *w++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : '\\';
        } else {
            *w++ = *p;
        }
    }
    *w = 0;
}

/* The listing input object of one row (the form/API field names of market.h). New ref. */
static json_t *listing_input(char **f)
{
    json_t *in = json_object();
    for (size_t i = 0; i < sizeof plain_fields / sizeof *plain_fields; i++)
        if (*f[plain_fields[i].col]) json_object_set_new(in, plain_fields[i].field, json_string(f[plain_fields[i].col]));
    unescape(f[C_DESCRIPTION]);
    json_object_set_new(in, "description", json_string(f[C_DESCRIPTION]));
    json_object_set_new(in, "keywords", bar_list(f[C_KEYWORDS]));
    json_object_set_new(in, "coop_modes", bar_list(f[C_MODES]));
    json_object_set_new(in, "ip_numbers", bar_list(f[C_IP_NUMBER]));
    json_object_set_new(in, "anonymous", json_boolean(!strcmp(f[C_ANONYMOUS], "1")));
    bool demand = !strcmp(f[C_KIND], "demand");
    if (*f[C_TRL]) json_object_set_new(in, demand ? "trl_min" : "trl", json_string(f[C_TRL]));
    if (demand) json_object_set_new(in, "indicators", indicator_list(f[C_INDICATORS]));
    return in;
}

/* The owner as kj_user_get gives it (with role and org_id), or NULL. New ref. */
static json_t *owner_by_email(kj_db *db, const char *email)
{
    char *id = kj_db_text(db, "SELECT id FROM users WHERE email = ?", "s", email);
    json_t *user = id ? kj_user_get(db, id) : NULL;
    free(id);
    return user;
}

/* Parses days_ago: a whole number 0..MAX_DAYS_AGO, or -1. */
static int parse_days_ago(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n >= 0 && n <= MAX_DAYS_AGO ? (int)n : -1;
}

/* Moves a fresh listing's dates days back (plus a few hours, so that the
 * demo's listings were not all published at the same time of day) and
 * gives it the usual one-year validity from then. Its matches were
 * queued at insertion and computed after the whole file is loaded (see
 * kj_demo_load), so that freshness counts from the back-dated day. */
static int backdate(kj_db *db, const char *id, int days_ago, int lineno)
{
    int64_t at = kj_now_ms() - days_ago * KJ_DAY_MS - (int64_t)(lineno * 7919 % 36000) * 1000;
    char valid_until[16];
    kj_format_date(at + 365 * KJ_DAY_MS, valid_until, sizeof valid_until);
    if (kj_db_exec(db, "UPDATE listings SET published_at = ?, created_at = ?, updated_at = ?, valid_until = ? "
                       "WHERE id = ?", "iiiss", at, at, at, valid_until, id) < 0) return -1;
    if (kj_db_exec(db, "UPDATE listing_revisions SET created_at = ? WHERE listing_id = ?", "is", at, id) < 0) return -1;
    return kj_db_exec(db, "UPDATE listing_events SET created_at = ? WHERE listing_id = ?", "is", at, id) < 0 ? -1 : 0;
}

static int check_header(demo_reader *r, char *line)
{
    char *f[NCOLS + 2];
    int n = split_tabs(line, f, NCOLS + 2);
    for (int i = 0; i < NCOLS; i++)
        if (i >= n || strcmp(f[i], column_names[i])) return row_error(r, "header", column_names[i]);
    r->studio_column = n == NCOLS + 1 && !strcmp(f[C_STUDIO], "studio");
    return n == NCOLS || r->studio_column ? 0 : row_error(r, "header", "too many columns");
}

/* Validates and publishes one data line. 0, or -1 after printing why. */
static int load_row(demo_reader *r, char *line)
{
    char *f[NCOLS + 2];
    int want = NCOLS + r->studio_column;
    int n = split_tabs(line, f, NCOLS + 2);
    if (n != want) return row_error(r, "columns", n < NCOLS ? column_names[n] : n < want ? "studio" : "too many columns");
    int days_ago = parse_days_ago(f[C_DAYS_AGO]);
    if (days_ago < 0) return row_error(r, "days_ago", "err.field.range");
    if (strcmp(f[C_ANONYMOUS], "0") && strcmp(f[C_ANONYMOUS], "1")) return row_error(r, "anonymous", "err.field.choice");
    json_t *user = owner_by_email(r->db, f[C_OWNER]);
    if (!user) return row_error(r, "owner", "err.demo.owner_unknown");
    json_t *in = listing_input(f);
    if (r->studio_column && *f[C_STUDIO]) {
        /* Published under the studio: kj_listing_insert checks that the
         * owner is one of its members, as for a listing made in the form. */
        char *studio = kj_db_text(r->db, "SELECT id FROM studios WHERE name = ?", "s", f[C_STUDIO]);
        if (!studio) { json_decref(in); json_decref(user); return row_error(r, "studio", "err.demo.studio_unknown"); }
        json_object_set_new(in, "studio_id", json_string(studio));
        free(studio);
    }
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    int rc = kj_listing_insert(r->db, user, f[C_KIND], in, "published", id, errors);
    if (rc) {
        const char *field = json_object_iter_key(json_object_iter(errors));
        row_error(r, field ? field : "form", field ? json_string_value(json_object_get(errors, field)) : "err.internal");
    } else if (backdate(r->db, id, days_ago, r->lineno)) {
        rc = row_error(r, "form", kj_db_errmsg(r->db));
    } else {
        r->loaded++;
    }
    json_decref(errors);
    json_decref(in);
    json_decref(user);
    return rc;
}

/* Reads every line of f; the first non-comment line is the header. */
static int load_lines(demo_reader *r, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool header_seen = false;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        r->lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len || line[0] == '#') continue;
        if (!header_seen) { header_seen = true; rc = check_header(r, line); continue; }
        rc = load_row(r, line);
    }
    free(line);
    return rc;
}

int kj_demo_listings_file(kj_db *db, const char *root, const char *file, FILE *out)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", file);
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "demo: cannot read %s\n", path); return -1; }
    demo_reader r = { .db = db, .file = file };
    int rc = kj_db_begin(db) ? row_error(&r, "form", kj_db_errmsg(db)) : load_lines(&r, f);
    fclose(f);
    if (rc == 0 && kj_db_commit(db)) rc = row_error(&r, "form", kj_db_errmsg(db));
    if (rc) { kj_db_rollback(db); return -1; }
    fprintf(out, "  %d demo listings (%s)\n", r.loaded, file);
    return 0;
}
