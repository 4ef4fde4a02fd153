"""Residents (城乡群众, issue 14 §6): a light account with a name, a home
region and interests (the 科普 needs profile). Registration offers it
(form and API role "resident"); residents read their 科普 feed, ask
experts and follow volunteer teams; they publish nothing — listings,
interest, studios, 揭榜 entries and applications, deals — and are told why
(403 problem+json on the API, a page saying so on the web)."""
from harness import Client, register, unique_email

RESIDENT_NO = "城乡群众账号只能阅读科普"


def resident(server, **extra):
    return register(server, unique_email("resident"), name="李大姐", role="resident", region="510603", **extra)


def first_listing(server):
    r = Client(server).api("GET", "/api/v1/listings?per_page=1")
    assert r.status == 200 and r.json["items"], r
    return r.json["items"][0]["id"]


def first_team(server):
    r = Client(server).api("GET", "/api/v1/popsci/teams")
    assert r.status == 200, r
    items = r.json["items"]
    if items:
        return items[0]["id"]
    c = Client(server)
    c.login_as("scientist")
    t = c.api("POST", "/api/v1/popsci/teams", {"name": "旌阳农技服务队", "intro": "水稻", "regions": ["510603"]})
    assert t.status == 201, t
    return t.json["id"]


def test_registration_offers_residents(server):
    page = Client(server).get("/register")
    assert 'name="role" value="resident"' in page.text and 'id="resident-help"' in page.text
    c, me = resident(server)
    assert me["role"] == "resident" and me["region"] == "510603" and me["org_id"] is None, me
    dash = c.get("/dashboard")
    assert dash.status == 200 and 'id="dash-resident"' in dash.text and "城乡群众" in dash.text
    # The market card (my listings, interest) is not offered to residents.
    assert 'href="/my/listings"' not in dash.text
    # By the web form too.
    email = unique_email("resident.form")
    r = Client(server).post_form("/register", {"email": email, "password": "Kj-Test-2026!", "name": "王大爷",
                                               "role": "resident", "region": "510603"})
    assert r.status == 303 and r.header("Location") == "/login?registered=1", r
    # Residents are not staff: asking for a staff role is still refused.
    r = Client(server).api("POST", "/api/v1/register", {"email": unique_email("x"), "password": "Kj-Test-2026!",
                                                        "name": "X", "role": "operator"})
    assert r.status == 422 and r.json["errors"][0]["field"] == "role", r


def test_residents_read_ask_set_interests_and_follow_teams(server):
    c, me = resident(server)
    # Interests: the 科普 needs profile.
    r = c.api("PUT", "/api/v1/popsci/profile", {"topics": ["rice"], "region": "510603", "crops": "水稻"})
    assert r.status == 200, r
    assert c.get("/popsci/feed").status == 200
    assert c.api("GET", "/api/v1/feed").status == 200
    # Ask an expert.
    q = c.api("POST", "/api/v1/questions", {"title": "秧苗发黄怎么办", "body": "叶尖发黄一周了", "topic": "rice",
                                             "region": "510603"})
    assert q.status == 201, q
    assert c.get("/popsci/questions/new").status == 200
    # Follow a volunteer team (page and API), and stop.
    team = first_team(server)
    r = c.api("PUT", "/api/v1/popsci/teams/%s/follow" % team)
    assert r.status == 200 and r.json["following"] is True and r.json["followers"] >= 1, r
    page = c.get("/popsci/teams/" + team)
    assert 'id="unfollow"' in page.text, page
    r = c.post_form("/popsci/teams/%s/follow" % team, {"follow": "0"})
    assert r.status == 303, r
    assert 'id="follow"' in c.get("/popsci/teams/" + team).text
    assert c.post_form("/popsci/teams/%s/follow" % team, {"follow": "1"}).status == 303
    assert c.api("PUT", "/api/v1/popsci/teams/01ARZ3NDEKTSV4RRFFQ69G5FAV/follow").status == 404
    assert Client(server).api("PUT", "/api/v1/popsci/teams/%s/follow" % team).status == 401


def test_residents_cannot_publish_and_are_told_why(server):
    c, _ = resident(server)
    listing = first_listing(server)
    refused = [
        ("POST", "/api/v1/listings", {"kind": "demand", "title": "求购无人机"}),
        ("POST", "/api/v1/listings/%s/interest" % listing, {"message": "我想了解"}),
        ("POST", "/api/v1/studios", {"name": "我的工作室"}),
        ("POST", "/api/v1/deals", {"eoi_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
        ("POST", "/api/v1/challenge-lists/01ARZ3NDEKTSV4RRFFQ69G5FAV/challenges", {"title": "x"}),
        ("POST", "/api/v1/challenges/01ARZ3NDEKTSV4RRFFQ69G5FAV/applications", {"team": "x"}),
    ]
    for method, path, body in refused:
        r = c.api(method, path, body)
        assert r.status == 403, (path, r)
        assert r.header("Content-Type").startswith("application/problem+json") and RESIDENT_NO in r.json["detail"], (path, r)
    for path in ("/listings/new", "/studios/new"):
        r = c.get(path)
        assert r.status == 403 and RESIDENT_NO in r.text, (path, r)
    r = c.post_form("/listings/%s/interest" % listing, {"message": "x"})
    assert r.status == 403 and RESIDENT_NO in r.text, r
    # Nothing was created.
    assert c.api("GET", "/api/v1/me/export").json["listings"] == []
    # The same account, made a scientist by an administrator, may publish.
    admin = Client(server)
    admin.login_as("admin")
    me = c.api("GET", "/api/v1/me").json
    assert admin.api("POST", "/api/v1/admin/users/%s/role" % me["id"], {"role": "scientist", "reason": "转为科技工作者"}).status == 200
    assert c.get("/listings/new").status == 200
