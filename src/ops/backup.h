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
int kj_backup_restore(const char *archive, const char *data_dir, const char *db_path, bool force, json_t **manifest,
                      char *err, size_t errlen);
#endif
