# Prismatic: `make run` serves the demo, `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Laptop defaults for `make run`; production sets real values in the environment.
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run serve test bench install install-test install-bench chromium migrate demo worker lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

$(VENV)/.installed-bench: requirements.txt requirements-dev.txt requirements-bench.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test
install-bench: $(VENV)/.installed-bench

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --no-input

demo: migrate
	$(RUN_ENV) $(PY) manage.py demo

run: demo
	@echo
	@echo "  Prismatic is starting on http://$(HOST):$(PORT)/"
	@echo "  Log in as demo-lead (or demo-reviewer1, demo-reviewer2), password prismatic-demo."
	@echo "  Stop with Ctrl-C."
	@echo
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Production-style on one machine: gunicorn (WhiteNoise serves the collected static
# files) and one Celery worker with beat, against DATABASE_URL and REDIS_URL. The
# rest (SECRET_KEY, ALLOWED_HOSTS, ...) comes from the environment: see README.
serve: install
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
		echo "make serve needs DATABASE_URL and REDIS_URL (and SECRET_KEY, ALLOWED_HOSTS): see README, Deployment."; \
		exit 2; \
	fi
	$(PY) manage.py check --deploy
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@echo
	@echo "  Prismatic is serving on http://$(HOST):$(PORT)/ (gunicorn and a Celery worker)."
	@echo "  Stop with Ctrl-C."
	@echo
	@$(PY) -m celery -A config worker --beat --schedule $(VENV)/celerybeat-schedule --loglevel=info & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) -m gunicorn config.wsgi --bind $(HOST):$(PORT)

# Debian's Chromium drives the browser tests; Playwright never downloads a browser.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests skip without it)."; \
		fi; \
	fi

# Tests spread over every core (pytest-xdist; worksteal evens out the long ones).
TEST_WORKERS ?= auto
test: install-test chromium
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install-bench
	$(PY) bench/run.py

worker: install
	$(PY) -m celery -A config worker --beat --schedule $(VENV)/celerybeat-schedule --loglevel=info

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache test-results
