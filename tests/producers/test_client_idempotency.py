"""Idempotency keys as the API accepts them: a retried issue answers the first certificate;
the same key with another body is a conflict, named as such."""

from __future__ import annotations

from typing import Any

import pytest

from producers import vocational_training as vt
from producers.client import ApiRefused


def test_same_key_same_certificate(clients: dict[str, Any]) -> None:
    c = clients[vt.DEPT]
    e = vt.sample_events(2)
    data, case_no = vt.to_request(e[0])
    first = c.issue(vt.TYPE_CODE, data, f"idem-{case_no}")
    again = c.issue(vt.TYPE_CODE, data, f"idem-{case_no}")
    assert again.identifier == first.identifier
    other, _ = vt.to_request(e[1])
    with pytest.raises(ApiRefused) as no:
        c.issue(vt.TYPE_CODE, other, f"idem-{case_no}")
    assert no.value.status == 409 and no.value.slug == "idempotency-conflict"
