"""Work orders (科服保姆 服务工单, issue 14 §3) over HTTP: creation by every
role that may (anonymous refused) with the default center from the region,
every transition of the published life-cycle table performed and every
transition the table does not allow refused in every state (iterating GET
/api/v1/work-orders/lifecycle), roles and centers refused with their
messages, reassignment and transfer (audited), escalation when the first
response is late under the controlled clock, rating once, internal notes
hidden from the requester on the page and in the API, 代发布 (a draft the
organization confirms into review), and the deal page's broker invitation
form. Runs on its own server because it moves the clock."""
import html as htmllib
import itertools
import re

from harness import Client, DEMO
from test_market_lifecycle import has_notification, set_clock_offset

SERVER_ARGS = ["--workorder-first-response-hours", "2"]
HOUR_MS = 3600 * 1000
STAFF = {  # demo staff (not heads): 旌阳区 and 德阳市 from harness.DEMO, 成都 from src/demo/demo_workorders.c
    "jingyang": DEMO["county_staff"],
    "deyang": DEMO["center_staff"],
    "chengdu_staff": ("staff.chengdu@demo.kejiyun.cn", "Operator-2026!"),
}
_seq = itertools.count(1)
_clients = {}


def login(server, who):
    key = (id(server), who)
    if key not in _clients:
        c = Client(server)
        c.login(*(DEMO.get(who) or STAFF[who]))
        _clients[key] = c
    return _clients[key]


def me(c):
    return c.api("GET", "/api/v1/me").json


def code_of(r):
    return [e.get("code") for e in (r.json or {}).get("errors", [])]


def lifecycle(server):
    r = Client(server).api("GET", "/api/v1/work-orders/lifecycle")
    assert r.status == 200, r
    return r.json


def create(c, **over):
    body = {"type": "find_technology", "title": "工单%d：低温电池技术" % next(_seq), "description": "需要在零下二十度工作的电池方案。"}
    body.update(over)
    r = c.api("POST", "/api/v1/work-orders", body)
    assert r.status == 201, r
    return r.json


def act(c, wid, action, **args):
    return c.api("POST", "/api/v1/work-orders/%s/actions" % wid, dict(args, action=action))


def ok(c, wid, action, **args):
    r = act(c, wid, action, **args)
    assert r.status == 200, (action, r)
    return r.json


def center_id(server, region):
    """The id of the center at region, read from an order made there."""
    w = create(login(server, "admin"), region=region)
    return w["center_id"]


# Inputs each action needs (the requester is 刘洋, org_member in 成都).
def args_for(server, action):
    if action in ("reply", "note", "ask", "answer", "reopen"):
        return {"body": "关于%s的说明" % action}
    if action == "close":
        return {"rating": 5, "comment": "很满意"}
    if action == "reassign":
        return {"assignee": me(login(server, "chengdu_staff"))["id"], "reason": "分工调整"}
    if action == "transfer":
        return {"center_id": center_id(server, "510600"), "reason": "德阳企业更合适"}
    if action == "escalate":
        return {"reason": "需要上级协调"}
    if action == "prepare_listing":
        return {"listing": {"title": "长航时无人机电源需求%d" % next(_seq), "summary": "需要一套长航时无人机电源方案。",
                            "domain": "D0401", "region": "510100", "coop_modes": ["joint_dev"],
                            "indicators": [{"name": "续航", "target": "≥ 60", "unit": "分钟"}]}}
    return {}


PATH = {  # how to bring a fresh order (requester 刘洋, 成都 center) into each state
    "new": [],
    "accepted": [("operator", "accept")],
    "in_progress": [("operator", "accept"), ("operator", "start")],
    "waiting": [("operator", "accept"), ("operator", "start"), ("operator", "ask")],
    "resolved": [("operator", "accept"), ("operator", "start"), ("operator", "resolve")],
    "reopened": [("operator", "accept"), ("operator", "start"), ("operator", "resolve"), ("org_member", "reopen")],
    "closed": [("operator", "accept"), ("operator", "start"), ("operator", "resolve"), ("org_member", "close")],
}


def reach(server, state):
    w = create(login(server, "org_member"))
    for who, action in PATH[state]:
        w = ok(login(server, who), w["id"], action, **args_for(server, action))
    assert w["state"] == state, w
    return w


def test_lifecycle_is_published(server):
    j = lifecycle(server)
    assert j["states"] == ["new", "accepted", "in_progress", "waiting", "reopened", "resolved", "closed"]
    pairs = {(t["action"], t["from"]): t for t in j["transitions"]}
    assert pairs[("accept", "new")]["to"] == "accepted"
    assert pairs[("ask", "in_progress")]["to"] == "waiting" and pairs[("answer", "waiting")]["to"] == "in_progress"
    assert pairs[("close", "resolved")]["roles"] == ["requester"]
    assert pairs[("reopen", "resolved")]["to"] == "reopened"
    assert "system" in pairs[("escalate", "new")]["roles"]
    assert ("resolve", "new") not in pairs and ("close", "closed") not in pairs
    assert {t["code"] for t in j["types"]} >= {"find_technology", "find_market", "state_demand", "contract_ip",
                                                "policy", "popsci_village", "other"}
    for t in j["transitions"]:
        assert t["roles"] and t["via"] and t["to"] in j["states"], t


def test_create_by_each_role_and_default_center(server):
    assert Client(server).api("POST", "/api/v1/work-orders", {"type": "other", "title": "x", "description": "y"}).status == 401
    assert Client(server).get("/work-orders/new").status == 303
    # The lowest center covering the requester's region: 张伟 (510107) and
    # 刘洋 (510100) in 成都, 马琳 (630104) in 西宁; a county with a center of
    # its own (旌阳区) gets that one, not 德阳市's.
    for who, region_center in (("scientist", "成都"), ("org_member", "成都"), ("org_plain", "成都"),
                               ("operator", "成都"), ("admin", "四川")):
        w = create(login(server, who))
        assert region_center in w["center_name_zh"], (who, w["center_name_zh"])
        assert w["state"] == "new" and w["requester_name"], w
    ma = Client(server)
    ma.login("ma.lin@demo.kejiyun.cn", "Demo-2026!")
    assert "西宁" in create(ma)["center_name_zh"]
    assert "旌阳区" in create(login(server, "scientist"), region="510603")["center_name_zh"]
    # The requester may choose another center.
    deyang = center_id(server, "510600")
    assert create(login(server, "scientist"), center_id=deyang)["center_id"] == deyang
    # Bad input: a clear 422 naming the field.
    sci = login(server, "scientist")
    for body, field in (({"type": "nonsense"}, "type"), ({"region": "999999"}, "region"),
                        ({"center_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "center_id"), ({"title": ""}, "title")):
        full = {"type": "other", "title": "标题", "description": "内容"}
        full.update(body)
        r = sci.api("POST", "/api/v1/work-orders", full)
        assert r.status == 422 and field in [e["field"] for e in r.json["errors"]], (body, r)
    # Lists: the requester's own; staff get their center's queue.
    mine = [x["id"] for x in sci.api("GET", "/api/v1/work-orders").json["items"]]
    w = create(sci)
    assert w["id"] in [x["id"] for x in sci.api("GET", "/api/v1/work-orders").json["items"]]
    assert len(mine) + 1 == len(sci.api("GET", "/api/v1/work-orders").json["items"])
    assert w["id"] in [x["id"] for x in login(server, "operator").api("GET", "/api/v1/work-orders").json["items"]]
    assert w["id"] not in [x["id"] for x in login(server, "operator2").api("GET", "/api/v1/work-orders").json["items"]]
    q = login(server, "operator").api("GET", "/api/v1/work-orders?state=new&type=find_technology").json["items"]
    assert q and all(x["state"] == "new" and x["type"] == "find_technology" for x in q)
    assert login(server, "operator").api("GET", "/api/v1/work-orders?state=bogus").status == 422


def test_every_transition_performed(server):
    """Each row of the table reachable through /actions, by its role, lands
    in the state the table names."""
    table = [t for t in lifecycle(server)["transitions"] if t["via"] == "actions"]
    for t in table:
        w = reach(server, t["from"])
        who = "org_member" if "requester" in t["roles"] else "operator"
        r = act(login(server, who), w["id"], t["action"], **args_for(server, t["action"]))
        assert r.status == 200, (t, r)
        assert r.json["state"] == t["to"], (t, r.json["state"])


def test_every_refused_transition(server):
    """Every action the table does not allow in a state is refused (409)
    for staff and requester alike, and changes nothing."""
    j = lifecycle(server)
    table = [t for t in j["transitions"] if t["via"] == "actions"]
    actions = sorted({t["action"] for t in table})
    for state in j["states"]:
        w = reach(server, state)
        allowed = {t["action"] for t in table if t["from"] == state}
        for a in actions:
            if a in allowed:
                continue
            for who in ("operator", "org_member"):
                r = act(login(server, who), w["id"], a, **args_for(server, a))
                expected = "err.workorder.rated" if (a, state) == ("close", "closed") else "err.workorder.state"
                assert r.status == 409 and expected in code_of(r), (state, a, who, r)
        after = login(server, "org_member").api("GET", "/api/v1/work-orders/%s" % w["id"]).json
        assert after["state"] == state and after["updated_at"] == w["updated_at"], (state, after)
    assert act(login(server, "operator"), w["id"], "fly").status == 422


def test_roles_and_centers_refused(server):
    w = create(login(server, "org_member"))
    wid = w["id"]
    # Staff of another center: refused with a clear message; anyone else: 404.
    for c in (login(server, "operator2"), login(server, "jingyang")):
        r = c.api("GET", "/api/v1/work-orders/%s" % wid)
        assert r.status == 403 and "err.workorder.other_center" in code_of(r), r
        r = act(c, wid, "accept")
        assert r.status == 403 and "err.workorder.other_center" in code_of(r), r
    assert login(server, "scientist2").api("GET", "/api/v1/work-orders/%s" % wid).status == 404
    assert act(login(server, "scientist2"), wid, "reply", body="hi").status == 404
    # The requester cannot take staff steps.
    r = act(login(server, "org_member"), wid, "accept")
    assert r.status == 403 and "err.workorder.role" in code_of(r), r
    # A staff member (not head) accepts for themselves only.
    staff = login(server, "chengdu_staff")
    r = act(staff, wid, "accept", assignee=me(login(server, "operator"))["id"])
    assert r.status == 403 and "err.workorder.assign_head" in code_of(r), r
    # Assignees must work at the order's center.
    r = act(login(server, "operator"), wid, "accept", assignee=me(login(server, "operator2"))["id"])
    assert r.status == 422 and "err.workorder.assignee" in code_of(r), r
    w = ok(staff, wid, "accept")
    assert w["assignee_name"] == me(staff)["name"]
    # Only the head (or an administrator) reassigns.
    r = act(staff, wid, "reassign", assignee=me(login(server, "operator"))["id"])
    assert r.status == 403 and "err.workorder.role" in code_of(r), r
    w = ok(login(server, "operator"), wid, "reassign", assignee=me(login(server, "operator"))["id"], reason="负责人接手")
    assert w["assignee_name"] == me(login(server, "operator"))["name"]
    ok(login(server, "operator"), wid, "start")
    ok(login(server, "operator"), wid, "resolve", body="已推荐三家电池企业。")
    # Rating: the requester only, once.
    r = act(login(server, "operator"), wid, "close", rating=5)
    assert r.status == 403 and "err.workorder.rate_requester" in code_of(r), r
    r = act(login(server, "org_plain"), wid, "close", rating=5)
    assert r.status == 404, r
    r = act(login(server, "org_member"), wid, "close", rating=0)
    assert r.status == 422, r
    w = ok(login(server, "org_member"), wid, "close", rating=4, comment="响应及时")
    assert w["rating"] == 4 and w["state"] == "closed"
    r = act(login(server, "org_member"), wid, "close", rating=1)
    assert r.status == 409 and "err.workorder.rated" in code_of(r), r
    assert login(server, "org_member").api("GET", "/api/v1/work-orders/%s" % wid).json["rating"] == 4
    assert has_notification(login(server, "org_member"), "workorder_resolved", w["title"])


def test_transfer_to_another_center(server):
    w0 = create(login(server, "scientist"))
    deyang = center_id(server, "510600")
    w = ok(login(server, "operator"), w0["id"], "transfer", center_id=deyang, reason="德阳企业更合适")
    assert w["center_id"] == deyang and w["state"] == "new" and w["center_name_zh"].startswith("德阳")
    # The old center lost it, the new one has it in its queue, the requester is told.
    assert login(server, "operator").api("GET", "/api/v1/work-orders/%s" % w["id"]).status == 403
    assert w["id"] in [x["id"] for x in login(server, "deyang").api("GET", "/api/v1/work-orders").json["items"]]
    assert has_notification(login(server, "scientist"), "workorder_transferred", w0["title"])
    assert has_notification(login(server, "deyang"), "workorder_new", w0["title"])
    r = act(login(server, "deyang"), w["id"], "transfer", center_id=deyang)
    assert r.status == 422 and "err.workorder.same_center" in code_of(r), r


def test_escalation_when_first_response_is_late(server):
    """旌阳区 does not accept within the window (2 h here): the job passes the
    order to 德阳市; the requester and 德阳市's staff are told."""
    sci = login(server, "scientist")
    w = create(sci, region="510603", type="popsci_village", title="村里需要科普讲座%d" % next(_seq))
    assert "旌阳区" in w["center_name_zh"] and not w["breached"]
    jy, dy = login(server, "jingyang"), login(server, "deyang")
    assert w["id"] in [x["id"] for x in jy.api("GET", "/api/v1/work-orders").json["items"]]
    assert Client(server).api("POST", "/__test/tick", {}).status == 200
    assert sci.api("GET", "/api/v1/work-orders/%s" % w["id"]).json["center_id"] == w["center_id"]
    try:
        set_clock_offset(server, 3 * HOUR_MS)
        # Late: the queue shows it first, as a breach, before the job runs.
        q = jy.api("GET", "/api/v1/work-orders").json["items"]
        assert q[0]["breached"], q[0]
        assert Client(server).api("POST", "/__test/tick", {}).json["changed"] >= 1
    finally:
        set_clock_offset(server, 0)
    after = sci.api("GET", "/api/v1/work-orders/%s" % w["id"]).json
    assert after["center_name_zh"].startswith("德阳") and after["state"] == "new" and after["escalations"] == 1, after
    assert [e for e in after["entries"] if e["action"] == "escalate" and e["actor_name"] is None]
    assert has_notification(sci, "workorder_escalated", w["title"])
    assert has_notification(dy, "workorder_new", w["title"])
    assert w["id"] in [x["id"] for x in dy.api("GET", "/api/v1/work-orders").json["items"]]
    assert jy.api("GET", "/api/v1/work-orders/%s" % w["id"]).status == 403
    # 德阳市 accepts in time: nothing escalates further.
    ok(dy, w["id"], "accept")
    try:
        set_clock_offset(server, 10 * HOUR_MS)
        Client(server).api("POST", "/__test/tick", {})
    finally:
        set_clock_offset(server, 0)
    assert sci.api("GET", "/api/v1/work-orders/%s" % w["id"]).json["center_name_zh"].startswith("德阳")
    # By hand: 德阳市's staff escalate to the province center.
    w2 = ok(dy, w["id"], "escalate", reason="需要省中心协调")
    assert w2["center_name_zh"].startswith("四川") and w2["state"] == "new"


def test_internal_notes_hidden_from_requester(server):
    w = create(login(server, "org_member"))
    op = login(server, "operator")
    ok(op, w["id"], "accept")
    ok(op, w["id"], "note", body="内部备注：该企业上次合作欠款未结")
    ok(op, w["id"], "reply", body="您好，我们正在联系电池企业。")
    # Staff see both; the requester only the reply, in the API and on the page.
    staff_view = op.api("GET", "/api/v1/work-orders/%s" % w["id"]).json
    assert "内部备注：该企业上次合作欠款未结" in [e["body"] for e in staff_view["entries"]]
    mine = login(server, "org_member").api("GET", "/api/v1/work-orders/%s" % w["id"])
    assert "欠款" not in mine.text and "note" not in [e["kind"] for e in mine.json["entries"]]
    assert "您好，我们正在联系电池企业。" in [e["body"] for e in mine.json["entries"]]
    listed = login(server, "org_member").api("GET", "/api/v1/work-orders").text
    assert "欠款" not in listed
    page = login(server, "org_member").get("/work-orders/%s" % w["id"]).text
    assert "欠款" not in page and "您好，我们正在联系电池企业。" in page and "wo-note-form" not in page
    assert "欠款" in op.get("/work-orders/%s" % w["id"]).text
    # An internal file likewise.
    png = open_png()
    r = op.request("POST", "/api/v1/work-orders/%s/attachments" % w["id"], *multipart({"internal": "1"}, png, op))
    assert r.status == 201, r
    att = r.json["id"]
    assert att in [f["id"] for f in op.api("GET", "/api/v1/work-orders/%s" % w["id"]).json["files"]]
    assert att not in [f["id"] for f in login(server, "org_member").api("GET", "/api/v1/work-orders/%s" % w["id"]).json["files"]]
    assert login(server, "org_member").get("/work-orders/%s/files/%s" % (w["id"], att)).status == 404
    assert op.get("/work-orders/%s/files/%s" % (w["id"], att)).status == 200
    # The requester attaches a public file; it may not mark it internal.
    r = login(server, "org_member").request("POST", "/api/v1/work-orders/%s/attachments" % w["id"],
                                             *multipart({"internal": "1"}, png, login(server, "org_member")))
    assert r.status == 403, r


def open_png():
    import base64
    return base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def multipart(fields, data, c):
    from harness import multipart_body
    body, ctype = multipart_body(list(fields.items()), [("file", ("photo.png", "image/png", data))])
    c.api("GET", "/api/v1/me")
    return body, {"Content-Type": ctype, "X-CSRF-Token": c.cookies.get("kj_csrf", ""), "Accept": "application/json"}


def test_prepared_listing_confirmed_by_the_organization(server):
    """代发布: staff draft a demand for the requester's enterprise; the
    draft is the enterprise's, its members are told, staff cannot submit
    it, and a member's confirmation sends it to review."""
    org = login(server, "org_member")
    w = create(org, type="state_demand", title="帮我们梳理无人机电源需求%d" % next(_seq))
    op = login(server, "operator")
    ok(op, w["id"], "accept")
    body = args_for(server, "prepare_listing")
    r = act(op, w["id"], "prepare_listing", listing=dict(body["listing"], domain="nonsense"))
    assert r.status == 422 and "listing.domain" in [e["field"] for e in r.json["errors"]], r
    w2 = ok(op, w["id"], "prepare_listing", **body)
    lid = [e for e in w2["entries"] if e["action"] == "prepare_listing"][0]
    title = body["listing"]["title"]
    assert lid["body"] == title
    # Both members of 刘洋's company are told; the draft is theirs.
    assert has_notification(org, "workorder_listing_prepared", title)
    assert has_notification(login(server, "org_plain"), "workorder_listing_prepared", title)
    link = [n for n in org.api("GET", "/api/v1/notifications").json["items"]
            if n["kind"] == "workorder_listing_prepared" and n["subject"] == title][0]["link"]
    listing_id = link.rsplit("/", 1)[1]
    l = org.api("GET", "/api/v1/listings/" + listing_id).json
    assert l["status"] == "draft" and l["org_id"] == me(org)["org_id"] and l["owner_id"] == me(org)["id"], l
    assert l["prepared_by"] == me(op)["id"] and l["prepared_for_workorder"] == w["id"], l
    page = org.get("/listings/" + listing_id).text
    assert 'id="listing-prepared"' in page and me(op)["name"] in page, page[:2000]
    assert "/listings/" + listing_id in org.get("/work-orders/%s" % w["id"]).text
    # Staff never publish in the enterprise's name.
    r = op.api("POST", "/api/v1/listings/%s/actions" % listing_id, {"action": "submit"})
    assert r.status in (403, 404), r
    r = org.api("POST", "/api/v1/listings/%s/actions" % listing_id, {"action": "submit"})
    assert r.status == 200 and r.json["status"] == "submitted", r
    # A scientist's order has no organization to prepare for.
    w3 = create(login(server, "scientist"))
    ok(op, w3["id"], "accept")
    r = act(op, w3["id"], "prepare_listing", **body)
    assert r.status == 409 and "err.workorder.no_org" in code_of(r), r


def test_pages_journey_by_forms(server):
    """The pages: ask on the form, staff accept and resolve by buttons, the
    requester rates on the page; refusals are pages with the message."""
    sci = login(server, "scientist")
    page = sci.get("/work-orders/new")
    assert page.status == 200 and 'name="type"' in page.text and 'name="region"' in page.text
    r = sci.post_form("/work-orders", {"type": "policy", "title": "", "description": "x"})
    assert r.status == 422
    r = sci.post_form("/work-orders", {"type": "policy", "title": "科技型中小企业认定政策咨询", "description": "想了解认定条件。"})
    assert r.status == 303, r
    wid = r.header("Location").rsplit("/", 1)[1]
    assert "科技型中小企业认定政策咨询" in sci.get("/work-orders").text
    op = login(server, "operator")
    assert "科技型中小企业认定政策咨询" in op.get("/work-orders/queue").text
    for action in ("accept", "start"):
        r = op.post_form("/work-orders/%s/act" % wid, {"action": action})
        assert r.status == 303, (action, r)
    r = op.post_form("/work-orders/%s/act" % wid, {"action": "resolve", "body": "已发送认定指南。"})
    assert r.status == 303
    detail = sci.get("/work-orders/%s" % wid).text
    assert 'id="wo-rate-form"' in detail and "已发送认定指南。" in detail
    r = sci.post_form("/work-orders/%s/act" % wid, {"action": "close", "rating": "5", "comment": "谢谢"})
    assert r.status == 303, r
    r = sci.post_form("/work-orders/%s/act" % wid, {"action": "close", "rating": "5"})
    assert r.status == 409 and "不能重复评价" in htmllib.unescape(r.text), r
    r = login(server, "operator2").get("/work-orders/%s" % wid)
    assert r.status == 403 and "其他服务中心" in htmllib.unescape(r.text)


def test_broker_invite_form_posts_the_deal(server):
    """Regression: the deal page's broker form posted to /deals/<the
    operator's id>/act (the section of the candidates shadowed the deal's
    id) and answered 404. Posting the real form invites the broker, who
    then sees the deal."""
    from test_deal import Deal
    d = Deal(server)
    page = d.client.get("/deals/%s" % d.id).text
    form = re.search(r'<form method="post" action="([^"]+)" class="form" id="broker-form">(.*?)</form>', page, re.S)
    assert form, page[-2000:]
    action = htmllib.unescape(form.group(1))
    assert action == "/deals/%s/act" % d.id, action
    broker = re.search(r'<option value="([0-9A-Z]{26})">', form.group(2)).group(1)
    assert broker == d.operator_id
    r = d.client.post_form(action, {"action": "invite_broker", "broker_id": broker})
    assert r.status == 303, r
    j = d.operator.api("GET", d.path()).json
    assert j["role"] == "broker", j
    assert d.operator.get("/deals/%s" % d.id).status == 200


def test_failed_commit_changes_nothing(server):
    """A store that refuses the commit: 500 naming the request, no success,
    and the order is as before (fails closed)."""
    w = create(login(server, "org_member"))
    r = Client(server).api("POST", "/__test/faults", {"commits": 1})
    assert r.status == 200, r
    r = act(login(server, "operator"), w["id"], "accept")
    assert r.status == 500 and r.header("X-Request-Id"), r
    after = login(server, "org_member").api("GET", "/api/v1/work-orders/%s" % w["id"]).json
    assert after["state"] == "new" and after["assignee_name"] is None and after["entries"] == w["entries"], after


def test_center_page_and_api_count_resolved_work_orders(server):
    cid = reach(server, "new")["center_id"]          # 成都's center (the requester's region)

    def figures():
        r = Client(server).api("GET", "/api/v1/service-centers/" + cid)
        assert r.status == 200, r
        return r.json["figures"]
    before = figures()
    assert set(before) == {"resolved", "open", "rated", "rating_avg"}, before
    reach(server, "resolved")
    reach(server, "closed")                           # rated 5
    after = figures()
    assert after["resolved"] == before["resolved"] + 2, (before, after)
    assert after["rated"] == before["rated"] + 1 and 1 <= after["rating_avg"] <= 5, after
    page = Client(server).get("/centers/" + cid)
    assert page.status == 200 and 'id="center-figures"' in page.text, page
    m = re.search(r'id="center-resolved">(\d+)<', page.text)
    assert m and int(m.group(1)) == after["resolved"], page.text[:3000]
    assert 'id="center-rating">%.1f / 5' % after["rating_avg"] in page.text


def test_prepare_form_takes_the_region_picker_keeping_what_was_typed(server):
    """代发布 on the page uses the one region picker: without JavaScript the
    "下一级" step re-renders the form with every typed field and one more
    select (down to the township)."""
    org = login(server, "org_member")
    w = create(org, type="state_demand", title="代发布选地区%d" % next(_seq))
    op = login(server, "operator")
    ok(op, w["id"], "accept")
    page = op.get("/work-orders/%s" % w["id"]).text
    assert 'id="l_region-picker"' in page and 'name="l_region__1"' in page, page[-4000:]
    title = "德阳氢能装备检测需求%d" % next(_seq)
    form = {"action": "prepare_listing", "l_title": title, "l_summary": "需要第三方检测电解槽部件。",
            "l_domain": "D0401", "l_region__1": "510000", "l_region__next": "1"}
    r = op.post_form("/work-orders/%s/act" % w["id"], form)
    assert r.status == 200 and 'name="l_region__2"' in r.text, r.status
    assert 'value="%s"' % title in r.text and "需要第三方检测电解槽部件。" in r.text and "<details id=\"wo-prepare\" open" in r.text
    # A deeper step keeps the county chosen.
    form.update({"l_region__2": "510600", "l_region__3": "510603"})
    r = op.post_form("/work-orders/%s/act" % w["id"], form)
    assert r.status == 200 and 'name="l_region__4"' in r.text and "德阳市旌阳区" in r.text, r.status
    assert 'name="l_coop_modes"' in r.text and 'name="l_indicators"' in r.text
    # The page alone makes a whole draft demand: cooperation modes and
    # indicators are asked for there too (a draft without them is refused
    # with the field named, and the form keeps what was typed).
    del form["l_region__next"]
    r = op.post_form("/work-orders/%s/act" % w["id"], form)
    assert r.status == 422 and "wo-l-modes" in r.text and 'value="%s"' % title in r.text, r.status
    form.update({"l_coop_modes": "joint_dev", "l_indicators": "电解槽效率 | ≥ 75 | %"})
    r = op.post_form("/work-orders/%s/act" % w["id"], form)
    assert r.status == 303 and "done=prepare_listing" in (r.header("Location") or ""), (r.status, r.text[-3000:])
    got = op.api("GET", "/api/v1/work-orders/" + w["id"]).json
    lid = [e for e in got["entries"] if e["action"] == "prepare_listing"][0]["detail"]["listing_id"]
    l = org.api("GET", "/api/v1/listings/" + lid).json
    assert l["title"] == title and l["region"] == "510603" and l["coop_modes"] == ["joint_dev"], l
    assert [i["name"] for i in l["indicators"]] == ["电解槽效率"], l["indicators"]
