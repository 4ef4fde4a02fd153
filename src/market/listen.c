/*
 * listen.c — the listeners of listing changes (see market.h).
 *
 * The registry is process state written only at start-up, by the thread
 * that builds the app, before any other thread starts; afterwards it is
 * read-only and read without a lock (the single-writer rule of
 * kj_listing_listen).
 */
#include "market/market.h"
#include "core/buf.h"

static struct { kj_listing_listener fn; void *ctx; } listeners[KJ_LISTING_LISTENERS_MAX];
static int nlisteners;

int kj_listing_listen(kj_listing_listener fn, void *ctx)
{
    for (int i = 0; i < nlisteners; i++)
        if (listeners[i].fn == fn && listeners[i].ctx == ctx) return 0;
    if (!fn || nlisteners == KJ_LISTING_LISTENERS_MAX) return -1;
    listeners[nlisteners].fn = fn;
    listeners[nlisteners].ctx = ctx;
    nlisteners++;
    return 0;
}

int kj_listing_publish(kj_db *db, const kj_listing_event *ev)
{
    for (int i = 0; i < nlisteners; i++)
        if (listeners[i].fn(listeners[i].ctx, db, ev) < 0) return -1;
    return 0;
}

char *kj_listing_keywords_text(json_t *kw)
{
    kj_buf b = { 0 };
    size_t i;
    json_t *k;
    json_array_foreach(kw, i, k) if (json_is_string(k)) { kj_buf_puts(&b, json_string_value(k)); kj_buf_puts(&b, " "); }
    return kj_buf_steal(&b, NULL);
}
