"""Login rate limits per account and per client address (own server with
small limits)."""
from harness import Client, DEMO

SERVER_ARGS = ["--login-max-account", "3", "--login-max-ip", "6", "--login-window", "600"]


def test_rate_limit_per_account_then_per_ip(server):
    c = Client(server)
    email, password = DEMO["scientist"]
    for _ in range(3):
        assert c.post_form("/login", {"email": email, "password": "wrong!"}).status == 401
    r = c.post_form("/login", {"email": email, "password": password})
    assert r.status == 429 and "登录失败次数过多" in r.text and r.header("Retry-After"), r
    r = c.api("POST", "/api/v1/login", {"email": email, "password": password})
    assert r.status == 429 and r.json["status"] == 429
    # Same limit for an address that has no account: no hint of existence.
    for _ in range(3):
        c.post_form("/login", {"email": "ghost@example.cn", "password": "wrong!"})
    assert c.post_form("/login", {"email": "ghost@example.cn", "password": "x"}).status == 429
    # The address is now over its limit (6 failures): even another account is refused.
    r = c.api("POST", "/api/v1/login", {"email": DEMO["admin"][0], "password": DEMO["admin"][1]})
    assert r.status == 429, r


def test_limit_expires_with_the_clock(server):
    c = Client(server)
    r = c.api("POST", "/__test/clock", {"offset_ms": 601 * 1000})
    assert r.status == 200, r
    email, password = DEMO["scientist"]
    r = c.api("POST", "/api/v1/login", {"email": email, "password": password})
    assert r.status == 200, r
    c.api("POST", "/__test/clock", {"offset_ms": 0})
