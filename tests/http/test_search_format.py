"""An index built in an older format is rebuilt once at start (issue 15:
bigrams across a word seam are marked since format 2), so an upgraded
instance never matches by the old rules."""
import os
import sqlite3
import urllib.parse

from harness import Client, Server


def index_file(server):
    """Where the index's format is kept: the database on SQLite; on
    PostgreSQL, the node's own copy of the index (search/local.h)."""
    return os.path.join(server.dir, "search", "index.db") if server.db_url else os.path.join(server.dir, "kejiyun.db")


def meta(server):
    db = sqlite3.connect(index_file(server))
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'search_format'").fetchone()
        return row[0] if row else None
    finally:
        db.close()


def test_old_index_rebuilt_at_start(server):
    s = Server()
    try:
        assert meta(s) == "2"
        q = "/api/v1/search?q=" + urllib.parse.quote("植保无人机")
        before = Client(s).api("GET", q).json["total"]
        assert before > 0
        s.stop()
        assert "rebuilt in its new format" not in s.read_log()
        db = sqlite3.connect(index_file(s))
        db.execute("UPDATE meta SET value = '1' WHERE key = 'search_format'")
        db.commit()
        db.close()
        s2 = Server(data_dir=s.dir, demo=False)
        try:
            said = "this node's copy of the search index was built" if s.db_url else "the search index was rebuilt in its new format"
            assert said in s2.read_log(), s2.read_log()
            assert meta(s2) == "2"
            assert Client(s2).api("GET", q).json["total"] == before
        finally:
            s2.stop()
    finally:
        s.cleanup() if hasattr(s, "cleanup") else None
