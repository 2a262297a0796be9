#!/usr/bin/env bash
# Run eventwire's test suite: sets up .venv with the dev extras if needed, starts a
# throwaway PostgreSQL server on loopback for the PostgreSQL store tests, runs pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not model"`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import eventwire, pytest, fastapi, psycopg, pyspark" 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
  .venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"
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

.venv/bin/python -m pytest "$@"
