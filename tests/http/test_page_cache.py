"""The response cache of anonymous browse pages (src/http/resp_cache.c):
a repeated page is served from memory, yet a write through kejiyun shows
at once; signed-in users never get a shared page; each visitor still gets
their own CSRF cookie; query order does not matter but language does;
a write from outside kejiyun shows after the time to live or when the
visitor asks for a fresh page (Cache-Control: no-cache); gzip on a hit.

Its own server, so that moving its clock disturbs nobody, with a time to
live of a minute, so that only the clock ends an entry here."""
import gzip
import re
import time
import urllib.parse

from harness import Client, db_exec, db_rows
from test_market_lifecycle import DAY_MS, RUN, create, publish, set_clock_offset, user

SERVER_ARGS = ["--page-cache-ms", "60000"]
MARK = "PGC%s" % RUN


def counts(server):
    text = Client(server).metrics()
    got = dict(re.findall(r'kejiyun_page_cache_requests_total\{result="(\w+)"\} (\d+)', text))
    return int(got.get("hit", -1)), int(got.get("miss", -1))


def browse(mark=MARK, **extra):
    return "/achievements?" + urllib.parse.urlencode(dict(q=mark, **extra))


def quiet(server):
    """Waits until the background jobs stop writing (the first statistics
    build after a start, the matching of a listing just published): any
    write ends every kept page, and these tests count hits and misses.
    Quiet when a page asked twice is one hit."""
    if "stats" not in _quiet:
        # The statistics job's first build after the start writes for a
        # while, in many transactions (slow under ASan on a busy machine).
        admin = Client(server)
        admin.login_as("admin")
        for _ in range(240):
            r = admin.api("GET", "/api/v1/stats")
            if r.status == 200 and (r.json.get("freshness") or {}).get("built_at"):
                break
            time.sleep(0.5)
        _quiet["stats"] = True
    anon = Client(server)
    calm = 0
    for _ in range(120):
        anon.get(browse(MARK + "-quiet"))
        h0, _ = counts(server)
        anon.get(browse(MARK + "-quiet"))
        calm = calm + 1 if counts(server)[0] == h0 + 1 else 0
        if calm == 3:
            return
        time.sleep(0.3)
    raise AssertionError("the server kept writing for a minute")


_quiet = {}


def test_repeat_is_a_hit_and_a_write_shows_at_once(server):
    sci, op = user(server, "scientist"), user(server, "operator")
    first = publish(sci, op, title="%s-一号成果" % MARK)
    quiet(server)
    anon = Client(server)
    h0, m0 = counts(server)
    a = anon.get(browse())
    assert a.status == 200 and first["title"] in a.text
    b = anon.get(browse())
    assert b.status == 200 and b.body == a.body
    assert counts(server) == (h0 + 1, m0 + 1)
    second = publish(sci, op, title="%s-二号成果" % MARK)   # a write: the kept page is stale now
    c = anon.get(browse())
    assert first["title"] in c.text and second["title"] in c.text
    assert counts(server) == (h0 + 1, m0 + 2)


def test_signed_in_users_are_never_served_from_the_cache(server):
    quiet(server)
    anon = Client(server)
    anon.get(browse(page=1))
    h0, m0 = counts(server)
    sci = user(server, "scientist")
    for _ in range(2):
        r = sci.get(browse(page=1))
        assert r.status == 200, r
    assert counts(server) == (h0, m0)


def test_each_visitor_gets_an_own_csrf_cookie_on_a_hit(server):
    quiet(server)
    Client(server).get(browse(sort="newest"))
    tokens = set()
    for _ in range(2):
        v = Client(server)
        h0, _ = counts(server)
        r = v.get(browse(sort="newest"))
        assert r.status == 200
        assert counts(server)[0] == h0 + 1
        tokens.add(v.cookies.get("kj_csrf"))
    assert None not in tokens and len(tokens) == 2


def test_query_order_is_one_page_but_languages_are_two(server):
    quiet(server)
    anon = Client(server)
    anon.get("/achievements?" + urllib.parse.urlencode([("q", MARK), ("trl_min", "1"), ("trl_max", "9")]))
    h0, m0 = counts(server)
    anon.get("/achievements?" + urllib.parse.urlencode([("trl_max", "9"), ("trl_min", "1"), ("q", MARK)]))
    assert counts(server) == (h0 + 1, m0)
    en = anon.get("/achievements?" + urllib.parse.urlencode([("q", MARK), ("trl_min", "1"), ("trl_max", "9")]),
                  headers={"Accept-Language": "en"})
    assert counts(server) == (h0 + 1, m0 + 1)
    assert 'lang="en"' in en.text


def test_the_api_list_is_cached_and_gzip_is_kept(server):
    quiet(server)
    anon = Client(server)
    path = "/api/v1/listings?" + urllib.parse.urlencode({"q": MARK, "kind": "achievement"})
    plain = anon.api("GET", path)
    assert plain.status == 200 and plain.json["total"] >= 2
    h0, _ = counts(server)
    again = anon.api("GET", path)
    assert again.json == plain.json and counts(server)[0] == h0 + 1
    page = anon.get(browse())
    z = anon.get(browse(), headers={"Accept-Encoding": "gzip"})
    assert z.header("Content-Encoding") == "gzip"
    assert gzip.decompress(z.body) == page.body


def test_an_outside_write_shows_after_the_ttl_or_on_request(server):
    sci, op = user(server, "scientist"), user(server, "operator")
    mark = MARK + "x"
    item = publish(sci, op, title="%s-原标题" % mark)
    quiet(server)
    anon = Client(server)
    assert "原标题" in anon.get(browse(mark)).text
    db_exec(server, ("UPDATE listings SET title = ? WHERE id = ?", "%s-新标题" % mark, item["id"]))
    stale = anon.get(browse(mark)).text   # kejiyun did not see that write
    assert "原标题" in stale and "新标题" not in stale
    fresh = anon.get(browse(mark), headers={"Cache-Control": "no-cache"}).text
    assert "新标题" in fresh
    set_clock_offset(server, 0)
    anon.get(browse(mark, sort="newest"))
    db_exec(server, ("UPDATE listings SET title = ? WHERE id = ?", "%s-第三标题" % mark, item["id"]))
    assert "第三标题" not in anon.get(browse(mark, sort="newest")).text
    set_clock_offset(server, 61 * 1000)   # older than the time to live now
    assert "第三标题" in anon.get(browse(mark, sort="newest")).text
    set_clock_offset(server, 0)


def test_an_idle_job_round_ends_no_cached_page(server):
    """The jobs write only when they have something to do: a round with
    nothing new (a tick after the escalation of a listing waiting for
    review was recorded) ends no cached page. The escalation job began and
    committed a transaction for every step already recorded, every round,
    and a commit ends every cached page: each minute after any item had
    waited past its first review deadline, and with it any test that
    repeats a page (test_server_timing retried its pair for that)."""
    sci = user(server, "scientist")
    waiting = create(sci, "achievement", submit=True, title="%s-待审-%d" % (MARK, int(time.time())))["id"]
    # Submitted a month ago (behind kejiyun's back: no cached page ends, and
    # the clock stays, so the statistics are not due).
    db_exec(server, ("UPDATE listings SET updated_at = updated_at - ? WHERE id = ?", 30 * DAY_MS, waiting))
    r = Client(server).api("POST", "/__test/tick", {})
    assert r.status == 200 and r.json["changed"] >= 1, r
    steps = db_rows(server, "SELECT level FROM review_escalations WHERE item_id = ?", waiting)
    assert len(steps) >= 1, steps                               # its escalations recorded
    quiet(server)
    anon = Client(server)
    anon.get(browse(MARK + "-idle"))
    h0, m0 = counts(server)
    r = Client(server).api("POST", "/__test/tick", {})
    assert r.status == 200 and r.json["changed"] == 0, r         # nothing new to do
    anon.get(browse(MARK + "-idle"))
    assert counts(server) == (h0 + 1, m0), (h0, m0, counts(server))
