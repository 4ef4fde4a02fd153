"""kejiyun backup / restore (issue 17 §1, docs/deploy.md).

A backup taken while a writer keeps adding listings through the API is
restored into a new data directory; a server started on it has every
write acknowledged before the backup started, its database passes
integrity_check, the deal log's hash chain verifies, and the data
directory's files (pictures, the federation key) came back byte for
byte. Then the refusals: a non-empty data directory (unless --force,
which moves it aside), and damaged, truncated, tampered or hostile
archives, each with a clear message and nothing written outside.

On PostgreSQL (the PostgreSQL lane) the database is backed up with
pg_dump, as docs/deploy.md says, and `kejiyun backup` archives the data
directory's files and says so: the same writer, a pg_dump and a kejiyun
backup while it writes, pg_restore into a new database and kejiyun restore
of the files, and a server on both has every acknowledged write. There
kejiyun restore first asks the database whether it holds this backup's
instance (an empty one, the pg_restore step forgotten, is refused and
nothing changes), then verifies the deal log's hash chain and records the
restore in the audit log, as on SQLite. A tampered deal record is reported
on both backends: the restore stands, is recorded with the break, and the
command exits 1.
"""
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

from harness import BIN, ROOT, Client, Server, cli, is_pg
from test_market_lifecycle import listing_body

SERVER_ARGS = []   # a server of its own: its data directory is backed up while it serves


def run(*args, env=None):
    """kejiyun ARGS; env None: on SQLite (the harness's lanes set no
    KEJIYUN_DB for commands), else that environment."""
    return subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def new_database():
    """On the PostgreSQL lane, the environment of a command on a new, empty
    database (not recorded in any directory: kejiyun restore wants an
    empty one). None elsewhere."""
    base = os.environ.get("KEJIYUN_TEST_PG")
    if not base:
        return None
    sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
    import cluster
    return dict(os.environ, KEJIYUN_DB=cluster.create_database(base))


def restored_database(server):
    """On the PostgreSQL lane, the environment of a command on a new
    database that pg_restore filled from a pg_dump -Fc of the server's (the
    first half of a restore, docs/deploy.md). None elsewhere."""
    env = new_database()
    if env is None:
        return None
    dump = os.path.join(new_dir(), "kejiyun.dump")
    d = subprocess.run(["pg_dump", "-Fc", "-f", dump, server.db_url], capture_output=True, text=True, timeout=300)
    assert d.returncode == 0, d
    p = subprocess.run(["pg_restore", "--no-owner", "-d", env["KEJIYUN_DB"], dump], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p
    return env


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out
    return out.stdout.strip()


def new_dir():
    return tempfile.mkdtemp(prefix="kejiyun-test-")


def backup_of(server):
    out = os.path.join(new_dir(), "kejiyun-backup.tar")
    r = cli(server, "backup", "--out", out, "--data", server.dir, timeout=300)   # the server's database
    assert r.returncode == 0, r
    return out, r


def while_writing(server, take):
    """Runs take() while a writer keeps adding listings through the API;
    returns (take's result, ids acknowledged before take started, ids
    acknowledged while it ran)."""
    acked, stop, errors = [], threading.Event(), []

    def writer():
        c = Client(server)
        c.login_as("scientist")
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = c.api("POST", "/api/v1/listings", listing_body(title="备份期间写入的成果 %d" % i))
            except OSError as e:
                errors.append(e)
                continue
            if r.status == 201:
                acked.append((r.json["id"], time.time()))
            else:
                errors.append(r.status)

    t = threading.Thread(target=writer)
    t.start()
    try:
        deadline = time.time() + 60
        while len(acked) < 20 and time.time() < deadline:
            time.sleep(0.05)
        started = time.time()
        before = [lid for lid, at in acked if at < started]
        got = take()
        finished = time.time()
        time.sleep(0.3)   # writes go on after the backup too
    finally:
        stop.set()
        t.join(30)
    assert len(before) >= 20 and not errors, (len(before), errors[:5])
    return got, before, [lid for lid, at in acked if started <= at < finished]


def check_restored(restored, before, during):
    """A server on a restored instance: every write acknowledged before the
    backup, each one acknowledged while it ran whole or absent, the
    pictures, and the restore in its audit log, with the deal log verified."""
    c = Client(restored)
    c.login_as("scientist")
    missing = [lid for lid in before if c.api("GET", "/api/v1/listings/" + lid).status != 200]
    assert not missing, "acknowledged before the backup but not restored: %s" % missing
    # Writes acknowledged while it ran are either in or out, never half: each one that is there is whole.
    for lid in during:
        g = c.api("GET", "/api/v1/listings/" + lid)
        assert g.status in (200, 404) and (g.status == 404 or g.json["title"].startswith("备份期间")), g
    # The pictures came back: a studio's avatar is served from the restored files.
    studios = Client(restored).api("GET", "/api/v1/studios?per_page=50").json["items"]
    pics = [s["avatar_url"] for s in studios if s.get("avatar_url")]
    assert pics and Client(restored).get(pics[0]).status == 200, pics[:1]
    # The restore is audited in the restored instance.
    a = Client(restored)
    a.login_as("admin")
    log = a.api("GET", "/api/v1/admin/audit-log?action=instance.restore").json["items"]
    assert len(log) == 1 and log[0]["detail"]["ledger_entries"] > 0 and "ledger_broken" not in log[0]["detail"], log


def test_backup_while_writing_restores_every_acknowledged_write(server):
    if is_pg(server):
        return backup_on_postgresql(server)
    (out, r), before, during = while_writing(server, lambda: backup_of(server))
    assert "database and" in r.stdout, r.stdout
    # The archive is a tar any tool lists, the manifest last.
    with tarfile.open(out) as tf:
        names = tf.getnames()
        manifest = json.load(tf.extractfile("manifest.json"))
    assert names[0] == "kejiyun.db" and names[-1] == "manifest.json", names[:3]
    assert manifest["format"] == "kejiyun-backup" and manifest["version"] == 1, manifest
    assert manifest["database"]["integrity_check"] == "ok"
    assert any(n.startswith("data/files/") for n in names), names
    assert "data/federation.key" in names and "data/kejiyun.db-wal" not in names, names
    # The backup is in the live instance's audit log.
    admin = Client(server)
    admin.login_as("admin")
    log = admin.api("GET", "/api/v1/admin/audit-log?action=instance.backup").json["items"]
    assert log and log[0]["detail"]["file"] == out, log[:1]

    target = new_dir()
    r = run("restore", out, "--data", target)
    assert r.returncode == 0, r
    assert "integrity_check: ok" in r.stdout and "deal log intact" in r.stdout, r.stdout
    assert run("audit", "verify", "--data", target).returncode == 0
    with open(os.path.join(server.dir, "federation.key"), "rb") as a, open(os.path.join(target, "federation.key"), "rb") as b:
        assert a.read() == b.read()
    assert os.stat(os.path.join(target, "federation.key")).st_mode & 0o777 == 0o600
    restored = Server(data_dir=target, demo=False)
    try:
        check_restored(restored, before, during)
    finally:
        restored.cleanup()


def backup_on_postgresql(server):
    """docs/deploy.md on PostgreSQL: pg_dump -Fc for the database, then
    kejiyun backup for the data directory's files (it says where the
    database goes); back: pg_restore into a new database, kejiyun restore
    of the files with --db naming it."""
    def take():
        dump = os.path.join(new_dir(), "kejiyun.dump")
        d = subprocess.run(["pg_dump", "-Fc", "-f", dump, server.db_url], capture_output=True, text=True, timeout=300)
        assert d.returncode == 0, d
        return dump, backup_of(server)
    (dump, (out, r)), before, during = while_writing(server, take)
    assert "The database is on PostgreSQL: back it up with pg_dump" in r.stdout and "pgBackRest" in r.stdout, r.stdout
    assert "backup written" in r.stdout and "database and" not in r.stdout, r.stdout
    with tarfile.open(out) as tf:
        names = tf.getnames()
        manifest = json.load(tf.extractfile("manifest.json"))
    assert "kejiyun.db" not in names and names[-1] == "manifest.json", names[:3]
    assert manifest["backend"] == "postgresql" and manifest["database"] is None, manifest
    assert any(n.startswith("data/files/") for n in names) and "data/federation.key" in names, names
    admin = Client(server)
    admin.login_as("admin")
    log = admin.api("GET", "/api/v1/admin/audit-log?action=instance.backup").json["items"]
    assert log and log[0]["detail"]["file"] == out and log[0]["detail"]["database"] is False, log[:1]
    # Restored without a PostgreSQL database to go with it: refused, saying what to do.
    r = run("restore", out, "--data", new_dir())
    assert r.returncode == 1 and "holds no database (taken on PostgreSQL)" in r.stderr and "pg_restore" in r.stderr, r
    # The files first, beside a new, empty database (pg_restore forgotten):
    # refused before anything is written, saying what to do; the database
    # stays empty (the migrations would have made a new, empty instance).
    env = new_database()
    target = new_dir()
    r = run("restore", out, "--data", target, env=env)
    assert r.returncode == 1 and "holds no kejiyun instance" in r.stderr and "pg_restore" in r.stderr, r
    assert os.listdir(target) == [], os.listdir(target)
    assert psql(env["KEJIYUN_DB"], "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == "0"
    # The database first (pg_restore), then the files into the new data
    # directory: kejiyun restore names the instance, verifies the deal log
    # and records the restore.
    p = subprocess.run(["pg_restore", "--no-owner", "-d", env["KEJIYUN_DB"], dump], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p
    r = run("restore", out, "--data", target, env=env)
    assert r.returncode == 0, r
    assert "and the database" not in r.stdout and "database: postgresql, instance %s" % manifest["instance_id"] in r.stdout, r.stdout
    assert "deal log intact" in r.stdout, r.stdout
    with open(os.path.join(server.dir, "federation.key"), "rb") as a, open(os.path.join(target, "federation.key"), "rb") as b:
        assert a.read() == b.read()
    # The harness finds a directory's database in its pg-database-url (the
    # source's came back with the files): this one's is the restored one.
    with open(os.path.join(target, "pg-database-url"), "w") as f:
        f.write(env["KEJIYUN_DB"])
    assert cli(target, "audit", "verify", "--data", target).returncode == 0
    restored = Server(data_dir=target, demo=False)
    try:
        check_restored(restored, before, during)
    finally:
        restored.cleanup()


def test_a_tampered_deal_record_is_reported_and_recorded(server):
    """A deal log entry changed behind kejiyun's back (the append-only
    triggers dropped) before the backup: kejiyun restore names the first
    broken entry, records the restore with the break in the restored
    instance's audit log, and exits 1. The restore stands (on PostgreSQL
    the database is in place already: pg_restore put it there)."""
    out, _ = backup_of(server)
    target = new_dir()
    env = restored_database(server)
    if env:
        url = env["KEJIYUN_DB"]
        on = " ON deal_events"   # PostgreSQL's triggers belong to a table
        run_sql = lambda sql: psql(url, sql)
    else:
        # SQLite: the backup's database is restored, tampered with, and
        # backed up again: the archive then holds the tampered log.
        assert run("restore", out, "--data", target).returncode == 0
        url = os.path.join(target, "kejiyun.db")
        on = ""

        def run_sql(sql):
            db = sqlite3.connect(url)
            try:
                rows = db.execute(sql).fetchall()
                db.commit()
                return "\n".join("|".join(str(c) for c in r) for r in rows)
            finally:
                db.close()
    seq = int(run_sql("SELECT min(seq) FROM deal_events"))
    run_sql("DROP TRIGGER deal_events_no_update" + on)
    run_sql("UPDATE deal_events SET data__json = '{\"amount_fen\":1}' WHERE seq = %d" % seq)
    if not env:
        out = os.path.join(new_dir(), "tampered.tar")
        assert run("backup", "--out", out, "--data", target).returncode == 0
        target = new_dir()
        url = os.path.join(target, "kejiyun.db")
    r = run("restore", out, "--data", target, env=env)
    assert r.returncode == 1, r
    assert "deal log BROKEN at entry seq %d " % seq in r.stdout and "content does not match its hash" in r.stdout, r.stdout
    assert "hash chain is broken at entry seq %d" % seq in r.stderr and "recorded with the break" in r.stderr, r.stderr
    assert os.path.exists(os.path.join(target, "federation.key"))   # the restore stands
    detail = json.loads(run_sql("SELECT detail FROM audit_log WHERE action = 'instance.restore' ORDER BY id DESC LIMIT 1"))
    assert detail["ledger_entries"] == -1 and detail["ledger_broken"]["seq"] == seq, detail
    assert detail["backend"] == ("postgresql" if env else "sqlite"), detail


def test_restore_refuses_a_non_empty_directory_unless_forced(server):
    out, _ = backup_of(server)
    target = new_dir()
    with open(os.path.join(target, "notes.txt"), "w") as f:
        f.write("operator's notes")
    env = restored_database(server)   # on PostgreSQL: the files go with a database restored by pg_restore
    r = run("restore", out, "--data", target, env=env)
    assert r.returncode == 1 and "is not empty" in r.stderr and "--force" in r.stderr, r
    assert os.listdir(target) == ["notes.txt"]
    r = run("restore", out, "--data", target, "--force", env=env)
    assert r.returncode == 0, r
    aside = [n for n in os.listdir(target) if n.startswith(".replaced-")]
    assert len(aside) == 1 and os.path.exists(os.path.join(target, aside[0], "notes.txt")), os.listdir(target)
    if is_pg(server):
        assert "database: postgresql" in r.stdout and os.path.exists(os.path.join(target, "federation.key")), r.stdout
    else:
        assert os.path.exists(os.path.join(target, "kejiyun.db"))


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data, kind in entries:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            else:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if kind != "symlink" else None)
    return buf.getvalue()


def test_damaged_and_hostile_archives_are_refused(server):
    out, _ = backup_of(server)
    good = open(out, "rb").read()
    workdir = new_dir()

    def attempt(name, data, expect):
        path = os.path.join(workdir, name)
        with open(path, "wb") as f:
            f.write(data)
        target = os.path.join(workdir, "into-" + name)
        r = run("restore", path, "--data", target)
        assert r.returncode == 1 and expect in r.stderr, (name, r.stderr)
        assert not os.path.exists(target) or os.listdir(target) == [], (name, os.listdir(target))

    attempt("random.tar", os.urandom(4096), "not a tar archive")
    attempt("empty.tar", b"", "not a tar archive")
    attempt("truncated.tar", good[: len(good) // 2], "truncated")
    # One byte of the first entry (the database copy on SQLite, a file on
    # PostgreSQL) changed: its hash no longer matches the manifest.
    with tarfile.open(out) as tf:
        first = tf.getmembers()[0]
    tampered = bytearray(good)
    tampered[first.offset_data + min(4096, first.size - 1)] ^= 0x01
    attempt("tampered.tar", bytes(tampered), "differ from the manifest")
    manifest = json.dumps({"format": "kejiyun-backup", "version": 1, "database": None, "files": []}).encode()
    attempt("escape.tar", tar_bytes([("data/../../evil", b"x", "file"), ("manifest.json", manifest, "file")]), "unsafe path")
    attempt("link.tar", tar_bytes([("data/link", b"", "symlink"), ("manifest.json", manifest, "file")]), "only regular files")
    attempt("foreign.tar", tar_bytes([("etc/passwd", b"x", "file")]), "not part of a kejiyun backup")
    future = json.dumps({"format": "kejiyun-backup", "version": 99, "database": None, "files": []}).encode()
    attempt("future.tar", tar_bytes([("manifest.json", future, "file")]), "newer kejiyun")
    attempt("nomanifest.tar", tar_bytes([("data/a.txt", b"x", "file")]), "no manifest.json")
    assert not os.path.exists(os.path.join(workdir, "..", "evil"))
    # A file missing from the archive yet named by the manifest.
    short = json.dumps({"format": "kejiyun-backup", "version": 1, "database": None,
                        "files": [{"path": "data/gone.txt", "size": 1, "sha256": "00"}]}).encode()
    path = os.path.join(workdir, "short.tar")
    with open(path, "wb") as f:
        f.write(tar_bytes([("manifest.json", short, "file")]))
    r = run("restore", path, "--data", os.path.join(workdir, "into-short"))
    assert r.returncode == 1 and "missing from the archive" in r.stderr, r.stderr


def test_backup_command_line(server):
    r = run("backup")
    assert r.returncode == 2 and "usage: kejiyun backup --out FILE" in r.stderr, r
    out, _ = backup_of(server)
    r = run("backup", "--out", out, "--data", server.dir)
    assert r.returncode == 1 and "exists" in r.stderr, r
    r = run("restore")
    assert r.returncode == 2 and "usage: kejiyun restore FILE" in r.stderr, r
    r = run("restore", os.path.join(new_dir(), "no-such.tar"), "--data", new_dir())
    assert r.returncode == 1 and "No such file" in r.stderr, r
    h = run("help").stdout
    assert "kejiyun backup --out FILE" in h and "kejiyun restore FILE" in h, h[:500]
