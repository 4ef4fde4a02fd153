"""The deal log is tamper-evident: `kejiyun audit verify` accepts the
intact chain and names the first broken entry when one is modified,
deleted or two are swapped (edited behind kejiyun's back with sqlite3,
after dropping the append-only triggers), and the triggers themselves
refuse UPDATE and DELETE."""
import os
import shutil
import sqlite3
import subprocess
import tempfile

from harness import BIN, ROOT, Server
from test_deal import Deal, to_completed

SERVER_ARGS = []     # a server of its own: the test edits its database


def verify(data_dir):
    out = subprocess.run([BIN, "audit", "verify", "--data", data_dir], capture_output=True, text=True, cwd=ROOT)
    return out.returncode, out.stdout + out.stderr


def tampered_copy(src_dir, edit):
    """A copy of the database with edit(conn) applied; returns its directory."""
    dst = tempfile.mkdtemp(prefix="kejiyun-audit-")
    for name in os.listdir(src_dir):
        if name.startswith("kejiyun.db"):
            shutil.copy(os.path.join(src_dir, name), os.path.join(dst, name))
    conn = sqlite3.connect(os.path.join(dst, "kejiyun.db"))
    conn.execute("DROP TRIGGER deal_events_no_update")
    conn.execute("DROP TRIGGER deal_events_no_delete")
    edit(conn)
    conn.commit()
    conn.close()
    return dst


def test_audit_detects_tampering(server):
    d = Deal(server)
    to_completed(d)
    d.ok(d.client, "review", rating=4, body="整体满意")
    server.stop()
    rc, out = verify(server.dir)
    assert rc == 0 and "intact" in out, out
    db = sqlite3.connect(os.path.join(server.dir, "kejiyun.db"))
    rows = db.execute("SELECT seq, id FROM deal_events ORDER BY seq").fetchall()
    # The triggers keep the log append-only even for direct SQL.
    for sql in ("UPDATE deal_events SET kind = 'x' WHERE seq = 1", "DELETE FROM deal_events WHERE seq = 1"):
        try:
            db.execute(sql)
            raise AssertionError("append-only trigger missing: " + sql)
        except sqlite3.DatabaseError as e:
            assert "append-only" in str(e)
    db.close()
    assert len(rows) >= 10
    target_seq, target_id = rows[4]

    cases = {
        "modified": lambda c: c.execute("UPDATE deal_events SET data__json = '{\"amount_fen\":1}' WHERE seq = ?", (target_seq,)),
        "deleted": lambda c: c.execute("DELETE FROM deal_events WHERE seq = ?", (target_seq,)),
        "reordered": lambda c: (c.execute("UPDATE deal_events SET seq = -1 WHERE seq = ?", (target_seq,)),
                                c.execute("UPDATE deal_events SET seq = ? WHERE seq = ?", (target_seq, target_seq + 1)),
                                c.execute("UPDATE deal_events SET seq = ? WHERE seq = -1", (target_seq + 1,))),
        "rehashed_without_chain": lambda c: c.execute("UPDATE deal_events SET actor_id = '' WHERE seq = ?", (target_seq,)),
    }
    for name, edit in cases.items():
        dst = tampered_copy(server.dir, edit)
        try:
            rc, out = verify(dst)
            assert rc == 1 and "BROKEN" in out, (name, out)
            first_bad = target_seq + 1 if name == "deleted" else target_seq
            assert ("seq %d " % first_bad) in out, (name, out)
        finally:
            shutil.rmtree(dst, ignore_errors=True)
    if True:
        dst = tampered_copy(server.dir, lambda c: None)
        try:
            assert verify(dst)[0] == 0
        finally:
            shutil.rmtree(dst, ignore_errors=True)
