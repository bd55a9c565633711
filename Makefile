# The two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3.11
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
BASE_PYTHON := $(shell command -v $(PYTHON) >/dev/null 2>&1 && echo $(PYTHON) || echo python3)
# the installer: uv resolves and installs the pinned lists in seconds where pip took minutes (a fresh clone's make test)
UV := uv==0.13.9
CONTRACT := ../shared/contract
CONTRACT_STEPS ?= 1 2 3 4 5 6
PORT ?= 3000
LAMBDA_PORT ?= 3001
TEST_PORT ?= 3100
TEST_LAMBDA_PORT ?= 3101
TEST_MOTO_PORT ?= 3102
STAGE ?= dev
ENDPOINT ?= http://127.0.0.1:5055
CLIENT_DIR := build/client
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
# bytecode: every Python process of a target (pytest's workers, the local run, the fuzzer, the checks) reads the
# modules the ones before it compiled, from a cache inside the virtualenv: no `__pycache__` in the sources, and an
# environment's PYTHONDONTWRITEBYTECODE no longer has each process compile the ~1 100 modules it imports afresh
export PYTHONPYCACHEPREFIX ?= $(CURDIR)/$(VENV)/pycache
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint validate openapi openapi-check unit e2e client fuzz contract-only bench import-cost load audit deploy clean \
  consoles chromium screenshots

$(VENV)/.installed: requirements-dev.txt layers/loyalty/requirements.txt pyproject.toml
	$(BASE_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(UV)
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	@# the packages `loyalty` (layers/loyalty/loyalty) and `local`, editable; their dependencies are pinned above
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	$(BASE_PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check $(UV)
	$(SAM_VENV)/bin/uv pip install --quiet --python $(SAM_VENV)/bin/python -r requirements-sam.txt
	touch $@

run: $(VENV)/.installed
	PORT=$(PORT) LAMBDA_PORT=$(LAMBDA_PORT) $(PY) -m local

test: lint validate openapi-check unit e2e

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check layers functions local scripts tests
	$(VENV)/bin/mypy layers/loyalty/loyalty local scripts tests/support
	@# each function is its own `app` module, as Lambda loads it: one mypy run per function
	for f in functions/*/app.py; do $(VENV)/bin/mypy $$f || exit 1; done

validate: $(VENV)/.installed $(SAM_VENV)/.installed
	bash scripts/validate_template.sh

openapi: $(VENV)/.installed
	$(PY) -m scripts.build_openapi --write
	$(PY) -m scripts.build_event_schemas

openapi-check: $(VENV)/.installed
	$(PY) -m scripts.build_openapi --check
	$(PY) -m scripts.build_event_schemas --check

unit: $(VENV)/.installed
	$(PY) -m pytest -q -p no:cacheprovider tests --ignore=tests/e2e -n 2 --dist worksteal

e2e: $(VENV)/.installed client chromium
	$(PY) scripts/with_local_run.py --api-port $(TEST_PORT) --lambda-port $(TEST_LAMBDA_PORT) --moto-port $(TEST_MOTO_PORT) -- \
	  sh -c 'PYTHONPATH=$(CLIENT_DIR)$${PYTHONPATH:+:$$PYTHONPATH} LOYALTY_BROWSER_TESTS=required $(PY) -m pytest -q -p no:cacheprovider tests/e2e \
	    && $(MAKE) --no-print-directory fuzz && $(MAKE) --no-print-directory contract-only'

# the browser tests (tests/e2e/test_consoles.py) drive the OS's Chromium: Playwright's own download is not reachable
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (apt-get) for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "make test needs Chromium at $(CHROMIUM) for the browser tests: as root, apt-get install -y --no-install-recommends chromium (or set CHROMIUM=/path/to/chromium)" >&2; exit 1; fi; \
	fi

# the consoles' bundles (consoles/dist, committed: make test needs no npm); then commit consoles/dist
consoles:
	cd consoles && npm ci --no-audit --no-fund && npm run build

# the screenshots the README shows (docs/*.png): the browser tests against a local run of their own
screenshots: $(VENV)/.installed chromium
	$(PY) scripts/with_local_run.py --api-port $(TEST_PORT) --lambda-port $(TEST_LAMBDA_PORT) --moto-port $(TEST_MOTO_PORT) -- \
	  sh -c 'CONSOLE_SCREENSHOTS=docs LOYALTY_BROWSER_TESTS=required $(PY) -m pytest -q -p no:cacheprovider tests/e2e/test_consoles.py'

# the typed client tests/e2e/test_generated_client.py drives, generated afresh from our own OpenAPI document
client: $(VENV)/.installed
	rm -rf $(CLIENT_DIR)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/openapi-python-client generate --meta none --fail-on-warning \
	  --path layers/loyalty/loyalty/openapi.json --output-path $(CLIENT_DIR)/loyalty_api_client

# schemathesis against a started local run (LOYALTY_API/LOYALTY_MOTO; by default the one `make run` starts)
fuzz: $(VENV)/.installed
	$(PY) -m scripts.fuzz

contract-only:
	@if [ -d "$(CONTRACT)" ]; then echo "contract suite: $(CONTRACT)"; \
	  LOYALTY_API=http://127.0.0.1:$(TEST_PORT) LOYALTY_LAMBDA=http://127.0.0.1:$(TEST_LAMBDA_PORT) \
	  $(PY) -m pytest -q -p no:cacheprovider --rootdir $(CONTRACT) $(foreach s,$(CONTRACT_STEPS),$(wildcard $(CONTRACT)/test_step$(s)_*.py)); \
	else echo "contract suite not found at $(CONTRACT) (the checkout's sibling shared/contract)" >&2; exit 1; fi

bench: $(VENV)/.installed
	$(PY) -m scripts.bench

# the instructions each function's `import app` executes, against `import boto3` and the libraries alone: a cold
# start figure that does not move with the machine's other load (needs valgrind). Not part of `make test`.
import-cost: $(VENV)/.installed
	$(PY) -m scripts.import_cost

# 50 users of the mixed workload on a local run of its own for 60 s (LOAD_SECONDS, LOAD_USERS), then the audit;
# fails on any 5xx or an audit problem. Not part of `make test`.
load: $(VENV)/.installed
	$(PY) -m scripts.load_test

# the local run's requests/s, p50 and p99 for 1 and 50 clients, empty and at 100 000 items (printed, never asserted)
.PHONY: bench-local
bench-local: $(VENV)/.installed
	$(PY) -m scripts.bench_local

audit: $(VENV)/.installed
	$(PY) -m scripts.audit $(if $(ENDPOINT),--endpoint $(ENDPOINT),)

# the items of a stack from before Step 8 moved to its storage, in place (a write pause; see README, Migrating)
.PHONY: migrate
migrate: $(VENV)/.installed
	$(PY) -m scripts.migrate_storage $(if $(ENDPOINT),--endpoint $(ENDPOINT),) $(if $(LOTS_TABLE),--lots-table $(LOTS_TABLE),)

# a bearer token for the local run, and only it on stdout: SVC=$(make -s token SUB=checkout SCOPE=loyalty/service)
.PHONY: token
token: $(VENV)/.installed
	@$(PY) -m local.token --sub "$(SUB)" --scope "$(SCOPE)"

# the local run starts empty again: its data dir (python -m local --data-dir) goes; stop `make run` first
.PHONY: reset
reset:
	rm -rf .local-data

deploy: $(VENV)/.installed $(SAM_VENV)/.installed
	bash scripts/deploy.sh $(STAGE)

clean:
	rm -rf $(VENV) $(SAM_VENV) consoles/node_modules .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis build .schemathesis loyalty.egg-info
