"""Authorization matrix of the marketplace: listings, review, interest
(EOI), threads, favourites, matches and subscriptions, studios, bulk
import/export (roles: test_authz.py ROLES; runner: authz_matrix.py).

The objects are made fresh each run. scientist (张伟) owns {lst} (a
published achievement in 成都 武侯区, so "operator" heads the right center
and "another_center" / "center_staff" are staff of other centers), {draft}
(never submitted), {sub} (waiting for review); org_member (刘洋) expressed
interest in {lst} ({eoi}, accepted: its thread {thread}); {done} is an EOI already
declined; {att1} and {att2} are files of {lst}; {studio} is scientist's
studio; {subn} is scientist's saved search.

Writes that would change the shared objects are asked in a state where
the right role meets 409 (an approval of a published listing, a decision
on a declined EOI) or with a body the domain refuses after the access
check: the role passed the check, nothing changed."""
import authz_matrix as M
from harness import Client
from test_authz import PUBLIC, SIGNED_IN, STAFF, ADMIN_ONLY, expect
from test_market_lifecycle import create, listing_body, ok_act

NOSUCH = M.NOSUCH
# The owner (scientist) only: administrators and staff review, they do not
# edit someone's listing or studio.
OWNER = expect("forbidden", scientist="ok")
OWNER_422 = expect("forbidden", scientist="status 422")
# The owner and the staff who may review its region (the 成都 center's head
# and administrators; staff of other centers are refused).
REVIEWERS = expect("forbidden", scientist="ok", operator="ok", admin="ok")
# Not published: nobody but its owner and the staff of its region learns it exists.
HIDDEN = dict(expect("missing", scientist="ok", operator="ok", admin="ok"), anonymous="missing")
# The two sides of an EOI and its conversation; nobody else learns it exists.
EOI_PARTIES = expect("missing", scientist="ok", org_member="ok")
PUBLISHERS = expect("ok", resident="forbidden")
CONFLICT_FOR_REVIEWERS = expect("forbidden", scientist="conflict", operator="conflict", admin="conflict")
# The signed-in user's own (a saved search, a match of their listing): nobody else's.
MINE = expect("missing", scientist="ok")

MARKET_MATRIX = [
    ("GET", "/achievements", "page", PUBLIC),
    ("GET", "/services", "page", PUBLIC),
    ("GET", "/demands", "page", PUBLIC),
    ("GET", "/api/v1/listings?kind=demand", "api", PUBLIC),
    ("GET", "/api/v1/listings/lifecycle", "api", PUBLIC),
    ("GET", "/api/v1/reference", "api", PUBLIC),
    ("GET", "/listings/{lst}", "page", PUBLIC),
    ("GET", "/api/v1/listings/{lst}", "api", PUBLIC),
    ("GET", "/listings/{draft}", "page", HIDDEN),
    ("GET", "/api/v1/listings/{draft}", "api", HIDDEN),
    ("POST", "/listings", "page", expect("status 422", resident="forbidden"), {"kind": "achievement"}),
    ("GET", "/listings/{lst}/edit", "page", OWNER),
    ("POST", "/listings/{lst}/edit", "page", OWNER_422, {"title": "x"}),
    ("PATCH", "/api/v1/listings/{lst}", "api", OWNER_422, {"title": "x"}),
    # Approving a published listing: the reviewers pass the check and meet its state.
    ("POST", "/listings/{lst}/act", "page", CONFLICT_FOR_REVIEWERS, {"action": "approve"}),
    ("POST", "/api/v1/listings/{lst}/actions", "api", CONFLICT_FOR_REVIEWERS, {"action": "approve"}),
    ("POST", "/api/v1/listings/{sub}/actions", "api", dict(CONFLICT_FOR_REVIEWERS, resident="missing", org_member="missing",
                                                                    org_plain="missing", another_org="missing",
                                                                    another_center="missing", center_staff="missing"),
     {"action": "submit"}),
    ("GET", "/listings/{lst}/history", "page", REVIEWERS),
    ("GET", "/api/v1/listings/{lst}/history", "api", REVIEWERS),
    # Not in one's own listing, one pending per listing (the page's EOI of
    # each role makes its API call a conflict).
    ("POST", "/listings/{lst}/interest", "page", expect("ok", resident="forbidden", scientist="conflict"),
     {"message": "矩阵：我们想了解这项成果的授权条件。"}),
    ("POST", "/api/v1/listings/{lst}/interest", "api", expect("conflict", resident="forbidden"),
     {"message": "矩阵：我们想了解这项成果的授权条件。"}),
    ("POST", "/listings/{lst}/favourite", "page", SIGNED_IN, {"on": "1"}),
    ("POST", "/api/v1/favourites", "api", SIGNED_IN, {"listing_id": "{lst}", "on": True}),
    ("POST", "/listings/{lst}/attachments", "upload", OWNER),
    ("POST", "/api/v1/listings/{lst}/attachments", "upload", OWNER),
    ("POST", "/listings/{lst}/attachments/{att1}/delete", "page", OWNER, {}),
    ("DELETE", "/api/v1/listings/{lst}/attachments/{att2}", "api", OWNER),
    ("GET", "/my/listings", "page", SIGNED_IN),
    ("GET", "/api/v1/my/listings", "api", SIGNED_IN),
    ("GET", "/review", "page", STAFF),
    ("GET", "/api/v1/review-queue", "api", STAFF),
    ("GET", "/eois", "page", SIGNED_IN),
    ("GET", "/api/v1/eois", "api", SIGNED_IN),
    ("GET", "/eois/{eoi}", "page", EOI_PARTIES),
    ("GET", "/api/v1/eois/{eoi}", "api", EOI_PARTIES),
    # The listing's owner decides (here on a declined EOI: its state); its sender may not.
    ("POST", "/eois/{done}/decide", "page", expect("missing", scientist="conflict", org_plain="forbidden"), {"decision": "accept"}),
    ("POST", "/api/v1/eois/{done}/decision", "api", expect("missing", scientist="conflict", org_plain="forbidden"),
     {"decision": "accept"}),
    ("GET", "/threads/{thread}", "page", EOI_PARTIES),
    ("GET", "/api/v1/threads/{thread}", "api", EOI_PARTIES),
    ("POST", "/threads/{thread}/messages", "page", EOI_PARTIES, {"body": "矩阵消息"}),
    ("POST", "/api/v1/threads/{thread}/messages", "api", EOI_PARTIES, {"body": "矩阵消息"}),
    ("GET", "/api/v1/threads", "api", SIGNED_IN),
    ("GET", "/favourites", "page", SIGNED_IN),
    ("GET", "/api/v1/favourites", "api", SIGNED_IN),
    ("GET", "/notifications", "page", SIGNED_IN),
    ("GET", "/api/v1/notifications", "api", SIGNED_IN),
    # Search, matches and saved searches.
    ("GET", "/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA", "page", PUBLIC),
    ("GET", "/api/v1/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA", "api", PUBLIC),
    ("GET", "/api/v1/suggest?q=%E6%97%A0%E4%BA%BA", "api", PUBLIC),
    ("GET", "/listings/{lst}/matches", "page", PUBLIC),
    ("GET", "/api/v1/listings/{lst}/matches", "api", PUBLIC),
    ("GET", "/listings/{draft}/matches", "page", dict(expect("missing", scientist="ok"), anonymous="missing")),
    ("GET", "/api/v1/listings/{draft}/matches", "api", dict(expect("missing", scientist="ok"), anonymous="missing")),
    ("POST", "/listings/{lst}/matches/{demand}/not-relevant", "page", MINE, {}),
    ("POST", "/api/v1/listings/{lst}/matches/{demand}/not-relevant", "api", MINE, {}),
    ("GET", "/subscriptions", "page", SIGNED_IN),
    ("GET", "/api/v1/subscriptions", "api", SIGNED_IN),
    ("POST", "/subscriptions", "page", SIGNED_IN, {"type": "search", "q": "矩阵订阅"}),
    ("POST", "/api/v1/subscriptions", "api", SIGNED_IN, {"type": "search", "q": "矩阵订阅"}),
    ("POST", "/subscriptions/{subn}/delete", "page", MINE, {}),
    ("DELETE", "/api/v1/subscriptions/{subn2}", "api", MINE),
    # Bulk import and export: administrators import; the export is the public listings.
    ("GET", "/admin/import", "page", ADMIN_ONLY),
    ("POST", "/admin/import", "upload", expect("forbidden", admin="status 422"), {"_file": "file"}),
    ("POST", "/api/v1/import", "upload", expect("forbidden", admin="status 422"), {"_file": "file"}),
    ("GET", "/api/v1/export.csv", "api", PUBLIC),
    ("GET", "/api/v1/export.xlsx", "api", PUBLIC),
    ("GET", "/api/v1/export.json", "api", PUBLIC),
    # Studios: the owner edits and invites; anyone reads.
    ("GET", "/studios", "page", PUBLIC),
    ("GET", "/api/v1/studios", "api", PUBLIC),
    ("GET", "/studios/{studio}", "page", PUBLIC),
    ("GET", "/api/v1/studios/{studio}", "api", PUBLIC),
    # Studios are scientists' (test_studios: "只有科技工作者").
    ("GET", "/studios/new", "page", OWNER),
    ("POST", "/studios", "page", OWNER_422, {"name": ""}),
    ("POST", "/api/v1/studios", "api", OWNER, {"name": "矩阵第二工作室"}),
    ("GET", "/studios/mine", "page", OWNER),
    ("GET", "/studios/{studio}/edit", "page", OWNER),
    ("POST", "/studios/{studio}/edit", "page", OWNER_422, {"name": ""}),
    ("PATCH", "/api/v1/studios/{studio}", "api", OWNER_422, {"name": ""}),
    ("POST", "/studios/{studio}/members", "page", OWNER, {"email": "matrix.nobody@example.cn"}),
    ("POST", "/api/v1/studios/{studio}/members", "api", expect("forbidden", scientist="conflict"),
     {"email": "matrix.nobody@example.cn"}),
    ("POST", "/studios/{studio}/members/remove", "page", expect("forbidden", scientist="missing"), {"email": "nobody@example.cn"}),
    # Joining needs an invitation (the owner is a member already).
    ("POST", "/studios/{studio}/join", "page", OWNER, {}),
    ("POST", "/api/v1/studios/{studio}/join", "api", OWNER, {}),
    ("POST", "/studios/{studio}/avatar", "upload", OWNER, {"_file": "avatar"}),
    ("GET", "/files/{nosuch}", "page", {r: "missing" for r in PUBLIC}),
    # A listing's files: a public file of a published listing is anyone's; a
    # confidential one its owner's, the staff's of its region and of those
    # whose interest the owner accepted (org_member); a draft's its owner's
    # and the staff's of its region. Nobody else learns they exist.
    ("GET", "/files/{pubatt}", "page", PUBLIC),
    ("GET", "/files/{confatt}", "page", dict(expect("missing", scientist="ok", org_member="ok", operator="ok", admin="ok"),
                                             anonymous="missing")),
    ("GET", "/files/{draftatt}", "page", HIDDEN),
    # A file is deleted through its own listing only: org_member owns {demand},
    # not {lst}'s file; nobody else owns {demand}.
    ("POST", "/listings/{demand}/attachments/{pubatt}/delete", "page", expect("forbidden", org_member="missing"), {}),
    ("DELETE", "/api/v1/listings/{demand}/attachments/{pubatt}", "api", expect("forbidden", org_member="missing")),
    ("GET", "/popsci/images/{confatt}", "page", {r: "missing" for r in PUBLIC}),
]


def fixtures(server):
    owner = M.client_for(server, "scientist")
    admin = M.client_for(server, "admin")
    member = M.client_for(server, "org_member")
    lst = create(owner, "achievement", submit=True)["id"]
    ok_act(admin, lst, "approve")
    draft = create(owner, "achievement")["id"]
    sub = create(owner, "achievement", submit=True)["id"]
    demand = create(member, "demand", submit=True)["id"]
    ok_act(admin, demand, "approve")
    r = member.api("POST", "/api/v1/listings/%s/interest" % lst, {"message": "矩阵：想了解授权条件"})
    assert r.status == 201, r
    eoi = r.json["id"]
    # Accepting the EOI opens its conversation: the one thread both sides share about this listing.
    assert owner.api("POST", "/api/v1/eois/%s/decision" % eoi, {"decision": "accept"}).status == 200
    title = owner.api("GET", "/api/v1/listings/%s" % lst).json["title"]
    mine = {t["id"] for t in owner.api("GET", "/api/v1/threads").json["items"]}
    thread = [t["id"] for t in member.api("GET", "/api/v1/threads").json["items"] if t["id"] in mine and title in (t["subject"] or "")]
    assert len(thread) == 1, thread
    thread = thread[0]
    other = M.client_for(server, "org_plain")
    r = other.api("POST", "/api/v1/listings/%s/interest" % lst, {"message": "矩阵：第二份意向"})
    assert r.status == 201, r
    done = r.json["id"]
    assert owner.api("POST", "/api/v1/eois/%s/decision" % done, {"decision": "decline", "reason": "other"}).status == 200
    atts = []
    for _ in range(2):
        r = M.send(owner, "POST", "/api/v1/listings/%s/attachments" % lst, "upload", {})
        assert r.status == 201, r
        atts.append(r.json["id"])
    files = {}
    for name, where, body in (("pubatt", lst, {}), ("confatt", lst, {"confidential": "1"}), ("draftatt", draft, {})):
        r = M.send(owner, "POST", "/api/v1/listings/%s/attachments" % where, "upload", body)
        assert r.status == 201, r
        files[name] = r.json["id"]
    r = owner.api("POST", "/api/v1/studios", {"name": "矩阵工作室", "summary": "授权矩阵"})
    assert r.status == 201, r
    studio = r.json["id"]
    subs = []
    for _ in range(2):
        r = owner.api("POST", "/api/v1/subscriptions", {"type": "search", "q": "矩阵订阅"})
        assert r.status == 201, r
        subs.append(r.json["id"])
    return {"lst": lst, "draft": draft, "sub": sub, "demand": demand, "eoi": eoi, "thread": thread, "done": done,
            "att1": atts[0], "att2": atts[1], "studio": studio, "subn": subs[0], "subn2": subs[1], "nosuch": NOSUCH, **files}


def test_market_authorization_matrix(server):
    values = fixtures(server)
    failures = M.run(server, MARKET_MATRIX, values)
    assert not failures, "\n".join(failures)
    # The refused attempts changed nothing.
    owner = M.client_for(server, "scientist")
    j = owner.api("GET", "/api/v1/listings/%s" % values["lst"]).json
    assert j["status"] == "published" and j["title"] != "x", j
    assert owner.api("GET", "/api/v1/eois/%s" % values["done"]).json["status"] == "declined"
    assert Client(server).api("GET", "/api/v1/studios/%s" % values["studio"]).json["name"] == "矩阵工作室"
    # The review queue lists {sub} (成都) to the staff of its region only.
    for role, sees in (("operator", True), ("admin", True), ("another_center", False), ("center_staff", False)):
        queue = M.client_for(server, role).api("GET", "/api/v1/review-queue").json["items"]
        assert (values["sub"] in [i["id"] for i in queue]) == sees, (role, sees)
