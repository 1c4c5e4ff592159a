# The two commands a newcomer needs (see README.md):
#   make run   installs what is missing, builds, prepares ./data/ebank.db and serves on :8080
#   make test  installs, builds and runs every test (also an ASan+UBSan run of core and ledger)

BUILD      ?= build
ASAN_BUILD ?= build-asan
DB         ?= data/ebank.db
LISTEN     ?= 127.0.0.1:8080
CTEST_JOBS ?= 2
# Customers with a seeded year of activity in the demo bank (the KPI dashboards' figures).
HISTORY_CUSTOMERS ?= 2000

.PHONY: run test build deps asan-test bench clean web

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/build.ninja
	@cmake --build $(BUILD)

# The customer web app (web/ -> web/dist, served by `ebank serve`). npm ci runs only when
# package-lock.json is newer than the last install; the build only when a source changed.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
               web/vite.config.ts web/tsconfig.json web/package.json

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json | deps
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 19)) { console.error("web/ needs Node.js >= 20.19, found " + process.version); process.exit(1); }'
	@cd web && npm ci --no-audit --no-fund --loglevel=error

# Vite prints each chunk's size and gzip size; bundle-size.mjs adds the totals.
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	@cd web && npm run --silent build && node scripts/bundle-size.mjs --quiet dist

# The demo bank is created on the first run and its guide printed on every run.
run: build web
	@mkdir -p $(dir $(DB))
	@$(BUILD)/src/app/ebank migrate --db $(DB)
	@$(BUILD)/src/app/ebank demo --db $(DB) --data-dir $(dir $(DB)) --history-customers $(HISTORY_CUSTOMERS)
	@exec $(BUILD)/src/app/ebank serve --db $(DB) --data-dir $(dir $(DB)) --listen $(LISTEN)

$(ASAN_BUILD)/build.ninja: | deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEBANK_SANITIZE=ON \
	  -DEBANK_LIBS_ONLY=ON >/dev/null

# Core, store and ledger tests once more under AddressSanitizer and UBSan.
asan-test: deps $(ASAN_BUILD)/build.ninja
	@cmake --build $(ASAN_BUILD)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(CTEST_JOBS) --timeout 600

# The full suite runs last, so that CTest's summary closes the output.
test: build web asan-test
	@cd $(BUILD) && ctest --output-on-failure -j $(CTEST_JOBS) --timeout 900

bench: build
	@$(BUILD)/src/app/ebank bench ledger

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
