"""Challenge lists (揭榜挂帅) over HTTP: the whole life cycle end to end,
every entry-level action refused outside the states the life-cycle table
allows (iterating GET /api/v1/challenges/lifecycle), the authorization
matrix of applications and scores, exclusion of reviewers from the
applicant's organization, and the application deadline under a controlled
clock. Runs on its own server because it moves the clock."""
import datetime
import html as htmllib
import itertools

import harness
from harness import Client, DEMO, unique_email

SERVER_ARGS = []
DAY_MS = 86400 * 1000
_seq = itertools.count(1)
EXTRA = {"ma.lin": ("ma.lin@demo.kejiyun.cn", "Demo-2026!"), "chen.jie": ("chen.jie@demo.kejiyun.cn", "Demo-2026!")}
_offset = [0]


def login(server, who):
    c = Client(server)
    c.login(*(DEMO.get(who) or EXTRA[who]))
    return c


def me(c):
    r = c.api("GET", "/api/v1/me")
    assert r.status == 200, r
    return r.json["id"]


def shift_days(server, days):
    _offset[0] += int(days * DAY_MS)
    r = Client(server).api("POST", "/__test/clock", {"offset_ms": _offset[0]})
    assert r.status in (200, 204), r


def today_plus(days):
    # Deadlines are calendar days in China (UTC+8), like the server's.
    base = datetime.datetime.utcnow() + datetime.timedelta(hours=8, milliseconds=_offset[0])
    return (base + datetime.timedelta(days=days)).strftime("%Y-%m-%d")


def code_of(r):
    return [e.get("code") for e in r.json.get("errors", [])]


def new_list(server):
    op = login(server, "operator")
    r = op.api("POST", "/api/v1/challenge-lists", {"title": "2026 四川 人工智能 双向揭榜挂帅 第%d批" % next(_seq),
                                                   "description": "测试榜单", "period_start": today_plus(0),
                                                   "period_end": today_plus(60)})
    assert r.status == 201, r
    return r.json["id"]


def entry_body(**over):
    body = {"direction": "tech_wanted", "title": "长航时无人机电源系统攻关-%d" % next(_seq), "domain": "D0401",
            "problem": "需要一套能让多旋翼无人机续航超过 60 分钟的电源系统。", "difficulties": "能量密度与安全性",
            "indicators": [{"name": "续航", "target": "≥ 60", "unit": "分钟", "verification": "第三方飞行测试"}],
            "deliverables": "样机一套、测试报告", "bounty": "300", "payment_terms": "签约 30%，中期 40%，验收 30%",
            "task_period": "18 个月", "eligibility": "不设年龄、职称、学历门槛", "ip_terms": "nonexclusive_licence",
            "deadline": today_plus(10), "contact": "刘洋 028-00000000"}
    body.update(over)
    return body


APP = {"team": "李娜（负责人）、王强", "approach": "采用固态锂电池与能量管理算法相结合的技术路线，分三阶段验证。",
       "indicator_plan": "续航：通过高能量密度电芯与轻量化结构达到 65 分钟", "schedule": "6 个月样机，12 个月定型",
       "budget": "280"}


def act(c, cid, action, **extra):
    body = dict(extra, action=action)
    return c.api("POST", "/api/v1/challenges/%s/actions" % cid, body)


def published_entry(server, issuer="org_member"):
    """A published entry issued by issuer's organization: (list id, entry id, issuer client)."""
    lid = new_list(server)
    org = login(server, issuer)
    r = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body())
    assert r.status == 201, r
    cid = r.json["id"]
    r = act(login(server, "admin"), cid, "approve")
    assert r.status == 200 and r.json["status"] == "published", r
    return lid, cid, org


def lifecycle(server):
    r = Client(server).api("GET", "/api/v1/challenges/lifecycle")
    assert r.status == 200, r
    return r.json["transitions"]


def refuse_others(server, c, cid, state):
    """Every entry-level action the table does not allow in state is refused (409)."""
    table = lifecycle(server)
    allowed = {t["action"] for t in table if t["from"] == state}
    actions = {t["action"] for t in table if t["via"] == "actions"}
    for a in sorted(actions - allowed):
        r = act(c, cid, a, reason="测试理由")
        assert r.status == 409, (state, a, r)
        assert "err.challenge.state" in code_of(r), (state, a, r)
    # Sub-resource actions follow the same table: a third party applying or
    # objecting, the issuer changing reviewers.
    outsider = login(server, "ma.lin")
    hidden = state in ("submitted", "rejected")        # not public: 404 for outsiders
    if "apply" not in allowed:
        r = outsider.api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
        assert r.status == (404 if hidden else 409), (state, "apply", r)
    if "object" not in allowed:
        r = outsider.api("POST", "/api/v1/challenges/%s/objections" % cid, {"body": "对结果有异议，请说明。"})
        assert r.status == (404 if hidden else 409), (state, "object", r)
    if "setup_review" not in allowed:
        r = c.api("PUT", "/api/v1/challenges/%s/reviewers" % cid,
                  {"reviewers": [me(login(server, "scientist"))], "rubric": [{"name": "总体", "weight": 1, "max": 10}]})
        assert r.status == 409 and "err.challenge.state" in code_of(r), (state, "setup_review", r)
    r = c.api("GET", "/api/v1/challenges/%s" % cid)
    assert r.json["status"] == state, r


def test_lifecycle_table_is_published(server):
    table = lifecycle(server)
    pairs = {(t["action"], t["from"]): t["to"] for t in table}
    assert pairs[("approve", "submitted")] == "published"
    assert pairs[("select", "reviewing")] == "publicity"
    assert pairs[("no_award", "reviewing")] == "no_award"
    assert pairs[("evaluate", "executing")] == "completed"
    assert ("select", "published") not in pairs
    for t in table:
        assert t["roles"] and t["via"], t


def test_full_lifecycle(server):
    lid = new_list(server)
    org, op, anon = login(server, "org_member"), login(server, "operator"), Client(server)
    sci2, org2, zhang, ma = login(server, "scientist2"), login(server, "org_member2"), login(server, "scientist"), login(server, "chen.jie")
    # Submit: not public until approved.
    r = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(domain="D9999"))
    assert r.status == 422 and "err.challenge.domain" in code_of(r), r
    r = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(bounty="0"))
    assert r.status == 422 and "bounty" in [e["field"] for e in r.json["errors"]], r
    body = entry_body()
    r = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, body)
    assert r.status == 201, r
    cid = r.json["id"]
    assert anon.api("GET", "/api/v1/challenges/%s" % cid).status == 404
    refuse_others(server, org, cid, "submitted")
    # Review by the operator: a rejection needs a reason.
    r = act(op, cid, "reject")
    assert r.status == 422 and "err.challenge.reason_required" in code_of(r), r
    assert act(org, cid, "approve").status == 403
    r = act(op, cid, "reject", reason="指标验证方式不明确")
    assert r.status == 200 and r.json["status"] == "rejected" and r.json["reject_reason"] == "指标验证方式不明确", r
    refuse_others(server, org, cid, "rejected")
    r = org.api("PATCH", "/api/v1/challenges/%s" % cid, dict(body, problem=body["problem"] + "（已补充验证方式）"))
    assert r.status == 200, r
    assert act(org, cid, "resubmit").status == 200
    r = act(op, cid, "approve")
    assert r.status == 200 and r.json["status"] == "published", r
    refuse_others(server, org, cid, "published")
    pub = anon.api("GET", "/api/v1/challenges/%s" % cid).json
    assert pub["status"] == "published" and pub["bounty"] == "300"
    assert "reject_reason" not in pub and [e["action"] for e in pub["timeline"]][-1] == "approve"
    # Applications.
    r = sci2.api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 201, r
    app1 = r.json["id"]
    r = sci2.api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 409 and "err.challenge.applied_twice" in code_of(r), r
    r = org.api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 403 and "err.challenge.own_entry" in code_of(r), r
    r = org2.api("POST", "/api/v1/challenges/%s/applications" % cid, dict(APP, approach="另一条技术路线：氢燃料电池混合动力方案。"))
    assert r.status == 201, r
    app2 = r.json["id"]
    r = sci2.api("PATCH", "/api/v1/challenges/%s/applications/%s" % (cid, app1), dict(APP, budget="250"))
    assert r.status == 200 and r.json["budget"] == "250", r
    # Reviewers and rubric.
    rubric = [{"name": "技术路线", "weight": 60, "max": 10}, {"name": "团队能力", "weight": 40, "max": 10}]
    r = org.api("PUT", "/api/v1/challenges/%s/reviewers" % cid, {"reviewers": [me(sci2)], "rubric": rubric})
    assert r.status == 422 and "err.challenge.not_expert" in code_of(r), r
    r = org.api("PUT", "/api/v1/challenges/%s/reviewers" % cid, {"reviewers": [me(zhang), me(ma)], "rubric": rubric})
    assert r.status == 200 and len(r.json["reviewers"]) == 2, r
    # The deadline: no closing before it, no applying after it.
    r = act(org, cid, "close_applications")
    assert r.status == 409 and "err.challenge.deadline_not_passed" in code_of(r), r
    shift_days(server, 11)
    r = login(server, "ma.lin").api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 409 and "err.challenge.deadline_passed" in code_of(r), r
    r = sci2.api("PATCH", "/api/v1/challenges/%s/applications/%s" % (cid, app1), APP)
    assert r.status == 409 and "err.challenge.deadline_passed" in code_of(r), r
    assert act(org, cid, "close_applications").json["status"] == "reviewing"
    refuse_others(server, org, cid, "reviewing")
    # Scoring: within the rubric, once each, blind until one's own is in.
    r = act(org, cid, "select", winners=[app1])
    assert r.status == 409 and "err.challenge.review_incomplete" in code_of(r), r
    score = lambda c, a, s: c.api("POST", "/api/v1/challenges/%s/applications/%s/scores" % (cid, a), {"scores": s})
    r = score(zhang, app1, [11, 5])
    assert r.status == 422 and "err.challenge.score_range" in code_of(r), r
    assert score(zhang, app1, [9, 8]).status == 200
    assert score(zhang, app1, [9, 8]).status == 409
    assert score(zhang, app2, [6, 6]).status == 200
    seen = ma.api("GET", "/api/v1/challenges/%s/reviews" % cid).json
    assert seen["scores"] == [] and seen["complete"] is False, seen
    r = org.api("GET", "/api/v1/challenges/%s/reviews" % cid).json
    assert r["scores"] == [] and "ranking" not in r, r
    assert score(ma, app1, [8, 8]).status == 200
    seen = ma.api("GET", "/api/v1/challenges/%s/reviews" % cid).json
    assert {(s["application_id"], s["reviewer_id"]) for s in seen["scores"]} == {(app1, me(zhang)), (app1, me(ma))}, seen
    assert act(org, cid, "select", winners=[app1]).status == 409
    assert score(ma, app2, [5, 7]).status == 200
    rev = org.api("GET", "/api/v1/challenges/%s/reviews" % cid).json
    assert rev["complete"] is True and rev["ranking"][0]["application_id"] == app1, rev
    assert abs(rev["ranking"][0]["average"] - (86.0 + 80.0) / 2) < 0.01, rev
    # Selection and publicity.
    r = act(org, cid, "select", winners=[app1], publicity_days=3)
    assert r.status == 200 and r.json["status"] == "publicity", r
    refuse_others(server, org, cid, "publicity")
    lst = anon.api("GET", "/api/v1/challenge-lists/%s" % lid).json
    entry = [e for e in lst["entries"] if e["id"] == cid][0]
    assert [w["applicant_name"] for w in entry["winners"]] == ["李娜"], entry
    kinds = [n["kind"] for n in sci2.api("GET", "/api/v1/notifications").json["items"]]
    assert "challenge_selected" in kinds, kinds
    kinds = [n["kind"] for n in org2.api("GET", "/api/v1/notifications").json["items"]]
    assert "challenge_result" in kinds, kinds
    r = act(org, cid, "end_publicity")
    assert r.status == 409 and "err.challenge.publicity_running" in code_of(r), r
    r = login(server, "ma.lin").api("POST", "/api/v1/challenges/%s/objections" % cid, {"body": "揭榜方的团队资质需要进一步说明。"})
    assert r.status == 201, r
    ob = r.json["id"]
    assert anon.api("POST", "/api/v1/challenges/%s/objections" % cid, {"body": "匿名异议内容"}).status in (401, 403)
    shift_days(server, 4)
    r = act(org, cid, "end_publicity")
    assert r.status == 409 and "err.challenge.objections_open" in code_of(r), r
    assert org.api("POST", "/api/v1/challenges/%s/objections/%s/answer" % (cid, ob), {"answer": "已核实"}).status == 403
    r = op.api("POST", "/api/v1/challenges/%s/objections/%s/answer" % (cid, ob), {"answer": "经核实，揭榜团队资质符合要求。"})
    assert r.status == 200 and r.json["items"][0]["answer"].startswith("经核实"), r
    assert act(org, cid, "end_publicity").json["status"] == "agreement"
    refuse_others(server, org, cid, "agreement")
    # Agreement with milestones.
    agreement = {"parties": "成都天翼低空科技有限公司；李娜团队", "amount": "280",
                 "milestones": [{"title": "样机", "due": today_plus(180), "criteria": "续航 ≥ 45 分钟"},
                                {"title": "定型", "due": today_plus(360), "criteria": "续航 ≥ 60 分钟"}]}
    r = act(org, cid, "sign", agreement=dict(agreement, milestones=[]))
    assert r.status == 422, r
    r = act(org, cid, "sign", agreement=agreement)
    assert r.status == 200 and r.json["status"] == "executing" and r.json["agreement"]["amount"] == "280", r
    refuse_others(server, org, cid, "executing")
    ms = anon.api("GET", "/api/v1/challenges/%s/milestones" % cid).json["items"]
    m1, m2 = ms[0]["id"], ms[1]["id"]
    mpath = "/api/v1/challenges/%s/milestones/%s/" % (cid, "%s")
    assert org2.api("POST", mpath % m1 + "report", {"report": "样机完成，续航 50 分钟。"}).status == 403
    r = org.api("POST", mpath % m1 + "decision", {"decision": "accept"})
    assert r.status == 409 and "err.challenge.milestone_not_reported" in code_of(r), r
    assert sci2.api("POST", mpath % m1 + "report", {"report": "样机完成，续航 50 分钟。", "evidence": "测试报告编号 T-1"}).status == 200
    assert org.api("POST", mpath % m1 + "decision", {"decision": "accept"}).status == 200
    r = org.api("POST", mpath % m1 + "decision", {"decision": "accept"})
    assert r.status == 409 and "err.challenge.milestone_already_accepted" in code_of(r), r
    r = act(org, cid, "evaluate", grade="good")
    assert r.status == 409 and "err.challenge.milestones_open" in code_of(r), r
    assert sci2.api("POST", mpath % m2 + "report", {"report": "定型完成，续航 58 分钟。"}).status == 200
    r = org.api("POST", mpath % m2 + "decision", {"decision": "return"})
    assert r.status == 422, r
    assert org.api("POST", mpath % m2 + "decision", {"decision": "return", "reason": "续航未达到 60 分钟"}).status == 200
    assert sci2.api("POST", mpath % m2 + "report", {"report": "改进后续航 62 分钟。"}).status == 200
    assert org.api("POST", mpath % m2 + "decision", {"decision": "accept"}).status == 200
    r = act(org, cid, "evaluate", grade="good")
    assert r.status == 200 and r.json["status"] == "completed" and r.json["grade"] == "good", r
    refuse_others(server, org, cid, "completed")
    # Public page: timeline and winners, no confidential content.
    page = anon.get("/challenges/%s" % cid)
    assert page.status == 200, page
    text = htmllib.unescape(page.text)
    for word in ("李娜", "良好", "审核通过", "确定揭榜方", "任务书登记"):
        assert word in text, word
    assert APP["approach"] not in text and "另一条技术路线" not in text
    assert "收到揭榜申请" not in text          # application events stay out of the public timeline
    lp = htmllib.unescape(anon.get("/challenge-lists/%s" % lid).text)
    assert body["title"] in lp and "李娜" in lp and "已验收" in lp


def reviewing_entry(server):
    """An entry under review with applications from scientist2 and org_member2, reviewer zhang.wei."""
    lid, cid, org = published_entry(server)
    apps = {}
    for who in ("scientist2", "org_member2"):
        r = login(server, who).api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
        assert r.status == 201, r
        apps[who] = r.json["id"]
    zhang = login(server, "scientist")
    r = org.api("PUT", "/api/v1/challenges/%s/reviewers" % cid,
                {"reviewers": [me(zhang)], "rubric": [{"name": "总体", "weight": 100, "max": 100}]})
    assert r.status == 200, r
    return cid, apps, org


def test_confidentiality_matrix(server):
    cid, apps, org = reviewing_entry(server)
    a1 = apps["scientist2"]
    clients = {"anonymous": Client(server)}
    for who in ("admin", "operator", "scientist", "scientist2", "org_member", "org_member2", "ma.lin"):
        clients[who] = login(server, who)
    # (who) -> (list of application ids seen, GET one status, GET reviews status)
    expect = {
        "anonymous":   (None, (401, 403), (401, 403)),
        "admin":       ({a1, apps["org_member2"]}, 200, 200),
        "operator":    ({a1, apps["org_member2"]}, 200, 200),
        "scientist":   ({a1, apps["org_member2"]}, 200, 200),   # the assigned reviewer
        "scientist2":  ({a1}, 200, 403),                        # the applicant: own only
        "org_member":  ({a1, apps["org_member2"]}, 200, 200),   # the issuer
        "org_member2": ({apps["org_member2"]}, 404, 403),       # another applicant
        "ma.lin":      (set(), 404, 403),                       # anyone else
    }
    for who, (seen, one, reviews) in expect.items():
        c = clients[who]
        r = c.api("GET", "/api/v1/challenges/%s/applications" % cid)
        if seen is None:
            assert r.status in (401, 403), (who, r)
        else:
            assert r.status == 200 and {a["id"] for a in r.json["items"]} == seen, (who, r)
        r = c.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, a1))
        assert (r.status in one) if isinstance(one, tuple) else r.status == one, (who, r)
        if r.status == 200:
            assert r.json["approach"] == APP["approach"]
        r = c.api("GET", "/api/v1/challenges/%s/reviews" % cid)
        assert (r.status in reviews) if isinstance(reviews, tuple) else r.status == reviews, (who, r)
        # Only the assigned reviewer may score; others are refused whatever the state.
        r = c.api("POST", "/api/v1/challenges/%s/applications/%s/scores" % (cid, a1), {"scores": [50]})
        assert r.status in ((401, 403) if who == "anonymous" else (403, 404, 409)), (who, r)
    # The public entry never lists applications.
    pub = clients["anonymous"].api("GET", "/api/v1/challenges/%s" % cid).json
    assert "applications" not in pub and pub["applications_count"] == 2


def test_conflict_of_interest(server):
    # A second member of liu.yang's company, made an expert by the administrator.
    email = unique_email("coi")
    r = Client(server).api("POST", "/api/v1/register", {"email": email, "password": "Coi-Test-2026!", "name": "同事",
                                                         "role": "org_member", "org_name": "成都天翼低空科技有限公司",
                                                         "org_type": "enterprise", "org_region": "510100",
                                                         "org_credit_code": "91510100MA61RE0Q7E", "region": "510100"})
    assert r.status == 202, r
    harness.verify_email(server, email)
    colleague = Client(server)
    colleague.login(email, "Coi-Test-2026!")
    # Naming the company only asks to join it; liu.yang, its admin, approves.
    rid = colleague.api("GET", "/api/v1/me").json["org_request"]["id"]
    assert login(server, "org_member").api("POST", "/api/v1/org-requests/%s/approve" % rid, {}).status == 200
    admin = login(server, "admin")
    r = admin.api("POST", "/api/v1/admin/users/%s/role" % me(colleague), {"role": "org_member", "is_expert": True, "reason": "test"})
    assert r.status == 200, r
    # wang.fang's institute issues; liu.yang (the colleague's company) and li.na apply.
    lid, cid, issuer = published_entry(server, issuer="org_member2")
    liu, li = login(server, "org_member"), login(server, "scientist2")
    a_liu = liu.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    a_li = li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    zhang, ma = login(server, "scientist"), login(server, "chen.jie")  # both experts
    r = issuer.api("PUT", "/api/v1/challenges/%s/reviewers" % cid,
                   {"reviewers": [me(colleague), me(zhang), me(ma)], "rubric": [{"name": "总体", "weight": 1, "max": 100}]})
    assert r.status == 200, r
    # chen.jie declares a conflict and is recused.
    r = ma.api("POST", "/api/v1/challenges/%s/reviews/declaration" % cid, {"conflict": True, "note": "曾与申请人合作"})
    assert r.status == 200, r
    shift_days(server, 11)
    assert act(issuer, cid, "close_applications").status == 200
    score = lambda c, a, v: c.api("POST", "/api/v1/challenges/%s/applications/%s/scores" % (cid, a), {"scores": [v]})
    r = score(colleague, a_liu, 90)
    assert r.status == 403 and "err.challenge.coi_own_org" in code_of(r), r
    # Excluded from their organization's application, the reviewer does not see it either.
    assert colleague.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, a_liu)).status == 404
    listed = [x["id"] for x in colleague.api("GET", "/api/v1/challenges/%s/applications" % cid).json["items"]]
    assert a_liu not in listed and a_li in listed, listed
    # A recused reviewer loses access to the applications altogether.
    assert score(ma, a_li, 80).status == 404
    assert ma.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, a_li)).status == 404
    assert score(colleague, a_li, 70).status == 200
    assert score(zhang, a_liu, 75).status == 200
    assert act(issuer, cid, "select", winners=[a_liu]).status == 409
    assert score(zhang, a_li, 85).status == 200
    # Complete without the excluded pair and without the recused reviewer.
    rev = issuer.api("GET", "/api/v1/challenges/%s/reviews" % cid).json
    assert rev["complete"] is True and rev["ranking"][0]["application_id"] == a_li, rev
    r = act(issuer, cid, "no_award")
    assert r.status == 422, r
    r = act(issuer, cid, "no_award", reason="两个方案均未达到核心指标要求")
    assert r.status == 200 and r.json["status"] == "no_award", r
    refuse_others(server, issuer, cid, "no_award")


def test_withdraw_and_deadline_edges(server):
    lid, cid, org = published_entry(server)
    li = login(server, "scientist2")
    a = li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    r = li.api("POST", "/api/v1/challenges/%s/applications/%s/withdraw" % (cid, a))
    assert r.status == 200 and r.json["status"] == "withdrawn", r
    assert li.api("POST", "/api/v1/challenges/%s/applications/%s/withdraw" % (cid, a)).status == 409
    assert "challenge_withdrawn" in kinds_about(org, cid)
    # Re-applying after withdrawal is allowed before the deadline.
    assert li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).status == 201
    # The deadline is the end of its day in China (UTC+8): an hour before it applications are
    # still open, an hour after it they are closed.
    deadline_ms = li.api("GET", "/api/v1/challenges/%s" % cid).json["deadline_ms"]
    assert deadline_ms % DAY_MS == 16 * 3600 * 1000
    now_ms = Client(server).api("POST", "/__test/clock", {"offset_ms": _offset[0]}).json["now_ms"]
    shift_days(server, (deadline_ms - now_ms - 3600 * 1000) / DAY_MS)
    r = login(server, "ma.lin").api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 201, r
    shift_days(server, 2 / 24)
    r = login(server, "org_member2").api("POST", "/api/v1/challenges/%s/applications" % cid, APP)
    assert r.status == 409 and "err.challenge.deadline_passed" in code_of(r), r
    assert "截止" in r.json["detail"]


def test_html_pages(server):
    lid, cid, org = published_entry(server)
    anon = Client(server)
    r = anon.get("/challenge-lists")
    assert r.status == 200 and "/challenge-lists/%s" % lid in r.text
    assert anon.get("/challenge-lists/%s" % lid).status == 200
    li = login(server, "scientist2")
    page = li.get("/challenges/%s" % cid)
    assert page.status == 200 and 'id="challenge-apply-form"' in page.text
    r = li.post_form("/challenges/%s/apply" % cid, dict(APP))
    assert r.status == 303, r
    page = li.get("/challenges/%s" % cid)
    assert 'id="challenge-applied"' in page.text and 'id="challenge-apply-form"' not in page.text
    # The issuer's form: refused actions come back with the message on the page.
    r = org.post_form("/challenges/%s/act" % cid, {"action": "close_applications"})
    assert r.status == 409 and "截止日期还没到" in htmllib.unescape(r.text), r
    # Staff open a list through the form; others may not.
    assert li.post_form("/challenge-lists", {"title": "不应成功的榜单", "period_start": today_plus(0),
                                             "period_end": today_plus(5)}).status == 403
    op = login(server, "operator")
    r = op.post_form("/challenge-lists", {"title": "表单创建的榜单", "period_start": today_plus(0), "period_end": today_plus(5)})
    assert r.status == 303, r
    # Entry form through HTML, indicators as lines.
    r = org.get("/challenge-lists/%s/new" % lid)
    assert r.status == 200 and 'id="challenge-form"' in r.text
    fields = entry_body()
    fields["indicators"] = "续航 | ≥ 60 | 分钟 | 第三方飞行测试\n载重 | 5 | kg | 现场测试"
    r = org.post_form("/challenge-lists/%s/challenges" % lid, fields)
    assert r.status == 303, r
    new_id = r.header("Location").rsplit("/", 1)[1]
    d = org.api("GET", "/api/v1/challenges/%s" % new_id).json
    assert d["status"] == "submitted" and len(d["indicators"]) == 2 and d["indicators"][1]["unit"] == "kg", d
    fields["indicators"] = ""
    r = org.post_form("/challenge-lists/%s/challenges" % lid, fields)
    assert r.status == 422 and 'class="field-error"' in r.text


def test_html_workflow_through_forms(server):
    """Issuer → applicant → reviewer → selection → publicity → acceptance, using only the HTML forms."""
    import re
    lid = new_list(server)
    org, op, li, zhang = login(server, "org_member"), login(server, "operator"), login(server, "scientist2"), login(server, "scientist")
    fields = entry_body()
    fields["indicators"] = "续航 | ≥ 60 | 分钟 | 第三方飞行测试"
    r = org.post_form("/challenge-lists/%s/challenges" % lid, fields)
    assert r.status == 303, r
    cid = r.header("Location").rsplit("/", 1)[1]
    entry = "/challenges/%s" % cid
    # Reviewers and rubric by the issuer, before publication.
    page = org.get(entry).text
    assert 'id="challenge-reviewers-form"' in page
    r = org.post_form(entry + "/reviewers", {"reviewers": [me(zhang)], "rubric": "技术路线 | 70 | 10\n团队 | 30 | 10"})
    assert r.status == 303, r
    r = org.post_form(entry + "/reviewers", {"reviewers": [me(zhang)], "rubric": "技术路线 | 0 | 10"})
    assert r.status == 422 and "评分规则" in htmllib.unescape(r.text), r
    assert op.post_form(entry + "/act", {"action": "approve"}).status == 303
    # The applicant applies and sees their application; the public does not.
    assert li.post_form(entry + "/apply", dict(APP)).status == 303
    page = li.get(entry).text
    assert 'id="challenge-my-application"' in page and htmllib.escape(APP["approach"]) in page
    assert htmllib.escape(APP["approach"]) not in Client(server).get(entry).text
    shift_days(server, 11)
    assert org.post_form(entry + "/act", {"action": "close_applications"}).status == 303
    # The reviewer scores through the form; the issuer then selects.
    page = zhang.get(entry).text
    m = re.search(r'action="(/challenges/%s/applications/[0-9A-Z]{26}/score)"' % cid, page)
    assert m, page[-3000:]
    r = zhang.post_form(m.group(1), {"scores": ["11", "5"]})
    assert r.status == 422 and "评分规则规定的范围" in htmllib.unescape(r.text), r
    assert zhang.post_form(m.group(1), {"scores": ["9", "8"], "comment": "路线清晰"}).status == 303
    page = org.get(entry).text
    assert 'id="challenge-ranking"' in page
    app_id = m.group(1).split("/")[4]
    r = org.post_form(entry + "/act", {"action": "select", "winners": [app_id], "publicity_days": "2"})
    assert r.status == 303, r
    # Publicity: an objection, answered by the operator.
    outsider = login(server, "ma.lin")
    assert outsider.post_form(entry + "/objections", {"body": "请公开揭榜团队的资质证明。"}).status == 303
    page = op.get(entry).text
    m = re.search(r'action="(/challenges/%s/objections/[0-9A-Z]{26}/answer)"' % cid, page)
    assert m, page[-2000:]
    assert op.post_form(m.group(1), {"answer": "资质证明已核验。"}).status == 303
    shift_days(server, 3)
    assert org.post_form(entry + "/act", {"action": "end_publicity"}).status == 303
    r = org.post_form(entry + "/act", {"action": "sign", "parties": "天翼公司；李娜团队", "amount": "250",
                                       "milestones": "样机 | %s | 续航 ≥ 60 分钟" % today_plus(100)})
    assert r.status == 303, r
    # Execution: report, accept, evaluate.
    page = li.get(entry).text
    m = re.search(r'action="(/challenges/%s/milestones/[0-9A-Z]{26})/report"' % cid, page)
    assert m, page[-2000:]
    assert li.post_form(m.group(1) + "/report", {"report": "样机完成，续航 61 分钟。", "evidence": "测试报告"}).status == 303
    assert org.post_form(m.group(1) + "/decision", {"decision": "accept"}).status == 303
    r = org.post_form(m.group(1) + "/decision", {"decision": "accept"})
    assert r.status == 409 and "不能重复验收" in htmllib.unescape(r.text), r
    assert org.post_form(entry + "/act", {"action": "evaluate", "grade": "excellent"}).status == 303
    text = htmllib.unescape(Client(server).get(entry).text)
    assert "已验收" in text and "优秀" in text and "李娜" in text


def test_write_authorization_matrix(server):
    """Who may do what, role by role: open a list, approve, set reviewers, answer objections."""
    roles = ["anonymous", "admin", "operator", "scientist", "scientist2", "org_member", "org_member2"]
    clients = {r: (Client(server) if r == "anonymous" else login(server, r)) for r in roles}
    lid = new_list(server)
    # Opening a list: staff only.
    for who, c in clients.items():
        r = c.api("POST", "/api/v1/challenge-lists", {"title": "权限矩阵测试榜单", "period_start": today_plus(0),
                                                      "period_end": today_plus(9)})
        assert r.status == (201 if who in ("admin", "operator") else 401 if who == "anonymous" else 403), (who, r)
    # Approving a submitted entry: staff of the region only (the issuer may not approve its own).
    org = clients["org_member"]
    for who, c in clients.items():
        cid = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body()).json["id"]
        r = act(c, cid, "approve")
        want = {"admin": 200, "operator": 200, "anonymous": 401, "org_member": 403}.get(who, 404)
        assert r.status == want, (who, r)
    # Setting reviewers: the issuer and staff only; an unpublished entry is invisible to others.
    cid = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body()).json["id"]
    body = {"reviewers": [me(clients["scientist"])], "rubric": [{"name": "总体", "weight": 1, "max": 10}]}
    for who, c in clients.items():
        r = c.api("PUT", "/api/v1/challenges/%s/reviewers" % cid, body)
        want = {"admin": 200, "operator": 200, "org_member": 200, "anonymous": 401}.get(who, 404)
        assert r.status == want, (who, r)
    # A scientist may issue only 成果找市场 entries; org members any direction.
    r = clients["scientist2"].api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body())
    assert r.status == 403 and "err.challenge.scientist_direction" in code_of(r), r
    r = clients["scientist2"].api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(direction="market_wanted"))
    assert r.status == 201, r
    # Staff issue on behalf of a named organization.
    r = clients["admin"].api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body())
    assert r.status == 422 and "org_id" in [e["field"] for e in r.json["errors"]], r
    org_id = clients["org_member"].api("GET", "/api/v1/me").json["org_id"]
    r = clients["admin"].api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(org_id=org_id))
    assert r.status == 201, r
    d = clients["org_member"].api("GET", "/api/v1/challenges/%s" % r.json["id"]).json
    assert d["org_id"] == org_id and d["is_issuer"] is True, d      # the organization's members act as issuer
    # HTML pages: public ones for everybody; forms only signed in.
    for who, c in clients.items():
        assert c.get("/challenge-lists").status == 200
        assert c.get("/challenge-lists/%s" % lid).status == 200
        r = c.get("/challenge-lists/%s/new" % lid)
        assert r.status == (303 if who == "anonymous" else 200), (who, r)


# ---- editing through the pages, the review queue ----


def test_operators_issue_only_for_organizations_of_their_jurisdiction(server):
    """The issuer reads an entry's confidential applications and picks its
    winners: an operator of another center (Xining) may not issue in the
    name of a Chengdu organization (issue 12, "another center"); the
    center's own operator and administrators may; a Chengdu operator may
    not for a Qinghai organization either."""
    lid = new_list(server)
    chengdu = login(server, "org_member").api("GET", "/api/v1/me").json["org_id"]
    qinghai = login(server, "org_member2").api("GET", "/api/v1/me").json["org_id"]
    xining_op = login(server, "operator2")
    before = xining_op.api("GET", "/api/v1/challenge-lists/%s" % lid).text
    r = xining_op.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(org_id=chengdu))
    assert r.status == 403 and "err.challenge.org_not_yours" in code_of(r), r
    assert "辖区" in r.json["errors"][0]["message"], r.json
    r = xining_op.post_form("/challenge-lists/%s/challenges" % lid,
                            dict(entry_body(org_id=chengdu), indicators="续航 | ≥ 60 | 分钟 | 第三方飞行测试"))
    assert r.status == 403 and "辖区" in r.text and not r.header("Location"), r
    r = login(server, "operator").api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(org_id=qinghai))
    assert r.status == 403 and "err.challenge.org_not_yours" in code_of(r), r
    assert xining_op.api("GET", "/api/v1/challenge-lists/%s" % lid).text == before, "nothing was issued"
    r = login(server, "admin").api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(org_id=qinghai))
    assert r.status == 201, r
    r = login(server, "operator").api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(org_id=chengdu))
    assert r.status == 201, r

def test_edit_pages_and_review_queue(server):
    lid = new_list(server)
    org, op, li = login(server, "org_member"), login(server, "operator"), login(server, "scientist2")
    fields = entry_body()
    fields["indicators"] = "续航 | ≥ 60 | 分钟 | 第三方飞行测试"
    r = org.post_form("/challenge-lists/%s/challenges" % lid, fields)
    assert r.status == 303, r
    cid = r.header("Location").rsplit("/", 1)[1]
    # The operator finds it in the review queue; it leaves the queue once approved.
    q = op.get("/review")
    assert q.status == 200 and 'id="challenge-queue"' in q.text and "/challenges/%s" % cid in q.text, q
    assert li.get("/review").status == 403
    # The issuer's edit form comes filled in; nobody else gets it.
    page = org.get("/challenges/%s" % cid).text
    assert 'id="challenge-edit-link"' in page
    r = org.get("/challenges/%s/edit" % cid)
    text = htmllib.unescape(r.text)
    assert r.status == 200 and fields["title"] in text and "续航 | ≥ 60 | 分钟 | 第三方飞行测试" in text, r
    assert 'action="/challenges/%s/edit"' % cid in r.text
    assert li.get("/challenges/%s/edit" % cid).status == 404         # not public yet: invisible
    assert op.get("/challenges/%s/edit" % cid).status == 403         # staff review, they do not edit
    # A bad value comes back with the message next to the field; a good edit is saved.
    r = org.post_form("/challenges/%s/edit" % cid, dict(fields, bounty="-3"))
    assert r.status == 422 and 'class="field-error"' in r.text and fields["title"] in htmllib.unescape(r.text), r
    new_fields = dict(fields, title=fields["title"] + "（修订）",
                      indicators="续航 | ≥ 60 | 分钟 | 第三方飞行测试\n载重 | 5 | kg | 现场称重")
    r = org.post_form("/challenges/%s/edit" % cid, new_fields)
    assert r.status == 303 and r.header("Location") == "/challenges/%s" % cid, r
    d = org.api("GET", "/api/v1/challenges/%s" % cid).json
    assert d["title"] == new_fields["title"] and len(d["indicators"]) == 2 and d["direction"] == "tech_wanted", d
    assert [e["action"] for e in d["timeline"]][-1] == "edit"
    # After publication the entry is fixed.
    assert op.post_form("/challenges/%s/act" % cid, {"action": "approve"}).status == 303
    assert "/challenges/%s" % cid not in op.get("/review").text
    assert org.get("/challenges/%s/edit" % cid).status == 409
    assert org.post_form("/challenges/%s/edit" % cid, new_fields).status == 409
    assert 'id="challenge-edit-link"' not in org.get("/challenges/%s" % cid).text
    # The applicant edits the application through the page until the deadline.
    assert li.post_form("/challenges/%s/apply" % cid, dict(APP)).status == 303
    app_id = li.api("GET", "/api/v1/challenges/%s" % cid).json["my_application_id"]
    page = li.get("/challenges/%s" % cid).text
    assert 'id="challenge-edit-app-form"' in page and 'id="challenge-attach-form"' in page
    path = "/challenges/%s/applications/%s" % (cid, app_id)
    r = li.post_form(path, dict(APP, approach="短"))
    assert r.status == 422 and 'id="challenge-edit-application" open' in r.text, r
    r = li.post_form(path, dict(APP, approach="改为固态电池与氢燃料电池混合的技术路线，分两阶段验证。", budget="260"))
    assert r.status == 303, r
    a = li.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, app_id)).json
    assert a["approach"].startswith("改为固态电池") and a["budget"] == "260", a
    assert login(server, "ma.lin").post_form(path, dict(APP)).status == 404
    assert org.post_form(path, dict(APP)).status == 403               # the issuer sees it but may not change it
    shift_days(server, 11)
    r = li.post_form(path, dict(APP))
    assert r.status == 409 and "截止" in htmllib.unescape(r.text), r
    page = li.get("/challenges/%s" % cid).text
    assert 'id="challenge-edit-app-form"' not in page and 'id="challenge-attach-form"' not in page


# ---- application attachments ----

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bearer(server, who):
    c = Client(server)
    email, password = DEMO.get(who) or EXTRA[who]
    r = c.api("POST", "/api/v1/login", {"email": email, "password": password})
    assert r.status == 200, r
    c.token = r.json["token"]
    c.cookies = {}
    return c


def test_application_attachments(server):
    from test_popsci import png, post_multipart
    lid, cid, org = published_entry(server)
    li, zhang, chen = login(server, "scientist2"), login(server, "scientist"), login(server, "chen.jie")
    a1 = li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    a2 = login(server, "org_member2").api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    r = org.api("PUT", "/api/v1/challenges/%s/reviewers" % cid,
                {"reviewers": [me(zhang), me(chen)], "rubric": [{"name": "总体", "weight": 1, "max": 100}]})
    assert r.status == 200, r
    assert chen.api("POST", "/api/v1/challenges/%s/reviews/declaration" % cid, {"conflict": True}).status == 200
    base = "/challenges/%s/applications/%s/attachments" % (cid, a1)
    # The applicant uploads through the page and through the API (bearer token).
    r = post_multipart(li, base, [], [("file", ("测试报告 照片.png", "image/png", png(b"GPS 30.6N")))])
    assert r.status == 303, r
    api = bearer(server, "scientist2")
    r = post_multipart(api, "/api/v1" + base, [], [("file", ("技术方案.pdf", "application/pdf", PDF))])
    assert r.status == 201 and r.json["application"]["attachments"][-1]["mime"] == "application/pdf", r
    pdf_id = r.json["id"]
    assert r.header("Location") == "/challenges/%s/files/%s" % (cid, pdf_id)
    files = li.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, a1)).json["attachments"]
    assert [f["filename"] for f in files] == ["测试报告 照片.png", "技术方案.pdf"], files
    png_id = files[0]["id"]
    assert files[0]["url"] == "/challenges/%s/files/%s" % (cid, png_id), files
    # Type from the content, whatever the name says; nobody else attaches to this application.
    r = post_multipart(li, base, [], [("file", ("x.pdf", "application/pdf", b"MZ\x90\x00 not a pdf"))])
    assert r.status == 422, r
    r = post_multipart(api, "/api/v1" + base, [], [])
    assert r.status == 422 and "err.attach.empty" in code_of(r), r
    assert post_multipart(org, base, [], [("file", ("a.png", "image/png", png()))]).status == 403
    assert post_multipart(login(server, "ma.lin"), base, [], [("file", ("a.png", "image/png", png()))]).status == 404
    # A file id under another application or another entry is not found.
    assert post_multipart(li, "/challenges/%s/applications/%s/attachments" % (cid, a2), [],
                          [("file", ("a.png", "image/png", png()))]).status in (403, 404)
    # Download: applicant, issuer, staff and the assigned reviewer; nobody else (404, as if absent).
    url = "/challenges/%s/files/%s" % (cid, png_id)
    expect = {"scientist2": 200, "org_member": 200, "admin": 200, "operator": 200, "scientist": 200,
              "chen.jie": 404, "org_member2": 404, "ma.lin": 404}
    for who, want in expect.items():
        got = login(server, who).get(url)
        assert got.status == want, (who, got)
        if want == 200:
            assert got.body.startswith(b"\x89PNG") and b"GPS" not in got.body, who
            assert got.header("Content-Type") == "image/png" and "filename*=UTF-8''" in got.header("Content-Disposition")
    assert Client(server).get(url).status in (302, 303, 401)
    assert bearer(server, "org_member").get(url).status == 200
    # Only under its own entry, and the generic /files route does not leak it.
    other = published_entry(server)[1]
    assert li.get("/challenges/%s/files/%s" % (other, png_id)).status == 404
    assert org.get("/files/%s" % png_id).status == 404
    assert zhang.get("/files/%s" % pdf_id).status == 404
    # The public entry page names no file; the reviewer's page links them.
    assert png_id not in Client(server).get("/challenges/%s" % cid).text
    assert url in zhang.get("/challenges/%s" % cid).text
    # Deleting: the applicant only (the issuer is refused), by page form and by API.
    r = org.api("DELETE", "/api/v1/challenges/%s/applications/%s/attachments/%s" % (cid, a1, pdf_id))
    assert r.status == 403, r
    r = api.request("DELETE", "/api/v1/challenges/%s/applications/%s/attachments/%s" % (cid, a1, pdf_id),
                    headers={"Accept": "application/json"})
    assert r.status == 204, r
    assert login(server, "admin").get("/challenges/%s/files/%s" % (cid, pdf_id)).status == 404
    assert api.request("DELETE", "/api/v1/challenges/%s/applications/%s/attachments/%s" % (cid, a1, pdf_id),
                       headers={"Accept": "application/json"}).status == 404
    # After the deadline files are fixed too, and still readable by the panel.
    shift_days(server, 11)
    r = post_multipart(li, base, [], [("file", ("late.png", "image/png", png()))])
    assert r.status == 409, r
    r = post_multipart(api, "/api/v1" + base, [], [("file", ("late.png", "image/png", png()))])
    assert r.status == 409 and "err.challenge.deadline_passed" in code_of(r), r
    r = li.post_form("/challenges/%s/applications/%s/attachments/%s/delete" % (cid, a1, png_id), {})
    assert r.status == 409, r
    assert zhang.get(url).status == 200


def test_attachment_limit(server):
    from test_popsci import png, post_multipart
    lid, cid, org = published_entry(server)
    li = login(server, "scientist2")
    a1 = li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    base = "/challenges/%s/applications/%s/attachments" % (cid, a1)
    for i in range(10):
        assert post_multipart(li, base, [], [("file", ("p%d.png" % i, "image/png", png()))]).status == 303
    r = post_multipart(li, base, [], [("file", ("p11.png", "image/png", png()))])
    assert r.status == 409 and "上限" in htmllib.unescape(r.text), r
    assert 'id="challenge-attach-form"' not in li.get("/challenges/%s" % cid).text



def test_attachment_limit_holds_under_concurrent_uploads(server):
    """The file count is checked inside the transaction that adds the
    file: uploads racing for the last free place leave exactly the limit."""
    import threading
    from test_popsci import png, post_multipart
    lid, cid, org = published_entry(server)
    li = login(server, "scientist2")
    a1 = li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    base = "/challenges/%s/applications/%s/attachments" % (cid, a1)
    for i in range(8):
        assert post_multipart(li, base, [], [("file", ("p%d.png" % i, "image/png", png()))]).status == 303
    statuses = []

    def upload(i):
        statuses.append(post_multipart(li, base, [], [("file", ("r%d.png" % i, "image/png", png()))]).status)
    threads = [threading.Thread(target=upload, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303] * 2 + [409] * 10, statuses
    files = li.api("GET", "/api/v1/challenges/%s/applications/%s" % (cid, a1)).json["attachments"]
    assert len(files) == 10, len(files)

# ---- notifications of the automatic steps ----

def mail_queue(server, where="1=1", *args):
    import harness
    return harness.db_rows(server, "SELECT * FROM mail_queue WHERE " + where + " ORDER BY created_at", *args)


def kinds_about(c, cid):
    items = c.api("GET", "/api/v1/notifications").json["items"]
    return [n["kind"] for n in items if n["link"] == "/challenges/%s" % cid]


def tick(server):
    r = Client(server).api("POST", "/__test/tick", {})
    assert r.status == 200, r
    return r.json["changed"]


def test_automatic_steps_notify(server):
    op = login(server, "operator")
    lid, cid, org = published_entry(server)
    assert "challenge_submitted" in kinds_about(op, cid)            # the staff hear of a new entry
    assert "challenge_approved" in kinds_about(org, cid)
    li, zhang = login(server, "scientist2"), login(server, "scientist")
    a1 = li.api("POST", "/api/v1/challenges/%s/applications" % cid, APP).json["id"]
    r = org.api("PUT", "/api/v1/challenges/%s/reviewers" % cid,
                {"reviewers": [me(zhang)], "rubric": [{"name": "总体", "weight": 1, "max": 100}]})
    assert r.status == 200, r
    # Before the deadline the job changes nothing.
    tick(server)
    assert org.api("GET", "/api/v1/challenges/%s" % cid).json["status"] == "published"
    assert "challenge_closed" not in kinds_about(li, cid)
    # The deadline passes: the job closes applications and tells issuer, applicant and reviewer.
    shift_days(server, 11)
    assert tick(server) >= 1
    d = org.api("GET", "/api/v1/challenges/%s" % cid).json
    assert d["status"] == "reviewing", d
    last = d["timeline"][-1]
    assert last["action"] == "close_applications" and last.get("actor_name") is None, last
    for who, c in (("issuer", org), ("applicant", li), ("reviewer", zhang)):
        assert "challenge_closed" in kinds_about(c, cid), who
    assert "challenge_closed" not in kinds_about(login(server, "ma.lin"), cid)
    page = htmllib.unescape(li.get("/notifications").text)
    assert "揭榜已截止，进入评审" in page and d["title"] in page
    # The same steps go to the e-mail queue (category "challenge").
    li_id = me(li)
    mails = mail_queue(server, "user_id = ? AND category = 'challenge'", li_id)
    assert any(d["title"] in m["subject"] and ("/challenges/%s" % cid) in m["body"] for m in mails), mails
    # The last score completes the review: the issuer hears the selection may start.
    r = zhang.api("POST", "/api/v1/challenges/%s/applications/%s/scores" % (cid, a1), {"scores": [88]})
    assert r.status == 200, r
    assert "challenge_review_complete" in kinds_about(org, cid)
    assert act(org, cid, "select", winners=[a1], publicity_days=2).status == 200
    # Publicity ends by itself once over (no open objections): issuer and winner are told.
    shift_days(server, 1)
    tick(server)
    assert org.api("GET", "/api/v1/challenges/%s" % cid).json["status"] == "publicity"
    shift_days(server, 2)
    assert tick(server) >= 1
    d = org.api("GET", "/api/v1/challenges/%s" % cid).json
    assert d["status"] == "agreement" and d["timeline"][-1]["action"] == "end_publicity", d
    assert "challenge_publicity_over" in kinds_about(org, cid)
    assert "challenge_publicity_over" in kinds_about(li, cid)
    # Someone who turned challenge e-mails off gets the in-app notification only.
    assert li.post_form("/settings/mail", {"challenge": "off"}).status in (200, 303)
    before = len(mail_queue(server, "user_id = ? AND category = 'challenge'", li_id))
    assert org.api("POST", "/api/v1/challenges/%s/actions" % cid, {"action": "sign", "agreement": {
        "parties": "天翼公司；李娜团队", "amount": "100",
        "milestones": [{"title": "样机", "due": today_plus(90), "criteria": "续航 ≥ 60 分钟"}]}}).status == 200
    assert "challenge_agreement" in kinds_about(li, cid)
    assert len(mail_queue(server, "user_id = ? AND category = 'challenge'", li_id)) == before
