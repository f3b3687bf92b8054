"""Liveness and readiness: what a load balancer, systemd or an operator asks before sending
traffic. Neither is audited; readiness touches the database, the key store and the lists once
each, so it stays cheap enough to poll every few seconds."""

from __future__ import annotations

from dataclasses import dataclass

from ecert.platform import Platform
from ecert.services import verification
from formats.errors import DomainError


@dataclass(frozen=True)
class Check:
    name: str  # database | keys | lists
    ok: bool
    reason: str | None = None


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)


def readiness(p: Platform) -> Readiness:
    """Database reachable, the active signing CA and audit keys present in the key store (a
    removed HSM token fails here) and openable (a wrong passphrase fails here), and the trust
    list signable. Stops at the first failure: the later
    checks depend on the earlier ones."""
    checks: list[Check] = []
    try:
        with p.store.transaction() as uow:
            uow.list_generations()
            # the CA that signs here: the issuing CA (the root may be offline), else the root
            signing = uow.pki.active("issuing") or uow.pki.active("root")
            labels = [rec.key_label for rec in (signing, uow.pki.active("audit"))
                      if rec is not None]
    except DomainError as exc:
        return Readiness((Check("database", False, exc.slug),))
    except Exception:  # noqa: BLE001 - a driver error of any shape means "not ready"
        return Readiness((Check("database", False, "unavailable"),))
    checks.append(Check("database", True))
    try:
        missing = [label for label in labels if not p.keys.exists(label)]
    except Exception:  # noqa: BLE001 - a lost PKCS#11 session raises the library's own errors
        missing = ["key store unreachable"]
    if len(labels) < 2 or missing:
        checks.append(Check("keys", False, "not-initialised" if len(labels) < 2 else "missing"))
        return Readiness(tuple(checks))
    try:
        for label in labels:  # opened once per process and kept: later polls cost nothing
            p.pki.signer(label)
    except Exception:  # noqa: BLE001 - a wrong passphrase or a locked token: cannot sign
        checks.append(Check("keys", False, "locked"))
        return Readiness(tuple(checks))
    checks.append(Check("keys", True))
    try:
        verification.signed_list(p, "trust")
    except Exception:  # noqa: BLE001 - whatever stops the list being signed means "not ready"
        checks.append(Check("lists", False, "unsignable"))
        return Readiness(tuple(checks))
    checks.append(Check("lists", True))
    return Readiness(tuple(checks))
