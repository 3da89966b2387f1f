# OpsDesk: `make run` starts everything, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format setup system demo messages clean backup restore bench

run: setup demo
	./scripts/run-dev

# Across the machine's cores (pytest-xdist); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

system:
	./scripts/check-system

# With uv (on the PATH, or where `pip install --user uv` puts it) the install takes seconds from
# its cache, which matters to CI: it installs into a fresh checkout on every run. Without it,
# nothing but Python: venv and pip.
UV ?= $(or $(shell command -v uv 2>/dev/null),$(wildcard $(HOME)/.local/bin/uv))

$(STAMP): pyproject.toml constraints.txt
	./scripts/check-system
ifneq ($(UV),)
	test -x $(PY) || $(UV) venv --quiet --seed --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(PY) -c constraints.txt -e '.[dev]'
else
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
endif
	touch $(STAMP)

setup: $(STAMP) messages

messages:
	cd $(CURDIR) && $(PY) manage.py compilemessages --ignore=.venv --verbosity 0

demo: setup
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py load_demo

# README "Performance": fills PostgreSQL with benchmark populations once, then measures.
bench: setup
	$(PY) -m bench.run

# README "Backup and restore": make backup [OUTPUT=dir], make restore BACKUP=path
backup: $(STAMP)
	$(PY) manage.py backup $(if $(OUTPUT),--output "$(OUTPUT)")

restore: $(STAMP)
	$(if $(BACKUP),,$(error Give the backup to restore: make restore BACKUP=path/to/opsdesk-backup-…))
	$(PY) manage.py restore "$(BACKUP)"

clean:
	rm -rf $(VENV) var/opsdesk.sqlite3 var/broker var/celerybeat-schedule*
