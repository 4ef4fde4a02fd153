-- 039: several nodes on one database (issue 16).
--
-- The mail queue is sent by one node at a time (the job leader), but
-- leadership can pass while the old leader is inside a send: each e-mail
-- is claimed before it goes out. A node claims a queued e-mail by writing
-- its node id and the end of its claim (unix ms) in one conditional
-- UPDATE; another node skips the e-mail until the claim ends. A claim that
-- ends without a result (its node died during the send) lets the e-mail
-- be tried again: at least once, never twice while the claimer lives.
ALTER TABLE mail_queue ADD COLUMN claimed_by TEXT;
ALTER TABLE mail_queue ADD COLUMN claimed_until BIGINT;
