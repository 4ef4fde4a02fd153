"""Events after their creation (issue 19, what the first stop left open),
on a server of its own that mails through a real SMTP sink: organizers
change an event, its sessions and sections (page and API), and each change
is audited and told to the participants of a published event in-app and
by e-mail in the language they registered in; what would drop something
silently is refused (capacity under the registrations taken, a session
holding roadshow slots or scheduled meetings, a section holding
sessions); a draft is deleted, a published event cancelled instead, and
cancelling cancels every registration and open meeting (the system's rows
of the published tables, iterated here) in one transaction; event e-mail
is a category each user may switch off; the report counts attendance by
section; a deal from a mutual intention is written in one transaction
(an injected failure leaves nothing)."""
import itertools
import json

from harness import Client, db_rows
from test_deal_mail import SERVER_ARGS, Smtp   # noqa: F401 (SERVER_ARGS: this module's server talks to the sink)
from test_events import Pair, codes, lifecycle, local, login, make_event, pool, reg
from test_market_lifecycle import has_notification

_seq = itertools.count(1)
EN = {"Accept-Language": "en"}


def mails(server, to, category="event"):
    return db_rows(server, "SELECT subject, body, status FROM mail_queue WHERE category = ? AND to_addr = ? ORDER BY created_at, id",
                   category, to)


def audit(server, action, target):
    return db_rows(server, "SELECT actor_id, action, detail FROM audit_log WHERE action = ? AND target_id = ?", action, target)


def me(c):
    return c.api("GET", "/api/v1/me").json


def test_edit_event_tells_participants_in_their_language(server):
    smtp = Smtp()
    try:
        op = login(server, "operator")
        ev = make_event(server, name_en="Matchmaking day %d" % next(_seq), capacity=5)
        eid = ev["id"]
        (zh, zh_me), (en, en_me) = pool(server, 2)
        assert reg(zh, eid).status == 201
        r = en.api("POST", "/api/v1/events/%s/registrations" % eid, {"country": "GB", "answers": {"goal": "partners"}}, headers=EN)
        assert r.status == 201, r
        # Registration confirmed: mailed, each in their own language.
        assert mails(server, zh_me["email"])[-1]["subject"].startswith("报名成功：")
        assert mails(server, en_me["email"])[-1]["subject"] == "Registered: " + ev["name_en"]
        # The organizer moves the event by an hour and changes the venue.
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"venue": "天府国际会议中心", "starts_at": local(10, 8), "ends_at": local(10, 19)})
        assert r.status == 200, r
        assert r.json["venue"] == "天府国际会议中心" and r.json["name_zh"] == ev["name_zh"]
        assert r.json["starts_at"] == ev["starts_at"] - 3600 * 1000
        got = smtp.wait_for(lambda m: en_me["email"] in m["to"] and m["subject"] == "Event changed: " + ev["name_en"])
        assert "天府国际会议中心" in got[0]["body"] and "The event has changed" in got[0]["body"], got[0]["body"]
        assert ("/events/" + eid) in got[0]["body"]
        got = smtp.wait_for(lambda m: zh_me["email"] in m["to"] and m["subject"] == "活动有变更：" + ev["name_zh"])
        assert "活动信息有变更" in got[0]["body"] and "Event" not in got[0]["body"], got[0]["body"]
        assert has_notification(zh, "event_changed", ev["name_zh"]) and has_notification(en, "event_changed", ev["name_zh"])
        rows = audit(server, "event.update", eid)
        assert rows and {"venue", "starts_at", "ends_at"} <= set(json.loads(rows[-1]["detail"])["changed"]), rows
        # Refusals, each with its message, and nothing changed.
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"capacity": 1})
        assert r.status == 409 and codes(r) == ["err.event.capacity_below"], r
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"starts_at": local(10, 12)})    # the 09:00 opening talk would fall outside
        assert r.status == 422 and codes(r) == ["err.event.sessions_outside"], r
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"ends_at": local(9, 8)})
        assert r.status == 422 and codes(r) == ["err.event.ends_before"], r
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"time_zone": "Mars/Olympus", "name_zh": ""})
        assert r.status == 422 and set(codes(r)) == {"err.event.time_zone", "err.field.required"}, r
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"capacity": 2})
        assert r.status == 200 and r.json["capacity"] == 2
        # Not the organizers': another center's staff, a participant, nobody.
        r = login(server, "operator2").api("PATCH", "/api/v1/events/%s" % eid, {"venue": "x"})
        assert r.status == 403 and codes(r) == ["err.event.other_center"], r
        assert zh.api("PATCH", "/api/v1/events/%s" % eid, {"venue": "x"}).status == 403
        assert Client(server).api("PATCH", "/api/v1/events/%s" % eid, {"venue": "x"}).status == 401
        assert op.api("GET", "/api/v1/events/%s" % eid).json["venue"] == "天府国际会议中心"
        # Switched off: no more event e-mail for that participant, in-app stays.
        assert zh.api("PUT", "/api/v1/mail-prefs", {"event": "off"}).status == 200
        before = len(mails(server, zh_me["email"]))
        assert op.api("PATCH", "/api/v1/events/%s" % eid, {"summary_zh": "议程更新"}).status == 200
        assert len(mails(server, zh_me["email"])) == before
        assert len(mails(server, en_me["email"])) >= 3
        zh.api("PUT", "/api/v1/mail-prefs", {"event": "each"})
    finally:
        smtp.stop()


def test_edit_by_page(server):
    op = login(server, "operator")
    ev = make_event(server, publish=False, open_reg=False)
    eid = ev["id"]
    page = op.get("/events/%s/edit" % eid)
    assert page.status == 200 and 'id="ev-edit-form"' in page.text and ev["name_zh"] in page.text, page
    assert 'value="%s"' % local(10, 9) in page.text, page.text[-3000:]   # times shown in the event's zone, as the field takes them
    assert 'id="ev-edit-link"' in op.get("/events/%s" % eid).text
    form = {"name_zh": ev["name_zh"] + "（改）", "name_en": "", "venue": "绵阳科技城", "starts_at": local(10, 9), "ends_at": local(10, 18),
            "time_zone": "Asia/Shanghai", "capacity": "0", "approval": "manual", "meeting_start": local(10, 14), "slot_minutes": "20",
            "slots": "4", "tables": "2"}
    r = op.post_form("/events/%s/edit" % eid, form)
    assert r.status == 303 and r.header("Location").endswith("?done=updated"), r
    got = op.api("GET", "/api/v1/events/%s" % eid).json
    assert got["venue"] == "绵阳科技城" and got["approval"] == "manual" and got["name_zh"].endswith("（改）")
    assert got["online"] == 0 and got["name_en"] == ""          # an emptied field is cleared
    # The checkbox: ticked, then the form shows it ticked; unticked, off again.
    assert op.post_form("/events/%s/edit" % eid, dict(form, online="1", online_url="https://meet.example.org/kj")).status == 303
    got = op.api("GET", "/api/v1/events/%s" % eid).json
    assert got["online"] == 1 and got["online_url"] == "https://meet.example.org/kj", got
    assert 'id="ed-online" checked' in op.get("/events/%s/edit" % eid).text
    assert op.post_form("/events/%s/edit" % eid, form).status == 303
    assert op.api("GET", "/api/v1/events/%s" % eid).json["online"] == 0
    # A bad field comes back on the form, what was typed kept.
    r = op.post_form("/events/%s/edit" % eid, dict(form, ends_at=local(10, 8), venue="保留的输入"))
    assert r.status == 422 and "保留的输入" in r.text and "结束时间必须晚于开始时间" in r.text, r
    # Sections: add, rename, delete (refused while it has sessions).
    r = op.post_form("/events/%s/sections" % eid, {"name_zh": "新材料", "name_en": "Materials"})
    assert r.status == 303, r
    secs = op.api("GET", "/api/v1/events/%s" % eid).json["sections"]
    new = [s for s in secs if s["name_zh"] == "新材料"][0]
    assert op.post_form("/events/%s/sections/%s/edit" % (eid, new["id"]), {"name_zh": "先进材料"}).status == 303
    assert [s for s in op.api("GET", "/api/v1/events/%s" % eid).json["sections"] if s["id"] == new["id"]][0]["name_zh"] == "先进材料"
    busy = secs[0]    # 人工智能, with the opening talk
    r = op.post_form("/events/%s/sections/%s/delete" % (eid, busy["id"]), {})
    assert r.status == 409 and 'id="ev-refusal"' in r.text and "板块下还有日程" in r.text, r
    assert op.post_form("/events/%s/sections/%s/delete" % (eid, new["id"]), {}).status == 303
    # A session: its form, a change, a deletion.
    ses = busy["sessions"][0]
    page = op.get("/events/%s/sessions/%s/edit" % (eid, ses["id"]))
    assert page.status == 200 and "开幕报告" in page.text
    r = op.post_form("/events/%s/sessions/%s/edit" % (eid, ses["id"]), {"title_zh": "开幕致辞", "starts_at": local(10, 9),
                                                                        "ends_at": local(10, 9, 30), "kind": "talk", "section_id": busy["id"]})
    assert r.status == 303, r
    got = op.api("GET", "/api/v1/events/%s" % eid).json
    assert got["sections"][0]["sessions"][0]["title_zh"] == "开幕致辞"
    r = op.post_form("/events/%s/sessions/%s/edit" % (eid, ses["id"]), {"starts_at": local(11, 9), "ends_at": local(11, 10)})
    assert r.status == 422 and "时间必须在活动（或日程）时间之内" in r.text, r
    assert op.post_form("/events/%s/sessions/%s/delete" % (eid, ses["id"]), {}).status == 303
    assert not op.api("GET", "/api/v1/events/%s" % eid).json["all_sessions"]
    assert audit(server, "event.session.delete", ses["id"]) and audit(server, "event.section.delete", new["id"])
    # For anyone but its organizers a draft does not exist, its form neither.
    assert login(server, "operator2").get("/events/%s/edit" % eid).status == 404
    assert login(server, "scientist").get("/events/%s/edit" % eid).status == 403     # not staff at all
    # A draft is deleted with everything under it.
    r = op.post_form("/events/%s/delete" % eid, {})
    assert r.status == 303 and r.header("Location") == "/events?done=deleted", r
    assert op.api("GET", "/api/v1/events/%s" % eid).status == 404
    assert audit(server, "event.delete", eid)
    assert not db_rows(server, "SELECT id FROM event_sections WHERE event_id = ?", eid)


def test_sessions_holding_roadshow_or_meetings_are_not_dropped(server):
    op = login(server, "operator")
    p = Pair(server, slots=2, tables=1)
    eid = p.eid
    # A matchmaking session over the grid, and a roadshow session.
    r = op.api("POST", "/api/v1/events/%s/sessions" % eid, {"kind": "matchmaking", "title_zh": "一对一洽谈", "starts_at": local(10, 14),
                                                            "ends_at": local(10, 15)})
    assert r.status == 201, r
    mm = r.json["id"]
    r = op.api("POST", "/api/v1/events/%s/sessions" % eid, {"kind": "roadshow", "title_zh": "项目路演", "starts_at": local(10, 10),
                                                            "ends_at": local(10, 12)})
    rs = r.json["id"]
    r = op.api("POST", "/api/v1/events/%s/projects" % eid, {"source_kind": "new", "title": "固态电池路演"})
    assert r.status == 201, r
    r = op.api("POST", "/api/v1/events/%s/projects/%s/placement" % (eid, r.json["id"]),
               {"session_id": rs, "position": 1, "slot_start": local(10, 10), "slot_end": local(10, 10, 20)})
    assert r.status == 200, r
    # Nothing placed in the matchmaking session yet: its time may change.
    assert op.api("PATCH", "/api/v1/events/%s/sessions/%s" % (eid, mm), {"ends_at": local(10, 16)}).status == 200
    mid = p.request(0, 1).json["id"]
    assert p.act(1, mid, "accept").json["state"] == "scheduled"
    # Now the meeting would be dropped: refused, with the way out named.
    r = op.api("DELETE", "/api/v1/events/%s/sessions/%s" % (eid, mm))
    assert r.status == 409 and codes(r) == ["err.event.session_has_meetings"], r
    r = op.api("PATCH", "/api/v1/events/%s/sessions/%s" % (eid, mm), {"starts_at": local(10, 15)})
    assert r.status == 409 and codes(r) == ["err.event.session_has_meetings"], r
    r = op.api("PATCH", "/api/v1/events/%s/sessions/%s" % (eid, mm), {"kind": "talk"})
    assert r.status == 409 and codes(r) == ["err.event.session_has_meetings"], r
    r = op.api("PATCH", "/api/v1/events/%s/sessions/%s" % (eid, mm), {"title_en": "One-to-one"})
    assert r.status == 200, r
    r = op.api("DELETE", "/api/v1/events/%s/sessions/%s" % (eid, rs))
    assert r.status == 409 and codes(r) == ["err.event.session_has_roadshow"], r
    r = op.api("PATCH", "/api/v1/events/%s/sessions/%s" % (eid, rs), {"starts_at": local(10, 11)})
    assert r.status == 409 and codes(r) == ["err.event.session_has_roadshow"], r
    # The grid keeps placed meetings: its start and slot length stay.
    r = op.api("PATCH", "/api/v1/events/%s" % eid, {"slot_minutes": 30})
    assert r.status == 409 and codes(r) == ["err.event.grid_in_use"], r
    assert op.api("PATCH", "/api/v1/events/%s" % eid, {"tables": 3}).status == 200
    # Once the meeting is cancelled, the session may go.
    assert p.act(0, mid, "cancel").status == 200
    r = op.api("DELETE", "/api/v1/events/%s/sessions/%s" % (eid, mm))
    assert r.status == 200, r
    r = op.api("DELETE", "/api/v1/events/%s/sessions/%s" % (eid, mm))
    assert r.status == 404 and codes(r) == ["err.event.session_unknown"], r
    # Sections over the API.
    r = op.api("POST", "/api/v1/events/%s/sections" % eid, {"name_zh": ""})
    assert r.status == 422, r
    r = op.api("POST", "/api/v1/events/%s/sections" % eid, {"name_zh": "生物医药", "name_en": "Biomedicine"})
    assert r.status == 201, r
    sec = r.json["id"]
    assert op.api("PATCH", "/api/v1/events/%s/sections/%s" % (eid, sec), {"name_en": "Life sciences"}).status == 200
    assert op.api("DELETE", "/api/v1/events/%s/sections/%s" % (eid, sec)).status == 200
    r = op.api("DELETE", "/api/v1/events/%s/sections/%s" % (eid, sec))
    assert r.status == 404 and codes(r) == ["err.event.section_unknown"], r


def test_cancel_tells_everyone_and_cancels_in_one_go(server):
    smtp = Smtp()
    try:
        op = login(server, "operator")
        p = Pair(server, n=3, slots=2, tables=1)
        eid = p.eid
        m1 = p.request(0, 1).json["id"]
        assert p.act(1, m1, "accept").json["state"] == "scheduled"
        m2 = p.request(2, 0).json["id"]                  # requested, never answered
        # DELETE on a published event cancels it (with the reason told to all).
        r = op.api("DELETE", "/api/v1/events/%s" % eid, {"reason": "场馆临时封闭"})
        assert r.status == 200 and r.json["state"] == "cancelled", r
        ev = op.api("GET", "/api/v1/events/%s" % eid).json
        assert ev["state"] == "cancelled" and ev["cancel_reason"] == "场馆临时封闭" and ev["reg_open"] == 0
        rows = db_rows(server, "SELECT state FROM event_registrations WHERE event_id = ?", eid)
        assert rows and all(r["state"] == "cancelled" for r in rows), rows
        states = {m["id"]: m["state"] for m in op.api("GET", "/api/v1/events/%s/meetings?scope=all" % eid).json["items"]}
        assert states == {m1: "cancelled", m2: "cancelled"}, states
        for c, who in p.people:
            assert has_notification(c, "event_cancelled", ev["name_zh"])
            got = smtp.wait_for(lambda m, w=who: w["email"] in m["to"] and m["subject"] == "活动已取消：" + ev["name_zh"])
            assert "场馆临时封闭" in got[0]["body"], got[0]["body"]
        assert audit(server, "event.cancel", eid)
        assert "场馆临时封闭" in Client(server).get("/events/%s" % eid).text
        # A cancelled event changes no more, and is not cancelled twice.
        r = op.api("PATCH", "/api/v1/events/%s" % eid, {"venue": "x"})
        assert r.status == 409 and codes(r) == ["err.event.cancelled"], r
        r = op.api("DELETE", "/api/v1/events/%s" % eid)
        assert r.status == 409 and codes(r) == ["err.event.cancelled"], r
        r = reg(pool(server, 4)[3][0], eid)
        assert r.status == 409, r
    finally:
        smtp.stop()


def test_cancel_follows_the_tables_exhaustively(server):
    """Every registration and meeting state, then the event cancelled: a
    state the table lets the system cancel from ends cancelled, every
    other stays as it was."""
    lc = lifecycle(server)
    sys_regs = {t["from"]: t["to"] for t in lc["registrations"]["transitions"] if t["action"] == "cancel" and "system" in t["roles"]}
    sys_meets = {t["from"]: t["to"] for t in lc["meetings"]["transitions"] if t["action"] == "cancel" and "system" in t["roles"]}
    assert set(sys_regs) == {"pending", "approved", "checked_in"} and set(sys_meets) == {"requested", "accepted", "scheduled"}
    op = login(server, "operator")
    for state in lc["registrations"]["states"]:
        ev = make_event(server, approval="manual")
        c, _ = pool(server, 1)[0]
        assert reg(c, ev["id"]).status == 201
        rid = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["id"]
        path = "/api/v1/events/%s/registrations/%s/actions" % (ev["id"], rid)
        if state in ("approved", "checked_in"):
            assert op.api("POST", path, {"action": "approve"}).status == 200
        if state == "declined":
            assert op.api("POST", path, {"action": "decline"}).status == 200
        if state == "cancelled":
            assert c.api("POST", path, {"action": "cancel"}).status == 200
        if state == "checked_in":
            code = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["ticket_code"]
            assert op.api("POST", "/api/v1/events/%s/checkins" % ev["id"], {"code": code}).status == 200
        assert c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["state"] == state
        assert op.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "cancel"}).status == 200
        assert c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["state"] == sys_regs.get(state, state), state
    from test_events import meeting_in
    for state in lc["meetings"]["states"]:
        full = state == "accepted"
        p = Pair(server, n=4 if full else 2, slots=1, tables=1)
        if full:
            mfill = p.request(2, 3).json["id"]
            assert p.act(3, mfill, "accept").json["state"] == "scheduled"
        mid = meeting_in(p, state)
        assert op.api("POST", "/api/v1/events/%s/actions" % p.eid, {"action": "cancel"}).status == 200
        got = [m for m in op.api("GET", "/api/v1/events/%s/meetings?scope=all" % p.eid).json["items"] if m["id"] == mid][0]
        assert got["state"] == sys_meets.get(state, state), (state, got)
        assert got.get("slot") is None or state == "held", got


def test_meeting_steps_are_mailed_in_the_recipients_language(server):
    p = Pair(server, n=2)
    a, a_me = p.people[0]
    b, b_me = p.people[1]
    # b registered in Chinese; make b's registration English by registering again in English.
    path = "/api/v1/events/%s/registrations/%s/actions" % (p.eid, b.api("GET", "/api/v1/events/%s" % p.eid).json["my_registration"]["id"])
    assert b.api("POST", path, {"action": "cancel"}).status == 200
    r = b.api("POST", "/api/v1/events/%s/registrations" % p.eid, {"country": "DE", "answers": {"goal": "x"}}, headers=EN)
    assert r.status == 201, r
    mid = p.request(0, 1, message="想聊聊中试合作").json["id"]
    got = mails(server, b_me["email"])[-1]
    assert got["subject"] == "%s asks to meet you" % a_me["name"], got
    assert "Their message: 想聊聊中试合作" in got["body"], got
    assert p.act(1, mid, "accept").status == 200
    subjects = [m["subject"] for m in mails(server, a_me["email"])]
    assert "%s 接受了洽谈" % b_me["name"] in subjects, subjects
    assert any(s.startswith("洽谈已排定时段：") for s in subjects), subjects
    body = [m["body"] for m in mails(server, b_me["email"]) if m["subject"].startswith("Your meeting has a time")][-1]
    assert "table 1" in body and "Meeting time:" in body, body
    assert p.act(0, mid, "cancel").status == 200
    assert mails(server, b_me["email"])[-1]["subject"] == "%s cancelled a meeting" % a_me["name"]


def test_report_by_section_counts_attendance(server):
    """Hand-computed: section A's matchmaking session holds slots 0-1,
    B's slots 2-3. Everyone chose A when registering. m1 (p0-p1, slot 0)
    held, both checked in; m2 (p2-p3, slot 2) scheduled, not held; m3
    (p0-p2, slot 3) held, both checked in. A: chose 4, took part {p0, p1}
    = 2, held 1. B: chose 0, took part {p0, p2} = 2, held 1."""
    op = login(server, "operator")
    ev = make_event(server, slots=4, tables=1, sections=[
        {"name_zh": "A板块", "sessions": [{"kind": "matchmaking", "title_zh": "A洽谈", "starts_at": local(10, 14), "ends_at": local(10, 14, 40)}]},
        {"name_zh": "B板块", "sessions": [{"kind": "matchmaking", "title_zh": "B洽谈", "starts_at": local(10, 14, 40), "ends_at": local(10, 15, 20)}]},
        {"name_zh": "C板块"}])
    eid = ev["id"]
    sa, sb, sc = [s["id"] for s in ev["sections"]]
    people = pool(server, 4)
    for c, _ in people:
        assert reg(c, eid, sections=[sa]).status == 201

    def meet(i, j, slot):
        r = people[i][0].api("POST", "/api/v1/events/%s/meetings" % eid, {"invitee_id": people[j][1]["id"], "slot": slot})
        assert r.status == 201, r
        mid = r.json["id"]
        r = people[j][0].api("POST", "/api/v1/events/%s/meetings/%s/actions" % (eid, mid), {"action": "accept"})
        assert r.json["state"] == "scheduled", r
        return mid
    m1, m2, m3 = meet(0, 1, 0), meet(2, 3, 2), meet(0, 2, 3)
    slots = {m["id"]: m["slot"] for m in op.api("GET", "/api/v1/events/%s/meetings?scope=all" % eid).json["items"]}
    assert (slots[m1], slots[m2], slots[m3]) == (0, 2, 3), slots
    for i in (0, 1, 2):
        code = people[i][0].api("GET", "/api/v1/events/%s" % eid).json["my_registration"]["ticket_code"]
        assert op.api("POST", "/api/v1/events/%s/checkins" % eid, {"code": code}).status == 200
    for i, mid in ((0, m1), (0, m3)):
        r = people[i][0].api("POST", "/api/v1/events/%s/meetings/%s/actions" % (eid, mid), {"action": "record", "outcome": "follow_up"})
        assert r.status == 200, r
    rep = op.api("GET", "/api/v1/events/%s/report" % eid).json
    by = {s["id"]: s for s in rep["by_section"]}
    assert (by[sa]["registrations"], by[sa]["attended"], by[sa]["meetings_held"]) == (4, 2, 1), by[sa]
    assert (by[sb]["registrations"], by[sb]["attended"], by[sb]["meetings_held"]) == (0, 2, 1), by[sb]
    assert (by[sc]["registrations"], by[sc]["attended"], by[sc]["meetings_held"]) == (0, 0, 0), by[sc]
    assert rep["attended"] == 3 and rep["meetings_held"] == 2
    page = op.get("/events/%s/report" % eid).text
    assert '<tr data-section="%s"><td>B板块</td><td class="rp-chose">0</td><td class="rp-attended">2</td><td class="rp-held">1</td>' % sb in page


def test_deal_from_a_meeting_is_written_in_one_transaction(server):
    ev = make_event(server)
    eid = ev["id"]
    ent, sci = login(server, "org_member"), login(server, "scientist2")
    for c in (ent, sci):
        assert reg(c, eid).status == 201, c
    sci_me = me(sci)
    mine = [l for l in sci.api("GET", "/api/v1/my/listings").json["items"] if l["status"] == "published"]
    listing = mine[next(_seq) % len(mine)]
    r = ent.api("POST", "/api/v1/events/%s/meetings" % eid, {"invitee_id": sci_me["id"], "listing_id": listing["id"]})
    assert r.status == 201, r
    mid = r.json["id"]
    path = "/api/v1/events/%s/meetings/%s/actions" % (eid, mid)
    assert sci.api("POST", path, {"action": "accept"}).json["state"] == "scheduled"
    op = login(server, "operator")
    for c in (ent, sci):
        code = c.api("GET", "/api/v1/events/%s" % eid).json["my_registration"]["ticket_code"]
        assert op.api("POST", "/api/v1/events/%s/checkins" % eid, {"code": code}).status == 200
        assert c.api("POST", path, {"action": "record", "outcome": "intention"}).status == 200
    ent_id = me(ent)["id"]
    eois_before = db_rows(server, "SELECT id FROM eois WHERE listing_id = ? AND sender_id = ?", listing["id"], ent_id)
    threads_before = db_rows(server, "SELECT count(*) AS n FROM threads")[0]["n"]
    # A failure after the deal row is written (the deal log's read of its
    # last entry), then a failing commit: 500 each time, and nothing of the
    # deal is left — no deal, no conversation, no log entry, no expression
    # of interest, no deal id on the meeting.
    for fault in ({"reads": 1, "sql": "deal_events"}, {"commits": 1}):
        assert Client(server).api("POST", "/__test/faults", fault).status == 200
        r = ent.api("POST", path, {"action": "start_deal"})
        assert r.status == 500, (fault, r)
        assert not db_rows(server, "SELECT id FROM deals WHERE source = 'event' AND source_id = ?", mid), fault
        assert db_rows(server, "SELECT deal_id FROM event_meetings WHERE id = ?", mid)[0]["deal_id"] is None
        assert db_rows(server, "SELECT id FROM eois WHERE listing_id = ? AND sender_id = ?", listing["id"], ent_id) == eois_before
        assert db_rows(server, "SELECT count(*) AS n FROM threads")[0]["n"] == threads_before
    r = ent.api("POST", path, {"action": "start_deal"})
    assert r.status == 200 and r.json["deal_id"], r
    deal = r.json["deal_id"]
    row = db_rows(server, "SELECT source, source_id, provider_id, client_id, listing_id FROM deals WHERE id = ?", deal)[0]
    assert row == {"source": "event", "source_id": mid, "provider_id": sci_me["id"], "client_id": ent_id, "listing_id": listing["id"]}, row
    assert db_rows(server, "SELECT id FROM eois WHERE listing_id = ? AND sender_id = ?", listing["id"], ent_id) == eois_before
    assert sci.api("GET", "/api/v1/deals/%s" % deal).status == 200 and ent.api("GET", "/api/v1/deals/%s" % deal).status == 200
    log = db_rows(server, "SELECT kind FROM deal_events WHERE deal_id = ? ORDER BY seq", deal)
    assert [e["kind"] for e in log] == ["create"], log
    r = sci.api("POST", path, {"action": "start_deal"})
    assert r.status == 409 and codes(r) == ["err.event.deal_exists"], r
