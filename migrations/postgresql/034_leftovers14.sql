-- 034: issue 14's leftovers.
-- A 科普 item's review clock (escalation between service centers, review/
-- route.h) starts when it was last submitted, not when it was created: a
-- rejected item sent back for review gets the full time again at the
-- center it starts from. 0 = never submitted since this column exists (the
-- queue then falls back to created_at, which is when it was submitted).
ALTER TABLE popsci_content ADD COLUMN submitted_at BIGINT NOT NULL DEFAULT 0;
UPDATE popsci_content SET submitted_at = created_at WHERE status = 'submitted';
