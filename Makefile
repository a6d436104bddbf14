# The two commands: `make run` (set up, run the pipeline on the embedded defaults)
# and `make test` (set up, run the tests). Both work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/newswire run

test: $(STAMP)
	$(BIN)/python -m pytest

# The venv's size is printed before and after the bench extras go in; benchmarks/install_size.py
# (a section of the report) breaks down what `pip install newswire` itself brings.
bench: $(STAMP)
	@echo "venv before the bench extras: $$(du -sh $(VENV) | cut -f1)"
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@echo "venv after the bench extras: $$(du -sh $(VENV) | cut -f1)"
	$(BIN)/python -m benchmarks

# The data home (NEWSWIRE_HOME, else ~/.local/share/newswire) is the user's data: `make clean` leaves it.
clean:
	rm -rf $(VENV)
