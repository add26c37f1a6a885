# Rally — the two commands a newcomer types: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev

.PHONY: run test lint format i18n-check bench sandbox clean reliability

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/python -m bot

sandbox: $(STAMP_RUN)
	$(BIN)/python -m bot --sandbox

lint: $(STAMP_DEV)
	$(BIN)/ruff check bot cogs tests bench
	$(BIN)/ruff format --check bot cogs tests bench
	$(BIN)/mypy bot cogs

format: $(STAMP_DEV)
	$(BIN)/ruff check --fix bot cogs tests bench
	$(BIN)/ruff format bot cogs tests bench

i18n-check: $(STAMP_DEV)
	$(BIN)/python -m bot.i18n_check

test: lint i18n-check
	$(BIN)/python -m pytest

# Faults, fuzzing, storage and key rotation at their larger sizes, then one summary table built
# from what the tests measured (tests/reliability_figures.py → tests/reliability_report.py).
RELIABILITY_TESTS := tests/e2e/test_reliability_e2e.py tests/e2e/test_fuzz_e2e.py \
	tests/e2e/test_fuzz_commands_e2e.py tests/e2e/test_fuzz_button_modals_e2e.py \
	tests/e2e/test_storage_faults_e2e.py \
	tests/e2e/test_permission_matrix_e2e.py tests/db/test_storage_faults.py \
	tests/db/test_key_rotation.py tests/db/test_imports.py

reliability: $(STAMP_DEV)
	@figures=$$(mktemp); \
	RALLY_RELIABILITY=1 RALLY_RELIABILITY_REPORT=$$figures \
		$(BIN)/python -m pytest $(RELIABILITY_TESTS) --timeout=900; tests=$$?; \
	echo; $(BIN)/python -m tests.reliability_report $$figures; table=$$?; \
	rm -f $$figures; [ $$tests -eq 0 ] && [ $$table -eq 0 ]

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
