"""Security review (sec): the headers an outside scanner looks for, on every
kind of answer — page, API, static asset, a user's file, errors (404, 405,
413, 415, 431), problem+json, the 303 of a redirect — and no HSTS over
plain http (test_security_proxy checks it over TLS)."""
from harness import Client, DEMO, db_rows, raw_request

DEFAULT_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"


def check_headers(what, r, csp=DEFAULT_CSP):
    h = {k.lower(): v for k, v in r.headers}
    assert h.get("x-content-type-options") == "nosniff", (what, r.headers)
    assert h.get("x-frame-options") == "DENY", (what, r.headers)
    assert h.get("referrer-policy") == "same-origin", (what, r.headers)
    assert "camera=(self)" in h.get("permissions-policy", "") and "geolocation=()" in h.get("permissions-policy", ""), \
        (what, r.headers)
    assert h.get("cross-origin-opener-policy") == "same-origin", (what, r.headers)
    policy = h.get("content-security-policy", "")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (what, policy)
    assert "frame-ancestors 'none'" in policy, (what, policy)
    if csp:
        assert policy == csp, (what, policy)
    assert "strict-transport-security" not in h, (what, "no HSTS over plain http")


def test_every_kind_of_answer_carries_the_headers(server):
    anon = Client(server)
    cases = [
        ("page", anon.get("/")),
        ("page with a query", anon.get("/search?q=%E6%A3%80%E6%B5%8B")),
        ("API", anon.api("GET", "/api/v1/listings")),
        ("health", anon.get("/healthz")),
        ("static css", anon.get("/static/css/site.css")),
        ("static svg", anon.get("/static/img/icon.svg")),
        ("404 page", anon.get("/no/such/page")),
        ("404 problem+json", anon.api("GET", "/api/v1/no-such")),
        ("404 static", anon.get("/static/no-such.css")),
        ("405", anon.request("DELETE", "/login")),
        ("415", anon.request("POST", "/api/v1/login", body="x", headers={"Content-Type": "text/plain"})),
        ("413", anon.request("POST", "/api/v1/login", body=b"x" * (1024 * 1024 + 10),
                             headers={"Content-Type": "application/json"})),
        ("redirect", anon.get("/dashboard")),
        ("422 problem+json", anon.api("POST", "/api/v1/login", {"email": "x"})),
    ]
    signed = Client(server)
    signed.login_as("scientist2")
    cases += [("signed-in page", signed.get("/dashboard")), ("signed-in API", signed.api("GET", "/api/v1/me")),
              ("csrf refusal", signed.post_form("/account/profile", {"name": "x"}, with_csrf=False))]
    for what, r in cases:
        check_headers(what, r)
    for what, r in cases[-3:]:
        assert r.header("Cache-Control") == "no-store", (what, r.headers)
    assert cases[-1][1].status == 403
    raw = raw_request(server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64000 + b"\r\n\r\n").decode("latin-1")
    assert raw.startswith("HTTP/1.1 431"), raw[:100]
    for name in ["X-Content-Type-Options: nosniff", "X-Frame-Options: DENY", "Permissions-Policy:", "Content-Security-Policy:"]:
        assert name in raw, (name, raw[:1200])


def test_a_users_file_keeps_its_own_policy_and_cannot_be_framed(server):
    """Files people uploaded are served with "default-src 'none'" (no
    script, no style, nothing fetched) and, added to it, frame-ancestors
    'none' (default-src does not cover framing)."""
    c = Client(server)
    shown = [r for r in (c.get("/popsci/images/" + row["attach_id"])
                         for row in db_rows(server, "SELECT attach_id FROM popsci_images ORDER BY attach_id LIMIT 30"))
             if r.status == 200]
    assert shown, "the demo's 科普 content shows pictures"
    r = shown[0]
    assert r.header("Content-Type").startswith("image/"), r
    check_headers("a picture", r, csp=None)
    assert r.header("Content-Security-Policy").startswith("default-src 'none'"), r.headers


def test_cookies_are_httponly_and_samesite(server):
    c = Client(server)
    r = c.post_form("/login", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1]})
    assert r.status == 303, r
    cookies = {v.split("=")[0]: v for v in r.headers_all("Set-Cookie")}
    for name in ("kj_session", "kj_csrf"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name] and "Path=/" in cookies[name], cookies
        assert "Secure" not in cookies[name], "plain http: a Secure cookie would never come back"
