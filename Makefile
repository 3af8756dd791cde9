# monps: `make run` serves everything, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Tests get their own embedded servers, so they never touch the data of a running `make run`.
TEST_ENV := MONPS_VAR=$(CURDIR)/var/test MONPS_REDIS_PORT=6390
# Every package mypy checks (settings in pyproject.toml; migrations excluded there). `python -m` puts this
# work tree first on the path, so the Django plugin loads these settings and models, not an installed copy.
MYPY_PATHS := monps ops web odds opportunities bets stats devtools bench conftest.py
BENCH_ENV := MONPS_VAR=$(CURDIR)/var/bench MONPS_REDIS_PORT=6391

.PHONY: setup run test bench bench-report lint fmt migrations-check browser lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)
	@$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: setup
	$(BIN)/python -m devtools.launcher run

# Browser tests drive Debian's chromium; install it when we may (root with apt), else they say what is missing.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: the browser tests will fail (sudo apt-get install chromium)"; fi; \
	fi

# Lint first, so CI (`make test`) fails on a lint or type error too.
test: setup browser lint
	$(TEST_ENV) $(BIN)/python -m devtools.launcher exec -- $(BIN)/python -m pytest $(PYTEST_ARGS)

# Its own embedded servers and database (var/bench), or BENCH_DATABASE_URL (e.g. a TimescaleDB server);
# a whole run writes docs/bench/<path>.json and regenerates docs/performance.md.
bench: setup
	$(BENCH_ENV) $(if $(BENCH_DATABASE_URL),DATABASE_URL=$(BENCH_DATABASE_URL),) $(BIN)/python -m devtools.launcher exec -- \
	  $(BIN)/python -c "import os, subprocess, sys; from bench.db import bench_url; \
	  os.environ['DATABASE_URL'] = bench_url(os.environ['DATABASE_URL']); \
	  subprocess.check_call([sys.executable, 'manage.py', 'migrate', '-v0']); \
	  sys.exit(subprocess.call([sys.executable, 'manage.py', 'bench']))"

# docs/performance.md from the last run of each storage path (docs/bench/*.json), measuring nothing.
bench-report: $(STAMP)
	$(BIN)/python -m bench.docs

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy $(MYPY_PATHS)

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: setup
	$(TEST_ENV) $(BIN)/python -m devtools.launcher exec -- $(BIN)/python manage.py makemigrations --check --dry-run

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) staticfiles
