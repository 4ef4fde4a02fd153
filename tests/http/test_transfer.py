"""Listing import and export: CSV (with and without BOM, GBK), JSON, every
bad row reported with line and column, all-or-nothing versus partial,
exports in three formats with filters, XLSX structure, the export → import
round trip, anonymous listings without owner data, the formula guard, and
who may import.

Each test marks its listings with a random tag in the title and filters
exports with q=<tag>, so tests do not see each other's data."""
import csv
import io
import json
import random
import re
import zipfile

from harness import Client, DEMO

ADMIN = DEMO["admin"]
SCIENTIST = DEMO["scientist"]

HEADER = ["kind", "title", "summary", "domain", "region", "trl", "coop_modes", "price_kind", "price_min", "price_max",
          "anonymous", "contact_name", "contact_phone", "contact_email", "indicators", "owner_email", "keywords"]


def tag():
    return "T%06x" % random.getrandbits(24)


def row(t, n, kind="achievement", **kw):
    base = {"kind": kind, "title": "%s 高导热陶瓷基板技术 %d" % (t, n), "summary": "已完成中试验证。", "domain": "D0101",
            "region": "510107", "trl": "6" if kind != "demand" else "", "coop_modes": "transfer|equity",
            "price_kind": "range", "price_min": "10", "price_max": "20.5", "anonymous": "0", "contact_name": "张工",
            "contact_phone": "13800000000", "contact_email": "zhang@example.cn",
            "indicators": "导热系数:≥170:W/(m·K)" if kind == "demand" else "", "owner_email": "", "keywords": "陶瓷|导热"}
    if kind == "demand":
        base["coop_modes"] = "joint_dev"
    base.update(kw)
    return base


def csv_bytes(rows, encoding="utf-8-sig", header=HEADER, delimiter=","):
    out = io.StringIO(newline="")
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", delimiter=delimiter)
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode(encoding)


def multipart(fields, filename, data, ctype="text/csv"):
    boundary = "kjtest%016x" % random.getrandbits(64)
    b = boundary.encode()
    parts = []
    for k, v in fields.items():
        parts.append(b"--" + b + b'\r\nContent-Disposition: form-data; name="' + k.encode() + b'"\r\n\r\n' + v.encode() + b"\r\n")
    parts.append(b"--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="' + filename.encode() +
                 b'"\r\nContent-Type: ' + ctype.encode() + b"\r\n\r\n" + data + b"\r\n")
    return b"".join(parts) + b"--" + b + b"--\r\n", "multipart/form-data; boundary=" + boundary


def bearer(server, who=ADMIN):
    c = Client(server)
    r = c.api("POST", "/api/v1/login", {"email": who[0], "password": who[1]})
    assert r.status == 200, r
    b = Client(server)
    b.token = r.json["token"]
    return b


def upload(client, data, partial=False, filename="listings.csv"):
    body, ctype = multipart({"partial": "1"} if partial else {}, filename, data)
    return client.request("POST", "/api/v1/import", body=body, headers={"Content-Type": ctype, "Accept": "application/json"})


def export_json(client, t, **filters):
    q = "&".join("%s=%s" % kv for kv in filters.items())
    r = client.get("/api/v1/export.json?q=%s%s" % (t, "&" + q if q else ""))
    assert r.status == 200, r
    return r.json


def export_csv_rows(client, t, **filters):
    q = "".join("&%s=%s" % kv for kv in filters.items())
    r = client.get("/api/v1/export.csv?q=%s%s" % (t, q))
    assert r.status == 200, r
    assert r.body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return r, list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))


def errors_at(report):
    return {(e["line"], e["column"]) for e in report["errors"]}


def test_import_csv_with_bom(server):
    t = tag()
    r = upload(bearer(server), csv_bytes([row(t, 1), row(t, 2, kind="demand")]))
    assert r.status == 200 and r.json["imported"] == 2 and r.json["errors"] == [], r
    got = export_json(Client(server), t)
    assert sorted(l["kind"] for l in got) == ["achievement", "demand"], got
    assert {l["title"] for l in got} == {"%s 高导热陶瓷基板技术 1" % t, "%s 高导热陶瓷基板技术 2" % t}


def test_import_csv_without_bom_and_semicolons(server):
    t = tag()
    r = upload(bearer(server), csv_bytes([row(t, 1)], encoding="utf-8", delimiter=";"))
    assert r.status == 200 and r.json["imported"] == 1, r
    assert len(export_json(Client(server), t)) == 1


def test_import_gbk_csv(server):
    t = tag()
    data = csv_bytes([row(t, 1, summary="适合中小企业快速落地。"), row(t, 2, kind="service", delivery_mode="remote")],
                     encoding="gbk", header=HEADER + ["delivery_mode"])
    assert not data.startswith(b"\xef\xbb\xbf")
    r = upload(bearer(server), data)
    assert r.status == 200 and r.json["imported"] == 2, r
    got = {l["title"]: l for l in export_json(Client(server), t)}
    assert got["%s 高导热陶瓷基板技术 1" % t]["summary"] == "适合中小企业快速落地。", got


def test_import_json_body_and_file(server):
    t = tag()
    items = [{"kind": "achievement", "title": "%s 青稞β-葡聚糖纯化工艺" % t, "summary": "中试完成", "domain": "D0101",
              "region": "630102", "trl": 7, "coop_modes": ["transfer"], "keywords": ["青稞", "功能食品"],
              "price_kind": "fixed", "price_min": "35", "anonymous": False},
             {"kind": "demand", "title": "%s 寻求盐湖提锂吸附材料" % t, "summary": "需求", "domain": "D0101",
              "region": "630102", "coop_modes": ["joint_dev"], "indicators": [{"name": "吸附容量", "target": "≥30", "unit": "mg/g"}],
              "trl_min": 4, "status": "draft"}]
    b = bearer(server)
    r = b.api("POST", "/api/v1/import", {"format": "json", "items": items})
    assert r.status == 200 and r.json["imported"] == 2, r
    got = export_json(Client(server), t)
    assert [l["kind"] for l in got] == ["achievement"], "the draft is not exported"
    assert got[0]["keywords"] == ["青稞", "功能食品"] and got[0]["trl"] == 7 and got[0]["price_min"] == "35", got
    r = upload(b, json.dumps([dict(items[0], title="%s 青稞β-葡聚糖纯化工艺 二" % t)]).encode(), filename="x.json")
    assert r.status == 200 and r.json["imported"] == 1, r


def test_bad_rows_all_reported_nothing_imported_then_partial(server):
    t = tag()
    rows = [
        row(t, 1),                                                    # line 2: good
        row(t, 2, title="短", price_min="abc"),                       # line 3: title, price_min
        row(t, 3, summary="多行\n摘要"),                              # lines 4-5: good, quoted line break
        row(t, 4, kind="demand", indicators="", anonymous="maybe"),   # line 6: indicators, anonymous
        row(t, 5, domain="D9999", owner_email="nobody@example.cn"),   # line 7: domain, owner_email
        row(t, 6, kind="demand", owner_email=SCIENTIST[0]),           # line 8: a scientist may not post demands
        row(t, 7, kind="gadget"),                                     # line 9: kind
        row(t, 8),                                                    # line 10: good
    ]
    data = csv_bytes(rows)
    b = bearer(server)
    r = upload(b, data)
    assert r.status == 422 and r.json["imported"] == 0, r
    want = {(3, "title"), (3, "price_min"), (6, "indicators"), (6, "anonymous"), (7, "domain"), (7, "owner_email"),
            (8, "owner_email"), (9, "kind")}
    assert want <= errors_at(r.json), (want - errors_at(r.json), r.json)
    assert {e["line"] for e in r.json["errors"]} == {3, 6, 7, 8, 9}, r.json
    assert all(e["message"] and e["code"] for e in r.json["errors"])
    assert r.json["error_rows"] == 5 and r.json["rows"] == 8
    assert export_json(Client(server), t) == [], "all-or-nothing: nothing imported"

    r = upload(b, data, partial=True)
    assert r.status == 200 and r.json["imported"] == 3, r
    assert {e["line"] for e in r.json["errors"]} == {3, 6, 7, 8, 9}
    titles = sorted(l["title"] for l in export_json(Client(server), t))
    assert titles == ["%s 高导热陶瓷基板技术 %d" % (t, n) for n in (1, 3, 8)], titles


def test_header_and_encoding_problems(server):
    b = bearer(server)
    r = upload(b, b"kind,titel,title,title\r\nachievement,x,y,z\r\n")
    assert r.status == 422 and {(1, "titel"), (1, "title")} <= errors_at(r.json), r
    r = upload(b, b"\xff\xfe\x00\x01garbage")
    assert r.status == 422 and r.json["errors"][0]["code"] == "err.import.encoding", r
    r = upload(b, b"")
    assert r.status == 422 and r.json["errors"][0]["code"] == "err.import.empty", r
    r = b.api("POST", "/api/v1/import", {"format": "json"})
    assert r.status == 422 and r.json["errors"][0]["code"] == "err.import.no_file", r


def test_export_formats_and_filters(server):
    t = tag()
    rows = [row(t, 1), row(t, 2, kind="service", delivery_mode="onsite", region="630102"),
            row(t, 3, kind="demand"), row(t, 4, kind="service", delivery_mode="remote")]
    r = upload(bearer(server), csv_bytes(rows, header=HEADER + ["delivery_mode"]))
    assert r.status == 200 and r.json["imported"] == 4, r
    c = Client(server)

    resp, got = export_csv_rows(c, t, kind="service")
    assert re.fullmatch(r'attachment; filename="listings-\d{8}\.csv"', resp.header("Content-Disposition")), resp.headers
    assert resp.header("Content-Type").startswith("text/csv")
    assert sorted(x["title"][-1] for x in got) == ["2", "4"] and list(got[0].keys())[:4] == ["id", "kind", "subtype", "title"]
    assert got[0]["keywords"] == "陶瓷|导热"

    only = export_json(c, t, kind="service", region="630000")   # a province includes its cities and districts
    assert [x["title"][-1] for x in only] == ["2"], only
    assert export_json(c, t, kind="demand")[0]["indicators"] == [{"name": "导热系数", "target": "≥170", "unit": "W/(m·K)"}]

    x = c.get("/api/v1/export.xlsx?q=%s&kind=service" % t)
    assert x.status == 200 and x.header("Content-Type").startswith("application/vnd.openxmlformats"), x
    assert re.fullmatch(r'attachment; filename="listings-\d{8}\.xlsx"', x.header("Content-Disposition"))
    z = zipfile.ZipFile(io.BytesIO(x.body))
    assert z.testzip() is None
    names = z.namelist()
    assert "xl/workbook.xml" in names and "xl/worksheets/sheet1.xml" in names, names
    assert b'name="listings"' in z.read("xl/workbook.xml")
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "owner_email" in sheet and ("%s 高导热陶瓷基板技术 4" % t) in sheet and ("%s 高导热陶瓷基板技术 3" % t) not in sheet
    assert x.header("X-Total-Count") == "2"


def test_round_trip_gives_same_content(server):
    t = tag()
    rows = [row(t, 1, keywords="a\\|b|c:d", description="第一行\n第二行"),
            row(t, 2, kind="demand", indicators="精度\\:横向:0.05\\|0.1:mm|速度:100:km/h", price_kind="negotiable",
                price_min="", price_max="", deadline="2099-01-01"),
            row(t, 3, kind="service", delivery_mode="hybrid", duration="3个月", price_kind="fixed", price_min="0.5",
                price_max="", anonymous="1", ip_type="invention_patent", ip_numbers="202310456789.0")]
    header = HEADER + ["description", "deadline", "delivery_mode", "duration", "ip_type", "ip_numbers"]
    b = bearer(server)
    r = upload(b, csv_bytes(rows, header=header))
    assert r.status == 200 and r.json["imported"] == 3, r
    before, first = export_csv_rows(b, t)
    assert len(first) == 3
    r = upload(b, before.body)                       # the export, as it is, imports again
    assert r.status == 200 and r.json["imported"] == 3, r
    _, second = export_csv_rows(b, t)
    strip = lambda rows_: sorted(json.dumps({k: v for k, v in x.items() if k != "id"}, sort_keys=True, ensure_ascii=False)
                                 for x in rows_)
    assert strip(second) == sorted(strip(first) * 2), "every listing comes back with the same content"
    demand = [x for x in first if x["kind"] == "demand"][0]
    assert demand["indicators"] == "精度\\:横向:0.05\\|0.1:mm|速度:100:km/h" and demand["deadline"] == "2099-01-01"
    js = export_json(b, t, kind="achievement")
    assert js[0]["keywords"] == ["a|b", "c:d"] and js[0]["description"] == "第一行\n第二行", js


def test_anonymous_listing_exported_without_owner_data(server):
    t = tag()
    rows = [row(t, 1, anonymous="1", owner_email=SCIENTIST[0], contact_name="匿名联系人", contact_phone="13911112222",
                contact_email="secret@example.cn"),
            row(t, 2, owner_email=SCIENTIST[0], contact_phone="13933334444")]
    b = bearer(server)
    r = upload(b, csv_bytes(rows))
    assert r.status == 200 and r.json["imported"] == 2, r
    private = ("contact_name", "contact_phone", "contact_email", "owner_email")
    for client, privileged in ((Client(server), False), (b, True)):
        resp, got = export_csv_rows(client, t)
        by_n = {x["title"][-1]: x for x in got}
        anon = by_n["1"]
        assert anon["anonymous"] == "1" and all(anon[k] == "" for k in private), anon
        line = [l for l in resp.body.decode("utf-8-sig").splitlines() if "技术 1" in l][0]
        for secret in ("匿名联系人", "13911112222", "secret@example.cn", SCIENTIST[0], "张伟"):
            assert secret not in line, secret
        named = by_n["2"]
        assert named["contact_name"] == "张工"
        if privileged:
            assert named["owner_email"] == SCIENTIST[0] and named["contact_phone"] == "13933334444", named
        else:
            assert named["owner_email"] == "" and named["contact_phone"] == "" and named["contact_email"] == "", named
    for l in export_json(Client(server), t):
        if l["anonymous"]:
            assert all(l[k] == "" for k in private), l
    x = Client(server).get("/api/v1/export.xlsx?q=%s" % t)
    sheet = zipfile.ZipFile(io.BytesIO(x.body)).read("xl/worksheets/sheet1.xml").decode()
    assert "13911112222" not in sheet and "secret@example.cn" not in sheet


def test_formula_injection_guarded(server):
    t = tag()
    title = "=HYPERLINK(\"http://evil\",\"x\") %s 技术" % t
    rows = [row(t, 1, title=title, summary="+SUM(A1:A9)", contact_name="@risk", keywords="-cmd|ok")]
    b = bearer(server)
    r = upload(b, csv_bytes(rows))
    assert r.status == 200 and r.json["imported"] == 1, r
    resp, got = export_csv_rows(Client(server), t)
    assert got[0]["title"] == "'" + title and got[0]["summary"] == "'+SUM(A1:A9)", got
    assert got[0]["contact_name"] == "'@risk" and got[0]["keywords"] == "'-cmd|ok", got
    assert got[0]["price_min"] == "10", "plain numbers stay numbers"
    assert export_json(Client(server), t)[0]["title"] == title, "JSON carries the real value"
    r = upload(b, resp.body)                        # the guard does not survive a round trip
    assert r.status == 200, r
    assert [l["title"] for l in export_json(Client(server), t)] == [title, title]


def test_only_admins_import(server):
    data = csv_bytes([row(tag(), 1)])
    body, ctype = multipart({}, "x.csv", data)
    anon = Client(server).request("POST", "/api/v1/import", body=body, headers={"Content-Type": ctype, "Accept": "application/json"})
    assert anon.status == 401, anon
    for who in ("scientist", "org_member", "operator"):
        r = upload(bearer(server, DEMO[who]), data)
        assert r.status == 403, (who, r)
        c = Client(server)
        c.login_as(who)
        assert c.get("/admin/import").status == 403
    assert Client(server).get("/admin/import").status in (302, 303)


def test_admin_import_page(server):
    c = Client(server)
    c.login_as("admin")
    page = c.get("/admin/import")
    assert page.status == 200 and 'enctype="multipart/form-data"' in page.text and 'name="partial"' in page.text, page
    t = tag()
    data = csv_bytes([row(t, 1), row(t, 2, region="999999")])
    body, ctype = multipart({"_csrf": c.csrf()}, "bad.csv", data)
    r = c.request("POST", "/admin/import", body=body, headers={"Content-Type": ctype})
    assert r.status == 422 and 'id="import-errors"' in r.text and "<td>3</td>" in r.text and "region" in r.text, r
    assert export_json(c, t) == []
    body, ctype = multipart({"_csrf": c.csrf(), "partial": "1"}, "bad.csv", data)
    r = c.request("POST", "/admin/import", body=body, headers={"Content-Type": ctype})
    assert r.status == 200 and 'id="import-errors"' in r.text, r
    assert len(export_json(c, t)) == 1
    body, ctype = multipart({}, "bad.csv", data)
    r = c.request("POST", "/admin/import", body=body, headers={"Content-Type": ctype})
    assert r.status == 403, "the form needs its CSRF token"
