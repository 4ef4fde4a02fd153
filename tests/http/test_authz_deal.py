"""Authorization matrix of deals and of 揭榜挂帅 (roles: test_authz.py
ROLES; runner: authz_matrix.py).

Deals: {deal} is a deal in negotiation between scientist (张伟, provider)
and org_member (刘洋, client), from {deal_eoi} on {deal_lst}. Its parties
and administrators see it; nobody else learns it exists (404). Its
sub-objects are named by {nosuch} (a well-formed id of nothing): a party
meets 404 for it, anyone else is refused at the deal first. Actions the
negotiation does not allow (signing, reviewing) answer 409 to the parties.

揭榜挂帅: {list} is a list issued by the 成都 center (operator), {ch} a
published entry issued by org_member's organization, {app} scientist's
application to it. The issuer's members and staff act on the entry; the
applicant on the application."""
import authz_matrix as M
from test_authz import PUBLIC, SIGNED_IN, STAFF, expect
from test_deal import Deal, reach, to_negotiation

NOSUCH = M.NOSUCH
PARTIES = expect("missing", scientist="ok", org_member="ok", admin="ok")
PARTIES_409 = expect("missing", scientist="conflict", org_member="conflict", admin="conflict")
PUBLISHERS = expect("ok", resident="forbidden")
# The conversation is the parties' own: administrators see the deal, not its messages.
MEDIATORS = expect("missing", scientist="ok", org_member="ok", operator="ok", admin="ok")
CONVERSATION = expect("missing", scientist="ok", org_member="ok")

DEAL_MATRIX = [
    ("GET", "/deals", "page", SIGNED_IN),
    ("GET", "/api/v1/deals", "api", SIGNED_IN),
    ("GET", "/deals/process", "page", PUBLIC),
    ("GET", "/api/v1/deals/states", "api", PUBLIC),
    ("GET", "/api/v1/deals/stats", "api", STAFF),
    ("POST", "/api/v1/deals", "api", expect("missing", resident="forbidden"), {"eoi_id": "{nosuch}"}),
    ("GET", "/deals/{deal}", "page", PARTIES),
    ("GET", "/api/v1/deals/{deal}", "api", PARTIES),
    ("POST", "/deals/{deal}/act", "page", PARTIES_409, {"action": "sign"}),
    ("POST", "/api/v1/deals/{deal}/actions", "api", PARTIES_409, {"action": "sign"}),
    ("GET", "/deals/{deal}/contract", "page", PARTIES_409),
    ("GET", "/api/v1/deals/{deal}/contract", "api", PARTIES_409),
    ("GET", "/deals/{deal}/contract.pdf", "page", PARTIES_409),
    ("GET", "/api/v1/deals/{deal}/contract.pdf", "api", PARTIES_409),
    ("POST", "/api/v1/deals/{deal}/contract/signatures", "api", PARTIES_409, {}),
    ("POST", "/deals/{deal}/attachments", "upload", CONVERSATION),
    ("POST", "/api/v1/deals/{deal}/attachments", "upload", CONVERSATION),
    ("GET", "/deals/{deal}/files/{nosuch}", "page", expect("missing")),
    ("GET", "/api/v1/deals/{deal}/messages", "api", dict(CONVERSATION, admin="forbidden")),
    ("POST", "/api/v1/deals/{deal}/messages", "api", dict(CONVERSATION, admin="forbidden"), {"body": "矩阵消息"}),
    ("GET", "/api/v1/deals/{deal}/offers", "api", PARTIES),
    ("POST", "/api/v1/deals/{deal}/offers", "api", expect("missing", scientist="status 422", org_member="status 422",
                                                         admin="forbidden"), {}),
    # Only the other party accepts the offer in force (scientist made it).
    ("POST", "/api/v1/deals/{deal}/offers/{nosuch}/accept", "api", expect("missing", scientist="forbidden", org_member="conflict",
                                                                         admin="forbidden"), {}),
    ("GET", "/api/v1/deals/{deal}/milestones", "api", PARTIES),
    ("POST", "/api/v1/deals/{deal}/milestones", "api", PARTIES_409, {}),
    ("POST", "/api/v1/deals/{deal}/milestones/{nosuch}/actions", "api", PARTIES_409, {"action": "deliver"}),
    ("GET", "/api/v1/deals/{deal}/reviews", "api", PARTIES),
    ("POST", "/api/v1/deals/{deal}/reviews", "api", PARTIES_409, {"rating": 5, "body": "矩阵评价"}),
    ("POST", "/api/v1/deals/{deal}/reviews/{nosuch}/reply", "api", PARTIES_409, {"body": "矩阵回复"}),
    ("POST", "/api/v1/deals/{deal}/reviews/{nosuch}/hide", "api", expect("forbidden", operator="missing", another_center="missing",
                                                                        center_staff="missing", admin="conflict"), {"reason": "矩阵"}),
    ("GET", "/api/v1/deals/{deal}/events", "api", PARTIES),
    # A disputed deal ({disp}, 成都): the staff of its region mediate and so see
    # it; staff of other centers do not learn it exists.
    ("GET", "/deals/{disp}", "page", MEDIATORS),
    ("GET", "/api/v1/deals/{disp}", "api", MEDIATORS),
    # Resolving needs a mediation first: 409 for those who may see it.
    ("POST", "/api/v1/deals/{disp}/actions", "api", {r: ("conflict" if v == "ok" else v) for r, v in MEDIATORS.items()},
     {"action": "resolve", "reason": "矩阵"}),
    ("POST", "/eois/{deal_eoi}/deal", "page", expect("missing", resident="forbidden", scientist="conflict", org_member="conflict"), {}),
    # An achievement is not ordered (fixed-price services are): refused for its kind.
    ("POST", "/listings/{deal_lst}/order", "page", expect("conflict", resident="forbidden"), {}),
    ("GET", "/api/v1/ratings/studio/{nosuch}", "api", PUBLIC),
    ("GET", "/settings/mail", "page", SIGNED_IN),
    ("POST", "/settings/mail", "page", SIGNED_IN, {}),
    ("GET", "/api/v1/mail-prefs", "api", SIGNED_IN),
    ("PUT", "/api/v1/mail-prefs", "api", SIGNED_IN, {}),
]

# org_member's organization issued the entries (org_plain is a member of it).
ISSUER = expect("forbidden", org_member="ok", org_plain="ok")
ISSUER_AND_STAFF = expect("forbidden", org_member="ok", org_plain="ok", operator="ok", admin="ok")
# An application: its applicant acts on it; the issuer and the staff of the
# entry's region see it (and are refused acting for the applicant); nobody
# else learns it exists.
APP_SEEN = expect("missing", org_member="forbidden", org_plain="forbidden", operator="forbidden", admin="forbidden")
# Not yet public ({chs}, submitted): its issuer and the staff of its region only.
ISSUER_AND_STAFF_422 = {r: ("status 422" if v == "ok" else v) for r, v in ISSUER_AND_STAFF.items()}
STAFF_404 = expect("forbidden", operator="missing", another_center="missing", center_staff="missing", admin="missing")
STAFF_422 = expect("forbidden", operator="status 422", another_center="status 422", center_staff="status 422", admin="status 422")
SCORE = expect("missing", scientist="conflict", org_member="conflict", org_plain="conflict", operator="conflict", admin="conflict")
SUBMITTED = dict(expect("missing", org_member="ok", org_plain="ok", operator="ok", admin="ok"), anonymous="missing")

CHALLENGE_MATRIX = [
    ("GET", "/challenge-lists", "page", PUBLIC),
    ("GET", "/api/v1/challenge-lists", "api", PUBLIC),
    ("POST", "/challenge-lists", "page", STAFF_422, {"title": ""}),
    ("POST", "/api/v1/challenge-lists", "api", STAFF_422, {"title": ""}),
    ("GET", "/challenge-lists/{list}", "page", PUBLIC),
    ("GET", "/api/v1/challenge-lists/{list}", "api", PUBLIC),
    ("GET", "/challenge-lists/{list}/new", "page", PUBLISHERS),
    # Organizations issue entries (scientists apply).
    ("POST", "/challenge-lists/{list}/challenges", "page", expect("status 422", resident="forbidden", scientist="forbidden"), {"title": ""}),
    ("POST", "/api/v1/challenge-lists/{list}/challenges", "api", expect("status 422", resident="forbidden", scientist="forbidden"),
     {"title": ""}),
    ("GET", "/api/v1/challenges/lifecycle", "api", PUBLIC),
    ("GET", "/challenges/{ch}", "page", PUBLIC),
    ("GET", "/api/v1/challenges/{ch}", "api", PUBLIC),
    # A published entry is no longer edited (the table's state comes
    # first: 409 for everyone); a submitted one by its issuer only, and it
    # does not exist for those who may not see it (the API answered 403
    # before: fixed).
    ("GET", "/challenges/{ch}/edit", "page", expect("forbidden", org_member="conflict", org_plain="conflict")),
    ("POST", "/challenges/{ch}/edit", "page", expect("forbidden", org_member="conflict", org_plain="conflict"), {"title": ""}),
    ("PATCH", "/api/v1/challenges/{ch}", "api", expect("conflict"), {"title": ""}),
    ("PATCH", "/api/v1/challenges/{chs}", "api", dict(SUBMITTED, anonymous="login", org_member="status 422", org_plain="status 422",
                                                       operator="forbidden", admin="forbidden"), {"title": ""}),
    ("GET", "/challenges/{chs}/edit", "page", dict(SUBMITTED, anonymous="login", operator="forbidden", admin="forbidden")),
    ("GET", "/challenges/{chs}", "page", SUBMITTED),
    ("GET", "/api/v1/challenges/{chs}", "api", SUBMITTED),
    # Refusing it is the staff's (a refusal without a reason is refused for its input).
    ("POST", "/challenges/{chs}/act", "page", dict(SUBMITTED, anonymous="login", org_member="forbidden", org_plain="forbidden",
                                                   operator="status 422", admin="status 422"), {"action": "reject"}),
    ("POST", "/api/v1/challenges/{chs}/actions", "api", dict(SUBMITTED, anonymous="login", org_member="forbidden", org_plain="forbidden",
                                                             operator="status 422", admin="status 422"), {"action": "reject"}),
    ("POST", "/challenges/{ch}/act", "page", expect("conflict"), {"action": "approve"}),
    ("POST", "/api/v1/challenges/{ch}/actions", "api", expect("conflict"), {"action": "approve"}),
    # Each signed-in user gets their own applications; the issuer and staff all.
    ("GET", "/api/v1/challenges/{ch}/applications", "api", SIGNED_IN),
    # The issuer's organization does not apply to its own entry; scientist already did.
    ("POST", "/challenges/{ch}/apply", "page", expect("status 422", resident="forbidden", scientist="conflict",
                                                      org_member="forbidden", org_plain="forbidden"), {}),
    ("POST", "/api/v1/challenges/{ch}/applications", "api", expect("status 422", resident="forbidden", scientist="conflict",
                                                                    org_member="forbidden", org_plain="forbidden"), {}),
    ("GET", "/api/v1/challenges/{ch}/applications/{app}", "api", expect("missing", scientist="ok", org_member="ok", org_plain="ok",
                                                                         operator="ok", admin="ok")),
    ("POST", "/challenges/{ch}/applications/{app}", "page", dict(APP_SEEN, scientist="status 422"), {"team": ""}),
    ("PATCH", "/api/v1/challenges/{ch}/applications/{app}", "api", dict(APP_SEEN, scientist="status 422"), {"team": ""}),
    ("POST", "/challenges/{ch}/applications/{app}/attachments", "upload", dict(APP_SEEN, scientist="ok")),
    ("POST", "/api/v1/challenges/{ch}/applications/{app}/attachments", "upload", dict(APP_SEEN, scientist="ok")),
    ("POST", "/challenges/{ch}/applications/{app}/attachments/{nosuch}/delete", "page", dict(APP_SEEN, scientist="missing"), {}),
    ("DELETE", "/api/v1/challenges/{ch}/applications/{app}/attachments/{nosuch}", "api", dict(APP_SEEN, scientist="missing")),
    ("GET", "/challenges/{ch}/files/{nosuch}", "page", expect("missing")),
    # An application's file: as the application ({appatt}, uploaded by scientist).
    ("GET", "/challenges/{ch}/files/{appatt}", "page", expect("missing", scientist="ok", org_member="ok", org_plain="ok",
                                                              operator="ok", admin="ok")),
    # Objections are taken during the publicity only (409 while published).
    ("POST", "/challenges/{ch}/objections", "page", expect("conflict"), {"body": "对结果有异议，请说明。"}),
    ("POST", "/api/v1/challenges/{ch}/objections", "api", expect("conflict"), {"body": "对结果有异议，请说明。"}),
    ("GET", "/api/v1/challenges/{ch}/objections", "api", PUBLIC),
    # Answering is the staff of the entry's region (checked on the objection's entry; none here).
    ("POST", "/challenges/{ch}/objections/{nosuch}/answer", "page", STAFF_404, {"answer": "矩阵答复"}),
    ("POST", "/api/v1/challenges/{ch}/objections/{nosuch}/answer", "api", STAFF_404, {"answer": "矩阵答复"}),
    ("POST", "/challenges/{ch}/reviewers", "page", ISSUER_AND_STAFF_422, {"reviewers": "{reviewer}", "rubric": "总体 | 1 | 10"}),
    ("PUT", "/api/v1/challenges/{ch}/reviewers", "api", ISSUER_AND_STAFF_422, {"reviewers": ["{reviewer}"], "rubric": [{"name": "总体", "weight": 1, "max": 10}]}),
    ("GET", "/api/v1/challenges/{ch}/reviews", "api", ISSUER_AND_STAFF),
    ("POST", "/challenges/{ch}/declaration", "page", expect("forbidden"), {"conflict": "0"}),
    ("POST", "/api/v1/challenges/{ch}/reviews/declaration", "api", expect("forbidden"), {"conflict": False}),
    # Scoring starts with the review (409 while published) and is the reviewers' only.
    ("POST", "/challenges/{ch}/applications/{app}/score", "page", SCORE, {}),
    ("POST", "/api/v1/challenges/{ch}/applications/{app}/scores", "api", SCORE, {"scores": [5]}),
    ("GET", "/api/v1/challenges/{ch}/milestones", "api", PUBLIC),
    ("POST", "/challenges/{ch}/milestones/{nosuch}/report", "page", expect("missing"), {"report": "矩阵", "evidence": "矩阵"}),
    ("POST", "/api/v1/challenges/{ch}/milestones/{nosuch}/report", "api", expect("missing"), {"report": "矩阵", "evidence": "矩阵"}),
    ("POST", "/challenges/{ch}/milestones/{nosuch}/decision", "page", expect("missing"), {"decision": "accept"}),
    ("POST", "/api/v1/challenges/{ch}/milestones/{nosuch}/decision", "api", expect("missing"), {"decision": "accept"}),
    # Last: the applicant withdraws (the API then meets a withdrawn application).
    ("POST", "/challenges/{ch}/applications/{app}/withdraw", "page", dict(APP_SEEN, scientist="ok"), {}),
    ("POST", "/api/v1/challenges/{ch}/applications/{app}/withdraw", "api", dict(APP_SEEN, scientist="conflict"), {}),
]


def test_deal_authorization_matrix(server):
    d = Deal(server)
    to_negotiation(d)
    disp = reach(server, "disputed")
    values = {"disp": disp.id, "deal": d.id, "deal_eoi": d.eoi, "deal_lst": d.listing["id"], "nosuch": NOSUCH}
    failures = M.run(server, DEAL_MATRIX, values)
    assert not failures, "\n".join(failures)
    assert d.state() == "negotiation"


def test_challenge_authorization_matrix(server):
    from test_challenge import APP, entry_body, published_entry
    lid, cid, _ = published_entry(server)
    r = M.client_for(server, "scientist").api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 201, r
    r3 = M.send(M.client_for(server, "scientist"), "POST", "/api/v1/challenges/%s/applications/%s/attachments" % (cid, r.json["id"]),
                "upload", {})
    assert r3.status == 201, r3
    r2 = M.client_for(server, "org_member").api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body())
    assert r2.status == 201, r2
    reviewer = M.client_for(server, "scientist2").api("GET", "/api/v1/me").json["id"]
    values = {"list": lid, "ch": cid, "app": r.json["id"], "chs": r2.json["id"], "reviewer": reviewer, "appatt": r3.json["id"], "nosuch": NOSUCH}
    failures = M.run(server, CHALLENGE_MATRIX, values)
    assert not failures, "\n".join(failures)
    assert M.client_for(server, "admin").api("GET", "/api/v1/challenges/%s" % cid).json["status"] == "published"
