"""Issue a producer's sample, with some fields replaced, and say which fields were refused."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from producers.client import ApiRefused, Issued

_keys = itertools.count()


def issue(clients: dict[str, Any], mod: Any, i: int = 0, holder: dict[str, str] | None = None,
          **changes: Any) -> Issued:
    event = mod.sample_events(max(i + 1, 1))[i]
    data, case_no = mod.to_request(dataclasses.replace(event, **changes) if changes else event)
    if holder:
        data["holder"] = holder
    data["fields"] = {k: v for k, v in data["fields"].items() if v is not None}
    return clients[mod.DEPT].issue(mod.TYPE_CODE, data, f"t-{case_no}-{next(_keys)}")  # type: ignore[no-any-return]


def refused(clients: dict[str, Any], mod: Any, i: int = 0, holder: dict[str, str] | None = None,
            **changes: Any) -> set[str]:
    """The fields the platform names when it refuses the sample changed so."""
    try:
        issue(clients, mod, i, holder, **changes)
    except ApiRefused as exc:
        assert exc.status == 422 and exc.slug == "invalid-data", exc
        return exc.fields()
    raise AssertionError(f"accepted: {changes}")
