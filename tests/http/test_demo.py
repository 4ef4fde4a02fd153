"""test_demo.py — the demo marketplace (data/demo/listings.tsv) as the
shared demo server shows it: enough listings, every technology domain,
both provinces and all kinds covered, believable publication dates, and
anonymous listings that do not reveal their owner."""
import html as htmllib
import os
import time

from harness import Client

DOMAINS = ["D%02d" % i for i in range(1, 13)]
DAY_MS = 86400 * 1000


def total(client, query=""):
    r = client.api("GET", "/api/v1/listings?per_page=1" + ("&" + query if query else ""))
    assert r.status == 200, r
    return r.json["total"]


def all_listings(client):
    items, page = [], 1
    while True:
        r = client.api("GET", "/api/v1/listings?per_page=100&page=%d" % page)
        assert r.status == 200, r
        items += r.json["items"]
        if len(items) >= r.json["total"] or not r.json["items"]:
            return items
        page += 1


def test_demo_has_at_least_200_listings(server):
    assert total(Client(server)) >= 200


def test_every_first_level_domain_has_listings(server):
    c = Client(server)
    counts = {d: total(c, "domain=" + d) for d in DOMAINS}
    thin = {d: n for d, n in counts.items() if n < 5}
    assert not thin, "domains with fewer than 5 demo listings: %s" % thin


def test_sichuan_and_qinghai_both_have_listings(server):
    c = Client(server)
    sichuan, qinghai = total(c, "region=510000"), total(c, "region=630000")
    assert qinghai > 0 and sichuan > qinghai, (sichuan, qinghai)
    assert total(c, "region=510100") > 0   # 成都市
    assert total(c, "region=632800") > 0   # 海西州


def test_all_kinds_present(server):
    c = Client(server)
    for kind in ("achievement", "service", "demand"):
        assert total(c, "kind=" + kind) > 0, kind


def test_publication_dates_are_spread(server):
    dates = [l["published_at"] for l in all_listings(Client(server))]
    assert max(dates) - min(dates) > 90 * DAY_MS, "demo listings should not all be published at once"


def test_anonymous_listing_hides_owner(server):
    c = Client(server)
    items = all_listings(c)
    anonymous = [l for l in items if l["anonymous"]]
    named = [l for l in items if not l["anonymous"]]
    assert anonymous and named
    assert named[0].get("owner_name"), named[0]
    for l in anonymous:
        assert "owner_name" not in l and "org_name" not in l, l
    r = c.api("GET", "/api/v1/listings/" + anonymous[0]["id"])
    assert r.status == 200, r
    detail = r.json
    assert detail["anonymous"] is True
    for field in ("owner_name", "owner_id", "org_name", "contact_email", "contact_phone"):
        assert field not in detail, (field, detail)


# ---- the living platform (src/demo/demo_world.c and data/demo/*.tsv) ----


DEMO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "demo")


def demo_rows(name):
    """The data rows of data/demo/NAME as dicts keyed by the header."""
    rows, header = [], None
    with open(os.path.join(DEMO_DIR, name), encoding="utf-8") as f:
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


def test_demo_studios_show_members_avatars_and_listings(server):
    c = Client(server)
    studios = demo_rows("studios.tsv")
    assert len(studios) >= 12
    titles = {}
    for l in demo_rows("studio_listings.tsv"):
        titles.setdefault(l["studio"], []).append(l["title"])
    items = c.api("GET", "/api/v1/studios?per_page=100").json["items"]
    by_name = {s["name"]: s for s in items}
    for row in studios:
        assert row["name"] in by_name, row["name"]
        s = c.api("GET", "/api/v1/studios/" + by_name[row["name"]]["id"]).json
        assert len(s["members"]) == 1 + len(row["members"].split()), (row["name"], s["members"])
        assert s["members"][0]["role"] == "owner"
        avatar = c.get(s["avatar_url"])
        assert avatar.status == 200 and avatar.header("Content-Type").startswith("image/"), (s["avatar_url"], avatar)
        page = htmllib.unescape(c.get("/studios/" + s["id"]).text)
        assert titles.get(row["name"]), "every demo studio publishes listings: %s" % row["name"]
        for t in titles[row["name"]]:
            assert t in page, (row["name"], t)
        for m in s["members"]:
            assert m["name"] in page, (row["name"], m["name"])
        assert 'id="showcase-empty"' not in page


def test_demo_has_twenty_answered_questions(server):
    c = Client(server)
    items = c.api("GET", "/api/v1/questions?limit=50").json["items"]
    answered = [q for q in items if q["answers"] > 0]
    assert len(answered) >= 20, len(answered)
    assert len([q for q in items if q["status"] == "answered"]) >= 15
    experts = {r["email"] for r in demo_rows("people.tsv") if r["expert"] == "1"}
    wanted = {r["title"]: r for r in demo_rows("questions.tsv")}
    for q in answered:
        if q["title"] not in wanted:
            continue
        full = c.api("GET", "/api/v1/questions/" + q["id"]).json
        assert full["answers"] and full["answers"][0]["body"], full
        assert wanted[q["title"]]["expert"] in experts


def test_demo_dates_are_in_the_past(server):
    """The demo clock was put back: nothing the demo made lies in the future."""
    c = Client(server)
    now_ms = time.time() * 1000 + 60000
    for q in c.api("GET", "/api/v1/questions?limit=50").json["items"]:
        assert q["created_at"] <= now_ms, q
    created = [s["created_at"] for s in c.api("GET", "/api/v1/studios?per_page=100").json["items"]]
    assert max(created) - min(created) > 30 * DAY_MS, "demo studios should not all open at once"
