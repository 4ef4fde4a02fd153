"""Writes and reads fail closed (issue 12): a commit that fails is told to
the user as an error (500 problem+json for the API, an error page for a
form; never a 2xx or a redirect) and leaves nothing half-written; a read
that fails answers 500 with a request id that the log carries too, never
an empty page. Failures are injected through POST /__test/faults (test
mode only), which makes the next request that uses the database fail its
next commits or reads. Runs on its own server: it reads the server's log."""
import re
import shutil
import subprocess
import tempfile
import time
import types

from harness import BIN, ROOT, Client, free_port, unique_email
from test_market_lifecycle import create, listing_body, publish, user, _form
from test_market_eoi import MSG, send
from test_challenge import APP, published_entry, login

SERVER_ARGS = []
REQ_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def inject(server, commits=0, reads=0, sql=None):
    body = {"commits": commits, "reads": reads}
    if sql:
        body["sql"] = sql
    r = Client(server).api("POST", "/__test/faults", body)
    assert r.status == 200, r


def server_error(server, r, api=True):
    """r is a 500 naming a request id, which the log carries as well."""
    assert r.status == 500, r
    rid = r.header("X-Request-Id")
    assert rid and REQ_ID.match(rid), r.headers
    if api:
        assert (r.header("Content-Type") or "").startswith("application/problem+json"), r.header("Content-Type")
        assert r.json["status"] == 500 and r.json["request_id"] == rid, r.json
    else:
        assert (r.header("Content-Type") or "").startswith("text/html"), r.header("Content-Type")
        assert rid in r.text, r.text[-800:]
    assert not r.header("Location"), r.headers
    log = server.read_log()
    assert "[req %s]" % rid in log, log[-2000:]
    return rid


def my_listing_count(c):
    r = c.api("GET", "/api/v1/my/listings")
    assert r.status == 200, r
    return r.json["total"]


def test_every_answer_has_a_request_id(server):
    a = Client(server).get("/help/roles")
    b = Client(server).get("/help/roles")
    assert a.status == 200 and b.status == 200
    ra, rb = a.header("X-Request-Id"), b.header("X-Request-Id")
    assert ra and rb and ra != rb and REQ_ID.match(ra), (ra, rb)


def test_faults_are_test_mode_only(server):
    # The endpoint checks its input, and injecting nothing changes nothing.
    r = Client(server).api("POST", "/__test/faults", {"commits": -1})
    assert r.status == 422, r
    inject(server)
    assert Client(server).get("/help/roles").status == 200
    # Without --test-mode it does not exist.
    data = tempfile.mkdtemp(prefix="kejiyun-test-")
    port = free_port()
    proc = subprocess.Popen([BIN, "serve", "--data", data, "--listen", "127.0.0.1:%d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        plain = types.SimpleNamespace(base="127.0.0.1:%d" % port, port=port)
        deadline = time.time() + 30
        while True:
            try:
                if Client(plain).get("/healthz").status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.1)
        r = Client(plain).api("POST", "/__test/faults", {"commits": 1})
        assert r.status == 404, r
        r = Client(plain).api("GET", "/api/v1/listings", headers={"Cache-Control": "no-cache"})
        assert r.status == 200, r   # no fault was injected
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(data, ignore_errors=True)


def test_listing_create_api_failed_commit(server):
    sci = user(server, "scientist")
    before = my_listing_count(sci)
    body = dict(listing_body("achievement"), submit=True)
    inject(server, commits=1)
    server_error(server, sci.api("POST", "/api/v1/listings", body))
    assert my_listing_count(sci) == before
    # Nothing is left that the same listing would collide with, and the
    # fault was used up: the next try succeeds.
    r = sci.api("POST", "/api/v1/listings", body)
    assert r.status == 201, r
    assert my_listing_count(sci) == before + 1


def test_listing_create_form_failed_commit(server):
    sci = user(server, "scientist")
    before = my_listing_count(sci)
    fields = _form()
    inject(server, commits=1)
    r = sci.post_form("/listings", fields)
    server_error(server, r, api=False)
    assert fields["title"] not in sci.get("/my/listings").text
    assert my_listing_count(sci) == before


def test_eoi_failed_commit(server):
    owner, admin, sender = user(server, "scientist"), user(server, "admin"), user(server, "org_member2")
    lid = publish(owner, admin)["id"]
    received = len(owner.api("GET", "/api/v1/eois").json["received"])
    notes = len(owner.api("GET", "/api/v1/notifications").json["items"])
    inject(server, commits=1)
    server_error(server, send(sender, lid))
    assert len(owner.api("GET", "/api/v1/eois").json["received"]) == received
    assert len(sender.api("GET", "/api/v1/eois").json["sent"]) == 0 or \
        lid not in str(sender.api("GET", "/api/v1/eois").json["sent"])
    # The notification written in the same transaction went with it.
    assert len(owner.api("GET", "/api/v1/notifications").json["items"]) == notes
    # Not "sent already": nothing of the first attempt remains.
    r = send(sender, lid)
    assert r.status == 201, r


def test_registration_failed_commit(server):
    admin = user(server, "admin")
    total = admin.api("GET", "/api/v1/admin/users").json["total"]
    email = unique_email("failclosed")
    body = {"role": "scientist", "name": "失败测试", "email": email, "password": "Qm7#vLp2-Tz9wRk"}
    inject(server, commits=1)
    server_error(server, Client(server).api("POST", "/api/v1/register", body))
    assert admin.api("GET", "/api/v1/admin/users").json["total"] == total
    # The form too: an error page, not the redirect of a success.
    inject(server, commits=1)
    server_error(server, Client(server).post_form("/register", body), api=False)
    assert admin.api("GET", "/api/v1/admin/users").json["total"] == total
    assert Client(server).post_form("/login", {"email": email, "password": body["password"]}).status != 303


def test_challenge_application_failed_commit(server):
    lid, cid, org = published_entry(server)
    li = login(server, "scientist2")
    path = "/api/v1/challenges/%s/applications" % cid
    inject(server, commits=1)
    server_error(server, li.api("POST", path, APP))
    apps = org.api("GET", path)
    assert apps.status == 200 and apps.json["items"] == [], apps
    # Not "applied twice": the failed attempt left nothing.
    r = li.api("POST", path, APP)
    assert r.status == 201, r
    aid = r.json["id"]
    # Withdrawing reported success after a failed commit (apply.c).
    inject(server, commits=1)
    server_error(server, li.api("POST", "%s/%s/withdraw" % (path, aid)))
    r = li.api("GET", "%s/%s" % (path, aid))
    assert r.status == 200 and r.json["status"] == "submitted", r


def test_failed_read_is_500_not_an_empty_list(server):
    anon = Client(server)
    assert anon.api("GET", "/api/v1/listings").json["items"], "the demo has published listings"
    # API: the first query of the next request fails.
    inject(server, reads=1)
    rid = server_error(server, anon.api("GET", "/api/v1/listings", headers={"Cache-Control": "no-cache"}))
    assert re.search(r"\[req %s\] .*injected read fault" % re.escape(rid), server.read_log())
    # A page: the error page with the id, not a page that says "nothing found".
    inject(server, reads=1)
    server_error(server, anon.get("/achievements", headers={"Cache-Control": "no-cache"}), api=False)
    # A signed-in page whose list query fails, not the session lookup.
    sci = user(server, "scientist")
    inject(server, reads=1, sql="FROM notifications")
    server_error(server, sci.get("/notifications"), api=False)
    # The failed page was not kept by the response cache.
    r = anon.api("GET", "/api/v1/listings")
    assert r.status == 200 and r.json["items"], r
