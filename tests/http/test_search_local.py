"""Search on PostgreSQL (issue 16, design (b), src/search/local.h): each
node searches its own FTS5 copy of the index, built and kept current from
the database. Its quality is SQLite's by construction: the copy holds the
same documents, made by the same code, as a SQLite instance's index of the
same rows, and is ranked by the same functions. These tests show it on the
PostgreSQL lane (KEJIYUN_TEST_PG); on the SQLite lane there is no copy,
and they say so and check nothing.

- The same rows, two ways: the PostgreSQL server's copy against the index
  that `kejiyun reindex` builds on SQLite after `migrate-data` copies those
  rows there: the same documents with the same text and token counts; and
  the two servers answer the same searches with the same scores.
- The copy's life: a removed copy is rebuilt at start; a copy behind the
  pruned outbox is rebuilt; /readyz and /metrics say its state.
- The writer's own entries: its copy took them in the paired transaction,
  so its tailer skips them (migration 052), and applies only what it did
  not take.
- A write during a background rebuild: the copy does not take it then, so
  its matching is queued until the copy has the listing's terms."""
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

import harness
from harness import BIN, ROOT, Client, Server, db_exec

QUERIES = ("无人机", "巡检 视觉", "电池 储能", "检测", "智能制造", "中药材", "机器人", "新材料", "农业", "数据")


def pg(server):
    if not server.db_url:
        print("NOTE: test_search_local: SQLite lane (no local copy of the index); nothing checked")
        return False
    return True


def documents(path):
    """{doc_id: (kind, title, keywords, summary, body, token counts)} of an
    index file (the FTS5 tables' plain parts: readable without the
    kejiyun tokenizer)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT d.doc_id, d.doc_kind, c.c0, c.c1, c.c2, c.c3, z.sz FROM search_docs d "
                          "JOIN search_fts_content c ON c.id = d.rowid "
                          "LEFT JOIN search_fts_docsize z ON z.id = d.rowid").fetchall()
        return {r[0]: r[1:] for r in rows}
    finally:
        db.close()


def answer(server, q):
    r = Client(server).api("GET", "/api/v1/search?q=" + urllib.parse.quote(q))
    assert r.status == 200, r
    return r.json


def test_the_copy_holds_what_sqlite_would_and_ranks_the_same(server):
    if not pg(server):
        return
    s = Server()
    work = tempfile.mkdtemp(prefix="kejiyun-search-local-")
    sq = None
    try:
        totals = {q: answer(s, q) for q in QUERIES}
        assert sum(a["total"] for a in totals.values()) > 0
        s.stop()
        copy = documents(os.path.join(s.dir, "search", "index.db"))
        # The same rows into SQLite, indexed there by `kejiyun reindex`.
        out = subprocess.run([BIN, "migrate-data", "--from", s.db_url, "--to", "sqlite:%s/kejiyun.db" % work],
                             capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
        env = dict(os.environ)
        env.pop("KEJIYUN_DB", None)
        out = subprocess.run([BIN, "reindex", "--data", work, "--db", "sqlite:%s/kejiyun.db" % work],
                             capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        ref = documents(os.path.join(work, "kejiyun.db"))
        assert len(copy) > 50 and set(copy) == set(ref), (len(copy), len(ref), set(copy) ^ set(ref))
        differ = [d for d in copy if copy[d] != ref[d]]
        assert not differ, (differ[:3], [(copy[d], ref[d]) for d in differ[:1]])
        print("NOTE: the PostgreSQL node's copy and SQLite's index hold the same %d documents" % len(copy))
        # Both servers answer alike: the same totals, hits and scores.
        sq = Server(data_dir=work, demo=False, env={"KEJIYUN_DB": "sqlite:%s/kejiyun.db" % work})
        s2 = Server(data_dir=s.dir, demo=False)
        try:
            for q in QUERIES:
                a, b = answer(s2, q), answer(sq, q)
                assert a["total"] == b["total"] == totals[q]["total"], (q, a["total"], b["total"])
                sa = {h["id"]: round(h["score"], 9) for h in a["items"]}
                sb = {h["id"]: round(h["score"], 9) for h in b["items"]}
                assert sorted(sa.values()) == sorted(sb.values()), q
                for i in set(sa) & set(sb):
                    assert sa[i] == sb[i], (q, i)
        finally:
            s2.stop()
    finally:
        if sq:
            sq.cleanup()
        s.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def test_a_removed_or_outdated_copy_is_rebuilt_at_start(server):
    """A removed copy (a new node, an emptied search_dir) is built at start,
    before the node serves; so is a copy whose node was away longer than
    the outbox keeps entries (a day): its cursor is below what the leader
    pruned, so it cannot catch up entry by entry. /readyz tells the state."""
    if not pg(server):
        return
    s = Server()
    try:
        before = answer(s, "无人机")["total"]
        assert before > 0
        r = Client(s).get("/readyz")
        assert r.status == 200 and r.json["search"] == "ready", r.json
        s.stop()
        shutil.rmtree(os.path.join(s.dir, "search"))
        s2 = Server(data_dir=s.dir, demo=False)
        try:
            assert "this node's copy of the search index was built" in s2.read_log(), s2.read_log()
            assert answer(s2, "无人机")["total"] == before
            assert Client(s2).get("/readyz").json["search"] == "ready"
        finally:
            s2.stop()
        # What the leader's pruning records (search/local.c): the highest
        # seq deleted, here past this node's cursor.
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", s.db_url, "-c",
                        "INSERT INTO meta(key, value) VALUES ('search_outbox_pruned', '999999999') "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"], check=True, capture_output=True)
        s3 = Server(data_dir=s.dir, demo=False)
        try:
            assert s3.read_log().count("this node's copy of the search index was built") == 1, s3.read_log()
            assert answer(s3, "无人机")["total"] == before
        finally:
            s3.stop()
        # Built once: its cursor now stands at the pruned floor.
        s4 = Server(data_dir=s.dir, demo=False)
        try:
            assert "this node's copy of the search index was built" not in s4.read_log(), s4.read_log()
        finally:
            s4.stop()
    finally:
        s.cleanup()


def local_metrics(server):
    """{name: value} of the kejiyun_search_local_* lines of /metrics."""
    out = {}
    for line in Client(server).metrics().splitlines():
        if line.startswith("kejiyun_search_local_"):
            k, v = line.split()
            out[k] = float(v)
    return out


def wait_until(fn, timeout, step=0.05):
    """Seconds until fn() is true. The limits here are liveness (the
    tailer polls every second; on a busy machine a round has taken many):
    the issue's 2 s from a write on one node to search on another is
    test_multinode's. Waits over 3 s go to the timeline."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if fn():
            harness.note_wait("search copy", t0, timeout)
            return time.time() - t0
        time.sleep(step)
    raise AssertionError("not within %.0f s" % timeout)


def new_listing(owner, kind, title, summary, keywords, submit=True, **over):
    body = {"kind": kind, "title": title, "summary": summary, "keywords": keywords, "domain": "D0101", "region": "510107",
            "coop_modes": ["transfer"], "submit": submit}
    if kind == "achievement":
        body["trl"] = 5
    body.update(over)
    r = owner.api("POST", "/api/v1/listings", body)
    assert r.status == 201, r
    return r.json["id"]


def approve(admin, lid):
    r = admin.api("POST", "/api/v1/listings/%s/actions" % lid, {"action": "approve"})
    assert r.status == 200, r


def test_the_writer_skips_its_own_outbox_entries(server):
    """The node that writes puts the change in its copy in the paired local
    transaction; its tailer, reading the outbox, finds the entry's token in
    the copy and does not read the document again (before 052 it re-applied
    every entry of its own: double work on the node that writes most)."""
    if not pg(server):
        return
    s = Server()
    try:
        owner, admin = Client(s), Client(s)
        owner.login_as("scientist")
        admin.login_as("admin")
        word = "ownentry%d" % (int(time.time() * 1000) % 10 ** 9)
        # The tailer has read what was there before (it polls every second).
        time.sleep(1.5)
        m0 = local_metrics(s)
        assert "kejiyun_search_local_own_total" in m0, m0
        lid = new_listing(owner, "achievement", "本节点自己写入的巡检无人机 %s" % word, "输电线路巡检无人机视觉识别。", ["巡检", "视觉"])
        approve(admin, lid)
        assert [h["id"] for h in answer(s, word)["items"]] == [lid]    # in the writer's copy at once
        # Its entries (submitted, approved): skipped, none applied.
        wait_until(lambda: local_metrics(s)["kejiyun_search_local_own_total"] >= m0["kejiyun_search_local_own_total"] + 1, 60)
        time.sleep(1.5)   # another round of the tailer, and the look-back's re-reading
        m1 = local_metrics(s)
        assert m1["kejiyun_search_local_applied_total"] == m0["kejiyun_search_local_applied_total"], (m0, m1)
        # An entry this node did not take (written behind its back, as another
        # node would): applied by the tailer.
        db_exec(s, ("INSERT INTO search_outbox(doc_id, doc_kind, at) VALUES (?, 'listing', ?)", lid, int(time.time() * 1000)))
        wait_until(lambda: local_metrics(s)["kejiyun_search_local_applied_total"] == m1["kejiyun_search_local_applied_total"] + 1, 60)
        assert [h["id"] for h in answer(s, word)["items"]] == [lid]
    finally:
        s.cleanup()


def test_a_demand_approved_during_a_rebuild_is_matched_with_its_own_terms(server):
    """While a node rebuilds its copy in the background (an 'all' entry: a
    `kejiyun reindex` on some node), the copy does not take this node's
    writes (the outbox brings them after the build). Matching a new demand
    reads its terms from the index, so matching it inline then found
    nothing, and it stayed without matches. Now the match is queued, and
    the job leader matches it once its copy has the demand."""
    if not pg(server):
        return
    s = Server()
    try:
        sci, org, admin = Client(s), Client(s), Client(s)
        sci.login_as("scientist")
        org.login_as("org_member")
        admin.login_as("admin")
        word = "rebuildmatch%d" % (int(time.time() * 1000) % 10 ** 9)
        offer = new_listing(sci, "achievement", "输电线路绝缘子缺陷无人机巡检系统 %s" % word,
                            "无人机自动巡检输电线路，识别绝缘子缺陷。", ["无人机", "绝缘子", "巡检"])
        approve(admin, offer)
        demand = new_listing(org, "demand", "寻求输电线路绝缘子缺陷无人机检测 %s" % word, "需要无人机巡检输电线路并自动识别绝缘子缺陷。",
                             ["无人机", "绝缘子"], coop_modes=["joint_dev"],
                             indicators=[{"name": "识别准确率", "target": "≥ 95", "unit": "%"}])
        # A rebuild of this node's copy, started as a reindex elsewhere starts
        # one, held open until the approval is in (setting the delay to 0
        # ends it: a fixed 4 s window was missed when the approval took
        # longer on a busy machine).
        r = Client(s).api("POST", "/__test/faults", {"search_build_delay_ms": 120000})
        assert r.status == 200, r
        try:
            db_exec(s, ("INSERT INTO search_outbox(doc_id, doc_kind, at) VALUES ('*', 'all', ?)", int(time.time() * 1000)))
            wait_until(lambda: Client(s).get("/readyz").json.get("search") == "building", 60, step=0.02)
            approve(admin, demand)
            assert Client(s).get("/readyz").json.get("search") == "building", "the approval came after the rebuild: nothing tested"
        finally:
            Client(s).api("POST", "/__test/faults", {"search_build_delay_ms": 0})
        wait_until(lambda: Client(s).get("/readyz").json.get("search") == "ready", 60)
        # The demand reaches the copy through the outbox, and the leader matches it.
        wait_until(lambda: demand in [h["id"] for h in answer(s, word)["items"]], 60)

        def matched():
            r = Client(s).api("GET", "/api/v1/listings/%s/matches" % demand)
            assert r.status == 200, r
            return offer in [m["id"] for m in r.json["items"]]
        t = wait_until(matched, 60, step=0.1)
        print("NOTE: the demand approved during a rebuild was matched %.2f s after the rebuild" % t)
    finally:
        s.cleanup()


def test_a_restarted_node_is_ready_once_its_copy_has_read_what_it_missed(server):
    """A node that was down while others wrote reads their outbox entries
    when it starts: a page before it listens, the rest after. Until it has
    read to the end it is not ready (/readyz 503, search "catching_up"), so
    a balancer sends it nothing it would answer from an old copy; once it
    is ready, it finds what was written while it was away."""
    if not pg(server):
        return
    s = Server()
    try:
        owner, admin = Client(s), Client(s)
        owner.login_as("scientist")
        admin.login_as("admin")
        stamp = int(time.time() * 1000) % 10 ** 9
        old, new = "awayold%d" % stamp, "awaynew%d" % stamp
        lid = new_listing(owner, "achievement", "停机期间改名的巡检无人机 %s" % old, "输电线路巡检无人机。", ["巡检"])
        approve(admin, lid)
        s.stop()
        # While it is down, the others write: many entries (each other
        # published listing eight times: a page of them is read before the
        # node listens, the rest after), the renamed listing's last (an
        # entry reads the document as it is now: any earlier one of it
        # would bring the new title at once), written a minute ago (older
        # than the tailer's look-back, which re-reads the last 10 s).
        now = int(time.time() * 1000) - 60000
        db_exec(s, ("INSERT INTO search_outbox(doc_id, doc_kind, at) SELECT l.id, 'listing', ? FROM listings l "
                    "CROSS JOIN generate_series(1, 8) g WHERE l.status = 'published' AND l.id <> ? ORDER BY g, l.id", now, lid),
                ("UPDATE listings SET title = ? WHERE id = ?", "停机期间改名的巡检无人机 " + new, lid),
                ("INSERT INTO search_outbox(doc_id, doc_kind, at) VALUES (?, 'listing', ?)", lid, now))
        s2 = Server(data_dir=s.dir, demo=False)
        try:
            seen, t0 = [], time.time()
            while time.time() - t0 < 120:
                r = Client(s2).get("/readyz")
                seen.append((r.status, r.json.get("search")))
                if r.status == 200:
                    break
                assert r.json["search"] == "catching_up" and r.json["database"] == "ok", r.json
                time.sleep(0.05)
            assert seen[-1][0] == 200, seen[-3:]
            # Ready: the copy has what was written while the node was away.
            assert [h["id"] for h in answer(s2, new)["items"]] == [lid]
            assert answer(s2, old)["total"] == 0
            print("NOTE: not ready (catching up) for %d checks, %.2f s after it answered /healthz" % (len(seen) - 1, time.time() - t0))
        finally:
            s2.stop()
    finally:
        s.cleanup()
