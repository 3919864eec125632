"""No 5xx from any input: schemathesis generates valid and invalid requests for every operation in
/api/v1/openapi.json and checks each response against the document (status, schema, content type)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from security.apps import dispose, record_counts, sqlite_app

from commentsvc.web.openapi import openapi_document

EXAMPLES_PER_OPERATION = 250
EXAMPLES_PER_OPERATION_POSTGRES = 60
GENERATED: Counter = Counter()
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# Schemathesis asks for gzip like a browser but its WSGI transport does not decode it, so it reads the
# plain bodies; gzipped answers are pinned in tests/test_kept_reads.py.
PLAIN = {"Accept-Encoding": "identity"}


def seeded(application: Any) -> Any:
    """A few real comments (one reply) so that generated ids sometimes hit something."""
    client = application.test_client()
    first = client.post("/api/v1/comments", json={"article": "a", "body": "first"}).get_json()
    client.post("/api/v1/comments", json={"article": "a", "body": "second"})
    client.post("/api/v1/comments", json={"article": "a", "body": "reply", "parent_id": first["id"]})
    return application


@pytest.fixture
def fuzz_app(sqlite_url, tmp_path):
    application = seeded(sqlite_app(sqlite_url, tmp_path))
    yield application
    dispose(application)


@pytest.fixture
def fuzz_app_postgres(postgres_database, tmp_path):
    """PostgreSQL refuses what SQLite stores (NUL in text, out-of-range integers), so it is fuzzed too."""
    from conftest import _truncate_postgres

    _truncate_postgres(postgres_database)
    application = seeded(sqlite_app(postgres_database, tmp_path))
    yield application
    dispose(application)


# Built from the same function that serves /api/v1/openapi.json (a pure function, so safe at import);
# the test below proves the served document is this one. schemathesis.pytest.from_fixture would load it
# over WSGI per test, but that path breaks on pytest 9 (it writes the removed Function._nodeid).
schema = schemathesis.openapi.from_dict(openapi_document())


def test_the_fuzzed_document_is_the_one_the_api_serves(fuzz_app):
    served = fuzz_app.test_client().get("/api/v1/openapi.json")

    assert served.status_code == 200
    assert served.get_json() == openapi_document()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_no_generated_request_gets_a_500_or_undocumented_response(case, fuzz_app):
    """No generated request gets a server error or an undocumented response."""
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS, headers=PLAIN)
    GENERATED[f"sqlite {case.operation.label} {response.status_code}"] += 1


@pytest.mark.postgres
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION_POSTGRES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_no_generated_request_gets_a_server_error_on_postgresql(case, fuzz_app_postgres):
    response = case.call_and_validate(app=fuzz_app_postgres, checks=CHECKS, headers=PLAIN)
    GENERATED[f"postgres {case.operation.label} {response.status_code}"] += 1


@pytest.fixture(scope="module", autouse=True)
def _record_generated_cases():
    yield
    if GENERATED:
        record_counts(
            "schemathesis",
            {
                "requests_sqlite": sum(n for key, n in GENERATED.items() if key.startswith("sqlite")),
                "requests_postgres": sum(n for key, n in GENERATED.items() if key.startswith("postgres")),
                "requests_stateful": sum(n for key, n in GENERATED.items() if key.startswith("stateful")),
                "by_engine_operation_and_status": dict(GENERATED),
            },
        )


def test_stateful_sequences_of_calls_never_get_a_server_error(fuzz_app):
    """Sequences along the links schemathesis infers (list -> reply, vote, report, edit, delete the ids it saw)."""
    workflow = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app).as_state_machine()

    class Checked(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            kwargs = super().get_call_kwargs(case)
            return {**kwargs, "headers": {**kwargs.get("headers", {}), **PLAIN}}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            GENERATED[f"stateful {case.operation.label} {response.status_code}"] += 1
            case.validate_response(response, checks=CHECKS)

    Checked.run(
        settings=settings(
            max_examples=60, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
        )
    )
