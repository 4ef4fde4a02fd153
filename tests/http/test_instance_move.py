"""kejiyun export-instance / import-instance (issue 17 §1, docs/deploy.md).

The demo instance (this module's own server, serving) is exported,
imported into a fresh instance and exported again: every table is equal
byte for byte, but the audit log, which has exactly one more record (the
import itself). A server started on the imported instance serves the same
listings and search results, signs in the same accounts and keeps the deal
record's hash chain. An instance that already has accounts is refused, as
are damaged, foreign and tampered archives, each with a clear message.

On the PostgreSQL lane the same runs against PostgreSQL (every command
through the harness's cli(), which names the directory's database), and
one more test carries a SQLite instance into PostgreSQL: exported from
SQLite, imported into PostgreSQL and exported again, it is equal too.
"""
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
import urllib.parse

import harness
from harness import BIN, ROOT, Client, Server, cli, is_pg

SERVER_ARGS = []   # its own server: nothing else writes while the two are compared


def run(*args):
    """kejiyun ARGS on the instance its --data names (on the PostgreSQL
    lane: that directory's database, a new one for a new directory)."""
    args = list(args)
    data = args[args.index("--data") + 1] if "--data" in args else None
    if data is None:
        return subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    os.makedirs(data, exist_ok=True)
    # A new directory on the PostgreSQL lane: its database a copy of the
    # lane's migrated empty template (migrating anew takes ~30 s with ASan).
    harness.pg_demo_copy(data, [BIN, "migrate"], dict(os.environ))
    return cli(data, *args, timeout=300)


def new_dir():
    return tempfile.mkdtemp(prefix="kejiyun-test-")


def export(data_dir):
    out = os.path.join(new_dir(), "instance.tar")
    r = run("export-instance", "--out", out, "--data", data_dir)
    assert r.returncode == 0, r
    return out


def contents(path):
    with tarfile.open(path) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
        tables = {t["name"]: tf.extractfile(t["path"]).read() for t in manifest["tables"]}
        names = tf.getnames()
    return manifest, tables, names


state = {}


def test_export_import_export_is_equal(server):
    a = export(server.dir)
    ma, ta, names = contents(a)
    assert ma["format"] == "kejiyun-instance" and ma["version"] == 1, ma
    assert names[-1] == "manifest.json" and any(n.startswith("files/") for n in names), names[:5]
    for t in ("users", "orgs", "studios", "listings", "challenges", "popsci_content", "deals", "deal_events", "attachments"):
        assert t in ta and ta[t], t
    for t in ("sessions", "email_tokens", "mail_queue", "search_docs", "matches"):
        assert t not in ta, t
    for t in ma["tables"]:
        assert hashlib.sha256(ta[t["name"]]).hexdigest() == t["sha256"] and ta[t["name"]].count(b"\n") == t["rows"], t["name"]
    b_dir = new_dir()
    r = run("import-instance", a, "--data", b_dir)
    assert r.returncode == 0, r
    assert "counts verified" in r.stdout and "deal log intact" in r.stdout, r.stdout[-800:]
    b = export(b_dir)
    mb, tb, _ = contents(b)
    assert mb["instance_id"] == ma["instance_id"], (mb["instance_id"], ma["instance_id"])
    differ = sorted(t for t in ta if ta[t] != tb.get(t))
    assert differ == ["audit_log"], differ
    extra = set(tb["audit_log"].splitlines()) - set(ta["audit_log"].splitlines())
    assert len(extra) == 1 and b"instance.import" in next(iter(extra)), extra
    assert set(ta["audit_log"].splitlines()) <= set(tb["audit_log"].splitlines())
    assert [(f["path"], f["sha256"]) for f in ma["files"]] == [(f["path"], f["sha256"]) for f in mb["files"]]
    state["b_dir"] = b_dir
    state["archive"] = a


def listing_view(s, query=None):
    path = "/api/v1/search?" + urllib.parse.urlencode({"q": query, "per_page": 100}) if query else "/api/v1/listings?per_page=100"
    r = Client(s).api("GET", path).json
    return r.get("total"), [(x["id"], x["title"]) for x in r["items"]]


def test_imported_instance_serves_the_same(server):
    b = Server(data_dir=state["b_dir"], demo=False)
    try:
        assert listing_view(b) == listing_view(server)
        for q in ("无人机", "牦牛", "水稻"):
            # The same hits, the best first; listings that score the same may
            # come in another order (the index was built anew).
            (n1, got), (n2, want) = listing_view(b, q), listing_view(server, q)
            assert got and n1 == n2 and sorted(got) == sorted(want) and got[0] == want[0], (q, got[:3], want[:3])
        c = Client(b)
        c.login_as("org_member")   # 刘洋's password hash came along
        deals_b = c.api("GET", "/api/v1/deals").json
        c2 = Client(server)
        c2.login_as("org_member")
        assert deals_b == c2.api("GET", "/api/v1/deals").json
        admin = Client(b)
        admin.login_as("admin")
        log = admin.api("GET", "/api/v1/admin/audit-log?action=instance.import").json["items"]
        assert log and log[0]["detail"]["archive"] == state["archive"], log[:1]
        # A picture of the old instance is served by the new one.
        studios = Client(b).api("GET", "/api/v1/studios?per_page=50").json["items"]
        pic = next(s["avatar_url"] for s in studios if s.get("avatar_url"))
        assert Client(b).get(pic).body == Client(server).get(pic).body
    finally:
        code, log = b.stop()   # not cleanup(): the directory is used again below
        b.log.close()
    assert "AddressSanitizer" not in log and "runtime error:" not in log, log[-3000:]
    assert run("audit", "verify", "--data", state["b_dir"]).returncode == 0


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_refusals(server):
    # An instance that has accounts: the demo's own, and the one just imported.
    r = run("import-instance", state["archive"], "--data", server.dir)
    assert r.returncode == 1 and "already holds" in r.stderr and "new, empty instance" in r.stderr, r
    r = run("import-instance", state["archive"], "--data", state["b_dir"])
    assert r.returncode == 1 and "already holds" in r.stderr, r
    good = open(state["archive"], "rb").read()
    work = new_dir()

    def attempt(name, data, expect):
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(data)
        target = os.path.join(work, "into-" + name)
        r = run("import-instance", path, "--data", target)
        assert r.returncode == 1 and expect in r.stderr, (name, r.stderr)
        # Nothing imported: the target has no accounts (an export of it has an empty users table).
        e = run("export-instance", "--out", os.path.join(work, name + ".check"), "--data", target)
        with tarfile.open(os.path.join(work, name + ".check")) as tf:
            assert tf.extractfile("tables/users.jsonl").read() == b"", name

    attempt("random.tar", os.urandom(2048), "not a tar archive")
    attempt("truncated.tar", good[: len(good) // 3], "truncated")
    # A backup is not an instance export.
    backup = os.path.join(work, "backup.tar")
    assert run("backup", "--out", backup, "--data", state["b_dir"]).returncode == 0
    attempt("backup.tar", open(backup, "rb").read(), "not part of a kejiyun instance export")
    # One row changed after the export: its table no longer matches the manifest.
    with tarfile.open(state["archive"]) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))
        entries = [(m.name, tf.extractfile(m).read()) for m in tf.getmembers() if m.name != "manifest.json"]
    tampered = [(n, d.replace("刘洋".encode(), "刘羊".encode()) if n == "tables/users.jsonl" else d) for n, d in entries]
    attempt("tampered.tar", tar_bytes(tampered + [("manifest.json", json.dumps(manifest).encode())]), "differ from the manifest")
    # A manifest that agrees with a row that is not JSON.
    bad = [(n, b"{not json\n" if n == "tables/orgs.jsonl" else d) for n, d in entries]
    m2 = json.loads(json.dumps(manifest))
    for t in m2["tables"]:
        if t["name"] == "orgs":
            t.update(size=10, sha256=hashlib.sha256(b"{not json\n").hexdigest(), rows=1)
    attempt("badrow.tar", tar_bytes(bad + [("manifest.json", json.dumps(m2).encode())]), "not a JSON row")
    # From a newer kejiyun.
    m3 = dict(manifest, schema_version=manifest["schema_version"] + 100)
    attempt("newer.tar", tar_bytes(entries + [("manifest.json", json.dumps(m3).encode())]), "upgrade kejiyun first")
    m4 = dict(manifest, version=7)
    attempt("version.tar", tar_bytes(entries + [("manifest.json", json.dumps(m4).encode())]), "a newer kejiyun made it")


def test_command_line(server):
    assert run("export-instance").returncode == 2
    assert run("import-instance").returncode == 2
    r = run("export-instance", "--out", state["archive"], "--data", server.dir)
    assert r.returncode == 1 and "exists" in r.stderr, r
    r = run("import-instance", os.path.join(new_dir(), "missing.tar"), "--data", new_dir())
    assert r.returncode == 1 and "No such file" in r.stderr, r
    h = run("help").stdout
    assert "kejiyun export-instance --out FILE" in h and "kejiyun import-instance FILE" in h
    admin = Client(server)
    admin.login_as("admin")
    assert admin.api("GET", "/api/v1/admin/audit-log?action=instance.export").json["items"]


def test_a_sqlite_instance_moves_into_postgresql_equal(server):
    """SQLite → PostgreSQL: a demo instance on SQLite is exported, imported
    into a new PostgreSQL database and exported again from there: every
    table is equal byte for byte but the audit log (one more record, the
    import), and the files too. (PostgreSQL lane only: it needs a cluster.)"""
    if not is_pg(server):
        print("NOTE: test_instance_move: SQLite → PostgreSQL runs on the PostgreSQL lane (make test-pg)")
        return
    sqlite_env = {k: v for k, v in os.environ.items() if k not in ("KEJIYUN_DB",)}
    src = new_dir()
    r = subprocess.run([BIN, "demo", "--data", src], cwd=ROOT, env=sqlite_env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r
    a = os.path.join(new_dir(), "from-sqlite.tar")
    r = subprocess.run([BIN, "export-instance", "--out", a, "--data", src], cwd=ROOT, env=sqlite_env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r
    ma, ta, _ = contents(a)
    assert ma["source_backend"] == "sqlite", ma["source_backend"]
    b_dir = new_dir()
    r = run("import-instance", a, "--data", b_dir)   # b_dir's database: a new PostgreSQL one
    assert r.returncode == 0, r
    assert "counts verified" in r.stdout and "deal log intact" in r.stdout, r.stdout[-800:]
    mb, tb, _ = contents(export(b_dir))
    assert mb["source_backend"] == "postgresql" and mb["instance_id"] == ma["instance_id"], (mb["source_backend"], mb["instance_id"])
    assert sorted(ta) == sorted(tb), sorted(set(ta) ^ set(tb))
    differ = sorted(t for t in ta if ta[t] != tb[t])
    assert differ == ["audit_log"], [(t, first_difference(ta[t], tb[t])) for t in differ[:3]]
    extra = set(tb["audit_log"].splitlines()) - set(ta["audit_log"].splitlines())
    assert len(extra) == 1 and b"instance.import" in next(iter(extra)), extra
    assert [(f["path"], f["sha256"]) for f in ma["files"]] == [(f["path"], f["sha256"]) for f in mb["files"]]


def first_difference(x, y):
    """The first line where two tables' JSON lines differ (for the message)."""
    for i, (p, q) in enumerate(zip(x.splitlines(), y.splitlines())):
        if p != q:
            return i, p[:400], q[:400]
    return "rows", x.count(b"\n"), y.count(b"\n")
