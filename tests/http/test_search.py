"""Search and matching over HTTP: Chinese-aware queries, filters, facets,
snippets, suggestions, hostile queries, anonymity, incremental matching
with reasons, "not relevant", and alerts without a reindex."""
import re
import time
import urllib.parse

from harness import Client, DEMO

RUN = str(int(time.time() * 1000) % 100000000)


def q(params):
    return urllib.parse.urlencode(params)


def publish(server, role, body, admin=None):
    c = Client(server)
    c.login_as(role)
    r = c.api("POST", "/api/v1/listings", dict(body, submit=True))
    assert r.status == 201, r
    lid = r.json["id"]
    admin = admin or Client(server)
    if "kj_session" not in admin.cookies:
        admin.login_as("admin")
    r = admin.api("POST", "/api/v1/listings/%s/actions" % lid, {"action": "approve"})
    assert r.status == 200 and r.json["status"] == "published", r
    # The approve computed the matches inline and says how long that took.
    timing = r.header("Server-Timing") or ""
    # (with the db entry every answer carries, in the same header)
    assert re.fullmatch(r'match;dur=\d+\.\d\d, db;desc="\d+ statements";dur=\d+\.\d\d', timing), timing
    return lid


def offer(title, summary, keywords, domain="D0401", region="510107", trl=6, modes=("joint_dev",), price=("50", "100"), anonymous=False):
    return {"kind": "achievement", "title": title, "summary": summary, "keywords": list(keywords), "domain": domain,
            "region": region, "trl": trl, "coop_modes": list(modes), "price_kind": "range",
            "price_min": price[0], "price_max": price[1], "anonymous": anonymous,
            "contact_phone": "028-8888" + RUN[-4:], "contact_email": "secret.%s@example.cn" % RUN}


def demand(title, summary, keywords, domain="D0401", region="510104", trl_min=5, modes=("joint_dev",), budget=("30", "120")):
    return {"kind": "demand", "title": title, "summary": summary, "keywords": list(keywords), "domain": domain,
            "region": region, "trl_min": trl_min, "coop_modes": list(modes), "price_kind": "range",
            "price_min": budget[0], "price_max": budget[1], "indicators": [{"name": "精度", "target": "≥95", "unit": "%"}]}


def search(server, text, **filters):
    params = dict(filters, q=text)
    r = Client(server).api("GET", "/api/v1/search?" + q(params))
    assert r.status == 200, r
    return r.json


def test_chinese_aware_search_and_ordering(server):
    admin = Client(server)
    admin.login_as("admin")
    a = publish(server, "scientist", offer("植保无人机变量喷洒系统%s" % RUN, "面向水稻病虫害防治的植保无人机精准施药", ["植保无人机", "水稻"]), admin)
    b = publish(server, "scientist2", offer("水稻田间管理的物联网监测%s" % RUN, "土壤墒情与病虫害监测，手机查看", ["物联网", "水稻"],
                                            domain="D1003", region="511102"), admin)
    # Title hits outrank body-only hits; traditional and synonyms find simplified text.
    res = search(server, "植保无人机 " + RUN)
    ids = [h["id"] for h in res["items"]]
    assert a in ids and ids.index(a) == 0, res
    for variant in ["植保無人機", "UAV 水稻", "drone"]:
        ids = [h["id"] for h in search(server, variant)["items"]]
        assert a in ids, (variant, ids)
    # Out-of-dictionary words still match through character bigrams.
    assert a in [h["id"] for h in search(server, "变量喷洒")["items"]]
    # Snippets mark nothing dangerous and come back as plain text in the API.
    hit = [h for h in search(server, "水稻 " + RUN)["items"] if h["id"] == b][0]
    assert "\x02" not in hit["snippet"] and hit["title"].startswith("水稻田间管理")
    # Filters and facets apply to the query.
    res = search(server, "水稻", region="510000")
    assert all(h.get("region", "51").startswith("51") for h in res["items"] if h["doc_kind"] == "listing")
    facets = res["facets"]
    assert {"kind", "domain", "region", "trl"} <= set(facets), facets
    assert any(f["code"] == "510000" for f in facets["region"])
    res = search(server, "水稻 " + RUN, domain="D04")
    assert a in [h["id"] for h in res["items"]] and b not in [h["id"] for h in res["items"]]
    # The HTML page highlights hits with <mark> and escapes everything else.
    r = Client(server).get("/search?" + q({"q": "植保无人机 " + RUN}))
    assert r.status == 200 and "<mark>" in r.text and "植保无人机变量喷洒系统" in r.text


def test_hostile_queries_never_500(server):
    for text in ['"', '""', 'NEAR(a b)', 'title:x', '*', 'a OR', '(((', 'AND', '   ', '！！！，。', 'x' * 10000,
                 '无人机" OR "1', "'; DROP TABLE listings; --"]:
        r = Client(server).api("GET", "/api/v1/search?" + q({"q": text}))
        assert r.status in (200, 422), (text[:30], r)
        if r.status == 200:
            assert isinstance(r.json["items"], list)
    r = Client(server).request("GET", "/api/v1/search?q=%FF%FE", headers={"Accept": "application/json"})
    assert r.status in (400, 422), r
    assert Client(server).get("/search?q=%22NEAR%28").status == 200
    assert Client(server).api("GET", "/api/v1/search").json["total"] == 0


def test_suggestions(server):
    admin = Client(server)
    admin.login_as("admin")
    publish(server, "scientist", offer("青稞抗倒伏品种选育%s" % RUN, "川西高原青稞新品种", ["青稞", "良种"], domain="D1001",
                                        region="513300"), admin)
    r = Client(server).api("GET", "/api/v1/suggest?" + q({"q": "青稞"}))
    assert r.status == 200
    texts = [s["text"] for s in r.json["items"]]
    assert any(t.startswith("青稞抗倒伏品种选育") for t in texts) and "青稞" in texts, texts
    # While typing: one character, and a word cut short in the middle of a title.
    for typed in ["青", "倒伏品", "青稞 抗倒"]:
        r = Client(server).api("GET", "/api/v1/suggest?" + q({"q": typed}))
        assert r.status == 200 and any(s["text"].startswith("青稞抗倒伏品种选育") for s in r.json["items"]), (typed, r.json)
    # Typed FTS5 syntax is text, never an error.
    for typed in ['"', '*', 'title:x', 'NEAR(', '{title}']:
        assert Client(server).api("GET", "/api/v1/suggest?" + q({"q": typed})).status == 200, typed


def test_anonymous_owner_never_in_search(server):
    admin = Client(server)
    admin.login_as("admin")
    lid = publish(server, "scientist", offer("匿名钒钛磁铁矿综合利用技术%s" % RUN, "攀西钒钛资源高值化利用", ["钒钛"],
                                             domain="D0601", region="510400", anonymous=True), admin)
    owner_name = "张伟"
    res = search(server, "钒钛 " + RUN)
    hit = [h for h in res["items"] if h["id"] == lid][0]
    text = str(hit)
    assert owner_name not in text and DEMO["scientist"][0] not in text and "owner_id" not in hit
    assert "secret.%s" % RUN not in text
    # Searching for the owner's name does not find the anonymous listing.
    assert lid not in [h["id"] for h in search(server, owner_name)["items"]]
    page = Client(server).get("/search?" + q({"q": "钒钛 " + RUN}))
    assert owner_name not in page.text.split("<main", 1)[1]
    sug = Client(server).api("GET", "/api/v1/suggest?" + q({"q": "匿名钒钛"})).text
    assert owner_name not in sug
    m = Client(server).api("GET", "/api/v1/listings/%s/matches" % lid).text
    assert owner_name not in m and "secret." not in m


def test_new_demand_gets_matches_and_alert_without_reindex(server):
    admin = Client(server)
    admin.login_as("admin")
    good = publish(server, "scientist", offer("输电线路无人机智能巡检系统%s" % RUN, "无人机自动巡检输电线路，识别绝缘子缺陷",
                                              ["无人机", "巡检", "输电线路"]), admin)
    far = publish(server, "scientist2", offer("茶叶加工无人机运输%s" % RUN, "山区茶园无人机运输鲜叶", ["无人机", "茶叶"],
                                              domain="D1005", region="630104", trl=3, modes=("transfer",), price=("500", "800")), admin)
    # The offer's owner subscribes to new matches for their listing.
    sci = Client(server)
    sci.login_as("scientist")
    r = sci.api("POST", "/api/v1/subscriptions", {"type": "matches", "listing_id": good, "threshold": "0.3"})
    assert r.status == 201, r
    before = sci.api("GET", "/api/v1/notifications").json["unread"]
    # A saved search by another user.
    org2 = Client(server)
    org2.login_as("org_member2")
    r = org2.api("POST", "/api/v1/subscriptions", {"type": "search", "q": "绝缘子 缺陷 " + RUN})
    assert r.status == 201, r
    d = publish(server, "org_member", demand("寻求输电线路绝缘子缺陷无人机检测%s" % RUN, "需要无人机巡检输电线路并自动识别绝缘子缺陷",
                                             ["无人机", "绝缘子"]), admin)
    r = Client(server).api("GET", "/api/v1/listings/%s/matches" % d)
    assert r.status == 200
    items = r.json["items"]
    ids = [m["id"] for m in items]
    assert good in ids, items
    top = items[0]
    assert top["id"] == good, [(m["title"], m["score"]) for m in items]
    assert "无人机" in top["reasons"]["terms"] and top["score"] > 0
    fields = {a["field"] for a in top["reasons"]["agree"]}
    assert {"domain", "trl", "coop_modes", "price", "region"} <= fields, top["reasons"]
    if far in ids:
        f = items[ids.index(far)]
        assert f["score"] < top["score"]
        assert {x["field"] for x in f["reasons"]["disagree"]} & {"trl", "domain", "coop_modes", "price"}
    # The same pair is visible from the offer's side.
    assert d in [m["id"] for m in Client(server).api("GET", "/api/v1/listings/%s/matches" % good).json["items"]]
    # Alerts were raised at publication, with no reindex.
    after = sci.api("GET", "/api/v1/notifications").json
    assert after["unread"] > before and any(n["kind"] == "alert_match" for n in after["items"]), after
    assert any(n["kind"] == "alert_search" for n in org2.api("GET", "/api/v1/notifications").json["items"])
    # The page explains why.
    page = Client(server).get("/listings/%s/matches" % d)
    assert page.status == 200 and "推荐理由" in page.text and "技术领域相同" in page.text
    # The owner marks a match not relevant; it disappears; others cannot.
    org = Client(server)
    org.login_as("org_member")
    assert Client(server).api("POST", "/api/v1/listings/%s/matches/%s/not-relevant" % (d, good)).status == 401
    assert sci.api("POST", "/api/v1/listings/%s/matches/%s/not-relevant" % (d, good)).status == 404
    assert org.api("POST", "/api/v1/listings/%s/matches/%s/not-relevant" % (d, good)).status == 204
    assert good not in [m["id"] for m in Client(server).api("GET", "/api/v1/listings/%s/matches" % d).json["items"]]


def test_withdrawn_listing_leaves_index_at_once(server):
    admin = Client(server)
    admin.login_as("admin")
    lid = publish(server, "scientist", offer("锂电池正极材料低成本制备%s" % RUN, "磷酸铁锂正极材料工艺", ["锂电池"],
                                             domain="D0602", region="630100"), admin)
    assert lid in [h["id"] for h in search(server, "锂电池 " + RUN)["items"]]
    sci = Client(server)
    sci.login_as("scientist")
    assert sci.api("POST", "/api/v1/listings/%s/actions" % lid, {"action": "withdraw"}).status == 200
    assert lid not in [h["id"] for h in search(server, "锂电池 " + RUN)["items"]]


def test_every_word_first_then_any_word(server):
    """Documents holding every query word answer alone when there are at
    least 10 (KJ_SEARCH_STRICT_MIN); fewer, and the query is relaxed to any
    word and says so — in the API and on the page."""
    admin = Client(server)
    admin.login_as("admin")
    both, one = "alpha%s" % RUN, "beta%s" % RUN
    with_both = [publish(server, "scientist", offer("储能电池热管理 %s %s 第%d号" % (both, one, i), "液冷板设计", ["储能"]), admin)
                 for i in range(10)]
    only_first = publish(server, "scientist2", offer("储能电池回收 %s" % both, "梯次利用", ["储能"]), admin)
    res = search(server, "%s %s" % (both, one))
    ids = {h["id"] for h in res["items"]}
    assert res["relaxed"] is False and res["total"] == 10 and ids == set(with_both), res
    assert sum(f["n"] for f in res["facets"]["kind"]) == 10, res["facets"]
    # One document holds the first word and not the made-up second: fewer than 10, so any word counts.
    res = search(server, "%s nosuchword%s" % (both, RUN))
    assert res["relaxed"] is True and res["total"] == 11 and only_first in {h["id"] for h in res["items"]}, res
    assert sum(f["n"] for f in res["facets"]["kind"]) == 11, res["facets"]
    page = Client(server).get("/search?" + q({"q": "%s nosuchword%s" % (both, RUN)}))
    assert page.status == 200 and 'id="search-relaxed"' in page.text
    page = Client(server).get("/search?" + q({"q": "%s %s" % (both, one)}))
    assert page.status == 200 and 'id="search-relaxed"' not in page.text
    # A single word is never "relaxed".
    res = search(server, one)
    assert res["relaxed"] is False and res["total"] == 10, res
    # Pages partition the ranking: best first, no document twice, none lost.
    seen, scores = [], []
    for page in (1, 2, 3):
        res = search(server, "%s %s" % (both, one), per_page=4, page=page)
        seen += [h["id"] for h in res["items"]]
        scores += [h["score"] for h in res["items"]]
    assert sorted(seen) == sorted(with_both) and scores == sorted(scores, reverse=True), (seen, scores)


def test_filters_after_a_document_leaves_and_another_comes(server):
    """Searches keep each indexed document's filter fields in memory by its
    index rowid. A rowid is never given to another document: were it, the
    listing published after a withdrawal would take the withdrawn one's
    rowid and be filtered and counted by the withdrawn one's domain."""
    admin = Client(server)
    admin.login_as("admin")
    word = "gamma%s" % RUN
    first = publish(server, "scientist", offer("钙钛矿电池封装 %s" % word, "湿热老化", ["钙钛矿"], domain="D0401",
                                               region="510107", trl=6), admin)
    res = search(server, word, domain="D04")   # the search that keeps first's fields
    assert [h["id"] for h in res["items"]] == [first] and res["total"] == 1, res
    assert res["facets"]["domain"] == [{"code": "D04", "n": 1}], res["facets"]
    sci = Client(server)
    sci.login_as("scientist")
    assert sci.api("POST", "/api/v1/listings/%s/actions" % first, {"action": "withdraw"}).status == 200
    second = publish(server, "scientist2", offer("钙钛矿组件回收 %s" % word, "铅回收", ["钙钛矿"], domain="D1003",
                                                 region="630100", trl=3), admin)
    res = search(server, word, domain="D04")
    assert res["items"] == [] and res["total"] == 0, res
    res = search(server, word)
    assert [h["id"] for h in res["items"]] == [second], res
    assert res["facets"]["domain"] == [{"code": "D10", "n": 1}], res["facets"]
    assert res["facets"]["region"] == [{"code": "630000", "n": 1}], res["facets"]
    assert res["facets"]["trl"] == [{"code": 3, "n": 1}], res["facets"]
    for filters, found in [({"trl_min": 4}, []), ({"trl_max": 3}, [second]), ({"region": "630100"}, [second]),
                           ({"region": "510000"}, []), ({"kind": "demand"}, []), ({"kind": "achievement"}, [second]),
                           ({"domain": "D1003"}, [second]), ({"domain": "D0401"}, []), ({"mode": "joint_dev"}, [second]),
                           ({"mode": "no_such_mode"}, []), ({"price_min": "101"}, []), ({"price_max": "49"}, []),
                           ({"price_min": "60", "price_max": "70"}, [second]), ({"within": 1}, [second])]:
        res = search(server, word, **filters)
        assert [h["id"] for h in res["items"]] == found and res["total"] == len(found), (filters, res)
    metrics = Client(server).metrics()
    in_memory = re.search(r"^kejiyun_search_documents_in_memory (\d+)$", metrics, re.M)
    assert in_memory and int(in_memory.group(1)) >= 2, metrics[-600:]


def test_reindex_while_serving(server):
    """`kejiyun reindex` rebuilds the index and the matches from the tables
    while the server runs: every document comes back under a new rowid, and
    the server's searches (filters, facets) and matches follow."""
    import subprocess
    from harness import BIN
    admin = Client(server)
    admin.login_as("admin")
    word = "delta%s" % RUN
    o = publish(server, "scientist", offer("光伏组件清洗机器人 %s" % word, "光伏电站组件自动清洗", ["光伏", "清洗机器人"],
                                           domain="D0602", region="630100"), admin)
    d = publish(server, "org_member", demand("寻求光伏组件清洗机器人 %s" % word, "光伏电站需要组件自动清洗机器人",
                                             ["光伏", "清洗机器人"], domain="D0602"), admin)
    before = search(server, word, domain="D06")
    assert {h["id"] for h in before["items"]} == {o, d}, before
    matches = lambda: [m["id"] for m in Client(server).api("GET", "/api/v1/listings/%s/matches" % d).json["items"]]
    assert o in matches()
    out = subprocess.run([BIN, "reindex", "--data", server.dir], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert re.match(r"indexed \d+ documents, \d+ matches, in [0-9.]+ s", out.stdout), out.stdout
    after = search(server, word, domain="D06")
    assert {h["id"] for h in after["items"]} == {o, d} and after["total"] == 2, after
    assert after["facets"] == before["facets"], (before["facets"], after["facets"])
    assert search(server, word, domain="D04")["total"] == 0
    assert search(server, word, kind="demand")["items"][0]["id"] == d
    assert o in matches()


def test_alert_cap_holds_under_concurrent_requests(server):
    """The cap of 100 alerts is counted by the insert itself: requests
    racing for the last places cannot all pass a count made before it."""
    import threading
    from harness import register
    c, _ = register(server)
    for i in range(95):
        r = c.api("POST", "/api/v1/subscriptions", {"type": "search", "q": "上限 %d" % i})
        assert r.status == 201, r
    statuses = []

    def add(i):
        statuses.append(c.api("POST", "/api/v1/subscriptions", {"type": "search", "q": "并发 %d" % i}).status)
    threads = [threading.Thread(target=add, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 5, statuses
    assert len(c.api("GET", "/api/v1/subscriptions").json["items"]) == 100
    r = c.api("POST", "/api/v1/subscriptions", {"type": "search", "q": "再多一个"})
    assert r.status != 201 and "100" in r.text, r
