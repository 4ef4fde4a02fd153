"""E-mail for the operating layer (issue 14 §3, §4), against a real local
SMTP server (the suite's sink from test_deal_mail): every work-order step
that tells someone in-app also queues an e-mail (category "workorder",
each user's choice honoured), and an organization's application for
verification tells the staff of the lowest service center covering its
region — in-app and by e-mail — while the decision reaches the applicant
by e-mail too. Runs on its own server (the SMTP settings)."""
from harness import Client, DEMO, db_rows
from test_deal_mail import SERVER_ARGS, Smtp   # noqa: F401 (SERVER_ARGS: this module's server talks to the sink)
from test_market_lifecycle import has_notification
from test_org_verify import act as verify_act, apply, new_org
from test_workorders import create, login, ok


def mail_rows(server, category, to):
    return [r["subject"] for r in db_rows(server, "SELECT subject FROM mail_queue WHERE category = ? AND to_addr = ?",
                                          category, to)]


def test_work_order_steps_are_mailed_to_both_sides(server):
    smtp = Smtp()
    try:
        requester = login(server, "org_member")              # 刘洋, 成都
        w = create(requester, title="工单邮件：储能柜热管理咨询")
        title = w["title"]
        # The center's staff are told of the new order by e-mail too.
        got = smtp.wait_for(lambda m: DEMO["operator"][0] in m["to"] and title in m["subject"])
        assert got[0]["subject"].startswith("服务工单有新进展："), got[0]
        assert ("/work-orders/" + w["id"]) in got[0]["body"], got[0]["body"]
        # Accepted: the requester reads it in-app and in their mailbox.
        ok(login(server, "operator"), w["id"], "accept")
        assert has_notification(requester, "workorder_accepted", title)
        smtp.wait_for(lambda m: DEMO["org_member"][0] in m["to"] and title in m["subject"])
        # A requester who turned work-order mail off gets none (in-app stays).
        r = requester.api("PUT", "/api/v1/mail-prefs", {"workorder": "off"})
        assert r.status == 200, r
        before = len(mail_rows(server, "workorder", DEMO["org_member"][0]))
        ok(login(server, "operator"), w["id"], "start")
        ok(login(server, "operator"), w["id"], "resolve")
        assert has_notification(requester, "workorder_resolved", title)
        assert len(mail_rows(server, "workorder", DEMO["org_member"][0])) == before
    finally:
        requester.api("PUT", "/api/v1/mail-prefs", {"workorder": "each"})
        smtp.stop()


def test_verification_application_tells_the_covering_center(server):
    # Registered before the sink listens: the verification link stays in the
    # queue (sent, the queue keeps no copy of it) for register() to read.
    admin, oid, _ = new_org(server, region="510603")      # 旌阳区
    smtp = Smtp()
    try:
        name = Client(server).api("GET", "/api/v1/orgs/%s" % oid).json["name"]
        r = apply(admin, oid)
        assert r.status == 201, r
        county, city = login(server, "county_staff"), login(server, "center_staff")
        # 旌阳区's staff decide (their jurisdiction covers the org): told in-app and by e-mail.
        assert has_notification(county, "orgverify_pending", name)
        got = smtp.wait_for(lambda m: DEMO["county_staff"][0] in m["to"] and name in m["subject"])
        assert got[0]["subject"].startswith("组织实名认证："), got[0]
        assert ("/orgs/%s/verification" % oid) in got[0]["body"]
        # Not the wider centers (德阳), nor a center elsewhere (成都).
        assert not has_notification(city, "orgverify_pending", name)
        assert not has_notification(login(server, "operator"), "orgverify_pending", name)
        # The decision reaches the applicant by e-mail as well.
        r = verify_act(county, oid, "verify")
        assert r.status == 200, r
        applicant = admin.api("GET", "/api/v1/me").json["email"]
        smtp.wait_for(lambda m: applicant in m["to"] and name in m["subject"])
    finally:
        smtp.stop()
