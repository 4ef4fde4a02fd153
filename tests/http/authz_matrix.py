"""The authorization matrix's runner, shared by tests/http/test_authz*.py.

A matrix is a list of entries (method, path, kind, expectation[, body]):
kind is "page" (a form POST or a browser GET), "api" (JSON) or "upload"
(a multipart POST with one small PNG in the field named by the body's
"_file" key, default "file"); expectation maps each role of ROLES (see
test_authz.py) to an outcome ("ok", "login", "forbidden", "missing",
"conflict", "status NNN"); a role the expectation leaves out is not tried.
Paths and string values of bodies are formatted with the run's values
({uid}, {listing} ...).

test_authz_coverage.py collects every list named *MATRIX of the
test_authz*.py modules and checks that together they reach every route of
`kejiyun routes --json`.

KEJIYUN_AUTHZ_SHOW=1 prints what each role got for each entry (to write a
new entry's expectation, then judged by hand: the printout is not the
rule)."""
import base64
import os

from harness import Client, multipart_body
from test_authz import LOGIN_AS, ROLES, outcome

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
# A well-formed id of nothing: sub-objects the matrix only needs to name
# (a party meets 404 for it, an outsider is refused for the parent first).
NOSUCH = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

_clients = {}


def client_for(server, role):
    """One signed-in client per role and server, reused by the matrix
    modules of a lane (signing in hashes a password: ~0.3 s under ASan).
    A session ended meanwhile is noticed and renewed."""
    key = (id(server), role)
    c = _clients.get(key)
    if c is not None and role != "anonymous" and c.api("GET", "/api/v1/me").status != 200:
        c = None
    if c is None:
        c = Client(server)
        if role != "anonymous":
            c.login_as(LOGIN_AS.get(role, role))
        _clients[key] = c
    return c


def _fmt(v, values):
    if isinstance(v, str):
        return v.format(**values)
    if isinstance(v, list):
        return [_fmt(x, values) for x in v]
    if isinstance(v, dict):
        return {k: _fmt(x, values) for k, x in v.items()}
    return v


def send(c, method, path, kind, body):
    if kind == "upload":
        body = dict(body or {})
        field = body.pop("_file", "file")
        token = c.csrf()
        data, ctype = multipart_body([("_csrf", token)] + [(k, v) for k, v in body.items()],
                                     [(field, ("矩阵.png", "image/png", PNG))])
        h = {"Content-Type": ctype, "X-CSRF-Token": token}
        if path.startswith("/api/"):
            h["Accept"] = "application/json"
        return c.request(method, path, body=data, headers=h)
    if kind == "api":
        return c.api(method, path, body)
    if method == "GET":
        return c.get(path)
    return c.post_form(path, body or {})


def run(server, matrix, values, roles=ROLES, before=None):
    """Every entry for every role (roles outer, in ROLES order, so that a
    write an earlier role may make is met by the later ones in the same
    state on every run). before(role, entry, values), when given, may
    prepare a fresh object for an entry and returns the values to use.
    Returns the failures, one line each."""
    show = os.environ.get("KEJIYUN_AUTHZ_SHOW")
    seen = {}
    failures = []
    for role in roles:
        c = client_for(server, role)
        for i, entry in enumerate(matrix):
            method, path, kind, exp = entry[:4]
            if role not in exp and not show:
                continue
            vals = before(role, entry, values) if before else values
            body = _fmt(entry[4], vals) if len(entry) > 4 else None
            p = path.format(**vals)
            try:
                got = outcome(send(c, method, p, kind, body))
            except Exception as e:  # a dropped connection is a finding too
                got = "error %s" % e
            seen.setdefault(i, {})[role] = got
            if role in exp and got != exp[role]:
                failures.append("%s %s as %s: expected %s, got %s" % (method, p, role, exp[role], got))
    if show:
        for i, entry in enumerate(matrix):
            got = seen.get(i, {})
            print("SHOW %s %s %s" % (entry[0], entry[1], " ".join("%s=%s" % (r, got.get(r)) for r in roles)))
    return failures
