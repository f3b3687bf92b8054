"""Row → record conversion: copy the dataclass's fields from the ORM row by name."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

R = TypeVar("R")


def to_record(row: Any, cls: type[R], **overrides: Any) -> R:
    fields = {f.name: getattr(row, f.name) for f in dataclasses.fields(cls)  # type: ignore[arg-type]
              if f.name not in overrides}
    return cls(**fields, **overrides)
