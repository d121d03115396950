# Two commands for a newcomer: `make run` (portal with demo data on SQLite) and `make test`.
PY := .venv/bin/python
PIP := .venv/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-prod run test lint worker beat seed-province benchmark messages

.venv/bin/python:
	python3 -m venv .venv

# Development install (tests, lint, browser tools); production installs requirements.txt only.
install: .venv/bin/python
	$(PIP) install -q -r requirements-dev.txt
	$(PIP) check

install-prod: .venv/bin/python
	$(PIP) install -q -r requirements.txt
	$(PIP) check

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Portal: http://$(HOST):$(PORT)/   (demo logins above)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Runs on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set (CI sets both).
test: install
	.venv/bin/ruff check .
	.venv/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

lint: install
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

worker:
	.venv/bin/celery -A branchportal worker -l info

beat:
	.venv/bin/celery -A branchportal beat -l info

seed-province:
	$(PY) manage.py seed_demo --scale province

messages:
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv
