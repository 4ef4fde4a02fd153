"""Issue 12, items 1 and 2: organization membership is granted, never
claimed; an operator's jurisdiction comes only from their service center.

Registering with an existing organization's credit code (or filing a join
request later) gives a pending request and none of the organization's
rights until its admin, an operator of its region or an administrator
approves; members of other organizations, operators of other centers and
plain members cannot decide; only org admins manage members. PATCH /me
"region" is the home region and never changes review rights; the
jurisdiction is the center's region (appointment by administrators or the
center's head), logged, and review rights follow it.
Runs on its own server: it changes memberships of the demo organization."""
import datetime
import itertools

from harness import Client, DEMO, ORG_CODE, credit_code, register, unique_email, verify_email

SERVER_ARGS = []
_seq = itertools.count(1)
PW = "Member-Test-2026!"


def day(n):
    base = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    return (base + datetime.timedelta(days=n)).strftime("%Y-%m-%d")


def login(server, who):
    c = Client(server)
    c.login(*DEMO[who])
    return c


def me(c):
    r = c.api("GET", "/api/v1/me")
    assert r.status == 200, r
    return r.json


def register_claimant(server, code=ORG_CODE["org_member"], name="冒名者", verify=True):
    """A newcomer naming an existing organization: (client, user id). The
    address is verified unless verify is False."""
    c, m = register(server, unique_email("claim"), PW, name, "org_member", verify=verify, region="510100",
                    org_name="随便填的名字", org_type="enterprise", org_region="510100", org_credit_code=code)
    return c, m["id"]


def org_a(server):
    return me(login(server, "org_member"))["org_id"]


def pending_id(c):
    req = me(c)["org_request"]
    assert req and req["status"] == "pending", req
    return req["id"]


def confidential_entry(server):
    """A published 揭榜 entry of org_member's company with one confidential
    application (by scientist2): (entry id, application id)."""
    op = login(server, "operator")
    r = op.api("POST", "/api/v1/challenge-lists", {"title": "成员资格测试榜单 %d" % next(_seq), "description": "测试",
                                                   "period_start": day(0), "period_end": day(60)})
    assert r.status == 201, r
    lid = r.json["id"]
    issuer = login(server, "org_member")
    body = {"direction": "tech_wanted", "title": "机密攻关任务-%d" % next(_seq), "domain": "D0401",
            "problem": "需要一套续航超过 60 分钟的电源系统。", "difficulties": "能量密度",
            "indicators": [{"name": "续航", "target": "≥ 60", "unit": "分钟", "verification": "飞行测试"}],
            "deliverables": "样机", "bounty": "300", "payment_terms": "分三期", "task_period": "18 个月",
            "eligibility": "不限", "ip_terms": "nonexclusive_licence", "deadline": day(10), "contact": "刘洋"}
    r = issuer.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, body)
    assert r.status == 201, r
    cid = r.json["id"]
    r = login(server, "admin").api("POST", "/api/v1/challenges/%s/actions" % cid, {"action": "approve"})
    assert r.status == 200, r
    r = login(server, "scientist2").api("POST", "/api/v1/challenges/%s/applications" % cid, {
        "team": "李娜", "approach": "机密技术路线：固态电池与能量管理。", "indicator_plan": "65 分钟",
        "schedule": "12 个月", "budget": "280"})
    assert r.status == 201, r
    return cid, r.json["id"]


def sees_applications(c, cid, aid):
    r = c.api("GET", "/api/v1/challenges/%s/applications" % cid)
    listed = r.status == 200 and aid in {a["id"] for a in r.json["items"]}
    one = c.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, aid))
    assert listed == (one.status == 200), (r, one)
    return listed


def test_existing_credit_code_gives_a_pending_request_and_no_rights(server):
    cid, aid = confidential_entry(server)
    assert sees_applications(login(server, "org_member"), cid, aid), "the issuer's admin sees them"
    assert sees_applications(login(server, "org_plain"), cid, aid), "an approved member sees them"
    c, uid = register_claimant(server)
    m = me(c)
    assert m["org_id"] is None and m["org_role"] is None, m
    assert m["org_request"]["org_id"] == org_a(server) and m["org_request"]["status"] == "pending", m
    assert "jurisdiction" in m
    assert not sees_applications(c, cid, aid), "a claim must not reveal confidential applications"
    # No issuer rights either: cannot act on the entry or manage the organization.
    assert c.api("GET", "/api/v1/orgs/%s/members" % org_a(server)).status == 403
    assert c.api("GET", "/api/v1/orgs/%s/requests" % org_a(server)).status == 403
    assert c.api("POST", "/api/v1/org-requests/%s/approve" % pending_id(c), {}).status == 403, "nobody decides their own"
    # Pages show the pending state.
    assert "dash-org-pending" in c.get("/dashboard").text
    assert "profile-org-pending" in c.get("/account/profile").text
    assert "org-request-pending" in c.get("/account/org-request").text
    # The organization's admin approves: the rights appear.
    admin_a = login(server, "org_member")
    page = admin_a.get("/orgs/%s/members" % org_a(server))
    assert page.status == 200 and "冒名者" in page.text and 'id="org-members"' in page.text, page
    r = admin_a.api("POST", "/api/v1/org-requests/%s/approve" % pending_id(c), {})
    assert r.status == 200 and r.json["status"] == "approved" and r.json["decided_by"] == me(admin_a)["id"], r
    m = me(c)
    assert m["org_id"] == org_a(server) and m["org_role"] == "member" and m["org_request"] is None, m
    assert sees_applications(c, cid, aid)
    # Decided once: a second decision is a conflict.
    assert admin_a.api("POST", "/api/v1/org-requests/%s/refuse" % r.json["id"], {}).status == 409


def test_refused_request_gives_nothing_and_a_new_request_can_be_filed(server):
    cid, aid = confidential_entry(server)
    c, uid = register_claimant(server)
    rid = pending_id(c)
    admin_a = login(server, "org_member")
    r = admin_a.api("POST", "/api/v1/org-requests/%s/refuse" % rid, {"reason": "不认识此人"})
    assert r.status == 200 and r.json["status"] == "refused", r
    m = me(c)
    assert m["org_id"] is None and m["org_request"] is None, m
    assert not sees_applications(c, cid, aid)
    # A later join request (API), at most one pending, withdrawable.
    r = c.api("POST", "/api/v1/org-requests", {"credit_code": ORG_CODE["org_member"], "note": "再申请一次"})
    assert r.status == 201 and r.json["status"] == "pending", r
    again = c.api("POST", "/api/v1/org-requests", {"credit_code": ORG_CODE["org_member2"]})
    assert again.status == 409, again
    unknown = Client(server)
    r2 = c.api("POST", "/api/v1/org-requests/%s/withdraw" % r.json["id"], {})
    assert r2.status == 200 and r2.json["status"] == "withdrawn", r2
    assert me(c)["org_request"] is None
    # The page form files one too; a bad credit code is a clear 422 on the field.
    r = c.post_form("/account/org-request", {"credit_code": "915101"})
    assert r.status == 422 and 'id="credit-code-error"' in r.text, r
    r = c.post_form("/account/org-request", {"credit_code": ORG_CODE["org_member"]})
    assert r.status == 303, r
    assert me(c)["org_request"]["org_id"] == org_a(server)
    assert unknown.api("POST", "/api/v1/org-requests", {"credit_code": ORG_CODE["org_member"]}).status == 401
    # Scientists do not join organizations through requests.
    r = login(server, "scientist").api("POST", "/api/v1/org-requests", {"credit_code": ORG_CODE["org_member"]})
    assert r.status == 403, r


def test_only_the_orgs_admins_its_regions_operator_or_an_admin_decide(server):
    c, uid = register_claimant(server)
    rid = pending_id(c)
    for who in ("org_member2", "operator2", "org_plain", "scientist"):
        r = login(server, who).api("POST", "/api/v1/org-requests/%s/approve" % rid, {})
        assert r.status == 403, (who, r)
        r = login(server, who).post_form("/org-requests/%s/approve" % rid, {})
        assert r.status == 403, (who, r)
        assert rid not in login(server, who).api("GET", "/api/v1/org-requests").text, who
    assert me(c)["org_id"] is None
    # The operator of the organization's region (成都) may decide.
    op = login(server, "operator")
    assert rid in {x["id"] for x in op.api("GET", "/api/v1/org-requests").json["items"]}
    r = op.post_form("/org-requests/%s/approve" % rid, {"next": "/org-requests"})
    assert r.status == 303, r
    assert me(c)["org_id"] == org_a(server)
    # An administrator may decide anywhere.
    c2, _ = register_claimant(server, code=ORG_CODE["org_member2"])
    r = login(server, "admin").api("POST", "/api/v1/org-requests/%s/refuse" % pending_id(c2), {})
    assert r.status == 200, r


def test_only_org_admins_manage_members_and_never_the_last_admin(server):
    oid = org_a(server)
    plain = login(server, "org_plain")
    plain_id = me(plain)["id"]
    admin_a = login(server, "org_member")
    admin_id = me(admin_a)["id"]
    for who in ("org_plain", "org_member2", "operator", "admin"):
        c = login(server, who)
        assert c.api("GET", "/api/v1/orgs/%s/members" % oid).status == 403, who
        # One rule for the page and the API: operators decide on /org-requests.
        assert c.get("/orgs/%s/members" % oid).status == 403, who
        assert c.api("PUT", "/api/v1/orgs/%s/members/%s" % (oid, admin_id), {"org_role": "member"}).status == 403, who
        assert c.api("DELETE", "/api/v1/orgs/%s/members/%s" % (oid, admin_id)).status == 403, who
        assert c.post_form("/orgs/%s/members/%s/remove" % (oid, admin_id), {}).status == 403, who
    r = admin_a.api("GET", "/api/v1/orgs/%s/members" % oid)
    assert r.status == 200 and {m["id"]: m["org_role"] for m in r.json["items"]}[admin_id] == "admin", r
    # The only admin cannot step down or leave.
    r = admin_a.api("PUT", "/api/v1/orgs/%s/members/%s" % (oid, admin_id), {"org_role": "member"})
    assert r.status == 409, r
    assert admin_a.api("DELETE", "/api/v1/orgs/%s/members/%s" % (oid, admin_id)).status == 409
    # Promote the plain member (page form), then the plain member manages; demote back.
    r = admin_a.post_form("/orgs/%s/members/%s/role" % (oid, plain_id), {"org_role": "admin"})
    assert r.status == 303, r
    assert plain.api("GET", "/api/v1/orgs/%s/members" % oid).status == 200
    r = plain.api("PUT", "/api/v1/orgs/%s/members/%s" % (oid, plain_id), {"org_role": "member"})
    assert r.status == 200 and r.json["member"] == {"id": plain_id, "org_role": "member"}, r
    # The answer is checked against the actor after the write: one who just
    # stepped down no longer gets the member list.
    assert "items" not in r.json, r
    assert plain.api("GET", "/api/v1/orgs/%s/members" % oid).status == 403
    # Remove a member: their rights go.
    c, uid = register_claimant(server)
    assert admin_a.api("POST", "/api/v1/org-requests/%s/approve" % pending_id(c), {}).status == 200
    assert me(c)["org_id"] == oid
    assert admin_a.api("DELETE", "/api/v1/orgs/%s/members/%s" % (oid, uid)).status == 204
    assert me(c)["org_id"] is None and me(c)["org_role"] is None
    assert admin_a.api("PUT", "/api/v1/orgs/%s/members/%s" % (oid, uid), {"org_role": "admin"}).status == 404


def test_home_region_is_not_jurisdiction(server):
    op = login(server, "operator")
    before = me(op)
    assert before["jurisdiction"] == "510100", before
    r = op.api("PATCH", "/api/v1/me", {"region": "630100"})
    assert r.status == 200 and r.json["region"] == "630100" and r.json["jurisdiction"] == "510100", r
    # Still no rights in Qinghai, still rights in Chengdu.
    r = op.api("POST", "/api/v1/popsci/notices", {"title": "越权预警", "body": "x", "topic": "disaster", "region": "630100"})
    assert r.status == 403, r
    assert op.api("PATCH", "/api/v1/me", {"region": "510100"}).status == 200
    # The jurisdiction is not a profile field at all.
    r = op.api("PATCH", "/api/v1/me", {"jurisdiction": "630000"})
    assert me(op)["jurisdiction"] == "510100", r


def test_jurisdiction_comes_only_from_the_center_logged_and_review_rights_follow(server):
    """Issue 14 §2: an operator's jurisdiction is their service center's
    region, set by appointment only (never directly: the old
    PUT /api/v1/admin/users/{id}/jurisdiction is gone)."""
    email = unique_email("newop")
    _, m = register(server, email, PW, "新运营", "scientist", region="630100")
    uid = m["id"]
    admin = login(server, "admin")
    assert admin.api("POST", "/api/v1/admin/users/%s/role" % uid, {"role": "operator", "reason": "test"}).status == 200
    op = Client(server)
    op.login(email, PW)
    notice = {"title": "管辖测试", "body": "x", "topic": "disaster", "region": "630100"}
    # An operator without a center reviews nowhere, whatever their home region.
    assert me(op)["jurisdiction"] is None
    assert op.api("POST", "/api/v1/popsci/notices", notice).status == 403
    # No direct way to set a jurisdiction any more, for anyone.
    for who in ("admin", "operator"):
        r = login(server, who).api("PUT", "/api/v1/admin/users/%s/jurisdiction" % uid, {"jurisdiction": "630000"})
        assert r.status in (404, 405), (who, r)
        assert login(server, who).post_form("/admin/users/%s/jurisdiction" % uid, {"jurisdiction": "630000"}).status in (404, 405)
    assert me(op)["jurisdiction"] is None
    cids = {c["region"]: c["id"] for c in Client(server).api("GET", "/api/v1/service-centers").json["items"]}
    # Only administrators (and heads, for their own center) appoint.
    for who in ("operator", "org_member", "scientist"):
        r = login(server, who).api("POST", "/api/v1/service-centers/%s/staff" % cids["630000"], {"user": uid, "role": "staff"})
        assert r.status == 403, (who, r)
    assert me(op)["jurisdiction"] is None
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cids["630000"], {"user": uid, "role": "staff", "reason": "入职"})
    assert r.status == 201, r
    assert me(op)["jurisdiction"] == "630000" and me(op)["center_id"] == cids["630000"]
    assert op.api("POST", "/api/v1/popsci/notices", notice).status == 201
    assert op.api("POST", "/api/v1/popsci/notices", dict(notice, region="510100")).status == 403
    # Moving to another center: removed from the first, appointed through the
    # users page's form; the log says who, whom, old, new, when.
    r = admin.post_form("/admin/users/%s/center" % uid, {"center_id": "", "reason": "调动"})
    assert r.status == 303, r
    assert me(op)["jurisdiction"] is None
    r = admin.post_form("/admin/users/%s/center" % uid, {"center_id": cids["630100"], "role": "staff", "reason": "调动"})
    assert r.status == 303, r
    assert me(op)["jurisdiction"] == "630100"
    assert login(server, "operator").post_form("/admin/users/%s/center" % uid, {"center_id": cids["510100"]}).status == 403
    log = admin.api("GET", "/api/v1/admin/jurisdiction-log").json["items"]
    mine = [e for e in log if e["user_id"] == uid]
    assert [(e["old_region"], e["new_region"]) for e in mine] == [(None, "630100"), ("630000", None), (None, "630000")], mine
    assert all(e["actor_id"] == me(admin)["id"] and e["created_at"] > 0 for e in mine)
    page = admin.get("/admin/users")
    assert 'id="jurisdiction-log"' in page.text and "新运营" in page.text and 'action="/admin/users/%s/center"' % uid in page.text
    assert login(server, "operator").api("GET", "/api/v1/admin/jurisdiction-log").status == 403
    # Scientists work at no center.
    sci = me(login(server, "scientist"))["id"]
    r = admin.post_form("/admin/users/%s/center" % sci, {"center_id": cids["510000"], "role": "staff"})
    assert r.status == 400, r
    assert me(login(server, "scientist"))["jurisdiction"] is None


def test_an_unverified_address_is_not_approved(server):
    c, uid = register_claimant(server, verify=False)
    rid = pending_id(c)
    admin_a = login(server, "org_member")
    r = admin_a.api("POST", "/api/v1/org-requests/%s/approve" % rid, {})
    assert r.status == 403 and r.json["detail"] == "申请人的电子邮箱尚未验证，暂不能批准。", r
    assert me(c)["org_id"] is None and me(c)["org_request"]["status"] == "pending"
    r = admin_a.post_form("/org-requests/%s/approve" % rid, {})
    assert r.status == 403 and "申请人的电子邮箱尚未验证" in r.text, r
    # Once the requester follows the link, the same request can be approved.
    verify_email(server, me(c)["email"])
    assert admin_a.api("POST", "/api/v1/org-requests/%s/approve" % rid, {}).status == 200
    assert me(c)["org_id"] == org_a(server)


def test_an_unverified_founder_cannot_use_the_orgs_power(server):
    # A new credit code makes the registrant its admin before the address is
    # verified: deciding requests and managing members wait for the link.
    code = credit_code(91, "510104")
    founder, fm = register(server, unique_email("founder"), PW, "创始人", "org_member", verify=False, region="510100",
                           org_name="新成立的机构", org_type="enterprise", org_region="510100", org_credit_code=code)
    assert fm["org_role"] == "admin" and not fm["email_verified"], fm
    c, uid = register_claimant(server, code=code)
    rid = pending_id(c)
    r = founder.api("POST", "/api/v1/org-requests/%s/approve" % rid, {})
    assert r.status == 403 and "请先验证你的电子邮箱" in r.json["detail"], r
    r = founder.api("PUT", "/api/v1/orgs/%s/members/%s" % (fm["org_id"], fm["id"]), {"org_role": "member"})
    assert r.status == 403, r
    assert me(c)["org_id"] is None
    verify_email(server, fm["email"])
    assert founder.api("POST", "/api/v1/org-requests/%s/approve" % rid, {}).status == 200
    assert me(c)["org_id"] == fm["org_id"]
