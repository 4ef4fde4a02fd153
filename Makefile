# kejiyun — build, run and test.
#   make          build ./kejiyun (release flags, warnings are errors)
#   make run      install missing Debian packages, build, serve on :8080
#   make test     the whole suite (unit + HTTP + browser), ASan+UBSan build
#   make test-pg  the PostgreSQL lane alone (make test runs it too when PostgreSQL 15 is installed)
#   make bench    benchmarks (not part of the test suite; also bench-search, bench-popsci)
#   make fuzz     libFuzzer targets (tests/fuzz), FUZZ_SECONDS each (default 600)
#   make fuzz-replay  each fuzz target over its corpus only (part of make test)

PKGS    := libmicrohttpd sqlite3 libpq libsodium jansson inih libutf8proc opencc libqrencode \
           libcurl zlib md4c cairo pangocairo gdlib libexif
CC      ?= cc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Debian ships friso, libstemmer, libmagic, libxlsxwriter and libzxcvbn without .pc files.
EXTRA_CFLAGS := -I/usr/include/friso
EXTRA_LIBS   := -lfriso -lstemmer -lmagic -lxlsxwriter -lzxcvbn -lpthread -lm
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
CFLAGS_COMMON := $(CSTD) $(WARN) $(PKG_CFLAGS) $(EXTRA_CFLAGS) -Isrc \
                 -DKEJIYUN_VERSION='"$(VERSION)"'

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
UNIT_SRC := $(shell find tests/unit -name '*.c' | sort)

REL_DIR  := build/release
SAN_DIR  := build/san
REL_OBJ  := $(LIB_SRC:%.c=$(REL_DIR)/%.o)
SAN_OBJ  := $(LIB_SRC:%.c=$(SAN_DIR)/%.o)

REL_FLAGS := $(CFLAGS_COMMON) -O2 -g
SAN_FLAGS := $(CFLAGS_COMMON) -O1 -g -fsanitize=address,undefined \
             -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-build fuzz-replay
.PHONY: all install run test test-pg test-unit test-http test-browser bench bench-search bench-popsci clean deps san

all: kejiyun

kejiyun: $(REL_DIR)/kejiyun
	@ln -sf $(REL_DIR)/kejiyun kejiyun

# Linked to a temporary name and renamed, so that a running server (a
# benchmark, say) does not make the link fail with "text file busy".
$(REL_DIR)/kejiyun: $(REL_OBJ) $(REL_DIR)/src/main.o
	$(CC) $(REL_FLAGS) -o $@.tmp $^ $(PKG_LIBS) $(EXTRA_LIBS) && mv -f $@.tmp $@

# Each object depends on the headers it includes (-MMD -MP writes the .d
# files read below), not on every header of the tree.
$(REL_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_FLAGS) -MMD -MP -c -o $@ $<

$(SAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

-include $(shell find build -name '*.d' 2>/dev/null)

$(SAN_DIR)/kejiyun: $(SAN_OBJ) $(SAN_DIR)/src/main.o
	$(CC) $(SAN_FLAGS) -o $@.tmp $^ $(PKG_LIBS) $(EXTRA_LIBS) && mv -f $@.tmp $@

$(SAN_DIR)/unit: $(SAN_OBJ) $(UNIT_SRC) tests/unit/t.h
	$(CC) $(SAN_FLAGS) -Itests/unit -o $@ $(SAN_OBJ) $(UNIT_SRC) $(PKG_LIBS) $(EXTRA_LIBS)

san: $(SAN_DIR)/kejiyun $(SAN_DIR)/unit

deps:
	@bash scripts/deps.sh

# First start: migrate and load the demo data (printing the demo accounts);
# later starts find the demo loaded and just serve.
# The build uses every core (a newcomer's first `make run` compiled on one:
# about twice as long on two cores).
run: deps
	@$(MAKE) --no-print-directory -j$(NPROC) kejiyun
	./kejiyun demo --data ./data
	./kejiyun serve --listen 127.0.0.1:8080 --data ./data

# The suite runs against the sanitizer build; tests/run sums every part
# into one closing line "N passed, N failed".
# The build is the first line of the suite's timeline (tests/timeline.py).
# It runs one compiler per core: CI calls plain `make test`, and the three
# builds (release, ASan, fuzz) took 147 s on one core of two.
TIMELINE := $(CURDIR)/tests/artifacts/timeline.jsonl
NPROC    := $(shell nproc 2>/dev/null || echo 2)
test:
	@bash scripts/deps.sh --test
	@mkdir -p tests/artifacts && : > $(TIMELINE)
	@KEJIYUN_TIMELINE=$(TIMELINE) python3 tests/timeline.py run build -- $(MAKE) --no-print-directory -j$(NPROC) kejiyun san fuzz-build
	@KEJIYUN_TIMELINE=$(TIMELINE) bash tests/run

# The PostgreSQL lane alone (tests/pg/run): a throw-away PostgreSQL 15
# cluster, the schema equivalence test and the HTTP modules listed in
# tests/pg/http_modules on --db postgresql://…
test-pg:
	@bash scripts/deps.sh --test
	@$(MAKE) --no-print-directory san
	@bash tests/pg/run

test-unit: san
	$(SAN_DIR)/unit

bench:
	@bash scripts/deps.sh --bench
	@$(MAKE) --no-print-directory kejiyun
	@bash bench/run

bench-search: kejiyun
	@bash bench/search/run

# Issue 7: the popular-science feed at 100k items / 1M reading events and
# the article page's weight (bench/popsci/run; not part of make test).
bench-popsci: kejiyun
	@bash bench/popsci/run

# FHS install: the binary in PREFIX/bin, read-only data in PREFIX/share/kejiyun
# (found at run time relative to the binary), the example config and (once)
# a config in SYSCONFDIR/kejiyun, a sandboxed systemd unit. DESTDIR stages it.
PREFIX     ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SHARE_DIRS := templates static i18n migrations data docs
install: kejiyun
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kejiyun $(DESTDIR)$(SYSCONFDIR)/kejiyun $(DESTDIR)$(UNITDIR)
	install -m 0755 $(REL_DIR)/kejiyun $(DESTDIR)$(PREFIX)/bin/kejiyun
	for d in $(SHARE_DIRS); do \
	  (git ls-files -z -- $$d 2>/dev/null || find $$d -type f -print0) | \
	    xargs -0 -I{} install -D -m 0644 {} $(DESTDIR)$(PREFIX)/share/kejiyun/{}; \
	done
	install -m 0644 kejiyun.conf.example $(DESTDIR)$(SYSCONFDIR)/kejiyun/kejiyun.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/kejiyun/kejiyun.conf ] || \
	  install -m 0640 kejiyun.conf.example $(DESTDIR)$(SYSCONFDIR)/kejiyun/kejiyun.conf
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/kejiyun.service \
	  > $(DESTDIR)$(UNITDIR)/kejiyun.service

# ---- fuzzing (tests/fuzz/README.md) ----
# The library is compiled again with clang, instrumented for libFuzzer
# (coverage only: -fsanitize=fuzzer-no-link) and ASan+UBSan; each target
# links one tests/fuzz/fuzz_*.c against it with libFuzzer's main.
FUZZ_CC      := clang
FUZZ_DIR     := build/fuzz
FUZZ_FLAGS   := $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_SECONDS ?= 600
FUZZ_PARALLEL ?= 2

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS) $(EXTRA_LIBS)

# Objects are prerequisites of a pattern rule: keep them (not intermediate).
.SECONDARY: $(FUZZ_OBJ)

fuzz-build: $(FUZZ_TARGETS)

# FUZZ_TARGET=markdown limits either to one target.
fuzz:
	@bash scripts/deps.sh --fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_PARALLEL=$(FUZZ_PARALLEL) bash tests/fuzz/run fuzz $(FUZZ_TARGET)

fuzz-replay: fuzz-build
	@bash tests/fuzz/run replay $(FUZZ_TARGET)

clean:
	rm -rf build kejiyun
