# `make soak`: the long part of the reliability suites (scripts/soak.sh) — fault, bad-input,
# API-fuzz and security tests at soak size, 50,000 parser mutations, libFuzzer 60 s per harness.
# Bounded (about 15 minutes on 2 cores, every step has a time limit); writes the run's figures
# to docs/reliability.md. Included from the Makefile (`include mk/soak.mk`).
SOAK_SCRATCH ?= $(CURDIR)/.build
FUZZ_SCRATCH ?= $(CURDIR)/.build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: soak
soak: build
	SOAK_SCRATCH=$(SOAK_SCRATCH) FUZZ_SCRATCH=$(FUZZ_SCRATCH) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/soak.sh
