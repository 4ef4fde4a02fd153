"""Security review (sec), with low limits of its own: registrations and
password-reset requests per client address per hour (each may make the
instance mail an address the requester typed), page and API; another
address is not held up; the hour's end lets the address go on. Searches
per address per minute (in memory, per node), with a burst of a quarter
minute's worth."""
import time
from harness import Client, db_rows, unique_email

SERVER_ARGS = ["--register-max-ip", "3", "--reset-max-ip", "2", "--search-max-ip", "12"]


def signup(c, email=None):
    return c.api("POST", "/api/v1/register", {"email": email or unique_email("lim"), "password": "Kj-Test-2026!x",
                                               "name": "限流", "role": "scientist"})


def test_registrations_per_address(server):
    c = Client(server, source="127.0.0.21")
    for _ in range(3):
        assert signup(c).status == 202
    refused = unique_email("limr")
    r = signup(c, refused)
    assert r.status == 429 and r.header("Content-Type").startswith("application/problem+json"), r
    assert 0 < int(r.header("Retry-After")) <= 3600 and "注册太多" in r.json["detail"], r
    # The page answers the same way, readable, in the visitor's language.
    p = Client(server, source="127.0.0.21")
    p.get("/register")
    r = p.post_form("/register", {"email": unique_email("limp"), "password": "Kj-Test-2026!x", "name": "限流",
                                  "role": "scientist", "accept_terms": "1"}, headers={"Accept-Language": "en"})
    assert r.status == 429 and r.header("Content-Type").startswith("text/html") and "Too many registrations" in r.text, r
    assert r.header("Retry-After")
    # Nothing of the refused one was made: no account, no mail.
    assert not db_rows(server, "SELECT id FROM users WHERE email = ?", refused)
    other = Client(server, source="127.0.0.22")
    assert signup(other).status == 202, "another address goes on"
    # An hour later the address may register again.
    assert c.api("POST", "/__test/clock", {"offset_ms": 3601 * 1000}).status == 200
    try:
        assert signup(c).status == 202
    finally:
        c.api("POST", "/__test/clock", {"offset_ms": 0})


def test_reset_requests_per_address(server):
    c = Client(server, source="127.0.0.23")
    for i in range(2):
        r = c.api("POST", "/api/v1/password/forgot", {"email": unique_email("fg")})
        assert r.status == 202, r
    r = c.api("POST", "/api/v1/password/forgot", {"email": unique_email("fg")})
    assert r.status == 429 and int(r.header("Retry-After")) > 0 and "重置密码" in r.json["detail"], r
    p = Client(server, source="127.0.0.23")
    p.get("/password/forgot")
    r = p.post_form("/password/forgot", {"email": unique_email("fg")})
    assert r.status == 429 and "重置密码的次数太多" in r.text, r
    assert Client(server, source="127.0.0.24").api("POST", "/api/v1/password/forgot",
                                                   {"email": unique_email("fg")}).status == 202


def test_searches_per_address(server):
    c = Client(server, source="127.0.0.25")
    codes = [c.api("GET", "/api/v1/search?q=%E6%A3%80%E6%B5%8B&page=" + str(i % 3 + 1)).status for i in range(10)]
    assert codes == [200] * 10, codes
    r = c.api("GET", "/api/v1/search?q=%E6%A3%80%E6%B5%8B")
    assert r.status == 429 and 1 <= int(r.header("Retry-After")) <= 6 and "搜索太频繁" in r.json["detail"], r
    r = c.get("/search?q=%E6%A3%80%E6%B5%8B", headers={"Accept-Language": "en"})
    assert r.status == 429 and "Too many searches" in r.text, r
    assert Client(server, source="127.0.0.26").get("/search?q=%E6%A3%80%E6%B5%8B").status == 200
    assert c.get("/").status == 200 and c.api("GET", "/api/v1/listings").status == 200, "browsing is not counted"
    time.sleep(int(r.header("Retry-After")) + 0.3)
    assert c.get("/search?q=%E6%A3%80%E6%B5%8B").status == 200
