"""Authorization matrix: every protected page and endpoint × every role.

Expected outcome per role: "ok" (2xx/3xx to a non-login page), "login"
(anonymous: redirect to /login or 401), "forbidden" (403), "missing" (404:
not yours, not disclosed), "conflict" (409: allowed, but not in this state).

Roles beyond the account roles (resident: a 城乡群众 of 德阳市旌阳区, issue 14 §6): "org_plain" is a plain member (not
admin) of org_member's organization, "another_org" the admin of another
organization (org_member2), "another_center" the operator of another
service center (Xining; org_member's organization is in Chengdu).
"operator" is the head of the 成都 center, the right center for objects in
Chengdu ({cid}); "center_staff" is staff (not head) of the 德阳 center
({dcid}), so staff of another center for Chengdu and of the right center
for 德阳."""
import base64

from harness import Client, DEMO, ORG_CODE, multipart_body, register

ROLES = ["anonymous", "resident", "scientist", "org_member", "org_plain", "another_org", "operator", "another_center",
         "center_staff", "admin"]
LOGIN_AS = {"another_org": "org_member2", "another_center": "operator2"}


def expect(dflt, **roles):
    out = {r: dflt for r in ROLES}
    out["anonymous"] = "login"
    out.update(roles)
    return out


SIGNED_IN = expect("ok")
ADMIN_ONLY = expect("forbidden", admin="ok")
PUBLIC = dict(expect("ok"), anonymous="ok")
ORG_ADMIN_ONLY = expect("forbidden", org_member="ok")
# Requests to join org_member's organization: its admins, the operator of its
# region, administrators.
ORG_DECIDERS = expect("forbidden", org_member="ok", operator="ok", admin="ok")
# Staff: operators (whatever their center) and administrators.
STAFF = expect("forbidden", operator="ok", another_center="ok", center_staff="ok", admin="ok")
# An organization's verification: its admins and the staff of its region.
ORG_VERIFY_SEERS = expect("forbidden", org_member="ok", operator="ok", admin="ok")
# Deciding it: the staff of its region, never a member of it.
ORG_VERIFY_DECIDERS = expect("forbidden", operator="ok", admin="ok")
# Another user's session: unknown to everyone signed in (never ended).
OTHERS_SESSION = expect("missing")
# Checked for anonymous visitors only: signed in, it would end the demo
# users' other sessions, which modules sharing this lane's server keep
# (test_account_security checks it for a user of its own).
ANONYMOUS_ONLY = {"anonymous": "login"}
# Service centers (issue 14 §2): the 成都 center's head and administrators
# manage it; 德阳's staff may look at their own center but not appoint.
CENTER_MANAGERS = expect("forbidden", operator="ok", admin="ok")
DEYANG_STAFF_VIEW = expect("forbidden", center_staff="ok", admin="ok")
# Appointing someone who works at another center: allowed to ask, refused
# for the state (409); everyone else 403.
CENTER_APPOINTERS = expect("forbidden", operator="conflict", admin="conflict")
# A center's region is taken: administrators may create centers (409 here).
CENTER_CREATORS = expect("forbidden", admin="conflict")
# Work orders: seen by the requester (org_member), staff of the order's
# center and administrators; staff of another center are told it is not
# theirs (403), its files are not disclosed to them (404).
WO_SEEN = expect("missing", org_member="ok", operator="ok", admin="ok", another_center="forbidden", center_staff="forbidden")
WO_SEEN_DY = expect("missing", org_member="ok", center_staff="ok", admin="ok", another_center="forbidden", operator="forbidden")
WO_FILE = dict(WO_SEEN, another_center="missing", center_staff="missing")
WO_NEW = {"type": "other", "title": "矩阵工单", "description": "授权矩阵测试"}


def upload_of(seen):
    """An upload without a file: refused for the missing file (422) where
    the order may be acted on, as seen otherwise."""
    return {r: ("status 422" if v == "ok" else v) for r, v in seen.items()}


# A password reset link that was never sent: unknown to everyone.
NO_SUCH_LINK = {r: "missing" for r in ROLES}

# (method, path, kind, expectation[, body]); kind is "page" or "api".
# {uid}: a scientist (victim); {oid}: org_member's organization; {plain}: its
# plain member; {rid}: a pending request to join it, made fresh for each
# role that may decide it; {member}: a member approved fresh for each role
# that may remove one; {other_rid}: someone else's pending request.
MATRIX = [
    ("GET", "/", "page", PUBLIC),
    ("GET", "/help/roles", "page", PUBLIC),
    ("GET", "/region?code=510107&next=/", "page", PUBLIC),
    ("GET", "/experts", "page", PUBLIC),
    ("GET", "/api/v1/experts", "api", PUBLIC),
    ("GET", "/dashboard", "page", SIGNED_IN),
    ("GET", "/account/profile", "page", SIGNED_IN),
    ("GET", "/account/password", "page", SIGNED_IN),
    ("GET", "/account/sessions", "page", SIGNED_IN),
    ("POST", "/account/sessions/{sid}/end", "page", OTHERS_SESSION),
    ("POST", "/account/sessions/end-others", "page", ANONYMOUS_ONLY),
    ("POST", "/account/verify-email", "page", SIGNED_IN),
    ("GET", "/admin/users", "page", ADMIN_ONLY),
    ("POST", "/admin/users/{uid}/role", "page", ADMIN_ONLY, {"role": "scientist", "reason": "matrix"}),
    ("GET", "/api/v1/me", "api", SIGNED_IN),
    ("PATCH", "/api/v1/me", "api", SIGNED_IN, {"bio": "x"}),
    ("GET", "/api/v1/me/sessions", "api", SIGNED_IN),
    ("DELETE", "/api/v1/me/sessions/{sid}", "api", OTHERS_SESSION),
    ("POST", "/api/v1/me/sessions/end-others", "api", ANONYMOUS_ONLY),
    ("POST", "/api/v1/me/email-verification", "api", SIGNED_IN),
    ("GET", "/api/v1/admin/users", "api", ADMIN_ONLY),
    ("POST", "/api/v1/admin/users/{uid}/role", "api", ADMIN_ONLY, {"role": "scientist", "reason": "matrix"}),
    # Account administration (issue 14 §5): administrators only. {uid} stays
    # enabled: re-enabling an enabled account is a conflict, disabling
    # needs a reason the matrix does not give (422 for the admin).
    ("GET", "/admin/users?role=scientist&status=active", "page", ADMIN_ONLY),
    ("GET", "/admin/audit", "page", ADMIN_ONLY),
    ("GET", "/api/v1/admin/audit-log", "api", ADMIN_ONLY),
    ("POST", "/admin/users/{uid}/disable", "page", expect("forbidden", admin="status 422"), {}),
    ("POST", "/api/v1/admin/users/{uid}/disable", "api", expect("forbidden", admin="status 422"), {}),
    ("POST", "/admin/users/{uid}/enable", "page", expect("forbidden", admin="conflict"), {}),
    ("POST", "/api/v1/admin/users/{uid}/enable", "api", expect("forbidden", admin="conflict"), {}),
    ("POST", "/admin/users/{uid}/password-reset", "page", ADMIN_ONLY, {}),
    ("POST", "/api/v1/admin/users/{uid}/password-reset", "api", ADMIN_ONLY),
    # Federation (issue 17 §2): peers and remote items are the
    # administrators'; the instance document is public; the feed answers
    # signed requests of peers only (no session of any role is a peer).
    ("GET", "/admin/federation", "page", ADMIN_ONLY),
    ("POST", "/admin/federation/peers", "page", expect("forbidden", admin="status 422"), {"url": "ftp://x", "public_key": "x"}),
    ("POST", "/admin/federation/peers/{uid}/suspend", "page", expect("forbidden", admin="missing"), {}),
    ("POST", "/admin/federation/items/{uid}/hide", "page", expect("forbidden", admin="missing"), {}),
    ("GET", "/api/v1/federation/instance", "api", PUBLIC),
    ("GET", "/api/v1/federation/feed", "api", {r: "forbidden" for r in ROLES}),
    ("GET", "/api/v1/federation/peers", "api", ADMIN_ONLY),
    ("POST", "/api/v1/federation/peers", "api", expect("forbidden", admin="status 422"), {"url": "ftp://x", "public_key": "x"}),
    ("POST", "/api/v1/federation/peers/{uid}/resume", "api", expect("forbidden", admin="missing"), {}),
    ("POST", "/api/v1/federation/items/{uid}/show", "api", expect("forbidden", admin="missing"), {}),
    ("POST", "/admin/federation/peers/{uid}/kinds", "page", expect("forbidden", admin="missing"), {"kind_listing": "1"}),
    # What this instance shares (fed17): administrators; the admin's request is refused for its input (nothing changes).
    ("POST", "/admin/federation/shares", "page", expect("forbidden", admin="status 422"), {"kind_listing": "yes-too-long"}),
    ("POST", "/api/v1/federation/shares", "api", expect("forbidden", admin="status 422"), {"kinds": ["bogus"]}),
    ("GET", "/federation/challenges", "page", PUBLIC),
    ("GET", "/api/v1/federation/challenges", "api", PUBLIC),
    ("POST", "/popsci/{uid}/ask-origin", "page", expect("missing"), {"title": "高原水稻育秧", "body": "早春育秧常遇低温怎么办"}),
    ("POST", "/api/v1/popsci/{uid}/ask-origin", "api", expect("missing"), {"title": "高原水稻育秧", "body": "早春育秧常遇低温怎么办"}),
    # Residents (issue 14 §6): they publish nothing; everyone else may.
    ("GET", "/listings/new", "page", expect("ok", resident="forbidden")),
    ("POST", "/api/v1/listings", "api", expect("status 422", resident="forbidden"), {}),
    ("PUT", "/api/v1/popsci/teams/01ARZ3NDEKTSV4RRFFQ69G5FAV/follow", "api", expect("missing")),
    ("DELETE", "/api/v1/popsci/teams/01ARZ3NDEKTSV4RRFFQ69G5FAV/follow", "api", expect("missing")),
    ("POST", "/popsci/teams/01ARZ3NDEKTSV4RRFFQ69G5FAV/follow", "page", expect("missing"), {"follow": "1"}),
    # Personal information (issue 14 §7): the documents are public; the
    # rest is the signed-in user's own. Deleting needs the password (a
    # wrong one is refused for everyone, staff included).
    ("GET", "/terms", "page", PUBLIC),
    ("GET", "/privacy", "page", PUBLIC),
    ("GET", "/account/consent", "page", SIGNED_IN),
    ("POST", "/account/consent", "page", SIGNED_IN, {"accept": "1", "next": "/dashboard"}),
    ("GET", "/account/privacy", "page", SIGNED_IN),
    ("GET", "/account/export", "page", SIGNED_IN),
    ("POST", "/account/delete", "page", expect("status 422"), {"password": "Not-The-Password-1"}),
    ("GET", "/api/v1/me/consent", "api", SIGNED_IN),
    ("POST", "/api/v1/me/consent", "api", SIGNED_IN, {"accept": True}),
    ("GET", "/api/v1/me/export", "api", SIGNED_IN),
    ("POST", "/api/v1/me/delete", "api", expect("status 422"), {"password": "Not-The-Password-1"}),
    ("GET", "/api/v1/regions", "api", PUBLIC),
    ("GET", "/api/v1/regions?parent=510603", "api", PUBLIC),
    ("GET", "/healthz", "api", PUBLIC),
    ("GET", "/readyz", "api", PUBLIC),
    # Organization membership (issue 12 item 1).
    ("GET", "/account/org-request", "page", SIGNED_IN),
    # Only org_member accounts in no organization may ask to join one.
    ("POST", "/account/org-request", "page",
     expect("forbidden", org_member="conflict", org_plain="conflict", another_org="conflict"),
     {"credit_code": ORG_CODE["org_member"]}),
    ("POST", "/account/org-request/withdraw", "page", expect("missing")),
    ("GET", "/org-requests", "page", SIGNED_IN),
    ("POST", "/org-requests/{rid}/approve", "page", ORG_DECIDERS, {}),
    ("POST", "/org-requests/{rid}/refuse", "page", ORG_DECIDERS, {}),
    # One rule for the members page and the API (kj_authz_may_manage_members).
    ("GET", "/orgs/{oid}/members", "page", ORG_ADMIN_ONLY),
    ("POST", "/orgs/{oid}/members/{plain}/role", "page", ORG_ADMIN_ONLY, {"org_role": "member"}),
    ("POST", "/orgs/{oid}/members/{member}/remove", "page", ORG_ADMIN_ONLY, {}),
    ("POST", "/api/v1/org-requests", "api",
     expect("forbidden", org_member="conflict", org_plain="conflict", another_org="conflict"),
     {"credit_code": ORG_CODE["org_member"]}),
    ("GET", "/api/v1/org-requests", "api", SIGNED_IN),
    ("POST", "/api/v1/org-requests/{rid}/approve", "api", ORG_DECIDERS, {}),
    ("POST", "/api/v1/org-requests/{rid}/refuse", "api", ORG_DECIDERS, {}),
    ("POST", "/api/v1/org-requests/{other_rid}/withdraw", "api", expect("missing"), {}),
    ("GET", "/api/v1/orgs/{oid}/members", "api", ORG_ADMIN_ONLY),
    ("GET", "/api/v1/orgs/{oid}/requests", "api", ORG_DECIDERS),
    ("PUT", "/api/v1/orgs/{oid}/members/{plain}", "api", ORG_ADMIN_ONLY, {"org_role": "member"}),
    ("DELETE", "/api/v1/orgs/{oid}/members/{member}", "api", ORG_ADMIN_ONLY),
    # Verified organizations (issue 14 §4). {vid}: an application of
    # org_member's organization; "upload" posts a licence (multipart). The
    # organization is only ever refused here (no badge appears for other
    # modules of the lane).
    ("GET", "/api/v1/org-verification/lifecycle", "api", PUBLIC),
    ("GET", "/org-verifications", "page", STAFF),
    ("GET", "/api/v1/org-verifications", "api", STAFF),
    ("GET", "/orgs/{oid}/verification", "page", ORG_VERIFY_SEERS),
    ("GET", "/api/v1/orgs/{oid}/verification", "api", ORG_VERIFY_SEERS),
    ("GET", "/org-verifications/{vid}/licence", "page", expect("missing", org_member="ok", operator="ok", admin="ok")),
    ("POST", "/orgs/{oid}/verification", "upload", ORG_ADMIN_ONLY),
    ("POST", "/api/v1/orgs/{oid}/verification", "upload", ORG_ADMIN_ONLY),
    ("POST", "/orgs/{oid}/verification/actions", "page", ORG_VERIFY_DECIDERS, {"action": "refuse", "reason": "矩阵测试"}),
    ("POST", "/api/v1/orgs/{oid}/verification/actions", "api", ORG_VERIFY_DECIDERS, {"action": "refuse", "reason": "矩阵测试"}),
    # "Show me on my organization's page": members of an organization only.
    ("POST", "/account/org-public", "page", expect("forbidden", org_member="ok", org_plain="ok", another_org="ok"),
     {"org_public": "0"}),
    ("PUT", "/api/v1/me/org-public", "api", expect("forbidden", org_member="ok", org_plain="ok", another_org="ok"),
     {"org_public": False}),
    # Jurisdiction (issue 12 item 2): administrators only.
    # A jurisdiction comes only from a service center (issue 14 §2): the
    # users page appoints (center_id "" removes; the scientist is in none).
    ("POST", "/admin/users/{uid}/center", "page", ADMIN_ONLY, {"center_id": ""}),
    ("GET", "/api/v1/admin/jurisdiction-log", "api", ADMIN_ONLY),
    # Password reset by e-mail: open to everyone; a link that is no link is
    # unknown to everyone. Administrators see and resend verification links.
    ("GET", "/password/forgot", "page", PUBLIC),
    ("POST", "/password/forgot", "page", PUBLIC, {"email": "matrix.nobody@example.cn"}),
    ("POST", "/api/v1/password/forgot", "api", PUBLIC, {"email": "matrix.nobody@example.cn"}),
    ("GET", "/password/reset?token=" + "x" * 43, "page", NO_SUCH_LINK),
    ("POST", "/password/reset", "page", NO_SUCH_LINK, {"token": "x" * 43, "password": "Matrix-Reset-2026"}),
    ("POST", "/api/v1/password/reset", "api", NO_SUCH_LINK, {"token": "x" * 43, "password": "Matrix-Reset-2026"}),
    # A verification link that was never sent: unknown to everyone.
    ("GET", "/verify-email?token=" + "x" * 43, "page", NO_SUCH_LINK),
    # /metrics answers its token only (or its own listener): no session,
    # an administrator's included, is that token.
    ("GET", "/metrics", "page", NO_SUCH_LINK),
    ("GET", "/metrics", "api", NO_SUCH_LINK),
    ("POST", "/admin/users/{uid}/verification", "page", ADMIN_ONLY, {}),
    ("POST", "/api/v1/admin/users/{uid}/email-verification", "api", ADMIN_ONLY),
    # Service centers (issue 14 §2).
    ("GET", "/centers", "page", PUBLIC),
    ("GET", "/centers/{cid}", "page", PUBLIC),
    ("GET", "/api/v1/service-centers", "api", PUBLIC),
    ("GET", "/api/v1/service-centers/{cid}", "api", PUBLIC),
    ("GET", "/centers/new", "page", ADMIN_ONLY),
    ("POST", "/centers", "page", CENTER_CREATORS, {"name_zh": "x", "level": "city", "region": "510100", "parent_id": "{pcid}"}),
    ("POST", "/api/v1/service-centers", "api", CENTER_CREATORS,
     {"name_zh": "x", "level": "city", "region": "510100", "parent_id": "{pcid}"}),
    ("GET", "/centers/{cid}/manage", "page", CENTER_MANAGERS),
    ("GET", "/centers/{dcid}/manage", "page", DEYANG_STAFF_VIEW),
    ("GET", "/api/v1/service-centers/{cid}/staff", "api", CENTER_MANAGERS),
    ("GET", "/api/v1/service-centers/{dcid}/staff", "api", DEYANG_STAFF_VIEW),
    ("POST", "/centers/{cid}/edit", "page", CENTER_MANAGERS, {"phone": "028-8600 0201"}),
    ("PATCH", "/api/v1/service-centers/{cid}", "api", CENTER_MANAGERS, {"phone": "028-8600 0201"}),
    ("PATCH", "/api/v1/service-centers/{dcid}", "api", expect("forbidden", admin="ok"), {"phone": "0838-260 0301"}),
    ("POST", "/centers/{cid}/staff", "page", CENTER_APPOINTERS, {"user": "{xhead}", "role": "staff"}),
    ("POST", "/api/v1/service-centers/{cid}/staff", "api", CENTER_APPOINTERS, {"user": "{xhead}", "role": "staff"}),
    ("POST", "/api/v1/service-centers/{dcid}/staff", "api", expect("forbidden", admin="conflict"),
     {"user": "{xhead}", "role": "staff"}),
    ("POST", "/centers/{cid}/staff/{cstaff}/remove", "page", CENTER_MANAGERS, {"reason": "matrix"}),
    ("DELETE", "/api/v1/service-centers/{cid}/staff/{cstaff}", "api", CENTER_MANAGERS),
    # Work orders (issue 14 §3): {wo} is org_member's order at the 成都 center
    # (operator heads it), {dwo} one at the 德阳 center (center_staff works
    # there), {woatt} a file of {wo}. Anyone signed in asks; the requester
    # and the center's staff see and act; staff of another center are
    # refused (403), everybody else does not learn it exists (404).
    ("GET", "/work-orders", "page", SIGNED_IN),
    ("GET", "/work-orders/new", "page", SIGNED_IN),
    ("POST", "/work-orders", "page", SIGNED_IN, WO_NEW),
    ("GET", "/work-orders/queue", "page", STAFF),
    ("GET", "/work-orders/{wo}", "page", WO_SEEN),
    ("GET", "/work-orders/{dwo}", "page", WO_SEEN_DY),
    ("POST", "/work-orders/{wo}/act", "page", WO_SEEN, {"action": "reply", "body": "矩阵回复"}),
    ("POST", "/work-orders/{dwo}/act", "page", WO_SEEN_DY, {"action": "reply", "body": "矩阵回复"}),
    ("POST", "/work-orders/{wo}/attachments", "page", upload_of(WO_SEEN), {}),
    ("GET", "/work-orders/{wo}/files/{woatt}", "page", WO_FILE),
    # A file is reached through its own order only (the 德阳 staff see {dwo}, not {wo}'s file).
    ("GET", "/work-orders/{dwo}/files/{woatt}", "page", expect("missing")),
    ("POST", "/api/v1/work-orders", "api", SIGNED_IN, WO_NEW),
    ("GET", "/api/v1/work-orders", "api", SIGNED_IN),
    ("GET", "/api/v1/work-orders/lifecycle", "api", PUBLIC),
    ("GET", "/api/v1/work-orders/{wo}", "api", WO_SEEN),
    ("GET", "/api/v1/work-orders/{dwo}", "api", WO_SEEN_DY),
    ("POST", "/api/v1/work-orders/{wo}/actions", "api", WO_SEEN, {"action": "reply", "body": "矩阵回复"}),
    ("POST", "/api/v1/work-orders/{dwo}/actions", "api", WO_SEEN_DY, {"action": "reply", "body": "矩阵回复"}),
    ("POST", "/api/v1/work-orders/{wo}/attachments", "api", upload_of(WO_SEEN), {}),
    ("POST", "/api/v1/work-orders/{dwo}/attachments", "api", upload_of(WO_SEEN_DY), {}),
    # The center's desk (issue 14 §8): staff (operators) and administrators.
    ("GET", "/desk", "page", STAFF),
    ("GET", "/api/v1/desk", "api", STAFF),
    # Statistics (issue 18): staff see their own jurisdiction (the default),
    # administrators every region; another center's region is refused; the
    # public data page is anyone's.
    ("GET", "/stats", "page", STAFF),
    ("GET", "/stats?region=510100", "page", CENTER_MANAGERS),
    ("GET", "/stats?region=510600", "page", DEYANG_STAFF_VIEW),
    ("GET", "/stats?region=510000", "page", ADMIN_ONLY),
    ("GET", "/stats.csv?table=listings", "page", STAFF),
    ("GET", "/stats.xlsx?region=510100", "page", CENTER_MANAGERS),
    ("GET", "/stats/report.pdf?region=510600", "page", DEYANG_STAFF_VIEW),
    ("GET", "/api/v1/stats", "api", STAFF),
    ("GET", "/api/v1/stats?region=510100", "api", CENTER_MANAGERS),
    ("GET", "/api/v1/stats?region=510100&from=2026-01-31&to=2026-02-01", "api", CENTER_MANAGERS),
    ("GET", "/api/v1/stats.xlsx?region=510600", "api", DEYANG_STAFF_VIEW),
    ("GET", "/data", "page", PUBLIC),
    ("GET", "/data.csv?table=listings", "page", PUBLIC),
    ("GET", "/data.xlsx", "page", PUBLIC),
    ("GET", "/api/v1/stats/public", "api", PUBLIC),
    # The instance profile (issue 17 §1): administrators edit it (the
    # bodies are refused as invalid, 422, so the shared server's profile
    # stays as it is); its description, logo and theme are public (no logo
    # is set on the demo: 404 for everyone).
    ("GET", "/admin/instance", "page", ADMIN_ONLY),
    ("POST", "/admin/instance", "page", expect("forbidden", admin="status 422"), {"color_primary": "red"}),
    ("POST", "/admin/instance/names", "page", expect("forbidden", admin="status 422"), {"lang": "xx", "name": "x"}),
    ("POST", "/admin/instance/images", "page", expect("forbidden", admin="status 422"), {"which": "logo"}),
    ("POST", "/admin/instance/policies", "page", expect("forbidden", admin="status 422"), {"document": "terms", "lang": "zh-CN", "version": "bad version", "body": "x"}),
    ("GET", "/api/v1/instance", "api", PUBLIC),
    ("GET", "/theme/zh-CN.css", "page", PUBLIC),
    ("GET", "/instance/logo", "page", {r: "missing" for r in ROLES}),
    ("GET", "/api/v1/admin/instance", "api", ADMIN_ONLY),
    ("PUT", "/api/v1/admin/instance", "api", expect("forbidden", admin="status 422"), {"color_primary": "red"}),
    ("POST", "/api/v1/admin/instance/policies", "api", expect("forbidden", admin="status 422"), {"document": "terms", "lang": "zh-CN", "version": "bad version", "body": "x"}),
]


def client_for(server, role):
    c = Client(server)
    if role != "anonymous":
        c.login_as(LOGIN_AS.get(role, role))
    return c


def claimant(server):
    """A newcomer (address verified) who named org_member's organization:
    (client, request id)."""
    c, me = register(server, name="矩阵申请人", role="org_member", org_name="x", org_type="enterprise",
                     org_credit_code=ORG_CODE["org_member"])
    return c, me["org_request"]["id"]


def licence_png():
    from test_popsci import png
    return png(b"matrix licence")


def upload(c, path):
    """A licence upload (multipart), CSRF token as form field and header."""
    token = c.csrf()
    body, ctype = multipart_body([("_csrf", token), ("legal_rep", "矩阵法人")],
                                 [("licence", ("执照.png", "image/png", licence_png()))])
    h = {"Content-Type": ctype, "X-CSRF-Token": token}
    if path.startswith("/api/"):
        h["Accept"] = "application/json"
    return c.request("POST", path, body=body, headers=h)


def verification(c, oid):
    r = c.api("GET", "/api/v1/orgs/%s/verification" % oid)
    assert r.status == 200, r
    return r.json


def verification_in(org_admin, admin, oid, want):
    """Brings oid's verification into a state where an apply (want "open")
    or a decision (want "pending") is allowed; returns the view. Never
    verifies: the demo organization gets no badge."""
    v = verification(org_admin, oid)
    if v["state"] == "pending" and want == "open":
        assert admin.api("POST", "/api/v1/orgs/%s/verification/actions" % oid,
                         {"action": "refuse", "reason": "矩阵测试"}).status == 200
    if v["state"] != "pending" and want == "pending":
        assert upload(org_admin, "/api/v1/orgs/%s/verification" % oid).status == 201
    return verification(org_admin, oid)


def center_staff_member(server, admin, cid):
    """A fresh operator appointed as staff of center cid: its user id."""
    c, me = register(server, name="矩阵工作人员")
    assert admin.api("POST", "/api/v1/admin/users/%s/role" % me["id"], {"role": "operator", "reason": "test"}).status == 200
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cid, {"user": me["id"], "role": "staff"})
    assert r.status == 201, r
    return me["id"]


def work_order(server, requester, region=None):
    """org_member's work order (at the center of region, default its own)
    with one file: (id, file id)."""
    r = requester.api("POST", "/api/v1/work-orders", dict(WO_NEW, region=region) if region else WO_NEW)
    assert r.status == 201, r
    wo = r.json["id"]
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    body, ctype = multipart_body([], [("file", ("matrix.png", "image/png", png))])
    requester.api("GET", "/api/v1/me")
    r = requester.request("POST", "/api/v1/work-orders/%s/attachments" % wo, body,
                          {"Content-Type": ctype, "X-CSRF-Token": requester.cookies["kj_csrf"], "Accept": "application/json"})
    assert r.status == 201, r
    return wo, r.json["id"]


def outcome(r):
    if r.status in (401,) or (r.status == 303 and (r.header("Location") or "").startswith("/login")):
        return "login"
    if r.status == 403:
        return "forbidden"
    if r.status == 404:
        return "missing"
    if r.status == 409:
        return "conflict"
    if 200 <= r.status < 400:
        return "ok"
    return "status %d" % r.status


def test_authorization_matrix(server):
    victim = Client(server)
    victim.login_as("scientist2")
    uid = victim.api("GET", "/api/v1/me").json["id"]
    sid = [s["id"] for s in victim.api("GET", "/api/v1/me/sessions").json["items"] if s["current"]][0]
    org_admin = client_for(server, "org_member")
    oid = org_admin.api("GET", "/api/v1/me").json["org_id"]
    plain = client_for(server, "org_plain").api("GET", "/api/v1/me").json["id"]
    _, other_rid = claimant(server)
    site_admin = client_for(server, "admin")
    vid = verification_in(org_admin, site_admin, oid, "pending")["application"]["id"]
    admin = client_for(server, "admin")
    cids = {c["region"]: c["id"] for c in admin.api("GET", "/api/v1/service-centers").json["items"]}
    xhead = DEMO["operator2"][0]
    wo, woatt = work_order(server, org_admin)
    dwo, _ = work_order(server, org_admin, region="510600")
    failures = []
    for role in ROLES:
        c = client_for(server, role)
        for entry in MATRIX:
            method, path, kind, exp = entry[:4]
            if role not in exp:
                continue
            body = entry[4] if len(entry) > 4 else None
            values = {"uid": uid, "sid": sid, "oid": oid, "plain": plain, "other_rid": other_rid, "rid": other_rid, "member": plain,
                      "vid": vid,
                      "cid": cids["510100"], "dcid": cids["510600"], "pcid": cids["510000"], "xhead": xhead, "cstaff": uid,
                      "wo": wo, "dwo": dwo, "woatt": woatt}
            # Removing a center's staff member: a fresh one for each role
            # (refused roles meet one too, so that 403 is not 404).
            if "{cstaff}" in path:
                values["cstaff"] = center_staff_member(server, admin, cids["510100"])
            # A write that may succeed gets its own object, so that the
            # next role meets the same state.
            if "{rid}" in path and exp[role] == "ok":
                values["rid"] = claimant(server)[1]
            if "{member}" in path and exp[role] == "ok":
                cl, rid = claimant(server)
                assert org_admin.api("POST", "/api/v1/org-requests/%s/approve" % rid, {}).status == 200
                values["member"] = cl.api("GET", "/api/v1/me").json["id"]
            if "/verification" in path and method == "POST" and exp[role] == "ok":
                verification_in(org_admin, site_admin, oid, "pending" if path.endswith("/actions") else "open")
            p = path.format(**values)
            if isinstance(body, dict):
                body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
            if kind == "upload":
                r = upload(c, p)
            elif kind == "api":
                r = c.api(method, p, body)
            elif method == "POST":
                r = c.post_form(p, body or {})
            else:
                r = c.get(p)
            got = outcome(r)
            if got != exp[role]:
                failures.append("%s %s as %s: expected %s, got %s" % (method, p, role, exp[role], got))
    # Members approved above leave again (the shared server's organization stays as demo).
    for m in client_for(server, "org_member").api("GET", "/api/v1/orgs/%s/members" % oid).json["items"]:
        if m["name"] == "矩阵申请人":
            org_admin.api("DELETE", "/api/v1/orgs/%s/members/%s" % (oid, m["id"]))
    # Staff appointed above for refused roles leave the 成都 center again.
    for m in admin.api("GET", "/api/v1/service-centers/%s/staff" % cids["510100"]).json["items"]:
        if m["name"] == "矩阵工作人员":
            admin.api("DELETE", "/api/v1/service-centers/%s/staff/%s" % (cids["510100"], m["user_id"]))
    assert not failures, "\n".join(failures)
    # The refused attempts changed nothing: the victim's role and session,
    # the plain member's membership, the organization's admin.
    assert victim.api("GET", "/api/v1/me").json["role"] == "scientist"
    assert sid in [s["id"] for s in victim.api("GET", "/api/v1/me/sessions").json["items"]]
    pm = client_for(server, "org_plain").api("GET", "/api/v1/me").json
    assert pm["org_id"] == oid and pm["org_role"] == "member", pm
    assert org_admin.api("GET", "/api/v1/me").json["org_role"] == "admin"


def test_session_of_one_user_cannot_act_as_another(server):
    a = Client(server)
    a.login_as("scientist")
    b = Client(server)
    b.login_as("org_member")
    assert a.api("GET", "/api/v1/me").json["email"] == DEMO["scientist"][0]
    assert b.api("GET", "/api/v1/me").json["email"] == DEMO["org_member"][0]
    forged = Client(server)
    forged.cookies["kj_session"] = "A" * 43
    assert forged.api("GET", "/api/v1/me").status == 401


# Events (issue 19): {ev} is a published event of the 成都 center (operator
# organizes it) with registration open, {draft} a draft of it; org_member
# is registered ({reg}) and asked scientist2 for a meeting ({m}), and
# submitted a roadshow project ({p}). Organizers: the center's staff and
# administrators; staff of another center are refused (403); participants
# act on their own; a draft does not exist for anyone else (404). The
# entries before the registrations run while only org_member takes part;
# then every signed-in role registers ({ev2} for the form) and may publish
# its results.
ORGANIZERS = expect("forbidden", operator="ok", admin="ok")
EV_DRAFT = dict(expect("missing", operator="ok", admin="ok"), anonymous="missing")
EV_PARTICIPANT = expect("forbidden", org_member="ok", operator="ok", admin="ok")
EV_OWN = expect("forbidden", org_member="ok")
EV_REG_ACT = expect("missing", org_member="forbidden", operator="conflict", admin="conflict", another_center="forbidden",
                    center_staff="forbidden")
EV_MEET_ACT = expect("missing", org_member="forbidden", operator="forbidden", admin="forbidden", another_center="forbidden",
                     center_staff="forbidden")
EV_TICKET = expect("missing", org_member="ok")
EV_CHECKIN = expect("forbidden", operator="missing", admin="missing")
EV_STAFF_422 = expect("forbidden", operator="status 422", another_center="status 422", center_staff="status 422", admin="status 422")
EV_REGISTER = expect("ok", org_member="conflict")
EV_SESSION = {"title_zh": "矩阵日程", "starts_at": "{day}T10:00", "ends_at": "{day}T11:00"}
# Changing an event after its creation (edit.c): {ses} is a session of {ev}
# in section {sec}, {cancelled} an event cancelled before the run, {nosuch}
# a well-formed id of no session. Organizers' refusals (a cancelled event,
# a section that still has sessions, an unknown session) show they passed
# the access check without changing anything.
EV_REFUSED_409 = expect("forbidden", operator="conflict", admin="conflict")
EV_REFUSED_404 = expect("forbidden", operator="missing", admin="missing")
# A draft is invisible to the staff who may not manage it, by page and API
# alike (another center's staff: 404, not 403, so that its existence does
# not leak); roles that may manage no event are refused before any lookup
# (403, which tells nothing about the draft); its organizers act on it.
EV_DRAFT_MANAGE = expect("forbidden", operator="ok", admin="ok", another_center="missing", center_staff="missing")
EVENT_MATRIX = [
    ("GET", "/events/{ev}/edit", "page", ORGANIZERS),
    ("POST", "/events/{ev}/edit", "page", ORGANIZERS, {}),
    ("POST", "/events/{cancelled}/delete", "page", EV_REFUSED_409, {"reason": "矩阵"}),
    ("POST", "/events/{ev}/sections", "page", ORGANIZERS, {"name_zh": "矩阵板块页"}),
    ("POST", "/events/{ev}/sections/{sec}/edit", "page", ORGANIZERS, {"name_zh": "矩阵板块"}),
    ("POST", "/events/{ev}/sections/{sec}/delete", "page", EV_REFUSED_409, {}),
    ("GET", "/events/{ev}/sessions/{ses}/edit", "page", ORGANIZERS),
    ("POST", "/events/{ev}/sessions/{ses}/edit", "page", ORGANIZERS, {"room": "矩阵厅"}),
    ("POST", "/events/{ev}/sessions/{nosuch}/delete", "page", EV_REFUSED_404, {}),
    ("PATCH", "/api/v1/events/{ev}", "api", ORGANIZERS, {"venue": "矩阵会场"}),
    ("DELETE", "/api/v1/events/{cancelled}", "api", EV_REFUSED_409, {"reason": "矩阵"}),
    ("PATCH", "/api/v1/events/{ev}/sessions/{ses}", "api", ORGANIZERS, {"room": "矩阵厅"}),
    ("DELETE", "/api/v1/events/{ev}/sessions/{nosuch}", "api", EV_REFUSED_404),
    ("POST", "/api/v1/events/{ev}/sections", "api", ORGANIZERS, {"name_zh": "矩阵板块"}),
    ("PATCH", "/api/v1/events/{ev}/sections/{sec}", "api", ORGANIZERS, {"name_en": "Matrix"}),
    ("DELETE", "/api/v1/events/{ev}/sections/{sec}", "api", EV_REFUSED_409),
    ("GET", "/events", "page", PUBLIC),
    ("GET", "/events/feed.atom", "page", PUBLIC),
    ("GET", "/events/{ev}", "page", PUBLIC),
    ("GET", "/events/{draft}", "page", EV_DRAFT),
    ("GET", "/events/{draft}/edit", "page", EV_DRAFT_MANAGE),
    ("POST", "/events/{draft}/act", "page", EV_DRAFT_MANAGE, {"action": "open_registration"}),
    ("GET", "/events/{draft}/registrations", "page", EV_DRAFT_MANAGE),
    ("GET", "/events/new", "page", STAFF),
    ("POST", "/events", "page", EV_STAFF_422, {}),
    ("POST", "/events/{ev}/act", "page", ORGANIZERS, {"action": "open_registration"}),
    ("POST", "/events/{ev}/sessions", "page", ORGANIZERS, EV_SESSION),
    ("GET", "/events/{ev}/registrations", "page", ORGANIZERS),
    ("POST", "/events/{ev}/registrations/{reg}/act", "page", EV_REG_ACT, {"action": "decline"}),
    ("GET", "/events/{ev}/participants", "page", EV_PARTICIPANT),
    ("POST", "/events/{ev}/showcase", "page", EV_OWN, {}),
    ("GET", "/events/{ev}/meetings", "page", SIGNED_IN),
    ("POST", "/events/{ev}/meetings", "page", expect("forbidden", org_member="conflict"), {"invitee_id": "{victim}"}),
    ("POST", "/events/{ev}/meetings/{m}/act", "page", EV_MEET_ACT, {"action": "accept"}),
    ("GET", "/events/{ev}/agenda", "page", EV_OWN),
    ("GET", "/events/{ev}/agenda.ics", "page", EV_OWN),
    ("GET", "/events/{ev}/ticket", "page", EV_TICKET),
    ("GET", "/events/{ev}/ticket.svg", "page", EV_TICKET),
    ("GET", "/events/{ev}/checkin", "page", ORGANIZERS),
    ("POST", "/events/{ev}/checkin", "page", EV_CHECKIN, {"code": "NOSUCHCODE"}),
    ("GET", "/events/{ev}/report", "page", ORGANIZERS),
    ("GET", "/events/{ev}/report.xlsx", "page", ORGANIZERS),
    ("GET", "/events/{ev}/projects", "page", PUBLIC),
    ("POST", "/events/{ev}/projects", "page", EV_PARTICIPANT, {"source_kind": "new", "title": "矩阵项目"}),
    ("POST", "/events/{ev}/review", "page", expect("forbidden", operator="status 422", admin="status 422"), {}),
    ("POST", "/events/{ev}/projects/{p}/score", "page", expect("forbidden"), {"score_0": "1"}),
    ("POST", "/events/{ev}/projects/{p}/place", "page", ORGANIZERS, {"action": "reject"}),
    ("GET", "/api/v1/events", "api", PUBLIC),
    ("GET", "/api/v1/events/lifecycle", "api", PUBLIC),
    ("GET", "/api/v1/events/{ev}", "api", PUBLIC),
    ("GET", "/api/v1/events/{draft}", "api", EV_DRAFT),
    ("PATCH", "/api/v1/events/{draft}", "api", EV_DRAFT_MANAGE, {"venue": "矩阵草稿会场"}),
    ("POST", "/api/v1/events/{draft}/actions", "api", EV_DRAFT_MANAGE, {"action": "open_registration"}),
    ("GET", "/api/v1/events/{draft}/registrations", "api", EV_DRAFT_MANAGE),
    ("POST", "/api/v1/events", "api", EV_STAFF_422, {}),
    ("POST", "/api/v1/events/{ev}/actions", "api", ORGANIZERS, {"action": "open_registration"}),
    ("POST", "/api/v1/events/{ev}/sessions", "api", ORGANIZERS, EV_SESSION),
    ("GET", "/api/v1/events/{ev}/registrations", "api", ORGANIZERS),
    ("POST", "/api/v1/events/{ev}/registrations/{reg}/actions", "api", EV_REG_ACT, {"action": "decline"}),
    ("GET", "/api/v1/events/{ev}/participants", "api", EV_PARTICIPANT),
    ("GET", "/api/v1/events/{ev}/suggestions", "api", EV_PARTICIPANT),
    ("PUT", "/api/v1/events/{ev}/showcase", "api", EV_OWN, {"listings": []}),
    ("GET", "/api/v1/events/{ev}/meetings", "api", SIGNED_IN),
    ("POST", "/api/v1/events/{ev}/meetings", "api", expect("forbidden", org_member="conflict"), {"invitee_id": "{victim}"}),
    ("POST", "/api/v1/events/{ev}/meetings/{m}/actions", "api", EV_MEET_ACT, {"action": "accept"}),
    ("GET", "/api/v1/events/{ev}/agenda", "api", EV_OWN),
    ("GET", "/api/v1/events/{ev}/agenda.ics", "api", EV_OWN),
    ("POST", "/api/v1/events/{ev}/checkins", "api", EV_CHECKIN, {"code": "NOSUCHCODE"}),
    ("GET", "/api/v1/events/{ev}/report", "api", ORGANIZERS),
    ("GET", "/api/v1/events/{ev}/projects", "api", PUBLIC),
    ("POST", "/api/v1/events/{ev}/projects", "api", EV_PARTICIPANT, {"source_kind": "new", "title": "矩阵项目"}),
    ("PUT", "/api/v1/events/{ev}/review", "api", expect("forbidden", operator="status 422", admin="status 422"),
     {"reviewers": [], "rubric": []}),
    ("POST", "/api/v1/events/{ev}/projects/{p}/scores", "api", expect("forbidden"), {"scores": [1]}),
    ("POST", "/api/v1/events/{ev}/projects/{p}/placement", "api", ORGANIZERS, {"action": "reject"}),
    # Everyone signed in registers now (org_member was already).
    ("POST", "/api/v1/events/{ev}/registrations", "api", EV_REGISTER, {"country": "CN"}),
    ("GET", "/events/{ev2}/register", "page", SIGNED_IN),
    ("POST", "/events/{ev2}/register", "page", EV_REGISTER, {"country": "DE"}),
    ("POST", "/events/{ev}/publish-results", "page", SIGNED_IN, {"publish": "1"}),
]


def test_event_authorization_matrix(server):
    import datetime
    op = client_for(server, "operator")
    day = (datetime.datetime.utcnow() + datetime.timedelta(days=30)).strftime("%Y-%m-%d")
    body = {"name_zh": "矩阵对接会", "starts_at": day + "T09:00", "ends_at": day + "T18:00", "meeting_start": day + "T14:00",
            "slots": 3, "tables": 2}
    ids = {}
    for name in ("ev", "ev2", "draft", "cancelled"):
        r = op.api("POST", "/api/v1/events", dict(body, sections=[{"name_zh": "矩阵板块", "sessions": [
            {"title_zh": "矩阵日程", "starts_at": day + "T09:00", "ends_at": day + "T10:00"}]}]))
        assert r.status == 201, r
        ids[name] = r.json["id"]
        if name == "ev":
            ids["sec"] = r.json["sections"][0]["id"]
            ids["ses"] = r.json["sections"][0]["sessions"][0]["id"]
        if name != "draft":
            for action in ("publish", "open_registration"):
                assert op.api("POST", "/api/v1/events/%s/actions" % ids[name], {"action": action}).status == 200
    assert op.api("POST", "/api/v1/events/%s/actions" % ids["cancelled"], {"action": "cancel"}).status == 200
    ids["nosuch"] = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    member, victim = client_for(server, "org_member"), client_for(server, "scientist2")
    for c in (member, victim):
        assert c.api("POST", "/api/v1/events/%s/registrations" % ids["ev"], {"country": "CN"}).status == 201
    member.api("POST", "/api/v1/events/%s/registrations" % ids["ev2"], {"country": "CN"})
    victim_id = victim.api("GET", "/api/v1/me").json["id"]
    r = member.api("POST", "/api/v1/events/%s/meetings" % ids["ev"], {"invitee_id": victim_id})
    assert r.status == 201, r
    r2 = member.api("POST", "/api/v1/events/%s/projects" % ids["ev"], {"source_kind": "new", "title": "矩阵项目"})
    assert r2.status == 201, r2
    values = dict(ids, reg=member.api("GET", "/api/v1/events/%s" % ids["ev"]).json["my_registration"]["id"], m=r.json["id"],
                  p=r2.json["id"], victim=victim_id, day=day)
    failures = []
    for role in ROLES:
        c = client_for(server, role)
        for entry in EVENT_MATRIX:
            method, path, kind, exp = entry[:4]
            if role not in exp:
                continue
            body = entry[4] if len(entry) > 4 else None
            if isinstance(body, dict):
                body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
            p = path.format(**values)
            if kind == "api":
                r = c.api(method, p, body)
            elif method == "POST":
                r = c.post_form(p, body or {})
            else:
                r = c.get(p)
            got = outcome(r)
            if got != exp[role]:
                failures.append("%s %s as %s: expected %s, got %s" % (method, p, role, exp[role], got))
    assert not failures, "\n".join(failures)
    # Refused attempts changed nothing: org_member's registration and meeting stand.
    assert member.api("GET", "/api/v1/events/%s" % ids["ev"]).json["my_registration"]["state"] == "approved"
    assert member.api("GET", "/api/v1/events/%s/meetings" % ids["ev"]).json["items"][0]["state"] == "requested"
