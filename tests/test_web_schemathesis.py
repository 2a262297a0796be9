"""Property-based API fuzzing with schemathesis: no generated request may cause a 5xx.

The ASGI app is called in-process over a small hand-built store (no spaCy: the server is
read-only, so write requests end at 401/403 before any extraction). Examples per operation
are bounded so the file runs in well under a minute.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from conftest import make_record, make_rejected
from eventwire.settings import Settings
from eventwire.store import open_store
from eventwire.web import create_app


@pytest.fixture(scope="module")
def web_schema(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    cfg = Settings.load(env={}, db=url)
    store = open_store(url, cfg)
    store.write([make_record(i) for i in range(8)] + [make_rejected(0)])
    store.close()
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(cfg))


def test_no_server_errors(web_schema):
    # Hypothesis is driven per operation here rather than through @schema.parametrize:
    # the lazy pytest loader of schemathesis 4.32 fails on pytest 9 (Function._nodeid).
    operations = [result.ok() for result in web_schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {"GET /api/articles", "GET /api/events", "POST /api/articles"} <= labels
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(checks=[not_a_server_error])

        try:
            call()
        except Exception as e:
            raise AssertionError(f"{operation.label}: {e}") from e
