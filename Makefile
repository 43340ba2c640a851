# `make run` shows it working (offline too); `make test` runs every test. Both set up .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install run test test-hours lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# The web's port: `make run PORT=8050` (or PORT=8050 in the environment).
PORT ?= 5000

# Migrate, fill the database (demo data when Yahoo is unreachable), then web + clock with honcho;
# devready prints the address to open once the web answers.
run: install
	$(PY) worker.py migrate
	$(PY) worker.py pull
	$(PY) worker.py movers > /dev/null
	$(PY) -m stockdash.devready http://localhost:$(PORT) &
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile.dev -p $(PORT)

# Two pytest workers by default (pytest-xdist, whole files per worker): `make test TEST_JOBS=1` for one.
TEST_JOBS ?= 2

test: install
	$(VENV)/bin/pytest -n $(TEST_JOBS) --dist loadfile

# The live, clock, chart and movers tests at seven moments of the trading week (tests/anyhour.sh).
test-hours: install
	PYTEST=$(VENV)/bin/pytest tests/anyhour.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/web.py
	$(PY) bench/workers.py

clean:
	rm -rf $(VENV) var artifacts .pytest_cache
