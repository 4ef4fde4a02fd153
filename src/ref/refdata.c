/*
 * refdata.c — loading the reference TSV files into the database.
 */
#include "ref/refdata.h"
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

struct seed_ctx { kj_db *db; const char *sql; int ncols; const char *path; char *err; size_t errlen; };

static int seed_row(void *c, char **f, int n, int lineno)
{
    struct seed_ctx *x = c;
    if (n < x->ncols) {
        snprintf(x->err, x->errlen, "%s:%d: expected %d columns, found %d", x->path, lineno, x->ncols, n);
        return -1;
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

/* Which file fills which table. */
static const ref_file ref_files[] = {
    { "trl.tsv", "trl_levels",
      "INSERT INTO trl_levels(level, name_zh, desc_zh, name_en, desc_en) VALUES (?,?,?,?,?) "
      "ON CONFLICT(level) DO UPDATE SET name_zh=excluded.name_zh, desc_zh=excluded.desc_zh, "
      "name_en=excluded.name_en, desc_en=excluded.desc_en", 5 },
    { "regions.tsv", "regions",
      "INSERT INTO regions(code, parent, level, name_zh, name_en) VALUES (?,?,?,?,?) "
      "ON CONFLICT(code) DO UPDATE SET parent=excluded.parent, level=excluded.level, "
      "name_zh=excluded.name_zh, name_en=excluded.name_en", 5 },
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

int kj_refdata_seed(kj_db *db, const char *root, char *err, size_t errlen)
{
    if (kj_db_begin(db)) { snprintf(err, errlen, "cannot begin: %s", kj_db_errmsg(db)); return -1; }
    for (size_t i = 0; i < sizeof ref_files / sizeof *ref_files; i++) {
        const ref_file *rf = &ref_files[i];
        char path[2048];
        snprintf(path, sizeof path, "%s/data/%s", root, rf->file);
        struct seed_ctx x = { db, rf->sql, rf->ncols, path, err, errlen };
        int rc = kj_tsv_each(path, seed_row, &x);
        if (rc) {
            if (rc == -1 && !*err) snprintf(err, errlen, "cannot read %s", path);
            kj_db_rollback(db);
            return -1;
        }
    }
    if (kj_db_commit(db)) { snprintf(err, errlen, "cannot commit reference data: %s", kj_db_errmsg(db)); return -1; }
    return 0;
}

json_t *kj_refdata_region_options(kj_db *db)
{
    json_t *rows = kj_db_rows(db,
        "WITH RECURSIVE tree(code, level, zh, en, depth, sort) AS ("
        " SELECT code, level, name_zh, name_en, 0, code FROM regions WHERE parent IS NULL"
        " UNION ALL SELECT r.code, r.level, r.name_zh, r.name_en, t.depth + 1, t.sort || '/' || r.code"
        " FROM regions r JOIN tree t ON r.parent = t.code)"
        " SELECT code, level, zh, en, depth FROM tree "
        " ORDER BY CASE WHEN substr(code,1,2) IN ('51','63') THEN 0 ELSE 1 END, sort", "");
    return rows ? rows : json_array();
}

