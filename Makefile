# Maillage: `make run` to set up and serve, `make test` to run the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install Maillage with its dev tools

setup: install ## Migrate the database and load the default data on first start
	$(BIN)/maillage migrate --no-input
	$(BIN)/maillage load_default_data
	$(BIN)/maillage collectstatic --no-input --verbosity 0

run: setup ## Set up, then serve on http://$(HOST):$(PORT) with gunicorn
	$(BIN)/maillage serve --host $(HOST) --port $(PORT)

test: install ## Run the whole test suite (DATABASE_URL picks the database; SQLite by default)
	$(BIN)/pytest

lint: install ## ruff, and a check that models and migrations agree
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/maillage makemigrations --check --dry-run

bench: install ## Benchmarks at 10,000 and 100,000 structures beside Datasette (BENCHMARKS.md)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

loadtest: install ## 200 clients for 60 s on 127.0.0.1 against gunicorn; fails if p99 >= 300 ms or any error
	$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,loadtest]'
	$(BIN)/python benchmarks/loadtest.py $(LOADTEST_ARGS)

.PHONY: help install setup run test lint bench loadtest

messages: install ## Update the English catalogue from the code, then compile it
	cd maillage && ../$(BIN)/maillage makemessages -l en --no-obsolete --add-location=never --no-wrap && ../$(BIN)/maillage compilemessages -l en

.PHONY: messages
