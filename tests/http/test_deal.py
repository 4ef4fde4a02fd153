"""Deals over the API and the pages: the state table iterated (every
allowed transition by its party, every other action refused in every
state, the wrong party refused), a deal from an accepted EOI to
completion with reviews, offers (counter-offers, expiry), signatures,
milestones, cancellation by agreement, dispute and mediation, orders of
fixed-price services, privacy, and the hash-chained log with
`kejiyun audit verify`."""
import os
import subprocess

from harness import BIN, ROOT, Client
from test_market_lifecycle import (DAY_MS, create, date_plus, has_notification, ok_act, problem, publish,
                                   server_now_ms, set_clock_offset, user, field_errors)
from test_market_eoi import decide, send

LUMP = {"contract_type": "transfer", "price_kind": "lump_sum", "amount": "12.5", "scope": "专利实施与技术资料交付",
        "duration_days": 90}
ROYALTY = {"contract_type": "license", "price_kind": "entry_royalty", "entry_fee": "3", "royalty_pct": "4.5",
           "scope": "普通许可，西南地区", "duration_days": 365, "coop_mode": "general_license"}


class Deal:
    """A deal between 张伟 (provider, publishes an achievement) and 刘洋
    (client, expressed interest), with 李娜 as an outsider and the Chengdu
    operator as staff."""
    _cache = {}

    def __init__(self, server):
        key = id(server)
        if key not in Deal._cache:
            c = Deal._cache[key] = {}
            c["provider"] = user(server, "scientist")
            c["client"] = user(server, "org_member")
            c["outsider"] = user(server, "scientist2")
            c["operator"] = user(server, "operator")
            c["admin"] = user(server, "admin")
            c["operator_id"] = c["operator"].api("GET", "/api/v1/me").json["id"]
        self.__dict__.update(Deal._cache[key])
        self.server = server
        listing = publish(self.provider, self.admin)
        self.listing = listing
        r = send(self.client, listing["id"])
        assert r.status == 201, r
        self.eoi = r.json["id"]
        assert decide(self.provider, self.eoi, "accept").status == 200
        r = self.client.api("POST", "/api/v1/deals", {"eoi_id": self.eoi})
        assert r.status == 201, r
        self.d = r.json
        self.id = self.d["id"]
        self.milestone = None

    def path(self, sub=""):
        return "/api/v1/deals/%s%s" % (self.id, sub)

    def act(self, who, action, **args):
        return who.api("POST", self.path("/actions"), dict(args, action=action))

    def ok(self, who, action, **args):
        r = self.act(who, action, **args)
        assert r.status in (200, 201), (action, r)
        return r.json.get("deal", r.json)

    def state(self, who=None):
        r = (who or self.provider).api("GET", self.path())
        assert r.status == 200, r
        return r.json["state"]


def due(server, days=10):
    return date_plus(server_now_ms(server), days)


# ---- bringing a deal into each state ----

def to_negotiation(d):
    d.ok(d.provider, "offer", **LUMP)


def to_agreed(d):
    to_negotiation(d)
    d.ok(d.client, "accept_offer")


def to_signed(d):
    to_agreed(d)
    d.ok(d.client, "sign")
    d.ok(d.provider, "sign")


def add_milestone(d, who=None):
    r = d.act(who or d.client, "add_milestone", title="样机交付", deliverable="样机一台及测试报告",
              due_date=due(d.server), amount="12.5")
    assert r.status == 201, r
    d.milestone = r.json["id"]


def to_in_progress(d):
    to_signed(d)
    add_milestone(d)
    d.ok(d.provider, "start")


def to_delivered(d):
    to_in_progress(d)
    d.ok(d.provider, "deliver_milestone", milestone_id=d.milestone)
    d.ok(d.provider, "deliver")


def to_accepted(d):
    to_delivered(d)
    d.ok(d.client, "accept_delivery")


def to_completed(d):
    to_accepted(d)
    d.ok(d.client, "complete")


def to_cancelled(d):
    d.ok(d.provider, "request_cancel")
    d.ok(d.client, "agree_cancel")


def to_disputed(d):
    to_signed(d)
    d.ok(d.client, "dispute", reason="对方未按约定提供资料")


def to_mediation(d):
    to_disputed(d)
    d.ok(d.operator, "mediate")


def to_resolved(d):
    to_mediation(d)
    d.ok(d.operator, "resolve", reason="双方同意延期三十日履行")


REACH = {"inquiry": lambda d: None, "negotiation": to_negotiation, "agreed": to_agreed, "signed": to_signed,
         "in_progress": to_in_progress, "delivered": to_delivered, "accepted": to_accepted, "completed": to_completed,
         "cancelled": to_cancelled, "disputed": to_disputed, "mediation": to_mediation, "resolved": to_resolved}


def reach(server, state):
    d = Deal(server)
    REACH[state](d)
    assert d.state() == state, (state, d.state())
    return d


# ---- how to perform each action (who, arguments, preparation) ----

def actor(d, who, action):
    if who in ("party", "member"):
        return d.client
    if who == "provider":
        return d.provider
    if who == "client":
        return d.client
    if who == "staff":
        return d.operator
    if who == "other_party":
        # accept_offer: the one who did not make the open offer (the provider offered);
        # agree_cancel: the one who did not ask (the provider asks in prepare()).
        return d.client
    raise AssertionError(who)


def wrong_actor(d, who):
    """A party who may NOT act (None when any party may)."""
    return {"provider": d.client, "client": d.provider, "other_party": d.provider, "staff": d.client}.get(who)


def prepare(d, action):
    """Preconditions some actions need, and their arguments."""
    if action == "agree_cancel":
        d.ok(d.provider, "request_cancel")
    if action == "start":
        add_milestone(d)
    if action in ("deliver_milestone",):
        return {"milestone_id": d.milestone}
    if action == "accept_milestone":
        d.ok(d.provider, "deliver_milestone", milestone_id=d.milestone)
        return {"milestone_id": d.milestone}
    if action == "deliver":
        d.ok(d.provider, "deliver_milestone", milestone_id=d.milestone)
    if action in ("reply_review", "hide_review"):
        r = d.act(d.provider, "review", rating=2, body="沟通不及时")
        assert r.status == 201, r
        return {"review_id": r.json["id"], "body": "已改进", "reason": "含人身攻击"}
    return ARGS.get(action, {})


ARGS = {
    "offer": ROYALTY,
    "sign": {},
    "add_milestone": None,   # filled per call (needs the server's date)
    "reject_delivery": {"reason": "测试报告缺少高温工况"},
    "request_cancel": {"reason": "预算调整"},
    "dispute": {"reason": "交付延误"},
    "resolve": {"reason": "调解达成一致"},
    "message": {"body": "请确认下一步安排。"},
    "review": {"rating": 5, "body": "合作顺利，交付及时。"},
}


def args_for(d, action):
    if action == "add_milestone":
        return {"title": "阶段二", "deliverable": "软件一套", "due_date": due(d.server, 20)}
    if action == "invite_broker":
        return {"broker_id": d.operator_id}
    if action == "sign" and d.state() == "agreed":
        return {}
    return dict(prepare(d, action) or {})


def test_state_table_is_published(server):
    r = Client(server).api("GET", "/api/v1/deals/states")
    assert r.status == 200, r
    j = r.json
    assert j["states"][0] == "inquiry" and "completed" in j["states"] and "resolved" in j["states"]
    rows = {(t["from"], t["action"]) for t in j["transitions"]}
    assert ("negotiation", "accept_offer") in rows and ("completed", "review") in rows
    assert ("in_progress", "review") not in rows
    page = Client(server).get("/deals/process")
    assert page.status == 200 and 'id="state-table"' in page.text and "技术许可合同" in page.text
    assert page.text.count("<tr>") == len(j["transitions"]) + 1


def test_state_table_iterated(server):
    """Every allowed row performed by its party gives the next state; the
    wrong party is refused (403); every action absent from a state's rows
    is refused there (409) and changes nothing."""
    table = Client(server).api("GET", "/api/v1/deals/states").json
    actions = sorted({t["action"] for t in table["transitions"]})
    by_state = {}
    for t in table["transitions"]:
        by_state.setdefault(t["from"], []).append(t)
    for state in table["states"]:
        rows = by_state.get(state, [])
        allowed = {t["action"] for t in rows}
        d = reach(server, state)
        # Refused: every other action, by a party, leaves the state as it was.
        for action in actions:
            if action in allowed:
                continue
            r = d.act(d.client, action, reason="x", body="x", rating=3)
            problem(r, 409, "交易当前的状态下不能执行这一操作")
            assert d.state() == state, (state, action)
        # Allowed: each row, on a fresh deal in that state.
        for t in rows:
            d = reach(server, state)
            args = args_for(d, t["action"])
            wrong = wrong_actor(d, t["who"])
            if wrong is not None:
                r = d.act(wrong, t["action"], **args)
                assert r.status == 403, (state, t, r)
            if t["action"] == "sign":
                d.ok(d.client, "sign")
                assert d.state() == "agreed"      # one signature is not enough
                d.ok(d.provider, "sign")
            else:
                r = d.act(actor(d, t["who"], t["action"]), t["action"], **args)
                assert r.status in (200, 201), (state, t, r)
            assert d.state() == (t["to"] or state), (state, t, d.state())


def test_outsiders_and_roles(server):
    d = Deal(server)
    # An outsider neither sees nor acts: the same clear 404 either way.
    problem(d.outsider.api("GET", d.path()), 404, "没有这个交易，或你不是它的参与方。")
    problem(d.outsider.api("POST", d.path("/messages"), {"body": "你好"}), 404, "没有这个交易")
    assert Client(server).api("GET", d.path()).status == 401
    # The operator of the region does not see a deal in negotiation (not invited)...
    problem(d.operator.api("GET", d.path()), 404)
    # ...until a party invites them as broker; then they read and write the thread.
    d.ok(d.client, "message", body="第一条消息")
    r = d.act(d.client, "invite_broker", broker_id=d.outsider.api("GET", "/api/v1/me").json["id"])
    assert field_errors(r) == {"broker_id": "err.deal.broker"}
    d.ok(d.client, "invite_broker", broker_id=d.operator_id)
    j = d.operator.api("GET", d.path()).json
    assert j["broker_name"] and j["role"] == "broker"
    assert "第一条消息" in [m["body"] for m in j["messages"]]
    assert d.operator.api("POST", d.path("/messages"), {"body": "我来协助双方。"}).status == 201
    # The broker is no party: offers are theirs to watch, not to make.
    problem(d.act(d.operator, "offer", **LUMP), 403, "现在不是由你执行这一步")
    # Administrators see every deal; the list shows it to parties only.
    assert d.admin.api("GET", d.path()).status == 200
    assert d.id in [x["id"] for x in d.client.api("GET", "/api/v1/deals").json["items"]]
    assert d.id not in [x["id"] for x in d.outsider.api("GET", "/api/v1/deals").json["items"]]
    # Pages: the deal page for a party, 404 for an outsider.
    assert d.client.get("/deals/" + d.id).status == 200
    assert d.outsider.get("/deals/" + d.id).status == 404
    assert d.outsider.get("/deals").status == 200
    assert Client(server).get("/deals").status in (302, 303, 401)


def test_messages_unread_and_read_marks(server):
    d = Deal(server)
    r = d.client.api("POST", d.path("/messages"), {"body": "请问样机何时可以测试？"})
    assert r.status == 201, r
    items = d.provider.api("GET", "/api/v1/deals").json["items"]
    assert [x["unread"] for x in items if x["id"] == d.id] == [1]
    assert has_notification(d.provider, "deal_message", d.listing["title"])
    msgs = d.provider.api("GET", d.path("/messages")).json["items"]   # reading marks read
    assert msgs[-1]["body"] == "请问样机何时可以测试？"
    items = d.provider.api("GET", "/api/v1/deals").json["items"]
    assert [x["unread"] for x in items if x["id"] == d.id] == [0]
    mine = d.client.api("GET", d.path("/messages")).json["items"][-1]
    assert mine["mine"] and mine["read_by_other"]
    problem(d.client.api("POST", d.path("/messages"), {"body": ""}), 422)
    # The log keeps the metadata and a digest, never the text.
    ev = d.client.api("GET", d.path("/events")).json["items"]
    msg_ev = [e for e in ev if e["kind"] == "message"][-1]
    assert "body_sha256" in msg_ev["data"] and "请问" not in str(msg_ev)


def test_offers_and_refusals(server):
    d = Deal(server)
    problem(d.act(d.client, "accept_offer"), 409)                       # no offer in inquiry
    r = d.client.api("POST", d.path("/offers"), dict(LUMP, amount="0"))
    assert field_errors(r) == {"amount": "err.deal.amount"}
    r = d.client.api("POST", d.path("/offers"), dict(ROYALTY, royalty_pct="4.555"))
    assert field_errors(r) == {"royalty_pct": "err.deal.royalty"}
    r = d.client.api("POST", d.path("/offers"), dict(LUMP, contract_type="sale"))
    problem(r, 422)
    r = d.client.api("POST", d.path("/offers"), dict(LUMP, price_kind="instalments", instalments=1))
    assert field_errors(r) == {"instalments": "err.deal.instalments"}
    r = d.provider.api("POST", d.path("/offers"), LUMP)
    assert r.status == 201, r
    first = r.json["id"]
    offer = r.json["deal"]["offers"][-1]
    assert offer["amount_fen"] == 12500000 and offer["status"] == "open" and isinstance(offer["amount_fen"], int)
    assert has_notification(d.client, "deal_offer", d.listing["title"])
    # The author cannot accept their own offer: out of turn.
    problem(d.provider.api("POST", d.path("/offers/%s/accept" % first)), 403, "现在不是由你执行这一步")
    # A counter-offer supersedes it; accepting the old one is refused.
    r = d.client.api("POST", d.path("/offers"), ROYALTY)
    assert r.status == 201, r
    offers = r.json["deal"]["offers"]
    assert [o["status"] for o in offers] == ["superseded", "open"]
    assert offers[1]["entry_fee_fen"] == 3000000 and offers[1]["royalty_bp"] == 450 and offers[1]["amount_fen"] == 0
    problem(d.client.api("POST", d.path("/offers/%s/accept" % first)), 403)
    problem(d.provider.api("POST", d.path("/offers/%s/accept" % first)), 409, "该报价已被新的报价取代")
    r = d.provider.api("POST", d.path("/offers/%s/accept" % r.json["id"]))
    assert r.status == 200 and r.json["state"] == "agreed", r
    c = d.client.api("GET", d.path("/contract")).json
    assert c["contract"]["type"] == "license" and "入门费3万元" in c["contract"]["text"]
    assert "4.50%" in c["contract"]["text"] and len(c["contract_hash"]) == 64


def test_expired_offer_refused(server):
    d = Deal(server)
    d.ok(d.provider, "offer", **dict(LUMP, valid_days=1))
    set_clock_offset(server, 2 * DAY_MS)
    try:
        problem(d.act(d.client, "accept_offer"), 409, "该报价已过期")
        assert d.state() == "negotiation"
    finally:
        set_clock_offset(server, 0)
    d.ok(d.client, "accept_offer")


def test_signatures(server):
    d = Deal(server)
    problem(d.client.api("POST", d.path("/contract/signatures"), {}), 409)   # no contract in inquiry
    problem(d.client.api("GET", d.path("/contract")), 409)
    to_agreed(d)
    assert has_notification(d.client, "deal_to_sign", d.listing["title"])
    c = d.client.api("GET", d.path("/contract")).json
    problem(d.client.api("POST", d.path("/contract/signatures"), {"contract_hash": "0" * 64}), 409, "合同文本与你看到的不一致")
    r = d.client.api("POST", d.path("/contract/signatures"), {"contract_hash": c["contract_hash"]})
    assert r.status == 200 and r.json["state"] == "agreed", r
    problem(d.client.api("POST", d.path("/contract/signatures"), {}), 409, "你已经签署过这份合同")
    r = d.provider.api("POST", d.path("/contract/signatures"), {})
    assert r.status == 200 and r.json["state"] == "signed", r
    sigs = r.json["signatures"]
    assert len(sigs) == 2 and all(s["contract_hash"] == c["contract_hash"] for s in sigs)
    # The printable page shows the clauses, both confirmations and the digest.
    page = d.client.get("/deals/%s/contract" % d.id)
    assert page.status == 200 and "技术转让合同" in page.text and "第三条 保密" in page.text
    assert c["contract_hash"] in page.text and "争议解决" in page.text
    assert d.outsider.get("/deals/%s/contract" % d.id).status == 404


def test_milestones(server):
    d = Deal(server)
    to_signed(d)
    problem(d.act(d.provider, "start"), 409, "开始履行前请至少添加一个里程碑")
    r = d.client.api("POST", d.path("/milestones"), {"title": "样机", "deliverable": "样机一台", "due_date": "2020-01-01"})
    assert field_errors(r) == {"due_date": "err.deal.due_past"}
    r = d.client.api("POST", d.path("/milestones"), {"title": "", "deliverable": "样机一台", "due_date": due(server)})
    assert "title" in field_errors(r)
    add_milestone(d)
    d.ok(d.provider, "start")
    problem(d.act(d.provider, "deliver"), 409, "还有未交付的里程碑")
    mpath = d.path("/milestones/%s/actions" % d.milestone)
    problem(d.client.api("POST", mpath, {"action": "deliver"}), 403)
    problem(d.provider.api("POST", mpath, {"action": "accept"}), 403)
    problem(d.client.api("POST", mpath, {"action": "accept"}), 409)            # not delivered yet
    assert d.provider.api("POST", mpath, {"action": "deliver"}).status == 200
    r = d.client.api("POST", mpath, {"action": "accept"})
    assert r.status == 200 and r.json["milestones"][0]["status"] == "accepted", r
    ms = d.client.api("GET", d.path("/milestones")).json["items"]
    assert ms[0]["amount_fen"] == 12500000


def test_cancel_by_agreement(server):
    d = Deal(server)
    to_agreed(d)
    d.ok(d.client, "request_cancel", reason="预算调整")
    assert has_notification(d.provider, "deal_cancel_requested", d.listing["title"])
    problem(d.act(d.client, "agree_cancel"), 403, "现在不是由你执行这一步")
    problem(d.act(d.client, "request_cancel"), 409)
    d.ok(d.provider, "agree_cancel")
    assert d.state() == "cancelled"
    problem(d.act(d.client, "message", body="还在吗"), 409)


def test_order_fixed_price_service(server):
    p = Deal(server)   # reuses the users
    svc = publish(p.provider, p.admin, "service", price_kind="fixed", price_min="2", price_max="2")
    r = p.client.api("POST", "/api/v1/deals", {"listing_id": svc["id"]})
    assert r.status == 201, r
    d = r.json
    assert d["state"] == "agreed" and d["contract_type"] == "service" and d["amount_fen"] == 2000000
    assert d["provider_id"] != d["client_id"] and d["contract"]["title"] == "技术服务合同"
    problem(p.provider.api("POST", "/api/v1/deals", {"listing_id": svc["id"]}), 409, "不能订购自己发布的服务")
    negotiable = publish(p.provider, p.admin, "service")
    problem(p.client.api("POST", "/api/v1/deals", {"listing_id": negotiable["id"]}), 409, "只有固定价格的服务可以直接下单")
    problem(p.client.api("POST", "/api/v1/deals", {}), 422)
    # Through the page too.
    r = p.client.post_form("/listings/%s/order" % svc["id"], {})
    assert r.status == 303 and r.header("Location").startswith("/deals/"), r


def test_start_from_eoi_rules(server):
    p = Deal(server)
    problem(p.client.api("POST", "/api/v1/deals", {"eoi_id": p.eoi}), 409, "这条合作意向已经发起过交易")
    listing = publish(p.provider, p.admin)
    eoi = send(p.client, listing["id"]).json["id"]
    problem(p.client.api("POST", "/api/v1/deals", {"eoi_id": eoi}), 409, "只有已被接受的合作意向才能发起交易")
    problem(p.outsider.api("POST", "/api/v1/deals", {"eoi_id": eoi}), 404)
    assert decide(p.provider, eoi, "accept").status == 200
    page = p.provider.get("/deals").text
    assert 'id="start-deal-%s"' % eoi in page
    r = p.provider.post_form("/eois/%s/deal" % eoi, {})
    assert r.status == 303 and r.header("Location").startswith("/deals/"), r
    page = p.provider.get(r.header("Location")).text
    assert 'id="deal-state"' in page and "洽谈" in page and 'id="offer-form"' in page


def test_dispute_and_mediation(server):
    d = Deal(server)
    to_disputed(d)
    assert d.operator.api("GET", d.path()).status == 200           # the region's operator sees disputes
    problem(d.act(d.client, "mediate"), 403)
    problem(d.act(d.operator, "resolve", reason="x"), 409)
    d.ok(d.operator, "mediate")
    r = d.act(d.operator, "resolve")
    assert field_errors(r) == {"reason": "err.deal.reason"}
    d.ok(d.operator, "resolve", reason="双方同意延期履行")
    j = d.client.api("GET", d.path()).json
    assert j["state"] == "resolved" and j["resolution"] == "双方同意延期履行"


def test_whole_deal_with_reviews_and_log(server):
    d = Deal(server)
    problem(d.act(d.client, "review", rating=5, body="很好"), 409, "交易当前的状态下不能执行这一操作")
    to_completed(d)
    assert has_notification(d.provider, "deal_completed", d.listing["title"])
    r = d.client.api("POST", d.path("/reviews"), {"rating": 6, "body": "好"})
    problem(r, 422)
    r = d.client.api("POST", d.path("/reviews"), {"rating": 5, "body": "交付及时，技术扎实。"})
    assert r.status == 201, r
    rid = r.json["id"]
    problem(d.client.api("POST", d.path("/reviews"), {"rating": 4, "body": "再评一次"}), 409, "你已经评价过")
    assert has_notification(d.provider, "deal_review", d.listing["title"])
    r = d.provider.api("POST", d.path("/reviews"), {"rating": 1, "body": "付款拖延，态度恶劣。"})
    assert r.status == 201, r
    rid2 = r.json["id"]
    # A reply: once, and only by the reviewed party.
    problem(d.client.api("POST", d.path("/reviews/%s/reply" % rid), {"body": "谢谢"}), 403, "只有被评价的一方可以回复")
    assert d.provider.api("POST", d.path("/reviews/%s/reply" % rid), {"body": "感谢认可！"}).status == 200
    problem(d.provider.api("POST", d.path("/reviews/%s/reply" % rid), {"body": "再回复"}), 409, "每条评价只能回复一次")
    # Ratings of the provider (user) and of the client's organization.
    pid = d.provider.api("GET", "/api/v1/me").json["id"]
    before = Client(server).api("GET", "/api/v1/ratings/user/%s" % pid).json
    assert before["count"] >= 1 and any(x["body"] == "交付及时，技术扎实。" for x in before["items"])
    org = d.client.api("GET", "/api/v1/me").json["org_id"]
    rated = Client(server).api("GET", "/api/v1/ratings/org/%s" % org).json
    assert any(x["id"] == rid2 for x in rated["items"])
    # Operators hide an abusive review (recorded); it disappears from ratings.
    problem(d.client.api("POST", d.path("/reviews/%s/hide" % rid2), {"reason": "x"}), 403)
    assert d.operator.api("POST", d.path("/reviews/%s/hide" % rid2), {"reason": "人身攻击"}).status == 200
    rated = Client(server).api("GET", "/api/v1/ratings/org/%s" % org).json
    assert all(x["id"] != rid2 for x in rated["items"])
    assert rid2 not in str(d.client.api("GET", d.path("/reviews")).json)
    assert Client(server).api("GET", "/api/v1/ratings/planet/x").status == 404
    # The log: every event in order, each linked to the previous hash.
    ev = d.client.api("GET", d.path("/events")).json["items"]
    kinds = [e["kind"] for e in ev]
    for k in ("create", "offer", "accept_offer", "sign", "add_milestone", "start", "deliver", "accept_delivery",
              "complete", "review", "reply_review", "hide_review"):
        assert k in kinds, (k, kinds)
    assert all(len(e["hash"]) == 64 for e in ev)
    # The deal page of a completed deal shows the reviews and the stars.
    page = d.client.get("/deals/" + d.id).text
    assert "交付及时，技术扎实。" in page and "★★★★★" in page and "感谢认可！" in page


def test_page_forms(server):
    d = Deal(server)
    r = d.provider.post_form("/deals/%s/act" % d.id, dict(action="offer", contract_type="development",
                                                          price_kind="instalments", amount="30", instalments="3",
                                                          scope="联合研发长航时电源", duration_days="180"))
    assert r.status == 303, r
    page = d.client.get("/deals/" + d.id).text
    assert "分期支付" in page and 'id="accept-offer"' in page
    # A refusal re-renders the page with the field error next to the field.
    r = d.client.post_form("/deals/%s/act" % d.id, dict(action="offer", contract_type="development",
                                                        price_kind="lump_sum", amount="-1", scope="x", duration_days="10"))
    assert r.status == 422 and "field-error" in r.text, r
    r = d.client.post_form("/deals/%s/act" % d.id, {"action": "accept_offer"})
    assert r.status == 303, r
    page = d.client.get("/deals/" + d.id).text
    assert "已达成一致" in page and 'id="act-sign"' in page and 'id="contract-link"' in page
    # Without the CSRF token nothing happens.
    r = d.client.post_form("/deals/%s/act" % d.id, {"action": "sign"}, with_csrf=False)
    assert r.status == 403
    r = d.client.post_form("/deals/%s/act" % d.id, {"action": "sign"})
    assert r.status == 303
    assert 'id="act-sign"' not in d.client.get("/deals/" + d.id).text
    r = d.client.post_form("/deals/%s/act" % d.id, {"action": "fly"})
    assert r.status == 422, r


def test_stats_for_operators(server):
    d = Deal(server)
    to_agreed(d)
    r = d.operator.api("GET", "/api/v1/deals/stats")
    assert r.status == 200, r
    s = r.json
    assert s["total"]["count"] >= 1 and s["by_contract_type"]["transfer"]["amount_fen"] >= 12500000
    assert "510107" in s["by_region"] and "D0101" in s["by_domain"]
    assert all(len(m) == 7 for m in s["by_month"])
    for role in ("scientist", "org_member"):
        assert user(server, role).api("GET", "/api/v1/deals/stats").status == 403
    assert Client(server).api("GET", "/api/v1/deals/stats").status == 401
    assert d.admin.api("GET", "/api/v1/deals/stats").status == 200


def test_audit_verify_on_live_data(server):
    d = Deal(server)
    to_agreed(d)
    out = subprocess.run([BIN, "audit", "verify", "--data", server.dir], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "intact" in out.stdout, out


ROLES = ("anonymous", "scientist", "scientist2", "org_member", "org_member2", "operator", "admin")


def test_authorization_matrix(server):
    """Each deal page and endpoint × each role (the deal is between 张伟,
    scientist, and 刘洋, org_member, in negotiation: not disputed, no broker)."""
    d = Deal(server)
    to_negotiation(d)
    clients = {role: (Client(server) if role == "anonymous" else user(server, role)) for role in ROLES}
    page_anon = (302, 303, 401)
    matrix = [
        # (method, path, body, {role: expected status})
        ("GET", "/api/v1/deals/states", None, dict.fromkeys(ROLES, 200)),
        ("GET", "/deals/process", None, dict.fromkeys(ROLES, 200)),
        ("GET", "/api/v1/deals", None, dict(dict.fromkeys(ROLES, 200), anonymous=401)),
        ("GET", "/deals", None, dict(dict.fromkeys(ROLES, 200), anonymous=page_anon)),
        ("GET", "/settings/mail", None, dict(dict.fromkeys(ROLES, 200), anonymous=page_anon)),
        ("GET", "/api/v1/mail-prefs", None, dict(dict.fromkeys(ROLES, 200), anonymous=401)),
        ("GET", "/api/v1/deals/stats", None, dict(anonymous=401, scientist=403, scientist2=403, org_member=403,
                                                  org_member2=403, operator=200, admin=200)),
        ("GET", d.path(), None, dict(anonymous=401, scientist=200, scientist2=404, org_member=200, org_member2=404,
                                     operator=404, admin=200)),
        ("GET", "/deals/" + d.id, None, dict(anonymous=page_anon, scientist=200, scientist2=404, org_member=200,
                                             org_member2=404, operator=404, admin=200)),
        ("GET", d.path("/offers"), None, dict(anonymous=401, scientist=200, scientist2=404, org_member=200,
                                              org_member2=404, operator=404, admin=200)),
        ("GET", d.path("/events"), None, dict(anonymous=401, scientist=200, scientist2=404, org_member=200,
                                              org_member2=404, operator=404, admin=200)),
        ("GET", d.path("/messages"), None, dict(anonymous=401, scientist=200, scientist2=404, org_member=200,
                                                org_member2=404, operator=404, admin=403)),
        ("POST", d.path("/messages"), {"body": "矩阵测试"}, dict(anonymous=401, scientist=201, scientist2=404,
                                                              org_member=201, org_member2=404, operator=404, admin=403)),
        ("GET", d.path("/contract"), None, dict(anonymous=401, scientist=409, scientist2=404, org_member=409,
                                                org_member2=404, operator=404, admin=409)),
    ]
    for method, path, body, expected in matrix:
        for role in ROLES:
            c = clients[role]
            if path.startswith("/api/"):
                r = c.api(method, path, body)
            else:
                r = c.get(path)
            want = expected[role]
            ok = r.status in want if isinstance(want, tuple) else r.status == want
            assert ok, (method, path, role, want, r)


def test_attachments_in_the_conversation(server):
    """Files follow the listing rules (type from content, metadata
    stripped) and only the deal's conversation members download them."""
    from test_popsci import png, post_multipart
    d = Deal(server)
    r = post_multipart(d.client, "/deals/%s/attachments" % d.id, [], [("file", ("样品照片.png", "image/png", png(b"GPS 30.6N")))])
    assert r.status == 303, r
    j = d.client.api("GET", d.path()).json
    files = j["attachments"]
    assert len(files) == 1 and files[0]["filename"] == "样品照片.png" and files[0]["mime"] == "image/png"
    assert j["messages"][-1]["body"] == "样品照片.png"
    url = "/deals/%s/files/%s" % (d.id, files[0]["id"])
    got = d.provider.get(url)
    assert got.status == 200 and got.body.startswith(b"\x89PNG") and b"GPS" not in got.body, got
    assert got.header("Content-Type") == "image/png"
    assert d.outsider.get(url).status == 404
    assert d.admin.get(url).status == 404                        # not in the conversation
    assert Client(server).get(url).status in (302, 303, 401)
    # Not an accepted type (by content, whatever the name says).
    r = post_multipart(d.client, "/deals/%s/attachments" % d.id, [], [("file", ("x.png", "image/png", b"MZ\x90\x00 not an image"))])
    assert r.status == 422, r
    assert len(d.client.api("GET", d.path()).json["attachments"]) == 1
    # Outsiders cannot send files either; the event log records the file by id.
    r = post_multipart(d.outsider, "/deals/%s/attachments" % d.id, [], [("file", ("a.png", "image/png", png()))])
    assert r.status == 404, r
    ev = d.client.api("GET", d.path("/events")).json["items"]
    assert any(e["kind"] == "message" and e["data"].get("attachment_id") == files[0]["id"] for e in ev)
    # The API takes the same multipart upload (bearer token: cookie-authenticated API writes must be JSON).
    from harness import DEMO
    api = Client(server)
    login = api.api("POST", "/api/v1/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1]})
    api.token = login.json["token"]
    api.cookies = {}
    r = post_multipart(api, d.path("/attachments"), [], [("file", ("报告.pdf", "application/pdf",
                                                                          b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))])
    assert r.status == 201 and r.json["deal"]["attachments"][-1]["mime"] == "application/pdf", r


def test_long_deal_thread_is_paginated(server):
    # Issue 12: the deal page, the deal API and every action's answer carried
    # the whole conversation. Now they carry its newest 50 messages with a
    # cursor to older ones, and a post answers without the whole thread.
    d = Deal(server)
    n = 130
    for i in range(n):
        who = d.client if i % 2 == 0 else d.provider
        r = who.api("POST", d.path("/messages"), {"body": "洽谈第%03d条" % i})
        assert r.status == 201, r
        assert len(r.json["deal"]["messages"]) <= 50, len(r.json["deal"]["messages"])
    want = ["洽谈第%03d条" % i for i in range(n)]
    got = d.provider.api("GET", d.path()).json
    assert [m["body"] for m in got["messages"]] == want[n - 50:]
    assert got["messages_older"] == got["messages"][0]["id"]
    # The messages sub-resource walks back with the cursor: every message once, in order.
    page = d.client.api("GET", d.path("/messages")).json
    assert [m["body"] for m in page["items"]] == want[n - 50:] and page["older"] == page["items"][0]["id"]
    seen, cursor = [m["body"] for m in page["items"]], page["older"]
    while cursor:
        page = d.client.api("GET", d.path("/messages?before=%s&limit=40" % cursor)).json
        assert 1 <= len(page["items"]) <= 40
        seen = [m["body"] for m in page["items"]] + seen
        cursor = page["older"]
    assert seen == want
    problem(d.client.api("GET", d.path("/messages?limit=0")), 422)
    problem(d.client.api("GET", d.path("/messages?before=nope")), 422)
    # The page shows the newest 50 and links to the earlier ones, and back.
    html = d.client.get("/deals/" + d.id).text
    assert "洽谈第129条" in html and "洽谈第080条" in html and "洽谈第079条" not in html
    assert 'id="older-messages"' in html and 'id="newest-messages"' not in html
    older = html.split('id="older-messages"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert older.startswith("/deals/%s?before=" % d.id), older
    html = d.client.get(older.split("#")[0]).text
    assert "洽谈第079条" in html and "洽谈第030条" in html and "洽谈第029条" not in html and "洽谈第080条" not in html
    assert 'id="newest-messages"' in html and 'id="older-messages"' in html
    # A malformed cursor is dropped like any bad page input: the newest page.
    r = d.client.get("/deals/%s?before=bad" % d.id)
    assert r.status == 200 and "洽谈第129条" in r.text and "洽谈第079条" not in r.text
    # An outsider sees no page of it.
    assert d.outsider.api("GET", d.path("/messages")).status == 404
