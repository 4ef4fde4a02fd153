"""Security review (sec): where the federation client may go when an
administrator's peer URL, or the answer found there, points elsewhere.
A peer answering with a redirect is not followed (the other host never
hears from us); an address no peer can have (cloud metadata, link-local),
reached however (here: a row written behind the server's back, as a
host name resolving there would be), is never connected to, and the
peer's error says why at once instead of after the 10 s timeout."""
import base64
import http.server
import os
import threading
import time
import urllib.parse

from harness import Client, db_exec

SERVER_ARGS = ["--fed-sync-ms", "300"]


class Recorder:
    """A local HTTP server answering every request with status and headers."""

    def __init__(self, status, headers=()):
        hits = self.hits = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
            do_POST = do_GET

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def new_key():
    return base64.b64encode(os.urandom(32)).decode()


def peer(admin, key):
    return next(p for p in admin.api("GET", "/api/v1/federation/peers").json["items"] if p["public_key"] == key)


def wait_for(what, fn, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def test_a_redirect_is_not_followed(server):
    target = Recorder(200)
    redirector = Recorder(302, [("Location", "http://127.0.0.1:%d/latest/meta-data/" % target.port)])
    admin = Client(server)
    admin.login_as("admin")
    key = new_key()
    try:
        r = admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % redirector.port, "public_key": key})
        assert r.status == 201, r
        p = wait_for("the redirecting peer's round", lambda: (peer(admin, key)["last_error"] or "") and peer(admin, key), 20)
        assert "302" in p["last_error"], p
        assert redirector.hits and not target.hits, (redirector.hits, target.hits)
    finally:
        redirector.close()
        target.close()
        pid = peer(admin, key)["id"]
        admin.api("POST", "/api/v1/federation/peers/%s/suspend" % pid, {"reason": "测试结束"})


def test_a_metadata_address_is_never_connected_to(server):
    admin = Client(server)
    admin.login_as("admin")
    key = new_key()
    parked = Recorder(503)
    try:
        r = admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % parked.port, "public_key": key})
        assert r.status == 201, r
        pid = r.json["id"]
        db_exec(server, ("UPDATE fed_peers SET url = ?, next_sync_at = 0, last_error = NULL WHERE id = ?",
                         "http://169.254.169.254", pid))
        started = time.time()
        p = wait_for("the refusal", lambda: "link-local" in (peer(admin, key)["last_error"] or "") and peer(admin, key), 20)
        assert time.time() - started < 8, "refused at once, not after the request timeout"
        assert "metadata" in p["last_error"], p
    finally:
        parked.close()
        admin.api("POST", "/api/v1/federation/peers/%s/suspend" % peer(admin, key)["id"], {"reason": "测试结束"})


def test_a_peers_text_is_shown_as_text(server):
    """What a peer sends is text, whatever it looks like: a listing whose
    title, summary and description carry markup and script arrives, and its
    page, the search results and the API show it escaped; the description's
    Markdown keeps no javascript: link and no raw HTML."""
    from test_federation import FakePeer   # a signing peer of the test's own
    fake = FakePeer()
    admin = Client(server)
    admin.login_as("admin")
    run = "%x" % (int(time.time() * 1000) & 0xffffff)
    try:
        assert admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % fake.port,
                                                              "public_key": fake.pk}).status == 201
        item = fake.item(title="远程<script>alert(1)</script>成果" + run)
        item["data"]["summary"] = "摘要<img src=x onerror=alert(2)>"
        item["data"]["description"] = "[点我](javascript:alert(3)) <script>alert(4)</script> <iframe src=//evil.example></iframe>"
        from test_federation import sign_obj
        item.pop("signature", None)
        item = sign_obj(item, fake.key)
        fake.items = [item]
        anon = Client(server)
        wait_for("the peer's listing", lambda: anon.api("GET", "/api/v1/listings/" + item["id"]).status == 200, 30)
        page = anon.get("/listings/" + item["id"]).text
        for raw in ["<script>alert", "<img src=x", "javascript:alert", "<iframe"]:
            assert raw not in page, raw
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        results = anon.get("/search?q=" + urllib.parse.quote("远程成果" + run)).text
        assert "<script>alert" not in results and "<img src=x" not in results
        api = anon.api("GET", "/api/v1/listings/" + item["id"])
        assert api.header("Content-Type").startswith("application/json") and api.json["title"].startswith("远程<script>")
    finally:
        fake.close()
        p = next((p for p in admin.api("GET", "/api/v1/federation/peers").json["items"] if p["public_key"] == fake.pk), None)
        if p:
            admin.api("POST", "/api/v1/federation/peers/%s/suspend" % p["id"], {"reason": "测试结束"})
