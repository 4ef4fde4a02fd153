"""Demo profiles (issue 17 §1): `kejiyun demo --profile sichuan|qinghai`.

This module's server loads the 青海 profile (data/demo/qinghai/): its
home region is 青海, its centers, listings, studios, 科普, questions,
揭榜 and events are Qinghai's, and nothing of Sichuan's demo is there. The
default profile (sichuan) is checked on a second server started here:
unchanged content, no home region (its Qinghai partners show too), and the
install's demo name.
"""
import json
import os
import subprocess
import tempfile
import urllib.parse

from harness import BIN, ROOT, Client, Server

SERVER_ARGS = ["--profile", "qinghai"]

SICHUAN_WORDS = ("四川", "成都", "德阳", "旌阳", "天府", "川南")


def get(server, path):
    r = Client(server).api("GET", path)
    assert r.status == 200, (path, r)
    return r.json


def all_items(server, path, per_page=100):
    sep = "&" if "?" in path else "?"
    return get(server, "%s%sper_page=%d" % (path, sep, per_page))["items"]


def no_sichuan(text):
    hits = [w for w in SICHUAN_WORDS if w in text]
    assert not hits, (hits, text[:300])


def test_qinghai_names_itself_and_serves_qinghai(server):
    d = get(server, "/api/v1/instance")
    assert d["home_region"] == "630000", d
    assert d["name"]["zh-CN"] == "青科云 (demo)" and d["name"]["en"] == "Qingkeyun (demo)", d
    # Not a government platform's name, and not the Sichuan demo's.
    page = Client(server).get("/").text
    assert "<title>青科云 (demo)</title>" in page, page[:500]
    assert "科技云 (demo)" not in page and "天府科技云" not in page


def test_qinghai_centers_from_province_to_township(server):
    centers = all_items(server, "/api/v1/service-centers")
    regions = {c["region"]: c for c in centers}
    assert all(r.startswith("63") for r in regions), sorted(regions)
    # 省中心 in 西宁, 西宁市 and 海东市, counties, and township stations.
    assert regions["630000"]["level"] == "province" and "西宁" in regions["630000"]["address"]
    for code, level in (("630100", "city"), ("630200", "city"), ("630102", "county"), ("630106", "county"),
                        ("630223", "county"), ("630106102", "township"), ("630223100", "township")):
        assert regions[code]["level"] == level, regions.get(code)
    for c in centers:
        no_sichuan(json.dumps(c, ensure_ascii=False))
    # The operators are appointed: the 湟中区 staff sees the center's desk.
    staff = Client(server)
    staff.login("staff.huangzhong@demo.kejiyun.cn", "Operator-2026!")
    r = staff.api("GET", "/api/v1/service-centers/%s/staff" % regions["630106"]["id"])
    assert r.status == 200 and any("赵永福" in (s.get("name") or "") for s in r.json["items"]), r


def test_qinghai_marketplace_is_qinghai_content(server):
    listings = all_items(server, "/api/v1/listings")
    assert len(listings) >= 30, len(listings)
    assert all(x["region"].startswith("63") for x in listings), [x["region"] for x in listings]
    for x in listings:
        no_sichuan(x["title"] + x["summary"])
    text = " ".join(x["title"] for x in listings)
    for topic in ("牦牛", "藏羊", "青稞", "提锂", "光伏", "储能", "藏药", "三江源", "冷链"):
        assert topic in text, topic
    kinds = {x["kind"] for x in listings}
    assert kinds == {"achievement", "service", "demand"}, kinds
    # Searchable like any listing; nothing of Sichuan's demo is found.
    hits = get(server, "/api/v1/search?" + urllib.parse.urlencode({"q": "牦牛"}))["items"]
    assert hits and all(h["region"].startswith("63") for h in hits), hits
    for q in ("成都", "水稻", "注塑"):
        assert get(server, "/api/v1/search?" + urllib.parse.urlencode({"q": q}))["items"] == [], q
    # The Sichuan demo's accounts are not there (王芳 of the Qinghai institute is).
    c = Client(server)
    r = c.post_form("/login", {"email": "zhang.wei@demo.kejiyun.cn", "password": "Demo-2026!"})
    assert r.status != 303, r
    c.login("wang.fang@demo.kejiyun.cn", "Demo-2026!")


def test_qinghai_studios_popsci_challenges_events(server):
    studios = all_items(server, "/api/v1/studios")
    assert {s["name"] for s in studios} >= {"高原牦牛藏羊健康养殖工作室", "盐湖锂资源绿色提取工作室"}, studios
    popsci = all_items(server, "/api/v1/popsci")
    assert len(popsci) >= 5 and any("牦牛" in p["title"] for p in popsci), popsci
    lists = all_items(server, "/api/v1/challenge-lists")
    assert len(lists) == 1 and "青海" in lists[0]["title"], lists
    events = all_items(server, "/api/v1/events")
    names = [e["name_zh"] for e in events]
    assert any("高原特色农牧业" in n for n in names) and any("盐湖" in n for n in names), names
    for blob in (studios, popsci, lists, events):
        no_sichuan(json.dumps(blob, ensure_ascii=False))
    # 农技问答 answered by the profile's experts.
    qs = all_items(server, "/api/v1/questions")
    assert any("牦牛" in q["title"] for q in qs), qs
    no_sichuan(json.dumps(qs, ensure_ascii=False))
    # Deals at several stages: 马海军 ordered a service, 韩永寿 licenses a 提锂 process.
    c = Client(server)
    c.login("han.yongshou@demo.kejiyun.cn", "Demo-2026!")
    deals = c.api("GET", "/api/v1/deals").json
    deals = deals["items"] if isinstance(deals, dict) else deals
    assert any("提锂" in json.dumps(d, ensure_ascii=False) for d in deals), deals


def test_sichuan_is_the_default_and_unchanged(server):
    s = Server()   # no --profile: the default, sichuan
    try:
        d = get(s, "/api/v1/instance")
        assert d["home_region"] == "" and d["name"]["zh-CN"] == "科技云 (demo)", d
        regions = {c["region"] for c in all_items(s, "/api/v1/service-centers")}
        assert {"510000", "510100", "510600", "510603", "510603101"} <= regions, regions
        assert get(s, "/api/v1/listings?per_page=1")["total"] >= 254 + 24
        c = Client(s)
        c.login_as("scientist")   # 张伟, as before
        assert "<title>科技云 (demo)</title>" in Client(s).get("/").text
    finally:
        s.cleanup()


def test_unknown_or_malformed_profile_is_refused(server):
    for bad in ("hainan", "../sichuan", "Sichuan"):
        d = tempfile.mkdtemp(prefix="kejiyun-test-")
        r = subprocess.run([BIN, "demo", "--data", d, "--profile", bad], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 1, (bad, r)
        assert "no demo profile" in r.stderr and "qinghai" in r.stderr and "sichuan" in r.stderr, r.stderr
        # Nothing was loaded.
        assert not os.path.exists(os.path.join(d, "kejiyun.db")) or "Demo accounts" not in r.stdout
