"""The deal log is tamper-evident: `kejiyun audit verify` accepts the
intact chain and names the first broken entry when one is modified,
deleted or two are swapped (edited behind kejiyun's back with SQL on either backend,
after dropping the append-only triggers), and the triggers themselves
refuse UPDATE and DELETE."""
import tempfile

from harness import DbError, cli, copy_database, db_exec, db_rows, drop_copy, is_pg
from test_deal import Deal, to_completed

SERVER_ARGS = []     # a server of its own: the test edits its database


def verify(instance):
    out = cli(instance, "audit", "verify", "--data", instance.dir)
    return out.returncode, out.stdout + out.stderr


def tampered_copy(server, *edits):
    """A copy of the (stopped) server's database with the append-only
    triggers dropped and the statements edits applied; returns it."""
    copy = copy_database(server, tempfile.mkdtemp(prefix="kejiyun-audit-"))
    on = " ON deal_events" if is_pg(server) else ""   # PostgreSQL's triggers belong to a table
    db_exec(copy, "DROP TRIGGER deal_events_no_update" + on, "DROP TRIGGER deal_events_no_delete" + on, *edits)
    return copy


def test_audit_detects_tampering(server):
    d = Deal(server)
    to_completed(d)
    d.ok(d.client, "review", rating=4, body="整体满意")
    server.stop()
    rc, out = verify(server)
    assert rc == 0 and "intact" in out, out
    rows = [(r["seq"], r["id"]) for r in db_rows(server, "SELECT seq, id FROM deal_events ORDER BY seq")]
    # The triggers keep the log append-only even for direct SQL.
    for sql in ("UPDATE deal_events SET kind = 'x' WHERE seq = 1", "DELETE FROM deal_events WHERE seq = 1"):
        try:
            db_exec(server, sql)
            raise AssertionError("append-only trigger missing: " + sql)
        except DbError as e:
            assert "append-only" in str(e)
    assert len(rows) >= 10
    target_seq, target_id = rows[4]

    cases = {
        "modified": [("UPDATE deal_events SET data__json = '{\"amount_fen\":1}' WHERE seq = ?", target_seq)],
        "deleted": [("DELETE FROM deal_events WHERE seq = ?", target_seq)],
        "reordered": [("UPDATE deal_events SET seq = -1 WHERE seq = ?", target_seq),
                      ("UPDATE deal_events SET seq = ? WHERE seq = ?", target_seq, target_seq + 1),
                      ("UPDATE deal_events SET seq = ? WHERE seq = -1", target_seq + 1)],
        "rehashed_without_chain": [("UPDATE deal_events SET actor_id = '' WHERE seq = ?", target_seq)],
    }
    for name, edits in cases.items():
        copy = tampered_copy(server, *edits)
        try:
            rc, out = verify(copy)
            assert rc == 1 and "BROKEN" in out, (name, out)
            first_bad = target_seq + 1 if name == "deleted" else target_seq
            assert ("seq %d " % first_bad) in out, (name, out)
        finally:
            drop_copy(copy)
    copy = tampered_copy(server)
    try:
        assert verify(copy)[0] == 0
    finally:
        drop_copy(copy)
