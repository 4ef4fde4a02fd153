#!/usr/bin/env python3
"""gen.py — fills a migrated kejiyun database with generated records for the
statistics benchmark (bench/stats/run): N listings and M deals (signed,
completed, with their events), work orders, 揭榜 entries and 科普 readings,
spread over the regions the database knows (a third in 四川) and the last
24 months. Written straight into SQLite (the benchmark measures reading the
figures, not publishing), deterministic for a seed.

Usage: bench/stats/gen.py DB [--listings N] [--deals M] [--seed S]"""
import argparse
import random
import sqlite3
import time

DAY = 86400 * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--listings", type=int, default=1_000_000)
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now = int(time.time() * 1000)
    leaves = [r[0] for r in db.execute("SELECT code FROM regions WHERE level IN ('district', 'township')")]
    sichuan = [r[0] for r in db.execute(
        "WITH RECURSIVE s(code) AS (SELECT '510000' UNION ALL SELECT r.code FROM regions r JOIN s ON r.parent = s.code) "
        "SELECT code FROM s JOIN regions USING (code) WHERE level IN ('district', 'township')")]
    domains = [r[0] for r in db.execute("SELECT code FROM domains WHERE parent IS NOT NULL AND parent <> ''")]
    topics = [r[0] for r in db.execute("SELECT code FROM popsci_topics")] or ["t"]

    def region():
        return rnd.choice(sichuan) if rnd.random() < 0.33 else rnd.choice(leaves)

    users = []
    with db:
        for i in range(20000):
            uid = "U%07d" % i
            users.append((uid, region()))
            db.execute("INSERT INTO users(id, origin, email, name, password_hash, role, region, created_at, updated_at) "
                       "VALUES (?, 'LOCAL', ?, ?, 'x', ?, ?, 0, 0)",
                       (uid, "u%d@bench.test" % i, "用户%d" % i, "scientist" if i % 2 else "org_member", users[-1][1]))
    kinds = ["achievement"] * 2 + ["service", "demand"]
    demands = []
    t0 = time.time()
    with db:
        rows = []
        for i in range(a.listings):
            lid = "L%08d" % i
            kind = rnd.choice(kinds)
            dom = rnd.choice(domains)
            pub = now - rnd.randrange(730) * DAY - rnd.randrange(DAY)
            status = "published" if rnd.random() < 0.7 else rnd.choice(["expired", "withdrawn", "closed"])
            trl = rnd.randint(1, 9)
            rows.append((lid, kind, users[i % len(users)][0], status, "项目%d" % i, dom, dom[:3], region(),
                         "2099-12-31" if status == "published" else "2020-01-01",
                         trl if kind != "demand" else None, trl if kind == "demand" else None, pub, pub, pub))
            if kind == "demand":
                demands.append((lid, pub))
            if len(rows) == 50000:
                db.executemany("INSERT INTO listings(id, origin, kind, owner_id, status, title, domain, domain1, region, "
                               "valid_until, trl, trl_min, published_at, created_at, updated_at) "
                               "VALUES (?, 'LOCAL', ?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                rows = []
        if rows:
            db.executemany("INSERT INTO listings(id, origin, kind, owner_id, status, title, domain, domain1, region, "
                           "valid_until, trl, trl_min, published_at, created_at, updated_at) "
                           "VALUES (?, 'LOCAL', ?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        # Reviews of every listing; matches and accepted interest for some demands.
        db.execute("INSERT INTO listing_revisions(listing_id, rev, data, author_id, state, reviewer_id, created_at, reviewed_at) "
                   "SELECT id, 1, '{}', owner_id, 'approved', NULL, created_at - 86400000, created_at FROM listings WHERE id LIKE 'L%'")
        db.executemany("INSERT INTO matches(demand_id, offer_id, offer_kind, score, reasons, computed_at) VALUES (?, ?, 'achievement', ?, '[]', 0)",
                       [(d, "L%08d" % rnd.randrange(a.listings), rnd.random()) for d, _ in demands[: len(demands) // 2]])
        db.executemany("INSERT INTO eois(id, origin, listing_id, sender_id, message, status, created_at, decided_at) "
                       "VALUES (?, 'LOCAL', ?, ?, 'm', 'accepted', ?, ?)",
                       [("E%08d" % i, d, users[i % len(users)][0], p + DAY, p + rnd.randrange(1, 60) * DAY)
                        for i, (d, p) in enumerate(demands[: len(demands) // 3])])
    print("listings: %d in %.0f s" % (a.listings, time.time() - t0))
    t0 = time.time()
    types = ["development", "transfer", "license", "consulting", "service"]
    with db:
        for i in range(a.deals):
            did = "D%07d" % i
            created = now - rnd.randrange(700) * DAY
            d, _ = demands[i % len(demands)]
            prov, cli = rnd.sample(users, 2)
            state = rnd.choice(["inquiry", "agreed", "signed", "in_progress", "completed", "completed"])
            db.execute("INSERT INTO threads(id, origin, subject, created_at) VALUES (?, 'LOCAL', 's', ?)", (did, created))
            db.execute("INSERT INTO deals(id, origin, source, source_id, listing_id, thread_id, provider_id, client_id, title, "
                       "domain, region, state, contract_type, amount_fen, created_at, updated_at) "
                       "VALUES (?, 'LOCAL', 'eoi', ?, ?, ?, ?, ?, 't', ?, ?, ?, ?, ?, ?, ?)",
                       (did, did, d, did, prov[0], cli[0], rnd.choice(domains), cli[1], state,
                        None if state == "inquiry" else rnd.choice(types), rnd.randrange(1, 500) * 1000000, created, created))
            if state in ("signed", "in_progress", "completed"):
                db.execute("INSERT INTO deal_signatures(deal_id, user_id, contract_hash, signed_at) VALUES (?,?,'h',?), (?,?,'h',?)",
                           (did, prov[0], created + DAY, did, cli[0], created + 2 * DAY))
            if state == "completed":
                db.execute("INSERT INTO deal_events(seq, id, origin, deal_id, kind, data__json, created_at, prev_hash, hash) "
                           "VALUES (?, ?, 'LOCAL', ?, 'complete', '{}', ?, '', 'h')", (10_000_000 + i, "DE%07d" % i, did, created + 30 * DAY))
    print("deals: %d in %.0f s" % (a.deals, time.time() - t0))
    with db:
        centers = [r[0] for r in db.execute("SELECT id FROM service_centers")]
        if centers:
            for i in range(20000):
                created = now - rnd.randrange(700) * DAY
                db.execute("INSERT INTO workorders(id, requester_id, type, title, description, region, center_id, state, rating, "
                           "created_at, updated_at) VALUES (?, ?, 'policy', 't', 'd', ?, ?, 'closed', ?, ?, ?)",
                           ("W%07d" % i, users[i % len(users)][0], rnd.choice(sichuan), rnd.choice(centers),
                            rnd.randint(1, 5), created, created))
        content = [r[0] for r in db.execute("SELECT id FROM popsci_content WHERE status = 'published'")]
        for i in range(min(len(users), 20000)):
            if content:
                db.execute("INSERT INTO popsci_events(user_id, content_id, kind, topic, region, at) VALUES (?, ?, 'open', ?, ?, ?) "
                           "ON CONFLICT DO NOTHING", (users[i][0], rnd.choice(content), rnd.choice(topics), users[i][1],
                                                      now - rnd.randrange(700) * DAY))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


if __name__ == "__main__":
    main()
