"""Popular science (科普) over HTTP: review flow, bad input, the needs
profile and its deletion, feed ranking with reasons, urgent notices, Atom,
questions with photos → experts notified → answer accepted → article,
statistics with k-anonymity, light pages, and who may do what."""
import re
import struct
import time
import zlib

from harness import multipart_body as multipart, Client, unique_email

_seq = [0]


def uniq(prefix):
    _seq[0] += 1
    return "%s %d-%d" % (prefix, int(time.time() * 1000) % 100000, _seq[0])


def client(server, role=None):
    c = Client(server)
    if role:
        c.login_as(role)
    return c


def resident(server, role="scientist"):
    """A fresh signed-in user (bearer token and a web session)."""
    c = Client(server)
    email = unique_email("res")
    r = c.api("POST", "/api/v1/register", {"email": email, "password": "resident pw 9", "name": "居民", "role": role})
    assert r.status == 202, r
    c.login(email, "resident pw 9")
    return c


def png(text=b"x"):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"c\x00" + text)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def post_multipart(c, path, fields, files):
    body, ctype = multipart([("_csrf", c.csrf())] + list(fields), files)
    return c.request("POST", path, body=body, headers={"Content-Type": ctype})


def create(c, **kw):
    obj = {"title": uniq("科普"), "summary": "摘要", "body": "# 小标题\n\n正文 **加粗**", "topic": "rice",
           "audience": "rural"}
    obj.update(kw)
    r = c.api("POST", "/api/v1/popsci", obj)
    assert r.status == 201, r
    assert r.json["status"] == "submitted"
    return r.json["id"]


def publish(server, cid, reviewer="admin"):
    r = client(server, reviewer).api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "approve"})
    assert r.status == 200 and r.json["status"] == "published", r
    return cid


def field_codes(r):
    return {e["field"]: e["message"] for e in r.json.get("errors", [])}


# ---- review ----

def test_review_flow_reject_with_reason_then_publish(server):
    author = client(server, "scientist")
    cid = create(author, title=uniq("无人机飞防"))
    assert client(server).api("GET", "/api/v1/popsci/" + cid).status == 404, "not public before review"
    assert client(server).get("/popsci/" + cid).status == 404
    op = client(server, "operator")
    q = op.api("GET", "/api/v1/popsci/review")
    assert q.status == 200 and cid in [i["id"] for i in q.json["items"]]
    assert cid in op.get("/popsci/review").text
    r = op.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject"})
    assert r.status == 422 and "reason" in field_codes(r), r
    assert client(server, "org_member").api("POST", "/api/v1/popsci/%s/review" % cid,
                                            {"action": "approve"}).status == 403
    assert author.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "approve"}).status == 403, \
        "nobody reviews their own"
    r = op.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject", "reason": "数据来源不明"})
    assert r.status == 200 and r.json["status"] == "rejected"
    page = author.get("/popsci/" + cid)
    assert page.status == 200 and "数据来源不明" in page.text
    notes = author.api("GET", "/api/v1/notifications").json["items"]
    assert any(n["kind"] == "popsci_rejected" and n["link"] == "/popsci/" + cid for n in notes), notes[:3]
    assert author.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "submit"}).json["status"] == "submitted"
    r = op.post_form("/popsci/%s/review" % cid, {"action": "approve"})
    assert r.status == 303, r
    pub = client(server).get("/popsci/" + cid)
    assert pub.status == 200 and "<h2>小标题</h2>" in pub.text and "<strong>加粗</strong>" in pub.text
    assert op.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "approve"}).status == 409


def test_markdown_is_sanitized_and_correction_visible(server):
    author = client(server, "scientist")
    cid = publish(server, create(author, body="<script>alert(1)</script>\n\n[x](javascript:alert(1))"))
    page = client(server).get("/popsci/" + cid).text
    assert "<script>alert" not in page and "javascript:" not in page
    r = author.post_form("/popsci/%s/correction" % cid, {"note": "第二段的用药浓度应为 0.1%"})
    assert r.status == 303
    page = client(server).get("/popsci/" + cid).text
    assert "popsci-correction" in page and "第二段的用药浓度应为 0.1%" in page
    assert client(server, "org_member").api("POST", "/api/v1/popsci/%s/corrections" % cid,
                                             {"note": "x"}).status == 403


# ---- editing ----

def test_edit_draft_in_place_and_back_to_review(server):
    author = client(server, "scientist")
    cid = create(author, title=uniq("草稿"))
    assert client(server, "scientist2").api("PUT", "/api/v1/popsci/" + cid, {"title": "别人的"}).status == 403
    assert client(server, "admin").api("PUT", "/api/v1/popsci/" + cid, {"title": "管理员"}).status == 403
    r = author.api("PUT", "/api/v1/popsci/" + cid, {"title": "长" * 200, "topic": "nosuch"})
    assert r.status == 422 and set(field_codes(r)) >= {"title", "topic"}, r
    r = author.api("PUT", "/api/v1/popsci/" + cid, {"summary": "新摘要", "regions": ["510100"]})
    assert r.status == 200 and r.json["edit_pending"] is False and r.json["status"] == "submitted", r
    assert r.json["summary"] == "新摘要" and r.json["regions"] == ["510100"] and r.json["body"].startswith("# 小标题")
    op = client(server, "operator")
    assert op.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject", "reason": "请补充来源"}).status == 200
    # A rejected draft edited through the web form goes back to review.
    form = author.get("/popsci/%s/edit" % cid)
    assert form.status == 200 and 'action="/popsci/%s/edit"' % cid in form.text and "新摘要" in form.text
    assert 'name="note"' not in form.text and 'name="image"' in form.text
    assert client(server, "scientist2").get("/popsci/%s/edit" % cid).status == 404, "a draft stays hidden"
    assert client(server, "operator").get("/popsci/%s/edit" % cid).status == 403, "reviewers do not edit"
    assert client(server).get("/popsci/%s/edit" % cid).status in (302, 303, 401)
    title = uniq("改好的草稿")
    r = post_multipart(author, "/popsci/%s/edit" % cid,
                       [("title", title), ("summary", "新摘要"), ("body", "正文"), ("topic", "rice"),
                        ("audience", "rural"), ("regions", "510100"), ("source", "农业农村部"), ("lang", "en")],
                       [("image", ("leaf.png", "image/png", rgb_png(500, 250)))])
    assert r.status == 303 and r.header("Location").endswith("?edited=1"), r
    v = author.api("GET", "/api/v1/popsci/" + cid).json
    assert v["status"] == "submitted" and v["reject_reason"] == "" and v["title"] == title and v["source"] == "农业农村部"
    assert v["lang"] == "en" and '<option value="en" selected>' in author.get("/popsci/%s/edit" % cid).text
    assert len(v["images"]) == 1
    r = post_multipart(author, "/popsci/%s/edit" % cid, [("title", ""), ("topic", "rice"), ("body", "x")], [])
    assert r.status == 422 and "popsci-form" in r.text


def test_edit_of_published_content_is_reviewed_then_shown_with_correction(server):
    author = client(server, "scientist")
    old = uniq("已发布")
    cid = publish(server, create(author, title=old, body="旧正文"))
    r = author.api("PUT", "/api/v1/popsci/" + cid, {"body": "新正文"})
    assert r.status == 422 and "note" in field_codes(r), "an edit of published content needs a note"
    new = uniq("修订后")
    r = author.api("PUT", "/api/v1/popsci/" + cid, {"title": new, "body": "新正文", "note": "更正用药浓度"})
    assert r.status == 200 and r.json["edit_pending"] is True and r.json["status"] == "published", r
    anon = client(server)
    page = anon.get("/popsci/" + cid).text
    assert old in page and new not in page and "新正文" not in page, "unchanged until reviewed"
    assert "revision" not in anon.api("GET", "/api/v1/popsci/" + cid).json
    assert author.api("GET", "/api/v1/popsci/" + cid).json["revision"]["title"] == new
    op = client(server, "operator")
    q = op.api("GET", "/api/v1/popsci/review").json["items"]
    assert any(i["id"] == cid and i.get("revision") for i in q), q
    assert "popsci-edit-tag" in op.get("/popsci/review").text
    shown = op.get("/popsci/" + cid).text
    assert 'id="revision-review-form"' in shown and "新正文" in shown and "更正用药浓度" in shown
    assert author.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "approve"}).status == 403
    r = op.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject"})
    assert r.status == 422 and "reason" in field_codes(r)
    r = op.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject", "reason": "浓度仍不对"})
    assert r.status == 200 and r.json["revision"]["status"] == "rejected"
    assert "浓度仍不对" in author.get("/popsci/" + cid).text and new not in anon.get("/popsci/" + cid).text
    notes = author.api("GET", "/api/v1/notifications").json["items"]
    assert any(n["kind"] == "popsci_revision_rejected" for n in notes)
    # Resubmitted through the web form, then approved in the web page.
    form = author.get("/popsci/%s/edit" % cid).text
    assert 'name="note"' in form and 'name="image"' not in form and 'id="edit-review-help"' in form
    r = author.post_form("/popsci/%s/edit" % cid, {"title": new, "body": "新正文 0.1%", "topic": "rice",
                                                    "audience": "rural", "note": "用药浓度改为 0.1%"})
    assert r.status == 303 and r.header("Location").endswith("?edit_pending=1"), r
    r = op.post_form("/popsci/%s/review" % cid, {"action": "approve"})
    assert r.status == 303
    page = anon.get("/popsci/" + cid).text
    assert new in page and "新正文 0.1%" in page and "popsci-correction" in page and "用药浓度改为 0.1%" in page
    assert re.search(r'<span id="reviewer">[^<]*王敏</span>', page), "the reviewer is named"
    v = anon.api("GET", "/api/v1/popsci/" + cid).json
    assert v["status"] == "published" and v["corrections"][-1]["note"] == "用药浓度改为 0.1%"
    assert op.api("GET", "/api/v1/popsci/%s" % cid).json.get("revision") is None
    assert any(n["kind"] == "popsci_revision_ok" for n in author.api("GET", "/api/v1/notifications").json["items"])


# ---- bad input ----

def test_bad_content_input_has_clear_messages(server):
    c = client(server, "scientist")
    r = c.api("POST", "/api/v1/popsci", {"title": "", "topic": "astrology", "regions": ["999999"], "body": "x"})
    assert r.status == 422
    errs = field_codes(r)
    assert "标题" in errs["title"] and "未知的领域" in errs["topic"] and "地区" in errs["regions"], errs
    r = c.api("POST", "/api/v1/popsci", {"kind": "video", "title": "视频", "topic": "rice",
                                         "video_url": "http://example.com/v.mp4"})
    assert r.status == 422 and "https://" in field_codes(r)["video_url"]
    r = c.api("POST", "/api/v1/popsci", {"kind": "video", "title": uniq("视频"), "topic": "rice",
                                         "video_url": "https://video.example.cn/v.mp4", "transcript": "字幕文字"})
    assert r.status == 201 and r.json["kind"] == "video"
    assert client(server).get("/popsci?topic=nope").status == 422
    assert client(server).api("GET", "/api/v1/popsci?region=123456").status == 422
    r = client(server).get("/feeds/popsci.atom?topic=nope")
    assert r.status == 400 and "未知的领域" in r.text


def test_article_page_with_images_and_non_image_refused(server):
    c = client(server, "scientist")
    title = uniq("水稻稻瘟病识别")
    form = [("kind", "article"), ("title", title), ("topic", "rice"), ("body", "正文"), ("audience", "rural")]
    r = post_multipart(c, "/popsci", form, [("image", ("a.txt", "image/png", b"not an image at all"))])
    assert r.status == 422 and "只能上传" in r.text, r
    r = post_multipart(c, "/popsci", form, [("image", ("big.png", "image/png", png(b"y" * (5 * 1024 * 1024 + 10))))])
    assert r.status in (413, 422), r
    r = post_multipart(c, "/popsci", form, [("image", ("leaf.png", "image/png", png(b"gps secret"))),
                                            ("poster", ("p.png", "image/png", png()))])
    assert r.status == 303, r
    cid = re.match(r"^/popsci/([0-9A-Z]{26})", r.header("Location")).group(1)
    view = c.api("GET", "/api/v1/popsci/" + cid).json
    img = view["images"][0]["id"]
    assert client(server).get("/popsci/images/" + img).status == 404, "unpublished content's images are private"
    assert c.get("/popsci/images/" + img).status == 200, "the uploader sees it"
    publish(server, cid)
    got = client(server).get("/popsci/images/" + img)
    # The original URL serves the largest variant: re-encoded, no metadata.
    assert got.status == 200 and got.header("Content-Type") == "image/jpeg" and b"gps secret" not in got.body
    assert 'action="/popsci/%s/mark"' % cid in c.get("/popsci/" + cid).text
    page = client(server).get("/popsci/" + cid)
    assert len(page.body) <= 100 * 1024 and "<script" not in page.text
    assert 'name="viewport"' in page.text and "/popsci/images/" + img in page.text


def rgb_png(w, h, alpha=False):
    """A w × h PNG, left half red and right half blue (transparent with alpha)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    half = w // 2
    if alpha:
        row = b"\x00" + b"\xff\x00\x00\xff" * half + b"\x00\x00\xff\x00" * (w - half)
    else:
        row = b"\x00" + b"\xff\x00\x00" * half + b"\x00\x00\xff" * (w - half)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6 if alpha else 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row * h))
            + chunk(b"IEND", b""))


def image_size(data):
    """(width, height) of a PNG or JPEG, from its header."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    assert data[:2] == b"\xff\xd8", data[:4]
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise AssertionError("no frame header")


def test_uploaded_images_resized_with_srcset(server):
    c = client(server, "scientist")
    form = [("kind", "article"), ("title", uniq("无人机飞防作业")), ("topic", "rice"), ("audience", "rural"),
            ("body", "正文\n\n![田间照片](/popsci/images/%s)")]
    # A damaged picture (right signature, broken data) gets a clear message.
    broken = rgb_png(40, 20)[:60] + b"\x00" * 40
    r = post_multipart(c, "/popsci", [(k, v % ("0" * 26) if k == "body" else v) for k, v in form],
                       [("image", ("bad.png", "image/png", broken))])
    assert r.status == 422 and ("图片无法读取" in r.text or "只能上传" in r.text), r
    r = post_multipart(c, "/popsci", [(k, v % ("0" * 26) if k == "body" else v) for k, v in form],
                       [("image", ("field.png", "image/png", rgb_png(2000, 1000))),
                        ("image", ("logo.png", "image/png", rgb_png(300, 150, alpha=True)))])
    assert r.status == 303, r
    cid = re.match(r"^/popsci/([0-9A-Z]{26})", r.header("Location")).group(1)
    imgs = [i["id"] for i in c.api("GET", "/api/v1/popsci/" + cid).json["images"]]
    assert len(imgs) == 2
    big, small = imgs
    assert client(server).get("/popsci/images/%s/360" % big).status == 404, "private until published"
    assert client(server, "scientist2").get("/popsci/images/%s/360" % big).status == 404
    assert client(server, "operator").get("/popsci/images/%s/360" % big).status == 200, "the reviewer sees it"
    publish(server, cid)
    anon = client(server)
    for w, h in ((360, 180), (720, 360), (1280, 640)):
        got = anon.get("/popsci/images/%s/%d" % (big, w))
        assert got.status == 200 and got.header("Content-Type") == "image/jpeg", got
        assert image_size(got.body) == (w, h), (w, image_size(got.body))
        assert "max-age" in got.header("Cache-Control") and got.header("ETag")
        again = anon.get("/popsci/images/%s/%d" % (big, w), headers={"If-None-Match": got.header("ETag")})
        assert again.status == 304
    assert len(anon.get("/popsci/images/%s/360" % big).body) < len(anon.get("/popsci/images/%s/1280" % big).body)
    assert anon.get("/popsci/images/%s/500" % big).status == 404
    assert anon.get("/popsci/images/%s/abc" % big).status == 404
    assert image_size(anon.get("/popsci/images/" + big).body) == (1280, 640), "original URL: largest variant"
    # Smaller than 360: one variant of its own width; transparency keeps PNG.
    got = anon.get("/popsci/images/%s/300" % small)
    assert got.status == 200 and got.header("Content-Type") == "image/png" and image_size(got.body) == (300, 150)
    assert anon.get("/popsci/images/%s/360" % small).status == 404, "never scaled up"
    page = anon.get("/popsci/" + cid).text
    srcset = "/popsci/images/{0}/360 360w, /popsci/images/{0}/720 720w, /popsci/images/{0}/1280 1280w".format(big)
    tag = re.search(r'<img src="/popsci/images/%s/360"[^>]*>' % big, page)
    assert tag, page
    assert 'srcset="%s"' % srcset in tag.group(0)
    assert 'sizes="(max-width: 600px) 100vw, 560px"' in tag.group(0)
    assert 'width="1280" height="640"' in tag.group(0) and 'loading="lazy"' in tag.group(0)
    assert re.search(r'<img src="/popsci/images/%s/300" srcset="/popsci/images/%s/300 300w"' % (small, small), page)
    assert page.count("/popsci/images/%s/360 360w" % big) == 1


def test_markdown_image_of_an_upload_becomes_responsive(server):
    c = client(server, "scientist")
    r = post_multipart(c, "/popsci", [("kind", "article"), ("title", uniq("稻田管理")), ("topic", "rice"),
                                      ("body", "先写正文")],
                       [("image", ("f.png", "image/png", rgb_png(1000, 500)))])
    assert r.status == 303, r
    cid = re.match(r"^/popsci/([0-9A-Z]{26})", r.header("Location")).group(1)
    img = c.api("GET", "/api/v1/popsci/" + cid).json["images"][0]["id"]
    # Body referring to the upload (an edit of the draft).
    r = c.api("PUT", "/api/v1/popsci/" + cid, {"title": uniq("稻田管理"), "topic": "rice",
                                               "body": "看图：\n\n![稻田](/popsci/images/%s)\n" % img})
    assert r.status == 200, r
    publish(server, cid)
    page = client(server).get("/popsci/" + cid).text
    tag = re.search(r'<img src="/popsci/images/%s/360"[^>]*>' % img, page)
    assert tag and "720w" in tag.group(0) and "1000w" in tag.group(0) and 'alt="稻田"' in tag.group(0), page
    assert page.count('src="/popsci/images/%s' % img) == 1, "shown once, where the text puts it"


# ---- profile ----

def test_profile_set_show_and_delete_really_deletes(server):
    c = resident(server)
    r = c.post_form("/popsci/profile", {"topics": ["rice", "plantprot"], "region": "511102", "crops": "水稻 油菜",
                                        "audience": "rural"})
    assert r.status == 303, r
    p = c.api("GET", "/api/v1/popsci/profile").json
    assert p["exists"] and p["topics"] == ["plantprot", "rice"] or set(p["topics"]) == {"rice", "plantprot"}
    assert p["region"] == "511102" and p["crops"] == "水稻 油菜"
    page = c.get("/popsci/profile").text
    assert 'value="rice" checked' in page
    r = c.post_form("/popsci/profile", {"topics": ["nope"], "region": "000001"})
    assert r.status == 422 and "未知的领域" in r.text and "未知的地区" in r.text
    cid = publish(server, create(client(server, "scientist")))
    c.get("/popsci/" + cid)
    assert c.api("POST", "/api/v1/popsci/%s/events" % cid, {"kind": "useful"}).status == 200
    assert c.api("GET", "/api/v1/popsci/profile").json["events"] == 2
    r = c.post_form("/popsci/profile/delete", {})
    assert r.status == 303
    p = c.api("GET", "/api/v1/popsci/profile").json
    assert p["exists"] is False and p["events"] == 0 and p["topics"] == [] and p["learned_topics"] == []
    assert c.api("PUT", "/api/v1/popsci/profile", {"topics": ["health"]}).status == 200
    assert c.api("DELETE", "/api/v1/popsci/profile").status == 204
    assert c.api("GET", "/api/v1/popsci/profile").json["exists"] is False


# ---- feed ----

def test_feed_ranking_alert_first_profile_match_explained(server):
    sci = client(server, "scientist")
    rice = publish(server, create(sci, title=uniq("水稻分蘖期管理"), topic="rice", regions=["511100"]))
    other = publish(server, create(sci, title=uniq("冬季养生"), topic="health", audience="elderly"))
    admin = client(server, "admin")
    r = admin.api("POST", "/api/v1/popsci/notices", {"title": uniq("暴雨预警"), "body": "请做好防汛准备",
                                                     "topic": "disaster", "region": "511100", "hours": 24})
    assert r.status == 201, r
    alert = r.json["id"]
    c = resident(server)
    assert c.api("PUT", "/api/v1/popsci/profile", {"topics": ["rice"], "region": "511102"}).status == 200
    feed = c.api("GET", "/api/v1/feed?limit=50")
    assert feed.status == 200
    items = feed.json["items"]
    ids = [i["id"] for i in items]
    assert ids[0] == alert or items[0]["reason"]["code"] == "urgent", items[:3]
    assert alert in ids and rice in ids and other in ids
    assert ids.index(alert) < ids.index(rice) < ids.index(other), "alert, then profile match, then the rest"
    by = {i["id"]: i for i in items}
    assert by[rice]["reason_text"] == "因为你关注 水稻种植 · 乐山市", by[rice]
    assert by[alert]["reason"]["code"] == "urgent" and "乐山市" in by[alert]["reason_text"]
    page = c.get("/popsci/feed").text
    assert "因为你关注 水稻种植 · 乐山市" in page
    # Content for another region is not in this reader's feed; alerts expire.
    far = client(server, "scientist2")
    elsewhere = publish(server, create(far, title=uniq("青海牦牛"), topic="livestock", regions=["630100"]))
    assert elsewhere not in [i["id"] for i in c.api("GET", "/api/v1/feed?limit=50").json["items"]]
    assert client(server).api("GET", "/api/v1/feed").status == 401


def test_notice_only_for_operators_region_and_reaches_subscribers(server):
    sub = resident(server)
    assert sub.api("PUT", "/api/v1/popsci/profile", {"region": "510107"}).status == 200
    op = client(server, "operator")
    r = op.api("POST", "/api/v1/popsci/notices", {"title": "x", "body": "y", "topic": "disaster", "region": "630100"})
    assert r.status == 403
    r = op.api("POST", "/api/v1/popsci/notices", {"title": "x", "body": "y", "topic": "disaster", "region": "999999"})
    assert r.status == 422
    title = uniq("森林火险预警")
    r = op.post_form("/popsci/notices", {"title": title, "body": "禁止野外用火", "topic": "disaster",
                                         "region": "510100", "audience": "everyone", "hours": "12"})
    assert r.status == 303, r
    assert title in sub.api("GET", "/api/v1/notifications").text
    assert client(server, "scientist").api("POST", "/api/v1/popsci/notices",
                                           {"title": "x", "body": "y", "topic": "disaster",
                                            "region": "510100"}).status == 403


def test_atom_feed_by_topic_and_region(server):
    title = uniq("植保无人机作业规范")
    cid = publish(server, create(client(server, "scientist"), title=title, topic="plantprot", regions=["510100"]))
    r = client(server).get("/feeds/popsci.atom?topic=plantprot")
    assert r.status == 200 and r.header("Content-Type").startswith("application/atom+xml")
    assert "<feed xmlns=\"http://www.w3.org/2005/Atom\">" in r.text and title in r.text and cid in r.text
    assert title in client(server).get("/feeds/popsci.atom?region=510107").text
    assert title not in client(server).get("/feeds/popsci.atom?region=630100").text
    assert title not in client(server).get("/feeds/popsci.atom?topic=health").text


# ---- questions ----

def test_question_expert_notified_answer_accepted_published(server):
    expert = client(server, "scientist2")
    r = expert.api("PUT", "/api/v1/popsci/experts", {"topics": ["plantprot"], "regions": ["510100"]})
    assert r.status == 200 and {"topic": "plantprot", "region": "510100"} in r.json["items"]
    asker = client(server, "org_member")
    title = uniq("稻叶上有褐色斑点怎么办")
    r = post_multipart(asker, "/popsci/questions", [("title", title), ("body", ""), ("topic", "plantprot"),
                                                     ("region", "510107")], [])
    assert r.status == 422 and "问题不能为空" in r.text
    r = post_multipart(asker, "/popsci/questions", [("title", title), ("body", "叶片有褐斑"), ("topic", "plantprot"),
                                                     ("region", "510107")],
                       [("photo", ("x.pdf", "application/pdf", b"%PDF-1.4 not an image"))])
    assert r.status == 422 and "只能上传" in r.text
    r = post_multipart(asker, "/popsci/questions", [("title", title), ("body", "叶片有褐斑，已经一周"),
                                                     ("topic", "plantprot"), ("region", "510107")],
                       [("photo", ("leaf.png", "image/png", png()))])
    assert r.status == 303, r
    qid = re.match(r"^/popsci/questions/([0-9A-Z]{26})", r.header("Location")).group(1)
    assert title in expert.api("GET", "/api/v1/notifications").text, "the registered expert was notified"
    q = client(server).api("GET", "/api/v1/questions/" + qid).json
    assert q["status"] == "open" and len(q["photos"]) == 1
    assert 'action="/popsci/questions/%s/answers"' % qid in expert.get("/popsci/questions/" + qid).text
    assert client(server).get("/popsci/images/" + q["photos"][0]["id"]).status == 200
    r = expert.api("POST", "/api/v1/questions/%s/answers" % qid, {"body": ""})
    assert r.status == 422
    r = expert.api("POST", "/api/v1/questions/%s/answers" % qid, {"body": "可能是稻瘟病，建议用三环唑防治"})
    assert r.status == 201
    aid = r.json["answer_id"]
    assert client(server, "scientist").api("POST", "/api/v1/answers/%s/accept" % aid).status == 403
    r = asker.post_form("/popsci/answers/%s/accept" % aid, {})
    assert r.status == 303
    q = client(server).api("GET", "/api/v1/questions/" + qid).json
    assert q["status"] == "answered" and q["answers"][0]["accepted"] == 1
    assert any(n["kind"] == "popsci_accepted" and n["subject"] == title
               for n in expert.api("GET", "/api/v1/notifications").json["items"])
    assert asker.api("POST", "/api/v1/questions/%s/publish" % qid).status == 403
    r = client(server, "operator").api("POST", "/api/v1/questions/%s/publish" % qid)
    assert r.status == 201 and r.json["status"] == "published" and "三环唑" in r.json["body_html"]
    assert "三环唑" in client(server).get("/popsci/" + r.json["id"]).text
    r = client(server).api("POST", "/api/v1/questions", {"title": "x", "body": "y", "topic": "rice", "region": "510107"})
    assert r.status == 401
    r = asker.api("POST", "/api/v1/questions", {"title": "x", "body": "y", "topic": "zzz", "region": "1"})
    assert r.status == 422 and set(field_codes(r)) >= {"topic", "region"}


# ---- statistics ----

def test_stats_hide_cells_under_five_people(server):
    cid = publish(server, create(client(server, "scientist"), topic="youth", title=uniq("青少年科学实验")))
    for region, n in (("630102", 5), ("630103", 4)):
        for _ in range(n):
            c = resident(server)
            assert c.api("PUT", "/api/v1/popsci/profile", {"region": region}).status == 200
            assert c.api("POST", "/api/v1/popsci/%s/events" % cid, {"kind": "open"}).status == 200
            assert c.api("POST", "/api/v1/popsci/%s/events" % cid, {"kind": "useful"}).status == 200
    s = client(server, "operator").api("GET", "/api/v1/popsci/stats")
    assert s.status == 200 and s.json["k"] == 5
    cells = {(r["topic"], r["region"]): r for r in s.json["reading"]}
    assert cells[("youth", "630102")]["people"] >= 5 and cells[("youth", "630102")]["useful"] >= 5
    assert ("youth", "630103") not in cells and s.json["suppressed"] >= 1
    assert all(r["people"] >= 5 for r in s.json["reading"] + s.json["questions"])
    assert "user_id" not in s.text


# ---- access ----

def test_authorization_matrix(server):
    roles = [None, "scientist", "org_member", "operator", "admin"]
    expect = {
        ("GET", "/api/v1/popsci/stats"): [401, 403, 403, 200, 200],
        ("GET", "/api/v1/popsci/review"): [401, 403, 403, 200, 200],
        ("GET", "/api/v1/feed"): [401, 200, 200, 200, 200],
        ("GET", "/api/v1/popsci/profile"): [401, 200, 200, 200, 200],
        ("GET", "/api/v1/popsci"): [200, 200, 200, 200, 200],
        ("GET", "/api/v1/questions"): [200, 200, 200, 200, 200],
    }
    pages = {
        "/popsci/review": [303, 403, 403, 200, 200],
        "/popsci/notices/new": [303, 403, 403, 200, 200],
        "/popsci/profile": [303, 200, 200, 200, 200],
        "/popsci/feed": [303, 200, 200, 200, 200],
        "/popsci/questions/new": [303, 200, 200, 200, 200],
        "/popsci": [200, 200, 200, 200, 200],
        "/popsci/questions": [200, 200, 200, 200, 200],
    }
    clients = [client(server, r) for r in roles]
    for (method, path), want in expect.items():
        got = [c.api(method, path).status for c in clients]
        assert got == want, (path, got)
    for path, want in pages.items():
        got = [c.get(path).status for c in clients]
        got = [303 if s in (302, 303, 401) and i == 0 else s for i, s in enumerate(got)]
        assert got == want, (path, got)


def test_profile_never_visible_to_others(server):
    a = resident(server)
    assert a.api("PUT", "/api/v1/popsci/profile", {"crops": "独特作物甲", "region": "510107"}).status == 200
    b = resident(server)
    assert "独特作物甲" not in b.api("GET", "/api/v1/popsci/profile").text
    assert "独特作物甲" not in client(server, "admin").api("GET", "/api/v1/popsci/stats").text
    assert "独特作物甲" not in client(server, "admin").get("/popsci/profile").text


# ---- courses, experts page, teams ----

def test_course_of_published_items_and_experts_page(server):
    sci = client(server, "scientist")
    a = publish(server, create(sci, title=uniq("第一课 选种")))
    b = publish(server, create(sci, title=uniq("第二课 育秧")))
    r = sci.api("POST", "/api/v1/popsci", {"kind": "course", "title": uniq("水稻课程"), "topic": "rice",
                                           "items": [a, "01ARZ3NDEKTSV4RRFFQ69G5FAV"]})
    assert r.status == 422 and "items" in field_codes(r)
    course = publish(server, create(sci, kind="course", title=uniq("水稻课程"), body="", items=[a, b]))
    page = client(server).get("/popsci/" + course).text
    assert page.index("/popsci/" + a) < page.index("/popsci/" + b), "items in order"
    c = resident(server)
    r = c.post_form("/popsci/experts", {"topics": ["livestock"], "regions": "630100 630102"})
    assert r.status == 303
    assert c.api("GET", "/api/v1/popsci/experts").json["items"] == [
        {"topic": "livestock", "region": "630100"}, {"topic": "livestock", "region": "630102"}]
    r = c.post_form("/popsci/experts", {"topics": ["livestock"], "regions": "99"})
    assert r.status == 422 and "未知的地区" in r.text


def test_team_page_shows_members_areas_and_record(server):
    lead = client(server, "scientist2")
    r = lead.api("POST", "/api/v1/popsci/teams", {"name": uniq("农技服务队"), "intro": "水稻病虫害", "regions": ["510100"]})
    assert r.status == 201, r
    tid = r.json["id"]
    assert lead.api("POST", "/api/v1/popsci/teams/%s/members" % tid, {"email": "zhang.wei@demo.kejiyun.cn"}).status == 200
    assert client(server, "org_member").api("POST", "/api/v1/popsci/teams/%s/members" % tid,
                                             {"email": "liu.yang@demo.kejiyun.cn"}).status == 403
    assert lead.api("POST", "/api/v1/popsci/teams/%s/members" % tid, {"email": "nobody@example.cn"}).status == 422
    assert lead.api("POST", "/api/v1/popsci/teams", {"name": ""}).status == 422
    t = client(server).api("GET", "/api/v1/popsci/teams/" + tid).json
    assert len(t["members"]) == 2 and t["regions"] == ["510100"] and t["published"] >= 1
    page = client(server).get("/popsci/teams/" + tid)
    assert page.status == 200 and "成都市" in page.text and "team-record" in page.text
    assert tid in client(server).get("/popsci/teams").text


def test_team_web_pages_create_add_member_and_show_work(server):
    lead = client(server, "scientist2")
    assert 'id="new-team"' in lead.get("/popsci/teams").text
    assert 'id="new-team"' not in client(server).get("/popsci/teams").text
    assert client(server).get("/popsci/teams/new").status in (302, 303, 401)
    form = lead.get("/popsci/teams/new")
    assert form.status == 200 and 'id="team-form"' in form.text
    r = lead.post_form("/popsci/teams", {"name": "", "intro": "x", "regions": "510100"})
    assert r.status == 422 and "请填写名称" in r.text
    r = lead.post_form("/popsci/teams", {"name": "队", "regions": "999999"})
    assert r.status == 422 and "未知的地区" in r.text
    name = uniq("乐山植保服务队")
    r = lead.post_form("/popsci/teams", {"name": name, "intro": "稻瘟病、飞防作业指导", "regions": "511100 510100"})
    assert r.status == 303, r
    tid = re.match(r"^/popsci/teams/([0-9A-Z]{26})", r.header("Location")).group(1)
    page = lead.get("/popsci/teams/" + tid).text
    assert name in page and "乐山市" in page and "成都市" in page and 'id="member-form"' in page
    # Only the team's creator (or staff) adds members; unknown e-mail is a clear error.
    assert 'id="member-form"' not in client(server, "org_member").get("/popsci/teams/" + tid).text
    assert client(server, "org_member").post_form("/popsci/teams/%s/members" % tid,
                                                   {"email": "liu.yang@demo.kejiyun.cn"}).status == 403
    r = lead.post_form("/popsci/teams/%s/members" % tid, {"email": "nobody@example.cn"})
    assert r.status == 422 and "没有使用这个邮箱的用户" in r.text
    r = lead.post_form("/popsci/teams/%s/members" % tid, {"email": "zhang.wei@demo.kejiyun.cn"})
    assert r.status == 303 and r.header("Location").endswith("?added=1")
    # What the team did: a member's answer and published content are listed.
    asker = resident(server)
    q = asker.api("POST", "/api/v1/questions", {"title": uniq("秧苗发黄怎么办"), "body": "叶尖发黄", "topic": "rice",
                                                "region": "511102"})
    assert q.status == 201, q
    a = client(server, "scientist").api("POST", "/api/v1/questions/%s/answers" % q.json["id"], {"body": "先查根系"})
    assert a.status == 201, a
    assert asker.post_form("/popsci/answers/%s/accept" % a.json["answer_id"], {}).status == 303
    cid = publish(server, create(client(server, "scientist"), title=uniq("秧苗管理要点")))
    anon = client(server)
    page = anon.get("/popsci/teams/" + tid)
    assert page.status == 200 and q.json["title"] in page.text and "/popsci/" + cid in page.text
    assert "已采纳" in page.text and "zhang.wei" not in page.text, "names only, never e-mail addresses"
    members = re.search(r'<ul id="team-members">(.*?)</ul>', page.text).group(1)
    assert members.count("<li>") == 2
    assert name in anon.get("/popsci/teams").text
    assert anon.get("/popsci/teams/" + "0" * 26).status == 404


def test_forbidden_edit_page_is_translated(server):
    # Issue 12: the raw key "err.forbidden" showed on this page.
    cid = create(client(server, "scientist"))
    publish(server, cid)
    for lang, text in (("zh-CN", "你没有权限进行此操作。"), ("en", "You are not allowed to do this.")):
        r = client(server, "scientist2").get("/popsci/%s/edit" % cid, headers={"Accept-Language": lang})
        assert r.status == 403, r
        raw_keys = re.findall(r">[^<]*\b((?:err|popsci|nav|common)\.[a-z_.]+)", r.text)
        assert not raw_keys and text in r.text, (raw_keys, r.text[-1500:])
