"""Fields of a verified claim set that are safe to show anyone (holder masked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formats.masking import display_holder
from formats.qr import QR_SPEC_PREFIX


def display_fields(
    claims: Mapping[str, Any] | None, issuer_name: str | None = None
) -> dict[str, str]:
    """Fields safe to show anyone: holder name/code masked; no type-specific fields.

    ``issuer_name``: the department's name from the trust list or the store, shown for QR
    claim sets that do not carry it (``ecert/qr/2``).
    """
    if claims is None:
        return {}
    out: dict[str, str] = {}

    def put(key: str, value: Any) -> None:
        if type(value) is str:  # the common case first (runs for every field shown)
            out[key] = value
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out[key] = str(value)

    if "spec" in claims and str(claims.get("spec", "")).startswith(QR_SPEC_PREFIX):
        for key, value in (("name", claims.get("tn")), ("type_code", claims.get("t")),
                           ("holder", claims.get("h")), ("holder_code", claims.get("hc")),
                           ("issuer", claims.get("in") or issuer_name),
                           ("issuer_code", claims.get("iss")), ("valid_from", claims.get("vf")),
                           ("valid_to", claims.get("vt") or "长期")):
            if type(value) is str:  # put(key, value), inline: this runs for every QR check
                out[key] = value
            else:
                put(key, value)
        return out
    put("name", claims.get("name"))
    t = claims.get("type")
    if isinstance(t, Mapping):
        put("type_code", t.get("code"))
    put("licence_number", claims.get("licence_number"))
    iss = claims.get("issuer")
    if isinstance(iss, Mapping):
        put("issuer", iss.get("name"))
        put("issuer_code", iss.get("code"))
    put("issue_date", claims.get("issue_date"))
    h = claims.get("holder")
    if isinstance(h, Mapping) and isinstance(h.get("name"), str) and isinstance(h.get("code"), str):
        out["holder"], out["holder_code"] = display_holder(h["name"], h["code"], h.get("code_kind"),
                                                           bool(h.get("confidential")))
    v = claims.get("validity")
    if isinstance(v, Mapping):
        put("valid_from", v.get("from"))
        out["valid_to"] = str(v.get("to")) if v.get("to") else "长期"
    put("version", claims.get("version"))
    return out
