/*
 * json_util.h — the small accessors every module used to copy: reading a
 * member of a jansson object without a type check at each call site.
 */
#ifndef KJ_JSON_UTIL_H
#define KJ_JSON_UTIL_H
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

/** The string member k of object o; NULL when o is NULL or not an object,
 *  or k is missing or not a string. The string belongs to o. */
static inline const char *kj_jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/** kj_jstr, with "" instead of NULL (for text that is printed as is). */
static inline const char *kj_jstr_or_empty(json_t *o, const char *k)
{
    const char *s = kj_jstr(o, k);
    return s ? s : "";
}

/** The id of a users row (a session's user), or NULL for no user. */
static inline const char *kj_user_id(json_t *user) { return kj_jstr(user, "id"); }

/** True when s is one of the strings of list (NULL-terminated); false
 *  for a NULL s. */
static inline bool kj_in_list(const char *const *list, const char *s)
{
    for (; s && list && *list; list++)
        if (!strcmp(*list, s)) return true;
    return false;
}

/** Adds each row of rows (an array of objects) to into under its string
 *  member key ("" when missing; a later row wins), then releases rows (the
 *  rows live on in into). Returns into. For lookups by id or code of rows
 *  read in one statement. */
static inline json_t *kj_rows_index(json_t *into, json_t *rows, const char *key)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set(into, kj_jstr_or_empty(r, key), r);
    json_decref(rows);
    return into;
}
#endif
