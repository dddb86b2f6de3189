# Croupier — developer entry points.
#
#   make services   install (if missing) and start PostgreSQL, NATS, ClickHouse; writes .local/env
#   make stop       stop them            make status   show them
#   make build      swift build (debug), product `croupier`
#   make migrate    build, then run database migrations
#   make run        services + build + migrate + demo data, then serve on http://127.0.0.1:8080
#   make test       everything CI runs: services, Swift tests, browser tests (e2e/), each runner
#                   even when another failed, with every step's duration (scripts/test-suite.sh)
#   make stress     the whole CI run three times with the cores saturated (scripts/stress-suite.sh)
#   make validate-deploy  check deploy/ (Compose, Kustomize overlays, Argo CD) and the CI workflow
#   make image      the container image (Containerfile, podman, as root), then its smoke test
#   make logs       tail of every service / server log
#   make bench      the ledger and Hub88 benchmarks, each beside pgbench, and the reports benchmark (bench/README.md); their
#                   workloads and `simulate` are the separate binary croupier-bench
#   make cluster-test  several copies rehearsed on one machine, not part of make test (scripts/cluster.sh)
#                   two serve copies and a worker behind HAProxy, a PostgreSQL streaming replica,
#                   a 3-node NATS cluster; Hub88 play while a copy is killed and a NATS node
#                   stops (docs/operations.md, "Rehearsal on one machine")

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# Steps depend on each other (services before tests, one SwiftPM build lock): never run in parallel.
.NOTPARALLEL:

BIN         := .build/debug/croupier
SWIFT_FLAGS ?=
RUN_PORT    ?= 8080
PYTEST_ARGS ?=

.PHONY: help services stop status build migrate run test stress test-swift test-e2e venv logs clean-artifacts bench validate-deploy image cluster-test

help:
	@grep -E '^#   make ' Makefile | sed 's/^#   //'

services:
	scripts/services.sh install
	scripts/services.sh start

stop:
	scripts/services.sh stop

status:
	@scripts/services.sh status || true

build:
	swift build $(SWIFT_FLAGS) --product croupier

# Environment for running the app by hand (development): services' URLs + server settings.
# Development mode generates CROUPIER_SECRET_KEY into .local/secret_key on first start.
DEV_ENV = source .local/env && \
	export CROUPIER_ENV=development \
	       CROUPIER_HTTP_HOST=127.0.0.1 \
	       CROUPIER_HTTP_PORT=$(RUN_PORT) \
	       CROUPIER_PUBLIC_URL=http://127.0.0.1:$(RUN_PORT) \
	       CROUPIER_VERSION="$$(git describe --always --dirty 2>/dev/null || echo development)"

migrate: services build
	$(DEV_ENV) && $(BIN) migrate

run: services build
	$(DEV_ENV) && $(BIN) migrate
	$(DEV_ENV) && $(BIN) demo
	@echo
	@echo "================================================================================"
	@echo "  Croupier is starting on  http://127.0.0.1:$(RUN_PORT)"
	@echo
	@echo "  How to sign in as a player and as staff: see what 'croupier demo' printed above."
	@echo
	@echo "  Services: PostgreSQL, NATS, ClickHouse (make status); stop them with 'make stop'."
	@echo "  Press Ctrl-C to stop the server."
	@echo "================================================================================"
	@echo
	$(DEV_ENV) && exec $(BIN) serve

venv:
	scripts/e2e-venv.sh

# The whole suite. On failure with CI=true, print the tail of every log before failing.
test:
	SWIFT_FLAGS="$(SWIFT_FLAGS)" PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test-suite.sh

stress:
	scripts/stress-suite.sh

# Schemas and policy of deploy/ and .github/workflows, in seconds; a step of make test.
validate-deploy:
	scripts/validate-deploy.sh

# Bases from Debian's packages (mmdebstrap), a release build inside; the smoke test runs the
# image's croupier from its root filesystem against the services (scripts/image.sh).
image: services
	scripts/image.sh build
	scripts/image.sh smoke

# One runner alone, for a quicker loop.
test-swift:
	swift build $(SWIFT_FLAGS) --build-tests
	source .local/env && swift test $(SWIFT_FLAGS)

test-e2e:
	swift build $(SWIFT_FLAGS) --product croupier
	.venv/bin/python -m pytest e2e $(PYTEST_ARGS)

logs:
	@for f in .local/log/*.log e2e/artifacts/server.log; do \
	  [ -s "$$f" ] || continue; \
	  echo "===== tail of $$f ====="; tail -n 60 "$$f"; \
	done; \
	scripts/services.sh status || true

bench:
	bench/ledger/run.sh
	bench/hub88/run.sh
	bench/reports/run.sh

# Starts the cluster under .local/cluster from scratch, runs cluster/ (pytest), stops it.
# `scripts/cluster.sh start|stop|status` runs the same cluster by hand.
cluster-test:
	swift build $(SWIFT_FLAGS) --product croupier
	scripts/e2e-venv.sh
	PYTEST_ARGS="$(PYTEST_ARGS)" scripts/cluster.sh test

clean-artifacts:
	rm -rf e2e/artifacts
