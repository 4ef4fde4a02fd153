#!/usr/bin/env bash
# Installs the Debian packages kejiyun needs to build, run and test.
# A no-op when everything is already present. Pass --test to add the
# packages only the test suite needs (the fuzz targets' corpus replay is
# part of it), --fuzz for just the fuzzing toolchain, --bench for the
# benchmarks, --media for remaking the demo's pictures and video
# (scripts/demo-media.sh).
set -euo pipefail

build_pkgs=(
  build-essential pkg-config
  libmicrohttpd-dev libsqlite3-dev libsodium-dev libjansson-dev libinih-dev
  libpq-dev                                       # the PostgreSQL backend (src/store/store_pg.c)
  libutf8proc-dev libopencc-dev opencc libfriso-dev friso-dict libstemmer-dev
  libmd4c-dev libcurl4-openssl-dev libxlsxwriter-dev
  libmagic-dev zlib1g-dev libgd-dev libexif-dev   # images: resizing, EXIF orientation
  libzxcvbn-dev                                   # password strength (src/account/password.c)
  libqrencode-dev                                 # QR codes on event tickets (src/event/ticket.c)
  libcairo2-dev libpango1.0-dev fonts-wqy-microhei   # contract PDFs: cairo + pango, CJK glyphs
  tzdata                                          # the instance time zone (setting time_zone)
)
# chromium-headless-shell: the browser tests' Chromium (half the CPU of the
# desktop one, tests/browser/run.mjs); chromium stays for CHROMIUM_BIN.
test_pkgs=( python3 chromium chromium-headless-shell fonts-wqy-microhei sqlite3 python3-aiosmtpd poppler-utils
            postgresql-15 )   # make test-pg (tests/pg): initdb, pg_ctl, psql
# haproxy: tests/http/test_multinode.py puts two nodes behind it.
test_pkgs+=( haproxy )
# Node.js may come from elsewhere than Debian (e.g. a newer build); only ask
# Debian for it when no node/npm is on PATH.
command -v node >/dev/null 2>&1 || test_pkgs+=( nodejs )
command -v npm  >/dev/null 2>&1 || test_pkgs+=( npm )
# sphinxsearch + python3-pymysql: Sphinx 2.2 as a peer ranker in make bench-search
# (bench/search/sphinx.py talks SphinxQL over the MySQL protocol); icu-devtools:
# uconv, for scripts/gen_pinyin.py when the homophone table is regenerated.
bench_pkgs=( wrk nginx sphinxsearch python3-pymysql icu-devtools )
# Only scripts/demo-media.sh encodes video; the server never runs ffmpeg.
media_pkgs=( ffmpeg )
# clang's libFuzzer and sanitizer runtimes (tests/fuzz): make fuzz, and the
# corpus replay that make test runs.
fuzz_pkgs=( clang libfuzzer-14-dev libclang-rt-14-dev )

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --test)  want+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
    --fuzz)  want+=("${fuzz_pkgs[@]}") ;;
    --bench) want+=("${bench_pkgs[@]}") ;;
    --media) want+=("${media_pkgs[@]}") ;;
  esac
done

# The browser tests' playwright-core needs Node.js 20 or newer and Debian 12's
# nodejs is 18: say so here, where a newcomer looks, rather than only in the
# browser part's failures (every other part runs without it). On exit, so
# that a nodejs this script has just installed is checked too.
node_check() {
  command -v node >/dev/null 2>&1 || return 0
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "deps: Node.js $(node --version) is too old for the browser tests (playwright-core needs 20 or newer;" \
         "Debian 12's nodejs is 18): install Node.js 20 or newer, e.g. Debian 13's nodejs" >&2
  fi
}
[[ " $* " == *" --test "* ]] && trap node_check EXIT

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
