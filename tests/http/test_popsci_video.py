"""Popular-science short videos as uploaded files: type decided by content
(libmagic), the size limit from the configuration (--max-video), private
until published, served with HTTP Range for seeking (206, 416), and shown
with a <video> element that preloads nothing."""
import re
import struct

from test_popsci import client, post_multipart, publish, rgb_png, uniq

MAX_VIDEO = 200000
SERVER_ARGS = ["--max-video", str(MAX_VIDEO)]


def mp4(size):
    """An MP4 file libmagic recognises (ftyp box) padded to size bytes."""
    ftyp = b"ftypisom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    head = struct.pack(">I", 8 + len(ftyp)) + ftyp
    body = bytes((i * 7) % 251 for i in range(size - len(head) - 8))
    return head + struct.pack(">I", 8 + len(body)) + b"mdat" + body


def video_form(title):
    return [("kind", "video"), ("title", title), ("topic", "plantprot"), ("audience", "rural"),
            ("summary", "植保无人机喷洒作业演示"), ("transcript", "大家好，今天演示无人机飞防。")]


def test_video_upload_checked_by_content_and_size(server):
    c = client(server, "scientist")
    r = post_multipart(c, "/popsci", video_form(uniq("飞防演示")), [])
    assert r.status == 422 and "视频需要上传文件或填写" in r.text, "a video needs a file or a link"
    r = post_multipart(c, "/popsci", video_form(uniq("飞防演示")),
                       [("video", ("fake.mp4", "video/mp4", rgb_png(40, 20)))])
    assert r.status == 422 and "只能上传 MP4 或 WebM 视频" in r.text, r
    r = post_multipart(c, "/popsci", video_form(uniq("飞防演示")),
                       [("video", ("big.mp4", "video/mp4", mp4(MAX_VIDEO + 1000)))])
    assert r.status == 422 and "视频太大" in r.text, r


def test_video_served_with_ranges_after_publication(server):
    c = client(server, "scientist")
    data = mp4(150000)
    r = post_multipart(c, "/popsci", video_form(uniq("飞防演示")),
                       [("video", ("demo.mp4", "video/mp4", data)), ("poster", ("p.png", "image/png", rgb_png(640, 360)))])
    assert r.status == 303, r
    cid = re.match(r"^/popsci/([0-9A-Z]{26})", r.header("Location")).group(1)
    vid = c.api("GET", "/api/v1/popsci/" + cid).json["video_id"]
    assert vid and client(server).get("/popsci/videos/" + vid).status == 404, "private until published"
    assert c.get("/popsci/videos/" + vid).status == 200, "the uploader may watch it"
    assert client(server, "operator").get("/popsci/videos/" + vid).status == 200, "and the reviewer"
    assert client(server, "scientist2").get("/popsci/videos/" + vid).status == 404
    publish(server, cid)
    anon = client(server)
    full = anon.get("/popsci/videos/" + vid)
    assert full.status == 200 and full.body == data and full.header("Content-Type") == "video/mp4"
    assert full.header("Accept-Ranges") == "bytes" and full.header("Content-Encoding") is None
    part = anon.get("/popsci/videos/" + vid, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and part.body == data[100:200], part
    assert part.header("Content-Range") == "bytes 100-199/%d" % len(data)
    tail = anon.get("/popsci/videos/" + vid, headers={"Range": "bytes=-50"})
    assert tail.status == 206 and tail.body == data[-50:]
    seek = anon.get("/popsci/videos/" + vid, headers={"Range": "bytes=149000-"})
    assert seek.status == 206 and seek.body == data[149000:]
    assert seek.header("Content-Range") == "bytes 149000-%d/%d" % (len(data) - 1, len(data))
    over = anon.get("/popsci/videos/" + vid, headers={"Range": "bytes=%d-" % len(data)})
    assert over.status == 416 and over.header("Content-Range") == "bytes */%d" % len(data)
    bad = anon.get("/popsci/videos/" + vid, headers={"Range": "bytes=abc"})
    assert bad.status == 200 and len(bad.body) == len(data), "a malformed range is ignored"
    page = anon.get("/popsci/" + cid).text
    tag = re.search(r"<video [^>]*>", page).group(0)
    assert 'src="/popsci/videos/%s"' % vid in tag and 'preload="none"' in tag and "controls" in tag
    assert 'poster="/popsci/images/' in tag and "大家好，今天演示无人机飞防。" in page
    assert anon.get("/popsci/videos/" + "0" * 26).status == 404
