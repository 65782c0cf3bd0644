# hivefs — build, test, install and run.
#   make run    install what is missing, build, install, and mount at ~/hive
#   make test   install what is missing, build, and run every test
#   make stress the full crash, fuzz and concurrency runs (long; not part of make test)

SWIFT     ?= swift
PREFIX    ?= $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/.local)
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
# Where shell completions and the systemd user unit go (both searched by default).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
UNITDIR     ?= $(if $(filter 0,$(shell id -u)),$(PREFIX)/lib/systemd/user,$(HOME)/.local/share/systemd/user)
APT_PKGS  := libfuse3-dev fuse3 tmux git pkg-config
# The tests' fake Claude Code is a Python script; the completion tests run zsh and
# fish; the man pages are checked with groff; Aider is installed in a venv; the
# tests of other hosts start their own sshd in network namespaces of their own; the
# web dashboard's tests drive a headless chromium through chromedriver; the
# sandbox tests run bubblewrap.
TEST_PKGS := python3 python3-venv zsh fish groff-base openssh-server openssh-client iproute2 chromium chromium-driver bubblewrap
SUDO      := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all deps agents build release test unit integration stress bench run install install-files uninstall completions clean

all: build

# Installs the Debian packages hivefs needs, only those missing.
deps:
	@missing=""; for p in $(APT_PKGS) $(EXTRA_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift is not on PATH (Swift 6 is needed)"; exit 1; }
	@test -e /dev/fuse || { echo "/dev/fuse is missing: load the fuse module (modprobe fuse)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The real agents the integration tests drive (Claude Code, Codex CLI, Aider), at
# pinned versions, in $HIVEFS_AGENTS or ~/.cache/hivefs-tests: fetched when missing.
agents: EXTRA_PKGS = $(TEST_PKGS)
agents: deps
	Tests/agents/fetch

test: EXTRA_PKGS = $(TEST_PKGS)
test: deps agents
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

unit: EXTRA_PKGS = $(TEST_PKGS)
unit: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing --filter 'HiveCoreTests|HiveRuntimeTests|HiveFUSETests'

integration: EXTRA_PKGS = $(TEST_PKGS)
integration: deps agents
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing --filter HiveIntegrationTests

# The tests that try to break hivefs, at full size: 50 agents sending 1,000 hook
# calls a second with the daemon killed five times, ten times the fuzz cases, and
# the concurrency run longer. Prints the figures each run found.
stress: EXTRA_PKGS = $(TEST_PKGS)
stress: deps
	$(SWIFT) build --build-tests
	HIVEFS_STRESS=1 HIVEFS_FUZZ_SCALE=10 $(SWIFT) test --skip-build --disable-swift-testing \
	  --filter 'CrashUnderLoadTests|FuzzTests|FuzzMountTests|ConcurrencyTests' > .build/stress.log 2>&1; rc=$$?; \
	  grep -E "^(crash|fuzz|concurrency)|error:|Executed" .build/stress.log; exit $$rc

# Measures hivefs against its baselines and writes docs/BENCHMARKS.md; never fails on a figure.
bench: EXTRA_PKGS = $(TEST_PKGS) gcc
bench: release
	bench/run

install: release
	@$(MAKE) --no-print-directory install-files
	@echo "installed; as a service: systemctl --user daemon-reload && systemctl --user enable --now hivefs"

# What install copies, from BUILT (the release build), without building.
BUILT ?= .build/release
install-files:
	install -d $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5
	install -m 0755 $(BUILT)/hivefs $(BINDIR)/hivefs
	install -m 0755 $(BUILT)/hivefs-hook $(BINDIR)/hivefs-hook
	install -m 0644 man/hivefs.1 $(MANDIR)/man1/hivefs.1
	install -m 0644 man/hivefs.5 $(MANDIR)/man5/hivefs.5
	install -d $(BASHCOMPDIR) $(ZSHCOMPDIR) $(FISHCOMPDIR) $(UNITDIR)
	$(BINDIR)/hivefs --generate-completion-script bash > $(BASHCOMPDIR)/hivefs
	$(BINDIR)/hivefs --generate-completion-script zsh > $(ZSHCOMPDIR)/_hivefs
	$(BINDIR)/hivefs --generate-completion-script fish > $(FISHCOMPDIR)/hivefs.fish
	sed 's|%h/.local/bin/hivefs|$(BINDIR)/hivefs|g' contrib/hivefs.service > $(UNITDIR)/hivefs.service

uninstall:
	rm -f $(BINDIR)/hivefs $(BINDIR)/hivefs-hook $(MANDIR)/man1/hivefs.1 $(MANDIR)/man5/hivefs.5 \
	  $(BASHCOMPDIR)/hivefs $(ZSHCOMPDIR)/_hivefs $(FISHCOMPDIR)/hivefs.fish $(UNITDIR)/hivefs.service

# Writes contrib/completions/ again from the argument parser (a test checks that
# they match what the program generates).
completions: build
	.build/debug/hivefs --generate-completion-script bash > contrib/completions/hivefs.bash
	.build/debug/hivefs --generate-completion-script zsh > contrib/completions/_hivefs
	.build/debug/hivefs --generate-completion-script fish > contrib/completions/hivefs.fish

# Installs, then mounts with the defaults (~/hive, ~/.local/state/hivefs, tmux -L hive).
run: install
	$(BINDIR)/hivefs mount
	@echo
	@echo "Try:  echo 'new hello agent=shell command=\"top\"' > ~/hive/control"
	@echo "      cat ~/hive/status; cat ~/hive/hello/status; tail -f ~/hive/events"
	@echo "Stop: hivefs unmount   (agents keep running; hivefs mount finds them again)"

clean:
	rm -rf .build
