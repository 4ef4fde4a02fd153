"""The patent/registration numbers of an anonymous listing are private like
its owner (issue 12, item 4): a public register names each number's
holder. Others see none of them on the page, in the API, in search or in
the export; the owner, its reviewers and the sender of an accepted
expression of interest do (the rule that reveals the owner)."""
import json
import random
import urllib.parse

from harness import Client
from test_market_lifecycle import publish, user, utitle

MSG = "我们在该方向有应用场景，希望进一步沟通合作方式。"
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def patent_no():
    """A fresh valid CNIPA invention application number (check digit computed)."""
    while True:     # no check character X: a lone "x" term would match unrelated text (X射线)
        digits = "20231" + "".join(random.choice("0123456789") for _ in range(7))
        check = sum(int(d) * w for d, w in zip(digits, WEIGHTS)) % 11
        if check < 10:
            return "%s.%d" % (digits, check)


def anonymous_listing(owner, admin, anonymous=True):
    number = patent_no()
    title = utitle("匿名专利")
    l = publish(owner, admin, title=title, anonymous=anonymous, ip_type="invention_patent", ip_numbers=[number])
    return l["id"], number, title


def export_row(c, title, lid):
    r = c.get("/api/v1/export.json?q=" + urllib.parse.quote(title))
    assert r.status == 200, r
    rows = [x for x in json.loads(r.body) if x["id"] == lid]
    assert len(rows) == 1, rows
    return rows[0], r.text


def sees(c, lid, number, title):
    """What c sees of the number: (page, api, export)."""
    page = number in c.get("/listings/" + lid).text
    api = c.api("GET", "/api/v1/listings/" + lid).json
    assert api["id"] == lid
    row, text = export_row(c, title, lid)
    return page, number in json.dumps(api.get("ip_numbers", [])), number in text


def test_numbers_of_an_anonymous_listing_hidden_from_others(server):
    owner, admin = user(server, "scientist"), user(server, "admin")
    lid, number, title = anonymous_listing(owner, admin)
    for who in (Client(server), user(server, "scientist2"), user(server, "org_member")):
        page = who.get("/listings/" + lid)
        assert page.status == 200 and title in page.text and number not in page.text, "page shows the number"
        api = who.api("GET", "/api/v1/listings/" + lid)
        assert api.status == 200 and number not in api.text and not api.json.get("ip_numbers"), api.json
        assert api.json["ip_type"] == "invention_patent"          # the kind of right stays visible
        row, text = export_row(who, title, lid)
        assert number not in text and row["ip_numbers"] in ([], ""), row
    # The owner and the reviewers see them everywhere.
    assert sees(owner, lid, number, title) == (True, True, True)
    assert sees(admin, lid, number, title) == (True, True, True)


def test_numbers_not_searchable_nor_in_snippets(server):
    owner, admin = user(server, "scientist"), user(server, "admin")
    lid, number, title = anonymous_listing(owner, admin)
    for who in (Client(server), user(server, "scientist2")):
        for q in (number, number.split(".")[0]):
            r = who.api("GET", "/api/v1/search?q=" + urllib.parse.quote(q))
            assert r.status == 200, r
            items = json.dumps(r.json["items"], ensure_ascii=False)      # (terms echo the query)
            assert number not in items and lid not in items, ("search by the number finds it", q, items[:600])
            page = who.get("/search?q=" + urllib.parse.quote(q))
            assert page.status == 200 and lid not in page.text
        # Found by its title, the hit (and its snippet) carries no number.
        r = who.api("GET", "/api/v1/search?q=" + urllib.parse.quote(title))
        assert r.status == 200 and lid in r.text and number not in r.text, r


def test_accepted_party_sees_the_numbers(server):
    owner, admin = user(server, "scientist"), user(server, "admin")
    sender, other = user(server, "org_member"), user(server, "org_member2")
    lid, number, title = anonymous_listing(owner, admin)
    r = sender.api("POST", "/api/v1/listings/%s/interest" % lid, {"message": MSG})
    assert r.status == 201, r
    eid = r.json["id"]
    r = other.api("POST", "/api/v1/listings/%s/interest" % lid, {"message": MSG})
    assert r.status == 201, r
    assert sees(sender, lid, number, title) == (False, False, False), "a pending EOI reveals nothing"
    r = owner.api("POST", "/api/v1/eois/%s/decision" % eid, {"decision": "accept"})
    assert r.status == 200, r
    assert sees(sender, lid, number, title) == (True, True, True), "the accepted party sees the numbers"
    assert sees(other, lid, number, title) == (False, False, False), "a pending sender still does not"


def test_numbers_of_a_named_listing_stay_public(server):
    owner, admin = user(server, "scientist"), user(server, "admin")
    lid, number, title = anonymous_listing(owner, admin, anonymous=False)
    assert sees(Client(server), lid, number, title) == (True, True, True)
