"""Every route is in the authorization matrix.

The route table comes from the binary (`kejiyun routes --json`: method,
pattern, page/api, the roles the table admits, CSRF); the matrices are
every list named *MATRIX in the test_authz*.py modules. An entry reaches
the route the server would pick for it (the router takes the first match
in table order; a {placeholder} of an entry matches only a parameter
segment). A route reached by no entry must be named below with the reason
it needs none; the test fails naming every route missing, and every entry
or exemption that reaches no route (a renamed route leaves no stale entry).
"""
import glob
import importlib.util
import json
import os
import re
import subprocess

from harness import BIN, ROOT

HERE = os.path.dirname(os.path.abspath(__file__))

# Routes that need no authorization: anyone may use them, signed in or not,
# and what they show is the same public data for every role (or the
# anonymous visitor's own action: signing in, registering). The matrix
# still has entries for most public pages; these are the rest. Each must
# be declared KJ_PUBLIC in its table (checked below).
NO_AUTHZ = {
    # Signing in, registering and out: the visitor's own session.
    ("GET", "/register"): "the registration form",
    ("POST", "/register"): "registration (rate-limited, test_accounts)",
    ("GET", "/login"): "the login form",
    ("POST", "/login"): "login (throttled, test_login_throttle)",
    ("POST", "/logout"): "ends the caller's own session only",
    ("POST", "/api/v1/register"): "registration (test_accounts)",
    ("POST", "/api/v1/login"): "login (test_login_throttle)",
    ("POST", "/api/v1/logout"): "ends the caller's own session only",
    ("GET", "/lang/{code}"): "sets the visitor's language cookie",
    # Static and machine documents.
    ("GET", "/static/*"): "the static assets",
    ("GET", "/api/v1/openapi.json"): "the API document",
    ("GET", "/instance/favicon"): "the instance's icon (public like its logo)",
    # Federation between instances: signed by the peer, not a session
    # (test_federation checks an unsigned or unknown peer is refused).
    ("POST", "/api/v1/federation/inbox"): "a peer's signed question (test_federation)",
}

# Unsafe routes the pipeline does not check a CSRF token for: each with why.
NO_CSRF = {
    ("POST", "/api/v1/federation/inbox"): "server-to-server, signed by the peer's key; carries no cookie",
}


def route_table():
    out = subprocess.run([BIN, "routes", "--json"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out)


def matrices():
    """(module name, list name, entry) of every *MATRIX list of the
    test_authz*.py modules (loaded by path: run.py loads test modules the
    same way, so their module-level code runs as in a lane)."""
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_authz*.py"))):
        name = os.path.basename(path)[:-3]
        if name == "test_authz_coverage":
            continue
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for var, val in vars(mod).items():
            if var.endswith("MATRIX") and isinstance(val, list):
                out.extend((name, var, e) for e in val)
    return out


def segments(path):
    return [s for s in path.split("?")[0].split("/") if s]


def route_of(routes, method, path):
    """The index of the route the server picks for method and path (an
    entry's {name} stands for any value of a parameter segment), or None."""
    segs = segments(path)
    for i, r in enumerate(routes):
        if r["method"] != method:
            continue
        pat = segments(r["pattern"])
        tail = pat and pat[-1] == "*"
        if tail:
            pat = pat[:-1]
            if len(segs) < len(pat):
                continue
        elif len(pat) != len(segs):
            continue
        if all((p.startswith("{") or p == s) and not (s.startswith("{") and not p.startswith("{"))
               for p, s in zip(pat, segs)):
            return i
    return None


def test_every_route_is_in_the_matrix(server):
    routes = route_table()
    assert len(routes) > 300, len(routes)
    covered = {}
    stale = []
    for mod, var, entry in matrices():
        method, path = entry[0], entry[1]
        i = route_of(routes, method, path)
        if i is None:
            stale.append("%s.%s: %s %s" % (mod, var, method, path))
        else:
            covered.setdefault(i, "%s.%s" % (mod, var))
    by_key = {(r["method"], r["pattern"]): i for i, r in enumerate(routes)}
    for key in NO_AUTHZ:
        if key not in by_key:
            stale.append("NO_AUTHZ: %s %s" % key)
    missing = []
    for i, r in enumerate(routes):
        key = (r["method"], r["pattern"])
        if i in covered:
            continue
        if key in NO_AUTHZ:
            assert r["access"] == "public", ("NO_AUTHZ lists a route its table restricts", key, r["access"])
            continue
        missing.append("%s %s (%s, %s)" % (r["method"], r["pattern"], r["kind"],
                                           r["access"] if isinstance(r["access"], str) else "+".join(r["access"])))
    assert not stale, "matrix entries or exemptions that reach no route:\n" + "\n".join(stale)
    assert not missing, "%d routes in no authorization matrix (tests/http/test_authz*.py) and not in NO_AUTHZ:\n%s" % (
        len(missing), "\n".join(missing))


# The account role each matrix role signs in with (test_authz.py ROLES).
ACCOUNT_ROLE = {"anonymous": None, "resident": "resident", "scientist": "scientist", "org_member": "org",
                "org_plain": "org", "another_org": "org", "operator": "operator", "another_center": "operator",
                "center_staff": "operator", "admin": "admin"}


def test_the_matrix_agrees_with_the_table(server):
    """A role the route table does not admit never passes in the matrix
    (the pipeline refuses it before any handler: login for the anonymous,
    403 otherwise), and an anonymous visitor passes only public routes.
    An entry that expects more than the table admits is a wrong entry or a
    table that admits too little; one that expects less is the domain's
    own check (authz.h) and is fine."""
    routes = route_table()
    wrong = []
    for mod, var, entry in matrices():
        i = route_of(routes, entry[0], entry[1])
        if i is None:
            continue
        access = routes[i]["access"]
        for role, want in entry[3].items():
            account = ACCOUNT_ROLE[role]
            if access == "public" or (access == "signed-in" and account):
                continue
            admitted = account is not None and access != "signed-in" and account in access
            if not admitted and want not in ("login", "forbidden", "missing"):
                wrong.append("%s.%s: %s %s as %s expects %s, the table admits %s" % (mod, var, entry[0], entry[1], role, want, access))
            if account is None and want != "login" and not (want == "missing" and access == "public"):
                wrong.append("%s.%s: %s %s anonymous expects %s on a %s route" % (mod, var, entry[0], entry[1], want, access))
    assert not wrong, "\n".join(wrong)


def test_every_unsafe_route_checks_csrf(server):
    """The pipeline checks the CSRF token of every unsafe route the table
    does not exempt (web/app.c csrf_ok); the exemptions are named here."""
    exempt = {(r["method"], r["pattern"]) for r in route_table() if r["method"] != "GET" and not r["csrf"]}
    assert exempt == set(NO_CSRF), ("unsafe routes without CSRF check", sorted(exempt - set(NO_CSRF)),
                                    "named but checked", sorted(set(NO_CSRF) - exempt))


def test_the_table_lists_kind_and_access(server):
    """`kejiyun routes --json` states what the table declares: a page and
    an API route, the roles admitted, and the test routes only in test mode."""
    routes = {(r["method"], r["pattern"]): r for r in route_table()}
    assert routes[("GET", "/dashboard")]["kind"] == "page" and routes[("GET", "/dashboard")]["access"] == "signed-in"
    assert routes[("GET", "/api/v1/me")]["kind"] == "api"
    assert routes[("GET", "/admin/users")]["access"] == ["admin"]
    assert routes[("GET", "/")]["access"] == "public" and "cache" in routes[("GET", "/")]["flags"]
    assert "rated" in routes[("GET", "/api/v1/search")]["flags"]
    assert routes[("POST", "/api/v1/login")]["csrf"] is True
    assert not any(p.startswith("/__test") for _, p in routes)
    out = subprocess.run([BIN, "routes", "--json", "--test-mode"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert any(r["pattern"] == "/__test/clock" for r in json.loads(out))
    # The plain listing is unchanged (test_ops compares it with docs/openapi.json).
    plain = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True, cwd=ROOT).stdout.splitlines()
    assert len(plain) == len(routes) and all(re.match(r"^(GET|POST|PUT|PATCH|DELETE) /", l) for l in plain)
