"""Malformed, oversized and mistyped requests sent to a real server: each
gets the right 4xx with a readable body, and the server keeps serving."""
import re
import socket
import time

from harness import Client, Server, raw_request, status_of


def test_unknown_route_html_and_json(server):
    r = Client(server).get("/no/such/page")
    assert r.status == 404 and r.header("Content-Type").startswith("text/html") and "页面不存在" in r.text
    r = Client(server).get("/api/v1/nothing")
    assert r.status == 404 and r.header("Content-Type").startswith("application/problem+json")
    assert r.json["status"] == 404


def test_method_not_allowed(server):
    r = Client(server).request("DELETE", "/login")
    assert r.status == 405 and "GET" in (r.header("Allow") or ""), r
    r = Client(server).request("BREW", "/")
    assert r.status in (400, 405, 501), r


def test_malformed_json(server):
    for body in ['{"email": ', '[1,2,3]', '"just a string"', '{"a":1,"a":2}', '\xff\xfe']:
        r = Client(server).request("POST", "/api/v1/login", body=body.encode("latin-1"),
                                   headers={"Content-Type": "application/json"})
        assert r.status == 400 and r.json["status"] == 400, (body, r)


def test_wrong_content_type(server):
    r = Client(server).request("POST", "/api/v1/login", body="<xml/>", headers={"Content-Type": "application/xml"})
    assert r.status == 415, r
    c = Client(server)
    c.csrf()
    r = c.request("POST", "/login", body='{"email":"a"}', headers={"Content-Type": "application/json"})
    assert r.status == 415, r


def test_oversized_body(server):
    big = b"x" * (1024 * 1024 + 10)
    r = Client(server).request("POST", "/api/v1/login", body=big, headers={"Content-Type": "application/json"})
    assert r.status == 413 and r.json["status"] == 413, r
    c = Client(server)
    r = c.post_form("/login", {"email": "a@b.cn", "password": "x" * (1024 * 1024 + 10)})
    assert r.status == 413 and "内容太大" in r.text


def test_oversized_headers(server):
    raw = raw_request(server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64000 + b"\r\n\r\n")
    assert status_of(raw) == 431, raw[:200]


def _headers_of_size(total, target=b"/healthz"):
    """A request line plus headers of exactly total bytes, counted as the
    server counts them (each header "Name: value\r\n", final "\r\n")."""
    head = b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    pad = total - len(head) - len(b"X-Pad: \r\n") - 2
    raw = head + b"X-Pad: " + b"a" * pad + b"\r\n\r\n"
    assert len(raw) == total
    return raw


def test_max_header_is_exact(server):
    # The default --max-header is 16384: what its help text says is what
    # passes. Before, up to ~32 KB passed (libmicrohttpd's pool is larger).
    assert status_of(raw_request(server, _headers_of_size(16384))) == 200
    assert status_of(raw_request(server, _headers_of_size(16384, b"/healthz?q=" + b"b" * 100))) == 200
    raw = raw_request(server, _headers_of_size(16385))
    assert status_of(raw) == 431, raw[:300]
    assert b"application/problem+json" in raw, raw[:300]
    raw = raw_request(server, _headers_of_size(16385, b"/healthz?q=" + b"b" * 100))
    assert status_of(raw) == 431, raw[:300]
    raw = raw_request(server, _headers_of_size(20000, b"/"))
    assert status_of(raw) == 431 and "请求行和请求头超过了允许的大小" in raw.decode("utf-8", "replace"), raw[:300]


def test_many_query_arguments_and_headers_are_answered(server):
    # Found by tests/fuzz (request target): libmicrohttpd keeps a 64-byte
    # record per query argument in its per-connection pool, and when the
    # pool runs out it closes the connection unanswered. The pool is small
    # now (it is zeroed at every request: src/http/server.c), so a query of
    # more than max_fields (200) arguments is cut off before libmicrohttpd
    # parses it and answered 414 by us; within max_fields every request is
    # served; beyond max_header bytes 431.
    assert status_of(raw_request(server, b"GET /healthz?" + b"&" * 199 + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)) == 200
    many = b"&".join(b"a%d=%s" % (i, b"v" * 70) for i in range(200))   # 200 arguments, 15.8 KB
    assert status_of(raw_request(server, b"GET /healthz?" + many + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)) == 200
    for n in (200, 500, 1200, 8000, 16300):
        raw = raw_request(server, b"GET /achievements?" + b"&" * n + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        assert status_of(raw) == 414 and "查询参数过多" in raw.decode("utf-8", "replace"), (n, raw[:300])
    raw = raw_request(server, b"GET /api/v1/listings?" + b"kind=demand&" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
    assert status_of(raw) == 414 and b"application/problem+json" in raw, raw[:300]
    raw = raw_request(server, b"GET /healthz?" + b"&" * 17000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
    assert status_of(raw) == 431, raw[:200]
    # A body is not taken for a request whose query was refused; the
    # connection still answers.
    raw = raw_request(server, b"POST /login?" + b"&" * 300 + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 3\r\n\r\na=b", timeout=5)
    assert status_of(raw) == 414, raw[:200]
    # A NUL byte in the target: libmicrohttpd 0.9 keeps it and still parses
    # the query behind it; the target is refused whole (400, as "%00" is).
    for target in (b"/healthz\0?" + b"&" * 8000, b"/healthz?a\0" + b"&" * 8000, b"/he\0althz?a=1"):
        raw = raw_request(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        assert status_of(raw) == 400 and "不允许的空字符" in raw.decode("utf-8", "replace"), (target[:20], raw[:300])
    # Header fields: 200 empty ones are served. 3,000 (12 KB, within
    # max_header) do not fit the pool's records: libmicrohttpd answers
    # its own 431 and closes, before any handler of ours runs.
    raw = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"a:\r\n" * 200 + b"\r\n", timeout=5)
    assert status_of(raw) == 200, raw[:200]
    raw = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"; ".join(b"c%d=1" % i for i in range(150)) + b"\r\n\r\n", timeout=5)
    assert status_of(raw) == 200, raw[:200]
    for n in (3000, 5000):
        raw = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"a:\r\n" * n + b"\r\n", timeout=5)
        assert status_of(raw) == 431, (n, raw[:200])
    assert status_of(raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)) == 200


def _rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_a_kept_alive_connection_costs_little_memory(server):
    # libmicrohttpd 0.9.75 zeroes a connection's whole pool after every
    # request on a kept-alive connection, so the pool is resident while the
    # connection stays open: at 1.1 MB (the pool before) 100 open
    # connections held 110 MB and the zeroing was 11.6 % of the server's CPU.
    srv = Server(extra_args=["--max-conns-per-ip", "0"], demo=False)
    try:
        socks = []
        def open_conns(n):
            while len(socks) < n:
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                got = b""
                while True:
                    chunk = s.recv(65536)
                    assert chunk, got
                    got += chunk
                    head, sep, body = got.partition(b"\r\n\r\n")
                    m = re.search(rb"Content-Length: (\d+)", head, re.I)
                    if sep and m and len(body) >= int(m.group(1)):
                        break
                assert status_of(got) == 200, got[:200]
                socks.append(s)
        open_conns(20)
        time.sleep(0.3)
        before = _rss_kb(srv.proc.pid)
        open_conns(120)
        time.sleep(0.3)
        per_conn = (_rss_kb(srv.proc.pid) - before) / 100
        for s in socks:
            s.close()
        assert per_conn < 300, "%.0f KiB resident per kept-alive connection" % per_conn
    finally:
        srv.cleanup()


def test_too_many_fields(server):
    c = Client(server)
    fields = {"f%d" % i: "v" for i in range(300)}
    r = c.post_form("/login", fields)
    assert r.status == 400, r


def test_invalid_utf8_in_fields(server):
    c = Client(server)
    r = c.request("POST", "/api/v1/register", body=b'{"email":"a@b.cn","password":"abcdefgh1","name":"\\udc80x","role":"scientist"}',
                  headers={"Content-Type": "application/json"})
    assert r.status in (400, 422), r
    csrf = c.csrf()
    body = b"_csrf=" + csrf.encode() + b"&email=a%40b.cn&password=abcdefgh1&role=scientist&name=%FF%FEbad"
    r = c.request("POST", "/register", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 422 and "UTF-8" in r.text, r
    r = c.get("/login?next=%FF")
    assert r.status == 200


def test_control_characters_refused(server):
    r = Client(server).api("POST", "/api/v1/register", {"email": "c@d.cn", "password": "abcdefgh12",
                                                      "name": "bad\u0001name", "role": "scientist"})
    assert r.status == 422 and r.json["errors"][0]["code"] == "err.field.control", r


def test_wrong_types_in_json(server):
    r = Client(server).api("POST", "/api/v1/register", {"email": ["a"], "password": {"x": 1}, "name": 5, "role": None})
    assert r.status == 422, r
    fields = {e["field"] for e in r.json["errors"]}
    assert {"email", "password", "role"} <= fields, fields


def test_malformed_request_line(server):
    for raw in [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\x01\x02\r\n\r\n"]:
        out = raw_request(server, raw, timeout=2)
        st = status_of(out)
        assert st is None or 400 <= st < 506, (raw, out[:100])
    assert Client(server).get("/healthz").status == 200


def test_multipart_part_without_name(server):
    """Found by tests/fuzz/fuzz_multipart: a multipart part whose
    Content-Disposition has no name reached the field callback with a NULL
    name and crashed the whole server (strdup(NULL)), for anyone, before
    any sign-in or CSRF check. Now it is a malformed body: 400."""
    body = (b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.cn\r\n--XyZ--\r\n")
    for path in ["/login", "/api/v1/login"]:
        r = Client(server).request("POST", path, body=body,
                                   headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
        assert r.status in (400, 415), (path, r)
    assert Client(server).get("/healthz").status == 200


def test_path_traversal_static(server):
    for p in ["/static/../src/main.c", "/static/%2e%2e/Makefile", "/static/css/../../README.md"]:
        r = Client(server).get(p)
        assert r.status == 404, (p, r)
