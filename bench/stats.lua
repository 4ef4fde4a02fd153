-- bench/stats.lua — wrk script shared by every scenario of bench/run.
--
-- Owns only the end-of-run report: one machine-readable line starting with
-- BENCH_RESULT, so bench/run never has to scrape wrk's human-formatted
-- output (whose units change between us/ms/s and k/M). Request headers such
-- as the session's Authorization come from wrk's -H flag, which fills
-- wrk.headers before this script runs, so the script needs no per-scenario
-- variant.
--
-- All latencies are in microseconds, as wrk records them.

local function pct(latency, p)
  return latency:percentile(p)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.2f " ..
    "p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f " ..
    "connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
    summary.requests, summary.duration, summary.requests / seconds,
    pct(latency, 50), pct(latency, 90), pct(latency, 99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
