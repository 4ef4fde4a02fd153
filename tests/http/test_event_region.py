"""The events list filtered by region, defaulting to the instance's home
region as the other lists do (issue 17 §1, web/home_region.h), on a server
whose home region is 青海 (630000): the page and GET /api/v1/events show
the events held in the chosen region's subtree plus online events that name
no region; with no region named the home region applies (the API says so in
region_default, the page in the "查看全国" note); region=all shows
everything; an unknown region is a 422 with the field named, not an empty
list. The default server (no home region) keeps every event: checked in
test_events (its lists find events in any region)."""
import itertools
import re

from harness import Client
from test_events import local, login, make_event

SERVER_ARGS = ["--home-region", "630000", "--page-cache-ms", "0"]
_seq = itertools.count(1)


def events(server):
    """Three published events with unique names: in 西宁城东区, in 成都武侯区, and online naming no region."""
    n = next(_seq)
    qh = make_event(server, name_zh="青海盐湖技术对接会%d" % n, region="630102", starts_at=local(12, 9), ends_at=local(12, 18),
                    meeting_start=local(12, 14), sections=[], open_reg=False)
    sc = make_event(server, name_zh="四川成果路演%d" % n, region="510107", starts_at=local(12, 9), ends_at=local(12, 18),
                    meeting_start=local(12, 14), sections=[], open_reg=False)
    on = make_event(server, name_zh="全国线上科技讲座%d" % n, region="", online=True, online_url="https://meet.example.cn/k%d" % n,
                    venue="", starts_at=local(12, 9), ends_at=local(12, 18), meeting_start=local(12, 14), sections=[], open_reg=False)
    return qh, sc, on


def ids(j):
    return [e["id"] for e in j["items"]]


def test_api_lists_events_of_the_home_region_by_default(server):
    qh, sc, on = events(server)
    anon = Client(server)
    j = anon.api("GET", "/api/v1/events").json
    assert j.get("region_default") == "630000", j.keys()
    assert qh["id"] in ids(j) and on["id"] in ids(j) and sc["id"] not in ids(j), (ids(j), qh["id"], sc["id"])
    assert all(e["region"].startswith("63") or (e["online"] and not e["region"]) for e in j["items"]), \
        [(e["region"], e["online"]) for e in j["items"]]
    # 全国: everything, and no default said.
    every = anon.api("GET", "/api/v1/events?region=all").json
    assert "region_default" not in every and {qh["id"], sc["id"], on["id"]} <= set(ids(every))
    # A region named is its subtree (四川 holds 武侯区), with the other filters.
    named = anon.api("GET", "/api/v1/events?region=510000&when=upcoming").json
    assert "region_default" not in named and sc["id"] in ids(named) and qh["id"] not in ids(named) and on["id"] in ids(named)
    city = anon.api("GET", "/api/v1/events?region=630100").json
    assert qh["id"] in ids(city) and sc["id"] not in ids(city)
    assert qh["id"] not in ids(anon.api("GET", "/api/v1/events?region=630100&when=past").json)
    # An unknown or malformed region is refused, naming the field.
    for bad in ("999999", "x" * 40):
        r = anon.api("GET", "/api/v1/events?region=" + bad)
        assert r.status == 422 and r.header("Content-Type").startswith("application/problem+json"), (bad, r)
        assert [e["field"] for e in r.json["errors"]] == ["region"], (bad, r.json)


def test_page_filters_by_region_with_the_home_default_and_all_of_china(server):
    qh, sc, on = events(server)
    anon = Client(server)
    page = anon.get("/events").text
    assert 'id="region-default"' in page and "默认显示本平台服务的地区（青海省）" in page
    assert 'href="/events?region=all" id="region-show-all"' in page and "查看全国" in page
    assert qh["name_zh"] in page and on["name_zh"] in page and sc["name_zh"] not in page
    # The filter form: the one region picker, the home region in force, 全国 its blank choice.
    m = re.search(r'<form method="get" action="/events"[^>]*id="ev-filter".*?</form>', page, re.S)
    assert m, "no region filter form"
    top = re.search(r'<select id="region" name="region__1"[^>]*>(.*?)</select>', m.group(0), re.S).group(1)
    assert '<option value="">全国</option>' in top and re.search(r'<option value="630000"\s*selected', top), top[:300]
    every = anon.get("/events?region=all").text
    assert 'id="region-default"' not in every and sc["name_zh"] in every and qh["name_zh"] in every
    # What the picker submits without JavaScript (a province, then 全国 left blank).
    sichuan = anon.get("/events?region__1=510000&region__2=").text
    assert sc["name_zh"] in sichuan and qh["name_zh"] not in sichuan and 'id="region-default"' not in sichuan
    assert re.search(r'<option value="510000"\s*selected', sichuan)
    blank = anon.get("/events?region__1=").text
    assert sc["name_zh"] in blank and qh["name_zh"] in blank, "全国 chosen in the picker shows everything"
    # A bad region: a page that says so (422), not a crash or an empty list passed off as the answer.
    r = anon.get("/events?region=999999")
    assert r.status == 422 and 'role="alert"' in r.text and "没有这个地区" in r.text, r
    # English: the note and the link.
    en = anon.get("/events", headers={"Accept-Language": "en"}).text
    assert "Showing this platform&#39;s region (Qinghai" in en or "Showing this platform's region (Qinghai" in en, \
        re.search(r'id="region-default"[^<]*', en)
    assert "Show all of China" in en and "Filter events by region" in en


def test_staff_still_see_their_drafts_in_the_region(server):
    """The region narrows what the viewer may see; it does not widen it:
    a draft stays visible to its organizers only."""
    n = next(_seq)
    draft = make_event(server, name_zh="青海草稿活动%d" % n, region="630102", starts_at=local(13, 9), ends_at=local(13, 18),
                       meeting_start=local(13, 14), sections=[], publish=False, open_reg=False)
    assert draft["id"] in ids(login(server, "operator").api("GET", "/api/v1/events").json)
    assert draft["id"] not in ids(Client(server).api("GET", "/api/v1/events").json)
    assert draft["id"] not in ids(Client(server).api("GET", "/api/v1/events?region=630102").json)
