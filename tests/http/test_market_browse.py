"""Browsing listings over HTTP: ~30 listings by different users with
varied kind, domain, region, TRL, cooperation modes, prices and
publication dates; every filter, the sort orders and paging through the
API, the same counts on the HTML pages, and bad filter values refused
(never a 500).

Every query carries q=<this run's marker> so listings made by other tests
do not disturb the expected sets."""
import html as htmllib
import math
import re
import urllib.parse

from harness import Client
from test_market_lifecycle import (DAY_MS, RUN, listing_body, ok_act, set_clock_offset, user)

MARK = "BRW%s" % RUN
WAN = 1000000   # fen per 万元

# (kind, creator, domain, region, trl (offers) / trl_min (demands), modes, price, old)
# price: None (negotiable), a number (fixed, 万元) or (min, max) (range)
SPECS = [
    ("achievement", "sci", "D0101", "510107", 3, ["transfer"], None, False),
    ("achievement", "sci", "D0102", "510104", 5, ["general_license", "joint_dev"], 50, False),
    ("achievement", "sci2", "D0201", "511102", 7, ["equity"], (10, 80), False),
    ("achievement", "sci2", "D0202", "510107", 9, ["transfer", "equity"], 200, False),
    ("achievement", "org", "D0401", "510100", 6, ["exclusive_license"], (100, 300), False),
    ("achievement", "sci", "D0101", "630104", 2, ["joint_dev"], (1, 5), False),
    ("achievement", "sci2", "D0301", "510000", 4, ["transfer"], 0.5, False),
    ("achievement", "org", "D0402", "510116", 8, ["sole_license"], None, False),
    ("achievement", "sci", "D0103", "510107", 1, ["tech_consult"], 30, False),
    ("achievement", "sci2", "D0204", "630102", 5, ["general_license"], (20, 40), False),
    ("achievement", "sci", "D0101", "510104", 6, ["transfer"], (60, 90), True),
    ("achievement", "sci2", "D0201", "511102", 5, ["joint_dev"], 15, True),
    ("achievement", "org", "D0101", "510107", 4, ["transfer", "general_license"], 25, False),
    ("achievement", "sci", "D0202", "510116", 6, ["equity"], (30, 60), False),
    ("achievement", "sci2", "D0103", "630104", 3, ["joint_dev"], None, True),
    ("achievement", "org2", "D0208", "630102", 7, ["transfer"], 70, False),
    ("achievement", "sci", "D0206", "510107", 9, ["tech_consult"], (0.5, 2), False),
    ("service", "sci", "D0105", "510107", None, ["tech_service"], 3, False),
    ("service", "sci2", "D0105", "511102", 6, ["tech_consult"], (2, 8), False),
    ("service", "org", "D0107", "510100", None, [], None, False),
    ("service", "sci", "D0205", "630104", 7, ["tech_service", "tech_consult"], (5, 50), False),
    ("service", "sci2", "D0301", "510104", None, ["tech_service"], 12, True),
    ("demand", "org", "D0401", "510100", 5, ["joint_dev"], (50, 200), False),
    ("demand", "org", "D0402", "510107", 3, ["transfer"], 80, False),
    ("demand", "org2", "D0101", "630104", 6, ["exclusive_license"], None, False),
    ("demand", "org2", "D0201", "630100", None, ["joint_dev", "tech_service"], (10, 30), False),
    ("demand", "org", "D0102", "510104", 7, ["general_license"], (5, 15), False),
    ("demand", "org2", "D0301", "630102", 2, ["equity"], 500, False),
    ("demand", "org", "D0404", "511102", 4, ["tech_consult"], None, True),
    ("demand", "org2", "D0204", "630000", 8, ["joint_dev"], (100, 1000), False),
]

ROLE = {"sci": "scientist", "sci2": "scientist2", "org": "org_member", "org2": "org_member2"}


def _wan(x):
    return ("%.6f" % x).rstrip("0").rstrip(".")


class Item:
    def __init__(self, spec):
        self.kind, self.creator, self.domain, self.region, self.trl, self.modes, self.price, self.old = spec
        if self.price is None:
            self.pmin = self.pmax = None
        elif isinstance(self.price, tuple):
            self.pmin, self.pmax = (round(self.price[0] * WAN), round(self.price[1] * WAN))
        else:
            self.pmin = self.pmax = round(self.price * WAN)
        self.id = self.title = None

    def body(self, n):
        extra = {"domain": self.domain, "region": self.region, "coop_modes": self.modes,
                 "title": "%s-%02d-%s" % (MARK, n, self.kind)}
        if self.kind == "demand":
            extra["trl_min"] = self.trl
        else:
            extra["trl"] = self.trl
        if self.price is None:
            extra["price_kind"] = "negotiable"
        elif isinstance(self.price, tuple):
            extra.update(price_kind="range", price_min=_wan(self.price[0]), price_max=_wan(self.price[1]))
        else:
            extra.update(price_kind="fixed", price_min=_wan(self.price))
        body = listing_body(self.kind, **extra)
        body = {k: v for k, v in body.items() if v is not None}
        body["submit"] = True
        return body

    def city(self):
        return None if self.region.endswith("0000") else self.region[:4] + "00"


_data = {}


def data(server):
    """Creates and publishes SPECS once per server; returns the items."""
    if id(server) in _data:
        return _data[id(server)]
    clients = {k: user(server, r) for k, r in ROLE.items()}
    admin = user(server, "admin")
    items = [Item(s) for s in SPECS]

    def make(n, it):
        r = clients[it.creator].api("POST", "/api/v1/listings", it.body(n))
        assert r.status == 201, (n, r)
        it.id, it.title = r.json["id"], r.json["title"]
        ok_act(admin, it.id, "approve")

    try:
        set_clock_offset(server, -40 * DAY_MS)      # published 40 days ago
        for n, it in enumerate(items):
            if it.old:
                make(n, it)
    finally:
        set_clock_offset(server, 0)
    for n, it in enumerate(items):
        if not it.old:
            make(n, it)
    _data[id(server)] = items
    return items


def api_browse(c, **params):
    params.setdefault("q", MARK)
    params.setdefault("per_page", 100)
    r = c.api("GET", "/api/v1/listings?" + urllib.parse.urlencode(params))
    assert r.status == 200, (params, r)
    return r.json


def matches(it, f):
    """The expected outcome of filter f for item it (the documented semantics)."""
    if "kind" in f and it.kind != f["kind"]:
        return False
    d = f.get("domain")
    if d and (it.domain[:3] != d if len(d) == 3 else it.domain != d):
        return False
    reg = f.get("region")
    if reg:
        if reg.endswith("0000"):
            if it.region[:2] != reg[:2]:
                return False
        elif reg.endswith("00"):
            if it.city() != reg:
                return False
        elif it.region != reg:
            return False
    if "trl_min" in f and (it.trl is None or it.trl < f["trl_min"]):
        return False
    if "trl_max" in f and (it.trl is None or it.trl > f["trl_max"]):
        return False
    if "mode" in f and f["mode"] not in it.modes:
        return False
    if "price_min" in f and (it.pmax is None or it.pmax < f["price_min"] * WAN):
        return False
    if "price_max" in f and (it.pmin is None or it.pmin > f["price_max"] * WAN):
        return False
    if "within" in f and it.old and f["within"] < 40:
        return False
    return True


FILTERS = [
    {},
    {"kind": "achievement"}, {"kind": "service"}, {"kind": "demand"},
    {"domain": "D01"}, {"domain": "D0101"}, {"domain": "D02"}, {"domain": "D0201"}, {"domain": "D04"},
    {"region": "510000"}, {"region": "510100"}, {"region": "510107"}, {"region": "630000"},
    {"region": "630100"}, {"region": "630104"}, {"region": "511100"},
    {"trl_min": 5}, {"trl_max": 4}, {"trl_min": 3, "trl_max": 6}, {"trl_min": 9},
    {"mode": "joint_dev"}, {"mode": "transfer"}, {"mode": "tech_service"},
    {"price_min": 50}, {"price_max": 10}, {"price_min": 20, "price_max": 60}, {"price_min": 0.5, "price_max": 0.5},
    {"within": 30}, {"within": 60},
    {"kind": "achievement", "region": "510100", "trl_min": 5},
    {"kind": "demand", "domain": "D04", "price_min": 60},
    {"kind": "service", "mode": "tech_service", "within": 30},
]


def _param(f):
    return {k: (_wan(v) if k.startswith("price") else v) for k, v in f.items()}


def test_filters_api(server):
    items = data(server)
    anon = Client(server)
    failures = []
    for f in FILTERS:
        j = api_browse(anon, **_param(f))
        got = {x["id"] for x in j["items"]}
        want = {it.id for it in items if matches(it, f)}
        if got != want:
            names = {it.id: it.title for it in items}
            failures.append("%s: missing %s, unexpected %s" % (
                f, sorted(names.get(i, i) for i in want - got), sorted(names.get(i, i) for i in got - want)))
        if j["total"] != len(j["items"]):
            failures.append("%s: total %d for %d items" % (f, j["total"], len(j["items"])))
    assert len({it.id for it in items if matches(it, {})}) == len(SPECS)
    assert not failures, "\n".join(failures)


def test_html_counts_match_api(server):
    items = data(server)
    anon = Client(server)
    base = {"achievement": "/achievements", "service": "/services", "demand": "/demands"}
    failures = []
    for f in FILTERS:
        for kind in ([f["kind"]] if "kind" in f else list(base)):
            params = {k: v for k, v in _param(f).items() if k != "kind"}
            params["q"] = MARK
            r = anon.get(base[kind] + "?" + urllib.parse.urlencode(params))
            if r.status != 200:
                failures.append("%s %s: status %d" % (kind, f, r.status))
                continue
            m = re.search(r'id="result-count">共 (\d+) 条<', r.text)
            want = [it for it in items if it.kind == kind and matches(it, f)]
            if not m or int(m.group(1)) != len(want):
                failures.append("%s %s: page says %s, expected %d" % (kind, f, m and m.group(1), len(want)))
            shown = set(re.findall(r'<h3[^>]*><a href="/listings/([0-9A-Z]{26})">', r.text))
            if shown != {it.id for it in want}:
                failures.append("%s %s: page lists %d cards, expected %d" % (kind, f, len(shown), len(want)))
    assert not failures, "\n".join(failures)


def test_sorting(server):
    items = data(server)
    anon = Client(server)
    by_id = {it.id: it for it in items}
    newest = api_browse(anon)["items"]
    keys = [(x["published_at"], x["id"]) for x in newest]
    assert keys == sorted(keys, reverse=True), "newest first"
    assert {x["id"] for x in newest[-5:]} == {it.id for it in items if it.old}, "the old ones come last"
    assert api_browse(anon, sort="newest")["items"] == newest
    asc = [x["id"] for x in api_browse(anon, sort="price_asc")["items"]]
    want = sorted(by_id, key=lambda i: (by_id[i].pmin is None, by_id[i].pmin or 0, i))
    assert asc == want, "price_asc: %s" % [by_id[i].price for i in asc]
    desc = [x["id"] for x in api_browse(anon, sort="price_desc")["items"]]
    want = sorted(by_id, key=lambda i: (by_id[i].pmax is None, -(by_id[i].pmax or 0), i))
    assert desc == want, "price_desc: %s" % [by_id[i].price for i in desc]
    dl = api_browse(anon, sort="deadline")["items"]
    ends = [x.get("deadline") or x["valid_until"] for x in dl]
    assert ends == sorted(ends)
    # The page lists the cards in the same order.
    page = anon.get("/achievements?" + urllib.parse.urlencode({"q": MARK, "sort": "price_asc"})).text
    shown = re.findall(r'<h3[^>]*><a href="/listings/([0-9A-Z]{26})">', page)
    assert shown == [i for i in asc if by_id[i].kind == "achievement"]


def test_pagination(server):
    items = data(server)
    anon = Client(server)
    seen = []
    per = 7
    pages = math.ceil(len(items) / per)
    for page in range(1, pages + 2):
        j = api_browse(anon, page=page, per_page=per)
        assert j["total"] == len(items), j["total"]
        assert j["page"] == page and j["per_page"] == per, (j["page"], j["per_page"])
        expected = max(0, min(per, len(items) - (page - 1) * per))
        assert len(j["items"]) == expected, (page, len(j["items"]))
        seen += [x["id"] for x in j["items"]]
    assert len(seen) == len(set(seen)), "a listing on two pages"
    assert set(seen) == {it.id for it in items}
    assert seen == [x["id"] for x in api_browse(anon)["items"]], "pages concatenate to the full list"
    # Same for a sort with ties (negotiable prices).
    seen = []
    for page in range(1, pages + 1):
        seen += [x["id"] for x in api_browse(anon, page=page, per_page=per, sort="price_asc")["items"]]
    assert len(seen) == len(set(seen)) == len(items)
    # The page: 17 achievements at 5 a page.
    n = sum(1 for it in items if it.kind == "achievement")
    r = anon.get("/achievements?" + urllib.parse.urlencode({"q": MARK, "per_page": 5, "page": 2}))
    assert r.status == 200
    assert "第 2 页 / %d" % math.ceil(n / 5) in r.text, re.findall(r"第 \d+ 页 / \d+", r.text)
    assert "共 %d 条" % n in r.text
    nxt = re.search(r'href="(/achievements\?page=3[^"]*)" rel="next"', r.text)
    assert nxt and "q=" + MARK in nxt.group(1), "next link keeps the filters"
    assert 'rel="prev"' in r.text
    shown = []
    for page in range(1, math.ceil(n / 5) + 1):
        t = anon.get("/achievements?" + urllib.parse.urlencode({"q": MARK, "per_page": 5, "page": page})).text
        shown += re.findall(r'<h3[^>]*><a href="/listings/([0-9A-Z]{26})">', t)
    assert len(shown) == len(set(shown)) == n
    # Following the page's own next link must stay at 5 a page.
    link = htmllib.unescape(nxt.group(1))
    assert "per_page=5" in link, "the pager drops per_page: next link is %s" % link


BAD = [
    {"trl_min": "0"}, {"trl_max": "10"}, {"trl_min": "x"}, {"page": "abc"}, {"page": "0"}, {"page": "-1"},
    {"per_page": "0"}, {"per_page": "101"}, {"sort": "random"}, {"within": "0"}, {"within": "abc"},
    {"region": "5101070"}, {"domain": "D" * 11}, {"price_min": "abc"}, {"price_max": "-5"},
    {"price_min": "1.1234567"},
]


def test_bad_filter_values_are_refused(server):
    data(server)
    anon = Client(server)
    failures = []
    for f in BAD + [{"kind": "gadget"}]:
        q = urllib.parse.urlencode(dict(f, q=MARK))
        r = anon.api("GET", "/api/v1/listings?" + q)
        if r.status != 422 or not (r.header("Content-Type") or "").startswith("application/problem+json"):
            failures.append("API %s: expected a 422 problem, got %d" % (f, r.status))
        elif not r.json.get("errors") or r.json["errors"][0]["field"] != list(f)[0]:
            failures.append("API %s: problem does not name the field: %s" % (f, r.json))
        if "kind" in f:
            continue
        r = anon.get("/achievements?" + q)
        if r.status not in (400, 422):
            failures.append("page %s: expected 400/422, got %d" % (f, r.status))
        elif "请检查标出的内容后再提交。" not in r.text:
            failures.append("page %s: no error message" % f)
    assert not failures, "\n".join(failures)


def test_odd_values_never_500(server):
    items = data(server)
    anon = Client(server)
    odd = [
        {"q": "%"}, {"q": "_"}, {"q": "\\"}, {"q": "' OR 1=1 --"}, {"q": "\";--"}, {"region": "' OR 1"},
        {"domain": "D01%"}, {"mode": "x' or '1'='1"}, {"page": "99999"}, {"q": "（全角）"}, {"q": "a" * 100},
        {"trl_min": "9", "trl_max": "1"}, {"price_min": "100", "price_max": "1"}, {"region": "000000"},
    ]
    for f in odd:
        for path in ("/api/v1/listings?", "/achievements?", "/demands?"):
            r = anon.api("GET", path + urllib.parse.urlencode(f)) if path.startswith("/api") else \
                anon.get(path + urllib.parse.urlencode(f))
            assert r.status < 500, (path, f, r)
    # LIKE wildcards in q are literal.
    assert api_browse(anon, q=MARK + "%")["total"] == 0
    assert api_browse(anon, q=MARK[:-1] + "_")["total"] == 0
    assert api_browse(anon, q=MARK[:-1])["total"] >= len(items)
    assert api_browse(anon, q=MARK + "-00-")["total"] == 1
