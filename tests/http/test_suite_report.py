"""The suite names its failures in the last lines of its output.

CI shows only the tail of a run's output: a run that failed once in the
PostgreSQL lane printed "http: 196 passed, 1 failed" with the "not ok"
line cut away. Every runner now ends with one "FAILED backend name:
reason" line per failure right above its closing line (tests/failures.py),
and run.py keeps each failed test's whole output in
tests/artifacts/failed/. These tests run the runners on throw-away
failing tests (in a temporary directory, never in the suite) and read
the tail of what they print."""
import os
import subprocess
import sys
import tempfile
import textwrap

NO_SERVER = True   # runs the runners themselves; no kejiyun server needed

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

FAILING = {
    "test_throwaway_a.py": '''
        NO_SERVER = True

        def test_passes(server):
            assert 1 + 1 == 2

        def test_bare_assert(server):
            answer = 41
            assert answer == 42

        def test_helper_raises(server):
            wait_for_nothing()

        def wait_for_nothing():
            raise AssertionError("no such e-mail; got []\\nsecond line of the message")
    ''',
    "test_throwaway_b.py": '''
        NO_SERVER = True

        def test_times_out(server):
            raise TimeoutError("POST /__test/tick: no answer within the client's 30 s (waited 30.0 s)")
    ''',
}


def run_throwaway(jobs):
    with tempfile.TemporaryDirectory(prefix="kejiyun-report-") as d:
        mods = os.path.join(d, "modules")
        os.makedirs(mods)
        for name, text in FAILING.items():
            with open(os.path.join(mods, name), "w", encoding="utf-8") as f:
                f.write(textwrap.dedent(text))
        env = {k: v for k, v in os.environ.items()
               if k not in ("KEJIYUN_TIMELINE", "KEJIYUN_TEST_SCRATCH", "KEJIYUN_HTTP_LANE", "KEJIYUN_TEST_PG")}
        env.update(KEJIYUN_HTTP_MODULES=mods, KEJIYUN_ARTIFACTS=os.path.join(d, "artifacts"),
                   KEJIYUN_HTTP_TIMES=os.path.join(d, "times.json"))
        p = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--jobs", str(jobs)],
                           capture_output=True, text=True, env=env, timeout=120)
        kept = {}
        fdir = os.path.join(d, "artifacts", "failed")
        for name in sorted(os.listdir(fdir)) if os.path.isdir(fdir) else []:
            with open(os.path.join(fdir, name), encoding="utf-8") as f:
                kept[name] = f.read()
        return p, kept


def check_tail(p, kept):
    lines = p.stdout.rstrip("\n").split("\n")
    assert p.returncode == 1, p
    assert lines[-1] == "http: 1 passed, 3 failed", lines[-8:]
    tail = lines[-5:-1]
    assert tail[0].startswith("failed (3; full output in tests/artifacts/failed/)"), lines[-8:]
    # Each failure once, with backend, module.test and the first line of
    # its reason; a bare assert shows its source line and where it is.
    assert ("FAILED sqlite test_throwaway_a.test_bare_assert: AssertionError: assert answer == 42 "
            "[test_throwaway_a.py:9]") in tail, tail
    assert ("FAILED sqlite test_throwaway_a.test_helper_raises: no such e-mail; got [] "
            "[test_throwaway_a.py:15 from test_throwaway_a.py:12]") in tail, tail
    assert ("FAILED sqlite test_throwaway_b.test_times_out: TimeoutError: POST /__test/tick: no answer "
            "within the client's 30 s (waited 30.0 s) [test_throwaway_b.py:5]") in tail, tail
    # The whole output of each failed test is kept, with the load then.
    assert sorted(kept) == ["sqlite-test_throwaway_a.test_bare_assert.txt", "sqlite-test_throwaway_a.test_helper_raises.txt",
                            "sqlite-test_throwaway_b.test_times_out.txt"], sorted(kept)
    text = kept["sqlite-test_throwaway_a.test_helper_raises.txt"]
    assert "second line of the message" in text and "Traceback" in text and ", load " in text, text
    # The lines above still name each failure where it happened.
    assert p.stdout.count("not ok - test_throwaway_a.test_bare_assert") == 1, p.stdout


def test_http_runner_names_failures_last_in_lanes(server):
    check_tail(*run_throwaway(jobs=2))


def test_http_runner_names_failures_last_in_one_lane(server):
    check_tail(*run_throwaway(jobs=1))


def test_suite_lists_every_part_s_failures_above_its_closing_line(server):
    """tests/run and tests/pg/run hand their parts' logs to
    tests/failures.py: what each part names, and a count no line names."""
    sys.path.insert(0, os.path.dirname(HERE))
    import failures
    with tempfile.TemporaryDirectory(prefix="kejiyun-report-") as d:
        logs = {
            "http.log": "ok - test_a.test_x (0.1s)\nnot ok - test_a.test_y: AssertionError: assert 1 == 2 [test_a.py:3]\n"
                        "Traceback (most recent call last):\n  ...\nhttp: 1 passed, 1 failed\n",
            # The PostgreSQL lane: an HTTP lane that failed without naming a
            # test (a shared server killed on stop once did), a unit check.
            "pg.log": "pgschema: 10 passed, 0 failed\n  tests/unit/test_store_pg.c:40: CHECK(n == 2) failed\n"
                      "FAIL pg_savepoints (tests/unit/test_store_pg.c)\nunit: 4 passed, 1 failed\n"
                      "pgmigrate: 7 passed, 0 failed\nlane: 96 passed, 0 failed\nhttp: 196 passed, 1 failed\n"
                      "pg: 217 passed, 2 failed\n",
            "browser1.log": "not ok - deal: inquiry, offer (134.0 s): Timeout 20000ms exceeded (pages: /deals/1: x.png)\n"
                            "browser1: 30 passed, 1 failed\n",
            "fuzz.log": "ok   fuzz/csv (40 inputs)\nFAIL fuzz/json (12 inputs)\nfuzz: 5 passed, 1 failed\n",
        }
        for name, text in logs.items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        got = failures.listing([("sqlite", ["http"], os.path.join(d, "http.log")),
                                ("pg", ["pg"], os.path.join(d, "pg.log")),
                                ("browser", ["browser1"], os.path.join(d, "browser1.log")),
                                ("fuzz", ["fuzz"], os.path.join(d, "fuzz.log"))], missing=["unit"])
    assert got[0] == "FAILED sqlite test_a.test_y: AssertionError: assert 1 == 2 [test_a.py:3]", got
    assert got[1] == "FAILED pg pg_savepoints: tests/unit/test_store_pg.c:40: CHECK(n == 2) failed", got
    assert got[2].startswith("FAILED pg (1 more): counted as failed but not named; see "), got
    assert got[3] == "FAILED browser deal: inquiry, offer: Timeout 20000ms exceeded (pages: /deals/1: x.png)", got
    assert got[4] == "FAILED fuzz fuzz/json: (12 inputs)", got
    assert got[5].startswith("FAILED unit (the part): printed no closing line"), got
    assert len(got) == 6, got


def test_browser_runner_names_failures_last(server):
    """A browser that is not there fails every test it would have run: the
    runner lists them above its closing line (no server is started)."""
    env = dict(os.environ, CHROMIUM_BIN="/nonexistent/chromium", KEJIYUN_BROWSER_ONLY="^journey",
               KEJIYUN_BROWSER_PART="browserreport")
    env.pop("KEJIYUN_TIMELINE", None)
    p = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "run.mjs")], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=120)
    lines = p.stdout.rstrip("\n").split("\n")
    assert p.returncode == 1 and lines[-1].startswith("browserreport: 0 passed, "), lines[-6:]
    n = int(lines[-1].split(", ")[1].split()[0])
    assert n >= 2 and lines[-n - 2].startswith("failed (%d;" % n), lines[-6:]
    assert lines[-n - 1].startswith("FAILED browser setup: chromium: /nonexistent/chromium not found"), lines[-6:]
    assert all(ln.startswith("FAILED browser journey") and ln.endswith(": not run: no browser") for ln in lines[-n:-1]), lines[-6:]
