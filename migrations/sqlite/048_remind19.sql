-- 048: event reminders (issue 19). One row per reminder sent: the day-before
-- reminder of an event (kind 'event', ref_id = the event) and the reminder
-- before a scheduled meeting (kind 'meeting', ref_id = the meeting), per
-- participant. The job claims the row in the same transaction that
-- enqueues the mail and the notification, so a reminder goes out exactly
-- once across restarts and nodes (the primary key refuses a second claim).
CREATE TABLE event_reminders (
    ref_id   TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users(id),
    kind     TEXT NOT NULL CHECK (kind IN ('event','meeting')),
    event_id TEXT NOT NULL REFERENCES events(id),
    due_at   INTEGER NOT NULL,
    sent_at  INTEGER NOT NULL,
    PRIMARY KEY (ref_id, user_id, kind)
);
CREATE INDEX event_reminders_event ON event_reminders(event_id);
