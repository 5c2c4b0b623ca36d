# The two commands of the README: `make serve` and `make test`. Both start from nothing:
# they create .venv, install the project exactly as uv.lock pins it, and provision Neo4j
# (NEO4J_URI, Docker, or Maven + JDK 17).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# uv (pinned, hash-checked in .ci/uv-requirements.txt) installs the environment from uv.lock
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: install models lock upgrade serve test test-fast lint browser redis sdk client-records bench profile neo4j-start neo4j-stop clean

$(UV): .ci/uv-requirements.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	  --require-hashes --no-deps --upgrade --target $(TOOLS) -r .ci/uv-requirements.txt
	touch $@

# Every package at the version and hash uv.lock records (runtime, dev and every extra); fails
# when pyproject.toml and uv.lock disagree (`make lock` after changing a dependency).
$(BIN)/threadline: pyproject.toml uv.lock $(UV)
	$(UV) sync --locked --all-extras --python $(PYTHON) --quiet
	-$(BIN)/python -m api.graphiql_assets  # GraphiQL served offline (npm registry, pinned)
	touch $@

install: $(BIN)/threadline models

# The ONNX embedding models recall uses (Maven Central jars, sha256-checked, ~34 MB each), once.
models: $(BIN)/threadline
	@$(BIN)/threadline models install

# Re-resolve uv.lock after a change to pyproject.toml, keeping every other pin as it is.
lock: $(UV)
	$(UV) lock --python $(PYTHON)

# Move every pin to the newest version pyproject.toml allows (then `make test`, then commit).
upgrade: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

# Serve on http://$(HOST):$(PORT)/graphql against NEO4J_URI, or a local Neo4j kept in .threadline/.
serve: install
	@if [ -z "$$NEO4J_URI" ]; then \
	  export $$($(BIN)/threadline neo4j start | grep '^NEO4J_URI='); \
	fi; \
	$(BIN)/threadline master-key init; \
	exec $(BIN)/threadline serve --dev --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Headless Chromium for the dashboard's browser test (Debian package; Playwright drives it):
# without recommended packages, 25 packages and ~124 MB instead of ~130 (systemd, cups...).
APT_INSTALL = $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get
browser:
	@[ -n "$$THREADLINE_SKIP_BROWSER" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  ( echo "make test: installing Debian's chromium (no recommends, ~124 MB) for the browser test" && \
	    $(APT_INSTALL) update -q && $(APT_INSTALL) install -y -q --no-install-recommends chromium )

# redis-server (Debian package, ~2 MB) for the tests of live events across API processes; the
# suite starts its own on a free loopback port.
redis:
	@command -v redis-server >/dev/null || \
	  ( echo "make test: installing Debian's redis-server (~2 MB) for the live-event tests" && \
	    $(APT_INSTALL) update -q && $(APT_INSTALL) install -y -q --no-install-recommends redis-server )

# The web SDK's npm packages, exactly as locked (Node 20 and npm; its tests run in the suite).
SDK := connectors/clients/web-sdk
$(SDK)/node_modules/.package-lock.json: $(SDK)/package-lock.json
	cd $(SDK) && npm ci --no-audit --no-fund --loglevel=error

sdk: $(SDK)/node_modules/.package-lock.json

# The Python client's result records, generated from the served schema and the client's
# fragments (connectors/clients/fragments.graphql); a test fails while they are out of date.
client-records: install
	$(BIN)/threadline schema > .threadline-schema.graphql
	$(BIN)/python connectors/clients/codegen.py .threadline-schema.graphql > .threadline-results.py
	mv .threadline-results.py connectors/clients/results.py
	rm -f .threadline-schema.graphql

# Lint, type-check, then the whole suite; the suite provisions its own Neo4j.
test: lint browser redis sdk
	$(BIN)/pytest

# The tests that need no server (no Neo4j, no Redis): seconds, for the edit-test loop.
test-fast: install
	$(BIN)/pytest -m "not integration and not redis"

# Benchmarks: printed tables, results in bench/results/*.json (see docs/PERFORMANCE.md).
bench: install redis
	$(BIN)/python -m bench.enrichment
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.api --workers 2 --warmup 60
	$(BIN)/python -m bench.api --statistical --warmup 30
	$(BIN)/python -m bench.redis_baseline
	$(BIN)/python -m bench.api --embeddings e5-small-v2 --warmup 30
	$(BIN)/python -m bench.recall --embeddings e5-small-v2
	$(BIN)/python -m bench.recall_scale
	$(BIN)/python -m bench.scale
	@if [ -n "$$THREADLINE_LOCOMO" ]; then $(BIN)/python -m bench.locomo --all; \
	else echo "bench.locomo skipped: THREADLINE_LOCOMO names LoCoMo's data (bench/locomo.py)"; fi

# Where the API's CPU goes under load: py-spy samples the running server while 32 clients read
# contexts; flame graph and top functions in bench/results/profile-context.* (bench/profile.py;
# SCENARIO=ingest for single-event ingest).
SCENARIO ?= context
profile: install
	$(BIN)/python -m bench.profile --scenario $(SCENARIO)

neo4j-start: install
	@$(BIN)/threadline neo4j start

neo4j-stop: install
	@$(BIN)/threadline neo4j stop

clean:
	rm -rf $(VENV) $(TOOLS) .threadline .mypy_cache .ruff_cache .pytest_cache *.egg-info
