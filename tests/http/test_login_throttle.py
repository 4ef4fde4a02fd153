"""Failed-login throttling (issue 12, item 6): counted per (account,
address) pair, per address and per account; progressive waits instead of
a lock; the count is atomic under concurrency; a stranger cannot lock the
owner out. Other client addresses are other loopback addresses
(127.0.0.x, bound as the connection's source)."""
import threading

from harness import Client, register

# 16 HTTP threads, so that concurrent attempts really run together (with
# the previous check-then-insert, 24 attempts got 13 to 17 password checks).
SERVER_ARGS = ["--login-max-account", "5", "--login-max-ip", "40", "--login-max-account-total", "12",
               "--login-delay", "30", "--login-window", "900", "--threads", "16"]
PASSWORD = "Kj-Test-2026!"


def attempt(server, email, password, source):
    return Client(server, source=source).api("POST", "/api/v1/login", {"email": email, "password": password})


def set_clock_offset(server, ms):
    assert Client(server).api("POST", "/__test/clock", {"offset_ms": ms}).status == 200


def test_concurrent_attempts_are_counted_atomically(server):
    for source in ("127.0.0.5", "127.0.0.9"):
        burst(server, source)


def burst(server, source):
    _, me = register(server)
    results = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def one():
        start.wait()
        r = attempt(server, me["email"], "wrong guess 1", source)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [r for r in results if r.status == 401]
    limited = [r for r in results if r.status == 429]
    assert len(checked) + len(limited) == 24, [r.status for r in results]
    assert len(checked) <= 5, "%d password checks for a limit of 5" % len(checked)
    assert all(int(r.header("Retry-After")) > 0 for r in limited), limited[:1]


def test_waits_grow_and_end(server):
    _, me = register(server)
    try:
        for _ in range(5):
            assert attempt(server, me["email"], "wrong guess 2", "127.0.0.6").status == 401
        r = attempt(server, me["email"], PASSWORD, "127.0.0.6")
        assert r.status == 429 and 25 <= int(r.header("Retry-After")) <= 30, r
        set_clock_offset(server, 31 * 1000)
        assert attempt(server, me["email"], "wrong guess 2", "127.0.0.6").status == 401
        r = attempt(server, me["email"], PASSWORD, "127.0.0.6")
        assert r.status == 429 and 55 <= int(r.header("Retry-After")) <= 60, r   # doubled
        set_clock_offset(server, 92 * 1000)
        assert attempt(server, me["email"], PASSWORD, "127.0.0.6").status == 200   # a wait, not a lock
    finally:
        set_clock_offset(server, 0)


def test_stranger_cannot_lock_the_owner_out(server):
    _, me = register(server)
    # Strangers on two addresses guess until refused (5 each, the pair's
    # limit); a third is refused once the account's total (12) is reached.
    for source in ("127.0.0.2", "127.0.0.3"):
        statuses = [attempt(server, me["email"], "guess %d" % i, source).status for i in range(8)]
        assert statuses == [401] * 5 + [429] * 3, (source, statuses)
    statuses = [attempt(server, me["email"], "guess %d" % i, "127.0.0.4").status for i in range(4)]
    assert statuses == [401, 401, 429, 429], statuses
    # A further address gets its first guess, but having failed once, waits
    # for the account's total.
    assert attempt(server, me["email"], "guess x", "127.0.0.7").status == 401
    assert attempt(server, me["email"], "guess y", "127.0.0.7").status == 429
    # The owner, from an address without failures, logs in at once (page and API).
    owner = Client(server, source="127.0.0.8")
    r = owner.post_form("/login", {"email": me["email"], "password": PASSWORD})
    assert r.status == 303 and r.header("Location") == "/dashboard", r
    assert attempt(server, me["email"], PASSWORD, "127.0.0.8").status == 200
    # The owner's own address (127.0.0.1 here, where it registered) too.
    assert attempt(server, me["email"], PASSWORD, "127.0.0.1").status == 200
    # And a stranger still waits.
    assert attempt(server, me["email"], PASSWORD, "127.0.0.2").status == 429
