"""A signed 揭榜挂帅 task agreement carries on as a deal: the winner
provides, the issuer pays, the deal starts at "agreed" with a 技术开发
contract from the agreement (amount, duration up to the last milestone),
the agreement's milestones become the deal's; both confirm the contract
and, once done, the review of the winner counts for the studio it applied
with. Runs on its own server because it moves the clock."""
from harness import Client
from test_challenge import APP, act, login, me, published_entry, shift_days, today_plus
from test_deal import Deal

SERVER_ARGS = []


def winner_studio(c):
    r = c.api("POST", "/api/v1/studios", {"name": "李娜储能工作室", "intro": "固态电池与能量管理。", "region": "510107"})
    assert r.status == 201, r
    return r.json["id"]


def test_challenge_agreement_becomes_a_deal(server):
    lid, cid, org = published_entry(server)
    sci2, zhang = login(server, "scientist2"), login(server, "scientist")
    sid = winner_studio(sci2)
    r = sci2.api("POST", "/api/v1/challenges/%s/applications" % cid, dict(APP, studio_id=sid))
    assert r.status == 201, r
    app = r.json["id"]
    rubric = [{"name": "总体", "weight": 1, "max": 10}]
    assert org.api("PUT", "/api/v1/challenges/%s/reviewers" % cid, {"reviewers": [me(zhang)], "rubric": rubric}).status == 200
    shift_days(server, 11)
    assert act(org, cid, "close_applications").json["status"] == "reviewing"
    assert zhang.api("POST", "/api/v1/challenges/%s/applications/%s/scores" % (cid, app), {"scores": [9]}).status == 200
    assert act(org, cid, "select", winners=[app], publicity_days=1).json["status"] == "publicity"
    shift_days(server, 2)
    assert act(org, cid, "end_publicity").json["status"] == "agreement"
    # No deal before the agreement is signed.
    assert not [d for d in sci2.api("GET", "/api/v1/deals").json["items"] if d["title"] == Client(server).api(
        "GET", "/api/v1/challenges/%s" % cid).json["title"]]
    agreement = {"parties": "成都天翼低空科技有限公司；李娜团队", "amount": "260",
                 "milestones": [{"title": "样机", "due": today_plus(180), "criteria": "续航 ≥ 45 分钟"},
                                {"title": "定型", "due": today_plus(360), "criteria": "续航 ≥ 60 分钟"}]}
    r = act(org, cid, "sign", agreement=agreement)
    assert r.status == 200 and r.json["status"] == "executing", r
    title = r.json["title"]
    # The deal: the winner provides, the issuer pays; the terms are agreed.
    mine = [d for d in sci2.api("GET", "/api/v1/deals").json["items"] if d["title"] == title]
    assert len(mine) == 1, mine
    did = mine[0]["id"]
    d = sci2.api("GET", "/api/v1/deals/%s" % did).json
    assert d["source"] == "challenge" and d["source_id"] == app and d["state"] == "agreed", d
    assert d["provider_id"] == me(sci2) and d["client_id"] == me(org) and d["role"] == "provider"
    assert d["contract_type"] == "development" and d["amount_fen"] == 260 * 10000 * 100, d
    text = d["contract"]["text"]
    assert "技术开发合同" in text and title in text and "合同总价260万元" in text and "李娜团队" in text, text
    days = d["offers"][0]["duration_days"]
    assert 355 <= days <= 362, days                                     # up to the last milestone
    assert [(m["title"], m["deliverable"], m["status"]) for m in d["milestones"]] == [
        ("样机", "续航 ≥ 45 分钟", "open"), ("定型", "续航 ≥ 60 分钟", "open")], d["milestones"]
    kinds = [e["kind"] for e in sci2.api("GET", "/api/v1/deals/%s/events" % did).json["items"]]
    assert kinds == ["create", "agreed", "add_milestone", "add_milestone"], kinds
    assert org.api("GET", "/api/v1/deals/%s" % did).status == 200
    assert login(server, "org_member2").api("GET", "/api/v1/deals/%s" % did).status == 404
    # The usual process from here: both confirm, perform, complete, review.
    deal = Deal.__new__(Deal)
    deal.server, deal.id, deal.provider, deal.client = server, did, sci2, org
    deal.ok(org, "sign")
    deal.ok(sci2, "sign")
    deal.ok(sci2, "start")
    for m in d["milestones"]:
        deal.ok(sci2, "deliver_milestone", milestone_id=m["id"])
    deal.ok(sci2, "deliver")
    deal.ok(org, "accept_delivery")
    deal.ok(org, "complete")
    r = org.api("POST", "/api/v1/deals/%s/reviews" % did, {"rating": 5, "body": "攻关成果超出预期。"})
    assert r.status == 201, r
    rated = Client(server).api("GET", "/api/v1/ratings/studio/%s" % sid).json
    assert rated["count"] == 1 and rated["items"][0]["body"] == "攻关成果超出预期。", rated
    # A second signing is refused by the challenge's own table, so no second deal appears.
    assert act(org, cid, "sign", agreement=agreement).status == 409
    assert len([x for x in sci2.api("GET", "/api/v1/deals").json["items"] if x["title"] == title]) == 1
