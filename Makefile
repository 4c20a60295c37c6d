# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests and checks run with DEBUG off, as production does; they need a key of their own,
# and the developer tools (devtools/: seed_demo, seed_scale, bench), which tests cover too.
TEST_ENV := SECRET_KEY=test-only-not-secret DEBUG=0 DEVTOOLS=1
# The local site: DEBUG on, and the developer tools for seed_demo.
RUN_ENV := DEBUG=1 DEVTOOLS=1

.PHONY: install run test lint messages compilemessages browser clean backup restore bench

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
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py createcachetable
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r core wuhgong organizations consultations devtools

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

# Province-scale benchmark (README "Benchmarks", docs/benchmarks.md); not part of `make test`.
# Seeds BENCH_MEETINGS meetings (and proposals, projects… in proportion) into its own
# PostgreSQL database, serves it with gunicorn on 127.0.0.1 and drives every page with wrk,
# one connection then eight. Full province: make bench BENCH_MEETINGS=1000000 BENCH_SECONDS=10
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= wuhgong_bench
BENCH_MEETINGS ?= 50000
BENCH_SECONDS ?= 5
BENCH_ARGS ?=
# Loopback only: a key of its own, no HTTPS redirect, DEVTOOLS=1 for the bench and seed_scale
# commands, and BENCH=1 routes the bare view. The cache is Redis, as docs/deploy.md sets up
# production (a database of its own).
BENCH_CACHE ?= redis://127.0.0.1:6379/7
BENCH_ENV := DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) SECRET_KEY=bench-only-not-secret DEBUG=0 \
	ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 DEVTOOLS=1 BENCH=1 CACHE_URL=$(BENCH_CACHE)

bench: compilemessages
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || \
	  { echo "Install wrk: apt-get install wrk"; exit 1; }
	@psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | \
	  grep -q 1 || psql "$(BENCH_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_DB)"'
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) manage.py bench --meetings $(BENCH_MEETINGS) --seconds $(BENCH_SECONDS) \
	  --output artifacts/bench-$(BENCH_DB)-$(BENCH_MEETINGS).md $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles artifacts db.sqlite3 locale/*/LC_MESSAGES/*.mo
