"""Accounts over HTTP: register, login, dashboard, logout, profile,
password, language, CSRF, credit codes — through pages and the API."""
import os
import time

from harness import Client, DEMO, VALID_CREDIT_CODE, credit_code, register, unique_email, verify_email


def test_register_login_dashboard_logout(server):
    c = Client(server)
    email = unique_email("sci")
    r = c.post_form("/register", {"role": "scientist", "name": "王小明", "email": email,
                                  "password": "correct horse 1", "region": "510107"})
    # No session yet: the same answer as for an address already registered.
    assert r.status == 303 and r.header("Location") == "/login?registered=1", r
    assert "kj_session" not in c.cookies
    assert 'id="login-registered"' in c.get("/login?registered=1").text
    r = c.post_form("/login", {"email": email, "password": "correct horse 1"})
    assert r.status == 303 and r.header("Location") == "/dashboard", r
    session_cookie = [v for v in r.headers_all("Set-Cookie") if v.startswith("kj_session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    r = c.get("/dashboard")
    assert r.status == 200 and "王小明" in r.text and "科技工作者" in r.text, r
    assert "成都市武侯区" in r.text
    r = c.post_form("/logout", {})
    assert r.status == 303
    assert "kj_session" not in c.cookies
    r = c.get("/dashboard")
    assert r.status == 303 and r.header("Location") == "/login?next=%2Fdashboard", r
    r = c.post_form("/login", {"email": email.upper(), "password": "correct horse 1", "next": "/account/profile"})
    assert r.status == 303 and r.header("Location") == "/account/profile", r
    assert c.get("/dashboard").status == 200


def test_login_next_is_local_only(server):
    c = Client(server)
    r = c.post_form("/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1],
                               "next": "//evil.example/x"})
    assert r.status == 303 and r.header("Location") == "/dashboard", r


def test_wrong_password_does_not_reveal_account(server):
    c = Client(server)
    r1 = c.post_form("/login", {"email": DEMO["org_member2"][0], "password": "wrong-password"})
    r2 = c.post_form("/login", {"email": "nobody.here@example.cn", "password": "wrong-password"})
    assert r1.status == 401 and r2.status == 401
    assert "邮箱或密码不正确" in r1.text and "邮箱或密码不正确" in r2.text
    a1 = Client(server).api("POST", "/api/v1/login", {"email": DEMO["org_member2"][0], "password": "nope-nope"})
    a2 = Client(server).api("POST", "/api/v1/login", {"email": "nobody@example.cn", "password": "nope-nope"})
    assert a1.status == a2.status == 401
    assert a1.json["detail"] == a2.json["detail"]
    assert a1.header("Content-Type").startswith("application/problem+json")


def test_register_keeps_typed_values_and_marks_fields(server):
    c = Client(server)
    r = c.post_form("/register", {"role": "org_member", "name": "李四", "email": "not-an-email",
                                  "password": "short", "org_name": "成都某某科技有限公司",
                                  "org_type": "enterprise", "org_credit_code": "915101"})
    assert r.status == 422, r
    assert 'value="李四"' in r.text and 'value="not-an-email"' in r.text
    assert 'value="成都某某科技有限公司"' in r.text
    assert "请填写有效的电子邮箱地址" in r.text
    assert 'value="short"' not in r.text, "a refused password is not echoed"
    # An error elsewhere keeps the (acceptable) password typed (issue 15 item 5).
    r = c.post_form("/register", {"role": "scientist", "name": "李四", "email": "not-an-email",
                                  "password": "Qing-He-2026!xyz"})
    assert r.status == 422 and 'value="Qing-He-2026!xyz"' in r.text, r


def test_invalid_credit_code_html_and_api(server):
    c = Client(server)
    base = {"role": "org_member", "name": "赵六", "email": unique_email("org"),
            "password": "long enough pw", "org_name": "测试企业", "org_type": "enterprise",
            "org_region": "510100"}
    bad = dict(base, org_credit_code=VALID_CREDIT_CODE[:-1] + ("A" if VALID_CREDIT_CODE[-1] != "A" else "B"))
    r = c.post_form("/register", bad)
    assert r.status == 422 and "校验位不正确" in r.text and 'id="credit-code-error"' in r.text, r
    r = Client(server).api("POST", "/api/v1/register", bad)
    assert r.status == 422, r
    errs = {e["field"]: e["code"] for e in r.json["errors"]}
    assert errs == {"org_credit_code": "err.credit_code.check_digit"}, errs
    r = Client(server).api("POST", "/api/v1/register", dict(bad, org_credit_code="9151010"))
    assert r.json["errors"][0]["code"] == "err.credit_code.length"
    fresh = credit_code(int(time.time() * 1000) % 10000000)
    fields = {k: v for k, v in base.items() if k not in ("email", "password", "name", "role")}
    _, me = register(server, base["email"], base["password"], base["name"], "org_member",
                     **dict(fields, org_credit_code=" " + fresh.lower() + " "))   # normalized: case and spaces
    assert me["org_name"] == "测试企业" and me["role"] == "org_member"
    org = Client(server).api("GET", "/api/v1/orgs/" + me["org_id"]).json
    assert org["credit_code"] == fresh
    assert me["org_role"] == "admin", "the founder of a new organization is its admin"
    # A second registrant naming the same organization only asks to join it
    # (issue 12: membership is granted, never claimed).
    _, me2 = register(server, unique_email("org2"), base["password"], base["name"], "org_member",
                      **dict(fields, org_credit_code=fresh))
    assert me2["org_id"] is None, me2
    assert me2["org_request"]["org_id"] == me["org_id"] and me2["org_request"]["status"] == "pending"


def test_api_register_login_me_logout(server):
    c = Client(server)
    email = unique_email("api")
    r = c.api("POST", "/api/v1/register", {"email": email, "password": "api password 9",
                                           "name": "Ada", "role": "scientist"})
    assert r.status == 202 and r.json["status"] == "verification_sent" and "id" not in r.json, r
    assert not r.headers_all("Set-Cookie") and c.api("GET", "/api/v1/me").status == 401
    r = c.api("POST", "/api/v1/login", {"email": email, "password": "api password 9"})
    assert r.status == 200 and r.json["user"]["name"] == "Ada" and r.json["token"], r
    token = r.json["token"]
    me = c.api("GET", "/api/v1/me")
    assert me.status == 200 and me.json["email"] == email and me.json["email_verified"] is False
    assert "password_hash" not in me.text
    bearer = Client(server)
    bearer.token = token
    assert bearer.api("GET", "/api/v1/me").json["email"] == email
    assert c.api("POST", "/api/v1/logout").status == 204
    assert c.api("GET", "/api/v1/me").status == 401
    assert bearer.api("GET", "/api/v1/me").status == 401, "logout ends the session for its token"


def test_api_staff_roles_not_self_granted(server):
    r = Client(server).api("POST", "/api/v1/register", {"email": unique_email("x"), "password": "Kj-Test-2026!",
                                                      "name": "X", "role": "admin"})
    assert r.status == 422 and r.json["errors"][0]["field"] == "role", r


def test_duplicate_email_cannot_be_registered_again(server):
    email = unique_email("dup")
    body = {"email": email, "password": "Dup-Test-2026!", "name": "D", "role": "scientist"}
    assert Client(server).api("POST", "/api/v1/register", body).status == 202
    r = Client(server).api("POST", "/api/v1/register", dict(body, email=email.upper(), password="Other-Pass-2026!"))
    assert r.status == 202, r
    assert Client(server).api("POST", "/api/v1/login", {"email": email, "password": "Other-Pass-2026!"}).status == 401
    assert Client(server).api("POST", "/api/v1/login", {"email": email, "password": "Dup-Test-2026!"}).status == 200


def test_profile_and_password_change(server):
    c = Client(server)
    email = unique_email("pw")
    assert c.api("POST", "/api/v1/register", {"email": email, "password": "first secret 11",
                                              "name": "P", "role": "scientist"}).status == 202
    c.login(email, "first secret 11")
    other = Client(server)
    other.login(email, "first secret 11")
    r = c.post_form("/account/profile", {"name": "P2", "title": "研究员", "phone": "028-1234",
                                         "bio": "多行\n简介", "region": "630104"})
    assert r.status == 303
    r = c.get("/account/profile?saved=1")
    assert 'value="P2"' in r.text and 'value="研究员"' in r.text and "已保存" in r.text
    r = c.post_form("/account/password", {"old_password": "wrong", "new_password": "second secret 22"})
    assert r.status == 422 and "当前密码不正确" in r.text
    r = c.post_form("/account/password", {"old_password": "first secret 11", "new_password": "second secret 22"})
    assert r.status == 303
    assert c.get("/dashboard").status == 200, "the session that changed the password stays"
    assert other.get("/dashboard").status == 303, "other sessions end"
    assert Client(server).api("POST", "/api/v1/login", {"email": email, "password": "second secret 22"}).status == 200
    r = c.api("PATCH", "/api/v1/me", {"title": "教授", "region": "999999"})
    assert r.status == 422 and r.json["errors"][0]["field"] == "region"
    r = c.api("PATCH", "/api/v1/me", {"title": "教授"})
    assert r.status == 200 and r.json["title"] == "教授" and r.json["name"] == "P2"


def test_csrf_rejected(server):
    c = Client(server)
    c.login_as("scientist")
    r = c.post_form("/account/profile", {"name": "Hacker"}, with_csrf=False)
    assert r.status == 403 and "表单已过期" in r.text, r
    r = c.post_form("/account/profile", {"name": "Hacker", "_csrf": "forged-token-value-xxxxxxxx"}, with_csrf=False)
    assert r.status == 403
    # A cookie-authenticated API write that is not JSON (what a cross-site form could send) is refused.
    r = c.request("PATCH", "/api/v1/me", body="name=Hacker",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415, r
    assert "Hacker" not in c.api("GET", "/api/v1/me").text


def test_language_switch_and_accept_language(server):
    c = Client(server)
    r = c.get("/")
    assert '<html lang="zh-CN" dir="ltr">' in r.text and "首页" in r.text
    r = c.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en" dir="ltr">' in r.text and "Home" in r.text
    r = c.get("/lang/en?next=/login")
    assert r.status == 303 and r.header("Location") == "/login"
    assert c.cookies.get("kj_lang") == "en"
    r = c.get("/login")
    assert '<html lang="en" dir="ltr">' in r.text and "Log in" in r.text, "the switch is remembered"
    r = c.api("POST", "/api/v1/login", {"email": "x@y.cn"})
    assert r.json["errors"][0]["message"] == "This field is required.", r
    c.get("/lang/zh-CN")
    assert "登录" in c.get("/login").text
    assert c.get("/lang/xx").status == 404


def test_admin_grants_roles(server):
    admin = Client(server)
    admin.login_as("admin")
    email = unique_email("future.op")
    _, me = register(server, email, name="Op")
    uid = me["id"]
    r = admin.api("POST", "/api/v1/admin/users/%s/role" % uid, {"role": "operator", "is_expert": True, "reason": "test"})
    assert r.status == 200 and r.json["role"] == "operator" and r.json["is_expert"] is True, r
    r = admin.get("/admin/users")
    assert r.status == 200 and email in r.text
    r = admin.post_form("/admin/users/%s/role" % uid, {"role": "scientist", "reason": "test"})
    assert r.status == 303
    r = admin.api("GET", "/api/v1/admin/users?per_page=100")
    assert any(u["id"] == uid and u["role"] == "scientist" and u["is_expert"] is False for u in r.json["items"])
    assert admin.api("POST", "/api/v1/admin/users/01ARZ3NDEKTSV4RRFFQ69G5FAV/role", {"role": "admin"}).status == 404


def test_org_page(server):
    c = Client(server)
    c.login_as("org_member")
    me = c.api("GET", "/api/v1/me").json
    r = Client(server).get("/orgs/" + me["org_id"])
    assert r.status == 200 and "成都天翼低空科技有限公司" in r.text
    r = Client(server).api("GET", "/api/v1/orgs/" + me["org_id"])
    assert r.json["name"] == "成都天翼低空科技有限公司"
    assert Client(server).get("/orgs/nonsense").status == 404
