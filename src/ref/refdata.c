/*
 * refdata.c — loading the reference TSV files into the database.
 */
#include "ref/refdata.h"
#include <ctype.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kj_tsv_each(const char *path, int (*row)(void *ctx, char **fields, int n, int lineno), void *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    int lineno = 0, header_seen = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (!n || line[0] == '#') continue;
        if (!header_seen) { header_seen = 1; continue; }
        char *fields[16];
        int nf = 0;
        char *p = line;
        while (nf < 16) {
            fields[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab) break;
            *tab = 0;
            p = tab + 1;
        }
        rc = row(ctx, fields, nf, lineno);
    }
    fclose(f);
    return rc;
}

struct seed_ctx { kj_db *db; const char *sql; int ncols; const char *path; char *err; size_t errlen; bool regions; };

/* A region code: 1..32 of [A-Za-z0-9_-], so that an instance's own codes
 * (regions.d) travel in URLs and forms unescaped. */
bool kj_region_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (!n || n > 32) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)code[i]) && code[i] != '-' && code[i] != '_') return false;
    return true;
}

static int seed_row(void *c, char **f, int n, int lineno)
{
    struct seed_ctx *x = c;
    if (n < x->ncols) {
        snprintf(x->err, x->errlen, "%s:%d: expected %d columns, found %d", x->path, lineno, x->ncols, n);
        return -1;
    }
    if (x->regions) {
        static const char *const levels[] = { "province", "city", "district", "township", NULL };
        const char *const *l = levels;
        while (*l && strcmp(*l, f[2])) l++;
        const char *bad = !kj_region_code_ok(f[0]) ? "code" : (*f[1] && !kj_region_code_ok(f[1])) ? "parent"
                        : !*l ? "level (province, city, district or township)" : !*f[3] ? "name_zh" : NULL;
        if (bad) {
            snprintf(x->err, x->errlen, "%s:%d: bad %s", x->path, lineno, bad);
            return -1;
        }
    }
    int rc;
    switch (x->ncols) {
    case 3: rc = kj_db_exec(x->db, x->sql, "sssi", f[0], f[1], f[2], (int64_t)lineno); break;
    case 4: rc = kj_db_exec(x->db, x->sql, "ssss", f[0], *f[1] ? f[1] : NULL, f[2], f[3]); break;
    case 5: rc = kj_db_exec(x->db, x->sql, "sssss", f[0], *f[1] ? f[1] : NULL, f[2], f[3], f[4]); break;
    default: rc = -1;
    }
    if (rc < 0) {
        snprintf(x->err, x->errlen, "%s:%d: %s", x->path, lineno, kj_db_errmsg(x->db));
        return -1;
    }
    return 0;
}

typedef struct { const char *file; const char *table; const char *sql; int ncols; } ref_file;

#define REGIONS_UPSERT \
    "INSERT INTO regions(code, parent, level, name_zh, name_en) VALUES (?,?,?,?,?) " \
    "ON CONFLICT(code) DO UPDATE SET parent=excluded.parent, level=excluded.level, " \
    "name_zh=excluded.name_zh, name_en=excluded.name_en"

/* Which file fills which table. */
static const ref_file ref_files[] = {
    { "trl.tsv", "trl_levels",
      "INSERT INTO trl_levels(level, name_zh, desc_zh, name_en, desc_en) VALUES (?,?,?,?,?) "
      "ON CONFLICT(level) DO UPDATE SET name_zh=excluded.name_zh, desc_zh=excluded.desc_zh, "
      "name_en=excluded.name_en, desc_en=excluded.desc_en", 5 },
    { "regions.tsv", "regions", REGIONS_UPSERT, 5 },
    { "townships.tsv", "regions", REGIONS_UPSERT, 5 },
    { "domains.tsv", "domains",
      "INSERT INTO domains(code, parent, name_zh, name_en) VALUES (?,?,?,?) "
      "ON CONFLICT(code) DO UPDATE SET parent=excluded.parent, name_zh=excluded.name_zh, name_en=excluded.name_en", 4 },
    { "coop_modes.tsv", "coop_modes",
      "INSERT INTO coop_modes(code, name_zh, name_en, seq) VALUES (?,?,?,?) "
      "ON CONFLICT(code) DO UPDATE SET name_zh=excluded.name_zh, name_en=excluded.name_en, seq=excluded.seq", 3 },
    { "ip_types.tsv", "ip_types",
      "INSERT INTO ip_types(code, name_zh, name_en, seq) VALUES (?,?,?,?) "
      "ON CONFLICT(code) DO UPDATE SET name_zh=excluded.name_zh, name_en=excluded.name_en, seq=excluded.seq", 3 },
};

/* The instance's own region files, <data_dir>/regions.d/NAME.tsv, sorted by
 * name (a later file may correct an earlier one's rows). */
static int extension_files(const char *data_dir, char (*out)[1024], int max)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/regions.d", data_dir ? data_dir : ".");
    DIR *d = data_dir ? opendir(dir) : NULL;
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 4 || strcmp(e->d_name + len - 4, ".tsv")) continue;
        int k = snprintf(out[n], sizeof *out, "%s/%s", dir, e->d_name);
        if (k > 0 && (size_t)k < sizeof *out) n++;
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof *out, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* Adds a file's name and content to the hash; -1 when unreadable. */
static int hash_file(crypto_generichash_state *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    crypto_generichash_update(h, (const unsigned char *)path, strlen(path) + 1);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_generichash_update(h, buf, n);
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static int seed_files(kj_db *db, const char *root, const char *data_dir, char (*ext)[1024], int next, char *err, size_t errlen);

int kj_refdata_seed(kj_db *db, const char *root, const char *data_dir, char *err, size_t errlen)
{
    enum { NFILES = sizeof ref_files / sizeof *ref_files, MAXEXT = 64 };
    char (*ext)[1024] = calloc(MAXEXT, sizeof *ext);
    if (!ext) { snprintf(err, errlen, "out of memory"); return -1; }
    int rc = seed_files(db, root, data_dir, ext, extension_files(data_dir, ext, MAXEXT), err, errlen);
    free(ext);
    return rc;
}

static int seed_files(kj_db *db, const char *root, const char *data_dir, char (*ext)[1024], int next, char *err, size_t errlen)
{
    enum { NFILES = sizeof ref_files / sizeof *ref_files };
    char paths[NFILES][2048];
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/data/%s", root, ref_files[i].file);
        if (hash_file(&h, paths[i])) { snprintf(err, errlen, "cannot read %s", paths[i]); return -1; }
    }
    for (int i = 0; i < next; i++)
        if (hash_file(&h, ext[i])) { snprintf(err, errlen, "cannot read %s", ext[i]); return -1; }
    unsigned char sum[32];
    char hex[65];
    crypto_generichash_final(&h, sum, sizeof sum);
    sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
    /* Unchanged files: nothing to write (44k region rows took 0.4 s a start). */
    char *have = kj_db_text(db, "SELECT hash FROM ref_state WHERE name = 'data'", "");
    bool same = have && !strcmp(have, hex);
    free(have);
    if (same) return 0;

    if (kj_db_begin(db)) { snprintf(err, errlen, "cannot begin: %s", kj_db_errmsg(db)); return -1; }
    for (int i = 0; i < (int)NFILES + next; i++) {
        const ref_file *rf = i < (int)NFILES ? &ref_files[i] : NULL;
        const char *path = rf ? paths[i] : ext[i - NFILES];
        struct seed_ctx x = { db, rf ? rf->sql : REGIONS_UPSERT, rf ? rf->ncols : 5, path, err, errlen,
                              !rf || !strcmp(rf->table, "regions") };
        *err = 0;
        int rc = kj_tsv_each(path, seed_row, &x);
        if (rc) {
            if (rc == -1 && !*err) snprintf(err, errlen, "cannot read %s", path);
            kj_db_rollback(db);
            return -1;
        }
    }
    /* Every parent must exist: the tree follows parents (regions.h). */
    char *orphan = kj_db_text(db, "SELECT r.code || ' (parent ' || r.parent || ')' FROM regions r WHERE r.parent IS NOT NULL "
                                  "AND NOT EXISTS (SELECT 1 FROM regions p WHERE p.code = r.parent) LIMIT 1", "");
    if (orphan) {
        snprintf(err, errlen, "region %s: unknown parent", orphan);
        free(orphan);
        kj_db_rollback(db);
        return -1;
    }
    if (kj_db_exec(db, "INSERT INTO ref_state(name, hash) VALUES ('data', ?) "
                       "ON CONFLICT(name) DO UPDATE SET hash = excluded.hash", "s", hex) < 0 || kj_db_commit(db)) {
        snprintf(err, errlen, "cannot commit reference data: %s", kj_db_errmsg(db));
        kj_db_rollback(db);
        return -1;
    }
    return 0;
}
