# Roster — the two commands of the quick start are `make run` and `make test`.
# Both bring up the PostgreSQL they need themselves (see README).

GO      ?= go
BIN     := .roster/bin/roster
# Database tests wait on I/O, not CPU: run more of them at once than cores.
PARALLEL ?= 8

.PHONY: run test build vet bench postgresql browser-deps browser-test screenshots

## run: build and serve the API on 127.0.0.1:8080 with a private PostgreSQL in .roster/
run: build postgresql
	$(BIN) serve

# The service tests that run a second time with the events in KurrentDB
# (a fake of its gRPC protocol per test; see infra/kurrentdb/kurrentdbfake).
KURRENTDB_PACKAGES ?= ./cmd/roster ./infra/projectionfeed/... ./projections/...

# How long make test fuzzes hostile values into the write API (issue 13); the
# committed corpus (cmd/roster/testdata/fuzz) runs in every go test anyway.
FUZZTIME ?= 15s

## test: vet, then every test with the race detector against a private PostgreSQL,
## then the service tests again with ROSTER_EVENTSTORE=kurrentdb, then a brief fuzz run
test: build vet postgresql browser-deps
	$(BIN) dev-db -- sh -c '$(GO) test -race -count=1 -parallel $(PARALLEL) -timeout 30m ./... && \
		ROSTER_EVENTSTORE=kurrentdb $(GO) test -race -count=1 -parallel $(PARALLEL) -timeout 30m $(KURRENTDB_PACKAGES) && \
		$(GO) test -count=1 -run "^$$" -fuzz "^FuzzHostileValuesRoundTrip$$" -fuzztime $(FUZZTIME) ./cmd/roster'
	node --test console/browsertest/

## browser-test: only the admin console's tests, in Debian's Chromium (node --test)
browser-test: build postgresql browser-deps
	node --test console/browsertest/

## screenshots: the browser tests, keeping the console's screenshots in docs/console
screenshots: build postgresql browser-deps
	CONSOLE_SCREENSHOTS=docs/console node --test console/browsertest/

# browser-deps installs what the console's browser tests need when it is
# missing and we may (root with apt-get): Debian's chromium (browser
# downloads are impossible here), Node.js, and the pinned npm packages of
# console/package-lock.json. Only the missing commands' packages are asked
# for: a Node.js from elsewhere (NodeSource's bundles npm) conflicts with
# Debian's npm package.
browser-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing what the browser tests need (apt-get install -y$$missing)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "the console's browser tests need chromium, node and npm: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi
	@if [ ! -d console/node_modules ] || [ console/package-lock.json -nt console/node_modules ]; then \
		cd console && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; \
	fi

build:
	$(GO) build -o $(BIN) ./cmd/roster

vet:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## bench: the benchmarks of bench/, reported as ratios against plain PostgreSQL (bench/RESULTS.md)
bench: build postgresql
	$(GO) run ./bench $(BENCH_ARGS)

# postgresql installs the PostgreSQL server binaries when they are missing and
# we may (root with apt-get): a fresh Debian machine has only Go.
postgresql:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing PostgreSQL server binaries (apt-get install -y postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "PostgreSQL server binaries (initdb, postgres) are missing: install them with 'sudo apt-get install -y postgresql'" >&2; exit 1; \
	fi
