"""Certificate producers: the gazette's other policies, each a catalog type + an adapter.

Every module offers `DEPT` (its department's key in `producers._common.DEPARTMENTS`),
`TYPE_CODE`, `DEFINITION` (the catalog entry, with the rules its policy text sets), an event
dataclass, `to_request(event)` returning `(data, case number)`, `change_of(event)` (a
correction and its reason) and `sample_events(n, seed)`. A producer reaches the platform only
through its public HTTP API (`producers.client.PlatformClient`, the department's issuer
token); `producers.demo.run_producers` drives them all for `ecert demo`.
"""

from producers import (
    art_troupe,
    cross_border_ecommerce,
    fishing_ban,
    kindergarten_handover,
    medical_fraud_reward,
    state_asset_handover,
    vocational_training,
)

ALL = (state_asset_handover, cross_border_ecommerce, vocational_training, art_troupe,
       kindergarten_handover, fishing_ban, medical_fraud_reward)

__all__ = ["ALL"]
