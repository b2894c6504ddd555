# swiftpm2 — `make demo` and `make test` are the two commands a new machine needs.
SWIFT   ?= swift
PREFIX  ?= /usr/local
# Static Swift runtime (half the start-up time); a non-PIE executable needs no start-up
# relocation of the runtime's metadata (measured: daemon RSS 15.3 -> 14.2 MB, CLI start
# 3.26 -> 2.78 ms; see docs/benchmarks.md).
RELEASE_FLAGS = -c release --static-swift-stdlib -Xlinker -no-pie

.PHONY: all build release deps test demo install bench clean

all: build

# libsystemd comes from pkg-config; install libsystemd-dev through apt when it is missing.
deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# The end-to-end tests run the real binaries, so build the products before the tests. They
# run in a test process of their own: the spawner tests start the daemon's process-wide
# child reaper, which would reap the CLI processes the end-to-end tests wait for. And one at a
# time (--no-parallel): each starts daemons, servers and load, and on a loaded 2-core machine
# 77 of them at once starve one another's timing (about 70 s in all, serially).
test: build
	@scripts/ensure-test-deps.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip EndToEndTests
	$(SWIFT) test --filter EndToEndTests --no-parallel

demo: build
	@scripts/demo.sh .build/debug

# The binaries, and the systemd units (docs/systemd.md) with @BINDIR@ replaced by the binaries'
# installed folder: system units in $(PREFIX)/lib/systemd/system, user units in
# $(PREFIX)/lib/systemd/user (both in systemd's search path for /usr and /usr/local).
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/systemd/user
	install -m 0755 .build/release/swiftpm2 .build/release/swiftpm2d $(DESTDIR)$(PREFIX)/bin/
	for unit in swiftpm2d.service swiftpm2d.socket; do \
	  for scope in system user; do \
	    if [ $$scope = user ]; then src=systemd/user/$$unit; else src=systemd/$$unit; fi; \
	    dst=$(DESTDIR)$(PREFIX)/lib/systemd/$$scope/$$unit; \
	    sed 's|@BINDIR@|$(PREFIX)/bin|g' $$src > $$dst && chmod 0644 $$dst || exit 1; \
	  done; \
	done

.PHONY: uninstall
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/swiftpm2 $(DESTDIR)$(PREFIX)/bin/swiftpm2d
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/swiftpm2d.service $(DESTDIR)$(PREFIX)/lib/systemd/system/swiftpm2d.socket
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/user/swiftpm2d.service $(DESTDIR)$(PREFIX)/lib/systemd/user/swiftpm2d.socket

bench: release
	@Benchmarks/run.sh

clean:
	$(SWIFT) package clean
include mk/soak.mk
