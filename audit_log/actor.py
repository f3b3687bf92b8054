"""Who acts: passed from the HTTP/CLI edge into every domain call and recorded in the log."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """An authenticated caller.

    `name` identifies the credential (token prefix, CLI operator, "system" for automatic
    lapses); `dept_code` is the caller's department (None for holders and the platform);
    `holder_hash` is the SHA-256 of the holder code for holder tokens; `request_id` ties
    log entries to one HTTP request.
    """

    name: str
    role: str  # issuer | user | holder | auditor | admin | system
    dept_code: str | None = None
    holder_hash: str | None = None
    request_id: str | None = None


SYSTEM = Actor(name="system", role="system")
