/*
 * err.h — the one error type of the domain modules (issue 13, item 4).
 *
 * A domain operation that refuses or fails says *what kind* of refusal it
 * is, which message explains it (an i18n key), and which input it concerns;
 * it never says how a transport shows it. The web layer maps the kind to an
 * HTTP status in exactly one place (src/web/app.c, kj_err_status); a command
 * line or a future transport maps it its own way.
 *
 * Usage: functions take a kj_err *e (never NULL), leave it untouched on
 * success, and on failure fill it and return -1 (or NULL), usually as
 * `return kj_err_set(e, KJ_E_CONFLICT, "err.x", "field");`. key, field and
 * arg point to static strings (or strings that outlive the kj_err).
 */
#ifndef KJ_ERR_H
#define KJ_ERR_H
#include <jansson.h>

typedef enum {
    KJ_E_NONE = 0,     /* no error (a zeroed kj_err) */
    KJ_E_INVALID,      /* the input is wrong: fix the field and send again */
    KJ_E_BAD_REQUEST,  /* the request itself makes no sense (not a form error) */
    KJ_E_FORBIDDEN,    /* the actor may not do this */
    KJ_E_NOT_FOUND,    /* no such thing (or not visible to the actor) */
    KJ_E_CONFLICT,     /* the thing's state does not allow it now */
    KJ_E_GONE,         /* it existed but is over (expired, used) */
    KJ_E_TOO_LARGE,    /* an upload or value beyond its limit */
    KJ_E_LIMITED,      /* too many attempts: try later */
    KJ_E_INTERNAL,     /* the store or the system failed; nothing was changed */
} kj_err_kind;

typedef struct {
    kj_err_kind kind;
    const char *key;    /* i18n message key */
    const char *field;  /* input concerned, or NULL */
    const char *arg;    /* argument of the message, or NULL */
    json_t *fields;     /* forms that check every input at once: when the
                           caller sets this to a JSON object, each refused
                           input is added as field -> key (first key wins);
                           owned by the caller, never reset by kj_err_set */
} kj_err;

/** Fills e and returns -1, so that a failing path can `return kj_err_set(...)`. */
static inline int kj_err_set(kj_err *e, kj_err_kind kind, const char *key, const char *field)
{
    e->kind = kind;
    e->key = key;
    e->field = field;
    e->arg = 0;
    return -1;
}
#endif
