"""Certificate producers: the gazette's other policies, each a catalog type + an adapter.

Every module offers `DEFINITION` (catalog entry), an event dataclass, `to_request(event)`
returning `(data, source_key)` for `IssuanceService.issue`, `issue(service, actor, event, now)`
and `sample_events(n, seed)`. `producers.demo.seed_demo` wires them together for `ecert demo`.
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
