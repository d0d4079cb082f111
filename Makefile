# Quick start: `make run` (service on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-faults bench-ingest lint typecheck chat migrate clean fuzz

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "guanjia needs Python >= 3.11 (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)
	$(BIN)/guanjia serve --host 127.0.0.1 --port 8000

chat: $(STAMP)
	$(BIN)/guanjia chat

migrate: $(STAMP)
	$(BIN)/guanjia migrate

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -m faults

# PG_ADMIN_URL: a PostgreSQL database the bench may create scratch databases from.
PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# The load comes from wrk (Debian's package), installed here when missing.
bench-ingest: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)
	$(BIN)/python bench/ingest_bench.py --rounds 5 --seconds 4 --concurrency 16 \
		--database sqlite --database $(PG_ADMIN_URL) --workers 1 --workers 2

# The property and schema fuzz tests with many more examples than `make test` gives them.
fuzz: $(STAMP)
	GUANJIA_FUZZ_EXAMPLES=1000 $(BIN)/python -m pytest -q tests/core/test_hostile_input.py tests/api/test_openapi_fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var/*.db var/*.db-wal var/*.db-shm .pytest_cache
