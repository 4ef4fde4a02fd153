/*
 * popsci_int.h — helpers shared by the files of src/popsci/ only (not a
 * public interface). All are pure functions over their arguments.
 */
#ifndef KJ_POPSCI_INT_H
#define KJ_POPSCI_INT_H
#include "core/buf.h"
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/** o[k] when it is a string (borrowed), else NULL. */
const char *kj_ps_str(json_t *o, const char *k);
/** s, or "" for NULL. */
const char *kj_ps_or(const char *s);
/** Sets errors[field] = key unless the field already has an error. */
void kj_ps_err(json_t *errors, const char *field, const char *key);
/** The end of a public function: 0 when kind is KJ_E_NONE, else fills e
 *  (kind; key and field of the "form" error, or of the first one in
 *  e->fields) and returns -1. */
int kj_ps_fail(kj_err *e, int kind);
/** The user's id, or NULL when signed out. */
const char *kj_ps_uid(json_t *user);
/** True for operators and administrators. */
bool kj_ps_staff(json_t *user);
/** True when v is one of the NULL-terminated set. */
bool kj_ps_in_set(const char *const *set, const char *v);
/** Length of UTF-8 s in code points (0 for NULL). */
size_t kj_ps_chars(const char *s);
/** True when w is one of the space-separated words of list. */
bool kj_ps_has_word(const char *list, const char *w);
/** True when user may review content row c (see popsci.h). */
bool kj_ps_may_review(json_t *user, json_t *c);
/** The content row (with author_name, topic_zh, topic_en) or NULL. */
json_t *kj_ps_content_row(kj_db *db, const char *id);
/** Validates content fields in for kind; fills regions and items in
 *  " a b " form and errors. */
void kj_ps_check_content(kj_db *db, const char *kind, json_t *in, kj_buf *regions, kj_buf *items, json_t *errors);
/** True when content id has an edit waiting for review (edit.c). */
bool kj_ps_revision_pending(kj_db *db, const char *id);
/** Approves or rejects the pending edit of published content row c
 *  (edit.c); statuses as kj_popsci_review. */
int kj_ps_review_revision(kj_db *db, json_t *user, json_t *c, const char *action, const char *reason, kj_err *perr);
#endif
