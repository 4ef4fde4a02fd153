"""test_demo.py — the demo marketplace (data/demo/listings.tsv) as the
shared demo server shows it: enough listings, every technology domain,
both provinces and all kinds covered, believable publication dates, and
anonymous listings that do not reveal their owner."""
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
