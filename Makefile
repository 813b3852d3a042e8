# Book safeguarding training. `make run` serves the app with demo data;
# `make test` runs every check and test. Neither needs any configuration.

GO ?= go
TEST_FLAGS ?= -race -count=1 -timeout 30m

.PHONY: run reset-demo announce test check build generate assets chromium bench perf

## run: serve the app on http://localhost:3000 (a private PostgreSQL starts when DATABASE_URL is unset)
run: announce build
	exec ./bin/server

## reset-demo: like run, but first empties the private PostgreSQL's database, for a fresh demo term
reset-demo: announce build
	DEMO_RESET=true exec ./bin/server

announce:
	@echo "Building the app (the first build on a machine compiles for about two minutes; later ones take seconds)..."

## test: static checks, then every test against a private PostgreSQL (or TEST_DATABASE_URL) and headless Chromium
test: check chromium
	$(GO) run ./cmd/withpg -- $(GO) test $(TEST_FLAGS) ./...

## check: generated code is current, go vet and staticcheck pass, code is formatted
check:
	$(GO) tool sqlc diff
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v -e '^internal/[a-z]*/internal/[a-z]*db/')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi

## chromium: install Debian's headless Chromium (browser tests) and poppler-utils (pdftotext, certificate tests) when missing (as root)
chromium:
	@bash .ci/ensure-chromium

## build: a single binary holding the templates and assets
build:
	$(GO) build -trimpath -o bin/server ./cmd/server

## generate: regenerate the sqlc packages (sqlc.yaml): each domain's own
## internal/<domain>/internal/<domain>db from db/queries/<domain>/, against db/migrations
generate:
	$(GO) tool sqlc generate

## assets: rebuild GOV.UK Frontend (CSS compiled from its Sass in Arial) in static/govuk from npm
assets:
	bash .ci/update-assets

## bench: benchmarks against a private PostgreSQL; BENCH picks them (a -bench pattern, every one by default),
## BENCHTIME says how long or how many times each runs (1s, 1x, 300x), BENCH_PKGS which packages
BENCH ?= .
BENCHTIME ?= 1s
BENCH_PKGS ?= ./...
bench:
	$(GO) run ./cmd/withpg -- $(GO) test -run '^$$' -bench '$(BENCH)' -benchtime '$(BENCHTIME)' -benchmem -timeout 0 $(BENCH_PKGS)

## perf: the app measured as production runs it (fsync on), in one run: the single-row update ceiling, the
## booking rush over HTTP against pgbench (with how long its emails took and the CPU per booking), pages
## against /healthz, peak memory; PERF_FLAGS passes flags (go run ./cmd/perf -h lists them, e.g.
## PERF_FLAGS='-runs 1', PERF_FLAGS='-runs 1 -rush-only')
perf: build
	$(GO) run ./cmd/perf -server ./bin/server $(PERF_FLAGS)
