"""Marketplace authorization and confidentiality over HTTP.

Every marketplace page and endpoint x every kind of user: anonymous, the
listing's owner, another scientist, an organization member, the operator
of the listing's region (Chengdu), an operator of another region (Xining,
made through the admin API) and the administrator. Then review by region,
and anonymous listings that must never leak their owner."""
import csv
import io
import json
import urllib.parse

from harness import Client, register, unique_email
from test_market_lifecycle import (RUN, act, create, get_listing, listing_body, ok_act, problem, publish,
                                   user, utitle)

ROLES = ["anonymous", "owner", "other", "org", "op", "op2", "admin"]
NO_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def make_operator(server, admin, region):
    """A new operator appointed by the administrator as staff of the service
    center of region, which makes region their jurisdiction (returns a
    signed-in client)."""
    email = unique_email("op" + region)
    _, me = register(server, email, "operator pw 1", "运营" + region, "scientist", region=region)
    r = admin.api("POST", "/api/v1/admin/users/%s/role" % me["id"], {"role": "operator", "reason": "test"})
    assert r.status == 200 and r.json["role"] == "operator" and r.json["region"] == region, r
    uid = r.json["id"]
    cid = [c["id"] for c in admin.api("GET", "/api/v1/service-centers").json["items"] if c["region"] == region][0]
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cid, {"user": uid, "role": "staff"})
    assert r.status == 201, r
    c = Client(server)
    c.login(email, "operator pw 1")
    return c


_fixtures = {}


def fixtures(server):
    """Clients for every role and listings, an EOI and a thread to probe."""
    if id(server) in _fixtures:
        return _fixtures[id(server)]
    admin = user(server, "admin")
    f = {
        "anonymous": Client(server), "owner": user(server, "scientist"), "other": user(server, "scientist2"),
        "org": user(server, "org_member"), "op": user(server, "operator"), "admin": admin,
        "op2": make_operator(server, admin, "630100"),
    }
    o = f["owner"]
    f["D"] = create(o, region="510107")["id"]
    f["S"] = create(o, submit=True, region="510107")["id"]
    f["P"] = publish(o, admin)["id"]
    f["P2"] = publish(o, admin)["id"]
    qinghai = user(server, "org_member2")
    f["qinghai"] = qinghai
    f["Q"] = create(qinghai, "demand", submit=True, region="630104")["id"]
    r = f["org"].api("POST", "/api/v1/listings/%s/interest" % f["P"], {"message": "我们希望合作开发，请联系。"})
    assert r.status == 201, r
    f["E"] = r.json["id"]
    r = f["org"].api("POST", "/api/v1/listings/%s/interest" % f["P2"], {"message": "希望获得许可，请联系我们。"})
    assert r.status == 201, r
    r = o.api("POST", "/api/v1/eois/%s/decision" % r.json["id"], {"decision": "accept"})
    assert r.status == 200 and r.json["thread_id"], r
    f["T"] = r.json["thread_id"]
    _fixtures[id(server)] = f
    return f


def outcome(r):
    loc = r.header("Location") or ""
    if r.status == 401 or (r.status == 303 and loc.startswith("/login")):
        return "login"
    return {403: "forbidden", 404: "notfound", 409: "conflict", 422: "invalid"}.get(
        r.status, "ok" if 200 <= r.status < 400 else "status %d" % r.status)


def E(anonymous, owner, other, org, op, op2, admin):
    return dict(zip(ROLES, [anonymous, owner, other, org, op, op2, admin]))


PUBLIC = E("ok", "ok", "ok", "ok", "ok", "ok", "ok")
SIGNED = E("login", "ok", "ok", "ok", "ok", "ok", "ok")
STAFF = E("login", "forbidden", "forbidden", "forbidden", "ok", "ok", "ok")
# Not yet public and owned by the Chengdu scientist: owner and Chengdu reviewers only.
PRIVATE_CD = E("notfound", "ok", "notfound", "notfound", "ok", "notfound", "ok")
PRIVATE_QH = E("notfound", "notfound", "notfound", "notfound", "notfound", "ok", "ok")
OWNER_EDIT_PUB = E("login", "ok", "forbidden", "forbidden", "forbidden", "forbidden", "forbidden")
OWNER_EDIT_DRAFT = E("login", "ok", "notfound", "notfound", "forbidden", "notfound", "forbidden")
HISTORY_PUB = E("login", "ok", "forbidden", "forbidden", "ok", "forbidden", "ok")
HISTORY_DRAFT = E("login", "ok", "notfound", "notfound", "ok", "notfound", "ok")
# Review action (reject without a reason: refused as invalid when the party may review).
REVIEW_CD = E("login", "forbidden", "notfound", "notfound", "invalid", "notfound", "invalid")
REVIEW_QH = E("login", "notfound", "notfound", "notfound", "notfound", "invalid", "invalid")
OWNER_ACTION_PUB = E("login", None, "forbidden", "forbidden", "forbidden", "forbidden", "forbidden")
PARTIES = E("login", "ok", "notfound", "ok", "notfound", "notfound", "notfound")
DECIDE = E("login", "invalid", "notfound", "forbidden", "notfound", "notfound", "notfound")
CREATE = E("login", "ok", "ok", "ok", "invalid", "invalid", "ok")
INTEREST = E("login", "conflict", None, None, None, None, None)
UPLOAD_PUB = E("login", "invalid", "forbidden", "forbidden", "forbidden", "forbidden", "forbidden")
UPLOAD_DRAFT = E("login", "invalid", "notfound", "notfound", "forbidden", "notfound", "forbidden")
DELETE_ATT = E("login", "notfound", "forbidden", "forbidden", "forbidden", "forbidden", "forbidden")

# (method, path, kind, body, expectation); kind: page (form posts) or api (JSON).
MATRIX = [
    ("GET", "/achievements", "page", None, PUBLIC),
    ("GET", "/services", "page", None, PUBLIC),
    ("GET", "/demands", "page", None, PUBLIC),
    ("GET", "/listings/new", "page", None, SIGNED),
    ("GET", "/listings/new?kind=demand", "page", None, SIGNED),
    ("POST", "/listings", "page", "create", CREATE),
    ("GET", "/listings/{D}", "page", None, PRIVATE_CD),
    ("GET", "/listings/{S}", "page", None, PRIVATE_CD),
    ("GET", "/listings/{P}", "page", None, PUBLIC),
    ("GET", "/listings/{Q}", "page", None, PRIVATE_QH),
    ("GET", "/listings/" + NO_ID, "page", None, E(*["notfound"] * 7)),
    ("GET", "/listings/{D}/edit", "page", None, OWNER_EDIT_DRAFT),
    ("GET", "/listings/{P}/edit", "page", None, OWNER_EDIT_PUB),
    ("POST", "/listings/{P}/edit", "page", "edit", OWNER_EDIT_PUB),
    ("POST", "/listings/{D}/edit", "page", "edit", OWNER_EDIT_DRAFT),
    ("GET", "/listings/{P}/history", "page", None, HISTORY_PUB),
    ("GET", "/listings/{D}/history", "page", None, HISTORY_DRAFT),
    ("POST", "/listings/{S}/act", "page", {"action": "reject"}, REVIEW_CD),
    ("POST", "/listings/{Q}/act", "page", {"action": "reject"}, REVIEW_QH),
    ("POST", "/listings/{P}/act", "page", {"action": "withdraw"}, OWNER_ACTION_PUB),
    ("POST", "/listings/{P}/interest", "page", {"message": "希望合作，请联系。"}, INTEREST),
    ("POST", "/listings/{P}/favourite", "page", {"on": "1"}, SIGNED),
    ("POST", "/listings/{D}/favourite", "page", {"on": "1"}, E("login", *["notfound"] * 6)),
    ("POST", "/listings/{P}/attachments", "page", {"confidential": "0"}, UPLOAD_PUB),
    ("POST", "/listings/{D}/attachments", "page", {"confidential": "0"}, UPLOAD_DRAFT),
    ("POST", "/listings/{P}/attachments/" + NO_ID + "/delete", "page", {}, DELETE_ATT),
    ("GET", "/my/listings", "page", None, SIGNED),
    ("GET", "/review", "page", None, STAFF),
    ("GET", "/eois", "page", None, SIGNED),
    ("GET", "/eois/{E}", "page", None, PARTIES),
    ("POST", "/eois/{E}/decide", "page", {"decision": "decline"}, DECIDE),
    ("GET", "/threads/{T}", "page", None, PARTIES),
    ("POST", "/threads/{T}/messages", "page", {"body": "页面消息"}, PARTIES),
    ("GET", "/favourites", "page", None, SIGNED),
    ("GET", "/notifications", "page", None, SIGNED),

    ("GET", "/api/v1/listings", "api", None, PUBLIC),
    ("GET", "/api/v1/listings/lifecycle", "api", None, PUBLIC),
    ("GET", "/api/v1/reference", "api", None, PUBLIC),
    ("POST", "/api/v1/listings", "api", "create", CREATE),
    ("GET", "/api/v1/listings/{D}", "api", None, PRIVATE_CD),
    ("GET", "/api/v1/listings/{S}", "api", None, PRIVATE_CD),
    ("GET", "/api/v1/listings/{P}", "api", None, PUBLIC),
    ("GET", "/api/v1/listings/{Q}", "api", None, PRIVATE_QH),
    ("GET", "/api/v1/listings/" + NO_ID, "api", None, E(*["notfound"] * 7)),
    ("PATCH", "/api/v1/listings/{P}", "api", {"summary": "经补充的摘要"}, OWNER_EDIT_PUB),
    ("PATCH", "/api/v1/listings/{D}", "api", {"summary": "经补充的摘要"}, OWNER_EDIT_DRAFT),
    ("POST", "/api/v1/listings/{S}/actions", "api", {"action": "reject"}, REVIEW_CD),
    ("POST", "/api/v1/listings/{Q}/actions", "api", {"action": "reject"}, REVIEW_QH),
    ("POST", "/api/v1/listings/{P}/actions", "api", {"action": "withdraw"}, OWNER_ACTION_PUB),
    ("GET", "/api/v1/listings/{P}/history", "api", None, HISTORY_PUB),
    ("GET", "/api/v1/listings/{D}/history", "api", None, HISTORY_DRAFT),
    ("POST", "/api/v1/listings/{P}/interest", "api", {"message": "希望合作，请联系。"}, INTEREST),
    ("POST", "/api/v1/listings/{P}/attachments", "api", None, UPLOAD_PUB),
    ("POST", "/api/v1/listings/{D}/attachments", "api", None, UPLOAD_DRAFT),
    ("DELETE", "/api/v1/listings/{P}/attachments/" + NO_ID, "api", None, DELETE_ATT),
    ("GET", "/api/v1/my/listings", "api", None, SIGNED),
    ("GET", "/api/v1/review-queue", "api", None, STAFF),
    ("GET", "/api/v1/eois", "api", None, SIGNED),
    ("GET", "/api/v1/eois/{E}", "api", None, PARTIES),
    ("POST", "/api/v1/eois/{E}/decision", "api", {"decision": "decline"}, DECIDE),
    ("GET", "/api/v1/threads", "api", None, SIGNED),
    ("GET", "/api/v1/threads/{T}", "api", None, PARTIES),
    ("POST", "/api/v1/threads/{T}/messages", "api", {"body": "接口消息"}, PARTIES),
    ("GET", "/api/v1/favourites", "api", None, SIGNED),
    ("POST", "/api/v1/favourites", "api", {"listing_id": "{P}"}, SIGNED),
    ("GET", "/api/v1/notifications", "api", None, SIGNED),
]


def _body(spec, f, kind):
    if spec == "create":
        b = listing_body("achievement", title=utitle("矩阵"))
        return b if kind == "api" else {k: v for k, v in b.items()}
    if spec == "edit":
        b = listing_body("achievement", title=utitle("矩阵改"))
        b.pop("kind")
        return b
    if isinstance(spec, dict):
        return {k: (v.format(**f) if isinstance(v, str) else v) for k, v in spec.items()}
    return spec


def test_marketplace_access_matrix(server):
    f = fixtures(server)
    ids = {k: f[k] for k in ("D", "S", "P", "Q", "E", "T")}
    failures = []
    checked = 0
    for role in ROLES:
        c = f[role]
        for method, path, kind, spec, expect in MATRIX:
            want = expect[role]
            if want is None:
                continue
            p = path.format(**ids)
            body = _body(spec, ids, kind)
            if kind == "api":
                r = c.api(method, p, body)
            elif method == "POST":
                r = c.post_form(p, body or {})
            else:
                r = c.get(p)
            checked += 1
            got = outcome(r)
            if got != want:
                failures.append("%s %s as %s: expected %s, got %s" % (method, path, role, want, got))
            elif kind == "api" and r.status >= 400 and r.status != 401:
                if not (r.header("Content-Type") or "").startswith("application/problem+json"):
                    failures.append("%s %s as %s: error is not a problem document" % (method, path, role))
    assert checked > 300, checked
    assert not failures, "%d of %d:\n" % (len(failures), checked) + "\n".join(failures)


def test_review_only_by_reviewers_of_the_region(server):
    f = fixtures(server)
    owner, op, op2, admin = f["owner"], f["op"], f["op2"], f["admin"]
    chengdu = create(owner, submit=True, region="510104")
    leshan = create(f["other"], submit=True, region="511102")      # Sichuan, but not Chengdu
    qinghai = create(f["qinghai"], "demand", submit=True, region="630102")
    # The queues: each operator sees their region only, the administrator sees all.
    q_op = {x["id"] for x in op.api("GET", "/api/v1/review-queue").json["items"]}
    q_op2 = {x["id"] for x in op2.api("GET", "/api/v1/review-queue").json["items"]}
    q_admin = admin.api("GET", "/api/v1/review-queue").json
    assert chengdu["id"] in q_op and leshan["id"] not in q_op and qinghai["id"] not in q_op
    assert qinghai["id"] in q_op2 and chengdu["id"] not in q_op2 and leshan["id"] not in q_op2
    assert {chengdu["id"], leshan["id"], qinghai["id"]} <= {x["id"] for x in q_admin["items"]}
    assert q_admin["counts"]["total"] == len(q_admin["items"])
    page = op.get("/review").text
    assert chengdu["title"] in page and qinghai["title"] not in page and leshan["title"] not in page
    assert qinghai["title"] in op2.get("/review").text
    # Acting outside one's region is refused and changes nothing.
    for c, l in ((op, qinghai), (op, leshan), (op2, chengdu)):
        r = act(c, l["id"], "approve")
        assert r.status in (403, 404), r
        problem(r, r.status)
        assert get_listing(f["admin"], l["id"]).json["status"] == "submitted"
    r = op.post_form("/listings/%s/act" % qinghai["id"], {"action": "approve"})
    assert r.status in (403, 404), r
    assert ok_act(op, chengdu["id"], "approve")["status"] == "published"
    assert ok_act(op2, qinghai["id"], "approve")["status"] == "published"
    assert ok_act(admin, leshan["id"], "approve")["status"] == "published"
    # Reviewers of the region see the owner of a listing they review; the other operator does not.
    assert op.api("GET", "/api/v1/listings/" + chengdu["id"]).json["can_review"] is True
    assert op2.api("GET", "/api/v1/listings/" + chengdu["id"]).json["can_review"] is False


def test_unknown_and_malformed_ids(server):
    f = fixtures(server)
    c = f["owner"]
    for p in ("/listings/nonsense", "/listings/%s/history" % NO_ID, "/eois/nonsense", "/threads/" + NO_ID):
        assert c.get(p).status == 404, p
    for p in ("/api/v1/listings/nonsense", "/api/v1/eois/" + NO_ID, "/api/v1/threads/nonsense"):
        problem(c.api("GET", p), 404)
    problem(c.api("POST", "/api/v1/listings/%s/actions" % NO_ID, {"action": "submit"}), 404)
    problem(c.api("POST", "/api/v1/favourites", {"listing_id": NO_ID}), 404)
    problem(c.api("POST", "/api/v1/favourites", {"listing_id": f["D"]}), 404)


# ---- anonymous listings ----

_noted = set()
PRIVATE_KEYS = ("owner_id", "owner_name", "org_id", "org_name", "studio_id", "studio_name",
                "contact_name", "contact_phone", "contact_email")


def _leaks(text, secrets):
    return [s for s in secrets if s and s in text]


def _export_rows(text, fmt, title):
    """The exported records of the listing titled title, each as text."""
    if fmt == "csv":
        return [",".join(row) for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if title in row]
    found = []

    def walk(v):
        if isinstance(v, dict):
            if v.get("title") == title:
                found.append(json.dumps(v, ensure_ascii=False))
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(json.loads(text))
    return found


def test_anonymous_listing_never_leaks_owner(server):
    f = fixtures(server)
    org, admin = f["org"], f["admin"]
    me = org.api("GET", "/api/v1/me").json
    contact = {"contact_name": "保密联系人" + RUN, "contact_phone": "139%08d" % (int(RUN, 16) % 100000000),
               "contact_email": "anon.%s@example.cn" % RUN}
    l = publish(org, admin, "demand", anonymous=True, region="510100", **contact)
    lid, title = l["id"], l["title"]
    secrets = [me["name"], me["email"], me["org_name"], me["id"], me["org_id"], *contact.values()]
    assert me["name"] == "刘洋" and me["org_name"], me
    # 李娜 sends the EOI: a fresh account, so that her EOI list and
    # notifications hold only this EOI (the shared role accounts also trade
    # non-anonymous EOIs with 刘洋 in other modules on a shared lane server,
    # where 刘洋's name there is no leak).
    sender, _ = register(server, name="李娜", role="scientist")
    third = f["owner"]           # 张伟 stays a third party
    viewers = {"anonymous": f["anonymous"], "sender": sender, "third": third, "op2": f["op2"]}
    failures = []

    def check(who, what, r, json_keys=None):
        if r.status not in (200, 201):
            failures.append("%s %s: status %d" % (who, what, r.status))
            return
        text = r.text
        leaked = _leaks(text, secrets)
        if leaked:
            failures.append("%s %s leaks %s" % (who, what, leaked))
        for obj in (json_keys or []):
            if obj.get("id") not in (lid, None) and obj.get("listing_id") != lid:
                continue        # other (non-anonymous) listings in the same list
            bad = [k for k in PRIVATE_KEYS if k in obj]
            if bad:
                failures.append("%s %s has keys %s" % (who, what, bad))

    def sweep(who, c):
        r = c.get("/listings/" + lid)
        check(who, "detail page", r)
        if r.status == 200 and "发布者选择了匿名发布" not in r.text:
            failures.append("%s detail page does not say the owner is anonymous" % who)
        r = c.api("GET", "/api/v1/listings/" + lid)
        check(who, "API listing", r, [r.json] if r.status == 200 else None)
        if r.status == 200 and r.json.get("anonymous") is not True:
            failures.append("%s API: anonymous flag missing" % who)
        r = c.get("/demands?" + urllib.parse.urlencode({"q": title}))
        check(who, "browse page", r)
        if r.status == 200 and (title not in r.text or "匿名发布" not in r.text):
            failures.append("%s browse page does not list it as anonymous" % who)
        r = c.api("GET", "/api/v1/listings?" + urllib.parse.urlencode({"kind": "demand", "q": title}))
        check(who, "browse API", r, r.json["items"] if r.status == 200 else None)
        if r.status == 200 and [x["id"] for x in r.json["items"]] != [lid]:
            failures.append("%s browse API: not found by title" % who)
        for fmt in ("csv", "json"):
            r = c.api("GET", "/api/v1/export.%s?%s" % (fmt, urllib.parse.urlencode({"kind": "demand", "q": title})))
            if r.status == 404:
                if fmt not in _noted:
                    _noted.add(fmt)
                    print("NOTE: GET /api/v1/export.%s is missing (404): that export's leak check skipped" % fmt)
                continue
            if r.status != 200:
                failures.append("%s export.%s: status %d" % (who, fmt, r.status))
                continue
            rows = _export_rows(r.text, fmt, title)
            if not rows:
                failures.append("%s export.%s does not contain the listing" % (who, fmt))
            for row in rows:
                leaked = _leaks(row, secrets)
                if leaked:
                    failures.append("%s export.%s leaks %s" % (who, fmt, leaked))

    for who, c in viewers.items():
        sweep(who, c)
    # Favourites.
    r = sender.api("POST", "/api/v1/favourites", {"listing_id": lid})
    check("sender", "favourite set", r, r.json["items"] if r.status == 200 else None)
    r = sender.api("GET", "/api/v1/favourites")
    check("sender", "favourites API", r, r.json["items"] if r.status == 200 else None)
    if r.status == 200 and lid not in [x["id"] for x in r.json["items"]]:
        failures.append("favourite not listed")
    r = sender.get("/favourites")
    check("sender", "favourites page", r)
    if r.status == 200 and title not in r.text:
        failures.append("favourites page misses the listing")
    # An EOI, before it is accepted.
    r = sender.api("POST", "/api/v1/listings/%s/interest" % lid, {"message": "我们有相关技术储备，希望沟通。"})
    assert r.status == 201, r
    eid = r.json["id"]
    check("sender", "EOI sent (API)", r, [r.json])
    check("sender", "EOI API", sender.api("GET", "/api/v1/eois/" + eid))
    check("sender", "EOI page", sender.get("/eois/" + eid))
    check("sender", "EOI list API", sender.api("GET", "/api/v1/eois"))
    check("sender", "EOI list page", sender.get("/eois"))
    check("sender", "notifications", sender.api("GET", "/api/v1/notifications"))
    check("sender", "detail page after EOI", sender.get("/listings/" + lid))
    # The owner sees the sender's name, not yet the sender's e-mail or phone.
    e = org.api("GET", "/api/v1/eois/" + eid).json
    assert e["counterpart"]["name"] == "李娜" and "email" not in e["counterpart"], e
    # Accepted: the sender now sees who it is and how to reach them.
    r = org.api("POST", "/api/v1/eois/%s/decision" % eid, {"decision": "accept"})
    assert r.status == 200 and r.json["status"] == "accepted", r
    e = sender.api("GET", "/api/v1/eois/" + eid).json
    cp = e["counterpart"] or {}
    if not (cp.get("name") == "刘洋" and cp.get("contact_phone") == contact["contact_phone"]):
        failures.append("accepted sender does not see the owner's contacts: %r" % cp)
    v = sender.api("GET", "/api/v1/listings/" + lid).json
    if not (v.get("can_see_private") is True and v.get("contact_email") == contact["contact_email"]):
        failures.append("accepted sender does not see contacts on the listing: %r" % v)
    page = sender.get("/listings/" + lid).text
    if contact["contact_phone"] not in page or "刘洋" not in page:
        failures.append("accepted sender's detail page lacks the owner's identity/contacts")
    if contact["contact_phone"] not in sender.get("/eois/" + eid).text:
        failures.append("accepted sender's EOI page lacks the owner's phone")
    # A third party still sees nothing.
    for who in ("anonymous", "third", "op2"):
        sweep(who + " (after acceptance)", viewers[who])
    assert not failures, "\n".join(failures)


def test_non_anonymous_listing_hides_contacts_until_accepted(server):
    f = fixtures(server)
    owner, admin = f["owner"], f["admin"]
    phone = "028-8%07d" % (int(RUN, 16) % 10000000)
    l = publish(owner, admin, contact_name="张老师", contact_phone=phone, contact_email="zw.%s@example.cn" % RUN)
    for c in (f["anonymous"], f["org"], f["op2"]):
        v = c.api("GET", "/api/v1/listings/" + l["id"]).json
        assert v["owner_name"] == "张伟", v                     # identity is public
        assert "contact_phone" not in v and "contact_email" not in v, v
        page = c.get("/listings/" + l["id"]).text
        assert phone not in page and "zw.%s@example.cn" % RUN not in page
    v = f["op"].api("GET", "/api/v1/listings/" + l["id"]).json
    assert v["contact_phone"] == phone, "the region's reviewer sees contacts"
