"""Demo profiles (issue 17 §1): `kejiyun demo --profile sichuan|qinghai`.

This module's server loads the 青海 profile (data/demo/qinghai/): its
home region is 青海, its centers, listings, studios, 科普, questions,
揭榜 and events are Qinghai's, and nothing of Sichuan's demo is there. The
default profile (sichuan) is checked on a second server started here:
unchanged content, no home region (its Qinghai partners show too), and the
install's demo name.
"""
import html as htmllib
import json
import os
import re
import subprocess
import tempfile
import urllib.parse

from harness import BIN, ROOT, Client, Server, db_rows

SERVER_ARGS = ["--profile", "qinghai"]

SICHUAN_WORDS = ("四川", "成都", "德阳", "旌阳", "天府", "川南")
MEDIA_DIR = os.path.join(ROOT, "data", "demo", "media")


def profile_rows(profile, name):
    """The data rows of data/demo/PROFILE/NAME as dicts keyed by the header."""
    rows, header = [], None
    with open(os.path.join(ROOT, "data", "demo", profile, name), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
            else:
                rows.append(dict(zip(header, cells)))
    return rows


def served(c, src, ctype):
    """The bytes at src (a page's attribute value): 200, the Content-Type
    starting with ctype, more than a placeholder's size."""
    r = c.get(htmllib.unescape(src))
    assert r.status == 200 and (r.header("Content-Type") or "").startswith(ctype), (src, r)
    assert len(r.body) > 2000, (src, len(r.body))
    return r


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


def test_qinghai_popsci_pictures_and_video(server):
    """Every row of data/demo/qinghai/popsci_media.tsv: the item is published
    with its poster (page shows it, served as an image), the video item
    plays from this instance (video/mp4, its file's size, ranges); the items
    authored through the form were approved by the profile's reviewer."""
    c = Client(server)
    items = {i["title"]: i for i in all_items(server, "/api/v1/popsci")}
    rows = profile_rows("qinghai", "popsci_media.tsv")
    assert len(rows) >= 8 and len([r for r in rows if r["video"]]) == 1, rows
    for row in rows:
        assert row["title"] in items, row["title"]
        page = c.get("/popsci/" + items[row["title"]]["id"])
        assert page.status == 200, page
        imgs = re.findall(r'<img[^>]+src="(/popsci/images/[^"]+)"', page.text)
        assert imgs, row["title"]
        for src in imgs[:2]:
            served(c, src, "image/")
        no_sichuan(row["title"] + items[row["title"]].get("summary", ""))
        if not row["video"]:
            continue
        m = re.search(r'<video[^>]+src="(/popsci/videos/[0-9A-Z]{26})"[^>]*poster="([^"]+)"', page.text)
        assert m, "the video plays in the page, with its poster"
        size = os.path.getsize(os.path.join(MEDIA_DIR, row["video"]))
        r = served(c, m.group(1), "video/mp4")
        assert len(r.body) == size, (len(r.body), size)
        served(c, m.group(2), "image/")
        part = c.get(m.group(1), headers={"Range": "bytes=0-99"})
        assert part.status == 206 and part.header("Content-Range") == "bytes 0-99/%d" % size, part
    reviewed = {r["title"]: r["email"] for r in db_rows(
        server, "SELECT c.title, u.email FROM popsci_content c JOIN users u ON u.id = c.reviewer_id WHERE c.status = 'published'")}
    for row in rows:
        if row["author"]:   # authored through the form: approved by profile.tsv's popsci_reviewer
            assert reviewed.get(row["title"]) == "op.qinghai@demo.kejiyun.cn", (row["title"], reviewed.get(row["title"]))


def test_qinghai_studio_avatars(server):
    """Each studio of data/demo/qinghai/studios.tsv has its drawn avatar:
    in the API, served as a PNG, on the studio list and the studio page."""
    c = Client(server)
    rows = profile_rows("qinghai", "studios.tsv")
    assert rows and all(r["avatar"].startswith("qh-studio-") for r in rows), rows
    studios = {s["name"]: s for s in all_items(server, "/api/v1/studios")}
    listing = c.get("/studios").text
    for row in rows:
        s = studios[row["name"]]
        url = s.get("avatar_url")
        assert url, s
        r = served(c, url, "image/")
        assert r.body[:8] == b"\x89PNG\r\n\x1a\n", "the drawn PNG itself"
        assert 'src="%s"' % url in listing, (row["name"], url)
        assert 'class="studio-avatar" src="%s"' % url in c.get("/studios/" + s["id"]).text, row["name"]


def test_qinghai_volunteer_teams(server):
    """The teams of data/demo/qinghai/popsci_teams.tsv (data, not code):
    their leaders and members, service areas, the answers and articles of
    their members; listed and shown on the pages. Sichuan's team is not
    here."""
    teams = {t["name"]: t for t in get(server, "/api/v1/popsci/teams")["items"]}
    rows = profile_rows("qinghai", "popsci_teams.tsv")
    assert len(rows) == 2 and "四川农技服务队" not in teams, teams
    names = {r["email"]: r["name"] for r in db_rows(server, "SELECT email, name FROM users WHERE email LIKE '%@demo.kejiyun.cn'")}
    c = Client(server)
    listing = c.get("/popsci/teams").text
    for row in rows:
        t = teams[row["name"]]
        emails = [row["leader"]] + row["members"].split()
        assert t["members"] == len(emails), t
        d = get(server, "/api/v1/popsci/teams/" + t["id"])
        assert sorted(d["members"] if isinstance(d["members"][0], str) else [m["name"] for m in d["members"]]) == \
            sorted(names[e] for e in emails), d["members"]
        assert d["regions"] == row["regions"].split(), d["regions"]
        assert d["created_by"] == db_rows(server, "SELECT id FROM users WHERE email = ?", row["leader"])[0]["id"]
        assert row["name"] in listing
        page = c.get("/popsci/teams/" + t["id"]).text
        assert all(names[e] in page for e in emails), row["name"]
        no_sichuan(json.dumps(d, ensure_ascii=False))
    herd = get(server, "/api/v1/popsci/teams/" + teams[rows[0]["name"]]["id"])
    assert herd["answers"] >= 2 and herd["accepted"] >= 1 and herd["published"] >= 3, herd


def test_demo_media_is_small_and_all_used(server):
    """The demo's pictures and videos stay small in the repository (each
    file at most 100 KB, all at most 900 KB), every file a profile names
    exists, and no file is left that no profile uses."""
    files = {f: os.path.getsize(os.path.join(MEDIA_DIR, f)) for f in os.listdir(MEDIA_DIR)}
    assert all(n <= 100 * 1024 for n in files.values()), files
    assert sum(files.values()) <= 900 * 1024, sum(files.values())
    named = set()
    for profile in ("sichuan", "qinghai"):
        for r in profile_rows(profile, "studios.tsv"):
            named.add(r["avatar"])
        for r in profile_rows(profile, "popsci_media.tsv"):
            named.update(x for x in (r["poster"], r["video"]) if x)
    named.discard("")
    assert named <= set(files), named - set(files)
    assert set(files) <= named, set(files) - named


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
        # Its volunteers, now data (data/demo/sichuan/popsci_teams.tsv, popsci_experts.tsv): as before.
        teams = {t["name"]: t for t in get(s, "/api/v1/popsci/teams")["items"]}
        assert teams["四川农技服务队"]["members"] == 2, teams
        regs = db_rows(s, "SELECT e.topic, e.region FROM popsci_experts e JOIN users u ON u.id = e.user_id "
                          "WHERE u.email = 'li.na@demo.kejiyun.cn' ORDER BY e.topic")
        assert [(r["topic"], r["region"]) for r in regs] == [("plantprot", "510000"), ("rice", "510000")], regs
        # Its video approved by its own popsci_reviewer (the 成都 operator), Qinghai's pictures not used.
        rev = db_rows(s, "SELECT u.email FROM popsci_content c JOIN users u ON u.id = c.reviewer_id WHERE c.title = ?",
                      "三分钟看懂人工智能如何识别病虫害")
        assert rev and rev[0]["email"] == "operator@demo.kejiyun.cn", rev
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
