"""The outsider's walk, kept: every link a visitor and each kind of
signed-in user can see on the demo platform answers below 400, every page
resource (stylesheet, script, image, video) loads, and no page shows a
message key instead of its text (crawl.py says how pages are chosen).

Found by the walk and fixed with this module: the service desk linked
every deal without a broker (404 for the operator: a deal is its
parties'), the statistics page's breadcrumb linked the province above an
operator's city (403), the all-meetings page of an event linked its
organizer to an agenda only participants have (403) and to the meetings'
deals (404), an EOI led another member of the listing's studio to its
conversation and deal (404: they are the accepter's and the sender's), a 揭榜 list offered
residents the entry form they may not use (403), and the audit log showed
center and event actions as codes (center.create, event.publish).

Also: every audit action the code writes has a label in both catalogs
(the audit page shows the label; a missing one showed the code).
"""
import os
import re

from harness import Client, DEMO
from crawl import ROOT, catalog_keys, crawl

# Where each kind of user starts besides the home page: the pages their
# journeys begin on (the crawl finds the rest from there).
SEEDS = {
    None: ["/", "/achievements", "/services", "/demands", "/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA", "/popsci",
           "/challenge-lists", "/data", "/experts", "/studios", "/events", "/centers", "/register", "/login",
           "/popsci/questions", "/popsci/teams", "/help/roles"],
    "scientist": ["/dashboard", "/studios/mine", "/listings/new?kind=achievement", "/my/listings", "/eois", "/deals",
                  "/notifications", "/favourites", "/subscriptions", "/account/profile", "/settings/mail",
                  "/work-orders", "/account/privacy", "/popsci/mine"],
    "org_member": ["/dashboard", "/listings/new?kind=demand", "/my/listings", "/eois", "/deals", "/work-orders/new",
                   "/work-orders", "/org-requests"],
    "operator": ["/desk", "/review", "/work-orders/queue", "/stats", "/org-verifications", "/popsci/review",
                 "/events/new", "/org-requests"],
    "admin": ["/admin/users", "/admin/audit", "/admin/instance", "/admin/federation", "/admin/import", "/centers/new",
              "/stats", "/desk"],
    # A member of a studio (川味发酵食品工作室) whose listing's EOI another
    # member accepted: he sees the EOI, not its conversation or deal.
    "studio_member": ["/eois", "/deals", "/studios/mine", "/dashboard"],
    "resident": ["/popsci/feed", "/popsci/questions/new", "/popsci/profile", "/popsci/teams", "/work-orders/new",
                 "/dashboard"],
}
KEYS = catalog_keys()
# Demo people beyond harness.DEMO's roles.
PEOPLE = {"studio_member": ("he.jianguo@demo.kejiyun.cn", "Demo-2026!")}


def walk(server, role, lang):
    c = Client(server)
    if role in PEOPLE:
        c.login(*PEOPLE[role])
    elif role:
        c.login_as(role)
    visited, problems = crawl(c, SEEDS[None if role is None else role] + ["/"], lang, keys=KEYS)
    who = role or "a visitor"
    assert len(visited) > 20, "%s reached only %d pages: %s" % (who, len(visited), visited)
    assert not problems, "%s (%s), %d pages: %d problem(s):\n%s" % (who, lang, len(visited), len(problems),
                                                                    "\n".join(problems[:30]))


def test_visitor_in_chinese(server):
    walk(server, None, "zh-CN")


def test_visitor_in_english(server):
    walk(server, None, "en")


def test_scientist(server):
    walk(server, "scientist", "zh-CN")


def test_enterprise(server):
    walk(server, "org_member", "zh-CN")


def test_service_center_staff(server):
    walk(server, "operator", "zh-CN")


def test_administrator_in_english(server):
    walk(server, "admin", "en")


def test_studio_member(server):
    walk(server, "studio_member", "zh-CN")


def test_resident(server):
    walk(server, "resident", "zh-CN")


# The audit log's action is "a.b.c", shown by the label audit.action.a.b.c.
# The actions are the literals inside a call of a writer (both sides of a
# "?:") and in an "action = ..." assignment that feeds one.
SPAN = re.compile(r'(?:kj_audit_write\(|\baudit\(c, |audit_cli\(db, |close_tx\(|save_checked\(|\baction\s*=\s*)[^;]*;', re.S)
LITERAL = re.compile(r'"([a-z_]+(?:\.[a-z_]+)+)"')
FAMILY = re.compile(r'"(?!audit\.)([a-z_]+(?:\.[a-z_]+)*)\.%s"')


def audit_actions(server):
    """Every action the source writes to the audit log: literals passed to
    the writers, and the families built from a life cycle's actions
    ("event.%s", "org.verification.%s"), expanded from the published tables."""
    c = Client(server)
    lifecycles = {
        "event": [t["action"] for t in c.api("GET", "/api/v1/events/lifecycle").json["events"]["transitions"]],
        "org.verification": [t["action"] for t in c.api("GET", "/api/v1/org-verification/lifecycle").json["transitions"]],
    }
    found = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "src")):
        for name in files:
            if not name.endswith(".c") or folder.endswith(os.sep + "audit"):
                continue
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            if "audit" not in text:
                continue
            for span in SPAN.finditer(text):
                found.update(m.group(1) for m in LITERAL.finditer(span.group(0))
                             if not m.group(1).startswith(("err.", "mail.", "audit.")))
            for m in FAMILY.finditer(text):
                if "audit" in text[max(0, m.start() - 200):m.end() + 400]:
                    assert m.group(1) in lifecycles, "an audit family %s.%%s this test cannot expand" % m.group(1)
                    found.update("%s.%s" % (m.group(1), a) for a in lifecycles[m.group(1)])
    return found


def test_every_audit_action_has_a_label(server):
    actions = audit_actions(server)
    assert {"user.disable", "center.create", "event.publish", "workorder.escalate",
            "org.verification.refuse", "fed.offer"} <= actions, sorted(actions)
    missing = []
    for lang in ("zh-CN", "en"):
        labels = catalog_keys(lang)
        missing += ["%s: audit.action.%s" % (lang, a) for a in sorted(actions) if "audit.action." + a not in labels]
    assert not missing, "audit actions without a label:\n" + "\n".join(missing)
    # And the page shows the label, not the code (the demo creates centers).
    admin = Client(server)
    admin.login_as("admin")
    page = admin.get("/admin/audit?action=center.").text
    assert "<td>center.create</td>" not in page and "创建服务中心" in page
