"""Issue 18: statistics — the center's and the province's page (/stats),
the public data page (/data), the API (/api/v1/stats, .xlsx, /public),
filters, authorization by jurisdiction, k-anonymity on every page, and the
XLSX, CSV and PDF exports read back by a reader. Every figure against a
hand-computed dataset: tests/unit/test_stats.c.

Runs on its own server: it adds 科普 readers in one township and counts
them exactly."""
import io
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile

from harness import Client, DEMO, register, unique_email

SERVER_ARGS = []
# A township no demo resident lives in (西宁市城东区 东关大街街道).
TOWNSHIP = "630102001"


def login(server, who):
    c = Client(server)
    c.login(*DEMO[who])
    return c


def tick(server):
    # A tick runs the whole statistics rebuild: on PostgreSQL beside the full
    # suite it took over 30 s (CI's run of a9777c3), the client's default.
    c = Client(server)
    c.timeout = 180
    r = c.api("POST", "/__test/tick", {"stats": True})   # a tick rebuilds the figures only when asked
    assert r.status == 200 and r.json["stats_facts"] > 0, r


def stats(c, qs=""):
    r = c.api("GET", "/api/v1/stats" + qs)
    assert r.status == 200, r
    return r.json


def test_center_page_shows_its_jurisdiction(server):
    op = login(server, "operator")   # head of the 成都 center
    page = op.get("/stats")
    assert page.status == 200, page
    assert 'id="stats-scope">成都市<' in page.text
    assert "<svg" in page.text and 'id="table-listings"' in page.text and 'id="stats-fresh"' in page.text
    # Every chart has its table beside it, and the charts come from the server (no script, no CDN).
    assert page.text.count('class="stats-chart"') > 5 and "cdn" not in page.text.lower()
    assert stats(op)["scope"]["code"] == "510100"
    # Below its region (a district of 成都) it may look; elsewhere not.
    assert stats(op, "?region=510104")["scope"]["code"] == "510104"
    for path in ("/stats?region=630100", "/stats?region=510000", "/stats?region=510600"):
        assert op.get(path).status == 403, path
    assert op.api("GET", "/api/v1/stats?region=630100").status == 403
    # An empty region (the picker left unchosen) is the default: the jurisdiction.
    assert stats(op, "?region=")["scope"]["code"] == "510100"
    # Another center's staff are refused 成都.
    xining = login(server, "operator2")
    r = xining.api("GET", "/api/v1/stats?region=510100")
    assert r.status == 403 and r.json["errors"][0]["code"] == "err.stats.forbidden", r
    assert stats(xining)["scope"]["code"] == "630100"
    # Not staff at all: refused by the route.
    sci = login(server, "scientist")
    assert sci.get("/stats").status == 403 and sci.api("GET", "/api/v1/stats").status == 403
    assert Client(server).api("GET", "/api/v1/stats").status == 401


def test_province_page_drills_down(server):
    admin = login(server, "admin")
    page = admin.get("/stats?region=510000")
    assert page.status == 200 and 'id="stats-scope">四川省<' in page.text
    links = re.findall(r'href="(/stats\?[^"]*region=(\d+)[^"]*)"', page.text)
    assert "510100" in [code for _, code in links], links   # 成都 among the cities
    href = [h for h, code in links if code == "510100"][0].replace("&amp;", "&")
    city = admin.get(href)
    assert city.status == 200 and 'id="stats-scope">成都市<' in city.text
    assert 'class="stats-crumbs"' in city.text and "四川省" in city.text
    # The province's figures hold its cities' (the region tree's parent chain).
    p, c = stats(admin, "?region=510000"), stats(admin, "?region=510100")
    assert p["supply_demand"]["published"]["achievement"] >= c["supply_demand"]["published"]["achievement"]
    drill = {d["code"]: d for d in p["drill"]}
    assert drill["510100"]["listings"] == sum(c["supply_demand"]["published"].values())
    # The whole instance, with the provinces to drill into.
    top = stats(admin)
    assert top["scope"]["code"] == "" and any(d["code"] == "510000" for d in top["drill"])


def test_filters(server):
    admin = login(server, "admin")
    for qs, status, field in (("?from=2026-13", 400, "from"), ("?to=26-01", 400, "to"), ("?from=2026-05&to=2026-01", 400, "from"),
                              ("?from=2010-01&to=2026-01", 400, "from"), ("?from=2026-02-30", 400, "from"),
                              ("?to=2026-02-1", 400, "to"), ("?from=2026-03-02&to=2026-03-01", 400, "from"),
                              ("?domain=D99", 422, "domain"), ("?region=999999", 404, "region")):
        r = admin.api("GET", "/api/v1/stats" + qs)
        assert r.status == status and r.json["errors"][0]["field"] == field, (qs, r)
        assert r.header("Content-Type").startswith("application/problem+json"), r
    bad = admin.get("/stats?from=bad")
    assert bad.status == 400 and "YYYY-MM-DD" in bad.text
    # A domain that has listings: the demo's, or on a shared lane server
    # whichever other modules filled most (the table may not list them all).
    # (Polled, not ticked: the job's own first rebuild also writes the
    # monthly reports that test_monthly_reports_by_the_job looks for.)
    import time
    for _ in range(120):
        everything = stats(admin, "?from=2021-01&to=2030-12")
        rows = [d for d in everything["supply_demand"]["published_by_domain"]
                if d["achievement"] + d["service"] + d["demand"] > 0]
        if rows:
            break
        time.sleep(0.5)
    assert rows, everything["supply_demand"]
    row = rows[0]
    code = row["code"]
    agri = stats(admin, "?from=2021-01&to=2030-12&domain=" + code)
    assert agri["domain"]["code"] == code
    for kind in ("achievement", "service", "demand"):
        assert agri["supply_demand"]["published"][kind] == row[kind]
    assert agri["period"] == {"from": "2021-01-01", "to": "2030-12-31", "from_ms": agri["period"]["from_ms"],
                              "to_ms": agri["period"]["to_ms"], "days": 3652}
    # Default period: the 12 months ending this month; trends have a value per month.
    d = stats(admin)
    assert len(d["trends"]["months"]) == 12 and all(len(s["values"]) == 12 for s in d["trends"]["series"])
    assert {r["figure"] for r in d["comparisons"]["rows"]} >= {"deals_signed", "listings_published", "readers"}
    page = admin.get("/stats?from=2021-01&to=2030-12&domain=" + code)
    assert page.status == 200 and ('value="%s" selected' % code) in page.text
    assert 'name="from" value="2021-01-01"' in page.text and 'name="to" value="2030-12-31"' in page.text


def test_figures_follow_the_records(server):
    admin = login(server, "admin")
    before = stats(admin, "?region=510100")["centers"]["workorders"]
    c, _ = register(server, role="scientist", region="510104")
    r = c.api("POST", "/api/v1/work-orders", {"type": "policy", "title": "统计测试", "description": "d", "region": "510104"})
    assert r.status in (200, 201), r
    tick(server)
    after = stats(admin, "?region=510100")
    assert after["centers"]["workorders"] == before + 1
    assert after["freshness"]["built_at"] > 0
    # The older endpoints answer as before.
    assert admin.api("GET", "/api/v1/deals/stats").status == 200
    assert admin.api("GET", "/api/v1/popsci/stats").status == 200


def readers(server, n):
    content = Client(server).api("GET", "/api/v1/popsci").json["items"][0]["id"]
    for _ in range(n):
        c, me = register(server, unique_email("reader"), name="读者", role="resident", region=TOWNSHIP)
        assert me["region"] == TOWNSHIP
        assert c.get("/popsci/%s" % content).status == 200


def cells(figures):
    return [x for x in figures["popsci"]["readers_by_audience_region"] if x["code"] == TOWNSHIP]


def small_numbers(html):
    """Integers 1..4 shown in table cells (a cell under k)."""
    return [v for v in re.findall(r'<td class="num">([^<]*)</td>', html) if v.isdigit() and 0 < int(v) < 5]


def test_no_cell_under_k(server):
    admin = login(server, "admin")
    readers(server, 2)
    tick(server)
    q = "?region=630100"
    f = stats(admin, q)
    assert cells(f) == [] and f["popsci"]["cells_suppressed"] >= 1
    pub = Client(server).api("GET", "/api/v1/stats/public" + q)
    assert pub.status == 200 and cells(pub.json) == [] and "centers" not in pub.json
    page = Client(server).get("/data" + q)
    assert page.status == 200 and 'id="stats-scope">西宁市<' in page.text
    assert small_numbers(page.text) == [], small_numbers(page.text)
    whole = Client(server).get("/data")
    assert whole.status == 200 and small_numbers(whole.text) == []
    # Five more readers: the cell reaches k and shows, with its exact count.
    readers(server, 5)
    tick(server)
    assert [x["readers"] for x in cells(stats(admin, q))] == [7]
    assert [x["readers"] for x in cells(Client(server).api("GET", "/api/v1/stats/public" + q).json)] == [7]
    assert "东关大街街道" in Client(server).get("/data" + q).text


def sheet_texts(book):
    z = zipfile.ZipFile(io.BytesIO(book))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    shared = [si.findtext(".//m:t", default="", namespaces=ns)
              for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
    names = [s.get("name") for s in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns)]
    sheets = {}
    for i, name in enumerate(names, 1):
        root = ET.fromstring(z.read("xl/worksheets/sheet%d.xml" % i))
        rows = []
        for row in root.iter("{%s}row" % ns["m"]):
            vals = []
            for c in row.findall("m:c", ns):
                v = c.findtext("m:v", default="", namespaces=ns)
                vals.append(shared[int(v)] if c.get("t") == "s" else float(v))
            rows.append(vals)
        sheets[name] = rows
    return sheets


def test_xlsx_csv_pdf(server):
    admin = login(server, "admin")
    for path in ("/stats.xlsx?region=510000", "/api/v1/stats.xlsx?region=510000"):
        r = admin.get(path)
        assert r.status == 200 and r.header("Content-Type").startswith("application/vnd.openxmlformats"), r
        sheets = sheet_texts(r.body)
        listings = [v for k, v in sheets.items() if "成果、服务与需求" in k][0]
        assert listings[0] == ["类别", "发布", "在架"]
        f = stats(admin, "?region=510000")
        assert listings[1] == ["科技成果", float(f["supply_demand"]["published"]["achievement"]),
                               float(f["supply_demand"]["open"]["achievement"])]
        assert sheets["about"][1] == ["地区: 四川省"]
    csv = admin.get("/stats.csv?region=510000&table=contract_types")
    assert csv.status == 200 and csv.header("Content-Type").startswith("text/csv")
    lines = csv.body.decode("utf-8").splitlines()
    assert lines[0] == "\ufeff合同类型,签约,金额（元）" and len(lines) == 6   # the five Civil-Code types
    assert lines[1].startswith("技术开发合同,")
    assert admin.get("/stats.csv?table=nope").status == 404
    assert admin.get("/stats.csv").status == 422   # which table?
    pdf = admin.get("/stats/report.pdf?region=510000")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF") and pdf.header("Content-Type") == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.body, capture_output=True, check=True).stdout.decode()
    assert "科技服务月度统计报告" in text and "四川省" in text and "成果、服务与需求" in text and "揭榜挂帅" in text
    # The public exports: anyone, without the centers' tables.
    pub = Client(server).get("/data.xlsx")
    assert pub.status == 200 and not any("服务中心" in k for k in sheet_texts(pub.body))
    assert Client(server).get("/data.csv?table=listings").status == 200
    assert Client(server).get("/data.csv?table=centers").status == 404
    assert Client(server).get("/stats.xlsx").status in (303, 401)


def test_openapi_documents_stats(server):
    doc = Client(server).api("GET", "/api/v1/openapi.json").json
    assert "/api/v1/stats" in doc["paths"] and "/api/v1/stats.xlsx" in doc["paths"]
    assert "Stats" in doc["components"]["schemas"]


def test_links_to_the_pages(server):
    home = Client(server).get("/")
    assert home.status == 200 and 'id="home-open-data"' in home.text and 'id="nav-data"' in home.text
    assert 'id="nav-stats"' not in home.text
    assert 'id="nav-stats"' in login(server, "operator").get("/").text


def test_monthly_reports_by_the_job(server):
    """The job writes last month's report of the whole instance and of every
    center's region once, at its first rebuild; the page lists them and the
    link serves the stored PDF."""
    import time
    admin = login(server, "admin")
    for _ in range(120):
        page = admin.get("/stats?region=510100")
        if 'id="stats-reports"' in page.text:
            break
        time.sleep(0.5)
    assert 'id="stats-reports"' in page.text, "no monthly report after 60 s"
    href = re.search(r'id="stats-reports">[^<]*<a href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    pdf = admin.get(href)
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.body, capture_output=True, check=True).stdout.decode()
    assert "成都市" in text and "科技服务月度统计报告" in text
    # Another center's staff cannot fetch 成都's.
    assert login(server, "operator2").get(href).status == 403


def ms(iso):
    import calendar
    import time as t
    return calendar.timegm(t.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) * 1000


def test_days_in_beijing_time(server):
    """Periods are days in Beijing time, both ends included: a work order at
    23:59:59 Beijing time (15:59:59 UTC) counts on that day, one a second
    later on the next; comparisons take the period of the same length just
    before and the same dates a year before; trends stay monthly."""
    admin = login(server, "admin")
    c, _ = register(server, role="scientist", region="510104")
    clock = Client(server)
    try:
        for at in ("2026-01-31T15:59:59Z", "2026-01-31T16:00:00Z"):
            assert clock.api("POST", "/__test/clock", {"freeze_ms": ms(at)}).status == 200
            r = c.api("POST", "/api/v1/work-orders", {"type": "policy", "title": "跨日统计", "description": "d", "region": "510104"})
            assert r.status in (200, 201), r
    finally:
        clock.api("POST", "/__test/clock", {"freeze_ms": 0})
    tick(server)

    def wo(qs):
        return stats(admin, "?region=510104&" + qs)["centers"]["workorders"]
    assert wo("from=2026-01-31&to=2026-01-31") == 1
    assert wo("from=2026-02-01&to=2026-02-01") == 1
    assert wo("from=2026-01-31&to=2026-02-01") == 2
    assert wo("from=2026-01-30&to=2026-01-30") == 0
    assert wo("from=2026-01&to=2026-01") == 1          # a month: its first to its last day
    f = stats(admin, "?region=510104&from=2026-02-01&to=2026-02-01")
    assert f["period"]["from_ms"] == ms("2026-01-31T16:00:00Z") and f["period"]["to_ms"] == ms("2026-02-01T16:00:00Z")
    assert f["comparisons"]["previous"] == {"from": "2026-01-31", "to": "2026-01-31"}
    assert f["comparisons"]["year_ago"] == {"from": "2025-02-01", "to": "2025-02-01"}
    row = [r for r in f["comparisons"]["rows"] if r["figure"] == "workorders"][0]
    assert (row["this"], row["previous"], row["year_ago"]) == (1, 1, 0) and row["change_pct"] == 0
    t = stats(admin, "?region=510104&from=2026-01-15&to=2026-02-10")["trends"]
    assert t["months"] == ["2026-01", "2026-02"]
    assert [s["values"] for s in t["series"] if s["figure"] == "workorders"] == [[1, 1]]
    page = admin.get("/stats?region=510104&from=2026-01-31&to=2026-02-01")
    assert page.status == 200 and 'name="from" value="2026-01-31"' in page.text and 'id="stats-period-note"' in page.text


def test_whole_months_and_edge_days(server):
    """A city's period is read as its whole months (month rows) and the days
    of the months it covers only in part (day rows); a county's from day
    rows only (stats.h, "grains"). Both count each record on its Beijing
    day, at a period's edges as inside it, and a period is the sum of its
    parts."""
    admin = login(server, "admin")
    periods = {"all": "from=2025-12-01&to=2026-03-05", "dec": "from=2025-12&to=2025-12",
               "dec31": "from=2025-12-31&to=2025-12-31", "jan_feb": "from=2026-01&to=2026-02",
               "mar": "from=2026-03-01&to=2026-03-05", "mid": "from=2025-12-15&to=2026-03-01",
               "head": "from=2025-12-15&to=2025-12-31"}

    def wo(region, qs):
        return stats(admin, "?region=%s&%s" % (region, qs))["centers"]["workorders"]
    tick(server)
    before = {(r, k): wo(r, q) for r in ("510100", "510104") for k, q in periods.items()}
    c, _ = register(server, role="scientist", region="510104")
    clock = Client(server)
    try:
        # Beijing: 11-30 23:59:59 (out), 12-01 00:00, 12-15, 12-31 23:59:59, 01-20, 02-28 23:59:59,
        # 03-01 00:00, 03-05 23:59:59, 03-06 00:00 (out).
        for at in ("2025-11-30T15:59:59Z", "2025-11-30T16:00:00Z", "2025-12-15T04:00:00Z", "2025-12-31T15:59:59Z",
                   "2026-01-20T00:00:00Z", "2026-02-28T15:59:59Z", "2026-02-28T16:00:00Z", "2026-03-05T15:59:59Z",
                   "2026-03-05T16:00:00Z"):
            assert clock.api("POST", "/__test/clock", {"freeze_ms": ms(at)}).status == 200
            r = c.api("POST", "/api/v1/work-orders", {"type": "policy", "title": "整月统计", "description": "d",
                                                      "region": "510104"})
            assert r.status in (200, 201), r
    finally:
        clock.api("POST", "/__test/clock", {"freeze_ms": 0})
    tick(server)
    want = {"all": 7, "dec": 3, "dec31": 1, "jan_feb": 2, "mar": 2, "mid": 5, "head": 2}
    for region in ("510100", "510104"):   # a city (months and days), a county (days)
        got = {k: wo(region, q) - before[(region, k)] for k, q in periods.items()}
        assert got == want, (region, got)
        assert wo(region, periods["all"]) == wo(region, periods["dec"]) + wo(region, periods["jan_feb"]) + wo(region, periods["mar"])
    # The monthly trend of a period with edges: each month counts the period's days only.
    t = stats(admin, "?region=510100&" + periods["mid"])
    series = [s["values"] for s in t["trends"]["series"] if s["figure"] == "workorders"][0]
    assert t["trends"]["months"] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert sum(series) == t["centers"]["workorders"] and series[3] == wo("510100", "from=2026-03-01&to=2026-03-01")


def test_figures_kept_until_the_next_rebuild(server):
    """The figures of a query are computed once per rebuild: a record added
    after it shows only once the job (here the tick) has run again."""
    admin = login(server, "admin")
    q = "?region=510104&from=2026-03-01&to=2026-03-31"
    tick(server)
    before = stats(admin, q)["centers"]["workorders"]
    c, _ = register(server, role="scientist", region="510104")
    clock = Client(server)
    try:
        clock.api("POST", "/__test/clock", {"freeze_ms": ms("2026-03-10T02:00:00Z")})
        assert c.api("POST", "/api/v1/work-orders", {"type": "policy", "title": "缓存", "description": "d",
                                                     "region": "510104"}).status in (200, 201)
    finally:
        clock.api("POST", "/__test/clock", {"freeze_ms": 0})
    assert stats(admin, q)["centers"]["workorders"] == before      # as of the last rebuild
    tick(server)
    assert stats(admin, q)["centers"]["workorders"] == before + 1


def test_shutdown_does_not_wait_for_a_rebuild(server):
    """SIGTERM during a statistics rebuild: the rebuild stops between
    metrics (here slowed by the test hook to minutes), the server exits
    promptly, and after a restart the figures are those of the last whole
    rebuild."""
    import time
    from harness import Server
    s = Server()
    try:
        admin = login(s, "admin")
        for _ in range(240):
            first = stats(admin, "?region=510000")
            if first["freshness"]["built_at"]:
                break
            time.sleep(0.5)
        assert first["freshness"]["built_at"], "no rebuild at start"
        # 5 s before each of the ~20 metrics: a rebuild of well over a minute.
        assert Client(s).api("POST", "/__test/faults", {"stats_delay_ms": 5000}).status == 200
        # Eleven minutes on: the figures are due again (every 10 minutes).
        assert Client(s).api("POST", "/__test/clock", {"offset_ms": 11 * 60 * 1000}).status == 200
        for _ in range(60):
            if stats(admin, "?region=510000")["freshness"]["building"]:
                break
            time.sleep(0.5)
        assert stats(admin, "?region=510000")["freshness"]["building"], "the job did not start a rebuild"
        t0 = time.time()
        code, log = s.stop()
        took = time.time() - t0
        assert code == 0 and took < 8, (code, took, log[-2000:])
        assert "rebuild stopped" in log, log[-2000:]
        again = Server(data_dir=s.dir, demo=False)
        try:
            after = stats(login(again, "admin"), "?region=510000")
            assert after["freshness"]["built_at"] == first["freshness"]["built_at"]
            assert not after["freshness"]["building"]
            for part in ("supply_demand", "transactions", "challenges", "drill"):
                assert after[part] == first[part], part
        finally:
            again.stop()
            again.log.close()
    finally:
        s.cleanup()
