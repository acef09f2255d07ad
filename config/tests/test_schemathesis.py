"""Schema-driven fuzzing of every API operation with schemathesis.

For every operation in /api/schema/, schemathesis generates parameters and bodies from the schema
(bounded: ``max_examples`` per operation) and calls the WSGI application in-process against the
seeded catalog. Each response must not be a 5xx, must use a documented status code and media
type, and its body and headers must match the schema. Reads go out anonymously; writes carry a
staff token, so generated bodies reach validation and the services instead of stopping at 401.
Jobs they queue are never delivered: the test's transaction never commits.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from knox.models import AuthToken
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


# Loading the schema needs no database: generating it reads only the code.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture
def live_requests(seeded):
    """The seeded catalog, and requests that see it: they go through a real WSGIHandler in this
    thread (so, in the test's transaction); like Django's test client, keep the handler's request
    signals from closing that connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.include(method="GET").parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_get_operations_conform_to_the_schema(case, live_requests) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.fixture
def staff_token(live_requests, django_user_model) -> str:
    user = django_user_model.objects.create_user(username="fuzzer", password="fuzz-pass-123", is_staff=True,
                                                 is_superuser=True)
    return AuthToken.objects.create(user)[1]


@schema.exclude(method="GET").parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_write_operations_conform_to_the_schema(case, staff_token) -> None:
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Token {staff_token}"})
