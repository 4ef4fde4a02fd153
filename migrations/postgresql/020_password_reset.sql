-- 020: self-service password reset by e-mail, and secrets that do not
-- linger in the mail queue (issue 12 follow-up).

-- E-mail links share one table: a verification link proves an address,
-- a reset link lets its owner set a new password. Both are stored as the
-- token's hash only, serve once and expire (see src/account/verify.c and
-- reset.c); each kind only ever answers its own page.
ALTER TABLE email_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT 'verify' CHECK (purpose IN ('verify', 'reset'));

-- Reset requests per address, known or not: at most one mail per address
-- per window, and the same write whether or not the address has an
-- account (no enumeration by timing). Rows older than the window are
-- pruned by the next request.
CREATE TABLE password_reset_asks (
    address_hash TEXT PRIMARY KEY,   -- BLAKE2b-256 of the lower-cased address
    last_at      BIGINT NOT NULL
);
CREATE INDEX password_reset_asks_age ON password_reset_asks(last_at);

-- Mails carrying a secret (a verification or reset link): once sent (or
-- given up, or expired with their link) their body is replaced by a
-- placeholder; expires_at is the link's, after which they are not sent.
ALTER TABLE mail_queue ADD COLUMN sensitive BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mail_queue ADD COLUMN expires_at BIGINT;
UPDATE mail_queue SET sensitive = 1, expires_at = created_at + 48 * 3600 * 1000 WHERE category = 'account.verify';
-- Sent or abandoned ones lose their body now; queued ones past their
-- link's expiry are abandoned by the mail worker's next pass.
UPDATE mail_queue SET body = '[removed: this e-mail carried a one-time link]'
 WHERE sensitive = 1 AND status IN ('sent', 'failed');
