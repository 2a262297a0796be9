#!/usr/bin/env bash
# Run eventwire's test suite in two environments, as users have them:
#   .venv        the run-time install with the dev extras and no torch: every test but the
#                training smoke tests (extract, code, serve, the gates all run without torch);
#   .venv-train  the same plus the [train] extra (torch 2.13.0 CPU first): the training
#                smoke tests (`-m train`: a few optimiser steps on a small subset, the ONNX
#                export, the knowledge-base build).
# Starts a throwaway PostgreSQL server on loopback for the PostgreSQL store tests.
# Extra arguments go to the first pytest run (e.g. `bash scripts/test.sh -m "not model"`);
# EVENTWIRE_SKIP_TRAIN_TESTS=1 leaves out the second environment.
set -euo pipefail
cd "$(dirname "$0")/.."
PIP=(--disable-pip-version-check -q)

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import eventwire, pytest, fastapi, psycopg, pyspark, onnxruntime" 2>/dev/null; then
  .venv/bin/pip install "${PIP[@]}" -e ".[dev]"
fi

pg_started=""
if [ -z "${EVENTWIRE_TEST_PG_URL:-}" ]; then
  if url=$(bash .ci/postgres.sh start); then
    export EVENTWIRE_TEST_PG_URL="$url"
    pg_started=1
  else
    echo "warning: could not start PostgreSQL; PostgreSQL tests will be skipped" >&2
  fi
fi
cleanup() { [ -n "$pg_started" ] && bash .ci/postgres.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

if [ "$#" -eq 0 ]; then
  set -- -m "not train"
fi
.venv/bin/python -m pytest "$@"

if [ "${EVENTWIRE_SKIP_TRAIN_TESTS:-}" != "1" ]; then
  if [ ! -x .venv-train/bin/python ]; then
    python3 -m venv .venv-train
  fi
  if ! .venv-train/bin/python -c "import eventwire, torch, transformers, pytest" 2>/dev/null; then
    # torch first, pinned: an unpinned torch pulls a multi-GB CUDA build
    .venv-train/bin/pip install "${PIP[@]}" torch==2.13.0
    .venv-train/bin/pip install "${PIP[@]}" -e ".[train,dev]"
  fi
  .venv-train/bin/python -m pytest -m train -p no:cacheprovider
fi
