# The interface: `make dev`, `make test`, `make lint`, `make bench`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CDK CLI, pinned: 2.1146.1 is the newest CLI released before aws-cdk-lib 2.275.0 (pyproject),
# and reads the cloud assembly that library writes (schema 55). Node.js 22 or 24 (README).
CDK_CLI_VERSION := 2.1146.1
CDK := npx --yes aws-cdk@$(CDK_CLI_VERSION)

.PHONY: install dev dev-reset test lint unit bench openapi synth diff deploy operator clean

# Pyodide (infra/compiler) compiles the bytecode shipped to Lambda with Lambda's Python (infra/bytecode.py).
$(STAMP): pyproject.toml infra/compiler/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	npm ci --prefix infra/compiler --silent --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

dev: install  ## start the local stack on http://127.0.0.1:$${PORT:-8000}, its state kept in $${DATA_DIR:-.data}
	$(BIN)/python -m nodeshare.local

dev-reset: install  ## empty the local stack's DATA_DIR (default .data/), then start it
	$(BIN)/python -m nodeshare.local --reset
	$(BIN)/python -m nodeshare.local

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## lint, then every suite: unit, api, infra, e2e, compat
	$(BIN)/python -m pytest -n 2 --dist loadfile

unit: install
	$(BIN)/python -m pytest tests/unit tests/api

bench: install  ## DynamoDB round trips per request and cold import ratios
	$(BIN)/python -m bench

openapi: install  ## regenerate the committed OpenAPI document from the route table
	$(BIN)/python -c "import json; from nodeshare.http.openapi import document; \
	open('openapi.json', 'w').write(json.dumps(document(), indent=2, sort_keys=True) + '\n')"

synth: install  ## synthesize the CloudFormation template into cdk.out/
	$(CDK) synth $(CDK_ARGS)

diff: install  ## what `make deploy` would change in the deployed stack (cdk diff; -c settings: CDK_ARGS)
	$(CDK) diff $(CDK_ARGS)

deploy: install
	$(CDK) deploy $(CDK_ARGS)

# Create an operator (or reset one's password): on the deployed stack (STACK, default Nodeshare),
# or on the local one with AWS_ENDPOINT_URL=<the emulator `make dev` prints>. The password is
# OPERATOR_PASSWORD if set, else generated; it is printed.
operator: install
	@test -n "$(EMAIL)" || { echo "usage: make operator EMAIL=ops@example.com [STACK=Nodeshare]"; exit 2; }
	$(BIN)/python -m nodeshare.operator '$(EMAIL)' --stack '$(or $(STACK),Nodeshare)'

clean:
	rm -rf $(VENV) infra/compiler/node_modules cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
