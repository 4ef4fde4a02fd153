"""cluster.py — a throw-away PostgreSQL 15 cluster for the tests.

    python3 tests/pg/cluster.py run -- COMMAND ...

creates a cluster in a temporary directory with Debian's postgresql-15
(initdb, pg_ctl from /usr/lib/postgresql/15/bin), serving on a free
loopback port only (and a Unix socket inside that directory), runs COMMAND
with KEJIYUN_TEST_PG set to the cluster's base URL
(postgresql://kejiyun@127.0.0.1:PORT/) and KEJIYUN_TEST_PG_DIR to a
scratch directory removed with it, stops the cluster and removes the
directory, whatever COMMAND did. Exit status: COMMAND's.

PostgreSQL refuses to run as root: when the tests run as root (a CI
container), the server runs as the unprivileged user `nobody` (runuser),
in a directory owned by it. Authentication is `trust` for loopback only:
the cluster lives as long as the test run, on a port nothing else knows.

Tests create one database per server under test (create_database), so
servers never share state, as the SQLite lanes' data directories don't.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

BIN = os.environ.get("KEJIYUN_PG_BIN", "/usr/lib/postgresql/15/bin")
USER = "kejiyun"


def available():
    return os.path.exists(os.path.join(BIN, "initdb")) and os.path.exists(os.path.join(BIN, "pg_ctl"))


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kejiyun-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.as_user = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.url = "postgresql://%s@127.0.0.1:%d/" % (USER, self.port)

    def _run(self, *args, **kw):
        return subprocess.run(self.as_user + list(args), check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, cwd=self.dir, **kw)

    def start(self):
        self._run(os.path.join(BIN, "initdb"), "-D", self.data, "-U", USER, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        # Test settings: no fsync (the cluster is thrown away), enough
        # connections for parallel lanes of servers with a pool each.
        # KEJIYUN_PG_DURABLE=1 (benches) keeps PostgreSQL's durable
        # defaults: settings given on the command line outrank ALTER
        # SYSTEM, so they cannot be turned back on later.
        durable = os.environ.get("KEJIYUN_PG_DURABLE") == "1"
        opts = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "
                "%s-c max_connections=400 -c shared_buffers=64MB"
                % (self.port, self.dir, "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "))
        self._run(os.path.join(BIN, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"),
                  "-o", opts, "-w", "-t", "60", "start")
        return self

    def psql(self, sql, db="postgres"):
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.url + db, "-c", sql],
                             check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return out.stdout

    def stop(self):
        try:
            self._run(os.path.join(BIN, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def create_database(base_url, prefix="kj", template=None):
    """A new database on the cluster at base_url, empty or a copy of the
    database named template (which nobody may be connected to); returns
    its URL."""
    name = "%s_%s" % (prefix, uuid.uuid4().hex[:16])
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base_url + "postgres",
                    "-c", "CREATE DATABASE %s" % name + (" TEMPLATE %s" % template if template else "")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return base_url + name


def drop_database(url):
    base, name = url.rsplit("/", 1)
    subprocess.run(["psql", "-X", "-q", base + "/postgres", "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: cluster.py run -- COMMAND ...", file=sys.stderr)
        return 2
    if not available():
        print("cluster.py: PostgreSQL 15 is not installed (%s); scripts/deps.sh --test installs it" % BIN,
              file=sys.stderr)
        return 2
    c = Cluster()
    try:
        c.start()
    except subprocess.CalledProcessError as e:
        print("cluster.py: cannot start PostgreSQL:\n" + (e.stdout or ""), file=sys.stderr)
        c.stop()
        return 1
    # KEJIYUN_TEST_PG_DIR: scratch space that goes with the cluster (the
    # harness keeps its demo template there, see harness.pg_demo_copy).
    env = dict(os.environ, KEJIYUN_TEST_PG=c.url, KEJIYUN_TEST_PG_DIR=c.dir)
    p = subprocess.Popen(argv[2:], env=env)
    try:
        code = p.wait()
    except KeyboardInterrupt:
        p.send_signal(signal.SIGINT)
        code = p.wait()
    finally:
        c.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
