"""The technology contract as a PDF download (GET /deals/{id}/contract.pdf
and /api/v1/deals/{id}/contract.pdf): a real PDF whose extracted text
(pdftotext, poppler-utils) holds the contract title, the parties, the
clauses and the confirmations; long contracts flow over several pages;
only those who may see the deal get it (role matrix), and none exists
before terms are agreed."""
import re
import subprocess
import tempfile

from harness import Client
from test_deal import LUMP, ROYALTY, Deal, to_agreed, to_disputed, to_negotiation
from test_market_lifecycle import user, problem


def pdf_text(body):
    """The text of a PDF as pdftotext extracts it, and its page count."""
    assert body.startswith(b"%PDF-"), body[:20]
    assert body.rstrip().endswith(b"%%EOF"), body[-20:]
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return text.decode("utf-8"), pages


def flat(s):
    """Text without any whitespace (line breaks fall anywhere in Chinese)."""
    return re.sub(r"\s+", "", s)


def download(c, d, api=True):
    path = d.path("/contract.pdf") if api else "/deals/%s/contract.pdf" % d.id
    return c.api("GET", path) if api else c.get(path)


def test_contract_pdf_content(server):
    d = Deal(server)
    to_agreed(d)
    contract = d.client.api("GET", d.path("/contract")).json
    r = download(d.client, d)
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/pdf"
    assert r.header("Content-Disposition") == 'attachment; filename="contract-%s.pdf"' % d.id
    text, pages = pdf_text(r.body)
    t = flat(text)
    assert "技术转让合同" in t, text[:500]
    assert flat(d.listing["title"]) in t
    for name in ("刘洋", "张伟", "合同编号：" + d.id, "第一条合同标的", "第六条价款、报酬及支付方式", "第十条合同生效",
                 "专利实施与技术资料交付", "合同总价12.5万元", contract["contract_hash"]):
        assert flat(name) in t, (name, text)
    # Before anyone confirms, both parties are shown unconfirmed (request language: zh-CN).
    assert t.count("尚未确认") == 2 and "电子确认于" not in t, text
    # The client confirms: the PDF now says so (one confirmation, one pending).
    d.ok(d.client, "sign")
    text, _ = pdf_text(download(d.client, d, api=False).body)
    t = flat(text)
    assert t.count("电子确认于") == 1 and t.count("尚未确认") == 1, text
    # The printable page shows the confirmation time as a date and time (not milliseconds).
    page = d.client.get("/deals/%s/contract" % d.id).text
    assert re.search(r'<time class="sig-time" datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', page), page
    assert 'id="contract-pdf"' in page
    # The frame follows the reader's language; the contract text stays Chinese.
    r = d.provider.get("/deals/%s/contract.pdf" % d.id, headers={"Accept-Language": "en"})
    text, _ = pdf_text(r.body)
    assert "confirmed electronically at" in text and "not confirmed yet" in text and "技术转让合同" in flat(text), text


def test_contract_pdf_long_text_flows_over_pages(server):
    d = Deal(server)
    scope = "".join("第%d项：提供技术资料、工艺文件和现场指导，确保受让方能独立实施。" % i for i in range(1, 60))[:1990] + "范围终"
    offer = dict(ROYALTY, scope=scope)
    d.ok(d.provider, "offer", **offer)
    d.ok(d.client, "accept_offer")
    r = download(d.provider, d)
    assert r.status == 200, r
    text, pages = pdf_text(r.body)
    t = flat(text)
    assert pages >= 2, pages
    assert "技术许可合同" in t and "范围终" in t and "第十条合同生效" in t and "入门费3万元" in t, text[-800:]
    # Nothing is lost at a page break: every numbered item of the scope is there.
    for i in range(1, 40):
        assert "第%d项" % i in t, i


ROLES = ("anonymous", "scientist", "scientist2", "org_member", "org_member2", "operator", "admin")


def test_contract_pdf_authorization_matrix(server):
    """The parties (张伟 scientist, 刘洋 org_member) and administrators get
    the PDF; other users and the region's operator (not broker, no
    dispute) are told it does not exist; anonymous users must sign in;
    before terms are agreed there is no contract (409). Once disputed, the
    region's operator (mediator) may read it too, and so may an operator
    invited as broker."""
    d = Deal(server)
    clients = {role: (Client(server) if role == "anonymous" else user(server, role)) for role in ROLES}
    page_anon = (302, 303, 401)
    no_contract = dict(anonymous=401, scientist=409, scientist2=404, org_member=409, org_member2=404, operator=404, admin=409)
    agreed = dict(anonymous=401, scientist=200, scientist2=404, org_member=200, org_member2=404, operator=404, admin=200)
    disputed = dict(agreed, operator=200)

    def check(expected):
        for role in ROLES:
            for api in (True, False):
                r = download(clients[role], d, api)
                want = expected[role]
                if role == "anonymous" and not api:
                    want = page_anon
                ok = r.status in want if isinstance(want, tuple) else r.status == want
                assert ok, (role, api, want, r)
                if r.status == 200:
                    assert r.body.startswith(b"%PDF-") and r.header("Content-Type") == "application/pdf"
                elif api and r.status in (404, 409):
                    problem(r, r.status)
                    assert r.body[:5] != b"%PDF-"

    to_negotiation(d)
    check(no_contract)
    d.ok(d.client, "accept_offer")
    check(agreed)
    d.ok(d.client, "sign")
    d.ok(d.provider, "sign")
    d.ok(d.client, "dispute", reason="对方未按约定提供资料")
    check(disputed)
    # An operator invited as broker (科服保姆) may read it without any dispute.
    d2 = Deal(server)
    to_agreed(d2)
    assert d2.operator.api("GET", d2.path("/contract.pdf")).status == 404
    d2.ok(d2.client, "invite_broker", broker_id=d2.operator_id)
    r = d2.operator.api("GET", d2.path("/contract.pdf"))
    assert r.status == 200 and r.body.startswith(b"%PDF-"), r
    assert d2.outsider.api("GET", d2.path("/contract.pdf")).status == 404
    # A deal id that does not exist, and one that is not an id at all.
    problem(d.client.api("GET", "/api/v1/deals/01ARZ3NDEKTSV4RRFFQ69G5FAV/contract.pdf"), 404)
    problem(d.client.api("GET", "/api/v1/deals/not-an-id/contract.pdf"), 404)


def test_contract_pdf_for_each_contract_type(server):
    """Each of the five Civil Code contract types comes out under its own title."""
    titles = {"development": "技术开发合同", "transfer": "技术转让合同", "license": "技术许可合同",
              "consulting": "技术咨询合同", "service": "技术服务合同"}
    for ctype, title in titles.items():
        d = Deal(server)
        d.ok(d.provider, "offer", **dict(LUMP, contract_type=ctype))
        d.ok(d.client, "accept_offer")
        text, _ = pdf_text(download(d.client, d).body)
        assert title in flat(text), (ctype, text[:300])
        others = [t for c, t in titles.items() if c != ctype]
        assert not any(o in flat(text) for o in others), (ctype, text[:300])


def test_contract_has_a_human_number(server):
    """Issue 15 item 6: a contract is cited as KJY-YYYY-NNNNNN (page, PDF,
    API), not by the deal's ULID; numbers are unique and kept."""
    numbers = []
    for _ in range(2):
        d = Deal(server)
        to_agreed(d)
        j = d.client.api("GET", d.path("")).json
        no = j.get("contract_no") or ""
        assert re.fullmatch(r"KJY-20\d\d-\d{6}", no), j
        numbers.append(no)
        page = d.client.get("/deals/%s/contract" % d.id).text
        assert '<strong id="contract-no">%s</strong>' % no in page, page
        text, _ = pdf_text(download(d.client, d).body)
        assert no in flat(text), text
        # The number stays the same on the next look.
        assert d.client.api("GET", d.path("")).json["contract_no"] == no
    assert numbers[0] != numbers[1]
    year, a, b = numbers[0][4:8], int(numbers[0][-6:]), int(numbers[1][-6:])
    assert numbers[1][4:8] == year and b > a, numbers
