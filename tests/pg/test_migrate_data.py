"""test_migrate_data.py — kejiyun migrate-data moves a whole instance from
SQLite to PostgreSQL (HTTP-less).

Loads the demo into a SQLite data directory, runs
`kejiyun migrate-data --from sqlite:… --to postgresql://…` into a new
database of the cluster named by KEJIYUN_TEST_PG (cluster.py), then checks
on its own (not through kejiyun's report) that every table but the search
index holds the same number of rows on both sides, that the deal log's
hash chain verifies on PostgreSQL (the rows' contents came over byte for
byte), and that a
second copy into the now non-empty database is refused.

Prints one line per check and "pgmigrate: N passed, N failed".
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import cluster  # noqa: E402

BIN = os.environ.get("KEJIYUN_BIN", os.path.join(ROOT, "build", "san", "kejiyun"))
RESULTS = [0, 0]


def check(name, ok, detail=""):
    RESULTS[0 if ok else 1] += 1
    print(("ok - %s" if ok else "not ok - %s") % name + ("" if ok or not detail else ": " + detail))


def run(*args, env=None):
    return subprocess.run([BIN, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def psql(url, sql):
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", url, "-c", sql], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def main():
    base = os.environ.get("KEJIYUN_TEST_PG")
    if not base:
        print("pgmigrate: 0 passed, 1 failed  (KEJIYUN_TEST_PG is not set: run through tests/pg/cluster.py)")
        return 1
    tmp = tempfile.mkdtemp(prefix="kejiyun-migrate-")
    url = cluster.create_database(base, "migrate")
    env = dict(os.environ)
    env.pop("KEJIYUN_DB", None)
    try:
        demo = run("demo", "--data", tmp, env=env)
        check("demo loads on SQLite", demo.returncode == 0, demo.stdout[-1500:])
        copy = run("migrate-data", "--from", "sqlite:%s/kejiyun.db" % tmp, "--to", url, "--data", tmp, env=env)
        check("migrate-data succeeds and says the counts were verified",
              copy.returncode == 0 and "counts verified" in copy.stdout, copy.stdout[-1500:])
        lite = sqlite3.connect(os.path.join(tmp, "kejiyun.db"))
        tables = [r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                             "'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        tables = [t for t in tables if not t.startswith("search_") and t != "schema_migrations"]
        differ = []
        total = 0
        for t in tables:
            # The search format is left for the destination to set (it
            # builds its own index at its first start).
            where = " WHERE key <> 'search_format'" if t == "meta" else ""
            a = lite.execute('SELECT count(*) FROM "%s"%s' % (t, where)).fetchone()[0]
            b = int(psql(url, 'SELECT count(*) FROM "%s"%s' % (t, where)))
            total += a
            if a != b:
                differ.append("%s: %d vs %d" % (t, a, b))
        check("every table has the same rows on PostgreSQL (%d tables, %d rows)" % (len(tables), total),
              not differ and total > 1000, "; ".join(differ))
        same = [t for t in ("users", "listings", "deals", "deal_events") if
                lite.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] > 0]
        check("the demo's users, listings, deals and deal log are among them", len(same) == 4, str(same))
        audit = run("audit", "verify", "--data", tmp, "--db", url, env=env)
        check("the deal log's hash chain verifies on PostgreSQL", audit.returncode == 0, audit.stdout[-800:])
        again = run("migrate-data", "--from", "sqlite:%s/kejiyun.db" % tmp, "--to", url, "--data", tmp, env=env)
        check("a copy into a database that holds accounts is refused",
              again.returncode != 0 and "already holds accounts" in again.stdout, again.stdout[-800:])
        bad = run("migrate-data", "--from", "mysql://x/y", "--to", url, "--data", tmp, env=env)
        check("a URL of no backend is refused with a clear message",
              bad.returncode == 2 and "not a database URL" in bad.stdout, bad.stdout[-400:])
    finally:
        cluster.drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)
    print("pgmigrate: %d passed, %d failed" % tuple(RESULTS))
    return 1 if RESULTS[1] else 0


if __name__ == "__main__":
    sys.exit(main())
