"""The instance profile (issue 17 §1): an instance is configured, not forked.

An administrator names the instance in each language, sets its home region,
colours, footer (主办单位, ICP 备案号, 公安备案号), logo and the languages it
offers, and publishes new policy texts; every edit is validated before
anything is written and lands in the audit log. Languages are data: Tibetan
(bo) ships as a partial catalog that falls back to Chinese key by key, and an
RTL language added from the instance's own directory turns pages to
dir="rtl". Templates are overridden one file at a time from DATA/templates."""
import os
import re
import shutil
import tempfile

import harness
from harness import Client, ROOT, multipart_body
from test_popsci import png

SERVER_ARGS = ["--page-cache-ms", "0"]


def admin(server):
    c = Client(server)
    c.login_as("admin")
    return c


def test_profile_api_names_footer_region_and_audit(server):
    a = admin(server)
    r = a.api("PUT", "/api/v1/admin/instance", {
        "name": {"zh-CN": "青科云（演示）", "en": "Qingkeyun (demo)", "bo": "མཚོ་སྔོན་ཚན་རྩལ།"},
        "short_name": {"zh-CN": "青科云"},
        "languages": "zh-CN,en,bo", "home_region": "630000", "footer_host": "青海省科学技术厅（演示）", "icp_record": "青ICP备00000000号-1",
        "police_record": "青公网安备 63010000000000号"})
    assert r.status == 200, r
    d = r.json
    assert d["name"]["zh-CN"] == "青科云（演示）" and d["name"]["en"] == "Qingkeyun (demo)"
    assert d["home_region"] == "630000" and re.fullmatch(r"[0-9A-Z]{26}", d["id"])
    assert [l["tag"] for l in d["languages"]] == ["zh-CN", "en", "bo"]
    page = Client(server).get("/").text
    assert "青科云（演示）</title>" in page and '<a class="brand" href="/">青科云（演示）</a>' in page
    assert "青海省科学技术厅（演示）" in page and "青ICP备00000000号-1" in page and "63010000000000" in page
    en = Client(server).get("/", headers={"Accept-Language": "en"}).text
    assert "Qingkeyun (demo)</title>" in en
    # The public description carries the same identity.
    pub = Client(server).api("GET", "/api/v1/instance").json
    assert pub["id"] == d["id"] and pub["short_name"]["zh-CN"] == "青科云"
    log = a.api("GET", "/api/v1/admin/audit-log?action=instance.").json["items"]
    assert log and log[0]["action"] == "instance.profile.update"
    assert log[0]["detail"]["home_region"]["after"] == "630000"
    # Clearing a name: the settings file's applies again.
    assert a.api("PUT", "/api/v1/admin/instance", {"name": {"zh-CN": ""}}).status == 200
    assert "科技云 (demo)</title>" in Client(server).get("/").text


def test_bad_values_are_refused_and_change_nothing(server):
    a = admin(server)
    before = a.api("GET", "/api/v1/admin/instance").json
    for body, field in [({"color_primary": "red"}, "color_primary"), ({"color_accent": "#12345g"}, "color_accent"),
                        ({"home_region": "999999"}, "home_region"), ({"default_language": "fr"}, "default_language"),
                        ({"languages": "zh-CN,xx"}, "languages"), ({"name": {"xx": "名"}}, "name"),
                        ({"default_language": "bo", "languages": "zh-CN,en"}, "default_language"),
                        ({"footer_host": "甲\n乙"}, "footer_host"), ({"terms_version": "v 2"}, "terms_version")]:
        body = dict(body, footer_contact="不应保存")
        r = a.api("PUT", "/api/v1/admin/instance", body)
        assert r.status == 422, (body, r)
        assert field in r.text, (body, r.text)
    after = a.api("GET", "/api/v1/admin/instance").json
    assert after == before
    # Not an administrator: refused, whoever else.
    s = Client(server)
    s.login_as("scientist")
    assert s.api("PUT", "/api/v1/admin/instance", {"footer_host": "x"}).status == 403
    assert s.get("/admin/instance").status == 403


def test_admin_page_form_colours_and_theme(server):
    a = admin(server)
    page = a.get("/admin/instance")
    assert page.status == 200 and 'id="instance-id"' in page.text and 'name="languages" value="bo"' in page.text
    r = a.post_form("/admin/instance", {"color_primary": "#7a1f5c", "color_accent": "", "footer_host": "页面表单",
                                        "languages": ["zh-CN", "en", "bo"], "default_language": "zh-CN",
                                        "home_region__1": "630000"})
    assert r.status == 303 and r.header("Location").startswith("/admin/instance?saved=1"), r
    page = Client(server).get("/").text
    m = re.search(r'<link rel="stylesheet" href="(/theme/zh-CN\.css\?v=\d+)">', page)
    assert m, "the theme is linked once colours are set"
    css = Client(server).get(m.group(1))
    assert css.status == 200 and "--brand: #7a1f5c;" in css.text and css.header("Content-Type").startswith("text/css")
    # An invalid colour on the page: the form again with the field's error.
    r = a.post_form("/admin/instance", {"color_primary": "blue", "languages": ["zh-CN", "en", "bo"],
                                        "default_language": "zh-CN"})
    assert r.status == 422 and "#rrggbb" in r.text
    assert "--brand: #7a1f5c;" in Client(server).get("/theme/zh-CN.css").text
    assert a.post_form("/admin/instance", {"color_primary": "", "footer_host": "", "languages": ["zh-CN", "en", "bo"],
                                           "default_language": "zh-CN"}).status == 303
    assert "/theme/zh-CN.css" not in Client(server).get("/").text


def test_logo_upload_is_served_and_shown(server):
    a = admin(server)
    body, ctype = multipart_body([("_csrf", a.csrf()), ("which", "logo")], [("file", ("logo.png", "image/png", png(b"logo")))])
    r = a.request("POST", "/admin/instance/images", body=body, headers={"Content-Type": ctype})
    assert r.status == 303, r
    logo = Client(server).get("/instance/logo")
    assert logo.status == 200 and logo.header("Content-Type") == "image/png" and logo.body.startswith(b"\x89PNG")
    assert b"logo" not in logo.body, "metadata (the tEXt chunk) is stripped"
    assert 'class="brand-logo" src="/instance/logo?v=' in Client(server).get("/").text
    body, ctype = multipart_body([("_csrf", a.csrf()), ("which", "favicon")], [("file", ("x.txt", "text/plain", b"not an image"))])
    assert a.request("POST", "/admin/instance/images", body=body, headers={"Content-Type": ctype}).status == 422
    assert Client(server).get("/instance/favicon").status == 404


def test_tibetan_partial_catalog_falls_back_to_chinese(server):
    assert admin(server).api("PUT", "/api/v1/admin/instance", {"languages": "zh-CN,en,bo"}).status == 200
    c = Client(server)
    r = c.get("/lang/bo?next=/")
    assert r.status == 303
    page = c.get("/").text
    assert '<html lang="bo" dir="ltr">' in page
    assert "གཙོ་ངོས།" in page, "the navigation is in Tibetan"
    assert "揭榜挂帅" in page, "an untranslated key falls back to Chinese"
    m = re.search(r'href="(/theme/bo\.css\?v=\d+)"', page)
    assert m, "Tibetan pages link their font stack"
    assert "Noto Sans Tibetan" in c.get(m.group(1)).text
    # The switcher lists the other offered languages, each named in itself.
    assert 'lang="zh-CN" dir="ltr" id="lang-switch">中文</a>' in page and 'lang="en" dir="ltr" >English</a>' in page
    assert "/achievements" in page and "ཚན་རྩལ་གྲུབ་འབྲས།" in c.get("/achievements").text
    # A browser asking for Tibetan gets it; one asking for French the default.
    assert '<html lang="bo"' in Client(server).get("/", headers={"Accept-Language": "bo-CN, zh;q=0.5"}).text
    assert '<html lang="zh-CN"' in Client(server).get("/", headers={"Accept-Language": "fr"}).text


def test_languages_offered_are_the_instance_choice(server):
    a = admin(server)
    assert a.api("PUT", "/api/v1/admin/instance", {"languages": "zh-CN,en"}).status == 200
    try:
        c = Client(server)
        assert c.get("/lang/bo").status == 404
        c.cookies["kj_lang"] = "bo"
        page = c.get("/").text
        assert '<html lang="zh-CN"' in page and "བོད་ཡིག" not in page
    finally:
        assert a.api("PUT", "/api/v1/admin/instance", {"languages": "zh-CN,en,bo"}).status == 200
    assert "བོད་ཡིག" in Client(server).get("/").text


def test_policy_publication_asks_users_again(server):
    a = admin(server)
    u = Client(server)
    u.login_as("scientist")
    assert u.get("/dashboard").status == 200
    body = "# 用户协议（2026 年第二版）\n\n本实例由演示运营方提供。"
    r = a.api("POST", "/api/v1/admin/instance/policies", {"document": "terms", "lang": "zh-CN", "version": "2026-2", "body": body})
    assert r.status == 201, r
    assert r.json["policies"]["terms_version"] == "2026-2"
    t = Client(server).get("/terms").text
    assert "本实例由演示运营方提供" in t and "2026-2" in t
    # English readers get the version in force, in Chinese until translated.
    assert "本实例由演示运营方提供" in Client(server).get("/terms", headers={"Accept-Language": "en"}).text
    r = u.get("/dashboard")
    assert r.status == 303 and "/account/consent" in r.header("Location"), r
    # The administrator is a user too: they accept before going on.
    assert a.api("POST", "/api/v1/admin/instance/policies", {"document": "terms", "lang": "en", "version": "2026-3",
                                                              "body": "x"}).status == 403
    assert a.api("POST", "/api/v1/me/consent", {"accept": True}).status == 200
    assert a.api("POST", "/api/v1/admin/instance/policies",
                 {"document": "terms", "lang": "zh-CN", "version": "2026-2", "body": "again"}).status == 409
    assert u.post_form("/account/consent", {"accept": "1", "next": "/dashboard"}).status == 303
    assert u.get("/dashboard").status == 200


def _own_server(files, args):
    """A server on a data directory holding the given files (path → text)."""
    d = tempfile.mkdtemp(prefix="kejiyun-inst-")
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, path)), exist_ok=True)
        with open(os.path.join(d, path), "w") as f:
            f.write(text)
    try:
        return harness.Server(args, demo=False, data_dir=d)
    except RuntimeError:
        shutil.rmtree(d, ignore_errors=True)
        raise


def test_template_override_and_rtl_catalog_from_the_instance_directory(server):
    with open(os.path.join(ROOT, "templates", "help_roles.html")) as f:
        original = f.read()
    override = original.replace("{{>_head}}", "{{>_head}}<p id=\"instance-override\">{{t nav.home}}</p>", 1)
    ar_dir = os.path.join(ROOT, "tests", "http", "data", "i18n")
    files = {"templates/help_roles.html": override}
    for name in os.listdir(ar_dir):
        with open(os.path.join(ar_dir, name)) as f:
            files["i18n/" + name] = f.read()
    s = _own_server(files, ["--languages", "zh-CN,en,ar"])
    try:
        page = Client(s).get("/help/roles").text
        assert 'id="instance-override"' in page, "DATA/templates/help_roles.html wins"
        assert 'id="instance-override"' not in Client(s).get("/").text
        c = Client(s)
        assert c.get("/lang/ar?next=/help/roles").status == 303
        page = c.get("/help/roles").text
        assert '<html lang="ar" dir="rtl">' in page
        assert '<p id="instance-override">الرئيسية</p>' in page
        assert "العربية" in Client(s).get("/").text, "the switcher offers it, named in itself"
    finally:
        code, log = s.stop()
        s.cleanup()
    assert "ERROR: AddressSanitizer" not in log


def test_a_broken_override_stops_the_start_with_its_name(server):
    for files, needle in [({"templates/help_roles.html": "{{#x}}unclosed"}, "help_roles.html"),
                          ({"templates/no_such_page.html": "<p>x</p>"}, "overrides no template"),
                          ({"i18n/xx.meta": "name = X\ndir = sideways\n", "i18n/xx.tsv": ""}, "dir must be ltr or rtl")]:
        try:
            s = _own_server(files, [])
        except RuntimeError as e:
            assert needle in str(e), str(e)[-2000:]
        else:
            s.cleanup()
            raise AssertionError("started despite %s" % files)
    # A language offered without a catalog is named at start too.
    try:
        s = _own_server({}, ["--languages", "zh-CN,en,ru"])
    except RuntimeError as e:
        assert "ru has no catalog" in str(e)
    else:
        s.cleanup()
        raise AssertionError("started offering a language without a catalog")
