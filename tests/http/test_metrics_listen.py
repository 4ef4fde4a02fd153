"""/metrics without a token (issue 12, item 7): with no metrics_token it
is 404 on the public listener; metrics_listen serves it (and /healthz) on
a separate address for the monitoring system, and nothing else there."""
import http.client

from harness import METRICS_TOKEN, Client, free_port

OPS_PORT = free_port()
SERVER_ARGS = ["--metrics-token=", "--metrics-listen", "127.0.0.1:%d" % OPS_PORT]


def ops_get(path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", OPS_PORT, timeout=10)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body.decode("utf-8", "replace")


def test_public_listener_has_no_metrics_without_a_token(server):
    for headers in (None, {"Authorization": "Bearer " + METRICS_TOKEN}, {"Authorization": "Bearer "}):
        r = Client(server).get("/metrics", headers=headers)
        assert r.status == 404 and "kejiyun_users" not in r.text, r


def test_metrics_listener_serves_metrics_and_health_only(server):
    Client(server).get("/")
    status, text = ops_get("/metrics")
    assert status == 200 and "kejiyun_users" in text and "kejiyun_sessions_active" in text, text[:300]
    assert 'kejiyun_http_requests_total{route="home",status="200"}' in text, "the public listener's figures"
    status, text = ops_get("/healthz")
    assert status == 200 and '"ok"' in text
    status, text = ops_get("/readyz")
    assert status == 200 and '"ready"' in text, text
    assert "kejiyun_job_leader 1" in ops_get("/metrics")[1]
    for path in ("/", "/login", "/api/v1/me", "/static/css/site.css"):
        status, _ = ops_get(path)
        assert status == 404, (path, status)


def test_short_metrics_token_is_refused(server):
    import subprocess
    from harness import BIN, ROOT
    r = subprocess.run([BIN, "serve", "--data", server.dir, "--listen", "127.0.0.1:0", "--metrics-token", "short"],
                       capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert r.returncode == 2 and "metrics_token" in r.stderr, r.stderr
