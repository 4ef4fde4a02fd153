-- 058: requests per client address for actions that send e-mail to an
-- address the requester types (registering, asking for a password reset),
-- src/account/address_limit.c. One row per (kind, address): the hits of
-- the current fixed window, which starts at the first hit after the last
-- window ended. In the database, not in memory, so that every node behind
-- a load balancer counts the same hits.
CREATE TABLE address_limits (
    kind         TEXT NOT NULL CHECK (kind IN ('register','forgot')),
    ip           TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (kind, ip)
);
CREATE INDEX address_limits_age ON address_limits(window_start);
