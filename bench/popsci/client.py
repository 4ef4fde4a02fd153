"""client.py — sequential latency of GET requests over one keep-alive
connection (bench/popsci/run).

Usage: python3 client.py PORT PATH COUNT WARMUP [TOKEN]
Prints one line: "n=N p50=X p99=Y max=Z bytes=B" (milliseconds; bytes of
the last answer). Exits 1 when any answer is not 200.
"""
import http.client
import sys
import time


def main():
    port, path, count, warmup = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    headers = {"Authorization": "Bearer " + sys.argv[5]} if len(sys.argv) > 5 else {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, size = [], 0
    for i in range(warmup + count):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            print("GET %s: HTTP %d %s" % (path, r.status, body[:200]), file=sys.stderr)
            sys.exit(1)
        if i >= warmup:
            times.append(dt)
        size = len(body)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print("n=%d p50=%.2f p99=%.2f max=%.2f bytes=%d" % (len(times), pick(0.50), pick(0.99), times[-1], size))


if __name__ == "__main__":
    main()
