"""Authorization matrix of 科普 (popular science: items, review, questions
to experts, volunteer teams, reader profiles; roles: test_authz.py ROLES;
runner: authz_matrix.py).

scientist (张伟) wrote {item} (published) and {pending} (waiting for
review); resident (陈敏) asked {q} and scientist answered it ({ans});
scientist leads the volunteer team {team}. Reviewing is the staff's; an
author edits their own; anyone signed in reads, marks and asks."""
import authz_matrix as M
from test_authz import PUBLIC, SIGNED_IN, STAFF, expect

NOSUCH = M.NOSUCH
AUTHOR = expect("forbidden", scientist="ok")
# Staff may add corrections and team members too.
AUTHOR_OR_STAFF_422 = expect("forbidden", scientist="status 422", operator="status 422", another_center="status 422",
                             center_staff="status 422", admin="status 422")
# A question of 德阳市旌阳区: its asker, and for them the staff of its region
# (the 德阳 center's staff, administrators). Operators of other centers (成都,
# Xining) were allowed before (any operator): fixed.
ACCEPTERS = expect("forbidden", resident="ok", center_staff="ok", admin="ok")
TEAM_422 = expect("forbidden", scientist="status 422", operator="status 422", admin="status 422")
STAFF_409 = expect("forbidden", operator="conflict", another_center="conflict", center_staff="conflict", admin="conflict")
HIDDEN = dict(expect("missing", scientist="ok", operator="ok", another_center="ok", center_staff="ok", admin="ok"),
              anonymous="missing")
STAFF_422 = expect("forbidden", operator="status 422", another_center="status 422", center_staff="status 422",
                   admin="status 422")

POPSCI_MATRIX = [
    ("GET", "/popsci", "page", PUBLIC),
    ("GET", "/api/v1/popsci", "api", PUBLIC),
    ("GET", "/api/v1/popsci/topics", "api", PUBLIC),
    ("GET", "/feeds/popsci.atom", "page", PUBLIC),
    ("GET", "/popsci/{item}", "page", PUBLIC),
    ("GET", "/api/v1/popsci/{item}", "api", PUBLIC),
    ("GET", "/popsci/{pending}", "page", HIDDEN),
    ("GET", "/api/v1/popsci/{pending}", "api", HIDDEN),
    ("GET", "/popsci/new", "page", SIGNED_IN),
    ("POST", "/popsci", "page", expect("status 422"), {"title": ""}),
    ("POST", "/api/v1/popsci", "api", expect("status 422"), {"title": ""}),
    ("GET", "/popsci/{item}/edit", "page", AUTHOR),
    ("POST", "/popsci/{item}/edit", "upload", expect("forbidden", scientist="status 422"), {"title": "", "_file": "images"}),
    ("PUT", "/api/v1/popsci/{item}", "api", expect("forbidden", scientist="status 422"), {"title": ""}),
    ("POST", "/popsci/{item}/mark", "page", SIGNED_IN, {"kind": "useful"}),
    ("POST", "/api/v1/popsci/{item}/events", "api", SIGNED_IN, {"kind": "open"}),
    ("POST", "/popsci/{item}/correction", "page", AUTHOR_OR_STAFF_422, {"note": ""}),
    ("POST", "/api/v1/popsci/{item}/corrections", "api", AUTHOR_OR_STAFF_422, {"note": ""}),
    # Reviewing: the staff; an approval of a published item is refused for its state.
    ("GET", "/popsci/review", "page", STAFF),
    ("GET", "/api/v1/popsci/review", "api", STAFF),
    # Content meant for 德阳 ({ditem}): reviewed by the staff whose region contains it.
    ("GET", "/api/v1/popsci/{ditem}", "api", dict(expect("missing", scientist="ok", center_staff="ok", admin="ok"), anonymous="missing")),
    ("POST", "/api/v1/popsci/{ditem}/review", "api", expect("forbidden", center_staff="status 422", admin="status 422"),
     {"action": "reject"}),
    ("POST", "/popsci/{item}/review", "page", expect("forbidden", operator="conflict", another_center="conflict",
                                                       center_staff="conflict", admin="conflict"), {"action": "approve"}),
    ("POST", "/api/v1/popsci/{item}/review", "api", expect("forbidden", operator="conflict", another_center="conflict",
                                                             center_staff="conflict", admin="conflict"), {"action": "approve"}),
    ("GET", "/api/v1/popsci/stats", "api", STAFF),
    ("GET", "/popsci/notices/new", "page", STAFF),
    ("POST", "/popsci/notices", "page", STAFF_422, {"title": ""}),
    ("POST", "/api/v1/popsci/notices", "api", STAFF_422, {"title": ""}),
    # The reader's own.
    ("GET", "/popsci/mine", "page", SIGNED_IN),
    ("GET", "/popsci/feed", "page", SIGNED_IN),
    ("GET", "/api/v1/feed", "api", SIGNED_IN),
    ("GET", "/popsci/profile", "page", SIGNED_IN),
    ("GET", "/api/v1/popsci/profile", "api", SIGNED_IN),
    ("POST", "/popsci/profile", "page", SIGNED_IN, {"crops": "矩阵作物"}),
    ("PUT", "/api/v1/popsci/profile", "api", SIGNED_IN, {"crops": "矩阵作物"}),
    ("POST", "/popsci/profile/delete", "page", SIGNED_IN, {}),
    ("DELETE", "/api/v1/popsci/profile", "api", SIGNED_IN),
    # Experts: anyone signed in says what they answer; the directory is public.
    ("GET", "/popsci/experts", "page", SIGNED_IN),
    ("GET", "/api/v1/popsci/experts", "api", SIGNED_IN),
    ("POST", "/popsci/experts", "page", SIGNED_IN, {"regions": "", "public": "0"}),
    ("PUT", "/api/v1/popsci/experts", "api", SIGNED_IN, {"topics": [], "regions": [], "public": False}),
    # Questions and answers.
    ("GET", "/popsci/questions", "page", PUBLIC),
    ("GET", "/api/v1/questions", "api", PUBLIC),
    ("GET", "/popsci/questions/new", "page", SIGNED_IN),
    ("POST", "/popsci/questions", "page", expect("status 422"), {"title": ""}),
    ("POST", "/api/v1/questions", "api", expect("status 422"), {"title": ""}),
    ("GET", "/popsci/questions/{q}", "page", PUBLIC),
    ("GET", "/api/v1/questions/{q}", "api", PUBLIC),
    ("POST", "/popsci/questions/{q}/answers", "page", SIGNED_IN, {"body": "矩阵回答：注意保温。"}),
    ("POST", "/api/v1/questions/{q}/answers", "api", SIGNED_IN, {"body": "矩阵回答：注意保温。"}),
    # The staff of its region publish the answered question (the first does; then it is published).
    ("POST", "/popsci/questions/{q}/publish", "page", expect("forbidden", center_staff="ok", admin="conflict"), {}),
    ("POST", "/api/v1/questions/{q}/publish", "api", expect("forbidden", center_staff="conflict", admin="conflict"), {}),
    # The asker accepts an answer, or the staff for them (popsci/questions.c).
    ("POST", "/popsci/answers/{ans}/accept", "page", ACCEPTERS, {}),
    ("POST", "/api/v1/answers/{ans}/accept", "api", ACCEPTERS, {}),
    # Volunteer teams: anyone signed in founds one; its members add members.
    ("GET", "/popsci/teams", "page", PUBLIC),
    ("GET", "/api/v1/popsci/teams", "api", PUBLIC),
    ("GET", "/popsci/teams/{team}", "page", PUBLIC),
    ("GET", "/api/v1/popsci/teams/{team}", "api", PUBLIC),
    ("GET", "/popsci/teams/new", "page", SIGNED_IN),
    ("POST", "/popsci/teams", "page", expect("status 422"), {"name": ""}),
    ("POST", "/api/v1/popsci/teams", "api", expect("status 422"), {"name": ""}),
    # Its founder, or the staff of its region (成都): staff of other centers
    # could add members before (any operator): fixed. (No such address here: 422.)
    ("POST", "/popsci/teams/{team}/members", "page", TEAM_422, {"email": "matrix.nobody@example.cn"}),
    ("POST", "/api/v1/popsci/teams/{team}/members", "api", TEAM_422, {"email": "matrix.nobody@example.cn"}),
    # Media of items: public once published; no such file for anyone.
    ("GET", "/popsci/images/{nosuch}", "page", {r: "missing" for r in PUBLIC}),
    ("GET", "/popsci/images/{nosuch}/480", "page", {r: "missing" for r in PUBLIC}),
    ("GET", "/popsci/videos/{nosuch}", "page", {r: "missing" for r in PUBLIC}),
]


def test_popsci_authorization_matrix(server):
    from test_popsci import create, publish
    author = M.client_for(server, "scientist")
    item = publish(server, create(author))
    pending = create(author)
    asker = M.client_for(server, "resident")
    r = asker.api("POST", "/api/v1/questions", {"title": "矩阵：高原水稻育秧", "body": "早春育秧常遇低温，怎么办？", "topic": "rice", "region": "510603"})
    assert r.status == 201, r
    q = r.json["id"]
    r = author.api("POST", "/api/v1/questions/%s/answers" % q, {"body": "矩阵回答：覆膜保温。"})
    assert r.status == 201, r
    ans = r.json["answer_id"]
    r = author.api("POST", "/api/v1/popsci/teams", {"name": "矩阵志愿队", "intro": "授权矩阵", "regions": ["510107"]})
    assert r.status == 201, r
    ditem = create(author, regions=["510600"])
    values = {"ditem": ditem, "item": item, "pending": pending, "q": q, "ans": ans, "team": r.json["id"], "nosuch": NOSUCH}
    failures = M.run(server, POPSCI_MATRIX, values)
    assert not failures, "\n".join(failures)
    assert M.client_for(server, "anonymous").api("GET", "/api/v1/popsci/%s" % pending).status == 404
    # The review queue lists 德阳's {ditem} to the staff of its region only.
    for role, sees in (("center_staff", True), ("admin", True), ("operator", False), ("another_center", False)):
        queue = M.client_for(server, role).api("GET", "/api/v1/popsci/review").json["items"]
        assert (ditem in [i["id"] for i in queue]) == sees, (role, sees)
