/* tell.c — telling a participant about their event: in-app (notify/) and
 * by e-mail (mail/, category "event", which each user may switch off or
 * fold into the daily digest), the e-mail written in the language the
 * participant registered in (event_registrations.lang). Runs inside the
 * caller's transaction, so a step and its messages commit together. */
#include "event/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core/buf.h"
#include "core/json_util.h"
#include "core/tz.h"
#include "mail/mail.h"
#include "notify/notify.h"

/* Set once by the application at start-up, before any thread (see event.h). */
const char *(*kj_event_text_hook)(const char *lang, const char *key) = NULL;

static const char *text(const char *lang, const char *key) { return kj_event_text_hook ? kj_event_text_hook(lang, key) : key; }

/* Appends tpl with {0} and {1} replaced by a0 and a1 ("" when NULL). */
static void fill(kj_buf *b, const char *tpl, const char *a0, const char *a1)
{
    for (const char *p = tpl; *p; p++) {
        if (p[0] == '{' && (p[1] == '0' || p[1] == '1') && p[2] == '}') {
            const char *a = p[1] == '0' ? a0 : a1;
            kj_buf_printf(b, "%s", a ? a : "");
            p += 2;
        } else kj_buf_printf(b, "%c", *p);
    }
}

void kj_ev_local_text(json_t *ev, int64_t ms, char *out, size_t n)
{
    const char *zone = kj_jstr(ev, "time_zone");
    time_t t = (time_t)((ms + (int64_t)kj_tz_offset(zone, ms) * 1000) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

const char *kj_ev_name_in(json_t *ev, const char *lang)
{
    const char *en = kj_jstr(ev, "name_en");
    return lang && strcmp(lang, "zh-CN") && en && *en ? en : kj_jstr_or_empty(ev, "name_zh");
}

int kj_ev_tell(kj_db *db, json_t *ev, const char *user_id, const char *kind, const char *who, const char *detail_key, const char *a0,
               const char *a1, const char *link)
{
    if (!user_id) return 0;
    if (kj_notify(db, user_id, kind, who ? who : kj_jstr(ev, "name_zh"), link) < 1) return -1;
    char *lang = kj_db_text(db, "SELECT lang FROM event_registrations WHERE event_id = ? AND user_id = ?", "ss", kj_jstr(ev, "id"), user_id);
    const char *l = lang && *lang ? lang : "zh-CN";
    const char *name = kj_ev_name_in(ev, l);
    char key[96], from[32], to[32];
    snprintf(key, sizeof key, "notify.%s", kind);
    kj_buf subj = { 0 }, body = { 0 };
    fill(&subj, text(l, key), who ? who : name, NULL);
    kj_buf_printf(&body, "%s\n\n", subj.data ? subj.data : "");
    kj_ev_local_text(ev, ev_int(ev, "starts_at", 0), from, sizeof from);
    kj_ev_local_text(ev, ev_int(ev, "ends_at", 0), to, sizeof to);
    fill(&body, text(l, "mail.event.event"), name, NULL);
    kj_buf_printf(&body, "\n");
    kj_buf when = { 0 };
    kj_buf_printf(&when, "%s – %s (%s)", from, to, kj_jstr_or_empty(ev, "time_zone"));
    fill(&body, text(l, "mail.event.when"), when.data, kj_jstr_or_empty(ev, "venue"));
    kj_buf_free(&when);
    kj_buf_printf(&body, "\n");
    if (detail_key) {
        kj_buf_printf(&body, "\n");
        fill(&body, text(l, detail_key), a0, a1);
        kj_buf_printf(&body, "\n");
    }
    kj_buf_printf(&body, "\n%s", text(l, "mail.event.footer"));
    int rc = kj_mail_enqueue_text(db, user_id, "event", subj.data ? subj.data : "", body.data, link) < 0 ? -1 : 0;
    kj_buf_free(&subj);
    kj_buf_free(&body);
    free(lang);
    return rc;
}

int kj_ev_tell_all(kj_db *db, json_t *ev, const char *states_sql, const char *kind, const char *detail_key, const char *a0,
                   const char *link)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT user_id FROM event_registrations WHERE event_id = ? AND state IN (%s) ORDER BY id", states_sql);
    json_t *rows = kj_db_rows(db, sql, "s", kj_jstr(ev, "id"));
    if (!rows) return -1;
    int rc = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        if (rc == 0 && kj_ev_tell(db, ev, kj_jstr(r, "user_id"), kind, NULL, detail_key, a0, NULL, link)) rc = -1;
    json_decref(rows);
    return rc;
}
