"""Expressions of interest (EOI) and the conversation threads they open,
over the API and the pages: sending, refusals, structured declines the
sender sees, acceptance, messages, unread counts and read marks, and
privacy of EOIs and threads."""
import re

from harness import Client
from test_market_lifecycle import (RUN, create, has_notification, ok_act, problem, publish, user)

MSG = "我们在该方向有应用场景，希望进一步沟通合作方式。"


def send(c, lid, message=MSG, **extra):
    return c.api("POST", "/api/v1/listings/%s/interest" % lid, dict(message=message, **extra))


def decide(c, eid, decision, **extra):
    return c.api("POST", "/api/v1/eois/%s/decision" % eid, dict(decision=decision, **extra))


class Parties:
    def __init__(self, server):
        self.owner = user(server, "scientist")        # 张伟 publishes
        self.admin = user(server, "admin")
        self.sender = user(server, "org_member")      # 刘洋 is interested
        self.sender2 = user(server, "org_member2")    # 王芳 too
        self.third = user(server, "scientist2")       # 李娜 has nothing to do with it
        self.listing = publish(self.owner, self.admin)
        self.lid = self.listing["id"]


def test_send_and_refusals(server):
    p = Parties(server)
    r = send(p.sender, p.lid)
    assert r.status == 201, r
    e = r.json
    assert e["status"] == "pending" and e["listing_id"] == p.lid and e["message"] == MSG, e
    assert e["counterpart"] is None and e["thread_id"] is None
    assert has_notification(p.owner, "eoi_received", p.listing["title"])
    problem(send(p.sender, p.lid), 409, "你已经发送过合作意向，请等待对方处理。")
    problem(send(p.owner, p.lid), 409, "不能对自己的发布发送合作意向。")
    problem(send(p.sender2, p.lid, message="好"), 422)
    problem(send(p.sender2, p.lid, message="有" * 2001), 422)
    # related_id must be the sender's own listing.
    problem(send(p.sender2, p.lid, related_id=p.lid), 422, "关联的发布必须是你自己的。")
    # Not public: a draft of someone else is not found.
    draft = create(p.owner)
    problem(send(p.sender, draft["id"]), 404)
    # Closed for interest: refused with the reason; the page offers no form.
    ok_act(p.owner, p.lid, "close_interest")
    problem(send(p.sender2, p.lid), 409, "发布者暂停了合作意向。")
    page = p.sender2.get("/listings/" + p.lid).text
    assert 'id="eoi-form"' not in page
    r = p.sender2.post_form("/listings/%s/interest" % p.lid, {"message": MSG})
    assert r.status == 409 and "发布者暂停了合作意向。" in r.text, r
    ok_act(p.owner, p.lid, "open_interest")
    assert 'id="eoi-form"' in p.sender2.get("/listings/" + p.lid).text
    # A closed (done) listing takes no more interest.
    other = publish(p.owner, p.admin)
    ok_act(p.owner, other["id"], "close")
    problem(send(p.sender, other["id"]), 409, "该内容已不在发布期内")
    # Anonymous users must sign in.
    assert Client(server).api("POST", "/api/v1/listings/%s/interest" % p.lid, {"message": MSG}).status == 401
    # The owner sees it among received EOIs, the sender among sent ones.
    assert e["id"] in [x["id"] for x in p.owner.api("GET", "/api/v1/eois").json["received"]]
    assert e["id"] in [x["id"] for x in p.sender.api("GET", "/api/v1/eois").json["sent"]]
    assert e["id"] not in str(p.third.api("GET", "/api/v1/eois").json)


def test_send_through_the_page(server):
    p = Parties(server)
    page = p.sender.get("/listings/" + p.lid).text
    assert 'id="eoi-form"' in page
    r = p.sender.post_form("/listings/%s/interest" % p.lid, {"message": MSG})
    assert r.status == 303 and re.match(r"^/eois/[0-9A-Z]{26}\?sent=1$", r.header("Location")), r
    page = p.sender.get(r.header("Location")).text
    assert "合作意向已发送" in page and MSG in page and "待处理" in page
    # The listing now says it was sent and no longer offers the form.
    page = p.sender.get("/listings/" + p.lid).text
    assert "你已对此发送过合作意向。" in page
    r = p.sender.post_form("/listings/%s/interest" % p.lid, {"message": MSG})
    assert r.status == 409 and "你已经发送过合作意向" in r.text
    r = p.sender2.post_form("/listings/%s/interest" % p.lid, {"message": ""})
    assert r.status == 422, r


def test_decline_with_structured_reason(server):
    p = Parties(server)
    eid = send(p.sender2, p.lid).json["id"]
    problem(decide(p.owner, eid, "decline"), 422, "请选择婉拒原因。")
    problem(decide(p.owner, eid, "decline", reason="because"), 422)
    problem(decide(p.owner, eid, "maybe"), 422)
    problem(decide(p.sender2, eid, "decline", reason="other"), 403)       # the sender cannot decide
    problem(decide(p.third, eid, "accept"), 404)
    problem(decide(p.admin, eid, "accept"), 404)
    note = "目前预算已用完，明年再议-" + RUN
    r = decide(p.owner, eid, "decline", reason="benefit_unclear", note=note)
    assert r.status == 200 and r.json["status"] == "declined" and r.json["decline_reason"] == "benefit_unclear", r
    problem(decide(p.owner, eid, "accept"), 409, "该合作意向已经处理过了。")
    # The sender sees the structured reason and the note: API and pages.
    e = p.sender2.api("GET", "/api/v1/eois/" + eid).json
    assert e["status"] == "declined" and e["decline_reason"] == "benefit_unclear" and e["decline_note"] == note, e
    assert e["thread_id"] is None and e["counterpart"] is None
    page = p.sender2.get("/eois/" + eid).text
    assert re.search(r'id="eoi-status">已婉拒<', page) and re.search(r'id="decline-reason">效益不明确<', page), page
    assert note in page
    lst = p.sender2.get("/eois").text
    assert "已婉拒：效益不明确" in lst
    assert has_notification(p.sender2, "eoi_declined", p.listing["title"])
    # Declined, the sender may try again with a better proposal.
    r = send(p.sender2, p.lid, message="补充了效益测算，请再看看。")
    assert r.status == 201, r


def test_decline_and_accept_through_pages(server):
    p = Parties(server)
    e1 = send(p.sender, p.lid).json["id"]
    e2 = send(p.sender2, p.lid).json["id"]
    page = p.owner.get("/eois/" + e2).text
    assert 'id="decline-eoi"' in page and 'id="accept-eoi"' in page
    assert "技术阶段太早" in page and "不属于我们的领域" in page          # the reasons are offered
    r = p.owner.post_form("/eois/%s/decide" % e2, {"decision": "decline", "reason": "not_our_field", "note": ""})
    assert r.status == 303 and r.header("Location") == "/eois/" + e2, r
    assert "不属于我们的领域" in p.sender2.get("/eois/" + e2).text
    r = p.owner.post_form("/eois/%s/decide" % e1, {"decision": "accept"})
    assert r.status == 303, r
    page = p.sender.get("/eois/" + e1).text
    assert 'id="open-thread"' in page and "已接受" in page
    assert 'id="accept-eoi"' not in p.owner.get("/eois/" + e1).text
    r = p.sender.post_form("/eois/%s/decide" % e1, {"decision": "accept"})
    assert r.status == 403, r


def test_accept_opens_thread_messages_unread_and_read_marks(server):
    p = Parties(server)
    eid = send(p.sender, p.lid).json["id"]
    # Before acceptance the owner sees the sender's name only.
    e = p.owner.api("GET", "/api/v1/eois/" + eid).json
    assert e["counterpart"]["name"] == "刘洋" and "email" not in e["counterpart"] and "phone" not in e["counterpart"], e
    r = decide(p.owner, eid, "accept")
    assert r.status == 200 and r.json["status"] == "accepted" and r.json["thread_id"], r
    tid = r.json["thread_id"]
    assert has_notification(p.sender, "eoi_accepted", p.listing["title"])
    assert p.sender.api("GET", "/api/v1/notifications").json["unread"] >= 1
    page = p.sender.get("/notifications").text
    assert "你对“%s”的合作意向已被接受" % p.listing["title"] in page
    assert p.sender.api("GET", "/api/v1/notifications").json["unread"] == 0, "the page marks them read"
    # Both sides now see each other's contacts.
    cp = p.owner.api("GET", "/api/v1/eois/" + eid).json["counterpart"]
    assert cp["name"] == "刘洋" and cp["email"] == "liu.yang@demo.kejiyun.cn", cp
    cp = p.sender.api("GET", "/api/v1/eois/" + eid).json["counterpart"]
    assert cp["name"] == "张伟" and cp["email"] == "zhang.wei@demo.kejiyun.cn", cp
    assert p.sender.api("GET", "/api/v1/listings/" + p.lid).json["can_see_private"] is True
    # The thread: both members, empty.
    t = p.owner.api("GET", "/api/v1/threads/" + tid).json
    assert t["eoi_id"] == eid and t["listing_id"] == p.lid and t["messages"] == []
    assert {m["name"] for m in t["members"]} == {"张伟", "刘洋"}, t["members"]
    # The owner writes twice; the sender has two unread.
    for body in ("您好，感谢关注。", "方便的话本周约个电话？"):
        r = p.owner.api("POST", "/api/v1/threads/%s/messages" % tid, {"body": body})
        assert r.status == 201, r
    problem(p.owner.api("POST", "/api/v1/threads/%s/messages" % tid, {"body": ""}), 422)
    unread = {x["id"]: x["unread"] for x in p.sender.api("GET", "/api/v1/threads").json["items"]}
    assert unread.get(tid) == 2, unread
    assert "2 条未读" in p.sender.get("/eois").text
    mine = p.owner.api("GET", "/api/v1/threads/" + tid).json["messages"]
    assert [m["mine"] for m in mine] == [True, True] and not any(m["read_by_other"] for m in mine), mine
    # The sender reads (marks read) and answers through the page.
    t = p.sender.api("GET", "/api/v1/threads/" + tid).json
    assert [m["body"] for m in t["messages"]] == ["您好，感谢关注。", "方便的话本周约个电话？"]
    assert [m["mine"] for m in t["messages"]] == [False, False]
    assert {x["id"]: x["unread"] for x in p.sender.api("GET", "/api/v1/threads").json["items"]}[tid] == 0
    r = p.sender.post_form("/threads/%s/messages" % tid, {"body": "可以，周四下午如何？"})
    assert r.status == 303 and r.header("Location").startswith("/threads/" + tid), r
    # The owner: own messages are marked read by the other side; one unread.
    assert {x["id"]: x["unread"] for x in p.owner.api("GET", "/api/v1/threads").json["items"]}[tid] == 1
    page = p.owner.get("/threads/" + tid).text
    assert page.count("已读") >= 2 and "可以，周四下午如何？" in page
    t = p.owner.api("GET", "/api/v1/threads/" + tid).json
    assert [m["read_by_other"] for m in t["messages"] if m["mine"]] == [True, True]
    assert {x["id"]: x["unread"] for x in p.owner.api("GET", "/api/v1/threads").json["items"]}[tid] == 0
    # Nobody else: not the third user, not the administrator.
    for c in (p.third, p.admin, p.sender2):
        problem(c.api("GET", "/api/v1/threads/" + tid), 404)
        problem(c.api("POST", "/api/v1/threads/%s/messages" % tid, {"body": "偷看"}), 404)
        assert c.get("/threads/" + tid).status == 404
        assert tid not in [x["id"] for x in c.api("GET", "/api/v1/threads").json["items"]]
        problem(c.api("GET", "/api/v1/eois/" + eid), 404)
        assert c.get("/eois/" + eid).status == 404
    assert Client(server).api("GET", "/api/v1/threads/" + tid).status == 401
    assert "偷看" not in str(p.owner.api("GET", "/api/v1/threads/" + tid).json)


def test_long_thread_is_paginated(server):
    # Issue 12: a 768-message thread came whole (155 KB) on every read and
    # every post. Now a page holds the newest 50 with a cursor to older
    # ones, and a post answers with the new message only.
    p = Parties(server)
    eid = send(p.sender, p.lid).json["id"]
    tid = decide(p.owner, eid, "accept").json["thread_id"]
    n = 130
    for i in range(n):
        who = p.owner if i % 2 == 0 else p.sender
        r = who.api("POST", "/api/v1/threads/%s/messages" % tid, {"body": "第%03d条消息" % i})
        assert r.status == 201, r
        assert r.json["body"] == "第%03d条消息" % i and r.json["mine"] is True and "messages" not in r.json, r.json
        assert len(r.body) < 600, len(r.body)
    t = p.owner.api("GET", "/api/v1/threads/" + tid).json
    assert [m["body"] for m in t["messages"]] == ["第%03d条消息" % i for i in range(n - 50, n)]
    assert t["older"] == t["messages"][0]["id"]
    # Walking the cursor back gives every message once, in order.
    seen, cursor = [m["body"] for m in t["messages"]], t["older"]
    while cursor:
        page = p.sender.api("GET", "/api/v1/threads/%s?before=%s&limit=40" % (tid, cursor)).json
        assert 1 <= len(page["messages"]) <= 40
        seen = [m["body"] for m in page["messages"]] + seen
        cursor = page["older"]
    assert seen == ["第%03d条消息" % i for i in range(n)]
    problem(p.owner.api("GET", "/api/v1/threads/%s?limit=0" % tid), 422)
    problem(p.owner.api("GET", "/api/v1/threads/%s?before=nonsense" % tid), 422)
    # A cursor from another thread gives nothing of this one.
    assert p.owner.api("GET", "/api/v1/threads/%s?before=%s" % (tid, eid)).json["messages"] == []
    # The page: the newest 50, a link to earlier ones, and back.
    page = p.owner.get("/threads/" + tid).text
    assert "第129条消息" in page and "第079条消息" not in page and "第080条消息" in page
    m = re.search(r'href="(/threads/%s\?before=[0-9A-Z]{26})" id="older-messages"' % tid, page)
    assert m, page[-2000:]
    older = p.owner.get(m.group(1).replace("&amp;", "&")).text
    assert "第079条消息" in older and "第030条消息" in older and "第029条消息" not in older and "第080条消息" not in older
    assert 'id="newest-messages"' in older and 'id="older-messages"' in older
    # A post through the page redirects to the newest page.
    r = p.sender.post_form("/threads/%s/messages" % tid, {"body": "最后一条"})
    assert r.status == 303 and "最后一条" in p.sender.get(r.header("Location").split("#")[0]).text
