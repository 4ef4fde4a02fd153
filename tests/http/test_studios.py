"""Studios over HTTP: opening (page and API), validation, invitations and
joining, removal, who may do what, the public pages, avatar uploads
(type by content, size limit, metadata stripped) and /files/{id} headers."""
import re
import struct
import time
import uuid
import zlib

from harness import Client, DEMO, unique_email, verify_email

_seq = [0]


def uniq(prefix):
    _seq[0] += 1
    return "%s %d-%d" % (prefix, int(time.time() * 1000) % 100000, _seq[0])


def client(server, role=None):
    c = Client(server)
    if role:
        c.login_as(role)
    return c


def me(c):
    return c.api("GET", "/api/v1/me").json


def studio_id_from(r):
    m = re.match(r"^/studios/([0-9A-Z]{26})", r.header("Location") or "")
    assert m, r
    return m.group(1)


def open_studio(c, **fields):
    form = {"name": uniq("测试工作室"), "intro": "介绍", "region": "510107"}
    form.update(fields)
    r = c.post_form("/studios", form)
    assert r.status == 303, r
    return studio_id_from(r)


# ---- files for uploads ----

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png(text=None):
    """A valid 1×1 RGB PNG, optionally with a tEXt chunk."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    chunks = png_chunk(b"IHDR", ihdr)
    if text:
        chunks += png_chunk(b"tEXt", b"Author\x00" + text)
    return b"\x89PNG\r\n\x1a\n" + chunks + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg(exif_text):
    """A structurally valid JPEG stream with an EXIF APP1 segment."""
    return (b"\xff\xd8"
            + jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + jpeg_segment(0xE1, b"Exif\x00\x00MM\x00*" + exif_text)
            + jpeg_segment(0xDB, b"\x00" + bytes(range(64)))
            + jpeg_segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
            + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x12\x34\xff\x00\x56"
            + b"\xff\xd9")


def multipart(fields, files):
    boundary = "----kj" + uuid.uuid4().hex
    out = b""
    for name, value in fields.items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, name, value)).encode()
    for name, (filename, ctype, data) in files.items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                % (boundary, name, filename, ctype)).encode() + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=" + boundary


def upload_avatar(c, sid, filename, data, ctype="image/png"):
    body, ctype_header = multipart({"_csrf": c.csrf()}, {"avatar": (filename, ctype, data)})
    return c.request("POST", "/studios/%s/avatar" % sid, body=body, headers={"Content-Type": ctype_header})


def avatar_url(c, sid):
    url = c.api("GET", "/api/v1/studios/" + sid).json.get("avatar_url")
    assert url and url.startswith("/files/"), url
    return url


# ---- opening and editing ----

def test_open_studio_page_and_public_profile(server):
    c = client(server, "scientist")
    assert c.get("/studios/new").status == 200
    name = uniq("智能农机工作室")
    r = c.post_form("/studios", {"name": name, "intro": "第一行\n第二行", "directions": "智能农机\n精准灌溉\n智能农机",
                                 "skills": "嵌入式系统\n  机器视觉  ", "affiliation": "西南某大学", "region": "510107"})
    assert r.status == 303 and r.header("Location").endswith("?created=1"), r
    sid = studio_id_from(r)
    page = client(server).get("/studios/" + sid)             # anonymous: public
    assert page.status == 200, page
    t = page.text
    assert name in t and "西南某大学" in t and "成都市武侯区" in t
    assert t.count("<li>智能农机</li>") == 1 and "<li>精准灌溉</li>" in t and "<li>机器视觉</li>" in t
    assert me(c)["name"] in t and 'id="showcase-empty"' in t
    assert "/studios/%s/edit" % sid not in t                  # no manage link for visitors
    assert "/studios/%s/edit" % sid in c.get("/studios/" + sid).text
    listing = client(server).get("/studios?region=510000")
    assert listing.status == 200 and name in listing.text and "/studios/" + sid in listing.text
    assert name not in client(server).get("/studios?region=630000").text
    assert name in client(server).get("/studios?region=510107").text


def test_validation_keeps_typed_values(server):
    c = client(server, "scientist")
    many = "\n".join("方向%d" % i for i in range(21))
    r = c.post_form("/studios", {"name": "A", "intro": "我的介绍<script>", "directions": many,
                                 "skills": "x" * 101, "region": "999999", "affiliation": "某研究所"})
    assert r.status == 422, r
    t = r.text
    assert 'value="A"' in t and "我的介绍&lt;script&gt;" in t and "方向20" in t and 'value="某研究所"' in t
    assert "工作室名称应为 2–60 个字符" in t and "最多填写 20 项" in t and "每一项不能超过 100 个字符" in t
    assert "没有这个地区" in t
    r = c.post_form("/studios", {"name": "", "intro": "x"})
    assert r.status == 422 and "此项必填" in r.text
    r = c.post_form("/studios", {"name": "好名字工作室", "intro": "长" * 2001})
    assert r.status == 422 and "不能超过 2000 个字符" in r.text


def test_edit_studio_page(server):
    c = client(server, "scientist")
    sid = open_studio(c, directions="甲\n乙")
    r = c.get("/studios/%s/edit" % sid)
    assert r.status == 200 and "甲\n乙" in r.text, r
    new_name = uniq("改名工作室")
    r = c.post_form("/studios/%s/edit" % sid, {"name": new_name, "intro": "", "directions": "丙", "skills": "",
                                               "affiliation": "", "region": ""})
    assert r.status == 303 and r.header("Location").endswith("/edit?saved=1"), r
    s = c.api("GET", "/api/v1/studios/" + sid).json
    assert s["name"] == new_name and s["intro"] == "" and s["directions"] == ["丙"] and s.get("region") is None
    r = c.post_form("/studios/%s/edit" % sid, {"name": "B", "intro": "保留"})
    assert r.status == 422 and 'value="B"' in r.text and "保留" in r.text


def test_api_create_get_patch_list(server):
    c = client(server, "scientist")
    name = uniq("API工作室")
    r = c.api("POST", "/api/v1/studios", {"name": name, "intro": "简介", "directions": ["材料", "能源", "材料"],
                                          "skills": "建模\n仿真", "region": "630100"})
    assert r.status == 201, r
    s = r.json
    assert r.header("Location") == "/api/v1/studios/" + s["id"]
    assert s["directions"] == ["材料", "能源"] and s["skills"] == ["建模", "仿真"]
    assert s["members"][0]["role"] == "owner" and s["members"][0]["name"] == me(c)["name"]
    assert s["listings"] == [] and "email" not in str(s["members"])
    r = c.api("PATCH", "/api/v1/studios/" + s["id"], {"intro": "", "skills": ["统计"]})
    assert r.status == 200 and r.json["intro"] == "" and r.json["skills"] == ["统计"], r
    assert r.json["name"] == name and r.json["directions"] == ["材料", "能源"]
    r = c.api("PATCH", "/api/v1/studios/" + s["id"], {"name": "X", "directions": [1, 2]})
    assert r.status == 422, r
    codes = {e["field"]: e["code"] for e in r.json["errors"]}
    assert codes == {"name": "err.studio.name_length", "directions": "err.field.invalid"}, codes
    r = c.api("POST", "/api/v1/studios", {"name": "好名字", "skills": ["技能%d" % i for i in range(21)]})
    assert r.status == 422 and r.json["errors"][0]["code"] == "err.studio.list_too_long", r
    anon = client(server)
    page = anon.api("GET", "/api/v1/studios?per_page=1")
    assert page.status == 200 and page.json["per_page"] == 1 and len(page.json["items"]) == 1
    assert page.json["total"] >= 1 and page.json["page"] == 1
    qh = anon.api("GET", "/api/v1/studios?region=630000&per_page=100").json
    assert s["id"] in [i["id"] for i in qh["items"]]
    assert s["id"] not in [i["id"] for i in anon.api("GET", "/api/v1/studios?region=510000&per_page=100").json["items"]]
    assert anon.api("GET", "/api/v1/studios?per_page=1000").status == 422
    assert anon.api("GET", "/api/v1/studios/01ARZ3NDEKTSV4RRFFQ69G5FAV").status == 404
    assert anon.api("GET", "/api/v1/studios/nope").status == 404


# ---- who may do what ----

def test_non_scientists_refused_with_clear_message(server):
    for role in ("org_member", "operator"):
        c = client(server, role)
        for r in (c.get("/studios/new"), c.post_form("/studios", {"name": "机构工作室"}), c.get("/studios/mine")):
            assert r.status == 403 and "只有科技工作者" in r.text, (role, r)
        r = c.api("POST", "/api/v1/studios", {"name": "机构工作室"})
        assert r.status == 403 and "只有科技工作者" in r.json["detail"], r
        assert "/studios/new" not in c.get("/studios").text


def test_authorization_matrix(server):
    owner = client(server, "scientist")
    sid = open_studio(owner)
    anon, other, org = client(server), client(server, "scientist2"), client(server, "org_member")
    # Anonymous: public pages open, the rest asks to log in.
    assert anon.get("/studios").status == 200 and anon.get("/studios/" + sid).status == 200
    for path in ("/studios/new", "/studios/mine", "/studios/%s/edit" % sid):
        r = anon.get(path)
        assert r.status == 303 and r.header("Location").startswith("/login?next="), (path, r)
    r = anon.post_form("/studios/%s/edit" % sid, {"name": "x"})
    assert r.status == 303 and r.header("Location").startswith("/login"), r
    assert anon.api("POST", "/api/v1/studios", {"name": "匿名"}).status == 401
    assert anon.api("PATCH", "/api/v1/studios/" + sid, {"name": "匿名"}).status == 401
    # Signed in but not the owner: 403 on every owner action.
    for c in (other, org):
        assert c.get("/studios/%s/edit" % sid).status == 403
        assert c.post_form("/studios/%s/edit" % sid, {"name": "抢注工作室"}).status == 403
        assert c.post_form("/studios/%s/members" % sid, {"email": "a@example.cn"}).status == 403
        assert c.post_form("/studios/%s/members/remove" % sid, {"email": DEMO["scientist"][0]}).status == 403
        assert upload_avatar(c, sid, "a.png", make_png()).status == 403
        assert c.api("PATCH", "/api/v1/studios/" + sid, {"name": "抢注工作室"}).status == 403
        assert c.api("POST", "/api/v1/studios/%s/members" % sid, {"email": "a@example.cn"}).status == 403
    assert "只有工作室负责人" in other.get("/studios/%s/edit" % sid).text
    # CSRF still applies to the owner's forms.
    r = owner.post_form("/studios/%s/edit" % sid, {"name": "无令牌"}, with_csrf=False)
    assert r.status == 403
    assert owner.get("/studios/nope/edit").status == 404


# ---- members ----

def test_invite_join_remove(server):
    owner, invitee = client(server, "scientist"), client(server, "scientist2")
    sid = open_studio(owner)
    invitee_name = me(invitee)["name"]
    r = owner.post_form("/studios/%s/members" % sid, {"email": DEMO["scientist2"][0].upper()})
    assert r.status == 303 and r.header("Location").endswith("?invited=1"), r
    r = owner.post_form("/studios/%s/members" % sid, {"email": DEMO["scientist2"][0]})
    assert r.status == 409 and "已被邀请" in r.text and 'id="invite-error"' in r.text, r
    r = owner.post_form("/studios/%s/members" % sid, {"email": "not-an-address"})
    assert r.status == 422 and 'value="not-an-address"' in r.text
    roster = owner.get("/studios/%s/edit" % sid).text
    assert DEMO["scientist2"][0] in roster and "已邀请，待接受" in roster
    public = client(server).get("/studios/" + sid).text
    assert invitee_name not in public and DEMO["scientist2"][0] not in public
    mine = invitee.get("/studios/mine")
    assert mine.status == 200 and "/studios/%s/join" % sid in mine.text
    assert "收到了加入该工作室的邀请" in invitee.get("/studios/" + sid).text
    r = invitee.post_form("/studios/%s/join" % sid, {})
    assert r.status == 303 and r.header("Location") == "/studios/%s?joined=1" % sid, r
    assert invitee_name in client(server).get("/studios/" + sid).text
    s = client(server).api("GET", "/api/v1/studios/" + sid).json
    assert [m["role"] for m in s["members"]] == ["owner", "member"]
    mine = invitee.get("/studios/mine").text
    assert "/studios/%s/join" % sid not in mine and "/studios/" + sid in mine
    assert invitee.get("/studios/%s/edit" % sid).status == 403          # members do not manage
    assert invitee.post_form("/studios/%s/join" % sid, {}).status == 303  # accepting twice is harmless
    r = owner.post_form("/studios/%s/members/remove" % sid, {"email": DEMO["scientist"][0]})
    assert r.status == 409 and "不能移除工作室负责人" in r.text
    r = owner.post_form("/studios/%s/members/remove" % sid, {"email": DEMO["scientist2"][0]})
    assert r.status == 303, r
    assert invitee_name not in client(server).get("/studios/" + sid).text
    assert owner.post_form("/studios/%s/members/remove" % sid, {"email": DEMO["scientist2"][0]}).status == 404


def test_invitation_for_an_address_without_account_yet(server):
    owner = client(server, "scientist")
    email = unique_email("later")
    r = owner.api("POST", "/api/v1/studios", {"name": uniq("邀请工作室")})
    sid = r.json["id"]
    r = owner.api("POST", "/api/v1/studios/%s/members" % sid, {"email": email})
    assert r.status == 201 and r.json == {"studio_id": sid, "email": email, "role": "member", "status": "invited"}, r
    assert owner.api("POST", "/api/v1/studios/%s/members" % sid, {"email": email}).status == 409
    newcomer = Client(server)
    r = newcomer.post_form("/register", {"role": "scientist", "name": "新来的研究员", "email": email,
                                         "password": "long enough pw 1"})
    assert r.status == 303, r
    newcomer.login(email, "long enough pw 1")
    # Whoever registered the address has not shown that they own it: the
    # invitation waits (issue 12: it could be claimed by the first comer).
    assert "/studios/%s/join" % sid not in newcomer.get("/studios/mine").text
    r = newcomer.api("POST", "/api/v1/studios/%s/join" % sid)
    assert r.status == 403 and "验证" in r.json["detail"], r
    r = newcomer.post_form("/studios/%s/join" % sid, {})
    assert r.status == 403, r
    members = owner.api("GET", "/api/v1/studios/%s" % sid).json["members"]
    assert "新来的研究员" not in [m["name"] for m in members], members
    # Once the address is verified (the link from the e-mail), the claim works.
    verify_email(server, email)
    assert "/studios/%s/join" % sid in newcomer.get("/studios/mine").text
    r = newcomer.api("POST", "/api/v1/studios/%s/join" % sid)
    assert r.status == 200 and "新来的研究员" in [m["name"] for m in r.json["members"]], r
    stranger = client(server, "scientist2")
    r = stranger.api("POST", "/api/v1/studios/%s/join" % sid)
    assert r.status == 404 and "没有找到发给你的邀请" in r.json["detail"], r


def test_org_member_cannot_join_even_when_invited(server):
    owner, org = client(server, "scientist"), client(server, "org_member")
    sid = open_studio(owner)
    assert owner.post_form("/studios/%s/members" % sid, {"email": DEMO["org_member"][0]}).status == 303
    r = org.post_form("/studios/%s/join" % sid, {})
    assert r.status == 403 and "只有科技工作者" in r.text, r
    assert org.api("POST", "/api/v1/studios/%s/join" % sid).status == 403


# ---- avatars and files ----

def test_avatar_png_served_with_safe_headers(server):
    c = client(server, "scientist")
    sid = open_studio(c)
    png = make_png(text=b"Zhang Wei, Chengdu")
    r = upload_avatar(c, sid, "我的头像.png", png)
    assert r.status == 303 and r.header("Location").endswith("/edit?avatar=1"), r
    url = avatar_url(c, sid)
    assert ('src="%s"' % url) in client(server).get("/studios/" + sid).text
    f = client(server).get(url)                                   # avatars are public
    assert f.status == 200, f
    assert f.header("Content-Type") == "image/png"
    assert f.header("X-Content-Type-Options") == "nosniff"
    assert f.header("Cache-Control").startswith("private")
    assert f.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'"
    cd = f.header("Content-Disposition")
    assert cd.startswith("inline;") and "filename*=UTF-8''%E6%88%91%E7%9A%84%E5%A4%B4%E5%83%8F.png" in cd, cd
    assert f.body.startswith(b"\x89PNG") and b"tEXt" not in f.body and b"Zhang Wei" not in f.body
    assert f.body == make_png()                                   # only the text chunk went
    assert client(server).get(url, headers={"If-None-Match": f.header("ETag")}).status == 304
    old = url
    assert upload_avatar(c, sid, "second.png", make_png()).status == 303
    assert avatar_url(c, sid) != old and client(server).get(old).status == 404   # replaced avatar is gone


def test_avatar_refused_by_content(server):
    c = client(server, "scientist")
    sid = open_studio(c)
    r = upload_avatar(c, sid, "fake.png", b"this is plain text, not a picture\n" * 10)
    assert r.status == 422 and "不支持的文件类型" in r.text and 'id="avatar-error"' in r.text, r
    r = upload_avatar(c, sid, "page.png", b"<!doctype html><html><body><script>alert(1)</script></body></html>")
    assert r.status == 422, r
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    r = upload_avatar(c, sid, "doc.png", pdf, "image/png")
    assert r.status == 422 and "头像只能是" in r.text, r
    r = upload_avatar(c, sid, "broken.png", make_png()[:40])
    assert r.status == 422 and "损坏" in r.text, r
    body, ctype = multipart({"_csrf": c.csrf()}, {})
    r = c.request("POST", "/studios/%s/avatar" % sid, body=body, headers={"Content-Type": ctype})
    assert r.status == 422 and "请选择要上传的文件" in r.text, r
    assert c.api("GET", "/api/v1/studios/" + sid).json.get("avatar_id") is None


def test_avatar_too_large(server):
    c = client(server, "scientist")
    sid = open_studio(c)
    big = make_png() + b"\x00" * (10 * 1024 * 1024 + 100)
    r = upload_avatar(c, sid, "big.png", big)
    assert r.status == 413 and "内容太大" in r.text, r


def test_jpeg_exif_stripped(server):
    c = client(server, "scientist")
    sid = open_studio(c)
    jpeg = make_jpeg(b"GPS 30.6586N 104.0648E Canon owner Zhang Wei")
    r = upload_avatar(c, sid, "photo.jpg", jpeg, "image/jpeg")
    assert r.status == 303, r
    f = client(server).get(avatar_url(c, sid))
    assert f.status == 200 and f.header("Content-Type") == "image/jpeg", f
    assert f.body.startswith(b"\xff\xd8\xff\xe0") and f.body.endswith(b"\xff\xd9")
    assert b"Exif" not in f.body and b"GPS" not in f.body and b"Zhang" not in f.body
    assert b"\xff\xe1" not in f.body and b"\x12\x34\xff\x00\x56" in f.body
    assert len(f.body) == len(jpeg) - (4 + len(b"Exif\x00\x00MM\x00*GPS 30.6586N 104.0648E Canon owner Zhang Wei"))


def test_files_unknown_ids(server):
    c = client(server)
    assert c.get("/files/01ARZ3NDEKTSV4RRFFQ69G5FAV").status == 404
    assert c.get("/files/..%2f..%2fkejiyun.db").status == 404
    assert c.get("/files/nope").status == 404


# ---- organizations' public page ----

def test_org_page_shows_intro_and_showcase(server):
    c = client(server, "org_member")
    org_id = me(c)["org_id"]
    r = client(server).get("/orgs/" + org_id)
    assert r.status == 200 and "已发布的成果、服务与需求" in r.text, r
    assert me(c)["org_name"] in r.text
