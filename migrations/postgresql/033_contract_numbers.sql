-- 033: human contract numbers (issue 15 item 6): a contract is cited as
-- KJY-2026-000123 (the instance's prefix, the year it was agreed in, a
-- sequence within the year), never by the deal's ULID. Assigned when the
-- contract is frozen, inside that transaction; unique.
ALTER TABLE deals ADD COLUMN contract_no TEXT;
CREATE UNIQUE INDEX deals_contract_no ON deals(contract_no) WHERE contract_no IS NOT NULL;
-- Contracts frozen before this migration: numbered in the order their deals
-- were made, per year (UTC+8, the year China's documents use).
UPDATE deals SET contract_no = (
    SELECT 'KJY-' || x.y || '-' || lpad(x.n::text, 6, '0') FROM (
        SELECT id, to_char(to_timestamp(created_at / 1000 + 8 * 3600) AT TIME ZONE 'UTC', 'YYYY') AS y,
               row_number() OVER (PARTITION BY to_char(to_timestamp(created_at / 1000 + 8 * 3600) AT TIME ZONE 'UTC', 'YYYY')
                                  ORDER BY created_at, id) AS n
        FROM deals WHERE contract_hash IS NOT NULL) x
    WHERE x.id = deals.id)
WHERE contract_hash IS NOT NULL;
