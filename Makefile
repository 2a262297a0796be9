# Developer shortcuts. PYTHON defaults to the project virtualenv when there is one.
PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)
BENCH_ARGS ?= --corpus both --replicate 10 --profile

.PHONY: test test-fast test-runners bench

## test: the whole suite (PostgreSQL tests skip unless EVENTWIRE_TEST_PG_URL is set)
test:
	$(PYTHON) -m pytest -q

## test-fast: unit tests that need no model, Spark or servers
test-fast:
	$(PYTHON) -m pytest -q -m "not model and not spark and not postgres and not browser and not gate"

## test-runners: the process pool and the Spark runner
test-runners:
	$(PYTHON) -m pytest -q tests/test_runners.py tests/test_spark.py

## bench: throughput against a bare spaCy parse; writes benchmarks/results.json
bench:
	nice $(PYTHON) -m benchmarks.bench $(BENCH_ARGS) --out benchmarks/results.json
