"""Several nodes, as one node shows them (issue 16): /readyz says whether
a node should get traffic (database, migrations, draining for a stop) and
whether it runs the background jobs; a stopping node drains with /readyz
at 503 while it still serves; an e-mail claimed by another node (the old
job leader, still sending it) is not sent again until the claim ends, and
then exactly once. The same rules across two real nodes on PostgreSQL
behind haproxy: test_multinode.py."""
import signal
import time

import harness
from harness import Client, db_exec, db_rows
from test_deal_mail import SMTP_PORT, Smtp

SERVER_ARGS = ["--smtp-host", "127.0.0.1", "--smtp-port", str(SMTP_PORT), "--smtp-tls", "none",
               "--mail-from", "noreply@kejiyun.test", "--public-url", "http://kejiyun.test"]


def test_readyz_reports_a_ready_leader(server):
    # One node is the leader: at once on SQLite; on PostgreSQL once its
    # poll has taken the advisory lock (every 500 ms).
    for _ in range(50):
        r = Client(server).get("/readyz")
        if r.status != 200 or r.json["leader"]:
            break
        time.sleep(0.2)
    assert r.status == 200, r
    assert r.json["status"] == "ready" and r.json["database"] == "ok" and r.json["schema"] == "current", r.json
    assert r.json["draining"] is False and r.json["leader"] is True, r.json
    assert len(r.json["node"]) == 26, r.json
    assert r.header("Cache-Control") == "no-store"
    h = Client(server).get("/healthz")
    assert h.status == 200 and h.json["database"] == "ok", h


def test_readyz_not_ready_when_a_migration_is_missing(server):
    """A node whose binary has a migration that the database lacks would
    ask for tables or columns that are not there: no traffic for it."""
    top = db_rows(server, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1")[0]
    db_exec(server, ("DELETE FROM schema_migrations WHERE version = ?", top["version"]))
    try:
        r = Client(server).get("/readyz")
        assert r.status == 503 and r.json["status"] == "not_ready" and r.json["schema"] == "behind", r
        assert Client(server).get("/healthz").status == 200   # the database itself answers
    finally:
        db_exec(server, ("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)",
                         top["version"], top["name"], top["applied_at"]))
    assert Client(server).get("/readyz").status == 200


def test_stopping_node_drains_with_readyz_503(server):
    s = harness.Server(extra_args=["--drain-seconds", "3"], demo=False)
    try:
        assert Client(s).get("/readyz").status == 200
        t0 = time.time()
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        r = Client(s).get("/readyz")
        assert r.status == 503 and r.json["draining"] is True and r.json["status"] == "not_ready", r
        assert Client(s).get("/healthz").status == 200      # still serving meanwhile
        assert Client(s).get("/").status == 200
        s.proc.wait(30)
        assert time.time() - t0 >= 2.5, "stopped before the drain ended"
        assert s.proc.returncode == 0 and "draining for 3 s" in s.read_log(), s.read_log()
    finally:
        s.cleanup()


def queued_mail(server, mail_id, subject, claimed_by=None, claimed_until=None):
    """The statement that queues an e-mail as another node would."""
    now = int(time.time() * 1000)
    uid = db_rows(server, "SELECT id FROM users ORDER BY created_at LIMIT 1")[0]["id"]
    return ("INSERT INTO mail_queue(id, user_id, to_addr, category, subject, body, status, next_try_at, created_at, "
            "claimed_by, claimed_until) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            mail_id, uid, "claims@kejiyun.test", "notice", subject, "body", "queued", now, now, claimed_by, claimed_until)


def test_mail_claimed_by_another_node_waits_for_its_claim(server):
    smtp = Smtp()
    try:
        stamp = str(time.time_ns())
        claimed, free = "CLAIMED" + stamp, "FREE" + stamp
        now = int(time.time() * 1000)
        db_exec(server, queued_mail(server, "01MULTINODECLAIM" + stamp[-10:], claimed, "01OTHERNODE0000000000000000", now + 600000),
                queued_mail(server, "01MULTINODEFREE0" + stamp[-10:], free))
        smtp.wait_for(lambda m: m["subject"] == free)
        time.sleep(2.5)   # two more rounds of the worker
        assert not [m for m in smtp.messages() if m["subject"] == claimed], "sent while another node held it"
        row = db_rows(server, "SELECT status, claimed_by FROM mail_queue WHERE subject = ?", claimed)
        assert row == [{"status": "queued", "claimed_by": "01OTHERNODE0000000000000000"}], row
        # The other node died during the send: its claim ends, the e-mail goes, once.
        db_exec(server, ("UPDATE mail_queue SET claimed_until = ? WHERE subject = ?", int(time.time() * 1000) - 1, claimed))
        smtp.wait_for(lambda m: m["subject"] == claimed)
        time.sleep(2.5)
        assert len([m for m in smtp.messages() if m["subject"] == claimed]) == 1
        assert len([m for m in smtp.messages() if m["subject"] == free]) == 1
        row = db_rows(server, "SELECT status, claimed_by, claimed_until FROM mail_queue WHERE subject = ?", claimed)
        assert row == [{"status": "sent", "claimed_by": None, "claimed_until": None}], row
    finally:
        smtp.stop()
