"""Tamper-evident audit log (RFC 9162 Merkle tree, signed tree heads, witnesses).

Imports `certificate_store` for persistence and nothing else of ecert; signing and signature
checks come in through the `HeadSigner` / `HeadVerifier` protocols.
"""

from audit_log.append import AuditReceipt
from audit_log.errors import (
    AuditError,
    CosignatureInvalid,
    InvalidEntry,
    ProofError,
    TreeSizeError,
    WitnessRefusal,
)
from audit_log.formats import Cosignature, HeadSigner, HeadVerifier, TreeHead
from audit_log.log import AuditLog, DeptStats, EntryPage, InclusionProof

__all__ = [
    "AuditError",
    "AuditLog",
    "AuditReceipt",
    "Cosignature",
    "CosignatureInvalid",
    "DeptStats",
    "EntryPage",
    "HeadSigner",
    "HeadVerifier",
    "InclusionProof",
    "InvalidEntry",
    "ProofError",
    "TreeHead",
    "TreeSizeError",
    "WitnessRefusal",
]
