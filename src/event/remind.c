/* remind.c — reminders before an event and before each scheduled meeting
 * (kj_event_remind_tick, event.h), run by the job leader's minute tick.
 *
 * Exactly once: each reminder is a row of event_reminders (migration 048)
 * claimed with INSERT … ON CONFLICT DO NOTHING in the transaction that
 * enqueues its notification and e-mail; a second tick, a restart or
 * another node finds the row and sends nothing, and a failed enqueue
 * rolls the claim back so the next tick tries again. Only published
 * events, active registrations (approved, checked in) and scheduled
 * meetings are reminded: cancelled ones never are. */
#include "event/internal.h"
#include <stdio.h>
#include "core/clock.h"
#include "core/json_util.h"
#include "core/log.h"

/* Batch per tick: a big event's participants are reminded over a few
 * minutes rather than in one long transaction series per round. */
#define REMIND_BATCH 200

/* Claims and sends one reminder in its own transaction. 1 sent, 0 already
 * claimed (or the event vanished), -1 store failure (rolled back). */
static int remind_one(kj_db *db, const char *event_id, const char *ref_id, const char *user_id, const char *kind, int64_t due,
                      int64_t slot, int64_t table_no)
{
    if (kj_db_begin(db)) return -1;
    int n = kj_db_exec(db, "INSERT INTO event_reminders (ref_id, user_id, kind, event_id, due_at, sent_at) VALUES (?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (ref_id, user_id, kind) DO NOTHING", "ssssii", ref_id, user_id, kind, event_id, due, kj_now_ms());
    if (n < 0) { kj_db_rollback(db); return -1; }
    if (n == 0) { kj_db_rollback(db); return 0; }
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev) { kj_db_rollback(db); return kj_db_failed(db) ? -1 : 0; }
    char link[80], from[32], to[32], table[24];
    int rc;
    if (!strcmp(kind, "event")) {
        snprintf(link, sizeof link, "/events/%s", event_id);
        rc = kj_ev_tell(db, ev, user_id, "event_reminder", NULL, "mail.event.reminder", NULL, NULL, link);
    } else {
        snprintf(link, sizeof link, "/events/%s/agenda", event_id);
        kj_ev_local_text(ev, kj_ev_slot_start(ev, slot), from, sizeof from);
        kj_ev_local_text(ev, kj_ev_slot_end(ev, slot), to, sizeof to);
        snprintf(from + strlen(from), sizeof from - strlen(from), "–%s", to + 11);
        snprintf(table, sizeof table, "%lld", (long long)table_no + 1);
        rc = kj_ev_tell(db, ev, user_id, "event_meeting_reminder", NULL, "mail.event.slot", from, table, link);
    }
    json_decref(ev);
    if (rc) { kj_db_rollback(db); return -1; }
    return kj_db_commit(db) ? -1 : 1;
}

int kj_event_remind_tick(kj_db *db, int64_t before_event_ms, int64_t before_meeting_ms)
{
    int64_t now = kj_now_ms();
    int sent = 0, failed = 0;
    /* The day before: every active participant of a published event that
     * starts within before_event_ms (and has not started yet). */
    json_t *rows = kj_db_rows(db,
                              "SELECT r.event_id, r.user_id, e.starts_at FROM event_registrations r JOIN events e ON e.id = r.event_id "
                              "WHERE e.state = 'published' AND r.state IN ('approved','checked_in') AND e.starts_at > ? AND e.starts_at <= ? "
                              "AND NOT EXISTS (SELECT 1 FROM event_reminders x WHERE x.ref_id = r.event_id AND x.user_id = r.user_id "
                              "AND x.kind = 'event') ORDER BY e.starts_at, r.id LIMIT ?",
                              "iii", now, now + before_event_ms, (int64_t)REMIND_BATCH);
    if (!rows) return -1;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        int k = remind_one(db, kj_jstr(r, "event_id"), kj_jstr(r, "event_id"), kj_jstr(r, "user_id"), "event",
                           ev_int(r, "starts_at", 0) - before_event_ms, 0, 0);
        if (k > 0) sent++;
        else if (k < 0) failed++;
    }
    json_decref(rows);
    /* Before each scheduled meeting: both sides, when the meeting's slot
     * starts within before_meeting_ms, while they hold an active
     * registration. The slot's start is computed as kj_ev_slot_start does. */
    static const char *const sides[] = { "requester_id", "invitee_id" };
    for (int s = 0; s < 2; s++) {
        char sql[1200];
        snprintf(sql, sizeof sql,
                 "SELECT m.event_id, m.id, m.%s AS user_id, m.slot, m.table_no, "
                 "e.meeting_start + m.slot * e.slot_minutes * 60000 AS meeting_at FROM event_meetings m JOIN events e ON e.id = m.event_id "
                 "JOIN event_registrations r ON r.event_id = m.event_id AND r.user_id = m.%s "
                 "WHERE e.state = 'published' AND m.state = 'scheduled' AND m.slot IS NOT NULL AND e.meeting_start IS NOT NULL "
                 "AND r.state IN ('approved','checked_in') "
                 "AND e.meeting_start + m.slot * e.slot_minutes * 60000 > ? AND e.meeting_start + m.slot * e.slot_minutes * 60000 <= ? "
                 "AND NOT EXISTS (SELECT 1 FROM event_reminders x WHERE x.ref_id = m.id AND x.user_id = m.%s AND x.kind = 'meeting') "
                 "ORDER BY meeting_at, m.id LIMIT ?",
                 sides[s], sides[s], sides[s]);
        rows = kj_db_rows(db, sql, "iii", now, now + before_meeting_ms, (int64_t)REMIND_BATCH);
        if (!rows) return -1;
        json_array_foreach(rows, i, r) {
            int k = remind_one(db, kj_jstr(r, "event_id"), kj_jstr(r, "id"), kj_jstr(r, "user_id"), "meeting",
                               ev_int(r, "meeting_at", 0) - before_meeting_ms, ev_int(r, "slot", 0), ev_int(r, "table_no", 0));
            if (k > 0) sent++;
            else if (k < 0) failed++;
        }
        json_decref(rows);
    }
    if (failed) kj_log_error("events: %d reminder(s) could not be sent (retried next round)", failed);
    return failed ? -1 : sent;
}
