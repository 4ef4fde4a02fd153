"""Moving an instance keeps its identity to its peers (issue 17 §1/§2,
docs/deploy.md "Moving an instance").

`kejiyun export-instance --with-key` carries the instance's federation key
(entry federation.key, 0600, named by the manifest; the archive itself
0600); `import-instance` puts it in the new data directory, 0600. The new
deployment then answers GET /api/v1/federation/instance with the same id
and public key, and a peer that had added the old one keeps accepting its
signed requests without re-adding anything. Without --with-key the key
stays behind: the new deployment makes its own and says peers must add it."""
import atexit
import io
import json
import os
import stat
import subprocess
import tarfile
import tempfile
import time
import urllib.parse

from harness import BIN, ROOT, Client, Server, register
from test_federation import wait_for
from test_market_lifecycle import user, publish

SERVER_ARGS = ["--profile", "sichuan", "--fed-sync-ms", "500"]
B_ARGS = ["--profile", "qinghai", "--fed-sync-ms", "500"]
RUN = "%x" % ((int(time.time() * 1000) ^ os.getpid()) & 0xffffff)

state = {}


def run(*args):
    return subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def new_dir():
    return tempfile.mkdtemp(prefix="kejiyun-test-")


def doc(s):
    r = Client(s).api("GET", "/api/v1/federation/instance")
    assert r.status == 200, r
    return r.json


def peer_row(admin, key):
    r = admin.api("GET", "/api/v1/federation/peers")
    assert r.status == 200, r
    return next((p for p in r.json["items"] if p["public_key"] == key), None)


def peered(server):
    """A (this module's server) and B (qinghai), each having added the other."""
    if "b" not in state:
        b = Server(B_ARGS, fresh_demo=True)
        state["b"] = b
        atexit.register(b.cleanup)
        da, db_ = doc(server), doc(b)
        a_admin, b_admin = user(server, "admin"), user(b, "admin")
        assert a_admin.api("POST", "/api/v1/federation/peers", {"url": "http://%s" % b.base, "public_key": db_["public_key"]}).status == 201
        assert b_admin.api("POST", "/api/v1/federation/peers", {"url": "http://%s" % server.base, "public_key": da["public_key"]}).status == 201
        wait_for("A and B active", lambda: (peer_row(a_admin, db_["public_key"]) or {}).get("state") == "active" and
                 (peer_row(b_admin, da["public_key"]) or {}).get("state") == "active", 30)
    return state["b"]


def members(path):
    with tarfile.open(path) as tf:
        return {m.name: m for m in tf.getmembers()}, json.load(tf.extractfile("manifest.json"))


def test_export_carries_the_key_only_when_asked(server):
    key = open(os.path.join(server.dir, "federation.key"), "rb").read()
    plain = os.path.join(new_dir(), "plain.tar")
    r = run("export-instance", "--out", plain, "--data", server.dir)
    assert r.returncode == 0 and "federation key not included" in r.stdout, r
    entries, manifest = members(plain)
    assert "federation.key" not in entries and "federation_key" not in manifest, sorted(entries)[:5]
    keyed = os.path.join(new_dir(), "keyed.tar")
    r = run("export-instance", "--out", keyed, "--with-key", "--data", server.dir)
    assert r.returncode == 0 and "federation key included" in r.stdout, r
    entries, manifest = members(keyed)
    assert entries["federation.key"].mode & 0o777 == 0o600, oct(entries["federation.key"].mode)
    assert manifest["federation_key"]["path"] == "federation.key" and manifest["federation_key"]["mode"] == "0600", manifest.get("federation_key")
    with tarfile.open(keyed) as tf:
        assert tf.extractfile("federation.key").read() == key
    assert stat.S_IMODE(os.stat(keyed).st_mode) == 0o600, oct(os.stat(keyed).st_mode)
    # A key entry the manifest does not name, or one whose bytes differ, is refused like any other.
    forged = os.path.join(new_dir(), "forged.tar")
    with tarfile.open(keyed) as src, tarfile.open(forged, "w", format=tarfile.USTAR_FORMAT) as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name == "federation.key":
                data = data[:-2] + (b"A\n" if data[-2:-1] != b"A" else b"B\n")
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    r = run("import-instance", forged, "--data", new_dir())
    assert r.returncode == 1 and "federation.key" in r.stderr and "differ" in r.stderr, r
    state["plain"], state["keyed"], state["key"] = plain, keyed, key


def test_moved_instance_keeps_its_identity_and_its_peers(server):
    b = peered(server)
    before = doc(server)
    d = new_dir()
    r = run("import-instance", state["keyed"], "--data", d)
    assert r.returncode == 0 and "federation key: carried" in r.stdout, r
    path = os.path.join(d, "federation.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and open(path, "rb").read() == state["key"]
    # The export was taken before peering: take one now, so that the move carries the peer too.
    again = os.path.join(new_dir(), "after.tar")
    assert run("export-instance", "--out", again, "--with-key", "--data", server.dir).returncode == 0
    d = new_dir()
    r = run("import-instance", again, "--data", d)
    assert r.returncode == 0, r
    moved = Server(["--fed-sync-ms", "500"], demo=False, data_dir=d)
    try:
        after = doc(moved)
        assert (after["instance_id"], after["public_key"]) == (before["instance_id"], before["public_key"]), (after, before)
        # B, which added the old deployment, accepts the new one's signed harvest: B's new listing reaches it.
        title = "迁移后仍互联的青海成果%s" % RUN
        author, _ = register(b, role="scientist", name="青海作者")
        listing = publish(author, user(b, "admin"), title=title, region="630100")
        anon = Client(moved)

        def found():
            r = anon.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": title, "origin": "remote"}))
            return r.status == 200 and any(h["id"] == listing["id"] for h in r.json["items"])
        wait_for("B's listing on the moved instance", found, 60)
        row = peer_row(user(moved, "admin"), doc(b)["public_key"])
        assert row and row["state"] == "active" and not row.get("last_error"), row
    finally:
        code, log = moved.stop()
        moved.log.close()
    assert "AddressSanitizer" not in log and "runtime error:" not in log, log[-3000:]


def test_without_the_key_the_new_deployment_has_its_own(server):
    d = new_dir()
    r = run("import-instance", state["plain"], "--data", d)
    assert r.returncode == 0 and "peers must add it" in r.stdout, r
    assert not os.path.exists(os.path.join(d, "federation.key"))
    # What it would answer as (the command line's twin of GET /api/v1/federation/instance):
    # the same instance id, a key of its own, made 0600 at first use.
    r = run("peer", "key", "--data", d)
    assert r.returncode == 0, r
    mine = {k: v for k, _, v in (line.partition("\t") for line in r.stdout.splitlines())}
    theirs = doc(server)
    assert mine["instance_id"] == theirs["instance_id"] and mine["public_key"] != theirs["public_key"], (mine, theirs)
    assert stat.S_IMODE(os.stat(os.path.join(d, "federation.key")).st_mode) == 0o600
