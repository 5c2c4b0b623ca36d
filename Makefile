# The two commands of the README: `make serve` and `make test`. Both start from nothing:
# they create .venv, install the project, and provision Neo4j (NEO4J_URI, Docker, or Maven + JDK 17).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve test test-fast lint browser redis sdk bench neo4j-start neo4j-stop clean

$(BIN)/threadline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ner,embeddings,client,mcp,langchain]'
	-$(BIN)/python -m api.graphiql_assets  # GraphiQL served offline (npm registry, pinned)
	touch $@

install: $(BIN)/threadline

# Serve on http://$(HOST):$(PORT)/graphql against NEO4J_URI, or a local Neo4j kept in .threadline/.
serve: install
	@if [ -z "$$NEO4J_URI" ]; then \
	  export $$($(BIN)/threadline neo4j start | grep '^NEO4J_URI='); \
	fi; \
	exec $(BIN)/threadline serve --dev --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Headless Chromium for the dashboard's browser test (Debian package; Playwright drives it).
browser:
	@[ -n "$$THREADLINE_SKIP_BROWSER" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  ( $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q chromium )

# redis-server (Debian package) for the tests of live events across API processes; the suite
# starts its own on a free loopback port.
redis:
	@command -v redis-server >/dev/null || \
	  ( $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q redis-server )

# The web SDK's npm packages, exactly as locked (Node 20 and npm; its tests run in the suite).
SDK := connectors/web-sdk
$(SDK)/node_modules/.package-lock.json: $(SDK)/package-lock.json
	cd $(SDK) && npm ci --no-audit --no-fund --loglevel=error

sdk: $(SDK)/node_modules/.package-lock.json

# Lint, type-check, then the whole suite; the suite provisions its own Neo4j.
test: lint browser redis sdk
	$(BIN)/pytest

# The tests that need no server (no Neo4j, no Redis): seconds, for the edit-test loop.
test-fast: install
	$(BIN)/pytest -m "not integration and not redis"

# Benchmarks: printed tables, results in bench/results/*.json (see docs/PERFORMANCE.md).
bench: install redis
	$(BIN)/python -m pip install --quiet -e '.[dev,ner,embeddings,client,mcp,langchain,bench]'
	$(BIN)/python -m bench.enrichment
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.api --workers 2 --warmup 60
	$(BIN)/python -m bench.api --statistical --warmup 30
	$(BIN)/python -m bench.redis_baseline
	$(BIN)/python -m bench.api --embeddings wordllama --warmup 30
	$(BIN)/python -m bench.recall
	$(BIN)/python -m bench.scale

neo4j-start: install
	@$(BIN)/threadline neo4j start

neo4j-stop: install
	@$(BIN)/threadline neo4j stop

clean:
	rm -rf $(VENV) .threadline .mypy_cache .ruff_cache .pytest_cache *.egg-info
