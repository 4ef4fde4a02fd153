"""Issue 14 §4: verified organizations (实名认证).

An organization's admin applies with its business licence (an image or a
PDF, recognised by content) and the legal representative's name; an
operator whose jurisdiction covers the organization's region, or an
administrator, verifies or refuses with a reason the applicant reads; the
applicant may re-apply; an administrator may revoke. Nobody decides on
their own organization. The licence is never public. The life cycle is
published (GET /api/v1/org-verification/lifecycle) and every transition it
does not allow is refused. Verified organizations carry a badge wherever
they are shown, and only then.
Runs on its own server: it verifies organizations and changes roles."""
import itertools
import json
import os

from harness import Client, DEMO, credit_code, multipart_body, register, unique_email

# Its own server, with a small upload limit (the licence is size-limited).
SERVER_ARGS = ["--max-upload", "200000"]
_seq = itertools.count(int.from_bytes(os.urandom(2), "big") * 10 + 7001)
PW = "Verify-Test-2026!"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png():
    from test_popsci import png as make
    return make(b"licence")


def login(server, who):
    c = Client(server)
    c.login(*DEMO[who])
    return c


def me(c):
    r = c.api("GET", "/api/v1/me")
    assert r.status == 200, r
    return r.json


def new_org(server, region="510100"):
    """A fresh organization in region, founded by a verified newcomer, its
    admin: (client, org id, user id)."""
    n = next(_seq)
    c, m = register(server, unique_email("verify"), PW, "认证申请人%d" % n, "org_member", region=region,
                    org_name="认证测试公司%d" % n, org_type="enterprise", org_region=region,
                    org_credit_code=credit_code(n, region))
    assert m["org_id"] and m["org_role"] == "admin", m
    return c, m["org_id"], m["id"]


def plain_member(server, admin, oid):
    """A verified newcomer who asked to join oid and was approved by its
    admin: their client."""
    code = Client(server).api("GET", "/api/v1/orgs/%s" % oid).json["credit_code"]
    n = next(_seq)
    c, m = register(server, unique_email("vmember"), PW, "普通成员%d" % n, "org_member", region="510100",
                    org_name="x", org_type="enterprise", org_region="510100", org_credit_code=code)
    r = admin.api("POST", "/api/v1/org-requests/%s/approve" % m["org_request"]["id"], {})
    assert r.status == 200, r
    return c


def upload(c, path, fields, files):
    """A multipart POST signed in by cookie: the CSRF token as a form field
    (pages) and as the header (API)."""
    token = c.csrf()
    body, ctype = multipart_body([("_csrf", token)] + list(fields), files)
    return c.request("POST", path, body=body, headers={"Content-Type": ctype, "X-CSRF-Token": token,
                                                      "Accept": "application/json"})


def apply(c, oid, legal_rep="张法人", licence=None, name="营业执照.png", ctype="image/png"):
    files = [("licence", (name, ctype, png() if licence is None else licence))]
    fields = [("legal_rep", legal_rep)] if legal_rep is not None else []
    return upload(c, "/api/v1/orgs/%s/verification" % oid, fields, files)


def act(c, oid, action, reason=None):
    body = {"action": action}
    if reason is not None:
        body["reason"] = reason
    return c.api("POST", "/api/v1/orgs/%s/verification/actions" % oid, body)


def state(c, oid):
    r = c.api("GET", "/api/v1/orgs/%s/verification" % oid)
    assert r.status == 200, r
    return r.json["state"]


def code_of(r):
    return json.dumps(r.json, ensure_ascii=False) if r.body else ""


def lifecycle(server):
    r = Client(server).api("GET", "/api/v1/org-verification/lifecycle")
    assert r.status == 200, r
    return r.json


def test_lifecycle_is_published(server):
    lc = lifecycle(server)
    assert lc["states"] == ["none", "pending", "verified", "refused", "revoked"], lc
    pairs = {(t["action"], t["from"]): t["to"] for t in lc["transitions"]}
    assert pairs == {("apply", "none"): "pending", ("apply", "refused"): "pending", ("apply", "revoked"): "pending",
                     ("verify", "pending"): "verified", ("refuse", "pending"): "refused",
                     ("revoke", "verified"): "revoked"}, pairs
    for t in lc["transitions"]:
        assert t["roles"] and t["via"] in ("apply", "actions"), t
    assert [t["reason_required"] for t in lc["transitions"] if t["action"] in ("refuse", "revoke")] == [True, True]


def test_only_the_org_admin_applies(server):
    c, oid, _ = new_org(server)
    # Anonymous: sign in first; a scientist, another organization's admin: no.
    assert apply(Client(server), oid).status == 401
    for who in ("scientist", "org_member2", "org_plain", "operator", "admin"):
        r = apply(login(server, who), oid)
        assert r.status == 403, (who, r)
    # A plain member of this very organization: no.
    member = plain_member(server, c, oid)
    assert apply(member, oid).status == 403
    assert state(c, oid) == "none"
    # Bad input: a wrong file type (recognised by content, whatever the
    # name says), no file, no legal representative.
    r = apply(c, oid, licence=b"<html><script>alert(1)</script></html>", name="licence.png")
    assert r.status == 422 and "err.attach.type" in code_of(r), r
    r = upload(c, "/api/v1/orgs/%s/verification" % oid, [("legal_rep", "张法人")], [])
    assert r.status == 422 and "licence" in code_of(r), r
    r = apply(c, oid, legal_rep=None)
    assert r.status == 422 and "legal_rep" in code_of(r), r
    assert state(c, oid) == "none"
    # The page refuses a wrong type with the form again, not a crash.
    token = c.csrf()
    body, ctype = multipart_body([("_csrf", token), ("legal_rep", "张法人")],
                                 [("licence", ("x.pdf", "application/pdf", b"MZ\x90\x00not a pdf"))])
    r = c.request("POST", "/orgs/%s/verification" % oid, body=body, headers={"Content-Type": ctype})
    assert r.status == 422 and 'id="licence-error"' in r.text, r
    # The admin applies with a PDF: pending, once.
    r = apply(c, oid, licence=PDF, name="执照.pdf", ctype="application/pdf")
    assert r.status == 201 and r.json["state"] == "pending", r
    app = r.json["application"]
    assert app["legal_rep"] == "张法人" and app["licence"]["mime"] == "application/pdf", app
    assert apply(c, oid).status == 409


def test_unknown_org_and_bad_ids(server):
    c, _, _ = new_org(server)
    assert apply(c, "01HZZZZZZZZZZZZZZZZZZZZZZZ").status in (403, 404)
    assert c.api("GET", "/api/v1/orgs/nope/verification").status == 404
    assert act(login(server, "admin"), "01HZZZZZZZZZZZZZZZZZZZZZZZ", "verify").status == 404
    r = act(login(server, "admin"), "01HZZZZZZZZZZZZZZZZZZZZZZZ", "bless")
    assert r.status == 422, r


def test_operator_of_the_region_verifies_not_another_nor_own(server):
    c, oid, uid = new_org(server)
    assert apply(c, oid).status == 201
    # The Xining operator: not their region. The org's own admin: their own.
    r = act(login(server, "operator2"), oid, "verify")
    assert r.status == 403, r
    r = act(c, oid, "verify")
    assert r.status == 403 and "err.orgverify.own" in code_of(r), r
    assert oid not in [i["org_id"] for i in login(server, "operator2").api("GET", "/api/v1/org-verifications").json["items"]]
    # An operator who is a member of the organization: its founder made an
    # operator of this very region by an administrator.
    admin = login(server, "admin")
    assert admin.api("POST", "/api/v1/admin/users/%s/role" % uid, {"role": "operator", "reason": "test"}).status == 200
    # Jurisdiction comes only from a center (issue 14 §2): staff of 成都's.
    cids = {x["region"]: x["id"] for x in Client(server).api("GET", "/api/v1/service-centers").json["items"]}
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cids["510100"], {"user": uid, "role": "staff", "reason": "测试"})
    assert r.status in (200, 201), r
    c = Client(server)
    c.login(me_email(server, uid), PW)
    r = act(c, oid, "verify")
    assert r.status == 403 and "err.orgverify.own" in code_of(r), r
    assert oid not in [i["org_id"] for i in c.api("GET", "/api/v1/org-verifications").json["items"]]
    assert state(login(server, "operator"), oid) == "pending"
    # The Chengdu operator sees it in the queue and verifies it.
    op = login(server, "operator")
    q = op.api("GET", "/api/v1/org-verifications")
    assert q.status == 200 and oid in [i["org_id"] for i in q.json["items"]], q
    page = op.get("/org-verifications")
    assert page.status == 200 and "/orgs/%s/verification" % oid in page.text, page
    r = act(op, oid, "verify")
    assert r.status == 200 and r.json["state"] == "verified" and r.json["org"]["verified"] is True, r
    pub = Client(server).api("GET", "/api/v1/orgs/%s" % oid)
    assert pub.status == 200 and pub.json["verified"] is True and pub.json["verified_at"], pub


def me_email(server, uid):
    import harness
    return harness.db_rows(server, "SELECT email FROM users WHERE id = ?", uid)[0]["email"]


def test_refuse_with_reason_shown_then_reapply(server):
    c, oid, uid = new_org(server)
    assert apply(c, oid).status == 201
    op = login(server, "operator")
    r = act(op, oid, "refuse")
    assert r.status == 422 and "reason" in code_of(r), r
    r = act(op, oid, "refuse", "执照照片模糊，无法辨认注册号")
    assert r.status == 200 and r.json["state"] == "refused", r
    # The applicant is told and reads the reason (API and page).
    notes = c.api("GET", "/api/v1/notifications").json
    assert any(n["kind"] == "orgverify_refused" and n["link"] == "/orgs/%s/verification" % oid
               for n in notes["items"]), notes
    v = c.api("GET", "/api/v1/orgs/%s/verification" % oid).json
    assert v["application"]["reason"] == "执照照片模糊，无法辨认注册号" and v["actions"] == ["apply"], v
    page = c.get("/orgs/%s/verification" % oid)
    assert page.status == 200 and "执照照片模糊" in page.text and 'id="orgverify-apply"' in page.text, page
    # Re-applying through the page form.
    token = c.csrf()
    body, ctype = multipart_body([("_csrf", token), ("legal_rep", "张法人")],
                                 [("licence", ("执照-清晰.png", "image/png", png()))])
    r = c.request("POST", "/orgs/%s/verification" % oid, body=body, headers={"Content-Type": ctype})
    assert r.status == 303, r
    v = c.api("GET", "/api/v1/orgs/%s/verification" % oid).json
    assert v["state"] == "pending" and len(v["history"]) == 2, v
    # The page form of a decision: the operator verifies.
    r = op.post_form("/orgs/%s/verification/actions" % oid, {"action": "verify"})
    assert r.status == 303, r
    assert state(c, oid) == "verified"
    assert any(n["kind"] == "orgverify_verified" for n in c.api("GET", "/api/v1/notifications").json["items"])
    # Every decision is in the audit log: who, what, why.
    op_id = me(op)["id"]
    rows = audit_rows(server, oid)
    assert [(r[0], r[1], r[2]) for r in rows] == [("org.verification.refuse", op_id, "执照照片模糊，无法辨认注册号"),
                                                  ("org.verification.verify", op_id, "")], rows
    assert json.loads(rows[0][3])["to"] == "refused", rows


def audit_rows(server, oid):
    import harness
    # Insertion order: SQLite's rowid; PostgreSQL has none, the ids (ULIDs) follow time.
    order = "id" if server.db_url else "rowid"
    rows = harness.db_rows(server, "SELECT action, actor_id, reason, detail FROM audit_log WHERE target_type = 'org' "
                                   "AND target_id = ? ORDER BY created_at, " + order, oid)
    return [(r["action"], r["actor_id"], r["reason"], r["detail"]) for r in rows]


def test_licence_is_never_public(server):
    c, oid, _ = new_org(server)
    r = apply(c, oid)
    assert r.status == 201, r
    url = r.json["application"]["licence"]["url"]
    vid = r.json["application"]["id"]
    got = c.get(url)
    assert got.status == 200 and got.body.startswith(b"\x89PNG"), got
    assert (got.header("Cache-Control") or "").startswith("private"), got.header("Cache-Control")
    assert login(server, "operator").get(url).status == 200
    assert login(server, "admin").get(url).status == 200
    r = Client(server).get(url)
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    for who in ("scientist", "org_member", "org_member2", "operator2"):
        assert login(server, who).get(url).status == 404, who
    # The licence has no attachments row: /files/ never serves it.
    assert c.get("/files/%s" % vid).status == 404
    # The application itself: the org's admins and the reviewing staff.
    for who in ("scientist", "org_member2", "operator2"):
        assert login(server, who).api("GET", "/api/v1/orgs/%s/verification" % oid).status == 403, who
    # The public org page says nothing of the licence.
    page = Client(server).get("/orgs/%s" % oid)
    assert page.status == 200 and url not in page.text


def reach(server, state_name):
    """A fresh organization whose verification is in state_name: (admin client, org id)."""
    c, oid, _ = new_org(server)
    op, admin = login(server, "operator"), login(server, "admin")
    if state_name != "none":
        assert apply(c, oid).status == 201
    if state_name in ("verified", "revoked"):
        assert act(op, oid, "verify").status == 200
    if state_name == "refused":
        assert act(op, oid, "refuse", "材料不全").status == 200
    if state_name == "revoked":
        assert act(admin, oid, "revoke", "执照已被吊销").status == 200
    assert state(c, oid) == state_name
    return c, oid


def test_every_refused_transition(server):
    lc = lifecycle(server)
    admin = login(server, "admin")
    for st in lc["states"]:
        c, oid = reach(server, st)
        allowed = {t["action"] for t in lc["transitions"] if t["from"] == st}
        for t in {t["action"] for t in lc["transitions"]} - allowed:
            if t == "apply":
                r = apply(c, oid)
            else:
                r = act(admin, oid, t, "测试理由")
            assert r.status == 409 and "err.orgverify.state" in code_of(r), (st, t, r)
        assert state(c, oid) == st, st
    # Only administrators revoke; a reason is required.
    c, oid = reach(server, "verified")
    r = act(login(server, "operator"), oid, "revoke", "理由")
    assert r.status == 403, r
    r = act(admin, oid, "revoke")
    assert r.status == 422, r
    r = act(admin, oid, "revoke", "执照已被吊销")
    assert r.status == 200 and r.json["state"] == "revoked" and r.json["org"]["verified"] is False, r
    assert Client(server).api("GET", "/api/v1/orgs/%s" % oid).json["verified"] is False
    # Re-apply after a revocation.
    assert apply(c, oid).status == 201


def test_badge_only_after_verification(server):
    from test_market_lifecycle import publish
    c, oid, _ = new_org(server)
    op = login(server, "operator")
    listing = publish(c, op)
    lid, title = listing["id"], listing["title"]
    anon_lid = publish(c, op, anonymous=True)["id"]
    anon = Client(server)

    def search_hit():
        import time
        import urllib.parse
        for _ in range(50):
            r = anon.api("GET", "/api/v1/search?q=" + urllib.parse.quote(title))
            hits = [h for h in r.json.get("items", r.json.get("hits", [])) if h.get("id") == lid]
            if hits:
                page = anon.get("/search?q=" + urllib.parse.quote(title)).text
                return hits[0], page
            time.sleep(0.1)
        raise AssertionError("listing never found by search: %r" % r.json)

    def badge_shown():
        api = anon.api("GET", "/api/v1/listings/%s" % lid).json
        assert api["org"]["id"] == oid, api
        page = anon.get("/listings/%s" % lid).text
        org_page = anon.get("/orgs/%s" % oid).text
        browse = anon.api("GET", "/api/v1/listings?q=&per_page=100").json
        card = [i for i in browse["items"] if i["id"] == lid]
        flags = {api["org"]["verified"], 'data-verified-org' in page, 'data-verified-org' in org_page,
                 anon.api("GET", "/api/v1/orgs/%s" % oid).json["verified"]}
        if card:
            flags.add(card[0]["org"]["verified"])
        hit, search_page = search_hit()
        flags.add(hit["org"]["verified"])
        flags.add('data-verified-org' in search_page)
        assert len(flags) == 1, (flags, api["org"])
        return flags.pop()

    assert badge_shown() is False
    # Applying changes nothing; a refusal neither.
    assert apply(c, oid).status == 201
    assert badge_shown() is False
    assert act(op, oid, "refuse", "执照不清晰").status == 200
    assert badge_shown() is False
    assert apply(c, oid).status == 201
    assert act(op, oid, "verify").status == 200
    assert badge_shown() is True
    # An anonymous listing shows no organization, verified or not.
    a = anon.api("GET", "/api/v1/listings/%s" % anon_lid).json
    assert "org" not in a and "org_id" not in a and "org_verified" not in a, a
    assert 'data-verified-org' not in anon.get("/listings/%s" % anon_lid).text
    # The members page of its admin shows it too; revoked, it goes.
    assert 'data-verified-org' in c.get("/orgs/%s/members" % oid).text
    assert act(login(server, "admin"), oid, "revoke", "执照已注销").status == 200
    assert badge_shown() is False


def test_org_page_public_members_by_choice(server):
    c, oid, uid = new_org(server)
    name = me(c)["name"]
    anon = Client(server)
    page = anon.get("/orgs/%s" % oid)
    assert page.status == 200 and 'id="org-public-members-none"' in page.text and name not in page.text.split('id="org-members"')[1]
    assert anon.api("GET", "/api/v1/orgs/%s" % oid).json["members"] == []
    # The member's own choice (page form), off by default.
    assert 'id="org-public-form"' in c.get("/orgs/%s" % oid).text
    r = c.post_form("/account/org-public", {"org_public": "1"})
    assert r.status == 303, r
    page = anon.get("/orgs/%s" % oid)
    assert name in page.text and 'id="org-public-members"' in page.text, page
    members = anon.api("GET", "/api/v1/orgs/%s" % oid).json["members"]
    assert [m["name"] for m in members] == [name] and "email" not in members[0], members
    # The API turns it off again; bad input is refused; outsiders have no organization.
    r = c.api("PUT", "/api/v1/me/org-public", {"org_public": False})
    assert r.status == 200 and r.json == {"org_public": False}, r
    assert anon.api("GET", "/api/v1/orgs/%s" % oid).json["members"] == []
    assert c.api("PUT", "/api/v1/me/org-public", {"org_public": "maybe"}).status == 422
    assert c.api("PUT", "/api/v1/me/org-public", {}).status == 422
    assert login(server, "scientist").api("PUT", "/api/v1/me/org-public", {"org_public": True}).status == 403
    assert Client(server).api("PUT", "/api/v1/me/org-public", {"org_public": True}).status == 401
    # The same choice on the profile page (a checkbox; unchecked sends nothing).
    prof = c.get("/account/profile")
    assert 'id="profile-org-public"' in prof.text and 'checked aria-describedby="org-public-help"' not in prof.text, prof
    r = c.post_form("/account/org-public", {"org_public": "1", "next": "/account/profile?saved=1"})
    assert r.status == 303 and r.header("Location") == "/account/profile?saved=1", r
    assert 'checked aria-describedby="org-public-help"' in c.get("/account/profile").text
    assert [m["name"] for m in anon.api("GET", "/api/v1/orgs/%s" % oid).json["members"]] == [name]
    r = c.post_form("/account/org-public", {"next": "//evil.example/"})
    assert r.status == 303 and r.header("Location").startswith("/orgs/"), r
    assert anon.api("GET", "/api/v1/orgs/%s" % oid).json["members"] == []
    assert 'id="profile-org-public"' not in login(server, "scientist").get("/account/profile").text
    # Phone-friendly: the page declares the viewport.
    assert 'name="viewport"' in page.text


def test_badge_on_challenge_pages(server):
    """A 揭榜 entry shows its issuing organization with the badge once verified."""
    from test_org_membership import day
    c, oid, _ = new_org(server)
    op = login(server, "operator")
    r = op.api("POST", "/api/v1/challenge-lists", {"title": "认证徽章测试榜单 %d" % next(_seq), "description": "测试",
                                                   "period_start": day(0), "period_end": day(60)})
    assert r.status == 201, r
    body = {"direction": "tech_wanted", "title": "认证徽章攻关-%d" % next(_seq), "domain": "D0401",
            "problem": "需要一套续航超过 60 分钟的电源系统。", "difficulties": "能量密度",
            "indicators": [{"name": "续航", "target": "≥ 60", "unit": "分钟", "verification": "飞行测试"}],
            "deliverables": "样机", "bounty": "300", "payment_terms": "分三期", "task_period": "18 个月",
            "eligibility": "不限", "ip_terms": "nonexclusive_licence", "deadline": day(10), "contact": "测试"}
    r = c.api("POST", "/api/v1/challenge-lists/%s/challenges" % r.json["id"], body)
    assert r.status == 201, r
    cid = r.json["id"]
    assert login(server, "admin").api("POST", "/api/v1/challenges/%s/actions" % cid, {"action": "approve"}).status == 200
    anon = Client(server)
    assert anon.api("GET", "/api/v1/challenges/%s" % cid).json["org_verified"] is False
    assert "data-verified-org" not in anon.get("/challenges/%s" % cid).text
    assert apply(c, oid).status == 201 and act(op, oid, "verify").status == 200
    assert anon.api("GET", "/api/v1/challenges/%s" % cid).json["org_verified"] is True
    assert "data-verified-org" in anon.get("/challenges/%s" % cid).text


def test_unverified_founder_cannot_apply(server):
    """An organization's power is used only from a verified address: a
    founder who has not followed the e-mail link cannot apply yet."""
    n = next(_seq)
    c, m = register(server, unique_email("unverified"), PW, "未验证创始人%d" % n, "org_member", verify=False,
                    region="510100", org_name="未验证公司%d" % n, org_type="enterprise", org_region="510100",
                    org_credit_code=credit_code(n, "510100"))
    assert m["org_role"] == "admin", m
    r = apply(c, m["org_id"])
    assert r.status == 403 and "err.org.actor_unverified" in code_of(r), r
    assert state(c, m["org_id"]) == "none"


def test_failed_commit_changes_nothing(server):
    """A decision whose commit fails answers 500 and leaves no trace: the
    state, the badge, the notification and the audit record go together."""
    c, oid, _ = new_org(server)
    assert apply(c, oid).status == 201
    op = login(server, "operator")
    r = Client(server).api("POST", "/__test/faults", {"commits": 1})
    assert r.status == 200, r
    r = act(op, oid, "verify")
    assert r.status == 500, r
    assert state(c, oid) == "pending"
    assert Client(server).api("GET", "/api/v1/orgs/%s" % oid).json["verified"] is False
    assert audit_rows(server, oid) == []
    assert not any(n["kind"].startswith("orgverify_") for n in c.api("GET", "/api/v1/notifications").json["items"])
    # An application whose commit fails leaves no application (and no file is served).
    c2, oid2, _ = new_org(server)
    files = os.path.join(server.dir, "files")
    before = set(os.listdir(files))   # the first application above stored its licence there
    assert Client(server).api("POST", "/__test/faults", {"commits": 1}).status == 200
    assert apply(c2, oid2).status == 500
    assert state(c2, oid2) == "none"
    after = set(os.listdir(files))
    assert after == before, after - before   # the licence written before the transaction is removed


def test_oversized_licence_refused(server):
    c, oid, _ = new_org(server)
    big = PDF[:-6] + b"%" + b"x" * 300000 + b"\n%%EOF\n"
    r = apply(c, oid, licence=big, name="大执照.pdf", ctype="application/pdf")
    assert r.status == 413, r
    assert state(c, oid) == "none"
    # The page says so too (an error page, not a crash).
    token = c.csrf()
    body, ctype = multipart_body([("_csrf", token), ("legal_rep", "张法人")], [("licence", ("大执照.pdf", "application/pdf", big))])
    r = c.request("POST", "/orgs/%s/verification" % oid, body=body, headers={"Content-Type": ctype})
    assert r.status == 413 and "<html" in r.text.lower(), r
