# The two commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: setup demo test site lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(BIN)/python requirements.txt pyproject.toml
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt templates/site/hexo/package-lock.json
	$(PIP) -r requirements-dev.txt
	npm ci --prefix templates/site/hexo --no-audit --no-fund --silent
	touch $@

setup: $(VENV)/.dev

# The demo must not pick up a real key from the shell: it is offline by promise.
DEMO := OPENAI_API_KEY= OPENAI_BASE_URL= $(BIN)/python -m paperpress run --date 2025-11-11 --replay preview/recordings

demo: $(VENV)/.runtime  ## the main job on a bundled sample day: no network, no API key
	$(BIN)/python -m devtools.recordings preview/recordings
	$(DEMO) --config demo/config.yaml
	$(DEMO) --config demo/config-hugo.yaml

test: $(VENV)/.dev  ## ruff, then the whole offline test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The example blogs (templates/site/) built from a folder of posts: `make site POSTS=preview`
# after `make demo`. Fails if Hugo or Hexo dropped a post or misread its date or tags.
POSTS  ?= posts
ASSETS ?= images
site: $(VENV)/.dev  ## build posts into build/hugo/ and build/hexo/
	$(BIN)/python -m devtools.site --posts $(POSTS) --assets $(ASSETS) --out build

LATENCY ?= 1
bench: $(VENV)/.runtime  ## speed, memory and fault drill of the real CLI against a local LLM server
	$(BIN)/python -m devtools.bench --latency $(LATENCY)

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) preview build .pytest_cache .ruff_cache

# requirements.lock: requirements.txt and everything it pulls in, pinned with the hashes of
# every file PyPI has for each version, for any platform and Python 3.11+. The daily
# workflow installs only this file, with --require-hashes. Re-run after editing
# requirements.txt; it keeps the other pins it can (LOCK_FLAGS=--upgrade moves them all).
.PHONY: lock
LOCK_FLAGS ?=
lock: $(VENV)/.dev  ## requirements.lock from requirements.txt, with hashes
	$(BIN)/uv pip compile --quiet --no-config --universal --python-version 3.11 \
		--generate-hashes --index-url https://pypi.org/simple \
		--custom-compile-command "make lock" $(LOCK_FLAGS) requirements.txt -o requirements.lock
