"""Schemathesis against our own OpenAPI document: no 5xx, no response that breaks the schema,
for every operation, called with a token of a role that may use it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.helpers import setup_training, token, training_request
from tests.api.test_authz_matrix import EXPECTED
from tests.conftest import auth

ROLE_ORDER = ("issuer", "user", "holder", "auditor", "admin", "authority")
# Zero 5xx and zero schema violations. Not `positive_data_acceptance`: a schema-valid request
# may still name a department or certificate that does not exist, which is a correct 4xx.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]


@pytest.fixture(scope="module")
def tokens(template, admin_token):  # type: ignore[no-untyped-def]
    client = template.client
    w = setup_training(client, admin_token)
    issued = client.post("/api/v1/certificates", json=training_request(9001),
                         headers=auth(w["issuer"])).json()
    return {"issuer": w["issuer"], "user": w["user"], "auditor": w["auditor"],
            "admin": admin_token, "authority": token(client, admin_token, "authority"),
            "holder": token(client, admin_token, "holder",
                            holder=issued["record"]["holder"]["code"])}


@schemathesis.serializer("application/ocsp-request", "application/timestamp-query")
def _binary(ctx, value):  # type: ignore[no-untyped-def]
    # Arbitrary bytes for the DER endpoints: they must refuse junk without a 5xx.
    return value if isinstance(value, bytes) else str(value).encode()


def test_every_operation_conforms(client, tokens) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1
        roles = EXPECTED.get((op.method.upper(), op.path), {"public"})
        role = next((r for r in ROLE_ORDER if r in roles), None)
        headers = auth(tokens[role]) if role else {}

        @given(case=op.as_strategy())
        @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except BaseException as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:1500]}")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
