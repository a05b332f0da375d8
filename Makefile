# The two commands of the README: `make demo` and `make test`.  Each creates .venv and
# installs the project into it first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test eval lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pipeline run fixtures/raw -o out

test: $(STAMP)
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests were collected"; exit 1; fi; exit $$rc
	$(BIN)/pipeline eval --backend rules --out "$$(mktemp -d)"

eval: $(STAMP)
	$(BIN)/pipeline eval --backend rules

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests eval

clean:
	rm -rf $(VENV) out .pytest_cache
