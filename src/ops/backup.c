/*
 * backup.c — kejiyun backup / restore (backup.h): the archive of an
 * instance, its manifest, and the careful way back in.
 */
#include "ops/backup.h"
#include "ops/tar.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 16

/* a/b into out; -1 when it does not fit (then out holds a truncated path
 * nobody uses: callers check). */
static int join(char *out, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + 1 + lb + 1 > n) { if (n) out[0] = 0; return -1; }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 0;
}

/* snprintf into an array, true when it fit (paths that do not fit are refused). */
#define FITS(buf, ...) ((size_t)snprintf(buf, sizeof buf, __VA_ARGS__) < sizeof buf)

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- the files of the data directory ---- */

/* Top-level names never archived: the live database (its consistent copy
 * stands for it), what a restore leaves beside the data, and a node's copy
 * of the search index on a shared database (search/local.h; the default
 * search_dir): derived from the database, built again by the node that
 * misses it, and a copy taken at another moment than the database's dump
 * would hold changes the restored database does not (or lack some the
 * outbox no longer brings). */
static bool skipped_top(const char *name, const char *db_file)
{
    if (db_file && !strncmp(name, db_file, strlen(db_file))) return true;   /* kejiyun.db, -wal, -shm, -journal */
    return !strncmp(name, ".restore-", 9) || !strncmp(name, ".replaced-", 10) || !strcmp(name, "search");
}

/* Appends to list the relative paths of the regular files under dir/rel,
 * sorted by name at each level (a stable archive order). Symbolic links
 * and other special files are left out (see docs/deploy.md). */
static int walk(const char *root, const char *rel, int depth, const char *db_file, const char *skip_real, json_t *list,
                char *err, size_t errlen)
{
    if (depth > MAX_DEPTH) { snprintf(err, errlen, "%s: directories nested too deep", rel); return -1; }
    char path[4096];
    if (!FITS(path, "%s%s%s", root, *rel ? "/" : "", rel)) { snprintf(err, errlen, "%s: path too long", rel); return -1; }
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (rc == 0 && strcmp(nm, ".") && strcmp(nm, "..") && !(depth == 0 && skipped_top(nm, db_file))) {
            char sub[4096], full[4096];
            if (!FITS(sub, "%s%s%s", rel, *rel ? "/" : "", nm)) { free(names[i]); continue; }
            join(full, sizeof full, root, sub);
            struct stat st;
            char real[PATH_MAX];
            if (lstat(full, &st) == 0) {
                if (S_ISDIR(st.st_mode)) rc = walk(root, sub, depth + 1, db_file, skip_real, list, err, errlen);
                else if (S_ISREG(st.st_mode) && !(skip_real && realpath(full, real) && !strcmp(real, skip_real)))
                    json_array_append_new(list, json_string(sub));
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* Reads a whole file into memory (the archive header needs its length
 * before its bytes, and a file being replaced must be read once). */
static unsigned char *slurp(const char *path, size_t *len, unsigned *mode, int64_t *mtime)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (fstat(fd, &st) == 0) {
        *mode = st.st_mode & 0777;
        *mtime = st.st_mtime;
        cap = (size_t)st.st_size + 1;
        buf = malloc(cap);
        while (buf) {
            if (n == cap) {
                unsigned char *b = realloc(buf, cap *= 2);
                if (!b) { free(buf); buf = NULL; break; }
                buf = b;
            }
            ssize_t r = read(fd, buf + n, cap - n);
            if (r < 0) { free(buf); buf = NULL; break; }
            if (r == 0) break;
            n += (size_t)r;
        }
    }
    close(fd);
    if (buf) *len = n;
    return buf;
}

/* Adds the file at path to the archive as name and its line to files. */
static int add_file(FILE *out, const char *path, const char *name, json_t *files, char *err, size_t errlen)
{
    size_t len = 0;
    unsigned mode = 0644;
    int64_t mtime = 0;
    unsigned char *data = slurp(path, &len, &mode, &mtime);
    if (!data) {
        if (errno == ENOENT) return 0;   /* removed since the walk: nothing to keep */
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char d[crypto_hash_sha256_BYTES];
    char h[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(d, data, len);
    hex(d, sizeof d, h);
    int rc = kj_tar_add(out, name, data, len, mode, mtime);
    free(data);
    if (rc) { snprintf(err, errlen, "cannot write the archive entry %s (name too long, or disk full)", name); return -1; }
    char m[8];
    snprintf(m, sizeof m, "%04o", mode);
    json_array_append_new(files, json_pack("{s:s, s:I, s:s, s:s}", "path", name, "size", (json_int_t)len, "sha256", h, "mode", m));
    return 0;
}

int kj_backup_write(kj_db *db, const char *data_dir, const char *db_file, const char *out_path, const char *version,
                    json_t **manifest, char *err, size_t errlen)
{
    *manifest = NULL;
    char partial[4096], snap[4096];
    if (!FITS(partial, "%s.partial", out_path) || !FITS(snap, "%s.db-snapshot", out_path)) {
        snprintf(err, errlen, "the output path is too long");
        return -1;
    }
    struct stat st;
    if (stat(data_dir, &st) || !S_ISDIR(st.st_mode)) { snprintf(err, errlen, "%s: not a data directory", data_dir); return -1; }
    unlink(snap);
    FILE *out = fopen(partial, "wbx");
    if (!out) { snprintf(err, errlen, "%s: %s", partial, strerror(errno)); return -1; }
    json_t *m = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:I}", "format", KJ_BACKUP_FORMAT, "version", KJ_BACKUP_VERSION,
                          "kejiyun", version ? version : "", "created_at_ms", (json_int_t)kj_now_ms(),
                          "instance_id", kj_store_instance_id(db) ? kj_store_instance_id(db) : "",
                          "backend", kj_db_store(db)->be->name,
                          "schema_version", (json_int_t)kj_db_int(db, 0, "SELECT max(version) FROM schema_migrations", ""));
    json_t *files = json_array();
    int rc = 0, with_db = 0;
    /* 1. The database, as of one commit. */
    int s = kj_db_snapshot(db, snap, err, errlen);
    if (s < 0) rc = -1;
    if (s == 0) {
        with_db = 1;
        rc = add_file(out, snap, "kejiyun.db", files, err, errlen);
        if (rc == 0) {
            json_t *d = json_array_get(files, json_array_size(files) - 1);
            json_object_set(m, "database", d);
            json_object_set_new(d, "integrity_check", json_string("ok"));
        }
    }
    unlink(snap);
    if (s == 1) json_object_set_new(m, "database", json_null());
    /* 2. The files, read after the copy was taken. */
    json_t *list = json_array();
    char real_out[PATH_MAX];
    const char *skip = realpath(partial, real_out) ? real_out : NULL;
    if (rc == 0) rc = walk(data_dir, "", 0, db_file, skip, list, err, errlen);
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        if (rc) break;
        char full[4096], name[4096];
        join(full, sizeof full, data_dir, json_string_value(p));
        snprintf(name, sizeof name, "data/%s", json_string_value(p));
        rc = add_file(out, full, name, files, err, errlen);
    }
    json_decref(list);
    /* 3. The manifest, last: what every entry before it must be. */
    json_t *entries = json_array();
    json_array_foreach(files, i, p) if (strcmp(json_string_value(json_object_get(p, "path")), "kejiyun.db")) json_array_append(entries, p);
    json_object_set_new(m, "files", entries);
    json_decref(files);
    char *text = rc ? NULL : json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (rc == 0 && (!text || kj_tar_add(out, "manifest.json", text, strlen(text), 0644, kj_now_ms() / 1000) || kj_tar_end(out)))
        rc = -1, snprintf(err, errlen, "%s: cannot write the archive (disk full?)", partial);
    free(text);
    if (fflush(out) || fsync(fileno(out))) { if (rc == 0) snprintf(err, errlen, "%s: %s", partial, strerror(errno)); rc = -1; }
    if (fclose(out) && rc == 0) { snprintf(err, errlen, "%s: %s", partial, strerror(errno)); rc = -1; }
    if (rc == 0 && rename(partial, out_path)) { snprintf(err, errlen, "%s: %s", out_path, strerror(errno)); rc = -1; }
    if (rc) { unlink(partial); json_decref(m); return -1; }
    *manifest = m;
    return with_db ? 0 : 1;
}

/* ---- restore ---- */

typedef struct {
    const char *stage;
    json_t *seen;                 /* entry name -> {size, sha256} */
    json_t *manifest;
    char *manifest_text;
    size_t manifest_len, manifest_cap;
    int fd;                       /* the file being written, or -1 */
    bool in_manifest;
    bool instance;                /* an instance export (tables/, files/), not a backup */
    char name[260];
    uint64_t size;
    crypto_hash_sha256_state sha;
} unpack;

/* Makes the directories of stage/name's parents. */
static int make_parents(const char *path)
{
    char buf[4096];
    if (!FITS(buf, "%s", path)) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

static int u_begin(void *ctx, const char *name, unsigned mode, uint64_t size, char *err, size_t errlen)
{
    unpack *u = ctx;
    if (u->manifest) { snprintf(err, errlen, "entry \"%.100s\" after the manifest (the manifest is the last entry)", name); return -1; }
    if (json_object_get(u->seen, name)) { snprintf(err, errlen, "entry \"%.100s\" twice", name); return -1; }
    snprintf(u->name, sizeof u->name, "%s", name);
    u->size = size;
    crypto_hash_sha256_init(&u->sha);
    if (!strcmp(name, "manifest.json")) {
        if (size > 64u << 20) { snprintf(err, errlen, "manifest.json is implausibly large"); return -1; }
        u->in_manifest = true;
        u->manifest_len = 0;
        return 0;
    }
    bool ours = u->instance ? (!strncmp(name, "tables/", 7) || !strncmp(name, "files/", 6) || !strcmp(name, KJ_FED_KEY_FILE))
                            : (!strcmp(name, "kejiyun.db") || !strncmp(name, "data/", 5));
    if (!ours) {
        snprintf(err, errlen, "entry \"%.100s\" is not part of a kejiyun %s", name, u->instance ? "instance export" : "backup");
        return -1;
    }
    char path[4096];
    join(path, sizeof path, u->stage, name);
    if (make_parents(path)) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    u->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (u->fd < 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    if (fchmod(u->fd, (mode & 0777) | 0200)) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    return 0;
}

static int u_data(void *ctx, const void *buf, size_t n, char *err, size_t errlen)
{
    unpack *u = ctx;
    crypto_hash_sha256_update(&u->sha, buf, n);
    if (u->in_manifest) {
        if (u->manifest_len + n + 1 > u->manifest_cap) {
            size_t cap = (u->manifest_len + n + 1) * 2;
            char *t = realloc(u->manifest_text, cap);
            if (!t) { snprintf(err, errlen, "out of memory"); return -1; }
            u->manifest_text = t;
            u->manifest_cap = cap;
        }
        memcpy(u->manifest_text + u->manifest_len, buf, n);
        u->manifest_len += n;
        return 0;
    }
    for (const char *p = buf; n;) {
        ssize_t w = write(u->fd, p, n);
        if (w <= 0) { snprintf(err, errlen, "%s: %s", u->name, w < 0 ? strerror(errno) : "short write"); return -1; }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int u_end(void *ctx, char *err, size_t errlen)
{
    unpack *u = ctx;
    unsigned char d[crypto_hash_sha256_BYTES];
    char h[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256_final(&u->sha, d);
    hex(d, sizeof d, h);
    if (u->in_manifest) {
        u->in_manifest = false;
        json_error_t je;
        u->manifest = u->manifest_text ? json_loadb(u->manifest_text, u->manifest_len, 0, &je) : NULL;
        if (!json_is_object(u->manifest)) { snprintf(err, errlen, "manifest.json is not a JSON object"); return -1; }
        return 0;
    }
    int rc = fsync(u->fd) || close(u->fd) ? -1 : 0;
    u->fd = -1;
    if (rc) { snprintf(err, errlen, "%s: %s", u->name, strerror(errno)); return -1; }
    json_object_set_new(u->seen, u->name, json_pack("{s:I, s:s}", "size", (json_int_t)u->size, "sha256", h));
    return 0;
}

/* Every entry the manifest names was unpacked with its size and hash, and
 * nothing else was. */
static int check_manifest(unpack *u, bool want_db, char *err, size_t errlen)
{
    json_t *m = u->manifest;
    const char *what = u->instance ? "instance export" : "backup", *fmt = u->instance ? KJ_INSTANCE_FORMAT : KJ_BACKUP_FORMAT;
    int max_version = u->instance ? KJ_INSTANCE_VERSION : KJ_BACKUP_VERSION;
    if (!m) { snprintf(err, errlen, "no manifest.json: not a complete kejiyun %s (truncated?)", what); return -1; }
    const char *format = json_string_value(json_object_get(m, "format"));
    json_int_t version = json_integer_value(json_object_get(m, "version"));
    if (!format || strcmp(format, fmt)) { snprintf(err, errlen, "not a kejiyun %s (format \"%s\")", what, format ? format : ""); return -1; }
    if (version < 1 || version > max_version) {
        snprintf(err, errlen, "%s format version %lld: this kejiyun reads version %d (a newer kejiyun made it)", what, (long long)version, max_version);
        return -1;
    }
    json_t *want = json_array();
    json_t *db = json_object_get(m, "database");
    if (json_is_object(db)) json_array_append(want, db);
    json_t *tables = json_object_get(m, "tables");
    if (u->instance && !json_is_array(tables)) { json_decref(want); snprintf(err, errlen, "manifest.json: no table list"); return -1; }
    if (u->instance) json_array_extend(want, tables);
    json_t *key = json_object_get(m, "federation_key");
    if (u->instance && key) {
        if (!json_is_object(key) || strcmp(kj_jstr_or_empty(key, "path"), KJ_FED_KEY_FILE)) {
            json_decref(want);
            snprintf(err, errlen, "manifest.json: a federation_key entry that is not " KJ_FED_KEY_FILE);
            return -1;
        }
        json_array_append(want, key);
    }
    json_t *files = json_object_get(m, "files");
    if (!json_is_array(files)) { json_decref(want); snprintf(err, errlen, "manifest.json: no file list"); return -1; }
    json_array_extend(want, files);
    int rc = 0;
    size_t i;
    json_t *f;
    json_array_foreach(want, i, f) {
        const char *p = json_string_value(json_object_get(f, "path"));
        json_t *got = p ? json_object_get(u->seen, p) : NULL;
        if (!got) { snprintf(err, errlen, "%s: named by the manifest but missing from the archive", p ? p : "?"); rc = -1; break; }
        if (json_integer_value(json_object_get(got, "size")) != json_integer_value(json_object_get(f, "size")) ||
            !json_equal(json_object_get(got, "sha256"), json_object_get(f, "sha256"))) {
            snprintf(err, errlen, "%s: its contents differ from the manifest (damaged archive)", p);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && json_object_size(u->seen) != json_array_size(want)) {
        snprintf(err, errlen, "the archive holds entries the manifest does not name");
        rc = -1;
    }
    if (rc == 0 && want_db && !json_is_object(db)) {
        snprintf(err, errlen, "this backup holds no database (taken on PostgreSQL): restore the database with pg_restore or pgBackRest, and these files with --db postgresql://…");
        rc = -1;
    }
    json_decref(want);
    return rc;
}

/* rm -r of a staging directory this restore made (never anything else). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[4096];
            join(sub, sizeof sub, path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(sub);
            else unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* The names in dir, "." and ".." aside (NULL on error). */
static json_t *entries_of(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return NULL;
    json_t *out = json_array();
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) json_array_append_new(out, json_string(e->d_name));
    closedir(d);
    return out;
}

/* Renames each of names from directory from into directory to; stops at the
 * first failure and says which. */
static int move_entries(json_t *names, const char *from, const char *to, char *err, size_t errlen)
{
    size_t i;
    json_t *e;
    json_array_foreach(names, i, e) {
        char a[4096], b[4096];
        join(a, sizeof a, from, json_string_value(e));
        join(b, sizeof b, to, json_string_value(e));
        if (rename(a, b)) { snprintf(err, errlen, "cannot move %s into place: %s", b, strerror(errno)); return -1; }
    }
    return 0;
}

int kj_backup_restore(const char *archive, const char *data_dir, const char *db_path, bool force, kj_restore_check check,
                      void *check_ctx, json_t **manifest, char *err, size_t errlen)
{
    *manifest = NULL;
    if (mkdir(data_dir, 0750) && errno != EEXIST) { snprintf(err, errlen, "%s: %s", data_dir, strerror(errno)); return -1; }
    json_t *there = entries_of(data_dir);
    if (!there) { snprintf(err, errlen, "%s: %s", data_dir, strerror(errno)); return -1; }
    struct stat st;
    bool db_there = db_path && stat(db_path, &st) == 0;
    if ((json_array_size(there) || db_there) && !force) {
        snprintf(err, errlen, "%s is not empty (%zu entries%s): restore into a new, empty data directory, or add --force "
                 "to move what is there aside (into %s/.replaced-…)", data_dir, json_array_size(there),
                 db_there ? ", and a database" : "", data_dir);
        json_decref(there);
        return -1;
    }
    FILE *in = fopen(archive, "rb");
    if (!in) { json_decref(there); snprintf(err, errlen, "%s: %s", archive, strerror(errno)); return -1; }
    char stage[4096];
    if (!FITS(stage, "%s/.restore-XXXXXX", data_dir) || !mkdtemp(stage)) { fclose(in); json_decref(there); snprintf(err, errlen, "%s: %s", data_dir, strerror(errno)); return -1; }
    unpack u = { .stage = stage, .seen = json_object(), .fd = -1 };
    kj_tar_visitor v = { u_begin, u_data, u_end };
    int rc = kj_tar_each(in, &v, &u, err, errlen);
    fclose(in);
    if (u.fd >= 0) close(u.fd);
    if (rc == 0) rc = check_manifest(&u, db_path != NULL, err, errlen);
    if (rc == 0 && check) rc = check(check_ctx, u.manifest, err, errlen);
    /* Into place: what was there aside (force), then the staged entries. */
    char aside[4096] = "";
    if (rc == 0 && force && (json_array_size(there) || db_there)) {
        if (!FITS(aside, "%s/.replaced-%lld", data_dir, (long long)kj_now_ms()) || mkdir(aside, 0700)) { snprintf(err, errlen, "%s: %s", aside, strerror(errno)); rc = -1; }
        size_t i;
        json_t *e;
        json_array_foreach(there, i, e) {
            if (rc) break;
            char from[4096], to[4096];
            join(from, sizeof from, data_dir, json_string_value(e));
            join(to, sizeof to, aside, json_string_value(e));
            if (rename(from, to)) { snprintf(err, errlen, "cannot move %s aside: %s", from, strerror(errno)); rc = -1; }
        }
        if (rc == 0 && db_there && strncmp(db_path, data_dir, strlen(data_dir))) {
            char to[4096];
            if (!FITS(to, "%s/database-before-restore", aside) || rename(db_path, to)) { snprintf(err, errlen, "cannot move %s aside: %s", db_path, strerror(errno)); rc = -1; }
        }
    }
    if (rc == 0) {
        char from[4096];
        json_t *staged;
        join(from, sizeof from, stage, "data");
        if ((staged = entries_of(from))) {
            rc = move_entries(staged, from, data_dir, err, errlen);
            json_decref(staged);
        }
        join(from, sizeof from, stage, "kejiyun.db");
        if (rc == 0 && db_path && rename(from, db_path)) { snprintf(err, errlen, "cannot move the database to %s: %s", db_path, strerror(errno)); rc = -1; }
    }
    remove_tree(stage);
    json_decref(there);
    json_decref(u.seen);
    free(u.manifest_text);
    if (rc) { json_decref(u.manifest); return -1; }
    *manifest = u.manifest;
    return 0;
}

/* ---- export-instance / import-instance ---- */

typedef struct {
    FILE *f;
    crypto_hash_sha256_state sha;
    uint64_t size;
} table_sink;

static int sink_line(void *ctx, const char *line, size_t len)
{
    table_sink *t = ctx;
    if (fwrite(line, 1, len, t->f) != len || fputc('\n', t->f) == EOF) return -1;
    crypto_hash_sha256_update(&t->sha, (const unsigned char *)line, len);
    crypto_hash_sha256_update(&t->sha, (const unsigned char *)"\n", 1);
    t->size += len + 1;
    return 0;
}

/* Dumps every exported table of src into the archive; the manifest's
 * "tables" entries into tables. */
static int export_tables(kj_db *src, FILE *out, json_t *tables, char *err, size_t errlen)
{
    json_t *names = kj_store_export_tables(src, err, errlen);
    if (!names) return -1;
    int rc = 0;
    size_t i;
    json_t *tn;
    json_array_foreach(names, i, tn) {
        const char *t = json_string_value(tn);
        table_sink s = { .f = tmpfile() };
        if (!s.f) { snprintf(err, errlen, "no temporary file: %s", strerror(errno)); rc = -1; break; }
        crypto_hash_sha256_init(&s.sha);
        json_t *cols = NULL;
        int64_t rows = kj_store_dump_table(src, t, &cols, sink_line, &s, err, errlen);
        char name[300], h[2 * crypto_hash_sha256_BYTES + 1];
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&s.sha, d);
        hex(d, sizeof d, h);
        snprintf(name, sizeof name, "tables/%s.jsonl", t);
        if (rows < 0 || fflush(s.f) || fseek(s.f, 0, SEEK_SET) || kj_tar_header(out, name, s.size, 0644, kj_now_ms() / 1000)) {
            if (rows >= 0) snprintf(err, errlen, "%s: cannot write the archive", t);
            rc = -1;
        }
        char buf[65536];
        for (size_t n; rc == 0 && (n = fread(buf, 1, sizeof buf, s.f)) > 0;)
            if (fwrite(buf, 1, n, out) != n) { snprintf(err, errlen, "cannot write the archive (disk full?)"); rc = -1; }
        if (rc == 0 && kj_tar_pad(out, s.size)) rc = -1;
        fclose(s.f);
        if (rc == 0)
            json_array_append_new(tables, json_pack("{s:s, s:s, s:o, s:I, s:I, s:s}", "name", t, "path", name, "columns", cols,
                                                    "rows", (json_int_t)rows, "size", (json_int_t)s.size, "sha256", h));
        else json_decref(cols);
        if (rc) break;
    }
    json_decref(names);
    return rc;
}

int kj_instance_export(kj_db *db, const char *data_dir, const char *out_path, const char *version, bool with_key,
                       json_t **manifest, char *err, size_t errlen)
{
    *manifest = NULL;
    char partial[4096], snap[4096];
    if (!FITS(partial, "%s.partial", out_path) || !FITS(snap, "%s.db-snapshot", out_path)) {
        snprintf(err, errlen, "the output path is too long");
        return -1;
    }
    unlink(snap);
    /* A consistent source: SQLite's copy, or one transaction on PostgreSQL. */
    kj_store *copy = NULL;
    kj_db *src = db;
    int s = kj_db_snapshot(db, snap, err, errlen);
    if (s < 0) { unlink(snap); return -1; }
    if (s == 0) {
        copy = kj_store_open(&kj_sqlite_backend, snap, 1, NULL, NULL, err, errlen);
        if (!copy) { unlink(snap); return -1; }
        src = kj_store_acquire(copy);
    } else if (kj_db_begin(db)) {
        snprintf(err, errlen, "cannot begin a transaction: %s", kj_db_errmsg(db));
        return -1;
    }
    FILE *out = fopen(partial, "wbx");
    int rc = out ? 0 : -1;
    if (!out) snprintf(err, errlen, "%s: %s", partial, strerror(errno));
    /* Holding the key, the archive is as secret as the key file. */
    if (out && with_key && fchmod(fileno(out), 0600)) { snprintf(err, errlen, "%s: %s", partial, strerror(errno)); rc = -1; }
    json_t *m = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:I}", "format", KJ_INSTANCE_FORMAT, "version", KJ_INSTANCE_VERSION,
                          "kejiyun", version ? version : "", "exported_at_ms", (json_int_t)kj_now_ms(),
                          "instance_id", kj_store_instance_id(db) ? kj_store_instance_id(db) : "",
                          "source_backend", kj_db_store(db)->be->name,
                          "schema_version", (json_int_t)kj_db_int(src, 0, "SELECT max(version) FROM schema_migrations", ""));
    json_t *tables = json_array(), *files = json_array();
    if (rc == 0) rc = export_tables(src, out, tables, err, errlen);
    if (copy) { kj_store_release(copy, src); kj_store_close(copy); unlink(snap); }
    else kj_db_rollback(db);
    /* The uploaded files (the rows name them). */
    json_t *list = json_array();
    char fdir[4096];
    struct stat st;
    if (rc == 0 && FITS(fdir, "%s/files", data_dir) && stat(fdir, &st) == 0) rc = walk(data_dir, "files", 1, NULL, NULL, list, err, errlen);
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        if (rc) break;
        char full[4096];
        join(full, sizeof full, data_dir, json_string_value(p));
        rc = add_file(out, full, json_string_value(p), files, err, errlen);
    }
    json_decref(list);
    /* The instance's federation key, asked for (see backup.h): entry
     * federation.key, 0600, named by the manifest's "federation_key". */
    if (rc == 0 && with_key) {
        char kpath[4096];
        json_t *one = json_array();
        join(kpath, sizeof kpath, data_dir, KJ_FED_KEY_FILE);
        if (access(kpath, R_OK)) { snprintf(err, errlen, "%s: %s (--with-key: this instance has no federation key to carry)", kpath, strerror(errno)); rc = -1; }
        if (rc == 0) rc = add_file(out, kpath, KJ_FED_KEY_FILE, one, err, errlen);
        if (rc == 0 && json_array_size(one) != 1) { snprintf(err, errlen, "%s vanished while exporting", kpath); rc = -1; }
        if (rc == 0) json_object_set(m, "federation_key", json_array_get(one, 0));
        json_decref(one);
    }
    json_object_set_new(m, "tables", tables);
    json_object_set_new(m, "files", files);
    char *text = rc ? NULL : json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (rc == 0 && (!text || kj_tar_add(out, "manifest.json", text, strlen(text), 0644, kj_now_ms() / 1000) || kj_tar_end(out)))
        rc = -1, snprintf(err, errlen, "%s: cannot write the archive (disk full?)", partial);
    free(text);
    if (out) {
        if (fflush(out) || fsync(fileno(out))) { if (rc == 0) snprintf(err, errlen, "%s: %s", partial, strerror(errno)); rc = -1; }
        if (fclose(out) && rc == 0) { snprintf(err, errlen, "%s: %s", partial, strerror(errno)); rc = -1; }
    }
    if (rc == 0 && rename(partial, out_path)) { snprintf(err, errlen, "%s: %s", out_path, strerror(errno)); rc = -1; }
    if (rc) { if (out) unlink(partial); json_decref(m); return -1; }
    *manifest = m;
    return 0;
}

/* Loads the staged tables/<t>.jsonl of every manifest table into stage_db. */
static int load_tables(kj_db *sdb, const char *stage, json_t *tables, char *err, size_t errlen)
{
    if (kj_store_load_mode(sdb)) { snprintf(err, errlen, "the staging database refuses its load mode"); return -1; }
    size_t i;
    json_t *t;
    json_array_foreach(tables, i, t) {
        const char *name = json_string_value(json_object_get(t, "name")), *path = json_string_value(json_object_get(t, "path"));
        json_t *cols = json_object_get(t, "columns");
        char full[4096];
        if (!name || !path || !json_is_array(cols)) { snprintf(err, errlen, "manifest.json: a table entry without name, path or columns"); return -1; }
        join(full, sizeof full, stage, path);
        FILE *f = fopen(full, "r");
        if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
        if (kj_store_load_begin(sdb, name, err, errlen)) { fclose(f); return -1; }
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        int64_t n = 0;
        int rc = 0;
        while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
            json_error_t je;
            json_t *v = json_loadb(line, (size_t)len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
            if (!v) { snprintf(err, errlen, "%s:%lld: not a JSON row: %s", path, (long long)n + 1, je.text); rc = -1; }
            else rc = kj_store_load_row(sdb, name, cols, v, err, errlen);
            json_decref(v);
            n++;
        }
        free(line);
        fclose(f);
        if (rc == 0 && n != json_integer_value(json_object_get(t, "rows"))) {
            snprintf(err, errlen, "%s: %lld rows, the manifest says %lld", name, (long long)n, (long long)json_integer_value(json_object_get(t, "rows")));
            rc = -1;
        }
        if (kj_store_load_end(sdb, rc == 0, err, errlen) || rc) return -1;
    }
    return 0;
}

/* The federation key an export carried (entry federation.key, checked
 * against the manifest already) into data_dir, 0600, in place of a key the
 * new deployment made at a first start (kept beside it as
 * federation.key.replaced-<ms>: it identified nobody's peer yet, but a key
 * is never thrown away). Without one, says what the operator must do. */
static int install_key(const char *stage, const char *data_dir, bool carried, FILE *out, char *err, size_t errlen)
{
    if (!carried) {
        if (out) fprintf(out, "federation key: not in this export (made without --with-key): this deployment has a key of its own; "
                              "peers must add it (kejiyun peer key) before they accept it\n");
        return 0;
    }
    char from[4096], to[4096];
    join(from, sizeof from, stage, KJ_FED_KEY_FILE);
    join(to, sizeof to, data_dir, KJ_FED_KEY_FILE);
    size_t a_len = 0, b_len = 0;
    unsigned mode = 0;
    int64_t mtime = 0;
    unsigned char *a = slurp(from, &a_len, &mode, &mtime), *b = slurp(to, &b_len, &mode, &mtime);
    bool same = a && b && a_len == b_len && !memcmp(a, b, a_len);
    free(a);
    free(b);
    if (same) { if (out) fprintf(out, "federation key: the same key is in place already\n"); return 0; }
    if (b) {
        char keep[4200];
        snprintf(keep, sizeof keep, "%s.replaced-%lld", to, (long long)kj_now_ms());
        if (rename(to, keep)) { snprintf(err, errlen, "cannot set %s aside: %s", to, strerror(errno)); return -1; }
        if (out) fprintf(out, "federation key: this deployment's own key set aside as %s\n", keep);
    }
    if (chmod(from, 0600) || rename(from, to) || chmod(to, 0600)) {
        snprintf(err, errlen, "cannot put the federation key in place at %s: %s", to, strerror(errno));
        return -1;
    }
    if (out) fprintf(out, "federation key: carried (0600): this deployment is the same instance to its peers; "
                          "stop the old deployment before starting this one\n");
    return 0;
}

int kj_instance_import(const char *archive, kj_store *dst, const char *data_dir, const char *root, kj_conn_hook hook,
                       void *hook_ctx, FILE *out, json_t **manifest, char *err, size_t errlen)
{
    *manifest = NULL;
    kj_db *to = kj_store_acquire(dst);
    int64_t users = kj_db_int(to, -1, "SELECT count(*) FROM users", "");
    int64_t schema = kj_db_int(to, -1, "SELECT max(version) FROM schema_migrations", "");
    kj_store_release(dst, to);
    if (users != 0) {
        snprintf(err, errlen, users < 0 ? "cannot read the destination's accounts" :
                 "the destination instance already holds %lld accounts: import-instance fills a new, empty instance only", (long long)users);
        return -1;
    }
    char fdir[4096];
    json_t *there = FITS(fdir, "%s/files", data_dir) ? entries_of(fdir) : NULL;
    size_t nthere = json_array_size(there);
    json_decref(there);
    if (nthere) { snprintf(err, errlen, "%s holds %zu files: import-instance fills a new, empty instance only", fdir, nthere); return -1; }
    FILE *in = fopen(archive, "rb");
    if (!in) { snprintf(err, errlen, "%s: %s", archive, strerror(errno)); return -1; }
    char stage[4096];
    if (!FITS(stage, "%s/.import-XXXXXX", data_dir) || !mkdtemp(stage)) {
        fclose(in);
        snprintf(err, errlen, "%s: %s", data_dir, strerror(errno));
        return -1;
    }
    unpack u = { .stage = stage, .seen = json_object(), .fd = -1, .instance = true };
    kj_tar_visitor v = { u_begin, u_data, u_end };
    int rc = kj_tar_each(in, &v, &u, err, errlen);
    fclose(in);
    if (u.fd >= 0) close(u.fd);
    if (rc == 0) rc = check_manifest(&u, false, err, errlen);
    json_int_t from_schema = u.manifest ? json_integer_value(json_object_get(u.manifest, "schema_version")) : 0;
    if (rc == 0 && from_schema > schema) {
        snprintf(err, errlen, "exported at schema version %lld, newer than this kejiyun's %lld: upgrade kejiyun first", (long long)from_schema, (long long)schema);
        rc = -1;
    }
    /* The rows into a staging SQLite database of this version, then into dst. */
    char sdb_path[4096], mig[4096];
    kj_store *staging = NULL;
    if (rc == 0 && (!FITS(sdb_path, "%s/staging.db", stage) || !FITS(mig, "%s/migrations/sqlite", root))) {
        snprintf(err, errlen, "path too long");
        rc = -1;
    }
    if (rc == 0 && !(staging = kj_store_open(&kj_sqlite_backend, sdb_path, 1, hook, hook_ctx, err, errlen))) rc = -1;
    if (rc == 0 && kj_store_migrate(staging, mig, err, errlen) < 0) rc = -1;
    if (rc == 0) {
        kj_db *sdb = kj_store_acquire(staging);
        rc = load_tables(sdb, stage, json_object_get(u.manifest, "tables"), err, errlen);
        kj_store_release(staging, sdb);
    }
    if (rc == 0) rc = kj_store_copy(staging, dst, out, err, errlen);
    kj_store_close(staging);
    /* The files into place. */
    if (rc == 0) {
        char from[4096];
        json_t *staged;
        join(from, sizeof from, stage, "files");
        if ((staged = entries_of(from))) {
            if (mkdir(fdir, 0750) && errno != EEXIST) { snprintf(err, errlen, "%s: %s", fdir, strerror(errno)); rc = -1; }
            if (rc == 0) rc = move_entries(staged, from, fdir, err, errlen);
            json_decref(staged);
        }
    }
    if (rc == 0) rc = install_key(stage, data_dir, json_object_get(u.manifest, "federation_key") != NULL, out, err, errlen);
    remove_tree(stage);
    json_decref(u.seen);
    free(u.manifest_text);
    if (rc) { json_decref(u.manifest); return -1; }
    *manifest = u.manifest;
    return 0;
}
