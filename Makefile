# The two commands a new user runs: `make demo` and `make test`. Both install what they need.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test serve install lock

# Exactly the locked, hashed set (requirements/test.txt), then loopbot itself on top without deps.
$(BIN)/.installed: pyproject.toml requirements/test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/loopbot demo

serve: $(BIN)/.installed
	$(BIN)/loopbot db upgrade
	$(BIN)/loopbot serve

# Python keeps its bytecode here even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): each test worker and each `loopbot` process a test starts would
# otherwise compile the bot's sources and rewrite the tests' asserts again (about 0.6 s and 3 s
# of CPU a process).
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest

# Re-resolve the lock files from pyproject.toml (pip-tools in a venv of its own).
TOOLS := .venv-tools/bin
COMPILE := $(TOOLS)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-find-links --no-emit-index-url
lock:
	$(PYTHON) -m venv .venv-tools
	$(TOOLS)/pip install --quiet 'pip-tools>=7.4,<8'
	$(COMPILE) --upgrade -o requirements/runtime.txt pyproject.toml
	$(COMPILE) --upgrade --extra test -c requirements/runtime.txt -o requirements/test.txt pyproject.toml
	$(COMPILE) --upgrade -o requirements/audit.txt requirements/audit.in
