/*
 * tar.h — POSIX ustar archives, written and read as streams (kejiyun
 * backup/restore, export-instance/import-instance; see backup.h for why
 * not a library). Regular files only: the reader refuses links, devices,
 * absolute paths, ".." and empty path components, so that unpacking an
 * archive cannot write outside the directory it is unpacked into.
 * Sizes of 8 GiB and more use the base-256 form GNU tar and bsdtar read.
 *
 * No global state; one archive per call.
 */
#ifndef KJ_TAR_H
#define KJ_TAR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Appends a header for a regular file of len bytes (name: at most 255
 *  bytes, split into prefix/name at a '/' when over 100). The caller then
 *  writes exactly len bytes and kj_tar_pad(out, len). 0, or -1 (a name
 *  that does not fit, a write error). */
int kj_tar_header(FILE *out, const char *name, uint64_t len, unsigned mode, int64_t mtime);
/** Pads the entry of len bytes to the 512-byte block. 0 or -1. */
int kj_tar_pad(FILE *out, uint64_t len);
/** Appends a whole entry from memory. 0 or -1. */
int kj_tar_add(FILE *out, const char *name, const void *data, size_t len, unsigned mode, int64_t mtime);
/** Writes the two zero blocks that end an archive. 0 or -1. */
int kj_tar_end(FILE *out);

/** Whether name is a safe relative path: not empty, not absolute, no
 *  empty, "." or ".." component, no backslash or control character. */
bool kj_tar_safe_name(const char *name);

/** What kj_tar_each calls for each regular file: begin (name, mode, size),
 *  then data with consecutive chunks, then end; each returns 0 to go on or
 *  -1 to stop (after writing its reason into err). */
typedef struct {
    int (*begin)(void *ctx, const char *name, unsigned mode, uint64_t size, char *err, size_t errlen);
    int (*data)(void *ctx, const void *buf, size_t n, char *err, size_t errlen);
    int (*end)(void *ctx, char *err, size_t errlen);
} kj_tar_visitor;

/** Reads the archive from in to its end (two zero blocks), checking each
 *  header's checksum and name. 0, or -1 with a one-line reason in err (a
 *  damaged or truncated archive, an entry type or name we refuse, or the
 *  visitor's reason). Directory entries are skipped (parents are made as
 *  files need them). */
int kj_tar_each(FILE *in, const kj_tar_visitor *v, void *ctx, char *err, size_t errlen);
#endif
