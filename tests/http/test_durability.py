"""Durability and shutdown: a write acknowledged with 2xx survives kill -9;
SIGTERM lets an in-flight request finish."""
import signal
import socket
import time

from harness import Client, Server, unique_email

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


def test_sigterm_finishes_in_flight_request(server):
    fresh = Server(demo=False, data_dir=server.dir)
    body = b'{"email":"nobody@example.cn","password":"whatever1"}'
    s = socket.create_connection(("127.0.0.1", fresh.port))
    s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
    time.sleep(0.3)
    fresh.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    s.sendall(body[10:])
    s.settimeout(10)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data and b"}" in data:
            break
    s.close()
    assert data.startswith(b"HTTP/1.1 401"), data[:200]
    fresh.proc.wait(15)
    assert fresh.proc.returncode == 0
    assert "stopped" in fresh.read_log()
