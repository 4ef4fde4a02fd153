"""Security review (sec), on the lane's shared server: CSRF on every
state-changing route, redirects that never leave the site, echoed input
escaped, sessions renewed when a password changes or someone signs in,
and federation peer URLs that may not point at cloud metadata services."""
import os
import re
import subprocess
import urllib.parse

import harness
from harness import Client, DEMO, register, unique_email

FAKE_ID = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


def test_every_state_changing_route_needs_the_csrf_token(server):
    """Every POST/PUT/PATCH/DELETE route of `kejiyun routes`, sent by a
    signed-in administrator's browser (the session cookie) without the
    token, is refused with 403 before anything is done: a page gets the
    form-expired page, an API call the X-CSRF-Token problem. The one
    exception is the federation inbox, which no cookie reaches (it answers
    signed requests of peers only). A route added without the check fails
    here."""
    out = subprocess.run([harness.BIN, "routes"], capture_output=True, text=True, cwd=harness.ROOT, check=True).stdout
    routes = [line.split(" ", 1) for line in out.splitlines() if line and not line.startswith("GET ")]
    assert len(routes) > 200, out[:500]
    admin = Client(server)
    admin.login_as("admin")
    unprotected = []
    for method, pattern in routes:
        path = re.sub(r"\{[^}]*\}", FAKE_ID, pattern)
        if pattern == "/api/v1/federation/inbox":
            continue
        if pattern.startswith("/api/"):
            r = admin.api(method, path, {"x": "y"}, with_csrf=False)
            ok = r.status == 403 and "X-CSRF-Token" in r.json.get("detail", "")
        else:
            r = admin.request(method, path, body="x=y", headers={"Content-Type": "application/x-www-form-urlencoded"})
            ok = r.status == 403 and "表单已过期" in r.text
        if not ok:
            unprotected.append((method, pattern, r.status))
    assert not unprotected, unprotected
    assert admin.get("/dashboard").status == 200, "the administrator is still signed in"


def test_next_never_leaves_the_site(server):
    c = Client(server)
    c.login_as("scientist2")
    away = ["//evil.example/", "/\\evil.example/", "\\/evil.example", "https://evil.example/", "/\t/evil.example",
            "javascript:alert(1)", "/\\\\evil.example"]
    for target in away:
        q = urllib.parse.quote(target, safe="")
        for url, home in [("/login?next=" + q, "/dashboard"), ("/lang/zh-CN?next=" + q, "/"),
                          ("/region?code=510107&next=" + q, "/#centers-title")]:
            r = c.get(url)
            assert r.status == 303 and r.header("Location") == home, (url, r.status, r.header("Location"))
    r = c.get("/lang/zh-CN?next=" + urllib.parse.quote("/listings?kind=demand"))
    assert r.header("Location") == "/listings?kind=demand", r.headers
    # Signing in: the login form carries next through, and the same rule holds.
    f = Client(server)
    f.get("/login?next=" + urllib.parse.quote("//evil.example/"))
    r = f.post_form("/login", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1], "next": "//evil.example/"})
    assert r.status == 303 and not r.header("Location").startswith("//"), r.headers


def test_echoed_input_is_escaped(server):
    x = "\"><svg/onload=alert(1)>'<script>alert(2)</script>"
    q = urllib.parse.quote(x, safe="")
    c = Client(server)
    for url in ["/search?q=" + q, "/experts?q=" + q, "/events?q=" + q, "/popsci?q=" + q, "/studios?q=" + q,
                "/no/such/" + q, "/login?next=/" + q, "/lang/" + q, "/password/reset?token=" + q]:
        r = c.get(url)
        assert r.header("Content-Type").startswith("text/html"), (url, r)
        assert "<svg/onload" not in r.text and "<script>alert(2)" not in r.text, url
    # problem+json may carry the path: JSON, never sniffed as HTML.
    r = c.api("GET", "/api/v1/listings/" + q)
    assert r.status == 404 and r.header("Content-Type").startswith("application/problem+json")
    assert r.header("X-Content-Type-Options") == "nosniff"


def test_error_pages_name_no_internals(server):
    c = Client(server)
    bodies = [c.get("/no/such/page").text, c.api("GET", "/api/v1/listings?page=x").text,
              c.request("POST", "/api/v1/login", body=b'{"email":', headers={"Content-Type": "application/json"}).text,
              c.api("GET", "/api/v1/listings/" + FAKE_ID).text]
    for b in bodies:
        for leak in ["src/", ".c:", "sqlite", "SQLITE", "SELECT ", "postgres", "Traceback", server.dir]:
            assert leak not in b, (leak, b[:300])


def test_password_change_renews_the_session_itself(server):
    """The session that changes the password goes on with a new cookie; a
    copy of its old cookie (a thief's) is signed out like every other."""
    email = unique_email("pwrenew")
    c, _ = register(server, email=email)
    stolen = Client(server)
    stolen.cookies = dict(c.cookies)
    assert stolen.get("/dashboard").status == 200
    old = c.cookies["kj_session"]
    r = c.post_form("/account/password", {"old_password": harness.DEFAULT_PASSWORD, "new_password": "Ren-ew-2026-Pw!"})
    assert r.status == 303, r
    assert c.cookies["kj_session"] != old and c.get("/dashboard").status == 200
    assert stolen.get("/dashboard").status == 303, "the old cookie no longer signs anyone in"
    # The API with a bearer token: the new token comes back, the old one ends.
    t = Client(server)
    r = t.api("POST", "/api/v1/login", {"email": email, "password": "Ren-ew-2026-Pw!"})
    assert r.status == 200, r
    bearer = Client(server)
    bearer.token = r.json["token"]
    r = bearer.api("POST", "/api/v1/me/password", {"old_password": "Ren-ew-2026-Pw!", "new_password": "Thi-rd-2026-Pw!"})
    assert r.status == 200 and r.json["token"] != bearer.token and r.json["token_type"] == "Bearer", r
    old_token, bearer.token = bearer.token, r.json["token"]
    assert bearer.api("GET", "/api/v1/me").status == 200
    gone = Client(server)
    gone.token = old_token
    assert gone.api("GET", "/api/v1/me").status == 401
    assert c.get("/dashboard").status == 303, "the web session ended too"
    # The API with the session cookie: a new cookie, no token in the body.
    w = Client(server)
    w.login(email, "Thi-rd-2026-Pw!")
    before = w.cookies["kj_session"]
    r = w.api("POST", "/api/v1/me/password", {"old_password": "Thi-rd-2026-Pw!", "new_password": "Fou-rth-2026-Pw!"})
    assert r.status == 204 and not r.body and w.cookies["kj_session"] != before, r
    assert w.api("GET", "/api/v1/me").status == 200
    assert bearer.api("GET", "/api/v1/me").status == 401


def test_login_replaces_a_planted_session_cookie(server):
    """A session id someone planted before the login (session fixation) is
    not the one the login makes; the CSRF cookie is renewed as well."""
    c = Client(server)
    c.cookies["kj_session"] = "planted" + "x" * 40
    c.get("/login")
    planted_csrf = c.cookies["kj_csrf"]
    r = c.post_form("/login", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1]})
    assert r.status == 303, r
    assert c.cookies["kj_session"] != "planted" + "x" * 40 and c.cookies["kj_csrf"] != planted_csrf


def test_peer_urls_may_not_point_at_metadata_services(server):
    """An administrator adding a peer by a link-local / cloud-metadata
    address, in any spelling, is refused (page and API); nothing is added."""
    admin = Client(server)
    admin.login_as("admin")
    key = admin.api("GET", "/api/v1/federation/instance").json["public_key"]
    before = len(admin.api("GET", "/api/v1/federation/peers").json["items"])
    for url in ["http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://[fe80::1]:8080",
                "http://100.100.100.200/", "http://0.0.0.0:8080"]:
        r = admin.api("POST", "/api/v1/federation/peers", {"url": url, "public_key": key})
        assert r.status == 422 and r.json["errors"][0]["code"] == "err.fed.url_refused", (url, r)
    r = admin.post_form("/admin/federation/peers", {"url": "http://169.254.169.254", "public_key": key})
    assert r.status == 422 and "169.254.169.254" in r.text and "元数据" in r.text, r
    en = Client(server)
    en.login_as("admin")
    r = en.api("POST", "/api/v1/federation/peers", {"url": "http://169.254.169.254", "public_key": key},
               headers={"Accept-Language": "en"})
    assert "metadata" in r.json["errors"][0]["message"], r.json
    assert len(admin.api("GET", "/api/v1/federation/peers").json["items"]) == before


def test_static_and_file_paths_reach_nothing_else(server):
    """Static assets come from a table read at start (no path is opened per
    request): encoded, doubled, NUL-carrying and very long names are 404;
    a user's file is named by its id only."""
    c = Client(server)
    for p in ["/static/..%2f..%2fMakefile", "/static/%2e%2e/%2e%2e/src/main.c", "/static/css/..%2f..%2f..%2fetc/passwd",
              "/static/css/site.css%00.png", "/static/css/site.css/", "/static//etc/passwd", "/static/" + "a" * 4000,
              "/static/css/SITE.CSS", "/popsci/images/..%2f..%2fkejiyun.db", "/popsci/images/" + "A" * 26 + "%00"]:
        r = c.get(p)
        assert r.status in (400, 404), (p, r.status)
        assert b"CREATE TABLE" not in r.body and b"#include" not in r.body and b"root:" not in r.body, p
    r = c.get("/static/css/site.css")
    assert r.status == 200 and r.header("Content-Type") == "text/css; charset=utf-8"
    # A NUL anywhere in the target (path or query) is refused, not cut off there.
    for p in ["/static/css/site.css%00.png", "/search?q=%E6%A3%80%E6%B5%8B%00%3Cx", "/api/v1/listings?kind=demand%00x"]:
        r = c.get(p)
        assert r.status == 400, (p, r.status)
    r = c.api("GET", "/api/v1/listings%00.json")
    assert r.status == 400 and r.header("Content-Type").startswith("application/problem+json"), r
