"""Behind a TLS-terminating reverse proxy (--trust-proxy): cookies are
marked Secure when the proxy says the client used https, and the client
address used for rate limits is the forwarded one."""
from harness import Client, DEMO

SERVER_ARGS = ["--trust-proxy", "--login-max-ip", "2"]


def test_secure_cookies_behind_tls(server):
    c = Client(server)
    r = c.get("/login", headers={"X-Forwarded-Proto": "https"})
    cookie = [v for v in r.headers_all("Set-Cookie") if v.startswith("kj_csrf=")][0]
    assert "Secure" in cookie and "HttpOnly" in cookie, cookie
    r = Client(server).get("/login")
    cookie = [v for v in r.headers_all("Set-Cookie") if v.startswith("kj_csrf=")][0]
    assert "Secure" not in cookie, "plain http from the proxy: no Secure flag"
    r = c.post_form("/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1]},
                    headers={"X-Forwarded-Proto": "https"})
    session = [v for v in r.headers_all("Set-Cookie") if v.startswith("kj_session=")][0]
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session


def test_rate_limit_uses_forwarded_address(server):
    a, b = Client(server), Client(server)
    for _ in range(2):
        a.post_form("/login", {"email": "x%d@example.cn" % _, "password": "bad"}, headers={"X-Forwarded-For": "203.0.113.7"})
    r = a.post_form("/login", {"email": DEMO["admin"][0], "password": DEMO["admin"][1]}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert r.status == 429, r
    r = b.post_form("/login", {"email": DEMO["admin"][0], "password": DEMO["admin"][1]}, headers={"X-Forwarded-For": "198.51.100.9"})
    assert r.status == 303, r
