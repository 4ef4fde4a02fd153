/*
 * backup.h — kejiyun backup and kejiyun restore: a whole instance (the
 * database and the data directory's files) in one archive, taken while it
 * serves, and put back into a new data directory.
 *
 * The archive is a POSIX ustar file (any tar lists and extracts it),
 * written and read here rather than through a library: the format is
 * small, the reader must refuse what an archive of ours never holds
 * (links, devices, absolute or ".." paths), and no new dependency is
 * needed. Its entries, in order:
 *   kejiyun.db      a consistent copy of the SQLite database (store.h
 *                   kj_db_snapshot; absent on PostgreSQL, whose database is
 *                   backed up with pg_dump or pgBackRest)
 *   data/<path>     each regular file of the data directory (attachments,
 *                   federation.key, reports, templates, i18n, policies, ...),
 *                   read after the database copy was taken
 *   manifest.json   last: format "kejiyun-backup", version 1, when, the
 *                   instance id, backend, schema version, and the size and
 *                   SHA-256 of every other entry (docs/deploy.md).
 * Files are read after the database copy, so every file a row of the copy
 * names is there unless it was deleted in between (a deleted attachment:
 * its row is gone from the live instance too).
 *
 * Single-threaded use: from the commands (main.c).
 */
#ifndef KJ_BACKUP_H
#define KJ_BACKUP_H
#include "store/store.h"
#include <stdbool.h>

#define KJ_BACKUP_FORMAT "kejiyun-backup"
#define KJ_BACKUP_VERSION 1
#define KJ_INSTANCE_FORMAT "kejiyun-instance"
#define KJ_INSTANCE_VERSION 1

/** Writes the archive of data_dir (and of db where the backend can copy
 *  itself, see kj_db_snapshot) to out_path, first as out_path.partial,
 *  renamed when complete, so that a failed backup never leaves an
 *  archive-looking file. db_file: the live database's file name inside
 *  data_dir ("kejiyun.db"), left out of the files (the copy stands for
 *  it); NULL when the database lives elsewhere. *manifest gets the
 *  manifest (new ref). 0 with the database, 1 files only (PostgreSQL), -1
 *  with a one-line reason in err. */
int kj_backup_write(kj_db *db, const char *data_dir, const char *db_file, const char *out_path, const char *version,
                    json_t **manifest, char *err, size_t errlen);

/** Restores the archive into data_dir (created when missing), the
 *  database copy to db_path (NULL: files only, e.g. PostgreSQL). Refuses
 *  a data_dir that holds anything unless force; with force the entries
 *  there are moved aside into data_dir/.replaced-<ms>/ (nothing is
 *  deleted). Everything is unpacked into a staging directory first and
 *  checked against the manifest (every entry's size and SHA-256, nothing
 *  missing or extra, a format version this build reads) before anything
 *  is moved into place. *manifest gets the manifest (new ref). 0, or -1
 *  with a one-line reason in err (nothing in place changed). */
typedef int (*kj_restore_check)(void *ctx, json_t *manifest, char *err, size_t errlen);
/** check (may be NULL) is asked once the archive checked out, before
 *  anything is moved into place: whether the files may go beside the
 *  database (on PostgreSQL, one pg_restore filled with this backup's
 *  instance). Its refusal (non-zero, the reason in err) changes nothing. */
int kj_backup_restore(const char *archive, const char *data_dir, const char *db_path, bool force, kj_restore_check check,
                      void *check_ctx, json_t **manifest, char *err, size_t errlen);

/*
 * export-instance / import-instance: an instance's data carried to a new
 * deployment, on SQLite or PostgreSQL, in a backend-neutral, versioned
 * archive (docs/deploy.md), again a POSIX ustar file:
 *   tables/<table>.jsonl  one JSON array per line: a row's values (integers,
 *                         reals, text, null as stored), columns sorted by
 *                         name, rows ordered by every column; every table
 *                         of kj_store_export_tables, parents first
 *   files/<path>          the uploaded files (data directory's files/)
 *   manifest.json         last: format "kejiyun-instance", version 1, the
 *                         instance id, schema version, and per table its
 *                         name, columns, row count, size and SHA-256, and
 *                         per file its size and SHA-256.
 * Users, organizations, studios, listings, 揭榜, 科普, deals and all they
 * depend on are rows of those tables; sessions, tokens, queues and derived
 * figures are not carried (the new deployment makes its own).
 */

/* The instance's federation key (fed/fed.h: its Ed25519 secret key, the
 * instance's identity to its peers). An export carries it only when asked
 * (with_key, `export-instance --with-key`): the file is made to move the
 * instance, but it is also what a test copy, a hand-over of the data or an
 * analysis gets, and a copy holding the key can sign as this instance to
 * every peer — two live instances with one identity. With it, the import
 * puts it in DATA/federation.key (0600) and the new deployment keeps the
 * instance's id and key: its peers accept it without re-adding anything.
 * Without it, the new deployment makes its own key and peers add it. */
#define KJ_FED_KEY_FILE "federation.key"

/** Writes the export of the instance db (with data_dir/files) to
 *  out_path (via out_path.partial). SQLite: read from a consistent copy
 *  (kj_db_snapshot), so writers go on; PostgreSQL: read inside one
 *  transaction. *manifest gets the manifest (new ref). 0, or -1 with a
 *  one-line reason in err. */
int kj_instance_export(kj_db *db, const char *data_dir, const char *out_path, const char *version, bool with_key,
                       json_t **manifest, char *err, size_t errlen);

/** Imports an export into dst (migrated, without accounts: a new
 *  instance; refused otherwise) and its files into data_dir/files (which
 *  must be empty). Unpacks into a staging directory, checks every entry
 *  against the manifest, loads the rows into a staging SQLite database
 *  migrated from root/migrations/sqlite (its connections set up by hook,
 *  e.g. the search tokenizer its schema names; row counts checked), then copies
 *  them into dst table by table with kj_store_copy (parents first, counts
 *  verified), then moves the files into place. Prints a line per table on
 *  out. *manifest gets the manifest (new ref). 0, or -1 with a one-line
 *  reason in err. */
int kj_instance_import(const char *archive, kj_store *dst, const char *data_dir, const char *root, kj_conn_hook hook,
                       void *hook_ctx, FILE *out, json_t **manifest, char *err, size_t errlen);
#endif
