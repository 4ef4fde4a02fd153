"""Account administration (issue 14 item 5): administrators find users by
name, e-mail, organization, role, region and status; disable an account
(every session and token stops at once, sign-in is refused with a clear
message) and re-enable it; change roles with a reason; mail a
password-reset link. Every action lands in the append-only audit log
(page and API), also when taken by `kejiyun user ...` (actor "cli")."""
import re
import urllib.parse

import harness
from harness import Client, DbError, DEMO, db_exec, register, unique_email
import test_deal_mail
from test_deal_mail import Smtp

SERVER_ARGS = list(test_deal_mail.SERVER_ARGS)
PASSWORD = "Kj-Test-2026!"


def admin(server):
    c = Client(server)
    c.login_as("admin")
    return c


def find(c, **q):
    r = c.api("GET", "/api/v1/admin/users?" + urllib.parse.urlencode(q))
    assert r.status == 200, r
    return r.json


def audit(c, **q):
    r = c.api("GET", "/api/v1/admin/audit-log?" + urllib.parse.urlencode(q))
    assert r.status == 200, r
    return r.json["items"]


def cli(server, *args):
    return harness.cli(server, "user", *args, "--data", server.dir)


def test_find_users_by_name_email_org_role_region_status(server):
    a = admin(server)
    email = unique_email("findme")
    _, me = register(server, email, name="查找测试甲", region="510107")
    # By part of the name, of the address (any case), by role and region subtree.
    assert [u["id"] for u in find(a, q="查找测试甲")["items"]] == [me["id"]]
    assert me["id"] in [u["id"] for u in find(a, q=email.split("@")[0].upper(), per_page=100)["items"]]
    assert me["id"] in [u["id"] for u in find(a, role="scientist", region="510000", per_page=100)["items"]]
    assert me["id"] not in [u["id"] for u in find(a, role="scientist", region="630000", per_page=100)["items"]]
    assert me["id"] not in [u["id"] for u in find(a, role="org_member", per_page=100)["items"]]
    # By organization (part of its name): its members only.
    org = find(a, org="天翼", per_page=100)["items"]
    assert org and all(u["org_name"] == "成都天翼低空科技有限公司" for u in org), org
    assert DEMO["org_member"][0] in [u["email"] for u in org]
    # LIKE's own characters are plain text: "%" finds nobody.
    assert find(a, q="%")["total"] == 0
    # Status and pages: every admin is active; per_page bounds a page.
    got = find(a, status="active", per_page=2, page=1)
    assert len(got["items"]) == 2 and got["total"] >= 2 and got["per_page"] == 2
    assert find(a, status="deleted")["total"] == 0
    # Bad filters are refused clearly.
    r = a.api("GET", "/api/v1/admin/users?role=king")
    assert r.status == 422 and r.json["errors"][0]["field"] == "role", r
    r = a.api("GET", "/api/v1/admin/users?region=999999")
    assert r.status == 422 and r.json["errors"][0]["field"] == "region", r
    # The page: the same search, a form that keeps it, and the pager keeps it too.
    page = a.get("/admin/users?" + urllib.parse.urlencode({"q": email}))
    assert page.status == 200 and email in page.text and 'id="user-search"' in page.text, page
    assert page.text.count('data-user="') == 1
    assert a.get("/admin/users?status=nonsense").status == 400


def test_disable_ends_live_sessions_refuses_login_and_reenable(server):
    a = admin(server)
    email = unique_email("disable")
    web, me = register(server, email, name="将被停用")
    api = Client(server)
    r = api.api("POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert r.status == 200
    api.cookies.clear()
    api.token = r.json["token"]
    assert web.get("/dashboard").status == 200 and api.api("GET", "/api/v1/me").status == 200
    # A reason is required (page and API); nothing changes without one.
    r = a.api("POST", "/api/v1/admin/users/%s/disable" % me["id"], {})
    assert r.status == 422 and r.json["errors"][0]["field"] == "reason", r
    r = a.post_form("/admin/users/%s/disable" % me["id"], {"reason": ""})
    assert r.status == 422 and "请填写原因" in r.text, r
    assert web.get("/dashboard").status == 200
    r = a.api("POST", "/api/v1/admin/users/%s/disable" % me["id"], {"reason": "发布垃圾信息"})
    assert r.status == 200 and r.json["disabled"] is True, r
    # The other clients' very next requests are signed out.
    r = web.get("/dashboard")
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    assert api.api("GET", "/api/v1/me").status == 401
    # Signing in is refused with a clear message (only to who knows the password).
    r = Client(server).post_form("/login", {"email": email, "password": PASSWORD})
    assert r.status == 403 and 'id="login-disabled"' in r.text and "停用" in r.text, r
    r = Client(server).api("POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert r.status == 403 and "停用" in r.json["detail"], r
    r = Client(server).post_form("/login", {"email": email, "password": "Wrong-Password-1"})
    assert r.status == 401 and 'id="login-disabled"' not in r.text
    # Twice is a conflict; one's own account is refused.
    assert a.api("POST", "/api/v1/admin/users/%s/disable" % me["id"], {"reason": "again"}).status == 409
    admin_id = a.api("GET", "/api/v1/me").json["id"]
    assert a.api("POST", "/api/v1/admin/users/%s/disable" % admin_id, {"reason": "me"}).status == 409
    assert find(a, status="disabled", q=email)["total"] == 1
    # Re-enabled (from the page): signs in again.
    r = a.post_form("/admin/users/%s/enable" % me["id"], {"reason": "申诉成立"})
    assert r.status == 303 and r.header("Location") == "/admin/users?done=enabled", r
    Client(server).login(email, PASSWORD)
    entries = audit(a, target=me["id"])
    assert [e["action"] for e in entries] == ["user.enable", "user.disable"], entries
    assert entries[1]["reason"] == "发布垃圾信息" and entries[1]["actor_id"] == admin_id
    assert entries[0]["reason"] == "申诉成立"


def test_role_change_needs_a_reason_and_is_audited(server):
    a = admin(server)
    _, me = register(server, name="角色变更")
    r = a.post_form("/admin/users/%s/role" % me["id"], {"role": "operator"})
    assert r.status == 422 and "请填写原因" in r.text, r
    r = a.api("POST", "/api/v1/admin/users/%s/role" % me["id"], {"role": "operator"})
    assert r.status == 422 and r.json["errors"][0]["field"] == "reason", r
    assert find(a, q=me["email"])["items"][0]["role"] == "scientist"
    r = a.post_form("/admin/users/%s/role" % me["id"], {"role": "operator", "reason": "新任成都服务中心工作人员"})
    assert r.status == 303, r
    # The expert flag alone needs no reason (still audited).
    r = a.api("POST", "/api/v1/admin/users/%s/role" % me["id"], {"role": "operator", "is_expert": True})
    assert r.status == 200 and r.json["is_expert"] is True and r.json["role"] == "operator", r
    entries = audit(a, target=me["id"], action="user.")
    assert [e["action"] for e in entries] == ["user.set_expert", "user.set_role"], entries
    role = entries[1]
    assert role["reason"] == "新任成都服务中心工作人员"
    assert role["detail"] == {"old_role": "scientist", "new_role": "operator", "old_expert": False, "new_expert": False}
    # The page shows it, filterable; no form on it changes anything.
    page = a.get("/admin/audit?target=%s" % me["id"])
    assert page.status == 200 and "新任成都服务中心工作人员" in page.text and page.text.count('data-action="') == 2, page
    assert "<form method=\"post\"" not in page.text
    assert len(audit(a, action="user.set_role", target=me["id"])) == 1
    # An administrator cannot change their own role.
    admin_id = a.api("GET", "/api/v1/me").json["id"]
    r = a.api("POST", "/api/v1/admin/users/%s/role" % admin_id, {"role": "scientist", "reason": "x"})
    assert r.status == 409, r


def test_audit_log_rows_cannot_be_changed(server):
    a = admin(server)
    _, me = register(server, name="审计不可改")
    assert a.api("POST", "/api/v1/admin/users/%s/disable" % me["id"], {"reason": "原始原因"}).status == 200
    for sql in ("UPDATE audit_log SET reason = 'forged' WHERE target_id = ?", "DELETE FROM audit_log WHERE target_id = ?"):
        try:
            db_exec(server, (sql, me["id"]))
            raise AssertionError("audit_log accepted: " + sql)
        except DbError as e:
            assert "append-only" in str(e), e
    assert audit(a, target=me["id"])[0]["reason"] == "原始原因"


def test_admin_sends_a_reset_link(server):
    a = admin(server)
    email = unique_email("adminreset")
    _, me = register(server, email)
    smtp = Smtp()
    try:
        r = a.api("POST", "/api/v1/admin/users/%s/password-reset" % me["id"])
        assert r.status == 202, r
        got = smtp.wait_for(lambda m: email in m["to"] and "重置" in m["subject"])
        m = re.search(r"http://kejiyun\.test(/password/reset\?token=[A-Za-z0-9_-]+)", got[0]["body"])
        assert m, got[0]["body"]
    finally:
        smtp.stop()
    page = Client(server).get(m.group(1))
    assert page.status == 200 and 'id="reset-form"' in page.text
    # From the page too (a second link voids the first).
    r = a.post_form("/admin/users/%s/password-reset" % me["id"], {})
    assert r.status == 303 and r.header("Location") == "/admin/users?done=reset", r
    assert 'id="reset-form"' not in Client(server).get(m.group(1)).text
    assert [e["action"] for e in audit(a, target=me["id"])] == ["user.reset_password", "user.reset_password"]
    # A disabled account gets none.
    assert a.api("POST", "/api/v1/admin/users/%s/disable" % me["id"], {"reason": "x"}).status == 200
    assert a.api("POST", "/api/v1/admin/users/%s/password-reset" % me["id"]).status == 409
    assert a.api("POST", "/api/v1/admin/users/01ARZ3NDEKTSV4RRFFQ69G5FAV/password-reset").status == 404


def test_cli_user_list_disable_enable_set_role_reset(server):
    a = admin(server)
    email = unique_email("cli")
    _, me = register(server, email, name="命令行用户")
    r = cli(server, "list", "--q", email)
    assert r.returncode == 0 and email in r.stdout and "\tactive\t" in r.stdout, r
    r = cli(server, "disable", email)
    assert r.returncode == 1 and "err.admin.reason_required" in r.stderr, r
    r = cli(server, "disable", email, "--reason", "命令行停用")
    assert r.returncode == 0, r
    assert Client(server).api("POST", "/api/v1/login", {"email": email, "password": PASSWORD}).status == 403
    assert "\tdisabled\t" in cli(server, "list", "--status", "disabled", "--q", email).stdout
    assert cli(server, "enable", me["id"]).returncode == 0
    r = cli(server, "set-role", email, "resident", "--reason", "本人申请")
    assert r.returncode == 0, r
    assert email in cli(server, "list", "--role", "resident").stdout
    assert cli(server, "reset-password", email).returncode == 0
    assert cli(server, "disable", "nobody@example.cn", "--reason", "x").returncode == 1
    assert cli(server, "set-role", email).returncode == 2
    assert cli(server, "frobnicate").returncode == 2
    entries = audit(a, target=me["id"])
    assert [e["action"] for e in entries] == ["user.reset_password", "user.set_role", "user.enable", "user.disable"], entries
    assert all(e["actor"] == "cli" and e["actor_id"] is None for e in entries)
    assert entries[3]["reason"] == "命令行停用"
    assert "命令行" in a.get("/admin/audit?actor=cli").text
