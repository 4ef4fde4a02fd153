"""Times as people read them (issue 15, item 6): pages show moments in the
instance's time zone (setting time_zone, default Asia/Shanghai) and in
words of the reader's language, never UTC or ISO text; <time> elements
keep the ISO form for machines."""
import datetime
import re

from harness import Client, Server

ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日 (\d\d):(\d\d)")
EN = re.compile(r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}), (\d\d):(\d\d)")
ISO_TEXT = re.compile(r">\s*\d{4}-\d\d-\d\dT\d\d:\d\d")


def session_times(client):
    page = client.get("/account/sessions")
    assert page.status == 200, page
    return page.text


def hour_in(zone_hours):
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=zone_hours)).hour


def test_sessions_page_shows_beijing_time_in_words(server):
    c = Client(server)
    c.login_as("scientist")
    text = session_times(c)
    m = ZH.search(text)
    assert m, text
    assert not ISO_TEXT.search(text), ISO_TEXT.search(text).group(0)
    # Beijing time: UTC+8 (the minute may have turned; allow the next hour).
    assert int(m.group(4)) in (hour_in(8), (hour_in(8) + 23) % 24), m.group(0)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', text)


def test_english_pages_use_english_dates(server):
    c = Client(server)
    c.login_as("scientist")
    c.cookies["kj_lang"] = "en"
    text = session_times(c)
    m = EN.search(text)
    assert m, text[:3000]


def test_time_zone_setting_changes_the_hour(server):
    s = Server(extra_args=["--time-zone", "UTC"])
    try:
        c = Client(s)
        c.login_as("scientist")
        m = ZH.search(session_times(c))
        assert m and int(m.group(4)) in (hour_in(0), (hour_in(0) + 23) % 24), m.group(0) if m else None
    finally:
        s.stop()


def test_unknown_time_zone_is_refused_at_start(server):
    import subprocess
    import harness
    r = subprocess.run([harness.BIN, "serve", "--time-zone", "Nowhere/Atlantis", "--data", "/nonexistent"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "time_zone" in r.stderr and "Nowhere/Atlantis" in r.stderr, r.stderr
