#!/usr/bin/env python3
"""bench/ha/failover.py — what a user sees while PostgreSQL fails over.

Builds the high-availability setup of docs/deploy.md on loopback and
measures one failover under load:
  - a two-member Patroni cluster with etcd (scripts/ha-loopback.sh);
  - two kejiyun nodes on it through one libpq multi-host URL
    (target_session_attrs=read-write: each connection finds the primary),
    sharing one data directory, behind haproxy checking /readyz;
  - load through haproxy: WRITERS signed-in clients creating listings and
    READERS signed-in clients reading their account and a browse page;
  - after LEAD seconds the primary is killed (its Patroni and its postgres,
    kill -9); the load goes on for TAIL seconds.
Prints: requests and errors per second around the kill, how long users got
errors (first to last failed request), the slowest answer, and whether
every acknowledged write is in the new primary.

Usage: python3 bench/ha/failover.py [--bin ./kejiyun] [--lead 5] [--tail 30]
Needs: postgresql-15 patroni etcd-server python3-etcd haproxy (Debian).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "http"))
from harness import Client, DEMO, free_port  # noqa: E402
from test_market_lifecycle import listing_body  # noqa: E402

HAPROXY_CFG = """global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
    retry-on conn-failure
frontend web
    bind 127.0.0.1:%(port)d
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server a 127.0.0.1:%(a)d check
    server b 127.0.0.1:%(b)d check
"""


class Addr:
    def __init__(self, port):
        self.port = port
        self.base = "127.0.0.1:%d" % port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "kejiyun"))
    ap.add_argument("--lead", type=float, default=5)
    ap.add_argument("--tail", type=float, default=30)
    ap.add_argument("--writers", type=int, default=2)
    ap.add_argument("--readers", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kejiyun-ha-")
    os.chmod(work, 0o755)   # PostgreSQL runs as nobody (ha-loopback.sh) below it
    ha = os.path.join(work, "ha")
    script = os.path.join(ROOT, "scripts", "ha-loopback.sh")
    procs = []
    try:
        url = subprocess.run([script, "start", ha], check=True, stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, HOME=work)).stdout.strip().splitlines()[-1]
        print("database:", url)
        data = os.path.join(work, "shared")
        os.mkdir(data)
        env = dict(os.environ, KEJIYUN_DB=url)
        t0 = time.time()
        subprocess.run([args.bin, "demo", "--data", data], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        print("demo data loaded in %.1f s" % (time.time() - t0))
        nodes = []
        for name in ("a", "b"):
            n = Addr(free_port())
            log = open(os.path.join(work, "node-%s.log" % name), "w")
            procs.append(subprocess.Popen([args.bin, "serve", "--data", data, "--listen", n.base, "--trust-proxy"],
                                          env=env, cwd=ROOT, stdout=log, stderr=log))
            nodes.append(n)
        lb = Addr(free_port())
        cfg = os.path.join(work, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(HAPROXY_CFG % {"port": lb.port, "a": nodes[0].port, "b": nodes[1].port})
        procs.append(subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if all(Client(n).get("/readyz").status == 200 for n in nodes + [lb]):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("nodes not ready")

        results, acked = [], []   # (t, ok, seconds, what)
        lock = threading.Lock()
        stop = threading.Event()

        def run(role, write):
            c = Client(lb)
            c.login_as(role)
            while not stop.is_set():
                t = time.time()
                try:
                    if write:
                        r = c.api("POST", "/api/v1/listings", dict(listing_body("achievement"), submit=False))
                        ok = r.status == 201
                        if ok:
                            with lock:
                                acked.append(r.json["id"])
                    else:
                        r = c.api("GET", "/api/v1/me")
                        ok = r.status == 200 and c.get("/achievements?page=2").status == 200
                    what = r.status
                except Exception as e:
                    ok, what = False, type(e).__name__
                with lock:
                    results.append((t, ok, time.time() - t, what))
                if not ok:
                    time.sleep(0.05)

        roles = (["scientist", "scientist2"] * 4)[:args.writers]
        threads = [threading.Thread(target=run, args=(r, True)) for r in roles]
        threads += [threading.Thread(target=run, args=(r, False)) for r in (["org_member", "admin"] * 4)[:args.readers]]
        for t in threads:
            t.start()
        time.sleep(args.lead)
        out = subprocess.run([script, "failover", ha], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
        killed = time.time()
        print(out)
        time.sleep(args.tail)
        stop.set()
        for t in threads:
            t.join(60)

        fails = [r for r in results if not r[1]]
        print("requests: %d, failed: %d" % (len(results), len(fails)))
        if fails:
            print("errors from %+.2f s to %+.2f s after the kill (%.1f s); kinds: %s" % (
                fails[0][0] - killed, fails[-1][0] - killed, fails[-1][0] - fails[0][0],
                sorted(set(str(f[3]) for f in fails))))
        print("slowest answer: %.2f s" % max(r[2] for r in results))
        for sec in range(int(-2), int(args.tail)):
            win = [r for r in results if sec <= r[0] - killed < sec + 1]
            bad = sum(1 for r in win if not r[1])
            if win:
                print("  %+3d s: %4d requests, %4d failed" % (sec, len(win), bad))
        ids = ",".join("'%s'" % i for i in acked)
        have = subprocess.run(["psql", "-X", "-A", "-t", url, "-c", "SELECT count(*) FROM listings WHERE id IN (%s)" % ids],
                              check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
        print("acknowledged writes: %d, present after the failover: %s" % (len(acked), have))
        print(subprocess.run([script, "status", ha], stdout=subprocess.PIPE, text=True).stdout)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run([script, "stop", ha], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
