"""`make install` gives a server that runs from its install tree (issue 13):
the data root is found at run time next to the binary (PREFIX/share/kejiyun),
never compiled in as the build directory, and `kejiyun help` does not print
the build path."""
import os
import shutil
import subprocess
import tempfile
import time

import harness

ROOT = harness.ROOT


def test_make_install_runs_from_destdir(server):
    stage = tempfile.mkdtemp(prefix="kejiyun-install-")
    data = tempfile.mkdtemp(prefix="kejiyun-install-data-")
    proc = None
    try:
        r = subprocess.run(["make", "-s", "install", "DESTDIR=" + stage, "PREFIX=/usr"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        binary = os.path.join(stage, "usr", "bin", "kejiyun")
        share = os.path.join(stage, "usr", "share", "kejiyun")
        for part in ("templates", "static", "i18n", "migrations/sqlite", "data/regions.tsv"):
            assert os.path.exists(os.path.join(share, part)), part
        assert os.path.exists(os.path.join(stage, "etc", "kejiyun", "kejiyun.conf.example"))
        unit = open(os.path.join(stage, "usr", "lib", "systemd", "system", "kejiyun.service")).read()
        for directive in ("ExecStart=/usr/bin/kejiyun serve", "DynamicUser=yes", "ProtectSystem=strict",
                          "NoNewPrivileges=yes", "StateDirectory=kejiyun"):
            assert directive in unit, directive

        # From another directory, with the source tree out of sight: the
        # binary must find its data in ../share/kejiyun.
        env = {k: v for k, v in os.environ.items() if k != "KEJIYUN_ROOT"}
        help_text = subprocess.run([binary, "help"], cwd="/", capture_output=True, text=True, env=env).stdout
        assert ROOT not in help_text, "help prints the build path"
        r = subprocess.run([binary, "demo", "--data", data], cwd="/", capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        port = harness.free_port()
        log = open(os.path.join(data, "server.log"), "w+")
        proc = subprocess.Popen([binary, "serve", "--data", data, "--listen", "127.0.0.1:%d" % port],
                                cwd="/", stdout=log, stderr=log, env=env)

        class Where:
            base = "127.0.0.1:%d" % port
        c = harness.Client(Where)
        deadline = time.time() + 20
        while True:
            try:
                if c.get("/healthz").status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline and proc.poll() is None, "installed server did not start"
            time.sleep(0.1)
        home = c.get("/")
        assert home.status == 200 and "<html" in home.text, home
        assert c.get("/static/css/site.css").status == 200
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
