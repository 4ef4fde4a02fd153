#!/usr/bin/env bash
# ha-loopback.sh — a two-member PostgreSQL 15 cluster under Patroni with a
# one-member etcd, all on 127.0.0.1, for trying high availability the way
# docs/deploy.md describes it (Debian packages: postgresql-15 patroni
# etcd-server python3-etcd). Not for production: trust authentication on
# loopback, one etcd member.
#
#   scripts/ha-loopback.sh start DIR     # etcd + pg1 + pg2; prints the libpq URL
#   scripts/ha-loopback.sh status DIR    # patronictl list
#   scripts/ha-loopback.sh failover DIR  # kill -9 the primary's postgres and Patroni
#   scripts/ha-loopback.sh stop DIR      # stops everything, removes DIR
#
# Ports: etcd 23790 (client) / 23800 (peer); PostgreSQL 54321 (pg1) and
# 54322 (pg2); Patroni REST 18008 / 18009. PostgreSQL refuses to run as
# root: as root, everything runs as the user nobody (setpriv execs, so the
# recorded process ids are the programs themselves).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|status|failover|stop DIR" >&2; exit 2; }
PGBIN=/usr/lib/postgresql/15/bin
as=(); [ "$(id -u)" -eq 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)

member_yaml() {   # name pgport restport
  cat <<YAML
scope: kejiyun
name: $1
restapi:
  listen: 127.0.0.1:$3
  connect_address: 127.0.0.1:$3
etcd:
  host: 127.0.0.1:23790
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 5
        max_replication_slots: 5
        wal_log_hints: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$2
  connect_address: 127.0.0.1:$2
  data_dir: $dir/$1/data
  bin_dir: $PGBIN
  pgpass: $dir/$1/pgpass
  authentication:
    replication: { username: replicator, password: rep }
    superuser: { username: kejiyun, password: kj }
  parameters:
    unix_socket_directories: $dir/$1
YAML
}

case "$cmd" in
start)
  mkdir -p "$dir/etcd" "$dir/pg1" "$dir/pg2"
  [ ${#as[@]} -gt 0 ] && chown -R nobody: "$dir" && chmod 700 "$dir/pg1" "$dir/pg2"
  "${as[@]}" etcd --name etcd1 --data-dir "$dir/etcd" --enable-v2=true \
      --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
      --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
      --initial-cluster etcd1=http://127.0.0.1:23800 >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  for i in $(seq 50); do curl -fs http://127.0.0.1:23790/health >/dev/null 2>&1 && break; sleep 0.2; done
  member_yaml pg1 54321 18008 >"$dir/pg1.yml"
  member_yaml pg2 54322 18009 >"$dir/pg2.yml"
  chmod 644 "$dir"/*.yml
  "${as[@]}" patroni "$dir/pg1.yml" >"$dir/pg1.log" 2>&1 &
  echo $! >"$dir/pg1.pid"
  for i in $(seq 120); do curl -fs http://127.0.0.1:18008/primary >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs http://127.0.0.1:18008/primary >/dev/null 2>&1 || { tail -20 "$dir/pg1.log" >&2; echo "pg1 did not become the primary" >&2; exit 1; }
  "${as[@]}" patroni "$dir/pg2.yml" >"$dir/pg2.log" 2>&1 &
  echo $! >"$dir/pg2.pid"
  for i in $(seq 120); do curl -fs http://127.0.0.1:18009/replica >/dev/null 2>&1 && break; sleep 0.5; done
  for i in $(seq 30); do
    psql -X -q "postgresql://kejiyun@127.0.0.1:54321/postgres" -c "CREATE DATABASE kejiyun" 2>/dev/null && break
    sleep 0.5
  done
  echo "postgresql://kejiyun@127.0.0.1:54321,127.0.0.1:54322/kejiyun?target_session_attrs=read-write&connect_timeout=2"
  ;;
status)
  patronictl -c "$dir/pg1.yml" list
  ;;
failover)
  # The primary dies as a machine would: its Patroni and its postgres at once.
  for m in pg1:18008 pg2:18009; do
    name=${m%%:*}; port=${m##*:}
    if curl -fs "http://127.0.0.1:$port/primary" >/dev/null 2>&1; then
      pm=$(head -1 "$dir/$name/data/postmaster.pid")
      kill -9 "$(cat "$dir/$name.pid")" "$pm"
      echo "killed $name (patroni $(cat "$dir/$name.pid"), postgres $pm) at $(date -u +%T.%N | cut -c1-12)"
      exit 0
    fi
  done
  echo "no primary" >&2; exit 1
  ;;
stop)
  for n in pg1 pg2 etcd; do [ -f "$dir/$n.pid" ] && kill "$(cat "$dir/$n.pid")" 2>/dev/null || true; done
  sleep 2
  for n in pg1 pg2; do
    [ -f "$dir/$n/data/postmaster.pid" ] && "${as[@]}" "$PGBIN/pg_ctl" -D "$dir/$n/data" -m immediate stop >/dev/null 2>&1 || true
  done
  for n in pg1 pg2 etcd; do [ -f "$dir/$n.pid" ] && kill -9 "$(cat "$dir/$n.pid")" 2>/dev/null || true; done
  rm -rf "$dir"
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
