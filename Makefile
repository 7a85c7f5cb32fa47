# Two entry points (see README): `make run` runs the embedded default study end to end,
# `make test` runs the test suite. Both first build the virtual environment they need.

VENV ?= .venv
PYTHON ?= python3
# The CPU build of torch. An unpinned `torch` resolves to a multi-GB CUDA build; on a GPU machine
# set TORCH=torch (or a CUDA wheel) to get one.
TORCH ?= torch==2.13.0
CORES ?= all
BIN := $(VENV)/bin

.PHONY: run test install report lint clean-results

run: install
	$(BIN)/snakemake --workflow-profile workflow/profiles/default --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

test: install
	$(BIN)/python -m pytest

report: install
	$(BIN)/snakemake --report results/report.html

lint: install
	$(BIN)/snakemake --lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@if command -v apt-get >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq; \
	  else echo "note: not root; the debian-docs corpus needs current apt lists (run 'apt-get update' as root once)"; fi; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@
