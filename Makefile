# The two commands: `make run` (set up, run the pipeline on the embedded defaults)
# and `make test` (set up, run the tests). Both work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test bench chaos clean

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

# A kill -9 campaign (not part of `make test`): N kills per backend while the FA-KES articles stream,
# then every table compared with a replay. Needs ../shared/corpus and PostgreSQL at 127.0.0.1:5432.
N ?= 50
chaos: $(STAMP)
	$(BIN)/python scripts/chaos.py --kills $(N)

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
