"""Durability and shutdown: a write acknowledged with 2xx survives kill -9;
SIGTERM lets an in-flight request finish."""
import signal
import socket
import time

from harness import Client, Server, is_pg, unique_email

SERVER_ARGS = []


def test_write_survives_kill_9(server):
    email = unique_email("durable")
    r = Client(server).api("POST", "/api/v1/register", {"email": email, "password": "durable pw 1",
                                                      "name": "D", "role": "scientist"})
    assert r.status == 202
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    again = Server(demo=False, data_dir=server.dir)
    try:
        r = Client(again).api("POST", "/api/v1/login", {"email": email, "password": "durable pw 1"})
        assert r.status == 200, r
    finally:
        again.stop()
    # Leave a running server behind for the runner's own stop().
    server.proc = again.proc


def sigterm_during_login(server, heavy_delay_ms=0):
    """A login whose body arrives after SIGTERM: it is answered (401 for
    an unknown address) and the server then exits cleanly."""
    fresh = Server(demo=False, data_dir=server.dir)
    if heavy_delay_ms:
        assert Client(fresh).api("POST", "/__test/faults", {"heavy_delay_ms": heavy_delay_ms}).status == 200
    body = b'{"email":"nobody@example.cn","password":"whatever1"}'
    s = socket.create_connection(("127.0.0.1", fresh.port))
    s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
    time.sleep(0.3)
    fresh.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    s.sendall(body[10:])
    # Generous: a login's password hash runs at nice +5 (core/heavy.h) and
    # took 13 s under ASan at load 22, over the 10 s this waited before
    # (timed out, then the server cut the answer: see the test below).
    s.settimeout(90)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data and b"}" in data:
            break
    s.close()
    assert data.startswith(b"HTTP/1.1 401"), (data[:200], fresh.read_log()[-2000:])
    fresh.proc.wait(90)
    assert fresh.proc.returncode == 0
    assert "stopped" in fresh.read_log()


def test_sigterm_finishes_in_flight_request(server):
    sigterm_during_login(server)


def test_sigterm_answers_a_login_that_outlasts_the_grace(server):
    """The stop waits 10 s for requests in flight; a login computed longer
    than that (here made to wait 12 s first, as a hash does on a busy
    machine) is still answered. The HTTP layer alone: not repeated on the
    PostgreSQL lane, whose longest chain it would lengthen by 17 s."""
    if is_pg(server):
        print("  (SQLite lanes only: the HTTP layer's stop, the same on both backends)")
        return
    sigterm_during_login(server, heavy_delay_ms=12000)
