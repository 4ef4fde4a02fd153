"""CSRF on API writes (issue 12, item 5): a state-changing API call signed
in by the session cookie must echo the kj_csrf cookie in X-CSRF-Token,
like a form echoes it as _csrf; a bearer-token call needs none. A write's
inputs come from its body only: query-string arguments never reach it."""
import json

from harness import DEMO, Client


def cookie_user(server, role="scientist2"):
    c = Client(server)
    c.login_as(role)
    assert "kj_session" in c.cookies and "kj_csrf" in c.cookies
    return c


def me(c):
    r = c.api("GET", "/api/v1/me")
    assert r.status == 200, r
    return r.json.get("user", r.json)


def test_cookie_api_write_needs_the_header(server):
    c = cookie_user(server)
    r = c.api("PATCH", "/api/v1/me", {"title": "无令牌"}, with_csrf=False)
    assert r.status == 403 and r.header("Content-Type").startswith("application/problem+json"), r
    assert "X-CSRF-Token" in r.json["detail"], r.json
    assert me(c).get("title") != "无令牌"
    # A wrong token is refused as well; so is one sent as a query argument.
    r = c.api("PATCH", "/api/v1/me", {"title": "错令牌"}, headers={"X-CSRF-Token": "x" * 32}, with_csrf=False)
    assert r.status == 403, r
    r = c.api("PATCH", "/api/v1/me?_csrf=" + c.cookies["kj_csrf"], {"title": "查询令牌"}, with_csrf=False)
    assert r.status == 403, r
    # With the header (what Client.api sends, like a page's script): done.
    r = c.api("PATCH", "/api/v1/me", {"title": "有令牌"})
    assert r.status == 200, r
    assert me(c)["title"] == "有令牌"


def test_signed_in_pages_expose_the_token_to_scripts(server):
    c = cookie_user(server)
    page = c.get("/dashboard").text
    assert '<meta name="csrf-token" content="%s">' % c.cookies["kj_csrf"] in page
    assert 'name="csrf-token"' not in Client(server).get("/").text, "anonymous (cacheable) pages carry no token"


def test_cookie_client_without_csrf_cookie_gets_one_from_an_api_get(server):
    c = Client(server)
    r = c.api("POST", "/api/v1/login", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1]})
    assert r.status == 200 and "kj_session" in c.cookies, r
    c.cookies.pop("kj_csrf", None)
    assert c.api("PATCH", "/api/v1/me", {"title": "x"}, with_csrf=False).status == 403
    assert c.api("GET", "/api/v1/me").status == 200 and "kj_csrf" in c.cookies
    assert c.api("PATCH", "/api/v1/me", {"title": "API 登录"}).status == 200


def test_bearer_write_needs_no_header(server):
    r = Client(server).api("POST", "/api/v1/login", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1]})
    assert r.status == 200, r
    b = Client(server)
    b.token = r.json["token"]
    r = b.api("PATCH", "/api/v1/me", {"title": "持令牌"}, with_csrf=False)
    assert r.status == 200, r
    assert me(b)["title"] == "持令牌"


def test_query_arguments_never_reach_a_write(server):
    c = cookie_user(server)
    before = me(c).get("bio")
    r = c.api("PATCH", "/api/v1/me?bio=%E6%9F%A5%E8%AF%A2%E5%8F%82%E6%95%B0&title=q", {"title": "正文"})
    assert r.status == 200, r
    now = me(c)
    assert now["title"] == "正文" and now.get("bio") == before, now
    # A form post: a "next" planted in the action's query is ignored too.
    f = Client(server)
    r = f.post_form("/login?next=/favourites", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1]})
    assert r.status == 303 and r.header("Location") != "/favourites", r
    # A GET still reads its query.
    r = f.get("/login?next=/favourites")
    assert r.status == 303 and r.header("Location") == "/favourites", r
