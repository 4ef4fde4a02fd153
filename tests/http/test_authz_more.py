"""Authorization matrix: the account's own writes, organizations' public
pages and the federation administration not in test_authz.py (roles:
test_authz.py ROLES; runner: authz_matrix.py).

{oid} is org_member's organization; {nosuch} names no peer or remote item
(an administrator meets 404, everyone else is refused first)."""
import authz_matrix as M
from test_authz import PUBLIC, expect

ADMIN_404 = expect("forbidden", admin="missing")

MORE_MATRIX = [
    # The signed-in user's own profile and password: a body the domain
    # refuses (an empty name, a wrong current password) shows the role got
    # through without changing the shared demo accounts.
    ("POST", "/account/profile", "page", expect("status 422"), {"name": ""}),
    ("POST", "/account/password", "page", expect("status 422"), {"old_password": "Not-The-Password-1",
                                                                  "new_password": "Matrix-New-Password-2026"}),
    ("POST", "/api/v1/me/password", "api", expect("status 422"), {"old_password": "Not-The-Password-1",
                                                                   "new_password": "Matrix-New-Password-2026"}),
    ("GET", "/orgs/{oid}", "page", PUBLIC),
    ("GET", "/api/v1/orgs/{oid}", "api", PUBLIC),
    ("GET", "/orgs/{nosuch}", "page", {r: "missing" for r in PUBLIC}),
    # Federation administration: administrators only (no such peer or item here).
    ("POST", "/admin/federation/peers/{nosuch}/resume", "page", ADMIN_404, {}),
    ("POST", "/admin/federation/items/{nosuch}/show", "page", ADMIN_404, {}),
    ("POST", "/api/v1/federation/peers/{nosuch}/suspend", "api", ADMIN_404, {}),
    ("POST", "/api/v1/federation/peers/{nosuch}/kinds", "api", ADMIN_404, {"kinds": ["listing"]}),
    ("POST", "/api/v1/federation/items/{nosuch}/hide", "api", ADMIN_404, {}),
]


def test_more_authorization_matrix(server):
    oid = M.client_for(server, "org_member").api("GET", "/api/v1/me").json["org_id"]
    failures = M.run(server, MORE_MATRIX, {"oid": oid, "nosuch": M.NOSUCH})
    assert not failures, "\n".join(failures)
