/*
 * copy.c — moving a whole instance from one database to another
 * (kejiyun migrate-data, see store.h kj_store_copy): SQLite to PostgreSQL
 * when a deployment outgrows one machine, or back.
 *
 * Which tables, in which order: the tables both databases have (the
 * destination was migrated to the same schema version), parents before
 * the tables whose foreign keys point at them, read from each backend's
 * catalog (the only backend-specific statements here, one per backend).
 * The search index is not copied: its tables are the engine's own
 * (FTS5 in SQLite), and the destination builds its index at its first
 * start (the search format is left unset there, see search.h).
 *
 * Each table is copied in one transaction of the destination, many rows
 * per INSERT, and its rows counted on both sides after the commit. A row refused for a
 * foreign key to a row of its own table not copied yet (a center and its
 * parent center) is tried again after the others, until no more go in.
 */
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables never copied: the migration runner's own, and the search index
 * (derived from the listings, rebuilt by the destination). */
static bool skipped(const char *t)
{
    return !strcmp(t, "schema_migrations") || !strncmp(t, "search_", 7);
}

/* [{t, ref}] : every table of db and each table its foreign keys name. */
static json_t *tables_and_parents(kj_db *db)
{
    if (!strcmp(kj_db_store(db)->be->name, "sqlite"))
        return kj_db_rows(db, "SELECT m.name AS t, p.\"table\" AS ref FROM sqlite_master m "
                              "LEFT JOIN pragma_foreign_key_list(m.name) p ON 1 = 1 WHERE m.type = 'table' "
                              "AND m.name NOT LIKE 'sqlite_%' AND m.sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY m.name", "");
    return kj_db_rows(db, "SELECT c.relname AS t, r.relname AS ref FROM pg_class c "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
                          "LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f' "
                          "LEFT JOIN pg_class r ON r.oid = k.confrelid WHERE c.relkind = 'r' ORDER BY c.relname", "");
}

int kj_store_probe(kj_db *db, int64_t *version, char *instance_id, size_t n, char *err, size_t errlen)
{
    *version = 0;
    if (n) *instance_id = 0;
    /* Whether kejiyun's tables are there at all: a query of a missing table
     * would be an error, which must not be mistaken for one of the store. */
    int64_t ours = !strcmp(kj_db_store(db)->be->name, "sqlite")
        ? kj_db_int(db, -1, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'meta')", "")
        : kj_db_int(db, -1, "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                            "AND s.nspname = current_schema() WHERE c.relkind = 'r' AND c.relname IN ('schema_migrations', 'meta')", "");
    if (ours < 0 || kj_db_failed(db)) { snprintf(err, errlen, "cannot read the database's tables: %s", kj_db_errmsg(db)); return -1; }
    if (ours < 2) return 0;
    int64_t v = kj_db_int(db, -1, "SELECT coalesce(max(version), 0) FROM schema_migrations", "");
    char *id = kj_db_text(db, "SELECT value FROM meta WHERE key = 'instance_id'", "");
    if (v < 0 || kj_db_failed(db)) {
        free(id);
        snprintf(err, errlen, "cannot read the database's schema version: %s", kj_db_errmsg(db));
        return -1;
    }
    *version = v;
    if (n) snprintf(instance_id, n, "%s", id ? id : "");
    free(id);
    return 0;
}

/* The tables of both, parents first; NULL on error. */
static json_t *copy_order(kj_db *from, kj_db *to, char *err, size_t errlen)
{
    json_t *src = tables_and_parents(from), *dst = tables_and_parents(to);
    if (!src || !dst) {
        snprintf(err, errlen, "cannot read the tables: %s", kj_db_errmsg(src ? to : from));
        json_decref(src);
        json_decref(dst);
        return NULL;
    }
    json_t *parents = json_object(), *in_dst = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(dst, i, r) json_object_set_new(in_dst, json_string_value(json_object_get(r, "t")), json_true());
    json_array_foreach(src, i, r) {
        const char *t = json_string_value(json_object_get(r, "t")), *ref = json_string_value(json_object_get(r, "ref"));
        if (!t || skipped(t) || !json_object_get(in_dst, t)) continue;
        json_t *p = json_object_get(parents, t);
        if (!p) json_object_set_new(parents, t, p = json_object());
        if (ref && strcmp(ref, t) && !skipped(ref)) json_object_set_new(p, ref, json_true());
    }
    json_t *order = json_array(), *done = json_object();
    for (bool progress = true; progress && json_array_size(order) < json_object_size(parents);) {
        progress = false;
        const char *t;
        json_t *p;
        json_object_foreach(parents, t, p) {
            if (json_object_get(done, t)) continue;
            bool ready = true;
            const char *ref;
            json_t *x;
            json_object_foreach(p, ref, x) if (!json_object_get(done, ref) && json_object_get(parents, ref)) ready = false;
            if (!ready) continue;
            json_array_append_new(order, json_string(t));
            json_object_set_new(done, t, json_true());
            progress = true;
        }
    }
    if (json_array_size(order) < json_object_size(parents)) {
        snprintf(err, errlen, "the tables' foreign keys form a cycle: no order to copy them in");
        json_decref(order);
        order = NULL;
    }
    json_decref(src);
    json_decref(dst);
    json_decref(parents);
    json_decref(in_dst);
    json_decref(done);
    return order;
}

/* The current row of st as a JSON array of its values, each of the type
 * the source stored (SQLite's own typing: an integer stays one). */
static json_t *row_values(kj_db *db, kj_stmt *st, int ncol)
{
    const kj_store_backend *be = kj_db_store(db)->be;
    json_t *v = json_array();
    for (int c = 0; c < ncol; c++) {
        json_t *x;
        switch (be->column_type(st, c)) {
        case KJ_COL_INT: x = json_integer(be->column_int(st, c)); break;
        case KJ_COL_REAL: x = json_real(be->column_double(st, c)); break;
        case KJ_COL_TEXT: {
            size_t len;
            const char *txt = be->column_text(st, c, &len);
            x = json_stringn(txt, len);
            if (!x) x = json_stringn_nocheck(txt, len);   /* moved as it is */
            break;
        }
        default: x = json_null(); break;
        }
        json_array_append_new(v, x);
    }
    return v;
}

/* Rows per INSERT when copying: as many as fit in 999 parameters (the
 * lowest limit of the backends, SQLite's old default), at most 200. One
 * statement per row made a copy cost two round trips per row on
 * PostgreSQL (the statement and its savepoint): 12 s per 10k rows. */
enum { COPY_MAX_PARAMS = 999, COPY_MAX_ROWS = 200 };

/* "INSERT INTO t(columns of st) VALUES (?, …), … " for nrows rows. */
static char *insert_sql(kj_db *from, kj_stmt *st, const char *t, int ncol, int nrows)
{
    const kj_store_backend *be = kj_db_store(from)->be;
    char *sql = NULL;
    size_t len = 0;
    FILE *q = open_memstream(&sql, &len);
    if (!q) return NULL;
    fprintf(q, "INSERT INTO \"%s\"(", t);
    for (int c = 0; c < ncol; c++) fprintf(q, "%s\"%s\"", c ? ", " : "", be->column_name(st, c));
    fprintf(q, ") VALUES ");
    for (int r = 0; r < nrows; r++) {
        fprintf(q, "%s(", r ? ", " : "");
        for (int c = 0; c < ncol; c++) fprintf(q, "%s?", c ? ", " : "");
        fprintf(q, ")");
    }
    fclose(q);
    return sql;
}

/* Inserts one row (a JSON array of its values) with the one-row SQL. */
static int insert_row(kj_db *to, const char *one, json_t *v)
{
    kj_stmt *ins = kj_db_prepare_j(to, one, v);
    int irc = ins ? kj_stmt_step(to, ins) : KJ_DB_ERROR;
    kj_stmt_finish(to, ins);
    return irc;
}

/* Inserts the rows of batch (arrays of values): a full batch in one
 * statement (many, the batch SQL), the others row by row. A row refused
 * by a constraint (its parent in the same table, not copied yet) joins
 * pending; a refused batch statement is undone alone (per statement on
 * both backends) and its rows go in one by one. Returns 0 or -1. */
static int insert_rows(kj_db *to, const char *t, const char *one, const char *many, size_t per, json_t *batch,
                       json_t *pending, int64_t *copied, char *err, size_t errlen)
{
    size_t n = json_array_size(batch);
    if (n == per && per > 1) {
        json_t *all = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(batch, i, v) json_array_extend(all, v);
        kj_stmt *ins = kj_db_prepare_j(to, many, all);
        int irc = ins ? kj_stmt_step(to, ins) : KJ_DB_ERROR;
        kj_stmt_finish(to, ins);
        json_decref(all);
        if (irc >= 0) { *copied += (int64_t)n; return 0; }
        if (irc != KJ_DB_CONSTRAINT) { snprintf(err, errlen, "%s: cannot write rows: %s", t, kj_db_errmsg(to)); return -1; }
    }
    size_t i;
    json_t *v;
    json_array_foreach(batch, i, v) {
        int irc = insert_row(to, one, v);
        if (irc == KJ_DB_CONSTRAINT) json_array_append(pending, v);
        else if (irc < 0) { snprintf(err, errlen, "%s: cannot write a row: %s", t, kj_db_errmsg(to)); return -1; }
        else (*copied)++;
    }
    return 0;
}

/* Copies table t; returns the number of rows copied, or -1. */
static int64_t copy_table(kj_db *from, kj_db *to, const char *t, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
    kj_stmt *st = kj_db_prepare(from, sql, "");
    if (!st) { snprintf(err, errlen, "%s: cannot read: %s", t, kj_db_errmsg(from)); return -1; }
    char *one = NULL, *many = NULL;
    size_t per = 1;
    json_t *pending = json_array(), *batch = json_array();
    int64_t copied = 0;
    int rc = kj_db_begin(to);
    /* Rows the migrations wrote (reference values, such as work-order
     * types): the source has them too, as it ran the same migrations. */
    if (rc == 0) {
        snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", t);
        rc = kj_db_exec(to, sql, "") < 0 ? -1 : 0;
    }
    int ncol = -1;
    while (rc == 0 && (rc = kj_stmt_step(from, st)) == KJ_DB_ROW) {
        rc = 0;
        if (ncol < 0) {
            ncol = kj_db_store(from)->be->column_count(st);
            per = (size_t)(COPY_MAX_PARAMS / (ncol > 0 ? ncol : 1));
            if (per > COPY_MAX_ROWS) per = COPY_MAX_ROWS;
            if (per < 1) per = 1;
            one = insert_sql(from, st, t, ncol, 1);
            many = per > 1 ? insert_sql(from, st, t, ncol, (int)per) : NULL;
            if (!one || (per > 1 && !many)) { snprintf(err, errlen, "%s: out of memory", t); rc = -1; break; }
        }
        json_array_append_new(batch, row_values(from, st, ncol));
        if (json_array_size(batch) == per) {
            rc = insert_rows(to, t, one, many, per, batch, pending, &copied, err, errlen);
            json_array_clear(batch);
        }
    }
    if (rc == KJ_DB_DONE) rc = json_array_size(batch) ? insert_rows(to, t, one, many, per, batch, pending, &copied, err, errlen) : 0;
    else if (rc != 0 && !*err) snprintf(err, errlen, "%s: cannot read: %s", t, kj_db_errmsg(from));
    kj_stmt_finish(from, st);
    /* Rows refused for a parent of their own table: again, while some go in. */
    for (bool progress = true; rc == 0 && progress && json_array_size(pending);) {
        progress = false;
        json_t *left = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(pending, i, v) {
            int irc = insert_row(to, one, v);
            if (irc == KJ_DB_CONSTRAINT) json_array_append(left, v);
            else if (irc < 0) { snprintf(err, errlen, "%s: cannot write a row: %s", t, kj_db_errmsg(to)); rc = -1; break; }
            else { copied++; progress = true; }
        }
        json_decref(pending);
        pending = left;
    }
    if (rc == 0 && json_array_size(pending)) {
        snprintf(err, errlen, "%s: %zu rows refused by a constraint of the destination: %s", t,
                 json_array_size(pending), kj_db_errmsg(to));
        rc = -1;
    }
    json_decref(pending);
    json_decref(batch);
    free(one);
    free(many);
    if (rc == 0 && kj_db_commit(to) != 0) {
        snprintf(err, errlen, "%s: the commit failed: %s", t, kj_db_errmsg(to));
        return -1;
    }
    if (rc != 0) { kj_db_rollback(to); return -1; }
    return copied;
}

/* PostgreSQL's identity columns go on after the largest value copied. */
static int advance_sequences(kj_db *to, char *err, size_t errlen)
{
    if (strcmp(kj_db_store(to)->be->name, "postgresql")) return 0;
    json_t *cols = kj_db_rows(to, "SELECT table_name AS t, column_name AS c FROM information_schema.columns "
                                  "WHERE table_schema = current_schema() AND is_identity = 'YES'", "");
    if (!cols) { snprintf(err, errlen, "cannot read the identity columns: %s", kj_db_errmsg(to)); return -1; }
    size_t i;
    json_t *r;
    int rc = 0;
    json_array_foreach(cols, i, r) {
        const char *t = json_string_value(json_object_get(r, "t")), *c = json_string_value(json_object_get(r, "c"));
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max(\"%s\") FROM \"%s\"), 0) + 1, false)", c, t);
        kj_stmt *st = kj_db_prepare(to, sql, "ss", t, c);
        if (!st || kj_stmt_step(to, st) != KJ_DB_ROW) {
            snprintf(err, errlen, "%s.%s: cannot move its sequence on: %s", t, c, kj_db_errmsg(to));
            rc = -1;
        }
        kj_stmt_finish(to, st);
        if (rc) break;
    }
    json_decref(cols);
    return rc;
}

int kj_store_copy(kj_store *src, kj_store *dst, FILE *out, char *err, size_t errlen)
{
    *err = 0;
    kj_db *from = kj_store_acquire(src), *to = kj_store_acquire(dst);
    int rc = 0;
    json_t *order = NULL;
    int64_t vs = kj_db_int(from, -1, "SELECT max(version) FROM schema_migrations", "");
    int64_t vd = kj_db_int(to, -2, "SELECT max(version) FROM schema_migrations", "");
    if (vs != vd) {
        snprintf(err, errlen, "the databases are at different schema versions (%lld and %lld)", (long long)vs, (long long)vd);
        rc = -1;
    }
    if (rc == 0 && kj_db_int(to, 1, "SELECT count(*) FROM users", "") != 0) {
        snprintf(err, errlen, "the destination already holds accounts: migrate-data copies into a new database only");
        rc = -1;
    }
    if (rc == 0 && !(order = copy_order(from, to, err, errlen))) rc = -1;
    size_t i;
    json_t *tv;
    int64_t total = 0;
    json_array_foreach(order, i, tv) {
        if (rc) break;
        const char *t = json_string_value(tv);
        int64_t n = copy_table(from, to, t, err, errlen);
        if (n < 0) { rc = -1; break; }
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", t);
        int64_t a = kj_db_int(from, -1, sql, ""), b = kj_db_int(to, -2, sql, "");
        fprintf(out, "%-28s %8lld rows  %s\n", t, (long long)b, a == b ? "= source" : "DIFFERS from the source");
        if (a != b) {
            snprintf(err, errlen, "%s: %lld rows in the source, %lld in the destination", t, (long long)a, (long long)b);
            rc = -1;
        }
        total += b;
    }
    if (rc == 0) rc = advance_sequences(to, err, errlen);
    /* The destination's search index is built at its first start. */
    if (rc == 0 && kj_db_exec(to, "DELETE FROM meta WHERE key = 'search_format'", "") < 0) {
        snprintf(err, errlen, "cannot reset the search format: %s", kj_db_errmsg(to));
        rc = -1;
    }
    if (rc == 0) fprintf(out, "%zu tables, %lld rows copied; counts verified\n", json_array_size(order), (long long)total);
    json_decref(order);
    kj_store_release(src, from);
    kj_store_release(dst, to);
    return rc;
}

/* ---- export-instance / import-instance (store.h) ---- */

/* Tables an export leaves out: the migration runner's own and the search
 * index (as above), and what is derived, ephemeral or a secret of this
 * deployment: sign-in sessions and throttles, one-time e-mail and reset
 * tokens, federation nonces, queues (mail not yet sent, matches not yet
 * computed) and derived figures: the matches (recomputed when the new
 * deployment builds its search index at its first start; the owners'
 * feedback on them, match_feedback, is carried) and the statistics'
 * pre-counted figures (rebuilt by the job). */
static bool not_exported(const char *t)
{
    static const char *const left_out[] = {
        "sessions", "login_throttle", "email_tokens", "password_reset_asks", "fed_nonces", "mail_queue", "match_queue", "matches",
        "stats_facts", "stats_months", "stats_region_up", "stats_state", "stats_reports", NULL,
    };
    if (skipped(t)) return true;
    for (int i = 0; left_out[i]; i++) if (!strcmp(t, left_out[i])) return true;
    return false;
}

json_t *kj_store_export_tables(kj_db *db, char *err, size_t errlen)
{
    json_t *all = copy_order(db, db, err, errlen), *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t) if (!not_exported(json_string_value(t))) json_array_append(out, t);
    if (!all) { json_decref(out); return NULL; }
    json_decref(all);
    return out;
}

/* The column names of table t, sorted by name (the same on both backends). */
/* The columns of t by name, in byte order on both backends; *text gets,
 * per column, whether it holds text (PostgreSQL; SQLite compares text by
 * bytes whatever the column). */
static json_t *columns_of(kj_db *db, const char *t, json_t **text)
{
    *text = NULL;
    json_t *rows = !strcmp(kj_db_store(db)->be->name, "sqlite")
        ? kj_db_rows(db, "SELECT name AS c, 0 AS txt FROM pragma_table_info(?) ORDER BY name", "s", t)
        : kj_db_rows(db, "SELECT column_name AS c, CASE WHEN data_type IN ('text', 'character varying') THEN 1 ELSE 0 END AS txt "
                         "FROM information_schema.columns WHERE table_schema = current_schema() "
                         "AND table_name = ? ORDER BY column_name COLLATE \"C\"", "s", t);
    if (!rows) return NULL;
    json_t *out = json_array();
    *text = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_array_append(out, json_object_get(r, "c"));
        json_array_append_new(*text, json_boolean(json_integer_value(json_object_get(r, "txt")) != 0));
    }
    json_decref(rows);
    return out;
}

static bool plain_name(const char *s)
{
    return s && *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

int64_t kj_store_dump_table(kj_db *db, const char *t, json_t **columns, kj_row_sink sink, void *ctx, char *err, size_t errlen)
{
    *columns = NULL;
    if (!plain_name(t)) { snprintf(err, errlen, "%s: not a table name", t ? t : "?"); return -1; }
    json_t *text = NULL, *cols = columns_of(db, t, &text);
    if (!cols || !json_array_size(cols)) {
        snprintf(err, errlen, "%s: cannot read its columns: %s", t, kj_db_errmsg(db));
        json_decref(cols);
        json_decref(text);
        return -1;
    }
    char *sql = NULL;
    size_t len = 0;
    FILE *q = open_memstream(&sql, &len);
    fprintf(q, "SELECT ");
    size_t i;
    json_t *c;
    json_array_foreach(cols, i, c) fprintf(q, "%s\"%s\"", i ? ", " : "", json_string_value(c));
    fprintf(q, " FROM \"%s\"", t);
    /* meta: the search format belongs to the deployment that built its index. */
    if (!strcmp(t, "meta")) fprintf(q, " WHERE key <> 'search_format'");
    /* Rows in the same order from either backend, so that an export is
     * the same bytes whatever the database it came from: NULLs first (as
     * SQLite sorts them; PostgreSQL puts them last by default) and text
     * by bytes (PostgreSQL would follow the database's locale). */
    fprintf(q, " ORDER BY ");
    json_array_foreach(cols, i, c)
        fprintf(q, "%s\"%s\"%s NULLS FIRST", i ? ", " : "", json_string_value(c),
                json_is_true(json_array_get(text, i)) ? " COLLATE \"C\"" : "");
    json_decref(text);
    fclose(q);
    kj_stmt *st = kj_db_prepare(db, sql, "");
    free(sql);
    if (!st) { snprintf(err, errlen, "%s: cannot read: %s", t, kj_db_errmsg(db)); json_decref(cols); return -1; }
    int64_t n = 0;
    int rc;
    int ncol = (int)json_array_size(cols);
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        json_t *v = row_values(db, st, ncol);
        char *line = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(v);
        if (!line) { snprintf(err, errlen, "%s: a value that is not valid UTF-8 text", t); rc = KJ_DB_ERROR; break; }
        int s = sink(ctx, line, strlen(line));
        free(line);
        if (s) { snprintf(err, errlen, "%s: cannot write the export", t); rc = KJ_DB_ERROR; break; }
        n++;
    }
    if (rc != KJ_DB_DONE && !*err) snprintf(err, errlen, "%s: cannot read: %s", t, kj_db_errmsg(db));
    kj_stmt_finish(db, st);
    if (rc != KJ_DB_DONE) { json_decref(cols); return -1; }
    *columns = cols;
    return n;
}

int kj_store_load_begin(kj_db *db, const char *t, char *err, size_t errlen)
{
    if (!plain_name(t)) { snprintf(err, errlen, "%s: not a table name", t ? t : "?"); return -1; }
    if (kj_db_begin(db)) { snprintf(err, errlen, "%s: cannot begin: %s", t, kj_db_errmsg(db)); return -1; }
    char sql[300];
    snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", t);   /* rows the migrations wrote: the export has them too */
    if (kj_db_exec(db, sql, "") < 0) {
        snprintf(err, errlen, "%s: %s", t, kj_db_errmsg(db));
        kj_db_rollback(db);
        return -1;
    }
    return 0;
}

int kj_store_load_row(kj_db *db, const char *t, json_t *columns, json_t *values, char *err, size_t errlen)
{
    if (!json_is_array(values) || json_array_size(values) != json_array_size(columns)) {
        snprintf(err, errlen, "%s: a row with %zu values for %zu columns", t, json_array_size(values), json_array_size(columns));
        return -1;
    }
    char *sql = NULL;
    size_t len = 0;
    FILE *q = open_memstream(&sql, &len);
    fprintf(q, "INSERT INTO \"%s\"(", t);
    size_t i;
    json_t *c;
    bool ok = true;
    json_array_foreach(columns, i, c) {
        ok = ok && plain_name(json_string_value(c));
        fprintf(q, "%s\"%s\"", i ? ", " : "", ok ? json_string_value(c) : "");
    }
    fprintf(q, ") VALUES (");
    for (i = 0; i < json_array_size(columns); i++) fprintf(q, "%s?", i ? ", " : "");
    fprintf(q, ")");
    fclose(q);
    json_t *v;
    json_array_foreach(values, i, v)
        ok = ok && (json_is_string(v) || json_is_integer(v) || json_is_real(v) || json_is_null(v));
    if (!ok) { free(sql); snprintf(err, errlen, "%s: a column name or value of a kind a table cannot hold", t); return -1; }
    kj_stmt *st = kj_db_prepare_j(db, sql, values);
    free(sql);
    int rc = st ? kj_stmt_step(db, st) : KJ_DB_ERROR;
    kj_stmt_finish(db, st);
    if (rc < 0) { snprintf(err, errlen, "%s: a row refused: %s", t, kj_db_errmsg(db)); return -1; }
    return 0;
}

int kj_store_load_end(kj_db *db, bool ok, char *err, size_t errlen)
{
    if (!ok) { kj_db_rollback(db); return -1; }
    if (kj_db_commit(db)) { snprintf(err, errlen, "commit: %s", kj_db_errmsg(db)); return -1; }
    return 0;
}

int kj_store_load_mode(kj_db *db)
{
    /* The rows of one table arrive in column order, not parents first (a
     * center before its parent center): the staging copy checks no keys;
     * kj_store_copy into the real destination does, table by table. */
    if (strcmp(kj_db_store(db)->be->name, "sqlite")) return -1;
    return kj_db_exec(db, "PRAGMA foreign_keys=OFF", "") < 0 ? -1 : 0;
}
