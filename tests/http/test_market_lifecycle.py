"""Marketplace listings over HTTP: the life-cycle table (every allowed
transition by its party, every other action x state refused), review with
reasons, edits of published listings (pending revision, history), expiry
with reminders, and field validation through the API and the HTML form.

The helpers at the top (names without the test_ prefix) are shared by the
other test_market_* modules."""
import html as htmllib
import itertools
import os
import re
import time
import urllib.parse

from harness import Client

# ---- shared helpers ----

RUN = "%x" % ((int(time.time() * 1000) ^ os.getpid()) & 0xffffffff)   # unique per test run
_seq = itertools.count(1)
DAY_MS = 86400 * 1000


def utitle(prefix="成果"):
    """A listing title unique to this run (4..100 characters)."""
    return "%s-%s-%d" % (prefix, RUN, next(_seq))


def user(server, role):
    c = Client(server)
    c.login_as(role)
    return c


BASE = {
    "achievement": {"summary": "面向输电线路巡检的无人机视觉识别成果。", "domain": "D0101", "region": "510107",
                    "trl": 5, "coop_modes": ["transfer"], "keywords": ["巡检", "视觉"]},
    "service": {"summary": "提供材料检测与分析服务。", "domain": "D0105", "region": "510107",
                "delivery_mode": "remote"},
    "demand": {"summary": "需要一套长航时无人机电源方案。", "domain": "D0401", "region": "510100",
               "coop_modes": ["joint_dev"], "indicators": [{"name": "续航", "target": "≥ 60", "unit": "分钟"}]},
}


def listing_body(kind="achievement", **over):
    body = dict(BASE[kind], kind=kind, title=utitle(kind))
    body.update(over)
    return body


def create(c, kind="achievement", submit=False, **over):
    r = c.api("POST", "/api/v1/listings", dict(listing_body(kind, **over), submit=submit))
    assert r.status == 201, r
    return r.json


def act(c, lid, action, reason=None):
    body = {"action": action}
    if reason is not None:
        body["reason"] = reason
    return c.api("POST", "/api/v1/listings/%s/actions" % lid, body)


def ok_act(c, lid, action, reason=None):
    r = act(c, lid, action, reason)
    assert r.status == 200, (action, r)
    return r.json


def publish(owner, reviewer, kind="achievement", **over):
    lid = create(owner, kind, submit=True, **over)["id"]
    return ok_act(reviewer, lid, "approve")


def get_listing(c, lid):
    return c.api("GET", "/api/v1/listings/" + lid)


def status_of(c, lid):
    r = get_listing(c, lid)
    assert r.status == 200, r
    return r.json["status"]


def problem(r, status, detail=None):
    """Asserts r is an RFC 9457 problem with status (and detail text)."""
    assert r.status == status, "expected %d, got %r" % (status, r)
    assert (r.header("Content-Type") or "").startswith("application/problem+json"), r.header("Content-Type")
    j = r.json
    assert j["status"] == status and j.get("title") and j.get("detail"), j
    if detail is not None:
        assert detail in j["detail"], (detail, j)
    return j


def field_errors(r):
    """{field: code} of a 422 problem."""
    problem(r, 422)
    return {e["field"]: e["code"] for e in r.json.get("errors", [])}


def server_now_ms(server):
    r = Client(server).api("POST", "/__test/clock", {})
    assert r.status == 200, r
    return r.json["now_ms"]


def set_clock_offset(server, ms):
    r = Client(server).api("POST", "/__test/clock", {"offset_ms": ms})
    assert r.status == 200, r


def date_plus(now_ms, days):
    return time.strftime("%Y-%m-%d", time.gmtime(now_ms / 1000 + days * 86400))


def tick(server):
    """Runs the expiry/reminder job; False when /__test/tick does not exist."""
    r = Client(server).api("POST", "/__test/tick")
    if r.status == 404:
        print("NOTE: POST /__test/tick is missing (404): expiry-job assertions skipped")
        return False
    assert r.status == 200, r
    return True


def notifications(c):
    r = c.api("GET", "/api/v1/notifications")
    assert r.status == 200, r
    return r.json["items"]


def has_notification(c, kind, subject):
    return any(n["kind"] == kind and n["subject"] == subject for n in notifications(c))


def browse_ids(c, **params):
    r = c.api("GET", "/api/v1/listings?" + urllib.parse.urlencode(params))
    assert r.status == 200, r
    return [l["id"] for l in r.json["items"]]


def expire_listings(server, owner, reviewer, count):
    """count published listings of owner that the expiry job has expired
    (valid until tomorrow, clock moved two days on, job run, clock back);
    None when the job cannot be triggered."""
    now = server_now_ms(server)
    ids = [publish(owner, reviewer, valid_until=date_plus(now, 1))["id"] for _ in range(count)]
    try:
        set_clock_offset(server, 2 * DAY_MS + 3600 * 1000)
        if not tick(server):
            return None
    finally:
        set_clock_offset(server, 0)
    for lid in ids:
        assert status_of(owner, lid) == "expired", lid
    return ids


def error_near(page, field_id, message):
    """True when message is shown in a field-error right after the control
    with id field_id (before the next label or fieldset)."""
    pos = page.find('id="%s"' % field_id)
    assert pos >= 0, "no control %s" % field_id
    ends = [p for p in (page.find("<label", pos + 1), page.find("<fieldset", pos + 1), page.find("<legend", pos + 1))
            if p > 0]
    segment = page[pos:min(ends) if ends else len(page)]
    return "field-error" in segment and message in segment


TRANSITION_DETAIL = "当前状态下不能进行这个操作。"


class Ctx:
    def __init__(self, server):
        self.server = server
        self.owner = user(server, "scientist")
        self.admin = user(server, "admin")
        self.other = user(server, "scientist2")
        self.expired = []

    def bring(self, state):
        """A fresh listing of the owner in state."""
        o, a = self.owner, self.admin
        if state == "expired":
            return self.expired.pop()
        if state == "draft":
            return create(o)["id"]
        lid = create(o, submit=True)["id"]
        if state == "submitted":
            return lid
        if state == "rejected":
            ok_act(a, lid, "reject", "资料不完整")
            return lid
        if state == "withdrawn":
            ok_act(o, lid, "withdraw")
            return lid
        ok_act(a, lid, "approve")
        if state == "published":
            return lid
        if state == "closed":
            ok_act(o, lid, "close")
            return lid
        raise AssertionError("unknown state " + state)


def lifecycle(server):
    r = Client(server).api("GET", "/api/v1/listings/lifecycle")
    assert r.status == 200, r
    return r.json["transitions"]


STATES = ["draft", "submitted", "published", "rejected", "expired", "withdrawn", "closed"]

# ---- life cycle ----


def test_lifecycle_table_is_published(server):
    table = lifecycle(server)
    assert table, "empty life-cycle table"
    for t in table:
        assert set(t) >= {"action", "from", "to", "who"}, t
        assert t["from"] in STATES and t["to"] in STATES, t
        assert t["who"] in ("owner", "reviewer", "system"), t
    pairs = [(t["action"], t["from"]) for t in table]
    assert len(pairs) == len(set(pairs)), "one row per (action, from)"
    assert ("approve", "submitted", "reviewer") in [(t["action"], t["from"], t["who"]) for t in table]
    assert ("expire", "published", "expired") in [(t["action"], t["from"], t["to"]) for t in table]


def test_every_allowed_transition_by_its_party(server):
    ctx = Ctx(server)
    table = [t for t in lifecycle(server) if t["who"] != "system"]
    n_expired = sum(1 for t in table if t["from"] == "expired")
    if n_expired:
        ctx.expired = expire_listings(server, ctx.owner, ctx.admin, n_expired) or []
    failures = []
    for t in table:
        action, frm, to, who = t["action"], t["from"], t["to"], t["who"]
        if frm == "expired" and not ctx.expired:
            print("NOTE: %s from expired not exercised (no expiry job)" % action)
            continue
        lid = ctx.bring(frm)
        if action in ("approve_edit", "reject_edit"):
            r = ctx.owner.api("PATCH", "/api/v1/listings/" + lid, {"title": utitle("改")})
            assert r.status == 200, r
        if action == "open_interest":
            ok_act(ctx.owner, lid, "close_interest")
        reason = "理由说明" if action.startswith("reject") else None
        # The wrong parties first: refused, and nothing changes.
        wrong = [(ctx.admin, 403)] if who == "owner" else [(ctx.owner, 403)]
        public = frm in ("published", "closed", "expired")
        wrong.append((ctx.other, 403 if public else 404))
        for c, code in wrong:
            r = act(c, lid, action, reason)
            if r.status != code:
                failures.append("%s from %s by wrong party: expected %d, got %d" % (action, frm, code, r.status))
        if status_of(ctx.owner, lid) != frm:
            failures.append("%s from %s: a refused attempt changed the status" % (action, frm))
            continue
        party = ctx.owner if who == "owner" else ctx.admin
        r = act(party, lid, action, reason)
        if r.status != 200:
            failures.append("%s from %s by %s: %r" % (action, frm, who, r))
            continue
        if r.json["status"] != to or status_of(ctx.owner, lid) != to:
            failures.append("%s from %s: expected %s, got %s" % (action, frm, to, r.json["status"]))
        if action == "open_interest" and r.json["open_for_interest"] is not True:
            failures.append("open_interest did not open")
        if action == "close_interest" and r.json["open_for_interest"] is not False:
            failures.append("close_interest did not close")
        if action == "approve_edit" and r.json.get("pending_revision") is not None:
            failures.append("approve_edit left a pending revision")
    assert not failures, "\n".join(failures)


def test_every_other_action_state_pair_is_refused(server):
    ctx = Ctx(server)
    table = lifecycle(server)
    allowed = {(t["action"], t["from"]) for t in table}
    who = {t["action"]: t["who"] for t in table}
    user_actions = sorted({a for a, w in who.items() if w != "system"})
    system_actions = sorted({a for a, w in who.items() if w == "system"})
    ctx.expired = expire_listings(server, ctx.owner, ctx.admin, 1) or []
    failures = []
    for state in STATES:
        if state == "expired" and not ctx.expired:
            continue
        lid = ctx.bring(state)
        for action in user_actions:
            if (action, state) in allowed:
                continue
            party = ctx.owner if who[action] == "owner" else ctx.admin
            r = act(party, lid, action, "理由" if action.startswith("reject") else None)
            if r.status != 409 or TRANSITION_DETAIL not in r.json.get("detail", ""):
                failures.append("%s on %s: expected 409 '%s', got %r" % (action, state, TRANSITION_DETAIL, r))
            got = status_of(ctx.owner, lid)
            if got != state:
                failures.append("%s on %s changed the status to %s" % (action, state, got))
                lid = ctx.bring(state)
        # System actions are never performed by a person.
        for action in system_actions:
            for c in (ctx.owner, ctx.admin):
                r = act(c, lid, action)
                if r.status not in (403, 409, 422):
                    failures.append("system action %s on %s by a user: got %r" % (action, state, r))
        if status_of(ctx.owner, lid) != state:
            failures.append("system action changed %s" % state)
    r = act(ctx.owner, create(ctx.owner)["id"], "fly_to_moon")
    problem(r, 422, "未知的操作。")
    assert not failures, "\n".join(failures)


def test_owner_buttons_follow_the_table(server):
    """The detail page offers the owner exactly the owner actions the table
    allows in the listing's state."""
    ctx = Ctx(server)
    table = lifecycle(server)
    failures = []
    for state in ["draft", "submitted", "published", "rejected", "withdrawn", "closed"]:
        lid = ctx.bring(state)
        page = ctx.owner.get("/listings/" + lid)
        assert page.status == 200, page
        shown = set(re.findall(r'data-action="([a-z_]+)"', page.text))
        expected = {t["action"] for t in table if t["from"] == state and t["who"] == "owner"}
        if state == "published":
            expected.discard("open_interest")     # it is open: only "close" is offered
        if shown != expected:
            failures.append("%s: buttons %s, table %s" % (state, sorted(shown), sorted(expected)))
        review = ctx.admin.get("/listings/" + lid).text
        if (state == "submitted") != ('id="approve"' in review):
            failures.append("%s: reviewer approve button shown=%s" % (state, 'id="approve"' in review))
    assert not failures, "\n".join(failures)


def test_review_reject_needs_reason_and_owner_sees_it(server):
    ctx = Ctx(server)
    l = create(ctx.owner, submit=True)
    lid = l["id"]
    problem(act(ctx.admin, lid, "reject"), 422, "请填写不通过的原因。")
    problem(act(ctx.admin, lid, "reject", "   "), 422)
    assert status_of(ctx.owner, lid) == "submitted"
    problem(act(ctx.owner, lid, "approve"), 403)              # nobody approves their own
    own = create(ctx.admin, submit=True)
    problem(act(ctx.admin, own["id"], "approve"), 403)        # not even the administrator
    reason = "缺少测试数据-" + RUN
    j = ok_act(ctx.admin, lid, "reject", reason)
    assert j["status"] == "rejected"
    own = get_listing(ctx.owner, lid).json
    assert own["reject_reason"] == reason, own
    page = ctx.owner.get("/listings/" + lid)
    assert 'id="reject-reason"' in page.text and reason in page.text
    assert has_notification(ctx.owner, "listing_rejected", l["title"])
    # The reason is for the owner and reviewers, not for other users.
    assert get_listing(ctx.other, lid).status == 404
    # Resubmitting clears the verdict: a submitted listing does not say "rejected because".
    ok_act(ctx.owner, lid, "submit")
    again = get_listing(ctx.owner, lid).json
    assert again["status"] == "submitted"
    assert again.get("reject_reason") is None, "stale reject_reason on a resubmitted listing: %r" % again.get("reject_reason")
    assert 'id="reject-reason"' not in ctx.owner.get("/listings/" + lid).text
    ok_act(ctx.admin, lid, "approve")
    assert has_notification(ctx.owner, "listing_published", l["title"])


def test_extend_only_once(server):
    ctx = Ctx(server)
    now = server_now_ms(server)
    l = publish(ctx.owner, ctx.admin, valid_until=date_plus(now, 30))
    j = ok_act(ctx.owner, l["id"], "extend")
    assert j["status"] == "published" and j["extended"] == 1
    assert date_plus(now, 365) <= j["valid_until"] <= date_plus(now, 30 + 365), j["valid_until"]   # about a year more
    problem(act(ctx.owner, l["id"], "extend"), 409, "每条发布只能延期一次。")
    page = ctx.owner.get("/listings/" + l["id"]).text
    assert 'data-action="extend"' not in page, "the extend button stays after the one extension"


def test_extend_never_shortens_validity(server):
    """"延期一年" on a listing valid for almost two more years must not cut it to one."""
    ctx = Ctx(server)
    now = server_now_ms(server)
    before = date_plus(now, 700)
    l = publish(ctx.owner, ctx.admin, valid_until=before)
    j = ok_act(ctx.owner, l["id"], "extend")
    assert j["valid_until"] >= before, "extend shortened valid_until from %s to %s" % (before, j["valid_until"])


def test_withdraw_hides_and_reopen_returns_to_draft(server):
    ctx = Ctx(server)
    l = publish(ctx.owner, ctx.admin)
    anon = Client(server)
    assert get_listing(anon, l["id"]).status == 200
    ok_act(ctx.owner, l["id"], "withdraw")
    assert get_listing(anon, l["id"]).status == 404
    assert anon.get("/listings/" + l["id"]).status == 404
    assert l["id"] not in browse_ids(anon, q=l["title"])
    assert ok_act(ctx.owner, l["id"], "reopen")["status"] == "draft"
    assert get_listing(ctx.other, l["id"]).status == 404


def test_close_keeps_page_but_leaves_browse(server):
    ctx = Ctx(server)
    l = publish(ctx.owner, ctx.admin)
    anon = Client(server)
    assert l["id"] in browse_ids(anon, q=l["title"])
    ok_act(ctx.owner, l["id"], "close")
    assert l["id"] not in browse_ids(anon, q=l["title"])
    r = get_listing(anon, l["id"])
    assert r.status == 200 and r.json["status"] == "closed" and r.json["is_current"] is False
    r = ctx.owner.api("PATCH", "/api/v1/listings/" + l["id"], {"title": utitle("改")})
    problem(r, 409, "已关闭或已过期的内容不能再修改。")


# ---- edits of published listings ----


def _history(c, lid):
    r = c.api("GET", "/api/v1/listings/%s/history" % lid)
    assert r.status == 200, r
    return r.json


def test_edit_of_published_listing_waits_for_review(server):
    ctx = Ctx(server)
    old = publish(ctx.owner, ctx.admin, summary="旧的摘要内容")
    lid, t1 = old["id"], old["title"]
    anon = Client(server)
    t2 = utitle("新标题")
    r = ctx.owner.api("PATCH", "/api/v1/listings/" + lid, {"title": t2, "summary": "新的摘要内容"})
    assert r.status == 200, r
    assert r.json["status"] == "published" and r.json["pending_revision"], r.json
    # Still online with the approved content.
    pub = get_listing(anon, lid).json
    assert pub["status"] == "published" and pub["title"] == t1 and pub["summary"] == "旧的摘要内容", pub
    page = anon.get("/listings/" + lid).text
    assert t1 in page and t2 not in page and "新的摘要内容" not in page
    assert lid in browse_ids(anon, q=t1) and lid not in browse_ids(anon, q=t2)
    owner_page = ctx.owner.get("/listings/" + lid).text
    assert "有一项修改正在等待审核。" in owner_page
    # The edit form continues from the pending edit.
    assert 'value="%s"' % t2 in ctx.owner.get("/listings/%s/edit" % lid).text
    # A second edit replaces the pending one rather than queueing another.
    t2b = utitle("新标题b")
    assert ctx.owner.api("PATCH", "/api/v1/listings/" + lid, {"title": t2b}).status == 200
    h = _history(ctx.owner, lid)
    revs = [(x["rev"], x["state"], x["data"]["title"]) for x in h["revisions"]]
    assert revs == [(1, "approved", t1), (2, "pending", t2b)], revs
    assert "edit_submitted" in [e["action"] for e in h["events"]]
    # Reviewers see it in their queue as an edit.
    q = ctx.admin.api("GET", "/api/v1/review-queue").json
    item = [x for x in q["items"] if x["id"] == lid]
    assert item and item[0]["is_edit"] is True, item
    operator = user(server, "operator")
    assert lid in [x["id"] for x in operator.api("GET", "/api/v1/review-queue").json["items"]]
    problem(act(ctx.owner, lid, "approve_edit"), 403)
    j = ok_act(ctx.admin, lid, "approve_edit")
    assert j["title"] == t2b and j["status"] == "published", j
    assert get_listing(anon, lid).json["title"] == t2b
    assert lid in browse_ids(anon, q=t2b)
    assert has_notification(ctx.owner, "edit_approved", t1) or has_notification(ctx.owner, "edit_approved", t2b)
    problem(act(ctx.admin, lid, "approve_edit"), 409, "没有待审核的修改。")
    h = _history(ctx.owner, lid)
    assert [(x["rev"], x["state"]) for x in h["revisions"]] == [(1, "approved"), (2, "approved")]
    assert h["revisions"][1]["reviewer_name"] == "平台管理员"
    # The second PATCH sent only the title: the summary of the pending edit it continued must stay.
    assert j["summary"] == "新的摘要内容", "a partial PATCH of a pending edit reverted its summary to %r" % j["summary"]


def test_rejected_edit_keeps_old_content_and_tells_reason(server):
    ctx = Ctx(server)
    old = publish(ctx.owner, ctx.admin)
    lid, t1 = old["id"], old["title"]
    t3 = utitle("夸大标题")
    assert ctx.owner.api("PATCH", "/api/v1/listings/" + lid, {"title": t3}).status == 200
    problem(act(ctx.admin, lid, "reject_edit"), 422, "请填写不通过的原因。")
    reason = "标题夸大，请据实填写-" + RUN
    j = ok_act(ctx.admin, lid, "reject_edit", reason)
    assert j["status"] == "published" and j["title"] == t1 and j.get("pending_revision") is None, j
    assert get_listing(Client(server), lid).json["title"] == t1
    h = _history(ctx.owner, lid)
    last = h["revisions"][-1]
    assert last["state"] == "rejected" and last["reason"] == reason and last["data"]["title"] == t3, last
    assert any(e["action"] == "reject_edit" and e["note"] == reason for e in h["events"]), h["events"]
    page = ctx.owner.get("/listings/%s/history" % lid)
    assert page.status == 200 and reason in htmllib.unescape(page.text)
    assert has_notification(ctx.owner, "edit_rejected", t1)
    # History is for the owner and reviewers only.
    problem(ctx.other.api("GET", "/api/v1/listings/%s/history" % lid), 403)
    assert ctx.other.get("/listings/%s/history" % lid).status == 403


def test_html_edit_of_published_listing(server):
    ctx = Ctx(server)
    old = publish(ctx.owner, ctx.admin)
    lid = old["id"]
    form = ctx.owner.get("/listings/%s/edit" % lid)
    assert form.status == 200 and "该内容已发布" in form.text and 'id="save-draft"' not in form.text
    t2 = utitle("网页修改")
    fields = dict(listing_body("achievement", title=t2), action="submit")
    fields.pop("kind")
    r = ctx.owner.post_form("/listings/%s/edit" % lid, fields)
    assert r.status == 303 and r.header("Location").startswith("/listings/" + lid), r
    assert get_listing(Client(server), lid).json["title"] == old["title"]
    assert _history(ctx.admin, lid)["revisions"][-1]["state"] == "pending"


# ---- expiry ----


def test_expiry_and_reminder(server):
    ctx = Ctx(server)
    now = server_now_ms(server)
    soon = publish(ctx.owner, ctx.admin, valid_until=date_plus(now, 1))
    later = publish(ctx.owner, ctx.admin, valid_until=date_plus(now, 10))
    far = publish(ctx.owner, ctx.admin, valid_until=date_plus(now, 40))
    anon = Client(server)
    have_tick = tick(server)
    if have_tick:
        assert has_notification(ctx.owner, "listing_expiring", later["title"]), "14-day reminder"
        assert not has_notification(ctx.owner, "listing_expiring", far["title"])
        tick(server)
        n = [x for x in notifications(ctx.owner) if x["kind"] == "listing_expiring" and x["subject"] == later["title"]]
        assert len(n) == 1, "one reminder only, got %d" % len(n)
    try:
        set_clock_offset(server, 2 * DAY_MS + 3600 * 1000)
        assert soon["id"] not in browse_ids(anon, q=soon["title"]), "past valid_until: out of browse"
        problem(ctx.other.api("POST", "/api/v1/listings/%s/interest" % soon["id"],
                              {"message": "我们很感兴趣，希望进一步沟通。"}), 409, "该内容已不在发布期内")
        assert later["id"] in browse_ids(anon, q=later["title"])
        if tick(server):
            assert status_of(ctx.owner, soon["id"]) == "expired"
            assert status_of(ctx.owner, later["id"]) == "published"
            assert has_notification(ctx.owner, "listing_expired", soon["title"])
            h = _history(ctx.owner, soon["id"])
            assert any(e["action"] == "expire" and e["to_status"] == "expired" for e in h["events"]), h["events"]
            r = get_listing(anon, soon["id"])
            assert r.status == 200 and r.json["is_current"] is False
            problem(ctx.other.api("POST", "/api/v1/listings/%s/interest" % soon["id"],
                                  {"message": "我们很感兴趣，希望进一步沟通。"}), 409)
            r = ctx.owner.api("PATCH", "/api/v1/listings/" + soon["id"], {"title": utitle("改")})
            problem(r, 409)
            # An expired listing can be extended (once) and is live again.
            j = ok_act(ctx.owner, soon["id"], "extend")
            assert j["status"] == "published" and j["is_current"] is True
            assert soon["id"] in browse_ids(anon, q=soon["title"])
    finally:
        set_clock_offset(server, 0)


def test_rounds_at_once_remind_each_owner_once(server):
    """The expiry job and a tick (or two rounds overlapping on a busy
    machine) at the same time: each listing's reminder is claimed in the
    transaction that tells its owner, so it is told once. Before, both
    rounds read the listing as not reminded and both told (seen once in the
    PostgreSQL lane: "one reminder only, got 2")."""
    import threading
    ctx = Ctx(server)
    now = server_now_ms(server)
    titles = [publish(ctx.owner, ctx.admin, valid_until=date_plus(now, 9))["title"] for _ in range(12)]
    errors = []

    def one_round():
        r = Client(server).api("POST", "/__test/tick")
        if r.status != 200:
            errors.append(r.status)
    rounds = [threading.Thread(target=one_round) for _ in range(4)]
    for t in rounds:
        t.start()
    for t in rounds:
        t.join(300)
    assert not errors, errors
    told = [n["subject"] for n in notifications(ctx.owner) if n["kind"] == "listing_expiring"]
    twice = [t for t in titles if told.count(t) != 1]
    assert not twice, "reminded %s times: %s" % ([told.count(t) for t in twice], twice)


# ---- validation ----


def _api_errors(c, body):
    return field_errors(c.api("POST", "/api/v1/listings", body))


def test_api_validation_per_field(server):
    sci = user(server, "scientist")
    org = user(server, "org_member")
    now = server_now_ms(server)
    a = lambda **o: listing_body("achievement", **o)       # noqa: E731
    cases = [
        ("title too short", sci, a(title="abc"), {"title": "err.field.too_short"}),
        ("title too long", sci, a(title="长" * 101), {"title": "err.field.too_long"}),
        ("title missing", sci, {k: v for k, v in a().items() if k != "title"}, {"title": "err.field.required"}),
        ("summary 301", sci, a(summary="摘" * 301), {"summary": "err.field.too_long"}),
        ("summary missing", sci, a(summary=""), {"summary": "err.field.required"}),
        ("9 keywords", sci, a(keywords=["k%d" % i for i in range(9)]), {"keywords": "err.listing.keywords_many"}),
        ("9 keywords in one string", sci, a(keywords="a，b、c,d;e,f,g,h,i"), {"keywords": "err.listing.keywords_many"}),
        ("keyword of 21", sci, a(keywords=["词" * 21]), {"keywords": "err.listing.keyword_long"}),
        ("bad domain", sci, a(domain="D99"), {"domain": "err.listing.domain"}),
        ("no domain", sci, a(domain=""), {"domain": "err.field.required"}),
        ("bad region", sci, a(region="999999"), {"region": "err.region.unknown"}),
        ("patent check digit", sci, a(ip_type="invention_patent", ip_numbers=["202310456789.1"]),
         {"ip_numbers": "err.patent_no.check_digit"}),
        ("patent numbers with ip none", sci, a(ip_type="none", ip_numbers=["202310456789.0"]),
         {"ip_numbers": "err.listing.ip_none"}),
        ("price min > max", sci, a(price_kind="range", price_min="10", price_max="5"),
         {"price_max": "err.listing.price_order"}),
        ("range without max", sci, a(price_kind="range", price_min="10"), {"price_max": "err.field.required"}),
        ("fixed without price", sci, a(price_kind="fixed"), {"price_min": "err.field.required"}),
        ("price not a number", sci, a(price_kind="fixed", price_min="十万"), {"price_min": "err.listing.price"}),
        ("no trl", sci, {k: v for k, v in a().items() if k != "trl"}, {"trl": "err.field.required"}),
        ("trl 10", sci, a(trl=10), {"trl": "err.field.range"}),
        ("no coop modes", sci, a(coop_modes=[]), {"coop_modes": "err.listing.modes_required"}),
        ("unknown coop mode", sci, a(coop_modes=["barter"]), {"coop_modes": "err.field.choice"}),
        ("valid_until past", sci, a(valid_until=date_plus(now, -1)), {"valid_until": "err.listing.date_past"}),
        ("valid_until > 3 years", sci, a(valid_until=date_plus(now, 3 * 365 + 5)), {"valid_until": "err.listing.date_far"}),
        ("valid_until not a date", sci, a(valid_until="2027-02-30"), {"valid_until": "err.field.date"}),
        ("contact email", sci, a(contact_email="not-an-email"), {"contact_email": "err.field.email"}),
        ("service without delivery", sci, {k: v for k, v in listing_body("service").items() if k != "delivery_mode"},
         {"delivery_mode": "err.field.required"}),
        ("service bad delivery", sci, listing_body("service", delivery_mode="teleport"), {"delivery_mode": "err.field.choice"}),
        ("demand without indicators", org, listing_body("demand", indicators=[]),
         {"indicators": "err.listing.indicators_required"}),
        ("indicator without target", org, listing_body("demand", indicators=[{"name": "续航", "target": ""}]),
         {"indicators": "err.listing.indicator"}),
        ("demand deadline past", org, listing_body("demand", deadline=date_plus(now, -3)),
         {"deadline": "err.listing.date_past"}),
        ("demand by a scientist", sci, listing_body("demand"), {"kind": "err.listing.demand_role"}),
        ("unknown kind", sci, dict(a(), kind="gadget"), {"kind": "err.field.choice"}),
    ]
    failures = []
    for name, c, body, expected in cases:
        got = _api_errors(c, body)
        if got != expected:
            failures.append("%s: expected %s, got %s" % (name, expected, got))
    # Boundaries that are fine.
    good = [
        ("title of 4", sci, a(title="四字标题")),
        ("title of 100", sci, a(title=("题" * 90) + RUN[:10].ljust(10, "x"))),
        ("summary of 300 chinese characters", sci, a(summary="摘" * 300)),
        ("8 keywords", sci, a(keywords=["k%d" % i for i in range(8)])),
        ("valid patent number", sci, a(ip_type="invention_patent", ip_numbers=["202310456789.0"])),
        ("price range", sci, a(price_kind="range", price_min="5", price_max="10.5")),
        ("service", sci, listing_body("service")),
        ("demand", org, listing_body("demand", indicators="续航 | ≥ 60 | 分钟\n载重 | 5 | kg")),
    ]
    for name, c, body in good:
        r = c.api("POST", "/api/v1/listings", body)
        if r.status != 201:
            failures.append("%s: expected 201, got %r" % (name, r))
    assert not failures, "\n".join(failures)


def test_api_validation_stored_values(server):
    sci = user(server, "scientist")
    j = create(sci, keywords="巡检，视觉、 无人机 ,巡检", price_kind="range", price_min="1.5", price_max="20",
               ip_type="invention_patent", ip_numbers=["202310456789.0"])
    assert j["keywords"] == ["巡检", "视觉", "无人机"], j["keywords"]
    assert j["price_min_fen"] == 1500000 and j["price_max_fen"] == 20000000, j
    assert j["price_min"] == "1.5" and j["price_max"] == "20", j
    assert j["ip_numbers"] == ["202310456789.0"]


def _form(kind="achievement", **over):
    body = listing_body(kind, **over)
    out = {}
    for k, v in body.items():
        if k == "indicators" and isinstance(v, list):
            v = "\n".join("%s | %s | %s" % (i["name"], i["target"], i.get("unit", "")) for i in v)
        if k == "keywords" and isinstance(v, list):
            v = ", ".join(v)
        out[k] = v
    out.setdefault("action", "save")
    return out


def test_html_form_validation_keeps_values(server):
    sci = user(server, "scientist")
    typed_summary = "我的摘要 <keep> " + RUN
    r = sci.post_form("/listings", _form(title="abc", summary=typed_summary, keywords="无人机, 巡检",
                                         coop_modes=["transfer", "joint_dev"], ip_type="invention_patent",
                                         ip_numbers="202310456789.1", price_kind="range", price_min="10",
                                         price_max="5", contact_phone="028-66668888"))
    assert r.status == 422, r
    page = r.text
    assert "请检查标出的内容后再提交。" in page
    assert error_near(page, "title", "内容太短。"), "title error next to the title field"
    assert error_near(page, "ip_numbers", "专利申请号校验位不正确"), "patent error next to the field"
    assert error_near(page, "price_max", "上限不能低于下限。"), "price order error next to the price"
    assert not error_near(page, "summary", "field-error"), "no error on a valid field"
    # Typed values are kept (escaped).
    assert 'value="abc"' in page
    assert htmllib.escape(typed_summary, quote=False) in page
    assert 'value="无人机, 巡检"' in page and 'value="202310456789.1"' in page
    assert 'id="price_min" name="price_min" inputmode="decimal" value="10"' in page
    assert 'value="028-66668888"' in page
    assert re.search(r'value="transfer"\s+checked', page) and re.search(r'value="joint_dev"\s+checked', page)
    assert re.search(r'value="general_license"\s+>', page), "unticked modes stay unticked"
    assert re.search(r'<option value="D0101" selected', page) and re.search(r'<option value="510107" selected', page)
    assert re.search(r'name="price_kind" value="range" checked', page)


def test_html_form_route_level_and_kind_errors(server):
    sci = user(server, "scientist")
    title = utitle("网页")
    r = sci.post_form("/listings", _form(title=title, summary="摘" * 301))
    assert r.status == 422, r
    assert error_near(r.text, "summary", "内容太长。") and 'value="%s"' % title in r.text
    org = user(server, "org_member")
    r = org.post_form("/listings", _form("demand", title=title, indicators=""))
    assert r.status == 422, r
    assert error_near(r.text, "indicators", "请至少填写一项可衡量的技术指标。")
    r = sci.post_form("/listings", _form("service", title=title, delivery_mode=""))
    assert r.status == 422, r
    assert error_near(r.text, "delivery_mode", "此项必填。")
    # And a valid form creates a draft and redirects to it.
    r = sci.post_form("/listings", _form(title=title))
    assert r.status == 303 and re.match(r"^/listings/[0-9A-Z]{26}\?saved=1$", r.header("Location")), r
    lid = r.header("Location").split("/")[2].split("?")[0]
    assert status_of(sci, lid) == "draft"
