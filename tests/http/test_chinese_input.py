"""Forms that accept what a Chinese input method types (issue 15, item 5):
technical indicators in one format for demands and 揭榜 entries, with
full-width separators (｜ ： ；) and line breaks."""
import re

from test_market_lifecycle import _form, user


def test_demand_indicators_with_full_width_separators(server):
    org = user(server, "org_member")
    fields = _form("demand", title="全角指标测试需求：植保无人机续航提升")
    fields["indicators"] = "续航时间：≥60：分钟；载重｜10｜千克\n识别准确率，99.5，%"
    r = org.post_form("/listings", fields)
    assert r.status == 303, (r.status, r.text[:2000])
    m = re.search(r"/listings/([0-9A-Z]{26})", r.header("Location"))
    assert m, r.header("Location")
    j = org.api("GET", "/api/v1/listings/" + m.group(1)).json
    assert j["indicators"] == [
        {"name": "续航时间", "target": "≥60", "unit": "分钟"},
        {"name": "载重", "target": "10", "unit": "千克"},
        {"name": "识别准确率", "target": "99.5", "unit": "%"},
    ], j["indicators"]
    # The edit form shows them back in the one format.
    page = org.get("/listings/%s/edit" % m.group(1)).text
    assert "续航时间 | ≥60 | 分钟" in page, page
