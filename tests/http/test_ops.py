"""Operations: health, metrics, static files and caching, OpenAPI in sync
with the route table, access log."""
import gzip
import json
import subprocess

import harness

from harness import BIN, METRICS_TOKEN, ROOT, Client, Server


def test_metrics_need_the_token(server):
    # User and session counts are for the operators' monitoring only: to
    # anyone without the token (a visitor, a signed-in administrator, a
    # wrong or truncated token) /metrics does not exist.
    admin = Client(server)
    admin.login_as("admin")
    for c, headers in ((Client(server), None), (admin, None),
                       (Client(server), {"Authorization": "Bearer wrong-token-0123456789"}),
                       (Client(server), {"Authorization": "Bearer " + METRICS_TOKEN[:-1]}),
                       (Client(server), {"Authorization": "Bearer " + METRICS_TOKEN + "x"}),
                       (Client(server), {"Authorization": METRICS_TOKEN})):
        r = c.get("/metrics", headers=headers)
        assert r.status == 404 and "kejiyun_users" not in r.text, r
    r = Client(server).get("/metrics", headers={"Authorization": "Bearer " + METRICS_TOKEN})
    assert r.status == 200 and "kejiyun_users" in r.text, r


def test_healthz(server):
    r = Client(server).get("/healthz")
    assert r.status == 200 and r.json["database"] == "ok"


def test_metrics(server):
    c = Client(server)
    c.get("/")
    c.get("/nope")
    c.login_as("scientist")
    r = c.get("/metrics", headers={"Authorization": "Bearer " + METRICS_TOKEN})
    assert r.status == 200 and r.header("Content-Type").startswith("text/plain")
    t = r.text
    assert 'kejiyun_http_requests_total{route="home",status="200"}' in t
    assert 'kejiyun_http_requests_total{route="unmatched",status="404"}' in t
    assert "kejiyun_http_request_duration_seconds_bucket{le=\"+Inf\"}" in t
    assert "kejiyun_db_errors_total" in t
    assert "kejiyun_search_published_unindexed 0" in t, "every published listing is in the index"
    active = [l for l in t.splitlines() if l.startswith("kejiyun_sessions_active ")]
    assert active and int(active[0].split()[1]) >= 1


def test_static_caching_and_gzip(server):
    c = Client(server)
    r = c.get("/static/css/site.css")
    assert r.status == 200 and r.header("Content-Type").startswith("text/css")
    etag, lm = r.header("ETag"), r.header("Last-Modified")
    assert etag and lm and "max-age" in r.header("Cache-Control")
    assert c.get("/static/css/site.css", headers={"If-None-Match": etag}).status == 304
    assert c.get("/static/css/site.css", headers={"If-Modified-Since": lm}).status == 304
    z = c.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert z.header("Content-Encoding") == "gzip" and gzip.decompress(z.body) == r.body
    h = c.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert h.header("Content-Encoding") == "gzip" and b"<!doctype html>" in gzip.decompress(h.body)


def test_security_headers(server):
    r = Client(server).get("/")
    assert "default-src 'self'" in r.header("Content-Security-Policy")
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("X-Frame-Options") == "DENY"


def test_openapi_matches_routes(server):
    doc = Client(server).get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = set()
    for path, ops in doc["paths"].items():
        for method in ops:
            documented.add((method.upper(), path))
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    routed = set()
    for line in out.splitlines():
        method, path = line.split(" ", 1)
        if path.startswith("/api/v1/"):
            routed.add((method, path))
    assert routed == documented, "in routes only: %s; in openapi only: %s" % (
        sorted(routed - documented), sorted(documented - routed))


def test_openapi_mail_prefs_list_every_category(server):
    """Issue 19: the documented mail-prefs schema names exactly the
    categories the server has (its table answers GET /api/v1/mail-prefs),
    so a new category cannot be left out of the document again; each is
    accepted by PUT, a mode outside the documented enum refused."""
    doc = Client(server).get("/api/v1/openapi.json").json
    schema = doc["components"]["schemas"]["MailPrefs"]
    ops = doc["paths"]["/api/v1/mail-prefs"]
    ref = {"$ref": "#/components/schemas/MailPrefs"}
    assert ops["get"]["responses"]["200"]["content"]["application/json"]["schema"] == ref
    assert ops["put"]["requestBody"]["content"]["application/json"]["schema"] == ref
    assert ops["put"]["responses"]["200"]["content"]["application/json"]["schema"] == ref
    c, _ = harness.register(server, name="邮件偏好")
    code = c.api("GET", "/api/v1/mail-prefs").json
    assert set(schema["properties"]) == set(code), (sorted(set(code) - set(schema["properties"])),
                                                     sorted(set(schema["properties"]) - set(code)))
    for cat, prop in schema["properties"].items():
        assert prop["enum"] == ["each", "digest", "off"], cat
    r = c.api("PUT", "/api/v1/mail-prefs", {cat: "digest" for cat in schema["properties"]})
    assert r.status == 200 and set(r.json.values()) == {"digest"}, r
    assert c.api("PUT", "/api/v1/mail-prefs", {"event": "sometimes"}).status == 422


def test_routes_list_test_routes_only_in_test_mode(server):
    """Issue 13: /__test routes exist only in test mode, also in `kejiyun routes`."""
    plain = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "POST /api/v1/login" in plain
    assert "/__test" not in plain, [l for l in plain.splitlines() if "/__test" in l]
    test = subprocess.run([BIN, "routes", "--test-mode"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    for path in ("/__test/clock", "/__test/tick", "/__test/faults"):
        assert "POST " + path in test.splitlines(), path


def test_test_routes_absent_without_test_mode(server):
    """Issue 13: a server started without --test-mode has no /__test route:
    404 as for any unknown path (the route table itself lacks them)."""
    prod = Server(demo=False, test_mode=False)
    try:
        c = Client(prod)
        for path in ("/__test/clock", "/__test/tick", "/__test/faults"):
            r = c.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
            assert r.status == 404, (path, r.status)
            # A route that exists for POST answers GET with 405 and Allow:
            # 404 here shows the table has no such route at all.
            g = c.get(path)
            assert g.status == 404 and not g.header("Allow"), (path, g.status, g.header("Allow"))
        assert c.get("/healthz").status == 200
    finally:
        prod.stop()


def test_access_log_line(server):
    Client(server).get("/help/roles?x=1")
    log = server.read_log()
    lines = [l for l in log.splitlines() if " GET /help/roles 200 " in l]
    assert lines, log[-500:]
    parts = lines[-1].split()
    assert parts[-1].endswith("us") and parts[-2].isdigit()




def test_cli(server):
    v = subprocess.run([BIN, "version"], capture_output=True, text=True, cwd=ROOT)
    assert v.returncode == 0 and v.stdout.startswith("kejiyun ")
    h = subprocess.run([BIN, "help"], capture_output=True, text=True, cwd=ROOT)
    for word in ["serve", "migrate", "user add", "demo", "--listen", "KEJIYUN_LISTEN", "--data", "KEJIYUN_DATA",
                 "[limits] max_body"]:
        assert word in h.stdout, word
    bad = subprocess.run([BIN, "serve", "--no-such-flag"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "unknown option" in bad.stderr
    m = harness.cli(server, "migrate", "--data", server.dir)
    assert m.returncode == 0 and "schema version" in m.stdout
    u = harness.cli(server, "user", "add", "--data", server.dir, "--email", "ops@example.cn", "--name", "Ops",
                    "--role", "operator", "--password", "operator pass 1", "--center", "630100")
    assert u.returncode == 0, u.stderr
    c = Client(server)
    c.login("ops@example.cn", "operator pass 1")
    me = c.api("GET", "/api/v1/me").json
    # --center appoints the operator to that region's service center: the
    # jurisdiction follows (no --jurisdiction any more).
    assert me["role"] == "operator" and me["jurisdiction"] == "630100" and me["center_role"] == "staff", me
    # The command line's appointment is logged like an administrator's (actor: none).
    admin = Client(server)
    admin.login_as("admin")
    log = admin.api("GET", "/api/v1/admin/jurisdiction-log").json["items"]
    assert any(e["user_id"] == me["id"] and e["new_region"] == "630100" and e["actor_id"] is None for e in log), log
    bad = harness.cli(server, "user", "add", "--data", server.dir, "--email", "sci@example.cn", "--name", "Sci",
                      "--role", "scientist", "--password", "scientist pass 1", "--center", "630100")
    assert bad.returncode == 1 and "--center" in bad.stderr, bad.stderr
    # 雷波县 (513437): no center there, and no test makes one (others make centers in 武侯区 and elsewhere).
    for args in (["--role", "operator", "--center", "513437"], ["--role", "operator", "--jurisdiction", "630100"]):
        bad = harness.cli(server, "user", "add", "--data", server.dir, "--email", "op2@example.cn", "--name", "Op2",
                          "--password", "operator pass 2", *args)
        assert bad.returncode != 0, (args, bad.stdout)


def test_center_cli(server):
    """kejiyun center list | create | appoint | remove (issue 14 §2 from the
    command line): the same domain calls and checks as the pages, audited."""
    def run(*args):
        return harness.cli(server, "center", *args, "--data", server.dir)
    listed = run("list", "--region", "510600")
    assert listed.returncode == 0 and "\t510600\t" in listed.stdout and "德阳" in listed.stdout, listed
    # 绵竹市 (510683) under 德阳: no other test makes a center there.
    made = run("create", "--name-zh", "绵竹市科技云服务中心", "--name-en", "Mianzhu", "--level", "county",
               "--region", "510683", "--parent", "510600", "--phone", "0838-1234567")
    assert made.returncode == 0, made.stderr
    cid = made.stdout.strip()
    again = run("create", "--name-zh", "重复", "--level", "county", "--region", "510683", "--parent", "510600")
    assert again.returncode == 1 and "err.center" in again.stderr, again
    assert run("create", "--name-zh", "缺级别", "--region", "510683").returncode == 2
    u = harness.cli(server, "user", "add", "--data", server.dir, "--email", "head.mianzhu@example.cn", "--name", "绵竹负责人",
                    "--role", "operator", "--password", "operator pass 3")
    assert u.returncode == 0, u.stderr
    # Appointed by region code; the jurisdiction follows the center.
    r = run("appoint", "510683", "head.mianzhu@example.cn", "--role", "head", "--reason", "县级中心成立")
    assert r.returncode == 0, r.stderr
    c = Client(server)
    c.login("head.mianzhu@example.cn", "operator pass 3")
    me = c.api("GET", "/api/v1/me").json
    assert me["jurisdiction"] == "510683" and me["center_role"] == "head", me
    page = Client(server).api("GET", "/api/v1/service-centers/" + cid).json
    assert page["name_zh"] == "绵竹市科技云服务中心" and [s["name"] for s in page["staff"]] == ["绵竹负责人"], page
    admin = Client(server)
    admin.login_as("admin")
    audit = admin.api("GET", "/api/v1/admin/audit-log?action=center.staff.appoint").json["items"]
    assert any(e["action"] == "center.staff.appoint" and e.get("reason") == "县级中心成立" for e in audit), audit[:3]
    # Refusals: a scientist cannot work at a center; removal only from the center named.
    bad = run("appoint", cid, harness.DEMO["scientist"][0])
    assert bad.returncode == 1 and "not_operator" in bad.stderr, bad
    assert run("remove", "510600", "head.mianzhu@example.cn").returncode == 1
    assert run("appoint", "513437", "head.mianzhu@example.cn").returncode == 1     # no center covers 雷波县 exactly
    r = run("remove", cid, "head.mianzhu@example.cn", "--reason", "调任")
    assert r.returncode == 0, r.stderr
    assert c.api("GET", "/api/v1/me").json["jurisdiction"] is None
    assert run("bogus").returncode == 2 and run("appoint", "510683").returncode == 2


def test_bad_database_stops_startup(server):
    import os
    import tempfile
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "kejiyun.db"), "wb") as f:
        f.write(b"this is not a database" * 100)
    r = subprocess.run([BIN, "serve", "--data", d, "--listen", "127.0.0.1:0"], capture_output=True, text=True,
                       cwd=ROOT, timeout=30)
    assert r.returncode == 1 and "database" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
