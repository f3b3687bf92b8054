"""Masking rules: one definition in `certificate_store.personal`, shared with the issuer."""

from certificate_store.personal import (
    display_holder,
    mask_code,
    mask_name,
    mask_value,
)

__all__ = ["display_holder", "mask_code", "mask_name", "mask_value"]
