"""Authorization matrix: every protected page and endpoint × every role.

Expected outcome per role: "ok" (2xx/3xx to a non-login page), "login"
(anonymous: redirect to /login or 401), "forbidden" (403)."""
from harness import Client, DEMO

ROLES = ["anonymous", "scientist", "org_member", "operator", "admin"]
SIGNED_IN = {"anonymous": "login", "scientist": "ok", "org_member": "ok", "operator": "ok", "admin": "ok"}
ADMIN_ONLY = {"anonymous": "login", "scientist": "forbidden", "org_member": "forbidden",
              "operator": "forbidden", "admin": "ok"}
PUBLIC = {r: "ok" for r in ROLES}
# Another user's session: unknown to everyone signed in (never ended).
OTHERS_SESSION = {r: ("login" if r == "anonymous" else "not found") for r in ROLES}
# Checked for anonymous visitors only: signed in, it would end the demo
# users' other sessions, which modules sharing this lane's server keep
# (test_account_security checks it for a user of its own).
ANONYMOUS_ONLY = {"anonymous": "login"}

# (method, path, kind, expectation); kind is "page" or "api".
MATRIX = [
    ("GET", "/", "page", PUBLIC),
    ("GET", "/help/roles", "page", PUBLIC),
    ("GET", "/dashboard", "page", SIGNED_IN),
    ("GET", "/account/profile", "page", SIGNED_IN),
    ("GET", "/account/password", "page", SIGNED_IN),
    ("GET", "/account/sessions", "page", SIGNED_IN),
    ("POST", "/account/sessions/{sid}/end", "page", OTHERS_SESSION),
    ("POST", "/account/sessions/end-others", "page", ANONYMOUS_ONLY),
    ("POST", "/account/verify-email", "page", SIGNED_IN),
    ("GET", "/admin/users", "page", ADMIN_ONLY),
    ("POST", "/admin/users/{uid}/role", "page", ADMIN_ONLY),
    ("GET", "/api/v1/me", "api", SIGNED_IN),
    ("PATCH", "/api/v1/me", "api", SIGNED_IN),
    ("GET", "/api/v1/me/sessions", "api", SIGNED_IN),
    ("DELETE", "/api/v1/me/sessions/{sid}", "api", OTHERS_SESSION),
    ("POST", "/api/v1/me/sessions/end-others", "api", ANONYMOUS_ONLY),
    ("POST", "/api/v1/me/email-verification", "api", SIGNED_IN),
    ("GET", "/api/v1/admin/users", "api", ADMIN_ONLY),
    ("POST", "/api/v1/admin/users/{uid}/role", "api", ADMIN_ONLY),
    ("GET", "/api/v1/regions", "api", PUBLIC),
    ("GET", "/healthz", "api", PUBLIC),
]


def client_for(server, role):
    c = Client(server)
    if role != "anonymous":
        c.login_as(role)
    return c


def outcome(r):
    if r.status in (401,) or (r.status == 303 and (r.header("Location") or "").startswith("/login")):
        return "login"
    if r.status == 403:
        return "forbidden"
    if r.status == 404:
        return "not found"
    if 200 <= r.status < 400:
        return "ok"
    return "status %d" % r.status


def test_authorization_matrix(server):
    victim = Client(server)
    victim.login_as("scientist2")
    uid = victim.api("GET", "/api/v1/me").json["id"]
    sid = [s["id"] for s in victim.api("GET", "/api/v1/me/sessions").json["items"] if s["current"]][0]
    failures = []
    for role in ROLES:
        c = client_for(server, role)
        for method, path, kind, expect in MATRIX:
            if role not in expect:
                continue
            p = path.format(uid=uid, sid=sid)
            if kind == "api":
                body = {"role": "scientist"} if "role" in p else ({"bio": "x"} if method == "PATCH" else None)
                r = c.api(method, p, body)
            elif method == "POST":
                r = c.post_form(p, {"role": "scientist"})
            else:
                r = c.get(p)
            got = outcome(r)
            if got != expect[role]:
                failures.append("%s %s as %s: expected %s, got %s" % (method, p, role, expect[role], got))
    assert not failures, "\n".join(failures)
    # The victim's role is unchanged by the refused attempts, and their
    # session was ended by no one.
    assert victim.api("GET", "/api/v1/me").json["role"] == "scientist"
    assert sid in [s["id"] for s in victim.api("GET", "/api/v1/me/sessions").json["items"]]


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
