# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests and checks run with DEBUG off, as production does; they need a key of their own.
TEST_ENV := SECRET_KEY=test-only-not-secret DEBUG=0

.PHONY: install run test lint messages compilemessages browser clean backup restore

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

compilemessages: install
	$(TEST_ENV) $(PY) manage.py compilemessages --ignore=.venv -v0

# Refresh locale/*.po from the source strings (then translate, then commit).
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --no-obsolete

run: compilemessages
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r wuhgong organizations consultations

# The browser tests need Debian's Chromium; install it when missing and we may (root).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; } || \
	  { echo "Install Chromium: apt-get install chromium fonts-noto-cjk"; exit 1; }

test: compilemessages lint browser
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# PostgreSQL backup and restore (README.md, "Backup and restore"): pg_dump of the
# DATABASE_URL database into backups/wuhgong-<date>-<time>.dump plus the uploaded files in a
# -media.tar beside it; `make restore FILE=backups/….dump` puts both back (it asks first).
# Any database: `manage.py export_backup` / `manage.py import_backup FILE` (a portable .tar).
backup: install
	$(PY) manage.py export_backup --postgres

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/wuhgong-<date>-<time>.dump"; exit 2; }
	$(PY) manage.py import_backup "$(FILE)"

clean:
	rm -rf $(VENV) staticfiles artifacts db.sqlite3 locale/*/LC_MESSAGES/*.mo
