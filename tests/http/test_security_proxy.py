"""Security review (sec) behind a TLS-terminating proxy (--trust-proxy):
HSTS on answers that went over TLS, and the client address taken from the
proxy's own entry of X-Forwarded-For (the last one), never from entries a
client wrote itself: rotating a forged first entry does not escape the
login throttle."""
import uuid

from harness import Client, DEMO, raw_request, status_of

SERVER_ARGS = ["--trust-proxy", "--login-max-ip", "3", "--login-max-account", "100", "--hsts-seconds", "600"]


def test_hsts_only_over_tls(server):
    r = Client(server).get("/", headers={"X-Forwarded-Proto": "https"})
    assert r.header("Strict-Transport-Security") == "max-age=600", r.headers
    r = Client(server).api("GET", "/api/v1/nothing", headers={"X-Forwarded-Proto": "https"})
    assert r.status == 404 and r.header("Strict-Transport-Security") == "max-age=600", r.headers
    assert Client(server).get("/").header("Strict-Transport-Security") is None


def test_forged_forwarded_entries_do_not_escape_the_throttle(server):
    proxy_saw = "203.0.113.%d" % (uuid.uuid4().int % 200 + 20)
    c = Client(server)
    for i in range(3):
        forged = "198.51.100.%d" % i   # what a client put in front of the proxy's entry
        r = c.post_form("/login", {"email": "nobody%d@example.cn" % i, "password": "bad"},
                        headers={"X-Forwarded-For": "%s, %s" % (forged, proxy_saw)})
        assert r.status == 401, r
    r = c.post_form("/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1]},
                    headers={"X-Forwarded-For": "192.0.2.99, " + proxy_saw})
    assert r.status == 429, "a fresh forged first entry must not make a fresh client address"
    # haproxy's "option forwardfor" adds its own line after the client's:
    # the last line's address counts.
    raw = raw_request(server, ("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                               "Content-Type: application/json\r\nX-Forwarded-For: 192.0.2.100\r\n"
                               "X-Forwarded-For: %s\r\nContent-Length: %d\r\n\r\n%s" % (
                                   proxy_saw, len('{"email":"a@b.cn","password":"x"}'), '{"email":"a@b.cn","password":"x"}')).encode())
    assert status_of(raw) == 429, raw[:300]
    # Another real client (the proxy's entry differs) is not held up.
    r = Client(server).post_form("/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1]},
                                 headers={"X-Forwarded-For": proxy_saw + ", 203.0.113.250"})
    assert r.status == 303, r


def test_a_forwarded_entry_that_is_no_address_is_ignored(server):
    """Not an address (a header injection attempt, a name): the connection's
    own address stands, and the session list shows no such text."""
    c = Client(server)
    r = c.post_form("/login", {"email": DEMO["scientist2"][0], "password": DEMO["scientist2"][1]},
                    headers={"X-Forwarded-For": "<script>x</script>"})
    assert r.status == 303, r
    sessions = c.api("GET", "/api/v1/me/sessions").json
    assert "script" not in str(sessions) and "127.0.0.1" in str(sessions), sessions
