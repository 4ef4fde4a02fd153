"""Heavy work never takes the server down (issue 12, item 9): an image is
refused by its header before anything decodes it when it declares more
pixels than max_image_pixels (avatars, listing attachments, popular-science
images, page and API); password hashing, image variants and contract PDFs
run on the heavy worker pool, so /healthz and other users' writes keep
answering while four clients log in in a loop and a decompression bomb is
uploaded; a full pool answers 503 with Retry-After."""
import re
import struct
import threading
import time
import uuid
import zlib

import harness
from harness import multipart_body as multipart, DEMO, Client, unique_email

SERVER_ARGS = []      # its own server: the login loops must not slow other modules' tests


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(w=6000, h=6000):
    """A valid w × h 8-bit grey PNG, all black: 36 MB of pixels in ~35 KB."""
    raw = (b"\x00" * (w + 1)) * h
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
            + png_chunk(b"IEND", b""))


def small_png(w=64, h=48):
    raw = (b"\x00" + b"\x80\x40\x20" * w) * h
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw))
            + png_chunk(b"IEND", b""))


BOMB = bomb_png()


def post_multipart(c, path, fields, files, api=False):
    fields = list(fields) if api else [("_csrf", c.csrf())] + list(fields)
    body, ctype = multipart(fields, files)
    headers = {"Content-Type": ctype}
    if api:
        headers["Accept"] = "application/json"
    return c.request("POST", path, body=body, headers=headers)


def user(server, role):
    c = Client(server)
    c.login_as(role)
    return c


def timed(fn, *args, **kw):
    t0 = time.monotonic()
    r = fn(*args, **kw)
    return r, time.monotonic() - t0


def new_studio(c):
    r = c.post_form("/studios", {"name": "像素测试工作室 %s" % uuid.uuid4().hex[:8], "intro": "介绍", "region": "510107"})
    assert r.status == 303, r
    return re.match(r"^/studios/([0-9A-Z]{26})", r.header("Location")).group(1)


def new_listing(c, **over):
    body = {"kind": "achievement", "title": "像素测试成果 %s" % uuid.uuid4().hex[:8], "summary": "面向巡检的视觉识别成果。",
            "domain": "D0101", "region": "510107", "trl": 5, "coop_modes": ["transfer"], "keywords": ["巡检"]}
    body.update(over)
    r = c.api("POST", "/api/v1/listings", body)
    assert r.status == 201, r
    return r.json["id"]


PIXELS_ZH = "图片像素过多"


def test_bomb_png_is_small_and_declares_36_megapixels(server):
    assert len(BOMB) < 110 * 1024 and struct.unpack(">II", BOMB[16:24]) == (6000, 6000)


def test_avatar_over_the_pixel_budget_refused_at_once(server):
    c = user(server, "scientist")
    sid = new_studio(c)
    r, took = timed(post_multipart, c, "/studios/%s/avatar" % sid, [], [("avatar", ("bomb.png", "image/png", BOMB))])
    assert r.status == 422 and PIXELS_ZH in r.text and 'id="avatar-error"' in r.text, r
    assert took < 1.0, "refused in %.2f s" % took
    # An ordinary picture still passes.
    r = post_multipart(c, "/studios/%s/avatar" % sid, [], [("avatar", ("ok.png", "image/png", small_png()))])
    assert r.status == 303, r


def test_attachment_over_the_pixel_budget_refused_page_and_api(server):
    c = user(server, "scientist")
    lid = new_listing(c)
    r, took = timed(post_multipart, c, "/listings/%s/attachments" % lid, [("confidential", "0")],
                    [("file", ("bomb.png", "image/png", BOMB))])
    assert r.status == 422 and PIXELS_ZH in r.text, r
    assert took < 1.0, "refused in %.2f s" % took
    api = Client(server)                                  # bearer token: API multipart carries no cookie
    email, pw = DEMO["scientist"]
    api.token = api.api("POST", "/api/v1/login", {"email": email, "password": pw}).json["token"]
    r, took = timed(post_multipart, api, "/api/v1/listings/%s/attachments" % lid, [],
                    [("file", ("bomb.png", "image/png", BOMB))], api=True)
    assert r.status == 422 and r.header("Content-Type").startswith("application/problem+json"), r
    assert PIXELS_ZH in r.json["detail"], r.json
    assert took < 1.0, "refused in %.2f s" % took
    r = post_multipart(api, "/api/v1/listings/%s/attachments" % lid, [], [("file", ("ok.png", "image/png", small_png()))],
                       api=True)
    assert r.status == 201, r


def test_popsci_image_over_the_pixel_budget_refused_at_once(server):
    c = user(server, "scientist")
    form = [("kind", "article"), ("title", "像素测试 %s" % uuid.uuid4().hex[:8]), ("topic", "rice"),
            ("body", "正文"), ("audience", "rural")]
    for field in ("image", "poster"):
        r, took = timed(post_multipart, c, "/popsci", form, [(field, ("bomb.png", "image/png", BOMB))])
        assert r.status == 422 and PIXELS_ZH in r.text, r
        assert took < 1.0, "%s refused in %.2f s" % (field, took)
    ask = [("title", "像素测试提问 %s" % uuid.uuid4().hex[:8]), ("body", "叶子发黄怎么办？"), ("topic", "rice"),
           ("region", "510107")]
    r, took = timed(post_multipart, c, "/popsci/questions", ask, [("photo", ("bomb.png", "image/png", BOMB))])
    assert r.status == 422 and PIXELS_ZH in r.text, r
    assert took < 1.0, "question photo refused in %.2f s" % took


def healthz_once(server):
    """Latency of one /healthz on a new connection (a monitor's probe)."""
    t0 = time.monotonic()
    try:
        r = Client(server).get("/healthz")
        ok = r.status == 200
    except OSError:
        ok = False
    return ok, time.monotonic() - t0


def test_healthz_and_writes_answer_during_login_loops_and_bomb_uploads(server):
    """Four clients log in as fast as they can (argon2id, 64 MiB each) and
    a fifth uploads the 36-megapixel PNG again and again; meanwhile
    /healthz answers every probe within 1 s and another user's write
    succeeds. Bounded: 8 s of load."""
    stop = threading.Event()
    logins = [0] * 4
    errors = []

    def login_loop(i):
        email, pw = DEMO["scientist2" if i % 2 else "org_member2"]
        while not stop.is_set():
            try:
                c = Client(server)
                r = c.post_form("/login", {"email": email, "password": pw})
                if r.status == 303:
                    logins[i] += 1
                elif r.status != 503:
                    errors.append("login %d" % r.status)
            except OSError as e:
                errors.append("login %r" % e)

    uploader = user(server, "scientist")
    form = [("kind", "article"), ("title", "负载测试 %s" % uuid.uuid4().hex[:8]), ("topic", "rice"),
            ("body", "正文"), ("audience", "rural")]

    def upload_loop():
        while not stop.is_set():
            try:
                r = post_multipart(uploader, "/popsci", form, [("image", ("bomb.png", "image/png", BOMB))])
                if r.status not in (422, 503):
                    errors.append("upload %d" % r.status)
            except OSError as e:
                errors.append("upload %r" % e)

    writer = Client(server)
    email = unique_email("heavy")
    assert writer.api("POST", "/api/v1/register", {"email": email, "password": "writer pw 9", "name": "写入者",
                                                    "role": "scientist"}).status == 202
    token = writer.api("POST", "/api/v1/login", {"email": email, "password": "writer pw 9"}).json["token"]
    writer.token = token

    threads = [threading.Thread(target=login_loop, args=(i,), daemon=True) for i in range(4)]
    threads.append(threading.Thread(target=upload_loop, daemon=True))
    for t in threads:
        t.start()
    worst, probes, failed, writes = 0.0, 0, 0, []
    try:
        time.sleep(0.5)                  # the load is running
        end = time.monotonic() + 8
        n = 0
        while time.monotonic() < end:
            ok, took = healthz_once(server)
            probes += 1
            worst = max(worst, took)
            failed += 0 if ok else 1
            n += 1
            if n % 10 == 0:              # another user writes meanwhile
                t0 = time.monotonic()
                r = writer.api("PATCH", "/api/v1/me", {"title": "研究员 %d" % n})
                writes.append((r.status, time.monotonic() - t0))
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(20)
    print("    healthz: %d probes, worst %.3f s; logins %s; writes %s" %
          (probes, worst, logins, [("%d" % s, "%.3f" % d) for s, d in writes]))
    assert failed == 0, "%d /healthz probes failed" % failed
    assert worst < 1.0, "/healthz took %.2f s under load" % worst
    assert writes and all(s == 200 for s, _ in writes), writes
    assert max(d for _, d in writes) < 2.0, writes
    assert sum(logins) >= 4, logins                     # the logins did run
    assert not errors, errors[:5]
    assert writer.api("GET", "/api/v1/me").json.get("title", "").startswith("研究员")
    assert "needs the KJ_HEAVY flag" not in server.read_log(), "a password was hashed on an HTTP thread"


def test_full_pool_answers_503_with_retry_after(server):
    """One heavy worker and no queue: of six simultaneous logins some are
    refused at once with 503 and Retry-After, none waits for a thread, and
    /healthz still answers."""
    s = harness.Server(["--heavy-jobs", "1", "--heavy-queue", "0"], demo=False)   # no demo data: quick to start
    try:
        results = []
        lock = threading.Lock()
        email, pw = unique_email("busy"), "busy pool pw 9"
        r = Client(s).api("POST", "/api/v1/register", {"email": email, "password": pw, "name": "忙", "role": "scientist"})
        assert r.status == 202, r

        def free_pool():                                  # its worker may still be finishing up
            for _ in range(50):
                r = Client(s).api("POST", "/api/v1/login", {"email": email, "password": pw})
                if r.status != 503:
                    return r
                time.sleep(0.1)
            return r

        assert free_pool().status == 200
        # The worker answers before it counts itself free: on a loaded
        # machine (parallel test lanes) its last steps at nice +5 can lag
        # the response. Start the burst only once the pool says it is idle.
        for _ in range(100):
            m = Client(s).metrics()
            if "kejiyun_heavy_running 0\n" in m and "kejiyun_heavy_queued 0\n" in m:
                break
            time.sleep(0.05)

        def one():
            c = Client(s)
            c.csrf()
            r, took = timed(c.post_form, "/login", {"email": email, "password": pw})
            with lock:
                results.append((r.status, r.header("Retry-After"), took, r.text))

        threads = [threading.Thread(target=one, daemon=True) for _ in range(6)]
        for t in threads:
            t.start()
        ok, took = healthz_once(s)
        for t in threads:
            t.join(30)
        statuses = sorted(r[0] for r in results)
        assert len(results) == 6 and set(statuses) <= {303, 503} and 303 in statuses and 503 in statuses, statuses
        for status, retry, _, text in results:
            if status == 503:
                assert retry and int(retry) > 0 and "服务器正忙" in text, (retry, text[:200])
        assert ok and took < 1.0, took
        assert free_pool().status == 200                  # the pool is free again
    finally:
        code, log = s.stop()
        s.cleanup()
    assert code == 0 and "AddressSanitizer" not in log, log[-2000:]
