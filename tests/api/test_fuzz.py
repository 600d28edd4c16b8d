"""A schema-driven fuzz of the API (schemathesis over /api/v1/openapi.json, in-process against the
WSGI app, on the sample site's data): whatever the generated parameters — valid or not —, no 5xx,
and every answer conforms to the document (status code, content type, body schema).

The operations are run from the loaded schema with Hypothesis directly (schemathesis' pytest
fixture loader does not run under this pytest)."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ..conftest import isolated

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


def test_api_fuzz(app, site):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(schema.raw_schema["paths"])
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(checks=CHECKS)

        run()
