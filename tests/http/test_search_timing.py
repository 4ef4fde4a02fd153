"""Where a search's time goes, in its answer (issue 15: search p99 at 1M
listings). The search API and page say it in Server-Timing beside the db
entry every answer carries: search (the whole), rewrite, strict (the walk
over documents holding every word, with how many it met and whether it went
through the frequent terms' bitmaps, and whether these alone decided the
filter: "bitmaps, filter"), relaxed (the any-word walk, only when
the strict one met too few) and hits (reading the page). bench/scale/run
lists the slowest queries with it; a query that turns slow says why."""
import re
import urllib.parse

from test_market_lifecycle import RUN, publish, user

MARK = "STM%s" % RUN
ENTRY = re.compile(r'(\w+)((?:;(?:dur=\d+\.\d\d|desc="[^"]*"))+)')
_made = {}


def listings(server):
    """Three published achievements titled with this run's marker."""
    if id(server) not in _made:
        sci, op = user(server, "scientist"), user(server, "admin")
        _made[id(server)] = [publish(sci, op, title="%s 储能热管理样机 %d" % (MARK, i)) for i in range(3)]
    return _made[id(server)]


def timing(r):
    """{name: (ms, desc)} of the answer's Server-Timing entries."""
    value = r.header("Server-Timing") or ""
    out = {}
    for m in ENTRY.finditer(value):
        dur, desc = re.search(r"dur=([\d.]+)", m.group(2)), re.search(r'desc="([^"]*)"', m.group(2))
        out[m.group(1)] = (float(dur.group(1)) if dur else None, desc.group(1) if desc else None)
    assert "db" in out, value
    return out


def test_search_answers_say_where_the_time_went(server):
    listings(server)
    c = user(server, "scientist")
    # One word: the strict walk finds the three; nothing is relaxed.
    r = c.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": MARK}))
    assert r.status == 200 and r.json["total"] == 3 and not r.json["relaxed"], r
    t = timing(r)
    assert {"search", "rewrite", "strict", "hits"} <= set(t) and "relaxed" not in t, t
    assert re.fullmatch(r"3 matches( \(bitmaps(, filter)?\))?", t["strict"][1]), t
    assert t["search"][0] >= t["strict"][0] + t["hits"][0] - 0.02, t   # the whole holds its parts (rounded to 0.01)
    # A word no listing holds beside it: the strict walk meets none, the
    # any-word walk the three, and the answer says so.
    r = c.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": "%s zq%sxv" % (MARK, RUN)}))
    assert r.status == 200 and r.json["total"] == 3 and r.json["relaxed"], r
    t = timing(r)
    assert t["strict"][1] == "0 matches" and re.fullmatch(r"3 matches( \(bitmaps(, filter)?\))?", t["relaxed"][1]), t
    # The page says it the same way.
    r = c.get("/search?" + urllib.parse.urlencode({"q": MARK}))
    assert r.status == 200 and MARK in r.text, r
    t = timing(r)
    assert {"search", "strict", "hits"} <= set(t) and t["strict"][1].startswith("3 matches"), t
