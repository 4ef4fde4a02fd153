"""Ratings from deals on studio and organization pages and in the API:
a studio is rated through completed deals on its listings, an
organization through its members' deals; the summary (count, average,
distribution) counts every visible review, the pages show the latest
ones; hidden reviews count nowhere."""
from harness import Client
from test_deal import Deal, to_completed
from test_market_eoi import decide, send
from test_market_lifecycle import publish, user
from test_studios import open_studio


class StudioDeal(Deal):
    """A deal on a listing of a studio of 张伟, with client_role as client."""

    def __init__(self, server, studio_id, client_role="org_member"):
        self.server = server
        self.provider = user(server, "scientist")
        self.client = user(server, client_role)
        self.admin = user(server, "admin")
        self.operator = user(server, "operator")
        self.listing = publish(self.provider, self.admin, studio_id=studio_id)
        r = send(self.client, self.listing["id"])
        assert r.status == 201, r
        assert decide(self.provider, r.json["id"], "accept").status == 200
        r = self.client.api("POST", "/api/v1/deals", {"eoi_id": r.json["id"]})
        assert r.status == 201, r
        self.id = r.json["id"]
        self.milestone = None


def review(d, who, rating, body):
    r = d.act(who, "review", rating=rating, body=body)
    assert r.status == 201, r
    return r.json["id"]


def ratings(server, kind, id, query=""):
    r = Client(server).api("GET", "/api/v1/ratings/%s/%s%s" % (kind, id, query))
    assert r.status == 200, r
    return r.json


def test_studio_ratings_page_and_api(server):
    owner = user(server, "scientist")
    sid = open_studio(owner)
    # No deal yet: an empty summary, and the page says so.
    assert ratings(server, "studio", sid) == {"count": 0, "average_x100": 0, "distribution": [0, 0, 0, 0, 0], "items": []}
    page = Client(server).get("/studios/" + sid).text
    assert 'id="no-ratings"' in page and "还没有交易评价" in page
    d1 = StudioDeal(server, sid)
    to_completed(d1)
    r1 = review(d1, d1.client, 4, "工作室交付规范，文档齐全。")
    review(d1, d1.provider, 2, "需求方付款较慢。")          # rates the client (and its organization), not the studio
    assert d1.provider.api("POST", d1.path("/reviews/%s/reply" % r1), {"body": "感谢合作！"}).status == 200
    d2 = StudioDeal(server, sid, "org_member2")
    to_completed(d2)
    r2 = review(d2, d2.client, 5, "响应迅速，效果超出预期。")
    j = ratings(server, "studio", sid)
    assert j["count"] == 2 and j["average_x100"] == 450 and j["distribution"] == [0, 0, 0, 1, 1], j
    assert [x["id"] for x in j["items"]] == [r2, r1]                      # newest first
    assert j["items"][1]["reply"] == "感谢合作！" and j["items"][0]["author_name"] == "王芳"
    assert [x["id"] for x in ratings(server, "studio", sid, "?limit=1")["items"]] == [r2]
    assert ratings(server, "studio", sid, "?limit=1")["count"] == 2       # the summary counts them all
    for bad in ("?limit=0", "?limit=101", "?limit=x"):
        assert Client(server).api("GET", "/api/v1/ratings/studio/%s%s" % (sid, bad)).status == 422, bad
    # The studio object of the API carries the summary.
    s = Client(server).api("GET", "/api/v1/studios/" + sid).json
    assert s["rating"] == {"count": 2, "average_x100": 450, "distribution": [0, 0, 0, 1, 1]}, s["rating"]
    # The public studio page: average, count, latest reviews with the reply.
    page = Client(server).get("/studios/" + sid).text
    assert 'id="rating-average">4.5<' in page and "共 2 条评价" in page, page
    assert "工作室交付规范，文档齐全。" in page and "响应迅速，效果超出预期。" in page and "感谢合作！" in page
    assert "需求方付款较慢。" not in page and 'id="no-ratings"' not in page
    assert page.index("响应迅速") < page.index("工作室交付规范")
    en = Client(server).get("/studios/" + sid, headers={"Accept-Language": "en"}).text
    assert "Ratings from deals" in en and "2 reviews" in en
    # An operator hides an abusive review: it no longer counts anywhere.
    assert d2.operator.api("POST", d2.path("/reviews/%s/hide" % r2), {"reason": "含广告"}).status == 200
    j = ratings(server, "studio", sid)
    assert j["count"] == 1 and j["average_x100"] == 400 and [x["id"] for x in j["items"]] == [r1], j
    page = Client(server).get("/studios/" + sid).text
    assert "响应迅速" not in page and 'id="rating-average">4.0<' in page and "共 1 条评价" in page


def test_org_ratings_page_and_api(server):
    client = user(server, "org_member")
    org = client.api("GET", "/api/v1/me").json["org_id"]
    before = ratings(server, "org", org)
    d = Deal(server)
    to_completed(d)
    rid = review(d, d.provider, 3, "配合尚可，验收周期偏长。")
    after = ratings(server, "org", org)
    assert after["count"] == before["count"] + 1 and after["items"][0]["id"] == rid, after
    assert sum(after["distribution"]) == after["count"] and after["distribution"][2] == before["distribution"][2] + 1
    # The mean from the distribution, rounded, is the average.
    total = sum((i + 1) * n for i, n in enumerate(after["distribution"]))
    assert after["average_x100"] == (total * 100 + after["count"] // 2) // after["count"]
    o = Client(server).api("GET", "/api/v1/orgs/" + org).json
    assert o["rating"]["count"] == after["count"] and o["rating"]["average_x100"] == after["average_x100"]
    page = Client(server).get("/orgs/" + org).text
    assert 'id="ratings"' in page and "配合尚可，验收周期偏长。" in page and "共 %d 条评价" % after["count"] in page
    # The client's review of the provider is about the provider, not the client's organization.
    review(d, d.client, 5, "专业可靠")
    assert ratings(server, "org", org)["count"] == after["count"]
    # Unknown kinds are not found; an organization without deals has an empty summary.
    assert Client(server).api("GET", "/api/v1/ratings/team/%s" % org).status == 404
    other = user(server, "org_member2").api("GET", "/api/v1/me").json["org_id"]
    if other and other != org:
        page = Client(server).get("/orgs/" + other).text
        assert 'id="ratings"' in page
