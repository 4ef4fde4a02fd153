/*
 * files.h — the uploaded files and their variants under data_dir/files:
 * attachments (market/attach.h), image variants and videos (media/). Below
 * both, so that the market's attachments and the media that derive from
 * them share the one way of writing a file without depending on each other.
 */
#ifndef KJ_FILES_H
#define KJ_FILES_H
#include <stddef.h>

/** data_dir/files/<name><suffix> into out (n bytes). */
void kj_file_path(const char *data_dir, const char *name, const char *suffix, char *out, size_t n);
/** The whole of data_dir/files/name (malloc'd, NUL-terminated, its size in
 *  *len), or NULL when it is missing or unreadable. name is trusted: build
 *  it from a validated id. */
char *kj_file_read(const char *data_dir, const char *name, size_t *len);
/** Writes size bytes as data_dir/files/name, whole or not at all: under a
 *  temporary name, synced, then renamed into place, so a reader never sees
 *  half a file. 0, or -1 (logged). */
int kj_file_write(const char *data_dir, const char *name, const void *data, size_t size);
#endif
