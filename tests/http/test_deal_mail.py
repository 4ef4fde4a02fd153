"""E-mail notifications of deals against a real local SMTP server
(Debian's python3-aiosmtpd, started here): e-mails are queued in the
database and sent by the background worker; a down SMTP server neither
slows requests nor loses e-mails (retried later, kept across a
restart); users turn categories off or choose a daily digest; milestone
due reminders go out once."""
import email
import email.header
import glob
import json
import os
import subprocess
import tempfile
import time

import harness
from harness import Client, free_port
from test_market_lifecycle import DAY_MS, publish, set_clock_offset, user
from test_market_eoi import decide, send

def smtp_port():
    """A port for this lane's SMTP sink, below the kernel's ephemeral range
    (32768+), where free_port() finds the servers' ports: an unbound port
    picked from that range at import could be handed to another lane's
    server before the sink binds it (seen: the sink then cannot start).
    Derived from the process id, so the lanes (processes) differ."""
    import socket
    for i in range(200):
        port = 20000 + (os.getpid() * 7 + i * 131) % 12000
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    return free_port()


SMTP_PORT = smtp_port()
SERVER_ARGS = ["--smtp-host", "127.0.0.1", "--smtp-port", str(SMTP_PORT), "--smtp-tls", "none",
               "--mail-from", "noreply@kejiyun.test", "--public-url", "http://kejiyun.test"]
HOUR_MS = 3600 * 1000

SINK = r'''
import json, os, sys, time
from aiosmtpd.controller import Controller
out, port = sys.argv[1], int(sys.argv[2])
class Handler:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(out, "%d.json" % time.time_ns())
        with open(name + ".tmp", "w") as f:
            json.dump({"rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
                       "content": envelope.content.decode("latin-1")}, f)
        os.rename(name + ".tmp", name)
        return "250 OK"
c = Controller(Handler(), hostname="127.0.0.1", port=port)
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
'''


class Smtp:
    """A real SMTP server on SMTP_PORT saving each message as JSON."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kejiyun-smtp-")
        script = os.path.join(self.dir, "sink.py")
        with open(script, "w") as f:
            f.write(SINK)
        self.proc = subprocess.Popen(["/usr/bin/python3", script, self.dir, str(SMTP_PORT)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        # While it runs, the harness reads one-time links from here too: the
        # worker sends at once and then removes the link from the queue.
        harness.SMTP_SINKS.append(self)

    def messages(self):
        out = []
        for name in sorted(glob.glob(os.path.join(self.dir, "*.json"))):
            with open(name) as f:
                m = json.load(f)
            msg = email.message_from_bytes(m["content"].encode("latin-1"))
            subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
            body = msg.get_payload(decode=True).decode("utf-8")
            out.append({"to": m["rcpt"], "subject": subject, "body": body})
        return out

    def wait_for(self, pred, timeout=60):
        """The e-mails pred accepts, once one has arrived. The limit is
        liveness, not speed: the worker sends every second, but on a busy
        machine (a lane at nice 5 beside the browser suites) a delivery
        has taken many seconds; the timeline records waits over 3 s."""
        t0 = time.time()
        deadline = t0 + timeout
        while time.time() < deadline:
            found = [m for m in self.messages() if pred(m)]
            if found:
                harness.note_wait("e-mail", t0, timeout)
                return found
            time.sleep(0.2)
        raise AssertionError("no such e-mail within %d s; got %r" % (timeout, self.messages()))

    def stop(self):
        if self in harness.SMTP_SINKS:
            harness.SMTP_SINKS.remove(self)
        self.proc.stdin.close()
        self.proc.wait(10)


def queue(server, where="1=1", *args):
    import harness
    return harness.db_rows(server, "SELECT * FROM mail_queue WHERE " + where + " ORDER BY created_at", *args)


def wait_until(fn, timeout=60):
    """fn's first true value (liveness: see Smtp.wait_for)."""
    t0 = time.time()
    deadline = t0 + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            harness.note_wait("condition", t0, timeout)
            return v
        time.sleep(0.2)
    raise AssertionError("condition not met within %d s" % timeout)


def start_deal(server):
    provider, client, admin = user(server, "scientist"), user(server, "org_member"), user(server, "admin")
    listing = publish(provider, admin)
    eoi = send(client, listing["id"]).json["id"]
    assert decide(provider, eoi, "accept").status == 200
    r = client.api("POST", "/api/v1/deals", {"eoi_id": eoi})
    assert r.status == 201, r
    return provider, client, r.json["id"], listing["title"]


PROVIDER_EMAIL = harness.DEMO["scientist"][0]
CLIENT_EMAIL = harness.DEMO["org_member"][0]


def test_milestone_due_reminder(server):
    smtp = Smtp()
    try:
        provider, client, deal, title = start_deal(server)
        base = "/api/v1/deals/%s" % deal
        offer = {"contract_type": "development", "price_kind": "lump_sum", "amount": "8", "scope": "联合开发", "duration_days": 60}
        assert provider.api("POST", base + "/offers", offer).status == 201
        assert client.api("POST", base + "/actions", {"action": "accept_offer"}).status == 200
        assert client.api("POST", base + "/contract/signatures", {}).status == 200
        assert provider.api("POST", base + "/contract/signatures", {}).status == 200
        now = Client(server).api("POST", "/__test/clock", {}).json["now_ms"]
        due = time.strftime("%Y-%m-%d", time.gmtime(now / 1000 + 10 * 86400))
        r = client.api("POST", base + "/milestones", {"title": "样机评审", "deliverable": "评审报告", "due_date": due})
        assert r.status == 201, r
        assert provider.api("POST", base + "/actions", {"action": "start"}).status == 200
        # Contract-to-sign e-mails went out to both parties.
        smtp.wait_for(lambda m: CLIENT_EMAIL in m["to"] and "合同" in m["subject"] and title in m["subject"])
        time.sleep(1.5)
        assert not [m for m in smtp.messages() if "里程碑" in m["subject"] and title in m["subject"]]
        set_clock_offset(server, 8 * DAY_MS)
        got = smtp.wait_for(lambda m: "里程碑即将到期" in m["subject"] and title in m["subject"])
        smtp.wait_for(lambda m: "里程碑即将到期" in m["subject"] and title in m["subject"] and PROVIDER_EMAIL in m["to"])
        time.sleep(1.5)
        reminders = [m for m in smtp.messages() if "里程碑即将到期" in m["subject"] and title in m["subject"]]
        assert len(reminders) == 2, reminders          # once per party, not every pass
        assert "样机评审" in got[0]["subject"]
    finally:
        set_clock_offset(server, 0)
        smtp.stop()


def test_down_smtp_restart_and_delivery(server):
    provider, client, deal, title = start_deal(server)
    # The SMTP server is down: the request is not slowed, the e-mail waits
    # (queued in the request, tried by the worker). The bound is loose: on
    # a busy machine a write on PostgreSQL under ASan has taken seconds (an
    # approval 26 s at load 20), and a closed port refuses a sender at once,
    # so a tight one measured the machine, not this.
    t0 = time.time()
    r = client.api("POST", "/api/v1/deals/%s/messages" % deal, {"body": "邮件测试：请查收。"})
    assert r.status == 201 and time.time() - t0 < 10, (r, time.time() - t0)
    rows = wait_until(lambda: [q for q in queue(server, "to_addr = ? AND category = 'message'", PROVIDER_EMAIL)
                               if q["attempts"] >= 1])
    assert rows[-1]["status"] == "queued" and rows[-1]["last_error"], rows
    assert rows[-1]["next_try_at"] > rows[-1]["created_at"]
    # A restart keeps it.
    server.stop()
    again = harness.Server(extra_args=SERVER_ARGS + [], demo=False, data_dir=server.dir)
    smtp = Smtp()
    try:
        rows = queue(again, "to_addr = ? AND category = 'message'", PROVIDER_EMAIL)
        assert rows and rows[-1]["status"] == "queued"
        # Once the retry is due, the worker delivers it.
        set_clock_offset(again, 2 * HOUR_MS)
        got = smtp.wait_for(lambda m: PROVIDER_EMAIL in m["to"] and "交易有新消息" in m["subject"])
        assert title in got[0]["subject"] and "http://kejiyun.test/deals/%s" % deal in got[0]["body"]
        assert "邮件测试" not in got[0]["body"]            # the message text stays on the platform
        wait_until(lambda: queue(again, "to_addr = ? AND category = 'message' AND status = 'sent'", PROVIDER_EMAIL))
        mail_preferences(again, smtp)
    finally:
        set_clock_offset(again, 0)
        smtp.stop()
        rc, log = again.stop()
        again.log.close()
    assert rc == 0 and "Sanitizer" not in log and "kejiyun: stopped" in log, log[-3000:]


def mail_preferences(server, smtp):
    provider, client, deal, title = start_deal(server)
    # Defaults: each category by e-mail.
    r = provider.api("GET", "/api/v1/mail-prefs")
    assert r.status == 200 and r.json == {c: "each" for c in ("message", "offer", "contract", "milestone", "review", "alert", "notice", "challenge",
                                                                   "workorder", "verification", "event")}, r
    assert Client(server).api("GET", "/api/v1/mail-prefs").status == 401
    assert provider.api("PUT", "/api/v1/mail-prefs", {"message": "sometimes"}).status == 422
    # A category this version lacks (a typo) is refused by name, and nothing is changed.
    r = provider.api("PUT", "/api/v1/mail-prefs", {"message": "off", "mesage": "off"})
    assert r.status == 422 and [(e["field"], e["code"]) for e in r.json["errors"]] == [("mesage", "err.field.unknown")], r
    assert provider.api("GET", "/api/v1/mail-prefs").json["message"] == "each"
    r = client.api("PUT", "/api/v1/mail-prefs", {"message": "off", "offer": "digest"})
    assert r.status == 200 and r.json["message"] == "off" and r.json["offer"] == "digest", r
    page = client.get("/settings/mail").text
    assert 'id="mail-prefs"' in page and '<option value="off" selected>' in page
    # Off: nothing queued for the client's new messages.
    before = len(queue(server, "to_addr = ? AND category = 'message'", CLIENT_EMAIL))
    assert provider.api("POST", "/api/v1/deals/%s/messages" % deal, {"body": "你好"}).status == 201
    assert len(queue(server, "to_addr = ? AND category = 'message'", CLIENT_EMAIL)) == before
    # Digest: the offer waits, and a day later one digest e-mail carries it.
    offer = {"contract_type": "service", "price_kind": "lump_sum", "amount": "3", "scope": "检测服务", "duration_days": 30}
    assert provider.api("POST", "/api/v1/deals/%s/offers" % deal, offer).status == 201
    rows = queue(server, "to_addr = ? AND category = 'offer'", CLIENT_EMAIL)
    assert rows[-1]["status"] == "digest", rows
    set_clock_offset(server, 2 * HOUR_MS + DAY_MS + HOUR_MS)
    got = smtp.wait_for(lambda m: CLIENT_EMAIL in m["to"] and "每日摘要" in m["subject"])
    assert "收到新的报价" in got[0]["body"] and title in got[0]["body"], got
    assert queue(server, "to_addr = ? AND category = 'offer'", CLIENT_EMAIL)[-1]["status"] == "digested"
    # The page form changes preferences too.
    r = client.post_form("/settings/mail", {"message": "each", "offer": "each"})
    assert r.status == 303 and client.api("GET", "/api/v1/mail-prefs").json["offer"] == "each"
