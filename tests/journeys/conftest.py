"""The journeys' world: the vocational-training type of 人社厅 with issuer and user tokens of
several departments (modules that need more override `world`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import setup_training


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    return dict(setup_training(template.client, admin_token))
