"""Personal information (PIPL, issue 14 §7): registration records consent
to the instance's 用户协议 and 隐私政策 (public, versioned pages); a new
version asks again at the next sign-in (an interstitial page; the API
answers a clear problem until POST /api/v1/me/consent); a user downloads
all their data (and nobody else's) and deletes their account with their
password: a signed deal and the hash-chained deal log stay intact and
verifiable, everything else personal is removed or anonymized."""
import os
import subprocess

import harness
from harness import BIN, ROOT, Client, DEMO, register, unique_email
from test_market_lifecycle import publish
from test_market_eoi import decide, send
from test_deal import LUMP

PASSWORD = "Kj-Test-2026!"
VERSION = "2026-1"


def db_rows(server, sql, *args):
    return harness.db_rows(server, sql, *args)


def test_policy_pages_and_consent_recorded_at_registration(server):
    for path, title in (("/terms", "用户协议"), ("/privacy", "隐私政策")):
        r = Client(server).get(path)
        assert r.status == 200 and title in r.text and 'id="policy-version"' in r.text and VERSION in r.text, r
    en = Client(server).get("/privacy", headers={"Accept-Language": "en"})
    assert "Privacy policy" in en.text and "Personal Information Protection Law" in en.text
    page = Client(server).get("/register")
    assert 'id="register-consent"' in page.text and 'href="/terms"' in page.text and 'href="/privacy"' in page.text
    c, me = register(server)
    assert me["consent_required"] is False, me
    state = c.api("GET", "/api/v1/me/consent").json
    assert state["required"] is False and state["terms"]["version"] == VERSION
    assert sorted((x["document"], x["version"]) for x in state["consents"]) == [("privacy", VERSION), ("terms", VERSION)]
    assert "consent-list" in c.get("/account/privacy").text
    # Saying no at registration is refused, and makes no account.
    email = unique_email("noconsent")
    r = Client(server).api("POST", "/api/v1/register", {"email": email, "password": PASSWORD, "name": "不同意",
                                                        "role": "scientist", "accept_terms": False})
    assert r.status == 422 and r.json["errors"][0]["field"] == "accept_terms", r
    assert not db_rows(server, "SELECT id FROM users WHERE email = ?", email)


def test_new_version_asks_again_at_next_sign_in(server):
    # The demo accepted the default versions; this instance publishes new terms.
    s = harness.Server(extra_args=["--terms-version", "2027-1"])
    try:
        web = Client(s)
        r = web.post_form("/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1]})
        assert r.status == 303, r
        r = web.get("/dashboard")
        assert r.status == 303 and r.header("Location") == "/account/consent?next=%2Fdashboard", r
        page = web.get(r.header("Location"))
        assert page.status == 200 and 'id="consent-form"' in page.text and "2027-1" in page.text, page
        # The documents, sign-out and one's own data stay reachable.
        assert web.get("/terms").status == 200 and web.get("/account/privacy").status == 200
        # Not accepting is refused with a clear message; accepting goes on.
        r = web.post_form("/account/consent", {"next": "/dashboard"})
        assert r.status == 422 and "请勾选同意" in r.text, r
        r = web.post_form("/account/consent", {"accept": "1", "next": "/dashboard"})
        assert r.status == 303 and r.header("Location") == "/dashboard", r
        assert web.get("/dashboard").status == 200
        # The API: a clear problem until accepted through its endpoint.
        api = Client(s)
        api.token = api.api("POST", "/api/v1/login", {"email": DEMO["org_member"][0], "password": DEMO["org_member"][1]}).json["token"]
        api.cookies.clear()
        r = api.api("GET", "/api/v1/me/sessions")
        assert r.status == 403 and r.json["code"] == "consent_required" and r.json["consent_url"] == "/api/v1/me/consent", r
        assert "/api/v1/me/consent" in r.json["detail"]
        me = api.api("GET", "/api/v1/me")
        assert me.status == 200 and me.json["consent_required"] is True
        assert api.api("POST", "/api/v1/me/consent", {"accept": False}).status == 422
        r = api.api("POST", "/api/v1/me/consent", {"accept": True})
        assert r.status == 200 and r.json["required"] is False, r
        assert ("terms", "2027-1") in [(x["document"], x["version"]) for x in r.json["consents"]]
        assert api.api("GET", "/api/v1/me/sessions").status == 200
        # The older consent stays recorded next to the new one.
        rows = db_rows(s, "SELECT c.version FROM consents c JOIN users u ON u.id = c.user_id "
                          "WHERE u.email = ? AND c.document = 'terms' ORDER BY c.version", DEMO["org_member"][0])
        assert [x["version"] for x in rows] == ["2026-1", "2027-1"], rows
    finally:
        s.cleanup()


def test_export_holds_the_users_data_and_no_one_elses(server):
    a, me_a = register(server, name="导出甲")
    b, me_b = register(server, name="导出乙")
    for c, title in ((a, "甲的问题：稻瘟病"), (b, "乙的问题：玉米螟")):
        r = c.api("POST", "/api/v1/questions", {"title": title, "body": "请教", "topic": "rice", "region": "510107"})
        assert r.status == 201, r
    assert a.api("PUT", "/api/v1/popsci/profile", {"topics": ["rice"], "crops": "水稻"}).status == 200
    # A talks to B's listing: B's words never enter A's export.
    admin = Client(server)
    admin.login_as("admin")
    listing = publish(b, admin)
    assert send(a, listing["id"], message="甲想了解这项成果").status == 201
    r = a.get("/account/export")
    assert r.status == 200 and "attachment" in r.header("Content-Disposition") and r.header("Cache-Control") == "no-store", r
    data = r.json
    assert data["profile"]["email"] == me_a["email"] and data["profile"]["name"] == "导出甲"
    assert [q["title"] for q in data["popsci_questions"]] == ["甲的问题：稻瘟病"]
    assert data["popsci_profile"][0]["crops"] == "水稻"
    assert [e["message"] for e in data["eois_sent"]] == ["甲想了解这项成果"]
    assert data["sessions"] and all("token" not in s and "token_hash" not in s for s in data["sessions"])
    assert sorted(x["document"] for x in data["consents"]) == ["privacy", "terms"]
    text = r.text
    for other in (me_b["email"], "导出乙", "乙的问题", listing["title"], "password_hash"):
        assert other not in text, other
    assert a.api("GET", "/api/v1/me/export").json["profile"]["id"] == me_a["id"]
    assert Client(server).api("GET", "/api/v1/me/export").status == 401


def signed_deal(server, provider):
    """A deal with a signed contract between provider (a fresh account) and
    the demo organization member: (client, deal id)."""
    admin = Client(server)
    admin.login_as("admin")
    client = Client(server)
    client.login_as("org_member")
    listing = publish(provider, admin)
    eoi = send(client, listing["id"]).json["id"]
    assert decide(provider, eoi, "accept").status == 200
    deal = client.api("POST", "/api/v1/deals", {"eoi_id": eoi}).json["id"]
    for who, action, args in ((provider, "offer", LUMP), (client, "accept_offer", {}), (client, "sign", {}),
                              (provider, "sign", {})):
        r = who.api("POST", "/api/v1/deals/%s/actions" % deal, dict(args, action=action))
        assert r.status in (200, 201), (action, r)
    assert client.api("GET", "/api/v1/deals/" + deal).json["state"] == "signed"
    return client, deal


def test_deletion_keeps_the_signed_deal_verifiable_and_anonymizes_the_rest(server):
    email = unique_email("leaver")
    c, me = register(server, email, name="将注销的张三")
    other = Client(server)
    other.api("POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert c.api("PUT", "/api/v1/popsci/profile", {"topics": ["rice"]}).status == 200
    client, deal = signed_deal(server, c)
    contract_before = client.api("GET", "/api/v1/deals/" + deal).json
    # The page says what is kept; a wrong password deletes nothing.
    page = c.get("/account/privacy")
    assert 'id="deletion-keeps"' in page.text and "已签署的合同" in page.text and "哈希链" in page.text
    r = c.post_form("/account/delete", {"password": "Not-The-Password-1"})
    assert r.status == 422 and 'id="delete-error"' in r.text, r
    assert c.api("GET", "/api/v1/me").status == 200
    r = c.post_form("/account/delete", {"password": PASSWORD})
    assert r.status == 200 and 'id="account-deleted"' in r.text, r
    # Every session ended; signing in fails as for an unknown account.
    assert c.api("GET", "/api/v1/me").status == 401 and other.api("GET", "/api/v1/me").status == 401
    assert Client(server).api("POST", "/api/v1/login", {"email": email, "password": PASSWORD}).status == 401
    row = db_rows(server, "SELECT * FROM users WHERE id = ?", me["id"])[0]
    assert row["name"] == "已注销用户" and row["email"] != email and row["deleted_at"] and row["disabled"] == 1
    assert row["phone"] == "" and row["region"] is None and row["password_hash"] == "!"
    for table in ("sessions", "popsci_profiles", "email_tokens"):
        assert not db_rows(server, "SELECT 1 FROM %s WHERE user_id = ?" % table, me["id"]), table
    # The address is free again.
    register(server, email, name="新的张三")
    # The signed deal stays, its contract unchanged, the other party still sees it.
    after = client.api("GET", "/api/v1/deals/" + deal)
    assert after.status == 200 and after.json["state"] == "signed", after
    assert after.json.get("contract_hash") == contract_before.get("contract_hash")
    # The hash-chained log is untouched and verifies.
    out = subprocess.run([BIN, "audit", "verify", "--data", server.dir], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "intact" in out.stdout, out
    # Administrators see the account as deleted; nothing more can be done to it.
    admin = Client(server)
    admin.login_as("admin")
    found = admin.api("GET", "/api/v1/admin/users?status=deleted&per_page=100").json["items"]
    assert me["id"] in [u["id"] for u in found]
    assert admin.api("POST", "/api/v1/admin/users/%s/enable" % me["id"], {}).status == 409


def test_deletion_refusals(server):
    # Staff change their role first.
    op = Client(server)
    op.login_as("operator")
    r = op.api("POST", "/api/v1/me/delete", {"password": DEMO["operator"][1]})
    assert r.status == 409 and "管理员" in r.json["detail"], r
    # The API deletes with the password too.
    c, me = register(server)
    r = c.api("POST", "/api/v1/me/delete", {"password": "wrong-wrong-1"})
    assert r.status == 422 and r.json["errors"][0]["field"] == "password", r
    r = c.api("POST", "/api/v1/me/delete", {})
    assert r.status == 422, r
    r = c.api("POST", "/api/v1/me/delete", {"password": PASSWORD})
    assert r.status == 200 and r.json["status"] == "deleted" and r.json["kept"], r
    assert c.api("GET", "/api/v1/me").status == 401
