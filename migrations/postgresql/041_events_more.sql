-- 041: events, continued (issue 19): a deal started at an event meeting,
-- the language each participant registered in (their e-mails are written
-- in it), and why an event was cancelled. PostgreSQL changes the source
-- CHECK in place (SQLite rebuilds the deals table for that).
ALTER TABLE deals DROP CONSTRAINT deals_source_check;
-- event: a one-to-one meeting at an event whose two sides both recorded
-- an intention to cooperate (source_id = the meeting).
ALTER TABLE deals ADD CONSTRAINT deals_source_check CHECK (source IN ('eoi','order','challenge','event'));
-- One deal per event meeting.
CREATE UNIQUE INDEX deals_event ON deals(source_id) WHERE source = 'event';

-- The language a participant registered in (an offered tag such as
-- zh-CN or en): the e-mails about their registration and meetings are
-- written in it.
ALTER TABLE event_registrations ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';
-- Why the organizers cancelled the event (told to every participant).
ALTER TABLE events ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
