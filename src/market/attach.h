/*
 * attach.h — uploaded files (attachments) of listings and studios.
 *
 * Owns: what an upload may be (type decided from the CONTENT with
 * libmagic, never from the name or the client's Content-Type), how big,
 * where its bytes live (<data dir>/files/<id>, outside the web root), the
 * attachments table rows, removing image metadata before storing
 * (JPEG APP1/APP13/COM segments, PNG text and eXIf chunks, WebP EXIF/XMP
 * chunks: anonymous listings must not leak names or GPS positions), and
 * the HTTP header values a download needs (Content-Disposition).
 *
 * Who may download what is decided by the /files/{id} handler
 * (pages_studio.c); this module only stores and finds.
 *
 * Threading: every function may be called from any thread. libmagic
 * handles are not thread-safe: the one handle is used under a mutex.
 */
#ifndef KJ_ATTACH_H
#define KJ_ATTACH_H
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>

/* Longest stored file name, in bytes (cut at a UTF-8 boundary). */
#define KJ_ATTACH_NAME_MAX 200

/** The content types accepted (NULL-terminated): image/png, image/jpeg,
 *  image/webp, image/gif, application/pdf. */
extern const char *const kj_attach_mimes[];

/** Detects the type of size bytes with libmagic. Returns the matching
 *  entry of kj_attach_mimes (static string) when the type is accepted,
 *  otherwise NULL and, when e is given, e filled: INVALID
 *  "err.attach.type" (or INTERNAL "err.internal" when libmagic cannot be
 *  used). Thread-safe (serialised by a mutex). */
const char *kj_attach_sniff(const void *data, size_t size, kj_err *e);

/** The file name extension for an accepted mime ("png", "jpg", "webp",
 *  "gif", "pdf"), "bin" for anything else. Static string. */
const char *kj_attach_ext(const char *mime);

/** True for types a browser shows in place (the images); false for
 *  types that are downloaded (PDF). */
bool kj_attach_is_inline(const char *mime);

/** Metadata strippers: copy in (n bytes) to out without the metadata
 *  blocks named in the file comment; anything after the end marker
 *  (JPEG EOI, PNG IEND, the RIFF size) is dropped too. Return 0, or -1
 *  when the structure is malformed (out then holds a partial copy the
 *  caller must discard). out is appended to; the caller owns it. */
int kj_attach_strip_jpeg(const unsigned char *in, size_t n, kj_buf *out);
int kj_attach_strip_png(const unsigned char *in, size_t n, kj_buf *out);
int kj_attach_strip_webp(const unsigned char *in, size_t n, kj_buf *out);

/** Makes the stored form of a client's file name: the last path
 *  component, without control characters, valid UTF-8, at most
 *  KJ_ATTACH_NAME_MAX bytes, ending in the extension of mime (added when
 *  missing, so a PDF is never saved as "x.html"). Writes into out (size
 *  ≥ KJ_ATTACH_NAME_MAX + 8). */
void kj_attach_clean_name(const char *filename, const char *mime, char *out, size_t n);

/** What kj_attach_store does before writing, for a module that keeps its
 *  files elsewhere (an organization's business licence, org/verify.h):
 *  checks size (1..max_size bytes), detects the type from the content,
 *  refuses an image beyond the pixel budget, strips image metadata. On
 *  success *mime_out is the detected type (static string) and stored
 *  (appended to; the caller frees it) the bytes to keep: 0. Otherwise -1
 *  with e as for kj_attach_store; stored then holds nothing the
 *  caller may keep. */
int kj_attach_prepare(const void *data, size_t size, size_t max_size, const char **mime_out,
                      kj_buf *stored, kj_err *e);

/** Stores an upload: checks size (1..max_size bytes), detects the type,
 *  refuses an image whose header declares more pixels than
 *  kj_image_max_pixels() (media/image.h; before anything decodes it),
 *  strips image metadata, writes <data_dir>/files/<id> (created 0750 if
 *  missing; written to a temporary name, flushed, then renamed) and
 *  inserts the attachments row (owner_id required; listing_id and
 *  studio_id may be NULL). On success writes the new id (KJ_ID_LEN + 1
 *  bytes) and returns 0. On failure returns -1 with e (field NULL: the
 *  caller names its input) TOO_LARGE "err.attach.too_large", INVALID
 *  "err.attach.empty", "err.attach.type", "err.attach.pixels" or
 *  "err.attach.corrupt", or INTERNAL "err.internal"; nothing is left behind. */
int kj_attach_store(kj_db *db, const char *data_dir, size_t max_size,
                    const char *owner_id, const char *listing_id, const char *studio_id,
                    const char *filename, const void *data, size_t size, bool confidential,
                    char *id_out, kj_err *e);

/** The attachments row {id, owner_id, listing_id, studio_id, filename,
 *  mime, size, sha256, confidential, created_at}, or NULL. New ref. */
json_t *kj_attach_get(kj_db *db, const char *id);
/** A listing's attachment rows, oldest first (empty array when none,
 *  NULL on a database error). New ref. */
json_t *kj_attach_list(kj_db *db, const char *listing_id);
/** Deletes the row and then the file. 0, or -1 when there was no such
 *  attachment or the database refused. A file that cannot be unlinked
 *  is logged and left (the row is what grants access). */
int kj_attach_delete(kj_db *db, const char *data_dir, const char *id);
/** The stored bytes of attachment id (malloc'd, caller frees; length in
 *  *len), or NULL when the file is missing or unreadable. */
char *kj_attach_read(const char *data_dir, const char *id, size_t *len);

/** Appends a Content-Disposition value for a download named filename:
 *  "inline" for images and "attachment" otherwise, an ASCII fallback
 *  filename="..." and the exact name as filename*=UTF-8''... (RFC 5987
 *  percent-encoding). 0, or -1 when memory runs out. */
int kj_attach_disposition(kj_buf *out, const char *mime, const char *filename);
#endif
