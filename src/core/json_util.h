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
#endif
